//! W4: reductions of a 4096×4096 f32 matrix (standard normal): the sum of
//! all elements, the sum over axis 0, the max over axis 1, and (in
//! `softmax.rs`) the row-wise softmax, a reduce-then-broadcast chain.

use crate::case::Case;
use crate::check::{Out, Tol};
use crate::config::Config;
use crate::inputs::{self, seeds};
use crate::variant::{Kind, Variant};
use heron::Array;
use ndarray::{Array2, Axis};
use rayon::prelude::*;
use std::sync::Arc;

/// Rows per rayon task in the column sums.
const ROW_BLOCK: usize = 64;
/// Elements per rayon task in the total sum.
const CHUNK: usize = 1 << 16;
/// Accumulators in the hand-written sum: independent lanes the compiler vectorises.
const LANES: usize = 16;

/// Rows and columns (a non-square tiny size catches axis mix-ups).
pub fn dims(cfg: &Config) -> (usize, usize) {
    cfg.size.pick((4096, 4096), (1024, 1024), (37, 53))
}

/// The matrix, standard normal, and its elements as a vector.
pub struct Matrix {
    /// As a heron array.
    pub array: Array,
    /// Row-major elements.
    pub data: Arc<Vec<f32>>,
    /// As an `ndarray` array.
    pub nd: Arc<Array2<f32>>,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
}

impl Matrix {
    /// The matrix of the configured size.
    pub fn new(cfg: &Config) -> Matrix {
        let (rows, cols) = dims(cfg);
        let array = inputs::normal(seeds::W4_A, 0.0, 1.0, &[rows, cols]);
        let data = Arc::new(inputs::vec_f32(&array));
        let nd = Arc::new(
            Array2::from_shape_vec((rows, cols), data.to_vec()).expect("rows × cols elements"),
        );
        Matrix {
            array,
            data,
            nd,
            rows,
            cols,
        }
    }

    fn size(&self) -> String {
        format!("{} × {}, f32", self.rows, self.cols)
    }
}

/// Sum with `LANES` independent accumulators.
pub fn sum_lanes(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Column sums of a row-major block of whole rows, added into `out`.
pub fn add_rows(out: &mut [f32], block: &[f32]) {
    for row in block.chunks_exact(out.len()) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// The maximum of each row.
pub fn row_max(out: &mut [f32], data: &[f32], cols: usize) {
    for (o, row) in out.iter_mut().zip(data.chunks_exact(cols)) {
        *o = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    }
}

/// The sum-of-all case.
pub fn sum_case(m: &Matrix) -> Case<'static> {
    let atol = 2e-6 * m.data.len() as f64;
    let mut case = Case::new("W4.sum", "sum of all elements", m.size())
        .outputs(&[("sum", Tol::close(0.0, atol))]);
    let d = m.data.clone();
    case = case.variant(Variant::pure("rust", Kind::Rust, move || {
        Out::Scalars(vec![sum_lanes(&d) as f64])
    }));
    let d = m.data.clone();
    case = case.variant(Variant::pure("rayon", Kind::Rayon, move || {
        let s: f32 = d.par_chunks(CHUNK).map(sum_lanes).sum();
        Out::Scalars(vec![s as f64])
    }));
    let f = heron::jit_named("w4_sum", |a: Array| a.sum());
    let a = m.array.clone();
    case = case.variant(Variant::pure("heron jit", Kind::HeronJit, move || {
        Out::Heron(vec![f.call(&a)])
    }));
    let a = m.array.clone();
    case = case.variant(Variant::pure("heron eager", Kind::HeronEager, move || {
        Out::Heron(vec![a.sum()])
    }));
    let nd = m.nd.clone();
    case = case.variant(Variant::pure("ndarray", Kind::Ndarray, move || {
        Out::Scalars(vec![nd.sum() as f64])
    }));
    case.note(format!(
        "tolerance: |error| ≤ 2e-6 × element count = {atol:.3} (inputs are standard normal)"
    ))
}

/// The sum-over-axis-0 case.
pub fn sum0_case(m: &Matrix) -> Case<'static> {
    let atol = 2e-6 * m.rows as f64;
    let cols = m.cols;
    let mut case = Case::new("W4.sum0", "sum over axis 0", m.size())
        .outputs(&[("column sums", Tol::close(0.0, atol))]);
    let d = m.data.clone();
    case = case.variant(Variant::pure("rust", Kind::Rust, move || {
        let mut out = vec![0.0f32; cols];
        add_rows(&mut out, &d);
        Out::Vecs(vec![out])
    }));
    let d = m.data.clone();
    case = case.variant(Variant::pure("rayon", Kind::Rayon, move || {
        let out = d
            .par_chunks(cols * ROW_BLOCK)
            .fold(
                || vec![0.0f32; cols],
                |mut acc, block| {
                    add_rows(&mut acc, block);
                    acc
                },
            )
            .reduce(
                || vec![0.0f32; cols],
                |mut a, b| {
                    add_rows(&mut a, &b);
                    a
                },
            );
        Out::Vecs(vec![out])
    }));
    let f = heron::jit_named("w4_sum0", |a: Array| a.sum_axis(0));
    let a = m.array.clone();
    case = case.variant(Variant::pure("heron jit", Kind::HeronJit, move || {
        Out::Heron(vec![f.call(&a)])
    }));
    let a = m.array.clone();
    case = case.variant(Variant::pure("heron eager", Kind::HeronEager, move || {
        Out::Heron(vec![a.sum_axis(0)])
    }));
    let nd = m.nd.clone();
    case = case.variant(Variant::pure("ndarray", Kind::Ndarray, move || {
        Out::Nd(vec![nd.sum_axis(Axis(0)).into_dyn()])
    }));
    case
}

/// The max-over-axis-1 case.
pub fn max1_case(m: &Matrix) -> Case<'static> {
    let (rows, cols) = (m.rows, m.cols);
    let mut case =
        Case::new("W4.max1", "max over axis 1", m.size()).outputs(&[("row maxima", Tol::EXACT)]);
    let d = m.data.clone();
    case = case.variant(Variant::pure("rust", Kind::Rust, move || {
        let mut out = vec![0.0f32; rows];
        row_max(&mut out, &d, cols);
        Out::Vecs(vec![out])
    }));
    let d = m.data.clone();
    case = case.variant(Variant::pure("rayon", Kind::Rayon, move || {
        let mut out = vec![0.0f32; rows];
        out.par_chunks_mut(ROW_BLOCK)
            .zip(d.par_chunks(cols * ROW_BLOCK))
            .for_each(|(o, block)| row_max(o, block, cols));
        Out::Vecs(vec![out])
    }));
    let f = heron::jit_named("w4_max1", |a: Array| a.max_axis(1));
    let a = m.array.clone();
    case = case.variant(Variant::pure("heron jit", Kind::HeronJit, move || {
        Out::Heron(vec![f.call(&a)])
    }));
    let a = m.array.clone();
    case = case.variant(Variant::pure("heron eager", Kind::HeronEager, move || {
        Out::Heron(vec![a.max_axis(1)])
    }));
    let nd = m.nd.clone();
    case = case.variant(Variant::pure("ndarray", Kind::Ndarray, move || {
        let out = nd.fold_axis(Axis(1), f32::NEG_INFINITY, |&a, &b| a.max(b));
        Out::Nd(vec![out.into_dyn()])
    }));
    case
}
