//! `ruchy-wasm`: the command-line driver.

use clap::{Parser, Subcommand, ValueEnum};
use ruchy_syntax::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "ruchy-wasm", version, about = "Ruchy toolchain: check, run and (soon) compile Ruchy programs to WebAssembly")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program on the bytecode VM (the development tier).
    Run {
        file: PathBuf,
        /// Print an intermediate stage instead of running.
        #[arg(long, value_enum)]
        emit: Option<Emit>,
        /// Print garbage-collector statistics to stderr after the run.
        #[arg(long)]
        gc_stats: bool,
    },
    /// Check a program for compile-time errors without running it.
    Check {
        file: PathBuf,
        #[arg(long, value_enum)]
        emit: Option<Emit>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Emit {
    Tokens,
    Ast,
    Hir,
    Bytecode,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The compiler recurses over the tree; give deep programs room.
    let handle = std::thread::Builder::new().stack_size(256 << 20).spawn(move || match cli.command {
        Command::Run { file, emit, gc_stats } => drive(&file, emit, true, gc_stats),
        Command::Check { file, emit } => drive(&file, emit, false, false),
    });
    match handle.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => {
            eprintln!("error: internal compiler error");
            ExitCode::from(101)
        }
    }
}

fn report(path: &Path, src: &str, diags: &[Diagnostic]) -> u8 {
    eprint!("{}", ruchy_syntax::diag::render(&path.display().to_string(), src, diags));
    let n = diags.iter().filter(|d| d.is_error()).count();
    eprintln!("error: could not compile `{}` due to {n} previous error{}", path.display(), if n == 1 { "" } else { "s" });
    1
}

fn drive(path: &Path, emit: Option<Emit>, run: bool, gc_stats: bool) -> u8 {
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return 1;
        }
    };
    if emit == Some(Emit::Tokens) {
        let (tokens, diags) = ruchy_syntax::lexer::lex(&src);
        print!("{}", ruchy_syntax::ast_dump::dump_tokens(&tokens));
        return if diags.is_empty() { 0 } else { report(path, &src, &diags) };
    }
    let (ast, diags) = ruchy_syntax::parse(&src);
    if !diags.is_empty() {
        return report(path, &src, &diags);
    }
    if emit == Some(Emit::Ast) {
        print!("{}", ruchy_syntax::ast_dump::dump_program(&ast));
        return 0;
    }
    let hir = match ruchy_hir::check(&ast) {
        Ok(h) => h,
        Err(diags) => return report(path, &src, &diags),
    };
    if emit == Some(Emit::Hir) {
        print!("{}", ruchy_hir::dump::dump(&hir));
        return 0;
    }
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
