//! Aggregates and places on dynamic values: copy-on-write, indexing and
//! slicing, fields, tuple elements, lengths, iteration, ranges, pattern
//! tests — the VM's `ops.rs` (`get_index`, `set_index`, `get_field`,
//! `set_field`, `tuple_get`, `iter_init`) and `heap.rs` (`share`,
//! `make_unique`), with the same messages.
//!
//! Values come in and go out dynamic (`0` = nil, scalars boxed); elements
//! and fields in typed slots are boxed on the way out and unboxed on the way
//! in.

use crate::arrays;
use crate::dict;
use crate::env::{self, box_val, new_str, push_val, root, scope, share, Env};
use crate::error::{bail, Error, Res};
use crate::format::Printer;
use crate::layout::{
    aggregate_size, elem_kind_of, field_kind, field_offset, type_id_of, with_field_kind, AGG_AUX,
    AGG_KINDS, ARRAY, ARRAY_DATA, DESC_COUNT, DESC_NAME, DESC_NAMES, DESC_SIZE, DICT, K_BOOL, K_FLOAT, K_INT, K_PTR,
    RANGE, RANGE_INCLUSIVE, SHARED_BIT, SLOT_SIZE, STR, STRUCT, TUPLE, TYPES_N_STRUCTS, TYPES_STRUCTS,
    VARIANT,
};
use crate::memory;
use crate::ops::{self, type_name};
use crate::strings;
use crate::value::{self, decode_ptr, element, field, is, kind, len, meta, Val};
use alloc::string::String;

// -- copy-on-write ------------------------------------------------------------------

/// `rt_share`: marks `v` as referenced from more than one place.
pub fn share_value<E: Env>(env: &mut E, v: u32) {
    share(env, v);
}

/// `rt_make_unique`: `v` itself when it may be mutated in place, else a
/// shallow copy whose pointer children become shared (VM
/// `Heap::make_unique`). Arrays, dicts, tuples, structs and variants with
/// fields are copied when shared or static; strings are immutable here, and
/// other objects are never mutated through a place.
pub fn make_unique<E: Env>(env: &mut E, v: u32) -> u32 {
    if v == 0 {
        return v;
    }
    let m = meta(v);
    let k = crate::layout::kind_of(m);
    let copyable = matches!(k, ARRAY | DICT) || (matches!(k, TUPLE | STRUCT | VARIANT) && len(v) > 0);
    if !copyable {
        return v;
    }
    env.heap(|h| {
        if m & SHARED_BIT == 0 && h.in_heap(v) {
            return v;
        }
        match k {
            ARRAY => arrays::copy(h, v),
            DICT => dict::copy(h, v),
            _ => copy_aggregate(h, v),
        }
    })
}

/// [`make_unique`] of a value statically known to be an array or nil.
pub fn make_array_unique<E: Env>(env: &mut E, v: u32) -> u32 {
    if v == 0 {
        return v;
    }
    env.heap(|h| if meta(v) & SHARED_BIT == 0 && h.in_heap(v) { v } else { arrays::copy(h, v) })
}

/// A shallow unshared copy of an aggregate; its pointer fields become
/// shared. May collect (`v` is kept alive).
fn copy_aggregate(h: &mut crate::heap::Heap, v: u32) -> u32 {
    let n = len(v);
    let size = aggregate_size(n);
    let c = h.with_roots(&[v], |h| h.alloc_object(meta(v) & !SHARED_BIT, n, size));
    memory::copy(c + AGG_AUX, v + AGG_AUX, size - AGG_AUX);
    let kinds = memory::load_u64(v + AGG_KINDS);
    for i in 0..n {
        if field_kind(kinds, i) == K_PTR {
            value::share(h, memory::load_u32(v + field_offset(i)));
        }
    }
    c
}

// -- indexing -----------------------------------------------------------------------

/// An index into a sequence of `len` elements, negative counting from the
/// end.
fn norm_index(i: i64, len: u32) -> Option<u32> {
    let j = if i < 0 { i.wrapping_add(len as i64) } else { i };
    (j >= 0 && j < len as i64).then_some(j as u32)
}

/// Element `i` of an array as a dynamic value (boxed if typed). May collect
/// (the array must be reachable).
pub fn element_dyn<E: Env>(env: &mut E, arr: u32, i: u32) -> u32 {
    box_val(env, element(arr, i))
}

/// Field `i` of an aggregate as a dynamic value.
pub fn field_dyn<E: Env>(env: &mut E, obj: u32, i: u32) -> u32 {
    box_val(env, field(obj, i))
}

/// Number of chars of the string `s`.
pub fn char_count(s: u32) -> u32 {
    // SAFETY: as above.
    let t = unsafe { strings::as_str(s) };
    if t.is_ascii() {
        t.len() as u32
    } else {
        t.chars().count() as u32
    }
}

/// The string made of char `j` of `s` (`j` in range).
fn char_at<E: Env>(env: &mut E, s: u32, j: u32) -> u32 {
    // SAFETY: `s` is rooted by the caller; the bytes stay valid while the
    // new string is allocated.
    let t = unsafe { strings::as_str(s) };
    let (start, c) = if t.is_ascii() {
        (j as usize, t.as_bytes()[j as usize] as char)
    } else {
        t.char_indices().nth(j as usize).unwrap_or((0, '\0'))
    };
    new_str(env, &t.as_bytes()[start..start + c.len_utf8()])
}

/// `obj[idx]` (`rt_index`, VM `get_index`).
pub fn index<E: Env>(env: &mut E, obj: u32, idx: u32) -> Res<u32> {
    index_val(env, obj, decode_ptr(idx))
}

/// `obj[i]` with the index already decoded.
pub fn index_val<E: Env>(env: &mut E, obj: u32, i: Val) -> Res<u32> {
    let o = decode_ptr(obj);
    let Val::Obj(r) = o else { bail!("Type error: Cannot index {}", type_name(o)) };
    if let Val::Obj(ri) = i {
        if kind(ri) == RANGE {
            return slice_by_range(env, r, ri);
        }
    }
    match (kind(r), i) {
        (ARRAY, Val::Int(n)) => match norm_index(n, len(r)) {
            Some(j) => Ok(element_dyn(env, r, j)),
            None => bail!("Runtime error: Index {n} out of bounds for array of length {}", len(r)),
        },
        (TUPLE, Val::Int(n)) => match norm_index(n, len(r)) {
            Some(j) => Ok(field_dyn(env, r, j)),
            None => bail!("Runtime error: Tuple index {n} out of bounds (length: {})", len(r)),
        },
        (STR, Val::Int(n)) => {
            let count = char_count(r);
            match norm_index(n, count) {
                Some(j) => Ok(char_at(env, r, j)),
                None => bail!("Runtime error: Index {n} out of bounds for string of length {count}"),
            }
        }
        (DICT, _) => {
            let key = dict_key(i)?;
            match dict::get(r, key.bytes()) {
                Some(v) => Ok(v),
                None => bail!("Runtime error: Key '{}' not found in object", key.text()),
            }
        }
        _ => bail!("Type error: Cannot index {} with {}", type_name(o), type_name(i)),
    }
}

/// The bounds a range selects from a sequence of `len` elements (VM
/// `range_bounds`).
fn range_bounds(range: u32, len: u32, what: &str) -> Res<(u32, u32)> {
    let bad = || Error("Type error: slice bounds must be integers".into());
    let s = match field(range, 0) {
        Val::Nil => 0,
        Val::Int(n) => n,
        _ => return Err(bad()),
    };
    let e = match field(range, 1) {
        Val::Nil => len as i64,
        Val::Int(n) => n.wrapping_add((value::aux(range) & RANGE_INCLUSIVE) as i64),
        _ => return Err(bad()),
    };
    let fix = |x: i64| if x < 0 { x.wrapping_add(len as i64) } else { x };
    let (s, e) = (fix(s), fix(e));
    if s < 0 || e > len as i64 || s > e {
        bail!("Runtime error: Slice {s}..{e} out of bounds for {what} of length {len}");
    }
    Ok((s as u32, e as u32))
}

/// `obj[a..b]` for arrays (elements shared) and strings (by chars).
fn slice_by_range<E: Env>(env: &mut E, obj: u32, range: u32) -> Res<u32> {
    match kind(obj) {
        ARRAY => {
            let (s, e) = range_bounds(range, len(obj), "array")?;
            Ok(copy_elements(env, obj, s, e))
        }
        STR => {
            // SAFETY: `obj` is rooted by the caller.
            let t = unsafe { strings::as_str(obj) };
            let count = char_count(obj);
            let (s, e) = range_bounds(range, count, "string")?;
            let (a, b) = if t.is_ascii() { (s as usize, e as usize) } else { (byte_of_char(t, s), byte_of_char(t, e)) };
            Ok(new_str(env, &t.as_bytes()[a..b]))
        }
        _ => bail!("Type error: Cannot slice {}", type_name(Val::Obj(obj))),
    }
}

/// Byte offset of char `i` of `t` (its length when `i` is the char count).
pub fn byte_of_char(t: &str, i: u32) -> usize {
    t.char_indices().nth(i as usize).map_or(t.len(), |(b, _)| b)
}

/// A new `K_PTR` array of elements `s..e` of `arr` (shared). May collect
/// (`arr` must be reachable).
pub fn copy_elements<E: Env>(env: &mut E, arr: u32, s: u32, e: u32) -> u32 {
    scope(env, |env| {
        let out = env::new_array(env, K_PTR, e - s);
        root(env, out);
        for i in s..e {
            let v = element(arr, i);
            if let Val::Obj(o) = v {
                share(env, o);
            }
            push_val(env, out, v);
        }
        out
    })
}

/// The slot bits of `v` stored in a slot of kind `kind`: typed slots take
/// the unboxed scalar (`Expected integer, got string` when it is not one),
/// `K_PTR` slots the dynamic value itself.
pub fn slot_bits(kind: u32, v: u32) -> Res<u64> {
    Ok(match kind {
        K_INT => ops::unbox_int(decode_ptr(v))? as u64,
        K_FLOAT => ops::unbox_float(decode_ptr(v))?.to_bits(),
        K_BOOL => ops::unbox_bool(decode_ptr(v))? as u64,
        _ => v as u64,
    })
}

/// `obj[idx] = v` (`rt_set_index`, VM `set_index`); `obj` is unique.
pub fn set_index<E: Env>(env: &mut E, obj: u32, idx: u32, v: u32) -> Res<()> {
    let o = decode_ptr(obj);
    let Val::Obj(r) = o else { bail!("Type error: Cannot index-assign {}", type_name(o)) };
    let i = decode_ptr(idx);
    match (kind(r), i) {
        (DICT, _) => {
            let key = dict_key(i)?;
            dict_insert(env, r, &key, v);
            Ok(())
        }
        (ARRAY, Val::Int(n)) => match norm_index(n, len(r)) {
            Some(j) => {
                let bits = slot_bits(elem_kind_of(meta(r)), v)?;
                memory::store_u64(memory::load_u32(r + ARRAY_DATA) + j * SLOT_SIZE, bits);
                Ok(())
            }
            None => bail!("Runtime error: Index {n} out of bounds for array of length {}", len(r)),
        },
        _ => bail!("Type error: Cannot index-assign {}", type_name(o)),
    }
}

/// The message of `rt_index_error` (`what` 0 array, 1 tuple).
pub fn index_error(idx: i64, len: u32, what: u32) -> Error {
    Error(if what == 1 {
        alloc::format!("Runtime error: Tuple index {idx} out of bounds (length: {len})")
    } else {
        alloc::format!("Runtime error: Index {idx} out of bounds for array of length {len}")
    })
}

/// Element `i` of a tuple (`t.0`; VM `tuple_get`): also fields of structs
/// and elements of arrays, as the VM allows.
pub fn tuple_get<E: Env>(env: &mut E, obj: u32, i: u32) -> Res<u32> {
    let o = decode_ptr(obj);
    if let Val::Obj(r) = o {
        match kind(r) {
            TUPLE if i < len(r) => return Ok(field_dyn(env, r, i)),
            TUPLE => bail!("Runtime error: Tuple index {i} out of bounds (length: {})", len(r)),
            STRUCT if i < len(r) => return Ok(field_dyn(env, r, i)),
            ARRAY if i < len(r) => return Ok(element_dyn(env, r, i)),
            _ => {}
        }
    }
    bail!("Type error: Cannot access .{i} on {}", type_name(o))
}

// -- dict keys ------------------------------------------------------------------------

/// A dict key (VM `dict_key`): a string as it is, an int, float or bool as
/// its text (short float form).
pub enum Key {
    Str(u32),
    Text(String),
}

impl Key {
    pub fn bytes(&self) -> &[u8] {
        match self {
            // SAFETY: the key string is an argument, rooted by the caller.
            Key::Str(s) => unsafe { strings::bytes(*s) },
            Key::Text(t) => t.as_bytes(),
        }
    }

    pub fn text(&self) -> &str {
        match self {
            // SAFETY: as above.
            Key::Str(s) => unsafe { strings::as_str(*s) },
            Key::Text(t) => t,
        }
    }
}

/// The key `k` stands for, or `dict keys must be strings`.
pub fn dict_key(k: Val) -> Res<Key> {
    match k {
        Val::Int(_) | Val::Float(_) | Val::Bool(_) => Ok(Key::Text(ops::concat_text(&Printer::new(0), k))),
        Val::Obj(s) if kind(s) == STR => Ok(Key::Str(s)),
        _ => bail!("Type error: dict keys must be strings, got {}", type_name(k)),
    }
}

/// `d[key] = v` on an unshared dict; returns the previous value. A text key
/// becomes a new string only when it is new. `d` and `v` must be rooted.
pub fn dict_insert<E: Env>(env: &mut E, d: u32, key: &Key, v: u32) -> Option<u32> {
    match key {
        Key::Str(s) => env.heap(|h| dict::insert(h, d, *s, v)),
        Key::Text(t) => {
            if let Some(old) = dict::replace(d, t.as_bytes(), v) {
                return Some(old);
            }
            env.heap(|h| {
                let s = h.with_roots(&[d, v], |h| strings::new_str(h, t.as_bytes()));
                dict::insert(h, d, s, v)
            })
        }
    }
}

/// `rt_dict_set`: one entry of a dict literal.
pub fn dict_set<E: Env>(env: &mut E, d: u32, key: u32, v: u32) -> Res<()> {
    let k = dict_key(decode_ptr(key))?;
    dict_insert(env, d, &k, v);
    Ok(())
}

// -- fields --------------------------------------------------------------------------

/// The struct descriptor of struct id `id` in the type table, if any.
fn struct_desc(types: u32, id: u32) -> Option<u32> {
    if types == 0 || id >= memory::load_u32(types + TYPES_N_STRUCTS) {
        return None;
    }
    Some(memory::load_u32(types + TYPES_STRUCTS) + id * DESC_SIZE)
}

/// Index of the field named `name` in a struct descriptor.
fn field_index(desc: u32, name: &[u8]) -> Option<u32> {
    let names = memory::load_u32(desc + DESC_NAMES);
    (0..memory::load_u32(desc + DESC_COUNT)).find(|&i| {
        let s = memory::load_u32(names + 4 * i);
        // SAFETY: static strings.
        s != 0 && unsafe { strings::bytes(s) } == name
    })
}

/// The name of struct `obj`'s type (`?` without a type table).
fn struct_name<'a>(desc: Option<u32>) -> &'a str {
    match desc.map(|d| memory::load_u32(d + DESC_NAME)) {
        // SAFETY: static strings.
        Some(s) if s != 0 => unsafe { strings::as_str(s) },
        _ => "?",
    }
}

/// Where field `name` of struct `r` is, or the VM's error.
fn struct_field_index(types: u32, r: u32, fname: &str) -> Res<u32> {
    let desc = struct_desc(types, type_id_of(meta(r)));
    match desc.and_then(|d| field_index(d, fname.as_bytes())) {
        Some(i) if i < len(r) => Ok(i),
        _ => bail!("Runtime error: Field '{fname}' not found in struct {}", struct_name(desc)),
    }
}

/// `obj.name` (`rt_get_field`, VM `get_field`): struct fields by name,
/// dict entries, tuple elements by number.
pub fn get_field<E: Env>(env: &mut E, obj: u32, name: u32) -> Res<u32> {
    // SAFETY: `name` is a static string.
    let fname = unsafe { strings::as_str(name) };
    let o = decode_ptr(obj);
    if let Val::Obj(r) = o {
        match kind(r) {
            STRUCT => {
                let i = struct_field_index(env.types(), r, fname)?;
                return Ok(field_dyn(env, r, i));
            }
            DICT => {
                return match dict::get(r, fname.as_bytes()) {
                    Some(v) => Ok(v),
                    None => bail!("Runtime error: Key '{fname}' not found in object"),
                };
            }
            TUPLE => {
                if let Ok(i) = fname.parse::<usize>() {
                    if i < len(r) as usize {
                        return Ok(field_dyn(env, r, i as u32));
                    }
                }
            }
            _ => {}
        }
    }
    bail!("Runtime error: Object has no field named '{fname}' ({})", type_name(o))
}

/// `obj.name = v` (`rt_set_field`, VM `set_field`); `obj` is unique.
pub fn set_field<E: Env>(env: &mut E, obj: u32, name: u32, v: u32) -> Res<()> {
    // SAFETY: `name` is a static string.
    let fname = unsafe { strings::as_str(name) };
    let o = decode_ptr(obj);
    if let Val::Obj(r) = o {
        match kind(r) {
            STRUCT => {
                let i = struct_field_index(env.types(), r, fname)?;
                let kinds = memory::load_u64(r + AGG_KINDS);
                let bits = slot_bits(field_kind(kinds, i), v)?;
                memory::store_u64(r + field_offset(i), bits);
                return Ok(());
            }
            DICT => {
                env.heap(|h| dict::insert(h, r, name, v));
                return Ok(());
            }
            _ => {}
        }
    }
    bail!("Runtime error: Cannot assign field '{fname}' on {}", type_name(o))
}

// -- lengths, iteration, ranges ---------------------------------------------------------

/// The ints a range with int bounds covers: `(start, end)` with `end`
/// exclusive and not below `start`; `None` for other bounds.
pub fn int_range(r: u32) -> Option<(i64, i64)> {
    match (field(r, 0), field(r, 1)) {
        (Val::Int(s), Val::Int(e)) => {
            let e = if value::aux(r) & RANGE_INCLUSIVE != 0 { e.wrapping_add(1) } else { e };
            Some((s, e.max(s)))
        }
        _ => None,
    }
}

/// `len()` (`rt_len`): bytes of a string, elements of an array, tuple or
/// int range, entries of a dict; the method's error otherwise.
pub fn length(v: u32) -> Res<i64> {
    if let Val::Obj(r) = decode_ptr(v) {
        match kind(r) {
            STR | ARRAY | DICT | TUPLE => return Ok(len(r) as i64),
            RANGE => {
                if let Some((s, e)) = int_range(r) {
                    return Ok(e.wrapping_sub(s));
                }
            }
            _ => {}
        }
    }
    Err(crate::methods::unknown_method(v, "len"))
}

/// What `for` visits (`rt_iter_items`, VM `iter_init`), as a new `K_PTR`
/// array.
pub fn iter_items<E: Env>(env: &mut E, v: u32) -> Res<u32> {
    let x = decode_ptr(v);
    let Val::Obj(r) = x else { bail!("Type error: Cannot iterate over {}", type_name(x)) };
    match kind(r) {
        RANGE => {
            // `iter_init` saturates `end + 1` (`seq_items`, behind range
            // methods, wraps: `int_range`).
            let Some((s, e)) = (match (field(r, 0), field(r, 1)) {
                (Val::Int(s), Val::Int(e)) => Some((s, if value::aux(r) & RANGE_INCLUSIVE != 0 { e.saturating_add(1) } else { e })),
                _ => None,
            }) else {
                bail!("Type error: Cannot iterate over a range without integer bounds")
            };
            Ok(scope(env, |env| {
                let n = u32::try_from(e.wrapping_sub(s)).unwrap_or(u32::MAX).min(1 << 16);
                let out = env::new_array(env, K_PTR, n);
                root(env, out);
                let mut i = s;
                while i < e {
                    push_val(env, out, Val::Int(i));
                    i += 1;
                }
                out
            }))
        }
        ARRAY => Ok(copy_elements(env, r, 0, len(r))),
        DICT => Ok(dict_items(env, r)),
        TUPLE => Ok(scope(env, |env| {
            let out = env::new_array(env, K_PTR, len(r));
            root(env, out);
            for i in 0..len(r) {
                push_val(env, out, field(r, i));
            }
            out
        })),
        _ => bail!("Type error: Cannot iterate over {}", type_name(x)),
    }
}

/// A new array of `(key, value)` tuples in key order (values shared).
pub fn dict_items<E: Env>(env: &mut E, d: u32) -> u32 {
    let entries = dict::sorted(d);
    scope(env, |env| {
        let out = env::new_array(env, K_PTR, entries.len() as u32);
        root(env, out);
        for &(k, v) in &entries {
            let t = env::tuple(env, &[Val::Obj(k), decode_ptr(v)]);
            env::push(env, out, t);
        }
        out
    })
}

/// A `RANGE` object (`rt_range_new`) with dynamic bounds (0 = open).
pub fn range_new<E: Env>(env: &mut E, start: u32, end: u32, inclusive: bool) -> u32 {
    let r = env::aggregate(env, RANGE, inclusive as u32 & RANGE_INCLUSIVE, &[start, end]);
    // Both bounds are K_PTR fields: the kinds word is already zero.
    debug_assert_eq!(memory::load_u64(r + AGG_KINDS), with_field_kind(0, 0, K_PTR));
    r
}

/// `v[start..end]` of an array for `[a, ..rest]` patterns (`rt_slice`, VM
/// `SliceRest`): a new array of the same element kind, elements shared; an
/// empty array for anything else.
pub fn slice<E: Env>(env: &mut E, v: u32, start: i64, end: i64) -> u32 {
    if !is(v, ARRAY) || start < 0 || end > len(v) as i64 || start > end {
        return env::new_array(env, K_PTR, 0);
    }
    let (s, e) = (start as u32, end as u32);
    let kind = elem_kind_of(meta(v));
    env.heap(|h| {
        let out = h.with_roots(&[v], |h| arrays::new(h, kind, e - s));
        let data = memory::load_u32(v + ARRAY_DATA);
        for i in s..e {
            let bits = memory::load_u64(data + i * SLOT_SIZE);
            if kind == K_PTR {
                value::share(h, bits as u32);
            }
            arrays::push(h, out, bits);
        }
        out
    })
}

// -- pattern tests ------------------------------------------------------------------------

/// Whether `v` is variant `variant` of enum `enum_id`.
pub fn is_variant(v: u32, enum_id: u32, variant: u32) -> bool {
    is(v, VARIANT) && type_id_of(meta(v)) == enum_id && value::aux(v) == variant
}

/// Whether `v` is an instance of struct `id`.
pub fn is_struct(v: u32, id: u32) -> bool {
    is(v, STRUCT) && type_id_of(meta(v)) == id
}

/// Whether `v` is a tuple of `n` elements.
pub fn is_tuple(v: u32, n: u32) -> bool {
    is(v, TUPLE) && len(v) == n
}

/// Whether `v` is an array of exactly (`at_least`: at least) `n` elements.
pub fn is_array_len(v: u32, n: i64, at_least: bool) -> bool {
    is(v, ARRAY) && if at_least { len(v) as i64 >= n } else { len(v) as i64 == n }
}

// -- unary operators ----------------------------------------------------------------------

/// `~x` (VM `BitNot`).
pub fn bitnot(v: u32) -> Res<Val> {
    match decode_ptr(v) {
        Val::Int(n) => Ok(Val::Int(!n)),
        x => bail!("Type error: Cannot apply ~ to {}", type_name(x)),
    }
}

/// `Function expects {min}-{max} arguments, got {got}` (VM `push_frame`).
pub fn arity_error(min: i32, max: i32, got: i32) -> Error {
    Error(alloc::format!("Function expects {min}-{max} arguments, got {got}"))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::env::test::TestEnv;
    use crate::layout::{meta as make_meta, K_FLOAT};
    use std::string::String;

    fn shown(t: &mut TestEnv, r: Res<u32>) -> String {
        match r {
            Ok(v) => t.show(v),
            Err(e) => std::format!("error: {}", e.0),
        }
    }

    /// A `Point {x, y}` (struct 0 of the test type table) with an int and a
    /// float field.
    fn point(t: &mut TestEnv, x: i64, y: f64) -> u32 {
        let p = env::aggregate(t, make_meta(STRUCT, 0), 0, &[0, 0]);
        let kinds = with_field_kind(with_field_kind(0, 0, K_INT), 1, K_FLOAT);
        memory::store_u64(p + AGG_KINDS, kinds);
        memory::store_i64(p + field_offset(0), x);
        memory::store_f64(p + field_offset(1), y);
        t.keep(p)
    }

    #[test]
    fn indexing_and_slicing() {
        let mut t = TestEnv::new();
        let a = t.int_array(&[10, 20, 30]);
        let s = t.str("héllo");
        let (zero, two, neg, big) = (t.int(0), t.int(2), t.int(-1), t.int(7));
        let r = index(&mut t, a, neg);
        assert_eq!(shown(&mut t, r), "30");
        let r = index(&mut t, a, big);
        assert_eq!(shown(&mut t, r), "error: Runtime error: Index 7 out of bounds for array of length 3");
        let r = index(&mut t, s, neg);
        assert_eq!(shown(&mut t, r), "\"o\"");
        let r = index(&mut t, s, big);
        assert_eq!(shown(&mut t, r), "error: Runtime error: Index 7 out of bounds for string of length 5");
        let sl = range_new(&mut t, zero, two, true);
        let sl = t.keep(sl);
        let r = index(&mut t, s, sl);
        assert_eq!(shown(&mut t, r), "\"hél\"");
        let r = index(&mut t, a, sl);
        assert_eq!(shown(&mut t, r), "[10, 20, 30]");
        let open = range_new(&mut t, neg, 0, false);
        let open = t.keep(open);
        let r = index(&mut t, a, open);
        assert_eq!(shown(&mut t, r), "[30]");
        let bad = range_new(&mut t, two, zero, false);
        let bad = t.keep(bad);
        let r = index(&mut t, a, bad);
        assert_eq!(shown(&mut t, r), "error: Runtime error: Slice 2..0 out of bounds for array of length 3");
        let r = index(&mut t, zero, zero);
        assert_eq!(shown(&mut t, r), "error: Type error: Cannot index integer");
        let r = index(&mut t, a, s);
        assert_eq!(shown(&mut t, r), "error: Type error: Cannot index array with string");
        let tup = env::tuple(&mut t, &[Val::Int(1), Val::Obj(s)]);
        let tup = t.keep(tup);
        let r = index(&mut t, tup, big);
        assert_eq!(shown(&mut t, r), "error: Runtime error: Tuple index 7 out of bounds (length: 2)");
        let r = tuple_get(&mut t, tup, 1);
        assert_eq!(shown(&mut t, r), "\"héllo\"");
        let r = tuple_get(&mut t, s, 0);
        assert_eq!(shown(&mut t, r), "error: Type error: Cannot access .0 on string");
        // Stores into a typed array unbox to its kind.
        assert_eq!(set_index(&mut t, a, zero, big), Ok(()));
        assert_eq!(t.show(a), "[7, 20, 30]");
        assert_eq!(set_index(&mut t, a, zero, s).unwrap_err().0, "Type error: Expected integer, got string");
        assert_eq!(set_index(&mut t, s, zero, s).unwrap_err().0, "Type error: Cannot index-assign string");
        // `[a, ..rest]` keeps the element kind.
        let rest = slice(&mut t, a, 1, 3);
        assert_eq!(elem_kind_of(meta(rest)), K_INT);
        assert_eq!(t.show(rest), "[20, 30]");
        assert_eq!(length(a), Ok(3));
        assert_eq!(length(s), Ok(6), "len() counts bytes");
        assert_eq!(length(zero).unwrap_err().0, "Unknown integer method: len");
        assert!(is_array_len(a, 2, true) && !is_array_len(a, 2, false) && is_tuple(tup, 2));
    }

    #[test]
    fn fields_by_name() {
        let mut t = TestEnv::new();
        let p = point(&mut t, 3, 1.5);
        let (x, y, z) = (t.str("x"), t.str("y"), t.str("z"));
        let r = get_field(&mut t, p, y);
        assert_eq!(shown(&mut t, r), "1.5");
        let r = get_field(&mut t, p, z);
        assert_eq!(shown(&mut t, r), "error: Runtime error: Field 'z' not found in struct Point");
        let seven = t.int(7);
        assert_eq!(set_field(&mut t, p, y, seven), Ok(()), "an int into a float field");
        assert_eq!(t.show(p), "Point {x: 3, y: 7.0}");
        assert_eq!(set_field(&mut t, p, x, z).unwrap_err().0, "Type error: Expected integer, got string");
        assert!(is_struct(p, 0) && !is_struct(p, 1));
        let d = t.dict();
        assert_eq!(set_field(&mut t, d, x, seven), Ok(()));
        let r = get_field(&mut t, d, x);
        assert_eq!(shown(&mut t, r), "7");
        let r = get_field(&mut t, d, y);
        assert_eq!(shown(&mut t, r), "error: Runtime error: Key 'y' not found in object");
        let r = get_field(&mut t, seven, x);
        assert_eq!(shown(&mut t, r), "error: Runtime error: Object has no field named 'x' (integer)");
        assert_eq!(set_field(&mut t, seven, x, x).unwrap_err().0, "Runtime error: Cannot assign field 'x' on integer");
        let tup = env::tuple(&mut t, &[Val::Int(4)]);
        let tup = t.keep(tup);
        let zero_name = t.str("0");
        let r = get_field(&mut t, tup, zero_name);
        assert_eq!(shown(&mut t, r), "4");
    }

    #[test]
    fn copy_on_write_and_iteration() {
        let mut t = TestEnv::new();
        let s = t.str("s");
        let a = t.array(&[s]);
        assert_eq!(make_unique(&mut t, a), a, "unshared: itself");
        share_value(&mut t, a);
        let c = make_unique(&mut t, a);
        assert_ne!(c, a);
        assert_eq!(meta(c) & SHARED_BIT, 0);
        let p = point(&mut t, 1, 2.0);
        share_value(&mut t, p);
        let q = make_unique(&mut t, p);
        assert_ne!(q, p);
        assert_eq!(t.show(q), "Point {x: 1, y: 2.0}");
        let d = t.dict();
        let one = t.int(1);
        dict_set(&mut t, d, one, s).unwrap();
        dict_set(&mut t, d, s, one).unwrap();
        assert_eq!(dict_set(&mut t, d, a, one).unwrap_err().0, "Type error: dict keys must be strings, got array");
        share_value(&mut t, d);
        let e = make_unique(&mut t, d);
        assert_ne!(e, d);
        let r = iter_items(&mut t, e);
        assert_eq!(shown(&mut t, r), "[(\"1\", \"s\"), (\"s\", 1)]");
        let ints = t.int_array(&[4, 5]);
        let r = iter_items(&mut t, ints);
        assert_eq!(shown(&mut t, r), "[4, 5]");
        let three = t.int(3);
        let rng = range_new(&mut t, one, three, true);
        let r = iter_items(&mut t, rng);
        assert_eq!(shown(&mut t, r), "[1, 2, 3]");
        let r = iter_items(&mut t, s);
        assert_eq!(shown(&mut t, r), "error: Type error: Cannot iterate over string");
        let half = t.float(0.5);
        let fr = range_new(&mut t, half, three, false);
        let r = iter_items(&mut t, fr);
        assert_eq!(shown(&mut t, r), "error: Type error: Cannot iterate over a range without integer bounds");
        assert_eq!(bitnot(three), Ok(Val::Int(-4)));
        assert_eq!(bitnot(s).unwrap_err().0, "Type error: Cannot apply ~ to string");
        assert_eq!(arity_error(1, 2, 3).0, "Function expects 1-2 arguments, got 3");
        assert_eq!(index_error(-9, 2, 0).0, "Runtime error: Index -9 out of bounds for array of length 2");
    }
}
