//! The wasm tier's driver: `ruchy-wasm build`, `run --wasm`, and the
//! `--emit ir|wat` stages.

use crate::{front_end, report, Emit, OptFlags};
use ruchy_codegen::bundle::{self, Target};
use std::path::Path;
use std::time::Instant;

/// Front end → LIR → wasm bytes. `Err(code)`: stop with that exit code.
fn compile(path: &Path, emit: Option<Emit>, opt: &OptFlags) -> Result<Vec<u8>, u8> {
    compile_with_stats(path, emit, opt).map(|(w, _, _)| w)
}

fn options(opt: &OptFlags) -> Result<ruchy_lir::Options, u8> {
    let Some(level) = ruchy_lir::OptLevel::parse(&opt.level) else {
        eprintln!("error: unknown optimisation level `{}` (use 0, 1, 2, 3 or s)", opt.level);
        return Err(2);
    };
    if let Some(p) = &opt.print_after {
        let known = ruchy_lir::passes::print_after_names();
        if !known.contains(&p.as_str()) {
            eprintln!("error: unknown pass `{p}` for --print-after (passes: {})", known.join(", "));
            return Err(2);
        }
    }
    let mut o = ruchy_lir::Options::at(level);
    o.print_after = opt.print_after.clone();
    if opt.no_simd {
        o.simd = false;
    }
    Ok(o)
}

fn compile_with_stats(path: &Path, emit: Option<Emit>, opt: &OptFlags) -> Result<(Vec<u8>, ruchy_codegen::Stats, ruchy_lir::OptReport), u8> {
    let options = options(opt)?;
    let (src, hir) = front_end(path, emit)?;
    let (lir, report_opt) = ruchy_lir::compile_with(&hir, &src, &path.display().to_string(), &options).map_err(|diags| report(path, &src, &diags))?;
    if opt.print_after.is_some() {
        print!("{}", report_opt.printed);
        return Err(0);
    }
    if emit == Some(Emit::Ir) {
        print!("{}", ruchy_lir::print::print(&lir));
        return Err(0);
    }
    let (wasm, stats) = ruchy_codegen::emit_module_with_stats(&lir).map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    let wasm = if opt.binaryen { with_binaryen(wasm, &opt.level)? } else { wasm };
    if emit == Some(Emit::Wat) {
        match wasmprinter::print_bytes(&wasm) {
            Ok(text) => print!("{text}"),
            Err(e) => {
                eprintln!("error: cannot print the module: {e}");
                return Err(1);
            }
        }
        return Err(0);
    }
    Ok((wasm, stats, report_opt))
}

/// `--binaryen`: the module after Binaryen's wasm-opt at the level that
/// matches ours (-O3 → -O3, -Os → -Os, anything else -O2).
#[cfg(feature = "binaryen")]
fn with_binaryen(wasm: Vec<u8>, level: &str) -> Result<Vec<u8>, u8> {
    use ruchy_codegen::binaryen::{optimize, Level};
    let level = match level {
        "3" => Level::MoreSpeed,
        "s" => Level::Size,
        _ => Level::Speed,
    };
    optimize(&wasm, level).map_err(|e| {
        eprintln!("error: --binaryen: {e}");
        1
    })
}

#[cfg(not(feature = "binaryen"))]
fn with_binaryen(_: Vec<u8>, _: &str) -> Result<Vec<u8>, u8> {
    eprintln!("error: this ruchy-wasm was built without Binaryen; build it with `cargo build --release -p ruchy-wasm --features binaryen` to use --binaryen");
    Err(2)
}

/// `--emit ir|wat` on `run`/`check`.
pub fn emit_wasm_stage(path: &Path, emit: Option<Emit>, opt: &OptFlags) -> u8 {
    match compile(path, emit, opt) {
        Ok(_) => 0,
        Err(code) => code,
    }
}

pub fn run_wasm(path: &Path, emit: Option<Emit>, opt: &OptFlags) -> u8 {
    let wasm = match compile(path, emit, opt) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let args = vec![path.display().to_string()];
    match ruchy_wasm_host::run_inherit(&wasm, &args) {
        Ok(code) => code.clamp(0, 255) as u8,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

pub fn build(path: &Path, out_dir: Option<&Path>, targets: &[Target], emit: Option<Emit>, opt: &OptFlags) -> u8 {
    let started = Instant::now();
    let (wasm, stats, report_opt) = match compile_with_stats(path, emit, opt) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "main".into());
    let dir = out_dir.unwrap_or(Path::new("."));
    let size = wasm.len();
    let mut flags = vec![format!("-O{}", opt.level)];
    if opt.no_simd {
        flags.push("--no-simd".into());
    }
    if opt.binaryen {
        flags.push("--binaryen".into());
    }
    let files = bundle::bundle(&name, wasm, targets, &flags);
    let written = std::fs::create_dir_all(dir).and_then(|_| files.iter().try_for_each(|f| std::fs::write(dir.join(&f.name), &f.bytes)));
    if let Err(e) = written {
        eprintln!("error: cannot write the bundle to {}: {e}", dir.display());
        return 1;
    }
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    eprintln!("built {} in {} ({size} bytes of wasm) in {:.0} ms", names.join(", "), dir.display(), started.elapsed().as_secs_f64() * 1e3);
    eprintln!("  {} functions, {} virtual registers on {} wasm locals", stats.functions, stats.virtual_registers, stats.locals);
    eprint!("  -O{} {}", opt.level, report_opt.summary());
    0
}
