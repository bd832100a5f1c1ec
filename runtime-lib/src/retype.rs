//! `rt_retype`: conforming a value to a layout descriptor (`ABI.md`).
//!
//! Generated code reads array elements and tuple fields inline with the slot
//! kinds of their static type, at every nesting level. When a value crosses
//! into a place of another static type (`[[int]]` into `[[dyn]]`), the code
//! generator asks for it to be conformed to the place's layout: `a` X is an
//! array whose element kind is X's and whose elements conform to X, `t` n
//! X1…Xn a tuple, and `i`/`f`/`b`/`p` a slot kind. Containers that already
//! conform are returned as they are; others are copied (value semantics
//! makes the copy unobservable), re-encoding slots with
//! [`casts::array_retype`]/[`casts::tuple_retype`] and conforming nested
//! containers element by element.

use crate::casts;
use crate::env::{root, scope, set_root, Env};
use crate::error::Res;
use crate::layout::{field_offset, with_field_kind, ARRAY, ARRAY_DATA, K_BOOL, K_FLOAT, K_INT, K_PTR, MAX_KINDED_FIELDS, SLOT_SIZE, TUPLE};
use crate::memory;
use crate::value::{is, len};

/// `v` conformed to `desc` (see the module doc).
pub fn retype<E: Env>(env: &mut E, v: u32, desc: &[u8]) -> Res<u32> {
    conform(env, v, desc).map(|(out, _)| out)
}

/// The length of the descriptor at the start of `d`.
fn extent(d: &[u8]) -> usize {
    match d.first() {
        Some(b'a') => 1 + extent(&d[1..]),
        Some(b't') => {
            let n = d.get(1).copied().unwrap_or(0) as usize;
            let mut at = 2;
            for _ in 0..n {
                at += extent(&d[at.min(d.len())..]);
            }
            at
        }
        Some(_) => 1,
        None => 0,
    }
}

/// The slot kind a descriptor stores values with.
fn slot_kind(d: &[u8]) -> u32 {
    match d.first() {
        Some(b'i') => K_INT,
        Some(b'f') => K_FLOAT,
        Some(b'b') => K_BOOL,
        _ => K_PTR,
    }
}

/// Whether values of this descriptor are containers with a layout of their
/// own (so elements holding them must be conformed too).
fn is_container(d: &[u8]) -> bool {
    matches!(d.first(), Some(b'a' | b't'))
}

/// Conforms `v` to the descriptor at the start of `d`; returns the result and
/// the rest of `d`.
fn conform<'d, E: Env>(env: &mut E, v: u32, d: &'d [u8]) -> Res<(u32, &'d [u8])> {
    let n = extent(d);
    let (this, rest) = d.split_at(n.min(d.len()));
    let out = match this.first() {
        Some(b'a') if is(v, ARRAY) => conform_array(env, v, &this[1..])?,
        Some(b't') if is(v, TUPLE) => conform_tuple(env, v, &this[2..], this[1] as u32)?,
        _ => v,
    };
    Ok((out, rest))
}

fn conform_array<E: Env>(env: &mut E, v: u32, elem: &[u8]) -> Res<u32> {
    let arr = casts::array_retype(env, v, slot_kind(elem))?;
    if !is_container(elem) {
        return Ok(arr);
    }
    scope(env, |env| {
        let mut out = arr;
        let slot = root(env, out);
        for i in 0..len(out) {
            let at = memory::load_u32(out + ARRAY_DATA) + i * SLOT_SIZE;
            let x = memory::load_u32(at);
            let (y, _) = conform(env, x, elem)?;
            if y == x {
                continue;
            }
            if out == v {
                root(env, y);
                out = fresh_copy(env, v);
                set_root(slot, out);
            }
            memory::store_u64(memory::load_u32(out + ARRAY_DATA) + i * SLOT_SIZE, y as u64);
        }
        Ok(out)
    })
}

fn conform_tuple<E: Env>(env: &mut E, v: u32, fields: &[u8], n: u32) -> Res<u32> {
    if len(v) != n || n > MAX_KINDED_FIELDS {
        return Ok(v);
    }
    let mut descs = vec_of_fields(fields, n);
    let kinds = descs.iter().enumerate().fold(0u64, |w, (i, d)| with_field_kind(w, i as u32, slot_kind(d)));
    let tup = casts::tuple_retype(env, v, kinds)?;
    if !descs.iter().any(|d| is_container(d)) {
        return Ok(tup);
    }
    scope(env, |env| {
        let mut out = tup;
        let slot = root(env, out);
        for (i, d) in descs.drain(..).enumerate() {
            let at = field_offset(i as u32);
            if !is_container(d) {
                continue;
            }
            let x = memory::load_u32(out + at);
            let (y, _) = conform(env, x, d)?;
            if y == x {
                continue;
            }
            if out == v {
                root(env, y);
                out = fresh_copy(env, v);
                set_root(slot, out);
            }
            memory::store_u64(out + at, y as u64);
        }
        Ok(out)
    })
}

/// A copy of the caller's container (which must not change): marking it
/// shared makes `make_unique` copy it, sharing its children.
fn fresh_copy<E: Env>(env: &mut E, v: u32) -> u32 {
    crate::env::share(env, v);
    crate::places::make_unique(env, v)
}

/// The descriptors of `n` consecutive fields.
fn vec_of_fields(mut d: &[u8], n: u32) -> alloc::vec::Vec<&[u8]> {
    let mut out = alloc::vec::Vec::new();
    for _ in 0..n {
        let k = extent(d).min(d.len());
        out.push(&d[..k]);
        d = &d[k..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_extents() {
        assert_eq!(extent(b"i"), 1);
        assert_eq!(extent(b"aai"), 3);
        assert_eq!(extent(b"t\x02iap"), 5);
        assert_eq!(extent(b"at\x02ifp"), 5);
        assert_eq!(vec_of_fields(b"iaf", 2), [&b"i"[..], &b"af"[..]]);
        assert_eq!(slot_kind(b"af"), K_PTR);
        assert_eq!(slot_kind(b"f"), K_FLOAT);
    }
}
