//! The differential generator as a fixed-seed property test: a few
//! thousand random programs, each run eagerly through the interpreter and
//! through `jit`, compared under the precision contract. The same
//! generator and checker back the cargo-fuzz target in `fuzz/`.

use heron_difftest::{Limits, Tally, Verdict, check_bytes, in_reference};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Programs per run (`HERON_DIFFTEST_CASES` overrides).
const CASES: u32 = 3000;

#[test]
fn compiled_programs_agree_with_the_interpreter() {
    let cases = std::env::var("HERON_DIFFTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    // Programs the reference rejects panic there; only other panics speak.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !in_reference() {
            report(info)
        }
    }));
    let config = Config {
        cases,
        max_shrink_iters: 300,
        failure_persistence: None,
        ..Config::default()
    };
    // `HERON_DIFFTEST_SEED=N` explores another fixed sequence.
    let rng = match std::env::var("HERON_DIFFTEST_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        Some(seed) => {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&seed.to_le_bytes());
            TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
        }
        None => TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let tally = Mutex::new((0u32, 0u32, BTreeMap::<String, u32>::new(), Tally::default()));
    // Large programs stay for the fuzzer: here, nothing over the parallel
    // threshold (its launches are covered by the codegen tests).
    let limits = Limits {
        stmts: 10,
        large: false,
    };
    let bytes = proptest::collection::vec(proptest::num::u8::ANY, 64..1024);
    runner
        .run(&bytes, |data| {
            let outcome =
                check_bytes(&data, limits).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut t = tally.lock().unwrap();
            match outcome {
                Some((_, Verdict::Agreed(values))) => {
                    t.0 += 1;
                    t.3.add(values);
                }
                Some((_, Verdict::Skipped(why))) => {
                    t.1 += 1;
                    let key: String = why.chars().take(60).collect();
                    *t.2.entry(key).or_default() += 1;
                }
                None => {}
            }
            Ok(())
        })
        .unwrap();
    let (agreed, skipped, why, values) = tally.into_inner().unwrap();
    eprintln!(
        "{agreed} programs agreed ({} values compared bit for bit, {} within a bound, \
         {} derived from approximate ones: shape and dtype only), {skipped} skipped: {why:#?}",
        values.exact, values.bounded, values.loose
    );
    assert!(
        skipped * 10 <= agreed,
        "{skipped} programs skipped, {agreed} checked; reasons: {why:#?}"
    );
    assert!(
        agreed >= cases * 8 / 10,
        "only {agreed} of {cases} programs checked"
    );
}
