//! The one sort the runtime uses: the standard library's stable
//! `sort_by`, instantiated once, on 16-byte items like the VM's `Value`.
//!
//! The VM sorts `Vec<Value>` with `sort_by`. For a consistent comparator
//! any stable sort gives the same order, but comparators may be
//! inconsistent (`|a, b| a < b` never answers `Equal`; NaN compares equal to
//! everything) and may have side effects (a closure that prints). Running
//! the same algorithm on elements of the same size and alignment makes the
//! sequence of comparisons — and so the result and the output — the VM's.
//! One instantiation also keeps the module small.

use core::cmp::Ordering;

/// A sort element: a value as slot bits and slot kind, 16 bytes and 8-byte
/// aligned, as the VM's `Value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct Item {
    pub bits: u64,
    pub kind: u32,
    pad: u32,
}

impl Item {
    pub fn new(bits: u64, kind: u32) -> Item {
        Item { bits, kind, pad: 0 }
    }
}

const _: () = assert!(core::mem::size_of::<Item>() == 16);

/// Stable sort of `items` by `cmp`.
pub fn sort_by(items: &mut [Item], cmp: &mut dyn FnMut(&Item, &Item) -> Ordering) {
    items.sort_by(|a, b| cmp(a, b));
}

/// Sorts `(key STR, value)` pairs by the keys' bytes.
pub fn sort_pairs_by_key(pairs: &mut [(u32, u32)]) {
    let mut items: alloc::vec::Vec<Item> = pairs.iter().map(|&(k, v)| Item::new(k as u64 | (v as u64) << 32, 0)).collect();
    // SAFETY: keys are live strings; sorting does not allocate GC objects.
    sort_by(&mut items, &mut |a, b| unsafe { crate::strings::bytes(a.bits as u32).cmp(crate::strings::bytes(b.bits as u32)) });
    for (p, it) in pairs.iter_mut().zip(items) {
        *p = (it.bits as u32, (it.bits >> 32) as u32);
    }
}
