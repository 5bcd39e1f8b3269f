//! Builds a `Program` from unstructured bytes (`arbitrary::Unstructured`):
//! the fuzz target feeds it libFuzzer's input, the test a seeded stream.
//!
//! Extents are drawn around the vector widths (1..=9, 15..=17, 31..=33,
//! 63..=65: one f64x2 or f32x4 vector, the unrolled bodies of 2 and 4
//! vectors, and one more or less), sometimes 0, and rarely large enough that
//! a launch crosses the parallel threshold (`PARALLEL_WORK`, 2^18 elements,
//! in `heron-codegen/src/run/executable.rs`) and a reduction is split
//! (`SPLIT_FROM`, the same count, in `heron-ir/src/passes/fuse.rs`).

use crate::program::{
    BINARY, DRAWS, Data, Expr, Lit, Program, REDUCTIONS, Ref, SPARSE, SliceCode, Stmt, UNARY,
};
use arbitrary::{Result, Unstructured};
use heron::DType;

/// Launches of this many elements run in parallel chunks (a copy of the
/// backend's `PARALLEL_WORK`).
pub const PARALLEL_ELEMENTS: usize = 1 << 18;

/// Limits of a generated program.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Statements per block at most.
    pub stmts: usize,
    /// Whether an argument may be large enough to run in parallel chunks.
    pub large: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            stmts: 14,
            large: true,
        }
    }
}

const DTYPES: [DType; 6] = [
    DType::F32,
    DType::F64,
    DType::I32,
    DType::I64,
    DType::U32,
    DType::Bool,
];

/// A program drawn from `u`.
pub fn program(u: &mut Unstructured<'_>, limits: Limits) -> Result<Program> {
    let base = base_shape(u, limits)?;
    let n_args = u.int_in_range(1..=3)?;
    let mut args = Vec::with_capacity(n_args);
    for _ in 0..n_args {
        let shape = derived_shape(u, &base)?;
        args.push(data(u, shape)?);
    }
    let n_vars = u.int_in_range(0..=2)?;
    let mut vars = Vec::with_capacity(n_vars);
    for _ in 0..n_vars {
        // Variables of the arguments' shapes (so that loops over them cross
        // temporal fusion's chunks), but never of the large ones.
        let shape = if base.iter().product::<usize>() <= 40_000 {
            derived_shape(u, &base)?
        } else {
            vec![u.int_in_range(1..=9)?]
        };
        vars.push(data(u, shape)?);
    }
    let seed = u.arbitrary()?;
    let body = block(u, limits.stmts, 2)?;
    let n_results = u.int_in_range(0..=2)?;
    let mut results = Vec::with_capacity(n_results);
    for _ in 0..n_results {
        results.push(operand(u)?);
    }
    let calls = u.int_in_range(1..=2)?;
    Ok(Program {
        args,
        vars,
        seed,
        body,
        results,
        calls,
    })
}

/// One extent: around a vector width, sometimes 0.
fn extent(u: &mut Unstructured<'_>) -> Result<usize> {
    Ok(match u.int_in_range(0..=15)? {
        0 => 0,
        1..=6 => u.int_in_range(1..=9)?,
        7..=9 => u.int_in_range(15..=17)?,
        10..=12 => u.int_in_range(31..=33)?,
        13 => u.int_in_range(63..=65)?,
        _ => u.int_in_range(1..=3)?,
    })
}

/// The shape every argument broadcasts to.
fn base_shape(u: &mut Unstructured<'_>, limits: Limits) -> Result<Vec<usize>> {
    if limits.large && u.ratio(1, 40)? {
        // Just past the parallel threshold, with an odd tail.
        let tail = u.int_in_range(1..=9)?;
        return Ok(if u.arbitrary()? {
            vec![PARALLEL_ELEMENTS + tail]
        } else {
            vec![PARALLEL_ELEMENTS / 64 + tail, 64 + u.int_in_range(0..=1)?]
        });
    }
    let rank = u.int_in_range(0..=3)?;
    let mut shape = Vec::with_capacity(rank);
    for _ in 0..rank {
        shape.push(extent(u)?);
    }
    // Keep the element count moderate.
    while shape.iter().product::<usize>() > 40_000 {
        shape.pop();
    }
    Ok(shape)
}

/// `base` with some axes set to 1 and some leading axes dropped.
fn derived_shape(u: &mut Unstructured<'_>, base: &[usize]) -> Result<Vec<usize>> {
    let drop = u.int_in_range(0..=base.len())?;
    let drop = if u.ratio(2, 3)? { 0 } else { drop };
    let mut shape = Vec::with_capacity(base.len() - drop);
    for &d in &base[drop..] {
        shape.push(if u.ratio(1, 5)? { 1 } else { d });
    }
    Ok(shape)
}

fn data(u: &mut Unstructured<'_>, shape: Vec<usize>) -> Result<Data> {
    Ok(Data {
        shape,
        dtype: *u.choose(&DTYPES)?,
        seed: u.arbitrary()?,
        special: u.ratio(1, 3)?,
    })
}

/// A block of at most `max` statements; `depth` more levels of nesting allowed.
fn block(u: &mut Unstructured<'_>, max: usize, depth: u32) -> Result<Vec<Stmt>> {
    let n = u.int_in_range(1..=max.max(1))?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        if u.is_empty() {
            break;
        }
        out.push(stmt(u, depth)?);
    }
    Ok(out)
}

fn stmt(u: &mut Unstructured<'_>, depth: u32) -> Result<Stmt> {
    let pick = u.int_in_range(0..=99)?;
    let nested = depth > 0;
    Ok(match pick {
        0..=5 if nested => Stmt::Fori {
            start: u.int_in_range(-3..=3)?,
            trip: trip(u)?,
            body: block(u, 4, depth - 1)?,
        },
        6..=8 if nested => Stmt::For {
            xs: operand(u)?,
            body: block(u, 4, depth - 1)?,
        },
        9..=10 if nested => Stmt::While {
            trip: u.int_in_range(0..=3)?,
            body: block(u, 3, depth - 1)?,
        },
        11..=13 if nested => Stmt::Cond {
            pred: operand(u)?,
            like: operand(u)?,
            then: block(u, 3, depth - 1)?,
            else_: block(u, 3, depth - 1)?,
        },
        14..=20 => Stmt::Set {
            var: u.arbitrary()?,
            value: operand(u)?,
        },
        21..=23 => Stmt::SetSlice {
            var: u.arbitrary()?,
            value: operand(u)?,
            slice: slice_code(u)?,
        },
        _ => Stmt::Let(expr(u)?),
    })
}

/// A loop's trip count: mostly small, sometimes long enough to matter.
fn trip(u: &mut Unstructured<'_>) -> Result<u8> {
    Ok(if u.ratio(1, 8)? {
        u.int_in_range(10..=40)?
    } else {
        u.int_in_range(0..=4)?
    })
}

fn slice_code(u: &mut Unstructured<'_>) -> Result<SliceCode> {
    let n = u.int_in_range(0..=3)?;
    let mut axes = Vec::with_capacity(n);
    for _ in 0..n {
        let step = *u.choose(&[1i8, 1, 1, 2, 3, -1, -1, -2, 5])?;
        axes.push((u.arbitrary()?, u.arbitrary()?, step));
    }
    Ok(SliceCode(axes))
}

fn lit(u: &mut Unstructured<'_>) -> Result<Lit> {
    Ok(if u.arbitrary()? {
        Lit::Int(*u.choose(&[0, 1, -1, 2, 3, -7, 100, i32::MAX, i32::MIN])?)
    } else {
        Lit::Float(*u.choose(&[0.0, -0.0, 0.5, -1.5, 2.0, 1e-3, 3.25, 1e30, f64::INFINITY])?)
    })
}

/// An operand: mostly one of the latest values, so that programs chain.
fn operand(u: &mut Unstructured<'_>) -> Result<Ref> {
    if u.ratio(2, 3)? {
        u.int_in_range(0..=3)
    } else {
        u.arbitrary()
    }
}

fn expr(u: &mut Unstructured<'_>) -> Result<Expr> {
    let r = operand;
    Ok(match u.int_in_range(0..=105)? {
        0..=19 => Expr::Unary(*u.choose(&UNARY)?, r(u)?),
        20..=39 => Expr::Binary(*u.choose(&BINARY)?, r(u)?, r(u)?),
        40..=47 => Expr::Scalar(*u.choose(&BINARY)?, r(u)?, lit(u)?, u.arbitrary()?),
        48..=52 => Expr::Where(r(u)?, r(u)?, r(u)?),
        53..=57 => Expr::Cast(*u.choose(&DTYPES)?, r(u)?),
        58..=66 => {
            let axis = if u.ratio(1, 3)? {
                None
            } else {
                Some(u.arbitrary()?)
            };
            Expr::Reduce(*u.choose(&REDUCTIONS)?, r(u)?, axis)
        }
        67..=68 => Expr::Cumsum(r(u)?, u.arbitrary()?),
        69 => Expr::Sort(r(u)?, u.arbitrary()?),
        70 => Expr::Argsort(r(u)?, u.arbitrary()?),
        71..=72 => Expr::Reshape(r(u)?, u.arbitrary()?),
        73..=74 => Expr::Transpose(r(u)?),
        75..=78 => Expr::Slice(r(u)?, slice_code(u)?),
        79..=80 => Expr::Concat(r(u)?, r(u)?, u.arbitrary()?),
        81..=82 => Expr::Take(r(u)?, r(u)?, u.arbitrary()?),
        83..=84 => {
            let n = u.int_in_range(1..=2)?;
            let mut lead = Vec::with_capacity(n);
            for _ in 0..n {
                lead.push(*u.choose(&[1u8, 2, 3, 5])?);
            }
            Expr::Broadcast(r(u)?, lead)
        }
        85..=86 => Expr::MatMul(r(u)?, r(u)?),
        87..=91 => Expr::Draw(*u.choose(&DRAWS)?, r(u)?),
        92..=93 => Expr::Sparse(*u.choose(&SPARSE)?, r(u)?, u.arbitrary()?),
        94..=95 => Expr::TakeFma(r(u)?, r(u)?, r(u)?, u.arbitrary()?),
        100..=101 => Expr::Scatter(r(u)?, r(u)?, r(u)?, u.arbitrary()?),
        102 => Expr::TakeAlong(r(u)?, r(u)?, u.arbitrary()?),
        103 => Expr::SegmentSum(r(u)?, r(u)?, u.arbitrary()?),
        104 => Expr::DynSlice(r(u)?, r(u)?, u.arbitrary()?),
        105 => Expr::DynUpdate(r(u)?, r(u)?, r(u)?),
        _ => Expr::Read(r(u)?),
    })
}
