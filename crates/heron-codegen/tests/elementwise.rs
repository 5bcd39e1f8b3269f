//! Differential tests of element-wise ops: every unary and binary op on
//! every dtype it accepts, casts between all dtypes (NaN and ±inf to
//! integers included) and select, with edge values in the data.

mod common;

use common::{Rng, check, check_with, math_tol};
use heron_ir::{BinaryOp, DType, Graph, Op, OutputRole, ParamRole, Shape, UnaryOp, infer};

const UNARY: [UnaryOp; UnaryOp::ALL.len()] = UnaryOp::ALL;

const BINARY: [BinaryOp; BinaryOp::ALL.len()] = BinaryOp::ALL;

#[test]
fn every_unary_op_on_every_dtype() {
    let mut rng = Rng(7);
    let mut ran = 0;
    for op in UNARY {
        for dtype in DType::ALL {
            let shape = Shape::new(&[37]);
            if infer(&Op::Unary(op), &[(&shape, dtype)]).is_err() {
                continue;
            }
            let mut g = Graph::new();
            let x = g.param(shape.clone(), dtype, ParamRole::Arg(0));
            let y = g.add(Op::Unary(op), &[x]).unwrap();
            g.output(y, OutputRole::Result(0));
            check_with(
                &g,
                &[rng.value(&[37], dtype, true)],
                math_tol(&Op::Unary(op)),
            );
            ran += 1;
        }
    }
    assert!(ran > 80, "only {ran} op/dtype pairs ran");
}

#[test]
fn every_binary_op_on_every_dtype() {
    let mut rng = Rng(11);
    let mut ran = 0;
    for op in BINARY {
        for dtype in DType::ALL {
            let (sa, sb) = (Shape::new(&[6, 7]), Shape::new(&[7]));
            if infer(&Op::Binary(op), &[(&sa, dtype), (&sb, dtype)]).is_err() {
                continue;
            }
            let mut g = Graph::new();
            let a = g.param(sa.clone(), dtype, ParamRole::Arg(0));
            let b = g.param(sb.clone(), dtype, ParamRole::Arg(1));
            let c = g.add(Op::Binary(op), &[a, b]).unwrap();
            g.output(c, OutputRole::Result(0));
            check_with(
                &g,
                &[
                    rng.value(&[6, 7], dtype, true),
                    rng.value(&[7], dtype, true),
                ],
                if dtype.is_float() {
                    math_tol(&Op::Binary(op))
                } else {
                    common::Tol::Exact
                },
            );
            ran += 1;
        }
    }
    assert!(ran > 70, "only {ran} op/dtype pairs ran");
}

#[test]
fn integer_division_edge_cases() {
    for dtype in [DType::I32, DType::I64] {
        let mut g = Graph::new();
        let a = g.param(Shape::new(&[8]), dtype, ParamRole::Arg(0));
        let b = g.param(Shape::new(&[8]), dtype, ParamRole::Arg(1));
        let q = g.add(Op::Binary(BinaryOp::Div), &[a, b]).unwrap();
        let r = g.add(Op::Binary(BinaryOp::Rem), &[a, b]).unwrap();
        g.output(q, OutputRole::Result(0));
        g.output(r, OutputRole::Result(1));
        let (min, cast) = if dtype == DType::I32 {
            (i32::MIN as i64, true)
        } else {
            (i64::MIN, false)
        };
        let xs = [7, -7, 7, -7, min, min, 5, 0];
        let ys = [2, 2, -2, -2, -1, 0, 0, 3];
        let v = |d: &[i64]| {
            if cast {
                heron_ir::Value::from_slice(
                    Shape::new(&[8]),
                    &d.iter().map(|&x| x as i32).collect::<Vec<_>>(),
                )
            } else {
                heron_ir::Value::from_slice(Shape::new(&[8]), d)
            }
        };
        check(&g, &[v(&xs), v(&ys)]);
    }
}

#[test]
fn casts_between_all_dtypes() {
    let mut rng = Rng(3);
    for from in DType::ALL {
        for to in DType::ALL {
            let mut g = Graph::new();
            let x = g.param(Shape::new(&[64]), from, ParamRole::Arg(0));
            let y = g.add(Op::Cast(to), &[x]).unwrap();
            g.output(y, OutputRole::Result(0));
            check(&g, &[rng.value(&[64], from, true)]);
        }
    }
}

#[test]
fn huge_floats_and_nan_saturate_when_cast_to_ints() {
    for to in [DType::I32, DType::I64, DType::U32, DType::Bool] {
        let mut g = Graph::new();
        let x = g.param(Shape::new(&[8]), DType::F64, ParamRole::Arg(0));
        let y = g.add(Op::Cast(to), &[x]).unwrap();
        g.output(y, OutputRole::Result(0));
        let data = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            -1e300,
            -2.7,
            2.7,
            -0.0,
        ];
        check(&g, &[heron_ir::Value::from_slice(Shape::new(&[8]), &data)]);
    }
}

#[test]
fn select_broadcasts_its_three_operands() {
    let mut rng = Rng(5);
    for dtype in DType::ALL {
        let mut g = Graph::new();
        let c = g.param(Shape::new(&[4, 1]), DType::Bool, ParamRole::Arg(0));
        let a = g.param(Shape::new(&[5]), dtype, ParamRole::Arg(1));
        let b = g.param(Shape::new(&[]), dtype, ParamRole::Arg(2));
        let s = g.add(Op::Select, &[c, a, b]).unwrap();
        g.output(s, OutputRole::Result(0));
        check(
            &g,
            &[
                rng.value(&[4, 1], DType::Bool, false),
                rng.value(&[5], dtype, true),
                rng.value(&[], dtype, true),
            ],
        );
    }
}

/// `(-x) / k` by a constant is emitted as `x / (-k)` (one `fneg` fewer),
/// with `eval`'s values: edge values (zeros, infinities, subnormals, NaN),
/// in the vector body and the scalar tail, for a negation whose only use is
/// the quotient (left dead) and for one that is also stored; a negated
/// divisor or a non-constant one is not folded.
#[test]
fn quotient_of_a_negation_by_a_constant_needs_no_negation() {
    let mut rng = Rng(23);
    for dtype in [DType::F32, DType::F64] {
        let k = |g: &mut Graph, v: f64| {
            let s = if dtype == DType::F32 {
                heron_ir::Scalar::F32(v as f32)
            } else {
                heron_ir::Scalar::F64(v)
            };
            g.constant(heron_ir::Value::scalar(s))
        };
        let shape = Shape::new(&[39]);
        let neg = |g: &mut Graph, x| g.add(Op::Unary(UnaryOp::Neg), &[x]).unwrap();
        let div = |g: &mut Graph, a, b| g.add(Op::Binary(BinaryOp::Div), &[a, b]).unwrap();

        // Only quotients by constants: no negation is left.
        let mut g = Graph::new();
        let x = g.param(shape.clone(), dtype, ParamRole::Arg(0));
        let n = neg(&mut g, x);
        let (ten, minus) = (k(&mut g, 10.0), k(&mut g, -0.0));
        let q = div(&mut g, n, ten);
        let r = div(&mut g, n, minus);
        g.output(q, OutputRole::Result(0));
        g.output(r, OutputRole::Result(1));
        let exe = heron_codegen::compile(&g).expect("compiles");
        let clif = exe.clif_text();
        assert_eq!(divided_negations(&clif), 0, "{dtype}:\n{clif}");
        check(&g, &[rng.value(&[39], dtype, true)]);

        // The negation also stored, and divided by a parameter: kept.
        let mut g = Graph::new();
        let x = g.param(shape.clone(), dtype, ParamRole::Arg(0));
        let y = g.param(shape.clone(), dtype, ParamRole::Arg(1));
        let n = neg(&mut g, x);
        let ten = k(&mut g, 18.0);
        let q = div(&mut g, n, ten);
        let r = div(&mut g, n, y);
        let s = div(&mut g, ten, n);
        g.output(n, OutputRole::Result(0));
        g.output(q, OutputRole::Result(1));
        g.output(r, OutputRole::Result(2));
        g.output(s, OutputRole::Result(3));
        let exe = heron_codegen::compile(&g).expect("compiles");
        let clif = exe.clif_text();
        assert!(divided_negations(&clif) > 0, "{dtype}:\n{clif}");
        check(
            &g,
            &[rng.value(&[39], dtype, true), rng.value(&[39], dtype, true)],
        );
    }
}

/// How many `fdiv`s of `clif` divide a value defined by `fneg` (the text is
/// the IR as emitted, so a negation left unused is still listed).
fn divided_negations(clif: &str) -> usize {
    let negations: Vec<&str> = clif
        .lines()
        .filter_map(|l| {
            let (lhs, rhs) = l.trim().split_once(" = ")?;
            rhs.starts_with("fneg").then_some(lhs)
        })
        .collect();
    clif.lines()
        .filter_map(|l| l.split_once(" = fdiv "))
        .filter(|(_, args)| {
            let num = args.split(',').next().unwrap_or("").trim();
            negations.contains(&num)
        })
        .count()
}
