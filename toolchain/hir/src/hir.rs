//! The typed high-level IR: the single input of every back end.
//!
//! Compared with the AST, every name is resolved (to a local slot of its
//! function, a captured cell, a global slot, a known function, a struct or
//! enum definition or a built-in), macros are turned into explicit operations,
//! closures and nested functions are separate [`Function`]s with explicit
//! capture lists, and every expression carries a static [`Ty`] — `Ty::Dyn`
//! where inference cannot prove anything.
//!
//! Invariants the back ends rely on:
//! * `Program::funcs[Program::entry]` is the top-level code; it takes no
//!   parameters. Top-level `let`s are globals, except those only the
//!   top-level code uses, which `promote` turns into its locals.
//! * A local with `captured == true` lives in a heap cell for its whole life;
//!   every other local can live in a register.
//! * `Function::captures[i]` names a slot of the *immediately enclosing*
//!   function; closure creation copies those cells.
//! * Break/continue name their loop by `depth` (0 = innermost enclosing loop
//!   of the same function).

use ruchy_syntax::ast::{BinOp, FormatSpec, UnOp};
use ruchy_syntax::Span;

pub type LocalId = u32;
pub type GlobalId = u32;
pub type FuncId = u32;
/// Index into `Program::structs`.
pub type StructId = u32;
/// Index into `Program::enums`. 0 is Option, 1 is Result.
pub type EnumId = u32;

pub const OPTION_ENUM: EnumId = 0;
pub const RESULT_ENUM: EnumId = 1;
pub const VARIANT_NONE: u32 = 0;
pub const VARIANT_SOME: u32 = 1;
pub const VARIANT_OK: u32 = 0;
pub const VARIANT_ERR: u32 = 1;

/// Static types. `Unknown` is the bottom of the inference lattice (no
/// information yet), `Dyn` its top (could be anything at run time).
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Unknown,
    Int,
    Float,
    Bool,
    Str,
    Nil,
    Array(Box<Ty>),
    Tuple(Vec<Ty>),
    Dict,
    Struct(StructId),
    Enum(EnumId),
    Func,
    Range,
    Dyn,
}

impl Ty {
    /// Least upper bound in the inference lattice.
    pub fn join(&self, other: &Ty) -> Ty {
        match (self, other) {
            (Ty::Unknown, t) | (t, Ty::Unknown) => t.clone(),
            (a, b) if a == b => a.clone(),
            (Ty::Array(a), Ty::Array(b)) => Ty::Array(Box::new(a.join(b))),
            (Ty::Tuple(a), Ty::Tuple(b)) if a.len() == b.len() => {
                Ty::Tuple(a.iter().zip(b).map(|(x, y)| x.join(y)).collect())
            }
            _ => Ty::Dyn,
        }
    }

    pub fn is_num(&self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Nil,
}

#[derive(Debug, Clone)]
pub struct Program {
    pub funcs: Vec<Function>,
    pub globals: Vec<Global>,
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    /// Methods by (type, name): user `impl` blocks and methods in struct bodies.
    pub methods: Vec<MethodEntry>,
    /// The top-level code.
    pub entry: FuncId,
    /// The user's `main`, called after the top-level code.
    pub main: Option<FuncId>,
}

impl Program {
    /// The user method a call `recv.name(…)` dispatches to when the
    /// receiver's static type is a struct or enum that defines it.
    pub fn method_for(&self, recv: &Ty, name: &str) -> Option<FuncId> {
        let owner = match recv {
            Ty::Struct(s) => TypeRef::Struct(*s),
            Ty::Enum(e) => TypeRef::Enum(*e),
            _ => return None,
        };
        self.methods.iter().find(|m| m.owner == owner && m.name == name).map(|m| m.func)
    }
}

#[derive(Debug, Clone)]
pub struct Global {
    pub name: String,
    pub ty: Ty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeRef {
    Struct(StructId),
    Enum(EnumId),
}

#[derive(Debug, Clone)]
pub struct MethodEntry {
    pub owner: TypeRef,
    pub name: String,
    pub func: FuncId,
}

#[derive(Debug, Clone)]
pub struct StructDef {
    pub name: String,
    /// Field names in declaration order (tuple structs: "0", "1", …).
    pub fields: Vec<String>,
    /// Default value expressions, evaluated at each construction that omits them.
    pub defaults: Vec<Option<Expr>>,
    /// Inferred type of each field: the join of every value stored into it
    /// (filled in by type inference).
    pub field_types: Vec<Ty>,
    pub tuple: bool,
    pub is_class: bool,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub variants: Vec<VariantDef>,
}

#[derive(Debug, Clone)]
pub struct VariantDef {
    pub name: String,
    /// Payload size (0 for unit variants).
    pub arity: usize,
    /// Field names of a struct-like variant.
    pub field_names: Option<Vec<String>>,
    /// Explicit or implicit discriminant, for `as i32`.
    pub discriminant: i64,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    /// Parameter locals, in order; for a method the first one is `self`.
    pub params: Vec<LocalId>,
    /// Default value per parameter (evaluated in the callee when missing).
    pub defaults: Vec<Option<Expr>>,
    pub has_self: bool,
    pub locals: Vec<Local>,
    /// Cells this function captures from its immediately enclosing function.
    pub captures: Vec<Capture>,
    pub body: Expr,
    pub ret_ty: Ty,
    /// True when the function is used as a value (passed, stored) rather than
    /// only called directly; inference then cannot see all its call sites.
    pub escapes: bool,
    pub is_closure: bool,
    pub span: Span,
}

impl Function {
    /// Smallest number of arguments a call must pass.
    pub fn min_arity(&self) -> usize {
        let explicit = self.params.len() - usize::from(self.has_self);
        let defaults = self.defaults.iter().rev().take_while(|d| d.is_some()).count();
        explicit - defaults.min(explicit)
    }

    pub fn max_arity(&self) -> usize {
        self.params.len() - usize::from(self.has_self)
    }
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub ty: Ty,
    /// Lives in a heap cell because a closure captures it.
    pub captured: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// A (captured) local of the enclosing function.
    Local(LocalId),
    /// A capture of the enclosing function, passed through.
    Outer(u32),
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

/// Where a value can be stored.
#[derive(Debug, Clone)]
pub enum Place {
    Local(LocalId),
    Capture(u32),
    Global(GlobalId),
    Field(Box<Expr>, String),
    TupleIndex(Box<Expr>, u32),
    Index(Box<Expr>, Box<Expr>),
}

/// Built-in free functions and macro operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    Println,
    Print,
    Eprintln,
    Eprint,
    /// `println!`-family: first argument is the format string constant.
    PrintlnFmt,
    PrintFmt,
    EprintlnFmt,
    EprintFmt,
    FormatFmt,
    PanicFmt,
    Assert,
    AssertEq,
    AssertNe,
    TypeOf,
    Len,
    Str,
    Int,
    Float,
    Range,
    Min,
    Max,
    Abs,
    Pow,
    Sqrt,
    Floor,
    Ceil,
    Round,
    Sin,
    Cos,
    Tan,
    Log,
    Log10,
    Exp,
    Input,
    Random,
    Timestamp,
    /// `HashMap::new()`
    DictNew,
    /// `Vec::new()`, `Vec::with_capacity(n)`
    VecNew,
    /// `String::new()`
    StringNew,
    /// `String::from(x)`
    StringFrom,
}

#[derive(Debug, Clone)]
pub enum Callee {
    /// A known function, called directly.
    Func(FuncId),
    Builtin(Builtin),
    /// Any other callee value (closures, function values).
    Value(Box<Expr>),
}

#[derive(Debug, Clone)]
pub enum FPart {
    Lit(String),
    Hole { expr: Expr, spec: FormatSpec },
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Const(Const),
    FString(Vec<FPart>),
    Local(LocalId),
    Capture(u32),
    Global(GlobalId),
    /// A named function used as a value.
    FuncRef(FuncId),
    Unary(UnOp, Box<Expr>),
    /// Arithmetic, comparison and bitwise operators (not `&&`/`||`/`??`).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Coalesce(Box<Expr>, Box<Expr>),
    /// `place = value` or `place op= value`; evaluates to nil.
    Assign { place: Place, op: Option<BinOp>, value: Box<Expr> },
    Call { callee: Callee, args: Vec<Expr> },
    MethodCall { receiver: Box<Expr>, method: String, args: Vec<Expr> },
    Field(Box<Expr>, String),
    TupleIndex(Box<Expr>, u32),
    Index(Box<Expr>, Box<Expr>),
    Array(Vec<Expr>),
    ArrayRepeat(Box<Expr>, Box<Expr>),
    Tuple(Vec<Expr>),
    /// Keys are string-valued expressions.
    Dict(Vec<(Expr, Expr)>),
    /// Field initialisers in source order as (field index, value); fields
    /// not given are filled from the struct's defaults.
    StructLit { def: StructId, fields: Vec<(u32, Expr)>, base: Option<Box<Expr>> },
    /// Enum variant construction (also Some/None/Ok/Err).
    Variant { def: EnumId, variant: u32, args: Vec<Expr> },
    /// A variant constructor used as a function value (`.map(Some)`).
    VariantCtor { def: EnumId, variant: u32 },
    Range { start: Option<Box<Expr>>, end: Option<Box<Expr>>, inclusive: bool },
    Block(Vec<Stmt>),
    If { cond: Box<Expr>, then: Box<Expr>, else_: Option<Box<Expr>> },
    /// `if let` and `match`: the first arm whose pattern (and guard) matches
    /// runs. `exhaustive_error` is true for `match` (no arm → runtime error),
    /// false for `if let` (no arm → nil).
    Match { scrutinee: Box<Expr>, arms: Vec<Arm>, exhaustive_error: bool },
    While { cond: Box<Expr>, body: Box<Expr> },
    /// `while let pat = value { body }`
    WhileLet { pat: Pat, value: Box<Expr>, body: Box<Expr> },
    Loop { body: Box<Expr> },
    For { pat: Pat, iter: Box<Expr>, body: Box<Expr> },
    Break { depth: u32, value: Option<Box<Expr>> },
    Continue { depth: u32 },
    Return(Option<Box<Expr>>),
    /// Creates a closure of the given function, capturing its `captures`.
    Closure(FuncId),
    Try { body: Box<Expr>, catch: Option<(Pat, Box<Expr>)>, finally: Option<Box<Expr>> },
    Throw(Box<Expr>),
    /// Postfix `?` on Option/Result.
    Question(Box<Expr>),
    /// `as T` with T's name (i32, f64, u8, usize, String, …).
    Cast(Box<Expr>, String),
    /// `println!`/`print!`/`eprintln!`/`eprint!`/`format!`/`panic!` with the
    /// template already split; holes refer to `args` by position.
    Format { action: Builtin, segments: Vec<FmtSeg>, args: Vec<Expr> },
}

#[derive(Debug, Clone)]
pub enum FmtSeg {
    Lit(String),
    Hole { arg: usize, spec: FormatSpec },
}

#[derive(Debug, Clone)]
pub enum Stmt {
    /// Binds `pat` to `init` (nil when absent). Irrefutable patterns only
    /// at run time: a mismatch is a runtime error.
    Let { pat: Pat, init: Option<Expr>, span: Span },
    /// Assigns a top-level `let` or `const` to its global slot.
    SetGlobal { global: GlobalId, init: Expr },
    /// Binds a nested function: the local holds the closure.
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct Arm {
    pub pat: Pat,
    pub guard: Option<Expr>,
    pub body: Expr,
}

#[derive(Debug, Clone)]
pub struct Pat {
    pub kind: PatKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum PatKind {
    Wild,
    Bind(LocalId, Option<Box<Pat>>),
    Const(Const),
    Range { lo: Option<Const>, hi: Option<Const>, inclusive: bool },
    Tuple(Vec<Pat>),
    Array { before: Vec<Pat>, rest: Option<Option<LocalId>>, after: Vec<Pat> },
    Variant { def: EnumId, variant: u32, args: Vec<Pat> },
    /// (field index, pattern)
    Struct { def: StructId, fields: Vec<(u32, Pat)> },
    Or(Vec<Pat>),
}

impl Pat {
    /// True when matching can never fail (used for `let` and `for`).
    pub fn is_irrefutable(&self) -> bool {
        match &self.kind {
            PatKind::Wild => true,
            PatKind::Bind(_, sub) => sub.as_ref().is_none_or(|p| p.is_irrefutable()),
            PatKind::Tuple(ps) => ps.iter().all(Pat::is_irrefutable),
            _ => false,
        }
    }
}
