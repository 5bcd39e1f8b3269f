//! `CompileOptions`: every setting that changes how a graph is compiled or
//! how its compiled code runs. A compilation receives its options as a value
//! and passes them down (scheduling, lowering, the executors); nothing after
//! that point reads a global. The options are part of every cache key, in
//! memory and on disk.
//!
//! Where a compilation takes its options from when the caller gives none:
//! [`CompileOptions::current`], which is the options of the innermost
//! [`CompileOptions::scoped`] call on this thread, else the *process
//! defaults*. The process defaults start from the built-in defaults
//! ([`CompileOptions::default`]) and the environment — read here and nowhere
//! else: `HERON_TEMPORAL_FUSION=0` (or `false`, `off`) turns temporal fusion
//! off — and [`set_process_defaults`] replaces them.

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

/// How a graph is compiled and its code run. Two compilations of one graph
/// under equal options give the same plan and the same code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CompileOptions {
    /// Trade bit-exact results for speed (`passes::fast_math`): a float
    /// division by a constant becomes a multiplication by its reciprocal,
    /// linear float expressions are reassociated with folded coefficients
    /// (loop-invariant terms first), and the register-resident form of a
    /// temporally fused loop computes those terms once per tile and
    /// contracts `a·b + c` into fused multiply-adds where the CPU has them.
    /// Results are within `precision::fast_math_bound` of exact ones.
    /// Exponentials of affine functions of one value whose slopes are
    /// power-of-two multiples share one `exp`, a few squarings and a
    /// constant factor each (`passes::fast_math::share_exps`, its error
    /// measured in ulps). Off by default.
    pub fast_math: bool,
    /// Counted loops whose body is element-wise independent run all their
    /// steps on one cache-sized chunk of elements at a time
    /// (`passes::temporal`). On by default; results are the same either way
    /// (float sum accumulators within the bound stated there).
    pub temporal_fusion: bool,
    /// Control steps run on generated native drivers (on by default) rather
    /// than the reference driver, which calls each sub-graph's code from
    /// Rust once per iteration.
    pub native_drivers: bool,
}

impl Default for CompileOptions {
    /// The built-in defaults: exact math, temporal fusion and native drivers.
    fn default() -> CompileOptions {
        CompileOptions {
            fast_math: false,
            temporal_fusion: true,
            native_drivers: true,
        }
    }
}

/// The process defaults, packed: bit 7 set once initialised, bits 0–2 the
/// three flags in field order.
static DEFAULTS: AtomicU8 = AtomicU8::new(0);

const INIT: u8 = 0x80;

thread_local! {
    /// The options of the innermost `scoped` call on this thread.
    static SCOPED: Cell<Option<CompileOptions>> = const { Cell::new(None) };
}

impl CompileOptions {
    /// The options a compilation uses when its caller gives none: those of
    /// the innermost [`scoped`](CompileOptions::scoped) call on this
    /// thread, else the process defaults.
    pub fn current() -> CompileOptions {
        SCOPED.with(Cell::get).unwrap_or_else(process_defaults)
    }

    /// Runs `f` with `self` as [`current`](CompileOptions::current) on this
    /// thread (restored afterwards, also when `f` panics).
    pub fn scoped<T>(self, f: impl FnOnce() -> T) -> T {
        struct Restore(Option<CompileOptions>);
        impl Drop for Restore {
            fn drop(&mut self) {
                SCOPED.with(|s| s.set(self.0));
            }
        }
        let _restore = Restore(SCOPED.with(|s| s.replace(Some(self))));
        f()
    }

    /// `fast_math=off temporal_fusion=on native_drivers=on`: how cache keys
    /// hash the options and cache entries record them.
    pub fn to_text(&self) -> String {
        let on = |b: bool| if b { "on" } else { "off" };
        format!(
            "fast_math={} temporal_fusion={} native_drivers={}",
            on(self.fast_math),
            on(self.temporal_fusion),
            on(self.native_drivers)
        )
    }

    fn pack(self) -> u8 {
        INIT | u8::from(self.fast_math)
            | u8::from(self.temporal_fusion) << 1
            | u8::from(self.native_drivers) << 2
    }

    fn unpack(bits: u8) -> CompileOptions {
        CompileOptions {
            fast_math: bits & 1 != 0,
            temporal_fusion: bits & 2 != 0,
            native_drivers: bits & 4 != 0,
        }
    }
}

/// The process defaults: the last [`set_process_defaults`], else the
/// built-in defaults adjusted by the environment (`HERON_TEMPORAL_FUSION`).
pub fn process_defaults() -> CompileOptions {
    let bits = DEFAULTS.load(Ordering::Relaxed);
    if bits & INIT != 0 {
        return CompileOptions::unpack(bits);
    }
    let from_env = from_environment();
    // Another thread may have set or initialised the defaults meanwhile:
    // theirs win.
    match DEFAULTS.compare_exchange(0, from_env.pack(), Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => from_env,
        Err(bits) => CompileOptions::unpack(bits),
    }
}

/// Replaces the process defaults (what compilations without options of their
/// own use from now on; code already compiled keeps its options).
pub fn set_process_defaults(options: CompileOptions) {
    DEFAULTS.store(options.pack(), Ordering::Relaxed);
}

/// Changes the process defaults with `f`, atomically.
pub fn update_process_defaults(f: impl Fn(&mut CompileOptions)) {
    let mut bits = DEFAULTS.load(Ordering::Relaxed);
    loop {
        let mut options = if bits & INIT != 0 {
            CompileOptions::unpack(bits)
        } else {
            from_environment()
        };
        f(&mut options);
        match DEFAULTS.compare_exchange_weak(
            bits,
            options.pack(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => return,
            Err(now) => bits = now,
        }
    }
}

/// The built-in defaults adjusted by the environment: the one place heron
/// reads a compile setting from it.
fn from_environment() -> CompileOptions {
    let off =
        |name: &str| std::env::var(name).is_ok_and(|v| matches!(v.trim(), "0" | "false" | "off"));
    CompileOptions {
        temporal_fusion: !off("HERON_TEMPORAL_FUSION"),
        ..CompileOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_every_setting() {
        for bits in 0..8u8 {
            let o = CompileOptions::unpack(bits);
            assert_eq!(CompileOptions::unpack(o.pack()), o);
            assert_eq!(o.pack() & !INIT, bits);
        }
    }

    #[test]
    fn scoped_options_apply_to_this_thread_only_and_are_restored() {
        let off = CompileOptions {
            temporal_fusion: false,
            ..CompileOptions::default()
        };
        let outer = CompileOptions::current();
        off.scoped(|| {
            assert_eq!(CompileOptions::current(), off);
            let other = std::thread::spawn(CompileOptions::current).join().unwrap();
            assert_eq!(other, process_defaults());
        });
        assert_eq!(CompileOptions::current(), outer);
        let caught = std::panic::catch_unwind(|| off.scoped(|| panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(CompileOptions::current(), outer);
    }

    #[test]
    fn the_text_names_every_setting() {
        assert_eq!(
            CompileOptions::default().to_text(),
            "fast_math=off temporal_fusion=on native_drivers=on"
        );
    }
}
