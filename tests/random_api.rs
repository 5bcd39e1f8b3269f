//! The public random API: `RandomState` (a Variable that splits its key
//! before every draw), the process-wide `DEFAULT` and `seed`, explicit `Key`s
//! (pure), and the statistics of the samplers with fixed seeds.

use heron::random::{self, DEFAULT, Key, RandomState};
use heron::{Array, DType, VarKind};

fn moments(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let sd = var.sqrt();
    let skew = x.iter().map(|v| ((v - mean) / sd).powi(3)).sum::<f64>() / n;
    let kurt = x.iter().map(|v| ((v - mean) / sd).powi(4)).sum::<f64>() / n;
    (mean, var, skew, kurt)
}

fn f64s(a: &Array) -> Vec<f64> {
    a.to_vec::<f32>().into_iter().map(f64::from).collect()
}

/// Pearson's chi-square statistic of `counts` against equal expectations.
fn chi_square(counts: &[usize]) -> f64 {
    let total: usize = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

#[test]
fn successive_draws_use_successive_splits() {
    let rng = RandomState::new(7);
    let first = rng.uniform(0.0, 1.0, &[5]);
    let second = rng.normal(0.0, 1.0, &[5]);
    let third = rng.randint(0, 10, &[5]);
    // state_0 = key(7); each draw: (state, sub) = split(state), draw with sub.
    let [s1, d1] = Key::new(7).split();
    let [s2, d2] = s1.split();
    let [s3, d3] = s2.split();
    assert_eq!(
        first.to_vec::<f32>(),
        d1.uniform(0.0, 1.0, &[5]).to_vec::<f32>()
    );
    assert_eq!(
        second.to_vec::<f32>(),
        d2.normal(0.0, 1.0, &[5]).to_vec::<f32>()
    );
    assert_eq!(
        third.to_vec::<i32>(),
        d3.randint(0, 10, &[5]).to_vec::<i32>()
    );
    assert_eq!(rng.key(), s3.data());
}

#[test]
fn a_random_state_is_a_shared_variable_of_kind_random_state() {
    let rng = RandomState::new(1234);
    assert_eq!(rng.key(), [0, 1234]);
    assert_eq!(rng.kind(), VarKind::RandomState);
    assert_eq!(rng.variable().shape()[..], [2]);
    assert_eq!(rng.variable().dtype(), DType::U32);
    let other = rng.clone();
    assert_eq!(other.id(), rng.id());
    let sub = other.split_key();
    assert_eq!(sub, Key::new(1234).split()[1].data());
    assert_eq!(
        rng.key(),
        Key::new(1234).split()[0].data(),
        "clones share the key"
    );
    rng.seed(99);
    assert_eq!(other.key(), [0, 99]);
    let keys = rng.split_keys(4);
    assert_eq!(keys.shape(), &[4, 2]);
    assert_eq!(keys.dtype(), DType::U32);
    let all = Key::new(99).split_array(5).to_vec::<u32>();
    assert_eq!(keys.to_vec::<u32>(), all[2..]);
    assert_eq!(rng.key(), [all[0], all[1]]);
}

#[test]
fn default_state_is_reseeded_by_seed() {
    // The only test of this binary that touches DEFAULT.
    random::seed(654321);
    assert_eq!(DEFAULT.key(), [0, 654321]);
    assert_eq!(random::default_key(), [0, 654321]);
    let reference = RandomState::new(654321);
    assert_eq!(
        random::uniform(-1.0, 1.0, &[6]).to_vec::<f32>(),
        reference.uniform(-1.0, 1.0, &[6]).to_vec::<f32>()
    );
    assert_eq!(
        random::rand(&[3]).to_vec::<f32>(),
        reference.rand(&[3]).to_vec::<f32>()
    );
    assert_eq!(
        random::random(&[3]).to_vec::<f32>(),
        reference.random(&[3]).to_vec::<f32>()
    );
    assert_eq!(
        random::normal(2.0, 0.5, &[4]).to_vec::<f32>(),
        reference.normal(2.0, 0.5, &[4]).to_vec::<f32>()
    );
    assert_eq!(
        random::randn(&[4]).to_vec::<f32>(),
        reference.normal(0.0, 1.0, &[4]).to_vec::<f32>()
    );
    assert_eq!(
        random::randint(3, 9, &[4]).to_vec::<i32>(),
        reference.randint(3, 9, &[4]).to_vec::<i32>()
    );
    assert_eq!(
        random::bernoulli(0.5, &[4]).to_vec::<bool>(),
        reference.bernoulli(0.5, &[4]).to_vec::<bool>()
    );
    assert_eq!(
        random::permutation(6).to_vec::<i32>(),
        reference.permutation(6).to_vec::<i32>()
    );
    assert_eq!(DEFAULT.key(), reference.key());
    random::seed(654321);
    let again = random::uniform(-1.0, 1.0, &[6]).to_vec::<f32>();
    assert_eq!(
        again,
        RandomState::new(654321)
            .uniform(-1.0, 1.0, &[6])
            .to_vec::<f32>()
    );
}

#[test]
fn an_explicit_key_is_pure() {
    let key = Key::new(5);
    let a = key.normal(0.0, 1.0, &[10]).to_vec::<f32>();
    let b = key.normal(0.0, 1.0, &[10]).to_vec::<f32>();
    assert_eq!(a, b, "same key, same numbers");
    assert_eq!(key.data(), [0, 5], "drawing does not change a key");
    let c = Key::new(6).normal(0.0, 1.0, &[10]).to_vec::<f32>();
    assert_ne!(a, c);
    let [k1, k2] = key.split();
    assert_ne!(k1.data(), k2.data());
    assert_ne!(key.fold_in(1).data(), key.fold_in(2).data());
}

#[test]
fn shapes_and_dtypes_of_every_sampler() {
    let key = Key::new(0);
    assert_eq!(
        (
            key.bits(&[2, 3]).shape().to_vec(),
            key.bits(&[2, 3]).dtype()
        ),
        (vec![2, 3], DType::U32)
    );
    assert_eq!(key.uniform(0.0, 1.0, &[]).shape(), &[] as &[usize]);
    assert_eq!(
        key.uniform_as(0.0, 1.0, &[3], DType::F64).dtype(),
        DType::F64
    );
    assert_eq!(key.normal(0.0, 1.0, &[0]).shape(), &[0]);
    assert_eq!(key.randint(0, 5, &[2, 2]).dtype(), DType::I32);
    assert_eq!(key.randint_as(0, 5, &[2], DType::U32).dtype(), DType::U32);
    assert_eq!(key.bernoulli(0.5, &[3]).dtype(), DType::Bool);
    assert_eq!(key.permutation(0).shape(), &[0]);
    assert_eq!(key.choice(5, &[2, 3], true, None).shape(), &[2, 3]);
    assert_eq!(key.choice(5, &[0], false, None).shape(), &[0]);
    let table = Array::from_vec((0..10).map(|x| x as f32).collect(), &[5, 2]);
    let picked = key.choice_from(&table, &[3], false, None);
    assert_eq!(picked.shape(), &[3, 2]);
    let rows = picked.to_vec::<f32>();
    for r in rows.chunks(2) {
        assert_eq!(r[1], r[0] + 1.0, "rows are taken whole");
    }
}

#[test]
#[should_panic(
    expected = "choice: cannot take 6 samples from a population of 5 without replacement"
)]
fn choice_without_replacement_needs_a_large_enough_population() {
    Key::new(0).choice(5, &[6], false, None);
}

#[test]
#[should_panic(expected = "uniform: dtype must be f32 or f64, not i32")]
fn uniform_needs_a_float_dtype() {
    Key::new(0).uniform_as(0.0, 1.0, &[2], DType::I32);
}

#[test]
fn uniform_moments_and_chi_square() {
    let n = 200_000;
    let u = f64s(&Key::new(11).rand(&[n]));
    assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
    let (mean, var, skew, _) = moments(&u);
    assert!((mean - 0.5).abs() < 0.003, "mean {mean}");
    assert!((var - 1.0 / 12.0).abs() < 0.001, "variance {var}");
    assert!(skew.abs() < 0.02, "skewness {skew}");
    let mut counts = [0usize; 20];
    for x in &u {
        counts[(x * 20.0) as usize] += 1;
    }
    // The 99.9% point of chi-square with 19 degrees of freedom is 43.8.
    let chi2 = chi_square(&counts);
    assert!(chi2 < 43.8, "chi-square {chi2} over 20 bins");

    let w = f64s(&Key::new(12).uniform(-3.0, 5.0, &[n]));
    assert!(w.iter().all(|&x| (-3.0..5.0).contains(&x)));
    let (mean, var, _, _) = moments(&w);
    assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
    assert!((var - 64.0 / 12.0).abs() < 0.06, "variance {var}");
}

#[test]
fn normal_moments() {
    let z = f64s(&Key::new(21).normal(0.0, 1.0, &[200_000]));
    let (mean, var, skew, kurt) = moments(&z);
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!((var - 1.0).abs() < 0.015, "variance {var}");
    assert!(skew.abs() < 0.03, "skewness {skew}");
    assert!((kurt - 3.0).abs() < 0.06, "kurtosis {kurt}");
    let within_1sd = z.iter().filter(|x| x.abs() < 1.0).count() as f64 / z.len() as f64;
    assert!(
        (within_1sd - 0.6827).abs() < 0.005,
        "P(|z| < 1) = {within_1sd}"
    );

    let x = f64s(&Key::new(22).normal(5.0, 3.0, &[100_000]));
    let (mean, var, _, _) = moments(&x);
    assert!(
        (mean - 5.0).abs() < 0.05 && (var - 9.0).abs() < 0.2,
        "mean {mean}, variance {var}"
    );

    let d = Key::new(23)
        .normal_as(0.0, 1.0, &[100_000], DType::F64)
        .to_vec::<f64>();
    let (mean, var, _, _) = moments(&d);
    assert!(
        mean.abs() < 0.015 && (var - 1.0).abs() < 0.02,
        "f64: mean {mean}, variance {var}"
    );
}

#[test]
fn integer_bool_and_permutation_samplers_are_fair() {
    let r = Key::new(31).randint(-3, 7, &[100_000]).to_vec::<i32>();
    let mut counts = [0usize; 10];
    for &x in &r {
        assert!((-3..7).contains(&x));
        counts[(x + 3) as usize] += 1;
    }
    // The 99.9% point of chi-square with 9 degrees of freedom is 27.9.
    assert!(chi_square(&counts) < 27.9, "randint counts {counts:?}");

    let b = Key::new(32).bernoulli(0.25, &[100_000]).to_vec::<bool>();
    let rate = b.iter().filter(|&&x| x).count() as f64 / b.len() as f64;
    assert!((rate - 0.25).abs() < 0.005, "bernoulli rate {rate}");

    let mut p = Key::new(33).permutation(1000).to_vec::<i32>();
    p.sort_unstable();
    assert_eq!(p, (0..1000).collect::<Vec<_>>());

    let picked = Key::new(34).choice(50, &[50], false, None).to_vec::<i32>();
    let mut sorted = picked.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (0..50).collect::<Vec<_>>(),
        "without replacement every index once"
    );

    let weights = Array::from_vec(vec![0.1f32, 0.2, 0.3, 0.4], &[4]);
    let draws = Key::new(35)
        .choice(4, &[40_000], true, Some(&weights))
        .to_vec::<i32>();
    for (i, want) in [0.1, 0.2, 0.3, 0.4].into_iter().enumerate() {
        let freq = draws.iter().filter(|&&x| x == i as i32).count() as f64 / draws.len() as f64;
        assert!(
            (freq - want).abs() < 0.01,
            "choice weight {i}: {freq} vs {want}"
        );
    }
}

#[test]
fn truncated_normal_and_exponential_moments() {
    let t = f64s(&Key::new(41).truncated_normal(-1.0, 1.0, &[100_000]));
    assert!(t.iter().all(|&x| x > -1.0 && x < 1.0));
    let (mean, var, _, _) = moments(&t);
    // Variance of N(0,1) truncated to (-1, 1): 1 - 2 φ(1) / (2 Φ(1) - 1) = 0.2911.
    assert!(
        mean.abs() < 0.01 && (var - 0.2911).abs() < 0.005,
        "mean {mean}, variance {var}"
    );

    let e = f64s(&Key::new(42).exponential(&[100_000]));
    assert!(e.iter().all(|&x| x >= 0.0));
    let (mean, var, _, _) = moments(&e);
    assert!(
        (mean - 1.0).abs() < 0.015 && (var - 1.0).abs() < 0.04,
        "mean {mean}, variance {var}"
    );

    let g = f64s(&Key::new(43).gumbel(&[100_000]));
    let (mean, _, _, _) = moments(&g);
    // The Gumbel mean is the Euler–Mascheroni constant.
    assert!((mean - 0.5772).abs() < 0.015, "gumbel mean {mean}");
}
