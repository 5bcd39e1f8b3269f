//! Random bits of JAX's older Threefry scheme (`jax_threefry_partitionable=False`)
//! in compiled code: the draw is a host step (each Threefry hash gives two
//! of its words, see `passes::fuse`) and must give exactly
//! `threefry::random_bits_original` for every shape (odd and even sizes,
//! the padding word included), both bit dtypes and any view of the draw,
//! with the draw's consumers still fused into native loops.

mod common;

use common::{check, run_compiled};
use heron_codegen::compile;
use heron_ir::{
    Buffer, DType, Graph, NodeId, Op, OutputRole, ParamRole, ReduceOp, Shape, Value, threefry,
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

/// A graph `key -> random_bits(key, shape, dtype)` in the older scheme.
fn draw(shape: &[usize], dtype: DType) -> (Graph, NodeId) {
    let mut g = Graph::new();
    let key = g.param(Shape::new(&[2]), DType::U32, ParamRole::Arg(0));
    let op = Op::RandomBits {
        shape: Shape::new(shape),
        dtype,
        partitionable: false,
    };
    let bits = g.add(op, &[key]).unwrap();
    (g, bits)
}

#[test]
fn compiled_older_bits_equal_the_reference_for_every_shape_and_dtype() {
    let shapes: [&[usize]; 10] = [
        &[],
        &[1],
        &[2],
        &[7],
        &[3, 5],
        &[2, 3, 4],
        &[0, 4],
        &[1001],
        &[4096],
        &[255, 1027],
    ];
    for dtype in [DType::U32, DType::I64] {
        for shape in shapes {
            let (mut g, bits) = draw(shape, dtype);
            g.output(bits, OutputRole::Result(0));
            let exe = compile(&g).unwrap();
            if !shape.contains(&0) {
                let plan = exe.plan_text();
                assert!(plan.contains("partitionable=false"), "{plan}");
            }
            for key in KEYS {
                let got = run_compiled(&g, &[key_value(key)]);
                let want = threefry::random_bits_original(key, &Shape::new(shape), dtype).unwrap();
                assert_eq!(got[0].buf().len(), want.len());
                let bad = (0..want.len()).find(|&i| got[0].buf().get(i) != want.get(i));
                assert_eq!(bad, None, "older bits {key:?} {shape:?} {dtype}");
            }
        }
    }
}

#[test]
fn views_and_reductions_of_an_older_draw_match_eval() {
    for dtype in [DType::U32, DType::I64] {
        let (mut g, bits) = draw(&[5, 7], dtype);
        let t = g
            .add(Op::Permute([1, 0].into_iter().collect()), &[bits])
            .unwrap();
        let spec = [(4, -2, 3), (1, 2, 3)]
            .iter()
            .map(|&(start, step, len)| heron_ir::AxisSlice { start, step, len })
            .collect();
        let r = g.add(Op::Slice(spec), &[bits]).unwrap();
        let b = g.add(Op::Reshape(Shape::new(&[5, 1, 7])), &[bits]).unwrap();
        let b = g
            .add(Op::BroadcastTo(Shape::new(&[5, 4, 7])), &[b])
            .unwrap();
        let m = g
            .add(
                Op::Reduce {
                    op: ReduceOp::Max,
                    axes: [1].into_iter().collect(),
                },
                &[bits],
            )
            .unwrap();
        for (j, n) in [t, r, b, m].into_iter().enumerate() {
            g.output(n, OutputRole::Result(j as u32));
        }
        let exe = compile(&g).unwrap();
        let native = exe.kernels().iter().filter(|k| k.native).count();
        assert!(native >= 1, "the views run natively: {}", exe.plan_text());
        for key in KEYS {
            check(&g, &[key_value(key)]);
        }
    }
}
