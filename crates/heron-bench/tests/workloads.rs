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

#[test]
fn the_ceilings_are_registered_and_pass_their_checks() {
    use heron_bench::Kind;
    use heron_bench::ceiling::Width;
    let cfg = Config::tiny();
    let bw = stream::measure(&cfg);
    let (widths, notes) = Width::shown();
    for (workload, id, per_width) in [
        ("W2", "W2.loop", 4),
        ("W3", "W3", 4),
        ("W4", "W4.softmax", 2),
    ] {
        let w = heron_bench::find(workload).expect("workload exists");
        let mut case = w
            .cases(&cfg, &bw)
            .into_iter()
            .find(|c| c.id == id)
            .expect("case exists");
        // The reference and the ceilings only: each must pass the case's check.
        let mut first = true;
        case.variants.retain(|v| {
            let keep = first || v.kind == Kind::Ceiling;
            first = false;
            keep
        });
        assert_eq!(case.variants.len(), 1 + per_width * widths.len(), "{id}");
        for note in &notes {
            assert!(case.notes.contains(note), "{id}: missing note {note}");
        }
        case.check().unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}
