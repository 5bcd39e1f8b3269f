//! Snapshot tests of `simplify`: each rule, and the cases it must leave alone.

use super::super::testing::*;
use super::*;
use crate::{AxisSlice, OutputRole};
use expect_test::{Expect, expect};

/// Builds a graph whose outputs are the nodes `build` returns.
fn check(build: impl FnOnce(&mut Graph) -> Vec<NodeId>, expect: Expect) {
    let build = |g: &mut Graph| {
        for (n, id) in build(g).into_iter().enumerate() {
            g.output(id, OutputRole::Result(n as u32));
        }
    };
    check_pass(build, |g| Ok(super::super::dce::dce(&simplify(g)?)), expect);
}

#[test]
fn float_identities_respect_signed_zeros_and_nan() {
    check(
        |g| {
            let x = arg(g, &[3], DType::F32);
            let (one, zero, minus_zero) =
                (scalar(g, 1.0f32), scalar(g, 0.0f32), scalar(g, -0.0f32));
            vec![
                binary(g, BinaryOp::Mul, x, one),
                binary(g, BinaryOp::Mul, one, x),
                binary(g, BinaryOp::Div, x, one),
                binary(g, BinaryOp::Add, x, minus_zero),
                binary(g, BinaryOp::Add, minus_zero, x),
                binary(g, BinaryOp::Sub, x, zero),
                binary(g, BinaryOp::Add, x, zero),
                binary(g, BinaryOp::Sub, x, minus_zero),
                binary(g, BinaryOp::Mul, x, zero),
                binary(g, BinaryOp::Div, one, x),
            ]
        },
        expect![[r#"
            { lambda a:f32[3] .
              let b:f32[3] = mul a 1.0:f32
                  c:f32[3] = mul 1.0:f32 a
                  d:f32[3] = div a 1.0:f32
                  e:f32[3] = add a -0.0:f32
                  f:f32[3] = add -0.0:f32 a
                  g:f32[3] = sub a 0.0:f32
                  h:f32[3] = add a 0.0:f32
                  i:f32[3] = sub a -0.0:f32
                  j:f32[3] = mul a 0.0:f32
                  k:f32[3] = div 1.0:f32 a
              in (b, c, d, e, f, g, h, i, j, k) }
            =>
            { lambda a:f32[3] .
              let b:f32[3] = add a 0.0:f32
                  c:f32[3] = sub a -0.0:f32
                  d:f32[3] = mul a 0.0:f32
                  e:f32[3] = div 1.0:f32 a
              in (a, a, a, a, a, a, b, c, d, e) }"#]],
    );
}

#[test]
fn integer_identities_and_absorbing_zero() {
    check(
        |g| {
            let x = arg(g, &[2, 3], DType::I32);
            let zeros = full(g, &[3], 0i32);
            let (one, all_ones) = (scalar(g, 1i32), scalar(g, -1i32));
            let b = arg(g, &[2], DType::Bool);
            let f = scalar(g, false);
            vec![
                binary(g, BinaryOp::Mul, x, zeros),
                binary(g, BinaryOp::Mul, zeros, x),
                binary(g, BinaryOp::Add, zeros, x),
                binary(g, BinaryOp::Div, x, one),
                binary(g, BinaryOp::Or, x, zeros),
                binary(g, BinaryOp::And, all_ones, x),
                binary(g, BinaryOp::Xor, b, f),
                binary(g, BinaryOp::Rem, x, one),
            ]
        },
        expect![[r#"
            { lambda a:i32[2,3] b:bool[2] .
              let c:i32[3] = const [0, 0, 0]
                  d:i32[2,3] = mul a c
                  e:i32[2,3] = mul c a
                  f:i32[2,3] = add c a
                  g:i32[2,3] = div a 1:i32
                  h:i32[2,3] = or a c
                  i:i32[2,3] = and -1:i32 a
                  j:bool[2] = xor b false:bool
                  k:i32[2,3] = rem a 1:i32
              in (d, e, f, g, h, i, j, k) }
            =>
            { lambda a:i32[2,3] b:bool[2] .
              let c:i32[3] = const [0, 0, 0]
                  d:i32[2,3] = broadcast_to[shape=(2,3)] c
                  e:i32[2,3] = broadcast_to[shape=(2,3)] c
                  f:i32[2,3] = rem a 1:i32
              in (d, e, a, a, a, a, b, f) }"#]],
    );
}

#[test]
fn a_smaller_survivor_is_broadcast_to_the_result_shape() {
    check(
        |g| {
            let x = arg(g, &[1], DType::I32);
            let zeros = full(g, &[3], 0i32);
            let y = arg(g, &[2, 1], DType::F32);
            let ones = full(g, &[2, 4], 1.0f32);
            let c = full(g, &[2, 3], true);
            let a = arg(g, &[3], DType::I32);
            vec![
                binary(g, BinaryOp::Add, x, zeros),
                binary(g, BinaryOp::Mul, ones, y),
                node(g, Op::Select, &[c, a, x]),
            ]
        },
        expect![[r#"
            { lambda a:i32[1] b:f32[2,1] c:i32[3] .
              let d:i32[3] = const [0, 0, 0]
                  e:f32[2,4] = const c1
                  f:bool[2,3] = const c2
                  g:i32[3] = add a d
                  h:f32[2,4] = mul e b
                  i:i32[2,3] = select f c a
              in (g, h, i) }
            =>
            { lambda a:i32[1] b:f32[2,1] c:i32[3] .
              let d:i32[3] = broadcast_to[shape=(3,)] a
                  e:f32[2,4] = broadcast_to[shape=(2,4)] b
                  f:i32[2,3] = broadcast_to[shape=(2,3)] c
              in (d, e, f) }"#]],
    );
}

#[test]
fn involutions_and_integer_rounding() {
    check(
        |g| {
            let x = arg(g, &[3], DType::F32);
            let b = arg(g, &[3], DType::Bool);
            let i = arg(g, &[3], DType::U32);
            let nx = unary(g, UnaryOp::Neg, x);
            let nb = unary(g, UnaryOp::Not, b);
            let ni = unary(g, UnaryOp::Not, i);
            vec![
                unary(g, UnaryOp::Neg, nx),
                unary(g, UnaryOp::Not, nb),
                unary(g, UnaryOp::Not, ni),
                unary(g, UnaryOp::Floor, i),
                unary(g, UnaryOp::Floor, x),
            ]
        },
        expect![[r#"
            { lambda a:f32[3] b:bool[3] c:u32[3] .
              let d:f32[3] = neg a
                  e:bool[3] = not b
                  f:u32[3] = not c
                  g:f32[3] = neg d
                  h:bool[3] = not e
                  i:u32[3] = not f
                  j:u32[3] = floor c
                  k:f32[3] = floor a
              in (g, h, i, j, k) }
            =>
            { lambda a:f32[3] b:bool[3] c:u32[3] .
              let d:f32[3] = floor a
              in (a, b, c, c, d) }"#]],
    );
}

#[test]
fn casts_collapse_only_through_lossless_widening() {
    check(
        |g| {
            let i = arg(g, &[2], DType::I32);
            let f = arg(g, &[2], DType::F32);
            let cast = |g: &mut Graph, x, d| node(g, Op::Cast(d), &[x]);
            let i64_ = cast(g, i, DType::I64);
            let i_f32 = cast(g, i, DType::F32);
            let f64_ = cast(g, f, DType::F64);
            vec![
                cast(g, i, DType::I32),
                cast(g, i64_, DType::F32),
                cast(g, i64_, DType::I32),
                cast(g, i_f32, DType::F64),
                cast(g, f64_, DType::F32),
            ]
        },
        expect![[r#"
            { lambda a:i32[2] b:f32[2] .
              let c:i64[2] = convert[i64] a
                  d:f32[2] = convert[f32] a
                  e:f64[2] = convert[f64] b
                  f:i32[2] = convert[i32] a
                  g:f32[2] = convert[f32] c
                  h:i32[2] = convert[i32] c
                  i:f64[2] = convert[f64] d
                  j:f32[2] = convert[f32] e
              in (f, g, h, i, j) }
            =>
            { lambda a:i32[2] b:f32[2] .
              let c:f32[2] = convert[f32] a
                  d:f32[2] = convert[f32] a
                  e:f64[2] = convert[f64] c
              in (a, d, a, e, b) }"#]],
    );
}

/// Regression: `convert[i32] (convert[f64] x)` of a u32 `x` collapsed to
/// `convert[i32] x`, which wraps where the float conversion saturates
/// (`u32::MAX` gave -1, not `i32::MAX`); likewise i32 through f64 to u32.
/// An integer through a float to an integer collapses only when the
/// direct conversion cannot leave the target's range.
#[test]
fn integer_through_float_to_integer_keeps_the_saturation() {
    check(
        |g| {
            let u = arg(g, &[2], DType::U32);
            let i = arg(g, &[2], DType::I32);
            let f = arg(g, &[2], DType::F32);
            let cast = |g: &mut Graph, x, d| node(g, Op::Cast(d), &[x]);
            let u_f64 = cast(g, u, DType::F64);
            let i_f64 = cast(g, i, DType::F64);
            let f_f64 = cast(g, f, DType::F64);
            vec![
                cast(g, u_f64, DType::I32),
                cast(g, i_f64, DType::U32),
                cast(g, u_f64, DType::I64),
                cast(g, i_f64, DType::I64),
                cast(g, f_f64, DType::I32),
                cast(g, u_f64, DType::F32),
            ]
        },
        expect![[r#"
            { lambda a:u32[2] b:i32[2] c:f32[2] .
              let d:f64[2] = convert[f64] a
                  e:f64[2] = convert[f64] b
                  f:f64[2] = convert[f64] c
                  g:i32[2] = convert[i32] d
                  h:u32[2] = convert[u32] e
                  i:i64[2] = convert[i64] d
                  j:i64[2] = convert[i64] e
                  k:i32[2] = convert[i32] f
                  l:f32[2] = convert[f32] d
              in (g, h, i, j, k, l) }
            =>
            { lambda a:u32[2] b:i32[2] c:f32[2] .
              let d:f64[2] = convert[f64] a
                  e:f64[2] = convert[f64] b
                  f:i32[2] = convert[i32] d
                  g:u32[2] = convert[u32] e
                  h:i64[2] = convert[i64] a
                  i:i64[2] = convert[i64] b
                  j:i32[2] = convert[i32] c
                  k:f32[2] = convert[f32] a
              in (f, g, h, i, j, k) }"#]],
    );
}

#[test]
fn identity_and_chained_movements() {
    check(
        |g| {
            let x = arg(g, &[2, 3], DType::F32);
            let s = arg(g, &[3], DType::F32);
            let slice = |start, len, step| AxisSlice { start, len, step };
            let t = node(g, Op::Permute([1, 0].into_iter().collect()), &[x]);
            let r = node(g, Op::Reshape(Shape::new(&[6])), &[x]);
            let bs = node(g, Op::BroadcastTo(Shape::new(&[2, 3])), &[s]);
            vec![
                node(g, Op::BroadcastTo(Shape::new(&[2, 3])), &[x]),
                node(g, Op::Reshape(Shape::new(&[2, 3])), &[x]),
                node(g, Op::Permute([0, 1].into_iter().collect()), &[x]),
                node(g, Op::Permute([1, 0].into_iter().collect()), &[t]),
                node(g, Op::Reshape(Shape::new(&[3, 2])), &[r]),
                node(g, Op::BroadcastTo(Shape::new(&[4, 2, 3])), &[bs]),
                node(
                    g,
                    Op::Slice([slice(0, 2, 1), slice(0, 3, 1)].into_iter().collect()),
                    &[x],
                ),
                node(
                    g,
                    Op::Slice([slice(1, 2, -1), slice(0, 3, 1)].into_iter().collect()),
                    &[x],
                ),
            ]
        },
        expect![[r#"
            { lambda a:f32[2,3] b:f32[3] .
              let c:f32[3,2] = transpose[perm=(1,0)] a
                  d:f32[6] = reshape[shape=(6,)] a
                  e:f32[2,3] = broadcast_to[shape=(2,3)] b
                  f:f32[2,3] = broadcast_to[shape=(2,3)] a
                  g:f32[2,3] = reshape[shape=(2,3)] a
                  h:f32[2,3] = transpose[perm=(0,1)] a
                  i:f32[2,3] = transpose[perm=(1,0)] c
                  j:f32[3,2] = reshape[shape=(3,2)] d
                  k:f32[4,2,3] = broadcast_to[shape=(4,2,3)] e
                  l:f32[2,3] = slice[start:len:step=(0:2:1,0:3:1)] a
                  m:f32[2,3] = slice[start:len:step=(1:2:-1,0:3:1)] a
              in (f, g, h, i, j, k, l, m) }
            =>
            { lambda a:f32[2,3] b:f32[3] .
              let c:f32[3,2] = reshape[shape=(3,2)] a
                  d:f32[4,2,3] = broadcast_to[shape=(4,2,3)] b
                  e:f32[2,3] = slice[start:len:step=(1:2:-1,0:3:1)] a
              in (a, a, a, a, c, d, a, e) }"#]],
    );
}

#[test]
fn select_with_a_known_condition_or_equal_branches() {
    check(
        |g| {
            let c = arg(g, &[3], DType::Bool);
            let a = arg(g, &[3], DType::F32);
            let b = arg(g, &[3], DType::F32);
            let yes = scalar(g, true);
            let no = scalar(g, false);
            let mixed = vector(g, &[true, false, true]);
            vec![
                node(g, Op::Select, &[yes, a, b]),
                node(g, Op::Select, &[no, a, b]),
                node(g, Op::Select, &[c, b, b]),
                node(g, Op::Select, &[mixed, a, b]),
            ]
        },
        expect![[r#"
            { lambda a:bool[3] b:f32[3] c:f32[3] .
              let d:bool[3] = const [true, false, true]
                  e:f32[3] = select true:bool b c
                  f:f32[3] = select false:bool b c
                  g:f32[3] = select a c c
                  h:f32[3] = select d b c
              in (e, f, g, h) }
            =>
            { lambda a:bool[3] b:f32[3] c:f32[3] .
              let d:bool[3] = const [true, false, true]
                  e:f32[3] = select d b c
              in (b, c, c, e) }"#]],
    );
}
