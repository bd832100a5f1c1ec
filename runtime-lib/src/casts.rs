//! Conversions: `as` casts on dynamic values (`rt_cast`, VM `ops::cast`)
//! and the re-encoding of arrays and tuples whose static type becomes a
//! typed one (`rt_array_retype`, `rt_tuple_retype`: ARCHITECTURE.md,
//! "Typed aggregates").

use crate::arrays;
use crate::env::{self, box_val, root, scope, Env};
use crate::error::{bail, Error, Res};
use crate::layout::{
    aggregate_size, elem_kind_of, field_kind, field_offset, with_field_kind, AGG_AUX, AGG_KINDS, ARRAY,
    K_BOOL, K_FLOAT, K_INT, K_PTR, MAX_KINDED_FIELDS, STR, TUPLE, VARIANT,
};
use crate::memory;
use crate::ops::{self, type_name};
use crate::strings;
use crate::value::{self, decode_ptr, element, field, is, kind, len, meta, Val};

/// Target kinds of `rt_cast`: the VM's `CastKind` numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastKind {
    Float,
    I64,
    I32,
    I16,
    I8,
    U64,
    U32,
    U16,
    U8,
    Str,
    Bool,
    Char,
}

impl CastKind {
    pub fn from_code(code: u32) -> Option<CastKind> {
        use CastKind::*;
        [Float, I64, I32, I16, I8, U64, U32, U16, U8, Str, Bool, Char].get(code as usize).copied()
    }

    /// The VM's `{kind:?}`, lowercased as its message does.
    fn name(self) -> &'static str {
        use CastKind::*;
        match self {
            Float => "float",
            I64 => "i64",
            I32 => "i32",
            I16 => "i16",
            I8 => "i8",
            U64 => "u64",
            U32 => "u32",
            U16 => "u16",
            U8 => "u8",
            Str => "str",
            Bool => "bool",
            Char => "char",
        }
    }
}

/// `v as T` (`rt_cast`) for the `CastKind` code `code`.
pub fn cast<E: Env>(env: &mut E, v: u32, code: u32) -> Res<u32> {
    let Some(k) = CastKind::from_code(code) else { return Err(Error("internal runtime error".into())) };
    let x = decode_ptr(v);
    let bad = || Error(alloc::format!("Type error: Cannot cast {} to {}", type_name(x), k.name()));
    let r = match k {
        CastKind::Float => match x {
            Val::Int(n) => Val::Float(n as f64),
            Val::Float(f) => Val::Float(f),
            _ => return Err(bad()),
        },
        CastKind::Str => {
            if is(v, STR) {
                return Ok(v);
            }
            let s = ops::concat_text(&env::printer(env), x);
            return Ok(env::new_str(env, s.as_bytes()));
        }
        CastKind::Bool => Val::Bool(env::truthy(v)),
        CastKind::Char => match x {
            Val::Int(n) => {
                let Some(c) = char::from_u32(n as u32) else { bail!("Runtime error: {n} is not a valid char") };
                let mut buf = [0u8; 4];
                let s = c.encode_utf8(&mut buf);
                return Ok(env::new_str(env, s.as_bytes()));
            }
            Val::Obj(o) if kind(o) == STR => return Ok(v),
            _ => return Err(bad()),
        },
        _ => {
            if let (Val::Obj(o), CastKind::U8 | CastKind::U32) = (x, k) {
                if kind(o) == STR {
                    // A 1-char string (a `char`) casts to its code point.
                    // SAFETY: `v` is rooted by the caller; nothing allocates.
                    if let Some(c) = unsafe { strings::as_str(o) }.chars().next() {
                        return Ok(box_val(env, Val::Int(c as i64)));
                    }
                }
            }
            let n = match x {
                Val::Int(n) => n,
                // Float → int truncates toward zero and saturates (Rust `as`).
                Val::Float(f) => f as i64,
                Val::Bool(b) => b as i64,
                // A fieldless variant casts to its discriminant; the type
                // table has no explicit discriminants, so this is the
                // variant's index (right for enums that declare none).
                Val::Obj(o) if kind(o) == VARIANT && len(o) == 0 => value::aux(o) as i64,
                _ => return Err(bad()),
            };
            Val::Int(match k {
                CastKind::I32 => n as i32 as i64,
                CastKind::I16 => n as i16 as i64,
                CastKind::I8 => n as i8 as i64,
                CastKind::U32 => n as u32 as i64,
                CastKind::U16 => n as u16 as i64,
                CastKind::U8 => n as u8 as i64,
                _ => n,
            })
        }
    };
    Ok(box_val(env, r))
}

/// The slot bits of `v` in a slot of kind `k`; a scalar that is not of the
/// kind is `Type error: Expected …` (a float slot also takes an int).
/// `K_PTR` needs boxing: the caller does it.
fn typed_bits(k: u32, v: Val) -> Res<u64> {
    Ok(match k {
        K_INT => ops::unbox_int(v)? as u64,
        K_FLOAT => ops::unbox_float(v)?.to_bits(),
        K_BOOL => ops::unbox_bool(v)? as u64,
        _ => unreachable!("pointer slots are boxed"),
    })
}

/// `rt_array_retype`: `v` itself when it is an array of elements of slot
/// kind `k` (or not an array at all), else a copy with its elements
/// re-encoded to `k` (shared when they are objects).
pub fn array_retype<E: Env>(env: &mut E, v: u32, k: u32) -> Res<u32> {
    if !is(v, ARRAY) || elem_kind_of(meta(v)) == k {
        return Ok(v);
    }
    let n = len(v);
    scope(env, |env| {
        let out = env::new_array(env, k, n);
        root(env, out);
        for i in 0..n {
            let x = element(v, i);
            if k == K_PTR {
                crate::methods::push_shared(env, out, x);
            } else {
                let bits = typed_bits(k, x)?;
                env.heap(|h| arrays::push(h, out, bits));
            }
        }
        Ok(out)
    })
}

/// `rt_tuple_retype`: `v` itself when it is a tuple whose fields have the
/// slot kinds `kinds` (2 bits per field, as an aggregate's kinds word) or
/// not a tuple at all, else a copy with its fields re-encoded.
pub fn tuple_retype<E: Env>(env: &mut E, v: u32, kinds: u64) -> Res<u32> {
    if !is(v, TUPLE) {
        return Ok(v);
    }
    let n = len(v);
    let have = memory::load_u64(v + AGG_KINDS);
    if (0..n).all(|i| field_kind(have, i) == field_kind(kinds, i)) {
        return Ok(v);
    }
    // Convert the typed fields first (no allocation), then box into a new
    // tuple field by field.
    let mut want = 0u64;
    for i in 0..n.min(MAX_KINDED_FIELDS) {
        want = with_field_kind(want, i, field_kind(kinds, i));
    }
    scope(env, |env| {
        let t = env.heap(|h| h.with_roots(&[v], |h| h.alloc_object(TUPLE, n, aggregate_size(n))));
        root(env, t);
        memory::store_u32(t + AGG_AUX, 0);
        for i in 0..n {
            let x = field(v, i);
            let bits = match field_kind(want, i) {
                K_PTR => {
                    if let Val::Obj(o) = x {
                        env::share(env, o);
                    }
                    box_val(env, x) as u64
                }
                k => typed_bits(k, x)?,
            };
            // The kinds word grows with the fields, so the collector never
            // reads a pointer slot that is not yet written.
            memory::store_u64(t + field_offset(i), bits);
            let so_far = memory::load_u64(t + AGG_KINDS);
            memory::store_u64(t + AGG_KINDS, with_field_kind(so_far, i, field_kind(want, i)));
        }
        Ok(t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::test::TestEnv;

    fn show(t: &mut TestEnv, r: Res<u32>) -> alloc::string::String {
        match r {
            Ok(v) => t.show(v),
            Err(e) => alloc::format!("error: {}", e.0),
        }
    }

    #[test]
    fn casts_like_the_vm() {
        let mut t = TestEnv::new();
        let (big, x, s, e) = (t.int(300), t.float(-3.7), t.str("é"), t.str(""));
        let c = |k: CastKind| k as u32;
        let r = cast(&mut t, big, c(CastKind::U8));
        assert_eq!(show(&mut t, r), "44");
        let r = cast(&mut t, x, c(CastKind::I32));
        assert_eq!(show(&mut t, r), "-3");
        let r = cast(&mut t, s, c(CastKind::U32));
        assert_eq!(show(&mut t, r), "233");
        let r = cast(&mut t, e, c(CastKind::U8));
        assert_eq!(show(&mut t, r), "error: Type error: Cannot cast string to u8");
        let r = cast(&mut t, s, c(CastKind::Float));
        assert_eq!(show(&mut t, r), "error: Type error: Cannot cast string to float");
        let r = cast(&mut t, x, c(CastKind::Str));
        assert_eq!(show(&mut t, r), "\"-3.7\"");
        let r = cast(&mut t, big, c(CastKind::Char));
        assert_eq!(show(&mut t, r), "\"Ĭ\"");
        let neg = t.int(-1);
        let r = cast(&mut t, neg, c(CastKind::Char));
        assert_eq!(show(&mut t, r), "error: Runtime error: -1 is not a valid char");
        let r = cast(&mut t, 0, c(CastKind::Bool));
        assert_eq!(show(&mut t, r), "false");
        let tr = t.bool(true);
        let r = cast(&mut t, tr, c(CastKind::I64));
        assert_eq!(show(&mut t, r), "1");
    }

    #[test]
    fn retyping_arrays_and_tuples() {
        let mut t = TestEnv::new();
        let a = t.int_array(&[1, 2]);
        assert_eq!(array_retype(&mut t, a, K_INT), Ok(a), "same kind: itself");
        let p = array_retype(&mut t, a, K_PTR).unwrap();
        let p = t.keep(p);
        assert_eq!(elem_kind_of(meta(p)), K_PTR);
        assert_eq!(t.show(p), "[1, 2]");
        let f = array_retype(&mut t, p, K_FLOAT).unwrap();
        assert_eq!(t.show(f), "[1.0, 2.0]");
        let s = t.str("x");
        let mixed = t.array(&[s]);
        let r = array_retype(&mut t, mixed, K_INT);
        assert_eq!(show(&mut t, r), "error: Type error: Expected integer, got string");
        let tup = env::tuple(&mut t, &[Val::Int(1), Val::Obj(s)]);
        let tup = t.keep(tup);
        let want = with_field_kind(0, 0, K_INT);
        let r = tuple_retype(&mut t, tup, want).unwrap();
        assert_ne!(r, tup);
        assert_eq!(t.show(r), "(1, \"x\")");
        assert_eq!(field_kind(memory::load_u64(r + AGG_KINDS), 0), K_INT);
        assert_eq!(tuple_retype(&mut t, r, want), Ok(r));
    }
}
