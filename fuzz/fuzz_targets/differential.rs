//! The differential fuzz target: libFuzzer's bytes become a random heron
//! program (`heron_difftest::generate`), which runs eagerly through the
//! interpreter and through `jit` on native code; any difference beyond the
//! precision contract, any failure of the compiled path where the
//! reference ran, and any crash is a finding. The failing program is
//! printed as text with the graph `jit` traced.

#![no_main]

use heron_difftest::{Limits, check_bytes, in_reference};
use libfuzzer_sys::fuzz_target;
use std::sync::Once;

static HOOK: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    HOOK.call_once(|| {
        // The reference path may reject a program by panicking (it is then
        // skipped); any other panic is a finding and aborts, as libFuzzer
        // expects.
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !in_reference() {
                report(info);
                std::process::abort();
            }
        }));
    });
    if let Err(e) = check_bytes(data, Limits::default()) {
        panic!("{e}");
    }
});
