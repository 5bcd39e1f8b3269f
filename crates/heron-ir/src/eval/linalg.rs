//! `matmul` of 1-d and 2-d operands, as NumPy's `matmul`/`dot`: integers
//! wrap, bools give the logical or of ands.

use super::elem::with_num;
use super::num::Num;
use crate::{Buffer, Shape, Value};

/// The operand as an `(rows, cols)` matrix: a 1-d left operand is a row,
/// a 1-d right operand a column.
fn as_matrix(x: &Value, left: bool) -> (usize, usize) {
    match (x.shape.rank(), left) {
        (1, true) => (1, x.shape[0]),
        (1, false) => (x.shape[0], 1),
        _ => (x.shape[0], x.shape[1]),
    }
}

/// `a @ b` (same dtype, aligned shapes, checked by `infer`) as a value of `shape`.
pub(super) fn matmul(a: &Value, b: &Value, shape: &Shape) -> Value {
    let (m, k) = as_matrix(a, true);
    let (_, n) = as_matrix(b, false);
    let dtype = a.dtype();
    let mut buf = Buffer::zeroed(dtype, shape.size());
    with_num!(dtype, T => {
        product::<T>(a.as_slice(), b.as_slice(), buf.as_mut_slice(), (m, k, n), T::ZERO, T::add, T::mul)
    }, bool => {
        product::<bool>(a.as_slice(), b.as_slice(), buf.as_mut_slice(), (m, k, n), false, |x, y| x | y, |x, y| x & y)
    });
    Value::new(shape.clone(), buf)
}

/// `out = a · b` over the semiring (`zero`, `add`, `mul`), row by row so the
/// inner loop runs along contiguous rows of `b` and `out`.
fn product<T: Copy>(
    a: &[T],
    b: &[T],
    out: &mut [T],
    (m, k, n): (usize, usize, usize),
    zero: T,
    add: impl Fn(T, T) -> T,
    mul: impl Fn(T, T) -> T,
) {
    out.fill(zero);
    for i in 0..m {
        let row = &mut out[i * n..(i + 1) * n];
        for p in 0..k {
            let x = a[i * k + p];
            for (o, &y) in row.iter_mut().zip(&b[p * n..(p + 1) * n]) {
                *o = add(*o, mul(x, y));
            }
        }
    }
}
