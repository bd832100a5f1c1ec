//! Lowering of arrays, tuples, structs and enum variants: construction,
//! element and field access, assignment through places (with
//! copy-on-write), and method calls.
//!
//! Layouts are `runtime-lib/ABI.md`'s: an aggregate is a header, a `kinds`
//! word (two bits per field saying how to read its 8-byte slot) and the
//! fields; an array is a header plus a separately allocated block of slots.
//! Statically typed accesses are inline loads and stores; anything whose
//! type is dynamic goes through the runtime's generic entry points.

use super::{rep, FnLower, Label};
use crate::ir::*;
use crate::rt;
use ruchy_hir::{self as hir, ExprKind as E};
use ruchy_runtime_layout as l;
use ruchy_syntax::Span;

/// Methods that mutate their receiver (the VM's `BUILTIN_MUTATORS`): the
/// receiver's place is made unique first and gets the result written back.
pub const BUILTIN_MUTATORS: &[&str] =
    &["push", "pop", "insert", "remove", "clear", "push_str", "append", "extend", "truncate", "swap", "sort_by", "sort_unstable", "retain", "dedup", "reverse_in_place", "drain"];

/// The slot kind storing a value of static type `t`.
pub fn slot_kind(t: &hir::Ty) -> u32 {
    match rep(t) {
        Ty::I64 => l::K_INT,
        Ty::F64 => l::K_FLOAT,
        Ty::I32 => l::K_BOOL,
        Ty::Ref => l::K_PTR,
    }
}

fn mem_of(t: Ty) -> Mem {
    match t {
        Ty::I64 => Mem::I64,
        Ty::F64 => Mem::F64,
        Ty::I32 => Mem::I32,
        Ty::Ref => Mem::Ref,
    }
}

pub use ruchy_hir::share::needs_share;

impl<'a> FnLower<'_, 'a> {
    /// Lowers `e` as a value that will be kept somewhere: shared if it may
    /// still belong to another place.
    pub(super) fn expr_kept(&mut self, e: &'a hir::Expr, to: &hir::Ty) -> VarId {
        let v = self.expr_as(e, to);
        if needs_share(e) && self.f.ty(v) == Ty::Ref {
            self.share(v);
        }
        v
    }

    /// A value as the 8 bits of a slot.
    pub(super) fn to_bits(&mut self, v: VarId, span: Span) -> VarId {
        match self.f.ty(v) {
            Ty::I64 => v,
            Ty::F64 => self.unary(UnOp::F64Bits, v, span),
            Ty::I32 => self.unary(UnOp::I32ToI64, v, span),
            Ty::Ref => self.unary(UnOp::RefBits, v, span),
        }
    }

    fn load(&mut self, t: Ty, addr: VarId, offset: u32) -> VarId {
        let dst = self.var(t);
        self.emit(Inst::Load { dst, mem: mem_of(t), addr, offset });
        dst
    }

    fn store(&mut self, addr: VarId, offset: u32, value: VarId) {
        let mem = mem_of(self.f.ty(value));
        self.emit(Inst::Store { mem, addr, offset, value });
    }

    /// A static string object (names passed to the runtime).
    fn name_const(&mut self, s: &str) -> VarId {
        self.str_const(s)
    }

    // ----- construction -------------------------------------------------------

    pub(super) fn array_lit(&mut self, items: &'a [hir::Expr], e: &hir::Expr) -> VarId {
        self.array_lit_as(items, &e.ty)
    }

    /// An array literal built as a value of array type `ty`.
    pub(super) fn array_lit_as(&mut self, items: &'a [hir::Expr], ty: &hir::Ty) -> VarId {
        let elem = elem_ty(ty);
        // The elements first, in order; then an array with room for exactly
        // them, filled by plain stores (its data block is new and untraced
        // until the length says the slots hold something).
        let values: Vec<(VarId, Span)> = items.iter().map(|it| (self.expr_kept(it, &elem), it.span)).collect();
        self.filled_array(slot_kind(&elem), values)
    }

    /// A new array of slot kind `kind` holding `values` (already evaluated,
    /// in order): one allocation with room for exactly them, then plain
    /// stores (the data block is new, and untraced until the length says
    /// its slots hold something). The values stay references until after
    /// the allocation, so the roots pass keeps them alive across it.
    pub(super) fn filled_array(&mut self, kind: u32, values: Vec<(VarId, Span)>) -> VarId {
        let n = values.len() as i32;
        let kind = self.konst(Lit::I32(kind as i32));
        let cap = self.konst(Lit::I32(n));
        let arr = self.call_rt_value("rt_array_new", vec![kind, cap]);
        if n > 0 {
            let data = self.load(Ty::I32, arr, l::ARRAY_DATA);
            for (i, (v, span)) in values.into_iter().enumerate() {
                let b = self.to_bits(v, span);
                self.emit(Inst::Store { mem: Mem::I64, addr: data, offset: i as u32 * l::SLOT_SIZE, value: b });
            }
            let len = self.konst(Lit::I32(n));
            self.emit(Inst::Store { mem: Mem::I32, addr: arr, offset: l::LEN, value: len });
        }
        arr
    }

    /// `[x; n]`: `n` copies of `x` (shared when `x` is an object).
    pub(super) fn array_repeat(&mut self, item: &'a hir::Expr, count: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let elem = elem_ty(&e.ty);
        let v = self.expr_as(item, &elem);
        let n = self.expr_as(count, &hir::Ty::Int);
        let zero = self.konst(Lit::I64(0));
        let negative = self.binary(BinOp::I64Lt, n, zero, e.span);
        let msg = self.m.intern(Static::Str("Runtime error: array repeat count must be a non-negative integer".into()));
        let loc = self.loc(e.span);
        let then = self.nested(Label::Other, |s| s.fail(msg, loc));
        self.emit(Inst::If { cond: negative, then, else_: vec![] });
        let bits = self.to_bits(v, item.span);
        if self.m.simd && self.f.ty(v) != Ty::Ref {
            return self.simd_fill(slot_kind(&elem), n, bits, e.span);
        }
        if self.f.ty(v) == Ty::Ref {
            self.share(v);
        }
        let kind = self.konst(Lit::I32(slot_kind(&elem) as i32));
        let none = self.konst(Lit::I32(0));
        let arr = self.call_rt_value("rt_array_new", vec![kind, none]);
        let i = self.var(Ty::I64);
        self.emit(Inst::Copy { dst: i, src: zero });
        self.counted_loop(i, n, e.span, |s| {
            s.call_rt("rt_array_push", vec![arr, bits]);
        });
        arr
    }

    /// `block { loop { if i >= n break; body; i += 1; continue } }` with a
    /// plain (non-Ruchy) counter.
    pub(super) fn counted_loop(&mut self, i: VarId, n: VarId, span: Span, body: impl FnOnce(&mut Self)) {
        let exit = self.nested(Label::Other, |s| {
            let top = s.nested(Label::Other, |s| {
                let done = s.binary(BinOp::I64Ge, i, n, span);
                s.emit(Inst::BrIf { cond: done, depth: 1 });
                body(s);
                let one = s.konst(Lit::I64(1));
                let next = s.binary(BinOp::I64Add, i, one, span);
                s.emit(Inst::Copy { dst: i, src: next });
                s.emit(Inst::Br(0));
            });
            s.emit(Inst::Loop(top));
        });
        self.emit(Inst::Block(exit));
    }

    /// Allocates an aggregate and stores its `kinds` word; fields are
    /// stored by the caller.
    fn aggregate(&mut self, kind: u32, type_id: u32, aux: u32, field_kinds: &[u32]) -> VarId {
        let n = field_kinds.len() as u32;
        let meta = self.konst(Lit::I32(l::meta(kind, type_id) as i32));
        let len = self.konst(Lit::I32(n as i32));
        let size = self.konst(Lit::I32(l::aggregate_size(n) as i32));
        let obj = self.call_rt_value("rt_alloc", vec![meta, len, size]);
        let kinds = field_kinds.iter().enumerate().fold(0u64, |k, (i, &fk)| l::with_field_kind(k, i as u32, fk));
        if kinds != 0 {
            let k = self.konst(Lit::I64(kinds as i64));
            self.store(obj, l::AGG_KINDS, k);
        }
        if aux != 0 {
            let a = self.konst(Lit::I32(aux as i32));
            self.store(obj, l::AGG_AUX, a);
        }
        obj
    }

    pub(super) fn tuple_lit(&mut self, items: &'a [hir::Expr], e: &hir::Expr) -> VarId {
        let tys = tuple_tys(&e.ty, items.len());
        let vals: Vec<VarId> = items.iter().zip(&tys).map(|(it, t)| self.expr_kept(it, t)).collect();
        let kinds: Vec<u32> = tys.iter().map(slot_kind).collect();
        let obj = self.aggregate(l::TUPLE, 0, 0, &kinds);
        for (i, v) in vals.into_iter().enumerate() {
            self.store(obj, l::field_offset(i as u32), v);
        }
        obj
    }

    pub(super) fn struct_lit(&mut self, def: hir::StructId, fields: &'a [(u32, hir::Expr)], base: Option<&'a hir::Expr>, span: Span) -> VarId {
        let sd = &self.m.program.structs[def as usize];
        let tys: Vec<hir::Ty> = sd.field_types.iter().map(|t| if *t == hir::Ty::Unknown { hir::Ty::Dyn } else { t.clone() }).collect();
        // Given fields are evaluated in source order.
        let given: Vec<(u32, VarId)> = fields.iter().map(|(i, x)| (*i, self.expr_kept(x, &tys[*i as usize]))).collect();
        let base = base.map(|b| (self.expr(b), b));
        let kinds: Vec<u32> = tys.iter().map(slot_kind).collect();
        let obj = self.aggregate(l::STRUCT, def, 0, &kinds);
        for (fi, ty) in tys.iter().enumerate() {
            let v = match given.iter().find(|(i, _)| *i as usize == fi) {
                Some(&(_, v)) => v,
                None => match (&base, &sd.defaults[fi]) {
                    (Some((b, bx)), _) => {
                        let v = self.struct_field(*b, &bx.ty, def, fi, ty, span);
                        if self.f.ty(v) == Ty::Ref {
                            self.share(v);
                        }
                        v
                    }
                    (None, Some(d)) => self.expr_kept(d, ty),
                    (None, None) => {
                        self.unsupported(span, "struct literals that omit a field without a default");
                        self.zero(rep(ty))
                    }
                },
            };
            self.store(obj, l::field_offset(fi as u32), v);
        }
        obj
    }

    /// Field `fi` of a struct value whose static type is `ty`.
    fn struct_field(&mut self, obj: VarId, obj_ty: &hir::Ty, def: hir::StructId, fi: usize, want: &hir::Ty, span: Span) -> VarId {
        if *obj_ty == hir::Ty::Struct(def) {
            let ft = field_ty(self.m.program, def, fi);
            let v = self.load(rep(&ft), obj, l::field_offset(fi as u32));
            return self.coerce(v, &ft, want, span);
        }
        let name = self.m.program.structs[def as usize].fields[fi].clone();
        let obj = self.coerce(obj, obj_ty, &hir::Ty::Dyn, span);
        let n = self.name_const(&name);
        let loc = self.loc_const(span);
        let v = self.call_rt_value("rt_get_field", vec![obj, n, loc]);
        self.coerce(v, &hir::Ty::Dyn, want, span)
    }

    pub(super) fn variant(&mut self, def: hir::EnumId, variant: u32, args: &'a [hir::Expr]) -> VarId {
        if args.is_empty() {
            let id = self.m.intern(Static::UnitVariant { enum_id: def, variant });
            return self.konst(Lit::Static(id));
        }
        let vals: Vec<VarId> = args.iter().map(|a| self.expr_kept(a, &hir::Ty::Dyn)).collect();
        let kinds = vec![l::K_PTR; vals.len()];
        let obj = self.aggregate(l::VARIANT, def, variant, &kinds);
        for (i, v) in vals.into_iter().enumerate() {
            self.store(obj, l::field_offset(i as u32), v);
        }
        obj
    }

    /// `{k: v, …}`: keys are string-valued expressions.
    pub(super) fn dict_lit(&mut self, entries: &'a [(hir::Expr, hir::Expr)], span: Span) -> VarId {
        let d = self.call_rt_value("rt_dict_new", vec![]);
        for (k, v) in entries {
            let key = self.expr_as(k, &hir::Ty::Dyn);
            let val = self.expr_kept(v, &hir::Ty::Dyn);
            let loc = self.loc_const(span);
            self.call_rt("rt_dict_set", vec![d, key, val, loc]);
        }
        d
    }

    // ----- reads ---------------------------------------------------------------

    pub(super) fn field(&mut self, obj: &'a hir::Expr, name: &str, e: &hir::Expr) -> VarId {
        let o = self.expr(obj);
        if let hir::Ty::Struct(def) = obj.ty {
            if let Some(fi) = self.m.program.structs[def as usize].fields.iter().position(|f| f == name) {
                self.nil_guard(o, obj, |s| {
                    s.generic_field(o, obj, name, e);
                });
                return self.struct_field(o, &obj.ty, def, fi, &e.ty, e.span);
            }
        }
        let v = self.generic_field(o, obj, name, e);
        self.coerce(v, &hir::Ty::Dyn, &e.ty, e.span)
    }

    /// `obj.name` through the runtime (any receiver; the VM's errors).
    fn generic_field(&mut self, o: VarId, obj: &hir::Expr, name: &str, e: &hir::Expr) -> VarId {
        let o = self.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
        let n = self.name_const(name);
        let loc = self.loc_const(e.span);
        self.call_rt_value("rt_get_field", vec![o, n, loc])
    }

    /// A global read before its `let` ran is nil, whatever its type: before
    /// a typed access to one, `report` (the generic access, whose runtime
    /// error is the VM's) runs when the object is nil. Globals set before
    /// any user code runs need no guard (`ready_globals`).
    fn nil_guard(&mut self, o: VarId, obj: &hir::Expr, report: impl FnOnce(&mut Self)) {
        if !matches!(obj.kind, E::Global(g) if !self.m.global_ready[g as usize]) {
            return;
        }
        let addr = self.unary(UnOp::RefToI32, o, obj.span);
        let is_nil = self.unary(UnOp::I32Eqz, addr, obj.span);
        let then = self.nested(Label::Other, report);
        self.emit(Inst::If { cond: is_nil, then, else_: vec![] });
    }

    pub(super) fn tuple_index(&mut self, obj: &'a hir::Expr, i: u32, e: &hir::Expr) -> VarId {
        let o = self.expr(obj);
        if let hir::Ty::Tuple(tys) = &obj.ty {
            if let Some(t) = tys.get(i as usize) {
                let t = t.clone();
                self.nil_guard(o, obj, |s| {
                    let d = s.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
                    let idx = s.konst(Lit::I32(i as i32));
                    let loc = s.loc_const(e.span);
                    s.call_rt_value("rt_tuple_get", vec![d, idx, loc]);
                });
                let v = self.load(rep(&t), o, l::field_offset(i));
                return self.coerce(v, &t, &e.ty, e.span);
            }
        }
        let o = self.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
        let idx = self.konst(Lit::I32(i as i32));
        let loc = self.loc_const(e.span);
        let v = self.call_rt_value("rt_tuple_get", vec![o, idx, loc]);
        self.coerce(v, &hir::Ty::Dyn, &e.ty, e.span)
    }

    pub(super) fn index(&mut self, obj: &'a hir::Expr, idx: &'a hir::Expr, e: &hir::Expr) -> VarId {
        let o = self.expr(obj);
        let i = self.expr(idx);
        if let (hir::Ty::Array(elem), hir::Ty::Int) = (&obj.ty, &idx.ty) {
            let elem = (**elem).clone();
            self.nil_guard(o, obj, |s| {
                let d = s.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
                let di = s.coerce(i, &idx.ty, &hir::Ty::Dyn, idx.span);
                let loc = s.loc_const(e.span);
                s.call_rt_value("rt_index", vec![d, di, loc]);
            });
            let addr = self.element_address(o, i, e.span);
            let v = self.load(rep(&elem), addr, 0);
            return self.coerce(v, &elem, &e.ty, e.span);
        }
        let o = self.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
        let loc = self.loc_const(e.span);
        if idx.ty == hir::Ty::Int {
            let v = self.dyn_index_int(o, i, loc, e.span);
            return self.coerce(v, &hir::Ty::Dyn, &e.ty, e.span);
        }
        let i = self.coerce(i, &idx.ty, &hir::Ty::Dyn, idx.span);
        let v = self.call_rt_value("rt_index", vec![o, i, loc]);
        self.coerce(v, &hir::Ty::Dyn, &e.ty, e.span)
    }

    /// `o[i]` for a dynamic `o` and an int `i`. An array of dynamic values
    /// (pointer slots) indexed inside `0..len` is read inline: the slot
    /// already holds the value. Anything else — another kind of object,
    /// nil, typed slots that need boxing, a negative index, an error — goes
    /// through `rt_index_int`. (binary-trees reads `t[0]` of untyped nodes
    /// millions of times.)
    fn dyn_index_int(&mut self, o: VarId, i: VarId, loc: VarId, span: Span) -> VarId {
        let result = self.var(Ty::Ref);
        let addr = self.unary(UnOp::RefToI32, o, span);
        let zero = self.konst(Lit::I32(0));
        let present = self.binary(BinOp::I32Ne, addr, zero, span);
        // Nil reads address 0's words; `present` discards them.
        let meta = self.load(Ty::I32, o, l::META);
        let mask = self.konst(Lit::I32((l::KIND_MASK | l::ELEM_KIND_MASK << l::ELEM_KIND_SHIFT) as i32));
        let shape = self.binary(BinOp::I32And, meta, mask, span);
        let dyn_array = self.konst(Lit::I32(l::array_meta(l::K_PTR) as i32));
        let is_dyn_array = self.binary(BinOp::I32Eq, shape, dyn_array, span);
        let len32 = self.load(Ty::I32, o, l::LEN);
        let len = self.unary(UnOp::I32ToI64, len32, span);
        // Unsigned: a negative index is out of this range too.
        let inside = self.binary(BinOp::I64LtU, i, len, span);
        let array_inside = self.binary(BinOp::I32And, is_dyn_array, inside, span);
        let fast_ok = self.binary(BinOp::I32And, present, array_inside, span);
        let fast = self.nested(Label::Other, |s| {
            let data = s.load(Ty::I32, o, l::ARRAY_DATA);
            let j32 = s.unary(UnOp::I64ToI32, i, span);
            let three = s.konst(Lit::I32(3));
            let off = s.binary(BinOp::I32Shl, j32, three, span);
            let at = s.binary(BinOp::I32Add, data, off, span);
            let v = s.load(Ty::Ref, at, 0);
            s.emit(Inst::Copy { dst: result, src: v });
        });
        let slow = self.nested(Label::Other, |s| {
            let v = s.call_rt_value("rt_index_int", vec![o, i, loc]);
            s.emit(Inst::Copy { dst: result, src: v });
        });
        self.emit(Inst::If { cond: fast_ok, then: fast, else_: slow });
        result
    }

    /// The address of element `i` (negative counts from the end) of array
    /// `arr`, after the bounds check the VM does (same error message).
    fn element_address(&mut self, arr: VarId, i: VarId, span: Span) -> VarId {
        let len32 = self.load(Ty::I32, arr, l::LEN);
        let len = self.unary(UnOp::I32ToI64, len32, span);
        let zero = self.konst(Lit::I64(0));
        let negative = self.binary(BinOp::I64Lt, i, zero, span);
        let from_end = self.binary(BinOp::I64Add, i, len, span);
        let j = self.var(Ty::I64);
        self.emit(Inst::Select { dst: j, cond: negative, a: from_end, b: i });
        // One unsigned test covers both j < 0 and j >= len.
        let inside = self.binary(BinOp::I64LtU, j, len, span);
        let outside = self.unary(UnOp::I32Eqz, inside, span);
        let what = self.konst(Lit::I32(rt::index_of::ARRAY));
        let loc = self.loc_const(span);
        let report = self.report("rt_index_error", vec![i, len32, what, loc]);
        self.emit(Inst::If { cond: outside, then: report, else_: vec![] });
        let data = self.load(Ty::I32, arr, l::ARRAY_DATA);
        let j32 = self.unary(UnOp::I64ToI32, j, span);
        let three = self.konst(Lit::I32(3));
        let off = self.binary(BinOp::I32Shl, j32, three, span);
        self.binary(BinOp::I32Add, data, off, span)
    }

    // ----- places and copy-on-write ----------------------------------------------

    /// The object a place expression holds, made unique (copied if shared)
    /// and stored back, so it can be mutated in place. Returns the object
    /// and the static type of the place.
    /// `v` made safe to mutate in place: itself unless it is marked shared,
    /// else (the slow path, `rt_make_unique`) an unshared copy. Tested
    /// inline because stores into arrays in loops do this every time. Sound
    /// for any value: the runtime copies only arrays, dicts and non-empty
    /// aggregates, all of them heap objects (no `ir::Static` is one), so an
    /// unmarked object is already unique; nil reads address 0's word, and
    /// whatever that holds the runtime gives nil back.
    /// A value of static type `ty`: an array's slow path is the array-only
    /// copy, so programs without dicts do not link the dict copy.
    pub(super) fn unique(&mut self, v: VarId, ty: &hir::Ty) -> VarId {
        let slow = if matches!(ty, hir::Ty::Array(_)) { "rt_array_make_unique" } else { "rt_make_unique" };
        let u = self.var(Ty::Ref);
        self.emit(Inst::Copy { dst: u, src: v });
        let meta = self.var(Ty::I32);
        self.emit(Inst::Load { dst: meta, mem: Mem::I32, addr: v, offset: l::META });
        let bit = self.konst(Lit::I32(l::SHARED_BIT as i32));
        let shared = self.binary(BinOp::I32And, meta, bit, Span::default());
        let copy = self.nested(Label::Other, |s| {
            let c = s.call_rt_value(slow, vec![v]);
            s.emit(Inst::Copy { dst: u, src: c });
        });
        self.emit(Inst::If { cond: shared, then: copy, else_: vec![] });
        u
    }

    pub(super) fn place_unique(&mut self, e: &'a hir::Expr) -> VarId {
        match &e.kind {
            E::Local(id) => {
                let v = self.read_local(*id, e.span);
                let lt = self.hf.locals[*id as usize].ty.clone();
                if rep(&lt) != Ty::Ref {
                    return self.coerce(v, &lt, &e.ty, e.span);
                }
                let u = self.unique(v, &lt);
                self.write_local(*id, u, e.span);
                u
            }
            E::Global(g) => {
                let gt = self.m.program.globals[*g as usize].ty.clone();
                let dst = self.var(rep(&gt));
                self.emit(Inst::GlobalGet { dst, global: *g });
                if rep(&gt) != Ty::Ref {
                    return self.coerce(dst, &gt, &e.ty, e.span);
                }
                let u = self.unique(dst, &gt);
                self.emit(Inst::GlobalSet { global: *g, value: u });
                u
            }
            E::Field(obj, name) => {
                if let hir::Ty::Struct(def) = obj.ty {
                    if let Some(fi) = self.m.program.structs[def as usize].fields.iter().position(|f| f == name) {
                        let o = self.place_unique(obj);
                        let ft = field_ty(self.m.program, def, fi);
                        let off = l::field_offset(fi as u32);
                        let v = self.load(rep(&ft), o, off);
                        if rep(&ft) != Ty::Ref {
                            return v;
                        }
                        let u = self.unique(v, &ft);
                        self.store(o, off, u);
                        return u;
                    }
                }
                // By name, through the runtime.
                let o = self.place_unique(obj);
                let o = self.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
                let n = self.name_const(name);
                let loc = self.loc_const(e.span);
                let v = self.call_rt_value("rt_get_field", vec![o, n, loc]);
                let u = self.unique(v, &hir::Ty::Dyn);
                self.call_rt("rt_set_field", vec![o, n, u, loc]);
                self.coerce(u, &hir::Ty::Dyn, &e.ty, e.span)
            }
            E::Index(obj, idx) if !(matches!(obj.ty, hir::Ty::Array(_)) && idx.ty == hir::Ty::Int) => {
                let o = self.place_unique(obj);
                let o = self.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
                let i = self.expr_as(idx, &hir::Ty::Dyn);
                let loc = self.loc_const(e.span);
                let v = self.call_rt_value("rt_index", vec![o, i, loc]);
                let u = self.unique(v, &hir::Ty::Dyn);
                self.call_rt("rt_set_index", vec![o, i, u, loc]);
                self.coerce(u, &hir::Ty::Dyn, &e.ty, e.span)
            }
            E::Index(obj, idx) if matches!(obj.ty, hir::Ty::Array(_)) && idx.ty == hir::Ty::Int => {
                let hir::Ty::Array(elem) = &obj.ty else { unreachable!() };
                let elem = (**elem).clone();
                let o = self.place_unique(obj);
                let i = self.expr(idx);
                let addr = self.element_address(o, i, e.span);
                let v = self.load(rep(&elem), addr, 0);
                if rep(&elem) != Ty::Ref {
                    return v;
                }
                let u = self.unique(v, &elem);
                // The array is unique and the copy allocated nothing in it:
                // the element address is still valid.
                let addr = self.element_address(o, i, e.span);
                self.store(addr, 0, u);
                u
            }
            E::Capture(i) => {
                let u = self.capture_unique(*i, e.span);
                self.coerce(u, &hir::Ty::Dyn, &e.ty, e.span)
            }
            _ => {
                // A temporary: nobody else can see a mutation of it.
                self.expr(e)
            }
        }
    }

    /// `place = value` for field, tuple-element and index places.
    pub(super) fn assign_into(&mut self, place: &'a hir::Place, op: Option<ruchy_syntax::ast::BinOp>, value: &'a hir::Expr, span: Span) {
        match place {
            hir::Place::Field(obj, name) => {
                let typed = match obj.ty {
                    hir::Ty::Struct(def) => self.m.program.structs[def as usize].fields.iter().position(|f| f == name).map(|fi| (def, fi)),
                    _ => None,
                };
                let Some((def, fi)) = typed else {
                    // By name, through the runtime (structs and dicts).
                    let o = self.place_unique(obj);
                    let o = self.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
                    let n = self.name_const(name);
                    let loc = self.loc_const(span);
                    let read = |s: &mut Self| s.call_rt_value("rt_get_field", vec![o, n, loc]);
                    let v = self.compound_kept(op, read, &hir::Ty::Dyn, value, span);
                    self.call_rt("rt_set_field", vec![o, n, v, loc]);
                    return;
                };
                let ft = field_ty(self.m.program, def, fi);
                let o = self.place_unique(obj);
                let off = l::field_offset(fi as u32);
                let read = |s: &mut Self| s.load(rep(&ft), o, off);
                let v = self.compound_kept(op, read, &ft, value, span);
                self.store(o, off, v);
            }
            hir::Place::Index(obj, idx) => {
                let o = self.place_unique(obj);
                if let (hir::Ty::Array(elem), hir::Ty::Int) = (&obj.ty, &idx.ty) {
                    let elem = (**elem).clone();
                    let i = self.expr(idx);
                    let addr = self.element_address(o, i, span);
                    let read = |s: &mut Self| s.load(rep(&elem), addr, 0);
                    let v = self.compound_kept(op, read, &elem, value, span);
                    // Re-derive the address: evaluating `value` may have
                    // grown the array (`a[0] = { a.push(1); 2 }`).
                    let addr = self.element_address(o, i, span);
                    self.store(addr, 0, v);
                    return;
                }
                let o = self.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
                let i = self.expr_as(idx, &hir::Ty::Dyn);
                let loc = self.loc_const(span);
                let read = |s: &mut Self| s.call_rt_value("rt_index", vec![o, i, loc]);
                let v = self.compound_kept(op, read, &hir::Ty::Dyn, value, span);
                self.call_rt("rt_set_index", vec![o, i, v, loc]);
            }
            hir::Place::TupleIndex(obj, i) => {
                let hir::Ty::Tuple(tys) = &obj.ty else {
                    self.unsupported(span, "assigning an element of a tuple whose type is not known statically");
                    return;
                };
                let Some(t) = tys.get(*i as usize).cloned() else { return };
                let o = self.place_unique(obj);
                let off = l::field_offset(*i);
                let read = |s: &mut Self| s.load(rep(&t), o, off);
                let v = self.compound_kept(op, read, &t, value, span);
                self.store(o, off, v);
            }
            _ => unreachable!("locals and globals are assigned in mod.rs"),
        }
    }

    /// Like `compound`, sharing a plain assigned value that may belong to
    /// another place.
    fn compound_kept(&mut self, op: Option<ruchy_syntax::ast::BinOp>, read: impl FnOnce(&mut Self) -> VarId, ty: &hir::Ty, value: &'a hir::Expr, span: Span) -> VarId {
        if op.is_none() {
            return self.expr_kept(value, ty);
        }
        self.compound(op, read, ty, value, span)
    }

    // ----- methods --------------------------------------------------------------

    pub(super) fn method_call(&mut self, recv: &'a hir::Expr, name: &str, args: &'a [hir::Expr], e: &hir::Expr) -> VarId {
        if let Some(f) = self.m.program.method_for(&recv.ty, name) {
            return self.user_method(f, recv, args, e);
        }
        if let Some(k) = self.float_method(name, args).filter(|_| recv.ty == hir::Ty::Float) {
            let x = self.expr(recv);
            let r = self.float_method_value(k, x, args, e.span);
            return self.coerce(r, &hir::Ty::Float, &e.ty, e.span);
        }
        if let Some((dict, key, get)) = args.first().filter(|_| name == "unwrap_or" && args.len() == 1).and_then(|a| self.dict_get_or(recv, a)) {
            let d = self.expr(dict);
            let k = self.expr_as(key, &hir::Ty::Dyn);
            let default = self.expr_kept(&args[0], &hir::Ty::Dyn);
            let loc = self.loc_const(get.span);
            let v = self.call_rt_value("rt_dict_get_or", vec![d, k, default, loc]);
            return self.coerce(v, &hir::Ty::Dyn, &e.ty, e.span);
        }
        match (name, &recv.ty, args.len()) {
            ("len", hir::Ty::Array(_), 0) => {
                let o = self.expr(recv);
                let n = self.load(Ty::I32, o, l::LEN);
                let n = self.unary(UnOp::I32ToI64, n, e.span);
                return self.coerce(n, &hir::Ty::Int, &e.ty, e.span);
            }
            ("len", hir::Ty::Str, 0) => {
                let o = self.expr(recv);
                let loc = self.loc_const(e.span);
                let n = self.call_rt_value("rt_len", vec![o, loc]);
                return self.coerce(n, &hir::Ty::Int, &e.ty, e.span);
            }
            // A scalar's text, as the generic `to_string` gives it (the text
            // it contributes to a string concatenation).
            ("to_string", hir::Ty::Int | hir::Ty::Float | hir::Ty::Bool, 0) => {
                let v = self.expr(recv);
                let text = self.concat_text(v, &recv.ty, recv.span);
                return self.coerce(text, &hir::Ty::Str, &e.ty, e.span);
            }
            ("contains_key", hir::Ty::Dict, 1) => {
                let d = self.expr(recv);
                let k = self.expr_as(&args[0], &hir::Ty::Dyn);
                let loc = self.loc_const(e.span);
                let found = self.call_rt_value("rt_dict_contains", vec![d, k, loc]);
                return self.coerce(found, &hir::Ty::Bool, &e.ty, e.span);
            }
            ("push", hir::Ty::Array(elem), 1) => {
                let elem = (**elem).clone();
                let o = self.place_unique(recv);
                let v = self.expr_kept(&args[0], &elem);
                let bits = self.to_bits(v, args[0].span);
                self.call_rt("rt_array_push", vec![o, bits]);
                let n = self.nil();
                return self.coerce(n, &hir::Ty::Nil, &e.ty, e.span);
            }
            _ => {}
        }
        self.generic_method(recv, name, args, e)
    }

    /// `dict.get(key).unwrap_or(default)` on a dict, when it can skip the
    /// Option: no user `get` on dicts, and a default whose evaluation has no
    /// effect (it runs before the lookup here, after it in the generic
    /// path). Returns the dict, the key and the `get` call.
    fn dict_get_or(&self, recv: &'a hir::Expr, default: &hir::Expr) -> Option<(&'a hir::Expr, &'a hir::Expr, &'a hir::Expr)> {
        let E::MethodCall { receiver, method, args } = &recv.kind else { return None };
        let simple = matches!(default.kind, E::Const(_) | E::Local(_));
        (method == "get" && args.len() == 1 && receiver.ty == hir::Ty::Dict && simple && self.m.program.method_for(&receiver.ty, "get").is_none())
            .then_some((&**receiver, &args[0], recv))
    }

    /// How a float method with these arguments is computed without the
    /// generic dispatcher (boxing, an argument array, a by-name lookup): a
    /// wasm instruction, or a math function of the runtime called directly.
    fn float_method(&self, name: &str, args: &[hir::Expr]) -> Option<FloatMethod> {
        let arg_ty = args.first().map(|a| &a.ty);
        Some(match (name, arg_ty) {
            ("sqrt", None) => FloatMethod::Inst(UnOp::F64Sqrt),
            ("abs", None) => FloatMethod::Inst(UnOp::F64Abs),
            ("floor", None) => FloatMethod::Inst(UnOp::F64Floor),
            ("ceil", None) => FloatMethod::Inst(UnOp::F64Ceil),
            ("trunc", None) => FloatMethod::Inst(UnOp::F64Trunc),
            ("powi", Some(hir::Ty::Int)) => FloatMethod::Powi,
            (_, None) => FloatMethod::Math1(rt::math::code(name, 0)?),
            (_, Some(hir::Ty::Float)) => FloatMethod::Math2(rt::math::code(name, 1)?),
            _ => return None,
        })
    }

    fn float_method_value(&mut self, k: FloatMethod, x: VarId, args: &'a [hir::Expr], span: Span) -> VarId {
        match k {
            FloatMethod::Inst(op) => self.unary(op, x, span),
            FloatMethod::Math1(code) => {
                let c = self.konst(Lit::I32(code));
                self.call_rt_value("rt_math1", vec![c, x])
            }
            FloatMethod::Math2(code) => {
                let y = self.expr(&args[0]);
                let c = self.konst(Lit::I32(code));
                self.call_rt_value("rt_math2", vec![c, x, y])
            }
            FloatMethod::Powi => {
                let n = self.expr(&args[0]);
                self.call_rt_value("rt_powi", vec![x, n])
            }
        }
    }

    /// A user method, dispatched statically: the receiver is the first
    /// argument. Methods may mutate `self` in place, so a receiver that is
    /// a place is made unique first.
    fn user_method(&mut self, f: hir::FuncId, recv: &'a hir::Expr, args: &'a [hir::Expr], e: &hir::Expr) -> VarId {
        let callee = &self.m.program.funcs[f as usize];
        let self_ty = callee.locals[callee.params[0] as usize].ty.clone();
        let r = self.place_unique(recv);
        let r = self.coerce(r, &recv.ty, &self_ty, recv.span);
        let mut vals = vec![r];
        for (i, &p) in callee.params.iter().enumerate().skip(1) {
            let pty = callee.locals[p as usize].ty.clone();
            let v = match args.get(i - 1) {
                Some(a) => self.expr_kept(a, &pty),
                None => match &callee.defaults[i] {
                    Some(d) => self.expr_as(d, &pty),
                    None => {
                        self.unsupported(e.span, "method calls with missing arguments");
                        self.zero(rep(&pty))
                    }
                },
            };
            vals.push(v);
        }
        let dst = self.var(rep(&callee.ret_ty));
        let ret = callee.ret_ty.clone();
        self.emit(Inst::Call { dst: Some(dst), callee: Callee::Func(f), args: vals, loc: self.loc(e.span) });
        if self.callee_may_throw(f) {
            self.check_pending();
        }
        self.coerce(dst, &ret, &e.ty, e.span)
    }

    /// Any other method: the runtime's dispatcher on dynamic values.
    fn generic_method(&mut self, recv: &'a hir::Expr, name: &str, args: &'a [hir::Expr], e: &hir::Expr) -> VarId {
        let candidates: Vec<hir::MethodEntry> = self.m.program.methods.iter().filter(|m| m.name == name).cloned().collect();
        let mutating = BUILTIN_MUTATORS.contains(&name) || !candidates.is_empty();
        if mutating && !can_write_back(recv) {
            self.unsupported(e.span, &format!("`{name}` on this receiver"));
            return self.zero(rep(&e.ty));
        }
        let r = if mutating { self.place_unique(recv) } else { self.expr(recv) };
        let r = self.coerce(r, &recv.ty, &hir::Ty::Dyn, recv.span);
        let argv = self.dyn_args(args);
        let result = self.var(Ty::Ref);
        // A receiver whose type is only known at run time may be a struct or
        // enum with a user method of this name: dispatch on its type first
        // (the VM's dynamic method lookup), else the built-in methods.
        let done = self.labels.len();
        let body = self.nested(Label::Other, |s| {
            for m in &candidates {
                s.dispatch_to(m, r, argv, result, done, e);
            }
            let n = s.name_const(name);
            let loc = s.loc_const(e.span);
            let v = s.call_rt_value("rt_method", vec![r, n, argv, loc]);
            s.emit(Inst::Copy { dst: result, src: v });
            // Methods such as `map` call closures, which may throw.
            s.check_pending();
            if BUILTIN_MUTATORS.contains(&name) {
                // The runtime may have replaced the receiver (strings are
                // immutable objects, so `push_str` makes a new one); it hands
                // the receiver's final value over through `rt_take_self`.
                let new_self = s.call_rt_value("rt_take_self", vec![]);
                s.write_back(recv, new_self);
            }
        });
        self.emit(Inst::Block(body));
        self.coerce(result, &hir::Ty::Dyn, &e.ty, e.span)
    }

    /// `if recv is m's owner type { result = m(recv, args…); br done }`.
    fn dispatch_to(&mut self, m: &hir::MethodEntry, recv: VarId, argv: VarId, result: VarId, done: usize, e: &hir::Expr) {
        let (kind, id) = match m.owner {
            hir::TypeRef::Struct(s) => (l::STRUCT, s),
            hir::TypeRef::Enum(en) => (l::VARIANT, en),
        };
        let addr = self.unary(UnOp::RefToI32, recv, e.span);
        let zero = self.konst(Lit::I32(0));
        let present = self.binary(BinOp::I32Ne, addr, zero, e.span);
        // Reading the header of nil reads address 0: harmless, and the
        // `present` test discards it.
        let meta = self.var(Ty::I32);
        self.emit(Inst::Load { dst: meta, mem: Mem::I32, addr: recv, offset: l::META });
        let mask = self.konst(Lit::I32(0xff));
        let k = self.binary(BinOp::I32And, meta, mask, e.span);
        let want_k = self.konst(Lit::I32(kind as i32));
        let kind_ok = self.binary(BinOp::I32Eq, k, want_k, e.span);
        let shift = self.konst(Lit::I32(l::TYPE_ID_SHIFT as i32));
        let tid = self.binary(BinOp::I32ShrU, meta, shift, e.span);
        let want_id = self.konst(Lit::I32(id as i32));
        let id_ok = self.binary(BinOp::I32Eq, tid, want_id, e.span);
        let both = self.binary(BinOp::I32And, kind_ok, id_ok, e.span);
        let is = self.binary(BinOp::I32And, present, both, e.span);
        let call = self.nested(Label::Other, |s| {
            let callee = &s.m.program.funcs[m.func as usize];
            let mut vals = vec![];
            let self_ty = callee.locals[callee.params[0] as usize].ty.clone();
            vals.push(s.coerce(recv, &hir::Ty::Dyn, &self_ty, e.span));
            let loc = s.loc_const(e.span);
            vals.extend(s.argv_args(callee, argv, loc, 1));
            let ret = callee.ret_ty.clone();
            let dst = s.var(rep(&ret));
            s.emit(Inst::Call { dst: Some(dst), callee: Callee::Func(m.func), args: vals, loc: s.loc(e.span) });
            if s.callee_may_throw(m.func) {
                s.check_pending();
            }
            let v = s.coerce(dst, &ret, &hir::Ty::Dyn, e.span);
            s.emit(Inst::Copy { dst: result, src: v });
            let d = (s.labels.len() - 1 - done) as u32;
            s.emit(Inst::Br(d));
        });
        self.emit(Inst::If { cond: is, then: call, else_: vec![] });
    }

    /// Stores a (dynamic) value back into the place a receiver came from
    /// (see [`can_write_back`]); temporaries need nothing.
    fn write_back(&mut self, place: &'a hir::Expr, v: VarId) {
        match &place.kind {
            E::Local(id) => {
                let lt = self.hf.locals[*id as usize].ty.clone();
                let v = self.coerce(v, &hir::Ty::Dyn, &lt, place.span);
                self.write_local(*id, v, place.span);
            }
            E::Global(g) => {
                let gt = self.m.program.globals[*g as usize].ty.clone();
                let v = self.coerce(v, &hir::Ty::Dyn, &gt, place.span);
                self.emit(Inst::GlobalSet { global: *g, value: v });
            }
            E::Capture(i) => {
                let cell = self.capture_cell(*i);
                self.emit(Inst::Store { mem: Mem::Ref, addr: cell, offset: l::field_offset(0), value: v });
            }
            E::Field(obj, name) => {
                let o = self.place_unique(obj);
                let typed = match obj.ty {
                    hir::Ty::Struct(def) => self.m.program.structs[def as usize].fields.iter().position(|f| f == name).map(|fi| (def, fi)),
                    _ => None,
                };
                match typed {
                    Some((def, fi)) => {
                        let ft = field_ty(self.m.program, def, fi);
                        let v = self.coerce(v, &hir::Ty::Dyn, &ft, place.span);
                        self.store(o, l::field_offset(fi as u32), v);
                    }
                    None => {
                        let o = self.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
                        let n = self.name_const(name);
                        let loc = self.loc_const(place.span);
                        self.call_rt("rt_set_field", vec![o, n, v, loc]);
                    }
                }
            }
            E::Index(obj, idx) => {
                let o = self.place_unique(obj);
                let o = self.coerce(o, &obj.ty, &hir::Ty::Dyn, obj.span);
                let i = self.expr_as(idx, &hir::Ty::Dyn);
                let loc = self.loc_const(place.span);
                self.call_rt("rt_set_index", vec![o, i, v, loc]);
            }
            _ => {}
        }
    }
}

/// Whether the receiver of a mutating method is a place its final value can
/// be stored back into without evaluating anything twice: variables,
/// fields of such places, and elements at a variable or constant index.
/// Anything else is a temporary (nothing to store back) unless it reads a
/// place through a computation we would have to repeat.
fn can_write_back(e: &hir::Expr) -> bool {
    match &e.kind {
        E::Local(_) | E::Global(_) | E::Capture(_) => true,
        E::Field(obj, _) => can_write_back(obj),
        E::Index(obj, idx) => can_write_back(obj) && matches!(idx.kind, E::Local(_) | E::Const(_)),
        E::TupleIndex(..) => false,
        _ => !super::aggregate::needs_share(e),
    }
}

/// The element type of an array type (`Dyn` when not statically known).
pub fn elem_ty(t: &hir::Ty) -> hir::Ty {
    match t {
        hir::Ty::Array(e) if **e != hir::Ty::Unknown => (**e).clone(),
        _ => hir::Ty::Dyn,
    }
}

fn tuple_tys(t: &hir::Ty, n: usize) -> Vec<hir::Ty> {
    match t {
        hir::Ty::Tuple(tys) if tys.len() == n => tys.iter().map(|t| if *t == hir::Ty::Unknown { hir::Ty::Dyn } else { t.clone() }).collect(),
        _ => vec![hir::Ty::Dyn; n],
    }
}

fn field_ty(p: &hir::Program, def: hir::StructId, fi: usize) -> hir::Ty {
    match &p.structs[def as usize].field_types[fi] {
        hir::Ty::Unknown => hir::Ty::Dyn,
        t => t.clone(),
    }
}

/// See [`FnLower::float_method`].
#[derive(Clone, Copy)]
enum FloatMethod {
    Inst(UnOp),
    Math1(i32),
    Math2(i32),
    Powi,
}
