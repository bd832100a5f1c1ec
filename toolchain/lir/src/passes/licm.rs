//! Loop-invariant code motion.
//!
//! An instruction `d = e` inside a `loop` (not inside a loop nested in it)
//! moves to just before the loop when all of these hold:
//! 1. **It computes the same value every time.** None of its operands is
//!    assigned anywhere in the loop (nested code included), and it is:
//!    a constant, copy, select or an operator that cannot fail; a checked
//!    division or remainder by a variable whose only definition in the
//!    function is a constant that makes it unable to fail (not 0, and not
//!    -1 for division); a `global.get` of a global nothing in the loop sets
//!    and no call in it can set; or a `load` when the loop has no store and
//!    no call that returns (the runtime's error reporters never do, see
//!    [`super::util::never_returns`]).
//! 2. **Running it early is harmless.** It cannot fail or trap and has no
//!    effect, so executing it once before the loop, even on an entry that
//!    would never have reached it, changes nothing but `d`. Loads are
//!    limited to a reference plus an offset inside the 8-byte object header
//!    (a reference is nil, a static or a live object, so those addresses
//!    are always in memory), and nothing defining a reference moves except
//!    constants, so every reference variable still holds a valid reference
//!    wherever the collector could look at it.
//! 3. **Nobody sees `d` change earlier.** `d` is assigned nowhere else in
//!    the loop and is not live at the loop's start ([`loop_live_ins`]): no
//!    path from the loop's entry reaches a use of `d`, inside the loop or
//!    after it, without passing this instruction first. So every use sees
//!    the same value as before: the one this instruction computes, from
//!    operands that have the same values before the loop as in it.
//! 4. **The operands are defined at the loop's entry** on every path
//!    ([`loop_defined_ins`]), so the verifier accepts the moved code, and
//!    **live at the loop's start**, which holds whenever some path in the
//!    loop reaches the instruction (they are not assigned in the loop): an
//!    instruction no path reaches stays where it is.
//!
//! Loops are handled innermost first; what leaves an inner loop may then
//! leave the enclosing one. Liveness and definedness are computed for the
//! whole function before each sweep over its loops, and recomputed for the
//! next sweep when something moved. Within a sweep, a loop enclosing one
//! that changed waits for the next sweep (its own body changed); for every
//! other loop the facts computed before the sweep stay true or err on the
//! safe side. Moving `d = e` from loop `L` to just before it: every path
//! through its old place passes its new one, so definedness anywhere only
//! grows; `d`'s liveness only shrinks (a definition moved earlier); and an
//! operand, live at `L`'s start already (rule 4), is live at no point where
//! it was not, since any path reaching the new place continues into `L`.

use super::util::{constant_vars, count, is_pure_total, loop_defined_ins, loop_live_ins, Effects};
use super::{ModuleView, Pass};
use crate::ir::*;
use crate::liveness::VarSet;
use std::collections::{BTreeSet, HashMap};

pub const PASS: Pass = Pass { name: "licm", run };

pub fn run(f: &mut Func, _m: &ModuleView) -> bool {
    let mut loops = false;
    walk(&f.body, &mut |i| loops |= matches!(i, Inst::Loop(_)));
    if !loops {
        return false;
    }
    let consts = constant_vars(f);
    let mut changed = false;
    // Every sweep moves at least one instruction out of one loop; each
    // instruction can move at most once per enclosing loop.
    for _ in 0..count(&f.body) {
        let live = loop_live_ins(f);
        let defined = loop_defined_ins(f);
        let mut s = Sweep { f_vars: &f.vars, consts: &consts, live: &live, defined: &defined, next_loop: 0 };
        if !s.body(&mut f.body) {
            break;
        }
        changed = true;
    }
    changed
}

struct Sweep<'a> {
    f_vars: &'a [Var],
    consts: &'a [Option<Lit>],
    live: &'a [VarSet],
    defined: &'a [Vec<bool>],
    /// Pre-order index of the next loop met.
    next_loop: usize,
}

impl Sweep<'_> {
    /// Moves what can leave the loops in `body`, innermost first; true when
    /// something moved. A loop enclosing one that changed waits for the
    /// next sweep: its body changed, so its facts are stale.
    fn body(&mut self, body: &mut Vec<Inst>) -> bool {
        let mut changed = false;
        let mut k = 0;
        while k < body.len() {
            match &mut body[k] {
                Inst::Loop(b) => {
                    let me = self.next_loop;
                    self.next_loop += 1;
                    if self.body(b) {
                        changed = true;
                    } else {
                        let moved = self.hoist(me, b);
                        if !moved.is_empty() {
                            changed = true;
                            // The loop moves down past what goes before it.
                            let n = moved.len();
                            body.splice(k..k, moved);
                            k += n;
                        }
                    }
                }
                Inst::Block(b) => changed |= self.body(b),
                Inst::If { then, else_, .. } => {
                    changed |= self.body(then);
                    changed |= self.body(else_);
                }
                _ => {}
            }
            k += 1;
        }
        changed
    }

    /// Removes the invariant instructions of loop `me` (body `b`) and
    /// returns them in order.
    fn hoist(&self, me: usize, b: &mut Vec<Inst>) -> Vec<Inst> {
        let effects = Effects::of(b);
        let mut defs: HashMap<VarId, usize> = HashMap::new();
        walk(b, &mut |i| {
            if let Some(d) = def(i) {
                *defs.entry(d).or_default() += 1;
            }
        });
        let mut picked = BTreeSet::new();
        let mut n = 0;
        self.pick(b, &effects, &defs, me, &mut n, &mut picked);
        let mut out = vec![];
        if !picked.is_empty() {
            let mut n = 0;
            extract(b, &picked, &mut n, &mut out);
        }
        out
    }

    /// Numbers the instructions of a loop body outside nested loops in
    /// order, collecting the numbers of those that may move.
    fn pick(&self, b: &[Inst], e: &Effects, defs: &HashMap<VarId, usize>, me: usize, n: &mut usize, picked: &mut BTreeSet<usize>) {
        for i in b {
            let k = *n;
            *n += 1;
            match i {
                Inst::Block(x) => self.pick(x, e, defs, me, n, picked),
                Inst::If { then, else_, .. } => {
                    self.pick(then, e, defs, me, n, picked);
                    self.pick(else_, e, defs, me, n, picked);
                }
                _ if self.movable(i, e, defs, me) => {
                    picked.insert(k);
                }
                _ => {}
            }
        }
    }

    fn movable(&self, i: &Inst, e: &Effects, defs: &HashMap<VarId, usize>, me: usize) -> bool {
        let Some(d) = def(i) else { return false };
        let invariant = uses(i).iter().all(|&u| !e.defs.contains(&u) && self.defined[me][u as usize] && self.live[me].contains(u));
        let kind_ok = match *i {
            Inst::Const { .. } => true,
            _ if self.f_vars[d as usize].ty == Ty::Ref => false,
            _ if is_pure_total(i) => true,
            Inst::Binary { op: BinOp::I64DivChk, b, .. } => matches!(self.consts[b as usize], Some(Lit::I64(n)) if n != 0 && n != -1),
            Inst::Binary { op: BinOp::I64RemChk, b, .. } => matches!(self.consts[b as usize], Some(Lit::I64(n)) if n != 0),
            Inst::GlobalGet { global, .. } => !e.writes_global(global),
            Inst::Load { mem, addr, offset, .. } => {
                let width = match mem {
                    Mem::U8 => 1,
                    Mem::I32 | Mem::Ref => 4,
                    Mem::I64 | Mem::F64 => 8,
                };
                !e.writes_memory() && self.f_vars[addr as usize].ty == Ty::Ref && offset + width <= ruchy_runtime_layout::HEADER_SIZE
            }
            _ => false,
        };
        kind_ok && invariant && defs.get(&d) == Some(&1) && !self.live[me].contains(d)
    }
}

/// Removes the instructions numbered in `picked` (numbering as in
/// [`Sweep::pick`]) from a loop body, appending them to `out` in order.
fn extract(b: &mut Vec<Inst>, picked: &BTreeSet<usize>, n: &mut usize, out: &mut Vec<Inst>) {
    let mut k = 0;
    while k < b.len() {
        let me = *n;
        *n += 1;
        if picked.contains(&me) {
            out.push(b.remove(k));
            continue;
        }
        match &mut b[k] {
            Inst::Block(x) => extract(x, picked, n, out),
            Inst::If { then, else_, .. } => {
                extract(then, picked, n, out);
                extract(else_, picked, n, out);
            }
            _ => {}
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::*;
    use super::*;
    use expect_test::expect;

    fn licm(f: Func) -> String {
        let mut m = module(vec![f]);
        run_pass(&mut m, &PASS, "f")
    }

    #[test]
    fn invariant_chains_leave_nested_loops_one_level_at_a_time() {
        // v1 = 0; loop { v2 = 10; loop { v3 = v0 * v2 (invariant in both);
        // v1 = v1 + v3; v5 = v1 < v2; br_if v5 0 }; v6 = v1 < v0; br_if v6 0 };
        // return v1
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I32, Ty::I32],
            &[0],
            Ty::I64,
            vec![
                c64(1, 0),
                Inst::Loop(vec![
                    c64(2, 10),
                    Inst::Loop(vec![bin(3, BinOp::I64Mul, 0, 2), bin(1, BinOp::I64Add, 1, 3), bin(5, BinOp::I64Lt, 1, 2), Inst::BrIf { cond: 5, depth: 0 }]),
                    bin(6, BinOp::I64Lt, 1, 0),
                    Inst::BrIf { cond: 6, depth: 0 },
                ]),
                Inst::Return(Some(1)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = 0
              v2:i64 = 10
              v3:i64 = i64mul v0, v2
              loop {
                loop {
                  v1:i64 = i64add v1, v3
                  v5:i32 = i64lt v1, v2
                  br_if v5, 0
                }
                v6:i32 = i64lt v1, v0
                br_if v6, 0
              }
              return v1
        "#]]
        .assert_eq(&licm(f));
    }

    #[test]
    fn values_live_at_the_loop_start_or_assigned_twice_stay() {
        // v1 live at the start (read before assigned in the loop, and after the
        // loop on an early exit); v2 assigned twice; v3 fails (checked op);
        // v4 divides by a safe constant.
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I32],
            &[0, 1, 6],
            Ty::I64,
            vec![
                c64(5, 4),
                Inst::Block(vec![Inst::Loop(vec![
                    Inst::BrIf { cond: 6, depth: 1 },
                    bin(1, BinOp::I64Add, 0, 0),
                    bin(2, BinOp::I64Sub, 0, 0),
                    bin(2, BinOp::I64Sub, 0, 0),
                    bin(3, BinOp::I64AddChk, 0, 0),
                    bin(4, BinOp::I64DivChk, 0, 5),
                    Inst::Br(0),
                ])]),
                Inst::Return(Some(1)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i64, v1:i64, v6:i32) -> i64  [frame 0]
              v5:i64 = 4
              block {
                v4:i64 = i64divchk v0, v5  @1:1
                loop {
                  br_if v6, 1
                  v1:i64 = i64add v0, v0
                  v2:i64 = i64sub v0, v0
                  v2:i64 = i64sub v0, v0
                  v3:i64 = i64addchk v0, v0  @1:1
                  br 0
                }
              }
              return v1
        "#]]
        .assert_eq(&licm(f));
    }

    #[test]
    fn loads_move_only_out_of_loops_without_stores_or_calls() {
        // Two loops reading an array's length: the first also prints (a call),
        // the second only reports index errors (which never return).
        let load = |dst| Inst::Load { dst, mem: Mem::I32, addr: 0, offset: 4 };
        let f = func(
            &[Ty::Ref, Ty::I32, Ty::I32, Ty::I32, Ty::I32, Ty::I64],
            &[0, 3, 5],
            Ty::I64,
            vec![
                Inst::Loop(vec![load(1), Inst::Call { dst: None, callee: Callee::Runtime("rt_print"), args: vec![0, 1], loc: Loc::default() }, Inst::BrIf { cond: 3, depth: 0 }]),
                Inst::Loop(vec![
                    load(2),
                    Inst::If { cond: 3, then: vec![Inst::Call { dst: None, callee: Callee::Runtime("rt_index_error"), args: vec![5, 2, 2, 2], loc: Loc::default() }], else_: vec![] },
                    Inst::Load { dst: 4, mem: Mem::I32, addr: 0, offset: 12 },
                    Inst::BrIf { cond: 3, depth: 0 },
                ]),
                Inst::Return(Some(5)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:ref, v3:i32, v5:i64) -> i64  [frame 0]
              loop {
                v1:i32 = load.i32 v0+4
                call rt_print(v0, v1)
                br_if v3, 0
              }
              v2:i32 = load.i32 v0+4
              loop {
                if v3 {
                  call rt_index_error(v5, v2, v2, v2)
                }
                v4:i32 = load.i32 v0+12
                br_if v3, 0
              }
              return v5
        "#]]
        .assert_eq(&licm(f));
    }

    #[test]
    fn operands_undefined_at_the_loop_entry_keep_an_unreachable_instruction_in_place() {
        // block { loop { br 1; v2 = v1 + v1 } }: v1 is defined after the loop
        // only, on no path to it — the verifier would reject the moved copy.
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64],
            &[0],
            Ty::I64,
            vec![
                Inst::Block(vec![Inst::Loop(vec![Inst::Block(vec![Inst::Br(2)]), bin(2, BinOp::I64Add, 1, 1), Inst::Return(Some(2))])]),
                c64(1, 3),
                Inst::Return(Some(1)),
            ],
        );
        let out = licm(f);
        assert!(out.contains("  loop {\n      block {\n        br 2\n      }\n      v2:i64 = i64add v1, v1"), "{out}");
    }

    #[test]
    fn lowered_for_loop_over_an_array_reads_its_length_once() {
        let mut m = lower("fun f(a: [i64]) -> i64 { let mut t = 0\n for i in 0..a.len() { t += a[i] }\n t }\nprintln(f([1, 2]))\n");
        let out = run_pass(&mut m, &PASS, "f");
        let in_loop = &out[out.find("loop {").unwrap()..];
        assert!(!in_loop.contains("load.i32 v0+4"), "{out}");
    }
}
