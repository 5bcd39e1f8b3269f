//! BrainPy's documentation on Variables, written line by line in heron:
//! creating Variables from random arrays, `.value`, comparisons, `+ 1.`,
//! `** 2`, `floor`, the subtypes, in-place updates, and `RandomState`
//! sampling and splitting with `seed` and `DEFAULT` — each result checked.
//! The documented keys come from JAX's older Threefry scheme
//! (`jax_threefry_partitionable=False`), so the random part switches to it;
//! the draws are checked against `tests/golden_jax/random_original.json`.
//!
//! Tests that change the process's scheme or draw from `DEFAULT` hold
//! the scheme guard (`heron_testkit::scheme`) while they run.

use heron as hn;
use heron::prelude::*;
use heron::random::{self, RandomState};
use heron_testkit::f32_bits;
use heron_testkit::golden::{Json, key_of, parse, u32s};
use heron_testkit::scheme::scheme;
use std::sync::LazyLock;

static GOLDEN: LazyLock<Json> = LazyLock::new(|| {
    let text = include_str!("golden_jax/random_original.json");
    parse("random_original.json", text)["brainpy"].clone()
});

#[test]
fn creating_accessing_and_operating_on_a_variable() {
    let _s = scheme(true);
    // b1 = bm.random.random(5); b2 = bm.Variable(b1)
    random::seed(42);
    let b1 = random::random(&[5]);
    let b2 = Variable::new(b1.clone());
    assert_eq!(b2.kind(), VarKind::Variable);
    assert_eq!(
        b2.to_string(),
        b1.to_string().replacen("Array", "Variable", 1)
    );
    // b2.value; (b2.value == b1).all()
    assert_eq!(b2.value().to_vec::<f32>(), b1.to_vec::<f32>());
    assert!(b2.value().eq(&b1).all().item::<bool>());
    assert!(
        b2.eq(&b1).all().item::<bool>(),
        "the method works on the Variable"
    );
    let x = b1.to_vec::<f32>();
    // b2 + 1.
    let plus = &b2 + 1.0;
    assert_eq!(plus.dtype(), DType::F32);
    let want: Vec<f32> = x.iter().map(|v| v + 1.0).collect();
    assert_eq!(plus.to_vec::<f32>(), want);
    // b2 ** 2
    let squared = b2.powi(2);
    let want: Vec<f32> = x.iter().map(|v| v * v).collect();
    assert_eq!(squared.to_vec::<f32>(), want);
    assert_eq!(hn::pow(&b2, 2).to_vec::<f32>(), want);
    // bm.floor(b2): uniform on [0, 1), so all zeros
    assert_eq!(hn::floor(&b2).to_vec::<f32>(), vec![0.0; 5]);
    assert_eq!(b2.floor().to_vec::<f32>(), vec![0.0; 5]);
    // comparisons give bool arrays
    let gt = b2.gt(0.5);
    assert_eq!(gt.dtype(), DType::Bool);
    let want: Vec<bool> = x.iter().map(|&v| v > 0.5).collect();
    assert_eq!(gt.to_vec::<bool>(), want);
}

#[test]
fn every_read_only_method_and_function_takes_a_variable() {
    let _s = scheme(true);
    let v = Variable::new(hn::array(&[[1.0f32, -2.0, 3.0], [4.0, 5.0, -6.0]]));
    let a = v.value();
    let same = |x: Array, y: Array| assert_eq!(x.to_string(), y.to_string());
    same(v.sum(), a.sum());
    same(v.max(), a.max());
    same(v.mean_axis(0), a.mean_axis(0));
    same(v.argmax(), a.argmax());
    same(v.reshape(&[3, -1]), a.reshape(&[3, -1]));
    same(v.transpose(), a.transpose());
    same(v.slice(s![.., 1..]), a.slice(s![.., 1..]));
    same(v.astype(DType::I32), a.astype(DType::I32));
    same(v.abs(), a.abs());
    same(v.clip(-1.0, 1.0), a.clip(-1.0, 1.0));
    same(v.matmul(&v.transpose()), a.matmul(&a.transpose()));
    same(v.sort(1), a.sort(1));
    same(v.cumsum(0), a.cumsum(0));
    assert_eq!((v.ndim(), v.size()), (2, 6));
    assert_eq!(v.to_vec::<f32>(), a.to_vec::<f32>());
    assert_eq!(v.iter().count(), 2);
    same(hn::sum(&v), a.sum());
    same(hn::mean(&v), a.mean());
    same(hn::reshape(&v, &[6]), a.flatten());
    same(hn::argsort(&v, 0), a.argsort(0));
    same(
        hn::where_(v.gt(0.0), &v, 0.0),
        hn::where_(a.gt(0.0), &a, 0.0),
    );
    same(hn::where_(&v, 1, 0), hn::where_(&a, 1, 0));
    same(hn::concatenate(&[&v, &v], 0), hn::concatenate(&[&a, &a], 0));
    same(hn::stack(&[&v, &v], 1), hn::stack(&[&a, &a], 1));
    same(
        hn::concatenate(&[a.clone(), v.value()], 1),
        hn::concatenate(&[&a, &a], 1),
    );
    same(hn::zeros_like(&v), hn::zeros_like(&a));
    same(hn::full_like(&v, 2.5), hn::full_like(&a, 2.5));
    let idx = Variable::new(hn::array(&[1, 0]));
    same(v.take(&idx, 0), a.take(&hn::array(&[1, 0]), 0));
    same(
        hn::for_loop(&v, |row: Array| row.sum()),
        hn::array(&[2.0f32, 3.0]),
    );
    let flag = Variable::new(hn::scalar(true));
    same(hn::cond(&flag, || v.sum(), || v.max()), a.sum());
    let rows = random::RandomState::new(3).shuffle(&v);
    assert_eq!(rows.shape(), &[2, 3]);
    // The results are plain arrays; the Variable is unchanged.
    assert_eq!(v.value().to_string(), a.to_string());
}

#[test]
fn read_only_methods_inside_jit_are_traced_reads() {
    let _s = scheme(true);
    let v = Variable::new(hn::array(&[1.0f32, -2.0, 3.0, 4.0]));
    let f = hn::jit({
        let v = v.clone();
        move |x: Array| (v.sum() + hn::max(&v), v.reshape(&[2, -1]).sum_axis(1) * &x)
    });
    let x = hn::array(&[1.0f32, 2.0]);
    let (s, r) = f.call(&x);
    assert_eq!(s.item::<f32>(), 6.0 + 4.0);
    assert_eq!(r.to_vec::<f32>(), vec![-1.0, 14.0]);
    // A traced read, not a constant: a new value is seen without retracing.
    v.set(hn::array(&[0.0f32, 0.0, 0.0, 1.0]));
    let (s, r) = f.call(&x);
    assert_eq!(s.item::<f32>(), 2.0);
    assert_eq!(r.to_vec::<f32>(), vec![0.0, 2.0]);
    assert_eq!(f.cache_len(), 1);
}

#[test]
fn in_place_updates_as_brainpy() {
    let _s = scheme(true);
    // v[0:2] = 10.; v[-1] = x; v += 1; v.fill(0.)
    let mut v = Variable::new(hn::zeros(&[4], DType::F32));
    v.set_at(s![0..2], 10.0);
    assert_eq!(v.value().to_vec::<f32>(), vec![10.0, 10.0, 0.0, 0.0]);
    v.set_at(s![-1], &hn::scalar(3.0f32));
    assert_eq!(v.value().to_vec::<f32>(), vec![10.0, 10.0, 0.0, 3.0]);
    v += 1.0;
    assert_eq!(v.value().to_vec::<f32>(), vec![11.0, 11.0, 1.0, 4.0]);
    v.set_at(s![..;2], &v.slice(s![1..;2]));
    assert_eq!(v.value().to_vec::<f32>(), vec![11.0, 11.0, 4.0, 4.0]);
    v.set_at(s![..], &v);
    assert_eq!(v.value().to_vec::<f32>(), vec![11.0, 11.0, 4.0, 4.0]);
    v.fill(0.0);
    assert_eq!(v.value().to_vec::<f32>(), vec![0.0; 4]);
    let m = Variable::new(hn::zeros(&[2, 3], DType::I32));
    m.set_at(s![1, ..], &hn::array(&[1, 2, 3]));
    m.set_at(s![.., 0], 7);
    assert_eq!(m.value().to_vec::<i32>(), vec![7, 0, 0, 7, 2, 3]);
    m.fill(&hn::array(&[1, 2, 3]));
    assert_eq!(m.value().to_vec::<i32>(), vec![1, 2, 3, 1, 2, 3]);
}

#[test]
fn bad_in_place_updates_name_the_method_and_change_nothing() {
    let _s = scheme(true);
    let v = Variable::new(hn::ones(&[4], DType::F32));
    let e = v
        .try_set_at(s![0..2], &hn::zeros(&[3], DType::F32))
        .unwrap_err();
    assert_eq!(e.to_string(), "set_at: cannot broadcast [3] with [2]");
    let e = v.try_set_at(s![5], 0.0).unwrap_err();
    assert!(e.to_string().starts_with("set_at: "), "{e}");
    let e = v.try_fill(&hn::zeros(&[2], DType::F32)).unwrap_err();
    assert_eq!(e.to_string(), "fill: cannot broadcast [2] with [4]");
    assert_eq!(v.value().to_vec::<f32>(), vec![1.0; 4]);
}

#[test]
fn in_place_updates_inside_jit_are_writes_of_the_variable() {
    let _s = scheme(true);
    let v = Variable::new(hn::zeros(&[4], DType::F32));
    let step = hn::jit({
        let v = v.clone();
        move |x: Array| {
            v.set_at(s![0..2], &x);
            v.set_at(s![-1], v.slice(s![-1]) + 1.0);
            v.sum()
        }
    });
    let x = hn::array(&[1.0f32, 2.0]);
    assert_eq!(step.call(&x).item::<f32>(), 4.0);
    assert_eq!(step.call(&x).item::<f32>(), 5.0);
    assert_eq!(v.value().to_vec::<f32>(), vec![1.0, 2.0, 0.0, 2.0]);
    let ir = step.lower(&x).ir_text();
    assert!(ir.contains("set_slice"), "{ir}");
    let reset = hn::jit({
        let v = v.clone();
        move |()| v.fill(-1.0)
    });
    reset.call(());
    assert_eq!(v.value().to_vec::<f32>(), vec![-1.0; 4]);
    assert_eq!((step.cache_len(), reset.cache_len()), (1, 1));
}

#[test]
fn subtypes_and_custom_kinds_print_their_names() {
    let _s = scheme(true);
    // bm.TrainVar(bm.random.rand(4)), bm.Parameter(bm.zeros(1)), custom kinds
    let t = TrainVar::new(random::rand(&[4]));
    assert_eq!(t.kind(), VarKind::TrainVar);
    assert!(t.to_string().starts_with("TrainVar(["), "{t}");
    assert!(t.to_string().ends_with("], dtype=f32)"), "{t}");
    let p = Parameter::new(hn::zeros(&[1], DType::F32));
    assert_eq!(p.kind(), VarKind::Parameter);
    assert_eq!(p.to_string(), "Parameter([0.], dtype=f32)");
    let m = Variable::with_kind(hn::zeros(&[2], DType::F32), VarKind::custom("Momentum"));
    assert_eq!(m.to_string(), "Momentum([0., 0.], dtype=f32)");
    let v = Variable::new(hn::array(&[0.33f32, 0.12]));
    assert_eq!(format!("{v}"), "Variable([0.33, 0.12], dtype=f32)");
}

#[test]
fn random_state_follows_the_documented_key_sequence() {
    let _s = scheme(false);
    let g = &*GOLDEN;
    // rs = bm.random.RandomState(seed=1234)
    let rs = RandomState::new(1234);
    assert_eq!(rs.key(), [0, 1234]);
    assert_eq!(rs.to_string(), "RandomState([   0, 1234], dtype=u32)");
    assert_eq!(rs.kind(), VarKind::RandomState);
    // rs.random(1)
    let r = rs.random(&[1]);
    assert_eq!(f32_bits(&r), u32s(&g["random1"]["bits"]));
    assert_eq!(rs.key(), [2113592192, 1902136347]);
    assert_eq!(rs.key(), key_of(&g["random1"]["key_after"]));
    // rs.sample(1)
    let s = rs.sample(&[1]);
    assert_eq!(f32_bits(&s), u32s(&g["sample1"]["bits"]));
    assert_eq!(rs.key(), [1076515368, 3893328283]);
    assert_eq!(
        rs.to_string(),
        "RandomState([1076515368, 3893328283], dtype=u32)"
    );
    // rs.split_key()
    assert_eq!(rs.split_key(), [3028232624, 826525938]);
    assert_eq!(rs.key(), key_of(&g["split_key"]["key_after"]));
    // rs.split_keys(2)
    let keys = rs.split_keys(2);
    assert_eq!(keys.shape(), &[2, 2]);
    assert_eq!(keys.dtype(), DType::U32);
    assert_eq!(
        keys.to_vec::<u32>(),
        vec![4198471980, 1111166693, 1457783592, 2493283834]
    );
    assert_eq!(rs.key(), key_of(&g["split_keys2"]["key_after"]));
    // rs.normal(size=(2, 3)), within a few ulps of JAX
    let n = rs.normal(0.0, 1.0, &[2, 3]).to_vec::<f32>();
    let want = g["normal23"]["values"].as_array().unwrap();
    for (got, want) in n.iter().zip(want) {
        let want = want.as_f64().unwrap() as f32;
        assert!((got - want).abs() <= 8.0 * f32::EPSILON * want.abs().max(1.0));
    }
    assert_eq!(rs.key(), key_of(&g["normal23"]["key_after"]));
    // rs.seed(1234) starts over
    rs.seed(1234);
    assert_eq!(rs.key(), [0, 1234]);
}

#[test]
fn the_same_sequence_inside_jit() {
    let _s = scheme(false);
    let rs = RandomState::new(1234);
    let draws = hn::jit({
        let rs = rs.clone();
        move |()| {
            (
                rs.random(&[1]),
                rs.sample(&[1]),
                rs.next_key().into_array(),
                rs.split_keys(2),
            )
        }
    });
    let (r, s, k, keys) = draws.call(());
    let g = &*GOLDEN;
    assert_eq!(f32_bits(&r), u32s(&g["random1"]["bits"]));
    assert_eq!(f32_bits(&s), u32s(&g["sample1"]["bits"]));
    assert_eq!(k.to_vec::<u32>(), vec![3028232624, 826525938]);
    assert_eq!(
        keys.to_vec::<u32>(),
        vec![4198471980, 1111166693, 1457783592, 2493283834]
    );
    assert_eq!(rs.key(), key_of(&g["split_keys2"]["key_after"]));
}

#[test]
fn default_and_seed() {
    let _s = scheme(false);
    // bm.random.seed(654321); bm.random.DEFAULT
    random::seed(654321);
    assert_eq!(random::DEFAULT.key(), [0, 654321]);
    assert_eq!(
        random::DEFAULT.to_string(),
        "RandomState([     0, 654321], dtype=u32)"
    );
    let d = &GOLDEN["default_654321"];
    // bm.random.random(3); bm.random.randint(0, 10, 4)
    assert_eq!(f32_bits(&random::random(&[3])), u32s(&d["random3_bits"]));
    let i = random::randint(0, 10, &[4]);
    let want: Vec<i32> = u32s(&d["randint4"]).into_iter().map(|x| x as i32).collect();
    assert_eq!(i.to_vec::<i32>(), want);
    assert_eq!(random::DEFAULT.key(), key_of(&d["key_after"]));
    random::seed(654321);
    assert_eq!(random::default_key(), [0, 654321]);
}
