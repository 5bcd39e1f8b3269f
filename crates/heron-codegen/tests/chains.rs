//! Property test: random element-wise chains over random broadcast-compatible
//! shapes (0-d, extent 1, odd extents, extent 0), with movement ops mixed in,
//! compiled vs eval. Every op of the chains is bit-exact (IEEE arithmetic,
//! square roots, rounding), so floats are compared bit for bit, vectorised
//! or not. Transcendentals, compiled to inline vector math with a stated ulp
//! bound, are compared one op at a time in `elementwise.rs` (an error of an
//! ulp could grow without bound through a chain of later ops).

mod common;

use common::{Rng, check};
use heron_ir::{
    AxisSlice, BinaryOp, DType, Graph, NodeId, Op, OutputRole, ParamRole, Shape, UnaryOp, infer,
};
use proptest::prelude::*;

const BIN: [BinaryOp; 8] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Max,
    BinaryOp::Min,
    BinaryOp::Rem,
    BinaryOp::Lt,
];
const UN: [UnaryOp; 7] = [
    UnaryOp::Neg,
    UnaryOp::Abs,
    UnaryOp::Sqrt,
    UnaryOp::Round,
    UnaryOp::Floor,
    UnaryOp::Square,
    UnaryOp::Sign,
];

/// One step of a chain: which op and which earlier values it uses.
#[derive(Clone, Debug)]
enum Step {
    Unary(usize, usize),
    Binary(usize, usize, usize),
    Select(usize, usize, usize),
    Reverse(usize),
    Transpose(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..UN.len(), any::<usize>()).prop_map(|(o, a)| Step::Unary(o, a)),
        (0..BIN.len(), any::<usize>(), any::<usize>()).prop_map(|(o, a, b)| Step::Binary(o, a, b)),
        (any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(c, a, b)| Step::Select(c, a, b)),
        any::<usize>().prop_map(Step::Reverse),
        any::<usize>().prop_map(Step::Transpose),
    ]
}

/// The base shape and, per parameter, how many leading axes it drops and
/// which axes it has at extent 1.
fn shapes() -> impl Strategy<Value = (Vec<usize>, Vec<(usize, u8)>)> {
    (
        prop::collection::vec(prop::sample::select(vec![0usize, 1, 2, 3, 5, 7]), 0..4),
        prop::collection::vec((0usize..4, any::<u8>()), 1..4),
    )
}

fn build(
    base: &[usize],
    params: &[(usize, u8)],
    dtype: DType,
    steps: &[Step],
) -> (Graph, Vec<Vec<usize>>) {
    let mut g = Graph::new();
    let mut pool: Vec<NodeId> = Vec::new();
    let mut pshapes = Vec::new();
    for (i, &(drop, ones)) in params.iter().enumerate() {
        let drop = drop.min(base.len());
        let dims: Vec<usize> = base[drop..]
            .iter()
            .enumerate()
            .map(|(d, &n)| if ones >> d & 1 == 1 { 1 } else { n })
            .collect();
        pool.push(g.param(Shape::new(&dims), dtype, ParamRole::Arg(i as u32)));
        pshapes.push(dims);
    }
    let pick = |pool: &[NodeId], i: usize| pool[i % pool.len()];
    for s in steps {
        let same = |g: &Graph, n: NodeId| g.nodes[n].dtype == dtype;
        let (op, inputs): (Op, Vec<NodeId>) = match *s {
            Step::Unary(o, a) => (Op::Unary(UN[o]), vec![pick(&pool, a)]),
            Step::Binary(o, a, b) => (Op::Binary(BIN[o]), vec![pick(&pool, a), pick(&pool, b)]),
            Step::Select(c, a, b) => {
                let (a, b) = (pick(&pool, a), pick(&pool, b));
                let zero = g.constant(heron_ir::Value::scalar(heron_ir::Scalar::zero(dtype)));
                let cond = g.add(Op::Binary(BinaryOp::Gt), &[pick(&pool, c), zero]);
                match cond {
                    Ok(cond) => (Op::Select, vec![cond, a, b]),
                    Err(_) => continue,
                }
            }
            Step::Reverse(a) => {
                let a = pick(&pool, a);
                let spec = g.nodes[a]
                    .shape
                    .iter()
                    .map(|&n| AxisSlice {
                        start: n.saturating_sub(1),
                        step: -1,
                        len: n,
                    })
                    .collect();
                (Op::Slice(spec), vec![a])
            }
            Step::Transpose(a) => {
                let a = pick(&pool, a);
                (
                    Op::Permute((0..g.nodes[a].shape.rank()).rev().collect()),
                    vec![a],
                )
            }
        };
        if inputs.iter().any(|&n| !same(&g, n)) {
            continue;
        }
        let types: Vec<(&Shape, DType)> = inputs
            .iter()
            .map(|&n| (&g.nodes[n].shape, g.nodes[n].dtype))
            .collect();
        if infer(&op, &types).is_err() {
            continue;
        }
        let n = g.add(op, &inputs).unwrap();
        if g.nodes[n].dtype == dtype {
            pool.push(n);
        }
    }
    let last = *pool.last().unwrap();
    g.output(last, OutputRole::Result(0));
    if pool.len() > 2 {
        g.output(pool[pool.len() / 2], OutputRole::Result(1));
    }
    (g, pshapes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_chains_match_eval(
        (base, params) in shapes(),
        dtype in prop::sample::select(vec![DType::F32, DType::F64, DType::I32, DType::I64, DType::U32]),
        steps in prop::collection::vec(step(), 1..10),
        seed in any::<u64>(),
    ) {
        let (g, pshapes) = build(&base, &params, dtype, &steps);
        let mut rng = Rng(seed);
        let values: Vec<_> = pshapes.iter().map(|s| rng.value(s, dtype, true)).collect();
        check(&g, &values);
    }
}
