//! A reference interpreter for LIR, for differential tests of the optimiser:
//! a module and its optimised form must produce the same trace.
//!
//! Operators follow wasm and the code `ruchy-codegen` emits (checked
//! operators end the run with their location). The runtime is a stand-in:
//! every runtime call is recorded in the trace with its arguments, and
//! returns a value derived from the call's position in the trace and its
//! arguments — the same in both runs as long as the calls are the same.
//! The runtime's error reporters ([`NEVER_RETURN`]) end the run, as the
//! real ones do (`-> !` in `runtime-lib`).
//! Statics get fixed fake addresses. Independent of `ruchy_lir::passes::eval`
//! on purpose, so that folding is checked against a second implementation.

use ruchy_lir::ir::*;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Returned(u64),
    /// A checked operator or `fail` ended the program, at this location.
    Failed(String),
    /// The loop back-edge budget ran out (the optimiser keeps the number of
    /// back-edges taken, so both runs stop at the same point), or the trace
    /// reached [`MAX_TRACE`] runtime calls (the optimiser keeps the trace,
    /// so both stop at the same call: this bounds recursion that branches,
    /// which the back-edge budget does not see).
    OutOfFuel,
    StackOverflow,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub trace: Vec<String>,
    pub outcome: Outcome,
}

/// Runs the module's entry function, then `main` if there is one.
pub fn run(m: &Module, fuel: u64) -> Run {
    let mut i = Interp { m, trace: vec![], fuel, globals: vec![0; m.globals.len()], memory: HashMap::new(), depth: 0 };
    let mut outcome = i.call(m.entry, &[]);
    if let (Outcome::Returned(_), Some(main)) = (&outcome, m.main) {
        outcome = i.call(main, &[]);
    }
    Run { trace: i.trace, outcome }
}

/// How control leaves a body.
enum Flow {
    Next,
    Br(u32),
    Stop(Outcome),
}

struct Interp<'m> {
    m: &'m Module,
    trace: Vec<String>,
    fuel: u64,
    globals: Vec<u64>,
    memory: HashMap<u64, u64>,
    depth: u32,
}

struct Frame {
    vars: Vec<u64>,
}

/// Runtime calls a run may make.
pub const MAX_TRACE: usize = 20_000;

/// Runtime functions that end the program (after the trace records them).
pub const NEVER_RETURN: &[&str] = &["rt_index_error", "rt_error", "rt_arity_error"];

fn static_addr(s: StaticId) -> u64 {
    0x100 + 16 * s as u64
}

impl<'m> Interp<'m> {
    fn call(&mut self, id: FuncId, args: &[u64]) -> Outcome {
        if self.depth > 200 {
            return Outcome::StackOverflow;
        }
        let f = &self.m.funcs[id as usize];
        // wasm locals start at zero.
        let mut fr = Frame { vars: vec![0; f.vars.len()] };
        for (&p, &a) in f.params.iter().zip(args) {
            fr.vars[p as usize] = a;
        }
        self.depth += 1;
        let flow = self.body(&mut fr, &f.body);
        self.depth -= 1;
        match flow {
            Flow::Stop(o) => o,
            _ => panic!("function {} fell off its end", f.name),
        }
    }

    fn body(&mut self, fr: &mut Frame, insts: &[Inst]) -> Flow {
        for i in insts {
            match self.inst(fr, i) {
                Flow::Next => {}
                other => return other,
            }
        }
        Flow::Next
    }

    /// Runs the body of a label that is not a loop: `br 0` ends it.
    fn labelled(&mut self, fr: &mut Frame, insts: &[Inst]) -> Flow {
        match self.body(fr, insts) {
            Flow::Br(0) => Flow::Next,
            Flow::Br(d) => Flow::Br(d - 1),
            other => other,
        }
    }

    fn inst(&mut self, fr: &mut Frame, i: &Inst) -> Flow {
        let v = |fr: &Frame, x: VarId| fr.vars[x as usize];
        match i {
            Inst::Block(b) => return self.labelled(fr, b),
            Inst::If { cond, then, else_ } => {
                let arm = if v(fr, *cond) as u32 != 0 { then } else { else_ };
                return self.labelled(fr, arm);
            }
            Inst::Loop(b) => loop {
                match self.body(fr, b) {
                    Flow::Br(0) => {
                        if self.fuel == 0 {
                            return Flow::Stop(Outcome::OutOfFuel);
                        }
                        self.fuel -= 1;
                    }
                    Flow::Br(d) => return Flow::Br(d - 1),
                    other => return other,
                }
            },
            Inst::Br(d) => return Flow::Br(*d),
            Inst::BrIf { cond, depth } => {
                if v(fr, *cond) as u32 != 0 {
                    return Flow::Br(*depth);
                }
            }
            Inst::Return(r) => return Flow::Stop(Outcome::Returned(r.map_or(0, |r| v(fr, r)))),
            Inst::Fail { msg, loc } => return Flow::Stop(Outcome::Failed(format!("fail s{msg} @{}:{}", loc.line, loc.col))),
            Inst::Const { dst, lit } => {
                fr.vars[*dst as usize] = match *lit {
                    Lit::I32(n) => n as u32 as u64,
                    Lit::I64(n) => n as u64,
                    Lit::F64(x) => x.to_bits(),
                    Lit::Static(s) => static_addr(s),
                    Lit::Null => 0,
                    Lit::TableIndex(f) => 0x200 + f as u64,
                }
            }
            Inst::Copy { dst, src } => fr.vars[*dst as usize] = v(fr, *src),
            Inst::Unary { dst, op, src, loc } => match unary(*op, v(fr, *src)) {
                Some(r) => fr.vars[*dst as usize] = r,
                None => return Flow::Stop(Outcome::Failed(format!("{} @{}:{}", op.name(), loc.line, loc.col))),
            },
            Inst::Binary { dst, op, a, b, loc } => match binary(*op, v(fr, *a), v(fr, *b)) {
                Some(r) => fr.vars[*dst as usize] = r,
                None => return Flow::Stop(Outcome::Failed(format!("{} @{}:{}", op.name(), loc.line, loc.col))),
            },
            Inst::Select { dst, cond, a, b } => {
                fr.vars[*dst as usize] = if v(fr, *cond) as u32 != 0 { v(fr, *a) } else { v(fr, *b) };
            }
            Inst::Call { dst, callee, args, .. } => {
                let vals: Vec<u64> = args.iter().map(|&a| v(fr, a)).collect();
                let r = match callee {
                    Callee::Func(id) => match self.call(*id, &vals) {
                        Outcome::Returned(r) => r,
                        other => return Flow::Stop(other),
                    },
                    Callee::Runtime(name) => {
                        let r = self.runtime(name, &vals);
                        if NEVER_RETURN.contains(name) {
                            return Flow::Stop(Outcome::Failed(name.to_string()));
                        }
                        if self.trace.len() >= MAX_TRACE {
                            return Flow::Stop(Outcome::OutOfFuel);
                        }
                        r
                    }
                };
                if let Some(d) = dst {
                    fr.vars[*d as usize] = r;
                }
            }
            Inst::Load { dst, addr, offset, .. } => fr.vars[*dst as usize] = *self.memory.get(&(v(fr, *addr) + *offset as u64)).unwrap_or(&0),
            Inst::Store { addr, offset, value, .. } => {
                self.memory.insert(v(fr, *addr) + *offset as u64, v(fr, *value));
            }
            Inst::GlobalGet { dst, global } => fr.vars[*dst as usize] = self.globals[*global as usize],
            Inst::GlobalSet { global, value } => self.globals[*global as usize] = v(fr, *value),
            Inst::Root { .. } => {}
        }
        Flow::Next
    }

    /// The stand-in runtime: records the call, returns a value determined by
    /// the trace so far.
    fn runtime(&mut self, name: &str, args: &[u64]) -> u64 {
        let event = format!("{name}({args:x?})");
        let k = self.trace.len() as u64;
        let h = event.bytes().fold(k.wrapping_mul(0x9e37_79b9_7f4a_7c15), |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
        self.trace.push(event);
        match ruchy_lir::rt::lookup(name).and_then(|s| s.ret) {
            Some(Ty::Ref) => 0x10_0000 + 16 * k,
            Some(Ty::I32) => h & 1,
            Some(Ty::F64) => ((h % 1000) as f64).to_bits(),
            _ => h,
        }
    }
}

fn f(x: u64) -> f64 {
    f64::from_bits(x)
}

fn b(x: bool) -> u64 {
    x as u64
}

/// `None`: the operator ends the program with an error.
fn binary(op: BinOp, x: u64, y: u64) -> Option<u64> {
    use BinOp::*;
    let (i, j) = (x as i64, y as i64);
    let (p, q) = (x as u32 as i32, y as u32 as i32);
    Some(match op {
        I64AddChk => i.checked_add(j)? as u64,
        I64SubChk => i.checked_sub(j)? as u64,
        I64MulChk => i.checked_mul(j)? as u64,
        I64DivChk => i.checked_div(j)? as u64,
        I64RemChk if j == 0 => return None,
        I64RemChk => i.wrapping_rem(j) as u64,
        I64Add => i.wrapping_add(j) as u64,
        I64Sub => i.wrapping_sub(j) as u64,
        I64Mul => i.wrapping_mul(j) as u64,
        I64And => x & y,
        I64Or => x | y,
        I64Xor => x ^ y,
        I64Shl => x << (y % 64),
        I64ShrS => (i >> (y % 64)) as u64,
        I64Eq => b(i == j),
        I64Ne => b(i != j),
        I64Lt => b(i < j),
        I64Le => b(i <= j),
        I64Gt => b(i > j),
        I64Ge => b(i >= j),
        I64LtU => b(x < y),
        F64Add => (f(x) + f(y)).to_bits(),
        F64Sub => (f(x) - f(y)).to_bits(),
        F64Mul => (f(x) * f(y)).to_bits(),
        F64Div => (f(x) / f(y)).to_bits(),
        F64Eq => b(f(x) == f(y)),
        F64Ne => b(f(x) != f(y)),
        F64Lt => b(f(x) < f(y)),
        F64Le => b(f(x) <= f(y)),
        F64Gt => b(f(x) > f(y)),
        F64Ge => b(f(x) >= f(y)),
        I32And => (p & q) as u32 as u64,
        I32Or => (p | q) as u32 as u64,
        I32Xor => (p ^ q) as u32 as u64,
        I32Add => p.wrapping_add(q) as u32 as u64,
        I32Mul => p.wrapping_mul(q) as u32 as u64,
        I32Shl => (p << (q as u32 % 32)) as u32 as u64,
        I32ShrU => (x as u32 >> (q as u32 % 32)) as u64,
        I32Eq => b(p == q),
        I32Ne => b(p != q),
        I32Lt => b(p < q),
        I32Le => b(p <= q),
        I32Gt => b(p > q),
        I32Ge => b(p >= q),
    })
}

fn unary(op: UnOp, x: u64) -> Option<u64> {
    use UnOp::*;
    Some(match op {
        I64NegChk => (x as i64).checked_neg()? as u64,
        F64Neg => x ^ (1 << 63),
        I32Eqz => b(x as u32 == 0),
        I64ToF64 => (x as i64 as f64).to_bits(),
        F64ToI64 => f(x) as i64 as u64,
        I32ToI64 | RefBits => x as u32 as u64,
        F64Bits => x,
        I64ToI32 | BitsToRef | RefToI32 => x as u32 as u64,
        BitsToF64 => x,
        I64Extend8S => x as i8 as i64 as u64,
        I64Extend16S => x as i16 as i64 as u64,
        I64Extend32S => x as i32 as i64 as u64,
        F64Sqrt => f(x).sqrt().to_bits(),
        F64Abs => x & !(1 << 63),
        F64Floor => f(x).floor().to_bits(),
        F64Ceil => f(x).ceil().to_bits(),
        F64Trunc => f(x).trunc().to_bits(),
        F64Nearest => f(x).round_ties_even().to_bits(),
    })
}
