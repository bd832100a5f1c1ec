//! Tokens produced by the [`crate::lexer`].
//!
//! Ruchy has no statement terminator: a newline is ordinary whitespace, yet
//! a few grammar rules look at line breaks (a call's `(` must be on the
//! callee's line, a block-like statement ends at its `}` when the next token
//! is on a new line, …). Rather than producing newline tokens that every
//! parser rule would have to skip, each token records whether a line break
//! (in whitespace or inside a comment) separates it from the previous token.

use crate::span::Span;
use std::fmt;

/// One lexical token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
    /// A newline occurred between the previous token and this one.
    /// The first token of a file counts as being on a new line.
    pub newline_before: bool,
}

/// One piece of an f-string as the lexer sees it. The parser turns holes
/// into expressions by lexing and parsing their source text.
#[derive(Debug, Clone, PartialEq)]
pub enum FStrPart {
    /// Literal text with `{{`/`}}` and escapes already processed.
    Lit(String),
    /// `{expr}` or `{expr:spec}`.
    Hole {
        /// The expression's source text, exactly as written.
        src: String,
        /// Byte offset of `src` in the file.
        offset: u32,
        /// The format spec after the top-level `:` (without the colon),
        /// and its byte offset in the file.
        spec: Option<(String, u32)>,
    },
}

/// Reserved words (§2). `fn` lexes as [`Kw::Fun`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kw {
    Fun,
    Let,
    Mut,
    Const,
    If,
    Else,
    Match,
    For,
    In,
    While,
    Loop,
    Break,
    Continue,
    Return,
    True,
    False,
    Struct,
    Enum,
    Impl,
    Trait,
    Pub,
    Mod,
    Use,
    Import,
    As,
    SelfValue,
    Type,
    Where,
    Async,
    Await,
    Try,
    Catch,
    Throw,
    Finally,
    Class,
    Actor,
    Spawn,
    Null,
}

impl Kw {
    /// Maps an identifier to a keyword, if it is reserved.
    pub fn from_word(word: &str) -> Option<Kw> {
        use Kw::*;
        Some(match word {
            "fun" | "fn" => Fun,
            "let" => Let,
            "mut" => Mut,
            "const" => Const,
            "if" => If,
            "else" => Else,
            "match" => Match,
            "for" => For,
            "in" => In,
            "while" => While,
            "loop" => Loop,
            "break" => Break,
            "continue" => Continue,
            "return" => Return,
            "true" => True,
            "false" => False,
            "struct" => Struct,
            "enum" => Enum,
            "impl" => Impl,
            "trait" => Trait,
            "pub" => Pub,
            "mod" => Mod,
            "use" => Use,
            "import" => Import,
            "as" => As,
            "self" => SelfValue,
            "type" => Type,
            "where" => Where,
            "async" => Async,
            "await" => Await,
            "try" => Try,
            "catch" => Catch,
            "throw" => Throw,
            "finally" => Finally,
            "class" => Class,
            "actor" => Actor,
            "spawn" => Spawn,
            "null" => Null,
            _ => return None,
        })
    }

    /// The canonical spelling (`fn` is shown as `fun`).
    pub fn as_str(self) -> &'static str {
        use Kw::*;
        match self {
            Fun => "fun",
            Let => "let",
            Mut => "mut",
            Const => "const",
            If => "if",
            Else => "else",
            Match => "match",
            For => "for",
            In => "in",
            While => "while",
            Loop => "loop",
            Break => "break",
            Continue => "continue",
            Return => "return",
            True => "true",
            False => "false",
            Struct => "struct",
            Enum => "enum",
            Impl => "impl",
            Trait => "trait",
            Pub => "pub",
            Mod => "mod",
            Use => "use",
            Import => "import",
            As => "as",
            SelfValue => "self",
            Type => "type",
            Where => "where",
            Async => "async",
            Await => "await",
            Try => "try",
            Catch => "catch",
            Throw => "throw",
            Finally => "finally",
            Class => "class",
            Actor => "actor",
            Spawn => "spawn",
            Null => "null",
        }
    }
}

/// What a token is. Operators are named after their spelling.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    Int(i64),
    Float(f64),
    /// Any string literal: `"…"`, `'…'`, raw strings and char literals
    /// (a char is a 1-character string at runtime).
    Str(String),
    FStr(Vec<FStrPart>),
    Ident(String),
    Kw(Kw),
    /// `'outer` (a loop label or a lifetime); the name has no quote.
    Lifetime(String),
    /// `#[…]` or `#![…]`; the text between the brackets. Skipped by the parser.
    Attribute(String),

    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,

    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    StarStar,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
    Bang,
    Tilde,
    And,
    Or,
    Caret,
    Shl,
    Shr,
    Eq,
    PlusEq,
    MinusEq,
    StarEq,
    SlashEq,
    PercentEq,
    StarStarEq,
    AndEq,
    OrEq,
    CaretEq,
    ShlEq,
    ShrEq,
    DotDot,
    DotDotEq,
    DotDotDot,
    Arrow,
    FatArrow,
    ColonColon,
    Colon,
    Semi,
    Comma,
    Dot,
    Question,
    QuestionQuestion,
    QuestionDot,
    At,
    Pipeline,

    Eof,
}

impl TokenKind {
    /// Fixed spelling of punctuation tokens; None for tokens with a payload.
    pub fn punct_str(&self) -> Option<&'static str> {
        use TokenKind::*;
        Some(match self {
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            LBrace => "{",
            RBrace => "}",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            StarStar => "**",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            AndAnd => "&&",
            OrOr => "||",
            Bang => "!",
            Tilde => "~",
            And => "&",
            Or => "|",
            Caret => "^",
            Shl => "<<",
            Shr => ">>",
            Eq => "=",
            PlusEq => "+=",
            MinusEq => "-=",
            StarEq => "*=",
            SlashEq => "/=",
            PercentEq => "%=",
            StarStarEq => "**=",
            AndEq => "&=",
            OrEq => "|=",
            CaretEq => "^=",
            ShlEq => "<<=",
            ShrEq => ">>=",
            DotDot => "..",
            DotDotEq => "..=",
            DotDotDot => "...",
            Arrow => "->",
            FatArrow => "=>",
            ColonColon => "::",
            Colon => ":",
            Semi => ";",
            Comma => ",",
            Dot => ".",
            Question => "?",
            QuestionQuestion => "??",
            QuestionDot => "?.",
            At => "@",
            Pipeline => "|>",
            _ => return None,
        })
    }
}

/// A short human description used in diagnostics: `'}'`, `identifier
/// `foo``, `end of file`, …
impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.punct_str() {
            return write!(f, "'{p}'");
        }
        match self {
            TokenKind::Int(v) => write!(f, "integer {v}"),
            TokenKind::Float(v) => write!(f, "float {v:?}"),
            TokenKind::Str(_) => write!(f, "string literal"),
            TokenKind::FStr(_) => write!(f, "f-string"),
            TokenKind::Ident(name) => write!(f, "identifier `{name}`"),
            TokenKind::Kw(k) => write!(f, "'{}'", k.as_str()),
            TokenKind::Lifetime(name) => write!(f, "label '{name}"),
            TokenKind::Attribute(_) => write!(f, "attribute"),
            TokenKind::Eof => write!(f, "end of file"),
            _ => write!(f, "{self:?}"),
        }
    }
}
