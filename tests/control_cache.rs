//! Control flow called outside `jit` is compiled once and its code reused
//! when the traced graph is the same, even though each call passes a new
//! closure value (alone in its binary: the cache is process-wide).

use heron as hn;
use heron::prelude::*;

#[test]
fn the_same_construct_reuses_its_compiled_code() {
    let v = Variable::new(hn::zeros(&[8], DType::F32));
    let step = |k: f32| hn::fori_loop(0, 3, |_| v.set(&v.value() + k));
    step(1.0);
    assert_eq!(hn::control::control_cache_len(), 1);
    step(1.0);
    step(1.0);
    assert_eq!(hn::control::control_cache_len(), 1);
    assert_eq!(v.value().to_vec::<f32>(), vec![9.0; 8]);
    // A different constant is a different graph.
    step(2.0);
    assert_eq!(hn::control::control_cache_len(), 2);
    assert_eq!(v.value().to_vec::<f32>(), vec![15.0; 8]);
}
