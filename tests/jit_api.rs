//! The `jit` contract of API.md: tracing once per signature, the cache,
//! Variables as in-place buffers, static data folded at trace time, errors
//! that leave Variables unchanged, and the inspection texts.

use heron as hn;
use heron::prelude::*;
use std::sync::Arc;

fn w1(x: &Array, y: &Array) -> Array {
    (x * 2.0 + y) * (x - 0.5) / (y + 1.0)
}

fn assert_close(a: &Array, b: &Array) {
    assert_eq!(a.shape(), b.shape());
    assert_eq!(a.dtype(), b.dtype());
    let (a, b) = (a.to_vec::<f32>(), b.to_vec::<f32>());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!(
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
            "element {i}: {x} vs {y}"
        );
    }
}

#[test]
fn w1_chain_matches_eager_and_is_cached() {
    let f = hn::jit(|(x, y): (Array, Array)| w1(&x, &y));
    let x = hn::linspace(-3.0, 3.0, 1001);
    let y = hn::linspace(0.0, 5.0, 1001);
    let z = f.call((&x, &y));
    assert_close(&z, &w1(&x, &y));
    let z2 = f.call((x.clone(), y.clone()));
    assert_close(&z2, &z);
    let stats = f.cache_stats();
    assert_eq!((stats.misses, stats.hits, f.cache_len()), (1, 1, 1));
}

#[test]
fn a_new_shape_compiles_once_and_an_old_one_never_again() {
    let f = hn::jit(|x: Array| &x * 3.0 + 1.0);
    for n in [4, 7, 4, 7, 0, 4] {
        let x = hn::ones(&[n], DType::F32);
        assert_eq!(f.call(&x).to_vec::<f32>(), vec![4.0; n]);
    }
    assert_eq!(f.cache_len(), 3);
    assert_eq!(f.cache_stats().misses, 3);
    assert_eq!(f.cache_stats().hits, 3);
    // A dtype change is a new signature too.
    let xi = hn::ones(&[4], DType::F64);
    assert_eq!(f.call(&xi).dtype(), DType::F64);
    assert_eq!(f.cache_len(), 4);
}

#[test]
fn variables_are_updated_in_place_and_outside_writes_are_seen() {
    let v = Variable::new(hn::zeros(&[5], DType::F32));
    let step = hn::jit({
        let v = v.clone();
        move |i: Array| {
            v.set(&v.value() * 0.5 + &i);
            v.value().ge(1.0)
        }
    });
    let input = hn::ones(&[5], DType::F32);
    let spikes = step.call(&input);
    assert_eq!(v.value().to_vec::<f32>(), vec![1.0; 5]);
    assert_eq!(spikes.to_vec::<bool>(), vec![true; 5]);
    step.call(&input);
    assert_eq!(v.value().to_vec::<f32>(), vec![1.5; 5]);
    // A value set from outside is what the next call reads, without a new trace.
    v.set(hn::full(&[5], 10.0, DType::F32));
    step.call(&input);
    assert_eq!(v.value().to_vec::<f32>(), vec![6.0; 5]);
    assert_eq!(step.cache_len(), 1);
    // A value held elsewhere is not changed by the call (copy-on-write).
    let before = v.value();
    step.call(&input);
    assert_eq!(before.to_vec::<f32>(), vec![6.0; 5]);
    assert_eq!(v.value().to_vec::<f32>(), vec![4.0; 5]);
}

#[test]
fn a_variable_only_written_takes_each_new_value_and_spares_copies_held_elsewhere() {
    let spikes = Variable::new(hn::zeros(&[6], DType::Bool));
    let step = hn::jit({
        let spikes = spikes.clone();
        move |x: Array| spikes.set(x.ge(2.0))
    });
    let x = hn::arange(0.0, 6.0, 1.0).astype(DType::F32);
    step.call(&x);
    let first = spikes.value();
    assert_eq!(
        first.to_vec::<bool>(),
        [false, false, true, true, true, true]
    );
    // `first` still holds the buffer: the next value goes elsewhere.
    step.call(&(&x - 3.0));
    assert_eq!(
        first.to_vec::<bool>(),
        [false, false, true, true, true, true]
    );
    assert_eq!(
        spikes.value().to_vec::<bool>(),
        [false, false, false, false, false, true]
    );
    // Written into its own buffer again and again.
    for k in 0..4 {
        step.call(&(&x - k as f32));
        let want: Vec<bool> = (0..6).map(|i| i as f32 - k as f32 >= 2.0).collect();
        assert_eq!(spikes.value().to_vec::<bool>(), want);
    }
    assert_eq!(step.cache_len(), 1);
}

#[test]
fn compound_assignment_and_read_only_variables() {
    let w = Variable::new(hn::full(&[3], 2.0, DType::F32));
    let mut acc = Variable::new(hn::zeros(&[3], DType::F32));
    let f = hn::jit({
        let (w, acc) = (w.clone(), acc.clone());
        move |x: Array| {
            // `clone` is another handle to the same variable.
            let mut handle = acc.clone();
            handle += &(&x * &w);
            acc.value()
        }
    });
    let out = f.call(&hn::ones(&[3], DType::F32));
    assert_eq!(out.to_vec::<f32>(), vec![2.0; 3]);
    f.call(&hn::ones(&[3], DType::F32));
    assert_eq!(acc.value().to_vec::<f32>(), vec![4.0; 3]);
    assert_eq!(w.value().to_vec::<f32>(), vec![2.0; 3]);
    acc += 1.0;
    assert_eq!(acc.value().to_vec::<f32>(), vec![5.0; 3]);
}

#[test]
fn static_data_is_folded_at_trace_time() {
    let table = hn::arange(0.0, 8.0, 1.0);
    let f = hn::jit({
        let table = table.clone();
        move |x: Array| {
            let scaled = (&table * 2.0).exp().log() + 1.0; // static: folded
            &x + &scaled
        }
    });
    let x = hn::ones(&[8], DType::F32);
    let lowered = f.lower(&x);
    let text = lowered.ir_text();
    assert!(
        !text.contains("exp"),
        "static ops must not be traced:\n{text}"
    );
    assert!(
        !text.contains("log"),
        "static ops must not be traced:\n{text}"
    );
    let expected = &x + &((&table * 2.0).exp().log() + 1.0);
    assert_close(&f.call(&x), &expected);
}

#[test]
fn an_error_while_tracing_is_an_err_and_changes_nothing() {
    let v = Variable::new(hn::zeros(&[3], DType::F32));
    let f = hn::jit({
        let v = v.clone();
        move |x: Array| {
            v.set(&v.value() + 1.0);
            &x + &hn::ones(&[4], DType::F32)
        }
    });
    let err = f.try_call(&hn::ones(&[3], DType::F32)).unwrap_err();
    assert!(
        err.to_string().contains("cannot broadcast [3] with [4]"),
        "{err}"
    );
    assert_eq!(v.value().to_vec::<f32>(), vec![0.0; 3]);
    assert_eq!(f.cache_len(), 0);
    // The right shape still works afterwards.
    assert_eq!(
        f.call(&hn::ones(&[4], DType::F32)).to_vec::<f32>(),
        vec![2.0; 4]
    );
    assert_eq!(v.value().to_vec::<f32>(), vec![1.0; 3]);
}

#[test]
fn many_threads_share_one_cache() {
    let f = Arc::new(hn::jit(|x: Array| x.exp().sum()));
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let f = f.clone();
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let x = hn::zeros(&[10 + (t % 2)], DType::F32);
                    let s = f.call(&x).item::<f32>();
                    assert_eq!(s, (10 + t % 2) as f32);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(f.cache_len(), 2);
    assert_eq!(f.cache_stats().misses, 2);
    assert_eq!(f.cache_stats().hits, 158);
}

#[test]
fn functions_of_several_kinds_of_arguments() {
    let none = hn::jit(|(): ()| hn::ones(&[2], DType::F32) * 3.0);
    assert_eq!(none.call(()).to_vec::<f32>(), vec![3.0, 3.0]);
    let many = hn::jit(|xs: Vec<Array>| {
        let total = xs.iter().fold(hn::scalar(0.0f32), |acc, x| acc + x.sum());
        vec![total.clone(), total * 2.0]
    });
    let xs = vec![hn::ones(&[3], DType::F32), hn::ones(&[2, 2], DType::F32)];
    let out = many.call(&xs);
    assert_eq!(out[0].item::<f32>(), 7.0);
    assert_eq!(out[1].item::<f32>(), 14.0);
    let pair = hn::jit(|(a, b): (Array, Array)| (&a + &b, &a - &b));
    let (s, d) = pair.call((&hn::scalar(5i32), &hn::scalar(3i32)));
    assert_eq!((s.item::<i32>(), d.item::<i32>()), (8, 2));
}

#[test]
fn nested_jit_is_inlined() {
    let inner = Arc::new(hn::jit(|x: Array| &x * 2.0));
    let outer = hn::jit({
        let inner = inner.clone();
        move |x: Array| inner.call(&x) + 1.0
    });
    let out = outer.call(&hn::ones(&[3], DType::F32));
    assert_eq!(out.to_vec::<f32>(), vec![3.0; 3]);
    assert_eq!(inner.cache_len(), 0);
}

#[test]
fn inspection_shows_graphs_and_code() {
    let f = hn::jit(|(x, y): (Array, Array)| w1(&x, &y));
    let x = hn::ones(&[16], DType::F32);
    let compiled = f.compile((&x, &x));
    assert!(compiled.code_size() > 0);
    assert!(!compiled.kernels().is_empty());
    assert!(compiled.clif_text().contains("function"));
    assert!(
        compiled
            .ir_text()
            .starts_with("{ lambda a:f32[16] b:f32[16] .")
    );
}

#[test]
fn a_failing_run_leaves_variables_unchanged() {
    let v = Variable::new(hn::zeros(&[3], DType::F32));
    let f = hn::jit({
        let v = v.clone();
        move |idx: Array| {
            v.set(&v.value() + 1.0);
            v.value().take(&idx, 0)
        }
    });
    let ok = f.call(&hn::array(&[0, 2]));
    assert_eq!(ok.to_vec::<f32>(), vec![1.0, 1.0]);
    assert!(f.try_call(&hn::array(&[0, 7])).is_err());
    assert_eq!(v.value().to_vec::<f32>(), vec![1.0; 3]);
}
