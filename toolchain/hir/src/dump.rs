//! `--emit hir`: a readable listing of the typed HIR.

use crate::hir::*;
use std::fmt::Write;

pub fn dump(p: &Program) -> String {
    let mut out = String::new();
    for (i, g) in p.globals.iter().enumerate() {
        let _ = writeln!(out, "global g{i} {}: {:?}", g.name, g.ty);
    }
    for s in &p.structs {
        let _ = writeln!(out, "struct {} {{ {} }}", s.name, s.fields.join(", "));
    }
    for e in p.enums.iter().skip(2) {
        let vs: Vec<String> = e.variants.iter().map(|v| format!("{}/{}", v.name, v.arity)).collect();
        let _ = writeln!(out, "enum {} {{ {} }}", e.name, vs.join(", "));
    }
    for (i, f) in p.funcs.iter().enumerate() {
        let locals: Vec<String> =
            f.locals.iter().enumerate().map(|(j, l)| format!("l{j} {}: {:?}{}", l.name, l.ty, if l.captured { " (cell)" } else { "" })).collect();
        let _ = writeln!(out, "\nfn #{i} {} params {:?} -> {:?}", f.name, f.params, f.ret_ty);
        let _ = writeln!(out, "  locals: {}", locals.join(", "));
        if !f.captures.is_empty() {
            let _ = writeln!(out, "  captures: {:?}", f.captures);
        }
        let _ = writeln!(out, "  body: {:#?}", f.body);
    }
    out
}
