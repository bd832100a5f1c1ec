//! Rust-style format templates (`println!`, `format!`) and format specs.
//!
//! The HIR lowering splits each template once at compile time; specs use
//! the same grammar as f-string holes ([`crate::format_spec`]).

use crate::ast::FormatSpec;

/// Which argument a `{}` hole takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgRef {
    /// `{}`: the next positional argument.
    Next,
    /// `{0}`
    Index(usize),
    /// `{name}`: a variable captured from the surrounding scope.
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Lit(String),
    Hole { arg: ArgRef, spec: FormatSpec },
}

/// Splits a template into literal text and holes; `{{`/`}}` are braces.
pub fn parse_template(t: &str) -> Result<Vec<Segment>, String> {
    let mut out = vec![];
    let mut lit = String::new();
    let mut chars = t.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let rest = &t[i + 1..];
                let end = rest.find('}').ok_or_else(|| "unclosed `{` in format string".to_string())?;
                let inner = &rest[..end];
                for _ in 0..inner.chars().count() + 1 {
                    chars.next();
                }
                if !lit.is_empty() {
                    out.push(Segment::Lit(std::mem::take(&mut lit)));
                }
                let (arg, spec) = match inner.split_once(':') {
                    Some((a, s)) => (a, parse_spec(s)?),
                    None => (inner, FormatSpec::default()),
                };
                let arg = arg.trim();
                let arg = if arg.is_empty() {
                    ArgRef::Next
                } else if let Ok(n) = arg.parse::<usize>() {
                    ArgRef::Index(n)
                } else if arg.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    ArgRef::Name(arg.to_string())
                } else {
                    return Err(format!("invalid format argument `{arg}`"));
                };
                out.push(Segment::Hole { arg, spec });
            }
            '}' => return Err("unmatched `}` in format string".into()),
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Segment::Lit(lit));
    }
    Ok(out)
}

pub use crate::format_spec::parse_format_spec as parse_spec;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_holes_and_braces() {
        let segs = parse_template("a{{b}} {} {:?} {0:>5} {x:.2}").unwrap();
        assert_eq!(segs.len(), 8);
        assert_eq!(segs[0], Segment::Lit("a{b} ".into()));
        assert!(matches!(&segs[3], Segment::Hole { spec, .. } if spec.kind == Some('?')));
        assert!(matches!(&segs[5], Segment::Hole { arg: ArgRef::Index(0), spec } if spec.align == Some('>') && spec.width == Some(5)));
        assert!(matches!(&segs[7], Segment::Hole { arg: ArgRef::Name(n), spec } if n == "x" && spec.precision == Some(2)));
    }

    #[test]
    fn rejects_unbalanced_braces() {
        assert!(parse_template("{").is_err());
        assert!(parse_template("a } b").is_err());
    }
}
