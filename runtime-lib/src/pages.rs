//! Page-granular allocation: the layer under the size-class allocator.
//!
//! Memory above the heap start is handed out in runs of 64 KiB pages
//! ("spans"): one page per small-object chunk, or a run of pages for a
//! large block. A page table with one entry per page of the whole address
//! space records what every page is, which lets the sweeper walk the heap
//! and lets a block be freed from its address alone. Freed spans are
//! coalesced with free neighbours and kept on a doubly linked list threaded
//! through their first page, so memory is reused before it is grown.

use crate::layout::PAGE_SIZE;
use crate::memory::{self, MAX_PAGES};

/// What one page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// Below the heap start (static data) or never allocated.
    Unowned,
    /// A chunk of cells of size class `class`; `gc` chunks hold collected
    /// objects, the others raw blocks.
    Small { gc: bool, class: u8 },
    /// First page of a large block of `pages` pages.
    Large { gc: bool, pages: u32 },
    /// A later page of a large block.
    LargeTail,
    /// First or last page of a free span of `pages` pages.
    Free { pages: u32 },
    /// A page inside a free span.
    FreeInner,
}

const TAG_SHIFT: u32 = 28;
const GC_BIT: u32 = 1 << 27;
const COUNT_MASK: u32 = GC_BIT - 1;
const TAG_SMALL: u32 = 1;
const TAG_LARGE: u32 = 2;
const TAG_LARGE_TAIL: u32 = 3;
const TAG_FREE: u32 = 4;
const TAG_FREE_INNER: u32 = 5;

impl Page {
    const fn encode(self) -> u32 {
        const fn gc(g: bool) -> u32 {
            if g {
                GC_BIT
            } else {
                0
            }
        }
        match self {
            Page::Unowned => 0,
            Page::Small { gc: g, class } => (TAG_SMALL << TAG_SHIFT) | gc(g) | class as u32,
            Page::Large { gc: g, pages } => (TAG_LARGE << TAG_SHIFT) | gc(g) | pages,
            Page::LargeTail => TAG_LARGE_TAIL << TAG_SHIFT,
            Page::Free { pages } => (TAG_FREE << TAG_SHIFT) | pages,
            Page::FreeInner => TAG_FREE_INNER << TAG_SHIFT,
        }
    }

    const fn decode(e: u32) -> Page {
        let gc = e & GC_BIT != 0;
        let count = e & COUNT_MASK;
        match e >> TAG_SHIFT {
            TAG_SMALL => Page::Small { gc, class: count as u8 },
            TAG_LARGE => Page::Large { gc, pages: count },
            TAG_LARGE_TAIL => Page::LargeTail,
            TAG_FREE => Page::Free { pages: count },
            TAG_FREE_INNER => Page::FreeInner,
            _ => Page::Unowned,
        }
    }
}

/// "No span" in the free-span links, which are page numbers. Page 0 always
/// holds static data (the heap starts above it), and a zero sentinel keeps
/// [`Pages::new`] all-zero, so the wasm build places it in `.bss` rather
/// than a 256 KiB data segment.
const NONE: u32 = 0;
/// Free-span links, stored in the span's first page.
const NEXT: u32 = 0;
const PREV: u32 = 4;

/// The page table and the free-span list.
pub struct Pages {
    table: [u32; MAX_PAGES as usize],
    /// First page of the first free span, or [`NONE`].
    free_head: u32,
    /// First page managed here: the heap start.
    first: u32,
    /// One past the last page of memory, as last seen.
    end: u32,
}

impl Pages {
    pub const fn new() -> Pages {
        Pages { table: [0; MAX_PAGES as usize], free_head: NONE, first: 0, end: 0 }
    }

    /// Manages every page from `first` (the heap start) to the end of memory.
    pub fn init(&mut self, first: u32) {
        assert!(first > 0, "page 0 is static data");
        self.first = first;
        self.end = memory::pages();
    }

    /// First page of the heap.
    pub fn first(&self) -> u32 {
        self.first
    }

    /// One past the last page of the heap.
    pub fn end(&self) -> u32 {
        self.end
    }

    /// What page `page` holds.
    #[inline]
    pub fn get(&self, page: u32) -> Page {
        Page::decode(self.table[page as usize])
    }

    /// The entry of the page holding `addr`.
    #[inline]
    pub fn of_addr(&self, addr: u32) -> Page {
        self.get(addr / PAGE_SIZE)
    }

    fn set(&mut self, page: u32, p: Page) {
        self.table[page as usize] = p.encode();
    }

    /// Records that `page` (from [`Pages::alloc`]) is a chunk of `class`.
    pub fn set_small(&mut self, page: u32, gc: bool, class: u8) {
        self.set(page, Page::Small { gc, class });
    }

    /// Records that `pages` pages from `page` (from [`Pages::alloc`]) form
    /// one large block.
    pub fn set_large(&mut self, page: u32, pages: u32, gc: bool) {
        self.set(page, Page::Large { gc, pages });
        for p in page + 1..page + pages {
            self.set(p, Page::LargeTail);
        }
    }

    /// Allocates `n` contiguous pages (contents unspecified) and returns the
    /// first one, or `None` when memory cannot grow. The caller records what
    /// they hold with [`Pages::set_small`] or [`Pages::set_large`].
    pub fn alloc(&mut self, n: u32) -> Option<u32> {
        debug_assert!(n > 0);
        if let Some(span) = self.find_free(n) {
            self.take(span, n);
            return Some(span);
        }
        self.grow_for(n)
    }

    /// First free span of at least `n` pages.
    fn find_free(&self, n: u32) -> Option<u32> {
        let mut span = self.free_head;
        while span != NONE {
            if self.span_len(span) >= n {
                return Some(span);
            }
            span = memory::load_u32(span * PAGE_SIZE + NEXT);
        }
        None
    }

    fn span_len(&self, head: u32) -> u32 {
        match self.get(head) {
            Page::Free { pages } => pages,
            other => unreachable!("free list holds a {other:?} page"),
        }
    }

    /// Takes the first `n` pages of the free span at `span`; the rest stays
    /// free.
    fn take(&mut self, span: u32, n: u32) {
        let len = self.span_len(span);
        self.unlink(span);
        if len > n {
            self.make_free(span + n, len - n);
        }
    }

    /// Grows memory for `n` pages, reusing a free span that ends at the top.
    fn grow_for(&mut self, n: u32) -> Option<u32> {
        self.end = memory::pages();
        let top = self.top_free_span();
        let have = top.map_or(0, |s| self.end - s);
        let old = memory::grow(n - have)?;
        self.end = old + (n - have);
        Some(match top {
            Some(span) => {
                self.unlink(span);
                span
            }
            None => old,
        })
    }

    /// The free span that ends at the last page of memory, if any.
    fn top_free_span(&self) -> Option<u32> {
        if self.end <= self.first {
            return None;
        }
        match self.get(self.end - 1) {
            Page::Free { pages } => Some(self.end - pages),
            _ => None,
        }
    }

    /// Returns `n` pages from `page` to the free list, merging them with free
    /// neighbours.
    pub fn free(&mut self, page: u32, n: u32) {
        let (mut start, mut len) = (page, n);
        for p in page..page + n {
            self.set(p, Page::FreeInner);
        }
        if start > self.first {
            if let Page::Free { pages } = self.get(start - 1) {
                let left = start - pages;
                self.unlink(left);
                self.set(start - 1, Page::FreeInner);
                self.set(left, Page::FreeInner);
                start = left;
                len += pages;
            }
        }
        let right = page + n;
        if right < self.end {
            if let Page::Free { pages } = self.get(right) {
                self.unlink(right);
                self.set(right, Page::FreeInner);
                self.set(right + pages - 1, Page::FreeInner);
                len += pages;
            }
        }
        self.make_free(start, len);
    }

    /// Marks `len` pages from `start` as one free span and links it. The
    /// pages between its first and last are already `FreeInner`: callers
    /// only ever shrink a free span or merge ones whose edges they cleared.
    fn make_free(&mut self, start: u32, len: u32) {
        self.set(start + len - 1, Page::Free { pages: len });
        self.set(start, Page::Free { pages: len });
        let addr = start * PAGE_SIZE;
        memory::store_u32(addr + NEXT, self.free_head);
        memory::store_u32(addr + PREV, NONE);
        if self.free_head != NONE {
            memory::store_u32(self.free_head * PAGE_SIZE + PREV, start);
        }
        self.free_head = start;
    }

    /// Removes the free span at `span` from the list (its table entries are
    /// the caller's business).
    fn unlink(&mut self, span: u32) {
        let addr = span * PAGE_SIZE;
        let next = memory::load_u32(addr + NEXT);
        let prev = memory::load_u32(addr + PREV);
        if prev == NONE {
            self.free_head = next;
        } else {
            memory::store_u32(prev * PAGE_SIZE + NEXT, next);
        }
        if next != NONE {
            memory::store_u32(next * PAGE_SIZE + PREV, prev);
        }
    }

    /// Pages currently on the free list (tests and statistics).
    pub fn free_pages(&self) -> u32 {
        let mut total = 0;
        let mut span = self.free_head;
        while span != NONE {
            total += self.span_len(span);
            span = memory::load_u32(span * PAGE_SIZE + NEXT);
        }
        total
    }
}

impl Default for Pages {
    fn default() -> Pages {
        Pages::new()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::boxed::Box;

    fn fresh() -> Box<Pages> {
        memory::reset(1);
        let mut p = Box::new(Pages::new());
        p.init(1);
        p
    }

    #[test]
    fn entries_round_trip() {
        for p in [
            Page::Unowned,
            Page::Small { gc: true, class: 20 },
            Page::Small { gc: false, class: 0 },
            Page::Large { gc: true, pages: 65535 },
            Page::LargeTail,
            Page::Free { pages: 7 },
            Page::FreeInner,
        ] {
            assert_eq!(Page::decode(p.encode()), p);
        }
    }

    #[test]
    fn freed_spans_coalesce_and_are_reused() {
        let mut p = fresh();
        let a = p.alloc(2).unwrap();
        let b = p.alloc(3).unwrap();
        let c = p.alloc(1).unwrap();
        assert_eq!((a, b, c), (1, 3, 6));
        p.set_large(a, 2, false);
        p.set_large(b, 3, false);
        p.set_small(c, true, 0);
        p.free(a, 2);
        p.free(c, 1);
        assert_eq!(p.free_pages(), 3);
        p.free(b, 3);
        assert_eq!(p.get(1), Page::Free { pages: 6 }, "all three merged");
        assert_eq!(p.get(6), Page::Free { pages: 6 });
        assert_eq!(p.get(3), Page::FreeInner);
        assert_eq!(memory::pages(), 7, "no growth needed so far");
        // A 4-page request is carved from the front of the merged span.
        assert_eq!(p.alloc(4), Some(1));
        assert_eq!(p.get(5), Page::Free { pages: 2 });
        assert_eq!(p.free_pages(), 2);
        // A request that does not fit grows memory, extending the free top.
        assert_eq!(p.alloc(5), Some(5));
        assert_eq!(memory::pages(), 10);
        assert_eq!(p.free_pages(), 0);
    }

    #[test]
    fn growth_failure_is_reported() {
        let mut p = fresh();
        assert_eq!(p.alloc(memory::ARENA_PAGES), None);
        assert!(p.alloc(1).is_some());
    }
}
