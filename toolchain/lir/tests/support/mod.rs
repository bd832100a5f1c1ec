//! Test support: a reference interpreter and a random program generator.

pub mod gen;
pub mod interp;
