//! The tracing context: a thread-local stack of graphs being recorded.
//!
//! `jit` opens a frame, calls the user's function with traced arguments, and
//! closes the frame into a [`TracedFn`]. While a frame is open, every op with
//! a traced operand records a node into it (`record`), concrete operands
//! become constants, and Variables read or written become parameters and
//! outputs bound to variable slots.

use crate::array::{Array, Repr, TraceId, Tracer};
use crate::variable::{VarId, Variable};
use heron_ir::{DType, Error, Graph, NodeId, Op, OutputRole, ParamRole, Result, Shape};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// A Variable touched by a trace and what the trace did with it.
pub(crate) struct VarSlot {
    pub(crate) var: Variable,
    /// The parameter bound to the variable's value at call time, if read.
    pub(crate) read: Option<NodeId>,
    /// The node holding the variable's latest value, if written.
    pub(crate) written: Option<NodeId>,
}

struct Frame {
    id: TraceId,
    graph: Graph,
    n_args: u32,
    vars: Vec<VarSlot>,
    var_slots: FxHashMap<VarId, usize>,
    /// Constants already in the graph, by buffer address (the `Arc` is kept
    /// alive by the graph's constant table, so an address is never reused).
    consts: FxHashMap<(usize, Shape), NodeId>,
    /// True for the frame of a control-flow body, which may use arrays of
    /// the frames around it (they become captured parameters).
    sub: bool,
    /// Arrays of the enclosing frame used here, with the parameter each
    /// became, by (trace, node) of the outer array.
    captures: Vec<(Array, NodeId)>,
    capture_map: FxHashMap<(TraceId, NodeId), NodeId>,
}

/// The result of tracing a function: its graph and the Variables it touched,
/// in slot order (`ParamRole::Var(n)` / `OutputRole::VarWrite(n)` refer to
/// `vars[n]`).
pub struct TracedFn {
    /// The recorded graph.
    pub graph: Graph,
    /// The Variables touched, by slot.
    pub vars: Vec<Variable>,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

static NEXT_TRACE: AtomicU64 = AtomicU64::new(1);

/// True while a function is being traced on this thread.
pub fn is_active() -> bool {
    FRAMES.with(|f| !f.borrow().is_empty())
}

/// Opens a new trace on this thread. Every `begin` is matched by `finish`
/// or `abandon`.
pub(crate) fn begin() -> TraceId {
    let id = TraceId(NEXT_TRACE.fetch_add(1, Ordering::Relaxed));
    FRAMES.with(|f| {
        f.borrow_mut().push(Frame {
            id,
            graph: Graph::new(),
            n_args: 0,
            vars: Vec::new(),
            var_slots: FxHashMap::default(),
            consts: FxHashMap::default(),
            sub: false,
            captures: Vec::new(),
            capture_map: FxHashMap::default(),
        })
    });
    id
}

/// Drops the innermost trace (after a failure while tracing).
pub(crate) fn abandon() {
    FRAMES.with(|f| {
        f.borrow_mut().pop();
    });
}

fn with_frame<T>(body: impl FnOnce(&mut Frame) -> T) -> T {
    FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        let frame = frames.last_mut().expect("a trace is active");
        body(frame)
    })
}

fn tracer(frame: &Frame, node: NodeId) -> Array {
    let n = frame.graph.node(node);
    Array::from_tracer(Tracer {
        trace: frame.id,
        node,
        shape: n.shape.clone(),
        dtype: n.dtype,
    })
}

/// A new argument of the current trace, of the given type.
pub(crate) fn arg(shape: Shape, dtype: DType) -> Array {
    with_frame(|frame| {
        let node = frame
            .graph
            .param(shape, dtype, ParamRole::Arg(frame.n_args));
        frame.n_args += 1;
        tracer(frame, node)
    })
}

/// The node of `array` in frame `d`: its own node if traced there, a
/// constant if concrete, a captured parameter if it belongs to an enclosing
/// frame of a control-flow body (captured through every frame in between).
fn node_in(frames: &mut [Frame], d: usize, array: &Array) -> Result<NodeId> {
    match &array.repr {
        Repr::Traced(t) if t.trace == frames[d].id => Ok(t.node),
        Repr::Traced(t) => {
            let enclosing = frames[..d].iter().any(|f| f.id == t.trace);
            if !frames[d].sub || !enclosing {
                return Err(Error::Trace(
                    "an array traced by another jit function (or an earlier call) was used here; \
                     pass it as an argument or keep it in a Variable"
                        .into(),
                ));
            }
            if let Some(&node) = frames[d].capture_map.get(&(t.trace, t.node)) {
                return Ok(node);
            }
            let outer_node = node_in(frames, d - 1, array)?;
            let outer = tracer(&frames[d - 1], outer_node);
            let frame = &mut frames[d];
            let node = frame
                .graph
                .param(t.shape.clone(), t.dtype, ParamRole::Arg(frame.n_args));
            frame.n_args += 1;
            frame.captures.push((outer, node));
            frame.capture_map.insert((t.trace, t.node), node);
            Ok(node)
        }
        Repr::Concrete(v) => {
            let frame = &mut frames[d];
            let key = (std::sync::Arc::as_ptr(v.buf()) as usize, v.shape().clone());
            if let Some(&node) = frame.consts.get(&key) {
                return Ok(node);
            }
            let node = frame.graph.constant(v.clone());
            frame.consts.insert(key, node);
            Ok(node)
        }
    }
}

/// The node of `array` in the innermost frame.
fn node_of(frames: &mut [Frame], array: &Array) -> Result<NodeId> {
    node_in(frames, frames.len() - 1, array)
}

fn with_frames<T>(body: impl FnOnce(&mut [Frame]) -> T) -> T {
    FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        assert!(!frames.is_empty(), "a trace is active");
        body(&mut frames[..])
    })
}

/// Records `op` applied to `inputs` (at least one traced) in the current trace.
pub(crate) fn record(op: Op, inputs: &[&Array]) -> Result<Array> {
    if !is_active() {
        return Err(Error::Trace(format!(
            "{}: a traced array was used after its jit function returned",
            op.name()
        )));
    }
    with_frames(|frames| {
        let nodes: SmallVec<[NodeId; 4]> = inputs
            .iter()
            .map(|a| node_of(frames, a))
            .collect::<Result<_>>()?;
        let frame = frames.last_mut().expect("a trace is active");
        let node = frame.graph.add(op, &nodes)?;
        Ok(tracer(frame, node))
    })
}

fn slot_of(frame: &mut Frame, var: &Variable) -> usize {
    if let Some(&slot) = frame.var_slots.get(&var.id()) {
        return slot;
    }
    let slot = frame.vars.len();
    frame.vars.push(VarSlot {
        var: var.clone(),
        read: None,
        written: None,
    });
    frame.var_slots.insert(var.id(), slot);
    slot
}

/// A read of `var` inside the current trace.
pub(crate) fn read_var(var: &Variable) -> Array {
    let (shape, dtype) = (var.shape(), var.dtype());
    with_frame(|frame| {
        let slot = slot_of(frame, var);
        let entry = &frame.vars[slot];
        let node = match (entry.written, entry.read) {
            (Some(node), _) | (None, Some(node)) => node,
            (None, None) => {
                let node = frame.graph.param(shape, dtype, ParamRole::Var(slot as u32));
                frame.vars[slot].read = Some(node);
                node
            }
        };
        tracer(frame, node)
    })
}

/// A write of `value` to `var` inside the current trace (types already checked).
pub(crate) fn write_var(var: &Variable, value: Array) -> Result<()> {
    with_frames(|frames| {
        let node = node_of(frames, &value)?;
        let frame = frames.last_mut().expect("a trace is active");
        let slot = slot_of(frame, var);
        frame.vars[slot].written = Some(node);
        Ok(())
    })
}

/// Closes the current trace with the function's results.
pub(crate) fn finish(results: &[Array]) -> Result<TracedFn> {
    let outputs: Result<Vec<NodeId>> =
        with_frames(|frames| results.iter().map(|a| node_of(frames, a)).collect());
    let mut frame = FRAMES.with(|f| f.borrow_mut().pop().expect("a trace is active"));
    let outputs = outputs?;
    for (i, node) in outputs.into_iter().enumerate() {
        frame.graph.output(node, OutputRole::Result(i as u32));
    }
    for (slot, entry) in frame.vars.iter().enumerate() {
        if let Some(node) = entry.written
            && Some(node) != entry.read
        {
            frame.graph.output(node, OutputRole::VarWrite(slot as u32));
        }
    }
    Ok(TracedFn {
        graph: frame.graph,
        vars: frame.vars.into_iter().map(|s| s.var).collect(),
    })
}

/// A control-flow body traced in an inner frame: its graph (outputs not yet
/// bound), the parameters made by `arg` in order, the outer arrays it
/// captured with their parameters, and the Variables it touched.
pub struct SubTrace {
    /// The recorded graph; its params are bound later by the control builder.
    pub(crate) graph: Graph,
    /// The nodes of the body's results.
    pub(crate) results: Vec<NodeId>,
    /// Captured arrays of the enclosing frame and their parameters.
    pub(crate) captures: Vec<(Array, NodeId)>,
    /// The Variables touched.
    pub(crate) vars: Vec<VarSlot>,
}

/// Opens the frame of a control-flow body inside the current trace.
pub(crate) fn begin_sub() -> TraceId {
    let id = begin();
    FRAMES.with(|f| f.borrow_mut().last_mut().expect("just pushed").sub = true);
    id
}

/// Closes the frame of a control-flow body with its results.
pub(crate) fn finish_sub(results: &[Array]) -> Result<SubTrace> {
    let nodes: Result<Vec<NodeId>> =
        with_frames(|frames| results.iter().map(|a| node_of(frames, a)).collect());
    let frame = FRAMES.with(|f| f.borrow_mut().pop().expect("a trace is active"));
    Ok(SubTrace {
        graph: frame.graph,
        results: nodes?,
        captures: frame.captures,
        vars: frame.vars,
    })
}

/// Records a control op (several results) in the current trace; returns one
/// traced array per result.
pub(crate) fn record_control(op: Op, inputs: &[&Array]) -> Result<Vec<Array>> {
    let n = heron_ir::control::result_types(&op).len();
    with_frames(|frames| {
        let nodes: SmallVec<[NodeId; 4]> = inputs
            .iter()
            .map(|a| node_of(frames, a))
            .collect::<Result<_>>()?;
        let frame = frames.last_mut().expect("a trace is active");
        let node = frame.graph.add(op, &nodes)?;
        (0..n as u32)
            .map(|k| {
                let p = frame.graph.add(Op::Project(k), &[node])?;
                Ok(tracer(frame, p))
            })
            .collect()
    })
}
