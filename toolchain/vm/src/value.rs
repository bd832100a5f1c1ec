//! Run-time values.
//!
//! A [`Value`] is a 16-byte tagged enum: immediates (nil, bools, i64, f64,
//! function references) are stored inline, everything else is an index into
//! the garbage-collected [`crate::heap::Heap`]. The choice against NaN-boxing
//! is measured in `benches/` and recorded in ARCHITECTURE.md: i64 integers
//! must stay full-width (§4), which NaN-boxing cannot do without boxing
//! large integers.

/// Index of a heap object.
pub type ObjRef = u32;

/// `repr(C, u8)` fixes the layout: the tag byte at offset 0 and every
/// payload at offset 8 (see [`copy_value`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, u8)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A heap object (string, array, dict, struct, enum, closure, …).
    Obj(ObjRef),
    /// A named function used as a value (no captures, no allocation).
    Func(u32),
    /// An enum variant constructor used as a function value (`.map(Some)`).
    Ctor(u32, u32),
    /// A built-in free function used as a value (`.map(str)`).
    Builtin(u16),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

/// Copies a value as its tag byte and its 8-byte payload word.
///
/// Values are written that way (a byte store and a word store), so copying
/// them as one 16-byte load cannot be served by store forwarding and stalls
/// the pipeline for ~10 cycles when the source was written just before —
/// the common case for a register that the previous instruction computed.
/// Two separate loads each forward from their store.
///
/// # Safety
/// Both pointers must be valid and aligned for `Value`.
#[inline(always)]
pub unsafe fn copy_value(src: *const Value, dst: *mut Value) {
    // SAFETY: `repr(C, u8)` puts the tag at byte 0 and the payload union at
    // byte 8 (its alignment); bytes 1..8 are padding. Every variant's data
    // lies within bytes 8..16, so these two copies move the whole value.
    unsafe {
        let (s, d) = (src as *const u8, dst as *mut u8);
        d.write(s.read());
        (d.add(8) as *mut u64).write((s.add(8) as *const u64).read());
    }
}

impl Value {
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }
}
