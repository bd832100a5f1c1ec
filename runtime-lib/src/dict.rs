//! Dicts: `DICT` objects, hash tables from string keys to dynamic values.
//!
//! A dict object holds `len` (entries), `cap` (table size, a power of two)
//! and the address of its table, a raw block of `cap` entries of
//! `{key, hash, value}` (`layout::ENTRY_*`). The key is a `STR` object (keys
//! are strings, §10; other scalar keys are stored as their text), the value
//! a dynamic value. Empty entries have key 0. Collisions probe linearly;
//! removal shifts the following entries back, so there are no tombstones.
//!
//! Like an array's data block, the table is untraced raw memory that lives
//! exactly as long as its dict: the collector marks keys and values through
//! the dict object and frees the table when it sweeps the dict. Growing the
//! table is a raw allocation, so inserting never collects.
//!
//! Programs observe dicts only in sorted key order (printing, iteration,
//! `keys`/`values`/`items`): [`sorted`] sorts the entries on demand, as the
//! VM's `Dict` does.

use crate::heap::Heap;
use crate::layout::{DICT, DICT_CAP, DICT_SIZE, DICT_TABLE, ENTRY_HASH, ENTRY_KEY, ENTRY_SIZE, ENTRY_VALUE, LEN, SHARED_BIT};
use crate::memory;
use crate::strings;
use crate::value::{len, meta};
use alloc::vec::Vec;

/// Table size of the first table an insertion allocates.
const MIN_CAP: u32 = 8;

/// The hash of a key's bytes: FxHash-style multiply-rotate over 8-byte
/// words (the VM's hasher), folded to 32 bits from the well-mixed high half.
pub fn hash(bytes: &[u8]) -> u32 {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h = 0u64;
    let mut add = |word: u64| h = (h.rotate_left(5) ^ word).wrapping_mul(SEED);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        add(u64::from_le_bytes(w));
    }
    let rest = chunks.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    // The length separates "a" from "a\\0".
    add(u64::from_le_bytes(w) ^ ((bytes.len() as u64) << 56));
    (h >> 32) as u32
}

/// A new empty dict. May collect.
pub fn new(heap: &mut Heap) -> u32 {
    heap.alloc_object(DICT, 0, DICT_SIZE)
}

fn cap(d: u32) -> u32 {
    memory::load_u32(d + DICT_CAP)
}

fn table(d: u32) -> u32 {
    memory::load_u32(d + DICT_TABLE)
}

fn entry(table: u32, i: u32) -> u32 {
    table + i * ENTRY_SIZE
}

/// The key object of entry `e` (0 when empty).
fn key_at(e: u32) -> u32 {
    memory::load_u32(e + ENTRY_KEY)
}

/// The entry holding `key`, or `None`.
fn find(d: u32, key: &[u8], h: u32) -> Option<u32> {
    let n = cap(d);
    if n == 0 {
        return None;
    }
    let (t, mask) = (table(d), n - 1);
    let mut i = h & mask;
    loop {
        let e = entry(t, i);
        let k = key_at(e);
        if k == 0 {
            return None;
        }
        // SAFETY: keys are live strings; nothing allocates here.
        if memory::load_u32(e + ENTRY_HASH) == h && unsafe { strings::bytes(k) } == key {
            return Some(e);
        }
        i = (i + 1) & mask;
    }
}

/// The value of `key`, or `None`.
pub fn get(d: u32, key: &[u8]) -> Option<u32> {
    find(d, key, hash(key)).map(|e| memory::load_u32(e + ENTRY_VALUE))
}

/// Whether `key` is present.
pub fn contains(d: u32, key: &[u8]) -> bool {
    find(d, key, hash(key)).is_some()
}

/// Replaces the value of an existing key and returns the previous one;
/// `None` (and no change) when `key` is absent.
pub fn replace(d: u32, key: &[u8], v: u32) -> Option<u32> {
    let e = find(d, key, hash(key))?;
    let old = memory::load_u32(e + ENTRY_VALUE);
    memory::store_u32(e + ENTRY_VALUE, v);
    Some(old)
}

/// Sets the value of the key `key` (a STR object) to `v`; returns the
/// previous value. An existing entry keeps its key object. The dict must be
/// unshared. Never collects.
pub fn insert(heap: &mut Heap, d: u32, key: u32, v: u32) -> Option<u32> {
    // SAFETY: `key` is a live string; no GC allocation below.
    let bytes = unsafe { strings::bytes(key) };
    let h = hash(bytes);
    if let Some(e) = find(d, bytes, h) {
        let old = memory::load_u32(e + ENTRY_VALUE);
        memory::store_u32(e + ENTRY_VALUE, v);
        return Some(old);
    }
    let n = len(d);
    if (n + 1) * 4 > cap(d) * 3 {
        grow(heap, d);
    }
    put(table(d), cap(d) - 1, key, h, v);
    memory::store_u32(d + LEN, n + 1);
    None
}

/// Stores a new entry in the first free place of its probe sequence.
fn put(t: u32, mask: u32, key: u32, h: u32, v: u32) {
    let mut i = h & mask;
    while key_at(entry(t, i)) != 0 {
        i = (i + 1) & mask;
    }
    let e = entry(t, i);
    memory::store_u32(e + ENTRY_KEY, key);
    memory::store_u32(e + ENTRY_HASH, h);
    memory::store_u32(e + ENTRY_VALUE, v);
}

/// A zeroed table block of `n` entries (counted towards the next
/// collection, since it lives as long as its dict).
fn alloc_table(heap: &mut Heap, n: u32) -> u32 {
    let Some(t) = n.checked_mul(ENTRY_SIZE).and_then(|bytes| heap.alloc_raw(bytes, 8)) else {
        crate::io::die(b"Out of memory");
    };
    memory::zero(t, n * ENTRY_SIZE);
    let bytes = heap.raw_capacity(t);
    heap.gc.note_alloc(bytes);
    t
}

/// Moves the entries to a table twice as large.
fn grow(heap: &mut Heap, d: u32) {
    let (old, old_cap) = (table(d), cap(d));
    let Some(new_cap) = old_cap.checked_mul(2).map(|c| c.max(MIN_CAP)) else { crate::io::die(b"Out of memory") };
    let t = alloc_table(heap, new_cap);
    for i in 0..old_cap {
        let e = entry(old, i);
        let k = key_at(e);
        if k != 0 {
            put(t, new_cap - 1, k, memory::load_u32(e + ENTRY_HASH), memory::load_u32(e + ENTRY_VALUE));
        }
    }
    heap.free_raw(old);
    memory::store_u32(d + DICT_CAP, new_cap);
    memory::store_u32(d + DICT_TABLE, t);
}

/// Removes `key`; returns its value. The dict must be unshared.
pub fn remove(d: u32, key: &[u8]) -> Option<u32> {
    let e = find(d, key, hash(key))?;
    let v = memory::load_u32(e + ENTRY_VALUE);
    let (t, mask) = (table(d), cap(d) - 1);
    // Backward-shift deletion: pull later entries of the probe run into
    // the hole unless that would move one before its home slot.
    let mut hole = (e - t) / ENTRY_SIZE;
    let mut j = hole;
    loop {
        j = (j + 1) & mask;
        let ej = entry(t, j);
        if key_at(ej) == 0 {
            break;
        }
        let home = memory::load_u32(ej + ENTRY_HASH) & mask;
        // `ej` may move to `hole` when its home is not in (hole, j].
        let stays = if hole <= j { hole < home && home <= j } else { hole < home || home <= j };
        if !stays {
            memory::copy(entry(t, hole), ej, ENTRY_SIZE);
            hole = j;
        }
    }
    memory::zero(entry(t, hole), ENTRY_SIZE);
    memory::store_u32(d + LEN, len(d) - 1);
    Some(v)
}

/// Removes every entry (keeping the table).
pub fn clear(d: u32) {
    memory::zero(table(d), cap(d) * ENTRY_SIZE);
    memory::store_u32(d + LEN, 0);
}

/// Calls `f(key, value)` for every entry, in table order.
pub fn for_each(d: u32, mut f: impl FnMut(u32, u32)) {
    let t = table(d);
    for i in 0..cap(d) {
        let e = entry(t, i);
        let k = key_at(e);
        if k != 0 {
            f(k, memory::load_u32(e + ENTRY_VALUE));
        }
    }
}

/// A fresh, unshared copy of `d` (copy-on-write); the values are now held
/// by both dicts, so they become shared. May collect (`d` is kept alive).
pub fn copy(heap: &mut Heap, d: u32) -> u32 {
    let m = meta(d) & !SHARED_BIT;
    let c = heap.with_roots(&[d], |h| h.alloc_object(m, len(d), DICT_SIZE));
    let n = cap(d);
    if n > 0 {
        let t = alloc_table(heap, n);
        memory::copy(t, table(d), n * ENTRY_SIZE);
        memory::store_u32(c + DICT_CAP, n);
        memory::store_u32(c + DICT_TABLE, t);
    }
    for_each(d, |_, v| crate::value::share(heap, v));
    c
}

/// The entries `(key, value)` in sorted key order (byte order of the keys,
/// as Rust's `str` ordering): the order programs observe. Makes a Rust
/// allocation, so it must not run while the heap is held.
pub fn sorted(d: u32) -> Vec<(u32, u32)> {
    let mut entries = Vec::with_capacity(len(d) as usize);
    for_each(d, |k, v| entries.push((k, v)));
    crate::sort::sort_pairs_by_key(&mut entries);
    entries
}

/// Whether `obj` is a dict.
pub fn is_dict(obj: u32) -> bool {
    obj != 0 && crate::value::kind(obj) == DICT
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::heap::tests::fresh_heap;
    use crate::strings::new_str;
    use std::collections::BTreeMap;
    use std::format;
    use std::string::String;

    fn key_text(k: u32) -> String {
        String::from_utf8(unsafe { strings::bytes(k) }.to_vec()).unwrap()
    }

    #[test]
    fn insert_get_remove_against_a_model() {
        let mut h = fresh_heap();
        let d = new(&mut h);
        h.push_root(d);
        let mut model = BTreeMap::new();
        // Deterministic pseudo-random operations over a small key space, so
        // probe runs collide, wrap around and get backward-shifted.
        let mut x = 12345u64;
        for step in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = format!("k{}", x % 300);
            if x.is_multiple_of(3) {
                assert_eq!(remove(d, k.as_bytes()), model.remove(&k), "step {step}");
            } else {
                let ks = new_str(&mut h, k.as_bytes());
                assert_eq!(insert(&mut h, d, ks, step + 1), model.insert(k.clone(), step + 1), "step {step}");
            }
            assert_eq!(len(d) as usize, model.len());
        }
        for (k, v) in &model {
            assert_eq!(get(d, k.as_bytes()), Some(*v));
        }
        assert_eq!(get(d, b"absent"), None);
        let keys: std::vec::Vec<String> = sorted(d).into_iter().map(|(k, _)| key_text(k)).collect();
        let want: std::vec::Vec<String> = model.keys().cloned().collect();
        assert_eq!(keys, want, "sorted view");
        clear(d);
        assert_eq!(len(d), 0);
        assert_eq!(get(d, b"k1"), None);
    }

    #[test]
    fn copies_are_independent() {
        let mut h = fresh_heap();
        let d = new(&mut h);
        h.push_root(d);
        let k = new_str(&mut h, b"a");
        let v = new_str(&mut h, b"value");
        insert(&mut h, d, k, v);
        let c = copy(&mut h, d);
        assert_ne!(c, d);
        assert_ne!(meta(v) & SHARED_BIT, 0, "values become shared");
        let k2 = new_str(&mut h, b"b");
        insert(&mut h, c, k2, 0);
        assert_eq!(len(d), 1);
        assert_eq!(len(c), 2);
        assert_eq!(get(c, b"a"), Some(v));
        assert!(!contains(d, b"b"));
    }

    #[test]
    fn hashes_separate_lengths_and_prefixes() {
        assert_ne!(hash(b"a"), hash(b"a\0"));
        assert_ne!(hash(b"abcdefgh1"), hash(b"abcdefgh2"));
        assert_ne!(hash(b""), hash(b"\0"));
    }
}
