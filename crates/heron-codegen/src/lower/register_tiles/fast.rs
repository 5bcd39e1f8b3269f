//! Fast math in the register-resident form (`CompileOptions::fast_math`
//! only): which body instructions are computed once per tile before the
//! step loop, and which additions become fused multiply-adds.
//!
//! - *Once per tile.* An instruction is *invariant* when its value is the
//!   same at every step: an immediate, a load of loop-invariant memory (a
//!   captured operand or a constant), a load of what an earlier kernel of
//!   the step stored from an invariant value, or an op of invariant
//!   operands. Invariant ops (and such loads) are computed for each vector
//!   of the tile after the state is loaded and the ones the step uses
//!   (*kept*) are stored to a stack slot of the tile ([`Pinned`]); the
//!   step reads them from there, one load per value and step that folds
//!   into its use (off the step's dependency chain, and leaving the
//!   registers to the state: as SSA values Cranelift's optimiser would
//!   recompute them in the step loop, the constants they depend on being
//!   rematerialised there). Immediates and invariant loads themselves stay
//!   in the step, as without fast math, except an invariant load that only
//!   values computed once per tile read (not emitted in the step). With
//!   `passes::fast_math`'s reassociation, a LIF update keeps one value per
//!   vector, `I·(R·k) + V_rest·k`, and its step is `V·(1 - k) + that`.
//! - *Fused multiply-adds.* A float addition one of whose operands is a
//!   product used by nothing else becomes `fma` where the CPU has it
//!   (`vmath::Target::fma`). Cranelift 0.135's x64 backend lowers `fma`
//!   to one `vfmadd213ps`/`pd` (`vfmadd132` when an operand is a load it
//!   folds) when its ISA flags `has_avx` and `has_fma` are set, as
//!   `cranelift_native` sets them on such a CPU; without them it calls
//!   `fmaf`/`fma` once per lane, so elsewhere the addition stays a product
//!   and an addition. The product, left unused, is removed by Cranelift.
//!
//! Without fast math every instruction is emitted in the step and no
//! addition is contracted: the code is that of the exact form.

use super::Emitter;
use super::state::{Source, State, source};
use cranelift_codegen::ir::{InstBuilder, StackSlot, StackSlotData, StackSlotKind, Value};
use heron_ir::BinaryOp;
use heron_ir::passes::temporal::Temporal;
use heron_ir::plan::{BufId, Expr, Kernel, KernelPlan, StoreValue};
use std::collections::HashMap;

/// How one body instruction is emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// In the step, every step.
    Step,
    /// Once per tile before the step loop; `kept` when the step reads it.
    Tile {
        /// Read by the step (by a step instruction, or stored).
        kept: bool,
    },
}

/// The fast-math decisions for the kernels of a fused loop, in kernel
/// order, each a list over the kernel's body.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Fast {
    /// Whether each instruction has the same value at every step.
    pub invariant: Vec<Vec<bool>>,
    /// How each instruction is emitted.
    pub kind: Vec<Vec<Kind>>,
    /// `Some((a, b, c))`: the instruction is `fma(a, b, c)`.
    pub fma: Vec<Vec<Option<(usize, usize, usize)>>>,
}

impl Fast {
    /// Values per vector computed once per tile that the step reads.
    pub fn kept(&self) -> usize {
        self.kind
            .iter()
            .flatten()
            .filter(|k| **k == Kind::Tile { kept: true })
            .count()
    }

    /// Fused multiply-adds per vector and step.
    pub fn fmas(&self) -> usize {
        self.kind
            .iter()
            .flatten()
            .zip(self.fma.iter().flatten())
            .filter(|(k, f)| **k == Kind::Step && f.is_some())
            .count()
    }
}

/// The values computed once per tile that the step reads, in a stack slot
/// of the tile: each step loads them (a load from L1 folded into its use),
/// so Cranelift neither recomputes them in the step loop nor keeps them in
/// registers the state needs.
pub(super) struct Pinned {
    slot: Option<StackSlot>,
    /// `(vector, kernel, instruction)` to the value's offset in the slot.
    at: HashMap<(usize, usize, usize), i32>,
}

impl Pinned {
    /// Stores the kept values of `hoisted` (`[vector][kernel][instruction]`,
    /// from the tile's prologue) to a new stack slot.
    pub fn store(e: &mut Emitter<'_>, fast: &Fast, hoisted: &[Vec<Vec<Value>>]) -> Pinned {
        let mut at = HashMap::new();
        let mut values = Vec::new();
        for (g, per_vector) in hoisted.iter().enumerate() {
            for (ki, kinds) in fast.kind.iter().enumerate() {
                for (i, kind) in kinds.iter().enumerate() {
                    if *kind == (Kind::Tile { kept: true }) {
                        at.insert((g, ki, i), (values.len() * 16) as i32);
                        values.push(per_vector[ki][i]);
                    }
                }
            }
        }
        if values.is_empty() {
            return Pinned { slot: None, at };
        }
        let size = (values.len() * 16) as u32;
        let data = StackSlotData::new(StackSlotKind::ExplicitSlot, size, 4);
        let slot = e.b.create_sized_stack_slot(data);
        for (j, v) in values.into_iter().enumerate() {
            e.b.ins()
                .stack_store(cranelift_codegen::ir::types::I64, v, slot, (j * 16) as i32);
        }
        Pinned {
            slot: Some(slot),
            at,
        }
    }

    /// Loads kept value `i` of kernel `ki` for vector `g` in the step.
    pub fn load(
        &self,
        e: &mut Emitter<'_>,
        ty: cranelift_codegen::ir::Type,
        g: usize,
        ki: usize,
        i: usize,
    ) -> Value {
        let slot = self.slot.expect("a kept value was stored");
        e.b.ins().stack_load(
            cranelift_codegen::ir::types::I64,
            ty,
            slot,
            self.at[&(g, ki, i)],
        )
    }
}

/// The decisions for the fused loop `t` (body plan `plan`, `nc` carried
/// values, state `st`): all `Step` and no contraction unless `fast_math`;
/// contractions only where `fma` (the CPU has fused multiply-adds).
pub(super) fn analyse(
    t: &Temporal,
    plan: &KernelPlan,
    st: &[State],
    nc: usize,
    fast_math: bool,
    fma: bool,
) -> Fast {
    let mut out = Fast::default();
    // Buffers stored earlier in the step: whether the stored value is invariant.
    let mut stored: HashMap<BufId, bool> = HashMap::new();
    for tk in &t.kernels {
        let k = &tk.kernel;
        let mut inv = Vec::with_capacity(k.body.len());
        for instr in &k.body {
            let operands_inv = |xs: &[usize]| xs.iter().all(|&x| inv[x]);
            let v = fast_math
                && match &instr.expr {
                    Expr::Load { buf, .. } => match stored.get(buf) {
                        Some(&s) => s,
                        None => matches!(source(t, plan, st, nc, *buf), Some(Source::Invariant(_))),
                    },
                    Expr::Imm(_) => true,
                    Expr::ThreefryBits { .. } | Expr::Gather(_) => false,
                    Expr::Unary(_, x) | Expr::Cast(_, x) => operands_inv(&[*x]),
                    Expr::Binary(_, x, y) => operands_inv(&[*x, *y]),
                    Expr::Select(c, x, y) => operands_inv(&[*c, *x, *y]),
                };
            inv.push(v);
        }
        let uses = uses(k);
        let computed = |i: usize| match &k.body[i].expr {
            Expr::Load { buf, .. } => stored.contains_key(buf),
            Expr::Imm(_) | Expr::ThreefryBits { .. } => false,
            _ => true,
        };
        let tile = |i: usize| inv[i] && computed(i);
        let kind = (0..k.body.len())
            .map(|i| {
                if tile(i) {
                    let kept = uses[i].iter().any(|&u| u == STORED || !inv[u]);
                    return Kind::Tile { kept };
                }
                // An invariant load only values computed once per tile
                // read is not emitted in the step.
                let load = matches!(k.body[i].expr, Expr::Load { .. });
                if inv[i]
                    && load
                    && !uses[i].is_empty()
                    && uses[i].iter().all(|&u| u != STORED && tile(u))
                {
                    return Kind::Tile { kept: false };
                }
                Kind::Step
            })
            .collect();
        let contract = (0..k.body.len())
            .map(|i| {
                (fast_math && fma)
                    .then(|| contraction(k, i, &uses, &inv))
                    .flatten()
            })
            .collect();
        for s in &k.stores {
            if let StoreValue::Expr(v) = s.value {
                stored.insert(s.buf, inv[v]);
            }
        }
        out.invariant.push(inv);
        out.kind.push(kind);
        out.fma.push(contract);
    }
    out
}

/// A use by a store, in [`uses`].
const STORED: usize = usize::MAX;

/// The users of each instruction of `k` (`STORED` for a store).
fn uses(k: &Kernel) -> Vec<Vec<usize>> {
    let mut uses = vec![Vec::new(); k.body.len()];
    for (i, instr) in k.body.iter().enumerate() {
        let operands: &[usize] = match &instr.expr {
            Expr::Unary(_, x) | Expr::Cast(_, x) => &[*x],
            Expr::Binary(_, x, y) => &[*x, *y],
            Expr::Select(c, x, y) => &[*c, *x, *y],
            _ => &[],
        };
        for &x in operands {
            uses[x].push(i);
        }
    }
    for s in &k.stores {
        if let StoreValue::Expr(v) = s.value {
            uses[v].push(STORED);
        }
    }
    uses
}

/// `(a, b, c)` when instruction `i` of `k` is a float `p + c` or `c + p`
/// with `p = a · b` a float product that only `i` uses, both invariant or
/// neither (an invariant product feeding a step's addition is computed
/// once per tile instead).
fn contraction(
    k: &Kernel,
    i: usize,
    uses: &[Vec<usize>],
    inv: &[bool],
) -> Option<(usize, usize, usize)> {
    let instr = &k.body[i];
    let Expr::Binary(BinaryOp::Add, x, y) = instr.expr else {
        return None;
    };
    if !instr.dtype.is_float() {
        return None;
    }
    let product = |p: usize| match k.body[p].expr {
        Expr::Binary(BinaryOp::Mul, a, b) if uses[p] == [i] && inv[p] == inv[i] => Some((a, b)),
        _ => None,
    };
    if let Some((a, b)) = product(x) {
        return Some((a, b, y));
    }
    product(y).map(|(a, b)| (a, b, x))
}
