//! Random structured LIR functions for differential tests of the optimiser.
//!
//! Programs mix constants (including the edge cases of wasm arithmetic:
//! overflow, shift counts ≥ 64, -0.0, NaN), copies, operators, selects,
//! nested `block`/`loop`/`if` with branches to any enclosing label, early
//! returns and failures, and observable runtime calls. Loops count down a
//! counter of their own so most runs finish. Some variables start undefined;
//! programs the verifier rejects are discarded by the caller.

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

struct Gen<'r> {
    rng: &'r mut Rng,
    /// Enclosing labels, innermost last: true for loops.
    labels: Vec<bool>,
    loops: u32,
    budget: usize,
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

pub fn module(rng: &mut Rng) -> Module {
    let mut vars: Vec<Var> = vec![];
    let mut add = |ty, n| (0..n).for_each(|_| vars.push(Var { ty, name: None }));
    add(Ty::I64, N_I64);
    add(Ty::I32, N_I32);
    add(Ty::F64, N_F64);
    add(Ty::I64, MAX_LOOPS);
    let mut g = Gen { rng, labels: vec![], loops: 0, budget: 50 };
    let mut body = g.initialisers();
    // The top level uses up the whole budget; nested bodies are short.
    while g.budget > 0 {
        g.budget -= 1;
        body.extend(g.inst(3));
    }
    body.push(Inst::Return(Some(i64_var(g.rng.below(N_I64 as usize) as u32))));
    let f = Func { name: "f".into(), params: vec![], ret: Ty::I64, vars, body, frame_slots: 0 };
    module_of(f, vec![Static::Str("boom".into())])
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
    fn initialisers(&mut self) -> Vec<Inst> {
        let mut out = vec![];
        for k in 0..N_I64 {
            if self.rng.chance(75) {
                let lit = self.i64_lit();
                out.push(Inst::Const { dst: i64_var(k), lit });
            }
        }
        for k in 0..N_I32 {
            if self.rng.chance(75) {
                let lit = Lit::I32(self.rng.pick(&[0, 1, -1, 2]));
                out.push(Inst::Const { dst: i32_var(k), lit });
            }
        }
        for k in 0..N_F64 {
            if self.rng.chance(75) {
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

    /// A random variable of type `ty` (never a loop counter).
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
        Inst::Binary { dst: self.var(result), op, a: self.var(operand), b: self.var(operand), loc }
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
        Inst::Call { dst: None, callee: Callee::Runtime(name), args: vec![self.var(ty)] }
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
