//! Ruchy front end, syntax half: source text → tokens → AST.
//!
//! Stages (each its own module): [`lexer`] turns text into [`token::Token`]s,
//! [`parser`] builds an [`ast::Program`] with byte spans and recovers from
//! errors so that one run reports every independent syntax error. Problems
//! are [`diag::Diagnostic`]s, rendered with file:line:col and a caret.
//! [`ast_dump`] prints tokens and trees for `--emit tokens` / `--emit ast`,
//! and [`format_spec`] parses Rust-style format specs (`:>8.2`), shared by
//! f-strings here and `println!` templates in later stages.

pub mod ast;
pub mod ast_dump;
pub mod diag;
pub mod fmt_template;
pub mod format_spec;
pub mod lexer;
pub mod parser;
pub mod span;
pub mod token;

pub use diag::Diagnostic;
pub use parser::parse;
pub use span::{LineIndex, Span};
