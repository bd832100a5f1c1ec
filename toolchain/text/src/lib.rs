//! Text forms shared by every tier that prints Ruchy values (language
//! reference §7, §10): the bytecode VM and the wasm-hosted runtime.
//!
//! Only the parts that work on numbers and on already-rendered text live
//! here — float printing, the format-spec rules of f-string and
//! `println!`/`format!` holes, padding. Walking a value's structure depends
//! on each tier's object representation, so the hole functions take a
//! `render` callback for that. Keeping these rules in one place is what
//! guarantees that the VM and compiled wasm print the same bytes.
//!
//! `no_std` + `alloc`, so the wasm runtime can use it.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::format;
use alloc::string::{String, ToString};

/// The text forms of a value (§7).
///
/// * `Display` — D(v): strings quoted (no escaping), used for nested values
///   and `{:?}` in f-strings.
/// * `Raw` — R(v): a top-level string is its raw text, else D(v).
/// * `Interp` — I(v) for f-string `{e}`: strings raw at every depth inside
///   arrays, tuples and dicts, quoted inside structs and enum payloads.
/// * `Debug` — Rust `{:?}` for `println!`/`format!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Display,
    Raw,
    Interp,
    Debug,
}

impl Mode {
    /// Mode for the elements of an array, tuple or dict printed in `self`:
    /// only a *top-level* string is raw in `Raw`.
    pub fn elements(self) -> Mode {
        match self {
            Mode::Raw => Mode::Display,
            m => m,
        }
    }

    /// Mode for struct fields and enum payloads: they quote strings even in
    /// f-strings.
    pub fn payload(self) -> Mode {
        if self == Mode::Debug {
            Mode::Debug
        } else {
            Mode::Display
        }
    }
}

/// A parsed format spec (`{:>8.2}` …), independent of where it came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spec {
    pub fill: Option<char>,
    /// `<`, `>` or `^`.
    pub align: Option<char>,
    /// `+` or `-`.
    pub sign: Option<char>,
    /// `#`.
    pub alternate: bool,
    /// `0`.
    pub zero: bool,
    pub width: Option<usize>,
    pub precision: Option<usize>,
    /// `?`, `x`, `X`, `b`, `o`, `e`, `E`, or `None` for display.
    pub kind: Option<char>,
}

/// What a hole needs to know about its value: numbers and strings are
/// formatted here, anything else through the caller's `render`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arg<'a> {
    Int(i64),
    Float(f64),
    Str(&'a str),
    Other,
}

/// `|f|` without `f64::abs`, which is not in `core` on every toolchain.
fn magnitude(f: f64) -> f64 {
    f64::from_bits(f.to_bits() & !(1 << 63))
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
    // round-trip digits padded with zeros (Rust's `{}`), per §10. Below
    // 1.7e38 the conversion to i128 is exact for whole numbers, so a round
    // trip through it tests wholeness without `f64::fract` (std only).
    if f != 0.0 && magnitude(f) < 1.7e38 && (f as i128) as f64 == f {
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

/// f-string hole `{e}` / `{e:?}` / `{e:.N}` (§7): other specs are ignored.
/// `render` gives the value's text in a mode.
pub fn fstring_hole(arg: Arg, spec: &Spec, render: impl FnOnce(Mode) -> String) -> String {
    if spec.kind == Some('?') {
        return render(Mode::Display);
    }
    if let Some(p) = spec.precision {
        match arg {
            Arg::Int(n) => return format!("{:.*}", p, n as f64),
            Arg::Float(f) => return format!("{f:.p$}"),
            _ => {}
        }
    }
    render(Mode::Interp)
}

/// One `println!`/`format!` hole with Rust semantics (§10). `render` gives
/// the text of values that are neither numbers nor strings.
pub fn rust_hole(arg: Arg, spec: &Spec, render: impl FnOnce(Mode) -> String) -> String {
    let body = match (spec.kind, arg) {
        (Some('?'), Arg::Float(f)) => match spec.precision {
            Some(p) => format!("{f:.p$}"),
            None => format!("{f:?}"),
        },
        (Some('?'), _) => render(Mode::Debug),
        (Some(kind @ ('x' | 'X' | 'b' | 'o')), Arg::Int(n)) => radix(n, kind, spec.alternate),
        (Some('e'), Arg::Float(f)) => format!("{f:e}"),
        (Some('e'), Arg::Int(n)) => format!("{:e}", n as f64),
        (_, Arg::Float(f)) => match spec.precision {
            Some(p) => format!("{f:.p$}"),
            None => float_short(f),
        },
        (_, Arg::Int(n)) => n.to_string(),
        // `{:.N}` truncates strings in Rust.
        (_, Arg::Str(s)) => match spec.precision {
            Some(p) => s.chars().take(p).collect(),
            None => s.into(),
        },
        (_, Arg::Other) => render(Mode::Raw),
    };
    let numeric = matches!(arg, Arg::Int(_) | Arg::Float(_));
    let body = if numeric && spec.sign == Some('+') && !body.starts_with('-') { format!("+{body}") } else { body };
    pad(body, spec, numeric)
}

/// `{:x}`, `{:X}`, `{:b}`, `{:o}` (with `#`: `0x…`, `0b…`, `0o…`) of an int,
/// as Rust prints them (two's complement for negatives).
fn radix(n: i64, kind: char, alternate: bool) -> String {
    match (kind, alternate) {
        ('x', false) => format!("{n:x}"),
        ('x', true) => format!("{n:#x}"),
        ('X', false) => format!("{n:X}"),
        ('X', true) => format!("{n:#X}"),
        ('b', false) => format!("{n:b}"),
        ('b', true) => format!("{n:#b}"),
        (_, false) => format!("{n:o}"),
        (_, true) => format!("{n:#o}"),
    }
}

/// Applies width, fill, alignment and zero-padding the way Rust does:
/// numbers right-align by default, everything else left-aligns.
pub fn pad(body: String, spec: &Spec, numeric: bool) -> String {
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
    let mut fill = [0u8; 4];
    let fill: &str = spec.fill.unwrap_or(' ').encode_utf8(&mut fill);
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
        assert_eq!(float_display(0.0), "0.0");
        assert_eq!(float_display(100.0), "100.0");
        assert_eq!(float_display(-2.5), "-2.5");
        assert_eq!(float_display(f64::NAN), "NaN");
        assert_eq!(float_display(f64::NEG_INFINITY), "-inf");
        assert_eq!(float_short(3.0), "3");
        assert_eq!(float_short(f64::INFINITY), "inf");
    }

    #[test]
    fn whole_floats_print_their_exact_integer() {
        assert_eq!(float_display(2f64.powi(64)), "18446744073709551616.0");
        assert_eq!(float_display(-9007199254740993.0), "-9007199254740992.0");
        // At and above 1.7e38: shortest digits padded with zeros.
        assert_eq!(float_display(1.5e300).len(), 301 + 2);
        assert!(float_display(1.5e300).starts_with("15000"));
    }

    #[test]
    fn wholeness_test_matches_fract() {
        for f in [0.5f64, 1.0, -1.0, 1e15 + 0.5, 4503599627370495.5, 1e16, 1.69e38, 1.7e38, 1e-300, -3.75] {
            let expect = f != 0.0 && f.fract() == 0.0 && f.abs() < 1.7e38;
            assert_eq!(f != 0.0 && magnitude(f) < 1.7e38 && (f as i128) as f64 == f, expect, "{f}");
        }
    }

    #[test]
    fn padding_follows_rust() {
        let spec = |w, a| Spec { width: Some(w), align: a, ..Spec::default() };
        assert_eq!(pad("42".into(), &spec(5, None), true), "   42");
        assert_eq!(pad("ab".into(), &spec(6, None), false), "ab    ");
        assert_eq!(pad("ab".into(), &spec(7, Some('^')), false), "  ab   ");
        let zero = Spec { width: Some(6), zero: true, ..Spec::default() };
        assert_eq!(pad("-42".into(), &zero, true), "-00042");
        let fill = Spec { width: Some(5), fill: Some('é'), align: Some('>'), ..Spec::default() };
        assert_eq!(pad("x".into(), &fill, false), "ééééx");
    }

    fn no_render(_: Mode) -> String {
        unreachable!("numbers and strings are formatted without the callback")
    }

    #[test]
    fn rust_holes() {
        let kind = |k| Spec { kind: Some(k), ..Spec::default() };
        assert_eq!(rust_hole(Arg::Int(255), &kind('x'), no_render), "ff");
        assert_eq!(rust_hole(Arg::Int(255), &Spec { alternate: true, ..kind('X') }, no_render), "0xFF");
        assert_eq!(rust_hole(Arg::Int(5), &Spec { alternate: true, ..kind('b') }, no_render), "0b101");
        assert_eq!(rust_hole(Arg::Int(-1), &kind('o'), no_render), "1777777777777777777777");
        assert_eq!(rust_hole(Arg::Float(1234.5), &kind('e'), no_render), "1.2345e3");
        assert_eq!(rust_hole(Arg::Int(1500), &kind('e'), no_render), "1.5e3");
        assert_eq!(rust_hole(Arg::Float(1.0), &kind('?'), no_render), "1.0");
        assert_eq!(rust_hole(Arg::Float(1.0), &Spec::default(), no_render), "1");
        assert_eq!(rust_hole(Arg::Float(2.0), &Spec { precision: Some(2), ..Spec::default() }, no_render), "2.00");
        assert_eq!(rust_hole(Arg::Int(7), &Spec { sign: Some('+'), width: Some(4), ..Spec::default() }, no_render), "  +7");
        assert_eq!(rust_hole(Arg::Str("hello"), &Spec { precision: Some(2), ..Spec::default() }, no_render), "he");
        assert_eq!(rust_hole(Arg::Str("hi"), &Spec { width: Some(4), ..Spec::default() }, no_render), "hi  ");
        assert_eq!(rust_hole(Arg::Other, &kind('?'), |m| format!("{m:?}")), "Debug");
        assert_eq!(rust_hole(Arg::Other, &Spec::default(), |m| format!("{m:?}")), "Raw");
    }

    #[test]
    fn fstring_holes() {
        let prec = |p| Spec { precision: Some(p), ..Spec::default() };
        assert_eq!(fstring_hole(Arg::Int(7), &prec(2), no_render), "7.00");
        assert_eq!(fstring_hole(Arg::Float(2.675), &prec(2), no_render), "2.67");
        assert_eq!(fstring_hole(Arg::Float(0.5), &prec(0), no_render), "0");
        assert_eq!(fstring_hole(Arg::Float(1.5), &prec(0), no_render), "2");
        assert_eq!(fstring_hole(Arg::Str("s"), &prec(1), |m| format!("{m:?}")), "Interp");
        let debug = Spec { kind: Some('?'), ..Spec::default() };
        assert_eq!(fstring_hole(Arg::Int(1), &debug, |m| format!("{m:?}")), "Display");
        // Width and radix are ignored in f-strings.
        let wide = Spec { width: Some(9), kind: Some('x'), ..Spec::default() };
        assert_eq!(fstring_hole(Arg::Int(1), &wide, |m| format!("{m:?}")), "Interp");
    }

    #[test]
    fn container_modes() {
        assert_eq!(Mode::Raw.elements(), Mode::Display);
        assert_eq!(Mode::Interp.elements(), Mode::Interp);
        assert_eq!(Mode::Interp.payload(), Mode::Display);
        assert_eq!(Mode::Debug.payload(), Mode::Debug);
    }
}
