//! The dict object: a hash map from string keys to values.
//!
//! Ruchy dicts print and iterate in sorted key order (§10), but programs
//! mostly look keys up and update them. A hash map makes those O(1) with one
//! key comparison; the ordered views sort on demand. (An ordered tree made
//! every lookup pay ~log2(n) string comparisons, and the word-count
//! benchmark spent a third of its time in them.)
//!
//! The hasher is FxHash-style (multiply-rotate over 8-byte words): fast on
//! short keys. It is not DoS-resistant; this VM is the development tier and
//! does not serve untrusted traffic.

use crate::value::Value;
use compact_str::CompactString;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[derive(Debug, Clone, Default)]
pub struct Dict {
    /// Keys up to 24 bytes live inside the table (no pointer to chase, no
    /// allocation per key): `CompactString` hashes and compares like `str`.
    map: HashMap<CompactString, Value, BuildHasherDefault<FxHasher>>,
}

impl Dict {
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    pub fn get(&self, k: &str) -> Option<Value> {
        self.map.get(k).copied()
    }
    pub fn contains_key(&self, k: &str) -> bool {
        self.map.contains_key(k)
    }
    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, k: &str, v: Value) -> Option<Value> {
        match self.map.get_mut(k) {
            Some(slot) => Some(std::mem::replace(slot, v)),
            None => {
                self.map.insert(CompactString::new(k), v);
                None
            }
        }
    }
    pub fn remove(&mut self, k: &str) -> Option<Value> {
        self.map.remove(k)
    }
    pub fn clear(&mut self) {
        self.map.clear()
    }
    /// Values in no particular order (for the collector).
    pub fn values_unordered(&self) -> impl Iterator<Item = &Value> {
        self.map.values()
    }
    /// Entries in no particular order (for equality tests).
    pub fn iter_unordered(&self) -> impl Iterator<Item = (&str, Value)> {
        self.map.iter().map(|(k, v)| (k.as_str(), *v))
    }
    /// Entries in sorted key order: the order Ruchy programs observe.
    pub fn sorted(&self) -> Vec<(&str, Value)> {
        let mut entries: Vec<(&str, Value)> = self.map.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries
    }
}

impl FromIterator<(String, Value)> for Dict {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Dict {
        let mut d = Dict::default();
        for (k, v) in iter {
            d.insert(&k, v);
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_updates_and_sorted_view() {
        let mut d = Dict::default();
        assert_eq!(d.insert("pear", Value::Int(1)), None);
        assert_eq!(d.insert("apple", Value::Int(2)), None);
        assert_eq!(d.insert("pear", Value::Int(3)), Some(Value::Int(1)));
        assert_eq!(d.get("pear"), Some(Value::Int(3)));
        assert!(!d.contains_key("fig"));
        let keys: Vec<&str> = d.sorted().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["apple", "pear"]);
        assert_eq!(d.remove("apple"), Some(Value::Int(2)));
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn hasher_separates_keys_that_share_a_prefix() {
        let h = |s: &str| {
            let mut x = FxHasher::default();
            x.write(s.as_bytes());
            x.finish()
        };
        assert_ne!(h("kalo"), h("kalomi"));
        assert_ne!(h("abcdefgh1"), h("abcdefgh2"));
    }
}
