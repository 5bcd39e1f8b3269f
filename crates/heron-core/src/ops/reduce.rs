//! Reductions: `sum mean max min prod any all argmax argmin` over all axes
//! (a 0-d result) or one axis (`_axis`, negative axes count from the end),
//! `var` and `std` (ddof 0), and `cumsum`.

use super::operand::{Operand, array_of};
use crate::array::{Array, apply, or_panic};
use heron_ir::{ArgOp, Axes, Error, Op, ReduceOp, Result, normalize_axis};

/// The user-facing name of a reduction, for messages.
fn name(op: ReduceOp) -> &'static str {
    match op {
        ReduceOp::Sum => "sum",
        ReduceOp::Prod => "prod",
        ReduceOp::Max => "max",
        ReduceOp::Min => "min",
        ReduceOp::Any => "any",
        ReduceOp::All => "all",
    }
}

/// Normalises a possibly negative axis of `x` for the operation `op`.
pub(crate) fn axis_of(op: &str, x: &Array, axis: isize) -> Result<usize> {
    normalize_axis(axis, x.ndim()).ok_or_else(|| {
        Error::invalid(
            op,
            format!("axis {axis} is out of bounds for shape {}", x.shape_ref()),
        )
    })
}

fn sorted_axes(op: &str, x: &Array, axes: &[isize]) -> Result<Axes> {
    let mut out = Axes::new();
    for &a in axes {
        let a = axis_of(op, x, a)?;
        if out.contains(&a) {
            return Err(Error::invalid(
                op,
                format!("axis {a} is repeated in {axes:?}"),
            ));
        }
        out.push(a);
    }
    out.sort_unstable();
    Ok(out)
}

impl Array {
    fn reduce_sorted(&self, op: ReduceOp, axes: Axes) -> Result<Array> {
        apply(Op::Reduce { op, axes }, &[self]).map_err(|e| rename(e, op))
    }

    fn reduce_all(&self, op: ReduceOp) -> Array {
        or_panic(self.reduce_sorted(op, (0..self.ndim()).collect()))
    }

    fn reduce_axis(&self, op: ReduceOp, axis: isize) -> Array {
        or_panic(self.try_reduce(op, &[axis]))
    }

    fn arg_all(&self, op: ArgOp) -> Array {
        let flat = or_panic(self.try_reshape(&[-1]));
        or_panic(flat.try_arg_reduce(op, 0))
    }
}

super::receiver::array_methods! {
    /// Reduces over `axes` (negative axes count from the end; an empty list
    /// reduces nothing, so `sum()` and friends pass every axis).
    pub fn try_reduce(&self, op: ReduceOp, axes: &[isize]) -> Result<Array> {
        let axes = sorted_axes(name(op), self, axes)?;
        self.reduce_sorted(op, axes)
    }

    /// Sum of all elements (0-d; bool sums as i32).
    pub fn sum(&self) -> Array {
        self.reduce_all(ReduceOp::Sum)
    }

    /// Product of all elements (0-d).
    pub fn prod(&self) -> Array {
        self.reduce_all(ReduceOp::Prod)
    }

    /// Maximum of all elements (0-d). Panics on an empty array. A NaN
    /// anywhere gives NaN; `+0` beats `-0` wherever they sit, jitted or eager.
    pub fn max(&self) -> Array {
        self.reduce_all(ReduceOp::Max)
    }

    /// Minimum of all elements (0-d). Panics on an empty array. A NaN
    /// anywhere gives NaN; `-0` beats `+0` wherever they sit, jitted or eager.
    pub fn min(&self) -> Array {
        self.reduce_all(ReduceOp::Min)
    }

    /// True if any element is non-zero (0-d bool).
    pub fn any(&self) -> Array {
        self.reduce_all(ReduceOp::Any)
    }

    /// True if every element is non-zero (0-d bool).
    pub fn all(&self) -> Array {
        self.reduce_all(ReduceOp::All)
    }

    /// Sum along `axis`, which is removed.
    pub fn sum_axis(&self, axis: isize) -> Array {
        self.reduce_axis(ReduceOp::Sum, axis)
    }

    /// Product along `axis`, which is removed.
    pub fn prod_axis(&self, axis: isize) -> Array {
        self.reduce_axis(ReduceOp::Prod, axis)
    }

    /// Maximum along `axis`, which is removed (NaN-propagating; `+0` beats `-0`).
    pub fn max_axis(&self, axis: isize) -> Array {
        self.reduce_axis(ReduceOp::Max, axis)
    }

    /// Minimum along `axis`, which is removed (NaN-propagating; `-0` beats `+0`).
    pub fn min_axis(&self, axis: isize) -> Array {
        self.reduce_axis(ReduceOp::Min, axis)
    }

    /// Whether any element along `axis` is non-zero.
    pub fn any_axis(&self, axis: isize) -> Array {
        self.reduce_axis(ReduceOp::Any, axis)
    }

    /// Whether every element along `axis` is non-zero.
    pub fn all_axis(&self, axis: isize) -> Array {
        self.reduce_axis(ReduceOp::All, axis)
    }

    /// Mean over `axes` (all axes when `None`), computed in a float type
    /// (integers give f32). The mean of no element is NaN.
    pub fn try_mean_axes(&self, axes: Option<&[isize]>) -> Result<Array> {
        let axes = match axes {
            Some(axes) => sorted_axes("mean", self, axes)?,
            None => (0..self.ndim()).collect(),
        };
        let count: usize = axes.iter().map(|&a| self.shape()[a]).product();
        let x = self.try_astype(self.dtype().to_float())?;
        let total = x
            .reduce_sorted(ReduceOp::Sum, axes)
            .map_err(|e| rename_to(e, "mean"))?;
        total.try_div(count as f64)
    }

    /// Mean of all elements (0-d, float).
    pub fn mean(&self) -> Array {
        or_panic(self.try_mean_axes(None))
    }

    /// Mean along `axis`, which is removed (float).
    pub fn mean_axis(&self, axis: isize) -> Array {
        or_panic(self.try_mean_axes(Some(&[axis])))
    }

    /// Variance (ddof 0) over `axes`, all axes when `None`, in a float type.
    pub fn try_var_axes(&self, axes: Option<&[isize]>) -> Result<Array> {
        let x = self.try_astype(self.dtype().to_float())?;
        let m = match axes {
            None => x.try_mean_axes(None)?,
            Some(axes) => {
                let kept = sorted_axes("var", self, axes)?;
                let mut m = x.try_mean_axes(Some(axes))?;
                for &a in &kept {
                    m = m.try_expand_dims(a as isize)?;
                }
                m
            }
        };
        let d = x.try_sub(&m)?;
        d.try_mul(&d)?.try_mean_axes(axes)
    }

    /// Variance of all elements (ddof 0; 0-d, float).
    pub fn var(&self) -> Array {
        or_panic(self.try_var_axes(None))
    }

    /// Variance along `axis` (ddof 0), which is removed.
    pub fn var_axis(&self, axis: isize) -> Array {
        or_panic(self.try_var_axes(Some(&[axis])))
    }

    /// Standard deviation of all elements (ddof 0; 0-d, float).
    pub fn std(&self) -> Array {
        self.var().sqrt()
    }

    /// Standard deviation along `axis` (ddof 0), which is removed.
    pub fn std_axis(&self, axis: isize) -> Array {
        self.var_axis(axis).sqrt()
    }

    /// Index (i32) of the extremum `op` along `axis`, which is removed; the
    /// first index wins ties, and the first NaN wins, as in NumPy.
    pub fn try_arg_reduce(&self, op: ArgOp, axis: isize) -> Result<Array> {
        let axis = axis_of(op.name(), self, axis)?;
        apply(Op::ArgReduce { op, axis }, &[self])
    }

    /// Index (i32) of the maximum in the flattened array (0-d).
    pub fn argmax(&self) -> Array {
        self.arg_all(ArgOp::ArgMax)
    }

    /// Index (i32) of the minimum in the flattened array (0-d).
    pub fn argmin(&self) -> Array {
        self.arg_all(ArgOp::ArgMin)
    }

    /// Index (i32) of the maximum along `axis`, which is removed.
    pub fn argmax_axis(&self, axis: isize) -> Array {
        or_panic(self.try_arg_reduce(ArgOp::ArgMax, axis))
    }

    /// Index (i32) of the minimum along `axis`, which is removed.
    pub fn argmin_axis(&self, axis: isize) -> Array {
        or_panic(self.try_arg_reduce(ArgOp::ArgMin, axis))
    }

    /// Cumulative sum along `axis` (same shape; bool and i32 accumulate as i32).
    pub fn cumsum(&self, axis: isize) -> Array {
        or_panic(self.try_cumsum(axis))
    }

    /// `cumsum` returning an error instead of panicking.
    pub fn try_cumsum(&self, axis: isize) -> Result<Array> {
        let axis = axis_of("cumsum", self, axis)?;
        apply(Op::Cumsum { axis }, &[self])
    }
}

/// Replaces the IR's name of a reduction (`reduce_max`) by the API's (`max`).
fn rename(e: Error, op: ReduceOp) -> Error {
    rename_to(e, name(op))
}

fn rename_to(e: Error, to: &str) -> Error {
    match e {
        Error::Invalid { op, msg } if op.starts_with("reduce_") => Error::invalid(to, msg),
        Error::DType { op, dtype } if op.starts_with("reduce_") => Error::dtype(to, dtype),
        other => other,
    }
}

/// Sum of all elements of `x` (0-d).
pub fn sum(x: impl Operand) -> Array {
    array_of(x).sum()
}

/// Product of all elements of `x` (0-d).
pub fn prod(x: impl Operand) -> Array {
    array_of(x).prod()
}

/// Maximum of all elements of `x` (0-d).
pub fn max(x: impl Operand) -> Array {
    array_of(x).max()
}

/// Minimum of all elements of `x` (0-d).
pub fn min(x: impl Operand) -> Array {
    array_of(x).min()
}

/// Mean of all elements of `x` (0-d, float).
pub fn mean(x: impl Operand) -> Array {
    array_of(x).mean()
}

/// Whether any element of `x` is non-zero (0-d bool).
pub fn any(x: impl Operand) -> Array {
    array_of(x).any()
}

/// Whether every element of `x` is non-zero (0-d bool).
pub fn all(x: impl Operand) -> Array {
    array_of(x).all()
}

/// Index of the maximum of the flattened `x` (0-d i32).
pub fn argmax(x: impl Operand) -> Array {
    array_of(x).argmax()
}

/// Index of the minimum of the flattened `x` (0-d i32).
pub fn argmin(x: impl Operand) -> Array {
    array_of(x).argmin()
}

/// Variance of all elements of `x` (ddof 0).
pub fn var(x: impl Operand) -> Array {
    array_of(x).var()
}

/// Standard deviation of all elements of `x` (ddof 0).
pub fn std(x: impl Operand) -> Array {
    array_of(x).std()
}

/// Cumulative sum of `x` along `axis`.
pub fn cumsum(x: impl Operand, axis: isize) -> Array {
    array_of(x).cumsum(axis)
}
