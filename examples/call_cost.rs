//! The cost of one cached jitted call (W7: `x*2 + 1` on 8 f32 elements),
//! in a form a profiler can count: the function is compiled and warmed up,
//! then called `HERON_CALLS` times (default 100,000) inside `calls`, a
//! function of its own, and the median time per call is printed.
//!
//! Instructions per call, machine-independent (only `calls` is counted):
//!
//! ```text
//! cargo build --release --example call_cost
//! HERON_CALLS=10000 valgrind --tool=callgrind --toggle-collect='*call_cost::calls*' \
//!     --callgrind-out-file=cg.out target/release/examples/call_cost
//! callgrind_annotate --inclusive=yes cg.out | head -40   # total Ir / 10,000
//! ```
//!
//! `HERON_CALL_VAR=1` adds a Variable the function reads and writes
//! (`v = v + x`), the path a simulation step takes.

use heron as hn;
use heron::prelude::*;
use std::hint::black_box;
use std::time::Instant;

/// Calls `f` on `x` `n` times; returns the last result.
#[inline(never)]
fn calls(f: &hn::Jit<Array, Array>, x: &Array, n: usize) -> Array {
    let mut last = f.call(x);
    for _ in 1..n {
        last = black_box(f.call(black_box(x)));
    }
    last
}

fn main() {
    let n: usize = std::env::var("HERON_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let x = Array::from_vec((0..8).map(|i| i as f32 * 0.5 - 1.0).collect(), &[8]);
    let f = if std::env::var("HERON_CALL_VAR").is_ok_and(|v| v == "1") {
        let v = Variable::new(hn::zeros(&[8], DType::F32));
        hn::jit_named("w7_var", move |x: Array| {
            let y = &x * 2.0 + 1.0;
            v.set(v.value() + &y);
            y
        })
    } else {
        hn::jit_named("w7", |x: Array| &x * 2.0 + 1.0)
    };
    // Compile, warm up the allocator and the caches.
    for _ in 0..1000 {
        black_box(f.call(&x));
    }
    let start = Instant::now();
    let y = calls(&f, &x, n);
    let total = start.elapsed();
    let mut per_call: Vec<u128> = (0..n.min(10_000))
        .map(|_| {
            let t = Instant::now();
            black_box(f.call(black_box(&x)));
            t.elapsed().as_nanos()
        })
        .collect();
    per_call.sort_unstable();
    println!(
        "{} calls: {:.1} ns per call on average, median of single calls {} ns (clock included); y[0] = {}",
        n,
        total.as_nanos() as f64 / n as f64,
        per_call[per_call.len() / 2],
        y.to_vec::<f32>()[0]
    );
}
