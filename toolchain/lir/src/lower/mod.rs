//! HIR → LIR lowering.
//!
//! Each HIR function becomes one LIR function; each HIR local one variable of
//! the local's representation ([`rep`]). Expressions are lowered to a
//! variable holding their value in the representation of their static type;
//! where a value flows between types (an int into a dynamic parameter, say)
//! [`FnLower::coerce`] boxes or unboxes it. Statically typed operations
//! become wasm operators; anything else calls the runtime's generic entry
//! points, which implement the same semantics as the VM (`ruchy-vm::ops`).
//!
//! Constructs the wasm tier does not handle yet are reported as compile
//! errors at their source location rather than miscompiled.

mod aggregate;
mod closure;
mod exceptions;
mod pattern;
mod simd;

use crate::ir::*;
use crate::rt;
use ruchy_runtime_layout as l;
use ruchy_hir::{self as hir, Builtin, Const, ExprKind as E, PatKind, Stmt};
use ruchy_syntax::ast::{BinOp as HBin, FormatSpec, UnOp as HUn};
use ruchy_syntax::{Diagnostic, LineIndex, Span};
use std::collections::HashMap;

/// The wasm representation of a HIR type.
pub fn rep(t: &hir::Ty) -> Ty {
    match t {
        hir::Ty::Int => Ty::I64,
        hir::Ty::Float => Ty::F64,
        hir::Ty::Bool => Ty::I32,
        _ => Ty::Ref,
    }
}

/// Lowers a checked program. `src` and `file` give runtime error locations.
pub fn lower(program: &hir::Program, src: &str, file: &str, simd: bool) -> Result<Module, Vec<Diagnostic>> {
    let mut m = ModLower { program, src, lines: LineIndex::new(src), statics: vec![], static_ids: HashMap::new(), errors: vec![], entries: vec![], runtime_statics: vec![], may_throw: exceptions::may_throw(program), catchable: exceptions::catchable(program), global_ready: ready_globals(program), simd };
    let mut globals: Vec<Global> = program.globals.iter().map(|g| Global { name: g.name.clone(), ty: rep(&g.ty), kind: GlobalKind::Program }).collect();
    let mut funcs: Vec<Func> = (0..program.funcs.len()).map(|i| FnLower::new(&mut m, i as u32).lower()).collect();
    // Closure entry points requested while lowering, in request order.
    let table: Vec<FuncId> = (0..m.entries.len()).map(|i| (program.funcs.len() + i) as FuncId).collect();
    for i in 0..m.entries.len() {
        let target = m.entries[i];
        funcs.push(FnLower::new(&mut m, target).entry_point(target));
    }
    // Exception state, when anything throws.
    let uncaught = m.runtime_statics.iter().any(|(n, _)| exceptions::is_exception_state(n)).then(|| {
        let f = FnLower::new(&mut m, program.entry).uncaught(program.funcs[program.entry as usize].span);
        funcs.push(f);
        (funcs.len() - 1) as FuncId
    });
    let mut pending = None;
    for (name, id) in &m.runtime_statics {
        debug_assert_eq!(*id as usize, globals.len());
        let ty = if *name == "RT_EXC_VALUE" { Ty::Ref } else { Ty::I32 };
        globals.push(Global { name: name.to_string(), ty, kind: GlobalKind::RuntimeStatic(name) });
        if *name == "RT_EXC_PENDING" {
            pending = Some(*id);
        }
    }
    if !m.errors.is_empty() {
        return Err(m.errors);
    }
    Ok(Module {
        funcs,
        globals,
        statics: m.statics,
        entry: program.entry,
        main: program.main,
        file: file.to_string(),
        structs: program.structs.iter().map(|s| (s.name.clone(), s.fields.clone())).collect(),
        enums: program.enums.iter().map(|e| (e.name.clone(), e.variants.iter().map(|v| v.name.clone()).collect())).collect(),
        table,
        uncaught,
        pending,
    })
}

struct ModLower<'a> {
    program: &'a hir::Program,
    src: &'a str,
    lines: LineIndex,
    statics: Vec<Static>,
    static_ids: HashMap<String, StaticId>,
    errors: Vec<Diagnostic>,
    /// HIR functions that need a closure entry point, in the order their
    /// entry points are appended after the HIR functions.
    entries: Vec<hir::FuncId>,
    /// Runtime statics in use (the exception state, `RT_HEAP_START`), with
    /// the global ids they get after the program's globals.
    runtime_statics: Vec<(&'static str, GlobalId)>,
    /// Per HIR function: whether a call of it may throw.
    may_throw: Vec<bool>,
    /// Per HIR function: whether a `try` can reach it (its runtime errors
    /// may have to become exceptions; see `exceptions.rs`).
    catchable: Vec<bool>,
    /// Per global: set before any user code can run, so never read as nil.
    global_ready: Vec<bool>,
    /// Use 128-bit vector loops where they give identical results.
    simd: bool,
}

impl ModLower<'_> {
    /// Interns a static object (identical statics share one id).
    fn intern(&mut self, s: Static) -> StaticId {
        let key = format!("{s:?}");
        if let Some(&id) = self.static_ids.get(&key) {
            return id;
        }
        self.statics.push(s);
        let id = (self.statics.len() - 1) as StaticId;
        self.static_ids.insert(key, id);
        id
    }

    fn loc(&self, span: Span) -> Loc {
        let (line, col) = self.lines.line_col(self.src, span.start);
        Loc { line, col }
    }
}

/// What a structured instruction being built is, for `break`/`continue`.
#[derive(Clone, Copy, PartialEq)]
enum Label {
    Other,
    /// The `block` around a loop: `break` targets it. Holds the loop's
    /// result variable (for `break value`).
    LoopExit(Option<VarId>),
    /// The `block` around a loop body: `continue` targets it.
    LoopContinue,
}

struct FnLower<'m, 'a> {
    m: &'m mut ModLower<'a>,
    hf: &'a hir::Function,
    f: Func,
    locals: Vec<Option<VarId>>,
    /// Instruction lists being built, innermost last.
    code: Vec<Vec<Inst>>,
    labels: Vec<Label>,
    /// The closure object a closure body reads its captures from.
    env: Option<VarId>,
    /// Label indices of the enclosing `try` handlers, innermost last.
    handlers: Vec<usize>,
    /// The `try` bodies being lowered, innermost last: the label index of
    /// the body's block and the try depth to put back when leaving it.
    tries: Vec<(usize, VarId)>,
    /// A `try` can reach this function: operations that can fail are
    /// followed by a pending test.
    catchable: bool,
    /// The pending flag was tested since the last instruction that could
    /// set it (on the straight-line code being emitted).
    pending_tested: bool,
}

impl<'m, 'a> FnLower<'m, 'a> {
    fn new(m: &'m mut ModLower<'a>, id: FuncId) -> Self {
        let hf = &m.program.funcs[id as usize];
        let catchable = m.catchable[id as usize];
        let f = Func { name: hf.name.clone(), params: vec![], ret: rep(&hf.ret_ty), vars: vec![], body: vec![], frame_slots: 0, catchable };
        FnLower { m, hf, f, locals: vec![None; hf.locals.len()], code: vec![vec![]], labels: vec![], env: None, handlers: vec![], tries: vec![], catchable, pending_tested: false }
    }

    fn lower(mut self) -> Func {
        if closure::takes_env(self.hf) {
            let env = self.var(Ty::Ref);
            self.f.vars[env as usize].name = Some("<env>".into());
            self.f.params.push(env);
            self.env = Some(env);
        }
        let mut captured_params = vec![];
        for &p in &self.hf.params {
            if self.hf.locals[p as usize].captured {
                // The argument arrives as a value; the body sees a cell.
                let v = self.var(rep(&self.hf.locals[p as usize].ty));
                self.f.params.push(v);
                captured_params.push((p, v));
            } else {
                let v = self.local(p);
                self.f.params.push(v);
            }
        }
        for (p, v) in captured_params {
            self.define_local(p, v, self.hf.span);
        }
        let body = &self.hf.body;
        let v = self.expr_kept(body, &self.hf.ret_ty);
        self.emit(Inst::Return(Some(v)));
        self.f.body = self.code.pop().unwrap();
        self.f
    }

    // ----- helpers --------------------------------------------------------

    fn unsupported(&mut self, span: Span, what: &str) {
        let d = Diagnostic::error(span, format!("the wasm back end does not support {what} yet"))
            .with_note("`ruchy-wasm run` (the VM) runs this program");
        if !self.m.errors.iter().any(|e| e.span == span) {
            self.m.errors.push(d);
        }
    }

    fn emit(&mut self, i: Inst) {
        if may_set_pending(&i) {
            self.pending_tested = false;
        }
        self.code.last_mut().unwrap().push(i);
    }

    fn var(&mut self, ty: Ty) -> VarId {
        self.f.vars.push(Var { ty, name: None });
        (self.f.vars.len() - 1) as VarId
    }

    /// The variable of a HIR local (created on first use).
    fn local(&mut self, id: hir::LocalId) -> VarId {
        if let Some(v) = self.locals[id as usize] {
            return v;
        }
        let l = &self.hf.locals[id as usize];
        // A captured local's variable holds its cell.
        let ty = if l.captured { Ty::Ref } else { rep(&l.ty) };
        self.f.vars.push(Var { ty, name: Some(l.name.clone()) });
        let v = (self.f.vars.len() - 1) as VarId;
        self.locals[id as usize] = Some(v);
        v
    }

    /// The global id of the runtime's exported `u32` static `name`.
    fn runtime_static(&mut self, name: &'static str) -> GlobalId {
        if let Some(i) = self.m.runtime_statics.iter().position(|(n, _)| *n == name) {
            return self.m.runtime_statics[i].1;
        }
        let id = (self.m.program.globals.len() + self.m.runtime_statics.len()) as GlobalId;
        self.m.runtime_statics.push((name, id));
        id
    }

    /// Marks `v` shared (copy-on-write), inline: the runtime's
    /// `value::share` sets the shared bit of heap objects other than boxes.
    /// Nil and static objects lie below `RT_HEAP_START`.
    fn share(&mut self, v: VarId) {
        let g = self.runtime_static("RT_HEAP_START");
        let start = self.var(Ty::I32);
        self.emit(Inst::GlobalGet { dst: start, global: g });
        // Unsigned: addresses may exceed 2 GiB.
        let addr = self.unary(UnOp::RefToI32, v, Span::default());
        let (addr, start) = (self.unary(UnOp::I32ToI64, addr, Span::default()), self.unary(UnOp::I32ToI64, start, Span::default()));
        let below = self.binary(BinOp::I64LtU, addr, start, Span::default());
        let mark = self.nested(Label::Other, |s| {
            let meta = s.var(Ty::I32);
            s.emit(Inst::Load { dst: meta, mem: Mem::I32, addr: v, offset: l::META });
            let mask = s.konst(Lit::I32(l::KIND_MASK as i32));
            let kind = s.binary(BinOp::I32And, meta, mask, Span::default());
            let (first, last) = (s.konst(Lit::I32(l::BOX_INT as i32)), s.konst(Lit::I32(l::BOX_BOOL as i32)));
            let from_first = s.binary(BinOp::I32Ge, kind, first, Span::default());
            let to_last = s.binary(BinOp::I32Le, kind, last, Span::default());
            let is_box = s.binary(BinOp::I32And, from_first, to_last, Span::default());
            let set = s.nested(Label::Other, |s| {
                let bit = s.konst(Lit::I32(l::SHARED_BIT as i32));
                let marked = s.binary(BinOp::I32Or, meta, bit, Span::default());
                s.emit(Inst::Store { mem: Mem::I32, addr: v, offset: l::META, value: marked });
            });
            s.emit(Inst::If { cond: is_box, then: vec![], else_: set });
        });
        self.emit(Inst::If { cond: below, then: vec![], else_: mark });
    }

    fn konst(&mut self, lit: Lit) -> VarId {
        let dst = self.var(lit.ty());
        self.emit(Inst::Const { dst, lit });
        dst
    }

    fn nil(&mut self) -> VarId {
        self.konst(Lit::Null)
    }

    fn str_const(&mut self, s: &str) -> VarId {
        let id = self.m.intern(Static::Str(s.to_string()));
        self.konst(Lit::Static(id))
    }

    fn loc(&self, span: Span) -> Loc {
        self.m.loc(span)
    }

    fn loc_const(&mut self, span: Span) -> VarId {
        let l = self.loc(span).packed();
        self.konst(Lit::I32(l))
    }

    fn binary(&mut self, op: BinOp, a: VarId, b: VarId, span: Span) -> VarId {
        let dst = self.var(op.types().1);
        let loc = self.loc(span);
        self.emit(Inst::Binary { dst, op, a, b, loc });
        if op.can_fail() {
            self.after_fallible();
        }
        dst
    }

    fn unary(&mut self, op: UnOp, src: VarId, span: Span) -> VarId {
        let dst = self.var(op.types().1);
        let loc = self.loc(span);
        self.emit(Inst::Unary { dst, op, src, loc });
        if op == UnOp::I64NegChk {
            self.after_fallible();
        }
        dst
    }

    fn call_rt(&mut self, name: &'static str, args: Vec<VarId>) -> Option<VarId> {
        let sig = rt::lookup(name).unwrap_or_else(|| panic!("runtime function {name} is not in rt::RUNTIME"));
        let dst = sig.ret.map(|t| self.var(t));
        self.emit(Inst::Call { dst, callee: Callee::Runtime(name), args, loc: Loc::default() });
        if sig.fails {
            self.after_fallible();
        }
        dst
    }

    fn call_rt_value(&mut self, name: &'static str, args: Vec<VarId>) -> VarId {
        self.call_rt(name, args).expect("runtime function returns a value")
    }

    /// Runs `f` with a fresh instruction list under `label`; returns the list.
    fn nested(&mut self, label: Label, f: impl FnOnce(&mut Self)) -> Vec<Inst> {
        self.code.push(vec![]);
        self.labels.push(label);
        // Paths join at both ends of a structured instruction.
        self.pending_tested = false;
        f(self);
        self.pending_tested = false;
        self.labels.pop();
        self.code.pop().unwrap()
    }

    /// A value as the `(bits, kind)` pair runtime functions take.
    fn slot(&mut self, v: VarId, span: Span) -> (VarId, VarId) {
        let (bits, kind) = match self.f.ty(v) {
            Ty::I64 => (v, rt::kind::INT),
            Ty::F64 => (self.unary(UnOp::F64Bits, v, span), rt::kind::FLOAT),
            Ty::I32 => (self.unary(UnOp::I32ToI64, v, span), rt::kind::BOOL),
            Ty::Ref => (self.unary(UnOp::RefBits, v, span), rt::kind::PTR),
        };
        let kind = self.konst(Lit::I32(kind));
        (bits, kind)
    }

    /// Converts `v`, a value of HIR type `from`, to the representation of `to`.
    fn coerce(&mut self, v: VarId, from: &hir::Ty, to: &hir::Ty, span: Span) -> VarId {
        let (have, want) = (self.f.ty(v), rep(to));
        if have == want {
            return if want == Ty::Ref { self.retype(v, from, to) } else { v };
        }
        match (have, want) {
            (Ty::I64, Ty::Ref) => self.call_rt_value("rt_box_int", vec![v]),
            (Ty::F64, Ty::Ref) => self.call_rt_value("rt_box_float", vec![v]),
            (Ty::I32, Ty::Ref) => self.call_rt_value("rt_box_bool", vec![v]),
            (Ty::I64, Ty::F64) => self.unary(UnOp::I64ToF64, v, span),
            (Ty::Ref, Ty::I64) => {
                let l = self.loc_const(span);
                self.call_rt_value("rt_unbox_int", vec![v, l])
            }
            (Ty::Ref, Ty::F64) => {
                let l = self.loc_const(span);
                self.call_rt_value("rt_unbox_float", vec![v, l])
            }
            (Ty::Ref, Ty::I32) => {
                let l = self.loc_const(span);
                self.call_rt_value("rt_unbox_bool", vec![v, l])
            }
            _ => {
                self.unsupported(span, &format!("converting {from:?} to {to:?}"));
                self.zero(want)
            }
        }
    }

    /// The discriminant of a fieldless variant of enum `def` (`as i32`):
    /// its index selects among the declared values.
    fn discriminant(&mut self, v: VarId, def: hir::EnumId, span: Span) -> VarId {
        let index = self.var(Ty::I32);
        self.emit(Inst::Load { dst: index, mem: Mem::I32, addr: v, offset: ruchy_runtime_layout::AGG_AUX });
        let discs: Vec<i64> = self.m.program.enums[def as usize].variants.iter().map(|v| v.discriminant).collect();
        if discs.iter().enumerate().all(|(i, &d)| d == i as i64) {
            return self.unary(UnOp::I32ToI64, index, span);
        }
        let mut acc = self.konst(Lit::I64(*discs.last().unwrap_or(&0)));
        for (i, &d) in discs.iter().enumerate().rev().skip(1) {
            let here = self.konst(Lit::I32(i as i32));
            let is = self.binary(BinOp::I32Eq, index, here, span);
            let value = self.konst(Lit::I64(d));
            let dst = self.var(Ty::I64);
            self.emit(Inst::Select { dst, cond: is, a: value, b: acc });
            acc = dst;
        }
        acc
    }

    /// Keeps the invariant that a value whose static type is an array or a
    /// tuple stores its elements with the slot kinds of that type, at every
    /// nesting level (typed code reads them inline): a value arriving from
    /// another type (a dynamic one, or `[[int]]` flowing into a `[[dyn]]`
    /// place) is converted by `rt_retype` against a layout descriptor of the
    /// target type — by copies where something differs, which value
    /// semantics makes unobservable; the value itself when nothing does.
    fn retype(&mut self, v: VarId, from: &hir::Ty, to: &hir::Ty) -> VarId {
        let Some(want) = layout(to) else { return v };
        if layout(from).is_some_and(|have| layout_accepts(&want, &have)) {
            return v;
        }
        let desc = self.m.intern(Static::Layout(want));
        let d = self.konst(Lit::Static(desc));
        self.call_rt_value("rt_retype", vec![v, d])
    }

    fn zero(&mut self, t: Ty) -> VarId {
        self.konst(match t {
            Ty::I32 => Lit::I32(0),
            Ty::I64 => Lit::I64(0),
            Ty::F64 => Lit::F64(0.0),
            Ty::Ref => Lit::Null,
        })
    }

    /// Lowers `e` and converts its value to the representation of `to`.
    fn expr_as(&mut self, e: &'a hir::Expr, to: &hir::Ty) -> VarId {
        // An array literal whose own type says less than the place it goes
        // to (`let xs: [int] = []`) is built with the place's element kind.
        if let (E::Array(items), hir::Ty::Array(_)) = (&e.kind, to) {
            if !matches!(&e.ty, hir::Ty::Array(t) if **t != hir::Ty::Unknown) {
                return self.array_lit_as(items, to);
            }
        }
        let v = self.expr(e);
        self.coerce(v, &e.ty, to, e.span)
    }


    /// Lowers a condition to an `i32` bool: a bool as is, anything else by
    /// the VM's truthiness.
    fn cond(&mut self, e: &'a hir::Expr) -> VarId {
        let v = self.expr(e);
        match self.f.ty(v) {
            Ty::I32 => v,
            Ty::Ref => self.call_rt_value("rt_truthy", vec![v]),
            _ => {
                let d = self.coerce(v, &e.ty, &hir::Ty::Dyn, e.span);
                self.call_rt_value("rt_truthy", vec![d])
            }
        }
    }

    // ----- expressions ----------------------------------------------------

    fn expr(&mut self, e: &'a hir::Expr) -> VarId {
        match &e.kind {
            E::Const(c) => self.constant(c),
            E::Local(id) => {
                let v = self.read_local(*id, e.span);
                let lt = self.hf.locals[*id as usize].ty.clone();
                self.coerce(v, &lt, &e.ty, e.span)
            }
            E::Capture(i) => self.read_capture(*i, e),
            E::Closure(f) => self.closure(*f, e.span),
            E::FuncRef(f) => self.func_ref(*f),
            E::Global(g) => {
                let ty = rep(&self.m.program.globals[*g as usize].ty);
                let dst = self.var(ty);
                self.emit(Inst::GlobalGet { dst, global: *g });
                let gt = self.m.program.globals[*g as usize].ty.clone();
                self.coerce(dst, &gt, &e.ty, e.span)
            }
            E::Unary(op, x) => self.unary_expr(*op, x, e),
            E::Binary(op, a, b) => self.binary_expr(*op, a, b, e),
            E::And(a, b) | E::Or(a, b) => self.logic(matches!(e.kind, E::And(..)), a, b, e),
            E::Coalesce(a, b) => self.coalesce(a, b, e),
            E::Assign { place, op, value } => {
                self.assign(place, *op, value, e.span);
                self.nil()
            }
            E::Call { callee, args } => self.call(callee, args, e),
            E::FString(parts) => self.fstring(parts),
            E::Format { action, segments, args } => self.format(*action, segments, args, e.span),
            E::Block(stmts) => self.block(stmts, e),
            E::If { cond, then, else_ } => self.if_expr(cond, then, else_.as_deref(), e),
            E::While { cond, body } => self.while_loop(Some(cond), body, e),
            E::Loop { body } => self.while_loop(None, body, e),
            E::For { pat, iter, body } => self.for_loop(pat, iter, body, e),
            E::Break { depth, value } => self.break_(*depth, value.as_deref(), e),
            E::Continue { depth } => {
                let d = self.label_depth(*depth, false);
                self.leave_tries_for_branch(d);
                self.emit(Inst::Br(d));
                self.zero(rep(&e.ty))
            }
            E::Return(value) => {
                let v = match value {
                    Some(x) => self.expr_kept(x, &self.hf.ret_ty),
                    None => {
                        let n = self.nil();
                        self.coerce(n, &hir::Ty::Nil, &self.hf.ret_ty, e.span)
                    }
                };
                self.leave_tries_for_return();
                self.emit(Inst::Return(Some(v)));
                self.zero(rep(&e.ty))
            }
            E::Cast(x, ty) => self.cast(x, ty, e),
            E::Array(items) => self.array_lit(items, e),
            E::ArrayRepeat(item, n) => self.array_repeat(item, n, e),
            E::Tuple(items) => self.tuple_lit(items, e),
            E::StructLit { def, fields, base } => self.struct_lit(*def, fields, base.as_deref(), e.span),
            E::Variant { def, variant, args } => self.variant(*def, *variant, args),
            E::Field(obj, name) => self.field(obj, name, e),
            E::TupleIndex(obj, i) => self.tuple_index(obj, *i, e),
            E::Index(obj, i) => self.index(obj, i, e),
            E::MethodCall { receiver, method, args } => self.method_call(receiver, method, args, e),
            E::Match { scrutinee, arms, exhaustive_error } => self.match_expr(scrutinee, arms, *exhaustive_error, e),
            E::WhileLet { pat, value, body } => self.while_let(pat, value, body, e),
            E::Range { start, end, inclusive } => self.range_value(start.as_deref(), end.as_deref(), *inclusive),
            E::Dict(entries) => self.dict_lit(entries, e.span),
            E::Throw(x) => self.throw(x, e),
            E::Try { body, catch, finally } => self.try_expr(body, catch.as_ref(), finally.as_deref(), e),
            E::Question(x) => self.question(x, e),
            _ => {
                let what = format!("{} expressions", kind_name(&e.kind));
                self.unsupported(e.span, &what);
                self.zero(rep(&e.ty))
            }
        }
    }

    fn constant(&mut self, c: &Const) -> VarId {
        match c {
            Const::Int(n) => self.konst(Lit::I64(*n)),
            Const::Float(x) => self.konst(Lit::F64(*x)),
            Const::Bool(b) => self.konst(Lit::I32(*b as i32)),
            Const::Str(s) => self.str_const(s),
            Const::Nil => self.nil(),
        }
    }

    fn unary_expr(&mut self, op: HUn, x: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let v = self.expr(x);
        match (op, &x.ty) {
            (HUn::Neg, hir::Ty::Int) => self.unary(UnOp::I64NegChk, v, e.span),
            (HUn::Neg, hir::Ty::Float) => self.unary(UnOp::F64Neg, v, e.span),
            (HUn::Not, hir::Ty::Bool) => self.unary(UnOp::I32Eqz, v, e.span),
            (HUn::BitNot, hir::Ty::Int) => {
                let ones = self.konst(Lit::I64(-1));
                self.binary(BinOp::I64Xor, v, ones, e.span)
            }
            (HUn::Neg | HUn::Not, _) => {
                let d = self.coerce(v, &x.ty, &hir::Ty::Dyn, x.span);
                let l = self.loc_const(e.span);
                let r = self.call_rt_value(if op == HUn::Neg { "rt_dyn_neg" } else { "rt_dyn_not" }, vec![d, l]);
                self.coerce(r, &hir::Ty::Dyn, &e.ty, e.span)
            }
            (HUn::BitNot, _) => {
                let d = self.coerce(v, &x.ty, &hir::Ty::Dyn, x.span);
                let l = self.loc_const(e.span);
                let r = self.call_rt_value("rt_dyn_bitnot", vec![d, l]);
                self.coerce(r, &hir::Ty::Dyn, &e.ty, e.span)
            }
        }
    }

    fn binary_expr(&mut self, op: HBin, a: &'a hir::Expr, b: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let x = Operand { var: self.expr(a), ty: &a.ty, span: a.span };
        let y = Operand { var: self.expr(b), ty: &b.ty, span: b.span };
        self.binary_values(op, x, y, &e.ty, e.span)
    }

    /// `x op y` on lowered operands, converted to the representation of `ty`.
    fn binary_values(&mut self, op: HBin, x: Operand, y: Operand, ty: &hir::Ty, span: Span) -> VarId {
        use hir::Ty as T;
        let numeric = x.ty.is_num() && y.ty.is_num();
        let both = |t: &T| x.ty == t && y.ty == t;
        let (r, rty) = match op {
            HBin::Add | HBin::Sub | HBin::Mul | HBin::Div | HBin::Rem if both(&T::Int) => {
                let op = match op {
                    HBin::Add => BinOp::I64AddChk,
                    HBin::Sub => BinOp::I64SubChk,
                    HBin::Mul => BinOp::I64MulChk,
                    HBin::Div => BinOp::I64DivChk,
                    _ => BinOp::I64RemChk,
                };
                (self.binary(op, x.var, y.var, span), T::Int)
            }
            HBin::Add | HBin::Sub | HBin::Mul | HBin::Div | HBin::Rem if numeric => {
                let (a, b) = (self.coerce(x.var, x.ty, &T::Float, x.span), self.coerce(y.var, y.ty, &T::Float, y.span));
                let r = match op {
                    HBin::Add => self.binary(BinOp::F64Add, a, b, span),
                    HBin::Sub => self.binary(BinOp::F64Sub, a, b, span),
                    HBin::Mul => self.binary(BinOp::F64Mul, a, b, span),
                    HBin::Div => self.binary(BinOp::F64Div, a, b, span),
                    _ => {
                        let l = self.loc_const(span);
                        self.call_rt_value("rt_float_rem", vec![a, b, l])
                    }
                };
                (r, T::Float)
            }
            HBin::Add | HBin::Sub | HBin::Mul if matches!((x.ty, y.ty), (T::Dyn, T::Int) | (T::Int, T::Dyn)) => (self.dyn_int_arith(op, x, y, span), T::Dyn),
            HBin::Add if both(&T::Str) => (self.call_rt_value("rt_str_concat", vec![x.var, y.var]), T::Str),
            // A string and a scalar: the scalar's concatenation text (§7).
            HBin::Add if (*x.ty == T::Str && is_scalar(y.ty)) || (*y.ty == T::Str && is_scalar(x.ty)) => {
                let a = self.concat_text(x.var, x.ty, x.span);
                let b = self.concat_text(y.var, y.ty, y.span);
                (self.call_rt_value("rt_str_concat", vec![a, b]), T::Str)
            }
            HBin::BitAnd | HBin::BitOr | HBin::BitXor | HBin::Shl | HBin::Shr if both(&T::Int) => {
                let op = match op {
                    HBin::BitAnd => BinOp::I64And,
                    HBin::BitOr => BinOp::I64Or,
                    HBin::BitXor => BinOp::I64Xor,
                    HBin::Shl => BinOp::I64Shl,
                    _ => BinOp::I64ShrS,
                };
                (self.binary(op, x.var, y.var, span), T::Int)
            }
            HBin::BitAnd | HBin::BitOr | HBin::BitXor if both(&T::Bool) => {
                let op = match op {
                    HBin::BitAnd => BinOp::I32And,
                    HBin::BitOr => BinOp::I32Or,
                    _ => BinOp::I32Xor,
                };
                (self.binary(op, x.var, y.var, span), T::Bool)
            }
            HBin::Eq | HBin::Ne | HBin::Lt | HBin::Le | HBin::Gt | HBin::Ge => (self.comparison(op, x, y, span), T::Bool),
            HBin::Pow => {
                let (a, b) = (self.coerce(x.var, x.ty, &T::Dyn, x.span), self.coerce(y.var, y.ty, &T::Dyn, y.span));
                let l = self.loc_const(span);
                (self.call_rt_value("rt_pow", vec![a, b, l]), T::Dyn)
            }
            _ => {
                let code = match op {
                    HBin::Add => rt::arith::ADD,
                    HBin::Sub => rt::arith::SUB,
                    HBin::Mul => rt::arith::MUL,
                    HBin::Div => rt::arith::DIV,
                    HBin::Rem => rt::arith::REM,
                    HBin::BitAnd => rt::arith::BIT_AND,
                    HBin::BitOr => rt::arith::BIT_OR,
                    HBin::BitXor => rt::arith::BIT_XOR,
                    HBin::Shl => rt::arith::SHL,
                    HBin::Shr => rt::arith::SHR,
                    _ => {
                        self.unsupported(span, &format!("the {op:?} operator here"));
                        return self.zero(rep(ty));
                    }
                };
                let (a, b) = (self.coerce(x.var, x.ty, &T::Dyn, x.span), self.coerce(y.var, y.ty, &T::Dyn, y.span));
                let op = self.konst(Lit::I32(code));
                let l = self.loc_const(span);
                (self.call_rt_value("rt_dyn_arith", vec![op, a, b, l]), T::Dyn)
            }
        };
        self.coerce(r, &rty, ty, span)
    }

    /// `x op y` with one operand dynamic and the other an int (`d[k] + 1`):
    /// specialised for a dynamic operand that holds an int — unboxed, the
    /// checked operator, boxed again — and the generic `rt_dyn_arith`
    /// otherwise, which gives every other case (and its errors) as before.
    fn dyn_int_arith(&mut self, op: HBin, x: Operand, y: Operand, span: Span) -> VarId {
        use hir::Ty as T;
        let d = if *x.ty == T::Dyn { x.var } else { y.var };
        let result = self.var(Ty::Ref);
        let addr = self.unary(UnOp::RefToI32, d, span);
        let zero = self.konst(Lit::I32(0));
        let present = self.binary(BinOp::I32Ne, addr, zero, span);
        // Nil reads address 0's word; `present` discards it.
        let meta = self.var(Ty::I32);
        self.emit(Inst::Load { dst: meta, mem: Mem::I32, addr: d, offset: l::META });
        let mask = self.konst(Lit::I32(l::KIND_MASK as i32));
        let kind = self.binary(BinOp::I32And, meta, mask, span);
        let box_int = self.konst(Lit::I32(l::BOX_INT as i32));
        let is_int = self.binary(BinOp::I32Eq, kind, box_int, span);
        let both = self.binary(BinOp::I32And, present, is_int, span);
        let fast = self.nested(Label::Other, |s| {
            let n = s.var(Ty::I64);
            s.emit(Inst::Load { dst: n, mem: Mem::I64, addr: d, offset: l::BOX_VALUE });
            let (a, b) = if *x.ty == T::Dyn { (n, y.var) } else { (x.var, n) };
            let bop = match op {
                HBin::Add => BinOp::I64AddChk,
                HBin::Sub => BinOp::I64SubChk,
                _ => BinOp::I64MulChk,
            };
            let r = s.binary(bop, a, b, span);
            let boxed = s.call_rt_value("rt_box_int", vec![r]);
            s.emit(Inst::Copy { dst: result, src: boxed });
        });
        let slow = self.nested(Label::Other, |s| {
            let code = match op {
                HBin::Add => rt::arith::ADD,
                HBin::Sub => rt::arith::SUB,
                _ => rt::arith::MUL,
            };
            let (a, b) = (s.coerce(x.var, x.ty, &T::Dyn, x.span), s.coerce(y.var, y.ty, &T::Dyn, y.span));
            let c = s.konst(Lit::I32(code));
            let l = s.loc_const(span);
            let r = s.call_rt_value("rt_dyn_arith", vec![c, a, b, l]);
            s.emit(Inst::Copy { dst: result, src: r });
        });
        self.emit(Inst::If { cond: both, then: fast, else_: slow });
        result
    }

    /// The text a scalar contributes to a string concatenation.
    pub(super) fn concat_text(&mut self, v: VarId, ty: &hir::Ty, span: Span) -> VarId {
        if *ty == hir::Ty::Str {
            return v;
        }
        if self.f.ty(v) == Ty::I64 {
            return self.call_rt_value("rt_fmt_int", vec![v]);
        }
        let (bits, kind) = self.slot(v, span);
        self.call_rt_value("rt_concat_text", vec![bits, kind])
    }

    /// `x op y` for the comparison operators, as an `i32` bool.
    fn comparison(&mut self, op: HBin, x: Operand, y: Operand, span: Span) -> VarId {
        use hir::Ty as T;
        let pick = |i64op, f64op, i32op| match (x.ty, y.ty) {
            (T::Int, T::Int) => Some((i64op, T::Int)),
            (T::Int | T::Float, T::Int | T::Float) => Some((f64op, T::Float)),
            (T::Bool, T::Bool) => Some((i32op, T::Bool)),
            _ => None,
        };
        let typed = match op {
            HBin::Eq => pick(BinOp::I64Eq, BinOp::F64Eq, BinOp::I32Eq),
            HBin::Ne => pick(BinOp::I64Ne, BinOp::F64Ne, BinOp::I32Ne),
            HBin::Lt => pick(BinOp::I64Lt, BinOp::F64Lt, BinOp::I32Lt),
            HBin::Le => pick(BinOp::I64Le, BinOp::F64Le, BinOp::I32Le),
            HBin::Gt => pick(BinOp::I64Gt, BinOp::F64Gt, BinOp::I32Gt),
            _ => pick(BinOp::I64Ge, BinOp::F64Ge, BinOp::I32Ge),
        };
        if let Some((bop, operand_ty)) = typed {
            let (a, b) = (self.coerce(x.var, x.ty, &operand_ty, x.span), self.coerce(y.var, y.ty, &operand_ty, y.span));
            return self.binary(bop, a, b, span);
        }
        let both_str = *x.ty == T::Str && *y.ty == T::Str;
        if matches!(op, HBin::Eq | HBin::Ne) && (*x.ty == T::Nil || *y.ty == T::Nil) {
            // Only nil equals nil, and nil is the null reference.
            let other = if *x.ty == T::Nil { &y } else { &x };
            let eq = match (self.f.ty(other.var), other.ty) {
                (_, T::Nil) => self.konst(Lit::I32(1)),
                (Ty::Ref, _) => {
                    let addr = self.unary(UnOp::RefToI32, other.var, span);
                    self.unary(UnOp::I32Eqz, addr, span)
                }
                _ => self.konst(Lit::I32(0)),
            };
            return if op == HBin::Ne { self.unary(UnOp::I32Eqz, eq, span) } else { eq };
        }
        if matches!(op, HBin::Eq | HBin::Ne) {
            let eq = if both_str {
                self.call_rt_value("rt_str_eq", vec![x.var, y.var])
            } else {
                let (xb, xk) = self.slot(x.var, x.span);
                let (yb, yk) = self.slot(y.var, y.span);
                self.call_rt_value("rt_value_eq", vec![xb, xk, yb, yk])
            };
            return if op == HBin::Ne { self.unary(UnOp::I32Eqz, eq, span) } else { eq };
        }
        // Orderings: -1/0/1, or 2 when unordered (NaN) — every test is false then.
        let c = if both_str {
            self.call_rt_value("rt_str_cmp", vec![x.var, y.var])
        } else {
            let a = self.coerce(x.var, x.ty, &T::Dyn, x.span);
            let b = self.coerce(y.var, y.ty, &T::Dyn, y.span);
            let l = self.loc_const(span);
            self.call_rt_value("rt_dyn_compare", vec![a, b, l])
        };
        let (test, k) = match op {
            HBin::Lt => (BinOp::I32Eq, -1),
            HBin::Gt => (BinOp::I32Eq, 1),
            HBin::Le => (BinOp::I32Le, 0),
            _ => (BinOp::I32Ge, 0),
        };
        let k = self.konst(Lit::I32(k));
        let r = self.binary(test, c, k, span);
        if op != HBin::Ge {
            return r;
        }
        // 2 (unordered) must not count as ≥ 0.
        let two = self.konst(Lit::I32(2));
        let ordered = self.binary(BinOp::I32Ne, c, two, span);
        self.binary(BinOp::I32And, r, ordered, span)
    }

    /// `&&`/`||`, short-circuiting. On bools a plain branch; otherwise the
    /// VM's rule: the result is one of the operands (`a && b` is `b` when
    /// `a` is truthy, else `a`).
    fn logic(&mut self, and: bool, a: &'a hir::Expr, b: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let bools = a.ty == hir::Ty::Bool && b.ty == hir::Ty::Bool;
        let (ty, t) = if bools { (Ty::I32, hir::Ty::Bool) } else { (Ty::Ref, hir::Ty::Dyn) };
        let dst = self.var(ty);
        let x = self.expr_as(a, &t);
        let test = if bools { x } else { self.call_rt_value("rt_truthy", vec![x]) };
        let rhs = self.nested(Label::Other, |s| {
            let y = s.expr_as(b, &t);
            s.emit(Inst::Copy { dst, src: y });
        });
        let keep = vec![Inst::Copy { dst, src: x }];
        let (then, else_) = if and { (rhs, keep) } else { (keep, rhs) };
        self.emit(Inst::If { cond: test, then, else_ });
        self.coerce(dst, &t, &e.ty, e.span)
    }

    /// `a ?? b`: `b` when `a` is nil (only nil: `None` is a value), else `a`.
    fn coalesce(&mut self, a: &'a hir::Expr, b: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let x = self.expr_as(a, &e.ty);
        if self.f.ty(x) != Ty::Ref {
            // A scalar is never nil; `b` is not evaluated.
            return x;
        }
        let dst = self.var(Ty::Ref);
        let addr = self.unary(UnOp::RefToI32, x, e.span);
        let rhs = self.nested(Label::Other, |s| {
            let y = s.expr_as(b, &e.ty);
            s.emit(Inst::Copy { dst, src: y });
        });
        let keep = vec![Inst::Copy { dst, src: x }];
        self.emit(Inst::If { cond: addr, then: keep, else_: rhs });
        dst
    }

    /// `x as T`: numeric casts inline (Rust's `as`: truncating, saturating
    /// from floats, wrapping to narrower ints); anything else through the
    /// runtime; a user type name is no cast at all (as in the VM).
    fn cast(&mut self, x: &'a hir::Expr, ty: &str, e: &hir::Expr) -> VarId {
        use rt::cast as k;
        let v = self.expr(x);
        let Some(kind) = k::of(ty) else { return self.coerce(v, &x.ty, &e.ty, e.span) };
        let int = match (&x.ty, kind) {
            (hir::Ty::Int, _) => Some(v),
            (hir::Ty::Enum(def), k::I64..=k::U8) if *def > hir::RESULT_ENUM => Some(self.discriminant(v, *def, e.span)),
            (hir::Ty::Float, k::I64..=k::U8) => Some(self.unary(UnOp::F64ToI64, v, e.span)),
            (hir::Ty::Bool, k::I64..=k::U8) => Some(self.unary(UnOp::I32ToI64, v, e.span)),
            _ => None,
        };
        let r = match (int, kind, &x.ty) {
            (Some(n), k::FLOAT, _) => Some((self.unary(UnOp::I64ToF64, n, e.span), hir::Ty::Float)),
            (_, k::FLOAT, hir::Ty::Float) => Some((v, hir::Ty::Float)),
            (Some(n), k::I64 | k::U64, _) => Some((n, hir::Ty::Int)),
            (Some(n), k::I32, _) => Some((self.unary(UnOp::I64Extend32S, n, e.span), hir::Ty::Int)),
            (Some(n), k::I16, _) => Some((self.unary(UnOp::I64Extend16S, n, e.span), hir::Ty::Int)),
            (Some(n), k::I8, _) => Some((self.unary(UnOp::I64Extend8S, n, e.span), hir::Ty::Int)),
            (Some(n), k::U32 | k::U16 | k::U8, _) => {
                let mask = match kind {
                    k::U32 => 0xffff_ffff,
                    k::U16 => 0xffff,
                    _ => 0xff,
                };
                let m = self.konst(Lit::I64(mask));
                Some((self.binary(BinOp::I64And, n, m, e.span), hir::Ty::Int))
            }
            _ => None,
        };
        if let Some((r, rty)) = r {
            return self.coerce(r, &rty, &e.ty, e.span);
        }
        let d = self.coerce(v, &x.ty, &hir::Ty::Dyn, x.span);
        let kind = self.konst(Lit::I32(kind));
        let loc = self.loc_const(e.span);
        let r = self.call_rt_value("rt_cast", vec![d, kind, loc]);
        self.coerce(r, &hir::Ty::Dyn, &e.ty, e.span)
    }

    // ----- places -----------------------------------------------------------

    fn assign(&mut self, place: &'a hir::Place, op: Option<HBin>, value: &'a hir::Expr, span: Span) {
        match place {
            hir::Place::Local(id) => {
                let lt = self.hf.locals[*id as usize].ty.clone();
                let v = self.compound(op, |s| s.read_local(*id, span), &lt, value, span);
                self.write_local(*id, v, span);
            }
            hir::Place::Capture(i) => self.assign_capture(*i, op, value, span),
            hir::Place::Global(g) => {
                let gt = self.m.program.globals[*g as usize].ty.clone();
                let ty = rep(&gt);
                let read = |s: &mut Self| {
                    let dst = s.var(ty);
                    s.emit(Inst::GlobalGet { dst, global: *g });
                    dst
                };
                let v = self.compound(op, read, &gt, value, span);
                self.emit(Inst::GlobalSet { global: *g, value: v });
            }
            _ => self.assign_into(place, op, value, span),
        }
    }

    /// The value stored by `place op= value` (or `place = value`), in the
    /// representation of the place's type `ty`; `read` loads the place.
    fn compound(&mut self, op: Option<HBin>, read: impl FnOnce(&mut Self) -> VarId, ty: &hir::Ty, value: &'a hir::Expr, span: Span) -> VarId {
        // A plain assignment keeps the value: shared if another place holds it.
        let Some(op) = op else { return self.expr_kept(value, ty) };
        if op == HBin::Add && *ty == hir::Ty::Str && (value.ty == hir::Ty::Str || is_scalar(&value.ty)) {
            // `s += x`: appended in place when `s` is unshared (linear loops).
            let cur = read(self);
            let x = self.expr(value);
            let text = self.concat_text(x, &value.ty, value.span);
            return self.call_rt_value("rt_str_append", vec![cur, text]);
        }
        let current = Operand { var: read(self), ty, span };
        let v = Operand { var: self.expr(value), ty: &value.ty, span: value.span };
        self.binary_values(op, current, v, ty, span)
    }

    // ----- calls ------------------------------------------------------------

    fn call(&mut self, callee: &'a hir::Callee, args: &'a [hir::Expr], e: &hir::Expr) -> VarId {
        match callee {
            hir::Callee::Func(id) => {
                let callee_f = &self.m.program.funcs[*id as usize];
                if closure::takes_env(callee_f) {
                    self.unsupported(e.span, "calls of closures");
                    return self.zero(rep(&e.ty));
                }
                let mut vals = vec![];
                for (i, &p) in callee_f.params.iter().enumerate() {
                    let pty = callee_f.locals[p as usize].ty.clone();
                    let v = match args.get(i) {
                        Some(a) => self.expr_kept(a, &pty),
                        None => match &callee_f.defaults[i] {
                            Some(d) => self.default_arg(callee_f, d, &vals, &pty),
                            None => {
                                self.unsupported(e.span, "calls with missing arguments");
                                self.zero(rep(&pty))
                            }
                        },
                    };
                    vals.push(v);
                }
                let dst = self.var(rep(&callee_f.ret_ty));
                self.emit(Inst::Call { dst: Some(dst), callee: Callee::Func(*id), args: vals, loc: self.loc(e.span) });
                if self.callee_may_throw(*id) {
                    self.check_pending();
                }
                let rt = callee_f.ret_ty.clone();
                self.coerce(dst, &rt, &e.ty, e.span)
            }
            hir::Callee::Builtin(b) => self.builtin(*b, args, e),
            hir::Callee::Value(f) => self.call_value(f, args, e),
        }
    }

    /// A parameter default, evaluated at the call site with the callee's
    /// earlier parameters bound to the argument values already computed.
    fn default_arg(&mut self, callee: &'a hir::Function, d: &'a hir::Expr, vals: &[VarId], pty: &hir::Ty) -> VarId {
        let mut refs_other = false;
        ruchy_hir::visit::walk(d, &mut |x: &hir::Expr| {
            if matches!(x.kind, E::Local(_) | E::Capture(_) | E::Closure(_)) {
                refs_other = true;
            }
        });
        if refs_other {
            self.unsupported(d.span, "parameter defaults that read other parameters");
            let _ = (callee, vals);
            return self.zero(rep(pty));
        }
        self.expr_as(d, pty)
    }

    fn builtin(&mut self, b: Builtin, args: &'a [hir::Expr], e: &hir::Expr) -> VarId {
        match b {
            Builtin::Println | Builtin::Print | Builtin::Eprintln | Builtin::Eprint => {
                let fd = if matches!(b, Builtin::Eprintln | Builtin::Eprint) { 2 } else { 1 };
                let newline = matches!(b, Builtin::Println | Builtin::Eprintln);
                self.print_values(args, fd, newline);
                self.nil()
            }
            Builtin::Sqrt | Builtin::Abs if args.len() == 1 && args[0].ty == hir::Ty::Float => {
                let x = self.expr(&args[0]);
                let r = self.unary(if b == Builtin::Sqrt { UnOp::F64Sqrt } else { UnOp::F64Abs }, x, e.span);
                self.coerce(r, &hir::Ty::Float, &e.ty, e.span)
            }
            // `floor(x)`/`ceil(x)` give ints (the VM's `rounding`).
            Builtin::Floor | Builtin::Ceil if args.len() == 1 && args[0].ty == hir::Ty::Float => {
                let x = self.expr(&args[0]);
                let r = self.unary(if b == Builtin::Floor { UnOp::F64Floor } else { UnOp::F64Ceil }, x, e.span);
                let n = self.unary(UnOp::F64ToI64, r, e.span);
                self.coerce(n, &hir::Ty::Int, &e.ty, e.span)
            }
            _ => {
                // Everything else: the runtime's built-in dispatcher, by the
                // built-in's declaration index in `hir::Builtin`.
                let argv = self.dyn_args(args);
                let id = self.konst(Lit::I32(b as i32));
                let loc = self.loc_const(e.span);
                let r = self.call_rt_value("rt_builtin", vec![id, argv, loc]);
                self.coerce(r, &hir::Ty::Dyn, &e.ty, e.span)
            }
        }
    }

    fn print_str(&mut self, s: VarId, fd: i32) {
        let fd = self.konst(Lit::I32(fd));
        self.call_rt("rt_print", vec![s, fd]);
    }

    fn print_lit(&mut self, text: &str, fd: i32) {
        if !text.is_empty() {
            let s = self.str_const(text);
            self.print_str(s, fd);
        }
    }

    /// The raw text of a value (a string is itself).
    fn raw_text(&mut self, a: &'a hir::Expr) -> VarId {
        let v = self.expr(a);
        if a.ty == hir::Ty::Str {
            return v;
        }
        if self.f.ty(v) == Ty::I64 {
            // Ints print the same in every mode, with their own digit
            // writer: no `core::fmt`, no float formatting linked.
            return self.call_rt_value("rt_fmt_int", vec![v]);
        }
        let scalar = self.f.ty(v) != Ty::Ref;
        let (bits, kind) = self.slot(v, a.span);
        let mode = self.konst(Lit::I32(rt::mode::RAW));
        // Scalars have their own formatter, so a program that prints only
        // numbers and strings leaves the general printer (and with it the
        // code for every kind of object) to tree-shaking.
        self.call_rt_value(if scalar { "rt_fmt_scalar" } else { "rt_fmt" }, vec![bits, kind, mode])
    }

    /// `println(a, b, …)`: raw texts joined by spaces; a literal first
    /// argument containing `{}` is a template (§7). Every argument is
    /// evaluated (and turned into text) before anything is printed, as in
    /// the VM: an argument that prints must not interleave with the line.
    fn print_values(&mut self, args: &'a [hir::Expr], fd: i32, newline: bool) {
        if let Some(hir::Expr { kind: E::Const(Const::Str(t)), .. }) = args.first() {
            if t.contains("{}") {
                let texts: Vec<VarId> = args[1..].iter().map(|a| self.raw_text(a)).collect();
                let pieces: Vec<&str> = t.split("{}").collect();
                let mut rest = texts.into_iter();
                for (i, p) in pieces.iter().enumerate() {
                    self.print_lit(p, fd);
                    if i + 1 < pieces.len() {
                        match rest.next() {
                            Some(s) => self.print_str(s, fd),
                            None => self.print_lit("{}", fd),
                        }
                    }
                }
                if newline {
                    self.print_lit("\n", fd);
                }
                return;
            }
        }
        let texts: Vec<VarId> = args.iter().map(|a| self.raw_text(a)).collect();
        for (i, s) in texts.into_iter().enumerate() {
            if i > 0 {
                self.print_lit(" ", fd);
            }
            self.print_str(s, fd);
        }
        if newline {
            self.print_lit("\n", fd);
        }
    }

    fn spec_const(&mut self, spec: &FormatSpec) -> VarId {
        let id = self.m.intern(Static::Spec(spec.clone()));
        self.konst(Lit::Static(id))
    }

    fn concat_all(&mut self, parts: Vec<VarId>) -> VarId {
        let mut it = parts.into_iter();
        let Some(mut acc) = it.next() else { return self.str_const("") };
        for p in it {
            acc = self.call_rt_value("rt_str_concat", vec![acc, p]);
        }
        acc
    }

    fn fstring(&mut self, parts: &'a [hir::FPart]) -> VarId {
        let mut texts = vec![];
        for p in parts {
            match p {
                hir::FPart::Lit(s) => texts.push(self.str_const(s)),
                hir::FPart::Hole { expr, spec } => {
                    let v = self.expr(expr);
                    let (bits, kind) = self.slot(v, expr.span);
                    let spec = self.spec_const(spec);
                    texts.push(self.call_rt_value("rt_fmt_spec", vec![bits, kind, spec]));
                }
            }
        }
        self.concat_all(texts)
    }

    fn format(&mut self, action: Builtin, segments: &'a [hir::FmtSeg], args: &'a [hir::Expr], span: Span) -> VarId {
        let vals: Vec<VarId> = args.iter().map(|a| self.expr(a)).collect();
        let mut texts = vec![];
        for s in segments {
            match s {
                hir::FmtSeg::Lit(t) => texts.push(self.str_const(t)),
                hir::FmtSeg::Hole { arg, spec } => {
                    let (bits, kind) = self.slot(vals[*arg], args[*arg].span);
                    let spec = self.spec_const(spec);
                    texts.push(self.call_rt_value("rt_fmt_rust", vec![bits, kind, spec]));
                }
            }
        }
        let s = self.concat_all(texts);
        match action {
            Builtin::FormatFmt => s,
            Builtin::PrintlnFmt | Builtin::PrintFmt | Builtin::EprintlnFmt | Builtin::EprintFmt => {
                let fd = if matches!(action, Builtin::EprintlnFmt | Builtin::EprintFmt) { 2 } else { 1 };
                self.print_str(s, fd);
                if matches!(action, Builtin::PrintlnFmt | Builtin::EprintlnFmt) {
                    self.print_lit("\n", fd);
                }
                self.nil()
            }
            _ => {
                self.unsupported(span, "panic!");
                self.nil()
            }
        }
    }

    // ----- blocks and control flow -------------------------------------------

    fn block(&mut self, stmts: &'a [Stmt], e: &hir::Expr) -> VarId {
        let mut last = None;
        for (i, s) in stmts.iter().enumerate() {
            let is_last = i + 1 == stmts.len();
            match s {
                Stmt::Let { pat, init, span } => {
                    self.let_stmt(pat, init.as_ref(), *span);
                }
                Stmt::SetGlobal { global, init } => {
                    let gt = self.m.program.globals[*global as usize].ty.clone();
                    let v = self.expr_as(init, &gt);
                    self.emit(Inst::GlobalSet { global: *global, value: v });
                }
                Stmt::Expr(x) => {
                    let v = self.expr(x);
                    if is_last {
                        last = Some(self.coerce(v, &x.ty, &e.ty, x.span));
                    }
                }
            }
        }
        match last {
            Some(v) => v,
            None => {
                let n = self.nil();
                self.coerce(n, &hir::Ty::Nil, &e.ty, e.span)
            }
        }
    }

    fn let_stmt(&mut self, pat: &'a hir::Pat, init: Option<&'a hir::Expr>, span: Span) {
        match &pat.kind {
            PatKind::Bind(id, None) => {
                let lt = self.hf.locals[*id as usize].ty.clone();
                let v = match init {
                    Some(x) => self.expr_kept(x, &lt),
                    None => {
                        let n = self.nil();
                        self.coerce(n, &hir::Ty::Nil, &lt, span)
                    }
                };
                self.define_local(*id, v, span);
            }
            PatKind::Wild => {
                if let Some(x) = init {
                    self.expr(x);
                }
            }
            _ => {
                let (v, ty) = match init {
                    Some(x) => (self.expr(x), x.ty.clone()),
                    None => (self.nil(), hir::Ty::Nil),
                };
                self.let_pattern(pat, v, &ty, span);
            }
        }
    }

    fn if_expr(&mut self, cond: &'a hir::Expr, then: &'a hir::Expr, else_: Option<&'a hir::Expr>, e: &hir::Expr) -> VarId {
        let dst = self.var(rep(&e.ty));
        let c = self.cond(cond);
        let then = self.nested(Label::Other, |s| {
            let v = s.expr_as(then, &e.ty);
            s.emit(Inst::Copy { dst, src: v });
        });
        let else_ = self.nested(Label::Other, |s| {
            let v = match else_ {
                Some(x) => s.expr_as(x, &e.ty),
                None => {
                    let n = s.nil();
                    s.coerce(n, &hir::Ty::Nil, &e.ty, e.span)
                }
            };
            s.emit(Inst::Copy { dst, src: v });
        });
        self.emit(Inst::If { cond: c, then, else_ });
        dst
    }

    /// `while cond { body }` (or `loop { body }` when `cond` is None):
    /// `block $exit (loop $top (cond → br_if $exit) (block $continue body) br $top)`.
    fn while_loop(&mut self, cond: Option<&'a hir::Expr>, body: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let result = self.var(rep(&e.ty));
        self.loop_shape(Some(result), e, |s| {
            if let Some(c) = cond {
                let v = s.cond(c);
                let stop = s.unary(UnOp::I32Eqz, v, c.span);
                s.emit(Inst::BrIf { cond: stop, depth: 1 });
            }
            s.loop_body(body);
        });
        result
    }

    /// Builds `block $exit (loop $top (f) br $top)` with `result` set to nil
    /// on the normal exit (a `break value` sets it otherwise).
    fn loop_shape(&mut self, result: Option<VarId>, e: &hir::Expr, f: impl FnOnce(&mut Self)) {
        if let Some(r) = result {
            let n = self.nil();
            let n = self.coerce(n, &hir::Ty::Nil, &e.ty, e.span);
            self.emit(Inst::Copy { dst: r, src: n });
        }
        let exit = self.nested(Label::LoopExit(result), |s| {
            let top = s.nested(Label::Other, |s| {
                f(s);
                s.emit(Inst::Br(0));
            });
            s.emit(Inst::Loop(top));
        });
        self.emit(Inst::Block(exit));
    }

    /// The body of a loop inside its `continue` block.
    fn loop_body(&mut self, body: &'a hir::Expr) {
        let inner = self.nested(Label::LoopContinue, |s| {
            s.expr(body);
        });
        self.emit(Inst::Block(inner));
    }

    fn for_loop(&mut self, pat: &'a hir::Pat, iter: &'a hir::Expr, body: &'a hir::Expr, e: &hir::Expr) -> VarId {
        if let E::Range { start: Some(lo), end: Some(hi), inclusive } = &iter.kind {
            if lo.ty != hir::Ty::Int || hi.ty != hir::Ty::Int {
                self.dynamic_range_loop(pat, lo, hi, *inclusive, body, e);
                return self.nil();
            }
            {
                let plan = if self.m.simd { simd::map_plan(pat, body, &self.hf.locals) } else { None };
                let start = self.expr(lo);
                let end = self.expr(hi);
                match plan {
                    Some(plan) => self.simd_map_loop(plan, start, end, *inclusive, pat, body, e),
                    None => self.range_loop_from(pat, start, end, *inclusive, body, e),
                }
                return self.nil();
            }
        }
        // Anything else iterates over a snapshot array: the array itself
        // (shared, so changes to the variable copy it), or the items the
        // runtime lists (ranges, dicts as (key, value) tuples, tuples).
        let (items, elem) = match &iter.ty {
            hir::Ty::Array(_) => {
                let a = self.expr(iter);
                self.share(a);
                (a, aggregate::elem_ty(&iter.ty))
            }
            _ => {
                let v = self.expr_as(iter, &hir::Ty::Dyn);
                let loc = self.loc_const(iter.span);
                (self.call_rt_value("rt_iter_items", vec![v, loc]), hir::Ty::Dyn)
            }
        };
        let len32 = self.var(Ty::I32);
        self.emit(Inst::Load { dst: len32, mem: Mem::I32, addr: items, offset: ruchy_runtime_layout::LEN });
        let n = self.unary(UnOp::I32ToI64, len32, iter.span);
        let i = self.var(Ty::I64);
        let zero = self.konst(Lit::I64(0));
        self.emit(Inst::Copy { dst: i, src: zero });
        let span = iter.span;
        self.loop_shape(None, e, |s| {
            let done = s.binary(BinOp::I64Ge, i, n, span);
            s.emit(Inst::BrIf { cond: done, depth: 1 });
            let data = s.var(Ty::I32);
            s.emit(Inst::Load { dst: data, mem: Mem::I32, addr: items, offset: ruchy_runtime_layout::ARRAY_DATA });
            let i32v = s.unary(UnOp::I64ToI32, i, span);
            let three = s.konst(Lit::I32(3));
            let off = s.binary(BinOp::I32Shl, i32v, three, span);
            let addr = s.binary(BinOp::I32Add, data, off, span);
            let x = s.var(rep(&elem));
            let mem = match rep(&elem) {
                Ty::I64 => Mem::I64,
                Ty::F64 => Mem::F64,
                Ty::I32 => Mem::I32,
                Ty::Ref => Mem::Ref,
            };
            s.emit(Inst::Load { dst: x, mem, addr, offset: 0 });
            let one = s.konst(Lit::I64(1));
            let next = s.binary(BinOp::I64Add, i, one, span);
            s.emit(Inst::Copy { dst: i, src: next });
            s.bind_pattern(pat, x, &elem);
            s.loop_body(body);
        });
        self.nil()
    }

    /// `for pat in start..end` (or `..=`) with the bounds already evaluated.
    fn range_loop_from(&mut self, pat: &'a hir::Pat, start: VarId, end: VarId, inclusive: bool, body: &'a hir::Expr, e: &hir::Expr) {
        let counter = self.var(Ty::I64);
        self.emit(Inst::Copy { dst: counter, src: start });
        let span = e.span;
        self.loop_shape(None, e, |s| {
            let test = if inclusive { BinOp::I64Gt } else { BinOp::I64Ge };
            let done = s.binary(test, counter, end, span);
            s.emit(Inst::BrIf { cond: done, depth: 1 });
            s.bind_pattern(pat, counter, &hir::Ty::Int);
            s.loop_body(body);
            // `0..=i64::MAX` stops after MAX instead of overflowing.
            if inclusive {
                let at_end = s.binary(BinOp::I64Eq, counter, end, span);
                s.emit(Inst::BrIf { cond: at_end, depth: 1 });
            }
            let one = s.konst(Lit::I64(1));
            let next = s.binary(BinOp::I64Add, counter, one, span);
            s.emit(Inst::Copy { dst: counter, src: next });
        });
    }

    /// `for x in a..b` whose bounds are not both ints (`1.5..4`): counts
    /// with the generic operators, as the VM's range loop does.
    fn dynamic_range_loop(&mut self, pat: &'a hir::Pat, lo: &'a hir::Expr, hi: &'a hir::Expr, inclusive: bool, body: &'a hir::Expr, e: &hir::Expr) {
        let counter = self.var(Ty::Ref);
        let start = self.expr_as(lo, &hir::Ty::Dyn);
        self.emit(Inst::Copy { dst: counter, src: start });
        let end = self.expr_as(hi, &hir::Ty::Dyn);
        let span = e.span;
        self.loop_shape(None, e, |s| {
            let loc = s.loc_const(span);
            let order = s.call_rt_value("rt_dyn_compare", vec![counter, end, loc]);
            // Continue while counter < end (or <=); 2 means unordered.
            let (test, k) = if inclusive { (BinOp::I32Le, 0) } else { (BinOp::I32Eq, -1) };
            let k = s.konst(Lit::I32(k));
            let mut go = s.binary(test, order, k, span);
            if inclusive {
                let lt = s.konst(Lit::I32(-1));
                let ge = s.binary(BinOp::I32Ge, order, lt, span);
                go = s.binary(BinOp::I32And, go, ge, span);
            }
            let stop = s.unary(UnOp::I32Eqz, go, span);
            s.emit(Inst::BrIf { cond: stop, depth: 1 });
            s.bind_pattern(pat, counter, &hir::Ty::Dyn);
            s.loop_body(body);
            let one = s.konst(Lit::I64(1));
            let one = s.call_rt_value("rt_box_int", vec![one]);
            let add = s.konst(Lit::I32(rt::arith::ADD));
            let loc = s.loc_const(span);
            let next = s.call_rt_value("rt_dyn_arith", vec![add, counter, one, loc]);
            s.emit(Inst::Copy { dst: counter, src: next });
        });
    }

    /// Binds a `for` pattern (irrefutable) to the current item.
    fn bind_pattern(&mut self, pat: &'a hir::Pat, v: VarId, ty: &hir::Ty) {
        match &pat.kind {
            PatKind::Bind(id, None) => self.bind(*id, v, ty, pat.span),
            PatKind::Wild => {}
            _ => self.let_pattern(pat, v, ty, pat.span),
        }
    }

    /// `while let pat = value { body }`.
    fn while_let(&mut self, pat: &'a hir::Pat, value: &'a hir::Expr, body: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let result = self.var(rep(&e.ty));
        self.loop_shape(Some(result), e, |s| {
            // The loop's exit block is two labels out (loop, then block).
            let exit = s.labels.len() - 2;
            let v = s.expr(value);
            s.pattern(pat, v, &value.ty, exit);
            s.loop_body(body);
        });
        result
    }

    /// A range value (`a..b` used as a value, not directly by `for`).
    fn range_value(&mut self, start: Option<&'a hir::Expr>, end: Option<&'a hir::Expr>, inclusive: bool) -> VarId {
        let bound = |s: &mut Self, b: Option<&'a hir::Expr>| match b {
            Some(x) => s.expr_as(x, &hir::Ty::Dyn),
            None => s.nil(),
        };
        let a = bound(self, start);
        let b = bound(self, end);
        let inc = self.konst(Lit::I32(inclusive as i32));
        self.call_rt_value("rt_range_new", vec![a, b, inc])
    }

    /// Wasm label depth of the `depth`-th enclosing loop's exit (or
    /// continue) block.
    fn label_depth(&self, depth: u32, exit: bool) -> u32 {
        let mut seen = 0;
        for (i, l) in self.labels.iter().enumerate().rev() {
            let hit = match l {
                Label::LoopExit(_) => exit,
                Label::LoopContinue => !exit,
                Label::Other => false,
            };
            if hit {
                if seen == depth {
                    return (self.labels.len() - 1 - i) as u32;
                }
                seen += 1;
            }
        }
        unreachable!("break/continue outside a loop passed name resolution")
    }

    fn loop_result(&self, depth: u32) -> Option<VarId> {
        let d = self.label_depth(depth, true);
        match self.labels[self.labels.len() - 1 - d as usize] {
            Label::LoopExit(r) => r,
            _ => None,
        }
    }

    fn break_(&mut self, depth: u32, value: Option<&'a hir::Expr>, e: &hir::Expr) -> VarId {
        if let Some(x) = value {
            match self.loop_result(depth) {
                Some(r) => {
                    let v = self.expr(x);
                    let rt = self.f.ty(r);
                    let v = if self.f.ty(v) == rt { v } else { self.coerce(v, &x.ty, &hir::Ty::Dyn, x.span) };
                    self.emit(Inst::Copy { dst: r, src: v });
                }
                None => self.unsupported(x.span, "`break value` out of a `for` loop"),
            }
        }
        let d = self.label_depth(depth, true);
        self.leave_tries_for_branch(d);
        self.emit(Inst::Br(d));
        self.zero(rep(&e.ty))
    }
}

/// Which globals the top-level code sets before anything could read them:
/// those its leading statements set before the first one that may run user
/// code (calls a function, a function value or a method). Functions only
/// run from there on, and the statements before read only what is already
/// set (the front end resolves names in order), so a ready global is never
/// read as nil. Any other global may be read before its `let` ran.
fn ready_globals(program: &hir::Program) -> Vec<bool> {
    let mut ready = vec![false; program.globals.len()];
    let E::Block(stmts) = &program.funcs[program.entry as usize].body.kind else { return ready };
    let runs_user_code = |e: &hir::Expr| {
        let mut found = false;
        ruchy_hir::visit::walk(e, &mut |x: &hir::Expr| {
            found |= matches!(x.kind, E::MethodCall { .. } | E::Call { callee: hir::Callee::Func(_) | hir::Callee::Value(_), .. });
        });
        found
    };
    for s in stmts {
        match s {
            hir::Stmt::SetGlobal { global, init } if !runs_user_code(init) => ready[*global as usize] = true,
            hir::Stmt::Let { init, .. } if !init.as_ref().is_some_and(|e| runs_user_code(e)) => {}
            hir::Stmt::Expr(e) if !runs_user_code(e) => {}
            _ => break,
        }
    }
    ready
}

/// Whether `i` may leave an exception pending: calls, and checked
/// operators (whose failure raises inside a `try`).
fn may_set_pending(i: &Inst) -> bool {
    match i {
        Inst::Call { .. } => true,
        Inst::Binary { op, .. } => op.can_fail(),
        Inst::Unary { op, .. } => *op == UnOp::I64NegChk,
        _ => false,
    }
}

/// The layout descriptor `rt_retype` checks values against (`ABI.md`):
/// `a` + element for arrays, `t` + count + fields for tuples, and a slot
/// kind letter (`i`, `f`, `b`, `p`) for anything else. `None` when the type
/// says nothing about layout (not an array or tuple).
fn layout(t: &hir::Ty) -> Option<Vec<u8>> {
    fn put(t: &hir::Ty, out: &mut Vec<u8>) {
        match t {
            hir::Ty::Array(e) => {
                out.push(b'a');
                put(e, out);
            }
            hir::Ty::Tuple(ts) if ts.len() <= ruchy_runtime_layout::MAX_KINDED_FIELDS as usize => {
                out.push(b't');
                out.push(ts.len() as u8);
                for t in ts {
                    put(t, out);
                }
            }
            _ => out.push(match rep(t) {
                Ty::I64 => b'i',
                Ty::F64 => b'f',
                Ty::I32 => b'b',
                Ty::Ref => b'p',
            }),
        }
    }
    if !matches!(t, hir::Ty::Array(_) | hir::Ty::Tuple(_)) {
        return None;
    }
    let mut out = vec![];
    put(t, &mut out);
    Some(out)
}

/// True when every value laid out as `have` is already laid out as `want`,
/// so `rt_retype` would return it unchanged: the same descriptor, except
/// that a `p` slot in `want` (a dynamic value) takes any pointer — an array
/// or tuple of whatever layout is a dynamic value as it stands.
/// (`[bottom_up(d - 1), …]` of type `[[dyn]]` flowing into `[dyn]` needs no
/// call per node.)
fn layout_accepts(want: &[u8], have: &[u8]) -> bool {
    /// Compares one layout at the heads; returns the rest of both.
    fn one<'w, 'h>(want: &'w [u8], have: &'h [u8]) -> Option<(&'w [u8], &'h [u8])> {
        let (&w, want_rest) = want.split_first()?;
        let (&h, have_rest) = have.split_first()?;
        match (w, h) {
            (b'p', b'a' | b't') => Some((want_rest, skip(have)?)),
            (b'a', b'a') => one(want_rest, have_rest),
            (b't', b't') => {
                let (&n, mut want) = want_rest.split_first()?;
                let (&m, mut have) = have_rest.split_first()?;
                if n != m {
                    return None;
                }
                for _ in 0..n {
                    (want, have) = one(want, have)?;
                }
                Some((want, have))
            }
            _ if w == h && !matches!(w, b'a' | b't') => Some((want_rest, have_rest)),
            _ => None,
        }
    }
    /// The rest after one whole layout.
    fn skip(l: &[u8]) -> Option<&[u8]> {
        let (&k, rest) = l.split_first()?;
        match k {
            b'a' => skip(rest),
            b't' => {
                let (&n, mut rest) = rest.split_first()?;
                for _ in 0..n {
                    rest = skip(rest)?;
                }
                Some(rest)
            }
            _ => Some(rest),
        }
    }
    matches!(one(want, have), Some((w, h)) if w.is_empty() && h.is_empty())
}

/// A lowered operand with its HIR type, for operators.
#[derive(Clone, Copy)]
struct Operand<'t> {
    var: VarId,
    ty: &'t hir::Ty,
    span: Span,
}

fn is_scalar(t: &hir::Ty) -> bool {
    matches!(t, hir::Ty::Int | hir::Ty::Float | hir::Ty::Bool)
}

fn kind_name(k: &hir::ExprKind) -> &'static str {
    match k {
        E::Capture(_) => "captured-variable",
        E::FuncRef(_) => "function-value",
        E::Coalesce(..) => "`??`",
        E::MethodCall { .. } => "method-call",
        E::Field(..) => "field",
        E::TupleIndex(..) => "tuple-index",
        E::Index(..) => "index",
        E::Array(_) | E::ArrayRepeat(..) => "array",
        E::Tuple(_) => "tuple",
        E::Dict(_) => "dict",
        E::StructLit { .. } => "struct",
        E::Variant { .. } | E::VariantCtor { .. } => "enum-variant",
        E::Range { .. } => "range",
        E::Match { .. } => "match",
        E::WhileLet { .. } => "`while let`",
        E::Closure(_) => "closure",
        E::Try { .. } => "try/catch",
        E::Throw(_) => "throw",
        E::Question(_) => "`?`",
        _ => "these",
    }
}

#[cfg(test)]
mod layout_tests {
    use super::layout_accepts;

    #[test]
    fn a_dynamic_slot_takes_any_aggregate() {
        assert!(layout_accepts(b"ap", b"aap"));
        assert!(layout_accepts(b"ap", b"at\x02if"));
        assert!(layout_accepts(b"t\x02pi", b"t\x02aii"));
        assert!(layout_accepts(b"ai", b"ai"));
    }

    #[test]
    fn slot_kinds_must_agree_otherwise() {
        assert!(!layout_accepts(b"ap", b"ai"), "ints are stored unboxed, dyn slots boxed");
        assert!(!layout_accepts(b"ai", b"ap"));
        assert!(!layout_accepts(b"aap", b"ap"), "a dyn element may not be an array");
        assert!(!layout_accepts(b"t\x02pi", b"t\x02pf"));
        assert!(!layout_accepts(b"t\x02pp", b"t\x03ppp"));
        assert!(!layout_accepts(b"ap", b"a"), "malformed descriptors are never accepted");
    }
}
