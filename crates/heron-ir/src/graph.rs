//! The graph: an arena of nodes in topological order, its parameters,
//! constants and outputs.

use crate::infer::infer;
use crate::{ConstId, DType, Op, Result, Shape, Value};
use cranelift_entity::{PrimaryMap, entity_impl};
use smallvec::SmallVec;

/// A node of a graph.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);
entity_impl!(NodeId, "v");

/// Operand list of a node.
pub type Inputs = SmallVec<[NodeId; 3]>;

/// One operation applied to earlier nodes, with its inferred type.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node computes.
    pub op: Op,
    /// Its operands, all earlier in the arena.
    pub inputs: Inputs,
    /// The result's shape.
    pub shape: Shape,
    /// The result's dtype.
    pub dtype: DType,
}

/// What a graph parameter is bound to when the graph runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamRole {
    /// Argument number `n` of the function.
    Arg(u32),
    /// The current value of Variable slot `n` (the slots are numbered by the caller).
    Var(u32),
}

/// What a graph output is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputRole {
    /// Result number `n` of the function.
    Result(u32),
    /// The new value of Variable slot `n`.
    VarWrite(u32),
}

/// A graph: nodes in topological order (every operand precedes its user).
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// The nodes.
    pub nodes: PrimaryMap<NodeId, Node>,
    /// The constant table (`Op::Const` refers into it).
    pub consts: PrimaryMap<ConstId, Value>,
    /// The parameters in order: `Op::Param(i)` is `params[i]`.
    pub params: Vec<(NodeId, ParamRole)>,
    /// The outputs in order.
    pub outputs: Vec<(NodeId, OutputRole)>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds a parameter of the given type and role.
    pub fn param(&mut self, shape: Shape, dtype: DType, role: ParamRole) -> NodeId {
        let index = self.params.len() as u32;
        let node = self.nodes.push(Node {
            op: Op::Param(index),
            inputs: Inputs::new(),
            shape,
            dtype,
        });
        self.params.push((node, role));
        node
    }

    /// Adds a constant node holding `value`.
    pub fn constant(&mut self, value: Value) -> NodeId {
        let (shape, dtype) = (value.shape.clone(), value.dtype());
        let id = self.consts.push(value);
        self.nodes.push(Node {
            op: Op::Const(id),
            inputs: Inputs::new(),
            shape,
            dtype,
        })
    }

    /// Adds `op` applied to `inputs`, checking and inferring its type first.
    pub fn add(&mut self, op: Op, inputs: &[NodeId]) -> Result<NodeId> {
        if let Op::Project(k) = op {
            let (shape, dtype) = self.project_type(k, inputs)?;
            return Ok(self.nodes.push(Node {
                op,
                inputs: Inputs::from_slice(inputs),
                shape,
                dtype,
            }));
        }
        let types: SmallVec<[(&Shape, DType); 3]> = inputs
            .iter()
            .map(|&i| (&self.nodes[i].shape, self.nodes[i].dtype))
            .collect();
        let (shape, dtype) = infer(&op, &types)?;
        drop(types);
        Ok(self.nodes.push(Node {
            op,
            inputs: Inputs::from_slice(inputs),
            shape,
            dtype,
        }))
    }

    /// The type of `Project(k)` applied to `inputs` (one control node).
    pub fn project_type(&self, k: u32, inputs: &[NodeId]) -> Result<(Shape, DType)> {
        match inputs {
            [x] => crate::control::project_type(&self.nodes[*x].op, k),
            _ => Err(crate::Error::invalid(
                "get",
                format!("expects 1 operand, got {}", inputs.len()),
            )),
        }
    }

    /// Appends an output.
    pub fn output(&mut self, node: NodeId, role: OutputRole) {
        self.outputs.push((node, role));
    }

    /// The node `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The value of a `Const` node, if `id` is one.
    pub fn const_value(&self, id: NodeId) -> Option<&Value> {
        match self.nodes[id].op {
            Op::Const(c) => Some(&self.consts[c]),
            _ => None,
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}
