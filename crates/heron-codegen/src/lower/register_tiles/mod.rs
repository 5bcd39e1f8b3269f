//! Register-resident temporal fusion: the form of a temporally fused loop
//! (`heron_ir::passes::temporal`) that keeps the state in registers for all
//! steps.
//!
//! The chunked form runs every step's kernels over a chunk of elements in
//! cache, loading and storing every state array once per step and kernel.
//! This form instead emits one function over an element range that loads a
//! *tile* of `T` independent vectors (`f32x4`, `i32x4` or `f64x2`) of every
//! element-wise state value and accumulator partial, runs all `trip` steps
//! on them with the state in SSA values (Cranelift block parameters of the
//! step loop, so the register allocator keeps them in xmm registers), and
//! stores once at the end. Within a step, the kernels' bodies are emitted
//! vector after vector of the tile (their temporaries are dead before the
//! next vector starts); values one kernel stores and a later one loads stay
//! SSA values. Per-step inputs come as in the chunked form: the index is
//! `start + t`, uniform values (random keys) are read from row `t` of their
//! per-step records, and random bits use the vector Threefry with each
//! element's own counter. Invariant operands are reloaded every step (a
//! load from L1 folded into the op) rather than pinned in registers.
//!
//! Every lane computes exactly what the chunked and step-by-step forms
//! compute for its element (the vector ops are lane-wise the scalar ones,
//! `vector.rs`), so all three are bit-identical.
//!
//! The tile is chosen from register pressure ([`plan`]): the 16 xmm
//! registers hold the peak number of temporaries live within one vector's
//! body, the loop-invariant constants (at most four counted; Cranelift
//! hoists them out of the step loop and reloads the rest), and `T` vectors
//! of each state value the body reads, of which up to `SPILLED` may live on
//! the stack (a load and a store per step, off the dependency chain: cheaper
//! than a tile too narrow to hide the chain's latency). `T` is at most 8.
//! State only written (a spike mask) is not counted. A body whose
//! temporaries, constants and one vector of state do not fit the
//! registers, or that has an op without a vector form, a mix of element
//! sizes, or a read other than at its own element or of a broadcast value,
//! keeps the chunked form. State only written is not carried through the
//! step loop: the last step is peeled and computes it. The function covers
//! whole tiles, then single vectors; the caller runs the last `< lanes`
//! elements of its range on the chunked form.

mod choice;
mod fast;
mod state;

pub use choice::{TilePlan, plan};

use super::threefry::Generators;
use super::{Access, Emitter, clif_type, vector};
use crate::lower::driver::{DriverSpec, n_carry};
use cranelift_codegen::entity::packed_option::ReservedValue;
use cranelift_codegen::ir::{Function, InstBuilder, MemFlagsData, Value, condcodes::IntCC, types};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use fast::{Fast, Kind, Pinned};
use heron_ir::passes::temporal::Temporal;
use heron_ir::plan::{Affine, BufId, BufferKind, Expr, KernelPlan};
use heron_ir::{DType, Op, Result};
use state::{Source, State, broadcast, element_wise, source, states};
use std::collections::HashMap;

/// Frame words the register form reads.
struct Words {
    /// Per state: where its initial value is, and where its final value goes.
    src: Vec<usize>,
    dst: Vec<usize>,
    /// Per per-step record: its first row.
    per_step: Vec<usize>,
    /// The helper table.
    helpers: usize,
}

/// The frame words of `spec`'s register form.
fn words(spec: &DriverSpec<'_>, t: &Temporal, st: &[State]) -> Result<Words> {
    let l = spec.layout;
    let tl = l.temporal.as_ref().ok_or_else(|| missing(spec))?;
    let Op::Loop { trip, .. } = spec.step.op else {
        return Err(missing(spec));
    };
    let body = spec.programs[0];
    let nb = body.plan.buffers.len();
    let nc = n_carry(&spec.step.op);
    let mut src = Vec::new();
    let mut dst = Vec::new();
    let ew: Vec<usize> = (0..nc).filter(|&k| element_wise(t, k)).collect();
    for (i, s) in st.iter().enumerate() {
        if let Some(&k) = ew.get(i) {
            // The chunked form's convention: the state ends in the scratch
            // buffer after an odd number of swaps.
            let swapped = trip % 2 == 1 && !spec.in_place[k];
            src.push(l.outputs + k);
            dst.push(if swapped { l.next + k } else { l.outputs + k });
        } else {
            // A partial: its pointer is in the argument table of the
            // kernel folding into it.
            let at = tl
                .kernels
                .iter()
                .find_map(|k| k.bufs.iter().position(|&b| b == s.read).map(|j| k.args + j))
                .ok_or_else(|| missing(spec))?;
            debug_assert!(s.read.index() >= nb);
            src.push(at);
            dst.push(at);
        }
    }
    let first = tl.kernels.first().ok_or_else(|| missing(spec))?;
    Ok(Words {
        src,
        dst,
        per_step: (0..t.per_step.len()).map(|j| tl.per_step + j).collect(),
        helpers: first.args + first.bufs.len(),
    })
}

fn missing(spec: &DriverSpec<'_>) -> heron_ir::Error {
    heron_ir::Error::invalid(
        "temporal fusion",
        format!("{} has no register-resident form", spec.step.op),
    )
}

/// Builds the register-resident driver of `spec` into `func` (kernel
/// signature `fn(frame, start, end)`): over `[start, end)`, a multiple of
/// `tp.lanes` elements, whole tiles of `tp.tile` vectors, then single
/// vectors, each running all steps in registers.
pub(crate) fn build(
    spec: &DriverSpec<'_>,
    tp: &TilePlan,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    call_conv: CallConv,
    config: TargetFrontendConfig,
) -> Result<()> {
    let t = spec.temporal.ok_or_else(|| missing(spec))?;
    let Op::Loop {
        start: first_index,
        trip,
        ..
    } = spec.step.op
    else {
        return Err(missing(spec));
    };
    let body = spec.programs[0];
    let plan = &body.plan;
    let nc = n_carry(&spec.step.op);
    let st = states(t, plan, nc);
    let w = words(spec, t, &st)?;

    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    let (frame, start, end) = (p[0], p[1], p[2]);
    let fl = MemFlagsData::trusted().with_readonly();
    let word = |b: &mut FunctionBuilder<'_>, at: usize| {
        b.ins().load(types::I64, fl, frame, (at * 8) as i32)
    };
    let helpers = word(&mut b, w.helpers);
    let src: Vec<Value> = w.src.iter().map(|&a| word(&mut b, a)).collect();
    let dst: Vec<Value> = w.dst.iter().map(|&a| word(&mut b, a)).collect();
    let rows: Vec<Value> = w.per_step.iter().map(|&a| word(&mut b, a)).collect();
    // Invariant buffers: parameters from the step's inputs, constants from
    // the body's buffer slots.
    let slots = spec.layout.programs[0].slots;
    let mut invariant: HashMap<BufId, Value> = HashMap::new();
    for tk in &t.kernels {
        for instr in &tk.kernel.body {
            let buf = match &instr.expr {
                Expr::Load { buf, .. } => *buf,
                Expr::ThreefryBits { key, .. } => *key,
                _ => continue,
            };
            if invariant.contains_key(&buf) {
                continue;
            }
            if let Some(Source::Invariant(_)) = source(t, plan, &st, nc, buf) {
                let at = match plan.buffers[buf.index()].kind {
                    BufferKind::Param(n) => spec.layout.inputs + n as usize - 1,
                    _ => slots + buf.index(),
                };
                let v = word(&mut b, at);
                invariant.insert(buf, v);
            }
        }
    }
    let target = crate::lower::vmath::Target::host();
    let fast = fast::analyse(t, plan, &st, nc, body.options.fast_math, target.fma);
    let mut e = Emitter {
        b,
        helpers,
        call_conv,
        target,
        sigs: HashMap::new(),
    };
    let written_only = written_only(t, plan, &st, nc);
    let ctx = Ctx {
        fast: &fast,
        written_only: &written_only,
        t,
        plan,
        nc,
        st: &st,
        tp,
        src: &src,
        dst: &dst,
        rows: &rows,
        invariant: &invariant,
        first_index,
        trip,
        end,
    };
    let e0 = e.b.declare_var(types::I64);
    e.b.def_var(e0, start);
    let widths: &[usize] = if tp.tile > 1 { &[tp.tile, 1] } else { &[1] };
    for &width in widths {
        ctx.tiles(&mut e, e0, width);
    }
    e.b.ins().return_(&[]);
    e.b.seal_all_blocks();
    e.b.finalize(config);
    Ok(())
}

/// Per state value of `st`: true when no kernel of the step reads it
/// before writing it (its value at a step's start is never used).
fn written_only(t: &Temporal, plan: &KernelPlan, st: &[State], nc: usize) -> Vec<bool> {
    let mut only = vec![true; st.len()];
    let mut written: Vec<BufId> = Vec::new();
    for tk in &t.kernels {
        for instr in &tk.kernel.body {
            if let Expr::Load { buf, .. } = &instr.expr
                && !written.contains(buf)
                && let Some(Source::State(i)) = source(t, plan, st, nc, *buf)
            {
                only[i] = false;
            }
        }
        written.extend(tk.kernel.stores.iter().map(|s| s.buf));
    }
    only
}

/// What emitting a tile loop needs.
struct Ctx<'a> {
    /// The fast-math decisions (all in the step without fast math).
    fast: &'a Fast,
    /// Per state value: true when no step reads it (a spike mask).
    written_only: &'a [bool],
    t: &'a Temporal,
    plan: &'a KernelPlan,
    nc: usize,
    st: &'a [State],
    tp: &'a TilePlan,
    src: &'a [Value],
    dst: &'a [Value],
    rows: &'a [Value],
    invariant: &'a HashMap<BufId, Value>,
    first_index: i64,
    trip: u64,
    end: Value,
}

/// An access at element `off` of a buffer at `ptr` with elements of `size`
/// bytes.
fn access(ptr: Value, size: usize) -> Access {
    Access {
        ptr,
        size,
        offset: 0,
        coefs: Vec::new(),
        readonly: false,
    }
}

impl Ctx<'_> {
    /// Emits the loop over tiles of `width` vectors from element `e0` while
    /// a whole tile fits before `end`; leaves `e0` after the last one.
    fn tiles(&self, e: &mut Emitter<'_>, e0: Variable, width: usize) {
        let lanes = self.tp.lanes;
        let span = (width * lanes) as i64;
        let header = e.b.create_block();
        let load = e.b.create_block();
        let step_header = e.b.create_block();
        let step_body = e.b.create_block();
        let store = e.b.create_block();
        let done = e.b.create_block();
        e.b.ins().jump(header, &[]);

        e.b.switch_to_block(header);
        let at = e.b.use_var(e0);
        let tile_end = e.b.ins().iadd_imm_s(at, span);
        let fits =
            e.b.ins()
                .icmp(IntCC::UnsignedLessThanOrEqual, tile_end, self.end);
        e.b.ins().brif(fits, load, &[], done, &[]);

        // Load the tile's state.
        e.b.switch_to_block(load);
        let at = e.b.use_var(e0);
        let mut vars: Vec<Vec<Variable>> = Vec::new();
        for (i, s) in self.st.iter().enumerate() {
            let a = access(self.src[i], s.dtype.size());
            let mut row = Vec::new();
            for g in 0..width {
                let (addr, off) = super::address_at(e, &a, at, (g * lanes * s.dtype.size()) as i64);
                let v = super::memory::load(e, addr, off, s.dtype, lanes, false);
                let var = e.b.declare_var(crate::lower::vec_type(s.dtype, lanes));
                e.b.def_var(var, v);
                row.push(var);
            }
            vars.push(row);
        }
        let hoisted = self.hoist(e, at, width);
        let hoisted = Pinned::store(e, self.fast, &hoisted);
        let step = e.b.declare_var(types::I64);
        let zero = e.b.ins().iconst(types::I64, 0);
        e.b.def_var(step, zero);
        e.b.ins().jump(step_header, &[]);

        // The step loop: the state lives in its variables (block parameters).
        // State only written (a spike mask) is not carried: the loop runs
        // all steps but the last without it, and the last step, peeled,
        // computes it.
        let peel = self.trip > 0 && self.written_only.iter().any(|&w| w);
        let looped = self.trip - u64::from(peel);
        e.b.switch_to_block(step_header);
        let t = e.b.use_var(step);
        let more =
            e.b.ins()
                .icmp_imm_u(IntCC::UnsignedLessThan, t, looped as i64);
        e.b.ins().brif(more, step_body, &[], store, &[]);

        e.b.switch_to_block(step_body);
        let t = e.b.use_var(step);
        let at = e.b.use_var(e0);
        let cur: Vec<Vec<Value>> = vars
            .iter()
            .map(|row| row.iter().map(|&v| e.b.use_var(v)).collect())
            .collect();
        let next = self.step(e, t, at, &cur, width, &hoisted);
        for ((row, vals), &only) in vars.iter().zip(next).zip(self.written_only) {
            if peel && only {
                continue;
            }
            for (&var, v) in row.iter().zip(vals) {
                e.b.def_var(var, v);
            }
        }
        let t1 = e.b.ins().iadd_imm_s(t, 1);
        e.b.def_var(step, t1);
        e.b.ins().jump(step_header, &[]);

        // The peeled last step, then store the tile's state once.
        e.b.switch_to_block(store);
        let at = e.b.use_var(e0);
        if peel {
            let t = e.b.ins().iconst(types::I64, looped as i64);
            let cur: Vec<Vec<Value>> = vars
                .iter()
                .map(|row| row.iter().map(|&v| e.b.use_var(v)).collect())
                .collect();
            let next = self.step(e, t, at, &cur, width, &hoisted);
            for (row, vals) in vars.iter().zip(next) {
                for (&var, v) in row.iter().zip(vals) {
                    e.b.def_var(var, v);
                }
            }
        }
        for ((s, &dst), row) in self.st.iter().zip(self.dst).zip(&vars) {
            let a = access(dst, s.dtype.size());
            for (g, &var) in row.iter().enumerate() {
                let v = e.b.use_var(var);
                vector::store(e, &a, at, g * lanes, v, s.dtype, lanes);
            }
        }
        let next_at = e.b.ins().iadd_imm_s(at, span);
        e.b.def_var(e0, next_at);
        e.b.ins().jump(header, &[]);

        e.b.switch_to_block(done);
    }

    /// Emits, before the step loop of a tile of `width` vectors at element
    /// `at`, the instructions fast math computes once per tile; returns
    /// their values as `[vector][kernel][instruction]` (reserved values for
    /// the others).
    fn hoist(&self, e: &mut Emitter<'_>, at: Value, width: usize) -> Vec<Vec<Vec<Value>>> {
        let lanes = self.tp.lanes;
        let none = Value::reserved_value();
        let mut out = vec![Vec::new(); width];
        if self.fast.kept() == 0 {
            return out;
        }
        for (g, per_vector) in out.iter_mut().enumerate() {
            let skip = g * lanes;
            let mut local: HashMap<BufId, Value> = HashMap::new();
            for (ki, tk) in self.t.kernels.iter().enumerate() {
                let k = &tk.kernel;
                let inv = &self.fast.invariant[ki];
                let mut values: Vec<Value> = Vec::with_capacity(k.body.len());
                for (i, instr) in k.body.iter().enumerate() {
                    let v = match &instr.expr {
                        _ if !inv[i] => none,
                        Expr::Load { buf, map } => match local.get(buf) {
                            Some(&v) => v,
                            None => {
                                let src = source(self.t, self.plan, self.st, self.nc, *buf);
                                self.load(e, src, *buf, map, instr.dtype, at, skip, &[], at, &[], g)
                            }
                        },
                        _ => self.compute(e, ki, i, &values),
                    };
                    values.push(v);
                }
                for s in &k.stores {
                    let v = vector::store_value(s);
                    if inv[v] {
                        local.insert(s.buf, values[v]);
                    }
                }
                per_vector.push(values);
            }
        }
        out
    }

    /// The vector value of body instruction `i` of kernel `ki`, an
    /// instruction that reads no memory: a fused multiply-add where fast
    /// math contracts it, else as `vector::compute` emits it.
    fn compute(&self, e: &mut Emitter<'_>, ki: usize, i: usize, values: &[Value]) -> Value {
        match self.fast.fma[ki][i] {
            Some((a, b, c)) => e.b.ins().fma(values[a], values[b], values[c]),
            None => vector::compute(e, &self.t.kernels[ki].kernel, i, values, self.tp.lanes),
        }
    }

    /// Emits one step on a tile of `width` vectors at element `at`, step
    /// `t`, from the state `cur` (`[state][vector]`) and the values
    /// computed once per tile (`hoisted`, stored from [`Ctx::hoist`]);
    /// returns the new state.
    fn step(
        &self,
        e: &mut Emitter<'_>,
        t: Value,
        at: Value,
        cur: &[Vec<Value>],
        width: usize,
        hoisted: &Pinned,
    ) -> Vec<Vec<Value>> {
        let lanes = self.tp.lanes;
        // Step `t`'s record of each per-step value.
        let rows: Vec<Value> = self
            .t
            .per_step
            .iter()
            .zip(self.rows)
            .map(|(&b, &base)| {
                let info = &self.plan.buffers[b.index()];
                let bytes = info.shape.size() * info.dtype.size();
                let off = e.b.ins().imul_imm_s(t, bytes as i64);
                e.b.ins().iadd(base, off)
            })
            .collect();
        let index = e.b.ins().iadd_imm_s(t, self.first_index);
        let index = e.b.ins().ireduce(types::I32, index);
        let ptr_of = |b: BufId| match source(self.t, self.plan, self.st, self.nc, b) {
            Some(Source::PerStep(j)) => rows[j],
            Some(Source::Invariant(b)) => self.invariant[&b],
            _ => unreachable!("keys are per-step or invariant (planned)"),
        };
        let mut written: Vec<HashMap<BufId, Value>> = vec![HashMap::new(); width];
        for (ki, tk) in self.t.kernels.iter().enumerate() {
            let k = &tk.kernel;
            let generators = Generators::load(e, k, &ptr_of);
            for (g, local) in written.iter_mut().enumerate() {
                let skip = g * lanes;
                let mut values: Vec<Value> = Vec::with_capacity(k.body.len());
                for (i, instr) in k.body.iter().enumerate() {
                    let v = match (self.fast.kind[ki][i], &instr.expr) {
                        (Kind::Tile { kept: true }, _) => {
                            let ty = crate::lower::vec_type(instr.dtype, lanes);
                            hoisted.load(e, ty, g, ki, i)
                        }
                        (Kind::Tile { kept: false }, _) => Value::reserved_value(),
                        (Kind::Step, Expr::Load { buf, map }) => {
                            if let Some(&v) = local.get(buf) {
                                v
                            } else {
                                let src = source(self.t, self.plan, self.st, self.nc, *buf);
                                self.load(
                                    e,
                                    src,
                                    *buf,
                                    map,
                                    instr.dtype,
                                    at,
                                    skip,
                                    &rows,
                                    index,
                                    cur,
                                    g,
                                )
                            }
                        }
                        (Kind::Step, Expr::ThreefryBits { key, index: map }) => {
                            let c = e.b.ins().iadd_imm_s(at, map.offset + skip as i64);
                            generators.emit_vector(e, i, *key, c)
                        }
                        (Kind::Step, _) => self.compute(e, ki, i, &values),
                    };
                    values.push(v);
                }
                for s in &k.stores {
                    local.insert(s.buf, values[vector::store_value(s)]);
                }
            }
        }
        self.st
            .iter()
            .map(|s| (0..width).map(|g| written[g][&s.write]).collect())
            .collect()
    }

    /// The vector value of a load of `buf` through `map` not written earlier
    /// in the step, for vector `g` (`skip` elements into the tile).
    #[allow(clippy::too_many_arguments)]
    fn load(
        &self,
        e: &mut Emitter<'_>,
        src: Option<Source>,
        buf: BufId,
        map: &Affine,
        dtype: DType,
        at: Value,
        skip: usize,
        rows: &[Value],
        index: Value,
        cur: &[Vec<Value>],
        g: usize,
    ) -> Value {
        let lanes = self.tp.lanes;
        let scalar = |e: &mut Emitter<'_>, ptr: Value, flags: MemFlagsData| {
            let off = (map.offset * dtype.size() as i64) as i32;
            let s = e.b.ins().load(clif_type(dtype), flags, ptr, off);
            vector::splat(e, s, dtype, lanes)
        };
        match src {
            Some(Source::State(i)) => cur[i][g],
            Some(Source::Index) => vector::splat(e, index, dtype, lanes),
            Some(Source::PerStep(j)) => scalar(e, rows[j], MemFlagsData::trusted().with_readonly()),
            Some(Source::Invariant(b)) => {
                let ptr = self.invariant[&b];
                if broadcast(map) {
                    let flags = MemFlagsData::trusted().with_readonly().with_can_move();
                    scalar(e, ptr, flags)
                } else {
                    // Reloaded every step (not hoisted into a register).
                    let a = access(ptr, dtype.size());
                    let (addr, off) = super::address_at(e, &a, at, (skip * dtype.size()) as i64);
                    super::memory::load(e, addr, off, dtype, lanes, false)
                }
            }
            None => unreachable!("load of {buf:?} has no source (planned)"),
        }
    }
}
