//! `Array`: heron's n-dimensional array, either concrete (a shared buffer) or
//! traced (a node of the graph being recorded by `jit`).
//!
//! Every operation goes through [`apply`]: with only concrete operands it runs
//! eagerly through the reference interpreter (`heron_ir::eval_op`); with a
//! traced operand it records a node in the current trace instead. Static data
//! therefore folds at trace time without a separate pass.

use crate::trace;
use heron_ir::{DType, Element, Error, NodeId, Op, Result, Scalar, Shape, Value};
use smallvec::SmallVec;

/// Identifies one trace (one recording of a function by `jit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceId(pub(crate) u64);

/// A node of the graph being recorded, with its type.
#[derive(Clone, Debug)]
pub(crate) struct Tracer {
    pub(crate) trace: TraceId,
    pub(crate) node: NodeId,
    pub(crate) shape: Shape,
    pub(crate) dtype: DType,
}

#[derive(Clone, Debug)]
pub(crate) enum Repr {
    Concrete(Value),
    Traced(Tracer),
}

/// An n-dimensional array of one dtype, row-major. Cheap to clone (the buffer
/// is shared); `set` and compound assignment copy a shared buffer first.
#[derive(Clone)]
pub struct Array {
    pub(crate) repr: Repr,
}

impl Array {
    /// Wraps a concrete value.
    pub fn from_value(value: Value) -> Array {
        Array {
            repr: Repr::Concrete(value),
        }
    }

    pub(crate) fn from_tracer(tracer: Tracer) -> Array {
        Array {
            repr: Repr::Traced(tracer),
        }
    }

    /// An array of `shape` holding `data` (row-major); the dtype comes from `T`.
    /// Panics when the length does not match the shape.
    pub fn from_vec<T: Element>(data: Vec<T>, shape: &[usize]) -> Array {
        Array::try_from_vec(data, shape).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `from_vec` returning an error instead of panicking.
    pub fn try_from_vec<T: Element>(data: Vec<T>, shape: &[usize]) -> Result<Array> {
        let shape = Shape::new(shape);
        if shape.size() != data.len() {
            return Err(Error::invalid(
                "from_vec",
                format!("{} elements do not fill shape {shape}", data.len()),
            ));
        }
        Ok(Array::from_value(Value::from_slice(shape, &data)))
    }

    /// The extents of each axis.
    pub fn shape(&self) -> &[usize] {
        self.shape_ref()
    }

    pub(crate) fn shape_ref(&self) -> &Shape {
        match &self.repr {
            Repr::Concrete(v) => v.shape(),
            Repr::Traced(t) => &t.shape,
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match &self.repr {
            Repr::Concrete(v) => v.dtype(),
            Repr::Traced(t) => t.dtype,
        }
    }

    /// True when this array is a node of a graph being traced (inside `jit`).
    pub fn is_traced(&self) -> bool {
        matches!(self.repr, Repr::Traced(_))
    }

    /// The concrete value, or an error naming `op` when the array is traced
    /// (its value is not known until the compiled function runs).
    pub fn try_value(&self, op: &str) -> Result<&Value> {
        match &self.repr {
            Repr::Concrete(v) => Ok(v),
            Repr::Traced(t) => Err(Error::Trace(format!(
                "{op}: the value of a traced {}{} is not known while tracing; \
                 use array operations (or hn::cond / hn::where_) instead of reading it",
                t.dtype, t.shape
            ))),
        }
    }

    /// The concrete value; panics on a traced array.
    pub fn value(&self) -> &Value {
        self.try_value("value").unwrap_or_else(|e| panic!("{e}"))
    }
}

crate::ops::receiver::array_methods! {
    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// Number of elements.
    pub fn size(&self) -> usize {
        self.shape_ref().size()
    }

    /// The elements in row-major order. Panics if `T` does not match the dtype
    /// or the array is traced.
    pub fn to_vec<T: Element>(&self) -> Vec<T> {
        let v = self.try_value("to_vec").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            T::DTYPE == v.dtype(),
            "to_vec: the array holds {} elements, not {}",
            v.dtype(),
            T::DTYPE
        );
        v.as_slice::<T>().to_vec()
    }

    /// The one element of a size-1 array. Panics otherwise, if `T` does not
    /// match the dtype, or if the array is traced.
    pub fn item<T: Element>(&self) -> T {
        let v = self.try_value("item").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            v.shape().size() == 1,
            "item: can only convert an array of size 1, not shape {}",
            v.shape()
        );
        assert!(
            T::DTYPE == v.dtype(),
            "item: the array holds {} elements, not {}",
            v.dtype(),
            T::DTYPE
        );
        v.as_slice::<T>()[0]
    }

    /// The element at a flat (row-major) index as a `Scalar`.
    pub fn get_flat(&self, index: usize) -> Scalar {
        self.value().buf().get(index)
    }
}

/// Applies `op` to `inputs`: eagerly through the interpreter when every
/// operand is concrete, by recording a node in the current trace otherwise.
pub fn apply(op: Op, inputs: &[&Array]) -> Result<Array> {
    // A reshape to the operand's own shape is the identity; never recorded,
    // so that a recorded one can mark `stop_gradient`.
    if let (Op::Reshape(s), [x]) = (&op, inputs)
        && s == x.shape_ref()
    {
        return Ok((*x).clone());
    }
    if inputs.iter().any(|a| a.is_traced()) {
        return trace::record(op, inputs);
    }
    let values: SmallVec<[&Value; 4]> = inputs
        .iter()
        .map(|a| match &a.repr {
            Repr::Concrete(v) => v,
            Repr::Traced(_) => unreachable!("checked above"),
        })
        .collect();
    let types: SmallVec<[(&Shape, DType); 4]> =
        values.iter().map(|v| (v.shape(), v.dtype())).collect();
    let (shape, dtype) = heron_ir::infer(&op, &types)?;
    let value = heron_ir::eval_op(&op, &values, &shape, dtype)?;
    Ok(Array::from_value(value))
}

/// Unwraps a result of an array operation, panicking with its message.
pub(crate) fn or_panic<T>(r: Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}
