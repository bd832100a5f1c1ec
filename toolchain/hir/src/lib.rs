//! Ruchy front end, semantic half: AST → typed HIR.
//!
//! [`lower`] resolves names and builds the HIR; [`promote`] turns top-level
//! variables only the top-level code uses into locals; [`types::infer`]
//! fills in static types; [`fold`] folds constant operators. [`check`] runs
//! them in that order and is what the back ends call.

pub mod dump;
mod entry;
pub mod fold;
pub mod hir;
pub mod lower;
pub mod promote;
pub mod share;
pub mod types;
pub mod visit;

pub use hir::*;

use ruchy_syntax::Diagnostic;

/// Parses nothing: takes an AST and returns the typed HIR, or every error.
pub fn check(program: &ruchy_syntax::ast::Program) -> Result<Program, Vec<Diagnostic>> {
    let mut hir = lower::lower(program)?;
    promote::promote_entry_globals(&mut hir);
    types::infer(&mut hir);
    fold::fold_constants(&mut hir);
    Ok(hir)
}
