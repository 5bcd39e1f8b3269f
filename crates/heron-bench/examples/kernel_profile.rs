//! Runs one compute-bound kernel for a profiler: W3's jitted
//! Hodgkin–Huxley step, W3's hand-written ceiling loops or W4's row
//! softmax, `reps` times on a small problem, after one warm-up call (which
//! compiles). Under `valgrind --tool=callgrind` the difference between two
//! runs with different `reps` is the instruction count of the extra
//! repetitions alone (compilation and set-up cancel out):
//!
//! ```text
//! cargo build --release -p heron-bench --example kernel_profile
//! K=target/release/examples/kernel_profile
//! valgrind --tool=callgrind $K w3 10000 20     # and 60: ΔIr / (40 · 10000)
//! valgrind --tool=callgrind $K w3fast 10000 20 # the same step with fast math
//! valgrind --tool=callgrind $K w3loop 10000 1  # and 3: W3 as one 100-step loop
//! valgrind --tool=callgrind $K ceiling 10000 20 "sse2, tiles"
//! valgrind --tool=callgrind $K softmax 1024 4  # and 12: ΔIr / (8 · 1024²)
//! $K w2fast 1000000 15                          # W2's loop, fast math
//! ```
//!
//! `w2fast` runs W2's 100-step `fori_loop` compiled with fast math on N
//! neurons REPS times and prints the minimum and median wall time of a call.
//!
//! `HERON_PROFILE_DUMP=1` prints the optimised graph, the kernel plan and
//! the Cranelift IR of the jitted function first; the machine code can be
//! read from a disk-cache entry (`HERON_CACHE_DIR`), whose image holds each
//! kernel's bytes.

use heron::Array;
use heron_bench::ceiling::{self, hh};
use heron_bench::inputs;
use heron_bench::models::hh::{H0, M0, N0};
use heron_bench::workloads::{softmax, w2, w3};
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: kernel_profile w3|w3fast|w3loop|w3loopfast N REPS | ceiling N REPS NAME-PART | softmax N REPS\n  \
         | w2fast N REPS\n  \
         (w3, w3fast: N neurons, REPS steps (w3fast: fast math); w3loop, w3loopfast: REPS calls of a 100-step loop; w2fast: N neurons, REPS calls; ceiling: W3's first ceiling whose name \
         contains NAME-PART; softmax: an N×N matrix, REPS calls)"
    );
    ExitCode::FAILURE
}

fn dump(c: &heron::Compiled) {
    if std::env::var_os("HERON_PROFILE_DUMP").is_some() {
        println!("{}\n{}", c.optimized_text(), c.clif_text());
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(what), Some(Ok(n)), Some(Ok(reps))) = (
        args.get(1),
        args.get(2).map(|a| a.parse::<usize>()),
        args.get(3).map(|a| a.parse::<usize>()),
    ) else {
        return usage();
    };
    match what.as_str() {
        "w3" | "w3fast" => {
            let (v0, i) = w3::inputs(n);
            let hh = w3::Hh::new(&v0);
            let step = if what == "w3" {
                hh.jitted_step()
            } else {
                hh.jitted_step_fast()
            };
            step.call(&i);
            dump(&step.compile(&i));
            for _ in 0..reps {
                step.call(&i);
            }
        }
        "w3loop" | "w3loopfast" => {
            let (v0, i) = w3::inputs(n);
            let hh = w3::Hh::new(&v0);
            let run = hh.jitted_loop(100, what == "w3loopfast");
            run.call(&i);
            dump(&run.compile(&i));
            for _ in 0..reps {
                run.call(&i);
            }
        }
        "ceiling" => {
            let Some(part) = args.get(4) else {
                return usage();
            };
            let (plans, _) = ceiling::simulation_plans(hh::TILE);
            let Some(plan) = plans.iter().find(|p| p.name.contains(part.as_str())) else {
                eprintln!("no ceiling named like {part:?} on this CPU");
                return ExitCode::FAILURE;
            };
            eprintln!("{}", plan.name);
            let (mut v, mut m, mut h) = (vec![-65.0f32; n], vec![M0; n], vec![H0; n]);
            let (mut gn, mut count, i) = (vec![N0; n], vec![0.0f32; n], vec![10.0f32; n]);
            let neurons = hh::Neurons {
                v: &mut v,
                m: &mut m,
                h: &mut h,
                n: &mut gn,
                count: &mut count,
                i: &i,
            };
            hh::run_plan(plan, neurons, reps);
        }
        "w2fast" => {
            let i = w2::current(n);
            let lif = w2::Lif::new(n);
            let run = lif.jitted_loop_fast(100);
            run.call(&i);
            dump(&run.compile(&i));
            let mut times: Vec<f64> = (0..reps.max(1))
                .map(|_| {
                    lif.reset();
                    let t0 = std::time::Instant::now();
                    run.call(&i);
                    t0.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            times.sort_by(f64::total_cmp);
            println!(
                "min {:.2} ms, median {:.2} ms",
                times[0],
                times[times.len() / 2]
            );
        }
        "softmax" => {
            let a = inputs::uniform(1, -3.0, 3.0, &[n, n]);
            let f = heron::jit_named("w4_softmax", |a: Array| softmax::softmax(&a));
            let _ = f.call(&a);
            dump(&f.compile(&a));
            for _ in 0..reps {
                let _ = f.call(&a);
            }
        }
        _ => return usage(),
    }
    ExitCode::SUCCESS
}
