//! Lowering of closures, captured variables and calls of function values.
//!
//! * A local that a closure captures lives in a `CELL` object for its whole
//!   life (closures capture by reference, §5): its variable holds the cell,
//!   reads and writes go through the cell's one field, and each execution
//!   of its `let` makes a fresh cell (a closure made in a loop iteration
//!   keeps that iteration's variable). Cells hold dynamic values (`K_PTR`),
//!   so a reader never needs the writer's static type.
//! * A closure is a `CLOSURE` object: its fields are the captured cells
//!   (in the order of `hir::Function::captures`), its `aux` the function
//!   table index of the closure's *entry point*.
//! * Every function used as a value gets an entry point with one uniform
//!   signature, `(env: ref, argv: ref, loc: i32) -> ref`: it checks the
//!   argument count (the VM's message), converts the dynamic arguments to
//!   the function's parameter types, calls it (passing `env` when the
//!   function reads captures) and boxes the result. The runtime calls
//!   closures the same way (`rt_call`, and methods such as `map`).

use super::{rep, FnLower};
use crate::ir::*;
use ruchy_hir::{self as hir, Capture};
use ruchy_runtime_layout as l;
use ruchy_syntax::ast::BinOp as HBin;
use ruchy_syntax::Span;

/// Whether a function's body reads captures, so it takes the closure
/// object as a hidden first parameter.
pub fn takes_env(f: &hir::Function) -> bool {
    !f.captures.is_empty()
}

impl<'a> FnLower<'_, 'a> {
    fn captured(&self, id: hir::LocalId) -> bool {
        self.hf.locals[id as usize].captured
    }

    fn new_cell(&mut self, value: VarId, ty: &hir::Ty, span: Span) -> VarId {
        let v = self.coerce(value, ty, &hir::Ty::Dyn, span);
        let meta = self.konst(Lit::I32(l::meta(l::CELL, 0) as i32));
        let len = self.konst(Lit::I32(1));
        let size = self.konst(Lit::I32(l::aggregate_size(1) as i32));
        let cell = self.call_rt_value("rt_alloc", vec![meta, len, size]);
        self.emit(Inst::Store { mem: Mem::Ref, addr: cell, offset: l::field_offset(0), value: v });
        cell
    }

    fn cell_read(&mut self, cell: VarId, ty: &hir::Ty, span: Span) -> VarId {
        let v = self.var(Ty::Ref);
        self.emit(Inst::Load { dst: v, mem: Mem::Ref, addr: cell, offset: l::field_offset(0) });
        self.coerce(v, &hir::Ty::Dyn, ty, span)
    }

    fn cell_write(&mut self, cell: VarId, value: VarId, ty: &hir::Ty, span: Span) {
        let v = self.coerce(value, ty, &hir::Ty::Dyn, span);
        self.emit(Inst::Store { mem: Mem::Ref, addr: cell, offset: l::field_offset(0), value: v });
    }

    /// The value of local `id`, in the representation of its type.
    pub(super) fn read_local(&mut self, id: hir::LocalId, span: Span) -> VarId {
        let v = self.local(id);
        if !self.captured(id) {
            return v;
        }
        let ty = self.hf.locals[id as usize].ty.clone();
        self.cell_read(v, &ty, span)
    }

    /// Assigns local `id` (a value in the representation of its type).
    pub(super) fn write_local(&mut self, id: hir::LocalId, value: VarId, span: Span) {
        let v = self.local(id);
        if self.captured(id) {
            let ty = self.hf.locals[id as usize].ty.clone();
            self.cell_write(v, value, &ty, span);
        } else {
            self.emit(Inst::Copy { dst: v, src: value });
        }
    }

    /// Binds local `id` by a `let` or a pattern: a captured local gets a
    /// fresh cell each time.
    pub(super) fn define_local(&mut self, id: hir::LocalId, value: VarId, span: Span) {
        if !self.captured(id) {
            return self.write_local(id, value, span);
        }
        let ty = self.hf.locals[id as usize].ty.clone();
        let cell = self.new_cell(value, &ty, span);
        let v = self.local(id);
        self.emit(Inst::Copy { dst: v, src: cell });
    }

    /// The cell of capture `i` of this closure.
    pub(super) fn capture_cell(&mut self, i: u32) -> VarId {
        let env = self.env.expect("a function with captures takes its closure object");
        let cell = self.var(Ty::Ref);
        self.emit(Inst::Load { dst: cell, mem: Mem::Ref, addr: env, offset: l::field_offset(i) });
        cell
    }

    pub(super) fn read_capture(&mut self, i: u32, e: &hir::Expr) -> VarId {
        let cell = self.capture_cell(i);
        self.cell_read(cell, &e.ty, e.span)
    }

    pub(super) fn assign_capture(&mut self, i: u32, op: Option<HBin>, value: &'a hir::Expr, span: Span) {
        let cell = self.capture_cell(i);
        let v = self.compound(op, |s| s.cell_read(cell, &hir::Ty::Dyn, span), &hir::Ty::Dyn, value, span);
        let v = if op.is_none() && super::aggregate::needs_share(value) && self.f.ty(v) == Ty::Ref {
            self.share(v);
            v
        } else {
            v
        };
        self.cell_write(cell, v, &hir::Ty::Dyn, span);
    }

    /// A captured place made unique for mutation (`items.push(x)` in a closure).
    pub(super) fn capture_unique(&mut self, i: u32, span: Span) -> VarId {
        let cell = self.capture_cell(i);
        let v = self.cell_read(cell, &hir::Ty::Dyn, span);
        let u = self.unique(v, &hir::Ty::Dyn);
        self.cell_write(cell, u, &hir::Ty::Dyn, span);
        u
    }

    /// The function-table index of `f`'s entry point (requesting one).
    fn entry_index(&mut self, f: hir::FuncId) -> Lit {
        let pos = match self.m.entries.iter().position(|&x| x == f) {
            Some(p) => p,
            None => {
                self.m.entries.push(f);
                self.m.entries.len() - 1
            }
        };
        Lit::TableIndex((self.m.program.funcs.len() + pos) as FuncId)
    }

    /// `|x| …` or a nested `fn`: a closure object holding the captured cells.
    pub(super) fn closure(&mut self, f: hir::FuncId, span: Span) -> VarId {
        let caps = self.m.program.funcs[f as usize].captures.clone();
        let cells: Vec<VarId> = caps
            .iter()
            .map(|c| match c {
                Capture::Local(id) => {
                    debug_assert!(self.captured(*id), "captured locals live in cells");
                    self.local(*id)
                }
                Capture::Outer(i) => self.capture_cell(*i),
            })
            .collect();
        let n = cells.len() as u32;
        let meta = self.konst(Lit::I32(l::meta(l::CLOSURE, 0) as i32));
        let len = self.konst(Lit::I32(n as i32));
        let size = self.konst(Lit::I32(l::aggregate_size(n) as i32));
        let obj = self.call_rt_value("rt_alloc", vec![meta, len, size]);
        let entry = self.entry_index(f);
        let aux = self.konst(entry);
        self.emit(Inst::Store { mem: Mem::I32, addr: obj, offset: l::AGG_AUX, value: aux });
        for (i, c) in cells.into_iter().enumerate() {
            self.emit(Inst::Store { mem: Mem::Ref, addr: obj, offset: l::field_offset(i as u32), value: c });
        }
        let _ = span;
        obj
    }

    /// A named function used as a value: a static closure without captures.
    pub(super) fn func_ref(&mut self, f: hir::FuncId) -> VarId {
        let Lit::TableIndex(entry) = self.entry_index(f) else { unreachable!() };
        let id = self.m.intern(Static::Closure { func: entry });
        self.konst(Lit::Static(id))
    }

    /// `f(args)` where `f` is a value: through the runtime, which checks it
    /// is callable and calls its entry point.
    pub(super) fn call_value(&mut self, f: &'a hir::Expr, args: &'a [hir::Expr], e: &hir::Expr) -> VarId {
        let fv = self.expr_as(f, &hir::Ty::Dyn);
        let argv = self.dyn_args(args);
        let loc = self.loc_const(e.span);
        let r = self.call_rt_value("rt_call", vec![fv, argv, loc]);
        self.check_pending();
        self.coerce(r, &hir::Ty::Dyn, &e.ty, e.span)
    }

    /// A `K_PTR` array of argument values (kept: shared when needed).
    pub(super) fn dyn_args(&mut self, args: &'a [hir::Expr]) -> VarId {
        let values: Vec<(VarId, Span)> = args.iter().map(|a| (self.expr_kept(a, &hir::Ty::Dyn), a.span)).collect();
        self.filled_array(l::K_PTR, values)
    }

    /// Builds the entry point of HIR function `target` (see the module doc).
    pub(super) fn entry_point(mut self, target: hir::FuncId) -> Func {
        let hf = self.hf;
        self.f.name = format!("{}#entry", hf.name);
        self.f.ret = Ty::Ref;
        let env = self.var(Ty::Ref);
        let argv = self.var(Ty::Ref);
        let loc = self.var(Ty::I32);
        self.f.params = vec![env, argv, loc];
        let mut args = vec![];
        if takes_env(hf) {
            args.push(env);
        }
        args.extend(self.argv_args(hf, argv, loc, 0));
        let dst = self.var(rep(&hf.ret_ty));
        self.emit(Inst::Call { dst: Some(dst), callee: Callee::Func(target), args, loc: Loc::default() });
        let r = self.coerce(dst, &hf.ret_ty, &hir::Ty::Dyn, hf.span);
        self.emit(Inst::Return(Some(r)));
        self.f.body = self.code.pop().unwrap();
        self.f
    }

    /// The arguments of a call of `callee` from the dynamic argument array
    /// `argv` (after its first `skip` parameters, which the caller supplies):
    /// the VM's arity check (reported at `loc`), then each element converted
    /// to its parameter's type, or the parameter's default when missing.
    pub(super) fn argv_args(&mut self, callee: &'a hir::Function, argv: VarId, loc: VarId, skip: usize) -> Vec<VarId> {
        let span = self.hf.span;
        let argc = self.var(Ty::I32);
        self.emit(Inst::Load { dst: argc, mem: Mem::I32, addr: argv, offset: l::LEN });
        let (min, max) = (callee.min_arity() as i32, callee.max_arity() as i32);
        let (lo, hi) = (self.konst(Lit::I32(min)), self.konst(Lit::I32(max)));
        let few = self.binary(BinOp::I32Lt, argc, lo, span);
        let many = self.binary(BinOp::I32Gt, argc, hi, span);
        let bad = self.binary(BinOp::I32Or, few, many, span);
        let report = self.report("rt_arity_error", vec![lo, hi, argc, loc]);
        self.emit(Inst::If { cond: bad, then: report, else_: vec![] });
        let data = self.var(Ty::I32);
        self.emit(Inst::Load { dst: data, mem: Mem::I32, addr: argv, offset: l::ARRAY_DATA });
        let params: Vec<(usize, hir::LocalId)> = callee.params.iter().copied().enumerate().skip(skip).collect();
        params.into_iter().map(|(i, p)| self.entry_arg(data, argc, i - skip, &callee.locals[p as usize].ty, callee.defaults[i].as_ref())).collect()
    }

    /// Argument `i` of an entry point: element `i` of `argv` when passed,
    /// else the parameter's default (nil when it has none).
    fn entry_arg(&mut self, data: VarId, argc: VarId, i: usize, pty: &hir::Ty, default: Option<&'a hir::Expr>) -> VarId {
        let result = self.var(rep(pty));
        let idx = self.konst(Lit::I32(i as i32));
        let passed = self.binary(BinOp::I32Lt, idx, argc, self.hf.span);
        let then = self.nested(super::Label::Other, |s| {
            let x = s.var(Ty::Ref);
            s.emit(Inst::Load { dst: x, mem: Mem::Ref, addr: data, offset: 8 * i as u32 });
            let v = s.coerce(x, &hir::Ty::Dyn, pty, s.hf.span);
            s.emit(Inst::Copy { dst: result, src: v });
        });
        let else_ = self.nested(super::Label::Other, |s| {
            let v = match default {
                Some(d) if !reads_locals(d) => s.expr_as(d, pty),
                Some(d) => {
                    s.unsupported(d.span, "parameter defaults that read other parameters");
                    s.zero(rep(pty))
                }
                None => {
                    let n = s.nil();
                    s.coerce(n, &hir::Ty::Nil, pty, s.hf.span)
                }
            };
            s.emit(Inst::Copy { dst: result, src: v });
        });
        self.emit(Inst::If { cond: passed, then, else_ });
        result
    }
}

fn reads_locals(e: &hir::Expr) -> bool {
    let mut found = false;
    ruchy_hir::visit::walk(e, &mut |x: &hir::Expr| {
        found |= matches!(x.kind, hir::ExprKind::Local(_) | hir::ExprKind::Capture(_) | hir::ExprKind::Closure(_));
    });
    found
}
