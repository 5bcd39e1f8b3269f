//! Runtime helper functions that compiled kernels call for what has no
//! Cranelift instruction and no inline form: `sin`, `cos` and `tan` of
//! arguments beyond the inline range (`|x| > 1e5`, see `vmath`), the float
//! remainder and integer powers. Every other transcendental is inline
//! (`vmath` provides every `is_transcendental` op).
//!
//! Kernels never embed a helper's address: they load it from the helper
//! table, whose pointer is the last entry of every kernel's argument table,
//! so the machine code stays position independent. Each helper computes
//! exactly what `eval` computes (the same Rust `f32`/`f64` methods, and
//! `eval`'s own functions for the remainder and integer powers), so results
//! are bit-identical to the interpreter.

use heron_ir::{BinaryOp, DType, UnaryOp};

macro_rules! float_helpers {
    ($($name:ident($x:ident) $f32:ident $f64:ident => $body:expr;)*) => {
        mod f32_fns {
            $(pub extern "C" fn $f32($x: f32) -> f32 { $body })*
        }
        mod f64_fns {
            $(pub extern "C" fn $f64($x: f64) -> f64 { $body })*
        }
        /// The unary float ops that call helpers, in table order.
        const UNARY: &[UnaryOp] = &[$(UnaryOp::$name),*];
        const UNARY_F32: &[*const u8] = &[$(f32_fns::$f32 as *const u8),*];
        const UNARY_F64: &[*const u8] = &[$(f64_fns::$f64 as *const u8),*];
    };
}

float_helpers! {
    Sin(x) sin_f32 sin_f64 => x.sin();
    Cos(x) cos_f32 cos_f64 => x.cos();
    Tan(x) tan_f32 tan_f64 => x.tan();
}

macro_rules! binary_helpers {
    ($($name:ident: $t:ty;)*) => {$(
        /// `eval`'s op on two scalars (`heron_ir::eval::scalar`).
        extern "C" fn $name(a: $t, b: $t) -> $t {
            heron_ir::eval::scalar::$name(a, b)
        }
    )*};
}

binary_helpers! {
    rem_f32: f32;
    rem_f64: f64;
    pow_i32: i32;
    pow_i64: i64;
    pow_u32: u32;
}

/// The binary helpers, in table order after the unary ones.
const BINARY: &[(BinaryOp, DType)] = &[
    (BinaryOp::Rem, DType::F32),
    (BinaryOp::Rem, DType::F64),
    (BinaryOp::Pow, DType::I32),
    (BinaryOp::Pow, DType::I64),
    (BinaryOp::Pow, DType::U32),
];

const BINARY_FNS: &[*const u8] = &[
    rem_f32 as *const u8,
    rem_f64 as *const u8,
    pow_i32 as *const u8,
    pow_i64 as *const u8,
    pow_u32 as *const u8,
];

/// The helper table: function pointers, indexed by `unary_index` / `binary_index`.
pub struct HelperTable(Vec<*const u8>);

// SAFETY: the table only holds addresses of `extern "C"` functions of this
// crate; they are immutable and callable from any thread.
unsafe impl Send for HelperTable {}
// SAFETY: as above; the table is never written after construction.
unsafe impl Sync for HelperTable {}

impl HelperTable {
    /// The table's first entry, passed to kernels.
    pub fn as_ptr(&self) -> *const *const u8 {
        self.0.as_ptr()
    }
}

/// The process-wide helper table.
pub fn table() -> &'static HelperTable {
    static TABLE: std::sync::OnceLock<HelperTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut v = Vec::new();
        v.extend_from_slice(UNARY_F32);
        v.extend_from_slice(UNARY_F64);
        v.extend_from_slice(BINARY_FNS);
        HelperTable(v)
    })
}

/// The table index of the helper computing unary `op` on `dtype` (f32/f64):
/// `sin`, `cos` and `tan`, for arguments beyond the inline range; `None`
/// for every other op.
pub fn unary_index(op: UnaryOp, dtype: DType) -> Option<usize> {
    let i = UNARY.iter().position(|&u| u == op)?;
    match dtype {
        DType::F32 => Some(i),
        DType::F64 => Some(UNARY.len() + i),
        _ => None,
    }
}

/// The table index of the helper computing binary `op` on `dtype`, or
/// `None` when the op is lowered inline.
pub fn binary_index(op: BinaryOp, dtype: DType) -> Option<usize> {
    let i = BINARY.iter().position(|&(b, d)| b == op && d == dtype)?;
    Some(2 * UNARY.len() + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_indices_are_in_bounds_and_distinct() {
        let n = table().0.len();
        let mut seen = std::collections::HashSet::new();
        for &u in UNARY {
            for d in [DType::F32, DType::F64] {
                let i = unary_index(u, d).unwrap();
                assert!(i < n && seen.insert(i));
            }
        }
        for &(b, d) in BINARY {
            let i = binary_index(b, d).unwrap();
            assert!(i < n && seen.insert(i));
        }
        assert_eq!(seen.len(), n);
        assert_eq!(unary_index(UnaryOp::Sqrt, DType::F32), None);
    }

    #[test]
    fn helpers_follow_numpy() {
        assert_eq!(rem_f64(-7.0, 3.0), 2.0);
        assert_eq!(rem_f64(7.0, -3.0), -2.0);
        assert!(rem_f32(1.0, 0.0).is_nan());
        assert_eq!(rem_f64(-6.0, 3.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(pow_i32(3, 4), 81);
        assert_eq!(pow_i32(-1, -3), -1);
        assert_eq!(pow_i32(2, -1), 0);
        assert_eq!(pow_u32(2, 33), 0);
        assert_eq!(f64_fns::sin_f64(1e6), 1e6f64.sin());
    }
}
