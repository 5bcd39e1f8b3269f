//! Host steps, outputs that are parameters or constants, in-place aliasing,
//! and snapshots of `plan_text()` for representative functions.

mod common;

use common::{Rng, check, run_compiled};
use expect_test::expect;
use heron_codegen::compile;
use heron_ir::{
    Axes, BinaryOp, Buffer, DType, Graph, Op, OutputRole, ParamRole, ReduceOp, Scalar, Shape,
    UnaryOp, Value,
};

fn scalar(g: &mut Graph, x: f32) -> heron_ir::NodeId {
    g.constant(Value::scalar(Scalar::F32(x)))
}

fn bin(g: &mut Graph, op: BinaryOp, a: heron_ir::NodeId, b: heron_ir::NodeId) -> heron_ir::NodeId {
    g.add(Op::Binary(op), &[a, b]).unwrap()
}

/// `(x*2 + y) * (x - 0.5) / (y + 1)`: one kernel.
fn w1() -> Graph {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[1000]), DType::F32, ParamRole::Arg(0));
    let y = g.param(Shape::new(&[1000]), DType::F32, ParamRole::Arg(1));
    let (two, half, one) = (
        scalar(&mut g, 2.0),
        scalar(&mut g, 0.5),
        scalar(&mut g, 1.0),
    );
    let a = bin(&mut g, BinaryOp::Mul, x, two);
    let a = bin(&mut g, BinaryOp::Add, a, y);
    let b = bin(&mut g, BinaryOp::Sub, x, half);
    let c = bin(&mut g, BinaryOp::Mul, a, b);
    let d = bin(&mut g, BinaryOp::Add, y, one);
    let e = bin(&mut g, BinaryOp::Div, c, d);
    g.output(e, OutputRole::Result(0));
    g
}

/// Softmax over the last axis of a [4, 8] array.
fn softmax() -> Graph {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[4, 8]), DType::F32, ParamRole::Arg(0));
    let axes: Axes = [1].into_iter().collect();
    let m = g
        .add(
            Op::Reduce {
                op: ReduceOp::Max,
                axes: axes.clone(),
            },
            &[x],
        )
        .unwrap();
    let m = g.add(Op::Reshape(Shape::new(&[4, 1])), &[m]).unwrap();
    let d = bin(&mut g, BinaryOp::Sub, x, m);
    let e = g.add(Op::Unary(UnaryOp::Exp), &[d]).unwrap();
    let s = g
        .add(
            Op::Reduce {
                op: ReduceOp::Sum,
                axes,
            },
            &[e],
        )
        .unwrap();
    let s = g.add(Op::Reshape(Shape::new(&[4, 1])), &[s]).unwrap();
    let y = bin(&mut g, BinaryOp::Div, e, s);
    g.output(y, OutputRole::Result(0));
    g
}

/// A LIF step: `v = v + (i - v) * 0.1; spike = v >= 1; v = where(spike, 0, v)`.
fn lif() -> Graph {
    let mut g = Graph::new();
    let v = g.param(Shape::new(&[100]), DType::F32, ParamRole::Var(0));
    let i = g.param(Shape::new(&[100]), DType::F32, ParamRole::Arg(0));
    let (tenth, one, zero) = (
        scalar(&mut g, 0.1),
        scalar(&mut g, 1.0),
        scalar(&mut g, 0.0),
    );
    let d = bin(&mut g, BinaryOp::Sub, i, v);
    let d = bin(&mut g, BinaryOp::Mul, d, tenth);
    let v1 = bin(&mut g, BinaryOp::Add, v, d);
    let spike = bin(&mut g, BinaryOp::Ge, v1, one);
    let v2 = g.add(Op::Select, &[spike, zero, v1]).unwrap();
    g.output(spike, OutputRole::Result(0));
    g.output(v2, OutputRole::VarWrite(0));
    g
}

#[test]
fn w1_chain_is_one_kernel() {
    let g = w1();
    let exe = compile(&g).unwrap();
    expect![[r#"
        buffers: p0:f32[1000] p1:f32[1000] o0:f32[1000]
        k0 loop[1000] fuses v5 v6 v7 v8 v9 v10
          %0:f32 = load p0[i0]
          %1:f32 = imm 2.0
          %2:f32 = mul %0 %1
          %3:f32 = load p1[i0]
          %4:f32 = add %2 %3
          %5:f32 = imm 0.5
          %6:f32 = sub %0 %5
          %7:f32 = mul %4 %6
          %8:f32 = imm 1.0
          %9:f32 = add %3 %8
          %10:f32 = div %7 %9
          store o0[i0] <- %10
        aliasable: o0=p0 o0=p1"#]]
    .assert_eq(&exe.plan_text());
    assert_eq!(exe.kernels().len(), 1);
    assert!(exe.code_size() > 0);
    assert!(exe.clif_text().contains("function"));
    let mut r = Rng(1);
    check(
        &g,
        &[
            r.value(&[1000], DType::F32, false),
            r.value(&[1000], DType::F32, false),
        ],
    );
}

#[test]
fn softmax_reduces_then_broadcasts() {
    let g = softmax();
    let exe = compile(&g).unwrap();
    expect![[r#"
        buffers: p0:f32[4,8] o0:f32[4,8] t0:f32[4] t1:f32[4,8] t2:f32[4]
        rows k0..k3 [4] in blocks of 4; per block: t0 t1 t2
        k0 reduce_max[axes=(1)][4,8] fuses v1
          %0:f32 = load p0[8*i0 + i1]
          acc:f32 = reduce_max %0
          store t0[i0] <- acc
        k1 loop[4,8] fuses v2 v3 v4
          %0:f32 = load p0[8*i0 + i1]
          %1:f32 = load t0[i0]
          %2:f32 = sub %0 %1
          %3:f32 = exp %2
          store t1[8*i0 + i1] <- %3
        k2 reduce_sum[axes=(1)][4,8] fuses v5
          %0:f32 = load t1[8*i0 + i1]
          acc:f32 = reduce_sum %0
          store t2[i0] <- acc
        k3 loop[4,8] fuses v6 v7
          %0:f32 = load t1[8*i0 + i1]
          %1:f32 = load t2[i0]
          %2:f32 = div %0 %1
          store o0[8*i0 + i1] <- %2
        aliasable: o0=p0"#]]
    .assert_eq(&exe.plan_text());
    let want = heron_ir::eval(&g, &[Rng(2).value(&[4, 8], DType::F32, false)]).unwrap();
    let got = run_compiled(&g, &[Rng(2).value(&[4, 8], DType::F32, false)]);
    common::assert_close("softmax", &got[0], &want[0], common::Tol::Rel(1e-6), &[]);
}

#[test]
fn lif_step_is_one_kernel_updating_in_place() {
    let g = lif();
    let exe = compile(&g).unwrap();
    expect![[r#"
        buffers: p0:f32[100] p1:f32[100] o0:bool[100] o1:f32[100]
        k0 loop[100] fuses v5 v6 v7 v8 v9
          %0:f32 = load p0[i0]
          %1:f32 = load p1[i0]
          %2:f32 = sub %1 %0
          %3:f32 = imm 0.1
          %4:f32 = mul %2 %3
          %5:f32 = add %0 %4
          %6:f32 = imm 1.0
          %7:bool = ge %5 %6
          %8:f32 = imm 0.0
          %9:f32 = select %7 %8 %5
          store o0[i0] <- %7
          store o1[i0] <- %9
        aliasable: o1=p0 o1=p1"#]]
    .assert_eq(&exe.plan_text());
    assert!(exe.aliasable().contains(&(1, 0)), "{:?}", exe.aliasable());
    let mut r = Rng(3);
    let (v, i) = (
        r.value(&[100], DType::F32, false),
        r.value(&[100], DType::F32, false),
    );
    check(&g, &[v.clone(), i.clone()]);
    // In place: the Variable's buffer is also the output buffer.
    let want = heron_ir::eval(&g, &[v.clone(), i.clone()]).unwrap();
    let mut vbuf: Buffer = Buffer::clone(v.buf());
    let mut spikes = Buffer::zeroed(DType::Bool, 100);
    let vp = vbuf.as_mut_ptr();
    // SAFETY: (output 1, param 0) is aliasable; buffers have the graph's types.
    unsafe {
        exe.run(
            &[vp as *const u8, i.buf().as_ptr()],
            &[spikes.as_mut_ptr(), vp],
        )
        .unwrap()
    };
    assert_eq!(vbuf.as_slice::<f32>(), want[1].as_slice::<f32>());
    assert_eq!(spikes.as_slice::<bool>(), want[0].as_slice::<bool>());
}

#[test]
fn matmul_sort_and_cumsum_run_natively() {
    let mut g = Graph::new();
    let a = g.param(Shape::new(&[3, 4]), DType::F32, ParamRole::Arg(0));
    let b = g.param(Shape::new(&[4, 2]), DType::F32, ParamRole::Arg(1));
    // An exact op before the host steps: their results are compared bit for bit.
    let e = g.add(Op::Unary(UnaryOp::Square), &[a]).unwrap();
    let m = g.add(Op::MatMul, &[e, b]).unwrap();
    let s = g.add(Op::Sort { axis: 0 }, &[m]).unwrap();
    let n = g.add(Op::Unary(UnaryOp::Neg), &[s]).unwrap();
    let c = g.add(Op::Cumsum { axis: 1 }, &[n]).unwrap();
    g.output(c, OutputRole::Result(0));
    let exe = compile(&g).unwrap();
    let natives: Vec<String> = exe
        .kernels()
        .iter()
        .filter(|k| k.name.starts_with("native:"))
        .map(|k| k.name.clone())
        .collect();
    assert_eq!(
        natives,
        ["native:matmul", "native:sort", "native:cumsum"],
        "{}",
        exe.plan_text()
    );
    assert!(exe.kernels().iter().all(|k| k.native));
    let mut r = Rng(4);
    check(
        &g,
        &[
            r.value(&[3, 4], DType::F32, false),
            r.value(&[4, 2], DType::F32, false),
        ],
    );
}

#[test]
fn outputs_that_are_params_constants_or_repeated() {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[3]), DType::I32, ParamRole::Var(0));
    let c = g.constant(Value::from_slice(Shape::new(&[3]), &[1i32, 2, 3]));
    let y = g.add(Op::Binary(BinaryOp::Mul), &[x, c]).unwrap();
    g.output(x, OutputRole::VarWrite(0));
    g.output(c, OutputRole::Result(0));
    g.output(y, OutputRole::Result(1));
    g.output(y, OutputRole::Result(2));
    let exe = compile(&g).unwrap();
    assert!(exe.aliasable().contains(&(0, 0)));
    check(&g, &[Rng(5).value(&[3], DType::I32, false)]);
}

#[test]
fn no_alias_when_a_later_step_reads_the_param() {
    // out0 = x + 1 (could be in place), out1 = sum(x) runs later and reads x.
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[8]), DType::F32, ParamRole::Var(0));
    let one = scalar(&mut g, 1.0);
    let y = bin(&mut g, BinaryOp::Add, x, one);
    let t = g.add(Op::Permute([0].into_iter().collect()), &[x]).unwrap();
    let rev = g
        .add(
            Op::Slice(
                [heron_ir::AxisSlice {
                    start: 7,
                    step: -1,
                    len: 8,
                }]
                .into_iter()
                .collect(),
            ),
            &[t],
        )
        .unwrap();
    let z = bin(&mut g, BinaryOp::Mul, y, rev);
    g.output(y, OutputRole::VarWrite(0));
    g.output(z, OutputRole::Result(0));
    let exe = compile(&g).unwrap();
    assert!(!exe.aliasable().contains(&(0, 0)), "{}", exe.plan_text());
    check(&g, &[Rng(6).value(&[8], DType::F32, false)]);
}
