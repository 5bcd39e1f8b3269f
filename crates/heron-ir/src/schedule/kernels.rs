//! Step 3 of scheduling: one or more steps per materialised node, in graph
//! order. An element-wise root gets a kernel over its shape, a reduction the
//! kernels of `reductions`, a `set_slice` a copy kernel and a region kernel,
//! a host op a host step, and a control node a control step whose results
//! are written straight into the buffers of its `get[k]` users (a counted
//! loop's body is scheduled recursively and, when the options allow,
//! temporally fused).

use super::body::{KernelBuilder, broadcast_map, identity};
use super::buffers::PlanBuilder;
use super::partition::{Partition, is_host};
use super::{GroupKey, reductions, schedule_loop_body, temporal};
use crate::plan::{Affine, BufId, ControlStep, HostStep, Kernel, Step, Store, StoreValue};
use crate::{AxisSlice, CompileOptions, NodeId, Op, Shape};

/// The steps of every materialised node of `part`, each with the kernel key
/// it was built for (the merge step reads the keys).
pub(super) fn emit(
    part: &Partition<'_>,
    b: &mut PlanBuilder<'_>,
    fold_long: bool,
    options: &CompileOptions,
) -> Vec<(GroupKey, Step)> {
    let graph = part.graph;
    let mut steps: Vec<(GroupKey, Step)> = Vec::new();
    for (id, node) in graph.nodes.iter() {
        if !part.realised[id] {
            continue;
        }
        match &node.op {
            // Written by its control node's step.
            Op::Project(_) => {}
            op if crate::control::is_control(op) => {
                let (mut step, copies) = control_step(part, id, b);
                if let (true, Op::Loop { body, .. }) = (options.temporal_fusion, &step.op) {
                    step.temporal = temporal::analyze(&step.op, &schedule_loop_body(body, options));
                }
                steps.push(((id, 0), Step::Control(step)));
                steps.extend(copies);
            }
            op if is_host(op) => {
                let step = HostStep {
                    node: id,
                    op: node.op.clone(),
                    inputs: node.inputs.iter().map(|&i| b.operand_buffer(i)).collect(),
                    output: b.node_buf[id].expect("materialised nodes have buffers"),
                };
                steps.push(((id, 0), Step::Host(step)));
            }
            Op::Reduce { op, axes } => {
                steps.extend(reductions::reduce_kernels(
                    part,
                    b,
                    id,
                    (*op, axes),
                    fold_long,
                ));
            }
            Op::SetSlice(spec) => steps.extend(set_slice_kernels(part, b, id, spec)),
            _ => {
                let shape = node.shape.clone();
                let mut kb = KernelBuilder::new(b, &part.realised, id, shape.rank());
                let value = kb.value(id, &identity(shape.rank()));
                let body = kb.body;
                let buf = b.node_buf[id].expect("materialised nodes have buffers");
                let kernel = Kernel {
                    name: String::new(),
                    nodes: part.own(id, 0),
                    shape: shape.clone(),
                    reduce: None,
                    body,
                    stores: vec![Store {
                        buf,
                        value: StoreValue::Expr(value),
                        map: Affine::row_major(&shape),
                    }],
                };
                steps.push(((id, 0), Step::Kernel(kernel)));
            }
        }
    }
    steps
}

/// The two kernels of `set_slice(x, v)` node `id`: one over `x`'s shape
/// computing `x` into the node's buffer, then one over the sliced region
/// computing `v` and storing at the region's affine index map.
fn set_slice_kernels(
    part: &Partition<'_>,
    b: &mut PlanBuilder<'_>,
    id: NodeId,
    spec: &[AxisSlice],
) -> [(GroupKey, Step); 2] {
    let graph = part.graph;
    let node = &graph.nodes[id];
    let dst = b.node_buf[id].expect("materialised nodes have buffers");
    let (x, v) = (node.inputs[0], node.inputs[1]);
    let shape = node.shape.clone();
    let mut kb = KernelBuilder::new(b, &part.realised, id, shape.rank());
    let value = kb.value(x, &identity(shape.rank()));
    let body = kb.body;
    let mut nodes = part.members.get(&(id, 0)).cloned().unwrap_or_default();
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
    let region: Shape = spec.iter().map(|s| s.len).collect::<Vec<_>>().into();
    let rank = region.rank();
    let ident = identity(rank);
    let vshape = graph.nodes[v].shape.clone();
    let mut kb = KernelBuilder::new(b, &part.realised, id, rank);
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
        nodes: part.own(id, 1),
        shape: region,
        reduce: None,
        body,
        stores: vec![Store {
            buf: dst,
            value: StoreValue::Expr(cast),
            map,
        }],
    };
    [
        ((id, 0), Step::Kernel(copy)),
        ((id, 1), Step::Kernel(write)),
    ]
}

/// The step of control node `id`: its results are written straight into
/// the buffers of its `get[k]` users (a scratch temporary for a result no
/// one reads). A second `get[k]` of the same result gets a copy; returns the
/// step and those copies (they must run after it).
fn control_step(
    part: &Partition<'_>,
    id: NodeId,
    b: &mut PlanBuilder<'_>,
) -> (ControlStep, Vec<(GroupKey, Step)>) {
    let graph = part.graph;
    let node = &graph.nodes[id];
    let inputs = node.inputs.iter().map(|&i| b.operand_buffer(i)).collect();
    let types = crate::control::result_types(&node.op);
    let mut outputs: Vec<Option<BufId>> = vec![None; types.len()];
    let mut copies = Vec::new();
    for &(u, _) in &part.users[id] {
        if let Op::Project(k) = graph.nodes[u].op {
            let dst = b.node_buf[u].expect("get nodes are materialised");
            match outputs[k as usize] {
                None => outputs[k as usize] = Some(dst),
                Some(src) => copies.push(((u, 0), Step::Copy { src, dst })),
            }
        }
    }
    let outputs = outputs
        .into_iter()
        .zip(types)
        .map(|(o, (shape, dtype))| o.unwrap_or_else(|| b.temp(shape, dtype)))
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
