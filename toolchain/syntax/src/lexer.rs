//! Source text → [`Token`]s (§2 of the language reference).
//!
//! The lexer never stops at an error: a bad character, an unterminated
//! string or comment, or an out-of-range integer produces a [`Diagnostic`]
//! and lexing resumes right after the problem, so the parser still sees a
//! plausible token stream and can report its own independent errors.
//!
//! Decisions worth knowing:
//! * Newlines are not tokens; [`Token::newline_before`] records them.
//! * Right after a `.` a number is lexed as digits only, so the tuple access
//!   `t.0.1` becomes `t . 0 . 1` instead of `t . 0.1` (the reference lexer
//!   mis-lexes it; accepting it costs nothing).
//! * `'` starts a label/lifetime (`'outer`) when an identifier follows that
//!   is not closed by another `'`; otherwise it starts a character or
//!   single-quoted string literal that must close on the same line. Both
//!   literal kinds become [`TokenKind::Str`].
//! * f-strings are split into literal parts and holes here; holes keep their
//!   source text and file offset so that the parser can lex and parse them
//!   with correct spans.

use crate::diag::Diagnostic;
use crate::span::Span;
use crate::token::{FStrPart, Kw, Token, TokenKind};

/// Lexes a whole file. The result always ends with a [`TokenKind::Eof`] token.
pub fn lex(src: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    lex_at(src, 0)
}

/// Lexes `src` as if it started at byte `base` of the file (used for the
/// expression text of f-string holes), so spans point into the real file.
pub fn lex_at(src: &str, base: u32) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lexer = Lexer { src, pos: 0, base, tokens: Vec::new(), diags: Vec::new(), newline: true };
    lexer.run();
    (lexer.tokens, lexer.diags)
}

/// Renders tokens one per line (`--emit tokens`): `line-start offsets`,
/// a `NL` marker when a newline precedes the token, and the token itself.
pub fn dump_tokens(tokens: &[Token]) -> String {
    let mut out = String::new();
    for t in tokens {
        let nl = if t.newline_before { "NL " } else { "" };
        out.push_str(&format!("{}..{} {nl}{}\n", t.span.start, t.span.end, describe(&t.kind)));
    }
    out
}

/// Token text for [`dump_tokens`]: payloads are shown in Rust debug form.
fn describe(kind: &TokenKind) -> String {
    match kind {
        TokenKind::Int(v) => format!("Int({v})"),
        TokenKind::Float(v) => format!("Float({v:?})"),
        TokenKind::Str(s) => format!("Str({s:?})"),
        TokenKind::Ident(s) => format!("Ident({s})"),
        TokenKind::Kw(k) => format!("Kw({})", k.as_str()),
        TokenKind::Lifetime(s) => format!("Label('{s})"),
        TokenKind::Attribute(s) => format!("Attribute({s:?})"),
        TokenKind::FStr(parts) => {
            let inner: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    FStrPart::Lit(s) => format!("{s:?}"),
                    FStrPart::Hole { src, offset, spec: None } => format!("{{{src}@{offset}}}"),
                    FStrPart::Hole { src, offset, spec: Some((spec, _)) } => format!("{{{src}@{offset}:{spec}}}"),
                })
                .collect();
            format!("FStr[{}]", inner.join(" "))
        }
        TokenKind::Eof => "Eof".to_string(),
        other => other.punct_str().unwrap_or("?").to_string(),
    }
}

/// Punctuation, longest spellings first so that maximal munch is a simple
/// first-match search.
const PUNCTS: &[(&str, TokenKind)] = &[
    ("**=", TokenKind::StarStarEq),
    ("<<=", TokenKind::ShlEq),
    (">>=", TokenKind::ShrEq),
    ("..=", TokenKind::DotDotEq),
    ("...", TokenKind::DotDotDot),
    ("**", TokenKind::StarStar),
    ("==", TokenKind::EqEq),
    ("!=", TokenKind::NotEq),
    ("<=", TokenKind::Le),
    (">=", TokenKind::Ge),
    ("&&", TokenKind::AndAnd),
    ("||", TokenKind::OrOr),
    ("<<", TokenKind::Shl),
    (">>", TokenKind::Shr),
    ("+=", TokenKind::PlusEq),
    ("-=", TokenKind::MinusEq),
    ("*=", TokenKind::StarEq),
    ("/=", TokenKind::SlashEq),
    ("%=", TokenKind::PercentEq),
    ("&=", TokenKind::AndEq),
    ("|=", TokenKind::OrEq),
    ("^=", TokenKind::CaretEq),
    ("..", TokenKind::DotDot),
    ("->", TokenKind::Arrow),
    ("=>", TokenKind::FatArrow),
    ("::", TokenKind::ColonColon),
    ("??", TokenKind::QuestionQuestion),
    ("?.", TokenKind::QuestionDot),
    ("|>", TokenKind::Pipeline),
    ("(", TokenKind::LParen),
    (")", TokenKind::RParen),
    ("[", TokenKind::LBracket),
    ("]", TokenKind::RBracket),
    ("{", TokenKind::LBrace),
    ("}", TokenKind::RBrace),
    ("+", TokenKind::Plus),
    ("-", TokenKind::Minus),
    ("*", TokenKind::Star),
    ("/", TokenKind::Slash),
    ("%", TokenKind::Percent),
    ("<", TokenKind::Lt),
    (">", TokenKind::Gt),
    ("!", TokenKind::Bang),
    ("~", TokenKind::Tilde),
    ("&", TokenKind::And),
    ("|", TokenKind::Or),
    ("^", TokenKind::Caret),
    ("=", TokenKind::Eq),
    (":", TokenKind::Colon),
    (";", TokenKind::Semi),
    (",", TokenKind::Comma),
    (".", TokenKind::Dot),
    ("?", TokenKind::Question),
    ("@", TokenKind::At),
];

/// Integer suffixes are accepted and ignored (§2); float suffixes make the
/// literal a float.
const INT_SUFFIXES: &[&str] = &["i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize"];
const FLOAT_SUFFIXES: &[&str] = &["f32", "f64"];

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    base: u32,
    tokens: Vec<Token>,
    diags: Vec<Diagnostic>,
    /// A newline was skipped since the last token.
    newline: bool,
}

impl<'a> Lexer<'a> {
    fn run(&mut self) {
        loop {
            self.skip_trivia();
            if self.pos >= self.src.len() {
                let end = self.src.len();
                self.push(end, TokenKind::Eof);
                return;
            }
            let start = self.pos;
            if let Some(kind) = self.token(start) {
                self.push(start, kind);
            }
        }
    }

    fn push(&mut self, start: usize, kind: TokenKind) {
        let span = self.span(start, self.pos);
        self.tokens.push(Token { kind, span, newline_before: self.newline });
        self.newline = false;
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(start + self.base as usize, end + self.base as usize)
    }

    fn error(&mut self, start: usize, end: usize, msg: impl Into<String>) {
        let span = self.span(start, end);
        self.diags.push(Diagnostic::error(span, msg));
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat_while(&mut self, pred: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !pred(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        &self.src[start..self.pos]
    }

    /// Skips whitespace and comments, noting newlines.
    fn skip_trivia(&mut self) {
        loop {
            let rest = self.rest();
            let Some(c) = rest.chars().next() else { return };
            if c == '\n' {
                self.newline = true;
                self.pos += 1;
            } else if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else if rest.starts_with("//") {
                self.eat_while(|c| c != '\n');
            } else if rest.starts_with("/*") {
                self.block_comment();
            } else if c == '#' && !rest.starts_with("#[") && !rest.starts_with("#![") {
                // `#` comments, including a leading `#!` interpreter line.
                self.eat_while(|c| c != '\n');
            } else {
                return;
            }
        }
    }

    /// A nestable `/* … */` comment.
    fn block_comment(&mut self) {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1;
        while depth > 0 {
            let rest = self.rest();
            if rest.is_empty() {
                self.error(start, start + 2, "unterminated block comment");
                return;
            }
            if rest.starts_with("/*") {
                depth += 1;
                self.pos += 2;
            } else if rest.starts_with("*/") {
                depth -= 1;
                self.pos += 2;
            } else {
                if rest.starts_with('\n') {
                    self.newline = true;
                }
                self.bump();
            }
        }
    }

    /// Lexes one token starting at `start`; None when the input there is
    /// not a token (a diagnostic has been recorded and input consumed).
    fn token(&mut self, start: usize) -> Option<TokenKind> {
        let c = self.peek()?;
        if is_ident_start(c) {
            return Some(self.word(start));
        }
        if c.is_ascii_digit() {
            return Some(self.number(start));
        }
        match c {
            '"' => {
                self.pos += 1;
                return Some(TokenKind::Str(self.quoted('"', start, "string literal")));
            }
            '\'' => return Some(self.single_quote(start)),
            '#' => return Some(self.attribute(start)),
            _ => {}
        }
        let rest = self.rest();
        if let Some((text, kind)) = PUNCTS.iter().find(|(p, _)| rest.starts_with(p)) {
            self.pos += text.len();
            return Some(kind.clone());
        }
        self.bump();
        self.error(start, self.pos, format!("unexpected character {c:?}"));
        None
    }

    /// Identifiers, keywords, and the `f"…"`, `r"…"`, `r#"…"#` prefixes.
    fn word(&mut self, start: usize) -> TokenKind {
        let rest = self.rest();
        if rest.starts_with("f\"") {
            self.pos += 2;
            return self.fstring(start);
        }
        if rest.starts_with("r\"") || rest.starts_with("r#") {
            let hashes = rest[1..].bytes().take_while(|&b| b == b'#').count();
            if rest[1 + hashes..].starts_with('"') {
                self.pos += 2 + hashes;
                return self.raw_string(start, hashes);
            }
        }
        let word = self.eat_while(is_ident_char);
        match Kw::from_word(word) {
            Some(kw) => TokenKind::Kw(kw),
            None => TokenKind::Ident(word.to_string()),
        }
    }

    fn number(&mut self, start: usize) -> TokenKind {
        let rest = self.rest();
        if (rest.starts_with("0x") || rest.starts_with("0X"))
            && rest[2..].chars().next().is_some_and(|c| c.is_ascii_hexdigit())
        {
            self.pos += 2;
            // `_` separates digit groups (`0xFF_FF`), as in Rust.
            let digits = self.eat_while(|c| c.is_ascii_hexdigit() || c == '_').replace('_', "");
            let value = u64::from_str_radix(&digits, 16).ok().and_then(|v| i64::try_from(v).ok());
            self.number_suffix(false);
            return self.int_value(start, value);
        }
        let after_dot =
            matches!(self.tokens.last(), Some(t) if matches!(t.kind, TokenKind::Dot | TokenKind::QuestionDot));
        let digit_or_separator = |c: char| c.is_ascii_digit() || c == '_';
        if after_dot {
            self.eat_while(|c| c.is_ascii_digit());
        } else {
            self.eat_while(digit_or_separator);
        }
        let mut is_float = false;
        if !after_dot {
            if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
                self.eat_while(digit_or_separator);
                is_float = true;
            }
            if self.exponent_follows() {
                self.pos += 1;
                if matches!(self.peek(), Some('+' | '-')) {
                    self.pos += 1;
                }
                self.eat_while(|c| c.is_ascii_digit());
                is_float = true;
            }
        }
        let text = self.src[start..self.pos].replace('_', "");
        if self.number_suffix(after_dot) || is_float {
            return TokenKind::Float(text.parse().unwrap_or(0.0));
        }
        self.int_value(start, text.parse::<i64>().ok())
    }

    /// `e10`, `E-7`, `e+3` after the mantissa.
    fn exponent_follows(&self) -> bool {
        if !matches!(self.peek(), Some('e' | 'E')) {
            return false;
        }
        match self.peek_at(1) {
            Some(c) if c.is_ascii_digit() => true,
            Some('+' | '-') => self.peek_at(2).is_some_and(|c| c.is_ascii_digit()),
            _ => false,
        }
    }

    /// Consumes a type suffix (`i64`, `usize`, `f64`, …); returns true for a
    /// float suffix. Unknown suffixes are reported. After a `.` (tuple
    /// index) no suffix is taken, so `t.0.field` style input stays intact.
    fn number_suffix(&mut self, after_dot: bool) -> bool {
        if after_dot || !self.peek().is_some_and(is_ident_start) {
            return false;
        }
        let start = self.pos;
        let suffix = self.eat_while(is_ident_char);
        if FLOAT_SUFFIXES.contains(&suffix) {
            return true;
        }
        if !INT_SUFFIXES.contains(&suffix) {
            self.error(start, self.pos, format!("invalid suffix `{suffix}` on a number literal"));
        }
        false
    }

    fn int_value(&mut self, start: usize, value: Option<i64>) -> TokenKind {
        match value {
            Some(v) => TokenKind::Int(v),
            None => {
                self.error(start, self.pos, "integer literal is too large (integers are 64-bit)");
                TokenKind::Int(0)
            }
        }
    }

    /// The body of a `"…"` or `'…'` literal after its opening quote, with
    /// escapes processed. Reports an unterminated literal at `start`.
    fn quoted(&mut self, quote: char, start: usize, what: &str) -> String {
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    self.error(start, self.pos, format!("unterminated {what}"));
                    return out;
                }
                Some(c) if c == quote => return out,
                Some('\n') if quote == '\'' => {
                    self.pos -= 1;
                    self.error(start, self.pos, format!("unterminated {what}"));
                    return out;
                }
                Some('\\') => self.escape(&mut out),
                // Raw newlines are allowed in `"…"` strings.
                Some(c) => out.push(c),
            }
        }
    }

    /// After a backslash: appends the escaped character. Unknown escapes
    /// are kept verbatim (`\q` stays backslash-q), per §2.
    fn escape(&mut self, out: &mut String) {
        let esc_start = self.pos - 1;
        let Some(c) = self.peek() else {
            out.push('\\');
            return;
        };
        let mapped = match c {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            '\\' => Some('\\'),
            '"' => Some('"'),
            '\'' => Some('\''),
            '0' => Some('\0'),
            _ => None,
        };
        if let Some(m) = mapped {
            self.pos += 1;
            out.push(m);
            return;
        }
        if c == 'u' && self.peek_at(1) == Some('{') {
            if let Some(ch) = self.unicode_escape(esc_start) {
                out.push(ch);
                return;
            }
        }
        out.push('\\');
    }

    /// `\u{263A}` with the cursor on the `u`. On success consumes it; an
    /// invalid code point is reported and the text is kept verbatim.
    fn unicode_escape(&mut self, esc_start: usize) -> Option<char> {
        let rest = &self.rest()[2..];
        let hex_len = rest.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
        if hex_len == 0 || hex_len > 6 || !rest[hex_len..].starts_with('}') {
            let end = self.pos + 1;
            self.error(esc_start, end, "invalid unicode escape; expected \\u{HEX}");
            return None;
        }
        let code = u32::from_str_radix(&rest[..hex_len], 16).ok();
        match code.and_then(char::from_u32) {
            Some(ch) => {
                self.pos += 2 + hex_len + 1;
                Some(ch)
            }
            None => {
                let end = self.pos + 3 + hex_len;
                self.error(esc_start, end, "invalid unicode code point in escape");
                None
            }
        }
    }

    /// `'` starts a label (`'outer`), a char literal (`'a'`, `'\n'`) or a
    /// single-quoted string (`'ha'`).
    fn single_quote(&mut self, start: usize) -> TokenKind {
        self.pos += 1;
        if self.peek().is_some_and(is_ident_start) {
            let word_len = self.rest().bytes().take_while(|&b| is_ident_char(b as char)).count();
            if !self.rest()[word_len..].starts_with('\'') {
                let word = self.eat_while(is_ident_char);
                return TokenKind::Lifetime(word.to_string());
            }
        }
        TokenKind::Str(self.quoted('\'', start, "character literal"))
    }

    /// `r"…"` / `r#"…"#` with the cursor after the opening quote.
    fn raw_string(&mut self, start: usize, hashes: usize) -> TokenKind {
        let closing = format!("\"{}", "#".repeat(hashes));
        match self.rest().find(&closing) {
            Some(i) => {
                let body = self.rest()[..i].to_string();
                self.pos += i + closing.len();
                TokenKind::Str(body)
            }
            None => {
                let body = self.rest().to_string();
                self.pos = self.src.len();
                self.error(start, self.pos, "unterminated raw string");
                TokenKind::Str(body)
            }
        }
    }

    /// `#[…]` / `#![…]` attributes become one token; the parser skips them.
    fn attribute(&mut self, start: usize) -> TokenKind {
        self.pos += if self.rest().starts_with("#!") { 3 } else { 2 };
        let body_start = self.pos;
        let mut depth = 1;
        while depth > 0 {
            match self.bump() {
                None => {
                    self.error(start, self.pos, "unterminated attribute; expected ']'");
                    return TokenKind::Attribute(self.src[body_start..].to_string());
                }
                Some('[') => depth += 1,
                Some(']') => depth -= 1,
                Some('"') => {
                    self.quoted('"', self.pos - 1, "string literal");
                }
                Some('\n') => self.newline = true,
                Some(_) => {}
            }
        }
        TokenKind::Attribute(self.src[body_start..self.pos - 1].to_string())
    }

    /// An f-string body after `f"`: literal text and `{expr[:spec]}` holes.
    fn fstring(&mut self, start: usize) -> TokenKind {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.bump() else {
                self.error(start, self.pos, "unterminated f-string");
                break;
            };
            match c {
                '"' => break,
                '\\' => self.escape(&mut lit),
                '{' if self.peek() == Some('{') => {
                    self.pos += 1;
                    lit.push('{');
                }
                '}' if self.peek() == Some('}') => {
                    self.pos += 1;
                    lit.push('}');
                }
                '{' => {
                    if !lit.is_empty() {
                        parts.push(FStrPart::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(self.fstring_hole(self.pos - 1));
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(FStrPart::Lit(lit));
        }
        TokenKind::FStr(parts)
    }

    /// One `{…}` hole with the cursor after `{`. The hole ends at the `}`
    /// that balances it; the spec starts at the first `:` outside brackets
    /// that is not half of a `::` path separator.
    fn fstring_hole(&mut self, open: usize) -> FStrPart {
        let expr_start = self.pos;
        let mut depth = 0usize;
        let mut colon = None;
        let end = loop {
            let Some(c) = self.peek() else {
                break self.unterminated_hole(open);
            };
            match c {
                '"' => break self.unterminated_hole(open),
                '}' if depth == 0 => break self.pos,
                _ if colon.is_some() => {}
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                '\'' => {
                    self.skip_hole_quote();
                    continue;
                }
                ':' if depth == 0 => {
                    let prev_colon = self.src[..self.pos].ends_with(':') && self.pos > expr_start;
                    let next_colon = self.peek_at(1) == Some(':');
                    if next_colon {
                        self.pos += 2;
                        continue;
                    }
                    if !prev_colon {
                        colon = Some(self.pos);
                    }
                }
                _ => {}
            }
            self.bump();
        };
        if self.peek() == Some('}') {
            self.pos += 1;
        }
        let expr_end = colon.unwrap_or(end);
        let offset = self.base + expr_start as u32;
        let spec = colon.map(|c| (self.src[c + 1..end].to_string(), self.base + c as u32 + 1));
        FStrPart::Hole { src: self.src[expr_start..expr_end].to_string(), offset, spec }
    }

    fn unterminated_hole(&mut self, open: usize) -> usize {
        self.error(open, open + 1, "unterminated '{' in f-string; expected '}' (write '{{' for a literal brace)");
        self.pos
    }

    /// Skips a `'…'` string inside an f-string hole (so that `:` or braces
    /// inside it are not structure). Stops before a `"`, which ends the
    /// f-string anyway.
    fn skip_hole_quote(&mut self) {
        self.pos += 1;
        while let Some(c) = self.peek() {
            match c {
                '"' => return,
                '\'' => {
                    self.pos += 1;
                    return;
                }
                '\\' => {
                    self.pos += 1;
                    self.bump();
                }
                _ => {
                    self.bump();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{expect, Expect};

    fn check(src: &str, expected: Expect) {
        let (tokens, diags) = lex(src);
        let mut out = dump_tokens(&tokens);
        for d in diags {
            out.push_str(&format!("error {}..{}: {}\n", d.span.start, d.span.end, d.message));
        }
        expected.assert_eq(&out);
    }

    fn kinds(src: &str) -> Vec<TokenKind> {
        let (tokens, diags) = lex(src);
        assert!(diags.is_empty(), "{diags:?}");
        tokens.into_iter().map(|t| t.kind).filter(|k| *k != TokenKind::Eof).collect()
    }

    #[test]
    fn underscores_separate_digit_groups() {
        assert_eq!(
            kinds("1_000_000 0xFF_FF 1_5.2_5 3_i64 t.0"),
            vec![
                TokenKind::Int(1_000_000),
                TokenKind::Int(0xFFFF),
                TokenKind::Float(15.25),
                TokenKind::Int(3),
                TokenKind::Ident("t".into()),
                TokenKind::Dot,
                TokenKind::Int(0)
            ]
        );
    }

    fn errors(src: &str) -> Vec<String> {
        lex(src).1.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn integers() {
        use TokenKind::*;
        assert_eq!(kinds("42 0xFF 0x1a 7i64 3usize"), vec![Int(42), Int(255), Int(26), Int(7), Int(3)]);
        assert_eq!(kinds("9223372036854775807"), vec![Int(i64::MAX)]);
        assert_eq!(errors("9223372036854775808"), vec!["integer literal is too large (integers are 64-bit)"]);
        assert_eq!(errors("0xFFFFFFFFFFFFFFFF").len(), 1);
        assert_eq!(errors("3abc"), vec!["invalid suffix `abc` on a number literal"]);
    }

    #[test]
    fn floats() {
        use TokenKind::*;
        assert_eq!(
            kinds("3.25 2.0 1e10 1.5e-7 2.5E3 2.0f64 1f32"),
            vec![Float(3.25), Float(2.0), Float(1e10), Float(1.5e-7), Float(2.5e3), Float(2.0), Float(1.0)]
        );
    }

    #[test]
    fn dots_and_ranges() {
        check(
            "1..5 0..=n t.0.1 x.0 1.max",
            expect![[r#"
                0..1 NL Int(1)
                1..3 ..
                3..4 Int(5)
                5..6 Int(0)
                6..9 ..=
                9..10 Ident(n)
                11..12 Ident(t)
                12..13 .
                13..14 Int(0)
                14..15 .
                15..16 Int(1)
                17..18 Ident(x)
                18..19 .
                19..20 Int(0)
                21..22 Int(1)
                22..23 .
                23..26 Ident(max)
                26..26 Eof
            "#]],
        );
    }

    #[test]
    fn strings_and_escapes() {
        use TokenKind::*;
        assert_eq!(
            kinds(r#""a\tb" "q\"x\"" "p\\q" "it\'s" "\n" "\u{263A}" "\q" "a\0b""#),
            vec![
                Str("a\tb".into()),
                Str("q\"x\"".into()),
                Str("p\\q".into()),
                Str("it's".into()),
                Str("\n".into()),
                Str("\u{263A}".into()),
                Str("\\q".into()),
                Str("a\0b".into()),
            ]
        );
        assert_eq!(kinds("\"two\nlines\""), vec![Str("two\nlines".into())]);
    }

    #[test]
    fn raw_strings() {
        use TokenKind::*;
        assert_eq!(kinds(r#"r"a\b""#), vec![Str("a\\b".into())]);
        assert_eq!(kinds(r###"r#"a "b" c"#"###), vec![Str("a \"b\" c".into())]);
        assert_eq!(kinds(r###"r##"x"#y"##"###), vec![Str("x\"#y".into())]);
        assert_eq!(kinds("r"), vec![Ident("r".into())]);
    }

    #[test]
    fn quotes_chars_and_labels() {
        use TokenKind::*;
        assert_eq!(
            kinds(r"'x' '\n' 'hey' ', ' 'outer: break 'outer"),
            vec![
                Str("x".into()),
                Str("\n".into()),
                Str("hey".into()),
                Str(", ".into()),
                Lifetime("outer".into()),
                Colon,
                Kw(crate::token::Kw::Break),
                Lifetime("outer".into()),
            ]
        );
        assert_eq!(errors("' abc\nx"), vec!["unterminated character literal"]);
    }

    #[test]
    fn comments_and_newlines() {
        check(
            "#!/usr/bin/env ruchy\na // c\n/// doc\n/* x /* y */ z */ b # hash\n#[derive(Debug)] c /* \n */ d",
            expect![[r#"
                21..22 NL Ident(a)
                54..55 NL Ident(b)
                63..79 NL Attribute("derive(Debug)")
                80..81 Ident(c)
                90..91 NL Ident(d)
                91..91 Eof
            "#]],
        );
        assert_eq!(errors("a /* /* */"), vec!["unterminated block comment"]);
    }

    #[test]
    fn keywords_and_operators() {
        check(
            "fn fun self x **= <<= ?? ?. |> :: => -> ..= @ ~ ^=",
            expect![[r#"
                0..2 NL Kw(fun)
                3..6 Kw(fun)
                7..11 Kw(self)
                12..13 Ident(x)
                14..17 **=
                18..21 <<=
                22..24 ??
                25..27 ?.
                28..30 |>
                31..33 ::
                34..36 =>
                37..39 ->
                40..43 ..=
                44..45 @
                46..47 ~
                48..50 ^=
                50..50 Eof
            "#]],
        );
    }

    #[test]
    fn fstring_parts() {
        check(
            r#"f"x={x} y={f(y):.2} {{lit}} {Color::Red} {m::f(a):>5} {'a:b'} \t{d[k]}""#,
            expect![[r#"
                0..71 NL FStr["x=" {x@5} " y=" {f(y)@11:.2} " {lit} " {Color::Red@29} " " {m::f(a)@42:>5} " " {'a:b'@55} " \t" {d[k]@65}]
                71..71 Eof
            "#]],
        );
    }

    #[test]
    fn fstring_errors() {
        assert_eq!(
            errors(r#"f"a {x""#),
            vec!["unterminated '{' in f-string; expected '}' (write '{{' for a literal brace)"]
        );
        assert_eq!(errors(r#"f"abc"#), vec!["unterminated f-string"]);
    }

    #[test]
    fn errors_continue_lexing() {
        check(
            "a $ b \"open",
            expect![[r#"
                0..1 NL Ident(a)
                4..5 Ident(b)
                6..11 Str("open")
                11..11 Eof
                error 2..3: unexpected character '$'
                error 6..11: unterminated string literal
            "#]],
        );
    }

    #[test]
    fn lex_at_offsets_spans() {
        let (tokens, _) = lex_at("a+b", 10);
        assert_eq!(tokens[0].span, Span::new(10, 11));
        assert_eq!(tokens[2].span, Span::new(12, 13));
    }
}
