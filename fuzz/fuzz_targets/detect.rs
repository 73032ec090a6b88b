//! Paginator and record detection on arbitrary bodies and Link headers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restclient::Response;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // First line: a Link header; the rest: the body.
    let (link, body) = text.split_once('\n').unwrap_or(("", &text));
    let response = Response::from_parts(200, vec![("Link", link)], "https://h.example/items?page=1", body.as_bytes().to_vec())
        .or_else(|_| Response::from_parts(200, vec![], "https://h.example/items?page=1", body.as_bytes().to_vec()));
    let Ok(response) = response else { return };
    if let Ok(value) = response.json() {
        let _ = restclient::detect::records(value);
    }
    if let Some(found) = restclient::detect::paginator(&response) {
        let _ = restclient::spec::paginator(&found.paginator.describe());
    }
});
