//! A call that fails leaves every Variable exactly as it was, wherever the
//! failing op sits: at the top level, in the body of a `fori_loop`,
//! `for_loop` or `while_loop`, in a `cond` branch, in a `cond` nested in a
//! loop, in a temporally fused loop (where the failing op runs ahead of the
//! chunk loop), and after a row group that wrote a Variable. The failing op
//! here is `take` (an index out of range; the scatters and the other
//! gathers fail the same way, `tests/gather_scatter.rs`); row groups hold
//! native kernels only, so nothing in them can fail.
//!
//! Every Variable write is one the compiled code could do in place
//! (`v.set(&v.value() + 1.0)`), and each case runs four ways: native code
//! with temporal fusion, native code without it, the reference loop driver,
//! and the interpreter backend. A gather that runs before any Variable is
//! written cannot leave one half-updated, so such a function still updates
//! its Variables in place.

mod support;

use heron as hn;
use heron::prelude::*;
use heron::{Backend, use_backend};
use std::sync::Mutex;
use support::bits;

/// The switches are process-wide: tests that flip them run one at a time.
static SWITCH: Mutex<()> = Mutex::new(());

/// Elements of the element-wise state (enough for a temporally fused loop
/// to split it into chunks).
const N: usize = 1000;

/// How a case is run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Way {
    /// Native code, native loop drivers, temporal fusion on.
    Fused,
    /// Native code, native loop drivers, temporal fusion off.
    Unfused,
    /// Native code, loops on the reference driver (one `run` per iteration).
    Reference,
    /// The interpreter backend.
    Interpreter,
}

const WAYS: [Way; 4] = [Way::Fused, Way::Unfused, Way::Reference, Way::Interpreter];

/// Sets the switches for `way`; puts the defaults back when dropped.
struct Switches;

impl Switches {
    fn set(way: Way) -> Switches {
        hn::set_temporal_fusion(way != Way::Unfused);
        hn::control::set_native_drivers(way != Way::Reference);
        use_backend(if way == Way::Interpreter {
            Backend::Interpreter
        } else {
            Backend::Cranelift
        });
        Switches
    }
}

impl Drop for Switches {
    fn drop(&mut self) {
        hn::set_temporal_fusion(true);
        hn::control::set_native_drivers(true);
        use_backend(Backend::Cranelift);
    }
}

/// A jitted function writing `vars`: `good` arguments run, `bad` ones make
/// a `take` index go out of range part-way.
struct Case {
    vars: Vec<Variable>,
    f: hn::Jit<Array, Array>,
    good: Array,
    bad: Array,
}

/// The Variables' contents, bit for bit (copied: the Variables keep sole
/// ownership of their buffers, so the code may update them in place).
fn state(vars: &[Variable]) -> Vec<Vec<u64>> {
    vars.iter().map(|v| bits(&v.value())).collect()
}

/// Runs `case` every way: a good call changes the Variables, a bad one
/// returns a `take` error and changes none of them, and a good call after
/// it continues from the state before the failure.
fn check(case: impl Fn() -> Case) {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    let mut finals = Vec::new();
    for way in WAYS {
        let _switches = Switches::set(way);
        let c = case();
        let initial = state(&c.vars);
        c.f.try_call(&c.good)
            .unwrap_or_else(|e| panic!("{way:?}: {e}"));
        let before = state(&c.vars);
        assert_ne!(before, initial, "{way:?}: the good call wrote nothing");
        let err =
            c.f.try_call(&c.bad)
                .expect_err("an index out of range is an error");
        assert!(err.to_string().contains("take"), "{way:?}: {err}");
        assert!(err.to_string().contains("out of bounds"), "{way:?}: {err}");
        let after = state(&c.vars);
        for (k, (a, b)) in after.iter().zip(&before).enumerate() {
            let changed = a.iter().zip(b).filter(|(x, y)| x != y).count();
            assert_eq!(changed, 0, "{way:?}: a failed call changed variable {k}");
        }
        c.f.try_call(&c.good)
            .unwrap_or_else(|e| panic!("{way:?}: {e}"));
        finals.push(state(&c.vars));
    }
    for (way, s) in WAYS.iter().zip(&finals) {
        assert_eq!(s, &finals[0], "{way:?} ends in another state");
    }
}

/// `[1, 2, 3, 4]`: what the cases gather from.
fn table() -> Array {
    hn::array(&[1.0f32, 2.0, 3.0, 4.0])
}

fn vector() -> Variable {
    Variable::new(hn::zeros(&[N], DType::F32))
}

fn scalar() -> Variable {
    Variable::new(hn::zeros(&[], DType::F32))
}

#[test]
fn failing_take_at_the_top_level_changes_no_variable() {
    check(|| {
        let (v, w) = (vector(), scalar());
        let f = hn::jit({
            let (v, w) = (v.clone(), w.clone());
            move |idx: Array| {
                v.set(&v.value() + 1.0);
                let y = v.value().take(&idx, 0);
                w.set(&w.value() + y.sum());
                y
            }
        });
        Case {
            vars: vec![v, w],
            f,
            good: hn::array(&[0, 2]),
            bad: hn::array(&[0, N as i32]),
        }
    });
}

/// Rows and columns of the softmax case.
const ROWS: usize = 256;

/// A row-wise softmax of a Variable (a row group), then a gather from it.
fn softmax_case() -> Case {
    let v = Variable::new(hn::zeros(&[ROWS, ROWS], DType::F32));
    let f = hn::jit({
        let v = v.clone();
        move |idx: Array| {
            let x = v.value() + 1.0;
            let m = x.max_axis(1).reshape(&[ROWS as isize, 1]);
            let e = (&x - &m).exp();
            let s = e.sum_axis(1).reshape(&[ROWS as isize, 1]);
            v.set(&e / &s);
            v.value().take(&idx, 0)
        }
    });
    Case {
        vars: vec![v],
        f,
        good: hn::array(&[0, 2]),
        bad: hn::array(&[0, ROWS as i32]),
    }
}

#[test]
fn failing_take_after_a_row_group_changes_no_variable() {
    {
        let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
        let c = softmax_case();
        let text = c.f.lower(&c.good).optimized_text();
        assert!(text.contains("rows k"), "no row group in\n{text}");
    }
    check(softmax_case);
}

/// `fori_loop(0, 3)` adding `table[start + i]` to a vector and a scalar:
/// `start = 2` reads index 4 at the third step.
fn fori_case() -> Case {
    let (v, acc) = (vector(), scalar());
    let table = table();
    let f = hn::jit({
        let (v, acc) = (v.clone(), acc.clone());
        move |start: Array| {
            hn::fori_loop(0, 3, |i: Array| {
                let d = table.take(&(&start + &i), 0);
                v.set(&v.value() + &d);
                acc.set(&acc.value() + &d);
            });
            acc.value()
        }
    });
    Case {
        vars: vec![v, acc],
        f,
        good: hn::scalar(0i32),
        bad: hn::scalar(2i32),
    }
}

#[test]
fn failing_take_in_a_fori_loop_changes_no_variable() {
    check(fori_case);
}

#[test]
fn failing_take_in_a_temporally_fused_loop_changes_no_variable() {
    {
        // The case's loop is temporally fused, its `take` run ahead of the
        // chunk loop as a uniform step.
        let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
        let _switches = Switches::set(Way::Fused);
        let c = fori_case();
        let text = c.f.lower(&c.good).optimized_text();
        assert!(
            text.contains("temporal fusion: loop") && text.contains("uniform steps run ahead"),
            "{text}"
        );
    }
    check(fori_case);
}

#[test]
fn failing_take_in_a_for_loop_changes_no_variable() {
    check(|| {
        let v = vector();
        let table = table();
        let f = hn::jit({
            let v = v.clone();
            move |idx: Array| {
                hn::for_loop(&idx, |k: Array| {
                    v.set(&v.value() + 1.0);
                    table.take(&k, 0)
                })
            }
        });
        Case {
            vars: vec![v],
            f,
            good: hn::array(&[0, 1, 2]),
            bad: hn::array(&[0, 1, 9]),
        }
    });
}

#[test]
fn failing_take_in_a_while_loop_changes_no_variable() {
    check(|| {
        let (v, count) = (vector(), Variable::new(hn::scalar(0i32)));
        let table = table();
        let f = hn::jit({
            let (v, count) = (v.clone(), count.clone());
            move |start: Array| {
                count.set(hn::scalar(0i32));
                hn::while_loop(
                    || count.value().lt(3),
                    || {
                        let d = table.take(&(&count.value() + &start), 0);
                        v.set(&v.value() + &d);
                        count.set(&count.value() + 1);
                    },
                );
                v.value()
            }
        });
        Case {
            vars: vec![v, count],
            f,
            good: hn::scalar(0i32),
            bad: hn::scalar(2i32),
        }
    });
}

#[test]
fn failing_take_in_a_cond_branch_changes_no_variable() {
    check(|| {
        let (v, w) = (vector(), scalar());
        let table = table();
        let f = hn::jit({
            let (v, w) = (v.clone(), w.clone());
            move |idx: Array| {
                v.set(&v.value() + 1.0);
                hn::cond(
                    &idx.ge(0),
                    || {
                        w.set(&w.value() + 1.0);
                        table.take(&idx, 0)
                    },
                    || hn::zeros(&[], DType::F32),
                )
            }
        });
        Case {
            vars: vec![v, w],
            f,
            good: hn::scalar(1i32),
            bad: hn::scalar(7i32),
        }
    });
}

#[test]
fn failing_take_in_a_cond_inside_a_loop_changes_no_variable() {
    check(|| {
        let (v, acc) = (vector(), scalar());
        let table = table();
        let f = hn::jit({
            let (v, acc) = (v.clone(), acc.clone());
            move |start: Array| {
                hn::fori_loop(0, 3, |i: Array| {
                    let j = &start + &i;
                    v.set(&v.value() + 1.0);
                    let d = hn::cond(
                        &j.ge(0),
                        || table.take(&j, 0),
                        || hn::zeros(&[], DType::F32),
                    );
                    acc.set(&acc.value() + d);
                });
                acc.value()
            }
        });
        Case {
            vars: vec![v, acc],
            f,
            good: hn::scalar(0i32),
            bad: hn::scalar(2i32),
        }
    });
}

#[test]
fn failing_loop_outside_jit_changes_no_variable() {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    for way in WAYS {
        let _switches = Switches::set(way);
        let v = vector();
        let table = table();
        let run = |start: i32| {
            let start = hn::scalar(start);
            hn::try_fori_loop(0, 3, |i: Array| {
                v.set(&v.value() + table.take(&(&start + &i), 0));
            })
        };
        run(0).unwrap_or_else(|e| panic!("{way:?}: {e}"));
        let before = bits(&v.value());
        let err = run(2).expect_err("an index out of range is an error");
        assert!(err.to_string().contains("take"), "{way:?}: {err}");
        assert!(
            bits(&v.value()) == before,
            "{way:?}: a failed loop changed v"
        );
    }
}

#[test]
fn a_take_before_every_write_keeps_variables_updated_in_place() {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    let v = vector();
    let table = table();
    let f = hn::jit({
        let v = v.clone();
        move |idx: Array| v.set(&v.value() + table.take(&idx, 0).sum())
    });
    let address = |v: &Variable| v.value().value().buf().as_ptr() as usize;
    let (good, bad) = (hn::array(&[0, 3]), hn::array(&[0, 4]));
    f.call(&good);
    let first = address(&v);
    f.call(&good);
    assert_eq!(address(&v), first, "the Variable was not updated in place");
    assert_eq!(v.value().to_vec::<f32>(), vec![10.0; N]);
    let err = f
        .try_call(&bad)
        .expect_err("an index out of range is an error");
    assert!(err.to_string().contains("take"), "{err}");
    assert_eq!(v.value().to_vec::<f32>(), vec![10.0; N]);
    f.call(&good);
    assert_eq!(address(&v), first, "the Variable was not updated in place");
}
