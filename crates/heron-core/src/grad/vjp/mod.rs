//! The vector-Jacobian product of every non-control op, one function per op
//! family, all next to each other.
//!
//! A rule takes the op, the primal values of its operands, its primal
//! result and the cotangent of that result, and returns one cotangent per
//! operand (`None` where no gradient flows: integer and bool operands,
//! indices, keys, predicates). Every rule is written with ordinary array
//! operations through `apply`, so a gradient computes eagerly on concrete
//! arrays and records ordinary nodes inside a trace, where they go through
//! the same passes and fusion as any other code. Cotangents keep the dtype
//! of the value they belong to (`math.rs`: element-wise ops, reductions,
//! matmul; `index.rs`: movement, slicing, gathers, scatters, sorts;
//! `helpers.rs`: the array operations the rules are written with).
//! Control ops (`loop`, `while`, `cond`) have their rules in
//! `grad::control`.

mod helpers;
mod index;
mod math;

pub(crate) use helpers::*;
use index::*;
use math::*;

use crate::{Array, Error, Result};
use heron_ir::Op;

/// The cotangents of the operands of `op` (not a control op), given the
/// operands `ins`, the result `out` and its cotangent `ct`.
pub(crate) fn rule(op: &Op, ins: &[Array], out: &Array, ct: &Array) -> Result<Cts> {
    match op {
        Op::Unary(u) => Ok(vec![unary(*u, &ins[0], out, ct)?]),
        Op::Binary(b) => binary(*b, &ins[0], &ins[1], out, ct),
        Op::Select => select(ins, ct),
        Op::Cast(_) => Ok(vec![cast(&ins[0], ct)?]),
        Op::BroadcastTo(_) => Ok(vec![Some(unbroadcast(ct, ins[0].shape_ref())?)]),
        Op::Reshape(s) if s == ins[0].shape_ref() => Ok(vec![None]), // stop_gradient
        Op::Reshape(_) => Ok(vec![Some(reshape(ct, ins[0].shape_ref())?)]),
        Op::Permute(perm) => Ok(vec![Some(permute_back(ct, perm)?)]),
        Op::Slice(spec) => Ok(vec![Some(slice_back(ct, &ins[0], spec)?)]),
        Op::SetSlice(spec) => set_slice(spec, &ins[0], &ins[1], ct),
        Op::Take { axis } => Ok(vec![Some(take_back(ct, &ins[0], &ins[1], *axis)?), None]),
        Op::TakeAlongAxis { axis } => Ok(vec![
            Some(take_along_back(ct, &ins[0], &ins[1], *axis)?),
            None,
        ]),
        Op::Scatter { mode } => scatter(*mode, ins, ct),
        Op::SegmentSum { .. } => Ok(vec![Some(take0(ct, &ins[1])?), None]),
        Op::DynamicSlice { .. } => dynamic_slice(ins, ct),
        Op::DynamicUpdateSlice => dynamic_update_slice(ins, ct),
        Op::Concat { axis } => concat(ins, ct, *axis),
        Op::Reduce { op, axes } => Ok(vec![reduce(*op, axes, &ins[0], out, ct)?]),
        Op::Cumsum { axis } => Ok(vec![cumsum(&ins[0], ct, *axis)?]),
        Op::Sort { axis } => Ok(vec![Some(sort(&ins[0], ct, *axis)?)]),
        Op::MatMul => matmul(&ins[0], &ins[1], ct),
        // The transpose of `A·x` is `ctᵀ·A`, and back; spikes are bools.
        Op::CsrMatVec(m) => Ok(vec![Some(crate::apply(Op::CsrVecMat(m.clone()), &[ct])?)]),
        Op::CsrVecMat(m) => Ok(vec![Some(crate::apply(Op::CsrMatVec(m.clone()), &[ct])?)]),
        Op::CsrEventVecMat(_) => Ok(vec![None]),
        // Integer results (indices, random bits): nothing flows back.
        Op::ArgReduce { .. } | Op::Argsort { .. } | Op::RandomBits { .. } => {
            Ok(vec![None; ins.len()])
        }
        Op::Param(_) | Op::Const(_) => Ok(Vec::new()),
        Op::Loop { .. } | Op::While { .. } | Op::Cond { .. } | Op::Project(_) => Err(
            Error::invalid("grad", "control ops are differentiated by grad::control"),
        ),
    }
}
