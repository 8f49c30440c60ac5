//! Turning Unix signals into orderly stops.
//!
//! A signal handler interrupts whatever the process was doing, so it may do
//! almost nothing safely: no locks, no allocation, no logging. `signal-hook`
//! installs handlers that only write to a pipe; a dedicated thread reads that
//! pipe and does the real work (asking the event loop to stop) in ordinary code.
//!
//! | signal | meaning (as in gunicorn) |
//! |---|---|
//! | `TERM`, `INT` | graceful stop: no new connections, in-flight requests finish |
//! | `QUIT` | stop now |
//!
//! The embedded Python installs no handlers of its own (it is started with
//! `install_signal_handlers = 0`, or by pyo3's `Py_InitializeEx(0)`), so
//! these are the only ones.

use signal_hook::consts::{SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::http::StopHandle;

// ANCHOR: stop_on_signals
/// Starts the thread that waits for stop signals. A second TERM or INT while
/// already stopping means "now" (a user pressing Ctrl-C twice).
pub fn stop_on_signals(stop: StopHandle) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGQUIT])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        let mut stopping = false;
        for signal in signals.forever() {
            match signal {
                SIGQUIT => {
                    log::info!("received QUIT: stopping now");
                    stop.stop_now();
                }
                _ if stopping => {
                    log::info!("received a second stop signal: stopping now");
                    stop.stop_now();
                }
                _ => {
                    let name = if signal == SIGINT { "INT" } else { "TERM" };
                    log::info!("received {name}: stopping gracefully");
                    stopping = true;
                    stop.stop();
                }
            }
        }
    })?;
    Ok(())
}
// ANCHOR_END: stop_on_signals
