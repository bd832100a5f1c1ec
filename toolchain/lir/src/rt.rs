//! The runtime exports LIR code may call, with their signatures in LIR types.
//!
//! This table is the compiler's half of `runtime-lib/ABI.md`. Codegen checks
//! every entry it links against the runtime module's real function types, so
//! a drift between the two halves is a build error, not a miscompile.

use crate::ir::Ty;

pub struct RtSig {
    pub name: &'static str,
    pub params: &'static [Ty],
    pub ret: Option<Ty>,
    /// False for functions that never allocate, so never collect: references
    /// need not be rooted across them.
    pub allocates: bool,
    /// True for functions that can raise a runtime error. Inside a `try` the
    /// error becomes a pending exception and the function returns, so
    /// callers a `try` can reach test `RT_EXC_PENDING` after them.
    pub fails: bool,
}

use Ty::{F64, I32, I64, Ref};

macro_rules! sig {
    ($name:literal, [$($p:expr),*], $ret:expr, $alloc:expr) => {
        RtSig { name: $name, params: &[$($p),*], ret: $ret, allocates: $alloc, fails: false }
    };
    ($name:literal, [$($p:expr),*], $ret:expr, $alloc:expr, fails) => {
        RtSig { name: $name, params: &[$($p),*], ret: $ret, allocates: $alloc, fails: true }
    };
}

pub const RUNTIME: &[RtSig] = &[
    sig!("rt_str_concat", [Ref, Ref], Some(Ref), true),
    sig!("rt_str_append", [Ref, Ref], Some(Ref), true),
    sig!("rt_str_eq", [Ref, Ref], Some(I32), false),
    sig!("rt_str_cmp", [Ref, Ref], Some(I32), false),
    sig!("rt_fmt", [I64, I32, I32], Some(Ref), true),
    sig!("rt_fmt_scalar", [I64, I32, I32], Some(Ref), true),
    sig!("rt_fmt_int", [I64], Some(Ref), true),
    sig!("rt_fmt_spec", [I64, I32, Ref], Some(Ref), true),
    sig!("rt_fmt_rust", [I64, I32, Ref], Some(Ref), true),
    sig!("rt_concat_text", [I64, I32], Some(Ref), true),
    sig!("rt_print", [Ref, I32], None, false),
    sig!("rt_box_int", [I64], Some(Ref), true),
    sig!("rt_box_float", [F64], Some(Ref), true),
    sig!("rt_box_bool", [I32], Some(Ref), false),
    sig!("rt_unbox_int", [Ref, I32], Some(I64), false, fails),
    sig!("rt_unbox_float", [Ref, I32], Some(F64), false, fails),
    sig!("rt_unbox_bool", [Ref, I32], Some(I32), false, fails),
    sig!("rt_value_eq", [I64, I32, I64, I32], Some(I32), false),
    sig!("rt_dyn_arith", [I32, Ref, Ref, I32], Some(Ref), true, fails),
    sig!("rt_dyn_compare", [Ref, Ref, I32], Some(I32), false, fails),
    sig!("rt_dyn_neg", [Ref, I32], Some(Ref), true, fails),
    sig!("rt_dyn_not", [Ref, I32], Some(Ref), true),
    sig!("rt_float_rem", [F64, F64, I32], Some(F64), false, fails),
    sig!("rt_math1", [I32, F64], Some(F64), false),
    sig!("rt_math2", [I32, F64, F64], Some(F64), false),
    sig!("rt_powi", [F64, I64], Some(F64), false),
    sig!("rt_pow", [Ref, Ref, I32], Some(Ref), true, fails),
    sig!("rt_alloc", [I32, I32, I32], Some(Ref), true),
    sig!("rt_array_new", [I32, I32], Some(Ref), true),
    sig!("rt_array_push", [Ref, I64], None, true),
    sig!("rt_share", [Ref], None, false),
    sig!("rt_make_unique", [Ref], Some(Ref), true),
    sig!("rt_array_make_unique", [Ref], Some(Ref), true),
    sig!("rt_index", [Ref, Ref, I32], Some(Ref), true, fails),
    sig!("rt_index_int", [Ref, I64, I32], Some(Ref), true, fails),
    sig!("rt_set_index", [Ref, Ref, Ref, I32], None, true, fails),
    sig!("rt_get_field", [Ref, Ref, I32], Some(Ref), true, fails),
    sig!("rt_set_field", [Ref, Ref, Ref, I32], None, true, fails),
    sig!("rt_tuple_get", [Ref, I32, I32], Some(Ref), true, fails),
    sig!("rt_len", [Ref, I32], Some(I64), false, fails),
    sig!("rt_iter_items", [Ref, I32], Some(Ref), true, fails),
    sig!("rt_method", [Ref, Ref, Ref, I32], Some(Ref), true, fails),
    sig!("rt_builtin", [I32, Ref, I32], Some(Ref), true, fails),
    sig!("rt_range_new", [Ref, Ref, I32], Some(Ref), true),
    sig!("rt_index_error", [I64, I32, I32, I32], None, false, fails),
    sig!("rt_take_self", [], Some(Ref), false),
    sig!("rt_error", [Ref, I32, I32], None, false, fails),
    sig!("rt_call", [Ref, Ref, I32], Some(Ref), true, fails),
    sig!("rt_truthy", [Ref], Some(I32), false),
    sig!("rt_cast", [Ref, I32, I32], Some(Ref), true, fails),
    sig!("rt_retype", [Ref, Ref], Some(Ref), true),
    sig!("rt_dyn_bitnot", [Ref, I32], Some(Ref), true, fails),
    sig!("rt_dict_new", [], Some(Ref), true),
    sig!("rt_dict_get_or", [Ref, Ref, Ref, I32], Some(Ref), false, fails),
    sig!("rt_dict_contains", [Ref, Ref, I32], Some(I32), false, fails),
    sig!("rt_dict_set", [Ref, Ref, Ref, I32], None, true, fails),
    sig!("rt_arity_error", [I32, I32, I32, I32], None, false, fails),
    sig!("rt_is_variant", [Ref, I32, I32], Some(I32), false),
    sig!("rt_is_struct", [Ref, I32], Some(I32), false),
    sig!("rt_is_tuple", [Ref, I32], Some(I32), false),
    sig!("rt_is_array_len", [Ref, I64, I32], Some(I32), false),
    sig!("rt_slice", [Ref, I64, I64], Some(Ref), true),
    // The error reporters as code a `try` can reach calls them: the same
    // functions, but they return (with the error pending) inside a `try`,
    // so passes must not treat them as ending the path
    // (`passes::util::never_returns` names only the forms above).
    sig!("rt_raise_error", [Ref, I32, I32], None, false, fails),
    sig!("rt_raise_index_error", [I64, I32, I32, I32], None, false, fails),
    sig!("rt_raise_arity_error", [I32, I32, I32, I32], None, false, fails),
];

/// The returning form of an error reporter (see `rt_raise_*` above).
pub fn raising_form(reporter: &str) -> &'static str {
    match reporter {
        "rt_error" => "rt_raise_error",
        "rt_index_error" => "rt_raise_index_error",
        "rt_arity_error" => "rt_raise_arity_error",
        other => panic!("{other} is not an error reporter"),
    }
}

/// Vector loops codegen provides itself (not runtime exports); see
/// `lower/simd.rs`. `(dst, a, b, count)` over 8-byte float slots; the `_k`
/// forms take a float instead of `b` (`k_` forms: the float is the left
/// operand); `simd_fill64` stores one 64-bit pattern `count` times.
pub const INTRINSICS: &[RtSig] = &[
    sig!("simd_f64_add", [I32, I32, I32, I32], None, false),
    sig!("simd_f64_sub", [I32, I32, I32, I32], None, false),
    sig!("simd_f64_mul", [I32, I32, I32, I32], None, false),
    sig!("simd_f64_div", [I32, I32, I32, I32], None, false),
    sig!("simd_f64_add_k", [I32, I32, F64, I32], None, false),
    sig!("simd_f64_sub_k", [I32, I32, F64, I32], None, false),
    sig!("simd_f64_mul_k", [I32, I32, F64, I32], None, false),
    sig!("simd_f64_div_k", [I32, I32, F64, I32], None, false),
    sig!("simd_f64_k_add", [I32, I32, F64, I32], None, false),
    sig!("simd_f64_k_sub", [I32, I32, F64, I32], None, false),
    sig!("simd_f64_k_mul", [I32, I32, F64, I32], None, false),
    sig!("simd_f64_k_div", [I32, I32, F64, I32], None, false),
    sig!("simd_fill64", [I32, I64, I32], None, false),
];

pub fn is_intrinsic(name: &str) -> bool {
    INTRINSICS.iter().any(|s| s.name == name)
}

pub fn lookup(name: &str) -> Option<&'static RtSig> {
    if let Some(s) = INTRINSICS.iter().find(|s| s.name == name) {
        return Some(s);
    }
    RUNTIME.iter().find(|s| s.name == name)
}

/// Operator codes of `rt_dyn_arith`.
pub mod arith {
    pub const ADD: i32 = 0;
    pub const SUB: i32 = 1;
    pub const MUL: i32 = 2;
    pub const DIV: i32 = 3;
    pub const REM: i32 = 4;
    pub const BIT_AND: i32 = 5;
    pub const BIT_OR: i32 = 6;
    pub const BIT_XOR: i32 = 7;
    pub const SHL: i32 = 8;
    pub const SHR: i32 = 9;
}

/// What `rt_index_error` reports an index out of bounds of.
pub mod index_of {
    pub const ARRAY: i32 = 0;
    pub const TUPLE: i32 = 1;
}

/// Target kinds of `rt_cast` (the VM's `CastKind` numbering).
pub mod cast {
    pub const FLOAT: i32 = 0;
    pub const I64: i32 = 1;
    pub const I32: i32 = 2;
    pub const I16: i32 = 3;
    pub const I8: i32 = 4;
    pub const U64: i32 = 5;
    pub const U32: i32 = 6;
    pub const U16: i32 = 7;
    pub const U8: i32 = 8;
    pub const STR: i32 = 9;
    pub const BOOL: i32 = 10;
    pub const CHAR: i32 = 11;

    /// The kind for a type name after `as`; `None` for user types (a no-op
    /// cast). Names as `ruchy_hir::share::is_builtin_cast`.
    pub fn of(name: &str) -> Option<i32> {
        Some(match name {
            "f64" | "f32" => FLOAT,
            "i64" | "isize" | "i128" | "int" => I64,
            "i32" => I32,
            "i16" => I16,
            "i8" => I8,
            "u64" | "usize" | "u128" => U64,
            "u32" => U32,
            "u16" => U16,
            "u8" => U8,
            "String" | "str" => STR,
            "bool" => BOOL,
            "char" => CHAR,
            _ => return None,
        })
    }
}

/// Float methods `rt_math1(op, x)` / `rt_math2(op, x, y)` compute, with the
/// same functions as the generic method call (`methods/num.rs`), so the
/// results are the same bits. Names are the Ruchy method names.
pub mod math {
    pub const UNARY: &[&str] = &["sin", "cos", "tan", "atan", "exp", "ln", "log10", "log2", "round", "fract", "signum", "log"];
    pub const BINARY: &[&str] = &["powf", "pow", "atan2", "log"];

    /// The operation code of a float method, `None` for others.
    pub fn code(name: &str, args: usize) -> Option<i32> {
        let table = match args {
            0 => UNARY,
            1 => BINARY,
            _ => return None,
        };
        table.iter().position(|&n| n == name).map(|i| i as i32)
    }
}

/// Modes of `rt_fmt` (the VM's `format::Mode`).
pub mod mode {
    pub const DISPLAY: i32 = 0;
    pub const RAW: i32 = 1;
    pub const INTERP: i32 = 2;
    pub const DEBUG: i32 = 3;
}

/// Slot kinds (`runtime-lib/ABI.md`): how a runtime function reads an
/// `(i64 bits, i32 kind)` value.
pub mod kind {
    pub const PTR: i32 = 0;
    pub const INT: i32 = 1;
    pub const FLOAT: i32 = 2;
    pub const BOOL: i32 = 3;
}
