//! What exists only in the wasm32 build: the runtime's global state, the
//! exported statics, the global allocator, the panic handler and the `rt_*`
//! exports (`exports.rs`).
//!
//! The state lives in `static mut`s that are only ever reached through the
//! accessors below. The heap is also what the global allocator uses, so
//! [`with_heap`] refuses re-entry: code holding the heap must not make Rust
//! allocations, and a violation becomes an "internal runtime error" instead
//! of two aliasing `&mut`s.

mod dynamic;
pub mod exceptions;
mod layout_exports;
mod append;
mod exports;
mod wasi;

use crate::heap::{Heap, Shadow};
use crate::io::{self, Location, Output, Sink};
use crate::layout::{meta, BOX_BOOL, OPTION_ENUM, SHADOW_BYTES, SHADOW_RESERVE, SHADOW_SLOT, VARIANT};
use core::alloc::{GlobalAlloc, Layout};
use wasi::WasiSink;

const SHADOW_SLOTS: usize = (SHADOW_BYTES / SHADOW_SLOT) as usize;
const RESERVE_SLOTS: usize = (SHADOW_RESERVE / SHADOW_SLOT) as usize;

/// The shadow stack: `u32` slots holding the pointers generated code keeps
/// live across calls (the collector's roots).
#[no_mangle]
pub static mut RT_SHADOW: [u32; SHADOW_SLOTS] = [0; SHADOW_SLOTS];

/// Address of the next free slot of [`RT_SHADOW`].
#[no_mangle]
pub static mut RT_SHADOW_SP: *mut u32 = (&raw mut RT_SHADOW).cast::<u32>();

/// Generated code calls `rt_shadow_overflow` rather than reserve a frame
/// ending past this address. The slots above it are for the runtime's own
/// temporary roots.
#[no_mangle]
pub static mut RT_SHADOW_LIMIT: *mut u32 = (&raw mut RT_SHADOW).cast::<u32>().wrapping_add(SHADOW_SLOTS - RESERVE_SLOTS);

/// A static `BOX_BOOL` object.
#[repr(C, align(8))]
pub struct BoolObject {
    meta: u32,
    len: u32,
    value: u32,
    pad: u32,
}

/// The boxed `true`.
#[no_mangle]
pub static RT_TRUE: BoolObject = BoolObject { meta: BOX_BOOL, len: 0, value: 1, pad: 0 };

/// The boxed `false`.
#[no_mangle]
pub static RT_FALSE: BoolObject = BoolObject { meta: BOX_BOOL, len: 0, value: 0, pad: 0 };

/// A static aggregate without fields (the runtime's `None`).
#[repr(C, align(8))]
pub struct UnitObject {
    meta: u32,
    len: u32,
    aux: u32,
    reserved: u32,
    kinds: u64,
}

/// Lowest heap address (`Heap::heap_start`): nil and static objects lie
/// below it. Generated code reads it to mark objects shared inline.
#[no_mangle]
pub static mut RT_HEAP_START: u32 = 0;

/// The `None` the runtime's own Options use (`get`, `pop`, `find`, …).
static RT_NONE: UnitObject = UnitObject { meta: meta(VARIANT, OPTION_ENUM), len: 0, aux: 0, reserved: 0, kinds: 0 };

static mut HEAP: Heap = Heap::new();
static mut HEAP_BUSY: bool = false;
static mut OUT: Output = Output::new();
/// STR of the source path (`rt_set_file`), 0 until set.
static mut FILE: u32 = 0;
/// Type table (`rt_set_types`), 0 until set.
static mut TYPES: u32 = 0;
/// Set once a fatal error is being reported, so a failure while reporting
/// cannot loop.
static mut DYING: bool = false;

/// Runs `f` with the heap, initialising it on first use.
fn with_heap<R>(f: impl FnOnce(&mut Heap) -> R) -> R {
    // SAFETY: single-threaded; `HEAP_BUSY` guarantees this is the only live
    // reference to `HEAP`.
    unsafe {
        if HEAP_BUSY {
            panic!("heap re-entered");
        }
        HEAP_BUSY = true;
        let heap_ptr = &raw mut HEAP;
        let heap = &mut *heap_ptr;
        if !heap.is_initialized() {
            heap.init(Shadow { base: (&raw const RT_SHADOW) as u32, sp_addr: (&raw const RT_SHADOW_SP) as u32 });
            heap.set_bool_objects((&raw const RT_FALSE) as u32, (&raw const RT_TRUE) as u32);
            heap.set_none_object((&raw const RT_NONE) as u32);
            heap.set_clock(wasi::now_ns);
            RT_HEAP_START = heap.heap_start();
        }
        let result = f(heap);
        HEAP_BUSY = false;
        result
    }
}

/// Runs `f` with the stdout buffer and the WASI sink.
/// The collector's log, without initialising or borrowing the heap: a
/// program that never allocates links no heap code for it.
fn heap_gc_log() -> *const crate::gc::GcLog {
    Heap::gc_log_of(&raw const HEAP)
}

fn with_output<R>(f: impl FnOnce(&mut Output, &mut WasiSink) -> R) -> R {
    // SAFETY: single-threaded, and no caller re-enters (output code neither
    // allocates nor calls back).
    let out = &raw mut OUT;
    unsafe { f(&mut *out, &mut WasiSink) }
}

fn file() -> u32 {
    // SAFETY: single-threaded read of a plain word.
    unsafe { FILE }
}

fn types() -> u32 {
    // SAFETY: as above.
    unsafe { TYPES }
}

/// The wasm host of the runtime's operations (`env::Env`): the global heap,
/// closures through the function table, WASI for input, output and time.
pub struct WasmEnv;

/// State of `random()`'s generator.
static mut RNG: u64 = crate::env::RNG_SEED;

impl crate::env::Env for WasmEnv {
    fn heap<R>(&mut self, f: impl FnOnce(&mut Heap) -> R) -> R {
        with_heap(f)
    }

    fn types(&self) -> u32 {
        types()
    }

    fn call_entry(&mut self, f: u32, argv: u32, loc: u32) -> u32 {
        let index = crate::value::aux(f) as usize;
        // SAFETY: on wasm32 a function pointer is its index in the function
        // table, and codegen stores the index of an entry point with this
        // signature in every closure's `aux` (a wrong one traps in
        // `call_indirect`'s signature check).
        let entry = unsafe { core::mem::transmute::<usize, extern "C" fn(i32, i32, i32) -> i32>(index) };
        entry(f as i32, argv as i32, loc as i32) as u32
    }

    fn write(&mut self, fd: u32, bytes: &[u8]) {
        with_output(|out, sink| out.print(sink, fd, bytes));
    }

    fn flush(&mut self) {
        with_output(|out, sink| out.flush(sink));
    }

    fn read_line(&mut self) -> alloc::vec::Vec<u8> {
        wasi::read_line()
    }

    fn now_ms(&mut self) -> i64 {
        wasi::now_ms()
    }

    fn rng_state(&mut self) -> &mut u64 {
        let rng = &raw mut RNG;
        // SAFETY: single-threaded; the one reference to `RNG` at a time.
        unsafe { &mut *rng }
    }

    fn exception_pending(&self) -> bool {
        exceptions::pending()
    }
}

/// Flushes stdout, reports a runtime error the way the VM does, and exits
/// with code 1.
pub fn fatal(msg: &[u8], at: Option<Location>) -> ! {
    exit_reporting(|sink| io::report_error(sink, msg, at))
}

/// A panic is a bug in the runtime, not in the program; it still ends like
/// a runtime error rather than as a bare trap. Reported with one fixed
/// write rather than through [`fatal`], so that code which can panic (any
/// slice access) does not link the error reporter into every module.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit_reporting(|sink| sink.write_all(io::STDERR, &[b"Error: Evaluation error: internal runtime error\n"]))
}

/// Flushes stdout, lets `report` write to stderr, exits with code 1. A
/// failure while reporting exits at once instead of reporting again.
fn exit_reporting(report: impl FnOnce(&mut WasiSink)) -> ! {
    // SAFETY: single-threaded flag.
    unsafe {
        if DYING {
            wasi::exit(1);
        }
        DYING = true;
    }
    with_output(|out, sink| {
        out.flush(sink);
        report(sink);
    });
    wasi::exit(1)
}

/// The runtime's own `alloc` (strings being formatted, work lists) uses raw
/// blocks of the same allocator, so the collector never sees them.
struct RawBlocks;

// SAFETY: blocks come from `Heap::alloc_raw`, which returns distinct,
// suitably aligned memory of at least the requested size.
unsafe impl GlobalAlloc for RawBlocks {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let addr = with_heap(|h| h.alloc_raw(layout.size() as u32, layout.align() as u32)).unwrap_or(0);
        core::ptr::with_exposed_provenance_mut(addr as usize)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _: Layout) {
        with_heap(|h| h.free_raw(ptr.expose_provenance() as u32));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let addr = ptr.expose_provenance() as u32;
        if new_size <= with_heap(|h| h.raw_capacity(addr)) as usize {
            return ptr;
        }
        // SAFETY: the caller's layout is valid and `new_size` fits (wasm32).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: GlobalAlloc contract, forwarded.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks hold at least `layout.size()` bytes.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size());
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[global_allocator]
static GLOBAL: RawBlocks = RawBlocks;
