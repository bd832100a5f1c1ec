//! LIR → wasm function bodies, with walrus.
//!
//! The walk is direct because LIR's control flow is wasm's. What emission
//! adds: the shadow-stack frame (prologue, epilogue before every return),
//! the recursion-depth guard, and the expansion of Ruchy's checked integer
//! operators into a fast path plus a call of `rt_error` with the VM's
//! message.

use crate::runtime::{wasm_ty, Runtime};
use ruchy_lir::ir::{self, BinOp, Callee, Func, Inst, Lit, Loc, Mem, UnOp};
use ruchy_lir::regalloc::Allocation;
use walrus::ir::{BinaryOp as W, ExtendedLoad, InstrSeqId, LoadKind, MemArg, StoreKind, UnaryOp as U};
use walrus::{FunctionId, GlobalId, InstrSeqBuilder, LocalId, ValType};

/// Frames of at most this many shadow slots are zeroed by one store per
/// slot: wasmtime runs `memory.fill` as a call into the host, which costs
/// more than a few stores on every call of a recursive function.
const INLINE_ZEROED_SLOTS: u32 = 16;

/// Deepest Ruchy call nesting before `Stack overflow`, as in the VM.
pub const MAX_DEPTH: i32 = 200_000;

/// Addresses of the static error messages checked operators print.
pub struct Messages {
    pub add: u32,
    pub sub: u32,
    pub mul: u32,
    pub div: u32,
    pub neg: u32,
    pub div_zero: u32,
    pub overflow: u32,
}

/// Where each LIR global lives.
pub enum GlobalHome {
    Wasm(GlobalId),
    /// A reference global: a fixed shadow-stack slot at this address.
    Slot(u32),
}

/// Everything emission of one function needs, read-only.
pub struct Cx<'a> {
    pub rt: &'a Runtime,
    pub funcs: &'a [FunctionId],
    pub globals: &'a [GlobalHome],
    pub statics: &'a [u32],
    pub msgs: &'a Messages,
    pub depth: GlobalId,
    /// Per LIR function: whether it counts its depth (it calls functions).
    pub guards: &'a [bool],
    /// A helper function `(a, b, loc) -> a * b` that reports overflow.
    pub mul_checked: FunctionId,
    pub table: &'a crate::TableLayout,
    /// SIMD intrinsics built for this module, by name.
    pub intrinsics: &'a std::collections::HashMap<&'static str, FunctionId>,
}

/// Per-function state: wasm locals of the LIR variables and scratch locals.
pub struct FnCx<'a> {
    pub cx: &'a Cx<'a>,
    pub f: &'a Func,
    pub locals: Vec<LocalId>,
    /// Frame pointer (shadow stack) when the function has a frame.
    pub fp: Option<LocalId>,
    pub guards_depth: bool,
    pub t64: [LocalId; 3],
}

fn mem_arg(offset: u32, align: u32) -> MemArg {
    MemArg { align, offset: offset as u64 }
}

impl FnCx<'_> {
    fn local(&self, v: ir::VarId) -> LocalId {
        self.locals[v as usize]
    }

    fn mem(&self) -> walrus::MemoryId {
        self.cx.rt.memory
    }

    fn call(&self, b: &mut InstrSeqBuilder, callee: &Callee, args: &[ir::VarId], dst: Option<ir::VarId>) {
        for a in args {
            b.local_get(self.local(*a));
        }
        b.call(match callee {
            Callee::Func(id) => self.cx.funcs[*id as usize],
            Callee::Runtime(name) => match self.cx.intrinsics.get(name) {
                Some(&f) => f,
                None => self.cx.rt.func(name),
            },
        });
        if let Some(d) = dst {
            b.local_set(self.local(d));
        }
    }

    /// A call of a function that counts its depth: past the VM's limit it
    /// reports `Stack overflow` at the call, as the VM does. Inside code a
    /// `try` can reach the report returns with the error pending; the call
    /// is skipped, and the pending test lowering put after every such call
    /// takes the error to the handler.
    fn guarded_call(&self, b: &mut InstrSeqBuilder, id: ir::FuncId, args: &[ir::VarId], dst: Option<ir::VarId>, loc: Loc) {
        b.global_get(self.cx.depth).i32_const(MAX_DEPTH).binop(W::I32GeS);
        b.if_else(
            None,
            |t| {
                self.report(t, self.cx.msgs.overflow, loc);
                if !self.f.catchable {
                    t.unreachable();
                } else if let Some(d) = dst {
                    self.zero_into(t, d);
                }
            },
            |e| self.call(e, &Callee::Func(id), args, dst),
        );
    }

    /// Sets `v` to a zero of its type (a placeholder nothing reads).
    fn zero_into(&self, b: &mut InstrSeqBuilder, v: ir::VarId) {
        match self.f.ty(v) {
            ir::Ty::I64 => b.i64_const(0),
            ir::Ty::F64 => b.f64_const(0.0),
            ir::Ty::I32 | ir::Ty::Ref => b.i32_const(0),
        };
        b.local_set(self.local(v));
    }

    /// Prologue: recursion guard, then the shadow frame (zeroed so the
    /// collector never reads a stale slot).
    pub fn prologue(&self, b: &mut InstrSeqBuilder) {
        // The limit is tested at call sites ([`FnCx::guarded_call`]), where
        // the call's source position is known.
        if self.guards_depth {
            b.global_get(self.cx.depth).i32_const(1).binop(W::I32Add).global_set(self.cx.depth);
        }
        let Some(fp) = self.fp else { return };
        let bytes = (self.f.frame_slots * 4) as i32;
        let mem = self.mem();
        b.i32_const(self.cx.rt.shadow_sp as i32).load(mem, LoadKind::I32 { atomic: false }, mem_arg(0, 2)).local_tee(fp);
        b.i32_const(bytes).binop(W::I32Add);
        b.i32_const(self.cx.rt.shadow_limit as i32).load(mem, LoadKind::I32 { atomic: false }, mem_arg(0, 2));
        b.binop(W::I32GtU);
        b.if_else(None, |t| {
            t.call(self.cx.rt.func("rt_shadow_overflow")).unreachable();
        }, |_| {});
        b.i32_const(self.cx.rt.shadow_sp as i32).local_get(fp).i32_const(bytes).binop(W::I32Add);
        b.store(mem, StoreKind::I32 { atomic: false }, mem_arg(0, 2));
        if self.f.frame_slots <= INLINE_ZEROED_SLOTS {
            for slot in 0..self.f.frame_slots {
                b.local_get(fp).i32_const(0).store(mem, StoreKind::I32 { atomic: false }, mem_arg(slot * 4, 2));
            }
        } else {
            b.local_get(fp).i32_const(0).i32_const(bytes).memory_fill(mem);
        }
    }

    /// Undoes the prologue; emitted before every return.
    fn epilogue(&self, b: &mut InstrSeqBuilder) {
        if let Some(fp) = self.fp {
            b.i32_const(self.cx.rt.shadow_sp as i32).local_get(fp);
            b.store(self.mem(), StoreKind::I32 { atomic: false }, mem_arg(0, 2));
        }
        if self.guards_depth {
            b.global_get(self.cx.depth).i32_const(1).binop(W::I32Sub).global_set(self.cx.depth);
        }
    }

    pub fn body(&self, b: &mut InstrSeqBuilder, insts: &[Inst], labels: &mut Vec<InstrSeqId>) {
        for i in insts {
            self.inst(b, i, labels);
        }
    }

    fn inst(&self, b: &mut InstrSeqBuilder, i: &Inst, labels: &mut Vec<InstrSeqId>) {
        match i {
            Inst::Const { dst, lit } => {
                match *lit {
                    Lit::I32(n) => b.i32_const(n),
                    Lit::I64(n) => b.i64_const(n),
                    Lit::F64(x) => b.f64_const(x),
                    Lit::Static(s) => b.i32_const(self.cx.statics[s as usize] as i32),
                    Lit::Null => b.i32_const(0),
                    Lit::TableIndex(f) => b.i32_const(self.cx.table.index(f) as i32),
                };
                b.local_set(self.local(*dst));
            }
            Inst::Copy { dst, src } => {
                if dst != src {
                    b.local_get(self.local(*src)).local_set(self.local(*dst));
                }
            }
            Inst::Unary { dst, op, src, loc } => {
                b.local_get(self.local(*src));
                self.unary(b, *op, *loc);
                b.local_set(self.local(*dst));
            }
            Inst::Binary { dst, op, a, b: y, loc } => {
                self.binary(b, *op, self.local(*a), self.local(*y), *loc);
                b.local_set(self.local(*dst));
            }
            Inst::Select { dst, cond, a, b: y } => {
                b.local_get(self.local(*a)).local_get(self.local(*y)).local_get(self.local(*cond)).select(None);
                b.local_set(self.local(*dst));
            }
            Inst::Call { dst, callee: Callee::Func(id), args, loc } if self.cx.guards[*id as usize] => {
                self.guarded_call(b, *id, args, *dst, *loc);
            }
            Inst::Call { dst, callee, args, .. } => self.call(b, callee, args, *dst),
            Inst::Load { dst, mem, addr, offset } => {
                b.local_get(self.local(*addr));
                let (kind, align) = match mem {
                    Mem::I32 | Mem::Ref => (LoadKind::I32 { atomic: false }, 2),
                    Mem::I64 => (LoadKind::I64 { atomic: false }, 3),
                    Mem::F64 => (LoadKind::F64, 3),
                    Mem::U8 => (LoadKind::I32_8 { kind: ExtendedLoad::ZeroExtend }, 0),
                };
                b.load(self.mem(), kind, mem_arg(*offset, align)).local_set(self.local(*dst));
            }
            Inst::Store { mem, addr, offset, value } => {
                b.local_get(self.local(*addr)).local_get(self.local(*value));
                let (kind, align) = match mem {
                    Mem::I32 | Mem::Ref => (StoreKind::I32 { atomic: false }, 2),
                    Mem::I64 => (StoreKind::I64 { atomic: false }, 3),
                    Mem::F64 => (StoreKind::F64, 3),
                    Mem::U8 => (StoreKind::I32_8 { atomic: false }, 0),
                };
                b.store(self.mem(), kind, mem_arg(*offset, align));
            }
            Inst::GlobalGet { dst, global } => {
                match self.cx.globals[*global as usize] {
                    GlobalHome::Wasm(g) => b.global_get(g),
                    GlobalHome::Slot(addr) => b.i32_const(addr as i32).load(self.mem(), LoadKind::I32 { atomic: false }, mem_arg(0, 2)),
                };
                b.local_set(self.local(*dst));
            }
            Inst::GlobalSet { global, value } => match self.cx.globals[*global as usize] {
                GlobalHome::Wasm(g) => {
                    b.local_get(self.local(*value)).global_set(g);
                }
                GlobalHome::Slot(addr) => {
                    b.i32_const(addr as i32).local_get(self.local(*value));
                    b.store(self.mem(), StoreKind::I32 { atomic: false }, mem_arg(0, 2));
                }
            },
            Inst::Block(body) => {
                b.block(None, |inner| {
                    labels.push(inner.id());
                    self.body(inner, body, labels);
                    labels.pop();
                });
            }
            Inst::Loop(body) => {
                b.loop_(None, |inner| {
                    labels.push(inner.id());
                    self.body(inner, body, labels);
                    labels.pop();
                });
            }
            Inst::If { cond, then, else_ } => {
                b.local_get(self.local(*cond));
                let mut else_labels = labels.clone();
                b.if_else(
                    None,
                    |t| {
                        labels.push(t.id());
                        self.body(t, then, labels);
                        labels.pop();
                    },
                    |e| {
                        else_labels.push(e.id());
                        self.body(e, else_, &mut else_labels);
                    },
                );
            }
            Inst::Br(d) => {
                b.br(labels[labels.len() - 1 - *d as usize]);
            }
            Inst::BrIf { cond, depth } => {
                b.local_get(self.local(*cond)).br_if(labels[labels.len() - 1 - *depth as usize]);
            }
            Inst::Return(v) => {
                self.epilogue(b);
                if let Some(v) = v {
                    b.local_get(self.local(*v));
                }
                b.return_();
            }
            Inst::Fail { msg, loc } => self.fail(b, self.cx.statics[*msg as usize], *loc),
            Inst::Root { slot, var } => {
                let fp = self.fp.expect("roots pass gave a rooted function a frame");
                b.local_get(fp).local_get(self.local(*var));
                b.store(self.mem(), StoreKind::I32 { atomic: false }, mem_arg(slot * 4, 2));
            }
        }
    }

    /// `rt_error(msg, line, col)`, which only returns inside a `try`.
    fn report(&self, b: &mut InstrSeqBuilder, msg: u32, loc: Loc) {
        b.i32_const(msg as i32).i32_const(loc.line as i32).i32_const(loc.col as i32);
        b.call(self.cx.rt.func("rt_error"));
    }

    /// `Inst::Fail`: the program ends here (no `try` reaches a `Fail`;
    /// lowering raises and propagates explicitly there).
    fn fail(&self, b: &mut InstrSeqBuilder, msg: u32, loc: Loc) {
        self.report(b, msg, loc);
        b.unreachable();
    }

    /// Emits `if (cond on the stack) { report(msg) }` for a checked
    /// operator. Inside a `try` the report returns with the error pending
    /// and the code goes on with a placeholder result up to the pending
    /// test lowering put after the operator, so what follows the check must
    /// not trap.
    fn fail_if(&self, b: &mut InstrSeqBuilder, msg: u32, loc: Loc) {
        b.if_else(
            None,
            |t| {
                self.report(t, msg, loc);
                // Outside code a `try` can reach, the report never returns;
                // saying so keeps the joined fast path tight (mandelbrot's
                // loop runs in half the time).
                if !self.f.catchable {
                    t.unreachable();
                }
            },
            |_| {},
        );
    }

    /// `x / y` (or `x % y`) with the VM's errors for a zero divisor and,
    /// dividing, for `MIN / -1` (wasm's `rem_s` gives 0 for `MIN % -1`, like
    /// Rust's `wrapping_rem`). The tests read the divisor from `y`, or, in
    /// code a `try` can reach — where a failed test reports and goes on —
    /// from a copy that the failure sets to 1, so the division cannot trap.
    fn checked_division(&self, b: &mut InstrSeqBuilder, x: LocalId, y: LocalId, loc: Loc, rem: bool) {
        let m = self.cx.msgs;
        let catchable = self.f.catchable;
        let d = if catchable { self.t64[1] } else { y };
        if catchable {
            b.local_get(y).local_set(d);
        }
        let fail = |b: &mut InstrSeqBuilder, msg: u32| {
            b.if_else(
                None,
                |t| {
                    self.report(t, msg, loc);
                    if catchable {
                        t.i64_const(1).local_set(d);
                    } else {
                        t.unreachable();
                    }
                },
                |_| {},
            );
        };
        b.local_get(d).unop(U::I64Eqz);
        fail(b, m.div_zero);
        if !rem {
            b.local_get(x).i64_const(i64::MIN).binop(W::I64Eq);
            b.local_get(d).i64_const(-1).binop(W::I64Eq).binop(W::I32And);
            fail(b, m.div);
        }
        b.local_get(x).local_get(d).binop(if rem { W::I64RemS } else { W::I64DivS });
    }

    fn unary(&self, b: &mut InstrSeqBuilder, op: UnOp, loc: Loc) {
        let op = match op {
            UnOp::I64NegChk => {
                let [x, _, _] = self.t64;
                b.local_tee(x).i64_const(i64::MIN).binop(W::I64Eq);
                self.fail_if(b, self.cx.msgs.neg, loc);
                b.i64_const(0).local_get(x).binop(W::I64Sub);
                return;
            }
            UnOp::F64Neg => U::F64Neg,
            UnOp::I32Eqz => U::I32Eqz,
            UnOp::I64ToF64 => U::F64ConvertSI64,
            UnOp::F64ToI64 => U::I64TruncSSatF64,
            UnOp::I32ToI64 | UnOp::RefBits => U::I64ExtendUI32,
            UnOp::F64Bits => U::I64ReinterpretF64,
            UnOp::I64ToI32 | UnOp::BitsToRef => U::I32WrapI64,
            UnOp::BitsToF64 => U::F64ReinterpretI64,
            UnOp::I64Extend8S => U::I64Extend8S,
            UnOp::I64Extend16S => U::I64Extend16S,
            UnOp::I64Extend32S => U::I64Extend32S,
            UnOp::RefToI32 => return,
            UnOp::F64Sqrt => U::F64Sqrt,
            UnOp::F64Abs => U::F64Abs,
            UnOp::F64Floor => U::F64Floor,
            UnOp::F64Ceil => U::F64Ceil,
            UnOp::F64Trunc => U::F64Trunc,
            UnOp::F64Nearest => U::F64Nearest,
        };
        b.unop(op);
    }

    /// Pushes `a op b`.
    fn binary(&self, b: &mut InstrSeqBuilder, op: BinOp, x: LocalId, y: LocalId, loc: Loc) {
        let [r, _, _] = self.t64;
        let m = self.cx.msgs;
        let simple = match op {
            BinOp::I64AddChk => {
                // Overflow iff both operands differ in sign from the result.
                b.local_get(x).local_get(y).binop(W::I64Add).local_set(r);
                b.local_get(x).local_get(r).binop(W::I64Xor);
                b.local_get(y).local_get(r).binop(W::I64Xor);
                b.binop(W::I64And).i64_const(0).binop(W::I64LtS);
                self.fail_if(b, m.add, loc);
                b.local_get(r);
                return;
            }
            BinOp::I64SubChk => {
                // Overflow iff the operands differ in sign and the result's
                // sign differs from the minuend's.
                b.local_get(x).local_get(y).binop(W::I64Sub).local_set(r);
                b.local_get(x).local_get(y).binop(W::I64Xor);
                b.local_get(x).local_get(r).binop(W::I64Xor);
                b.binop(W::I64And).i64_const(0).binop(W::I64LtS);
                self.fail_if(b, m.sub, loc);
                b.local_get(r);
                return;
            }
            BinOp::I64MulChk => {
                // Inline fast path: operands that both fit in 32 bits cannot
                // overflow; otherwise the helper does the full check.
                b.local_get(x).local_get(y).binop(W::I64Mul).local_set(r);
                let fits = |s: &mut InstrSeqBuilder, v: LocalId| {
                    s.local_get(v).i64_const(1 << 31).binop(W::I64Add).i64_const(1 << 32).binop(W::I64LtU);
                };
                fits(b, x);
                fits(b, y);
                b.binop(W::I32And).unop(U::I32Eqz);
                b.if_else(None, |t| {
                    t.local_get(x).local_get(y).i32_const(loc.packed()).call(self.cx.mul_checked).local_set(r);
                }, |_| {});
                b.local_get(r);
                return;
            }
            BinOp::I64DivChk | BinOp::I64RemChk => {
                self.checked_division(b, x, y, loc, op == BinOp::I64RemChk);
                return;
            }
            BinOp::I64Add => W::I64Add,
            BinOp::I64Sub => W::I64Sub,
            BinOp::I64Mul => W::I64Mul,
            BinOp::I64And => W::I64And,
            BinOp::I64Or => W::I64Or,
            BinOp::I64Xor => W::I64Xor,
            BinOp::I64Shl => W::I64Shl,
            BinOp::I64ShrS => W::I64ShrS,
            BinOp::I64Eq => W::I64Eq,
            BinOp::I64Ne => W::I64Ne,
            BinOp::I64Lt => W::I64LtS,
            BinOp::I64Le => W::I64LeS,
            BinOp::I64Gt => W::I64GtS,
            BinOp::I64Ge => W::I64GeS,
            BinOp::F64Add => W::F64Add,
            BinOp::F64Sub => W::F64Sub,
            BinOp::F64Mul => W::F64Mul,
            BinOp::F64Div => W::F64Div,
            BinOp::F64Eq => W::F64Eq,
            BinOp::F64Ne => W::F64Ne,
            BinOp::F64Lt => W::F64Lt,
            BinOp::F64Le => W::F64Le,
            BinOp::F64Gt => W::F64Gt,
            BinOp::F64Ge => W::F64Ge,
            BinOp::I32And => W::I32And,
            BinOp::I32Or => W::I32Or,
            BinOp::I32Xor => W::I32Xor,
            BinOp::I32Add => W::I32Add,
            BinOp::I32Mul => W::I32Mul,
            BinOp::I32Shl => W::I32Shl,
            BinOp::I32ShrU => W::I32ShrU,
            BinOp::I64LtU => W::I64LtU,
            BinOp::I32Eq => W::I32Eq,
            BinOp::I32Ne => W::I32Ne,
            BinOp::I32Lt => W::I32LtS,
            BinOp::I32Le => W::I32LeS,
            BinOp::I32Gt => W::I32GtS,
            BinOp::I32Ge => W::I32GeS,
        };
        b.local_get(x).local_get(y).binop(simple);
    }
}

/// The wasm locals of a function, from the register allocation: the
/// parameters' locals (in parameter order, as wasm requires), and a local
/// per remaining (class, slot) pair. Returns each variable's local and the
/// parameter locals.
pub fn declare_locals(locals: &mut walrus::ModuleLocals, f: &Func, alloc: &Allocation) -> (Vec<LocalId>, Vec<LocalId>) {
    let class = |t: ir::Ty| match wasm_ty(t) {
        ValType::I32 => 0,
        ValType::I64 => 1,
        _ => 2,
    };
    let mut by_slot: [Vec<LocalId>; 3] = [vec![], vec![], vec![]];
    let args: Vec<LocalId> = f
        .params
        .iter()
        .map(|&p| {
            let l = locals.add(wasm_ty(f.ty(p)));
            by_slot[class(f.ty(p))].push(l);
            l
        })
        .collect();
    let ids = f
        .vars
        .iter()
        .enumerate()
        .map(|(v, var)| {
            let (c, slot) = (class(var.ty), alloc.local[v] as usize);
            while by_slot[c].len() <= slot {
                by_slot[c].push(locals.add(wasm_ty(var.ty)));
            }
            by_slot[c][slot]
        })
        .collect();
    (ids, args)
}

/// `(a, b, loc) -> a * b`, ending the program on overflow. Products of
/// operands that both fit in 32 bits cannot overflow, which is the common
/// case and skips the division check.
pub fn build_mul_checked(module: &mut walrus::Module, rt: &Runtime, msg: u32) -> FunctionId {
    let mut fb = walrus::FunctionBuilder::new(&mut module.types, &[ValType::I64, ValType::I64, ValType::I32], &[ValType::I64]);
    let a = module.locals.add(ValType::I64);
    let b = module.locals.add(ValType::I64);
    let loc = module.locals.add(ValType::I32);
    let r = module.locals.add(ValType::I64);
    let fits = |s: &mut InstrSeqBuilder, v: LocalId| {
        s.local_get(v).i64_const(1 << 31).binop(W::I64Add).i64_const(1 << 32).binop(W::I64LtU);
    };
    let error = rt.func("rt_error");
    let mut body = fb.func_body();
    body.local_get(a).local_get(b).binop(W::I64Mul).local_set(r);
    fits(&mut body, a);
    fits(&mut body, b);
    body.binop(W::I32And);
    body.if_else(None, |_| {}, |slow| {
        // r / a != b, or a == -1 && b == MIN (whose quotient check is itself an overflow).
        slow.local_get(a).i64_const(0).binop(W::I64Ne);
        slow.if_else(None, |t| {
            t.local_get(a).i64_const(-1).binop(W::I64Eq);
            t.local_get(b).i64_const(i64::MIN).binop(W::I64Eq).binop(W::I32And);
            t.local_get(a).i64_const(-1).binop(W::I64Ne);
            t.if_else(ValType::I32, |q| {
                q.local_get(r).local_get(a).binop(W::I64DivS).local_get(b).binop(W::I64Ne);
            }, |q| {
                q.i32_const(0);
            });
            t.binop(W::I32Or);
            t.if_else(None, |e| {
                e.i32_const(msg as i32);
                e.local_get(loc).i32_const(16).binop(W::I32ShrU);
                e.local_get(loc).i32_const(0xffff).binop(W::I32And);
                // Returns only inside a `try`: then the wrapped product is
                // the placeholder result.
                e.call(error);
            }, |_| {});
        }, |_| {});
    });
    body.local_get(r);
    fb.name("ruchy:mul_checked".into());
    fb.finish(vec![a, b, loc], &mut module.funcs)
}
