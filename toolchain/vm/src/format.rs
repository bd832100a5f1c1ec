//! Text forms of values (language reference §7).
//!
//! * [`Mode::Display`] — D(v): strings quoted (no escaping), used for nested
//!   values and `{:?}` in f-strings.
//! * [`Mode::Raw`] — R(v): a top-level string is its raw text, else D(v).
//! * [`Mode::Interp`] — I(v) for f-string `{e}`: strings raw at every depth
//!   inside arrays, tuples and dicts, quoted inside structs and enum payloads.
//! * [`Mode::Debug`] — Rust `{:?}` for `println!`/`format!`.

use crate::bytecode::Module;
use crate::heap::{Heap, Obj};
use crate::value::Value;
use ruchy_syntax::ast::FormatSpec;
use std::fmt::Write;

pub use ruchy_text::{float_display, float_short, Mode};

/// The shared spec type of an AST format spec.
fn text_spec(s: &FormatSpec) -> ruchy_text::Spec {
    ruchy_text::Spec {
        fill: s.fill,
        align: s.align,
        sign: s.sign,
        alternate: s.alternate,
        zero: s.zero,
        width: s.width,
        precision: s.precision,
        kind: s.kind,
    }
}

pub struct Formatter<'a> {
    pub heap: &'a Heap,
    pub module: &'a Module,
}

impl Formatter<'_> {
    pub fn to_string(&self, v: Value, mode: Mode) -> String {
        let mut s = String::new();
        self.write(&mut s, v, mode, 0);
        s
    }

    fn write(&self, out: &mut String, v: Value, mode: Mode, depth: usize) {
        if depth > 200 {
            out.push_str("...");
            return;
        }
        match v {
            Value::Nil => out.push_str(if mode == Mode::Debug { "()" } else { "nil" }),
            Value::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Float(f) => out.push_str(&float_display(f)),
            Value::Func(_) | Value::Ctor(..) | Value::Builtin(_) => out.push_str("<function>"),
            Value::Obj(r) => self.write_obj(out, self.heap.get(r), mode, depth),
        }
    }

    fn write_seq(&self, out: &mut String, items: &[Value], mode: Mode, depth: usize) {
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.write(out, *v, mode, depth + 1);
        }
    }

    fn write_obj(&self, out: &mut String, o: &Obj, mode: Mode, depth: usize) {
        let inner = mode.elements();
        let payload_mode = mode.payload();
        match o {
            Obj::Str(s) => match mode {
                Mode::Raw | Mode::Interp => out.push_str(s),
                Mode::Display => {
                    out.push('"');
                    out.push_str(s);
                    out.push('"');
                }
                Mode::Debug => {
                    let _ = write!(out, "{s:?}");
                }
            },
            Obj::Array(items) => {
                out.push('[');
                self.write_seq(out, items, inner, depth);
                out.push(']');
            }
            Obj::Tuple(items) => {
                out.push('(');
                self.write_seq(out, items, inner, depth);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Obj::Dict(d) => {
                out.push('{');
                for (i, (k, v)) in d.sorted().into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if mode == Mode::Debug {
                        let _ = write!(out, "{k:?}");
                    } else {
                        out.push_str(k);
                    }
                    out.push_str(": ");
                    self.write(out, v, inner, depth + 1);
                }
                out.push('}');
            }
            Obj::Struct { def, fields } => {
                let info = &self.module.structs[*def as usize];
                out.push_str(&info.name);
                if mode == Mode::Debug {
                    // Rust's derive(Debug): declaration order.
                    out.push_str(" { ");
                    for (i, (name, v)) in info.fields.iter().zip(fields).enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        let _ = write!(out, "{name}: ");
                        self.write(out, *v, Mode::Debug, depth + 1);
                    }
                    out.push_str(" }");
                    return;
                }
                // Display form: fields sorted by name.
                let mut order: Vec<usize> = (0..fields.len()).collect();
                order.sort_by(|a, b| info.fields[*a].cmp(&info.fields[*b]));
                out.push_str(" {");
                for (i, fi) in order.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{}: ", info.fields[fi]);
                    self.write(out, fields[fi], payload_mode, depth + 1);
                }
                out.push('}');
            }
            Obj::Enum { def, variant, payload } => {
                let (name, _, _) = &self.module.enums[*def as usize].variants[*variant as usize];
                out.push_str(name);
                if !payload.is_empty() {
                    out.push('(');
                    self.write_seq(out, payload, payload_mode, depth);
                    out.push(')');
                }
            }
            Obj::Range { start, end, inclusive } => {
                if *start != Value::Nil {
                    self.write(out, *start, Mode::Display, depth + 1);
                }
                out.push_str(if *inclusive { "..=" } else { ".." });
                if *end != Value::Nil {
                    self.write(out, *end, Mode::Display, depth + 1);
                }
            }
            Obj::Closure { .. } => out.push_str("<function>"),
            Obj::Cell(v) => self.write(out, *v, mode, depth),
            Obj::Iter { .. } => out.push_str("<iterator>"),
            Obj::Free => out.push_str("<freed>"),
        }
    }

    /// The shared hole functions' view of a value: numbers and strings
    /// are formatted by them, anything else by `to_string`.
    fn hole_arg(&self, v: Value) -> ruchy_text::Arg<'_> {
        match v {
            Value::Int(n) => ruchy_text::Arg::Int(n),
            Value::Float(f) => ruchy_text::Arg::Float(f),
            Value::Obj(r) => match self.heap.get(r) {
                Obj::Str(s) => ruchy_text::Arg::Str(s),
                _ => ruchy_text::Arg::Other,
            },
            _ => ruchy_text::Arg::Other,
        }
    }

    /// f-string hole `{e}` / `{e:?}` / `{e:.N}` (§7): other specs are ignored.
    pub fn fstring_hole(&self, v: Value, spec: &FormatSpec) -> String {
        ruchy_text::fstring_hole(self.hole_arg(v), &text_spec(spec), |mode| self.to_string(v, mode))
    }

    /// One `println!`/`format!` hole with Rust semantics.
    pub fn rust_hole(&self, v: Value, spec: &FormatSpec) -> String {
        ruchy_text::rust_hole(self.hole_arg(v), &text_spec(spec), |mode| self.to_string(v, mode))
    }
}

