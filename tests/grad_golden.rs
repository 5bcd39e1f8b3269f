//! heron's gradients and optimizers against JAX's: the fixtures in
//! `tests/golden_jax/grad.json` are written by `tests/golden_jax/gen_grad.py`
//! (`jax.value_and_grad` and optax on CPU). Each case below is the same
//! function as its namesake there. Values and gradients agree within a few
//! f32 ulps of the gradient's scale, eagerly and under `jit`; where JAX's
//! gradient is exactly zero (the elements that are not tied maxima), so is
//! heron's.

use heron as hn;
use heron::prelude::*;
use serde_json::Value as Json;
use std::sync::LazyLock;

static FIXTURES: LazyLock<Json> = LazyLock::new(|| {
    serde_json::from_str(include_str!("golden_jax/grad.json")).expect("grad.json parses")
});

fn f32s(j: &Json) -> Vec<f32> {
    j.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

fn dims(j: &Json) -> Vec<usize> {
    j.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_u64().expect("a size") as usize)
        .collect()
}

fn composition(x: Array) -> Array {
    let sq = &x * &x;
    (x.tanh() * x.sin()).sum() + ((-&sq).exp() * sq.log1p()).sum()
}

fn broadcasting(x: Array) -> Array {
    let col = x.slice(hn::s![.., 0..1]);
    let row = x.slice(hn::s![0..1, ..]);
    (&x * &col + row / (1.0 + &x * &x)).sum()
}

fn ties(x: Array) -> Array {
    x.max() + hn::maximum(&x, 2.0).sum() + x.reshape(&[2, 4]).min_axis(1).sum()
}

fn fori(x: Array) -> Array {
    let c = Variable::new(hn::zeros(x.shape(), DType::F32));
    c.set(&x);
    hn::fori_loop(0, 6, |i: Array| {
        c.set((c.value() * 1.3).sin() + i.astype(DType::F32) * 0.1)
    });
    (c.value() * c.value()).sum()
}

fn branch(x: Array) -> Array {
    let (a, b) = (x.clone(), x.clone());
    hn::cond(
        x.sum().gt(0.0),
        move || (&a * &a * &a).sum(),
        move || b.cos().sum(),
    )
}

fn mlp(w: Array) -> Array {
    let data = hn::linspace(-1.0, 1.0, 20)
        .astype(DType::F32)
        .reshape(&[5, 4]);
    let labels = hn::array(&[0i32, 2, 1, 2, 0]);
    let onehot = labels
        .expand_dims(-1)
        .eq(hn::arange_i(0, 3, 1))
        .astype(DType::F32);
    let logits = data.matmul(&w).tanh() * 3.0;
    let m = hn::stop_gradient(&logits.max_axis(-1).expand_dims(-1));
    let z = &logits - &m;
    let logp = &z - z.exp().sum_axis(-1).log().expand_dims(-1);
    -(logp * onehot).sum_axis(-1).mean()
}

fn sort_cumsum(x: Array) -> Array {
    let w = hn::arange(1.0, 7.0, 1.0).astype(DType::F32);
    (x.sort(0).cumsum(0) * w).sum()
}

fn edges(x: Array) -> Array {
    x.abs().sum() + hn::maximum(&x, 0.0).sum() + x.pow(2.0).sum()
}

fn function(name: &str) -> fn(Array) -> Array {
    match name {
        "composition" => composition,
        "broadcasting" => broadcasting,
        "ties" => ties,
        "fori_loop" => fori,
        "cond_then" | "cond_else" => branch,
        "mlp" => mlp,
        "sort_cumsum" => sort_cumsum,
        "edges" => edges,
        other => panic!("no heron function for case {other}"),
    }
}

/// `got` within `ulps` f32 ulps of the gradient's scale (the largest
/// magnitude in `want`, at least 1) of `want`; exact where `want` is 0.
fn assert_near(name: &str, got: &[f32], want: &[f32], ulps: f32) {
    let scale = want.iter().fold(1.0f32, |m, w| m.max(w.abs()));
    let tol = ulps * f32::EPSILON * scale;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        if w == 0.0 {
            assert_eq!(g, 0.0, "{name}: element {i} must be exactly 0");
        }
        assert!(
            (g - w).abs() <= tol,
            "{name}: element {i}: heron {g}, JAX {w} (tolerance {tol})"
        );
    }
}

#[test]
fn gradients_match_jax() {
    let cases = FIXTURES["cases"].as_array().expect("cases");
    assert!(cases.len() >= 9);
    for c in cases {
        let name = c["name"].as_str().expect("a name");
        let x = Array::from_vec(f32s(&c["x"]), &dims(&c["shape"]));
        let f = function(name);
        let (v, g) = hn::value_and_grad(f)(x.clone());
        let want = f32s(&c["grad"]);
        let value = c["value"].as_f64().expect("a value") as f32;
        assert_near(name, &[v.item::<f32>()], &[value], 8.0);
        assert_near(name, &g.to_vec::<f32>(), &want, 16.0);
        let gj = hn::jit(hn::grad(f)).call(&x);
        assert_near(&format!("{name} (jit)"), &gj.to_vec::<f32>(), &want, 16.0);
    }
}

fn run_optimizer(name: &str, p: &Variable, grads: &[Array], jitted: bool) -> Vec<Vec<f32>> {
    let mut params = Collector::new();
    params.insert("p", p);
    enum Opt {
        Sgd(hn::optim::Sgd),
        Momentum(hn::optim::Momentum),
        Adam(hn::optim::Adam),
    }
    let opt = std::sync::Arc::new(match name {
        "sgd" => Opt::Sgd(hn::optim::Sgd::new(0.1, &params)),
        "momentum" => Opt::Momentum(hn::optim::Momentum::new(0.1, 0.9, &params)),
        "adam" => Opt::Adam(hn::optim::Adam::new(0.01, &params)),
        other => panic!("unknown optimizer {other}"),
    });
    let update = move |g: Array| match &*opt {
        Opt::Sgd(o) => o.update(&[g]),
        Opt::Momentum(o) => o.update(&[g]),
        Opt::Adam(o) => o.update(&[g]),
    };
    let step = hn::jit({
        let update = update.clone();
        move |g: Array| update(g)
    });
    grads
        .iter()
        .map(|g| {
            if jitted {
                step.call(g);
            } else {
                update(g.clone());
            }
            p.value().to_vec::<f32>()
        })
        .collect()
}

#[test]
fn optimizers_match_optax() {
    let o = &FIXTURES["optimizers"];
    let grads: Vec<Array> = o["grads"]
        .as_array()
        .expect("grads")
        .iter()
        .map(|g| Array::from_vec(f32s(g), &[5]))
        .collect();
    for run in o["runs"].as_array().expect("runs") {
        let name = run["name"].as_str().expect("a name");
        for jitted in [false, true] {
            let p = TrainVar::new(Array::from_vec(f32s(&run["params0"]), &[5]));
            let got = run_optimizer(name, &p, &grads, jitted);
            for (k, (g, want)) in got
                .iter()
                .zip(run["steps"].as_array().expect("steps"))
                .enumerate()
            {
                assert_near(
                    &format!("{name} step {k} (jit {jitted})"),
                    g,
                    &f32s(want),
                    4.0,
                );
            }
        }
    }
}
