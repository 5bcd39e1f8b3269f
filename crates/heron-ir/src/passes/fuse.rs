//! Fusion: partitions a graph into a `KernelPlan`.
//!
//! Rules:
//! - Element-wise ops, casts, comparisons, `select` and the affine movement
//!   ops (broadcast, permute, strided slice, reshape of a contiguous value)
//!   are inlined into the kernel of their user: each becomes a few body
//!   instructions evaluated at an affine index map of the iteration index.
//! - A node is *materialised* (gets a buffer and roots a kernel) when it is a
//!   graph output, a reduction, a `set_slice`, an op lowered on the host
//!   (sort, argsort, matmul, take, concat, cumsum, arg-reduce), an operand
//!   of a host op, the key of a `random_bits`, the operand of a reshape that
//!   merges axes, or when its users fall in more than one kernel.
//! - `random_bits` is a generator: each element is Threefry of the key and
//!   its linear index, so it fuses like an element-wise op with no operand
//!   loads (`threefry_bits` reads the key buffer once per kernel; the
//!   counter is the affine linear index into the drawn shape).
//! - A reduction kernel evaluates its element-wise producers inside the
//!   reduction loop (iteration space = the operand's shape). A reduction of
//!   a large operand to a few values (a full sum) is split in two kernels:
//!   over its innermost reduced axis into a temporary, then over the rest,
//!   so the long first launch can run in parallel (`split_axis`).
//! - `set_slice(x, v)` becomes two kernels writing the node's buffer: one
//!   over `x`'s shape computing `x`, then one over the sliced region
//!   computing `v` and storing at the region's affine index map. Every index
//!   stays affine, whatever the slice steps.
//! - Element-wise kernels of one iteration space merge into one multi-store
//!   kernel when the later one reads the earlier one's results only at the
//!   element it computes (or they load a common buffer), even when a result
//!   is also an output or read by several kernels of the group: the later
//!   kernel uses the stored value directly, and a temporary that no other
//!   step reads is not stored at all. So a LIF step `v' = f(v); s = v' > t;
//!   v'' = where(s, r, v'); t' = where(s, now, t)` is one loop with three
//!   stores. A kernel never merges when it reads a merged result at another
//!   index, draws random bits under a key the group writes, or when a step
//!   between the two writes something it reads (it moves up to the earlier
//!   kernel's position).
//!
//! `aliasable` lists the (output, param) pairs whose buffers may be the same
//! memory: the first step writing the output reads the param only at the
//! linear index it writes, with the same type, and no later step reads the
//! param.

use crate::plan::{
    Affine, BufId, BufferInfo, BufferKind, ControlStep, Expr, HostStep, Instr, Kernel, KernelPlan,
    Reduction, Step, Store, StoreValue,
};
use crate::{CompileOptions, Graph, NodeId, Op, Shape};
use cranelift_entity::SecondaryMap;
use rustc_hash::FxHashMap;

/// A kernel of the plan being built: the node rooting it and the part (0,
/// or 1 for the region kernel of a `set_slice`).
type GroupKey = (NodeId, u8);

/// Partitions `graph` into fused kernels, host steps and copies, with the
/// built-in `CompileOptions` (`schedule` with `CompileOptions::default()`).
pub fn fuse(graph: &Graph) -> KernelPlan {
    schedule(graph, &CompileOptions::default())
}

/// Partitions `graph` into fused kernels, host steps, copies and control
/// steps, deciding everything `options` leaves to scheduling (temporal
/// fusion of counted loops): the backend only reads the plan.
pub fn schedule(graph: &Graph, options: &CompileOptions) -> KernelPlan {
    fuse_with(graph, true, options)
}

/// `fuse` for the body of a counted loop: a whole reduction of a long 1-d
/// array stays one kernel over the array (it is not walked as `[n / m, m]`
/// and split), the form temporal fusion (`temporal.rs`) turns into per-chunk
/// partial results, which beats a split reduction run step by step.
pub fn fuse_loop_body(graph: &Graph) -> KernelPlan {
    schedule_loop_body(graph, &CompileOptions::default())
}

/// `schedule` for the body of a counted loop (see `fuse_loop_body`).
pub fn schedule_loop_body(graph: &Graph, options: &CompileOptions) -> KernelPlan {
    fuse_with(graph, false, options)
}

/// `schedule`, folding long 1-d reductions when `fold_long` is true.
fn fuse_with(graph: &Graph, fold_long: bool, options: &CompileOptions) -> KernelPlan {
    let live = liveness(graph);
    let mut users: SecondaryMap<NodeId, Vec<(NodeId, usize)>> = SecondaryMap::new();
    for (id, node) in graph.nodes.iter() {
        if live[id] {
            for (k, &i) in node.inputs.iter().enumerate() {
                users[i].push((id, k));
            }
        }
    }
    let mut first_output: SecondaryMap<NodeId, Option<u32>> = SecondaryMap::new();
    for (j, &(n, _)) in graph.outputs.iter().enumerate() {
        if first_output[n].is_none() {
            first_output[n] = Some(j as u32);
        }
    }

    // Assign every live non-leaf node to a kernel, users before operands.
    let mut realised: SecondaryMap<NodeId, bool> = SecondaryMap::new();
    let mut group_of: SecondaryMap<NodeId, Option<GroupKey>> = SecondaryMap::new();
    for (id, node) in graph.nodes.iter().rev() {
        if !live[id] || node.op.is_leaf() {
            continue;
        }
        let forced = first_output[id].is_some()
            || is_host(&node.op)
            || matches!(node.op, Op::Reduce { .. } | Op::SetSlice(_));
        let mut target: Option<GroupKey> = None;
        let mut fusable = !forced;
        for &(u, k) in &users[id] {
            if !fusable {
                break;
            }
            let user = &graph.nodes[u];
            if is_host(&user.op) || matches!(user.op, Op::RandomBits { .. }) {
                fusable = false;
                break;
            }
            if let Op::Reshape(out) = &user.op
                && reshape_blocks(&node.shape, out).is_none()
            {
                fusable = false;
                break;
            }
            let t = if realised[u] {
                user_key(&user.op, u, k)
            } else {
                group_of[u].expect("users are assigned first")
            };
            match target {
                None => target = Some(t),
                Some(t0) if t0 == t => {}
                Some(_) => fusable = false,
            }
        }
        match (fusable, target) {
            (true, Some(t)) => group_of[id] = Some(t),
            _ => realised[id] = true,
        }
    }

    let mut b = PlanBuilder::new(graph);
    // Buffers of parameters, outputs, and materialised nodes.
    for (i, &(n, _)) in graph.params.iter().enumerate() {
        let node = &graph.nodes[n];
        let id = b.buffer(BufferKind::Param(i as u32), node.shape.clone(), node.dtype);
        b.params.push(id);
        b.node_buf[n] = Some(id);
    }
    for (j, &(n, _)) in graph.outputs.iter().enumerate() {
        let node = &graph.nodes[n];
        let id = b.buffer(BufferKind::Output(j as u32), node.shape.clone(), node.dtype);
        b.outputs.push(id);
        if first_output[n] == Some(j as u32) && realised[n] {
            b.node_buf[n] = Some(id);
        }
    }
    let mut temps = 0;
    for (id, node) in graph.nodes.iter() {
        if realised[id] && b.node_buf[id].is_none() {
            b.node_buf[id] =
                Some(b.buffer(BufferKind::Temp(temps), node.shape.clone(), node.dtype));
            temps += 1;
        }
    }

    // Members of each kernel, in graph order.
    let mut members: FxHashMap<GroupKey, Vec<NodeId>> = FxHashMap::default();
    for (id, _) in graph.nodes.iter() {
        if let Some(k) = group_of[id] {
            members.entry(k).or_default().push(id);
        }
    }

    // Outputs that are leaves are copied first, before anything may write a
    // parameter's memory in place.
    let mut steps: Vec<(GroupKey, Step)> = Vec::new();
    let mut pre = Vec::new();
    for (j, &(n, _)) in graph.outputs.iter().enumerate() {
        if graph.nodes[n].op.is_leaf() {
            let src = b.leaf_buffer(n);
            pre.push(Step::Copy {
                src,
                dst: b.outputs[j],
            });
        }
    }
    for (id, node) in graph.nodes.iter() {
        if !realised[id] {
            continue;
        }
        let own = |k: u8| {
            let mut nodes = members.get(&(id, k)).cloned().unwrap_or_default();
            nodes.push(id);
            nodes.sort();
            nodes
        };
        if let Op::Project(_) = node.op {
            // Written by its control node's step.
            continue;
        }
        if crate::control::is_control(&node.op) {
            let (mut step, copies) =
                control_step(graph, id, &users[id], &mut b, &mut temps, &mut steps);
            if let (true, Op::Loop { body, .. }) = (options.temporal_fusion, &step.op) {
                step.temporal =
                    super::temporal::analyze(&step.op, &schedule_loop_body(body, options));
            }
            steps.insert(steps.len() - copies, ((id, 0), Step::Control(step)));
            continue;
        }
        let dst = b.node_buf[id].expect("materialised nodes have buffers");
        if is_host(&node.op) {
            let inputs = node.inputs.iter().map(|&i| b.operand_buffer(i)).collect();
            let step = HostStep {
                node: id,
                op: node.op.clone(),
                inputs,
                output: dst,
            };
            steps.push(((id, 0), Step::Host(step)));
            continue;
        }
        match &node.op {
            Op::Reduce { op, axes } => {
                let operand = node.inputs[0];
                let operand_shape = &graph.nodes[operand].shape;
                // A long 1-d operand reduced whole is walked as `[n / m, m]`
                // (same elements, same order), so the split below applies.
                let folded = fold_long
                    .then(|| fold_1d(*op, node.dtype, operand_shape, axes))
                    .flatten();
                let (shape, axes) = match folded {
                    Some(m) => (
                        Shape::from(vec![operand_shape[0] / m, m]),
                        &[0usize, 1].into_iter().collect::<crate::Axes>(),
                    ),
                    None => (operand_shape.clone(), axes),
                };
                // A reduction to a few values of a large operand is split in
                // two: first over its innermost reduced axis into a
                // temporary (a launch with many indices, run in parallel),
                // then over the rest. The split is fixed by the shapes.
                let split = split_axis(*op, &shape, axes);
                // The partials are kept in the accumulator's type (f64 for
                // an f32 sum), so the total is still rounded only once.
                let partial = match split {
                    Some(_) => op.accumulator_dtype(graph.nodes[node.inputs[0]].dtype),
                    None => node.dtype,
                };
                let (first_axes, first_dst, first_shape) = match split {
                    Some(a) => {
                        let rest: Shape = (0..shape.rank())
                            .filter(|&d| d != a)
                            .map(|d| shape[d])
                            .collect::<Vec<_>>()
                            .into();
                        let t = b.buffer(BufferKind::Temp(temps), rest.clone(), partial);
                        temps += 1;
                        (std::iter::once(a).collect(), t, rest)
                    }
                    None => (axes.clone(), dst, node.shape.clone()),
                };
                let mut kb = KernelBuilder::new(&mut b, &realised, id, operand_shape.rank());
                let ident = identity(operand_shape.rank());
                let value = kb.value(operand, &ident);
                let mut body = kb.body;
                if let Some(m) = folded {
                    unfold_maps(&mut body, m as i64);
                }
                let kernel = Kernel {
                    name: String::new(),
                    nodes: own(0),
                    shape: shape.clone(),
                    reduce: Some(Reduction {
                        op: *op,
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
                steps.push(((id, 0), Step::Kernel(kernel)));
                if let Some(a) = split {
                    // The other reduced axes keep their numbers: `a` is
                    // the innermost reduced axis, only kept axes follow it.
                    let rest = &shape;
                    let tshape: Shape = (0..rest.rank())
                        .filter(|&d| d != a)
                        .map(|d| rest[d])
                        .collect::<Vec<_>>()
                        .into();
                    let rest_axes: crate::Axes = axes
                        .iter()
                        .copied()
                        .filter(|&d| d != a)
                        .map(|d| if d > a { d - 1 } else { d })
                        .collect();
                    let kernel = Kernel {
                        name: String::new(),
                        nodes: vec![id],
                        shape: tshape.clone(),
                        reduce: Some(Reduction {
                            op: *op,
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
                    steps.push(((id, 0), Step::Kernel(kernel)));
                }
            }
            Op::SetSlice(spec) => {
                let (x, v) = (node.inputs[0], node.inputs[1]);
                let shape = node.shape.clone();
                let mut kb = KernelBuilder::new(&mut b, &realised, id, shape.rank());
                let value = kb.value(x, &identity(shape.rank()));
                let body = kb.body;
                let mut nodes = members.get(&(id, 0)).cloned().unwrap_or_default();
                nodes.sort();
                let copy = Kernel {
                    name: String::new(),
                    nodes,
                    shape: shape.clone(),
                    reduce: None,
                    body,
                    stores: vec![Store {
                        buf: dst,
                        value: StoreValue::Expr(value),
                        map: Affine::row_major(&shape),
                    }],
                };
                steps.push(((id, 0), Step::Kernel(copy)));
                let region: Shape = spec.iter().map(|s| s.len).collect::<Vec<_>>().into();
                let rank = region.rank();
                let ident = identity(rank);
                let vshape = graph.nodes[v].shape.clone();
                let mut kb = KernelBuilder::new(&mut b, &realised, id, rank);
                let value = kb.value(v, &broadcast_map(&vshape, &region, &ident));
                let cast = kb.cast(value, node.dtype);
                let body = kb.body;
                let index: Vec<Affine> = spec
                    .iter()
                    .enumerate()
                    .map(|(d, s)| ident[d].scale_add(s.step as i64, s.start as i64))
                    .collect();
                let map = Affine::linearize(&index, &shape, rank);
                let write = Kernel {
                    name: String::new(),
                    nodes: own(1),
                    shape: region,
                    reduce: None,
                    body,
                    stores: vec![Store {
                        buf: dst,
                        value: StoreValue::Expr(cast),
                        map,
                    }],
                };
                steps.push(((id, 1), Step::Kernel(write)));
            }
            _ => {
                let shape = node.shape.clone();
                let mut kb = KernelBuilder::new(&mut b, &realised, id, shape.rank());
                let value = kb.value(id, &identity(shape.rank()));
                let body = kb.body;
                let kernel = Kernel {
                    name: String::new(),
                    nodes: own(0),
                    shape: shape.clone(),
                    reduce: None,
                    body,
                    stores: vec![Store {
                        buf: dst,
                        value: StoreValue::Expr(value),
                        map: Affine::row_major(&shape),
                    }],
                };
                steps.push(((id, 0), Step::Kernel(kernel)));
            }
        }
    }

    let steps = merge_kernels(graph, &b, steps);

    let mut all: Vec<Step> = pre;
    all.extend(steps);
    for (j, &(n, _)) in graph.outputs.iter().enumerate() {
        if !graph.nodes[n].op.is_leaf() && first_output[n] != Some(j as u32) {
            let src = b.outputs[first_output[n].expect("first occurrence") as usize];
            all.push(Step::Copy {
                src,
                dst: b.outputs[j],
            });
        }
    }
    let mut plan = KernelPlan {
        buffers: b.buffers,
        steps: all,
        params: b.params,
        outputs: b.outputs,
        aliasable: Vec::new(),
        row_groups: Vec::new(),
    };
    drop_unused_temps(&mut plan);
    let mut count = 0;
    for step in &mut plan.steps {
        if let Step::Kernel(k) = step {
            k.name = format!("k{count}");
            count += 1;
        }
    }
    plan.aliasable = aliasable(graph, &plan);
    plan.row_groups = super::row_groups::row_groups(&plan);
    plan
}

/// The step of control node `id`: its results are written straight into
/// the buffers of its `get[k]` users (a scratch temporary for a result no
/// one reads). A second `get[k]` of the same result gets a copy, pushed onto
/// `steps`; returns the step and the number of copies pushed (they must run
/// after it).
fn control_step(
    graph: &Graph,
    id: NodeId,
    users: &[(NodeId, usize)],
    b: &mut PlanBuilder<'_>,
    temps: &mut u32,
    steps: &mut Vec<(GroupKey, Step)>,
) -> (ControlStep, usize) {
    let node = &graph.nodes[id];
    let inputs = node.inputs.iter().map(|&i| b.operand_buffer(i)).collect();
    let types = crate::control::result_types(&node.op);
    let mut outputs: Vec<Option<BufId>> = vec![None; types.len()];
    let mut copies = 0;
    for &(u, _) in users {
        if let Op::Project(k) = graph.nodes[u].op {
            let dst = b.node_buf[u].expect("get nodes are materialised");
            match outputs[k as usize] {
                None => outputs[k as usize] = Some(dst),
                Some(src) => {
                    steps.push(((u, 0), Step::Copy { src, dst }));
                    copies += 1;
                }
            }
        }
    }
    let outputs = outputs
        .into_iter()
        .zip(types)
        .map(|(o, (shape, dtype))| {
            o.unwrap_or_else(|| {
                *temps += 1;
                b.buffer(BufferKind::Temp(*temps - 1), shape, dtype)
            })
        })
        .collect();
    let step = ControlStep {
        node: id,
        op: node.op.clone(),
        inputs,
        outputs,
        temporal: None,
    };
    (step, copies)
}

/// True when a control step may write result buffer `ob` over operand
/// buffer `pb`: `pb` is read once, as the initial value of the carried state
/// that `ob` receives (the loop driver consumes it before writing).
fn control_aliasable(c: &ControlStep, pb: BufId, ob: BufId) -> bool {
    let n_carry = match &c.op {
        Op::Loop { n_carry, .. } | Op::While { n_carry, .. } => *n_carry as usize,
        _ => 0,
    };
    let reads: Vec<usize> = (0..c.inputs.len()).filter(|&i| c.inputs[i] == pb).collect();
    matches!(reads[..], [k] if k < n_carry && c.outputs.get(k) == Some(&ob))
}

/// A reduction of fewer than this many results is split (`split_axis`)...
const SPLIT_BELOW: usize = 16;
/// ...when its operand has at least this many elements.
const SPLIT_FROM: usize = 1 << 18;

/// The axis a reduction `op` of an operand of `shape` over `axes` is split
/// at (first reduced alone, then the rest), or `None`: only reductions to
/// fewer than `SPLIT_BELOW` results of large operands whose innermost
/// reduced axis and remaining reduced axes are both long, and only for ops
/// whose result does not depend on the grouping (max, min, any, all,
/// integer sums) or that keep their error bound (an f32 sum keeps its
/// partials in f64 and rounds once; an f64 sum rounds each partial once
/// more). Float products keep their order.
fn split_axis(op: crate::ReduceOp, shape: &Shape, axes: &crate::Axes) -> Option<usize> {
    use crate::ReduceOp;
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
fn fold_1d(
    op: crate::ReduceOp,
    dtype: crate::DType,
    shape: &Shape,
    axes: &crate::Axes,
) -> Option<usize> {
    use crate::{DType, ReduceOp};
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
            _ => {}
        }
    }
}

/// The store map of a reduction over `axes` of a `rank`-d iteration space
/// into a row-major result of shape `out` (the kept axes, in order).
fn reduced_map(rank: usize, axes: &crate::Axes, out: &Shape) -> Affine {
    let mut map = Affine::constant(rank, 0);
    let kept: Vec<usize> = (0..rank).filter(|a| !axes.contains(a)).collect();
    for (&a, &s) in kept.iter().zip(out.strides().iter()) {
        map.coefs[a] = s as i64;
    }
    map
}

/// True for ops that run on the host through `eval_op`.
fn is_host(op: &Op) -> bool {
    // The older Threefry scheme's counters depend on the draw's size, not
    // on the element's index alone, and each hash gives two words of the
    // draw: it runs through the interpreter, which hashes once per pair of
    // words (a per-element loop hashes twice as often and measured 2.5x
    // slower for 2^20 uniforms).
    !(op.is_leaf()
        || op.is_elementwise()
        || op.is_movement()
        || matches!(
            op,
            Op::Reduce { .. }
                | Op::SetSlice(_)
                | Op::RandomBits {
                    partitionable: true,
                    ..
                }
        ))
}

/// The kernel in which a materialised node `u` evaluates its operand `k`.
fn user_key(op: &Op, u: NodeId, k: usize) -> GroupKey {
    match op {
        Op::SetSlice(_) => (u, k as u8),
        _ => (u, 0),
    }
}

/// Nodes that reach an output.
fn liveness(graph: &Graph) -> SecondaryMap<NodeId, bool> {
    let mut live: SecondaryMap<NodeId, bool> = SecondaryMap::new();
    for &(n, _) in &graph.outputs {
        live[n] = true;
    }
    for (id, node) in graph.nodes.iter().rev() {
        if live[id] {
            for &i in &node.inputs {
                live[i] = true;
            }
        }
    }
    live
}

/// The identity index map over `rank` iteration axes.
fn identity(rank: usize) -> Vec<Affine> {
    (0..rank).map(|d| Affine::axis(rank, d)).collect()
}

/// The index map of an operand of shape `from` broadcast to `to`, given the
/// map `index` of the broadcast result.
fn broadcast_map(from: &Shape, to: &Shape, index: &[Affine]) -> Vec<Affine> {
    let rank = index.first().map_or(0, |a| a.coefs.len());
    let offset = to.rank() - from.rank();
    (0..from.rank())
        .map(|d| {
            if from[d] == 1 {
                Affine::constant(rank, 0)
            } else {
                index[d + offset].clone()
            }
        })
        .collect()
}

/// For a reshape of `from` into `to` that only splits axes: for each axis of
/// `from`, the axes of `to` it becomes (none for extent 1). `None` when the
/// reshape merges axes (its operand must then be read as a flat buffer).
pub fn reshape_blocks(from: &Shape, to: &Shape) -> Option<Vec<Vec<usize>>> {
    if from.size() == 0 {
        return Some(vec![Vec::new(); from.rank()]);
    }
    let mut j = 0;
    let mut out = Vec::with_capacity(from.rank());
    for &e in from.iter() {
        let mut block = Vec::new();
        if e != 1 {
            let mut prod = 1;
            while prod < e {
                if j >= to.rank() {
                    return None;
                }
                if to[j] != 1 {
                    block.push(j);
                    prod *= to[j];
                }
                j += 1;
            }
            if prod != e {
                return None;
            }
        }
        out.push(block);
    }
    Some(out)
}

/// Builds buffers and the parameter/output tables.
struct PlanBuilder<'g> {
    graph: &'g Graph,
    buffers: Vec<BufferInfo>,
    params: Vec<BufId>,
    outputs: Vec<BufId>,
    node_buf: SecondaryMap<NodeId, Option<BufId>>,
}

impl<'g> PlanBuilder<'g> {
    fn new(graph: &'g Graph) -> Self {
        PlanBuilder {
            graph,
            buffers: Vec::new(),
            params: Vec::new(),
            outputs: Vec::new(),
            node_buf: SecondaryMap::new(),
        }
    }

    fn buffer(&mut self, kind: BufferKind, shape: Shape, dtype: crate::DType) -> BufId {
        self.buffers.push(BufferInfo { kind, shape, dtype });
        BufId(self.buffers.len() as u32 - 1)
    }

    /// The buffer of a leaf (its constant buffer is created on first use).
    fn leaf_buffer(&mut self, n: NodeId) -> BufId {
        if let Some(b) = self.node_buf[n] {
            return b;
        }
        let node = &self.graph.nodes[n];
        let Op::Const(c) = node.op else {
            unreachable!("parameters have buffers")
        };
        let id = self.buffer(BufferKind::Const(c), node.shape.clone(), node.dtype);
        self.node_buf[n] = Some(id);
        id
    }

    /// The buffer of a leaf or materialised node.
    fn operand_buffer(&mut self, n: NodeId) -> BufId {
        match self.node_buf[n] {
            Some(b) => b,
            None => self.leaf_buffer(n),
        }
    }
}

/// Builds one kernel body, memoising (node, index map) pairs.
struct KernelBuilder<'a, 'g> {
    plan: &'a mut PlanBuilder<'g>,
    realised: &'a SecondaryMap<NodeId, bool>,
    root: NodeId,
    rank: usize,
    body: Vec<Instr>,
    memo: FxHashMap<(NodeId, Vec<Affine>), usize>,
    exprs: FxHashMap<String, usize>,
}

impl<'a, 'g> KernelBuilder<'a, 'g> {
    fn new(
        plan: &'a mut PlanBuilder<'g>,
        realised: &'a SecondaryMap<NodeId, bool>,
        root: NodeId,
        rank: usize,
    ) -> Self {
        KernelBuilder {
            plan,
            realised,
            root,
            rank,
            body: Vec::new(),
            memo: FxHashMap::default(),
            exprs: FxHashMap::default(),
        }
    }

    fn push(&mut self, expr: Expr, dtype: crate::DType) -> usize {
        // Identical instructions (same loads, same ops on the same operands) are shared.
        let key = format!("{expr:?}:{dtype}");
        if let Some(&i) = self.exprs.get(&key) {
            return i;
        }
        self.body.push(Instr { expr, dtype });
        self.exprs.insert(key, self.body.len() - 1);
        self.body.len() - 1
    }

    fn cast(&mut self, value: usize, to: crate::DType) -> usize {
        if self.body[value].dtype == to {
            value
        } else {
            self.push(Expr::Cast(to, value), to)
        }
    }

    fn is_buffer(&self, n: NodeId) -> bool {
        n != self.root && (self.plan.graph.nodes[n].op.is_leaf() || self.realised[n])
    }

    /// Loads node `n`'s buffer at the linear index `map`, or its value as an
    /// immediate for a one-element constant.
    fn load(&mut self, n: NodeId, map: Affine) -> usize {
        let graph = self.plan.graph;
        let node = &graph.nodes[n];
        if let Some(v) = graph.const_value(n)
            && v.buf.len() == 1
        {
            return self.push(Expr::Imm(v.buf.get(0)), node.dtype);
        }
        let buf = self.plan.operand_buffer(n);
        self.push(Expr::Load { buf, map }, node.dtype)
    }

    /// The value of node `n` at multi-index `index` (affine in the iteration index).
    fn value(&mut self, n: NodeId, index: &[Affine]) -> usize {
        let key = (n, index.to_vec());
        if let Some(&v) = self.memo.get(&key) {
            return v;
        }
        let v = self.compute(n, index);
        self.memo.insert(key, v);
        v
    }

    fn compute(&mut self, n: NodeId, index: &[Affine]) -> usize {
        let graph = self.plan.graph;
        let node = &graph.nodes[n];
        if self.is_buffer(n) {
            return self.load(n, Affine::linearize(index, &node.shape, self.rank));
        }
        let operand = |k: usize| node.inputs[k];
        let bcast =
            |k: usize| broadcast_map(&graph.nodes[node.inputs[k]].shape, &node.shape, index);
        match &node.op {
            Op::Unary(u) => {
                let a = self.value(operand(0), &bcast(0));
                self.push(Expr::Unary(*u, a), node.dtype)
            }
            Op::Binary(op) => {
                let a = self.value(operand(0), &bcast(0));
                let b = self.value(operand(1), &bcast(1));
                self.push(Expr::Binary(*op, a, b), node.dtype)
            }
            Op::Select => {
                let c = self.value(operand(0), &bcast(0));
                let a = self.value(operand(1), &bcast(1));
                let b = self.value(operand(2), &bcast(2));
                self.push(Expr::Select(c, a, b), node.dtype)
            }
            Op::Cast(to) => {
                let a = self.value(operand(0), &bcast(0));
                self.cast(a, *to)
            }
            Op::BroadcastTo(_) => self.value(operand(0), &bcast(0)),
            Op::Permute(perm) => {
                let mut inner = vec![Affine::constant(self.rank, 0); perm.len()];
                for (i, &p) in perm.iter().enumerate() {
                    inner[p] = index[i].clone();
                }
                self.value(operand(0), &inner)
            }
            Op::Slice(spec) => {
                let inner: Vec<Affine> = spec
                    .iter()
                    .zip(index)
                    .map(|(s, a)| a.scale_add(s.step as i64, s.start as i64))
                    .collect();
                self.value(operand(0), &inner)
            }
            Op::Reshape(to) => {
                let src = operand(0);
                if self.is_buffer(src) {
                    // Both sides are row-major: the linear index carries over.
                    return self.load(src, Affine::linearize(index, to, self.rank));
                }
                let from = &graph.nodes[src].shape;
                let blocks =
                    reshape_blocks(from, to).expect("merging reshapes read a materialised operand");
                let inner: Vec<Affine> = blocks
                    .iter()
                    .map(|block| {
                        let mut acc = Affine::constant(self.rank, 0);
                        let mut scale = 1i64;
                        for &j in block.iter().rev() {
                            acc = acc.add_scaled(&index[j], scale);
                            scale *= to[j] as i64;
                        }
                        acc
                    })
                    .collect();
                self.value(src, &inner)
            }
            Op::RandomBits { .. } => {
                let key = self.plan.operand_buffer(operand(0));
                let index = Affine::linearize(index, &node.shape, self.rank);
                self.push(Expr::ThreefryBits { key, index }, node.dtype)
            }
            op => unreachable!("{op} is not fused into loops"),
        }
    }
}

/// Merges element-wise kernels of one iteration space into multi-store
/// kernels (see the module documentation), then drops the stores of
/// temporaries that no step reads any more.
fn merge_kernels(graph: &Graph, plan: &PlanBuilder<'_>, steps: Vec<(GroupKey, Step)>) -> Vec<Step> {
    let mergeable = |k: &Kernel, key: GroupKey| {
        k.reduce.is_none() && !matches!(graph.nodes[key.0].op, Op::SetSlice(_))
    };
    let mut out: Vec<(GroupKey, Step)> = Vec::with_capacity(steps.len());
    for (key, step) in steps {
        if let Step::Kernel(s) = &step
            && mergeable(s, key)
            && let Some(gi) = merge_target(&out, s, &mergeable)
        {
            let Step::Kernel(g) = &out[gi].1 else {
                unreachable!("merge targets are kernels")
            };
            let merged = merge_two(g, s);
            out[gi].1 = Step::Kernel(merged);
            continue;
        }
        out.push((key, step));
    }
    let mut steps: Vec<Step> = out.into_iter().map(|(_, s)| s).collect();
    // A temporary read by no step (every reader merged with its writer) is
    // not stored.
    let mut read = vec![false; plan.buffers.len()];
    for s in &steps {
        for b in s.reads() {
            read[b.index()] = true;
        }
    }
    for s in &mut steps {
        if let Step::Kernel(k) = s
            && k.reduce.is_none()
            && k.stores.len() > 1
        {
            k.stores.retain(|st| {
                read[st.buf.index()]
                    || !matches!(plan.buffers[st.buf.index()].kind, BufferKind::Temp(_))
            });
        }
    }
    steps
}

/// The index in `out` of the kernel that `s` merges into: the latest
/// element-wise kernel of the same iteration space that `s` is related to
/// (it reads a result of it, or they load a common buffer) and can run in
/// the same loop with (`can_merge`). The steps between them must not write
/// what `s` reads, since `s` moves up to the target's position.
fn merge_target(
    out: &[(GroupKey, Step)],
    s: &Kernel,
    mergeable: &dyn Fn(&Kernel, GroupKey) -> bool,
) -> Option<usize> {
    let s_reads = s.inputs();
    let s_writes = s.outputs();
    for gi in (0..out.len()).rev() {
        let (key, step) = &out[gi];
        if let Step::Kernel(g) = step
            && mergeable(g, *key)
            && g.shape == s.shape
            && can_merge(g, s)
        {
            return Some(gi);
        }
        let writes = step.writes();
        let reads = step.reads();
        if writes
            .iter()
            .any(|b| s_reads.contains(b) || s_writes.contains(b))
            || reads.iter().any(|b| s_writes.contains(b))
        {
            return None;
        }
    }
    None
}

/// True when element-wise kernel `s` (later) can join kernel `g` (earlier)
/// in one loop: they are related, every load in `s` of a buffer `g` stores
/// is at the very index `g` stores it (so it becomes the stored value), `s`
/// draws no random bits under a key `g` writes, and `g` reads nothing `s`
/// writes.
fn can_merge(g: &Kernel, s: &Kernel) -> bool {
    let g_loads: Vec<BufId> = g.inputs();
    let s_writes = s.outputs();
    if g_loads.iter().any(|b| s_writes.contains(b))
        || g.stores.iter().any(|st| s_writes.contains(&st.buf))
    {
        return false;
    }
    let mut related = false;
    for i in &s.body {
        match &i.expr {
            Expr::Load { buf, map } => {
                let stored: Vec<&Store> = g.stores.iter().filter(|st| st.buf == *buf).collect();
                match stored[..] {
                    [] => related |= g_loads.contains(buf),
                    [st] if st.map == *map && matches!(st.value, StoreValue::Expr(_)) => {
                        related = true
                    }
                    _ => return false,
                }
            }
            Expr::ThreefryBits { key, .. } if g.stores.iter().any(|st| st.buf == *key) => {
                return false;
            }
            _ => {}
        }
    }
    related
}

/// `a` followed by `b` in one loop: `b`'s loads of `a`'s results use the
/// stored values directly, and instructions both compute are shared.
fn merge_two(a: &Kernel, b: &Kernel) -> Kernel {
    let mut body = a.body.clone();
    let mut remap = Vec::with_capacity(b.body.len());
    for instr in &b.body {
        let m = |i: usize| remap[i];
        let expr = match &instr.expr {
            Expr::Load { buf, map } => {
                let stored = a.stores.iter().find(|st| st.buf == *buf && st.map == *map);
                if let Some(Store {
                    value: StoreValue::Expr(v),
                    ..
                }) = stored
                {
                    remap.push(*v);
                    continue;
                }
                Expr::Load {
                    buf: *buf,
                    map: map.clone(),
                }
            }
            Expr::Imm(s) => Expr::Imm(*s),
            Expr::Unary(op, x) => Expr::Unary(*op, m(*x)),
            Expr::Binary(op, x, y) => Expr::Binary(*op, m(*x), m(*y)),
            Expr::Select(c, x, y) => Expr::Select(m(*c), m(*x), m(*y)),
            Expr::Cast(d, x) => Expr::Cast(*d, m(*x)),
            Expr::ThreefryBits { key, index } => Expr::ThreefryBits {
                key: *key,
                index: index.clone(),
            },
        };
        let instr = Instr {
            expr,
            dtype: instr.dtype,
        };
        match body.iter().position(|i| *i == instr) {
            Some(p) => remap.push(p),
            None => {
                body.push(instr);
                remap.push(body.len() - 1);
            }
        }
    }
    let mut stores = a.stores.clone();
    for s in &b.stores {
        let value = match s.value {
            StoreValue::Expr(i) => StoreValue::Expr(remap[i]),
            StoreValue::Reduced => StoreValue::Reduced,
        };
        stores.push(Store {
            buf: s.buf,
            value,
            map: s.map.clone(),
        });
    }
    let mut nodes: Vec<NodeId> = a.nodes.iter().chain(&b.nodes).copied().collect();
    nodes.sort();
    Kernel {
        name: String::new(),
        nodes,
        shape: b.shape.clone(),
        reduce: None,
        body,
        stores,
    }
}

/// Removes temporaries no step reads or writes and renumbers the rest.
fn drop_unused_temps(plan: &mut KernelPlan) {
    let mut used = vec![false; plan.buffers.len()];
    for s in &plan.steps {
        for b in s.reads().into_iter().chain(s.writes()) {
            used[b.index()] = true;
        }
    }
    let mut remap = vec![BufId(0); plan.buffers.len()];
    let mut kept = Vec::new();
    let mut temps = 0;
    for (i, info) in plan.buffers.iter().enumerate() {
        let keep = used[i] || !matches!(info.kind, BufferKind::Temp(_));
        if keep {
            let mut info = info.clone();
            if let BufferKind::Temp(_) = info.kind {
                info.kind = BufferKind::Temp(temps);
                temps += 1;
            }
            remap[i] = BufId(kept.len() as u32);
            kept.push(info);
        }
    }
    let m = |b: BufId| remap[b.index()];
    for s in &mut plan.steps {
        match s {
            Step::Kernel(k) => {
                for i in &mut k.body {
                    if let Expr::Load { buf, .. } | Expr::ThreefryBits { key: buf, .. } =
                        &mut i.expr
                    {
                        *buf = m(*buf);
                    }
                }
                for st in &mut k.stores {
                    st.buf = m(st.buf);
                }
            }
            Step::Host(h) => {
                for b in &mut h.inputs {
                    *b = m(*b);
                }
                h.output = m(h.output);
            }
            Step::Control(c) => {
                for b in c.inputs.iter_mut().chain(c.outputs.iter_mut()) {
                    *b = m(*b);
                }
            }
            Step::Copy { src, dst } => {
                *src = m(*src);
                *dst = m(*dst);
            }
        }
    }
    for b in plan.params.iter_mut().chain(plan.outputs.iter_mut()) {
        *b = m(*b);
    }
    plan.buffers = kept;
}

/// The (output, param) pairs that may share memory (see the module documentation).
fn aliasable(graph: &Graph, plan: &KernelPlan) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (j, &ob) in plan.outputs.iter().enumerate() {
        let out_node = graph.outputs[j].0;
        let oinfo = &plan.buffers[ob.index()];
        for (p, &pb) in plan.params.iter().enumerate() {
            let pinfo = &plan.buffers[pb.index()];
            if pinfo.shape != oinfo.shape || pinfo.dtype != oinfo.dtype {
                continue;
            }
            if out_node == graph.params[p].0 {
                // The output is the parameter unchanged: copying it onto itself is harmless.
                pairs.push((j, p));
                continue;
            }
            let Some(first) = plan.steps.iter().position(|s| s.writes().contains(&ob)) else {
                continue;
            };
            // Only the first step writing the output may read the param
            // (element by element, before it overwrites it); a later step
            // would read elements already overwritten (a region written by
            // `set_slice` after the copy of its operand).
            let ok = plan.steps[first..].iter().enumerate().all(|(i, s)| {
                if !s.reads().contains(&pb) {
                    return true;
                }
                if i > 0 {
                    return false;
                }
                match s {
                    Step::Kernel(k) if k.reduce.is_none() => {
                        let Some(store) = k.stores.iter().find(|st| st.buf == ob) else {
                            return false;
                        };
                        k.body.iter().all(|i| match &i.expr {
                            Expr::Load { buf, map } => *buf != pb || *map == store.map,
                            Expr::ThreefryBits { key, .. } => *key != pb,
                            _ => true,
                        })
                    }
                    // A sparse product writes its result while it reads
                    // its operand.
                    Step::Host(h) => {
                        h.output == ob && !matches!(h.op, Op::CsrMatVec(_) | Op::CsrVecMat(_))
                    }
                    Step::Control(c) => control_aliasable(c, pb, ob),
                    _ => false,
                }
            });
            if ok {
                pairs.push((j, p));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Step;
    use crate::{BinaryOp, DType, OutputRole, ParamRole, UnaryOp};

    #[test]
    fn large_full_reductions_split_at_their_innermost_axis() {
        let mut g = Graph::new();
        let x = g.param(Shape::new(&[512, 1024]), DType::F32, ParamRole::Arg(0));
        let all = [0, 1].into_iter().collect();
        let op = crate::ReduceOp::Sum;
        let s = g.add(Op::Reduce { op, axes: all }, &[x]).unwrap();
        let rows = [1].into_iter().collect();
        let r = g.add(Op::Reduce { op, axes: rows }, &[x]).unwrap();
        g.output(s, OutputRole::Result(0));
        g.output(r, OutputRole::Result(1));
        let plan = fuse(&g);
        let shapes: Vec<(Vec<usize>, Vec<usize>)> = plan
            .kernels()
            .map(|k| {
                let axes = k.reduce.as_ref().unwrap().axes.to_vec();
                (k.shape.to_vec(), axes)
            })
            .collect();
        // The full sum: rows into a temporary, then the 512 row sums; the
        // row sums (512 results) are not split.
        assert_eq!(
            shapes,
            [
                (vec![512, 1024], vec![1]),
                (vec![512], vec![0]),
                (vec![512, 1024], vec![1])
            ],
            "{plan}"
        );
        let small = Shape::new(&[8, 8]);
        let all = [0, 1].into_iter().collect();
        assert_eq!(split_axis(op, &small, &all), None);
        let big = Shape::new(&[512, 1024]);
        let all = [0, 1].into_iter().collect();
        assert_eq!(split_axis(crate::ReduceOp::Prod, &big, &all), None);
    }

    #[test]
    fn reshape_blocks_split_but_never_merge() {
        let s = |d: &[usize]| Shape::new(d);
        assert_eq!(
            reshape_blocks(&s(&[6, 4]), &s(&[2, 3, 1, 4])),
            Some(vec![vec![0, 1], vec![3]])
        );
        assert_eq!(
            reshape_blocks(&s(&[1, 6]), &s(&[6, 1])),
            Some(vec![vec![], vec![0]])
        );
        assert_eq!(reshape_blocks(&s(&[2, 3]), &s(&[6])), None);
        assert_eq!(reshape_blocks(&s(&[4, 3]), &s(&[6, 2])), None);
    }

    #[test]
    fn shared_value_is_materialised_once_and_chains_merge() {
        // e = exp(x) feeds a reduction and an element-wise use: materialised.
        let mut g = Graph::new();
        let x = g.param(Shape::new(&[4, 3]), DType::F32, ParamRole::Arg(0));
        let e = g.add(Op::Unary(UnaryOp::Exp), &[x]).unwrap();
        let s = g
            .add(
                Op::Reduce {
                    op: crate::ReduceOp::Sum,
                    axes: [0].into_iter().collect(),
                },
                &[e],
            )
            .unwrap();
        let y = g.add(Op::Binary(BinaryOp::Mul), &[e, s]).unwrap();
        g.output(y, OutputRole::Result(0));
        let plan = fuse(&g);
        let kernels: Vec<_> = plan.kernels().collect();
        assert_eq!(kernels.len(), 3, "{plan}");
        assert_eq!(
            plan.buffers
                .iter()
                .filter(|b| matches!(b.kind, BufferKind::Temp(_)))
                .count(),
            2
        );
        // An output read only at its own index by a later kernel merges into it.
        let mut g = Graph::new();
        let x = g.param(Shape::new(&[5]), DType::F32, ParamRole::Arg(0));
        let a = g.add(Op::Unary(UnaryOp::Neg), &[x]).unwrap();
        let b = g.add(Op::Unary(UnaryOp::Abs), &[a]).unwrap();
        g.output(a, OutputRole::Result(0));
        g.output(b, OutputRole::Result(1));
        let plan = fuse(&g);
        assert_eq!(plan.steps.len(), 1, "{plan}");
        let Step::Kernel(k) = &plan.steps[0] else {
            panic!("{plan}")
        };
        assert_eq!(k.stores.len(), 2);
    }
}
