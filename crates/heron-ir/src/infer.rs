//! Abstract evaluation: the shape and dtype rule of every op, checked when a
//! node is recorded so that bad input fails where the user wrote it.

use crate::{BinaryOp, DType, Error, Op, ReduceOp, Result, Shape, UnaryOp};

/// The result type of `op` applied to operands of the given types, or an error
/// naming the op and the offending shapes or dtypes. A result too large to
/// address is an error here, so every shape in a graph or eager result has
/// an element count and byte size that fit (`Shape::try_len`).
pub fn infer(op: &Op, inputs: &[(&Shape, DType)]) -> Result<(Shape, DType)> {
    let (shape, dtype) = result_type(op, inputs)?;
    if shape.addressable_len(dtype).is_none() {
        return Err(shape.try_len(op.name(), dtype).unwrap_err());
    }
    Ok((shape, dtype))
}

/// `infer`'s rule for each op, before the size check.
fn result_type(op: &Op, inputs: &[(&Shape, DType)]) -> Result<(Shape, DType)> {
    let arity = |n: usize| -> Result<()> {
        if inputs.len() == n {
            Ok(())
        } else {
            Err(Error::invalid(
                op.name(),
                format!("expects {n} operands, got {}", inputs.len()),
            ))
        }
    };
    match op {
        Op::Param(_) | Op::Const(_) => Err(Error::invalid(
            op.name(),
            "leaves are created with Graph::param / Graph::constant",
        )),
        Op::Unary(u) => {
            arity(1)?;
            let (shape, dtype) = inputs[0];
            if u.float_only() && !dtype.is_float() {
                return Err(Error::dtype(u.name(), dtype));
            }
            if *u == UnaryOp::Not && dtype.is_float() {
                return Err(Error::dtype(u.name(), dtype));
            }
            if matches!(
                u,
                UnaryOp::Neg | UnaryOp::Sign | UnaryOp::Abs | UnaryOp::Square
            ) && dtype.is_bool()
            {
                return Err(Error::dtype(u.name(), dtype));
            }
            let out = if u.is_predicate() { DType::Bool } else { dtype };
            Ok((shape.clone(), out))
        }
        Op::Binary(b) => {
            arity(2)?;
            let (ls, ld) = inputs[0];
            let (rs, rd) = inputs[1];
            if ld != rd {
                return Err(Error::invalid(
                    b.name(),
                    format!("operand dtypes differ: {ld} and {rd} (promote first)"),
                ));
            }
            let shape = broadcast(b.name(), ls, rs)?;
            if b.is_bitwise() && ld.is_float() {
                return Err(Error::dtype(b.name(), ld));
            }
            if b.float_only() && !ld.is_float() {
                return Err(Error::dtype(b.name(), ld));
            }
            if matches!(
                b,
                BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Rem
                    | BinaryOp::Pow
            ) && ld.is_bool()
            {
                return Err(Error::dtype(b.name(), ld));
            }
            let dtype = if b.is_comparison() { DType::Bool } else { ld };
            Ok((shape, dtype))
        }
        Op::Select => {
            arity(3)?;
            let (cs, cd) = inputs[0];
            let (xs, xd) = inputs[1];
            let (ys, yd) = inputs[2];
            if cd != DType::Bool {
                return Err(Error::invalid(
                    "where",
                    format!("condition must be bool, not {cd}"),
                ));
            }
            if xd != yd {
                return Err(Error::invalid(
                    "where",
                    format!("branch dtypes differ: {xd} and {yd} (promote first)"),
                ));
            }
            let xy = broadcast("where", xs, ys)?;
            Ok((broadcast("where", cs, &xy)?, xd))
        }
        Op::Cast(to) => {
            arity(1)?;
            Ok((inputs[0].0.clone(), *to))
        }
        Op::BroadcastTo(target) => {
            arity(1)?;
            if !inputs[0].0.broadcasts_to(target) {
                return Err(Error::Broadcast {
                    op: "broadcast_to".into(),
                    lhs: inputs[0].0.clone(),
                    rhs: target.clone(),
                });
            }
            Ok((target.clone(), inputs[0].1))
        }
        Op::Reshape(target) => {
            arity(1)?;
            if Some(inputs[0].0.size()) != target.checked_size() {
                return Err(Error::invalid(
                    "reshape",
                    format!("cannot reshape {} into {target}", inputs[0].0),
                ));
            }
            Ok((target.clone(), inputs[0].1))
        }
        Op::Permute(perm) => {
            arity(1)?;
            let shape = inputs[0].0;
            let mut seen = vec![false; shape.rank()];
            let valid = perm.len() == shape.rank()
                && perm
                    .iter()
                    .all(|&p| p < seen.len() && !std::mem::replace(&mut seen[p], true));
            if !valid {
                return Err(Error::invalid(
                    "transpose",
                    format!("{perm:?} is not a permutation of the axes of {shape}"),
                ));
            }
            Ok((
                perm.iter().map(|&p| shape[p]).collect::<Vec<_>>().into(),
                inputs[0].1,
            ))
        }
        Op::Slice(spec) | Op::SetSlice(spec) => {
            let name = op.name();
            arity(if matches!(op, Op::Slice(_)) { 1 } else { 2 })?;
            let shape = inputs[0].0;
            if spec.len() != shape.rank() {
                return Err(Error::invalid(
                    name,
                    format!("{} axis slices for shape {shape}", spec.len()),
                ));
            }
            for (axis, (s, &n)) in spec.iter().zip(shape.iter()).enumerate() {
                let last = s.start as isize + (s.len as isize - 1) * s.step;
                let fits = s.len == 0 || (s.start < n && last >= 0 && (last as usize) < n);
                if s.step == 0 || !fits {
                    return Err(Error::invalid(
                        name,
                        format!(
                            "axis {axis} slice start {} len {} step {} is out of bounds for shape {shape}",
                            s.start, s.len, s.step
                        ),
                    ));
                }
            }
            let region: Shape = spec.iter().map(|s| s.len).collect::<Vec<_>>().into();
            if let Op::SetSlice(_) = op {
                if !inputs[1].0.broadcasts_to(&region) {
                    return Err(Error::Broadcast {
                        op: name.into(),
                        lhs: inputs[1].0.clone(),
                        rhs: region,
                    });
                }
                return Ok((shape.clone(), inputs[0].1));
            }
            Ok((region, inputs[0].1))
        }
        Op::Take { axis } => {
            arity(2)?;
            let (xs, xd) = inputs[0];
            let (is, id) = inputs[1];
            check_axis("take", *axis, xs)?;
            if !id.is_int() {
                return Err(Error::invalid(
                    "take",
                    format!("indices must be integers, not {id}"),
                ));
            }
            let mut dims: Vec<usize> = xs[..*axis].to_vec();
            dims.extend_from_slice(is);
            dims.extend_from_slice(&xs[axis + 1..]);
            Ok((dims.into(), xd))
        }
        Op::TakeAlongAxis { .. }
        | Op::Scatter { .. }
        | Op::SegmentSum { .. }
        | Op::DynamicSlice { .. }
        | Op::DynamicUpdateSlice => crate::indexed::rules::rule(op, inputs).expect("an indexed op"),
        Op::Concat { axis } => {
            if inputs.is_empty() {
                return Err(Error::invalid("concatenate", "needs at least one array"));
            }
            let (first, dtype) = inputs[0];
            check_axis("concatenate", *axis, first)?;
            let mut total = 0;
            for (s, d) in inputs {
                let same_rest = s.rank() == first.rank()
                    && (0..s.rank()).all(|a| a == *axis || s[a] == first[a]);
                if !same_rest {
                    return Err(Error::invalid(
                        "concatenate",
                        format!("shapes {first} and {s} differ outside axis {axis}"),
                    ));
                }
                if *d != dtype {
                    return Err(Error::invalid(
                        "concatenate",
                        format!("dtypes differ: {dtype} and {d} (promote first)"),
                    ));
                }
                total = usize::checked_add(total, s[*axis]).ok_or_else(|| {
                    Error::invalid("concatenate", "the result is too large to address")
                })?;
            }
            let mut dims = first.to_vec();
            dims[*axis] = total;
            Ok((dims.into(), dtype))
        }
        Op::Reduce { op: r, axes } => {
            arity(1)?;
            let (shape, dtype) = inputs[0];
            if axes.windows(2).any(|w| w[0] >= w[1]) || axes.iter().any(|&a| a >= shape.rank()) {
                return Err(Error::invalid(
                    r.name(),
                    format!("axes {axes:?} are not ascending axes of {shape}"),
                ));
            }
            if matches!(r, ReduceOp::Max | ReduceOp::Min) && axes.iter().any(|&a| shape[a] == 0) {
                return Err(Error::invalid(
                    r.name(),
                    format!("zero-size reduction over axes {axes:?} of {shape} has no identity"),
                ));
            }
            let dims: Vec<usize> = (0..shape.rank())
                .filter(|a| !axes.contains(a))
                .map(|a| shape[a])
                .collect();
            Ok((dims.into(), r.result_dtype(dtype)))
        }
        Op::ArgReduce { op: a, axis } => {
            arity(1)?;
            let shape = inputs[0].0;
            check_axis(a.name(), *axis, shape)?;
            if shape[*axis] == 0 {
                return Err(Error::invalid(
                    a.name(),
                    format!(
                        "attempt to get {} of an empty sequence (axis {axis} of {shape})",
                        a.name()
                    ),
                ));
            }
            let mut dims = shape.to_vec();
            dims.remove(*axis);
            Ok((dims.into(), DType::I32))
        }
        Op::Cumsum { axis } => {
            arity(1)?;
            let (shape, dtype) = inputs[0];
            check_axis("cumsum", *axis, shape)?;
            let out = if dtype.is_bool() { DType::I32 } else { dtype };
            Ok((shape.clone(), out))
        }
        Op::Sort { axis } | Op::Argsort { axis } => {
            arity(1)?;
            let (shape, dtype) = inputs[0];
            check_axis(op.name(), *axis, shape)?;
            let out = if matches!(op, Op::Argsort { .. }) {
                DType::I32
            } else {
                dtype
            };
            Ok((shape.clone(), out))
        }
        Op::CsrMatVec(m) | Op::CsrVecMat(m) | Op::CsrEventVecMat(m) => {
            arity(1)?;
            let (shape, dtype) = inputs[0];
            let (len, out, want) = match op {
                Op::CsrMatVec(_) => (m.n_cols(), m.n_rows(), DType::F32),
                Op::CsrVecMat(_) => (m.n_rows(), m.n_cols(), DType::F32),
                _ => (m.n_rows(), m.n_cols(), DType::Bool),
            };
            if dtype != want {
                return Err(Error::invalid(
                    op.name(),
                    format!("expects a {want} operand, got {dtype}"),
                ));
            }
            if shape.rank() != 1 || shape[0] != len {
                return Err(Error::invalid(
                    op.name(),
                    format!(
                        "the matrix is {}x{}: expects an operand of shape ({len},), got {shape}",
                        m.n_rows(),
                        m.n_cols()
                    ),
                ));
            }
            Ok((Shape::new(&[out]), DType::F32))
        }
        Op::MatMul => {
            arity(2)?;
            let (a, ad) = inputs[0];
            let (b, bd) = inputs[1];
            if ad != bd {
                return Err(Error::invalid(
                    "matmul",
                    format!("operand dtypes differ: {ad} and {bd} (promote first)"),
                ));
            }
            let dims = crate::matmul_dims::matmul_dims(a, b)?;
            Ok((dims.result_shape(), ad))
        }
        Op::Loop { .. } | Op::While { .. } | Op::Cond { .. } => {
            crate::control::infer_control(op, inputs)
        }
        Op::Project(k) => Err(Error::invalid(
            "get",
            format!("get[{k}] is typed by its control operand (Graph::add)"),
        )),
        Op::RandomBits { shape, dtype, .. } => {
            arity(1)?;
            let (ks, kd) = inputs[0];
            if kd != DType::U32 || ks[..] != [2] {
                return Err(Error::invalid(
                    "random_bits",
                    format!("key must be u32[2], got {kd}{ks}"),
                ));
            }
            if !matches!(dtype, DType::U32 | DType::I64) {
                return Err(Error::dtype("random_bits", *dtype));
            }
            Ok((shape.clone(), *dtype))
        }
    }
}

fn broadcast(op: &str, lhs: &Shape, rhs: &Shape) -> Result<Shape> {
    Shape::broadcast(lhs, rhs).ok_or_else(|| Error::Broadcast {
        op: op.into(),
        lhs: lhs.clone(),
        rhs: rhs.clone(),
    })
}

fn check_axis(op: &str, axis: usize, shape: &Shape) -> Result<()> {
    if axis < shape.rank() {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            format!("axis {axis} is out of bounds for shape {shape}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AxisSlice;

    fn ty(dims: &[usize]) -> Shape {
        Shape::new(dims)
    }

    #[test]
    fn binary_broadcasts_and_names_the_op_on_error() {
        let (a, b) = (ty(&[2, 3]), ty(&[4]));
        let err = infer(
            &Op::Binary(BinaryOp::Add),
            &[(&a, DType::F32), (&b, DType::F32)],
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "add: cannot broadcast [2, 3] with [4]");
        let c = ty(&[3]);
        let (s, d) = infer(
            &Op::Binary(BinaryOp::Lt),
            &[(&a, DType::I32), (&c, DType::I32)],
        )
        .unwrap();
        assert_eq!((s, d), (ty(&[2, 3]), DType::Bool));
    }

    #[test]
    fn slices_and_reductions() {
        let x = ty(&[5, 4]);
        let spec = [
            AxisSlice {
                start: 4,
                step: -2,
                len: 3,
            },
            AxisSlice {
                start: 1,
                step: 1,
                len: 2,
            },
        ];
        let (s, _) = infer(&Op::Slice(spec.into_iter().collect()), &[(&x, DType::F32)]).unwrap();
        assert_eq!(s, ty(&[3, 2]));
        let bad = [
            AxisSlice {
                start: 4,
                step: 1,
                len: 2,
            },
            AxisSlice {
                start: 0,
                step: 1,
                len: 4,
            },
        ];
        assert!(infer(&Op::Slice(bad.into_iter().collect()), &[(&x, DType::F32)]).is_err());
        let r = Op::Reduce {
            op: ReduceOp::Sum,
            axes: [1].into_iter().collect(),
        };
        assert_eq!(
            infer(&r, &[(&x, DType::Bool)]).unwrap(),
            (ty(&[5]), DType::I32)
        );
        let m = Op::Reduce {
            op: ReduceOp::Max,
            axes: [0].into_iter().collect(),
        };
        assert!(infer(&m, &[(&ty(&[0, 2]), DType::F32)]).is_err());
    }
}
