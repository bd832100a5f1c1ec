//! Promotes top-level variables to locals of the top-level code.
//!
//! Lowering makes every top-level `let` a global, because any function may
//! refer to it. Most top-level variables, though, are only used by the
//! top-level code itself (loop counters, accumulators of a script). Those
//! become ordinary locals of the entry function, so back ends keep them in
//! registers / wasm locals instead of global slots, and type inference can
//! follow them like any other local.
//!
//! Sound because a global that no other function, closure, parameter default
//! or struct-field default mentions can only be read or written by the entry
//! function's own code, in program order; a local of that function behaves
//! identically (it starts as nil, like an uninitialised global).

use crate::hir::*;
use crate::visit::{walk, walk_mut};

pub fn promote_entry_globals(p: &mut Program) {
    let used_elsewhere = globals_used_outside_entry(p);
    let entry = &mut p.funcs[p.entry as usize];
    let mut local_of: Vec<Option<LocalId>> = vec![None; p.globals.len()];
    for (g, global) in p.globals.iter().enumerate() {
        if !used_elsewhere[g] {
            local_of[g] = Some(entry.locals.len() as LocalId);
            entry.locals.push(Local { name: global.name.clone(), ty: Ty::Unknown, captured: false });
        }
    }
    walk_mut(&mut entry.body, &mut |e| rewrite(e, &local_of));
}

fn globals_used_outside_entry(p: &Program) -> Vec<bool> {
    let mut used = vec![false; p.globals.len()];
    let mut mark = |e: &Expr| match &e.kind {
        ExprKind::Global(g) | ExprKind::Assign { place: Place::Global(g), .. } => used[*g as usize] = true,
        ExprKind::Block(stmts) => {
            for s in stmts {
                if let Stmt::SetGlobal { global, .. } = s {
                    used[*global as usize] = true;
                }
            }
        }
        _ => {}
    };
    for (fi, f) in p.funcs.iter().enumerate() {
        if fi as FuncId != p.entry {
            walk(&f.body, &mut mark);
        }
        for d in f.defaults.iter().flatten() {
            walk(d, &mut mark);
        }
    }
    for s in &p.structs {
        for d in s.defaults.iter().flatten() {
            walk(d, &mut mark);
        }
    }
    used
}

fn rewrite(e: &mut Expr, local_of: &[Option<LocalId>]) {
    match &mut e.kind {
        ExprKind::Global(g) => {
            if let Some(l) = local_of[*g as usize] {
                e.kind = ExprKind::Local(l);
            }
        }
        ExprKind::Assign { place, .. } => {
            if let Place::Global(g) = place {
                if let Some(l) = local_of[*g as usize] {
                    *place = Place::Local(l);
                }
            }
        }
        ExprKind::Block(stmts) => {
            for s in stmts.iter_mut() {
                if let Stmt::SetGlobal { global, init } = s {
                    if let Some(l) = local_of[*global as usize] {
                        let span = init.span;
                        let init = std::mem::replace(init, Expr { kind: ExprKind::Const(Const::Nil), ty: Ty::Unknown, span });
                        *s = Stmt::Let { pat: Pat { kind: PatKind::Bind(l, None), span }, init: Some(init), span };
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hir_of(src: &str) -> Program {
        let (ast, diags) = ruchy_syntax::parse(src);
        assert!(diags.is_empty(), "{diags:?}");
        crate::check(&ast).expect("checks")
    }

    fn entry_local(p: &Program, name: &str) -> Option<Ty> {
        p.funcs[p.entry as usize].locals.iter().find(|l| l.name == name).map(|l| l.ty.clone())
    }

    #[test]
    fn script_variables_become_typed_entry_locals() {
        let p = hir_of("let n = 10\nlet mut i = 0\nwhile i < n { i += 1 }\nprintln(i)");
        assert_eq!(entry_local(&p, "i"), Some(Ty::Int));
        assert_eq!(entry_local(&p, "n"), Some(Ty::Int));
    }

    #[test]
    fn variables_used_by_functions_stay_global() {
        let p = hir_of("let limit = 3\nlet mut hits = 0\nfun f(x) { x < limit }\nif f(1) { hits += 1 }\nprintln(hits)");
        assert_eq!(entry_local(&p, "limit"), None);
        assert_eq!(entry_local(&p, "hits"), Some(Ty::Int));
    }

    #[test]
    fn variables_used_by_closures_stay_global() {
        let p = hir_of("let mut total = 0\nlet add = |x| { total += x }\nadd(2)\nprintln(total)");
        assert_eq!(entry_local(&p, "total"), None);
    }
}
