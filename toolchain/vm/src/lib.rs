//! The development tier: HIR → register bytecode → interpreter with a
//! garbage-collected heap.
//!
//! [`compiler`] lowers the typed HIR to [`bytecode`]; [`interp`] runs it;
//! [`heap`] is the precise mark-sweep collector; [`ops`], [`builtins`] and
//! [`format`] implement the language's operators, library and printing.

pub mod builtins;
pub mod bytecode;
pub mod compiler;
pub mod dict;
pub mod format;
pub mod heap;
pub mod interp;
pub mod ops;
pub mod peephole;
pub mod value;
pub mod verify;

pub use compiler::compile;
pub use interp::{Fail, Vm};
