//! W6: compile time — the first call of a freshly made jitted function (trace,
//! optimise, compile, run) minus a call of the same function once cached,
//! for W1, W2 and W3. Each timed repetition makes a new `Jit`, so every
//! first call compiles from scratch.

use crate::case::{Case, Difference};
use crate::check::{Out, Tol};
use crate::config::Config;
use crate::variant::{Kind, Variant};
use crate::workloads::{w1, w2, w3};
use heron::{Array, Jit};

/// A jitted function, made fresh by `reset` for the first-call variant.
struct Fresh<A: 'static, R: 'static, S> {
    make: fn(&S) -> Jit<A, R>,
    jit: Option<Jit<A, R>>,
    state: S,
}

fn first_and_cached<A, R, S: 'static>(
    case: Case<'static>,
    make: fn(&S) -> Jit<A, R>,
    new_state: impl Fn() -> S + Clone + 'static,
    reset_state: fn(&S),
    call: fn(&Jit<A, R>, &S),
    read: fn(&S) -> Out,
) -> Case<'static>
where
    A: heron::jit::JitValue,
    R: heron::jit::JitValue,
{
    let cached = {
        let state = new_state();
        Fresh {
            jit: Some(make(&state)),
            make,
            state,
        }
    };
    let first = Fresh {
        jit: None,
        make,
        state: new_state(),
    };
    let mut case = case
        .variant(Variant::stateful(
            "cached call",
            Kind::HeronJit,
            cached,
            move |f| reset_state(&f.state),
            move |f| call(f.jit.as_ref().expect("made at construction"), &f.state),
            move |f| read(&f.state),
        ))
        .variant(Variant::stateful(
            "first call",
            Kind::HeronJit,
            first,
            move |f| {
                reset_state(&f.state);
                f.jit = Some((f.make)(&f.state));
            },
            move |f| call(f.jit.as_ref().expect("made by reset"), &f.state),
            move |f| read(&f.state),
        ));
    case.differences.push(Difference {
        name: "compile (first − cached)".into(),
        minuend: 1,
        subtrahend: 0,
    });
    case
}

/// W1's inputs and the last result.
struct W1State {
    x: Array,
    y: Array,
    z: std::sync::Mutex<Option<Array>>,
}

fn w1_case(cfg: &Config) -> Case<'static> {
    let (x, y) = w1::inputs(cfg);
    let case = Case::new(
        "W6.W1",
        "compile time of W1",
        format!("N = {}", w1::len(cfg)),
    )
    .outputs(&[("z", Tol::ELEMENTWISE)]);
    first_and_cached(
        case,
        |_: &W1State| w1::jitted(),
        move || W1State {
            x: x.clone(),
            y: y.clone(),
            z: std::sync::Mutex::new(None),
        },
        |s| *s.z.lock().expect("not poisoned") = None,
        |f, s| *s.z.lock().expect("not poisoned") = Some(f.call((&s.x, &s.y))),
        |s| {
            let z = s.z.lock().expect("not poisoned").clone();
            Out::Heron(z.into_iter().collect())
        },
    )
}

/// W2's population, its input and the time of the step.
struct W2State {
    lif: w2::Lif,
    i: Array,
    steps: usize,
}

fn w2_case(cfg: &Config) -> Case<'static> {
    let (n, steps) = w2::dims(cfg);
    let i = w2::current(n);
    let tol = Tol::close(1e-5, 1e-3).allowing(1e-3);
    let case = Case::new(
        "W6.W2",
        "compile time of W2 (the fori_loop form)",
        format!("N = {n}, {steps} steps"),
    )
    .outputs(&[
        ("V", tol),
        ("t_last", tol),
        ("spike", Tol::EXACT.allowing(1e-3)),
    ]);
    first_and_cached(
        case,
        |s: &W2State| s.lif.jitted_loop(s.steps),
        move || W2State {
            lif: w2::Lif::new(n),
            i: i.clone(),
            steps,
        },
        |s| s.lif.reset(),
        |f, s| f.call(&s.i),
        |s| s.lif.outputs(),
    )
}

/// W3's population and its input.
struct W3State {
    hh: w3::Hh,
    i: Array,
}

fn w3_case(cfg: &Config) -> Case<'static> {
    let (n, _) = w3::dims(cfg);
    let (v0, i) = w3::inputs(n);
    let tol = Tol::close(1e-5, 1e-5);
    let case = Case::new(
        "W6.W3",
        "compile time of W3 (the step form)",
        format!("N = {n}"),
    )
    .outputs(&[
        ("V", tol),
        ("m", tol),
        ("h", tol),
        ("n", tol),
        ("spike count", Tol::EXACT),
    ]);
    first_and_cached(
        case,
        |s: &W3State| s.hh.jitted_step(),
        move || W3State {
            hh: w3::Hh::new(&v0),
            i: i.clone(),
        },
        |s| s.hh.reset(),
        |f, s| f.call(&s.i),
        |s| s.hh.outputs(),
    )
}

/// The W6 cases. Their inputs are the tiny sizes: the generated code does
/// not depend on the element count (only its loop bounds do), and a run of a
/// few thousand elements costs microseconds, so `first − cached` is the
/// compile time rather than the noise of a long run.
pub fn cases(cfg: &Config) -> Vec<Case<'static>> {
    let small = Config {
        size: crate::config::Size::Tiny,
        ..*cfg
    };
    let cfg = &small;
    let mut cases = vec![w1_case(cfg), w2_case(cfg), w3_case(cfg)];
    for c in &mut cases {
        c.notes.push(
            "inputs at the tiny size: the compiled code does not depend on the element count"
                .into(),
        );
    }
    if std::env::var_os("HERON_CACHE_DIR").is_some() {
        for c in &mut cases {
            c.notes.push(
                "HERON_CACHE_DIR is set: a first call may load code from disk instead of compiling"
                    .into(),
            );
        }
    }
    cases
}
