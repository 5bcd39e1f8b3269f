//! Random bits drawn four lanes at a time in vectorised kernels: the vector
//! loop, its unrolled form and the scalar tail together give exactly
//! `threefry::random_bits` for every length around the vector width and the
//! unroll factor, and draws fused with arithmetic, broadcast along the
//! innermost axis or reduced match `eval`. Uniform floats take the top bits
//! with a division by a power of two, which vector bodies do as a shift.

mod common;

use common::{check, run_compiled};
use heron_codegen::compile;
use heron_ir::{
    Axes, BinaryOp, Buffer, DType, Graph, NodeId, Op, OutputRole, ParamRole, ReduceOp, Scalar,
    Shape, Value, threefry,
};

const KEYS: [[u32; 2]; 3] = [[0, 0], [0x13198a2e, 0x03707344], [u32::MAX, u32::MAX]];

fn key_value(key: [u32; 2]) -> Value {
    Value::new(Shape::new(&[2]), Buffer::from_slice(&key))
}

/// A graph `key -> random_bits(key, shape, U32)`, with the bits node.
fn draw(shape: &[usize]) -> (Graph, NodeId) {
    let mut g = Graph::new();
    let key = g.param(Shape::new(&[2]), DType::U32, ParamRole::Arg(0));
    let op = Op::RandomBits {
        shape: Shape::new(shape),
        dtype: DType::U32,
        partitionable: true,
    };
    let bits = g.add(op, &[key]).unwrap();
    (g, bits)
}

/// Whether the compiled graph draws vectors of bits: vector rounds rotate
/// with a pair of shifts, scalar rounds (of counters below 2^32) with `rotl`.
fn vectorised(g: &Graph) -> bool {
    compile(g).unwrap().clif_text().contains(" = ushr ")
}

#[test]
fn vector_bits_equal_the_reference_around_the_vector_width() {
    let lengths = (1..=17).chain([1023, 4099]);
    for n in lengths {
        let (mut g, bits) = draw(&[n]);
        g.output(bits, OutputRole::Result(0));
        assert_eq!(vectorised(&g), n >= 4, "length {n}");
        for key in KEYS {
            let got = run_compiled(&g, &[key_value(key)]);
            let want = threefry::random_bits(key, &Shape::new(&[n]), DType::U32);
            let bad = (0..want.len()).find(|&i| got[0].buf().get(i) != want.get(i));
            assert_eq!(bad, None, "random_bits {key:?} [{n}]");
        }
    }
}

#[test]
fn multi_row_draws_match_eval() {
    // A [6, 11] draw collapses to one contiguous loop; each chunk of a
    // parallel launch starts its vectors at an arbitrary counter.
    for shape in [[6usize, 11], [3, 1027]] {
        let (mut g, bits) = draw(&shape);
        g.output(bits, OutputRole::Result(0));
        assert!(vectorised(&g), "{shape:?}");
        for key in KEYS {
            check(&g, &[key_value(key)]);
        }
    }
}

#[test]
fn fused_broadcast_and_reduced_draws_match_eval() {
    let key_param = |g: &mut Graph| g.param(Shape::new(&[2]), DType::U32, ParamRole::Arg(0));
    // Uniform-like floats: bits as f32 scaled by 2^-32, plus an input.
    let mut g = Graph::new();
    let key = key_param(&mut g);
    let op = Op::RandomBits {
        shape: Shape::new(&[4, 37]),
        dtype: DType::U32,
        partitionable: true,
    };
    let bits = g.add(op, &[key]).unwrap();
    let x = g.param(Shape::new(&[4, 37]), DType::F32, ParamRole::Arg(1));
    let f = g.add(Op::Cast(DType::F32), &[bits]).unwrap();
    let scale = g.constant(Value::scalar(Scalar::F32(2f32.powi(-32))));
    let u = g.add(Op::Binary(BinaryOp::Mul), &[f, scale]).unwrap();
    let y = g.add(Op::Binary(BinaryOp::Add), &[u, x]).unwrap();
    g.output(y, OutputRole::Result(0));
    assert!(vectorised(&g));
    let xs: Vec<f32> = (0..4 * 37).map(|i| i as f32 * 0.25).collect();
    let xv = Value::new(Shape::new(&[4, 37]), Buffer::from_slice(&xs));
    for k in KEYS {
        check(&g, &[key_value(k), xv.clone()]);
    }

    // A draw broadcast along the innermost axis (counter stride 0), xor'd
    // with a fresh draw of the full shape.
    let mut g = Graph::new();
    let key = key_param(&mut g);
    let col = g
        .add(
            Op::RandomBits {
                shape: Shape::new(&[5, 1]),
                dtype: DType::U32,
                partitionable: true,
            },
            &[key],
        )
        .unwrap();
    let col = g
        .add(Op::BroadcastTo(Shape::new(&[5, 13])), &[col])
        .unwrap();
    let full = g
        .add(
            Op::RandomBits {
                shape: Shape::new(&[5, 13]),
                dtype: DType::U32,
                partitionable: true,
            },
            &[key],
        )
        .unwrap();
    let y = g.add(Op::Binary(BinaryOp::Xor), &[col, full]).unwrap();
    g.output(y, OutputRole::Result(0));
    for k in KEYS {
        check(&g, &[key_value(k)]);
    }

    // Maxima of a draw along each axis and over both.
    let (mut g, bits) = draw(&[9, 45]);
    for (j, axes) in [vec![1], vec![0], vec![0, 1]].into_iter().enumerate() {
        let axes: Axes = axes.into_iter().collect();
        let op = Op::Reduce {
            op: ReduceOp::Max,
            axes,
        };
        let m = g.add(op, &[bits]).unwrap();
        g.output(m, OutputRole::Result(j as u32));
    }
    assert!(vectorised(&g));
    for k in KEYS {
        check(&g, &[key_value(k)]);
    }
}

#[test]
fn integer_division_by_powers_of_two_is_vectorised_and_floors() {
    let mut xs: Vec<i32> = vec![i32::MIN, i32::MIN + 1, -1025, -513, -9, -8, -7, -1, 0, 1];
    xs.extend([7, 8, 9, 511, 512, 1 << 30, i32::MAX]);
    xs.extend((0..20i32).map(|i| i.wrapping_mul(0x2f0b_1a97).wrapping_mul(i)));
    let n = xs.len();
    let signed = Value::new(Shape::new(&[n]), Buffer::from_slice(&xs));
    let us: Vec<u32> = xs.iter().map(|&x| x as u32).collect();
    let unsigned = Value::new(Shape::new(&[n]), Buffer::from_slice(&us));
    let cases: [(DType, Value, Vec<Scalar>); 2] = [
        (
            DType::I32,
            signed,
            [2, 8, 512, 1 << 30].map(Scalar::I32).to_vec(),
        ),
        (
            DType::U32,
            unsigned,
            [2, 8, 512, 1 << 31].map(Scalar::U32).to_vec(),
        ),
    ];
    for (dtype, x, divisors) in cases {
        for d in divisors {
            for op in [BinaryOp::Div, BinaryOp::Rem] {
                let mut g = Graph::new();
                let p = g.param(Shape::new(&[n]), dtype, ParamRole::Arg(0));
                let c = g.constant(Value::scalar(d));
                let y = g.add(Op::Binary(op), &[p, c]).unwrap();
                g.output(y, OutputRole::Result(0));
                let text = compile(&g).unwrap().clif_text();
                assert!(text.contains("load.i32x4"), "{op:?} {d:?}: not vectorised");
                check(&g, std::slice::from_ref(&x));
            }
        }
    }
}
