//! Copy propagation.
//!
//! Variables are not SSA: both sides of `dst = src` may be assigned again
//! later, so a use of `dst` may read `src` instead only while the copy is
//! *available* — executed on every path to the use, with neither `dst` nor
//! `src` assigned since. A forward "must" dataflow analysis computes the
//! available copies at every point as a map `dst → src`:
//! * `dst = src` first kills every copy involving `dst`, then (when
//!   `dst != src`) makes `dst → src` available; any other definition of `v`
//!   kills every copy involving `v`;
//! * where paths merge (the end of a `block`/`if`, a `loop`'s start) only the
//!   copies available on every incoming path survive (intersection); a
//!   `loop`'s start is found by iterating from its entry state, which only
//!   shrinks, to a fixpoint; unreachable paths do not take part.
//!
//! Sources are resolved when a copy is recorded (`a = b; c = a` records
//! `c → b`), so the map never holds chains and one lookup per use suffices.
//! The rewrite replaces every use of an available `dst` by its `src`, and
//! removes copies that cannot change anything: `d = s` when `d → s` is
//! already available (or `s` resolves to `d`).
//!
//! Sound because an available `dst → src` means `dst` and `src` hold the
//! same value on every execution reaching the use. The verifier agrees:
//! `src` was defined on every path to the copy, so on every path to the use.

use super::util::for_each_use_mut;
use super::{ModuleView, Pass};
use crate::ir::*;
use std::collections::BTreeMap;

pub const PASS: Pass = Pass { name: "copy_prop", run };

pub fn run(f: &mut Func, _m: &ModuleView) -> bool {
    let mut p = Propagator { labels: vec![], changed: false };
    p.body(&mut f.body, Some(Copies::new()), Mode::Rewrite);
    p.changed
}

/// Available copies, `dst → src`.
type Copies = BTreeMap<VarId, VarId>;

/// `None` when the point is unreachable (the identity of the meet).
type State = Option<Copies>;

fn meet_into(into: &mut State, from: &State) {
    match (into.as_mut(), from) {
        (_, None) => {}
        (None, Some(f)) => *into = Some(f.clone()),
        (Some(i), Some(f)) => i.retain(|d, s| f.get(d) == Some(s)),
    }
}

/// Forgets every copy that involves `v` (it is being assigned).
fn kill(c: &mut Copies, v: VarId) {
    c.remove(&v);
    c.retain(|_, s| *s != v);
}

fn resolve(c: &Copies, v: VarId) -> VarId {
    c.get(&v).copied().unwrap_or(v)
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Analyse,
    Rewrite,
}

struct Propagator {
    /// The states branching to each enclosing label, innermost last.
    labels: Vec<State>,
    changed: bool,
}

impl Propagator {
    fn body(&mut self, insts: &mut Vec<Inst>, mut state: State, mode: Mode) -> State {
        let mut k = 0;
        while k < insts.len() {
            let (next, remove) = self.inst(&mut insts[k], state, mode);
            state = next;
            if remove && mode == Mode::Rewrite {
                insts.remove(k);
                self.changed = true;
            } else {
                k += 1;
            }
        }
        state
    }

    /// Visits one instruction; returns the state after it and whether it
    /// is a copy that changes nothing.
    fn inst(&mut self, i: &mut Inst, state: State, mode: Mode) -> (State, bool) {
        let Some(mut c) = state else { return (None, false) };
        if mode == Mode::Rewrite {
            self.substitute(i, &c);
        }
        match i {
            Inst::Block(b) => (self.labelled(b, c, mode), false),
            Inst::Loop(b) => (self.loop_(b, c, mode), false),
            Inst::If { then, else_, .. } => {
                self.labels.push(None);
                let mut after = self.body(then, Some(c.clone()), mode);
                let after_else = self.body(else_, Some(c), mode);
                meet_into(&mut after, &after_else);
                let branched = self.labels.pop().unwrap();
                meet_into(&mut after, &branched);
                (after, false)
            }
            Inst::Br(d) => {
                self.branch(*d, &c);
                (None, false)
            }
            Inst::BrIf { depth, .. } => {
                self.branch(*depth, &c);
                (Some(c), false)
            }
            Inst::Return(_) | Inst::Fail { .. } => (None, false),
            Inst::Copy { dst, src } => {
                let (dst, src) = (*dst, resolve(&c, *src));
                if src == dst || c.get(&dst) == Some(&src) {
                    return (Some(c), true);
                }
                kill(&mut c, dst);
                c.insert(dst, src);
                (Some(c), false)
            }
            _ => {
                if let Some(d) = def(i) {
                    kill(&mut c, d);
                }
                (Some(c), false)
            }
        }
    }

    /// Replaces the operands of `i` (not of nested bodies) whose copies are
    /// available.
    fn substitute(&mut self, i: &mut Inst, c: &Copies) {
        let mut changed = false;
        for_each_use_mut(i, &mut |v| {
            let r = resolve(c, *v);
            changed |= r != *v;
            *v = r;
        });
        self.changed |= changed;
    }

    fn branch(&mut self, depth: u32, c: &Copies) {
        let n = self.labels.len();
        meet_into(&mut self.labels[n - 1 - depth as usize], &Some(c.clone()));
    }

    fn labelled(&mut self, b: &mut Vec<Inst>, c: Copies, mode: Mode) -> State {
        self.labels.push(None);
        let mut end = self.body(b, Some(c), mode);
        let branched = self.labels.pop().unwrap();
        meet_into(&mut end, &branched);
        end
    }

    /// Shrinks the start state from the entry state until the branches
    /// back agree with it, then (when rewriting) walks once more rewriting.
    fn loop_(&mut self, b: &mut Vec<Inst>, entry: Copies, mode: Mode) -> State {
        let mut head = entry;
        let end = loop {
            self.labels.push(None);
            let end = self.body(b, Some(head.clone()), Mode::Analyse);
            let back = self.labels.pop().unwrap();
            let mut next = Some(head.clone());
            meet_into(&mut next, &back);
            let next = next.unwrap();
            if next == head {
                break end;
            }
            head = next;
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

#[cfg(test)]
mod tests {
    use super::super::util::testing::*;
    use super::*;
    use expect_test::expect;

    fn prop(f: Func) -> String {
        let mut m = module(vec![f]);
        run_pass(&mut m, &PASS, "f")
    }

    #[test]
    fn replaces_uses_until_either_side_is_redefined() {
        // v1 = v0; v2 = v1 + v1; v0 = 5; v3 = v1 + v1; return v3
        let f = func(
            &[Ty::I64; 4],
            &[0],
            Ty::I64,
            vec![copy(1, 0), bin(2, BinOp::I64Add, 1, 1), c64(0, 5), bin(3, BinOp::I64Add, 1, 1), bin(3, BinOp::I64Add, 3, 2), Inst::Return(Some(3))],
        );
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = v0
              v2:i64 = i64add v0, v0
              v0:i64 = 5
              v3:i64 = i64add v1, v1
              v3:i64 = i64add v3, v2
              return v3
        "#]]
        .assert_eq(&prop(f));
    }

    #[test]
    fn chains_resolve_to_the_first_source_and_redundant_copies_go() {
        // v1 = v0; v2 = v1; v1 = v0 (redundant); v3 = v2 + v1
        let f = func(
            &[Ty::I64; 4],
            &[0],
            Ty::I64,
            vec![copy(1, 0), copy(2, 1), copy(1, 0), copy(2, 2), bin(3, BinOp::I64Add, 2, 1), Inst::Return(Some(3))],
        );
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = v0
              v2:i64 = v0
              v3:i64 = i64add v0, v0
              return v3
        "#]]
        .assert_eq(&prop(f));
    }

    #[test]
    fn a_copy_on_one_arm_only_is_not_available_after_the_if() {
        let f = func(
            &[Ty::I32, Ty::I64, Ty::I64, Ty::I64],
            &[0, 1],
            Ty::I64,
            vec![
                c64(2, 0),
                Inst::If { cond: 0, then: vec![copy(2, 1), bin(3, BinOp::I64Add, 2, 2)], else_: vec![] },
                bin(3, BinOp::I64Add, 2, 2),
                Inst::Return(Some(3)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i32, v1:i64) -> i64  [frame 0]
              v2:i64 = 0
              if v0 {
                v2:i64 = v1
                v3:i64 = i64add v1, v1
              }
              v3:i64 = i64add v2, v2
              return v3
        "#]]
        .assert_eq(&prop(f));
    }

    #[test]
    fn a_copy_killed_in_a_loop_is_not_available_in_it() {
        // v2 = v1; loop { v3 = v2 + v2; v1 = v3; br_if v0 0 }; return v2
        let f = func(
            &[Ty::I32, Ty::I64, Ty::I64, Ty::I64],
            &[0, 1],
            Ty::I64,
            vec![
                copy(2, 1),
                Inst::Loop(vec![bin(3, BinOp::I64Add, 2, 2), copy(1, 3), Inst::BrIf { cond: 0, depth: 0 }]),
                Inst::Return(Some(2)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i32, v1:i64) -> i64  [frame 0]
              v2:i64 = v1
              loop {
                v3:i64 = i64add v2, v2
                v1:i64 = v3
                br_if v0, 0
              }
              return v2
        "#]]
        .assert_eq(&prop(f));
    }

    #[test]
    fn copies_reaching_a_block_end_by_every_branch_survive_it() {
        // block { v2 = v1; br_if v0 0; v3 = 1 }; v3 = v2 + v2
        let f = func(
            &[Ty::I32, Ty::I64, Ty::I64, Ty::I64],
            &[0, 1],
            Ty::I64,
            vec![
                Inst::Block(vec![copy(2, 1), Inst::BrIf { cond: 0, depth: 0 }, c64(3, 1)]),
                bin(3, BinOp::I64Add, 2, 2),
                Inst::Return(Some(3)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i32, v1:i64) -> i64  [frame 0]
              block {
                v2:i64 = v1
                br_if v0, 0
                v3:i64 = 1
              }
              v3:i64 = i64add v1, v1
              return v3
        "#]]
        .assert_eq(&prop(f));
    }

    #[test]
    fn lowered_locals_read_their_sources() {
        let mut m = lower("fun f(a: i64) -> i64 { let b = a; let c = b; c + b }\nprintln(f(1))\n");
        let out = run_pass(&mut m, &PASS, "f");
        expect![[r#"
            fn #1 f(v0:i64 (a)) -> i64  [frame 0]
              v1:i64 (b) = v0
              v2:i64 (c) = v0
              v3:i64 = i64addchk v0, v0  @1:46
              return v3
        "#]]
        .assert_eq(&out);
    }
}
