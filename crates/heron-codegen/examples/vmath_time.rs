//! Times inline vector math per element: `f32x4` loops over 32,768 and
//! 1,048,576 elements, one thread, each variant compiled into the same
//! loop and timed alternately (median of rounds). Run with `--release`:
//!
//! ```text
//! cargo run --release -p heron-codegen --example vmath_time
//! ```
//!
//! Besides `emit_unary`'s `tanh` and `sigmoid` it times the formulas they
//! replaced, built here from the public emitters (`tanh = -t/(t+2)` with
//! `t = expm1(-2|x|)`), and `exp` and `add` for scale.

#[path = "../tests/common/vmath_loop.rs"]
mod vmath_loop;

use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};
use cranelift_frontend::FunctionBuilder;
use heron_codegen::vmath::{self, Target};
use heron_ir::UnaryOp;
use std::time::Instant;
use vmath_loop::{Kernel, compile_loop};

/// Emits the element function into the loop body.
type Emit = fn(&mut FunctionBuilder, Target, Value) -> Value;

fn unary(op: UnaryOp) -> impl Fn(&mut FunctionBuilder, Target, Value) -> Value {
    move |b, t, x| vmath::emit_unary(b, t, op, x).expect("provided")
}

/// The previous `tanh`: `sign(x) (-t / (t + 2))`, `t = expm1(-2|x|)`.
fn tanh_expm1(b: &mut FunctionBuilder, t: Target, x: Value) -> Value {
    let ty = b.func.dfg.value_type(x);
    let a = b.ins().fabs(x);
    let m2 = b.ins().f32const(-2.0);
    let m2 = b.ins().splat(ty, m2);
    let a2 = b.ins().fmul(a, m2);
    let e = vmath::emit_unary(b, t, UnaryOp::Expm1, a2).expect("provided");
    let two = b.ins().f32const(2.0);
    let two = b.ins().splat(ty, two);
    let den = b.ins().fadd(e, two);
    let ne = b.ins().fneg(e);
    let y = b.ins().fdiv(ne, den);
    // Copy the sign of `x` onto `y` (`fcopysign` has no vector lowering).
    let ity = types::I32X4;
    let sign = b.ins().iconst(types::I32, i64::from(i32::MIN));
    let sign = b.ins().splat(ity, sign);
    let yb = b.ins().bitcast(ity, MemFlagsData::new(), y);
    let xb = b.ins().bitcast(ity, MemFlagsData::new(), x);
    let xs = b.ins().band(xb, sign);
    let r = b.ins().bor(yb, xs);
    b.ins().bitcast(ty, MemFlagsData::new(), r)
}

fn main() {
    let variants: Vec<(&str, Emit)> = vec![
        ("add", |b, _, x| b.ins().fadd(x, x)),
        ("exp", |b, t, x| unary(UnaryOp::Exp)(b, t, x)),
        ("expm1", |b, t, x| unary(UnaryOp::Expm1)(b, t, x)),
        ("div", |b, _, x| b.ins().fdiv(x, x)),
        ("tanh (expm1, before)", tanh_expm1),
        ("tanh", |b, t, x| unary(UnaryOp::Tanh)(b, t, x)),
        ("sigmoid", |b, t, x| unary(UnaryOp::Sigmoid)(b, t, x)),
    ];
    // `VMATH_TIME_DISASM=tanh` prints that variant's machine code.
    let show = std::env::var("VMATH_TIME_DISASM").ok();
    let kernels: Vec<Kernel> = variants
        .iter()
        .map(|&(name, e)| {
            let disasm = show.as_deref() == Some(name);
            compile_loop(types::F32X4, true, disasm, name, &|b, t, x, _| e(b, t, x))
        })
        .collect();
    for n in [32_768usize, 1 << 20] {
        let xs: Vec<f32> = (0..n).map(|i| (i as f32 / n as f32) * 16.0 - 8.0).collect();
        let mut out = vec![0f32; n];
        let reps = (1 << 24) / n;
        let rounds = 15;
        let mut times = vec![Vec::new(); kernels.len()];
        for _ in 0..rounds {
            for (k, t) in kernels.iter().zip(&mut times) {
                let start = Instant::now();
                for _ in 0..reps {
                    // SAFETY: the loop reads `4 n` bytes of `xs` and writes
                    // as many to `out`, both of `n` f32 elements.
                    unsafe {
                        (k.f)(
                            xs.as_ptr().cast(),
                            xs.as_ptr().cast(),
                            out.as_mut_ptr().cast(),
                            (4 * n) as i64,
                        )
                    };
                }
                t.push(start.elapsed().as_secs_f64() * 1e9 / (reps * n) as f64);
            }
        }
        let lanes = kernels[0].lanes;
        println!("{n} elements (f32x{lanes}, one thread), ns/element, median of {rounds} rounds:");
        for ((name, _), t) in variants.iter().zip(&mut times) {
            t.sort_by(f64::total_cmp);
            println!("  {name:<22} {:.3}", t[rounds / 2]);
        }
    }
}
