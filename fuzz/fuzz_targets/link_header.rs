//! The Link header paginator on arbitrary header values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restclient::paginators::{HeaderLinkPaginator, Paginator};
use restclient::Response;

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    if let Ok(response) = Response::from_parts(200, vec![("Link", &header)], "https://h.example/p?x=1", b"[]".to_vec()) {
        let mut p = HeaderLinkPaginator::new();
        let _ = p.update_state(&response, Some(&[]));
    }
});
