//! Inlining of small user functions.
//!
//! A direct call `dst = call #c(args)` of a small function is replaced by a
//! copy of `c`'s body (as it was when the pass started on the module, see
//! [`ModuleView::funcs`]) wrapped in a `block`:
//!
//! ```text
//! block {
//!   p0' = a0; p1' = a1 …      ; parameters receive the arguments
//!   body'                     ; c's body, every variable renamed
//! }
//! ```
//!
//! Every variable of `c` becomes a fresh variable of the caller (same type
//! and name), and a `return v` at nesting depth `k` inside the body becomes
//! `dst = v'; br k`: a branch to the end of the wrapping block, which is
//! where the call would have returned to. The body's own branches target
//! labels inside the body (its top level is not a label), so their relative
//! depths are unchanged by the extra block around it. Copy propagation and
//! dead-code elimination afterwards remove the parameter and result copies
//! and flatten the block when nothing but the final `br 0` targets it.
//!
//! Which calls: the callee is a user function (`Callee::Func`), its body has
//! at most `budget` instructions (nested ones included; -O2, -O3 and -Os
//! have their own budgets — at -Os a callee may have one instruction besides
//! its `return`, so the inlined code is no larger than the call it
//! replaces), it is not recursive (it cannot reach itself through direct
//! calls, so repeated rounds cannot unroll it), and it has no shadow-stack
//! frame (inlining runs before [`crate::roots`] anyway). Callers stop
//! growing at [`CALLER_LIMIT`] instructions. Calls in code this run inlined
//! are left for the next round.
//!
//! Sound because the block does what the call did, in the same order: the
//! arguments (already computed variables) are bound to the parameters, the
//! body runs with the same effects (runtime calls, memory, globals,
//! failures) on variables no caller code touches, and control continues
//! after the block with the returned value in `dst` exactly when the callee
//! would have returned. The renamed variables are fresh, and verified code
//! defines a variable before reading it on every path, so their values on
//! entry (wasm zero-initialises locals; an inlined body inside a loop sees
//! the previous iteration's) never matter. Every branch to the block's end
//! comes from a `return` and assigns `dst` first, so the verifier's
//! definite-assignment rule holds after the block. Exceptions need nothing
//! special: a `throw` in the callee sets the exception globals and returns;
//! inlined, it sets them and leaves the block, and the caller's test of the
//! pending flag that follows the call site (see `lower/exceptions.rs`) reads
//! the flag as before. Only the wasm call depth changes, which no program
//! can observe short of exhausting the engine's stack, which now happens
//! later if at all.

use super::util::{count, rename_vars};
use super::{ModuleView, Pass};
use crate::ir::*;

/// -O2: callees of at most this many instructions.
pub const BUDGET_O2: usize = 16;
/// -O3: a larger budget.
pub const BUDGET_O3: usize = 40;
/// -Os: one instruction besides the `return` (never larger than the call).
pub const BUDGET_OS: usize = 2;

/// A caller is not grown past this many instructions.
pub const CALLER_LIMIT: usize = 5000;

pub const PASS: Pass = Pass { name: "inline", run };
/// The -O3 variant (same name, larger budget).
pub const PASS_O3: Pass = Pass { name: "inline", run: run_o3 };
/// The -Os variant (same name, code never grows).
pub const PASS_OS: Pass = Pass { name: "inline", run: run_os };

pub fn run(f: &mut Func, m: &ModuleView) -> bool {
    inline_calls(f, m, BUDGET_O2)
}

fn run_o3(f: &mut Func, m: &ModuleView) -> bool {
    inline_calls(f, m, BUDGET_O3)
}

fn run_os(f: &mut Func, m: &ModuleView) -> bool {
    inline_calls(f, m, BUDGET_OS)
}

/// Inlines the direct calls in `f` of every function of `m.funcs` that
/// [`inlinable`] allows with `budget`.
pub fn inline_calls(f: &mut Func, m: &ModuleView, budget: usize) -> bool {
    let recursive = recursive_funcs(m.funcs);
    let ok: Vec<bool> = m.funcs.iter().enumerate().map(|(id, g)| !recursive[id] && inlinable(g, budget)).collect();
    if !ok.iter().any(|&x| x) {
        return false;
    }
    let mut body = std::mem::take(&mut f.body);
    let mut size = count(&body);
    let changed = inline_in(&mut body, f, m.funcs, &ok, &mut size);
    f.body = body;
    changed
}

/// Whether `g` may be inlined with `budget` (recursion aside).
pub fn inlinable(g: &Func, budget: usize) -> bool {
    let mut rooted = false;
    walk(&g.body, &mut |i| rooted |= matches!(i, Inst::Root { .. }));
    g.frame_slots == 0 && !rooted && count(&g.body) <= budget
}

/// Functions that can reach themselves through direct calls.
pub fn recursive_funcs(funcs: &[Func]) -> Vec<bool> {
    let callees: Vec<Vec<FuncId>> = funcs
        .iter()
        .map(|g| {
            let mut c = vec![];
            walk(&g.body, &mut |i| {
                if let Inst::Call { callee: Callee::Func(id), .. } = i {
                    c.push(*id);
                }
            });
            c.sort_unstable();
            c.dedup();
            c
        })
        .collect();
    (0..funcs.len())
        .map(|start| {
            // Depth-first search from `start`'s callees for `start`.
            let mut seen = vec![false; funcs.len()];
            let mut stack: Vec<FuncId> = callees[start].clone();
            while let Some(g) = stack.pop() {
                if g as usize == start {
                    return true;
                }
                if !std::mem::replace(&mut seen[g as usize], true) {
                    stack.extend(callees.get(g as usize).into_iter().flatten());
                }
            }
            false
        })
        .collect()
}

fn inline_in(body: &mut [Inst], f: &mut Func, funcs: &[Func], ok: &[bool], size: &mut usize) -> bool {
    let mut changed = false;
    for i in body.iter_mut() {
        match i {
            Inst::Block(b) | Inst::Loop(b) => changed |= inline_in(b, f, funcs, ok, size),
            Inst::If { then, else_, .. } => {
                changed |= inline_in(then, f, funcs, ok, size);
                changed |= inline_in(else_, f, funcs, ok, size);
            }
            Inst::Call { dst, callee: Callee::Func(c), args, .. } if ok.get(*c as usize) == Some(&true) => {
                let callee = &funcs[*c as usize];
                let grown = *size + count(&callee.body);
                if grown > CALLER_LIMIT {
                    continue;
                }
                *size = grown;
                *i = expand(callee, args, *dst, f);
                changed = true;
            }
            _ => {}
        }
    }
    changed
}

/// The block that replaces `dst = call callee(args)` in `f`.
fn expand(callee: &Func, args: &[VarId], dst: Option<VarId>, f: &mut Func) -> Inst {
    let base = f.vars.len() as VarId;
    f.vars.extend(callee.vars.iter().cloned());
    let mut body = callee.body.clone();
    rename_vars(&mut body, &|v| v + base);
    returns_to_branches(&mut body, 0, dst);
    let mut block: Vec<Inst> = callee.params.iter().zip(args).map(|(&p, &a)| Inst::Copy { dst: p + base, src: a }).collect();
    block.extend(body);
    Inst::Block(block)
}

/// Turns each `return v` of a body nested `level` labels inside the
/// wrapping block into `dst = v; br level`.
fn returns_to_branches(body: &mut Vec<Inst>, level: u32, dst: Option<VarId>) {
    let mut out = Vec::with_capacity(body.len());
    for mut i in std::mem::take(body) {
        match &mut i {
            Inst::Return(v) => {
                if let (Some(d), Some(v)) = (dst, *v) {
                    out.push(Inst::Copy { dst: d, src: v });
                }
                out.push(Inst::Br(level));
                continue;
            }
            Inst::Block(b) | Inst::Loop(b) => returns_to_branches(b, level + 1, dst),
            Inst::If { then, else_, .. } => {
                returns_to_branches(then, level + 1, dst);
                returns_to_branches(else_, level + 1, dst);
            }
            _ => {}
        }
        out.push(i);
    }
    *body = out;
}

#[cfg(test)]
mod tests {
    use super::super::util::testing::*;
    use super::*;
    use expect_test::expect;

    fn named(mut f: Func, name: &str) -> Func {
        f.name = name.into();
        f
    }

    fn call(dst: VarId, callee: FuncId, args: &[VarId]) -> Inst {
        Inst::Call { dst: Some(dst), callee: Callee::Func(callee), args: args.to_vec(), loc: Loc::default() }
    }

    #[test]
    fn returns_become_branches_out_of_the_wrapping_block() {
        // g(v0, v1) = { if v0 > 0 { loop { br_if v1, 1; return v0 } }; return v1 }
        let g = named(
            func(
                &[Ty::I64, Ty::I32, Ty::I64, Ty::I32],
                &[0, 1],
                Ty::I64,
                vec![
                    c64(2, 0),
                    bin(3, BinOp::I64Gt, 0, 2),
                    Inst::If { cond: 3, then: vec![Inst::Loop(vec![Inst::BrIf { cond: 1, depth: 1 }, Inst::Return(Some(0))])], else_: vec![] },
                    c64(2, 7),
                    Inst::Return(Some(2)),
                ],
            ),
            "g",
        );
        let f = func(&[Ty::I64, Ty::I32, Ty::I64], &[0, 1], Ty::I64, vec![call(2, 1, &[0, 1]), Inst::Return(Some(2))]);
        let mut m = module(vec![f, g]);
        expect![[r#"
            fn #0 f(v0:i64, v1:i32) -> i64  [frame 0]
              block {
                v3:i64 = v0
                v4:i32 = v1
                v5:i64 = 0
                v6:i32 = i64gt v3, v5
                if v6 {
                  loop {
                    br_if v4, 1
                    v2:i64 = v3
                    br 2
                  }
                }
                v5:i64 = 7
                v2:i64 = v5
                br 0
              }
              return v2
        "#]]
        .assert_eq(&run_pass(&mut m, &PASS, "f"));
    }

    #[test]
    fn recursive_and_large_functions_stay_calls() {
        // r calls itself; big has more instructions than the budget; h is
        // small and called twice, once without using the result.
        let r = named(func(&[Ty::I64], &[0], Ty::I64, vec![call(0, 1, &[0]), Inst::Return(Some(0))]), "r");
        let mut big_body: Vec<Inst> = (0..BUDGET_O2).map(|_| bin(0, BinOp::I64Add, 0, 0)).collect();
        big_body.push(Inst::Return(Some(0)));
        let big = named(func(&[Ty::I64], &[0], Ty::I64, big_body), "big");
        let h = named(func(&[Ty::I64, Ty::I64], &[0], Ty::I64, vec![bin(1, BinOp::I64MulChk, 0, 0), Inst::Return(Some(1))]), "h");
        let f = func(
            &[Ty::I64, Ty::I64, Ty::I64],
            &[0],
            Ty::I64,
            vec![
                call(1, 1, &[0]),
                call(1, 2, &[1]),
                call(2, 3, &[1]),
                Inst::Call { dst: None, callee: Callee::Func(3), args: vec![2], loc: Loc::default() },
                Inst::Return(Some(2)),
            ],
        );
        let mut m = module(vec![f, r, big, h]);
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = call #1(v0)
              v1:i64 = call #2(v1)
              block {
                v3:i64 = v1
                v4:i64 = i64mulchk v3, v3  @1:1
                v2:i64 = v4
                br 0
              }
              block {
                v5:i64 = v2
                v6:i64 = i64mulchk v5, v5  @1:1
                br 0
              }
              return v2
        "#]]
        .assert_eq(&run_pass(&mut m, &PASS, "f"));
        // The recursive function's own call stays too.
        assert!(listing(&m, "r").contains("call #1(v0)"));
    }

    #[test]
    fn mutual_recursion_is_found() {
        let a = named(func(&[Ty::I64], &[0], Ty::I64, vec![call(0, 1, &[0]), Inst::Return(Some(0))]), "a");
        let b = named(func(&[Ty::I64], &[0], Ty::I64, vec![call(0, 0, &[0]), Inst::Return(Some(0))]), "b");
        let c = named(func(&[Ty::I64], &[0], Ty::I64, vec![call(0, 0, &[0]), Inst::Return(Some(0))]), "c");
        assert_eq!(recursive_funcs(&[a, b, c]), [true, true, false]);
    }

    #[test]
    fn os_inlines_only_what_is_no_larger_than_the_call() {
        let one = named(func(&[Ty::I64, Ty::I64], &[0], Ty::I64, vec![bin(1, BinOp::I64Add, 0, 0), Inst::Return(Some(1))]), "one");
        let two = named(
            func(&[Ty::I64, Ty::I64], &[0], Ty::I64, vec![bin(1, BinOp::I64Add, 0, 0), bin(1, BinOp::I64Add, 1, 0), Inst::Return(Some(1))]),
            "two",
        );
        let f = func(&[Ty::I64, Ty::I64], &[0], Ty::I64, vec![call(1, 1, &[0]), call(1, 2, &[1]), Inst::Return(Some(1))]);
        let mut m = module(vec![f, one, two]);
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              block {
                v2:i64 = v0
                v3:i64 = i64add v2, v2
                v1:i64 = v3
                br 0
              }
              v1:i64 = call #2(v1)
              return v1
        "#]]
        .assert_eq(&run_pass(&mut m, &PASS_OS, "f"));
    }

    #[test]
    fn a_throwing_callee_keeps_the_callers_pending_test_working() {
        let src = "fun check(x: i64) -> i64 { if x > 3 { throw \"big\" }\n x + 1 }\nfun main() { try { println(check(5)) } catch e { println(e) } }\n";
        let mut m = lower(src);
        // As in the pipeline's second round: the callee cleaned up first.
        for p in [&super::super::const_fold::PASS, &super::super::copy_prop::PASS, &super::super::dce::PASS] {
            super::super::run_on_module(&mut m, p);
        }
        // -O3's budget: the callee, reachable from a `try`, also tests the
        // pending flag after its checked `+`.
        let out = run_pass(&mut m, &PASS_O3, "main");
        // The throw's `return` became a branch out of the inlined block; the
        // pending-flag test after it still sends control to the handler.
        expect![[r#"
            fn #2 main() -> ref  [frame 0]
              block {
                v1:i32 = global g4
                v2:i32 = 1
                v3:i32 = i32add v1, v2
                global g4 = v3
                block {
                  v4:i64 = 5
                  block {
                    v41:i64 (x) = v4
                    v43:i64 = 3
                    v44:i32 = i64gt v41, v43
                    if v44 {
                      v45:ref = s0
                      global g0 = v45
                      v46:i32 = 65575
                      global g1 = v46
                      v47:i32 = 0
                      global g2 = v47
                      v48:i32 = 1
                      global g3 = v48
                      v49:i64 = 0
                      v5:i64 = v49
                      br 1
                    }
                    v52:i64 = 1
                    v53:i64 = i64addchk v41, v52  @2:2
                    v54:i32 = global g3
                    if v54 {
                      v55:i64 = 0
                      v5:i64 = v55
                      br 1
                    }
                    v5:i64 = v53
                    br 0
                  }
                  v6:i32 = global g3
                  if v6 {
                    br 1
                  }
                  v7:ref = call rt_fmt_int(v5)
                  v8:i32 = 1
                  call rt_print(v7, v8)
                  v9:ref = s1
                  v10:i32 = 1
                  call rt_print(v9, v10)
                  v0:ref = null
                  global g4 = v1
                  br 1
                }
                v12:i32 = 0
                global g3 = v12
                global g4 = v1
                v13:ref = global g0
                v14:i32 = global g5
                v15:i32 = reftoi32 v13
                v16:i64 = i32toi64 v15
                v17:i64 = i32toi64 v14
                v18:i32 = i64ltu v16, v17
                if v18 {
                } else {
                  v19:i32 = load.i32 v13+0
                  v20:i32 = 255
                  v21:i32 = i32and v19, v20
                  v22:i32 = 8
                  v23:i32 = 10
                  v24:i32 = i32ge v21, v22
                  v25:i32 = i32le v21, v23
                  v26:i32 = i32and v24, v25
                  if v26 {
                  } else {
                    v27:i32 = 512
                    v28:i32 = i32or v19, v27
                    store.i32 v13+0 = v28
                  }
                }
                v30:i64 = refbits v13
                v31:i32 = 0
                v32:i32 = 1
                v33:ref = call rt_fmt(v30, v31, v32)
                v34:i32 = 1
                call rt_print(v33, v34)
                v35:ref = s1
                v36:i32 = 1
                call rt_print(v35, v36)
                v0:ref = null
              }
              return v0
        "#]]
        .assert_eq(&out);
    }
}
