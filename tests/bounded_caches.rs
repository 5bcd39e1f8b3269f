//! The caches of compiled code are bounded: a jitted function keeps at most
//! `cache_capacity()` signatures (least recently used dropped first), and
//! control flow called outside `jit` at most `control_cache_capacity()`
//! constructs, without keeping dead Variables or their buffers alive.

use heron as hn;
use heron::prelude::*;
use std::sync::{Arc, Mutex};

/// The control-flow cache is process-wide: tests using it run one at a time.
static CONTROL: Mutex<()> = Mutex::new(());

fn ones(n: usize) -> Array {
    hn::ones(&[n], DType::F32)
}

#[test]
fn signature_cache_is_bounded_lru() {
    let f = hn::jit(|x: Array| &x * 2.0);
    f.set_cache_capacity(2);
    assert_eq!(f.cache_capacity(), 2);
    f.call(&ones(1));
    f.call(&ones(2));
    assert_eq!(f.cache_len(), 2);
    // Signature 1 is now more recent than 2, so 3 pushes 2 out.
    f.call(&ones(1));
    f.call(&ones(3));
    let stats = f.cache_stats();
    assert_eq!((stats.entries, stats.misses, stats.evictions), (2, 3, 1));
    f.call(&ones(1));
    f.call(&ones(3));
    assert_eq!(f.cache_stats().misses, 3, "1 and 3 are cached");
    let y = f.call(&ones(2));
    assert_eq!(y.to_vec::<f32>(), vec![2.0; 2]);
    let stats = f.cache_stats();
    assert_eq!(
        (stats.entries, stats.misses, stats.hits, stats.evictions),
        (2, 4, 3, 2),
        "2 was compiled again, evicting 1"
    );
    f.call(&ones(3));
    assert_eq!(f.cache_stats().misses, 4, "3 was used after 1");
}

#[test]
fn signature_cache_keeps_the_default_capacity() {
    let f = hn::jit(|x: Array| &x + 1.0);
    assert_eq!(f.cache_capacity(), hn::DEFAULT_CACHE_CAPACITY);
    assert_eq!(hn::DEFAULT_CACHE_CAPACITY, 64);
    for n in 1..=70 {
        f.call(&ones(n));
    }
    let stats = f.cache_stats();
    assert_eq!((stats.entries, stats.misses, stats.evictions), (64, 70, 6));
    // The six oldest went; the newest are still there.
    f.call(&ones(70));
    f.call(&ones(7));
    assert_eq!(f.cache_stats().misses, 70);
    f.call(&ones(6));
    assert_eq!(f.cache_stats().misses, 71);
}

#[test]
fn shrinking_the_signature_cache_evicts_at_once() {
    let f = hn::jit(|x: Array| x.exp());
    for n in 1..=5 {
        f.call(&ones(n));
    }
    f.call(&ones(2));
    f.set_cache_capacity(1);
    assert_eq!(f.cache_len(), 1);
    f.call(&ones(2));
    assert_eq!(f.cache_stats().misses, 5, "the most recent entry stays");
    f.set_cache_capacity(0);
    assert_eq!(f.cache_capacity(), 1, "a cache holds at least one entry");
}

#[test]
fn signatures_of_the_same_size_stay_apart() {
    let f = hn::jit(|x: Array| x.sum());
    let a = hn::ones(&[2, 3], DType::F32);
    let b = hn::ones(&[3, 2], DType::F32);
    let c = hn::ones(&[6], DType::F32);
    let d = hn::ones(&[6], DType::F64);
    for x in [&a, &b, &c, &d, &a, &b, &c, &d] {
        assert_eq!(f.call(x).astype(DType::F64).item::<f64>(), 6.0);
    }
    let stats = f.cache_stats();
    assert_eq!((stats.entries, stats.misses, stats.hits), (4, 4, 4));
}

/// Sets the control cache's capacity; puts the default back when dropped.
struct ControlCapacity;

impl ControlCapacity {
    fn set(n: usize) -> ControlCapacity {
        hn::control::set_control_cache_capacity(n);
        ControlCapacity
    }
}

impl Drop for ControlCapacity {
    fn drop(&mut self) {
        hn::control::set_control_cache_capacity(hn::control::DEFAULT_CONTROL_CACHE_CAPACITY);
    }
}

#[test]
fn dead_variables_are_not_kept_alive_by_control_cache() {
    let _guard = CONTROL.lock().unwrap_or_else(|e| e.into_inner());
    let before = hn::control::control_cache_len();
    let v = Variable::new(hn::zeros(&[1000], DType::F32));
    let step = || hn::fori_loop(0, 3, |_| v.set(&v.value() + 1.0));
    step();
    step();
    assert_eq!(v.value().to_vec::<f32>(), vec![6.0; 1000]);
    assert_eq!(hn::control::control_cache_len(), before + 1);
    let buffer = Arc::downgrade(v.value().value().buf());
    drop(v);
    assert!(
        buffer.upgrade().is_none(),
        "the control cache kept a dropped Variable's buffer alive"
    );
    assert_eq!(hn::control::control_cache_len(), before);
}

#[test]
fn control_cache_is_bounded_lru() {
    let _guard = CONTROL.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(
        hn::control::control_cache_capacity(),
        hn::control::DEFAULT_CONTROL_CACHE_CAPACITY
    );
    let _capacity = ControlCapacity::set(2);
    let v = Variable::new(hn::zeros(&[8], DType::F32));
    let step = |k: f32| hn::fori_loop(0, 2, |_| v.set(&v.value() + k));
    step(1.0);
    step(2.0);
    step(1.0);
    step(3.0);
    assert_eq!(hn::control::control_cache_len(), 2);
    assert_eq!(v.value().to_vec::<f32>(), vec![14.0; 8]);
}

#[test]
fn constants_of_evicted_control_entries_are_freed() {
    let _guard = CONTROL.lock().unwrap_or_else(|e| e.into_inner());
    let _capacity = ControlCapacity::set(2);
    let v = Variable::new(hn::zeros(&[1000], DType::F32));
    let data = hn::linspace(0.0, 1.0, 1000);
    let constant = Arc::downgrade(data.value().buf());
    hn::fori_loop(0, 2, |_| v.set(&v.value() + &data));
    drop(data);
    assert!(
        constant.upgrade().is_some(),
        "the cached construct holds its captured constant"
    );
    for k in [1.0f32, 2.0] {
        hn::fori_loop(0, 2, |_| v.set(&v.value() + k));
    }
    assert!(
        constant.upgrade().is_none(),
        "an evicted construct's constant was not freed"
    );
}
