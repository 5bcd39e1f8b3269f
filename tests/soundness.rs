//! Regression tests for defects that let safe code reach undefined
//! behaviour, a deadlock or a wrong result. Each test is named after the
//! defect it guards against.

mod support;

use heron as hn;
use heron::prelude::*;
use std::sync::Arc;
use support::bits;

// --- Sizes that overflow or cannot be allocated ---------------------------

#[test]
fn element_count_that_overflows_usize_is_an_error() {
    let e = hn::try_zeros(&[1 << 32, 1 << 32], DType::F32).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("zeros:") && msg.contains("[4294967296, 4294967296]"),
        "{msg}"
    );
    assert!(hn::try_full(&[1 << 40, 1 << 40, 1 << 40], 1.0, DType::F64).is_err());
}

#[test]
fn byte_count_past_isize_max_is_an_error() {
    let msg = hn::try_ones(&[1 << 62], DType::F32)
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("ones:") && msg.contains("too large"),
        "{msg}"
    );
}

#[test]
#[should_panic(
    expected = "ones: an array of shape [4611686018427387904] and dtype f32 is too large"
)]
fn ones_too_large_panics_naming_the_op_and_shape() {
    hn::ones(&[1 << 62], DType::F32);
}

#[test]
fn allocation_that_fails_is_an_error_not_an_abort() {
    // 2^47 bytes fit in an isize but not in any machine's memory.
    let msg = hn::try_zeros(&[1 << 45], DType::F32)
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("zeros:") && msg.contains("out of memory"),
        "{msg}"
    );
    assert!(hn::try_full(&[1 << 44], 2.0, DType::F64).is_err());
}

#[test]
fn reshape_whose_product_wraps_around_is_rejected() {
    // 2^32 · 2^32 wraps to 0 in a usize: it must not pass for an empty shape.
    let empty = hn::zeros(&[0], DType::F32);
    assert!(empty.try_reshape(&[1 << 32, 1 << 32]).is_err());
    assert!(empty.try_reshape(&[1 << 32, 1 << 32, -1]).is_err());
    assert_eq!(empty.reshape(&[4, 0]).shape(), &[4, 0]);
}

#[test]
fn broadcast_to_a_shape_too_large_is_an_error_eagerly_and_traced() {
    let x = hn::ones(&[1], DType::F32);
    assert!(x.try_broadcast_to(&[1 << 32, 1 << 32]).is_err());
    let f = hn::jit(|x: Array| x.broadcast_to(&[1 << 40, 1 << 40]).sum());
    let msg = f.try_call(&x).unwrap_err().to_string();
    assert!(
        msg.contains("broadcast_to") && msg.contains("too large"),
        "{msg}"
    );
}

#[test]
fn arange_eye_and_linspace_too_large_are_errors() {
    assert!(hn::try_arange(0.0, 1e30, 1.0).is_err());
    let eye = std::panic::catch_unwind(|| hn::eye(1 << 33, DType::F32));
    let msg = *eye.unwrap_err().downcast::<String>().unwrap();
    assert!(msg.starts_with("eye:"), "{msg}");
}

// --- The invariants compiled code trusts ----------------------------------

#[test]
fn value_with_a_buffer_shorter_than_its_shape_cannot_be_made() {
    let short = Arc::new(hn::ir::Buffer::zeroed(DType::F32, 3));
    let e = hn::ir::Value::try_from_shared(Shape::new(&[4]), short).unwrap_err();
    assert!(e.to_string().contains("does not fit 3 elements"), "{e}");
}

// --- Nested jit -----------------------------------------------------------

#[test]
fn nested_jit_without_traced_arguments_draws_on_every_call() {
    let noise = Arc::new(hn::jit(|(): ()| hn::random::normal(0.0, 1.0, &[4])));
    let outer = hn::jit({
        let noise = noise.clone();
        move |x: Array| &x + noise.call(())
    });
    let x = hn::zeros(&[4], DType::F32);
    let (a, b) = (outer.call(&x), outer.call(&x));
    assert_ne!(bits(&a), bits(&b), "the inner draw ran once, at trace time");
    assert_eq!(outer.cache_len(), 1);
}

#[test]
fn nested_jit_without_traced_arguments_writes_its_variable_on_every_call() {
    let count = Variable::new(hn::zeros(&[], DType::I32));
    let tick = Arc::new(hn::jit({
        let count = count.clone();
        move |(): ()| count.set(&count.value() + 1)
    }));
    let outer = hn::jit({
        let tick = tick.clone();
        move |x: Array| {
            tick.call(());
            x * 2.0
        }
    });
    for _ in 0..3 {
        outer.call(&hn::ones(&[2], DType::F32));
    }
    assert_eq!(count.value().item::<i32>(), 3);
}

// --- Locks and rayon ------------------------------------------------------

/// Runs `work` on a thread of its own and fails if it has not finished
/// within `secs` seconds (a deadlock would otherwise hang the test run).
fn finishes_within<T: Send + 'static>(secs: u64, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(work()).ok());
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .expect("the calls did not finish: deadlock")
}

#[test]
fn calls_from_a_rayon_pool_sharing_a_parameter_and_default_always_finish() {
    use rayon::prelude::*;
    // Large enough that each call splits its kernels into parallel chunks.
    const N: usize = 1 << 20;
    let w = Parameter::new(hn::full(&[N], 0.5, DType::F32));
    let f = Arc::new(hn::jit({
        let w = w.clone();
        move |x: Array| {
            let u = hn::random::uniform(0.0, 1.0, &[N]);
            ((&x * &w.value() + &u).sum(), u.slice(s![0..8]))
        }
    }));
    let results = finishes_within(120, move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let x = hn::ones(&[N], DType::F32);
        pool.install(|| {
            (0..48)
                .into_par_iter()
                .map(|_| f.call(&x))
                .collect::<Vec<(Array, Array)>>()
        })
    });
    // Each call drew fresh numbers from DEFAULT: no two draws are the same.
    let mut draws: Vec<Vec<u64>> = results.iter().map(|(_, u)| bits(u)).collect();
    draws.sort_unstable();
    draws.dedup();
    assert_eq!(draws.len(), results.len());
    for (sum, _) in results {
        let s = sum.item::<f32>();
        assert!((s - N as f32).abs() < N as f32 * 0.01, "{s}");
    }
}

#[test]
fn calls_sharing_a_written_variable_from_rayon_and_plain_threads_always_finish() {
    use rayon::prelude::*;
    const N: usize = 1 << 20;
    let v = Variable::new(hn::zeros(&[N], DType::F32));
    let step = Arc::new(hn::jit({
        let v = v.clone();
        move |x: Array| {
            v.set(&v.value() + &x);
            v.value().sum()
        }
    }));
    let plain = {
        let step = step.clone();
        std::thread::spawn(move || {
            let x = hn::ones(&[N], DType::F32);
            for _ in 0..16 {
                step.call(&x);
            }
        })
    };
    let pooled = step.clone();
    finishes_within(120, move || {
        let x = hn::ones(&[N], DType::F32);
        (0..32).into_par_iter().for_each(|_| {
            pooled.call(&x);
        });
    });
    plain.join().unwrap();
    // Calls are serialised on the Variable: no update is lost.
    assert_eq!(v.value().to_vec::<f32>()[N - 1], 48.0);
}
