//! Element-wise ops: every unary and binary op on every dtype it accepts,
//! NaN/inf/-0.0 and wrapping edge cases, broadcasting, `where` and `astype`.

use super::{check, check_all, error, run, show, val};
use crate::BinaryOp::*;
use crate::DType::*;
use crate::UnaryOp::*;
use crate::{BinaryOp, Op, UnaryOp, Value};
use std::f64::consts::{FRAC_PI_2, LN_2, LN_10, SQRT_2};

fn bin(op: BinaryOp) -> Op {
    Op::Binary(op)
}

fn un(op: UnaryOp) -> Op {
    Op::Unary(op)
}

#[test]
fn binary_i32_wraps_floors_and_follows_the_divisor_sign() {
    let a = val(&[8], &[7i32, -7, 7, -7, 5, -5, i32::MIN, i32::MAX]);
    let b = val(&[8], &[2i32, 2, -2, -2, 0, 0, -1, 1]);
    check_all(
        &[&a, &b],
        &[
            (
                bin(Add),
                "i32[8] [9, -5, 5, -9, 5, -5, 2147483647, -2147483648]",
            ),
            (
                bin(Sub),
                "i32[8] [5, -9, 9, -5, 5, -5, -2147483647, 2147483646]",
            ),
            (
                bin(Mul),
                "i32[8] [14, -14, -14, 14, 0, 0, -2147483648, 2147483647]",
            ),
            (
                bin(Div),
                "i32[8] [3, -4, -4, 3, 0, 0, -2147483648, 2147483647]",
            ),
            (bin(Rem), "i32[8] [1, 1, -1, -1, 0, 0, 0, 0]"),
            (bin(Max), "i32[8] [7, 2, 7, -2, 5, 0, -1, 2147483647]"),
            (bin(Min), "i32[8] [2, -7, -2, -7, 0, -5, -2147483648, 1]"),
            (bin(And), "i32[8] [2, 0, 6, -8, 0, 0, -2147483648, 1]"),
            (bin(Or), "i32[8] [7, -5, -1, -1, 5, -5, -1, 2147483647]"),
            (
                bin(Xor),
                "i32[8] [5, -5, -7, 7, 5, -5, 2147483647, 2147483646]",
            ),
            (
                bin(Eq),
                "bool[8] [false, false, false, false, false, false, false, false]",
            ),
            (
                bin(Ne),
                "bool[8] [true, true, true, true, true, true, true, true]",
            ),
            (
                bin(Lt),
                "bool[8] [false, true, false, true, false, true, true, false]",
            ),
            (
                bin(Le),
                "bool[8] [false, true, false, true, false, true, true, false]",
            ),
            (
                bin(Gt),
                "bool[8] [true, false, true, false, true, false, false, true]",
            ),
            (
                bin(Ge),
                "bool[8] [true, false, true, false, true, false, false, true]",
            ),
        ],
    );
    let a = val(&[8], &[2i32, 1, -1, -1, 0, 3, -2, 5]);
    let b = val(&[8], &[-1i32, -3, -3, -2, -1, 40, 3, 0]);
    check_all(
        &[&a, &b],
        &[(bin(Pow), "i32[8] [0, 1, -1, 1, 0, 689956897, -8, 1]")],
    );
}

#[test]
fn binary_i64_and_u32() {
    let a = val(&[4], &[i64::MAX, -7, 3, i64::MIN]);
    let b = val(&[4], &[1i64, 2, 40, -1]);
    check_all(
        &[&a, &b],
        &[
            (
                bin(Add),
                "i64[4] [-9223372036854775808, -5, 43, 9223372036854775807]",
            ),
            (
                bin(Sub),
                "i64[4] [9223372036854775806, -9, -37, -9223372036854775807]",
            ),
            (
                bin(Mul),
                "i64[4] [9223372036854775807, -14, 120, -9223372036854775808]",
            ),
            (
                bin(Div),
                "i64[4] [9223372036854775807, -4, 0, -9223372036854775808]",
            ),
            (bin(Rem), "i64[4] [0, 1, 3, 0]"),
            (
                bin(Pow),
                "i64[4] [9223372036854775807, 49, -6289078614652622815, 0]",
            ),
            (bin(Max), "i64[4] [9223372036854775807, 2, 40, -1]"),
            (bin(Lt), "bool[4] [false, true, true, true]"),
        ],
    );
    let a = val(&[4], &[7u32, 0, 5, u32::MAX]);
    let b = val(&[4], &[2u32, 3, 0, 1]);
    check_all(
        &[&a, &b],
        &[
            (bin(Add), "u32[4] [9, 3, 5, 0]"),
            (bin(Sub), "u32[4] [5, 4294967293, 5, 4294967294]"),
            (bin(Mul), "u32[4] [14, 0, 0, 4294967295]"),
            (bin(Div), "u32[4] [3, 0, 0, 4294967295]"),
            (bin(Rem), "u32[4] [1, 0, 0, 0]"),
            (bin(Pow), "u32[4] [49, 0, 1, 4294967295]"),
            (bin(Max), "u32[4] [7, 3, 5, 4294967295]"),
            (bin(Min), "u32[4] [2, 0, 0, 1]"),
            (bin(Xor), "u32[4] [5, 3, 5, 4294967294]"),
            (bin(Gt), "bool[4] [true, false, true, true]"),
        ],
    );
}

#[test]
fn binary_floats_follow_ieee_and_numpy() {
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    let a = val(
        &[12],
        &[
            5.0f32, -5.0, 5.0, -5.0, 0.0, -0.0, 3.0, inf, -1.0, 1.0, nan, 2.0,
        ],
    );
    let b = val(
        &[12],
        &[
            3.0f32, 3.0, -3.0, -3.0, 3.0, 3.0, 0.0, 2.0, inf, -inf, 1.0, nan,
        ],
    );
    check_all(
        &[&a, &b],
        &[
            (
                bin(Add),
                "f32[12] [8.0, -2.0, 2.0, -8.0, 3.0, 3.0, 3.0, inf, inf, -inf, NaN, NaN]",
            ),
            (
                bin(Sub),
                "f32[12] [2.0, -8.0, 8.0, -2.0, -3.0, -3.0, 3.0, inf, -inf, inf, NaN, NaN]",
            ),
            (
                bin(Mul),
                "f32[12] [15.0, -15.0, -15.0, 15.0, 0.0, -0.0, 0.0, inf, -inf, -inf, NaN, NaN]",
            ),
            (
                bin(Div),
                "f32[12] [1.6666666, -1.6666666, -1.6666666, 1.6666666, 0.0, -0.0, inf, inf, -0.0, -0.0, NaN, NaN]",
            ),
            (
                bin(Rem),
                "f32[12] [2.0, 1.0, -1.0, -2.0, 0.0, 0.0, NaN, NaN, inf, -inf, NaN, NaN]",
            ),
            (
                bin(Max),
                "f32[12] [5.0, 3.0, 5.0, -3.0, 3.0, 3.0, 3.0, inf, inf, 1.0, NaN, NaN]",
            ),
            (
                bin(Min),
                "f32[12] [3.0, -5.0, -3.0, -5.0, 0.0, -0.0, 0.0, 2.0, -1.0, -inf, NaN, NaN]",
            ),
            (
                bin(Eq),
                "bool[12] [false, false, false, false, false, false, false, false, false, false, false, false]",
            ),
            (
                bin(Ne),
                "bool[12] [true, true, true, true, true, true, true, true, true, true, true, true]",
            ),
            (
                bin(Lt),
                "bool[12] [false, true, false, true, true, true, false, false, true, false, false, false]",
            ),
            (
                bin(Le),
                "bool[12] [false, true, false, true, true, true, false, false, true, false, false, false]",
            ),
            (
                bin(Gt),
                "bool[12] [true, false, true, false, false, false, true, true, false, true, false, false]",
            ),
            (
                bin(Ge),
                "bool[12] [true, false, true, false, false, false, true, true, false, true, false, false]",
            ),
        ],
    );
    let a = val(&[6], &[2.0f32, -8.0, 0.0, 4.0, nan, 1.0]);
    let b = val(&[6], &[-1.0f32, 3.0, -1.0, 0.5, 0.0, nan]);
    check(
        bin(Pow),
        &[&a, &b],
        "f32[6] [0.5, -512.0, inf, 2.0, 1.0, 1.0]",
    );
    let a = val(&[6], &[0.0f32, -0.0, 1.0, 1.0, nan, 1.0]);
    let b = val(&[6], &[-1.0f32, 1.0, 1.0, 0.0, 0.0, nan]);
    // atan2(1, 1) is the correctly rounded pi/4 (NumPy's f32 loop is one ulp below).
    check(
        bin(Atan2),
        &[&a, &b],
        "f32[6] [3.1415927, -0.0, 0.7853982, 1.5707964, NaN, NaN]",
    );
    let a = val(&[4], &[7.5f64, -0.0, -7.5, f64::NAN]);
    let b = val(&[4], &[2.0f64, -3.0, 2.0, f64::NAN]);
    check_all(
        &[&a, &b],
        &[
            (bin(Add), "f64[4] [9.5, -3.0, -5.5, NaN]"),
            (bin(Div), "f64[4] [3.75, 0.0, -3.75, NaN]"),
            (bin(Rem), "f64[4] [1.5, -0.0, 0.5, NaN]"),
            (bin(Max), "f64[4] [7.5, -0.0, 2.0, NaN]"),
            (bin(Min), "f64[4] [2.0, -3.0, -7.5, NaN]"),
            (bin(Pow), "f64[4] [56.25, -inf, 56.25, NaN]"),
            (bin(Ne), "bool[4] [true, true, true, true]"),
        ],
    );
    let a = val(&[4], &[1.0f64, -1.0, -0.0, f64::INFINITY]);
    let b = val(&[4], &[-1.0f64, 0.0, -3.0, f64::INFINITY]);
    check(
        bin(Atan2),
        &[&a, &b],
        "f64[4] [2.356194490192345, -1.5707963267948966, -3.141592653589793, 0.7853981633974483]",
    );
}

#[test]
fn binary_bool_is_logical() {
    let a = val(&[4], &[false, false, true, true]);
    let b = val(&[4], &[false, true, false, true]);
    check_all(
        &[&a, &b],
        &[
            (bin(And), "bool[4] [false, false, false, true]"),
            (bin(Or), "bool[4] [false, true, true, true]"),
            (bin(Xor), "bool[4] [false, true, true, false]"),
            (bin(Max), "bool[4] [false, true, true, true]"),
            (bin(Min), "bool[4] [false, false, false, true]"),
            (bin(Eq), "bool[4] [true, false, false, true]"),
            (bin(Ne), "bool[4] [false, true, true, false]"),
            (bin(Lt), "bool[4] [false, true, false, false]"),
            (bin(Ge), "bool[4] [true, false, true, true]"),
        ],
    );
}

#[test]
fn unary_integers_wrap() {
    check_all(
        &[&val(&[4], &[-3i32, 0, 5, i32::MIN])],
        &[
            (un(Neg), "i32[4] [3, 0, -5, -2147483648]"),
            (un(Abs), "i32[4] [3, 0, 5, -2147483648]"),
            (un(Sign), "i32[4] [-1, 0, 1, -1]"),
            (un(Square), "i32[4] [9, 0, 25, 0]"),
            (un(Not), "i32[4] [2, -1, -6, 2147483647]"),
            (un(Floor), "i32[4] [-3, 0, 5, -2147483648]"),
            (un(Round), "i32[4] [-3, 0, 5, -2147483648]"),
            (un(IsNan), "bool[4] [false, false, false, false]"),
            (un(IsInf), "bool[4] [false, false, false, false]"),
            (un(IsFinite), "bool[4] [true, true, true, true]"),
        ],
    );
    check_all(
        &[&val(&[3], &[-3i64, 0, i64::MIN])],
        &[
            (un(Neg), "i64[3] [3, 0, -9223372036854775808]"),
            (un(Abs), "i64[3] [3, 0, -9223372036854775808]"),
            (un(Sign), "i64[3] [-1, 0, -1]"),
            (un(Square), "i64[3] [9, 0, 0]"),
            (un(Not), "i64[3] [2, -1, 9223372036854775807]"),
        ],
    );
    check_all(
        &[&val(&[3], &[0u32, 3, u32::MAX])],
        &[
            (un(Neg), "u32[3] [0, 4294967293, 1]"),
            (un(Abs), "u32[3] [0, 3, 4294967295]"),
            (un(Sign), "u32[3] [0, 1, 1]"),
            (un(Square), "u32[3] [0, 9, 1]"),
            (un(Not), "u32[3] [4294967295, 4294967292, 0]"),
            (un(Ceil), "u32[3] [0, 3, 4294967295]"),
        ],
    );
}

#[test]
fn unary_floats_round_half_to_even_and_keep_nan() {
    let (nan, inf) = (f32::NAN, f32::INFINITY);
    check_all(
        &[&val(
            &[9],
            &[-2.5f32, -0.5, -0.0, 0.5, 1.5, 2.5, inf, -inf, nan],
        )],
        &[
            (
                un(Neg),
                "f32[9] [2.5, 0.5, 0.0, -0.5, -1.5, -2.5, -inf, inf, NaN]",
            ),
            (
                un(Abs),
                "f32[9] [2.5, 0.5, 0.0, 0.5, 1.5, 2.5, inf, inf, NaN]",
            ),
            (
                un(Sign),
                "f32[9] [-1.0, -1.0, 0.0, 1.0, 1.0, 1.0, 1.0, -1.0, NaN]",
            ),
            (
                un(Floor),
                "f32[9] [-3.0, -1.0, -0.0, 0.0, 1.0, 2.0, inf, -inf, NaN]",
            ),
            (
                un(Ceil),
                "f32[9] [-2.0, -0.0, -0.0, 1.0, 2.0, 3.0, inf, -inf, NaN]",
            ),
            (
                un(Round),
                "f32[9] [-2.0, -0.0, -0.0, 0.0, 2.0, 2.0, inf, -inf, NaN]",
            ),
            (
                un(Trunc),
                "f32[9] [-2.0, -0.0, -0.0, 0.0, 1.0, 2.0, inf, -inf, NaN]",
            ),
            (
                un(Square),
                "f32[9] [6.25, 0.25, 0.0, 0.25, 2.25, 6.25, inf, inf, NaN]",
            ),
            (
                un(IsNan),
                "bool[9] [false, false, false, false, false, false, false, false, true]",
            ),
            (
                un(IsInf),
                "bool[9] [false, false, false, false, false, false, true, true, false]",
            ),
            (
                un(IsFinite),
                "bool[9] [true, true, true, true, true, true, false, false, false]",
            ),
        ],
    );
    check_all(
        &[&val(&[4], &[-1.5f64, -0.0, 0.5, f64::NAN])],
        &[
            (un(Neg), "f64[4] [1.5, 0.0, -0.5, NaN]"),
            (un(Abs), "f64[4] [1.5, 0.0, 0.5, NaN]"),
            (un(Sign), "f64[4] [-1.0, 0.0, 1.0, NaN]"),
            (un(Floor), "f64[4] [-2.0, -0.0, 0.0, NaN]"),
            (un(Ceil), "f64[4] [-1.0, -0.0, 1.0, NaN]"),
            (un(Round), "f64[4] [-2.0, -0.0, 0.0, NaN]"),
            (un(Trunc), "f64[4] [-1.0, -0.0, 0.0, NaN]"),
            (un(Square), "f64[4] [2.25, 0.0, 0.25, NaN]"),
        ],
    );
}

#[test]
fn unary_bool() {
    check_all(
        &[&val(&[2], &[true, false])],
        &[
            (un(Not), "bool[2] [false, true]"),
            (un(Floor), "bool[2] [true, false]"),
            (un(Round), "bool[2] [true, false]"),
            (un(IsNan), "bool[2] [false, false]"),
            (un(IsInf), "bool[2] [false, false]"),
            (un(IsFinite), "bool[2] [true, true]"),
        ],
    );
}

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

/// Expected values from NumPy in f64, for inputs -0.9, -0.3, 0, 0.4, 0.9, 2.
#[rustfmt::skip]
const TRANSCENDENTAL: &[(UnaryOp, [f64; 6])] = &[
    (Sqrt, [NAN, NAN, 0.0, 0.6324555320336759, 0.9486832980505138, SQRT_2]),
    (Rsqrt, [NAN, NAN, INF, 1.5811388300841895, 1.0540925533894598, 0.7071067811865475]),
    (Exp, [0.4065696597405991, 0.7408182206817179, 1.0, 1.4918246976412703, 2.45960311115695, 7.38905609893065]),
    (Exp2, [0.5358867312681466, 0.8122523963562356, 1.0, 1.3195079107728942, 1.8660659830736148, 4.0]),
    (Expm1, [-0.5934303402594009, -0.2591817793182821, 0.0, 0.49182469764127035, 1.4596031111569496, 6.38905609893065]),
    (Log, [NAN, NAN, -INF, -0.916290731874155, -0.10536051565782628, LN_2]),
    (Log2, [NAN, NAN, -INF, -1.3219280948873622, -0.15200309344504995, 1.0]),
    (Log1p, [-LN_10, -0.35667494393873234, 0.0, 0.33647223662121295, 0.6418538861723948, 1.0986122886681098]),
    (Sin, [-0.7833269096274834, -0.29552020666133955, 0.0, 0.3894183423086505, 0.7833269096274834, 0.9092974268256817]),
    (Cos, [0.6216099682706644, 0.955336489125606, 1.0, 0.9210609940028851, 0.6216099682706644, -0.4161468365471424]),
    (Tan, [-1.2601582175503392, -0.3093362496096232, 0.0, 0.4227932187381618, 1.2601582175503392, -2.185039863261519]),
    (Tanh, [-0.7162978701990245, -0.2913126124515909, 0.0, 0.3799489622552249, 0.7162978701990245, 0.9640275800758169]),
    (Sinh, [-1.0265167257081753, -0.3045202934471426, 0.0, 0.4107523258028155, 1.0265167257081753, 3.6268604078470186]),
    (Cosh, [1.4330863854487743, 1.0453385141288605, 1.0, 1.0810723718384547, 1.4330863854487743, 3.7621956910836314]),
    (Arcsin, [-1.1197695149986342, -0.30469265401539747, 0.0, 0.41151684606748806, 1.1197695149986342, NAN]),
    (Arccos, [2.6905658417935308, 1.8754889808102941, FRAC_PI_2, 1.1592794807274087, 0.45102681179626236, NAN]),
    (Arctan, [-0.7328151017865066, -0.2914567944778671, 0.0, 0.3805063771123649, 0.7328151017865066, 1.1071487177940904]),
    (Sigmoid, [0.289050497374996, 0.425557483188341, 0.5, 0.598687660112452, 0.7109495026250039, 0.8807970779778823]),
    (Reciprocal, [-1.1111111111111112, -3.3333333333333335, INF, 2.5, 1.1111111111111112, 0.5]),
];

fn close(got: f64, want: f64, rtol: f64) -> bool {
    (got.is_nan() && want.is_nan()) || got == want || (got - want).abs() <= rtol * want.abs()
}

#[test]
fn transcendentals_match_numpy_in_both_float_types() {
    let xs = [-0.9f64, -0.3, 0.0, 0.4, 0.9, 2.0];
    let x64 = val(&[6], &xs);
    let x32 = val(&[6], &xs.map(|x| x as f32));
    for &(op, want) in TRANSCENDENTAL {
        let got64 = run(&un(op), &[&x64]).unwrap();
        let got32 = run(&un(op), &[&x32]).unwrap();
        for i in 0..6 {
            let (g64, g32) = (
                got64.as_slice::<f64>()[i],
                got32.as_slice::<f32>()[i] as f64,
            );
            assert!(
                close(g64, want[i], 1e-14),
                "{op:?} f64 at {}: {g64} vs {}",
                xs[i],
                want[i]
            );
            assert!(
                close(g32, want[i], 1e-6),
                "{op:?} f32 at {}: {g32} vs {}",
                xs[i],
                want[i]
            );
        }
    }
}

#[test]
fn sigmoid_is_stable_for_large_magnitudes() {
    let x = val(&[4], &[-80.0f32, 100.0, -1000.0, f32::NAN]);
    let y = run(&un(Sigmoid), &[&x]).unwrap();
    let y = y.as_slice::<f32>();
    // NumPy: 1 / (1 + exp(80)) = 1.8048513878454153e-35.
    assert!(close(y[0] as f64, 1.8048513878454153e-35, 1e-6), "{}", y[0]);
    assert_eq!((y[1], y[2]), (1.0, 0.0));
    assert!(y[3].is_nan());
    let x = val(&[2], &[-800.0f64, 800.0]);
    check(un(Sigmoid), &[&x], "f64[2] [0.0, 1.0]");
}

#[test]
fn casts_truncate_saturate_and_wrap() {
    let (nan, inf) = (f32::NAN, f32::INFINITY);
    let cases: &[(Value, &[(Op, &str)])] = &[
        (
            val(&[7], &[nan, -1.5, 2.7, 3e9, -3e9, -0.0, inf]),
            &[
                (
                    Op::Cast(Bool),
                    "bool[7] [true, true, true, true, true, false, true]",
                ),
                (
                    Op::Cast(I32),
                    "i32[7] [0, -1, 2, 2147483647, -2147483648, 0, 2147483647]",
                ),
                (
                    Op::Cast(I64),
                    "i64[7] [0, -1, 2, 3000000000, -3000000000, 0, 9223372036854775807]",
                ),
                (
                    Op::Cast(U32),
                    "u32[7] [0, 0, 2, 3000000000, 0, 0, 4294967295]",
                ),
                (
                    Op::Cast(F64),
                    "f64[7] [NaN, -1.5, 2.700000047683716, 3000000000.0, -3000000000.0, -0.0, inf]",
                ),
            ],
        ),
        (
            val(&[3], &[1e300f64, -2.5, 16777217.0]),
            &[
                (Op::Cast(I32), "i32[3] [2147483647, -2, 16777217]"),
                (Op::Cast(U32), "u32[3] [4294967295, 0, 16777217]"),
                (Op::Cast(F32), "f32[3] [inf, -2.5, 16777216.0]"),
            ],
        ),
        (
            val(&[4], &[-1i32, 0, 7, i32::MIN]),
            &[
                (Op::Cast(Bool), "bool[4] [true, false, true, true]"),
                (Op::Cast(I64), "i64[4] [-1, 0, 7, -2147483648]"),
                (Op::Cast(U32), "u32[4] [4294967295, 0, 7, 2147483648]"),
                (Op::Cast(F32), "f32[4] [-1.0, 0.0, 7.0, -2147483600.0]"),
                (Op::Cast(F64), "f64[4] [-1.0, 0.0, 7.0, -2147483648.0]"),
            ],
        ),
        (
            val(
                &[3],
                &[(1i64 << 53) + 1, -(1i64 << 40) - 3, (1i64 << 32) + 5],
            ),
            &[
                (Op::Cast(I32), "i32[3] [1, -3, 5]"),
                (Op::Cast(U32), "u32[3] [1, 4294967293, 5]"),
                (
                    Op::Cast(F32),
                    "f32[3] [9007199000000000.0, -1099511600000.0, 4294967300.0]",
                ),
                (
                    Op::Cast(F64),
                    "f64[3] [9007199254740992.0, -1099511627779.0, 4294967301.0]",
                ),
            ],
        ),
        (
            val(&[3], &[u32::MAX, 0, 16777217]),
            &[
                (Op::Cast(I32), "i32[3] [-1, 0, 16777217]"),
                (Op::Cast(I64), "i64[3] [4294967295, 0, 16777217]"),
                (Op::Cast(F32), "f32[3] [4294967300.0, 0.0, 16777216.0]"),
                (Op::Cast(Bool), "bool[3] [true, false, true]"),
            ],
        ),
        (
            val(&[2], &[true, false]),
            &[
                (Op::Cast(I32), "i32[2] [1, 0]"),
                (Op::Cast(U32), "u32[2] [1, 0]"),
                (Op::Cast(F32), "f32[2] [1.0, 0.0]"),
                (Op::Cast(F64), "f64[2] [1.0, 0.0]"),
                (Op::Cast(I64), "i64[2] [1, 0]"),
            ],
        ),
    ];
    for (x, table) in cases {
        check_all(&[x], table);
    }
    let x = val(&[2], &[1.5f32, 2.0]);
    let same = run(&Op::Cast(F32), &[&x]).unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&same.buf, &x.buf),
        "a cast to the same dtype shares the buffer"
    );
}

#[test]
fn binary_broadcasts_like_numpy() {
    let m = val(&[2, 3], &[0i32, 1, 2, 3, 4, 5]);
    let row = val(&[3], &[10i32, 20, 30]);
    let col = val(&[2, 1], &[100i32, 200]);
    let s = val(&[], &[1i32]);
    let empty = val(&[0, 3], &[] as &[i32]);
    let cube = val(&[2, 1, 3], &[1i32, 2, 3, 4, 5, 6]);
    let col4 = val(&[4, 1], &[0i32, 10, 20, 30]);
    let cases: &[(&Value, &Value, &str)] = &[
        (&m, &row, "i32[2, 3] [-10, -19, -28, -7, -16, -25]"),
        (&row, &m, "i32[2, 3] [10, 19, 28, 7, 16, 25]"),
        (&m, &col, "i32[2, 3] [-100, -99, -98, -197, -196, -195]"),
        (&col, &row, "i32[2, 3] [90, 80, 70, 190, 180, 170]"),
        (&s, &m, "i32[2, 3] [1, 0, -1, -2, -3, -4]"),
        (&s, &s, "i32[] [0]"),
        (&empty, &row, "i32[0, 3] []"),
        (
            &cube,
            &col4,
            "i32[2, 4, 3] [1, 2, 3, -9, -8, -7, -19, -18, -17, -29, -28, -27, \
             4, 5, 6, -6, -5, -4, -16, -15, -14, -26, -25, -24]",
        ),
    ];
    for (a, b, want) in cases {
        check(bin(Sub), &[a, b], want);
    }
    let err = error(&bin(Add), &[&m, &val(&[4], &[0i32; 4])]);
    assert_eq!(err, "add: cannot broadcast [2, 3] with [4]");
}

#[test]
fn where_broadcasts_all_three_operands() {
    let cond = val(&[2, 1], &[true, false]);
    let a = val(&[3], &[1.0f32, 2.0, 3.0]);
    let b = val(&[], &[-1.0f32]);
    check(
        Op::Select,
        &[&cond, &a, &b],
        "f32[2, 3] [1.0, 2.0, 3.0, -1.0, -1.0, -1.0]",
    );
    let c = val(&[3], &[true, false, true]);
    let x = val(&[3], &[1i64, 2, 3]);
    let y = val(&[3], &[7i64, 8, 9]);
    check(Op::Select, &[&c, &x, &y], "i64[3] [1, 8, 3]");
    let e = val(&[0], &[] as &[bool]);
    check(Op::Select, &[&e, &b, &b], "f32[0] []");
    let err = error(&Op::Select, &[&val(&[1], &[1i32]), &x, &y]);
    assert_eq!(err, "where: condition must be bool, not i32");
}

#[test]
fn dtype_errors_name_the_op() {
    let f = val(&[1], &[1.0f32]);
    let b = val(&[1], &[true]);
    let i = val(&[1], &[1i32]);
    let cases: &[(Op, &[&Value], &str)] = &[
        (un(Not), &[&f], "not: unsupported dtype f32"),
        (un(Exp), &[&i], "exp: unsupported dtype i32"),
        (un(Neg), &[&b], "neg: unsupported dtype bool"),
        (bin(And), &[&f, &f], "and: unsupported dtype f32"),
        (bin(Add), &[&b, &b], "add: unsupported dtype bool"),
        (
            bin(Add),
            &[&f, &i],
            "add: operand dtypes differ: f32 and i32 (promote first)",
        ),
    ];
    for (op, inputs, want) in cases {
        assert_eq!(error(op, inputs), *want);
    }
}

#[test]
fn zero_d_operands_give_zero_d_results() {
    let x = val(&[], &[-2.5f64]);
    assert_eq!(show(&run(&un(Abs), &[&x]).unwrap()), "f64[] [2.5]");
    assert_eq!(show(&run(&bin(Mul), &[&x, &x]).unwrap()), "f64[] [6.25]");
    assert_eq!(show(&run(&Op::Cast(I32), &[&x]).unwrap()), "i32[] [-2]");
    let e = val(&[2, 0], &[] as &[f32]);
    assert_eq!(show(&run(&un(Exp), &[&e]).unwrap()), "f32[2, 0] []");
    let s = val(&[], &[1.0f32]);
    assert_eq!(show(&run(&bin(Lt), &[&e, &s]).unwrap()), "bool[2, 0] []");
}
