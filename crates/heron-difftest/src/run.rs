//! Runs a `Program` through heron's public API: the same code runs eagerly
//! (the reference: every op through `eval`) and traced inside `jit`.
//!
//! Alongside each value the runner keeps its *class* under the precision
//! contract: `Exact` while every op on the way promises bit-exactness, the
//! op's `Tol` for the result of one approximate op on exact operands, and
//! `Loose` below that (later ops may amplify a few ulp without bound:
//! cancellation, comparisons, casts to integers). Classes depend on the
//! program alone, so both paths compute the same ones; the checker uses the
//! reference's, whose sums also know the absolute sums of their terms.

use crate::contract::{TRIG_RANGE, Tol, tolerance};
use crate::data::array;
use crate::program::{Binary, Draw, Expr, Lit, Program, Reduction, Ref, SliceCode, Stmt};
use heron::ops::OperandValue;
use heron::ops::SliceElem;
use heron::random::RandomState;
use heron::{Array, DType, Variable};
use heron_ir::{BinaryOp, Op, ReduceOp, Scalar, UnaryOp, WeakKind};
use std::cell::{Cell, RefCell};

/// What the checker may assume of a value (see the module doc).
#[derive(Clone, Debug)]
pub enum Class {
    /// Bit-exact.
    Exact,
    /// Within this many ulp (f32, f64).
    Ulp(u32, u32),
    /// A float sum of `n` terms whose absolute values sum to `abs_sum`
    /// (an f64 array of the result's shape).
    Sum {
        /// Terms per result element.
        n: usize,
        /// Σ|x| per result element.
        abs_sum: Array,
    },
    /// Not compared element by element.
    Loose,
}

impl Class {
    fn is_exact(&self) -> bool {
        matches!(self, Class::Exact)
    }

    /// The class of a value with the same elements moved or repeated
    /// (reshape, transpose, slice, broadcast): a per-element bound holds
    /// still; a sum's absolute sums are no longer aligned with it.
    fn moved(&self) -> Class {
        match self {
            Class::Sum { .. } => Class::Loose,
            c => c.clone(),
        }
    }

    /// Exact if both are, else loose.
    fn join(&self, other: &Class) -> Class {
        if self.is_exact() && other.is_exact() {
            Class::Exact
        } else {
            Class::Loose
        }
    }
}

/// The state one path runs against: its Variables, random state and loop
/// counters (fresh for each path, from the same program).
pub struct Env {
    /// The program's Variables.
    pub vars: Vec<Variable>,
    /// The program's random state.
    pub rng: RandomState,
    /// One counter Variable per `while` statement, in program order.
    counters: Vec<Variable>,
}

impl Env {
    /// Fresh Variables holding the program's initial values.
    pub fn new(p: &Program) -> Env {
        Env {
            vars: p.vars.iter().map(|d| Variable::new(array(d))).collect(),
            rng: RandomState::new(p.seed),
            counters: (0..count_whiles(&p.body))
                .map(|_| Variable::new(heron::scalar(0i32)))
                .collect(),
        }
    }
}

fn count_whiles(body: &[Stmt]) -> usize {
    body.iter()
        .map(|s| match s {
            Stmt::While { body, .. } => 1 + count_whiles(body),
            Stmt::Fori { body, .. } | Stmt::For { body, .. } => count_whiles(body),
            Stmt::Cond { then, else_, .. } => count_whiles(then) + count_whiles(else_),
            _ => 0,
        })
        .sum()
}

/// The arguments of a program.
pub fn args(p: &Program) -> Vec<Array> {
    p.args.iter().map(array).collect()
}

/// Runs the program once on `args` against `env`: its results with their
/// classes. `var_class` holds the Variables' classes and is updated.
pub fn run(
    p: &Program,
    env: &Env,
    args: Vec<Array>,
    var_class: &mut Vec<Class>,
) -> Vec<(Array, Class)> {
    if var_class.len() != env.vars.len() {
        *var_class = vec![Class::Exact; env.vars.len()];
    }
    let runner = Runner {
        env,
        scope: RefCell::new(args.into_iter().map(|a| (a, Class::Exact)).collect()),
        var_class: RefCell::new(std::mem::take(var_class)),
        whiles: Cell::new(0),
    };
    runner.block(&p.body);
    let mut out: Vec<_> = p.results.iter().map(|&r| runner.get(r)).collect();
    out.push(runner.last());
    *var_class = runner.var_class.into_inner();
    out
}

/// Runs statements, holding the values in scope.
struct Runner<'a> {
    env: &'a Env,
    scope: RefCell<Vec<(Array, Class)>>,
    var_class: RefCell<Vec<Class>>,
    whiles: Cell<usize>,
}

impl Runner<'_> {
    fn get(&self, r: Ref) -> (Array, Class) {
        let scope = self.scope.borrow();
        scope[scope.len() - 1 - r as usize % scope.len()].clone()
    }

    fn push(&self, v: (Array, Class)) {
        self.scope.borrow_mut().push(v);
    }

    fn last(&self) -> (Array, Class) {
        self.scope
            .borrow()
            .last()
            .cloned()
            .expect("a program has an argument")
    }

    fn var(&self, r: Ref) -> Option<(usize, &Variable)> {
        let vars = &self.env.vars;
        (!vars.is_empty()).then(|| {
            let k = r as usize % vars.len();
            (k, &vars[k])
        })
    }

    fn block(&self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    /// Runs `body` in a nested scope starting with `first`; returns the last value.
    fn scoped(&self, first: Option<(Array, Class)>, body: &[Stmt]) -> (Array, Class) {
        let keep = self.scope.borrow().len();
        if let Some(v) = first {
            self.push(v);
        }
        self.block(body);
        let last = self.last();
        self.scope.borrow_mut().truncate(keep);
        last
    }

    /// After a loop: a Variable the body writes carries the body's error
    /// from step to step, so unless all it writes stays exact it is loose.
    fn after_loop(&self, body: &[Stmt]) -> bool {
        let mut written = Vec::new();
        writes(body, self.env.vars.len(), &mut written);
        let mut classes = self.var_class.borrow_mut();
        let exact = written.iter().all(|&k| classes[k].is_exact());
        if !exact {
            for &k in &written {
                classes[k] = Class::Loose;
            }
        }
        exact
    }

    fn stmt(&self, s: &Stmt) {
        match s {
            Stmt::Let(e) => {
                let v = self.expr(e);
                self.push(v);
            }
            Stmt::Set { var, value } => {
                if let Some((k, v)) = self.var(*var) {
                    let (x, c) = self.get(*value);
                    let (x, c) = fit(&x, c, &v.shape(), v.dtype());
                    v.set(x);
                    self.var_class.borrow_mut()[k] = c;
                }
            }
            Stmt::SetSlice { var, value, slice } => {
                if let Some((k, v)) = self.var(*var) {
                    let mut cur = v.value();
                    let elems = slice_elems(slice, cur.shape());
                    let region = cur.slice(&elems);
                    let (x, c) = self.get(*value);
                    let (x, _) = fit(&x, c.clone(), region.shape(), cur.dtype());
                    cur.set(&elems, &x);
                    v.set(cur);
                    let mut classes = self.var_class.borrow_mut();
                    classes[k] = classes[k].join(&c);
                }
            }
            Stmt::Fori { start, trip, body } => {
                let start = i32::from(*start);
                heron::fori_loop(start, start + i32::from(*trip), |i| {
                    self.scoped(Some((i, Class::Exact)), body);
                });
                self.after_loop(body);
            }
            Stmt::For { xs, body } => {
                let (x, xs_class) = self.get(*xs);
                let row_class = xs_class.join(&Class::Exact);
                let x = at_least_1d(&x);
                // Few rows: each is one step of the reference's loop.
                let x = if x.shape()[0] == 0 {
                    fit(&x, Class::Exact, &[1], x.dtype()).0
                } else if x.shape()[0] > 9 {
                    x.slice([SliceElem::from(0..9)])
                } else {
                    x
                };
                let mut class = Class::Exact;
                let ys = heron::for_loop(&x, |row: Array| {
                    let (y, c) = self.scoped(Some((row, row_class.clone())), body);
                    class = c;
                    y
                });
                let exact = self.after_loop(body) && class.is_exact();
                self.push((ys, if exact { Class::Exact } else { Class::Loose }));
            }
            Stmt::While { trip, body } => {
                let k = self.whiles.get();
                self.whiles.set(k + 1);
                let counter = &self.env.counters[k];
                counter.set(heron::scalar(0i32));
                let n = i32::from(*trip);
                heron::while_loop(
                    || counter.value().lt(n),
                    || {
                        counter.set(&counter.value() + 1);
                        self.scoped(None, body);
                    },
                );
                self.after_loop(body);
            }
            Stmt::Cond {
                pred,
                like,
                then,
                else_,
            } => {
                let p = first(&self.get(*pred).0).astype(DType::Bool);
                let like = self.get(*like).0;
                let (shape, dtype) = (like.shape().to_vec(), like.dtype());
                let before = self.var_class.borrow().clone();
                let then_classes = RefCell::new(Vec::new());
                let classes = RefCell::new((Class::Exact, Class::Exact));
                let y = heron::cond(
                    &p,
                    || {
                        let (y, c) = self.scoped(None, then);
                        let (y, c) = fit(&y, c, &shape, dtype);
                        classes.borrow_mut().0 = c;
                        *then_classes.borrow_mut() = self.var_class.borrow().clone();
                        y
                    },
                    || {
                        *self.var_class.borrow_mut() = before.clone();
                        let (y, c) = self.scoped(None, else_);
                        let (y, c) = fit(&y, c, &shape, dtype);
                        classes.borrow_mut().1 = c;
                        y
                    },
                );
                let then_classes = then_classes.into_inner();
                if then_classes.len() == before.len() {
                    let mut now = self.var_class.borrow_mut();
                    for (c, t) in now.iter_mut().zip(&then_classes) {
                        *c = c.join(t);
                    }
                }
                let (a, b) = classes.into_inner();
                self.push((y, a.join(&b)));
            }
        }
    }

    fn expr(&self, e: &Expr) -> (Array, Class) {
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
                let x = match x.ndim() {
                    0 => x.reshape(&[1]),
                    1 | 2 => x,
                    _ => x.reshape(&[-1, *x.shape().last().expect("rank 3") as isize]),
                };
                let k = *x.shape().last().expect("rank 1 or 2");
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
                let c = op_class(&Op::MatMul, z.dtype(), &[&cx, &cy]);
                (z, c)
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

/// Collects the Variables `body` writes (indices modulo `n`).
fn writes(body: &[Stmt], n: usize, out: &mut Vec<usize>) {
    for s in body {
        match s {
            Stmt::Set { var, .. } | Stmt::SetSlice { var, .. } if n > 0 => {
                out.push(*var as usize % n)
            }
            Stmt::Fori { body, .. } | Stmt::For { body, .. } | Stmt::While { body, .. } => {
                writes(body, n, out)
            }
            Stmt::Cond { then, else_, .. } => {
                writes(then, n, out);
                writes(else_, n, out);
            }
            _ => {}
        }
    }
}

/// The class of an op's result from its operands' classes: the op's
/// contract when they are exact, loose otherwise. (A sum's class is made
/// by `reduce`, which knows its terms.)
fn op_class(op: &Op, dtype: DType, operands: &[&Class]) -> Class {
    if !operands.iter().all(|c| c.is_exact()) {
        return Class::Loose;
    }
    match tolerance(op, dtype) {
        Tol::Exact => Class::Exact,
        Tol::Ulp { f32, f64 } => Class::Ulp(f32, f64),
        Tol::Sum => Class::Loose,
    }
}

/// `shape` after broadcasting `a` with `b`, if they broadcast.
fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let at = |s: &[usize], i: usize| {
        if i + s.len() >= n {
            s[i + s.len() - n]
        } else {
            1
        }
    };
    (0..n)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// `x` as `dtype`, broadcast to `shape`; when its shape does not broadcast,
/// its first element (zeros for an empty `x`). The class survives only an
/// exact `x` or no change at all.
fn fit(x: &Array, class: Class, shape: &[usize], dtype: DType) -> (Array, Class) {
    if x.shape() == shape && x.dtype() == dtype {
        return (x.clone(), class);
    }
    let class = class.join(&Class::Exact);
    let x = x.astype(dtype);
    if broadcast(x.shape(), shape).as_deref() == Some(shape) {
        return (x.broadcast_to(shape), class);
    }
    if x.size() == 0 {
        return (heron::zeros(shape, dtype), class);
    }
    (first(&x).broadcast_to(shape), class)
}

/// The first element of `x` (non-empty) as a 0-d array.
fn first(x: &Array) -> Array {
    if x.size() == 0 {
        return heron::zeros(&[], x.dtype());
    }
    x.flatten().slice([SliceElem::Index(0)])
}

fn at_least_1d(x: &Array) -> Array {
    if x.ndim() == 0 {
        x.reshape(&[1])
    } else {
        x.clone()
    }
}

/// Bools as i32 for the arithmetic ops (bool `+` and `*` are logical in heron).
fn no_bool(x: Array, op: Binary) -> Array {
    let logical = matches!(
        op,
        Binary::And | Binary::Or | Binary::Xor | Binary::Eq | Binary::Ne
    );
    if x.dtype() == DType::Bool && !logical {
        x.astype(DType::I32)
    } else {
        x
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
                Class::Sum { n, abs_sum: abs }
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

/// A reshape picked by `code`: flatten, a new axis, squeeze, or two axes.
fn reshape(x: &Array, code: u8) -> Array {
    let n = x.size();
    match code % 4 {
        0 => x.flatten(),
        1 => x.expand_dims((code / 4) as isize % (x.ndim() as isize + 1)),
        2 => x.squeeze(),
        _ => {
            let divisors: Vec<usize> = (1..=n.min(64)).filter(|&d| n.is_multiple_of(d)).collect();
            if divisors.is_empty() {
                return x.flatten();
            }
            let d = divisors[(code / 4) as usize % divisors.len()];
            x.reshape(&[d as isize, (n / d) as isize])
        }
    }
}

/// The slice `code` describes on an array of `shape`: per axis a range
/// with a step, or (step code 5) one index, which drops the axis.
fn slice_elems(code: &SliceCode, shape: &[usize]) -> Vec<SliceElem> {
    code.0
        .iter()
        .zip(shape)
        .map(|(&(a, b, step), &dim)| {
            if dim == 0 {
                return SliceElem::FULL;
            }
            let (a, b) = (a as usize, b as usize);
            if step == 5 {
                return SliceElem::Index(
                    (a % dim) as isize - if b % 2 == 1 { dim as isize } else { 0 },
                );
            }
            if step > 0 {
                let start = a % (dim + 1);
                let end = start + b % (dim - start + 1);
                SliceElem::Range {
                    start: Some(start as isize),
                    end: Some(end as isize),
                    inclusive: false,
                    step: step as isize,
                }
            } else {
                SliceElem::Range {
                    start: Some((a % dim) as isize),
                    end: None,
                    inclusive: false,
                    step: step as isize,
                }
            }
        })
        .collect()
}
