//! Constant folding and propagation.
//!
//! A forward dataflow analysis over the structured, non-SSA code finds, at
//! every point, which variables hold a known literal: a variable is known
//! when every definition reaching the point gives the same literal (floats
//! compared by bit pattern). Each variable's value moves up the lattice
//! `Undef` (no definition reaches) → `Known(lit)` → `Varying`; paths merge
//! at the end of a `block`/`if` (fall-through plus every branch to it) and at
//! a `loop`'s start (entry plus every branch back), where the analysis
//! iterates the body until the start state stops growing. Parameters,
//! call results, loads and globals are `Varying`.
//!
//! With those facts the pass rewrites, in the same walk:
//! * `Copy`, `Unary`, `Binary` and `Select` whose result is known into
//!   `Const` (see [`super::eval`] for what is never folded: failing checked
//!   operators, NaN results, static addresses), and a `Select` on a known
//!   condition into a `Copy` of the chosen operand;
//! * `if` on a known condition into a `block` holding the taken arm — a
//!   `block` is a label just as the `if` was, so every branch depth inside
//!   stays right (dead-code elimination later flattens the `block` when no
//!   branch targets it);
//! * `br_if` on a known condition into `br` (taken) or nothing (not taken).
//!
//! Sound because a rewrite only replaces a computation by the value it has on
//! every execution, and a branch by the way it goes on every execution. An
//! arm or a fall-through that the analysis proves unreachable contributes
//! nothing to merges: it is never executed. Code behind a variable that is
//! `Undef` at a use (which verified code cannot reach) is left alone.

use super::eval;
use super::util::same_lit;
use super::{ModuleView, Pass};
use crate::ir::*;

pub const PASS: Pass = Pass { name: "const_fold", run };

pub fn run(f: &mut Func, _m: &ModuleView) -> bool {
    let mut entry = vec![Val::Undef; f.vars.len()];
    for &p in &f.params {
        entry[p as usize] = Val::Varying;
    }
    let mut folder = Folder { labels: vec![], changed: false };
    folder.body(&mut f.body, Some(entry), Mode::Rewrite);
    folder.changed
}

/// What is known about one variable.
#[derive(Debug, Clone, Copy)]
enum Val {
    /// No definition reaches here (yet).
    Undef,
    Known(Lit),
    Varying,
}

impl PartialEq for Val {
    fn eq(&self, o: &Val) -> bool {
        match (self, o) {
            (Val::Known(a), Val::Known(b)) => same_lit(*a, *b),
            (Val::Undef, Val::Undef) | (Val::Varying, Val::Varying) => true,
            _ => false,
        }
    }
}

impl Val {
    fn join(self, o: Val) -> Val {
        match (self, o) {
            (Val::Undef, x) | (x, Val::Undef) => x,
            (Val::Known(a), Val::Known(b)) if same_lit(a, b) => self,
            _ => Val::Varying,
        }
    }
}

/// The facts at a point; `None` when the point is unreachable.
type State = Option<Vec<Val>>;

fn join_into(into: &mut State, from: &State) {
    match (into.as_mut(), from) {
        (_, None) => {}
        (None, Some(f)) => *into = Some(f.clone()),
        (Some(i), Some(f)) => {
            for (a, b) in i.iter_mut().zip(f) {
                *a = a.join(*b);
            }
        }
    }
}

/// Analysis only (a loop body while its start state is not final), or
/// analysis and rewriting (once the facts are final).
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Analyse,
    Rewrite,
}

/// What to do with an instruction after visiting it.
enum Edit {
    Keep,
    Replace(Inst),
    Remove,
}

struct Folder {
    /// The states branching to each enclosing label, innermost last.
    labels: Vec<State>,
    changed: bool,
}

/// A loop whose start state still grows after this many iterations is
/// given up on: every variable is taken as `Varying` there.
const MAX_LOOP_ITERATIONS: usize = 32;

impl Folder {
    fn body(&mut self, insts: &mut Vec<Inst>, mut state: State, mode: Mode) -> State {
        let mut k = 0;
        while k < insts.len() {
            let (next, edit) = self.inst(&mut insts[k], state, mode);
            state = next;
            match edit {
                Edit::Keep => k += 1,
                Edit::Replace(i) => {
                    insts[k] = i;
                    self.changed = true;
                    k += 1;
                }
                Edit::Remove => {
                    insts.remove(k);
                    self.changed = true;
                }
            }
        }
        state
    }

    /// Visits one instruction reached with `state`; returns the state after
    /// it (when control falls through) and, when rewriting, its rewrite.
    fn inst(&mut self, i: &mut Inst, state: State, mode: Mode) -> (State, Edit) {
        let (after, edit) = self.visit(i, state, mode);
        (after, if mode == Mode::Rewrite { edit } else { Edit::Keep })
    }

    fn visit(&mut self, i: &mut Inst, state: State, mode: Mode) -> (State, Edit) {
        // Unreachable code: nothing to learn, nothing to fold.
        let Some(mut s) = state else { return (None, Edit::Keep) };
        let edit = match i {
            Inst::Block(b) => return (self.labelled(b, s, mode), Edit::Keep),
            Inst::Loop(b) => return (self.loop_(b, s, mode), Edit::Keep),
            Inst::If { cond, then, else_ } => return self.if_(*cond, then, else_, s, mode),
            Inst::Br(d) => {
                self.branch(*d, &s);
                return (None, Edit::Keep);
            }
            Inst::BrIf { cond, depth } => {
                return match known_bool(&s, *cond) {
                    Some(true) => {
                        self.branch(*depth, &s);
                        (None, Edit::Replace(Inst::Br(*depth)))
                    }
                    Some(false) => (Some(s), Edit::Remove),
                    None => {
                        self.branch(*depth, &s);
                        (Some(s), Edit::Keep)
                    }
                };
            }
            Inst::Return(_) | Inst::Fail { .. } => return (None, Edit::Keep),
            _ => simplify(i, &s),
        };
        if let Some(d) = def(i) {
            s[d as usize] = value_of(i, &s);
        }
        (Some(s), edit)
    }

    fn branch(&mut self, depth: u32, s: &[Val]) {
        let n = self.labels.len();
        join_into(&mut self.labels[n - 1 - depth as usize], &Some(s.to_vec()));
    }

    /// A `block` (or an `if` arm): falls through, or branches to its end.
    fn labelled(&mut self, b: &mut Vec<Inst>, s: Vec<Val>, mode: Mode) -> State {
        self.labels.push(None);
        let mut end = self.body(b, Some(s), mode);
        let branched = self.labels.pop().unwrap();
        join_into(&mut end, &branched);
        end
    }

    fn if_(&mut self, cond: VarId, then: &mut Vec<Inst>, else_: &mut Vec<Inst>, s: Vec<Val>, mode: Mode) -> (State, Edit) {
        if let Some(taken) = known_bool(&s, cond) {
            // Only the taken arm runs; keep it under a label of its own.
            let arm = if taken { then } else { else_ };
            let after = self.labelled(arm, s, mode);
            let edit = if mode == Mode::Rewrite { Edit::Replace(Inst::Block(std::mem::take(arm))) } else { Edit::Keep };
            return (after, edit);
        }
        self.labels.push(None);
        let mut after = self.body(then, Some(s.clone()), mode);
        let after_else = self.body(else_, Some(s), mode);
        join_into(&mut after, &after_else);
        let branched = self.labels.pop().unwrap();
        join_into(&mut after, &branched);
        (after, Edit::Keep)
    }

    /// Iterates the body until the state at the loop's start is stable,
    /// then (when rewriting) makes one last walk that rewrites.
    fn loop_(&mut self, b: &mut Vec<Inst>, entry: Vec<Val>, mode: Mode) -> State {
        let mut head = entry;
        let mut iterations = 0;
        let end = loop {
            self.labels.push(None);
            let end = self.body(b, Some(head.clone()), Mode::Analyse);
            let back = self.labels.pop().unwrap();
            let mut next = Some(head.clone());
            join_into(&mut next, &back);
            let next = next.unwrap();
            if next == head {
                break end;
            }
            iterations += 1;
            head = if iterations >= MAX_LOOP_ITERATIONS { vec![Val::Varying; head.len()] } else { next };
        };
        if mode == Mode::Analyse {
            return end;
        }
        self.labels.push(None);
        let end = self.body(b, Some(head), Mode::Rewrite);
        self.labels.pop();
        end
    }
}

fn known(s: &[Val], v: VarId) -> Option<Lit> {
    match s[v as usize] {
        Val::Known(l) => Some(l),
        _ => None,
    }
}

fn known_bool(s: &[Val], v: VarId) -> Option<bool> {
    match known(s, v)? {
        Lit::I32(n) => Some(n != 0),
        _ => None,
    }
}

/// The literal a computation produces, if the operands make it known.
fn folded(i: &Inst, s: &[Val]) -> Option<Lit> {
    match *i {
        Inst::Const { lit, .. } => Some(lit),
        Inst::Copy { src, .. } => known(s, src),
        Inst::Unary { op, src, .. } => eval::unary(op, known(s, src)?),
        Inst::Binary { op, a, b, .. } => eval::binary(op, known(s, a)?, known(s, b)?),
        Inst::Select { cond, a, b, .. } => match known_bool(s, cond) {
            Some(c) => known(s, if c { a } else { b }),
            None => {
                let (x, y) = (known(s, a)?, known(s, b)?);
                same_lit(x, y).then_some(x)
            }
        },
        _ => None,
    }
}

/// The value of `i`'s destination afterwards.
fn value_of(i: &Inst, s: &[Val]) -> Val {
    folded(i, s).map_or(Val::Varying, Val::Known)
}

/// The rewrite of a simple (non-control) instruction, if any.
fn simplify(i: &Inst, s: &[Val]) -> Edit {
    if matches!(i, Inst::Const { .. }) {
        return Edit::Keep;
    }
    if let (Some(lit), Some(dst)) = (folded(i, s), def(i)) {
        return Edit::Replace(Inst::Const { dst, lit });
    }
    match *i {
        Inst::Select { dst, cond, a, b } => match known_bool(s, cond) {
            Some(c) => Edit::Replace(Inst::Copy { dst, src: if c { a } else { b } }),
            None => Edit::Keep,
        },
        _ => Edit::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::*;
    use super::*;
    use expect_test::expect;

    fn fold(f: Func) -> String {
        let mut m = module(vec![f]);
        run_pass(&mut m, &PASS, "f")
    }

    #[test]
    fn folds_arithmetic_through_copies() {
        // v2 = 2 + 3; v3 = v2; v4 = v3 * v0 (v0 unknown); v5 = v3 * 4
        let f = func(
            &[Ty::I64; 6],
            &[0],
            Ty::I64,
            vec![
                c64(1, 2),
                c64(5, 3),
                bin(2, BinOp::I64AddChk, 1, 5),
                copy(3, 2),
                bin(4, BinOp::I64MulChk, 3, 0),
                c64(5, 4),
                bin(5, BinOp::I64MulChk, 3, 5),
                Inst::Return(Some(5)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = 2
              v5:i64 = 3
              v2:i64 = 5
              v3:i64 = 5
              v4:i64 = i64mulchk v3, v0  @1:1
              v5:i64 = 4
              v5:i64 = 20
              return v5
        "#]]
        .assert_eq(&fold(f));
    }

    #[test]
    fn keeps_checked_operations_that_fail() {
        let f = func(
            &[Ty::I64; 4],
            &[],
            Ty::I64,
            vec![c64(0, i64::MAX), c64(1, 1), bin(2, BinOp::I64AddChk, 0, 1), c64(3, 0), bin(3, BinOp::I64DivChk, 1, 3), Inst::Return(Some(2))],
        );
        expect![[r#"
            fn #0 f() -> i64  [frame 0]
              v0:i64 = 9223372036854775807
              v1:i64 = 1
              v2:i64 = i64addchk v0, v1  @1:1
              v3:i64 = 0
              v3:i64 = i64divchk v1, v3  @1:1
              return v2
        "#]]
        .assert_eq(&fold(f));
    }

    #[test]
    fn different_values_on_two_arms_are_not_constant() {
        // if v0 { v1 = 1 } else { v1 = 2 }; v2 = v1 + v1; if v0 { v3 = 7 } else { v3 = 7 }; v4 = v3 + v3
        let f = func(
            &[Ty::I32, Ty::I64, Ty::I64, Ty::I64, Ty::I64],
            &[0],
            Ty::I64,
            vec![
                Inst::If { cond: 0, then: vec![c64(1, 1)], else_: vec![c64(1, 2)] },
                bin(2, BinOp::I64Add, 1, 1),
                Inst::If { cond: 0, then: vec![c64(3, 7)], else_: vec![c64(3, 7)] },
                bin(4, BinOp::I64Add, 3, 3),
                Inst::Return(Some(4)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i32) -> i64  [frame 0]
              if v0 {
                v1:i64 = 1
              } else {
                v1:i64 = 2
              }
              v2:i64 = i64add v1, v1
              if v0 {
                v3:i64 = 7
              } else {
                v3:i64 = 7
              }
              v4:i64 = 14
              return v4
        "#]]
        .assert_eq(&fold(f));
    }

    #[test]
    fn loop_variables_are_not_constant_but_loop_invariants_are() {
        // v1 = 0; v2 = 5; loop { v3 = v2 + v2; v1 = v1 + v3; v4 = v1 < 100; br_if v4 0 }; return v1
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I32, Ty::I64],
            &[0],
            Ty::I64,
            vec![
                c64(1, 0),
                c64(2, 5),
                Inst::Loop(vec![
                    bin(3, BinOp::I64AddChk, 2, 2),
                    bin(1, BinOp::I64AddChk, 1, 3),
                    c64(5, 100),
                    bin(4, BinOp::I64Lt, 1, 5),
                    Inst::BrIf { cond: 4, depth: 0 },
                ]),
                Inst::Return(Some(1)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = 0
              v2:i64 = 5
              loop {
                v3:i64 = 10
                v1:i64 = i64addchk v1, v3  @1:1
                v5:i64 = 100
                v4:i32 = i64lt v1, v5
                br_if v4, 0
              }
              return v1
        "#]]
        .assert_eq(&fold(f));
    }

    #[test]
    fn known_if_becomes_a_block_and_known_br_if_a_br_or_nothing() {
        // block { if v1 { br_if v0, 1; br_if v1, 1 } else { return v2 } }
        // with v0 = 0 and v1 = 1: the first `br_if` goes, the second becomes
        // `br 1`, which still targets the outer block once the `if` is a
        // block of its own.
        let f = func(
            &[Ty::I32, Ty::I32, Ty::I64],
            &[],
            Ty::I64,
            vec![
                c32(0, 0),
                c32(1, 1),
                c64(2, 3),
                Inst::Block(vec![Inst::If {
                    cond: 1,
                    then: vec![Inst::BrIf { cond: 0, depth: 1 }, Inst::BrIf { cond: 1, depth: 1 }],
                    else_: vec![Inst::Return(Some(2))],
                }]),
                Inst::Return(Some(2)),
            ],
        );
        expect![[r#"
            fn #0 f() -> i64  [frame 0]
              v0:i32 = 0
              v1:i32 = 1
              v2:i64 = 3
              block {
                block {
                  br 1
                }
              }
              return v2
        "#]]
        .assert_eq(&fold(f));
    }

    #[test]
    fn floats_fold_bit_exactly_and_nan_results_stay() {
        let f = func(
            &[Ty::F64, Ty::F64, Ty::F64, Ty::F64, Ty::I64],
            &[],
            Ty::I64,
            vec![
                Inst::Const { dst: 0, lit: Lit::F64(0.0) },
                Inst::Const { dst: 1, lit: Lit::F64(-0.0) },
                bin(2, BinOp::F64Add, 0, 1),
                bin(3, BinOp::F64Div, 0, 0),
                Inst::Unary { dst: 4, op: UnOp::F64Bits, src: 1, loc: Loc::default() },
                Inst::Return(Some(4)),
            ],
        );
        expect![[r#"
            fn #0 f() -> i64  [frame 0]
              v0:f64 = 0.0
              v1:f64 = -0.0
              v2:f64 = 0.0
              v3:f64 = f64div v0, v0
              v4:i64 = -9223372036854775808
              return v4
        "#]]
        .assert_eq(&fold(f));
    }

    #[test]
    fn zero_and_negative_zero_reaching_a_merge_are_not_one_constant() {
        let f = func(
            &[Ty::I32, Ty::F64, Ty::I64],
            &[0],
            Ty::I64,
            vec![
                Inst::If { cond: 0, then: vec![Inst::Const { dst: 1, lit: Lit::F64(0.0) }], else_: vec![Inst::Const { dst: 1, lit: Lit::F64(-0.0) }] },
                Inst::Unary { dst: 2, op: UnOp::F64Bits, src: 1, loc: Loc::default() },
                Inst::Return(Some(2)),
            ],
        );
        let out = fold(f);
        assert!(out.contains("v2:i64 = f64bits v1"), "{out}");
    }

    #[test]
    fn lowered_constant_conditions_fold_and_verify() {
        let mut m = lower("let x = 6 * 7\nif x > 40 { println(\"big\") } else { println(\"small\") }\nlet mut i = 0\nwhile i < x { i += 1 }\n");
        // The `if` on `42 > 40` becomes the `println("big")` arm in a block;
        // the loop counter is not a constant, so its test stays.
        expect![[r#"
            fn #0 <top-level>() -> ref  [frame 0]
              v0:i64 = 42
              v1:i64 (x) = 42
              v3:i64 = 40
              v4:i32 = 1
              block {
                v5:ref = s0
                v6:i32 = 1
                call rt_print(v5, v6)
                v7:ref = s1
                v8:i32 = 1
                call rt_print(v7, v8)
                v9:ref = null
                v2:ref = null
              }
              v15:i64 = 0
              v16:i64 (i) = 0
              v18:ref = null
              v17:ref = null
              block {
                loop {
                  v19:i32 = i64lt v16, v1
                  v20:i32 = i32eqz v19
                  br_if v20, 1
                  block {
                    v21:i64 = 1
                    v22:i64 = i64addchk v16, v21  @4:15
                    v16:i64 (i) = v22
                    v23:ref = null
                  }
                  br 0
                }
              }
              return v17
        "#]]
        .assert_eq(&run_pass(&mut m, &PASS, "<top-level>"));
    }
}
