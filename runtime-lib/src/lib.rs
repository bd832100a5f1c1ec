//! The wasm-hosted Ruchy runtime: allocator, garbage collector, strings,
//! arrays, equality, formatting and output for programs compiled to
//! WebAssembly. `ABI.md` is the contract with the code generator.
//!
//! Built for `wasm32-unknown-unknown` it is a `no_std` module whose `rt_*`
//! exports generated code links against. Built natively it is an ordinary
//! library: the code generator reads [`layout`], and the unit tests run the
//! allocator, collector and formatter on a simulated linear memory
//! ([`memory`]). Everything wasm-only (exports, WASI imports, the global
//! allocator and panic handler) lives in the `wasm` module.
#![no_std]

// Natively the standard library provides the allocator, the panic handler
// and the thread-local test arena; the shared code only uses `core` and
// `alloc`.
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

extern crate alloc;

pub mod arrays;
pub mod equality;
pub mod format;
pub mod gc;
pub mod heap;
pub mod io;
pub mod layout;
pub mod memory;
pub mod ops;
pub mod pages;
pub mod strings;
pub mod value;

#[cfg(target_arch = "wasm32")]
mod wasm;
