//! A tiny compiled loop around one inline vector-math emitter, shared by
//! the accuracy tests (`tests/vmath.rs`) and the timing example
//! (`examples/vmath_time.rs`): `out[i] = emit(a[i], &b[i])` over a buffer,
//! for one Cranelift type, with or without FMA.

use cranelift_codegen::ir::{
    AbiParam, InstBuilder, MemFlagsData, Type, UserFuncName, Value, types,
};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};
use heron_codegen::vmath::Target;

/// `fn(a, b, out, bytes)`: `out[i] = f(a[i], b[i])` over `bytes` bytes.
pub type LoopFn = unsafe extern "C" fn(*const u8, *const u8, *mut u8, i64);

/// Emits the element function: the builder, the target, the element of
/// `a` (loaded) and the address of the element of `b` (load it only if
/// the function has a second operand).
pub type Emit<'a> = &'a dyn Fn(&mut FunctionBuilder, Target, Value, Value) -> Value;

/// A compiled loop and the module that owns its code.
pub struct Kernel {
    /// The loop.
    pub f: LoopFn,
    /// Elements per iteration.
    pub lanes: usize,
    _module: JITModule,
}

/// Compiles the loop over elements of `ty` around `emit`; `fma: false`
/// turns FMA off (x86-64), `disasm` prints the machine code, `label` names
/// the loop in a failure message.
pub fn compile_loop(ty: Type, fma: bool, disasm: bool, label: &str, emit: Emit) -> Kernel {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").expect("a known flag");
    let mut isa_builder = cranelift_native::builder().expect("a host ISA");
    if !fma {
        // Only meaningful on x86-64; elsewhere the flag may not exist.
        let _ = isa_builder.set("has_fma", "false");
    }
    let isa = isa_builder
        .finish(settings::Flags::new(flags))
        .expect("an ISA");
    let target = Target::from_isa(&*isa);
    let config = isa.frontend_config();
    let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
    let mut ctx = module.make_context();
    let ptr = types::I64;
    for _ in 0..4 {
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
            p[3],
        );
        b.ins().brif(more, body, &[], exit, &[]);
        b.switch_to_block(body);
        let flags = MemFlagsData::new();
        let pa = b.ins().iadd(p[0], i);
        let pb = b.ins().iadd(p[1], i);
        let po = b.ins().iadd(p[2], i);
        let x = b.ins().load(ty, flags, pa, 0);
        let r = emit(&mut b, target, x, pb);
        b.ins().store(flags, r, po, 0);
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
    ctx.set_disasm(disasm);
    if let Err(e) = module.define_function(id, &mut ctx) {
        panic!("{label} on {ty} (fma={fma}): {e:?}\n{}", ctx.func.display());
    }
    if disasm {
        let code = ctx.compiled_code().expect("compiled");
        println!("{}", code.vcode.as_deref().unwrap_or(""));
    }
    module.finalize_definitions().expect("finalized");
    let code = module.get_finalized_function(id);
    // SAFETY: the function was just compiled with the `LoopFn` signature.
    let f = unsafe { std::mem::transmute::<*const u8, LoopFn>(code) };
    Kernel {
        f,
        lanes: ty.lane_count() as usize,
        _module: module,
    }
}
