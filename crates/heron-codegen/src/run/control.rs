//! The control steps (`loop`, `while_loop`, `cond`) at run time: each
//! sub-graph is compiled to its own `Executable` (`lower/program.rs`), and
//! the step runs them over the step's buffers. A step normally runs on its
//! native driver (`frame.rs`, code from `lower/driver/`): the whole
//! construct in one generated function. The driver
//! in this file, which calls `Executable::run` once per iteration, is the
//! reference the native one is tested against, and runs a step whose native
//! driver could not be compiled.
//!
//! Carried state lives in the step's result buffers for the whole loop (the
//! initial values are copied there once, or are already there when the plan
//! let a result alias its operand). When the body's plan reads each carried
//! element only where it writes it (`aliasable`), the body updates the state
//! in place; otherwise it writes a scratch buffer allocated once per run and
//! the two are swapped. Sliced operands and stacked results are addressed by
//! offsetting pointers into the step's buffers: nothing is copied or
//! allocated per iteration besides what the body's own plan needs.

use crate::run::executable::{ControlExe, Executable};
use crate::run::frame::{Driver, Program};
use heron_ir::plan::{ControlStep, KernelPlan};
use heron_ir::{Buffer, DType, Error, Op, Result};

/// Bytes of buffer `b` of `plan`.
fn nbytes(plan: &KernelPlan, b: heron_ir::plan::BufId) -> usize {
    let info = &plan.buffers[b.index()];
    info.shape.size() * info.dtype.size()
}

/// The carried state of a loop: where it lives and how the body updates it.
struct Carry {
    /// The current state (starts as the result buffer).
    cur: Vec<*mut u8>,
    /// The buffer the body writes (the same as `cur` when in place).
    next: Vec<*mut u8>,
    /// Scratch buffers, kept alive for the run.
    _scratch: Vec<Buffer>,
}

impl Carry {
    /// Moves the initial values into the result buffers and prepares the
    /// scratch buffers for a body whose carried params start at `first_param`.
    ///
    /// # Safety
    /// `ptrs` holds valid buffers for every step buffer.
    unsafe fn new(
        plan: &KernelPlan,
        step: &ControlStep,
        ptrs: &[*mut u8],
        n_carry: usize,
        body: &Executable,
        first_param: usize,
    ) -> Carry {
        let mut cur = Vec::with_capacity(n_carry);
        let mut next = Vec::with_capacity(n_carry);
        let mut scratch = Vec::new();
        for k in 0..n_carry {
            let (src, dst) = (ptrs[step.inputs[k].index()], ptrs[step.outputs[k].index()]);
            if src != dst {
                // SAFETY: both buffers hold `n` bytes of the carried type and
                // are distinct step buffers (checked above).
                unsafe { std::ptr::copy_nonoverlapping(src, dst, nbytes(plan, step.inputs[k])) };
            }
            cur.push(dst);
            if body.aliasable().contains(&(k, first_param + k)) {
                next.push(dst);
            } else {
                let info = &plan.buffers[step.outputs[k].index()];
                let mut buf = Buffer::zeroed(info.dtype, info.shape.size());
                next.push(buf.as_mut_ptr());
                scratch.push(buf);
            }
        }
        Carry {
            cur,
            next,
            _scratch: scratch,
        }
    }

    /// After an iteration: the state is in `next`.
    fn advance(&mut self) {
        for (c, n) in self.cur.iter_mut().zip(&mut self.next) {
            if c != n {
                std::mem::swap(c, n);
            }
        }
    }

    /// Copies the state back into the result buffers when a swap left it elsewhere.
    ///
    /// # Safety
    /// As for `new`.
    unsafe fn finish(&self, plan: &KernelPlan, step: &ControlStep, ptrs: &[*mut u8]) {
        for (k, &c) in self.cur.iter().enumerate() {
            let dst = ptrs[step.outputs[k].index()];
            if c != dst {
                // SAFETY: `c` is a scratch buffer of the result's type, distinct from it.
                unsafe { std::ptr::copy_nonoverlapping(c, dst, nbytes(plan, step.outputs[k])) };
            }
        }
    }
}

impl ControlExe {
    /// Runs the step.
    ///
    /// # Safety
    /// `ptrs[b]` is a valid buffer of the plan's type for every buffer `b`;
    /// the step's result buffers are distinct from each other and from its
    /// operands, except for a carried result the plan declared aliasable
    /// with its initial value.
    pub(crate) unsafe fn run(
        &self,
        plan: &KernelPlan,
        step: &ControlStep,
        ptrs: &[*mut u8],
        driver: Option<&Driver>,
    ) -> Result<()> {
        if let Some(driver) = driver {
            let programs: Vec<&dyn Program> = self
                .programs()
                .into_iter()
                .map(|p| p as &dyn Program)
                .collect();
            // SAFETY: guaranteed by the caller.
            return unsafe { driver.run(&programs, plan, step, ptrs) };
        }
        let input = |i: usize| ptrs[step.inputs[i].index()] as *const u8;
        match (self, &step.op) {
            (
                ControlExe::Loop { body },
                Op::Loop {
                    start,
                    trip,
                    n_carry,
                    n_xs,
                    ..
                },
            ) => {
                let (nc, nx) = (*n_carry as usize, *n_xs as usize);
                // SAFETY: guaranteed by the caller.
                let mut carry = unsafe { Carry::new(plan, step, ptrs, nc, body, 1) };
                let mut index = Buffer::zeroed(DType::I32, 1);
                let x_rows: Vec<usize> = (nc..nc + nx)
                    .map(|i| nbytes(plan, step.inputs[i]) / (*trip as usize).max(1))
                    .collect();
                let y_rows: Vec<usize> = step.outputs[nc..]
                    .iter()
                    .map(|&b| nbytes(plan, b) / (*trip as usize).max(1))
                    .collect();
                let mut params: Vec<*const u8> = Vec::with_capacity(step.inputs.len() + 1);
                let mut outs: Vec<*mut u8> = Vec::with_capacity(step.outputs.len());
                for t in 0..*trip as usize {
                    index.as_mut_slice::<i32>()[0] = (*start + t as i64) as i32;
                    params.clear();
                    params.push(index.as_ptr());
                    params.extend(carry.cur.iter().map(|&p| p as *const u8));
                    for (k, &row) in x_rows.iter().enumerate() {
                        // SAFETY: row `t` of a `[trip, ...]` buffer is in bounds.
                        params.push(unsafe { input(nc + k).add(t * row) });
                    }
                    params.extend((nc + nx..step.inputs.len()).map(input));
                    outs.clear();
                    outs.extend(carry.next.iter().copied());
                    for (m, &row) in y_rows.iter().enumerate() {
                        let base = ptrs[step.outputs[nc + m].index()];
                        // SAFETY: row `t` of a `[trip, ...]` result is in bounds.
                        outs.push(unsafe { base.add(t * row) });
                    }
                    // SAFETY: every pointer is a buffer of the body's declared
                    // type; carried outputs equal their params only for
                    // pairs the body declared aliasable; the rest are distinct.
                    unsafe { body.run(&params, &outs)? };
                    carry.advance();
                }
                // SAFETY: as above.
                unsafe { carry.finish(plan, step, ptrs) };
                Ok(())
            }
            (ControlExe::While { cond, body }, Op::While { n_carry, .. }) => {
                let nc = *n_carry as usize;
                // SAFETY: guaranteed by the caller.
                let mut carry = unsafe { Carry::new(plan, step, ptrs, nc, body, 0) };
                let mut flag = Buffer::zeroed(DType::Bool, 1);
                let mut params: Vec<*const u8> = Vec::with_capacity(step.inputs.len());
                loop {
                    params.clear();
                    params.extend(carry.cur.iter().map(|&p| p as *const u8));
                    params.extend((nc..step.inputs.len()).map(input));
                    // SAFETY: the predicate reads the state and writes one bool.
                    unsafe { cond.run(&params, &[flag.as_mut_ptr()])? };
                    if !flag.as_slice::<bool>()[0] {
                        break;
                    }
                    // SAFETY: as for the counted loop.
                    unsafe { body.run(&params, &carry.next)? };
                    carry.advance();
                }
                // SAFETY: as above.
                unsafe { carry.finish(plan, step, ptrs) };
                Ok(())
            }
            (ControlExe::Cond { then, else_ }, Op::Cond { .. }) => {
                // SAFETY: operand 0 is a bool scalar buffer.
                let pred = unsafe { *input(0) } != 0;
                let params: Vec<*const u8> = (1..step.inputs.len()).map(input).collect();
                let outs: Vec<*mut u8> = step.outputs.iter().map(|b| ptrs[b.index()]).collect();
                let branch = if pred { then } else { else_ };
                // SAFETY: the results are distinct buffers of the branch's types.
                unsafe { branch.run(&params, &outs) }
            }
            _ => Err(Error::invalid(
                "control",
                "compiled code does not match its step",
            )),
        }
    }
}
