//! Loop nests over a linear range of an iteration space.
//!
//! Every memory access of a kernel has an affine index `offset + Σ coef[d]·i[d]`.
//! `collapse` first drops extent-1 axes and merges neighbouring axes that
//! every access walks contiguously, so a fully contiguous kernel becomes a
//! plain 1-d loop. `emit_nest` then runs the innermost axis as an inner loop
//! and keeps the outer indices and every access's offset incremental: the
//! linear start is decomposed into a multi-index once (divisions by
//! compile-time extents), never per element. `emit_runs` walks the same
//! nest in runs of up to a fixed number of consecutive innermost elements
//! (the column tiles of `columns.rs`).

use super::Emitter;
use cranelift_codegen::ir::{InstBuilder, Value, condcodes::IntCC, types::I64};
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
        self.emit_rows(e, base, start, end, &mut |e, off_vars, n| {
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
                    e.b.switch_to_block(vbody);
                    let cur: Vec<Value> = off_vars.iter().map(|&x| e.b.use_var(x)).collect();
                    (v.body)(e, &cur, chunks);
                    self.advance(&mut e.b, off_vars, w as i64);
                    let j = e.b.use_var(j_var);
                    let j = e.b.ins().iadd_imm_s(j, w as i64);
                    e.b.def_var(j_var, j);
                    e.b.ins().jump(head, &[]);
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

            e.b.switch_to_block(inner_body);
            let cur: Vec<Value> = off_vars.iter().map(|&v| e.b.use_var(v)).collect();
            body(e, &cur);
            self.advance(&mut e.b, off_vars, 1);
            let j = e.b.use_var(j_var);
            let j = e.b.ins().iadd_imm_s(j, 1);
            e.b.def_var(j_var, j);
            e.b.ins().jump(inner, &[]);
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
        self.emit_rows(e, base, start, end, &mut |e, off_vars, n| {
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

            e.b.switch_to_block(run);
            let j = e.b.use_var(j_var);
            let left = e.b.ins().isub(n, j);
            let max = e.b.ins().iconst(I64, max_run as i64);
            let count = e.b.ins().umin(left, max);
            let cur: Vec<Value> = off_vars.iter().map(|&v| e.b.use_var(v)).collect();
            body(e, &cur, count);
            for (a, &v) in off_vars.iter().enumerate() {
                let c = self.coefs[a][last];
                if c != 0 {
                    let step = if c == 1 {
                        count
                    } else {
                        e.b.ins().imul_imm_s(count, c)
                    };
                    let o = e.b.use_var(v);
                    let o = e.b.ins().iadd(o, step);
                    e.b.def_var(v, o);
                }
            }
            let j = e.b.use_var(j_var);
            let j = e.b.ins().iadd(j, count);
            e.b.def_var(j_var, j);
            e.b.ins().jump(head, &[]);
            e.b.switch_to_block(done);
        });
    }

    /// Advances every access's offset by `by` elements of the innermost axis.
    fn advance(&self, b: &mut FunctionBuilder, off_vars: &[Variable], by: i64) {
        let last = self.dims.len() - 1;
        for (a, &x) in off_vars.iter().enumerate() {
            let c = self.coefs[a][last];
            if c != 0 {
                let o = b.use_var(x);
                let o = b.ins().iadd_imm_s(o, c * by);
                b.def_var(x, o);
            }
        }
    }

    /// The loop structure shared by `emit_with` and `emit_runs`: decomposes
    /// `start`, then for each (partial) row of the innermost axis calls
    /// `row_body(e, offset variables, n)`, which must emit code covering `n`
    /// elements and leave each offset variable advanced by `n` times its
    /// innermost coefficient; the outer indices then advance with carries.
    fn emit_rows(
        &self,
        e: &mut Emitter<'_>,
        base: &[Value],
        start: Option<Value>,
        end: Value,
        row_body: &mut dyn FnMut(&mut Emitter<'_>, &[Variable], Value),
    ) {
        let rank = self.dims.len();
        let last = rank - 1;
        let b = &mut e.b;
        // Prologue: the multi-index of `start` and each access's offset there.
        let zero = b.ins().iconst(I64, 0);
        let mut idx = Vec::with_capacity(rank);
        let mut offs: Vec<Value> = base.to_vec();
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
                for (a, off) in offs.iter_mut().enumerate() {
                    for (d, &p) in parts.iter().enumerate() {
                        let c = self.coefs[a][d];
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
        let off_vars: Vec<Variable> = offs.iter().map(|&v| var(b, v)).collect();
        let rem_var = var(b, remaining);

        let outer = b.create_block();
        let row = b.create_block();
        let exit = b.create_block();
        b.ins().jump(outer, &[]);

        // outer: anything left?
        b.switch_to_block(outer);
        let r = b.use_var(rem_var);
        b.ins().brif(r, row, &[], exit, &[]);

        // row: n = min(extent - idx[last], remaining) elements of the innermost axis.
        b.switch_to_block(row);
        let i_last = b.use_var(idx_vars[last]);
        let extent = b.ins().iconst(I64, self.dims[last] as i64);
        let left = b.ins().isub(extent, i_last);
        let r = b.use_var(rem_var);
        let n = b.ins().umin(left, r);
        row_body(e, &off_vars, n);

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
            b.switch_to_block(carry);
            b.def_var(idx_vars[last], zero);
            let mut d = last - 1;
            loop {
                // Axis d+1 wrapped: undo its extent, step axis d.
                for (a, &v) in off_vars.iter().enumerate() {
                    let step = self.coefs[a][d] - self.dims[d + 1] as i64 * self.coefs[a][d + 1];
                    if step != 0 {
                        let o = b.use_var(v);
                        let o = b.ins().iadd_imm_s(o, step);
                        b.def_var(v, o);
                    }
                }
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
                b.switch_to_block(wrap);
                b.def_var(idx_vars[d], zero);
                d -= 1;
            }
        }
        b.switch_to_block(exit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
