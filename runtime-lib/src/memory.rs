//! Linear memory, addressed by `u32` offsets.
//!
//! Every object the runtime manages is named by its `u32` address, exactly
//! as generated wasm code names it. On wasm32 an address *is* a pointer into
//! the module's memory 0 and growing uses `memory.grow`. Natively (unit
//! tests) a per-thread arena of [`ARENA_PAGES`] pages stands in for it,
//! with a simulated page count, so the allocator and the collector run
//! unchanged under `cargo test`. Nothing in the runtime ever holds a Rust
//! pointer into this memory across calls: it goes through the helpers
//! below, which are a plain load/store on wasm.

use crate::layout::PAGE_SIZE;

/// Page count above which `grow` fails natively (256 MiB of address space,
/// committed lazily by the OS).
#[cfg(not(target_arch = "wasm32"))]
pub const ARENA_PAGES: u32 = 4096;

/// Most pages memory can ever have: bounds the allocator's page table.
#[cfg(target_arch = "wasm32")]
pub const MAX_PAGES: u32 = 65536;
#[cfg(not(target_arch = "wasm32"))]
pub const MAX_PAGES: u32 = ARENA_PAGES;

#[cfg(target_arch = "wasm32")]
mod backing {
    use core::arch::wasm32;

    #[inline(always)]
    pub fn ptr(addr: u32, _len: u32) -> *mut u8 {
        core::ptr::with_exposed_provenance_mut(addr as usize)
    }

    #[inline(always)]
    pub fn pages() -> u32 {
        wasm32::memory_size(0) as u32
    }

    #[inline]
    pub fn grow(delta: u32) -> Option<u32> {
        let old = wasm32::memory_grow(0, delta as usize);
        (old != usize::MAX).then_some(old as u32)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod backing {
    use super::ARENA_PAGES;
    use crate::layout::PAGE_SIZE;
    use std::alloc::{alloc_zeroed, dealloc, Layout};
    use std::cell::Cell;

    /// A zeroed region of the maximal size, reserved once per thread (the
    /// OS commits pages on first touch) so addresses never move.
    struct Arena {
        base: *mut u8,
        pages: Cell<u32>,
    }

    fn layout() -> Layout {
        Layout::from_size_align(ARENA_PAGES as usize * PAGE_SIZE as usize, PAGE_SIZE as usize).expect("arena layout")
    }

    impl Arena {
        fn new() -> Arena {
            // SAFETY: the layout has a non-zero size.
            let base = unsafe { alloc_zeroed(layout()) };
            assert!(!base.is_null(), "cannot reserve the test arena");
            Arena { base, pages: Cell::new(0) }
        }
    }

    impl Drop for Arena {
        fn drop(&mut self) {
            // SAFETY: allocated in `new` with the same layout.
            unsafe { dealloc(self.base, layout()) }
        }
    }

    std::thread_local! {
        static ARENA: Arena = Arena::new();
    }

    pub fn ptr(addr: u32, len: u32) -> *mut u8 {
        ARENA.with(|a| {
            let end = addr as u64 + len as u64;
            assert!(end <= a.pages.get() as u64 * PAGE_SIZE as u64, "access to {addr:#x}+{len} outside memory");
            // SAFETY: in bounds of the arena allocation (checked above).
            unsafe { a.base.add(addr as usize) }
        })
    }

    pub fn pages() -> u32 {
        ARENA.with(|a| a.pages.get())
    }

    pub fn grow(delta: u32) -> Option<u32> {
        ARENA.with(|a| {
            let old = a.pages.get();
            let new = old.checked_add(delta).filter(|n| *n <= ARENA_PAGES)?;
            a.pages.set(new);
            Some(old)
        })
    }

    /// Zeroes the arena and sets its size to `pages`: a fresh memory.
    pub fn reset(pages: u32) {
        ARENA.with(|a| {
            // SAFETY: zeroes the part in use, which lies inside the arena.
            unsafe { a.base.write_bytes(0, a.pages.get() as usize * PAGE_SIZE as usize) };
            a.pages.set(pages.min(ARENA_PAGES));
        })
    }
}

/// Starts a fresh native memory of `pages` zeroed pages on this thread (tests
/// call this first; the pages play the role of the module's static data).
#[cfg(not(target_arch = "wasm32"))]
pub fn reset(pages: u32) {
    backing::reset(pages)
}

/// Current memory size in pages.
#[inline]
pub fn pages() -> u32 {
    backing::pages()
}

/// Address one past the end of memory, saturating at `u32::MAX` for a full
/// 4 GiB memory (whose last byte is then unusable, which costs nothing).
#[inline]
pub fn end() -> u32 {
    (pages() as u64 * PAGE_SIZE as u64).min(u32::MAX as u64) as u32
}

/// Grows memory by `delta` pages; returns the old size in pages, or `None`
/// when memory cannot grow.
#[inline]
pub fn grow(delta: u32) -> Option<u32> {
    backing::grow(delta)
}

macro_rules! access {
    ($load:ident, $store:ident, $t:ty) => {
        #[doc = concat!("Loads a `", stringify!($t), "` at `addr`.")]
        #[inline(always)]
        pub fn $load(addr: u32) -> $t {
            let p = backing::ptr(addr, core::mem::size_of::<$t>() as u32) as *const $t;
            // SAFETY: `p` addresses memory (bounds-checked natively, a trap on
            // wasm otherwise); every bit pattern is a valid `$t`.
            unsafe { p.read_unaligned() }
        }

        #[doc = concat!("Stores a `", stringify!($t), "` at `addr`.")]
        #[inline(always)]
        pub fn $store(addr: u32, v: $t) {
            let p = backing::ptr(addr, core::mem::size_of::<$t>() as u32) as *mut $t;
            // SAFETY: as for the load; no Rust reference into memory is ever
            // held across this write (see the module docs).
            unsafe { p.write_unaligned(v) }
        }
    };
}

access!(load_u8, store_u8, u8);
access!(load_u32, store_u32, u32);
access!(load_i32, store_i32, i32);
access!(load_u64, store_u64, u64);
access!(load_i64, store_i64, i64);
access!(load_f64, store_f64, f64);

/// Copies `len` bytes from `src` to `dst` (the ranges may overlap).
#[inline]
pub fn copy(dst: u32, src: u32, len: u32) {
    if len == 0 {
        return;
    }
    let s = backing::ptr(src, len);
    let d = backing::ptr(dst, len);
    // SAFETY: both ranges are in memory; `copy` allows overlap.
    unsafe { core::ptr::copy(s, d, len as usize) }
}

/// Blocks up to this size are zeroed word by word: wasmtime runs
/// `memory.fill` as a call into the host, which costs more than a few
/// stores (most objects are 16-64 bytes).
const SMALL_ZERO: u32 = 64;

/// Zeroes `words` aligned 8-byte words from `addr`. Volatile stores, or
/// LLVM would turn the loop back into a `memory.fill`.
fn zero_words(addr: u32, words: u32) {
    let p = backing::ptr(addr, words * 8).cast::<u64>();
    for i in 0..words as usize {
        // SAFETY: the range is in memory and 8-byte aligned (the native
        // arena is page-aligned; wasm addresses are the pointers).
        unsafe { p.add(i).write_volatile(0) }
    }
}

/// Sets `len` bytes at `addr` to zero.
#[inline]
pub fn zero(addr: u32, len: u32) {
    if len == 0 {
        return;
    }
    if len <= SMALL_ZERO && (addr | len) % 8 == 0 {
        zero_words(addr, len / 8);
        return;
    }
    let d = backing::ptr(addr, len);
    // SAFETY: the range is in memory.
    unsafe { d.write_bytes(0, len as usize) }
}

/// Copies a Rust byte slice into memory at `dst`.
#[inline]
pub fn write_bytes(dst: u32, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let d = backing::ptr(dst, bytes.len() as u32);
    // SAFETY: the destination range is in memory and cannot overlap a Rust
    // slice (the runtime never holds slices of memory it writes to).
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), d, bytes.len()) }
}

/// Borrows `len` bytes of memory at `addr`.
///
/// # Safety
/// The bytes must not be written while the slice is alive. The runtime only
/// borrows immutable string bytes this way, and never across an allocation
/// that could collect them.
#[inline]
pub unsafe fn bytes<'a>(addr: u32, len: u32) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    let p = backing::ptr(addr, len);
    // SAFETY: in memory (see `backing::ptr`); immutability is the caller's
    // promise.
    unsafe { core::slice::from_raw_parts(p, len as usize) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_see_stores_and_growth_is_zeroed() {
        reset(1);
        assert_eq!(pages(), 1);
        store_u64(8, 0x1122_3344_5566_7788);
        assert_eq!(load_u32(8), 0x5566_7788);
        assert_eq!(load_u32(12), 0x1122_3344);
        assert_eq!(grow(2), Some(1));
        assert_eq!(end(), 3 * PAGE_SIZE);
        assert_eq!(load_u64(2 * PAGE_SIZE + 8), 0);
        copy(100, 8, 8);
        assert_eq!(load_i64(100), 0x1122_3344_5566_7788);
        zero(100, 4);
        assert_eq!(load_u64(100), 0x1122_3344_0000_0000);
        assert_eq!(grow(ARENA_PAGES), None);
        reset(1);
        assert_eq!(load_u64(8), 0, "reset zeroes memory");
    }

    #[test]
    fn zeroing_clears_exactly_the_range_small_or_large() {
        reset(1);
        for (at, len) in [(64, 48), (256, 64), (512, 72), (1024, 13)] {
            for a in at - 8..at + len + 8 {
                store_u8(a, 0xab);
            }
            zero(at, len);
            assert_eq!((load_u8(at - 1), load_u8(at + len)), (0xab, 0xab), "{len} bytes at {at}");
            assert!((at..at + len).all(|a| load_u8(a) == 0), "{len} bytes at {at}");
        }
    }

    #[test]
    #[should_panic(expected = "outside memory")]
    fn native_accesses_are_bounds_checked() {
        reset(1);
        load_u32(PAGE_SIZE - 2);
    }
}
