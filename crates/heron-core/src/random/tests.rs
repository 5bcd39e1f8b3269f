//! The samplers traced: recording them with a traced key (or a RandomState
//! read inside a trace) and running the graph through `eval` gives exactly
//! what the eager samplers give.

use super::{Key, RandomState};
use crate::array::Array;
use crate::trace;
use heron_ir::{DType, OutputRole, ParamRole, Shape, Value};

fn values(arrays: &[Array]) -> Vec<Vec<u8>> {
    arrays
        .iter()
        .map(|a| a.value().buf().bytes().to_vec())
        .collect()
}

fn samplers(key: &Key) -> Vec<Array> {
    let p = Array::from_vec(vec![0.1f32, 0.2, 0.3, 0.4], &[4]);
    vec![
        key.split_array(3),
        key.split()[1].array().clone(),
        key.fold_in(5).into_array(),
        key.bits(&[2, 3]),
        key.bits_as(&[3], DType::I64),
        key.uniform(-2.0, 3.5, &[7]),
        key.uniform_as(-2.0, 3.5, &[5], DType::F64),
        key.normal(1.0, 2.0, &[6]),
        key.normal_as(0.0, 1.0, &[4], DType::F64),
        key.randint(-5, 100, &[9]),
        key.bernoulli(0.3, &[8]),
        key.permutation(10),
        key.shuffle(&Array::from_vec((0..12).collect::<Vec<i32>>(), &[4, 3])),
        key.choice(4, &[8], true, Some(&p)),
        key.choice(4, &[3], false, Some(&p)),
        key.truncated_normal(-1.0, 1.0, &[5]),
        key.exponential(&[5]),
    ]
}

#[test]
fn samplers_on_a_traced_key_record_the_eager_computation() {
    let key = [0x1234u32, 0xdead_beef];
    let eager = samplers(&Key::from_data(key));

    trace::begin();
    let arg = trace::arg(Shape::new(&[2]), DType::U32);
    let traced = samplers(&Key::from_array(arg));
    assert!(traced.iter().all(Array::is_traced));
    let f = trace::finish(&traced).expect("the samplers trace");
    assert!(f.vars.is_empty());

    let out = heron_ir::eval(&f.graph, &[Value::from_slice(Shape::new(&[2]), &key)]).unwrap();
    let out: Vec<Array> = out.into_iter().map(Array::from_value).collect();
    for (i, (e, t)) in eager.iter().zip(&out).enumerate() {
        assert_eq!(
            (e.shape(), e.dtype()),
            (t.shape(), t.dtype()),
            "sampler {i}"
        );
    }
    assert_eq!(values(&eager), values(&out));
}

#[test]
fn a_random_state_threads_its_key_through_a_trace() {
    let rng = RandomState::new(3);
    trace::begin();
    let u = rng.uniform(0.0, 1.0, &[4]);
    let keys = rng.split_keys(2);
    let f = trace::finish(&[u, keys]).expect("the draws trace");
    // Tracing reads and writes the key symbolically; the state is unchanged.
    assert_eq!(rng.key(), [0, 3]);
    assert_eq!(f.vars.len(), 1);
    assert_eq!(f.vars[0].id(), rng.id());
    assert_eq!(f.graph.params.len(), 1);
    assert_eq!(f.graph.params[0].1, ParamRole::Var(0));
    let new_key = f
        .graph
        .outputs
        .iter()
        .position(|&(_, role)| role == OutputRole::VarWrite(0))
        .expect("the key is written back");

    let out = heron_ir::eval(&f.graph, &[Value::from_slice(Shape::new(&[2]), &[0u32, 3])]).unwrap();
    let eager = RandomState::new(3);
    let u = eager.uniform(0.0, 1.0, &[4]);
    let keys = eager.split_keys(2);
    assert_eq!(out[0].as_slice::<f32>(), &u.to_vec::<f32>()[..]);
    assert_eq!(out[1].as_slice::<u32>(), &keys.to_vec::<u32>()[..]);
    assert_eq!(out[new_key].as_slice::<u32>(), &eager.key()[..]);
}

#[test]
#[should_panic(expected = "Key::data: the key is traced")]
fn traced_keys_refuse_to_give_their_words() {
    trace::begin();
    let key = Key::from_array(trace::arg(Shape::new(&[2]), DType::U32));
    key.data();
}

#[test]
fn keys_must_be_u32_pairs() {
    let err = Key::try_from_array(Array::from_vec(vec![1i32, 2], &[2])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Key::from_array: a key is u32[2], not i32[2]"
    );
    let err = Key::try_from_array(Array::from_vec(vec![1u32, 2, 3], &[3])).unwrap_err();
    assert!(err.to_string().contains("not u32[3]"), "{err}");
}
