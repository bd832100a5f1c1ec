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

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Display,
    Raw,
    Interp,
    Debug,
}

/// Shortest round-trip float text, never in exponent form; whole numbers
/// get `.0` (`1e21` → `1000000000000000000000.0`).
pub fn float_display(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Whole floats in i128 range print their exact integer value
    // (`2 ** 64` → `18446744073709551616.0`); larger ones print the shortest
    // round-trip digits padded with zeros (Rust's `{}`), per §10.
    if f.fract() == 0.0 && f.abs() < 1.7e38 && f != 0.0 {
        return format!("{}.0", f as i128);
    }
    // Rust's `{}` for f64 is shortest round-trip without exponent.
    let mut s = format!("{f}");
    if !s.contains('.') {
        s.push_str(".0");
    }
    s
}

/// The short form used by `to_string()`, string concatenation and Rust's
/// `{}`: whole floats print without `.0` (`3.0` → `3`).
pub fn float_short(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{f}")
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

    /// Mode used for the elements of a container printed in `mode`.
    fn inner_mode(mode: Mode) -> Mode {
        match mode {
            Mode::Raw => Mode::Display,
            m => m,
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
        let inner = Self::inner_mode(mode);
        // Struct fields and enum payloads quote strings even in f-strings.
        let payload_mode = if mode == Mode::Debug { Mode::Debug } else { Mode::Display };
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

    /// f-string hole `{e}` / `{e:?}` / `{e:.N}` (§7): other specs are ignored.
    pub fn fstring_hole(&self, v: Value, spec: &FormatSpec) -> String {
        if spec.kind == Some('?') {
            return self.to_string(v, Mode::Display);
        }
        if let Some(p) = spec.precision {
            match v {
                Value::Int(n) => return format!("{:.*}", p, n as f64),
                Value::Float(f) => return format!("{f:.p$}"),
                _ => {}
            }
        }
        self.to_string(v, Mode::Interp)
    }

    /// One `println!`/`format!` hole with Rust semantics.
    pub fn rust_hole(&self, v: Value, spec: &FormatSpec) -> String {
        let body = match (spec.kind, v) {
            (Some('?'), Value::Float(f)) => match spec.precision {
                Some(p) => format!("{f:.p$}"),
                None => format!("{f:?}"),
            },
            (Some('?'), _) => self.to_string(v, Mode::Debug),
            (Some('x'), Value::Int(n)) => if spec.alternate { format!("{n:#x}") } else { format!("{n:x}") },
            (Some('X'), Value::Int(n)) => if spec.alternate { format!("{n:#X}") } else { format!("{n:X}") },
            (Some('b'), Value::Int(n)) => if spec.alternate { format!("{n:#b}") } else { format!("{n:b}") },
            (Some('o'), Value::Int(n)) => if spec.alternate { format!("{n:#o}") } else { format!("{n:o}") },
            (Some('e'), Value::Float(f)) => format!("{f:e}"),
            (Some('e'), Value::Int(n)) => format!("{:e}", n as f64),
            (_, Value::Float(f)) => match spec.precision {
                Some(p) => format!("{f:.p$}"),
                None => float_short(f),
            },
            (_, Value::Int(n)) => n.to_string(),
            (_, Value::Obj(r)) => match self.heap.get(r) {
                Obj::Str(s) => match spec.precision {
                    // `{:.N}` truncates strings in Rust.
                    Some(p) => s.chars().take(p).collect(),
                    None => s.to_string(),
                },
                _ => self.to_string(v, Mode::Raw),
            },
            _ => self.to_string(v, Mode::Raw),
        };
        let numeric = matches!(v, Value::Int(_) | Value::Float(_));
        let body = if numeric && spec.sign == Some('+') && !body.starts_with('-') { format!("+{body}") } else { body };
        pad(body, spec, numeric)
    }
}

/// Applies width, fill, alignment and zero-padding the way Rust does:
/// numbers right-align by default, everything else left-aligns.
fn pad(body: String, spec: &FormatSpec, numeric: bool) -> String {
    let Some(width) = spec.width else { return body };
    let len = body.chars().count();
    if len >= width {
        return body;
    }
    let n = width - len;
    if spec.zero && numeric && spec.align.is_none() {
        let (sign, digits) = match body.strip_prefix(['-', '+']) {
            Some(rest) => (&body[..1], rest),
            None => ("", body.as_str()),
        };
        return format!("{sign}{}{digits}", "0".repeat(n));
    }
    let fill = spec.fill.unwrap_or(' ').to_string();
    let align = spec.align.unwrap_or(if numeric { '>' } else { '<' });
    match align {
        '>' => format!("{}{body}", fill.repeat(n)),
        '^' => format!("{}{body}{}", fill.repeat(n / 2), fill.repeat(n - n / 2)),
        _ => format!("{body}{}", fill.repeat(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_shortest_without_exponent() {
        assert_eq!(float_display(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float_display(1e21), "1000000000000000000000.0");
        assert_eq!(float_display(1e-7), "0.0000001");
        assert_eq!(float_display(-0.0), "-0.0");
        assert_eq!(float_display(100.0), "100.0");
        assert_eq!(float_display(f64::NAN), "NaN");
        assert_eq!(float_short(3.0), "3");
    }

    #[test]
    fn padding_follows_rust() {
        let spec = |w, a| FormatSpec { width: Some(w), align: a, ..FormatSpec::default() };
        assert_eq!(pad("42".into(), &spec(5, None), true), "   42");
        assert_eq!(pad("ab".into(), &spec(6, None), false), "ab    ");
        assert_eq!(pad("ab".into(), &spec(7, Some('^')), false), "  ab   ");
    }
}
