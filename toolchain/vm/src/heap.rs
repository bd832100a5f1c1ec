//! The garbage-collected heap: a precise, non-moving mark-sweep collector
//! over a slot arena with a free list.
//!
//! Objects live in `slots`; a [`Value::Obj`] is a slot index. Collection only
//! happens at *safepoints* of the interpreter (calls, loop back-edges,
//! allocation instructions), where every live value is in a VM register, a
//! global, the constant pool or the explicit `temp_roots` stack that native
//! helpers use while they call back into the interpreter. That is what makes
//! the collector precise without scanning the native stack.
//!
//! Each slot also carries a `shared` bit used for copy-on-write value
//! semantics of arrays, dicts and structs (see ARCHITECTURE.md): an object
//! whose bit is clear is referenced from exactly one place and may be mutated
//! in place; a shared one is copied before its first mutation.

use crate::value::{ObjRef, Value};
use compact_str::CompactString;

/// Elements of an array or tuple: up to two are stored inside the heap
/// object itself (pairs, tree nodes, small tuples need no separate
/// allocation); longer ones spill to a heap buffer like a `Vec`.
pub type Items = smallvec::SmallVec<[Value; 2]>;

#[derive(Debug, Clone)]
pub enum Obj {
    /// Strings of up to 24 bytes are stored inline (no separate allocation).
    Str(CompactString),
    Array(Items),
    Tuple(Items),
    /// Keys are strings; iteration order is sorted (§4, §10).
    Dict(crate::dict::Dict),
    Struct { def: u32, fields: Vec<Value> },
    Enum { def: u32, variant: u32, payload: Vec<Value> },
    Closure { proto: u32, captures: Vec<ObjRef> },
    /// A captured variable (closures capture by reference).
    Cell(Value),
    Range { start: Value, end: Value, inclusive: bool },
    /// Iteration state of a `for` loop over an array, string chars or dict.
    Iter { items: Items, pos: usize },
    Free,
}

struct Slot {
    obj: Obj,
    marked: bool,
    shared: bool,
}

/// Heap statistics, printed by `--gc-stats` and used by the benchmarks.
#[derive(Debug, Default, Clone, Copy)]
pub struct GcStats {
    pub collections: u64,
    pub freed: u64,
    pub peak_live: usize,
    pub max_pause_ns: u128,
    pub total_pause_ns: u128,
}

pub struct Heap {
    slots: Vec<Slot>,
    free: Vec<ObjRef>,
    /// Estimated bytes allocated since the last collection.
    allocated: usize,
    /// Collect once `allocated` passes this.
    threshold: usize,
    live: usize,
    pub stats: GcStats,
}

const MIN_THRESHOLD: usize = 4 << 20;

fn size_estimate(o: &Obj) -> usize {
    let v = std::mem::size_of::<Value>();
    64 + match o {
        Obj::Str(s) => s.capacity(),
        Obj::Array(a) | Obj::Tuple(a) => a.capacity() * v,
        Obj::Dict(d) => d.len() * (v + 48),
        Obj::Struct { fields, .. } => fields.len() * v,
        Obj::Enum { payload, .. } => payload.len() * v,
        Obj::Closure { captures, .. } => captures.len() * 4,
        Obj::Iter { items, .. } => items.len() * v,
        _ => 0,
    }
}

impl Default for Heap {
    fn default() -> Self {
        Heap::new()
    }
}

impl Heap {
    pub fn new() -> Heap {
        // Room for the first 4096 objects without reallocating the arena.
        Heap { slots: Vec::with_capacity(4096), free: vec![], allocated: 0, threshold: MIN_THRESHOLD, live: 0, stats: GcStats::default() }
    }

    pub fn alloc(&mut self, obj: Obj) -> Value {
        self.allocated += size_estimate(&obj);
        self.live += 1;
        self.stats.peak_live = self.stats.peak_live.max(self.live);
        let slot = Slot { obj, marked: false, shared: false };
        let r = match self.free.pop() {
            Some(r) => {
                // A free-list slot holds `Obj::Free` (nothing to drop), so
                // overwrite it without running drop glue.
                let old = std::mem::replace(&mut self.slots[r as usize], slot);
                debug_assert!(matches!(old.obj, Obj::Free));
                std::mem::forget(old);
                r
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as ObjRef
            }
        };
        Value::Obj(r)
    }

    /// Appends string object `src` to string object `dst` in place (no
    /// intermediate copy, `s += s` included). False if either is not a string.
    pub fn append_str(&mut self, dst: ObjRef, src: ObjRef) -> bool {
        if dst == src {
            if let Obj::Str(s) = &mut self.slots[dst as usize].obj {
                s.push_str(&s.clone());
                self.allocated += s.len() / 2;
                return true;
            }
            return false;
        }
        let Ok([d, s]) = self.slots.get_disjoint_mut([dst as usize, src as usize]) else { return false };
        match (&mut d.obj, &s.obj) {
            (Obj::Str(d), Obj::Str(s)) => {
                d.push_str(s);
                self.allocated += s.len();
                true
            }
            _ => false,
        }
    }

    /// `dict[key] = v` where `key` is a string object, without copying the
    /// key unless it is new. False if `dict` is not a dict or `key` not a string.
    pub fn dict_set_str(&mut self, dict: ObjRef, key: ObjRef, v: Value) -> bool {
        let Ok([d, k]) = self.slots.get_disjoint_mut([dict as usize, key as usize]) else { return false };
        match (&mut d.obj, &k.obj) {
            (Obj::Dict(d), Obj::Str(k)) => {
                d.insert(k, v);
                true
            }
            _ => false,
        }
    }

    /// Records growth of an existing object (e.g. `push`) for GC pacing.
    pub fn note_growth(&mut self, bytes: usize) {
        self.allocated += bytes;
    }

    pub fn str(&mut self, s: String) -> Value {
        self.alloc(Obj::Str(CompactString::from(s)))
    }

    /// A new string object copied from `s` (short strings need no allocation
    /// besides the slot).
    pub fn str_from(&mut self, s: &str) -> Value {
        self.alloc(Obj::Str(CompactString::new(s)))
    }

    #[inline]
    pub fn get(&self, r: ObjRef) -> &Obj {
        &self.slots[r as usize].obj
    }

    #[inline]
    pub fn get_mut(&mut self, r: ObjRef) -> &mut Obj {
        &mut self.slots[r as usize].obj
    }

    /// Element `i` of `array`, when it is an array and `i` an int index in
    /// range (the interpreter's fast path; anything else takes `ops`).
    #[inline]
    pub fn array_elem(&self, array: &Value, i: &Value) -> Option<&Value> {
        match i {
            Value::Int(i) => self.array_elem_at(array, usize::try_from(*i).ok()?),
            _ => None,
        }
    }

    /// Element `i` of `array`, when it is an array of more than `i` elements.
    #[inline]
    pub fn array_elem_at(&self, array: &Value, i: usize) -> Option<&Value> {
        match array {
            Value::Obj(r) => match self.get(*r) {
                Obj::Array(a) => a.get(i),
                _ => None,
            },
            _ => None,
        }
    }

    #[inline]
    pub fn array_elem_mut(&mut self, array: &Value, i: &Value) -> Option<&mut Value> {
        match (array, i) {
            (Value::Obj(r), Value::Int(i)) => match self.get_mut(*r) {
                Obj::Array(a) => usize::try_from(*i).ok().and_then(|i| a.get_mut(i)),
                _ => None,
            },
            _ => None,
        }
    }

    /// Field `idx` of `obj`, when it is a struct of definition `def`.
    #[inline]
    pub fn struct_field(&self, obj: &Value, def: u32, idx: u16) -> Option<&Value> {
        match obj {
            Value::Obj(r) => match self.get(*r) {
                Obj::Struct { def: d, fields } if *d == def => fields.get(idx as usize),
                _ => None,
            },
            _ => None,
        }
    }

    #[inline]
    pub fn struct_field_mut(&mut self, obj: &Value, def: u32, idx: u16) -> Option<&mut Value> {
        match obj {
            Value::Obj(r) => match self.get_mut(*r) {
                Obj::Struct { def: d, fields } if *d == def => fields.get_mut(idx as usize),
                _ => None,
            },
            _ => None,
        }
    }

    #[inline]
    pub fn is_shared(&self, r: ObjRef) -> bool {
        self.slots[r as usize].shared
    }

    /// Marks a value as referenced from more than one place.
    #[inline]
    pub fn share(&mut self, v: Value) {
        if let Value::Obj(r) = v {
            self.slots[r as usize].shared = true;
        }
    }

    /// Copy-on-write: returns a reference that may be mutated in place —
    /// the same object if it is unshared, else a shallow copy whose children
    /// become shared (they are now referenced by both copies).
    pub fn make_unique(&mut self, v: Value) -> Value {
        let Value::Obj(r) = v else { return v };
        if !self.slots[r as usize].shared {
            return v;
        }
        let copy = match &self.slots[r as usize].obj {
            o @ (Obj::Array(_) | Obj::Dict(_) | Obj::Struct { .. } | Obj::Tuple(_) | Obj::Enum { .. } | Obj::Str(_)) => o.clone(),
            _ => return v,
        };
        self.share_children(&copy);
        self.alloc(copy)
    }

    fn share_children(&mut self, o: &Obj) {
        let mut mark = |v: &Value| {
            if let Value::Obj(c) = v {
                self.slots[*c as usize].shared = true;
            }
        };
        match o {
            Obj::Array(a) | Obj::Tuple(a) => a.iter().for_each(&mut mark),
            Obj::Dict(d) => d.values_unordered().for_each(&mut mark),
            Obj::Struct { fields, .. } => fields.iter().for_each(&mut mark),
            Obj::Enum { payload, .. } => payload.iter().for_each(&mut mark),
            _ => {}
        }
    }

    #[inline]
    pub fn should_collect(&self) -> bool {
        self.allocated >= self.threshold
    }

    pub fn live_objects(&self) -> usize {
        self.live
    }

    /// Mark from `roots`, then sweep. `roots` must hold every value the
    /// program can still reach.
    pub fn collect<'a>(&mut self, roots: impl IntoIterator<Item = &'a Value>) {
        let start = std::time::Instant::now();
        let mut work: Vec<ObjRef> = vec![];
        for v in roots {
            if let Value::Obj(r) = v {
                work.push(*r);
            }
        }
        while let Some(r) = work.pop() {
            let slot = &mut self.slots[r as usize];
            if slot.marked {
                continue;
            }
            slot.marked = true;
            let push = |v: &Value, work: &mut Vec<ObjRef>| {
                if let Value::Obj(c) = v {
                    work.push(*c);
                }
            };
            match &slot.obj {
                Obj::Array(a) | Obj::Tuple(a) | Obj::Iter { items: a, .. } => a.iter().for_each(|v| push(v, &mut work)),
                Obj::Dict(d) => d.values_unordered().for_each(|v| push(v, &mut work)),
                Obj::Struct { fields, .. } => fields.iter().for_each(|v| push(v, &mut work)),
                Obj::Enum { payload, .. } => payload.iter().for_each(|v| push(v, &mut work)),
                Obj::Closure { captures, .. } => work.extend(captures.iter().copied()),
                Obj::Cell(v) => push(v, &mut work),
                Obj::Range { start, end, .. } => {
                    push(start, &mut work);
                    push(end, &mut work);
                }
                Obj::Str(_) | Obj::Free => {}
            }
        }
        let mut live_bytes = 0;
        let mut freed = 0;
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if slot.marked {
                slot.marked = false;
                live_bytes += size_estimate(&slot.obj);
            } else if !matches!(slot.obj, Obj::Free) {
                slot.obj = Obj::Free;
                self.free.push(i as ObjRef);
                freed += 1;
            }
        }
        self.live -= freed;
        self.allocated = 0;
        self.threshold = (live_bytes * 2).max(MIN_THRESHOLD);
        let pause = start.elapsed().as_nanos();
        self.stats.collections += 1;
        self.stats.freed += freed as u64;
        self.stats.max_pause_ns = self.stats.max_pause_ns.max(pause);
        self.stats.total_pause_ns += pause;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collect_frees_unreachable_and_keeps_reachable() {
        let mut h = Heap::new();
        let kept_child = h.str("child".into());
        let kept = h.alloc(Obj::Array(smallvec::smallvec![kept_child]));
        let _garbage = h.alloc(Obj::Array(smallvec::smallvec![Value::Int(1)]));
        let cyc_a = h.alloc(Obj::Cell(Value::Nil));
        let cyc_b = h.alloc(Obj::Cell(cyc_a));
        if let (Value::Obj(a), Obj::Cell(_)) = (cyc_a, h.get(0)) {
            *h.get_mut(a) = Obj::Cell(cyc_b);
        }
        assert_eq!(h.live_objects(), 5);
        h.collect([&kept]);
        assert_eq!(h.live_objects(), 2, "garbage and the unreachable cycle are freed");
        let Value::Obj(r) = kept else { panic!() };
        assert!(matches!(h.get(r), Obj::Array(a) if a.len() == 1));
        // Freed slots are reused.
        let again = h.str("new".into());
        let Value::Obj(n) = again else { panic!() };
        assert!((n as usize) < 5);
    }

    #[test]
    fn make_unique_copies_only_shared_objects() {
        let mut h = Heap::new();
        let inner = h.alloc(Obj::Array(smallvec::smallvec![Value::Int(1)]));
        let outer = h.alloc(Obj::Array(smallvec::smallvec![inner]));
        assert_eq!(h.make_unique(outer), outer, "unshared: mutate in place");
        h.share(outer);
        let copy = h.make_unique(outer);
        assert_ne!(copy, outer);
        let Value::Obj(i) = inner else { panic!() };
        assert!(h.is_shared(i), "children of a copied object become shared");
    }
}
