//! URL joining and request URL building on arbitrary bases and paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restclient::fuzzing::join_url;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (base, path) = text.split_once('\n').unwrap_or((&text, ""));
    let joined = join_url(base, path);
    let _ = restclient::Url::parse(&joined);
    if let Ok(client) = restclient::RestClient::builder(base).build() {
        let _ = client.request(restclient::Method::GET, path);
    }
});
