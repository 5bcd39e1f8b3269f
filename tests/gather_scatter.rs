//! Gathers, scatters and dynamic slices with run-time indices: `take`,
//! `take_along_axis`, `a.at(&idx).add/set`, `segment_sum`, `dynamic_slice`
//! and `dynamic_update_slice`. Every case runs eagerly (the interpreter),
//! under `jit` (native steps, no interpreter step) and as a plain Rust loop
//! written from the definition, and all three must agree bit for bit: over
//! sizes around vector widths and past the parallel threshold, with
//! duplicate, negative and clamped indices, empty operands, inside
//! `fori_loop` bodies (native and reference drivers), and when an index is
//! out of range (an error that changes no Variable).

mod support;

use heron as hn;
use heron::prelude::*;
use std::sync::Mutex;
use support::bits;

/// The native-driver switch is process-wide: the test that flips it and
/// the checks that no interpreter step ran take turns.
static SWITCH: Mutex<()> = Mutex::new(());

/// Sizes around vector widths.
const SIZES: [usize; 11] = [1, 3, 4, 5, 7, 8, 9, 17, 63, 64, 65];

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

    /// An integer in `[lo, hi)`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }

    /// `n` floats in `[-2, 2)` with a few exact duplicates of sign and size.
    fn floats(&mut self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| (self.next() % 4096) as f32 / 1024.0 - 2.0)
            .collect()
    }

    /// `n` indices valid on an axis of `len`, negative ones included.
    fn indices(&mut self, n: usize, len: usize) -> Vec<i32> {
        (0..n)
            .map(|_| self.int(-(len as i64), len as i64) as i32)
            .collect()
    }
}

/// Runs `f` eagerly and under `jit`, checks they agree bit for bit and that
/// the compiled code ran no interpreter step; returns the result.
fn eager_and_jit(args: Vec<Array>, f: fn(&[Array]) -> Array) -> Array {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    let eager = f(&args);
    let jitted = hn::jit(move |a: Vec<Array>| f(&a));
    let steps = hn::control::interpreter_steps();
    let compiled = jitted.call(args.clone());
    assert_eq!(
        hn::control::interpreter_steps(),
        steps,
        "an interpreter step ran"
    );
    assert_eq!(compiled.shape(), eager.shape());
    assert_eq!(compiled.dtype(), eager.dtype());
    assert_eq!(bits(&compiled), bits(&eager), "jit and eager differ");
    for k in jitted.compile(args).kernels() {
        assert!(k.native, "{} is not native", k.name);
    }
    eager
}

/// Wraps index `i` on an axis of `n`.
fn wrap(i: i32, n: usize) -> usize {
    if i < 0 {
        (i + n as i32) as usize
    } else {
        i as usize
    }
}

#[test]
fn take_matches_a_loop_on_both_axes() {
    let mut g = Lcg(1);
    for &n in &SIZES {
        for &k in &[0, 1, 5, 17, 64] {
            let data = g.floats(3 * n);
            let idx = g.indices(k, n);
            // [3, n] along axis 1.
            let x = Array::from_vec(data.clone(), &[3, n]);
            let i = Array::from_vec(idx.clone(), &[k]);
            let got = eager_and_jit(vec![x, i], |a| a[0].take(&a[1], 1));
            let mut want = Vec::new();
            for r in 0..3 {
                for &j in &idx {
                    want.push(data[r * n + wrap(j, n)]);
                }
            }
            assert_eq!(got.to_vec::<f32>(), want, "axis 1, n={n} k={k}");
            // [n, 3] along axis 0 with 2-d indices.
            let x = Array::from_vec(data.clone(), &[n, 3]);
            let i = Array::from_vec(idx.clone(), &[1, k]);
            let got = eager_and_jit(vec![x, i], |a| a[0].take(&a[1], 0) * 2.0);
            let want: Vec<f32> = idx
                .iter()
                .flat_map(|&j| (0..3).map(move |c| (j, c)))
                .map(|(j, c)| data[wrap(j, n) * 3 + c] * 2.0)
                .collect();
            assert_eq!(got.shape(), &[1, k, 3]);
            assert_eq!(got.to_vec::<f32>(), want, "axis 0, n={n} k={k}");
        }
    }
}

#[test]
fn large_take_runs_its_parallel_chunks_in_any_order_to_the_same_result() {
    let mut g = Lcg(2);
    let n = 300_007;
    let data: Vec<i64> = (0..n as i64).map(|x| x * 3 - 7).collect();
    let idx = g.indices(n, n);
    let x = Array::from_vec(data.clone(), &[n]);
    let i = Array::from_vec(idx.clone(), &[n]);
    let got = eager_and_jit(vec![x, i], |a| a[0].take(&a[1], 0));
    let want: Vec<i64> = idx.iter().map(|&j| data[wrap(j, n)]).collect();
    assert_eq!(got.to_vec::<i64>(), want);
    // Rows of 3 (inner > 1), also past the threshold.
    let rows = 70_001;
    let x = Array::from_vec((0..3 * rows as i32).collect::<Vec<_>>(), &[rows, 3]);
    let idx = g.indices(rows, rows);
    let i = Array::from_vec(idx.clone(), &[rows]);
    let got = eager_and_jit(vec![x, i], |a| a[0].take(&a[1], 0));
    let want: Vec<i32> = idx
        .iter()
        .flat_map(|&j| (0..3).map(move |c| wrap(j, rows) as i32 * 3 + c))
        .collect();
    assert_eq!(got.to_vec::<i32>(), want);
}

#[test]
fn large_take_along_axis_runs_in_parallel_chunks_to_the_same_result() {
    let mut g = Lcg(8);
    let (rows, cols) = (1001, 301);
    let data: Vec<i32> = (0..(rows * cols) as i32).collect();
    let x = Array::from_vec(data.clone(), &[rows, cols]);
    for axis in [0usize, 1] {
        let len = [rows, cols][axis];
        let idx = g.indices(rows * cols, len);
        let i = Array::from_vec(idx.clone(), &[rows, cols]);
        let f: fn(&[Array]) -> Array = if axis == 0 {
            |a| hn::take_along_axis(&a[0], &a[1], 0)
        } else {
            |a| hn::take_along_axis(&a[0], &a[1], 1)
        };
        let got = eager_and_jit(vec![x.clone(), i], f);
        let want: Vec<i32> = (0..rows * cols)
            .map(|p| {
                let (r, c) = (p / cols, p % cols);
                let j = wrap(idx[p], len);
                if axis == 0 {
                    data[j * cols + c]
                } else {
                    data[r * cols + j]
                }
            })
            .collect();
        assert_eq!(got.to_vec::<i32>(), want, "axis {axis}");
    }
}

#[test]
fn take_along_axis_matches_numpy_including_broadcasting() {
    let mut g = Lcg(3);
    for &n in &SIZES {
        let m = 1 + n % 4;
        let data = g.floats(n * 5);
        // [n, 5] along axis 1: indices [n, m].
        let idx = g.indices(n * m, 5);
        let x = Array::from_vec(data.clone(), &[n, 5]);
        let i = Array::from_vec(idx.clone(), &[n, m]);
        let got = eager_and_jit(vec![x.clone(), i], |a| {
            hn::take_along_axis(&a[0], &a[1], -1)
        });
        let want: Vec<f32> = (0..n * m)
            .map(|p| data[(p / m) * 5 + wrap(idx[p], 5)])
            .collect();
        assert_eq!(got.to_vec::<f32>(), want, "n={n}");
        // Along axis 0 with indices [m, 1] broadcast over the 5 columns.
        let idx = g.indices(m, n);
        let i = Array::from_vec(idx.clone(), &[m, 1]);
        let got = eager_and_jit(vec![x, i], |a| hn::take_along_axis(&a[0], &a[1], 0));
        assert_eq!(got.shape(), &[m, 5]);
        let want: Vec<f32> = (0..m * 5)
            .map(|p| data[wrap(idx[p / 5], n) * 5 + p % 5])
            .collect();
        assert_eq!(got.to_vec::<f32>(), want, "n={n}");
    }
    // The array broadcast against the indices: x [1, 4], indices [3, 2].
    let x = hn::array(&[[10, 20, 30, 40]]);
    let i = hn::array(&[[0, 3], [-1, 1], [2, 2]]);
    let got = eager_and_jit(vec![x, i], |a| hn::take_along_axis(&a[0], &a[1], 1));
    assert_eq!(got.to_vec::<i32>(), [10, 40, 40, 20, 30, 30]);
    // NumPy's argsort idiom.
    let x = hn::array(&[[3.0f32, 1.0, 2.0], [0.5, 0.25, 1.0]]);
    let sorted = hn::take_along_axis(&x, &x.argsort(1), 1);
    assert_eq!(sorted.to_vec::<f32>(), [1.0, 2.0, 3.0, 0.25, 0.5, 1.0]);
}

#[test]
fn at_add_accumulates_duplicates_in_index_order() {
    let mut g = Lcg(4);
    for &n in &SIZES {
        for &k in &[0, 1, 3, 9, 65, 200] {
            let base = g.floats(n * 3);
            let idx = g.indices(k, n);
            let vals = g.floats(k * 3);
            let x = Array::from_vec(base.clone(), &[n, 3]);
            let i = Array::from_vec(idx.clone(), &[k]);
            let v = Array::from_vec(vals.clone(), &[k, 3]);
            let got = eager_and_jit(vec![x.clone(), i.clone(), v], |a| a[0].at(&a[1]).add(&a[2]));
            let mut want = base.clone();
            for (p, &j) in idx.iter().enumerate() {
                for c in 0..3 {
                    want[wrap(j, n) * 3 + c] += vals[p * 3 + c];
                }
            }
            assert_eq!(
                bits(&got),
                bits(&Array::from_vec(want, &[n, 3])),
                "n={n} k={k}"
            );
            // A scalar broadcast to every indexed row, on integers.
            let xi = Array::from_vec((0..n as i32).collect::<Vec<_>>(), &[n]);
            let got = eager_and_jit(vec![xi, i], |a| a[0].at(&a[1]).add(1));
            let mut want: Vec<i32> = (0..n as i32).collect();
            for &j in &idx {
                want[wrap(j, n)] += 1;
            }
            assert_eq!(got.to_vec::<i32>(), want);
        }
    }
}

#[test]
fn at_set_keeps_the_last_duplicate() {
    let mut g = Lcg(5);
    for &n in &SIZES {
        let k = 2 * n + 1;
        let idx = g.indices(k, n);
        let vals: Vec<i64> = (0..k as i64).map(|p| 100 + p).collect();
        let x = Array::from_vec(vec![-1i64; n], &[n]);
        let i = Array::from_vec(idx.clone(), &[k]);
        let v = Array::from_vec(vals.clone(), &[k]);
        let got = eager_and_jit(vec![x, i, v], |a| a[0].at(&a[1]).set(&a[2]));
        let mut want = vec![-1i64; n];
        for (p, &j) in idx.iter().enumerate() {
            want[wrap(j, n)] = vals[p];
        }
        assert_eq!(got.to_vec::<i64>(), want, "n={n}");
    }
    // Bool rows, a scalar index, and a value cast to the array's dtype.
    let x = hn::zeros(&[3, 2], DType::Bool);
    let got = eager_and_jit(vec![x, hn::scalar(-2i32)], |a| a[0].at(&a[1]).set(true));
    assert_eq!(
        got.to_vec::<bool>(),
        [false, false, true, true, false, false]
    );
    let x = hn::zeros(&[4], DType::F64);
    let i = hn::array(&[3u32, 3]);
    let got = eager_and_jit(vec![x, i], |a| {
        a[0].at(&a[1]).add(hn::array(&[0.5f32, 0.25]))
    });
    assert_eq!(got.to_vec::<f64>(), [0.0, 0.0, 0.0, 0.75]);
}

#[test]
fn segment_sum_matches_a_loop() {
    let mut g = Lcg(6);
    for &n in &SIZES {
        for &segments in &[1usize, 4, 9, 65] {
            let data = g.floats(n * 2);
            let ids: Vec<i32> = (0..n).map(|_| g.int(0, segments as i64) as i32).collect();
            let d = Array::from_vec(data.clone(), &[n, 2]);
            let s = Array::from_vec(ids.clone(), &[n]);
            let f: fn(&[Array]) -> Array = match segments {
                1 => |a| hn::segment_sum(&a[0], &a[1], 1),
                4 => |a| hn::segment_sum(&a[0], &a[1], 4),
                9 => |a| hn::segment_sum(&a[0], &a[1], 9),
                _ => |a| hn::segment_sum(&a[0], &a[1], 65),
            };
            let got = eager_and_jit(vec![d, s], f);
            let mut want = vec![0.0f32; segments * 2];
            for (p, &j) in ids.iter().enumerate() {
                want[j as usize * 2] += data[p * 2];
                want[j as usize * 2 + 1] += data[p * 2 + 1];
            }
            assert_eq!(got.shape(), &[segments, 2]);
            assert_eq!(bits(&got), bits(&Array::from_vec(want, &[segments, 2])));
        }
    }
    // No rows: all zeros.
    let d = hn::zeros(&[0, 3], DType::I32);
    let s = hn::zeros(&[0], DType::I32);
    let got = eager_and_jit(vec![d, s], |a| hn::segment_sum(&a[0], &a[1], 2));
    assert_eq!(got.to_vec::<i32>(), [0; 6]);
}

/// A dynamic slice's start as JAX resolves it: negative counts from the end
/// once, then clamped so the block of `size` fits in `dim`.
fn resolve(start: i32, dim: usize, size: usize) -> usize {
    let s = if start < 0 { start + dim as i32 } else { start };
    s.clamp(0, (dim - size) as i32) as usize
}

/// The block of `[rows, cols]` data at the clamped `(r, c)` of extents `(h, w)`.
fn block(data: &[f32], cols: usize, rows: usize, at: (i32, i32), size: (usize, usize)) -> Vec<f32> {
    let r0 = resolve(at.0, rows, size.0);
    let c0 = resolve(at.1, cols, size.1);
    let mut out = Vec::new();
    for r in r0..r0 + size.0 {
        out.extend_from_slice(&data[r * cols + c0..r * cols + c0 + size.1]);
    }
    out
}

#[test]
fn dynamic_slices_resolve_their_starts_like_jax() {
    let mut g = Lcg(7);
    for &n in &SIZES {
        let data = g.floats(n * 5);
        let x = Array::from_vec(data.clone(), &[n, 5]);
        for start in [
            (-3, -1),
            (-100, -6),
            (0, 0),
            (1, 2),
            (n as i32, 4),
            (n as i32 + 5, 100),
        ] {
            let (r, c) = (hn::scalar(start.0), hn::scalar(start.1));
            let got = eager_and_jit(vec![x.clone(), r.clone(), c.clone()], |a| {
                hn::dynamic_slice(&a[0], &[&a[1], &a[2]], &[1, 3])
            });
            assert_eq!(got.shape(), &[1, 3]);
            assert_eq!(got.to_vec::<f32>(), block(&data, 5, n, start, (1, 3)));
            let upd = Array::from_vec(vec![7.5f32, 8.5, 9.5], &[1, 3]);
            let got = eager_and_jit(vec![x.clone(), upd, r, c], |a| {
                hn::dynamic_update_slice(&a[0], &a[1], &[&a[2], &a[3]])
            });
            let (r0, c0) = (resolve(start.0, n, 1), resolve(start.1, 5, 3));
            let mut want = data.clone();
            want[r0 * 5 + c0..r0 * 5 + c0 + 3].copy_from_slice(&[7.5, 8.5, 9.5]);
            assert_eq!(got.to_vec::<f32>(), want, "n={n} start={start:?}");
        }
        // The whole array (every start clamps to 0), and an empty block.
        let s = hn::scalar(3i64);
        let got = eager_and_jit(vec![x.clone(), s], |a| {
            hn::dynamic_slice(&a[0], &[&a[1], &a[1]], &[a[0].shape()[0], 5])
        });
        assert_eq!(got.to_vec::<f32>(), data);
        let s = hn::scalar(1i32);
        let got = eager_and_jit(vec![x, s], |a| {
            hn::dynamic_slice(&a[0], &[&a[1], &a[1]], &[0, 2])
        });
        assert_eq!(got.shape(), &[0, 2]);
    }
}

/// A ring buffer of `D` rows of `n` neurons: each step writes this step's
/// spikes at row `t % D` (`dynamic_update_slice`), reads the row written
/// `D - 1` steps ago (`dynamic_slice`), and adds the delayed input to
/// targets chosen by a table (`at().add`, duplicates included).
fn ring_buffer_simulation(n: usize, steps: usize) -> Vec<Array> {
    const D: usize = 4;
    let buf = Variable::new(hn::zeros(&[D, n], DType::F32));
    let acc = Variable::new(hn::zeros(&[n], DType::F32));
    let hits = Variable::new(hn::zeros(&[n], DType::I32));
    let targets = Array::from_vec(
        (0..n as i32)
            .map(|j| (j * 7 + 3) % n as i32 - (j % 2))
            .collect::<Vec<_>>(),
        &[n],
    );
    let ids = hn::arange_i(0, n as i32, 1);
    hn::fori_loop(0, steps as i32, |t: Array| {
        let spikes = ((&ids * 3 + &t) % 5).eq(0).astype(DType::F32);
        let row = &t % D as i32;
        let zero = hn::scalar(0i32);
        buf.set(hn::dynamic_update_slice(
            &buf,
            &spikes.reshape(&[1, n as isize]),
            &[&row, &zero],
        ));
        let old = (&t + 1) % D as i32;
        let delayed = hn::dynamic_slice(&buf, &[&old, &zero], &[1, n]).reshape(&[n as isize]);
        acc.set(acc.at(&targets).add(&delayed));
        hits.set(
            hits.at(&targets.take((&t % n as i32).reshape(&[1]), 0))
                .add(1),
        );
    });
    vec![buf.value(), acc.value(), hits.value()]
}

/// The same simulation as plain loops.
fn ring_buffer_reference(n: usize, steps: usize) -> Vec<Vec<f32>> {
    const D: usize = 4;
    let mut buf = vec![0.0f32; D * n];
    let mut acc = vec![0.0f32; n];
    let mut hits = vec![0.0f32; n];
    let targets: Vec<usize> = (0..n as i32)
        .map(|j| wrap((j * 7 + 3) % n as i32 - (j % 2), n))
        .collect();
    for t in 0..steps {
        let row = t % D;
        for j in 0..n {
            let s = (j * 3 + t) % 5 == 0;
            buf[row * n + j] = if s { 1.0 } else { 0.0 };
        }
        let old = (t + 1) % D;
        for j in 0..n {
            acc[targets[j]] += buf[old * n + j];
        }
        hits[targets[t % n]] += 1.0;
    }
    vec![buf, acc, hits]
}

#[test]
fn a_ring_buffer_in_fori_loop_runs_natively_every_step() {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    let (n, steps) = (37, 50);
    let want = ring_buffer_reference(n, steps);
    let mut runs = Vec::new();
    for native in [true, false] {
        hn::control::set_native_drivers(native);
        let before = hn::control::interpreter_steps();
        let got = ring_buffer_simulation(n, steps);
        if native {
            assert_eq!(
                hn::control::interpreter_steps(),
                before,
                "interpreter steps ran"
            );
        }
        runs.push(got);
    }
    hn::control::set_native_drivers(true);
    // And inside jit.
    let f = hn::jit(move |_: ()| ring_buffer_simulation(n, steps));
    let before = hn::control::interpreter_steps();
    runs.push(f.call(()));
    assert_eq!(hn::control::interpreter_steps(), before);
    for run in &runs {
        assert_eq!(run[0].to_vec::<f32>(), want[0]);
        assert_eq!(run[1].to_vec::<f32>(), want[1]);
        let hits: Vec<f32> = run[2].to_vec::<i32>().iter().map(|&h| h as f32).collect();
        assert_eq!(hits, want[2]);
        assert_eq!(bits(&run[1]), bits(&runs[0][1]));
    }
}

#[test]
fn out_of_range_indices_are_errors_that_change_no_variable() {
    let v = Variable::new(hn::arange(0.0, 5.0, 1.0));
    let w = Variable::new(hn::zeros(&[2], DType::F32));
    // Scatters into `v` in place, after writing `w`.
    let f = hn::jit({
        let (v, w) = (v.clone(), w.clone());
        move |idx: Array| {
            w.set(&w.value() + 1.0);
            v.set(v.at(&idx).add(10.0));
            v.value().sum()
        }
    });
    f.call(hn::array(&[0, -1, 0]));
    let (v0, w0) = (v.value().to_vec::<f32>(), w.value().to_vec::<f32>());
    assert_eq!(v0, [20.0, 1.0, 2.0, 3.0, 14.0]);
    for bad in [[0, 5, 1], [0, 1, -6]] {
        let err = f.try_call(hn::array(&bad)).unwrap_err().to_string();
        assert!(
            err.contains("scatter_add") && err.contains("out of bounds"),
            "{err}"
        );
        assert_eq!(v.value().to_vec::<f32>(), v0);
        assert_eq!(w.value().to_vec::<f32>(), w0);
    }
    // The same inside a loop whose index walks off the end.
    let err = hn::try_fori_loop(0, 10, |t: Array| {
        w.set(&w.value() + 1.0);
        v.set(v.at(&t.reshape(&[1])).set(0.0));
    })
    .unwrap_err();
    assert!(err.to_string().contains("scatter_set"), "{err}");
    assert_eq!(v.value().to_vec::<f32>(), v0);
    assert_eq!(w.value().to_vec::<f32>(), w0);
    // take_along_axis and segment_sum (a negative id does not wrap).
    let g = hn::jit({
        let v = v.clone();
        move |(i, s): (Array, Array)| {
            let picked = hn::take_along_axis(&v.value(), &i, 0);
            v.set(hn::segment_sum(&v.value(), &s, 5) + picked.sum());
        }
    });
    let good = (hn::array(&[4, -5]), hn::array(&[0, 1, 1, 4, 2]));
    g.call(good.clone());
    let v1 = v.value().to_vec::<f32>();
    for (i, s, what) in [
        (hn::array(&[5, 0]), good.1.clone(), "take_along_axis"),
        (good.0.clone(), hn::array(&[0, 1, 1, 5, 2]), "segment id 5"),
        (
            good.0.clone(),
            hn::array(&[0, -1, 1, 4, 2]),
            "segment id -1",
        ),
    ] {
        let err = g.try_call((i, s)).unwrap_err().to_string();
        assert!(err.contains(what), "{err}");
        assert_eq!(v.value().to_vec::<f32>(), v1);
    }
    // Eagerly: the same errors.
    let x = hn::arange(0.0, 3.0, 1.0);
    assert!(x.at(hn::array(&[3])).try_add(1.0).is_err());
    assert!(x.try_take(hn::array(&[-4]), 0).is_err());
    assert!(hn::try_segment_sum(&x, hn::array(&[0, 2, 1]), 2).is_err());
}

#[test]
fn shape_errors_name_the_op() {
    let x = hn::zeros(&[3, 2], DType::F32);
    let err = x
        .at(hn::array(&[0, 1]))
        .try_add(hn::ones(&[3, 2], DType::F32))
        .unwrap_err();
    assert!(err.to_string().contains("at.add"), "{err}");
    let err = x.at(hn::array(&[0.5f32])).try_set(1.0).unwrap_err();
    assert!(err.to_string().contains("integers"), "{err}");
    let err = hn::try_take_along_axis(&x, hn::array(&[0, 1]), 0).unwrap_err();
    assert!(err.to_string().contains("take_along_axis"), "{err}");
    let s = hn::scalar(0i32);
    let err = hn::try_dynamic_slice(&x, &[&s], &[1, 1]).unwrap_err();
    assert!(err.to_string().contains("dynamic_slice"), "{err}");
    let err = hn::try_dynamic_slice(&x, &[&s, &s], &[4, 1]).unwrap_err();
    assert!(err.to_string().contains("dynamic_slice"), "{err}");
    let err = hn::try_dynamic_update_slice(&x, hn::ones(&[2], DType::F32), &[&s, &s]).unwrap_err();
    assert!(err.to_string().contains("dynamic_update_slice"), "{err}");
    let f = hn::scalar(0.0f32);
    assert!(hn::try_dynamic_slice(&x, &[&f, &s], &[1, 1]).is_err());
    let err = hn::try_segment_sum(&x, hn::array(&[0, 1]), 2).unwrap_err();
    assert!(err.to_string().contains("segment_sum"), "{err}");
}

#[test]
fn variables_have_the_read_only_forms() {
    let v = Variable::new(hn::array(&[1.0f32, 2.0, 3.0]));
    let y = v.at(hn::array(&[2, 2])).add(1.0);
    assert_eq!(y.to_vec::<f32>(), [1.0, 2.0, 5.0]);
    assert_eq!(
        hn::take_along_axis(&v, hn::array(&[-1]), 0).to_vec::<f32>(),
        [3.0]
    );
    assert_eq!(
        hn::segment_sum(&v, hn::array(&[1, 1, 0]), 2).to_vec::<f32>(),
        [3.0, 3.0]
    );
    let one = hn::scalar(1i32);
    assert_eq!(
        hn::dynamic_slice(&v, &[&one], &[2]).to_vec::<f32>(),
        [2.0, 3.0]
    );
    let y = hn::dynamic_update_slice(&v, hn::array(&[9.0f32]), &[&one]);
    assert_eq!(y.to_vec::<f32>(), [1.0, 9.0, 3.0]);
    assert_eq!(v.value().to_vec::<f32>(), [1.0, 2.0, 3.0]);
}

#[test]
fn variables_rewritten_from_themselves_in_place_match_eager() {
    // Each op's result is written back to the Variable it reads, so the
    // output may be the Variable's own memory: as the scatter's base, but
    // also as the gathered table or the scattered values.
    type Step = fn(&Variable, &Array);
    let steps: [(Step, &str); 5] = [
        (|v, p| v.set(v.value().take(p, 0)), "take"),
        (|v, p| v.set(v.at(p).add(&v.value())), "at.add of itself"),
        (|v, p| v.set(v.at(p).set(v.value() * 2)), "at.set"),
        (
            |v, p| v.set(hn::take_along_axis(&v.value(), p.reshape(&[-1, 1]), 0)),
            "take_along_axis",
        ),
        (
            |v, p| {
                let s = p.slice(hn::s![0..1]).reshape(&[]);
                let n = v.shape()[0];
                let block = hn::dynamic_slice(&v.value(), &[&s, &hn::scalar(0)], &[n - 1, 1]);
                v.set(hn::dynamic_update_slice(
                    &v.value(),
                    &block,
                    &[&(&s + 1), &hn::scalar(0)],
                ))
            },
            "dynamic slices",
        ),
    ];
    for (step, what) in steps {
        for n in [5usize, 64] {
            let init = Array::from_vec(
                (0..n as i32).map(|x| x * 3 + 1).collect::<Vec<_>>(),
                &[n, 1],
            );
            let perm = Array::from_vec(
                (0..n as i32)
                    .map(|j| (j * 3 + 2) % n as i32 - n as i32 * (j % 2))
                    .collect::<Vec<_>>(),
                &[n],
            );
            let eager = Variable::new(init.clone());
            let var = Variable::new(init);
            let f = hn::jit({
                let var = var.clone();
                move |p: Array| step(&var, &p)
            });
            for _ in 0..3 {
                step(&eager, &perm);
                f.call(perm.clone());
                assert_eq!(
                    var.value().to_vec::<i32>(),
                    eager.value().to_vec::<i32>(),
                    "{what}, n={n}"
                );
            }
        }
    }
}
