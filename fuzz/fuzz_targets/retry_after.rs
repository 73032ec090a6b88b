//! `Retry-After` values from a server: parsed (seconds or an HTTP date) and turned into a wait
//! that never panics and never exceeds the cap, after any attempt number.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&attempt, rest)) = data.split_first() else {
        return;
    };
    let value = String::from_utf8_lossy(rest);
    restclient::fuzzing::retry_after(&value, u32::from(attempt));
});
