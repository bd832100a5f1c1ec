//! Operator semantics shared by the interpreter's generic instructions
//! (§4): arithmetic with overflow checks, string concatenation, structural
//! equality, ordering, indexing, field access, iteration and casts.

use crate::bytecode::{CastKind, Constant, Instr};
use crate::format::{float_short, Mode};
use crate::heap::{Heap, Obj};
use crate::interp::{Fail, Vm, VmResult};
use crate::value::Value;
use std::cmp::Ordering;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

fn op_word(op: Arith) -> &'static str {
    match op {
        Arith::Add => "add",
        Arith::Sub => "subtract",
        Arith::Mul => "multiply",
        Arith::Div => "divide",
        Arith::Rem => "take the remainder of",
    }
}

fn overflow(op: Arith) -> Fail {
    Fail::msg(match op {
        Arith::Add => "Runtime error: Integer overflow in addition",
        Arith::Sub => "Runtime error: Integer overflow in subtraction",
        Arith::Mul => "Runtime error: Integer overflow in multiplication",
        Arith::Div => "Runtime error: Integer overflow in division",
        Arith::Rem => "Runtime error: Integer overflow in remainder",
    })
}

/// Text of a value when concatenated to a string (short float form, §7).
pub fn concat_text(vm: &Vm, v: Value) -> String {
    match v {
        Value::Float(f) => float_short(f),
        _ => match vm.str_of(v) {
            Some(s) => s.to_string(),
            None => vm.fmt().to_string(v, Mode::Raw),
        },
    }
}

pub fn add(vm: &mut Vm, x: Value, y: Value) -> VmResult<Value> {
    if let (Some(a), Some(b)) = (vm.str_of(x), vm.str_of(y)) {
        let mut s = compact_str::CompactString::with_capacity(a.len() + b.len());
        s.push_str(a);
        s.push_str(b);
        return Ok(vm.heap.alloc(Obj::Str(s)));
    }
    let xs = vm.str_of(x).is_some();
    let ys = vm.str_of(y).is_some();
    if xs || ys {
        let other = if xs { y } else { x };
        if !(matches!(other, Value::Int(_) | Value::Float(_) | Value::Bool(_)) || (xs && ys)) {
            return Err(Fail::msg(format!("Type error: Cannot add {} and {}", vm.type_name(x), vm.type_name(y))));
        }
        let s = concat_text(vm, x) + &concat_text(vm, y);
        return Ok(vm.heap.str(s));
    }
    if let (Value::Obj(a), Value::Obj(b)) = (x, y) {
        if let (Obj::Array(p), Obj::Array(q)) = (vm.heap.get(a), vm.heap.get(b)) {
            let items: Vec<Value> = p.iter().chain(q.iter()).copied().collect();
            for it in &items {
                vm.heap.share(*it);
            }
            return Ok(vm.heap.alloc(Obj::Array(items.into())));
        }
    }
    arith(vm, Arith::Add, x, y)
}

pub fn mul(vm: &mut Vm, x: Value, y: Value) -> VmResult<Value> {
    if let (Some(s), Value::Int(n)) = (vm.str_of(x), y) {
        let s = s.repeat(n.max(0) as usize);
        return Ok(vm.heap.str(s));
    }
    arith(vm, Arith::Mul, x, y)
}

pub fn arith(vm: &mut Vm, op: Arith, x: Value, y: Value) -> VmResult<Value> {
    match (x, y) {
        (Value::Int(a), Value::Int(b)) => int_arith(op, a, b).map(Value::Int),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let (a, b) = (as_f64(x), as_f64(y));
            Ok(Value::Float(match op {
                Arith::Add => a + b,
                Arith::Sub => a - b,
                Arith::Mul => a * b,
                Arith::Div => a / b,
                Arith::Rem => {
                    if b == 0.0 {
                        return Err(Fail::msg("Division by zero"));
                    }
                    a % b
                }
            }))
        }
        _ => {
            let strings = vm.str_of(x).is_some() || vm.str_of(y).is_some();
            if op == Arith::Add && strings {
                return add(vm, x, y);
            }
            Err(Fail::msg(format!("Type error: Cannot {} {} and {}", op_word(op), vm.type_name(x), vm.type_name(y))))
        }
    }
}

fn int_arith(op: Arith, a: i64, b: i64) -> VmResult<i64> {
    match op {
        Arith::Add => a.checked_add(b).ok_or_else(|| overflow(op)),
        Arith::Sub => a.checked_sub(b).ok_or_else(|| overflow(op)),
        Arith::Mul => a.checked_mul(b).ok_or_else(|| overflow(op)),
        Arith::Div | Arith::Rem if b == 0 => Err(Fail::msg("Division by zero")),
        Arith::Div => a.checked_div(b).ok_or_else(|| overflow(op)),
        Arith::Rem => Ok(a.wrapping_rem(b)),
    }
}

pub fn as_f64(v: Value) -> f64 {
    match v {
        Value::Int(n) => n as f64,
        Value::Float(f) => f,
        _ => f64::NAN,
    }
}

/// `**`: ints stay ints while they fit; overflow and negative exponents
/// give floats (§4).
pub fn pow(vm: &mut Vm, x: Value, y: Value) -> VmResult<Value> {
    match (x, y) {
        (Value::Int(a), Value::Int(b)) if b >= 0 => {
            let r = u32::try_from(b).ok().and_then(|e| a.checked_pow(e));
            Ok(match r {
                Some(v) => Value::Int(v),
                None => Value::Float(libm::pow(a as f64, b as f64)),
            })
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => Ok(Value::Float(libm::pow(as_f64(x), as_f64(y)))),
        _ => Err(Fail::msg(format!("Type error: Cannot raise {} to {}", vm.type_name(x), vm.type_name(y)))),
    }
}

pub fn bitwise(vm: &mut Vm, ins: Instr, x: Value, y: Value) -> VmResult<Value> {
    match (x, y) {
        (Value::Int(a), Value::Int(b)) => Ok(Value::Int(match ins {
            Instr::BitAnd { .. } => a & b,
            Instr::BitOr { .. } => a | b,
            Instr::BitXor { .. } => a ^ b,
            Instr::Shl { .. } => a.wrapping_shl(b as u32),
            _ => a.wrapping_shr(b as u32),
        })),
        (Value::Bool(a), Value::Bool(b)) => Ok(Value::Bool(match ins {
            Instr::BitAnd { .. } => a & b,
            Instr::BitOr { .. } => a | b,
            _ => a ^ b,
        })),
        _ => Err(Fail::msg(format!("Type error: Cannot apply bitwise operator to {} and {}", vm.type_name(x), vm.type_name(y)))),
    }
}

/// Structural equality (§4): numbers across int/float, strings, arrays,
/// tuples, dicts, structs and enum variants.
pub fn equal(heap: &Heap, x: Value, y: Value) -> bool {
    match (x, y) {
        (Value::Int(a), Value::Int(b)) => a == b,
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => as_f64(x) == as_f64(y),
        (Value::Obj(a), Value::Obj(b)) => {
            if a == b {
                return true;
            }
            let seq = |p: &[Value], q: &[Value]| p.len() == q.len() && p.iter().zip(q).all(|(u, v)| equal(heap, *u, *v));
            match (heap.get(a), heap.get(b)) {
                (Obj::Str(p), Obj::Str(q)) => p == q,
                (Obj::Array(p), Obj::Array(q)) | (Obj::Tuple(p), Obj::Tuple(q)) => seq(p, q),
                (Obj::Dict(p), Obj::Dict(q)) => p.len() == q.len() && p.iter_unordered().all(|(k, v)| q.get(k).is_some_and(|w| equal(heap, v, w))),
                (Obj::Struct { def: d1, fields: f1 }, Obj::Struct { def: d2, fields: f2 }) => d1 == d2 && seq(f1, f2),
                (Obj::Enum { def: d1, variant: v1, payload: p1 }, Obj::Enum { def: d2, variant: v2, payload: p2 }) => {
                    d1 == d2 && v1 == v2 && seq(p1, p2)
                }
                (Obj::Range { start: s1, end: e1, inclusive: i1 }, Obj::Range { start: s2, end: e2, inclusive: i2 }) => {
                    i1 == i2 && equal(heap, *s1, *s2) && equal(heap, *e1, *e2)
                }
                _ => false,
            }
        }
        _ => x == y,
    }
}

/// Ordering for `<` and friends: numbers, strings, and (element-wise)
/// arrays/tuples. `None` means unordered (NaN).
pub fn compare(vm: &Vm, x: Value, y: Value) -> VmResult<Option<Ordering>> {
    match (x, y) {
        (Value::Int(a), Value::Int(b)) => Ok(Some(a.cmp(&b))),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => Ok(as_f64(x).partial_cmp(&as_f64(y))),
        (Value::Bool(a), Value::Bool(b)) => Ok(Some(a.cmp(&b))),
        (Value::Obj(a), Value::Obj(b)) => match (vm.heap.get(a), vm.heap.get(b)) {
            (Obj::Str(p), Obj::Str(q)) => Ok(Some(p.cmp(q))),
            (Obj::Array(p), Obj::Array(q)) | (Obj::Tuple(p), Obj::Tuple(q)) => {
                for (u, v) in p.iter().zip(q.iter()) {
                    match compare(vm, *u, *v)? {
                        Some(Ordering::Equal) => {}
                        other => return Ok(other),
                    }
                }
                Ok(Some(p.len().cmp(&q.len())))
            }
            _ => Err(cmp_error(vm, x, y)),
        },
        _ => Err(cmp_error(vm, x, y)),
    }
}

fn cmp_error(vm: &Vm, x: Value, y: Value) -> Fail {
    Fail::msg(format!("Type error: Cannot compare {} and {} for ordering", vm.type_name(x), vm.type_name(y)))
}

/// Dict keys are strings; other scalar keys are stored as their text.
/// Looks `k` up in the dict object `dict` without copying a string key.
pub fn dict_lookup(vm: &Vm, dict: crate::value::ObjRef, k: Value) -> VmResult<Option<Value>> {
    let Obj::Dict(d) = vm.heap.get(dict) else { return Ok(None) };
    if let Some(s) = vm.str_of(k) {
        return Ok(d.get(s));
    }
    Ok(d.get(&dict_key(vm, k)?))
}

pub fn dict_key(vm: &Vm, k: Value) -> VmResult<String> {
    match k {
        Value::Int(_) | Value::Bool(_) | Value::Float(_) => Ok(concat_text(vm, k)),
        _ => match vm.str_of(k) {
            Some(s) => Ok(s.to_string()),
            None => Err(Fail::msg(format!("Type error: dict keys must be strings, got {}", vm.type_name(k)))),
        },
    }
}

fn const_str<'a>(vm: &'a Vm<'_>, k: u16) -> &'a str {
    match &vm.module.consts[k as usize] {
        Constant::Str(s) => s,
        _ => "",
    }
}

pub fn get_field(vm: &mut Vm, o: Value, name: u16) -> VmResult<Value> {
    let fname = const_str(vm, name);
    if let Value::Obj(r) = o {
        match vm.heap.get(r) {
            Obj::Struct { def, fields } => {
                let info = &vm.module.structs[*def as usize];
                return match info.fields.iter().position(|f| f == fname) {
                    Some(i) => Ok(fields[i]),
                    None => Err(Fail::msg(format!("Runtime error: Field '{fname}' not found in struct {}", info.name))),
                };
            }
            Obj::Dict(d) => {
                return d.get(fname).ok_or_else(|| Fail::msg(format!("Runtime error: Key '{fname}' not found in object")));
            }
            Obj::Tuple(t) => {
                if let Ok(i) = fname.parse::<usize>() {
                    if let Some(v) = t.get(i) {
                        return Ok(*v);
                    }
                }
            }
            _ => {}
        }
    }
    Err(Fail::msg(format!("Runtime error: Object has no field named '{fname}' ({})", vm.type_name(o))))
}

pub fn set_field(vm: &mut Vm, o: Value, name: u16, v: Value) -> VmResult<()> {
    let fname = const_str(vm, name).to_string();
    let tn = vm.type_name(o);
    if let Value::Obj(r) = o {
        let module = vm.module;
        match vm.heap.get_mut(r) {
            Obj::Struct { def, fields } => {
                let info = &module.structs[*def as usize];
                return match info.fields.iter().position(|f| *f == fname) {
                    Some(i) => {
                        fields[i] = v;
                        Ok(())
                    }
                    None => Err(Fail::msg(format!("Runtime error: Field '{fname}' not found in struct {}", info.name))),
                };
            }
            Obj::Dict(d) => {
                d.insert(&fname, v);
                return Ok(());
            }
            _ => {}
        }
    }
    Err(Fail::msg(format!("Runtime error: Cannot assign field '{fname}' on {tn}")))
}

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let j = if i < 0 { i + len as i64 } else { i };
    (j >= 0 && (j as usize) < len).then_some(j as usize)
}

/// Resolves a range value against a length: (start, end) clamped-checked.
fn range_bounds(vm: &Vm, r: &Obj, len: usize, what: &str) -> VmResult<(usize, usize)> {
    let Obj::Range { start, end, inclusive } = r else { unreachable!() };
    let s = match start {
        Value::Nil => 0,
        Value::Int(n) => *n,
        _ => return Err(Fail::msg("Type error: slice bounds must be integers")),
    };
    let e = match end {
        Value::Nil => len as i64,
        Value::Int(n) => *n + i64::from(*inclusive),
        _ => return Err(Fail::msg("Type error: slice bounds must be integers")),
    };
    let fix = |x: i64| if x < 0 { x + len as i64 } else { x };
    let (s, e) = (fix(s), fix(e));
    if s < 0 || e > len as i64 || s > e {
        let _ = vm;
        return Err(Fail::msg(format!("Runtime error: Slice {s}..{e} out of bounds for {what} of length {len}")));
    }
    Ok((s as usize, e as usize))
}

pub fn get_index(vm: &mut Vm, o: Value, i: Value) -> VmResult<Value> {
    let Value::Obj(r) = o else {
        return Err(Fail::msg(format!("Type error: Cannot index {}", vm.type_name(o))));
    };
    // Slicing with a range.
    if let Value::Obj(ri) = i {
        if let range @ Obj::Range { .. } = vm.heap.get(ri) {
            let range = range.clone();
            return match vm.heap.get(r) {
                Obj::Array(a) => {
                    let (s, e) = range_bounds(vm, &range, a.len(), "array")?;
                    let items = a[s..e].to_vec();
                    for it in &items {
                        vm.heap.share(*it);
                    }
                    Ok(vm.heap.alloc(Obj::Array(items.into())))
                }
                Obj::Str(st) if st.is_ascii() => {
                    // One byte per char: slice the bytes directly.
                    let (s, e) = range_bounds(vm, &range, st.len(), "string")?;
                    let sub = compact_str::CompactString::new(&st[s..e]);
                    Ok(vm.heap.alloc(Obj::Str(sub)))
                }
                Obj::Str(st) => {
                    let chars: Vec<char> = st.chars().collect();
                    let (s, e) = range_bounds(vm, &range, chars.len(), "string")?;
                    let sub: String = chars[s..e].iter().collect();
                    Ok(vm.heap.str(sub))
                }
                _ => Err(Fail::msg(format!("Type error: Cannot slice {}", vm.type_name(o)))),
            };
        }
    }
    match (vm.heap.get(r), i) {
        (Obj::Array(a), Value::Int(n)) => match norm_index(n, a.len()) {
            Some(j) => Ok(a[j]),
            None => Err(Fail::msg(format!("Runtime error: Index {n} out of bounds for array of length {}", a.len()))),
        },
        (Obj::Tuple(t), Value::Int(n)) => match norm_index(n, t.len()) {
            Some(j) => Ok(t[j]),
            None => Err(Fail::msg(format!("Runtime error: Tuple index {n} out of bounds (length: {})", t.len()))),
        },
        (Obj::Str(s), Value::Int(n)) => {
            // Chars are indexed; an ASCII string has one byte per char, and
            // checking that is far cheaper than walking the chars.
            let ascii = s.is_ascii();
            let count = if ascii { s.len() } else { s.chars().count() };
            match norm_index(n, count) {
                Some(j) => {
                    // In range: `j < count`.
                    let c = if ascii { s.as_bytes()[j] as char } else { s.chars().nth(j).unwrap_or_default() };
                    let mut buf = [0u8; 4];
                    Ok(vm.heap.str_from(c.encode_utf8(&mut buf)))
                }
                None => Err(Fail::msg(format!("Runtime error: Index {n} out of bounds for string of length {count}"))),
            }
        }
        (Obj::Dict(_), k) => match dict_lookup(vm, r, k)? {
            Some(v) => Ok(v),
            None => Err(Fail::msg(format!("Runtime error: Key '{}' not found in object", dict_key(vm, k)?))),
        },
        _ => Err(Fail::msg(format!("Type error: Cannot index {} with {}", vm.type_name(o), vm.type_name(i)))),
    }
}

pub fn set_index(vm: &mut Vm, o: Value, i: Value, v: Value) -> VmResult<()> {
    let Value::Obj(r) = o else {
        return Err(Fail::msg(format!("Type error: Cannot index-assign {}", vm.type_name(o))));
    };
    if let Value::Obj(k) = i {
        if vm.heap.dict_set_str(r, k, v) {
            return Ok(());
        }
    }
    let key = match vm.heap.get(r) {
        Obj::Dict(_) => Some(dict_key(vm, i)?),
        _ => None,
    };
    let tn = vm.type_name(o);
    match (vm.heap.get_mut(r), i) {
        (Obj::Array(a), Value::Int(n)) => match norm_index(n, a.len()) {
            Some(j) => {
                a[j] = v;
                Ok(())
            }
            None => Err(Fail::msg(format!("Runtime error: Index {n} out of bounds for array of length {}", a.len()))),
        },
        (Obj::Dict(d), _) => {
            d.insert(&key.unwrap_or_default(), v);
            Ok(())
        }
        _ => Err(Fail::msg(format!("Type error: Cannot index-assign {tn}"))),
    }
}

pub fn tuple_get(vm: &mut Vm, o: Value, i: usize) -> VmResult<Value> {
    if let Value::Obj(r) = o {
        match vm.heap.get(r) {
            Obj::Tuple(t) => {
                return t.get(i).copied().ok_or_else(|| Fail::msg(format!("Runtime error: Tuple index {i} out of bounds (length: {})", t.len())));
            }
            Obj::Struct { fields, .. } => {
                if let Some(v) = fields.get(i) {
                    return Ok(*v);
                }
            }
            Obj::Array(a) => {
                if let Some(v) = a.get(i) {
                    return Ok(*v);
                }
            }
            _ => {}
        }
    }
    Err(Fail::msg(format!("Type error: Cannot access .{i} on {}", vm.type_name(o))))
}

pub fn tuple_set(vm: &mut Vm, o: Value, i: usize, v: Value) -> VmResult<()> {
    let tn = vm.type_name(o);
    if let Value::Obj(r) = o {
        match vm.heap.get_mut(r) {
            Obj::Tuple(t) if i < t.len() => {
                t[i] = v;
                return Ok(());
            }
            Obj::Struct { fields: t, .. } if i < t.len() => {
                t[i] = v;
                return Ok(());
            }
            _ => {}
        }
    }
    Err(Fail::msg(format!("Type error: Cannot assign .{i} on {tn}")))
}

/// Payload element `i` of an enum variant, tuple, struct or array (patterns).
pub fn payload(vm: &mut Vm, o: Value, i: usize) -> VmResult<Value> {
    if let Value::Obj(r) = o {
        let v = match vm.heap.get(r) {
            Obj::Enum { payload, .. } => payload.get(i).copied(),
            Obj::Tuple(t) | Obj::Array(t) => t.get(i).copied(),
            Obj::Struct { fields, .. } => fields.get(i).copied(),
            _ => None,
        };
        if let Some(v) = v {
            return Ok(v);
        }
    }
    Err(Fail::msg(format!("Type error: Cannot destructure {}", vm.type_name(o))))
}

/// `[v; n]`: each element is its own copy (shared for copy-on-write).
pub fn repeat_value(vm: &mut Vm, v: Value, n: usize) -> VmResult<Vec<Value>> {
    vm.heap.share(v);
    Ok(vec![v; n])
}

/// Iteration state for `for`: (state, position). Ranges iterate lazily;
/// arrays, dicts (as (key, value) items) and string chars via a snapshot.
pub fn iter_init(vm: &mut Vm, v: Value) -> VmResult<(Value, Value)> {
    let Value::Obj(r) = v else {
        return Err(Fail::msg(format!("Type error: Cannot iterate over {}", vm.type_name(v))));
    };
    match vm.heap.get(r) {
        Obj::Range { start, end, inclusive } => {
            let (s, e, inc) = (*start, *end, *inclusive);
            match (s, e) {
                (Value::Int(s), Value::Int(e)) => {
                    let e = if inc { e.saturating_add(1) } else { e };
                    Ok((Value::Int(e), Value::Int(s)))
                }
                _ => Err(Fail::msg("Type error: Cannot iterate over a range without integer bounds")),
            }
        }
        Obj::Array(a) => {
            let items = a.clone();
            for it in &items {
                vm.heap.share(*it);
            }
            Ok((vm.heap.alloc(Obj::Iter { items, pos: 0 }), Value::Int(0)))
        }
        Obj::Dict(d) => {
            let pairs: Vec<(String, Value)> = d.sorted().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            let mut items = vec![];
            for (k, v) in pairs {
                vm.heap.share(v);
                let k = vm.heap.str(k);
                items.push(vm.heap.alloc(Obj::Tuple(smallvec::smallvec![k, v])));
            }
            Ok((vm.heap.alloc(Obj::Iter { items: items.into(), pos: 0 }), Value::Int(0)))
        }
        Obj::Tuple(t) => {
            let items = t.clone();
            Ok((vm.heap.alloc(Obj::Iter { items, pos: 0 }), Value::Int(0)))
        }
        _ => Err(Fail::msg(format!("Type error: Cannot iterate over {}", vm.type_name(v)))),
    }
}

pub fn iter_next(vm: &mut Vm, state: Value, pos: Value) -> Option<(Value, Value)> {
    match (state, pos) {
        (Value::Int(end), Value::Int(i)) => (i < end).then(|| (Value::Int(i), Value::Int(i + 1))),
        (Value::Obj(r), Value::Int(i)) => match vm.heap.get(r) {
            Obj::Iter { items, .. } => items.get(i as usize).map(|v| (*v, Value::Int(i + 1))),
            _ => None,
        },
        _ => None,
    }
}

/// `s += x` for strings: appends in place when `s` is unshared.
pub fn append_in_place(vm: &mut Vm, s: Value, x: Value) -> VmResult<Value> {
    if let Value::Obj(r) = s {
        if matches!(vm.heap.get(r), Obj::Str(_)) && !vm.heap.is_shared(r) {
            let ok = matches!(x, Value::Int(_) | Value::Float(_) | Value::Bool(_)) || vm.str_of(x).is_some();
            if let Value::Obj(src) = x {
                if vm.heap.append_str(r, src) {
                    return Ok(s);
                }
            }
            if ok {
                let text = concat_text(vm, x);
                vm.heap.note_growth(text.len());
                if let Obj::Str(st) = vm.heap.get_mut(r) {
                    st.push_str(&text);
                }
                return Ok(s);
            }
        }
    }
    add(vm, s, x)
}

pub fn cast(vm: &mut Vm, v: Value, kind: CastKind) -> VmResult<Value> {
    let as_int = |v: Value| -> Option<i64> {
        match v {
            Value::Int(n) => Some(n),
            // Float → int truncates toward zero and saturates (Rust `as`).
            Value::Float(f) => Some(f as i64),
            Value::Bool(b) => Some(b as i64),
            _ => None,
        }
    };
    let bad = |vm: &Vm| Fail::msg(format!("Type error: Cannot cast {} to {kind:?}", vm.type_name(v)).to_lowercase().replace("type error: cannot", "Type error: Cannot"));
    Ok(match kind {
        CastKind::Float => match v {
            Value::Int(n) => Value::Float(n as f64),
            Value::Float(f) => Value::Float(f),
            _ => return Err(bad(vm)),
        },
        CastKind::Str => {
            let s = concat_text(vm, v);
            vm.heap.str(s)
        }
        CastKind::Bool => Value::Bool(v.truthy()),
        CastKind::Char => match v {
            Value::Int(n) => {
                let c = char::from_u32(n as u32).ok_or_else(|| Fail::msg(format!("Runtime error: {n} is not a valid char")))?;
                vm.heap.str(c.to_string())
            }
            _ if vm.str_of(v).is_some() => v,
            _ => return Err(bad(vm)),
        },
        _ => {
            if let (Some(s), CastKind::U8 | CastKind::U32) = (vm.str_of(v), kind) {
                // A 1-char string (a `char`) casts to its code point.
                if let Some(c) = s.chars().next() {
                    return Ok(Value::Int(c as i64));
                }
            }
            // A fieldless enum variant casts to its discriminant.
            let discriminant = match v {
                Value::Obj(r) => match vm.heap.get(r) {
                    Obj::Enum { def, variant, payload } if payload.is_empty() => Some(vm.module.enums[*def as usize].variants[*variant as usize].2),
                    _ => None,
                },
                _ => None,
            };
            let n = discriminant.or_else(|| as_int(v)).ok_or_else(|| bad(vm))?;
            Value::Int(match kind {
                CastKind::I32 => n as i32 as i64,
                CastKind::I16 => n as i16 as i64,
                CastKind::I8 => n as i8 as i64,
                CastKind::U32 => n as u32 as i64,
                CastKind::U16 => n as u16 as i64,
                CastKind::U8 => n as u8 as i64,
                _ => n,
            })
        }
    })
}

/// `type_of` names (§4).
pub fn type_of(vm: &Vm, v: Value) -> &'static str {
    vm.type_name(v)
}
