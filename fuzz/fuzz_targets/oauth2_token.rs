//! An OAuth2 token endpoint's response body: the parser, the error detail and the lifetime
//! clamp must never panic (e.g. `expires_in` of 2^64-1, 1e308, negative, a string).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    restclient::fuzzing::oauth2_token_response(data);
});
