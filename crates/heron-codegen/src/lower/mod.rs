//! Lowering of one fused kernel of a `KernelPlan` to a Cranelift function
//! `fn(args: *const *const u8, start: u64, end: u64)`.
//!
//! `args` is the argument table: the kernel's buffers (`Kernel::args` order),
//! then the helper table. Buffers, constants and helpers are only reached
//! through it; shapes and strides are immediates. The function covers the
//! linear range `[start, end)` of the kernel's launch shape (for a reduction,
//! the shape of its result), so a launch can be split into chunks: this
//! signature is the contract with every caller (the plan driver, parallel
//! launches, loop drivers) and stays as it is.
//!
//! The innermost loop is vectorised when the kernel allows it (`vector.rs`):
//! `lanes × unroll` elements per iteration in independent vectors, then one
//! vector at a time, then a scalar tail. Reductions over a contiguous
//! innermost axis keep several vector accumulators and fold their lanes at
//! the end; reductions whose innermost *kept* axis is contiguous (a sum over
//! axis 0) run rows outer and columns inner, one accumulator per output in
//! the scalar order (`columns.rs`).

mod cast;
mod columns;
pub(crate) mod driver;
mod elementwise;
mod gather;
pub mod loops;
mod memory;
pub(crate) mod module;
pub(crate) mod program;
mod reduce;
pub(crate) mod register_tiles;
mod threefry;
mod vector;
pub mod vmath;

use cranelift_codegen::ir::{
    AbiParam, Function, InstBuilder, MemFlagsData, SigRef, Signature, Type, Value, types,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use heron_ir::plan::{Expr, Kernel, StoreValue};
use heron_ir::{DType, Result};
use loops::{Nest, collapse};
use smallvec::{SmallVec, smallvec};
use std::collections::HashMap;

pub use columns::launch_grain;

/// The Cranelift type holding an element of `dtype` (bool is an i8 0/1).
pub fn clif_type(dtype: DType) -> Type {
    match dtype {
        DType::Bool => types::I8,
        DType::I32 | DType::U32 => types::I32,
        DType::I64 => types::I64,
        DType::F32 => types::F32,
        DType::F64 => types::F64,
    }
}

/// The vector type holding `lanes` elements of `dtype` (a bool is a mask of
/// the integer type of that width).
pub fn vec_type(dtype: DType, lanes: usize) -> Type {
    match (dtype, lanes) {
        (DType::F32, _) => types::F32X4,
        (DType::F64, _) => types::F64X2,
        (DType::I32 | DType::U32, _) => types::I32X4,
        (DType::I64, _) => types::I64X2,
        (DType::Bool, 4) => types::I32X4,
        (DType::Bool, _) => types::I64X2,
    }
}

/// Function-building state shared by the lowering files.
pub struct Emitter<'a> {
    /// The builder of the function being lowered.
    pub b: FunctionBuilder<'a>,
    helpers: Value,
    call_conv: CallConv,
    /// What the inline vector math may assume of the host.
    pub target: crate::lower::vmath::Target,
    sigs: HashMap<(Vec<Type>, Type), SigRef>,
}

impl<'a> Emitter<'a> {
    /// An instruction builder at the current position.
    pub fn ins(&mut self) -> cranelift_frontend::FuncInstBuilder<'_, 'a> {
        self.b.ins()
    }

    /// Calls helper `index` of the helper table with `args`, returning a `ret`.
    pub fn call_helper(&mut self, index: usize, args: &[Value], ret: Type) -> Value {
        let params: Vec<Type> = args
            .iter()
            .map(|&a| self.b.func.dfg.value_type(a))
            .collect();
        let key = (params.clone(), ret);
        let sig = match self.sigs.get(&key) {
            Some(&s) => s,
            None => {
                let mut sig = Signature::new(self.call_conv);
                sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
                sig.returns.push(AbiParam::new(ret));
                let s = self.b.import_signature(sig);
                self.sigs.insert(key, s);
                s
            }
        };
        let f = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted().with_readonly(),
            self.helpers,
            (index * 8) as i32,
        );
        let call = self.b.ins().call_indirect(sig, f, args);
        self.b.inst_results(call)[0]
    }
}

/// One memory access of a kernel: a buffer pointer, the element size, and
/// the coefficients of its index over the iteration axes.
struct Access {
    ptr: Value,
    size: usize,
    offset: i64,
    coefs: Vec<i64>,
    /// A load from memory the kernel never writes (see `invariant_load`):
    /// emitted `readonly` and movable, so Cranelift merges repeated loads
    /// of one address and hoists loop-invariant ones out of the loops.
    readonly: bool,
}

impl Access {
    /// The flags of a scalar load through this access (`trusted` is
    /// element aligned and cannot trap).
    fn load_flags(&self, flags: MemFlagsData) -> MemFlagsData {
        if self.readonly {
            flags.with_readonly().with_can_move()
        } else {
            flags
        }
    }
}

/// Whether a load of `buf` reads memory that no store of `kernel` writes:
/// no store writes `buf` itself, and `buf` is not memory a written buffer
/// may share (`may_alias`: a parameter updated in place by an output).
fn invariant_load(
    kernel: &Kernel,
    buf: heron_ir::plan::BufId,
    may_alias: &dyn Fn(heron_ir::plan::BufId) -> bool,
) -> bool {
    !may_alias(buf) && kernel.stores.iter().all(|s| s.buf != buf)
}

/// Lowers `kernel` into `func` (which has the kernel signature).
/// `may_alias(b)` is true for a buffer whose memory a buffer written by the
/// plan may share (the parameter of an in-place pair); loads of other
/// buffers the kernel does not write are treated as constant memory.
pub fn lower_kernel(
    kernel: &Kernel,
    buffer_dtype: &dyn Fn(heron_ir::plan::BufId) -> DType,
    may_alias: &dyn Fn(heron_ir::plan::BufId) -> bool,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    call_conv: CallConv,
    config: cranelift_codegen::isa::TargetFrontendConfig,
) -> Result<()> {
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let (args, start, end) = (params[0], params[1], params[2]);
    let arg_bufs = kernel.args();
    let flags = MemFlagsData::trusted().with_readonly();
    let ptrs: Vec<Value> = arg_bufs
        .iter()
        .enumerate()
        .map(|(i, _)| b.ins().load(types::I64, flags, args, (i * 8) as i32))
        .collect();
    let helpers = b
        .ins()
        .load(types::I64, flags, args, (arg_bufs.len() * 8) as i32);
    let ptr_of = |buf| {
        ptrs[arg_bufs
            .iter()
            .position(|&x| x == buf)
            .expect("kernel argument")]
    };

    // Accesses: the loads in body order, then the stores.
    let mut accesses = Vec::new();
    let mut access_of = vec![usize::MAX; kernel.body.len()];
    for (i, instr) in kernel.body.iter().enumerate() {
        // A generator's counter is walked like an access: its "offset" is
        // the counter itself. A gather has two: its table, then its indices.
        let (bufs, sizes): (SmallVec<[_; 2]>, SmallVec<[usize; 2]>) = match &instr.expr {
            Expr::Load { buf, .. } | Expr::ThreefryBits { key: buf, .. } => {
                (smallvec![*buf], smallvec![instr.dtype.size()])
            }
            Expr::Gather(g) => (
                smallvec![g.buf, g.index],
                smallvec![instr.dtype.size(), g.index_dtype.size()],
            ),
            _ => continue,
        };
        access_of[i] = accesses.len();
        let maps = gather::access_maps(&instr.expr);
        for ((buf, size), map) in bufs.into_iter().zip(sizes).zip(maps) {
            accesses.push(Access {
                ptr: ptr_of(buf),
                size,
                offset: map.offset,
                coefs: map.coefs.to_vec(),
                readonly: !matches!(instr.expr, Expr::ThreefryBits { .. })
                    && invariant_load(kernel, buf, may_alias),
            });
        }
    }
    let first_store = accesses.len();
    for s in &kernel.stores {
        accesses.push(Access {
            ptr: ptr_of(s.buf),
            size: buffer_dtype(s.buf).size(),
            offset: s.map.offset,
            coefs: s.map.coefs.to_vec(),
            readonly: false,
        });
    }

    let mut e = Emitter {
        b,
        helpers,
        call_conv,
        target: crate::lower::vmath::Target::host(),
        sigs: HashMap::new(),
    };
    let generators = threefry::Generators::load(&mut e, kernel, &ptr_of);
    let rank = kernel.shape.rank();
    let reduced: Vec<usize> = kernel
        .reduce
        .as_ref()
        .map(|r| r.axes.to_vec())
        .unwrap_or_default();
    let outer_axes: Vec<usize> = (0..rank).filter(|a| !reduced.contains(a)).collect();
    let all_coefs: Vec<&[i64]> = accesses.iter().map(|a| a.coefs.as_slice()).collect();
    let outer = collapse(&kernel.shape, &outer_axes, &all_coefs);
    let base: Vec<Value> = accesses
        .iter()
        .map(|a| e.b.ins().iconst(types::I64, a.offset))
        .collect();

    match &kernel.reduce {
        None => {
            let last = outer.dims.len() - 1;
            let inner: Vec<i64> = outer.coefs.iter().map(|c| c[last]).collect();
            let shape = vector::plan(kernel, buffer_dtype, &inner, first_store, outer.dims[last]);
            let mut vbody = |e: &mut Emitter<'_>, offs: &[Value], chunks: usize| {
                let shape = shape.expect("vector bodies run for vectorised kernels");
                let body = vector::Body {
                    kernel,
                    shape,
                    accesses: &accesses,
                    access_of: &access_of,
                    inner: &inner,
                    generators: &generators,
                };
                for c in 0..chunks {
                    let skip = c * shape.lanes;
                    let values = vector::eval_body(e, &body, offs, skip);
                    for (k, s) in kernel.stores.iter().enumerate() {
                        let a = first_store + k;
                        let v = values[vector::store_value(s)];
                        let dtype = buffer_dtype(s.buf);
                        vector::store(e, &accesses[a], offs[a], skip, v, dtype, shape.lanes);
                    }
                }
            };
            let vector = shape.map(|s| loops::VectorBody {
                lanes: s.lanes,
                unroll: s.unroll,
                body: &mut vbody,
            });
            outer.emit_with(&mut e, &base, Some(start), end, vector, &mut |e, offs| {
                let values = eval_body(e, kernel, &generators, &accesses, &access_of, offs);
                for (k, s) in kernel.stores.iter().enumerate() {
                    let StoreValue::Expr(v) = s.value else {
                        unreachable!("element-wise store")
                    };
                    store(
                        e,
                        &accesses[first_store + k],
                        offs[first_store + k],
                        values[v],
                    );
                }
            });
        }
        Some(red) => {
            let load_coefs: Vec<&[i64]> = accesses[..first_store]
                .iter()
                .map(|a| a.coefs.as_slice())
                .collect();
            let inner: Nest = collapse(&kernel.shape, &red.axes, &load_coefs);
            let in_dtype = kernel.body[red.value].dtype;
            let last = inner.dims.len() - 1;
            let inner_coefs: Vec<i64> = inner.coefs.iter().map(|c| c[last]).collect();
            let shape = vector::plan(
                kernel,
                buffer_dtype,
                &inner_coefs,
                first_store,
                inner.dims[last],
            )
            .map(|s| vector::Shape {
                unroll: row_unroll(kernel, red, s),
                ..s
            });
            if let Some(tile) = columns::tile(kernel, &outer, &inner, first_store) {
                let cols = columns::Columns {
                    kernel,
                    buffer_dtype,
                    accesses: &accesses,
                    access_of: &access_of,
                    first_store,
                    generators: &generators,
                };
                cols.emit(&mut e, &outer, &inner, tile, &base, start, end);
            } else {
                outer.emit_with(&mut e, &base, Some(start), end, None, &mut |e, offs| {
                    let mut acc = reduce::Acc::new(e, red.op, in_dtype, red.dtype);
                    let mut vacc = shape.and_then(|s| {
                        reduce::VecAcc::new(e, red.op, in_dtype, red.dtype, s.lanes, s.unroll)
                    });
                    let vectorised = vacc.is_some();
                    if inner.size() > 0 {
                        let n = e.b.ins().iconst(types::I64, inner.size() as i64);
                        let mut vbody = |e: &mut Emitter<'_>, offs: &[Value], chunks: usize| {
                            let shape = shape.expect("vector bodies run for vectorised kernels");
                            let vacc = vacc.as_mut().expect("vector accumulators exist");
                            let body = vector::Body {
                                kernel,
                                shape,
                                accesses: &accesses[..first_store],
                                access_of: &access_of,
                                inner: &inner_coefs,
                                generators: &generators,
                            };
                            let direct = direct_f32_load(kernel, red, &inner_coefs);
                            for c in 0..chunks {
                                if let Some(i) = direct {
                                    let a = &accesses[access_of[i]];
                                    let addr = address(e, a, offs[access_of[i]]);
                                    vacc.add_f32_at(e, c, addr, (c * shape.lanes * 4) as i32);
                                    continue;
                                }
                                let values = vector::eval_body(e, &body, offs, c * shape.lanes);
                                vacc.add(e, c, values[red.value]);
                            }
                        };
                        let vector = match (shape, vectorised) {
                            (Some(s), true) => Some(loops::VectorBody {
                                lanes: s.lanes,
                                unroll: s.unroll,
                                body: &mut vbody,
                            }),
                            _ => None,
                        };
                        inner.emit_with(
                            e,
                            &offs[..first_store],
                            None,
                            n,
                            vector,
                            &mut |e, inner_offs| {
                                let values = eval_body(
                                    e,
                                    kernel,
                                    &generators,
                                    &accesses,
                                    &access_of,
                                    inner_offs,
                                );
                                acc.add(e, values[red.value]);
                            },
                        );
                    }
                    if let Some(v) = vacc {
                        v.finish(e, &mut acc);
                    }
                    let result = acc.finish(e);
                    for k in 0..kernel.stores.len() {
                        store(e, &accesses[first_store + k], offs[first_store + k], result);
                    }
                });
            }
        }
    }
    e.b.ins().return_(&[]);
    e.b.seal_all_blocks();
    e.b.finalize(config);
    Ok(())
}

/// Vectors per step of a reduction along a contiguous axis: a max or min
/// of a short body keeps eight accumulators (each step's compare-and-blend
/// chain is long; eight chains hide its latency), everything else the
/// planned unroll (f32 sums already hold two f64 accumulators per vector).
fn row_unroll(kernel: &Kernel, red: &heron_ir::plan::Reduction, s: vector::Shape) -> usize {
    use heron_ir::ReduceOp;
    let short = kernel.body.len() <= 4;
    if short && matches!(red.op, ReduceOp::Max | ReduceOp::Min) {
        8
    } else {
        s.unroll
    }
}

/// The body instruction of an f32 sum that is the kernel's only
/// instruction, a load walking the vector axis contiguously: its halves are
/// loaded straight into the f64 accumulators' form (`VecAcc::add_f32_at`).
fn direct_f32_load(
    kernel: &Kernel,
    red: &heron_ir::plan::Reduction,
    inner_coefs: &[i64],
) -> Option<usize> {
    let ok = kernel.body.len() == 1
        && red.op == heron_ir::ReduceOp::Sum
        && kernel.body[red.value].dtype == DType::F32
        && matches!(kernel.body[red.value].expr, Expr::Load { .. })
        && inner_coefs.first() == Some(&1);
    ok.then_some(red.value)
}

/// The address of element `off` of an access.
fn address(e: &mut Emitter<'_>, a: &Access, off: Value) -> Value {
    let (addr, at) = address_at(e, a, off, 0);
    if at == 0 {
        addr
    } else {
        e.b.ins().iadd_imm_s(addr, i64::from(at))
    }
}

/// The address of element `off` of an access, `extra` bytes further on, as
/// a base and an immediate offset for the load or store: a constant part of
/// `off` (an access sharing another's counter, `loops::Counters`) goes into
/// the immediate, so accesses at one index of several buffers need no
/// arithmetic beyond the addressing mode.
fn address_at(e: &mut Emitter<'_>, a: &Access, off: Value, extra: i64) -> (Value, i32) {
    let shift = a.size.trailing_zeros() as i64;
    let (root, k) = loops::split_const(e.b.func, off);
    let at = k
        .checked_mul(a.size as i64)
        .and_then(|b| b.checked_add(extra))
        .and_then(|b| i32::try_from(b).ok());
    let (idx, at) = match (root, at) {
        (Some(x), Some(at)) => (Some(x), at),
        (None, Some(at)) => (None, at),
        _ => {
            let at = i32::try_from(extra).expect("vector offsets within a row are small");
            (Some(off), at)
        }
    };
    let Some(idx) = idx else {
        return (a.ptr, at);
    };
    let bytes = if shift == 0 {
        idx
    } else {
        e.b.ins().ishl_imm_u(idx, shift)
    };
    (e.b.ins().iadd(a.ptr, bytes), at)
}

fn store(e: &mut Emitter<'_>, a: &Access, off: Value, value: Value) {
    let (addr, at) = address_at(e, a, off, 0);
    e.b.ins().store(MemFlagsData::trusted(), value, addr, at);
}

/// Emits the body of `kernel` for the current element; returns every
/// instruction's value.
fn eval_body(
    e: &mut Emitter<'_>,
    kernel: &Kernel,
    generators: &threefry::Generators,
    accesses: &[Access],
    access_of: &[usize],
    offs: &[Value],
) -> Vec<Value> {
    let mut values: Vec<Value> = Vec::with_capacity(kernel.body.len());
    for (i, instr) in kernel.body.iter().enumerate() {
        let ty = clif_type(instr.dtype);
        let dt = |k: usize| kernel.body[k].dtype;
        let v = match &instr.expr {
            Expr::Load { .. } => {
                let a = &accesses[access_of[i]];
                let (addr, at) = address_at(e, a, offs[access_of[i]], 0);
                // `readonly` only for memory the kernel never writes: an
                // in-place output may be this very memory.
                let flags = a.load_flags(MemFlagsData::trusted());
                e.b.ins().load(ty, flags, addr, at)
            }
            Expr::Imm(s) => elementwise::immediate(e, *s),
            Expr::Unary(op, x) => elementwise::unary(e, *op, values[*x], dt(*x), instr.dtype),
            Expr::Binary(op, x, y) => elementwise::binary(e, *op, values[*x], values[*y], dt(*x)),
            Expr::Select(c, x, y) => e.b.ins().select(values[*c], values[*x], values[*y]),
            Expr::Cast(to, x) => cast::cast(e, values[*x], dt(*x), *to),
            Expr::ThreefryBits { key, .. } => {
                let counter = offs[access_of[i]];
                generators.emit(e, i, *key, counter, instr.dtype)
            }
            Expr::Gather(g) => {
                let k = access_of[i];
                let pair = (&accesses[k], &accesses[k + 1]);
                gather::scalar(e, g, instr.dtype, pair, (offs[k], offs[k + 1]))
            }
        };
        values.push(v);
    }
    values
}
