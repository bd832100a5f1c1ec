//! Tokens → [`ast::Program`]: a recursive-descent parser for statements and
//! items with a Pratt (binding power) loop for expressions.
//!
//! The work is split by syntactic category: [`expr`] (expressions, the
//! operator table and the newline rules), [`pat`] (patterns), [`ty`] (type
//! annotations) and [`item`] (statements and declarations). This file holds
//! the token cursor, diagnostics and error recovery shared by all of them.
//!
//! # Error recovery
//! Every rule returns [`PResult`]: `Err(Failed)` means "a diagnostic has
//! been recorded and this rule gave up". The statement loop catches the
//! failure and skips to a plausible statement start (see
//! [`Parser::recover_stmt`]) so that one run reports every independent
//! syntax error. Termination is guaranteed because every loop either
//! consumes a token or exits, and nesting is capped at [`MAX_DEPTH`] so that
//! hostile input reports "nesting too deep" instead of overflowing the
//! native stack.
//!
//! # Newline rules
//! Newlines are whitespace; tokens only record [`Token::newline_before`].
//! The parser consults it in exactly these places (details in [`expr`]):
//! 1. A call's `(` must be on the callee's line; a `(` starting a line
//!    starts a new statement.
//! 2. A block-like expression (`if`, `match`, `while`, `for`, `loop`, `try`,
//!    a block) at statement position or as a match-arm body ends at its `}`
//!    when the next token is on a new line (§10), so a following `-1` or
//!    `[a]` line is a new statement.
//! 3. Anywhere else an expression continues while the next token can extend
//!    it (§2): `a\n - 1` is `a - 1`, `.method()` lines continue a chain and a
//!    line starting with `[` indexes the previous expression. Exception:
//!    inside a non-block match-arm body, a new line starting with a token
//!    that can begin a pattern (`-`, `[`, `&`, `|`, `..`) starts the next arm,
//!    because arms may be separated by newlines alone.
//! 4. `break` takes a value only from the same line.

mod expr;
mod item;
mod pat;
mod ty;

#[cfg(test)]
mod tests;

use crate::ast::Program;
use crate::diag::Diagnostic;
use crate::lexer::lex;
use crate::span::{LineIndex, Span};
use crate::token::{Kw, Token, TokenKind};

/// Deepest allowed nesting of expressions, patterns, types and blocks.
pub const MAX_DEPTH: usize = 200;

/// Stack for the parsing thread. Unoptimised builds use up to ~13 KiB of
/// native stack per nesting level, so [`MAX_DEPTH`] levels need ~3 MiB —
/// more than a default test or worker thread has. The memory is only
/// reserved, not committed, until used.
const PARSER_STACK: usize = 32 << 20;

/// Lexes and parses a whole file. Diagnostics from both stages are
/// returned in source order; the program holds every statement that could
/// be parsed.
///
/// The work runs on a scoped thread with a [`PARSER_STACK`]-sized stack so
/// that maximally nested input is reported ("nesting too deep") rather than
/// overflowing the caller's stack; if threads are unavailable it runs on
/// the caller's thread.
pub fn parse(src: &str) -> (Program, Vec<Diagnostic>) {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("ruchy-parser".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || parse_on_this_thread(src));
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => parse_on_this_thread(src),
        }
    })
}

/// [`parse`] without the dedicated thread: the caller must have enough
/// stack for [`MAX_DEPTH`] nesting levels (see [`PARSER_STACK`]).
pub fn parse_on_this_thread(src: &str) -> (Program, Vec<Diagnostic>) {
    let (tokens, mut diags) = lex(src);
    let lines = LineIndex::new(src);
    let mut parser = Parser::new(src, &lines, tokens, 0);
    let stmts = parser.stmts_until_eof();
    diags.extend(parser.diags);
    diags.sort_by_key(|d| d.span.start);
    (Program { stmts }, diags)
}

/// Marker for "this rule failed; the diagnostic is already recorded".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failed;

pub(crate) type PResult<T> = Result<T, Failed>;

pub(crate) struct Parser<'a> {
    src: &'a str,
    lines: &'a LineIndex,
    tokens: Vec<Token>,
    pos: usize,
    diags: Vec<Diagnostic>,
    depth: usize,
}

impl<'a> Parser<'a> {
    /// `tokens` must end with an Eof token (the lexer guarantees it).
    fn new(src: &'a str, lines: &'a LineIndex, mut tokens: Vec<Token>, depth: usize) -> Parser<'a> {
        if !matches!(tokens.last(), Some(t) if t.kind == TokenKind::Eof) {
            let end = tokens.last().map(|t| t.span.end as usize).unwrap_or(0);
            tokens.push(Token { kind: TokenKind::Eof, span: Span::new(end, end), newline_before: true });
        }
        Parser { src, lines, tokens, pos: 0, diags: Vec::new(), depth }
    }

    // ----- cursor -------------------------------------------------------

    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn kind(&self) -> &TokenKind {
        &self.peek().kind
    }

    fn nth(&self, n: usize) -> &Token {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)]
    }

    fn nth_kind(&self, n: usize) -> &TokenKind {
        &self.nth(n).kind
    }

    fn span(&self) -> Span {
        self.peek().span
    }

    /// Span of the last consumed token.
    fn prev_span(&self) -> Span {
        if self.pos == 0 {
            return self.span();
        }
        self.tokens[(self.pos - 1).min(self.tokens.len() - 1)].span
    }

    /// From `start` to the end of the last consumed token.
    fn since(&self, start: Span) -> Span {
        let end = self.prev_span();
        if end.end < start.start {
            return start;
        }
        start.to(end)
    }

    fn at(&self, kind: &TokenKind) -> bool {
        self.kind() == kind
    }

    fn at_kw(&self, kw: Kw) -> bool {
        *self.kind() == TokenKind::Kw(kw)
    }

    fn at_eof(&self) -> bool {
        self.at(&TokenKind::Eof)
    }

    fn at_ident(&self, name: &str) -> bool {
        matches!(self.kind(), TokenKind::Ident(n) if n == name)
    }

    /// A newline separates the current token from the previous one.
    fn at_new_line(&self) -> bool {
        self.peek().newline_before
    }

    /// Consumes the current token (never moves past Eof).
    fn bump(&mut self) -> Token {
        let tok = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        tok
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        if self.at(kind) {
            self.bump();
            return true;
        }
        false
    }

    fn eat_kw(&mut self, kw: Kw) -> bool {
        self.eat(&TokenKind::Kw(kw))
    }

    /// Consumes a `>` closing a generic list, splitting `>>`, `>=` and
    /// `>>=` tokens so that `Vec<Vec<i32>>` closes two lists.
    fn eat_gt(&mut self) -> bool {
        let rest = match self.kind() {
            TokenKind::Gt => {
                self.bump();
                return true;
            }
            TokenKind::Shr => TokenKind::Gt,
            TokenKind::Ge => TokenKind::Eq,
            TokenKind::ShrEq => TokenKind::Ge,
            _ => return false,
        };
        let tok = &mut self.tokens[self.pos];
        tok.kind = rest;
        tok.span.start += 1;
        tok.newline_before = false;
        true
    }

    // ----- diagnostics --------------------------------------------------

    fn error(&mut self, span: Span, msg: impl Into<String>) -> Failed {
        // A runaway cascade helps nobody and costs time on fuzzed input.
        if self.diags.len() < 200 {
            self.diags.push(Diagnostic::error(span, msg));
        }
        Failed
    }

    /// `expected {what}, found {current token}` at the current token.
    fn expected(&mut self, what: &str) -> Failed {
        let msg = format!("expected {what}, found {}", self.kind());
        let span = self.span();
        self.error(span, msg)
    }

    fn expect(&mut self, kind: &TokenKind, what: &str) -> PResult<Span> {
        if self.at(kind) {
            return Ok(self.bump().span);
        }
        Err(self.expected(what))
    }

    /// Expects the closing delimiter of a list opened at `open`:
    /// "expected ')' to close '(' opened at 3:5, found '}'".
    fn expect_close(&mut self, close: &TokenKind, open: Span) -> PResult<Span> {
        if self.at(close) {
            return Ok(self.bump().span);
        }
        Err(self.close_error(close, open))
    }

    /// The diagnostic of [`Parser::expect_close`], for callers that have
    /// already checked the current token.
    fn close_error(&mut self, close: &TokenKind, open: Span) -> Failed {
        let (line, col) = self.lines.line_col(self.src, open.start);
        let open_text = self.src.get(open.range()).unwrap_or("?");
        let what = format!("{close} to close '{open_text}' opened at {line}:{col}");
        self.expected(&what)
    }

    fn ident(&mut self, what: &str) -> PResult<crate::ast::Ident> {
        if let TokenKind::Ident(name) = self.kind() {
            let name = name.clone();
            let span = self.bump().span;
            return Ok(crate::ast::Ident { name, span });
        }
        Err(self.expected(what))
    }

    /// Runs `f` one nesting level deeper, failing cleanly past [`MAX_DEPTH`].
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            let span = self.span();
            return Err(self.error(span, "nesting too deep"));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    // ----- recovery -----------------------------------------------------

    /// After a failed statement: skips to the next plausible statement
    /// start. Stops after a `;`, before an unmatched `}` (it belongs to the
    /// enclosing block), or before a token that starts a new line and can
    /// start a statement. Always consumes at least one token unless it is
    /// at `}` or end of file, so the caller's loop makes progress.
    fn recover_stmt(&mut self, stmt_start: usize) {
        self.skip_to(stmt_start, &TokenKind::Semi, starts_stmt);
    }

    /// Skips tokens, tracking bracket depth, until (at depth 0) `separator`
    /// (consumed), an unmatched `}` or end of file, or — once a token has been
    /// consumed — a token on a new line that `starts_item` accepts.
    pub(super) fn skip_to(&mut self, start: usize, separator: &TokenKind, starts_item: fn(&TokenKind) -> bool) {
        let mut depth = 0usize;
        let mut consumed = self.pos > start;
        loop {
            let tok = self.peek();
            if consumed && depth == 0 && tok.newline_before && starts_item(&tok.kind) {
                return;
            }
            match &tok.kind {
                TokenKind::Eof => return,
                TokenKind::RBrace if depth == 0 => return,
                k if depth == 0 && k == separator => {
                    self.bump();
                    return;
                }
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.bump();
            consumed = true;
        }
    }

    /// Skips attributes (`#[derive(Debug)]`), which have no meaning here.
    fn skip_attributes(&mut self) {
        while matches!(self.kind(), TokenKind::Attribute(_)) {
            self.bump();
        }
    }
}

/// Tokens after which a fresh line is a good place to resume parsing.
fn starts_stmt(kind: &TokenKind) -> bool {
    match kind {
        TokenKind::Ident(_) | TokenKind::Attribute(_) | TokenKind::Lifetime(_) => true,
        TokenKind::Kw(kw) => matches!(
            kw,
            Kw::Fun
                | Kw::Let
                | Kw::Const
                | Kw::If
                | Kw::Match
                | Kw::For
                | Kw::While
                | Kw::Loop
                | Kw::Return
                | Kw::Break
                | Kw::Continue
                | Kw::Struct
                | Kw::Enum
                | Kw::Impl
                | Kw::Trait
                | Kw::Pub
                | Kw::Mod
                | Kw::Use
                | Kw::Import
                | Kw::Try
                | Kw::Throw
                | Kw::Class
                | Kw::Async
                | Kw::SelfValue
        ),
        _ => false,
    }
}
