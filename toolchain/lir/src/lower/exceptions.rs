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
//!
//! Runtime errors (a failed check, a runtime function's error) are
//! catchable too, with the message as the value. They only become
//! exceptions in code a `try` can reach ([`catchable`]): there every
//! operation that can fail is followed by a pending test, the error
//! reporters are called in their returning `rt_raise_*` forms, and a failed
//! check's code continues with a placeholder result up to that test. The
//! runtime raises instead of exiting only while `RT_TRY_DEPTH > 0`, which
//! each `try` raises on entry and puts back on every way out, so the same
//! code called outside any `try` still ends the program at once — which is
//! also why code no `try` can reach needs no tests at all.

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

/// Which HIR functions a `try` can reach: those with a `try`, everything
/// they call directly, transitively — and every function as soon as one of
/// those calls something unknown (a function value, a method), which may
/// be any function or closure.
pub fn catchable(program: &hir::Program) -> Vec<bool> {
    let n = program.funcs.len();
    let mut reach = vec![false; n];
    let mut direct: Vec<Vec<hir::FuncId>> = vec![vec![]; n];
    let mut unknown = vec![false; n];
    for (i, f) in program.funcs.iter().enumerate() {
        let mut visit = |e: &hir::Expr| match &e.kind {
            E::Try { .. } => reach[i] = true,
            E::MethodCall { .. } | E::Call { callee: hir::Callee::Value(_), .. } => unknown[i] = true,
            E::Call { callee: hir::Callee::Func(g), .. } => direct[i].push(*g),
            _ => {}
        };
        ruchy_hir::visit::walk(&f.body, &mut visit);
        // Default arguments run in the caller, which is reachable whenever
        // this function is called from reachable code.
        for d in f.defaults.iter().flatten() {
            ruchy_hir::visit::walk(d, &mut visit);
        }
    }
    let mut work: Vec<usize> = (0..n).filter(|&i| reach[i]).collect();
    while let Some(i) = work.pop() {
        if unknown[i] {
            return vec![true; n];
        }
        for &g in &direct[i] {
            if !reach[g as usize] {
                reach[g as usize] = true;
                work.push(g as usize);
            }
        }
    }
    reach
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

/// Whether runtime static `name` is part of the exception state (a program
/// that uses any of it gets the `<uncaught>` reporter).
pub fn is_exception_state(name: &str) -> bool {
    name.starts_with("RT_EXC_") || name == "RT_TRY_DEPTH"
}

impl<'a> FnLower<'_, 'a> {
    fn exception_global(&mut self, name: &'static str) -> GlobalId {
        debug_assert!(is_exception_state(name));
        self.runtime_static(name)
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

    /// 1 when the exception is a runtime error (its value is the message).
    fn exception_is_error(&mut self) -> GlobalId {
        self.exception_global("RT_EXC_ERROR")
    }

    fn try_depth(&mut self) -> GlobalId {
        self.exception_global("RT_TRY_DEPTH")
    }

    /// Enters a `try` body: `RT_TRY_DEPTH += 1`. Returns the depth found,
    /// which [`Self::leave_try`] puts back.
    fn enter_try(&mut self) -> VarId {
        let g = self.try_depth();
        let saved = self.var(Ty::I32);
        self.emit(Inst::GlobalGet { dst: saved, global: g });
        let one = self.konst(Lit::I32(1));
        let deeper = self.var(Ty::I32);
        self.emit(Inst::Binary { dst: deeper, op: BinOp::I32Add, a: saved, b: one, loc: Loc::default() });
        self.emit(Inst::GlobalSet { global: g, value: deeper });
        saved
    }

    fn leave_try(&mut self, saved: VarId) {
        let g = self.try_depth();
        self.emit(Inst::GlobalSet { global: g, value: saved });
    }

    /// Before a `return` (or `?`'s early return): leaves every `try` body
    /// of this function it is inside.
    pub(super) fn leave_tries_for_return(&mut self) {
        if let Some(&(_, saved)) = self.tries.first() {
            self.leave_try(saved);
        }
    }

    /// Before a `br depth`: leaves the `try` bodies between here and its
    /// target.
    pub(super) fn leave_tries_for_branch(&mut self, depth: u32) {
        let target = self.labels.len() - 1 - depth as usize;
        if let Some(&(_, saved)) = self.tries.iter().find(|(label, _)| *label > target) {
            self.leave_try(saved);
        }
    }

    /// After an operation that can fail: in code a `try` can reach, its
    /// error may be pending, so propagate it.
    pub(super) fn after_fallible(&mut self) {
        if self.catchable {
            self.check_pending();
        }
    }

    /// The code of an error reporter's call (`rt_index_error`, …) on a
    /// failure path: in code a `try` can reach, its returning form followed
    /// by propagation.
    pub(super) fn report(&mut self, reporter: &'static str, args: Vec<VarId>) -> Vec<Inst> {
        self.nested(Label::Other, |s| {
            if s.catchable {
                s.emit(Inst::Call { dst: None, callee: Callee::Runtime(crate::rt::raising_form(reporter)), args, loc: Loc::default() });
                s.propagate();
            } else {
                s.emit(Inst::Call { dst: None, callee: Callee::Runtime(reporter), args, loc: Loc::default() });
            }
        })
    }

    /// The runtime error `msg` at `loc`: ends the program, or, in code a
    /// `try` can reach, raises it and propagates.
    pub(super) fn fail(&mut self, msg: StaticId, loc: Loc) {
        if self.catchable {
            let m = self.konst(Lit::Static(msg));
            let line = self.konst(Lit::I32(loc.line as i32));
            let col = self.konst(Lit::I32(loc.col as i32));
            self.emit(Inst::Call { dst: None, callee: Callee::Runtime("rt_raise_error"), args: vec![m, line, col], loc: Loc::default() });
            self.propagate();
        } else {
            self.emit(Inst::Fail { msg, loc });
        }
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
    /// Nothing when the flag was tested since the last operation that could
    /// set it.
    pub(super) fn check_pending(&mut self) {
        if self.pending_tested {
            return;
        }
        let g = self.pending_flag();
        let p = self.var(Ty::I32);
        self.emit(Inst::GlobalGet { dst: p, global: g });
        let then = self.nested(Label::Other, |s| s.propagate());
        self.emit(Inst::If { cond: p, then, else_: vec![] });
        self.pending_tested = true;
    }

    /// Whether a call of HIR function `f` needs a pending test after it:
    /// it may throw, or (in code a `try` can reach) raise a runtime error.
    pub(super) fn callee_may_throw(&self, f: hir::FuncId) -> bool {
        self.m.may_throw[f as usize] || (self.catchable && self.m.catchable[f as usize])
    }

    pub(super) fn throw(&mut self, x: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let v = self.expr_kept(x, &hir::Ty::Dyn);
        let value = self.exception_value();
        self.emit(Inst::GlobalSet { global: value, value: v });
        let loc = self.loc_const(e.span);
        let at = self.exception_loc();
        self.emit(Inst::GlobalSet { global: at, value: loc });
        let is_error = self.exception_is_error();
        let no = self.konst(Lit::I32(0));
        self.emit(Inst::GlobalSet { global: is_error, value: no });
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
            // The body, with this try's handler innermost. Runtime errors
            // are exceptions while it runs (and, when there is a `finally`
            // that must still run, while the handler runs).
            let saved = s.enter_try();
            let caught = s.labels.len();
            let guarded = s.nested(Label::Other, |s| {
                s.handlers.push(caught);
                s.tries.push((caught, saved));
                let v = s.expr_as(body, &e.ty);
                s.tries.pop();
                s.handlers.pop();
                s.emit(Inst::Copy { dst: result, src: v });
                s.leave_try(saved);
                let d = (s.labels.len() - 1 - done) as u32;
                s.emit(Inst::Br(d));
            });
            s.emit(Inst::Block(guarded));
            // An exception arrived: take it.
            s.set_pending(false);
            if finally.is_none() {
                s.leave_try(saved);
            }
            if let Some((pat, handler)) = catch {
                s.catch_clause(pat, handler, result, done, e, finally.is_some().then_some(saved));
            }
            // Not caught (no clause, no match, or the handler threw):
            // run `finally` with the exception set aside, then re-raise.
            if let Some(fin) = finally {
                s.leave_try(saved);
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
    /// guarded, so a `finally` still runs if it throws) and leaves to `done`
    /// — leaving the `try` first when `in_try` holds the depth to put back.
    /// Falls through, with the exception still stored, when the pattern does
    /// not match or the handler throws.
    fn catch_clause(&mut self, pat: &'a hir::Pat, handler: &'a hir::Expr, result: VarId, done: usize, e: &hir::Expr, in_try: Option<VarId>) {
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
            if let Some(saved) = in_try {
                s.leave_try(saved);
            }
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
        let is_error = self.exception_is_error();
        let saved_is_error = self.var(Ty::I32);
        self.emit(Inst::GlobalGet { dst: saved_is_error, global: is_error });
        self.expr(fin);
        self.emit(Inst::GlobalSet { global: value, value: saved });
        self.emit(Inst::GlobalSet { global: at, value: saved_at });
        self.emit(Inst::GlobalSet { global: is_error, value: saved_is_error });
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
            s.leave_tries_for_return();
            s.emit(Inst::Return(Some(r)));
        });
        self.emit(Inst::If { cond: early, then: leave, else_: vec![] });
        let some = is(self, OPTION_ENUM, VARIANT_SOME);
        let ok = is(self, RESULT_ENUM, VARIANT_OK);
        let wrapped = self.binary(BinOp::I32Or, some, ok, e.span);
        let result = self.var(Ty::Ref);
        let payload = self.nested(Label::Other, |s| {
            s.emit(Inst::Load { dst: result, mem: Mem::Ref, addr: v, offset: l::field_offset(0) });
            s.share(result);
        });
        let plain = vec![Inst::Copy { dst: result, src: v }];
        self.emit(Inst::If { cond: wrapped, then: payload, else_: plain });
        self.coerce(result, &hir::Ty::Dyn, &e.ty, e.span)
    }

    /// The `<uncaught>` function `_start` calls when an exception reaches
    /// it: prints the VM's message at the exception's position and exits 1
    /// — `Uncaught exception: {value}` for a thrown value, the error itself
    /// for a runtime error raised inside a `try` that did not catch it.
    pub(super) fn uncaught(mut self, span: Span) -> Func {
        self.f.name = "<uncaught>".into();
        self.f.ret = Ty::Ref;
        self.f.params = vec![];
        self.catchable = false;
        self.f.catchable = false;
        // Every `try` has been left; errors from here on end the program.
        let depth = self.try_depth();
        let zero = self.konst(Lit::I32(0));
        self.emit(Inst::GlobalSet { global: depth, value: zero });
        let (value, at, is_error) = (self.exception_value(), self.exception_loc(), self.exception_is_error());
        let v = self.var(Ty::Ref);
        self.emit(Inst::GlobalGet { dst: v, global: value });
        let loc = self.var(Ty::I32);
        self.emit(Inst::GlobalGet { dst: loc, global: at });
        let sixteen = self.konst(Lit::I32(16));
        let line = self.binary(BinOp::I32ShrU, loc, sixteen, span);
        let mask = self.konst(Lit::I32(0xffff));
        let col = self.binary(BinOp::I32And, loc, mask, span);
        let error = self.var(Ty::I32);
        self.emit(Inst::GlobalGet { dst: error, global: is_error });
        let report_error = vec![Inst::Call { dst: None, callee: Callee::Runtime("rt_error"), args: vec![v, line, col], loc: Loc::default() }];
        let report_thrown = self.nested(Label::Other, |s| {
            let (bits, kind) = s.slot(v, span);
            let mode = s.konst(Lit::I32(crate::rt::mode::RAW));
            let text = s.call_rt_value("rt_fmt", vec![bits, kind, mode]);
            let prefix = s.str_const("Uncaught exception: ");
            let msg = s.call_rt_value("rt_str_concat", vec![prefix, text]);
            s.emit(Inst::Call { dst: None, callee: Callee::Runtime("rt_error"), args: vec![msg, line, col], loc: Loc::default() });
        });
        self.emit(Inst::If { cond: error, then: report_error, else_: report_thrown });
        let z = self.nil();
        self.emit(Inst::Return(Some(z)));
        self.f.body = self.code.pop().unwrap();
        self.f
    }
}
