//! Human-readable dumps for `--emit tokens` and `--emit ast`, also used by
//! the parser's snapshot tests.
//!
//! The AST dump is S-expression-like: operators and forms come first and
//! parenthesise their operands, so precedence is visible at a glance
//! (`1 + 2 * 3` is `(+ 1 (* 2 3))`). Short blocks print inline as
//! `{a b}` (a statement with a trailing `;` shows it); longer ones, and match arms, go on indented lines.

use crate::ast::*;
pub use crate::lexer::dump_tokens;

/// Dumps a whole program, one top-level statement per line (blocks that do
/// not fit on a line spread over indented lines).
pub fn dump_program(program: &Program) -> String {
    let mut out = String::new();
    for stmt in &program.stmts {
        out.push_str(&stmt_str(stmt));
        out.push('\n');
    }
    out
}

/// Dumps one expression (used by tests).
pub fn dump_expr(expr: &Expr) -> String {
    expr_str(expr)
}

/// Dumps one pattern (used by tests).
pub fn dump_pat(pat: &Pat) -> String {
    pat_str(pat)
}

/// Longest block printed on one line.
const INLINE_LIMIT: usize = 70;

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}

/// `{a b}` when short and flat, else one statement per indented line.
fn block_str(block: &Block) -> String {
    let parts: Vec<String> = block.stmts.iter().map(stmt_str).collect();
    let total: usize = parts.iter().map(|p| p.len() + 2).sum();
    if parts.iter().all(|p| !p.contains('\n')) && total <= INLINE_LIMIT {
        return format!("{{{}}}", parts.join(" "));
    }
    let body: Vec<String> = parts.iter().map(|p| indent(p)).collect();
    format!("{{\n{}\n}}", body.join("\n"))
}

fn join<T>(items: &[T], f: impl Fn(&T) -> String, sep: &str) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(sep)
}

fn stmt_str(stmt: &Stmt) -> String {
    match &stmt.kind {
        StmtKind::Let { pat, ty, init } => {
            let ty = ty.as_ref().map(|t| format!(": {}", ty_str(t))).unwrap_or_default();
            let init = init.as_ref().map(|e| format!(" {}", expr_str(e))).unwrap_or_default();
            format!("(let {}{ty}{init})", pat_str(pat))
        }
        StmtKind::Expr { expr, semi } => format!("{}{}", expr_str(expr), if *semi { ";" } else { "" }),
        StmtKind::Fun(f) => fun_str(f),
        StmtKind::Struct(s) => struct_str(s),
        StmtKind::Enum(e) => {
            let variants = join(&e.variants, variant_str, " ");
            format!("(enum {}{} {variants})", e.name.name, generics_str(&e.generics))
        }
        StmtKind::Impl(i) => {
            let head = match &i.trait_name {
                Some(t) => format!("{} for {}", t.name, i.target.name),
                None => i.target.name.clone(),
            };
            members_str(&format!("impl {head}"), &i.methods)
        }
        StmtKind::Trait(t) => members_str(&format!("trait {}", t.name.name), &t.methods),
        StmtKind::Const { name, ty, init } => {
            let ty = ty.as_ref().map(|t| format!(": {}", ty_str(t))).unwrap_or_default();
            format!("(const {}{ty} {})", name.name, expr_str(init))
        }
        StmtKind::Mod { name, body } => {
            let items: Vec<String> = body.iter().map(|s| indent(&stmt_str(s))).collect();
            format!("(mod {}\n{})", name.name, items.join("\n"))
        }
        StmtKind::Use { path } => format!("(use {})", join(path, |i| i.name.clone(), "::")),
    }
}

fn generics_str(generics: &[Ident]) -> String {
    if generics.is_empty() {
        return String::new();
    }
    format!("<{}>", join(generics, |g| g.name.clone(), ", "))
}

fn fun_str(f: &FunDecl) -> String {
    let mut params: Vec<String> = Vec::new();
    if f.has_self {
        params.push("self".into());
    }
    params.extend(f.params.iter().map(param_str));
    let ret = f.ret.as_ref().map(|t| format!(" -> {}", ty_str(t))).unwrap_or_default();
    format!("(fun {}{} ({}){ret} {})", f.name.name, generics_str(&f.generics), params.join(", "), block_str(&f.body))
}

fn param_str(p: &Param) -> String {
    let mut s = pat_str(&p.pat);
    if let Some(t) = &p.ty {
        s.push_str(&format!(": {}", ty_str(t)));
    }
    if let Some(d) = &p.default {
        s.push_str(&format!(" = {}", expr_str(d)));
    }
    s
}

fn struct_str(s: &StructDecl) -> String {
    let keyword = if s.is_class { "class" } else { "struct" };
    let fields = join(
        &s.fields,
        |f| {
            let ty = f.ty.as_ref().map(|t| format!(": {}", ty_str(t))).unwrap_or_default();
            let default = f.default.as_ref().map(|d| format!(" = {}", expr_str(d))).unwrap_or_default();
            format!("{}{ty}{default}", f.name.name)
        },
        ", ",
    );
    let shape = if s.tuple { format!("({fields})") } else { format!("{{{fields}}}") };
    let head = format!("{keyword} {}{} {shape}", s.name.name, generics_str(&s.generics));
    members_str(&head, &s.methods)
}

fn members_str(head: &str, methods: &[FunDecl]) -> String {
    if methods.is_empty() {
        return format!("({head})");
    }
    let body: Vec<String> = methods.iter().map(|m| indent(&fun_str(m))).collect();
    format!("({head}\n{})", body.join("\n"))
}

fn variant_str(v: &VariantDecl) -> String {
    let shape = match &v.kind {
        VariantKind::Unit => String::new(),
        VariantKind::Tuple(n) => format!("({n})"),
        VariantKind::Struct(names) => format!(" {{{}}}", join(names, |n| n.name.clone(), ", ")),
    };
    let disc = v.discriminant.map(|d| format!(" = {d}")).unwrap_or_default();
    format!("{}{shape}{disc}", v.name.name)
}

fn binop_str(op: BinOp) -> &'static str {
    use BinOp::*;
    match op {
        Add => "+",
        Sub => "-",
        Mul => "*",
        Div => "/",
        Rem => "%",
        Pow => "**",
        Eq => "==",
        Ne => "!=",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        And => "&&",
        Or => "||",
        BitAnd => "&",
        BitOr => "|",
        BitXor => "^",
        Shl => "<<",
        Shr => ">>",
        Coalesce => "??",
    }
}

fn label_str(label: &Option<Ident>) -> String {
    label.as_ref().map(|l| format!("'{}: ", l.name)).unwrap_or_default()
}

fn opt_expr(e: &Option<Box<Expr>>) -> String {
    e.as_ref().map(|e| format!(" {}", expr_str(e))).unwrap_or_default()
}

fn args_str(args: &[Expr]) -> String {
    args.iter().map(|a| format!(" {}", expr_str(a))).collect()
}

fn expr_str(e: &Expr) -> String {
    use ExprKind as E;
    match &e.kind {
        E::Int(v) => v.to_string(),
        E::Float(v) => format!("{v:?}"),
        E::Str(s) => format!("{s:?}"),
        E::Bool(b) => b.to_string(),
        E::Nil => "nil".into(),
        E::FString(parts) => format!("(f{})", parts.iter().map(|p| format!(" {}", fpart_str(p))).collect::<String>()),
        E::Ident(name) => name.clone(),
        E::Path(path) => join(path, |i| i.name.clone(), "::"),
        E::Unary { op, expr } => {
            let op = match op {
                UnOp::Neg => "-",
                UnOp::Not => "!",
                UnOp::BitNot => "~",
            };
            format!("({op} {})", expr_str(expr))
        }
        E::Binary { op, lhs, rhs } => format!("({} {} {})", binop_str(*op), expr_str(lhs), expr_str(rhs)),
        E::Assign { op, target, value } => {
            let op = op.map(binop_str).unwrap_or("");
            format!("({op}= {} {})", expr_str(target), expr_str(value))
        }
        E::Call { callee, args } => format!("(call {}{})", expr_str(callee), args_str(args)),
        E::MethodCall { receiver, method, turbofish, args } => {
            let tf = turbofish.as_ref().map(|t| format!("::<{}>", ty_str(t))).unwrap_or_default();
            format!("(.{}{tf} {}{})", method.name, expr_str(receiver), args_str(args))
        }
        E::Macro { name, args } => format!("({}!{})", name.name, args_str(args)),
        E::Field { expr, name } => format!("(. {} {})", expr_str(expr), name.name),
        E::TupleIndex { expr, index } => format!("(. {} {index})", expr_str(expr)),
        E::Index { expr, index } => format!("(index {} {})", expr_str(expr), expr_str(index)),
        E::Array(items) => format!("[{}]", join(items, expr_str, ", ")),
        E::ArrayRepeat { value, count } => format!("[{}; {}]", expr_str(value), expr_str(count)),
        E::Tuple(items) => format!("(tuple{})", args_str(items)),
        E::Dict(entries) => {
            let body = join(
                entries,
                |(k, v)| match k {
                    DictKey::Name(n) => format!("{n:?}: {}", expr_str(v)),
                    DictKey::Expr(k) => format!("[{}]: {}", expr_str(k), expr_str(v)),
                },
                ", ",
            );
            format!("(dict {{{body}}})")
        }
        E::StructLit { path, fields, base } => {
            let mut parts: Vec<String> = fields
                .iter()
                .map(|f| match &f.value {
                    Some(v) => format!("{}: {}", f.name.name, expr_str(v)),
                    None => f.name.name.clone(),
                })
                .collect();
            if let Some(b) = base {
                parts.push(format!("..{}", expr_str(b)));
            }
            format!("(new {} {{{}}})", join(path, |i| i.name.clone(), "::"), parts.join(", "))
        }
        E::Range { start, end, inclusive } => {
            let op = if *inclusive { "..=" } else { ".." };
            let side = |s: &Option<Box<Expr>>| s.as_ref().map(|e| expr_str(e)).unwrap_or_else(|| "_".into());
            format!("({op} {} {})", side(start), side(end))
        }
        E::Block(b) => block_str(b),
        E::If { cond, then, else_ } => {
            format!("(if {} {}{})", expr_str(cond), block_str(then), else_str(else_))
        }
        E::IfLet { pat, value, then, else_ } => {
            format!("(if-let {} {} {}{})", pat_str(pat), expr_str(value), block_str(then), else_str(else_))
        }
        E::Match { scrutinee, arms } => {
            let arms: Vec<String> = arms.iter().map(|a| indent(&arm_str(a))).collect();
            format!("(match {}\n{})", expr_str(scrutinee), arms.join("\n"))
        }
        E::While { label, cond, body } => {
            format!("({}while {} {})", label_str(label), expr_str(cond), block_str(body))
        }
        E::WhileLet { label, pat, value, body } => {
            format!("({}while-let {} {} {})", label_str(label), pat_str(pat), expr_str(value), block_str(body))
        }
        E::Loop { label, body } => format!("({}loop {})", label_str(label), block_str(body)),
        E::For { label, pat, iter, body } => {
            format!("({}for {} {} {})", label_str(label), pat_str(pat), expr_str(iter), block_str(body))
        }
        E::Break { label, value } => {
            let label = label.as_ref().map(|l| format!(" '{}", l.name)).unwrap_or_default();
            format!("(break{label}{})", opt_expr(value))
        }
        E::Continue { label } => {
            let label = label.as_ref().map(|l| format!(" '{}", l.name)).unwrap_or_default();
            format!("(continue{label})")
        }
        E::Return(value) => format!("(return{})", opt_expr(value)),
        E::Closure { params, body } => format!("(|{}| {})", join(params, param_str, ", "), expr_str(body)),
        E::Try { body, catch, finally } => {
            let mut s = format!("(try {}", block_str(body));
            if let Some((pat, block)) = catch {
                s.push_str(&format!(" catch {} {}", pat_str(pat), block_str(block)));
            }
            if let Some(block) = finally {
                s.push_str(&format!(" finally {}", block_str(block)));
            }
            s + ")"
        }
        E::Throw(value) => format!("(throw {})", expr_str(value)),
        E::Question(value) => format!("(? {})", expr_str(value)),
        E::Cast { expr, ty } => format!("(as {} {})", expr_str(expr), ty_str(ty)),
        E::Ternary { cond, then, else_ } => {
            format!("(?: {} {} {})", expr_str(cond), expr_str(then), expr_str(else_))
        }
    }
}

fn else_str(else_: &Option<Box<Expr>>) -> String {
    else_.as_ref().map(|e| format!(" else {}", expr_str(e))).unwrap_or_default()
}

fn arm_str(arm: &MatchArm) -> String {
    let guard = arm.guard.as_ref().map(|g| format!(" if {}", expr_str(g))).unwrap_or_default();
    format!("{}{guard} => {}", pat_str(&arm.pat), expr_str(&arm.body))
}

fn fpart_str(part: &FPart) -> String {
    match part {
        FPart::Lit(s) => format!("{s:?}"),
        FPart::Expr { expr, spec } if *spec == FormatSpec::default() => format!("{{{}}}", expr_str(expr)),
        FPart::Expr { expr, spec } => format!("{{{}:{}}}", expr_str(expr), spec_str(spec)),
    }
}

/// A format spec written back in Rust syntax.
pub fn spec_str(spec: &FormatSpec) -> String {
    let mut s = String::new();
    s.extend(spec.fill);
    s.extend(spec.align);
    s.extend(spec.sign);
    if spec.alternate {
        s.push('#');
    }
    if spec.zero {
        s.push('0');
    }
    if let Some(w) = spec.width {
        s.push_str(&w.to_string());
    }
    if let Some(p) = spec.precision {
        s.push_str(&format!(".{p}"));
    }
    s.extend(spec.kind);
    s
}

fn lit_str(lit: &Lit) -> String {
    match lit {
        Lit::Int(v) => v.to_string(),
        Lit::Float(v) => format!("{v:?}"),
        Lit::Str(s) => format!("{s:?}"),
        Lit::Bool(b) => b.to_string(),
        Lit::Nil => "nil".into(),
    }
}

fn pat_str(p: &Pat) -> String {
    match &p.kind {
        PatKind::Wild => "_".into(),
        PatKind::Bind { name, sub: None } => name.name.clone(),
        PatKind::Bind { name, sub: Some(sub) } => format!("{} @ {}", name.name, pat_str(sub)),
        PatKind::Lit(lit) => lit_str(lit),
        PatKind::Range { lo, hi, inclusive } => {
            let side = |l: &Option<Lit>| l.as_ref().map(lit_str).unwrap_or_default();
            format!("{}{}{}", side(lo), if *inclusive { "..=" } else { ".." }, side(hi))
        }
        PatKind::Tuple(items) => format!("({})", join(items, pat_str, ", ")),
        PatKind::Array { before, rest, after } => {
            let mut parts: Vec<String> = before.iter().map(pat_str).collect();
            match rest {
                Some(Some(name)) => parts.push(format!("..{}", name.name)),
                Some(None) => parts.push("..".into()),
                None => {}
            }
            parts.extend(after.iter().map(pat_str));
            format!("[{}]", parts.join(", "))
        }
        PatKind::Variant { path, args } => {
            let path = join(path, |i| i.name.clone(), "::");
            match args {
                Some(args) => format!("{path}({})", join(args, pat_str, ", ")),
                None => path,
            }
        }
        PatKind::Struct { path, fields, rest } => {
            let mut parts: Vec<String> =
                fields.iter().map(|(name, p)| format!("{}: {}", name.name, pat_str(p))).collect();
            if *rest {
                parts.push("..".into());
            }
            format!("{} {{{}}}", join(path, |i| i.name.clone(), "::"), parts.join(", "))
        }
        PatKind::Or(alts) => join(alts, pat_str, " | "),
    }
}

/// A type written back in Ruchy syntax.
pub fn ty_str(t: &Type) -> String {
    match t {
        Type::Named { name, args } if args.is_empty() => name.clone(),
        Type::Named { name, args } => format!("{name}<{}>", join(args, ty_str, ", ")),
        Type::Array(elem) => format!("[{}]", ty_str(elem)),
        Type::Tuple(items) => format!("({})", join(items, ty_str, ", ")),
        Type::Fn { params, ret } => format!("fn({}) -> {}", join(params, ty_str, ", "), ty_str(ret)),
        Type::Infer => "_".into(),
    }
}
