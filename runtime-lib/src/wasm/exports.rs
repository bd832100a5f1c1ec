//! The `rt_*` functions generated code calls (`ABI.md`, "Exports").
//!
//! Addresses are `u32` here and `i32` in wasm; values that may be anything
//! come as `(bits: i64, kind: i32)`. Every export that allocates may
//! collect, but keeps its own pointer arguments alive while it does: the
//! caller only roots what it needs after the call.

use super::{fatal, file, heap_gc_log, types, with_heap, with_output, FILE, TYPES};
use crate::format::{read_spec, Mode, Printer};
use crate::io::Location;
use crate::layout::{MODE_DEBUG, MODE_INTERP, MODE_RAW, STR};
use crate::value::{self, decode, Val};
use crate::ops::{self, OpError, Outcome};
use crate::{arrays, equality, strings};
use alloc::string::String;

/// First call of `_start`: the heap starts at the current memory size, so
/// the data segments codegen placed below it are never collected.
#[no_mangle]
pub extern "C" fn rt_init() {
    with_heap(|_| ());
}

/// A GC object of `bytes` bytes (header included) with header `meta`/`len`
/// and a zeroed payload. May collect.
#[no_mangle]
pub extern "C" fn rt_alloc(meta: u32, len: u32, bytes: u32) -> u32 {
    with_heap(|h| h.alloc_object(meta, len, bytes))
}

/// Source path (a STR) used in error locations.
#[no_mangle]
pub extern "C" fn rt_set_file(path: u32) {
    // SAFETY: single-threaded write of a plain word.
    unsafe { FILE = path };
}

/// Registers the type table that names structs, enums and their members.
#[no_mangle]
pub extern "C" fn rt_set_types(table: u32) {
    // SAFETY: single-threaded write of a plain word.
    unsafe { TYPES = table };
}

/// The runtime error `msg` (a STR) at `line`:`col` of the file set with
/// `rt_set_file` (no location line when `line` is 0): reported, with exit
/// code 1, unless a `try` is active, which gets it as a pending exception.
#[no_mangle]
pub extern "C" fn rt_error(msg: u32, line: u32, col: u32) {
    let loc = if line == 0 { 0 } else { (line.min(0xffff) << 16) | col.min(0xffff) };
    super::exceptions::raise_str(msg, loc)
}

/// `rt_error` as code a `try` can reach calls it (ABI.md, "Exceptions").
#[no_mangle]
pub extern "C" fn rt_raise_error(msg: u32, line: u32, col: u32) {
    rt_error(msg, line, col)
}

/// Writes a string's bytes to stdout (fd 1, buffered) or stderr (fd 2,
/// after flushing stdout).
#[no_mangle]
pub extern "C" fn rt_print(s: u32, fd: u32) {
    // SAFETY: printing does not allocate.
    let bytes = unsafe { strings::bytes(s) };
    with_output(|out, sink| out.print(sink, fd, bytes));
}

/// Flushes stdout and exits with `code`.
#[no_mangle]
pub extern "C" fn rt_exit(code: i32) -> ! {
    with_output(|out, sink| out.flush(sink));
    super::wasi::exit(code)
}

/// `Stack overflow`: generated code calls this instead of reserving a
/// shadow frame past `RT_SHADOW_LIMIT`.
#[no_mangle]
pub extern "C" fn rt_shadow_overflow() -> ! {
    fatal(b"Stack overflow", None)
}

#[no_mangle]
pub extern "C" fn rt_str_concat(a: u32, b: u32) -> u32 {
    with_heap(|h| strings::concat(h, a, b))
}

/// 1 if the strings have the same bytes.
#[no_mangle]
pub extern "C" fn rt_str_eq(a: u32, b: u32) -> i32 {
    strings::eq(a, b) as i32
}

/// -1, 0 or 1 by byte-wise ordering.
#[no_mangle]
pub extern "C" fn rt_str_cmp(a: u32, b: u32) -> i32 {
    strings::cmp(a, b) as i32
}

fn mode(m: u32) -> Mode {
    match m {
        MODE_RAW => Mode::Raw,
        MODE_INTERP => Mode::Interp,
        MODE_DEBUG => Mode::Debug,
        _ => Mode::Display,
    }
}

/// A new string holding `text`. May collect (nothing else is live here).
fn new_str(text: String) -> u32 {
    with_heap(|h| strings::new_str(h, text.as_bytes()))
}

/// `rt_fmt` of a scalar (`kind` int, float or bool): without the general
/// printer, so programs that print only scalars and strings do not link it.
#[no_mangle]
pub extern "C" fn rt_fmt_scalar(bits: i64, kind: u32, m: u32) -> u32 {
    let mut text = String::new();
    crate::format::write_scalar(&mut text, decode(bits as u64, kind), mode(m));
    new_str(text)
}

/// The text of an int (the same in every mode), written without
/// `core::fmt`: a program that prints only ints and strings links no
/// general or float formatting code.
#[no_mangle]
pub extern "C" fn rt_fmt_int(n: i64) -> u32 {
    let mut digits = [0u8; 20];
    let text = crate::format::int_digits(n, &mut digits);
    with_heap(|h| strings::new_str(h, text))
}

/// The text of a value in `mode` (0 Display, 1 Raw, 2 Interp, 3 Debug).
#[no_mangle]
pub extern "C" fn rt_fmt(bits: i64, kind: u32, m: u32) -> u32 {
    let v = decode(bits as u64, kind);
    let m = mode(m);
    // Strings are immutable: a raw string is its own text.
    if let Val::Obj(o) = v {
        if value::kind(o) == STR && matches!(m, Mode::Raw | Mode::Interp) {
            return o;
        }
    }
    new_str(Printer::new(types()).to_string(v, m))
}

/// An f-string hole with the encoded spec at `spec`.
#[no_mangle]
pub extern "C" fn rt_fmt_spec(bits: i64, kind: u32, spec: u32) -> u32 {
    let text = Printer::new(types()).fstring_hole(decode(bits as u64, kind), &read_spec(spec));
    new_str(text)
}

/// A `println!`/`format!` placeholder with the encoded spec at `spec`.
#[no_mangle]
pub extern "C" fn rt_fmt_rust(bits: i64, kind: u32, spec: u32) -> u32 {
    let text = Printer::new(types()).rust_hole(decode(bits as u64, kind), &read_spec(spec));
    new_str(text)
}

#[no_mangle]
pub extern "C" fn rt_box_int(n: i64) -> u32 {
    with_heap(|h| value::box_int(h, n))
}

#[no_mangle]
pub extern "C" fn rt_box_float(f: f64) -> u32 {
    with_heap(|h| value::box_float(h, f))
}

/// An empty array of `elem_kind` slots with room for `cap`. May collect.
#[no_mangle]
pub extern "C" fn rt_array_new(elem_kind: u32, cap: u32) -> u32 {
    with_heap(|h| arrays::new(h, elem_kind, cap))
}

/// Appends slot bits to an unshared array. Never collects.
#[no_mangle]
pub extern "C" fn rt_array_push(arr: u32, bits: i64) {
    with_heap(|h| arrays::push(h, arr, bits as u64));
}

/// A fresh unshared copy of `arr`; its pointer elements become shared.
#[no_mangle]
pub extern "C" fn rt_array_copy(arr: u32) -> u32 {
    with_heap(|h| arrays::copy(h, arr))
}

/// Structural equality of two values (§4).
#[no_mangle]
pub extern "C" fn rt_value_eq(a: i64, ak: u32, b: i64, bk: u32) -> i32 {
    equality::equal(decode(a as u64, ak), decode(b as u64, bk)) as i32
}

/// A full collection.
#[no_mangle]
pub extern "C" fn rt_gc_collect() {
    with_heap(|h| h.collect());
}

/// Collections so far.
#[no_mangle]
pub extern "C" fn rt_gc_count() -> u32 {
    with_heap(|h| h.stats().collections)
}

/// Address of the collector's log (`gc::GcLog`, ABI.md "GC log"), which
/// hosts read after the run; codegen exports it as `ruchy_gc_log`.
#[no_mangle]
pub extern "C" fn rt_gc_log() -> u32 {
    heap_gc_log() as u32
}

/// Bytes of live objects after the last collection (saturating).
#[no_mangle]
pub extern "C" fn rt_heap_bytes() -> u32 {
    with_heap(|h| u32::try_from(h.stats().live_bytes).unwrap_or(u32::MAX))
}

// -- generic operations on dynamic values ------------------------------------

/// The location a packed `loc` (`line << 16 | col`, 0 = unknown) names.
pub(super) fn location<'a>(loc: u32) -> Option<Location<'a>> {
    // SAFETY: only used on the way to exiting; nothing allocates meanwhile.
    let path = if file() == 0 { &[][..] } else { unsafe { strings::bytes(file()) } };
    (loc != 0).then_some(Location { file: path, line: loc >> 16, col: loc & 0xffff })
}

/// Raises a failed operation's error at `loc` (exits unless a `try` is
/// active) and gives the placeholder result the caller discards.
fn fail<T: Default>(e: OpError, loc: u32) -> T {
    super::exceptions::raise(e.message().as_bytes(), loc);
    T::default()
}

/// Builds the value an operation produced (its operands are rooted by the
/// caller, per the ABI).
fn finish(result: Result<Outcome, OpError>, loc: u32) -> u32 {
    match result {
        Ok(outcome) => with_heap(|h| ops::realize(h, &outcome)),
        Err(e) => fail(e, loc),
    }
}

/// The text a value contributes to `str + x` (short float form).
#[no_mangle]
pub extern "C" fn rt_concat_text(bits: i64, kind: u32) -> u32 {
    match decode(bits as u64, kind) {
        Val::Obj(o) if value::kind(o) == STR => o,
        Val::Int(n) => rt_fmt_int(n),
        v => new_str(ops::concat_text(&Printer::new(types()), v)),
    }
}

/// `RT_TRUE` or `RT_FALSE`.
#[no_mangle]
pub extern "C" fn rt_box_bool(b: u32) -> u32 {
    with_heap(|h| h.bool_object(b != 0))
}

#[no_mangle]
pub extern "C" fn rt_unbox_int(v: u32, loc: u32) -> i64 {
    ops::unbox_int(value::decode_ptr(v)).unwrap_or_else(|e| fail(e, loc))
}

#[no_mangle]
pub extern "C" fn rt_unbox_float(v: u32, loc: u32) -> f64 {
    ops::unbox_float(value::decode_ptr(v)).unwrap_or_else(|e| fail(e, loc))
}

#[no_mangle]
pub extern "C" fn rt_unbox_bool(v: u32, loc: u32) -> i32 {
    ops::unbox_bool(value::decode_ptr(v)).unwrap_or_else(|e| fail(e, loc)) as i32
}

/// `a op b` on dynamic values (op codes in `ops::Op`).
#[no_mangle]
pub extern "C" fn rt_dyn_arith(op: u32, a: u32, b: u32, loc: u32) -> u32 {
    finish(ops::dyn_arith(op, value::decode_ptr(a), value::decode_ptr(b)), loc)
}

/// -1, 0, 1, or 2 when unordered (NaN).
#[no_mangle]
pub extern "C" fn rt_dyn_compare(a: u32, b: u32, loc: u32) -> i32 {
    match ops::compare(value::decode_ptr(a), value::decode_ptr(b)) {
        Ok(o) => ops::ordering_code(o),
        Err(e) => fail(e, loc),
    }
}

#[no_mangle]
pub extern "C" fn rt_dyn_neg(a: u32, loc: u32) -> u32 {
    finish(ops::neg(value::decode_ptr(a)), loc)
}

#[no_mangle]
pub extern "C" fn rt_dyn_not(a: u32, _loc: u32) -> u32 {
    finish(Ok(Outcome::Value(ops::not(value::decode_ptr(a)))), 0)
}

/// Float `%`; `Division by zero` when `b == 0`.
#[no_mangle]
pub extern "C" fn rt_float_rem(a: f64, b: f64, loc: u32) -> f64 {
    ops::float_rem(a, b).unwrap_or_else(|e| fail(e, loc))
}

/// A float method of one operand (`ruchy_lir::rt::math::UNARY` order), as
/// the generic method call computes it.
#[no_mangle]
pub extern "C" fn rt_math1(op: u32, x: f64) -> f64 {
    use crate::math;
    match op {
        0 => math::sin(x),
        1 => math::cos(x),
        2 => math::tan(x),
        3 => math::atan(x),
        4 => math::exp(x),
        5 => math::ln(x),
        6 => math::log10(x),
        7 => math::log2(x),
        8 => math::round(x),
        9 => math::fract(x),
        10 => math::signum(x),
        _ => math::ln(x),
    }
}

/// A float method with a float argument (`ruchy_lir::rt::math::BINARY`
/// order).
#[no_mangle]
pub extern "C" fn rt_math2(op: u32, x: f64, y: f64) -> f64 {
    use crate::math;
    match op {
        0 | 1 => math::powf(x, y),
        2 => math::atan2(x, y),
        _ => math::log_base(x, y),
    }
}

/// `x.powi(n)` (the generic method's `n as i32`).
#[no_mangle]
pub extern "C" fn rt_powi(x: f64, n: i64) -> f64 {
    crate::math::powi(x, n as i32)
}

/// `a ** b` on dynamic values.
#[no_mangle]
pub extern "C" fn rt_pow(a: u32, b: u32, loc: u32) -> u32 {
    finish(ops::pow(value::decode_ptr(a), value::decode_ptr(b)), loc)
}
