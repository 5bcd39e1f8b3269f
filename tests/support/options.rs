//! Compile options the temporal-fusion tests compare: temporal fusion on
//! or off (native drivers on), and the reference driver.

use heron::CompileOptions;

/// The options with temporal fusion on or off (native drivers on).
pub fn temporal(on: bool) -> CompileOptions {
    CompileOptions {
        temporal_fusion: on,
        ..CompileOptions::default()
    }
}

/// The options of the reference driver (no temporal fusion).
#[allow(dead_code)] // not every test file runs the reference driver
pub const REFERENCE: CompileOptions = CompileOptions {
    fast_math: false,
    temporal_fusion: false,
    native_drivers: false,
};
