//! Rust `std::fmt` format specs: the text after `:` in `{x:>8.2}`.
//!
//! Grammar (the subset of Rust's that Ruchy programs use):
//! `[[fill]align][sign]['#']['0'][width]['.' precision][type]` where
//! `align` is `<`, `^` or `>`, `sign` is `+` or `-`, width and precision are
//! decimal integers and `type` is empty, `?`, `x`, `X`, `b`, `o`, `e` or `E`.
//! The parser uses it for f-string holes; later stages can use it for
//! `println!`/`format!` placeholders so both agree on one grammar.

use crate::ast::FormatSpec;

/// Parses a spec; the error message says what was wrong.
pub fn parse_format_spec(text: &str) -> Result<FormatSpec, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut spec = FormatSpec::default();
    let is_align = |c: char| matches!(c, '<' | '^' | '>');
    if chars.len() >= 2 && is_align(chars[1]) {
        spec.fill = Some(chars[0]);
        spec.align = Some(chars[1]);
        i = 2;
    } else if chars.first().is_some_and(|&c| is_align(c)) {
        spec.align = Some(chars[0]);
        i = 1;
    }
    if let Some(&c @ ('+' | '-')) = chars.get(i) {
        spec.sign = Some(c);
        i += 1;
    }
    if chars.get(i) == Some(&'#') {
        spec.alternate = true;
        i += 1;
    }
    // A `0` right before the width is the zero-padding flag.
    if chars.get(i) == Some(&'0') {
        spec.zero = true;
        i += 1;
    }
    let (width, next) = number(&chars, i)?;
    spec.width = width;
    i = next;
    if chars.get(i) == Some(&'.') {
        let (precision, next) = number(&chars, i + 1)?;
        if precision.is_none() {
            return Err(format!("expected a precision after '.' in format spec `{text}`"));
        }
        spec.precision = precision;
        i = next;
    }
    let kind: String = chars[i..].iter().collect();
    spec.kind = match kind.as_str() {
        "" => None,
        "?" | "x?" | "X?" => Some('?'),
        "x" | "X" | "b" | "o" | "e" | "E" => kind.chars().next(),
        _ => return Err(format!("invalid format spec `{text}`")),
    };
    Ok(spec)
}

/// Reads decimal digits at `i`; `$` arguments are not supported.
fn number(chars: &[char], mut i: usize) -> Result<(Option<usize>, usize), String> {
    let start = i;
    while chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
        i += 1;
    }
    if i == start {
        return Ok((None, i));
    }
    let digits: String = chars[start..i].iter().collect();
    if chars.get(i) == Some(&'$') {
        return Err("width and precision arguments (`N$`) are not supported".to_string());
    }
    digits.parse().map(|n| (Some(n), i)).map_err(|_| format!("number `{digits}` in format spec is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> FormatSpec {
        parse_format_spec(text).unwrap()
    }

    #[test]
    fn common_specs() {
        assert_eq!(spec(""), FormatSpec::default());
        assert_eq!(spec(".2").precision, Some(2));
        assert_eq!(spec("?").kind, Some('?'));
        assert_eq!(spec(">5"), FormatSpec { align: Some('>'), width: Some(5), ..Default::default() });
        assert_eq!(spec("<10").align, Some('<'));
        assert_eq!(spec("5"), FormatSpec { width: Some(5), ..Default::default() });
        assert_eq!(
            spec("*^+#08.3e"),
            FormatSpec {
                fill: Some('*'),
                align: Some('^'),
                sign: Some('+'),
                alternate: true,
                zero: true,
                width: Some(8),
                precision: Some(3),
                kind: Some('e'),
            }
        );
        assert_eq!(spec("08.2"), FormatSpec { zero: true, width: Some(8), precision: Some(2), ..Default::default() });
        assert_eq!(spec("#x").kind, Some('x'));
        assert_eq!(spec("-^3").align, Some('^'));
    }

    #[test]
    fn bad_specs() {
        assert!(parse_format_spec("zz").is_err());
        assert!(parse_format_spec(".").is_err());
        assert!(parse_format_spec("1$").is_err());
        assert!(parse_format_spec("99999999999999999999999").is_err());
    }
}
