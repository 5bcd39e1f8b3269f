//! The expressions indexed by run-time values: `at().add/set`,
//! `take_along_axis`, `segment_sum`, `dynamic_slice` and
//! `dynamic_update_slice`. Indices are made from program values and kept in
//! range (they are compared, not their errors); dynamic slice starts are
//! any values, so clamping is exercised.

use crate::adapt::{at_least_1d, fit};
use crate::class::{Class, op_class};
use crate::program::Expr;
use crate::run::Runner;
use heron::ops::SliceElem;
use heron::{Array, DType};
use heron_ir::{BinaryOp, Op, ScatterMode, Shape};

/// Gathers and scatters keep their results about this small.
const CAP: usize = 65_536;

/// `idx` as integers (floats through i64, as `astype` defines) reduced into
/// `[0, n)` (`n > 0`), then counted from the end when `negative`.
fn in_range(idx: &Array, n: usize, negative: bool) -> Array {
    let idx = if idx.dtype().is_float() || idx.dtype() == DType::U32 {
        idx.astype(DType::I64)
    } else {
        idx.astype(DType::I32)
    };
    let idx = heron::ops::arith::binary(BinaryOp::Rem, &idx, n as i64).expect("integer remainder");
    if negative { idx - n as i64 } else { idx }
}

/// At most `cap` elements of `x` (flattened when it has more).
fn capped(x: Array, cap: usize) -> Array {
    if x.size() > cap {
        x.flatten().slice([SliceElem::from(0..cap as isize)])
    } else {
        x
    }
}

/// One 0-d i32 start per axis of a rank-`rank` array, from `s`'s elements.
fn starts(s: &Array, class: Class, rank: usize) -> (Vec<Array>, Class) {
    let (flat, class) = fit(
        &capped(s.clone(), rank.max(1)).flatten(),
        class,
        &[rank],
        DType::I32,
    );
    let starts = (0..rank)
        .map(|d| flat.slice([SliceElem::Index(d as isize)]))
        .collect();
    (starts, class)
}

impl Runner<'_> {
    /// Evaluates an indexed expression.
    pub(crate) fn indexed(&self, e: &Expr) -> (Array, Class) {
        match e {
            Expr::Scatter(a, i, v, code) => {
                let (x, cx) = self.get(*a);
                let x = at_least_1d(&x);
                let n = x.shape()[0];
                if n == 0 {
                    return (x, cx);
                }
                let (idx, ci) = self.get(*i);
                let rest = (x.size() / n).max(1);
                let idx = in_range(&capped(idx, (CAP / rest).max(1)), n, *code >= 128);
                let mut shape = idx.shape().to_vec();
                shape.extend_from_slice(&x.shape()[1..]);
                let (v, cv) = self.get(*v);
                let (v, cv) = fit(&v, cv, &shape, x.dtype());
                let (mode, y) = if code % 2 == 1 {
                    (ScatterMode::Set, x.at(&idx).set(&v))
                } else {
                    (ScatterMode::Add, x.at(&idx).add(&v))
                };
                let class = op_class(&Op::Scatter { mode }, y.dtype(), &[&cx, &ci, &cv]);
                (y, class)
            }
            Expr::TakeAlong(a, i, code) => {
                let (x, cx) = self.get(*a);
                let x = at_least_1d(&x);
                let ax = *code as usize % x.ndim();
                let n = x.shape()[ax];
                if n == 0 || x.size() > CAP {
                    return (x, cx);
                }
                let mut shape = x.shape().to_vec();
                shape[ax] = 1 + (*code as usize / 8) % 4;
                let (idx, ci) = self.get(*i);
                let (idx, ci) = fit(&idx.astype(DType::I64), ci, &shape, DType::I64);
                let idx = in_range(&idx, n, *code >= 128);
                let y = heron::take_along_axis(&x, &idx, ax as isize);
                let class = op_class(&Op::TakeAlongAxis { axis: ax }, y.dtype(), &[&cx, &ci]);
                (y, class)
            }
            Expr::SegmentSum(a, i, code) => {
                let (x, cx) = self.get(*a);
                let x = at_least_1d(&x);
                let rows = x.shape()[0];
                let segments = 1 + *code as usize % 8;
                let (ids, ci) = self.get(*i);
                let (ids, ci) = fit(&capped(ids, rows.max(1)).flatten(), ci, &[rows], DType::I64);
                let ids = in_range(&ids, segments, false);
                let y = heron::segment_sum(&x, &ids, segments);
                let op = Op::SegmentSum {
                    num_segments: segments,
                };
                let class = op_class(&op, y.dtype(), &[&cx, &ci]);
                (y, class)
            }
            Expr::DynSlice(a, s, code) => {
                let (x, cx) = self.get(*a);
                let (s, cs) = self.get(*s);
                let (starts, cs) = starts(&s, cs, x.ndim());
                let sizes: Vec<usize> = x
                    .shape()
                    .iter()
                    .enumerate()
                    .map(|(d, &dim)| dim - (*code as usize + d) % (dim + 1))
                    .collect();
                let refs: Vec<&Array> = starts.iter().collect();
                let y = heron::dynamic_slice(&x, &refs, &sizes);
                let op = Op::DynamicSlice {
                    sizes: Shape::new(&sizes),
                };
                let class = op_class(&op, y.dtype(), &[&cx, &cs]);
                (y, class)
            }
            Expr::DynUpdate(a, u, s) => {
                let (x, cx) = self.get(*a);
                let (upd, cu) = self.get(*u);
                let (s, cs) = self.get(*s);
                let (starts, cs) = starts(&s, cs, x.ndim());
                let sizes: Vec<usize> = (0..x.ndim())
                    .map(|d| {
                        let own = if upd.ndim() == x.ndim() {
                            upd.shape()[d]
                        } else {
                            1
                        };
                        own.min(x.shape()[d])
                    })
                    .collect();
                let (upd, cu) = fit(&upd, cu, &sizes, x.dtype());
                let refs: Vec<&Array> = starts.iter().collect();
                let y = heron::dynamic_update_slice(&x, &upd, &refs);
                let class = op_class(&Op::DynamicUpdateSlice, y.dtype(), &[&cx, &cu, &cs]);
                (y, class)
            }
            _ => unreachable!("not an indexed expression"),
        }
    }
}
