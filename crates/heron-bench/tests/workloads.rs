//! Every workload at a tiny size through the result checks: each variant
//! must compute what the reference computes. Nothing here is a timing.

use heron_bench::{ALL, Config, stream};

#[test]
fn every_variant_of_every_workload_matches_its_reference() {
    let cfg = Config::tiny();
    let bw = stream::measure(&cfg);
    let mut checked = 0;
    for w in &ALL {
        for mut case in w.cases(&cfg, &bw) {
            let id = case.id.clone();
            case.check().unwrap_or_else(|e| panic!("{id}: {e}"));
            checked += case.variants.len();
        }
    }
    assert!(checked >= 40, "only {checked} variants checked");
}

#[test]
fn a_tiny_run_reports_ratios_to_the_reference() {
    let cfg = Config::tiny();
    let mut seen = Vec::new();
    let w7 = heron_bench::find("w7").expect("W7 exists");
    let report = heron_bench::run(&[w7], &cfg, &mut |msg| seen.push(msg.to_string())).unwrap();
    let case = &report.cases[0];
    assert_eq!(case.id, "W7");
    assert_eq!(case.rows[0].ratio, 1.0);
    assert!(case.row("heron jit").is_some_and(|r| r.ratio.is_finite()));
    assert!(seen.iter().any(|m| m.contains("heron jit")));
}
