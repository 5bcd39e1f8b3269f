//! Differentiable programs: random smooth expressions of one f64 vector
//! `x` (element-wise math, broadcasting against reductions, cumulative
//! sums, sorts, reversals, selects, `fori_loop`s carrying a Variable and
//! `cond`s), whose gradient `hn::grad` computes eagerly and under `jit`;
//! [`check_grad`] compares both with f64 central finite differences of the
//! same expression evaluated eagerly.
//!
//! Expressions keep their values bounded (`exp` of a `tanh`, quotients by
//! `1 + b²`, logarithms of `1 + a²`), so no case overflows; kinks (`max`,
//! `sort`, `where`) are met with probability ~1e-6 by random inputs.

use arbitrary::{Result, Unstructured};
use heron::prelude::*;
use heron::{self as hn};
use std::fmt;

/// Elements of `x`.
pub const N: usize = 6;

/// A differentiable expression over `x` (and a loop's carry).
#[derive(Clone, Debug)]
pub enum GExpr {
    /// The input.
    X,
    /// The carried value inside a loop body (`x` outside one).
    Carry,
    /// A constant vector `c · [1, 2, …, N] / N`.
    Const(f64),
    /// An element-wise function.
    Unary(GUnary, Box<GExpr>),
    /// `a + b`, `a − b`, `a · b`, `a / (1 + b²)`.
    Binary(GBinary, Box<GExpr>, Box<GExpr>),
    /// The sum (0-d), broadcast back against the other operand when used.
    Sum(Box<GExpr>),
    /// The maximum (0-d).
    Max(Box<GExpr>),
    /// Cumulative sum.
    Cumsum(Box<GExpr>),
    /// Sorted ascending.
    Sort(Box<GExpr>),
    /// Reversed.
    Flip(Box<GExpr>),
    /// `where(a > 0, b, c)`.
    Where(Box<GExpr>, Box<GExpr>, Box<GExpr>),
    /// `fori_loop` of `trips` steps: the carry starts at `init`, each step
    /// sets it to `body` (which reads `Carry`); the result is the carry.
    Loop(u8, Box<GExpr>, Box<GExpr>),
    /// `cond(sum(p) > 0, a, b)`.
    Cond(Box<GExpr>, Box<GExpr>, Box<GExpr>),
}

/// The element-wise functions of [`GExpr::Unary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GUnary {
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Arctan,
    ExpTanh,
    Log1pSquare,
    SqrtOnePlusSquare,
    Neg,
}

/// The binary ops of [`GExpr::Binary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GBinary {
    Add,
    Sub,
    Mul,
    SafeDiv,
}

const UNARY: [GUnary; 9] = [
    GUnary::Sin,
    GUnary::Cos,
    GUnary::Tanh,
    GUnary::Sigmoid,
    GUnary::Arctan,
    GUnary::ExpTanh,
    GUnary::Log1pSquare,
    GUnary::SqrtOnePlusSquare,
    GUnary::Neg,
];

const BINARY: [GBinary; 4] = [GBinary::Add, GBinary::Sub, GBinary::Mul, GBinary::SafeDiv];

/// A random expression of at most `depth` levels.
pub fn expr(u: &mut Unstructured<'_>, depth: u32, in_loop: bool) -> Result<GExpr> {
    let b = |e: GExpr| Box::new(e);
    if depth == 0 {
        return Ok(match u.int_in_range(0..=3)? {
            0 => GExpr::Const(u.int_in_range(-20..=20)? as f64 / 10.0),
            1 if in_loop => GExpr::Carry,
            _ => GExpr::X,
        });
    }
    let d = depth - 1;
    Ok(match u.int_in_range(0..=12)? {
        0..=2 => GExpr::Unary(*u.choose(&UNARY)?, b(expr(u, d, in_loop)?)),
        3..=5 => GExpr::Binary(
            *u.choose(&BINARY)?,
            b(expr(u, d, in_loop)?),
            b(expr(u, d, in_loop)?),
        ),
        6 => GExpr::Sum(b(expr(u, d, in_loop)?)),
        7 => GExpr::Max(b(expr(u, d, in_loop)?)),
        8 => GExpr::Cumsum(b(expr(u, d, in_loop)?)),
        9 => GExpr::Sort(b(expr(u, d, in_loop)?)),
        10 => GExpr::Flip(b(expr(u, d, in_loop)?)),
        11 => GExpr::Where(
            b(expr(u, d, in_loop)?),
            b(expr(u, d, in_loop)?),
            b(expr(u, d, in_loop)?),
        ),
        _ if in_loop => GExpr::Unary(GUnary::Tanh, b(expr(u, d, in_loop)?)),
        _ => match u.int_in_range(0..=1)? {
            0 => GExpr::Loop(
                u.int_in_range(0..=4)?,
                b(expr(u, d, false)?),
                b(expr(u, d.min(2), true)?),
            ),
            _ => GExpr::Cond(
                b(expr(u, d, false)?),
                b(expr(u, d, false)?),
                b(expr(u, d, false)?),
            ),
        },
    })
}

/// Evaluates `e` with heron's array API (eagerly or while tracing).
pub fn eval(e: &GExpr, x: &Array, carry: &Array) -> Array {
    let ev = |e: &GExpr| eval(e, x, carry);
    match e {
        GExpr::X => x.clone(),
        GExpr::Carry => carry.clone(),
        GExpr::Const(c) => hn::linspace(*c / N as f64, *c, N).astype(DType::F64),
        GExpr::Unary(f, a) => {
            let a = ev(a);
            match f {
                GUnary::Sin => a.sin(),
                GUnary::Cos => a.cos(),
                GUnary::Tanh => a.tanh(),
                GUnary::Sigmoid => a.sigmoid(),
                GUnary::Arctan => a.arctan(),
                GUnary::ExpTanh => a.tanh().exp(),
                GUnary::Log1pSquare => (&a * &a).log1p(),
                GUnary::SqrtOnePlusSquare => (&a * &a + 1.0).sqrt(),
                GUnary::Neg => -a,
            }
        }
        GExpr::Binary(op, a, c) => {
            let (a, c) = (ev(a), ev(c));
            match op {
                GBinary::Add => a + c,
                GBinary::Sub => a - c,
                GBinary::Mul => a * c,
                GBinary::SafeDiv => a / (&c * &c + 1.0),
            }
        }
        GExpr::Sum(a) => ev(a).sum() + x * 0.5,
        GExpr::Max(a) => x * ev(a).max(),
        GExpr::Cumsum(a) => ev(a).cumsum(0) * 0.3,
        GExpr::Sort(a) => ev(a).sort(0),
        GExpr::Flip(a) => ev(a).slice(hn::s![..;-1]),
        GExpr::Where(p, a, c) => hn::where_(ev(p).gt(0.0), ev(a), ev(c)),
        GExpr::Loop(trips, init, body) => {
            let state = Variable::new(hn::zeros(&[N], DType::F64));
            state.set(ev(init));
            let body = (**body).clone();
            let xx = x.clone();
            hn::fori_loop(0, *trips as i32, |_| {
                let c = state.value();
                state.set(eval(&body, &xx, &c));
            });
            state.value()
        }
        GExpr::Cond(p, a, c) => {
            let (a, c) = ((**a).clone(), (**c).clone());
            let (x1, x2) = (x.clone(), x.clone());
            let (c1, c2) = (carry.clone(), carry.clone());
            hn::cond(
                ev(p).sum().gt(0.0),
                move || eval(&a, &x1, &c1),
                move || eval(&c, &x2, &c2),
            )
        }
    }
}

impl fmt::Display for GExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GExpr::X => f.write_str("x"),
            GExpr::Carry => f.write_str("carry"),
            GExpr::Const(c) => write!(f, "const({c})"),
            GExpr::Unary(u, a) => write!(f, "{u:?}({a})"),
            GExpr::Binary(op, a, b) => write!(f, "{op:?}({a}, {b})"),
            GExpr::Sum(a) => write!(f, "sum({a}) + x/2"),
            GExpr::Max(a) => write!(f, "x * max({a})"),
            GExpr::Cumsum(a) => write!(f, "cumsum({a}) * 0.3"),
            GExpr::Sort(a) => write!(f, "sort({a})"),
            GExpr::Flip(a) => write!(f, "flip({a})"),
            GExpr::Where(p, a, b) => write!(f, "where({p} > 0, {a}, {b})"),
            GExpr::Loop(t, i, b) => write!(f, "loop[{t}](init {i}; carry = {b})"),
            GExpr::Cond(p, a, b) => write!(f, "cond(sum({p}) > 0, {a}, {b})"),
        }
    }
}

/// Checks `grad` of `sum(e(x) · w)` at `x` against f64 central finite
/// differences, eagerly and under `jit`; `Err` names the expression and
/// the element that differs.
pub fn check_grad(e: &GExpr, x: &[f64]) -> std::result::Result<(), String> {
    let xa = Array::from_vec(x.to_vec(), &[N]);
    let w = hn::linspace(0.5, 1.5, N).astype(DType::F64);
    let e2 = e.clone();
    let w2 = w.clone();
    let loss = move |x: Array| (eval(&e2, &x, &x) * &w2).sum();
    let g = hn::grad(loss.clone())(xa.clone()).to_vec::<f64>();
    let gj = hn::jit(hn::grad(loss.clone())).call(&xa).to_vec::<f64>();
    let h = 1e-6;
    for i in 0..N {
        let at = |d: f64| {
            let mut p = x.to_vec();
            p[i] += d;
            loss(Array::from_vec(p, &[N])).item::<f64>()
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        let scale = 1.0 + fd.abs();
        if (g[i] - fd).abs() > 1e-5 * scale {
            return Err(format!(
                "{e}: element {i}: grad {}, finite differences {fd}",
                g[i]
            ));
        }
        if (g[i] - gj[i]).abs() > 1e-9 * scale {
            return Err(format!(
                "{e}: element {i}: eager grad {}, jit grad {}",
                g[i], gj[i]
            ));
        }
    }
    Ok(())
}

/// Builds an expression and an input from `bytes` and checks its gradient;
/// `Ok(None)` when the bytes run out first.
pub fn check_grad_bytes(bytes: &[u8]) -> std::result::Result<Option<GExpr>, String> {
    let mut u = Unstructured::new(bytes);
    let Ok(e) = expr(&mut u, 4, false) else {
        return Ok(None);
    };
    let mut x = Vec::with_capacity(N);
    for i in 0..N {
        let Ok(v) = u.int_in_range(-1000i32..=1000) else {
            return Ok(None);
        };
        // Distinct elements (no ties for `sort` and `max`), none near 0.
        x.push(v as f64 / 600.0 + 0.001 + i as f64 * 1e-4);
    }
    check_grad(&e, &x).map(|()| Some(e))
}
