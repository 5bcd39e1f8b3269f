//! The JIT module wrapper: one struct owns the host ISA, the Cranelift
//! contexts and the `JITModule`, defines kernel functions in it and frees
//! their code when dropped.

use cranelift_codegen::ir::{AbiParam, Function, Signature, UserFuncName, types};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::{Context, settings, settings::Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, default_libcall_names};
use heron_ir::{Error, Result};

/// A kernel entry point: `fn(args, start, end)` over the linear range
/// `[start, end)` of the kernel's launch shape.
pub type KernelFn = unsafe extern "C" fn(*const *const u8, u64, u64);

/// Owns the JIT module while kernels are defined, then the finalized code.
pub struct Jit {
    module: JITModule,
    ctx: Context,
    fctx: FunctionBuilderContext,
    ids: Vec<FuncId>,
    clif: String,
    code_size: usize,
}

fn compile_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Compile(format!("{what}: {e}"))
}

impl Jit {
    /// A module for the host ISA, `opt_level=speed`.
    pub fn new() -> Result<Jit> {
        let mut flags = settings::builder();
        flags
            .set("opt_level", "speed")
            .map_err(|e| compile_error("flags", e))?;
        flags
            .set("use_colocated_libcalls", "false")
            .map_err(|e| compile_error("flags", e))?;
        flags
            .set("is_pic", "false")
            .map_err(|e| compile_error("flags", e))?;
        let isa = cranelift_native::builder()
            .map_err(|e| compile_error("host ISA", e))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| compile_error("host ISA", e))?;
        let module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let ctx = module.make_context();
        Ok(Jit {
            module,
            ctx,
            fctx: FunctionBuilderContext::new(),
            ids: Vec::new(),
            clif: String::new(),
            code_size: 0,
        })
    }

    /// The calling convention of kernels and helpers.
    pub fn call_conv(&self) -> CallConv {
        self.module.isa().default_call_conv()
    }

    /// The target's configuration for the function builder.
    pub fn frontend_config(&self) -> cranelift_codegen::isa::TargetFrontendConfig {
        self.module.isa().frontend_config()
    }

    /// The signature of a kernel: `(args: i64, start: i64, end: i64)`.
    pub fn kernel_signature(&self) -> Signature {
        let mut sig = Signature::new(self.call_conv());
        for _ in 0..3 {
            sig.params.push(AbiParam::new(types::I64));
        }
        sig
    }

    /// Builds a function with `build` (given an empty function of the kernel
    /// signature and a builder context), records its text and compiles it.
    /// Returns its index for `finish`.
    pub fn define(
        &mut self,
        name: &str,
        build: impl FnOnce(&mut Function, &mut FunctionBuilderContext) -> Result<()>,
    ) -> Result<usize> {
        let sig = self.kernel_signature();
        let id = self
            .module
            .declare_function(name, Linkage::Local, &sig)
            .map_err(|e| compile_error(name, e))?;
        self.module.clear_context(&mut self.ctx);
        self.ctx.func.signature = sig;
        self.ctx.func.name = UserFuncName::user(0, id.as_u32());
        build(&mut self.ctx.func, &mut self.fctx)?;
        self.clif
            .push_str(&format!("; kernel {name}\n{}\n", self.ctx.func.display()));
        self.module
            .define_function(id, &mut self.ctx)
            .map_err(|e| compile_error(name, format!("{e:?}")))?;
        if let Some(code) = self.ctx.compiled_code() {
            self.code_size += code.code_info().total_size as usize;
        }
        self.ids.push(id);
        Ok(self.ids.len() - 1)
    }

    /// Finalizes the code; returns the entry points in definition order and
    /// the loaded module (which owns the code).
    pub fn finish(mut self) -> Result<Compiled> {
        self.module
            .finalize_definitions()
            .map_err(|e| compile_error("finalize", e))?;
        let fns = self
            .ids
            .iter()
            .map(|&id| self.module.get_finalized_function(id) as usize)
            .collect();
        Ok(Compiled {
            module: std::sync::Mutex::new(Some(self.module)),
            fns,
            clif: self.clif,
            code_size: self.code_size,
        })
    }
}

/// Finalized machine code: entry addresses and the module owning them.
pub struct Compiled {
    /// Held only to be freed on drop; the mutex makes the owner `Sync`.
    module: std::sync::Mutex<Option<JITModule>>,
    fns: Vec<usize>,
    /// The Cranelift IR of every function, as defined.
    pub clif: String,
    /// Bytes of machine code.
    pub code_size: usize,
}

impl Compiled {
    /// The entry point of function `i`.
    pub fn function(&self, i: usize) -> KernelFn {
        // SAFETY: `fns[i]` is the address of a finalized function defined with
        // the kernel signature, alive as long as `self` (the module is freed
        // only on drop).
        unsafe { std::mem::transmute::<usize, KernelFn>(self.fns[i]) }
    }
}

impl Drop for Compiled {
    fn drop(&mut self) {
        let module = self
            .module
            .get_mut()
            .map(Option::take)
            .unwrap_or_else(|e| e.into_inner().take());
        if let Some(module) = module {
            // SAFETY: the code is only called through `&self` methods of the
            // owner, so no kernel runs once it is being dropped.
            unsafe { module.free_memory() };
        }
    }
}
