//! Builds `runtime-lib` for `wasm32-unknown-unknown` and leaves the module
//! in `OUT_DIR/runtime.wasm`, where `src/runtime.rs` embeds it.
//!
//! A nested cargo with its own target directory (so it never waits on the
//! outer build's lock) and an explicit release profile. opt-level 2, not
//! `s`: at `s` LLVM leaves the allocator's and the dict's small helpers
//! out of line, and the allocation-heavy benchmarks ran 10-20% slower
//! (`benches/wasm/run.sh`); tree-shaking keeps modules small either way
//! (hello world is 1.7 KB).
//! `RUCHY_RUNTIME_WASM=path` uses a prebuilt module instead.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let dest = out.join("runtime.wasm");
    println!("cargo:rerun-if-env-changed=RUCHY_RUNTIME_WASM");
    if let Ok(prebuilt) = std::env::var("RUCHY_RUNTIME_WASM") {
        std::fs::copy(&prebuilt, &dest).unwrap_or_else(|e| panic!("cannot copy RUCHY_RUNTIME_WASM={prebuilt}: {e}"));
        return;
    }
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let runtime = manifest.join("../../runtime-lib");
    rerun_if_changed(&runtime.join("src"));
    println!("cargo:rerun-if-changed={}", runtime.join("Cargo.toml").display());
    let target_dir = out.join("runtime-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--lib", "--target", "wasm32-unknown-unknown", "--manifest-path"])
        .arg(runtime.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        // The outer build's flags are for the host, not for wasm.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        // Keep the linker's symbol table and relocations in the module:
        // tree-shaking prunes the runtime's data and table with them
        // (`src/shake.rs`), then drops them.
        .env("CARGO_ENCODED_RUSTFLAGS", "-Clink-arg=--emit-relocs")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "2")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        // Drop the debug info the precompiled `core` carries; keep the name section.
        .env("CARGO_PROFILE_RELEASE_STRIP", "debuginfo")
        .status()
        .expect("cannot run cargo to build runtime-lib for wasm32-unknown-unknown");
    assert!(status.success(), "building runtime-lib for wasm32-unknown-unknown failed (is the target installed? `rustup target add wasm32-unknown-unknown`)");
    let built = target_dir.join("wasm32-unknown-unknown/release/ruchy_runtime.wasm");
    std::fs::copy(&built, &dest).unwrap_or_else(|e| panic!("cannot copy {}: {e}", built.display()));
}

fn rerun_if_changed(dir: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                rerun_if_changed(&p);
            } else {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
    }
}
