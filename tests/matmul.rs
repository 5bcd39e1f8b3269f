//! `matmul` under `jit`, eagerly and against a loop reference: every rank
//! combination (1-d·1-d, 1-d·2-d, 2-d·1-d, 2-d·2-d, batched with broadcast
//! leading axes), odd sizes around gemm's block edges, transposed operands,
//! f32, f64 and i32. Floats meet the precision contract's dot-product
//! bound; integers wrap and are exact. The compiled plan runs the product
//! natively (no interpreter step), with element-wise consumers fused after
//! it.

use heron as hn;
use heron::prelude::*;

/// A deterministic pseudo-random sequence in `[-1, 1)` (or small integers).
fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

/// An array of `shape` and `dtype` from `seed`; integers in `[-1000, 1000)`.
fn operand(shape: &[usize], dtype: DType, seed: u64) -> Array {
    let n = shape.iter().product();
    let v = data(n, seed);
    let s: Vec<isize> = shape.iter().map(|&d| d as isize).collect();
    let a = match dtype {
        DType::F32 => hn::array(&v.iter().map(|&x| x as f32).collect::<Vec<_>>()[..]),
        DType::F64 => hn::array(&v[..]),
        DType::I32 => hn::array(&v.iter().map(|&x| (x * 1000.0) as i32).collect::<Vec<_>>()[..]),
        _ => unreachable!("f32, f64 and i32 only"),
    };
    a.reshape(&s)
}

/// The elements of `x` as f64 (exact for f32, f64 and i32).
fn f64s(x: &Array) -> Vec<f64> {
    match x.dtype() {
        DType::F32 => x.to_vec::<f32>().into_iter().map(f64::from).collect(),
        DType::F64 => x.to_vec::<f64>(),
        DType::I32 => x.to_vec::<i32>().into_iter().map(f64::from).collect(),
        d => unreachable!("{d}"),
    }
}

/// NumPy's `matmul` of `a` and `b` by loops: the result's shape, each
/// element's exact-enough value (f64; i32 wrapping) and its `Σ|a·b|`.
fn reference(a: &Array, b: &Array) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    let (ma, mb) = (
        if sa.len() == 1 {
            vec![1, sa[0]]
        } else {
            sa.clone()
        },
        if sb.len() == 1 {
            vec![sb[0], 1]
        } else {
            sb.clone()
        },
    );
    let (m, k, n) = (ma[ma.len() - 2], ma[ma.len() - 1], mb[mb.len() - 1]);
    let (ba, bb) = (&ma[..ma.len() - 2], &mb[..mb.len() - 2]);
    let rank = ba.len().max(bb.len());
    let pad = |s: &[usize]| {
        let mut p = vec![1; rank - s.len()];
        p.extend_from_slice(s);
        p
    };
    let (pa, pb) = (pad(ba), pad(bb));
    let batch: Vec<usize> = pa.iter().zip(&pb).map(|(&x, &y)| x.max(y)).collect();
    let (av, bv) = (f64s(a), f64s(b));
    let int = a.dtype() == DType::I32;
    let (mut vals, mut abs) = (Vec::new(), Vec::new());
    let count: usize = batch.iter().product();
    for t in 0..count {
        // The batch index, then each operand's matrix by its own (broadcast) index.
        let mut rem = t;
        let mut idx = vec![0; rank];
        for ax in (0..rank).rev() {
            idx[ax] = rem % batch[ax];
            rem /= batch[ax];
        }
        let flat = |p: &[usize]| {
            idx.iter()
                .zip(p)
                .fold(0, |acc, (&i, &d)| acc * d + if d == 1 { 0 } else { i })
        };
        let (oa, ob) = (flat(&pa) * m * k, flat(&pb) * k * n);
        for i in 0..m {
            for j in 0..n {
                let (mut s, mut w, mut si) = (0.0, 0.0, 0i32);
                for p in 0..k {
                    let (x, y) = (av[oa + i * k + p], bv[ob + p * n + j]);
                    s += x * y;
                    w += (x * y).abs();
                    si = si.wrapping_add((x as i32).wrapping_mul(y as i32));
                }
                vals.push(if int { f64::from(si) } else { s });
                abs.push(w);
            }
        }
    }
    let mut shape = batch;
    if sa.len() > 1 {
        shape.push(m);
    }
    if sb.len() > 1 {
        shape.push(n);
    }
    (shape, vals, abs)
}

/// Checks `got` against the reference: exact for i32, else within the
/// contract's dot-product bound `2·(k + 1)·ε·Σ|a·b|` plus the reference's
/// own f64 rounding.
fn assert_close(what: &str, got: &Array, want: &(Vec<usize>, Vec<f64>, Vec<f64>), k: usize) {
    assert_eq!(got.shape(), &want.0[..], "{what}: shape");
    let eps = match got.dtype() {
        DType::F32 => f64::from(f32::EPSILON) / 2.0,
        DType::F64 => f64::EPSILON / 2.0,
        _ => 0.0,
    };
    for (i, (g, (w, s))) in f64s(got).iter().zip(want.1.iter().zip(&want.2)).enumerate() {
        let bound = 2.0 * (k as f64 + 1.0) * eps * s + 1e-300;
        assert!(
            (g - w).abs() <= bound,
            "{what}: element {i} is {g}, want {w} (bound {bound})"
        );
    }
}

/// Runs `a @ b` eagerly and under `jit`; checks both against the reference,
/// and that they agree exactly (the same routine on the same operands).
fn check(a: &Array, b: &Array, what: &str) {
    let want = reference(a, b);
    let k = *a.shape().last().expect("at least 1-d");
    let eager = a.matmul(b);
    let f = hn::jit(|(a, b): (Array, Array)| a.matmul(&b));
    let jit = f.call((a, b));
    assert_close(&format!("{what} eager"), &eager, &want, k);
    assert_close(&format!("{what} jit"), &jit, &want, k);
    assert_eq!(f64s(&eager), f64s(&jit), "{what}: jit and eager differ");
}

#[test]
fn every_rank_combination_and_odd_size() {
    let sizes = [1, 3, 7, 17, 65, 130];
    for dtype in [DType::F32, DType::F64, DType::I32] {
        for (t, &m) in sizes.iter().enumerate() {
            let (k, n) = (sizes[(t + 2) % 6], sizes[(t + 4) % 6]);
            let seed = t as u64 * 7 + 1;
            let what = |s: &str| format!("{dtype} {s} m={m} k={k} n={n}");
            let (a2, b2) = (
                operand(&[m, k], dtype, seed),
                operand(&[k, n], dtype, seed + 1),
            );
            let (a1, b1) = (
                operand(&[k], dtype, seed + 2),
                operand(&[k], dtype, seed + 3),
            );
            check(&a1, &b1, &what("1-d.1-d"));
            check(&a1, &b2, &what("1-d.2-d"));
            check(&a2, &b1, &what("2-d.1-d"));
            check(&a2, &b2, &what("2-d.2-d"));
        }
    }
}

#[test]
fn square_products_at_every_size() {
    for &s in &[1, 3, 7, 17, 65, 130] {
        for dtype in [DType::F32, DType::F64, DType::I32] {
            let a = operand(&[s, s], dtype, s as u64);
            let b = operand(&[s, s], dtype, s as u64 + 100);
            check(&a, &b, &format!("{dtype} {s}x{s}"));
        }
    }
}

#[test]
fn batched_with_broadcast_leading_axes() {
    let cases: &[(&[usize], &[usize])] = &[
        (&[2, 3, 4], &[2, 4, 5]),
        (&[2, 1, 3, 4], &[3, 4, 5]),
        (&[3, 4], &[2, 4, 5]),
        (&[2, 3, 4], &[4, 5]),
        (&[2, 3, 4], &[4]),
        (&[4], &[3, 4, 5]),
        (&[1, 7, 17], &[5, 17, 3]),
        (&[2, 0, 3], &[3, 2]),
        (&[2, 3, 0], &[2, 0, 4]),
    ];
    for dtype in [DType::F32, DType::F64, DType::I32] {
        for (t, (sa, sb)) in cases.iter().enumerate() {
            let a = operand(sa, dtype, 40 + t as u64);
            let b = operand(sb, dtype, 80 + t as u64);
            check(&a, &b, &format!("{dtype} {sa:?}@{sb:?}"));
        }
    }
}

#[test]
fn transposed_operands() {
    for dtype in [DType::F32, DType::F64, DType::I32] {
        for &(m, k, n) in &[(3, 7, 17), (65, 17, 7), (130, 65, 3), (1, 130, 1)] {
            let at = operand(&[k, m], dtype, 5).transpose();
            let bt = operand(&[n, k], dtype, 6).transpose();
            let (a, b) = (operand(&[m, k], dtype, 7), operand(&[k, n], dtype, 8));
            check(&at, &b, &format!("{dtype} aT m={m} k={k} n={n}"));
            check(&a, &bt, &format!("{dtype} bT m={m} k={k} n={n}"));
            check(&at, &bt, &format!("{dtype} aT bT m={m} k={k} n={n}"));
            // Transposed inside the jitted function.
            let f = hn::jit(|(a, b): (Array, Array)| a.transpose().matmul(&b.transpose()));
            let (x, y) = (operand(&[k, m], dtype, 9), operand(&[n, k], dtype, 10));
            let want = reference(&x.transpose(), &y.transpose());
            assert_close(
                &format!("{dtype} traced transposes"),
                &f.call((&x, &y)),
                &want,
                k,
            );
        }
    }
}

#[test]
fn large_products_split_over_threads_give_the_same_bits() {
    // 256³ multiply-adds: blocks of rows on rayon's pool.
    let a = operand(&[256, 256], DType::F32, 1);
    let b = operand(&[256, 256], DType::F32, 2);
    let want = reference(&a, &b);
    let threaded = a.matmul(&b);
    assert_close("threaded", &threaded, &want, 256);
    // From a rayon worker the product runs on that thread alone.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let single = pool.install(|| a.matmul(&b));
    assert_eq!(f64s(&threaded), f64s(&single));
}

#[test]
fn the_plan_runs_the_product_natively_and_fuses_its_consumers() {
    let f = hn::jit(|(x, w, b): (Array, Array, Array)| (x.matmul(&w) + &b).tanh());
    let (x, w, b) = (
        operand(&[8, 16], DType::F32, 1),
        operand(&[16, 4], DType::F32, 2),
        operand(&[4], DType::F32, 3),
    );
    let compiled = f.compile((&x, &w, &b));
    let names: Vec<String> = compiled.kernels().iter().map(|k| k.name.clone()).collect();
    assert_eq!(
        names,
        ["native:matmul", "k0"],
        "{}",
        compiled.optimized_text()
    );
    assert!(compiled.interpreter_ops().is_empty());
    assert!(compiled.kernels().iter().all(|k| k.native));
    let eager = (x.matmul(&w) + &b).tanh();
    let jit = f.call((&x, &w, &b));
    for (g, e) in jit.to_vec::<f32>().iter().zip(eager.to_vec::<f32>()) {
        assert!(heron_ir::ulps_f32(*g, e) <= 3, "{g} vs {e}");
    }
}

#[test]
fn misaligned_and_zero_dimensional_operands_are_errors_naming_matmul() {
    let a = hn::ones(&[2, 3], DType::F32);
    let e = a.try_matmul(&a).unwrap_err().to_string();
    assert!(e.contains("matmul") && e.contains("not aligned"), "{e}");
    let e = hn::scalar(1.0f32).try_matmul(&a).unwrap_err().to_string();
    assert!(e.contains("matmul") && e.contains("at least 1-d"), "{e}");
    let (x, y) = (
        hn::ones(&[2, 3, 4], DType::F32),
        hn::ones(&[3, 4, 5], DType::F32),
    );
    let e = x.try_matmul(&y).unwrap_err().to_string();
    assert!(e.contains("matmul") && e.contains("broadcast"), "{e}");
    // dot of a 0-d operand is a product.
    assert_eq!(
        hn::dot(&hn::scalar(2.0f32), &a).to_vec::<f32>(),
        vec![2.0; 6]
    );
}

#[test]
fn a_transpose_feeding_the_product_is_read_through_strides() {
    let f = hn::jit(|(a, b): (Array, Array)| a.transpose().matmul(&b.transpose()) * 2.0);
    for dtype in [DType::F32, DType::F64, DType::I32] {
        for &(m, k, n) in &[(3, 5, 4), (65, 130, 17), (1, 7, 1)] {
            let (x, y) = (operand(&[k, m], dtype, 11), operand(&[n, k], dtype, 12));
            let compiled = f.compile((&x, &y));
            let names: Vec<String> = compiled.kernels().iter().map(|k| k.name.clone()).collect();
            // The two transposes are not copied: only the product and the
            // scaling run.
            assert_eq!(
                names,
                ["native:matmul", "k2"],
                "{}",
                compiled.optimized_text()
            );
            let jit = f.call((&x, &y));
            let want = reference(&x.transpose(), &y.transpose());
            let want = (
                want.0,
                want.1.iter().map(|v| v * 2.0).collect(),
                want.2.iter().map(|v| v * 2.0).collect(),
            );
            assert_close(&format!("{dtype} {m}x{k}x{n}"), &jit, &want, k);
        }
    }
    // A broadcast operand and a batched one are read in place too.
    let g = hn::jit(|(a, b): (Array, Array)| a.broadcast_to(&[3, 4, 5]).matmul(&b));
    let (x, y) = (
        operand(&[4, 5], DType::F32, 13),
        operand(&[3, 5, 2], DType::F32, 14),
    );
    let compiled = g.compile((&x, &y));
    assert_eq!(compiled.kernels().len(), 1, "{}", compiled.optimized_text());
    let want = reference(&x.broadcast_to(&[3, 4, 5]), &y);
    assert_close("broadcast", &g.call((&x, &y)), &want, 5);
}

#[test]
fn a_variable_multiplied_through_its_own_transpose_in_place() {
    // The product reads the Variable's memory through strides and writes
    // its new value over that same memory.
    let start = operand(&[33, 33], DType::F32, 21) * 0.1;
    let w = operand(&[33, 33], DType::F32, 22) * 0.1;
    let v = Variable::new(start.clone());
    let f = {
        let (v, w) = (v.clone(), w.clone());
        hn::jit(move |_: Array| {
            v.set(v.transpose().matmul(&w));
            v.value()
        })
    };
    let compiled = f.compile(&hn::zeros(&[1], DType::F32));
    assert!(
        compiled.kernels().iter().all(|k| k.name == "native:matmul"),
        "{}",
        compiled.optimized_text()
    );
    f.call(&hn::zeros(&[1], DType::F32));
    let want = reference(&start.transpose(), &w);
    assert_close("in place", &v.value(), &want, 33);
}
