//! Regressions found by the differential fuzzer, each replayed through the
//! public API as the smallest program that showed it.

use heron as hn;
use heron::prelude::*;

/// The f64 bits of a 0-d or 1-d f64 array.
fn f64s(a: &Array) -> Vec<u64> {
    a.to_vec::<f64>().into_iter().map(f64::to_bits).collect()
}

/// An f64 sum holding ±inf came out NaN (Neumaier's compensation of an
/// infinite running sum is `inf - inf`).
#[test]
fn f64_sum_with_an_infinity_is_infinite_not_nan() {
    let f = hn::jit(|x: Array| (x.sum(), x.sum_axis(-1)));
    for n in [1usize, 2, 17, 33] {
        let mut data: Vec<f64> = (0..n).map(|i| i as f64).collect();
        data[n / 2] = f64::NEG_INFINITY;
        let x = Array::from_vec(data, &[1, n]);
        let (all, rows) = f.call(&x);
        assert_eq!(f64s(&all), vec![f64::NEG_INFINITY.to_bits()], "sum of {n}");
        assert_eq!(
            f64s(&rows),
            vec![f64::NEG_INFINITY.to_bits()],
            "row sum of {n}"
        );
    }
}

/// `u32 → f64 → i32` collapsed into `u32 → i32`, which wraps where the
/// float conversion saturates.
#[test]
fn integer_through_float_to_integer_keeps_the_saturation() {
    let f = hn::jit(|x: Array| {
        (
            x.astype(DType::F64).astype(DType::I32),
            x.astype(DType::F64),
        )
    });
    let x = Array::from_vec(vec![u32::MAX, 7, 0x8000_0000], &[3]);
    let (y, _) = f.call(&x);
    assert_eq!(y.to_vec::<i32>(), vec![i32::MAX, 7, i32::MAX]);
    let g = hn::jit(|x: Array| {
        (
            x.astype(DType::F64).astype(DType::U32),
            x.astype(DType::F64),
        )
    });
    let (y, _) = g.call(&Array::from_vec(vec![-1i32, 5], &[2]));
    assert_eq!(y.to_vec::<u32>(), vec![0, 5]);
}

/// A Variable written whole, then a region of it rewritten from its old
/// value: the new value was computed in the Variable's own buffer, so the
/// second write read the first write's elements instead of the old ones.
#[test]
fn variable_region_rewritten_from_its_old_value_reads_the_old_value() {
    let w = Variable::new(Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0], &[5]));
    let f = hn::jit({
        let w = w.clone();
        move |x: Array| {
            let old = w.value();
            let mut cur = w.value();
            cur.set(s![..], &x);
            w.set(cur);
            let mut cur = w.value();
            cur.set(s![1..3], &old.slice(s![1..3]));
            w.set(cur);
            x.sum()
        }
    });
    f.call(&hn::zeros(&[5], DType::F32));
    assert_eq!(w.value().to_vec::<f32>(), vec![0.0, 2.0, 3.0, 0.0, 0.0]);

    // The smallest form the fuzzer found: a 0-d Variable, written, then
    // written back from the value read before.
    let v = Variable::new(hn::scalar(6u32));
    let g = hn::jit({
        let v = v.clone();
        move |x: Array| {
            let old = v.value();
            let mut cur = v.value();
            cur.set(s![], &x);
            v.set(cur);
            let mut cur = v.value();
            cur.set(s![], &old);
            v.set(cur);
            x
        }
    });
    g.call(&hn::scalar(0u32));
    assert_eq!(v.value().item::<u32>(), 6);
}

/// `reduce_max(rem(x, x))` came out `-0.0` compiled against `+0.0` eager:
/// a max of `±0` took the sign of whichever zero the fold met last, and
/// the compiled fold meets them in lane order. A tie of `±0` is now
/// settled by the bits (`+0` wins a max, `-0` a min) in both.
#[test]
fn max_and_min_of_signed_zeros_agree_in_any_fold_order() {
    let f = hn::jit(|x: Array| {
        let z = &x % &x;
        (z.max(), z.min(), z.max_axis(-1), z.min_axis(-1))
    });
    for n in [2usize, 3, 5, 8, 17, 33, 100] {
        // `x % x` is a zero of `x`'s sign; one positive element among
        // negative ones, at every position.
        for p in 0..n {
            let data: Vec<f64> = (0..n).map(|i| if i == p { 1.5 } else { -2.5 }).collect();
            let x = Array::from_vec(data, &[1, n]);
            let (max, min, max_rows, min_rows) = f.call(&x);
            let (pos, neg) = (0.0f64.to_bits(), (-0.0f64).to_bits());
            assert_eq!(f64s(&max), vec![pos], "max, n {n}, + at {p}");
            assert_eq!(f64s(&min), vec![neg], "min, n {n}, + at {p}");
            assert_eq!(f64s(&max_rows), vec![pos], "row max, n {n}, + at {p}");
            assert_eq!(f64s(&min_rows), vec![neg], "row min, n {n}, + at {p}");
            let z = &x % &x;
            assert_eq!(f64s(&z.max()), vec![pos], "eager max, n {n}");
            assert_eq!(f64s(&z.min()), vec![neg], "eager min, n {n}");
        }
    }
}

/// Two kernels fused into one shared their immediates `0.0` and `-0.0`
/// (instructions were compared with `==`, and `0.0 == -0.0`): `-0.0 / x`
/// beside `arctan2(0.0, x)` divided `+0.0` instead.
#[test]
fn fused_kernels_keep_the_sign_of_a_zero_immediate() {
    let f = hn::jit(|x: Array| {
        let b = x.astype(DType::F32);
        let angle = hn::arctan2(hn::full(&[], 0.0, DType::F32), &b);
        let quotient = (hn::full(&[], -0.0, DType::F32) / &b).floor();
        (quotient, angle)
    });
    let x = Array::from_vec(vec![3i64, -2, 5, -7], &[4]);
    let (quotient, _) = f.call(&x);
    let bits: Vec<u32> = quotient
        .to_vec::<f32>()
        .into_iter()
        .map(f32::to_bits)
        .collect();
    let want: Vec<u32> = [-0.0f32, 0.0, -0.0, 0.0]
        .iter()
        .map(|v| v.to_bits())
        .collect();
    assert_eq!(bits, want, "floor(-0.0 / x)");
}
