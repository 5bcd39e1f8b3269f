//! Turning a panic raised while tracing (a shape error in the user's
//! function, say) into an `Error`, without printing it: `try_call` reports
//! failures as values.

use heron_ir::{Error, Result};
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

/// Installs (once) a panic hook that stays silent on threads inside
/// `catching` and defers to the previous hook everywhere else.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, returning its panic (if any) as `Error::Trace` with the panic's message.
pub(crate) fn catching<T>(f: impl FnOnce() -> T) -> Result<T> {
    install_hook();
    QUIET.with(|q| q.set(q.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get() - 1));
    result.map_err(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the traced function panicked".into());
        Error::Trace(msg)
    })
}
