//! Strings: immutable `STR` objects (`len` UTF-8 bytes at `+8`).
//!
//! Immutability is what lets the runtime hand back an argument instead of a
//! copy (`"" + s` is `s`) and borrow a string's bytes while it works.

use crate::heap::Heap;
use crate::layout::{str_size, STR, STR_BYTES};
use crate::memory;
use crate::value::len;
use core::cmp::Ordering;

/// The bytes of the string `s`.
///
/// # Safety
/// The slice must not be used after an allocation that may collect `s`
/// (root `s` first, or drop the slice before allocating).
#[inline]
pub unsafe fn bytes<'a>(s: u32) -> &'a [u8] {
    // SAFETY: strings are immutable; liveness is the caller's promise.
    unsafe { memory::bytes(s + STR_BYTES, len(s)) }
}

/// The text of the string `s`.
///
/// # Safety
/// As [`bytes`]. Strings hold valid UTF-8 by construction (ABI): literals
/// come from Rust strings and every runtime operation builds strings from
/// `str` pieces.
#[inline]
pub unsafe fn as_str<'a>(s: u32) -> &'a str {
    // SAFETY: the caller's promise, and the ABI's UTF-8 invariant.
    unsafe { core::str::from_utf8_unchecked(bytes(s)) }
}

/// A new string holding `text`, which must be Rust-owned bytes (not the
/// bytes of a heap string, which a collection here could free). May collect.
pub fn new_str(heap: &mut Heap, text: &[u8]) -> u32 {
    let n = string_len(text.len());
    let s = heap.alloc_object(STR, n, str_size(n));
    memory::write_bytes(s + STR_BYTES, text);
    s
}

/// [`new_str`] without collecting (see [`Heap::alloc_object_no_collect`]).
pub fn new_str_no_collect(heap: &mut Heap, text: &[u8]) -> u32 {
    let n = string_len(text.len());
    let s = heap.alloc_object_no_collect(STR, n, str_size(n));
    memory::write_bytes(s + STR_BYTES, text);
    s
}

/// A string length as the `u32` the header holds; longer is out of memory.
fn string_len(n: usize) -> u32 {
    match u32::try_from(n).ok().filter(|n| n.checked_add(STR_BYTES).is_some()) {
        Some(n) => n,
        None => crate::io::die(b"Out of memory"),
    }
}

/// `a + b`. Returns an operand unchanged when the other is empty. May
/// collect (both operands are kept alive).
pub fn concat(heap: &mut Heap, a: u32, b: u32) -> u32 {
    let (la, lb) = (len(a), len(b));
    if la == 0 {
        return b;
    }
    if lb == 0 {
        return a;
    }
    let n = string_len(la as usize + lb as usize);
    let s = heap.with_roots(&[a, b], |h| h.alloc_object(STR, n, str_size(n)));
    memory::copy(s + STR_BYTES, a + STR_BYTES, la);
    memory::copy(s + STR_BYTES + la, b + STR_BYTES, lb);
    s
}

/// `s += t`: appends in place when `s` is an unshared heap string whose
/// cell has room, else makes a new string with room to double, so a loop of
/// appends copies each byte a constant number of times (the VM appends in
/// place too). An empty `s` is never returned as `t` itself: the result may
/// be appended to in place later, and `t` belongs to someone else. May
/// collect (both operands are kept alive).
pub fn append(heap: &mut Heap, s: u32, t: u32) -> u32 {
    let (ls, lt) = (len(s), len(t));
    if lt == 0 {
        return s;
    }
    let n = string_len(ls as usize + lt as usize);
    let unshared = heap.in_heap(s) && crate::value::meta(s) & crate::layout::SHARED_BIT == 0;
    if ls > 0 && unshared && heap.object_capacity(s) >= str_size(n) {
        memory::copy(s + STR_BYTES + ls, t + STR_BYTES, lt);
        memory::store_u32(s + crate::layout::LEN, n);
        return s;
    }
    let room = str_size(n.saturating_mul(2).min(u32::MAX / 2));
    let out = heap.with_roots(&[s, t], |h| h.alloc_object(STR, n, room.max(str_size(n))));
    memory::copy(out + STR_BYTES, s + STR_BYTES, ls);
    memory::copy(out + STR_BYTES + ls, t + STR_BYTES, lt);
    out
}

/// `s * times`: the string repeated. May collect (`s` is kept alive).
pub fn repeat(heap: &mut Heap, s: u32, times: u32) -> u32 {
    if times == 1 {
        return s;
    }
    let piece = len(s);
    let n = string_len(piece as usize * times as usize);
    let r = heap.with_roots(&[s], |h| h.alloc_object(STR, n, str_size(n)));
    if piece > 0 {
        for i in 0..times {
            memory::copy(r + STR_BYTES + i * piece, s + STR_BYTES, piece);
        }
    }
    r
}

/// Byte equality.
pub fn eq(a: u32, b: u32) -> bool {
    // SAFETY: no allocation while the slices live.
    a == b || unsafe { bytes(a) == bytes(b) }
}

/// Byte-wise ordering (Rust's `str` ordering).
pub fn cmp(a: u32, b: u32) -> Ordering {
    // SAFETY: no allocation while the slices live.
    unsafe { bytes(a).cmp(bytes(b)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::tests::fresh_heap;

    #[test]
    fn concat_eq_cmp() {
        let mut h = fresh_heap();
        let a = new_str(&mut h, b"ab");
        let b = new_str(&mut h, "cé".as_bytes());
        let e = new_str(&mut h, b"");
        let ab = concat(&mut h, a, b);
        assert_eq!(unsafe { bytes(ab) }, "abcé".as_bytes());
        assert_eq!(concat(&mut h, a, e), a);
        assert_eq!(concat(&mut h, e, b), b);
        let ab2 = new_str(&mut h, "abcé".as_bytes());
        assert!(eq(ab, ab2));
        assert!(!eq(a, ab));
        assert_eq!(cmp(a, ab), Ordering::Less);
        assert_eq!(cmp(b, a), Ordering::Greater);
        assert_eq!(cmp(ab, ab2), Ordering::Equal);
    }

    #[test]
    fn concat_keeps_its_operands_alive_across_a_collection() {
        let mut h = fresh_heap();
        let a = new_str(&mut h, b"left");
        let b = new_str(&mut h, b"right");
        // Push the heap past its collection threshold (nothing is rooted).
        while !h.gc.due() {
            new_str(&mut h, &[b'x'; 1000]);
        }
        let before = h.stats().collections;
        let s = concat(&mut h, a, b);
        assert_eq!(h.stats().collections, before + 1);
        assert_eq!(unsafe { bytes(s) }, b"leftright");
    }
}
