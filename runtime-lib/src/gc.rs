//! The garbage collector: precise, non-moving mark-sweep.
//!
//! **Roots** are the slots of the shadow stack `[RT_SHADOW, RT_SHADOW_SP)`,
//! where generated code keeps every pointer that is live across a call, and
//! where runtime functions push their own pointer arguments while they
//! allocate ([`Heap::with_roots`]). **Tracing** follows only slots whose kind
//! is `K_PTR`: array elements when the array's element kind is `K_PTR`, and
//! aggregate fields by their 2-bit kinds, plus the keys and values in a
//! dict's table. Nil (0) and addresses below the
//! heap start (static objects) are ignored. Marking uses an explicit stack
//! kept in raw pages, so a long linked list cannot overflow the native
//! stack. **Sweeping** walks the page table: dead objects in GC chunks go
//! back to their free lists (an array's data block or a dict's table is
//! freed with it), GC
//! chunks left empty and dead large objects return their pages.
//!
//! A collection runs when the bytes allocated since the last one exceed
//! max(1 MiB, twice the live bytes after the last one), so the heap grows to
//! about three times the live data and collection work stays proportional to
//! allocation (binary-trees: half the collections, and half the total pause,
//! of the once-the-live-data threshold, for a third more memory).
//! Only allocation of GC objects collects; raw allocations never do.
//!
//! Every collection is recorded in a [`GcLog`]: its start and pause (from
//! the clock the host gives, [`Heap::set_clock`]), the live bytes after it
//! and the heap's size, so a benchmark can report the longest pause and
//! draw a timeline (`rt_gc_log`, ABI.md "GC log").

use crate::heap::{Heap, CLASS_SIZES};
use crate::layout::{
    elem_kind_of, field_kind, field_offset, is_aggregate, kind_of, ARRAY, ARRAY_DATA, DICT, DICT_CAP, DICT_TABLE, ENTRY_KEY, ENTRY_SIZE,
    ENTRY_VALUE, FREE, K_PTR, LEN, MARK_BIT, META,
    PAGE_SIZE, SLOT_SIZE,
};
use crate::memory;
use crate::pages::{Page, Pages};

/// Allocation volume that triggers a collection before the live data is
/// larger than this.
pub const MIN_THRESHOLD: u64 = 1 << 20;

/// Collector statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcStats {
    /// Collections so far.
    pub collections: u32,
    /// Bytes of live objects (cells, large spans and array data blocks)
    /// after the last collection.
    pub live_bytes: u64,
}

/// How many collections a [`GcLog`] records one by one (the first ones;
/// later collections count in its totals only).
pub const GC_LOG_EVENTS: usize = 512;

/// One collection.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcEvent {
    /// When it started, in clock nanoseconds since the heap's first clock
    /// reading.
    pub start_ns: u64,
    /// How long the program was paused.
    pub pause_ns: u64,
    /// Bytes of live objects after it.
    pub live_bytes: u64,
    /// Bytes of linear memory the heap had then (it never shrinks).
    pub memory_bytes: u64,
}

/// The record of every collection, laid out for hosts to read from linear
/// memory (ABI.md, "GC log").
#[repr(C)]
pub struct GcLog {
    pub collections: u32,
    /// Entries of `events` in use (`min(collections, GC_LOG_EVENTS)`).
    pub logged: u32,
    pub max_pause_ns: u64,
    pub total_pause_ns: u64,
    pub events: [GcEvent; GC_LOG_EVENTS],
}

impl GcLog {
    const fn new() -> GcLog {
        GcLog { collections: 0, logged: 0, max_pause_ns: 0, total_pause_ns: 0, events: [GcEvent { start_ns: 0, pause_ns: 0, live_bytes: 0, memory_bytes: 0 }; GC_LOG_EVENTS] }
    }

    fn record(&mut self, e: GcEvent) {
        self.collections += 1;
        self.max_pause_ns = self.max_pause_ns.max(e.pause_ns);
        self.total_pause_ns += e.pause_ns;
        if (self.logged as usize) < GC_LOG_EVENTS {
            self.events[self.logged as usize] = e;
            self.logged += 1;
        }
    }
}

/// A monotonic clock in nanoseconds.
pub type Clock = fn() -> u64;

/// Collector state kept in the [`Heap`].
pub struct GcState {
    stats: GcStats,
    log: GcLog,
    /// `None` (times are 0) until the host sets one. An `Option` so that a
    /// new heap is all zero bytes: the runtime's `HEAP` static then stays in
    /// `.bss` instead of adding its page table to the module's data.
    clock: Option<Clock>,
    /// The first clock reading, once taken (`timed`): event times count
    /// from here.
    epoch: u64,
    timed: bool,
    /// Bytes of GC cells and array data blocks allocated since the last
    /// collection.
    since: u64,
    marks: MarkStack,
}

impl GcState {
    pub const fn new() -> GcState {
        GcState { stats: GcStats { collections: 0, live_bytes: 0 }, log: GcLog::new(), clock: None, epoch: 0, timed: false, since: 0, marks: MarkStack::new() }
    }

    /// Whether enough has been allocated to collect.
    pub fn due(&self) -> bool {
        self.since > MIN_THRESHOLD.max(2 * self.stats.live_bytes)
    }

    /// Counts `bytes` of new allocation towards the next collection.
    pub fn note_alloc(&mut self, bytes: u32) {
        self.since += bytes as u64;
    }
}

impl Default for GcState {
    fn default() -> GcState {
        GcState::new()
    }
}

/// Grey objects (marked, fields not yet scanned), in raw pages that grow by
/// doubling and are kept between collections.
struct MarkStack {
    base: u32,
    cap: u32,
    len: u32,
}

impl MarkStack {
    const fn new() -> MarkStack {
        MarkStack { base: 0, cap: 0, len: 0 }
    }

    fn push(&mut self, pages: &mut Pages, obj: u32) {
        if self.len == self.cap {
            self.grow(pages);
        }
        memory::store_u32(self.base + 4 * self.len, obj);
        self.len += 1;
    }

    fn pop(&mut self) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        Some(memory::load_u32(self.base + 4 * self.len))
    }

    fn grow(&mut self, pages: &mut Pages) {
        let n = ((self.cap * 8).div_ceil(PAGE_SIZE)).max(1);
        // Out of memory while collecting cannot be recovered from.
        let page = pages.alloc(n).expect("out of memory for the mark stack");
        pages.set_large(page, n, false);
        let base = page * PAGE_SIZE;
        memory::copy(base, self.base, 4 * self.len);
        if self.cap > 0 {
            pages.free(self.base / PAGE_SIZE, (self.cap * 4) / PAGE_SIZE);
        }
        self.base = base;
        self.cap = n * PAGE_SIZE / 4;
    }
}

impl Heap {
    /// A full collection.
    pub fn collect(&mut self) {
        let start = self.now_ns();
        self.mark_roots();
        self.drain_marks();
        let live = self.sweep();
        let stats = &mut self.gc.stats;
        stats.collections += 1;
        stats.live_bytes = live;
        self.gc.since = 0;
        let pause_ns = self.now_ns().saturating_sub(start);
        let memory_bytes = u64::from(memory::pages()) * u64::from(PAGE_SIZE);
        self.gc.log.record(GcEvent { start_ns: start, pause_ns, live_bytes: live, memory_bytes });
    }

    /// Collector statistics.
    pub fn stats(&self) -> GcStats {
        self.gc.stats
    }

    /// The record of every collection so far.
    pub fn gc_log(&self) -> &GcLog {
        &self.gc.log
    }

    /// The address of the log of the heap at `heap`, computed without
    /// borrowing the heap: a static heap's log never moves, so hosts can
    /// read it after the run without any heap code linked in.
    pub fn gc_log_of(heap: *const Heap) -> *const GcLog {
        // SAFETY: computes a field's address; nothing is read.
        unsafe { &raw const (*heap).gc.log }
    }

    /// The clock collections are timed with (none by default: times are 0).
    pub fn set_clock(&mut self, clock: Clock) {
        self.gc.clock = Some(clock);
    }

    /// Nanoseconds since the first reading of the clock.
    fn now_ns(&mut self) -> u64 {
        let t = self.gc.clock.map_or(0, |c| c());
        if !self.gc.timed {
            self.gc.epoch = t;
            self.gc.timed = true;
        }
        t.saturating_sub(self.gc.epoch)
    }

    fn mark_roots(&mut self) {
        let top = memory::load_u32(self.shadow.sp_addr);
        let mut slot = self.shadow.base;
        while slot < top {
            self.mark(memory::load_u32(slot));
            slot += 4;
        }
    }

    /// Marks the object at `addr` (if it is a heap object not yet marked)
    /// and queues it for scanning if it can hold pointers.
    #[inline]
    fn mark(&mut self, addr: u32) {
        if !self.in_heap(addr) {
            return;
        }
        let meta = memory::load_u32(addr + META);
        if meta & MARK_BIT != 0 || kind_of(meta) == FREE {
            return;
        }
        memory::store_u32(addr + META, meta | MARK_BIT);
        let kind = kind_of(meta);
        if (kind == ARRAY && elem_kind_of(meta) == K_PTR) || kind == DICT || is_aggregate(kind) {
            self.gc.marks.push(&mut self.pages, addr);
        }
    }

    /// Marks the keys and values in a dict's table (layout in `dict.rs`:
    /// `cap` entries, key 0 when empty). Written against the layout rather
    /// than through `dict`, so the collector does not link the dict code
    /// into programs that never make a dict.
    fn mark_dict_entries(&mut self, d: u32) {
        let table = memory::load_u32(d + DICT_TABLE);
        for i in 0..memory::load_u32(d + DICT_CAP) {
            let e = table + i * ENTRY_SIZE;
            let key = memory::load_u32(e + ENTRY_KEY);
            if key != 0 {
                self.mark(key);
                self.mark(memory::load_u32(e + ENTRY_VALUE));
            }
        }
    }

    fn drain_marks(&mut self) {
        while let Some(obj) = self.gc.marks.pop() {
            let meta = memory::load_u32(obj + META);
            let len = memory::load_u32(obj + LEN);
            if kind_of(meta) == ARRAY {
                let data = memory::load_u32(obj + ARRAY_DATA);
                for i in 0..len {
                    self.mark(memory::load_u32(data + i * SLOT_SIZE));
                }
            } else if kind_of(meta) == DICT {
                self.mark_dict_entries(obj);
            } else {
                let kinds = memory::load_u64(obj + crate::layout::AGG_KINDS);
                for i in 0..len {
                    if field_kind(kinds, i) == K_PTR {
                        self.mark(memory::load_u32(obj + field_offset(i)));
                    }
                }
            }
        }
    }

    /// Frees every unmarked object, clears the marks and rebuilds the GC
    /// free lists; returns the live bytes.
    fn sweep(&mut self) -> u64 {
        self.gc_free = [0; CLASS_SIZES.len()];
        let mut live = 0u64;
        let mut page = self.pages.first();
        while page < self.pages.end() {
            page += match self.pages.get(page) {
                Page::Small { gc: true, class } => {
                    live += self.sweep_chunk(page, class as usize);
                    1
                }
                Page::Large { gc, pages } => {
                    if gc {
                        live += self.sweep_large(page, pages);
                    }
                    pages
                }
                // Not `pages`: sweeping a chunk can free it or a raw block
                // and merge the result with a free span ahead, so the walk
                // may land on the *last* page of a span, whose entry also
                // says `Free`; skipping its length from there would pass
                // over live chunks and leave their marks set.
                _ => 1,
            };
        }
        live
    }

    /// Sweeps one chunk of GC cells; an empty chunk returns its page.
    fn sweep_chunk(&mut self, page: u32, class: usize) -> u64 {
        let size = CLASS_SIZES[class];
        let base = page * PAGE_SIZE;
        let (mut live, mut head, mut tail) = (0u64, 0u32, 0u32);
        for i in (0..PAGE_SIZE / size).rev() {
            let cell = base + i * size;
            let meta = memory::load_u32(cell + META);
            if kind_of(meta) != FREE && meta & MARK_BIT != 0 {
                memory::store_u32(cell + META, meta & !MARK_BIT);
                live += size as u64 + self.owned_bytes(cell, meta);
                continue;
            }
            if kind_of(meta) != FREE {
                self.finalize(cell, meta);
                if self.stress() {
                    // Poison the dead object, so a use after free shows.
                    memory::zero(cell + 8, size - 8);
                    for w in (8..size).step_by(4) {
                        memory::store_u32(cell + w, 0xdead_beef);
                    }
                }
                memory::store_u32(cell + META, FREE);
            }
            memory::store_u32(cell + 4, head);
            head = cell;
            if tail == 0 {
                tail = cell;
            }
        }
        if live == 0 {
            self.pages.free(page, 1);
        } else if head != 0 {
            memory::store_u32(tail + 4, self.gc_free[class]);
            self.gc_free[class] = head;
        }
        live
    }

    /// Sweeps one large GC object occupying `pages` pages from `page`.
    fn sweep_large(&mut self, page: u32, pages: u32) -> u64 {
        let obj = page * PAGE_SIZE;
        let meta = memory::load_u32(obj + META);
        if meta & MARK_BIT != 0 {
            memory::store_u32(obj + META, meta & !MARK_BIT);
            return pages as u64 * PAGE_SIZE as u64 + self.owned_bytes(obj, meta);
        }
        self.finalize(obj, meta);
        self.pages.free(page, pages);
        0
    }

    /// Raw memory a live object owns (an array's data block, a dict's
    /// table).
    fn owned_bytes(&self, obj: u32, meta: u32) -> u64 {
        let data = match kind_of(meta) {
            ARRAY if crate::arrays::has_inline_data(obj) => return 0,
            ARRAY => memory::load_u32(obj + ARRAY_DATA),
            DICT => memory::load_u32(obj + DICT_TABLE),
            _ => return 0,
        };
        if self.in_heap(data) {
            self.raw_capacity(data) as u64
        } else {
            0
        }
    }

    /// Releases what a dead object owns.
    fn finalize(&mut self, obj: u32, meta: u32) {
        match kind_of(meta) {
            ARRAY if crate::arrays::has_inline_data(obj) => {}
            ARRAY => self.free_raw(memory::load_u32(obj + ARRAY_DATA)),
            DICT => self.free_raw(memory::load_u32(obj + DICT_TABLE)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::heap::tests::{fresh_heap, SP_ADDR};
    use crate::layout::{aggregate_size, array_meta, with_field_kind, AGG_KINDS, ARRAY_CAP, K_INT, STR, TUPLE};
    use std::vec::Vec;

    fn push_root(addr: u32) {
        let sp = memory::load_u32(SP_ADDR);
        memory::store_u32(sp, addr);
        memory::store_u32(SP_ADDR, sp + 4);
    }

    fn pop_roots(n: u32) {
        memory::store_u32(SP_ADDR, memory::load_u32(SP_ADDR) - 4 * n);
    }

    fn is_free(addr: u32) -> bool {
        kind_of(memory::load_u32(addr)) == FREE
    }

    /// A tuple of `fields`, each a (kind, bits) pair.
    fn tuple(h: &mut Heap, fields: &[(u32, u64)]) -> u32 {
        let n = fields.len() as u32;
        let t = h.alloc_object(TUPLE, n, aggregate_size(n));
        let mut kinds = 0;
        for (i, (k, bits)) in fields.iter().enumerate() {
            kinds = with_field_kind(kinds, i as u32, *k);
            memory::store_u64(t + field_offset(i as u32), *bits);
        }
        memory::store_u64(t + AGG_KINDS, kinds);
        t
    }

    /// An array of `K_PTR` elements.
    fn array(h: &mut Heap, items: &[u32]) -> u32 {
        let a = h.alloc_object(array_meta(K_PTR), items.len() as u32, 16);
        let data = h.alloc_raw(8 * items.len() as u32, 8).unwrap();
        for (i, it) in items.iter().enumerate() {
            memory::store_u64(data + 8 * i as u32, *it as u64);
        }
        memory::store_u32(a + ARRAY_CAP, items.len() as u32);
        memory::store_u32(a + ARRAY_DATA, data);
        a
    }

    #[test]
    fn unreachable_objects_are_reclaimed_and_reused() {
        let mut h = fresh_heap();
        let keep = h.alloc_object(STR, 0, 16);
        let lose = h.alloc_object(STR, 0, 16);
        push_root(keep);
        h.collect();
        assert!(!is_free(keep));
        assert!(is_free(lose));
        assert_eq!(memory::load_u32(keep) & MARK_BIT, 0, "marks are cleared");
        assert_eq!(h.stats().collections, 1);
        assert_eq!(h.stats().live_bytes, 16);
        assert_eq!(h.alloc_object(STR, 0, 16), lose, "the freed cell is reused");
    }

    #[test]
    fn tracing_follows_pointer_slots_only() {
        let mut h = fresh_heap();
        let s1 = h.alloc_object(STR, 0, 16);
        let s2 = h.alloc_object(STR, 0, 16);
        let s3 = h.alloc_object(STR, 0, 16);
        let fake = h.alloc_object(STR, 0, 16);
        // An int field holding `fake`'s address must not keep it alive.
        let inner = tuple(&mut h, &[(K_PTR, s2 as u64), (K_INT, fake as u64), (K_PTR, 0), (K_PTR, 8)]);
        let arr = array(&mut h, &[s1, inner, 0]);
        let outer = tuple(&mut h, &[(K_PTR, arr as u64)]);
        let lost_arr = array(&mut h, &[s3]);
        let lost_data = memory::load_u32(lost_arr + ARRAY_DATA);
        push_root(outer);
        h.collect();
        for live in [s1, s2, inner, arr, outer] {
            assert!(!is_free(live), "{live:#x} survives");
        }
        for dead in [s3, fake, lost_arr] {
            assert!(is_free(dead), "{dead:#x} is reclaimed");
        }
        assert_eq!(h.alloc_raw(8, 8), Some(lost_data), "a swept array's data block is freed");
    }

    #[test]
    fn int_arrays_are_not_traced() {
        let mut h = fresh_heap();
        let s = h.alloc_object(STR, 0, 16);
        let a = h.alloc_object(array_meta(K_INT), 1, 16);
        let data = h.alloc_raw(8, 8).unwrap();
        memory::store_u64(data, s as u64);
        memory::store_u32(a + ARRAY_DATA, data);
        push_root(a);
        h.collect();
        assert!(is_free(s));
        assert!(!is_free(a));
    }

    #[test]
    fn deep_chains_survive_without_recursion() {
        let mut h = fresh_heap();
        let mut head = 0u32;
        push_root(0);
        let slot = memory::load_u32(SP_ADDR) - 4;
        for _ in 0..100_000 {
            head = h.with_roots(&[head], |h| tuple(h, &[(K_INT, 1), (K_PTR, head as u64)]));
            memory::store_u32(slot, head);
        }
        h.collect();
        let mut n = 0;
        let mut node = head;
        while node != 0 {
            assert!(!is_free(node));
            node = memory::load_u32(node + field_offset(1));
            n += 1;
        }
        assert_eq!(n, 100_000);
        assert_eq!(h.stats().live_bytes, 100_000 * 48);
        pop_roots(1);
        h.collect();
        assert_eq!(h.stats().live_bytes, 0);
    }

    #[test]
    fn memory_stays_bounded_with_a_small_live_set() {
        let mut h = fresh_heap();
        let live: Vec<u32> = (0..100).map(|_| h.alloc_object(STR, 0, 40)).collect();
        let arr = array(&mut h, &live);
        push_root(arr);
        let start_pages = memory::pages();
        // 100 × the 1 MiB threshold, in objects of mixed sizes, plus large ones.
        let mut allocated = 0u64;
        let mut i = 0u32;
        while allocated < 100 << 20 {
            let bytes = [16, 24, 48, 100, 700, 3000, 40_000, 70_000][(i % 8) as usize];
            let o = h.alloc_object(STR, 0, bytes);
            if i.is_multiple_of(3) {
                // Some garbage arrays own data blocks too.
                let a = h.with_roots(&[o], |h| array(h, &[o]));
                assert!(!is_free(a));
            }
            allocated += bytes as u64;
            i += 1;
        }
        assert!(h.stats().collections >= 50, "{} collections", h.stats().collections);
        let grown = memory::pages() - start_pages;
        assert!(grown <= 64, "memory grew by {grown} pages");
        for o in live {
            assert!(!is_free(o));
        }
    }

    #[test]
    fn empty_chunks_return_their_pages() {
        let mut h = fresh_heap();
        for _ in 0..10_000 {
            h.alloc_object(STR, 0, 16);
        }
        h.collect();
        assert_eq!(h.stats().live_bytes, 0);
        // 10,000 × 16 bytes spanned 3 chunks; all are free pages again and
        // are reused for a different size class (3 chunks of 256 cells).
        assert_eq!(h.pages.free_pages(), 3);
        assert_eq!(h.pages.free_pages(), memory::pages() - h.pages.first());
        let pages = memory::pages();
        for _ in 0..768 {
            h.alloc_object(STR, 0, 200);
        }
        assert_eq!(memory::pages(), pages);
    }

    #[test]
    fn statics_and_nil_are_ignored() {
        let mut h = fresh_heap();
        // A "static" string below the heap start and a tuple pointing at it.
        memory::store_u32(64 + 8, STR);
        let t = tuple(&mut h, &[(K_PTR, 72), (K_PTR, 0)]);
        push_root(t);
        push_root(72);
        h.collect();
        assert_eq!(memory::load_u32(72), STR, "static objects are never marked");
        assert!(!is_free(t));
    }

    #[test]
    fn a_chunk_freed_next_to_a_free_span_does_not_hide_later_chunks() {
        // Pages: A (a dead 16-byte object), R (a freed 2-page raw block),
        // B (a live tuple), C (strings). Sweeping A frees it and merges it
        // with R; the sweep must still reach B and C and clear their marks,
        // or B keeps a stale mark, is never scanned again, and a string
        // stored in it later is freed while reachable.
        let mut h = fresh_heap();
        // A first collection allocates the mark stack's page.
        let w = tuple(&mut h, &[(K_PTR, 0)]);
        push_root(w);
        h.collect();
        let a = h.alloc_object(STR, 0, 16);
        let raw = h.alloc_raw(2 * PAGE_SIZE, 8).unwrap();
        let b = tuple(&mut h, &[(K_PTR, 0), (K_PTR, 0)]);
        let s1 = h.alloc_object(STR, 0, 60);
        memory::store_u32(b + field_offset(0), s1);
        let page = |x: u32| x / PAGE_SIZE;
        assert_eq!((page(raw), page(b), page(s1)), (page(a) + 1, page(a) + 3, page(a) + 4), "layout A R R B C");
        h.free_raw(raw);
        push_root(b);
        h.collect();
        assert!(matches!(h.pages.of_addr(a), Page::Free { .. }), "A's chunk is returned");
        assert_eq!(memory::load_u32(b) & MARK_BIT, 0, "B was swept");
        let s2 = h.alloc_object(STR, 0, 60);
        memory::store_u32(b + field_offset(0), s2);
        h.collect();
        assert!(!is_free(s2), "a string reachable from a root survives");
        assert!(is_free(s1));
    }

    #[test]
    fn the_log_records_every_collection_with_its_pause() {
        use core::sync::atomic::{AtomicU64, Ordering};
        static NOW: AtomicU64 = AtomicU64::new(5_000);
        // Each reading advances the fake clock by 250 ns.
        fn clock() -> u64 {
            NOW.fetch_add(250, Ordering::Relaxed)
        }
        let mut h = fresh_heap();
        h.set_clock(clock);
        for _ in 0..(GC_LOG_EVENTS + 3) {
            h.collect();
        }
        let log = h.gc_log();
        assert_eq!(log.collections as usize, GC_LOG_EVENTS + 3);
        assert_eq!(log.logged as usize, GC_LOG_EVENTS, "only the first collections are kept one by one");
        assert_eq!(log.max_pause_ns, 250);
        assert_eq!(log.total_pause_ns, 250 * (GC_LOG_EVENTS as u64 + 3));
        // Times count from the first reading; each collection reads twice.
        assert_eq!(log.events[0].start_ns, 0);
        assert_eq!(log.events[1].start_ns, 500);
        assert!(log.events[0].memory_bytes > 0);
    }

    #[test]
    fn collections_trigger_on_allocation_volume() {
        let mut h = fresh_heap();
        for _ in 0..(MIN_THRESHOLD / 64) {
            h.alloc_object(STR, 0, 64);
        }
        assert_eq!(h.stats().collections, 0);
        h.alloc_object(STR, 0, 64);
        h.alloc_object(STR, 0, 64);
        assert_eq!(h.stats().collections, 1);
    }
}
