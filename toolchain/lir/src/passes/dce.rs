//! Dead-code elimination.
//!
//! Repeats, until nothing changes:
//! * **Dead definitions.** An instruction goes when the variable it defines
//!   is not live after it ([`crate::liveness`]) and it has no effect besides
//!   that definition: `Const`, `Copy`, `Unary`, `Binary`, `Select`, `Load`
//!   and `GlobalGet`, except the checked operators (`BinOp::can_fail`,
//!   `UnOp::I64NegChk`), which may end the program with an error. Calls,
//!   stores and control flow stay. A copy of a variable to itself goes too.
//!   Removing one definition can make its operands dead: hence the loop.
//! * **Unreachable code.** Instructions after a `br`, `return` or `fail`
//!   in the same body never run.
//! * **Redundant branches.** A `br`/`br_if` that is the last instruction of
//!   a body and targets the label control reaches anyway by falling off the
//!   end (the enclosing `block` or `if`, or one further out when the
//!   enclosing instruction is itself last in its body) changes nothing.
//! * **Needless structure.** A `block` or `loop` whose label no branch
//!   targets runs its body once and falls through: its contents replace it,
//!   with the depths of branches that leave it lowered by one (see
//!   [`super::util`]). An `if` with two empty arms goes (reading its
//!   condition has no effect).
//!
//! The verifier still accepts the result: a definition is removed only when
//! no path from it reaches a use, so every use keeps a definition on every
//! path; removed code and branches were unreachable or equivalent to
//! falling through.

use super::util::{remove_own_label, targets_own_label};
use super::{ModuleView, Pass};
use crate::ir::*;
use crate::liveness::for_each_live_after;
use std::collections::HashSet;

pub const PASS: Pass = Pass { name: "dce", run };

pub fn run(f: &mut Func, _m: &ModuleView) -> bool {
    let mut changed = false;
    loop {
        let mut round = simplify_body(&mut f.body, &[]);
        round |= remove_dead_defs(f);
        if !round {
            return changed;
        }
        changed = true;
    }
}

/// True when `i` has no effect besides defining its destination.
fn is_pure(i: &Inst) -> bool {
    match i {
        Inst::Const { .. } | Inst::Copy { .. } | Inst::Select { .. } | Inst::Load { .. } | Inst::GlobalGet { .. } => true,
        Inst::Unary { op, .. } => *op != UnOp::I64NegChk,
        Inst::Binary { op, .. } => !op.can_fail(),
        _ => false,
    }
}

fn removable(i: &Inst, live_after: &crate::liveness::VarSet) -> bool {
    match i {
        Inst::Copy { dst, src } if dst == src => true,
        _ => def(i).is_some_and(|d| !live_after.contains(d)) && is_pure(i),
    }
}

/// Removes pure instructions whose results are not live.
fn remove_dead_defs(f: &mut Func) -> bool {
    // The liveness visitor hands out references into `f.body`; instructions
    // are identified by address, which stays valid because nothing moves
    // until `retain_nested` (which only moves instructions it has already
    // looked at).
    let mut dead: HashSet<*const Inst> = HashSet::new();
    for_each_live_after(f, &mut |i, after| {
        if removable(i, after) {
            dead.insert(i as *const Inst);
        }
    });
    if dead.is_empty() {
        return false;
    }
    retain_nested(&mut f.body, &dead);
    true
}

/// Drops the instructions in `dead`, nested bodies first (so the addresses
/// of their instructions are compared before anything around them moves).
fn retain_nested(body: &mut Vec<Inst>, dead: &HashSet<*const Inst>) {
    for i in body.iter_mut() {
        for b in super::util::bodies_mut(i) {
            retain_nested(b, dead);
        }
    }
    body.retain(|i| !dead.contains(&(i as *const Inst)));
}

/// Removes unreachable code, redundant trailing branches and needless
/// structure from `body`. `fallthrough` lists the branch depths (relative to
/// `body`) that go where falling off the end of `body` goes.
fn simplify_body(body: &mut Vec<Inst>, fallthrough: &[u32]) -> bool {
    let mut changed = truncate_after_terminator(body);
    while let Some(Inst::Br(d) | Inst::BrIf { depth: d, .. }) = body.last() {
        if !fallthrough.contains(d) {
            break;
        }
        body.pop();
        changed = true;
    }
    let n = body.len();
    for (k, i) in std::mem::take(body).into_iter().enumerate() {
        // Falling off the end of a last instruction's body continues where
        // falling off the end of this body does, one label further out.
        let outer: Vec<u32> = if k + 1 == n { fallthrough.iter().map(|d| d + 1).collect() } else { vec![] };
        changed |= simplify_inst(i, &outer, body);
    }
    changed
}

/// Simplifies `i` and appends what replaces it to `out`.
fn simplify_inst(mut i: Inst, outer: &[u32], out: &mut Vec<Inst>) -> bool {
    let own_end: Vec<u32> = std::iter::once(0).chain(outer.iter().copied()).collect();
    let changed = match &mut i {
        // Falling off a loop body leaves the loop: `br 0` would go back.
        Inst::Loop(b) => simplify_body(b, outer),
        Inst::Block(b) => simplify_body(b, &own_end),
        Inst::If { then, else_, .. } => simplify_body(then, &own_end) | simplify_body(else_, &own_end),
        _ => false,
    };
    match &mut i {
        Inst::Block(b) | Inst::Loop(b) if !targets_own_label(b) => {
            remove_own_label(b);
            out.append(b);
            true
        }
        Inst::If { then, else_, .. } if then.is_empty() && else_.is_empty() => true,
        _ => {
            out.push(i);
            changed
        }
    }
}

/// Drops the instructions after the first `br`/`return`/`fail`.
fn truncate_after_terminator(body: &mut Vec<Inst>) -> bool {
    match body.iter().position(Inst::is_terminator) {
        Some(p) if p + 1 < body.len() => {
            body.truncate(p + 1);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::*;
    use super::*;
    use expect_test::expect;

    fn dce(f: Func) -> String {
        let mut m = module(vec![f]);
        run_pass(&mut m, &PASS, "f")
    }

    #[test]
    fn removes_unused_pure_definitions_transitively_but_keeps_effects() {
        // v1 = 1; v2 = v1 + v0 (unused); v3 = v0 addchk v0 (unused, may fail);
        // call (unused result); return v0
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::Ref, Ty::I64],
            &[0],
            Ty::I64,
            vec![
                c64(1, 1),
                bin(2, BinOp::I64Add, 1, 0),
                bin(3, BinOp::I64AddChk, 0, 0),
                Inst::Call { dst: Some(4), callee: Callee::Runtime("rt_box_int"), args: vec![0], loc: Loc::default() },
                Inst::Unary { dst: 5, op: UnOp::I64NegChk, src: 0, loc: Loc::default() },
                copy(0, 0),
                Inst::Return(Some(0)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v3:i64 = i64addchk v0, v0  @1:1
              v4:ref = call rt_box_int(v0)
              v5:i64 = i64negchk v0
              return v0
        "#]]
        .assert_eq(&dce(f));
    }

    #[test]
    fn removes_code_after_terminators_and_flattens_untargeted_blocks() {
        // block { block { br_if v0 2 ; return v1 ; v1 = 2 } } ; return v1
        // The inner `br_if v0, 2` leaves the function body's block, it
        // becomes `br_if v0, 0` once both blocks are gone.
        let f = func(
            &[Ty::I32, Ty::I64],
            &[0, 1],
            Ty::I64,
            vec![
                Inst::Block(vec![Inst::Block(vec![
                    Inst::Block(vec![Inst::BrIf { cond: 0, depth: 2 }, Inst::Return(Some(1)), c64(1, 2)]),
                    c64(1, 3),
                ])]),
                Inst::Return(Some(1)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i32, v1:i64) -> i64  [frame 0]
              block {
                br_if v0, 0
                return v1
              }
              return v1
        "#]]
        .assert_eq(&dce(f));
    }

    #[test]
    fn trailing_branches_to_where_control_falls_anyway_go() {
        // block { if v0 { v1 = 1; br 1 } else { br 0 } }; loop { br_if v0 0 }; return v1
        let f = func(
            &[Ty::I32, Ty::I64],
            &[0, 1],
            Ty::I64,
            vec![
                Inst::Block(vec![Inst::If { cond: 0, then: vec![c64(1, 1), Inst::Br(1)], else_: vec![Inst::Br(0)] }]),
                Inst::Loop(vec![Inst::BrIf { cond: 0, depth: 0 }]),
                Inst::Return(Some(1)),
            ],
        );
        expect![[r#"
            fn #0 f(v0:i32, v1:i64) -> i64  [frame 0]
              if v0 {
                v1:i64 = 1
              }
              loop {
                br_if v0, 0
              }
              return v1
        "#]]
        .assert_eq(&dce(f));
    }

    #[test]
    fn values_used_only_around_a_loop_stay_live() {
        // v1 = 0; loop { v2 = v1 + 1; v1 = v2; v3 = v1 < 10; br_if v3 0 }; return v1
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64, Ty::I32, Ty::I64],
            &[0],
            Ty::I64,
            vec![
                c64(1, 0),
                c64(4, 1),
                Inst::Loop(vec![bin(2, BinOp::I64Add, 1, 4), copy(1, 2), c64(4, 10), bin(3, BinOp::I64Lt, 1, 4), c64(4, 1), Inst::BrIf { cond: 3, depth: 0 }]),
                Inst::Return(Some(1)),
            ],
        );
        let out = dce(f);
        assert!(out.contains("v1:i64 = 0") && out.contains("v4:i64 = 1") && out.contains("br_if v3, 0"), "{out}");
    }

    #[test]
    fn a_dead_initial_value_overwritten_before_every_break_goes() {
        // `let x = loop { break 5 }`: the loop result's nil initialiser is
        // dead (every exit assigns it first); the verifier must agree.
        let mut m = lower("fun f() -> i64 { let x = loop { break 5 }\n x }\nprintln(f())\n");
        assert!(listing(&m, "f").contains(":ref = null"), "{}", listing(&m, "f"));
        let out = run_pass(&mut m, &PASS, "f");
        expect![[r#"
            fn #1 f() -> ref  [frame 0]
              v2:i64 = 5
              v3:ref = call rt_box_int(v2)
              v0:ref = v3
              v5:ref (x) = v0
              v6:i32 = global g0
              v7:i32 = reftoi32 v5
              v8:i64 = i32toi64 v7
              v9:i64 = i32toi64 v6
              v10:i32 = i64ltu v8, v9
              if v10 {
              } else {
                v11:i32 = load.i32 v5+0
                v12:i32 = 255
                v13:i32 = i32and v11, v12
                v14:i32 = 8
                v15:i32 = 10
                v16:i32 = i32ge v13, v14
                v17:i32 = i32le v13, v15
                v18:i32 = i32and v16, v17
                if v18 {
                } else {
                  v19:i32 = 512
                  v20:i32 = i32or v11, v19
                  store.i32 v5+0 = v20
                }
              }
              return v5
        "#]]
        .assert_eq(&out);
    }
}
