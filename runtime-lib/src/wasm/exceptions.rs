//! The exception state generated code shares with the runtime (`ABI.md`,
//! "Exceptions"). The thrown value itself lives in shadow-stack slot 0,
//! which the code generator reserves, so the collector sees it as a root.

/// 1 while an exception propagates.
#[no_mangle]
pub static mut RT_EXC_PENDING: u32 = 0;

/// Packed `line << 16 | col` of the `throw`.
#[no_mangle]
pub static mut RT_EXC_LOC: u32 = 0;

/// Whether a closure the runtime called has thrown: the runtime must stop
/// and return at once (the generated caller propagates).
pub fn pending() -> bool {
    // SAFETY: a plain u32 static, written only by generated code between
    // runtime calls (single-threaded wasm).
    unsafe { core::ptr::read_volatile(&raw const RT_EXC_PENDING) != 0 }
}
