//! Finalized machine code as it runs: the kernel entry point type, the
//! code of one compiled module (`Compiled`: entry addresses, owned until
//! dropped) and the form in which one function's bytes are saved
//! (`FunctionCode`, part of a `CodeImage`).

use cranelift_jit::JITModule;
use serde::{Deserialize, Serialize};

/// A kernel entry point: `fn(args, start, end)` over the linear range
/// `[start, end)` of the kernel's launch shape.
pub type KernelFn = unsafe extern "C" fn(*const *const u8, u64, u64);

/// One function's finished machine code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCode {
    /// The kernel's name in the plan (`k0`, `k1`, ...).
    pub name: String,
    /// The alignment the code needs, in bytes.
    pub alignment: u32,
    /// The code and its constant pool.
    #[serde(with = "hex::serde")]
    pub bytes: Vec<u8>,
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
    /// Every function's machine code, when all of it is position independent.
    pub image: Option<Vec<FunctionCode>>,
    /// True when the code was loaded from a `CodeImage` rather than compiled.
    pub loaded: bool,
}

impl Compiled {
    /// The code of `module`, finalized: `fns` are its functions' entry
    /// addresses in definition order; `clif`, `code_size` and `image` as
    /// the fields say.
    pub(crate) fn new(
        module: JITModule,
        fns: Vec<usize>,
        clif: String,
        code_size: usize,
        image: Option<Vec<FunctionCode>>,
    ) -> Compiled {
        Compiled {
            module: std::sync::Mutex::new(Some(module)),
            fns,
            clif,
            code_size,
            image,
            loaded: false,
        }
    }

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
