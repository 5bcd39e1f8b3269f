//! VJP rules of element-wise ops, reductions, cumulative sums and matmul.

use super::helpers::*;
use crate::array::apply;
use crate::{Array, Result};
use heron_ir::{Axes, BinaryOp, Op, ReduceOp, Shape, UnaryOp};

pub(super) fn unary(u: UnaryOp, x: &Array, out: &Array, ct: &Array) -> Result<Option<Array>> {
    use UnaryOp::*;
    let d = x.dtype();
    if !d.is_float() || !out.dtype().is_float() {
        return Ok(None);
    }
    let c = |v: f64| lit(v, d);
    let g = match u {
        Neg => neg(ct)?,
        // +ct at ±0, as JAX (`select(x >= 0, g, -g)`).
        Abs => select_(&bin(BinaryOp::Ge, x, &c(0.0))?, ct, &neg(ct)?)?,
        Sqrt => div(&mul(ct, &c(0.5))?, out)?,
        Rsqrt => mul(ct, &div(&mul(out, &c(-0.5))?, x)?)?,
        Exp => mul(ct, out)?,
        Exp2 => mul(ct, &mul(out, &c(std::f64::consts::LN_2))?)?,
        Expm1 => mul(ct, &add(out, &c(1.0))?)?,
        Log => div(ct, x)?,
        Log2 => div(ct, &mul(x, &c(std::f64::consts::LN_2))?)?,
        Log1p => div(ct, &add(x, &c(1.0))?)?,
        Log10 => div(ct, &mul(x, &c(std::f64::consts::LN_10))?)?,
        Sin => mul(ct, &un(Cos, x)?)?,
        Cos => neg(&mul(ct, &un(Sin, x)?)?)?,
        Tan => mul(ct, &add(&c(1.0), &mul(out, out)?)?)?,
        Tanh => mul(ct, &sub(&c(1.0), &mul(out, out)?)?)?,
        Sinh => mul(ct, &un(Cosh, x)?)?,
        Cosh => mul(ct, &un(Sinh, x)?)?,
        Arcsin => mul(ct, &un(Rsqrt, &sub(&c(1.0), &mul(x, x)?)?)?)?,
        Arccos => neg(&mul(ct, &un(Rsqrt, &sub(&c(1.0), &mul(x, x)?)?)?)?)?,
        Arctan => div(ct, &add(&c(1.0), &mul(x, x)?)?)?,
        Arcsinh => mul(ct, &un(Rsqrt, &add(&mul(x, x)?, &c(1.0))?)?)?,
        Arccosh => mul(ct, &un(Rsqrt, &sub(&mul(x, x)?, &c(1.0))?)?)?,
        Arctanh => div(ct, &sub(&c(1.0), &mul(x, x)?)?)?,
        // 2/√π · exp(−x²).
        Erf => mul(
            ct,
            &mul(
                &c(std::f64::consts::FRAC_2_SQRT_PI),
                &un(Exp, &neg(&mul(x, x)?)?)?,
            )?,
        )?,
        Sigmoid => mul(ct, &mul(out, &sub(&c(1.0), out)?)?)?,
        Square => mul(ct, &mul(x, &c(2.0))?)?,
        Reciprocal => neg(&mul(ct, &mul(out, out)?)?)?,
        // Piecewise constant: a zero gradient, as JAX.
        Sign | Floor | Ceil | Round | Trunc => zeros(x.shape_ref(), d)?,
        IsNan | IsInf | IsFinite | Not => return Ok(None),
    };
    Ok(Some(g))
}

pub(super) fn binary(b: BinaryOp, x: &Array, y: &Array, out: &Array, ct: &Array) -> Result<Cts> {
    use BinaryOp::*;
    let d = x.dtype();
    if !d.is_float() || !out.dtype().is_float() {
        return Ok(vec![None, None]);
    }
    let c = |v: f64| lit(v, d);
    let (gx, gy) = match b {
        Add => (ct.clone(), ct.clone()),
        Sub => (ct.clone(), neg(ct)?),
        Mul => (mul(ct, y)?, mul(ct, x)?),
        Div => {
            let gx = div(ct, y)?;
            (gx.clone(), neg(&mul(&gx, &div(x, y)?)?)?)
        }
        // NumPy's remainder is x - floor(x / y) * y.
        Rem => (
            ct.clone(),
            neg(&mul(ct, &un(UnaryOp::Floor, &div(x, y)?)?)?)?,
        ),
        Pow => {
            // d/dx = y·x^(y-1); d/dy = log(x)·x^y, 0 where x == 0 (JAX's rules).
            let zero = c(0.0);
            let dx = mul(y, &bin(Pow, x, &sub(y, &c(1.0))?)?)?;
            let dy = mul(&un(UnaryOp::Log, x)?, out)?;
            let dy = select_(&bin(Eq, x, &zero)?, &zero, &dy)?;
            (mul(ct, &dx)?, mul(ct, &dy)?)
        }
        Max | Min => {
            // Ties split the cotangent evenly, as JAX's balanced rule.
            let (ix, iy) = (
                cast_to(&bin(Eq, x, out)?, d)?,
                cast_to(&bin(Eq, y, out)?, d)?,
            );
            let n = add(&ix, &iy)?;
            let n = select_(&bin(Eq, &n, &c(0.0))?, &c(1.0), &n)?;
            let share = div(ct, &n)?;
            (mul(&share, &ix)?, mul(&share, &iy)?)
        }
        Atan2 => {
            let r = add(&mul(x, x)?, &mul(y, y)?)?;
            (mul(ct, &div(y, &r)?)?, neg(&mul(ct, &div(x, &r)?)?)?)
        }
        Hypot => (mul(ct, &div(x, out)?)?, mul(ct, &div(y, out)?)?),
        // Each operand's share of the sum: exp(operand − result).
        Logaddexp => (
            mul(ct, &un(UnaryOp::Exp, &sub(x, out)?)?)?,
            mul(ct, &un(UnaryOp::Exp, &sub(y, out)?)?)?,
        ),
        And | Or | Xor | Eq | Ne | Lt | Le | Gt | Ge => return Ok(vec![None, None]),
    };
    Ok(vec![
        Some(unbroadcast(&gx, x.shape_ref())?),
        Some(unbroadcast(&gy, y.shape_ref())?),
    ])
}

pub(super) fn select(ins: &[Array], ct: &Array) -> Result<Cts> {
    let d = ins[1].dtype();
    if !d.is_float() {
        return Ok(vec![None, None, None]);
    }
    let zero = lit(0.0, d);
    let ga = select_(&ins[0], ct, &zero)?;
    let gb = select_(&ins[0], &zero, ct)?;
    Ok(vec![
        None,
        Some(unbroadcast(&ga, ins[1].shape_ref())?),
        Some(unbroadcast(&gb, ins[2].shape_ref())?),
    ])
}

/// No gradient flows into integers or bools, nor out of them.
pub(super) fn cast(x: &Array, ct: &Array) -> Result<Option<Array>> {
    if !x.dtype().is_float() || !ct.dtype().is_float() {
        return Ok(None);
    }
    Ok(Some(cast_to(ct, x.dtype())?))
}

pub(super) fn reduce(
    op: ReduceOp,
    axes: &[usize],
    x: &Array,
    out: &Array,
    ct: &Array,
) -> Result<Option<Array>> {
    let d = x.dtype();
    if !d.is_float() || !out.dtype().is_float() {
        return Ok(None);
    }
    let shape = x.shape_ref();
    let ctb = expand(ct, axes, shape)?;
    let g = match op {
        ReduceOp::Sum => ctb,
        ReduceOp::Prod => {
            // The product of the other elements, exact with zeros: with no
            // zero it is prod / x; at the single zero it is the product of
            // the rest; with two zeros or more it is 0 everywhere.
            let zero = lit(0.0, d);
            let is0 = bin(BinaryOp::Eq, x, &zero)?;
            let zeros_n = expand(&sum_axes(&cast_to(&is0, d)?, axes)?, axes, shape)?;
            let nz = select_(&is0, &lit(1.0, d), x)?;
            let p = apply(
                Op::Reduce {
                    op: ReduceOp::Prod,
                    axes: Axes::from_slice(axes),
                },
                &[&nz],
            )?;
            let p = expand(&p, axes, shape)?;
            let none = bin(BinaryOp::Eq, &zeros_n, &zero)?;
            let one = bin(BinaryOp::Eq, &zeros_n, &lit(1.0, d))?;
            let at_zero = select_(&one, &p, &zero)?;
            let others = select_(&is0, &at_zero, &zero)?;
            let g = select_(&none, &div(&p, &nz)?, &others)?;
            mul(&ctb, &g)?
        }
        ReduceOp::Max | ReduceOp::Min => {
            // Split evenly among the elements equal to the extremum (JAX).
            let hit = cast_to(&bin(BinaryOp::Eq, x, &expand(out, axes, shape)?)?, d)?;
            let count = expand(&sum_axes(&hit, axes)?, axes, shape)?;
            mul(&div(&ctb, &count)?, &hit)?
        }
        ReduceOp::Any | ReduceOp::All => return Ok(None),
    };
    Ok(Some(g))
}

pub(super) fn cumsum(x: &Array, ct: &Array, axis: usize) -> Result<Option<Array>> {
    if !x.dtype().is_float() {
        return Ok(None);
    }
    let r = apply(Op::Cumsum { axis }, &[&flip(ct, axis)?])?;
    Ok(Some(flip(&r, axis)?))
}

/// NumPy's `matmul`: a 1-d operand is promoted to a row (`a`) or a column
/// (`b`), and leading (batch) axes broadcast; each cotangent is summed over
/// the batch axes its operand was broadcast along.
pub(super) fn matmul(a: &Array, b: &Array, ct: &Array) -> Result<Cts> {
    if !a.dtype().is_float() {
        return Ok(vec![None, None]);
    }
    let shape_with = |x: &Array, pos: usize| {
        let mut s = x.shape().to_vec();
        s.insert(pos, 1);
        Shape::new(&s)
    };
    let pa = if a.ndim() == 1 {
        shape_with(a, 0)
    } else {
        a.shape_ref().clone()
    };
    let pb = if b.ndim() == 1 {
        shape_with(b, 1)
    } else {
        b.shape_ref().clone()
    };
    let (a2, b2) = (reshape(a, &pa)?, reshape(b, &pb)?);
    // The result with the promoted axes put back: [..., m, n].
    let mut out: Vec<usize> = ct.shape().to_vec();
    if a.ndim() == 1 {
        out.insert(out.len() - usize::from(b.ndim() != 1), 1);
    }
    if b.ndim() == 1 {
        out.push(1);
    }
    let ct2 = reshape(ct, &Shape::new(&out))?;
    let swap = |x: &Array| {
        let r = x.ndim();
        let mut perm: Vec<usize> = (0..r).collect();
        perm.swap(r - 2, r - 1);
        apply(Op::Permute(Axes::from_slice(&perm)), &[x])
    };
    let ga = apply(Op::MatMul, &[&ct2, &swap(&b2)?])?;
    let gb = apply(Op::MatMul, &[&swap(&a2)?, &ct2])?;
    let ga = reshape(&unbroadcast(&ga, &pa)?, a.shape_ref())?;
    let gb = reshape(&unbroadcast(&gb, &pb)?, b.shape_ref())?;
    Ok(vec![Some(ga), Some(gb)])
}
