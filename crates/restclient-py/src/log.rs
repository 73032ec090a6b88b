//! restclient's log lines into Python's `logging`: the engine's tracing events at or above
//! `RUNTIME__LOG_LEVEL` (dlt's setting; default `WARNING`), read when the package is imported,
//! go to the `restclient` logger (those of the HTTP stack underneath, at DEBUG, to
//! `restclient.http`), so that `RUNTIME__LOG_LEVEL=INFO python script.py` shows the retries,
//! waits and why each walk stopped, as it shows dlt's.

use std::fmt::Write as _;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The `restclient` logger, and `restclient.http` for the HTTP stack's events.
static LOGGERS: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

/// Forwards each event's message to the `restclient` logger.
struct ToPython;

/// The `message` of an event (the other fields are in it already).
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        }
    }
}

/// Python's number for a level.
fn python_level(level: Level) -> u32 {
    match level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

impl<S: Subscriber> Layer<S> for ToPython {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut message = Message::default();
        event.record(&mut message);
        let level = python_level(*event.metadata().level());
        let ours = event.metadata().target().starts_with("restclient");
        // From any thread; nothing while the interpreter shuts down. A failing handler is
        // Python's to report (logging prints it), not a reason to stop a walk.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            let (restclient, http) = LOGGERS.get_or_try_init(py, || -> PyResult<_> {
                let logging = py.import("logging")?;
                Ok((
                    logging.call_method1("getLogger", ("restclient",))?.unbind(),
                    logging
                        .call_method1("getLogger", ("restclient.http",))?
                        .unbind(),
                ))
            })?;
            let logger = if ours { restclient } else { http };
            logger.bind(py).call_method1("log", (level, message.0))?;
            Ok(())
        });
    }
}

/// Installs the bridge, unless the process already has a tracing subscriber.
pub(crate) fn install() {
    let level = std::env::var("RUNTIME__LOG_LEVEL")
        .ok()
        .and_then(|v| restclient::config::RuntimeConfig::parse_log_level(&v))
        .unwrap_or(Level::WARN);
    let subscriber =
        tracing_subscriber::registry().with(ToPython.with_filter(LevelFilter::from_level(level)));
    let _ = tracing::subscriber::set_global_default(subscriber);
}
