//! Type annotations (§4 "Annotation syntax"). They are never checked, so
//! the parser is permissive: references, lifetimes, `dyn`/`impl` and extra
//! trait bounds are accepted and dropped.

use super::{PResult, Parser};
use crate::ast::Type;
use crate::token::{Kw, TokenKind};

fn named(name: impl Into<String>) -> Type {
    Type::Named { name: name.into(), args: Vec::new() }
}

impl Parser<'_> {
    /// A type annotation.
    pub(super) fn ty(&mut self) -> PResult<Type> {
        self.nested(|p| p.ty_inner(true))
    }

    /// The type after `as`: generic arguments are not read, so that
    /// `x as i64 < y` compares instead of opening `i64<…>`.
    pub(super) fn ty_in_cast(&mut self) -> PResult<Type> {
        self.nested(|p| p.ty_inner(false))
    }

    fn ty_inner(&mut self, args_ok: bool) -> PResult<Type> {
        match self.kind().clone() {
            TokenKind::And | TokenKind::AndAnd => {
                self.bump();
                if matches!(self.kind(), TokenKind::Lifetime(_)) {
                    self.bump();
                }
                self.eat_kw(Kw::Mut);
                self.nested(|p| p.ty_inner(args_ok))
            }
            TokenKind::Star => {
                self.bump();
                if !self.eat_kw(Kw::Const) {
                    self.eat_kw(Kw::Mut);
                }
                self.nested(|p| p.ty_inner(args_ok))
            }
            TokenKind::LBracket => self.array_ty(),
            TokenKind::LParen => self.tuple_ty(),
            TokenKind::Kw(Kw::Fun) => {
                self.bump();
                self.fn_ty()
            }
            TokenKind::Kw(Kw::Impl) => {
                self.bump();
                self.bounded_ty()
            }
            TokenKind::Ident(name) if name == "dyn" => {
                self.bump();
                self.bounded_ty()
            }
            TokenKind::Ident(name) if name == "_" => {
                self.bump();
                Ok(Type::Infer)
            }
            TokenKind::Bang => {
                self.bump();
                Ok(named("!"))
            }
            TokenKind::Ident(_) | TokenKind::Kw(Kw::SelfValue) => self.path_ty(args_ok),
            _ => Err(self.expected("a type")),
        }
    }

    /// `[T]` or `[T; N]` (the length expression is parsed and dropped).
    fn array_ty(&mut self) -> PResult<Type> {
        let open = self.bump().span;
        let elem = self.ty()?;
        if self.eat(&TokenKind::Semi) {
            self.expr()?;
        }
        self.expect_close(&TokenKind::RBracket, open)?;
        Ok(Type::Array(Box::new(elem)))
    }

    /// `()`, `(T)` (just T), `(T,)`, `(A, B)`.
    fn tuple_ty(&mut self) -> PResult<Type> {
        let open = self.bump().span;
        let mut items = Vec::new();
        let mut trailing_comma = false;
        while !self.at(&TokenKind::RParen) && !self.at_eof() {
            items.push(self.ty()?);
            trailing_comma = self.eat(&TokenKind::Comma);
            if !trailing_comma {
                break;
            }
        }
        self.expect_close(&TokenKind::RParen, open)?;
        if items.len() == 1 && !trailing_comma {
            return Ok(items.pop().expect("one type"));
        }
        Ok(Type::Tuple(items))
    }

    /// `(A, B) -> R` after `fn`/`Fn`; a missing return type is `()`.
    fn fn_ty(&mut self) -> PResult<Type> {
        let open = self.expect(&TokenKind::LParen, "'(' after 'fn' in a type")?;
        let mut params = Vec::new();
        while !self.at(&TokenKind::RParen) && !self.at_eof() {
            params.push(self.ty()?);
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect_close(&TokenKind::RParen, open)?;
        let ret = if self.eat(&TokenKind::Arrow) { self.ty()? } else { Type::Tuple(Vec::new()) };
        Ok(Type::Fn { params, ret: Box::new(ret) })
    }

    /// `impl Trait + Send`, `dyn Fn(i32) -> i32 + 'a`: the first bound.
    fn bounded_ty(&mut self) -> PResult<Type> {
        let first = self.ty()?;
        while self.eat(&TokenKind::Plus) {
            if matches!(self.kind(), TokenKind::Lifetime(_)) {
                self.bump();
            } else {
                self.ty()?;
            }
        }
        Ok(first)
    }

    /// `a::b::Name<Args>` (segments joined with `::`), and `Fn(A) -> B`
    /// style closure-trait types.
    fn path_ty(&mut self, args_ok: bool) -> PResult<Type> {
        let mut name = match self.bump().kind {
            TokenKind::Ident(n) => n,
            _ => "self".to_string(),
        };
        let mut args = Vec::new();
        loop {
            if self.at(&TokenKind::ColonColon) && *self.nth_kind(1) == TokenKind::Lt {
                self.bump();
                args = self.generic_args()?;
            } else if self.at(&TokenKind::ColonColon) {
                self.bump();
                name.push_str("::");
                name.push_str(&self.ident("a type name after '::'")?.name);
                continue;
            } else if args_ok && self.at(&TokenKind::Lt) {
                args = self.generic_args()?;
            }
            break;
        }
        if matches!(name.as_str(), "Fn" | "FnMut" | "FnOnce") && self.at(&TokenKind::LParen) {
            return self.fn_ty();
        }
        Ok(Type::Named { name, args })
    }

    /// `<A, B>` with `<` current. Lifetimes are skipped and associated
    /// type bindings (`Item = T`) keep only the type.
    pub(super) fn generic_args(&mut self) -> PResult<Vec<Type>> {
        let open = self.bump().span;
        let mut args = Vec::new();
        loop {
            if self.eat_gt() {
                return Ok(args);
            }
            if matches!(self.kind(), TokenKind::Lifetime(_)) {
                self.bump();
            } else {
                if matches!(self.kind(), TokenKind::Ident(_)) && *self.nth_kind(1) == TokenKind::Eq {
                    self.bump();
                    self.bump();
                }
                args.push(self.ty()?);
            }
            if !self.eat(&TokenKind::Comma) {
                if self.eat_gt() {
                    return Ok(args);
                }
                return Err(self.close_error(&TokenKind::Gt, open));
            }
        }
    }
}
