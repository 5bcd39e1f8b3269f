//! Structure checks and the products against a dense reference.

use super::kernels::*;
use super::*;

/// A 3x5 matrix with an empty middle row and unsorted last row.
fn small(weights: Weights) -> CsrMatrix {
    csr(vec![0, 2, 2, 5], vec![1, 4, 3, 0, 2], 5, weights).unwrap()
}

fn v<T: crate::Element>(x: Vec<T>) -> Value {
    Value::from_slice(crate::Shape::new(&[x.len()]), &x)
}

fn w(x: Vec<f32>) -> Weights {
    Weights::PerEntry(v(x))
}

fn csr(p: Vec<i32>, i: Vec<i32>, n: usize, weights: Weights) -> Result<CsrMatrix> {
    CsrMatrix::new(v(p), v(i), n, weights)
}

fn dense_vecmat(d: &[f32], rows: usize, cols: usize, x: &[f32]) -> Vec<f32> {
    (0..cols)
        .map(|c| (0..rows).fold(0.0, |acc, r| acc + x[r] * d[r * cols + c]))
        .collect()
}

#[test]
fn rejects_bad_structures() {
    let err = |p: Vec<i32>, i: Vec<i32>, n, w| csr(p, i, n, w).unwrap_err().to_string();
    let u = Weights::Uniform(1.0);
    assert!(err(vec![], vec![], 3, u.clone()).contains("indptr"));
    assert!(err(vec![1, 1], vec![0], 3, u.clone()).contains("start at 0"));
    assert!(err(vec![0, 2, 1], vec![0, 1], 3, u.clone()).contains("decreases at row 1"));
    assert!(err(vec![0, 2], vec![0], 3, u.clone()).contains("ends at 2"));
    assert!(err(vec![0, 1], vec![3], 3, u.clone()).contains("out of range"));
    assert!(err(vec![0, 1], vec![-1], 3, u).contains("out of range"));
    assert!(err(vec![0, 1], vec![0], 3, w(vec![])).contains("0 weights"));
    let f = Weights::PerEntry(Value::from_slice(crate::Shape::new(&[1]), &[1i32]));
    assert!(err(vec![0, 1], vec![0], 3, f).contains("weights must be a 1-d f32"));
}

#[test]
fn equality_and_hash_follow_content() {
    let a = small(Weights::Uniform(0.5));
    let b = small(Weights::Uniform(0.5));
    let c = small(Weights::Uniform(0.25));
    assert!(!a.ptr_eq(&b));
    assert_eq!(a, b);
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_ne!(a, c);
    assert_ne!(a.fingerprint(), c.fingerprint());
    assert!(!a.rows_sorted());
    assert_eq!(
        a.to_string(),
        format!("shape=(3,5),nnz=5,weight=0.5,id={:016x}", a.fingerprint())
    );
}

#[test]
fn products_match_the_dense_matrix() {
    for w in [Weights::Uniform(0.5), w(vec![1.0, -2.0, 0.25, 3.0, 1.5])] {
        let m = small(w);
        let d = m.to_dense();
        let x5 = [1.0, 2.0, -1.0, 0.5, 4.0];
        let mut y = vec![9.0; 3];
        matvec(&m, &x5, &mut y);
        for r in 0..3 {
            let want: f32 = (0..5).map(|c| d[r * 5 + c] * x5[c]).sum();
            assert!((y[r] - want).abs() < 1e-5, "row {r}: {} vs {want}", y[r]);
        }
        let x3 = [2.0, -3.0, 0.5];
        let mut y = vec![9.0; 5];
        vecmat(&m, &x3, &mut y);
        assert_eq!(y, dense_vecmat(&d, 3, 5, &x3));
        let s = [true, false, true];
        event_vecmat(&m, &s, &mut y);
        assert_eq!(y, dense_vecmat(&d, 3, 5, &[1.0, 0.0, 1.0]));
        event_vecmat(&m, &[false; 3], &mut y);
        assert_eq!(y, vec![0.0; 5]);
    }
}

#[test]
fn column_ranges_give_the_bits_of_the_whole() {
    let m = csr(
        vec![0, 3, 3, 6, 8],
        vec![0, 2, 6, 1, 2, 3, 4, 6],
        7,
        w(vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]),
    )
    .unwrap();
    assert!(m.rows_sorted());
    let s = [true, true, false, true];
    let x = [0.3, 1.7, -2.0, 0.9];
    let (mut whole, mut parts) = (vec![0.0; 7], vec![0.0; 7]);
    event_vecmat(&m, &s, &mut whole);
    event_vecmat_cols(&m, &s, 0..3, &mut parts[0..3]);
    event_vecmat_cols(&m, &s, 3..7, &mut parts[3..7]);
    assert_eq!(whole, parts);
    vecmat(&m, &x, &mut whole);
    vecmat_cols(&m, &x, 0..4, &mut parts[0..4]);
    vecmat_cols(&m, &x, 4..7, &mut parts[4..7]);
    assert_eq!(whole, parts);
}
