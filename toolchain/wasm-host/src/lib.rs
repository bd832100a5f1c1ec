//! Runs a compiled Ruchy module (a WASI preview-1 command) in an embedded
//! wasmtime: `ruchy-wasm run --wasm`, and the tests that compare the wasm
//! tier with the VM.

use std::time::{Duration, Instant};
use wasmtime::{Caller, Config, Engine, Linker, Module, Store};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{I32Exit, WasiCtxBuilder};

/// Native stack wasm code may use. Ruchy allows 200,000 nested calls (the
/// VM's limit); the runner thread must have a larger stack than this.
pub const MAX_WASM_STACK: usize = 192 << 20;

/// What a run printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub code: i32,
}

fn engine() -> Result<Engine, String> {
    let mut config = Config::new();
    // The async stack bound applies even to synchronous calls.
    config.async_stack_size(MAX_WASM_STACK + (1 << 20));
    config.max_wasm_stack(MAX_WASM_STACK);
    // `RUCHY_WASM_PERFMAP=1`: write /tmp/perf-PID.map so `perf report`
    // names the compiled wasm functions (profiling the benchmarks).
    if std::env::var_os("RUCHY_WASM_PERFMAP").is_some_and(|v| v == "1") {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    Engine::new(&config).map_err(|e| format!("cannot create the wasm engine: {e}"))
}

/// Where the module's standard streams go.
enum Stdio {
    Inherit,
    Capture(MemoryOutputPipe, MemoryOutputPipe),
}

fn run(wasm: &[u8], args: &[String], stdio: &Stdio) -> Result<i32, String> {
    let engine = engine()?;
    let module = Module::new(&engine, wasm).map_err(|e| format!("invalid module: {e:#}"))?;
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).map_err(|e| e.to_string())?;
    let mut builder = WasiCtxBuilder::new();
    builder.args(args);
    match stdio {
        Stdio::Inherit => {
            builder.inherit_stdio();
        }
        Stdio::Capture(out, err) => {
            builder.stdout(out.clone()).stderr(err.clone());
        }
    }
    let mut store = Store::new(&engine, builder.build_p1());
    let instance = linker.instantiate(&mut store, &module).map_err(|e| format!("cannot instantiate: {e:#}"))?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").map_err(|e| format!("no _start: {e}"))?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(format!("wasm trap: {e:#}")),
        },
    }
}

/// Runs with the process's own stdin/stdout/stderr; returns the exit code.
pub fn run_inherit(wasm: &[u8], args: &[String]) -> Result<i32, String> {
    on_big_stack(wasm, args, |w, a| run(w, a, &Stdio::Inherit))
}

/// Runs with stdout and stderr captured.
pub fn run_captured(wasm: &[u8]) -> Result<Output, String> {
    let out = MemoryOutputPipe::new(usize::MAX);
    let err = MemoryOutputPipe::new(usize::MAX);
    let stdio = Stdio::Capture(out.clone(), err.clone());
    let code = on_big_stack(wasm, &[], |w, a| run(w, a, &stdio))?;
    Ok(Output { stdout: out.contents().to_vec(), stderr: err.contents().to_vec(), code })
}

/// Wasm code runs on the calling thread's stack; give it room for deep
/// recursion whatever thread the caller is on.
fn on_big_stack<R: Send>(wasm: &[u8], args: &[String], f: impl FnOnce(&[u8], &[String]) -> R + Send) -> R {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(MAX_WASM_STACK + (64 << 20))
            .spawn_scoped(s, || f(wasm, args))
            .expect("cannot spawn the wasm runner thread")
            .join()
            .expect("the wasm runner thread panicked")
    })
}

/// The collector's record of a run, read from the module's `ruchy_gc_log`
/// export after `_start` (runtime-lib's `gc::GcLog`, ABI.md "GC log").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcReport {
    pub collections: u32,
    pub max_pause: Duration,
    pub total_pause: Duration,
    /// The first collections (up to the log's capacity), in order.
    pub events: Vec<GcEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcEvent {
    /// Since the runtime's first clock reading (about the program's start).
    pub start: Duration,
    pub pause: Duration,
    pub live_bytes: u64,
    pub memory_bytes: u64,
}

/// What a run left behind besides its output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Size of linear memory at the end, which is its peak (it never shrinks).
    pub memory_bytes: u64,
    /// `None` for modules without the `ruchy_gc_log` export.
    pub gc: Option<GcReport>,
}

fn read_stats(store: &mut Store<WasiP1Ctx>, instance: &wasmtime::Instance) -> Result<RunStats, String> {
    let Some(memory) = instance.get_memory(&mut *store, "memory") else { return Ok(RunStats::default()) };
    let memory_bytes = memory.data_size(&*store) as u64;
    let Ok(log) = instance.get_typed_func::<(), i32>(&mut *store, "ruchy_gc_log") else {
        return Ok(RunStats { memory_bytes, gc: None });
    };
    let addr = log.call(&mut *store, ()).map_err(|e| format!("ruchy_gc_log: {e:#}"))? as u32 as usize;
    let data = memory.data(&*store);
    let word = |at: usize, n: usize| -> Result<u64, String> {
        let bytes = data.get(at..at + n).ok_or("the GC log lies outside memory")?;
        Ok(bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    };
    let ns = |v: u64| Duration::from_nanos(v);
    let logged = word(addr + 4, 4)? as usize;
    let mut events = Vec::with_capacity(logged);
    for i in 0..logged {
        let e = addr + 24 + 32 * i;
        events.push(GcEvent { start: ns(word(e, 8)?), pause: ns(word(e + 8, 8)?), live_bytes: word(e + 16, 8)?, memory_bytes: word(e + 24, 8)? });
    }
    let gc = GcReport { collections: word(addr, 4)? as u32, max_pause: ns(word(addr + 8, 8)?), total_pause: ns(word(addr + 16, 8)?), events };
    Ok(RunStats { memory_bytes, gc: Some(gc) })
}

/// A module compiled once and run any number of times, each run timed
/// separately from compilation: the wasm-tier benchmarks
/// (`benches/wasm/run.sh`, the `ruchy-wasm-bench` binary).
///
/// Same engine settings as [`run_inherit`] / [`run_captured`] (WASI preview 1,
/// a big wasm stack, the module's `_start` called on a big native stack).
/// Besides WASI it also defines `env.abort(msg, file, line, col)` (the
/// AssemblyScript runtime's abort hook) as a trap, so AssemblyScript modules
/// built with the default `--use abort` run too.
pub struct Precompiled {
    engine: Engine,
    module: Module,
}

impl Precompiled {
    /// Compiles `wasm` (Cranelift); returns the module and the compile time.
    pub fn new(wasm: &[u8]) -> Result<(Precompiled, Duration), String> {
        let engine = engine()?;
        let t0 = Instant::now();
        let module = Module::new(&engine, wasm).map_err(|e| format!("invalid module: {e:#}"))?;
        Ok((Precompiled { engine, module }, t0.elapsed()))
    }

    /// Instantiates the module and calls `_start`; the duration covers
    /// instantiation and execution only. With `capture`, stdout and stderr
    /// are collected into the [`Output`], else they go to the process's own.
    pub fn run(&self, capture: bool) -> Result<(Output, Duration), String> {
        self.run_with_stats(capture).map(|(out, t, _)| (out, t))
    }

    /// [`Precompiled::run`], plus the peak memory and the collector's log.
    pub fn run_with_stats(&self, capture: bool) -> Result<(Output, Duration, RunStats), String> {
        let out = MemoryOutputPipe::new(usize::MAX);
        let err = MemoryOutputPipe::new(usize::MAX);
        let stdio = if capture { Stdio::Capture(out.clone(), err.clone()) } else { Stdio::Inherit };
        let (code, elapsed, stats) = on_big_stack(&[], &[], |_, _| self.run_here(&stdio))?;
        // Without `capture` the pipes stay empty.
        Ok((Output { stdout: out.contents().to_vec(), stderr: err.contents().to_vec(), code }, elapsed, stats))
    }

    fn run_here(&self, stdio: &Stdio) -> Result<(i32, Duration, RunStats), String> {
        let mut linker: Linker<WasiP1Ctx> = Linker::new(&self.engine);
        p1::add_to_linker_sync(&mut linker, |cx| cx).map_err(|e| e.to_string())?;
        linker
            .func_wrap("env", "abort", |_: Caller<'_, WasiP1Ctx>, _msg: i32, _file: i32, line: i32, col: i32| -> wasmtime::Result<()> {
                Err(wasmtime::format_err!("abort() called at line {line}, column {col}"))
            })
            .map_err(|e| e.to_string())?;
        let mut builder = WasiCtxBuilder::new();
        builder.args(&["main.wasm"]);
        match stdio {
            Stdio::Inherit => {
                builder.inherit_stdio();
            }
            Stdio::Capture(out, err) => {
                builder.stdout(out.clone()).stderr(err.clone());
            }
        }
        let mut store = Store::new(&self.engine, builder.build_p1());
        let t0 = Instant::now();
        let instance = linker.instantiate(&mut store, &self.module).map_err(|e| format!("cannot instantiate: {e:#}"))?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start").map_err(|e| format!("no _start: {e}"))?;
        let code = match start.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => exit.0,
                None => return Err(format!("wasm trap: {e:#}")),
            },
        };
        let elapsed = t0.elapsed();
        let stats = read_stats(&mut store, &instance)?;
        Ok((code, elapsed, stats))
    }
}

/// Compiles and runs `wasm` once, timing compilation and execution
/// separately: `(output, compile time, run time)`. See [`Precompiled`].
pub fn run_timed(wasm: &[u8], capture: bool) -> Result<(Output, Duration, Duration), String> {
    let (module, compile) = Precompiled::new(wasm)?;
    let (output, run) = module.run(capture)?;
    Ok((output, compile, run))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test modules are written as text and assembled with the `wat` crate
    // (a dev-dependency: the host itself runs binary modules only).

    /// Prints "hi\n" through WASI `fd_write`; exits with `code` when it is not 0.
    fn hello(code: i32) -> Vec<u8> {
        let exit = if code != 0 { format!("(call $exit (i32.const {code}))") } else { String::new() };
        let text = format!(
            r#"(module
                (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
                (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                (memory (export "memory") 1)
                (data (i32.const 16) "hi\n")
                (func (export "_start")
                  (i32.store (i32.const 0) (i32.const 16))
                  (i32.store (i32.const 4) (i32.const 3))
                  (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                  {exit}))"#
        );
        wat::parse_str(text).expect("valid test module")
    }

    #[test]
    fn run_timed_captures_output_and_exit_code() {
        let (out, _compile, _run) = run_timed(&hello(0), true).unwrap();
        assert_eq!(out, Output { stdout: b"hi\n".to_vec(), stderr: vec![], code: 0 });
        let (out, _, _) = run_timed(&hello(3), true).unwrap();
        assert_eq!((out.stdout.as_slice(), out.code), (&b"hi\n"[..], 3));
    }

    #[test]
    fn precompiled_runs_repeatedly() {
        let (m, _) = Precompiled::new(&hello(0)).unwrap();
        for _ in 0..3 {
            assert_eq!(m.run(true).unwrap().0.stdout, b"hi\n");
        }
    }

    #[test]
    fn env_abort_is_a_trap() {
        let wasm = r#"(module
                (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
                (memory (export "memory") 1)
                (func (export "_start") (call $abort (i32.const 0) (i32.const 0) (i32.const 7) (i32.const 9))))"#
            ;
        let err = run_timed(&wat::parse_str(wasm).expect("valid test module"), true).unwrap_err();
        assert!(err.contains("abort() called at line 7, column 9"), "{err}");
    }
}
