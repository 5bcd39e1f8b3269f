//! W4's row-wise softmax of the 4096×4096 matrix: `e = exp(a - max(a, 1));
//! e / sum(e, 1)`. A reduction, a broadcast back, an element-wise exp and a
//! second reduction: heron can fuse the reduce-then-broadcast chain; the
//! hand-written loops make two passes over each row.

use crate::case::Case;
use crate::check::{Out, Tol};
use crate::polyexp;
use crate::variant::{Kind, Variant};
use crate::workloads::w4::{Matrix, sum_lanes};
use heron::Array;
use ndarray::{Array2, Axis};
use rayon::prelude::*;

/// Softmax of each row of `a`, as heron array operations.
pub fn softmax(a: &Array) -> Array {
    let m = a.max_axis(1).expand_dims(1);
    let e = (a - &m).exp();
    let s = e.sum_axis(1).expand_dims(1);
    &e / &s
}

/// Softmax of one row into `out`, with the given `exp`.
#[inline(always)]
pub fn softmax_row(out: &mut [f32], row: &[f32], exp: impl Fn(f32) -> f32) {
    let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for (o, &x) in out.iter_mut().zip(row) {
        *o = exp(x - m);
    }
    let s = sum_lanes(out);
    for o in out.iter_mut() {
        *o /= s;
    }
}

fn rows(out: &mut [f32], data: &[f32], cols: usize, poly: bool) {
    for (o, row) in out.chunks_exact_mut(cols).zip(data.chunks_exact(cols)) {
        if poly {
            softmax_row(o, row, polyexp::exp);
        } else {
            softmax_row(o, row, f32::exp);
        }
    }
}

fn rows_par(out: &mut [f32], data: &[f32], cols: usize, poly: bool) {
    out.par_chunks_mut(cols)
        .zip(data.par_chunks(cols))
        .for_each(|(o, row)| rows(o, row, cols, poly));
}

fn ndarray_softmax(a: &Array2<f32>) -> Array2<f32> {
    let m = a
        .fold_axis(Axis(1), f32::NEG_INFINITY, |&x, &y| x.max(y))
        .insert_axis(Axis(1));
    let d = a - &m;
    let e = d.mapv(f32::exp);
    let s = e.sum_axis(Axis(1)).insert_axis(Axis(1));
    &e / &s
}

/// The softmax case.
pub fn case(m: &Matrix) -> Case<'static> {
    let cols = m.cols;
    let mut case = Case::new(
        "W4.softmax",
        "row-wise softmax",
        format!("{} × {}, f32", m.rows, cols),
    )
    .outputs(&[("softmax", Tol::close(2e-5, 1e-9))]);
    for (name, kind, poly, par) in [
        ("rust f32::exp", Kind::Rust, false, false),
        ("rust poly exp", Kind::Rust, true, false),
        ("rayon f32::exp", Kind::Rayon, false, true),
        ("rayon poly exp", Kind::Rayon, true, true),
    ] {
        let d = m.data.clone();
        case = case.variant(Variant::pure(name, kind, move || {
            let mut out = vec![0.0f32; d.len()];
            if par {
                rows_par(&mut out, &d, cols, poly);
            } else {
                rows(&mut out, &d, cols, poly);
            }
            Out::Vecs(vec![out])
        }));
    }
    let f = heron::jit_named("w4_softmax", |a: Array| softmax(&a));
    let a = m.array.clone();
    case = case.variant(Variant::pure("heron jit", Kind::HeronJit, move || {
        Out::Heron(vec![f.call(&a)])
    }));
    let a = m.array.clone();
    case = case.variant(Variant::pure("heron eager", Kind::HeronEager, move || {
        Out::Heron(vec![softmax(&a)])
    }));
    let nd = m.nd.clone();
    case = case.variant(Variant::pure("ndarray", Kind::Ndarray, move || {
        Out::Nd(vec![ndarray_softmax(&nd).into_dyn()])
    }));
    ceiling_variants(case, m)
}

/// The ceilings (`ceiling::softmax`): hand-written SIMD rows with the vector
/// form of `polyexp::exp`, at 128 bits and at the CPU's widest vectors, on
/// one thread and on rayon.
#[cfg(target_arch = "x86_64")]
fn ceiling_variants(mut case: Case<'static>, m: &Matrix) -> Case<'static> {
    use crate::ceiling;
    let (plans, notes) = ceiling::row_plans();
    let cols = m.cols;
    for plan in plans {
        let d = m.data.clone();
        case = case.variant(Variant::pure(plan.name.clone(), Kind::Ceiling, move || {
            let mut out = vec![0.0f32; d.len()];
            ceiling::softmax::rows(plan.width, &mut out, &d, cols, plan.parallel);
            Out::Vecs(vec![out])
        }));
    }
    notes.into_iter().fold(case, Case::note)
}

/// Off x86-64 the ceilings are left out, with a note.
#[cfg(not(target_arch = "x86_64"))]
fn ceiling_variants(case: Case<'static>, _m: &Matrix) -> Case<'static> {
    let (_, notes) = crate::ceiling::row_plans();
    notes.into_iter().fold(case, Case::note)
}
