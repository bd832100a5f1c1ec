//! Text forms of values (§7), byte for byte as the VM's `format.rs` prints
//! them. The number and spec rules come from `ruchy-text`, which the VM
//! uses too; this module walks the runtime's objects.
//!
//! Struct, enum and variant names come from the type table registered with
//! `rt_set_types` (see `ABI.md`).

use crate::layout::{
    type_id_of, ARRAY, CELL, CLOSURE, DESC_COUNT, DESC_NAME, DESC_NAMES, DESC_SIZE, DICT, FREE, RANGE, RANGE_INCLUSIVE,
    SPEC_ALIGN, SPEC_ALTERNATE, SPEC_FILL, SPEC_PRECISION, SPEC_SIGN, SPEC_TYPE, SPEC_WIDTH, SPEC_ZERO, STR, STRUCT,
    TUPLE, TYPES_ENUMS, TYPES_N_ENUMS, TYPES_N_STRUCTS, TYPES_STRUCTS, VARIANT,
};
use crate::memory;
use crate::strings;
use crate::value::{aux, element, field, kind, len, meta, Val};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
pub use ruchy_text::{Mode, Spec};

/// Nesting depth beyond which printing stops with `...` (as the VM).
const MAX_DEPTH: usize = 200;

/// The text of a string object. Strings are UTF-8 by construction; a
/// malformed one prints as U+FFFD rather than risking undefined behaviour.
fn text<'a>(s: u32) -> &'a str {
    // SAFETY: formatting never allocates GC objects, so `s` stays alive.
    core::str::from_utf8(unsafe { strings::bytes(s) }).unwrap_or("\u{FFFD}")
}

/// Formats values; knows the type table for struct and enum names.
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    types: u32,
}

impl Printer {
    /// A printer using the type table at `types` (0 = none registered).
    pub fn new(types: u32) -> Printer {
        Printer { types }
    }

    /// The text of `v` in `mode`.
    pub fn to_string(&self, v: Val, mode: Mode) -> String {
        let mut s = String::new();
        self.write(&mut s, v, mode, 0);
        s
    }

    fn write(&self, out: &mut String, v: Val, mode: Mode, depth: usize) {
        if depth > MAX_DEPTH {
            out.push_str("...");
            return;
        }
        match v {
            Val::Obj(o) => self.write_obj(out, o, mode, depth),
            scalar => write_scalar(out, scalar, mode),
        }
    }

    fn write_seq(&self, out: &mut String, items: impl Iterator<Item = Val>, mode: Mode, depth: usize) {
        for (i, v) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.write(out, v, mode, depth + 1);
        }
    }

    fn fields(obj: u32) -> impl Iterator<Item = Val> {
        (0..len(obj)).map(move |i| field(obj, i))
    }

    fn write_obj(&self, out: &mut String, obj: u32, mode: Mode, depth: usize) {
        match kind(obj) {
            STR => write_str(out, text(obj), mode),
            ARRAY => {
                out.push('[');
                self.write_seq(out, (0..len(obj)).map(|i| element(obj, i)), mode.elements(), depth);
                out.push(']');
            }
            TUPLE => {
                out.push('(');
                self.write_seq(out, Self::fields(obj), mode.elements(), depth);
                if len(obj) == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            STRUCT => self.write_struct(out, obj, mode, depth),
            VARIANT => {
                out.push_str(self.variant_name(obj));
                if len(obj) > 0 {
                    out.push('(');
                    self.write_seq(out, Self::fields(obj), mode.payload(), depth);
                    out.push(')');
                }
            }
            RANGE => self.write_range(out, obj, depth),
            CLOSURE => out.push_str("<function>"),
            CELL => self.write(out, field(obj, 0), mode, depth),
            DICT => self.write_dict(out, obj, mode, depth),
            FREE => out.push_str("<freed>"),
            _ => out.push_str("<object>"),
        }
    }

    /// `Name {a: 1, b: 2}` (fields sorted by name), or in Debug mode Rust's
    /// `Name { b: 2, a: 1 }` (declaration order).
    fn write_struct(&self, out: &mut String, obj: u32, mode: Mode, depth: usize) {
        let desc = self.descriptor(TYPES_STRUCTS, TYPES_N_STRUCTS, type_id_of(meta(obj)));
        let name = |i: u32| desc.and_then(|d| name_at(d, i)).unwrap_or("?");
        out.push_str(desc.and_then(desc_name).unwrap_or("<struct>"));
        let n = len(obj);
        if mode == Mode::Debug {
            out.push_str(" { ");
            for i in 0..n {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: ", name(i));
                self.write(out, field(obj, i), Mode::Debug, depth + 1);
            }
            out.push_str(" }");
            return;
        }
        let mut order: Vec<u32> = (0..n).collect();
        sort_by_key(&mut order, name);
        out.push_str(" {");
        for (i, f) in order.into_iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{}: ", name(f));
            self.write(out, field(obj, f), mode.payload(), depth + 1);
        }
        out.push('}');
    }

    /// `{k: v, …}` in sorted key order; keys raw, or quoted with Rust's
    /// escapes in Debug mode.
    fn write_dict(&self, out: &mut String, obj: u32, mode: Mode, depth: usize) {
        out.push('{');
        for (i, (k, v)) in crate::dict::sorted(obj).into_iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if mode == Mode::Debug {
                let _ = write!(out, "{:?}", text(k));
            } else {
                out.push_str(text(k));
            }
            out.push_str(": ");
            self.write(out, crate::value::decode_ptr(v), mode.elements(), depth + 1);
        }
        out.push('}');
    }

    /// `a..b`, `a..=b`, `..b`, `a..`: bounds in Display form.
    fn write_range(&self, out: &mut String, obj: u32, depth: usize) {
        let (start, end) = (field(obj, 0), field(obj, 1));
        if start != Val::Nil {
            self.write(out, start, Mode::Display, depth + 1);
        }
        out.push_str(if aux(obj) & RANGE_INCLUSIVE != 0 { "..=" } else { ".." });
        if end != Val::Nil {
            self.write(out, end, Mode::Display, depth + 1);
        }
    }

    fn variant_name(&self, obj: u32) -> &str {
        self.descriptor(TYPES_ENUMS, TYPES_N_ENUMS, type_id_of(meta(obj)))
            .and_then(|d| name_at(d, aux(obj)))
            .unwrap_or("<variant>")
    }

    /// Descriptor `id` of the struct or enum list at `list`/`count` offsets.
    fn descriptor(&self, list: u32, count: u32, id: u32) -> Option<u32> {
        if self.types == 0 || id >= memory::load_u32(self.types + count) {
            return None;
        }
        Some(memory::load_u32(self.types + list) + id * DESC_SIZE)
    }

    /// The shared hole functions' view of a value.
    fn hole_arg<'a>(v: Val) -> ruchy_text::Arg<'a> {
        match v {
            Val::Int(n) => ruchy_text::Arg::Int(n),
            Val::Float(f) => ruchy_text::Arg::Float(f),
            Val::Obj(o) if kind(o) == STR => ruchy_text::Arg::Str(text(o)),
            _ => ruchy_text::Arg::Other,
        }
    }

    /// f-string hole `{e}` / `{e:?}` / `{e:.N}` (VM: `fstring_hole`).
    pub fn fstring_hole(&self, v: Val, spec: &Spec) -> String {
        ruchy_text::fstring_hole(Self::hole_arg(v), spec, |mode| self.to_string(v, mode))
    }

    /// One `println!`/`format!` placeholder (VM: `rust_hole`).
    pub fn rust_hole(&self, v: Val, spec: &Spec) -> String {
        ruchy_text::rust_hole(Self::hole_arg(v), spec, |mode| self.to_string(v, mode))
    }
}

/// Sorts `items` by `key` — an insertion sort: structs have few fields, and
/// the standard library's sort would add kilobytes to every module.
fn sort_by_key<'a>(items: &mut [u32], key: impl Fn(u32) -> &'a str) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && key(items[j - 1]) > key(items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// A string: raw in Raw/Interp, quoted without escapes in Display, with
/// Rust's escapes in Debug.
fn write_str(out: &mut String, s: &str, mode: Mode) {
    match mode {
        Mode::Raw | Mode::Interp => out.push_str(s),
        Mode::Display => {
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        Mode::Debug => {
            let _ = write!(out, "{s:?}");
        }
    }
}

fn desc_name<'a>(desc: u32) -> Option<&'a str> {
    let s = memory::load_u32(desc + DESC_NAME);
    (s != 0).then(|| text(s))
}

/// Name `i` (field or variant) of a descriptor.
fn name_at<'a>(desc: u32, i: u32) -> Option<&'a str> {
    if i >= memory::load_u32(desc + DESC_COUNT) {
        return None;
    }
    let s = memory::load_u32(memory::load_u32(desc + DESC_NAMES) + 4 * i);
    (s != 0).then(|| text(s))
}

/// Decodes an encoded format spec (ABI: 20 bytes).
pub fn read_spec(addr: u32) -> Spec {
    let opt_char = |c: u32| if c == 0 { None } else { char::from_u32(c) };
    let opt_usize = |n: i32| usize::try_from(n).ok();
    Spec {
        fill: opt_char(memory::load_u32(addr + SPEC_FILL)),
        align: opt_char(memory::load_u8(addr + SPEC_ALIGN) as u32),
        sign: opt_char(memory::load_u8(addr + SPEC_SIGN) as u32),
        alternate: memory::load_u8(addr + SPEC_ALTERNATE) != 0,
        zero: memory::load_u8(addr + SPEC_ZERO) != 0,
        width: opt_usize(memory::load_i32(addr + SPEC_WIDTH)),
        precision: opt_usize(memory::load_i32(addr + SPEC_PRECISION)),
        kind: opt_char(memory::load_u32(addr + SPEC_TYPE)),
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::arrays;
    use crate::heap::tests::fresh_heap;
    use crate::heap::Heap;
    use crate::layout::{
        aggregate_size, field_offset, meta as make_meta, with_field_kind, AGG_AUX, AGG_KINDS, K_BOOL, K_FLOAT, K_INT,
        K_PTR, SPEC_SIZE, TYPES_SIZE,
    };
    use crate::strings::new_str;
    use crate::value::box_int;

    /// Static data for tests lives in the first page after the shadow stack
    /// pointer (below the heap start).
    struct Statics {
        next: u32,
    }

    impl Statics {
        fn new() -> Statics {
            Statics { next: 4096 }
        }

        fn reserve(&mut self, n: u32) -> u32 {
            let a = self.next;
            self.next += n.next_multiple_of(8);
            a
        }

        fn str(&mut self, s: &str) -> u32 {
            let a = self.reserve(8 + s.len() as u32);
            memory::store_u32(a, STR);
            memory::store_u32(a + 4, s.len() as u32);
            memory::write_bytes(a + 8, s.as_bytes());
            a
        }

        fn names(&mut self, names: &[&str]) -> u32 {
            let strs: std::vec::Vec<u32> = names.iter().map(|n| self.str(n)).collect();
            let a = self.reserve(4 * names.len() as u32);
            for (i, s) in strs.iter().enumerate() {
                memory::store_u32(a + 4 * i as u32, *s);
            }
            a
        }

        /// A type table of `(name, field or variant names)` entries.
        fn types(&mut self, structs: &[(&str, &[&str])], enums: &[(&str, &[&str])]) -> u32 {
            let descs = |list: &[(&str, &[&str])], st: &mut Statics| {
                let entries: std::vec::Vec<(u32, u32, u32)> =
                    list.iter().map(|(n, f)| (st.str(n), f.len() as u32, st.names(f))).collect();
                let a = st.reserve(DESC_SIZE * list.len() as u32);
                for (i, (n, c, f)) in entries.iter().enumerate() {
                    let d = a + DESC_SIZE * i as u32;
                    memory::store_u32(d + DESC_NAME, *n);
                    memory::store_u32(d + DESC_COUNT, *c);
                    memory::store_u32(d + DESC_NAMES, *f);
                }
                a
            };
            let s = descs(structs, self);
            let e = descs(enums, self);
            let t = self.reserve(TYPES_SIZE);
            memory::store_u32(t + TYPES_N_STRUCTS, structs.len() as u32);
            memory::store_u32(t + TYPES_STRUCTS, s);
            memory::store_u32(t + TYPES_N_ENUMS, enums.len() as u32);
            memory::store_u32(t + TYPES_ENUMS, e);
            t
        }

        #[allow(clippy::too_many_arguments)]
        fn spec(&mut self, fill: char, align: u8, sign: u8, alt: bool, zero: bool, width: i32, prec: i32, ty: char) -> u32 {
            let a = self.reserve(SPEC_SIZE);
            memory::store_u32(a + SPEC_FILL, fill as u32);
            memory::store_u8(a + SPEC_ALIGN, align);
            memory::store_u8(a + SPEC_SIGN, sign);
            memory::store_u8(a + SPEC_ALTERNATE, alt as u8);
            memory::store_u8(a + SPEC_ZERO, zero as u8);
            memory::store_i32(a + SPEC_WIDTH, width);
            memory::store_i32(a + SPEC_PRECISION, prec);
            memory::store_u32(a + SPEC_TYPE, ty as u32);
            a
        }
    }

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

    fn all_modes(p: &Printer, v: Val) -> [String; 4] {
        [Mode::Display, Mode::Raw, Mode::Interp, Mode::Debug].map(|m| p.to_string(v, m))
    }

    #[test]
    fn int_digits_match_display() {
        for n in [0, 7, -7, 10, 99, -100, 1234567890, i64::MAX, i64::MIN, i64::MIN + 1] {
            let mut buf = [0u8; 20];
            assert_eq!(int_digits(n, &mut buf), std::format!("{n}").as_bytes(), "{n}");
        }
    }

    #[test]
    fn insertion_sort_orders_by_key() {
        let names = ["d", "b", "a", "c", "b2"];
        let mut idx = [0, 1, 2, 3, 4];
        sort_by_key(&mut idx, |i| names[i as usize]);
        assert_eq!(idx, [2, 1, 4, 3, 0]);
    }

    #[test]
    fn scalars() {
        let p = Printer::new(0);
        assert_eq!(all_modes(&p, Val::Nil), ["nil", "nil", "nil", "()"]);
        assert_eq!(p.to_string(Val::Bool(true), Mode::Display), "true");
        assert_eq!(p.to_string(Val::Int(-5), Mode::Raw), "-5");
        assert_eq!(p.to_string(Val::Float(1e21), Mode::Display), "1000000000000000000000.0");
        assert_eq!(p.to_string(Val::Float(0.1 + 0.2), Mode::Debug), "0.30000000000000004");
    }

    #[test]
    fn strings_in_every_mode() {
        let mut h = fresh_heap();
        let p = Printer::new(0);
        let s = new_str(&mut h, "a\"b\n".as_bytes());
        assert_eq!(all_modes(&p, Val::Obj(s)), ["\"a\"b\n\"", "a\"b\n", "a\"b\n", "\"a\\\"b\\n\""]);
    }

    #[test]
    fn arrays_and_tuples() {
        let mut h = fresh_heap();
        let p = Printer::new(0);
        let s = new_str(&mut h, b"x");
        let inner = arrays::new(&mut h, K_INT, 0);
        let a = arrays::new(&mut h, K_PTR, 0);
        for v in [s as u64, inner as u64, box_int(&mut h, 2) as u64, 0] {
            arrays::push(&mut h, a, v);
        }
        assert_eq!(all_modes(&p, Val::Obj(a)), ["[\"x\", [], 2, nil]", "[\"x\", [], 2, nil]", "[x, [], 2, nil]", "[\"x\", [], 2, ()]"]);
        let one = agg(&mut h, TUPLE, 0, &[(K_INT, 5)]);
        assert_eq!(p.to_string(Val::Obj(one), Mode::Display), "(5,)");
        let t = agg(&mut h, TUPLE, 0, &[(K_INT, 42), (K_PTR, s as u64), (K_FLOAT, 3f64.to_bits()), (K_BOOL, 0)]);
        assert_eq!(p.to_string(Val::Obj(t), Mode::Raw), "(42, \"x\", 3.0, false)");
        assert_eq!(p.to_string(Val::Obj(t), Mode::Interp), "(42, x, 3.0, false)");
        let empty = agg(&mut h, TUPLE, 0, &[]);
        assert_eq!(p.to_string(Val::Obj(empty), Mode::Display), "()");
    }

    #[test]
    fn structs_variants_ranges_closures() {
        let mut h = fresh_heap();
        let mut st = Statics::new();
        let types = st.types(
            &[("Point", &["y", "x"]), ("Unit", &[])],
            &[("Option", &["None", "Some"]), ("Shape", &["Circle", "Rect"])],
        );
        let p = Printer::new(types);
        let s = new_str(&mut h, b"s");
        let pt = agg(&mut h, make_meta(STRUCT, 0), 0, &[(K_INT, 2), (K_PTR, s as u64)]);
        assert_eq!(p.to_string(Val::Obj(pt), Mode::Display), "Point {x: \"s\", y: 2}");
        assert_eq!(p.to_string(Val::Obj(pt), Mode::Interp), "Point {x: \"s\", y: 2}");
        assert_eq!(p.to_string(Val::Obj(pt), Mode::Debug), "Point { y: 2, x: \"s\" }");
        let unit = agg(&mut h, make_meta(STRUCT, 1), 0, &[]);
        assert_eq!(p.to_string(Val::Obj(unit), Mode::Display), "Unit {}");
        assert_eq!(p.to_string(Val::Obj(unit), Mode::Debug), "Unit {  }");
        let some = agg(&mut h, make_meta(VARIANT, 0), 1, &[(K_PTR, s as u64)]);
        let none = agg(&mut h, make_meta(VARIANT, 0), 0, &[]);
        let a = arrays::new(&mut h, K_PTR, 0);
        arrays::push(&mut h, a, some as u64);
        arrays::push(&mut h, a, none as u64);
        assert_eq!(p.to_string(Val::Obj(a), Mode::Interp), "[Some(\"s\"), None]");
        let rect = agg(&mut h, make_meta(VARIANT, 1), 1, &[(K_FLOAT, 1f64.to_bits()), (K_INT, 2)]);
        assert_eq!(p.to_string(Val::Obj(rect), Mode::Raw), "Rect(1.0, 2)");
        let r = agg(&mut h, RANGE, 1, &[(K_INT, 1), (K_INT, 5)]);
        assert_eq!(p.to_string(Val::Obj(r), Mode::Display), "1..=5");
        let open = agg(&mut h, RANGE, 0, &[(K_PTR, 0), (K_INT, 3)]);
        assert_eq!(p.to_string(Val::Obj(open), Mode::Debug), "..3");
        let c = agg(&mut h, CLOSURE, 0, &[]);
        assert_eq!(p.to_string(Val::Obj(c), Mode::Display), "<function>");
        let cell = agg(&mut h, CELL, 0, &[(K_PTR, s as u64)]);
        assert_eq!(p.to_string(Val::Obj(cell), Mode::Raw), "s");
    }

    #[test]
    fn deep_nesting_is_cut_off() {
        let mut h = fresh_heap();
        let p = Printer::new(0);
        let mut v = 0u32;
        for _ in 0..300 {
            let a = h.with_roots(&[v], |h| arrays::new(h, K_PTR, 1));
            arrays::push(&mut h, a, v as u64);
            v = a;
        }
        let s = p.to_string(Val::Obj(v), Mode::Display);
        assert!(s.starts_with(&"[".repeat(201)));
        assert!(s.contains("[...]"));
    }

    #[test]
    fn encoded_specs_drive_the_holes() {
        let mut h = fresh_heap();
        let mut st = Statics::new();
        let p = Printer::new(0);
        let hex = read_spec(st.spec('\0', 0, 0, true, false, -1, -1, 'x'));
        assert_eq!(hex, Spec { alternate: true, kind: Some('x'), ..Spec::default() });
        assert_eq!(p.rust_hole(Val::Int(255), &hex), "0xff");
        let padded = read_spec(st.spec('*', b'^', b'+', false, false, 7, 2, '\0'));
        assert_eq!(p.rust_hole(Val::Float(1.5), &padded), "*+1.50*");
        assert_eq!(p.fstring_hole(Val::Float(1.5), &padded), "1.50");
        let plain = read_spec(st.spec('\0', 0, 0, false, false, 4, -1, '\0'));
        let s = new_str(&mut h, b"ab");
        assert_eq!(p.rust_hole(Val::Obj(s), &plain), "ab  ");
        let debug = read_spec(st.spec('\0', 0, 0, false, false, -1, -1, '?'));
        assert_eq!(p.rust_hole(Val::Obj(s), &debug), "\"ab\"");
        assert_eq!(p.fstring_hole(Val::Obj(s), &debug), "\"ab\"");
        assert_eq!(p.rust_hole(Val::Nil, &debug), "()");
        assert_eq!(p.rust_hole(Val::Bool(true), &plain), "true");
        let a = arrays::new(&mut h, K_PTR, 0);
        arrays::push(&mut h, a, s as u64);
        assert_eq!(p.rust_hole(Val::Obj(a), &read_spec(st.spec('\0', 0, 0, false, false, -1, -1, '\0'))), "[\"ab\"]");
        assert_eq!(p.fstring_hole(Val::Obj(a), &Spec::default()), "[ab]");
    }
}

/// The text of a value that is not an object (nil, bool, int, float), the
/// same in every mode but Debug's nil. Objects write nothing here.
/// `n` in decimal, written into the end of `buf` (20 bytes hold
/// `i64::MIN`). Iterators and `get` instead of indexing, so no panic path
/// is linked with it.
pub fn int_digits(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut rest = n.unsigned_abs();
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        start -= 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        start -= 1;
        if let Some(sign) = buf.get_mut(start) {
            *sign = b'-';
        }
    }
    buf.get(start..).unwrap_or_default()
}

pub fn write_scalar(out: &mut String, v: Val, mode: Mode) {
    match v {
        Val::Nil => out.push_str(if mode == Mode::Debug { "()" } else { "nil" }),
        Val::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Val::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Val::Float(f) => out.push_str(&ruchy_text::float_display(f)),
        Val::Obj(_) => {}
    }
}
