//! Snapshots of what `jit` makes of representative functions: the traced
//! graph (`ir_text`) and the optimised graph with its fused kernel plan
//! (`optimized_text`). They show folding, CSE and fusion happening; a change
//! to the generated plan shows up here as a diff. Refresh with `UPDATE_EXPECT=1`.

use expect_test::{Expect, expect};
use heron as hn;
use heron::prelude::*;

fn check(lowered: &heron::Lowered, traced: Expect, optimized: Expect) {
    traced.assert_eq(&lowered.ir_text());
    optimized.assert_eq(&lowered.optimized_text());
}

#[test]
fn w1_chain_fuses_into_one_kernel() {
    let f = hn::jit(|(x, y): (Array, Array)| (&x * 2.0 + &y) * (&x - 0.5) / (&y + 1.0));
    let x = hn::ones(&[1024], DType::F32);
    check(
        &f.lower((&x, &x)),
        expect![[r#"
            { lambda a:f32[1024] b:f32[1024] .
              let c:f32[1024] = mul a 2.0:f32
                  d:f32[1024] = add c b
                  e:f32[1024] = sub a 0.5:f32
                  f:f32[1024] = mul d e
                  g:f32[1024] = add b 1.0:f32
                  h:f32[1024] = div f g
              in (h) }"#]],
        expect![[r#"
            { lambda a:f32[1024] b:f32[1024] .
              let c:f32[1024] = mul a 2.0:f32
                  d:f32[1024] = add c b
                  e:f32[1024] = sub a 0.5:f32
                  f:f32[1024] = mul d e
                  g:f32[1024] = add b 1.0:f32
                  h:f32[1024] = div f g
              in (h) }
            buffers: p0:f32[1024] p1:f32[1024] o0:f32[1024]
            k0 loop[1024] fuses v3 v4 v6 v7 v9 v10
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
            aliasable: o0=p0 o0=p1"#]],
    );
}

#[test]
fn lif_step_updates_variables_in_one_kernel() {
    let n = 1000;
    let v = Variable::new(hn::full(&[n], -65.0, DType::F32));
    let t_last = Variable::new(hn::full(&[n], -1e7, DType::F32));
    let step = hn::jit({
        let (v, t_last) = (v.clone(), t_last.clone());
        move |(t, input): (Array, Array)| {
            let (dt, v_rest, v_reset, v_th, r, tau) = (0.1, -65.0, -68.0, -50.0, 1.0, 10.0);
            let dv = (-(&v.value() - v_rest) + &input * r) / tau;
            v.set(&v.value() + &(dv * dt));
            let spike = v.value().ge(v_th);
            v.set(hn::where_(&spike, v_reset, &v.value()));
            t_last.set(hn::where_(&spike, &t, &t_last.value()));
            spike
        }
    });
    let input = hn::full(&[n], 20.0, DType::F32);
    check(
        &step.lower((&hn::scalar(0.0f32), &input)),
        expect![[r#"
            { lambda a:f32[] b:f32[1000] c:f32[1000]@var0 d:f32[1000]@var1 .
              let e:f32[1000] = sub c -65.0:f32
                  f:f32[1000] = neg e
                  g:f32[1000] = mul b 1.0:f32
                  h:f32[1000] = add f g
                  i:f32[1000] = div h 10.0:f32
                  j:f32[1000] = mul i 0.1:f32
                  k:f32[1000] = add c j
                  l:bool[1000] = ge k -50.0:f32
                  m:f32[1000] = select l -68.0:f32 k
                  n:f32[1000] = select l a d
              in (l, var0 <- m, var1 <- n) }"#]],
        expect![[r#"
            { lambda a:f32[] b:f32[1000] c:f32[1000]@var0 d:f32[1000]@var1 .
              let e:f32[1000] = sub c -65.0:f32
                  f:f32[1000] = neg e
                  g:f32[1000] = add f b
                  h:f32[1000] = div g 10.0:f32
                  i:f32[1000] = mul h 0.1:f32
                  j:f32[1000] = add c i
                  k:bool[1000] = ge j -50.0:f32
                  l:f32[1000] = select k -68.0:f32 j
                  m:f32[1000] = select k a d
              in (k, var0 <- l, var1 <- m) }
            buffers: p0:f32[] p1:f32[1000] p2:f32[1000] p3:f32[1000] o0:bool[1000] o1:f32[1000] o2:f32[1000]
            k0 loop[1000] fuses v5 v6 v7 v9 v11 v12 v14 v16 v17
              %0:f32 = load p2[i0]
              %1:f32 = imm -65.0
              %2:f32 = sub %0 %1
              %3:f32 = neg %2
              %4:f32 = load p1[i0]
              %5:f32 = add %3 %4
              %6:f32 = imm 10.0
              %7:f32 = div %5 %6
              %8:f32 = imm 0.1
              %9:f32 = mul %7 %8
              %10:f32 = add %0 %9
              %11:f32 = imm -50.0
              %12:bool = ge %10 %11
              %13:f32 = imm -68.0
              %14:f32 = select %12 %13 %10
              %15:f32 = load p0[0]
              %16:f32 = load p3[i0]
              %17:f32 = select %12 %15 %16
              store o0[i0] <- %12
              store o1[i0] <- %14
              store o2[i0] <- %17
            aliasable: o1=p1 o1=p2 o1=p3 o2=p1 o2=p2 o2=p3"#]],
    );
}

#[test]
fn softmax_reduces_then_broadcasts() {
    let f = hn::jit(|x: Array| {
        let m = x.max_axis(-1).expand_dims(-1);
        let e = (&x - &m).exp();
        let s = e.sum_axis(-1).expand_dims(-1);
        &e / &s
    });
    check(
        &f.lower(&hn::ones(&[8, 16], DType::F32)),
        expect![[r#"
            { lambda a:f32[8,16] .
              let b:f32[8] = reduce_max[axes=(1,)] a
                  c:f32[8,1] = reshape[shape=(8,1)] b
                  d:f32[8,16] = sub a c
                  e:f32[8,16] = exp d
                  f:f32[8] = reduce_sum[axes=(1,)] e
                  g:f32[8,1] = reshape[shape=(8,1)] f
                  h:f32[8,16] = div e g
              in (h) }"#]],
        expect![[r#"
            { lambda a:f32[8,16] .
              let b:f32[8] = reduce_max[axes=(1,)] a
                  c:f32[8,1] = reshape[shape=(8,1)] b
                  d:f32[8,16] = sub a c
                  e:f32[8,16] = exp d
                  f:f32[8] = reduce_sum[axes=(1,)] e
                  g:f32[8,1] = reshape[shape=(8,1)] f
                  h:f32[8,16] = div e g
              in (h) }
            buffers: p0:f32[8,16] o0:f32[8,16] t0:f32[8] t1:f32[8,16] t2:f32[8]
            rows k0..k3 [8] in blocks of 8; per block: t0 t1 t2
            k0 reduce_max[axes=(1)][8,16] fuses v1
              %0:f32 = load p0[16*i0 + i1]
              acc:f32 = reduce_max %0
              store t0[i0] <- acc
            k1 loop[8,16] fuses v2 v3 v4
              %0:f32 = load p0[16*i0 + i1]
              %1:f32 = load t0[i0]
              %2:f32 = sub %0 %1
              %3:f32 = exp %2
              store t1[16*i0 + i1] <- %3
            k2 reduce_sum[axes=(1)][8,16] fuses v5
              %0:f32 = load t1[16*i0 + i1]
              acc:f32 = reduce_sum %0
              store t2[i0] <- acc
            k3 loop[8,16] fuses v6 v7
              %0:f32 = load t1[16*i0 + i1]
              %1:f32 = load t2[i0]
              %2:f32 = div %0 %1
              store o0[16*i0 + i1] <- %2
            aliasable: o0=p0"#]],
    );
}

#[test]
fn common_subexpressions_and_static_data_fold_away() {
    let table = hn::arange(0.0, 4.0, 1.0);
    let f = hn::jit({
        let table = table.clone();
        move |x: Array| {
            let scale = (&table + 1.0).sqrt(); // static: folded at trace time
            let a = &x * &scale;
            let b = &x * &scale; // the same expression again: merged
            (&a + &b) * 1.0 // `* 1` simplified away
        }
    });
    check(
        &f.lower(&hn::ones(&[4], DType::F32)),
        expect![[r#"
            { lambda a:f32[4] .
              let b:f32[4] = const [1.0, 1.4142135, 1.7320508, 2.0]
                  c:f32[4] = mul a b
                  d:f32[4] = mul a b
                  e:f32[4] = add c d
                  f:f32[4] = mul e 1.0:f32
              in (f) }"#]],
        expect![[r#"
            { lambda a:f32[4] .
              let b:f32[4] = const [1.0, 1.4142135, 1.7320508, 2.0]
                  c:f32[4] = mul a b
                  d:f32[4] = add c c
              in (d) }
            buffers: p0:f32[4] o0:f32[4] c0:f32[4]
            k0 loop[4] fuses v2 v3
              %0:f32 = load p0[i0]
              %1:f32 = load c0[i0]
              %2:f32 = mul %0 %1
              %3:f32 = add %2 %2
              store o0[i0] <- %3
            aliasable: o0=p0"#]],
    );
}
