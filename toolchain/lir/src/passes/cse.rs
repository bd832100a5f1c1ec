//! Common-subexpression elimination by local value numbering.
//!
//! The pass walks each body in order with a table of the computations
//! already *available* — executed on every path to the current point, with
//! neither their operands nor the variable holding their result assigned
//! since — and replaces a repeated computation `d = op(x, y)` by the copy
//! `d = h` of the variable `h` that holds it (copy propagation and dead-code
//! elimination then usually remove both the copy and `d`).
//!
//! Values, not variables, are compared: copies put variables in one class
//! ([`Classes`]) and a variable assigned a constant stands for the constant,
//! so `a = b; x = b + 1; y = a + 1` finds `y`'s value in `x` even when the
//! two `1`s are different variables. Commutative operators have their
//! operands sorted, and `a > b` is `b < a`.
//!
//! What is numbered: the operators (checked ones too — see below), selects,
//! loads and global reads; not constants (a constant is as cheap to
//! recompute as a variable is to read, and keeping it alive costs a local),
//! copies, calls, or anything else with an effect.
//! * A `load` is available until a `store` or a call that returns (the
//!   runtime's error reporters do not, [`super::util::never_returns`]);
//!   a `global.get` until a `global.set` of that global or such a call.
//! * Assigning a variable removes what was stated about it: computations
//!   with it as an operand, and those it held (when it led a copy class
//!   with other members, the next member takes its place).
//!
//! Regions: straight-line code, extended into nested code that it
//! dominates. A nested body (an `if` arm, a `block`) starts with the table
//! of the point before it; code after a nested instruction continues with
//! that table minus whatever the nested code may have changed (its
//! assignments, stores, calls, global writes), since the nested code may or
//! may not have run. A `loop` body starts with the table minus what the
//! loop may change anywhere in its body, because its start is also reached
//! from its end; within one pass through the body, the table grows as usual.
//! Nothing computed inside nested code is available after it.
//!
//! Sound because an available computation has, at the point of reuse, the
//! operands it had when it ran (none was assigned since, on any path), and
//! a pure operator on equal operands gives an equal result; loads and
//! global reads also need the memory or global unchanged, which the kills
//! ensure. A checked operator that ran before on every path to this point
//! did not fail (control would not be here), so the repeated one cannot
//! fail either: replacing it by a copy removes no error.

use super::util::{Classes, Detached, Effects};
use super::{ModuleView, Pass};
use crate::ir::*;
use std::collections::{HashMap, HashSet};

pub const PASS: Pass = Pass { name: "cse", run };

pub fn run(f: &mut Func, _m: &ModuleView) -> bool {
    let mut changed = false;
    let mut t = Table { classes: Classes::new(f.vars.len()), consts: HashMap::new(), avail: HashMap::new(), named: HashSet::new() };
    body(&mut f.body, &mut t, &mut changed);
    changed
}

/// An operand: a class of variables, or a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Val {
    Var(VarId),
    Lit(LitKey),
}

/// A literal, hashable (floats by bit pattern).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum LitKey {
    I32(i32),
    I64(i64),
    F64(u64),
    Static(StaticId),
    Null,
    Table(FuncId),
}

fn lit_key(l: Lit) -> LitKey {
    match l {
        Lit::I32(n) => LitKey::I32(n),
        Lit::I64(n) => LitKey::I64(n),
        Lit::F64(x) => LitKey::F64(x.to_bits()),
        Lit::Static(s) => LitKey::Static(s),
        Lit::Null => LitKey::Null,
        Lit::TableIndex(f) => LitKey::Table(f),
    }
}

/// A computation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Unary(UnOp, Val),
    Binary(BinOp, Val, Val),
    Select(Val, Val, Val),
    /// Memory kind (see [`mem_code`]), address, offset.
    Load(u8, Val, u32),
    Global(GlobalId),
}

impl Key {
    fn vals(&self) -> [Option<Val>; 3] {
        match *self {
            Key::Unary(_, a) | Key::Load(_, a, _) => [Some(a), None, None],
            Key::Binary(_, a, b) => [Some(a), Some(b), None],
            Key::Select(c, a, b) => [Some(c), Some(a), Some(b)],
            Key::Global(_) => [None; 3],
        }
    }

    fn mentions(&self, v: VarId) -> bool {
        self.vals().contains(&Some(Val::Var(v)))
    }

    fn rename(&mut self, from: VarId, to: VarId) {
        let r = |x: &mut Val| {
            if *x == Val::Var(from) {
                *x = Val::Var(to);
            }
        };
        match self {
            Key::Unary(_, a) | Key::Load(_, a, _) => r(a),
            Key::Binary(_, a, b) => {
                r(a);
                r(b);
            }
            Key::Select(c, a, b) => {
                r(c);
                r(a);
                r(b);
            }
            Key::Global(_) => {}
        }
    }
}

fn mem_code(m: Mem) -> u8 {
    match m {
        Mem::I32 => 0,
        Mem::I64 => 1,
        Mem::F64 => 2,
        Mem::Ref => 3,
        Mem::U8 => 4,
    }
}

fn commutative(op: BinOp) -> bool {
    use BinOp::*;
    // Float operators are left alone: with two NaN operands, which payload
    // the result carries depends on the operand order.
    matches!(op, I64AddChk | I64MulChk | I64Add | I64Mul | I64And | I64Or | I64Xor | I64Eq | I64Ne | I32And | I32Or | I32Xor | I32Add | I32Mul | I32Eq | I32Ne)
}

/// `a > b` is `b < a` (and so on), so both spellings share a key.
fn swapped(op: BinOp) -> Option<BinOp> {
    use BinOp::*;
    Some(match op {
        I64Gt => I64Lt,
        I64Ge => I64Le,
        I32Gt => I32Lt,
        I32Ge => I32Le,
        _ => return None,
    })
}

#[derive(Clone)]
struct Table {
    classes: Classes,
    /// Class leaders assigned a constant.
    consts: HashMap<VarId, LitKey>,
    /// Available computations → the leader of the class holding them.
    avail: HashMap<Key, VarId>,
    /// Every variable some entry of `avail` may name (a superset), so that
    /// assigning one no entry names costs no search.
    named: HashSet<VarId>,
}

impl Table {
    fn val(&self, v: VarId) -> Val {
        let l = self.classes.leader(v);
        match self.consts.get(&l) {
            Some(k) => Val::Lit(*k),
            None => Val::Var(l),
        }
    }

    fn key(&self, i: &Inst) -> Option<Key> {
        Some(match *i {
            Inst::Unary { op, src, .. } => Key::Unary(op, self.val(src)),
            Inst::Binary { op, a, b, .. } => {
                let (mut op, mut a, mut b) = (op, self.val(a), self.val(b));
                if let Some(s) = swapped(op) {
                    (op, a, b) = (s, b, a);
                }
                if commutative(op) && b < a {
                    (a, b) = (b, a);
                }
                Key::Binary(op, a, b)
            }
            Inst::Select { cond, a, b, .. } => Key::Select(self.val(cond), self.val(a), self.val(b)),
            Inst::Load { mem, addr, offset, .. } => Key::Load(mem_code(mem), self.val(addr), offset),
            Inst::GlobalGet { global, .. } => Key::Global(global),
            _ => return None,
        })
    }

    /// `v` is being assigned.
    fn kill(&mut self, v: VarId) -> Detached {
        let d = self.classes.detach(v);
        match d {
            Detached::Follower => {}
            Detached::Alone => {
                self.consts.remove(&v);
                if self.named.contains(&v) {
                    self.avail.retain(|k, h| *h != v && !k.mentions(v));
                }
            }
            Detached::Renamed(new) => {
                if let Some(c) = self.consts.remove(&v) {
                    self.consts.insert(new, c);
                }
                self.named.insert(new);
                let old = std::mem::take(&mut self.avail);
                for (mut k, mut h) in old {
                    k.rename(v, new);
                    if h == v {
                        h = new;
                    }
                    self.avail.insert(k, h);
                }
            }
        }
        d
    }

    /// Forgets loads (memory may have changed).
    fn kill_loads(&mut self) {
        self.avail.retain(|k, _| !matches!(k, Key::Load(..)));
    }

    fn kill_global(&mut self, g: Option<GlobalId>) {
        self.avail.retain(|k, _| !matches!(k, Key::Global(x) if g.is_none_or(|g| g == *x)));
    }

    /// Forgets everything `e` may change.
    fn kill_effects(&mut self, e: &Effects) {
        for &d in &e.defs {
            self.kill(d);
        }
        if e.writes_memory() {
            self.kill_loads();
        }
        if e.calls || e.raises {
            self.kill_global(None);
        }
        for &g in &e.globals {
            self.kill_global(Some(g));
        }
    }
}

fn body(insts: &mut Vec<Inst>, t: &mut Table, changed: &mut bool) {
    let mut k = 0;
    while k < insts.len() {
        if inst(&mut insts[k], t, changed) {
            insts.remove(k);
            *changed = true;
        } else {
            k += 1;
        }
    }
}

/// Visits one instruction; true when it is redundant (it recomputes what
/// its own destination already holds) and can go.
fn inst(i: &mut Inst, t: &mut Table, changed: &mut bool) -> bool {
    match i {
        Inst::Block(b) => {
            let e = Effects::of(b);
            body(b, &mut t.clone(), changed);
            t.kill_effects(&e);
            return false;
        }
        Inst::If { then, else_, .. } => {
            let (et, ee) = (Effects::of(then), Effects::of(else_));
            body(then, &mut t.clone(), changed);
            body(else_, &mut t.clone(), changed);
            t.kill_effects(&et);
            t.kill_effects(&ee);
            return false;
        }
        Inst::Loop(b) => {
            t.kill_effects(&Effects::of(b));
            body(b, &mut t.clone(), changed);
            return false;
        }
        Inst::Store { .. } => t.kill_loads(),
        Inst::Call { callee, .. } if !super::util::never_returns(callee) => {
            t.kill_loads();
            t.kill_global(None);
        }
        Inst::GlobalSet { global, .. } => t.kill_global(Some(*global)),
        // Inside a `try`, a failing check sets the exception statics.
        Inst::Binary { op, .. } if op.can_fail() => t.kill_global(None),
        Inst::Unary { op: UnOp::I64NegChk, .. } => t.kill_global(None),
        _ => {}
    }
    let Some(dst) = def(i) else { return false };
    let key = t.key(i);
    if let Some(h) = key.as_ref().and_then(|k| t.avail.get(k)).copied() {
        if t.classes.leader(dst) == h {
            // `dst` already holds this value.
            return true;
        }
        *i = Inst::Copy { dst, src: h };
        *changed = true;
    }
    match *i {
        Inst::Copy { dst, src } => {
            if t.classes.leader(dst) == t.classes.leader(src) {
                // `dst` already holds `src`'s value.
                return true;
            }
            t.kill(dst);
            t.classes.join(dst, src);
        }
        Inst::Const { dst, lit } => {
            t.kill(dst);
            t.consts.insert(dst, lit_key(lit));
        }
        _ => {
            // The key names leaders from before the assignment: if `dst`
            // led a class, its successor stands for the operand now.
            let key = match t.kill(dst) {
                Detached::Follower => key,
                Detached::Alone => key.filter(|k| !k.mentions(dst)),
                Detached::Renamed(new) => key.map(|mut k| {
                    k.rename(dst, new);
                    k
                }),
            };
            if let Some(k) = key {
                t.named.insert(dst);
                t.named.extend(k.vals().into_iter().flatten().filter_map(|x| match x {
                    Val::Var(v) => Some(v),
                    Val::Lit(_) => None,
                }));
                t.avail.entry(k).or_insert(dst);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::*;
    use super::*;
    use expect_test::expect;

    fn cse(f: Func) -> String {
        let mut m = module(vec![f]);
        run_pass(&mut m, &PASS, "f")
    }

    #[test]
    fn repeated_operators_read_the_first_result_through_copies_and_constants() {
        // v2 = v0 + v1; v3 = v0; v4 = 1; v5 = 1; v6 = v1 + v3 (commuted, through
        // a copy); v7 = v0 addchk v4; v8 = v5 addchk v3 (a checked operator
        // that ran); v9 = v0 > v1 vs v10 = v1 < v0
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I32, Ty::I32],
            &[0, 1],
            Ty::I64,
            vec![
                bin(2, BinOp::I64Add, 0, 1),
                copy(3, 0),
                c64(4, 1),
                c64(5, 1),
                bin(6, BinOp::I64Add, 1, 3),
                bin(7, BinOp::I64AddChk, 0, 4),
                bin(8, BinOp::I64AddChk, 5, 3),
                bin(9, BinOp::I64Gt, 0, 1),
                bin(10, BinOp::I64Lt, 1, 0),
                Inst::Return(Some(8)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i64, v1:i64) -> i64  [frame 0]
              v2:i64 = i64add v0, v1
              v3:i64 = v0
              v4:i64 = 1
              v5:i64 = 1
              v6:i64 = v2
              v7:i64 = i64addchk v0, v4  @1:1
              v8:i64 = v7
              v9:i32 = i64gt v0, v1
              v10:i32 = v9
              return v8
        "#]]
        .assert_eq(&cse(f));
    }

    #[test]
    fn assignments_stores_and_calls_end_availability() {
        // v2 = v0 + v1; v0 = 5; v3 = v0 + v1 (v0 changed): kept.
        // v4 = load v5+4; store v5+8; v6 = load v5+4: kept.
        // v7 = load v5+4; call rt_print; v8 = load v5+4: kept.
        // v9 = load v5+4; call rt_index_error (never returns); v10 = load v5+4: reused.
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I32, Ty::Ref, Ty::I32, Ty::I32, Ty::I32, Ty::I32, Ty::I32],
            &[0, 1, 5],
            Ty::I64,
            vec![
                bin(2, BinOp::I64Add, 0, 1),
                c64(0, 5),
                bin(3, BinOp::I64Add, 0, 1),
                Inst::Load { dst: 4, mem: Mem::I32, addr: 5, offset: 4 },
                Inst::Store { mem: Mem::I32, addr: 5, offset: 8, value: 4 },
                Inst::Load { dst: 6, mem: Mem::I32, addr: 5, offset: 4 },
                Inst::Load { dst: 7, mem: Mem::I32, addr: 5, offset: 4 },
                Inst::Call { dst: None, callee: Callee::Runtime("rt_print"), args: vec![5, 7], loc: Loc::default() },
                Inst::Load { dst: 8, mem: Mem::I32, addr: 5, offset: 4 },
                Inst::Load { dst: 9, mem: Mem::I32, addr: 5, offset: 4 },
                Inst::Call { dst: None, callee: Callee::Runtime("rt_index_error"), args: vec![0, 9, 9, 9], loc: Loc::default() },
                Inst::Load { dst: 10, mem: Mem::I32, addr: 5, offset: 4 },
                Inst::Return(Some(3)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i64, v1:i64, v5:ref) -> i64  [frame 0]
              v2:i64 = i64add v0, v1
              v0:i64 = 5
              v3:i64 = i64add v0, v1
              v4:i32 = load.i32 v5+4
              store.i32 v5+8 = v4
              v6:i32 = load.i32 v5+4
              v7:i32 = v6
              call rt_print(v5, v7)
              v8:i32 = load.i32 v5+4
              v9:i32 = v8
              call rt_index_error(v0, v9, v9, v9)
              v10:i32 = v8
              return v3
        "#]]
        .assert_eq(&cse(f));
    }

    #[test]
    fn a_class_survives_its_leader_being_assigned() {
        // v1 = v0; v2 = v0 * v0; v0 = 3; v3 = v1 * v1: v1 holds the old v0, so v2 is reused.
        let f = func(
            &[Ty::I64; 4],
            &[0],
            Ty::I64,
            vec![copy(1, 0), bin(2, BinOp::I64Mul, 0, 0), c64(0, 3), bin(3, BinOp::I64Mul, 1, 1), Inst::Return(Some(3))],
        );
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = v0
              v2:i64 = i64mul v0, v0
              v0:i64 = 3
              v3:i64 = v2
              return v3
        "#]]
        .assert_eq(&cse(f));
    }

    #[test]
    fn nested_code_sees_what_dominates_it_but_not_the_other_way() {
        // v2 = v0 + v1; if v3 { v4 = v0 + v1; v5 = v0 - v1 } ; v6 = v0 - v1;
        // loop { v7 = v0 + v1; v1 = v7; br_if v3 0 } (v1 changes in the loop)
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64, Ty::I32, Ty::I64, Ty::I64, Ty::I64, Ty::I64],
            &[0, 1, 3],
            Ty::I64,
            vec![
                bin(2, BinOp::I64Add, 0, 1),
                Inst::If { cond: 3, then: vec![bin(4, BinOp::I64Add, 0, 1), bin(5, BinOp::I64Sub, 0, 1)], else_: vec![] },
                bin(6, BinOp::I64Sub, 0, 1),
                Inst::Loop(vec![bin(7, BinOp::I64Add, 0, 1), copy(1, 7), Inst::BrIf { cond: 3, depth: 0 }]),
                Inst::Return(Some(6)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i64, v1:i64, v3:i32) -> i64  [frame 0]
              v2:i64 = i64add v0, v1
              if v3 {
                v4:i64 = v2
                v5:i64 = i64sub v0, v1
              }
              v6:i64 = i64sub v0, v1
              loop {
                v7:i64 = i64add v0, v1
                v1:i64 = v7
                br_if v3, 0
              }
              return v6
        "#]]
        .assert_eq(&cse(f));
    }

    #[test]
    fn a_recomputation_into_the_same_variable_goes() {
        // v1 = v0 + v0; v2 = v1; v1 = v0 + v0 (v1 still holds it)
        let f = func(&[Ty::I64; 3], &[0], Ty::I64, vec![bin(1, BinOp::I64Add, 0, 0), copy(2, 1), bin(1, BinOp::I64Add, 0, 0), Inst::Return(Some(1))]);
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = i64add v0, v0
              v2:i64 = v1
              return v1
        "#]]
        .assert_eq(&cse(f));
    }

    #[test]
    fn lowered_compound_index_assignment_shares_its_bounds_computation() {
        let mut m = lower("fun f(a: [i64], i: i64) -> i64 { let b = a\n b[i] += 1\n b[i] }\nprintln(f([1, 2], 1))\n");
        let before = listing(&m, "f");
        let out = run_pass(&mut m, &PASS, "f");
        let loads = |s: &str| s.matches("load.i32").count();
        assert!(loads(&out) < loads(&before), "{out}");
    }
}
