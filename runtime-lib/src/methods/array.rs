//! Methods of arrays (VM `array_method_in_place` and `array_method`).
//!
//! Mutators work on the receiver's slots in place and keep its element
//! kind (a value stored into a typed array is unboxed to it). Methods that
//! build arrays return `K_PTR` arrays (their static type is dynamic) whose
//! elements are shared, as the VM's `new_array`. Closures are called through
//! one [`Callee`] per method call, with the receiver's items read by index
//! (the receiver is rooted by the caller).

use super::{int_arg, push_shared, Args, Out, Seq};
use crate::arrays;
use crate::env::{self, box_val, root, scope, set_root, truthy, Callee, Env};
use crate::equality::equal;
use crate::error::{bail, Error, Res};
use crate::format::Mode;
use crate::layout::{elem_kind_of, type_id_of, ARRAY_DATA, K_BOOL, K_FLOAT, K_INT, K_PTR, LEN, OPTION_ENUM, SLOT_SIZE, VARIANT, VARIANT_SOME};
use crate::memory;
use crate::ops::{self, type_name, Outcome};
use crate::places::{element_dyn, slot_bits};
use crate::sort::{self, Item};
use crate::value::{self, decode, decode_ptr, element, field, is, len, meta, Val};
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

fn data(arr: u32) -> u32 {
    memory::load_u32(arr + ARRAY_DATA)
}

fn slot(arr: u32, i: u32) -> u32 {
    data(arr) + i * SLOT_SIZE
}

fn set_len(arr: u32, n: u32) {
    memory::store_u32(arr + LEN, n);
}

fn kind_of(arr: u32) -> u32 {
    elem_kind_of(meta(arr))
}

/// The bits of `v` in a slot of kind `kind` (scalars only for typed
/// kinds; `K_PTR` is handled by the caller, which boxes).
fn val_bits(kind: u32, v: Val) -> Res<u64> {
    Ok(match kind {
        K_INT => ops::unbox_int(v)? as u64,
        K_FLOAT => ops::unbox_float(v)?.to_bits(),
        K_BOOL => ops::unbox_bool(v)? as u64,
        _ => unreachable!("K_PTR values are boxed, not converted"),
    })
}

/// Appends `v` to the rooted array `arr`, in its element kind (objects
/// become shared).
fn push_item<E: Env>(env: &mut E, arr: u32, v: Val) -> Res<()> {
    let k = kind_of(arr);
    if k == K_PTR {
        push_shared(env, arr, v);
    } else {
        let bits = val_bits(k, v)?;
        env.heap(|h| arrays::push(h, arr, bits));
    }
    Ok(())
}

/// `Some(item i)` or `None`.
fn option_elem<E: Env>(env: &mut E, arr: u32, i: Option<u32>) -> u32 {
    match i {
        Some(i) => {
            let v = element_dyn(env, arr, i);
            env::some(env, v)
        }
        None => env::none(env),
    }
}

/// Calls `f` on each item of `arr` in order; `visit(env, i, item, result)`
/// (with the result rooted) says whether to go on.
fn each_call<E: Env>(env: &mut E, arr: u32, f: u32, loc: u32, mut visit: impl FnMut(&mut E, u32, Val, u32) -> Res<bool>) -> Res<()> {
    let n = len(arr);
    scope(env, |env| {
        let callee = Callee::new(env, f, loc);
        let result = root(env, 0);
        for i in 0..n {
            if i >= len(arr) {
                break;
            }
            let x = element(arr, i);
            let r = callee.call(env, &[x])?;
            set_root(result, r);
            if !visit(env, i, x, r)? {
                break;
            }
        }
        Ok(())
    })
}

/// Index of the first item for which `f(item)` is truthy (`want`) or falsy.
fn first_where<E: Env>(env: &mut E, arr: u32, f: u32, loc: u32, want: bool) -> Res<Option<u32>> {
    let mut found = None;
    each_call(env, arr, f, loc, |_, i, _, r| {
        if truthy(r) == want {
            found = Some(i);
            return Ok(false);
        }
        Ok(true)
    })?;
    Ok(found)
}

/// Builds a new `K_PTR` array: `fill(env, out)` pushes into it (rooted);
/// its elements end up shared.
fn build<E: Env>(env: &mut E, cap: u32, fill: impl FnOnce(&mut E, u32) -> Res<()>) -> Res<u32> {
    scope(env, |env| {
        let out = env::new_array(env, K_PTR, cap.min(1 << 16));
        root(env, out);
        fill(env, out)?;
        env.heap(|h| {
            for i in 0..len(out) {
                value::share(h, memory::load_u32(slot(out, i)));
            }
        });
        Ok(out)
    })
}

/// A new array of the items `idx` of `arr` (shared).
fn pick<E: Env>(env: &mut E, arr: u32, idx: impl Iterator<Item = u32>) -> Res<u32> {
    build(env, 0, |env, out| {
        for i in idx {
            push_shared(env, out, element(arr, i));
        }
        Ok(())
    })
}

/// The items of `arr` as sort items.
fn items(arr: u32) -> Vec<Item> {
    let (k, d) = (kind_of(arr), data(arr));
    (0..len(arr)).map(|i| Item::new(memory::load_u64(d + i * SLOT_SIZE), k)).collect()
}

fn item_val(it: &Item) -> Val {
    decode(it.bits, it.kind)
}

/// Sorts `v` by `ops::compare` (unordered = equal), or by the closure `f`
/// (`Some`): an int result orders by its sign, `true` means less, `false`
/// greater. The first error stops the comparisons, as in the VM.
fn sort_items<E: Env>(env: &mut E, v: &mut [Item], f: Option<u32>, loc: u32) -> Res<()> {
    let mut error: Option<Error> = None;
    scope(env, |env| {
        let callee = f.map(|f| Callee::new(env, f, loc));
        sort::sort_by(v, &mut |a, b| {
            if error.is_some() {
                return Ordering::Equal;
            }
            let r = match &callee {
                None => ops::compare(item_val(a), item_val(b)).map(|o| o.unwrap_or(Ordering::Equal)).map_err(Error::from),
                Some(c) => c.call(env, &[item_val(a), item_val(b)]).and_then(|r| match decode_ptr(r) {
                    Val::Int(n) => Ok(n.cmp(&0)),
                    Val::Bool(true) => Ok(Ordering::Less),
                    Val::Bool(false) => Ok(Ordering::Greater),
                    other => Err(Error(alloc::format!(
                        "Type error: sort_by comparator must return an integer, got {}",
                        type_name(other)
                    ))),
                }),
            };
            r.unwrap_or_else(|e| {
                error = Some(e);
                Ordering::Equal
            })
        });
    });
    error.map_or(Ok(()), Err)
}

/// Methods that read or update the receiver in place; `None` for the rest.
fn in_place<E: Env>(env: &mut E, r: u32, name: &str, args: &Args) -> Res<Option<u32>> {
    let n = len(r);
    let k = kind_of(r);
    let v = match name {
        "len" | "count" if args.is_empty() => Val::Int(n as i64),
        "is_empty" => Val::Bool(n == 0),
        "push" | "append" => {
            let bits = slot_bits(k, args.get(0))?;
            env.heap(|h| arrays::push(h, r, bits));
            Val::Nil
        }
        "extend" => {
            let Some(more) = Seq::of(args.get(0)) else { bail!("Type error: extend expects an array") };
            for i in 0..more.len() {
                push_item(env, r, more.get(i))?;
            }
            Val::Nil
        }
        "pop" => {
            if n == 0 {
                return Ok(Some(env::none(env)));
            }
            return Ok(Some(scope(env, |env| {
                let v = element_dyn(env, r, n - 1);
                root(env, v);
                set_len(r, n - 1);
                env::some(env, v)
            })));
        }
        "insert" => {
            let i = int_arg(args.val(0))?;
            if i < 0 || i > n as i64 {
                bail!("Runtime error: Index {i} out of bounds for array of length {n}");
            }
            let bits = slot_bits(k, args.get(1))?;
            env.heap(|h| arrays::push(h, r, bits));
            let i = i as u32;
            memory::copy(slot(r, i + 1), slot(r, i), (n - i) * SLOT_SIZE);
            memory::store_u64(slot(r, i), bits);
            Val::Nil
        }
        "remove" => {
            let i = int_arg(args.val(0))?;
            if i < 0 || i >= n as i64 {
                bail!("Runtime error: Index {i} out of bounds for array of length {n}");
            }
            let i = i as u32;
            return Ok(Some(scope(env, |env| {
                let v = element_dyn(env, r, i);
                root(env, v);
                memory::copy(slot(r, i), slot(r, i + 1), (n - i - 1) * SLOT_SIZE);
                set_len(r, n - 1);
                v
            })));
        }
        "clear" => {
            set_len(r, 0);
            Val::Nil
        }
        "truncate" => {
            let m = int_arg(args.val(0))?.max(0);
            if m < n as i64 {
                set_len(r, m as u32);
            }
            Val::Nil
        }
        "swap" => {
            let (i, j) = (int_arg(args.val(0))?, int_arg(args.val(1))?);
            let len = n as i64;
            if i < 0 || j < 0 || i >= len || j >= len {
                bail!("Runtime error: Index {} out of bounds for array of length {len}", if i >= len || i < 0 { i } else { j });
            }
            let (a, b) = (slot(r, i as u32), slot(r, j as u32));
            let (x, y) = (memory::load_u64(a), memory::load_u64(b));
            memory::store_u64(a, y);
            memory::store_u64(b, x);
            Val::Nil
        }
        "contains" => {
            let x = args.val(0);
            Val::Bool((0..n).any(|i| equal(element(r, i), x)))
        }
        "first" => return Ok(Some(option_elem(env, r, n.checked_sub(1).map(|_| 0)))),
        "last" => return Ok(Some(option_elem(env, r, n.checked_sub(1)))),
        "get" => {
            let i = int_arg(args.val(0))?;
            let at = (i >= 0 && i < n as i64).then_some(i as u32);
            return Ok(Some(option_elem(env, r, at)));
        }
        _ => return Ok(None),
    };
    Ok(Some(box_val(env, v)))
}

/// `recv.name(args…)` for an array `r`.
pub fn method<E: Env>(env: &mut E, r: u32, name: &str, args: &Args, loc: u32) -> Res<Out> {
    if let Some(v) = in_place(env, r, name, args)? {
        return Ok(Out::value(v));
    }
    let n = len(r);
    let f = args.get(0);
    let v = match name {
        "index_of" | "position" if !matches!(args.val(0), Val::Obj(_)) || name == "index_of" => {
            let x = args.val(0);
            let p = (0..n).position(|i| equal(element(r, i), x));
            if name == "index_of" {
                box_val(env, Val::Int(p.map_or(-1, |p| p as i64)))
            } else {
                match p {
                    Some(p) => {
                        let b = box_val(env, Val::Int(p as i64));
                        env::some(env, b)
                    }
                    None => env::none(env),
                }
            }
        }
        "position" => match first_where(env, r, f, loc, true)? {
            Some(i) => {
                let b = box_val(env, Val::Int(i as i64));
                env::some(env, b)
            }
            None => env::none(env),
        },
        "map" => build(env, n, |env, out| {
            each_call(env, r, f, loc, |env, _, _, res| {
                env::push(env, out, res);
                Ok(true)
            })
        })?,
        "filter" => build(env, 0, |env, out| {
            each_call(env, r, f, loc, |env, _, x, res| {
                if truthy(res) {
                    env::push_val(env, out, x);
                }
                Ok(true)
            })
        })?,
        "each" | "for_each" => {
            each_call(env, r, f, loc, |_, _, _, _| Ok(true))?;
            0
        }
        "filter_map" => build(env, 0, |env, out| {
            each_call(env, r, f, loc, |env, _, _, res| {
                match decode_ptr(res) {
                    Val::Obj(o) if is(o, VARIANT) && type_id_of(meta(o)) == OPTION_ENUM => {
                        if value::aux(o) == VARIANT_SOME {
                            env::push_val(env, out, field(o, 0));
                        }
                    }
                    Val::Nil => {}
                    _ => env::push(env, out, res),
                }
                Ok(true)
            })
        })?,
        "flat_map" => build(env, 0, |env, out| {
            each_call(env, r, f, loc, |env, _, _, res| {
                match Seq::of(res) {
                    Some(inner) => {
                        for j in 0..inner.len() {
                            env::push_val(env, out, inner.get(j));
                        }
                    }
                    None => env::push(env, out, res),
                }
                Ok(true)
            })
        })?,
        "reduce" | "fold" => {
            let (f, start) = if args.len() >= 2 {
                (args.get(1), 0)
            } else if n == 0 {
                return Ok(Out::value(env::none(env)));
            } else {
                (f, 1)
            };
            let acc = scope(env, |env| -> Res<u32> {
                let first = if args.len() >= 2 { args.get(0) } else { element_dyn(env, r, 0) };
                let acc = root(env, first);
                let callee = Callee::new(env, f, loc);
                let mut a = first;
                for i in start..n {
                    if i >= len(r) {
                        break;
                    }
                    a = callee.call(env, &[decode_ptr(a), element(r, i)])?;
                    set_root(acc, a);
                }
                Ok(a)
            })?;
            if args.len() < 2 && name == "reduce" {
                env::some(env, acc)
            } else {
                acc
            }
        }
        "find" => {
            let i = first_where(env, r, f, loc, true)?;
            option_elem(env, r, i)
        }
        "any" => {
            let found = first_where(env, r, f, loc, true)?.is_some();
            box_val(env, Val::Bool(found))
        }
        "all" => {
            let failed = first_where(env, r, f, loc, false)?.is_some();
            box_val(env, Val::Bool(!failed))
        }
        "count" => {
            let mut count = 0i64;
            each_call(env, r, f, loc, |_, _, _, res| {
                count += truthy(res) as i64;
                Ok(true)
            })?;
            box_val(env, Val::Int(count))
        }
        "sum" | "product" => scope(env, |env| -> Res<u32> {
            let held = root(env, 0);
            let mut acc = Val::Int(if name == "sum" { 0 } else { 1 });
            for i in 0..n {
                let x = element(r, i);
                let o = if name == "sum" { ops::arith_add(acc, x)? } else { ops::arith_mul(acc, x)? };
                acc = match o {
                    Outcome::Value(v) => v,
                    other => {
                        let s = env.heap(|h| ops::realize(h, &other));
                        set_root(held, s);
                        Val::Obj(s)
                    }
                };
            }
            Ok(box_val(env, acc))
        })?,
        "min" | "max" => {
            let mut best: Option<u32> = None;
            for i in 0..n {
                best = Some(match best {
                    None => i,
                    Some(b) => {
                        let o = ops::compare(element(r, i), element(r, b))?;
                        let better = if name == "min" { o == Some(Ordering::Less) } else { o == Some(Ordering::Greater) };
                        if better {
                            i
                        } else {
                            b
                        }
                    }
                });
            }
            option_elem(env, r, best)
        }
        "step_by" => {
            let step = int_arg(args.val(0))?;
            if step <= 0 {
                bail!("Runtime error: step_by needs a positive step");
            }
            let step = u32::try_from(step).unwrap_or(u32::MAX);
            pick(env, r, (0..n).step_by(step as usize))?
        }
        "max_by_key" | "min_by_key" => {
            let best = scope(env, |env| -> Res<Option<u32>> {
                let keys = env::new_array(env, K_PTR, n);
                root(env, keys);
                each_call(env, r, f, loc, |env, _, _, key| {
                    env::push(env, keys, key);
                    Ok(true)
                })?;
                let mut best: Option<u32> = None;
                for i in 0..len(keys) {
                    let better = match best {
                        None => true,
                        Some(b) => {
                            let o = ops::compare(element(keys, i), element(keys, b))?;
                            // As in Rust: the last of equal maxima, the first of equal minima.
                            if name == "max_by_key" {
                                o != Some(Ordering::Less)
                            } else {
                                o == Some(Ordering::Less)
                            }
                        }
                    };
                    if better {
                        best = Some(i);
                    }
                }
                Ok(best)
            })?;
            option_elem(env, r, best.filter(|&b| b < len(r)))
        }
        "sort" | "sorted" => {
            let mut v = items(r);
            sort_items(env, &mut v, None, loc)?;
            build(env, n, |env, out| {
                for it in &v {
                    env::push_val(env, out, item_val(it));
                }
                Ok(())
            })?
        }
        "sort_by" | "sort_unstable" => {
            let mut v = items(r);
            sort_items(env, &mut v, (name == "sort_by").then_some(f), loc)?;
            let d = data(r);
            for (i, it) in v.iter().enumerate().take(len(r) as usize) {
                memory::store_u64(d + i as u32 * SLOT_SIZE, it.bits);
            }
            0
        }
        "reverse" | "rev" => pick(env, r, (0..n).rev())?,
        "join" => {
            let sep = match args.val(0) {
                // SAFETY: arguments are rooted; no allocation while used.
                Val::Obj(o) if value::kind(o) == crate::layout::STR => unsafe { crate::strings::as_str(o) },
                _ => "",
            };
            let p = env::printer(env);
            let mut text = String::new();
            for i in 0..n {
                if i > 0 {
                    text.push_str(sep);
                }
                text.push_str(&p.to_string(element(r, i), Mode::Raw));
            }
            env::new_str(env, text.as_bytes())
        }
        "enumerate" => build(env, n, |env, out| {
            for i in 0..n {
                let t = env::tuple(env, &[Val::Int(i as i64), element(r, i)]);
                env::push(env, out, t);
            }
            Ok(())
        })?,
        "zip" => {
            let Some(other) = Seq::of(args.get(0)) else { bail!("Type error: zip expects an array") };
            build(env, n.min(other.len()), |env, out| {
                for i in 0..n.min(other.len()) {
                    let t = env::tuple(env, &[element(r, i), other.get(i)]);
                    env::push(env, out, t);
                }
                Ok(())
            })?
        }
        "take" | "skip" => {
            let m = (int_arg(args.val(0))?.max(0) as u64).min(n as u64) as u32;
            if name == "take" {
                pick(env, r, 0..m)?
            } else {
                pick(env, r, m..n)?
            }
        }
        "slice" => {
            let a = (int_arg(args.val(0))?.max(0) as u64).min(n as u64) as u32;
            let b = if args.len() > 1 { (int_arg(args.val(1))?.max(0) as u64).min(n as u64) as u32 } else { n };
            pick(env, r, a..b.max(a))?
        }
        "concat" => {
            let Some(more) = Seq::of(args.get(0)) else { bail!("Type error: concat expects an array") };
            build(env, n + more.len(), |env, out| {
                for i in 0..n {
                    push_shared(env, out, element(r, i));
                }
                for i in 0..more.len() {
                    push_shared(env, out, more.get(i));
                }
                Ok(())
            })?
        }
        "flatten" => build(env, n, |env, out| {
            for i in 0..n {
                let it = element(r, i);
                match Seq::of_val(it) {
                    Some(inner) => {
                        for j in 0..inner.len() {
                            push_shared(env, out, inner.get(j));
                        }
                    }
                    None => push_shared(env, out, it),
                }
            }
            Ok(())
        })?,
        "unique" | "dedup_all" => {
            let mut kept: Vec<u32> = Vec::new();
            for i in 0..n {
                if !kept.iter().any(|&j| equal(element(r, j), element(r, i))) {
                    kept.push(i);
                }
            }
            pick(env, r, kept.into_iter())?
        }
        "dedup" => {
            let mut m = 0u32;
            for i in 0..n {
                if m == 0 || !equal(element(r, m - 1), element(r, i)) {
                    memory::store_u64(slot(r, m), memory::load_u64(slot(r, i)));
                    m += 1;
                }
            }
            set_len(r, m);
            0
        }
        "retain" => {
            let mut keep: Vec<bool> = Vec::with_capacity(n as usize);
            each_call(env, r, f, loc, |_, _, _, res| {
                keep.push(truthy(res));
                Ok(true)
            })?;
            let mut m = 0u32;
            for (i, k) in keep.iter().enumerate() {
                if *k && (i as u32) < len(r) {
                    memory::store_u64(slot(r, m), memory::load_u64(slot(r, i as u32)));
                    m += 1;
                }
            }
            set_len(r, m);
            0
        }
        "windows" | "chunks" => {
            let size = u32::try_from(int_arg(args.val(0))?.max(1)).unwrap_or(u32::MAX);
            let starts: Vec<u32> = if name == "windows" {
                if size > n {
                    Vec::new()
                } else {
                    (0..=n - size).collect()
                }
            } else {
                (0..n).step_by(size as usize).collect()
            };
            build(env, starts.len() as u32, |env, out| {
                for &s in &starts {
                    let e = s.saturating_add(size).min(n);
                    let group = env::new_array(env, K_PTR, e - s);
                    // Reachable through `out` before it is filled.
                    env::push(env, out, group);
                    for i in s..e {
                        push_shared(env, group, element(r, i));
                    }
                }
                Ok(())
            })?
        }
        _ => bail!("Unknown array method: {name}"),
    };
    Ok(Out::value(v))
}

#[cfg(test)]
mod tests {
    use crate::env::test::TestEnv;
    use crate::methods::tests::{call, call_out};
    use crate::value::{decode_ptr, Val};

    fn int(v: u32) -> i64 {
        match decode_ptr(v) {
            Val::Int(n) => n,
            other => panic!("not an int: {other:?}"),
        }
    }

    #[test]
    fn in_place_methods_keep_the_element_kind() {
        let mut t = TestEnv::new();
        let a = t.int_array(&[3, 1, 2]);
        let x = t.int(7);
        let zero = t.int(0);
        let s = t.str("s");
        assert_eq!(call(&mut t, a, "push", &[x]), "nil");
        assert_eq!(t.show(a), "[3, 1, 2, 7]");
        assert_eq!(call(&mut t, a, "insert", &[zero, x]), "nil");
        assert_eq!(t.show(a), "[7, 3, 1, 2, 7]");
        assert_eq!(call(&mut t, a, "push", &[s]), "error: Type error: Expected integer, got string");
        assert_eq!(call(&mut t, a, "pop", &[]), "Some(7)");
        assert_eq!(call(&mut t, a, "remove", &[zero]), "7");
        let nine = t.int(9);
        assert_eq!(call(&mut t, a, "remove", &[nine]), "error: Runtime error: Index 9 out of bounds for array of length 3");
        let one = t.int(1);
        assert_eq!(call(&mut t, a, "swap", &[zero, nine]), "error: Runtime error: Index 9 out of bounds for array of length 3");
        assert_eq!(call(&mut t, a, "swap", &[zero, one]), "nil");
        assert_eq!(t.show(a), "[1, 3, 2]");
        let more = t.array(&[x, x]);
        assert_eq!(call(&mut t, a, "extend", &[more]), "nil");
        assert_eq!(call(&mut t, a, "dedup", &[]), "nil");
        assert_eq!(t.show(a), "[1, 3, 2, 7]");
        assert_eq!(call(&mut t, a, "contains", &[x]), "true");
        assert_eq!(call(&mut t, a, "first", &[]), "Some(1)");
        assert_eq!(call(&mut t, a, "get", &[nine]), "None");
        assert_eq!(call(&mut t, a, "truncate", &[one]), "nil");
        assert_eq!(t.show(a), "[1]");
        let e = t.array(&[]);
        assert_eq!(call(&mut t, e, "pop", &[]), "None");
        assert_eq!(call(&mut t, e, "last", &[]), "None");
        assert_eq!(call(&mut t, e, "len", &[]), "0");
    }

    #[test]
    fn closures_map_filter_reduce_sort() {
        let mut t = TestEnv::new();
        let a = t.int_array(&[5, 2, 8, 1]);
        let double = t.closure(|t, args| {
            let n = int(args[0]);
            t.int(n * 2)
        });
        let even = t.closure(|t, args| {
            let n = int(args[0]);
            t.bool(n % 2 == 0)
        });
        let add = t.closure(|t, args| {
            let s = int(args[0]) + int(args[1]);
            t.int(s)
        });
        let desc = t.closure(|t, args| {
            let d = int(args[1]) - int(args[0]);
            t.int(d)
        });
        let ten = t.int(10);
        assert_eq!(call(&mut t, a, "map", &[double]), "[10, 4, 16, 2]");
        assert_eq!(call(&mut t, a, "filter", &[even]), "[2, 8]");
        assert_eq!(call(&mut t, a, "reduce", &[add]), "Some(16)");
        assert_eq!(call(&mut t, a, "fold", &[ten, add]), "26");
        assert_eq!(call(&mut t, a, "find", &[even]), "Some(2)");
        assert_eq!(call(&mut t, a, "position", &[even]), "Some(1)");
        assert_eq!(call(&mut t, a, "any", &[even]), "true");
        assert_eq!(call(&mut t, a, "all", &[even]), "false");
        assert_eq!(call(&mut t, a, "count", &[even]), "2");
        assert_eq!(call(&mut t, a, "max_by_key", &[double]), "Some(8)");
        assert_eq!(call(&mut t, a, "sort", &[]), "[1, 2, 5, 8]");
        assert_eq!(t.show(a), "[5, 2, 8, 1]", "sort returns a copy");
        assert_eq!(call(&mut t, a, "sort_by", &[desc]), "nil");
        assert_eq!(t.show(a), "[8, 5, 2, 1]");
        assert_eq!(call(&mut t, a, "retain", &[even]), "nil");
        assert_eq!(t.show(a), "[8, 2]");
        let five = t.int(5);
        assert_eq!(call(&mut t, a, "map", &[five]), "error: Type error: Cannot call non-function value: integer");
        let e = t.array(&[]);
        assert_eq!(call(&mut t, e, "map", &[five]), "[]", "no call, no error (as the VM)");
        assert_eq!(call(&mut t, e, "reduce", &[add]), "None");
    }

    #[test]
    fn building_methods() {
        let mut t = TestEnv::new();
        let x = t.str("x");
        let y = t.str("y");
        let a = t.array(&[x, y, x]);
        let two = t.int(2);
        let sep = t.str("-");
        assert_eq!(call(&mut t, a, "join", &[sep]), "\"x-y-x\"");
        assert_eq!(call(&mut t, a, "unique", &[]), "[\"x\", \"y\"]");
        assert_eq!(call(&mut t, a, "enumerate", &[]), "[(0, \"x\"), (1, \"y\"), (2, \"x\")]");
        assert_eq!(call(&mut t, a, "take", &[two]), "[\"x\", \"y\"]");
        assert_eq!(call(&mut t, a, "skip", &[two]), "[\"x\"]");
        assert_eq!(call(&mut t, a, "reverse", &[]), "[\"x\", \"y\", \"x\"]");
        assert_eq!(call(&mut t, a, "windows", &[two]), "[[\"x\", \"y\"], [\"y\", \"x\"]]");
        assert_eq!(call(&mut t, a, "chunks", &[two]), "[[\"x\", \"y\"], [\"x\"]]");
        assert_eq!(call(&mut t, a, "index_of", &[y]), "1");
        let n = t.int_array(&[1, 2, 3]);
        let f = t.array(&[two, x]);
        assert_eq!(call(&mut t, n, "zip", &[a]), "[(1, \"x\"), (2, \"y\"), (3, \"x\")]");
        assert_eq!(call(&mut t, n, "sum", &[]), "6");
        assert_eq!(call(&mut t, n, "product", &[]), "6");
        assert_eq!(call(&mut t, a, "sum", &[]), "\"0xyx\"", "the VM's arith(Add) concatenates strings");
        let nested = t.array(&[n, f]);
        assert_eq!(call(&mut t, nested, "sum", &[]), "error: Type error: Cannot add integer and array");
        assert_eq!(call(&mut t, nested, "flatten", &[]), "[1, 2, 3, 2, \"x\"]");
        assert_eq!(call(&mut t, n, "concat", &[f]), "[1, 2, 3, 2, \"x\"]");
        assert_eq!(call(&mut t, n, "min", &[]), "Some(1)");
        assert_eq!(call(&mut t, f, "max", &[]), "error: Type error: Cannot compare string and integer for ordering");
        assert_eq!(call(&mut t, n, "step_by", &[two]), "[1, 3]");
        assert_eq!(call(&mut t, n, "frob", &[]), "error: Unknown array method: frob");
        let (v, new_self) = call_out(&mut t, n, "clear", &[]);
        assert_eq!((v.as_str(), new_self), ("nil", None));
    }

    #[test]
    fn a_throwing_closure_stops_the_method() {
        // The closure "throws" on 2 (sets the pending flag): no further
        // calls, the error is `thrown`, the receiver is unchanged.
        let mut t = TestEnv::new();
        let a = t.int_array(&[1, 2, 3, 4]);
        let f = t.closure(|t, args| {
            if int(args[0]) == 2 {
                t.pending = true;
            }
            t.bool(true)
        });
        let argv = t.array(&[f]);
        let r = crate::methods::call_method(&mut t, a, "retain", &crate::methods::Args::new(argv), 0);
        assert!(r.unwrap_err().is_thrown());
        assert_eq!(t.calls, 2);
        assert_eq!(t.show(a), "[1, 2, 3, 4]");
        t.pending = false;
        let less = t.closure(|t, args| {
            t.pending = true;
            let b = int(args[0]) < int(args[1]);
            t.bool(b)
        });
        let argv = t.array(&[less]);
        let before = t.calls;
        let r = crate::methods::call_method(&mut t, a, "sort_by", &crate::methods::Args::new(argv), 0);
        assert!(r.unwrap_err().is_thrown());
        assert_eq!(t.calls, before + 1, "no comparison after the throw");
        assert_eq!(t.show(a), "[1, 2, 3, 4]");
    }

    #[test]
    fn inconsistent_comparators_sort_like_the_vm() {
        // `|a, b| a < b` never answers Equal; std's stable sort on 16-byte
        // items (as the VM's Values) decides the result.
        let mut t = TestEnv::new();
        let items: std::vec::Vec<i64> = (0..40).map(|i| (i * 7919) % 13).collect();
        let a = t.int_array(&items);
        let less = t.closure(|t, args| {
            let b = int(args[0]) < int(args[1]);
            t.bool(b)
        });
        call(&mut t, a, "sort_by", &[less]);
        let mut want: std::vec::Vec<[u64; 2]> = items.iter().map(|&n| [n as u64, 1]).collect();
        want.sort_by(|x, y| if (x[0] as i64) < (y[0] as i64) { core::cmp::Ordering::Less } else { core::cmp::Ordering::Greater });
        let want: std::vec::Vec<std::string::String> = want.iter().map(|x| std::format!("{}", x[0] as i64)).collect();
        assert_eq!(t.show(a), std::format!("[{}]", want.join(", ")));
    }
}
