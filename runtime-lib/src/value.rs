//! Reading values out of slots and objects, and boxing scalars.
//!
//! A value in memory is an 8-byte slot plus a 2-bit slot kind; a dynamic
//! value is a `K_PTR` slot holding nil (0) or an object address, where
//! scalars are boxed. [`Val`] is the one view of both that printing and
//! equality work on: decoding unboxes `BOX_INT`/`BOX_FLOAT`/`BOX_BOOL`, so a
//! boxed 3 and an unboxed 3 are the same value.

use crate::heap::Heap;
use crate::layout::{
    field_kind, field_offset, kind_of, AGG_AUX, AGG_KINDS, ARRAY_DATA, BOX_BOOL, BOX_FLOAT, BOX_INT, BOX_SIZE, BOX_VALUE,
    K_BOOL, K_FLOAT, K_INT, LEN, META, SLOT_SIZE,
};
use crate::memory;

/// A decoded value.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Val {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Any other object: string, array, tuple, struct, variant, closure,
    /// cell, range, dict.
    Obj(u32),
}

/// Decodes a value from its slot bits and slot kind.
#[inline]
pub fn decode(bits: u64, kind: u32) -> Val {
    match kind {
        K_INT => Val::Int(bits as i64),
        K_FLOAT => Val::Float(f64::from_bits(bits)),
        K_BOOL => Val::Bool(bits != 0),
        _ => decode_ptr(bits as u32),
    }
}

/// Decodes a dynamic value: nil, a boxed scalar, or an object.
#[inline]
pub fn decode_ptr(addr: u32) -> Val {
    if addr == 0 {
        return Val::Nil;
    }
    match kind_of(memory::load_u32(addr + META)) {
        BOX_INT => Val::Int(memory::load_i64(addr + BOX_VALUE)),
        BOX_FLOAT => Val::Float(memory::load_f64(addr + BOX_VALUE)),
        BOX_BOOL => Val::Bool(memory::load_u32(addr + BOX_VALUE) != 0),
        _ => Val::Obj(addr),
    }
}

/// The object kind of the object at `addr`.
#[inline]
pub fn kind(obj: u32) -> u32 {
    kind_of(meta(obj))
}

/// The `meta` word of the object at `addr`.
#[inline]
pub fn meta(obj: u32) -> u32 {
    memory::load_u32(obj + META)
}

/// The `len` word: string bytes, array elements or aggregate fields.
#[inline]
pub fn len(obj: u32) -> u32 {
    memory::load_u32(obj + LEN)
}

/// The `aux` word of an aggregate.
#[inline]
pub fn aux(obj: u32) -> u32 {
    memory::load_u32(obj + AGG_AUX)
}

/// Field `i` of an aggregate.
#[inline]
pub fn field(obj: u32, i: u32) -> Val {
    let kinds = memory::load_u64(obj + AGG_KINDS);
    decode(memory::load_u64(obj + field_offset(i)), field_kind(kinds, i))
}

/// Element `i` of an array (`i < len`).
#[inline]
pub fn element(arr: u32, i: u32) -> Val {
    let data = memory::load_u32(arr + ARRAY_DATA);
    decode(memory::load_u64(data + i * SLOT_SIZE), crate::layout::elem_kind_of(meta(arr)))
}

/// Whether `v` is an object (not nil) of kind `k`.
#[inline]
pub fn is(v: u32, k: u32) -> bool {
    v != 0 && kind(v) == k
}

/// Marks `v` as referenced from more than one place (copy-on-write): sets
/// the shared bit of a heap object. Nil, statics and boxes (immutable) are
/// left alone.
pub fn share(heap: &Heap, v: u32) {
    if heap.in_heap(v) {
        let m = meta(v);
        if !matches!(kind_of(m), BOX_INT | BOX_FLOAT | BOX_BOOL) {
            memory::store_u32(v + META, m | crate::layout::SHARED_BIT);
        }
    }
}

/// A `BOX_INT` object holding `n`. May collect.
pub fn box_int(heap: &mut Heap, n: i64) -> u32 {
    let b = heap.alloc_object(BOX_INT, 0, BOX_SIZE);
    memory::store_i64(b + BOX_VALUE, n);
    b
}

/// A `BOX_FLOAT` object holding `f`. May collect.
pub fn box_float(heap: &mut Heap, f: f64) -> u32 {
    let b = heap.alloc_object(BOX_FLOAT, 0, BOX_SIZE);
    memory::store_f64(b + BOX_VALUE, f);
    b
}

/// The dynamic form of `v`: nil is 0, scalars are boxed (bools are the
/// static `RT_TRUE`/`RT_FALSE`), objects are themselves. May collect.
pub fn box_value(heap: &mut Heap, v: Val) -> u32 {
    match v {
        Val::Nil => 0,
        Val::Bool(b) => heap.bool_object(b),
        Val::Int(n) => box_int(heap, n),
        Val::Float(f) => box_float(heap, f),
        Val::Obj(o) => o,
    }
}

/// The dynamic form of the slot `bits` of kind `kind` (see [`box_value`]).
pub fn box_slot(heap: &mut Heap, bits: u64, kind: u32) -> u32 {
    match kind {
        K_INT | K_FLOAT | K_BOOL => box_value(heap, decode(bits, kind)),
        _ => bits as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::tests::fresh_heap;
    use crate::layout::K_PTR;

    #[test]
    fn values_box_to_objects() {
        let mut h = fresh_heap();
        h.set_bool_objects(40, 48);
        assert_eq!(box_value(&mut h, Val::Bool(true)), 48);
        assert_eq!(box_value(&mut h, Val::Nil), 0);
        assert_eq!(box_slot(&mut h, 77, K_PTR), 77);
        let b = box_slot(&mut h, 2.5f64.to_bits(), K_FLOAT);
        assert_eq!(decode_ptr(b), Val::Float(2.5));
    }

    #[test]
    fn boxes_decode_to_scalars() {
        let mut h = fresh_heap();
        let i = box_int(&mut h, -5);
        let f = box_float(&mut h, 2.5);
        assert_eq!(decode(i as u64, K_PTR), Val::Int(-5));
        assert_eq!(decode(f as u64, K_PTR), Val::Float(2.5));
        assert_eq!(decode(0, K_PTR), Val::Nil);
        assert_eq!(decode((-7i64) as u64, K_INT), Val::Int(-7));
        assert_eq!(decode(1.5f64.to_bits(), K_FLOAT), Val::Float(1.5));
        assert_eq!(decode(1, K_BOOL), Val::Bool(true));
    }
}
