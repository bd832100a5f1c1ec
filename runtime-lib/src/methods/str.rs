//! Methods of strings (VM `string_method`). Strings are immutable here:
//! `push_str`/`push` build the new string and hand it back as the
//! receiver's new value.

use super::{int_arg, Args, Out};
use crate::env::{self, box_val, new_str, root, scope, Env};
use crate::error::{bail, Res};
use crate::layout::K_PTR;
use crate::ops::{self, type_name};
use crate::places::{self, byte_of_char};
use crate::strings;
use crate::value::{decode_ptr, kind, Val};
use alloc::string::String;

/// The text of a string argument, or `{name} expects a string argument`.
fn arg_str<'a>(name: &str, v: u32) -> Res<&'a str> {
    match decode_ptr(v) {
        // SAFETY: arguments are rooted by the caller for the whole call.
        Val::Obj(o) if kind(o) == crate::layout::STR => Ok(unsafe { strings::as_str(o) }),
        x => bail!("Type error: {name} expects a string argument, got {}", type_name(x)),
    }
}

/// A new array of strings, one per piece: slices of the rooted receiver.
fn pieces<'a, E: Env>(env: &mut E, parts: impl Iterator<Item = &'a str>) -> u32 {
    scope(env, |env| {
        let out = env::new_array(env, K_PTR, 0);
        root(env, out);
        for p in parts {
            env.heap(|h| {
                let s = strings::new_str(h, p.as_bytes());
                crate::arrays::push(h, out, s as u64);
            });
        }
        out
    })
}

/// Each char of `s` as a slice of `s`.
fn char_strs(s: &str) -> impl Iterator<Item = &str> {
    s.char_indices().map(move |(i, c)| &s[i..i + c.len_utf8()])
}

/// Whether `s` is non-empty and every char passes `f`.
fn all_chars(s: &str, f: fn(char) -> bool) -> Val {
    Val::Bool(!s.is_empty() && s.chars().all(f))
}

/// `recv.name(args…)` for a string `recv`.
pub fn method<E: Env>(env: &mut E, recv: u32, name: &str, args: &Args) -> Res<Out> {
    // SAFETY: the receiver is rooted by the caller for the whole call, and
    // strings never move.
    let s = unsafe { strings::as_str(recv) };
    let arg = |i: usize| args.get(i);
    let text = |env: &mut E, t: &str| new_str(env, t.as_bytes());
    let v: u32 = match name {
        "len" => box_val(env, Val::Int(s.len() as i64)),
        "is_empty" => box_val(env, Val::Bool(s.is_empty())),
        "to_uppercase" | "to_upper" => {
            let t = s.to_uppercase();
            text(env, &t)
        }
        "to_lowercase" | "to_lower" => {
            let t = s.to_lowercase();
            text(env, &t)
        }
        "trim" => text(env, s.trim()),
        "trim_start" => text(env, s.trim_start()),
        "trim_end" => text(env, s.trim_end()),
        "chars" => pieces(env, char_strs(s)),
        "bytes" => scope(env, |env| {
            let out = env::new_array(env, K_PTR, s.len() as u32);
            root(env, out);
            for b in s.bytes() {
                env::push_val(env, out, Val::Int(b as i64));
            }
            out
        }),
        "lines" => pieces(env, s.lines()),
        "split_whitespace" => pieces(env, s.split_whitespace()),
        "split" => {
            let sep = arg_str(name, arg(0))?;
            let mut chars = sep.chars();
            match (chars.next(), chars.next()) {
                (None, _) => pieces(env, char_strs(s)),
                // One char: the same pieces, found by a byte search rather
                // than the general substring searcher.
                (Some(c), None) => pieces(env, s.split(c)),
                _ => pieces(env, s.split(sep)),
            }
        }
        "contains" => box_val(env, Val::Bool(s.contains(arg_str(name, arg(0))?))),
        "starts_with" => box_val(env, Val::Bool(s.starts_with(arg_str(name, arg(0))?))),
        "ends_with" => box_val(env, Val::Bool(s.ends_with(arg_str(name, arg(0))?))),
        "find" | "index_of" => {
            let pat = arg_str(name, arg(0))?;
            let pos = s.find(pat).map(|b| s[..b].chars().count() as i64);
            if name == "find" {
                match pos {
                    Some(p) => {
                        let b = box_val(env, Val::Int(p));
                        env::some(env, b)
                    }
                    None => env::none(env),
                }
            } else {
                box_val(env, Val::Int(pos.unwrap_or(-1)))
            }
        }
        "replace" => {
            let (a, b) = (arg_str(name, arg(0))?, arg_str(name, arg(1))?);
            let t = s.replace(a, b);
            text(env, &t)
        }
        "repeat" => {
            let n = int_arg(args.val(0))?;
            let t = s.repeat(n.max(0) as usize);
            text(env, &t)
        }
        "parse" | "to_int" => match s.trim().parse::<i64>() {
            Ok(n) => box_val(env, Val::Int(n)),
            Err(_) => match s.trim().parse::<f64>() {
                Ok(f) if name == "parse" && s.contains('.') => box_val(env, Val::Float(f)),
                _ => bail!("Failed to parse '{s}' as integer"),
            },
        },
        "to_float" => match s.trim().parse::<f64>() {
            Ok(f) => box_val(env, Val::Float(f)),
            Err(_) => bail!("Failed to parse '{s}' as float"),
        },
        "char_at" | "nth" => {
            let i = int_arg(args.val(0))?;
            places::index_val(env, recv, Val::Int(i))?
        }
        "substring" | "slice" => {
            let count = places::char_count(recv) as usize;
            let a = (int_arg(args.val(0))?.max(0) as usize).min(count);
            let b = if args.len() > 1 { (int_arg(args.val(1))?.max(0) as usize).min(count) } else { count };
            let b = b.max(a);
            let (x, y) = if s.is_ascii() { (a, b) } else { (byte_of_char(s, a as u32), byte_of_char(s, b as u32)) };
            text(env, &s[x..y])
        }
        "push_str" | "push" => {
            let mut t = String::from(s);
            t.push_str(&ops::concat_text(&env::printer(env), args.val(0)));
            let new_self = text(env, &t);
            return Ok(Out { value: 0, new_self: Some(new_self) });
        }
        "is_alphabetic" => box_val(env, all_chars(s, char::is_alphabetic)),
        "is_numeric" | "is_digit" | "is_ascii_digit" => box_val(env, all_chars(s, |c| c.is_ascii_digit())),
        "is_alphanumeric" => box_val(env, all_chars(s, char::is_alphanumeric)),
        "is_whitespace" => box_val(env, all_chars(s, char::is_whitespace)),
        "is_uppercase" => box_val(env, all_chars(s, char::is_uppercase)),
        "is_lowercase" => box_val(env, all_chars(s, char::is_lowercase)),
        "reverse" | "rev" => {
            let t: String = s.chars().rev().collect();
            text(env, &t)
        }
        "cmp" => {
            let o = arg_str(name, arg(0))?;
            box_val(env, Val::Int(super::ordering_int(Some(s.cmp(o)))))
        }
        "to_digit" => match s.chars().next().and_then(|c| c.to_digit(10)) {
            Some(d) => {
                let b = box_val(env, Val::Int(d as i64));
                env::some(env, b)
            }
            None => env::none(env),
        },
        _ => bail!("Unknown string method: {name}"),
    };
    Ok(Out::value(v))
}

#[cfg(test)]
mod tests {
    use crate::env::test::TestEnv;
    use crate::methods::tests::{call, call_out};

    #[test]
    fn string_methods() {
        let mut t = TestEnv::new();
        let s = t.str("  Héllo wörld  ");
        assert_eq!(call(&mut t, s, "len", &[]), "17");
        assert_eq!(call(&mut t, s, "trim", &[]), "\"Héllo wörld\"");
        assert_eq!(call(&mut t, s, "to_uppercase", &[]), "\"  HÉLLO WÖRLD  \"");
        assert_eq!(call(&mut t, s, "split_whitespace", &[]), "[\"Héllo\", \"wörld\"]");
        let o = t.str("ö");
        assert_eq!(call(&mut t, s, "find", &[o]), "Some(9)");
        assert_eq!(call(&mut t, s, "index_of", &[o]), "9");
        let csv = t.str("a,,b");
        let comma = t.str(",");
        let empty = t.str("");
        assert_eq!(call(&mut t, csv, "split", &[comma]), "[\"a\", \"\", \"b\"]");
        assert_eq!(call(&mut t, csv, "split", &[empty]), "[\"a\", \",\", \",\", \"b\"]");
        let one = t.int(1);
        let three = t.int(3);
        assert_eq!(call(&mut t, csv, "split", &[one]), "error: Type error: split expects a string argument, got integer");
        let word = t.str("wörld");
        assert_eq!(call(&mut t, word, "substring", &[one, three]), "\"ör\"");
        assert_eq!(call(&mut t, word, "char_at", &[one]), "\"ö\"");
        let neg = t.int(-1);
        assert_eq!(call(&mut t, word, "char_at", &[neg]), "\"d\"");
        assert_eq!(call(&mut t, word, "reverse", &[]), "\"dlröw\"");
        assert_eq!(call(&mut t, word, "chars", &[]), "[\"w\", \"ö\", \"r\", \"l\", \"d\"]");
        assert_eq!(call(&mut t, csv, "bytes", &[]), "[97, 44, 44, 98]");
        let n = t.str(" 42 ");
        assert_eq!(call(&mut t, n, "parse", &[]), "42");
        let f = t.str("2.5");
        assert_eq!(call(&mut t, f, "parse", &[]), "2.5");
        assert_eq!(call(&mut t, f, "to_int", &[]), "error: Failed to parse '2.5' as integer");
        assert_eq!(call(&mut t, word, "to_float", &[]), "error: Failed to parse 'wörld' as float");
        assert_eq!(call(&mut t, word, "repeat", &[three]).len(), 2 + 3 * 6);
        assert_eq!(call(&mut t, word, "frob", &[]), "error: Unknown string method: frob");
        let digit = t.str("7x");
        assert_eq!(call(&mut t, digit, "to_digit", &[]), "Some(7)");
        assert_eq!(call(&mut t, digit, "is_numeric", &[]), "false");
        assert_eq!(call(&mut t, empty, "is_numeric", &[]), "false");
        let lines = t.str("a\nb\r\nc\n");
        assert_eq!(call(&mut t, lines, "lines", &[]), "[\"a\", \"b\", \"c\"]");
        // push_str hands the new string over as the receiver's new value.
        let x = t.float(3.0);
        let (v, new_self) = call_out(&mut t, word, "push_str", &[x]);
        assert_eq!(v, "nil");
        assert_eq!(new_self.as_deref(), Some("\"wörld3\""));
        assert_eq!(t.show(word), "\"wörld\"", "the receiver itself is immutable");
    }
}
