//! Arrays: an `ARRAY` object (`len`, `cap`, `data`) whose elements live in a
//! raw data block of `cap` 8-byte slots, all of the element slot kind in the
//! header.
//!
//! The data block is raw memory: the collector reaches elements through the
//! array object, never by sweeping the block, and frees the block when it
//! sweeps the array. Replacing a block on growth frees the old one at once.
//! Raw allocation never collects, so pushing is not a safepoint.
//!
//! Small arrays (at most [`INLINE_SLOTS`] slots when made) keep their slots
//! inline, right after the header in the object's own cell: one allocation
//! and one free instead of two (binary-trees makes millions of 2-element
//! arrays). `data` then points into the object itself; such a block is
//! never freed on its own, and growing moves the slots out to a raw block.

use crate::heap::Heap;
use crate::layout::{array_meta, elem_kind_of, ARRAY_CAP, ARRAY_DATA, ARRAY_SIZE, K_PTR, LEN, META, SHARED_BIT, SLOT_SIZE};
use crate::memory;
use crate::value::{len, meta};

/// Capacity of the first data block a push allocates.
const MIN_CAP: u32 = 4;

/// Arrays made with at most this many slots keep them inline.
pub const INLINE_SLOTS: u32 = 4;

/// A new empty array of `elem_kind` elements with room for `cap`. May
/// collect.
pub fn new(heap: &mut Heap, elem_kind: u32, cap: u32) -> u32 {
    alloc_array(heap, array_meta(elem_kind), cap)
}

/// An empty array object with header `meta` and room for `cap` slots,
/// inline when they are few. May collect.
fn alloc_array(heap: &mut Heap, meta: u32, cap: u32) -> u32 {
    if cap > 0 && cap <= INLINE_SLOTS {
        let arr = heap.alloc_object(meta, 0, ARRAY_SIZE + cap * SLOT_SIZE);
        memory::store_u32(arr + ARRAY_CAP, cap);
        memory::store_u32(arr + ARRAY_DATA, arr + ARRAY_SIZE);
        return arr;
    }
    let arr = heap.alloc_object(meta, 0, ARRAY_SIZE);
    if cap > 0 {
        let (data, cap) = alloc_data(heap, cap);
        memory::store_u32(arr + ARRAY_CAP, cap);
        memory::store_u32(arr + ARRAY_DATA, data);
    }
    arr
}

/// True when `arr`'s slots live inside the object (see the module doc).
pub fn has_inline_data(arr: u32) -> bool {
    memory::load_u32(arr + ARRAY_DATA) == arr + ARRAY_SIZE
}

/// A raw block for at least `slots` elements and its capacity in slots
/// (whatever its size class rounds up to). Counts towards the next
/// collection, since the block lives exactly as long as its array.
fn alloc_data(heap: &mut Heap, slots: u32) -> (u32, u32) {
    let Some(data) = slots.checked_mul(SLOT_SIZE).and_then(|bytes| heap.alloc_raw(bytes, 8)) else {
        crate::io::die(b"Out of memory");
    };
    let bytes = heap.raw_capacity(data);
    heap.gc.note_alloc(bytes);
    (data, bytes / SLOT_SIZE)
}

/// Appends the slot bits `bits` (of the array's element kind), growing the
/// data block by doubling. Never collects. The array must be unshared (the
/// caller copies a shared one first).
pub fn push(heap: &mut Heap, arr: u32, bits: u64) {
    let n = len(arr);
    if n == memory::load_u32(arr + ARRAY_CAP) {
        grow(heap, arr, n);
    }
    let data = memory::load_u32(arr + ARRAY_DATA);
    memory::store_u64(data + n * SLOT_SIZE, bits);
    memory::store_u32(arr + LEN, n + 1);
}

/// Moves the `n` elements of `arr` to a block twice as large.
fn grow(heap: &mut Heap, arr: u32, n: u32) {
    let old_cap = memory::load_u32(arr + ARRAY_CAP);
    let want = old_cap.saturating_mul(2).max(MIN_CAP);
    let (data, cap) = alloc_data(heap, want);
    let old = memory::load_u32(arr + ARRAY_DATA);
    memory::copy(data, old, n * SLOT_SIZE);
    // A static array's block lies below the heap: `free_raw` ignores it.
    // Inline slots belong to the object's cell.
    if !has_inline_data(arr) {
        heap.free_raw(old);
    }
    memory::store_u32(arr + ARRAY_CAP, cap);
    memory::store_u32(arr + ARRAY_DATA, data);
}

/// A fresh, unshared copy of `arr` (copy-on-write). Pointer elements are now
/// referenced by both arrays, so they become shared. May collect (`arr` is
/// kept alive).
pub fn copy(heap: &mut Heap, arr: u32) -> u32 {
    let n = len(arr);
    let m = meta(arr) & !SHARED_BIT;
    let copy = heap.with_roots(&[arr], |h| alloc_array(h, m, n));
    memory::store_u32(copy + LEN, n);
    if n == 0 {
        return copy;
    }
    let data = memory::load_u32(copy + ARRAY_DATA);
    memory::copy(data, memory::load_u32(arr + ARRAY_DATA), n * SLOT_SIZE);
    if elem_kind_of(m) == K_PTR {
        share_elements(heap, data, n);
    }
    copy
}

/// `a + b`: a new array with the elements of both. Arrays of one element
/// kind keep it; mixing kinds gives a `K_PTR` array of boxed scalars. Pointer
/// elements become shared. May collect (`a` and `b` are kept alive).
pub fn concat(heap: &mut Heap, a: u32, b: u32) -> u32 {
    let (ka, kb) = (elem_kind_of(meta(a)), elem_kind_of(meta(b)));
    let kind = if ka == kb { ka } else { K_PTR };
    let Some(n) = len(a).checked_add(len(b)) else { crate::io::die(b"Out of memory") };
    let r = heap.with_roots(&[a, b], |h| new(h, kind, n));
    if ka == kb {
        let data = memory::load_u32(r + ARRAY_DATA);
        let bytes_a = len(a) * SLOT_SIZE;
        memory::copy(data, memory::load_u32(a + ARRAY_DATA), bytes_a);
        memory::copy(data + bytes_a, memory::load_u32(b + ARRAY_DATA), len(b) * SLOT_SIZE);
        memory::store_u32(r + LEN, n);
    } else {
        heap.with_roots(&[a, b, r], |h| {
            for src in [a, b] {
                append_boxed(h, r, src);
            }
        });
    }
    if kind == K_PTR {
        share_elements(heap, memory::load_u32(r + ARRAY_DATA), n);
    }
    r
}

/// Pushes the elements of `src` onto the `K_PTR` array `dst`, boxing
/// scalars (which may collect: the caller roots both arrays).
fn append_boxed(heap: &mut Heap, dst: u32, src: u32) {
    let kind = elem_kind_of(meta(src));
    for i in 0..len(src) {
        let bits = memory::load_u64(memory::load_u32(src + ARRAY_DATA) + i * SLOT_SIZE);
        let v = crate::value::box_slot(heap, bits, kind);
        push(heap, dst, v as u64);
    }
}

/// Sets the shared bit of every heap object among `n` pointer slots.
fn share_elements(heap: &Heap, data: u32, n: u32) {
    for i in 0..n {
        let e = memory::load_u32(data + i * SLOT_SIZE);
        if heap.in_heap(e) {
            memory::store_u32(e + META, meta(e) | SHARED_BIT);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::tests::fresh_heap;
    use crate::layout::{K_INT, STR};
    use crate::value::{element, Val};

    #[test]
    fn push_grows_and_keeps_elements() {
        let mut h = fresh_heap();
        let a = new(&mut h, K_INT, 0);
        assert_eq!(memory::load_u32(a + ARRAY_DATA), 0);
        for i in 0..10_000u64 {
            push(&mut h, a, i * 3);
        }
        assert_eq!(len(a), 10_000);
        assert!(memory::load_u32(a + ARRAY_CAP) >= 10_000);
        assert_eq!(element(a, 9_999), Val::Int(29_997));
        assert_eq!(element(a, 0), Val::Int(0));
    }

    #[test]
    fn small_arrays_keep_their_slots_inline_until_they_grow() {
        let mut h = fresh_heap();
        let a = new(&mut h, K_INT, 2);
        assert!(has_inline_data(a));
        assert_eq!(memory::load_u32(a + ARRAY_CAP), 2);
        for i in 0..3u64 {
            push(&mut h, a, i + 7);
        }
        assert!(!has_inline_data(a), "the third push moved the slots out");
        assert_eq!((element(a, 0), element(a, 2)), (Val::Int(7), Val::Int(9)));
        let c = copy(&mut h, a);
        assert!(has_inline_data(c), "a copy of 3 elements fits inline");
        assert_eq!(element(c, 1), Val::Int(8));
        // Collecting the arrays must not free inline slots as raw blocks.
        let small = new(&mut h, K_INT, 1);
        push(&mut h, small, 1);
        assert!(has_inline_data(small));
        h.collect();
    }

    #[test]
    fn capacity_uses_the_whole_size_class() {
        let mut h = fresh_heap();
        let a = new(&mut h, K_INT, 5);
        assert_eq!(memory::load_u32(a + ARRAY_CAP), 6, "5 slots = 40 bytes → 48-byte cell");
    }

    #[test]
    fn copies_are_unshared_and_share_their_children() {
        let mut h = fresh_heap();
        let s = h.alloc_object(STR, 0, 16);
        let a = new(&mut h, K_PTR, 1);
        push(&mut h, a, s as u64);
        push(&mut h, a, 0);
        memory::store_u32(a, meta(a) | SHARED_BIT);
        let c = copy(&mut h, a);
        assert_ne!(c, a);
        assert_eq!(meta(c) & SHARED_BIT, 0);
        assert_eq!(elem_kind_of(meta(c)), K_PTR);
        assert_eq!(len(c), 2);
        assert_ne!(memory::load_u32(c + ARRAY_DATA), memory::load_u32(a + ARRAY_DATA));
        assert_eq!(element(c, 0), Val::Obj(s));
        assert_ne!(meta(s) & SHARED_BIT, 0);
        // Mutating the copy leaves the original alone.
        push(&mut h, c, 0);
        assert_eq!(len(a), 2);
    }
}
