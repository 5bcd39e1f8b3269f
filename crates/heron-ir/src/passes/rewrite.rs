//! A graph being rebuilt node by node: the machinery shared by the passes
//! that produce a fresh graph from an old one (dce, cse, fold, simplify).
//!
//! A pass walks the old graph in order and, for each node, either copies it
//! (with its operands renamed), replaces it by a node already in the new
//! graph, or emits something else. The new graph is in topological order by
//! construction: a node is only ever pushed after its operands.
//!
//! Guarantees: the parameters keep their positions and roles (they are the
//! calling convention), in `params` order at the front of the new graph; the
//! constant table holds only the constants the new graph refers to, each old
//! table entry copied at most once.

use crate::{ConstId, DType, Graph, Inputs, Node, NodeId, Op, Shape, Value};
use cranelift_entity::SecondaryMap;
use cranelift_entity::packed_option::PackedOption;

/// A new graph under construction from `old`, with the map from old node ids
/// to the new nodes that compute the same values.
pub(crate) struct Rebuild<'a> {
    /// The graph being rewritten.
    pub(crate) old: &'a Graph,
    /// The graph being built.
    pub(crate) new: Graph,
    nodes: SecondaryMap<NodeId, PackedOption<NodeId>>,
    consts: SecondaryMap<ConstId, PackedOption<ConstId>>,
}

impl<'a> Rebuild<'a> {
    /// Starts a rebuild of `old`: the new graph holds its parameters, in order.
    pub(crate) fn new(old: &'a Graph) -> Rebuild<'a> {
        let mut rebuild = Rebuild {
            old,
            new: Graph::new(),
            nodes: SecondaryMap::new(),
            consts: SecondaryMap::new(),
        };
        for &(id, role) in &old.params {
            let node = &old.nodes[id];
            let new = rebuild.new.param(node.shape.clone(), node.dtype, role);
            rebuild.nodes[id] = new.into();
        }
        rebuild
    }

    /// The new node standing for old node `old`; panics if it was not mapped
    /// yet (operands are mapped before their users, so a pass walking the
    /// old graph in order never asks too early).
    pub(crate) fn get(&self, old: NodeId) -> NodeId {
        self.nodes[old]
            .expand()
            .unwrap_or_else(|| panic!("{old} is used before it is rebuilt"))
    }

    /// Records that old node `old` is computed by new node `new`.
    pub(crate) fn set(&mut self, old: NodeId, new: NodeId) {
        self.nodes[old] = new.into();
    }

    /// The operands of an old node, renamed into the new graph.
    pub(crate) fn inputs(&self, node: &Node) -> Inputs {
        node.inputs.iter().map(|&i| self.get(i)).collect()
    }

    /// Copies the old `Const` node `old` (its table entry is copied once and
    /// shared by every copy of a node referring to it); returns the new node.
    pub(crate) fn copy_const(&mut self, old: NodeId) -> NodeId {
        let node = &self.old.nodes[old];
        let Op::Const(c) = node.op else {
            panic!("copy_const: {old} is not a constant");
        };
        let new_c = match self.consts[c].expand() {
            Some(new_c) => new_c,
            None => {
                let new_c = self.new.consts.push(self.old.consts[c].clone());
                self.consts[c] = new_c.into();
                new_c
            }
        };
        self.push(
            Op::Const(new_c),
            Inputs::new(),
            node.shape.clone(),
            node.dtype,
        )
    }

    /// Adds a constant node holding `value` to the new graph.
    pub(crate) fn constant(&mut self, value: Value) -> NodeId {
        self.new.constant(value)
    }

    /// Pushes a node whose type is already known (operands are new ids).
    pub(crate) fn push(&mut self, op: Op, inputs: Inputs, shape: Shape, dtype: DType) -> NodeId {
        self.new.nodes.push(Node {
            op,
            inputs,
            shape,
            dtype,
        })
    }

    /// Copies the old node `old` unchanged but for its renamed operands (or
    /// its constant entry), maps it and returns the new node.
    pub(crate) fn copy(&mut self, old: NodeId) -> NodeId {
        let node = &self.old.nodes[old];
        let new = match node.op {
            Op::Param(_) => self.get(old),
            Op::Const(_) => self.copy_const(old),
            _ => {
                let inputs = self.inputs(node);
                self.push(node.op.clone(), inputs, node.shape.clone(), node.dtype)
            }
        };
        self.set(old, new);
        new
    }

    /// The old nodes a pass walks: every node but the parameters, which the
    /// rebuild already holds.
    pub(crate) fn body(&self) -> impl Iterator<Item = (NodeId, &'a Node)> + use<'a> {
        let old: &'a Graph = self.old;
        old.nodes
            .iter()
            .filter(|(_, node)| !matches!(node.op, Op::Param(_)))
    }

    /// Finishes the rebuild: the old outputs, renamed, in order.
    pub(crate) fn finish(mut self) -> Graph {
        for &(id, role) in &self.old.outputs {
            let new = self.get(id);
            self.new.output(new, role);
        }
        self.new
    }
}
