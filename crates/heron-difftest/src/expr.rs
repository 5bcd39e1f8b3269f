//! Expressions: one array operation each, with its operands adapted and
//! its result's class.

use crate::adapt::{at_least_1d, broadcast, fit, no_bool, reshape, slice_elems};
use crate::class::{Class, op_class};
use crate::program::{Binary, Draw, Expr, Lit, Reduction, Sparse};
use crate::run::Runner;
use heron::ir::precision::{TRIG_RANGE, Tol, tolerance};
use heron::ops::{OperandValue, SliceElem};
use heron::{Array, DType};
use heron_ir::{BinaryOp, Op, ReduceOp, Scalar, UnaryOp, WeakKind};

impl Runner<'_> {
    /// Evaluates one expression in the current scope.
    pub(crate) fn expr(&self, e: &Expr) -> (Array, Class) {
        match e {
            Expr::Unary(op, a) => unary(*op, self.get(*a)),
            Expr::Binary(op, a, b) => binary(*op, self.get(*a), self.get(*b)),
            Expr::Scalar(op, a, lit, left) => {
                let (x, c) = self.get(*a);
                let x = no_bool(x, *op);
                let lit = match lit {
                    Lit::Int(i) => OperandValue::Weak(Scalar::I64(i64::from(*i)), WeakKind::Int),
                    Lit::Float(f) => OperandValue::Weak(Scalar::F64(*f), WeakKind::Float),
                };
                let (ir, y) = if *left {
                    apply_binary(*op, lit, &x)
                } else {
                    apply_binary(*op, &x, lit)
                };
                let class = op_class(&ir, y.dtype(), &[&c]);
                (y, class)
            }
            Expr::Where(c, a, b) => {
                let (c, cc) = self.get(*c);
                let (a, ca) = self.get(*a);
                let (b, cb) = self.get(*b);
                let b = if broadcast(a.shape(), b.shape()).is_some() {
                    b
                } else {
                    fit(&b, Class::Exact, a.shape(), b.dtype()).0
                };
                let ab = broadcast(a.shape(), b.shape()).expect("fitted");
                let c = if c.dtype() == DType::Bool { c } else { c.ne(0) };
                let c = if broadcast(c.shape(), &ab).is_some() {
                    c
                } else {
                    fit(&c, Class::Exact, &ab, DType::Bool).0
                };
                let y = heron::where_(&c, &a, &b);
                let class = op_class(&Op::Select, y.dtype(), &[&cc, &ca, &cb]);
                (y, class)
            }
            Expr::Cast(d, a) => {
                let (x, c) = self.get(*a);
                let y = x.astype(*d);
                let c = op_class(&Op::Cast(*d), *d, &[&c]);
                (y, c)
            }
            Expr::Reduce(r, a, axis) => reduce(*r, self.get(*a), *axis),
            Expr::Cumsum(a, axis) => {
                let (x, c) = self.get(*a);
                let x = at_least_1d(&x);
                let ax = *axis as usize % x.ndim();
                let y = heron::cumsum(&x, ax as isize);
                let c = op_class(&Op::Cumsum { axis: ax }, y.dtype(), &[&c]);
                (y, c)
            }
            Expr::Sort(a, axis) | Expr::Argsort(a, axis) => {
                let (x, c) = self.get(*a);
                let x = at_least_1d(&x);
                let ax = (*axis as usize % x.ndim()) as isize;
                let y = if matches!(e, Expr::Sort(..)) {
                    heron::sort(&x, ax)
                } else {
                    heron::argsort(&x, ax)
                };
                let c = op_class(&Op::Sort { axis: 0 }, y.dtype(), &[&c]);
                (y, c)
            }
            Expr::Reshape(a, code) => {
                let (x, c) = self.get(*a);
                (reshape(&x, *code), c.moved())
            }
            Expr::Transpose(a) => {
                let (x, c) = self.get(*a);
                (x.transpose(), c.moved())
            }
            Expr::Slice(a, code) => {
                let (x, c) = self.get(*a);
                (x.slice(slice_elems(code, x.shape())), c.moved())
            }
            Expr::Concat(a, b, axis) => {
                let (x, cx) = self.get(*a);
                let (y, cy) = self.get(*b);
                let x = at_least_1d(&x);
                let ax = *axis as usize % x.ndim();
                let mut target = x.shape().to_vec();
                if y.ndim() == x.ndim()
                    && (0..x.ndim()).all(|d| d == ax || y.shape()[d] == x.shape()[d])
                {
                    target[ax] = y.shape()[ax];
                }
                let (y, _) = fit(&y, Class::Exact, &target, x.dtype());
                let z = heron::concatenate(&[&x, &y], ax as isize);
                (z, cx.join(&cy))
            }
            Expr::Scatter(..)
            | Expr::TakeAlong(..)
            | Expr::SegmentSum(..)
            | Expr::DynSlice(..)
            | Expr::DynUpdate(..) => self.indexed(e),
            Expr::Take(a, i, axis) => {
                let (x, c) = self.get(*a);
                let (idx, ci) = self.get(*i);
                let x = at_least_1d(&x);
                let ax = *axis as usize % x.ndim();
                let n = x.shape()[ax];
                if n == 0 {
                    return (x, c);
                }
                let idx = if idx.dtype().is_float() {
                    // NaN and out-of-range floats convert as `astype` defines.
                    idx.astype(DType::I64)
                } else {
                    idx.astype(DType::I32)
                };
                // Keep the result moderate: the gather repeats `x`'s other axes.
                let rest = (x.size() / n).max(1);
                let cap = (65_536 / rest).max(1);
                let idx = if idx.size() > cap {
                    idx.flatten().slice([SliceElem::from(0..cap as isize)])
                } else {
                    idx
                };
                let idx = heron::ops::arith::binary(BinaryOp::Rem, &idx, n as i64)
                    .expect("integer remainder");
                // Half the time, negative indices counting from the end.
                let idx = if *axis >= 128 { idx - n as i64 } else { idx };
                let y = x.take(&idx, ax as isize);
                (y, c.join(&ci))
            }
            Expr::TakeFma(a, i, b, axis) => {
                let (t, ct) = self.expr(&Expr::Take(*a, *i, *axis));
                let (y, cy) = self.get(*b);
                let (y, cy) = fit(&y, cy, t.shape(), t.dtype());
                let p = binary(Binary::Mul, (t, ct), (y.clone(), cy.clone()));
                binary(Binary::Add, p, (y, cy))
            }
            Expr::Broadcast(a, lead) => {
                let (x, c) = self.get(*a);
                let mut shape: Vec<usize> = lead.iter().map(|&d| d as usize).collect();
                shape.extend_from_slice(x.shape());
                if shape.iter().product::<usize>() > 200_000 {
                    return (x, c);
                }
                (x.broadcast_to(&shape), c.moved())
            }
            Expr::MatMul(a, b) => {
                let (x, cx) = self.get(*a);
                let (y, cy) = self.get(*b);
                // Operands of rank 3 and more are batched products.
                let x = if x.ndim() == 0 { x.reshape(&[1]) } else { x };
                let k = *x.shape().last().expect("at least 1-d");
                let y = if (y.ndim() == 2 && y.shape()[0] == k) || (y.ndim() == 1 && y.size() == k)
                {
                    y
                } else {
                    fit(&y, Class::Exact, &[k], y.dtype()).0
                };
                let y = y.astype(x.dtype());
                let n = if y.ndim() == 2 { y.shape()[1] } else { 1 };
                if x.size() / k.max(1) * k * n > 1_000_000 {
                    return (x, cx);
                }
                let z = x.matmul(&y);
                let c = if cx.is_exact()
                    && cy.is_exact()
                    && tolerance(&Op::MatMul, z.dtype()) == Tol::Dot
                    && !x.is_traced()
                    && !y.is_traced()
                {
                    let abs = |a: &Array| a.astype(DType::F64).abs();
                    Class::Sum {
                        n: k,
                        abs_sum: abs(&x).matmul(&abs(&y)),
                        dot: true,
                    }
                } else {
                    op_class(&Op::MatMul, z.dtype(), &[&cx, &cy])
                };
                (z, c)
            }
            Expr::Sparse(kind, a, seed) => {
                let (x, c) = self.get(*a);
                if x.size() == 0 || x.size() > 50_000 {
                    return (x, c);
                }
                let x = x.reshape(&[-1]);
                let (n, other) = (x.size(), 1 + *seed as usize % 37);
                let p = [0.0, 0.1, 0.4, 1.0][*seed as usize % 4];
                let key = heron::random::Key::new(*seed as u64);
                let (rows, cols) = match kind {
                    Sparse::MatVec => (other, n),
                    _ => (n, other),
                };
                let csr = heron::conn::fixed_prob(rows, cols, p, &key);
                let w = key.fold_in(1).uniform(-1.0, 2.0, &[csr.nnz()]);
                let csr = csr.with_weights(w);
                let y = match kind {
                    Sparse::MatVec => csr.matvec(&x),
                    Sparse::VecMat => csr.vecmat(&x),
                    Sparse::EventVecMat => csr.event_vecmat(&x),
                };
                // One typed routine with one summation order on both paths.
                let c = if c.is_exact() {
                    Class::Exact
                } else {
                    Class::Loose
                };
                (y, c)
            }
            Expr::Draw(d, a) => {
                let (x, _) = self.get(*a);
                let shape = if x.size() > 100_000 {
                    vec![7]
                } else {
                    x.shape().to_vec()
                };
                let rng = &self.env.rng;
                match d {
                    Draw::Bits => (rng.bits(&shape), Class::Exact),
                    Draw::Uniform => (rng.uniform(-2.0, 3.0, &shape), Class::Exact),
                    // The normal draw's inverse error function is built of
                    // approximate ops.
                    Draw::Normal => (rng.normal(0.5, 2.0, &shape), Class::Loose),
                    Draw::Randint => (rng.randint(-5, 17, &shape), Class::Exact),
                    Draw::Bernoulli => (rng.bernoulli(0.3, &shape), Class::Exact),
                }
            }
            Expr::Read(r) => match self.var(*r) {
                Some((k, v)) => (v.value(), self.var_class.borrow()[k].clone()),
                None => self.get(0),
            },
        }
    }
}

/// The IR op of a binary op.
fn ir_binary(op: Binary) -> BinaryOp {
    match op {
        Binary::Add => BinaryOp::Add,
        Binary::Sub => BinaryOp::Sub,
        Binary::Mul => BinaryOp::Mul,
        Binary::Div | Binary::FloorDiv => BinaryOp::Div,
        Binary::Rem => BinaryOp::Rem,
        Binary::Pow => BinaryOp::Pow,
        Binary::Max => BinaryOp::Max,
        Binary::Min => BinaryOp::Min,
        Binary::Atan2 => BinaryOp::Atan2,
        Binary::Hypot => BinaryOp::Hypot,
        Binary::Logaddexp => BinaryOp::Logaddexp,
        Binary::And => BinaryOp::And,
        Binary::Or => BinaryOp::Or,
        Binary::Xor => BinaryOp::Xor,
        Binary::Eq => BinaryOp::Eq,
        Binary::Ne => BinaryOp::Ne,
        Binary::Lt => BinaryOp::Lt,
        Binary::Le => BinaryOp::Le,
        Binary::Gt => BinaryOp::Gt,
        Binary::Ge => BinaryOp::Ge,
    }
}

/// Applies a binary op to two operands (already broadcast-compatible);
/// returns the IR op whose contract applies.
fn apply_binary(
    op: Binary,
    a: impl heron::ops::Operand,
    b: impl heron::ops::Operand,
) -> (Op, Array) {
    let ir = ir_binary(op);
    let y = match op {
        Binary::FloorDiv => heron::ops::arith::floor_divide(a, b),
        Binary::And | Binary::Or | Binary::Xor => {
            let (a, b) = (a.into_operand().into_array(), b.into_operand().into_array());
            let int = |x: Array| {
                if x.dtype().is_float() {
                    x.astype(DType::I32)
                } else {
                    x
                }
            };
            heron::ops::arith::binary(ir, int(a), int(b)).expect("bitwise op")
        }
        _ => heron::ops::arith::binary(ir, a, b).expect("broadcast operands"),
    };
    (Op::Binary(ir), y)
}

fn binary(op: Binary, (a, ca): (Array, Class), (b, cb): (Array, Class)) -> (Array, Class) {
    let (a, b) = (no_bool(a, op), no_bool(b, op));
    let b = if broadcast(a.shape(), b.shape()).is_some() {
        b
    } else {
        fit(&b, Class::Exact, a.shape(), b.dtype()).0
    };
    let (ir, y) = apply_binary(op, &a, &b);
    let c = op_class(&ir, y.dtype(), &[&ca, &cb]);
    (y, c)
}

fn unary(op: UnaryOp, (x, c): (Array, Class)) -> (Array, Class) {
    use UnaryOp::*;
    let x = match op {
        // Bool arithmetic is integer arithmetic.
        Neg | Abs | Sign | Square | Floor | Ceil | Round | Trunc if x.dtype() == DType::Bool => {
            x.astype(DType::I32)
        }
        // Bitwise not of floats: of their integer conversion.
        Not if x.dtype().is_float() => x.astype(DType::I32),
        // The trig functions' bounds hold on |x| ≤ TRIG_RANGE.
        Sin | Cos | Tan => {
            let x = if x.dtype().is_float() {
                x
            } else {
                x.astype(DType::F32)
            };
            x.clip(-TRIG_RANGE, TRIG_RANGE)
        }
        _ => x,
    };
    let y = x.try_unary(op).expect("unary op on a valid dtype");
    let class = op_class(&Op::Unary(op), y.dtype(), &[&c]);
    (y, class)
}

fn reduce(r: Reduction, (x, c): (Array, Class), axis: Option<u8>) -> (Array, Class) {
    let ax = match axis {
        Some(a) if x.ndim() > 0 => Some(a as usize % x.ndim()),
        _ => None,
    };
    let axes: Vec<isize> = match ax {
        Some(a) => vec![a as isize],
        None => (0..x.ndim() as isize).collect(),
    };
    let n: usize = match ax {
        Some(a) => x.shape()[a],
        None => x.size(),
    };
    // max, min and the arg reductions of nothing are errors: any instead.
    let r = match r {
        Reduction::Max | Reduction::Min | Reduction::ArgMax | Reduction::ArgMin if n == 0 => {
            Reduction::Any
        }
        r => r,
    };
    let ir = |op| Op::Reduce {
        op,
        axes: Default::default(),
    };
    let simple = |op: ReduceOp| {
        let y = x.try_reduce(op, &axes).expect("reduction");
        let class = op_class(&ir(op), y.dtype(), &[&c]);
        (y, class)
    };
    match r {
        Reduction::Sum | Reduction::Mean => {
            let y = if r == Reduction::Sum {
                x.try_reduce(ReduceOp::Sum, &axes).expect("sum")
            } else {
                x.try_mean_axes(Some(&axes)).expect("mean")
            };
            let class = if !c.is_exact() {
                Class::Loose
            } else if tolerance(&ir(ReduceOp::Sum), y.dtype()) != Tol::Sum {
                Class::Exact
            } else if x.is_traced() {
                // Inside a control body even the reference is traced: its
                // terms are unknown here.
                Class::Loose
            } else {
                let abs = x.astype(DType::F64).abs();
                let abs = abs.try_reduce(ReduceOp::Sum, &axes).expect("sum");
                let abs = if r == Reduction::Mean {
                    abs / n.max(1) as f64
                } else {
                    abs
                };
                Class::Sum {
                    n,
                    abs_sum: abs,
                    dot: false,
                }
            };
            (y, class)
        }
        Reduction::Prod => simple(ReduceOp::Prod),
        Reduction::Max => simple(ReduceOp::Max),
        Reduction::Min => simple(ReduceOp::Min),
        Reduction::Any => simple(ReduceOp::Any),
        Reduction::All => simple(ReduceOp::All),
        Reduction::ArgMax | Reduction::ArgMin => {
            let y = match (r, ax) {
                (Reduction::ArgMax, Some(a)) => x.argmax_axis(a as isize),
                (Reduction::ArgMin, Some(a)) => x.argmin_axis(a as isize),
                (Reduction::ArgMax, None) => x.argmax(),
                _ => x.argmin(),
            };
            (y, c.join(&Class::Exact))
        }
    }
}
