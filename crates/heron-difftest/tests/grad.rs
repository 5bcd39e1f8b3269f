//! The differentiable-program generator as a fixed-seed test: a few hundred
//! random smooth expressions whose `grad` (eager and under `jit`) must agree
//! with f64 finite differences.

use heron_difftest::grad::check_grad_bytes;

#[test]
fn gradients_of_random_programs_match_finite_differences() {
    let cases: usize = std::env::var("HERON_DIFFTEST_GRAD_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    // A fixed xorshift64* stream of bytes.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
    };
    let (mut checked, mut failures) = (0, Vec::new());
    for _ in 0..cases {
        let bytes: Vec<u8> = (0..256).map(|_| next()).collect();
        match check_grad_bytes(&bytes) {
            Ok(Some(_)) => checked += 1,
            Ok(None) => {}
            Err(e) => failures.push(e),
        }
    }
    assert!(
        checked > cases / 2,
        "only {checked} of {cases} programs were complete"
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
