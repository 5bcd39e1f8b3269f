//! Reductions: `reduce_*` over a set of axes, `argmax`/`argmin` along one
//! axis, and `cumsum`.

use super::elem::{Elem, with_elem, with_num};
use super::elementwise::cast;
use super::movement::permute;
use super::num::Num;
use super::strided::split_at_axis;
use crate::{ArgOp, Axes, Buffer, DType, Error, ReduceOp, Result, Shape, Value};

/// One output element per run of `m` consecutive elements of `src`, `f(&[])`
/// everywhere when `m` is 0.
fn per_run<T: Elem, U: Elem>(src: &[T], m: usize, shape: &Shape, f: impl Fn(&[T]) -> U) -> Value {
    let mut buf = Buffer::zeroed(U::DTYPE, shape.size());
    let out = buf.as_mut_slice::<U>();
    if m == 0 {
        out.fill(f(&[]));
    } else {
        for (o, run) in out.iter_mut().zip(src.chunks_exact(m)) {
            *o = f(run);
        }
    }
    Value::new(shape.clone(), buf)
}

/// Reduces `x` over `axes` (ascending) into a value of `shape`.
pub(super) fn reduce(op: ReduceOp, x: &Value, axes: &Axes, shape: &Shape) -> Result<Value> {
    let m: usize = axes.iter().map(|&a| x.shape[a]).product();
    if matches!(op, ReduceOp::Max | ReduceOp::Min) && m == 0 {
        return Err(Error::invalid(
            op.name(),
            format!(
                "zero-size reduction over axes {axes:?} of {} has no identity",
                x.shape
            ),
        ));
    }
    // Sum and product of bools count in i32.
    let x = if matches!(op, ReduceOp::Sum | ReduceOp::Prod) && x.dtype().is_bool() {
        cast(x, DType::I32)
    } else {
        x.clone()
    };
    // Move the reduced axes innermost so that each output reads one run.
    let perm: Axes = (0..x.shape.rank())
        .filter(|a| !axes.contains(a))
        .chain(axes.iter().copied())
        .collect();
    let x = if perm.iter().enumerate().all(|(i, &p)| i == p) {
        x
    } else {
        permute(&x, &perm)
    };
    let dtype = x.dtype();
    Ok(match op {
        ReduceOp::Sum => with_num!(dtype, T => per_run(x.as_slice::<T>(), m, shape, T::sum_run),
            bool => return Err(Error::dtype(op.name(), dtype))),
        ReduceOp::Prod => with_num!(dtype, T => per_run(x.as_slice::<T>(), m, shape, |run: &[T]| {
                run.iter().fold(T::ONE, |acc, &v| acc.mul(v))
            }),
            bool => return Err(Error::dtype(op.name(), dtype))),
        ReduceOp::Max => with_elem!(dtype, T => per_run(x.as_slice::<T>(), m, shape, |run: &[T]| {
            run[1..].iter().fold(run[0], |acc, &v| acc.max_fold(v))
        })),
        ReduceOp::Min => with_elem!(dtype, T => per_run(x.as_slice::<T>(), m, shape, |run: &[T]| {
            run[1..].iter().fold(run[0], |acc, &v| acc.min_fold(v))
        })),
        ReduceOp::Any => with_elem!(dtype, T => per_run(x.as_slice::<T>(), m, shape, |run: &[T]| {
            run.iter().any(|v| v.nonzero())
        })),
        ReduceOp::All => with_elem!(dtype, T => per_run(x.as_slice::<T>(), m, shape, |run: &[T]| {
            run.iter().all(|v| v.nonzero())
        })),
    })
}

/// The index (i32) of the first maximum or minimum along `axis`; the first
/// NaN wins, as in NumPy.
pub(super) fn arg_reduce(op: ArgOp, x: &Value, axis: usize, shape: &Shape) -> Result<Value> {
    let (outer, n, inner) = split_at_axis(&x.shape, axis);
    if n == 0 {
        return Err(Error::invalid(
            op.name(),
            format!(
                "attempt to get {} of an empty sequence (axis {axis} of {})",
                op.name(),
                x.shape
            ),
        ));
    }
    let mut buf = Buffer::zeroed(DType::I32, shape.size());
    let dims = (outer, n, inner);
    with_elem!(x.dtype(), T => arg_into(op, x.as_slice::<T>(), dims, buf.as_mut_slice()));
    Ok(Value::new(shape.clone(), buf))
}

/// The index of the extremum of each line of `src` (`outer × n × inner`,
/// `n > 0`, along the middle axis) into `out`.
pub(super) fn arg_into<T: Elem>(
    op: ArgOp,
    src: &[T],
    dims: (usize, usize, usize),
    out: &mut [i32],
) {
    match op {
        ArgOp::ArgMax => arg_lines(src, dims, out, T::gt),
        ArgOp::ArgMin => arg_lines(src, dims, out, T::lt),
    }
}

/// For each line of `src` (`outer × n × inner`, along the middle axis), the
/// index of the first element no later element is `better` than, or of the
/// first NaN.
fn arg_lines<T: Elem>(
    src: &[T],
    (outer, n, inner): (usize, usize, usize),
    out: &mut [i32],
    better: impl Fn(&T, &T) -> bool,
) {
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| src[(o * n + k) * inner + i];
            let (mut best, mut best_k) = (at(0), 0);
            if !best.is_nan() {
                for k in 1..n {
                    let v = at(k);
                    if v.is_nan() {
                        best_k = k;
                        break;
                    }
                    if better(&v, &best) {
                        (best, best_k) = (v, k);
                    }
                }
            }
            out[o * inner + i] = best_k as i32;
        }
    }
}

/// Cumulative sum along `axis`, accumulated in the result dtype (bool as i32).
pub(super) fn cumsum(x: &Value, axis: usize) -> Result<Value> {
    let mut out = if x.dtype().is_bool() {
        cast(x, DType::I32)
    } else {
        x.clone()
    };
    let dims = split_at_axis(&x.shape, axis);
    let dtype = out.dtype();
    with_num!(dtype, T => cumsum_in_place(out.make_mut().as_mut_slice::<T>(), dims),
        bool => return Err(Error::dtype("cumsum", dtype)));
    Ok(out)
}

/// Replaces each line of `data` (`outer × n × inner`, along the middle
/// axis) by its running sum, accumulated in order.
pub(super) fn cumsum_in_place<T: Num>(data: &mut [T], (outer, n, inner): (usize, usize, usize)) {
    for o in 0..outer {
        let block = &mut data[o * n * inner..(o + 1) * n * inner];
        for k in 1..n {
            let (done, rest) = block.split_at_mut(k * inner);
            let prev = &done[(k - 1) * inner..];
            for (v, &p) in rest[..inner].iter_mut().zip(prev) {
                *v = p.add(*v);
            }
        }
    }
}
