//! `KernelPlan`: what `schedule` makes of a graph and what the backend
//! lowers. A plan is a list of buffers (parameters, constants, outputs and
//! materialised temporaries) and an ordered list of steps: fused kernels
//! (one loop nest each, with affine loads and stores), host steps (one op run
//! through `eval_op` on materialised operands) and copies.
//!
//! The printed form (`to_text`) is stable and used by snapshot tests:
//!
//! ```text
//! buffers: p0:f32[4,3] p1:f32[3] o0:f32[4,3]
//! k0 loop[4,3] fuses v2 v3
//!   %0:f32 = load p0[3*i0 + i1]
//!   %1:f32 = load p1[i1]
//!   %2:f32 = add %0 %1
//!   store o0[3*i0 + i1] <- %2
//! aliasable: o0=p0
//! ```
//!
//! Random bits are generated in the loop, from the key buffer and the
//! counter (the linear index into the drawn shape):
//! `%0:u32 = threefry_bits t0 [3*i0 + i1]`.
//!
//! A gather fused into a kernel loads its index, then the table there
//! (`%0:f32 = gather p0[i1 + 3*wrap(p1[i0], 10)]`: row `p1[i0]` of a
//! `[10, 3]` table, negative indices from the end), after a step that
//! checks the indices (`check p1 in [-10, 10) for take (node v3)`); a
//! `dynamic_slice` start is clamped instead (`clamp[dim=6](p1[0], 5)`).
//!
//! An index map `p1[i1]` is affine in the iteration index `i`:
//! `offset + Σ coef[k]·i[k]`, coefficients in elements, possibly 0 (a
//! broadcast) or negative (a reversed slice).

use crate::{Axes, BinaryOp, ConstId, DType, NodeId, Op, ReduceOp, Scalar, Shape, UnaryOp};

mod affine;
mod print;
pub mod temporal;
mod verify;
pub use affine::Affine;
use smallvec::{SmallVec, smallvec};
pub use verify::verify;

/// A buffer of a plan: an index into `KernelPlan::buffers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BufId(pub u32);

impl BufId {
    /// The index into `KernelPlan::buffers`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a buffer's memory comes from when the plan runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BufferKind {
    /// Graph parameter `n` (read only, unless an output aliases it).
    Param(u32),
    /// Constant `c` of the graph's constant table.
    Const(ConstId),
    /// Graph output `n` (written by the plan).
    Output(u32),
    /// Temporary `n`: a value materialised between steps.
    Temp(u32),
}

/// One buffer of a plan: its kind and type (row-major, contiguous).
#[derive(Clone, Debug, PartialEq)]
pub struct BufferInfo {
    /// Where the memory comes from.
    pub kind: BufferKind,
    /// The extents.
    pub shape: Shape,
    /// The element type.
    pub dtype: DType,
}

/// An operation of a kernel body, computed once per iteration index.
/// Operands are indices of earlier instructions of the same body.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// The element of `buf` at the linear index `map`.
    Load {
        /// The buffer read.
        buf: BufId,
        /// Its linear index.
        map: Affine,
    },
    /// A constant.
    Imm(Scalar),
    /// An element-wise op of one operand.
    Unary(UnaryOp, usize),
    /// An element-wise op of two operands (same dtype).
    Binary(BinaryOp, usize, usize),
    /// `where(cond, a, b)`.
    Select(usize, usize, usize),
    /// A conversion with `astype` semantics.
    Cast(DType, usize),
    /// Threefry-2x32 random bits (`U32`, or `I64` for 64-bit words) for the
    /// 64-bit counter `index`, under the `u32[2]` key held in `key` (read
    /// once per kernel): element `index` of `threefry::random_bits`.
    ThreefryBits {
        /// The buffer holding the key.
        key: BufId,
        /// The counter: the linear index into the drawn shape.
        index: Affine,
    },
    /// An element of a buffer at a run-time index read from another
    /// buffer: a `take`, `take_along_axis` or `dynamic_slice` fused into
    /// its consumer.
    Gather(Gather),
}

/// How a gathered index is brought into `[0, len)` (see `Gather`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndexMode {
    /// `take`'s rule: a negative index counts from the end. An index out of
    /// `[-len, len)` is an error, reported by the plan's `IndexCheck` step
    /// before the kernel runs; the kernel still clamps the resolved index
    /// into `[0, len)` (no effect on a checked index), so no index value can
    /// make it read outside the buffer.
    Wrap,
    /// `dynamic_slice`'s rule (JAX's): a negative start counts from the end
    /// of an axis of `dim` elements, then is clamped into `[0, len)` (`len`
    /// is `dim - size + 1`). Never an error.
    Clamp {
        /// The extent of the sliced axis.
        dim: usize,
    },
}

/// `buf[base + stride · j]`, `j` the element of `index` at `at` resolved by
/// `mode` into `[0, len)` (`len` ≥ 1): a fused `take` or `take_along_axis`,
/// or the traced start of a fused `dynamic_slice`.
#[derive(Clone, Debug, PartialEq)]
pub struct Gather {
    /// The buffer gathered from (the table).
    pub buf: BufId,
    /// Its linear index at index 0 of the gathered axis.
    pub base: Affine,
    /// The buffer of indices.
    pub index: BufId,
    /// Its element type (`I32`, `I64` or `U32`).
    pub index_dtype: DType,
    /// The linear index of the index element read.
    pub at: Affine,
    /// The gathered axis' extent.
    pub len: usize,
    /// Elements of `buf` per step along the gathered axis.
    pub stride: i64,
    /// How the index is resolved.
    pub mode: IndexMode,
}

impl Expr {
    /// The buffers the expression reads: a load's, a generator's key, a
    /// gather's table then its indices.
    pub fn reads(&self) -> SmallVec<[BufId; 2]> {
        match self {
            Expr::Load { buf, .. } | Expr::ThreefryBits { key: buf, .. } => smallvec![*buf],
            Expr::Gather(g) => smallvec![g.buf, g.index],
            _ => SmallVec::new(),
        }
    }
}

/// One instruction of a kernel body: an expression and its result dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct Instr {
    /// What is computed.
    pub expr: Expr,
    /// The result's dtype.
    pub dtype: DType,
}

/// The reduction of a reduction kernel: `value` accumulated over `axes` of
/// the iteration space.
#[derive(Clone, Debug, PartialEq)]
pub struct Reduction {
    /// Which reduction.
    pub op: ReduceOp,
    /// The reduced axes of the iteration space.
    pub axes: Axes,
    /// The body instruction accumulated.
    pub value: usize,
    /// The result dtype.
    pub dtype: DType,
}

/// What a store writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreValue {
    /// A body instruction.
    Expr(usize),
    /// The accumulated reduction (reduction kernels only).
    Reduced,
}

/// A store of a kernel: `buf[map] <- value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Store {
    /// The buffer written.
    pub buf: BufId,
    /// The value written.
    pub value: StoreValue,
    /// The linear index written; in a reduction kernel the coefficients of
    /// the reduced axes are 0.
    pub map: Affine,
}

/// A fused loop nest.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    /// `k0`, `k1`, ... in step order.
    pub name: String,
    /// The graph nodes computed by this kernel, in graph order.
    pub nodes: Vec<NodeId>,
    /// The iteration space (for a reduction: the reduced operand's shape).
    pub shape: Shape,
    /// The reduction, for a reduction kernel.
    pub reduce: Option<Reduction>,
    /// The per-element computation.
    pub body: Vec<Instr>,
    /// What the kernel writes.
    pub stores: Vec<Store>,
}

impl Kernel {
    /// The buffers the kernel reads (loaded or used as a key), in order of
    /// first use.
    pub fn inputs(&self) -> Vec<BufId> {
        let mut out = Vec::new();
        for i in &self.body {
            for buf in i.expr.reads() {
                if !out.contains(&buf) {
                    out.push(buf);
                }
            }
        }
        out
    }

    /// The buffers the kernel writes, in store order.
    pub fn outputs(&self) -> Vec<BufId> {
        let mut out = Vec::new();
        for s in &self.stores {
            if !out.contains(&s.buf) {
                out.push(s.buf);
            }
        }
        out
    }

    /// The kernel's argument table: the buffers it reads, then those it writes
    /// (each once).
    pub fn args(&self) -> Vec<BufId> {
        self.args_inline().into_vec()
    }

    /// `args` without a heap allocation for kernels of up to 16 buffers.
    pub fn args_inline(&self) -> SmallVec<[BufId; 16]> {
        let mut out: SmallVec<[BufId; 16]> = SmallVec::new();
        let reads = self.body.iter().flat_map(|i| i.expr.reads());
        for b in reads.chain(self.stores.iter().map(|s| s.buf)) {
            if !out.contains(&b) {
                out.push(b);
            }
        }
        out
    }

    /// The number of indices of the launch shape (without building it).
    pub fn launch_size(&self) -> usize {
        match &self.reduce {
            None => self.shape.size(),
            Some(r) => (0..self.shape.rank())
                .filter(|a| !r.axes.contains(a))
                .map(|a| self.shape[a])
                .product(),
        }
    }

    /// The shape of the kernel's outer loop: the iteration space without the
    /// reduced axes. A launch covers a linear range of it.
    pub fn launch_shape(&self) -> Shape {
        match &self.reduce {
            None => self.shape.clone(),
            Some(r) => (0..self.shape.rank())
                .filter(|a| !r.axes.contains(a))
                .map(|a| self.shape[a])
                .collect::<Vec<_>>()
                .into(),
        }
    }
}

/// An op the backend does not lower: run through `eval_op` on materialised operands.
#[derive(Clone, Debug, PartialEq)]
pub struct HostStep {
    /// The graph node.
    pub node: NodeId,
    /// Its op.
    pub op: Op,
    /// The operand buffers, in operand order.
    pub inputs: Vec<BufId>,
    /// The buffer the result is written to.
    pub output: BufId,
}

/// A control op (`loop`, `while_loop`, `cond`): the backend compiles its
/// sub-graphs and drives them; see `heron_ir::control` for the layouts.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlStep {
    /// The graph node.
    pub node: NodeId,
    /// Its op (with the sub-graphs).
    pub op: Op,
    /// The operand buffers, in operand order.
    pub inputs: Vec<BufId>,
    /// The buffer of each result, in result order.
    pub outputs: Vec<BufId>,
    /// How a counted loop runs all its steps chunk by chunk of elements,
    /// when the compile options ask for temporal fusion and the loop
    /// qualifies (decided by `fuse::schedule`; the backend only reads it).
    pub temporal: Option<temporal::Temporal>,
}

/// The range check of a fused gather's indices (`IndexMode::Wrap`): every
/// index must lie in `[-len, len)`, else the plan fails with the error of
/// the gather's op (the one `eval` gives), before the kernel reading them
/// has written anything.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexCheck {
    /// The gather's graph node.
    pub node: NodeId,
    /// Its op's name (`take`, `take_along_axis`), for the error.
    pub op: &'static str,
    /// The gathered axis, for the error.
    pub axis: usize,
    /// The buffer of indices.
    pub index: BufId,
    /// The gathered axis' extent.
    pub len: usize,
}

/// One step of a plan.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A control op whose sub-graphs run as nested plans.
    Control(ControlStep),
    /// A fused loop nest.
    Kernel(Kernel),
    /// An op run on the host through `eval_op`.
    Host(HostStep),
    /// The indices of gathers fused into a later kernel, checked before it
    /// runs (it writes nothing).
    Check(IndexCheck),
    /// A copy of a whole buffer (an output that is a parameter, a constant,
    /// or the same node as an earlier output).
    Copy {
        /// The buffer read.
        src: BufId,
        /// The buffer written (same type).
        dst: BufId,
    },
}

impl Step {
    /// The buffers the step reads.
    pub fn reads(&self) -> Vec<BufId> {
        match self {
            Step::Kernel(k) => k.inputs(),
            Step::Host(h) => h.inputs.clone(),
            Step::Control(c) => c.inputs.clone(),
            Step::Check(c) => vec![c.index],
            Step::Copy { src, .. } => vec![*src],
        }
    }

    /// The buffers the step writes.
    pub fn writes(&self) -> Vec<BufId> {
        match self {
            Step::Kernel(k) => k.outputs(),
            Step::Host(h) => vec![h.output],
            Step::Control(c) => c.outputs.clone(),
            Step::Check(_) => Vec::new(),
            Step::Copy { dst, .. } => vec![*dst],
        }
    }

    /// True when running the step can fail on the data it reads: a host
    /// step whose op checks its data (`Op::can_fail_at_run_time`), or a
    /// control step with such an op anywhere in its sub-graphs (counted and
    /// temporally fused loops, `while_loop`s, `cond` branches, nested
    /// constructs), or an index check. Kernels and copies cannot fail (a
    /// fused gather's indices are checked by an earlier `Check` step), so
    /// neither can a row group, which holds kernels only.
    pub fn can_fail(&self) -> bool {
        match self {
            Step::Host(h) => h.op.can_fail_at_run_time(),
            Step::Control(c) => c.op.can_fail_at_run_time(),
            Step::Check(_) => true,
            Step::Kernel(_) | Step::Copy { .. } => false,
        }
    }
}

/// A graph partitioned into steps over buffers.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelPlan {
    /// Every buffer the steps use.
    pub buffers: Vec<BufferInfo>,
    /// The steps, in execution order.
    pub steps: Vec<Step>,
    /// The buffer of each graph parameter, in `graph.params` order.
    pub params: Vec<BufId>,
    /// The buffer of each graph output, in `graph.outputs` order.
    pub outputs: Vec<BufId>,
    /// `(output index, param index)` pairs whose buffers may be the same memory.
    pub aliasable: Vec<(usize, usize)>,
    /// Runs of kernel steps that may run block of rows by block of rows
    /// (see `RowGroup`); a backend may also run them step by step.
    pub row_groups: Vec<RowGroup>,
}

/// Consecutive kernel steps that only touch the rows they compute of the
/// buffers written among them (a row-wise softmax: max, exp, sum, divide).
/// They may run one block of rows at a time, all of them per block, so each
/// block's data stays in cache between them; results are the same as step
/// by step (no kernel reduces over the rows or reads another row's result).
#[derive(Clone, Debug, PartialEq)]
pub struct RowGroup {
    /// The steps of the group, all kernels: `plan.steps[steps]`.
    pub steps: std::ops::Range<usize>,
    /// The extent of the leading iteration axis every kernel shares.
    pub rows: usize,
    /// How many rows a block covers.
    pub block_rows: usize,
    /// The temporaries used only inside the group: a block needs only its
    /// own rows of them (`size / rows` elements per row), so a backend may
    /// give each block a small scratch buffer instead of the whole array.
    pub scratch: Vec<BufId>,
}

impl RowGroup {
    /// The launch range of kernel `k` (one of the group's) for rows
    /// `[first, last)`: a launch index covers `launch_size / rows` of them.
    pub fn launch_range(&self, k: &Kernel, first: usize, last: usize) -> (usize, usize) {
        let per_row = k.launch_size() / self.rows;
        (first * per_row, last * per_row)
    }
}

impl KernelPlan {
    /// True when running the plan can fail after it has started writing
    /// output buffers, so that a caller whose outputs share memory with
    /// state it must keep on failure (an output aliasing its parameter)
    /// would see that state half-updated.
    ///
    /// Walks the steps in order: a step that can fail (`Step::can_fail`)
    /// fails part-way if an earlier step wrote an output, or if it is a
    /// control step writing an output itself (a loop keeps its carried
    /// state in its result buffers from the first iteration, a `cond`'s
    /// branch writes them as it runs). A host step writes its result only
    /// after its op succeeded, so a failing host step that comes before
    /// every output write leaves the outputs untouched.
    pub fn can_fail_after_writing_outputs(&self) -> bool {
        let is_output = |b: &BufId| matches!(self.buffers[b.index()].kind, BufferKind::Output(_));
        let mut written = false;
        for step in &self.steps {
            let writes_output = step.writes().iter().any(is_output);
            if step.can_fail() && (written || (writes_output && matches!(step, Step::Control(_)))) {
                return true;
            }
            written |= writes_output;
        }
        false
    }

    /// The printed name of a buffer: `p0`, `c1`, `o0`, `t2`.
    pub fn buf_name(&self, b: BufId) -> String {
        match self.buffers[b.index()].kind {
            BufferKind::Param(n) => format!("p{n}"),
            BufferKind::Const(c) => format!("c{}", c.as_u32()),
            BufferKind::Output(n) => format!("o{n}"),
            BufferKind::Temp(n) => format!("t{n}"),
        }
    }

    /// The kernels of the plan, in step order.
    pub fn kernels(&self) -> impl Iterator<Item = &Kernel> {
        self.steps.iter().filter_map(|s| match s {
            Step::Kernel(k) => Some(k),
            _ => None,
        })
    }
}
