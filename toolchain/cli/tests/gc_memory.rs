//! The wasm tier's collector, observed from outside: allocation-heavy
//! programs run in bounded linear memory (the collector reclaims; memory
//! never shrinks, so its size at the end is its peak), and the GC log the
//! module exports (`ruchy_gc_log`, runtime-lib/ABI.md "GC log") records
//! every collection consistently.

use ruchy_wasm_host::{Precompiled, RunStats};

/// Front end → LIR at -O2 → module, as `ruchy-wasm build` does.
fn compile(src: &str) -> Vec<u8> {
    let (ast, diags) = ruchy_syntax::parse(src);
    assert!(diags.is_empty(), "parse errors: {}", ruchy_syntax::diag::render("gc.ruchy", src, &diags));
    let hir = ruchy_hir::check(&ast).unwrap_or_else(|d| panic!("{}", ruchy_syntax::diag::render("gc.ruchy", src, &d)));
    let opts = ruchy_lir::Options::at(ruchy_lir::OptLevel::O2);
    let (lir, _) = ruchy_lir::compile_with(&hir, src, "gc.ruchy", &opts).unwrap_or_else(|d| panic!("{}", ruchy_syntax::diag::render("gc.ruchy", src, &d)));
    ruchy_codegen::emit_module(&lir).expect("codegen")
}

fn run(src: &str) -> (String, RunStats) {
    let (module, _) = Precompiled::new(&compile(src)).expect("compiles in wasmtime");
    let (out, _, stats) = module.run_with_stats(true).expect("runs");
    assert_eq!(out.code, 0, "stderr: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), stats)
}

/// 300 binary trees of depth 12 (8191 nodes each, about 0.5 MB live at a
/// time) allocate well over 100 MB in total.
const TREES: &str = r#"
fun make(d) { if d == 0 { [nil, nil] } else { [make(d - 1), make(d - 1)] } }
fun count(t) { if t[0] == nil { 1 } else { 1 + count(t[0]) + count(t[1]) } }
let mut total = 0
let mut i = 0
while i < 300 {
  total += count(make(12))
  i += 1
}
println(total)
"#;

#[test]
fn allocation_heavy_programs_run_in_bounded_memory() {
    let (out, stats) = run(TREES);
    assert_eq!(out, format!("{}\n", 300 * 8191));
    let gc = stats.gc.expect("the module exports its GC log");
    assert!(gc.collections >= 20, "only {} collections for >100 MB of allocation", gc.collections);
    // The collector keeps the heap within about twice the live data plus
    // the 1 MiB allocation threshold; 16 MiB leaves room for the data
    // segments, the shadow stack and fragmentation.
    assert!(stats.memory_bytes <= 16 << 20, "peak linear memory {} bytes", stats.memory_bytes);
}

#[test]
fn the_gc_log_records_each_collection() {
    let (_, stats) = run(TREES);
    let gc = stats.gc.expect("GC log");
    assert_eq!(gc.events.len(), (gc.collections as usize).min(512));
    assert!(gc.events.windows(2).all(|w| w[0].start + w[0].pause <= w[1].start), "collections overlap or are out of order");
    assert_eq!(gc.max_pause, gc.events.iter().map(|e| e.pause).max().unwrap(), "all collections are logged here");
    assert!(gc.max_pause > std::time::Duration::ZERO, "pauses are timed");
    assert!(gc.total_pause >= gc.max_pause);
    for e in &gc.events {
        assert!(e.live_bytes <= e.memory_bytes, "live {} > memory {}", e.live_bytes, e.memory_bytes);
        assert!(e.memory_bytes <= stats.memory_bytes);
    }
}

#[test]
fn a_program_that_allocates_little_never_collects() {
    let (out, stats) = run("println(1 + 2)\n");
    assert_eq!(out, "3\n");
    assert_eq!(stats.gc.expect("GC log").collections, 0);
}
