//! SIMD lowering: loops the VM would run element by element that can use
//! wasm's 128-bit vectors without changing any result.
//!
//! Recognised, on float arrays held in local variables:
//! * element-wise maps `for i in lo..hi { c[i] = a[i] OP b[i] }` (also with
//!   a loop-invariant float on either side, and `c[i] OP= …`), OP one of
//!   `+ - * /`. Each lane computes exactly the scalar IEEE operation, so the
//!   results are bit-identical; nothing is reassociated. (Sum and dot
//!   reductions are *not* vectorised: reassociating float additions changes
//!   the result, and integer reductions would move the overflow error.)
//! * fills: `[x; n]` of a scalar element (an `i64x2` splat store).
//!
//! A map runs vectorised only when a run-time test shows the scalar loop
//! could not fail (`0 <= lo <= hi <= len` of every array); otherwise the
//! ordinary loop runs and reports the error exactly as the VM would. The
//! vector loops themselves are codegen intrinsics (`simd_*` in `rt.rs`):
//! two lanes per step plus a scalar tail.

use super::FnLower;
use crate::ir::*;
use ruchy_hir::{self as hir, ExprKind as E, PatKind, Stmt};
use ruchy_runtime_layout as l;
use ruchy_syntax::ast::BinOp as HBin;

/// One side of an element-wise operation.
enum Side<'a> {
    /// `a[i]` for an array local `a`.
    Elem(hir::LocalId),
    /// A loop-invariant float.
    Scalar(&'a hir::Expr),
}

/// `c[i] = x OP y`, recognised.
pub(super) struct MapPlan<'a> {
    dst: hir::LocalId,
    op: HBin,
    x: Side<'a>,
    y: Side<'a>,
}

fn float_array(t: &hir::Ty) -> bool {
    matches!(t, hir::Ty::Array(e) if **e == hir::Ty::Float)
}

/// `a[i]` with `a` a float-array local and `i` the loop variable.
fn elem_of(e: &hir::Expr, i: hir::LocalId) -> Option<hir::LocalId> {
    let E::Index(a, idx) = &e.kind else { return None };
    match (&a.kind, &idx.kind) {
        (E::Local(a_id), E::Local(j)) if *j == i && float_array(&a.ty) => Some(*a_id),
        _ => None,
    }
}

/// A float operand that cannot change during the loop: a constant or a
/// local (the loop body assigns only one array element).
fn invariant(e: &hir::Expr) -> bool {
    e.ty == hir::Ty::Float && matches!(e.kind, E::Const(_) | E::Local(_))
}

fn side(e: &hir::Expr, i: hir::LocalId) -> Option<Side<'_>> {
    match elem_of(e, i) {
        Some(a) => Some(Side::Elem(a)),
        None if invariant(e) => Some(Side::Scalar(e)),
        None => None,
    }
}

/// Recognises a vectorisable map loop body (see the module doc).
pub(super) fn map_plan<'a>(pat: &hir::Pat, body: &'a hir::Expr, locals: &[hir::Local]) -> Option<MapPlan<'a>> {
    let PatKind::Bind(i, None) = pat.kind else { return None };
    if locals[i as usize].captured {
        return None;
    }
    let stmt = match &body.kind {
        E::Block(stmts) if stmts.len() == 1 => match &stmts[0] {
            Stmt::Expr(x) => x,
            _ => return None,
        },
        _ => body,
    };
    let E::Assign { place: hir::Place::Index(c, idx), op, value } = &stmt.kind else { return None };
    let (E::Local(dst), E::Local(j)) = (&c.kind, &idx.kind) else { return None };
    if *j != i || !float_array(&c.ty) || locals[*dst as usize].captured {
        return None;
    }
    let (op, x, y) = match op {
        // `c[i] OP= y` reads `c[i]` first.
        Some(op) => (*op, Side::Elem(*dst), side(value, i)?),
        None => match &value.kind {
            E::Binary(op, a, b) => (*op, side(a, i)?, side(b, i)?),
            _ => return None,
        },
    };
    if !matches!(op, HBin::Add | HBin::Sub | HBin::Mul | HBin::Div) || value.ty != hir::Ty::Float {
        return None;
    }
    let arrays = |s: &Side| match s {
        Side::Elem(a) => !locals[*a as usize].captured,
        Side::Scalar(_) => true,
    };
    if !arrays(&x) || !arrays(&y) || matches!((&x, &y), (Side::Scalar(_), Side::Scalar(_))) {
        return None;
    }
    Some(MapPlan { dst: *dst, op, x, y })
}

fn intrinsic(op: HBin, scalar_left: bool, scalar_right: bool) -> &'static str {
    match (op, scalar_left, scalar_right) {
        (HBin::Add, false, false) => "simd_f64_add",
        (HBin::Sub, false, false) => "simd_f64_sub",
        (HBin::Mul, false, false) => "simd_f64_mul",
        (HBin::Div, false, false) => "simd_f64_div",
        (HBin::Add, _, true) => "simd_f64_add_k",
        (HBin::Sub, _, true) => "simd_f64_sub_k",
        (HBin::Mul, _, true) => "simd_f64_mul_k",
        (HBin::Div, _, true) => "simd_f64_div_k",
        (HBin::Add, true, _) => "simd_f64_k_add",
        (HBin::Sub, true, _) => "simd_f64_k_sub",
        (HBin::Mul, true, _) => "simd_f64_k_mul",
        _ => "simd_f64_k_div",
    }
}

impl<'a> FnLower<'_, 'a> {
    /// The address of element `lo` of array `arr`'s data (`arr` unchanged
    /// until the intrinsic runs, which allocates nothing).
    fn data_at(&mut self, arr: VarId, lo32: VarId, span: ruchy_syntax::Span) -> VarId {
        let data = self.var(Ty::I32);
        self.emit(Inst::Load { dst: data, mem: Mem::I32, addr: arr, offset: l::ARRAY_DATA });
        let three = self.konst(Lit::I32(3));
        let off = self.binary(BinOp::I32Shl, lo32, three, span);
        self.binary(BinOp::I32Add, data, off, span)
    }

    fn array_len(&mut self, arr: VarId, span: ruchy_syntax::Span) -> VarId {
        let n = self.var(Ty::I32);
        self.emit(Inst::Load { dst: n, mem: Mem::I32, addr: arr, offset: l::LEN });
        self.unary(UnOp::I32ToI64, n, span)
    }

    /// Emits `if (no element access can fail) { vector map } else { scalar loop }`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn simd_map_loop(&mut self, plan: MapPlan<'a>, lo: VarId, hi: VarId, inclusive: bool, pat: &'a hir::Pat, body: &'a hir::Expr, e: &hir::Expr) {
        let span = e.span;
        // One past the last index (wraps for `..=i64::MAX`, which then
        // fails the `lo <= end` test and runs the scalar loop).
        let end = if inclusive {
            let one = self.konst(Lit::I64(1));
            self.binary(BinOp::I64Add, hi, one, span)
        } else {
            hi
        };
        // The arrays the loop touches, as they are before it runs.
        let mut arrays = vec![plan.dst];
        for s in [&plan.x, &plan.y] {
            if let Side::Elem(a) = s {
                arrays.push(*a);
            }
        }
        let zero = self.konst(Lit::I64(0));
        let mut ok = self.binary(BinOp::I64Ge, lo, zero, span);
        let ordered = self.binary(BinOp::I64Le, lo, end, span);
        ok = self.binary(BinOp::I32And, ok, ordered, span);
        for &a in &arrays {
            let v = self.read_local(a, span);
            let n = self.array_len(v, span);
            let fits = self.binary(BinOp::I64Le, end, n, span);
            ok = self.binary(BinOp::I32And, ok, fits, span);
        }
        let vector = self.nested(super::Label::Other, |s| {
            // Copy-on-write first, exactly as the first scalar store would.
            let c = s.read_local(plan.dst, span);
            let c = s.unique(c, &hir::Ty::Array(Box::new(hir::Ty::Float)));
            s.write_local(plan.dst, c, span);
            let lo32 = s.unary(UnOp::I64ToI32, lo, span);
            let count = s.binary(BinOp::I64Sub, end, lo, span);
            let count = s.unary(UnOp::I64ToI32, count, span);
            let dst = s.data_at(c, lo32, span);
            let mut args = vec![dst];
            let (mut scalar_left, mut scalar_right) = (false, false);
            for (k, side) in [&plan.x, &plan.y].into_iter().enumerate() {
                match side {
                    Side::Elem(a) => {
                        let v = s.read_local(*a, span);
                        args.push(s.data_at(v, lo32, span));
                    }
                    Side::Scalar(x) => {
                        args.push(s.expr_as(x, &hir::Ty::Float));
                        if k == 0 {
                            scalar_left = true;
                        } else {
                            scalar_right = true;
                        }
                    }
                }
            }
            // Intrinsics take (dst, array operand, [array or scalar], count);
            // a scalar on the left goes second.
            if scalar_left {
                args.swap(1, 2);
            }
            args.push(count);
            s.call_rt(intrinsic(plan.op, scalar_left, scalar_right), args);
        });
        let scalar = self.nested(super::Label::Other, |s| {
            s.range_loop_from(pat, lo, hi, inclusive, body, e);
        });
        self.emit(Inst::If { cond: ok, then: vector, else_: scalar });
    }

    /// `[x; n]` for a scalar element: one allocation, then a vector fill.
    pub(super) fn simd_fill(&mut self, kind: u32, n: VarId, bits: VarId, span: ruchy_syntax::Span) -> VarId {
        let k = self.konst(Lit::I32(kind as i32));
        let n32 = self.unary(UnOp::I64ToI32, n, span);
        let arr = self.call_rt_value("rt_array_new", vec![k, n32]);
        self.emit(Inst::Store { mem: Mem::I32, addr: arr, offset: l::LEN, value: n32 });
        let zero = self.konst(Lit::I32(0));
        let data = self.data_at(arr, zero, span);
        self.call_rt("simd_fill64", vec![data, bits, n32]);
        arr
    }
}
