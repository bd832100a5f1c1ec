//! Expressions: a Pratt loop over the operator table of §2 (with the §10
//! overrides), prefix forms, postfix forms and the newline rules.
//!
//! Binding powers are the reference's levels doubled, so that a
//! left-associative operator at level `n` has left power `2n` and parses
//! its right operand with minimum `2n + 1`, while a right-associative one
//! (`=` and friends, `**`) parses it with `2n`:
//!
//! | level | operators | assoc |
//! |---|---|---|
//! | 1 | `=` `+=` … `>>=`; ternary `c ? a : b`; `\|\|` | right / right / left |
//! | 2 | `??` | left |
//! | 3 | `&&`, `\|>` | left |
//! | 4 | `\|` | left |
//! | 5 | `^`; `..` `..=` (end parsed at level 6) | left |
//! | 6 | `&` | left |
//! | 7 | `==` `!=` | left |
//! | 8 | `<` `<=` `>` `>=` | left |
//! | 9 | `<<` `>>` | left |
//! | 10 | `+` `-` | left |
//! | 11 | `*` `/` `%` | left |
//! | 12 | `**` | **right** (§10) |
//! | 13 | prefix `-` `!` `~` `&` `&mut` `*` | |
//! | 14 | postfix call, index, `.f`, `.m()`, `.0`, `?`, `as T` | |
//!
//! So `-2 ** 2` is `(-2) ** 2` = 4, `2 ** 3 ** 2` = 512, `1 + 1..5` is
//! `2..5`, `6 & 3 == 2` is `6 & (3 == 2)` and `xs |> len + 1` calls
//! `len + 1`.
//!
//! Newline rules (see also the module docs of `parser`): a `(` on a new
//! line never continues an expression (it is not a call); everything else
//! continues across newlines, except that block-like expressions at
//! statement position and in match-arm bodies end at their `}` when the
//! next token is on a new line ([`Parser::block_aware_expr`]), and a
//! non-block match-arm body ends before a new line that starts with a
//! token that can begin a pattern ([`begins_next_arm`]).

use super::{PResult, Parser};
use crate::ast::*;
use crate::format_spec::parse_format_spec;
use crate::lexer::lex_at;
use crate::span::Span;
use crate::token::{FStrPart, Kw, TokenKind};

/// Context flags that change how an expression is parsed. They apply to
/// the expression at hand and are reset inside any bracketed sub-expression.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Restr {
    /// No struct literal: `if x == Y { … }` must not read `Y { … }` as one
    /// (conditions, scrutinees, `for` iterables).
    no_struct: bool,
    /// Parsing a match-arm body, whose end may be a bare newline.
    arm_body: bool,
    /// No `x => body` closure (match guards, where `=>` ends the guard).
    no_arrow: bool,
}

impl Restr {
    const NO_STRUCT: Restr = Restr { no_struct: true, arm_body: false, no_arrow: false };
}

/// What an infix token does once its binding power allows it.
enum Infix {
    Bin(BinOp),
    Assign(Option<BinOp>),
    Range { inclusive: bool },
    Pipe,
}

/// Left binding power, minimum power for the right operand, and meaning.
fn infix_info(kind: &TokenKind) -> Option<(u8, u8, Infix)> {
    use BinOp::*;
    use TokenKind as T;
    let compound = |op| Some((2, 2, Infix::Assign(Some(op))));
    match kind {
        T::Eq => Some((2, 2, Infix::Assign(None))),
        T::PlusEq => compound(Add),
        T::MinusEq => compound(Sub),
        T::StarEq => compound(Mul),
        T::SlashEq => compound(Div),
        T::PercentEq => compound(Rem),
        T::StarStarEq => compound(Pow),
        T::AndEq => compound(BitAnd),
        T::OrEq => compound(BitOr),
        T::CaretEq => compound(BitXor),
        T::ShlEq => compound(Shl),
        T::ShrEq => compound(Shr),
        T::OrOr => Some((2, 3, Infix::Bin(Or))),
        T::QuestionQuestion => Some((4, 5, Infix::Bin(Coalesce))),
        T::AndAnd => Some((6, 7, Infix::Bin(And))),
        T::Pipeline => Some((6, 7, Infix::Pipe)),
        T::Or => Some((8, 9, Infix::Bin(BitOr))),
        T::Caret => Some((10, 11, Infix::Bin(BitXor))),
        T::DotDot => Some((10, 12, Infix::Range { inclusive: false })),
        T::DotDotEq => Some((10, 12, Infix::Range { inclusive: true })),
        T::And => Some((12, 13, Infix::Bin(BitAnd))),
        T::EqEq => Some((14, 15, Infix::Bin(Eq))),
        T::NotEq => Some((14, 15, Infix::Bin(Ne))),
        T::Lt => Some((16, 17, Infix::Bin(Lt))),
        T::Le => Some((16, 17, Infix::Bin(Le))),
        T::Gt => Some((16, 17, Infix::Bin(Gt))),
        T::Ge => Some((16, 17, Infix::Bin(Ge))),
        T::Shl => Some((18, 19, Infix::Bin(Shl))),
        T::Shr => Some((18, 19, Infix::Bin(Shr))),
        T::Plus => Some((20, 21, Infix::Bin(Add))),
        T::Minus => Some((20, 21, Infix::Bin(Sub))),
        T::Star => Some((22, 23, Infix::Bin(Mul))),
        T::Slash => Some((22, 23, Infix::Bin(Div))),
        T::Percent => Some((22, 23, Infix::Bin(Rem))),
        T::StarStar => Some((24, 24, Infix::Bin(Pow))),
        _ => None,
    }
}

/// Left binding power of the ternary `?` (level 1).
const TERNARY_BP: u8 = 2;
/// Operand power of prefix operators (level 13).
const PREFIX_BP: u8 = 26;

/// Tokens that can begin an expression.
pub(super) fn can_start_expr(kind: &TokenKind) -> bool {
    use TokenKind as T;
    match kind {
        T::Int(_) | T::Float(_) | T::Str(_) | T::FStr(_) | T::Ident(_) | T::Lifetime(_) => true,
        T::LParen | T::LBracket | T::LBrace => true,
        T::Minus | T::Bang | T::Tilde | T::And | T::AndAnd | T::Star => true,
        T::DotDot | T::DotDotEq | T::Or | T::OrOr | T::At => true,
        T::Kw(kw) => matches!(
            kw,
            Kw::If
                | Kw::Match
                | Kw::While
                | Kw::For
                | Kw::Loop
                | Kw::Try
                | Kw::Fun
                | Kw::Return
                | Kw::Break
                | Kw::Continue
                | Kw::Throw
                | Kw::True
                | Kw::False
                | Kw::Null
                | Kw::SelfValue
                | Kw::Async
                | Kw::Await
                | Kw::Spawn
        ),
        _ => false,
    }
}

/// In a non-block match-arm body, a new line starting with one of these
/// begins the next arm's pattern instead of continuing the body.
fn begins_next_arm(kind: &TokenKind) -> bool {
    use TokenKind as T;
    matches!(kind, T::Minus | T::LBracket | T::And | T::AndAnd | T::Or | T::OrOr | T::DotDot | T::DotDotEq)
}

fn is_upper(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn mk(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

/// `x |> f` → `f(x)`, `x |> f(a)` → `f(x, a)`, `x |> o.m(a)` → `o.m(x, a)`.
fn pipe(lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    match rhs.kind {
        ExprKind::Call { callee, mut args } => {
            args.insert(0, lhs);
            mk(ExprKind::Call { callee, args }, span)
        }
        ExprKind::MethodCall { receiver, method, turbofish, mut args } => {
            args.insert(0, lhs);
            mk(ExprKind::MethodCall { receiver, method, turbofish, args }, span)
        }
        _ => mk(ExprKind::Call { callee: Box::new(rhs), args: vec![lhs] }, span),
    }
}

impl Parser<'_> {
    /// A full expression with no restrictions.
    pub(super) fn expr(&mut self) -> PResult<Expr> {
        self.expr_bp(0, Restr::default())
    }

    /// An expression whose operators all bind at least as tightly as `min`.
    fn expr_bp(&mut self, min: u8, r: Restr) -> PResult<Expr> {
        self.nested(|p| {
            let lhs = p.prefix(r)?;
            p.continue_expr(lhs, min, r)
        })
    }

    /// An expression statement (§10: a block-like statement ends at `}`).
    pub(super) fn stmt_expr(&mut self) -> PResult<Expr> {
        self.block_aware_expr(Restr::default())
    }

    /// Like [`Parser::expr_bp`] at the lowest power, except that an
    /// expression starting with a block-like form stops after that form
    /// when the next token is on a new line (or is `;`, `,`, `}`): then a
    /// following `-1` or `[a]` line is a new statement, as in Rust. On the
    /// same line it may continue (`match x { … }.len()`).
    fn block_aware_expr(&mut self, r: Restr) -> PResult<Expr> {
        if !self.starts_block_like() {
            return self.expr_bp(0, r);
        }
        self.nested(|p| {
            let lhs = if p.at(&TokenKind::LBrace) { p.brace_expr(false)? } else { p.prefix(r)? };
            let ends = matches!(p.kind(), TokenKind::Semi | TokenKind::Comma | TokenKind::RBrace | TokenKind::Eof);
            if ends || p.at_new_line() {
                return Ok(lhs);
            }
            p.continue_expr(lhs, 0, r)
        })
    }

    fn starts_block_like(&self) -> bool {
        match self.kind() {
            TokenKind::Kw(Kw::If | Kw::Match | Kw::While | Kw::For | Kw::Loop | Kw::Try) => true,
            TokenKind::LBrace => true,
            TokenKind::Lifetime(_) => *self.nth_kind(1) == TokenKind::Colon,
            TokenKind::At => matches!(self.nth_kind(1), TokenKind::Ident(_)) && *self.nth_kind(2) == TokenKind::Colon,
            _ => false,
        }
    }

    /// The Pratt loop: applies postfix and infix operators to `lhs`.
    fn continue_expr(&mut self, mut lhs: Expr, min: u8, r: Restr) -> PResult<Expr> {
        loop {
            let kind = self.kind().clone();
            let newline = self.at_new_line();
            if newline && r.arm_body && begins_next_arm(&kind) {
                return Ok(lhs);
            }
            lhs = match kind {
                TokenKind::LParen if newline => return Ok(lhs),
                TokenKind::LParen => self.call(lhs)?,
                TokenKind::LBracket => self.index(lhs)?,
                TokenKind::Dot => {
                    self.bump();
                    self.member(lhs)?
                }
                TokenKind::QuestionDot => {
                    let q = self.bump().span;
                    let span = lhs.span.to(q);
                    self.member(mk(ExprKind::Question(Box::new(lhs)), span))?
                }
                TokenKind::Question if self.ternary_follows() => {
                    if TERNARY_BP < min {
                        return Ok(lhs);
                    }
                    self.ternary(lhs, r)?
                }
                TokenKind::Question => {
                    let q = self.bump().span;
                    let span = lhs.span.to(q);
                    mk(ExprKind::Question(Box::new(lhs)), span)
                }
                TokenKind::Kw(Kw::As) => {
                    self.bump();
                    let ty = self.ty_in_cast()?;
                    let span = self.since(lhs.span);
                    mk(ExprKind::Cast { expr: Box::new(lhs), ty }, span)
                }
                _ => match infix_info(&kind) {
                    Some((lbp, rbp, op)) if lbp >= min => self.infix(lhs, rbp, op, r)?,
                    _ => return Ok(lhs),
                },
            };
        }
    }

    /// Applies one infix operator (the operator token is current).
    fn infix(&mut self, lhs: Expr, rbp: u8, op: Infix, r: Restr) -> PResult<Expr> {
        self.bump();
        let kind = match op {
            Infix::Bin(op) => {
                let rhs = self.expr_bp(rbp, r)?;
                ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }
            }
            Infix::Assign(op) => {
                let value = self.expr_bp(rbp, r)?;
                ExprKind::Assign { op, target: Box::new(lhs), value: Box::new(value) }
            }
            Infix::Range { inclusive } => {
                let end = if self.range_end_follows(r) { Some(Box::new(self.expr_bp(rbp, r)?)) } else { None };
                ExprKind::Range { start: Some(Box::new(lhs)), end, inclusive }
            }
            Infix::Pipe => {
                let rhs = self.expr_bp(rbp, r)?;
                return Ok(pipe(lhs, rhs));
            }
        };
        let start = match &kind {
            ExprKind::Binary { lhs, .. } => lhs.span,
            ExprKind::Assign { target, .. } => target.span,
            ExprKind::Range { start: Some(s), .. } => s.span,
            _ => self.prev_span(),
        };
        Ok(mk(kind, self.since(start)))
    }

    /// Whether a range operator has an end operand (`s[1..]` has none).
    fn range_end_follows(&self, r: Restr) -> bool {
        let kind = self.kind();
        can_start_expr(kind) && !(r.no_struct && *kind == TokenKind::LBrace)
    }

    /// `?` is the ternary operator when an expression follows on the same
    /// line and a `:` appears at the same bracket depth before the line,
    /// statement or enclosing bracket ends; otherwise it is the try
    /// operator.
    fn ternary_follows(&self) -> bool {
        let next = self.nth(1);
        if next.newline_before || !can_start_expr(&next.kind) {
            return false;
        }
        let mut depth = 0usize;
        for n in 1..512 {
            let tok = self.nth(n);
            if n > 1 && tok.newline_before {
                return false;
            }
            match tok.kind {
                TokenKind::Colon if depth == 0 => return true,
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                    if depth == 0 {
                        return false;
                    }
                    depth -= 1;
                }
                TokenKind::Semi | TokenKind::FatArrow | TokenKind::Eof => return false,
                TokenKind::Comma if depth == 0 => return false,
                _ => {}
            }
        }
        false
    }

    /// `cond ? then : else` with the `?` current.
    fn ternary(&mut self, cond: Expr, r: Restr) -> PResult<Expr> {
        self.bump();
        let then = self.expr_bp(0, r)?;
        self.expect(&TokenKind::Colon, "':' in a conditional expression")?;
        let else_ = self.expr_bp(TERNARY_BP, r)?;
        let span = cond.span.to(else_.span);
        Ok(mk(ExprKind::Ternary { cond: Box::new(cond), then: Box::new(then), else_: Box::new(else_) }, span))
    }

    /// `callee(args)` with `(` current (and on the callee's line).
    fn call(&mut self, callee: Expr) -> PResult<Expr> {
        let open = self.bump().span;
        let args = self.expr_list(&TokenKind::RParen, open)?;
        let span = self.since(callee.span);
        Ok(mk(ExprKind::Call { callee: Box::new(callee), args }, span))
    }

    /// `expr[index]` with `[` current.
    fn index(&mut self, expr: Expr) -> PResult<Expr> {
        let open = self.bump().span;
        let index = self.expr()?;
        self.expect_close(&TokenKind::RBracket, open)?;
        let span = self.since(expr.span);
        Ok(mk(ExprKind::Index { expr: Box::new(expr), index: Box::new(index) }, span))
    }

    /// Comma-separated expressions up to `close` (trailing comma allowed).
    fn expr_list(&mut self, close: &TokenKind, open: Span) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        while !self.at(close) && !self.at_eof() {
            items.push(self.expr()?);
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect_close(close, open)?;
        Ok(items)
    }

    /// After `.`: a tuple index `.0`, a field `.name`, a method call
    /// `.name(args)` / `.name::<T>(args)`, or `.await` (ignored).
    fn member(&mut self, recv: Expr) -> PResult<Expr> {
        let tok = self.peek().clone();
        let name = match tok.kind {
            TokenKind::Int(n) => {
                self.bump();
                let index = u32::try_from(n).map_err(|_| self.error(tok.span, "tuple index too large"))?;
                let span = self.since(recv.span);
                return Ok(mk(ExprKind::TupleIndex { expr: Box::new(recv), index }, span));
            }
            TokenKind::Kw(Kw::Await) => {
                self.bump();
                return Ok(recv);
            }
            TokenKind::Ident(name) => name,
            TokenKind::Kw(kw) => kw.as_str().to_string(),
            _ => return Err(self.expected("a field or method name after '.'")),
        };
        self.bump();
        let method = Ident { name, span: tok.span };
        let turbofish = if self.at(&TokenKind::ColonColon) && *self.nth_kind(1) == TokenKind::Lt {
            self.bump();
            self.generic_args()?.into_iter().next()
        } else {
            None
        };
        if self.at(&TokenKind::LParen) && !self.at_new_line() {
            let open = self.bump().span;
            let args = self.expr_list(&TokenKind::RParen, open)?;
            let span = self.since(recv.span);
            return Ok(mk(ExprKind::MethodCall { receiver: Box::new(recv), method, turbofish, args }, span));
        }
        if turbofish.is_some() {
            return Err(self.expected("'(' after a turbofish"));
        }
        let span = self.since(recv.span);
        Ok(mk(ExprKind::Field { expr: Box::new(recv), name: method }, span))
    }

    /// Expressions that start with a token: literals, names, brackets,
    /// prefix operators, closures and the keyword forms.
    fn prefix(&mut self, r: Restr) -> PResult<Expr> {
        let tok = self.peek().clone();
        let span = tok.span;
        let lit = |p: &mut Self, kind| {
            p.bump();
            Ok(mk(kind, span))
        };
        match tok.kind {
            TokenKind::Int(v) => lit(self, ExprKind::Int(v)),
            TokenKind::Float(v) => lit(self, ExprKind::Float(v)),
            TokenKind::Str(s) => lit(self, ExprKind::Str(s)),
            TokenKind::Kw(Kw::True) => lit(self, ExprKind::Bool(true)),
            TokenKind::Kw(Kw::False) => lit(self, ExprKind::Bool(false)),
            TokenKind::Kw(Kw::Null) => lit(self, ExprKind::Nil),
            TokenKind::Kw(Kw::SelfValue) => lit(self, ExprKind::Ident("self".into())),
            TokenKind::FStr(parts) => {
                self.bump();
                let parts = parts.into_iter().map(|part| self.fstring_part(part)).collect();
                Ok(mk(ExprKind::FString(parts), span))
            }
            TokenKind::Ident(name) => self.ident_expr(name, r),
            TokenKind::LParen => self.paren_expr(),
            TokenKind::LBracket => self.array_expr(),
            TokenKind::LBrace => self.brace_expr(true),
            TokenKind::Minus => self.unary(UnOp::Neg, r),
            TokenKind::Bang => self.unary(UnOp::Not, r),
            TokenKind::Tilde => self.unary(UnOp::BitNot, r),
            TokenKind::And | TokenKind::AndAnd | TokenKind::Star => {
                // `&x`, `&mut x`, `*x` are runtime no-ops: keep the operand.
                self.bump();
                self.eat_kw(Kw::Mut);
                self.expr_bp(PREFIX_BP, r)
            }
            TokenKind::DotDot | TokenKind::DotDotEq => {
                self.bump();
                let inclusive = tok.kind == TokenKind::DotDotEq;
                let end = if self.range_end_follows(r) { Some(Box::new(self.expr_bp(12, r)?)) } else { None };
                Ok(mk(ExprKind::Range { start: None, end, inclusive }, self.since(span)))
            }
            TokenKind::Or | TokenKind::OrOr => self.closure(r),
            TokenKind::Lifetime(_) | TokenKind::At => self.labeled(),
            TokenKind::Kw(kw) => self.keyword_expr(kw, r),
            _ => Err(self.expected("expression")),
        }
    }

    /// Expressions introduced by a keyword.
    fn keyword_expr(&mut self, kw: Kw, r: Restr) -> PResult<Expr> {
        match kw {
            Kw::If => self.if_expr(),
            Kw::Match => self.match_expr(),
            Kw::While => self.while_expr(None),
            Kw::For => self.for_expr(None),
            Kw::Loop => self.loop_expr(None),
            Kw::Try => self.try_expr(),
            Kw::Fun if *self.nth_kind(1) == TokenKind::LParen => self.anon_fun(),
            Kw::Break => self.break_expr(r),
            Kw::Continue => {
                let start = self.bump().span;
                let label = self.jump_label();
                Ok(mk(ExprKind::Continue { label }, self.since(start)))
            }
            Kw::Return => {
                let start = self.bump().span;
                let value = if can_start_expr(self.kind()) { Some(Box::new(self.expr_bp(0, r)?)) } else { None };
                Ok(mk(ExprKind::Return(value), self.since(start)))
            }
            Kw::Throw => {
                let start = self.bump().span;
                let value = self.expr_bp(0, r)?;
                Ok(mk(ExprKind::Throw(Box::new(value)), self.since(start)))
            }
            // `async { }`, `async |x| …`, `await e`, `spawn e`: run
            // synchronously, so the keyword is dropped.
            Kw::Async | Kw::Await | Kw::Spawn => {
                self.bump();
                self.expr_bp(PREFIX_BP, r)
            }
            _ => Err(self.expected("expression")),
        }
    }

    /// `-x`, `!x`, `~x` with the operator current.
    fn unary(&mut self, op: UnOp, r: Restr) -> PResult<Expr> {
        let start = self.bump().span;
        let operand = self.expr_bp(PREFIX_BP, r)?;
        let span = start.to(operand.span);
        Ok(mk(ExprKind::Unary { op, expr: Box::new(operand) }, span))
    }

    /// A name and what may follow it: `nil`, `x => body`, a macro call
    /// `name!(…)`, a path `A::B::C` (turbofish segments skipped) and a
    /// struct literal `Name { … }`.
    fn ident_expr(&mut self, name: String, r: Restr) -> PResult<Expr> {
        if name == "move" && matches!(self.nth_kind(1), TokenKind::Or | TokenKind::OrOr) {
            return self.closure(r);
        }
        let first = self.ident("identifier")?;
        if first.name == "nil" {
            return Ok(mk(ExprKind::Nil, first.span));
        }
        if self.at(&TokenKind::FatArrow) && !r.no_arrow {
            return self.arrow_closure(first, r);
        }
        if self.macro_follows(first.span) {
            return self.macro_call(first);
        }
        let mut path = vec![first];
        while self.at(&TokenKind::ColonColon) {
            self.bump();
            if self.at(&TokenKind::Lt) {
                self.generic_args()?;
                continue;
            }
            let span = self.span();
            match self.kind().clone() {
                TokenKind::Ident(name) => path.push(Ident { name, span }),
                TokenKind::Kw(kw) => path.push(Ident { name: kw.as_str().into(), span }),
                _ => return Err(self.expected("a name after '::'")),
            }
            self.bump();
        }
        let start = path[0].span;
        let last_upper = path.last().is_some_and(|id| is_upper(&id.name));
        if !r.no_struct && last_upper && self.struct_body_follows() {
            return self.struct_lit(path);
        }
        if path.len() == 1 {
            let id = path.pop().expect("one segment");
            return Ok(mk(ExprKind::Ident(id.name), id.span));
        }
        Ok(mk(ExprKind::Path(path), self.since(start)))
    }

    /// `name!` directly followed by `(`, `[` or `{`.
    fn macro_follows(&self, name_span: Span) -> bool {
        let bang = self.peek();
        bang.kind == TokenKind::Bang
            && bang.span.start == name_span.end
            && matches!(self.nth_kind(1), TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace)
    }

    /// `name!(args)`; `vec![a, b]` becomes an array and `vec![x; n]` an
    /// array repeat.
    fn macro_call(&mut self, name: Ident) -> PResult<Expr> {
        self.bump();
        let open_tok = self.bump();
        let close = match open_tok.kind {
            TokenKind::LParen => TokenKind::RParen,
            TokenKind::LBracket => TokenKind::RBracket,
            _ => TokenKind::RBrace,
        };
        let start = name.span;
        if name.name == "vec" {
            if !self.at(&close) && !self.at_eof() {
                let first = self.expr()?;
                if self.eat(&TokenKind::Semi) {
                    let count = self.expr()?;
                    self.expect_close(&close, open_tok.span)?;
                    let kind = ExprKind::ArrayRepeat { value: Box::new(first), count: Box::new(count) };
                    return Ok(mk(kind, self.since(start)));
                }
                let mut items = vec![first];
                if self.eat(&TokenKind::Comma) {
                    items.extend(self.expr_list(&close, open_tok.span)?);
                } else {
                    self.expect_close(&close, open_tok.span)?;
                }
                return Ok(mk(ExprKind::Array(items), self.since(start)));
            }
            self.expect_close(&close, open_tok.span)?;
            return Ok(mk(ExprKind::Array(Vec::new()), self.since(start)));
        }
        if name.name == "matches" {
            return self.matches_macro(&close, open_tok.span, start);
        }
        let args = self.expr_list(&close, open_tok.span)?;
        Ok(mk(ExprKind::Macro { name, args }, self.since(start)))
    }

    /// `matches!(value, pattern)` or `matches!(value, pattern if guard)`,
    /// after the opening delimiter: a `match` giving `true` or `false`.
    fn matches_macro(&mut self, close: &TokenKind, open: Span, start: Span) -> PResult<Expr> {
        let scrutinee = self.expr()?;
        self.expect(&TokenKind::Comma, "`,` after the value in `matches!`")?;
        let pat = self.pat_top()?;
        let guard = if self.eat_kw(Kw::If) { Some(self.expr()?) } else { None };
        self.eat(&TokenKind::Comma);
        self.expect_close(close, open)?;
        let span = self.since(start);
        let arm = |pat, guard, value| MatchArm { pat, guard, body: mk(ExprKind::Bool(value), span), span };
        let wild = Pat { kind: PatKind::Wild, span };
        let arms = vec![arm(pat, guard, true), arm(wild, None, false)];
        Ok(mk(ExprKind::Match { scrutinee: Box::new(scrutinee), arms }, span))
    }

    /// With `{` current after an uppercase name: does a struct literal
    /// body follow (`{}`, `{ x`, `{ x: …`, `{ x, …`, `{ ..base }`)?
    fn struct_body_follows(&self) -> bool {
        if !self.at(&TokenKind::LBrace) {
            return false;
        }
        match self.nth_kind(1) {
            TokenKind::RBrace | TokenKind::DotDot => true,
            TokenKind::Ident(_) | TokenKind::Int(_) => {
                matches!(self.nth_kind(2), TokenKind::Colon | TokenKind::Comma | TokenKind::RBrace)
            }
            _ => false,
        }
    }

    /// `Path { a: 1, b, ..base }` with `{` current.
    fn struct_lit(&mut self, path: Vec<Ident>) -> PResult<Expr> {
        let open = self.bump().span;
        let mut fields = Vec::new();
        let mut base = None;
        while !self.at(&TokenKind::RBrace) && !self.at_eof() {
            if self.eat(&TokenKind::DotDot) {
                base = Some(Box::new(self.expr()?));
                break;
            }
            let name = match self.kind().clone() {
                TokenKind::Int(n) => Ident { name: n.to_string(), span: self.bump().span },
                _ => self.ident("a field name")?,
            };
            let value = if self.eat(&TokenKind::Colon) { Some(self.expr()?) } else { None };
            fields.push(FieldInit { name, value });
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect_close(&TokenKind::RBrace, open)?;
        let span = self.since(path[0].span);
        Ok(mk(ExprKind::StructLit { path, fields, base }, span))
    }

    /// `()` (nil), `(e)`, `(a,)`, `(a, b)`.
    fn paren_expr(&mut self) -> PResult<Expr> {
        let open = self.bump().span;
        if self.eat(&TokenKind::RParen) {
            return Ok(mk(ExprKind::Nil, self.since(open)));
        }
        let first = self.expr()?;
        if !self.eat(&TokenKind::Comma) {
            self.expect_close(&TokenKind::RParen, open)?;
            return Ok(first);
        }
        let mut items = vec![first];
        items.extend(self.expr_list(&TokenKind::RParen, open)?);
        Ok(mk(ExprKind::Tuple(items), self.since(open)))
    }

    /// `[a, b]`, `[]`, `[value; count]`.
    fn array_expr(&mut self) -> PResult<Expr> {
        let open = self.bump().span;
        if self.eat(&TokenKind::RBracket) {
            return Ok(mk(ExprKind::Array(Vec::new()), self.since(open)));
        }
        let first = self.expr()?;
        if self.eat(&TokenKind::Semi) {
            let count = self.expr()?;
            self.expect_close(&TokenKind::RBracket, open)?;
            let kind = ExprKind::ArrayRepeat { value: Box::new(first), count: Box::new(count) };
            return Ok(mk(kind, self.since(open)));
        }
        let mut items = vec![first];
        if self.eat(&TokenKind::Comma) {
            items.extend(self.expr_list(&TokenKind::RBracket, open)?);
        } else {
            self.expect_close(&TokenKind::RBracket, open)?;
        }
        Ok(mk(ExprKind::Array(items), self.since(open)))
    }

    /// A `{` in expression position: a dict literal when it is `{}` (and
    /// `empty_is_dict`) or when a string or name is followed by `:`;
    /// otherwise a block. Function, closure and statement-level bodies
    /// pass `empty_is_dict = false`, so an empty body is nil (§3).
    pub(super) fn brace_expr(&mut self, empty_is_dict: bool) -> PResult<Expr> {
        let empty = *self.nth_kind(1) == TokenKind::RBrace;
        let keyed = matches!(self.nth_kind(1), TokenKind::Str(_) | TokenKind::Ident(_))
            && *self.nth_kind(2) == TokenKind::Colon;
        if (empty && empty_is_dict) || keyed {
            return self.dict();
        }
        let block = self.block()?;
        let span = block.span;
        Ok(mk(ExprKind::Block(block), span))
    }

    /// `{"k": 1, k2: 2, (expr): 3}`.
    fn dict(&mut self) -> PResult<Expr> {
        let open = self.bump().span;
        let mut entries = Vec::new();
        while !self.at(&TokenKind::RBrace) && !self.at_eof() {
            let key = match self.kind().clone() {
                TokenKind::Str(s) if *self.nth_kind(1) == TokenKind::Colon => {
                    self.bump();
                    DictKey::Name(s)
                }
                TokenKind::Ident(s) if *self.nth_kind(1) == TokenKind::Colon => {
                    self.bump();
                    DictKey::Name(s)
                }
                _ => DictKey::Expr(self.expr()?),
            };
            self.expect(&TokenKind::Colon, "':' after a dict key")?;
            let value = self.expr()?;
            entries.push((key, value));
            if !self.eat(&TokenKind::Comma) && !self.at_new_line() {
                break;
            }
        }
        self.expect_close(&TokenKind::RBrace, open)?;
        Ok(mk(ExprKind::Dict(entries), self.since(open)))
    }

    /// `{ stmts }`; the value is the last expression.
    pub(super) fn block(&mut self) -> PResult<Block> {
        let open = self.expect(&TokenKind::LBrace, "'{'")?;
        let stmts = self.nested(|p| Ok(p.stmts_until_brace()))?;
        self.expect_close(&TokenKind::RBrace, open)?;
        Ok(Block { stmts, span: self.since(open) })
    }

    fn block_expr(&mut self) -> PResult<Expr> {
        let block = self.block()?;
        let span = block.span;
        Ok(mk(ExprKind::Block(block), span))
    }

    /// `if c { } else if d { } else { }` and `if let pat = v { } …`.
    fn if_expr(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        if self.eat_kw(Kw::Let) {
            let pat = self.pat_top()?;
            self.expect(&TokenKind::Eq, "'=' after the 'if let' pattern")?;
            let value = Box::new(self.expr_bp(0, Restr::NO_STRUCT)?);
            let then = self.block()?;
            let else_ = self.else_branch()?;
            return Ok(mk(ExprKind::IfLet { pat, value, then, else_ }, self.since(start)));
        }
        let cond = Box::new(self.expr_bp(0, Restr::NO_STRUCT)?);
        let then = self.block()?;
        let else_ = self.else_branch()?;
        Ok(mk(ExprKind::If { cond, then, else_ }, self.since(start)))
    }

    fn else_branch(&mut self) -> PResult<Option<Box<Expr>>> {
        if !self.eat_kw(Kw::Else) {
            return Ok(None);
        }
        let branch = if self.at_kw(Kw::If) { self.nested(|p| p.if_expr())? } else { self.block_expr()? };
        Ok(Some(Box::new(branch)))
    }

    /// `match v { pat (if guard)? => body, … }`; arms are separated by
    /// commas or newlines.
    fn match_expr(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let scrutinee = Box::new(self.expr_bp(0, Restr::NO_STRUCT)?);
        let open = self.expect(&TokenKind::LBrace, "'{' to start the match arms")?;
        let mut arms = Vec::new();
        loop {
            while self.eat(&TokenKind::Comma) {}
            if self.at(&TokenKind::RBrace) || self.at_eof() {
                break;
            }
            let before = self.pos;
            match self.arm() {
                Ok(arm) => arms.push(arm),
                Err(failed) => {
                    self.recover_member(before);
                    if self.at_eof() {
                        return Err(failed);
                    }
                }
            }
        }
        self.expect_close(&TokenKind::RBrace, open)?;
        Ok(mk(ExprKind::Match { scrutinee, arms }, self.since(start)))
    }

    fn arm(&mut self) -> PResult<MatchArm> {
        let start = self.span();
        let pat = self.pat_top()?;
        let guard = if self.eat_kw(Kw::If) {
            Some(self.expr_bp(0, Restr { no_arrow: true, ..Restr::default() })?)
        } else {
            None
        };
        self.expect(&TokenKind::FatArrow, "'=>' after the match pattern")?;
        let body = self.block_aware_expr(Restr { arm_body: true, ..Restr::default() })?;
        if !matches!(self.kind(), TokenKind::Comma | TokenKind::RBrace) && !self.at_new_line() {
            return Err(self.expected("',' or a new line after a match arm"));
        }
        Ok(MatchArm { pat, guard, body, span: self.since(start) })
    }

    /// `'outer: for …` or `@outer: loop …`.
    fn labeled(&mut self) -> PResult<Expr> {
        let start = self.span();
        let label = match self.bump().kind {
            TokenKind::Lifetime(name) => Ident { name, span: start },
            _ => {
                let id = self.ident("a label name after '@'")?;
                Ident { name: id.name, span: start.to(id.span) }
            }
        };
        self.expect(&TokenKind::Colon, "':' after the loop label")?;
        match self.kind() {
            TokenKind::Kw(Kw::While) => self.while_expr(Some(label)),
            TokenKind::Kw(Kw::For) => self.for_expr(Some(label)),
            TokenKind::Kw(Kw::Loop) => self.loop_expr(Some(label)),
            TokenKind::LBrace => self.block_expr(),
            _ => Err(self.expected("a loop after the label")),
        }
    }

    fn while_expr(&mut self, label: Option<Ident>) -> PResult<Expr> {
        let start = label.as_ref().map_or(self.span(), |l| l.span);
        self.bump();
        if self.eat_kw(Kw::Let) {
            let pat = self.pat_top()?;
            self.expect(&TokenKind::Eq, "'=' after the 'while let' pattern")?;
            let value = Box::new(self.expr_bp(0, Restr::NO_STRUCT)?);
            let body = self.block()?;
            return Ok(mk(ExprKind::WhileLet { label, pat, value, body }, self.since(start)));
        }
        let cond = Box::new(self.expr_bp(0, Restr::NO_STRUCT)?);
        let body = self.block()?;
        Ok(mk(ExprKind::While { label, cond, body }, self.since(start)))
    }

    fn for_expr(&mut self, label: Option<Ident>) -> PResult<Expr> {
        let start = label.as_ref().map_or(self.span(), |l| l.span);
        self.bump();
        let pat = self.pat_top()?;
        if !self.eat_kw(Kw::In) {
            return Err(self.expected("'in' after the 'for' pattern"));
        }
        let iter = Box::new(self.expr_bp(0, Restr::NO_STRUCT)?);
        let body = self.block()?;
        Ok(mk(ExprKind::For { label, pat, iter, body }, self.since(start)))
    }

    fn loop_expr(&mut self, label: Option<Ident>) -> PResult<Expr> {
        let start = label.as_ref().map_or(self.span(), |l| l.span);
        self.bump();
        let body = self.block()?;
        Ok(mk(ExprKind::Loop { label, body }, self.since(start)))
    }

    /// The optional label of `break`/`continue`: `'outer` or `@outer`.
    fn jump_label(&mut self) -> Option<Ident> {
        match self.kind().clone() {
            TokenKind::Lifetime(name) => Some(Ident { name, span: self.bump().span }),
            TokenKind::At if matches!(self.nth_kind(1), TokenKind::Ident(_)) && !self.nth(1).newline_before => {
                let start = self.bump().span;
                self.ident("a label").ok().map(|id| Ident { name: id.name, span: start.to(id.span) })
            }
            _ => None,
        }
    }

    /// `break`, `break 'label`, `break value`; the value must start on the
    /// same line.
    fn break_expr(&mut self, r: Restr) -> PResult<Expr> {
        let start = self.bump().span;
        let label = self.jump_label();
        let value = if !self.at_new_line() && can_start_expr(self.kind()) && !self.at(&TokenKind::LBrace) {
            Some(Box::new(self.expr_bp(0, r)?))
        } else {
            None
        };
        Ok(mk(ExprKind::Break { label, value }, self.since(start)))
    }

    /// `try { } catch e { } finally { }`; `catch (e)` also works. Extra
    /// catch clauses are parsed; only the first is kept.
    fn try_expr(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let body = self.block()?;
        let mut clauses = Vec::new();
        while self.eat_kw(Kw::Catch) {
            let pat = if self.at(&TokenKind::LBrace) {
                Pat { kind: PatKind::Wild, span: self.prev_span() }
            } else {
                self.pat_no_alt()?
            };
            let block = self.block()?;
            clauses.push((pat, block));
        }
        let catch = Self::merge_catch_clauses(clauses);
        let finally = if self.eat_kw(Kw::Finally) { Some(self.block()?) } else { None };
        Ok(mk(ExprKind::Try { body, catch, finally }, self.since(start)))
    }

    /// Several `catch pat { … }` clauses (or one with a refutable pattern)
    /// are tried in order, like match arms; when none matches, the exception
    /// propagates. That is one catch that
    /// binds the exception and matches on it, rethrowing in a last arm. The
    /// binding's name cannot be written in source (`#` starts a comment), so
    /// it cannot capture a user variable.
    fn merge_catch_clauses(mut clauses: Vec<(Pat, Block)>) -> Option<(Pat, Block)> {
        let plain = |p: &Pat| matches!(p.kind, PatKind::Wild | PatKind::Bind { sub: None, .. });
        if clauses.is_empty() || (clauses.len() == 1 && plain(&clauses[0].0)) {
            return clauses.pop();
        }
        let span = clauses[0].0.span.to(clauses[clauses.len() - 1].1.span);
        let name = "#caught".to_string();
        let caught = || mk(ExprKind::Ident(name.clone()), span);
        let mut arms: Vec<MatchArm> = clauses
            .into_iter()
            .map(|(pat, block)| {
                let arm_span = pat.span.to(block.span);
                MatchArm { pat, guard: None, body: mk(ExprKind::Block(block), arm_span), span: arm_span }
            })
            .collect();
        let rethrow = mk(ExprKind::Throw(Box::new(caught())), span);
        arms.push(MatchArm { pat: Pat { kind: PatKind::Wild, span }, guard: None, body: rethrow, span });
        let matched = mk(ExprKind::Match { scrutinee: Box::new(caught()), arms }, span);
        let binding = Pat { kind: PatKind::Bind { name: Ident { name: name.clone(), span }, sub: None }, span };
        let body = Block { stmts: vec![Stmt { kind: StmtKind::Expr { expr: matched, semi: false }, span }], span };
        Some((binding, body))
    }

    /// `|a, b| body`, `|| body`, `move |x| body`, `|x: i32| -> i32 { x }`.
    fn closure(&mut self, r: Restr) -> PResult<Expr> {
        let start = self.span();
        if self.at_ident("move") {
            self.bump();
        }
        let params = if self.eat(&TokenKind::OrOr) {
            Vec::new()
        } else {
            let open = self.expect(&TokenKind::Or, "'|' to start closure parameters")?;
            self.params(open, &TokenKind::Or)?.1
        };
        let body = self.closure_body(r)?;
        Ok(mk(ExprKind::Closure { params, body: Box::new(body) }, self.since(start)))
    }

    /// A closure body: a block after `-> T`, else any expression; a `{`
    /// body is a block unless it is a non-empty dict literal.
    fn closure_body(&mut self, r: Restr) -> PResult<Expr> {
        if self.eat(&TokenKind::Arrow) {
            self.ty()?;
            return self.block_expr();
        }
        if self.at(&TokenKind::LBrace) {
            return self.nested(|p| p.brace_expr(false));
        }
        self.expr_bp(0, r)
    }

    /// `x => body` with `=>` current.
    fn arrow_closure(&mut self, param: Ident, r: Restr) -> PResult<Expr> {
        self.bump();
        let start = param.span;
        let pat = Pat { span: param.span, kind: PatKind::Bind { name: param, sub: None } };
        let params = vec![Param { span: pat.span, pat, ty: None, default: None }];
        let body = self.closure_body(r)?;
        Ok(mk(ExprKind::Closure { params, body: Box::new(body) }, self.since(start)))
    }

    /// `fun(x) { … }` as an expression.
    fn anon_fun(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let open = self.bump().span;
        let (_, params) = self.params(open, &TokenKind::RParen)?;
        if self.eat(&TokenKind::Arrow) {
            self.ty()?;
        }
        let body = self.block_expr()?;
        Ok(mk(ExprKind::Closure { params, body: Box::new(body) }, self.since(start)))
    }

    /// Turns one lexed f-string part into an AST part: a hole's text is
    /// lexed and parsed in place (spans point into the file) and its spec
    /// parsed with [`parse_format_spec`]. A broken hole is reported and
    /// becomes `nil`, so the rest of the statement still parses.
    fn fstring_part(&mut self, part: FStrPart) -> FPart {
        let (src, offset, spec) = match part {
            FStrPart::Lit(text) => return FPart::Lit(text),
            FStrPart::Hole { src, offset, spec } => (src, offset, spec),
        };
        let hole_span = Span::new(offset as usize, offset as usize + src.len());
        let expr = self.hole_expr(&src, offset, hole_span).unwrap_or(mk(ExprKind::Nil, hole_span));
        let spec = match spec {
            None => FormatSpec::default(),
            Some((text, at)) => parse_format_spec(&text).unwrap_or_else(|msg| {
                self.error(Span::new(at as usize, at as usize + text.len()), msg);
                FormatSpec::default()
            }),
        };
        FPart::Expr { expr, spec }
    }

    fn hole_expr(&mut self, src: &str, offset: u32, hole_span: Span) -> PResult<Expr> {
        let (tokens, lex_diags) = lex_at(src, offset);
        self.diags.extend(lex_diags);
        let mut sub = Parser::new(self.src, self.lines, tokens, self.depth);
        let result = if sub.at_eof() {
            let braces = Span::new(hole_span.start as usize - 1, hole_span.end as usize + 1);
            Err(sub.error(braces, "empty expression in f-string hole"))
        } else {
            match sub.expr() {
                Ok(e) if sub.at_eof() => Ok(e),
                Ok(_) => Err(sub.expected("'}' after the f-string expression")),
                Err(f) => Err(f),
            }
        };
        self.diags.append(&mut sub.diags);
        result
    }
}
