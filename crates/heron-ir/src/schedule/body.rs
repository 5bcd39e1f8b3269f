//! Kernel bodies: `KernelBuilder` turns a node and the inlined nodes under
//! it into body instructions at affine index maps of the iteration index,
//! loading the buffers of leaves and materialised nodes and memoising each
//! (node, index map) pair.

use super::buffers::PlanBuilder;
use super::partition::reshape_blocks;
use crate::plan::{Affine, Expr, Instr};
use crate::{DType, NodeId, Op, Shape};
use cranelift_entity::SecondaryMap;
use rustc_hash::FxHashMap;

/// The identity index map over `rank` iteration axes.
pub(super) fn identity(rank: usize) -> Vec<Affine> {
    (0..rank).map(|d| Affine::axis(rank, d)).collect()
}

/// The index map of an operand of shape `from` broadcast to `to`, given the
/// map `index` of the broadcast result.
pub(super) fn broadcast_map(from: &Shape, to: &Shape, index: &[Affine]) -> Vec<Affine> {
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

/// Builds one kernel body, memoising (node, index map) pairs.
pub(super) struct KernelBuilder<'a, 'g> {
    plan: &'a mut PlanBuilder<'g>,
    realised: &'a SecondaryMap<NodeId, bool>,
    root: NodeId,
    rank: usize,
    /// The instructions so far.
    pub body: Vec<Instr>,
    memo: FxHashMap<(NodeId, Vec<Affine>), usize>,
    exprs: FxHashMap<String, usize>,
}

impl<'a, 'g> KernelBuilder<'a, 'g> {
    /// A builder for the kernel rooted at `root` over `rank` iteration axes.
    pub fn new(
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

    fn push(&mut self, expr: Expr, dtype: DType) -> usize {
        // Identical instructions (same loads, same ops on the same operands) are shared.
        let key = format!("{expr:?}:{dtype}");
        if let Some(&i) = self.exprs.get(&key) {
            return i;
        }
        self.body.push(Instr { expr, dtype });
        self.exprs.insert(key, self.body.len() - 1);
        self.body.len() - 1
    }

    /// `value` cast to `to` (itself when it already has that type).
    pub fn cast(&mut self, value: usize, to: DType) -> usize {
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
    pub fn value(&mut self, n: NodeId, index: &[Affine]) -> usize {
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
            Op::Take { .. } | Op::TakeAlongAxis { .. } | Op::DynamicSlice { .. } => {
                let (g, check) = super::gather::gather_expr(self.plan, n, index, self.rank);
                if let Some(c) = check
                    && !self.plan.checks.contains(&c)
                {
                    self.plan.checks.push(c);
                }
                self.push(Expr::Gather(g), node.dtype)
            }
            op => unreachable!("{op} is not fused into loops"),
        }
    }
}
