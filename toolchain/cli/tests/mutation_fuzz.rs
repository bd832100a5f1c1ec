//! A short, deterministic fuzz run for CI: mutates every conformance
//! program with a fixed seed and pushes each mutant through lex → parse →
//! check → compile → bytecode verifier, and every `WASM_EVERY`-th one also
//! through the wasm tier: lowering → LIR verifier (after every pass) → codegen
//! → wasmparser validation. Nothing may panic, every bytecode module must
//! pass the verifier the interpreter's unchecked fast paths depend on, and
//! every emitted wasm module must validate.
//!
//! The long-running fuzzer is `fuzz/run.sh` (cargo-fuzz); this test keeps
//! what it protects from regressing on every CI run.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Mutants per seed program.
const MUTANTS_PER_SEED: usize = 100;

/// One mutant in this many also goes through the wasm tier (codegen loads
/// the runtime module each time, which costs milliseconds).
const WASM_EVERY: usize = 10;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Fragments that steer mutants towards interesting syntax.
const TOKENS: &[&str] = &[
    "{", "}", "(", ")", "[", "]", ",", ";", "\n", "let ", "mut ", "fun f(x) ", "if ", "else ", "while ", "for i in 0..3 ", "match ", "=> ", "|x| ",
    "return ", "break ", "continue ", "try ", "catch e ", "throw ", "?", ".", "..", "+", "-", "*", "/", "%", "==", "<", "=", "+=", "\"s\"", "f\"{x}\"",
    "1", "0", "-1", "2.5", "9223372036854775807", "nil", "true", "struct S { a: i64 } ", "S { a: 1 }", "enum E { A, B(i64) } ", "E::B(2)", "Some(1)",
    "None", "Ok(1)", "Err(2)", "x", "self", "impl S { fun m(&mut self) { self.a += 1 } } ", ".push(1)", ".len()", "[1, 2]", "{\"k\": 1}",
];

fn mutate(src: &str, rng: &mut Rng) -> String {
    let mut s: Vec<u8> = src.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(5) {
            0 => {
                // delete a range
                let end = (at + 1 + rng.below(16)).min(s.len());
                if at < end {
                    s.drain(at..end);
                }
            }
            1 => {
                // duplicate a range somewhere else
                let end = (at + 1 + rng.below(32)).min(s.len());
                let piece: Vec<u8> = s[at.min(end)..end].to_vec();
                let to = rng.below(s.len() + 1);
                s.splice(to..to, piece);
            }
            2 | 3 => {
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                s.splice(at..at, tok.iter().copied());
            }
            _ => {
                const BYTES: &[u8] = b"(){}[]<>=+-*/%.,;:\"'\n x1";
                if at < s.len() {
                    s[at] = BYTES[rng.below(BYTES.len())];
                }
            }
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

/// The whole static pipeline; returns an error text instead of panicking.
fn pipeline(src: &str, wasm: bool) -> Result<(), String> {
    let (_tokens, lex_diags) = ruchy_syntax::lexer::lex(src);
    let _ = ruchy_syntax::diag::render("fuzz.ruchy", src, &lex_diags);
    let (ast, diags) = ruchy_syntax::parse(src);
    if !diags.is_empty() {
        let _ = ruchy_syntax::diag::render("fuzz.ruchy", src, &diags);
        return Ok(());
    }
    match ruchy_hir::check(&ast) {
        Ok(hir) => {
            let module = ruchy_vm::compile(&hir);
            ruchy_vm::verify::check_module(&module)?;
            let _ = ruchy_vm::bytecode::disassemble(&module);
            if wasm {
                wasm_tier(&hir, src)?;
            }
        }
        Err(diags) => {
            let _ = ruchy_syntax::diag::render("fuzz.ruchy", src, &diags);
        }
    }
    Ok(())
}

/// Lowering (refusals are fine), then codegen and validation.
fn wasm_tier(hir: &ruchy_hir::Program, src: &str) -> Result<(), String> {
    let mut opts = ruchy_lir::Options::at(ruchy_lir::OptLevel::O2);
    opts.verify_each_pass = true;
    let lir = match ruchy_lir::compile_with(hir, src, "fuzz.ruchy", &opts) {
        Ok((lir, _)) => lir,
        Err(diags) => {
            let _ = ruchy_syntax::diag::render("fuzz.ruchy", src, &diags);
            return Ok(());
        }
    };
    let wasm = ruchy_codegen::emit_module(&lir)?;
    wasmparser::Validator::new().validate_all(&wasm).map(|_| ()).map_err(|e| format!("invalid wasm: {e}"))
}

fn seeds() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/conformance"))
        .expect("tests/conformance exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ruchy"))
        .collect();
    files.sort();
    files
}

#[test]
fn mutated_programs_never_panic_and_always_verify() {
    let seeds = seeds();
    assert!(seeds.len() >= 50, "expected the conformance corpus, found {} programs", seeds.len());
    // Panics are turned into failures below; keep their default output quiet.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut failures = vec![];
    let mut runs = 0usize;
    for seed in &seeds {
        let src = std::fs::read_to_string(seed).expect("readable");
        for _ in 0..MUTANTS_PER_SEED {
            let mutant = mutate(&src, &mut rng);
            runs += 1;
            let wasm = runs % WASM_EVERY == 0;
            match catch_unwind(AssertUnwindSafe(|| pipeline(&mutant, wasm))) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failures.push((mutant, e)),
                Err(p) => {
                    let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
                    failures.push((mutant, format!("panic: {msg}")));
                }
            }
        }
    }
    std::panic::set_hook(hook);
    if let Some((src, e)) = failures.first() {
        panic!("{} of {runs} mutants failed; first: {e}\n--- input ---\n{src}\n---", failures.len());
    }
}
