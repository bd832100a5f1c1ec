//! The map entry idiom, `*counts.entry(k).or_insert(0) += 1`, rewritten on
//! the AST before lowering (the parser already dropped the `*`).
//!
//! Ruchy has value semantics and no references, so `or_insert` cannot hand
//! out a mutable reference. Its observable effect is the same as
//!
//! ```text
//! { let #entry = k; if !counts.contains_key(#entry) { counts[#entry] = 0 }; counts[#entry] += 1 }
//! ```
//!
//! and used as a value (`let n = m.entry(k).or_insert(0)`) it inserts the
//! default when missing and yields the stored value. `or_insert_with(f)`
//! takes its default from `f()`. The map must be a place (a variable,
//! field or element) because it is named more than once; the key is
//! evaluated once. `#entry` cannot be written in source (`#` starts a
//! comment), so it never captures a user variable.

use ruchy_syntax::ast::{BinOp, Block, Expr, ExprKind as A, Ident, Pat, PatKind, Stmt, StmtKind, UnOp};
use ruchy_syntax::Span;

/// `map.entry(key).or_insert(default)` (or `or_insert_with(f)`), split up.
struct Entry<'a> {
    map: &'a Expr,
    key: &'a Expr,
    default: Expr,
}

fn entry_call(e: &Expr) -> Option<Entry<'_>> {
    let A::MethodCall { receiver, method, args, .. } = &e.kind else { return None };
    let A::MethodCall { receiver: map, method: entry, args: key, .. } = &receiver.kind else { return None };
    if entry.name != "entry" || key.len() != 1 || args.len() != 1 || !is_place(map) {
        return None;
    }
    let default = match method.name.as_str() {
        "or_insert" => args[0].clone(),
        "or_insert_with" => mk(A::Call { callee: Box::new(args[0].clone()), args: vec![] }, args[0].span),
        _ => return None,
    };
    Some(Entry { map, key: &key[0], default })
}

fn is_place(e: &Expr) -> bool {
    match &e.kind {
        A::Ident(_) => true,
        A::Field { expr, .. } | A::TupleIndex { expr, .. } => is_place(expr),
        A::Index { expr, index } => is_place(expr) && matches!(index.kind, A::Ident(_) | A::Int(_) | A::Str(_)),
        _ => false,
    }
}

fn mk(kind: A, span: Span) -> Expr {
    Expr { kind, span }
}

fn stmt(kind: StmtKind, span: Span) -> Stmt {
    Stmt { kind, span }
}

/// `{ let #entry = key; if !map.contains_key(#entry) { map[#entry] = default }; <last(map[#entry])> }`
fn expand(e: Entry<'_>, span: Span, last: impl FnOnce(Expr) -> Expr) -> Expr {
    let name = "#entry";
    let key = || mk(A::Ident(name.into()), span);
    let slot = || mk(A::Index { expr: Box::new(e.map.clone()), index: Box::new(key()) }, span);
    let bind = Pat { kind: PatKind::Bind { name: Ident { name: name.into(), span }, sub: None }, span };
    let let_key = stmt(StmtKind::Let { pat: bind, ty: None, init: Some(e.key.clone()) }, span);
    let contains = mk(
        A::MethodCall { receiver: Box::new(e.map.clone()), method: Ident { name: "contains_key".into(), span }, turbofish: None, args: vec![key()] },
        span,
    );
    let missing = mk(A::Unary { op: UnOp::Not, expr: Box::new(contains) }, span);
    let insert = mk(A::Assign { op: None, target: Box::new(slot()), value: Box::new(e.default) }, span);
    let then = Block { stmts: vec![stmt(StmtKind::Expr { expr: insert, semi: true }, span)], span };
    let if_missing = mk(A::If { cond: Box::new(missing), then, else_: None }, span);
    let stmts = vec![let_key, stmt(StmtKind::Expr { expr: if_missing, semi: true }, span), stmt(StmtKind::Expr { expr: last(slot()), semi: false }, span)];
    mk(A::Block(Block { stmts, span }), span)
}

/// `*m.entry(k).or_insert(d) OP= value` → the block above ending in
/// `m[#entry] OP= value`.
pub fn desugar_assign(target: &Expr, op: Option<BinOp>, value: &Expr, span: Span) -> Option<Expr> {
    let e = entry_call(target)?;
    Some(expand(e, span, |slot| mk(A::Assign { op, target: Box::new(slot), value: Box::new(value.clone()) }, span)))
}

/// `m.entry(k).or_insert(d)` used as a value → the block above ending in
/// `m[#entry]`.
pub fn desugar_value(e: &Expr) -> Option<Expr> {
    let entry = entry_call(e)?;
    Some(expand(entry, e.span, |slot| slot))
}
