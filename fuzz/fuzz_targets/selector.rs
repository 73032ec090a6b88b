//! Selector parsing and evaluation on arbitrary paths and documents.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restclient::selector::Selector;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // First line: the path; the rest: a JSON document (when it parses).
    let (path, body) = text.split_once('\n').unwrap_or((&text, "{}"));
    if let Ok(selector) = Selector::new(path) {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
            let _ = selector.records(&value);
            let _ = selector.first(&value);
        }
    }
});
