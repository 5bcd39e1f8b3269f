//! `grad`, `value_and_grad`, `grad_vars` and `value_and_grad_vars` through the
//! public API: analytic derivatives, eager against `jit`, Variables read and
//! written, loops and branches, `stop_gradient`, and the errors.

use heron as hn;
use heron::prelude::*;

fn assert_close(a: &Array, b: &Array, tol: f64) {
    assert_eq!(a.shape(), b.shape(), "shapes differ");
    assert_eq!(a.dtype(), b.dtype(), "dtypes differ");
    let (x, y) = (
        a.astype(DType::F64).to_vec::<f64>(),
        b.astype(DType::F64).to_vec::<f64>(),
    );
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        assert!(
            (p - q).abs() <= tol * (1.0 + q.abs()),
            "element {i}: {p} vs {q}\n{a:?}\n{b:?}"
        );
    }
}

fn lin(n: usize) -> Array {
    hn::linspace(-1.0, 1.0, n)
}

#[test]
fn grad_of_an_elementwise_chain_matches_the_derivative() {
    let x = lin(7);
    let g = hn::grad(|x: Array| (x.tanh() * x.sin()).sum());
    let t = x.tanh();
    let want = (1.0 - &t * &t) * x.sin() + &t * x.cos();
    assert_close(&g(x.clone()), &want, 1e-6);
    let jg = hn::jit(g);
    assert_close(&jg.call(&x), &want, 1e-6);
}

#[test]
fn value_and_grad_returns_both() {
    let x = lin(5);
    let vg = hn::value_and_grad(|x: Array| (&x * &x).sum());
    let (v, g) = vg(x.clone());
    assert_close(&v, &(&x * &x).sum(), 1e-7);
    assert_close(&g, &(&x * 2.0), 1e-7);
}

#[test]
fn grad_vars_follows_the_collector_order_and_keeps_writes() {
    let w = TrainVar::new(hn::ones(&[3], DType::F32));
    let b = TrainVar::new(hn::zeros(&[3], DType::F32));
    let counter = Variable::new(hn::zeros(&[], DType::F32));
    let mut params = Collector::new();
    params.insert("w", &w);
    params.insert("b", &b);
    let (w2, b2, c2) = (w.clone(), b.clone(), counter.clone());
    let vg = hn::value_and_grad_vars(&params, move |x: Array| {
        c2.set(c2.value() + 1.0);
        ((&x * w2.value() + b2.value()).tanh()).sum()
    });
    let x = hn::array(&[0.5f32, -1.0, 2.0]);
    let (v, gs) = vg(x.clone());
    let z = (&x * w.value() + b.value()).tanh();
    assert_close(&v, &z.sum(), 1e-6);
    let dz = 1.0 - &z * &z;
    assert_close(&gs[0], &(&dz * &x), 1e-6);
    assert_close(&gs[1], &dz, 1e-6);
    assert_eq!(counter.value().item::<f32>(), 1.0);
    let j = hn::jit(move |x: Array| {
        let (v, mut gs) = vg(x);
        gs.insert(0, v);
        gs
    });
    let out = j.call(&x);
    assert_close(&out[1], &(&dz * &x), 1e-6);
    assert_eq!(counter.value().item::<f32>(), 2.0);
}

#[test]
fn fori_loop_and_cond_are_differentiated() {
    // x_{t+1} = sin(x_t) * 1.5 for 4 steps, summed.
    let f = |x: Array| {
        let s = Variable::new(hn::zeros(&[3], DType::F32));
        s.set(&x);
        hn::fori_loop(0, 4, |_| s.set(s.value().sin() * 1.5));
        s.value().sum()
    };
    let x = hn::array(&[0.1f32, 0.7, -0.4]);
    let g = hn::grad(f)(x.clone());
    // by hand
    let mut d = hn::ones(&[3], DType::F32);
    let mut v = x.clone();
    for _ in 0..4 {
        d = d * v.cos() * 1.5;
        v = v.sin() * 1.5;
    }
    assert_close(&g, &d, 1e-5);
    let jg = hn::jit(hn::grad(f));
    assert_close(&jg.call(&x), &d, 1e-5);

    let h = |x: Array| hn::cond(x.sum().gt(0.0), || (&x * &x).sum(), || x.exp().sum());
    let pos = hn::array(&[1.0f32, 2.0]);
    let neg = hn::array(&[-1.0f32, -2.0]);
    assert_close(&hn::grad(h)(pos.clone()), &(&pos * 2.0), 1e-6);
    assert_close(&hn::grad(h)(neg.clone()), &neg.exp(), 1e-6);
    assert_close(&hn::jit(hn::grad(h)).call(&neg), &neg.exp(), 1e-6);
}

#[test]
fn for_loop_gradients_reach_sliced_operands_and_captures() {
    let w = hn::array(&[0.5f32, -0.25]);
    let f = move |x: Array| {
        // x: [4, 2]; rows scaled by a captured w and accumulated through tanh.
        let acc = Variable::new(hn::zeros(&[2], DType::F32));
        let ys: Array = hn::for_loop(&x, |row: Array| {
            acc.set((acc.value() + &row * &w).tanh());
            acc.value() * 2.0
        });
        ys.sum() + acc.value().sum()
    };
    let x = hn::linspace(-1.0, 1.0, 8)
        .astype(DType::F32)
        .reshape(&[4, 2]);
    let g = hn::grad(f)(x.clone());
    // finite differences in f64 on the same function
    let x64 = x.astype(DType::F64);
    let fd = fd_grad(
        |x| {
            let w = hn::array(&[0.5f64, -0.25]);
            let mut acc = hn::zeros(&[2], DType::F64);
            let mut total = hn::zeros(&[], DType::F64);
            for t in 0..4 {
                acc = (&acc + x.slice(hn::s![t]) * &w).tanh();
                total += (&acc * 2.0).sum();
            }
            total + acc.sum()
        },
        &x64,
    );
    assert_close(&g.astype(DType::F64), &fd, 1e-4);
}

/// A recurrent cell `h ← tanh(h·W + x_t·U)` over the rows of `x: [T, B, 3]`
/// (`W`, `U`: `[3, 3]`), in any float dtype; returns `Σ h_T² + Σ_t Σ h_t`.
fn recurrent(x: &Array, w: &Array, u: &Array) -> Array {
    let h = Variable::new(hn::zeros(&[x.shape()[1], 3], x.dtype()));
    let (w, u) = (w.clone(), u.clone());
    let ys: Array = hn::for_loop(x, |row: Array| {
        h.set((h.value().matmul(&w) + row.matmul(&u)).tanh());
        h.value().sum()
    });
    (h.value() * h.value()).sum() + ys.sum()
}

/// `x`, `W`, `U` of `recurrent` in f64.
fn recurrent_inputs() -> (Array, Array, Array) {
    let f64s = |a: Array, shape: &[isize]| a.astype(DType::F64).reshape(shape);
    let x = f64s(hn::linspace(-1.0, 1.0, 18), &[3, 2, 3]);
    let w = f64s(hn::linspace(-0.6, 0.7, 9), &[3, 3]);
    let u = f64s(hn::linspace(0.8, -0.5, 9), &[3, 3]);
    (x, w, u)
}

#[test]
fn loop_bodies_with_products_differentiate_only_what_is_asked() {
    // Products of the carried state and of the sliced data in the body:
    // the gradients w.r.t. the captured weights and the sliced data (each
    // asked for alone, so the others are not differentiated) agree with
    // f64 finite differences, eager and under jit.
    let (x, w, u) = recurrent_inputs();
    let f32s = |a: &Array| a.astype(DType::F32);
    let (x32, w32, u32) = (f32s(&x), f32s(&w), f32s(&u));
    let fd_w = fd_grad(|w| recurrent(&x, w, &u), &w);
    let fd_u = fd_grad(|u| recurrent(&x, &w, u), &u);
    let fd_x = fd_grad(|x| recurrent(x, &w, &u), &x);
    let (xc, uc) = (x32.clone(), u32.clone());
    let gw = hn::grad(move |w: Array| recurrent(&xc, &w, &uc));
    let (xc, wc) = (x32.clone(), w32.clone());
    let gu = hn::grad(move |u: Array| recurrent(&xc, &wc, &u));
    let (wc, uc) = (w32.clone(), u32.clone());
    let gx = hn::grad(move |x: Array| recurrent(&x, &wc, &uc));
    let up = |a: Array| a.astype(DType::F64);
    assert_close(&up(gw(w32.clone())), &fd_w, 1e-4);
    assert_close(&up(gu(u32.clone())), &fd_u, 1e-4);
    assert_close(&up(gx(x32.clone())), &fd_x, 1e-4);
    assert_close(&up(hn::jit(gw).call(&w32)), &fd_w, 1e-4);
    assert_close(&up(hn::jit(gu).call(&u32)), &fd_u, 1e-4);
    assert_close(&up(hn::jit(gx).call(&x32)), &fd_x, 1e-4);
}

fn fd_grad(f: impl Fn(&Array) -> Array, x: &Array) -> Array {
    let base = x.to_vec::<f64>();
    let h = 1e-6;
    let mut out = Vec::new();
    for i in 0..base.len() {
        let mut p = base.clone();
        p[i] += h;
        let mut m = base.clone();
        m[i] -= h;
        let fp = f(&Array::from_vec(p, x.shape())).item::<f64>();
        let fm = f(&Array::from_vec(m, x.shape())).item::<f64>();
        out.push((fp - fm) / (2.0 * h));
    }
    Array::from_vec(out, x.shape())
}

#[test]
fn stop_gradient_blocks_and_ints_get_zeros() {
    let x = lin(4);
    let g = hn::grad(|x: Array| (&x * hn::stop_gradient(&x)).sum())(x.clone());
    assert_close(&g, &x, 1e-7);
    let gj = hn::jit(hn::grad(|x: Array| (&x * hn::stop_gradient(&x)).sum())).call(&x);
    assert_close(&gj, &x, 1e-7);
    let xi = hn::array(&[1i32, 2, 3]);
    let gi = hn::grad(|x: Array| x.astype(DType::F32).sum())(xi);
    assert_eq!(gi.dtype(), DType::I32);
    assert_eq!(gi.to_vec::<i32>(), vec![0, 0, 0]);
}

#[test]
fn errors_name_the_problem() {
    let r = std::panic::catch_unwind(|| hn::grad(|x: Array| x * 2.0)(lin(3)));
    let msg = panic_text(r.unwrap_err());
    assert!(msg.contains("grad") && msg.contains("0-d float"), "{msg}");
    let r = std::panic::catch_unwind(|| {
        hn::grad(|x: Array| {
            let s = Variable::new(hn::zeros(&[3], DType::F64));
            s.set(&x);
            hn::while_loop(|| s.value().sum().lt(10.0), || s.set(s.value() * 2.0));
            s.value().sum()
        })(hn::ones(&[3], DType::F64))
    });
    let msg = panic_text(r.unwrap_err());
    assert!(msg.contains("while_loop"), "{msg}");
}

fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn surrogate_spikes_step_forward_and_use_their_rule_backward() {
    let x = hn::linspace(-2.0, 2.0, 41).astype(DType::F32);
    let alpha = 4.0;
    for jitted in [false, true] {
        let s = if jitted {
            hn::jit(move |x: Array| hn::surrogate::sigmoid(&x, alpha)).call(&x)
        } else {
            hn::surrogate::sigmoid(&x, alpha)
        };
        // Exactly the step, as x's float dtype.
        assert_eq!(s.dtype(), DType::F32);
        let want: Vec<f32> = x
            .to_vec::<f32>()
            .iter()
            .map(|&v| f32::from(v >= 0.0))
            .collect();
        assert_eq!(s.to_vec::<f32>(), want);
    }
    // BrainPy's sigmoid rule: alpha·σ(αx)·(1 − σ(αx)).
    let g = hn::grad(move |x: Array| hn::surrogate::sigmoid(&x, alpha).sum())(x.clone());
    let sg = (&x * alpha).sigmoid();
    assert_close(&g, &(&sg * (1.0 - &sg) * alpha), 1e-6);
    // BrainPy's arctan rule: alpha / 2 / (1 + (π/2·alpha·x)²).
    let g = hn::jit(hn::grad(|x: Array| hn::surrogate::arctan(&x, 2.0).sum())).call(&x);
    let t = &x * (std::f64::consts::FRAC_PI_2 * 2.0);
    assert_close(&g, &(1.0 / (1.0 + &t * &t)), 1e-6);
    // BrainPy's piecewise_quadratic rule: max(0, alpha − alpha²·|x|).
    let g = hn::grad(|x: Array| hn::surrogate::piecewise_quadratic(&x, 1.5).sum())(x.clone());
    let want = hn::maximum(1.5 - x.abs() * 2.25, 0.0);
    assert_close(&g, &want, 1e-6);
    let p = hn::surrogate::piecewise_quadratic(&x, 1.5);
    let want: Vec<f32> = x
        .to_vec::<f32>()
        .iter()
        .map(|&v| f32::from(v >= 0.0))
        .collect();
    assert_eq!(p.to_vec::<f32>(), want);
    let a = hn::surrogate::arctan(&x, 2.0);
    let want: Vec<f32> = x
        .to_vec::<f32>()
        .iter()
        .map(|&v| f32::from(v >= 0.0))
        .collect();
    assert_eq!(a.to_vec::<f32>(), want);
}

#[test]
fn a_training_step_is_one_jit_function_with_state_in_variables() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<hn::optim::Sgd>();
    is_send_sync::<hn::optim::Momentum>();
    is_send_sync::<hn::optim::Adam>();

    let w = TrainVar::new(hn::array(&[0.5f32, -0.3, 0.8]));
    let mut params = Collector::new();
    params.insert("w", &w);
    let opt = hn::optim::Adam::new(0.1, &params);
    let count = opt.count().clone();
    let w2 = w.clone();
    let step = hn::jit(move |x: Array| {
        let w3 = w2.clone();
        let (l, g) =
            hn::value_and_grad_vars(&params, move |x: Array| ((w3.value() - x).powi(2)).sum())(x);
        opt.update(&g);
        l
    });
    let target = hn::array(&[1.0f32, 2.0, -1.0]);
    let first = step.call(&target).item::<f32>();
    let mut last = first;
    for _ in 0..100 {
        last = step.call(&target).item::<f32>();
    }
    assert!(last < first * 0.05, "{first} -> {last}");
    assert_eq!(count.value().item::<i32>(), 101);
    assert_eq!(step.cache_len(), 1);
}

#[test]
fn optimizer_updates_check_their_gradients() {
    let w = TrainVar::new(hn::zeros(&[3], DType::F32));
    let mut params = Collector::new();
    params.insert("w", &w);
    let opt = hn::optim::Sgd::new(0.1, &params);
    let e = opt.try_update(&[]).unwrap_err().to_string();
    assert!(
        e.contains("Sgd::update") && e.contains("0 gradients for 1"),
        "{e}"
    );
    let e = opt
        .try_update(&[hn::zeros(&[2], DType::F32)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("gradient 0") && e.contains("[2]"), "{e}");
}

#[test]
fn second_order_gradients_nest() {
    // d²/dx² sum(sin x) = -sin x.
    let x = lin(5);
    let gg = hn::grad(|x: Array| hn::grad(|y: Array| y.sin().sum())(x).sum())(x.clone());
    assert_close(&gg, &(-x.sin()), 1e-6);
}

#[test]
fn loops_with_random_draws_and_nesting_replay_the_same_draws() {
    use heron::random::RandomState;
    // Each step multiplies by a fresh uniform draw: the reverse pass must
    // see the very draws of the forward pass (the key is carried state).
    let f = |x: Array| {
        let rng = RandomState::new(11);
        let acc = Variable::new(hn::zeros(&[4], DType::F64));
        acc.set(&x);
        hn::fori_loop(0, 3, |_| {
            let u = rng.uniform_as(0.5, 1.5, &[4], DType::F64);
            acc.set(acc.value() * u);
        });
        acc.value().sum()
    };
    let x = hn::array(&[0.1f64, 0.2, 0.3, 0.4]);
    let rng = RandomState::new(11);
    let mut want = hn::ones(&[4], DType::F64);
    for _ in 0..3 {
        want *= rng.uniform_as(0.5, 1.5, &[4], DType::F64);
    }
    assert_close(&hn::grad(f)(x.clone()), &want, 1e-12);
    assert_close(&hn::jit(hn::grad(f)).call(&x), &want, 1e-12);

    // A for_loop inside a fori_loop, with a cond in the inner body.
    let g = |x: Array| {
        let s = Variable::new(hn::zeros(&[3], DType::F64));
        s.set(&x);
        let rows = hn::linspace(-1.0, 1.0, 6).reshape(&[2, 3]);
        hn::fori_loop(0, 2, |_| {
            let _: Array = hn::for_loop(&rows, |r: Array| {
                let (v, w) = (s.value(), s.value());
                let r2 = r.clone();
                s.set(hn::cond(
                    r.sum().gt(0.0),
                    move || (&v * &r2).sin(),
                    move || w.cos() * 0.9,
                ));
                r
            });
        });
        s.value().sum()
    };
    let x = hn::array(&[0.3f64, -0.2, 0.5]);
    let eager = hn::grad(g)(x.clone());
    let h = 1e-6;
    let base = x.to_vec::<f64>();
    for i in 0..3 {
        let at = |d: f64| {
            let mut p = base.clone();
            p[i] += d;
            g(Array::from_vec(p, &[3])).item::<f64>()
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        let got = eager.to_vec::<f64>()[i];
        assert!(
            (got - fd).abs() < 1e-6 * (1.0 + fd.abs()),
            "element {i}: {got} vs {fd}"
        );
    }
    assert_close(&hn::jit(hn::grad(g)).call(&x), &eager, 1e-12);
}

#[test]
fn the_gradient_of_an_elementwise_function_fuses_into_one_kernel() {
    let x = lin(1000).astype(DType::F32);
    let f = |x: Array| (x.tanh() * x.sin() + (-(&x * &x)).exp()).sum();
    let forward = hn::jit(f).compile(&x);
    let backward = hn::jit(hn::grad(f)).compile(&x);
    let both = hn::jit(move |x: Array| {
        let (v, g) = hn::value_and_grad(f)(x);
        vec![v, g]
    })
    .compile(&x);
    for (what, c, most) in [
        ("f", &forward, 1),
        ("grad(f)", &backward, 1),
        ("value_and_grad(f)", &both, 2),
    ] {
        let kernels = c.kernels();
        assert!(kernels.iter().all(|k| k.native), "{what}: {kernels:?}");
        assert!(
            kernels.len() <= most,
            "{what}: {} steps: {kernels:?}",
            kernels.len()
        );
    }
}
