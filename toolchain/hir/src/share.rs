//! Copy-on-write's one rule, shared by both back ends: which expressions may
//! yield an object that some place (variable, field, element, enum payload)
//! still references, so that keeping the value elsewhere (a binding, an
//! argument, a container element, a return) must mark it shared first
//! (ARCHITECTURE.md, "Value semantics").

use crate::hir::{Expr, ExprKind as E, Stmt, Ty};

/// The type names `as` converts to; any other name is a user type, and
/// casting to it passes the value through unchanged.
pub fn is_builtin_cast(name: &str) -> bool {
    matches!(
        name,
        "f64" | "f32" | "i64" | "isize" | "i128" | "int" | "i32" | "i16" | "i8" | "u64" | "usize" | "u128" | "u32" | "u16" | "u8" | "String" | "str" | "bool" | "char"
    )
}

/// Place reads, `?` (the payload stays in the Option), and every expression
/// that passes one of its operands' values through (`if`, `match`, blocks,
/// `&&`/`||`/`??`, `try`, casts to user types). Scalars never need it.
pub fn needs_share(e: &Expr) -> bool {
    if matches!(e.ty, Ty::Int | Ty::Float | Ty::Bool | Ty::Nil) {
        return false;
    }
    match &e.kind {
        E::Local(_) | E::Capture(_) | E::Global(_) | E::Field(..) | E::Index(..) | E::TupleIndex(..) | E::Question(_) => true,
        E::If { then, else_, .. } => needs_share(then) || else_.as_deref().is_some_and(needs_share),
        E::Match { arms, .. } => arms.iter().any(|a| needs_share(&a.body)),
        E::Block(stmts) => matches!(stmts.last(), Some(Stmt::Expr(x)) if needs_share(x)),
        E::And(a, b) | E::Or(a, b) | E::Coalesce(a, b) => needs_share(a) || needs_share(b),
        E::Try { body, catch, .. } => needs_share(body) || catch.as_ref().is_some_and(|(_, c)| needs_share(c)),
        E::Cast(x, ty) => !is_builtin_cast(ty) && needs_share(x),
        _ => false,
    }
}
