//! Built-in free functions and methods (language reference §6, §10).

use crate::format::{float_short, Mode};
use crate::heap::{Items, Obj};
use crate::interp::{Fail, Vm, VmResult};
use crate::ops::{self, as_f64, concat_text, equal};
use crate::value::Value;
use ruchy_hir::Builtin;
use std::io::Write;

/// Methods that mutate their receiver: the compiler makes the receiver
/// unique first and stores it back afterwards.
pub const BUILTIN_MUTATORS: &[&str] =
    &["push", "pop", "insert", "remove", "clear", "push_str", "append", "extend", "truncate", "swap", "sort_by", "sort_unstable", "retain", "dedup", "reverse_in_place", "drain"];

/// Every built-in in index order (the operand of `CallBuiltin`).
const ALL: &[Builtin] = &[
    Builtin::Println,
    Builtin::Print,
    Builtin::Eprintln,
    Builtin::Eprint,
    Builtin::PrintlnFmt,
    Builtin::PrintFmt,
    Builtin::EprintlnFmt,
    Builtin::EprintFmt,
    Builtin::FormatFmt,
    Builtin::PanicFmt,
    Builtin::Assert,
    Builtin::AssertEq,
    Builtin::AssertNe,
    Builtin::TypeOf,
    Builtin::Len,
    Builtin::Str,
    Builtin::Int,
    Builtin::Float,
    Builtin::Range,
    Builtin::Min,
    Builtin::Max,
    Builtin::Abs,
    Builtin::Pow,
    Builtin::Sqrt,
    Builtin::Floor,
    Builtin::Ceil,
    Builtin::Round,
    Builtin::Sin,
    Builtin::Cos,
    Builtin::Tan,
    Builtin::Log,
    Builtin::Log10,
    Builtin::Exp,
    Builtin::Input,
    Builtin::Random,
    Builtin::Timestamp,
    Builtin::DictNew,
    Builtin::VecNew,
    Builtin::StringNew,
    Builtin::StringFrom,
];

pub mod builtin_index {
    use super::*;
    /// Builds a variant-constructor value from a packed (def, variant) int.
    pub const CTOR_VALUE: u16 = 1000;
    /// `println("…{}…", args)` with a literal template (§7).
    pub const PRINTLN_TEMPLATE: u16 = 1001;
    pub const PRINT_TEMPLATE: u16 = 1002;

    pub fn of(b: Builtin) -> u16 {
        ALL.iter().position(|x| *x == b).expect("every builtin is listed") as u16
    }
}

pub fn builtin_name(i: u16) -> String {
    match i {
        builtin_index::CTOR_VALUE => "<ctor>".into(),
        builtin_index::PRINTLN_TEMPLATE => "println<template>".into(),
        builtin_index::PRINT_TEMPLATE => "print<template>".into(),
        _ => ALL.get(i as usize).map_or("?".into(), |b| format!("{b:?}").to_lowercase()),
    }
}

fn err<T>(m: impl Into<String>) -> VmResult<T> {
    Err(Fail::msg(m))
}

fn num(vm: &Vm, v: Value, what: &str) -> VmResult<f64> {
    match v {
        Value::Int(_) | Value::Float(_) => Ok(as_f64(v)),
        _ => err(format!("Type error: {what} expects a number, got {}", vm.type_name(v))),
    }
}

fn write_out(vm: &mut Vm, s: &str, stderr: bool) {
    if stderr {
        let _ = vm.out.flush();
        let _ = std::io::stderr().write_all(s.as_bytes());
    } else {
        let _ = vm.out.write_all(s.as_bytes());
    }
}

/// `println(a, b, …)`: raw forms separated by spaces.
fn print_args(vm: &mut Vm, args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(|a| vm.fmt().to_string(*a, Mode::Raw)).collect();
    parts.join(" ")
}

fn print_template(vm: &mut Vm, args: &[Value]) -> String {
    let template = vm.str_of(args[0]).unwrap_or("").to_string();
    let mut rest = args[1..].iter();
    let mut out = String::new();
    let mut pieces = template.split("{}").peekable();
    while let Some(p) = pieces.next() {
        out.push_str(p);
        if pieces.peek().is_some() {
            match rest.next() {
                Some(v) => out.push_str(&vm.fmt().to_string(*v, Mode::Raw)),
                None => out.push_str("{}"),
            }
        }
    }
    out
}

fn rounding(vm: &Vm, v: Value, f: fn(f64) -> f64) -> VmResult<Value> {
    match v {
        Value::Int(n) => Ok(Value::Int(n)),
        Value::Float(x) => Ok(Value::Int(f(x) as i64)),
        _ => err(format!("Type error: expected a number, got {}", vm.type_name(v))),
    }
}

pub fn call_builtin(vm: &mut Vm, idx: u16, args: &[Value]) -> VmResult<Value> {
    match idx {
        builtin_index::CTOR_VALUE => {
            let Value::Int(packed) = args[0] else { return err("bad constructor") };
            return Ok(Value::Ctor((packed >> 32) as u32, (packed & 0xffff_ffff) as u32));
        }
        builtin_index::PRINTLN_TEMPLATE | builtin_index::PRINT_TEMPLATE => {
            let mut s = print_template(vm, args);
            if idx == builtin_index::PRINTLN_TEMPLATE {
                s.push('\n');
            }
            write_out(vm, &s, false);
            return Ok(Value::Nil);
        }
        _ => {}
    }
    let b = ALL[idx as usize];
    let arg = |i: usize| args.get(i).copied().unwrap_or(Value::Nil);
    use Builtin::*;
    Ok(match b {
        Println | Print | Eprintln | Eprint => {
            let mut s = print_args(vm, args);
            if matches!(b, Println | Eprintln) {
                s.push('\n');
            }
            write_out(vm, &s, matches!(b, Eprintln | Eprint));
            Value::Nil
        }
        PrintlnFmt | PrintFmt | EprintlnFmt | EprintFmt => {
            let mut s = vm.str_of(arg(0)).unwrap_or("").to_string();
            if matches!(b, PrintlnFmt | EprintlnFmt) {
                s.push('\n');
            }
            write_out(vm, &s, matches!(b, EprintlnFmt | EprintFmt));
            Value::Nil
        }
        FormatFmt => arg(0),
        PanicFmt => {
            let s = vm.str_of(arg(0)).unwrap_or("explicit panic").to_string();
            return err(format!("panicked: {s}"));
        }
        Assert => {
            if !arg(0).truthy() {
                let m = if args.len() > 1 { vm.fmt().to_string(arg(1), Mode::Display) } else { "\"assertion failed\"".into() };
                return err(format!("Assertion failed: {m}"));
            }
            Value::Nil
        }
        AssertEq | AssertNe => {
            let same = equal(&vm.heap, arg(0), arg(1));
            if same != (b == AssertEq) {
                let (l, r) = (vm.fmt().to_string(arg(0), Mode::Display), vm.fmt().to_string(arg(1), Mode::Display));
                let extra = if args.len() > 2 { format!(": {}", vm.fmt().to_string(arg(2), Mode::Raw)) } else { String::new() };
                let op = if b == AssertEq { "==" } else { "!=" };
                return err(format!("Assertion failed: {l} {op} {r}{extra}"));
            }
            Value::Nil
        }
        TypeOf => {
            let t = ops::type_of(vm, arg(0));
            vm.heap.str(t.to_string())
        }
        Len => return call_method_value(vm, arg(0), "len", &[]),
        Str => {
            let s = vm.fmt().to_string(arg(0), Mode::Raw);
            vm.heap.str(s)
        }
        Int => return call_method_value(vm, arg(0), "to_int", &[]),
        Float => match arg(0) {
            Value::Int(n) => Value::Float(n as f64),
            Value::Float(f) => Value::Float(f),
            v => match vm.str_of(v).and_then(|s| s.trim().parse::<f64>().ok()) {
                Some(f) => Value::Float(f),
                None => return err(format!("Failed to parse '{}' as float", vm.fmt().to_string(v, Mode::Raw))),
            },
        },
        Range => {
            let (s, e, step) = match args.len() {
                1 => (0, int_arg(vm, arg(0))?, 1),
                2 => (int_arg(vm, arg(0))?, int_arg(vm, arg(1))?, 1),
                _ => (int_arg(vm, arg(0))?, int_arg(vm, arg(1))?, int_arg(vm, arg(2))?),
            };
            if step == 0 {
                return err("Runtime error: range step cannot be zero");
            }
            let mut items = vec![];
            let mut i = s;
            while (step > 0 && i < e) || (step < 0 && i > e) {
                items.push(Value::Int(i));
                i += step;
            }
            vm.heap.alloc(Obj::Array(items.into()))
        }
        Min | Max => {
            let ord = ops::compare(vm, arg(0), arg(1))?;
            let pick_first = match b {
                Min => ord != Some(std::cmp::Ordering::Greater),
                _ => ord != Some(std::cmp::Ordering::Less),
            };
            // The caller still holds both arguments.
            let v = if pick_first { arg(0) } else { arg(1) };
            vm.heap.share(v);
            v
        }
        Abs => return call_method_value(vm, arg(0), "abs", &[]),
        Pow => ops::pow(vm, arg(0), arg(1))?,
        Sqrt => Value::Float(num(vm, arg(0), "sqrt")?.sqrt()),
        Floor => rounding(vm, arg(0), f64::floor)?,
        Ceil => rounding(vm, arg(0), f64::ceil)?,
        Round => rounding(vm, arg(0), f64::round)?,
        Sin => Value::Float(libm::sin(num(vm, arg(0), "sin")?)),
        Cos => Value::Float(libm::cos(num(vm, arg(0), "cos")?)),
        Tan => Value::Float(libm::tan(num(vm, arg(0), "tan")?)),
        Log => {
            let x = num(vm, arg(0), "log")?;
            Value::Float(if args.len() > 1 { libm::log(x) / libm::log(num(vm, arg(1), "log")?) } else { libm::log(x) })
        }
        Log10 => Value::Float(libm::log10(num(vm, arg(0), "log10")?)),
        Exp => Value::Float(libm::exp(num(vm, arg(0), "exp")?)),
        Input => {
            if let Some(p) = args.first() {
                let s = vm.fmt().to_string(*p, Mode::Raw);
                write_out(vm, &s, false);
                let _ = vm.out.flush();
            }
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
            let line = line.trim_end_matches(['\n', '\r']).to_string();
            vm.heap.str(line)
        }
        Random => {
            // xorshift64*: deterministic per run, good enough for scripts.
            let mut x = vm.rng_state;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            vm.rng_state = x;
            Value::Float((x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64)
        }
        Timestamp => {
            let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
            Value::Int(ms)
        }
        DictNew => vm.heap.alloc(Obj::Dict(Default::default())),
        VecNew => vm.heap.alloc(Obj::Array(Items::new())),
        StringNew => vm.heap.str(String::new()),
        StringFrom => {
            let s = concat_text(vm, arg(0));
            vm.heap.str(s)
        }
    })
}

fn int_arg(vm: &Vm, v: Value) -> VmResult<i64> {
    match v {
        Value::Int(n) => Ok(n),
        _ => err(format!("Type error: expected an integer, got {}", vm.type_name(v))),
    }
}

fn some(vm: &mut Vm, v: Value) -> Value {
    vm.heap.share(v);
    vm.heap.alloc(Obj::Enum { def: ruchy_hir::OPTION_ENUM, variant: ruchy_hir::VARIANT_SOME, payload: vec![v] })
}

fn none(vm: &mut Vm) -> Value {
    vm.unit_variant(ruchy_hir::OPTION_ENUM, ruchy_hir::VARIANT_NONE)
}

/// Index of the first item for which `f(item)` is truthy (`want`) or falsy
/// (`!want`). `recv`, which holds the items, stays rooted during the calls.
fn first_where(vm: &mut Vm, recv: Value, items: &[Value], f: Value, want: bool) -> VmResult<Option<usize>> {
    vm.temp_roots.push(recv);
    let mut found = Ok(None);
    for (i, it) in items.iter().enumerate() {
        match vm.call_value(f, &[*it]) {
            Ok(v) if v.truthy() == want => {
                found = Ok(Some(i));
                break;
            }
            Ok(_) => {}
            Err(e) => {
                found = Err(e);
                break;
            }
        }
    }
    vm.temp_roots.pop();
    found
}

fn is_option_or_result(vm: &Vm, v: Value) -> bool {
    matches!(v, Value::Obj(r) if matches!(vm.heap.get(r), Obj::Enum { def, .. } if *def <= ruchy_hir::RESULT_ENUM))
}

fn option(vm: &mut Vm, v: Option<Value>) -> Value {
    match v {
        Some(v) => some(vm, v),
        None => none(vm),
    }
}

/// A new array of `items`. Its elements may also live elsewhere (the
/// receiver of `filter`, `take`, …), so they are marked shared: mutating one
/// through the new array then copies it (value semantics).
fn new_array(vm: &mut Vm, items: impl Into<Items>) -> Value {
    let items: Items = items.into();
    for it in &items {
        vm.heap.share(*it);
    }
    vm.heap.alloc(Obj::Array(items))
}

fn new_str(vm: &mut Vm, s: String) -> Value {
    vm.heap.str(s)
}

/// Calls a method on a value that is not in a VM register.
pub fn call_method_value(vm: &mut Vm, recv: Value, name: &str, args: &[Value]) -> VmResult<Value> {
    vm.temp_roots.push(recv);
    let r = method_on(vm, recv, name, args);
    vm.temp_roots.pop();
    r.map(|(v, _)| v)
}

/// Built-in method call with the receiver in stack slot `slot`; a method
/// that replaces its receiver (e.g. `push_str`) writes the slot.
pub fn call_method(vm: &mut Vm, slot: usize, name: &str, args: &[Value]) -> VmResult<Value> {
    let recv = vm_slot(vm, slot);
    let (result, new_recv) = method_on(vm, recv, name, args)?;
    if let Some(n) = new_recv {
        set_slot(vm, slot, n);
    }
    Ok(result)
}

fn vm_slot(vm: &Vm, slot: usize) -> Value {
    vm.slot(slot)
}

fn set_slot(vm: &mut Vm, slot: usize, v: Value) {
    vm.set_slot(slot, v)
}

/// Elements of an array, or the integers of a range.
fn seq_items(vm: &Vm, v: Value) -> Option<Vec<Value>> {
    let Value::Obj(r) = v else { return None };
    match vm.heap.get(r) {
        Obj::Array(a) => Some(a.to_vec()),
        Obj::Range { start: Value::Int(s), end: Value::Int(e), inclusive } => {
            let e = if *inclusive { *e + 1 } else { *e };
            Some((*s..e.max(*s)).map(Value::Int).collect())
        }
        _ => None,
    }
}

type MethodResult = VmResult<(Value, Option<Value>)>;

fn method_on(vm: &mut Vm, recv: Value, name: &str, args: &[Value]) -> MethodResult {
    // Universal methods.
    match name {
        "clone" | "iter" | "into_iter" | "collect" | "to_vec" | "copied" | "cloned" | "as_str" | "to_owned" | "borrow" | "as_ref"
        | "iter_mut" | "unwrap_or_clone" | "as_slice" => {
            if name == "collect" || name == "to_vec" {
                if let Some(items) = seq_items(vm, recv) {
                    return Ok((new_array(vm, items), None));
                }
            }
            vm.heap.share(recv);
            return Ok((recv, None));
        }
        // A plain value where Rust code expects a Result (`s.parse::<i64>()`
        // gives an int here, §6) behaves as `Ok(value)`, like `?` does, so
        // `.parse().unwrap()` works.
        "unwrap" | "expect" | "unwrap_or" | "unwrap_or_else" | "unwrap_or_default" | "map_err" if recv != Value::Nil && !is_option_or_result(vm, recv) => {
            vm.heap.share(recv);
            return Ok((recv, None));
        }
        "to_string" => {
            let s = concat_text(vm, recv);
            let s = match recv {
                Value::Obj(_) if vm.str_of(recv).is_none() => vm.fmt().to_string(recv, Mode::Raw),
                _ => s,
            };
            return Ok((new_str(vm, s), None));
        }
        _ => {}
    }
    match recv {
        Value::Int(_) | Value::Float(_) => return number_method(vm, recv, name, args).map(|v| (v, None)),
        Value::Obj(r) => match vm.heap.get(r) {
            Obj::Str(_) => return string_method(vm, recv, name, args),
            Obj::Array(_) => return array_method(vm, r, name, args),
            Obj::Dict(_) => return dict_method(vm, r, name, args),
            Obj::Enum { def, .. } if *def <= ruchy_hir::RESULT_ENUM => {
                // The result is often the payload the receiver still holds
                // (`unwrap_or`, `expect`, …): it must be copied on mutation.
                let v = option_method(vm, recv, name, args)?;
                vm.heap.share(v);
                return Ok((v, None));
            }
            Obj::Range { .. } => {
                if name == "contains" {
                    let Obj::Range { start, end, inclusive } = vm.heap.get(r).clone() else { unreachable!() };
                    let x = args.first().copied().unwrap_or(Value::Nil);
                    let lo = start == Value::Nil || ops::compare(vm, start, x)? != Some(std::cmp::Ordering::Greater);
                    let hi = end == Value::Nil
                        || match ops::compare(vm, x, end)? {
                            Some(std::cmp::Ordering::Less) => true,
                            Some(std::cmp::Ordering::Equal) => inclusive,
                            _ => false,
                        };
                    return Ok((Value::Bool(lo && hi), None));
                }
                if let Some(items) = seq_items(vm, recv) {
                    let arr = new_array(vm, items);
                    let Value::Obj(ar) = arr else { unreachable!() };
                    vm.temp_roots.push(arr);
                    let res = array_method(vm, ar, if name == "rev" { "reverse" } else { name }, args);
                    vm.temp_roots.pop();
                    return res;
                }
            }
            Obj::Tuple(t) if name == "len" => return Ok((Value::Int(t.len() as i64), None)),
            _ => {}
        },
        Value::Bool(_) | Value::Nil | Value::Func(_) | Value::Ctor(..) | Value::Builtin(_) => {}
    }
    let kind = match vm.type_name(recv) {
        "object" => "dict",
        t => t,
    };
    err(format!("Unknown {kind} method: {name}"))
}

fn number_method(vm: &mut Vm, recv: Value, name: &str, args: &[Value]) -> VmResult<Value> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(Value::Nil);
    let f = as_f64(recv);
    Ok(match (name, recv) {
        ("abs", Value::Int(n)) => Value::Int(n.checked_abs().ok_or_else(|| Fail::msg("Runtime error: Integer overflow in abs"))?),
        ("abs", _) => Value::Float(f.abs()),
        ("pow", Value::Int(_)) => ops::pow(vm, recv, arg(0))?,
        ("pow" | "powf", _) => Value::Float(libm::pow(f, num(vm, arg(0), name)?)),
        ("powi", _) => Value::Float(f.powi(int_arg(vm, arg(0))? as i32)),
        ("sqrt", _) => Value::Float(f.sqrt()),
        ("sin", _) => Value::Float(libm::sin(f)),
        ("cos", _) => Value::Float(libm::cos(f)),
        ("tan", _) => Value::Float(libm::tan(f)),
        ("atan", _) => Value::Float(libm::atan(f)),
        ("atan2", _) => Value::Float(libm::atan2(f, num(vm, arg(0), name)?)),
        ("exp", _) => Value::Float(libm::exp(f)),
        ("ln", _) => Value::Float(libm::log(f)),
        ("log", _) => Value::Float(if args.is_empty() { libm::log(f) } else { libm::log(f) / libm::log(num(vm, arg(0), name)?) }),
        ("log10", _) => Value::Float(libm::log10(f)),
        ("log2", _) => Value::Float(libm::log2(f)),
        ("round", Value::Float(x)) => Value::Float(x.round()),
        ("floor", Value::Float(x)) => Value::Float(x.floor()),
        ("ceil", Value::Float(x)) => Value::Float(x.ceil()),
        ("trunc", Value::Float(x)) => Value::Float(x.trunc()),
        ("fract", Value::Float(x)) => Value::Float(x.fract()),
        ("round" | "floor" | "ceil" | "trunc", Value::Int(n)) => Value::Int(n),
        ("to_int" | "as_int", _) => match recv {
            Value::Int(n) => Value::Int(n),
            _ => Value::Int(f as i64),
        },
        ("to_float" | "as_float", _) => Value::Float(f),
        ("is_nan", _) => Value::Bool(f.is_nan()),
        ("is_finite", _) => Value::Bool(f.is_finite()),
        ("signum", Value::Int(n)) => Value::Int(n.signum()),
        ("signum", _) => Value::Float(f.signum()),
        ("min" | "max", _) => {
            let o = arg(0);
            let ord = ops::compare(vm, recv, o)?;
            let first = if name == "min" { ord != Some(std::cmp::Ordering::Greater) } else { ord != Some(std::cmp::Ordering::Less) };
            if first { recv } else { o }
        }
        ("clamp", _) => {
            let (lo, hi) = (arg(0), arg(1));
            if ops::compare(vm, recv, lo)? == Some(std::cmp::Ordering::Less) {
                lo
            } else if ops::compare(vm, recv, hi)? == Some(std::cmp::Ordering::Greater) {
                hi
            } else {
                recv
            }
        }
        ("cmp" | "partial_cmp", _) => {
            let ord = ops::compare(vm, recv, arg(0))?;
            let n = match ord {
                Some(std::cmp::Ordering::Less) => -1,
                Some(std::cmp::Ordering::Equal) => 0,
                _ => 1,
            };
            Value::Int(n)
        }
        ("checked_add" | "checked_sub" | "checked_mul" | "checked_div", Value::Int(a)) => {
            let b = int_arg(vm, arg(0))?;
            let r = match name {
                "checked_add" => a.checked_add(b),
                "checked_sub" => a.checked_sub(b),
                "checked_mul" => a.checked_mul(b),
                _ => a.checked_div(b),
            };
            option(vm, r.map(Value::Int))
        }
        ("wrapping_add", Value::Int(a)) => Value::Int(a.wrapping_add(int_arg(vm, arg(0))?)),
        ("wrapping_mul", Value::Int(a)) => Value::Int(a.wrapping_mul(int_arg(vm, arg(0))?)),
        ("is_positive", Value::Int(a)) => Value::Bool(a > 0),
        ("is_negative", Value::Int(a)) => Value::Bool(a < 0),
        _ => return err(format!("Unknown {} method: {name}", vm.type_name(recv))),
    })
}

fn string_method(vm: &mut Vm, recv: Value, name: &str, args: &[Value]) -> MethodResult {
    // `push_str`/`push` append in place: the compiler made the receiver
    // unique (they are mutators), and copying it first would make a loop of
    // appends quadratic.
    if let ("push_str" | "push", Value::Obj(r), [x]) = (name, recv, args) {
        if vm.heap.is_shared(r) {
            // Reached without copy-on-write preparation: build a new string.
            let mut t = vm.str_of(recv).unwrap_or("").to_string();
            t.push_str(&concat_text(vm, *x));
            let nv = new_str(vm, t);
            return Ok((Value::Nil, Some(nv)));
        }
        let appended = match x {
            Value::Obj(src) => vm.heap.append_str(r, *src),
            _ => false,
        };
        if !appended {
            let text = concat_text(vm, *x);
            vm.heap.note_growth(text.len());
            if let Obj::Str(st) = vm.heap.get_mut(r) {
                st.push_str(&text);
            }
        }
        return Ok((Value::Nil, None));
    }
    let s = vm.str_of(recv).unwrap_or("").to_string();
    let arg = |i: usize| args.get(i).copied().unwrap_or(Value::Nil);
    let arg_str = |vm: &Vm, i: usize| -> VmResult<String> {
        let v = arg(i);
        match vm.str_of(v) {
            Some(t) => Ok(t.to_string()),
            None => err(format!("Type error: {name} expects a string argument, got {}", vm.type_name(v))),
        }
    };
    let strs = |vm: &mut Vm, parts: Vec<String>| -> Value {
        let items: Items = parts.into_iter().map(|p| vm.heap.str(p)).collect();
        vm.heap.alloc(Obj::Array(items))
    };
    let v = match name {
        "len" => Value::Int(s.len() as i64),
        "is_empty" => Value::Bool(s.is_empty()),
        "to_uppercase" | "to_upper" => new_str(vm, s.to_uppercase()),
        "to_lowercase" | "to_lower" => new_str(vm, s.to_lowercase()),
        "trim" => new_str(vm, s.trim().to_string()),
        "trim_start" => new_str(vm, s.trim_start().to_string()),
        "trim_end" => new_str(vm, s.trim_end().to_string()),
        "chars" => strs(vm, s.chars().map(|c| c.to_string()).collect()),
        "bytes" => {
            let items: Vec<Value> = s.bytes().map(|b| Value::Int(b as i64)).collect();
            new_array(vm, items)
        }
        "lines" => strs(vm, s.lines().map(str::to_string).collect()),
        "split_whitespace" => strs(vm, s.split_whitespace().map(str::to_string).collect()),
        "split" => {
            let sep = arg_str(vm, 0)?;
            let items: Vec<Value> = if sep.is_empty() {
                let mut buf = [0u8; 4];
                s.chars().map(|c| vm.heap.str_from(c.encode_utf8(&mut buf))).collect()
            } else {
                s.split(sep.as_str()).map(|part| vm.heap.str_from(part)).collect()
            };
            vm.heap.alloc(Obj::Array(items.into()))
        }
        "contains" => Value::Bool(s.contains(arg_str(vm, 0)?.as_str())),
        "starts_with" => Value::Bool(s.starts_with(arg_str(vm, 0)?.as_str())),
        "ends_with" => Value::Bool(s.ends_with(arg_str(vm, 0)?.as_str())),
        "find" | "index_of" => {
            let pat = arg_str(vm, 0)?;
            let pos = s.find(pat.as_str()).map(|b| Value::Int(s[..b].chars().count() as i64));
            if name == "find" { option(vm, pos) } else { pos.unwrap_or(Value::Int(-1)) }
        }
        "replace" => {
            let (a, b) = (arg_str(vm, 0)?, arg_str(vm, 1)?);
            new_str(vm, s.replace(a.as_str(), &b))
        }
        "repeat" => {
            let n = int_arg(vm, arg(0))?;
            new_str(vm, s.repeat(n.max(0) as usize))
        }
        "parse" | "to_int" => match s.trim().parse::<i64>() {
            Ok(n) => Value::Int(n),
            Err(_) => match s.trim().parse::<f64>() {
                Ok(f) if name == "parse" && s.contains('.') => Value::Float(f),
                _ => return err(format!("Failed to parse '{s}' as integer")),
            },
        },
        "to_float" => match s.trim().parse::<f64>() {
            Ok(f) => Value::Float(f),
            Err(_) => return err(format!("Failed to parse '{s}' as float")),
        },
        "char_at" | "nth" => {
            let i = int_arg(vm, arg(0))?;
            return Ok((ops::get_index(vm, recv, Value::Int(i))?, None));
        }
        "substring" | "slice" => {
            let chars: Vec<char> = s.chars().collect();
            let a = (int_arg(vm, arg(0))?.max(0) as usize).min(chars.len());
            let b = if args.len() > 1 { (int_arg(vm, arg(1))?.max(0) as usize).min(chars.len()) } else { chars.len() };
            new_str(vm, chars[a..b.max(a)].iter().collect())
        }
        "push_str" | "push" => {
            let mut t = s;
            t.push_str(&concat_text(vm, arg(0)));
            let nv = new_str(vm, t);
            return Ok((Value::Nil, Some(nv)));
        }
        "is_alphabetic" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "is_numeric" | "is_digit" | "is_ascii_digit" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "is_alphanumeric" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "is_whitespace" => Value::Bool(!s.is_empty() && s.chars().all(char::is_whitespace)),
        "is_uppercase" => Value::Bool(!s.is_empty() && s.chars().all(char::is_uppercase)),
        "is_lowercase" => Value::Bool(!s.is_empty() && s.chars().all(char::is_lowercase)),
        "reverse" | "rev" => new_str(vm, s.chars().rev().collect()),
        "cmp" => {
            let o = arg_str(vm, 0)?;
            Value::Int(match s.cmp(&o) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            })
        }
        "to_digit" => option(vm, s.chars().next().and_then(|c| c.to_digit(10)).map(|d| Value::Int(d as i64))),
        _ => return err(format!("Unknown string method: {name}")),
    };
    Ok((v, None))
}

fn array_items(heap: &crate::heap::Heap, r: u32) -> &Items {
    match heap.get(r) {
        Obj::Array(a) => a,
        _ => unreachable!("checked by the caller"),
    }
}

fn array_mut(heap: &mut crate::heap::Heap, r: u32) -> &mut Items {
    match heap.get_mut(r) {
        Obj::Array(a) => a,
        _ => unreachable!("checked by the caller"),
    }
}

/// Calls `f` for each element, collecting results; the partial result
/// array is rooted while user code runs.
fn map_items(vm: &mut Vm, items: &[Value], f: Value, mut keep: impl FnMut(&mut Vm, Value, Value) -> VmResult<Option<Value>>) -> VmResult<Vec<Value>> {
    let out_arr = vm.heap.alloc(Obj::Array(Items::new()));
    vm.temp_roots.push(out_arr);
    vm.temp_roots.push(f);
    let src = vm.heap.alloc(Obj::Array(items.to_vec().into()));
    vm.temp_roots.push(src);
    let mut result = Ok(());
    for &it in items {
        match vm.call_value(f, &[it]).and_then(|r| keep(vm, it, r)) {
            Ok(Some(v)) => {
                if let Value::Obj(o) = out_arr {
                    if let Obj::Array(a) = vm.heap.get_mut(o) {
                        a.push(v);
                    }
                }
            }
            Ok(None) => {}
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    vm.temp_roots.truncate(vm.temp_roots.len() - 3);
    result?;
    let Value::Obj(o) = out_arr else { unreachable!() };
    Ok(std::mem::take(array_mut(&mut vm.heap, o)).into_vec())
}

fn sort_values(vm: &mut Vm, items: &mut [Value], cmp: Option<Value>) -> VmResult<()> {
    let mut error = None;
    let mut v: Vec<Value> = items.to_vec();
    // Merge sort via std's stable sort, with fallible comparisons recorded.
    let vm_ptr: *mut Vm = vm;
    v.sort_by(|a, b| {
        if error.is_some() {
            return std::cmp::Ordering::Equal;
        }
        // SAFETY: `sort_by` does not re-enter; the VM is used exclusively here.
        let vm = unsafe { &mut *vm_ptr };
        let r = match cmp {
            None => ops::compare(vm, *a, *b).map(|o| o.unwrap_or(std::cmp::Ordering::Equal)),
            Some(f) => vm.call_value(f, &[*a, *b]).and_then(|r| match r {
                Value::Int(n) => Ok(n.cmp(&0)),
                Value::Bool(true) => Ok(std::cmp::Ordering::Less),
                Value::Bool(false) => Ok(std::cmp::Ordering::Greater),
                other => err(format!("Type error: sort_by comparator must return an integer, got {}", vm.type_name(other))),
            }),
        };
        r.unwrap_or_else(|e| {
            error = Some(e);
            std::cmp::Ordering::Equal
        })
    });
    if let Some(e) = error {
        return Err(e);
    }
    items.copy_from_slice(&v);
    Ok(())
}

/// Array methods that read or update the receiver in place. They must not
/// copy the elements first: `push` in a loop would be quadratic.
fn array_method_in_place(vm: &mut Vm, r: u32, name: &str, args: &[Value]) -> VmResult<Option<Value>> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(Value::Nil);
    let v = match name {
        "len" | "count" if args.is_empty() => Value::Int(array_items(&vm.heap, r).len() as i64),
        "is_empty" => Value::Bool(array_items(&vm.heap, r).is_empty()),
        "push" | "append" => {
            vm.heap.note_growth(16);
            array_mut(&mut vm.heap, r).push(arg(0));
            Value::Nil
        }
        "extend" => {
            let more = seq_items(vm, arg(0)).ok_or_else(|| Fail::msg("Type error: extend expects an array"))?;
            for m in &more {
                vm.heap.share(*m);
            }
            array_mut(&mut vm.heap, r).extend(more);
            Value::Nil
        }
        "pop" => {
            let v = array_mut(&mut vm.heap, r).pop();
            option(vm, v)
        }
        "insert" => {
            let i = int_arg(vm, arg(0))?;
            let a = array_mut(&mut vm.heap, r);
            if i < 0 || i as usize > a.len() {
                let len = a.len();
                return err(format!("Runtime error: Index {i} out of bounds for array of length {len}"));
            }
            a.insert(i as usize, arg(1));
            Value::Nil
        }
        "remove" => {
            let i = int_arg(vm, arg(0))?;
            let a = array_mut(&mut vm.heap, r);
            if i < 0 || i as usize >= a.len() {
                let len = a.len();
                return err(format!("Runtime error: Index {i} out of bounds for array of length {len}"));
            }
            a.remove(i as usize)
        }
        "clear" => {
            array_mut(&mut vm.heap, r).clear();
            Value::Nil
        }
        "truncate" => {
            let n = int_arg(vm, arg(0))?.max(0) as usize;
            array_mut(&mut vm.heap, r).truncate(n);
            Value::Nil
        }
        "swap" => {
            let (i, j) = (int_arg(vm, arg(0))?, int_arg(vm, arg(1))?);
            let a = array_mut(&mut vm.heap, r);
            let len = a.len() as i64;
            if i < 0 || j < 0 || i >= len || j >= len {
                return err(format!("Runtime error: Index {} out of bounds for array of length {len}", if i >= len || i < 0 { i } else { j }));
            }
            a.swap(i as usize, j as usize);
            Value::Nil
        }
        "contains" => {
            let x = arg(0);
            Value::Bool(array_items(&vm.heap, r).iter().any(|it| equal(&vm.heap, *it, x)))
        }
        "first" => {
            let v = array_items(&vm.heap, r).first().copied();
            option(vm, v)
        }
        "last" => {
            let v = array_items(&vm.heap, r).last().copied();
            option(vm, v)
        }
        "get" => {
            let i = int_arg(vm, arg(0))?;
            let v = if i >= 0 { array_items(&vm.heap, r).get(i as usize).copied() } else { None };
            option(vm, v)
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

fn array_method(vm: &mut Vm, r: u32, name: &str, args: &[Value]) -> MethodResult {
    if let Some(v) = array_method_in_place(vm, r, name, args)? {
        return Ok((v, None));
    }
    let arg = |i: usize| args.get(i).copied().unwrap_or(Value::Nil);
    let recv = Value::Obj(r);
    let items = array_items(&vm.heap, r).clone();
    let v = match name {
        "index_of" | "position" if !matches!(arg(0), Value::Obj(_) | Value::Func(_)) || name == "index_of" => {
            let p = items.iter().position(|x| equal(&vm.heap, *x, arg(0)));
            if name == "index_of" { Value::Int(p.map_or(-1, |p| p as i64)) } else { option(vm, p.map(|p| Value::Int(p as i64))) }
        }
        "position" => {
            let f = arg(0);
            let mut found = None;
            for (i, it) in items.iter().enumerate() {
                if vm.call_value(f, &[*it])?.truthy() {
                    found = Some(Value::Int(i as i64));
                    break;
                }
            }
            option(vm, found)
        }
        "map" => {
            let out = map_items(vm, &items, arg(0), |_, _, r| Ok(Some(r)))?;
            new_array(vm, out)
        }
        "filter" => {
            let out = map_items(vm, &items, arg(0), |vm, it, r| {
                Ok(r.truthy().then(|| {
                    vm.heap.share(it);
                    it
                }))
            })?;
            new_array(vm, out)
        }
        "each" | "for_each" => {
            map_items(vm, &items, arg(0), |_, _, _| Ok(None))?;
            Value::Nil
        }
        "filter_map" => {
            let out = map_items(vm, &items, arg(0), |vm, _, r| {
                Ok(match r {
                    Value::Obj(o) => match vm.heap.get(o) {
                        Obj::Enum { def: 0, variant: 1, payload } => Some(payload[0]),
                        Obj::Enum { def: 0, .. } => None,
                        _ => Some(r),
                    },
                    Value::Nil => None,
                    _ => Some(r),
                })
            })?;
            new_array(vm, out)
        }
        "flat_map" => {
            let out = map_items(vm, &items, arg(0), |_, _, r| Ok(Some(r)))?;
            let mut flat = vec![];
            for o in out {
                match seq_items(vm, o) {
                    Some(inner) => flat.extend(inner),
                    None => flat.push(o),
                }
            }
            new_array(vm, flat)
        }
        "reduce" | "fold" => {
            // `reduce(init, f)` (init first, §6) or Rust's `reduce(f)`.
            let (mut acc, f, rest) = if args.len() >= 2 { (arg(0), arg(1), &items[..]) } else if items.is_empty() {
                return Ok((none(vm), None));
            } else {
                (items[0], arg(0), &items[1..])
            };
            vm.temp_roots.push(f);
            let src = vm.heap.alloc(Obj::Array(items.clone()));
            vm.temp_roots.push(src);
            let mut res = Ok(());
            for it in rest {
                vm.temp_roots.push(acc);
                let r = vm.call_value(f, &[acc, *it]);
                vm.temp_roots.pop();
                match r {
                    Ok(v) => acc = v,
                    Err(e) => {
                        res = Err(e);
                        break;
                    }
                }
            }
            vm.temp_roots.truncate(vm.temp_roots.len() - 2);
            res?;
            if args.len() < 2 && name == "reduce" { some(vm, acc) } else { acc }
        }
        "find" => {
            let found = first_where(vm, recv, &items, arg(0), true)?;
            option(vm, found.map(|i| items[i]))
        }
        // `any`: some item passes; `all`: no item fails.
        "any" => Value::Bool(first_where(vm, recv, &items, arg(0), true)?.is_some()),
        "all" => Value::Bool(first_where(vm, recv, &items, arg(0), false)?.is_none()),
        "count" => {
            let out = map_items(vm, &items, arg(0), |_, it, r| Ok(r.truthy().then_some(it)))?;
            Value::Int(out.len() as i64)
        }
        "sum" | "product" => {
            let mut acc = Value::Int(if name == "sum" { 0 } else { 1 });
            for it in &items {
                acc = if name == "sum" { ops::arith(vm, ops::Arith::Add, acc, *it)? } else { ops::arith(vm, ops::Arith::Mul, acc, *it)? };
            }
            acc
        }
        "min" | "max" => {
            let mut best: Option<Value> = None;
            for it in &items {
                best = Some(match best {
                    None => *it,
                    Some(b) => {
                        let o = ops::compare(vm, *it, b)?;
                        let better = if name == "min" { o == Some(std::cmp::Ordering::Less) } else { o == Some(std::cmp::Ordering::Greater) };
                        if better { *it } else { b }
                    }
                });
            }
            option(vm, best)
        }
        "step_by" => {
            let n = int_arg(vm, arg(0))?;
            if n <= 0 {
                return err("Runtime error: step_by needs a positive step");
            }
            new_array(vm, items.iter().step_by(n as usize).copied().collect::<Vec<_>>())
        }
        "max_by_key" | "min_by_key" => {
            // As in Rust: the last of equal maxima, the first of equal minima.
            let keys = map_items(vm, &items, arg(0), |_, _, key| Ok(Some(key)))?;
            let mut best: Option<usize> = None;
            for (i, k) in keys.iter().enumerate() {
                let better = match best {
                    None => true,
                    Some(b) => {
                        let o = ops::compare(vm, *k, keys[b])?;
                        if name == "max_by_key" { o != Some(std::cmp::Ordering::Less) } else { o == Some(std::cmp::Ordering::Less) }
                    }
                };
                if better {
                    best = Some(i);
                }
            }
            option(vm, best.map(|i| items[i]))
        }
        "sort" | "sorted" => {
            let mut v = items.clone();
            sort_values(vm, &mut v, None)?;
            for x in &v {
                vm.heap.share(*x);
            }
            new_array(vm, v)
        }
        "sort_by" | "sort_unstable" => {
            let mut v = items.clone();
            vm.temp_roots.push(recv);
            let res = sort_values(vm, &mut v, if name == "sort_by" { Some(arg(0)) } else { None });
            vm.temp_roots.pop();
            res?;
            *array_mut(&mut vm.heap, r) = v;
            Value::Nil
        }
        "reverse" | "rev" => {
            let mut v = items.clone();
            v.reverse();
            for x in &v {
                vm.heap.share(*x);
            }
            new_array(vm, v)
        }
        "join" => {
            let sep = vm.str_of(arg(0)).unwrap_or("").to_string();
            let parts: Vec<String> = items.iter().map(|x| concat_text(vm, *x)).collect();
            let parts: Vec<String> = items.iter().zip(parts).map(|(x, p)| if matches!(x, Value::Float(_)) { vm.fmt().to_string(*x, Mode::Raw) } else { p }).collect();
            new_str(vm, parts.join(&sep))
        }
        "enumerate" => {
            let pairs: Vec<Value> = items.iter().enumerate().map(|(i, x)| (i, *x)).collect::<Vec<_>>().into_iter().map(|(i, x)| {
                vm.heap.share(x);
                vm.heap.alloc(Obj::Tuple(smallvec::smallvec![Value::Int(i as i64), x]))
            }).collect();
            new_array(vm, pairs)
        }
        "zip" => {
            let other = seq_items(vm, arg(0)).ok_or_else(|| Fail::msg("Type error: zip expects an array"))?;
            let pairs: Vec<Value> = items.iter().zip(other.iter()).map(|(a, b)| (*a, *b)).collect::<Vec<_>>().into_iter().map(|(a, b)| {
                vm.heap.share(a);
                vm.heap.share(b);
                vm.heap.alloc(Obj::Tuple(smallvec::smallvec![a, b]))
            }).collect();
            new_array(vm, pairs)
        }
        "take" | "skip" => {
            let n = (int_arg(vm, arg(0))?.max(0) as usize).min(items.len());
            let v = if name == "take" { items[..n].to_vec() } else { items[n..].to_vec() };
            for x in &v {
                vm.heap.share(*x);
            }
            new_array(vm, v)
        }
        "slice" => {
            let len = items.len();
            let a = (int_arg(vm, arg(0))?.max(0) as usize).min(len);
            let b = if args.len() > 1 { (int_arg(vm, arg(1))?.max(0) as usize).min(len) } else { len };
            let v = items[a..b.max(a)].to_vec();
            for x in &v {
                vm.heap.share(*x);
            }
            new_array(vm, v)
        }
        "concat" => {
            let more = seq_items(vm, arg(0)).ok_or_else(|| Fail::msg("Type error: concat expects an array"))?;
            let mut v = items.clone();
            v.extend(more);
            for x in &v {
                vm.heap.share(*x);
            }
            new_array(vm, v)
        }
        "flatten" => {
            let mut v = vec![];
            for it in &items {
                match seq_items(vm, *it) {
                    Some(inner) => v.extend(inner),
                    None => v.push(*it),
                }
            }
            for x in &v {
                vm.heap.share(*x);
            }
            new_array(vm, v)
        }
        "unique" | "dedup_all" => {
            let mut v: Vec<Value> = vec![];
            for it in &items {
                if !v.iter().any(|x| equal(&vm.heap, *x, *it)) {
                    v.push(*it);
                }
            }
            new_array(vm, v)
        }
        "dedup" => {
            let mut v: Vec<Value> = vec![];
            for it in &items {
                if v.last().is_none_or(|x| !equal(&vm.heap, *x, *it)) {
                    v.push(*it);
                }
            }
            *array_mut(&mut vm.heap, r) = v.into();
            Value::Nil
        }
        "retain" => {
            let f = arg(0);
            let kept = map_items(vm, &items, f, |_, it, r| Ok(r.truthy().then_some(it)))?;
            *array_mut(&mut vm.heap, r) = kept.into();
            Value::Nil
        }
        "windows" | "chunks" => {
            let n = int_arg(vm, arg(0))?.max(1) as usize;
            let groups: Vec<Vec<Value>> = if name == "windows" { items.windows(n).map(<[Value]>::to_vec).collect() } else { items.chunks(n).map(<[Value]>::to_vec).collect() };
            let arrs: Vec<Value> = groups.into_iter().map(|g| new_array(vm, g)).collect();
            new_array(vm, arrs)
        }
        _ => return err(format!("Unknown array method: {name}")),
    };
    Ok((v, None))
}

fn dict_method(vm: &mut Vm, r: u32, name: &str, args: &[Value]) -> MethodResult {
    let arg = |i: usize| args.get(i).copied().unwrap_or(Value::Nil);
    fn dict_of(heap: &mut crate::heap::Heap, r: u32) -> &mut crate::dict::Dict {
        match heap.get_mut(r) {
            Obj::Dict(d) => d,
            _ => unreachable!(),
        }
    }
    let v = match name {
        "len" => Value::Int(dict_of(&mut vm.heap, r).len() as i64),
        "is_empty" => Value::Bool(dict_of(&mut vm.heap, r).is_empty()),
        "get" => {
            let v = ops::dict_lookup(vm, r, arg(0))?;
            option(vm, v)
        }
        "contains_key" | "has" => Value::Bool(ops::dict_lookup(vm, r, arg(0))?.is_some()),
        "insert" | "set" => {
            let k = ops::dict_key(vm, arg(0))?;
            vm.heap.note_growth(64);
            let old = dict_of(&mut vm.heap, r).insert(&k, arg(1));
            option(vm, old)
        }
        "remove" => {
            let k = ops::dict_key(vm, arg(0))?;
            let old = dict_of(&mut vm.heap, r).remove(&k);
            option(vm, old)
        }
        "clear" => {
            dict_of(&mut vm.heap, r).clear();
            Value::Nil
        }
        "keys" => {
            let ks: Vec<String> = dict_of(&mut vm.heap, r).sorted().into_iter().map(|(k, _)| k.to_string()).collect();
            let items: Vec<Value> = ks.into_iter().map(|k| vm.heap.str(k)).collect();
            new_array(vm, items)
        }
        "values" => {
            let vs: Vec<Value> = dict_of(&mut vm.heap, r).sorted().into_iter().map(|(_, v)| v).collect();
            for v in &vs {
                vm.heap.share(*v);
            }
            new_array(vm, vs)
        }
        "items" | "entries" => {
            let pairs: Vec<(String, Value)> = dict_of(&mut vm.heap, r).sorted().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            let items: Vec<Value> = pairs
                .into_iter()
                .map(|(k, v)| {
                    vm.heap.share(v);
                    let k = vm.heap.str(k);
                    vm.heap.alloc(Obj::Tuple(smallvec::smallvec![k, v]))
                })
                .collect();
            new_array(vm, items)
        }
        "get_or" | "get_or_default" => {
            ops::dict_lookup(vm, r, arg(0))?.unwrap_or(arg(1))
        }
        _ => return err(format!("Unknown dict method: {name}")),
    };
    Ok((v, None))
}

fn option_method(vm: &mut Vm, recv: Value, name: &str, args: &[Value]) -> VmResult<Value> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(Value::Nil);
    let Value::Obj(r) = recv else { unreachable!() };
    let Obj::Enum { def, variant, payload } = vm.heap.get(r).clone() else { unreachable!() };
    let is_option = def == ruchy_hir::OPTION_ENUM;
    // "good" = Some / Ok.
    let good = if is_option { variant == ruchy_hir::VARIANT_SOME } else { variant == ruchy_hir::VARIANT_OK };
    let inner = payload.first().copied().unwrap_or(Value::Nil);
    Ok(match name {
        "is_some" | "is_ok" => Value::Bool(good),
        "is_none" | "is_err" => Value::Bool(!good),
        "unwrap" => {
            if good {
                vm.heap.share(inner);
                inner
            } else if is_option {
                return err("Runtime error: called unwrap on None");
            } else {
                let d = vm.fmt().to_string(inner, Mode::Display);
                return err(format!("Runtime error: called unwrap on Err({d})"));
            }
        }
        "expect" => {
            if good {
                inner
            } else {
                let m = vm.fmt().to_string(arg(0), Mode::Raw);
                return err(m);
            }
        }
        "unwrap_err" | "expect_err" => {
            if !good && !is_option {
                inner
            } else {
                return err("Runtime error: called unwrap_err on Ok");
            }
        }
        "unwrap_or" => {
            if good { inner } else { arg(0) }
        }
        "unwrap_or_default" => {
            if good { inner } else { Value::Int(0) }
        }
        "unwrap_or_else" => {
            if good {
                inner
            } else {
                let f = arg(0);
                let a: Vec<Value> = if is_option { vec![] } else { vec![inner] };
                vm.call_value(f, &a)?
            }
        }
        "map" | "map_err" | "and_then" => {
            let applies = if name == "map_err" { !good } else { good };
            if !applies {
                recv
            } else {
                let f = arg(0);
                vm.temp_roots.push(recv);
                let out = vm.call_value(f, &[inner]);
                vm.temp_roots.pop();
                let out = out?;
                if name == "and_then" {
                    out
                } else {
                    vm.heap.alloc(Obj::Enum { def, variant, payload: vec![out] })
                }
            }
        }
        "ok_or" => {
            if good {
                vm.heap.alloc(Obj::Enum { def: ruchy_hir::RESULT_ENUM, variant: ruchy_hir::VARIANT_OK, payload: vec![inner] })
            } else {
                vm.heap.alloc(Obj::Enum { def: ruchy_hir::RESULT_ENUM, variant: ruchy_hir::VARIANT_ERR, payload: vec![arg(0)] })
            }
        }
        "ok" => option(vm, good.then_some(inner)),
        "err" => option(vm, (!good).then_some(inner)),
        "or" => {
            if good { recv } else { arg(0) }
        }
        _ => return err(format!("Unknown {} method: {name}", if is_option { "option" } else { "result" })),
    })
}

pub fn float_text(f: f64) -> String {
    float_short(f)
}
