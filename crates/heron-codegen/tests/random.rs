//! Random bits generated inside compiled loops: `threefry_bits` must give
//! exactly `threefry::random_bits` for every shape, both bit dtypes, any
//! view of the draw (permuted, sliced, broadcast, reduced), and counters
//! beyond 2^32; and a draw consumed element-wise fuses into its consumer.

mod common;

use common::{Rng, check, run_compiled};
use expect_test::expect;
use heron_codegen::compile;
use heron_ir::plan::{BufferKind, Expr, Step};
use heron_ir::{
    Axes, AxisSlice, BinaryOp, Buffer, DType, Graph, NodeId, Op, OutputRole, ParamRole, ReduceOp,
    Scalar, Shape, Value, threefry,
};

const KEYS: [[u32; 2]; 4] = [
    [0, 0],
    [0, 1234],
    [0x13198a2e, 0x03707344],
    [u32::MAX, u32::MAX],
];

fn key_value(key: [u32; 2]) -> Value {
    Value::new(Shape::new(&[2]), Buffer::from_slice(&key))
}

fn bits_op(shape: &[usize], dtype: DType) -> Op {
    Op::RandomBits {
        shape: Shape::new(shape),
        dtype,
        partitionable: true,
    }
}

/// A graph `key -> random_bits(key, shape, dtype)`, with the key node.
fn draw(shape: &[usize], dtype: DType) -> (Graph, NodeId, NodeId) {
    let mut g = Graph::new();
    let key = g.param(Shape::new(&[2]), DType::U32, ParamRole::Arg(0));
    let bits = g.add(bits_op(shape, dtype), &[key]).unwrap();
    (g, key, bits)
}

fn slice(g: &mut Graph, x: NodeId, spec: &[(usize, isize, usize)]) -> NodeId {
    let spec = spec
        .iter()
        .map(|&(start, step, len)| AxisSlice { start, step, len })
        .collect();
    g.add(Op::Slice(spec), &[x]).unwrap()
}

/// The word Threefry gives for the 64-bit counter `i`, as `random_bits` does.
fn word(key: [u32; 2], i: u64, dtype: DType) -> Scalar {
    let [b1, b2] = threefry::threefry2x32(key, [(i >> 32) as u32, i as u32]);
    match dtype {
        DType::U32 => Scalar::U32(b1 ^ b2),
        _ => Scalar::I64((((b1 as u64) << 32) | b2 as u64) as i64),
    }
}

#[test]
fn compiled_bits_equal_the_reference_for_every_shape_and_dtype() {
    let shapes: [&[usize]; 9] = [
        &[],
        &[1],
        &[7],
        &[3, 5],
        &[2, 3, 4],
        &[1, 9, 1],
        &[0, 4],
        &[1001],
        &[256, 1027],
    ];
    for dtype in [DType::U32, DType::I64] {
        for shape in shapes {
            let (mut g, _, bits) = draw(shape, dtype);
            g.output(bits, OutputRole::Result(0));
            let exe = compile(&g).unwrap();
            assert!(
                exe.kernels().iter().all(|k| k.native),
                "{}",
                exe.plan_text()
            );
            for key in KEYS {
                let got = run_compiled(&g, &[key_value(key)]);
                let want = threefry::random_bits(key, &Shape::new(shape), dtype);
                assert_eq!(got[0].buf().len(), want.len());
                let bad = (0..want.len()).find(|&i| got[0].buf().get(i) != want.get(i));
                assert_eq!(bad, None, "random_bits {key:?} {shape:?} {dtype}");
            }
        }
    }
}

#[test]
fn views_and_reductions_of_a_draw_match_eval() {
    for dtype in [DType::U32, DType::I64] {
        // Transposed, reversed and strided, broadcast.
        let (mut g, _, bits) = draw(&[5, 6], dtype);
        let t = g
            .add(Op::Permute([1, 0].into_iter().collect()), &[bits])
            .unwrap();
        let r = slice(&mut g, bits, &[(4, -2, 3), (1, 2, 3)]);
        let b = g.add(Op::Reshape(Shape::new(&[5, 1, 6])), &[bits]).unwrap();
        let b = g
            .add(Op::BroadcastTo(Shape::new(&[5, 4, 6])), &[b])
            .unwrap();
        for (j, n) in [t, r, b].into_iter().enumerate() {
            g.output(n, OutputRole::Result(j as u32));
        }
        for key in KEYS {
            check(&g, &[key_value(key)]);
        }
        // A reduction over a draw generates the bits in the reduction loop.
        let (mut g, _, bits) = draw(&[7, 33], dtype);
        for (j, axes) in [vec![1], vec![0], vec![0, 1]].into_iter().enumerate() {
            let axes: Axes = axes.into_iter().collect();
            let m = g
                .add(
                    Op::Reduce {
                        op: ReduceOp::Max,
                        axes,
                    },
                    &[bits],
                )
                .unwrap();
            g.output(m, OutputRole::Result(j as u32));
        }
        let plan = compile(&g).unwrap().plan_text();
        assert!(!plan.contains("host"), "{plan}");
        for key in KEYS {
            check(&g, &[key_value(key)]);
        }
    }
}

#[test]
fn counters_beyond_two_to_the_32_use_the_high_word() {
    let base = (1u64 << 32) - 3;
    for dtype in [DType::U32, DType::I64] {
        // Elements around 2^32 of a draw of 2^33 elements (never materialised).
        let (mut g, _, bits) = draw(&[1 << 33], dtype);
        let s = slice(&mut g, bits, &[(base as usize, 1, 8)]);
        g.output(s, OutputRole::Result(0));
        // Row 2 of a [3, 2^32] draw, every third element from the end of the row.
        let (mut g2, _, bits2) = draw(&[3, 1 << 32], dtype);
        let row = slice(&mut g2, bits2, &[(2, 1, 1), ((1 << 32) - 1, -3, 5)]);
        g2.output(row, OutputRole::Result(0));
        for key in KEYS {
            let got = run_compiled(&g, &[key_value(key)]);
            for k in 0..8 {
                assert_eq!(got[0].buf().get(k), word(key, base + k as u64, dtype));
            }
            let got = run_compiled(&g2, &[key_value(key)]);
            for k in 0..5u64 {
                let i = 2 * (1u64 << 32) + (1 << 32) - 1 - 3 * k;
                assert_eq!(got[0].buf().get(k as usize), word(key, i, dtype));
            }
        }
    }
}

/// `v + (bits >> 9) * 2^-23 * std`: JAX's uniform construction, consumed.
fn noisy(n: usize) -> Graph {
    let mut g = Graph::new();
    let v = g.param(Shape::new(&[n]), DType::F32, ParamRole::Arg(0));
    let key = g.param(Shape::new(&[2]), DType::U32, ParamRole::Arg(1));
    let bits = g.add(bits_op(&[n], DType::U32), &[key]).unwrap();
    let shift = g.constant(Value::scalar(Scalar::U32(1 << 9)));
    let m = g.add(Op::Binary(BinaryOp::Div), &[bits, shift]).unwrap();
    let m = g.add(Op::Cast(DType::F32), &[m]).unwrap();
    let eps = g.constant(Value::scalar(Scalar::F32(f32::EPSILON * 0.5)));
    let u = g.add(Op::Binary(BinaryOp::Mul), &[m, eps]).unwrap();
    let y = g.add(Op::Binary(BinaryOp::Add), &[v, u]).unwrap();
    g.output(y, OutputRole::Result(0));
    g
}

#[test]
fn a_consumed_draw_fuses_into_one_kernel_without_materialising_bits() {
    let g = noisy(1000);
    let exe = compile(&g).unwrap();
    let plan = exe.plan();
    assert_eq!(plan.steps.len(), 1, "{plan}");
    assert!(
        !plan
            .buffers
            .iter()
            .any(|b| matches!(b.kind, BufferKind::Temp(_))),
        "{plan}"
    );
    let Step::Kernel(k) = &plan.steps[0] else {
        panic!("{plan}")
    };
    assert!(
        k.body
            .iter()
            .any(|i| matches!(i.expr, Expr::ThreefryBits { .. }))
    );
    expect![[r#"
        buffers: p0:f32[1000] p1:u32[2] o0:f32[1000]
        k0 loop[1000] fuses v2 v4 v5 v7 v8
          %0:f32 = load p0[i0]
          %1:u32 = threefry_bits p1 [i0]
          %2:u32 = imm 512
          %3:u32 = div %1 %2
          %4:f32 = convert[f32] %3
          %5:f32 = imm 5.9604645e-8
          %6:f32 = mul %4 %5
          %7:f32 = add %0 %6
          store o0[i0] <- %7
        aliasable: o0=p0"#]]
    .assert_eq(&exe.plan_text());
    assert!(exe.clif_text().contains("rotl"), "{}", exe.clif_text());
    let mut rng = Rng(5);
    for key in KEYS {
        check(&g, &[rng.value(&[1000], DType::F32, false), key_value(key)]);
    }
}

#[test]
fn computed_keys_are_materialised_and_shared_draws_stay_exact() {
    // key' = bits of the key (a split-like derivation), drawn from twice:
    // once stored whole, once reduced.
    let mut g = Graph::new();
    let key = g.param(Shape::new(&[2]), DType::U32, ParamRole::Arg(0));
    let k2 = g.add(bits_op(&[2], DType::U32), &[key]).unwrap();
    let mask = g.constant(Value::new(
        Shape::new(&[2]),
        Buffer::from_slice(&[0x5555_5555u32, 7]),
    ));
    let k2 = g.add(Op::Binary(BinaryOp::Xor), &[k2, mask]).unwrap();
    let bits = g.add(bits_op(&[4, 9], DType::U32), &[k2]).unwrap();
    let axes: Axes = [1].into_iter().collect();
    let m = g
        .add(
            Op::Reduce {
                op: ReduceOp::Min,
                axes,
            },
            &[bits],
        )
        .unwrap();
    g.output(bits, OutputRole::Result(0));
    g.output(m, OutputRole::Result(1));
    // A constant key.
    let ck = g.constant(key_value([3, 4]));
    let cb = g.add(bits_op(&[3], DType::I64), &[ck]).unwrap();
    g.output(cb, OutputRole::Result(2));
    let plan = compile(&g).unwrap().plan_text();
    assert!(!plan.contains("host"), "{plan}");
    for key in KEYS {
        check(&g, &[key_value(key)]);
    }
}
