//! The allocator: segregated size classes carved from 64 KiB chunks.
//!
//! Requests up to [`MAX_SMALL`] bytes are rounded up to one of
//! [`CLASS_SIZES`]; each chunk (one page from [`Pages`]) holds cells of one
//! class, and each class has a free list threaded through its free cells.
//! Larger requests get their own run of pages.
//!
//! There are two kinds of memory, never mixed in one chunk:
//! * **GC objects** (`alloc_object`): found and freed by the sweeper
//!   (`gc.rs`), which is why a free GC cell is marked with the object kind
//!   [`FREE`] in its header word.
//! * **Raw blocks** (`alloc_raw` / `free_raw`): untraced and freed
//!   explicitly — array data blocks and the runtime's own Rust allocations.
//!   The collector never looks at raw chunks.
//!
//! The heap starts at the memory size at `init` time: the code generator
//! places its static data below that, and the collector ignores any address
//! below it.

use crate::gc::GcState;
use crate::layout::{kind_of, FREE, HEADER_SIZE, LEN, META, OBJECT_ALIGN, PAGE_SIZE};
use crate::memory;
use crate::pages::{Page, Pages};

/// Cell sizes of the small-object classes. Every power of two from 16 to
/// 32 KiB is one, so a power-of-two request gets a cell aligned to its size.
pub const CLASS_SIZES: [u32; 21] =
    [16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 32768];
/// Number of size classes.
pub const N_CLASSES: usize = CLASS_SIZES.len();
/// Largest request served from a size class; larger ones get whole pages.
pub const MAX_SMALL: u32 = CLASS_SIZES[N_CLASSES - 1];

/// Class of every size up to [`LOOKUP_MAX`], by 16-byte granule: the common
/// small requests are one table load.
const LOOKUP_MAX: u32 = 1024;
const LOOKUP: [u8; (LOOKUP_MAX / 16 + 1) as usize] = {
    let mut t = [0u8; (LOOKUP_MAX / 16 + 1) as usize];
    let (mut g, mut c) = (0, 0);
    while g < t.len() {
        while CLASS_SIZES[c] < g as u32 * 16 {
            c += 1;
        }
        t[g] = c as u8;
        g += 1;
    }
    t
};

/// The size class for a request of `size` bytes, or `None` if it is large.
#[inline]
pub fn class_for(size: u32) -> Option<usize> {
    if size <= LOOKUP_MAX {
        return Some(LOOKUP[size.div_ceil(16) as usize] as usize);
    }
    CLASS_SIZES.iter().position(|&s| s >= size)
}

/// A free cell: `+0 u32` [`FREE`], `+4 u32` address of the next free cell of
/// its list (0 at the end).
const FREE_NEXT: u32 = 4;

/// Where the roots are: the shadow stack `[base, load(sp_addr))`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shadow {
    /// Address of the first slot (`RT_SHADOW`).
    pub base: u32,
    /// Address of the word holding the next free slot (`RT_SHADOW_SP`).
    pub sp_addr: u32,
}

/// Allocator and collector state.
pub struct Heap {
    pub(crate) pages: Pages,
    /// Free-list heads of GC cells, per class.
    pub(crate) gc_free: [u32; N_CLASSES],
    /// Free-list heads of raw cells, per class.
    raw_free: [u32; N_CLASSES],
    heap_start: u32,
    pub(crate) shadow: Shadow,
    pub(crate) gc: GcState,
    /// The static `BOX_BOOL` objects for false and true.
    bools: [u32; 2],
    /// The static `None` variant the runtime's own Options use.
    none: u32,
    /// Tests: collect before every allocation and poison freed cells, so a
    /// missing root shows up at once.
    #[cfg(test)]
    pub stress: bool,
    initialized: bool,
}

impl Heap {
    pub const fn new() -> Heap {
        Heap {
            pages: Pages::new(),
            gc_free: [0; N_CLASSES],
            raw_free: [0; N_CLASSES],
            heap_start: 0,
            shadow: Shadow { base: 0, sp_addr: 0 },
            gc: GcState::new(),
            bools: [0; 2],
            none: 0,
            #[cfg(test)]
            stress: false,
            initialized: false,
        }
    }

    /// Starts the heap at the current end of memory, with roots in `shadow`.
    pub fn init(&mut self, shadow: Shadow) {
        let first = memory::pages();
        self.pages.init(first);
        self.heap_start = first * PAGE_SIZE;
        self.shadow = shadow;
        self.initialized = true;
    }

    /// Registers the static `BOX_BOOL` objects (`RT_FALSE`, `RT_TRUE`) that
    /// boxing a bool returns.
    pub fn set_bool_objects(&mut self, false_obj: u32, true_obj: u32) {
        self.bools = [false_obj, true_obj];
    }

    /// The static `BOX_BOOL` object for `b`.
    pub fn bool_object(&self, b: bool) -> u32 {
        self.bools[b as usize]
    }

    /// Registers the static `None` object (a `VARIANT` of enum 0, variant 0,
    /// no fields) the runtime returns for an absent Option.
    pub fn set_none_object(&mut self, none: u32) {
        self.none = none;
    }

    /// The static `None` object.
    pub fn none_object(&self) -> u32 {
        self.none
    }

    /// Whether every allocation collects first (tests only).
    #[inline(always)]
    pub(crate) fn stress(&self) -> bool {
        #[cfg(test)]
        return self.stress;
        #[cfg(not(test))]
        false
    }

    pub fn is_initialized(&self) -> bool {
        self.initialized
    }

    /// Lowest heap address: everything below is static and never collected.
    pub fn heap_start(&self) -> u32 {
        self.heap_start
    }

    /// Whether `addr` is in the heap (as opposed to static data or nil).
    #[inline]
    pub fn in_heap(&self, addr: u32) -> bool {
        addr >= self.heap_start && addr / PAGE_SIZE < self.pages.end()
    }

    // -- GC objects ---------------------------------------------------------

    /// A GC object of `bytes` bytes (header included) with its header set to
    /// `meta`/`len` and the rest zeroed. May collect first, so every pointer
    /// the caller still needs must be on the shadow stack. Out of memory is a
    /// fatal runtime error.
    pub fn alloc_object(&mut self, meta: u32, len: u32, bytes: u32) -> u32 {
        match self.try_alloc_object(meta, len, bytes) {
            Some(addr) => addr,
            None => crate::io::die(b"Out of memory"),
        }
    }

    /// [`Heap::alloc_object`], with `None` when memory is exhausted even
    /// after a collection.
    pub fn try_alloc_object(&mut self, meta: u32, len: u32, bytes: u32) -> Option<u32> {
        self.alloc_object_with(meta, len, bytes, true)
    }

    /// [`Heap::alloc_object`] without collecting (memory grows instead), for
    /// callers that are not safepoints: a runtime error's message string is
    /// made where the generated caller has rooted nothing.
    pub fn alloc_object_no_collect(&mut self, meta: u32, len: u32, bytes: u32) -> u32 {
        match self.alloc_object_with(meta, len, bytes, false) {
            Some(addr) => addr,
            None => crate::io::die(b"Out of memory"),
        }
    }

    fn alloc_object_with(&mut self, meta: u32, len: u32, bytes: u32, may_collect: bool) -> Option<u32> {
        debug_assert!(kind_of(meta) != FREE, "objects need a kind");
        let bytes = bytes.max(HEADER_SIZE).checked_next_multiple_of(OBJECT_ALIGN)?;
        let mut collected = !may_collect;
        if may_collect && (self.gc.due() || self.stress()) {
            self.collect();
            collected = true;
        }
        let (addr, size) = match self.alloc_gc_cell(bytes) {
            Some(cell) => cell,
            None if !collected => {
                self.collect();
                self.alloc_gc_cell(bytes)?
            }
            None => return None,
        };
        self.gc.note_alloc(size);
        memory::zero(addr, bytes);
        memory::store_u32(addr + META, meta);
        memory::store_u32(addr + LEN, len);
        Some(addr)
    }

    /// A GC cell of at least `bytes` bytes and its actual size.
    fn alloc_gc_cell(&mut self, bytes: u32) -> Option<(u32, u32)> {
        match class_for(bytes) {
            Some(class) => Some((self.pop_cell(class, true)?, CLASS_SIZES[class])),
            None => self.alloc_large(bytes, true),
        }
    }

    // -- raw blocks ---------------------------------------------------------

    /// A raw block of at least `size` bytes aligned to `align` (at most a
    /// page), never touched by the collector; `None` when memory is
    /// exhausted. Contents are unspecified.
    pub fn alloc_raw(&mut self, size: u32, align: u32) -> Option<u32> {
        if align > PAGE_SIZE {
            return None;
        }
        let mut size = size.max(1);
        if align > 16 {
            // Power-of-two cells are aligned to their size; spans to a page.
            size = size.checked_next_power_of_two()?.max(align);
        }
        match class_for(size) {
            Some(class) => self.pop_cell(class, false),
            None => self.alloc_large(size, false).map(|(addr, _)| addr),
        }
    }

    /// Frees a raw block. Addresses below the heap (a static array's data
    /// block) and 0 are ignored.
    pub fn free_raw(&mut self, addr: u32) {
        if !self.in_heap(addr) {
            return;
        }
        match self.pages.of_addr(addr) {
            Page::Small { gc: false, class } => {
                let class = class as usize;
                self.push_cell(class, false, addr);
            }
            Page::Large { gc: false, pages } => self.pages.free(addr / PAGE_SIZE, pages),
            other => panic!("free_raw of {addr:#x} in a {other:?} page"),
        }
    }

    /// Bytes the cell of the GC object at `obj` holds (at least its size);
    /// 0 for a static object, which must never grow in place.
    pub fn object_capacity(&self, obj: u32) -> u32 {
        match self.pages.of_addr(obj) {
            Page::Small { gc: true, class } => CLASS_SIZES[class as usize],
            Page::Large { gc: true, pages } => pages.saturating_mul(PAGE_SIZE),
            _ => 0,
        }
    }

    /// Usable bytes of the raw block at `addr` (at least what was asked).
    pub fn raw_capacity(&self, addr: u32) -> u32 {
        match self.pages.of_addr(addr) {
            Page::Small { gc: false, class } => CLASS_SIZES[class as usize],
            Page::Large { gc: false, pages } => pages.saturating_mul(PAGE_SIZE),
            other => panic!("raw_capacity of {addr:#x} in a {other:?} page"),
        }
    }

    // -- cells and chunks ---------------------------------------------------

    fn free_list(&mut self, class: usize, gc: bool) -> &mut u32 {
        if gc {
            &mut self.gc_free[class]
        } else {
            &mut self.raw_free[class]
        }
    }

    fn pop_cell(&mut self, class: usize, gc: bool) -> Option<u32> {
        if *self.free_list(class, gc) == 0 {
            self.new_chunk(class, gc)?;
        }
        let head = self.free_list(class, gc);
        let cell = *head;
        *head = memory::load_u32(cell + FREE_NEXT);
        Some(cell)
    }

    pub(crate) fn push_cell(&mut self, class: usize, gc: bool, cell: u32) {
        memory::store_u32(cell + META, FREE);
        let head = self.free_list(class, gc);
        memory::store_u32(cell + FREE_NEXT, *head);
        *head = cell;
    }

    /// Adds a chunk of `class` cells to its (empty) free list, in address
    /// order so consecutive allocations are adjacent.
    fn new_chunk(&mut self, class: usize, gc: bool) -> Option<()> {
        let page = self.pages.alloc(1)?;
        self.pages.set_small(page, gc, class as u8);
        let size = CLASS_SIZES[class];
        let base = page * PAGE_SIZE;
        let mut head = *self.free_list(class, gc);
        for i in (0..PAGE_SIZE / size).rev() {
            let cell = base + i * size;
            memory::store_u32(cell + META, FREE);
            memory::store_u32(cell + FREE_NEXT, head);
            head = cell;
        }
        *self.free_list(class, gc) = head;
        Some(())
    }

    /// A run of whole pages for a large request, and its size in bytes.
    fn alloc_large(&mut self, bytes: u32, gc: bool) -> Option<(u32, u32)> {
        let n = bytes.div_ceil(PAGE_SIZE);
        let page = self.pages.alloc(n)?;
        self.pages.set_large(page, n, gc);
        Some((page * PAGE_SIZE, n.saturating_mul(PAGE_SIZE)))
    }

    // -- the runtime's own roots ----------------------------------------------

    /// The shadow stack pointer (address of the next free slot).
    pub fn shadow_top(&self) -> u32 {
        memory::load_u32(self.shadow.sp_addr)
    }

    /// Pops the shadow stack back to `top` (a value [`Heap::shadow_top`]
    /// returned earlier).
    pub fn set_shadow_top(&mut self, top: u32) {
        memory::store_u32(self.shadow.sp_addr, top);
    }

    /// Pushes `v` on the shadow stack and returns its slot, which the caller
    /// may overwrite (`memory::store_u32`) to root something else. A push
    /// past the end of the region is a `Stack overflow`.
    pub fn push_root(&mut self, v: u32) -> u32 {
        let sp = self.shadow_top();
        if sp.wrapping_sub(self.shadow.base) >= crate::layout::SHADOW_BYTES {
            crate::io::die(b"Stack overflow");
        }
        memory::store_u32(sp, v);
        memory::store_u32(self.shadow.sp_addr, sp + 4);
        sp
    }

    /// Runs `f` with `roots` pushed on the shadow stack, so they survive any
    /// collection `f` triggers (runtime functions keep their pointer
    /// arguments alive this way).
    pub fn with_roots<R>(&mut self, roots: &[u32], f: impl FnOnce(&mut Heap) -> R) -> R {
        let sp = memory::load_u32(self.shadow.sp_addr);
        for (i, r) in roots.iter().enumerate() {
            memory::store_u32(sp + 4 * i as u32, *r);
        }
        memory::store_u32(self.shadow.sp_addr, sp + 4 * roots.len() as u32);
        let result = f(self);
        memory::store_u32(self.shadow.sp_addr, sp);
        result
    }
}

impl Default for Heap {
    fn default() -> Heap {
        Heap::new()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    extern crate std;
    use super::*;
    use crate::layout::{SHADOW_BYTES, STR};
    use std::boxed::Box;

    /// Static pages of a test memory: the shadow stack and its pointer.
    pub const STATIC_PAGES: u32 = SHADOW_BYTES / PAGE_SIZE + 1;
    pub const SP_ADDR: u32 = 64;
    pub const SHADOW_BASE: u32 = PAGE_SIZE;

    /// A fresh memory and heap, with an empty shadow stack in static memory.
    pub fn fresh_heap() -> Box<Heap> {
        memory::reset(STATIC_PAGES);
        memory::store_u32(SP_ADDR, SHADOW_BASE);
        let mut h = Box::new(Heap::new());
        h.init(Shadow { base: SHADOW_BASE, sp_addr: SP_ADDR });
        h
    }

    #[test]
    fn classes_cover_every_size() {
        for size in 1..=MAX_SMALL {
            let c = class_for(size).unwrap();
            assert!(CLASS_SIZES[c] >= size);
            assert!(c == 0 || CLASS_SIZES[c - 1] < size, "{size} → smallest fitting class");
        }
        assert_eq!(class_for(MAX_SMALL + 1), None);
    }

    #[test]
    fn objects_are_zeroed_headed_and_aligned() {
        let mut h = fresh_heap();
        let a = h.alloc_object(STR, 3, 11);
        let b = h.alloc_object(STR, 0, 8);
        assert!(a >= h.heap_start());
        assert_eq!(a % 8, 0);
        assert_eq!(b, a + 16, "consecutive cells of one chunk");
        assert_eq!(memory::load_u32(a), STR);
        assert_eq!(memory::load_u32(a + 4), 3);
        assert_eq!(memory::load_u64(a + 8), 0);
        let big = h.alloc_object(STR, 0, 100_000);
        assert_eq!(big % PAGE_SIZE, 0);
        assert_eq!(h.pages.of_addr(big), Page::Large { gc: true, pages: 2 });
    }

    #[test]
    fn raw_blocks_are_reused_after_free() {
        let mut h = fresh_heap();
        let a = h.alloc_raw(40, 8).unwrap();
        assert_eq!(h.raw_capacity(a), 48);
        h.free_raw(a);
        assert_eq!(h.alloc_raw(33, 8), Some(a));
        let big = h.alloc_raw(200_000, 8).unwrap();
        assert_eq!(h.raw_capacity(big), 4 * PAGE_SIZE);
        let pages = memory::pages();
        h.free_raw(big);
        assert_eq!(h.alloc_raw(150_000, 8), Some(big), "freed span reused");
        assert_eq!(memory::pages(), pages);
        h.free_raw(0);
        h.free_raw(100);
    }

    #[test]
    fn raw_blocks_honour_alignment() {
        let mut h = fresh_heap();
        for align in [32, 64, 256, 4096, PAGE_SIZE] {
            let a = h.alloc_raw(20, align).unwrap();
            assert_eq!(a % align, 0, "align {align}");
        }
        assert_eq!(h.alloc_raw(8, 2 * PAGE_SIZE), None);
    }

    #[test]
    fn gc_and_raw_cells_never_share_a_chunk() {
        let mut h = fresh_heap();
        let o = h.alloc_object(STR, 0, 16);
        let r = h.alloc_raw(16, 8).unwrap();
        assert_ne!(o / PAGE_SIZE, r / PAGE_SIZE);
    }

    #[test]
    fn roots_are_pushed_and_popped() {
        let mut h = fresh_heap();
        let seen = h.with_roots(&[7, 9], |_| (memory::load_u32(SP_ADDR), memory::load_u32(SHADOW_BASE + 4)));
        assert_eq!(seen, (SHADOW_BASE + 8, 9));
        assert_eq!(memory::load_u32(SP_ADDR), SHADOW_BASE);
    }
}
