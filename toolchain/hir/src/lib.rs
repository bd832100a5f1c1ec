//! Ruchy front end, semantic half: AST → typed HIR.
//!
//! [`lower`] resolves names and builds the HIR; [`types::infer`] fills in
//! static types. [`check`] runs both and is what the back ends call.

pub mod dump;
pub mod hir;
pub mod lower;
pub mod types;

pub use hir::*;

use ruchy_syntax::Diagnostic;

/// Parses nothing: takes an AST and returns the typed HIR, or every error.
pub fn check(program: &ruchy_syntax::ast::Program) -> Result<Program, Vec<Diagnostic>> {
    let mut hir = lower::lower(program)?;
    types::infer(&mut hir);
    Ok(hir)
}
