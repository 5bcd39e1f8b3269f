//! `use_backend(Backend::Interpreter)` runs jitted functions through the
//! reference interpreter: the same results as native code, for debugging.
//! (A test binary of its own: the backend is a process-wide setting.)

use heron as hn;
use heron::prelude::*;
use heron::{Backend, use_backend};

fn lif_run() -> (Vec<f32>, Vec<bool>, usize) {
    let v = Variable::new(hn::linspace(-70.0, -40.0, 257));
    let step = hn::jit({
        let v = v.clone();
        move |input: Array| {
            v.set(&v.value() + (-(&v.value() + 65.0) + &input) * 0.1);
            let spike = v.value().ge(-50.0);
            v.set(hn::where_(&spike, -68.0, &v.value()));
            spike
        }
    });
    let input = hn::full(&[257], 20.0, DType::F32);
    let mut spikes = Vec::new();
    for _ in 0..5 {
        spikes = step.call(&input).to_vec::<bool>();
    }
    (v.value().to_vec::<f32>(), spikes, step.compile(&input).code_size())
}

#[test]
fn the_interpreter_backend_gives_the_same_results() {
    assert_eq!(hn::backend(), Backend::Cranelift);
    let (v_native, s_native, code_native) = lif_run();
    use_backend(Backend::Interpreter);
    let (v_interp, s_interp, code_interp) = lif_run();
    use_backend(Backend::Cranelift);
    assert_eq!(v_native, v_interp);
    assert_eq!(s_native, s_interp);
    assert!(code_native > 0);
    assert_eq!(code_interp, 0, "no native code under the interpreter");
}
