//! Properties of the emitted module: it validates, it is deterministic, and
//! tree-shaking leaves out runtime code the program cannot reach.

fn compile(src: &str) -> Vec<u8> {
    let (ast, diags) = ruchy_syntax::parse(src);
    assert!(diags.is_empty(), "{diags:?}");
    let hir = ruchy_hir::check(&ast).expect("checks");
    let lir = ruchy_lir::compile(&hir, src, "t.ruchy").expect("lowers");
    ruchy_codegen::emit_module(&lir).expect("emits")
}

/// Function names from the module's name section.
fn function_names(wasm: &[u8]) -> Vec<String> {
    let mut names = vec![];
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CustomSection(c)) = payload {
            if let wasmparser::KnownCustom::Name(reader) = c.as_known() {
                for n in reader.into_iter().flatten() {
                    if let wasmparser::Name::Function(map) = n {
                        names.extend(map.into_iter().flatten().map(|f| f.name.to_string()));
                    }
                }
            }
        }
    }
    names
}

const PROGRAM: &str = r#"
fun fib(n: i64) -> i64 { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
let mut total = 0
for i in 0..10 { total += fib(i) }
println(f"total {total}, half {total / 2}")
"#;

#[test]
fn modules_validate() {
    for src in [PROGRAM, "println(\"hello\")\n", "let x = 1.5\nprintln(x * 2.0, -x)\n"] {
        let wasm = compile(src);
        wasmparser::Validator::new().validate_all(&wasm).unwrap_or_else(|e| panic!("{src}: {e}"));
    }
}

#[test]
fn output_is_deterministic() {
    let first = compile(PROGRAM);
    for _ in 0..3 {
        assert!(compile(PROGRAM) == first, "same input and flags must give byte-identical modules");
    }
}

#[test]
fn unreachable_runtime_code_is_removed() {
    let hello = function_names(&compile("println(\"hello\")\n"));
    assert!(hello.iter().any(|n| n == "rt_print"), "{hello:?}");
    // Nothing formats a number or concatenates strings here.
    for gone in ["rt_fmt", "rt_fmt_spec", "rt_str_concat", "rt_box_float", "rt_dyn_arith"] {
        assert!(!hello.iter().any(|n| n == gone), "{gone} survived tree-shaking: {hello:?}");
    }
    let floats = function_names(&compile("println(f\"{1.5 * 3.0:.2}\")\n"));
    assert!(floats.iter().any(|n| n == "rt_fmt_spec"), "{floats:?}");
}

#[test]
fn user_functions_are_named_after_their_source() {
    let names = function_names(&compile(PROGRAM));
    assert!(names.iter().any(|n| n == "ruchy:fib"), "{names:?}");
    assert!(names.iter().any(|n| n == "_start"));
}
