//! Reduction kernels. A reduction kernel evaluates its element-wise
//! producers inside the reduction loop (iteration space = the operand's
//! shape). A reduction of a large operand to a few values is split in two
//! kernels, over its innermost reduced axis into a temporary and then over
//! the rest, so the long first launch can run in parallel; a whole
//! reduction of a long 1-d operand is first walked as `[n / m, m]` so that
//! split applies.

use super::GroupKey;
use super::body::{KernelBuilder, identity};
use super::buffers::PlanBuilder;
use super::partition::Partition;
use crate::plan::{Affine, Expr, Instr, Kernel, Reduction, Step, Store, StoreValue};
use crate::{Axes, DType, NodeId, ReduceOp, Shape};

/// A reduction of fewer than this many results is split (`split_axis`)...
const SPLIT_BELOW: usize = 16;
/// ...when its operand has at least this many elements.
const SPLIT_FROM: usize = 1 << 18;

/// The kernels of reduction node `id` (`op` over `axes`): one, or two when
/// the reduction is split. `fold_long` allows walking a long 1-d operand as
/// `[n / m, m]`.
pub(super) fn reduce_kernels(
    part: &Partition<'_>,
    b: &mut PlanBuilder<'_>,
    id: NodeId,
    (op, axes): (ReduceOp, &Axes),
    fold_long: bool,
) -> Vec<(GroupKey, Step)> {
    let graph = part.graph;
    let node = &graph.nodes[id];
    let dst = b.node_buf[id].expect("materialised nodes have buffers");
    let operand = node.inputs[0];
    let operand_shape = &graph.nodes[operand].shape;
    // A long 1-d operand reduced whole is walked as `[n / m, m]` (same
    // elements, same order), so the split below applies.
    let folded = fold_long
        .then(|| fold_1d(op, node.dtype, operand_shape, axes))
        .flatten();
    let folded_axes: Axes = [0usize, 1].into_iter().collect();
    let (shape, axes) = match folded {
        Some(m) => (Shape::from(vec![operand_shape[0] / m, m]), &folded_axes),
        None => (operand_shape.clone(), axes),
    };
    // A reduction to a few values of a large operand is split in two: first
    // over its innermost reduced axis into a temporary (a launch with many
    // indices, run in parallel), then over the rest. The split is fixed by
    // the shapes.
    let split = split_axis(op, &shape, axes);
    // The partials are kept in the accumulator's type (f64 for an f32 sum),
    // so the total is still rounded only once.
    let partial = match split {
        Some(_) => op.accumulator_dtype(graph.nodes[operand].dtype),
        None => node.dtype,
    };
    let (first_axes, first_dst, first_shape) = match split {
        Some(a) => {
            let rest = without_axis(&shape, a);
            let t = b.temp(rest.clone(), partial);
            (std::iter::once(a).collect(), t, rest)
        }
        None => (axes.clone(), dst, node.shape.clone()),
    };
    let mut kb = KernelBuilder::new(b, &part.realised, id, operand_shape.rank());
    let value = kb.value(operand, &identity(operand_shape.rank()));
    let mut body = kb.body;
    if let Some(m) = folded {
        unfold_maps(&mut body, m as i64);
    }
    let first = Kernel {
        name: String::new(),
        nodes: part.own(id, 0),
        shape: shape.clone(),
        reduce: Some(Reduction {
            op,
            axes: first_axes.clone(),
            value,
            dtype: partial,
        }),
        body,
        stores: vec![Store {
            buf: first_dst,
            value: StoreValue::Reduced,
            map: reduced_map(shape.rank(), &first_axes, &first_shape),
        }],
    };
    let mut steps = vec![((id, 0), Step::Kernel(first))];
    if let Some(a) = split {
        // The other reduced axes keep their numbers: `a` is the innermost
        // reduced axis, only kept axes follow it.
        let tshape = without_axis(&shape, a);
        let rest_axes: Axes = axes
            .iter()
            .copied()
            .filter(|&d| d != a)
            .map(|d| if d > a { d - 1 } else { d })
            .collect();
        let second = Kernel {
            name: String::new(),
            nodes: vec![id],
            shape: tshape.clone(),
            reduce: Some(Reduction {
                op,
                axes: rest_axes.clone(),
                value: 0,
                dtype: node.dtype,
            }),
            body: vec![Instr {
                expr: Expr::Load {
                    buf: first_dst,
                    map: Affine::row_major(&tshape),
                },
                dtype: partial,
            }],
            stores: vec![Store {
                buf: dst,
                value: StoreValue::Reduced,
                map: reduced_map(tshape.rank(), &rest_axes, &node.shape),
            }],
        };
        steps.push(((id, 0), Step::Kernel(second)));
    }
    steps
}

/// `shape` without axis `a`.
fn without_axis(shape: &Shape, a: usize) -> Shape {
    (0..shape.rank())
        .filter(|&d| d != a)
        .map(|d| shape[d])
        .collect::<Vec<_>>()
        .into()
}

/// The axis a reduction `op` of an operand of `shape` over `axes` is split
/// at (first reduced alone, then the rest), or `None`: only reductions to
/// fewer than `SPLIT_BELOW` results of large operands whose innermost
/// reduced axis and remaining reduced axes are both long, and only for ops
/// whose result does not depend on the grouping (max, min, any, all,
/// integer sums) or that keep their error bound (an f32 sum keeps its
/// partials in f64 and rounds once; an f64 sum rounds each partial once
/// more). Float products keep their order.
pub(super) fn split_axis(op: ReduceOp, shape: &Shape, axes: &Axes) -> Option<usize> {
    let a = *axes.iter().max()?;
    let kept: usize = (0..shape.rank())
        .filter(|d| !axes.contains(d))
        .map(|d| shape[d])
        .product();
    let others: usize = axes
        .iter()
        .filter(|&&d| d != a)
        .map(|&d| shape[d])
        .product();
    let ok = op != ReduceOp::Prod
        && kept < SPLIT_BELOW
        && shape.size() >= SPLIT_FROM
        && shape[a] >= 64
        && others >= 16;
    ok.then_some(a)
}

/// The inner extent `m` at which a whole reduction `op` of a long 1-d
/// operand is walked as `[n / m, m]` (then split like a 2-d one), or `None`:
/// the largest power of two up to 4096 that divides `n`, when it leaves at
/// least 16 rows. Float products keep their single order and f64 sums their
/// compensated bound.
fn fold_1d(op: ReduceOp, dtype: DType, shape: &Shape, axes: &Axes) -> Option<usize> {
    let n = *shape.first()?;
    // An f64 sum's partials would each round once more (see `split_axis`).
    let keeps_bound = !matches!(
        (op, dtype),
        (ReduceOp::Prod, _) | (ReduceOp::Sum, DType::F64)
    );
    if shape.rank() != 1 || axes.len() != 1 || !keeps_bound || n < SPLIT_FROM {
        return None;
    }
    let m = (1usize << n.trailing_zeros().min(12)).min(n / 16);
    (m >= 64).then_some(m)
}

/// Rewrites the index maps of a kernel body built over a 1-d space `[n]` for
/// the 2-d space `[n / m, m]`: index `i` becomes `i0 * m + i1`.
fn unfold_maps(body: &mut [Instr], m: i64) {
    let unfold = |a: &mut Affine| {
        let c = a.coefs[0];
        a.coefs = smallvec::smallvec![c * m, c];
    };
    for instr in body {
        match &mut instr.expr {
            Expr::Load { map, .. } => unfold(map),
            Expr::ThreefryBits { index, .. } => unfold(index),
            Expr::Gather(g) => {
                unfold(&mut g.base);
                unfold(&mut g.at);
            }
            _ => {}
        }
    }
}

/// The store map of a reduction over `axes` of a `rank`-d iteration space
/// into a row-major result of shape `out` (the kept axes, in order).
fn reduced_map(rank: usize, axes: &Axes, out: &Shape) -> Affine {
    let mut map = Affine::constant(rank, 0);
    let kept: Vec<usize> = (0..rank).filter(|a| !axes.contains(a)).collect();
    for (&a, &s) in kept.iter().zip(out.strides().iter()) {
        map.coefs[a] = s as i64;
    }
    map
}
