//! Local register allocation: maps a function's virtual registers onto as
//! few wasm locals as possible.
//!
//! Two variables may share a wasm local when they have the same wasm type
//! and are never live at the same time. The interference test is the
//! classic one for non-SSA code: a variable interferes with every variable
//! live right after one of its definitions (writing it there would clobber
//! the other's value). A copy `dst = src` does not make `dst` interfere with
//! `src` — both hold the same value — so copies can be coalesced: colouring
//! prefers the local of a copy partner. Parameters occupy the first locals
//! (wasm passes arguments in locals 0..n), one each.
//!
//! Soundness rests on liveness being exact for every path (`liveness.rs`)
//! and on every use being preceded by a definition (the verifier): a local
//! reused by a dead variable is always written before it is read again.

use crate::ir::*;
use crate::liveness::for_each_live_after;

/// The wasm local class of a variable: references are `i32`s.
fn class(t: Ty) -> Ty {
    match t {
        Ty::Ref => Ty::I32,
        t => t,
    }
}

/// The result: a local number per variable (numbered per class, parameters
/// first), and how many locals each class needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub local: Vec<u32>,
    /// Locals needed per class, in the order `[I32, I64, F64]`, parameters
    /// included.
    pub counts: [u32; 3],
}

impl Allocation {
    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }
}

fn class_index(t: Ty) -> usize {
    match class(t) {
        Ty::I32 => 0,
        Ty::I64 => 1,
        _ => 2,
    }
}

pub fn allocate(f: &Func) -> Allocation {
    let n = f.vars.len();
    let mut neighbours: Vec<Vec<VarId>> = vec![vec![]; n];
    let mut partners: Vec<Vec<VarId>> = vec![vec![]; n];
    let add = |a: VarId, b: VarId, neighbours: &mut Vec<Vec<VarId>>| {
        if a != b && class(f.ty(a)) == class(f.ty(b)) {
            neighbours[a as usize].push(b);
            neighbours[b as usize].push(a);
        }
    };
    for_each_live_after(f, &mut |i, after| {
        let Some(d) = def(i) else { return };
        let copied = match i {
            Inst::Copy { src, .. } => Some(*src),
            _ => None,
        };
        for v in after.iter() {
            if Some(v) != copied {
                add(d, v, &mut neighbours);
            }
        }
        if let Some(s) = copied {
            if class(f.ty(s)) == class(f.ty(d)) {
                partners[d as usize].push(s);
                partners[s as usize].push(d);
            }
        }
    });
    for &a in &f.params {
        for &b in &f.params {
            add(a, b, &mut neighbours);
        }
    }
    colour(f, &neighbours, &partners)
}

fn colour(f: &Func, neighbours: &[Vec<VarId>], partners: &[Vec<VarId>]) -> Allocation {
    let n = f.vars.len();
    let mut local: Vec<Option<u32>> = vec![None; n];
    let mut counts = [0u32; 3];
    // Parameters are fixed: the i-th parameter of a class is local i of it.
    for &p in &f.params {
        let c = class_index(f.ty(p));
        local[p as usize] = Some(counts[c]);
        counts[c] += 1;
    }
    for v in 0..n as VarId {
        if local[v as usize].is_some() {
            continue;
        }
        let c = class_index(f.ty(v));
        let taken: Vec<u32> = neighbours[v as usize].iter().filter_map(|&u| local[u as usize]).collect();
        let free = |x: u32| !taken.contains(&x);
        // Prefer a copy partner's local (coalescing), else the lowest free.
        let preferred = partners[v as usize].iter().filter_map(|&u| local[u as usize]).find(|&x| free(x));
        let chosen = preferred.unwrap_or_else(|| (0..).find(|&x| free(x)).unwrap());
        counts[c] = counts[c].max(chosen + 1);
        local[v as usize] = Some(chosen);
    }
    Allocation { local: local.into_iter().map(|l| l.unwrap_or(0)).collect(), counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(vars: &[Ty], params: &[VarId], body: Vec<Inst>) -> Func {
        Func { name: "f".into(), params: params.to_vec(), ret: Ty::I64, vars: vars.iter().map(|&ty| Var { ty, name: None }).collect(), body, frame_slots: 0, catchable: false }
    }

    fn add(dst: VarId, a: VarId, b: VarId) -> Inst {
        Inst::Binary { dst, op: BinOp::I64Add, a, b, loc: Loc::default() }
    }

    #[test]
    fn values_with_disjoint_lifetimes_share_a_local() {
        // v1 = v0 + v0; v2 = v1 + v1; v3 = v2 + v2; return v3
        let f = func(&[Ty::I64; 4], &[0], vec![add(1, 0, 0), add(2, 1, 1), add(3, 2, 2), Inst::Return(Some(3))]);
        let a = allocate(&f);
        // Each value dies where the next is defined: one local serves all four.
        assert_eq!(a.counts, [0, 1, 0], "{a:?}");
        assert_eq!(a.local[0], 0, "the parameter keeps local 0");
    }

    #[test]
    fn simultaneously_live_values_get_distinct_locals() {
        // v1 = v0 + v0; v2 = v0 + v1; return v2 (v0 and v1 both live at v2's definition)
        let f = func(&[Ty::I64; 3], &[0], vec![add(1, 0, 0), add(2, 0, 1), Inst::Return(Some(2))]);
        let a = allocate(&f);
        assert_ne!(a.local[0], a.local[1]);
    }

    #[test]
    fn copies_are_coalesced() {
        // v1 = v0 + v0; v2 = v1 (copy); return v2 + v2 via v3
        let body = vec![add(1, 0, 0), Inst::Copy { dst: 2, src: 1 }, add(3, 2, 2), Inst::Return(Some(3))];
        let f = func(&[Ty::I64; 4], &[0], body);
        let a = allocate(&f);
        assert_eq!(a.local[1], a.local[2]);
    }

    #[test]
    fn types_are_allocated_separately() {
        let body = vec![
            Inst::Const { dst: 1, lit: Lit::F64(1.0) },
            Inst::Const { dst: 2, lit: Lit::Null },
            Inst::Const { dst: 3, lit: Lit::I32(1) },
            Inst::Return(Some(0)),
        ];
        let f = func(&[Ty::I64, Ty::F64, Ty::Ref, Ty::I32], &[0], body);
        let a = allocate(&f);
        assert_eq!(a.counts, [1, 1, 1], "a ref and an i32 share the i32 class: {a:?}");
    }

    #[test]
    fn loop_carried_values_keep_their_local_across_the_back_edge() {
        // v1 = 0; loop { v2 = v1 + v0; v1 = v2; v3 = v2 + v2; br_if v4 0 }; return v1
        let body = vec![
            Inst::Const { dst: 1, lit: Lit::I64(0) },
            Inst::Loop(vec![add(2, 1, 0), Inst::Copy { dst: 1, src: 2 }, add(3, 2, 2), Inst::BrIf { cond: 4, depth: 0 }]),
            Inst::Return(Some(1)),
        ];
        let f = func(&[Ty::I64, Ty::I64, Ty::I64, Ty::I64, Ty::I32], &[0, 4], body);
        let a = allocate(&f);
        // v3 is defined while v1 is live (used next iteration): distinct.
        assert_ne!(a.local[3], a.local[1]);
        assert_ne!(a.local[0], a.local[1]);
    }
}
