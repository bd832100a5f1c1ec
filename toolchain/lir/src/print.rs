//! The readable listing of a LIR module (`--emit ir`, `--print-after`).

use crate::ir::*;
use std::fmt::Write;

pub fn print(m: &Module) -> String {
    let mut out = String::new();
    for (i, g) in m.globals.iter().enumerate() {
        let _ = writeln!(out, "global g{i} {}: {}", g.name, g.ty.name());
    }
    for (i, s) in m.statics.iter().enumerate() {
        let _ = writeln!(out, "static s{i} = {}", static_text(s));
    }
    for (i, f) in m.funcs.iter().enumerate() {
        out.push('\n');
        print_func(&mut out, i as FuncId, f);
    }
    out
}

fn static_text(s: &Static) -> String {
    match s {
        Static::Str(t) => format!("{t:?}"),
        Static::UnitVariant { enum_id, variant } => format!("variant {enum_id}.{variant}"),
        Static::Spec(spec) => format!("spec {spec:?}"),
        Static::Closure { func } => format!("closure #{func}"),
        Static::Layout(d) => format!("layout {:?}", String::from_utf8_lossy(d)),
    }
}

pub fn print_func(out: &mut String, id: FuncId, f: &Func) {
    let params: Vec<String> = f.params.iter().map(|&p| var_decl(f, p)).collect();
    let _ = writeln!(out, "fn #{id} {}({}) -> {}  [frame {}]", f.name, params.join(", "), f.ret.name(), f.frame_slots);
    body(out, f, &f.body, 1);
}

fn var_decl(f: &Func, v: VarId) -> String {
    let var = &f.vars[v as usize];
    match &var.name {
        Some(n) => format!("v{v}:{} ({n})", var.ty.name()),
        None => format!("v{v}:{}", var.ty.name()),
    }
}

fn body(out: &mut String, f: &Func, insts: &[Inst], depth: usize) {
    for i in insts {
        inst(out, f, i, depth);
    }
}

fn lit(l: &Lit) -> String {
    match l {
        Lit::I32(n) => format!("{n}"),
        Lit::I64(n) => format!("{n}"),
        Lit::F64(x) => format!("{x:?}"),
        Lit::Static(s) => format!("s{s}"),
        Lit::Null => "null".into(),
        Lit::TableIndex(f) => format!("table #{f}"),
    }
}

fn inst(out: &mut String, f: &Func, i: &Inst, depth: usize) {
    let pad = "  ".repeat(depth);
    let d = |v: &VarId| var_decl(f, *v);
    let line = match i {
        Inst::Const { dst, lit: l } => format!("{} = {}", d(dst), lit(l)),
        Inst::Copy { dst, src } => format!("{} = v{src}", d(dst)),
        Inst::Unary { dst, op, src, .. } => format!("{} = {} v{src}", d(dst), op.name()),
        Inst::Binary { dst, op, a, b, loc } if op.can_fail() => format!("{} = {} v{a}, v{b}  @{}:{}", d(dst), op.name(), loc.line, loc.col),
        Inst::Binary { dst, op, a, b, .. } => format!("{} = {} v{a}, v{b}", d(dst), op.name()),
        Inst::Select { dst, cond, a, b } => format!("{} = select v{cond} ? v{a} : v{b}", d(dst)),
        Inst::Call { dst, callee, args, loc } => {
            let target = match callee {
                Callee::Func(id) => format!("#{id}"),
                Callee::Runtime(n) => n.to_string(),
            };
            let args: Vec<String> = args.iter().map(|a| format!("v{a}")).collect();
            let at = if *loc == Loc::default() { String::new() } else { format!("  @{}:{}", loc.line, loc.col) };
            match dst {
                Some(v) => format!("{} = call {target}({}){at}", d(v), args.join(", ")),
                None => format!("call {target}({}){at}", args.join(", ")),
            }
        }
        Inst::Load { dst, mem, addr, offset } => format!("{} = load.{mem:?} v{addr}+{offset}", d(dst)).to_lowercase(),
        Inst::Store { mem, addr, offset, value } => format!("store.{mem:?} v{addr}+{offset} = v{value}").to_lowercase(),
        Inst::GlobalGet { dst, global } => format!("{} = global g{global}", d(dst)),
        Inst::GlobalSet { global, value } => format!("global g{global} = v{value}"),
        Inst::Block(b) | Inst::Loop(b) => {
            let _ = writeln!(out, "{pad}{} {{", if matches!(i, Inst::Block(_)) { "block" } else { "loop" });
            body(out, f, b, depth + 1);
            let _ = writeln!(out, "{pad}}}");
            return;
        }
        Inst::If { cond, then, else_ } => {
            let _ = writeln!(out, "{pad}if v{cond} {{");
            body(out, f, then, depth + 1);
            if !else_.is_empty() {
                let _ = writeln!(out, "{pad}}} else {{");
                body(out, f, else_, depth + 1);
            }
            let _ = writeln!(out, "{pad}}}");
            return;
        }
        Inst::Br(n) => format!("br {n}"),
        Inst::BrIf { cond, depth } => format!("br_if v{cond}, {depth}"),
        Inst::Return(Some(v)) => format!("return v{v}"),
        Inst::Return(None) => "return".into(),
        Inst::Fail { msg, loc } => format!("fail s{msg} @{}:{}", loc.line, loc.col),
        Inst::Root { slot, var } => format!("root [{slot}] = v{var}"),
    };
    let _ = writeln!(out, "{pad}{line}");
}
