//! Tests of the whole pipeline: a snapshot of `optimize` on a small model
//! graph, and the semantic property every pass must keep: on random graphs
//! of element-wise ops over parameters and constants, `eval` gives the same
//! bits before and after `optimize` (any NaN matching any NaN).

use super::testing::*;
use super::{optimize, simplify::simplify};
use crate::verify::verify;
use crate::{BinaryOp, DType, Graph, NodeId, Op, OutputRole, Scalar, Shape, UnaryOp, Value, eval};
use expect_test::expect;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use std::cell::Cell;

#[test]
fn optimize_a_leaky_integrator_step() {
    let mut g = Graph::new();
    let v = g.param(Shape::new(&[4]), DType::F32, crate::ParamRole::Var(0));
    let input = arg(&mut g, &[4], DType::F32);
    let (dt, tau) = (scalar(&mut g, 0.5f32), scalar(&mut g, 10.0f32));
    let one = scalar(&mut g, 1.0f32);
    let rate = binary(&mut g, BinaryOp::Div, dt, tau);
    let scaled = binary(&mut g, BinaryOp::Mul, input, one);
    let leak = binary(&mut g, BinaryOp::Sub, scaled, v);
    let step = binary(&mut g, BinaryOp::Mul, rate, leak);
    let again = binary(&mut g, BinaryOp::Mul, rate, leak);
    let next = binary(&mut g, BinaryOp::Add, v, step);
    let _unused = unary(&mut g, UnaryOp::Exp, next);
    let spike = binary(&mut g, BinaryOp::Gt, next, one);
    g.output(spike, OutputRole::Result(0));
    g.output(again, OutputRole::Result(1));
    g.output(next, OutputRole::VarWrite(0));
    let after = optimize(&g).unwrap();
    expect![[r#"
        { lambda a:f32[4]@var0 b:f32[4] .
          let c:f32[4] = sub b a
              d:f32[4] = mul 0.05:f32 c
              e:f32[4] = add a d
              f:bool[4] = gt e 1.0:f32
          in (f, d, var0 <- e) }"#]]
    .assert_eq(&after.to_text());
}

#[test]
#[cfg(debug_assertions)]
fn optimize_verifies_its_input_in_debug_builds() {
    let mut g = Graph::new();
    let x = arg(&mut g, &[3], DType::F32);
    let e = unary(&mut g, UnaryOp::Exp, x);
    g.output(e, OutputRole::Result(0));
    g.nodes[e].dtype = DType::F64;
    let err = optimize(&g).unwrap_err().to_string();
    assert!(
        err.contains("; error: v1: recorded type f64[3], but exp of (f32[3]) gives f32[3]"),
        "{err}"
    );
}

/// Scalars that exercise the corner cases of the rules.
const SPECIAL: [f32; 9] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.5,
    f32::NAN,
    f32::INFINITY,
    -3.0,
    0.5,
];
const UNARY: [UnaryOp; 8] = [
    UnaryOp::Neg,
    UnaryOp::Abs,
    UnaryOp::Exp,
    UnaryOp::Sqrt,
    UnaryOp::Floor,
    UnaryOp::Not,
    UnaryOp::Square,
    UnaryOp::IsNan,
];
const BINARY: [BinaryOp; 9] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Max,
    BinaryOp::Min,
    BinaryOp::Lt,
    BinaryOp::Or,
    BinaryOp::Eq,
];
const DTYPES: [DType; 4] = [DType::F32, DType::I32, DType::Bool, DType::F64];

/// A random graph from `steps` (each `(kind, a, b, c)` adds at most one
/// node; ill-typed choices add nothing) and its parameter values.
pub(super) fn random_graph(steps: &[(u8, u16, u16, u16)], data: &[f32]) -> (Graph, Vec<Value>) {
    let mut g = Graph::new();
    let x = arg(&mut g, &[2, 3], DType::F32);
    let y = arg(&mut g, &[3], DType::F32);
    let n = arg(&mut g, &[2, 3], DType::I32);
    let b = arg(&mut g, &[1, 3], DType::Bool);
    let v = g.param(Shape::new(&[2, 3]), DType::F32, crate::ParamRole::Var(0));
    let params = vec![
        Value::from_slice(Shape::new(&[2, 3]), &data[0..6]),
        Value::from_slice(Shape::new(&[3]), &data[6..9]),
        Value::from_slice(
            Shape::new(&[2, 3]),
            &data[9..15].iter().map(|&v| v as i32).collect::<Vec<_>>(),
        ),
        Value::from_slice(
            Shape::new(&[1, 3]),
            &data[15..18].iter().map(|&v| v > 0.0).collect::<Vec<_>>(),
        ),
        Value::from_slice(Shape::new(&[2, 3]), &data[18..24]),
    ];
    let mut pool: Vec<NodeId> = vec![x, y, n, b, v];
    for &(kind, a, b, c) in steps {
        let pick = |pool: &[NodeId], k: u16, like: Option<DType>, g: &Graph| {
            let fits: Vec<NodeId> = pool
                .iter()
                .copied()
                .filter(|&i| like.is_none_or(|d| g.nodes[i].dtype == d))
                .collect();
            (!fits.is_empty()).then(|| fits[k as usize % fits.len()])
        };
        let Some(first) = pick(&pool, a, None, &g) else {
            continue;
        };
        let dtype = g.nodes[first].dtype;
        let added = match kind % 7 {
            0 => g.add(Op::Unary(UNARY[b as usize % UNARY.len()]), &[first]),
            1 | 2 => {
                let second = pick(&pool, b, Some(dtype), &g).unwrap_or(first);
                let (l, r) = if c % 2 == 0 {
                    (first, second)
                } else {
                    (second, first)
                };
                g.add(Op::Binary(BINARY[c as usize / 2 % BINARY.len()]), &[l, r])
            }
            3 => match pick(&pool, b, Some(DType::Bool), &g) {
                Some(cond) => {
                    let other = pick(&pool, c, Some(dtype), &g).unwrap_or(first);
                    g.add(Op::Select, &[cond, first, other])
                }
                None => continue,
            },
            4 => g.add(Op::Cast(DTYPES[b as usize % DTYPES.len()]), &[first]),
            5 => {
                let s = Scalar::F32(SPECIAL[b as usize % SPECIAL.len()]);
                let dims: &[usize] = [&[][..], &[3], &[2, 1]][c as usize / 4 % 3];
                let d = DTYPES[c as usize % DTYPES.len()];
                Ok(g.constant(Value::full(Shape::new(dims), d, s)))
            }
            _ => match b % 3 {
                0 => g.add(Op::BroadcastTo(Shape::new(&[2, 3])), &[first]),
                1 => g.add(Op::Reshape(g.nodes[first].shape.clone()), &[first]),
                _ => {
                    let rank = g.nodes[first].shape.rank();
                    g.add(Op::Permute((0..rank).rev().collect()), &[first])
                }
            },
        };
        if let Ok(id) = added {
            pool.push(id);
        }
    }
    for (k, &id) in pool.iter().rev().take(3).enumerate() {
        g.output(id, OutputRole::Result(k as u32));
    }
    let write = pool.iter().rev().find(|&&i| {
        let node = &g.nodes[i];
        node.shape[..] == [2, 3] && node.dtype == DType::F32
    });
    g.output(*write.unwrap_or(&v), OutputRole::VarWrite(0));
    (g, params)
}

/// The elements of a value as comparable bits (every NaN the same).
fn bits(v: &Value) -> Vec<u64> {
    (0..v.buf.len())
        .map(|i| match v.buf.get(i) {
            Scalar::F32(x) if x.is_nan() => u64::MAX,
            Scalar::F64(x) if x.is_nan() => u64::MAX,
            Scalar::F32(x) => x.to_bits() as u64,
            Scalar::F64(x) => x.to_bits(),
            other => other.to_i64() as u64,
        })
        .collect()
}

pub(super) fn data() -> impl Strategy<Value = Vec<f32>> {
    let element = prop_oneof![prop::sample::select(SPECIAL.to_vec()), -4.0f32..4.0];
    prop::collection::vec(element, 24)
}

#[test]
fn optimize_preserves_values() {
    let steps = prop::collection::vec(any::<(u8, u16, u16, u16)>(), 1..14);
    let mut runner = TestRunner::new(ProptestConfig::with_cases(1024));
    let compared = Cell::new(0);
    let result = runner.run(&(steps, data()), |(steps, data)| {
        let (graph, params) = random_graph(&steps, &data);
        let optimized = optimize(&graph).unwrap();
        verify(&optimized).unwrap();
        let once = simplify(&graph).unwrap();
        prop_assert_eq!(simplify(&once).unwrap().to_text(), once.to_text());
        // A graph the interpreter rejects (an op it does not evaluate) is skipped.
        let Ok(before) = eval(&graph, &params) else {
            return Ok(());
        };
        let after = eval(&optimized, &params).unwrap();
        let context = format!("\n{}\n=>\n{}", graph.to_text(), optimized.to_text());
        prop_assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(&after) {
            prop_assert_eq!((&b.shape, b.dtype()), (&a.shape, a.dtype()), "{}", context);
            prop_assert_eq!(bits(b), bits(a), "{}", context);
        }
        compared.set(compared.get() + 1);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        compared.get() >= 512,
        "only {} of 1024 graphs evaluated",
        compared.get()
    );
}

#[test]
fn a_long_whole_1d_sum_is_split_except_in_a_loop_body() {
    let mut g = Graph::new();
    let x = arg(&mut g, &[1 << 20], DType::F32);
    let s = node(
        &mut g,
        Op::Reduce {
            op: crate::ReduceOp::Sum,
            axes: [0].into_iter().collect(),
        },
        &[x],
    );
    g.output(s, OutputRole::Result(0));
    let split = crate::schedule::fuse(&g);
    let kernels: Vec<_> = split.kernels().collect();
    assert_eq!(kernels.len(), 2, "{split}");
    assert_eq!(kernels[0].shape, Shape::new(&[256, 4096]), "{split}");
    // The partial sums stay in f64, the f32 sum's accumulator type.
    let partials = kernels[0].stores[0].buf;
    assert_eq!(split.buffers[partials.index()].dtype, DType::F64, "{split}");
    let body = crate::schedule::fuse_loop_body(&g);
    assert_eq!(body.kernels().count(), 1, "{body}");
}

/// A graph updating Variable `v: f32[8]` and gathering with the argument
/// `idx: i32[2]`: `v + 1` written, then gathered from (`write_first`), or
/// `v + sum(table[idx])` written, the gather coming first.
fn write_and_take(write_first: bool) -> Graph {
    let mut g = Graph::new();
    let v = g.param(Shape::new(&[8]), DType::F32, crate::ParamRole::Var(0));
    let idx = arg(&mut g, &[2], DType::I32);
    if write_first {
        let one = scalar(&mut g, 1.0f32);
        let nv = binary(&mut g, BinaryOp::Add, v, one);
        let y = node(&mut g, Op::Take { axis: 0 }, &[nv, idx]);
        g.output(nv, OutputRole::VarWrite(0));
        g.output(y, OutputRole::Result(0));
    } else {
        let table = vector(&mut g, &[1.0f32, 2.0, 3.0, 4.0]);
        let y = node(&mut g, Op::Take { axis: 0 }, &[table, idx]);
        let s = node(
            &mut g,
            Op::Reduce {
                op: crate::ReduceOp::Sum,
                axes: [0].into_iter().collect(),
            },
            &[y],
        );
        let nv = binary(&mut g, BinaryOp::Add, v, s);
        g.output(nv, OutputRole::VarWrite(0));
    }
    g
}

#[test]
fn a_take_after_an_output_write_can_fail_midway() {
    let plan = crate::schedule::fuse(&write_and_take(true));
    assert!(plan.steps.iter().any(|s| s.can_fail()), "{plan}");
    assert!(plan.can_fail_after_writing_outputs(), "{plan}");
}

#[test]
fn a_take_before_every_output_write_cannot_fail_midway() {
    let plan = crate::schedule::fuse(&write_and_take(false));
    assert!(plan.steps.iter().any(|s| s.can_fail()), "{plan}");
    assert!(!plan.can_fail_after_writing_outputs(), "{plan}");
}

#[test]
fn control_ops_can_fail_when_a_sub_graph_holds_a_take() {
    let body = |with_take: bool| {
        let mut g = Graph::new();
        let x = arg(&mut g, &[4], DType::F32);
        let y = if with_take {
            let idx = vector(&mut g, &[3i32, 0, 1, 2]);
            node(&mut g, Op::Take { axis: 0 }, &[x, idx])
        } else {
            unary(&mut g, UnaryOp::Neg, x)
        };
        g.output(y, OutputRole::Result(0));
        crate::control::Body::new(g)
    };
    assert!(Op::Take { axis: 0 }.can_fail_at_run_time());
    assert!(!Op::Unary(UnaryOp::Exp).can_fail_at_run_time());
    let cond = |t: bool, e: bool| Op::Cond {
        then: body(t),
        else_: body(e),
    };
    assert!(!cond(false, false).can_fail_at_run_time());
    assert!(cond(false, true).can_fail_at_run_time());
    let nested = Op::Loop {
        body: {
            let mut g = Graph::new();
            let _index = arg(&mut g, &[], DType::I32);
            let pred = arg(&mut g, &[], DType::Bool);
            let x = arg(&mut g, &[4], DType::F32);
            let c = node(&mut g, cond(true, false), &[pred, x]);
            let y = node(&mut g, Op::Project(0), &[c]);
            g.output(y, OutputRole::Result(0));
            crate::control::Body::new(g)
        },
        start: 0,
        trip: 2,
        n_carry: 0,
        n_xs: 0,
    };
    assert!(nested.can_fail_at_run_time());
}
