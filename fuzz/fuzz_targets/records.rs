//! The record scanner on arbitrary bodies and selectors: it agrees with a full parse on valid
//! JSON, fails on invalid JSON, and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (selector, body) = text.split_once('\n').unwrap_or(("data", &text));
    restclient::fuzzing::record_spans(body, selector);
});
