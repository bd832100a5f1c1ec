//! Type inference over the HIR: a whole-program fixpoint on the lattice
//! `Unknown < {Int, Float, Bool, Str, Nil, Array(T), Tuple(..), Dict,
//! Struct(s), Enum(e), Func, Range} < Dyn` (see [`Ty::join`]).
//!
//! What gets a static type, and why it is sound:
//! * A local's type is the join of every value ever stored into it (its
//!   `let`, assignments, compound assignments, loop bindings, call
//!   arguments for parameters). Since all of those are visited on every
//!   round and types only grow, the final round sees the final types.
//! * A global's type is likewise the join of every store into it, anywhere
//!   in the program. (A read that runs before the global's `let` sees nil;
//!   back ends keep a generic path for that case — the VM's specialised
//!   instructions check tags and fall back.)
//! * A struct field's type joins every literal that builds the struct and
//!   every store into the field. A store through a receiver of `Dyn` type
//!   could hit any struct, so it makes that field name `Dyn` in all of them.
//! * An array's element type joins its literal elements, index stores and
//!   `push`/`insert`/`extend` on it, followed through nested indexing and
//!   fields. Arrays have value semantics, so no other alias can add to the
//!   array a variable holds; reads of `Dyn` containers give `Dyn`.
//! * A method is only reached by dispatch on its owner's type (there is no
//!   `Type::method(receiver)` form), so `self` has that type and a call on a
//!   receiver of known type returns the method's return type. Its other
//!   parameters join the arguments of such calls, unless a receiver of
//!   unknown type calls a method of that name anywhere: then they are `Dyn`.
//! * Locals captured by closures, pattern bindings other than a
//!   plain `let x = …`, and the parameters of functions that escape as values
//!   are `Dyn`: stores to them can happen where this pass does not look, or
//!   their values come from dynamic containers.
//! * A function's return type joins its body value and every `return`.
//! * While a type is still `Unknown` (not reached yet in this round), reads
//!   through it stay `Unknown`, so a later round can still settle them.
//!
//! Back ends may specialise on a proven type (the VM emits `AddI` for
//! `Int + Int`), but must stay correct for `Dyn`.

use crate::hir::*;
use crate::visit::walk;
use ruchy_syntax::ast::{BinOp, UnOp};

pub fn infer(p: &mut Program) {
    mark_escaping_functions(p);
    let mut method_names = vec![None; p.funcs.len()];
    for m in &p.methods {
        method_names[m.func as usize] = Some((m.name.clone(), m.owner));
    }
    let mut cx = Infer {
        param_types: p.funcs.iter().map(|f| vec![Ty::Unknown; f.params.len()]).collect(),
        field_types: p.structs.iter().map(|s| vec![Ty::Unknown; s.fields.len()]).collect(),
        method_names,
        dyn_method_names: Default::default(),
        give_up: false,
        changed: false,
    };
    for _ in 0..32 {
        cx.changed = false;
        for fi in 0..p.funcs.len() {
            cx.function(p, fi);
        }
        if !cx.changed {
            cx.publish_field_types(p);
            return;
        }
    }
    cx.give_up = true;
    for t in cx.field_types.iter_mut().flatten() {
        *t = Ty::Dyn;
    }
    // No fixpoint within the bound (should not happen on this finite-height
    // lattice): fall back to the always-sound answer.
    for f in &mut p.funcs {
        for l in &mut f.locals {
            l.ty = Ty::Dyn;
        }
        f.ret_ty = Ty::Dyn;
    }
    for g in &mut p.globals {
        g.ty = Ty::Dyn;
    }
    for fi in 0..p.funcs.len() {
        cx.function(p, fi);
    }
    cx.publish_field_types(p);
}

/// A function referenced as a value can be called from anywhere.
fn mark_escaping_functions(p: &mut Program) {
    let mut escaping = vec![];
    for f in &p.funcs {
        walk(&f.body, &mut |e| {
            if let ExprKind::FuncRef(id) = e.kind {
                escaping.push(id);
            }
        });
    }
    for id in escaping {
        p.funcs[id as usize].escapes = true;
    }
}

struct Infer {
    /// Join of argument types seen at direct call sites, per function.
    param_types: Vec<Vec<Ty>>,
    /// Join of every value stored into each field, per struct.
    field_types: Vec<Vec<Ty>>,
    /// For each function that is a method: its name and owner.
    method_names: Vec<Option<(String, TypeRef)>>,
    /// Method names called on a receiver of unknown (`Dyn`) type: such a
    /// call may reach any method of that name, so their parameters are `Dyn`.
    dyn_method_names: std::collections::HashSet<String>,
    /// No fixpoint was reached: every open question is answered `Dyn`.
    give_up: bool,
    changed: bool,
}

impl Infer {
    fn function(&mut self, p: &mut Program, fi: usize) {
        let f = &p.funcs[fi];
        let method = self.method_names[fi].clone();
        // A method is only reached by dispatch on its owner's type (Ruchy has
        // no `Type::method(receiver)` call form), so `self` has that type.
        let self_type = match (&method, f.has_self) {
            (Some((_, TypeRef::Struct(s))), true) => Ty::Struct(*s),
            (Some((_, TypeRef::Enum(e))), true) => Ty::Enum(*e),
            _ => Ty::Dyn,
        };
        let dyn_dispatch = f.has_self && method.as_ref().is_none_or(|(name, _)| self.dyn_method_names.contains(name));
        let dynamic_params = self.give_up || f.escapes || f.is_closure || dyn_dispatch;
        let typed_self = f.has_self && !f.escapes && !self.give_up;
        for (i, &local) in f.params.clone().iter().enumerate() {
            let t = if typed_self && i == 0 {
                self_type.clone()
            } else if dynamic_params {
                Ty::Dyn
            } else {
                self.param_types[fi][i].clone()
            };
            let t = match &p.funcs[fi].defaults[i] {
                Some(d) => t.join(&d.ty),
                None => t,
            };
            self.store_local(p, fi, local, &t);
        }
        let mut body = std::mem::replace(&mut p.funcs[fi].body, Expr { kind: ExprKind::Const(Const::Nil), ty: Ty::Unknown, span: Default::default() });
        let mut returns = Ty::Unknown;
        let t = self.expr(p, fi, &mut body, &mut returns);
        p.funcs[fi].body = body;
        let ret = t.join(&returns);
        if ret != p.funcs[fi].ret_ty {
            p.funcs[fi].ret_ty = ret;
            self.changed = true;
        }
    }

    fn store_local(&mut self, p: &mut Program, fi: usize, id: LocalId, t: &Ty) {
        let l = &mut p.funcs[fi].locals[id as usize];
        let t = if l.captured { Ty::Dyn } else { t.clone() };
        let joined = l.ty.join(&t);
        if joined != l.ty {
            l.ty = joined;
            self.changed = true;
        }
    }

    fn store_field(&mut self, s: StructId, field: usize, t: &Ty) {
        let slot = &mut self.field_types[s as usize][field];
        let joined = slot.join(t);
        if joined != *slot {
            *slot = joined;
            self.changed = true;
        }
    }

    /// A store of `t` into field `name` of an object of type `owner`.
    fn store_named_field(&mut self, p: &Program, owner: &Ty, name: &str, t: &Ty) {
        match owner {
            Ty::Struct(s) => {
                if let Some(i) = p.structs[*s as usize].fields.iter().position(|f| f == name) {
                    self.store_field(*s, i, t);
                }
            }
            // Not known yet: a later round stores it.
            Ty::Unknown => {}
            // Could be any struct with such a field.
            _ => {
                for (s, def) in p.structs.iter().enumerate() {
                    if let Some(i) = def.fields.iter().position(|f| f == name) {
                        self.store_field(s as StructId, i, &Ty::Dyn);
                    }
                }
            }
        }
    }

    fn field_type(&self, p: &Program, owner: &Ty, name: &str) -> Ty {
        match owner {
            Ty::Unknown if !self.give_up => Ty::Unknown,
            Ty::Struct(s) if !self.give_up => match p.structs[*s as usize].fields.iter().position(|f| f == name) {
                Some(i) => self.field_types[*s as usize][i].clone(),
                None => Ty::Dyn,
            },
            _ => Ty::Dyn,
        }
    }

    /// `container[...] = elem` (or `container.push(elem)`): widens the
    /// element type of the array held in `container`, through nested
    /// indexing and fields, so array types stay the join of all stores.
    fn widen_elements(&mut self, p: &mut Program, fi: usize, container: &Expr, elem: Ty) {
        if !matches!(container.ty, Ty::Array(_)) {
            return;
        }
        let widened = Ty::Array(Box::new(elem));
        match &container.kind {
            ExprKind::Local(id) => self.store_local(p, fi, *id, &widened),
            ExprKind::Global(g) => self.store_global(p, *g, &widened),
            ExprKind::Index(inner, _) => self.widen_elements(p, fi, inner, widened),
            ExprKind::Field(obj, name) => {
                let owner = obj.ty.clone();
                self.store_named_field(p, &owner, name, &widened)
            }
            // Temporaries and captured cells: nothing else holds this array
            // (value semantics), or the holder is already `Dyn`.
            _ => {}
        }
    }

    fn publish_field_types(&self, p: &mut Program) {
        for (def, tys) in p.structs.iter_mut().zip(&self.field_types) {
            def.field_types = tys.iter().map(|t| if *t == Ty::Unknown { Ty::Nil } else { t.clone() }).collect();
        }
    }

    fn store_global(&mut self, p: &mut Program, g: GlobalId, t: &Ty) {
        let global = &mut p.globals[g as usize];
        let joined = global.ty.join(t);
        if joined != global.ty {
            global.ty = joined;
            self.changed = true;
        }
    }

    /// Every local bound by a pattern becomes `Dyn`, except a plain binding
    /// that receives `t`.
    fn bind(&mut self, p: &mut Program, fi: usize, pat: &Pat, t: &Ty) {
        match &pat.kind {
            PatKind::Bind(id, None) => self.store_local(p, fi, *id, t),
            _ => {
                let mut ids = vec![];
                pat_locals(pat, &mut ids);
                for id in ids {
                    self.store_local(p, fi, id, &Ty::Dyn);
                }
            }
        }
    }

    fn expr(&mut self, p: &mut Program, fi: usize, e: &mut Expr, rets: &mut Ty) -> Ty {
        let t = self.expr_kind(p, fi, e, rets);
        e.ty = t.clone();
        t
    }

    fn expr_kind(&mut self, p: &mut Program, fi: usize, e: &mut Expr, rets: &mut Ty) -> Ty {
        match &mut e.kind {
            ExprKind::Const(c) => match c {
                Const::Int(_) => Ty::Int,
                Const::Float(_) => Ty::Float,
                Const::Str(_) => Ty::Str,
                Const::Bool(_) => Ty::Bool,
                Const::Nil => Ty::Nil,
            },
            ExprKind::FString(parts) => {
                for part in parts {
                    if let FPart::Hole { expr, .. } = part {
                        self.expr(p, fi, expr, rets);
                    }
                }
                Ty::Str
            }
            ExprKind::Local(id) => p.funcs[fi].locals[*id as usize].ty.clone(),
            ExprKind::Capture(_) => Ty::Dyn,
            ExprKind::Global(g) => p.globals[*g as usize].ty.clone(),
            ExprKind::FuncRef(_) | ExprKind::Closure(_) | ExprKind::VariantCtor { .. } => Ty::Func,
            ExprKind::Unary(op, a) => {
                let t = self.expr(p, fi, a, rets);
                match (op, t) {
                    (UnOp::Not, _) => Ty::Bool,
                    (UnOp::Neg, t @ (Ty::Int | Ty::Float)) | (UnOp::BitNot, t @ Ty::Int) => t,
                    _ => Ty::Dyn,
                }
            }
            ExprKind::Binary(op, a, b) => {
                let (ta, tb) = (self.expr(p, fi, a, rets), self.expr(p, fi, b, rets));
                binary_type(*op, &ta, &tb)
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::Coalesce(a, b) => {
                let ta = self.expr(p, fi, a, rets);
                let tb = self.expr(p, fi, b, rets);
                ta.join(&tb)
            }
            ExprKind::Assign { place, op, value } => {
                let tv = self.expr(p, fi, value, rets);
                match place {
                    Place::Local(id) => {
                        let stored = match op {
                            None => tv,
                            Some(op) => binary_type(*op, &p.funcs[fi].locals[*id as usize].ty.clone(), &tv),
                        };
                        self.store_local(p, fi, *id, &stored);
                    }
                    Place::Field(a, name) => {
                        let owner = self.expr(p, fi, a, rets);
                        let stored = match op {
                            None => tv,
                            Some(op) => binary_type(*op, &self.field_type(p, &owner, name), &tv),
                        };
                        self.store_named_field(p, &owner, name, &stored);
                    }
                    Place::TupleIndex(a, _) => {
                        self.expr(p, fi, a, rets);
                    }
                    Place::Index(a, b) => {
                        let ta = self.expr(p, fi, a, rets);
                        self.expr(p, fi, b, rets);
                        let stored = match (op, ta) {
                            (None, _) => tv,
                            (Some(op), Ty::Array(elem)) => binary_type(*op, &elem, &tv),
                            (Some(_), _) => Ty::Dyn,
                        };
                        self.widen_elements(p, fi, a, stored);
                    }
                    Place::Global(g) => {
                        let stored = match op {
                            None => tv,
                            Some(op) => binary_type(*op, &p.globals[*g as usize].ty.clone(), &tv),
                        };
                        self.store_global(p, *g, &stored);
                    }
                    Place::Capture(_) => {}
                }
                Ty::Nil
            }
            ExprKind::Call { callee, args } => {
                let tys: Vec<Ty> = args.iter_mut().map(|a| self.expr(p, fi, a, rets)).collect();
                match callee {
                    Callee::Func(f) => {
                        let f = *f as usize;
                        let offset = usize::from(p.funcs[f].has_self);
                        for (i, t) in tys.iter().enumerate() {
                            if let Some(slot) = self.param_types[f].get_mut(i + offset) {
                                let j = slot.join(t);
                                if j != *slot {
                                    *slot = j;
                                    self.changed = true;
                                }
                            }
                        }
                        p.funcs[f].ret_ty.clone()
                    }
                    Callee::Builtin(b) => builtin_type(*b),
                    Callee::Value(v) => {
                        self.expr(p, fi, v, rets);
                        Ty::Dyn
                    }
                }
            }
            ExprKind::MethodCall { receiver, method, args } => {
                let tr = self.expr(p, fi, receiver, rets);
                let tys: Vec<Ty> = args.iter_mut().map(|a| self.expr(p, fi, a, rets)).collect();
                if let Some(f) = p.method_for(&tr, method) {
                    let f = f as usize;
                    for (i, t) in tys.iter().enumerate() {
                        if let Some(slot) = self.param_types[f].get_mut(i + 1) {
                            let j = slot.join(t);
                            if j != *slot {
                                *slot = j;
                                self.changed = true;
                            }
                        }
                    }
                    return if self.give_up { Ty::Dyn } else { p.funcs[f].ret_ty.clone() };
                }
                if tr == Ty::Dyn && self.dyn_method_names.insert(method.clone()) {
                    self.changed = true;
                }
                if tr == Ty::Unknown {
                    // No information about the receiver yet (a later round has it).
                    return Ty::Unknown;
                }
                if let Ty::Array(_) = tr {
                    match (method.as_str(), tys.as_slice()) {
                        ("push", [t]) | ("insert", [_, t]) => self.widen_elements(p, fi, receiver, t.clone()),
                        ("extend" | "append", [Ty::Array(t)]) => self.widen_elements(p, fi, receiver, (**t).clone()),
                        ("extend" | "append", _) => self.widen_elements(p, fi, receiver, Ty::Dyn),
                        _ => {}
                    }
                }
                method_type(&tr, method)
            }
            ExprKind::Field(a, name) => {
                let owner = self.expr(p, fi, a, rets);
                self.field_type(p, &owner, name)
            }
            ExprKind::TupleIndex(a, _) => {
                self.expr(p, fi, a, rets);
                Ty::Dyn
            }
            ExprKind::Index(a, b) => {
                let ta = self.expr(p, fi, a, rets);
                let tb = self.expr(p, fi, b, rets);
                match (ta, tb) {
                    (Ty::Str, _) => Ty::Str,
                    (Ty::Array(elem), Ty::Int) if !self.give_up => *elem,
                    (Ty::Unknown, _) | (Ty::Array(_), Ty::Unknown) if !self.give_up => Ty::Unknown,
                    _ => Ty::Dyn,
                }
            }
            ExprKind::Array(xs) => {
                let mut elem = Ty::Unknown;
                for x in xs.iter_mut() {
                    elem = elem.join(&self.expr(p, fi, x, rets));
                }
                Ty::Array(Box::new(elem))
            }
            ExprKind::ArrayRepeat(v, n) => {
                let t = self.expr(p, fi, v, rets);
                self.expr(p, fi, n, rets);
                Ty::Array(Box::new(t))
            }
            ExprKind::Tuple(xs) => Ty::Tuple(xs.iter_mut().map(|x| self.expr(p, fi, x, rets)).collect()),
            ExprKind::Dict(kv) => {
                for (k, v) in kv.iter_mut() {
                    self.expr(p, fi, k, rets);
                    self.expr(p, fi, v, rets);
                }
                Ty::Dict
            }
            ExprKind::StructLit { def, fields, base } => {
                let def = *def;
                let mut given = vec![false; p.structs[def as usize].fields.len()];
                for (idx, v) in fields.iter_mut() {
                    let t = self.expr(p, fi, v, rets);
                    self.store_field(def, *idx as usize, &t);
                    given[*idx as usize] = true;
                }
                let base_ty = base.as_mut().map(|b| self.expr(p, fi, b, rets));
                for (i, g) in given.iter().enumerate() {
                    if *g {
                        continue;
                    }
                    // Copied from a base of the same type: nothing new.
                    // Otherwise the default (not inferred here) or nil.
                    let t = match (&base_ty, p.structs[def as usize].defaults[i].is_some()) {
                        (Some(Ty::Struct(b)), _) if *b == def => continue,
                        (Some(_), _) | (None, true) => Ty::Dyn,
                        (None, false) => Ty::Nil,
                    };
                    self.store_field(def, i, &t);
                }
                Ty::Struct(def)
            }
            ExprKind::Variant { def, args, .. } => {
                let def = *def;
                for a in args.iter_mut() {
                    self.expr(p, fi, a, rets);
                }
                Ty::Enum(def)
            }
            ExprKind::Range { start, end, .. } => {
                for x in start.iter_mut().chain(end.iter_mut()) {
                    self.expr(p, fi, x, rets);
                }
                Ty::Range
            }
            ExprKind::Block(stmts) => {
                let mut last = Ty::Nil;
                for s in stmts.iter_mut() {
                    last = match s {
                        Stmt::Let { pat, init, .. } => {
                            let t = match init {
                                Some(x) => self.expr(p, fi, x, rets),
                                None => Ty::Nil,
                            };
                            let pat = pat.clone();
                            self.bind(p, fi, &pat, &t);
                            Ty::Nil
                        }
                        Stmt::SetGlobal { global, init } => {
                            let t = self.expr(p, fi, init, rets);
                            self.store_global(p, *global, &t);
                            Ty::Nil
                        }
                        Stmt::Expr(x) => self.expr(p, fi, x, rets),
                    };
                }
                last
            }
            ExprKind::If { cond, then, else_ } => {
                self.expr(p, fi, cond, rets);
                let tt = self.expr(p, fi, then, rets);
                let te = match else_ {
                    Some(x) => self.expr(p, fi, x, rets),
                    None => Ty::Nil,
                };
                tt.join(&te)
            }
            ExprKind::Match { scrutinee, arms, exhaustive_error } => {
                self.expr(p, fi, scrutinee, rets);
                let mut t = if *exhaustive_error { Ty::Unknown } else { Ty::Nil };
                for arm in arms.iter_mut() {
                    let pat = arm.pat.clone();
                    self.bind(p, fi, &pat, &Ty::Dyn);
                    if let Some(g) = &mut arm.guard {
                        self.expr(p, fi, g, rets);
                    }
                    t = t.join(&self.expr(p, fi, &mut arm.body, rets));
                }
                t
            }
            ExprKind::While { cond, body } => {
                self.expr(p, fi, cond, rets);
                self.expr(p, fi, body, rets);
                Ty::Nil
            }
            ExprKind::WhileLet { pat, value, body } => {
                self.expr(p, fi, value, rets);
                let pat = pat.clone();
                self.bind(p, fi, &pat, &Ty::Dyn);
                self.expr(p, fi, body, rets);
                Ty::Nil
            }
            ExprKind::For { pat, iter, body } => {
                let ti = self.expr(p, fi, iter, rets);
                let elem = match (&iter.kind, ti) {
                    (ExprKind::Range { .. }, _) => loop_counter_type(iter),
                    (_, Ty::Array(t)) if *t != Ty::Unknown => *t,
                    _ => Ty::Dyn,
                };
                let pat = pat.clone();
                self.bind(p, fi, &pat, &elem);
                self.expr(p, fi, body, rets);
                Ty::Nil
            }
            ExprKind::Loop { body } => {
                self.expr(p, fi, body, rets);
                Ty::Dyn
            }
            ExprKind::Break { value, .. } => {
                if let Some(v) = value {
                    self.expr(p, fi, v, rets);
                }
                Ty::Unknown
            }
            ExprKind::Continue { .. } => Ty::Unknown,
            ExprKind::Return(v) => {
                let t = match v {
                    Some(v) => self.expr(p, fi, v, rets),
                    None => Ty::Nil,
                };
                *rets = rets.join(&t);
                Ty::Unknown
            }
            ExprKind::Try { body, catch, finally } => {
                self.expr(p, fi, body, rets);
                if let Some((pat, c)) = catch {
                    let pat = pat.clone();
                    self.bind(p, fi, &pat, &Ty::Dyn);
                    self.expr(p, fi, c, rets);
                }
                if let Some(f) = finally {
                    self.expr(p, fi, f, rets);
                }
                Ty::Dyn
            }
            ExprKind::Throw(v) => {
                self.expr(p, fi, v, rets);
                Ty::Unknown
            }
            ExprKind::Question(v) => {
                self.expr(p, fi, v, rets);
                // `?` may return early with the Err/None value.
                *rets = rets.join(&Ty::Dyn);
                Ty::Dyn
            }
            ExprKind::Cast(v, target) => {
                self.expr(p, fi, v, rets);
                match target.as_str() {
                    "f64" | "f32" => Ty::Float,
                    "String" | "str" => Ty::Str,
                    "bool" => Ty::Bool,
                    "char" => Ty::Str,
                    t if t.starts_with('i') || t.starts_with('u') => Ty::Int,
                    _ => Ty::Dyn,
                }
            }
            ExprKind::Format { action, args, .. } => {
                for a in args.iter_mut() {
                    self.expr(p, fi, a, rets);
                }
                if *action == Builtin::FormatFmt { Ty::Str } else { Ty::Nil }
            }
        }
    }
}

/// `for i in a..b` binds ints when both bounds are ints.
fn loop_counter_type(iter: &Expr) -> Ty {
    match &iter.kind {
        ExprKind::Range { start: Some(s), end: Some(e), .. } if s.ty == Ty::Int && e.ty == Ty::Int => Ty::Int,
        _ => Ty::Dyn,
    }
}

fn pat_locals(p: &Pat, out: &mut Vec<LocalId>) {
    match &p.kind {
        PatKind::Bind(id, sub) => {
            out.push(*id);
            if let Some(s) = sub {
                pat_locals(s, out);
            }
        }
        PatKind::Tuple(ps) | PatKind::Or(ps) | PatKind::Variant { args: ps, .. } => ps.iter().for_each(|q| pat_locals(q, out)),
        PatKind::Array { before, rest, after } => {
            before.iter().chain(after).for_each(|q| pat_locals(q, out));
            if let Some(Some(r)) = rest {
                out.push(*r);
            }
        }
        PatKind::Struct { fields, .. } => fields.iter().for_each(|(_, q)| pat_locals(q, out)),
        _ => {}
    }
}

fn binary_type(op: BinOp, a: &Ty, b: &Ty) -> Ty {
    use Ty::*;
    match op {
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => Bool,
        BinOp::Add if *a == Str || *b == Str => Str,
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => match (a, b) {
            (Int, Int) => Int,
            (Float, Float) | (Int, Float) | (Float, Int) => Float,
            (Unknown, _) | (_, Unknown) => Unknown,
            _ => Dyn,
        },
        BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr => match (a, b) {
            (Int, Int) => Int,
            (Unknown, _) | (_, Unknown) => Unknown,
            _ => Dyn,
        },
        // `**` is an int only while it fits.
        BinOp::Pow => match (a, b) {
            (Float, _) | (_, Float) => Float,
            _ => Dyn,
        },
        BinOp::And | BinOp::Or | BinOp::Coalesce => a.join(b),
    }
}

fn builtin_type(b: Builtin) -> Ty {
    use Builtin::*;
    match b {
        Len | Int | Floor | Ceil | Round | Timestamp => Ty::Int,
        Str | TypeOf | FormatFmt | StringNew | StringFrom | Input => Ty::Str,
        Float | Sqrt | Sin | Cos | Tan | Log | Log10 | Exp | Random => Ty::Float,
        Println | Print | Eprintln | Eprint | PrintlnFmt | PrintFmt | EprintlnFmt | EprintFmt | Assert | AssertEq | AssertNe => Ty::Nil,
        Range | VecNew => Ty::Array(Box::new(Ty::Dyn)),
        DictNew => Ty::Dict,
        _ => Ty::Dyn,
    }
}

/// Result types of built-in methods on receivers of known built-in type.
/// User types (structs, enums) and `Dyn` receivers give `Dyn`.
fn method_type(recv: &Ty, m: &str) -> Ty {
    match (recv, m) {
        (Ty::Str | Ty::Array(_) | Ty::Dict, "len") => Ty::Int,
        (Ty::Str | Ty::Array(_) | Ty::Dict, "is_empty" | "contains" | "contains_key") => Ty::Bool,
        (Ty::Str, "to_uppercase" | "to_lowercase" | "trim" | "trim_start" | "trim_end" | "replace" | "repeat" | "to_string") => Ty::Str,
        (Ty::Int | Ty::Float, "to_string") => Ty::Str,
        (Ty::Float, "sqrt" | "abs" | "sin" | "cos" | "floor" | "ceil" | "round" | "powi" | "powf") => Ty::Float,
        (Ty::Int, "abs") => Ty::Int,
        _ => Ty::Dyn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(src: &str) -> Program {
        let (ast, d) = ruchy_syntax::parse(src);
        assert!(d.is_empty(), "{d:?}");
        crate::check(&ast).unwrap_or_else(|d| panic!("{d:?}"))
    }

    fn local_ty(p: &Program, func: &str, name: &str) -> Ty {
        let f = p.funcs.iter().find(|f| f.name == func).unwrap();
        f.locals.iter().find(|l| l.name == name).unwrap().ty.clone()
    }

    #[test]
    fn infers_params_and_returns_from_direct_calls() {
        let p = typed("fun fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }\nprintln(fib(20))");
        let f = p.funcs.iter().find(|f| f.name == "fib").unwrap();
        assert_eq!(f.locals[0].ty, Ty::Int);
        assert_eq!(f.ret_ty, Ty::Int);
    }

    #[test]
    fn a_local_assigned_two_types_is_dynamic() {
        let p = typed("fun f() { let mut x = 1\n x = \"s\"\n let y = 2.5\n let z = y * 2.0\n z }\nf()");
        assert_eq!(local_ty(&p, "f", "x"), Ty::Dyn);
        assert_eq!(local_ty(&p, "f", "z"), Ty::Float);
    }

    #[test]
    fn escaping_and_captured_values_are_dynamic() {
        let p = typed("fun g(a) { a }\nlet h = g\nprintln(h(\"x\"), g(1))\nfun k() { let mut c = 0\n let inc = || { c += 1 }\n inc()\n c }\nk()");
        let g = p.funcs.iter().find(|f| f.name == "g").unwrap();
        assert_eq!(g.locals[0].ty, Ty::Dyn, "g escapes as a value");
        assert_eq!(local_ty(&p, "k", "c"), Ty::Dyn, "captured by a closure");
    }

    #[test]
    fn range_loop_counters_are_ints() {
        let p = typed("fun s(n) { let mut t = 0\n for i in 0..n { t += i }\n t }\nprintln(s(10))");
        assert_eq!(local_ty(&p, "s", "i"), Ty::Int);
        assert_eq!(local_ty(&p, "s", "t"), Ty::Int);
    }

    #[test]
    fn struct_fields_and_method_results_are_typed() {
        let src = "struct P { x: f64, n: i64 }\nimpl P {\n fun bump(&mut self, k) { self.n += k }\n fun len2(&self) -> f64 { self.x * self.x } }\nfun main() { let mut p = P { x: 1.5, n: 0 }\n p.bump(2)\n let l = p.len2()\n let n = p.n\n println(l, n) }";
        let p = typed(src);
        assert_eq!(p.structs[0].field_types, vec![Ty::Float, Ty::Int]);
        assert_eq!(local_ty(&p, "main", "l"), Ty::Float);
        assert_eq!(local_ty(&p, "main", "n"), Ty::Int);
        assert_eq!(local_ty(&p, "P::bump", "self"), Ty::Struct(0));
        assert_eq!(local_ty(&p, "P::bump", "k"), Ty::Int, "only called on a known receiver");
    }

    #[test]
    fn a_field_stored_through_an_unknown_receiver_is_dynamic() {
        let src = "struct P { n: i64 }\nfun set(o) { o.n = \"text\" }\nlet h = set\nh(P { n: 1 })\nlet q = P { n: 2 }\nlet m = q.n\nprintln(m)";
        let p = typed(src);
        assert_eq!(p.structs[0].field_types, vec![Ty::Dyn]);
    }

    #[test]
    fn methods_called_on_unknown_receivers_take_dynamic_arguments() {
        let src = "struct A { v: i64 }\nimpl A { fun put(&mut self, k) { self.v = k } }\nfun poke(x) { x.put(\"s\") }\nlet f = poke\nf(A { v: 0 })\nlet mut a = A { v: 1 }\na.put(3)\nprintln(a.v)";
        let p = typed(src);
        assert_eq!(local_ty(&p, "A::put", "k"), Ty::Dyn);
    }

    #[test]
    fn array_elements_follow_every_store() {
        let p = typed("fun f() { let mut a = [1.0, 2.0]\n a[0] = 3.5\n let x = a[1]\n let mut b = [1, 2]\n b.push(\"s\")\n let y = b[0]\n let mut c = [[1, 2]]\n c[0][1] = 2.5\n let z = c[0][0]\n x }\nf()");
        assert_eq!(local_ty(&p, "f", "x"), Ty::Float);
        assert_eq!(local_ty(&p, "f", "y"), Ty::Dyn, "push widened the elements");
        assert_eq!(local_ty(&p, "f", "z"), Ty::Dyn, "a nested store widened the inner arrays");
    }
}
