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
//! peak_memory_bytes 3276800   (linear memory at the end of the first run)
//! gc_collections 41           (these four from the first run's GC log)
//! gc_max_pause_ms 0.412
//! gc_total_pause_ms 9.870
//! ```
//!
//! `--gc-timeline PATH` writes the first run's collections as an SVG chart
//! (pause per collection over time, and the live heap after each), when it
//! collected at all.
//!
//! The first run's stdout is written to `--stdout PATH` (default: not kept),
//! even when that run fails. Every run must exit 0 and print the same stdout
//! as the first, else the module's stderr is echoed and the exit status is 1
//! (2 for bad arguments or files). Used by `benches/wasm/run.sh`.

use std::process::ExitCode;
use std::time::Duration;

fn usage() -> ExitCode {
    eprintln!("usage: ruchy-wasm-bench FILE.wasm [--runs N] [--stdout PATH] [--gc-timeline SVG]");
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
    let mut timeline_path = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--gc-timeline" => match args.next() {
                Some(p) => timeline_path = Some(p),
                None => return usage(),
            },
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
    let mut first_stats = None;
    for i in 0..runs {
        let (out, t, stats) = match module.run_with_stats(true) {
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
        first_stats.get_or_insert(stats);
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
    let stats = first_stats.unwrap_or_default();
    println!("peak_memory_bytes {}", stats.memory_bytes);
    if let Some(gc) = &stats.gc {
        println!("gc_collections {}", gc.collections);
        println!("gc_max_pause_ms {:.3}", ms(gc.max_pause));
        println!("gc_total_pause_ms {:.3}", ms(gc.total_pause));
        // A run that never collected has no timeline to draw.
        if let Some(p) = timeline_path.as_ref().filter(|_| gc.collections > 0) {
            let name = std::path::Path::new(&file).file_stem().map_or(file.clone(), |s| s.to_string_lossy().into_owned());
            if let Err(e) = std::fs::write(p, timeline_svg(&name, gc, times[0])) {
                eprintln!("ruchy-wasm-bench: cannot write {p}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}

/// An SVG chart of a run's collections: a bar per collection at its start
/// time, as tall as its pause (left axis), and the live heap after each as a
/// line (right axis).
fn timeline_svg(name: &str, gc: &ruchy_wasm_host::GcReport, run: Duration) -> String {
    let (w, h, pad) = (760.0, 240.0, 48.0);
    let span = gc.events.last().map_or(run, |e| e.start + e.pause).max(run).as_secs_f64().max(1e-9);
    let max_pause = gc.max_pause.as_secs_f64().max(1e-9);
    let max_live = gc.events.iter().map(|e| e.live_bytes).max().unwrap_or(0).max(1) as f64;
    let x = |t: f64| pad + t / span * (w - 2.0 * pad);
    let y = |v: f64| h - pad + -(v * (h - 2.0 * pad));
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{pad}\" y=\"16\">{name}: {} collections, max pause {:.3} ms, total {:.3} ms of a {:.1} ms run</text>\n\
         <line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n",
        gc.collections,
        gc.max_pause.as_secs_f64() * 1e3,
        gc.total_pause.as_secs_f64() * 1e3,
        run.as_secs_f64() * 1e3,
        h - pad,
        w - pad,
        h - pad
    );
    for e in &gc.events {
        let x0 = x(e.start.as_secs_f64());
        let top = y(e.pause.as_secs_f64() / max_pause);
        s += &format!("<line x1=\"{x0:.1}\" y1=\"{:.1}\" x2=\"{x0:.1}\" y2=\"{top:.1}\" stroke=\"#c33\" stroke-width=\"2\"/>\n", h - pad);
    }
    let points: Vec<String> = gc.events.iter().map(|e| format!("{:.1},{:.1}", x(e.start.as_secs_f64()), y(e.live_bytes as f64 / max_live))).collect();
    s += &format!("<polyline points=\"{}\" fill=\"none\" stroke=\"#36c\"/>\n", points.join(" "));
    s += &format!(
        "<text x=\"4\" y=\"{}\" fill=\"#c33\">{:.3} ms</text>\n<text x=\"{}\" y=\"{}\" fill=\"#36c\">{:.1} MB live</text>\n\
         <text x=\"{pad}\" y=\"{}\">0</text><text x=\"{}\" y=\"{}\">{:.1} ms</text>\n\
         <text x=\"{pad}\" y=\"{}\"><tspan fill=\"#c33\">bars: pause of each collection</tspan>, <tspan fill=\"#36c\">line: live bytes after it</tspan></text>\n</svg>\n",
        y(1.0) + 4.0,
        max_pause * 1e3,
        w - pad + 2.0,
        y(1.0) + 4.0,
        max_live / 1e6,
        h - pad + 14.0,
        w - pad - 30.0,
        h - pad + 14.0,
        span * 1e3,
        h - 8.0
    );
    s
}
