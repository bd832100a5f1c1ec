//! The LIR verifier: checks the invariants listed in [`crate::ir`]. It runs
//! after lowering and after every pass in debug builds and tests; a failure
//! is a compiler bug, reported with the function and the offending
//! instruction.
//!
//! "Defined before use" is checked by a definite-assignment analysis that
//! follows branches to their labels exactly, so it accepts every program in
//! which each use is preceded by a definition on every control-flow path —
//! in particular the optimised forms where a dead initial definition was
//! removed because every path redefines the variable before a branch out.

use crate::ir::*;
use crate::rt;

pub fn verify(m: &Module) -> Result<(), String> {
    for (id, f) in m.funcs.iter().enumerate() {
        verify_func(m, f).map_err(|e| format!("LIR verifier: fn #{id} {}: {e}", f.name))?;
    }
    Ok(())
}

struct Checker<'a> {
    m: &'a Module,
    f: &'a Func,
    /// Variables defined on every path reaching the current point. After a
    /// branch, return or failure the point is unreachable and every variable
    /// counts as defined (the identity of the meet below).
    defined: Vec<bool>,
    /// One entry per enclosing structured instruction, innermost last.
    labels: Vec<Target>,
}

/// What is known at a label's branch target.
enum Target {
    /// A `loop`: branches go back to its start, where what is defined is
    /// what was defined on entry (definitions only accumulate along a path),
    /// so they tell nothing new.
    Loop,
    /// A `block` or `if`: the meet of what is defined on every branch to
    /// its end seen so far.
    End(Vec<bool>),
}

fn verify_func(m: &Module, f: &Func) -> Result<(), String> {
    let mut c = Checker { m, f, defined: vec![false; f.vars.len()], labels: vec![] };
    for &p in &f.params {
        c.var(p)?;
        c.defined[p as usize] = true;
    }
    c.body(&f.body)?;
    if !f.body.last().is_some_and(Inst::is_terminator) {
        return Err("body does not end in return".into());
    }
    Ok(())
}

impl Checker<'_> {
    fn var(&self, v: VarId) -> Result<Ty, String> {
        self.f.vars.get(v as usize).map(|x| x.ty).ok_or_else(|| format!("v{v} is not declared"))
    }

    fn expect(&self, v: VarId, ty: Ty, what: &str) -> Result<(), String> {
        let have = self.var(v)?;
        if have != ty {
            return Err(format!("{what}: v{v} is {} but {} is required", have.name(), ty.name()));
        }
        Ok(())
    }

    fn used(&self, v: VarId, what: &str) -> Result<(), String> {
        self.var(v)?;
        if !self.defined[v as usize] {
            return Err(format!("{what}: v{v} is used before it is defined"));
        }
        Ok(())
    }

    /// Checks a body. Returns with `defined` holding what is defined where
    /// control falls off its end.
    fn body(&mut self, insts: &[Inst]) -> Result<(), String> {
        for i in insts {
            self.inst(i)?;
        }
        Ok(())
    }

    fn inst(&mut self, i: &Inst) -> Result<(), String> {
        let what = format!("{i:?}").chars().take(80).collect::<String>();
        for u in uses(i) {
            self.used(u, &what)?;
        }
        self.types(i, &what)?;
        match i {
            Inst::Block(b) => {
                self.labels.push(Target::End(self.everything()));
                self.body(b)?;
                self.meet_label_end();
            }
            Inst::Loop(b) => {
                self.labels.push(Target::Loop);
                self.body(b)?;
                self.labels.pop();
            }
            Inst::If { then, else_, .. } => {
                self.labels.push(Target::End(self.everything()));
                let before = self.defined.clone();
                self.body(then)?;
                let after_then = std::mem::replace(&mut self.defined, before);
                self.body(else_)?;
                meet(&mut self.defined, &after_then);
                self.meet_label_end();
            }
            Inst::Br(d) | Inst::BrIf { depth: d, .. } => {
                let labels = self.labels.len();
                if *d as usize >= labels {
                    return Err(format!("{what}: branch depth {d} but only {labels} enclosing labels"));
                }
                if let Target::End(at_end) = &mut self.labels[labels - 1 - *d as usize] {
                    meet(at_end, &self.defined);
                }
                if matches!(i, Inst::Br(_)) {
                    self.defined = self.everything();
                }
            }
            Inst::Return(_) => self.defined = self.everything(),
            Inst::Fail { msg, .. } if *msg as usize >= self.m.statics.len() => return Err(format!("{what}: no static s{msg}")),
            Inst::Fail { .. } => self.defined = self.everything(),
            Inst::Root { slot, .. } if *slot >= self.f.frame_slots => return Err(format!("{what}: slot {slot} beyond the frame")),
            _ => {}
        }
        if let Some(d) = def(i) {
            self.defined[d as usize] = true;
        }
        Ok(())
    }

    /// The state of an unreachable point.
    fn everything(&self) -> Vec<bool> {
        vec![true; self.defined.len()]
    }

    /// Leaves a `block`/`if`: what is defined after it is what is defined on
    /// the fall-through path and on every branch to its end.
    fn meet_label_end(&mut self) {
        if let Some(Target::End(at_end)) = self.labels.pop() {
            meet(&mut self.defined, &at_end);
        }
    }

    fn types(&self, i: &Inst, what: &str) -> Result<(), String> {
        match i {
            Inst::Const { dst, lit } => {
                if let Lit::Static(s) = lit {
                    if *s as usize >= self.m.statics.len() {
                        return Err(format!("{what}: no static s{s}"));
                    }
                }
                self.expect(*dst, lit.ty(), what)
            }
            Inst::Copy { dst, src } => self.expect(*dst, self.var(*src)?, what),
            Inst::Unary { dst, op, src, .. } => {
                let (a, r) = op.types();
                self.expect(*src, a, what)?;
                self.expect(*dst, r, what)
            }
            Inst::Binary { dst, op, a, b, .. } => {
                let (o, r) = op.types();
                self.expect(*a, o, what)?;
                self.expect(*b, o, what)?;
                self.expect(*dst, r, what)
            }
            Inst::Select { dst, cond, a, b } => {
                self.expect(*cond, Ty::I32, what)?;
                let t = self.var(*a)?;
                self.expect(*b, t, what)?;
                self.expect(*dst, t, what)
            }
            Inst::Call { dst, callee, args, .. } => {
                let (params, ret): (Vec<Ty>, Option<Ty>) = match callee {
                    Callee::Func(id) => {
                        let g = self.m.funcs.get(*id as usize).ok_or_else(|| format!("{what}: no function #{id}"))?;
                        (g.params.iter().map(|&p| g.ty(p)).collect(), Some(g.ret))
                    }
                    Callee::Runtime(name) => {
                        let s = rt::lookup(name).ok_or_else(|| format!("{what}: unknown runtime function {name}"))?;
                        (s.params.to_vec(), s.ret)
                    }
                };
                if params.len() != args.len() {
                    return Err(format!("{what}: {} arguments for {} parameters", args.len(), params.len()));
                }
                for (a, p) in args.iter().zip(&params) {
                    self.expect(*a, *p, what)?;
                }
                match (dst, ret) {
                    (Some(d), Some(r)) => self.expect(*d, r, what),
                    (Some(_), None) => Err(format!("{what}: the callee returns nothing")),
                    _ => Ok(()),
                }
            }
            Inst::Load { dst, mem, addr, .. } => {
                self.address(*addr, what)?;
                self.expect(*dst, mem.ty(), what)
            }
            Inst::Store { mem, addr, value, .. } => {
                self.address(*addr, what)?;
                self.expect(*value, mem.ty(), what)
            }
            Inst::GlobalGet { dst, global } => self.expect(*dst, self.global(*global, what)?, what),
            Inst::GlobalSet { global, value } => self.expect(*value, self.global(*global, what)?, what),
            Inst::If { cond, .. } | Inst::BrIf { cond, .. } => self.expect(*cond, Ty::I32, what),
            Inst::Return(v) => match v {
                Some(v) => self.expect(*v, self.f.ret, what),
                None => Err(format!("{what}: functions always return a value")),
            },
            Inst::Root { var, .. } => self.expect(*var, Ty::Ref, what),
            Inst::Block(_) | Inst::Loop(_) | Inst::Br(_) | Inst::Fail { .. } => Ok(()),
        }
    }

    /// Memory is addressed by a reference (object fields) or a plain `i32`
    /// (derived addresses such as array elements).
    fn address(&self, v: VarId, what: &str) -> Result<(), String> {
        match self.var(v)? {
            Ty::Ref | Ty::I32 => Ok(()),
            t => Err(format!("{what}: address v{v} is {}", t.name())),
        }
    }

    fn global(&self, g: GlobalId, what: &str) -> Result<Ty, String> {
        self.m.globals.get(g as usize).map(|x| x.ty).ok_or_else(|| format!("{what}: no global g{g}"))
    }
}

fn meet(a: &mut [bool], b: &[bool]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x &= y;
    }
}
