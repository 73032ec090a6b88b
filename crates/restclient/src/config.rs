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
//! | `max_response_bytes` | 268435456 | the most bytes a response body may have, after decompression |
//! | `max_concurrency` | 64 | the most requests one walk may have in flight |
//! | `requests_per_second` | 0 | the most requests that start per second to one origin, spaced evenly; 0 = unlimited |
//! | `rate_limit_max_wait` | 900 | seconds a rate limit may hold a request back; a longer wait fails ([`Error::is_rate_limited`](crate::Error::is_rate_limited)) |
//!
//! Sources, lowest first: the defaults, the config file, the environment, then the calls on
//! [`RestClientBuilder`](crate::RestClientBuilder) (`retry`, `timeout`), which win. The library
//! reads no file and no variable unless asked: a client built without
//! [`runtime_config`](crate::RestClientBuilder::runtime_config) uses the defaults.
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
//! (a [config error](crate::ErrorKind::Config)) naming the key and the file or variable. The other keys of dlt's
//! `[runtime]` section (`log_format`, `dlthub_telemetry`, `pipeline_name`, ...) are accepted and
//! ignored, so one file or environment can serve both dlt and restclient.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
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
const KEYS: [&str; 11] = [
    "request_timeout",
    "request_max_attempts",
    "request_backoff_factor",
    "request_max_retry_delay",
    "log_level",
    "http_show_error_body",
    "http_max_error_body_length",
    "max_response_bytes",
    "max_concurrency",
    "requests_per_second",
    "rate_limit_max_wait",
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

/// dlt's `[runtime]` settings that restclient uses: timeouts, retries, logging, error bodies
/// and limits.
///
/// Start from the defaults and change fields, or load it from the usual sources with
/// [`from_env`](Self::from_env) or [`loader`](Self::loader), then hand it to
/// [`RestClientBuilder::runtime_config`](crate::RestClientBuilder::runtime_config), which checks
/// it. New settings may be added, so the struct cannot be built with a literal.
///
/// ```
/// use std::time::Duration;
/// use restclient::{RestClient, config::RuntimeConfig};
///
/// let mut config = RuntimeConfig::default();
/// config.request_max_attempts = 3;
/// config.request_timeout = Duration::from_secs(10);
/// let client = RestClient::builder("https://api.example.com").runtime_config(config).build()?;
/// # Ok::<(), restclient::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RuntimeConfig {
    /// How long each request may take, body included (`request_timeout`, default 60 s).
    pub request_timeout: Duration,
    /// Attempts in total, the first included (`request_max_attempts`, default 5).
    pub request_max_attempts: u32,
    /// The exponential factor in seconds (`request_backoff_factor`, default 1).
    pub request_backoff_factor: f64,
    /// The cap on any single wait (`request_max_retry_delay`, default 300 s).
    pub request_max_retry_delay: Duration,
    /// The log level a program should show (`log_level`, default WARN; dlt's `WARNING` and
    /// `CRITICAL` are read as WARN and ERROR). The library only emits events; a binary installs
    /// the subscriber and filters with this level.
    pub log_level: tracing::Level,
    /// Whether HTTP status errors carry the response body (`http_show_error_body`, default
    /// false). The body is masked and cut to `http_max_error_body_length` characters.
    pub http_show_error_body: bool,
    /// How many characters of the body such an error keeps (`http_max_error_body_length`,
    /// default 8192).
    pub http_max_error_body_length: usize,
    /// The most bytes a response body may have after decompression (`max_response_bytes`,
    /// default 256 MiB): past it the request fails at once, unretried
    /// ([`Error::is_body_too_large`](crate::Error::is_body_too_large)).
    pub max_response_bytes: u64,
    /// The most requests one walk may have in flight (`max_concurrency`, default 64): a walk
    /// asking for more fails before its first request.
    pub max_concurrency: usize,
    /// The most requests that start per second to one origin (`requests_per_second`, default
    /// 0 = unlimited), shared by everything one client sends; a fraction is allowed.
    pub requests_per_second: f64,
    /// How long a rate limit may hold a request back (`rate_limit_max_wait`, default 900 s):
    /// a longer wait fails ([`Error::is_rate_limited`](crate::Error::is_rate_limited)).
    pub rate_limit_max_wait: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            request_timeout: Duration::from_secs(60),
            request_max_attempts: 5,
            request_backoff_factor: 1.0,
            request_max_retry_delay: Duration::from_secs(300),
            log_level: tracing::Level::WARN,
            http_show_error_body: false,
            http_max_error_body_length: 8192,
            max_response_bytes: 256 * 1024 * 1024,
            max_concurrency: 64,
            requests_per_second: 0.0,
            rate_limit_max_wait: Duration::from_secs(900),
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
    /// a [config error](crate::ErrorKind::Config) naming the file or variable and the key.
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
    /// a [config error](crate::ErrorKind::Config): a missing explicit file, bad TOML, an unknown key, a wrong type or a
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
    /// a [config error](crate::ErrorKind::Config) for bad TOML, an unknown key, a wrong type or an out-of-range value.
    pub fn merge_toml(&mut self, text: &str, origin: &str) -> Result<()> {
        let where_ = format!("file {origin}");
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            Error::config(&where_, None, format!("not valid TOML: {}", e.message()))
        })?;
        let Some(runtime) = doc.get("runtime") else {
            return Ok(());
        };
        let toml::Value::Table(runtime) = runtime else {
            return Err(Error::config(
                &where_,
                Some("runtime"),
                format!("expected a table, found {}", runtime.type_str()),
            ));
        };
        for (key, value) in runtime {
            let value = match value {
                toml::Value::Integer(i) => Raw::Int(*i),
                toml::Value::Float(f) => Raw::Float(*f),
                toml::Value::Boolean(b) => Raw::Bool(*b),
                toml::Value::String(s) => Raw::Str(s.clone()),
                other => Raw::Other(other.type_str()),
            };
            self.set(key, &value).map_err(|reason| {
                Error::config(&where_, Some(&format!("runtime.{key}")), reason)
            })?;
        }
        Ok(())
    }

    /// Applies the `RUNTIME__*` variables of `env` over this config; other variables are
    /// ignored.
    ///
    /// ```
    /// use restclient::config::RuntimeConfig;
    /// let mut config = RuntimeConfig::default();
    /// config.merge_env([("RUNTIME__LOG_LEVEL".to_string(), "info".to_string()),
    ///                   ("HOME".to_string(), "/root".to_string())])?;
    /// assert_eq!(config.log_level, tracing::Level::INFO);
    /// # Ok::<(), restclient::Error>(())
    /// ```
    ///
    /// # Errors
    /// a [config error](crate::ErrorKind::Config) naming the variable, for an unknown key or a bad value.
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
                .map_err(|reason| {
                    Error::config(
                        &format!("environment variable {name}"),
                        Some(&format!("runtime.{key}")),
                        reason,
                    )
                })?;
        }
        Ok(())
    }

    /// The retry policy these settings describe (no extra retry conditions).
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::default()
            .max_attempts(self.request_max_attempts)
            .backoff_factor(self.request_backoff_factor)
            .max_retry_delay(self.request_max_retry_delay)
    }

    /// Checks values that fields set by hand could get wrong; a client checks its config with
    /// this when it is built.
    ///
    /// # Errors
    /// A [config error](crate::ErrorKind::Config) naming the key.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, reason: &str| {
            Err(Error::config(
                "settings",
                Some(&format!("runtime.{key}")),
                reason,
            ))
        };
        if self.request_timeout.is_zero() {
            return bad("request_timeout", "must be greater than 0");
        }
        if self.request_max_attempts == 0 {
            return bad("request_max_attempts", "must be at least 1");
        }
        if !(self.request_backoff_factor.is_finite() && self.request_backoff_factor >= 0.0) {
            return bad("request_backoff_factor", "must be a finite number >= 0");
        }
        if self.max_response_bytes == 0 {
            return bad("max_response_bytes", "must be at least 1");
        }
        if self.max_concurrency == 0 {
            return bad("max_concurrency", "must be at least 1");
        }
        if !(self.requests_per_second.is_finite() && self.requests_per_second >= 0.0) {
            return bad("requests_per_second", "must be a finite number >= 0");
        }
        Ok(())
    }

    /// Parses a log level as dlt (Python) or Rust names it, case-insensitively: `TRACE`,
    /// `DEBUG`, `INFO`, `WARNING` or `WARN`, `ERROR`, `CRITICAL` (read as `ERROR`).
    ///
    /// ```
    /// use restclient::config::RuntimeConfig;
    /// assert_eq!(RuntimeConfig::parse_log_level("warning"), Some(tracing::Level::WARN));
    /// assert_eq!(RuntimeConfig::parse_log_level("CRITICAL"), Some(tracing::Level::ERROR));
    /// assert_eq!(RuntimeConfig::parse_log_level("loud"), None);
    /// ```
    #[must_use]
    pub fn parse_log_level(text: &str) -> Option<tracing::Level> {
        match text.trim().to_ascii_uppercase().as_str() {
            "TRACE" => Some(tracing::Level::TRACE),
            "DEBUG" => Some(tracing::Level::DEBUG),
            "INFO" => Some(tracing::Level::INFO),
            "WARNING" | "WARN" => Some(tracing::Level::WARN),
            "ERROR" | "CRITICAL" => Some(tracing::Level::ERROR),
            _ => None,
        }
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
                self.log_level = Self::parse_log_level(text).ok_or_else(|| {
                    format!("unknown log level {text:?} (expected one of TRACE, DEBUG, INFO, WARNING, WARN, ERROR, CRITICAL)")
                })?;
            }
            "http_show_error_body" => self.http_show_error_body = value.boolean()?,
            "http_max_error_body_length" => {
                let n = value.whole()?;
                self.http_max_error_body_length =
                    usize::try_from(n).map_err(|_| format!("{n} is too large"))?;
            }
            "max_response_bytes" => {
                let n = value.whole()?;
                if n == 0 {
                    return Err("must be at least 1".into());
                }
                self.max_response_bytes = n;
            }
            "max_concurrency" => {
                let n = value.whole()?;
                if n == 0 {
                    return Err("must be at least 1".into());
                }
                self.max_concurrency =
                    usize::try_from(n).map_err(|_| format!("{n} is too large"))?;
            }
            "requests_per_second" => self.requests_per_second = value.seconds()?,
            "rate_limit_max_wait" => {
                self.rate_limit_max_wait = to_duration(value.seconds()?)?;
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
    /// a [config error](crate::ErrorKind::Config) naming the file or variable (and the key, when one is at fault).
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
                return Err(Error::config(
                    &format!("file {}", path.display()),
                    None,
                    "cannot read it",
                )
                .with_source(e));
            }
        }
        config.merge_env(env)?;
        Ok(config)
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
        assert_eq!(c.log_level, tracing::Level::WARN);
        assert_eq!(c.max_response_bytes, 256 << 20);
        assert_eq!(c.max_concurrency, 64);
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
            ("RUNTIME__MAX_RESPONSE_BYTES", "1000"),
            ("RUNTIME__MAX_CONCURRENCY", "8"),
            ("RUNTIME__REQUESTS_PER_SECOND", "2.5"),
            ("RUNTIME__RATE_LIMIT_MAX_WAIT", "60"),
            ("RUNTIME__LOG_FORMAT", "{message}"),
            ("OTHER__REQUEST_TIMEOUT", "nonsense"),
        ]))
        .unwrap();
        let want = RuntimeConfig {
            request_timeout: Duration::from_millis(1500),
            request_max_attempts: 3,
            request_backoff_factor: 0.0,
            request_max_retry_delay: Duration::from_secs(7),
            log_level: tracing::Level::DEBUG,
            http_show_error_body: true,
            http_max_error_body_length: 12,
            max_response_bytes: 1000,
            max_concurrency: 8,
            requests_per_second: 2.5,
            rate_limit_max_wait: Duration::from_secs(60),
        };
        assert_eq!(c, want);
    }

    #[test]
    fn bad_values_name_key_and_origin() {
        let cases: [(&str, &str, &str); 10] = [
            (
                "requests_per_second = -1",
                "runtime.requests_per_second",
                "negative",
            ),
            (
                "rate_limit_max_wait = \"soon\"",
                "runtime.rate_limit_max_wait",
                "number of seconds",
            ),
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
    fn validate_names_the_key_set_by_hand() {
        let c = RuntimeConfig {
            max_concurrency: 0,
            ..RuntimeConfig::default()
        };
        let e = c.validate().unwrap_err();
        assert!(e.is_builder());
        assert!(e.to_string().contains("runtime.max_concurrency"), "{e}");
        let c = RuntimeConfig {
            request_backoff_factor: f64::NAN,
            ..RuntimeConfig::default()
        };
        assert!(c.validate().is_err());
        assert!(RuntimeConfig::default().validate().is_ok());
    }
}
