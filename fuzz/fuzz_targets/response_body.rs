//! Response bodies and the JSON next-link paginator on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restclient::Method;
use restclient::paginators::{JsonLinkPaginator, OffsetPaginator, Paginator};
use restclient::Request;
use restclient::Response;

fuzz_target!(|data: &[u8]| {
    let Ok(response) = Response::from_parts(200, vec![], "https://h.example/a/b", data.to_vec()) else { return };
    let _ = response.json();
    let mut req = Request::new(Method::GET, "https://h.example/a/b".parse().expect("static URL"));
    let mut link = JsonLinkPaginator::new();
    if link.update_state(&response, None).is_ok() {
        let _ = link.update_request(&mut req);
    }
    let mut offset = OffsetPaginator::new(10).stop_after_empty_page(false);
    if offset.init_request(&mut req).is_ok() {
        let _ = offset.update_state(&response, Some(&[serde_json::Value::Null]));
    }
});
