//! The abstract syntax tree produced by the parser.
//!
//! The AST is a faithful picture of the source: every node carries the byte
//! [`Span`] it came from, nothing is resolved, and only pure notation is
//! desugared by the parser (`vec![..]` becomes an array literal, `x |> f(a)`
//! becomes `f(x, a)`, `&x`/`&mut x`/`*x` become `x`). Name resolution and type
//! inference happen later, in `ruchy-hir`.

use crate::span::Span;

/// A whole source file: items and statements in source order.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub stmts: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `let pat (: ty)? (= init)?`
    Let { pat: Pat, ty: Option<Type>, init: Option<Expr> },
    /// An expression used as a statement. `semi` records a trailing `;`
    /// (it does not change the value: `{ 1; }` is 1).
    Expr { expr: Expr, semi: bool },
    Fun(FunDecl),
    Struct(StructDecl),
    Enum(EnumDecl),
    Impl(ImplDecl),
    Trait(TraitDecl),
    /// `const NAME (: ty)? = init`
    Const { name: Ident, ty: Option<Type>, init: Expr },
    /// `mod name { items }`
    Mod { name: Ident, body: Vec<Stmt> },
    /// `use a::b::c;` and `import x` — accepted and ignored.
    Use { path: Vec<Ident> },
}

/// An identifier with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunDecl {
    pub name: Ident,
    /// Generic parameter names (`<T, U>`); parsed and ignored.
    pub generics: Vec<Ident>,
    /// True when the first parameter is `self`, `&self` or `&mut self`.
    /// The self parameter is *not* listed in `params`.
    pub has_self: bool,
    pub params: Vec<Param>,
    pub ret: Option<Type>,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub pat: Pat,
    pub ty: Option<Type>,
    /// `name = expr` default value.
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StructDecl {
    pub name: Ident,
    pub generics: Vec<Ident>,
    /// Named fields; for a tuple struct `struct P(i32, i32)` the fields are
    /// named `"0"`, `"1"`, … and `tuple` is true.
    pub fields: Vec<FieldDecl>,
    pub tuple: bool,
    /// Methods written inside the struct body.
    pub methods: Vec<FunDecl>,
    /// True for `class` declarations (reference semantics).
    pub is_class: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: Option<Type>,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub generics: Vec<Ident>,
    pub variants: Vec<VariantDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantDecl {
    pub name: Ident,
    pub kind: VariantKind,
    /// `Low = 1`
    pub discriminant: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum VariantKind {
    Unit,
    /// `V(T1, T2)`: number of payload fields.
    Tuple(usize),
    /// `V { a: T, b: T }`: field names.
    Struct(Vec<Ident>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImplDecl {
    /// `impl Trait for Target`
    pub trait_name: Option<Ident>,
    pub target: Ident,
    pub methods: Vec<FunDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TraitDecl {
    pub name: Ident,
    /// Only methods that have a default body; bare signatures are dropped.
    pub methods: Vec<FunDecl>,
    pub span: Span,
}

/// A type annotation. Annotations are never checked (§3); they are kept so
/// that `--emit ast` shows them and `as T` knows its target.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `i32`, `String`, `Vec<T>`, `HashMap<K, V>`, `Option<T>`, user types.
    Named { name: String, args: Vec<Type> },
    /// `[T]` or `[T; N]`
    Array(Box<Type>),
    /// `(A, B)`; `()` is the empty tuple.
    Tuple(Vec<Type>),
    /// `fn(A) -> B`, `impl Fn(A) -> B`, `Fn(A) -> B`
    Fn { params: Vec<Type>, ret: Box<Type> },
    /// `_`
    Infer,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `&&` (short-circuit, returns an operand)
    And,
    /// `||` (short-circuit, returns an operand)
    Or,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    /// `??` nil-coalescing
    Coalesce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `!x`
    Not,
    /// `~x`
    BitNot,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// `nil`, `null`, `()`
    Nil,
    /// `f"..."`
    FString(Vec<FPart>),
    /// A plain name.
    Ident(String),
    /// `A::B` or `A::B::C` (at least two segments): enum variants,
    /// associated functions (`Point::new`), module members (`m::f`).
    Path(Vec<Ident>),
    Unary { op: UnOp, expr: Box<Expr> },
    Binary { op: BinOp, lhs: Box<Expr>, rhs: Box<Expr> },
    /// `target = value` (op None) or `target op= value`.
    Assign { op: Option<BinOp>, target: Box<Expr>, value: Box<Expr> },
    Call { callee: Box<Expr>, args: Vec<Expr> },
    /// `receiver.method(args)`; a turbofish (`parse::<i32>()`) is kept in `turbofish`.
    MethodCall { receiver: Box<Expr>, method: Ident, turbofish: Option<Type>, args: Vec<Expr> },
    /// `name!(args)` for println!, print!, eprintln!, eprint!, format!,
    /// assert!, assert_eq!, assert_ne!, panic!, … (`vec!` is desugared to
    /// `Array` / `ArrayRepeat`).
    Macro { name: Ident, args: Vec<Expr> },
    /// `expr.name`
    Field { expr: Box<Expr>, name: Ident },
    /// `expr.0`
    TupleIndex { expr: Box<Expr>, index: u32 },
    /// `expr[index]` (index may be a range: slicing)
    Index { expr: Box<Expr>, index: Box<Expr> },
    Array(Vec<Expr>),
    /// `[value; count]`, `vec![value; count]`
    ArrayRepeat { value: Box<Expr>, count: Box<Expr> },
    /// `(a, b)`, `(a,)`
    Tuple(Vec<Expr>),
    /// `{"k": v, k2: v2}`; bare identifier keys are strings.
    Dict(Vec<(DictKey, Expr)>),
    /// `Name { a: 1, b }` or `Enum::Variant { .. }`; `base` is `..expr`.
    StructLit { path: Vec<Ident>, fields: Vec<FieldInit>, base: Option<Box<Expr>> },
    /// `a..b`, `a..=b`, `a..`, `..b`, `..`
    Range { start: Option<Box<Expr>>, end: Option<Box<Expr>>, inclusive: bool },
    Block(Block),
    If { cond: Box<Expr>, then: Block, else_: Option<Box<Expr>> },
    /// `if let pat = value { } else { }`
    IfLet { pat: Pat, value: Box<Expr>, then: Block, else_: Option<Box<Expr>> },
    Match { scrutinee: Box<Expr>, arms: Vec<MatchArm> },
    While { label: Option<Ident>, cond: Box<Expr>, body: Block },
    WhileLet { label: Option<Ident>, pat: Pat, value: Box<Expr>, body: Block },
    Loop { label: Option<Ident>, body: Block },
    For { label: Option<Ident>, pat: Pat, iter: Box<Expr>, body: Block },
    Break { label: Option<Ident>, value: Option<Box<Expr>> },
    Continue { label: Option<Ident> },
    Return(Option<Box<Expr>>),
    /// `|a, b| body`, `fun(a) { }`, `x => body`
    Closure { params: Vec<Param>, body: Box<Expr> },
    /// `try { } catch e { } finally { }`; `catch` binds a pattern (usually a name).
    Try { body: Block, catch: Option<(Pat, Block)>, finally: Option<Block> },
    Throw(Box<Expr>),
    /// postfix `?`
    Question(Box<Expr>),
    /// `expr as T`
    Cast { expr: Box<Expr>, ty: Type },
    /// `c ? a : b`
    Ternary { cond: Box<Expr>, then: Box<Expr>, else_: Box<Expr> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum DictKey {
    /// A string literal or bare identifier key.
    Name(String),
    /// Any other key expression (evaluated, must be a string at runtime).
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldInit {
    pub name: Ident,
    /// None for the shorthand `Point { x }`.
    pub value: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchArm {
    pub pat: Pat,
    pub guard: Option<Expr>,
    pub body: Expr,
    pub span: Span,
}

/// One piece of an f-string.
#[derive(Debug, Clone, PartialEq)]
pub enum FPart {
    /// Literal text, with `{{`/`}}` already turned into `{`/`}`.
    Lit(String),
    /// `{expr}` / `{expr:spec}`
    Expr { expr: Expr, spec: FormatSpec },
}

/// The part after `:` in an f-string hole or a `println!` placeholder,
/// parsed into Rust's format-spec grammar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatSpec {
    pub fill: Option<char>,
    /// '<', '>' or '^'
    pub align: Option<char>,
    /// '+' or '-'
    pub sign: Option<char>,
    /// `#`
    pub alternate: bool,
    /// `0`
    pub zero: bool,
    pub width: Option<usize>,
    pub precision: Option<usize>,
    /// `?` → debug; `x`, `X`, `b`, `o`, `e`, `E` → kept as the char; empty → display.
    pub kind: Option<char>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pat {
    pub kind: PatKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PatKind {
    /// `_`
    Wild,
    /// `name` or `name @ sub` (a bare name always binds; `mut name` too).
    Bind { name: Ident, sub: Option<Box<Pat>> },
    /// A literal: Int, Float (with optional leading `-`), Str, Bool, Nil.
    Lit(Lit),
    /// `lo..hi` / `lo..=hi` with literal bounds (either may be omitted).
    Range { lo: Option<Lit>, hi: Option<Lit>, inclusive: bool },
    Tuple(Vec<Pat>),
    /// `[a, b, ..rest, z]`: `rest` is Some(None) for a bare `..`,
    /// Some(Some(name)) for `..name`, None when there is no rest part.
    Array { before: Vec<Pat>, rest: Option<Option<Ident>>, after: Vec<Pat> },
    /// `E::V`, `E::V(a, b)`, `Some(x)`, `None`, `Ok(v)`, `Err(e)`, `P(a, b)`
    /// (tuple struct). `args` is None when there is no parenthesised list.
    Variant { path: Vec<Ident>, args: Option<Vec<Pat>> },
    /// `P { x: 0, y }`, `E::V { a, .. }`: (field, pattern) pairs; the
    /// shorthand `y` is a `Bind` pattern named like the field.
    Struct { path: Vec<Ident>, fields: Vec<(Ident, Pat)>, rest: bool },
    /// `a | b | c`
    Or(Vec<Pat>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Nil,
}
