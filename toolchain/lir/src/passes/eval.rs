//! Compile-time evaluation of LIR operators, bit-exact with what the emitted
//! wasm computes at run time (`ruchy-codegen`'s `emit.rs` is the reference).
//!
//! `None` means "do not fold": the operands are not both literals of the
//! right kind, the operation would end the program (a checked operator that
//! overflows or divides by zero must still fail at run time, at its
//! location), the result depends on something only known later (the address
//! of a static), or the result is a NaN (wasm leaves a NaN's sign and
//! payload to the engine, so no folded pattern is guaranteed to match).
//!
//! Float arithmetic on the compiling host is IEEE 754 binary64 with
//! round-to-nearest-even, as in wasm; `sqrt` is correctly rounded in both;
//! `floor`/`ceil`/`trunc`/`nearest` are exact; `f64 → i64` is the saturating
//! conversion (`i64.trunc_sat_f64_s`, Rust's `as`).

use crate::ir::{BinOp, Lit, UnOp};

pub fn binary(op: BinOp, a: Lit, b: Lit) -> Option<Lit> {
    match (a, b) {
        (Lit::I64(x), Lit::I64(y)) => i64_binary(op, x, y),
        (Lit::F64(x), Lit::F64(y)) => f64_binary(op, x, y),
        (Lit::I32(x), Lit::I32(y)) => i32_binary(op, x, y),
        _ => None,
    }
}

fn bool_lit(b: bool) -> Option<Lit> {
    Some(Lit::I32(b as i32))
}

/// A float result, unless it is a NaN (see the module comment).
fn float(x: f64) -> Option<Lit> {
    (!x.is_nan()).then_some(Lit::F64(x))
}

fn i64_binary(op: BinOp, x: i64, y: i64) -> Option<Lit> {
    use BinOp::*;
    let n = match op {
        I64AddChk => x.checked_add(y)?,
        I64SubChk => x.checked_sub(y)?,
        I64MulChk => x.checked_mul(y)?,
        // Fails on a zero divisor and on MIN / -1, like the emitted checks.
        I64DivChk => x.checked_div(y)?,
        // Fails on a zero divisor only; MIN % -1 is 0 (wasm's `rem_s`).
        I64RemChk if y == 0 => return None,
        I64RemChk => x.wrapping_rem(y),
        I64Add => x.wrapping_add(y),
        I64Sub => x.wrapping_sub(y),
        I64Mul => x.wrapping_mul(y),
        I64And => x & y,
        I64Or => x | y,
        I64Xor => x ^ y,
        // wasm takes the shift count modulo 64.
        I64Shl => x.wrapping_shl((y & 63) as u32),
        I64ShrS => x.wrapping_shr((y & 63) as u32),
        I64Eq => return bool_lit(x == y),
        I64Ne => return bool_lit(x != y),
        I64Lt => return bool_lit(x < y),
        I64Le => return bool_lit(x <= y),
        I64Gt => return bool_lit(x > y),
        I64Ge => return bool_lit(x >= y),
        I64LtU => return bool_lit((x as u64) < (y as u64)),
        _ => return None,
    };
    Some(Lit::I64(n))
}

fn f64_binary(op: BinOp, x: f64, y: f64) -> Option<Lit> {
    use BinOp::*;
    // Comparisons with a NaN operand are false (`ne`: true), as in wasm.
    match op {
        F64Add => float(x + y),
        F64Sub => float(x - y),
        F64Mul => float(x * y),
        F64Div => float(x / y),
        F64Eq => bool_lit(x == y),
        F64Ne => bool_lit(x != y),
        F64Lt => bool_lit(x < y),
        F64Le => bool_lit(x <= y),
        F64Gt => bool_lit(x > y),
        F64Ge => bool_lit(x >= y),
        _ => None,
    }
}

fn i32_binary(op: BinOp, x: i32, y: i32) -> Option<Lit> {
    use BinOp::*;
    match op {
        I32And => Some(Lit::I32(x & y)),
        I32Or => Some(Lit::I32(x | y)),
        I32Xor => Some(Lit::I32(x ^ y)),
        I32Add => Some(Lit::I32(x.wrapping_add(y))),
        I32Mul => Some(Lit::I32(x.wrapping_mul(y))),
        // wasm takes the shift count modulo 32.
        I32Shl => Some(Lit::I32(x.wrapping_shl((y & 31) as u32))),
        I32ShrU => Some(Lit::I32(((x as u32) >> (y & 31)) as i32)),
        I32Eq => bool_lit(x == y),
        I32Ne => bool_lit(x != y),
        I32Lt => bool_lit(x < y),
        I32Le => bool_lit(x <= y),
        I32Gt => bool_lit(x > y),
        I32Ge => bool_lit(x >= y),
        _ => None,
    }
}

pub fn unary(op: UnOp, a: Lit) -> Option<Lit> {
    use UnOp::*;
    match (op, a) {
        (I64NegChk, Lit::I64(x)) => x.checked_neg().map(Lit::I64),
        (I32Eqz, Lit::I32(x)) => bool_lit(x == 0),
        (I64ToF64, Lit::I64(x)) => float(x as f64),
        (F64ToI64, Lit::F64(x)) => Some(Lit::I64(x as i64)),
        (I32ToI64, Lit::I32(x)) => Some(Lit::I64(x as u32 as i64)),
        (F64Bits, Lit::F64(x)) => Some(Lit::I64(x.to_bits() as i64)),
        // A static's address is only fixed by codegen's data layout.
        (RefBits, Lit::Null) => Some(Lit::I64(0)),
        (I64ToI32, Lit::I64(x)) => Some(Lit::I32(x as i32)),
        (I64Extend8S, Lit::I64(x)) => Some(Lit::I64(x as i8 as i64)),
        (I64Extend16S, Lit::I64(x)) => Some(Lit::I64(x as i16 as i64)),
        (I64Extend32S, Lit::I64(x)) => Some(Lit::I64(x as i32 as i64)),
        (BitsToF64, Lit::I64(x)) => float(f64::from_bits(x as u64)),
        // Only the nil reference has an address known before codegen.
        (BitsToRef, Lit::I64(0)) => Some(Lit::Null),
        (RefToI32, Lit::Null) => Some(Lit::I32(0)),
        (F64Neg, Lit::F64(x)) => float(-x),
        (F64Sqrt, Lit::F64(x)) => float(x.sqrt()),
        (F64Abs, Lit::F64(x)) => float(x.abs()),
        (F64Floor, Lit::F64(x)) => float(x.floor()),
        (F64Ceil, Lit::F64(x)) => float(x.ceil()),
        (F64Trunc, Lit::F64(x)) => float(x.trunc()),
        (F64Nearest, Lit::F64(x)) => float(x.round_ties_even()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BinOp::*;

    fn i(n: i64) -> Lit {
        Lit::I64(n)
    }

    fn f(x: f64) -> Lit {
        Lit::F64(x)
    }

    #[test]
    fn checked_operators_that_would_fail_are_not_folded() {
        assert_eq!(binary(I64AddChk, i(i64::MAX), i(1)), None);
        assert_eq!(binary(I64SubChk, i(i64::MIN), i(1)), None);
        assert_eq!(binary(I64MulChk, i(1 << 32), i(1 << 32)), None);
        assert_eq!(binary(I64DivChk, i(1), i(0)), None);
        assert_eq!(binary(I64DivChk, i(i64::MIN), i(-1)), None);
        assert_eq!(binary(I64RemChk, i(1), i(0)), None);
        assert_eq!(unary(UnOp::I64NegChk, i(i64::MIN)), None);
    }

    #[test]
    fn checked_operators_that_succeed_fold_like_wasm() {
        assert_eq!(binary(I64AddChk, i(2), i(3)), Some(i(5)));
        assert_eq!(binary(I64DivChk, i(-7), i(2)), Some(i(-3)));
        assert_eq!(binary(I64RemChk, i(-7), i(2)), Some(i(-1)));
        // wasm's rem_s: no error, 0.
        assert_eq!(binary(I64RemChk, i(i64::MIN), i(-1)), Some(i(0)));
        assert_eq!(unary(UnOp::I64NegChk, i(5)), Some(i(-5)));
    }

    #[test]
    fn shifts_mask_the_count_like_wasm() {
        assert_eq!(binary(I64Shl, i(1), i(64)), Some(i(1)));
        assert_eq!(binary(I64Shl, i(1), i(65)), Some(i(2)));
        assert_eq!(binary(I64Shl, i(1), i(-1)), Some(i(i64::MIN)));
        assert_eq!(binary(I64ShrS, i(-8), i(66)), Some(i(-2)));
        assert_eq!(binary(I32Shl, Lit::I32(1), Lit::I32(33)), Some(Lit::I32(2)));
        assert_eq!(binary(I32ShrU, Lit::I32(-1), Lit::I32(60)), Some(Lit::I32(15)));
    }

    #[test]
    fn float_folding_is_bit_exact_and_leaves_nans_alone() {
        assert_eq!(binary(F64Add, f(0.1), f(0.2)), Some(f(0.1 + 0.2)));
        let Some(Lit::F64(z)) = binary(F64Mul, f(-1.0), f(0.0)) else { panic!() };
        assert_eq!(z.to_bits(), (-0.0f64).to_bits());
        assert_eq!(binary(F64Div, f(0.0), f(0.0)), None);
        assert_eq!(binary(F64Sub, f(f64::INFINITY), f(f64::INFINITY)), None);
        assert_eq!(unary(UnOp::F64Sqrt, f(-1.0)), None);
        assert_eq!(binary(F64Div, f(1.0), f(0.0)), Some(f(f64::INFINITY)));
        // Comparisons with NaN are deterministic.
        assert_eq!(binary(F64Eq, f(f64::NAN), f(f64::NAN)), Some(Lit::I32(0)));
        assert_eq!(binary(F64Ne, f(f64::NAN), f(1.0)), Some(Lit::I32(1)));
        assert_eq!(unary(UnOp::F64Nearest, f(2.5)), Some(f(2.0)));
        assert_eq!(unary(UnOp::F64Nearest, f(-0.5)).map(|l| matches!(l, Lit::F64(x) if x.to_bits() == (-0.0f64).to_bits())), Some(true));
    }

    #[test]
    fn conversions_match_wasm() {
        assert_eq!(unary(UnOp::F64ToI64, f(f64::NAN)), Some(i(0)));
        assert_eq!(unary(UnOp::F64ToI64, f(1e300)), Some(i(i64::MAX)));
        assert_eq!(unary(UnOp::F64ToI64, f(-2.9)), Some(i(-2)));
        assert_eq!(unary(UnOp::I32ToI64, Lit::I32(-1)), Some(i(0xffff_ffff)));
        assert_eq!(unary(UnOp::I64ToI32, i(0x1_0000_0005)), Some(Lit::I32(5)));
        assert_eq!(unary(UnOp::I64ToF64, i(i64::MAX)), Some(f(9.223372036854776e18)));
        assert_eq!(unary(UnOp::RefBits, Lit::Static(0)), None);
        assert_eq!(unary(UnOp::RefBits, Lit::Null), Some(i(0)));
        assert_eq!(unary(UnOp::BitsToF64, i(0x3ff8_0000_0000_0000)), Some(f(1.5)));
        assert_eq!(unary(UnOp::BitsToF64, i(-1)), None);
        assert_eq!(unary(UnOp::BitsToRef, i(0)), Some(Lit::Null));
        assert_eq!(unary(UnOp::BitsToRef, i(16)), None);
        assert_eq!(unary(UnOp::RefToI32, Lit::Static(1)), None);
        assert_eq!(binary(I64LtU, i(-1), i(1)), Some(Lit::I32(0)));
    }
}
