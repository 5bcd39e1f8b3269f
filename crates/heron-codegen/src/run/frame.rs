//! `Driver`: the compiled native driver of one control step, and what it
//! needs at run time: the frame (filled once per run: buffer pointers,
//! kernel argument tables, kernel entry points, the callback), the body's
//! temporaries (allocated once per run), the carried state's scratch
//! buffers, and the callback that runs the steps that are not native kernels.
//!
//! A loop that temporal fusion applies to also gets a temporal driver (and,
//! when its body has uniform steps, a prologue, and for each accumulator
//! the code of its rewritten reduction): the plan's `ControlStep::temporal`,
//! decided by scheduling under the compile options. A temporal run allocates
//! the per-step records of uniform values and the accumulators' partials,
//! runs the prologue, then the chunk loop in parallel ranges, and finally
//! folds each accumulator's partials into it, in element order.

use crate::run::code::{Compiled, KernelFn};
use crate::run::helpers;
use crate::run::layout::Layout;
use crate::run::parallel::{for_each_range, may_fork};
use heron_ir::passes::temporal::{Accumulator, Temporal};
use heron_ir::plan::{BufferKind, ControlStep, KernelPlan};
use heron_ir::share::share_pieces;
use heron_ir::{Buffer, DType, Error, Op, Result, Shape, Value, eval_op};
use std::cell::RefCell;

/// What a driver reads of each sub-graph it runs (an `Executable`): its
/// plan, the addresses the frame holds, and the steps the generated code
/// calls back for.
pub(crate) trait Program {
    /// The sub-graph's plan.
    fn plan(&self) -> &KernelPlan;
    /// The address of buffer `b`, a constant of the plan.
    fn const_ptr(&self, b: usize) -> *const u8;
    /// The entry point of step `s`, a kernel with work.
    fn kernel_fn(&self, s: usize) -> KernelFn;
    /// Runs step `s`, which is not a native kernel.
    ///
    /// # Safety
    /// `ptrs` holds a valid buffer of the plan's type for every plan buffer.
    unsafe fn run_called_step(&self, s: usize, ptrs: &[*mut u8]) -> Result<()>;
    /// Runs the step region starting at step `s` (`Executable::regions`).
    ///
    /// # Safety
    /// As for `run_called_step`.
    unsafe fn run_region(&self, s: usize, ptrs: &[*mut u8]) -> Result<()>;
}

/// The bit of a callback code that asks for the step region starting at
/// the step, instead of the step alone.
pub(crate) const REGION_CODE: u64 = 1 << 31;

/// The temporal driver of a loop.
pub(crate) struct TemporalCode {
    /// The interchange it implements.
    pub(crate) plan: Temporal,
    /// Its function index in `Driver::code`.
    pub(crate) func: usize,
    /// The prologue's function index, when there are uniform steps.
    pub(crate) prologue: Option<usize>,
    /// Per chunk-loop kernel: the function index of a rewritten reduction
    /// in `Driver::code` (the others are the body's own kernels).
    pub(crate) kernel_fns: Vec<Option<usize>>,
    /// Elements of the state.
    pub(crate) size: usize,
    /// Elements per chunk.
    pub(crate) chunk: usize,
    /// The register-resident form (its function index and the elements
    /// of its vectors), when the body fits the registers.
    pub(crate) tiles: Option<(usize, usize)>,
}

/// The native code of a control step.
pub(crate) struct Driver {
    pub(crate) code: Compiled,
    pub(crate) layout: Layout,
    /// Per carried value: updated in place by the body.
    pub(crate) in_place: Vec<bool>,
    pub(crate) temporal: Option<TemporalCode>,
    /// The form of a temporally fused loop and why
    /// (`TilePlan::describe`, or `chunked (reason)`).
    pub(crate) form: Option<String>,
}

impl Driver {
    /// The Cranelift IR of the driver functions.
    pub(crate) fn clif_text(&self) -> String {
        match &self.form {
            Some(form) => format!("; temporal form: {form}\n{}", self.code.clif),
            None => self.code.clif.clone(),
        }
    }

    /// The form of a temporally fused loop and why: `register tiles 8 x
    /// f32x4: …` or `chunked (reason)`; `None` for other control steps.
    pub(crate) fn temporal_form(&self) -> Option<&str> {
        self.form.as_deref()
    }

    /// Runs the step in native code.
    ///
    /// # Safety
    /// As for `ControlExe::run`.
    pub(crate) unsafe fn run(
        &self,
        programs: &[&dyn Program],
        plan: &KernelPlan,
        step: &ControlStep,
        ptrs: &[*mut u8],
    ) -> Result<()> {
        let l = &self.layout;
        let mut frame = vec![0u64; l.words];
        let mut owned: Vec<Buffer> = Vec::new();
        let mut alloc = |dtype: DType, n: usize| {
            let mut buf = Buffer::zeroed(dtype, n);
            let p = buf.as_mut_ptr();
            owned.push(buf);
            p
        };
        let table = helpers::table().as_ptr() as u64;
        for (exe, pl) in programs.iter().zip(&l.programs) {
            for (i, info) in exe.plan().buffers.iter().enumerate() {
                frame[pl.slots + i] = match info.kind {
                    BufferKind::Const(_) => exe.const_ptr(i) as u64,
                    BufferKind::Temp(_) => alloc(info.dtype, info.shape.size()) as u64,
                    BufferKind::Param(_) | BufferKind::Output(_) => 0,
                };
            }
            for k in &pl.kernels {
                for (j, b) in k.bufs.iter().enumerate() {
                    frame[k.args + j] = frame[pl.slots + b.index()];
                }
                frame[k.args + k.bufs.len()] = table;
                frame[k.func] = exe.kernel_fn(k.step) as usize as u64;
            }
        }
        let nc = self.in_place.len();
        for (i, &b) in step.inputs.iter().enumerate() {
            frame[l.inputs + i] = ptrs[b.index()] as u64;
        }
        for (i, &b) in step.outputs.iter().enumerate() {
            frame[l.outputs + i] = ptrs[b.index()] as u64;
        }
        for k in 0..nc {
            let (src, dst) = (ptrs[step.inputs[k].index()], ptrs[step.outputs[k].index()]);
            let info = &plan.buffers[step.outputs[k].index()];
            if src != dst {
                // SAFETY: both are distinct step buffers of the carried type.
                unsafe { std::ptr::copy_nonoverlapping(src, dst, nbytes(&info.shape, info.dtype)) };
            }
            frame[l.next + k] = if self.in_place[k] {
                dst as u64
            } else {
                alloc(info.dtype, info.shape.size()) as u64
            };
        }
        let cell_type = match step.op {
            Op::While { .. } => DType::Bool,
            _ => DType::I32,
        };
        frame[l.cell] = alloc(cell_type, 1) as u64;
        let ctx = RunCtx {
            programs: programs.to_vec(),
            error: RefCell::new(None),
        };
        frame[l.callback] = step_callback as *const () as u64;
        frame[l.ctx] = &ctx as *const RunCtx<'_> as u64;
        frame[l.launch] = launch as *const () as u64;

        if let Some(t) = &self.temporal {
            let Op::Loop { trip, .. } = step.op else {
                unreachable!("temporal drivers are built for loops")
            };
            let tl = l
                .temporal
                .as_ref()
                .expect("a temporal driver has its layout");
            let body = ctx.programs[0];
            let slots = l.programs[0].slots;
            let nb = body.plan().buffers.len();
            let mut partials: Vec<Buffer> = t
                .plan
                .accumulators
                .iter()
                .map(|a| Buffer::filled(a.partial.dtype, t.size, a.op.identity(a.partial.dtype)))
                .collect();
            let partial_ptrs: Vec<u64> =
                partials.iter_mut().map(|b| b.as_mut_ptr() as u64).collect();
            for (j, k) in tl.kernels.iter().enumerate() {
                for (i, b) in k.bufs.iter().enumerate() {
                    frame[k.args + i] = match b.index().checked_sub(nb) {
                        Some(a) => partial_ptrs[a],
                        None => frame[slots + b.index()],
                    };
                }
                frame[k.args + k.bufs.len()] = table;
                let f = match t.kernel_fns[j] {
                    Some(f) => self.code.function(f),
                    None => body.kernel_fn(k.step),
                };
                frame[k.func] = f as usize as u64;
            }
            for (j, b) in t.plan.per_step.iter().enumerate() {
                let info = &body.plan().buffers[b.index()];
                frame[tl.per_step + j] =
                    alloc(info.dtype, info.shape.size() * trip as usize) as u64;
            }
            if let Some(p) = t.prologue {
                let f = self.code.function(p);
                // SAFETY: the frame holds every pointer the prologue reads
                // (as for the step driver) and the per-step records, each
                // `trip` rows long.
                unsafe { f(frame.as_ptr() as *const *const u8, 0, 0) };
                if let Some(e) = ctx.error.borrow_mut().take() {
                    return Err(e);
                }
            }
            // SAFETY: the frame is complete; every range is disjoint.
            unsafe { self.run_temporal(t, &frame) };
            let element_wise = |k: usize| {
                !t.plan.uniform_carry.contains(&k)
                    && !t.plan.accumulators.iter().any(|a| a.carry == k)
            };
            for k in (0..nc).filter(|&k| !t.plan.uniform_carry.contains(&k)) {
                // The prologue set the finals of the uniform state.
                let swapped = trip % 2 == 1 && !self.in_place[k] && element_wise(k);
                frame[l.finals + k] = frame[if swapped { l.next } else { l.outputs } + k];
            }
            if trip > 0 {
                for (a, p) in t.plan.accumulators.iter().zip(partials) {
                    let out = &step.outputs[a.carry];
                    let dtype = plan.buffers[out.index()].dtype;
                    // SAFETY: the result buffer holds one element of `dtype`.
                    unsafe { fold_partials(a, p, ptrs[out.index()], dtype)? };
                }
            }
        } else {
            let f = self.code.function(0);
            // SAFETY: the frame holds every pointer the driver reads, laid
            // out as `Layout` says; the buffers are valid as the caller
            // guarantees, the temporaries and scratch buffers live in `owned`.
            unsafe { f(frame.as_ptr() as *const *const u8, 0, 0) };
            if let Some(e) = ctx.error.borrow_mut().take() {
                return Err(e);
            }
        }
        for k in 0..nc {
            let (fin, dst) = (
                frame[l.finals + k] as *mut u8,
                ptrs[step.outputs[k].index()],
            );
            if fin != dst {
                let info = &plan.buffers[step.outputs[k].index()];
                // SAFETY: `fin` is a scratch buffer of the result's type.
                unsafe { std::ptr::copy_nonoverlapping(fin, dst, nbytes(&info.shape, info.dtype)) };
            }
        }
        drop(owned);
        Ok(())
    }

    /// Runs the temporal driver over every element, in parallel ranges of
    /// whole chunks when there are several.
    ///
    /// # Safety
    /// `frame` is complete for this step.
    unsafe fn run_temporal(&self, t: &TemporalCode, frame: &[u64]) {
        let f = self.code.function(t.func);
        let base = frame.as_ptr() as usize;
        let chunks = t.size.div_ceil(t.chunk);
        let fork = may_fork();
        let wanted = if fork {
            rayon::current_num_threads() * 4
        } else {
            1
        };
        // Whole chunks per part; a state of fewer chunks than parts wanted
        // (a `[32, 128]` layer) is cut into parts of whole vectors instead.
        let per = if chunks >= wanted {
            chunks.div_ceil(wanted) * t.chunk
        } else {
            t.size
                .div_ceil(wanted)
                .next_multiple_of(64)
                .max(MIN_PART)
                .min(t.chunk)
        };
        let parts = t.size.div_ceil(per).max(1);
        let tiles = match &t.tiles {
            Some((func, lanes)) if register_tiles_on() => Some((self.code.function(*func), *lanes)),
            _ => None,
        };
        // SAFETY: the ranges are disjoint; the temporal driver and the
        // register-resident one only read the frame and write the elements
        // of their range of every element-wise buffer (the identity maps
        // `temporal::analyze` checked). The register-resident one gets a
        // whole number of vectors; the chunked one runs the rest.
        let run = |lo: usize| unsafe {
            let hi = (lo + per).min(t.size);
            let mid = match tiles {
                Some((g, lanes)) => {
                    let mid = lo + (hi - lo) / lanes * lanes;
                    g(base as *const *const u8, lo as u64, mid as u64);
                    mid
                }
                None => lo,
            };
            if mid < hi {
                f(base as *const *const u8, mid as u64, hi as u64)
            }
        };
        share_pieces(parts, fork, &|p| run(p * per));
    }
}

/// The fewest elements of a part of a temporally fused loop's range.
const MIN_PART: usize = 512;

thread_local! {
    static REGISTER_TILES: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Whether temporally fused loops run on this thread take their
/// register-resident form where they have one (see [`with_register_tiles`]).
fn register_tiles_on() -> bool {
    REGISTER_TILES.with(|c| c.get())
}

/// Runs `f` with the register-resident form of temporally fused loops on
/// (the default) or off (`false`: the chunked form only) for the loops run
/// on this thread. Both forms are compiled; this only chooses at each run,
/// so the two can be compared on one compiled loop.
pub fn with_register_tiles<T>(on: bool, f: impl FnOnce() -> T) -> T {
    let before = REGISTER_TILES.with(|c| c.replace(on));
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REGISTER_TILES.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(before);
    f()
}

/// Folds the partials of accumulator `a` into its value at `out` (one
/// element of `dtype`): `acc ⊕ reduce⊕(partials)`, computed in the
/// partials' type (f64 for an f32 sum) and rounded once. The reduction
/// visits the elements in order, as `eval` defines it.
///
/// # Safety
/// `out` holds one valid element of `dtype`.
unsafe fn fold_partials(
    a: &Accumulator,
    partials: Buffer,
    out: *mut u8,
    dtype: DType,
) -> Result<()> {
    let scalar = Shape::scalar();
    let wide = a.partial.dtype;
    let mut acc = Buffer::zeroed(dtype, 1);
    // SAFETY: `out` holds one element of `dtype`, as `acc` does.
    unsafe { std::ptr::copy_nonoverlapping(out, acc.as_mut_ptr(), dtype.size()) };
    let acc = Value::new(scalar.clone(), acc);
    let shape = a.partial.shape.clone();
    let axes = (0..shape.rank()).collect();
    let partials = Value::new(shape, partials);
    let total = eval_op(&Op::Reduce { op: a.op, axes }, &[&partials], &scalar, wide)?;
    let acc = if wide == dtype {
        acc
    } else {
        eval_op(&Op::Cast(wide), &[&acc], &scalar, wide)?
    };
    let folded = eval_op(&Op::Binary(a.combine()), &[&acc, &total], &scalar, wide)?;
    let folded = if wide == dtype {
        folded
    } else {
        eval_op(&Op::Cast(dtype), &[&folded], &scalar, dtype)?
    };
    let bytes = folded.buf().bytes();
    // SAFETY: one element of `dtype`, as `out` holds.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), out, bytes.len()) };
    Ok(())
}

fn nbytes(shape: &Shape, dtype: DType) -> usize {
    shape.size() * dtype.size()
}

/// Elements per range of a long parallel launch: small enough for rayon to
/// balance them between busy cores (where the ranges fall never changes
/// what a kernel computes, only the speed).
const LAUNCH_RANGE: u64 = 1 << 15;

/// The parallel launcher of generated drivers: runs kernel `f` over
/// `[0, n)` as disjoint ranges of at most `LAUNCH_RANGE` elements, the
/// first on the calling thread, the others on rayon's pool.
extern "C" fn launch(f: u64, args: u64, n: u64) {
    // SAFETY: the driver passes the entry point of a finalized kernel, alive
    // for the run.
    let f = unsafe { std::mem::transmute::<usize, KernelFn>(f as usize) };
    // A launch shorter than two ranges per thread is cut into two parts
    // per thread instead (whole vectors), so both cores get a share.
    let threads = rayon::current_num_threads() as u64;
    let per = LAUNCH_RANGE.min(n.div_ceil(2 * threads).next_multiple_of(64).max(64));
    let parts = if !may_fork() { 1 } else { n.div_ceil(per) };
    let per = if parts == 1 { n } else { per };
    // SAFETY: `args` is the kernel's complete argument table; a kernel
    // writes only the elements of its range, so disjoint ranges may run at
    // once (as `Executable::run` may split a launch).
    let run = |lo: u64| unsafe { f(args as *const *const u8, lo, (lo + per).min(n)) };
    for_each_range(
        parts as usize,
        per as usize,
        n as usize,
        |lo| run(lo as u64),
    );
}

/// What the callback needs: the sub-graphs, and the first error.
struct RunCtx<'a> {
    programs: Vec<&'a dyn Program>,
    error: RefCell<Option<Error>>,
}

/// The callback of generated drivers: runs step `code & 0x7fff_ffff` of
/// sub-graph `code >> 32` (or the step region starting there, when
/// `code & REGION_CODE`) with the buffer pointers in `slots`. Returns 0 on
/// success, 1 after recording the error (or panic) in the context.
extern "C" fn step_callback(ctx: u64, code: u64, slots: u64) -> u32 {
    // SAFETY: `ctx` is the `RunCtx` of the run in progress (it outlives the
    // driver call that calls back).
    let ctx = unsafe { &*(ctx as *const RunCtx<'_>) };
    let (p, s) = ((code >> 32) as usize, (code & (REGION_CODE - 1)) as usize);
    let exe = ctx.programs[p];
    // SAFETY: the driver passes the sub-graph's slot array, one pointer
    // per plan buffer, all set for this run.
    let ptrs =
        unsafe { std::slice::from_raw_parts(slots as *const *mut u8, exe.plan().buffers.len()) };
    // SAFETY: the slots hold valid buffers of the plan's types.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        if code & REGION_CODE != 0 {
            exe.run_region(s, ptrs)
        } else {
            exe.run_called_step(s, ptrs)
        }
    }));
    let error = match result {
        Ok(Ok(())) => return 0,
        Ok(Err(e)) => e,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Error::invalid("loop", format!("a step of the body panicked: {msg}"))
        }
    };
    ctx.error.borrow_mut().get_or_insert(error);
    1
}
