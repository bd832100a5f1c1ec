//! Built-in methods on dynamic values (`rt_method`): the VM's
//! `builtins::call_method`, receiver type by receiver type.
//!
//! [`call_method`] first handles the methods every value has (`clone`,
//! `iter`, `collect`, `to_string`, and `unwrap`-like calls on plain values),
//! then dispatches on the receiver: numbers (`num`), strings (`str`), arrays
//! (`array`), dicts (`dict`), `Option`/`Result` (`option`), ranges (here:
//! `contains`, anything else on the range's ints as an array) and tuples
//! (`len`). A mutating method (VM `BUILTIN_MUTATORS`) gets a unique
//! receiver and mutates it in place; a string method that "mutates"
//! (`push_str`) returns the new string as [`Out::new_self`].

mod array;
mod dict;
mod num;
mod option;
mod str;

use crate::env::{self, share, Env};
use crate::error::{bail, Error, Res};
use crate::layout::{type_id_of, ARRAY, ARRAY_DATA, DICT, RANGE, RESULT_ENUM, STR, TUPLE, VARIANT};
use crate::memory;
use crate::ops::{self, type_name};
use crate::places;
use crate::value::{self, decode_ptr, element, is, kind, len, meta, Val};
use core::cmp::Ordering;

/// Methods that mutate their receiver (VM `BUILTIN_MUTATORS`): the compiler
/// makes the receiver unique first and writes `rt_take_self` back after.
pub const MUTATORS: &[&str] = &[
    "push", "pop", "insert", "remove", "clear", "push_str", "append", "extend", "truncate", "swap", "sort_by",
    "sort_unstable", "retain", "dedup", "reverse_in_place", "drain",
];

/// The arguments of a method or built-in: a `K_PTR` array (ABI), nil past
/// its end.
#[derive(Clone, Copy)]
pub struct Args {
    arr: u32,
    n: u32,
}

impl Args {
    /// The arguments held by the array `arr` (0 = none).
    pub fn new(arr: u32) -> Args {
        Args { arr, n: if arr == 0 { 0 } else { len(arr) } }
    }

    pub fn len(&self) -> usize {
        self.n as usize
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Argument `i` as a dynamic value (nil when absent).
    pub fn get(&self, i: usize) -> u32 {
        if (i as u32) < self.n {
            memory::load_u32(memory::load_u32(self.arr + ARRAY_DATA) + 8 * i as u32)
        } else {
            0
        }
    }

    /// Argument `i` decoded.
    pub fn val(&self, i: usize) -> Val {
        decode_ptr(self.get(i))
    }
}

/// What a method returns: its value, and for a string mutator the
/// receiver's new value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Out {
    pub value: u32,
    pub new_self: Option<u32>,
}

impl Out {
    pub fn value(value: u32) -> Out {
        Out { value, new_self: None }
    }
}

/// `Unknown {kind} method: {name}`, with the kind the VM names for `recv`.
pub fn unknown_method(recv: u32, name: &str) -> Error {
    let v = decode_ptr(recv);
    let kind = match v {
        Val::Obj(o) if kind(o) == DICT => "dict",
        Val::Obj(o) if is_option_or_result(o) => {
            if type_id_of(meta(o)) == RESULT_ENUM {
                "result"
            } else {
                "option"
            }
        }
        _ => type_name(v),
    };
    Error(alloc::format!("Unknown {kind} method: {name}"))
}

/// Whether `v` is an `Option` or `Result` variant.
pub fn is_option_or_result(v: u32) -> bool {
    is(v, VARIANT) && type_id_of(meta(v)) <= RESULT_ENUM
}

/// `Type error: expected an integer, got {type}`.
pub fn int_arg(v: Val) -> Res<i64> {
    match v {
        Val::Int(n) => Ok(n),
        _ => bail!("Type error: expected an integer, got {}", type_name(v)),
    }
}

/// `Type error: {what} expects a number, got {type}`.
pub fn num_arg(v: Val, what: &str) -> Res<f64> {
    match v {
        Val::Int(n) => Ok(n as f64),
        Val::Float(f) => Ok(f),
        _ => bail!("Type error: {what} expects a number, got {}", type_name(v)),
    }
}

/// -1, 0 or 1 (unordered counts as greater, as the VM's `cmp`).
pub fn ordering_int(o: Option<Ordering>) -> i64 {
    match o {
        Some(Ordering::Less) => -1,
        Some(Ordering::Equal) => 0,
        _ => 1,
    }
}

/// The items of an array, or the ints of a range with int bounds (VM
/// `seq_items`), read without copying.
#[derive(Clone, Copy)]
pub enum Seq {
    Array(u32),
    Range(i64, i64),
}

impl Seq {
    pub fn of(v: u32) -> Option<Seq> {
        Seq::of_val(decode_ptr(v))
    }

    pub fn of_val(v: Val) -> Option<Seq> {
        match v {
            Val::Obj(o) if kind(o) == ARRAY => Some(Seq::Array(o)),
            Val::Obj(o) if kind(o) == RANGE => places::int_range(o).map(|(s, e)| Seq::Range(s, e)),
            _ => None,
        }
    }

    pub fn len(&self) -> u32 {
        match *self {
            Seq::Array(a) => len(a),
            Seq::Range(s, e) => u32::try_from(e.wrapping_sub(s)).unwrap_or(u32::MAX),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Item `i` (`i < len`).
    pub fn get(&self, i: u32) -> Val {
        match *self {
            Seq::Array(a) => element(a, i),
            Seq::Range(s, _) => Val::Int(s + i as i64),
        }
    }
}

/// Appends item `v` (reachable from elsewhere: it becomes shared) to the
/// rooted `K_PTR` array `out`.
pub fn push_shared<E: Env>(env: &mut E, out: u32, v: Val) {
    if let Val::Obj(o) = v {
        share(env, o);
    }
    env::push_val(env, out, v);
}

/// A new `K_PTR` array of the items of `seq` (shared). May collect; an
/// array `seq` must be reachable.
pub fn seq_array<E: Env>(env: &mut E, seq: Seq) -> u32 {
    env::scope(env, |env| {
        let out = env::new_array(env, crate::layout::K_PTR, seq.len().min(1 << 16));
        env::root(env, out);
        for i in 0..seq.len() {
            push_shared(env, out, seq.get(i));
        }
        out
    })
}

/// `recv.name(args…)` (`rt_method`).
pub fn call_method<E: Env>(env: &mut E, recv: u32, name: &str, args: &Args, loc: u32) -> Res<Out> {
    match name {
        "clone" | "iter" | "into_iter" | "collect" | "to_vec" | "copied" | "cloned" | "as_str" | "to_owned" | "borrow"
        | "as_ref" | "iter_mut" | "unwrap_or_clone" | "as_slice" => {
            if name == "collect" || name == "to_vec" {
                if let Some(seq) = Seq::of(recv) {
                    return Ok(Out::value(seq_array(env, seq)));
                }
            }
            share(env, recv);
            return Ok(Out::value(recv));
        }
        // A plain value where Rust code expects a Result behaves as `Ok(v)`.
        "unwrap" | "expect" | "unwrap_or" | "unwrap_or_else" | "unwrap_or_default" | "map_err"
            if recv != 0 && !is_option_or_result(recv) =>
        {
            share(env, recv);
            return Ok(Out::value(recv));
        }
        "to_string" => {
            let v = decode_ptr(recv);
            if let Val::Obj(o) = v {
                if kind(o) == STR {
                    // Strings are immutable: the text is the string itself.
                    return Ok(Out::value(o));
                }
            }
            let text = ops::concat_text(&env::printer(env), v);
            return Ok(Out::value(env::new_str(env, text.as_bytes())));
        }
        _ => {}
    }
    match decode_ptr(recv) {
        v @ (Val::Int(_) | Val::Float(_)) => num::method(env, v, name, args).map(Out::value),
        Val::Obj(r) => match kind(r) {
            STR => str::method(env, r, name, args),
            ARRAY => array::method(env, r, name, args, loc),
            DICT => dict::method(env, r, name, args).map(Out::value),
            VARIANT if is_option_or_result(r) => {
                // The result is often the payload the receiver still holds.
                let v = option::method(env, r, name, args, loc)?;
                share(env, v);
                Ok(Out::value(v))
            }
            RANGE => range_method(env, r, name, args, loc),
            TUPLE if name == "len" => Ok(Out::value(env::box_val(env, Val::Int(len(r) as i64)))),
            _ => Err(unknown_method(recv, name)),
        },
        _ => Err(unknown_method(recv, name)),
    }
}

/// Methods of ranges: `contains`, and on int ranges every array method
/// (`rev` = `reverse`) applied to the range's ints.
fn range_method<E: Env>(env: &mut E, r: u32, name: &str, args: &Args, loc: u32) -> Res<Out> {
    if name == "contains" {
        let (start, end) = (value::field(r, 0), value::field(r, 1));
        let inclusive = value::aux(r) & crate::layout::RANGE_INCLUSIVE != 0;
        let x = args.val(0);
        let lo = start == Val::Nil || ops::compare(start, x)? != Some(Ordering::Greater);
        let hi = end == Val::Nil
            || match ops::compare(x, end)? {
                Some(Ordering::Less) => true,
                Some(Ordering::Equal) => inclusive,
                _ => false,
            };
        return Ok(Out::value(env::box_val(env, Val::Bool(lo && hi))));
    }
    let Some((s, e)) = places::int_range(r) else { return Err(unknown_method(r, name)) };
    env::scope(env, |env| {
        // The ints as a temporary array (typed: only results escape).
        let n = u32::try_from(e.wrapping_sub(s)).unwrap_or(u32::MAX);
        let arr = env::new_array(env, crate::layout::K_INT, n.min(1 << 16));
        env::root(env, arr);
        let mut i = s;
        while i < e {
            env.heap(|h| crate::arrays::push(h, arr, i as u64));
            i += 1;
        }
        let name = if name == "rev" { "reverse" } else { name };
        array::method(env, arr, name, args, loc)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    extern crate std;
    use super::*;
    use crate::env::test::TestEnv;
    use std::string::String;

    /// `recv.name(args…)`: the Display form of the result, or `error: …`.
    pub fn call(t: &mut TestEnv, recv: u32, name: &str, args: &[u32]) -> String {
        call_out(t, recv, name, args).0
    }

    /// As [`call`], plus the Display form of the receiver's new value.
    pub fn call_out(t: &mut TestEnv, recv: u32, name: &str, args: &[u32]) -> (String, Option<String>) {
        let argv = t.array(args);
        match call_method(t, recv, name, &Args::new(argv), 0) {
            Ok(out) => (t.show(out.value), out.new_self.map(|s| t.show(s))),
            Err(e) => (std::format!("error: {}", e.0), None),
        }
    }

    #[test]
    fn universal_and_range_methods() {
        let mut t = TestEnv::new();
        let (one, four) = (t.int(1), t.int(4));
        let r = crate::places::range_new(&mut t, one, four, false);
        let r = t.keep(r);
        assert_eq!(call(&mut t, r, "collect", &[]), "[1, 2, 3]");
        assert_eq!(call(&mut t, r, "rev", &[]), "[3, 2, 1]");
        assert_eq!(call(&mut t, r, "sum", &[]), "6");
        assert_eq!(call(&mut t, r, "len", &[]), "3");
        assert_eq!(call(&mut t, r, "contains", &[four]), "false");
        assert_eq!(call(&mut t, r, "iter", &[]), "1..4");
        assert_eq!(call(&mut t, r, "to_string", &[]), "\"1..4\"");
        let x = t.float(3.0);
        assert_eq!(call(&mut t, x, "to_string", &[]), "\"3\"");
        assert_eq!(call(&mut t, x, "unwrap", &[]), "3.0", "a plain value unwraps to itself");
        assert_eq!(call(&mut t, 0, "unwrap", &[]), "error: Unknown nil method: unwrap");
        assert_eq!(call(&mut t, 0, "to_string", &[]), "\"nil\"");
        let b = t.bool(true);
        assert_eq!(call(&mut t, b, "frob", &[]), "error: Unknown boolean method: frob");
        let tup = crate::env::tuple(&mut t, &[Val::Int(1), Val::Int(2)]);
        let tup = t.keep(tup);
        assert_eq!(call(&mut t, tup, "len", &[]), "2");
        assert_eq!(call(&mut t, tup, "frob", &[]), "error: Unknown tuple method: frob");
        let d = t.dict();
        assert_eq!(call(&mut t, d, "frob", &[]), "error: Unknown dict method: frob");
        let s = t.str("ab");
        let open = crate::places::range_new(&mut t, 0, s, true);
        let open = t.keep(open);
        assert_eq!(call(&mut t, open, "contains", &[s]), "true");
        assert_eq!(call(&mut t, open, "map", &[s]), "error: Unknown range method: map");
    }
}
