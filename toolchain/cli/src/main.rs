//! `ruchy-wasm`: the command-line driver.

use clap::{Parser, Subcommand, ValueEnum};
use ruchy_syntax::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod build;

#[derive(Parser)]
#[command(name = "ruchy-wasm", version, about = "Ruchy toolchain: check, run and compile Ruchy programs to WebAssembly")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program on the bytecode VM (the development tier), or compiled
    /// to wasm in an embedded wasmtime with `--wasm`.
    Run {
        file: PathBuf,
        /// Print an intermediate stage instead of running.
        #[arg(long, value_enum)]
        emit: Option<Emit>,
        /// Print garbage-collector statistics to stderr after the run.
        #[arg(long)]
        gc_stats: bool,
        /// Compile to wasm and run that instead of the VM.
        #[arg(long)]
        wasm: bool,
        #[command(flatten)]
        opt: OptFlags,
    },
    /// Compile a program ahead of time to a WASI command module.
    Build {
        file: PathBuf,
        /// Output directory (default: the current directory).
        #[arg(short, long)]
        out_dir: Option<PathBuf>,
        /// Which loaders to write besides the `.wasm` (default: all).
        #[arg(long, value_enum)]
        target: Vec<BuildTarget>,
        /// Print an intermediate stage instead of writing the bundle.
        #[arg(long, value_enum)]
        emit: Option<Emit>,
        #[command(flatten)]
        opt: OptFlags,
    },
    /// Check a program for compile-time errors without running it.
    Check {
        file: PathBuf,
        #[arg(long, value_enum)]
        emit: Option<Emit>,
    },
}

/// Options of the wasm tier's optimiser.
#[derive(clap::Args, Clone, Default)]
pub(crate) struct OptFlags {
    /// Optimisation level: 0, 1, 2 (default), 3 or s.
    #[arg(short = 'O', value_name = "LEVEL", default_value = "2")]
    pub level: String,
    /// Print the target IR after this pass (lower, inline, const_fold, copy_prop, cse, licm, range, dce, roots).
    #[arg(long, value_name = "PASS")]
    pub print_after: Option<String>,
    /// Do not use 128-bit vector loops.
    #[arg(long)]
    pub no_simd: bool,
    /// Run Binaryen's wasm-opt after our own passes (needs a ruchy-wasm
    /// built with `--features binaryen`).
    #[arg(long)]
    pub binaryen: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum BuildTarget {
    Wasi,
    Node,
    Web,
}

impl BuildTarget {
    fn bundle_targets(chosen: &[BuildTarget]) -> Vec<ruchy_codegen::bundle::Target> {
        use ruchy_codegen::bundle::Target;
        let all = [BuildTarget::Wasi, BuildTarget::Node, BuildTarget::Web];
        let chosen = if chosen.is_empty() { &all[..] } else { chosen };
        chosen
            .iter()
            .map(|t| match t {
                BuildTarget::Wasi => Target::Wasi,
                BuildTarget::Node => Target::Node,
                BuildTarget::Web => Target::Web,
            })
            .collect()
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Emit {
    Tokens,
    Ast,
    Hir,
    Bytecode,
    /// The wasm tier's target IR.
    Ir,
    /// The compiled module as WebAssembly text.
    Wat,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The compiler recurses over the tree; give deep programs room.
    let handle = std::thread::Builder::new().stack_size(256 << 20).spawn(move || match cli.command {
        Command::Run { file, emit, wasm: true, opt, .. } => build::run_wasm(&file, emit, &opt),
        Command::Build { file, out_dir, target, emit, opt } => build::build(&file, out_dir.as_deref(), &BuildTarget::bundle_targets(&target), emit, &opt),
        Command::Run { file, emit, gc_stats, wasm: false, opt } => drive(&file, emit, true, gc_stats, &opt),
        Command::Check { file, emit } => drive(&file, emit, false, false, &OptFlags { level: "2".into(), print_after: None, no_simd: false, binaryen: false }),
    });
    match handle.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => {
            eprintln!("error: internal compiler error");
            ExitCode::from(101)
        }
    }
}

pub(crate) fn report(path: &Path, src: &str, diags: &[Diagnostic]) -> u8 {
    eprint!("{}", ruchy_syntax::diag::render(&path.display().to_string(), src, diags));
    let n = diags.iter().filter(|d| d.is_error()).count();
    eprintln!("error: could not compile `{}` due to {n} previous error{}", path.display(), if n == 1 { "" } else { "s" });
    1
}

/// Reads and checks a program, handling the front-end `--emit` stages.
/// `Err(code)` means stop with that exit code (an error was reported, or
/// the requested stage was printed).
pub(crate) fn front_end(path: &Path, emit: Option<Emit>) -> Result<(String, ruchy_hir::Program), u8> {
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return Err(1);
        }
    };
    if emit == Some(Emit::Tokens) {
        let (tokens, diags) = ruchy_syntax::lexer::lex(&src);
        print!("{}", ruchy_syntax::ast_dump::dump_tokens(&tokens));
        return Err(if diags.is_empty() { 0 } else { report(path, &src, &diags) });
    }
    let (ast, diags) = ruchy_syntax::parse(&src);
    if !diags.is_empty() {
        return Err(report(path, &src, &diags));
    }
    if emit == Some(Emit::Ast) {
        print!("{}", ruchy_syntax::ast_dump::dump_program(&ast));
        return Err(0);
    }
    let hir = match ruchy_hir::check(&ast) {
        Ok(h) => h,
        Err(diags) => return Err(report(path, &src, &diags)),
    };
    if emit == Some(Emit::Hir) {
        print!("{}", ruchy_hir::dump::dump(&hir));
        return Err(0);
    }
    Ok((src, hir))
}

fn drive(path: &Path, emit: Option<Emit>, run: bool, gc_stats: bool, opt: &OptFlags) -> u8 {
    if matches!(emit, Some(Emit::Ir | Emit::Wat)) {
        return build::emit_wasm_stage(path, emit, opt);
    }
    let (src, hir) = match front_end(path, emit) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let module = ruchy_vm::compile(&hir);
    if emit == Some(Emit::Bytecode) {
        print!("{}", ruchy_vm::bytecode::disassemble(&module));
        return 0;
    }
    if !run {
        return 0;
    }
    let stdout = std::io::stdout();
    let out = std::io::BufWriter::with_capacity(64 << 10, stdout.lock());
    let mut vm = ruchy_vm::Vm::new(&module, Box::new(out));
    let result = vm.run_main();
    let _ = vm.out.flush();
    if gc_stats {
        let s = vm.heap.stats;
        eprintln!(
            "gc: {} collections, {} objects freed, peak {} live objects, max pause {:.3} ms, total pause {:.3} ms",
            s.collections,
            s.freed,
            s.peak_live,
            s.max_pause_ns as f64 / 1e6,
            s.total_pause_ns as f64 / 1e6
        );
    }
    match result {
        Ok(()) => 0,
        Err(fail) => {
            let index = ruchy_syntax::LineIndex::new(&src);
            let (msg, at) = match fail {
                ruchy_vm::Fail::Error { msg, at } => (format!("Evaluation error: {msg}"), at),
                ruchy_vm::Fail::Thrown { value, at } => {
                    (format!("Evaluation error: Uncaught exception: {}", vm.fmt().to_string(value, ruchy_vm::format::Mode::Raw)), at)
                }
            };
            eprintln!("Error: {msg}");
            if let Some(at) = at {
                let (line, col) = index.line_col(&src, at);
                eprintln!("  at {}:{line}:{col}", path.display());
            }
            1
        }
    }
}
