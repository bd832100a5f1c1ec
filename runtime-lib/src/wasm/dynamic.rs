//! The exports of aggregates, places, methods and built-ins (ABI.md,
//! "Exports (aggregates, places, methods, built-ins)"): thin wrappers that
//! run the shared operations on the [`WasmEnv`] and turn an error into a
//! runtime error at the packed source location `loc` (`line << 16 | col`):
//! the VM's report, or a pending exception inside a `try`.

use super::exceptions::raise;
use super::WasmEnv;
use crate::error::{Error, Res};
use crate::methods::{self, Args, Out};
use crate::value::{self, Val};
use crate::{builtins, casts, env, places, strings};

/// Raises `e` at `loc` (exits unless a `try` is active).
fn fail(e: Error, loc: u32) {
    raise(e.0.as_bytes(), loc)
}

/// The value of `r`; on an error, raises it and gives a placeholder the
/// generated caller discards when it propagates.
fn check<T: Default>(r: Res<T>, loc: u32) -> T {
    r.unwrap_or_else(|e| {
        fail(e, loc);
        T::default()
    })
}

/// As [`check`] for operations that call closures: when one threw, returns
/// 0 at once and leaves `RT_EXC_PENDING` set for the generated caller.
fn check_call(r: Res<u32>, loc: u32) -> u32 {
    match r {
        Ok(v) => v,
        Err(e) if e.is_thrown() => 0,
        Err(e) => {
            fail(e, loc);
            0
        }
    }
}

/// The receiver the last `rt_method` left (`rt_take_self`).
static mut TAKEN_SELF: u32 = 0;

#[no_mangle]
pub extern "C" fn rt_share(v: u32) {
    places::share_value(&mut WasmEnv, v);
}

#[no_mangle]
pub extern "C" fn rt_make_unique(v: u32) -> u32 {
    places::make_unique(&mut WasmEnv, v)
}

/// `rt_make_unique` of an array (or nil): links only the array copy.
#[no_mangle]
pub extern "C" fn rt_array_make_unique(v: u32) -> u32 {
    places::make_array_unique(&mut WasmEnv, v)
}

#[no_mangle]
pub extern "C" fn rt_index(obj: u32, idx: u32, loc: u32) -> u32 {
    check(places::index(&mut WasmEnv, obj, idx), loc)
}

/// `rt_index` with an int index, which then needs no box.
#[no_mangle]
pub extern "C" fn rt_index_int(obj: u32, idx: i64, loc: u32) -> u32 {
    check(places::index_val(&mut WasmEnv, obj, Val::Int(idx)), loc)
}

#[no_mangle]
pub extern "C" fn rt_set_index(obj: u32, idx: u32, v: u32, loc: u32) {
    check(places::set_index(&mut WasmEnv, obj, idx, v), loc)
}

#[no_mangle]
pub extern "C" fn rt_get_field(obj: u32, name: u32, loc: u32) -> u32 {
    check(places::get_field(&mut WasmEnv, obj, name), loc)
}

#[no_mangle]
pub extern "C" fn rt_set_field(obj: u32, name: u32, v: u32, loc: u32) {
    check(places::set_field(&mut WasmEnv, obj, name, v), loc)
}

#[no_mangle]
pub extern "C" fn rt_tuple_get(obj: u32, i: u32, loc: u32) -> u32 {
    check(places::tuple_get(&mut WasmEnv, obj, i), loc)
}

#[no_mangle]
pub extern "C" fn rt_len(v: u32, loc: u32) -> i64 {
    check(places::length(v), loc)
}

#[no_mangle]
pub extern "C" fn rt_iter_items(v: u32, loc: u32) -> u32 {
    check(places::iter_items(&mut WasmEnv, v), loc)
}

#[no_mangle]
pub extern "C" fn rt_range_new(start: u32, end: u32, inclusive: u32) -> u32 {
    places::range_new(&mut WasmEnv, start, end, inclusive != 0)
}

#[no_mangle]
pub extern "C" fn rt_slice(v: u32, start: i64, end: i64) -> u32 {
    places::slice(&mut WasmEnv, v, start, end)
}

#[no_mangle]
pub extern "C" fn rt_index_error(idx: i64, len: u32, what: u32, loc: u32) {
    fail(places::index_error(idx, len, what), loc)
}

#[no_mangle]
pub extern "C" fn rt_is_variant(v: u32, enum_id: u32, variant: u32) -> i32 {
    places::is_variant(v, enum_id, variant) as i32
}

#[no_mangle]
pub extern "C" fn rt_is_struct(v: u32, struct_id: u32) -> i32 {
    places::is_struct(v, struct_id) as i32
}

#[no_mangle]
pub extern "C" fn rt_is_tuple(v: u32, n: u32) -> i32 {
    places::is_tuple(v, n) as i32
}

#[no_mangle]
pub extern "C" fn rt_is_array_len(v: u32, n: i64, at_least: u32) -> i32 {
    places::is_array_len(v, n, at_least != 0) as i32
}

/// `recv.name(args…)`; a mutator leaves the receiver's final value for
/// `rt_take_self`. When a closure it calls throws, it stops and returns 0
/// with the exception pending (the receiver is left as it was).
#[no_mangle]
pub extern "C" fn rt_method(recv: u32, name: u32, args: u32, loc: u32) -> u32 {
    // SAFETY: method names are static strings.
    let n = unsafe { strings::as_str(name) };
    let (value, new_self) = match methods::call_method(&mut WasmEnv, recv, n, &Args::new(args), loc) {
        Ok(Out { value, new_self }) => (value, new_self),
        Err(e) if e.is_thrown() => (0, None),
        Err(e) => {
            fail(e, loc);
            (0, None)
        }
    };
    // SAFETY: single-threaded write of a plain word.
    unsafe { TAKEN_SELF = new_self.unwrap_or(recv) };
    value
}

#[no_mangle]
pub extern "C" fn rt_take_self() -> u32 {
    // SAFETY: single-threaded read of a plain word.
    unsafe { TAKEN_SELF }
}

/// Calls the function value `f` with the `K_PTR` argument array `args`.
#[no_mangle]
pub extern "C" fn rt_call(f: u32, args: u32, loc: u32) -> u32 {
    check_call(env::call_value(&mut WasmEnv, f, args, loc), loc)
}

#[no_mangle]
pub extern "C" fn rt_arity_error(min: i32, max: i32, got: i32, loc: u32) {
    fail(places::arity_error(min, max, got), loc)
}

/// `rt_index_error` as code a `try` can reach calls it (ABI.md, "Exceptions").
#[no_mangle]
pub extern "C" fn rt_raise_index_error(idx: i64, len: u32, what: u32, loc: u32) {
    rt_index_error(idx, len, what, loc)
}

/// `rt_arity_error` as code a `try` can reach calls it.
#[no_mangle]
pub extern "C" fn rt_raise_arity_error(min: i32, max: i32, got: i32, loc: u32) {
    rt_arity_error(min, max, got, loc)
}

#[no_mangle]
pub extern "C" fn rt_builtin(id: u32, args: u32, loc: u32) -> u32 {
    check_call(builtins::call_builtin(&mut WasmEnv, id, &Args::new(args), loc), loc)
}

/// The VM's truthiness of a condition: only `false` and nil are falsy.
#[no_mangle]
pub extern "C" fn rt_truthy(v: u32) -> i32 {
    env::truthy(v) as i32
}

/// `~x`: ints only (`Type error: Cannot apply ~ to {type}`).
#[no_mangle]
pub extern "C" fn rt_dyn_bitnot(v: u32, loc: u32) -> u32 {
    let r: Val = check(places::bitnot(v), loc);
    env::box_val(&mut WasmEnv, r)
}

/// `d.get(key).unwrap_or(default)` for a dict `d`, without the Option:
/// the value (shared, as `get` shares what it wraps) or `default`.
#[no_mangle]
pub extern "C" fn rt_dict_get_or(d: u32, key: u32, default: u32, loc: u32) -> u32 {
    let found = places::dict_key(value::decode_ptr(key)).map(|k| crate::dict::get(d, k.bytes()));
    match check(found.map(Some), loc).flatten() {
        Some(v) => {
            env::share(&mut WasmEnv, v);
            v
        }
        None => default,
    }
}

/// `d.contains_key(key)` for a dict `d`, as an `i32` bool.
#[no_mangle]
pub extern "C" fn rt_dict_contains(d: u32, key: u32, loc: u32) -> i32 {
    let found = places::dict_key(value::decode_ptr(key)).map(|k| crate::dict::contains(d, k.bytes()));
    check(found, loc) as i32
}

#[no_mangle]
pub extern "C" fn rt_dict_new() -> u32 {
    env::Env::heap(&mut WasmEnv, crate::dict::new)
}

/// One entry of a dict literal: `d[key] = v` with the key converted like
/// the VM's `dict_key`.
#[no_mangle]
pub extern "C" fn rt_dict_set(d: u32, key: u32, v: u32, loc: u32) {
    check(places::dict_set(&mut WasmEnv, d, key, v), loc)
}


/// `v as T` for the `CastKind` code `kind` (the VM's numbering).
#[no_mangle]
pub extern "C" fn rt_cast(v: u32, kind: u32, loc: u32) -> u32 {
    check(casts::cast(&mut WasmEnv, v, kind), loc)
}

/// `v` re-encoded as an array of slot kind `kind` (itself when it is one).
#[no_mangle]
pub extern "C" fn rt_array_retype(v: u32, kind: u32) -> u32 {
    check(casts::array_retype(&mut WasmEnv, v, kind), 0)
}

/// `v` re-encoded as a tuple with the field kinds `kinds` (itself when it
/// has them).
#[no_mangle]
pub extern "C" fn rt_tuple_retype(v: u32, kinds: i64) -> u32 {
    check(casts::tuple_retype(&mut WasmEnv, v, kinds as u64), 0)
}
