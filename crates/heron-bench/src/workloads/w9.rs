//! W9: one training step of a 784-256-256-10 tanh MLP with softmax
//! cross-entropy on a batch of 128 (f32): the loss and its gradients with
//! respect to the six parameters (`value_and_grad_vars`), then an Adam
//! update (lr 1e-3), as one jitted function whose parameters and moments
//! are Variables updated in place. The reference is the same step written
//! by hand with `ndarray` (forward, backward by the chain rule, Adam). Each
//! run starts from the same parameters and zero moments; the outputs are
//! the loss and the six gradients of that step.

use crate::case::Case;
use crate::check::{Out, Tol};
use crate::config::Config;
use crate::variant::{Kind, Variant};
use heron::prelude::*;
use heron::{self as hn, random::RandomState};
use ndarray::{Array1, Array2, Axis};
use std::sync::Arc;

/// Layer widths.
pub const SIZES: [usize; 4] = [784, 256, 256, 10];
/// Adam's learning rate.
const LR: f32 = 1e-3;

/// The network's parameters as heron Variables, with their starting values.
struct Net {
    vars: Vec<Variable>,
    init: Vec<Array>,
}

impl Net {
    fn logits(&self, x: &Array) -> Array {
        let mut h = x.clone();
        for k in 0..3 {
            h = h.matmul(self.vars[2 * k].value()) + self.vars[2 * k + 1].value();
            if k < 2 {
                h = h.tanh();
            }
        }
        h
    }
}

fn loss(logits: &Array, y: &Array) -> Array {
    let m = hn::stop_gradient(&logits.max_axis(-1).expand_dims(-1));
    let z = logits - &m;
    (z.exp().sum_axis(-1).log() - (&z * y).sum_axis(-1)).mean()
}

/// The ndarray reference's state: parameters and Adam's moments.
struct NdState {
    p: Vec<Array2<f32>>,
    m: Vec<Array2<f32>>,
    v: Vec<Array2<f32>>,
    out: Vec<ndarray::ArrayD<f32>>,
}

/// Loss and gradients of the MLP by hand (biases as `[1, n]` rows).
fn nd_grads(p: &[Array2<f32>], x: &Array2<f32>, y: &Array2<f32>) -> (f32, Vec<Array2<f32>>) {
    let b = x.nrows() as f32;
    let h1 = (x.dot(&p[0]) + &p[1]).mapv(f32::tanh);
    let h2 = (h1.dot(&p[2]) + &p[3]).mapv(f32::tanh);
    let z = h2.dot(&p[4]) + &p[5];
    let m = z.fold_axis(Axis(1), f32::NEG_INFINITY, |&a, &c| a.max(c));
    let zs = &z - &m.insert_axis(Axis(1));
    let e = zs.mapv(f32::exp);
    let s = e.sum_axis(Axis(1));
    let lse = s.mapv(f32::ln);
    let picked = (&zs * y).sum_axis(Axis(1));
    let loss = (&lse - &picked).mean().unwrap_or(0.0);
    let prob = &e / &s.insert_axis(Axis(1));
    let dz = (&prob - y) / b;
    let d2 = dz.dot(&p[4].t()) * h2.mapv(|h| 1.0 - h * h);
    let d1 = d2.dot(&p[2].t()) * h1.mapv(|h| 1.0 - h * h);
    let row = |d: &Array2<f32>| d.sum_axis(Axis(0)).insert_axis(Axis(0));
    let grads = vec![
        x.t().dot(&d1),
        row(&d1),
        h1.t().dot(&d2),
        row(&d2),
        h2.t().dot(&dz),
        row(&dz),
    ];
    (loss, grads)
}

fn nd_adam(st: &mut NdState, grads: &[Array2<f32>]) {
    let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    let (c1, c2) = (1.0 - b1, 1.0 - b2);
    for (k, g) in grads.iter().enumerate() {
        st.m[k] = &st.m[k] * b1 + g * (1.0 - b1);
        st.v[k] = &st.v[k] * b2 + g.mapv(|g| g * g) * (1.0 - b2);
        let step = (&st.m[k] / c1) / ((&st.v[k] / c2).mapv(f32::sqrt) + eps) * LR;
        st.p[k] = &st.p[k] - &step;
    }
}

/// The W9 case.
pub fn case(cfg: &Config) -> Case<'static> {
    let batch = cfg.size.pick(128, 128, 16);
    let rng = RandomState::new(9);
    let mut init = Vec::new();
    for k in 0..3 {
        let (n_in, n_out) = (SIZES[k], SIZES[k + 1]);
        let scale = (1.0 / n_in as f64).sqrt();
        init.push(rng.normal_as(0.0, scale, &[n_in, n_out], DType::F32));
        init.push(rng.normal_as(0.0, 0.1, &[n_out], DType::F32));
    }
    let x = rng.normal_as(0.0, 1.0, &[batch, SIZES[0]], DType::F32);
    let labels = rng.randint_as(0, 10, &[batch], DType::I32);
    let y = labels
        .expand_dims(-1)
        .eq(hn::arange_i(0, 10, 1))
        .astype(DType::F32);

    let mut case = Case::new(
        "W9",
        "MLP training step: value_and_grad_vars + Adam",
        format!("784-256-256-10 tanh, softmax cross-entropy, batch {batch}, f32"),
    )
    .outputs(&[
        ("loss", Tol::close(1e-5, 1e-6)),
        ("grad w0", Tol::close(1e-3, 1e-6)),
        ("grad b0", Tol::close(1e-3, 1e-6)),
        ("grad w1", Tol::close(1e-3, 1e-6)),
        ("grad b1", Tol::close(1e-3, 1e-6)),
        ("grad w2", Tol::close(1e-3, 1e-6)),
        ("grad b2", Tol::close(1e-3, 1e-6)),
    ]);

    // The reference: ndarray, by hand.
    let nd = |a: &Array| {
        let s = a.shape();
        let (r, c) = if s.len() == 1 {
            (1, s[0])
        } else {
            (s[0], s[1])
        };
        Array2::from_shape_vec((r, c), a.to_vec::<f32>()).expect("a matrix")
    };
    let p0: Vec<Array2<f32>> = init.iter().map(nd).collect();
    let (xn, yn) = (nd(&x), nd(&y));
    let fresh = move || NdState {
        m: p0.iter().map(|p| Array2::zeros(p.raw_dim())).collect(),
        v: p0.iter().map(|p| Array2::zeros(p.raw_dim())).collect(),
        p: p0.clone(),
        out: Vec::new(),
    };
    case = case.variant(Variant::stateful(
        "ndarray",
        Kind::Ndarray,
        fresh(),
        move |st| *st = fresh(),
        move |st| {
            let (l, g) = nd_grads(&st.p, &xn, &yn);
            nd_adam(st, &g);
            let mut out = vec![Array1::from_elem(1, l).into_dyn()];
            for (k, g) in g.into_iter().enumerate() {
                let g = g.into_dyn();
                out.push(if k % 2 == 1 {
                    g.into_shape_with_order(vec![SIZES[k / 2 + 1]])
                        .expect("a bias row")
                } else {
                    g
                });
            }
            st.out = out;
        },
        |st| Out::Nd(st.out.clone()),
    ));

    // heron: one jitted function.
    let net = Arc::new(Net {
        vars: init.iter().map(|a| TrainVar::new(a.clone())).collect(),
        init,
    });
    let mut params = Collector::new();
    for (k, v) in net.vars.iter().enumerate() {
        params.insert(format!("p{k}"), v);
    }
    let opt = Arc::new(hn::optim::Adam::new(LR as f64, &params));
    let step = {
        let (net, opt) = (net.clone(), opt.clone());
        hn::jit_named("w9", move |a: Vec<Array>| {
            let (n, y) = (net.clone(), a[1].clone());
            let (l, grads) =
                hn::value_and_grad_vars(&params, move |x: Array| loss(&n.logits(&x), &y))(
                    a[0].clone(),
                );
            opt.update(&grads);
            let mut out = vec![l];
            out.extend(grads);
            out
        })
    };
    let args = vec![x, y];
    let reset_net = net.clone();
    case.variant(Variant::stateful(
        "heron jit",
        Kind::HeronJit,
        Vec::new(),
        move |out: &mut Vec<Array>| {
            for (v, a) in reset_net.vars.iter().zip(&reset_net.init) {
                v.set(a.clone());
            }
            opt.reset();
            out.clear();
        },
        move |out| *out = step.call(args.clone()),
        |out| Out::Heron(out.clone()),
    ))
}
