//! The frame of a native driver: where each buffer, argument table, entry
//! point and callback word lives (`Layout`), computed once per control step
//! when the driver is built. The generated code (`lower/driver/`) reads the
//! words where it says, and `frame.rs` fills them there at each run.

use heron_ir::Op;
use heron_ir::plan::{BufId, ControlStep, KernelPlan, Step};
use heron_ir::schedule::temporal::Temporal;

/// Where one native kernel of a sub-graph finds its arguments.
pub(crate) struct KernelSlots {
    /// The step's index in the sub-graph's plan.
    pub step: usize,
    /// First word of its argument table (its buffers, then the helper table).
    pub args: usize,
    /// The word holding its entry point.
    pub func: usize,
    /// The kernel's buffers, in argument order.
    pub bufs: Vec<BufId>,
    /// The size of its launch.
    pub n: u64,
}

/// The words of one sub-graph in a frame.
pub(crate) struct ProgramLayout {
    /// First word of its buffer slots (one per plan buffer), read by the
    /// callback for the steps that are not native kernels.
    pub slots: usize,
    /// Its native kernels with work to do.
    pub kernels: Vec<KernelSlots>,
    /// Whether some step goes through the callback.
    pub has_callback: bool,
}

/// The words of the chunk loop of a temporally fused loop.
pub(crate) struct TemporalLayout {
    /// Its kernels, in `Temporal::kernels` order.
    pub kernels: Vec<KernelSlots>,
    /// One word per per-step record (`Temporal::per_step`): its first row.
    pub per_step: usize,
}

/// The layout of a frame: word offsets.
pub(crate) struct Layout {
    /// One entry per sub-graph, in `ControlExe` order.
    pub programs: Vec<ProgramLayout>,
    /// The chunk loop, when temporal fusion applies.
    pub temporal: Option<TemporalLayout>,
    /// The callback's entry point.
    pub callback: usize,
    /// The callback's context.
    pub ctx: usize,
    /// The parallel launcher: `launch(kernel, args, n)` runs a kernel's
    /// launch of `n` as disjoint ranges on rayon's pool.
    pub launch: usize,
    /// The step's operand buffers.
    pub inputs: usize,
    /// The step's result buffers.
    pub outputs: usize,
    /// Per carried value, the buffer the body writes (the result buffer
    /// when updated in place, else a scratch buffer).
    pub next: usize,
    /// The index cell (loops) or predicate cell (while loops).
    pub cell: usize,
    /// Per carried value, where the state ended (written by the driver).
    pub finals: usize,
    /// Total words.
    pub words: usize,
}

impl Layout {
    /// The layout for `step` whose sub-graphs are planned as `plans`,
    /// with the chunk loop of `temporal`.
    pub(crate) fn new(
        step: &ControlStep,
        plans: &[&KernelPlan],
        temporal: Option<&Temporal>,
    ) -> Layout {
        let mut words = 0;
        let mut take = |n: usize| {
            words += n;
            words - n
        };
        let mut layouts = Vec::new();
        for &plan in plans {
            let slots = take(plan.buffers.len());
            let mut kernels = Vec::new();
            let mut has_callback = false;
            for (s, st) in plan.steps.iter().enumerate() {
                match st {
                    Step::Kernel(k) => {
                        let n = k.launch_shape().size() as u64;
                        if n > 0 {
                            let bufs = k.args();
                            kernels.push(KernelSlots {
                                step: s,
                                args: take(bufs.len() + 1),
                                func: take(1),
                                bufs,
                                n,
                            });
                        }
                    }
                    _ => has_callback = true,
                }
            }
            layouts.push(ProgramLayout {
                slots,
                kernels,
                has_callback,
            });
        }
        let temporal = temporal.map(|t| {
            let kernels = t
                .kernels
                .iter()
                .map(|tk| {
                    let bufs = tk.kernel.args();
                    KernelSlots {
                        step: tk.step,
                        args: take(bufs.len() + 1),
                        func: take(1),
                        bufs,
                        n: tk.kernel.launch_shape().size() as u64,
                    }
                })
                .collect();
            TemporalLayout {
                kernels,
                per_step: take(t.per_step.len()),
            }
        });
        let n_carry = n_carry(&step.op);
        let callback = take(1);
        let ctx = take(1);
        let launch = take(1);
        let inputs = take(step.inputs.len());
        let outputs = take(step.outputs.len());
        let next = take(n_carry);
        let cell = take(1);
        let finals = take(n_carry);
        Layout {
            programs: layouts,
            temporal,
            callback,
            ctx,
            launch,
            inputs,
            outputs,
            next,
            cell,
            finals,
            words,
        }
    }
}

/// Launches of at least this many elements go through the parallel
/// launcher; smaller ones are called directly.
pub(crate) const PARALLEL_MIN: u64 = 1 << 16;

/// The number of carried values of a control op (0 for `cond`).
pub(crate) fn n_carry(op: &Op) -> usize {
    match op {
        Op::Loop { n_carry, .. } | Op::While { n_carry, .. } => *n_carry as usize,
        _ => 0,
    }
}
