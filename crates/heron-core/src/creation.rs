//! Creating concrete arrays from Rust data: `array` (nested arrays, slices and
//! vectors of any depth), `scalar`, `zeros`, `ones`, `full`, `arange`,
//! `arange_i`, `linspace`, `eye` and the `_like` variants. The default
//! float type is f32 and the default integer type i32, as in JAX.

use crate::array::{Array, or_panic};
use crate::ops::{Operand, WeakScalar, array_of};
use heron_ir::{Buffer, DType, Element, Error, Result, Scalar, Shape, Value};

/// Nested Rust data an array can be built from: an element (`bool, i32, i64,
/// u32, f32, f64`), or a fixed-size array, slice or `Vec` of nested data.
pub trait ArrayData {
    /// The element type at the bottom of the nesting.
    type Elem: Element;

    /// Appends the extents of this level and the levels below (as seen
    /// through the first entry of each level).
    fn dims(&self, out: &mut Vec<usize>);

    /// Appends the elements in row-major order, checking that this level's
    /// extents match `dims` (an error for ragged data).
    fn flatten_into(&self, dims: &[usize], out: &mut Vec<Self::Elem>) -> Result<()>;
}

macro_rules! element_data {
    ($($t:ty)*) => {$(
        impl ArrayData for $t {
            type Elem = $t;
            fn dims(&self, _: &mut Vec<usize>) {}
            fn flatten_into(&self, dims: &[usize], out: &mut Vec<$t>) -> Result<()> {
                if !dims.is_empty() {
                    return Err(ragged());
                }
                out.push(*self);
                Ok(())
            }
        }
    )*};
}

element_data!(bool i32 i64 u32 f32 f64);

fn ragged() -> Error {
    Error::invalid(
        "array",
        "nested data is ragged (its rows differ in length or depth)",
    )
}

impl<U: ArrayData> ArrayData for [U] {
    type Elem = U::Elem;
    fn dims(&self, out: &mut Vec<usize>) {
        out.push(self.len());
        if let Some(first) = self.first() {
            first.dims(out);
        }
    }
    fn flatten_into(&self, dims: &[usize], out: &mut Vec<U::Elem>) -> Result<()> {
        match dims.split_first() {
            Some((&n, rest)) if n == self.len() => {
                self.iter().try_for_each(|x| x.flatten_into(rest, out))
            }
            _ => Err(ragged()),
        }
    }
}

impl<U: ArrayData, const N: usize> ArrayData for [U; N] {
    type Elem = U::Elem;
    fn dims(&self, out: &mut Vec<usize>) {
        self.as_slice().dims(out)
    }
    fn flatten_into(&self, dims: &[usize], out: &mut Vec<U::Elem>) -> Result<()> {
        self.as_slice().flatten_into(dims, out)
    }
}

impl<U: ArrayData> ArrayData for Vec<U> {
    type Elem = U::Elem;
    fn dims(&self, out: &mut Vec<usize>) {
        self.as_slice().dims(out)
    }
    fn flatten_into(&self, dims: &[usize], out: &mut Vec<U::Elem>) -> Result<()> {
        self.as_slice().flatten_into(dims, out)
    }
}

impl<U: ArrayData + ?Sized> ArrayData for &U {
    type Elem = U::Elem;
    fn dims(&self, out: &mut Vec<usize>) {
        (**self).dims(out)
    }
    fn flatten_into(&self, dims: &[usize], out: &mut Vec<U::Elem>) -> Result<()> {
        (**self).flatten_into(dims, out)
    }
}

/// An array from nested Rust data: `array(&[[0, 1, 2], [3, 4, 5]])` is an
/// i32 array of shape [2, 3]; the dtype comes from the element type.
/// Panics on ragged data.
pub fn array<D: ArrayData + ?Sized>(data: &D) -> Array {
    or_panic(try_array(data))
}

/// `array` returning an error (for ragged data) instead of panicking.
pub fn try_array<D: ArrayData + ?Sized>(data: &D) -> Result<Array> {
    let mut dims = Vec::new();
    data.dims(&mut dims);
    let mut flat = Vec::with_capacity(dims.iter().product());
    data.flatten_into(&dims, &mut flat)?;
    Ok(Array::from_value(Value::from_slice(
        Shape::from(dims),
        &flat,
    )))
}

/// A 0-d array holding `x`, of `x`'s dtype.
pub fn scalar<T: Element>(x: T) -> Array {
    Array::from_value(Value::scalar(x.to_scalar()))
}

/// An array of `shape` filled with `value` cast to `dtype`. Panics when the
/// array is too large to address or allocate (see [`try_full`]).
pub fn full(shape: &[usize], value: impl WeakScalar, dtype: DType) -> Array {
    or_panic(try_full(shape, value, dtype))
}

/// `full`, returning an error naming the op and the shape when the array is
/// too large to address or its memory cannot be had.
pub fn try_full(shape: &[usize], value: impl WeakScalar, dtype: DType) -> Result<Array> {
    filled("full", shape, dtype, value.to_scalar())
}

/// An array of zeros. Panics when it is too large (see [`try_zeros`]).
pub fn zeros(shape: &[usize], dtype: DType) -> Array {
    or_panic(try_zeros(shape, dtype))
}

/// `zeros`, returning an error when the array is too large.
pub fn try_zeros(shape: &[usize], dtype: DType) -> Result<Array> {
    let shape = Shape::new(shape);
    let n = shape.try_len("zeros", dtype)?;
    let buf = Buffer::try_zeroed(dtype, n)
        .map_err(|e| Error::invalid("zeros", format!("shape {shape}: {e}")))?;
    Ok(Array::from_value(Value::new(shape, buf)))
}

/// An array of ones. Panics when it is too large (see [`try_ones`]).
pub fn ones(shape: &[usize], dtype: DType) -> Array {
    or_panic(try_ones(shape, dtype))
}

/// `ones`, returning an error when the array is too large.
pub fn try_ones(shape: &[usize], dtype: DType) -> Result<Array> {
    filled("ones", shape, dtype, Scalar::one(dtype))
}

/// An array of `shape` holding `value` (cast to `dtype`), built by `op`.
fn filled(op: &str, shape: &[usize], dtype: DType, value: Scalar) -> Result<Array> {
    Value::try_full(op, Shape::new(shape), dtype, value).map(Array::from_value)
}

/// Zeros of the shape and dtype of `like` (an array, possibly traced, or a
/// `&Variable`).
pub fn zeros_like(like: impl Operand) -> Array {
    let like = array_of(like);
    zeros(like.shape(), like.dtype())
}

/// Ones of the shape and dtype of `like` (an array, possibly traced, or a
/// `&Variable`).
pub fn ones_like(like: impl Operand) -> Array {
    let like = array_of(like);
    ones(like.shape(), like.dtype())
}

/// `value` in the shape and dtype of `like` (an array, possibly traced, or
/// a `&Variable`).
pub fn full_like(like: impl Operand, value: impl WeakScalar) -> Array {
    let like = array_of(like);
    full(like.shape(), value, like.dtype())
}

fn arange_len(op: &str, start: f64, stop: f64, step: f64) -> Result<usize> {
    if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
        return Err(Error::invalid(
            op,
            format!("needs finite bounds and a non-zero step, got ({start}, {stop}, {step})"),
        ));
    }
    let n = ((stop - start) / step).ceil().max(0.0);
    // `as` saturates: a count past what fits is caught by the size check.
    let n = n as usize;
    Shape::new(&[n]).try_len(op, DType::F32)
}

/// `[start, start + step, ...]` up to `stop` (excluded), as f32.
/// Panics when `step` is zero.
pub fn arange(start: f64, stop: f64, step: f64) -> Array {
    or_panic(try_arange(start, stop, step))
}

/// `arange` returning an error instead of panicking.
pub fn try_arange(start: f64, stop: f64, step: f64) -> Result<Array> {
    let n = arange_len("arange", start, stop, step)?;
    let data: Vec<f32> = (0..n).map(|i| (start + i as f64 * step) as f32).collect();
    Ok(Array::from_vec(data, &[n]))
}

/// `[start, start + step, ...]` up to `stop` (excluded), as i32.
/// Panics when `step` is zero.
pub fn arange_i(start: i32, stop: i32, step: i32) -> Array {
    assert!(step != 0, "arange_i: step cannot be zero");
    let (start, stop, step) = (start as i64, stop as i64, step as i64);
    let n = if step > 0 {
        (stop - start + step - 1).div_euclid(step).max(0)
    } else {
        (start - stop - step - 1).div_euclid(-step).max(0)
    };
    let data: Vec<i32> = (0..n).map(|i| (start + i * step) as i32).collect();
    Array::from_vec(data, &[n as usize])
}

/// `num` evenly spaced f32 values from `start` to `stop`, both included.
/// Panics when `num` values are too many to allocate.
pub fn linspace(start: f64, stop: f64, num: usize) -> Array {
    or_panic(Shape::new(&[num]).try_len("linspace", DType::F32));
    let data: Vec<f32> = match num {
        0 => Vec::new(),
        1 => vec![start as f32],
        _ => {
            let step = (stop - start) / (num - 1) as f64;
            (0..num)
                .map(|i| if i == num - 1 { stop } else { start + i as f64 * step } as f32)
                .collect()
        }
    };
    Array::from_vec(data, &[num])
}

/// The `n × n` identity matrix. Panics when it is too large to allocate.
pub fn eye(n: usize, dtype: DType) -> Array {
    let mut buf = or_panic(Shape::new(&[n, n]).try_len("eye", dtype).and_then(|len| {
        Buffer::try_zeroed(dtype, len)
            .map_err(|e| Error::invalid("eye", format!("shape [{n}, {n}]: {e}")))
    }));
    for i in 0..n {
        buf.set(i * n + i, Scalar::one(dtype));
    }
    Array::from_value(Value::new(Shape::new(&[n, n]), buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_data_gives_shape_and_dtype() {
        let a = array(&[[0, 1, 2], [3, 4, 5]]);
        assert_eq!((a.shape(), a.dtype()), (&[2, 3][..], DType::I32));
        assert_eq!(a.to_vec::<i32>(), vec![0, 1, 2, 3, 4, 5]);
        let b = array(&[1.5f32, 2.5]);
        assert_eq!((b.shape(), b.dtype()), (&[2][..], DType::F32));
        let c = array(&vec![vec![true], vec![false]]);
        assert_eq!((c.shape(), c.dtype()), (&[2, 1][..], DType::Bool));
        let d = array(&[[[1.0f64]]]);
        assert_eq!(d.shape(), &[1, 1, 1]);
        let e = array(&Vec::<f32>::new());
        assert_eq!(e.shape(), &[0]);
        let s = array(&7i64);
        assert_eq!((s.shape(), s.item::<i64>()), (&[][..], 7));
        let err = try_array(&vec![vec![1, 2], vec![3]]).err().unwrap();
        assert_eq!(
            err.to_string(),
            "array: nested data is ragged (its rows differ in length or depth)"
        );
    }

    #[test]
    fn ranges_match_numpy() {
        assert_eq!(
            arange(0.0, 5.0, 1.0).to_vec::<f32>(),
            vec![0.0, 1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(
            arange(0.0, 1.0, 0.25).to_vec::<f32>(),
            vec![0.0, 0.25, 0.5, 0.75]
        );
        assert_eq!(arange(3.0, 0.0, -1.5).to_vec::<f32>(), vec![3.0, 1.5]);
        assert_eq!(arange(1.0, 0.0, 1.0).size(), 0);
        assert!(try_arange(0.0, 1.0, 0.0).is_err());
        assert_eq!(arange_i(0, 10, 3).to_vec::<i32>(), vec![0, 3, 6, 9]);
        assert_eq!(arange_i(5, 0, -2).to_vec::<i32>(), vec![5, 3, 1]);
        assert_eq!(arange_i(0, -3, 1).size(), 0);
        assert_eq!(
            linspace(0.0, 1.0, 5).to_vec::<f32>(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(linspace(2.0, 3.0, 1).to_vec::<f32>(), vec![2.0]);
        assert_eq!(linspace(2.0, 3.0, 0).size(), 0);
    }

    #[test]
    fn filled_arrays() {
        assert_eq!(eye(2, DType::I32).to_vec::<i32>(), vec![1, 0, 0, 1]);
        assert_eq!(full(&[2], 7.0, DType::F64).to_vec::<f64>(), vec![7.0, 7.0]);
        assert_eq!(full(&[1], 2.9, DType::I32).to_vec::<i32>(), vec![2]);
        assert_eq!(ones(&[2], DType::Bool).to_vec::<bool>(), vec![true, true]);
        assert_eq!(zeros(&[0, 3], DType::F32).shape(), &[0, 3]);
        let z = zeros_like(&array(&[[1u32, 2]]));
        assert_eq!((z.shape(), z.dtype()), (&[1, 2][..], DType::U32));
        assert_eq!(scalar(3.0f32).ndim(), 0);
    }
}
