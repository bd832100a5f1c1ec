//! Patterns for `let`, `for`, `match`, `if let`/`while let`, parameters
//! and `catch`.
//!
//! A bare name always binds (§5), with two exceptions that keep common
//! code working: `None` is the variant, and an uppercase name followed by
//! `(` or `{` is a tuple-variant / struct pattern (`Some(x)`, `P { x, y }`).
//! `&pat` and `ref x` are accepted and mean `pat` and `x`.

use super::{PResult, Parser};
use crate::ast::*;
use crate::span::Span;
use crate::token::{Kw, TokenKind};

fn pat(kind: PatKind, span: Span) -> Pat {
    Pat { kind, span }
}

fn bind(name: Ident) -> Pat {
    let span = name.span;
    pat(PatKind::Bind { name, sub: None }, span)
}

impl Parser<'_> {
    /// A pattern with or-alternatives: `a | b | c` (a leading `|` is allowed).
    pub(super) fn pat_top(&mut self) -> PResult<Pat> {
        self.eat(&TokenKind::Or);
        let first = self.pat_no_alt()?;
        if !self.at(&TokenKind::Or) {
            return Ok(first);
        }
        let start = first.span;
        let mut alts = vec![first];
        while self.eat(&TokenKind::Or) {
            alts.push(self.pat_no_alt()?);
        }
        Ok(pat(PatKind::Or(alts), self.since(start)))
    }

    /// A pattern without top-level `|` (closure parameters, `@` sub-patterns).
    pub(super) fn pat_no_alt(&mut self) -> PResult<Pat> {
        self.nested(|p| p.pat_inner())
    }

    fn pat_inner(&mut self) -> PResult<Pat> {
        let start = self.span();
        if let Some(lit) = self.lit_pat()? {
            return self.range_rest(Some(lit), start);
        }
        match self.kind().clone() {
            TokenKind::Ident(name) => self.name_pat(name),
            TokenKind::Kw(Kw::Mut) => {
                self.bump();
                Ok(bind(self.ident("a name after 'mut'")?))
            }
            TokenKind::Kw(Kw::SelfValue) => {
                self.bump();
                Ok(bind(Ident { name: "self".into(), span: start }))
            }
            TokenKind::And | TokenKind::AndAnd => {
                self.bump();
                self.eat_kw(Kw::Mut);
                self.pat_no_alt()
            }
            TokenKind::DotDotEq | TokenKind::DotDot => self.range_rest(None, start),
            TokenKind::LParen => self.tuple_pat(),
            TokenKind::LBracket => self.array_pat(),
            _ => Err(self.expected("a pattern")),
        }
    }

    /// A literal usable in a pattern (`-1`, `2.5`, `"s"`, `'c'`, `true`,
    /// `nil`); None (nothing consumed) when the current token is not one.
    fn lit_pat(&mut self) -> PResult<Option<Lit>> {
        let negative = self.at(&TokenKind::Minus);
        let tok = if negative { self.nth(1).clone() } else { self.peek().clone() };
        let lit = match tok.kind {
            TokenKind::Int(v) => Lit::Int(if negative { v.wrapping_neg() } else { v }),
            TokenKind::Float(v) => Lit::Float(if negative { -v } else { v }),
            _ if negative => {
                self.bump();
                return Err(self.expected("a number after '-' in a pattern"));
            }
            TokenKind::Str(s) => Lit::Str(s),
            TokenKind::Kw(Kw::True) => Lit::Bool(true),
            TokenKind::Kw(Kw::False) => Lit::Bool(false),
            TokenKind::Kw(Kw::Null) => Lit::Nil,
            TokenKind::Ident(name) if name == "nil" => Lit::Nil,
            _ => return Ok(None),
        };
        if negative {
            self.bump();
        }
        self.bump();
        Ok(Some(lit))
    }

    /// After an optional literal `lo`: `lo..hi`, `lo..=hi`, `lo..`, `..=hi`,
    /// or just the literal.
    fn range_rest(&mut self, lo: Option<Lit>, start: Span) -> PResult<Pat> {
        let inclusive = match self.kind() {
            TokenKind::DotDotEq | TokenKind::DotDotDot => true,
            TokenKind::DotDot => false,
            _ => {
                return match lo {
                    Some(lit) => Ok(pat(PatKind::Lit(lit), start)),
                    None => Err(self.expected("a pattern")),
                }
            }
        };
        self.bump();
        let hi = self.lit_pat()?;
        if lo.is_none() && hi.is_none() {
            return Err(self.expected("a literal bound after '..'"));
        }
        Ok(pat(PatKind::Range { lo, hi, inclusive }, self.since(start)))
    }

    /// Names and paths: `_`, `x`, `x @ sub`, `ref x`, `None`, `E::V`,
    /// `E::V(a, b)`, `Some(x)`, `P { x, .. }`.
    fn name_pat(&mut self, name: String) -> PResult<Pat> {
        let start = self.span();
        if name == "_" {
            self.bump();
            return Ok(pat(PatKind::Wild, start));
        }
        if name == "ref" && matches!(self.nth_kind(1), TokenKind::Ident(_) | TokenKind::Kw(Kw::Mut)) {
            self.bump();
            self.eat_kw(Kw::Mut);
            return Ok(bind(self.ident("a name after 'ref'")?));
        }
        let mut path = vec![self.ident("a pattern")?];
        while self.eat(&TokenKind::ColonColon) {
            path.push(self.ident("a name after '::'")?);
        }
        let is_type_like = path.len() > 1 || name.starts_with(|c: char| c.is_ascii_uppercase());
        if is_type_like && self.at(&TokenKind::LParen) {
            let args = self.pat_list(&TokenKind::RParen)?;
            return Ok(pat(PatKind::Variant { path, args: Some(args) }, self.since(start)));
        }
        if is_type_like && self.at(&TokenKind::LBrace) {
            return self.struct_pat(path);
        }
        if path.len() > 1 || name == "None" {
            return Ok(pat(PatKind::Variant { path, args: None }, self.since(start)));
        }
        let name = path.pop().expect("one segment");
        if self.eat(&TokenKind::At) {
            let sub = Box::new(self.pat_no_alt()?);
            return Ok(pat(PatKind::Bind { name, sub: Some(sub) }, self.since(start)));
        }
        Ok(bind(name))
    }

    /// `(p, …)` with the opening `(` current, through the `)`.
    fn pat_list(&mut self, close: &TokenKind) -> PResult<Vec<Pat>> {
        let open = self.bump().span;
        let mut pats = Vec::new();
        self.pat_elems(close, open, &mut pats)?;
        Ok(pats)
    }

    /// Elements of a pattern list up to and including `close`.
    fn pat_elems(&mut self, close: &TokenKind, open: Span, pats: &mut Vec<Pat>) -> PResult<()> {
        while !self.at(close) && !self.at_eof() {
            if self.at(&TokenKind::DotDot) && matches!(self.nth_kind(1), TokenKind::Comma | TokenKind::RParen) {
                let span = self.bump().span;
                return Err(self.error(span, "'..' in tuple patterns is not supported; use '_' for each element"));
            }
            pats.push(self.pat_top()?);
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect_close(close, open)?;
        Ok(())
    }

    /// `()` (nil), `(p)` (grouping), `(p,)`, `(a, b)`.
    fn tuple_pat(&mut self) -> PResult<Pat> {
        let open = self.bump().span;
        if self.eat(&TokenKind::RParen) {
            return Ok(pat(PatKind::Lit(Lit::Nil), self.since(open)));
        }
        let first = self.pat_top()?;
        if self.eat(&TokenKind::RParen) {
            return Ok(first);
        }
        let mut pats = vec![first];
        if self.eat(&TokenKind::Comma) {
            self.pat_elems(&TokenKind::RParen, open, &mut pats)?;
        } else {
            self.expect_close(&TokenKind::RParen, open)?;
        }
        Ok(pat(PatKind::Tuple(pats), self.since(open)))
    }

    /// `[a, b]`, `[first, ..rest]`, `[.., last]`, `[a, rest @ .., z]`.
    fn array_pat(&mut self) -> PResult<Pat> {
        let open = self.bump().span;
        let (mut before, mut after) = (Vec::new(), Vec::new());
        let mut rest: Option<Option<Ident>> = None;
        while !self.at(&TokenKind::RBracket) && !self.at_eof() {
            let rest_start = self.span();
            if let Some(name) = self.rest_pat()? {
                if rest.is_some() {
                    return Err(self.error(self.since(rest_start), "only one '..' is allowed in an array pattern"));
                }
                rest = Some(name);
            } else {
                let p = self.pat_top()?;
                if rest.is_some() {
                    after.push(p)
                } else {
                    before.push(p)
                }
            }
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect_close(&TokenKind::RBracket, open)?;
        Ok(pat(PatKind::Array { before, rest, after }, self.since(open)))
    }

    /// A rest element `..`, `..name` or `name @ ..`; None (nothing
    /// consumed) when the element is an ordinary pattern.
    fn rest_pat(&mut self) -> PResult<Option<Option<Ident>>> {
        let is_dots = |k: &TokenKind| matches!(k, TokenKind::DotDot | TokenKind::DotDotDot);
        if is_dots(self.kind()) {
            match self.nth_kind(1).clone() {
                TokenKind::Comma | TokenKind::RBracket => {
                    self.bump();
                    return Ok(Some(None));
                }
                TokenKind::Ident(_) => {
                    self.bump();
                    return Ok(Some(Some(self.ident("a name")?)));
                }
                _ => return Ok(None),
            }
        }
        if matches!(self.kind(), TokenKind::Ident(_)) && *self.nth_kind(1) == TokenKind::At && is_dots(self.nth_kind(2))
        {
            let name = self.ident("a name")?;
            self.bump();
            self.bump();
            return Ok(Some(Some(name)));
        }
        Ok(None)
    }

    /// `P { x: 0, y, ..}` with `{` current.
    fn struct_pat(&mut self, path: Vec<Ident>) -> PResult<Pat> {
        let start = path[0].span;
        let open = self.bump().span;
        let mut fields = Vec::new();
        let mut rest = false;
        while !self.at(&TokenKind::RBrace) && !self.at_eof() {
            if self.eat(&TokenKind::DotDot) {
                rest = true;
                self.eat(&TokenKind::Comma);
                break;
            }
            if self.at_ident("ref") && matches!(self.nth_kind(1), TokenKind::Ident(_) | TokenKind::Kw(Kw::Mut)) {
                self.bump();
            }
            self.eat_kw(Kw::Mut);
            let name = match self.kind().clone() {
                TokenKind::Int(n) => Ident { name: n.to_string(), span: self.bump().span },
                _ => self.ident("a field name")?,
            };
            let p = if self.eat(&TokenKind::Colon) { self.pat_top()? } else { bind(name.clone()) };
            fields.push((name, p));
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect_close(&TokenKind::RBrace, open)?;
        Ok(pat(PatKind::Struct { path, fields, rest }, self.since(start)))
    }
}
