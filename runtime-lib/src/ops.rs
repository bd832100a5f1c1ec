//! Operators on dynamic values (ABI "generic operations"), with the rules
//! and the error texts of the VM's `ops.rs`: checked integer arithmetic,
//! mixed int/float arithmetic in floats, string concatenation and
//! repetition, array concatenation, bitwise operators, `**`, ordering,
//! negation and `!`.
//!
//! Each operation is split in two steps because the runtime's own Rust
//! allocations and GC allocations must not overlap (see `wasm/mod.rs`):
//! [`dyn_arith`] and friends only read memory and compute, producing an
//! [`Outcome`] (a scalar, or a description of the object to build, with any
//! text already rendered) or an [`OpError`]; [`realize`] then builds the
//! result object on the heap without making Rust allocations.

use crate::arrays;
use crate::format::{Mode, Printer};
use crate::heap::Heap;
use crate::layout::{ARRAY, CLOSURE, DICT, RANGE, STR, STRUCT, TUPLE, VARIANT};
use crate::strings;
use crate::value::{self, element, field, kind, len, Val};
use alloc::format;
use alloc::string::String;
use core::cmp::Ordering;

/// Operator codes of `rt_dyn_arith` (ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl Op {
    /// The operator with ABI code `code` (0 add … 9 `>>`).
    pub fn from_code(code: u32) -> Option<Op> {
        const OPS: [Op; 10] = [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Rem, Op::BitAnd, Op::BitOr, Op::BitXor, Op::Shl, Op::Shr];
        OPS.get(code as usize).copied()
    }

    /// The verb of "Cannot {verb} X and Y".
    fn verb(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "subtract",
            Op::Mul => "multiply",
            Op::Div => "divide",
            _ => "take the remainder of",
        }
    }

    /// The noun of "Integer overflow in {noun}".
    fn noun(self) -> &'static str {
        match self {
            Op::Add => "addition",
            Op::Sub => "subtraction",
            Op::Mul => "multiplication",
            Op::Div => "division",
            _ => "remainder",
        }
    }
}

/// A failed operation; [`OpError::message`] is the VM's text for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpError {
    /// `Integer overflow in {noun}`.
    Overflow(&'static str),
    DivisionByZero,
    /// `Cannot {verb} {a} and {b}`.
    Cannot(&'static str, &'static str, &'static str),
    Bitwise(&'static str, &'static str),
    Raise(&'static str, &'static str),
    Compare(&'static str, &'static str),
    Negate(&'static str),
    /// A dynamic value reached a place of a fixed type it does not have.
    Expected(&'static str, &'static str),
    /// An operator code outside the ABI's table (a codegen bug).
    BadOperator,
}

impl OpError {
    pub fn message(self) -> String {
        match self {
            OpError::Overflow(noun) => format!("Runtime error: Integer overflow in {noun}"),
            OpError::DivisionByZero => "Division by zero".into(),
            OpError::Cannot(verb, a, b) => format!("Type error: Cannot {verb} {a} and {b}"),
            OpError::Bitwise(a, b) => format!("Type error: Cannot apply bitwise operator to {a} and {b}"),
            OpError::Raise(a, b) => format!("Type error: Cannot raise {a} to {b}"),
            OpError::Compare(a, b) => format!("Type error: Cannot compare {a} and {b} for ordering"),
            OpError::Negate(a) => format!("Type error: Cannot negate {a}"),
            OpError::Expected(want, got) => format!("Type error: Expected {want}, got {got}"),
            OpError::BadOperator => "internal runtime error".into(),
        }
    }
}

/// The `type_of` name of a value (§4), as in error messages.
pub fn type_name(v: Val) -> &'static str {
    match v {
        Val::Nil => "nil",
        Val::Bool(_) => "boolean",
        Val::Int(_) => "integer",
        Val::Float(_) => "float",
        Val::Obj(o) => match kind(o) {
            STR => "string",
            ARRAY => "array",
            TUPLE => "tuple",
            DICT => "object",
            STRUCT => "struct",
            VARIANT => "enum_variant",
            CLOSURE => "function",
            RANGE => "range",
            _ => "internal",
        },
    }
}

/// What an operation produces: a scalar (or an existing object), or an
/// object still to be built by [`realize`].
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Value(Val),
    /// The concatenation of two strings.
    Concat(u32, u32),
    /// A new string with this text.
    Text(String),
    /// A string repeated a number of times.
    Repeat(u32, u32),
    /// A new array holding the elements of both arrays.
    Arrays(u32, u32),
}

type OpResult = Result<Outcome, OpError>;

fn is_str(v: Val) -> bool {
    matches!(v, Val::Obj(o) if kind(o) == STR)
}

fn is_array(v: Val) -> bool {
    matches!(v, Val::Obj(o) if kind(o) == ARRAY)
}

fn as_f64(v: Val) -> f64 {
    match v {
        Val::Int(n) => n as f64,
        Val::Float(f) => f,
        _ => f64::NAN,
    }
}

fn is_num(v: Val) -> bool {
    matches!(v, Val::Int(_) | Val::Float(_))
}

/// `x op y` for the operator code `code` (`rt_dyn_arith`).
pub fn dyn_arith(code: u32, x: Val, y: Val) -> OpResult {
    match Op::from_code(code).ok_or(OpError::BadOperator)? {
        Op::Add => add(x, y),
        Op::Mul => mul(x, y),
        op @ (Op::Sub | Op::Div | Op::Rem) => arith(op, x, y),
        op => bitwise(op, x, y),
    }
}

/// `+`: strings concatenate (with the text of a number or bool on the
/// other side), arrays concatenate, numbers add.
fn add(x: Val, y: Val) -> OpResult {
    let (xs, ys) = (is_str(x), is_str(y));
    match (x, y) {
        (Val::Obj(a), Val::Obj(b)) if xs && ys => return Ok(Outcome::Concat(a, b)),
        _ if xs || ys => {
            let other = if xs { y } else { x };
            if !matches!(other, Val::Int(_) | Val::Float(_) | Val::Bool(_)) {
                return Err(OpError::Cannot("add", type_name(x), type_name(y)));
            }
            // Only numbers, bools and strings get here: no names needed.
            let printer = Printer::new(0);
            let mut text = concat_text(&printer, x);
            text.push_str(&concat_text(&printer, y));
            return Ok(Outcome::Text(text));
        }
        (Val::Obj(a), Val::Obj(b)) if is_array(x) && is_array(y) => return Ok(Outcome::Arrays(a, b)),
        _ => {}
    }
    arith(Op::Add, x, y)
}

/// `*`: a string times an int repeats it; otherwise numbers multiply.
fn mul(x: Val, y: Val) -> OpResult {
    if let (Val::Obj(s), Val::Int(n)) = (x, y) {
        if kind(s) == STR {
            let times = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
            return Ok(Outcome::Repeat(s, times));
        }
    }
    arith(Op::Mul, x, y)
}

/// `+ - * / %` on numbers: ints with overflow checks, anything with a float
/// in floats.
fn arith(op: Op, x: Val, y: Val) -> OpResult {
    match (x, y) {
        (Val::Int(a), Val::Int(b)) => int_arith(op, a, b).map(|n| Outcome::Value(Val::Int(n))),
        _ if is_num(x) && is_num(y) => {
            let (a, b) = (as_f64(x), as_f64(y));
            let r = match op {
                Op::Add => a + b,
                Op::Sub => a - b,
                Op::Mul => a * b,
                Op::Div => a / b,
                _ => float_rem(a, b)?,
            };
            Ok(Outcome::Value(Val::Float(r)))
        }
        _ => Err(OpError::Cannot(op.verb(), type_name(x), type_name(y))),
    }
}

/// `x + y` as the VM's `arith(Add)` (what `sum()` folds with): numbers
/// add, a string on either side concatenates, anything else (arrays too)
/// is an error.
pub fn arith_add(x: Val, y: Val) -> OpResult {
    if !(is_num(x) && is_num(y)) && (is_str(x) || is_str(y)) {
        return add(x, y);
    }
    arith(Op::Add, x, y)
}

/// `x * y` as the VM's `arith(Mul)` (what `product()` folds with): numbers
/// only.
pub fn arith_mul(x: Val, y: Val) -> OpResult {
    arith(Op::Mul, x, y)
}

fn int_arith(op: Op, a: i64, b: i64) -> Result<i64, OpError> {
    let overflow = OpError::Overflow(op.noun());
    match op {
        Op::Add => a.checked_add(b).ok_or(overflow),
        Op::Sub => a.checked_sub(b).ok_or(overflow),
        Op::Mul => a.checked_mul(b).ok_or(overflow),
        Op::Div | Op::Rem if b == 0 => Err(OpError::DivisionByZero),
        Op::Div => a.checked_div(b).ok_or(overflow),
        _ => Ok(a.wrapping_rem(b)),
    }
}

/// Float `%`: unlike `/`, a zero divisor is an error (§4).
pub fn float_rem(a: f64, b: f64) -> Result<f64, OpError> {
    if b == 0.0 {
        return Err(OpError::DivisionByZero);
    }
    Ok(a % b)
}

/// `& | ^ << >>` on ints; `& | ^` on bools (where the VM computes `^` for
/// the shifts too).
fn bitwise(op: Op, x: Val, y: Val) -> OpResult {
    let r = match (x, y) {
        (Val::Int(a), Val::Int(b)) => Val::Int(match op {
            Op::BitAnd => a & b,
            Op::BitOr => a | b,
            Op::BitXor => a ^ b,
            Op::Shl => a.wrapping_shl(b as u32),
            _ => a.wrapping_shr(b as u32),
        }),
        (Val::Bool(a), Val::Bool(b)) => Val::Bool(match op {
            Op::BitAnd => a & b,
            Op::BitOr => a | b,
            _ => a ^ b,
        }),
        _ => return Err(OpError::Bitwise(type_name(x), type_name(y))),
    };
    Ok(Outcome::Value(r))
}

/// `x ** y`: ints stay ints while they fit; overflow and negative exponents
/// give floats (§4).
pub fn pow(x: Val, y: Val) -> OpResult {
    let r = match (x, y) {
        (Val::Int(a), Val::Int(b)) if b >= 0 => match u32::try_from(b).ok().and_then(|e| a.checked_pow(e)) {
            Some(n) => Val::Int(n),
            None => Val::Float(powf(a as f64, b as f64)),
        },
        _ if is_num(x) && is_num(y) => Val::Float(powf(as_f64(x), as_f64(y))),
        _ => return Err(OpError::Raise(type_name(x), type_name(y))),
    };
    Ok(Outcome::Value(r))
}

/// `f64::powf` is not in `core`; C's `pow` is (natively from the system
/// libm, on wasm32 from the math routines `compiler-builtins` bundles).
fn powf(a: f64, b: f64) -> f64 {
    unsafe extern "C" {
        fn pow(x: f64, y: f64) -> f64;
    }
    // SAFETY: a pure function of two floats.
    unsafe { pow(a, b) }
}

/// Ordering for `<` and friends: numbers, bools, strings, and element-wise
/// arrays and tuples. `None` means unordered (NaN).
pub fn compare(x: Val, y: Val) -> Result<Option<Ordering>, OpError> {
    match (x, y) {
        (Val::Int(a), Val::Int(b)) => Ok(Some(a.cmp(&b))),
        _ if is_num(x) && is_num(y) => Ok(as_f64(x).partial_cmp(&as_f64(y))),
        (Val::Bool(a), Val::Bool(b)) => Ok(Some(a.cmp(&b))),
        (Val::Obj(a), Val::Obj(b)) => match (kind(a), kind(b)) {
            (STR, STR) => Ok(Some(strings::cmp(a, b))),
            (ARRAY, ARRAY) => compare_seq(len(a), len(b), |i| (element(a, i), element(b, i))),
            (TUPLE, TUPLE) => compare_seq(len(a), len(b), |i| (field(a, i), field(b, i))),
            _ => Err(OpError::Compare(type_name(x), type_name(y))),
        },
        _ => Err(OpError::Compare(type_name(x), type_name(y))),
    }
}

/// Lexicographic ordering of two sequences.
fn compare_seq(m: u32, n: u32, pair: impl Fn(u32) -> (Val, Val)) -> Result<Option<Ordering>, OpError> {
    for i in 0..m.min(n) {
        let (u, v) = pair(i);
        match compare(u, v)? {
            Some(Ordering::Equal) => {}
            other => return Ok(other),
        }
    }
    Ok(Some(m.cmp(&n)))
}

/// `rt_dyn_compare`'s encoding: -1, 0, 1, or 2 when unordered.
pub fn ordering_code(o: Option<Ordering>) -> i32 {
    o.map_or(2, |o| o as i32)
}

/// Unary `-`.
pub fn neg(x: Val) -> OpResult {
    match x {
        Val::Int(n) => n.checked_neg().map(|n| Outcome::Value(Val::Int(n))).ok_or(OpError::Overflow("negation")),
        Val::Float(f) => Ok(Outcome::Value(Val::Float(-f))),
        _ => Err(OpError::Negate(type_name(x))),
    }
}

/// Unary `!`: only `false` and nil are falsy.
pub fn not(x: Val) -> Val {
    Val::Bool(matches!(x, Val::Nil | Val::Bool(false)))
}

/// The text a value contributes to `str + x` (§7): floats in short form
/// (`3.0` → `3`), strings as they are, anything else in raw form (printed
/// with `printer`, which knows struct and enum names).
pub fn concat_text(printer: &Printer, v: Val) -> String {
    match v {
        Val::Float(f) => ruchy_text::float_short(f),
        _ => printer.to_string(v, Mode::Raw),
    }
}

/// The int in a dynamic value, or a type error.
pub fn unbox_int(v: Val) -> Result<i64, OpError> {
    match v {
        Val::Int(n) => Ok(n),
        _ => Err(OpError::Expected("integer", type_name(v))),
    }
}

/// The float in a dynamic value (ints convert), or a type error.
pub fn unbox_float(v: Val) -> Result<f64, OpError> {
    match v {
        Val::Float(f) => Ok(f),
        Val::Int(n) => Ok(n as f64),
        _ => Err(OpError::Expected("float", type_name(v))),
    }
}

/// The bool in a dynamic value, or a type error.
pub fn unbox_bool(v: Val) -> Result<bool, OpError> {
    match v {
        Val::Bool(b) => Ok(b),
        _ => Err(OpError::Expected("boolean", type_name(v))),
    }
}

/// Builds the dynamic value (an address, 0 for nil) an outcome describes.
/// May collect; the operands in the outcome must be rooted by the caller.
/// Makes no Rust allocation.
pub fn realize(heap: &mut Heap, outcome: &Outcome) -> u32 {
    match outcome {
        Outcome::Value(v) => value::box_value(heap, *v),
        Outcome::Concat(a, b) => strings::concat(heap, *a, *b),
        Outcome::Text(t) => strings::new_str(heap, t.as_bytes()),
        Outcome::Repeat(s, n) => strings::repeat(heap, *s, *n),
        Outcome::Arrays(a, b) => arrays::concat(heap, *a, *b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::tests::fresh_heap;
    use crate::layout::{K_FLOAT, K_INT, K_PTR};
    use crate::strings::new_str;

    fn value(r: OpResult) -> Val {
        match r {
            Ok(Outcome::Value(v)) => v,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    fn err(r: OpResult) -> String {
        r.expect_err("should fail").message()
    }

    #[test]
    fn integer_arithmetic_is_checked() {
        assert_eq!(value(dyn_arith(0, Val::Int(2), Val::Int(3))), Val::Int(5));
        assert_eq!(err(dyn_arith(0, Val::Int(i64::MAX), Val::Int(1))), "Runtime error: Integer overflow in addition");
        assert_eq!(err(dyn_arith(1, Val::Int(i64::MIN), Val::Int(1))), "Runtime error: Integer overflow in subtraction");
        assert_eq!(err(dyn_arith(2, Val::Int(i64::MAX), Val::Int(2))), "Runtime error: Integer overflow in multiplication");
        assert_eq!(err(dyn_arith(3, Val::Int(i64::MIN), Val::Int(-1))), "Runtime error: Integer overflow in division");
        assert_eq!(err(dyn_arith(3, Val::Int(1), Val::Int(0))), "Division by zero");
        assert_eq!(err(dyn_arith(4, Val::Int(1), Val::Int(0))), "Division by zero");
        assert_eq!(value(dyn_arith(3, Val::Int(-7), Val::Int(2))), Val::Int(-3));
        assert_eq!(value(dyn_arith(4, Val::Int(-7), Val::Int(3))), Val::Int(-1));
        assert_eq!(value(dyn_arith(4, Val::Int(i64::MIN), Val::Int(-1))), Val::Int(0));
    }

    #[test]
    fn floats_mix_with_ints() {
        assert_eq!(value(dyn_arith(3, Val::Int(7), Val::Float(2.0))), Val::Float(3.5));
        assert_eq!(value(dyn_arith(3, Val::Float(1.0), Val::Int(0))), Val::Float(f64::INFINITY));
        assert_eq!(err(dyn_arith(4, Val::Float(1.0), Val::Float(0.0))), "Division by zero");
        assert_eq!(value(dyn_arith(4, Val::Float(7.5), Val::Int(2))), Val::Float(1.5));
        assert_eq!(err(dyn_arith(1, Val::Bool(true), Val::Int(1))), "Type error: Cannot subtract boolean and integer");
        assert_eq!(err(dyn_arith(4, Val::Nil, Val::Int(1))), "Type error: Cannot take the remainder of nil and integer");
        assert_eq!(err(dyn_arith(10, Val::Int(1), Val::Int(1))), "internal runtime error");
    }

    #[test]
    fn strings_concatenate_and_repeat() {
        let mut h = fresh_heap();
        let s = new_str(&mut h, b"n=");
        assert_eq!(dyn_arith(0, Val::Obj(s), Val::Float(3.0)), Ok(Outcome::Text("n=3".into())));
        assert_eq!(dyn_arith(0, Val::Bool(true), Val::Obj(s)), Ok(Outcome::Text("truen=".into())));
        assert_eq!(dyn_arith(0, Val::Obj(s), Val::Obj(s)), Ok(Outcome::Concat(s, s)));
        assert_eq!(err(dyn_arith(0, Val::Obj(s), Val::Nil)), "Type error: Cannot add string and nil");
        let out = dyn_arith(2, Val::Obj(s), Val::Int(3)).unwrap();
        let r = realize(&mut h, &out);
        assert_eq!(unsafe { strings::bytes(r) }, b"n=n=n=");
        let out = dyn_arith(2, Val::Obj(s), Val::Int(-2)).unwrap();
        assert_eq!(len(realize(&mut h, &out)), 0);
        assert_eq!(err(dyn_arith(2, Val::Int(3), Val::Obj(s))), "Type error: Cannot multiply integer and string");
    }

    #[test]
    fn arrays_concatenate() {
        let mut h = fresh_heap();
        let a = arrays::new(&mut h, K_INT, 0);
        arrays::push(&mut h, a, 1);
        let b = arrays::new(&mut h, K_FLOAT, 0);
        arrays::push(&mut h, b, 2.5f64.to_bits());
        let c = arrays::new(&mut h, K_INT, 0);
        arrays::push(&mut h, c, 7);
        let out = dyn_arith(0, Val::Obj(a), Val::Obj(c)).unwrap();
        let ac = realize(&mut h, &out);
        assert_eq!(crate::layout::elem_kind_of(value::meta(ac)), K_INT);
        assert_eq!((element(ac, 0), element(ac, 1)), (Val::Int(1), Val::Int(7)));
        let out = dyn_arith(0, Val::Obj(a), Val::Obj(b)).unwrap();
        let ab = realize(&mut h, &out);
        assert_eq!(crate::layout::elem_kind_of(value::meta(ab)), K_PTR, "mixed kinds are boxed");
        assert_eq!((element(ab, 0), element(ab, 1)), (Val::Int(1), Val::Float(2.5)));
    }

    #[test]
    fn bitwise_and_pow() {
        assert_eq!(value(dyn_arith(5, Val::Int(6), Val::Int(3))), Val::Int(2));
        assert_eq!(value(dyn_arith(8, Val::Int(1), Val::Int(65))), Val::Int(2), "shifts wrap");
        assert_eq!(value(dyn_arith(9, Val::Int(-8), Val::Int(1))), Val::Int(-4));
        assert_eq!(value(dyn_arith(8, Val::Bool(true), Val::Bool(true))), Val::Bool(false), "VM quirk: ^");
        assert_eq!(err(dyn_arith(6, Val::Int(1), Val::Float(1.0))), "Type error: Cannot apply bitwise operator to integer and float");
        assert_eq!(value(pow(Val::Int(2), Val::Int(10))), Val::Int(1024));
        assert_eq!(value(pow(Val::Int(2), Val::Int(64))), Val::Float(18446744073709551616.0));
        assert_eq!(value(pow(Val::Int(2), Val::Int(-1))), Val::Float(0.5));
        assert_eq!(value(pow(Val::Float(4.0), Val::Float(0.5))), Val::Float(2.0));
        assert_eq!(err(pow(Val::Nil, Val::Int(1))), "Type error: Cannot raise nil to integer");
    }

    #[test]
    fn ordering() {
        let mut h = fresh_heap();
        let (a, b) = (new_str(&mut h, b"apple"), new_str(&mut h, b"banana"));
        assert_eq!(compare(Val::Obj(a), Val::Obj(b)), Ok(Some(Ordering::Less)));
        assert_eq!(compare(Val::Int(2), Val::Float(1.5)), Ok(Some(Ordering::Greater)));
        assert_eq!(ordering_code(compare(Val::Float(f64::NAN), Val::Int(1)).unwrap()), 2);
        assert_eq!(ordering_code(Some(Ordering::Less)), -1);
        let x = arrays::new(&mut h, K_INT, 0);
        arrays::push(&mut h, x, 1);
        let y = arrays::new(&mut h, K_INT, 0);
        arrays::push(&mut h, y, 1);
        arrays::push(&mut h, y, 0);
        assert_eq!(compare(Val::Obj(x), Val::Obj(y)), Ok(Some(Ordering::Less)), "a prefix sorts first");
        assert_eq!(
            compare(Val::Obj(a), Val::Int(1)).unwrap_err().message(),
            "Type error: Cannot compare string and integer for ordering"
        );
    }

    #[test]
    fn unary_and_unboxing() {
        assert_eq!(value(neg(Val::Int(5))), Val::Int(-5));
        assert_eq!(neg(Val::Int(i64::MIN)).unwrap_err().message(), "Runtime error: Integer overflow in negation");
        assert_eq!(neg(Val::Bool(true)).unwrap_err().message(), "Type error: Cannot negate boolean");
        assert_eq!(not(Val::Nil), Val::Bool(true));
        assert_eq!(not(Val::Int(0)), Val::Bool(false));
        assert_eq!(unbox_float(Val::Int(3)), Ok(3.0));
        assert_eq!(unbox_int(Val::Float(3.0)).unwrap_err().message(), "Type error: Expected integer, got float");
        assert_eq!(unbox_bool(Val::Nil).unwrap_err().message(), "Type error: Expected boolean, got nil");
        let p = Printer::new(0);
        assert_eq!(concat_text(&p, Val::Float(2.0)), "2");
        assert_eq!(concat_text(&p, Val::Int(-4)), "-4");
        assert_eq!(concat_text(&p, Val::Nil), "nil");
    }
}
