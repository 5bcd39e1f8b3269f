//! Steps 2 and 5 of scheduling: the plan's buffers. `PlanBuilder` gives a
//! buffer to every parameter, output and materialised node (constants get
//! theirs on first use), adds the copies of outputs that are leaves or
//! repeat an earlier output, and `drop_unused_temps` removes the
//! temporaries no step touches once kernels have merged.

use super::partition::Partition;
use crate::plan::{BufId, BufferInfo, BufferKind, Expr, KernelPlan, Step};
use crate::{DType, Graph, NodeId, Op, Shape};
use cranelift_entity::SecondaryMap;

/// Builds buffers and the parameter/output tables.
pub(super) struct PlanBuilder<'g> {
    /// The graph scheduled.
    pub graph: &'g Graph,
    /// Every buffer so far.
    pub buffers: Vec<BufferInfo>,
    /// The buffer of each parameter.
    pub params: Vec<BufId>,
    /// The buffer of each output.
    pub outputs: Vec<BufId>,
    /// The buffer of each leaf or materialised node.
    pub node_buf: SecondaryMap<NodeId, Option<BufId>>,
    /// The number of temporaries so far.
    temps: u32,
    /// The index checks of the gathers fused into kernels so far
    /// (`gather.rs` places them before their kernels).
    pub checks: Vec<crate::plan::IndexCheck>,
}

impl<'g> PlanBuilder<'g> {
    /// An empty builder for `graph`.
    pub fn new(graph: &'g Graph) -> Self {
        PlanBuilder {
            graph,
            buffers: Vec::new(),
            params: Vec::new(),
            outputs: Vec::new(),
            node_buf: SecondaryMap::new(),
            temps: 0,
            checks: Vec::new(),
        }
    }

    /// A new buffer.
    pub fn buffer(&mut self, kind: BufferKind, shape: Shape, dtype: DType) -> BufId {
        self.buffers.push(BufferInfo { kind, shape, dtype });
        BufId(self.buffers.len() as u32 - 1)
    }

    /// A new temporary.
    pub fn temp(&mut self, shape: Shape, dtype: DType) -> BufId {
        self.temps += 1;
        self.buffer(BufferKind::Temp(self.temps - 1), shape, dtype)
    }

    /// Buffers of the parameters, the outputs, and the materialised nodes
    /// (an output node writes its first output buffer directly).
    pub fn allocate(&mut self, part: &Partition<'_>) {
        let graph = self.graph;
        for (i, &(n, _)) in graph.params.iter().enumerate() {
            let node = &graph.nodes[n];
            let id = self.buffer(BufferKind::Param(i as u32), node.shape.clone(), node.dtype);
            self.params.push(id);
            self.node_buf[n] = Some(id);
        }
        for (j, &(n, _)) in graph.outputs.iter().enumerate() {
            let node = &graph.nodes[n];
            let id = self.buffer(BufferKind::Output(j as u32), node.shape.clone(), node.dtype);
            self.outputs.push(id);
            if part.first_output[n] == Some(j as u32) && part.realised[n] {
                self.node_buf[n] = Some(id);
            }
        }
        for (id, node) in graph.nodes.iter() {
            if part.realised[id] && self.node_buf[id].is_none() {
                self.node_buf[id] = Some(self.temp(node.shape.clone(), node.dtype));
            }
        }
    }

    /// Copies of the outputs that are leaves: they run first, before
    /// anything may write a parameter's memory in place.
    pub fn leaf_output_copies(&mut self) -> Vec<Step> {
        let graph = self.graph;
        let mut copies = Vec::new();
        for (j, &(n, _)) in graph.outputs.iter().enumerate() {
            if graph.nodes[n].op.is_leaf() {
                let src = self.leaf_buffer(n);
                copies.push(Step::Copy {
                    src,
                    dst: self.outputs[j],
                });
            }
        }
        copies
    }

    /// Copies of the outputs that repeat an earlier output's node: they run
    /// last, from the first occurrence's buffer.
    pub fn repeated_output_copies(&self, part: &Partition<'_>) -> Vec<Step> {
        let graph = self.graph;
        let mut copies = Vec::new();
        for (j, &(n, _)) in graph.outputs.iter().enumerate() {
            if !graph.nodes[n].op.is_leaf() && part.first_output[n] != Some(j as u32) {
                let first = part.first_output[n].expect("first occurrence");
                copies.push(Step::Copy {
                    src: self.outputs[first as usize],
                    dst: self.outputs[j],
                });
            }
        }
        copies
    }

    /// The plan of `steps` over the buffers built (no aliasing, no row
    /// groups yet).
    pub fn finish(self, steps: Vec<Step>) -> KernelPlan {
        KernelPlan {
            buffers: self.buffers,
            steps,
            params: self.params,
            outputs: self.outputs,
            aliasable: Vec::new(),
            row_groups: Vec::new(),
        }
    }

    /// The buffer of a leaf (its constant buffer is created on first use).
    pub fn leaf_buffer(&mut self, n: NodeId) -> BufId {
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
    pub fn operand_buffer(&mut self, n: NodeId) -> BufId {
        match self.node_buf[n] {
            Some(b) => b,
            None => self.leaf_buffer(n),
        }
    }
}

/// Removes temporaries no step reads or writes and renumbers the rest.
pub(super) fn drop_unused_temps(plan: &mut KernelPlan) {
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
                    match &mut i.expr {
                        Expr::Load { buf, .. } | Expr::ThreefryBits { key: buf, .. } => {
                            *buf = m(*buf);
                        }
                        Expr::Gather(g) => {
                            g.buf = m(g.buf);
                            g.index = m(g.index);
                        }
                        _ => {}
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
            Step::Check(c) => c.index = m(c.index),
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
