//! The gradient fuzz target: libFuzzer's bytes become a random smooth
//! expression of one f64 vector and an input (`heron_difftest::grad`);
//! `grad` of it, eager and under `jit`, must agree with f64 central finite
//! differences. A disagreement panics with the expression as text.

#![no_main]

use heron_difftest::grad::check_grad_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = check_grad_bytes(data) {
        panic!("{e}");
    }
});
