//! What the aggregate, method and built-in operations need from their host,
//! and the helpers they build on.
//!
//! The operations are generic over an [`Env`]: on wasm32 the one
//! implementation (`wasm::WasmEnv`) reaches the global heap, calls closures
//! through the function table and writes with WASI; natively the tests'
//! `TestEnv` runs them on the simulated memory with closures written in
//! Rust. Two rules keep them correct on wasm:
//!
//! * **The heap is held only inside [`Env::heap`]**, and code holding it
//!   makes no Rust allocation (the global allocator takes the heap too):
//!   texts, lists and error messages are built outside, objects inside. The
//!   native `TestEnv` counts violations and fails the test.
//! * **Everything allocated and still needed is rooted** on the shadow
//!   stack while more is allocated or a closure runs: [`scope`] restores the
//!   stack pointer afterwards, [`root`] pushes. Arguments are rooted by the
//!   caller (ABI), and a value stored in a rooted object is reachable.

use crate::arrays;
use crate::error::{bail, Error, Res};
use crate::format::Printer;
use crate::heap::Heap;
use crate::layout::{
    aggregate_size, field_offset, meta, AGG_AUX, ARRAY_DATA, CLOSURE, K_PTR, LEN, OPTION_ENUM, SLOT_SIZE, TUPLE,
    VARIANT, VARIANT_SOME,
};
use crate::memory;
use crate::ops::type_name;
use crate::value::{self, decode_ptr, Val};
use alloc::vec::Vec;

/// The host of the runtime's operations.
pub trait Env {
    /// Runs `f` with the heap. `f` must neither make nor drop Rust
    /// allocations.
    fn heap<R>(&mut self, f: impl FnOnce(&mut Heap) -> R) -> R;
    /// The type table registered with `rt_set_types` (0 = none).
    fn types(&self) -> u32;
    /// Calls the entry point of the `CLOSURE` object `f` (`aux` = function
    /// table index) as `entry(f, argv, loc)`: `argv` is a `K_PTR` array the
    /// caller keeps rooted. Returns the dynamic result.
    fn call_entry(&mut self, f: u32, argv: u32, loc: u32) -> u32;
    /// Writes to stdout (1, buffered) or stderr (2, after flushing stdout).
    fn write(&mut self, fd: u32, bytes: &[u8]);
    /// Flushes stdout.
    fn flush(&mut self);
    /// One line of stdin, with its line ending (empty at end of input).
    fn read_line(&mut self) -> Vec<u8>;
    /// Milliseconds since the Unix epoch.
    fn now_ms(&mut self) -> i64;
    /// The state of `random()`'s generator.
    fn rng_state(&mut self) -> &mut u64;
    /// Whether an exception is propagating (`RT_EXC_PENDING`): a closure
    /// the runtime called has thrown.
    fn exception_pending(&self) -> bool;
}

/// The first state of `random()`'s generator: the VM's, so both tiers draw
/// the same numbers.
pub const RNG_SEED: u64 = 0x2545_F491_4F6C_DD1D;

/// A printer that knows the registered struct and enum names.
pub fn printer<E: Env>(env: &E) -> Printer {
    Printer::new(env.types())
}

// -- roots --------------------------------------------------------------------

/// Runs `f`, then pops every root pushed meanwhile.
pub fn scope<E: Env, R>(env: &mut E, f: impl FnOnce(&mut E) -> R) -> R {
    let top = env.heap(|h| h.shadow_top());
    let r = f(env);
    env.heap(|h| h.set_shadow_top(top));
    r
}

/// Roots `v` until the enclosing [`scope`] ends; returns its slot (see
/// [`set_root`]).
pub fn root<E: Env>(env: &mut E, v: u32) -> u32 {
    env.heap(|h| h.push_root(v))
}

/// Replaces what the root slot `slot` holds.
pub fn set_root(slot: u32, v: u32) {
    memory::store_u32(slot, v);
}

// -- building values ------------------------------------------------------------

/// A new string with `text`: Rust-owned bytes, or the bytes of a rooted
/// (or static) string. May collect.
pub fn new_str<E: Env>(env: &mut E, text: &[u8]) -> u32 {
    env.heap(|h| crate::strings::new_str(h, text))
}

/// The dynamic form of `v` (scalars boxed). May collect.
pub fn box_val<E: Env>(env: &mut E, v: Val) -> u32 {
    match v {
        Val::Obj(o) => o,
        Val::Nil => 0,
        _ => env.heap(|h| value::box_value(h, v)),
    }
}

/// Sets the shared bit of `v` (copy-on-write).
pub fn share<E: Env>(env: &mut E, v: u32) {
    env.heap(|h| value::share(h, v));
}

/// A new empty array. May collect.
pub fn new_array<E: Env>(env: &mut E, elem_kind: u32, cap: u32) -> u32 {
    env.heap(|h| arrays::new(h, elem_kind, cap))
}

/// Appends the dynamic value `v` to the `K_PTR` array `arr` (unshared).
/// Never collects.
pub fn push<E: Env>(env: &mut E, arr: u32, v: u32) {
    env.heap(|h| arrays::push(h, arr, v as u64));
}

/// Appends `v` to the rooted `K_PTR` array `arr`, boxing a scalar (which
/// may collect).
pub fn push_val<E: Env>(env: &mut E, arr: u32, v: Val) {
    env.heap(|h| {
        let x = value::box_value(h, v);
        arrays::push(h, arr, x as u64)
    });
}

/// A new `K_PTR` array of `items` (dynamic values reachable from elsewhere,
/// which become shared, as the VM's `new_array`). May collect.
pub fn array_of<E: Env>(env: &mut E, items: &[u32]) -> u32 {
    env.heap(|h| {
        let a = arrays::new(h, K_PTR, items.len() as u32);
        for &it in items {
            value::share(h, it);
            arrays::push(h, a, it as u64);
        }
        a
    })
}

/// A new aggregate of kind `meta` with `K_PTR` fields `fields` (dynamic
/// values, rooted by the caller or reachable). May collect.
pub fn aggregate<E: Env>(env: &mut E, meta: u32, aux: u32, fields: &[u32]) -> u32 {
    env.heap(|h| {
        let n = fields.len() as u32;
        let o = h.with_roots(fields, |h| h.alloc_object(meta, n, aggregate_size(n)));
        memory::store_u32(o + AGG_AUX, aux);
        for (i, f) in fields.iter().enumerate() {
            memory::store_u32(o + field_offset(i as u32), *f);
        }
        o
    })
}

/// A tuple of `fields` (at most 4), boxed as needed; object fields become
/// shared (the VM shares what `enumerate`, `zip` and `items` pair up). The
/// objects among `fields` must be reachable. May collect.
pub fn tuple<E: Env>(env: &mut E, fields: &[Val]) -> u32 {
    assert!(fields.len() <= 4, "tuple of at most 4 fields");
    env.heap(|h| {
        let top = h.shadow_top();
        let mut boxed = [0u32; 4];
        for (i, f) in fields.iter().enumerate() {
            boxed[i] = value::box_value(h, *f);
            value::share(h, boxed[i]);
            h.push_root(boxed[i]);
        }
        let n = fields.len() as u32;
        let t = h.alloc_object(TUPLE, n, aggregate_size(n));
        for (i, b) in boxed[..fields.len()].iter().enumerate() {
            memory::store_u32(t + field_offset(i as u32), *b);
        }
        h.set_shadow_top(top);
        t
    })
}

/// `Some(v)`; `v` becomes shared (VM `some`). May collect.
pub fn some<E: Env>(env: &mut E, v: u32) -> u32 {
    share(env, v);
    variant(env, OPTION_ENUM, VARIANT_SOME, v)
}

/// `None` (a static object).
pub fn none<E: Env>(env: &mut E) -> u32 {
    env.heap(|h| h.none_object())
}

/// `Some(v)` or `None`.
pub fn option<E: Env>(env: &mut E, v: Option<u32>) -> u32 {
    match v {
        Some(v) => some(env, v),
        None => none(env),
    }
}

/// A variant of `enum_id` with the one payload value `v` (kept alive while
/// allocating). May collect.
pub fn variant<E: Env>(env: &mut E, enum_id: u32, variant: u32, v: u32) -> u32 {
    let m = meta(VARIANT, enum_id);
    env.heap(|h| {
        let o = h.with_roots(&[v], |h| h.alloc_object(m, 1, aggregate_size(1)));
        memory::store_u32(o + AGG_AUX, variant);
        memory::store_u32(o + field_offset(0), v);
        o
    })
}

// -- calling closures -------------------------------------------------------------

/// Checks that `f` can be called (a `CLOSURE`), with the VM's message.
pub fn check_callable(f: u32) -> Res<()> {
    if !value::is(f, CLOSURE) {
        bail!("Type error: Cannot call non-function value: {}", type_name(decode_ptr(f)));
    }
    Ok(())
}

/// Repeated calls of one function value from a runtime operation (`map`,
/// `sort_by`, …) with one argument array, allocated once and rooted in the
/// caller's [`scope`]. Entry points copy their arguments out of it before
/// they run, so it is reused from call to call.
pub struct Callee {
    f: u32,
    argv: u32,
    loc: u32,
}

/// Most arguments a runtime operation passes to a closure.
const MAX_ARGS: u32 = 2;

impl Callee {
    /// Prepares calls of `f` (which the caller keeps alive; it is checked at
    /// the first call, as the VM does). May collect.
    pub fn new<E: Env>(env: &mut E, f: u32, loc: u32) -> Callee {
        let argv = env.heap(|h| {
            let a = h.with_roots(&[f], |h| arrays::new(h, K_PTR, MAX_ARGS));
            h.push_root(a);
            a
        });
        Callee { f, argv, loc }
    }

    /// Calls `f(args…)`, boxing scalar arguments; the result is dynamic and
    /// unrooted.
    pub fn call<E: Env>(&self, env: &mut E, args: &[Val]) -> Res<u32> {
        check_callable(self.f)?;
        let data = memory::load_u32(self.argv + ARRAY_DATA);
        memory::store_u32(self.argv + LEN, 0);
        for (i, a) in args.iter().take(MAX_ARGS as usize).enumerate() {
            // Each box is stored (so rooted) before the next is made.
            let v = box_val(env, *a);
            memory::store_u64(data + i as u32 * SLOT_SIZE, v as u64);
            memory::store_u32(self.argv + LEN, i as u32 + 1);
        }
        let r = env.call_entry(self.f, self.argv, self.loc);
        if env.exception_pending() {
            return Err(Error::thrown());
        }
        Ok(r)
    }

    /// `f(x)` for a dynamic `x`.
    pub fn call1<E: Env>(&self, env: &mut E, x: u32) -> Res<u32> {
        self.call(env, &[decode_ptr(x)])
    }
}

/// `f(args)` with an argument array the caller provides and roots
/// (`rt_call`).
pub fn call_value<E: Env>(env: &mut E, f: u32, argv: u32, loc: u32) -> Res<u32> {
    check_callable(f)?;
    let r = env.call_entry(f, argv, loc);
    if env.exception_pending() {
        return Err(Error::thrown());
    }
    Ok(r)
}

/// The VM's truthiness: only `false` and nil are falsy.
pub fn truthy(v: u32) -> bool {
    !matches!(decode_ptr(v), Val::Nil | Val::Bool(false))
}

#[cfg(test)]
pub mod test {
    //! The native host of the tests: a fresh simulated memory with static
    //! booleans and `None`, closures written in Rust, captured output.
    extern crate std;
    use super::*;
    use crate::heap::tests::fresh_heap;
    use crate::layout::{
        BOX_BOOL, BOX_VALUE, DESC_COUNT, DESC_NAME, DESC_NAMES, DESC_SIZE, TYPES_ENUMS, TYPES_N_ENUMS,
        TYPES_N_STRUCTS, TYPES_SIZE, TYPES_STRUCTS,
    };
    use std::boxed::Box;
    use std::rc::Rc;
    use std::string::String;

    /// A test closure: gets the environment and the argument values.
    pub type TestFn = Rc<dyn Fn(&mut TestEnv, &[u32]) -> u32>;

    pub struct TestEnv {
        pub heap: Box<Heap>,
        pub types: u32,
        pub funcs: Vec<TestFn>,
        pub out: Vec<u8>,
        pub err: Vec<u8>,
        pub input: Vec<u8>,
        pub rng: u64,
        pub now: i64,
        /// Closure calls made so far.
        pub calls: u32,
        /// Set by a test closure to "throw".
        pub pending: bool,
    }

    /// Where the static objects of a test memory live (below the heap,
    /// clear of the shadow stack pointer at 64 and the format tests'
    /// statics at 4096).
    const FALSE_OBJ: u32 = 128;
    const TRUE_OBJ: u32 = 144;
    const NONE_OBJ: u32 = 160;

    std::thread_local! {
        /// Set while `TestEnv::heap` runs: a Rust allocation then is a bug
        /// that would panic on wasm ("heap re-entered").
        pub static HELD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        pub static VIOLATIONS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }

    impl TestEnv {
        pub fn new() -> TestEnv {
            let mut heap = fresh_heap();
            // Every allocation collects: a missing root fails the test.
            heap.stress = true;
            for (addr, b) in [(FALSE_OBJ, 0), (TRUE_OBJ, 1)] {
                memory::store_u32(addr, BOX_BOOL);
                memory::store_u32(addr + BOX_VALUE, b);
            }
            memory::store_u32(NONE_OBJ, meta(VARIANT, OPTION_ENUM));
            heap.set_bool_objects(FALSE_OBJ, TRUE_OBJ);
            heap.set_none_object(NONE_OBJ);
            let types = Statics { next: 256 }.types(
                &[("Point", &["x", "y"]), ("Pair", &["b", "a"])],
                &[("Option", &["None", "Some"]), ("Result", &["Ok", "Err"]), ("Color", &["Red", "Green"])],
            );
            TestEnv {
                heap,
                types,
                funcs: Vec::new(),
                out: Vec::new(),
                err: Vec::new(),
                input: Vec::new(),
                rng: RNG_SEED,
                now: 0,
                calls: 0,
                pending: false,
            }
        }

        /// A `CLOSURE` object calling `f`; rooted for the rest of the test.
        pub fn closure(&mut self, f: impl Fn(&mut TestEnv, &[u32]) -> u32 + 'static) -> u32 {
            self.funcs.push(Rc::new(f));
            let idx = self.funcs.len() as u32 - 1;
            let c = aggregate(self, CLOSURE, idx, &[]);
            root(self, c);
            c
        }

        /// A string, rooted for the rest of the test.
        pub fn str(&mut self, s: &str) -> u32 {
            let v = new_str(self, s.as_bytes());
            self.keep(v)
        }

        /// Roots `v` for the rest of the test and returns it.
        pub fn keep(&mut self, v: u32) -> u32 {
            root(self, v);
            v
        }

        pub fn int(&mut self, n: i64) -> u32 {
            let v = box_val(self, Val::Int(n));
            self.keep(v)
        }

        pub fn float(&mut self, f: f64) -> u32 {
            let v = box_val(self, Val::Float(f));
            self.keep(v)
        }

        pub fn bool(&mut self, b: bool) -> u32 {
            self.heap.bool_object(b)
        }

        /// A rooted `K_PTR` array of `items`.
        pub fn array(&mut self, items: &[u32]) -> u32 {
            let a = array_of(self, items);
            self.keep(a)
        }

        /// A rooted empty dict.
        pub fn dict(&mut self) -> u32 {
            let d = self.heap(crate::dict::new);
            self.keep(d)
        }

        /// A rooted array of ints with slot kind `K_INT`.
        pub fn int_array(&mut self, items: &[i64]) -> u32 {
            let a = new_array(self, crate::layout::K_INT, 0);
            for &n in items {
                self.heap(|h| arrays::push(h, a, n as u64));
            }
            self.keep(a)
        }

        /// The Display form (D) of `v`.
        pub fn show(&self, v: u32) -> String {
            printer(self).to_string(decode_ptr(v), crate::format::Mode::Display)
        }

        pub fn text(&self, v: u32) -> String {
            String::from_utf8(unsafe { crate::strings::bytes(v) }.to_vec()).unwrap()
        }
    }

    /// Static data of a test memory (below the heap start, from 256 up to
    /// 4096): strings and the type table.
    struct Statics {
        next: u32,
    }

    impl Statics {
        fn reserve(&mut self, n: u32) -> u32 {
            let a = self.next;
            self.next += n.next_multiple_of(8);
            assert!(self.next <= 4096, "test statics overflow");
            a
        }

        fn str(&mut self, s: &str) -> u32 {
            let a = self.reserve(8 + s.len() as u32);
            memory::store_u32(a, crate::layout::STR);
            memory::store_u32(a + 4, s.len() as u32);
            memory::write_bytes(a + 8, s.as_bytes());
            a
        }

        fn descriptors(&mut self, list: &[(&str, &[&str])]) -> u32 {
            let entries: Vec<(u32, u32, u32)> = list
                .iter()
                .map(|(n, names)| {
                    let name = self.str(n);
                    let strs: Vec<u32> = names.iter().map(|x| self.str(x)).collect();
                    let arr = self.reserve(4 * strs.len() as u32);
                    for (i, s) in strs.iter().enumerate() {
                        memory::store_u32(arr + 4 * i as u32, *s);
                    }
                    (name, names.len() as u32, arr)
                })
                .collect();
            let a = self.reserve(DESC_SIZE * list.len() as u32);
            for (i, (n, c, f)) in entries.iter().enumerate() {
                let d = a + DESC_SIZE * i as u32;
                memory::store_u32(d + DESC_NAME, *n);
                memory::store_u32(d + DESC_COUNT, *c);
                memory::store_u32(d + DESC_NAMES, *f);
            }
            a
        }

        fn types(&mut self, structs: &[(&str, &[&str])], enums: &[(&str, &[&str])]) -> u32 {
            let s = self.descriptors(structs);
            let e = self.descriptors(enums);
            let t = self.reserve(TYPES_SIZE);
            memory::store_u32(t + TYPES_N_STRUCTS, structs.len() as u32);
            memory::store_u32(t + TYPES_STRUCTS, s);
            memory::store_u32(t + TYPES_N_ENUMS, enums.len() as u32);
            memory::store_u32(t + TYPES_ENUMS, e);
            t
        }
    }

    impl Default for TestEnv {
        fn default() -> TestEnv {
            TestEnv::new()
        }
    }

    impl Env for TestEnv {
        fn heap<R>(&mut self, f: impl FnOnce(&mut Heap) -> R) -> R {
            let before = VIOLATIONS.with(|v| v.get());
            HELD.with(|h| h.set(true));
            let r = f(&mut self.heap);
            HELD.with(|h| h.set(false));
            assert_eq!(VIOLATIONS.with(|v| v.get()), before, "Rust allocation while the heap is held");
            r
        }

        fn types(&self) -> u32 {
            self.types
        }

        fn call_entry(&mut self, f: u32, argv: u32, _loc: u32) -> u32 {
            self.calls += 1;
            let func = self.funcs[value::aux(f) as usize].clone();
            let args: Vec<u32> = (0..value::len(argv)).map(|i| memory::load_u32(memory::load_u32(argv + ARRAY_DATA) + 8 * i)).collect();
            func(self, &args)
        }

        fn write(&mut self, fd: u32, bytes: &[u8]) {
            if fd == 2 { &mut self.err } else { &mut self.out }.extend_from_slice(bytes);
        }

        fn flush(&mut self) {}

        fn read_line(&mut self) -> Vec<u8> {
            let end = self.input.iter().position(|b| *b == b'\n').map_or(self.input.len(), |i| i + 1);
            self.input.drain(..end).collect()
        }

        fn now_ms(&mut self) -> i64 {
            self.now
        }

        fn rng_state(&mut self) -> &mut u64 {
            &mut self.rng
        }

        fn exception_pending(&self) -> bool {
            self.pending
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::test::TestEnv;
    use super::*;

    #[test]
    fn the_stress_heap_frees_what_is_not_rooted() {
        let mut t = TestEnv::new();
        let kept = t.str("kept");
        let lost = new_str(&mut t, b"lost");
        let _ = new_str(&mut t, &[b'x'; 100]);
        assert_eq!(t.text(kept), "kept");
        assert_eq!(crate::value::kind(lost), crate::layout::FREE, "collected at the next allocation");
    }

    #[test]
    #[should_panic(expected = "Rust allocation while the heap is held")]
    fn rust_allocations_under_the_heap_fail() {
        let mut t = TestEnv::new();
        t.heap(|_| std::vec![1u8; 10].len());
    }

    #[test]
    fn scopes_pop_their_roots() {
        let mut t = TestEnv::new();
        let top = t.heap(|h| h.shadow_top());
        scope(&mut t, |t| {
            root(t, 1);
            root(t, 2);
            assert_eq!(t.heap(|h| h.shadow_top()), top + 8);
        });
        assert_eq!(t.heap(|h| h.shadow_top()), top);
    }
}
