//! Gathers, scatters and dynamic slices against JAX and NumPy:
//! `tests/golden_gather/gen.py` computes each case (JAX's `at[].add/set`,
//! `segment_sum`, `lax.dynamic_slice`/`dynamic_update_slice`; NumPy's
//! `take`, `take_along_axis` and last-write-wins `set`) and writes
//! `cases.json`; each case runs here eagerly and under `jit` and must match
//! bit for bit (the float data are multiples of 1/64, so sums are exact in
//! any order).

mod support;

use heron as hn;
use heron::prelude::*;
use serde_json::Value as Json;
use support::bits;

/// An array from its JSON form (`dtype`, `shape`, `data`).
fn array(j: &Json) -> Array {
    let shape: Vec<usize> = j["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let data = j["data"].as_array().unwrap();
    match j["dtype"].as_str().unwrap() {
        "float32" => Array::from_vec(
            data.iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect::<Vec<_>>(),
            &shape,
        ),
        "int32" => Array::from_vec(
            data.iter()
                .map(|x| x.as_i64().unwrap() as i32)
                .collect::<Vec<_>>(),
            &shape,
        ),
        "int64" => Array::from_vec(
            data.iter().map(|x| x.as_i64().unwrap()).collect::<Vec<_>>(),
            &shape,
        ),
        d => panic!("dtype {d} is not in the fixtures"),
    }
}

/// Runs case `op` on `inputs` with its arguments.
fn run(op: &str, args: &Json, x: &[Array]) -> Array {
    let axis = || args["axis"].as_i64().unwrap() as isize;
    match op {
        "take" => x[0].take(&x[1], axis()),
        "take_along_axis" => hn::take_along_axis(&x[0], &x[1], axis()),
        "at_add" => x[0].at(&x[1]).add(&x[2]),
        "at_set" => x[0].at(&x[1]).set(&x[2]),
        "segment_sum" => hn::segment_sum(
            &x[0],
            &x[1],
            args["num_segments"].as_u64().unwrap() as usize,
        ),
        "dynamic_slice" => {
            let sizes: Vec<usize> = args["sizes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_u64().unwrap() as usize)
                .collect();
            let starts: Vec<&Array> = x[1..].iter().collect();
            hn::dynamic_slice(&x[0], &starts, &sizes)
        }
        "dynamic_update_slice" => {
            let starts: Vec<&Array> = x[2..].iter().collect();
            hn::dynamic_update_slice(&x[0], &x[1], &starts)
        }
        _ => panic!("unknown op {op}"),
    }
}

#[test]
fn indexed_ops_match_jax_and_numpy_eagerly_and_under_jit() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden_gather/cases.json"
    ))
    .expect("tests/golden_gather/cases.json (run gen.py)");
    let fixture: Json = serde_json::from_str(&text).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() > 200);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let op = c["op"].as_str().unwrap().to_string();
        let inputs: Vec<Array> = c["inputs"].as_array().unwrap().iter().map(array).collect();
        let want = array(&c["want"]);
        let eager = run(&op, &c["args"], &inputs);
        assert_eq!(eager.shape(), want.shape(), "{name}: shape");
        assert_eq!(bits(&eager), bits(&want), "{name}: eager");
        let args = c["args"].clone();
        let f = hn::jit(move |x: Vec<Array>| run(&op, &args, &x));
        assert_eq!(bits(&f.call(inputs)), bits(&want), "{name}: jit");
    }
}
