//! Statements and declarations: `let`, `const`, `fun`, `struct`/`class`,
//! `enum`, `impl`, `trait`, `mod`, `use`/`import`, and expression
//! statements. Items may appear anywhere a statement may (nested functions
//! are local to their body), so one statement rule serves files and blocks.

use super::{PResult, Parser};
use crate::ast::*;
use crate::span::Span;
use crate::token::{Kw, TokenKind};

impl Parser<'_> {
    /// Statements of a file, up to end of input; stray `}` are reported.
    pub(super) fn stmts_until_eof(&mut self) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        loop {
            self.stmt_list_step(&mut stmts);
            if self.at_eof() {
                return stmts;
            }
            if self.at(&TokenKind::RBrace) {
                let span = self.bump().span;
                self.error(span, "unexpected '}' with no matching '{'");
            }
        }
    }

    /// Statements of a block body, stopping before `}` or end of input.
    pub(super) fn stmts_until_brace(&mut self) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        while !self.at(&TokenKind::RBrace) && !self.at_eof() {
            self.stmt_list_step(&mut stmts);
        }
        stmts
    }

    /// Parses statements until `}` or end of input, recovering from errors.
    fn stmt_list_step(&mut self, stmts: &mut Vec<Stmt>) {
        while !self.at(&TokenKind::RBrace) && !self.at_eof() {
            if self.eat(&TokenKind::Semi) {
                continue;
            }
            let start = self.pos;
            match self.stmt() {
                Ok(Some(stmt)) => stmts.push(stmt),
                Ok(None) => {}
                Err(_) => self.recover_stmt(start),
            }
            if self.pos == start && !self.at(&TokenKind::RBrace) {
                // Defensive: never spin on a token no rule consumed.
                self.bump();
            }
        }
    }

    /// One statement or item; None for accepted-and-dropped items (type
    /// aliases, bare attributes).
    fn stmt(&mut self) -> PResult<Option<Stmt>> {
        self.skip_attributes();
        let start = self.span();
        self.skip_modifiers();
        let kind = match self.kind() {
            TokenKind::Kw(Kw::Let) => self.let_stmt()?,
            TokenKind::Kw(Kw::Const) => self.const_stmt()?,
            TokenKind::Kw(Kw::Fun) if matches!(self.nth_kind(1), TokenKind::Ident(_)) => {
                match self.fun_decl(start, false)? {
                    Some(decl) => StmtKind::Fun(decl),
                    None => return Ok(None),
                }
            }
            TokenKind::Kw(Kw::Struct | Kw::Class) => StmtKind::Struct(self.struct_decl(start)?),
            TokenKind::Kw(Kw::Enum) => StmtKind::Enum(self.enum_decl(start)?),
            TokenKind::Kw(Kw::Impl) => StmtKind::Impl(self.impl_decl(start)?),
            TokenKind::Kw(Kw::Trait) => StmtKind::Trait(self.trait_decl(start)?),
            TokenKind::Kw(Kw::Mod) => self.mod_stmt()?,
            TokenKind::Kw(Kw::Use | Kw::Import) => self.use_stmt()?,
            TokenKind::Kw(Kw::Type) if matches!(self.nth_kind(1), TokenKind::Ident(_)) => {
                self.type_alias()?;
                return Ok(None);
            }
            TokenKind::RBrace | TokenKind::Eof => return Ok(None),
            _ => {
                let expr = self.stmt_expr()?;
                let semi = self.eat(&TokenKind::Semi);
                return Ok(Some(Stmt { span: self.since(start), kind: StmtKind::Expr { expr, semi } }));
            }
        };
        self.eat(&TokenKind::Semi);
        Ok(Some(Stmt { kind, span: self.since(start) }))
    }

    /// `pub`, `pub(crate)` and `async` before an item are accepted and
    /// ignored (`async` only when a function follows; `async { }` is an
    /// expression).
    fn skip_modifiers(&mut self) {
        loop {
            if self.eat_kw(Kw::Pub) {
                if self.at(&TokenKind::LParen) && matches!(self.nth_kind(1), TokenKind::Ident(_)) {
                    self.bump();
                    self.bump();
                    self.eat(&TokenKind::RParen);
                }
            } else if self.at_kw(Kw::Async) && *self.nth_kind(1) == TokenKind::Kw(Kw::Fun) {
                self.bump();
            } else {
                return;
            }
        }
    }

    /// `let pat (: ty)? (= init)?`
    fn let_stmt(&mut self) -> PResult<StmtKind> {
        self.bump();
        let pat = self.pat_top()?;
        let ty = if self.eat(&TokenKind::Colon) { Some(self.ty()?) } else { None };
        let init = if self.eat(&TokenKind::Eq) { Some(self.expr()?) } else { None };
        Ok(StmtKind::Let { pat, ty, init })
    }

    /// `const NAME (: ty)? = init`
    fn const_stmt(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("a constant name")?;
        let ty = if self.eat(&TokenKind::Colon) { Some(self.ty()?) } else { None };
        self.expect(&TokenKind::Eq, "'=' and a value for the constant")?;
        let init = self.expr()?;
        Ok(StmtKind::Const { name, ty, init })
    }

    /// `fun name<T>(params) -> ret where … { body }`. With `sig_only_ok`
    /// (trait items) a `;` instead of a body is accepted and gives None.
    pub(super) fn fun_decl(&mut self, start: Span, sig_only_ok: bool) -> PResult<Option<FunDecl>> {
        self.bump();
        let name = self.ident("a function name")?;
        let generics = self.generic_params()?;
        let open = self.expect(&TokenKind::LParen, "'(' to start the parameter list")?;
        let (has_self, params) = self.params(open, &TokenKind::RParen)?;
        let ret = if self.eat(&TokenKind::Arrow) { Some(self.ty()?) } else { None };
        self.skip_where_clause();
        if sig_only_ok && self.eat(&TokenKind::Semi) {
            return Ok(None);
        }
        if sig_only_ok && !self.at(&TokenKind::LBrace) && self.at_new_line() {
            return Ok(None);
        }
        let body = self.block()?;
        Ok(Some(FunDecl { name, generics, has_self, params, ret, body, span: self.since(start) }))
    }

    /// A parameter list after its opening delimiter, through `close`.
    /// A leading `self`, `&self`, `&mut self` or `mut self` sets has_self.
    pub(super) fn params(&mut self, open: Span, close: &TokenKind) -> PResult<(bool, Vec<Param>)> {
        let has_self = self.self_param()?;
        if has_self && !self.at(close) {
            self.expect(&TokenKind::Comma, "',' after the self parameter")?;
        }
        let mut params = Vec::new();
        while !self.at(close) && !self.at_eof() {
            params.push(self.param(close)?);
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect_close(close, open)?;
        Ok((has_self, params))
    }

    fn self_param(&mut self) -> PResult<bool> {
        let mut n = 0;
        if matches!(self.nth_kind(n), TokenKind::And | TokenKind::AndAnd) {
            n += 1;
            if matches!(self.nth_kind(n), TokenKind::Lifetime(_)) {
                n += 1;
            }
        }
        if *self.nth_kind(n) == TokenKind::Kw(Kw::Mut) {
            n += 1;
        }
        if *self.nth_kind(n) != TokenKind::Kw(Kw::SelfValue) {
            return Ok(false);
        }
        for _ in 0..=n {
            self.bump();
        }
        if self.eat(&TokenKind::Colon) {
            self.ty()?;
        }
        Ok(true)
    }

    /// `pat (: ty)? (= default)?`; or-patterns are not allowed here because
    /// `|` closes closure parameter lists.
    fn param(&mut self, close: &TokenKind) -> PResult<Param> {
        let start = self.span();
        let pat = self.pat_no_alt()?;
        let ty = if self.eat(&TokenKind::Colon) { Some(self.ty()?) } else { None };
        let default = if *close == TokenKind::RParen && self.eat(&TokenKind::Eq) { Some(self.expr()?) } else { None };
        Ok(Param { pat, ty, default, span: self.since(start) })
    }

    /// `where T: Bound, …` up to the body or `;`; ignored.
    fn skip_where_clause(&mut self) {
        if !self.eat_kw(Kw::Where) {
            return;
        }
        while !matches!(self.kind(), TokenKind::LBrace | TokenKind::Semi | TokenKind::Eof | TokenKind::RBrace) {
            self.bump();
        }
    }

    /// `<T, U: Bound, 'a, const N: usize>` on a declaration: the type
    /// parameter names. Bounds and defaults are parsed and dropped.
    pub(super) fn generic_params(&mut self) -> PResult<Vec<Ident>> {
        let mut names = Vec::new();
        if !self.at(&TokenKind::Lt) {
            return Ok(names);
        }
        let open = self.bump().span;
        loop {
            if self.eat_gt() {
                return Ok(names);
            }
            match self.kind() {
                TokenKind::Lifetime(_) => {
                    self.bump();
                    if self.eat(&TokenKind::Colon) {
                        self.bounds()?;
                    }
                }
                TokenKind::Kw(Kw::Const) => {
                    self.bump();
                    self.ident("a const parameter name")?;
                    self.expect(&TokenKind::Colon, "':' and a type")?;
                    self.ty()?;
                }
                TokenKind::Ident(_) => {
                    names.push(self.ident("a type parameter")?);
                    if self.eat(&TokenKind::Colon) {
                        self.bounds()?;
                    }
                    if self.eat(&TokenKind::Eq) {
                        self.ty()?;
                    }
                }
                _ => return Err(self.close_error(&TokenKind::Gt, open)),
            }
            if !self.eat(&TokenKind::Comma) && !matches!(self.kind(), TokenKind::Gt | TokenKind::Shr) {
                return Err(self.close_error(&TokenKind::Gt, open));
            }
        }
    }

    /// `Bound + Other + 'a + ?Sized`
    pub(super) fn bounds(&mut self) -> PResult<()> {
        loop {
            if matches!(self.kind(), TokenKind::Lifetime(_)) {
                self.bump();
            } else {
                self.eat(&TokenKind::Question);
                self.ty()?;
            }
            if !self.eat(&TokenKind::Plus) {
                return Ok(());
            }
        }
    }

    /// `struct`/`class` declarations: unit, tuple and braced forms; braced
    /// bodies may hold field defaults and methods.
    fn struct_decl(&mut self, start: Span) -> PResult<StructDecl> {
        let is_class = self.bump().kind == TokenKind::Kw(Kw::Class);
        let name = self.ident("a type name")?;
        let generics = self.generic_params()?;
        let mut decl =
            StructDecl { name, generics, fields: Vec::new(), tuple: false, methods: Vec::new(), is_class, span: start };
        if self.eat(&TokenKind::Colon) {
            // `class Dog : Animal` — inheritance is parse-only.
            self.bounds()?;
        }
        if self.at(&TokenKind::LParen) {
            decl.tuple = true;
            decl.fields = self.tuple_fields()?;
            self.skip_where_clause();
        } else {
            self.skip_where_clause();
            if self.at(&TokenKind::LBrace) {
                self.struct_body(&mut decl)?;
            }
        }
        decl.span = self.since(start);
        Ok(decl)
    }

    /// `(T1, T2)` of a tuple struct: fields named "0", "1", …
    fn tuple_fields(&mut self) -> PResult<Vec<FieldDecl>> {
        let open = self.bump().span;
        let mut fields = Vec::new();
        while !self.at(&TokenKind::RParen) && !self.at_eof() {
            self.skip_attributes();
            self.skip_modifiers();
            let span = self.span();
            let ty = self.ty()?;
            fields.push(FieldDecl {
                name: Ident { name: fields.len().to_string(), span },
                ty: Some(ty),
                default: None,
            });
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect_close(&TokenKind::RParen, open)?;
        Ok(fields)
    }

    /// `{ a: T, b: i32 = 100, fun m(&self) {…} }`; class bodies may also
    /// write fields as `let name: T = …` and constructors as `new(…) {…}`.
    fn struct_body(&mut self, decl: &mut StructDecl) -> PResult<()> {
        let open = self.bump().span;
        loop {
            while self.eat(&TokenKind::Comma) || self.eat(&TokenKind::Semi) {}
            self.skip_attributes();
            let start = self.span();
            self.skip_modifiers();
            while self.at_ident("static") || self.at_ident("override") {
                self.bump();
            }
            if self.at(&TokenKind::RBrace) || self.at_eof() {
                break;
            }
            let before = self.pos;
            if let Err(failed) = self.struct_member(start, decl) {
                self.recover_member(before);
                if self.at_eof() {
                    return Err(failed);
                }
            }
        }
        self.expect_close(&TokenKind::RBrace, open)?;
        Ok(())
    }

    fn struct_member(&mut self, start: Span, decl: &mut StructDecl) -> PResult<()> {
        match self.kind() {
            TokenKind::Kw(Kw::Fun) => {
                decl.methods.extend(self.fun_decl(start, false)?);
            }
            TokenKind::Ident(_) if *self.nth_kind(1) == TokenKind::LParen => {
                // A class constructor written without `fun`: `new(x) { … }`.
                let name = self.ident("a method name")?;
                let open = self.bump().span;
                let (has_self, params) = self.params(open, &TokenKind::RParen)?;
                let ret = if self.eat(&TokenKind::Arrow) { Some(self.ty()?) } else { None };
                let body = self.block()?;
                let span = self.since(start);
                decl.methods.push(FunDecl { name, generics: vec![], has_self, params, ret, body, span });
            }
            _ => {
                if !self.eat_kw(Kw::Let) {
                    self.eat_kw(Kw::Const);
                }
                self.eat_kw(Kw::Mut);
                let name = self.ident("a field name")?;
                let ty = if self.eat(&TokenKind::Colon) { Some(self.ty()?) } else { None };
                let default = if self.eat(&TokenKind::Eq) { Some(self.expr()?) } else { None };
                decl.fields.push(FieldDecl { name, ty, default });
                if !matches!(self.kind(), TokenKind::Comma | TokenKind::Semi | TokenKind::RBrace) && !self.at_new_line()
                {
                    return Err(self.expected("',' or '}' after a field"));
                }
            }
        }
        Ok(())
    }

    /// Inside a `{…}` list of members/variants: skips to the next `,`,
    /// line start or the closing `}`, consuming at least one token.
    pub(super) fn recover_member(&mut self, start: usize) {
        self.skip_to(start, &TokenKind::Comma, |_| true);
    }

    /// `enum E<T> { A, B(i32, f64), C { x: i32 }, D = 10 }`
    fn enum_decl(&mut self, start: Span) -> PResult<EnumDecl> {
        self.bump();
        let name = self.ident("an enum name")?;
        let generics = self.generic_params()?;
        self.skip_where_clause();
        let open = self.expect(&TokenKind::LBrace, "'{' to start the enum body")?;
        let mut variants = Vec::new();
        loop {
            while self.eat(&TokenKind::Comma) {}
            self.skip_attributes();
            if self.at(&TokenKind::RBrace) || self.at_eof() {
                break;
            }
            let before = self.pos;
            match self.variant() {
                Ok(v) => variants.push(v),
                Err(failed) => {
                    self.recover_member(before);
                    if self.at_eof() {
                        return Err(failed);
                    }
                }
            }
        }
        self.expect_close(&TokenKind::RBrace, open)?;
        Ok(EnumDecl { name, generics, variants, span: self.since(start) })
    }

    fn variant(&mut self) -> PResult<VariantDecl> {
        let name = self.ident("a variant name")?;
        let kind = match self.kind() {
            TokenKind::LParen => VariantKind::Tuple(self.tuple_fields()?.len()),
            TokenKind::LBrace => VariantKind::Struct(self.variant_fields()?),
            _ => VariantKind::Unit,
        };
        let mut discriminant = None;
        if self.eat(&TokenKind::Eq) {
            let negative = self.eat(&TokenKind::Minus);
            match self.kind().clone() {
                TokenKind::Int(v) => {
                    self.bump();
                    discriminant = Some(if negative { v.wrapping_neg() } else { v });
                }
                _ => return Err(self.expected("an integer discriminant")),
            }
        }
        if !matches!(self.kind(), TokenKind::Comma | TokenKind::RBrace) && !self.at_new_line() {
            return Err(self.expected("',' or '}' after a variant"));
        }
        Ok(VariantDecl { name, kind, discriminant })
    }

    /// `{ x: i32, y: i32 }` of a struct-like variant: the field names.
    fn variant_fields(&mut self) -> PResult<Vec<Ident>> {
        let open = self.bump().span;
        let mut names = Vec::new();
        while !self.at(&TokenKind::RBrace) && !self.at_eof() {
            self.skip_modifiers();
            names.push(self.ident("a field name")?);
            self.expect(&TokenKind::Colon, "':' and a field type")?;
            self.ty()?;
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect_close(&TokenKind::RBrace, open)?;
        Ok(names)
    }

    /// `impl<T> Name<T> { … }` and `impl Trait for Name { … }`.
    fn impl_decl(&mut self, start: Span) -> PResult<ImplDecl> {
        self.bump();
        self.generic_params()?;
        let first = self.type_name()?;
        let (trait_name, target) = if self.eat_kw(Kw::For) { (Some(first), self.type_name()?) } else { (None, first) };
        self.skip_where_clause();
        let methods = self.method_list()?;
        Ok(ImplDecl { trait_name, target, methods, span: self.since(start) })
    }

    /// `trait T: Super { fun req(&self) -> i32; fun def(&self) { … } }`;
    /// only methods with a default body are kept.
    fn trait_decl(&mut self, start: Span) -> PResult<TraitDecl> {
        self.bump();
        let name = self.ident("a trait name")?;
        self.generic_params()?;
        if self.eat(&TokenKind::Colon) {
            self.bounds()?;
        }
        self.skip_where_clause();
        let methods = self.method_list()?;
        Ok(TraitDecl { name, methods, span: self.since(start) })
    }

    /// A type used as an impl target or trait name, reduced to its name.
    fn type_name(&mut self) -> PResult<Ident> {
        let span = self.span();
        let ty = self.ty()?;
        let name = match ty {
            Type::Named { name, .. } => name,
            _ => return Err(self.error(span, "expected a type name")),
        };
        Ok(Ident { name, span: self.since(span) })
    }

    /// `{ fun …  const …  type … }` of an impl or trait: the methods that
    /// have bodies. Associated consts and types are parsed and dropped.
    fn method_list(&mut self) -> PResult<Vec<FunDecl>> {
        let open = self.expect(&TokenKind::LBrace, "'{'")?;
        let mut methods = Vec::new();
        loop {
            while self.eat(&TokenKind::Semi) || self.eat(&TokenKind::Comma) {}
            self.skip_attributes();
            let start = self.span();
            self.skip_modifiers();
            if self.at(&TokenKind::RBrace) || self.at_eof() {
                break;
            }
            let before = self.pos;
            if let Err(failed) = self.method_item(start, &mut methods) {
                self.recover_member(before);
                if self.at_eof() {
                    return Err(failed);
                }
            }
        }
        self.expect_close(&TokenKind::RBrace, open)?;
        Ok(methods)
    }

    fn method_item(&mut self, start: Span, methods: &mut Vec<FunDecl>) -> PResult<()> {
        match self.kind() {
            TokenKind::Kw(Kw::Fun) => methods.extend(self.fun_decl(start, true)?),
            TokenKind::Kw(Kw::Const) => {
                self.bump();
                self.ident("a constant name")?;
                if self.eat(&TokenKind::Colon) {
                    self.ty()?;
                }
                if self.eat(&TokenKind::Eq) {
                    self.expr()?;
                }
            }
            TokenKind::Kw(Kw::Type) => {
                self.bump();
                self.ident("an associated type name")?;
                if self.eat(&TokenKind::Colon) {
                    self.bounds()?;
                }
                if self.eat(&TokenKind::Eq) {
                    self.ty()?;
                }
            }
            _ => return Err(self.expected("'fun', 'const' or 'type' in an impl or trait body")),
        }
        Ok(())
    }

    /// `mod name { items }` or `mod name;`
    fn mod_stmt(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("a module name")?;
        if !self.at(&TokenKind::LBrace) {
            return Ok(StmtKind::Mod { name, body: Vec::new() });
        }
        let open = self.bump().span;
        let body = self.stmts_until_brace();
        self.expect_close(&TokenKind::RBrace, open)?;
        Ok(StmtKind::Mod { name, body })
    }

    /// `use a::b::{c, d as e, *};` and `import a.b` / `import "file"`.
    /// The plain leading segments are recorded; the statement is ignored
    /// by later stages.
    fn use_stmt(&mut self) -> PResult<StmtKind> {
        let is_import = self.bump().kind == TokenKind::Kw(Kw::Import);
        let mut path = Vec::new();
        if let TokenKind::Str(s) = self.kind().clone() {
            let span = self.bump().span;
            path.push(Ident { name: s, span });
            return Ok(StmtKind::Use { path });
        }
        loop {
            let span = self.span();
            match self.kind().clone() {
                TokenKind::Ident(name) => path.push(Ident { name, span }),
                TokenKind::Kw(kw @ (Kw::SelfValue | Kw::Mod)) => path.push(Ident { name: kw.as_str().into(), span }),
                TokenKind::Star => {}
                TokenKind::LBrace => {
                    self.skip_group();
                    break;
                }
                _ => return Err(self.expected("a path in 'use'")),
            }
            self.bump();
            let sep = if is_import {
                self.eat(&TokenKind::Dot) || self.eat(&TokenKind::ColonColon)
            } else {
                self.eat(&TokenKind::ColonColon)
            };
            if !sep {
                break;
            }
        }
        if self.eat_kw(Kw::As) {
            self.ident("an alias name")?;
        }
        Ok(StmtKind::Use { path })
    }

    /// Skips a balanced `{…}` group of a `use` tree.
    fn skip_group(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.kind() {
                TokenKind::LBrace => depth += 1,
                TokenKind::RBrace => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.bump();
                        return;
                    }
                }
                TokenKind::Eof | TokenKind::Semi => {
                    self.expected("'}' to close the 'use' group");
                    return;
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// `type Name<T> = Type` — accepted and dropped (annotations are
    /// never checked).
    fn type_alias(&mut self) -> PResult<()> {
        self.bump();
        self.ident("a type name")?;
        self.generic_params()?;
        self.expect(&TokenKind::Eq, "'=' in a type alias")?;
        self.ty()?;
        self.eat(&TokenKind::Semi);
        Ok(())
    }
}
