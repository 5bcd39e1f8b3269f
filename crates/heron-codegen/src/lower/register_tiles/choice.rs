//! Choosing the register-resident form of a temporally fused loop: which
//! bodies qualify, where each load of the body finds its value, and the
//! tile, from register pressure (see the parent module).

use super::super::vector;
use super::state::{Source, broadcast, source, states};
use heron_ir::DType;
use heron_ir::passes::temporal::Temporal;
use heron_ir::plan::{Affine, BufId, Expr, KernelPlan, StoreValue};

/// The xmm registers of x86-64.
const REGISTERS: usize = 16;

/// The most vectors per tile.
const MAX_TILE: usize = 8;

/// The most loop-invariant constants counted against the registers.
const MAX_SHARED: usize = 4;

/// State vectors a tile may keep on the stack beyond the registers: each
/// costs a load and a store per step, off the step's dependency chain, which
/// is cheaper than a tile too narrow to hide that chain's latency (a W2
/// step's chain is about 30 cycles long; 2 vectors per tile run at half
/// the speed of 8 here).
const SPILLED: usize = 8;

/// The register-resident form chosen for a temporally fused loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TilePlan {
    /// Elements per vector (4 for 32-bit values, 2 for 64-bit ones).
    pub lanes: usize,
    /// Vectors per tile.
    pub tile: usize,
    /// Vectors of state per lane group that the body reads (element-wise
    /// carried values and accumulator partials; state only written, such
    /// as a spike mask, is not counted: it may live on the stack).
    pub state: usize,
    /// The most temporaries live at once within one vector's step.
    pub peak: usize,
    /// Loop-invariant constants and broadcast values of the body.
    pub shared: usize,
    /// The element type of the vectors (the state's first non-bool type).
    pub dtype: DType,
    /// Fast math: values per vector computed once per tile and read by
    /// every step (`fast.rs`).
    pub hoisted: usize,
    /// Fast math: fused multiply-adds per vector and step.
    pub fmas: usize,
}

impl TilePlan {
    /// One line saying the form and why: `register tiles 8 x f32x4: 2 state
    /// + 3 temporaries per vector, 4 shared constants, of 16 registers`.
    pub fn describe(&self) -> String {
        let dtype = match self.dtype {
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::I32 | DType::Bool => "i32",
            DType::U32 => "u32",
            DType::I64 => "i64",
        };
        let form = format!(
            "register tiles {} x {}x{}: {} state + {} temporaries per vector, {} shared constants, of {} registers",
            self.tile, dtype, self.lanes, self.state, self.peak, self.shared, REGISTERS
        );
        if self.hoisted + self.fmas == 0 {
            return form;
        }
        format!(
            "{form}; fast math: {} per vector once per tile, {} multiply-adds per step",
            self.hoisted, self.fmas
        )
    }
}

/// The register-resident form of the temporally fused loop `t` whose body
/// has the plan `plan` and `nc` carried values, compiled with or without
/// `fast_math`, or why it keeps the chunked form.
pub fn plan(
    t: &Temporal,
    plan: &KernelPlan,
    nc: usize,
    fast_math: bool,
) -> std::result::Result<TilePlan, String> {
    if t.sliced > 0 || t.stacked > 0 {
        return Err("sliced operands or stacked results".into());
    }
    let identity = Affine::row_major(&t.shape);
    let st = states(t, plan, nc);
    let dtype_of = |b: BufId| t.buffer(plan, b).dtype;
    // One element size over every value and state.
    let mut size = None;
    let dtypes = t
        .kernels
        .iter()
        .flat_map(|k| k.kernel.body.iter().map(|i| i.dtype))
        .chain(st.iter().map(|s| s.dtype));
    for d in dtypes {
        match d {
            DType::Bool => {}
            DType::I64 => return Err("64-bit integers have no vector form".into()),
            d if size.is_some_and(|s| s != d.size()) => {
                return Err("values of several element sizes".into());
            }
            d => size = Some(d.size()),
        }
    }
    let lanes = 16 / size.unwrap_or(4);
    if st.is_empty() {
        return Err("no element-wise state".into());
    }
    let mut written: Vec<BufId> = Vec::new();
    let mut read = vec![false; st.len()];
    let mut peak = 0;
    let mut shared = Vec::new();
    for tk in &t.kernels {
        let k = &tk.kernel;
        if k.reduce.is_some() || k.shape != t.shape {
            return Err(format!(
                "kernel {} is not element-wise over the state",
                k.name
            ));
        }
        for (i, instr) in k.body.iter().enumerate() {
            if !vector::supported(k, &instr.expr, instr.dtype, lanes) {
                return Err(format!("kernel {} has an op without a vector form", k.name));
            }
            match &instr.expr {
                Expr::Load { buf, map } => {
                    if written.contains(buf) {
                        if *map != identity {
                            return Err(format!("kernel {} reads a neighbour", k.name));
                        }
                        continue;
                    }
                    let ok = match source(t, plan, &st, nc, *buf) {
                        Some(Source::State(i)) => {
                            read[i] = true;
                            *map == identity
                        }
                        Some(Source::PerStep(_) | Source::Index) => broadcast(map),
                        Some(Source::Invariant(_)) => {
                            if broadcast(map) && !shared.contains(&(*buf, map.offset)) {
                                shared.push((*buf, map.offset));
                            }
                            broadcast(map) || *map == identity
                        }
                        None => false,
                    };
                    if !ok {
                        return Err(format!("kernel {} reads {buf:?} out of place", k.name));
                    }
                }
                Expr::ThreefryBits { key, index } => {
                    let key_ok = matches!(
                        source(t, plan, &st, nc, *key),
                        Some(Source::PerStep(_) | Source::Invariant(_))
                    );
                    if !key_ok || index.coefs != identity.coefs {
                        return Err(format!("kernel {} draws out of place", k.name));
                    }
                }
                Expr::Gather(_) => return Err(format!("kernel {} gathers", k.name)),
                Expr::Imm(_) => shared.push((BufId(u32::MAX), i as i64)),
                _ => {}
            }
        }
        for s in &k.stores {
            let StoreValue::Expr(v) = s.value else {
                return Err(format!("kernel {} stores a reduction", k.name));
            };
            if s.map != identity || k.body[v].dtype != dtype_of(s.buf) {
                return Err(format!("kernel {} stores out of place", k.name));
            }
            written.push(s.buf);
        }
        let state_writes: Vec<BufId> = st.iter().map(|s| s.write).collect();
        peak = peak.max(live_peak(k, &state_writes));
    }
    if let Some(s) = st.iter().find(|s| !written.contains(&s.write)) {
        return Err(format!("state {:?} is not written by the body", s.write));
    }
    let shared = shared.len();
    let read = read.iter().filter(|&&r| r).count();
    let fixed = peak + shared.min(MAX_SHARED);
    if read + fixed > REGISTERS {
        return Err(format!(
            "{read} state + {peak} temporaries per vector and {} constants exceed {REGISTERS} registers",
            shared.min(MAX_SHARED)
        ));
    }
    let fast = super::fast::analyse(
        t,
        plan,
        &st,
        nc,
        fast_math,
        crate::lower::vmath::Target::host().fma,
    );
    // The most vectors whose read state fits the registers plus `SPILLED`
    // vectors on the stack. Values computed once per tile live in a stack
    // slot (`fast::Pinned`), one folded load per step each; then the tile
    // is the most vectors whose read state fits the registers beside the
    // shared constants: on W2 under fast math (2 state vectors per lane
    // group) tiles of 6 vectors ran in 18.8–19.1 ms, 4 in 19.8–20.1 ms and
    // 8 (spilling 6 of 16 state vectors) in 17.9–26.1 ms (minimum of 15
    // calls, three alternations).
    let tile = if fast.kept() > 0 {
        (REGISTERS.saturating_sub(shared.min(MAX_SHARED)) / read.max(1)).clamp(1, MAX_TILE)
    } else {
        ((REGISTERS + SPILLED - fixed) / read.max(1)).clamp(1, MAX_TILE)
    };
    Ok(TilePlan {
        hoisted: fast.kept(),
        fmas: fast.fmas(),
        lanes,
        tile,
        state: read,
        peak,
        shared,
        dtype: st
            .iter()
            .map(|s| s.dtype)
            .find(|&d| d != DType::Bool)
            .unwrap_or(DType::Bool),
    })
}

/// The most values of `k`'s body live at once (immediates and loads not
/// counted: they are shared constants or fold into their use).
fn live_peak(k: &heron_ir::plan::Kernel, state_writes: &[BufId]) -> usize {
    let n = k.body.len();
    let mut last = vec![0usize; n];
    let mut uses = |x: usize, at: usize| last[x] = last[x].max(at);
    for (i, instr) in k.body.iter().enumerate() {
        match instr.expr {
            Expr::Unary(_, x) | Expr::Cast(_, x) => uses(x, i),
            Expr::Binary(_, x, y) => {
                uses(x, i);
                uses(y, i);
            }
            Expr::Select(c, x, y) => {
                uses(c, i);
                uses(x, i);
                uses(y, i);
            }
            _ => {}
        }
    }
    // A value stored to the state becomes the state's register for the
    // next step (counted as state); one stored for a later kernel stays
    // live to the end.
    for s in &k.stores {
        if let StoreValue::Expr(v) = s.value
            && !state_writes.contains(&s.buf)
        {
            uses(v, n);
        }
    }
    let counted = |i: usize| !matches!(k.body[i].expr, Expr::Imm(_) | Expr::Load { .. });
    (0..n)
        .map(|at| (0..=at).filter(|&i| counted(i) && last[i] >= at).count())
        .max()
        .unwrap_or(0)
}
