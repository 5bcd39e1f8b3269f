//! Building a control step's `Driver`: its step driver, and for a loop
//! that temporal fusion applies to, the chunk loop, the prologue, the
//! rewritten reductions and the register-resident form, all in one module.

use super::{
    DriverSpec, Layout, build_prologue, build_step_driver, build_temporal_driver, n_carry,
};
use crate::lower;
use crate::lower::module::Jit;
use crate::lower::register_tiles;
use crate::run::executable::ControlExe;
use crate::run::frame::{Driver, TemporalCode};
use heron_ir::passes::temporal::Temporal;
use heron_ir::plan::{BufferKind, ControlStep, KernelPlan, Step};
use heron_ir::{Op, Result};

/// Bytes the chunk of a temporal driver aims to keep in cache, over all the
/// element-wise buffers of the body.
const CHUNK_BYTES: usize = 48 * 1024;

/// The native drivers of a plan's control steps (`None` for other steps, and
/// for a control step whose driver could not be compiled: it then runs on
/// the reference driver of `control.rs`).
pub(crate) fn build_drivers(
    plan: &KernelPlan,
    controls: &[Option<ControlExe>],
) -> Vec<Option<Driver>> {
    plan.steps
        .iter()
        .zip(controls)
        .map(|(step, control)| match (step, control) {
            (Step::Control(c), Some(control)) => build(c, control).ok(),
            _ => None,
        })
        .collect()
}

/// Compiles the driver of `step` (and its temporal driver, where
/// temporal fusion applies).
fn build(step: &ControlStep, control: &ControlExe) -> Result<Driver> {
    let programs = control.programs();
    let nc = n_carry(&step.op);
    let first_param = usize::from(matches!(step.op, Op::Loop { .. }));
    let body = *programs.last().expect("control steps have sub-graphs");
    let in_place: Vec<bool> = (0..nc)
        .map(|k| body.aliasable().contains(&(k, first_param + k)))
        .collect();
    let plan = step.temporal.clone();
    let plans: Vec<_> = programs.iter().map(|p| &p.plan).collect();
    let layout = Layout::new(step, &plans, plan.as_ref());
    let spec = DriverSpec {
        step,
        programs: &programs,
        layout: &layout,
        in_place: &in_place,
        temporal: plan.as_ref(),
    };
    let mut jit = Jit::new()?;
    let (cc, config) = (jit.call_conv(), jit.frontend_config());
    jit.define("drive", |func, fctx| {
        build_step_driver(&spec, func, fctx, cc, config)
    })?;
    let mut form = String::new();
    let temporal = match &plan {
        Some(t) => {
            let dtype_of = |b| t.buffer(&body.plan, b).dtype;
            // The chunk loop updates carried values in place: any
            // parameter may be memory a kernel writes.
            let may_alias = |b| matches!(t.buffer(&body.plan, b).kind, BufferKind::Param(_));
            let mut kernel_fns = Vec::with_capacity(t.kernels.len());
            for tk in &t.kernels {
                kernel_fns.push(if tk.rewritten {
                    Some(jit.define(&tk.kernel.name, |func, fctx| {
                        lower::lower_kernel(
                            &tk.kernel, &dtype_of, &may_alias, func, fctx, cc, config,
                        )
                    })?)
                } else {
                    None
                });
            }
            let prologue = if t.uniform.is_empty() {
                None
            } else {
                Some(jit.define("prologue", |func, fctx| {
                    build_prologue(&spec, func, fctx, cc, config)
                })?)
            };
            let chunk = chunk_size(&body.plan, t);
            let func = jit.define("temporal", |func, fctx| {
                build_temporal_driver(&spec, chunk as u64, func, fctx, cc, config)
            })?;
            let tiles = match register_tiles::plan(t, &body.plan, nc, body.options.fast_math) {
                Ok(tp) => {
                    form = tp.describe();
                    let f = jit.define("register_tiles", |func, fctx| {
                        register_tiles::build(&spec, &tp, func, fctx, cc, config)
                    })?;
                    Some((f, tp.lanes))
                }
                Err(why) => {
                    form = format!("chunked ({why})");
                    None
                }
            };
            Some(TemporalCode {
                plan: t.clone(),
                func,
                prologue,
                kernel_fns,
                size: t.shape.size(),
                chunk,
                tiles,
            })
        }
        None => None,
    };
    Ok(Driver {
        form: temporal.as_ref().map(|_| form),
        code: jit.finish()?,
        layout,
        in_place,
        temporal,
    })
}

/// The chunk of a temporal driver: about `CHUNK_BYTES` over the body's
/// element-wise buffers and the accumulators' partials, a multiple of 64
/// elements.
fn chunk_size(plan: &KernelPlan, t: &Temporal) -> usize {
    let n = t.shape.size();
    let state: usize = plan
        .buffers
        .iter()
        .filter(|b| b.shape.size() == n && !matches!(b.kind, BufferKind::Const(_)))
        .map(|b| b.dtype.size())
        .sum();
    let partials: usize = t.accumulators.iter().map(|a| a.partial.dtype.size()).sum();
    let per_elem = (state + partials).max(1);
    (CHUNK_BYTES / per_elem).clamp(64, 1 << 16) / 64 * 64
}
