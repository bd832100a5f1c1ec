//! The register-based instruction set.
//!
//! Encoding: every instruction is a fixed-width 8-byte record — a one-byte
//! opcode (the enum tag) followed by up to three 16-bit register/constant
//! operands, or a 16-bit operand and a 32-bit signed jump offset. (A test
//! asserts `size_of::<Instr>() == 8`.) Registers are relative to the current
//! frame's base; jump offsets are relative to the instruction after the jump.
//!
//! Type-specialised instructions (`AddI`, `LtF`, …) are emitted where the HIR
//! proves operand types; the generic ones (`Add`, `Lt`, …) check tags at run
//! time. Enum variant indices and array-pattern prefix/suffix lengths are
//! one byte (the HIR lowering rejects larger ones). Fused compare-and-branch instructions (`JmpIfNotLtI`, …) come from
//! the compiler's peephole step.

use ruchy_syntax::ast::FormatSpec;

pub type Reg = u16;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Instr {
    Nop,
    Move { dst: Reg, src: Reg },
    LoadK { dst: Reg, k: u32 },
    LoadInt { dst: Reg, v: i32 },
    LoadNil { dst: Reg },
    LoadBool { dst: Reg, v: bool },
    GetGlobal { dst: Reg, g: u32 },
    SetGlobal { g: u32, src: Reg },
    /// Loads global `g` for mutation: copies it first if it is shared (and
    /// stores the copy back), like `GetGlobal; MakeUnique; SetGlobal`.
    GetGlobalMut { dst: Reg, g: u32 },
    /// `dst = global[index]`: `GetGlobal` and `GetIndex` fused by the
    /// peephole pass (globals with an index below 65536).
    GetGlobalIndex { dst: Reg, g: u16, index: Reg },
    /// `global[index] = src`, copying the global first if it is shared.
    SetGlobalIndex { g: u16, index: Reg, src: Reg },
    /// Reads the value in the cell of capture `idx` of the running closure.
    GetUpval { dst: Reg, idx: u16 },
    SetUpval { idx: u16, src: Reg },
    /// Boxes `src` into a fresh cell stored in `dst`.
    NewCell { dst: Reg, src: Reg },
    GetCell { dst: Reg, cell: Reg },
    SetCell { cell: Reg, src: Reg },
    /// Marks the object in `reg` as shared (copy-on-write).
    Share { reg: Reg },
    /// Copies the object in `reg` if it is shared, so it can be mutated.
    MakeUnique { reg: Reg },

    // Generic arithmetic, comparison, bitwise (tag-checked).
    Add { dst: Reg, a: Reg, b: Reg },
    Sub { dst: Reg, a: Reg, b: Reg },
    Mul { dst: Reg, a: Reg, b: Reg },
    Div { dst: Reg, a: Reg, b: Reg },
    Rem { dst: Reg, a: Reg, b: Reg },
    Pow { dst: Reg, a: Reg, b: Reg },
    Eq { dst: Reg, a: Reg, b: Reg },
    Ne { dst: Reg, a: Reg, b: Reg },
    Lt { dst: Reg, a: Reg, b: Reg },
    Le { dst: Reg, a: Reg, b: Reg },
    Gt { dst: Reg, a: Reg, b: Reg },
    Ge { dst: Reg, a: Reg, b: Reg },
    BitAnd { dst: Reg, a: Reg, b: Reg },
    BitOr { dst: Reg, a: Reg, b: Reg },
    BitXor { dst: Reg, a: Reg, b: Reg },
    Shl { dst: Reg, a: Reg, b: Reg },
    Shr { dst: Reg, a: Reg, b: Reg },
    Neg { dst: Reg, src: Reg },
    Not { dst: Reg, src: Reg },
    BitNot { dst: Reg, src: Reg },
    /// `s = s + x` on a string local: appends in place when `s` is unshared.
    AppendStr { dst: Reg, src: Reg },

    // Integer-specialised (both operands proven Int; overflow-checked).
    AddI { dst: Reg, a: Reg, b: Reg },
    SubI { dst: Reg, a: Reg, b: Reg },
    MulI { dst: Reg, a: Reg, b: Reg },
    /// `a + k` with a small constant (also `a - k` as `k = -k`).
    AddIK { dst: Reg, a: Reg, k: i16 },
    MulIK { dst: Reg, a: Reg, k: i16 },
    /// `a % k` with a non-zero constant.
    RemIK { dst: Reg, a: Reg, k: i16 },
    /// `a / k` with a constant other than 0 and -1 (so ints cannot trap).
    DivIK { dst: Reg, a: Reg, k: i16 },
    LtI { dst: Reg, a: Reg, b: Reg },
    LeI { dst: Reg, a: Reg, b: Reg },
    EqI { dst: Reg, a: Reg, b: Reg },
    // Float-specialised.
    AddF { dst: Reg, a: Reg, b: Reg },
    SubF { dst: Reg, a: Reg, b: Reg },
    MulF { dst: Reg, a: Reg, b: Reg },
    DivF { dst: Reg, a: Reg, b: Reg },

    Jmp { off: i32 },
    JmpIf { cond: Reg, off: i32 },
    JmpIfNot { cond: Reg, off: i32 },
    /// Fused `a < b` test: jumps when the comparison is false.
    JmpIfNotLt { a: Reg, b: Reg, off: i16 },
    JmpIfNotLe { a: Reg, b: Reg, off: i16 },
    JmpIfNotLtI { a: Reg, b: Reg, off: i16 },
    JmpIfNotLeI { a: Reg, b: Reg, off: i16 },
    /// Fused comparisons with a small constant: jump when `a OP k` is false.
    JmpIfNotLtIK { a: Reg, k: i16, off: i16 },
    JmpIfNotLeIK { a: Reg, k: i16, off: i16 },
    JmpIfNotGtIK { a: Reg, k: i16, off: i16 },
    JmpIfNotGeIK { a: Reg, k: i16, off: i16 },
    JmpIfNotEqIK { a: Reg, k: i16, off: i16 },
    /// Jumps when `a == k` (the false branch of `a != k`).
    JmpIfEqIK { a: Reg, k: i16, off: i16 },
    /// Fused `a == b` test: jumps when the values differ.
    JmpIfNotEq { a: Reg, b: Reg, off: i16 },
    /// Jumps when the values are equal (the false branch of `a != b`).
    JmpIfEq { a: Reg, b: Reg, off: i16 },
    /// Jumps when `src` is nil (used by `??` and optional loop ends).
    JmpIfNil { src: Reg, off: i32 },
    /// `d.get(k).unwrap_or(default)` with `d, k, default` in `base..base+3`:
    /// when `d` is a dict, writes the result and jumps over the generic
    /// method-call sequence that follows (for any other receiver).
    DictGetOr { dst: Reg, base: Reg, off: i16 },
    /// Jumps when `src` is not nil (the false branch of `x == nil`).
    JmpIfNotNil { src: Reg, off: i32 },
    /// Loop back-edge: a GC safepoint, then an unconditional jump.
    JmpBack { off: i32 },
    /// The bottom test of a `while` loop over ints (the top test is only run
    /// on entry): a GC safepoint, then jump back when `a OP b` holds.
    LoopIfLtI { a: Reg, b: Reg, off: i16 },
    LoopIfLeI { a: Reg, b: Reg, off: i16 },
    LoopIfLtIK { a: Reg, k: i16, off: i16 },
    LoopIfLeIK { a: Reg, k: i16, off: i16 },
    LoopIfGtIK { a: Reg, k: i16, off: i16 },
    LoopIfGeIK { a: Reg, k: i16, off: i16 },
    /// The step of `for i in s..e` (`ForStepLe`: `s..=e`): `i += 1`, a GC
    /// safepoint, then jump back while `i < end` (`i <= end`).
    ForStepLt { i: Reg, end: Reg, off: i16 },
    ForStepLe { i: Reg, end: Reg, off: i16 },

    /// Calls function `proto` with `argc` arguments in `base..base+argc`;
    /// the callee's frame starts at `base`; the result goes to `dst`.
    Call { dst: Reg, base: Reg, argc: u8, proto: u16 },
    /// Calls the value in `base` with arguments in `base+1..`.
    CallValue { dst: Reg, base: Reg, argc: u8 },
    /// Calls method `name` (a string constant) on the receiver in `base`
    /// with arguments in `base+1..`. User methods run with `self` in the
    /// receiver's register, so a method's writes to `self` are visible to
    /// the caller in `base` afterwards.
    CallMethod { dst: Reg, base: Reg, argc: u8, name: u16 },
    /// Calls a built-in free function (index into `builtins::BUILTINS`).
    CallBuiltin { dst: Reg, base: Reg, argc: u8, builtin: u16 },
    Return { src: Reg },
    /// Function prologue: skips a parameter's default-value code when the
    /// caller passed argument number `idx`.
    JmpIfArgGiven { idx: u16, off: i32 },

    NewArray { dst: Reg, base: Reg, count: u16 },
    NewTuple { dst: Reg, base: Reg, count: u16 },
    /// Key/value pairs in `base..base+2*count`.
    NewDict { dst: Reg, base: Reg, count: u16 },
    /// Field values in declaration order in `base..`.
    NewStruct { dst: Reg, base: Reg, def: u16 },
    NewVariant { dst: Reg, base: Reg, def: u16, variant: u8 },
    ArrayRepeat { dst: Reg, value: Reg, count: Reg },
    /// `start`/`end` registers (nil for an open end); `inclusive`.
    MakeRange { dst: Reg, start: Reg, end: Reg, inclusive: bool },
    /// Creates a closure of `proto`, capturing as its capture list says.
    Closure { dst: Reg, proto: u16 },
    /// Field by name (struct field, or dict key); `name` is a string constant.
    GetField { dst: Reg, obj: Reg, name: u16 },
    SetField { obj: Reg, name: u16, src: Reg },
    /// Field of a struct whose type is known statically: `slot` indexes
    /// `Module::field_slots`. Falls back to the by-name path if the object
    /// is not of that struct type.
    GetFieldK { dst: Reg, obj: Reg, slot: u16 },
    SetFieldK { obj: Reg, slot: u16, src: Reg },
    GetIndex { dst: Reg, obj: Reg, index: Reg },
    SetIndex { obj: Reg, index: Reg, src: Reg },
    GetTupleIdx { dst: Reg, obj: Reg, idx: u16 },
    SetTupleIdx { obj: Reg, idx: u16, src: Reg },

    /// Prepares iteration over `src` into `iter` (and `iter+1`).
    IterInit { iter: Reg, src: Reg },
    /// Next element into `dst`, or jump when exhausted.
    IterNext { iter: Reg, dst: Reg, off: i16 },

    /// Installs a handler at `off`: an exception arriving there leaves its
    /// value in `reg` and how it was raised in `reg + 1` (see `Rethrow`).
    PushHandler { reg: Reg, off: i32 },
    PopHandler,
    Throw { src: Reg },
    /// Re-raises, unchanged, the exception a handler stored in `src` and
    /// `src + 1`: a runtime error stays a runtime error, and the position
    /// stays where it was first raised (a `finally` runs, then this).
    Rethrow { src: Reg },
    /// Runtime error "No match arm matched the value".
    MatchFail,
    /// Irrefutable-pattern failure in `let`.
    LetFail,

    // Pattern tests (write a bool into `dst`).
    IsVariant { dst: Reg, src: Reg, def: u16, variant: u8 },
    IsStruct { dst: Reg, src: Reg, def: u16 },
    /// Array/tuple of exactly `n` (or at least `n` when `at_least`) elements.
    IsLen { dst: Reg, src: Reg, n: u16, at_least: bool },
    IsTupleLen { dst: Reg, src: Reg, n: u16 },
    /// Payload element of an enum variant, or field by index of a struct.
    GetPayload { dst: Reg, src: Reg, idx: u16 },
    /// Element `idx` of an array (negative counts from the end).
    GetIndexK { dst: Reg, src: Reg, idx: i16 },
    /// `src[start .. len-from_end]` as a new array.
    SliceRest { dst: Reg, src: Reg, start: u8, from_end: u8 },

    /// Formats `src` with spec `spec` (index into the spec table) and the
    /// f-string rules; result is a string.
    FmtFString { dst: Reg, src: Reg, spec: u16 },
    /// Formats with Rust `format!` rules.
    FmtRust { dst: Reg, src: Reg, spec: u16 },
    /// Concatenates the strings in `base..base+count`.
    Concat { dst: Reg, base: Reg, count: u16 },
    /// `as T`: kind is a `CastKind` discriminant.
    Cast { dst: Reg, src: Reg, kind: u8 },
}

/// A jump instruction's offset field.
enum Offset<'a> {
    Long(&'a mut i32),
    Short(&'a mut i16),
}

/// How an instruction touches a register operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    /// Read, then written (e.g. `MakeUnique`, `AppendStr`'s destination).
    ReadWrite,
}

impl Instr {
    /// Calls `f` for every register the instruction reads or writes in its
    /// own frame, including register ranges (call arguments, constructor
    /// fields) and the capture registers a `Closure` copies cells from.
    /// Registers of a callee's frame (above a call's base) are not reported.
    pub fn for_each_operand(&self, m: &Module, f: &mut dyn FnMut(Reg, Access)) {
        use Access::*;
        let range = |base: Reg, n: usize, f: &mut dyn FnMut(Reg, Access)| {
            for i in 0..n {
                f(base.saturating_add(i as u16), Read);
            }
        };
        match *self {
            Instr::Nop | Instr::Jmp { .. } | Instr::JmpBack { .. } | Instr::JmpIfArgGiven { .. } | Instr::PopHandler | Instr::MatchFail | Instr::LetFail => {}
            Instr::Move { dst, src } | Instr::NewCell { dst, src } | Instr::Neg { dst, src } | Instr::Not { dst, src } | Instr::BitNot { dst, src } => {
                f(src, Read);
                f(dst, Write)
            }
            Instr::LoadK { dst, .. }
            | Instr::LoadInt { dst, .. }
            | Instr::LoadNil { dst }
            | Instr::LoadBool { dst, .. }
            | Instr::GetGlobal { dst, .. }
            | Instr::GetGlobalMut { dst, .. }
            | Instr::GetUpval { dst, .. } => f(dst, Write),
            Instr::SetGlobal { src, .. } | Instr::SetUpval { src, .. } | Instr::Return { src } | Instr::Throw { src } => f(src, Read),
            Instr::Rethrow { src } => {
                f(src, Read);
                f(src.saturating_add(1), Read)
            }
            Instr::GetCell { dst, cell } | Instr::GetGlobalIndex { dst, index: cell, .. } => {
                f(cell, Read);
                f(dst, Write)
            }
            Instr::SetCell { cell, src } | Instr::SetGlobalIndex { index: cell, src, .. } => {
                f(cell, Read);
                f(src, Read)
            }
            Instr::Share { reg } => f(reg, Read),
            Instr::MakeUnique { reg } => f(reg, ReadWrite),
            Instr::AppendStr { dst, src } => {
                f(src, Read);
                f(dst, ReadWrite)
            }
            Instr::Add { dst, a, b }
            | Instr::Sub { dst, a, b }
            | Instr::Mul { dst, a, b }
            | Instr::Div { dst, a, b }
            | Instr::Rem { dst, a, b }
            | Instr::Pow { dst, a, b }
            | Instr::Eq { dst, a, b }
            | Instr::Ne { dst, a, b }
            | Instr::Lt { dst, a, b }
            | Instr::Le { dst, a, b }
            | Instr::Gt { dst, a, b }
            | Instr::Ge { dst, a, b }
            | Instr::BitAnd { dst, a, b }
            | Instr::BitOr { dst, a, b }
            | Instr::BitXor { dst, a, b }
            | Instr::Shl { dst, a, b }
            | Instr::Shr { dst, a, b }
            | Instr::AddI { dst, a, b }
            | Instr::SubI { dst, a, b }
            | Instr::MulI { dst, a, b }
            | Instr::LtI { dst, a, b }
            | Instr::LeI { dst, a, b }
            | Instr::EqI { dst, a, b }
            | Instr::AddF { dst, a, b }
            | Instr::SubF { dst, a, b }
            | Instr::MulF { dst, a, b }
            | Instr::DivF { dst, a, b }
            | Instr::GetIndex { dst, obj: a, index: b } => {
                f(a, Read);
                f(b, Read);
                f(dst, Write)
            }
            Instr::AddIK { dst, a, .. } | Instr::MulIK { dst, a, .. } | Instr::RemIK { dst, a, .. } | Instr::DivIK { dst, a, .. } => {
                f(a, Read);
                f(dst, Write)
            }
            Instr::JmpIf { cond, .. } | Instr::JmpIfNot { cond, .. } => f(cond, Read),
            Instr::JmpIfNil { src, .. } | Instr::JmpIfNotNil { src, .. } => f(src, Read),
            Instr::JmpIfNotLt { a, b, .. }
            | Instr::JmpIfNotLe { a, b, .. }
            | Instr::JmpIfNotLtI { a, b, .. }
            | Instr::JmpIfNotLeI { a, b, .. }
            | Instr::JmpIfNotEq { a, b, .. }
            | Instr::JmpIfEq { a, b, .. }
            | Instr::LoopIfLtI { a, b, .. }
            | Instr::LoopIfLeI { a, b, .. } => {
                f(a, Read);
                f(b, Read)
            }
            Instr::LoopIfLtIK { a, .. } | Instr::LoopIfLeIK { a, .. } | Instr::LoopIfGtIK { a, .. } | Instr::LoopIfGeIK { a, .. } => f(a, Read),
            Instr::ForStepLt { i, end, .. } | Instr::ForStepLe { i, end, .. } => {
                f(end, Read);
                f(i, ReadWrite)
            }
            Instr::DictGetOr { dst, base, .. } => {
                range(base, 3, f);
                f(dst, Write)
            }
            Instr::JmpIfNotLtIK { a, .. }
            | Instr::JmpIfNotLeIK { a, .. }
            | Instr::JmpIfNotGtIK { a, .. }
            | Instr::JmpIfNotGeIK { a, .. }
            | Instr::JmpIfNotEqIK { a, .. }
            | Instr::JmpIfEqIK { a, .. } => f(a, Read),
            Instr::Call { dst, base, argc, .. } | Instr::CallBuiltin { dst, base, argc, .. } => {
                range(base, argc as usize, f);
                f(dst, Write)
            }
            Instr::CallValue { dst, base, argc } => {
                range(base, argc as usize + 1, f);
                f(dst, Write)
            }
            Instr::CallMethod { dst, base, argc, .. } => {
                range(base, argc as usize + 1, f);
                // A user method writes its (possibly copied) receiver back.
                f(base, Write);
                f(dst, Write)
            }
            Instr::NewArray { dst, base, count } | Instr::NewTuple { dst, base, count } | Instr::Concat { dst, base, count } => {
                range(base, count as usize, f);
                f(dst, Write)
            }
            Instr::NewDict { dst, base, count } => {
                range(base, 2 * count as usize, f);
                f(dst, Write)
            }
            Instr::NewStruct { dst, base, def } => {
                range(base, m.structs.get(def as usize).map_or(0, |s| s.fields.len()), f);
                f(dst, Write)
            }
            Instr::NewVariant { dst, base, def, variant } => {
                let arity = m.enums.get(def as usize).and_then(|e| e.variants.get(variant as usize)).map_or(0, |v| v.1);
                range(base, arity, f);
                f(dst, Write)
            }
            Instr::ArrayRepeat { dst, value: a, count: b } | Instr::MakeRange { dst, start: a, end: b, .. } => {
                f(a, Read);
                f(b, Read);
                f(dst, Write)
            }
            Instr::Closure { dst, proto } => {
                for c in m.protos.get(proto as usize).map_or(&[][..], |p| &p.captures[..]) {
                    if let CaptureFrom::Reg(r) = c {
                        f(*r, Read);
                    }
                }
                f(dst, Write)
            }
            Instr::GetField { dst, obj, .. } | Instr::GetFieldK { dst, obj, .. } | Instr::GetTupleIdx { dst, obj, .. } => {
                f(obj, Read);
                f(dst, Write)
            }
            Instr::SetField { obj, src, .. } | Instr::SetFieldK { obj, src, .. } | Instr::SetTupleIdx { obj, src, .. } => {
                f(obj, Read);
                f(src, Read)
            }
            Instr::SetIndex { obj, index, src } => {
                f(obj, Read);
                f(index, Read);
                f(src, Read)
            }
            Instr::IterInit { iter, src } => {
                f(src, Read);
                f(iter, Write);
                f(iter.saturating_add(1), Write)
            }
            Instr::IterNext { iter, dst, .. } => {
                f(iter, Read);
                f(iter.saturating_add(1), ReadWrite);
                f(dst, Write)
            }
            Instr::PushHandler { reg, .. } => {
                f(reg, Write);
                f(reg.saturating_add(1), Write)
            }
            Instr::IsVariant { dst, src, .. }
            | Instr::IsStruct { dst, src, .. }
            | Instr::IsLen { dst, src, .. }
            | Instr::IsTupleLen { dst, src, .. }
            | Instr::GetPayload { dst, src, .. }
            | Instr::GetIndexK { dst, src, .. }
            | Instr::SliceRest { dst, src, .. }
            | Instr::FmtFString { dst, src, .. }
            | Instr::FmtRust { dst, src, .. }
            | Instr::Cast { dst, src, .. } => {
                f(src, Read);
                f(dst, Write)
            }
        }
    }

    /// The jump offset field of a jump instruction: 32-bit or 16-bit. The
    /// one place that knows which instructions jump.
    fn offset_mut(&mut self) -> Option<Offset<'_>> {
        Some(match self {
            Instr::Jmp { off }
            | Instr::JmpBack { off }
            | Instr::JmpIf { off, .. }
            | Instr::JmpIfNot { off, .. }
            | Instr::JmpIfNil { off, .. }
            | Instr::JmpIfNotNil { off, .. }
            | Instr::PushHandler { off, .. }
            | Instr::JmpIfArgGiven { off, .. } => Offset::Long(off),
            Instr::JmpIfNotLt { off, .. }
            | Instr::JmpIfNotLe { off, .. }
            | Instr::JmpIfNotLtI { off, .. }
            | Instr::JmpIfNotLeI { off, .. }
            | Instr::JmpIfNotLtIK { off, .. }
            | Instr::JmpIfNotLeIK { off, .. }
            | Instr::JmpIfNotGtIK { off, .. }
            | Instr::JmpIfNotGeIK { off, .. }
            | Instr::JmpIfNotEqIK { off, .. }
            | Instr::JmpIfEqIK { off, .. }
            | Instr::JmpIfNotEq { off, .. }
            | Instr::JmpIfEq { off, .. }
            | Instr::DictGetOr { off, .. }
            | Instr::LoopIfLtI { off, .. }
            | Instr::LoopIfLeI { off, .. }
            | Instr::LoopIfLtIK { off, .. }
            | Instr::LoopIfLeIK { off, .. }
            | Instr::LoopIfGtIK { off, .. }
            | Instr::LoopIfGeIK { off, .. }
            | Instr::ForStepLt { off, .. }
            | Instr::ForStepLe { off, .. }
            | Instr::IterNext { off, .. } => Offset::Short(off),
            _ => return None,
        })
    }

    /// The instruction index a jump at `pc` may transfer control to.
    pub fn jump_target(&self, pc: usize) -> Option<usize> {
        let mut copy = *self;
        let off = match copy.offset_mut()? {
            Offset::Long(o) => *o as i64,
            Offset::Short(o) => *o as i64,
        };
        usize::try_from(pc as i64 + 1 + off).ok()
    }

    /// Rewrites the jump offset so the jump at `pc` lands on `target`.
    /// Returns false (changing nothing) when this is not a jump or the
    /// offset does not fit the instruction's field.
    pub fn set_jump_target(&mut self, pc: usize, target: usize) -> bool {
        let off = target as i64 - pc as i64 - 1;
        match self.offset_mut() {
            Some(Offset::Long(o)) => i32::try_from(off).map(|v| *o = v).is_ok(),
            Some(Offset::Short(o)) => i16::try_from(off).map(|v| *o = v).is_ok(),
            None => false,
        }
    }

    /// True when control never falls through to the next instruction.
    pub fn ends_block(&self) -> bool {
        matches!(self, Instr::Jmp { .. } | Instr::JmpBack { .. } | Instr::Return { .. } | Instr::Throw { .. } | Instr::Rethrow { .. } | Instr::MatchFail | Instr::LetFail)
    }
}

/// Targets of `as`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum CastKind {
    Float = 0,
    I64 = 1,
    I32 = 2,
    I16 = 3,
    I8 = 4,
    U64 = 5,
    U32 = 6,
    U16 = 7,
    U8 = 8,
    Str = 9,
    Bool = 10,
    Char = 11,
}

impl CastKind {
    pub fn from_type_name(name: &str) -> Option<CastKind> {
        Some(match name {
            "f64" | "f32" => CastKind::Float,
            "i64" | "isize" | "i128" | "int" => CastKind::I64,
            "i32" => CastKind::I32,
            "i16" => CastKind::I16,
            "i8" => CastKind::I8,
            "u64" | "usize" | "u128" => CastKind::U64,
            "u32" => CastKind::U32,
            "u16" => CastKind::U16,
            "u8" => CastKind::U8,
            "String" | "str" => CastKind::Str,
            "bool" => CastKind::Bool,
            "char" => CastKind::Char,
            _ => return None,
        })
    }

    pub fn from_u8(v: u8) -> CastKind {
        [
            CastKind::Float,
            CastKind::I64,
            CastKind::I32,
            CastKind::I16,
            CastKind::I8,
            CastKind::U64,
            CastKind::U32,
            CastKind::U16,
            CastKind::U8,
            CastKind::Str,
            CastKind::Bool,
            CastKind::Char,
        ][v as usize]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    Int(i64),
    Float(f64),
    Str(String),
}

/// Where a closure's capture comes from, in the creating frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFrom {
    /// The cell in register `r`.
    Reg(Reg),
    /// Capture `i` of the creating closure.
    Upval(u16),
}

/// A compiled function.
#[derive(Debug, Clone)]
pub struct Proto {
    pub name: String,
    /// Declared parameters (including `self`).
    pub params: u16,
    /// Parameters without a default value (a call must pass at least these).
    pub required: u16,
    pub has_self: bool,
    /// Registers used by the frame.
    pub frame_size: u16,
    pub code: Vec<Instr>,
    /// Source byte offset per instruction (for error locations).
    pub spans: Vec<u32>,
    pub captures: Vec<CaptureFrom>,
    /// Registers above the arguments must be set to nil on entry, because
    /// some path reads one before writing it. The peephole pass clears this
    /// when liveness proves no such read exists. (Skipping the fill is also
    /// safe for the collector: a stale register only keeps an object, or a
    /// free slot, marked for one more cycle.)
    pub clear_regs: bool,
}

/// A compiled program.
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub protos: Vec<Proto>,
    pub consts: Vec<Constant>,
    pub specs: Vec<FormatSpec>,
    pub globals: Vec<String>,
    pub structs: Vec<StructInfo>,
    pub enums: Vec<EnumInfo>,
    /// Statically resolved struct fields (operands of `GetFieldK`/`SetFieldK`).
    pub field_slots: Vec<FieldSlot>,
    /// (type, method-name constant) → proto, for run-time method dispatch.
    pub methods: std::collections::HashMap<(TypeKey, u32), u32>,
    pub entry: u32,
    pub main: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSlot {
    /// Struct definition index.
    pub def: u32,
    /// Field index in declaration order.
    pub idx: u16,
    /// The field name (a string constant), for the fallback path.
    pub name: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeKey {
    Struct(u32),
    Enum(u32),
}

#[derive(Debug, Clone)]
pub struct StructInfo {
    pub name: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct EnumInfo {
    pub name: String,
    pub variants: Vec<(String, usize, i64)>,
}

/// Human-readable disassembly for `--emit bytecode`.
pub fn disassemble(m: &Module) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (i, p) in m.protos.iter().enumerate() {
        let _ = writeln!(out, "fn #{i} {} (params {}, registers {}):", p.name, p.params, p.frame_size);
        if !p.captures.is_empty() {
            let _ = writeln!(out, "  captures {:?}", p.captures);
        }
        for (pc, ins) in p.code.iter().enumerate() {
            let _ = writeln!(out, "  {pc:4}  {}", show(m, ins, pc));
        }
    }
    out
}

fn show(m: &Module, ins: &Instr, pc: usize) -> String {
    let target = |off: i64| format!("-> {}", pc as i64 + 1 + off);
    let konst = |k: u32| match m.consts.get(k as usize) {
        Some(Constant::Str(s)) => format!("{s:?}"),
        Some(Constant::Int(n)) => n.to_string(),
        Some(Constant::Float(f)) => format!("{f:?}"),
        None => "?".into(),
    };
    let field = |slot: u16| match m.field_slots.get(slot as usize) {
        Some(f) => format!("{}#{}", konst(f.name as u32), f.idx),
        None => "?".into(),
    };
    match *ins {
        Instr::Jmp { off } => format!("Jmp {}", target(off as i64)),
        Instr::JmpIf { cond, off } => format!("JmpIf r{cond} {}", target(off as i64)),
        Instr::JmpIfNot { cond, off } => format!("JmpIfNot r{cond} {}", target(off as i64)),
        Instr::JmpIfNil { src, off } => format!("JmpIfNil r{src} {}", target(off as i64)),
        Instr::JmpIfNotNil { src, off } => format!("JmpIfNotNil r{src} {}", target(off as i64)),
        Instr::JmpBack { off } => format!("JmpBack {}", target(off as i64)),
        Instr::LoopIfLtI { a, b, off } => format!("LoopIfLtI r{a} r{b} {}", target(off as i64)),
        Instr::ForStepLt { i, end, off } => format!("ForStepLt r{i} < r{end} {}", target(off as i64)),
        Instr::ForStepLe { i, end, off } => format!("ForStepLe r{i} <= r{end} {}", target(off as i64)),
        Instr::LoopIfLeI { a, b, off } => format!("LoopIfLeI r{a} r{b} {}", target(off as i64)),
        Instr::LoopIfLtIK { a, k, off } => format!("LoopIfLtIK r{a} {k} {}", target(off as i64)),
        Instr::LoopIfLeIK { a, k, off } => format!("LoopIfLeIK r{a} {k} {}", target(off as i64)),
        Instr::LoopIfGtIK { a, k, off } => format!("LoopIfGtIK r{a} {k} {}", target(off as i64)),
        Instr::LoopIfGeIK { a, k, off } => format!("LoopIfGeIK r{a} {k} {}", target(off as i64)),
        Instr::JmpIfNotLtIK { a, k, off } => format!("JmpIfNotLtIK r{a} {k} {}", target(off as i64)),
        Instr::JmpIfNotLeIK { a, k, off } => format!("JmpIfNotLeIK r{a} {k} {}", target(off as i64)),
        Instr::JmpIfNotGtIK { a, k, off } => format!("JmpIfNotGtIK r{a} {k} {}", target(off as i64)),
        Instr::JmpIfNotGeIK { a, k, off } => format!("JmpIfNotGeIK r{a} {k} {}", target(off as i64)),
        Instr::JmpIfNotEqIK { a, k, off } => format!("JmpIfNotEqIK r{a} {k} {}", target(off as i64)),
        Instr::JmpIfEqIK { a, k, off } => format!("JmpIfEqIK r{a} {k} {}", target(off as i64)),
        Instr::JmpIfNotEq { a, b, off } => format!("JmpIfNotEq r{a} r{b} {}", target(off as i64)),
        Instr::JmpIfEq { a, b, off } => format!("JmpIfEq r{a} r{b} {}", target(off as i64)),
        Instr::JmpIfNotLt { a, b, off } => format!("JmpIfNotLt r{a} r{b} {}", target(off as i64)),
        Instr::JmpIfNotLe { a, b, off } => format!("JmpIfNotLe r{a} r{b} {}", target(off as i64)),
        Instr::JmpIfNotLtI { a, b, off } => format!("JmpIfNotLtI r{a} r{b} {}", target(off as i64)),
        Instr::JmpIfNotLeI { a, b, off } => format!("JmpIfNotLeI r{a} r{b} {}", target(off as i64)),
        Instr::IterNext { iter, dst, off } => format!("IterNext r{iter} -> r{dst} else {}", target(off as i64)),
        Instr::PushHandler { reg, off } => format!("PushHandler r{reg} catch {}", target(off as i64)),
        Instr::LoadK { dst, k } => format!("LoadK r{dst} = {}", konst(k)),
        Instr::GetGlobal { dst, g } => format!("GetGlobal r{dst} = {}", m.globals.get(g as usize).map_or("?", |s| s)),
        Instr::SetGlobal { g, src } => format!("SetGlobal {} = r{src}", m.globals.get(g as usize).map_or("?", |s| s)),
        Instr::GetGlobalMut { dst, g } => format!("GetGlobalMut r{dst} = {}", m.globals.get(g as usize).map_or("?", |s| s)),
        Instr::GetGlobalIndex { dst, g, index } => format!("GetGlobalIndex r{dst} = {}[r{index}]", m.globals.get(g as usize).map_or("?", |s| s)),
        Instr::SetGlobalIndex { g, index, src } => format!("SetGlobalIndex {}[r{index}] = r{src}", m.globals.get(g as usize).map_or("?", |s| s)),
        Instr::Call { dst, base, argc, proto } => {
            format!("Call r{dst} = {}(r{base}..+{argc})", m.protos.get(proto as usize).map_or("?", |p| &p.name))
        }
        Instr::CallMethod { dst, base, argc, name } => format!("CallMethod r{dst} = r{base}.{}(+{argc})", konst(name as u32)),
        Instr::CallBuiltin { dst, base, argc, builtin } => {
            format!("CallBuiltin r{dst} = {}(r{base}..+{argc})", crate::builtins::builtin_name(builtin))
        }
        Instr::GetField { dst, obj, name } => format!("GetField r{dst} = r{obj}.{}", konst(name as u32)),
        Instr::SetField { obj, name, src } => format!("SetField r{obj}.{} = r{src}", konst(name as u32)),
        Instr::GetFieldK { dst, obj, slot } => format!("GetFieldK r{dst} = r{obj}.{}", field(slot)),
        Instr::SetFieldK { obj, slot, src } => format!("SetFieldK r{obj}.{} = r{src}", field(slot)),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn cast_names_agree_with_the_shared_copy_on_write_rule() {
        // `needs_share` (ruchy_hir::share) treats every other name as a
        // user type whose cast passes values through.
        for name in ["f64", "f32", "i64", "isize", "i128", "int", "i32", "i16", "i8", "u64", "usize", "u128", "u32", "u16", "u8", "String", "str", "bool", "char", "Point", "MyEnum", "&str"] {
            assert_eq!(super::CastKind::from_type_name(name).is_some(), ruchy_hir::share::is_builtin_cast(name), "{name}");
        }
    }

    #[test]
    fn instructions_are_eight_bytes() {
        assert_eq!(std::mem::size_of::<super::Instr>(), 8);
    }
}
