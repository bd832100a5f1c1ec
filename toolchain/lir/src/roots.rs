//! GC roots: gives every reference that must survive a collection a
//! shadow-stack slot and stores it there after each definition.
//!
//! A collection can only happen inside a call that allocates (a runtime
//! allocator entry point or any user function). A reference needs a root
//! when it is live after such a call, or is one of its arguments (the callee
//! may allocate while still reading them). The collector does not move
//! objects, so storing the address once per definition is enough: nothing
//! is reloaded after a call.
//!
//! Slots are shared between references that are never live at each other's
//! definitions (greedy colouring of their interference), so a frame is
//! about as small as the most references rooted at once.

use crate::ir::*;
use crate::liveness::{for_each_live_after, VarSet};
use crate::rt;

/// Assigns slots and inserts [`Inst::Root`] stores in every function.
pub fn insert_roots(m: &mut Module) {
    for f in &mut m.funcs {
        insert_in_func(f);
    }
}

fn allocates(callee: &Callee) -> bool {
    match callee {
        Callee::Func(_) => true,
        Callee::Runtime(name) => rt::lookup(name).is_none_or(|s| s.allocates),
    }
}

fn insert_in_func(f: &mut Func) {
    // The analysis runs on a copy in which calls also "use" the references
    // behind their `(bits, kind)` arguments (see `with_hidden_uses`).
    let view = with_hidden_uses(f);
    let rooted = rooted_refs(&view);
    let slots = colour(&view, &rooted);
    f.frame_slots = slots.iter().flatten().map(|s| s + 1).max().unwrap_or(0);
    if f.frame_slots == 0 {
        return;
    }
    let mut entry: Vec<Inst> = f.params.iter().filter_map(|&p| slots[p as usize].map(|slot| Inst::Root { slot, var: p })).collect();
    let body = std::mem::take(&mut f.body);
    entry.extend(add_stores(body, &slots));
    f.body = entry;
}

/// A copy of `f` whose calls list, after their arguments, the references
/// that arguments were converted from (`RefBits`): a runtime function that
/// takes a value as `(bits, kind)` reads the object behind it, so that
/// object must stay rooted until the call returns, though its `ref`
/// variable is dead once converted.
fn with_hidden_uses(f: &Func) -> Func {
    let mut bits_of = std::collections::HashMap::new();
    walk(&f.body, &mut |i| {
        if let Inst::Unary { dst, op: UnOp::RefBits, src, .. } = i {
            bits_of.insert(*dst, *src);
        }
    });
    let mut view = f.clone();
    if !bits_of.is_empty() {
        extend_calls(&mut view.body, &bits_of);
    }
    view
}

fn extend_calls(body: &mut [Inst], bits_of: &std::collections::HashMap<VarId, VarId>) {
    for i in body {
        match i {
            Inst::Call { args, .. } => {
                let hidden: Vec<VarId> = args.iter().filter_map(|a| bits_of.get(a).copied()).collect();
                args.extend(hidden);
            }
            Inst::Block(b) | Inst::Loop(b) => extend_calls(b, bits_of),
            Inst::If { then, else_, .. } => {
                extend_calls(then, bits_of);
                extend_calls(else_, bits_of);
            }
            _ => {}
        }
    }
}

/// References live after an allocating call, or passed to one.
fn rooted_refs(f: &Func) -> VarSet {
    let mut rooted = VarSet::new(f.vars.len());
    for_each_live_after(f, &mut |i, after| {
        let Inst::Call { dst, callee, args, .. } = i else { return };
        if !allocates(callee) {
            return;
        }
        for v in after.iter().chain(args.iter().copied()) {
            if f.ty(v) == Ty::Ref && Some(v) != *dst {
                rooted.insert(v);
            }
        }
    });
    rooted
}

/// Greedy slot assignment. Two rooted references interfere when one is
/// defined while the other is live (storing the first would overwrite the
/// second's root while it is still needed); parameters are all defined at
/// entry, so they interfere with each other.
fn colour(f: &Func, rooted: &VarSet) -> Vec<Option<u32>> {
    let n = f.vars.len();
    let mut neighbours: Vec<Vec<VarId>> = vec![vec![]; n];
    let mut add = |a: VarId, b: VarId| {
        if a != b {
            neighbours[a as usize].push(b);
            neighbours[b as usize].push(a);
        }
    };
    for_each_live_after(f, &mut |i, after| {
        let Some(d) = def(i) else { return };
        if rooted.contains(d) {
            for v in after.iter().filter(|&v| rooted.contains(v)) {
                add(d, v);
            }
        }
    });
    let params: Vec<VarId> = f.params.iter().copied().filter(|&p| rooted.contains(p)).collect();
    for &a in &params {
        for &b in &params {
            add(a, b);
        }
    }
    let mut slot: Vec<Option<u32>> = vec![None; n];
    for v in rooted.iter() {
        let mut used: Vec<u32> = neighbours[v as usize].iter().filter_map(|&u| slot[u as usize]).collect();
        used.sort_unstable();
        used.dedup();
        let free = (0..).find(|s| used.binary_search(s).is_err()).unwrap();
        slot[v as usize] = Some(free);
    }
    slot
}

fn add_stores(body: Vec<Inst>, slots: &[Option<u32>]) -> Vec<Inst> {
    let mut out = Vec::with_capacity(body.len());
    for i in body {
        let i = match i {
            Inst::Block(b) => Inst::Block(add_stores(b, slots)),
            Inst::Loop(b) => Inst::Loop(add_stores(b, slots)),
            Inst::If { cond, then, else_ } => Inst::If { cond, then: add_stores(then, slots), else_: add_stores(else_, slots) },
            other => other,
        };
        let root = def(&i).and_then(|d| slots[d as usize].map(|slot| Inst::Root { slot, var: d }));
        out.push(i);
        out.extend(root);
    }
    out
}
