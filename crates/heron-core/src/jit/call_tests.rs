//! The cached call path keeps its checks: what the fast path skips is only
//! what the signature already guarantees, and everything else is still
//! caught (a Variable whose type changed, arguments of other types or
//! number than an entry's, an entry the cache dropped, other compile
//! options or Threefry scheme).

use super::*;
use heron_ir::{DType, Error, Scalar, Shape, Value};

fn ones(n: usize) -> Array {
    Array::from_value(Value::full(Shape::new(&[n]), DType::F32, Scalar::F32(1.0)))
}

fn f32s(n: usize) -> Value {
    Value::full(Shape::new(&[n]), DType::F32, Scalar::F32(0.0))
}

#[test]
fn a_variable_whose_type_changed_is_caught_by_the_cached_call() {
    let v = crate::Variable::new(Array::from_value(f32s(4)));
    let w = v.clone();
    let f = jit(move |x: Array| {
        let y = &x + w.value();
        w.set(&y);
        y
    });
    let x = ones(4);
    f.call(&x);
    f.call(&x);
    assert_eq!(v.value().to_vec::<f32>(), vec![2.0; 4]);
    // Only heron-core itself can do this (`Variable::set` refuses a new
    // type): the check under the lock is what keeps native code from
    // reading 4 elements out of a buffer of 3.
    let old = std::mem::replace(&mut *v.lock(), f32s(3));
    let e = f.try_call(&x).unwrap_err();
    assert!(matches!(e, Error::Variable(_)), "{e}");
    assert!(e.to_string().contains("changed type"), "{e}");
    *v.lock() = old;
    f.call(&x);
    assert_eq!(v.value().to_vec::<f32>(), vec![3.0; 4]);
}

#[test]
fn running_an_entry_on_arguments_of_other_types_or_number_is_an_error() {
    let f = jit_named("pair", |(a, b): (Array, Array)| &a * &b);
    let entry = f.entry_for(&[ones(3), ones(3)]).unwrap();
    let (three, four) = (f32s(3), f32s(4));
    let e = run::run(&entry, &[&three, &four]).unwrap_err();
    assert!(
        e.to_string()
            .contains("called with (f32[3], f32[4]) but compiled for (f32[3], f32[3])"),
        "{e}"
    );
    let e = run::run(&entry, &[&three]).unwrap_err();
    assert!(e.to_string().contains("called with (f32[3])"), "{e}");
    let ints = Value::full(Shape::new(&[3]), DType::I32, Scalar::I32(1));
    assert!(run::run(&entry, &[&three, &ints]).is_err());
    let ok = run::run(&entry, &[&three, &three]).unwrap();
    assert_eq!(ok[0].to_vec::<f32>(), vec![0.0; 3]);
}

#[test]
fn a_function_of_a_list_called_with_another_length_compiles_again() {
    let f = jit(|xs: Vec<Array>| xs.iter().fold(ones(2), |acc, x| &acc + x));
    let two = vec![ones(2), ones(2)];
    let three = vec![ones(2), ones(2), ones(2)];
    assert_eq!(f.call(&two).to_vec::<f32>(), vec![3.0; 2]);
    assert_eq!(f.call(&three).to_vec::<f32>(), vec![4.0; 2]);
    assert_eq!(f.call(&two).to_vec::<f32>(), vec![3.0; 2]);
    let stats = f.cache_stats();
    assert_eq!((stats.misses, stats.hits), (2, 1));
}

#[test]
fn hits_on_the_recent_entry_are_counted() {
    let f = jit(|x: Array| &x * 2.0 + 1.0);
    let x = ones(8);
    for _ in 0..5 {
        assert_eq!(f.call(&x).to_vec::<f32>(), vec![3.0; 8]);
    }
    let stats = f.cache_stats();
    assert_eq!((stats.misses, stats.hits), (1, 4));
}

#[test]
fn the_recent_entry_is_not_used_after_the_cache_dropped_it() {
    let f = jit(|x: Array| &x - 1.0);
    f.set_cache_capacity(1);
    let first = Arc::downgrade(&f.entry_for(&[ones(3)]).unwrap());
    f.call(&ones(3));
    f.call(&ones(5));
    // The entry for f32[3] was evicted: nothing keeps it alive, not even
    // this thread's memory of the last entry found.
    assert!(first.upgrade().is_none());
    assert_eq!(f.call(&ones(3)).to_vec::<f32>(), vec![0.0; 3]);
    let stats = f.cache_stats();
    assert_eq!((stats.misses, stats.evictions), (3, 2));
}

#[test]
fn other_compile_options_are_not_served_by_the_recent_entry() {
    let f = jit(|x: Array| &x / 10.0);
    let x = ones(4);
    f.call(&x);
    let fast = CompileOptions {
        fast_math: true,
        ..CompileOptions::current()
    };
    fast.scoped(|| f.call(&x));
    f.call(&x);
    let stats = f.cache_stats();
    assert_eq!((stats.misses, stats.hits, stats.entries), (2, 1, 2));
}

#[test]
fn functions_called_in_turn_each_keep_their_recent_entry() {
    let fs: Vec<_> = (0..6).map(|k| jit(move |x: Array| &x + k as f32)).collect();
    let x = ones(2);
    for _ in 0..3 {
        for (k, f) in fs.iter().enumerate() {
            assert_eq!(f.call(&x).to_vec::<f32>(), vec![1.0 + k as f32; 2]);
        }
    }
    for f in &fs {
        let stats = f.cache_stats();
        assert_eq!((stats.misses, stats.hits), (1, 2));
    }
}

#[test]
fn several_results_and_none_come_back_in_order() {
    let pair = jit(|x: Array| (&x + 1.0, &x * 3.0));
    let (a, b) = pair.call(&ones(2));
    assert_eq!(
        (a.to_vec::<f32>(), b.to_vec::<f32>()),
        (vec![2.0; 2], vec![3.0; 2])
    );
    let v = crate::Variable::new(Array::from_value(f32s(2)));
    let w = v.clone();
    let nothing = jit(move |x: Array| w.set(&x * 5.0));
    nothing.call(&ones(2));
    nothing.call(&ones(2));
    assert_eq!(v.value().to_vec::<f32>(), vec![5.0; 2]);
}
