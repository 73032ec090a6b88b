//! Lays out the `restclient` binary for a small resident set (issue #24).
//!
//! The functions a start-up and a walk execute (`symbol-order.txt`, written by
//! `bench/symbol_order.py`) are placed side by side by the linker: a walk runs ~1.2 MB of the
//! ~10 MB of code, and the kernel maps the 64 KiB around every page of code it touches, so
//! scattered they kept ~6.5 MiB of the binary resident, together ~1.5 MiB. Only where the
//! linker is known to be lld (the default for x86_64 Linux GNU from Rust 1.90) and nobody chose
//! another one; elsewhere the binary is linked as before. `RESTCLIENT_SYMBOL_ORDER=0` turns it
//! off. A stale list only costs memory: lld skips names it does not find.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=symbol-order.txt");
    println!("cargo:rerun-if-env-changed=RESTCLIENT_SYMBOL_ORDER");
    let dir = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let order = Path::new(&dir).join("symbol-order.txt");
    if !order.is_file() || !linker_is_default_lld() {
        return;
    }
    println!(
        "cargo:rustc-link-arg-bin=restclient=-Wl,--symbol-ordering-file={}",
        order.display()
    );
    println!("cargo:rustc-link-arg-bin=restclient=-Wl,--no-warn-symbol-ordering");
}

/// Whether rustc links this build with its bundled lld: x86_64 Linux GNU, Rust >= 1.90, no
/// linker or linker flavour set by the user (a target linker reaches build scripts as
/// `RUSTC_LINKER`; flags as `CARGO_ENCODED_RUSTFLAGS`).
fn linker_is_default_lld() -> bool {
    let var = |k: &str| env::var(k).unwrap_or_default();
    if var("RESTCLIENT_SYMBOL_ORDER") == "0"
        || var("CARGO_CFG_TARGET_ARCH") != "x86_64"
        || var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || env::var_os("RUSTC_LINKER").is_some()
    {
        return false;
    }
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if ["linker", "link-self-contained", "fuse-ld", "link-arg"]
        .iter()
        .any(|f| flags.contains(f))
    {
        return false;
    }
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("-vV").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let minor = text
        .lines()
        .find_map(|l| l.strip_prefix("release: "))
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    matches!(minor, Some(m) if m >= 90)
}
