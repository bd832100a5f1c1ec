//! `ruchy-wasm-bench FILE.wasm [--runs N] [--stdout PATH]`: compiles a WASI
//! command module once in the embedded wasmtime (the same engine settings as
//! `ruchy-wasm run --wasm`), runs it N times with its output captured, and
//! prints the timings as `key value` lines:
//!
//! ```text
//! module_bytes 48213
//! compile_ms 31.207
//! run_ms 112.540        (median of the runs; instantiation + `_start`)
//! runs_ms 113.002 112.540 111.873
//! ```
//!
//! The first run's stdout is written to `--stdout PATH` (default: not kept),
//! even when that run fails. Every run must exit 0 and print the same stdout
//! as the first, else the module's stderr is echoed and the exit status is 1
//! (2 for bad arguments or files). Used by `benches/wasm/run.sh`.

use std::process::ExitCode;
use std::time::Duration;

fn usage() -> ExitCode {
    eprintln!("usage: ruchy-wasm-bench FILE.wasm [--runs N] [--stdout PATH]");
    ExitCode::from(2)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut file = None;
    let mut runs = 3usize;
    let mut stdout_path = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" | "-n" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => runs = n,
                _ => return usage(),
            },
            "--stdout" | "-o" => match args.next() {
                Some(p) => stdout_path = Some(p),
                None => return usage(),
            },
            "-h" | "--help" => {
                usage();
                return ExitCode::SUCCESS;
            }
            _ if file.is_none() && !a.starts_with('-') => file = Some(a),
            _ => return usage(),
        }
    }
    let Some(file) = file else { return usage() };
    let wasm = match std::fs::read(&file) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("ruchy-wasm-bench: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let (module, compile) = match ruchy_wasm_host::Precompiled::new(&wasm) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("ruchy-wasm-bench: {file}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut times = Vec::with_capacity(runs);
    let mut first: Option<Vec<u8>> = None;
    for i in 0..runs {
        let (out, t) = match module.run(true) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("ruchy-wasm-bench: {file}: run {}: {e}", i + 1);
                return ExitCode::from(1);
            }
        };
        if first.is_none() {
            if let Some(p) = &stdout_path {
                if let Err(e) = std::fs::write(p, &out.stdout) {
                    eprintln!("ruchy-wasm-bench: cannot write {p}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        if out.code != 0 {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            eprintln!("ruchy-wasm-bench: {file}: run {} exited with code {}", i + 1, out.code);
            return ExitCode::from(1);
        }
        match &first {
            None => first = Some(out.stdout),
            Some(f) if *f != out.stdout => {
                eprintln!("ruchy-wasm-bench: {file}: run {} printed a different stdout than run 1", i + 1);
                return ExitCode::from(1);
            }
            Some(_) => {}
        }
        times.push(t);
    }
    let mut sorted = times.clone();
    sorted.sort();
    let n = sorted.len();
    let median = if n % 2 == 1 { ms(sorted[n / 2]) } else { (ms(sorted[n / 2 - 1]) + ms(sorted[n / 2])) / 2.0 };
    println!("module_bytes {}", wasm.len());
    println!("compile_ms {:.3}", ms(compile));
    println!("run_ms {median:.3}");
    println!("runs_ms {}", times.iter().map(|t| format!("{:.3}", ms(*t))).collect::<Vec<_>>().join(" "));
    ExitCode::SUCCESS
}
