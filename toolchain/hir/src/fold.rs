//! Constant folding on the typed HIR, after type inference.
//!
//! Operators whose operands are constants are replaced by their result, and
//! an `if` whose condition is a constant `true`/`false` by the branch that
//! runs. The results are exactly what the run-time operators compute (the
//! VM's `ops`): integers are 64-bit and checked, `/` and `%` truncate,
//! mixed int/float arithmetic is done in floats, comparisons of numbers
//! compare their values. Anything that would fail at run time — overflow,
//! division by zero, a type error — is left alone, so the program still
//! reports that error when (and if) it gets there. String results are only
//! folded for `str + str`; other text conversions belong to the back ends'
//! formatters.
//!
//! Folding only rewrites a node whose children are all constants, so
//! evaluation order and side effects are untouched; a constant `if`
//! condition has no effects to keep.

use crate::hir::*;
use crate::visit::for_each_child_mut;
use ruchy_syntax::ast::{BinOp, UnOp};

pub fn fold_constants(p: &mut Program) {
    for f in &mut p.funcs {
        fold(&mut f.body);
        for d in f.defaults.iter_mut().flatten() {
            fold(d);
        }
    }
    for s in &mut p.structs {
        for d in s.defaults.iter_mut().flatten() {
            fold(d);
        }
    }
}

/// Bottom-up: children first, then this node.
fn fold(e: &mut Expr) {
    for_each_child_mut(e, &mut fold);
    let folded = match &mut e.kind {
        ExprKind::Unary(op, a) => konst(a).and_then(|x| unary(*op, x)),
        ExprKind::Binary(op, a, b) => match (konst(a), konst(b)) {
            (Some(x), Some(y)) => binary(*op, x, y),
            _ => None,
        },
        ExprKind::If { cond, then, else_ } => match konst(cond) {
            Some(Const::Bool(true)) => {
                *e = std::mem::replace(then, nil_expr());
                return;
            }
            Some(Const::Bool(false)) => {
                *e = match else_.take() {
                    Some(other) => *other,
                    None => Expr { kind: ExprKind::Const(Const::Nil), ty: Ty::Nil, span: e.span },
                };
                return;
            }
            _ => None,
        },
        _ => None,
    };
    if let Some(c) = folded {
        e.ty = const_type(&c);
        e.kind = ExprKind::Const(c);
    }
}

fn nil_expr() -> Expr {
    Expr { kind: ExprKind::Const(Const::Nil), ty: Ty::Nil, span: Default::default() }
}

fn konst(e: &Expr) -> Option<&Const> {
    match &e.kind {
        ExprKind::Const(c) => Some(c),
        _ => None,
    }
}

fn const_type(c: &Const) -> Ty {
    match c {
        Const::Int(_) => Ty::Int,
        Const::Float(_) => Ty::Float,
        Const::Str(_) => Ty::Str,
        Const::Bool(_) => Ty::Bool,
        Const::Nil => Ty::Nil,
    }
}

fn unary(op: UnOp, x: &Const) -> Option<Const> {
    Some(match (op, x) {
        (UnOp::Neg, Const::Int(n)) => Const::Int(n.checked_neg()?),
        (UnOp::Neg, Const::Float(f)) => Const::Float(-f),
        (UnOp::Not, Const::Bool(b)) => Const::Bool(!b),
        (UnOp::BitNot, Const::Int(n)) => Const::Int(!n),
        _ => return None,
    })
}

fn as_f64(c: &Const) -> Option<f64> {
    match c {
        Const::Int(n) => Some(*n as f64),
        Const::Float(f) => Some(*f),
        _ => None,
    }
}

fn binary(op: BinOp, x: &Const, y: &Const) -> Option<Const> {
    use Const::*;
    if let (Int(a), Int(b)) = (x, y) {
        let (a, b) = (*a, *b);
        return Some(match op {
            BinOp::Add => Int(a.checked_add(b)?),
            BinOp::Sub => Int(a.checked_sub(b)?),
            BinOp::Mul => Int(a.checked_mul(b)?),
            BinOp::Div if b != 0 => Int(a.checked_div(b)?),
            BinOp::Rem if b != 0 => Int(a.wrapping_rem(b)),
            BinOp::BitAnd => Int(a & b),
            BinOp::BitOr => Int(a | b),
            BinOp::BitXor => Int(a ^ b),
            BinOp::Shl => Int(a.wrapping_shl(b as u32)),
            BinOp::Shr => Int(a.wrapping_shr(b as u32)),
            BinOp::Eq => Bool(a == b),
            BinOp::Ne => Bool(a != b),
            BinOp::Lt => Bool(a < b),
            BinOp::Le => Bool(a <= b),
            BinOp::Gt => Bool(a > b),
            BinOp::Ge => Bool(a >= b),
            _ => return None,
        });
    }
    if let (Some(a), Some(b)) = (as_f64(x), as_f64(y)) {
        return Some(match op {
            BinOp::Add => Float(a + b),
            BinOp::Sub => Float(a - b),
            BinOp::Mul => Float(a * b),
            BinOp::Div => Float(a / b),
            BinOp::Rem if b != 0.0 => Float(a % b),
            BinOp::Eq => Bool(a == b),
            BinOp::Ne => Bool(a != b),
            BinOp::Lt => Bool(a < b),
            BinOp::Le => Bool(a <= b),
            BinOp::Gt => Bool(a > b),
            BinOp::Ge => Bool(a >= b),
            _ => return None,
        });
    }
    match (op, x, y) {
        (BinOp::Add, Str(a), Str(b)) => Some(Str(format!("{a}{b}"))),
        (BinOp::Eq, Str(a), Str(b)) => Some(Bool(a == b)),
        (BinOp::Ne, Str(a), Str(b)) => Some(Bool(a != b)),
        (BinOp::Eq, Bool(a), Bool(b)) => Some(Bool(a == b)),
        (BinOp::Ne, Bool(a), Bool(b)) => Some(Bool(a != b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded_top_level(src: &str) -> Vec<Option<Const>> {
        let (ast, d) = ruchy_syntax::parse(src);
        assert!(d.is_empty(), "{d:?}");
        let p = crate::check(&ast).expect("checks");
        let ExprKind::Block(stmts) = &p.funcs[p.entry as usize].body.kind else { panic!("a block") };
        stmts
            .iter()
            .map(|s| match s {
                Stmt::Let { init: Some(e), .. } | Stmt::SetGlobal { init: e, .. } | Stmt::Expr(e) => konst(e).cloned(),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn folds_what_the_runtime_would_compute() {
        let got = folded_top_level("let a = 2 * 3 + 1\nlet b = -7 / 2\nlet c = -7 % 3\nlet d = 10.0 / 4 - 1\nlet e = \"a\" + \"b\"\nlet f = 1 < 2.5\nlet g = -(5)\nlet h = 1 << 3\nprintln(a, b, c, d, e, f, g, h)");
        assert_eq!(
            &got[..8],
            &[
                Some(Const::Int(7)),
                Some(Const::Int(-3)),
                Some(Const::Int(-1)),
                Some(Const::Float(1.5)),
                Some(Const::Str("ab".into())),
                Some(Const::Bool(true)),
                Some(Const::Int(-5)),
                Some(Const::Int(8)),
            ]
        );
    }

    #[test]
    fn leaves_runtime_errors_to_run_time() {
        let got = folded_top_level("let a = 9223372036854775807 + 1\nlet b = 1 / 0\nlet c = 5 % 0\nlet d = \"a\" + 1\nlet e = true + 1\nprintln(a, b, c, d, e)");
        assert_eq!(&got[..5], &[None, None, None, None, None]);
    }

    #[test]
    fn constant_conditions_keep_only_the_branch_that_runs() {
        let got = folded_top_level("let a = if 1 < 2 { 10 } else { 20 }\nlet b = if false { 1 }\nprintln(a, b)");
        // `if` with a block branch becomes that block; its value is still 10.
        assert!(got[0].is_none());
        assert_eq!(got[1], Some(Const::Nil));
    }
}
