//! Control flow: `for_loop`, `fori_loop`, `while_loop` and `cond`, inside or
//! outside `jit`, compiled to loops and branches of the graph.
//!
//! A body or branch is traced once per call in an inner trace frame
//! (`trace::begin_sub`). Arrays of the enclosing frames it uses become
//! captured operands (computed once, before the loop); Variables it reads
//! become operands; Variables it writes become *carried state*: the loop
//! node takes their current values, its body maps old state to new, and the
//! enclosing frame writes the final state back to the Variables. The
//! sub-graph layouts are documented in `heron_ir::control`.
//!
//! Outside `jit`, each construct is itself traced in a top-level frame and
//! compiled; the compiled entry is cached by the structure of the traced
//! graph (ops, types, constant contents) and the Variables it touches, so
//! calling the same construct again, even with a new closure value, reuses
//! the native code.

mod cond;
pub(crate) mod eager;
mod loops;
mod while_loop;

pub use cond::{cond, try_cond};
pub use eager::{
    DEFAULT_CONTROL_CACHE_CAPACITY, control_cache_capacity, control_cache_len,
    set_control_cache_capacity,
};
pub use loops::{ForOperands, LoopBound, for_loop, fori_loop, try_for_loop, try_fori_loop};
pub use while_loop::{try_while_loop, while_loop};

/// True when temporal fusion is on in the process defaults (see
/// [`set_temporal_fusion`]).
pub fn temporal_fusion() -> bool {
    heron_ir::options::process_defaults().temporal_fusion
}

/// Turns temporal fusion on or off in the process defaults
/// (`CompileOptions::temporal_fusion`): a counted loop whose body is
/// element-wise independent runs all its steps on one chunk of elements at
/// a time instead of streaming the whole state through memory at every step.
/// On by default; `HERON_TEMPORAL_FUSION=0` turns it off at start-up. A
/// `jit` reads the defaults at each call, and a construct called outside
/// `jit` at each run, so the switch applies from their next call (code for
/// each setting is compiled and cached separately; a `jit_with_options`
/// function keeps its own options). Results are identical either way.
pub fn set_temporal_fusion(on: bool) {
    heron_ir::options::update_process_defaults(|o| o.temporal_fusion = on)
}

/// Runs `f` with temporally fused loops on this thread taking their
/// register-resident form (`true`, the default: a tile of vectors runs all
/// steps with the state in registers) or their chunked form only
/// (`false`). Compiled loops hold both forms and choose at each run, so
/// this needs no recompilation; results are bit-identical either way.
pub fn with_register_tiles<T>(on: bool, f: impl FnOnce() -> T) -> T {
    heron_codegen::with_register_tiles(on, f)
}

/// Runs `f` with the step regions of code run on this thread on (`true`,
/// the default: a sparse product and the element-wise kernels after it run
/// in one parallel region, each thread on its own range of elements) or
/// off (`false`: each step alone, as one launch). Compiled code holds both
/// and chooses at each run; results are bit-identical either way.
pub fn with_step_regions<T>(on: bool, f: impl FnOnce() -> T) -> T {
    heron_codegen::with_step_regions(on, f)
}

/// True when control constructs run on their generated native drivers in
/// the process defaults (the default; see [`set_native_drivers`]).
pub fn native_drivers() -> bool {
    heron_ir::options::process_defaults().native_drivers
}

/// Runs control constructs on their generated native drivers (`true`, the
/// default) or on the reference driver, which calls the body's compiled code
/// from Rust once per iteration (`false`): sets
/// `CompileOptions::native_drivers` in the process defaults, for tests and
/// measurements. Applies from the next call, as [`set_temporal_fusion`].
pub fn set_native_drivers(on: bool) {
    heron_ir::options::update_process_defaults(|o| o.native_drivers = on)
}

/// How many steps compiled code has run through the interpreter on this
/// thread (ops without native code, such as `sort`, in `jit` functions and
/// loop bodies): a way to check that a function, or every iteration of a
/// loop, runs natively.
pub fn interpreter_steps() -> u64 {
    heron_codegen::interpreter_steps()
}

use crate::array::Repr;
use crate::trace::{SubTrace, VarSlot};
use crate::{Array, Variable};
use heron_ir::{Body, DType, Graph, Node, NodeId, Op, OutputRole, ParamRole, Shape};

/// One parameter of an assembled sub-graph: a node of the traced graph, or
/// a new (unused) parameter of the given type.
pub(crate) enum Slot {
    Node(NodeId),
    New(Shape, DType),
}

/// The node of a traced array in the frame that traced it.
pub(crate) fn node(a: &Array) -> NodeId {
    match &a.repr {
        Repr::Traced(t) => t.node,
        Repr::Concrete(_) => unreachable!("parameters of a body are traced"),
    }
}

/// The param slot of a Variable in a body: its read parameter, or a new one.
pub(crate) fn var_slot(s: &VarSlot) -> Slot {
    match s.read {
        Some(n) => Slot::Node(n),
        None => Slot::New(s.var.shape(), s.var.dtype()),
    }
}

/// The parameter nodes for `slots` in `g`, adding the new ones.
pub(crate) fn resolve(g: &mut Graph, slots: Vec<Slot>) -> Vec<NodeId> {
    slots
        .into_iter()
        .map(|slot| match slot {
            Slot::Node(n) => n,
            Slot::New(shape, dtype) => g.nodes.push(Node {
                op: Op::Param(0),
                inputs: Default::default(),
                shape,
                dtype,
            }),
        })
        .collect()
}

/// Binds the parameters of a traced sub-graph to `params` (positions are
/// the op's operand layout; every parameter node of `g` must be listed) and
/// its outputs to `outputs`.
pub(crate) fn assemble(mut g: Graph, params: &[NodeId], outputs: &[NodeId]) -> Body {
    for (i, &node) in params.iter().enumerate() {
        g.nodes[node].op = Op::Param(i as u32);
    }
    g.params = params
        .iter()
        .enumerate()
        .map(|(i, &n)| (n, ParamRole::Arg(i as u32)))
        .collect();
    g.outputs = outputs
        .iter()
        .enumerate()
        .map(|(i, &n)| (n, OutputRole::Result(i as u32)))
        .collect();
    Body::new(g)
}

/// What flows into a sub-graph from outside besides its own parameters:
/// captured arrays of the enclosing frame and Variables it only reads.
#[derive(Default)]
pub(crate) struct Externals {
    /// Outer arrays, by their node in the enclosing frame.
    pub(crate) arrays: Vec<Array>,
    /// Variables read (their values at the start of the construct).
    pub(crate) vars: Vec<Variable>,
}

impl Externals {
    /// Adds what `sub` captures and reads, except the Variables in `skip`.
    pub(crate) fn collect(&mut self, sub: &SubTrace, skip: &[Variable]) {
        for (outer, _) in &sub.captures {
            if !self.arrays.iter().any(|a| node(a) == node(outer)) {
                self.arrays.push(outer.clone());
            }
        }
        for s in &sub.vars {
            let id = s.var.id();
            if s.read.is_some()
                && !skip.iter().any(|v| v.id() == id)
                && !self.vars.iter().any(|v| v.id() == id)
            {
                self.vars.push(s.var.clone());
            }
        }
    }

    /// The parameter slots of `sub` for these externals, in order.
    pub(crate) fn slots(&self, sub: &SubTrace) -> Vec<Slot> {
        let mut slots = Vec::new();
        for a in &self.arrays {
            let found = sub.captures.iter().find(|(o, _)| node(o) == node(a));
            slots.push(match found {
                Some(&(_, p)) => Slot::Node(p),
                None => Slot::New(a.shape_ref().clone(), a.dtype()),
            });
        }
        for v in &self.vars {
            let found = sub.vars.iter().find(|s| s.var.id() == v.id());
            slots.push(match found {
                Some(s) => var_slot(s),
                None => Slot::New(v.shape(), v.dtype()),
            });
        }
        slots
    }

    /// The operands of the construct in the enclosing frame.
    pub(crate) fn operands(&self) -> Vec<Array> {
        let mut out = self.arrays.clone();
        out.extend(self.vars.iter().map(Variable::value));
        out
    }
}

/// The Variables `subs` write, each once, in order of first write.
pub(crate) fn written(subs: &[&SubTrace]) -> Vec<Variable> {
    let mut out: Vec<Variable> = Vec::new();
    for sub in subs {
        for s in &sub.vars {
            if s.written.is_some() && !out.iter().any(|v| v.id() == s.var.id()) {
                out.push(s.var.clone());
            }
        }
    }
    out
}

/// The slot of Variable `v` in `sub`, if `sub` touched it.
pub(crate) fn find_var<'a>(sub: &'a SubTrace, v: &Variable) -> Option<&'a VarSlot> {
    sub.vars.iter().find(|s| s.var.id() == v.id())
}

/// Traces `f` in a body frame; the frame is dropped again if `f` fails.
pub(crate) fn trace_body(
    params: impl FnOnce() -> Vec<Array>,
    f: impl FnOnce(Vec<Array>) -> heron_ir::Result<Vec<Array>>,
) -> heron_ir::Result<(Vec<Array>, SubTrace)> {
    crate::trace::begin_sub();
    let params = params();
    match crate::jit::catching(|| f(params.clone())) {
        Ok(Ok(results)) => Ok((params, crate::trace::finish_sub(&results)?)),
        Ok(Err(e)) | Err(e) => {
            crate::trace::abandon();
            Err(e)
        }
    }
}
