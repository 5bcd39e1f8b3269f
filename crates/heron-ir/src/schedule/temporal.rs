//! Temporal fusion: finding counted loops whose body is element-wise
//! independent, so that the loops can be interchanged: instead of running
//! every step over the whole state (streaming each array through memory once
//! per step), the backend runs all steps on one chunk of elements while it
//! sits in cache, then moves to the next chunk.
//!
//! A `loop` qualifies when the steps of its body's plan split into three
//! kinds over one element space `S` (the largest kernel's):
//!
//! - **uniform steps**: steps that read only the index, captured operands,
//!   constants and *uniform* carried values (carried values not of `S`'s
//!   size, such as a `RandomState`'s `u32[2]` key) or what earlier uniform
//!   steps wrote, and write nothing of `S`'s size. They compute the key
//!   chain of random draws: every step's keys depend only on the initial
//!   key. The backend runs them first, every step in turn (a prologue),
//!   recording per step the values the element-wise kernels read from them
//!   (`per_step`, a `[trip, ...]` buffer each), and ends with the final
//!   uniform state (the advanced key).
//! - **accumulators**: a carried value `acc` whose new value is
//!   `acc ⊕ reduce⊕(x)`, where `reduce⊕` is a full reduction (`sum`, `prod`,
//!   `max`, `min`, `any`, `all`) over `S` and `⊕` its combining op
//!   (`add`, `mul`, `maximum`, `minimum`, `or`, `and`), and nothing else in
//!   the body reads `acc` or the reduction (a scalar spike total). The
//!   reduction kernel becomes an element-wise kernel folding `x` into a
//!   per-element partial buffer (`P[e] ⊕= x[e]` every step); after the loop
//!   `acc ⊕= reduce⊕(P)`. The partials are per element, so the order of
//!   every fold is fixed by the element space alone, never by the chunk size
//!   or the number of threads.
//! - **element-wise kernels**, all over `S`: every other carried value,
//!   result and temporary has `S`'s number of elements and is read and
//!   written only at the element computed (the row-major identity map of
//!   `S`); everything else read is loop-invariant (the index, captured
//!   operands, constants) or uniform (read from its per-step record). A
//!   sliced operand (`for_loop` over `xs`) is element-wise too: step `t`
//!   reads row `t` of it, of `S`'s size, at the element computed; so is a
//!   stacked result, whose row `t` step `t` writes. A body's copy of one
//!   element-wise buffer into another (a stacked result that is the state
//!   as the step starts) becomes a copy kernel of the chunk loop, folded
//!   into the next step's kernel when that one neither reads nor writes
//!   the copy's destination.
//!
//! Then element `e` of the new state depends only on element `e` of the old
//! state, on the index, on invariant values and on the step's uniform
//! values, so running element chunk by element chunk computes what running
//! step by step computes, in the same per-element operation order:
//! element-wise state, random draws and uniform state are bit-identical.
//! So are accumulators of integers (wrapping arithmetic is associative and
//! commutative), `max`, `min` (up to the sign of a zero), `any` and `all`.
//! Float sums and products are reassociated: an f32 sum folds each element's
//! steps in f64 and adds `Σ P` (computed in f64) to `acc` once, where the
//! step-by-step loop rounds `acc + Σ_e x` to f32 every step; the two differ
//! by at most `(trip + 2)·2⁻²⁴·(|acc₀| + Σ|x|)` (the fused result is the
//! more accurate one). An f64 sum differs by at most
//! `(2·trip + n + 2)·2⁻⁵³·(|acc₀| + Σ|x|)`.
//!
//! Left to the step-by-step driver: a reduction feeding the state, a body
//! that reads its accumulator (or the reduction) anywhere else, a carried
//! value of another size computed from element-wise state, neighbour reads,
//! and nested control flow.
//!
//! Whether it is tried is `CompileOptions::temporal_fusion`: scheduling
//! (`schedule::schedule`) records the result of [`analyze`] in the loop's
//! `ControlStep::temporal`, and the backend builds and runs what it says.

pub use crate::plan::temporal::{Accumulator, Temporal, TemporalKernel};

use crate::plan::{
    Affine, BufId, BufferInfo, BufferKind, Expr, Instr, Kernel, KernelPlan, Step, Store, StoreValue,
};
use crate::{DType, Op, Shape};
/// The most bytes of one per-step record of a uniform value.
const PER_STEP_MAX_BYTES: usize = 4096;

/// The most bytes of all per-step records together (`trip` rows each).
const PER_STEP_TOTAL_BYTES: usize = 1 << 28;

/// The steps reading and writing each buffer of a plan.
struct Uses {
    readers: Vec<Vec<usize>>,
    writers: Vec<Vec<usize>>,
}

impl Uses {
    fn of(plan: &KernelPlan) -> Uses {
        let n = plan.buffers.len();
        let mut uses = Uses {
            readers: vec![Vec::new(); n],
            writers: vec![Vec::new(); n],
        };
        for (s, step) in plan.steps.iter().enumerate() {
            for b in step.reads() {
                uses.readers[b.index()].push(s);
            }
            for b in step.writes() {
                uses.writers[b.index()].push(s);
            }
        }
        uses
    }
}

/// An accumulator pattern of a body plan.
struct Found {
    /// The carried value.
    carry: usize,
    /// The full reduction over `S` (writes `temp`).
    reduce_step: usize,
    /// The scalar kernel computing `acc ⊕ temp`.
    combine_step: usize,
    /// The reduction's result.
    temp: BufId,
}

/// The accumulators of `plan`: scalar kernels every store of which is
/// `o[k] <- p[k + 1] ⊕ t` with `t` the result of a full reduction over
/// `shape`, where nothing else reads `p[k + 1]`, `t` or `o[k]`.
fn find_accumulators(plan: &KernelPlan, nc: usize, shape: &Shape, uses: &Uses) -> Vec<Found> {
    let mut found = Vec::new();
    for (s, step) in plan.steps.iter().enumerate() {
        let Step::Kernel(k) = step else { continue };
        if k.reduce.is_some() || k.shape.size() != 1 || k.stores.is_empty() {
            continue;
        }
        let matched: Option<Vec<Found>> = k
            .stores
            .iter()
            .map(|st| accumulation(plan, nc, shape, uses, s, k, st))
            .collect();
        match matched {
            Some(m) if k.body.len() == 3 * m.len() => found.extend(m),
            _ => {}
        }
    }
    found
}

/// The accumulator stored by `st` of the scalar kernel `k` (step `s`).
fn accumulation(
    plan: &KernelPlan,
    nc: usize,
    shape: &Shape,
    uses: &Uses,
    s: usize,
    k: &Kernel,
    st: &Store,
) -> Option<Found> {
    let BufferKind::Output(n) = plan.buffers[st.buf.index()].kind else {
        return None;
    };
    let carry = n as usize;
    let StoreValue::Expr(i) = st.value else {
        return None;
    };
    if carry >= nc {
        return None;
    }
    let Expr::Binary(op, a, b) = k.body[i].expr else {
        return None;
    };
    let dtype = k.body[i].dtype;
    let load = |j: usize| match &k.body[j].expr {
        Expr::Load { buf, .. } if k.body[j].dtype == dtype => Some(*buf),
        _ => None,
    };
    let (la, lb) = (load(a)?, load(b)?);
    let param = plan.params[carry + 1];
    let temp = if la == param {
        lb
    } else if lb == param {
        la
    } else {
        return None;
    };
    if !matches!(plan.buffers[temp.index()].kind, BufferKind::Temp(_)) {
        return None;
    }
    let [reduce_step] = uses.writers[temp.index()][..] else {
        return None;
    };
    let Step::Kernel(rk) = &plan.steps[reduce_step] else {
        return None;
    };
    let r = rk.reduce.as_ref()?;
    let full = r.axes.len() == shape.rank();
    let stores_temp = matches!(
        &rk.stores[..],
        [Store { buf, value: StoreValue::Reduced, .. }] if *buf == temp
    );
    let only = |b: BufId, s: &[usize]| uses.readers[b.index()] == s;
    if rk.shape != *shape
        || !full
        || !stores_temp
        || r.op.combine() != op
        || r.dtype != dtype
        || !only(temp, &[s])
        || !only(param, &[s])
        || !only(st.buf, &[])
        || uses.writers[st.buf.index()] != [s]
    {
        return None;
    }
    Some(Found {
        carry,
        reduce_step,
        combine_step: s,
        temp,
    })
}

/// The reduction kernel `k` rewritten to fold its value into `partial` at
/// every element of its space.
fn fold_into_partial(k: &Kernel, partial: BufId, dtype: DType, identity: &Affine) -> Kernel {
    let r = k.reduce.as_ref().expect("accumulators fold reductions");
    let mut out = k.clone();
    out.name = format!("{}_partial", k.name);
    out.reduce = None;
    let push = |body: &mut Vec<Instr>, expr: Expr, dtype: DType| {
        body.push(Instr { expr, dtype });
        body.len() - 1
    };
    let mut v = r.value;
    if out.body[v].dtype != dtype {
        v = push(&mut out.body, Expr::Cast(dtype, v), dtype);
    }
    let load = Expr::Load {
        buf: partial,
        map: identity.clone(),
    };
    let p = push(&mut out.body, load, dtype);
    let folded = push(&mut out.body, Expr::Binary(r.op.combine(), p, v), dtype);
    out.stores = vec![Store {
        buf: partial,
        value: StoreValue::Expr(folded),
        map: identity.clone(),
    }];
    out
}

/// The interchange of a `loop` op whose body has the plan `plan`, when the
/// loop qualifies (see the module documentation).
pub fn analyze(op: &Op, plan: &KernelPlan) -> Option<Temporal> {
    let Op::Loop {
        body,
        trip,
        n_carry,
        n_xs,
        ..
    } = op
    else {
        return None;
    };
    let nc = *n_carry as usize;
    let nx = *n_xs as usize;
    if nc == 0 || plan.params.len() <= nc + nx {
        return None;
    }
    let stacked = body.outputs.len() - nc;
    let shape = plan
        .kernels()
        .map(|k| &k.shape)
        .max_by_key(|s| s.size())?
        .clone();
    let size = shape.size();
    if size == 0 {
        return None;
    }
    let identity = Affine::row_major(&shape);
    let uses = Uses::of(plan);
    let found = find_accumulators(plan, nc, &shape, &uses);
    let nb = plan.buffers.len();
    let info = |b: BufId| &plan.buffers[b.index()];

    // Buffers that belong to an accumulator, and invariant ones.
    let mut acc_buf = vec![false; nb];
    for f in &found {
        for b in [plan.params[f.carry + 1], plan.outputs[f.carry], f.temp] {
            acc_buf[b.index()] = true;
        }
    }
    let invariant = |b: BufId| match info(b).kind {
        BufferKind::Param(n) => n == 0 || n as usize > nc + nx,
        BufferKind::Const(_) => true,
        BufferKind::Output(_) | BufferKind::Temp(_) => false,
    };

    // Uniform steps: from invariant and uniform carried values only, to
    // buffers not of the element space.
    let mut uniform = vec![false; nb];
    for k in (0..nc).filter(|&k| !acc_buf[plan.params[k + 1].index()]) {
        let p = plan.params[k + 1];
        if info(p).shape.size() != size {
            uniform[p.index()] = true;
        }
    }
    let acc_step = |s: usize| {
        found
            .iter()
            .any(|f| f.reduce_step == s || f.combine_step == s)
    };
    let mut uniform_steps = Vec::new();
    for (s, step) in plan.steps.iter().enumerate() {
        if acc_step(s) || matches!(step, Step::Control(_)) {
            continue;
        }
        let reads_uniform = step
            .reads()
            .iter()
            .all(|&b| invariant(b) || uniform[b.index()]);
        let writes = step.writes();
        if reads_uniform && writes.iter().all(|&b| info(b).shape.size() != size) {
            uniform_steps.push(s);
            for b in writes {
                uniform[b.index()] = true;
            }
        }
    }
    let mut uniform_carry = Vec::new();
    for k in 0..nc {
        if uniform[plan.params[k + 1].index()] {
            if !uniform[plan.outputs[k].index()] {
                return None;
            }
            uniform_carry.push(k);
        }
    }

    // Everything else: element-wise over `S`.
    let element_wise = |b: BufId| !uniform[b.index()] && !acc_buf[b.index()] && !invariant(b);
    if (0..nb).any(|i| element_wise(BufId(i as u32)) && plan.buffers[i].shape.size() != size) {
        return None;
    }
    let mut kernels = Vec::new();
    let mut per_step: Vec<BufId> = Vec::new();
    let mut accumulators = Vec::new();
    for (s, step) in plan.steps.iter().enumerate() {
        if uniform_steps.contains(&s) || found.iter().any(|f| f.combine_step == s) {
            continue;
        }
        if let Step::Copy { src, dst } = *step {
            let from_state = element_wise(src) || invariant(src);
            if !element_wise(dst) || !from_state || info(src).shape.size() != size {
                return None;
            }
            kernels.push(TemporalKernel {
                step: s,
                kernel: copy_kernel(s, src, dst, info(dst).dtype, &shape),
                rewritten: true,
            });
            continue;
        }
        let Step::Kernel(k) = step else {
            return None;
        };
        if k.shape != shape || k.outputs().iter().any(|b| uniform[b.index()]) {
            return None;
        }
        for instr in &k.body {
            let (buf, map) = match &instr.expr {
                Expr::Load { buf, map } => (*buf, Some(map)),
                Expr::ThreefryBits { key, .. } => (*key, None),
                // The table is read at any element: only an invariant one
                // (loaded like a broadcast); the indices like a load.
                Expr::Gather(g)
                    if element_wise(g.buf)
                        || uniform[g.buf.index()]
                        || uniform[g.index.index()] =>
                {
                    return None;
                }
                Expr::Gather(g) => (g.index, Some(&g.at)),
                _ => continue,
            };
            if element_wise(buf) && map != Some(&identity) {
                return None;
            }
            if uniform[buf.index()] && !per_step.contains(&buf) {
                per_step.push(buf);
            }
        }
        match found.iter().find(|f| f.reduce_step == s) {
            Some(f) => {
                let r = k.reduce.as_ref().expect("found on a reduction");
                let input = k.body[r.value].dtype;
                let dtype = r.op.accumulator_dtype(input);
                let partial = BufId((nb + accumulators.len()) as u32);
                kernels.push(TemporalKernel {
                    step: s,
                    kernel: fold_into_partial(k, partial, dtype, &identity),
                    rewritten: true,
                });
                accumulators.push(Accumulator {
                    carry: f.carry,
                    op: r.op,
                    partial: BufferInfo {
                        kind: BufferKind::Temp(u32::MAX - accumulators.len() as u32),
                        shape: shape.clone(),
                        dtype,
                    },
                });
            }
            None if k.reduce.is_some() => return None,
            None => {
                if k.stores.iter().any(|st| st.map != identity) {
                    return None;
                }
                kernels.push(TemporalKernel {
                    step: s,
                    kernel: k.clone(),
                    rewritten: false,
                });
            }
        }
    }
    if kernels.is_empty() {
        return None;
    }
    let kernels = merge_copies(kernels, &identity);
    let row_bytes = |b: &BufId| info(*b).shape.size() * info(*b).dtype.size();
    let total: usize = per_step.iter().map(row_bytes).sum();
    if per_step.iter().any(|b| row_bytes(b) > PER_STEP_MAX_BYTES)
        || (total as u128) * (*trip as u128) > PER_STEP_TOTAL_BYTES as u128
    {
        return None;
    }
    Some(Temporal {
        shape,
        trip: *trip,
        uniform: uniform_steps,
        uniform_carry,
        per_step,
        kernels,
        accumulators,
        sliced: nx,
        stacked,
    })
}

/// The chunk loop's kernels with each copy kernel folded into the kernel
/// of the next step of the body when that kernel neither reads nor writes
/// the copy's destination: one more load and store per element there
/// instead of a pass of its own. The copy's load joins the kernel's body,
/// so it reads the source before any store of the kernel to that element
/// (a state updated in place is copied as the step found it).
fn merge_copies(kernels: Vec<TemporalKernel>, identity: &Affine) -> Vec<TemporalKernel> {
    let mut out: Vec<TemporalKernel> = Vec::with_capacity(kernels.len());
    let mut pending: Option<TemporalKernel> = None;
    for tk in kernels {
        let copy = |k: &TemporalKernel| k.rewritten && k.kernel.nodes.is_empty();
        if copy(&tk) {
            out.extend(pending.replace(tk));
            continue;
        }
        match pending.take() {
            Some(c) if c.step + 1 == tk.step && tk.kernel.reduce.is_none() => {
                let (Expr::Load { buf: src, .. }, [st]) =
                    (&c.kernel.body[0].expr, &c.kernel.stores[..])
                else {
                    unreachable!("copy kernels load one buffer and store it")
                };
                let dst = st.buf;
                let k = &tk.kernel;
                if k.inputs().contains(&dst) || k.outputs().contains(&dst) {
                    out.push(c);
                    out.push(tk);
                    continue;
                }
                let mut merged = k.clone();
                merged.name = format!("{}_{}", c.kernel.name, k.name);
                merged.body.push(Instr {
                    expr: Expr::Load {
                        buf: *src,
                        map: identity.clone(),
                    },
                    dtype: c.kernel.body[0].dtype,
                });
                merged.stores.insert(
                    0,
                    Store {
                        buf: dst,
                        value: StoreValue::Expr(merged.body.len() - 1),
                        map: identity.clone(),
                    },
                );
                out.push(TemporalKernel {
                    step: tk.step,
                    kernel: merged,
                    rewritten: true,
                });
            }
            other => {
                out.extend(other);
                out.push(tk);
            }
        }
    }
    out.extend(pending);
    out
}

/// The copy step `s` (`dst <- src`, both of `shape`'s size) as a kernel of
/// the chunk loop.
fn copy_kernel(s: usize, src: BufId, dst: BufId, dtype: DType, shape: &Shape) -> Kernel {
    let identity = Affine::row_major(shape);
    Kernel {
        name: format!("copy{s}"),
        nodes: Vec::new(),
        shape: shape.clone(),
        reduce: None,
        body: vec![Instr {
            expr: Expr::Load {
                buf: src,
                map: identity.clone(),
            },
            dtype,
        }],
        stores: vec![Store {
            buf: dst,
            value: StoreValue::Expr(0),
            map: identity,
        }],
    }
}

/// The report line of the temporal fusion `t` of the loop of node `node`:
/// `temporal fusion: loop v7 over [1000000] x 100 steps`, followed, for a
/// `for_loop` over rows, by its sliced operands, stacked results and the
/// chunk loop's kernels (`copy0_k0`: a stacked copy folded into `k0`), the
/// accumulators (`; accumulates carry 2 by reduce_sum`) and the uniform
/// steps run ahead (`; 4 uniform steps run ahead (1 per-step records)`:
/// the values the chunk loop reads from them, one record per value).
pub fn describe(node: crate::NodeId, t: &Temporal) -> String {
    let mut line = format!(
        "temporal fusion: loop {node} over {} x {} steps",
        dims(&t.shape),
        t.trip
    );
    for a in &t.accumulators {
        line += &format!("; accumulates carry {} by {}", a.carry, a.op.name());
    }
    if t.sliced > 0 || t.stacked > 0 {
        let names: Vec<&str> = t.kernels.iter().map(|k| k.kernel.name.as_str()).collect();
        line += &format!(
            "; {} sliced operands, {} stacked results; chunk loop {}",
            t.sliced,
            t.stacked,
            names.join(" ")
        );
    }
    if !t.uniform.is_empty() {
        line += &format!(
            "; {} uniform steps run ahead ({} per-step records)",
            t.uniform.len(),
            t.per_step.len()
        );
    }
    line
}

fn dims(shape: &Shape) -> String {
    let d: Vec<String> = shape.iter().map(|x| x.to_string()).collect();
    format!("[{}]", d.join(", "))
}
