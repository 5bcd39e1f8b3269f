//! Conversions with `astype` semantics: float → int truncates toward zero
//! and saturates, NaN → 0 (Rust's `as`, Cranelift's `fcvt_to_*_sat`);
//! anything → bool is `!= 0` (NaN is non-zero); int → int wraps; bool is an
//! unsigned 0/1.

use super::{Emitter, clif_type};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, Value};
use heron_ir::DType;

/// `x` (of dtype `from`) converted to `to`.
pub fn cast(e: &mut Emitter<'_>, x: Value, from: DType, to: DType) -> Value {
    if from == to {
        return x;
    }
    let (fty, tty) = (clif_type(from), clif_type(to));
    match (from.is_float(), to) {
        (true, DType::Bool) => {
            let zero = if from == DType::F32 {
                e.ins().f32const(0.0)
            } else {
                e.ins().f64const(0.0)
            };
            e.ins().fcmp(FloatCC::NotEqual, x, zero)
        }
        (false, DType::Bool) => e.ins().icmp_imm_s(IntCC::NotEqual, x, 0),
        (true, DType::F32) => e.ins().fdemote(tty, x),
        (true, DType::F64) => e.ins().fpromote(tty, x),
        (true, DType::U32) => e.ins().fcvt_to_uint_sat(tty, x),
        (true, _) => e.ins().fcvt_to_sint_sat(tty, x),
        (false, DType::F32 | DType::F64) => {
            if from == DType::I32 || from == DType::I64 {
                e.ins().fcvt_from_sint(tty, x)
            } else {
                e.ins().fcvt_from_uint(tty, x)
            }
        }
        (false, _) => {
            let (fb, tb) = (fty.bits(), tty.bits());
            if fb == tb {
                x
            } else if fb > tb {
                e.ins().ireduce(tty, x)
            } else if from == DType::I32 {
                e.ins().sextend(tty, x)
            } else {
                e.ins().uextend(tty, x)
            }
        }
    }
}
