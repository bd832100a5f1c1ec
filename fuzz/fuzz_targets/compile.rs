//! Fuzz the whole front end and both back ends: lex → parse → check →
//! bytecode compile → bytecode verifier, and lowering → LIR verifier (after
//! every pass) → wasm codegen → wasmparser validation, rendering every
//! diagnostic along the way. Nothing here may panic, every bytecode module
//! must verify and every wasm module must validate.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Non-UTF-8 inputs are skipped: the CLI reads sources as UTF-8 and
    // rejects anything else before the toolchain sees it.
    let Ok(src) = std::str::from_utf8(data) else { return };

    let (_tokens, lex_diags) = ruchy_syntax::lexer::lex(src);
    let _ = ruchy_syntax::diag::render("fuzz.ruchy", src, &lex_diags);

    let (ast, diags) = ruchy_syntax::parse(src);
    if !diags.is_empty() {
        let _ = ruchy_syntax::diag::render("fuzz.ruchy", src, &diags);
        return;
    }

    match ruchy_hir::check(&ast) {
        Ok(hir) => {
            let module = ruchy_vm::compile(&hir);
            // The interpreter's unchecked register access relies on this.
            if let Err(e) = ruchy_vm::verify::check_module(&module) {
                panic!("{e}");
            }
            let mut opts = ruchy_lir::Options::at(ruchy_lir::OptLevel::O2);
            opts.verify_each_pass = true;
            match ruchy_lir::compile_with(&hir, src, "fuzz.ruchy", &opts) {
                Ok((lir, _)) => {
                    let wasm = ruchy_codegen::emit_module(&lir).unwrap_or_else(|e| panic!("codegen: {e}"));
                    if let Err(e) = wasmparser::Validator::new().validate_all(&wasm) {
                        panic!("invalid wasm: {e}");
                    }
                }
                Err(diags) => {
                    let _ = ruchy_syntax::diag::render("fuzz.ruchy", src, &diags);
                }
            }
        }
        Err(diags) => {
            let _ = ruchy_syntax::diag::render("fuzz.ruchy", src, &diags);
        }
    }
});
