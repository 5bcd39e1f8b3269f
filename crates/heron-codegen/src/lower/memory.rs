//! Vector memory access shared by the element-wise and gather lowering:
//! the flags of a vector access and the vector load (bool elements widened
//! to lane masks).

use super::{Emitter, vec_type};
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Value, types};
use heron_ir::DType;

/// Flags of a vector access: it cannot trap, but it is only element
/// aligned (claiming 16-byte alignment would let the backend fold it into
/// SSE instructions that fault on unaligned addresses).
pub(super) fn unaligned() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Flags of a little-endian bitcast between vector types.
pub(super) fn little() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// A vector of `lanes` elements of `dtype` loaded at `addr + at`;
/// `readonly` for memory the kernel never writes (`Access::readonly`).
pub(super) fn load(
    e: &mut Emitter<'_>,
    addr: Value,
    at: i32,
    dtype: DType,
    lanes: usize,
    readonly: bool,
) -> Value {
    // `readonly` only when no store may reach this memory: an in-place
    // output may be this very memory.
    let flags = if readonly {
        unaligned().with_readonly().with_can_move()
    } else {
        unaligned()
    };
    if dtype != DType::Bool {
        return e.b.ins().load(vec_type(dtype, lanes), flags, addr, at);
    }
    let ones = if lanes == 4 {
        let word = e.b.ins().load(types::I32, flags, addr, at);
        let v = e.b.ins().scalar_to_vector(types::I32X4, word);
        let bytes = e.b.ins().bitcast(types::I8X16, little(), v);
        let half = e.b.ins().uwiden_low(bytes);
        e.b.ins().uwiden_low(half)
    } else {
        let b0 = e.b.ins().uload8(types::I64, flags, addr, at);
        let b1 = e.b.ins().uload8(types::I64, flags, addr, at + 1);
        let v = e.b.ins().splat(types::I64X2, b0);
        e.b.ins().insertlane(v, b1, 1)
    };
    e.b.ins().ineg(ones)
}
