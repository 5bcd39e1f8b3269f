//! Control flow (`fori_loop`, `for_loop`, `while_loop`, `cond`) against the
//! same computation unrolled eagerly: Variables carried, stacked outputs,
//! random draws, nesting, both branch directions, zero-trip loops, errors,
//! and the compiled-entry cache of constructs called outside `jit`.

use heron as hn;
use heron::prelude::*;
use heron::random::RandomState;

fn assert_close(a: &Array, b: &Array) {
    assert_eq!(a.shape(), b.shape(), "shapes differ");
    assert_eq!(a.dtype(), b.dtype(), "dtypes differ");
    let (x, y) = (
        a.astype(DType::F64).to_vec::<f64>(),
        b.astype(DType::F64).to_vec::<f64>(),
    );
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        assert!(
            (p - q).abs() <= 1e-5 * (1.0 + q.abs()),
            "element {i}: {p} vs {q}\n{a:?}\n{b:?}"
        );
    }
}

fn lin(n: usize) -> Array {
    hn::linspace(-1.0, 1.0, n)
}

#[test]
fn fori_loop_carries_variables_and_sees_its_index() {
    let v = Variable::new(lin(7));
    let w = Variable::new(hn::zeros(&[7], DType::F32));
    let scale = lin(7) * 0.5; // captured from outside
    hn::fori_loop(2, 12, |i: Array| {
        v.set(&v.value() * 0.9 + &scale + i.astype(DType::F32));
        w.set(&w.value() + &v.value());
    });
    let (mut ev, mut ew) = (lin(7), hn::zeros(&[7], DType::F32));
    for i in 2..12 {
        ev = &ev * 0.9 + &scale + i as f32;
        ew = &ew + &ev;
    }
    assert_close(&v.value(), &ev);
    assert_close(&w.value(), &ew);
}

#[test]
fn for_loop_stacks_outputs_and_carries_state() {
    let xs = Array::from_vec((0..12).map(|x| x as f32).collect(), &[4, 3]);
    let acc = Variable::new(hn::zeros(&[3], DType::F32));
    let ys = hn::for_loop(&xs, |x: Array| -> Array {
        acc.set(&acc.value() + &x);
        acc.value() * 2.0
    });
    assert_eq!(ys.shape(), &[4, 3]);
    let mut a = hn::zeros(&[3], DType::F32);
    let mut rows = Vec::new();
    for r in xs.iter() {
        a = &a + &r;
        rows.push(&a * 2.0);
    }
    let refs: Vec<&Array> = rows.iter().collect();
    assert_close(&ys, &hn::stack(&refs, 0));
    assert_close(&acc.value(), &a);
}

#[test]
fn for_loop_over_two_operands_returns_a_tuple() {
    let xs = lin(5).reshape(&[5, 1]);
    let ys = hn::arange(0.0, 5.0, 1.0).reshape(&[5, 1]);
    let (s, p) = hn::for_loop((&xs, &ys), |(x, y): (Array, Array)| (&x + &y, &x * &y));
    assert_close(&s, &(&xs + &ys));
    assert_close(&p, &(&xs * &ys));
}

#[test]
fn random_draws_inside_a_loop_match_the_unrolled_draws() {
    let rng = RandomState::new(7);
    let v = Variable::new(hn::zeros(&[6], DType::F32));
    hn::fori_loop(0, 4, |_| v.set(&v.value() + rng.normal(0.0, 1.0, &[6])));
    let eager_rng = RandomState::new(7);
    let mut e = hn::zeros(&[6], DType::F32);
    for _ in 0..4 {
        e = &e + eager_rng.normal(0.0, 1.0, &[6]);
    }
    assert_close(&v.value(), &e);
    assert_eq!(rng.key(), eager_rng.key());
}

#[test]
fn nested_loops() {
    let v = Variable::new(hn::zeros(&[3], DType::F32));
    hn::fori_loop(0, 3, |i: Array| {
        hn::fori_loop(0, 4, |j: Array| {
            v.set(&v.value() + (&i * 10 + &j).astype(DType::F32));
        });
        v.set(&v.value() * 0.5);
    });
    let mut e = hn::zeros(&[3], DType::F32);
    for i in 0..3 {
        for j in 0..4 {
            e = &e + (i * 10 + j) as f32;
        }
        e = &e * 0.5;
    }
    assert_close(&v.value(), &e);
}

#[test]
fn cond_takes_either_branch() {
    let a = lin(5) + 2.0;
    for (p, expect) in [(true, a.exp()), (false, a.log())] {
        let r = hn::cond(&hn::scalar(p), || a.exp(), || a.log());
        assert_close(&r, &expect);
    }
}

#[test]
fn cond_variable_written_in_one_branch_keeps_its_value_in_the_other() {
    let v = Variable::new(lin(4));
    let before = v.value();
    hn::cond(&hn::scalar(false), || v.set(&v.value() + 1.0), || ());
    assert_close(&v.value(), &before);
    hn::cond(&hn::scalar(true), || v.set(&v.value() + 1.0), || ());
    assert_close(&v.value(), &(&before + 1.0));
}

#[test]
fn cond_with_an_expensive_branch_inside_a_loop() {
    let v = Variable::new(hn::ones(&[4], DType::F32));
    let m = hn::eye(4, DType::F32) * 0.5;
    hn::fori_loop(0, 6, |i: Array| {
        let even = (&i % 2).eq(0);
        let nv = hn::cond(&even, || m.matmul(&v.value()), || v.value() + 1.0);
        v.set(nv);
    });
    let mut e = hn::ones(&[4], DType::F32);
    for i in 0..6 {
        e = if i % 2 == 0 { m.matmul(&e) } else { &e + 1.0 };
    }
    assert_close(&v.value(), &e);
}

#[test]
fn while_loop_counts_and_may_run_zero_times() {
    let v = Variable::new(hn::zeros(&[3], DType::F32));
    hn::while_loop(|| v.value().lt(10.0).any(), || v.set(&v.value() + 3.0));
    assert_close(&v.value(), &hn::full(&[3], 12.0, DType::F32));
    hn::while_loop(|| v.value().lt(0.0).any(), || v.set(&v.value() + 3.0));
    assert_close(&v.value(), &hn::full(&[3], 12.0, DType::F32));
}

#[test]
fn control_flow_inside_jit() {
    let v = Variable::new(hn::zeros(&[4], DType::F32));
    let f = hn::jit({
        let v = v.clone();
        move |x: Array| {
            hn::fori_loop(0, 5, |_| v.set(&v.value() + &x));
            let big = v.value().sum().gt(10.0);
            hn::cond(&big, || v.value() * 2.0, || v.value() * -1.0)
        }
    });
    let r = f.call(&hn::ones(&[4], DType::F32));
    assert_close(&r, &hn::full(&[4], 10.0, DType::F32));
    let r = f.call(&hn::ones(&[4], DType::F32));
    assert_close(&r, &hn::full(&[4], 20.0, DType::F32));
    assert_eq!(f.cache_len(), 1);
    assert!(
        f.lower(&hn::ones(&[4], DType::F32))
            .ir_text()
            .contains("loop[")
    );
}

#[test]
fn mismatched_branches_are_an_error() {
    let a = lin(4);
    let err = hn::try_cond(&hn::scalar(true), || a.clone(), || a.reshape(&[2, 2])).unwrap_err();
    assert!(err.to_string().contains("cond"), "{err}");
    assert!(
        err.to_string().contains("f32[4]") && err.to_string().contains("f32[2,2]"),
        "{err}"
    );
    let err = hn::try_cond(&lin(2).gt(0.0), || a.clone(), || a.clone()).unwrap_err();
    assert!(err.to_string().contains("bool scalar"), "{err}");
}

fn lif(n: usize, steps: i32) -> (Array, Array, Array) {
    let rng = RandomState::new(42);
    let input = rng.normal(0.0, 1.0, &[n]) * 5.0 + 20.0;
    let v = Variable::new(hn::full(&[n], -65.0, DType::F32));
    let t_last = Variable::new(hn::full(&[n], -1e7, DType::F32));
    let count = Variable::new(hn::zeros(&[n], DType::I32));
    hn::fori_loop(0, steps, |i: Array| {
        let t = i.astype(DType::F32) * 0.1;
        let nv = &v.value() + (-(&v.value() + 65.0) + &input) * (0.1 / 10.0);
        let spike = nv.ge(-50.0);
        v.set(hn::where_(&spike, -68.0, &nv));
        t_last.set(hn::where_(&spike, &t, t_last.value()));
        count.set(&count.value() + spike.astype(DType::I32));
    });
    (v.value(), t_last.value(), count.value())
}

#[test]
fn lif_loop_matches_the_unrolled_steps() {
    let (n, steps) = (1000, 100);
    let looped = lif(n, steps);
    let rng = RandomState::new(42);
    let input = rng.normal(0.0, 1.0, &[n]) * 5.0 + 20.0;
    let mut v = hn::full(&[n], -65.0, DType::F32);
    let mut t_last = hn::full(&[n], -1e7, DType::F32);
    let mut count = hn::zeros(&[n], DType::I32);
    for i in 0..steps {
        let t = i as f32 * 0.1;
        let nv = &v + (-(&v + 65.0) + &input) * (0.1 / 10.0);
        let spike = nv.ge(-50.0);
        v = hn::where_(&spike, -68.0, &nv);
        t_last = hn::where_(&spike, t, &t_last);
        count = &count + spike.astype(DType::I32);
    }
    assert_close(&looped.0, &v);
    assert_close(&looped.1, &t_last);
    assert_eq!(looped.2.to_vec::<i32>(), count.to_vec::<i32>());
    assert!(count.sum().item::<i32>() > 0);
}

/// Runs `sim` on the native drivers and on the reference driver (which calls
/// the body's code from Rust once per iteration); asserts the same bits.
fn native_matches_reference(sim: impl Fn() -> Vec<Array>) -> Vec<Array> {
    let native = sim();
    let reference = hn::CompileOptions {
        native_drivers: false,
        ..hn::CompileOptions::default()
    }
    .scoped(&sim);
    for (a, b) in native.iter().zip(&reference) {
        assert_eq!(
            a.astype(DType::F64).to_vec::<f64>(),
            b.astype(DType::F64).to_vec::<f64>()
        );
    }
    native
}

#[test]
fn ten_thousand_steps_run_in_one_native_driver_call() {
    // The running mean keeps the body from temporal fusion: every step runs
    // the body's kernels from the generated loop.
    let run = || {
        let v = Variable::new(hn::zeros(&[16], DType::F32));
        let total = Variable::new(hn::zeros(&[], DType::F32));
        hn::fori_loop(0, 10_000, |i: Array| {
            let x = &v.value() * 0.999 + (i.astype(DType::F32) * 0.001).sin();
            total.set(total.value() + x.mean());
            v.set(x);
        });
        vec![v.value(), total.value()]
    };
    let state = native_matches_reference(run);
    let (mut v, mut total) = (0.0f32, 0.0f32);
    for i in 0..10_000 {
        v = v * 0.999 + (i as f32 * 0.001).sin();
        total += v;
    }
    assert_close(&state[0], &hn::full(&[16], v as f64, DType::F32));
    assert!((state[1].item::<f32>() - total).abs() <= 1e-3 * total.abs());

    // The loop is one generated function: its driver is in the Cranelift IR.
    let w = Variable::new(hn::zeros(&[16], DType::F32));
    let f = hn::jit(move |_: ()| {
        hn::fori_loop(0, 10_000, |_| w.set(w.value() - w.value().mean()));
    });
    let clif = f.compile(()).clif_text();
    assert!(clif.contains("; kernel drive"), "{clif}");
    assert!(clif.contains("call_indirect"), "{clif}");
}

#[test]
fn nested_loops_through_the_native_driver() {
    let run = || {
        let v = Variable::new(lin(6));
        let count = Variable::new(hn::zeros(&[], DType::I32));
        hn::fori_loop(0, 5, |i: Array| {
            hn::fori_loop(0, 3, |j: Array| {
                v.set(&v.value() * 0.5 + (&i * 3 + &j).astype(DType::F32));
            });
            hn::while_loop(
                || v.value().sum().gt(1.0),
                || {
                    v.set(&v.value() - 1.0);
                    count.set(count.value() + 1);
                },
            );
            let big = v.value().max().gt(0.0);
            v.set(hn::cond(&big, || v.value() * 0.25, || v.value() + 2.0));
        });
        vec![v.value(), count.value()]
    };
    let state = native_matches_reference(run);
    let mut v: Vec<f32> = lin(6).to_vec::<f32>();
    let mut count = 0;
    for i in 0..5 {
        for j in 0..3 {
            v.iter_mut()
                .for_each(|x| *x = *x * 0.5 + (i * 3 + j) as f32);
        }
        while hn::array(v.as_slice()).sum().item::<f32>() > 1.0 {
            v.iter_mut().for_each(|x| *x -= 1.0);
            count += 1;
        }
        if v.iter().cloned().fold(f32::MIN, f32::max) > 0.0 {
            v.iter_mut().for_each(|x| *x *= 0.25);
        } else {
            v.iter_mut().for_each(|x| *x += 2.0);
        }
    }
    assert_close(&state[0], &Array::from_vec(v, &[6]));
    assert_eq!(state[1].item::<i32>(), count);
    assert!(count > 0);
}

#[test]
fn a_failing_host_step_inside_a_native_loop_is_an_error() {
    let idx = Variable::new(hn::array(&[0, 1, 2]));
    let data = lin(4);
    let acc = Variable::new(hn::zeros(&[3], DType::F32));
    // The indices run past the end on the second step: an error, not UB.
    let err = hn::try_fori_loop(0, 10, |_| {
        acc.set(acc.value() + data.take(&idx.value(), 0));
        idx.set(&idx.value() + 1);
    })
    .unwrap_err();
    assert!(err.to_string().contains("take"), "{err}");
}

#[test]
fn large_body_kernels_run_in_parallel_ranges_from_the_native_driver() {
    // 200,000 elements: each body kernel is launched as parallel ranges; the
    // row-wise reduction keeps the loop from temporal fusion.
    let run = || {
        let v = Variable::new(hn::linspace(-1.0, 1.0, 200_000).reshape(&[1000, 200]));
        hn::fori_loop(0, 4, |i: Array| {
            let x = v.value();
            let row = x.mean_axis(1).reshape(&[1000, 1]);
            v.set((&x - &row) * 0.5 + i.astype(DType::F32));
        });
        vec![v.value()]
    };
    let state = native_matches_reference(run);
    let mut x = hn::linspace(-1.0, 1.0, 200_000).reshape(&[1000, 200]);
    for i in 0..4 {
        let row = x.mean_axis(1).reshape(&[1000, 1]);
        x = (&x - &row) * 0.5 + i as f32;
    }
    assert_close(&state[0], &x);
}
