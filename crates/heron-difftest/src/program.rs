//! A random program as data: its arguments, Variables and statements, and
//! its readable text form (printed when a case fails, so a failure
//! reproduces as a small program).
//!
//! Operands are indices into the values defined so far, taken modulo their
//! number; `run` adapts them where an op needs a particular shape or dtype
//! (broadcasting a mismatched operand, casting bools to integers), the same
//! way on every path, so every program is well-typed.

use heron::DType;
use heron_ir::UnaryOp;
use std::fmt::{self, Write};

/// An operand: which value in scope, counting back from the latest (0),
/// modulo their number.
pub type Ref = u16;

/// The data of an argument or of a Variable's initial value.
#[derive(Clone, Debug)]
pub struct Data {
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its dtype.
    pub dtype: DType,
    /// The seed its elements are drawn from.
    pub seed: u64,
    /// Whether edge values (NaN, ±inf, ±0, extremes) are mixed in.
    pub special: bool,
}

/// A whole program: `f(args) -> results`, touching `vars` and a random state.
#[derive(Clone, Debug)]
pub struct Program {
    /// The arguments.
    pub args: Vec<Data>,
    /// The Variables' initial values.
    pub vars: Vec<Data>,
    /// The seed of the program's `RandomState`.
    pub seed: u64,
    /// The statements.
    pub body: Vec<Stmt>,
    /// The values returned besides the last one defined.
    pub results: Vec<Ref>,
    /// How many times the function is called (the Variables carry over).
    pub calls: u8,
}

/// A statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// Defines a new value.
    Let(Expr),
    /// `vars[var].set(value)` (broadcast and cast to the Variable's type).
    Set {
        /// The Variable.
        var: Ref,
        /// The value written.
        value: Ref,
    },
    /// `vars[var][slice] = value`: the Variable with one region replaced.
    SetSlice {
        /// The Variable.
        var: Ref,
        /// The value written into the region.
        value: Ref,
        /// The region, as for `Expr::Slice`.
        slice: SliceCode,
    },
    /// `fori_loop(start, start + trip, |i| body)`; `i` is the first value of
    /// the body's scope.
    Fori {
        /// The first index.
        start: i8,
        /// The number of iterations.
        trip: u8,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `for_loop(&xs, |row| body)`: the body's last value, stacked, becomes
    /// a value of the enclosing scope; `row` is the first value of the body.
    For {
        /// The value iterated over (along axis 0).
        xs: Ref,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `while counter < trip { counter += 1; body }`, the counter a
    /// Variable reset to 0 first.
    While {
        /// The number of iterations.
        trip: u8,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `cond(pred, then, else)`: each branch's last value, cast and
    /// broadcast to the type of `like`, becomes a value of the enclosing
    /// scope.
    Cond {
        /// The predicate (its first element, as a bool).
        pred: Ref,
        /// The value whose type both branches return.
        like: Ref,
        /// The branch taken when the predicate holds.
        then: Vec<Stmt>,
        /// The other branch.
        else_: Vec<Stmt>,
    },
}

/// A strided slice, one `(start, len, step)` code per axis: `run` maps each
/// code onto the axis it is applied to.
#[derive(Clone, Debug)]
pub struct SliceCode(pub Vec<(u8, u8, i8)>);

/// An expression: one array operation.
#[derive(Clone, Debug)]
pub enum Expr {
    /// An element-wise op of one operand.
    Unary(UnaryOp, Ref),
    /// An element-wise op of two operands (broadcast).
    Binary(Binary, Ref, Ref),
    /// An element-wise op with a weakly typed Rust scalar (on the left when
    /// the flag is set).
    Scalar(Binary, Ref, Lit, bool),
    /// `where_(cond, a, b)`.
    Where(Ref, Ref, Ref),
    /// `astype`.
    Cast(DType, Ref),
    /// A reduction over one axis (modulo the rank) or over all (`None`).
    Reduce(Reduction, Ref, Option<u8>),
    /// `cumsum` along an axis.
    Cumsum(Ref, u8),
    /// `sort` along an axis.
    Sort(Ref, u8),
    /// `argsort` along an axis.
    Argsort(Ref, u8),
    /// A reshape: the elements in another arrangement (code picks which).
    Reshape(Ref, u8),
    /// Reverses the axes.
    Transpose(Ref),
    /// A strided slice.
    Slice(Ref, SliceCode),
    /// Joins two values along an axis (the second adapted to the first).
    Concat(Ref, Ref, u8),
    /// Gathers along an axis with in-range indices made from a value.
    Take(Ref, Ref, u8),
    /// `take(x, indices, axis) * y + y` (`Take`'s gather, `y` fitted to
    /// its result): a gather consumed by element-wise work, which compiled
    /// code fuses into the kernel.
    TakeFma(Ref, Ref, Ref, u8),
    /// Broadcasts to the shape with leading axes of these extents added.
    Broadcast(Ref, Vec<u8>),
    /// Matrix product (rank 1 or 2 operands, the second adapted).
    MatMul(Ref, Ref),
    /// A random draw from the program's `RandomState`, of the shape of a value.
    Draw(Draw, Ref),
    /// A sparse product with a value flattened to 1-d: a random `Csr`
    /// (`conn::fixed_prob` from the seed, per-entry weights) of
    /// `1 + seed % 37` rows or columns against it.
    Sparse(Sparse, Ref, u8),
    /// The current value of a Variable.
    Read(Ref),
    /// `x.at(idx).add(values)` (`.set` for an odd code) with in-range
    /// indices made from a value (counted from the end for a code ≥ 128)
    /// and values fitted to `idx.shape + x.shape[1..]`.
    Scatter(Ref, Ref, Ref, u8),
    /// `take_along_axis` on the axis `code % rank`, with in-range indices
    /// made from a value (counted from the end for a code ≥ 128).
    TakeAlong(Ref, Ref, u8),
    /// `segment_sum` of a value's rows into `1 + code % 8` segments, with
    /// ids made from a value.
    SegmentSum(Ref, Ref, u8),
    /// `dynamic_slice` at starts made from a value (any, clamped), block
    /// extents picked by the code.
    DynSlice(Ref, Ref, u8),
    /// `dynamic_update_slice` of the first value with the second (as a
    /// block that fits), at starts made from the third.
    DynUpdate(Ref, Ref, Ref),
}

/// Element-wise binary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b` (true division: integers become floats).
    Div,
    /// NumPy's remainder.
    Rem,
    /// `a ** b`.
    Pow,
    /// `maximum`.
    Max,
    /// `minimum`.
    Min,
    /// `arctan2`.
    Atan2,
    /// `hypot`.
    Hypot,
    /// `logaddexp`.
    Logaddexp,
    /// Floor division (`floor_divide`; integer `//` for integers).
    FloorDiv,
    /// Logical/bitwise and (floats as i32 first).
    And,
    /// Logical/bitwise or (floats as i32 first).
    Or,
    /// Logical/bitwise xor (floats as i32 first).
    Xor,
    /// `a == b`.
    Eq,
    /// `a != b`.
    Ne,
    /// `a < b`.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
}

/// Reductions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// `sum`.
    Sum,
    /// `mean`.
    Mean,
    /// `prod`.
    Prod,
    /// `max` (`any` over an empty axis).
    Max,
    /// `min` (`any` over an empty axis).
    Min,
    /// `any`.
    Any,
    /// `all`.
    All,
    /// `argmax` (`any` over an empty axis).
    ArgMax,
    /// `argmin` (`any` over an empty axis).
    ArgMin,
}

/// Random draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Draw {
    /// `bits`: raw u32 words.
    Bits,
    /// `uniform(-2, 3)`.
    Uniform,
    /// `normal(0.5, 2)`.
    Normal,
    /// `randint(-5, 17)`.
    Randint,
    /// `bernoulli(0.3)`.
    Bernoulli,
}

/// Sparse products (`heron::sparse::Csr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sparse {
    /// `A·x`.
    MatVec,
    /// `xᵀ·A`.
    VecMat,
    /// `sᵀ·A` for `s = x != 0`.
    EventVecMat,
}

/// Every sparse product, for the generator.
pub const SPARSE: [Sparse; 3] = [Sparse::MatVec, Sparse::VecMat, Sparse::EventVecMat];

/// A literal operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lit {
    /// A weakly typed integer.
    Int(i32),
    /// A weakly typed float.
    Float(f64),
}

/// Every unary op, for the generator.
pub const UNARY: [UnaryOp; UnaryOp::ALL.len()] = UnaryOp::ALL;

/// Every binary op, for the generator.
pub const BINARY: [Binary; 21] = {
    use Binary::*;
    [
        Add, Sub, Mul, Div, Rem, Pow, Max, Min, Atan2, Hypot, Logaddexp, FloorDiv, And, Or, Xor,
        Eq, Ne, Lt, Le, Gt, Ge,
    ]
};

/// Every reduction, for the generator.
pub const REDUCTIONS: [Reduction; 9] = {
    use Reduction::*;
    [Sum, Mean, Prod, Max, Min, Any, All, ArgMax, ArgMin]
};

/// Every random draw, for the generator.
pub const DRAWS: [Draw; 5] = {
    use Draw::*;
    [Bits, Uniform, Normal, Randint, Bernoulli]
};

impl fmt::Display for Program {
    /// The program as text: arguments, Variables, statements with their
    /// operands resolved to value names, results.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = |d: &Data| {
            format!(
                "{}{:?} seed={:#x}{}",
                d.dtype,
                d.shape,
                d.seed,
                if d.special { " +specials" } else { "" }
            )
        };
        for (i, a) in self.args.iter().enumerate() {
            writeln!(f, "arg x{i}: {}", data(a))?;
        }
        for (i, v) in self.vars.iter().enumerate() {
            writeln!(f, "var w{i}: {}", data(v))?;
        }
        writeln!(
            f,
            "random state seed {:#x}; {} call(s)",
            self.seed, self.calls
        )?;
        let mut p = Printer {
            out: String::new(),
            names: (0..self.args.len()).map(|i| format!("x{i}")).collect(),
            next: self.args.len(),
            vars: self.vars.len(),
        };
        p.block(&self.body, 0);
        let mut results: Vec<String> = self.results.iter().map(|&r| p.name(r)).collect();
        results.push(p.name(0));
        write!(f, "{}return ({})", p.out, results.join(", "))
    }
}

/// Writes statements with their operands resolved the way `run` resolves them.
struct Printer {
    out: String,
    names: Vec<String>,
    next: usize,
    vars: usize,
}

impl Printer {
    fn name(&self, r: Ref) -> String {
        if self.names.is_empty() {
            "?".into()
        } else {
            self.names[self.names.len() - 1 - r as usize % self.names.len()].clone()
        }
    }

    fn var(&self, r: Ref) -> String {
        if self.vars == 0 {
            "(no variable)".into()
        } else {
            format!("w{}", r as usize % self.vars)
        }
    }

    fn fresh(&mut self) -> String {
        let n = format!("v{}", self.next);
        self.next += 1;
        self.names.push(n.clone());
        n
    }

    fn block(&mut self, body: &[Stmt], depth: usize) {
        for s in body {
            self.stmt(s, depth);
        }
    }

    /// A nested block: its values go out of scope at its end.
    fn scoped(&mut self, first: Option<&str>, body: &[Stmt], depth: usize) -> String {
        let keep = self.names.len();
        if let Some(name) = first {
            self.names.push(name.to_string());
        }
        self.block(body, depth + 1);
        let last = self.names.last().cloned().unwrap_or_default();
        self.names.truncate(keep);
        last
    }

    fn stmt(&mut self, s: &Stmt, depth: usize) {
        let pad = "  ".repeat(depth);
        match s {
            Stmt::Let(e) => {
                let text = self.expr(e);
                let n = self.fresh();
                let _ = writeln!(self.out, "{pad}{n} = {text}");
            }
            Stmt::Set { var, value } => {
                let _ = writeln!(self.out, "{pad}{} <- {}", self.var(*var), self.name(*value));
            }
            Stmt::SetSlice { var, value, slice } => {
                let _ = writeln!(
                    self.out,
                    "{pad}{}[{}] <- {}",
                    self.var(*var),
                    slice_text(slice),
                    self.name(*value)
                );
            }
            Stmt::Fori { start, trip, body } => {
                let i = format!("i{}", self.next);
                let _ = writeln!(
                    self.out,
                    "{pad}fori {i} in {start}..{} {{",
                    i32::from(*start) + i32::from(*trip)
                );
                self.scoped(Some(&i), body, depth);
                let _ = writeln!(self.out, "{pad}}}");
            }
            Stmt::For { xs, body } => {
                let row = format!("r{}", self.next);
                let _ = writeln!(self.out, "{pad}for {row} in rows({}) {{", self.name(*xs));
                let last = self.scoped(Some(&row), body, depth);
                let n = self.fresh();
                let _ = writeln!(self.out, "{pad}}} -> {n} = stack of {last}");
            }
            Stmt::While { trip, body } => {
                let _ = writeln!(self.out, "{pad}while counter < {trip} {{");
                self.scoped(None, body, depth);
                let _ = writeln!(self.out, "{pad}}}");
            }
            Stmt::Cond {
                pred,
                like,
                then,
                else_,
            } => {
                let (p, l) = (self.name(*pred), self.name(*like));
                let _ = writeln!(self.out, "{pad}cond {p} {{");
                let a = self.scoped(None, then, depth);
                let _ = writeln!(self.out, "{pad}}} else {{");
                let b = self.scoped(None, else_, depth);
                let n = self.fresh();
                let _ = writeln!(self.out, "{pad}}} -> {n} = {a} | {b} as type of {l}");
            }
        }
    }

    fn expr(&self, e: &Expr) -> String {
        let n = |r: &Ref| self.name(*r);
        match e {
            Expr::Unary(u, a) => format!("{}({})", u.name(), n(a)),
            Expr::Binary(b, x, y) => format!("{}({}, {})", lower(b), n(x), n(y)),
            Expr::Scalar(b, x, lit, left) => {
                let l = match lit {
                    Lit::Int(i) => i.to_string(),
                    Lit::Float(f) => format!("{f:?}"),
                };
                if *left {
                    format!("{}({l}, {})", lower(b), n(x))
                } else {
                    format!("{}({}, {l})", lower(b), n(x))
                }
            }
            Expr::Where(c, a, b) => format!("where({}, {}, {})", n(c), n(a), n(b)),
            Expr::Cast(d, x) => format!("astype({}, {d})", n(x)),
            Expr::Reduce(r, x, axis) => match axis {
                Some(ax) => format!("{}({}, axis={ax})", lower(r), n(x)),
                None => format!("{}({})", lower(r), n(x)),
            },
            Expr::Cumsum(x, ax) => format!("cumsum({}, axis={ax})", n(x)),
            Expr::Sort(x, ax) => format!("sort({}, axis={ax})", n(x)),
            Expr::Argsort(x, ax) => format!("argsort({}, axis={ax})", n(x)),
            Expr::Reshape(x, code) => format!("reshape({}, code={code})", n(x)),
            Expr::Transpose(x) => format!("transpose({})", n(x)),
            Expr::Slice(x, s) => format!("{}[{}]", n(x), slice_text(s)),
            Expr::Concat(x, y, ax) => format!("concatenate({}, {}, axis={ax})", n(x), n(y)),
            Expr::Take(x, i, ax) => format!("take({}, indices from {}, axis={ax})", n(x), n(i)),
            Expr::TakeFma(x, i, y, ax) => format!(
                "take({}, indices from {}, axis={ax}) * {y} + {y}",
                n(x),
                n(i),
                y = n(y)
            ),
            Expr::Broadcast(x, lead) => format!("broadcast({}, leading {lead:?})", n(x)),
            Expr::MatMul(x, y) => format!("matmul({}, {})", n(x), n(y)),
            Expr::Draw(d, x) => format!("random.{}(shape of {})", lower(d), n(x)),
            Expr::Sparse(k, x, seed) => format!("csr_{}({}, seed={seed})", lower(k), n(x)),
            Expr::Read(v) => format!("read {}", self.var(*v)),
            Expr::Scatter(x, i, v, code) => format!(
                "{}.at(indices from {}).{}({}) code={code}",
                n(x),
                n(i),
                if code % 2 == 1 { "set" } else { "add" },
                n(v)
            ),
            Expr::TakeAlong(x, i, code) => {
                format!(
                    "take_along_axis({}, indices from {}, code={code})",
                    n(x),
                    n(i)
                )
            }
            Expr::SegmentSum(x, i, code) => {
                format!("segment_sum({}, ids from {}, code={code})", n(x), n(i))
            }
            Expr::DynSlice(x, s, code) => {
                format!("dynamic_slice({}, starts from {}, code={code})", n(x), n(s))
            }
            Expr::DynUpdate(x, u, s) => format!(
                "dynamic_update_slice({}, {}, starts from {})",
                n(x),
                n(u),
                n(s)
            ),
        }
    }
}

fn lower(x: &impl fmt::Debug) -> String {
    format!("{x:?}").to_lowercase()
}

fn slice_text(s: &SliceCode) -> String {
    let parts: Vec<String> = s.0.iter().map(|(a, b, c)| format!("{a}:{b}:{c}")).collect();
    format!("codes {}", parts.join(","))
}
