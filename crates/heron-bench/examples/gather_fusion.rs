//! The fused gather against the native gather step: `w.take(idx) * x + b`
//! over `n` elements (default 2^20) of f32 with i32 indices into a table of
//! `n` weights, timed both ways in alternation in one run.
//!
//! - fused: one `jit` function; the plan checks the indices, then one
//!   kernel loads each index, the weight there, `x` and `b`, and stores the
//!   result (no temporary).
//! - step: the gather as a native step writing its result (the form heron
//!   used before gathers fused: `take` into a temporary, then the kernel
//!   reads it), here a `jit` function returning the gathered array and a
//!   second one computing `t * x + b` from it.
//!
//! Both are checked against a plain Rust loop before anything is timed.
//! `cargo run --release -p heron-bench --example gather_fusion -- [n] [reps]
//! [fused|step|take]`: with a variant named (`take`: the gather step alone),
//! only that one runs, `reps` times (for `perf`).

use heron as hn;
use heron::prelude::*;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(1 << 20, |s| s.parse().expect("n"));
    let reps: usize = args.next().map_or(41, |s| s.parse().expect("reps"));
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let w: Vec<f32> = (0..n).map(|i| (i % 97) as f32 * 0.25).collect();
    let idx: Vec<i32> = (0..n)
        .map(|_| (next() % (2 * n as u64)) as i32 - n as i32)
        .collect();
    let x: Vec<f32> = (0..n).map(|i| 1.0 + (i % 13) as f32).collect();
    let b: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
    let wrap = |i: i32| {
        if i < 0 {
            (i + n as i32) as usize
        } else {
            i as usize
        }
    };
    let want: Vec<f32> = (0..n).map(|p| w[wrap(idx[p])] * x[p] + b[p]).collect();

    let (wa, ia) = (
        Array::from_vec(w.clone(), &[n]),
        Array::from_vec(idx.clone(), &[n]),
    );
    let (xa, ba) = (
        Array::from_vec(x.clone(), &[n]),
        Array::from_vec(b.clone(), &[n]),
    );
    let fused = hn::jit(|(w, i, x, b): (Array, Array, Array, Array)| w.take(&i, 0) * x + b);
    let gather = hn::jit(|(w, i): (Array, Array)| w.take(&i, 0));
    let fma = hn::jit(|(t, x, b): (Array, Array, Array)| t * x + b);
    let run_fused = || fused.call((&wa, &ia, &xa, &ba));
    let run_step = || fma.call((&gather.call((&wa, &ia)), &xa, &ba));
    let run_take = || gather.call((&wa, &ia));
    let run_loop = || {
        let (lo, hi) = idx
            .iter()
            .fold((0, 0), |(lo, hi), &i| (i.min(lo), i.max(hi)));
        assert!(lo >= -(n as i32) && (hi as usize) < n, "index out of range");
        (0..n)
            .map(|p| w[wrap(idx[p])] * x[p] + b[p])
            .collect::<Vec<f32>>()
    };
    assert_eq!(run_fused().to_vec::<f32>(), want, "fused");
    assert_eq!(run_step().to_vec::<f32>(), want, "step");
    assert_eq!(run_loop(), want, "loop");
    let forms = fused.compile((&wa, &ia, &xa, &ba)).gather_forms();
    assert_eq!((forms.fused, forms.steps), (1, 0), "the gather is fused");
    let forms = gather.compile((&wa, &ia)).gather_forms();
    assert_eq!((forms.fused, forms.steps), (0, 1), "the gather is a step");

    let only: Option<&dyn Fn() -> Array> = match args.next().as_deref() {
        Some("fused") => Some(&run_fused),
        Some("step") => Some(&run_step),
        Some("take") => Some(&run_take),
        Some(other) => panic!("unknown variant {other}"),
        None => None,
    };
    if let Some(run) = only {
        let t = Instant::now();
        (0..reps).for_each(|_| drop(std::hint::black_box(run())));
        println!(
            "{:.3} ms per run",
            t.elapsed().as_secs_f64() * 1e3 / reps as f64
        );
        return;
    }
    // Fused and step alternate (A B A B) in blocks: each block runs one
    // variant once untimed (the switch from the other variant's buffers and
    // cache contents), then `BLOCK` times timed, and counts their mean.
    const BLOCK: usize = 8;
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..reps {
        for (v, run) in [&run_fused as &dyn Fn() -> Array, &run_step]
            .into_iter()
            .enumerate()
        {
            drop(std::hint::black_box(run()));
            let t = Instant::now();
            for _ in 0..BLOCK {
                drop(std::hint::black_box(run()));
            }
            times[v].push(t.elapsed().as_secs_f64() / BLOCK as f64);
        }
    }
    let [tf, ts] = times;
    let (f, s) = (median(tf), median(ts));
    println!("w.take(idx) * x + b, n = {n}, {reps} alternating blocks of {BLOCK} (medians):");
    println!("  fused gather  {:8.3} ms", f * 1e3);
    println!(
        "  native step   {:8.3} ms  ({:.2}x the fused time)",
        s * 1e3,
        s / f
    );
}
