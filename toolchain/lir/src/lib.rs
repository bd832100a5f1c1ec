//! The wasm tier's middle end: the target IR ([`ir`]), lowering from the
//! typed HIR ([`lower`]), its printer and verifier, the optimiser
//! ([`passes`]), liveness, and GC root placement. Codegen (`ruchy-codegen`)
//! turns a verified [`ir::Module`] into wasm.

pub mod ir;
pub mod liveness;
pub mod lower;
pub mod passes;
pub mod print;
pub mod regalloc;
pub mod roots;
pub mod rt;
pub mod verify;

pub use ir::Module;
pub use passes::{OptLevel, OptReport, Options};

/// Lowers a checked program and prepares it for emission at -O2: optimised,
/// roots placed, verified.
pub fn compile(program: &ruchy_hir::Program, src: &str, file: &str) -> Result<Module, Vec<ruchy_syntax::Diagnostic>> {
    compile_with(program, src, file, &Options::default()).map(|(m, _)| m)
}

/// [`compile`] with explicit options; also returns what the optimiser did
/// (and the listings `opts.print_after` asked for, in
/// [`OptReport::printed`]).
pub fn compile_with(
    program: &ruchy_hir::Program,
    src: &str,
    file: &str,
    opts: &Options,
) -> Result<(Module, OptReport), Vec<ruchy_syntax::Diagnostic>> {
    let mut m = lower::lower(program, src, file, opts.simd)?;
    check(&m, "lowering");
    let mut lowered = String::new();
    passes::capture(&mut lowered, opts, "lower", None, &m);
    let mut report = passes::optimize(&mut m, opts);
    report.printed.insert_str(0, &lowered);
    // Roots come last, so that root stores follow the optimised code.
    roots::insert_roots(&mut m);
    check(&m, "roots");
    passes::capture(&mut report.printed, opts, "roots", None, &m);
    Ok((m, report))
}

/// Runs the verifier; a failure is a compiler bug.
pub fn check(m: &Module, after: &str) {
    if let Err(e) = verify::verify(m) {
        panic!("after {after}: {e}\n{}", print::print(m));
    }
}
