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
//! The measured maximum error of every function, in ulp against exact
//! results, is `heron_ir::precision::{unary_bounds, binary_bounds}`
//! (`vs_exact`), the one statement of it in code; `tests/vmath.rs` asserts
//! it for scalars and vectors, with and without FMA, and
//! `docs/VECTOR_MATH.md` lists it with the ranges swept.
//!
//! Special values follow libm: NaN in → NaN out; ±inf and overflow to inf;
//! underflow to subnormals and 0; domain errors (log of a negative,
//! asin outside [-1, 1], ...) → NaN; signed zeros kept where libm keeps them.
//! `sin`/`cos`/`tan` use a Cody–Waite reduction accurate for |x| <= 1e5
//! (tested); beyond it the accuracy degrades gradually, `sin`/`cos` stay
//! finite and within [-1, 1], and only non-finite `x` gives NaN.

mod binary;
mod builder;
mod consts;
mod exp;
mod hyperbolic;
mod inverse_hyperbolic;
mod inverse_trig;
mod log;
mod pow;
mod special;
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
        Log10 => log::log10(c, x),
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
        Arcsinh => inverse_hyperbolic::asinh(c, x),
        Arccosh => inverse_hyperbolic::acosh(c, x),
        Arctanh => inverse_hyperbolic::atanh(c, x),
        Erf => special::erf(c, x),
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
        BinaryOp::Atan2 => inverse_trig::atan2(&mut c, x, y),
        BinaryOp::Hypot => binary::hypot(&mut c, x, y),
        BinaryOp::Logaddexp => binary::logaddexp(&mut c, x, y),
        _ => unreachable!("provides_binary({}) is true", op.name()),
    })
}
