//! Backward liveness over structured LIR.
//!
//! Structured control flow makes this a recursive walk: a `block` label's
//! live set is what is live after the block; a `loop` label's is what is
//! live at the loop's start, found by iterating the body to a fixpoint
//! (the sets only grow, and are bounded by the variable count).
//!
//! The analysis reports, for every instruction, the set of variables live
//! right after it; clients (GC roots, register allocation) pick what they
//! need from that stream.

use crate::ir::*;

/// A set of variables.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VarSet(Vec<u64>);

impl VarSet {
    pub fn new(n: usize) -> VarSet {
        VarSet(vec![0; n.div_ceil(64)])
    }

    pub fn insert(&mut self, v: VarId) {
        self.0[v as usize / 64] |= 1 << (v % 64);
    }

    pub fn remove(&mut self, v: VarId) {
        self.0[v as usize / 64] &= !(1 << (v % 64));
    }

    pub fn contains(&self, v: VarId) -> bool {
        self.0[v as usize / 64] & (1 << (v % 64)) != 0
    }

    pub fn union_with(&mut self, o: &VarSet) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= b;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = VarId> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| (0..64).filter(move |b| bits & (1 << b) != 0).map(move |b| (w * 64 + b) as VarId))
    }
}

/// Calls `visit(inst, live_after)` for every instruction of `f` (nested ones
/// included; inside loops, with the fixpoint's final sets).
pub fn for_each_live_after(f: &Func, visit: &mut dyn FnMut(&Inst, &VarSet)) {
    let n = f.vars.len();
    let mut a = Analysis { n, labels: vec![], visit: None };
    // First pass: reach the fixpoints without reporting.
    let end = VarSet::new(n);
    a.body(&f.body, end.clone());
    // Second pass: report.
    a.visit = Some(visit);
    a.body(&f.body, end);
}

struct Analysis<'v> {
    n: usize,
    /// Live set at each enclosing label's branch target, innermost last.
    labels: Vec<VarSet>,
    visit: Option<&'v mut dyn FnMut(&Inst, &VarSet)>,
}

impl Analysis<'_> {
    /// Live-in of `insts` given what is live after them.
    fn body(&mut self, insts: &[Inst], mut live: VarSet) -> VarSet {
        for i in insts.iter().rev() {
            live = self.inst(i, live);
        }
        live
    }

    fn target(&self, depth: u32) -> &VarSet {
        &self.labels[self.labels.len() - 1 - depth as usize]
    }

    fn inst(&mut self, i: &Inst, after: VarSet) -> VarSet {
        // What is live right after `i` when control leaves it normally.
        let after = match i {
            Inst::Br(d) => self.target(*d).clone(),
            Inst::Return(_) | Inst::Fail { .. } => VarSet::new(self.n),
            Inst::BrIf { depth, .. } => {
                let mut s = after;
                s.union_with(&self.target(*depth).clone());
                s
            }
            _ => after,
        };
        if let Some(v) = self.visit.as_mut() {
            v(i, &after);
        }
        let mut live = match i {
            Inst::Block(b) => {
                self.labels.push(after.clone());
                let r = self.body(b, after);
                self.labels.pop();
                r
            }
            Inst::Loop(b) => self.loop_in(b, after),
            Inst::If { then, else_, .. } => {
                self.labels.push(after.clone());
                let mut t = self.body(then, after.clone());
                let e = self.body(else_, after);
                self.labels.pop();
                t.union_with(&e);
                t
            }
            _ => after,
        };
        if let Some(d) = def(i) {
            live.remove(d);
        }
        for u in uses(i) {
            live.insert(u);
        }
        live
    }

    fn loop_in(&mut self, b: &[Inst], after: VarSet) -> VarSet {
        // The visitor must see the final sets only: silence it while iterating.
        let visit = self.visit.take();
        let mut head = VarSet::new(self.n);
        loop {
            self.labels.push(head.clone());
            let next = self.body(b, after.clone());
            self.labels.pop();
            let mut grown = head.clone();
            grown.union_with(&next);
            if grown == head {
                break;
            }
            head = grown;
        }
        self.visit = visit;
        if self.visit.is_some() {
            self.labels.push(head.clone());
            self.body(b, after);
            self.labels.pop();
        }
        head
    }
}
