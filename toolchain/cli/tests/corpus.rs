//! Runs the golden-output corpora through the real `ruchy-wasm` binary:
//! `tests/conformance` (the language corpus, kept in sync with
//! `../shared/conformance`) and `tests/errors` (every error path: message,
//! location, exit code, stdout flushed before the error).
//!
//! Each `NAME.ruchy` runs as `ruchy-wasm run NAME.ruchy` from its own
//! directory; stdout must equal `NAME.out`, the exit code `NAME.code`
//! (default 0), and stderr must contain `NAME.err` when present — the same
//! contract as `../shared/conformance/run.sh`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// How a corpus program is run.
#[derive(Clone, Copy, PartialEq)]
enum Tier {
    Vm,
    /// Compiled to wasm at this optimisation level and run in the embedded
    /// wasmtime.
    Wasm(&'static str),
}

fn run_with_timeout(dir: &Path, file: &str, tier: Tier, timeout: Duration) -> Result<(Vec<u8>, Vec<u8>, i32), String> {
    let args: &[&str] = match tier {
        Tier::Vm => &["run", file],
        Tier::Wasm(level) => &["run", "--wasm", level, file],
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_ruchy-wasm"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn failed: {e}"))?;
    // Drain pipes on threads so a chatty program cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = vec![];
        std::io::Read::read_to_end(&mut out, &mut v).map(|_| v)
    });
    let t_err = std::thread::spawn(move || {
        let mut v = vec![];
        std::io::Read::read_to_end(&mut err, &mut v).map(|_| v)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            return Err(format!("timed out after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = t_out.join().unwrap().map_err(|e| e.to_string())?;
    let stderr = t_err.join().unwrap().map_err(|e| e.to_string())?;
    Ok((stdout, stderr, status.code().unwrap_or(-1)))
}

fn programs(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ruchy"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no tests in {}", dir.display());
    files
}

/// Runs each named program of `dir` on `tier`; returns the failures.
fn check_programs(dir: &Path, names: &[String], tier: Tier) -> Vec<String> {
    let mut failures = vec![];
    for name in names {
        let read = |ext: &str| std::fs::read(dir.join(format!("{name}.{ext}"))).ok();
        let want_out = read("out").unwrap_or_else(|| panic!("{name}: missing .out"));
        let want_code: i32 = read("code").map_or(0, |c| String::from_utf8_lossy(&c).trim().parse().expect("numeric .code"));
        // Like run.sh (`$(cat f)`), trailing newlines of .err do not count.
        let want_err = read("err").map(|e| String::from_utf8_lossy(&e).trim_end_matches('\n').to_string());
        match run_with_timeout(dir, &format!("{name}.ruchy"), tier, Duration::from_secs(20)) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok((out, err, code)) => {
                let err = String::from_utf8_lossy(&err);
                if out != want_out {
                    failures.push(format!(
                        "{name}: stdout differs\n--- expected\n{}\n--- got\n{}",
                        String::from_utf8_lossy(&want_out),
                        String::from_utf8_lossy(&out)
                    ));
                }
                if code != want_code {
                    failures.push(format!("{name}: exit code {code}, expected {want_code}; stderr: {err}"));
                }
                if let Some(w) = &want_err {
                    if !err.contains(w.as_str()) {
                        failures.push(format!("{name}: stderr lacks {w:?}; got {err:?}"));
                    }
                }
                if err.contains("panicked") || err.contains("overflowed its stack") {
                    failures.push(format!("{name}: the toolchain crashed: {err}"));
                }
            }
        }
    }
    failures
}

fn assert_corpus(sub: &str) {
    let dir = repo_root().join("tests").join(sub);
    let names = programs(&dir);
    let failures = check_programs(&dir, &names, Tier::Vm);
    println!("{sub}: {} passed, {} failed", names.len() - failures.len(), failures.len());
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), names.len(), failures.join("\n"));
}

/// The conformance programs the wasm tier runs so far: `tests/wasm-tier.txt`,
/// one name per line. The list only grows; every listed program must give
/// the VM's exact output, and every other one must be refused at compile
/// time with a clean "not supported yet" error (never a crash or a wrong
/// answer).
#[test]
fn conformance_corpus_on_the_wasm_tier() {
    let dir = repo_root().join("tests/conformance");
    let listed: Vec<String> = std::fs::read_to_string(repo_root().join("tests/wasm-tier.txt"))
        .expect("tests/wasm-tier.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    let all = programs(&dir);
    for name in &listed {
        assert!(all.contains(name), "tests/wasm-tier.txt names {name}, which is not in tests/conformance");
    }
    // Differential: the same output at every optimisation level.
    let mut failures = vec![];
    for level in ["-O0", "-O2", "-O3"] {
        failures.extend(check_programs(&dir, &listed, Tier::Wasm(level)).into_iter().map(|f| format!("{level}: {f}")));
    }
    let listed_failures = failures.len();
    let mut newly_passing = vec![];
    for name in all.iter().filter(|n| !listed.contains(n)) {
        let (out, err, code) = run_with_timeout(&dir, &format!("{name}.ruchy"), Tier::Wasm("-O2"), Duration::from_secs(20)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let err = String::from_utf8_lossy(&err);
        if err.contains("does not support") && code == 1 && out.is_empty() {
            continue;
        }
        if check_programs(&dir, std::slice::from_ref(name), Tier::Wasm("-O2")).is_empty() {
            newly_passing.push(name.clone());
        } else {
            failures.push(format!("{name}: not listed, so it must be refused cleanly; got exit {code}, stderr {err:?}"));
        }
    }
    println!("wasm tier: {} listed programs, {listed_failures} failures at -O0/-O2/-O3; also passing, not yet listed: {newly_passing:?}", listed.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn conformance_corpus_passes_on_the_vm() {
    assert_corpus("conformance");
}

/// The project's own programs: fast paths of the VM next to the generic
/// cases they must agree with (dynamic receivers, mixed types, fallbacks).
#[test]
fn semantics_corpus_passes_on_the_vm() {
    assert_corpus("semantics");
}

#[test]
fn error_paths_report_message_location_and_exit_code() {
    assert_corpus("errors");
}

#[test]
fn conformance_copy_is_in_sync_with_shared_corpus() {
    // Only checkable where ../shared exists (developer machines and CI).
    let shared = repo_root().join("../shared/conformance");
    if !shared.is_dir() {
        eprintln!("../shared/conformance not present; nothing to compare");
        return;
    }
    let ours = repo_root().join("tests/conformance");
    for entry in std::fs::read_dir(&shared).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap();
        let mine = std::fs::read(ours.join(name)).unwrap_or_else(|_| panic!("{name:?} missing from tests/conformance: copy it over"));
        assert_eq!(mine, std::fs::read(&p).unwrap(), "{name:?} differs from ../shared/conformance");
    }
}

/// The project's own semantics programs on the wasm tier (all but the known
/// gaps in `tests/wasm-known-gaps.txt`, each with its reason).
#[test]
fn semantics_corpus_on_the_wasm_tier() {
    let dir = repo_root().join("tests/semantics");
    let gaps: Vec<String> = std::fs::read_to_string(repo_root().join("tests/wasm-known-gaps.txt"))
        .expect("tests/wasm-known-gaps.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(':').next().unwrap_or("").trim().to_string())
        .collect();
    let all = programs(&dir);
    for g in &gaps {
        assert!(all.contains(g), "tests/wasm-known-gaps.txt names {g}, which is not in tests/semantics");
    }
    let names: Vec<String> = all.into_iter().filter(|n| !gaps.contains(n)).collect();
    let mut failures = vec![];
    for level in ["-O0", "-O2"] {
        failures.extend(check_programs(&dir, &names, Tier::Wasm(level)).into_iter().map(|f| format!("{level}: {f}")));
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), names.len(), failures.join("\n"));
}

/// Every error path on the wasm tier: the VM's message, location and exit
/// code, with stdout flushed first — runtime errors caught by `try`, and
/// those that escape it, included.
#[test]
fn error_paths_on_the_wasm_tier() {
    let dir = repo_root().join("tests/errors");
    let names = programs(&dir);
    let mut failures = vec![];
    for level in ["-O0", "-O2"] {
        failures.extend(check_programs(&dir, &names, Tier::Wasm(level)).into_iter().map(|f| format!("{level}: {f}")));
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), names.len(), failures.join("\n"));
}

