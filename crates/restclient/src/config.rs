//! [`RuntimeConfig`]: dlt's `[runtime]` settings from `config.toml` and `RUNTIME__*` variables.
//!
//! The keys, their meaning and their defaults are dlt's:
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `request_timeout` | 60 | seconds (a float is allowed) each request may take, body included |
//! | `request_max_attempts` | 5 | attempts in total, the first included |
//! | `request_backoff_factor` | 1 | the wait after failed attempt n is factor × 2^(n−1) seconds |
//! | `request_max_retry_delay` | 300 | cap in seconds on any single wait, `Retry-After` included |
//! | `log_level` | `WARNING` | `TRACE`, `DEBUG`, `INFO`, `WARNING`/`WARN`, `ERROR`, `CRITICAL` |
//! | `http_show_error_body` | false | add the response body to HTTP status errors |
//! | `http_max_error_body_length` | 8192 | characters of body kept in such an error |
//!
//! Sources, lowest first: the defaults, the config file, the environment, then the calls on
//! [`RestClientBuilder`](crate::RestClientBuilder) (`retry`, `timeout`), which win.
//!
//! The config file is the one given explicitly, else the one named by `RESTCLIENT_CONFIG`,
//! else `.restclient/config.toml` in the working directory. Only its `[runtime]` table is read;
//! other tables are ignored, since dlt config files hold many. A missing default file is fine;
//! a file named explicitly or by `RESTCLIENT_CONFIG` must exist (an empty `RESTCLIENT_CONFIG`
//! counts as unset).
//!
//! ```toml
//! [runtime]
//! request_max_attempts = 10  # Stop after 10 retry attempts instead of 5
//! request_backoff_factor = 1.5  # Multiplier applied to the exponential delays. Default is 1
//! request_timeout = 120  # Timeout in seconds
//! request_max_retry_delay = 30  # Cap exponential delay to 30 seconds
//! ```
//!
//! Environment variables are the section and key upper-cased and joined by a double underscore:
//! `RUNTIME__REQUEST_MAX_ATTEMPTS=3`, `RUNTIME__LOG_LEVEL=info`.
//!
//! An unknown key, a value of the wrong type and a negative number are errors
//! ([`Error::Config`]) naming the key and the file or variable. The other keys of dlt's
//! `[runtime]` section (`log_format`, `dlthub_telemetry`, `pipeline_name`, ...) are accepted and
//! ignored, so one file or environment can serve both dlt and restclient.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// The environment variable that names the config file.
pub const CONFIG_ENV: &str = "RESTCLIENT_CONFIG";

/// The config file looked up in the working directory when none is named.
pub const DEFAULT_CONFIG_PATH: &str = ".restclient/config.toml";

/// The prefix of the environment variables that set `[runtime]` keys.
pub const ENV_PREFIX: &str = "RUNTIME__";

/// The keys restclient reads, in the order they are documented.
const KEYS: [&str; 7] = [
    "request_timeout",
    "request_max_attempts",
    "request_backoff_factor",
    "request_max_retry_delay",
    "log_level",
    "http_show_error_body",
    "http_max_error_body_length",
];

/// Keys of dlt's `[runtime]` section that restclient has no use for; accepted and ignored.
const DLT_ONLY_KEYS: [&str; 9] = [
    "pipeline_name",
    "sentry_dsn",
    "slack_incoming_hook",
    "dlthub_telemetry",
    "dlthub_telemetry_endpoint",
    "dlthub_telemetry_segment_write_key",
    "log_format",
    "config_files_storage_path",
    "dlthub_dsn",
];

/// dlt's `[runtime]` settings that restclient uses: timeouts, retries, logging and error bodies.
///
/// Build one from the defaults and change fields, or load it from the usual sources with
/// [`from_env`](Self::from_env), [`load_from`](Self::load_from) or [`loader`](Self::loader), then
/// hand it to [`RestClientBuilder::config`](crate::RestClientBuilder::config). Without an
/// explicit config, [`RestClientBuilder::build`](crate::RestClientBuilder::build) uses
/// [`from_env`](Self::from_env).
///
/// ```
/// use std::time::Duration;
/// use restclient::{RestClient, config::RuntimeConfig};
///
/// let config = RuntimeConfig {
///     request_max_attempts: 3,
///     request_timeout: Duration::from_secs(10),
///     ..RuntimeConfig::default()
/// };
/// let client = RestClient::builder("https://api.example.com").config(config).build()?;
/// # Ok::<(), restclient::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeConfig {
    /// How long each request may take, body included (`request_timeout`, default 60 s).
    pub request_timeout: Duration,
    /// Attempts in total, the first included (`request_max_attempts`, default 5).
    pub request_max_attempts: u32,
    /// The exponential factor in seconds (`request_backoff_factor`, default 1).
    pub request_backoff_factor: f64,
    /// The cap on any single wait (`request_max_retry_delay`, default 300 s).
    pub request_max_retry_delay: Duration,
    /// The log level a program should show (`log_level`, default WARNING). The library only
    /// emits events; a binary installs the subscriber and filters with this level.
    pub log_level: LogLevel,
    /// Whether HTTP status errors carry the response body (`http_show_error_body`, default
    /// false).
    pub http_show_error_body: bool,
    /// How many characters of the body such an error keeps (`http_max_error_body_length`,
    /// default 8192).
    pub http_max_error_body_length: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            request_timeout: Duration::from_secs(60),
            request_max_attempts: 5,
            request_backoff_factor: 1.0,
            request_max_retry_delay: Duration::from_secs(300),
            log_level: LogLevel::Warn,
            http_show_error_body: false,
            http_max_error_body_length: 8192,
        }
    }
}

impl RuntimeConfig {
    /// Loads the config from the process: the file named by `RESTCLIENT_CONFIG`, else
    /// `.restclient/config.toml` in the working directory (if present), then the `RUNTIME__*`
    /// environment variables.
    ///
    /// ```no_run
    /// let config = restclient::config::RuntimeConfig::from_env()?;
    /// println!("{} attempts", config.request_max_attempts);
    /// # Ok::<(), restclient::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the file or variable and the key.
    pub fn from_env() -> Result<Self> {
        Self::loader().load()
    }

    /// Loads the config from an explicit file (else `RESTCLIENT_CONFIG` in `env`, else the
    /// default file in the working directory) and the `RUNTIME__*` variables in `env`.
    ///
    /// ```
    /// use restclient::config::RuntimeConfig;
    /// let env = [("RUNTIME__REQUEST_MAX_ATTEMPTS".to_string(), "3".to_string())];
    /// let config = RuntimeConfig::load_from(None, env)?;
    /// assert_eq!(config.request_max_attempts, 3);
    /// # Ok::<(), restclient::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`]: a missing explicit file, bad TOML, an unknown key, a wrong type or a
    /// negative value, naming the key and the file or variable.
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self> {
        let mut loader = Self::loader().env(env);
        if let Some(f) = file {
            loader = loader.file(f);
        }
        loader.load()
    }

    /// A [`ConfigLoader`] to choose the file, the environment and the working directory.
    pub fn loader() -> ConfigLoader {
        ConfigLoader::default()
    }

    /// Reads the `[runtime]` table of a TOML document over this config. `origin` names the
    /// document in errors (usually its path). Other tables are ignored.
    ///
    /// ```
    /// use restclient::config::RuntimeConfig;
    /// let mut config = RuntimeConfig::default();
    /// config.merge_toml("[runtime]\nrequest_timeout = 2.5\n[sources]\nx = 1", "inline")?;
    /// assert_eq!(config.request_timeout.as_millis(), 2500);
    /// # Ok::<(), restclient::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for bad TOML, an unknown key, a wrong type or an out-of-range value.
    pub fn merge_toml(&mut self, text: &str, origin: &str) -> Result<()> {
        let where_ = format!("file {origin}");
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| Error::Config {
            origin: where_.clone(),
            key: None,
            reason: format!("not valid TOML: {}", e.message()),
        })?;
        let Some(runtime) = doc.get("runtime") else {
            return Ok(());
        };
        let toml::Value::Table(runtime) = runtime else {
            return Err(Error::Config {
                origin: where_,
                key: Some("runtime".into()),
                reason: format!("expected a table, found {}", runtime.type_str()),
            });
        };
        for (key, value) in runtime {
            let value = match value {
                toml::Value::Integer(i) => Raw::Int(*i),
                toml::Value::Float(f) => Raw::Float(*f),
                toml::Value::Boolean(b) => Raw::Bool(*b),
                toml::Value::String(s) => Raw::Str(s.clone()),
                other => Raw::Other(other.type_str()),
            };
            self.set(key, &value).map_err(|reason| Error::Config {
                origin: where_.clone(),
                key: Some(format!("runtime.{key}")),
                reason,
            })?;
        }
        Ok(())
    }

    /// Applies the `RUNTIME__*` variables of `env` over this config; other variables are
    /// ignored.
    ///
    /// ```
    /// use restclient::config::{LogLevel, RuntimeConfig};
    /// let mut config = RuntimeConfig::default();
    /// config.merge_env([("RUNTIME__LOG_LEVEL".to_string(), "info".to_string()),
    ///                   ("HOME".to_string(), "/root".to_string())])?;
    /// assert_eq!(config.log_level, LogLevel::Info);
    /// # Ok::<(), restclient::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable, for an unknown key or a bad value.
    pub fn merge_env(&mut self, env: impl IntoIterator<Item = (String, String)>) -> Result<()> {
        // Sorted, so that the first error reported does not depend on the map's order.
        let mut vars: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX))
            .collect();
        vars.sort();
        for (name, value) in vars {
            let key = name[ENV_PREFIX.len()..].to_ascii_lowercase();
            self.set(&key, &Raw::Env(value.trim().to_owned()))
                .map_err(|reason| Error::Config {
                    origin: format!("environment variable {name}"),
                    key: Some(format!("runtime.{key}")),
                    reason,
                })?;
        }
        Ok(())
    }

    /// The retry policy these settings describe (no extra retry conditions).
    ///
    /// ```
    /// use restclient::{config::RuntimeConfig, retry::RetryPolicy};
    /// let policy = RetryPolicy::from(&RuntimeConfig { request_max_attempts: 2, ..Default::default() });
    /// assert_eq!(policy.max_attempts, 2);
    /// ```
    #[must_use]
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::from(self)
    }

    /// Sets one key from a raw value; the error is the reason only.
    fn set(&mut self, key: &str, value: &Raw) -> std::result::Result<(), String> {
        match key {
            "request_timeout" => {
                let secs = value.seconds()?;
                if secs == 0.0 {
                    return Err("must be greater than 0".into());
                }
                self.request_timeout = to_duration(secs)?;
            }
            "request_max_attempts" => {
                let n = value.whole()?;
                if n == 0 {
                    return Err("must be at least 1".into());
                }
                self.request_max_attempts =
                    u32::try_from(n).map_err(|_| format!("{n} is too large"))?;
            }
            "request_backoff_factor" => self.request_backoff_factor = value.seconds()?,
            "request_max_retry_delay" => {
                self.request_max_retry_delay = to_duration(value.seconds()?)?;
            }
            "log_level" => {
                let text = value.text()?;
                self.log_level = text
                    .parse()
                    .map_err(|e: ParseLogLevelError| e.to_string())?;
            }
            "http_show_error_body" => self.http_show_error_body = value.boolean()?,
            "http_max_error_body_length" => {
                let n = value.whole()?;
                self.http_max_error_body_length =
                    usize::try_from(n).map_err(|_| format!("{n} is too large"))?;
            }
            k if DLT_ONLY_KEYS.contains(&k) => {
                tracing::debug!(key = k, "ignoring dlt runtime setting `{k}`");
            }
            _ => {
                return Err(format!("unknown key (known keys: {})", KEYS.join(", ")));
            }
        }
        Ok(())
    }
}

impl From<&RuntimeConfig> for RetryPolicy {
    fn from(c: &RuntimeConfig) -> Self {
        RetryPolicy {
            max_attempts: c.request_max_attempts,
            backoff_factor: c.request_backoff_factor,
            max_retry_delay: c.request_max_retry_delay,
            ..RetryPolicy::default()
        }
    }
}

fn to_duration(secs: f64) -> std::result::Result<Duration, String> {
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{secs} seconds is out of range"))
}

/// A value as it came from TOML or the environment, before it is checked against its key.
enum Raw {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// An array, table or datetime: never valid here.
    Other(&'static str),
    /// Text from an environment variable, to be parsed as the key's type.
    Env(String),
}

impl Raw {
    fn found(&self) -> String {
        match self {
            Raw::Int(i) => format!("the integer {i}"),
            Raw::Float(f) => format!("the float {f}"),
            Raw::Bool(b) => format!("the boolean {b}"),
            Raw::Str(s) => format!("the string {s:?}"),
            Raw::Other(t) => format!("a {t}"),
            Raw::Env(s) => format!("{s:?}"),
        }
    }

    /// A non-negative number of seconds (integer or float).
    fn seconds(&self) -> std::result::Result<f64, String> {
        let v = match self {
            Raw::Int(i) => *i as f64,
            Raw::Float(f) => *f,
            Raw::Env(s) => s
                .parse::<f64>()
                .map_err(|_| format!("expected a number of seconds, found {}", self.found()))?,
            _ => {
                return Err(format!(
                    "expected a number of seconds, found {}",
                    self.found()
                ));
            }
        };
        if !v.is_finite() {
            return Err(format!("expected a finite number, found {}", self.found()));
        }
        if v < 0.0 {
            return Err(format!("must not be negative, found {}", self.found()));
        }
        Ok(v)
    }

    /// A non-negative whole number.
    fn whole(&self) -> std::result::Result<u64, String> {
        let v = match self {
            Raw::Int(i) => *i,
            Raw::Env(s) => s
                .parse::<i64>()
                .map_err(|_| format!("expected a whole number, found {}", self.found()))?,
            _ => return Err(format!("expected a whole number, found {}", self.found())),
        };
        u64::try_from(v).map_err(|_| format!("must not be negative, found {}", self.found()))
    }

    fn boolean(&self) -> std::result::Result<bool, String> {
        match self {
            Raw::Bool(b) => Ok(*b),
            Raw::Env(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(format!("expected true or false, found {}", self.found())),
            },
            _ => Err(format!("expected true or false, found {}", self.found())),
        }
    }

    fn text(&self) -> std::result::Result<&str, String> {
        match self {
            Raw::Str(s) | Raw::Env(s) => Ok(s),
            _ => Err(format!("expected a string, found {}", self.found())),
        }
    }
}

/// Where [`RuntimeConfig`] is loaded from: a builder over the file, the environment and the
/// working directory, each defaulting to the process's.
///
/// ```
/// use restclient::config::RuntimeConfig;
/// let dir = std::env::temp_dir();
/// let config = RuntimeConfig::loader()
///     .env([("RUNTIME__REQUEST_TIMEOUT".to_string(), "0.5".to_string())])
///     .working_dir(&dir) // where `.restclient/config.toml` is looked for
///     .load()?;
/// assert_eq!(config.request_timeout.as_millis(), 500);
/// # Ok::<(), restclient::Error>(())
/// ```
#[derive(Debug, Default, Clone)]
#[must_use]
pub struct ConfigLoader {
    file: Option<PathBuf>,
    env: Option<HashMap<String, String>>,
    working_dir: Option<PathBuf>,
}

impl ConfigLoader {
    /// Reads this file (it must exist), instead of `RESTCLIENT_CONFIG` or the default file.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some(path.into());
        self
    }

    /// Uses these variables instead of the process environment, both for `RESTCLIENT_CONFIG`
    /// and for the `RUNTIME__*` keys.
    pub fn env(mut self, env: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env = Some(env.into_iter().collect());
        self
    }

    /// Looks for `.restclient/config.toml` in this directory instead of the current one.
    pub fn working_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Loads: defaults, then the file, then the environment.
    ///
    /// # Errors
    /// [`Error::Config`] naming the file or variable (and the key, when one is at fault).
    pub fn load(self) -> Result<RuntimeConfig> {
        let env: HashMap<String, String> = match self.env {
            Some(e) => e,
            // Variables that are not valid Unicode cannot be ours; skip them.
            None => std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        };
        let (path, required) = match (self.file, env.get(CONFIG_ENV)) {
            (Some(f), _) => (f, true),
            (None, Some(f)) if !f.is_empty() => (PathBuf::from(f), true),
            _ => {
                let dir = match self.working_dir {
                    Some(d) => d,
                    None => std::env::current_dir().unwrap_or_default(),
                };
                (dir.join(DEFAULT_CONFIG_PATH), false)
            }
        };
        let mut config = RuntimeConfig::default();
        match std::fs::read_to_string(&path) {
            Ok(text) => config.merge_toml(&text, &path.display().to_string())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {}
            Err(e) => {
                return Err(Error::Config {
                    origin: format!("file {}", path.display()),
                    key: None,
                    reason: format!("cannot read it: {e}"),
                });
            }
        }
        config.merge_env(env)?;
        Ok(config)
    }
}

/// A log level, written as dlt (Python) or Rust names it, case-insensitively: `TRACE`, `DEBUG`,
/// `INFO`, `WARNING` or `WARN`, `ERROR`, `CRITICAL` (the same as `ERROR`).
///
/// ```
/// use restclient::config::LogLevel;
/// assert_eq!("warning".parse::<LogLevel>().unwrap(), LogLevel::Warn);
/// assert_eq!("CRITICAL".parse::<LogLevel>().unwrap(), LogLevel::Error);
/// assert_eq!(LogLevel::Info.to_string(), "info"); // a tracing filter directive
/// assert_eq!(tracing::Level::from(LogLevel::Debug), tracing::Level::DEBUG);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Everything, including per-attempt details.
    Trace,
    /// Request and response details (headers redacted).
    Debug,
    /// One line per request, retries and why a walk stopped.
    Info,
    /// Things that are probably wrong (the default).
    Warn,
    /// Errors only (`ERROR`, `CRITICAL`).
    Error,
}

impl LogLevel {
    /// The lower-case name, usable as a `tracing` filter directive.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<LogLevel> for tracing::Level {
    fn from(l: LogLevel) -> Self {
        match l {
            LogLevel::Trace => tracing::Level::TRACE,
            LogLevel::Debug => tracing::Level::DEBUG,
            LogLevel::Info => tracing::Level::INFO,
            LogLevel::Warn => tracing::Level::WARN,
            LogLevel::Error => tracing::Level::ERROR,
        }
    }
}

/// The error of parsing a [`LogLevel`]: the text is not a known level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLogLevelError(String);

impl fmt::Display for ParseLogLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown log level {:?} (expected one of TRACE, DEBUG, INFO, WARNING, WARN, ERROR, CRITICAL)",
            self.0
        )
    }
}

impl std::error::Error for ParseLogLevelError {}

impl FromStr for LogLevel {
    type Err = ParseLogLevelError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "TRACE" => Ok(LogLevel::Trace),
            "DEBUG" => Ok(LogLevel::Debug),
            "INFO" => Ok(LogLevel::Info),
            "WARNING" | "WARN" => Ok(LogLevel::Warn),
            "ERROR" | "CRITICAL" => Ok(LogLevel::Error),
            _ => Err(ParseLogLevelError(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_dlts() {
        let c = RuntimeConfig::default();
        assert_eq!(c.request_timeout, Duration::from_secs(60));
        assert_eq!(c.request_max_attempts, 5);
        assert_eq!(c.request_backoff_factor, 1.0);
        assert_eq!(c.request_max_retry_delay, Duration::from_secs(300));
        assert_eq!(c.log_level, LogLevel::Warn);
        assert!(!c.http_show_error_body);
        assert_eq!(c.http_max_error_body_length, 8192);
    }

    #[test]
    fn seed_config_file_reads_as_written() {
        let mut c = RuntimeConfig::default();
        c.merge_toml(
            "[runtime]\n\
             request_max_attempts = 10  # Stop after 10 retry attempts instead of 5\n\
             request_backoff_factor = 1.5  # Multiplier applied to the exponential delays. Default is 1\n\
             request_timeout = 120  # Timeout in seconds\n\
             request_max_retry_delay = 30  # Cap exponential delay to 30 seconds\n",
            "config.toml",
        )
        .unwrap();
        assert_eq!(c.request_max_attempts, 10);
        assert_eq!(c.request_backoff_factor, 1.5);
        assert_eq!(c.request_timeout, Duration::from_secs(120));
        assert_eq!(c.request_max_retry_delay, Duration::from_secs(30));
    }

    #[test]
    fn every_key_from_env() {
        let mut c = RuntimeConfig::default();
        c.merge_env(env(&[
            ("RUNTIME__REQUEST_TIMEOUT", "1.5"),
            ("RUNTIME__REQUEST_MAX_ATTEMPTS", "3"),
            ("RUNTIME__REQUEST_BACKOFF_FACTOR", "0"),
            ("RUNTIME__REQUEST_MAX_RETRY_DELAY", "7"),
            ("RUNTIME__LOG_LEVEL", "Debug"),
            ("RUNTIME__HTTP_SHOW_ERROR_BODY", "True"),
            ("RUNTIME__HTTP_MAX_ERROR_BODY_LENGTH", "12"),
            ("RUNTIME__LOG_FORMAT", "{message}"),
            ("OTHER__REQUEST_TIMEOUT", "nonsense"),
        ]))
        .unwrap();
        assert_eq!(
            c,
            RuntimeConfig {
                request_timeout: Duration::from_millis(1500),
                request_max_attempts: 3,
                request_backoff_factor: 0.0,
                request_max_retry_delay: Duration::from_secs(7),
                log_level: LogLevel::Debug,
                http_show_error_body: true,
                http_max_error_body_length: 12,
            }
        );
    }

    #[test]
    fn bad_values_name_key_and_origin() {
        let cases: [(&str, &str, &str); 8] = [
            (
                "request_max_attempts = \"3\"",
                "runtime.request_max_attempts",
                "whole number",
            ),
            (
                "request_max_attempts = 2.5",
                "runtime.request_max_attempts",
                "whole number",
            ),
            (
                "request_max_attempts = 0",
                "runtime.request_max_attempts",
                "at least 1",
            ),
            (
                "request_timeout = -1",
                "runtime.request_timeout",
                "negative",
            ),
            (
                "request_backoff_factor = -0.5",
                "runtime.request_backoff_factor",
                "negative",
            ),
            (
                "http_show_error_body = 1",
                "runtime.http_show_error_body",
                "true or false",
            ),
            (
                "log_level = \"LOUD\"",
                "runtime.log_level",
                "unknown log level",
            ),
            (
                "request_max_atempts = 3",
                "runtime.request_max_atempts",
                "unknown key",
            ),
        ];
        for (line, key, reason) in cases {
            let mut c = RuntimeConfig::default();
            let e = c
                .merge_toml(&format!("[runtime]\n{line}\n"), "/etc/x.toml")
                .unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains(key) && text.contains("/etc/x.toml") && text.contains(reason),
                "{line}: {text}"
            );
        }
        let e = RuntimeConfig::default()
            .merge_env(env(&[("RUNTIME__REQUEST_MAX_ATTEMPTS", "-2")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("RUNTIME__REQUEST_MAX_ATTEMPTS") && e.contains("negative"),
            "{e}"
        );
    }

    #[test]
    fn bad_toml_and_bad_runtime_table() {
        let e = RuntimeConfig::default()
            .merge_toml("[runtime\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml") && e.contains("TOML"), "{e}");
        let e = RuntimeConfig::default()
            .merge_toml("runtime = 3\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`runtime`") && e.contains("table"), "{e}");
    }

    #[test]
    fn log_level_names() {
        for (s, l) in [
            ("trace", LogLevel::Trace),
            ("DEBUG", LogLevel::Debug),
            ("Info", LogLevel::Info),
            ("WARNING", LogLevel::Warn),
            ("warn", LogLevel::Warn),
            ("error", LogLevel::Error),
            ("critical", LogLevel::Error),
        ] {
            assert_eq!(s.parse::<LogLevel>().unwrap(), l, "{s}");
        }
        assert!("verbose".parse::<LogLevel>().is_err());
    }
}
