//! Inline vector math: Cranelift IR for transcendental functions, emitted as
//! range reduction + polynomial, branch-free, for `f32` and `f64` scalars
//! and for 128-bit vectors (`f32x4`, `f64x2`) with one code path.
//!
//! # Calling it
//!
//! ```ignore
//! let target = vmath::Target::from_isa(module.isa());   // or Target::host()
//! // x: a Value of type f32, f64, f32x4 or f64x2, in the current block
//! if let Some(y) = vmath::emit_unary(&mut builder, target, UnaryOp::Exp, x) {
//!     // y has x's type
//! }
//! let z = vmath::emit_binary(&mut builder, target, BinaryOp::Pow, a, b);
//! ```
//!
//! `emit_unary` returns `None` for ops it does not provide (and for
//! non-float types); the caller then lowers them another way. It emits only
//! straight-line code into the current block (no new blocks, no calls, no
//! memory access, no absolute addresses), so it can be used inside any loop
//! body. `Target` says whether the ISA has FMA: with it `fma` lowers to one
//! `vfmadd`; without it, multiply-add pairs are used (same algorithms).
//!
//! # Accuracy
//!
//! Measured maximum error in ulp (f32 against f64 libm, f64 against the
//! system libm, which is itself within ~0.5–1 ulp), the worse of FMA and
//! no FMA; the tests in
//! `tests/vmath.rs` assert these bounds for scalars and vectors, with and
//! without FMA. `docs/VECTOR_MATH.md` has the ranges swept.
//!
//! | function | f32 | f64 | | function | f32 | f64 |
//! |---|---|---|---|---|---|---|
//! | exp     | 0.96 | 1 | | tanh    | 2.48 | 3 |
//! | exp2    | 1.06 | 1 | | sinh    | 1.56 | 2 |
//! | expm1   | 1.44 | 2 | | cosh    | 1.39 | 2 |
//! | log     | 0.82 | 1 | | sigmoid | 2.14 | 2 |
//! | log2    | 1.55 | 2 | | arctan  | 1.76 | 2 |
//! | log1p   | 0.77 | 1 | | arcsin  | 2.07 | 2 |
//! | sin     | 0.76 | 1 | | arccos  | 0.94 | 1 |
//! | cos     | 0.76 | 1 | | arctan2 | 2.00 | 2 |
//! | tan     | 2.02 | 2 | | pow     | 0.50 | 1 |
//! | sqrt    | 0.5  | 0 | | rsqrt   | 1.48 | 1 |
//!
//! Special values follow libm: NaN in → NaN out; ±inf and overflow to inf;
//! underflow to subnormals and 0; domain errors (log of a negative,
//! asin outside [-1, 1], ...) → NaN; signed zeros kept where libm keeps them.
//! `sin`/`cos`/`tan` use a Cody–Waite reduction accurate for |x| <= 1e5
//! (tested); beyond it the accuracy degrades gradually, `sin`/`cos` stay
//! finite and within [-1, 1], and only non-finite `x` gives NaN.

mod builder;
mod consts;
mod exp;
mod hyperbolic;
mod inverse_trig;
mod log;
mod pow;
mod trig;

pub use builder::Ctx;

use cranelift_codegen::ir::Value;
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::FunctionBuilder;
use heron_ir::{BinaryOp, UnaryOp};

/// What the emitters may assume of the target ISA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// `fma` is one instruction (x86-64 `has_fma`, always on aarch64).
    pub fma: bool,
}

impl Target {
    /// The features of `isa`.
    pub fn from_isa(isa: &dyn TargetIsa) -> Target {
        let flag = isa
            .isa_flags()
            .iter()
            .find(|v| v.name == "has_fma")
            .and_then(|v| v.as_bool());
        let fma = match flag {
            Some(f) => f,
            None => isa.triple().architecture.to_string().starts_with("aarch64"),
        };
        Target { fma }
    }

    /// The features of the host, as `cranelift_native` configures its ISA.
    pub fn host() -> Target {
        #[cfg(target_arch = "x86_64")]
        let fma = std::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        let fma = cfg!(target_arch = "aarch64");
        Target { fma }
    }
}

/// Whether `emit_unary` provides `op`: every transcendental op (the
/// contract of `UnaryOp::is_transcendental`), `sqrt` and `rsqrt`.
pub fn provides_unary(op: UnaryOp) -> bool {
    op.is_transcendental() || matches!(op, UnaryOp::Sqrt | UnaryOp::Rsqrt)
}

/// Whether `emit_binary` provides `op`: every transcendental binary op.
pub fn provides_binary(op: BinaryOp) -> bool {
    op.is_transcendental()
}

/// Emits `op x` for `x` of type f32, f64, f32x4 or f64x2 at the builder's
/// current position; `None` (emitting nothing) when `op` is not provided
/// here or `x` is not of a float type.
pub fn emit_unary(b: &mut FunctionBuilder, target: Target, op: UnaryOp, x: Value) -> Option<Value> {
    use UnaryOp::*;
    if !provides_unary(op) {
        return None;
    }
    let ty = b.func.dfg.value_type(x);
    let mut c = Ctx::new(b, ty, target.fma)?;
    let c = &mut c;
    Some(match op {
        Exp => exp::exp(c, x),
        Exp2 => exp::exp2(c, x),
        Expm1 => exp::expm1(c, x),
        Log => log::log(c, x),
        Log2 => log::log2(c, x),
        Log1p => log::log1p(c, x),
        Sin => trig::sin(c, x),
        Cos => trig::cos(c, x),
        Tan => trig::tan(c, x),
        Tanh => hyperbolic::tanh(c, x),
        Sinh => hyperbolic::sinh(c, x),
        Cosh => hyperbolic::cosh(c, x),
        Sigmoid => hyperbolic::sigmoid(c, x),
        Arctan => inverse_trig::atan(c, x),
        Arcsin => inverse_trig::asin(c, x),
        Arccos => inverse_trig::acos(c, x),
        Sqrt => c.sqrt(x),
        Rsqrt => {
            let s = c.sqrt(x);
            let one = c.c(1.0);
            c.div(one, s)
        }
        _ => unreachable!("provides_unary({}) is true", op.name()),
    })
}

/// Emits `a op b` (`pow`, `atan2`) for operands of one type among f32, f64,
/// f32x4, f64x2; `None` (emitting nothing) otherwise.
pub fn emit_binary(
    b: &mut FunctionBuilder,
    target: Target,
    op: BinaryOp,
    x: Value,
    y: Value,
) -> Option<Value> {
    let ty = b.func.dfg.value_type(x);
    if !provides_binary(op) || b.func.dfg.value_type(y) != ty {
        return None;
    }
    let mut c = Ctx::new(b, ty, target.fma)?;
    Some(match op {
        BinaryOp::Pow => pow::pow(&mut c, x, y),
        _ => inverse_trig::atan2(&mut c, x, y),
    })
}
