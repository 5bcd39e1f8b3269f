//! W7: dispatch overhead — a cached jitted `x*2 + 1` on 8 f32 elements,
//! each call timed on its own, median of 10,000 calls (the clock's own cost
//! taken off). The reference is a hand-written loop that, like the jitted
//! function, allocates its result.

use crate::case::{Case, Mode};
use crate::check::{Out, Tol};
use crate::config::Config;
use crate::variant::{Kind, Variant};
use heron::Array;

/// Elements of the input.
pub const LEN: usize = 8;

/// Timed calls per variant.
pub fn calls(cfg: &Config) -> usize {
    cfg.size.pick(10_000, 10_000, 100)
}

/// The W7 case.
pub fn case(cfg: &Config) -> Case<'static> {
    let xs: Vec<f32> = (0..LEN).map(|i| i as f32 * 0.5 - 1.0).collect();
    let x = Array::from_vec(xs.clone(), &[LEN]);
    let mut case = Case::new(
        "W7",
        "dispatch: cached jitted x*2 + 1",
        format!("{LEN} elements, f32"),
    )
    .outputs(&[("y", Tol::EXACT)]);
    case.mode = Mode::Calls(calls(cfg));
    let v = xs.clone();
    case = case.variant(Variant::pure("rust", Kind::Rust, move || {
        Out::Vecs(vec![v.iter().map(|&x| x * 2.0 + 1.0).collect()])
    }));
    let f = heron::jit_named("w7", |x: Array| &x * 2.0 + 1.0);
    let a = x.clone();
    case = case.variant(Variant::pure("heron jit", Kind::HeronJit, move || {
        Out::Heron(vec![f.call(&a)])
    }));
    let a = x.clone();
    case = case.variant(Variant::pure("heron eager", Kind::HeronEager, move || {
        Out::Heron(vec![&a * 2.0 + 1.0])
    }));
    let nd = ndarray::Array1::from(xs);
    case.variant(Variant::pure("ndarray", Kind::Ndarray, move || {
        Out::Nd(vec![(&nd * 2.0 + 1.0).into_dyn()])
    }))
}
