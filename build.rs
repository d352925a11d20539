//! Records what the benchmark and demo headers report: the target and the compiler.
use std::process::Command;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    println!("cargo:rustc-env=SIMDPOOL_TARGET={target}");
    println!("cargo:rustc-env=SIMDPOOL_RUSTC={}", version.trim());
    println!("cargo:rerun-if-changed=build.rs");
}
