//! Random structured LIR functions for differential tests of the optimiser.
//!
//! Programs mix constants (including the edge cases of wasm arithmetic:
//! overflow, shift counts ≥ 64, -0.0, NaN), copies, operators, selects,
//! nested `block`/`loop`/`if` with branches to any enclosing label, early
//! returns and failures, and observable runtime calls. Loops count down a
//! counter of their own so most runs finish. Some variables start undefined;
//! programs the verifier rejects are discarded by the caller.
//!
//! For the interprocedural and memory passes, programs also have: helper
//! functions (tiny, or random and small enough to inline or not, one
//! sometimes recursive with a bounded depth) called from the entry function and from each other, some
//! calls followed by the pending-flag test exception propagation uses
//! (helpers set the flag and return early); loads and stores through a
//! reference (including its header words); two globals; loops counting up
//! to a bound with a checked increment; and the bounds-check shape of an
//! array access (an `if` around a call of `rt_index_error`, which ends the
//! run).

use ruchy_lir::ir::*;

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

const N_I64: u32 = 5;
const N_I32: u32 = 4;
const N_F64: u32 = 3;
/// Loop counters: one per loop nesting level, never touched by other code.
const MAX_LOOPS: u32 = 3;
/// The pending flag (`i32`) and a program global (`i64`).
const PENDING: GlobalId = 0;
const GLOBAL: GlobalId = 1;
/// Helper functions: ids `1..=MAX_HELPERS` (the entry function is 0).
const MAX_HELPERS: u32 = 3;

struct Gen<'r> {
    rng: &'r mut Rng,
    /// Enclosing labels, innermost last: true for loops.
    labels: Vec<bool>,
    loops: u32,
    budget: usize,
    /// Functions this one may call: ids, and whether it may call itself.
    callees: Vec<FuncId>,
    /// This function's id.
    me: FuncId,
}

fn i64_var(k: u32) -> VarId {
    k
}

fn i32_var(k: u32) -> VarId {
    N_I64 + k
}

fn f64_var(k: u32) -> VarId {
    N_I64 + N_I32 + k
}

fn counter(level: u32) -> VarId {
    N_I64 + N_I32 + N_F64 + level
}

/// A reference (nil or a static), always defined: loads and stores use it.
fn ref_var() -> VarId {
    N_I64 + N_I32 + N_F64 + MAX_LOOPS
}

/// An `i64` set once, to a constant, at the start (the peephole pass's
/// divisors and factors).
fn constant_operand() -> VarId {
    ref_var() + 1
}

pub fn module(rng: &mut Rng) -> Module {
    let helpers = rng.below(MAX_HELPERS as usize + 1) as u32;
    // Helpers first (each may call those with smaller ids, helper 1 also
    // itself), then the entry function, which may call any of them.
    let mut funcs: Vec<Func> = vec![];
    for id in 1..=helpers {
        let f = if rng.chance(40) {
            tiny(rng, id)
        } else {
            let budget = 4 + rng.below(24);
            function(rng, id, (1..id).collect(), id == 1, budget, 2)
        };
        funcs.push(f);
    }
    let entry = function(rng, 0, (1..=helpers).collect(), false, 50, 0);
    funcs.insert(0, entry);
    let mut m = module_of(funcs.remove(0), vec![Static::Str("boom".into())]);
    m.funcs.extend(funcs);
    m.globals = vec![
        Global { name: "pending".into(), ty: Ty::I32, kind: GlobalKind::Program },
        Global { name: "g".into(), ty: Ty::I64, kind: GlobalKind::Program },
    ];
    m
}

/// A helper small enough for any inlining budget: `v2 = p0 op p1`, perhaps
/// a "throw" when `v2 > p0` or a return from inside a loop, `return v2`.
fn tiny(rng: &mut Rng, me: FuncId) -> Func {
    use BinOp::*;
    let mut vars: Vec<Var> = vec![];
    vars.extend([Ty::I64, Ty::I64, Ty::I64, Ty::I32, Ty::I32].map(|ty| Var { ty, name: None }));
    let op = rng.pick(&[I64AddChk, I64SubChk, I64MulChk, I64DivChk, I64Add, I64Mul, I64And, I64ShrS]);
    let loc = Loc { line: 200 + me, col: 1 };
    let mut body = vec![Inst::Binary { dst: 2, op, a: 0, b: 1, loc }];
    if rng.chance(30) {
        // block { loop { v3 = v2 > p0; if v3 { return p1 }; br 1 } }
        let test = Inst::Binary { dst: 3, op: I64Gt, a: 2, b: 0, loc };
        let ret = Inst::If { cond: 3, then: vec![Inst::Return(Some(1))], else_: vec![] };
        body.push(Inst::Block(vec![Inst::Loop(vec![test, ret, Inst::Br(1)])]));
    } else if rng.chance(60) {
        body.extend([
            Inst::Binary { dst: 3, op: I64Gt, a: 2, b: 0, loc },
            Inst::If {
                cond: 3,
                then: vec![Inst::Const { dst: 4, lit: Lit::I32(1) }, Inst::GlobalSet { global: PENDING, value: 4 }, Inst::Return(Some(1))],
                else_: vec![],
            },
        ]);
    }
    body.push(Inst::Return(Some(2)));
    Func { name: format!("h{me}"), params: vec![0, 1], ret: Ty::I64, vars, body, frame_slots: 0, catchable: false }
}

/// Function `me` with `params` `i64` parameters (the first variables).
fn function(rng: &mut Rng, me: FuncId, callees: Vec<FuncId>, recursive: bool, budget: usize, params: u32) -> Func {
    let mut vars: Vec<Var> = vec![];
    let mut add = |ty, n| (0..n).for_each(|_| vars.push(Var { ty, name: None }));
    add(Ty::I64, N_I64);
    add(Ty::I32, N_I32);
    add(Ty::F64, N_F64);
    add(Ty::I64, MAX_LOOPS);
    add(Ty::Ref, 1);
    add(Ty::I64, 1);
    let mut callees = callees;
    if recursive {
        callees.push(me);
    }
    let mut g = Gen { rng, labels: vec![], loops: 0, budget, callees, me };
    let mut body = g.initialisers(params);
    if recursive {
        body.extend(g.recursion());
    }
    // The top level uses up the whole budget; nested bodies are short.
    while g.budget > 0 {
        g.budget -= 1;
        body.extend(g.inst(3));
    }
    body.push(Inst::Return(Some(i64_var(g.rng.below(N_I64 as usize) as u32))));
    let name = if me == 0 { "f".to_string() } else { format!("h{me}") };
    Func { name, params: (0..params).map(i64_var).collect(), ret: Ty::I64, vars, body, frame_slots: 0, catchable: false }
}

/// A module whose only function is `f`; the fields besides functions and
/// statics come from lowering an empty program, so that this needs no change
/// when the module grows a field.
pub fn module_of(f: Func, statics: Vec<Static>) -> Module {
    let (ast, _) = ruchy_syntax::parse("");
    let hir = ruchy_hir::check(&ast).expect("the empty program checks");
    let mut m = ruchy_lir::lower::lower(&hir, "", "t.ruchy", true).expect("the empty program lowers");
    m.funcs = vec![f];
    m.globals = vec![];
    m.statics = statics;
    m.entry = 0;
    m.main = None;
    m
}

impl Gen<'_> {
    fn initialisers(&mut self, params: u32) -> Vec<Inst> {
        let r = if self.rng.chance(50) { Lit::Null } else { Lit::Static(0) };
        let k = self.rng.pick(&[2, 4, 8, 1 << 20, 1 << 62, 1, -1, 0, 3, -4]);
        let mut out = vec![Inst::Const { dst: ref_var(), lit: r }, Inst::Const { dst: constant_operand(), lit: Lit::I64(k) }];
        // Helpers leave fewer variables undefined: every function of a
        // module must verify for it to be tested.
        let p = if self.me == 0 { 75 } else { 95 };
        for k in params..N_I64 {
            if self.rng.chance(p) {
                let lit = self.i64_lit();
                out.push(Inst::Const { dst: i64_var(k), lit });
            }
        }
        for k in 0..N_I32 {
            if self.rng.chance(p) {
                let lit = Lit::I32(self.rng.pick(&[0, 1, -1, 2]));
                out.push(Inst::Const { dst: i32_var(k), lit });
            }
        }
        for k in 0..N_F64 {
            if self.rng.chance(p) {
                let lit = self.f64_lit();
                out.push(Inst::Const { dst: f64_var(k), lit });
            }
        }
        out
    }

    fn i64_lit(&mut self) -> Lit {
        Lit::I64(self.rng.pick(&[0, 1, -1, 2, 3, 7, 63, 64, 65, -64, i64::MAX, i64::MIN, 1 << 32]))
    }

    fn f64_lit(&mut self) -> Lit {
        Lit::F64(self.rng.pick(&[0.0, -0.0, 1.5, -2.5, 0.1, 1e308, f64::INFINITY, f64::NAN, 3.0]))
    }

    fn loc(&mut self) -> Loc {
        Loc { line: self.rng.below(100) as u32 + 1, col: 1 }
    }

    fn body(&mut self, depth: u32) -> Vec<Inst> {
        let n = 1 + self.rng.below(6);
        let mut out = vec![];
        for _ in 0..n {
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            out.extend(self.inst(depth));
        }
        out
    }

    fn inst(&mut self, depth: u32) -> Vec<Inst> {
        if self.rng.chance(15) {
            return self.extra(depth);
        }
        let roll = self.rng.below(100);
        match roll {
            0..=9 => vec![self.constant()],
            10..=23 => vec![self.copy()],
            24..=39 => vec![self.binary()],
            40..=45 => vec![self.unary()],
            46..=49 => vec![self.select()],
            50..=61 => vec![self.observe()],
            62..=67 if depth > 0 => vec![self.if_(depth)],
            68..=72 if depth > 0 => vec![Inst::Block(self.nested(depth, false))],
            73..=77 if depth > 0 && self.loops < MAX_LOOPS => self.loop_(depth),
            78..=87 if !self.labels.is_empty() => vec![self.branch()],
            88 => vec![Inst::Return(Some(i64_var(self.rng.below(N_I64 as usize) as u32)))],
            89 if self.rng.chance(30) => vec![Inst::Fail { msg: 0, loc: self.loc() }],
            _ => vec![self.binary()],
        }
    }

    /// The instructions for the interprocedural and memory passes.
    fn extra(&mut self, depth: u32) -> Vec<Inst> {
        let r = ref_var();
        match self.rng.below(10) {
            0 => {
                let (mem, dst, offset) = self.rng.pick(&[(Mem::I64, 0, 8), (Mem::I64, 0, 16), (Mem::I32, 1, 4), (Mem::I32, 1, 0)]);
                let dst = if dst == 0 { self.var(Ty::I64) } else { self.var(Ty::I32) };
                vec![Inst::Load { dst, mem, addr: r, offset }]
            }
            1 => {
                let (mem, offset) = self.rng.pick(&[(Mem::I64, 8), (Mem::I64, 16), (Mem::I32, 4)]);
                let value = if mem == Mem::I64 { self.var(Ty::I64) } else { self.var(Ty::I32) };
                vec![Inst::Store { mem, addr: r, offset, value }]
            }
            2 => vec![Inst::GlobalGet { dst: self.var(Ty::I64), global: GLOBAL }],
            3 => vec![Inst::GlobalSet { global: GLOBAL, value: self.var(Ty::I64) }],
            4 if self.me != 0 => {
                // A "throw": set the pending flag and return.
                let (one, v) = (self.var(Ty::I32), self.var(Ty::I64));
                vec![Inst::Const { dst: one, lit: Lit::I32(1) }, Inst::GlobalSet { global: PENDING, value: one }, Inst::Return(Some(v))]
            }
            5 | 6 if !self.callees.is_empty() => self.call(),
            7 | 8 if depth > 0 && self.loops < MAX_LOOPS => self.counted_loop(depth),
            9 => {
                let idx = self.var(Ty::I64);
                self.bounds_check(idx)
            }
            _ => vec![self.binary()],
        }
    }

    /// A call of a helper, sometimes followed by the pending-flag test.
    fn call(&mut self) -> Vec<Inst> {
        let callee = self.rng.pick(&self.callees.clone());
        if callee == self.me {
            // Only `recursion` calls the function itself (bounded).
            return vec![];
        }
        let args = vec![self.var(Ty::I64), self.var(Ty::I64)];
        let dst = if self.rng.chance(80) { Some(self.var(Ty::I64)) } else { None };
        let mut out = vec![Inst::Call { dst, callee: Callee::Func(callee), args, loc: Loc::default() }];
        if self.rng.chance(60) {
            let p = self.var(Ty::I32);
            out.push(Inst::GlobalGet { dst: p, global: PENDING });
            let leave = if self.labels.is_empty() || self.rng.chance(50) {
                Inst::Return(Some(self.var(Ty::I64)))
            } else {
                let d = self.rng.below(self.labels.len()) as u32 + 1;
                Inst::Br(d)
            };
            out.push(Inst::If { cond: p, then: vec![leave], else_: vec![] });
        }
        out
    }

    /// `d = p0 & 31; if d > 0 { v = self(d - 1, p1) }`: recursion at most
    /// 32 deep.
    fn recursion(&mut self) -> Vec<Inst> {
        let (d, k, c, r) = (i64_var(2), i64_var(3), i32_var(0), i64_var(4));
        vec![
            Inst::Const { dst: k, lit: Lit::I64(31) },
            Inst::Binary { dst: d, op: BinOp::I64And, a: i64_var(0), b: k, loc: Loc::default() },
            Inst::Const { dst: k, lit: Lit::I64(0) },
            Inst::Binary { dst: c, op: BinOp::I64Gt, a: d, b: k, loc: Loc::default() },
            Inst::If {
                cond: c,
                then: vec![
                    Inst::Const { dst: k, lit: Lit::I64(1) },
                    Inst::Binary { dst: d, op: BinOp::I64Sub, a: d, b: k, loc: Loc::default() },
                    Inst::Call { dst: Some(r), callee: Callee::Func(self.me), args: vec![d, i64_var(1)], loc: Loc::default() },
                ],
                else_: vec![Inst::Const { dst: r, lit: Lit::I64(7) }],
            },
        ]
    }

    /// `i = start; block { loop { i >= n (or i > n) → exit; body; i = i
    /// addchk 1 } }` with a length-like or arbitrary bound, and sometimes
    /// the bounds check of an access at `i`.
    fn counted_loop(&mut self, depth: u32) -> Vec<Inst> {
        let i = counter(self.loops);
        self.loops += 1;
        let start = if self.rng.chance(70) { Lit::I64(0) } else { self.i64_lit() };
        let (n, one, c) = (self.var(Ty::I64), self.var(Ty::I64), self.var(Ty::I32));
        let mut out = vec![Inst::Const { dst: i, lit: start }];
        if self.rng.chance(50) {
            // The bound is the "length" in the reference's header.
            let len = self.var(Ty::I32);
            out.push(Inst::Load { dst: len, mem: Mem::I32, addr: ref_var(), offset: 4 });
            out.push(Inst::Unary { dst: n, op: UnOp::I32ToI64, src: len, loc: Loc::default() });
        }
        let test = if self.rng.chance(75) { BinOp::I64Ge } else { BinOp::I64Gt };
        let mut body = vec![Inst::Binary { dst: c, op: test, a: i, b: n, loc: Loc::default() }, Inst::BrIf { cond: c, depth: 1 }];
        self.labels.push(false);
        self.labels.push(true);
        if self.rng.chance(50) {
            body.extend(self.bounds_check(i));
        }
        let inner = self.body(depth - 1);
        body.extend(inner);
        self.labels.pop();
        self.labels.pop();
        let loc = self.loc();
        body.extend([
            Inst::Const { dst: one, lit: Lit::I64(1) },
            Inst::Binary { dst: i, op: BinOp::I64AddChk, a: i, b: one, loc },
            Inst::Br(0),
        ]);
        self.loops -= 1;
        out.push(Inst::Block(vec![Inst::Loop(body)]));
        out
    }

    /// The bounds check of an access at `idx` into the "array" the
    /// reference stands for (`element_address` in `lower/aggregate.rs`).
    fn bounds_check(&mut self, idx: VarId) -> Vec<Inst> {
        let (len32, what) = (self.var(Ty::I32), self.var(Ty::I32));
        let (len, zero, from_end, j) = (self.var(Ty::I64), self.var(Ty::I64), self.var(Ty::I64), self.var(Ty::I64));
        let (neg, inside, outside) = (self.var(Ty::I32), self.var(Ty::I32), self.var(Ty::I32));
        let loc = Loc::default();
        vec![
            Inst::Load { dst: len32, mem: Mem::I32, addr: ref_var(), offset: 4 },
            Inst::Unary { dst: len, op: UnOp::I32ToI64, src: len32, loc },
            Inst::Const { dst: zero, lit: Lit::I64(0) },
            Inst::Binary { dst: neg, op: BinOp::I64Lt, a: idx, b: zero, loc },
            Inst::Binary { dst: from_end, op: BinOp::I64Add, a: idx, b: len, loc },
            Inst::Select { dst: j, cond: neg, a: from_end, b: idx },
            Inst::Binary { dst: inside, op: BinOp::I64LtU, a: j, b: len, loc },
            Inst::Unary { dst: outside, op: UnOp::I32Eqz, src: inside, loc },
            Inst::Const { dst: what, lit: Lit::I32(0) },
            Inst::If {
                cond: outside,
                then: vec![Inst::Call { dst: None, callee: Callee::Runtime("rt_index_error"), args: vec![idx, len32, what, what], loc: Loc::default() }],
                else_: vec![],
            },
        ]
    }

    fn nested(&mut self, depth: u32, is_loop: bool) -> Vec<Inst> {
        self.labels.push(is_loop);
        let b = self.body(depth - 1);
        self.labels.pop();
        b
    }

    fn constant(&mut self) -> Inst {
        match self.rng.below(3) {
            0 => Inst::Const { dst: i64_var(self.rng.below(N_I64 as usize) as u32), lit: self.i64_lit() },
            1 => Inst::Const { dst: i32_var(self.rng.below(N_I32 as usize) as u32), lit: Lit::I32(self.rng.pick(&[0, 1, -1])) },
            _ => Inst::Const { dst: f64_var(self.rng.below(N_F64 as usize) as u32), lit: self.f64_lit() },
        }
    }

    /// A random variable of type `ty` (never a loop counter or the reference).
    fn var(&mut self, ty: Ty) -> VarId {
        match ty {
            Ty::I64 => i64_var(self.rng.below(N_I64 as usize) as u32),
            Ty::I32 => i32_var(self.rng.below(N_I32 as usize) as u32),
            Ty::F64 => f64_var(self.rng.below(N_F64 as usize) as u32),
            Ty::Ref => unreachable!(),
        }
    }

    fn copy(&mut self) -> Inst {
        let ty = self.rng.pick(&[Ty::I64, Ty::I64, Ty::I32, Ty::F64]);
        Inst::Copy { dst: self.var(ty), src: self.var(ty) }
    }

    fn binary(&mut self) -> Inst {
        use BinOp::*;
        let op = self.rng.pick(&[
            I64AddChk, I64SubChk, I64MulChk, I64DivChk, I64RemChk, I64Add, I64Sub, I64Mul, I64And, I64Or, I64Xor, I64Shl, I64ShrS, I64Eq, I64Ne,
            I64Lt, I64Le, I64Gt, I64Ge, F64Add, F64Sub, F64Mul, F64Div, F64Eq, F64Ne, F64Lt, F64Le, F64Gt, F64Ge, I32And, I32Or, I32Xor,
            I32Add, I32Eq, I32Ne, I32Lt, I32Le, I32Gt, I32Ge, I32Mul, I32Shl, I32ShrU, I64LtU,
        ]);
        let (operand, result) = op.types();
        let loc = self.loc();
        let b = if matches!(op, I64DivChk | I64RemChk | I64MulChk) && self.rng.chance(50) { constant_operand() } else { self.var(operand) };
        Inst::Binary { dst: self.var(result), op, a: self.var(operand), b, loc }
    }

    fn unary(&mut self) -> Inst {
        use UnOp::*;
        let op = self.rng.pick(&[
            I64NegChk, F64Neg, I32Eqz, I64ToF64, F64ToI64, I32ToI64, F64Bits, I64ToI32, F64Sqrt, F64Abs, F64Floor, F64Ceil, F64Trunc, F64Nearest,
            BitsToF64,
        ]);
        let (operand, result) = op.types();
        let loc = self.loc();
        Inst::Unary { dst: self.var(result), op, src: self.var(operand), loc }
    }

    fn select(&mut self) -> Inst {
        let ty = self.rng.pick(&[Ty::I64, Ty::I32, Ty::F64]);
        Inst::Select { dst: self.var(ty), cond: self.var(Ty::I32), a: self.var(ty), b: self.var(ty) }
    }

    /// A runtime call the trace records: makes a value observable.
    fn observe(&mut self) -> Inst {
        let (name, ty) = self.rng.pick(&[("rt_box_int", Ty::I64), ("rt_box_float", Ty::F64), ("rt_box_bool", Ty::I32)]);
        Inst::Call { dst: None, callee: Callee::Runtime(name), args: vec![self.var(ty)], loc: Loc::default() }
    }

    fn if_(&mut self, depth: u32) -> Inst {
        let cond = self.var(Ty::I32);
        let then = self.nested(depth, false);
        let else_ = if self.rng.chance(60) { self.nested(depth, false) } else { vec![] };
        Inst::If { cond, then, else_ }
    }

    /// `c = n; loop { body; c = c - 1; br_if (c > 0) 0 }`, sometimes inside
    /// a block the body can leave.
    fn loop_(&mut self, depth: u32) -> Vec<Inst> {
        let c = counter(self.loops);
        self.loops += 1;
        let (one, zero) = (self.var(Ty::I64), self.var(Ty::I64));
        let test = self.var(Ty::I32);
        let mut body = self.nested(depth, true);
        body.extend([
            Inst::Const { dst: one, lit: Lit::I64(1) },
            Inst::Binary { dst: c, op: BinOp::I64Sub, a: c, b: one, loc: Loc::default() },
            Inst::Const { dst: zero, lit: Lit::I64(0) },
            Inst::Binary { dst: test, op: BinOp::I64Gt, a: c, b: zero, loc: Loc::default() },
            Inst::BrIf { cond: test, depth: 0 },
        ]);
        self.loops -= 1;
        let start = Inst::Const { dst: c, lit: Lit::I64(1 + self.rng.below(3) as i64) };
        vec![start, Inst::Loop(body)]
    }

    fn branch(&mut self) -> Inst {
        // Branches back to a loop's start skip its count-down: they use up
        // the interpreter's fuel instead, the same in both runs.
        let depth = self.rng.below(self.labels.len()) as u32;
        if self.rng.chance(50) {
            Inst::Br(depth)
        } else {
            Inst::BrIf { cond: self.var(Ty::I32), depth }
        }
    }
}
