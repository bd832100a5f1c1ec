//! AST → HIR lowering: name resolution, closure capture analysis, macro
//! expansion and compile-time checks (undefined names, arity of known
//! functions, unknown struct fields and enum variants).
//!
//! Scoping rules implemented here (see the language reference §1, §3, §5):
//! * Top-level `let`/`const` create globals; function bodies see every
//!   top-level name, and top-level functions may be called before their
//!   definition (a Rust programmer expects items to be hoisted).
//! * Blocks open scopes; a second `let` shadows.
//! * A name not found in the current function is looked up in the enclosing
//!   functions; if found there, it becomes a capture (by reference: the outer
//!   local is moved into a heap cell).
//! * Nested `fun` declarations are locals holding a closure, declared before
//!   their body is lowered so they can recurse.

use crate::hir::*;
use ruchy_syntax::ast::{self, BinOp, ExprKind as A, PatKind as AP, StmtKind as S};
use ruchy_syntax::{Diagnostic, Span};
use std::collections::HashMap;

/// Lowers a parsed program. Returns every error found.
pub fn lower(program: &ast::Program) -> Result<Program, Vec<Diagnostic>> {
    let mut cx = Lowerer::new();
    cx.lower_program(program);
    cx.check_pending_arity();
    if cx.diags.is_empty() {
        Ok(cx.finish())
    } else {
        Err(cx.diags)
    }
}

struct FnCtx {
    locals: Vec<Local>,
    /// Lexical scopes: name → local, innermost last.
    scopes: Vec<Vec<(String, LocalId)>>,
    captures: Vec<Capture>,
    capture_names: Vec<String>,
    /// Labels of enclosing loops, innermost last.
    loops: Vec<Option<String>>,
    /// True for the top-level code: its outermost scope defines globals.
    is_entry: bool,
}

impl FnCtx {
    fn new(is_entry: bool) -> FnCtx {
        FnCtx {
            locals: vec![],
            scopes: vec![vec![]],
            captures: vec![],
            capture_names: vec![],
            loops: vec![],
            is_entry,
        }
    }

    fn lookup_local(&self, name: &str) -> Option<LocalId> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|(n, _)| n == name).map(|(_, id)| *id)
    }
}

enum Resolved {
    Local(LocalId),
    Capture(u32),
    Global(GlobalId),
    Func(FuncId),
    Builtin(Builtin),
    Struct(StructId),
    /// An enum type name (only its variants can be used as values).
    Enum,
    Module(String),
}

/// `i64::MAX`, `u8::MIN`, `f64::EPSILON`, …: integer limits that fit the
/// 64-bit int (`u64::MAX` does not), and the special floats.
fn numeric_constant(ty: &str, item: &str) -> Option<Const> {
    let int = |min: i64, max: i64| match item {
        "MAX" => Some(Const::Int(max)),
        "MIN" => Some(Const::Int(min)),
        _ => None,
    };
    match ty {
        "i64" | "isize" => int(i64::MIN, i64::MAX),
        "i32" => int(i32::MIN.into(), i32::MAX.into()),
        "i16" => int(i16::MIN.into(), i16::MAX.into()),
        "i8" => int(i8::MIN.into(), i8::MAX.into()),
        "u32" => int(0, u32::MAX.into()),
        "u16" => int(0, u16::MAX.into()),
        "u8" => int(0, u8::MAX.into()),
        "f64" => Some(Const::Float(match item {
            "INFINITY" => f64::INFINITY,
            "NEG_INFINITY" => f64::NEG_INFINITY,
            "NAN" => f64::NAN,
            "MAX" => f64::MAX,
            "MIN" => f64::MIN,
            "EPSILON" => f64::EPSILON,
            _ => return None,
        })),
        _ => None,
    }
}

/// A path segment, with `Self` standing for the type whose `impl` is being
/// lowered.
fn seg<'a>(name: &'a str, self_type: &'a Option<String>) -> &'a str {
    match (name, self_type) {
        ("Self", Some(t)) => t,
        _ => name,
    }
}

struct Lowerer {
    /// The type of the `impl` whose methods are being lowered (for `Self`).
    self_type: Option<String>,
    funcs: Vec<Option<Function>>,
    globals: Vec<Global>,
    global_names: HashMap<String, GlobalId>,
    /// Top-level (and module-qualified `m::f`) functions by name.
    func_names: HashMap<String, FuncId>,
    structs: Vec<StructDef>,
    struct_names: HashMap<String, StructId>,
    enums: Vec<EnumDef>,
    enum_names: HashMap<String, EnumId>,
    modules: Vec<String>,
    methods: Vec<MethodEntry>,
    /// Static (associated) functions: (type name, fn name) → func.
    assoc: HashMap<(String, String), FuncId>,
    stack: Vec<FnCtx>,
    diags: Vec<Diagnostic>,
    main: Option<FuncId>,
    /// Globals declared so far while lowering top-level code in order.
    globals_declared: Vec<bool>,
    /// Depth of function bodies being lowered (0 = top-level code).
    in_function: u32,
    /// Calls to functions whose arity was unknown when the call was lowered.
    pending_arity: Vec<(FuncId, usize, Span)>,
    /// Function ids reserved by `declare_items`, by declaration node and owner.
    decl_ids: HashMap<(usize, String), FuncId>,
}

fn builtin_named(name: &str) -> Option<Builtin> {
    use Builtin::*;
    Some(match name {
        "println" => Println,
        "print" => Print,
        "eprintln" => Eprintln,
        "eprint" => Eprint,
        "assert" => Assert,
        "assert_eq" => AssertEq,
        "assert_ne" => AssertNe,
        "type_of" => TypeOf,
        "len" => Len,
        "str" | "to_string" => Str,
        "int" => Int,
        "float" => Float,
        "range" => Range,
        "min" => Min,
        "max" => Max,
        "abs" => Abs,
        "pow" => Pow,
        "sqrt" => Sqrt,
        "floor" => Floor,
        "ceil" => Ceil,
        "round" => Round,
        "sin" => Sin,
        "cos" => Cos,
        "tan" => Tan,
        "log" => Log,
        "log10" => Log10,
        "exp" => Exp,
        "input" => Input,
        "random" => Random,
        "timestamp" => Timestamp,
        _ => return None,
    })
}

/// Argument count range of built-ins that have a fixed arity.
fn builtin_arity(b: Builtin) -> Option<(usize, usize)> {
    use Builtin::*;
    Some(match b {
        TypeOf | Len | Str | Int | Float | Abs | Sqrt | Floor | Ceil | Round | Sin | Cos | Tan | Log10
        | Exp | StringFrom => (1, 1),
        Log => (1, 2),
        Min | Max | Pow => (2, 2),
        Range => (1, 3),
        Random | Timestamp | DictNew | StringNew => (0, 0),
        VecNew => (0, 1),
        Input => (0, 1),
        Assert => (1, 2),
        AssertEq | AssertNe => (2, 3),
        _ => return None,
    })
}

fn assoc_builtin(ty: &str, name: &str) -> Option<Builtin> {
    Some(match (ty, name) {
        ("HashMap" | "BTreeMap" | "HashSet", "new") => Builtin::DictNew,
        ("Vec", "new" | "with_capacity") => Builtin::VecNew,
        ("String", "new") => Builtin::StringNew,
        ("String", "from") => Builtin::StringFrom,
        _ => return None,
    })
}

fn expr(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, ty: Ty::Unknown, span }
}

fn nil(span: Span) -> Expr {
    expr(ExprKind::Const(Const::Nil), span)
}

impl Lowerer {
    fn new() -> Lowerer {
        let enums = vec![
            EnumDef {
                name: "Option".into(),
                variants: vec![
                    VariantDef { name: "None".into(), arity: 0, field_names: None, discriminant: 0 },
                    VariantDef { name: "Some".into(), arity: 1, field_names: None, discriminant: 1 },
                ],
            },
            EnumDef {
                name: "Result".into(),
                variants: vec![
                    VariantDef { name: "Ok".into(), arity: 1, field_names: None, discriminant: 0 },
                    VariantDef { name: "Err".into(), arity: 1, field_names: None, discriminant: 1 },
                ],
            },
        ];
        let mut enum_names = HashMap::new();
        enum_names.insert("Option".to_string(), OPTION_ENUM);
        enum_names.insert("Result".to_string(), RESULT_ENUM);
        Lowerer {
            self_type: None,
            funcs: vec![],
            globals: vec![],
            global_names: HashMap::new(),
            func_names: HashMap::new(),
            structs: vec![],
            struct_names: HashMap::new(),
            enums,
            enum_names,
            modules: vec![],
            methods: vec![],
            assoc: HashMap::new(),
            stack: vec![],
            diags: vec![],
            main: None,
            globals_declared: vec![],
            in_function: 0,
            pending_arity: vec![],
            decl_ids: HashMap::new(),
        }
    }

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, msg));
    }

    fn finish(self) -> Program {
        Program {
            // Every reserved id is lowered unless an error was reported (then
            // `finish` is not reached), but never panic on hostile input.
            funcs: self.funcs.into_iter().map(|f| f.unwrap_or_else(unreachable_function)).collect(),
            globals: self.globals,
            structs: self.structs,
            enums: self.enums,
            methods: self.methods,
            entry: 0,
            main: self.main,
        }
    }

    /// The id `declare_items` reserved for this declaration (per owner type,
    /// since trait default methods are declared once per implementing type).
    fn decl_id(&mut self, f: &ast::FunDecl, owner: &str) -> FuncId {
        match self.decl_ids.get(&(f as *const ast::FunDecl as usize, owner.to_string())) {
            Some(&id) => id,
            None => self.reserve_func(),
        }
    }

    fn check_pending_arity(&mut self) {
        for (f, got, span) in std::mem::take(&mut self.pending_arity) {
            if let Some(func) = &self.funcs[f as usize] {
                let (lo, hi) = (func.min_arity(), func.max_arity());
                if got < lo || got > hi {
                    let name = func.name.clone();
                    self.error(span, format!("function `{name}` expects {lo}-{hi} arguments, got {got}"));
                }
            }
        }
    }

    fn reserve_func(&mut self) -> FuncId {
        self.funcs.push(None);
        (self.funcs.len() - 1) as FuncId
    }

    fn cx(&mut self) -> &mut FnCtx {
        self.stack.last_mut().expect("inside a function")
    }

    // ----- program and items -------------------------------------------

    fn lower_program(&mut self, program: &ast::Program) {
        let entry = self.reserve_func();
        self.declare_items(&program.stmts, "");
        self.stack.push(FnCtx::new(true));
        let body_span = program.stmts.first().map(|s| s.span.to(program.stmts.last().unwrap().span));
        // Function bodies are lowered first so they see every global.
        self.lower_item_bodies(&program.stmts, "");
        let stmts = self.lower_stmts(&program.stmts);
        let cx = self.stack.pop().unwrap();
        let span = body_span.unwrap_or_default();
        self.funcs[entry as usize] = Some(Function {
            name: "<top-level>".into(),
            params: vec![],
            defaults: vec![],
            has_self: false,
            locals: cx.locals,
            captures: vec![],
            body: expr(ExprKind::Block(stmts), span),
            ret_ty: Ty::Unknown,
            escapes: false,
            is_closure: false,
            span,
        });
    }

    /// First pass over the top level: declares globals, functions, types
    /// and modules so that bodies can refer to them in any order.
    fn declare_items(&mut self, stmts: &[ast::Stmt], prefix: &str) {
        for stmt in stmts {
            match &stmt.kind {
                S::Let { pat, .. } if prefix.is_empty() => {
                    let mut names = vec![];
                    pat_names(pat, &mut names);
                    for n in names {
                        self.declare_global(&n);
                    }
                }
                S::Const { name, .. } => {
                    self.declare_global(&format!("{prefix}{}", name.name));
                }
                S::Fun(f) => {
                    let id = self.reserve_func();
                    self.decl_ids.insert((f as *const ast::FunDecl as usize, String::new()), id);
                    let full = format!("{prefix}{}", f.name.name);
                    if self.func_names.insert(full.clone(), id).is_some() && prefix.is_empty() {
                        // Redefinition: the later one wins, like a shadowing let.
                    }
                    if full == "main" {
                        self.main = Some(id);
                    }
                }
                S::Struct(s) => self.declare_struct(s),
                S::Enum(e) => self.declare_enum(e),
                S::Mod { name, body } => {
                    self.modules.push(format!("{prefix}{}", name.name));
                    self.declare_items(body, &format!("{prefix}{}::", name.name));
                }
                _ => {}
            }
        }
        // Methods need the types, so they are declared after all types.
        for stmt in stmts {
            match &stmt.kind {
                S::Struct(s) => {
                    for m in &s.methods {
                        self.declare_method(&s.name.name, m);
                    }
                }
                S::Impl(imp) => {
                    for m in &imp.methods {
                        self.declare_method(&imp.target.name, m);
                    }
                }
                _ => {}
            }
        }
        for stmt in stmts {
            if let S::Impl(imp) = &stmt.kind {
                if let Some(tr) = &imp.trait_name {
                    self.declare_trait_defaults(stmts, &tr.name, &imp.target.name, &imp.methods);
                }
            }
        }
    }

    fn declare_global(&mut self, name: &str) -> GlobalId {
        if let Some(&g) = self.global_names.get(name) {
            return g;
        }
        let id = self.globals.len() as GlobalId;
        self.globals.push(Global { name: name.to_string(), ty: Ty::Unknown });
        self.global_names.insert(name.to_string(), id);
        self.globals_declared.push(false);
        id
    }

    fn declare_struct(&mut self, s: &ast::StructDecl) {
        let id = self.structs.len() as StructId;
        self.structs.push(StructDef {
            name: s.name.name.clone(),
            fields: s.fields.iter().map(|f| f.name.name.clone()).collect(),
            defaults: vec![None; s.fields.len()],
            field_types: vec![],
            tuple: s.tuple,
            is_class: s.is_class,
        });
        self.struct_names.insert(s.name.name.clone(), id);
    }

    fn declare_enum(&mut self, e: &ast::EnumDecl) {
        let id = self.enums.len() as EnumId;
        let mut next = 0i64;
        let variants = e
            .variants
            .iter()
            .map(|v| {
                let discriminant = v.discriminant.unwrap_or(next);
                next = discriminant.wrapping_add(1);
                let (arity, field_names) = match &v.kind {
                    ast::VariantKind::Unit => (0, None),
                    ast::VariantKind::Tuple(n) => (*n, None),
                    ast::VariantKind::Struct(fs) => (fs.len(), Some(fs.iter().map(|f| f.name.clone()).collect())),
                };
                VariantDef { name: v.name.name.clone(), arity, field_names, discriminant }
            })
            .collect();
        if e.variants.len() > 255 {
            self.error(e.name.span, "an enum may have at most 255 variants");
        }
        self.enums.push(EnumDef { name: e.name.name.clone(), variants });
        self.enum_names.insert(e.name.name.clone(), id);
    }

    fn type_ref(&self, name: &str) -> Option<TypeRef> {
        if let Some(&s) = self.struct_names.get(name) {
            Some(TypeRef::Struct(s))
        } else {
            self.enum_names.get(name).map(|&e| TypeRef::Enum(e))
        }
    }

    fn declare_method(&mut self, owner: &str, m: &ast::FunDecl) {
        let id = self.reserve_func();
        self.decl_ids.insert((m as *const ast::FunDecl as usize, owner.to_string()), id);
        self.assoc.insert((owner.to_string(), m.name.name.clone()), id);
        match self.type_ref(owner) {
            Some(owner) if m.has_self => {
                self.methods.push(MethodEntry { owner, name: m.name.name.clone(), func: id });
            }
            Some(_) => {}
            None => self.error(m.name.span, format!("`impl` for unknown type `{owner}`")),
        }
    }

    /// Trait default methods become methods of each implementing type that
    /// does not override them.
    fn declare_trait_defaults(&mut self, stmts: &[ast::Stmt], trait_name: &str, target: &str, own: &[ast::FunDecl]) {
        for stmt in stmts {
            if let S::Trait(t) = &stmt.kind {
                if t.name.name == trait_name {
                    for m in &t.methods {
                        if !own.iter().any(|o| o.name.name == m.name.name) {
                            self.declare_method(target, m);
                        }
                    }
                }
            }
        }
    }

    /// Lowers the bodies of functions and methods (in the same order as
    /// `declare_items` reserved their ids).
    fn lower_item_bodies(&mut self, stmts: &[ast::Stmt], prefix: &str) {
        for stmt in stmts {
            match &stmt.kind {
                S::Fun(f) => {
                    let id = self.decl_id(f, "");
                    self.lower_function(id, f, None);
                }
                S::Struct(s) => {
                    self.lower_struct_defaults(s);
                    for m in &s.methods {
                        let id = self.decl_id(m, &s.name.name);
                        self.lower_function(id, m, Some(&s.name.name));
                    }
                }
                S::Mod { name, body } => self.lower_item_bodies(body, &format!("{prefix}{}::", name.name)),
                _ => {}
            }
        }
        for stmt in stmts {
            if let S::Impl(imp) = &stmt.kind {
                for m in &imp.methods {
                    let id = self.decl_id(m, &imp.target.name);
                    self.lower_function(id, m, Some(&imp.target.name));
                }
                if let Some(tr) = &imp.trait_name {
                    for s2 in stmts {
                        if let S::Trait(t) = &s2.kind {
                            if t.name.name == tr.name {
                                for m in &t.methods {
                                    if !imp.methods.iter().any(|o| o.name.name == m.name.name) {
                                        let id = self.decl_id(m, &imp.target.name);
                                        if self.funcs[id as usize].is_none() {
                                            self.lower_function(id, m, Some(&imp.target.name));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn lower_struct_defaults(&mut self, s: &ast::StructDecl) {
        let id = self.struct_names[&s.name.name];
        // Defaults are evaluated where a literal omits them; they may only
        // refer to globals, so they are lowered in a throwaway context.
        for (i, f) in s.fields.iter().enumerate() {
            if let Some(d) = &f.default {
                self.stack.push(FnCtx::new(false));
                self.in_function += 1;
                let e = self.lower_expr(d);
                self.in_function -= 1;
                let cx = self.stack.pop().unwrap();
                if !cx.locals.is_empty() || !cx.captures.is_empty() {
                    self.error(d.span, "a field default may not declare or capture variables");
                }
                self.structs[id as usize].defaults[i] = Some(e);
            }
        }
    }

    fn lower_function(&mut self, id: FuncId, f: &ast::FunDecl, owner: Option<&str>) {
        let name = match owner {
            Some(o) => format!("{o}::{}", f.name.name),
            None => f.name.name.clone(),
        };
        let inner = owner.map(str::to_string).or_else(|| self.self_type.clone());
        let outer = std::mem::replace(&mut self.self_type, inner);
        let func = self.lower_fn_like(name, f.has_self, &f.params, &ast_block_expr(&f.body), false, f.span);
        self.self_type = outer;
        self.funcs[id as usize] = Some(func);
    }

    /// Shared by functions, methods and closures.
    #[allow(clippy::too_many_arguments)]
    fn lower_fn_like(
        &mut self,
        name: String,
        has_self: bool,
        params: &[ast::Param],
        body: &ast::Expr,
        is_closure: bool,
        span: Span,
    ) -> Function {
        self.stack.push(FnCtx::new(false));
        self.in_function += 1;
        let mut param_ids = vec![];
        let mut defaults = vec![];
        if has_self {
            param_ids.push(self.declare_local("self"));
            defaults.push(None);
        }
        let mut destructure = vec![];
        for p in params {
            let local = match &p.pat.kind {
                AP::Bind { name, sub: None } => self.declare_local(&name.name),
                _ => {
                    let hidden = self.new_local("<param>");
                    destructure.push((p.pat.clone(), hidden, p.span));
                    hidden
                }
            };
            param_ids.push(local);
            defaults.push(p.default.as_ref().map(|d| self.lower_expr(d)));
        }
        if defaults.iter().skip_while(|d| d.is_none()).any(|d| d.is_none()) {
            self.error(span, "parameters with default values must come last");
        }
        let mut stmts = vec![];
        for (pat, hidden, span) in destructure {
            let pat = self.lower_pat(&pat);
            stmts.push(Stmt::Let { pat, init: Some(expr(ExprKind::Local(hidden), span)), span });
        }
        let body_expr = self.lower_expr(body);
        let body = if stmts.is_empty() {
            body_expr
        } else {
            let bspan = body_expr.span;
            stmts.push(Stmt::Expr(body_expr));
            expr(ExprKind::Block(stmts), bspan)
        };
        self.in_function -= 1;
        let cx = self.stack.pop().unwrap();
        Function {
            name,
            params: param_ids,
            defaults,
            has_self,
            locals: cx.locals,
            captures: cx.captures,
            body,
            ret_ty: Ty::Unknown,
            escapes: false,
            is_closure,
            span,
        }
    }

    fn new_local(&mut self, name: &str) -> LocalId {
        let cx = self.cx();
        cx.locals.push(Local { name: name.to_string(), ty: Ty::Unknown, captured: false });
        (cx.locals.len() - 1) as LocalId
    }

    fn declare_local(&mut self, name: &str) -> LocalId {
        let id = self.new_local(name);
        self.cx().scopes.last_mut().unwrap().push((name.to_string(), id));
        id
    }

    fn at_global_scope(&self) -> bool {
        let cx = self.stack.last().unwrap();
        cx.is_entry && cx.scopes.len() == 1
    }

    // ----- name resolution ---------------------------------------------

    fn resolve(&mut self, name: &str) -> Option<Resolved> {
        let depth = self.stack.len() - 1;
        if let Some(r) = self.resolve_in(depth, name) {
            return Some(r);
        }
        if let Some(&g) = self.global_names.get(name) {
            let visible = self.in_function > 0 || self.globals_declared[g as usize];
            if visible {
                return Some(Resolved::Global(g));
            }
        }
        if let Some(&f) = self.func_names.get(name) {
            return Some(Resolved::Func(f));
        }
        if let Some(&s) = self.struct_names.get(name) {
            return Some(Resolved::Struct(s));
        }
        if self.enum_names.contains_key(name) {
            return Some(Resolved::Enum);
        }
        if self.modules.iter().any(|m| m == name) {
            return Some(Resolved::Module(name.to_string()));
        }
        builtin_named(name).map(Resolved::Builtin)
    }

    /// Looks a name up in function `depth` of the stack and its enclosing
    /// functions, threading captures through every function in between.
    fn resolve_in(&mut self, depth: usize, name: &str) -> Option<Resolved> {
        if let Some(id) = self.stack[depth].lookup_local(name) {
            return Some(Resolved::Local(id));
        }
        if let Some(i) = self.stack[depth].capture_names.iter().position(|n| n == name) {
            return Some(Resolved::Capture(i as u32));
        }
        if depth == 0 || self.stack[depth].is_entry {
            return None;
        }
        // The entry function's outermost scope holds globals, not locals.
        let source = match self.resolve_in(depth - 1, name)? {
            Resolved::Local(id) => {
                self.stack[depth - 1].locals[id as usize].captured = true;
                Capture::Local(id)
            }
            Resolved::Capture(i) => Capture::Outer(i),
            _ => return None,
        };
        let cx = &mut self.stack[depth];
        cx.captures.push(source);
        cx.capture_names.push(name.to_string());
        Some(Resolved::Capture((cx.captures.len() - 1) as u32))
    }

    // ----- statements ----------------------------------------------------

    fn lower_stmts(&mut self, stmts: &[ast::Stmt]) -> Vec<Stmt> {
        let mut out = vec![];
        for s in stmts {
            self.lower_stmt(s, &mut out);
        }
        out
    }

    fn lower_stmt(&mut self, stmt: &ast::Stmt, out: &mut Vec<Stmt>) {
        match &stmt.kind {
            S::Let { pat, init, ty } => {
                // `let s: String = chars.collect()`: the annotation asks for
                // a string, as `collect::<String>()` does.
                let wants_string = matches!(ty, Some(ast::Type::Named { name, .. }) if name == "String");
                let init = init.as_ref().map(|e| match &e.kind {
                    A::MethodCall { receiver, method, args, turbofish: None } if wants_string && method.name == "collect" && args.is_empty() => {
                        self.collect_string(receiver, e.span)
                    }
                    _ => self.lower_expr(e),
                });
                if self.at_global_scope() {
                    self.lower_global_let(pat, init, stmt.span, out);
                } else {
                    let pat = self.lower_pat(pat);
                    out.push(Stmt::Let { pat, init, span: stmt.span });
                }
            }
            S::Const { name, init, .. } => {
                let init = self.lower_expr(init);
                if self.at_global_scope() {
                    let g = self.global_names[&name.name];
                    self.globals_declared[g as usize] = true;
                    out.push(Stmt::SetGlobal { global: g, init });
                } else {
                    let local = self.declare_local(&name.name);
                    let pat = Pat { kind: PatKind::Bind(local, None), span: name.span };
                    out.push(Stmt::Let { pat, init: Some(init), span: stmt.span });
                }
            }
            S::Expr { expr: e, .. } => {
                let e = self.lower_expr(e);
                out.push(Stmt::Expr(e));
            }
            S::Fun(f) => {
                if self.stack.len() > 1 || !self.at_global_scope() {
                    self.lower_nested_fun(f, out);
                }
                // Top-level functions were lowered up front.
            }
            S::Mod { name: m, body } => {
                // Module-level consts are globals named `m::NAME`.
                for s in body {
                    if let S::Const { name, init, .. } = &s.kind {
                        let init = self.lower_expr(init);
                        let g = self.global_names[&format!("{}::{}", m.name, name.name)];
                        self.globals_declared[g as usize] = true;
                        out.push(Stmt::SetGlobal { global: g, init });
                    }
                }
            }
            S::Struct(_) | S::Enum(_) | S::Impl(_) | S::Trait(_) | S::Use { .. } => {
                if !self.at_global_scope() {
                    if let S::Struct(_) | S::Enum(_) | S::Impl(_) | S::Trait(_) = &stmt.kind {
                        self.error(stmt.span, "type declarations are only allowed at the top level");
                    }
                }
            }
        }
    }

    fn lower_global_let(&mut self, pat: &ast::Pat, init: Option<Expr>, span: Span, out: &mut Vec<Stmt>) {
        let init = init.unwrap_or_else(|| nil(span));
        if let AP::Bind { name, sub: None } = &pat.kind {
            let g = self.global_names[&name.name];
            self.globals_declared[g as usize] = true;
            out.push(Stmt::SetGlobal { global: g, init });
            return;
        }
        // Destructuring at top level: bind into temporaries, then copy each
        // bound name into its global.
        self.cx().scopes.push(vec![]);
        let hpat = self.lower_pat(pat);
        let bound: Vec<(String, LocalId)> = self.cx().scopes.pop().unwrap();
        out.push(Stmt::Let { pat: hpat, init: Some(init), span });
        for (name, local) in bound {
            let g = self.global_names[&name];
            self.globals_declared[g as usize] = true;
            out.push(Stmt::SetGlobal { global: g, init: expr(ExprKind::Local(local), span) });
        }
    }

    fn lower_nested_fun(&mut self, f: &ast::FunDecl, out: &mut Vec<Stmt>) {
        let local = self.declare_local(&f.name.name);
        let id = self.reserve_func();
        let mut func = self.lower_fn_like(f.name.name.clone(), false, &f.params, &ast_block_expr(&f.body), true, f.span);
        func.escapes = true;
        self.funcs[id as usize] = Some(func);
        let pat = Pat { kind: PatKind::Bind(local, None), span: f.name.span };
        out.push(Stmt::Let { pat, init: Some(expr(ExprKind::Closure(id), f.span)), span: f.span });
    }

    // ----- expressions ---------------------------------------------------

    fn lower_block(&mut self, b: &ast::Block) -> Expr {
        self.cx().scopes.push(vec![]);
        let stmts = self.lower_stmts(&b.stmts);
        self.cx().scopes.pop();
        expr(ExprKind::Block(stmts), b.span)
    }

    fn boxed(&mut self, e: &ast::Expr) -> Box<Expr> {
        Box::new(self.lower_expr(e))
    }

    fn lower_exprs(&mut self, es: &[ast::Expr]) -> Vec<Expr> {
        es.iter().map(|e| self.lower_expr(e)).collect()
    }

    fn lower_expr(&mut self, e: &ast::Expr) -> Expr {
        let span = e.span;
        let kind = match &e.kind {
            A::Int(n) => ExprKind::Const(Const::Int(*n)),
            A::Float(f) => ExprKind::Const(Const::Float(*f)),
            A::Str(s) => ExprKind::Const(Const::Str(s.clone())),
            A::Bool(b) => ExprKind::Const(Const::Bool(*b)),
            A::Nil => ExprKind::Const(Const::Nil),
            A::FString(parts) => ExprKind::FString(
                parts
                    .iter()
                    .map(|p| match p {
                        ast::FPart::Lit(s) => FPart::Lit(s.clone()),
                        ast::FPart::Expr { expr: e, spec } => FPart::Hole { expr: self.lower_expr(e), spec: spec.clone() },
                    })
                    .collect(),
            ),
            A::Ident(name) => return self.lower_name(name, span),
            A::Path(segs) => return self.lower_path(segs, span),
            A::Unary { op, expr: inner } => ExprKind::Unary(*op, self.boxed(inner)),
            A::Binary { op, lhs, rhs } => {
                let (l, r) = (self.boxed(lhs), self.boxed(rhs));
                match op {
                    BinOp::And => ExprKind::And(l, r),
                    BinOp::Or => ExprKind::Or(l, r),
                    BinOp::Coalesce => ExprKind::Coalesce(l, r),
                    _ => ExprKind::Binary(*op, l, r),
                }
            }
            A::Assign { op, target, value } => {
                if let Some(block) = crate::entry::desugar_assign(target, *op, value, span) {
                    return self.lower_expr(&block);
                }
                let value = self.boxed(value);
                match self.lower_place(target) {
                    Some(place) => ExprKind::Assign { place, op: *op, value },
                    None => {
                        self.error(target.span, "invalid assignment target");
                        ExprKind::Const(Const::Nil)
                    }
                }
            }
            A::Call { callee, args } => return self.lower_call(callee, args, span),
            A::MethodCall { receiver, method, args, turbofish } => {
                if let Some(block) = crate::entry::desugar_value(e) {
                    return self.lower_expr(&block);
                }
                // `chars.collect::<String>()` builds a string, as in Rust
                // (plain `collect()` is the identity on arrays).
                if method.name == "collect" && args.is_empty() && matches!(turbofish, Some(ast::Type::Named { name, .. }) if name == "String") {
                    return self.collect_string(receiver, span);
                }
                return self.lower_method_call(receiver, method, args, span);
            }
            A::Macro { name, args } => return self.lower_macro(name, args, span),
            A::Field { expr: inner, name } => ExprKind::Field(self.boxed(inner), name.name.clone()),
            A::TupleIndex { expr: inner, index } => ExprKind::TupleIndex(self.boxed(inner), *index),
            A::Index { expr: inner, index } => ExprKind::Index(self.boxed(inner), self.boxed(index)),
            A::Array(items) => ExprKind::Array(self.lower_exprs(items)),
            A::ArrayRepeat { value, count } => ExprKind::ArrayRepeat(self.boxed(value), self.boxed(count)),
            A::Tuple(items) => ExprKind::Tuple(self.lower_exprs(items)),
            A::Dict(entries) => ExprKind::Dict(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            ast::DictKey::Name(n) => expr(ExprKind::Const(Const::Str(n.clone())), v.span),
                            ast::DictKey::Expr(k) => self.lower_expr(k),
                        };
                        (key, self.lower_expr(v))
                    })
                    .collect(),
            ),
            A::StructLit { path, fields, base } => return self.lower_struct_lit(path, fields, base.as_deref(), span),
            A::Range { start, end, inclusive } => ExprKind::Range {
                start: start.as_ref().map(|s| self.boxed(s)),
                end: end.as_ref().map(|s| self.boxed(s)),
                inclusive: *inclusive,
            },
            A::Block(b) => return self.lower_block(b),
            A::If { cond, then, else_ } => ExprKind::If {
                cond: self.boxed(cond),
                then: Box::new(self.lower_block(then)),
                else_: else_.as_ref().map(|e| self.boxed(e)),
            },
            A::IfLet { pat, value, then, else_ } => {
                let value = self.boxed(value);
                self.cx().scopes.push(vec![]);
                let pat = self.lower_pat(pat);
                let body = self.lower_block(then);
                self.cx().scopes.pop();
                let mut arms = vec![Arm { pat, guard: None, body }];
                if let Some(e) = else_ {
                    let body = self.lower_expr(e);
                    arms.push(Arm { pat: Pat { kind: PatKind::Wild, span: e.span }, guard: None, body });
                }
                ExprKind::Match { scrutinee: value, arms, exhaustive_error: false }
            }
            A::Match { scrutinee, arms } => {
                let scrutinee = self.boxed(scrutinee);
                let arms = arms
                    .iter()
                    .map(|arm| {
                        self.cx().scopes.push(vec![]);
                        let pat = self.lower_pat(&arm.pat);
                        let guard = arm.guard.as_ref().map(|g| self.lower_expr(g));
                        let body = self.lower_expr(&arm.body);
                        self.cx().scopes.pop();
                        Arm { pat, guard, body }
                    })
                    .collect();
                ExprKind::Match { scrutinee, arms, exhaustive_error: true }
            }
            A::While { label, cond, body } => {
                let cond = self.boxed(cond);
                let body = self.in_loop(label, |s| s.lower_block(body));
                ExprKind::While { cond, body: Box::new(body) }
            }
            A::WhileLet { label, pat, value, body } => {
                let value = self.boxed(value);
                self.cx().scopes.push(vec![]);
                let pat = self.lower_pat(pat);
                let body = self.in_loop(label, |s| s.lower_block(body));
                self.cx().scopes.pop();
                ExprKind::WhileLet { pat, value, body: Box::new(body) }
            }
            A::Loop { label, body } => {
                let body = self.in_loop(label, |s| s.lower_block(body));
                ExprKind::Loop { body: Box::new(body) }
            }
            A::For { label, pat, iter, body } => {
                let iter = self.boxed(iter);
                self.cx().scopes.push(vec![]);
                let pat = self.lower_pat(pat);
                let body = self.in_loop(label, |s| s.lower_block(body));
                self.cx().scopes.pop();
                ExprKind::For { pat, iter, body: Box::new(body) }
            }
            A::Break { label, value } => {
                let depth = self.loop_depth(label.as_ref(), span);
                ExprKind::Break { depth, value: value.as_ref().map(|v| self.boxed(v)) }
            }
            A::Continue { label } => ExprKind::Continue { depth: self.loop_depth(label.as_ref(), span) },
            A::Return(v) => {
                if self.in_function == 0 {
                    self.error(span, "`return` outside of a function");
                }
                ExprKind::Return(v.as_ref().map(|v| self.boxed(v)))
            }
            A::Closure { params, body } => {
                let id = self.reserve_func();
                let mut f = self.lower_fn_like("<closure>".into(), false, params, body, true, span);
                f.escapes = true;
                self.funcs[id as usize] = Some(f);
                ExprKind::Closure(id)
            }
            A::Try { body, catch, finally } => {
                let body = Box::new(self.lower_block(body));
                let catch = catch.as_ref().map(|(pat, block)| {
                    self.cx().scopes.push(vec![]);
                    let pat = self.lower_pat(pat);
                    let b = self.lower_block(block);
                    self.cx().scopes.pop();
                    (pat, Box::new(b))
                });
                let finally = finally.as_ref().map(|f| Box::new(self.lower_block(f)));
                ExprKind::Try { body, catch, finally }
            }
            A::Throw(v) => ExprKind::Throw(self.boxed(v)),
            A::Question(v) => {
                if self.in_function == 0 {
                    self.error(span, "`?` outside of a function");
                }
                ExprKind::Question(self.boxed(v))
            }
            A::Cast { expr: inner, ty } => {
                let name = match ty {
                    ast::Type::Named { name, .. } => name.clone(),
                    _ => "<type>".into(),
                };
                ExprKind::Cast(self.boxed(inner), name)
            }
            A::Ternary { cond, then, else_ } => ExprKind::If {
                cond: self.boxed(cond),
                then: self.boxed(then),
                else_: Some(self.boxed(else_)),
            },
        };
        expr(kind, span)
    }

    fn in_loop<T>(&mut self, label: &Option<ast::Ident>, f: impl FnOnce(&mut Self) -> T) -> T {
        self.cx().loops.push(label.as_ref().map(|l| l.name.clone()));
        let r = f(self);
        self.cx().loops.pop();
        r
    }

    fn loop_depth(&mut self, label: Option<&ast::Ident>, span: Span) -> u32 {
        let loops = &self.stack.last().unwrap().loops;
        if loops.is_empty() {
            self.error(span, "`break`/`continue` outside of a loop");
            return 0;
        }
        match label {
            None => 0,
            Some(l) => {
                let want = l.name.trim_start_matches(['\'', '@']);
                match loops.iter().rev().position(|x| x.as_deref().map(|s| s.trim_start_matches(['\'', '@'])) == Some(want)) {
                    Some(d) => d as u32,
                    None => {
                        self.error(l.span, format!("undefined loop label `{}`", l.name));
                        0
                    }
                }
            }
        }
    }

    fn lower_name(&mut self, name: &str, span: Span) -> Expr {
        let kind = match self.resolve(name) {
            Some(Resolved::Local(id)) => ExprKind::Local(id),
            Some(Resolved::Capture(i)) => ExprKind::Capture(i),
            Some(Resolved::Global(g)) => ExprKind::Global(g),
            Some(Resolved::Func(f)) => ExprKind::FuncRef(f),
            _ if name == "None" => ExprKind::Variant { def: OPTION_ENUM, variant: VARIANT_NONE, args: vec![] },
            _ if name == "Some" => ExprKind::VariantCtor { def: OPTION_ENUM, variant: VARIANT_SOME },
            _ if name == "Ok" => ExprKind::VariantCtor { def: RESULT_ENUM, variant: VARIANT_OK },
            _ if name == "Err" => ExprKind::VariantCtor { def: RESULT_ENUM, variant: VARIANT_ERR },
            _ => {
                self.error(span, format!("undefined variable `{name}`"));
                ExprKind::Const(Const::Nil)
            }
        };
        expr(kind, span)
    }

    fn lower_path(&mut self, segs: &[ast::Ident], span: Span) -> Expr {
        let self_ty = self.self_type.clone();
        let names: Vec<&str> = segs.iter().map(|s| seg(&s.name, &self_ty)).collect();
        let (ty, item) = (names[..names.len() - 1].join("::"), names[names.len() - 1]);
        if let Some(&e) = self.enum_names.get(&ty) {
            if let Some(v) = self.enums[e as usize].variants.iter().position(|v| v.name == item) {
                let arity = self.enums[e as usize].variants[v].arity;
                let kind = if arity == 0 {
                    ExprKind::Variant { def: e, variant: v as u32, args: vec![] }
                } else {
                    ExprKind::VariantCtor { def: e, variant: v as u32 }
                };
                return expr(kind, span);
            }
        }
        if let Some(&f) = self.assoc.get(&(ty.clone(), item.to_string())) {
            return expr(ExprKind::FuncRef(f), span);
        }
        if let Some(&f) = self.func_names.get(&names.join("::")) {
            return expr(ExprKind::FuncRef(f), span);
        }
        if let Some(&g) = self.global_names.get(&names.join("::")) {
            return expr(ExprKind::Global(g), span);
        }
        if ty == "std::f64::consts" || ty == "f64::consts" || ty == "consts" {
            let v = match item {
                "PI" => Some(std::f64::consts::PI),
                "E" => Some(std::f64::consts::E),
                _ => None,
            };
            if let Some(v) = v {
                return expr(ExprKind::Const(Const::Float(v)), span);
            }
        }
        if let Some(c) = numeric_constant(&ty, item) {
            return expr(ExprKind::Const(c), span);
        }
        self.error(span, format!("undefined name `{}`", names.join("::")));
        nil(span)
    }

    fn lower_call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> Expr {
        let callee_h = match &callee.kind {
            A::Ident(name) => match self.resolve(name) {
                Some(Resolved::Func(f)) => Callee::Func(f),
                Some(Resolved::Builtin(b)) => Callee::Builtin(b),
                Some(Resolved::Struct(s)) if self.structs[s as usize].tuple => {
                    let fields = self.lower_exprs(args).into_iter().enumerate().map(|(i, e)| (i as u32, e)).collect();
                    return expr(ExprKind::StructLit { def: s, fields, base: None }, span);
                }
                None if matches!(name.as_str(), "Some" | "Ok" | "Err") => {
                    let (def, variant) = match name.as_str() {
                        "Some" => (OPTION_ENUM, VARIANT_SOME),
                        "Ok" => (RESULT_ENUM, VARIANT_OK),
                        _ => (RESULT_ENUM, VARIANT_ERR),
                    };
                    if args.len() != 1 {
                        self.error(span, format!("`{name}` takes exactly one argument, got {}", args.len()));
                    }
                    let args = self.lower_exprs(args);
                    return expr(ExprKind::Variant { def, variant, args }, span);
                }
                None => {
                    self.error(callee.span, format!("undefined function `{name}`"));
                    let _ = self.lower_exprs(args);
                    return nil(span);
                }
                _ => Callee::Value(Box::new(self.lower_name(name, callee.span))),
            },
            A::Path(segs) => {
                let self_ty = self.self_type.clone();
                let ty = segs[..segs.len() - 1].iter().map(|s| seg(&s.name, &self_ty)).collect::<Vec<_>>().join("::");
                let item = &segs[segs.len() - 1].name;
                if let Some(b) = assoc_builtin(&ty, item) {
                    if !self.assoc.contains_key(&(ty.clone(), item.clone())) {
                        Callee::Builtin(b)
                    } else {
                        Callee::Func(self.assoc[&(ty, item.clone())])
                    }
                } else {
                    let target = self.lower_path(segs, callee.span);
                    match target.kind {
                        ExprKind::FuncRef(f) => Callee::Func(f),
                        ExprKind::VariantCtor { def, variant } => {
                            let arity = self.enums[def as usize].variants[variant as usize].arity;
                            if arity != args.len() {
                                let self_ty = self.self_type.clone();
                                self.error(span, format!("variant `{}` expects {arity} values, got {}", segs.iter().map(|s| seg(&s.name, &self_ty)).collect::<Vec<_>>().join("::"), args.len()));
                            }
                            let args = self.lower_exprs(args);
                            return expr(ExprKind::Variant { def, variant, args }, span);
                        }
                        _ => Callee::Value(Box::new(target)),
                    }
                }
            }
            _ => Callee::Value(self.boxed(callee)),
        };
        let args = self.lower_exprs(args);
        self.check_arity(&callee_h, args.len(), callee.span);
        expr(ExprKind::Call { callee: callee_h, args }, span)
    }

    fn check_arity(&mut self, callee: &Callee, got: usize, span: Span) {
        let (lo, hi, name) = match callee {
            Callee::Func(f) => match &self.funcs[*f as usize] {
                Some(func) => (func.min_arity(), func.max_arity(), func.name.clone()),
                // Not lowered yet: checked once every function is lowered.
                None => {
                    self.pending_arity.push((*f, got, span));
                    return;
                }
            },
            Callee::Builtin(b) => match builtin_arity(*b) {
                Some((lo, hi)) => (lo, hi, format!("{b:?}").to_lowercase()),
                None => return,
            },
            Callee::Value(_) => return,
        };
        if got < lo || got > hi {
            self.error(span, format!("function `{name}` expects {lo}-{hi} arguments, got {got}"));
        }
    }

    /// `items.collect()` asked to produce a `String`: the items joined.
    fn collect_string(&mut self, items: &ast::Expr, span: Span) -> Expr {
        let join = ast::Ident { name: "join".into(), span };
        let empty = ast::Expr { kind: A::Str(String::new()), span };
        self.lower_method_call(items, &join, std::slice::from_ref(&empty), span)
    }

    fn lower_method_call(&mut self, receiver: &ast::Expr, method: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        // `m.f(x)` on a module is a qualified call.
        if let A::Ident(name) = &receiver.kind {
            if let Some(Resolved::Module(m)) = self.resolve(name) {
                let full = format!("{m}::{}", method.name);
                if let Some(&f) = self.func_names.get(&full) {
                    let args = self.lower_exprs(args);
                    self.check_arity(&Callee::Func(f), args.len(), method.span);
                    return expr(ExprKind::Call { callee: Callee::Func(f), args }, span);
                }
            }
        }
        let receiver = self.boxed(receiver);
        let args = self.lower_exprs(args);
        expr(ExprKind::MethodCall { receiver, method: method.name.clone(), args }, span)
    }

    fn lower_macro(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        use Builtin::*;
        let fmt_builtin = match name.name.as_str() {
            "println" => Some(PrintlnFmt),
            "print" => Some(PrintFmt),
            "eprintln" => Some(EprintlnFmt),
            "eprint" => Some(EprintFmt),
            "format" => Some(FormatFmt),
            "panic" => Some(PanicFmt),
            _ => None,
        };
        if let Some(action) = fmt_builtin {
            return self.lower_format(action, name, args, span);
        }
        let b = match (name.name.as_str(), fmt_builtin) {
            ("assert", _) => Assert,
            ("assert_eq", _) => AssertEq,
            ("assert_ne", _) => AssertNe,
            ("dbg", _) => Println,
            _ => {
                self.error(name.span, format!("unknown macro `{}!`", name.name));
                return nil(span);
            }
        };
        let args = self.lower_exprs(args);
        self.check_arity(&Callee::Builtin(b), args.len(), name.span);
        expr(ExprKind::Call { callee: Callee::Builtin(b), args }, span)
    }

    /// Splits a `println!`-style template at compile time and resolves
    /// `{}`, `{0}` and `{name}` holes to argument positions.
    fn lower_format(&mut self, action: Builtin, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        let (template, rest) = match args.split_first() {
            None => (String::new(), &[][..]),
            Some((first, rest)) => match &first.kind {
                A::Str(t) => (t.clone(), rest),
                _ => {
                    self.error(first.span, format!("`{}!` needs a string literal as its first argument", name.name));
                    return nil(span);
                }
            },
        };
        let mut hargs = self.lower_exprs(rest);
        let segs = match ruchy_syntax::fmt_template::parse_template(&template) {
            Ok(s) => s,
            Err(msg) => {
                self.error(args[0].span, msg);
                return nil(span);
            }
        };
        let mut next = 0;
        let mut segments = vec![];
        for seg in segs {
            segments.push(match seg {
                ruchy_syntax::fmt_template::Segment::Lit(s) => FmtSeg::Lit(s),
                ruchy_syntax::fmt_template::Segment::Hole { arg, spec } => {
                    let idx = match arg {
                        ruchy_syntax::fmt_template::ArgRef::Next => {
                            next += 1;
                            next - 1
                        }
                        ruchy_syntax::fmt_template::ArgRef::Index(i) => i,
                        ruchy_syntax::fmt_template::ArgRef::Name(n) => {
                            let e = self.lower_name(&n, args[0].span);
                            hargs.push(e);
                            hargs.len() - 1
                        }
                    };
                    if idx >= hargs.len() {
                        self.error(args[0].span, format!("format string needs argument {} but `{}!` got {}", idx + 1, name.name, rest.len()));
                        return nil(span);
                    }
                    FmtSeg::Hole { arg: idx, spec }
                }
            });
        }
        expr(ExprKind::Format { action, segments, args: hargs }, span)
    }

    fn lower_struct_lit(&mut self, path: &[ast::Ident], fields: &[ast::FieldInit], base: Option<&ast::Expr>, span: Span) -> Expr {
        let self_ty = self.self_type.clone();
        let name = path.iter().map(|p| seg(&p.name, &self_ty)).collect::<Vec<_>>().join("::");
        // Struct-like enum variant: `E::V { a: 1 }`.
        if path.len() >= 2 {
            let self_ty = self.self_type.clone();
            let ty = path[..path.len() - 1].iter().map(|p| seg(&p.name, &self_ty)).collect::<Vec<_>>().join("::");
            if let Some(&e) = self.enum_names.get(&ty) {
                let vname = &path[path.len() - 1].name;
                if let Some(v) = self.enums[e as usize].variants.iter().position(|v| &v.name == vname) {
                    let names = self.enums[e as usize].variants[v].field_names.clone().unwrap_or_default();
                    let mut args: Vec<Option<Expr>> = vec![None; names.len()];
                    for f in fields {
                        let value = self.field_value(f);
                        match names.iter().position(|n| n == &f.name.name) {
                            Some(i) => args[i] = Some(value),
                            None => self.error(f.name.span, format!("variant `{name}` has no field `{}`", f.name.name)),
                        }
                    }
                    if args.iter().any(Option::is_none) {
                        self.error(span, format!("missing fields in `{name}`"));
                    }
                    let args = args.into_iter().map(|a| a.unwrap_or_else(|| nil(span))).collect();
                    return expr(ExprKind::Variant { def: e, variant: v as u32, args }, span);
                }
            }
        }
        let Some(&def) = self.struct_names.get(&name) else {
            self.error(span, format!("undefined struct `{name}`"));
            return nil(span);
        };
        let mut out = vec![];
        let mut given = vec![false; self.structs[def as usize].fields.len()];
        for f in fields {
            let value = self.field_value(f);
            match self.structs[def as usize].fields.iter().position(|n| n == &f.name.name) {
                Some(i) => {
                    given[i] = true;
                    out.push((i as u32, value));
                }
                None => self.error(f.name.span, format!("struct `{name}` has no field `{}`", f.name.name)),
            }
        }
        let base = base.map(|b| self.boxed(b));
        if base.is_none() {
            let sd = &self.structs[def as usize];
            let missing: Vec<String> =
                given.iter().enumerate().filter(|(i, g)| !**g && sd.defaults[*i].is_none()).map(|(i, _)| sd.fields[i].clone()).collect();
            if !missing.is_empty() {
                self.error(span, format!("missing field(s) {} in `{name}`", missing.join(", ")));
            }
        }
        expr(ExprKind::StructLit { def, fields: out, base }, span)
    }

    fn field_value(&mut self, f: &ast::FieldInit) -> Expr {
        match &f.value {
            Some(v) => self.lower_expr(v),
            None => self.lower_name(&f.name.name, f.name.span),
        }
    }

    fn lower_place(&mut self, target: &ast::Expr) -> Option<Place> {
        Some(match &target.kind {
            A::Ident(name) => match self.resolve(name) {
                Some(Resolved::Local(id)) => Place::Local(id),
                Some(Resolved::Capture(i)) => Place::Capture(i),
                Some(Resolved::Global(g)) => Place::Global(g),
                _ => {
                    self.error(target.span, format!("undefined variable `{name}`"));
                    return None;
                }
            },
            A::Field { expr: e, name } => Place::Field(self.boxed(e), name.name.clone()),
            A::TupleIndex { expr: e, index } => Place::TupleIndex(self.boxed(e), *index),
            A::Index { expr: e, index } => Place::Index(self.boxed(e), self.boxed(index)),
            _ => return None,
        })
    }

    // ----- patterns ------------------------------------------------------

    fn lower_pat(&mut self, p: &ast::Pat) -> Pat {
        let mut bound = HashMap::new();
        self.lower_pat_in(p, &mut bound)
    }

    /// `bound` maps names already bound by this pattern, so the alternatives
    /// of an or-pattern share their locals.
    fn lower_pat_in(&mut self, p: &ast::Pat, bound: &mut HashMap<String, LocalId>) -> Pat {
        let kind = match &p.kind {
            AP::Wild => PatKind::Wild,
            AP::Bind { name, sub } => {
                if name.name == "None" && sub.is_none() {
                    PatKind::Variant { def: OPTION_ENUM, variant: VARIANT_NONE, args: vec![] }
                } else {
                    let sub = sub.as_ref().map(|s| Box::new(self.lower_pat_in(s, bound)));
                    let id = match bound.get(&name.name) {
                        Some(&id) => id,
                        None => {
                            let id = self.declare_local(&name.name);
                            bound.insert(name.name.clone(), id);
                            id
                        }
                    };
                    PatKind::Bind(id, sub)
                }
            }
            AP::Lit(l) => PatKind::Const(lit_const(l)),
            AP::Range { lo, hi, inclusive } => {
                PatKind::Range { lo: lo.as_ref().map(lit_const), hi: hi.as_ref().map(lit_const), inclusive: *inclusive }
            }
            AP::Tuple(ps) => PatKind::Tuple(ps.iter().map(|q| self.lower_pat_in(q, bound)).collect()),
            AP::Array { before, after, .. } if before.len() > 255 || after.len() > 255 => {
                self.error(p.span, "an array pattern may list at most 255 elements before and after `..`");
                PatKind::Wild
            }
            AP::Array { before, rest, after } => PatKind::Array {
                before: before.iter().map(|q| self.lower_pat_in(q, bound)).collect(),
                rest: rest.as_ref().map(|r| {
                    r.as_ref().map(|name| {
                        let id = self.declare_local(&name.name);
                        bound.insert(name.name.clone(), id);
                        id
                    })
                }),
                after: after.iter().map(|q| self.lower_pat_in(q, bound)).collect(),
            },
            AP::Variant { path, args } => return self.lower_variant_pat(path, args.as_deref(), p.span, bound),
            AP::Struct { path, fields, .. } => return self.lower_struct_pat(path, fields, p.span, bound),
            AP::Or(alts) => PatKind::Or(alts.iter().map(|q| self.lower_pat_in(q, bound)).collect()),
        };
        Pat { kind, span: p.span }
    }

    fn lower_variant_pat(&mut self, path: &[ast::Ident], args: Option<&[ast::Pat]>, span: Span, bound: &mut HashMap<String, LocalId>) -> Pat {
        let self_ty = self.self_type.clone();
        let names: Vec<&str> = path.iter().map(|s| seg(&s.name, &self_ty)).collect();
        let target = match names.as_slice() {
            ["Some"] | ["Option", "Some"] => Some((OPTION_ENUM, VARIANT_SOME)),
            ["None"] | ["Option", "None"] => Some((OPTION_ENUM, VARIANT_NONE)),
            ["Ok"] | ["Result", "Ok"] => Some((RESULT_ENUM, VARIANT_OK)),
            ["Err"] | ["Result", "Err"] => Some((RESULT_ENUM, VARIANT_ERR)),
            [.., last] => {
                let ty = names[..names.len() - 1].join("::");
                self.enum_names
                    .get(&ty)
                    .and_then(|&e| self.enums[e as usize].variants.iter().position(|v| v.name == *last).map(|v| (e, v as u32)))
            }
            [] => None,
        };
        let args_h: Vec<Pat> = args.unwrap_or(&[]).iter().map(|q| self.lower_pat_in(q, bound)).collect();
        if let Some((def, variant)) = target {
            let arity = self.enums[def as usize].variants[variant as usize].arity;
            if args_h.len() != arity && !(args.is_none() && arity == 0) {
                self.error(span, format!("pattern `{}` expects {arity} fields, got {}", names.join("::"), args_h.len()));
            }
            return Pat { kind: PatKind::Variant { def, variant, args: args_h }, span };
        }
        // A tuple-struct pattern `P(a, b)`.
        if let (Some(&s), [_]) = (self.struct_names.get(names[0]), names.as_slice()) {
            let fields = args_h.into_iter().enumerate().map(|(i, p)| (i as u32, p)).collect();
            return Pat { kind: PatKind::Struct { def: s, fields }, span };
        }
        self.error(span, format!("unknown variant `{}` in pattern", names.join("::")));
        Pat { kind: PatKind::Wild, span }
    }

    fn lower_struct_pat(&mut self, path: &[ast::Ident], fields: &[(ast::Ident, ast::Pat)], span: Span, bound: &mut HashMap<String, LocalId>) -> Pat {
        let self_ty = self.self_type.clone();
        let name = path.iter().map(|s| seg(&s.name, &self_ty)).collect::<Vec<_>>().join("::");
        if let Some(&s) = self.struct_names.get(&name) {
            let mut out = vec![];
            for (f, p) in fields {
                let pat = self.lower_pat_in(p, bound);
                match self.structs[s as usize].fields.iter().position(|n| n == &f.name) {
                    Some(i) => out.push((i as u32, pat)),
                    None => self.error(f.span, format!("struct `{name}` has no field `{}`", f.name)),
                }
            }
            return Pat { kind: PatKind::Struct { def: s, fields: out }, span };
        }
        // Struct-like enum variant pattern: fields map to payload positions.
        if path.len() >= 2 {
            let self_ty = self.self_type.clone();
            let ty = path[..path.len() - 1].iter().map(|s| seg(&s.name, &self_ty)).collect::<Vec<_>>().join("::");
            if let Some(&e) = self.enum_names.get(&ty) {
                let vname = &path[path.len() - 1].name;
                if let Some(v) = self.enums[e as usize].variants.iter().position(|v| &v.name == vname) {
                    let names = self.enums[e as usize].variants[v].field_names.clone().unwrap_or_default();
                    let mut args: Vec<Pat> = names.iter().map(|_| Pat { kind: PatKind::Wild, span }).collect();
                    for (f, p) in fields {
                        let pat = self.lower_pat_in(p, bound);
                        match names.iter().position(|n| n == &f.name) {
                            Some(i) => args[i] = pat,
                            None => self.error(f.span, format!("variant `{name}` has no field `{}`", f.name)),
                        }
                    }
                    return Pat { kind: PatKind::Variant { def: e, variant: v as u32, args }, span };
                }
            }
        }
        self.error(span, format!("undefined struct `{name}` in pattern"));
        Pat { kind: PatKind::Wild, span }
    }
}

fn unreachable_function() -> Function {
    Function {
        name: "<unused>".into(),
        params: vec![],
        defaults: vec![],
        has_self: false,
        locals: vec![],
        captures: vec![],
        body: nil(Span::default()),
        ret_ty: Ty::Unknown,
        escapes: false,
        is_closure: false,
        span: Span::default(),
    }
}

fn lit_const(l: &ast::Lit) -> Const {
    match l {
        ast::Lit::Int(n) => Const::Int(*n),
        ast::Lit::Float(f) => Const::Float(*f),
        ast::Lit::Str(s) => Const::Str(s.clone()),
        ast::Lit::Bool(b) => Const::Bool(*b),
        ast::Lit::Nil => Const::Nil,
    }
}

fn ast_block_expr(b: &ast::Block) -> ast::Expr {
    ast::Expr { kind: A::Block(b.clone()), span: b.span }
}

/// Names a pattern binds (for declaring top-level globals).
fn pat_names(p: &ast::Pat, out: &mut Vec<String>) {
    match &p.kind {
        AP::Bind { name, sub } => {
            if name.name != "None" {
                out.push(name.name.clone());
            }
            if let Some(s) = sub {
                pat_names(s, out);
            }
        }
        AP::Tuple(ps) | AP::Or(ps) => ps.iter().for_each(|q| pat_names(q, out)),
        AP::Array { before, rest, after } => {
            before.iter().chain(after).for_each(|q| pat_names(q, out));
            if let Some(Some(r)) = rest {
                out.push(r.name.clone());
            }
        }
        AP::Variant { args: Some(args), .. } => args.iter().for_each(|q| pat_names(q, out)),
        AP::Struct { fields, .. } => fields.iter().for_each(|(_, q)| pat_names(q, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    /// Regression (found by the fuzzer): redefining a function or method left
    /// a reserved function id unlowered and panicked in `finish`.
    #[test]
    fn redefinitions_lower_every_declaration_and_the_last_wins() {
        let src = "fun f() { 1 }\nfun f() { 2 }\nstruct S {}\nimpl S { fun m(&self) { 1 } fun m(&self) { 2 } }\n";
        let (ast, d) = ruchy_syntax::parse(src);
        assert!(d.is_empty());
        let p = super::lower(&ast).expect("lowers");
        let bodies: Vec<&str> = p.funcs.iter().map(|f| f.name.as_str()).collect();
        assert!(!bodies.contains(&"<unused>"), "{bodies:?}");
        assert_eq!(p.funcs.iter().filter(|f| f.name == "f").count(), 2);
    }
}
