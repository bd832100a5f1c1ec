//! Ruchy front end, syntax half: source text → tokens → AST.
//!
//! Stages (each its own module): [`lexer`] turns text into [`token::Token`]s,
//! [`parser`] builds an [`ast::Program`] with byte spans and recovers from
//! errors so that one run reports every independent syntax error. Problems
//! are [`diag::Diagnostic`]s, rendered with file:line:col and a caret.

pub mod ast;
pub mod diag;
pub mod span;

pub use diag::Diagnostic;
pub use span::{LineIndex, Span};
