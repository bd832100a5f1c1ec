//! Generic traversal of HIR expressions, shared by the analyses and
//! rewrites that only care about a few kinds of node.

use crate::hir::*;

/// The one list of every expression's direct sub-expressions, in
/// evaluation order, instantiated for shared (`iter`) and mutable
/// (`iter_mut`) access.
macro_rules! each_child {
    ($e_kind:expr, $f:ident, $iter:ident) => {
        match $e_kind {
            ExprKind::FString(parts) => parts.$iter().for_each(|p| {
                if let FPart::Hole { expr, .. } = p {
                    $f(expr)
                }
            }),
            ExprKind::Unary(_, a) | ExprKind::Field(a, _) | ExprKind::TupleIndex(a, _) | ExprKind::Throw(a) | ExprKind::Question(a) | ExprKind::Cast(a, _) => $f(a),
            ExprKind::Binary(_, a, b) | ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::Coalesce(a, b) | ExprKind::Index(a, b) | ExprKind::ArrayRepeat(a, b) => {
                $f(a);
                $f(b)
            }
            ExprKind::Assign { place, value, .. } => {
                match place {
                    Place::Field(a, _) | Place::TupleIndex(a, _) => $f(a),
                    Place::Index(a, b) => {
                        $f(a);
                        $f(b)
                    }
                    Place::Local(_) | Place::Capture(_) | Place::Global(_) => {}
                }
                $f(value)
            }
            ExprKind::Call { callee, args } => {
                if let Callee::Value(c) = callee {
                    $f(c)
                }
                args.$iter().for_each($f)
            }
            ExprKind::MethodCall { receiver, args, .. } => {
                $f(receiver);
                args.$iter().for_each($f)
            }
            ExprKind::Array(xs) | ExprKind::Tuple(xs) | ExprKind::Variant { args: xs, .. } | ExprKind::Format { args: xs, .. } => xs.$iter().for_each($f),
            ExprKind::Dict(kv) => kv.$iter().for_each(|(k, v)| {
                $f(k);
                $f(v)
            }),
            ExprKind::StructLit { fields, base, .. } => {
                fields.$iter().for_each(|(_, v)| $f(v));
                if let Some(b) = base {
                    $f(b)
                }
            }
            ExprKind::Range { start, end, .. } => {
                start.$iter().for_each(|x| $f(x));
                end.$iter().for_each(|x| $f(x))
            }
            ExprKind::Block(stmts) => stmts.$iter().for_each(|s| match s {
                Stmt::Let { init, .. } => init.$iter().for_each(&mut *$f),
                Stmt::SetGlobal { init, .. } => $f(init),
                Stmt::Expr(x) => $f(x),
            }),
            ExprKind::If { cond, then, else_ } => {
                $f(cond);
                $f(then);
                else_.$iter().for_each(|x| $f(x))
            }
            ExprKind::Match { scrutinee, arms, .. } => {
                $f(scrutinee);
                for Arm { guard, body, .. } in arms {
                    guard.$iter().for_each(&mut *$f);
                    $f(body)
                }
            }
            ExprKind::While { cond, body } => {
                $f(cond);
                $f(body)
            }
            ExprKind::WhileLet { value, body, .. } | ExprKind::For { iter: value, body, .. } => {
                $f(value);
                $f(body)
            }
            ExprKind::Loop { body } => $f(body),
            ExprKind::Break { value, .. } | ExprKind::Return(value) => value.$iter().for_each(|x| $f(x)),
            ExprKind::Try { body, catch, finally } => {
                $f(body);
                catch.$iter().for_each(|(_, c)| $f(c));
                finally.$iter().for_each(|x| $f(x))
            }
            ExprKind::Const(_)
            | ExprKind::Local(_)
            | ExprKind::Capture(_)
            | ExprKind::Global(_)
            | ExprKind::FuncRef(_)
            | ExprKind::VariantCtor { .. }
            | ExprKind::Continue { .. }
            | ExprKind::Closure(_) => {}
        }
    };
}

/// Calls `f` on every direct sub-expression of `e`, in evaluation order
/// (including the sub-expressions of an assignment's place, `let`
/// initialisers and match guards).
pub fn for_each_child(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    each_child!(&e.kind, f, iter)
}

/// [`for_each_child`] with mutable access.
pub fn for_each_child_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    each_child!(&mut e.kind, f, iter_mut)
}

/// Pre-order walk: `visit` sees a node before its children.
pub fn walk(e: &Expr, visit: &mut dyn FnMut(&Expr)) {
    visit(e);
    for_each_child(e, &mut |c| walk(c, visit));
}

/// Pre-order walk with mutation: `visit` may rewrite a node, and the walk
/// then descends into the rewritten node's children.
pub fn walk_mut(e: &mut Expr, visit: &mut dyn FnMut(&mut Expr)) {
    visit(e);
    for_each_child_mut(e, &mut |c| walk_mut(c, visit));
}
