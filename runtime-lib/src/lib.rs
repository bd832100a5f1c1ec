//! The wasm-hosted Ruchy runtime: allocator, garbage collector, strings,
//! arrays, dicts, equality, operators, places, methods, built-ins,
//! formatting and output for programs compiled to WebAssembly. `ABI.md` is the contract with the code generator.
//!
//! Built for `wasm32-unknown-unknown` it is a `no_std` module whose `rt_*`
//! exports generated code links against. Built natively it is an ordinary
//! library: the unit tests run everything on a simulated linear memory
//! ([`memory`]) with closures written in Rust (`env::test::TestEnv`). Everything wasm-only (exports, WASI imports, the global
//! allocator and panic handler) lives in the `wasm` module.
#![no_std]

// Natively the standard library provides the allocator, the panic handler
// and the thread-local test arena; the shared code only uses `core` and
// `alloc`.
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

extern crate alloc;

pub mod arrays;
pub mod builtins;
pub mod casts;
pub mod dict;
pub mod env;
pub mod equality;
pub mod error;
pub mod format;
pub mod gc;
pub mod heap;
pub mod io;
pub mod layout;
pub mod math;
pub mod memory;
pub mod methods;
pub mod ops;
pub mod pages;
pub mod places;
pub mod retype;
pub mod sort;
pub mod strings;
pub mod value;

/// Tests: a global allocator that counts Rust allocations made while an
/// `Env` holds the heap (`env::test::HELD`). On wasm32 the runtime's Rust
/// allocations go through the heap, so such an allocation would be a
/// re-entry; natively the test `Env` fails on the count.
#[cfg(test)]
mod alloc_guard {
    use crate::env::test::{HELD, VIOLATIONS};
    use std::alloc::{GlobalAlloc, Layout, System};

    struct Guard;

    fn note() {
        if HELD.try_with(|h| h.get()).unwrap_or(false) {
            let _ = VIOLATIONS.try_with(|v| v.set(v.get() + 1));
        }
    }

    // SAFETY: forwards to the system allocator.
    unsafe impl GlobalAlloc for Guard {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            note();
            // SAFETY: forwarded contract.
            unsafe { System.alloc(l) }
        }
        unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
            note();
            // SAFETY: forwarded contract.
            unsafe { System.alloc_zeroed(l) }
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            note();
            // SAFETY: forwarded contract.
            unsafe { System.dealloc(p, l) }
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
            note();
            // SAFETY: forwarded contract.
            unsafe { System.realloc(p, l, n) }
        }
    }

    #[global_allocator]
    static GUARD: Guard = Guard;
}

#[cfg(target_arch = "wasm32")]
mod wasm;
