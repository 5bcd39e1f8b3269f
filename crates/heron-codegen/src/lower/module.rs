//! The JIT module wrapper: one struct owns the host ISA, the Cranelift
//! contexts and the `JITModule` while kernel functions are defined in it,
//! then hands the finalized code over as `Compiled` (which frees it when
//! dropped).

use crate::run::code::{Compiled, FunctionCode};
use cranelift_codegen::ir::{AbiParam, Function, Signature, UserFuncName, types};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::{Context, settings, settings::Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, default_libcall_names};
use heron_ir::{Error, Result};
use std::sync::LazyLock;

/// Owns the JIT module while kernels are defined, then the finalized code.
pub struct Jit {
    module: JITModule,
    ctx: Context,
    fctx: FunctionBuilderContext,
    ids: Vec<FuncId>,
    clif: String,
    code_size: usize,
    /// The machine code of every function defined, for `CodeImage`; `None`
    /// once a function needed a relocation (its code is not position
    /// independent and must never be saved).
    image: Option<Vec<FunctionCode>>,
}

fn compile_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Compile(format!("{what}: {e}"))
}

/// The host ISA with heron's flags, detected once per process (detecting
/// the CPU's features and building the ISA costs a fraction of a millisecond
/// that every compilation, and every load of saved code, would pay again).
static HOST_ISA: LazyLock<std::result::Result<OwnedTargetIsa, String>> = LazyLock::new(|| {
    let mut flags = settings::builder();
    for (name, value) in [
        ("opt_level", "speed"),
        ("use_colocated_libcalls", "false"),
        ("is_pic", "false"),
        // Cranelift's IR verifier re-checks every function it compiles:
        // about a third of the compile time (W6: W3's step 2.0 ms without it,
        // 4.2–6.5 ms with it). Debug builds, and so the test suite, keep it
        // on every kernel the tests lower; release builds trust that.
        (
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        ),
    ] {
        flags.set(name, value).map_err(|e| format!("flags: {e}"))?;
    }
    cranelift_native::builder()
        .map_err(|e| format!("host ISA: {e}"))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| format!("host ISA: {e}"))
});

impl Jit {
    /// A module for the host ISA, `opt_level=speed`.
    pub fn new() -> Result<Jit> {
        let isa = HOST_ISA.clone().map_err(Error::Compile)?;
        let module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let ctx = module.make_context();
        Ok(Jit {
            module,
            ctx,
            fctx: FunctionBuilderContext::new(),
            ids: Vec::new(),
            clif: String::new(),
            code_size: 0,
            image: Some(Vec::new()),
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
            capture_code(&mut self.image, name, code);
        }
        self.ids.push(id);
        Ok(self.ids.len() - 1)
    }

    /// Defines a function from machine code saved by `define` in another
    /// process (a `CodeImage`): the bytes are copied into this module's
    /// memory, which `finish` makes executable. Returns its index for `finish`.
    pub fn define_bytes(&mut self, code: &FunctionCode) -> Result<usize> {
        let sig = self.kernel_signature();
        let id = self
            .module
            .declare_function(&code.name, Linkage::Local, &sig)
            .map_err(|e| compile_error(&code.name, e))?;
        self.module
            .define_function_bytes(id, u64::from(code.alignment), &code.bytes, &[])
            .map_err(|e| compile_error(&code.name, e))?;
        self.code_size += code.bytes.len();
        if let Some(image) = &mut self.image {
            image.push(code.clone());
        }
        self.ids.push(id);
        Ok(self.ids.len() - 1)
    }

    /// A description of the target the code is generated for: the triple,
    /// Cranelift's shared flags and the CPU features it detected.
    pub fn target_description(&self) -> String {
        let isa = self.module.isa();
        let features: Vec<String> = isa.isa_flags().iter().map(|v| v.to_string()).collect();
        format!("{}\n{}{}\n", isa.triple(), isa.flags(), features.join("\n"))
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
        Ok(Compiled::new(
            self.module,
            fns,
            self.clif,
            self.code_size,
            self.image,
        ))
    }
}

/// Records the machine code of a just-compiled function, or forgets every
/// image of the module when the code needs relocations.
fn capture_code(
    image: &mut Option<Vec<FunctionCode>>,
    name: &str,
    code: &cranelift_codegen::CompiledCode,
) {
    if !code.buffer.relocs().is_empty() {
        *image = None;
    }
    if let Some(image) = image {
        image.push(FunctionCode {
            name: name.to_string(),
            alignment: code.buffer.alignment,
            bytes: code.code_buffer().to_vec(),
        });
    }
}
