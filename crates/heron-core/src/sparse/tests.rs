//! `Csr` and `conn`: structure, errors, determinism, statistics, and the
//! products eagerly against the dense matrix.

use crate::conn::{fixed_post_num, fixed_prob, try_fixed_post_num, try_fixed_prob};
use crate::random::Key;
use crate::sparse::Csr;
use crate::{Array, DType};

fn i32s(x: &[i32]) -> Array {
    Array::from_vec(x.to_vec(), &[x.len()])
}

#[test]
fn csr_is_shared_and_thread_safe() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Csr>();
    let c = Csr::new(i32s(&[0, 2, 3]), i32s(&[0, 2, 1]), 3);
    let d = c.clone();
    assert!(c.matrix().ptr_eq(d.matrix()));
    assert_eq!(c.shape(), [2, 3]);
    assert_eq!(c.nnz(), 3);
    assert_eq!(c.indptr().to_vec::<i32>(), vec![0, 2, 3]);
    assert_eq!(c.indices().to_vec::<i32>(), vec![0, 2, 1]);
    assert_eq!(
        c.to_dense().to_vec::<f32>(),
        vec![1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    );
    let w = c.clone().with_weight(0.5);
    assert_eq!(w.weight(), Some(0.5));
    assert_eq!(w.to_dense().to_vec::<f32>()[2], 0.5);
    let per = c.with_weights(Array::from_vec(vec![1.0f32, 2.0, 3.0], &[3]));
    assert_eq!(
        per.to_dense().to_vec::<f32>(),
        vec![1.0, 0.0, 2.0, 0.0, 3.0, 0.0]
    );
}

#[test]
fn bad_structures_are_errors_naming_csr() {
    let e = |p: &[i32], i: &[i32], n| Csr::try_new(i32s(p), i32s(i), n).unwrap_err().to_string();
    assert!(e(&[0, 2, 1], &[0], 3).contains("csr: indptr decreases at row 1"));
    assert!(e(&[0, 1], &[5], 3).contains("out of range for 3 columns"));
    let f = Csr::try_new(Array::from_vec(vec![0.0f32, 1.0], &[2]), i32s(&[0]), 2);
    assert!(
        f.unwrap_err()
            .to_string()
            .contains("indptr must be a 1-d i32")
    );
    let c = Csr::new(i32s(&[0, 1]), i32s(&[0]), 2);
    let w = c
        .clone()
        .try_with_weights(Array::from_vec(vec![1.0f32, 2.0], &[2]));
    assert!(
        w.unwrap_err()
            .to_string()
            .contains("2 weights for 1 stored entries")
    );
    let r = std::panic::catch_unwind(|| Csr::new(i32s(&[1, 1]), i32s(&[]), 2));
    assert!(r.is_err());
    let x = c.try_matvec(&Array::from_vec(vec![1.0f32; 3], &[3]));
    assert!(x.unwrap_err().to_string().contains("csr_matvec"));
}

#[test]
fn products_equal_dense_products() {
    // Odd sizes, an empty row, per-entry weights.
    let c = Csr::new(i32s(&[0, 3, 3, 4, 7]), i32s(&[0, 2, 4, 1, 0, 3, 4]), 5).with_weights(
        Array::from_vec(vec![0.5f32, -1.0, 2.0, 3.0, 0.25, 1.5, -0.75], &[7]),
    );
    let d = c.to_dense();
    let x5 = Array::from_vec(vec![1.0f32, -2.0, 0.5, 3.0, 0.125], &[5]);
    let x4 = Array::from_vec(vec![2.0f32, 9.0, -1.0, 0.5], &[4]);
    let close = |a: Array, b: Array| {
        for (p, q) in a.to_vec::<f32>().iter().zip(b.to_vec::<f32>()) {
            assert!((p - q).abs() <= 1e-6 * q.abs().max(1.0), "{p} vs {q}");
        }
    };
    close(c.matvec(&x5), d.matmul(&x5));
    assert_eq!(c.vecmat(&x4).to_vec::<f32>(), x4.matmul(&d).to_vec::<f32>());
    let s = Array::from_vec(vec![true, true, false, true], &[4]);
    assert_eq!(
        c.event_vecmat(&s).to_vec::<f32>(),
        s.astype(DType::F32).matmul(&d).to_vec::<f32>()
    );
    // Integer spikes count where non-zero; integer operands are cast.
    let si = Array::from_vec(vec![1i32, 5, 0, 1], &[4]);
    assert_eq!(
        c.event_vecmat(&si).to_vec::<f32>(),
        c.event_vecmat(&s).to_vec::<f32>()
    );
    let xi = Array::from_vec(vec![1i32, 2, 3, 4, 5], &[5]);
    close(c.matvec(&xi), d.matmul(&xi.astype(DType::F32)));
}

#[test]
fn fixed_prob_is_deterministic_sorted_and_has_the_right_density() {
    let key = Key::new(42);
    let a = fixed_prob(1000, 700, 0.05, &key);
    let b = fixed_prob(1000, 700, 0.05, &key);
    assert_eq!(a.indices().to_vec::<i32>(), b.indices().to_vec::<i32>());
    assert_eq!(a.indptr().to_vec::<i32>(), b.indptr().to_vec::<i32>());
    assert!(a.matrix().rows_sorted());
    // Expected 35,000 connections, sd ≈ 182: within 5 sd.
    let nnz = a.nnz() as f64;
    assert!((nnz - 35_000.0).abs() < 5.0 * 182.0, "{nnz}");
    // Each column too is hit about equally often (no skew to low columns).
    let idx = a.indices().to_vec::<i32>();
    let low = idx.iter().filter(|&&c| c < 350).count() as f64;
    assert!((low / nnz - 0.5).abs() < 0.02, "{}", low / nnz);
    let c = fixed_prob(1000, 700, 0.05, &Key::new(43));
    assert_ne!(c.indices().to_vec::<i32>(), idx);
    assert_eq!(fixed_prob(10, 7, 0.0, &key).nnz(), 0);
    assert_eq!(fixed_prob(10, 7, 1.0, &key).nnz(), 70);
    assert!(try_fixed_prob(10, 7, 1.5, &key).is_err());
    assert!(try_fixed_prob(10, 7, f64::NAN, &key).is_err());
    assert_eq!(fixed_prob(0, 7, 0.5, &key).shape(), [0, 7]);
}

#[test]
fn fixed_post_num_rows_are_distinct_sorted_and_uniform() {
    let key = Key::new(7);
    let c = fixed_post_num(2000, 300, 40, &key);
    assert_eq!(c.nnz(), 2000 * 40);
    let p = c.indptr().to_vec::<i32>();
    let idx = c.indices().to_vec::<i32>();
    for r in 0..2000 {
        let row = &idx[p[r] as usize..p[r + 1] as usize];
        assert_eq!(row.len(), 40);
        assert!(row.windows(2).all(|w| w[0] < w[1]), "row {r}: {row:?}");
    }
    let mut counts = [0usize; 300];
    for &j in &idx {
        counts[j as usize] += 1;
    }
    // Each column expects 266.7 hits (sd ≈ 15.2).
    assert!(
        counts
            .iter()
            .all(|&n| (n as f64 - 266.7).abs() < 6.0 * 15.2)
    );
    let full = fixed_post_num(3, 5, 5, &key);
    assert_eq!(
        full.indices().to_vec::<i32>(),
        vec![0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4]
    );
    assert!(try_fixed_post_num(3, 5, 6, &key).is_err());
}

#[test]
fn builders_do_not_depend_on_the_thread_count() {
    let key = Key::new(2024);
    let build = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let a = fixed_prob(3000, 1000, 0.02, &key);
            let b = fixed_post_num(3000, 1000, 20, &key);
            (a.indices().to_vec::<i32>(), b.indices().to_vec::<i32>())
        })
    };
    assert_eq!(build(1), build(3));
}

#[test]
fn fixed_prob_golden_row() {
    // A small matrix, pinned: the stream and the skipping rule are part of
    // the contract (the same matrix on every machine).
    let c = fixed_prob(3, 40, 0.1, &Key::new(0));
    let text = format!(
        "{:?} {:?}",
        c.indptr().to_vec::<i32>(),
        c.indices().to_vec::<i32>()
    );
    expect_test::expect!["[0, 5, 6, 9] [0, 16, 27, 34, 38, 23, 4, 17, 19]"].assert_eq(&text);
}

#[test]
fn hstack_puts_columns_side_by_side() {
    let a = Csr::new(i32s(&[0, 1, 3]), i32s(&[1, 0, 2]), 3).with_weight(0.5);
    let b = Csr::new(i32s(&[0, 2, 2]), i32s(&[0, 1]), 2).with_weight(0.5);
    let ab = Csr::hstack(&[&a, &b]);
    assert_eq!(ab.shape(), [2, 5]);
    assert_eq!(ab.weight(), Some(0.5));
    assert_eq!(ab.indptr().to_vec::<i32>(), vec![0, 3, 5]);
    assert_eq!(ab.indices().to_vec::<i32>(), vec![1, 3, 4, 0, 2]);
    let mixed = Csr::hstack(&[&a, &b.clone().with_weight(2.0)]);
    assert_eq!(mixed.weight(), None);
    assert_eq!(
        mixed.to_dense().to_vec::<f32>(),
        vec![0.0, 0.5, 0.0, 2.0, 2.0, 0.5, 0.0, 0.5, 0.0, 0.0]
    );
    let c = Csr::new(i32s(&[0, 0]), i32s(&[]), 2);
    assert!(
        Csr::try_hstack(&[&a, &c])
            .unwrap_err()
            .to_string()
            .contains("row counts differ")
    );
}
