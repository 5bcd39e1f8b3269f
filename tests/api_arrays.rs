//! The Array API as API.md writes it: creation, promotion, operators, math,
//! reductions, shapes, indexing, sorting, linear algebra and printing, with
//! NumPy's values as the reference.

use heron as hn;
use heron::prelude::*;

fn f32s(a: &Array) -> Vec<f32> {
    a.to_vec::<f32>()
}

fn close(a: &Array, expected: &[f32]) {
    let got = f32s(a);
    assert_eq!(got.len(), expected.len(), "{a}");
    for (g, e) in got.iter().zip(expected) {
        assert!(
            (g - e).abs() <= 1e-5 * e.abs().max(1.0),
            "{a} vs {expected:?}"
        );
    }
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("expected a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn creation() {
    let a = hn::array(&[[0, 1, 2], [3, 4, 5]]);
    assert_eq!(
        (a.shape(), a.ndim(), a.size(), a.dtype()),
        (&[2, 3][..], 2, 6, DType::I32)
    );
    let b = hn::array(&[1.5f32, 2.5]);
    assert_eq!(b.dtype(), DType::F32);
    let c = Array::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], &[2, 2]);
    assert_eq!((c.shape(), c.dtype()), (&[2, 2][..], DType::F64));
    let s = hn::scalar(3.0f32);
    assert_eq!((s.ndim(), s.item::<f32>()), (0, 3.0));
    assert_eq!(
        hn::zeros(&[3, 4], DType::F32).to_vec::<f32>(),
        vec![0.0; 12]
    );
    assert_eq!(hn::ones(&[3], DType::F32).to_vec::<f32>(), vec![1.0; 3]);
    assert_eq!(
        hn::full(&[2, 2], 7.0, DType::F64).to_vec::<f64>(),
        vec![7.0; 4]
    );
    let r = hn::arange(0.0, 10.0, 1.0);
    assert_eq!((r.dtype(), r.size()), (DType::F32, 10));
    let ri = hn::arange_i(0, 10, 1);
    assert_eq!((ri.dtype(), ri.to_vec::<i32>()[9]), (DType::I32, 9));
    assert_eq!(
        f32s(&hn::linspace(0.0, 1.0, 5)),
        vec![0.0, 0.25, 0.5, 0.75, 1.0]
    );
    assert_eq!(
        f32s(&hn::eye(3, DType::F32)),
        vec![1., 0., 0., 0., 1., 0., 0., 0., 1.]
    );
    assert_eq!(hn::zeros_like(&a).to_vec::<i32>(), vec![0; 6]);
    assert_eq!(hn::ones_like(&a).dtype(), DType::I32);
    assert_eq!(
        a.astype(DType::F64).to_vec::<f64>(),
        vec![0., 1., 2., 3., 4., 5.]
    );
    assert_eq!(
        hn::array(&[-2.7f32, 2.7])
            .astype(DType::I32)
            .to_vec::<i32>(),
        vec![-2, 2]
    );
}

#[test]
fn promotion_follows_jax() {
    let f = hn::array(&[1.0f32, 2.0]);
    let i = hn::array(&[1, 2]);
    let u = hn::array(&[1u32, 2]);
    let b = hn::array(&[true, false]);
    assert_eq!((&f * 2.0).dtype(), DType::F32);
    assert_eq!((&i + 1).dtype(), DType::I32);
    assert_eq!((&i * 0.5).dtype(), DType::F32);
    assert_eq!((&i + &f).dtype(), DType::F32);
    assert_eq!((&u + &i).dtype(), DType::I64);
    assert_eq!((&b + &i).dtype(), DType::I32);
    assert_eq!((&f + &hn::array(&[1.0f64, 2.0])).dtype(), DType::F64);
    assert_eq!((&hn::array(&[1.0f64]) * 2).dtype(), DType::F64);
    assert_eq!((&u * 3).dtype(), DType::U32);
}

#[test]
fn arithmetic_operators() {
    let a = hn::array(&[1.0f32, 2.0, 3.0]);
    let b = hn::array(&[4.0f32, 5.0, 6.0]);
    assert_eq!(f32s(&(&a + &b)), vec![5.0, 7.0, 9.0]);
    assert_eq!(f32s(&(&a - 1.0)), vec![0.0, 1.0, 2.0]);
    assert_eq!(f32s(&(2.0 * &a)), vec![2.0, 4.0, 6.0]);
    assert_eq!(f32s(&(1.0 / &b)), vec![0.25, 0.2, 1.0 / 6.0]);
    assert_eq!(f32s(&(a.clone() * b.clone())), vec![4.0, 10.0, 18.0]);
    assert_eq!(f32s(&(10 - &a)), vec![9.0, 8.0, 7.0]);
    assert_eq!(f32s(&-&a), vec![-1.0, -2.0, -3.0]);
    // True division of integers gives floats (JAX); % is NumPy's remainder.
    let i = hn::array(&[7, -7, 6]);
    let q = &i / 2;
    assert_eq!((q.dtype(), f32s(&q)), (DType::F32, vec![3.5, -3.5, 3.0]));
    assert_eq!((&i % 3).to_vec::<i32>(), vec![1, 2, 0]);
    assert_eq!((&i % -3).to_vec::<i32>(), vec![-2, -1, 0]);
    assert_eq!(f32s(&(hn::array(&[-7.5f32]) % 2.0)), vec![0.5]);
    assert_eq!(hn::floor_divide(&i, 2).to_vec::<i32>(), vec![3, -4, 3]);
    // Broadcasting.
    let m = hn::array(&[[1, 2, 3], [4, 5, 6]]);
    assert_eq!(
        (&m + &hn::array(&[10, 20, 30])).to_vec::<i32>(),
        vec![11, 22, 33, 14, 25, 36]
    );
    let col = hn::array(&[[1], [2], [3], [4]]);
    let row = hn::array(&[[1, 10, 100, 1000, 10000]]);
    assert_eq!((&col * &row).shape(), &[4, 5]);
}

#[test]
fn compound_assignment_is_copy_on_write() {
    let mut a = hn::array(&[1.0f32, 2.0]);
    let shared = a.clone();
    a += 1.0;
    a -= &hn::array(&[0.5f32, 0.5]);
    a *= 4.0;
    a /= 2.0;
    assert_eq!(f32s(&a), vec![3.0, 5.0]);
    assert_eq!(f32s(&shared), vec![1.0, 2.0]);
    let mut i = hn::array(&[1, 2]);
    i += 5;
    assert_eq!(i.to_vec::<i32>(), vec![6, 7]);
    let msg = panic_message(move || {
        let mut i = hn::array(&[1, 2]);
        i /= 2;
    });
    assert_eq!(
        msg,
        "div: in-place result f32[2] does not fit the left operand i32[2]"
    );
}

#[test]
fn logic_and_comparisons() {
    let a = hn::array(&[1.0f32, 2.0, 3.0]);
    let b = hn::array(&[3.0f32, 2.0, 1.0]);
    assert_eq!(a.gt(&b).to_vec::<bool>(), vec![false, false, true]);
    assert_eq!(a.ge(2.0).to_vec::<bool>(), vec![false, true, true]);
    assert_eq!(a.lt(2).to_vec::<bool>(), vec![true, false, false]);
    assert_eq!(a.le(&b).to_vec::<bool>(), vec![true, true, false]);
    assert_eq!(a.eq(&b).to_vec::<bool>(), vec![false, true, false]);
    assert_eq!(a.ne(2.0).to_vec::<bool>(), vec![true, false, true]);
    let p = a.gt(1.5);
    let q = a.lt(2.5);
    assert_eq!((&p & &q).to_vec::<bool>(), vec![false, true, false]);
    assert_eq!((&p | &q).to_vec::<bool>(), vec![true, true, true]);
    assert_eq!((&p ^ &q).to_vec::<bool>(), vec![true, false, true]);
    assert_eq!((!&p).to_vec::<bool>(), vec![true, false, false]);
    assert_eq!((hn::array(&[6, 3]) & 5).to_vec::<i32>(), vec![4, 1]);
    let nan = hn::array(&[f32::NAN]);
    assert_eq!(nan.eq(&nan).to_vec::<bool>(), vec![false]);
    assert_eq!(nan.ne(&nan).to_vec::<bool>(), vec![true]);
}

#[test]
fn elementwise_math() {
    let x = hn::array(&[0.0f32, 1.0, 4.0]);
    close(&x.sqrt(), &[0.0, 1.0, 2.0]);
    close(&hn::sqrt(&x), &[0.0, 1.0, 2.0]);
    close(&hn::exp(&x), &[1.0, 1.0f32.exp(), 4.0f32.exp()]);
    close(&x.exp2(), &[1.0, 2.0, 16.0]);
    close(&(&x + 1.0).log(), &[0.0, 2.0f32.ln(), 5.0f32.ln()]);
    close(&x.log1p(), &[0.0, 2.0f32.ln(), 5.0f32.ln()]);
    close(&x.sin(), &[0.0, 1.0f32.sin(), 4.0f32.sin()]);
    close(&x.tanh(), &[0.0, 1.0f32.tanh(), 4.0f32.tanh()]);
    close(
        &hn::sigmoid(&x),
        &[
            0.5,
            1.0 / (1.0 + (-1.0f32).exp()),
            1.0 / (1.0 + (-4.0f32).exp()),
        ],
    );
    close(&hn::array(&[1.0f32, 4.0]).rsqrt(), &[1.0, 0.5]);
    close(&hn::array(&[2.0f32, 4.0]).reciprocal(), &[0.5, 0.25]);
    close(&hn::array(&[-1.5f32, 0.0, 2.0]).sign(), &[-1.0, 0.0, 1.0]);
    let r = hn::array(&[-2.5f32, -0.5, 0.5, 1.5, 2.5]);
    close(&r.round(), &[-2.0, -0.0, 0.0, 2.0, 2.0]);
    close(&r.floor(), &[-3.0, -1.0, 0.0, 1.0, 2.0]);
    close(&r.ceil(), &[-2.0, -0.0, 1.0, 2.0, 3.0]);
    close(&r.trunc(), &[-2.0, -0.0, 0.0, 1.0, 2.0]);
    close(&r.abs(), &[2.5, 0.5, 0.5, 1.5, 2.5]);
    close(&r.square(), &[6.25, 0.25, 0.25, 2.25, 6.25]);
    // Float-only functions compute integers in f32, as JAX does.
    let i = hn::array(&[1, 4, 9]);
    let s = i.sqrt();
    assert_eq!(s.dtype(), DType::F32);
    close(&s, &[1.0, 2.0, 3.0]);
    assert_eq!(i.abs().dtype(), DType::I32);
    assert_eq!(i.floor().to_vec::<i32>(), vec![1, 4, 9]);
    let special = hn::array(&[f32::NAN, f32::INFINITY, 1.0]);
    assert_eq!(special.isnan().to_vec::<bool>(), vec![true, false, false]);
    assert_eq!(special.isinf().to_vec::<bool>(), vec![false, true, false]);
    assert_eq!(
        special.isfinite().to_vec::<bool>(),
        vec![false, false, true]
    );
    assert_eq!(
        hn::logical_not(hn::array(&[0, 2])).to_vec::<bool>(),
        vec![true, false]
    );
    // Binary functions and clip.
    close(&hn::pow(&x, 2.0), &[0.0, 1.0, 16.0]);
    assert_eq!(hn::array(&[2, 3]).pow(3).to_vec::<i32>(), vec![8, 27]);
    close(&hn::maximum(&x, 2.0), &[2.0, 2.0, 4.0]);
    close(&hn::minimum(&x, 2.0), &[0.0, 1.0, 2.0]);
    close(
        &hn::arctan2(hn::array(&[1.0f32]), hn::array(&[1.0f32])),
        &[std::f32::consts::FRAC_PI_4],
    );
    close(&x.clip(0.5, 2.0), &[0.5, 1.0, 2.0]);
    assert_eq!(
        hn::maximum(hn::array(&[f32::NAN]), 1.0)
            .isnan()
            .to_vec::<bool>(),
        vec![true]
    );
}

#[test]
fn where_broadcasts_and_promotes() {
    let x = hn::array(&[[1.0f32, -2.0], [-3.0, 4.0]]);
    let r = hn::where_(x.gt(0.0), &x, 0.0);
    assert_eq!(f32s(&r), vec![1.0, 0.0, 0.0, 4.0]);
    let r = hn::where_(hn::array(&[true, false]), 1, 0);
    assert_eq!((r.dtype(), r.to_vec::<i32>()), (DType::I32, vec![1, 0]));
    let r = hn::where_(hn::array(&[true, false]), hn::array(&[1, 2]), 0.5);
    assert_eq!((r.dtype(), f32s(&r)), (DType::F32, vec![1.0, 0.5]));
    assert_eq!(
        hn::where_(x.gt(0.0), 1.0, hn::zeros(&[2, 1], DType::F32)).shape(),
        &[2, 2]
    );
}

#[test]
fn reductions() {
    let a = hn::array(&[[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    assert_eq!(a.sum().shape(), &[] as &[usize]);
    assert_eq!(a.sum().item::<f32>(), 21.0);
    assert_eq!(a.mean().item::<f32>(), 3.5);
    assert_eq!(a.max().item::<f32>(), 6.0);
    assert_eq!(a.min().item::<f32>(), 1.0);
    assert_eq!(a.prod().item::<f32>(), 720.0);
    assert!(a.gt(5.0).any().item::<bool>());
    assert!(!a.gt(5.0).all().item::<bool>());
    assert_eq!(f32s(&a.sum_axis(0)), vec![5.0, 7.0, 9.0]);
    assert_eq!(f32s(&a.sum_axis(-1)), vec![6.0, 15.0]);
    assert_eq!(f32s(&a.mean_axis(1)), vec![2.0, 5.0]);
    assert_eq!(f32s(&a.max_axis(0)), vec![4.0, 5.0, 6.0]);
    assert_eq!(f32s(&a.min_axis(-1)), vec![1.0, 4.0]);
    assert_eq!(f32s(&a.prod_axis(1)), vec![6.0, 120.0]);
    let m = hn::array(&[[3, 9, 1], [9, 0, 7]]);
    assert_eq!(
        (m.argmax().dtype(), m.argmax().item::<i32>()),
        (DType::I32, 1)
    );
    assert_eq!(m.argmin().item::<i32>(), 4);
    assert_eq!(m.argmax_axis(0).to_vec::<i32>(), vec![1, 0, 1]);
    assert_eq!(m.argmin_axis(-1).to_vec::<i32>(), vec![2, 1]);
    // Integer sums stay integer; means are float; bool sums count.
    assert_eq!(m.sum().item::<i32>(), 29);
    let mean = m.mean_axis(0);
    assert_eq!(
        (mean.dtype(), f32s(&mean)),
        (DType::F32, vec![6.0, 4.5, 4.0])
    );
    assert_eq!(m.gt(2).sum().item::<i32>(), 4);
    close(&a.var(), &[35.0 / 12.0]);
    close(&a.std(), &[(35.0f32 / 12.0).sqrt()]);
    close(&a.var_axis(1), &[2.0 / 3.0, 2.0 / 3.0]);
    close(&a.std_axis(0), &[1.5, 1.5, 1.5]);
    assert_eq!(f32s(&a.cumsum(1)), vec![1.0, 3.0, 6.0, 4.0, 9.0, 15.0]);
    assert_eq!(m.cumsum(0).to_vec::<i32>(), vec![3, 9, 1, 12, 9, 8]);
    // Empty and 0-d arrays.
    let e = hn::zeros(&[0, 3], DType::F32);
    assert_eq!(e.sum().item::<f32>(), 0.0);
    assert_eq!(e.sum_axis(0).shape(), &[3]);
    assert!(e.mean().item::<f32>().is_nan());
    assert_eq!(hn::scalar(5).sum().item::<i32>(), 5);
    assert_eq!(hn::scalar(5.0f32).argmax().item::<i32>(), 0);
    let msg = panic_message(|| {
        hn::zeros(&[0], DType::F32).max();
    });
    assert!(msg.starts_with("max: zero-size reduction"), "{msg}");
    let msg = panic_message(|| {
        a.sum_axis(2);
    });
    assert_eq!(msg, "sum: axis 2 is out of bounds for shape [2, 3]");
}

#[test]
fn shapes() {
    let a = hn::arange(0.0, 6.0, 1.0);
    let m = a.reshape(&[2, -1]);
    assert_eq!(m.shape(), &[2, 3]);
    assert_eq!(m.transpose().shape(), &[3, 2]);
    assert_eq!(f32s(&m.transpose()), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    let t = hn::zeros(&[2, 3, 4], DType::F32);
    assert_eq!(t.permute(&[2, 0, 1]).shape(), &[4, 2, 3]);
    assert_eq!(t.transpose().shape(), &[4, 3, 2]);
    assert_eq!(m.expand_dims(0).shape(), &[1, 2, 3]);
    assert_eq!(m.expand_dims(-1).shape(), &[2, 3, 1]);
    assert_eq!(hn::zeros(&[1, 3, 1], DType::F32).squeeze().shape(), &[3]);
    let b = hn::array(&[1, 2, 3]).broadcast_to(&[2, 3]);
    assert_eq!(b.to_vec::<i32>(), vec![1, 2, 3, 1, 2, 3]);
    assert_eq!(m.flatten().shape(), &[6]);
    assert_eq!(hn::scalar(1.0f32).reshape(&[1, 1]).shape(), &[1, 1]);
    assert_eq!(
        hn::zeros(&[0, 4], DType::F32).reshape(&[4, 0]).shape(),
        &[4, 0]
    );
    let c = hn::concatenate(&[&m, &hn::array(&[[6, 7, 8]])], 0);
    assert_eq!((c.shape(), c.dtype()), (&[3, 3][..], DType::F32));
    assert_eq!(f32s(&c)[6..], [6.0, 7.0, 8.0]);
    let c = hn::concatenate(&[&m, &m], -1);
    assert_eq!(c.shape(), &[2, 6]);
    let s = hn::stack(&[&a, &a], 1);
    assert_eq!(s.shape(), &[6, 2]);
    assert_eq!(
        hn::stack(&[&hn::scalar(1), &hn::scalar(2)], 0).to_vec::<i32>(),
        vec![1, 2]
    );
    assert_eq!(
        a.try_reshape(&[4, -1]).unwrap_err().to_string(),
        "reshape: cannot reshape [6] into [4, -1]"
    );
    assert!(a.try_reshape(&[-1, -1]).is_err());
    assert_eq!(
        hn::array(&[1, 2])
            .try_broadcast_to(&[3])
            .unwrap_err()
            .to_string(),
        "broadcast_to: cannot broadcast [2] with [3]"
    );
    assert_eq!(
        hn::try_concatenate(&[&m, &a], 0).unwrap_err().to_string(),
        "concatenate: shapes [2, 3] and [6] differ outside axis 0"
    );
}

#[test]
fn slicing_follows_numpy() {
    let a = hn::arange_i(0, 12, 1).reshape(&[3, 4]);
    assert_eq!(a.slice(s![0..2, 1]).to_vec::<i32>(), vec![1, 5]);
    assert_eq!(a.slice(s![.., -1]).to_vec::<i32>(), vec![3, 7, 11]);
    assert_eq!(
        a.slice(s![..;2]).to_vec::<i32>(),
        vec![0, 1, 2, 3, 8, 9, 10, 11]
    );
    assert_eq!(a.slice(s![1]).to_vec::<i32>(), vec![4, 5, 6, 7]);
    assert_eq!(a.slice(s![1]).shape(), &[4]);
    assert_eq!(a.slice(s![-1, -1]).shape(), &[] as &[usize]);
    assert_eq!(a.slice(s![-1, -1]).item::<i32>(), 11);
    assert_eq!(a.slice(s![.., ..;-1]).to_vec::<i32>()[..4], [3, 2, 1, 0]);
    assert_eq!(a.slice(s![..;-1, 0]).to_vec::<i32>(), vec![8, 4, 0]);
    assert_eq!(a.slice(s![0, 3..0;-2]).to_vec::<i32>(), vec![3, 1]);
    assert_eq!(a.slice(s![0, 1..=2]).to_vec::<i32>(), vec![1, 2]);
    assert_eq!(a.slice(s![0, 1..]).to_vec::<i32>(), vec![1, 2, 3]);
    assert_eq!(a.slice(s![0, ..-2]).to_vec::<i32>(), vec![0, 1]);
    assert_eq!(a.slice(s![0, 5..9]).shape(), &[0]);
    assert_eq!(a.slice(s![2..1]).shape(), &[0, 4]);
    let (i, j) = (1usize, 3usize);
    assert_eq!(a.slice(s![i, j]).item::<i32>(), 7);
    assert_eq!(
        a.try_slice(s![3]).unwrap_err().to_string(),
        "slice: index 3 is out of bounds for axis 0 with size 3"
    );
    let msg = panic_message(|| {
        a.slice(s![0, 0, 0]);
    });
    assert_eq!(msg, "slice: too many indices (3) for shape [3, 4]");
}

#[test]
fn set_assigns_into_slices() {
    let mut a = hn::zeros(&[3, 4], DType::F32);
    let before = a.clone();
    a.set(s![0..2], 10.0);
    let row = hn::array(&[1, 2, 3, 4]);
    a.set(s![2, ..], &row);
    a.set(
        s![.., -1],
        hn::array(&[[7.0f32], [8.0], [9.0]]).reshape(&[3]),
    );
    assert_eq!(
        f32s(&a),
        vec![10., 10., 10., 7., 10., 10., 10., 8., 1., 2., 3., 9.]
    );
    assert_eq!(
        f32s(&before),
        vec![0.0; 12],
        "the shared buffer is untouched"
    );
    a.set(s![..;2, 0], hn::array(&[[-1.0f32, -2.0]]));
    assert_eq!(f32s(&a.slice(s![.., 0])), vec![-1.0, 10.0, -2.0]);
    a.set(s![1, 1], 5.5);
    assert_eq!(a.slice(s![1, 1]).item::<f32>(), 5.5);
    let mut i = hn::arange_i(0, 5, 1);
    i.set(s![..;-1], hn::arange_i(0, 5, 1));
    assert_eq!(i.to_vec::<i32>(), vec![4, 3, 2, 1, 0]);
    i.set(s![1..3], 2.9);
    assert_eq!(i.to_vec::<i32>(), vec![4, 2, 2, 1, 0]);
    assert_eq!(
        a.try_set(s![0], hn::array(&[1.0f32, 2.0]))
            .unwrap_err()
            .to_string(),
        "set: cannot broadcast [2] with [4]"
    );
    assert!(a.try_set(s![5], 1.0).is_err());
}

#[test]
fn take_iter_sort_linalg() {
    let a = hn::array(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    let rows = a.take(&hn::array(&[2, 0, -1]), 0);
    assert_eq!(f32s(&rows), vec![5.0, 6.0, 1.0, 2.0, 5.0, 6.0]);
    assert_eq!(a.take(&hn::array(&[[1]]), 1).shape(), &[3, 1, 1]);
    assert!(a.try_take(&hn::array(&[1.0f32]), 0).is_err());
    let sums: Vec<f32> = a.iter().map(|row| row.sum().item::<f32>()).collect();
    assert_eq!(sums, vec![3.0, 7.0, 11.0]);
    assert_eq!(a.iter().len(), 3);
    let mut n = 0;
    for row in &a {
        assert_eq!(row.shape(), &[2]);
        n += 1;
    }
    assert_eq!(n, 3);
    let x = hn::array(&[3.0f32, f32::NAN, 1.0, 2.0]);
    let sorted = hn::sort(&x, 0);
    assert_eq!(f32s(&sorted)[..3], [1.0, 2.0, 3.0]);
    assert!(f32s(&sorted)[3].is_nan());
    assert_eq!(
        hn::argsort(&hn::array(&[3, 1, 2, 1]), 0).to_vec::<i32>(),
        vec![1, 3, 2, 0]
    );
    assert_eq!(
        hn::sort(&hn::array(&[[3, 1], [0, 2]]), -1).to_vec::<i32>(),
        vec![1, 3, 0, 2]
    );
    let m = hn::array(&[[1, 2], [3, 4]]);
    assert_eq!(m.matmul(&m).to_vec::<i32>(), vec![7, 10, 15, 22]);
    let v = hn::array(&[1.0f32, 1.0]);
    assert_eq!(f32s(&m.matmul(&v)), vec![3.0, 7.0]);
    assert_eq!(hn::dot(&v, &v).item::<f32>(), 2.0);
    assert_eq!(hn::dot(&m, hn::array(&[1, 0])).to_vec::<i32>(), vec![1, 3]);
    assert_eq!(
        hn::outer(hn::array(&[1, 2]), hn::array(&[1, 10, 100])).to_vec::<i32>(),
        vec![1, 10, 100, 2, 20, 200]
    );
    assert_eq!(
        m.try_matmul(hn::zeros(&[3], DType::I32))
            .unwrap_err()
            .to_string(),
        "matmul: shapes [2, 2] and [3] are not aligned"
    );
}

#[test]
fn errors_name_the_op_and_shapes() {
    let a = hn::zeros(&[2, 3], DType::F32);
    let b = hn::zeros(&[4], DType::F32);
    let msg = panic_message(|| {
        let _ = &a + &b;
    });
    assert_eq!(msg, "add: cannot broadcast [2, 3] with [4]");
    assert_eq!(
        a.try_add(&b).unwrap_err().to_string(),
        "add: cannot broadcast [2, 3] with [4]"
    );
    let msg = panic_message(|| {
        let _ = hn::array(&[1.5f32]) & true;
    });
    assert_eq!(msg, "and: unsupported dtype f32");
    assert!(matches!(
        a.try_reshape(&[7]),
        Err(hn::Error::Invalid { .. })
    ));
}

#[test]
fn printing_like_numpy() {
    let a = hn::array(&[[0, 1, 2], [3, 4, 5]]);
    assert_eq!(format!("{a}"), "Array([[0, 1, 2], [3, 4, 5]], dtype=i32)");
    assert_eq!(format!("{a:?}"), "Array([[0, 1, 2], [3, 4, 5]], dtype=i32)");
    assert_eq!(
        format!("{:#}", a),
        "Array([[0, 1, 2],\n       [3, 4, 5]], dtype=i32)"
    );
    assert_eq!(
        hn::array(&[0.5f32, 2.0]).to_string(),
        "Array([0.5, 2. ], dtype=f32)"
    );
    assert_eq!(hn::scalar(true).to_string(), "Array(True, dtype=bool)");
}

#[test]
fn empty_and_zero_dimensional_arrays_work_everywhere() {
    let e = hn::zeros(&[0, 3], DType::F32);
    assert_eq!((&e + 1.0).shape(), &[0, 3]);
    assert_eq!(e.exp().shape(), &[0, 3]);
    assert_eq!((&e + &hn::ones(&[3], DType::F32)).shape(), &[0, 3]);
    assert!(!e.gt(0.0).any().item::<bool>());
    assert!(e.gt(0.0).all().item::<bool>());
    assert_eq!(e.prod().item::<f32>(), 1.0);
    assert_eq!(e.cumsum(0).shape(), &[0, 3]);
    assert_eq!(e.sort(0).shape(), &[0, 3]);
    assert_eq!(e.argsort(1).shape(), &[0, 3]);
    assert_eq!(e.transpose().shape(), &[3, 0]);
    assert_eq!(e.slice(s![.., 1]).shape(), &[0]);
    assert_eq!(e.iter().count(), 0);
    assert_eq!(e.matmul(hn::ones(&[3, 2], DType::F32)).shape(), &[0, 2]);
    assert_eq!(
        hn::zeros(&[2, 0], DType::F32)
            .matmul(hn::zeros(&[0, 3], DType::F32))
            .to_vec::<f32>(),
        vec![0.0; 6]
    );
    assert_eq!(
        hn::concatenate(&[&e, &hn::ones(&[1, 3], DType::F32)], 0).shape(),
        &[1, 3]
    );
    assert_eq!(e.take(&hn::zeros(&[0], DType::I32), 1).shape(), &[0, 0]);
    let mut m = e.clone();
    m.set(s![..], 5.0);
    assert_eq!(m.shape(), &[0, 3]);
    assert_eq!(hn::where_(e.gt(0.0), &e, 1.0).shape(), &[0, 3]);

    let s = hn::scalar(2.0f32);
    assert_eq!((&s * 3.0).item::<f32>(), 6.0);
    assert_eq!((&s + &hn::array(&[1.0f32, 2.0])).shape(), &[2]);
    assert_eq!(s.exp().shape(), &[] as &[usize]);
    assert_eq!(s.mean().item::<f32>(), 2.0);
    assert_eq!(s.reshape(&[-1]).shape(), &[1]);
    assert_eq!(s.expand_dims(0).shape(), &[1]);
    assert_eq!(s.slice(s![]).item::<f32>(), 2.0);
    let mut t = s.clone();
    t.set(s![], 9.0);
    assert_eq!((t.item::<f32>(), s.item::<f32>()), (9.0, 2.0));
    assert_eq!(s.broadcast_to(&[2, 2]).to_vec::<f32>(), vec![2.0; 4]);
    assert_eq!(
        hn::dot(&s, hn::array(&[1.0f32, 2.0])).to_vec::<f32>(),
        vec![2.0, 4.0]
    );
    assert!(hn::try_concatenate(&[&s, &s], 0).is_err());
    assert_eq!(s.to_string(), "Array(2., dtype=f32)");
}

#[test]
fn powi_is_jax_integer_pow() {
    let x = hn::array(&[1.5f32, -2.0, 0.0, f32::NAN]);
    let cube = x.powi(3);
    let expected: Vec<f32> = [1.5f32, -2.0, 0.0, f32::NAN]
        .iter()
        .map(|v| v * v * v)
        .collect();
    let got = cube.to_vec::<f32>();
    for (g, e) in got.iter().zip(&expected) {
        assert!(
            g.to_bits() == e.to_bits() || (g.is_nan() && e.is_nan()),
            "{g} vs {e}"
        );
    }
    assert_eq!(x.powi(0).to_vec::<f32>(), vec![1.0; 4]);
    assert_eq!(hn::array(&[2.0f32]).powi(-2).to_vec::<f32>(), vec![0.25]);
    assert_eq!(hn::array(&[3, -2]).powi(5).to_vec::<i32>(), vec![243, -32]);
    assert!(hn::array(&[3]).try_powi(-1).is_err());
    let f = hn::jit(|x: Array| x.powi(4));
    assert_eq!(f.call(&hn::array(&[2.0f32])).to_vec::<f32>(), vec![16.0]);
}
