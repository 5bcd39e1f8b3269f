//! Criterion benches of the workloads W1–W8 (the same cases `heron bench`
//! runs, from `heron-bench`), one group per workload, plus the STREAM triad.
//! Every case is checked against its reference before it is measured.
//!
//! To keep a full `cargo bench` to a few minutes on two cores, the cases run
//! at the quick sizes (about a sixteenth of the defined work) with short
//! measurement times; `HERON_BENCH_SIZE=full cargo bench` uses the defined
//! sizes. `heron bench` (the CLI) is the tool for the reported figures.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use heron_bench::{Config, stream};
use std::time::{Duration, Instant};

fn config() -> Config {
    match std::env::var("HERON_BENCH_SIZE").as_deref() {
        Ok("full") => Config::full(),
        _ => Config::quick(),
    }
}

fn triad(c: &mut Criterion) {
    let n = stream::triad_len(config().size);
    let b = vec![1.0f64; n];
    let d = vec![2.0f64; n];
    let mut a = vec![0.0f64; n];
    let mut group = c.benchmark_group("triad");
    group.throughput(Throughput::Bytes((3 * 8 * n) as u64));
    group.bench_function("1 thread", |bench| {
        bench.iter(|| stream::triad(&mut a, &b, &d))
    });
    group.bench_function("rayon", |bench| {
        bench.iter(|| stream::triad_par(&mut a, &b, &d))
    });
    group.finish();
}

fn workloads(c: &mut Criterion) {
    let cfg = config();
    // The bandwidth only feeds the bound rows of the CLI's report, unused here.
    let bw = stream::measure(&Config::tiny());
    for w in &heron_bench::ALL {
        let mut group = c.benchmark_group(w.id);
        for mut case in w.cases(&cfg, &bw) {
            let id = case.id.clone();
            case.check()
                .unwrap_or_else(|e| panic!("{id}: wrong result, not benchmarked: {e}"));
            for v in &mut case.variants {
                let runner = &mut v.runner;
                group.bench_function(format!("{id}/{}", v.name), |bench| {
                    bench.iter_custom(|iters| {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            runner.reset();
                            let start = Instant::now();
                            runner.run();
                            total += start.elapsed();
                        }
                        total
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = triad, workloads
}
criterion_main!(benches);
