//! The exception state generated code shares with the runtime (`ABI.md`,
//! "Exceptions"). The thrown value itself lives in shadow-stack slot 0,
//! which the code generator reserves, so the collector sees it as a root.
//!
//! Runtime errors become exceptions only while a `try` is active
//! (`RT_TRY_DEPTH > 0`): the compiler follows fallible operations with a
//! pending test only in functions a `try` can reach, and those are the only
//! ones that can run at a depth above 0. Anywhere else an error ends the
//! program at once, as it always did.

use super::{exports::location, fatal};

/// 1 while an exception propagates.
#[no_mangle]
pub static mut RT_EXC_PENDING: u32 = 0;

/// Packed `line << 16 | col` of the `throw` (or of the failed operation).
#[no_mangle]
pub static mut RT_EXC_LOC: u32 = 0;

/// 1 when the pending (or last caught) exception is a runtime error, whose
/// value is its message: `_start` then reports it as the error it is.
#[no_mangle]
pub static mut RT_EXC_ERROR: u32 = 0;

/// How many `try` bodies are active. Generated code raises it on entering a
/// `try` and puts back the value it found on every way out.
#[no_mangle]
pub static mut RT_TRY_DEPTH: u32 = 0;

/// Whether a closure the runtime called has thrown: the runtime must stop
/// and return at once (the generated caller propagates).
pub fn pending() -> bool {
    // SAFETY: a plain u32 static, written only by generated code between
    // runtime calls (single-threaded wasm).
    unsafe { core::ptr::read_volatile(&raw const RT_EXC_PENDING) != 0 }
}

fn try_active() -> bool {
    // SAFETY: as above.
    unsafe { core::ptr::read_volatile(&raw const RT_TRY_DEPTH) != 0 }
}

/// A runtime error with message `msg` at the packed `loc`: ends the program
/// when no `try` is active; otherwise makes it the pending exception and
/// returns (the caller returns any value and generated code propagates).
///
/// The message string is allocated without collecting: callers such as
/// `rt_unbox_int` are not safepoints, so their caller's live references
/// need not be rooted.
pub fn raise(msg: &[u8], loc: u32) {
    if !try_active() {
        fatal(msg, location(loc));
    }
    let s = super::with_heap(|h| crate::strings::new_str_no_collect(h, msg));
    set_pending_error(s, loc);
}

/// [`raise`] with a message that is already a (static) string object.
pub fn raise_str(msg: u32, loc: u32) {
    if !try_active() {
        // SAFETY: nothing allocates on the way to exiting.
        fatal(unsafe { crate::strings::bytes(msg) }, location(loc));
    }
    set_pending_error(msg, loc);
}

fn set_pending_error(value: u32, loc: u32) {
    // SAFETY: single-threaded writes of plain words; slot 0 of the shadow
    // stack is the exception value's root (reserved by `_start`, which
    // does so whenever the program has a `try`).
    unsafe {
        (&raw mut super::RT_SHADOW).cast::<u32>().write(value);
        RT_EXC_LOC = loc;
        RT_EXC_ERROR = 1;
        RT_EXC_PENDING = 1;
    }
}
