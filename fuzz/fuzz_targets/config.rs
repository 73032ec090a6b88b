//! Runtime configuration from arbitrary TOML text and environment values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restclient::config::RuntimeConfig;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut config = RuntimeConfig::default();
    let _ = config.merge_toml(&text, "fuzz.toml");
    let (key, value) = text.split_once('=').unwrap_or((&text, ""));
    let mut config = RuntimeConfig::default();
    let _ = config.merge_env([(format!("RUNTIME__{}", key.trim().to_uppercase()), value.to_owned())]);
});
