//! Gathers fused into the element-wise kernels that consume them: a
//! `take` or `take_along_axis` read by element-wise work becomes a load of
//! the index and a load of the table inside the kernel (no temporary), its
//! indices checked by a step before the kernel; a `dynamic_slice` with one
//! traced start loads and clamps the start in the kernel. Every case runs under
//! `jit`, eagerly (the interpreter) and as a plain Rust loop written from
//! the definition, and all three agree bit for bit: sizes around the 4- and
//! 8-lane vector widths and the parallel chunk threshold, duplicate and
//! negative indices, i32, i64 and u32 indices, f32, f64, i32 and bool
//! tables, gathers along inner and outer axes, inside `fori_loop` bodies
//! (native and reference drivers); an out-of-range index is an error that
//! changes no Variable.

mod support;

use expect_test::expect;
use heron as hn;
use heron::prelude::*;
use std::sync::Mutex;
use support::bits;

/// The native-driver switch is process-wide: the tests that flip it, and
/// the one whose plan depends on it, run one at a time.
static SWITCH: Mutex<()> = Mutex::new(());

/// Sizes around vector widths (4 and 8 lanes, unrolled ×4) and past the
/// parallel launch threshold.
const SIZES: [usize; 14] = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 65, 70_001];

/// A small deterministic generator (64-bit LCG, top bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// `n` floats in `[-2, 2)`.
    fn floats(&mut self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| (self.next() % 4096) as f32 / 1024.0 - 2.0)
            .collect()
    }

    /// `n` indices valid on an axis of `len`, negative ones and duplicates
    /// included.
    fn indices(&mut self, n: usize, len: usize) -> Vec<i64> {
        (0..n)
            .map(|_| (self.next() % (2 * len as u64)) as i64 - len as i64)
            .collect()
    }
}

/// Wraps index `i` on an axis of `n`.
fn wrap(i: i64, n: usize) -> usize {
    if i < 0 {
        (i + n as i64) as usize
    } else {
        i as usize
    }
}

/// Indices as an array of `dtype` (u32 ones wrapped to be non-negative).
fn index_array(idx: &[i64], shape: &[usize], dtype: DType, len: usize) -> Array {
    match dtype {
        DType::I32 => Array::from_vec(idx.iter().map(|&i| i as i32).collect::<Vec<_>>(), shape),
        DType::I64 => Array::from_vec(idx.to_vec(), shape),
        DType::U32 => Array::from_vec(
            idx.iter().map(|&i| wrap(i, len) as u32).collect::<Vec<_>>(),
            shape,
        ),
        d => panic!("no indices of {d}"),
    }
}

/// Runs `f` under `jit` and eagerly; checks they agree bit for bit, that
/// the gather was fused (the plan has a gather and its check, and no
/// native `take` step) and that no interpreter step ran; returns the result.
fn fused(args: Vec<Array>, f: fn(&[Array]) -> Array) -> Array {
    let eager = f(&args);
    let jitted = hn::jit(move |a: Vec<Array>| f(&a));
    let before = hn::control::interpreter_steps();
    let compiled = jitted.call(args.clone());
    assert_eq!(
        hn::control::interpreter_steps(),
        before,
        "an interpreter step ran"
    );
    assert_eq!(compiled.shape(), eager.shape());
    assert_eq!(compiled.dtype(), eager.dtype());
    assert_eq!(bits(&compiled), bits(&eager), "jit and eager differ");
    let c = jitted.compile(args);
    let text = c.optimized_text();
    assert!(text.contains("= gather "), "not fused:\n{text}");
    for k in c.kernels() {
        assert!(
            k.native && !k.name.contains("take"),
            "{} ran:\n{text}",
            k.name
        );
    }
    eager
}

#[test]
fn fused_take_matches_a_loop_for_every_size_and_index_type() {
    let mut g = Lcg(1);
    for &n in &SIZES {
        for dtype in [DType::I32, DType::I64, DType::U32] {
            let table = g.floats(n);
            let (x, b) = (g.floats(n + 2), g.floats(n + 2));
            let idx = g.indices(n + 2, n);
            let args = vec![
                Array::from_vec(table.clone(), &[n]),
                index_array(&idx, &[n + 2], dtype, n),
                Array::from_vec(x.clone(), &[n + 2]),
                Array::from_vec(b.clone(), &[n + 2]),
            ];
            let got = fused(args, |a| a[0].take(&a[1], 0) * &a[2] + &a[3]);
            let want: Vec<f32> = (0..n + 2)
                .map(|p| table[wrap(idx[p], n)] * x[p] + b[p])
                .collect();
            assert_eq!(got.to_vec::<f32>(), want, "n={n} {dtype}");
        }
    }
}

#[test]
fn fused_take_of_rows_and_columns_matches_a_loop() {
    let mut g = Lcg(2);
    for &n in &[1usize, 3, 4, 5, 8, 9, 17] {
        for &k in &[1usize, 4, 5, 9] {
            let data: Vec<f64> = g.floats(3 * n).into_iter().map(f64::from).collect();
            let idx = g.indices(k, n);
            // Rows of [n, 3] by 2-d indices: [2, k, 3], the table's rows
            // walked contiguously.
            let idx2: Vec<i64> = idx.iter().chain(idx.iter().rev()).copied().collect();
            let args = vec![
                Array::from_vec(data.clone(), &[n, 3]),
                index_array(&idx2, &[2, k], DType::I32, n),
            ];
            let got = fused(args, |a| a[0].take(&a[1], 0).sqrt() - 1.5);
            let want: Vec<f64> = idx2
                .iter()
                .flat_map(|&j| (0..3).map(move |c| (j, c)))
                .map(|(j, c)| data[wrap(j, n) * 3 + c].sqrt() - 1.5)
                .collect();
            assert_eq!(got.shape(), &[2, k, 3]);
            assert_eq!(bits(&got), bits(&Array::from_vec(want, &[2, k, 3])));
            // Columns of [3, n]: [3, k].
            let args = vec![
                Array::from_vec(data.clone(), &[3, n]),
                index_array(&idx, &[k], DType::I64, n),
            ];
            let got = fused(args, |a| a[0].take(&a[1], 1) * 2.0);
            let want: Vec<f64> = (0..3)
                .flat_map(|r| idx.iter().map(move |&j| (r, j)))
                .map(|(r, j)| data[r * n + wrap(j, n)] * 2.0)
                .collect();
            assert_eq!(got.to_vec::<f64>(), want, "n={n} k={k}");
        }
    }
}

#[test]
fn fused_gathers_of_integers_and_bools_and_along_axes() {
    let mut g = Lcg(3);
    for &n in &[2usize, 5, 8, 13, 64] {
        let ints: Vec<i32> = (0..n as i32).map(|i| i * 7 - 11).collect();
        let bools: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
        let idx = g.indices(2 * n + 1, n);
        let args = vec![
            Array::from_vec(ints.clone(), &[n]),
            index_array(&idx, &[2 * n + 1], DType::I32, n),
        ];
        let got = fused(args, |a| a[0].take(&a[1], 0) * 3 + 1);
        let want: Vec<i32> = idx.iter().map(|&j| ints[wrap(j, n)] * 3 + 1).collect();
        assert_eq!(got.to_vec::<i32>(), want);
        let args = vec![
            Array::from_vec(bools.clone(), &[n]),
            index_array(&idx, &[2 * n + 1], DType::I64, n),
            Array::from_vec(g.floats(2 * n + 1), &[2 * n + 1]),
        ];
        let x = args[2].to_vec::<f32>();
        let got = fused(args, |a| hn::where_(&a[0].take(&a[1], 0), &a[2], 0.0));
        let want: Vec<f32> = (0..2 * n + 1)
            .map(|p| if bools[wrap(idx[p], n)] { x[p] } else { 0.0 })
            .collect();
        assert_eq!(got.to_vec::<f32>(), want);
        // take_along_axis on both axes of [3, n].
        let data = g.floats(3 * n);
        for axis in [0usize, 1] {
            let len = [3, n][axis];
            let idx = g.indices(3 * n, len);
            let args = vec![
                Array::from_vec(data.clone(), &[3, n]),
                index_array(&idx, &[3, n], DType::I32, len),
            ];
            let f: fn(&[Array]) -> Array = if axis == 0 {
                |a| hn::take_along_axis(&a[0], &a[1], 0) + 1.0
            } else {
                |a| hn::take_along_axis(&a[0], &a[1], 1) + 1.0
            };
            let got = fused(args, f);
            let want: Vec<f32> = (0..3 * n)
                .map(|p| {
                    let (r, c) = (p / n, p % n);
                    let j = wrap(idx[p], len);
                    1.0 + if axis == 0 {
                        data[j * n + c]
                    } else {
                        data[r * n + j]
                    }
                })
                .collect();
            assert_eq!(got.to_vec::<f32>(), want, "n={n} axis={axis}");
        }
    }
}

#[test]
fn the_plan_shows_the_gather_inside_the_kernel_after_its_check() {
    let f = hn::jit(|(w, idx, x, b): (Array, Array, Array, Array)| w.take(&idx, 0) * x + b);
    let args = (
        hn::zeros(&[10], DType::F32),
        hn::zeros(&[6], DType::I32),
        hn::zeros(&[6], DType::F32),
        hn::zeros(&[6], DType::F32),
    );
    expect![[r#"
        { lambda a:f32[10] b:i32[6] c:f32[6] d:f32[6] .
          let e:f32[6] = take[axis=0] a b
              f:f32[6] = mul e c
              g:f32[6] = add f d
          in (g) }
        buffers: p0:f32[10] p1:i32[6] p2:f32[6] p3:f32[6] o0:f32[6]
        check p1 in [-10, 10) for take (node v4)
        k0 loop[6] fuses v4 v5 v6
          %0:f32 = gather p0[0 + 1*wrap(p1[i0], 10)]
          %1:f32 = load p2[i0]
          %2:f32 = mul %0 %1
          %3:f32 = load p3[i0]
          %4:f32 = add %2 %3
          store o0[i0] <- %4
        aliasable: o0=p2 o0=p3"#]]
    .assert_eq(&f.lower(args.clone()).optimized_text());
    // A gather that is itself a result stays the native step.
    let g = hn::jit(|(w, idx): (Array, Array)| w.take(&idx, 0));
    let kernels = g.compile((args.0, args.1)).kernels();
    assert_eq!(kernels.len(), 1);
    assert_eq!(kernels[0].name, "native:take");
}

#[test]
fn constant_indices_in_range_need_no_check() {
    let f = hn::jit(|x: Array| x.take(hn::array(&[3i32, -1, 0, 2]), 0) * 2.0);
    let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], &[4]);
    let text = f.lower(&x).optimized_text();
    assert!(
        text.contains("= gather ") && !text.contains("check "),
        "{text}"
    );
    assert_eq!(f.call(&x).to_vec::<f32>(), [8.0, 8.0, 2.0, 6.0]);
    // Out of range: not fused, and the native step reports the error.
    let g = hn::jit(|x: Array| x.take(hn::array(&[4i32]), 0) * 2.0);
    let err = g.try_call(&x).unwrap_err().to_string();
    assert!(err.contains("take") && err.contains("index 4"), "{err}");
}

#[test]
fn out_of_range_indices_are_errors_that_change_no_variable() {
    for dtype in [DType::I32, DType::I64, DType::U32] {
        let v = Variable::new(hn::arange(0.0, 6.0, 1.0));
        let w = Variable::new(hn::zeros(&[6], DType::F32));
        // `v` is updated in place from a gather of itself, after `w` is
        // written: the check runs before either.
        let f = hn::jit({
            let (v, w) = (v.clone(), w.clone());
            move |(idx, x): (Array, Array)| {
                w.set(&w.value() + 1.0);
                v.set(v.value().take(&idx, 0) * &x + 1.0);
                v.value().sum()
            }
        });
        let x = hn::ones(&[6], DType::F32);
        let good = index_array(&[5, -1, 0, 2, 2, -6], &[6], dtype, 6);
        f.call((good.clone(), x.clone()));
        let (v0, w0) = (v.value().to_vec::<f32>(), w.value().to_vec::<f32>());
        assert_eq!(v0, [6.0, 6.0, 1.0, 3.0, 3.0, 1.0]);
        assert!(
            f.compile((good, x.clone()))
                .optimized_text()
                .contains("= gather ")
        );
        let bads: &[&[i64]] = match dtype {
            DType::U32 => &[&[0, 6, 1, 1, 1, 1]],
            _ => &[
                &[0, 6, 1, 1, 1, 1],
                &[0, 1, 1, 1, 1, -7],
                &[i64::from(i32::MIN); 6],
            ],
        };
        for bad in bads {
            let idx = match dtype {
                DType::U32 => {
                    Array::from_vec(bad.iter().map(|&i| i as u32).collect::<Vec<_>>(), &[6])
                }
                _ => index_array(bad, &[6], dtype, 6),
            };
            let err = f.try_call((idx, x.clone())).unwrap_err().to_string();
            assert!(
                err.contains("take") && err.contains("out of bounds for axis 0 with size 6"),
                "{err}"
            );
            assert_eq!(v.value().to_vec::<f32>(), v0, "{dtype}");
            assert_eq!(w.value().to_vec::<f32>(), w0, "{dtype}");
        }
    }
}

/// `steps` steps of `v <- 0.9·v + table[idx]·x` in a `fori_loop`, `idx`
/// shifting by one each step (`(base + t) % n`, so negative `base`s stay
/// negative), the table captured.
fn looped(table: &Array, base: &Array, x: &Array, steps: i32) -> Array {
    let n = table.shape()[0] as i32;
    let v = Variable::new(hn::zeros(&[x.shape()[0]], DType::F32));
    hn::fori_loop(0, steps, |t: Array| {
        let idx = (base + &t) % n - n;
        v.set(&v.value() * 0.9 + table.take(&idx, 0) * x);
    });
    v.value()
}

#[test]
fn fused_gathers_in_fori_loop_match_a_loop_on_every_driver() {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    let mut g = Lcg(4);
    for &(n, m) in &[(5usize, 3usize), (8, 17), (33, 64)] {
        let table = g.floats(n);
        let x = g.floats(m);
        let base: Vec<i32> = g
            .indices(m, n)
            .into_iter()
            .map(|i| i as i32 + n as i32)
            .collect();
        let steps = 7;
        let mut want = vec![0.0f32; m];
        for t in 0..steps {
            for p in 0..m {
                let idx = (base[p] + t) % n as i32 - n as i32;
                want[p] = want[p] * 0.9 + table[wrap(i64::from(idx), n)] * x[p];
            }
        }
        let args = (
            Array::from_vec(table.clone(), &[n]),
            Array::from_vec(base.clone(), &[m]),
            Array::from_vec(x.clone(), &[m]),
        );
        for native in [true, false] {
            hn::control::set_native_drivers(native);
            let got = looped(&args.0, &args.1, &args.2, steps);
            assert_eq!(got.to_vec::<f32>(), want, "eager, native drivers {native}");
        }
        hn::control::set_native_drivers(true);
        let f = hn::jit(move |(t, b, x): (Array, Array, Array)| looped(&t, &b, &x, steps));
        let before = hn::control::interpreter_steps();
        assert_eq!(f.call(args.clone()).to_vec::<f32>(), want, "jit");
        assert_eq!(hn::control::interpreter_steps(), before);
        let forms = f.compile(args.clone()).gather_forms();
        assert_eq!(
            (forms.fused, forms.steps),
            (1, 0),
            "the body's gather is fused"
        );
    }
}

#[test]
fn an_out_of_range_index_in_fori_loop_changes_no_variable() {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    let table = hn::arange(0.0, 4.0, 1.0);
    let v = Variable::new(hn::ones(&[3], DType::F32));
    let w = Variable::new(hn::zeros(&[3], DType::F32));
    let f = hn::jit({
        let (v, w) = (v.clone(), w.clone());
        move |base: Array| {
            hn::fori_loop(0, 3, |t: Array| {
                w.set(&w.value() + 1.0);
                // Index 4 is reached at step 2 for base 2.
                v.set(&v.value() + table.take(&base + &t, 0) * 2.0);
            });
        }
    });
    f.call(hn::array(&[0i32, -4, 1]));
    let (v0, w0) = (v.value().to_vec::<f32>(), w.value().to_vec::<f32>());
    assert_eq!(w0, [3.0; 3]);
    assert_eq!(v0, [7.0, 7.0, 13.0]);
    let forms = f.compile(hn::array(&[0i32, 2, 1])).gather_forms();
    assert_eq!((forms.fused, forms.steps), (1, 0));
    for native in [true, false] {
        hn::control::set_native_drivers(native);
        let err = f
            .try_call(hn::array(&[0i32, 2, 1]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("take") && err.contains("index 4"), "{err}");
        assert_eq!(v.value().to_vec::<f32>(), v0);
        assert_eq!(w.value().to_vec::<f32>(), w0);
    }
    hn::control::set_native_drivers(true);
}

#[test]
fn a_gather_of_captured_indices_runs_in_a_temporally_fused_loop() {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    let mut g = Lcg(5);
    let (n, m, steps) = (37usize, 1001usize, 20);
    let table = g.floats(n);
    let idx = g.indices(m, n);
    let x = g.floats(m);
    let mut want = vec![0.0f32; m];
    for _ in 0..steps {
        for p in 0..m {
            want[p] = want[p] * 0.5 + table[wrap(idx[p], n)] * x[p];
        }
    }
    let v = Variable::new(hn::zeros(&[m], DType::F32));
    let f = hn::jit(move |(t, i, x): (Array, Array, Array)| {
        v.set(hn::zeros(&[m], DType::F32));
        hn::fori_loop(0, steps, |_: Array| {
            v.set(&v.value() * 0.5 + t.take(&i, 0) * &x);
        });
        v.value()
    });
    let args = (
        Array::from_vec(table, &[n]),
        index_array(&idx, &[m], DType::I64, n),
        Array::from_vec(x, &[m]),
    );
    assert_eq!(f.call(args.clone()).to_vec::<f32>(), want);
    let c = f.compile(args.clone());
    assert_eq!(c.temporal_forms().len(), 1, "{}", c.optimized_text());
    assert_eq!((c.gather_forms().fused, c.gather_forms().steps), (1, 0));
    // An index out of range fails before any step runs.
    let mut bad = idx.clone();
    bad[m / 2] = n as i64;
    let bad = (
        args.0.clone(),
        index_array(&bad, &[m], DType::I64, n),
        args.2.clone(),
    );
    let err = f.try_call(bad).unwrap_err().to_string();
    assert!(
        err.contains("take") && err.contains(&format!("index {n}")),
        "{err}"
    );
}

#[test]
fn fused_gathers_of_wide_rows_load_each_row_as_vectors() {
    let mut g = Lcg(6);
    for &width in &[4usize, 5, 9, 16, 17] {
        let n = 11;
        let table: Vec<f32> = g.floats(n * width);
        let flags: Vec<bool> = (0..n * width).map(|i| i % 5 < 2).collect();
        let idx = g.indices(7, n);
        let args = vec![
            Array::from_vec(table.clone(), &[n, width]),
            index_array(&idx, &[7], DType::I32, n),
            Array::from_vec(flags.clone(), &[n, width]),
        ];
        let got = fused(args, |a| {
            hn::where_(&a[2].take(&a[1], 0), &a[0].take(&a[1], 0), -1.0) * 0.5
        });
        let want: Vec<f32> = idx
            .iter()
            .flat_map(|&j| (0..width).map(move |c| wrap(j, n) * width + c))
            .map(|at| if flags[at] { table[at] * 0.5 } else { -0.5 })
            .collect();
        assert_eq!(got.to_vec::<f32>(), want, "width {width}");
    }
}

/// JAX's resolution of a `dynamic_slice` start.
fn clamp_start(s: i64, dim: usize, size: usize) -> usize {
    let s = if s < 0 { s + dim as i64 } else { s };
    s.clamp(0, (dim - size) as i64) as usize
}

#[test]
fn fused_dynamic_slices_clamp_their_traced_start_like_jax() {
    let mut g = Lcg(7);
    for &(n, k) in &[(9usize, 4usize), (17, 8), (33, 5), (8, 8), (70, 1)] {
        let data = g.floats(n);
        let y = g.floats(k);
        let f = hn::jit(move |(x, s, y): (Array, Array, Array)| {
            hn::dynamic_slice(&x, &[&s], &[k]) * 2.0 + y
        });
        for s in [-100i64, -(n as i64), -3, -1, 0, 1, 5, n as i64 - 1, 1000] {
            for dtype in [DType::I32, DType::I64] {
                let start = match dtype {
                    DType::I32 => hn::scalar(s as i32),
                    _ => hn::scalar(s),
                };
                let args = (
                    Array::from_vec(data.clone(), &[n]),
                    start,
                    Array::from_vec(y.clone(), &[k]),
                );
                let at = clamp_start(s, n, k);
                let want: Vec<f32> = (0..k).map(|j| data[at + j] * 2.0 + y[j]).collect();
                assert_eq!(f.call(args.clone()).to_vec::<f32>(), want, "n={n} s={s}");
                let eager = hn::dynamic_slice(&args.0, &[&args.1], &[k]) * 2.0 + &args.2;
                assert_eq!(eager.to_vec::<f32>(), want);
                let forms = f.compile(args).gather_forms();
                assert_eq!((forms.fused, forms.steps), (1, 0));
            }
        }
    }
    // Rows and columns of a 2-d array, the other start a constant.
    let (rows, cols) = (6usize, 10usize);
    let data = g.floats(rows * cols);
    let row = hn::jit(move |(x, r): (Array, Array)| {
        hn::dynamic_slice(&x, &[&r, &hn::scalar(0i32)], &[2, cols]) - 1.0
    });
    let col = hn::jit(move |(x, c): (Array, Array)| {
        hn::dynamic_slice(&x, &[&hn::scalar(-2i32), &c], &[3, 4]) - 1.0
    });
    let x = Array::from_vec(data.clone(), &[rows, cols]);
    for s in [-7i32, -1, 0, 3, 5, 9] {
        let r = clamp_start(i64::from(s), rows, 2);
        let want: Vec<f32> = (0..2 * cols)
            .map(|p| data[(r + p / cols) * cols + p % cols] - 1.0)
            .collect();
        assert_eq!(row.call((&x, &hn::scalar(s))).to_vec::<f32>(), want);
        let (r, c) = (clamp_start(-2, rows, 3), clamp_start(i64::from(s), cols, 4));
        let want: Vec<f32> = (0..12)
            .map(|p| data[(r + p / 4) * cols + c + p % 4] - 1.0)
            .collect();
        assert_eq!(col.call((&x, &hn::scalar(s))).to_vec::<f32>(), want);
    }
    let text = row.lower((&x, &hn::scalar(0i32))).optimized_text();
    assert!(
        text.contains("clamp[dim=6](p1[0], 5)") && !text.contains("check"),
        "{text}"
    );
}
