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

#[derive(Debug, Clone, Copy, PartialEq)]
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

impl Value {
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }
}
