//! `--binaryen`: Binaryen's `wasm-opt` run over a finished module, after
//! our own pipeline (the `binaryen` cargo feature; it builds Binaryen's
//! C++). Optional by design: our passes must stand on their own, and the
//! benchmark report shows what this adds.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// How hard `wasm-opt` works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `-O2`.
    Speed,
    /// `-O3`.
    MoreSpeed,
    /// `-Os`.
    Size,
}

/// `wasm` optimised by `wasm-opt`, for engines with the features our
/// modules use (and no others, so the result runs wherever the input ran).
/// The name section goes (`wasm-opt` drops it unless asked to keep it).
pub fn optimize(wasm: &[u8], level: Level) -> Result<Vec<u8>, String> {
    use wasm_opt::{Feature, OptimizationOptions};
    let mut opts = match level {
        Level::Speed => OptimizationOptions::new_opt_level_2(),
        Level::MoreSpeed => OptimizationOptions::new_opt_level_3(),
        Level::Size => OptimizationOptions::new_optimize_for_size(),
    };
    opts.mvp_features_only();
    for f in [Feature::MutableGlobals, Feature::TruncSat, Feature::SignExt, Feature::BulkMemory, Feature::Simd, Feature::ReferenceTypes, Feature::Multivalue] {
        opts.enable_feature(f);
    }
    // The crate works on files.
    let dir = scratch_dir()?;
    let (input, output) = (dir.join("in.wasm"), dir.join("out.wasm"));
    let result = std::fs::write(&input, wasm)
        .map_err(|e| format!("cannot write {}: {e}", input.display()))
        .and_then(|()| opts.run(&input, &output).map_err(|e| format!("wasm-opt failed: {e}")))
        .and_then(|()| std::fs::read(&output).map_err(|e| format!("cannot read {}: {e}", output.display())));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn scratch_dir() -> Result<PathBuf, String> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ruchy-wasm-binaryen-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-written module with a dead function and a foldable constant:
    /// `wasm-opt` must return a valid, smaller module.
    #[test]
    fn optimizes_a_module() {
        // (module (func (export "f") (result i32) i32.const 1 i32.const 2 i32.add) (func $dead))
        let wasm: &[u8] = &[
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
            0x01, 0x08, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x00, // types: () -> i32, () -> ()
            0x03, 0x03, 0x02, 0x00, 0x01, // functions
            0x07, 0x05, 0x01, 0x01, b'f', 0x00, 0x00, // export "f"
            0x0a, 0x0c, 0x02, // code, 2 bodies
            0x07, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6a, 0x0b, // f
            0x02, 0x00, 0x0b, // dead
        ];
        wasmparser::Validator::new().validate_all(wasm).expect("the test module is valid");
        let out = optimize(wasm, Level::Size).expect("wasm-opt runs");
        wasmparser::Validator::new().validate_all(&out).expect("its output is valid");
        assert!(out.len() < wasm.len(), "{} bytes in, {} out", wasm.len(), out.len());
    }
}
