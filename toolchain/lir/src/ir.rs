//! The target IR ("LIR"): what the wasm back end optimises and emits.
//!
//! Compared with the HIR, every value has a wasm representation
//! ([`Ty`]: `i32`, `i64`, `f64` or a traced reference), every operation is
//! either a wasm operator, a memory access, or a call (of a user function or
//! a runtime export), and dynamic values are explicitly boxed. Control flow
//! is structured exactly like wasm's (`block`/`loop`/`if`, `br` by depth),
//! so emission is a direct walk.
//!
//! Invariants (checked by [`crate::verify`]):
//! * every variable is defined before it is used on every path, and every
//!   use and definition agrees with the variable's [`Ty`];
//! * `br n`/`br_if n` target one of the `n + 1` enclosing structured
//!   instructions of the same function;
//! * a `Ref` variable holds 0, the address of a static object, or the
//!   address of a live heap object. Heap references that are live across a
//!   call are stored in a shadow-stack slot ([`Inst::Root`]) after each
//!   definition — inserted by [`crate::roots`], never by lowering.

pub type VarId = u32;
pub type FuncId = u32;
pub type StaticId = u32;
pub type GlobalId = u32;

/// The representation of a value in wasm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    I32,
    I64,
    F64,
    /// An `i32` address the garbage collector must know about: a heap object,
    /// a static object, or 0 (nil).
    Ref,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::F64 => "f64",
            Ty::Ref => "ref",
        }
    }
}

/// A Ruchy source position, for runtime error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
}

impl Loc {
    /// The packed form runtime functions take: line in the high 16 bits.
    pub fn packed(self) -> i32 {
        ((self.line.min(0xffff) << 16) | self.col.min(0xffff)) as i32
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lit {
    I32(i32),
    I64(i64),
    F64(f64),
    /// The address of a static object.
    Static(StaticId),
    /// The nil reference (address 0).
    Null,
    /// The function-table index of a function (closures call through it).
    TableIndex(FuncId),
}

impl Lit {
    pub fn ty(self) -> Ty {
        match self {
            Lit::I32(_) | Lit::TableIndex(_) => Ty::I32,
            Lit::I64(_) => Ty::I64,
            Lit::F64(_) => Ty::F64,
            Lit::Static(_) | Lit::Null => Ty::Ref,
        }
    }
}

/// Binary operators. The `Chk` forms are Ruchy's checked integer operators:
/// they end the program with the VM's error message (at the instruction's
/// [`Loc`]) instead of wrapping or trapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    I64AddChk,
    I64SubChk,
    I64MulChk,
    /// Truncating division; errors on a zero divisor and on `MIN / -1`.
    I64DivChk,
    /// Remainder with the dividend's sign; errors on a zero divisor.
    I64RemChk,
    I64Add,
    I64Sub,
    I64Mul,
    I64And,
    I64Or,
    I64Xor,
    I64Shl,
    I64ShrS,
    I64Eq,
    I64Ne,
    I64Lt,
    I64Le,
    I64Gt,
    I64Ge,
    F64Add,
    F64Sub,
    F64Mul,
    F64Div,
    F64Eq,
    F64Ne,
    F64Lt,
    F64Le,
    F64Gt,
    F64Ge,
    I32And,
    I32Or,
    I32Xor,
    I32Add,
    I32Mul,
    I32Shl,
    I32ShrU,
    I64LtU,
    I32Eq,
    I32Ne,
    I32Lt,
    I32Le,
    I32Gt,
    I32Ge,
}

impl BinOp {
    /// (operand type, result type)
    pub fn types(self) -> (Ty, Ty) {
        use BinOp::*;
        match self {
            I64AddChk | I64SubChk | I64MulChk | I64DivChk | I64RemChk | I64Add | I64Sub | I64Mul | I64And | I64Or | I64Xor
            | I64Shl | I64ShrS => (Ty::I64, Ty::I64),
            I64Eq | I64Ne | I64Lt | I64Le | I64Gt | I64Ge => (Ty::I64, Ty::I32),
            F64Add | F64Sub | F64Mul | F64Div => (Ty::F64, Ty::F64),
            F64Eq | F64Ne | F64Lt | F64Le | F64Gt | F64Ge => (Ty::F64, Ty::I32),
            I32And | I32Or | I32Xor | I32Add | I32Mul | I32Shl | I32ShrU => (Ty::I32, Ty::I32),
            I64LtU => (Ty::I64, Ty::I32),
            I32Eq | I32Ne | I32Lt | I32Le | I32Gt | I32Ge => (Ty::I32, Ty::I32),
        }
    }

    /// True when the operator can end the program with an error.
    pub fn can_fail(self) -> bool {
        matches!(self, BinOp::I64AddChk | BinOp::I64SubChk | BinOp::I64MulChk | BinOp::I64DivChk | BinOp::I64RemChk)
    }

    pub fn name(self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// Checked negation (`-i64::MIN` is an overflow error).
    I64NegChk,
    F64Neg,
    /// `i32.eqz`: logical not of a bool.
    I32Eqz,
    I64ToF64,
    /// Saturating float → int (Rust's `as`).
    F64ToI64,
    /// Zero-extends (bools and addresses).
    I32ToI64,
    /// Reinterprets a float's bits as an int (for runtime slots).
    F64Bits,
    /// A reference's address as an int slot (zero-extended).
    RefBits,
    /// Wraps to the low 32 bits.
    I64ToI32,
    /// Sign-extends the low 8, 16 or 32 bits (Rust's `as i8/i16/i32`).
    I64Extend8S,
    I64Extend16S,
    I64Extend32S,
    /// Reinterprets an int slot's bits as a float.
    BitsToF64,
    /// The low 32 bits of an int slot as a reference.
    BitsToRef,
    /// A reference's address as a plain (untraced) `i32`, for address arithmetic.
    RefToI32,
    F64Sqrt,
    F64Abs,
    F64Floor,
    F64Ceil,
    F64Trunc,
    F64Nearest,
}

impl UnOp {
    pub fn types(self) -> (Ty, Ty) {
        use UnOp::*;
        match self {
            I64NegChk | I64Extend8S | I64Extend16S | I64Extend32S => (Ty::I64, Ty::I64),
            F64Neg | F64Sqrt | F64Abs | F64Floor | F64Ceil | F64Trunc | F64Nearest => (Ty::F64, Ty::F64),
            I32Eqz => (Ty::I32, Ty::I32),
            I64ToF64 => (Ty::I64, Ty::F64),
            F64ToI64 => (Ty::F64, Ty::I64),
            I32ToI64 => (Ty::I32, Ty::I64),
            F64Bits => (Ty::F64, Ty::I64),
            RefBits => (Ty::Ref, Ty::I64),
            I64ToI32 => (Ty::I64, Ty::I32),
            BitsToF64 => (Ty::I64, Ty::F64),
            BitsToRef => (Ty::I64, Ty::Ref),
            RefToI32 => (Ty::Ref, Ty::I32),
        }
    }

    pub fn name(self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

/// What a memory access reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mem {
    I32,
    I64,
    F64,
    /// An `i32` that is a reference.
    Ref,
    U8,
}

impl Mem {
    /// The type of the value loaded or stored.
    pub fn ty(self) -> Ty {
        match self {
            Mem::I32 | Mem::U8 => Ty::I32,
            Mem::I64 => Ty::I64,
            Mem::F64 => Ty::F64,
            Mem::Ref => Ty::Ref,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Callee {
    Func(FuncId),
    /// A runtime export, by name.
    Runtime(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Inst {
    Const { dst: VarId, lit: Lit },
    Copy { dst: VarId, src: VarId },
    Unary { dst: VarId, op: UnOp, src: VarId, loc: Loc },
    Binary { dst: VarId, op: BinOp, a: VarId, b: VarId, loc: Loc },
    /// `dst = cond ? a : b` without branching.
    Select { dst: VarId, cond: VarId, a: VarId, b: VarId },
    /// `loc` is the call's source position for a user function (what a
    /// `Stack overflow` reports, as the VM does); runtime calls carry their
    /// locations as arguments and leave it at the default.
    Call { dst: Option<VarId>, callee: Callee, args: Vec<VarId>, loc: Loc },
    Load { dst: VarId, mem: Mem, addr: VarId, offset: u32 },
    Store { mem: Mem, addr: VarId, offset: u32, value: VarId },
    GlobalGet { dst: VarId, global: GlobalId },
    GlobalSet { global: GlobalId, value: VarId },
    /// wasm `block`: `br 0` inside continues after it.
    Block(Vec<Inst>),
    /// wasm `loop`: `br 0` inside jumps back to its start.
    Loop(Vec<Inst>),
    If { cond: VarId, then: Vec<Inst>, else_: Vec<Inst> },
    Br(u32),
    BrIf { cond: VarId, depth: u32 },
    Return(Option<VarId>),
    /// Ends the program with a runtime error: the static string `msg` at `loc`.
    Fail { msg: StaticId, loc: Loc },
    /// Stores a reference into shadow-stack slot `slot` of this frame so the
    /// collector sees it while it is live across calls.
    Root { slot: u32, var: VarId },
}

impl Inst {
    /// True when control never continues after this instruction.
    pub fn is_terminator(&self) -> bool {
        matches!(self, Inst::Br(_) | Inst::Return(_) | Inst::Fail { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub ty: Ty,
    /// The Ruchy variable this holds, for readable listings.
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Func {
    pub name: String,
    pub params: Vec<VarId>,
    pub ret: Ty,
    pub vars: Vec<Var>,
    pub body: Vec<Inst>,
    /// Shadow-stack slots this function's frame needs (set by `roots`).
    pub frame_slots: u32,
    /// A `try` can reach this function: a failed checked operator raises
    /// and its code goes on (to the pending test after it) instead of
    /// ending there. Code generation needs to know because a failure path
    /// that cannot return lets the engine keep the fast path tight.
    pub catchable: bool,
}

impl Func {
    pub fn ty(&self, v: VarId) -> Ty {
        self.vars[v as usize].ty
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Global {
    pub name: String,
    pub ty: Ty,
    pub kind: GlobalKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalKind {
    /// A global of the Ruchy program.
    Program,
    /// A `u32` static of the runtime, by its exported name (the exception
    /// state both sides read: `RT_EXC_PENDING`, `RT_EXC_VALUE`, `RT_EXC_LOC`).
    RuntimeStatic(&'static str),
}

/// Objects placed in the module's data segment. They are never collected.
#[derive(Debug, Clone, PartialEq)]
pub enum Static {
    Str(String),
    /// A payload-less enum variant (`None`, `Red`).
    UnitVariant { enum_id: u32, variant: u32 },
    /// An encoded format spec (`runtime-lib/ABI.md`).
    Spec(ruchy_syntax::ast::FormatSpec),
    /// A closure without captures: a named function used as a value. `func`
    /// is its table entry point.
    Closure { func: FuncId },
    /// A layout descriptor for `rt_retype` (a `STR` object of descriptor bytes).
    Layout(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub funcs: Vec<Func>,
    pub globals: Vec<Global>,
    pub statics: Vec<Static>,
    /// The top-level code; `_start` calls it, then `main` if there is one.
    pub entry: FuncId,
    pub main: Option<FuncId>,
    /// Source path printed in runtime error locations.
    pub file: String,
    /// Struct names and field names, enum names and variant names, for the
    /// runtime's printer.
    pub structs: Vec<(String, Vec<String>)>,
    pub enums: Vec<(String, Vec<String>)>,
    /// Functions called indirectly through the function table: closure entry
    /// points with the uniform signature `(env: ref, argv: ref, loc: i32) -> ref`.
    pub table: Vec<FuncId>,
    /// Reports an exception nothing caught (called by `_start` when the
    /// pending flag is set after the top-level code or `main`).
    pub uncaught: Option<FuncId>,
    /// The runtime static holding the pending-exception flag, when the
    /// program can throw.
    pub pending: Option<GlobalId>,
}

/// Walks every instruction of a body, nested ones included, in order.
pub fn walk(body: &[Inst], f: &mut impl FnMut(&Inst)) {
    for i in body {
        f(i);
        match i {
            Inst::Block(b) | Inst::Loop(b) => walk(b, f),
            Inst::If { then, else_, .. } => {
                walk(then, f);
                walk(else_, f);
            }
            _ => {}
        }
    }
}

/// The variables an instruction reads (not those of nested bodies).
pub fn uses(i: &Inst) -> Vec<VarId> {
    match i {
        Inst::Const { .. } | Inst::GlobalGet { .. } | Inst::Block(_) | Inst::Loop(_) | Inst::Br(_) | Inst::Fail { .. } => vec![],
        Inst::Copy { src, .. } | Inst::Unary { src, .. } => vec![*src],
        Inst::Binary { a, b, .. } => vec![*a, *b],
        Inst::Select { cond, a, b, .. } => vec![*cond, *a, *b],
        Inst::Call { args, .. } => args.clone(),
        Inst::Load { addr, .. } => vec![*addr],
        Inst::Store { addr, value, .. } => vec![*addr, *value],
        Inst::GlobalSet { value, .. } => vec![*value],
        Inst::If { cond, .. } | Inst::BrIf { cond, .. } => vec![*cond],
        Inst::Return(v) => v.iter().copied().collect(),
        Inst::Root { var, .. } => vec![*var],
    }
}

/// The variable an instruction writes, if any.
pub fn def(i: &Inst) -> Option<VarId> {
    match i {
        Inst::Const { dst, .. }
        | Inst::Copy { dst, .. }
        | Inst::Unary { dst, .. }
        | Inst::Binary { dst, .. }
        | Inst::Select { dst, .. }
        | Inst::Load { dst, .. }
        | Inst::GlobalGet { dst, .. } => Some(*dst),
        Inst::Call { dst, .. } => *dst,
        _ => None,
    }
}
