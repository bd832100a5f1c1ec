//! Lowering of pattern matching: `match`, `if let`, `while let`,
//! destructuring `let` and `for` patterns.
//!
//! A pattern is compiled into tests that branch to a *fail label* on the
//! first mismatch, binding variables as they succeed. A `match` is a
//! `block` per arm: the arm's tests branch out of its block to try the next
//! arm; a successful arm stores the result and branches out of the whole
//! match. Statically typed parts of a value are read inline; dynamic ones
//! are checked with the runtime's shape tests first.

use super::aggregate::elem_ty;
use super::{rep, FnLower, Label};
use crate::ir::*;
use ruchy_hir::{self as hir, Const, PatKind};
use ruchy_runtime_layout as l;
use ruchy_syntax::Span;

impl<'a> FnLower<'_, 'a> {
    /// Depth of a `br` to the label at index `label` of `self.labels`.
    fn depth_to(&self, label: usize) -> u32 {
        (self.labels.len() - 1 - label) as u32
    }

    /// Branches to `fail` when the `i32` bool `ok` is false.
    fn fail_unless(&mut self, ok: VarId, fail: usize, span: Span) {
        let bad = self.unary(UnOp::I32Eqz, ok, span);
        let depth = self.depth_to(fail);
        self.emit(Inst::BrIf { cond: bad, depth });
    }

    /// Emits the tests and bindings of `pat` against `v` (static type `ty`).
    pub(super) fn pattern(&mut self, pat: &'a hir::Pat, v: VarId, ty: &hir::Ty, fail: usize) {
        match &pat.kind {
            PatKind::Wild => {}
            PatKind::Bind(id, sub) => {
                if let Some(sub) = sub {
                    self.pattern(sub, v, ty, fail);
                }
                self.bind(*id, v, ty, pat.span);
            }
            PatKind::Const(c) => {
                let ok = self.equals_const(v, ty, c, pat.span);
                self.fail_unless(ok, fail, pat.span);
            }
            PatKind::Range { lo, hi, inclusive } => {
                if let Some(lo) = lo {
                    let ok = self.compare_const(v, ty, lo, ruchy_syntax::ast::BinOp::Ge, pat.span);
                    self.fail_unless(ok, fail, pat.span);
                }
                if let Some(hi) = hi {
                    let op = if *inclusive { ruchy_syntax::ast::BinOp::Le } else { ruchy_syntax::ast::BinOp::Lt };
                    let ok = self.compare_const(v, ty, hi, op, pat.span);
                    self.fail_unless(ok, fail, pat.span);
                }
            }
            PatKind::Tuple(pats) => self.tuple_pattern(pats, v, ty, fail, pat.span),
            PatKind::Array { before, rest, after } => self.array_pattern(before, rest, after, v, ty, fail, pat.span),
            PatKind::Variant { def, variant, args } => {
                let d = self.coerce(v, ty, &hir::Ty::Dyn, pat.span);
                let (e, var) = (self.konst(Lit::I32(*def as i32)), self.konst(Lit::I32(*variant as i32)));
                let ok = self.call_rt_value("rt_is_variant", vec![d, e, var]);
                self.fail_unless(ok, fail, pat.span);
                for (i, p) in args.iter().enumerate() {
                    let field = self.var(Ty::Ref);
                    self.emit(Inst::Load { dst: field, mem: Mem::Ref, addr: d, offset: l::field_offset(i as u32) });
                    self.pattern(p, field, &hir::Ty::Dyn, fail);
                }
            }
            PatKind::Struct { def, fields } => {
                let typed = *ty == hir::Ty::Struct(*def);
                let d = self.coerce(v, ty, &hir::Ty::Dyn, pat.span);
                if !typed {
                    let e = self.konst(Lit::I32(*def as i32));
                    let ok = self.call_rt_value("rt_is_struct", vec![d, e]);
                    self.fail_unless(ok, fail, pat.span);
                }
                for (fi, p) in fields {
                    let ft = match &self.m.program.structs[*def as usize].field_types[*fi as usize] {
                        hir::Ty::Unknown => hir::Ty::Dyn,
                        t => t.clone(),
                    };
                    let field = self.var(rep(&ft));
                    let mem = match rep(&ft) {
                        Ty::I64 => Mem::I64,
                        Ty::F64 => Mem::F64,
                        Ty::I32 => Mem::I32,
                        Ty::Ref => Mem::Ref,
                    };
                    self.emit(Inst::Load { dst: field, mem, addr: d, offset: l::field_offset(*fi) });
                    self.pattern(p, field, &ft, fail);
                }
            }
            PatKind::Or(alts) => self.or_pattern(alts, v, ty, fail),
        }
    }

    /// Binds local `id` to `v`, sharing it: the value still belongs to
    /// the matched object.
    pub(super) fn bind(&mut self, id: hir::LocalId, v: VarId, ty: &hir::Ty, span: Span) {
        let lt = self.hf.locals[id as usize].ty.clone();
        let v = self.coerce(v, ty, &lt, span);
        if self.f.ty(v) == Ty::Ref {
            self.share(v);
        }
        self.define_local(id, v, span);
    }

    fn const_value(&mut self, c: &Const) -> (VarId, hir::Ty) {
        let ty = match c {
            Const::Int(_) => hir::Ty::Int,
            Const::Float(_) => hir::Ty::Float,
            Const::Bool(_) => hir::Ty::Bool,
            Const::Str(_) => hir::Ty::Str,
            Const::Nil => hir::Ty::Nil,
        };
        (self.constant(c), ty)
    }

    fn equals_const(&mut self, v: VarId, ty: &hir::Ty, c: &Const, span: Span) -> VarId {
        let (k, kty) = self.const_value(c);
        let x = super::Operand { var: v, ty, span };
        let y = super::Operand { var: k, ty: &kty, span };
        self.comparison(ruchy_syntax::ast::BinOp::Eq, x, y, span)
    }

    fn compare_const(&mut self, v: VarId, ty: &hir::Ty, c: &Const, op: ruchy_syntax::ast::BinOp, span: Span) -> VarId {
        let (k, kty) = self.const_value(c);
        let x = super::Operand { var: v, ty, span };
        let y = super::Operand { var: k, ty: &kty, span };
        self.comparison(op, x, y, span)
    }

    fn tuple_pattern(&mut self, pats: &'a [hir::Pat], v: VarId, ty: &hir::Ty, fail: usize, span: Span) {
        if let hir::Ty::Tuple(tys) = ty {
            if tys.len() == pats.len() {
                for (i, (p, t)) in pats.iter().zip(tys.clone()).enumerate() {
                    let t = if t == hir::Ty::Unknown { hir::Ty::Dyn } else { t };
                    let field = self.var(rep(&t));
                    let mem = match rep(&t) {
                        Ty::I64 => Mem::I64,
                        Ty::F64 => Mem::F64,
                        Ty::I32 => Mem::I32,
                        Ty::Ref => Mem::Ref,
                    };
                    self.emit(Inst::Load { dst: field, mem, addr: v, offset: l::field_offset(i as u32) });
                    self.pattern(p, field, &t, fail);
                }
                return;
            }
        }
        let d = self.coerce(v, ty, &hir::Ty::Dyn, span);
        let n = self.konst(Lit::I32(pats.len() as i32));
        let ok = self.call_rt_value("rt_is_tuple", vec![d, n]);
        self.fail_unless(ok, fail, span);
        for (i, p) in pats.iter().enumerate() {
            let idx = self.konst(Lit::I32(i as i32));
            let loc = self.loc_const(span);
            let field = self.call_rt_value("rt_tuple_get", vec![d, idx, loc]);
            self.pattern(p, field, &hir::Ty::Dyn, fail);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn array_pattern(&mut self, before: &'a [hir::Pat], rest: &Option<Option<hir::LocalId>>, after: &'a [hir::Pat], v: VarId, ty: &hir::Ty, fail: usize, span: Span) {
        let d = self.coerce(v, ty, &hir::Ty::Dyn, span);
        let fixed = (before.len() + after.len()) as i64;
        let at_least = self.konst(Lit::I32(rest.is_some() as i32));
        let n = self.konst(Lit::I64(fixed));
        let ok = self.call_rt_value("rt_is_array_len", vec![d, n, at_least]);
        self.fail_unless(ok, fail, span);
        let no_loc = self.konst(Lit::I32(0));
        let len = self.call_rt_value("rt_len", vec![d, no_loc]);
        let elem = elem_ty(ty);
        let item = |s: &mut Self, index: VarId| {
            let boxed = s.call_rt_value("rt_box_int", vec![index]);
            let loc = s.loc_const(span);
            let x = s.call_rt_value("rt_index", vec![d, boxed, loc]);
            s.coerce(x, &hir::Ty::Dyn, &elem, span)
        };
        for (i, p) in before.iter().enumerate() {
            let idx = self.konst(Lit::I64(i as i64));
            let x = item(self, idx);
            self.pattern(p, x, &elem, fail);
        }
        for (i, p) in after.iter().enumerate() {
            let back = self.konst(Lit::I64((after.len() - i) as i64));
            let idx = self.binary(BinOp::I64Sub, len, back, span);
            let x = item(self, idx);
            self.pattern(p, x, &elem, fail);
        }
        if let Some(Some(id)) = rest {
            let start = self.konst(Lit::I64(before.len() as i64));
            let back = self.konst(Lit::I64(after.len() as i64));
            let end = self.binary(BinOp::I64Sub, len, back, span);
            let slice = self.call_rt_value("rt_slice", vec![d, start, end]);
            let t = ty.clone();
            self.bind(*id, slice, &if matches!(t, hir::Ty::Array(_)) { t } else { hir::Ty::Dyn }, span);
        }
    }

    /// `a | b | …`: `block $ok { block { a; br $ok } block { b; br $ok } … br fail }`.
    fn or_pattern(&mut self, alts: &'a [hir::Pat], v: VarId, ty: &hir::Ty, fail: usize) {
        let ok_label = self.labels.len();
        let body = self.nested(Label::Other, |s| {
            for alt in alts {
                let next = s.labels.len();
                let attempt = s.nested(Label::Other, |s| {
                    s.pattern(alt, v, ty, next);
                    let d = s.depth_to(ok_label);
                    s.emit(Inst::Br(d));
                });
                s.emit(Inst::Block(attempt));
            }
            let d = s.depth_to(fail);
            s.emit(Inst::Br(d));
        });
        self.emit(Inst::Block(body));
    }

    /// `match` and `if let`.
    pub(super) fn match_expr(&mut self, scrutinee: &'a hir::Expr, arms: &'a [hir::Arm], exhaustive_error: bool, e: &hir::Expr) -> VarId {
        let result = self.var(rep(&e.ty));
        let v = self.expr(scrutinee);
        let done = self.labels.len();
        let body = self.nested(Label::Other, |s| {
            for arm in arms {
                let next = s.labels.len();
                let attempt = s.nested(Label::Other, |s| {
                    s.pattern(&arm.pat, v, &scrutinee.ty, next);
                    if let Some(g) = &arm.guard {
                        let c = s.cond(g);
                        s.fail_unless(c, next, g.span);
                    }
                    let r = s.expr_as(&arm.body, &e.ty);
                    s.emit(Inst::Copy { dst: result, src: r });
                    let d = s.depth_to(done);
                    s.emit(Inst::Br(d));
                });
                s.emit(Inst::Block(attempt));
            }
            if exhaustive_error {
                let msg = s.m.intern(Static::Str("Runtime error: No match arm matched the value".into()));
                let loc = s.loc(e.span);
                s.fail(msg, loc);
            } else {
                let n = s.nil();
                let n = s.coerce(n, &hir::Ty::Nil, &e.ty, e.span);
                s.emit(Inst::Copy { dst: result, src: n });
            }
        });
        self.emit(Inst::Block(body));
        result
    }

    /// `let pat = init` with a refutable or destructuring pattern: a
    /// mismatch is a runtime error, as in the VM.
    pub(super) fn let_pattern(&mut self, pat: &'a hir::Pat, v: VarId, ty: &hir::Ty, span: Span) {
        let done = self.labels.len();
        let body = self.nested(Label::Other, |s| {
            let failed = s.labels.len();
            let attempt = s.nested(Label::Other, |s| {
                s.pattern(pat, v, ty, failed);
                let d = s.depth_to(done);
                s.emit(Inst::Br(d));
            });
            s.emit(Inst::Block(attempt));
            let msg = s.m.intern(Static::Str("Runtime error: pattern in `let` did not match the value".into()));
            let loc = s.loc(span);
            s.fail(msg, loc);
        });
        self.emit(Inst::Block(body));
    }
}
