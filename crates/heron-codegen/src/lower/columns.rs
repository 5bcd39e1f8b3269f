//! Reductions over outer axes whose innermost kept axis is contiguous (a
//! sum over axis 0, a reduction over the middle axis of a 3-d array): rows
//! outer, columns inner.
//!
//! Walking each output's elements one after the other would read memory at
//! the stride of a whole row per element. Instead the launch range is cut
//! into runs of at most `tile` consecutive outputs of the innermost kept
//! axis (`Nest::emit_runs`). For a run, one accumulator per output lives in
//! a stack slot (`TileAcc`); the reduced axes are walked in row-major
//! order, and at each reduced index the run's elements are read
//! contiguously (vectorised when the kernel allows it) and folded into
//! their accumulators. Up to four consecutive reduced indices are folded
//! per load and store of the accumulators. Each output still folds its
//! elements in the scalar order with the scalar arithmetic, so the results
//! are `Acc`'s, bit for bit, whatever the run boundaries or the launch's
//! chunks.
//!
//! Runs are long (`TILE_BYTES` of accumulators, and parallel chunks of at
//! least `GRAIN_BYTES` of each row): the rows are then read in pieces of
//! several KiB, which the hardware prefetcher follows.

use super::loops::{Nest, VectorBody, collapse};
use super::reduce::TileAcc;
use super::{Access, Emitter, address, eval_body, store, threefry, vector};
use cranelift_codegen::ir::{InstBuilder, Value, types};
use heron_ir::DType;
use heron_ir::plan::{BufId, Kernel};

/// Bytes of accumulators a run keeps (in L1 next to the rows it reads).
const TILE_BYTES: usize = 16384;

/// Bodies up to this many instructions take four reduced indices per step,
/// longer ones two.
const SHORT_BODY: usize = 16;

/// Bytes of each row a parallel chunk should read at least: reading less
/// than a page of a row before jumping to the next one defeats the
/// hardware prefetcher (runs of 2 KiB are twice as slow as runs of 8 KiB).
const GRAIN_BYTES: usize = 8192;

/// The run length (outputs per tile) when `kernel` is lowered by columns,
/// `None` when it reduces each output on its own. `outer` and `inner` are
/// the kept and reduced nests (the inner one over the loads only), both
/// collapsed; accesses are the loads then the stores.
pub fn tile(kernel: &Kernel, outer: &Nest, inner: &Nest, first_store: usize) -> Option<usize> {
    let red = kernel.reduce.as_ref()?;
    let ol = outer.dims.len() - 1;
    let cols = outer.dims[ol];
    let (loads, stores) = outer.coefs.split_at(first_store);
    if cols < 2
        || stores.iter().any(|c| c[ol] != 1)
        || loads.iter().any(|c| c[ol] != 0 && c[ol] != 1)
    {
        return None;
    }
    // A reduced axis that is itself contiguous is read best along itself.
    let il = inner.dims.len() - 1;
    let along = |c: &Vec<i64>| c[il] == 0 || c[il] == 1;
    if inner.size() > 1 && inner.coefs.iter().all(along) && inner.coefs.iter().any(|c| c[il] == 1) {
        return None;
    }
    let input = kernel.body[red.value].dtype;
    let per = TileAcc::bytes_per_column(red.op, input, red.dtype);
    Some(cols.min(TILE_BYTES / per))
}

/// For a kernel lowered by columns (see `tile`), the outputs a parallel
/// chunk should cover at least (`GRAIN_BYTES` of each row), computed from
/// the plan alone; `None` for other kernels.
pub fn launch_grain(kernel: &Kernel) -> Option<usize> {
    let red = kernel.reduce.as_ref()?;
    let mut coefs: Vec<&[i64]> = Vec::new();
    for instr in &kernel.body {
        coefs.extend(
            super::gather::access_maps(&instr.expr)
                .iter()
                .map(|m| &m.coefs[..]),
        );
    }
    let first_store = coefs.len();
    coefs.extend(kernel.stores.iter().map(|s| s.map.coefs.as_slice()));
    let rank = kernel.shape.rank();
    let kept: Vec<usize> = (0..rank).filter(|a| !red.axes.contains(a)).collect();
    let outer = collapse(&kernel.shape, &kept, &coefs);
    let inner = collapse(&kernel.shape, &red.axes, &coefs[..first_store]);
    let tile = tile(kernel, &outer, &inner, first_store)?;
    let input = kernel.body[red.value].dtype;
    Some(tile.min(GRAIN_BYTES / input.size()))
}

/// What the column lowering reads of the kernel being lowered.
pub struct Columns<'a> {
    /// The kernel (a reduction).
    pub kernel: &'a Kernel,
    /// The dtype of each buffer.
    pub buffer_dtype: &'a dyn Fn(BufId) -> DType,
    /// Loads in body order, then stores.
    pub accesses: &'a [Access],
    /// For each body instruction, its access (loads only).
    pub access_of: &'a [usize],
    /// The index of the first store in `accesses`.
    pub first_store: usize,
    /// The kernel's random generators.
    pub generators: &'a threefry::Generators,
}

impl Columns<'_> {
    /// Emits the reduction over the launch range `[start, end)` of `outer`
    /// in runs of at most `tile` outputs; `base` holds each access's offset
    /// at index 0.
    #[allow(
        clippy::too_many_arguments,
        reason = "the nests, the run length and the launch range are all per call"
    )]
    pub fn emit(
        &self,
        e: &mut Emitter<'_>,
        outer: &Nest,
        inner: &Nest,
        tile: usize,
        base: &[Value],
        start: Value,
        end: Value,
    ) {
        let kernel = self.kernel;
        let red = kernel.reduce.as_ref().expect("a reduction kernel");
        let first_store = self.first_store;
        let input = kernel.body[red.value].dtype;
        let ol = outer.dims.len() - 1;
        let col_coefs: Vec<i64> = outer.coefs.iter().map(|c| c[ol]).collect();
        let shape = vector::plan(
            kernel,
            self.buffer_dtype,
            &col_coefs,
            first_store,
            outer.dims[ol],
        )
        .filter(|_| TileAcc::vectorised(red.op, input, red.dtype));
        let direct = super::direct_f32_load(kernel, red, &col_coefs[..first_store]);
        let acc = TileAcc::new(e, red.op, input, red.dtype, tile);
        let zero = e.b.ins().iconst(types::I64, 0);
        let n_stores = kernel.stores.len();
        // One run, as 1-d nests: the accumulator column alone; the loads and
        // the accumulator column; the accumulator column and the stores.
        let run = |coefs: Vec<i64>| Nest {
            dims: vec![tile],
            coefs: coefs.into_iter().map(|c| vec![c]).collect(),
        };
        let init_nest = run(vec![1]);
        // Reduced indices are taken `rows` at a time (along the innermost
        // reduced axis, when its extent allows), so the accumulators are
        // loaded and stored once per `rows` elements; each output still
        // folds them in order. Long bodies take fewer, to bound code size.
        let il = inner.dims.len() - 1;
        let most = if kernel.body.len() <= SHORT_BODY {
            4
        } else {
            2
        };
        let rows = [4, 2, 1]
            .into_iter()
            .filter(|&r| r <= most)
            .find(|&r| inner.dims[il].is_multiple_of(r))
            .expect("1 divides every extent");
        let row_step: Vec<i64> = inner.coefs.iter().map(|c| c[il]).collect();
        let steps = Nest {
            dims: inner
                .dims
                .iter()
                .enumerate()
                .map(|(d, &n)| if d == il { n / rows } else { n })
                .collect(),
            coefs: inner
                .coefs
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    c[il] *= rows as i64;
                    c
                })
                .collect(),
        };
        let load_coefs = &col_coefs[..first_store];
        let row_coefs: Vec<i64> = (0..rows).flat_map(|_| load_coefs.iter().copied()).collect();
        let row_nest = run(row_coefs.into_iter().chain([1]).collect());
        let finish_nest = run(vec![1; 1 + n_stores]);
        let body = shape.map(|shape| vector::Body {
            kernel,
            shape,
            accesses: &self.accesses[..first_store],
            access_of: self.access_of,
            inner: &col_coefs[..first_store],
            generators: self.generators,
        });
        let column = |e: &mut Emitter<'_>, col: Value, skip: usize| {
            if skip == 0 {
                col
            } else {
                e.b.ins().iadd_imm_s(col, skip as i64)
            }
        };

        outer.emit_runs(e, base, Some(start), end, tile, &mut |e, offs, count| {
            // Every accumulator of the run starts at the identity.
            let mut vinit = |e: &mut Emitter<'_>, offs: &[Value], chunks: usize| {
                let lanes = shape.expect("vectorised").lanes;
                for c in 0..chunks {
                    let col = column(e, offs[0], c * lanes);
                    acc.init(e, col, Some(lanes));
                }
            };
            let vector = shape.map(|s| VectorBody {
                lanes: s.lanes,
                unroll: s.unroll,
                body: &mut vinit,
            });
            init_nest.emit_with(e, &[zero], None, count, vector, &mut |e, offs| {
                acc.init(e, offs[0], None)
            });

            // The reduced axes in order; at each step, the run's elements of
            // `rows` consecutive reduced indices.
            if inner.size() > 0 {
                let n = e.b.ins().iconst(types::I64, steps.size() as i64);
                steps.emit(e, &offs[..first_store], None, n, &mut |e, row_offs| {
                    // Per row, its loads' offsets; then the accumulator column.
                    let mut rbase = Vec::with_capacity(rows * first_store + 1);
                    for r in 0..rows {
                        for (k, &o) in row_offs.iter().enumerate() {
                            let step = r as i64 * row_step[k];
                            rbase.push(if step == 0 {
                                o
                            } else {
                                e.b.ins().iadd_imm_s(o, step)
                            });
                        }
                    }
                    rbase.push(zero);
                    let acc_at = rows * first_store;
                    let mut vrow = |e: &mut Emitter<'_>, offs: &[Value], chunks: usize| {
                        let body = body.as_ref().expect("vectorised");
                        let lanes = body.shape.lanes;
                        for c in 0..chunks {
                            let col = column(e, offs[acc_at], c * lanes);
                            let row = |r: usize| &offs[r * first_store..(r + 1) * first_store];
                            if let Some(i) = direct {
                                let k = self.access_of[i];
                                let addrs: Vec<Value> = (0..rows)
                                    .map(|r| address(e, &self.accesses[k], row(r)[k]))
                                    .collect();
                                acc.add_f32_at(e, col, &addrs, (c * lanes * 4) as i32);
                                continue;
                            }
                            let xs: Vec<Value> = (0..rows)
                                .map(|r| vector::eval_body(e, body, row(r), c * lanes)[red.value])
                                .collect();
                            acc.add_vector(e, col, &xs, lanes);
                        }
                    };
                    let vector = shape.map(|s| VectorBody {
                        lanes: s.lanes,
                        unroll: s.unroll,
                        body: &mut vrow,
                    });
                    row_nest.emit_with(e, &rbase, None, count, vector, &mut |e, offs| {
                        for r in 0..rows {
                            let values = eval_body(
                                e,
                                kernel,
                                self.generators,
                                self.accesses,
                                self.access_of,
                                &offs[r * first_store..(r + 1) * first_store],
                            );
                            acc.add(e, offs[acc_at], values[red.value]);
                        }
                    });
                });
            }

            // The results, rounded once, to every store of the run.
            let mut fbase = vec![zero];
            fbase.extend_from_slice(&offs[first_store..]);
            let mut vfinish = |e: &mut Emitter<'_>, offs: &[Value], chunks: usize| {
                let lanes = shape.expect("vectorised").lanes;
                for c in 0..chunks {
                    let skip = c * lanes;
                    let col = column(e, offs[0], skip);
                    let r = acc.result_vector(e, col, lanes);
                    for k in 0..n_stores {
                        let a = &self.accesses[first_store + k];
                        vector::store(e, a, offs[1 + k], skip, r, red.dtype, lanes);
                    }
                }
            };
            let vector = shape.map(|s| VectorBody {
                lanes: s.lanes,
                unroll: s.unroll,
                body: &mut vfinish,
            });
            finish_nest.emit_with(e, &fbase, None, count, vector, &mut |e, offs| {
                let r = acc.result(e, offs[0]);
                for k in 0..n_stores {
                    store(e, &self.accesses[first_store + k], offs[1 + k], r);
                }
            });
        });
    }
}
