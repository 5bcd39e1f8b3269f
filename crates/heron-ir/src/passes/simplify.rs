//! Algebraic simplification: rewrites that remove work without changing a
//! single bit of any result, applied until none applies (a fixed point).
//!
//! Rules (`c` is a constant whose elements are all equal):
//! - `x * 1`, `1 * x`, `x / 1` → `x`; for integers also `x * 0`, `0 * x` → `0`
//!   (not for floats: `NaN * 0`, `inf * 0` and `-1 * 0` are not `0.0`).
//! - `x + 0`, `0 + x`, `x - 0` → `x`. For floats the identity of `+` is
//!   `-0.0` (`-0.0 + 0.0` is `0.0`), so only `x + -0.0`, `-0.0 + x` and
//!   `x - 0.0` are rewritten.
//! - `x | 0`, `x ^ 0`, `x & !0` (and their mirrors) → `x` (bools and integers).
//! - `-(-x)` and `not(not(x))` → `x`; floor, ceil, round, trunc of integers → `x`.
//! - `astype` to the operand's own dtype → `x`; `astype(astype(x, b), c)` →
//!   `astype(x, c)` when `x → b` is lossless (bool to anything, i32 and u32 to
//!   i64 or f64, f32 to f64).
//! - `broadcast_to` or `reshape` to the operand's shape, `transpose` by the
//!   identity, a slice covering every element in order → `x`; a broadcast of
//!   a broadcast, a reshape of a reshape, a transpose of a transpose → one op.
//! - `where(c, a, b)` with `c` all true → `a`, all false → `b`; `where(c, a, a)` → `a`.
//!
//! Guarantees: every rewrite keeps the node's shape and dtype. When the
//! surviving operand is smaller than the result (`x + zeros([3])` with `x` of
//! shape `[1]`), it is broadcast to the result's shape; every rewrite is
//! re-typed with `infer` and a mismatch is reported as an error. Replaced
//! nodes stay in the graph as dead code for `dce`.

use super::rewrite::Rebuild;
use crate::{BinaryOp, DType, Error, Graph, Inputs, NodeId, Op, Result, Scalar, Shape, UnaryOp};

/// A bound on the sweeps over the graph. Rules only look at a node's
/// operands, which are final when the node is reached, so the second sweep
/// finds nothing to do; the bound guards against a rule breaking that.
const MAX_SWEEPS: usize = 4;

/// The graph with every rule applied until none applies.
pub fn simplify(graph: &Graph) -> Result<Graph> {
    let (mut out, mut changed) = sweep(graph)?;
    for _ in 1..MAX_SWEEPS {
        if !changed {
            break;
        }
        (out, changed) = sweep(&out)?;
    }
    Ok(out)
}

/// What a node simplifies to.
enum Rewrite {
    /// An existing node (broadcast to the result's shape if it is smaller).
    To(NodeId),
    /// Another op, itself simplified in turn.
    Apply(Op, Inputs),
}

/// One pass over the graph; true when some rule applied.
fn sweep(graph: &Graph) -> Result<(Graph, bool)> {
    let mut s = Simplifier {
        rb: Rebuild::new(graph),
        rewrites: 0,
    };
    for (id, node) in s.rb.body() {
        let new = match node.op {
            Op::Const(_) => s.rb.copy_const(id),
            ref op => {
                let inputs = s.rb.inputs(node);
                s.emit(op.clone(), inputs, &node.shape, node.dtype)?
            }
        };
        s.rb.set(id, new);
    }
    let changed = s.rewrites > 0;
    Ok((s.rb.finish(), changed))
}

/// The rebuild in progress and the number of rules applied so far.
struct Simplifier<'a> {
    rb: Rebuild<'a>,
    rewrites: usize,
}

impl Simplifier<'_> {
    /// Adds `op` of `inputs` (whose type is `shape`, `dtype`) to the new
    /// graph, simplified; returns the node computing it.
    fn emit(&mut self, op: Op, inputs: Inputs, shape: &Shape, dtype: DType) -> Result<NodeId> {
        match self.rewrite(&op, &inputs, shape, dtype) {
            None => Ok(self.rb.push(op, inputs, shape.clone(), dtype)),
            Some(Rewrite::To(id)) => {
                self.rewrites += 1;
                self.fit(&op, id, shape, dtype)
            }
            Some(Rewrite::Apply(new_op, new_inputs)) => {
                self.rewrites += 1;
                let types: Vec<_> = new_inputs.iter().map(|&i| self.ty(i)).collect();
                let (s, d) = crate::infer(&new_op, &types)?;
                if (&s, d) != (shape, dtype) {
                    return Err(changed_type(&op, &new_op, shape, dtype, &s, d));
                }
                self.emit(new_op, new_inputs, shape, dtype)
            }
        }
    }

    /// Node `id` standing for a result of type `shape`, `dtype` (of `op`),
    /// broadcast when it is smaller.
    fn fit(&mut self, op: &Op, id: NodeId, shape: &Shape, dtype: DType) -> Result<NodeId> {
        let (s, d) = self.ty(id);
        if d != dtype || !s.broadcasts_to(shape) {
            return Err(changed_type(op, op, shape, dtype, s, d));
        }
        if s == shape {
            return Ok(id);
        }
        let inputs = Inputs::from_slice(&[id]);
        self.emit(Op::BroadcastTo(shape.clone()), inputs, shape, dtype)
    }

    /// The rule that applies to `op` of `inputs`, if any.
    fn rewrite(&self, op: &Op, inputs: &[NodeId], shape: &Shape, dtype: DType) -> Option<Rewrite> {
        use Rewrite::{Apply, To};
        let x = *inputs.first()?;
        let inner = &self.rb.new.nodes[x];
        match op {
            Op::Binary(b) => self.binary(*b, x, inputs[1], dtype),
            Op::Unary(u) => match u {
                UnaryOp::Neg | UnaryOp::Not if inner.op == Op::Unary(*u) => {
                    Some(To(inner.inputs[0]))
                }
                UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round | UnaryOp::Trunc
                    if !dtype.is_float() =>
                {
                    Some(To(x))
                }
                _ => None,
            },
            Op::Cast(to) => match inner.op {
                _ if inner.dtype == *to => Some(To(x)),
                Op::Cast(_) if collapses(self.ty(inner.inputs[0]).1, inner.dtype, *to) => {
                    Some(Apply(Op::Cast(*to), Inputs::from_slice(&[inner.inputs[0]])))
                }
                _ => None,
            },
            Op::Select => {
                let (a, b) = (inputs[1], inputs[2]);
                match self.splat(x) {
                    _ if a == b => Some(To(a)),
                    Some(Scalar::Bool(true)) => Some(To(a)),
                    Some(Scalar::Bool(false)) => Some(To(b)),
                    _ => None,
                }
            }
            Op::BroadcastTo(_) | Op::Reshape(_) if inner.shape == *shape => Some(To(x)),
            Op::BroadcastTo(_) | Op::Reshape(_) if inner.op.is_movement() => {
                let same_kind = std::mem::discriminant(&inner.op) == std::mem::discriminant(op);
                same_kind.then(|| Apply(op.clone(), Inputs::from_slice(&[inner.inputs[0]])))
            }
            Op::Permute(perm) => {
                if perm.iter().enumerate().all(|(i, &p)| i == p) {
                    return Some(To(x));
                }
                let Op::Permute(first) = &inner.op else {
                    return None;
                };
                let composed = perm.iter().map(|&p| first[p]).collect();
                Some(Apply(
                    Op::Permute(composed),
                    Inputs::from_slice(&[inner.inputs[0]]),
                ))
            }
            Op::Slice(spec) => {
                let whole = spec
                    .iter()
                    .zip(inner.shape.iter())
                    .all(|(s, &n)| s.start == 0 && s.len == n && (s.step == 1 || n <= 1));
                whole.then_some(To(x))
            }
            _ => None,
        }
    }

    /// The rule for a binary op `x b y` whose result dtype is `dtype`.
    fn binary(&self, b: BinaryOp, x: NodeId, y: NodeId, dtype: DType) -> Option<Rewrite> {
        use Rewrite::To;
        let is = |id: NodeId, want: Scalar| self.splat(id).is_some_and(|s| s.same_bits(want));
        let one = Scalar::one(dtype);
        let zero = Scalar::zero(dtype);
        let add_identity = if dtype.is_float() {
            Scalar::F64(-0.0).cast(dtype)
        } else {
            zero
        };
        let ones = Scalar::I32(-1).cast(dtype);
        let int = dtype.is_int();
        match b {
            BinaryOp::Mul if is(y, one) => Some(To(x)),
            BinaryOp::Mul if is(x, one) => Some(To(y)),
            BinaryOp::Mul if int && is(y, zero) => Some(To(y)),
            BinaryOp::Mul if int && is(x, zero) => Some(To(x)),
            BinaryOp::Div if is(y, one) => Some(To(x)),
            BinaryOp::Add if is(y, add_identity) => Some(To(x)),
            BinaryOp::Add if is(x, add_identity) => Some(To(y)),
            BinaryOp::Sub if is(y, zero) => Some(To(x)),
            BinaryOp::Or | BinaryOp::Xor if is(y, zero) => Some(To(x)),
            BinaryOp::Or | BinaryOp::Xor if is(x, zero) => Some(To(y)),
            BinaryOp::And if is(y, ones) => Some(To(x)),
            BinaryOp::And if is(x, ones) => Some(To(y)),
            _ => None,
        }
    }

    /// The type of a node of the new graph.
    fn ty(&self, id: NodeId) -> (&Shape, DType) {
        let node = &self.rb.new.nodes[id];
        (&node.shape, node.dtype)
    }

    /// The element of a non-empty constant whose elements all have the same bits.
    fn splat(&self, id: NodeId) -> Option<Scalar> {
        let value = self.rb.new.const_value(id)?;
        let bytes = value.buf.bytes();
        let width = value.dtype().size();
        let first = bytes.get(..width)?;
        bytes
            .chunks_exact(width)
            .all(|c| c == first)
            .then(|| value.buf.get(0))
    }
}

/// True when every value of `from` converts to `to` exactly (and back).
/// Whether `convert[to] (convert[mid] x)` equals `convert[to] x` for every
/// `x` of dtype `from`: the first conversion loses nothing, and the second
/// does to the value what the direct one does. An integer through a float
/// into an integer is the exception: the float conversion saturates where
/// the integer one wraps, so it collapses only when no value of `from`
/// leaves `to`'s range.
fn collapses(from: DType, mid: DType, to: DType) -> bool {
    let saturates = mid.is_float() && !to.is_float() && !to.is_bool();
    lossless(from, mid) && (!saturates || from.is_float() || lossless(from, to))
}

fn lossless(from: DType, to: DType) -> bool {
    use DType::*;
    from == to || from == Bool || matches!((from, to), (I32 | U32, I64 | F64) | (F32, F64))
}

/// The error for a rewrite that would change a node's type: a bug in a rule.
fn changed_type(op: &Op, new: &Op, shape: &Shape, dtype: DType, s: &Shape, d: DType) -> Error {
    Error::invalid(
        "simplify",
        format!(
            "rewriting {op} ({}) as {new} would give {} (a compiler bug)",
            crate::type_text(shape, dtype),
            crate::type_text(s, d)
        ),
    )
}

#[cfg(test)]
mod tests;
