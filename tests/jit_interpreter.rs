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
    (
        v.value().to_vec::<f32>(),
        spikes,
        step.compile(&input).code_size(),
    )
}

#[test]
fn the_interpreter_backend_gives_the_same_results() {
    use_backend(Backend::Cranelift);
    let (v_native, s_native, code_native) = lif_run();
    use_backend(Backend::Interpreter);
    let (v_interp, s_interp, code_interp) = lif_run();
    use_backend(Backend::Cranelift);
    assert_eq!(v_native, v_interp);
    assert_eq!(s_native, s_interp);
    assert!(code_native > 0);
    assert_eq!(code_interp, 0, "no native code under the interpreter");
}

/// Runs this test binary again, only `test`, with `var=1` in its environment;
/// returns its stderr after checking it passed.
fn rerun_with(test: &str, var: &str) -> String {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(var, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{test} with {var}=1 failed:\n{stderr}"
    );
    stderr
}

#[test]
fn heron_disable_jit_selects_the_interpreter() {
    if std::env::var_os("HERON_DISABLE_JIT").is_some() {
        assert_eq!(hn::backend(), Backend::Interpreter);
        let f = hn::jit(|x: Array| &x + 1.0);
        let x = hn::ones(&[3], DType::F32);
        assert_eq!(f.call(&x).to_vec::<f32>(), vec![2.0; 3]);
        assert_eq!(f.compile(&x).code_size(), 0);
        return;
    }
    rerun_with(
        "heron_disable_jit_selects_the_interpreter",
        "HERON_DISABLE_JIT",
    );
}

#[test]
fn heron_log_compiles_explains_every_compilation() {
    if std::env::var_os("HERON_LOG_COMPILES").is_some() {
        let f = hn::jit_named("scale", |x: Array| &x * 2.0);
        f.call(&hn::ones(&[3], DType::F32));
        f.call(&hn::ones(&[3], DType::F32));
        f.call(&hn::ones(&[2, 2], DType::F64));
        return;
    }
    let log = rerun_with(
        "heron_log_compiles_explains_every_compilation",
        "HERON_LOG_COMPILES",
    );
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("heron: compiled scale"))
        .collect();
    assert_eq!(lines.len(), 2, "one line per compilation:\n{log}");
    assert!(
        lines[0].starts_with("heron: compiled scale for (f32[3]) in "),
        "{log}"
    );
    assert!(lines[0].ends_with(": first call"), "{log}");
    assert!(
        lines[1].ends_with(": argument 0 changed from f32[3] to f64[2,2]"),
        "{log}"
    );
}
