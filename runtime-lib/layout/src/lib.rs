//! The runtime's object layout, shared with the code generator without
//! compiling the whole runtime natively: this crate's one module *is*
//! `runtime-lib`'s `src/layout.rs`, so there is one definition.
#![no_std]

#[path = "../../src/layout.rs"]
mod layout;

pub use layout::*;
