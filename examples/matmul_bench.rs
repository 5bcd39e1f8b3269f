//! Times `matmul` (eager and under `jit`) for the products of
//! docs/PERFORMANCE.md, "Matrix products": [1024,1024]·[1024,1024] and an
//! MLP layer [128,784]·[784,256], f32 and f64. Prints one line per case:
//! the median and fastest of the timed runs, and GFLOP/s.
//! `benches/peers/matmul_numpy.py` times the same products with NumPy.
//!
//! `cargo run --release --example matmul_bench [reps]`

use heron as hn;
use heron::prelude::*;
use std::time::Instant;

/// Median and minimum seconds of `reps` runs of `f` after two warm-up runs.
fn time(reps: usize, mut f: impl FnMut() -> Array) -> (f64, f64) {
    for _ in 0..2 {
        std::hint::black_box(f());
    }
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[reps / 2], t[0])
}

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(21);
    let cases: [(&str, [usize; 3], DType); 4] = [
        ("square 1024", [1024, 1024, 1024], DType::F32),
        ("mlp 128x784x256", [128, 784, 256], DType::F32),
        ("square 1024", [1024, 1024, 1024], DType::F64),
        ("mlp 128x784x256", [128, 784, 256], DType::F64),
    ];
    let f = hn::jit(|(a, b): (Array, Array)| a.matmul(&b));
    for (name, [m, k, n], dtype) in cases {
        let a = hn::random::uniform(-1.0, 1.0, &[m, k]).astype(dtype);
        let b = hn::random::uniform(-1.0, 1.0, &[k, n]).astype(dtype);
        let flops = 2.0 * (m * k * n) as f64;
        let (eager, _) = time(reps, || a.matmul(&b));
        let (jit, jit_min) = time(reps, || f.call((&a, &b)));
        println!(
            "heron {name} {dtype}: jit median {:.3} ms (min {:.3} ms, {:.1} GFLOP/s), eager median {:.3} ms",
            jit * 1e3,
            jit_min * 1e3,
            flops / jit / 1e9,
            eager * 1e3
        );
    }
}
