//! Structural equality (§4), as the VM's `ops::equal`: ints and floats
//! compare numerically across types, strings by bytes, arrays and tuples
//! element-wise, dicts by keys and values, structs by type and fields, enum variants by type, variant
//! and payload, ranges by bounds and inclusiveness; any other objects only
//! by identity.
//!
//! Comparison walks an explicit work list rather than recursing, so a
//! 100,000-element linked list compares without exhausting the wasm stack.

use crate::dict;
use crate::layout::{type_id_of, ARRAY, DICT, RANGE, RANGE_INCLUSIVE, STR, STRUCT, TUPLE, VARIANT};
use crate::strings;
use crate::value::{aux, decode_ptr, element, field, kind, len, meta, Val};
use alloc::vec::Vec;

/// Whether `x == y`.
pub fn equal(x: Val, y: Val) -> bool {
    let mut pending: Vec<(Val, Val)> = Vec::new();
    let (mut a, mut b) = (x, y);
    loop {
        if !shallow_equal(a, b, &mut pending) {
            return false;
        }
        match pending.pop() {
            Some((p, q)) => (a, b) = (p, q),
            None => return true,
        }
    }
}

fn as_f64(v: Val) -> f64 {
    match v {
        Val::Int(n) => n as f64,
        Val::Float(f) => f,
        _ => f64::NAN,
    }
}

/// Compares `x` and `y` at the top level, queueing the pairs of children
/// that must also be equal.
fn shallow_equal(x: Val, y: Val, pending: &mut Vec<(Val, Val)>) -> bool {
    match (x, y) {
        (Val::Int(a), Val::Int(b)) => a == b,
        (Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => as_f64(x) == as_f64(y),
        (Val::Obj(a), Val::Obj(b)) => a == b || objects_equal(a, b, pending),
        _ => x == y,
    }
}

fn objects_equal(a: u32, b: u32, pending: &mut Vec<(Val, Val)>) -> bool {
    let (ka, kb) = (kind(a), kind(b));
    if ka != kb {
        return false;
    }
    match ka {
        STR => strings::eq(a, b),
        ARRAY => same_len(a, b) && queue(pending, len(a), |i| (element(a, i), element(b, i))),
        TUPLE => same_len(a, b) && queue_fields(pending, a, b),
        STRUCT => same_type(a, b) && same_len(a, b) && queue_fields(pending, a, b),
        VARIANT => same_type(a, b) && aux(a) == aux(b) && same_len(a, b) && queue_fields(pending, a, b),
        RANGE => (aux(a) & RANGE_INCLUSIVE) == (aux(b) & RANGE_INCLUSIVE) && queue_fields(pending, a, b),
        DICT => same_len(a, b) && dicts_equal(a, b, pending),
        _ => false,
    }
}

/// Every key of `a` is in `b` (same lengths given); the values pairs are
/// queued.
fn dicts_equal(a: u32, b: u32, pending: &mut Vec<(Val, Val)>) -> bool {
    let mut all = true;
    dict::for_each(a, |k, v| {
        // SAFETY: keys are live strings; comparing allocates no GC object.
        match dict::get(b, unsafe { strings::bytes(k) }) {
            Some(w) if all => pending.push((decode_ptr(v), decode_ptr(w))),
            _ => all = false,
        }
    });
    all
}

fn same_len(a: u32, b: u32) -> bool {
    len(a) == len(b)
}

fn same_type(a: u32, b: u32) -> bool {
    type_id_of(meta(a)) == type_id_of(meta(b))
}

fn queue_fields(pending: &mut Vec<(Val, Val)>, a: u32, b: u32) -> bool {
    queue(pending, len(a).min(len(b)), |i| (field(a, i), field(b, i)))
}

/// Queues `n` pairs (in reverse, so they are compared first to last).
fn queue(pending: &mut Vec<(Val, Val)>, n: u32, pair: impl Fn(u32) -> (Val, Val)) -> bool {
    for i in (0..n).rev() {
        pending.push(pair(i));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrays;
    use crate::heap::tests::fresh_heap;
    use crate::heap::Heap;
    use crate::layout::{aggregate_size, field_offset, meta as make_meta, with_field_kind, AGG_AUX, AGG_KINDS, K_INT, K_PTR};
    use crate::memory;
    use crate::strings::new_str;
    use crate::value::{box_float, box_int};

    fn agg(h: &mut Heap, meta: u32, aux: u32, fields: &[(u32, u64)]) -> u32 {
        let n = fields.len() as u32;
        let o = h.alloc_object(meta, n, aggregate_size(n));
        let mut kinds = 0;
        for (i, (k, bits)) in fields.iter().enumerate() {
            kinds = with_field_kind(kinds, i as u32, *k);
            memory::store_u64(o + field_offset(i as u32), *bits);
        }
        memory::store_u64(o + AGG_KINDS, kinds);
        memory::store_u32(o + AGG_AUX, aux);
        o
    }

    #[test]
    fn numbers_compare_across_int_and_float() {
        let mut h = fresh_heap();
        assert!(equal(Val::Int(3), Val::Float(3.0)));
        assert!(!equal(Val::Float(f64::NAN), Val::Float(f64::NAN)));
        assert!(!equal(Val::Int(1), Val::Bool(true)));
        assert!(equal(Val::Nil, Val::Nil));
        let boxed = box_float(&mut h, 3.0);
        assert!(equal(crate::value::decode_ptr(boxed), Val::Int(3)));
        let i = box_int(&mut h, 9);
        assert!(equal(crate::value::decode_ptr(i), Val::Int(9)));
    }

    #[test]
    fn containers_compare_structurally() {
        let mut h = fresh_heap();
        let s1 = new_str(&mut h, b"x");
        let s2 = new_str(&mut h, b"x");
        let a = arrays::new(&mut h, K_PTR, 2);
        arrays::push(&mut h, a, s1 as u64);
        let b = arrays::new(&mut h, K_PTR, 2);
        arrays::push(&mut h, b, s2 as u64);
        assert!(equal(Val::Obj(a), Val::Obj(b)));
        arrays::push(&mut h, b, 0);
        assert!(!equal(Val::Obj(a), Val::Obj(b)), "lengths differ");
        let t1 = agg(&mut h, TUPLE, 0, &[(K_INT, 1), (K_PTR, a as u64)]);
        let t2 = agg(&mut h, TUPLE, 0, &[(K_INT, 1), (K_PTR, a as u64)]);
        assert!(equal(Val::Obj(t1), Val::Obj(t2)));
        assert!(!equal(Val::Obj(t1), Val::Obj(a)), "a tuple is not an array");
        // Variants: same enum and variant and payload.
        let v1 = agg(&mut h, make_meta(VARIANT, 2), 1, &[(K_INT, 5)]);
        let v2 = agg(&mut h, make_meta(VARIANT, 2), 1, &[(K_INT, 5)]);
        let v3 = agg(&mut h, make_meta(VARIANT, 2), 0, &[(K_INT, 5)]);
        let v4 = agg(&mut h, make_meta(VARIANT, 3), 1, &[(K_INT, 5)]);
        assert!(equal(Val::Obj(v1), Val::Obj(v2)));
        assert!(!equal(Val::Obj(v1), Val::Obj(v3)));
        assert!(!equal(Val::Obj(v1), Val::Obj(v4)));
        let r1 = agg(&mut h, RANGE, 0, &[(K_INT, 0), (K_INT, 5)]);
        let r2 = agg(&mut h, RANGE, 1, &[(K_INT, 0), (K_INT, 5)]);
        assert!(!equal(Val::Obj(r1), Val::Obj(r2)));
        assert!(equal(Val::Obj(r1), Val::Obj(r1)));
    }

    #[test]
    fn long_chains_compare_without_recursion() {
        let mut h = fresh_heap();
        let (mut x, mut y) = (0u32, 0u32);
        for i in 0..100_000u64 {
            x = h.with_roots(&[x, y], |h| agg(h, make_meta(VARIANT, 0), 0, &[(K_INT, i), (K_PTR, x as u64)]));
            y = h.with_roots(&[x, y], |h| agg(h, make_meta(VARIANT, 0), 0, &[(K_INT, i), (K_PTR, y as u64)]));
        }
        assert!(equal(Val::Obj(x), Val::Obj(y)));
    }
}
