//! Lowering of `throw`, `try`/`catch`/`finally` and `?`.
//!
//! Exceptions propagate explicitly (wasm exception handling is not yet
//! available in all three engines the bundles target: wasmtime 48 only has
//! the `exnref` form, Node 20 only the legacy one). The state lives in three
//! runtime statics: a pending flag, the thrown value (a GC root) and the
//! throw's source position. `throw` sets them and *propagates*: it branches
//! to the innermost `try` handler of the function, or returns (any value)
//! to the caller. After every call of something that may throw, the caller
//! tests the flag and propagates in turn. `_start` reports an exception
//! that reaches it exactly as the VM does.
//!
//! Only functions that may throw are followed by a test: a function may
//! throw when its body has a `throw`, calls a function that may throw, or
//! calls something unknown (a function value, a method the runtime
//! dispatches, a built-in that calls back into Ruchy).

use super::{rep, FnLower, Label};
use crate::ir::*;
use ruchy_hir::{self as hir, ExprKind as E, OPTION_ENUM, RESULT_ENUM, VARIANT_ERR, VARIANT_NONE, VARIANT_OK, VARIANT_SOME};
use ruchy_runtime_layout as l;
use ruchy_syntax::Span;

/// Which HIR functions may throw (a fixpoint over direct calls).
pub fn may_throw(program: &hir::Program) -> Vec<bool> {
    let n = program.funcs.len();
    let mut throws = vec![false; n];
    let mut direct: Vec<Vec<hir::FuncId>> = vec![vec![]; n];
    for (i, f) in program.funcs.iter().enumerate() {
        ruchy_hir::visit::walk(&f.body, &mut |e: &hir::Expr| match &e.kind {
            E::Throw(_) | E::MethodCall { .. } | E::Call { callee: hir::Callee::Value(_), .. } => throws[i] = true,
            E::Call { callee: hir::Callee::Func(g), .. } => direct[i].push(*g),
            _ => {}
        });
        // Default arguments are evaluated in the caller, but conservatively
        // count as the callee's.
        for d in f.defaults.iter().flatten() {
            ruchy_hir::visit::walk(d, &mut |e: &hir::Expr| throws[i] |= matches!(e.kind, E::Throw(_)));
        }
    }
    loop {
        let mut changed = false;
        for i in 0..n {
            if !throws[i] && direct[i].iter().any(|&g| throws[g as usize]) {
                throws[i] = true;
                changed = true;
            }
        }
        if !changed {
            return throws;
        }
    }
}

/// Whether a try body contains an early exit (`return`, `break`,
/// `continue`, `?`) that would have to run a `finally` on its way out.
fn has_early_exit(e: &hir::Expr) -> bool {
    let mut found = false;
    ruchy_hir::visit::walk(e, &mut |x: &hir::Expr| {
        found |= matches!(x.kind, E::Return(_) | E::Break { .. } | E::Continue { .. } | E::Question(_));
    });
    found
}

impl<'a> FnLower<'_, 'a> {
    fn exception_global(&mut self, name: &'static str) -> GlobalId {
        if let Some(i) = self.m.exception_globals.iter().position(|(n, _)| *n == name) {
            return self.m.exception_globals[i].1;
        }
        let id = (self.m.program.globals.len() + self.m.exception_globals.len()) as GlobalId;
        self.m.exception_globals.push((name, id));
        id
    }

    pub(super) fn pending_flag(&mut self) -> GlobalId {
        self.exception_global("RT_EXC_PENDING")
    }

    fn exception_value(&mut self) -> GlobalId {
        self.exception_global("RT_EXC_VALUE")
    }

    fn exception_loc(&mut self) -> GlobalId {
        self.exception_global("RT_EXC_LOC")
    }

    fn set_pending(&mut self, on: bool) {
        let g = self.pending_flag();
        let v = self.konst(Lit::I32(on as i32));
        self.emit(Inst::GlobalSet { global: g, value: v });
    }

    /// Leaves for the innermost handler of this function, or returns to the
    /// caller (which tests the flag).
    fn propagate(&mut self) {
        match self.handlers.last() {
            Some(&h) => {
                let d = (self.labels.len() - 1 - h) as u32;
                self.emit(Inst::Br(d));
            }
            None => {
                let z = self.zero(self.f.ret);
                self.emit(Inst::Return(Some(z)));
            }
        }
    }

    /// After a call of a function that may throw: propagate if it did.
    pub(super) fn check_pending(&mut self) {
        let g = self.pending_flag();
        let p = self.var(Ty::I32);
        self.emit(Inst::GlobalGet { dst: p, global: g });
        let then = self.nested(Label::Other, |s| s.propagate());
        self.emit(Inst::If { cond: p, then, else_: vec![] });
    }

    /// Whether a call of HIR function `f` needs a pending test after it.
    pub(super) fn callee_may_throw(&self, f: hir::FuncId) -> bool {
        self.m.may_throw[f as usize]
    }

    pub(super) fn throw(&mut self, x: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let v = self.expr_kept(x, &hir::Ty::Dyn);
        let value = self.exception_value();
        self.emit(Inst::GlobalSet { global: value, value: v });
        let loc = self.loc_const(e.span);
        let at = self.exception_loc();
        self.emit(Inst::GlobalSet { global: at, value: loc });
        self.set_pending(true);
        self.propagate();
        self.zero(rep(&e.ty))
    }

    /// `try { body } catch pat { handler } finally { fin }`.
    pub(super) fn try_expr(&mut self, body: &'a hir::Expr, catch: Option<&'a (hir::Pat, Box<hir::Expr>)>, finally: Option<&'a hir::Expr>, e: &hir::Expr) -> VarId {
        if finally.is_some() && (has_early_exit(body) || catch.is_some_and(|(_, h)| has_early_exit(h))) {
            self.unsupported(e.span, "`return`, `break`, `continue` or `?` inside a `try` with `finally`");
            return self.zero(rep(&e.ty));
        }
        let result = self.var(rep(&e.ty));
        let done = self.labels.len();
        let outer = self.nested(Label::Other, |s| {
            // The body, with this try's handler innermost.
            let caught = s.labels.len();
            let guarded = s.nested(Label::Other, |s| {
                s.handlers.push(caught);
                let v = s.expr_as(body, &e.ty);
                s.handlers.pop();
                s.emit(Inst::Copy { dst: result, src: v });
                let d = (s.labels.len() - 1 - done) as u32;
                s.emit(Inst::Br(d));
            });
            s.emit(Inst::Block(guarded));
            // An exception arrived: take it.
            s.set_pending(false);
            if let Some((pat, handler)) = catch {
                s.catch_clause(pat, handler, result, done, e);
            }
            // Not caught (no clause, no match, or the handler threw):
            // run `finally` with the exception set aside, then re-raise.
            if let Some(fin) = finally {
                s.finally_then_reraise(fin);
            } else {
                s.set_pending(true);
                s.propagate();
            }
        });
        self.emit(Inst::Block(outer));
        if let Some(fin) = finally {
            self.expr(fin);
        }
        result
    }

    /// Binds the exception to `pat`; on a match runs the handler (itself
    /// guarded, so a `finally` still runs if it throws) and leaves to `done`.
    /// Falls through, with the exception still stored, when the pattern does
    /// not match or the handler throws.
    fn catch_clause(&mut self, pat: &'a hir::Pat, handler: &'a hir::Expr, result: VarId, done: usize, e: &hir::Expr) {
        let value = self.exception_value();
        let exc = self.var(Ty::Ref);
        self.emit(Inst::GlobalGet { dst: exc, global: value });
        let no_match = self.labels.len();
        let attempt = self.nested(Label::Other, |s| {
            s.pattern(pat, exc, &hir::Ty::Dyn, no_match);
            s.handlers.push(no_match);
            let v = s.expr_as(handler, &e.ty);
            s.handlers.pop();
            s.emit(Inst::Copy { dst: result, src: v });
            let d = (s.labels.len() - 1 - done) as u32;
            s.emit(Inst::Br(d));
        });
        self.emit(Inst::Block(attempt));
        // A handler that threw replaced the stored exception and set the
        // flag; a failed match left the original stored. Either way the
        // flag is cleared here and set again when re-raising.
        self.set_pending(false);
    }

    fn finally_then_reraise(&mut self, fin: &'a hir::Expr) {
        let (value, at) = (self.exception_value(), self.exception_loc());
        let saved = self.var(Ty::Ref);
        // `saved` is rooted while `finally` runs (the roots pass sees it live
        // across its calls), even if `finally` throws and catches inside.
        self.emit(Inst::GlobalGet { dst: saved, global: value });
        let saved_at = self.var(Ty::I32);
        self.emit(Inst::GlobalGet { dst: saved_at, global: at });
        self.expr(fin);
        self.emit(Inst::GlobalSet { global: value, value: saved });
        self.emit(Inst::GlobalSet { global: at, value: saved_at });
        self.set_pending(true);
        self.propagate();
    }

    /// `x?`: `None`/`Err(_)` return from the function as they are; `Some(v)`
    /// and `Ok(v)` give `v`; any other value passes through (§10).
    pub(super) fn question(&mut self, x: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let v = self.expr_as(x, &hir::Ty::Dyn);
        let is = |s: &mut Self, def: u32, variant: u32| {
            let (d, var) = (s.konst(Lit::I32(def as i32)), s.konst(Lit::I32(variant as i32)));
            s.call_rt_value("rt_is_variant", vec![v, d, var])
        };
        let none = is(self, OPTION_ENUM, VARIANT_NONE);
        let err = is(self, RESULT_ENUM, VARIANT_ERR);
        let early = self.binary(BinOp::I32Or, none, err, e.span);
        let ret_ty = self.hf.ret_ty.clone();
        let leave = self.nested(Label::Other, |s| {
            let r = s.coerce(v, &hir::Ty::Dyn, &ret_ty, e.span);
            s.emit(Inst::Return(Some(r)));
        });
        self.emit(Inst::If { cond: early, then: leave, else_: vec![] });
        let some = is(self, OPTION_ENUM, VARIANT_SOME);
        let ok = is(self, RESULT_ENUM, VARIANT_OK);
        let wrapped = self.binary(BinOp::I32Or, some, ok, e.span);
        let result = self.var(Ty::Ref);
        let payload = self.nested(Label::Other, |s| {
            s.emit(Inst::Load { dst: result, mem: Mem::Ref, addr: v, offset: l::field_offset(0) });
            s.call_rt("rt_share", vec![result]);
        });
        let plain = vec![Inst::Copy { dst: result, src: v }];
        self.emit(Inst::If { cond: wrapped, then: payload, else_: plain });
        self.coerce(result, &hir::Ty::Dyn, &e.ty, e.span)
    }

    /// The `<uncaught>` function `_start` calls when an exception reaches
    /// it: prints the VM's message at the throw's position and exits 1.
    pub(super) fn uncaught(mut self, span: Span) -> Func {
        self.f.name = "<uncaught>".into();
        self.f.ret = Ty::Ref;
        self.f.params = vec![];
        let value = self.exception_value();
        let at = self.exception_loc();
        let v = self.var(Ty::Ref);
        self.emit(Inst::GlobalGet { dst: v, global: value });
        let (bits, kind) = self.slot(v, span);
        let mode = self.konst(Lit::I32(crate::rt::mode::RAW));
        let text = self.call_rt_value("rt_fmt", vec![bits, kind, mode]);
        let prefix = self.str_const("Uncaught exception: ");
        let msg = self.call_rt_value("rt_str_concat", vec![prefix, text]);
        let loc = self.var(Ty::I32);
        self.emit(Inst::GlobalGet { dst: loc, global: at });
        let sixteen = self.konst(Lit::I32(16));
        let line = self.binary(BinOp::I32ShrU, loc, sixteen, span);
        let mask = self.konst(Lit::I32(0xffff));
        let col = self.binary(BinOp::I32And, loc, mask, span);
        self.emit(Inst::Call { dst: None, callee: Callee::Runtime("rt_error"), args: vec![msg, line, col] });
        let z = self.nil();
        self.emit(Inst::Return(Some(z)));
        self.f.body = self.code.pop().unwrap();
        self.f
    }
}
