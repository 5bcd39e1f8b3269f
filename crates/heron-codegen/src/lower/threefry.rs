//! Threefry-2x32 (20 rounds) emitted as Cranelift IR, for `threefry_bits`
//! instructions: random bits generated inside a loop, bit-identical to
//! `heron_ir::threefry::random_bits`.
//!
//! The key schedule (`ks[2] = k0 ^ k1 ^ 0x1BD11BDA`, and the per-group
//! injection constants `ks[(g + 2) % 3] + g + 1`) is computed once per
//! kernel, in the entry block, from the key buffer. Per element, the 64-bit
//! counter `i` (the linear index into the drawn shape) is split into the
//! block `[i >> 32, i & 0xffff_ffff]`; when every counter of the kernel is
//! below 2^32 the high word is the constant 0 and its key addition folds
//! into the schedule. The result is `b1 ^ b2` for `U32` bits and
//! `(b1 << 32) | b2` for the 64-bit (`I64`) words.
//!
//! Vector bodies draw four `U32` words at once (`vector_bits`): the counters
//! `base + [0, 1, 2, 3]` in the lanes of an `i32x4`, the schedule splatted
//! once in the entry block, and each rotation an `ishl | ushr` pair (x64 has
//! no vector rotate). Lane `l` computes exactly what the scalar path computes
//! for counter `base + l`, so vector and scalar bits are identical.

use super::Emitter;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};
use heron_ir::DType;
use heron_ir::plan::{Affine, BufId, Expr, Kernel};

/// The rotation distances of the even and odd groups of four rounds.
const ROT: [[i64; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];

/// The key-schedule parity constant of Threefish/Threefry.
const PARITY: i64 = 0x1BD1_1BDA;

/// The generators of one kernel: a key schedule per key buffer, loaded in
/// the entry block, and per `threefry_bits` instruction whether its counter
/// stays below 2^32.
pub struct Generators {
    schedules: Vec<(BufId, Schedule, VectorSchedule)>,
    small: Vec<bool>,
}

impl Generators {
    /// Loads the schedule of every key buffer `kernel` draws with; `ptr_of`
    /// gives a buffer's pointer. Emits nothing for a kernel without random bits.
    pub fn load(e: &mut Emitter<'_>, kernel: &Kernel, ptr_of: &dyn Fn(BufId) -> Value) -> Self {
        let mut schedules: Vec<(BufId, Schedule, VectorSchedule)> = Vec::new();
        let mut small = vec![true; kernel.body.len()];
        for (i, instr) in kernel.body.iter().enumerate() {
            if let Expr::ThreefryBits { key, index } = &instr.expr {
                if !schedules.iter().any(|(k, _, _)| k == key) {
                    let s = Schedule::load(e, ptr_of(*key));
                    let v = VectorSchedule::splat(e, &s);
                    schedules.push((*key, s, v));
                }
                small[i] = counter_fits_u32(index, &kernel.shape);
            }
        }
        Generators { schedules, small }
    }

    /// The bits of body instruction `instr` (a `threefry_bits` with key `key`)
    /// for the i64 counter `counter`.
    pub fn emit(
        &self,
        e: &mut Emitter<'_>,
        instr: usize,
        key: BufId,
        counter: Value,
        dtype: DType,
    ) -> Value {
        let (_, ks, _) = self.schedule(key);
        bits(e, ks, counter, self.small[instr], dtype)
    }

    /// The `U32` bits of body instruction `instr` (a `threefry_bits` with key
    /// `key`, vectorisable) for the four counters `counter + [0, 1, 2, 3]`,
    /// as an `i32x4`.
    pub fn emit_vector(
        &self,
        e: &mut Emitter<'_>,
        instr: usize,
        key: BufId,
        counter: Value,
    ) -> Value {
        debug_assert!(self.small[instr], "vector counters stay below 2^32");
        let (_, _, vs) = self.schedule(key);
        vector_bits(e, vs, counter)
    }

    fn schedule(&self, key: BufId) -> &(BufId, Schedule, VectorSchedule) {
        self.schedules
            .iter()
            .find(|(k, _, _)| *k == key)
            .expect("key schedules are loaded for every key buffer")
    }
}

/// The key schedule of one key, as i32 values defined in the entry block.
#[derive(Clone, Copy)]
pub struct Schedule {
    /// `ks[0]`, `ks[1]`, `ks[2]`.
    ks: [Value; 3],
    /// For group `g`: `ks[(g + 2) % 3] + g + 1`, added to `x1` after it.
    x1_inject: [Value; 5],
}

impl Schedule {
    /// Loads the two key words from `key_ptr` and derives the schedule.
    pub fn load(e: &mut Emitter<'_>, key_ptr: Value) -> Schedule {
        let flags = MemFlagsData::trusted().with_readonly();
        let k0 = e.ins().load(types::I32, flags, key_ptr, 0);
        let k1 = e.ins().load(types::I32, flags, key_ptr, 4);
        let k01 = e.ins().bxor(k0, k1);
        let k2 = e.ins().bxor_imm_s(k01, PARITY);
        let ks = [k0, k1, k2];
        let x1_inject = std::array::from_fn(|g| e.ins().iadd_imm_s(ks[(g + 2) % 3], g as i64 + 1));
        Schedule { ks, x1_inject }
    }
}

/// A key schedule splatted over the four lanes of an `i32x4`, defined in
/// the entry block.
#[derive(Clone, Copy)]
pub struct VectorSchedule {
    /// `ks[0..3]` in every lane.
    ks: [Value; 3],
    /// `x1_inject[g]` in every lane.
    x1_inject: [Value; 5],
    /// `ks[1] + [0, 1, 2, 3]`: the first key addition of `x1` with the lane
    /// offsets of the counters folded in.
    x1_start: Value,
}

impl VectorSchedule {
    /// Splats the scalar schedule `s`.
    pub fn splat(e: &mut Emitter<'_>, s: &Schedule) -> VectorSchedule {
        let ks = s.ks.map(|k| e.ins().splat(types::I32X4, k));
        let x1_inject = s.x1_inject.map(|k| e.ins().splat(types::I32X4, k));
        let lanes: Vec<u8> = (0..4u32).flat_map(|l| l.to_le_bytes()).collect();
        let handle = e.b.func.dfg.constants.insert(lanes.into());
        let offsets = e.ins().vconst(types::I32X4, handle);
        let x1_start = e.ins().iadd(ks[1], offsets);
        VectorSchedule {
            ks,
            x1_inject,
            x1_start,
        }
    }
}

/// The `U32` random words for the counters `counter + [0, 1, 2, 3]` (an i64
/// whose lanes' counters are all below 2^32) under `ks`, as an `i32x4`.
pub fn vector_bits(e: &mut Emitter<'_>, ks: &VectorSchedule, counter: Value) -> Value {
    let lo = e.ins().ireduce(types::I32, counter);
    let lo = e.ins().splat(types::I32X4, lo);
    let mut x0 = ks.ks[0];
    let mut x1 = e.ins().iadd(lo, ks.x1_start);
    for group in 0..5usize {
        for &r in &ROT[group % 2] {
            x0 = e.ins().iadd(x0, x1);
            let left = e.ins().ishl_imm_u(x1, r);
            let right = e.ins().ushr_imm_u(x1, 32 - r);
            let rot = e.ins().bor(left, right);
            x1 = e.ins().bxor(rot, x0);
        }
        x0 = e.ins().iadd(x0, ks.ks[(group + 1) % 3]);
        x1 = e.ins().iadd(x1, ks.x1_inject[group]);
    }
    e.ins().bxor(x0, x1)
}

/// True when every counter `map` takes over an iteration space of `shape`
/// is below 2^32 (the high word of the block is then 0).
pub fn counter_fits_u32(map: &Affine, shape: &[usize]) -> bool {
    let mut max = map.offset as i128;
    for (&c, &n) in map.coefs.iter().zip(shape) {
        if c > 0 && n > 0 {
            max += c as i128 * (n as i128 - 1);
        }
    }
    max < 1i128 << 32
}

/// The random word for the i64 counter `counter` under `ks`, of `dtype`
/// (`U32` as an i32 value, `I64` as an i64 value). `small` says the counter
/// is known to be below 2^32.
pub fn bits(
    e: &mut Emitter<'_>,
    ks: &Schedule,
    counter: Value,
    small: bool,
    dtype: DType,
) -> Value {
    let lo = e.ins().ireduce(types::I32, counter);
    let mut x0 = if small {
        ks.ks[0]
    } else {
        let hi = e.ins().ushr_imm_u(counter, 32);
        let hi = e.ins().ireduce(types::I32, hi);
        e.ins().iadd(hi, ks.ks[0])
    };
    let mut x1 = e.ins().iadd(lo, ks.ks[1]);
    for group in 0..5usize {
        for &r in &ROT[group % 2] {
            x0 = e.ins().iadd(x0, x1);
            let rot = e.ins().rotl_imm_u(x1, r);
            x1 = e.ins().bxor(rot, x0);
        }
        x0 = e.ins().iadd(x0, ks.ks[(group + 1) % 3]);
        x1 = e.ins().iadd(x1, ks.x1_inject[group]);
    }
    match dtype {
        DType::U32 => e.ins().bxor(x0, x1),
        DType::I64 => {
            let hi = e.ins().uextend(types::I64, x0);
            let hi = e.ins().ishl_imm_u(hi, 32);
            let lo = e.ins().uextend(types::I64, x1);
            e.ins().bor(hi, lo)
        }
        other => unreachable!("threefry_bits: bits are u32 or i64, not {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smallvec::smallvec;

    #[test]
    fn counter_bound_covers_the_largest_index() {
        let row_major = Affine {
            offset: 0,
            coefs: smallvec![3, 1],
        };
        assert!(counter_fits_u32(&row_major, &[4, 3]));
        let near = Affine {
            offset: (1 << 32) - 2,
            coefs: smallvec![1],
        };
        assert!(counter_fits_u32(&near, &[2]));
        assert!(!counter_fits_u32(&near, &[3]));
        let reversed = Affine {
            offset: 9,
            coefs: smallvec![-1],
        };
        assert!(counter_fits_u32(&reversed, &[10]));
    }
}
