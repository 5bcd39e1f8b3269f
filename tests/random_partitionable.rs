//! The older Threefry scheme (`jax_threefry_partitionable=False`) against
//! JAX: the fixtures in `tests/golden_jax/random_original.json` are written
//! by `tests/golden_jax/gen.py`. Splits, bits (even and odd counts, 32 and
//! 64 bits), uniform floats, integers and permutations match bit for bit,
//! eagerly and inside `jit`; normals within a few ulps eagerly (compiled code
//! may use its own `log1p`, so jitted normals within 1e-5 relative).
//!
//! The scheme is process-wide: every test here holds the scheme guard
//! (`heron_testkit::scheme`), which restores the default (partitionable)
//! when done, even on failure.

use heron as hn;
use heron::prelude::*;
use heron::random::{Key, RandomState, set_threefry_partitionable, threefry_partitionable};
use heron_testkit::f32_bits;
use heron_testkit::golden::{Json, dims, f64s, i32s, key_of, keys_flat, list, parse, u32s, u64s};
use heron_testkit::scheme::scheme;
use std::sync::LazyLock;

static FIXTURES: LazyLock<Json> = LazyLock::new(|| {
    parse(
        "random_original.json",
        include_str!("golden_jax/random_original.json"),
    )
});

static PARTITIONABLE: LazyLock<Json> =
    LazyLock::new(|| parse("random.json", include_str!("golden_jax/random.json")));

/// Asserts every element of `got` is within `rel` (relative, at least
/// absolute near 0) of `want`.
fn assert_close(what: &str, got: &[f32], want: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g as f64 - w).abs() <= rel * w.abs().max(1.0),
            "{what}[{i}]: heron {g:e}, JAX {w:e}"
        );
    }
}

/// Eight f32 ulps of `w`, relative.
const ULPS8: f64 = 8.0 * f32::EPSILON as f64;

fn seeds() -> &'static [Json] {
    list(&FIXTURES["seeds"])
}

#[test]
fn the_default_is_partitionable_and_the_fixtures_cover_both() {
    let _s = scheme(true);
    assert!(
        threefry_partitionable(),
        "JAX's current scheme is the default"
    );
    assert_eq!(FIXTURES["threefry_partitionable"], Json::Bool(false));
    assert_eq!(PARTITIONABLE["threefry_partitionable"], Json::Bool(true));
}

#[test]
fn splits_match_jax_in_the_older_scheme() {
    let _s = scheme(false);
    for (case, more) in seeds().iter().zip(list(&FIXTURES["seeds_more"])) {
        let key = Key::from_data(key_of(&case["key"]));
        let [a, b] = key.split();
        assert_eq!(
            [a.data(), b.data()].concat(),
            keys_flat(&case["split2"]),
            "split of {key:?}"
        );
        for (n, want) in [(5, &case["split5"]), (3, &more["split_odd"])] {
            assert_eq!(
                key.split_array(n).to_vec::<u32>(),
                keys_flat(want),
                "split({n})"
            );
            let each: Vec<u32> = key.split_n(n).iter().flat_map(Key::data).collect();
            assert_eq!(each, keys_flat(want), "split_n({n})");
        }
        for f in list(&case["fold_in"]) {
            let d = f["data"].as_u64().unwrap() as u32;
            assert_eq!(key.fold_in(d).data(), key_of(&f["key"]), "fold_in({d})");
        }
    }
}

#[test]
fn bits_of_even_and_odd_counts_match_jax_in_the_older_scheme() {
    let _s = scheme(false);
    for (case, more) in seeds().iter().zip(list(&FIXTURES["seeds_more"])) {
        let key = Key::from_data(key_of(&case["key"]));
        for b in list(&case["bits"]).iter().chain(list(&more["bits_more"])) {
            let shape = dims(&b["shape"]);
            let got = key.bits(&shape);
            assert_eq!(got.shape(), &shape[..]);
            assert_eq!(
                got.to_vec::<u32>(),
                u32s(&b["bits"]),
                "bits {shape:?} of {key:?}"
            );
        }
    }
    for case in list(&FIXTURES["seeds_x64"]) {
        let key = Key::from_data(key_of(&case["key"]));
        for b in list(&case["bits_u64"]) {
            let shape = dims(&b["shape"]);
            let got: Vec<u64> = key
                .bits_as(&shape, DType::I64)
                .to_vec::<i64>()
                .into_iter()
                .map(|x| x as u64)
                .collect();
            assert_eq!(got, u64s(&b["bits"]), "u64 bits {shape:?} of {key:?}");
        }
        assert_eq!(
            key.split_array(2).to_vec::<u32>(),
            keys_flat(&case["split2"])
        );
    }
}

#[test]
fn uniform_and_normal_match_jax_in_the_older_scheme() {
    let _s = scheme(false);
    for (case, more) in seeds().iter().zip(list(&FIXTURES["seeds_more"])) {
        let key = Key::from_data(key_of(&case["key"]));
        for u in list(&case["uniform_f32"]) {
            let (lo, hi) = (u["lo"].as_f64().unwrap(), u["hi"].as_f64().unwrap());
            let shape = dims(&u["shape"]);
            assert_eq!(
                f32_bits(&key.uniform(lo, hi, &shape)),
                u32s(&u["bits"]),
                "uniform({lo}, {hi}, {shape:?}) of {key:?}"
            );
        }
        for n in list(&case["normal_f32"])
            .iter()
            .chain(list(&more["normal_odd"]))
        {
            let shape = dims(&n["shape"]);
            let got = key.normal(0.0, 1.0, &shape);
            assert_eq!(got.shape(), &shape[..]);
            let what = format!("normal {shape:?} of {key:?}");
            assert_close(&what, &got.to_vec::<f32>(), &f64s(&n["values"]), ULPS8);
        }
    }
    for case in list(&FIXTURES["seeds_x64"]) {
        let key = Key::from_data(key_of(&case["key"]));
        for u in list(&case["uniform_f64"]) {
            let (lo, hi) = (u["lo"].as_f64().unwrap(), u["hi"].as_f64().unwrap());
            let got: Vec<u64> = key
                .uniform_as(lo, hi, &dims(&u["shape"]), DType::F64)
                .to_vec::<f64>()
                .into_iter()
                .map(f64::to_bits)
                .collect();
            assert_eq!(got, u64s(&u["bits"]), "uniform f64({lo}, {hi}) of {key:?}");
        }
        let n = &case["normal_f64"];
        let got = key
            .normal_as(0.0, 1.0, &dims(&n["shape"]), DType::F64)
            .to_vec::<f64>();
        for (g, w) in got.iter().zip(f64s(&n["values"])) {
            assert!((g - w).abs() <= 1e-13 * w.abs().max(1.0), "{g} vs {w}");
        }
    }
}

#[test]
fn samplers_built_on_splits_match_jax_in_the_older_scheme() {
    let _s = scheme(false);
    for case in seeds() {
        let key = Key::from_data(key_of(&case["key"]));
        for r in list(&case["randint"]) {
            let (lo, hi) = (r["lo"].as_i64().unwrap(), r["hi"].as_i64().unwrap());
            assert_eq!(
                key.randint(lo, hi, &dims(&r["shape"])).to_vec::<i32>(),
                i32s(&r["values"]),
                "randint({lo}, {hi}) of {key:?}"
            );
        }
        for p in list(&case["permutation"]) {
            let n = p["n"].as_u64().unwrap() as usize;
            assert_eq!(key.permutation(n).to_vec::<i32>(), i32s(&p["values"]));
        }
        let rows = Array::from_vec((0..12).collect::<Vec<i32>>(), &[4, 3]);
        assert_eq!(
            key.shuffle(&rows).to_vec::<i32>(),
            i32s(&case["shuffle_rows"]["values"])
        );
        let seed = case["seed"].as_u64().unwrap();
        let first = &case["state_first"];
        assert_eq!(
            f32_bits(&RandomState::new(seed).uniform(0.0, 1.0, &[5])),
            u32s(&first["uniform_bits"])
        );
        assert_eq!(
            RandomState::new(seed).randint(0, 100, &[5]).to_vec::<i32>(),
            i32s(&first["randint"])
        );
        let rng = RandomState::new(seed);
        let sk = &case["split_keys3"];
        assert_eq!(rng.split_keys(3).to_vec::<u32>(), keys_flat(&sk["keys"]));
        assert_eq!(rng.key(), key_of(&sk["state"]));
    }
}

#[test]
fn jitted_draws_match_jax_in_the_older_scheme() {
    let _s = scheme(false);
    for backend in [hn::Backend::Cranelift, hn::Backend::Interpreter] {
        hn::use_backend(backend);
        let draw = hn::jit(|k: Array| {
            let key = Key::from_array(k);
            (
                key.bits(&[7]),
                key.bits(&[2, 3]),
                key.uniform(-2.0, 3.5, &[7]),
                key.normal(0.0, 1.0, &[4, 5]),
                key.split_array(5),
                key.fold_in(12345).into_array(),
            )
        });
        for case in seeds() {
            let k = Array::from_vec(key_of(&case["key"]).to_vec(), &[2]);
            let (b7, b23, u, n, s5, f) = draw.call(&k);
            let what = format!("{backend:?} key {:?}", key_of(&case["key"]));
            let bits = list(&case["bits"]);
            let by_shape = |s: &[usize]| {
                bits.iter()
                    .find(|b| dims(&b["shape"]) == s)
                    .map(|b| u32s(&b["bits"]))
                    .expect("the shape is in the fixtures")
            };
            assert_eq!(b7.to_vec::<u32>(), by_shape(&[7]), "{what}");
            assert_eq!(b23.to_vec::<u32>(), by_shape(&[2, 3]), "{what}");
            let uniform = list(&case["uniform_f32"])
                .iter()
                .find(|u| u["lo"] == -2.0 && dims(&u["shape"]) == [7])
                .expect("uniform(-2, 3.5, [7]) is in the fixtures");
            assert_eq!(f32_bits(&u), u32s(&uniform["bits"]), "{what}");
            let normal = &list(&case["normal_f32"])[1];
            assert_eq!(dims(&normal["shape"]), [4, 5]);
            assert_close(&what, &n.to_vec::<f32>(), &f64s(&normal["values"]), 1e-5);
            assert_eq!(s5.to_vec::<u32>(), keys_flat(&case["split5"]), "{what}");
            let fold = list(&case["fold_in"])
                .iter()
                .find(|x| x["data"] == 12345)
                .expect("fold_in(12345) is in the fixtures");
            assert_eq!(f.to_vec::<u32>(), key_of(&fold["key"]).to_vec(), "{what}");
        }
    }
    hn::use_backend(hn::Backend::Cranelift);
}

#[test]
fn a_random_state_threads_through_jit_in_the_older_scheme() {
    let _s = scheme(false);
    for case in seeds() {
        let seed = case["seed"].as_u64().unwrap();
        let rng = RandomState::new(seed);
        let step = hn::jit({
            let rng = rng.clone();
            move |()| rng.uniform(0.0, 1.0, &[5])
        });
        assert_eq!(
            f32_bits(&step.call(())),
            u32s(&case["state_first"]["uniform_bits"])
        );
        let eager = RandomState::new(seed);
        eager.uniform(0.0, 1.0, &[5]);
        assert_eq!(rng.key(), eager.key(), "the jitted draw advanced the key");
        assert_eq!(
            f32_bits(&step.call(())),
            f32_bits(&eager.uniform(0.0, 1.0, &[5]))
        );
    }
}

/// Regression: a function compiled under one scheme must not run its
/// cached code after the switch; it is traced again, and each scheme's
/// entry stays cached for when the setting comes back.
#[test]
fn switching_the_scheme_retraces_and_keeps_both_entries() {
    let _s = scheme(true);
    let draw = hn::jit(|k: Array| Key::from_array(k).bits(&[7]));
    let case = &seeds()[3];
    let k = Array::from_vec(key_of(&case["key"]).to_vec(), &[2]);
    let want_new = list(&list(&PARTITIONABLE["seeds"])[3]["bits"])
        .iter()
        .find(|b| dims(&b["shape"]) == [7])
        .map(|b| u32s(&b["bits"]))
        .unwrap();
    let want_old = list(&case["bits"])
        .iter()
        .find(|b| dims(&b["shape"]) == [7])
        .map(|b| u32s(&b["bits"]))
        .unwrap();
    assert_ne!(want_new, want_old);
    assert_eq!(draw.call(&k).to_vec::<u32>(), want_new);
    let text_new = draw.lower(&k).optimized_text();
    set_threefry_partitionable(false);
    assert_eq!(draw.call(&k).to_vec::<u32>(), want_old);
    assert_eq!(draw.cache_len(), 2);
    let text_old = draw.lower(&k).optimized_text();
    assert!(text_old.contains("partitionable=false"), "{text_old}");
    assert!(!text_new.contains("partitionable"), "{text_new}");
    // The disk cache key hashes the optimised text: the two entries differ.
    assert_ne!(text_new, text_old);
    set_threefry_partitionable(true);
    assert_eq!(draw.call(&k).to_vec::<u32>(), want_new);
    let stats = draw.cache_stats();
    assert_eq!((stats.misses, stats.hits, stats.entries), (2, 1, 2));
}

#[test]
fn draws_inside_compiled_loops_follow_the_older_scheme() {
    let _s = scheme(false);
    let rng = RandomState::new(42);
    let acc = Variable::new(hn::zeros(&[5], DType::F32));
    let run = hn::jit({
        let (rng, acc) = (rng.clone(), acc.clone());
        move |()| {
            hn::fori_loop(0, 3, |_i: Array| {
                acc.set(&acc.value() + rng.uniform(0.0, 1.0, &[5]));
            })
        }
    });
    run.call(());
    let eager = RandomState::new(42);
    let mut want = hn::zeros(&[5], DType::F32);
    for _ in 0..3 {
        want = &want + eager.uniform(0.0, 1.0, &[5]);
    }
    assert_eq!(f32_bits(&acc.value()), f32_bits(&want));
    assert_eq!(rng.key(), eager.key());
}
