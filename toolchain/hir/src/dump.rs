//! `--emit hir`: a readable listing of the typed HIR.
//!
//! Each expression is one line, `kind detail : type`, with its operands
//! indented below it; statements of a block are prefixed `let pat =`
//! or `global name =` where they bind something.

use crate::hir::*;
use crate::visit::for_each_child;
use std::fmt::Write;

pub fn dump(p: &Program) -> String {
    let mut out = String::new();
    for (i, g) in p.globals.iter().enumerate() {
        let _ = writeln!(out, "global g{i} {}: {}", g.name, ty(&g.ty));
    }
    for s in &p.structs {
        let fields: Vec<String> = s.fields.iter().zip(s.field_types.iter().chain(std::iter::repeat(&Ty::Unknown))).map(|(f, t)| format!("{f}: {}", ty(t))).collect();
        let _ = writeln!(out, "struct {} {{ {} }}", s.name, fields.join(", "));
    }
    for e in p.enums.iter().skip(2) {
        let vs: Vec<String> = e.variants.iter().map(|v| format!("{}/{}", v.name, v.arity)).collect();
        let _ = writeln!(out, "enum {} {{ {} }}", e.name, vs.join(", "));
    }
    for (i, f) in p.funcs.iter().enumerate() {
        let params: Vec<String> = f.params.iter().map(|&l| format!("l{l} {}: {}", f.locals[l as usize].name, ty(&f.locals[l as usize].ty))).collect();
        let _ = writeln!(out, "\nfn #{i} {}({}) -> {}", f.name, params.join(", "), ty(&f.ret_ty));
        let locals: Vec<String> = f
            .locals
            .iter()
            .enumerate()
            .skip(f.params.len())
            .map(|(j, l)| format!("l{j} {}: {}{}", l.name, ty(&l.ty), if l.captured { " (cell)" } else { "" }))
            .collect();
        if !locals.is_empty() {
            let _ = writeln!(out, "  locals {}", locals.join(", "));
        }
        if !f.captures.is_empty() {
            let _ = writeln!(out, "  captures {:?}", f.captures);
        }
        expr(&mut out, &f.body, 1, "");
    }
    out
}

fn ty(t: &Ty) -> String {
    match t {
        Ty::Array(e) => format!("[{}]", ty(e)),
        Ty::Tuple(ts) => format!("({})", ts.iter().map(ty).collect::<Vec<_>>().join(", ")),
        Ty::Struct(s) => format!("struct#{s}"),
        Ty::Enum(e) => format!("enum#{e}"),
        other => format!("{other:?}"),
    }
}

fn place(p: &Place) -> String {
    match p {
        Place::Local(l) => format!("l{l}"),
        Place::Capture(c) => format!("capture {c}"),
        Place::Global(g) => format!("g{g}"),
        Place::Field(_, f) => format!("<obj>.{f}"),
        Place::TupleIndex(_, i) => format!("<obj>.{i}"),
        Place::Index(..) => "<obj>[<index>]".into(),
    }
}

fn pat(p: &Pat) -> String {
    match &p.kind {
        PatKind::Wild => "_".into(),
        PatKind::Bind(l, None) => format!("l{l}"),
        PatKind::Bind(l, Some(sub)) => format!("l{l} @ {}", pat(sub)),
        PatKind::Const(c) => format!("{c:?}"),
        PatKind::Range { lo, hi, inclusive } => format!("{lo:?}{}{hi:?}", if *inclusive { "..=" } else { ".." }),
        PatKind::Tuple(ps) => format!("({})", ps.iter().map(pat).collect::<Vec<_>>().join(", ")),
        PatKind::Array { before, rest, after } => {
            let mut parts: Vec<String> = before.iter().map(pat).collect();
            if let Some(r) = rest {
                parts.push(r.map_or("..".into(), |l| format!("l{l} @ ..")));
            }
            parts.extend(after.iter().map(pat));
            format!("[{}]", parts.join(", "))
        }
        PatKind::Variant { def, variant, args } => format!("enum#{def}::{variant}({})", args.iter().map(pat).collect::<Vec<_>>().join(", ")),
        PatKind::Struct { def, fields } => format!("struct#{def} {{ {} }}", fields.iter().map(|(i, p)| format!("{i}: {}", pat(p))).collect::<Vec<_>>().join(", ")),
        PatKind::Or(ps) => ps.iter().map(pat).collect::<Vec<_>>().join(" | "),
    }
}

/// The node's own line: what it is, without its operands.
fn label(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Const(c) => format!("const {c:?}"),
        ExprKind::FString(_) => "fstring".into(),
        ExprKind::Local(l) => format!("local l{l}"),
        ExprKind::Capture(c) => format!("capture {c}"),
        ExprKind::Global(g) => format!("global g{g}"),
        ExprKind::FuncRef(f) => format!("fn #{f}"),
        ExprKind::Unary(op, _) => format!("unary {op:?}"),
        ExprKind::Binary(op, ..) => format!("binary {op:?}"),
        ExprKind::And(..) => "and".into(),
        ExprKind::Or(..) => "or".into(),
        ExprKind::Coalesce(..) => "coalesce".into(),
        ExprKind::Assign { place: p, op, .. } => format!("assign {}{}", place(p), op.map_or(String::new(), |o| format!(" {o:?}="))),
        ExprKind::Call { callee: Callee::Func(f), .. } => format!("call fn #{f}"),
        ExprKind::Call { callee: Callee::Builtin(b), .. } => format!("call builtin {b:?}"),
        ExprKind::Call { callee: Callee::Value(_), .. } => "call value".into(),
        ExprKind::MethodCall { method, .. } => format!("method .{method}"),
        ExprKind::Field(_, f) => format!("field .{f}"),
        ExprKind::TupleIndex(_, i) => format!("tuple .{i}"),
        ExprKind::Index(..) => "index".into(),
        ExprKind::Array(_) => "array".into(),
        ExprKind::ArrayRepeat(..) => "array repeat".into(),
        ExprKind::Tuple(_) => "tuple".into(),
        ExprKind::Dict(_) => "dict".into(),
        ExprKind::StructLit { def, fields, .. } => format!("struct#{def} fields {:?}", fields.iter().map(|(i, _)| *i).collect::<Vec<_>>()),
        ExprKind::Variant { def, variant, .. } => format!("variant enum#{def}::{variant}"),
        ExprKind::VariantCtor { def, variant } => format!("constructor enum#{def}::{variant}"),
        ExprKind::Range { inclusive, .. } => format!("range{}", if *inclusive { " inclusive" } else { "" }),
        ExprKind::Block(_) => "block".into(),
        ExprKind::If { .. } => "if".into(),
        ExprKind::Match { arms, exhaustive_error, .. } => {
            let pats: Vec<String> = arms.iter().map(|a| format!("{}{}", pat(&a.pat), if a.guard.is_some() { " if …" } else { "" })).collect();
            format!("{} [{}]", if *exhaustive_error { "match" } else { "if let" }, pats.join(" ; "))
        }
        ExprKind::While { .. } => "while".into(),
        ExprKind::WhileLet { pat: p, .. } => format!("while let {}", pat(p)),
        ExprKind::Loop { .. } => "loop".into(),
        ExprKind::For { pat: p, .. } => format!("for {}", pat(p)),
        ExprKind::Break { depth, .. } => format!("break {depth}"),
        ExprKind::Continue { depth } => format!("continue {depth}"),
        ExprKind::Return(_) => "return".into(),
        ExprKind::Closure(f) => format!("closure fn #{f}"),
        ExprKind::Try { catch, finally, .. } => format!(
            "try{}{}",
            catch.as_ref().map_or(String::new(), |(p, _)| format!(" catch {}", pat(p))),
            if finally.is_some() { " finally" } else { "" }
        ),
        ExprKind::Throw(_) => "throw".into(),
        ExprKind::Question(_) => "question ?".into(),
        ExprKind::Cast(_, t) => format!("cast as {t}"),
        ExprKind::Format { action, .. } => format!("format {action:?}"),
    }
}

fn expr(out: &mut String, e: &Expr, depth: usize, prefix: &str) {
    let _ = writeln!(out, "{}{prefix}{} : {}", "  ".repeat(depth), label(e), ty(&e.ty));
    if let ExprKind::Block(stmts) = &e.kind {
        for s in stmts {
            match s {
                Stmt::Let { pat: p, init: Some(x), .. } => expr(out, x, depth + 1, &format!("let {} = ", pat(p))),
                Stmt::Let { pat: p, init: None, .. } => {
                    let _ = writeln!(out, "{}let {}", "  ".repeat(depth + 1), pat(p));
                }
                Stmt::SetGlobal { global, init } => expr(out, init, depth + 1, &format!("global g{global} = ")),
                Stmt::Expr(x) => expr(out, x, depth + 1, ""),
            }
        }
        return;
    }
    for_each_child(e, &mut |c| expr(out, c, depth + 1, ""));
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    #[test]
    fn typed_hir_listing() {
        let (ast, d) = ruchy_syntax::parse("fun fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }\nlet total = fib(10)\nprintln(total)");
        assert!(d.is_empty());
        let p = crate::check(&ast).expect("checks");
        expect![[r#"
            global g0 total: Unknown

            fn #0 <top-level>() -> Nil
              locals l0 total: Int
              block : Nil
                let l0 = call fn #1 : Int
                  const Int(10) : Int
                call builtin Println : Nil
                  local l0 : Int

            fn #1 fib(l0 n: Int) -> Int
              block : Int
                if : Int
                  binary Lt : Bool
                    local l0 : Int
                    const Int(2) : Int
                  block : Int
                    local l0 : Int
                  block : Int
                    binary Add : Int
                      call fn #1 : Int
                        binary Sub : Int
                          local l0 : Int
                          const Int(1) : Int
                      call fn #1 : Int
                        binary Sub : Int
                          local l0 : Int
                          const Int(2) : Int
        "#]].assert_eq(&super::dump(&p));
    }
}
