//! Rate-limit headers from a server: the structured `RateLimit`/`RateLimit-Policy` fields,
//! the separate `RateLimit-*` and `X-RateLimit-*` ones (epoch or seconds) are parsed without a
//! panic and every reset stays within its clamp.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 8] = [
    "ratelimit",
    "ratelimit-policy",
    "ratelimit-remaining",
    "ratelimit-reset",
    "ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-limit",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // One value per line, each for the next header name in turn.
    let pairs: Vec<(&str, &str)> = text
        .lines()
        .zip(NAMES.iter().cycle())
        .map(|(value, name)| (*name, value))
        .collect();
    restclient::fuzzing::ratelimit_headers(&pairs);
});
