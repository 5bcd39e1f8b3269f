//! The inverse error function as array operations, with the polynomials XLA
//! uses (M. Giles, "Approximating the erfinv function", GPU Computing Gems,
//! 2011): one single-precision pair of branches for f32, three branches for
//! f64. Written with `select` rather than control flow, so it traces.
//!
//! XLA on a CPU contracts each polynomial step into a fused multiply-add and
//! has its own `log1p`; heron rounds each step separately, so results agree
//! with JAX's to a few ulps rather than bit for bit.

use super::prim::{bin, lit_as, select, un};
use crate::array::Array;
use heron_ir::{BinaryOp, DType, UnaryOp};

/// Giles' single-precision coefficients for `w < 5` (`w = -ln(1 - x²)`),
/// highest degree first.
pub const F32_W_LT_5: [f64; 9] = [
    2.810_226_36e-08,
    3.432_739_39e-07,
    -3.523_387_7e-06,
    -4.391_506_54e-06,
    0.000_218_580_87,
    -0.001_253_725_03,
    -0.004_177_681_64,
    0.246_640_727,
    1.501_409_41,
];

/// Giles' single-precision coefficients for `w >= 5`, highest degree first.
pub const F32_W_GE_5: [f64; 9] = [
    -0.000_200_214_257,
    0.000_100_950_558,
    0.001_349_343_22,
    -0.003_673_428_44,
    0.005_739_507_73,
    -0.007_622_461_3,
    0.009_438_870_47,
    1.001_674_06,
    2.832_976_82,
];

#[allow(clippy::excessive_precision)]
const F64_W_LT_6_25: [f64; 23] = [
    -3.6444120640178196996e-21,
    -1.685059138182016589e-19,
    1.2858480715256400167e-18,
    1.115787767802518096e-17,
    -1.333171662854620906e-16,
    2.0972767875968561637e-17,
    6.6376381343583238325e-15,
    -4.0545662729752068639e-14,
    -8.1519341976054721522e-14,
    2.6335093153082322977e-12,
    -1.2975133253453532498e-11,
    -5.4154120542946279317e-11,
    1.051212273321532285e-09,
    -4.1126339803469836976e-09,
    -2.9070369957882005086e-08,
    4.2347877827932403518e-07,
    -1.3654692000834678645e-06,
    -1.3882523362786468719e-05,
    0.0001867342080340571352,
    -0.00074070253416626697512,
    -0.0060336708714301490533,
    0.24015818242558961693,
    1.6536545626831027356,
];

#[allow(clippy::excessive_precision)]
const F64_W_LT_16: [f64; 19] = [
    2.2137376921775787049e-09,
    9.0756561938885390979e-08,
    -2.7517406297064545428e-07,
    1.8239629214389227755e-08,
    1.5027403968909827627e-06,
    -4.013867526981545969e-06,
    2.9234449089955446044e-06,
    1.2475304481671778723e-05,
    -4.7318229009055733981e-05,
    6.8284851459573175448e-05,
    2.4031110387097893999e-05,
    -0.0003550375203628474796,
    0.00095328937973738049703,
    -0.0016882755560235047313,
    0.0024914420961078508066,
    -0.0037512085075692412107,
    0.005370914553590063617,
    1.0052589676941592334,
    3.0838856104922207635,
];

#[allow(clippy::excessive_precision)]
const F64_W_GE_16: [f64; 17] = [
    -2.7109920616438573243e-11,
    -2.5556418169965252055e-10,
    1.5076572693500548083e-09,
    -3.7894654401267369937e-09,
    7.6157012080783393804e-09,
    -1.4960026627149240478e-08,
    2.9147953450901080826e-08,
    -6.7711997758452339498e-08,
    2.2900482228026654717e-07,
    -9.9298272942317002539e-07,
    4.5260625972231537039e-06,
    -1.9681778105531670567e-05,
    7.5995277030017761139e-05,
    -0.00021503011930044477347,
    -0.00013871931833623122026,
    1.0103004648645343977,
    4.8499064014085844221,
];

/// `erfinv(x)` element-wise for an f32 or f64 array `x` in `[-1, 1]`
/// (`±1` give `±inf`).
pub(crate) fn erfinv(x: &Array) -> Array {
    let dtype = x.dtype();
    let c = |v: f64| lit_as(v, dtype);
    let mul = |a: &Array, b: &Array| bin(BinaryOp::Mul, a, b);
    let add = |a: &Array, b: &Array| bin(BinaryOp::Add, a, b);
    let sub = |a: &Array, b: &Array| bin(BinaryOp::Sub, a, b);
    // w = -log1p(-x²)
    let w = un(
        UnaryOp::Neg,
        &un(UnaryOp::Log1p, &mul(&un(UnaryOp::Neg, x), x)),
    );
    let p = match dtype {
        DType::F32 => {
            let lt = bin(BinaryOp::Lt, &w, &c(5.0));
            let coeff = |i: usize| select(&lt, &c(F32_W_LT_5[i]), &c(F32_W_GE_5[i]));
            let t = select(
                &lt,
                &sub(&w, &c(2.5)),
                &sub(&un(UnaryOp::Sqrt, &w), &c(3.0)),
            );
            let mut p = coeff(0);
            for i in 1..9 {
                p = add(&coeff(i), &mul(&p, &t));
            }
            p
        }
        DType::F64 => {
            let lt_6 = bin(BinaryOp::Lt, &w, &c(6.25));
            let lt_16 = bin(BinaryOp::Lt, &w, &c(16.0));
            let coeff = |i: usize| {
                let mut k = c(F64_W_LT_6_25[i]);
                if i < 19 {
                    k = select(&lt_6, &k, &c(F64_W_LT_16[i]));
                }
                if i < 17 {
                    k = select(&lt_16, &k, &c(F64_W_GE_16[i]));
                }
                k
            };
            let offset = select(&lt_16, &c(3.25), &c(5.0));
            let t = select(
                &lt_6,
                &sub(&w, &c(3.125)),
                &sub(&un(UnaryOp::Sqrt, &w), &offset),
            );
            let mut p = coeff(0);
            for i in 1..17 {
                p = add(&coeff(i), &mul(&p, &t));
            }
            for i in 17..19 {
                p = select(&lt_16, &add(&coeff(i), &mul(&p, &t)), &p);
            }
            for i in 19..23 {
                p = select(&lt_6, &add(&coeff(i), &mul(&p, &t)), &p);
            }
            p
        }
        other => panic!("erfinv: expects f32 or f64, not {other}"),
    };
    let edge = bin(BinaryOp::Eq, &un(UnaryOp::Abs, x), &c(1.0));
    select(&edge, &mul(x, &c(f64::INFINITY)), &mul(&p, x))
}
