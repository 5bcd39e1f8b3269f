//! Scheduling: partitions a graph into a `KernelPlan`, one named step per
//! file, run in this order by [`schedule`]:
//!
//! 1. `partition`: which nodes are *materialised* (own a buffer and root a
//!    kernel) and which are inlined into the kernel of their user.
//! 2. `buffers`: a buffer for every parameter, output and materialised node.
//! 3. `kernels`: one step per materialised node, in graph order: an
//!    element-wise kernel (its body built by `body`), the reduction kernels
//!    of `reductions`, the two kernels of a `set_slice`, a host step, or a
//!    control step (a counted loop's body scheduled recursively and, when the
//!    options allow, temporally fused by `temporal`).
//! 4. `merge`: element-wise kernels of one iteration space become one
//!    multi-store kernel; then `gather` places the index checks of the
//!    gathers fused into kernels before them.
//! 5. `buffers` again: temporaries no step uses are dropped, the rest renumbered.
//! 6. `aliasing`: the (output, param) pairs that may share memory.
//! 7. `row_groups`: runs of kernels over the same rows (softmax) that may
//!    run row block by row block.
//!
//! Rules:
//! - Element-wise ops, casts, comparisons, `select` and the affine movement
//!   ops (broadcast, permute, strided slice, reshape of a contiguous value)
//!   are inlined into the kernel of their user: each becomes a few body
//!   instructions evaluated at an affine index map of the iteration index.
//! - A node is materialised when it is a graph output, a reduction, a
//!   `set_slice`, an op lowered on the host (sort, argsort, matmul, take,
//!   concat, cumsum, arg-reduce, sparse products), an operand of a host op,
//!   the key of a `random_bits`, the operand of a reshape that merges axes,
//!   or when its users fall in more than one kernel.
//! - A `take` or `take_along_axis` whose users fall in one element-wise
//!   kernel is inlined there as a gather (`gather.rs`): the kernel loads
//!   the index, then the table at it; its table and indices are
//!   materialised, and an index check step runs before the kernel.
//! - `random_bits` is a generator: each element is Threefry of the key and
//!   its linear index, so it fuses like an element-wise op with no operand
//!   loads (`threefry_bits` reads the key buffer once per kernel; the
//!   counter is the affine linear index into the drawn shape).
//! - A reduction kernel evaluates its element-wise producers inside the
//!   reduction loop (iteration space = the operand's shape). A reduction of
//!   a large operand to a few values (a full sum) is split in two kernels:
//!   over its innermost reduced axis into a temporary, then over the rest,
//!   so the long first launch can run in parallel (`reductions.rs`).
//! - `set_slice(x, v)` becomes two kernels writing the node's buffer: one
//!   over `x`'s shape computing `x`, then one over the sliced region
//!   computing `v` and storing at the region's affine index map. Every index
//!   stays affine, whatever the slice steps.
//! - Element-wise kernels of one iteration space merge into one multi-store
//!   kernel when the later one reads the earlier one's results only at the
//!   element it computes (or they load a common buffer), even when a result
//!   is also an output or read by several kernels of the group: the later
//!   kernel uses the stored value directly, and a temporary that no other
//!   step reads is not stored at all. So a LIF step `v' = f(v); s = v' > t;
//!   v'' = where(s, r, v'); t' = where(s, now, t)` is one loop with three
//!   stores. A kernel never merges when it reads a merged result at another
//!   index, draws random bits under a key the group writes, or when a step
//!   between the two writes something it reads (it moves up to the earlier
//!   kernel's position).
//! - An (output, param) pair may share memory when the first step writing
//!   the output reads the param only at the linear index it writes, with the
//!   same type, and no later step reads the param (`aliasing.rs`).

mod aliasing;
mod body;
mod buffers;
mod gather;
mod gather_choice;
mod kernels;
mod merge;
mod partition;
mod reductions;
pub mod row_groups;
#[cfg(test)]
mod rules;
pub mod temporal;
#[cfg(test)]
mod tests;

pub use partition::reshape_blocks;

use crate::plan::{KernelPlan, Step};
use crate::{CompileOptions, Graph, NodeId};

/// A kernel of the plan being built: the node rooting it and the part (0,
/// or 1 for the region kernel of a `set_slice`).
type GroupKey = (NodeId, u8);

/// Partitions `graph` into fused kernels, host steps and copies, with the
/// built-in `CompileOptions` (`schedule` with `CompileOptions::default()`).
pub fn fuse(graph: &Graph) -> KernelPlan {
    schedule(graph, &CompileOptions::default())
}

/// Partitions `graph` into fused kernels, host steps, copies and control
/// steps, deciding everything `options` leaves to scheduling (temporal
/// fusion of counted loops): the backend only reads the plan.
pub fn schedule(graph: &Graph, options: &CompileOptions) -> KernelPlan {
    schedule_with(graph, true, options)
}

/// `fuse` for the body of a counted loop: a whole reduction of a long 1-d
/// array stays one kernel over the array (it is not walked as `[n / m, m]`
/// and split), the form temporal fusion (`temporal.rs`) turns into per-chunk
/// partial results, which beats a split reduction run step by step.
pub fn fuse_loop_body(graph: &Graph) -> KernelPlan {
    schedule_loop_body(graph, &CompileOptions::default())
}

/// `schedule` for the body of a counted loop (see `fuse_loop_body`).
pub fn schedule_loop_body(graph: &Graph, options: &CompileOptions) -> KernelPlan {
    schedule_with(graph, false, options)
}

/// `schedule`, folding long 1-d reductions when `fold_long` is true: the
/// steps of the module documentation, in order.
fn schedule_with(graph: &Graph, fold_long: bool, options: &CompileOptions) -> KernelPlan {
    let part = partition::partition(graph);
    let mut b = buffers::PlanBuilder::new(graph);
    b.allocate(&part);
    let first = b.leaf_output_copies();
    let steps = kernels::emit(&part, &mut b, fold_long, options);
    let steps = merge::merge_kernels(graph, &b, steps);
    let steps = gather::place_checks(&b.checks, steps);
    let last = b.repeated_output_copies(&part);
    let mut plan = b.finish(first.into_iter().chain(steps).chain(last).collect());
    buffers::drop_unused_temps(&mut plan);
    name_kernels(&mut plan);
    plan.aliasable = aliasing::aliasable(graph, &plan);
    plan.row_groups = row_groups::row_groups(&plan);
    plan
}

/// Names the kernels `k0`, `k1`, … in step order.
fn name_kernels(plan: &mut KernelPlan) {
    let kernels = plan.steps.iter_mut().filter_map(|s| match s {
        Step::Kernel(k) => Some(k),
        _ => None,
    });
    for (count, k) in kernels.enumerate() {
        k.name = format!("k{count}");
    }
}
