//! Shape operations: `reshape` (one `-1` allowed), `transpose`, `permute`,
//! `expand_dims`, `squeeze`, `broadcast_to`, `flatten`, and joining arrays
//! with `concatenate` and `stack` (operands promote to one dtype).

use super::operand::{Operand, OperandValue, array_of, result_dtype};
use super::reduce::axis_of;
use crate::array::{Array, apply, or_panic};
use heron_ir::{Axes, Error, Op, Result, Shape, normalize_axis};

super::receiver::array_methods! {
    /// The same elements in row-major order with another shape of the same
    /// size; one extent may be `-1`, inferred from the others.
    pub fn reshape(&self, shape: &[isize]) -> Array {
        or_panic(self.try_reshape(shape))
    }

    /// `reshape` returning an error instead of panicking.
    pub fn try_reshape(&self, shape: &[isize]) -> Result<Array> {
        let target = resolve_shape(self.shape_ref(), shape)?;
        apply(Op::Reshape(target), &[self])
    }

    /// The axes in reverse order (a matrix transpose for 2-d arrays).
    pub fn transpose(&self) -> Array {
        let perm: Vec<usize> = (0..self.ndim()).rev().collect();
        self.permute(&perm)
    }

    /// Reorders the axes: axis `i` of the result is axis `perm[i]` of `self`.
    pub fn permute(&self, perm: &[usize]) -> Array {
        or_panic(self.try_permute(perm))
    }

    /// `permute` returning an error instead of panicking.
    pub fn try_permute(&self, perm: &[usize]) -> Result<Array> {
        apply(Op::Permute(Axes::from_slice(perm)), &[self])
    }

    /// Inserts an axis of extent 1 at `axis` (negative counts from the end of
    /// the result, as NumPy: `-1` appends).
    pub fn expand_dims(&self, axis: isize) -> Array {
        or_panic(self.try_expand_dims(axis))
    }

    /// `expand_dims` returning an error instead of panicking.
    pub fn try_expand_dims(&self, axis: isize) -> Result<Array> {
        let at = normalize_axis(axis, self.ndim() + 1).ok_or_else(|| {
            Error::invalid(
                "expand_dims",
                format!(
                    "axis {axis} is out of bounds for shape {}",
                    self.shape_ref()
                ),
            )
        })?;
        let mut dims = self.shape().to_vec();
        dims.insert(at, 1);
        apply(Op::Reshape(dims.into()), &[self])
    }

    /// Removes every axis of extent 1.
    pub fn squeeze(&self) -> Array {
        let dims: Vec<usize> = self.shape().iter().copied().filter(|&d| d != 1).collect();
        or_panic(apply(Op::Reshape(dims.into()), &[self]))
    }

    /// Removes `axis`, which must have extent 1.
    pub fn squeeze_axis(&self, axis: isize) -> Array {
        or_panic(self.try_squeeze_axis(axis))
    }

    /// `squeeze_axis` returning an error instead of panicking.
    pub fn try_squeeze_axis(&self, axis: isize) -> Result<Array> {
        let a = axis_of("squeeze", self, axis)?;
        if self.shape()[a] != 1 {
            return Err(Error::invalid(
                "squeeze",
                format!(
                    "cannot remove axis {a} of extent {} from shape {}",
                    self.shape()[a],
                    self.shape_ref()
                ),
            ));
        }
        let mut dims = self.shape().to_vec();
        dims.remove(a);
        apply(Op::Reshape(dims.into()), &[self])
    }

    /// The array broadcast to `shape` (NumPy rules).
    pub fn broadcast_to(&self, shape: &[usize]) -> Array {
        or_panic(self.try_broadcast_to(shape))
    }

    /// `broadcast_to` returning an error instead of panicking.
    pub fn try_broadcast_to(&self, shape: &[usize]) -> Result<Array> {
        apply(Op::BroadcastTo(Shape::new(shape)), &[self])
    }

    /// The elements as a 1-d array, row-major.
    pub fn flatten(&self) -> Array {
        or_panic(apply(Op::Reshape(Shape::new(&[self.size()])), &[self]))
    }
}

/// Resolves a requested shape with at most one `-1` against the size of `from`.
fn resolve_shape(from: &Shape, shape: &[isize]) -> Result<Shape> {
    let err = || Error::invalid("reshape", format!("cannot reshape {from} into {shape:?}"));
    let unknown: Vec<usize> = (0..shape.len()).filter(|&i| shape[i] == -1).collect();
    if unknown.len() > 1 || shape.iter().any(|&d| d < -1) {
        return Err(Error::invalid(
            "reshape",
            format!("{shape:?} may hold one -1 and otherwise non-negative extents"),
        ));
    }
    // Checked: a product that wrapped around could match `from`'s size.
    let known = shape
        .iter()
        .filter(|&&d| d >= 0)
        .try_fold(1usize, |n, &d| n.checked_mul(d as usize))
        .ok_or_else(err)?;
    let mut dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(&i) = unknown.first() {
        if known == 0 || !from.size().is_multiple_of(known) {
            return Err(err());
        }
        dims[i] = from.size() / known;
    }
    let dims = Shape::from(dims);
    if dims.checked_size() != Some(from.size()) {
        return Err(err());
    }
    Ok(dims)
}

/// `x` with another shape (see [`Array::reshape`]).
pub fn reshape(x: impl Operand, shape: &[isize]) -> Array {
    array_of(x).reshape(shape)
}

/// `x` with its axes reversed.
pub fn transpose(x: impl Operand) -> Array {
    array_of(x).transpose()
}

/// `x` with an axis of extent 1 inserted at `axis`.
pub fn expand_dims(x: impl Operand, axis: isize) -> Array {
    array_of(x).expand_dims(axis)
}

/// `x` without its axes of extent 1.
pub fn squeeze(x: impl Operand) -> Array {
    array_of(x).squeeze()
}

/// `x` broadcast to `shape`.
pub fn broadcast_to(x: impl Operand, shape: &[usize]) -> Array {
    array_of(x).broadcast_to(shape)
}

/// The elements of `x` as a 1-d array.
pub fn flatten(x: impl Operand) -> Array {
    array_of(x).flatten()
}

/// Joins `arrays` along an existing `axis`; their dtypes promote to one.
/// The operands are `&Array`s, `&Variable`s or anything else an operation
/// accepts, one type per slice (to join an array with a Variable, pass
/// `&[a.clone(), v.value()]`).
///
/// ```
/// use heron_core as hn;
/// use heron_core::Variable;
///
/// let v = Variable::new(hn::array(&[1.0f32, 2.0]));
/// let w = Variable::new(hn::array(&[3.0f32]));
/// assert_eq!(hn::concatenate(&[&v, &w], 0).to_vec::<f32>(), vec![1.0, 2.0, 3.0]);
/// let a = hn::array(&[0.5f32]);
/// assert_eq!(hn::concatenate(&[&a, &a], 0).shape(), &[2]);
/// ```
pub fn concatenate<A: Operand + Clone>(arrays: &[A], axis: isize) -> Array {
    or_panic(try_concatenate(arrays, axis))
}

/// `concatenate` returning an error instead of panicking.
pub fn try_concatenate<A: Operand + Clone>(arrays: &[A], axis: isize) -> Result<Array> {
    let operands: Vec<OperandValue> = arrays.iter().map(|a| a.clone().into_operand()).collect();
    concatenate_values(&operands, axis)
}

fn concatenate_values(operands: &[OperandValue], axis: isize) -> Result<Array> {
    let refs: Vec<&OperandValue> = operands.iter().collect();
    let dtype = result_dtype(&refs);
    let arrays: Vec<Array> = operands
        .iter()
        .map(|o| o.to_array(dtype))
        .collect::<Result<_>>()?;
    let Some(first) = arrays.first() else {
        return Err(Error::invalid("concatenate", "needs at least one array"));
    };
    if first.ndim() == 0 {
        return Err(Error::invalid(
            "concatenate",
            "zero-dimensional arrays cannot be concatenated",
        ));
    }
    let axis = axis_of("concatenate", first, axis)?;
    let refs: Vec<&Array> = arrays.iter().collect();
    apply(Op::Concat { axis }, &refs)
}

/// Joins `arrays` (all of one shape) along a new `axis`; dtypes promote to
/// one. The operands are as for [`concatenate`].
pub fn stack<A: Operand + Clone>(arrays: &[A], axis: isize) -> Array {
    or_panic(try_stack(arrays, axis))
}

/// `stack` returning an error instead of panicking.
pub fn try_stack<A: Operand + Clone>(arrays: &[A], axis: isize) -> Result<Array> {
    let operands: Vec<OperandValue> = arrays.iter().map(|a| a.clone().into_operand()).collect();
    let refs: Vec<&OperandValue> = operands.iter().collect();
    let dtype = result_dtype(&refs);
    let arrays: Vec<Array> = operands
        .iter()
        .map(|o| o.to_array(dtype))
        .collect::<Result<_>>()?;
    let Some(first) = arrays.first() else {
        return Err(Error::invalid("stack", "needs at least one array"));
    };
    if let Some(other) = arrays.iter().find(|a| a.shape() != first.shape()) {
        return Err(Error::invalid(
            "stack",
            format!(
                "all arrays must have one shape, got {} and {}",
                first.shape_ref(),
                other.shape_ref()
            ),
        ));
    }
    let at = normalize_axis(axis, first.ndim() + 1).ok_or_else(|| {
        Error::invalid(
            "stack",
            format!(
                "axis {axis} is out of bounds for stacking shape {}",
                first.shape_ref()
            ),
        )
    })?;
    let expanded: Vec<OperandValue> = arrays
        .iter()
        .map(|a| a.try_expand_dims(at as isize).map(OperandValue::Array))
        .collect::<Result<_>>()?;
    concatenate_values(&expanded, at as isize)
}
