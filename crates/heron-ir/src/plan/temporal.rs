//! What the plan records of a temporally fused loop (`ControlStep::temporal`):
//! the element space, the uniform steps and their per-step records, the
//! kernels of the chunk loop and the accumulators. `schedule::temporal`
//! decides it; the backend builds and runs what it says.

use super::{BufId, BufferInfo, Kernel, KernelPlan};
use crate::{BinaryOp, ReduceOp, Shape};

/// How a counted loop is interchanged with its body's element loops.
#[derive(Clone, Debug, PartialEq)]
pub struct Temporal {
    /// The element space every element-wise kernel runs over.
    pub shape: Shape,
    /// The number of steps.
    pub trip: u64,
    /// The uniform steps (indices into the body plan's steps), in order.
    pub uniform: Vec<usize>,
    /// The carried values the uniform steps compute.
    pub uniform_carry: Vec<usize>,
    /// The uniform buffers the element-wise kernels read, recorded per step:
    /// a carried parameter as it is when the step starts, anything else as
    /// the uniform steps leave it.
    pub per_step: Vec<BufId>,
    /// The kernels run chunk by chunk, in step order.
    pub kernels: Vec<TemporalKernel>,
    /// The accumulators.
    pub accumulators: Vec<Accumulator>,
    /// The loop's sliced operands (body parameters `n_carry + 1 ..`): each
    /// step reads row `t` of its `[trip, ...]` operand, element-wise over
    /// the element space.
    pub sliced: usize,
    /// The loop's stacked results (body outputs `n_carry ..`): each step
    /// writes row `t`, element-wise over the element space.
    pub stacked: usize,
}

/// A kernel of the chunk loop.
#[derive(Clone, Debug, PartialEq)]
pub struct TemporalKernel {
    /// Its step in the body plan.
    pub step: usize,
    /// The kernel: the plan's own, or an accumulator's reduction rewritten
    /// to fold into its partial buffer.
    pub kernel: Kernel,
    /// True when `kernel` is a rewritten reduction (it needs its own code).
    pub rewritten: bool,
}

/// A carried value accumulated across steps through per-element partials.
#[derive(Clone, Debug, PartialEq)]
pub struct Accumulator {
    /// Which carried value.
    pub carry: usize,
    /// The reduction.
    pub op: ReduceOp,
    /// The partial buffer: `BufId(body_plan.buffers.len() + j)` for the
    /// `j`-th accumulator, of `S`'s shape and this type.
    pub partial: BufferInfo,
}

impl Accumulator {
    /// The op folding an element into a partial, and a partial into the
    /// accumulator.
    pub fn combine(&self) -> BinaryOp {
        self.op.combine()
    }
}

impl Temporal {
    /// The type of buffer `b` of the chunk loop: a body plan buffer, or an
    /// accumulator's partial.
    pub fn buffer<'a>(&'a self, plan: &'a KernelPlan, b: BufId) -> &'a BufferInfo {
        let n = plan.buffers.len();
        match b.index().checked_sub(n) {
            Some(j) => &self.accumulators[j].partial,
            None => &plan.buffers[b.index()],
        }
    }
}
