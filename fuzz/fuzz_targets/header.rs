//! Header names and values from outside (`-H`, config files, a server's response): parsing
//! as a client default, a request header and a response header never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restclient::Response;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (name, value) = text.split_once('\n').unwrap_or((&text, ""));
    restclient::fuzzing::header(name, value);
    let _ = Response::from_parts(200, vec![(name, value)], "https://h.example/", b"{}".to_vec());
});
