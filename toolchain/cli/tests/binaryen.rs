//! `--binaryen`: with the `binaryen` feature, Binaryen's wasm-opt runs after
//! our pipeline and the module still prints exactly what the VM prints;
//! without it, the flag is refused with a clear message.

use std::path::Path;
use std::process::Command;

fn ruchy(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ruchy-wasm")).args(args).output().expect("runs ruchy-wasm")
}

fn conformance(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance").join(format!("{name}.ruchy")).display().to_string()
}

#[cfg(feature = "binaryen")]
#[test]
fn binaryen_output_runs_like_the_vm_and_is_smaller() {
    let dir = std::env::temp_dir().join(format!("ruchy-binaryen-test-{}", std::process::id()));
    for name in ["11_functions_recursion", "13_array_methods", "15_dict_methods", "20_try_catch", "30_prog_sorting", "40_gc_binary_trees"] {
        let src = conformance(name);
        let vm = ruchy(&["run", &src]);
        for level in ["-O2", "-Os"] {
            let wasm = ruchy(&["run", "--wasm", level, "--binaryen", &src]);
            assert_eq!(String::from_utf8_lossy(&wasm.stdout), String::from_utf8_lossy(&vm.stdout), "{name} {level}: {}", String::from_utf8_lossy(&wasm.stderr));
            assert_eq!(wasm.status.code(), vm.status.code(), "{name} {level}");
        }
        let size = |extra: &[&str]| {
            let out = dir.join(extra.len().to_string());
            let mut args = vec!["build", "--target", "wasi", "-o", out.to_str().unwrap()];
            args.extend(extra);
            args.push(&src);
            assert!(ruchy(&args).status.success(), "{name}: build {extra:?}");
            std::fs::metadata(out.join(format!("{name}.wasm"))).unwrap().len()
        };
        let (ours, with) = (size(&[]), size(&["--binaryen"]));
        assert!(with < ours, "{name}: {ours} bytes without Binaryen, {with} with");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(not(feature = "binaryen"))]
#[test]
fn binaryen_is_refused_without_the_feature() {
    let out = ruchy(&["run", "--wasm", "--binaryen", &conformance("11_functions_recursion")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("built without Binaryen") && err.contains("--features binaryen"), "{err}");
    assert!(out.stdout.is_empty());
}
