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

use cranelift_codegen::ir::{
    AbiParam, InstBuilder, MemFlagsData, Type, UserFuncName, Value, types,
};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};
use heron_codegen::vmath::{self, Target};
use heron_ir::UnaryOp;
use std::time::Instant;

/// `fn(x, out, bytes)`: `out[i] = f(x[i])` over `bytes` bytes.
type LoopFn = unsafe extern "C" fn(*const u8, *mut u8, i64);

/// Emits the element function into the loop body.
type Emit = fn(&mut FunctionBuilder, Target, Value) -> Value;

/// A compiled loop and the module that owns its code.
struct Kernel {
    f: LoopFn,
    _module: JITModule,
}

fn compile(emit: Emit, ty: Type, disasm: bool) -> Kernel {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").expect("a known flag");
    let isa = cranelift_native::builder()
        .expect("a host ISA")
        .finish(settings::Flags::new(flags))
        .expect("an ISA");
    let target = Target::from_isa(&*isa);
    let config = isa.frontend_config();
    let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
    let mut ctx = module.make_context();
    let ptr = types::I64;
    for _ in 0..3 {
        ctx.func.signature.params.push(AbiParam::new(ptr));
    }
    ctx.func.name = UserFuncName::user(0, 0);
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let entry = b.create_block();
        let header = b.create_block();
        let body = b.create_block();
        let exit = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.append_block_param(header, ptr);
        b.switch_to_block(entry);
        let p = b.block_params(entry).to_vec();
        let zero = b.ins().iconst(ptr, 0);
        b.ins().jump(header, &[zero.into()]);
        b.switch_to_block(header);
        let i = b.block_params(header)[0];
        let more = b.ins().icmp(
            cranelift_codegen::ir::condcodes::IntCC::SignedLessThan,
            i,
            p[2],
        );
        b.ins().brif(more, body, &[], exit, &[]);
        b.switch_to_block(body);
        let flags = MemFlagsData::new();
        let px = b.ins().iadd(p[0], i);
        let po = b.ins().iadd(p[1], i);
        let x = b.ins().load(ty, flags, px, 0);
        let y = emit(&mut b, target, x);
        b.ins().store(flags, y, po, 0);
        let next = b.ins().iadd_imm_s(i, ty.bytes() as i64);
        b.ins().jump(header, &[next.into()]);
        b.switch_to_block(exit);
        b.ins().return_(&[]);
        b.seal_all_blocks();
        b.finalize(config);
    }
    let id = module
        .declare_function("k", Linkage::Local, &ctx.func.signature)
        .expect("declared");
    if disasm {
        ctx.set_disasm(true);
    }
    module.define_function(id, &mut ctx).expect("compiled");
    if disasm {
        let code = ctx.compiled_code().expect("compiled");
        println!("{}", code.vcode.as_deref().unwrap_or(""));
    }
    module.finalize_definitions().expect("finalized");
    let code = module.get_finalized_function(id);
    // SAFETY: the function was just compiled with the `LoopFn` signature.
    let f = unsafe { std::mem::transmute::<*const u8, LoopFn>(code) };
    Kernel { f, _module: module }
}

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
        .map(|&(name, e)| compile(e, types::F32X4, show.as_deref() == Some(name)))
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
                    unsafe { (k.f)(xs.as_ptr().cast(), out.as_mut_ptr().cast(), (4 * n) as i64) };
                }
                t.push(start.elapsed().as_secs_f64() * 1e9 / (reps * n) as f64);
            }
        }
        println!("{n} elements (f32x4, one thread), ns/element, median of {rounds} rounds:");
        for ((name, _), t) in variants.iter().zip(&mut times) {
            t.sort_by(f64::total_cmp);
            println!("  {name:<22} {:.3}", t[rounds / 2]);
        }
    }
}
