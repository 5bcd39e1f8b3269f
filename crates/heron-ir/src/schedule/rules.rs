//! One snapshot per scheduling rule: the full printed plan of a small graph
//! that exercises the rule (refresh with `UPDATE_EXPECT=1`, then read the
//! diff: a changed plan is a changed schedule).

use crate::control::Body;
use crate::passes::testing::{arg, binary, check_plan, node, reduce, scalar, unary};
use crate::{BinaryOp, DType, Graph, NodeId, Op, OutputRole, ParamRole, ReduceOp, Shape, UnaryOp};
use expect_test::expect;

/// A LIF neuron step over `v` and `t` (the time of the last spike):
/// `v' = v + (rest - v) * dt/tau + i`, `s = v' > th`,
/// `v'' = where(s, reset, v')`, `t' = where(s, now, t)`.
fn lif_step(g: &mut Graph, v: NodeId, t: NodeId, i: NodeId) -> [NodeId; 3] {
    let rest = scalar(g, -65.0f32);
    let k = scalar(g, 0.1f32);
    let th = scalar(g, -50.0f32);
    let reset = scalar(g, -70.0f32);
    let now = scalar(g, 3.0f32);
    let leak = binary(g, BinaryOp::Sub, rest, v);
    let leak = binary(g, BinaryOp::Mul, leak, k);
    let v1 = binary(g, BinaryOp::Add, v, leak);
    let v1 = binary(g, BinaryOp::Add, v1, i);
    let s = binary(g, BinaryOp::Gt, v1, th);
    let v2 = node(g, Op::Select, &[s, reset, v1]);
    let t2 = node(g, Op::Select, &[s, now, t]);
    [v2, t2, s]
}

#[test]
fn element_wise_chains_fuse_into_one_multi_store_kernel() {
    check_plan(
        |g| {
            let v = arg(g, &[1000], DType::F32);
            let t = arg(g, &[1000], DType::F32);
            let i = arg(g, &[1000], DType::F32);
            let [v2, t2, s] = lif_step(g, v, t, i);
            g.output(v2, OutputRole::Result(0));
            g.output(t2, OutputRole::Result(1));
            g.output(s, OutputRole::Result(2));
        },
        expect![[r#"
            buffers: p0:f32[1000] p1:f32[1000] p2:f32[1000] o0:f32[1000] o1:f32[1000] o2:bool[1000]
            k0 loop[1000] fuses v8 v9 v10 v11 v12 v13 v14
              %0:f32 = load p0[i0]
              %1:f32 = imm -65.0
              %2:f32 = sub %1 %0
              %3:f32 = imm 0.1
              %4:f32 = mul %2 %3
              %5:f32 = add %0 %4
              %6:f32 = load p2[i0]
              %7:f32 = add %5 %6
              %8:f32 = imm -50.0
              %9:bool = gt %7 %8
              %10:f32 = imm -70.0
              %11:f32 = select %9 %10 %7
              %12:f32 = imm 3.0
              %13:f32 = load p1[i0]
              %14:f32 = select %9 %12 %13
              store o2[i0] <- %9
              store o0[i0] <- %11
              store o1[i0] <- %14
            aliasable: o0=p0 o0=p1 o0=p2 o1=p0 o1=p1 o1=p2"#]],
    );
}

#[test]
fn a_reduction_evaluates_its_element_wise_producer_in_its_loop() {
    check_plan(
        |g| {
            let x = arg(g, &[8, 16], DType::F32);
            let e = unary(g, UnaryOp::Exp, x);
            let s = reduce(g, ReduceOp::Sum, e, &[1]);
            g.output(s, OutputRole::Result(0));
        },
        expect![[r#"
            buffers: p0:f32[8,16] o0:f32[8]
            k0 reduce_sum[axes=(1)][8,16] fuses v1 v2
              %0:f32 = load p0[16*i0 + i1]
              %1:f32 = exp %0
              acc:f32 = reduce_sum %1
              store o0[i0] <- acc
            aliasable: -"#]],
    );
}

#[test]
fn a_large_reduction_to_one_value_is_split_at_its_innermost_axis() {
    check_plan(
        |g| {
            let x = arg(g, &[512, 1024], DType::F32);
            let s = reduce(g, ReduceOp::Sum, x, &[0, 1]);
            g.output(s, OutputRole::Result(0));
        },
        expect![[r#"
            buffers: p0:f32[512,1024] o0:f32[] t0:f64[512]
            k0 reduce_sum[axes=(1)][512,1024] fuses v1
              %0:f32 = load p0[1024*i0 + i1]
              acc:f64 = reduce_sum %0
              store t0[i0] <- acc
            k1 reduce_sum[axes=(0)][512] fuses v1
              %0:f64 = load t0[i0]
              acc:f32 = reduce_sum %0
              store o0[0] <- acc
            aliasable: -"#]],
    );
}

#[test]
fn a_whole_long_1d_reduction_is_walked_as_rows_and_split() {
    check_plan(
        |g| {
            let x = arg(g, &[1 << 20], DType::F32);
            let s = reduce(g, ReduceOp::Max, x, &[0]);
            g.output(s, OutputRole::Result(0));
        },
        expect![[r#"
            buffers: p0:f32[1048576] o0:f32[] t0:f32[256]
            k0 reduce_max[axes=(1)][256,4096] fuses v1
              %0:f32 = load p0[4096*i0 + i1]
              acc:f32 = reduce_max %0
              store t0[i0] <- acc
            k1 reduce_max[axes=(0)][256] fuses v1
              %0:f32 = load t0[i0]
              acc:f32 = reduce_max %0
              store o0[0] <- acc
            aliasable: -"#]],
    );
}

#[test]
fn a_softmax_is_one_row_group() {
    check_plan(
        |g| {
            let x = arg(g, &[64, 512], DType::F32);
            let keep = |g: &mut Graph, op, x| {
                let r = reduce(g, op, x, &[1]);
                node(g, Op::Reshape(Shape::new(&[64, 1])), &[r])
            };
            let m = keep(g, ReduceOp::Max, x);
            let d = binary(g, BinaryOp::Sub, x, m);
            let e = unary(g, UnaryOp::Exp, d);
            let s = keep(g, ReduceOp::Sum, e);
            let y = binary(g, BinaryOp::Div, e, s);
            g.output(y, OutputRole::Result(0));
        },
        expect![[r#"
            buffers: p0:f32[64,512] o0:f32[64,512] t0:f32[64] t1:f32[64,512] t2:f32[64]
            rows k0..k3 [64] in blocks of 10; per block: t0 t1 t2
            k0 reduce_max[axes=(1)][64,512] fuses v1
              %0:f32 = load p0[512*i0 + i1]
              acc:f32 = reduce_max %0
              store t0[i0] <- acc
            k1 loop[64,512] fuses v2 v3 v4
              %0:f32 = load p0[512*i0 + i1]
              %1:f32 = load t0[i0]
              %2:f32 = sub %0 %1
              %3:f32 = exp %2
              store t1[512*i0 + i1] <- %3
            k2 reduce_sum[axes=(1)][64,512] fuses v5
              %0:f32 = load t1[512*i0 + i1]
              acc:f32 = reduce_sum %0
              store t2[i0] <- acc
            k3 loop[64,512] fuses v6 v7
              %0:f32 = load t1[512*i0 + i1]
              %1:f32 = load t2[i0]
              %2:f32 = div %0 %1
              store o0[512*i0 + i1] <- %2
            aliasable: o0=p0"#]],
    );
}

#[test]
fn a_counted_loop_of_element_wise_steps_is_temporally_fused() {
    check_plan(
        |g| {
            let mut body = Graph::new();
            let _index = arg(&mut body, &[], DType::I32);
            let v = arg(&mut body, &[4096], DType::F32);
            let t = arg(&mut body, &[4096], DType::F32);
            let i = arg(&mut body, &[4096], DType::F32);
            let [v2, t2, _] = lif_step(&mut body, v, t, i);
            body.output(v2, OutputRole::Result(0));
            body.output(t2, OutputRole::Result(1));
            let op = Op::Loop {
                body: Body::new(body),
                start: 0,
                trip: 100,
                n_carry: 2,
                n_xs: 0,
            };
            let v = g.param(Shape::new(&[4096]), DType::F32, ParamRole::Var(0));
            let t = g.param(Shape::new(&[4096]), DType::F32, ParamRole::Var(1));
            let i = arg(g, &[4096], DType::F32);
            let l = node(g, op, &[v, t, i]);
            let v2 = node(g, Op::Project(0), &[l]);
            let t2 = node(g, Op::Project(1), &[l]);
            g.output(v2, OutputRole::VarWrite(0));
            g.output(t2, OutputRole::VarWrite(1));
        },
        expect![[r#"
            buffers: p0:f32[4096] p1:f32[4096] p2:f32[4096] o0:f32[4096] o1:f32[4096]
            control (o0 o1) <- loop[start=0,trip=100,carry=2,xs=0] p0 p1 p2 (node v3)
              temporal fusion: loop v3 over [4096] x 100 steps
            aliasable: o0=p0 o1=p1"#]],
    );
}

#[test]
fn host_steps_run_between_kernels_on_materialised_operands() {
    check_plan(
        |g| {
            let a = arg(g, &[8, 4], DType::F32);
            let b = arg(g, &[4, 3], DType::F32);
            let idx = arg(g, &[5], DType::I32);
            let a2 = unary(g, UnaryOp::Tanh, a);
            let p = node(g, Op::MatMul, &[a2, b]);
            let r = unary(g, UnaryOp::Abs, p);
            let y = node(g, Op::Take { axis: 0 }, &[r, idx]);
            let z = unary(g, UnaryOp::Neg, y);
            g.output(z, OutputRole::Result(0));
        },
        expect![[r#"
            buffers: p0:f32[8,4] p1:f32[4,3] p2:i32[5] o0:f32[5,3] t0:f32[8,4] t1:f32[8,3] t2:f32[8,3]
            k0 loop[8,4] fuses v3
              %0:f32 = load p0[4*i0 + i1]
              %1:f32 = tanh %0
              store t0[4*i0 + i1] <- %1
            h0 host t1 <- matmul t0 p1 (node v4)
            k1 loop[8,3] fuses v5
              %0:f32 = load t1[3*i0 + i1]
              %1:f32 = abs %0
              store t2[3*i0 + i1] <- %1
            check p2 in [-8, 8) for take (node v6)
            k2 loop[5,3] fuses v6 v7
              %0:f32 = gather t2[i1 + 3*wrap(p2[i0], 8)]
              %1:f32 = neg %0
              store o0[3*i0 + i1] <- %1
            aliasable: -"#]],
    );
}

#[test]
fn a_sparse_product_is_a_host_step_between_kernels() {
    check_plan(
        |g| {
            let v = |x: Vec<i32>| crate::Value::from_slice(Shape::new(&[x.len()]), &x);
            let weights = crate::sparse::Weights::Uniform(0.5);
            let m =
                crate::sparse::CsrMatrix::new(v(vec![0, 2, 2, 3]), v(vec![1, 3, 0]), 4, weights)
                    .expect("a valid matrix");
            let x = arg(g, &[4], DType::F32);
            let e = unary(g, UnaryOp::Exp, x);
            let y = node(g, Op::CsrMatVec(m), &[e]);
            let z = unary(g, UnaryOp::Neg, y);
            g.output(z, OutputRole::Result(0));
        },
        expect![[r#"
            buffers: p0:f32[4] o0:f32[3] t0:f32[4] t1:f32[3]
            k0 loop[4] fuses v1
              %0:f32 = load p0[i0]
              %1:f32 = exp %0
              store t0[i0] <- %1
            h0 host t1 <- csr_matvec[shape=(3,4),nnz=3,weight=0.5,id=82b6c66053cf94fe] t0 (node v2)
            k1 loop[3] fuses v3
              %0:f32 = load t1[i0]
              %1:f32 = neg %0
              store o0[i0] <- %1
            aliasable: -"#]],
    );
}

#[test]
fn a_variable_written_element_by_element_may_alias_its_parameter() {
    check_plan(
        |g| {
            let v = g.param(Shape::new(&[16]), DType::F32, ParamRole::Var(0));
            let w = g.param(Shape::new(&[16]), DType::F32, ParamRole::Var(1));
            let one = scalar(g, 1.0f32);
            let v2 = binary(g, BinaryOp::Add, v, one);
            // `w` reversed reads another element than it writes: no alias.
            let spec = smallvec::smallvec![crate::AxisSlice {
                start: 15,
                step: -1,
                len: 16,
            }];
            let wr = node(g, Op::Slice(spec), &[w]);
            g.output(v2, OutputRole::VarWrite(0));
            g.output(wr, OutputRole::VarWrite(1));
        },
        expect![[r#"
            buffers: p0:f32[16] p1:f32[16] o0:f32[16] o1:f32[16]
            k0 loop[16] fuses v3
              %0:f32 = load p0[i0]
              %1:f32 = imm 1.0
              %2:f32 = add %0 %1
              store o0[i0] <- %2
            k1 loop[16] fuses v4
              %0:f32 = load p1[-i0 + 15]
              store o1[i0] <- %0
            aliasable: o0=p0 o1=p0"#]],
    );
}

#[test]
fn a_gather_read_by_element_wise_work_fuses_after_its_index_check() {
    check_plan(
        |g| {
            let w = arg(g, &[10, 3], DType::F32);
            let idx = arg(g, &[6], DType::I64);
            let x = arg(g, &[6, 3], DType::F32);
            let y = node(g, Op::Take { axis: 0 }, &[w, idx]);
            let z = binary(g, BinaryOp::Mul, y, x);
            g.output(z, OutputRole::Result(0));
            // A gather that is a result stays a native step.
            let t = node(g, Op::Take { axis: 0 }, &[w, idx]);
            g.output(t, OutputRole::Result(1));
            // Gathers with the same indices on axes of the same extent
            // share one check.
            let r = node(g, Op::Take { axis: 0 }, &[w, idx]);
            let r = unary(g, UnaryOp::Exp, r);
            let u = binary(g, BinaryOp::Add, r, z);
            g.output(u, OutputRole::Result(2));
        },
        expect![[r#"
            buffers: p0:f32[10,3] p1:i64[6] p2:f32[6,3] o0:f32[6,3] o1:f32[6,3] o2:f32[6,3]
            check p1 in [-10, 10) for take (node v3)
            k0 loop[6,3] fuses v3 v4 v6 v7 v8
              %0:f32 = gather p0[i1 + 3*wrap(p1[i0], 10)]
              %1:f32 = load p2[3*i0 + i1]
              %2:f32 = mul %0 %1
              %3:f32 = exp %0
              %4:f32 = add %3 %2
              store o0[3*i0 + i1] <- %2
              store o2[3*i0 + i1] <- %4
            h0 host o1 <- take[axis=0] p0 p1 (node v5)
            aliasable: o0=p2 o1=p2 o2=p2"#]],
    );
}
