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
//! valgrind --tool=callgrind $K ceiling 10000 20 "sse2, tiles"
//! valgrind --tool=callgrind $K softmax 1024 4  # and 12: ΔIr / (8 · 1024²)
//! ```
//!
//! `HERON_PROFILE_DUMP=1` prints the optimised graph, the kernel plan and
//! the Cranelift IR of the jitted function first; the machine code can be
//! read from a disk-cache entry (`HERON_CACHE_DIR`), whose image holds each
//! kernel's bytes.

use heron::Array;
use heron_bench::ceiling::{self, hh};
use heron_bench::inputs;
use heron_bench::models::hh as hh_model;
use heron_bench::workloads::{softmax, w3};
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: kernel_profile w3 N REPS | ceiling N REPS NAME-PART | softmax N REPS\n  \
         (w3: N neurons, REPS steps; ceiling: W3's first ceiling whose name \
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
        "w3" => {
            let (v0, i) = w3::inputs(n);
            let step = w3::Hh::new(&v0).jitted_step();
            step.call(&i);
            dump(&step.compile(&i));
            for _ in 0..reps {
                step.call(&i);
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
            let (mut v, mut m, mut h) = (
                vec![-65.0f32; n],
                vec![hh_model::M0; n],
                vec![hh_model::H0; n],
            );
            let (mut gn, mut count, i) = (vec![hh_model::N0; n], vec![0.0f32; n], vec![10.0f32; n]);
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
