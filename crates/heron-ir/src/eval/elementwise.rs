//! Element-wise ops: unary, binary (with NumPy broadcasting), `where` and
//! `astype`. Each op dispatches on the dtype once, then runs a typed loop.

use super::elem::{Bits, Elem, with_elem};
use super::num::{Float, Num};
use super::strided::{broadcast_strides, for_each_offset};
use crate::{BinaryOp, Buffer, DType, Error, Result, Shape, UnaryOp, Value};

/// `f` applied to every element of `x`.
fn map<T: Elem, U: Elem>(x: &Value, f: impl Fn(T) -> U) -> Value {
    let src = x.as_slice::<T>();
    let mut buf = Buffer::zeroed(U::DTYPE, src.len());
    for (o, &v) in buf.as_mut_slice::<U>().iter_mut().zip(src) {
        *o = f(v);
    }
    Value::new(x.shape.clone(), buf)
}

/// `f` applied to the elements of `a` and `b` broadcast together to `shape`.
fn zip<T: Elem, U: Elem>(a: &Value, b: &Value, shape: &Shape, f: impl Fn(T, T) -> U) -> Value {
    let (sa, sb) = (a.as_slice::<T>(), b.as_slice::<T>());
    let mut buf = Buffer::zeroed(U::DTYPE, shape.size());
    let out = buf.as_mut_slice::<U>();
    if a.shape == *shape && b.shape == *shape {
        for ((o, &x), &y) in out.iter_mut().zip(sa).zip(sb) {
            *o = f(x, y);
        }
    } else if a.shape == *shape && sb.len() == 1 {
        let y = sb[0];
        for (o, &x) in out.iter_mut().zip(sa) {
            *o = f(x, y);
        }
    } else if b.shape == *shape && sa.len() == 1 {
        let x = sa[0];
        for (o, &y) in out.iter_mut().zip(sb) {
            *o = f(x, y);
        }
    } else {
        let (ta, tb) = (
            broadcast_strides(&a.shape, shape),
            broadcast_strides(&b.shape, shape),
        );
        let mut i = 0;
        for_each_offset(shape, [&ta, &tb], [0, 0], |[ia, ib]| {
            out[i] = f(sa[ia], sb[ib]);
            i += 1;
        });
    }
    Value::new(shape.clone(), buf)
}

/// A unary op on `x` (dtype checked by `infer`).
pub(super) fn unary(op: UnaryOp, x: &Value) -> Result<Value> {
    match x.dtype() {
        DType::Bool => unary_bool(op, x),
        DType::I32 => unary_int::<i32>(op, x),
        DType::I64 => unary_int::<i64>(op, x),
        DType::U32 => unary_int::<u32>(op, x),
        DType::F32 => unary_float::<f32>(op, x),
        DType::F64 => unary_float::<f64>(op, x),
    }
}

fn unary_bool(op: UnaryOp, x: &Value) -> Result<Value> {
    use UnaryOp::*;
    Ok(match op {
        Not => map(x, |v: bool| !v),
        Floor | Ceil | Round | Trunc => x.clone(),
        IsNan | IsInf => map(x, |_: bool| false),
        IsFinite => map(x, |_: bool| true),
        _ => return Err(Error::dtype(op.name(), DType::Bool)),
    })
}

/// The unary ops every number has.
fn unary_num<T: Num>(op: UnaryOp, x: &Value) -> Result<Value> {
    use UnaryOp::*;
    Ok(match op {
        Neg => map(x, T::neg),
        Abs => map(x, T::abs),
        Sign => map(x, T::sign),
        Floor => map(x, T::floor),
        Ceil => map(x, T::ceil),
        Round => map(x, T::round),
        Trunc => map(x, T::trunc),
        Square => map(x, |v: T| v.mul(v)),
        IsNan => map(x, T::is_nan),
        IsInf => map(x, T::is_inf),
        IsFinite => map(x, |v: T| !v.is_nan() && !v.is_inf()),
        _ => return Err(Error::dtype(op.name(), T::DTYPE)),
    })
}

fn unary_int<T: Num + Bits>(op: UnaryOp, x: &Value) -> Result<Value> {
    match op {
        UnaryOp::Not => Ok(map(x, |v: T| !v)),
        _ => unary_num::<T>(op, x),
    }
}

fn unary_float<T: Float>(op: UnaryOp, x: &Value) -> Result<Value> {
    use UnaryOp::*;
    Ok(match op {
        Sqrt => map(x, T::sqrt),
        Rsqrt => map(x, T::rsqrt),
        Exp => map(x, T::exp),
        Exp2 => map(x, T::exp2),
        Expm1 => map(x, T::expm1),
        Log => map(x, T::log),
        Log2 => map(x, T::log2),
        Log10 => map(x, T::log10),
        Log1p => map(x, T::log1p),
        Sin => map(x, T::sin),
        Cos => map(x, T::cos),
        Tan => map(x, T::tan),
        Tanh => map(x, T::tanh),
        Sinh => map(x, T::sinh),
        Cosh => map(x, T::cosh),
        Arcsin => map(x, T::arcsin),
        Arccos => map(x, T::arccos),
        Arctan => map(x, T::arctan),
        Arcsinh => map(x, T::arcsinh),
        Arccosh => map(x, T::arccosh),
        Arctanh => map(x, T::arctanh),
        Erf => map(x, T::erf),
        Sigmoid => map(x, T::sigmoid),
        Reciprocal => map(x, T::reciprocal),
        _ => return unary_num::<T>(op, x),
    })
}

/// A binary op on `a` and `b` (same dtype, checked by `infer`), broadcast to `shape`.
pub(super) fn binary(op: BinaryOp, a: &Value, b: &Value, shape: &Shape) -> Result<Value> {
    if op.is_comparison() {
        return with_elem!(a.dtype(), T => compare::<T>(op, a, b, shape));
    }
    match a.dtype() {
        DType::Bool => binary_bool(op, a, b, shape),
        DType::I32 => binary_int::<i32>(op, a, b, shape),
        DType::I64 => binary_int::<i64>(op, a, b, shape),
        DType::U32 => binary_int::<u32>(op, a, b, shape),
        DType::F32 => binary_float::<f32>(op, a, b, shape),
        DType::F64 => binary_float::<f64>(op, a, b, shape),
    }
}

fn compare<T: Elem>(op: BinaryOp, a: &Value, b: &Value, shape: &Shape) -> Result<Value> {
    use BinaryOp::*;
    Ok(match op {
        Eq => zip(a, b, shape, |x: T, y: T| x == y),
        Ne => zip(a, b, shape, |x: T, y: T| x != y),
        Lt => zip(a, b, shape, |x: T, y: T| x < y),
        Le => zip(a, b, shape, |x: T, y: T| x <= y),
        Gt => zip(a, b, shape, |x: T, y: T| x > y),
        Ge => zip(a, b, shape, |x: T, y: T| x >= y),
        _ => return Err(Error::dtype(op.name(), T::DTYPE)),
    })
}

/// The logical ops shared by bool and the integers.
fn binary_bits<T: Bits>(op: BinaryOp, a: &Value, b: &Value, shape: &Shape) -> Option<Value> {
    Some(match op {
        BinaryOp::And => zip(a, b, shape, |x: T, y: T| x & y),
        BinaryOp::Or => zip(a, b, shape, |x: T, y: T| x | y),
        BinaryOp::Xor => zip(a, b, shape, |x: T, y: T| x ^ y),
        _ => return None,
    })
}

fn binary_bool(op: BinaryOp, a: &Value, b: &Value, shape: &Shape) -> Result<Value> {
    match op {
        BinaryOp::Max => Ok(zip(a, b, shape, bool::max_nan)),
        BinaryOp::Min => Ok(zip(a, b, shape, bool::min_nan)),
        _ => {
            binary_bits::<bool>(op, a, b, shape).ok_or_else(|| Error::dtype(op.name(), DType::Bool))
        }
    }
}

/// The arithmetic every number has.
fn binary_num<T: Num>(op: BinaryOp, a: &Value, b: &Value, shape: &Shape) -> Result<Value> {
    use BinaryOp::*;
    Ok(match op {
        Add => zip(a, b, shape, T::add),
        Sub => zip(a, b, shape, T::sub),
        Mul => zip(a, b, shape, T::mul),
        Div => zip(a, b, shape, T::div),
        Rem => zip(a, b, shape, T::rem),
        Pow => zip(a, b, shape, T::pow),
        Max => zip(a, b, shape, T::max_nan),
        Min => zip(a, b, shape, T::min_nan),
        _ => return Err(Error::dtype(op.name(), T::DTYPE)),
    })
}

fn binary_int<T: Num + Bits>(op: BinaryOp, a: &Value, b: &Value, shape: &Shape) -> Result<Value> {
    match binary_bits::<T>(op, a, b, shape) {
        Some(v) => Ok(v),
        None => binary_num::<T>(op, a, b, shape),
    }
}

fn binary_float<T: Float>(op: BinaryOp, a: &Value, b: &Value, shape: &Shape) -> Result<Value> {
    match op {
        BinaryOp::Atan2 => Ok(zip(a, b, shape, T::atan2)),
        BinaryOp::Hypot => Ok(zip(a, b, shape, T::hypot)),
        BinaryOp::Logaddexp => Ok(zip(a, b, shape, T::logaddexp)),
        _ => binary_num::<T>(op, a, b, shape),
    }
}

/// `where(cond, a, b)` broadcast to `shape`.
pub(super) fn select(cond: &Value, a: &Value, b: &Value, shape: &Shape) -> Result<Value> {
    if cond.dtype() != DType::Bool {
        return Err(Error::invalid(
            "where",
            format!("condition must be bool, not {}", cond.dtype()),
        ));
    }
    Ok(with_elem!(a.dtype(), T => select_typed::<T>(cond, a, b, shape)))
}

fn select_typed<T: Elem>(cond: &Value, a: &Value, b: &Value, shape: &Shape) -> Value {
    let (sc, sa, sb) = (
        cond.as_slice::<bool>(),
        a.as_slice::<T>(),
        b.as_slice::<T>(),
    );
    let mut buf = Buffer::zeroed(T::DTYPE, shape.size());
    let out = buf.as_mut_slice::<T>();
    if cond.shape == *shape && a.shape == *shape && b.shape == *shape {
        for (((o, &c), &x), &y) in out.iter_mut().zip(sc).zip(sa).zip(sb) {
            *o = if c { x } else { y };
        }
    } else {
        let tc = broadcast_strides(&cond.shape, shape);
        let ta = broadcast_strides(&a.shape, shape);
        let tb = broadcast_strides(&b.shape, shape);
        let mut i = 0;
        for_each_offset(shape, [&tc, &ta, &tb], [0, 0, 0], |[ic, ia, ib]| {
            out[i] = if sc[ic] { sa[ia] } else { sb[ib] };
            i += 1;
        });
    }
    Value::new(shape.clone(), buf)
}

/// `x.astype(to)`: float → int truncates (NaN → 0, saturating), → bool is
/// `!= 0`, int → int wraps.
pub(super) fn cast(x: &Value, to: DType) -> Value {
    if x.dtype() == to {
        return x.clone();
    }
    with_elem!(x.dtype(), T => with_elem!(to, U => map(x, |v: T| v.cast::<U>())))
}
