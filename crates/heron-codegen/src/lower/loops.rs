//! Loop nests over a linear range of an iteration space.
//!
//! Every memory access of a kernel has an affine index `offset + Σ coef[d]·i[d]`.
//! `collapse` first drops extent-1 axes and merges neighbouring axes that
//! every access walks contiguously, so a fully contiguous kernel becomes a
//! plain 1-d loop. `emit_nest` then runs the innermost axis as an inner loop
//! and keeps the outer indices and the accesses' offsets incremental: the
//! linear start is decomposed into a multi-index once (divisions by
//! compile-time extents), never per element. Accesses with the same
//! coefficients whose base offsets differ by a compile-time constant share
//! one offset counter (`Counters`): a kernel reading and writing a dozen
//! arrays at the same index advances one counter per element, and the
//! constant differences end up in the loads' and stores' immediates.
//! `emit_runs` walks the same nest in runs of up to a fixed number of
//! consecutive innermost elements (the column tiles of `columns.rs`).

use super::Emitter;
use cranelift_codegen::ir::{
    Function, InstBuilder, InstructionData, Opcode, Value, ValueDef, condcodes::IntCC, types::I64,
};
use cranelift_frontend::{FunctionBuilder, Variable};

/// An iteration space after `collapse`: extents, and per access one
/// coefficient per axis.
pub struct Nest {
    /// The extents (at least one axis; all non-zero when the nest runs).
    pub dims: Vec<usize>,
    /// `coefs[access][axis]`.
    pub coefs: Vec<Vec<i64>>,
}

/// Collapses the axes `axes` of an iteration space of extents `shape`, with
/// per-access coefficients `coefs[access][axis]` over all axes, into a `Nest`
/// that visits the same elements in the same (row-major) order.
pub fn collapse(shape: &[usize], axes: &[usize], coefs: &[&[i64]]) -> Nest {
    let kept: Vec<usize> = axes.iter().copied().filter(|&a| shape[a] != 1).collect();
    let mut dims: Vec<usize> = Vec::new();
    let mut out: Vec<Vec<i64>> = vec![Vec::new(); coefs.len()];
    for &a in &kept {
        let n = shape[a];
        let mergeable = !dims.is_empty()
            && coefs
                .iter()
                .zip(&out)
                .all(|(c, o)| *o.last().expect("same rank") == c[a] * n as i64);
        if mergeable {
            *dims.last_mut().expect("non-empty") *= n;
            for (c, o) in coefs.iter().zip(out.iter_mut()) {
                *o.last_mut().expect("non-empty") = c[a];
            }
        } else {
            dims.push(n);
            for (c, o) in coefs.iter().zip(out.iter_mut()) {
                o.push(c[a]);
            }
        }
    }
    if dims.is_empty() {
        dims.push(1);
        for o in &mut out {
            o.push(0);
        }
    }
    Nest { dims, coefs: out }
}

/// The vector form of a loop body: `body(e, offsets, chunks)` handles
/// `chunks × lanes` consecutive elements of the innermost axis.
pub struct VectorBody<'f> {
    /// Elements per vector.
    pub lanes: usize,
    /// Vectors per iteration of the unrolled loop.
    pub unroll: usize,
    /// Emits the body for `chunks` vectors starting at the given offsets.
    pub body: &'f mut dyn FnMut(&mut Emitter<'_>, &[Value], usize),
}

fn var(b: &mut FunctionBuilder, value: Value) -> Variable {
    let v = b.declare_var(I64);
    b.def_var(v, value);
    v
}

/// `v` as a value plus a compile-time constant: `(Some(x), k)` when `v` is
/// `x + k` (an `iadd` of an `iconst`), `(None, k)` when it is the constant
/// `k`, else `(Some(v), 0)`.
pub fn split_const(func: &Function, v: Value) -> (Option<Value>, i64) {
    let iconst = |v: Value| match func.dfg.value_def(v) {
        ValueDef::Result(inst, 0) => match func.dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits()),
            _ => None,
        },
        _ => None,
    };
    if let Some(k) = iconst(v) {
        return (None, k);
    }
    if let ValueDef::Result(inst, 0) = func.dfg.value_def(v)
        && let InstructionData::Binary {
            opcode: Opcode::Iadd,
            args: [x, y],
        } = func.dfg.insts[inst]
    {
        if let Some(k) = iconst(y) {
            return (Some(x), k);
        }
        if let Some(k) = iconst(x) {
            return (Some(y), k);
        }
    }
    (Some(v), 0)
}

/// Whether element offsets `k` and `k0` are close enough to share a
/// counter: under 2^24 elements apart, so the difference in bytes (at most
/// 8 per element) fits a load's or store's 32-bit immediate (`address_at`
/// falls back to an add when it does not).
fn near(k: i64, k0: i64) -> bool {
    k.checked_sub(k0)
        .is_some_and(|d| d.unsigned_abs() < 1 << 24)
}

/// The offset counters of a nest's accesses. Accesses with the same
/// coefficients whose base offsets differ by a compile-time constant form
/// one class with one counter (a variable of the function being built);
/// each access's offset is its class's counter plus its constant `delta`.
pub struct Counters {
    /// One counter per class.
    vars: Vec<Variable>,
    /// Each class's coefficients (those of its accesses).
    coefs: Vec<Vec<i64>>,
    /// The class of each access.
    class: Vec<usize>,
    /// Each access's offset minus its class's counter.
    delta: Vec<i64>,
}

impl Counters {
    /// Groups the accesses of `nest` whose base offsets are `base` into
    /// classes; returns the counters (not yet defined) and, per class, the
    /// access whose base offset starts its counter.
    fn group(nest: &Nest, func: &Function, base: &[Value]) -> (Counters, Vec<usize>) {
        let mut keys: Vec<(&[i64], Option<Value>, i64)> = Vec::new();
        let mut first = Vec::new();
        let mut class = Vec::with_capacity(base.len());
        let mut delta = Vec::with_capacity(base.len());
        for (a, &b) in base.iter().enumerate() {
            let (root, k) = split_const(func, b);
            let coefs = nest.coefs[a].as_slice();
            let found = keys
                .iter()
                .position(|&(c, r, k0)| c == coefs && r == root && near(k, k0));
            match found {
                Some(c) => {
                    class.push(c);
                    delta.push(k - keys[c].2);
                }
                None => {
                    class.push(keys.len());
                    delta.push(0);
                    keys.push((coefs, root, k));
                    first.push(a);
                }
            }
        }
        let counters = Counters {
            vars: Vec::with_capacity(keys.len()),
            coefs: keys.iter().map(|k| k.0.to_vec()).collect(),
            class,
            delta,
        };
        (counters, first)
    }

    /// Every access's current offset (accesses of one class share their
    /// counter's value, plus their delta).
    pub fn current(&self, b: &mut FunctionBuilder) -> Vec<Value> {
        let cur: Vec<Value> = self.vars.iter().map(|&v| b.use_var(v)).collect();
        self.class
            .iter()
            .zip(&self.delta)
            .map(|(&c, &d)| {
                if d == 0 {
                    cur[c]
                } else {
                    b.ins().iadd_imm_s(cur[c], d)
                }
            })
            .collect()
    }

    /// Adds `step(coefficient)` to each counter whose coefficient on axis
    /// `axis` is non-zero; `step` returns the value to add.
    fn add(
        &self,
        b: &mut FunctionBuilder,
        axis: usize,
        step: &mut dyn FnMut(&mut FunctionBuilder, i64) -> Value,
    ) {
        for (c, &v) in self.coefs.iter().zip(&self.vars) {
            if c[axis] != 0 {
                let s = step(b, c[axis]);
                let o = b.use_var(v);
                let o = b.ins().iadd(o, s);
                b.def_var(v, o);
            }
        }
    }

    /// Adds the compile-time constant `step(coefficients)` to each counter
    /// (skipping zeros).
    fn add_const(&self, b: &mut FunctionBuilder, step: impl Fn(&[i64]) -> i64) {
        for (c, &v) in self.coefs.iter().zip(&self.vars) {
            let s = step(c);
            if s != 0 {
                let o = b.use_var(v);
                let o = b.ins().iadd_imm_s(o, s);
                b.def_var(v, o);
            }
        }
    }
}

impl Nest {
    /// Total number of iterations.
    pub fn size(&self) -> usize {
        self.dims.iter().product()
    }

    /// Emits the nest over the linear range `[start, end)` (`start` 0 when
    /// `None`). `base[a]` is access `a`'s element offset at index 0; `body`
    /// receives each access's element offset for the current index.
    pub fn emit(
        &self,
        e: &mut Emitter<'_>,
        base: &[Value],
        start: Option<Value>,
        end: Value,
        body: &mut dyn FnMut(&mut Emitter<'_>, &[Value]),
    ) {
        self.emit_with(e, base, start, end, None, body)
    }

    /// `emit` with a vectorised innermost loop: each row first runs
    /// `vector.body` over `lanes × unroll` elements at a time, then over
    /// `lanes` at a time, and `body` on the scalar tail.
    pub fn emit_with(
        &self,
        e: &mut Emitter<'_>,
        base: &[Value],
        start: Option<Value>,
        end: Value,
        mut vector: Option<VectorBody<'_>>,
        body: &mut dyn FnMut(&mut Emitter<'_>, &[Value]),
    ) {
        self.emit_rows(e, base, start, end, &mut |e, counters, n| {
            let zero = e.b.ins().iconst(I64, 0);
            let j_var = var(&mut e.b, zero);
            if let Some(v) = vector.as_mut() {
                let mut widths = vec![v.lanes * v.unroll];
                if v.unroll > 1 {
                    widths.push(v.lanes);
                }
                for &w in &widths {
                    let chunks = w / v.lanes;
                    let head = e.b.create_block();
                    let vbody = e.b.create_block();
                    let next = e.b.create_block();
                    e.b.ins().jump(head, &[]);
                    e.b.switch_to_block(head);
                    let j = e.b.use_var(j_var);
                    let left = e.b.ins().isub(n, j);
                    let more =
                        e.b.ins()
                            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, left, w as i64);
                    e.b.ins().brif(more, vbody, &[], next, &[]);
                    e.b.seal_block(vbody);
                    e.b.seal_block(next);
                    e.b.switch_to_block(vbody);
                    let cur = counters.current(&mut e.b);
                    (v.body)(e, &cur, chunks);
                    self.advance(&mut e.b, counters, w as i64);
                    let j = e.b.use_var(j_var);
                    let j = e.b.ins().iadd_imm_s(j, w as i64);
                    e.b.def_var(j_var, j);
                    e.b.ins().jump(head, &[]);
                    e.b.seal_block(head);
                    e.b.switch_to_block(next);
                }
            }
            let inner = e.b.create_block();
            let inner_body = e.b.create_block();
            let done = e.b.create_block();
            e.b.ins().jump(inner, &[]);

            e.b.switch_to_block(inner);
            let j = e.b.use_var(j_var);
            let more = e.b.ins().icmp(IntCC::UnsignedLessThan, j, n);
            e.b.ins().brif(more, inner_body, &[], done, &[]);
            e.b.seal_block(inner_body);
            e.b.seal_block(done);

            e.b.switch_to_block(inner_body);
            let cur = counters.current(&mut e.b);
            body(e, &cur);
            self.advance(&mut e.b, counters, 1);
            let j = e.b.use_var(j_var);
            let j = e.b.ins().iadd_imm_s(j, 1);
            e.b.def_var(j_var, j);
            e.b.ins().jump(inner, &[]);
            e.b.seal_block(inner);
            e.b.switch_to_block(done);
        });
    }

    /// Emits the nest over `[start, end)` in runs: `body(e, offsets, count)`
    /// covers `count` (at most `max_run`, a run-time value) consecutive
    /// elements of the innermost axis starting at the given offsets. Every
    /// run lies within one row of the innermost axis.
    pub fn emit_runs(
        &self,
        e: &mut Emitter<'_>,
        base: &[Value],
        start: Option<Value>,
        end: Value,
        max_run: usize,
        body: &mut dyn FnMut(&mut Emitter<'_>, &[Value], Value),
    ) {
        let last = self.dims.len() - 1;
        self.emit_rows(e, base, start, end, &mut |e, counters, n| {
            let zero = e.b.ins().iconst(I64, 0);
            let j_var = var(&mut e.b, zero);
            let head = e.b.create_block();
            let run = e.b.create_block();
            let done = e.b.create_block();
            e.b.ins().jump(head, &[]);

            e.b.switch_to_block(head);
            let j = e.b.use_var(j_var);
            let more = e.b.ins().icmp(IntCC::UnsignedLessThan, j, n);
            e.b.ins().brif(more, run, &[], done, &[]);
            e.b.seal_block(run);
            e.b.seal_block(done);

            e.b.switch_to_block(run);
            let j = e.b.use_var(j_var);
            let left = e.b.ins().isub(n, j);
            let max = e.b.ins().iconst(I64, max_run as i64);
            let count = e.b.ins().umin(left, max);
            let cur = counters.current(&mut e.b);
            body(e, &cur, count);
            counters.add(&mut e.b, last, &mut |b, c| {
                if c == 1 {
                    count
                } else {
                    b.ins().imul_imm_s(count, c)
                }
            });
            let j = e.b.use_var(j_var);
            let j = e.b.ins().iadd(j, count);
            e.b.def_var(j_var, j);
            e.b.ins().jump(head, &[]);
            e.b.seal_block(head);
            e.b.switch_to_block(done);
        });
    }

    /// Advances every counter by `by` elements of the innermost axis.
    fn advance(&self, b: &mut FunctionBuilder, counters: &Counters, by: i64) {
        let last = self.dims.len() - 1;
        counters.add_const(b, |c| c[last] * by);
    }

    /// The loop structure shared by `emit_with` and `emit_runs`: decomposes
    /// `start`, then for each (partial) row of the innermost axis calls
    /// `row_body(e, counters, n)`, which must emit code covering `n`
    /// elements and leave each counter advanced by `n` times its innermost
    /// coefficient; the outer indices then advance with carries.
    fn emit_rows(
        &self,
        e: &mut Emitter<'_>,
        base: &[Value],
        start: Option<Value>,
        end: Value,
        row_body: &mut dyn FnMut(&mut Emitter<'_>, &Counters, Value),
    ) {
        let rank = self.dims.len();
        let last = rank - 1;
        let (mut counters, first) = Counters::group(self, e.b.func, base);
        let b = &mut e.b;
        // Prologue: the multi-index of `start` and each counter's offset there.
        let zero = b.ins().iconst(I64, 0);
        let mut idx = Vec::with_capacity(rank);
        let mut offs: Vec<Value> = first.iter().map(|&a| base[a]).collect();
        match start {
            None => idx.extend((0..rank).map(|_| zero)),
            Some(start) => {
                let mut rest = start;
                let mut parts = vec![zero; rank];
                for d in (0..rank).rev() {
                    if d == 0 {
                        parts[d] = rest;
                    } else {
                        parts[d] = b.ins().urem_imm_u(rest, self.dims[d] as i64);
                        rest = b.ins().udiv_imm_u(rest, self.dims[d] as i64);
                    }
                }
                for (coefs, off) in counters.coefs.iter().zip(offs.iter_mut()) {
                    for (d, &p) in parts.iter().enumerate() {
                        let c = coefs[d];
                        if c != 0 {
                            let t = b.ins().imul_imm_s(p, c);
                            *off = b.ins().iadd(*off, t);
                        }
                    }
                }
                idx = parts;
            }
        }
        let remaining = match start {
            None => end,
            Some(s) => b.ins().isub(end, s),
        };
        let idx_vars: Vec<Variable> = idx.iter().map(|&v| var(b, v)).collect();
        counters.vars = offs.iter().map(|&v| var(b, v)).collect();
        let rem_var = var(b, remaining);

        let outer = b.create_block();
        let row = b.create_block();
        let exit = b.create_block();
        b.ins().jump(outer, &[]);

        // outer: anything left?
        b.switch_to_block(outer);
        let r = b.use_var(rem_var);
        b.ins().brif(r, row, &[], exit, &[]);
        b.seal_block(row);

        // row: n = min(extent - idx[last], remaining) elements of the innermost axis.
        b.switch_to_block(row);
        let i_last = b.use_var(idx_vars[last]);
        let extent = b.ins().iconst(I64, self.dims[last] as i64);
        let left = b.ins().isub(extent, i_last);
        let r = b.use_var(rem_var);
        let n = b.ins().umin(left, r);
        row_body(e, &counters, n);

        // The range ends here, or the row is complete and the outer indices
        // advance with carries.
        let b = &mut e.b;
        let r = b.use_var(rem_var);
        let r = b.ins().isub(r, n);
        b.def_var(rem_var, r);
        if rank == 1 {
            b.ins().jump(exit, &[]);
        } else {
            let carry = b.create_block();
            b.ins().brif(r, carry, &[], exit, &[]);
            b.seal_block(carry);
            b.switch_to_block(carry);
            b.def_var(idx_vars[last], zero);
            let mut d = last - 1;
            loop {
                // Axis d+1 wrapped: undo its extent, step axis d.
                let inner = self.dims[d + 1] as i64;
                counters.add_const(b, |c| c[d] - inner * c[d + 1]);
                let i = b.use_var(idx_vars[d]);
                let i = b.ins().iadd_imm_s(i, 1);
                b.def_var(idx_vars[d], i);
                if d == 0 {
                    b.ins().jump(outer, &[]);
                    break;
                }
                let wrap = b.create_block();
                let wrapped = b.ins().icmp_imm_s(IntCC::Equal, i, self.dims[d] as i64);
                b.ins().brif(wrapped, wrap, &[], outer, &[]);
                b.seal_block(wrap);
                b.switch_to_block(wrap);
                b.def_var(idx_vars[d], zero);
                d -= 1;
            }
        }
        // Every edge into the loop header and the exit is known: sealing
        // them now (not at the end of the function) lets the SSA builder
        // drop block parameters of values the loops do not change, so
        // Cranelift sees them as loop-invariant.
        b.seal_block(outer);
        b.seal_block(exit);
        b.switch_to_block(exit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{Function, InstBuilder};
    use cranelift_frontend::FunctionBuilderContext;

    #[test]
    fn accesses_one_constant_apart_share_a_counter() {
        let mut func = Function::new();
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let block = b.create_block();
        b.append_block_param(block, I64);
        b.switch_to_block(block);
        let p = b.block_params(block)[0];
        let zero = b.ins().iconst(I64, 0);
        let five = b.ins().iconst(I64, 5);
        let shifted = b.ins().iadd_imm_s(p, 3);
        assert_eq!(split_const(b.func, five), (None, 5));
        assert_eq!(split_const(b.func, shifted), (Some(p), 3));
        assert_eq!(split_const(b.func, p), (Some(p), 0));
        let nest = Nest {
            dims: vec![4, 8],
            coefs: vec![vec![8, 1], vec![8, 1], vec![1, 0], vec![8, 1], vec![8, 1]],
        };
        let base = [zero, five, zero, p, shifted];
        let (counters, first) = Counters::group(&nest, b.func, &base);
        // Same coefficients and constant bases: one class, five apart; a
        // broadcast has its own; `p` and `p + 3` share the third.
        assert_eq!(counters.class, vec![0, 0, 1, 2, 2]);
        assert_eq!(counters.delta, vec![0, 5, 0, 0, 3]);
        assert_eq!(first, vec![0, 2, 3]);
        assert_eq!(counters.coefs, vec![vec![8, 1], vec![1, 0], vec![8, 1]]);
        // Offsets too far apart for an immediate keep their own counters.
        let far = b.ins().iconst(I64, 1 << 40);
        let (counters, _) = Counters::group(&nest, b.func, &[zero, far]);
        assert_eq!(counters.class, vec![0, 1]);
    }

    #[test]
    fn contiguous_axes_collapse_to_one() {
        let n = collapse(&[4, 1, 3], &[0, 1, 2], &[&[3, 3, 1], &[3, 0, 1]]);
        assert_eq!(n.dims, vec![12]);
        assert_eq!(n.coefs, vec![vec![1], vec![1]]);
        let t = collapse(&[4, 3], &[0, 1], &[&[3, 1], &[1, 4]]);
        assert_eq!(t.dims, vec![4, 3]);
        let b = collapse(&[4, 3], &[0, 1], &[&[3, 1], &[0, 1]]);
        assert_eq!(b.dims, vec![4, 3]);
        let s = collapse(&[], &[], &[&[]]);
        assert_eq!((s.dims, s.coefs), (vec![1], vec![vec![0]]));
    }
}
