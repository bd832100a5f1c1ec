//! Helpers the passes share: instruction counts, operand rewriting, and the
//! label-depth bookkeeping that removing a structured instruction needs.
//!
//! Branch depths are relative: `br n` inside `k` nested structured
//! instructions of a body targets that body's own label when `n == k`, and a
//! label outside it when `n > k`. Removing the label of a body (flattening a
//! `block` into its parent) therefore means decrementing exactly the depths
//! with `n > k`, and is only possible when no branch has `n == k`.

use crate::ir::*;

/// Number of instructions in a body, nested ones included.
pub fn count(body: &[Inst]) -> usize {
    let mut n = 0;
    walk(body, &mut |_| n += 1);
    n
}

/// Number of instructions in all functions of a module.
pub fn count_module(m: &Module) -> usize {
    m.funcs.iter().map(|f| count(&f.body)).sum()
}

/// What the passes are meant to reduce, counted over a module (for the
/// optimiser's reports). Signed, so that differences are censuses too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Census {
    pub insts: i64,
    /// Instructions inside loops (nested ones included).
    pub in_loops: i64,
    /// Instructions computing a value from operands (operators, selects,
    /// loads, global reads): common-subexpression elimination turns
    /// repeated ones into copies.
    pub computations: i64,
    /// Direct calls of user functions.
    pub calls: i64,
    /// Checked `i64` additions, subtractions, multiplications, negations.
    pub overflow_checks: i64,
    /// Array bounds checks (calls of `rt_index_error`).
    pub bounds_checks: i64,
    /// Checked `i64` divisions and remainders (`i64.div_s`/`rem_s` and
    /// their zero and overflow tests).
    pub divisions: i64,
}

impl Census {
    pub fn of(m: &Module) -> Census {
        fn count(body: &[Inst], in_loop: bool, c: &mut Census) {
            for i in body {
                c.insts += 1;
                c.in_loops += in_loop as i64;
                c.computations += matches!(i, Inst::Unary { .. } | Inst::Binary { .. } | Inst::Select { .. } | Inst::Load { .. } | Inst::GlobalGet { .. }) as i64;
                match i {
                    Inst::Call { callee: Callee::Func(_), .. } => c.calls += 1,
                    Inst::Call { callee: Callee::Runtime("rt_index_error"), .. } => c.bounds_checks += 1,
                    Inst::Binary { op: BinOp::I64AddChk | BinOp::I64SubChk | BinOp::I64MulChk, .. } | Inst::Unary { op: UnOp::I64NegChk, .. } => {
                        c.overflow_checks += 1
                    }
                    Inst::Binary { op: BinOp::I64DivChk | BinOp::I64RemChk, .. } => c.divisions += 1,
                    _ => {}
                }
                match i {
                    Inst::Block(b) => count(b, in_loop, c),
                    Inst::Loop(b) => count(b, true, c),
                    Inst::If { then, else_, .. } => {
                        count(then, in_loop, c);
                        count(else_, in_loop, c);
                    }
                    _ => {}
                }
            }
        }
        let mut c = Census::default();
        for f in &m.funcs {
            count(&f.body, false, &mut c);
        }
        c
    }

    /// `self + sign * o`, field by field.
    pub fn add(self, o: Census, sign: i64) -> Census {
        Census {
            insts: self.insts + sign * o.insts,
            in_loops: self.in_loops + sign * o.in_loops,
            computations: self.computations + sign * o.computations,
            calls: self.calls + sign * o.calls,
            overflow_checks: self.overflow_checks + sign * o.overflow_checks,
            bounds_checks: self.bounds_checks + sign * o.bounds_checks,
            divisions: self.divisions + sign * o.divisions,
        }
    }
}

/// Calls `f` on every variable an instruction reads (not those of nested
/// bodies), allowing it to be replaced. Agrees with [`crate::ir::uses`].
pub fn for_each_use_mut(i: &mut Inst, f: &mut impl FnMut(&mut VarId)) {
    match i {
        Inst::Const { .. } | Inst::GlobalGet { .. } | Inst::Block(_) | Inst::Loop(_) | Inst::Br(_) | Inst::Fail { .. } => {}
        Inst::Copy { src, .. } | Inst::Unary { src, .. } => f(src),
        Inst::Binary { a, b, .. } => {
            f(a);
            f(b);
        }
        Inst::Select { cond, a, b, .. } => {
            f(cond);
            f(a);
            f(b);
        }
        Inst::Call { args, .. } => args.iter_mut().for_each(f),
        Inst::Load { addr, .. } => f(addr),
        Inst::Store { addr, value, .. } => {
            f(addr);
            f(value);
        }
        Inst::GlobalSet { value, .. } => f(value),
        Inst::If { cond, .. } | Inst::BrIf { cond, .. } => f(cond),
        Inst::Return(v) => v.iter_mut().for_each(f),
        Inst::Root { var, .. } => f(var),
    }
}

/// The nested bodies of a structured instruction (none for the others).
pub fn bodies_mut(i: &mut Inst) -> Vec<&mut Vec<Inst>> {
    match i {
        Inst::Block(b) | Inst::Loop(b) => vec![b],
        Inst::If { then, else_, .. } => vec![then, else_],
        _ => vec![],
    }
}

/// True when some branch in `body` targets the label whose body it is.
pub fn targets_own_label(body: &[Inst]) -> bool {
    targets_level(body, 0)
}

fn targets_level(body: &[Inst], level: u32) -> bool {
    body.iter().any(|i| match i {
        Inst::Br(d) | Inst::BrIf { depth: d, .. } => *d == level,
        Inst::Block(b) | Inst::Loop(b) => targets_level(b, level + 1),
        Inst::If { then, else_, .. } => targets_level(then, level + 1) || targets_level(else_, level + 1),
        _ => false,
    })
}

/// Prepares the body of a label that is going away (its contents will be
/// spliced into the enclosing body): branches past the label lose one level.
/// The caller has checked [`targets_own_label`] is false.
pub fn remove_own_label(body: &mut [Inst]) {
    shift_level(body, 0);
}

fn shift_level(body: &mut [Inst], level: u32) {
    for i in body {
        match i {
            Inst::Br(d) | Inst::BrIf { depth: d, .. } => {
                debug_assert_ne!(*d, level, "branch to a label being removed");
                if *d > level {
                    *d -= 1;
                }
            }
            Inst::Block(b) | Inst::Loop(b) => shift_level(b, level + 1),
            Inst::If { then, else_, .. } => {
                shift_level(then, level + 1);
                shift_level(else_, level + 1);
            }
            _ => {}
        }
    }
}

/// Calls `f` on the variable an instruction writes (not those of nested
/// bodies), allowing it to be replaced. Agrees with [`crate::ir::def`].
pub fn for_each_def_mut(i: &mut Inst, f: &mut impl FnMut(&mut VarId)) {
    match i {
        Inst::Const { dst, .. }
        | Inst::Copy { dst, .. }
        | Inst::Unary { dst, .. }
        | Inst::Binary { dst, .. }
        | Inst::Select { dst, .. }
        | Inst::Load { dst, .. }
        | Inst::GlobalGet { dst, .. } => f(dst),
        Inst::Call { dst: Some(dst), .. } => f(dst),
        _ => {}
    }
}

/// Replaces every variable a body reads or writes, nested bodies included.
pub fn rename_vars(body: &mut [Inst], map: &impl Fn(VarId) -> VarId) {
    for i in body {
        for_each_use_mut(i, &mut |v| *v = map(*v));
        for_each_def_mut(i, &mut |v| *v = map(*v));
        for b in bodies_mut(i) {
            rename_vars(b, map);
        }
    }
}

/// By variable: the constant that is its only definition in the function
/// (none for parameters).
pub fn constant_vars(f: &Func) -> Vec<Option<Lit>> {
    // Per variable: not defined yet, defined once by a constant, or other.
    let mut defs: Vec<(u32, Option<Lit>)> = vec![(0, None); f.vars.len()];
    for &p in &f.params {
        defs[p as usize].0 = 2;
    }
    walk(&f.body, &mut |i| {
        if let Some(d) = def(i) {
            let e = &mut defs[d as usize];
            e.0 += 1;
            e.1 = match i {
                Inst::Const { lit, .. } => Some(*lit),
                _ => None,
            };
        }
    });
    defs.into_iter().map(|(n, l)| if n == 1 { l } else { None }).collect()
}

/// True for calls of the runtime's error reporters in code no `try` can
/// reach, which end the program: control never continues after them, so
/// they change nothing that code after them could observe. (Code a `try`
/// can reach calls the `rt_raise_*` forms instead, which return with the
/// error pending inside a `try`; see `lower/exceptions.rs`.)
pub fn never_returns(callee: &Callee) -> bool {
    matches!(callee, Callee::Runtime("rt_index_error" | "rt_error" | "rt_arity_error"))
}

/// True when `i` computes its destination from its operands alone, without
/// any other effect and without possibly ending the program: constants,
/// copies, selects, and the operators that cannot fail.
pub fn is_pure_total(i: &Inst) -> bool {
    match i {
        Inst::Const { .. } | Inst::Copy { .. } | Inst::Select { .. } => true,
        Inst::Unary { op, .. } => *op != UnOp::I64NegChk,
        Inst::Binary { op, .. } => !op.can_fail(),
        _ => false,
    }
}

/// What a body (nested bodies included) may change.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    /// Every variable some instruction of the body assigns.
    pub defs: std::collections::BTreeSet<VarId>,
    /// A `store` (memory may change).
    pub stores: bool,
    /// A call that returns (memory and globals may change). Calls of
    /// [`never_returns`] functions do not count: nothing runs after them.
    pub calls: bool,
    /// Globals a `global.set` assigns.
    pub globals: std::collections::BTreeSet<GlobalId>,
    /// A checked operator: inside a `try` its failure sets the runtime's
    /// exception statics (and returns), so globals may change.
    pub raises: bool,
}

impl Effects {
    pub fn of(body: &[Inst]) -> Effects {
        let mut e = Effects::default();
        walk(body, &mut |i| {
            if let Some(d) = def(i) {
                e.defs.insert(d);
            }
            match i {
                Inst::Store { .. } => e.stores = true,
                Inst::Call { callee, .. } if !never_returns(callee) => e.calls = true,
                Inst::Binary { op, .. } if op.can_fail() => e.raises = true,
                Inst::Unary { op: UnOp::I64NegChk, .. } => e.raises = true,
                Inst::GlobalSet { global, .. } => {
                    e.globals.insert(*global);
                }
                _ => {}
            }
        });
        e
    }

    /// Memory may be different after the body.
    pub fn writes_memory(&self) -> bool {
        self.stores || self.calls
    }

    /// Global `g` may be different after the body.
    pub fn writes_global(&self, g: GlobalId) -> bool {
        self.calls || self.raises || self.globals.contains(&g)
    }
}

/// What happened to a variable's copy class when the variable was assigned
/// (see [`Classes::detach`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detached {
    /// It was a copy of another variable, which still leads the class:
    /// facts about the leader stay true.
    Follower,
    /// It led a class of its own: facts about it are void.
    Alone,
    /// It led a class with other members; this one leads it now, and facts
    /// about the old leader are facts about the new one.
    Renamed(VarId),
}

/// Classes of variables known to hold the same value because of copies
/// (`d = s` puts `d` in `s`'s class until either is assigned again). Each
/// class has a *leader*, one of its members; analyses state their facts
/// about leaders only, so a fact learnt through one member holds for all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classes {
    /// By variable: the leader of its class (itself for a leader).
    leader: Vec<VarId>,
    /// By leader: how many other members its class has.
    followers: Vec<u32>,
}

impl Classes {
    /// Every one of `n` variables alone in its class.
    pub fn new(n: usize) -> Classes {
        Classes { leader: (0..n as VarId).collect(), followers: vec![0; n] }
    }

    pub fn leader(&self, v: VarId) -> VarId {
        self.leader[v as usize]
    }

    /// `v` is being assigned: it leaves its class.
    pub fn detach(&mut self, v: VarId) -> Detached {
        let l = self.leader[v as usize];
        if l != v {
            self.leader[v as usize] = v;
            self.followers[l as usize] -= 1;
            return Detached::Follower;
        }
        if self.followers[v as usize] == 0 {
            return Detached::Alone;
        }
        let members: Vec<VarId> = (0..self.leader.len() as VarId).filter(|&f| f != v && self.leader[f as usize] == v).collect();
        let new = members[0];
        for &f in &members {
            self.leader[f as usize] = new;
        }
        self.followers[new as usize] = members.len() as u32 - 1;
        self.followers[v as usize] = 0;
        Detached::Renamed(new)
    }

    /// After [`Classes::detach`]`(dst)`: `dst = src` makes `dst` a member of
    /// `src`'s class.
    pub fn join(&mut self, dst: VarId, src: VarId) {
        let l = self.leader(src);
        if l != dst {
            self.leader[dst as usize] = l;
            self.followers[l as usize] += 1;
        }
    }

    /// The classes that hold on two incoming paths: a copy relation
    /// survives a merge when both paths agree on it. (A variable following
    /// the same leader on both paths follows a leader of both.)
    pub fn meet(&self, o: &Classes) -> Classes {
        let mut m = Classes::new(self.leader.len());
        for (v, (&a, &b)) in self.leader.iter().zip(&o.leader).enumerate() {
            if a == b && a != v as VarId {
                m.leader[v] = a;
                m.followers[a as usize] += 1;
            }
        }
        m
    }
}

/// Live-in sets at every `loop` of a function (what is live at the loop's
/// start, for the loop and the code after it), in the order
/// [`crate::ir::walk`] meets the loops.
pub fn loop_live_ins(f: &Func) -> Vec<crate::liveness::VarSet> {
    use crate::liveness::VarSet;
    use std::collections::{HashMap, HashSet};
    // The live-in of a body follows from the live-after sets of its first
    // instruction (and of structured instructions, whose bodies end where
    // they do); record just those.
    let mut wanted: HashSet<*const Inst> = HashSet::new();
    fn mark(body: &[Inst], wanted: &mut HashSet<*const Inst>) {
        if let Some(first) = body.first() {
            wanted.insert(first as *const Inst);
        }
        for i in body {
            match i {
                Inst::Block(b) | Inst::Loop(b) => {
                    wanted.insert(i as *const Inst);
                    mark(b, wanted);
                }
                Inst::If { then, else_, .. } => {
                    wanted.insert(i as *const Inst);
                    mark(then, wanted);
                    mark(else_, wanted);
                }
                _ => {}
            }
        }
    }
    mark(&f.body, &mut wanted);
    let mut after: HashMap<*const Inst, VarSet> = HashMap::new();
    crate::liveness::for_each_live_after(f, &mut |i, live| {
        if wanted.contains(&(i as *const Inst)) {
            after.insert(i as *const Inst, live.clone());
        }
    });
    fn body_in(b: &[Inst], end: &VarSet, after: &HashMap<*const Inst, VarSet>) -> VarSet {
        match b.first() {
            None => end.clone(),
            Some(i) => inst_in(i, after),
        }
    }
    fn inst_in(i: &Inst, after: &HashMap<*const Inst, VarSet>) -> VarSet {
        let out = &after[&(i as *const Inst)];
        let mut live = match i {
            Inst::Block(b) | Inst::Loop(b) => body_in(b, out, after),
            Inst::If { then, else_, .. } => {
                let mut t = body_in(then, out, after);
                t.union_with(&body_in(else_, out, after));
                t
            }
            _ => {
                let mut l = out.clone();
                if let Some(d) = def(i) {
                    l.remove(d);
                }
                l
            }
        };
        for u in uses(i) {
            live.insert(u);
        }
        live
    }
    let mut out = vec![];
    walk(&f.body, &mut |i| {
        if matches!(i, Inst::Loop(_)) {
            out.push(inst_in(i, &after));
        }
    });
    out
}

/// The variables definitely assigned on entry to every `loop` of a function
/// (on every path reaching it; everything when no path does), in the order
/// [`crate::ir::walk`] meets the loops. The verifier's rule: an instruction
/// may be moved to a loop's entry only if its operands are defined there.
pub fn loop_defined_ins(f: &Func) -> Vec<Vec<bool>> {
    struct A {
        labels: Vec<Option<Vec<bool>>>,
        out: Vec<(usize, Vec<bool>)>,
        loops_seen: usize,
    }
    /// `None`: unreachable.
    type D = Option<Vec<bool>>;
    fn meet(into: &mut D, from: &D) {
        match (into.as_mut(), from) {
            (_, None) => {}
            (None, Some(f)) => *into = Some(f.clone()),
            (Some(i), Some(f)) => i.iter_mut().zip(f).for_each(|(a, b)| *a &= b),
        }
    }
    impl A {
        fn body(&mut self, b: &[Inst], mut d: D, n: usize) -> D {
            for i in b {
                d = self.inst(i, d, n);
            }
            d
        }
        fn inst(&mut self, i: &Inst, d: D, n: usize) -> D {
            let mut d = match i {
                Inst::Block(b) => {
                    self.labels.push(None);
                    let mut end = self.body(b, d, n);
                    meet(&mut end, &self.labels.pop().unwrap());
                    end
                }
                Inst::Loop(b) => {
                    let k = self.loops_seen;
                    self.loops_seen += 1;
                    self.out.push((k, d.clone().unwrap_or_else(|| vec![true; n])));
                    // Definitions only accumulate along a path, so branches
                    // back to the start bring nothing new.
                    self.labels.push(None);
                    let end = self.body(b, d, n);
                    self.labels.pop();
                    end
                }
                Inst::If { then, else_, .. } => {
                    self.labels.push(None);
                    let mut t = self.body(then, d.clone(), n);
                    let e = self.body(else_, d, n);
                    meet(&mut t, &e);
                    meet(&mut t, &self.labels.pop().unwrap());
                    t
                }
                Inst::Br(depth) | Inst::BrIf { depth, .. } => {
                    let k = self.labels.len() - 1 - *depth as usize;
                    meet(&mut self.labels[k], &d);
                    if matches!(i, Inst::Br(_)) {
                        None
                    } else {
                        d
                    }
                }
                Inst::Return(_) | Inst::Fail { .. } => None,
                _ => d,
            };
            if let (Some(v), Some(x)) = (def(i), d.as_mut()) {
                x[v as usize] = true;
            }
            d
        }
    }
    let n = f.vars.len();
    let mut entry = vec![false; n];
    for &p in &f.params {
        entry[p as usize] = true;
    }
    let mut a = A { labels: vec![], out: vec![], loops_seen: 0 };
    a.body(&f.body, Some(entry), n);
    a.out.sort_by_key(|(k, _)| *k);
    a.out.into_iter().map(|(_, d)| d).collect()
}

/// Literal equality as wasm sees it: floats compare by bit pattern, so
/// `0.0` and `-0.0` differ and a NaN equals itself.
pub fn same_lit(a: Lit, b: Lit) -> bool {
    match (a, b) {
        (Lit::F64(x), Lit::F64(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

#[cfg(test)]
pub mod testing {
    //! Builders for hand-written fixture functions.

    use crate::ir::*;

    pub fn func(vars: &[Ty], params: &[VarId], ret: Ty, body: Vec<Inst>) -> Func {
        Func { name: "f".into(), params: params.to_vec(), ret, vars: vars.iter().map(|&ty| Var { ty, name: None }).collect(), body, frame_slots: 0, catchable: false }
    }

    /// A module of `funcs` (entry: the first) with one static string. The
    /// other fields come from lowering an empty program, so that fixtures
    /// need no change when the module grows a field.
    pub fn module(funcs: Vec<Func>) -> Module {
        let mut m = lower("");
        m.funcs = funcs;
        m.globals = vec![];
        m.statics = vec![Static::Str("x".into())];
        m.entry = 0;
        m.main = None;
        m
    }

    /// Lowers Ruchy source (not optimised, no roots).
    pub fn lower(src: &str) -> Module {
        let (ast, diags) = ruchy_syntax::parse(src);
        assert!(diags.is_empty(), "{diags:?}");
        let hir = ruchy_hir::check(&ast).expect("checks");
        crate::lower::lower(&hir, src, "t.ruchy", true).expect("lowers")
    }

    /// Runs one pass on every function of `m`, verifies, and returns the
    /// listing of the function named `name`.
    pub fn run_pass(m: &mut Module, pass: &super::super::Pass, name: &str) -> String {
        super::super::run_on_module(m, pass);
        crate::verify::verify(m).unwrap_or_else(|e| panic!("{e}\n{}", crate::print::print(m)));
        listing(m, name)
    }

    pub fn listing(m: &Module, name: &str) -> String {
        let id = m.funcs.iter().position(|f| f.name == name).unwrap_or_else(|| panic!("no function {name}"));
        let mut out = String::new();
        crate::print::print_func(&mut out, id as FuncId, &m.funcs[id]);
        out
    }

    pub fn c64(dst: VarId, n: i64) -> Inst {
        Inst::Const { dst, lit: Lit::I64(n) }
    }

    pub fn c32(dst: VarId, n: i32) -> Inst {
        Inst::Const { dst, lit: Lit::I32(n) }
    }

    pub fn bin(dst: VarId, op: BinOp, a: VarId, b: VarId) -> Inst {
        Inst::Binary { dst, op, a, b, loc: Loc { line: 1, col: 1 } }
    }

    pub fn copy(dst: VarId, src: VarId) -> Inst {
        Inst::Copy { dst, src }
    }
}
