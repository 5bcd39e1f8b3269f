//! heron's random numbers against JAX's: the fixtures in
//! `tests/golden_jax/random.json` are written by `tests/golden_jax/gen.py`
//! running `jax.random` on CPU. Keys, splits, bits, uniform floats, integers,
//! Bernoulli draws and permutations must match bit for bit; values that go
//! through transcendental functions (normal, truncated normal, exponential)
//! within a few ulps.

use heron::Array;
use heron::ir::{DType, Shape, threefry};
use heron::random::{Key, RandomState};
use heron_testkit::f32_bits;
use heron_testkit::golden::{Json, dims, f64s, i32s, key_of, list, parse, u32s, u64s};
use std::sync::LazyLock;

static FIXTURES: LazyLock<Json> =
    LazyLock::new(|| parse("random.json", include_str!("golden_jax/random.json")));

fn seeds() -> &'static [Json] {
    list(&FIXTURES["seeds"])
}

fn seeds_x64() -> &'static [Json] {
    list(&FIXTURES["seeds_x64"])
}

fn seed_of(case: &Json) -> u64 {
    case["seed"].as_u64().expect("a seed")
}

/// Asserts `got` is within `ulps` units in the last place of each of `want`
/// (f32 spacing), naming the draw on failure.
fn assert_close_f32(what: &str, got: &[f32], want: &[f64], ulps: f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let w = w as f32;
        let tol = ulps * (w.abs().max(f32::MIN_POSITIVE) * f32::EPSILON).max(1e-7);
        assert!(
            (g - w).abs() <= tol,
            "{what}[{i}]: heron {g:e}, JAX {w:e} (tolerance {tol:e})"
        );
    }
}

#[test]
fn keys_come_from_seeds_like_prng_key() {
    for case in seeds().iter().chain(seeds_x64()) {
        let seed = seed_of(case);
        assert_eq!(Key::new(seed).data(), key_of(&case["key"]), "seed {seed}");
        assert_eq!(
            RandomState::new(seed).key(),
            key_of(&case["key"]),
            "seed {seed}"
        );
    }
}

#[test]
fn splits_match_jax() {
    for case in seeds().iter().chain(seeds_x64()) {
        let key = key_of(&case["key"]);
        let two: Vec<[u32; 2]> = case["split2"]
            .as_array()
            .unwrap()
            .iter()
            .map(key_of)
            .collect();
        assert_eq!(threefry::split(key, 2), two, "split of {key:?}");
        let [a, b] = Key::from_data(key).split();
        assert_eq!([a.data(), b.data()], [two[0], two[1]]);
        if let Some(five) = case.get("split5") {
            let five: Vec<[u32; 2]> = five.as_array().unwrap().iter().map(key_of).collect();
            let keys: Vec<[u32; 2]> = Key::from_data(key)
                .split_n(5)
                .iter()
                .map(Key::data)
                .collect();
            assert_eq!(keys, five, "split(key, 5) of {key:?}");
            let flat: Vec<u32> = five.iter().flatten().copied().collect();
            assert_eq!(Key::from_data(key).split_array(5).to_vec::<u32>(), flat);
        }
    }
}

#[test]
fn fold_in_matches_jax() {
    for case in seeds() {
        let key = Key::from_data(key_of(&case["key"]));
        for f in case["fold_in"].as_array().unwrap() {
            let data = f["data"].as_u64().unwrap() as u32;
            assert_eq!(
                key.fold_in(data).data(),
                key_of(&f["key"]),
                "fold_in({data})"
            );
        }
    }
}

#[test]
fn u32_bits_match_jax_in_the_pure_function_and_the_op() {
    for case in seeds() {
        let key = key_of(&case["key"]);
        for b in case["bits"].as_array().unwrap() {
            let shape = dims(&b["shape"]);
            let want = u32s(&b["bits"]);
            let buf = threefry::random_bits(key, &Shape::new(&shape), DType::U32);
            assert_eq!(
                buf.as_slice::<u32>(),
                &want[..],
                "bits {shape:?} of {key:?}"
            );
            let arr = Key::from_data(key).bits(&shape);
            assert_eq!(arr.shape(), &shape[..]);
            assert_eq!(arr.to_vec::<u32>(), want, "Key::bits {shape:?} of {key:?}");
        }
    }
}

#[test]
fn u64_bits_match_jax() {
    for case in seeds_x64() {
        let key = key_of(&case["key"]);
        for b in case["bits_u64"].as_array().unwrap() {
            let shape = dims(&b["shape"]);
            let want = u64s(&b["bits"]);
            let got: Vec<u64> = Key::from_data(key)
                .bits_as(&shape, DType::I64)
                .to_vec::<i64>()
                .into_iter()
                .map(|x| x as u64)
                .collect();
            assert_eq!(got, want, "u64 bits {shape:?} of {key:?}");
        }
    }
}

#[test]
fn uniform_f32_is_bit_exact() {
    for case in seeds() {
        let key = Key::from_data(key_of(&case["key"]));
        for u in case["uniform_f32"].as_array().unwrap() {
            let (lo, hi) = (u["lo"].as_f64().unwrap(), u["hi"].as_f64().unwrap());
            let shape = dims(&u["shape"]);
            let got = key.uniform(lo, hi, &shape);
            assert_eq!(got.dtype(), DType::F32);
            assert_eq!(got.shape(), &shape[..]);
            assert_eq!(
                f32_bits(&got),
                u32s(&u["bits"]),
                "uniform({lo}, {hi}, {shape:?}) of {key:?}"
            );
        }
    }
}

#[test]
fn uniform_f64_is_bit_exact() {
    for case in seeds_x64() {
        let key = Key::from_data(key_of(&case["key"]));
        for u in case["uniform_f64"].as_array().unwrap() {
            let (lo, hi) = (u["lo"].as_f64().unwrap(), u["hi"].as_f64().unwrap());
            let shape = dims(&u["shape"]);
            let got: Vec<u64> = key
                .uniform_as(lo, hi, &shape, DType::F64)
                .to_vec::<f64>()
                .into_iter()
                .map(f64::to_bits)
                .collect();
            assert_eq!(got, u64s(&u["bits"]), "uniform f64({lo}, {hi}) of {key:?}");
        }
    }
}

#[test]
fn randint_is_exact() {
    for case in seeds() {
        let key = Key::from_data(key_of(&case["key"]));
        for r in case["randint"].as_array().unwrap() {
            let (lo, hi) = (r["lo"].as_i64().unwrap(), r["hi"].as_i64().unwrap());
            let shape = dims(&r["shape"]);
            let got = key.randint(lo, hi, &shape);
            assert_eq!(got.dtype(), DType::I32);
            assert_eq!(
                got.to_vec::<i32>(),
                i32s(&r["values"]),
                "randint({lo}, {hi}) of {key:?}"
            );
        }
    }
}

#[test]
fn normal_f32_matches_within_a_few_ulps() {
    for case in seeds() {
        let key = Key::from_data(key_of(&case["key"]));
        for n in case["normal_f32"].as_array().unwrap() {
            let shape = dims(&n["shape"]);
            let got = key.normal(0.0, 1.0, &shape);
            assert_eq!(got.shape(), &shape[..]);
            let what = format!("normal {shape:?} of {key:?}");
            assert_close_f32(&what, &got.to_vec::<f32>(), &f64s(&n["values"]), 8.0);
        }
    }
}

#[test]
fn normal_f64_matches_closely() {
    for case in seeds_x64() {
        let key = Key::from_data(key_of(&case["key"]));
        let n = &case["normal_f64"];
        let got = key
            .normal_as(0.0, 1.0, &dims(&n["shape"]), DType::F64)
            .to_vec::<f64>();
        for (i, (g, w)) in got.iter().zip(f64s(&n["values"])).enumerate() {
            assert!(
                (g - w).abs() <= 1e-13 * w.abs().max(1.0),
                "normal f64[{i}] of {key:?}: {g} vs {w}"
            );
        }
    }
}

#[test]
fn bernoulli_permutation_and_shuffle_are_exact() {
    for case in seeds() {
        let key = Key::from_data(key_of(&case["key"]));
        let b = &case["bernoulli"];
        let want: Vec<bool> = b["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_bool().unwrap())
            .collect();
        assert_eq!(
            key.bernoulli(b["p"].as_f64().unwrap(), &dims(&b["shape"]))
                .to_vec::<bool>(),
            want
        );
        for p in case["permutation"].as_array().unwrap() {
            let n = p["n"].as_u64().unwrap() as usize;
            assert_eq!(
                key.permutation(n).to_vec::<i32>(),
                i32s(&p["values"]),
                "permutation({n}) of {key:?}"
            );
        }
        let rows = Array::from_vec((0..12).collect::<Vec<i32>>(), &[4, 3]);
        let s = &case["shuffle_rows"];
        let got = key.shuffle(&rows);
        assert_eq!(got.shape(), &[4, 3]);
        assert_eq!(got.to_vec::<i32>(), i32s(&s["values"]));
    }
}

#[test]
fn choice_matches_jax() {
    for case in seeds() {
        let key = Key::from_data(key_of(&case["key"]));
        let c = &case["choice"];
        assert_eq!(
            key.choice(10, &[6], true, None).to_vec::<i32>(),
            i32s(&c["replace"])
        );
        assert_eq!(
            key.choice(10, &[6], false, None).to_vec::<i32>(),
            i32s(&c["no_replace"])
        );
        let p: Vec<f32> = f64s(&c["p"]).into_iter().map(|x| x as f32).collect();
        let p = Array::from_vec(p, &[4]);
        assert_eq!(
            key.choice(4, &[8], true, Some(&p)).to_vec::<i32>(),
            i32s(&c["replace_p"])
        );
        assert_eq!(
            key.choice(4, &[3], false, Some(&p)).to_vec::<i32>(),
            i32s(&c["no_replace_p"])
        );
    }
}

#[test]
fn truncated_normal_and_exponential_match_within_a_few_ulps() {
    for case in seeds() {
        let key = Key::from_data(key_of(&case["key"]));
        let t = &case["truncated_normal"];
        let (lo, hi) = (t["lower"].as_f64().unwrap(), t["upper"].as_f64().unwrap());
        let got = key
            .truncated_normal(lo, hi, &dims(&t["shape"]))
            .to_vec::<f32>();
        assert!(got.iter().all(|&x| x > lo as f32 && x < hi as f32));
        assert_close_f32("truncated_normal", &got, &f64s(&t["values"]), 16.0);
        let e = &case["exponential"];
        let got = key.exponential(&dims(&e["shape"])).to_vec::<f32>();
        assert_close_f32("exponential", &got, &f64s(&e["values"]), 8.0);
    }
}

#[test]
fn random_state_draws_with_the_second_half_of_a_split() {
    for case in seeds() {
        let seed = seed_of(case);
        let first = &case["state_first"];
        assert_eq!(
            f32_bits(&RandomState::new(seed).uniform(0.0, 1.0, &[5])),
            u32s(&first["uniform_bits"])
        );
        assert_eq!(
            RandomState::new(seed).randint(0, 100, &[5]).to_vec::<i32>(),
            i32s(&first["randint"])
        );
        let normal = RandomState::new(seed)
            .normal(0.0, 1.0, &[5])
            .to_vec::<f32>();
        assert_close_f32("RandomState::normal", &normal, &f64s(&first["normal"]), 8.0);

        let rng = RandomState::new(seed);
        let two: Vec<[u32; 2]> = case["split2"]
            .as_array()
            .unwrap()
            .iter()
            .map(key_of)
            .collect();
        assert_eq!(rng.split_key(), two[1]);
        assert_eq!(rng.key(), two[0]);

        let rng = RandomState::new(seed);
        let sk = &case["split_keys3"];
        let keys = rng.split_keys(3);
        assert_eq!(keys.shape(), &[3, 2]);
        let want: Vec<u32> = sk["keys"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(key_of)
            .collect();
        assert_eq!(keys.to_vec::<u32>(), want);
        assert_eq!(rng.key(), key_of(&sk["state"]));
    }
}
