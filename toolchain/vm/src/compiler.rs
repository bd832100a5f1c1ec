//! HIR → register bytecode.
//!
//! Register layout of a frame: parameters in `0..params`, then one register
//! per other HIR local (a captured local's register holds its cell), then
//! temporaries, allocated stack-wise. Calls place their arguments in the
//! topmost temporaries so the callee's frame can start right there without
//! copying.
//!
//! Value semantics (arrays, dicts, structs copy on assignment and passing)
//! are implemented copy-on-write: whenever a value read from a *place*
//! (variable, field, element) flows somewhere that keeps it (a binding, an
//! argument, a container, a return), a `Share` instruction marks the object;
//! mutations go through `MakeUnique`, which copies shared objects. See
//! ARCHITECTURE.md.

use crate::builtins::{builtin_index, BUILTIN_MUTATORS};
use crate::bytecode::*;
use ruchy_hir as hir;
use ruchy_hir::{Callee, Const, Expr, ExprKind as E, PatKind, Place, Stmt};
use ruchy_hir::share::needs_share;
use ruchy_syntax::ast::{BinOp, FormatSpec, UnOp};
use std::collections::HashMap;

pub fn compile(program: &hir::Program) -> Module {
    let mut m = Module {
        globals: program.globals.iter().map(|g| g.name.clone()).collect(),
        structs: program.structs.iter().map(|s| StructInfo { name: s.name.clone(), fields: s.fields.clone() }).collect(),
        enums: program
            .enums
            .iter()
            .map(|e| EnumInfo { name: e.name.clone(), variants: e.variants.iter().map(|v| (v.name.clone(), v.arity, v.discriminant)).collect() })
            .collect(),
        entry: program.entry,
        main: program.main,
        ..Module::default()
    };
    let mut pool = Pool::default();
    let user_methods: std::collections::HashSet<String> = program.methods.iter().map(|me| me.name.clone()).collect();
    let methods = MethodInfo { mutates_self: program.funcs.iter().map(|f| mutates_self(f, &user_methods)).collect(), user_methods };
    for (i, f) in program.funcs.iter().enumerate() {
        let is_entry = i as u32 == program.entry;
        let mut fc = FnCompiler::new(program, f, &mut pool, &methods);
        fc.compile_function(is_entry);
        if fc.short_jump_overflow {
            // A fused jump spans more than 32K instructions: compile this
            // (huge) function again with 32-bit jumps only.
            fc = FnCompiler::new(program, f, &mut pool, &methods);
            fc.long_jumps = true;
            fc.compile_function(is_entry);
        }
        let proto = fc.finish();
        m.protos.push(proto);
    }
    for me in &program.methods {
        let key = match me.owner {
            hir::TypeRef::Struct(s) => TypeKey::Struct(s),
            hir::TypeRef::Enum(e) => TypeKey::Enum(e),
        };
        m.methods.insert((key, pool.str(&me.name)), me.func);
    }
    resolve_captures(program, &mut m);
    m.consts = pool.consts;
    m.specs = pool.specs;
    m.field_slots = pool.field_slots;
    crate::peephole::optimize_module(&mut m);
    m
}

/// Constants and format specs shared by all functions, deduplicated.
#[derive(Default)]
struct Pool {
    consts: Vec<Constant>,
    strs: HashMap<String, u32>,
    specs: Vec<FormatSpec>,
    field_slots: Vec<FieldSlot>,
}

/// What the compiler knows about user methods.
struct MethodInfo {
    /// Every user method name (a dynamic call with such a name may mutate).
    user_methods: std::collections::HashSet<String>,
    /// Per function: true when it is a method that may modify `self`.
    mutates_self: Vec<bool>,
}

/// The local a place expression (`x`, `x.f`, `x[i].g`, …) is rooted in.
fn place_root(e: &Expr) -> Option<hir::LocalId> {
    match &e.kind {
        E::Local(id) => Some(*id),
        E::Field(a, _) | E::Index(a, _) | E::TupleIndex(a, _) => place_root(a),
        _ => None,
    }
}

/// Whether a method may modify its receiver: it assigns into `self`, calls
/// a possibly mutating method on it, or lets a closure capture it. Calls of
/// methods that cannot need no copy-on-write preparation or write-back.
fn mutates_self(f: &hir::Function, user_methods: &std::collections::HashSet<String>) -> bool {
    let Some(&this) = f.params.first().filter(|_| f.has_self) else { return false };
    if f.locals[this as usize].captured {
        return true;
    }
    let mut mutates = false;
    ruchy_hir::visit::walk(&f.body, &mut |e| match &e.kind {
        E::Assign { place, .. } => {
            let root = match place {
                Place::Local(id) => Some(*id),
                Place::Field(a, _) | Place::Index(a, _) | Place::TupleIndex(a, _) => place_root(a),
                _ => None,
            };
            mutates |= root == Some(this);
        }
        E::MethodCall { receiver, method, .. } => {
            let may_mutate = BUILTIN_MUTATORS.contains(&method.as_str()) || user_methods.contains(method);
            mutates |= may_mutate && place_root(receiver) == Some(this);
        }
        _ => {}
    });
    mutates
}

/// Whether evaluating `e` may write local `id`'s register: an assignment to
/// it or to a place inside it, or a (possibly mutating) method call on it.
fn writes_local(e: &Expr, id: hir::LocalId) -> bool {
    let mut writes = false;
    ruchy_hir::visit::walk(e, &mut |x| match &x.kind {
        E::Assign { place, .. } => {
            writes |= match place {
                Place::Local(l) => *l == id,
                Place::Field(a, _) | Place::Index(a, _) | Place::TupleIndex(a, _) => place_root(a) == Some(id),
                _ => false,
            }
        }
        E::MethodCall { receiver, .. } => writes |= place_root(receiver) == Some(id),
        _ => {}
    });
    writes
}

/// An index expression that cannot change any variable or call anything:
/// locals, constants and operators over them.
fn pure_index(e: &Expr) -> bool {
    match &e.kind {
        E::Local(_) | E::Const(_) => true,
        E::Binary(_, a, b) => pure_index(a) && pure_index(b),
        E::Unary(_, a) => pure_index(a),
        _ => false,
    }
}

/// A value expression that reads variables and elements and computes, but
/// calls nothing and assigns nothing, so it cannot change any variable.
fn pure_value(e: &Expr) -> bool {
    match &e.kind {
        E::Local(_) | E::Const(_) | E::Global(_) => true,
        E::Binary(_, a, b) | E::Index(a, b) => pure_value(a) && pure_value(b),
        E::Unary(_, a) | E::Field(a, _) | E::TupleIndex(a, _) => pure_value(a),
        _ => false,
    }
}

/// A `while` condition that `inverted_while` handles: an ordering
/// comparison of two proven ints, or of an int and a small constant.
fn int_loop_test(cond: &Expr) -> bool {
    let E::Binary(BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge, a, b) = &cond.kind else { return false };
    let int = |e: &Expr| e.ty == hir::Ty::Int;
    (int(a) && int(b)) || (int(a) && small_int(b).is_some()) || (int(b) && small_int(a).is_some())
}


impl Pool {
    fn str(&mut self, s: &str) -> u32 {
        if let Some(&k) = self.strs.get(s) {
            return k;
        }
        self.consts.push(Constant::Str(s.to_string()));
        let k = (self.consts.len() - 1) as u32;
        self.strs.insert(s.to_string(), k);
        k
    }

    fn add(&mut self, c: Constant) -> u32 {
        if let Constant::Str(s) = &c {
            return self.str(s);
        }
        if let Some(i) = self.consts.iter().position(|x| match (x, &c) {
            (Constant::Int(a), Constant::Int(b)) => a == b,
            (Constant::Float(a), Constant::Float(b)) => a.to_bits() == b.to_bits(),
            _ => false,
        }) {
            return i as u32;
        }
        self.consts.push(c);
        (self.consts.len() - 1) as u32
    }

    fn field_slot(&mut self, slot: FieldSlot) -> u16 {
        if let Some(i) = self.field_slots.iter().position(|x| *x == slot) {
            return i as u16;
        }
        self.field_slots.push(slot);
        (self.field_slots.len() - 1) as u16
    }

    fn spec(&mut self, s: &FormatSpec) -> u16 {
        if let Some(i) = self.specs.iter().position(|x| x == s) {
            return i as u16;
        }
        self.specs.push(s.clone());
        (self.specs.len() - 1) as u16
    }
}

struct LoopCtx {
    breaks: Vec<usize>,
    continues: Vec<usize>,
    result: Option<Reg>,
    try_depth: usize,
}

struct TryCtx<'a> {
    finally: Option<&'a Expr>,
    handler_active: bool,
}

/// A field access: by slot when the object's struct type is known
/// statically, else by name.
#[derive(Clone, Copy)]
enum FieldRef {
    Named(u16),
    Slot(u16),
}

impl FieldRef {
    fn get(self, dst: Reg, obj: Reg) -> Instr {
        match self {
            FieldRef::Named(name) => Instr::GetField { dst, obj, name },
            FieldRef::Slot(slot) => Instr::GetFieldK { dst, obj, slot },
        }
    }
    fn set(self, obj: Reg, src: Reg) -> Instr {
        match self {
            FieldRef::Named(name) => Instr::SetField { obj, name, src },
            FieldRef::Slot(slot) => Instr::SetFieldK { obj, slot, src },
        }
    }
}

/// How to store a value back into a place after mutating a copy of it.
#[derive(Clone, Copy)]
enum Handle {
    Reg(Reg),
    Cell(Reg),
    Upval(u16),
    Global(u32),
    Field(Reg, FieldRef),
    Index(Reg, Reg),
    Tuple(Reg, u16),
    Temp,
}

struct FnCompiler<'a> {
    program: &'a hir::Program,
    func: &'a hir::Function,
    pool: &'a mut Pool,
    methods: &'a MethodInfo,
    code: Vec<Instr>,
    spans: Vec<u32>,
    local_reg: Vec<Reg>,
    next_temp: u16,
    max_reg: u16,
    loops: Vec<LoopCtx>,
    tries: Vec<TryCtx<'a>>,
    cur_span: u32,
    /// Emit only jumps with 32-bit offsets (set when a fused jump's 16-bit
    /// offset overflowed and the function is compiled again).
    long_jumps: bool,
    short_jump_overflow: bool,
    /// Constants used inside loops that need a load instruction (ints beyond
    /// the 16-bit immediates, floats): each gets a register, loaded once on
    /// entry, instead of a load per use per iteration.
    const_regs: Vec<(ConstKey, Reg)>,
}

/// A numeric constant, compared bit-for-bit (`0.0` and `-0.0` differ).
#[derive(Clone, Copy, PartialEq)]
enum ConstKey {
    Int(i64),
    Float(u64),
}

impl ConstKey {
    fn of(c: &Const) -> Option<ConstKey> {
        match c {
            Const::Int(n) if i16::try_from(*n).is_err() => Some(ConstKey::Int(*n)),
            Const::Float(f) => Some(ConstKey::Float(f.to_bits())),
            _ => None,
        }
    }
}

/// At most this many constants are kept in registers per function.
const MAX_HOISTED_CONSTS: usize = 16;

/// The constants worth a register: those evaluated inside a loop.
fn loop_constants(e: &Expr, in_loop: bool, out: &mut Vec<(ConstKey, Const)>) {
    if let (E::Const(c), true) = (&e.kind, in_loop) {
        if let Some(k) = ConstKey::of(c) {
            if out.len() < MAX_HOISTED_CONSTS && !out.iter().any(|(x, _)| *x == k) {
                out.push((k, c.clone()));
            }
        }
    }
    let inner = in_loop || matches!(e.kind, E::While { .. } | E::WhileLet { .. } | E::Loop { .. } | E::For { .. });
    ruchy_hir::visit::for_each_child(e, &mut |c| loop_constants(c, inner, out));
}

/// A small integer constant operand, for the `…IK` instruction forms.
fn small_int(e: &Expr) -> Option<i16> {
    match e.kind {
        E::Const(Const::Int(k)) => i16::try_from(k).ok(),
        _ => None,
    }
}

/// `dst = a OP k` as one instruction, when there is such a form that keeps
/// the exact semantics (including which overflow message is reported).
fn binary_k_instr(op: BinOp, dst: Reg, a: Reg, k: i16) -> Option<Instr> {
    match op {
        BinOp::Add if k >= 0 => Some(Instr::AddIK { dst, a, k }),
        BinOp::Sub if k > 0 => Some(Instr::AddIK { dst, a, k: -k }),
        BinOp::Mul => Some(Instr::MulIK { dst, a, k }),
        BinOp::Rem if k != 0 => Some(Instr::RemIK { dst, a, k }),
        BinOp::Div if k != 0 && k != -1 => Some(Instr::DivIK { dst, a, k }),
        _ => None,
    }
}

/// For `local + a + b + …` (left-nested adds starting at `local`), the
/// operands after the local, in evaluation order.
fn add_chain(e: &Expr, local: hir::LocalId) -> Option<Vec<&Expr>> {
    match &e.kind {
        E::Binary(BinOp::Add, l, r) => {
            let mut pieces = match &l.kind {
                E::Local(id) if *id == local => vec![],
                _ => add_chain(l, local)?,
            };
            pieces.push(r);
            Some(pieces)
        }
        _ => None,
    }
}

fn is_place_read(e: &Expr) -> bool {
    matches!(e.kind, E::Local(_) | E::Capture(_) | E::Global(_) | E::Field(..) | E::Index(..) | E::TupleIndex(..))
}

impl<'a> FnCompiler<'a> {
    fn new(program: &'a hir::Program, func: &'a hir::Function, pool: &'a mut Pool, methods: &'a MethodInfo) -> Self {
        let local_reg = assign_registers(func);
        let next = local_reg.iter().copied().max().map_or(0, |m| m + 1).max(func.params.len() as u16);
        FnCompiler {
            program,
            func,
            pool,
            methods,
            code: vec![],
            spans: vec![],
            local_reg,
            next_temp: next,
            max_reg: next,
            loops: vec![],
            tries: vec![],
            cur_span: func.span.start,
            long_jumps: false,
            short_jump_overflow: false,
            const_regs: vec![],
        }
    }

    fn finish(self) -> Proto {
        let required = self.func.defaults.iter().take_while(|d| d.is_none()).count() as u16;
        Proto {
            name: self.func.name.clone(),
            params: self.func.params.len() as u16,
            required,
            has_self: self.func.has_self,
            frame_size: self.max_reg + 1,
            code: self.code,
            spans: self.spans,
            captures: self
                .func
                .captures
                .iter()
                // Placeholder: `resolve_captures` fills in the creating frame's registers.
                .map(|_| CaptureFrom::Upval(u16::MAX))
                .collect(),
            clear_regs: true,
        }
    }

    // ----- emission helpers -------------------------------------------

    fn emit(&mut self, i: Instr) -> usize {
        self.code.push(i);
        self.spans.push(self.cur_span);
        self.code.len() - 1
    }

    fn temp(&mut self) -> Reg {
        let r = self.next_temp;
        self.next_temp += 1;
        self.max_reg = self.max_reg.max(self.next_temp);
        r
    }

    fn temps(&mut self, n: usize) -> Reg {
        let base = self.next_temp;
        for _ in 0..n {
            self.temp();
        }
        base
    }

    /// Points the jump at `at` to the next instruction to be emitted. A
    /// 16-bit offset that overflows makes the function compile again with
    /// 32-bit jumps only.
    fn jump_here(&mut self, at: usize) {
        let target = self.code.len();
        if !self.code[at].set_jump_target(at, target) {
            debug_assert!(self.code[at].jump_target(at).is_some(), "not a jump");
            self.short_jump_overflow = true;
        }
    }

    /// A loop's back-edge (with its GC safepoint).
    fn jump_back(&mut self, target: usize) {
        let off = target as i32 - self.code.len() as i32 - 1;
        self.emit(Instr::JmpBack { off });
    }

    fn konst(&mut self, c: &Const, dst: Reg) {
        match c {
            Const::Int(n) if *n >= i32::MIN as i64 && *n <= i32::MAX as i64 => {
                self.emit(Instr::LoadInt { dst, v: *n as i32 });
            }
            Const::Int(n) => {
                let k = self.pool.add(Constant::Int(*n));
                self.emit(Instr::LoadK { dst, k });
            }
            Const::Float(f) => {
                let k = self.pool.add(Constant::Float(*f));
                self.emit(Instr::LoadK { dst, k });
            }
            Const::Str(s) => {
                let k = self.pool.str(s);
                self.emit(Instr::LoadK { dst, k });
            }
            Const::Bool(v) => {
                self.emit(Instr::LoadBool { dst, v: *v });
            }
            Const::Nil => {
                self.emit(Instr::LoadNil { dst });
            }
        }
    }

    fn field_ref(&mut self, obj_ty: &hir::Ty, name: &str) -> FieldRef {
        let k = self.pool.str(name) as u16;
        if let hir::Ty::Struct(s) = obj_ty {
            if let Some(idx) = self.program.structs[*s as usize].fields.iter().position(|f| f == name) {
                return FieldRef::Slot(self.pool.field_slot(FieldSlot { def: *s, idx: idx as u16, name: k }));
            }
        }
        FieldRef::Named(k)
    }

    fn field_type(&self, obj_ty: &hir::Ty, name: &str) -> hir::Ty {
        if let hir::Ty::Struct(s) = obj_ty {
            let def = &self.program.structs[*s as usize];
            if let Some(idx) = def.fields.iter().position(|f| f == name) {
                return def.field_types.get(idx).cloned().unwrap_or(hir::Ty::Dyn);
            }
        }
        hir::Ty::Dyn
    }

    fn captured(&self, id: hir::LocalId) -> bool {
        self.func.locals[id as usize].captured
    }

    // ----- functions ----------------------------------------------------

    fn compile_function(&mut self, is_entry: bool) {
        self.cur_span = self.func.span.start;
        // Default values for missing arguments.
        for (i, d) in self.func.defaults.iter().enumerate() {
            if let Some(d) = d {
                let j = self.emit(Instr::JmpIfArgGiven { idx: i as u16, off: 0 });
                let reg = i as Reg;
                self.expr_into(d, reg);
                self.jump_here(j);
            }
        }
        // Captured parameters move into cells.
        for &p in &self.func.params {
            if self.captured(p) {
                let r = self.local_reg[p as usize];
                self.emit(Instr::NewCell { dst: r, src: r });
            }
        }
        let mut consts = vec![];
        loop_constants(&self.func.body, false, &mut consts);
        for (key, c) in consts {
            let r = self.temp();
            self.konst(&c, r);
            self.const_regs.push((key, r));
        }
        let result = self.temp();
        let body = &self.func.body;
        self.expr_into(body, result);
        if is_entry {
            if let Some(main) = self.program.main {
                let base = self.temp();
                self.emit(Instr::Call { dst: base, base, argc: 0, proto: main as u16 });
            }
            self.emit(Instr::LoadNil { dst: result });
        } else if needs_share(body) {
            self.emit(Instr::Share { reg: result });
        }
        self.emit(Instr::Return { src: result });
    }

    // ----- statements ---------------------------------------------------

    fn stmt(&mut self, s: &'a Stmt, dst: Option<Reg>) {
        match s {
            Stmt::Let { pat, init, span } => {
                self.cur_span = span.start;
                let mark = self.next_temp;
                let v = match init {
                    Some(e) => self.expr_shared(e),
                    None => {
                        let t = self.temp();
                        self.emit(Instr::LoadNil { dst: t });
                        t
                    }
                };
                self.bind_irrefutable(pat, v);
                self.next_temp = mark;
                if let Some(d) = dst {
                    self.emit(Instr::LoadNil { dst: d });
                }
            }
            Stmt::SetGlobal { global, init } => {
                let mark = self.next_temp;
                let v = self.expr_shared(init);
                self.emit(Instr::SetGlobal { g: *global, src: v });
                self.next_temp = mark;
                if let Some(d) = dst {
                    self.emit(Instr::LoadNil { dst: d });
                }
            }
            Stmt::Expr(e) => match dst {
                Some(d) => self.expr_into(e, d),
                None => {
                    let mark = self.next_temp;
                    self.expr_any(e);
                    self.next_temp = mark;
                }
            },
        }
    }

    /// Binds a `let` pattern; a refutable pattern that fails is an error.
    fn bind_irrefutable(&mut self, pat: &'a hir::Pat, v: Reg) {
        if let PatKind::Bind(id, None) = pat.kind {
            self.store_local(id, v);
            return;
        }
        let mut fails = vec![];
        self.pattern(pat, v, &mut fails);
        self.let_fail_on(fails);
    }

    /// The failed tests of a pattern that must match (`let`, `for`) raise
    /// `LetFail`; a match falls through.
    fn let_fail_on(&mut self, fails: Vec<usize>) {
        if fails.is_empty() {
            return;
        }
        let matched = self.emit(Instr::Jmp { off: 0 });
        for f in fails {
            self.jump_here(f);
        }
        self.emit(Instr::LetFail);
        self.jump_here(matched);
    }

    /// Initialises a (newly bound) local from `v`.
    fn store_local(&mut self, id: hir::LocalId, v: Reg) {
        let r = self.local_reg[id as usize];
        if self.captured(id) {
            self.emit(Instr::NewCell { dst: r, src: v });
        } else if r != v {
            self.emit(Instr::Move { dst: r, src: v });
        }
    }

    // ----- expressions --------------------------------------------------

    /// Compiles `e` and returns a register holding its value: the local's
    /// own register for a plain local, otherwise a fresh temporary.
    fn expr_any(&mut self, e: &'a Expr) -> Reg {
        if let E::Local(id) = e.kind {
            if !self.captured(id) {
                return self.local_reg[id as usize];
            }
        }
        if let E::Const(c) = &e.kind {
            let key = ConstKey::of(c);
            if let Some(&(_, r)) = self.const_regs.iter().find(|(k, _)| Some(*k) == key) {
                return r;
            }
        }
        let t = self.temp();
        self.expr_into(e, t);
        t
    }

    /// Like `expr_any`, but the value is about to be kept somewhere else:
    /// place reads are marked shared, and the result is in a temporary.
    fn expr_shared(&mut self, e: &'a Expr) -> Reg {
        let t = self.temp();
        self.expr_into(e, t);
        if needs_share(e) {
            self.emit(Instr::Share { reg: t });
        }
        t
    }

    fn expr_into_shared(&mut self, e: &'a Expr, dst: Reg) {
        self.expr_into(e, dst);
        if needs_share(e) {
            self.emit(Instr::Share { reg: dst });
        }
    }

    fn expr_into(&mut self, e: &'a Expr, dst: Reg) {
        let saved_span = self.cur_span;
        self.cur_span = e.span.start;
        let mark = self.next_temp;
        self.expr_kind(e, dst);
        self.next_temp = mark.max(dst + 1).min(self.next_temp).max(mark);
        self.next_temp = mark;
        self.cur_span = saved_span;
    }

    fn expr_kind(&mut self, e: &'a Expr, dst: Reg) {
        match &e.kind {
            E::Const(c) => self.konst(c, dst),
            E::FString(parts) => self.fstring(parts, dst),
            E::Local(id) => {
                let r = self.local_reg[*id as usize];
                if self.captured(*id) {
                    self.emit(Instr::GetCell { dst, cell: r });
                } else if r != dst {
                    self.emit(Instr::Move { dst, src: r });
                }
            }
            E::Capture(i) => {
                self.emit(Instr::GetUpval { dst, idx: *i as u16 });
            }
            E::Global(g) => {
                self.emit(Instr::GetGlobal { dst, g: *g });
            }
            E::FuncRef(f) => {
                // A named function as a value: a closure with no captures.
                self.emit(Instr::Closure { dst, proto: *f as u16 });
            }
            E::Unary(op, inner) => {
                let v = self.expr_any(inner);
                self.emit(match op {
                    UnOp::Neg => Instr::Neg { dst, src: v },
                    UnOp::Not => Instr::Not { dst, src: v },
                    UnOp::BitNot => Instr::BitNot { dst, src: v },
                });
            }
            E::Binary(op, a, b) => self.binary(*op, a, b, dst),
            E::And(a, b) | E::Or(a, b) => {
                self.expr_into(a, dst);
                let j = if matches!(e.kind, E::And(..)) {
                    self.emit(Instr::JmpIfNot { cond: dst, off: 0 })
                } else {
                    self.emit(Instr::JmpIf { cond: dst, off: 0 })
                };
                self.expr_into(b, dst);
                self.jump_here(j);
            }
            E::Coalesce(a, b) => {
                self.expr_into(a, dst);
                let j = self.emit(Instr::JmpIfNil { src: dst, off: 0 });
                let skip = self.emit(Instr::Jmp { off: 0 });
                self.jump_here(j);
                self.expr_into(b, dst);
                self.jump_here(skip);
            }
            E::Assign { place, op, value } => {
                self.assign(place, *op, value);
                self.emit(Instr::LoadNil { dst });
            }
            E::Call { callee, args } => self.call(callee, args, dst),
            E::MethodCall { receiver, method, args } => self.method_call(receiver, method, args, dst),
            E::Field(obj, name) => {
                let o = self.expr_any(obj);
                let f = self.field_ref(&obj.ty, name);
                self.emit(f.get(dst, o));
            }
            E::TupleIndex(obj, i) => {
                let o = self.expr_any(obj);
                self.emit(Instr::GetTupleIdx { dst, obj: o, idx: *i as u16 });
            }
            // `table[i % 16]` on a global table: the index has no effects
            // that could change the global, so read it after the index.
            E::Index(obj, idx) if matches!(obj.kind, E::Global(g) if g <= u16::MAX as u32) && pure_index(idx) && small_int(idx).is_none() => {
                let E::Global(g) = obj.kind else { unreachable!("matched above") };
                let index = self.expr_any(idx);
                self.emit(Instr::GetGlobalIndex { dst, g: g as u16, index });
            }
            E::Index(obj, idx) => {
                let o = self.expr_any(obj);
                match small_int(idx).filter(|k| *k >= 0) {
                    Some(k) => {
                        self.emit(Instr::GetIndexK { dst, src: o, idx: k });
                    }
                    None => {
                        let i = self.expr_any(idx);
                        self.emit(Instr::GetIndex { dst, obj: o, index: i });
                    }
                }
            }
            E::Array(items) => {
                let base = self.args_shared(items);
                self.emit(Instr::NewArray { dst, base, count: items.len() as u16 });
            }
            E::Tuple(items) => {
                let base = self.args_shared(items);
                self.emit(Instr::NewTuple { dst, base, count: items.len() as u16 });
            }
            E::ArrayRepeat(v, n) => {
                let v = self.expr_shared(v);
                let n = self.expr_any(n);
                self.emit(Instr::ArrayRepeat { dst, value: v, count: n });
            }
            E::Dict(entries) => {
                let base = self.temps(entries.len() * 2);
                for (i, (k, v)) in entries.iter().enumerate() {
                    self.expr_into(k, base + 2 * i as u16);
                    self.expr_into_shared(v, base + 2 * i as u16 + 1);
                }
                self.emit(Instr::NewDict { dst, base, count: entries.len() as u16 });
            }
            E::StructLit { def, fields, base: update } => self.struct_lit(*def, fields, update.as_deref(), dst),
            E::Variant { def, variant, args } => {
                let base = self.args_shared(args);
                self.emit(Instr::NewVariant { dst, base, def: *def as u16, variant: *variant as u8 });
            }
            E::VariantCtor { def, variant } => {
                // Used as a value: a closure proto is not available, so build
                // the constructor value through a constant call target.
                let k = self.pool.add(Constant::Int(((*def as i64) << 32) | *variant as i64));
                self.emit(Instr::LoadK { dst, k });
                self.emit(Instr::CallBuiltin { dst, base: dst, argc: 1, builtin: builtin_index::CTOR_VALUE });
            }
            E::Range { start, end, inclusive } => {
                let s = self.temp();
                match start {
                    Some(x) => self.expr_into(x, s),
                    None => {
                        self.emit(Instr::LoadNil { dst: s });
                    }
                }
                let en = self.temp();
                match end {
                    Some(x) => self.expr_into(x, en),
                    None => {
                        self.emit(Instr::LoadNil { dst: en });
                    }
                }
                self.emit(Instr::MakeRange { dst, start: s, end: en, inclusive: *inclusive });
            }
            E::Block(stmts) => self.block(stmts, dst),
            E::If { cond, then, else_ } => {
                let j = self.cond_jump(cond);
                self.expr_into(then, dst);
                match else_ {
                    Some(el) => {
                        let skip = self.emit(Instr::Jmp { off: 0 });
                        self.jump_here(j);
                        self.expr_into(el, dst);
                        self.jump_here(skip);
                    }
                    None => {
                        let skip = self.emit(Instr::Jmp { off: 0 });
                        self.jump_here(j);
                        self.emit(Instr::LoadNil { dst });
                        self.jump_here(skip);
                    }
                }
            }
            E::Match { scrutinee, arms, exhaustive_error } => self.match_expr(scrutinee, arms, *exhaustive_error, dst),
            E::While { cond, body } if !self.long_jumps && int_loop_test(cond) => self.inverted_while(cond, body, dst),
            E::While { cond, body } => {
                let start = self.code.len();
                let exit = self.cond_jump(cond);
                self.loop_body(body, start, None);
                self.jump_here(exit);
                let l = self.loops.pop().unwrap();
                self.finish_loop(l, start);
                self.emit(Instr::LoadNil { dst });
            }
            E::WhileLet { pat, value, body } => {
                let start = self.code.len();
                let v = self.expr_any(value);
                let mut fails = vec![];
                self.pattern(pat, v, &mut fails);
                self.loop_body(body, start, None);
                for f in fails {
                    self.jump_here(f);
                }
                let l = self.loops.pop().unwrap();
                self.finish_loop(l, start);
                self.emit(Instr::LoadNil { dst });
            }
            E::Loop { body } => {
                self.emit(Instr::LoadNil { dst });
                let start = self.code.len();
                self.loop_body(body, start, Some(dst));
                let l = self.loops.pop().unwrap();
                self.finish_loop(l, start);
            }
            E::For { pat, iter, body } => self.for_loop(pat, iter, body, dst),
            E::Break { depth, value } => {
                let target = self.loops.len() - 1 - *depth as usize;
                if let (Some(v), Some(r)) = (value, self.loops[target].result) {
                    self.expr_into_shared(v, r);
                } else if let Some(v) = value {
                    self.expr_any(v);
                }
                let try_depth = self.loops[target].try_depth;
                self.unwind_tries(try_depth);
                let j = self.emit(Instr::Jmp { off: 0 });
                self.loops[target].breaks.push(j);
            }
            E::Continue { depth } => {
                let target = self.loops.len() - 1 - *depth as usize;
                let try_depth = self.loops[target].try_depth;
                self.unwind_tries(try_depth);
                let j = self.emit(Instr::Jmp { off: 0 });
                self.loops[target].continues.push(j);
            }
            E::Return(v) => {
                let r = match v {
                    Some(v) => self.expr_shared(v),
                    None => {
                        let t = self.temp();
                        self.emit(Instr::LoadNil { dst: t });
                        t
                    }
                };
                self.emit_return(r);
            }
            E::Closure(f) => {
                // The proto's capture sources are filled in by `resolve_captures`.
                self.emit(Instr::Closure { dst, proto: *f as u16 });
            }
            E::Try { body, catch, finally } => self.try_expr(body, catch.as_ref(), finally.as_deref(), dst),
            E::Throw(v) => {
                let r = self.expr_shared(v);
                self.emit(Instr::Throw { src: r });
            }
            E::Question(v) => self.question(v, dst),
            E::Cast(v, ty) => {
                let r = self.expr_any(v);
                match CastKind::from_type_name(ty) {
                    Some(kind) => {
                        self.emit(Instr::Cast { dst, src: r, kind: kind as u8 });
                    }
                    // Casting to a user type is a no-op (annotations are not checked).
                    None => {
                        self.emit(Instr::Move { dst, src: r });
                    }
                }
            }
            E::Format { action, segments, args } => self.format(*action, segments, args, dst),
        }
    }

    /// Evaluates `items` left to right into consecutive fresh registers.
    fn args_shared(&mut self, items: &'a [Expr]) -> Reg {
        let base = self.temps(items.len());
        for (i, it) in items.iter().enumerate() {
            self.expr_into_shared(it, base + i as u16);
        }
        base
    }

    fn block(&mut self, stmts: &'a [Stmt], dst: Reg) {
        if stmts.is_empty() {
            self.emit(Instr::LoadNil { dst });
            return;
        }
        let last = stmts.len() - 1;
        for (i, s) in stmts.iter().enumerate() {
            self.stmt(s, if i == last { Some(dst) } else { None });
        }
    }

    /// Compiles a condition and returns the jump taken when it is false.
    fn cond_jump(&mut self, cond: &'a Expr) -> usize {
        let mark = self.next_temp;
        if self.long_jumps {
            let r = self.expr_any(cond);
            self.next_temp = mark;
            return self.emit(Instr::JmpIfNot { cond: r, off: 0 });
        }
        if let Some(j) = self.cond_jump_const(cond) {
            self.next_temp = mark;
            return j;
        }
        if let E::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) = &cond.kind {
            let (ra, rb) = (self.expr_any(a), self.expr_any(b));
            self.next_temp = mark;
            return self.emit(if *op == BinOp::Eq { Instr::JmpIfNotEq { a: ra, b: rb, off: 0 } } else { Instr::JmpIfEq { a: ra, b: rb, off: 0 } });
        }
        if let E::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), a, b) = &cond.kind {
            let (ra, rb) = (self.expr_any(a), self.expr_any(b));
            self.next_temp = mark;
            let ints = a.ty == hir::Ty::Int && b.ty == hir::Ty::Int;
            return self.emit(match (op, ints) {
                (BinOp::Lt, false) => Instr::JmpIfNotLt { a: ra, b: rb, off: 0 },
                (BinOp::Le, false) => Instr::JmpIfNotLe { a: ra, b: rb, off: 0 },
                (BinOp::Gt, false) => Instr::JmpIfNotLt { a: rb, b: ra, off: 0 },
                (BinOp::Ge, false) => Instr::JmpIfNotLe { a: rb, b: ra, off: 0 },
                (BinOp::Lt, true) => Instr::JmpIfNotLtI { a: ra, b: rb, off: 0 },
                (BinOp::Le, true) => Instr::JmpIfNotLeI { a: ra, b: rb, off: 0 },
                (BinOp::Gt, true) => Instr::JmpIfNotLtI { a: rb, b: ra, off: 0 },
                _ => Instr::JmpIfNotLeI { a: rb, b: ra, off: 0 },
            });
        }
        let r = self.expr_any(cond);
        self.next_temp = mark;
        self.emit(Instr::JmpIfNot { cond: r, off: 0 })
    }

    /// Comparisons of a value with a small int constant or with nil, as one
    /// fused compare-and-branch; the jump is taken when `cond` is false.
    fn cond_jump_const(&mut self, cond: &'a Expr) -> Option<usize> {
        let E::Binary(op, a, b) = &cond.kind else { return None };
        let is_nil = |e: &Expr| matches!(e.kind, E::Const(Const::Nil));
        // Put the constant on the right, mirroring the comparison.
        let (op, x, k) = if small_int(b).is_some() || is_nil(b) {
            (*op, a, b)
        } else if small_int(a).is_some() || is_nil(a) {
            let mirrored = match op {
                BinOp::Lt => BinOp::Gt,
                BinOp::Le => BinOp::Ge,
                BinOp::Gt => BinOp::Lt,
                BinOp::Ge => BinOp::Le,
                other => *other,
            };
            (mirrored, b, a)
        } else {
            return None;
        };
        if is_nil(k) {
            if !matches!(op, BinOp::Eq | BinOp::Ne) {
                return None;
            }
            let src = self.expr_any(x);
            return Some(self.emit(if op == BinOp::Eq { Instr::JmpIfNotNil { src, off: 0 } } else { Instr::JmpIfNil { src, off: 0 } }));
        }
        let k = small_int(k)?;
        let make: fn(Reg, i16) -> Instr = match op {
            BinOp::Lt => |a, k| Instr::JmpIfNotLtIK { a, k, off: 0 },
            BinOp::Le => |a, k| Instr::JmpIfNotLeIK { a, k, off: 0 },
            BinOp::Gt => |a, k| Instr::JmpIfNotGtIK { a, k, off: 0 },
            BinOp::Ge => |a, k| Instr::JmpIfNotGeIK { a, k, off: 0 },
            BinOp::Eq => |a, k| Instr::JmpIfNotEqIK { a, k, off: 0 },
            BinOp::Ne => |a, k| Instr::JmpIfEqIK { a, k, off: 0 },
            _ => return None,
        };
        let ra = self.expr_any(x);
        Some(self.emit(make(ra, k)))
    }

    fn binary(&mut self, op: BinOp, a: &'a Expr, b: &'a Expr, dst: Reg) {
        // `1 + f(x)`, `2 * y` on numbers: commute so the constant is the
        // immediate (for strings `+` is not commutative, so numbers only).
        if let (Some(k), BinOp::Add | BinOp::Mul, true) = (small_int(a), op, b.ty.is_num()) {
            if k >= 0 || op == BinOp::Mul {
                let rb = self.expr_any(b);
                self.emit(binary_k_instr(op, dst, rb, k).expect("Add/Mul have immediate forms"));
                return;
            }
        }
        // `x * 31`, `i % 7`, `n - 1`: the constant is an immediate operand.
        if let Some(k) = small_int(b) {
            if binary_k_instr(op, 0, 0, k).is_some() {
                let ra = self.expr_any(a);
                self.emit(binary_k_instr(op, dst, ra, k).expect("checked above"));
                return;
            }
        }
        // `f(x) + ","`, `a + b + c`: a string that was just made (not read
        // from a place, not a shared constant) has no other reference, so
        // the right operand is appended to it in place instead of copying
        // both into a third string. (`AppendStr` is plain `+` otherwise.)
        let strings = a.ty == hir::Ty::Str || b.ty == hir::Ty::Str;
        if op == BinOp::Add && strings && !a.ty.is_num() && !needs_share(a) && !matches!(a.kind, E::Const(_)) {
            let t = self.temp();
            self.expr_into(a, t);
            let rb = self.expr_any(b);
            self.emit(Instr::AppendStr { dst: t, src: rb });
            if t != dst {
                self.emit(Instr::Move { dst, src: t });
            }
            return;
        }
        let ra = self.expr_any(a);
        let rb = self.expr_any(b);
        self.binary_regs(op, &a.ty, &b.ty, ra, rb, dst);
    }

    /// Emits `dst = a op b`, type-specialised when both types are proven.
    fn binary_regs(&mut self, op: BinOp, ta: &hir::Ty, tb: &hir::Ty, a: Reg, b: Reg, dst: Reg) {
        let ints = *ta == hir::Ty::Int && *tb == hir::Ty::Int;
        let floats = *ta == hir::Ty::Float && *tb == hir::Ty::Float;
        self.emit(match op {
            BinOp::Add if ints => Instr::AddI { dst, a, b },
            BinOp::Sub if ints => Instr::SubI { dst, a, b },
            BinOp::Mul if ints => Instr::MulI { dst, a, b },
            BinOp::Lt if ints => Instr::LtI { dst, a, b },
            BinOp::Le if ints => Instr::LeI { dst, a, b },
            BinOp::Gt if ints => Instr::LtI { dst, a: b, b: a },
            BinOp::Ge if ints => Instr::LeI { dst, a: b, b: a },
            BinOp::Eq if ints => Instr::EqI { dst, a, b },
            BinOp::Add if floats => Instr::AddF { dst, a, b },
            BinOp::Sub if floats => Instr::SubF { dst, a, b },
            BinOp::Mul if floats => Instr::MulF { dst, a, b },
            BinOp::Div if floats => Instr::DivF { dst, a, b },
            BinOp::Add => Instr::Add { dst, a, b },
            BinOp::Sub => Instr::Sub { dst, a, b },
            BinOp::Mul => Instr::Mul { dst, a, b },
            BinOp::Div => Instr::Div { dst, a, b },
            BinOp::Rem => Instr::Rem { dst, a, b },
            BinOp::Pow => Instr::Pow { dst, a, b },
            BinOp::Eq => Instr::Eq { dst, a, b },
            BinOp::Ne => Instr::Ne { dst, a, b },
            BinOp::Lt => Instr::Lt { dst, a, b },
            BinOp::Le => Instr::Le { dst, a, b },
            BinOp::Gt => Instr::Gt { dst, a, b },
            BinOp::Ge => Instr::Ge { dst, a, b },
            BinOp::BitAnd => Instr::BitAnd { dst, a, b },
            BinOp::BitOr => Instr::BitOr { dst, a, b },
            BinOp::BitXor => Instr::BitXor { dst, a, b },
            BinOp::Shl => Instr::Shl { dst, a, b },
            BinOp::Shr => Instr::Shr { dst, a, b },
            BinOp::And | BinOp::Or | BinOp::Coalesce => unreachable!("lowered to control flow"),
        });
    }


    // ----- places -------------------------------------------------------

    fn assign(&mut self, place: &'a Place, op: Option<BinOp>, value: &'a Expr) {
        let mark = self.next_temp;
        match place {
            Place::Local(id) if !self.captured(*id) => {
                let r = self.local_reg[*id as usize];
                match op {
                    // `s = s + x (+ y …)` on a non-numeric local: same as `s += x;
                    // s += y`, so a string built in a loop is appended in place.
                    None if !self.func.locals[*id as usize].ty.is_num() && add_chain(value, *id).is_some() => {
                        for piece in add_chain(value, *id).unwrap_or_default() {
                            let mark = self.next_temp;
                            let v = self.expr_any(piece);
                            self.emit(Instr::AppendStr { dst: r, src: v });
                            self.next_temp = mark;
                        }
                    }
                    None => self.expr_into_shared(value, r),
                    // `s += x` on a string local appends in place (when unshared);
                    // numbers take the ordinary (type-specialised) add.
                    Some(BinOp::Add) if !self.func.locals[*id as usize].ty.is_num() => {
                        let v = self.expr_any(value);
                        self.emit(Instr::AppendStr { dst: r, src: v });
                    }
                    Some(op) => {
                        if let Some(ins) = small_int(value).and_then(|k| binary_k_instr(op, r, r, k)) {
                            self.emit(ins);
                        } else {
                            let v = self.expr_any(value);
                            let ty = self.func.locals[*id as usize].ty.clone();
                            self.binary_regs(op, &ty, &value.ty, r, v, r);
                        }
                    }
                }
            }
            Place::Local(_) | Place::Capture(_) | Place::Global(_) => {
                let h = self.var_handle(place);
                let t = self.temp();
                if let Some(op) = op {
                    self.load_handle(h, t);
                    let ty = match place {
                        Place::Global(g) => self.program.globals[*g as usize].ty.clone(),
                        Place::Local(id) => self.func.locals[*id as usize].ty.clone(),
                        _ => hir::Ty::Dyn,
                    };
                    self.compound(op, &ty, t, value);
                } else {
                    self.expr_into_shared(value, t);
                }
                self.store_handle(h, t);
            }
            Place::Field(obj, name) => {
                let o = self.place_unique(obj).0;
                let f = self.field_ref(&obj.ty, name);
                let t = self.temp();
                if let Some(op) = op {
                    self.emit(f.get(t, o));
                    let ftype = self.field_type(&obj.ty, name);
                    self.compound(op, &ftype, t, value);
                } else {
                    self.expr_into_shared(value, t);
                }
                self.emit(f.set(o, t));
            }
            Place::TupleIndex(obj, i) => {
                let o = self.place_unique(obj).0;
                let t = self.temp();
                if let Some(op) = op {
                    self.emit(Instr::GetTupleIdx { dst: t, obj: o, idx: *i as u16 });
                    self.compound(op, &hir::Ty::Dyn, t, value);
                } else {
                    self.expr_into_shared(value, t);
                }
                self.emit(Instr::SetTupleIdx { obj: o, idx: *i as u16, src: t });
            }
            // `table[i] = v` on a global table with a pure index and value:
            // nothing in between can change the global, so one instruction
            // makes it unique and stores the element.
            Place::Index(obj, idx) if matches!(obj.kind, E::Global(g) if g <= u16::MAX as u32) && pure_index(idx) && pure_value(value) => {
                let E::Global(g) = obj.kind else { unreachable!("matched above") };
                let index = self.index_operand(idx, Some(value));
                let t = self.temp();
                if let Some(op) = op {
                    self.emit(Instr::GetGlobalIndex { dst: t, g: g as u16, index });
                    let elem = match &obj.ty {
                        hir::Ty::Array(e) => (**e).clone(),
                        _ => hir::Ty::Dyn,
                    };
                    self.compound(op, &elem, t, value);
                } else {
                    self.expr_into_shared(value, t);
                }
                self.emit(Instr::SetGlobalIndex { g: g as u16, index, src: t });
            }
            Place::Index(obj, idx) => {
                let o = self.place_unique(obj).0;
                let i = self.index_operand(idx, Some(value));
                let t = self.temp();
                if let Some(op) = op {
                    self.emit(Instr::GetIndex { dst: t, obj: o, index: i });
                    let elem = match &obj.ty {
                        hir::Ty::Array(e) => (**e).clone(),
                        _ => hir::Ty::Dyn,
                    };
                    self.compound(op, &elem, t, value);
                } else {
                    self.expr_into_shared(value, t);
                }
                self.emit(Instr::SetIndex { obj: o, index: i, src: t });
            }
        }
        self.next_temp = mark;
    }

    /// `t = t OP value` for a compound assignment whose target has type `ty`:
    /// an immediate form for small constants, an in-place append for `+=` on
    /// anything that may be a string (`AppendStr` is `+` for every other
    /// type), else the (type-specialised) operator.
    fn compound(&mut self, op: BinOp, ty: &hir::Ty, t: Reg, value: &'a Expr) {
        if let Some(ins) = small_int(value).and_then(|k| binary_k_instr(op, t, t, k)) {
            self.emit(ins);
            return;
        }
        let v = self.expr_any(value);
        if op == BinOp::Add && !ty.is_num() {
            self.emit(Instr::AppendStr { dst: t, src: v });
        } else {
            self.binary_regs(op, ty, &value.ty, t, v, t);
        }
    }

    /// An index for a place store, never shared (an index is not retained:
    /// dict keys are copied). A plain local is used in place unless `later`
    /// (what runs before the store) may reassign it; otherwise the index is
    /// copied into its own register.
    fn index_operand(&mut self, idx: &'a Expr, later: Option<&Expr>) -> Reg {
        if let (E::Local(id), Some(later)) = (&idx.kind, later) {
            if !self.captured(*id) && !writes_local(later, *id) {
                return self.local_reg[*id as usize];
            }
        }
        let i = self.temp();
        self.expr_into(idx, i);
        i
    }

    fn var_handle(&mut self, place: &Place) -> Handle {
        match place {
            Place::Local(id) if self.captured(*id) => Handle::Cell(self.local_reg[*id as usize]),
            Place::Local(id) => Handle::Reg(self.local_reg[*id as usize]),
            Place::Capture(i) => Handle::Upval(*i as u16),
            Place::Global(g) => Handle::Global(*g),
            _ => unreachable!(),
        }
    }

    fn load_handle(&mut self, h: Handle, dst: Reg) {
        match h {
            Handle::Reg(r) => {
                if r != dst {
                    self.emit(Instr::Move { dst, src: r });
                }
            }
            Handle::Cell(c) => {
                self.emit(Instr::GetCell { dst, cell: c });
            }
            Handle::Upval(i) => {
                self.emit(Instr::GetUpval { dst, idx: i });
            }
            Handle::Global(g) => {
                self.emit(Instr::GetGlobal { dst, g });
            }
            Handle::Field(o, f) => {
                self.emit(f.get(dst, o));
            }
            Handle::Index(o, i) => {
                self.emit(Instr::GetIndex { dst, obj: o, index: i });
            }
            Handle::Tuple(o, i) => {
                self.emit(Instr::GetTupleIdx { dst, obj: o, idx: i });
            }
            Handle::Temp => {}
        }
    }

    fn store_handle(&mut self, h: Handle, src: Reg) {
        match h {
            Handle::Reg(r) => {
                if r != src {
                    self.emit(Instr::Move { dst: r, src });
                }
            }
            Handle::Cell(c) => {
                self.emit(Instr::SetCell { cell: c, src });
            }
            Handle::Upval(i) => {
                self.emit(Instr::SetUpval { idx: i, src });
            }
            Handle::Global(g) => {
                self.emit(Instr::SetGlobal { g, src });
            }
            Handle::Field(o, f) => {
                self.emit(f.set(o, src));
            }
            Handle::Index(o, i) => {
                self.emit(Instr::SetIndex { obj: o, index: i, src });
            }
            Handle::Tuple(o, i) => {
                self.emit(Instr::SetTupleIdx { obj: o, idx: i, src });
            }
            Handle::Temp => {}
        }
    }

    /// Evaluates a place expression for mutation: returns a register holding
    /// an unshared object (copied if it was shared, and stored back), plus
    /// the handle to store a replacement into.
    fn place_unique(&mut self, e: &'a Expr) -> (Reg, Handle) {
        let h = match &e.kind {
            E::Local(id) if !self.captured(*id) => {
                let r = self.local_reg[*id as usize];
                self.emit(Instr::MakeUnique { reg: r });
                return (r, Handle::Reg(r));
            }
            E::Local(id) => Handle::Cell(self.local_reg[*id as usize]),
            E::Capture(i) => Handle::Upval(*i as u16),
            E::Global(g) => {
                let t = self.temp();
                self.emit(Instr::GetGlobalMut { dst: t, g: *g });
                return (t, Handle::Global(*g));
            }
            E::Field(obj, name) => {
                let o = self.place_unique(obj).0;
                Handle::Field(o, self.field_ref(&obj.ty, name))
            }
            E::Index(obj, idx) => {
                let o = self.place_unique(obj).0;
                // What runs before the store is not known here: copy the index.
                let i = self.index_operand(idx, None);
                Handle::Index(o, i)
            }
            E::TupleIndex(obj, i) => {
                let o = self.place_unique(obj).0;
                Handle::Tuple(o, *i as u16)
            }
            _ => {
                let t = self.temp();
                self.expr_into(e, t);
                return (t, Handle::Temp);
            }
        };
        let t = self.temp();
        self.load_handle(h, t);
        self.emit(Instr::MakeUnique { reg: t });
        self.store_handle(h, t);
        (t, h)
    }

    // ----- calls --------------------------------------------------------

    fn call(&mut self, callee: &'a Callee, args: &'a [Expr], dst: Reg) {
        match callee {
            Callee::Func(f) => {
                let base = self.args_shared(args);
                self.emit(Instr::Call { dst, base, argc: args.len() as u8, proto: *f as u16 });
            }
            Callee::Builtin(b) => {
                let mut index = builtin_index::of(*b);
                // `println("a {} b", x)`: a literal template (§7, §10).
                if let (hir::Builtin::Println | hir::Builtin::Print, Some(E::Const(Const::Str(t)))) = (b, args.first().map(|a| &a.kind)) {
                    if t.contains("{}") {
                        index = if *b == hir::Builtin::Println { builtin_index::PRINTLN_TEMPLATE } else { builtin_index::PRINT_TEMPLATE };
                    }
                }
                let base = self.temps(args.len());
                for (i, a) in args.iter().enumerate() {
                    self.expr_into(a, base + i as u16);
                }
                self.emit(Instr::CallBuiltin { dst, base, argc: args.len() as u8, builtin: index });
            }
            Callee::Value(f) => {
                let base = self.temp();
                self.expr_into(f, base);
                let abase = self.args_shared(args);
                debug_assert_eq!(abase, base + 1);
                self.emit(Instr::CallValue { dst, base, argc: args.len() as u8 });
            }
        }
    }

    /// `d.get(k).unwrap_or(x)` on a dict: one `DictGetOr` instead of two
    /// method calls and an `Option` allocation; any other receiver runs the
    /// ordinary calls that follow it. Only when `x` is a constant or local
    /// (evaluating it before `get` is unobservable) and no user method is
    /// called `get`/`unwrap_or`. Returns false when it does not apply.
    fn dict_get_or(&mut self, receiver: &'a Expr, method: &str, args: &'a [Expr], dst: Reg) -> bool {
        let E::MethodCall { receiver: dict, method: inner, args: key } = &receiver.kind else { return false };
        let simple = |e: &Expr| matches!(e.kind, E::Const(_)) || matches!(e.kind, E::Local(id) if !self.captured(id));
        let user = &self.methods.user_methods;
        if method != "unwrap_or" || inner != "get" || args.len() != 1 || key.len() != 1 || !simple(&args[0]) || user.contains("get") || user.contains("unwrap_or") || self.long_jumps {
            return false;
        }
        let b = self.temps(3);
        self.expr_into(dict, b);
        self.expr_into_shared(&key[0], b + 1);
        self.expr_into_shared(&args[0], b + 2);
        let fast = self.emit(Instr::DictGetOr { dst, base: b, off: 0 });
        let get = self.pool.str("get") as u16;
        let unwrap_or = self.pool.str("unwrap_or") as u16;
        self.emit(Instr::CallMethod { dst: b, base: b, argc: 1, name: get });
        self.emit(Instr::Move { dst: b + 1, src: b + 2 });
        self.emit(Instr::CallMethod { dst, base: b, argc: 1, name: unwrap_or });
        self.jump_here(fast);
        true
    }

    fn method_call(&mut self, receiver: &'a Expr, method: &str, args: &'a [Expr], dst: Reg) {
        if self.dict_get_or(receiver, method, args, dst) {
            return;
        }
        let target = self.program.method_for(&receiver.ty, method);
        let mutating = match target {
            Some(f) => self.methods.mutates_self[f as usize],
            None => BUILTIN_MUTATORS.contains(&method) || self.methods.user_methods.contains(method),
        };
        let name = self.pool.str(method) as u16;
        // Statically dispatched: the receiver is the callee's register 0,
        // exactly as `CallMethod` arranges it for a user method.
        let call = |dst, base| match target {
            Some(f) => Instr::Call { dst, base, argc: args.len() as u8 + 1, proto: f as u16 },
            None => Instr::CallMethod { dst, base, argc: args.len() as u8, name },
        };
        if mutating && is_place_read(receiver) {
            let (r, h) = self.place_unique(receiver);
            let base = self.temp();
            self.emit(Instr::Move { dst: base, src: r });
            let abase = self.args_shared(args);
            debug_assert_eq!(abase, base + 1);
            self.emit(call(dst, base));
            // The method may have replaced its receiver (copy-on-write).
            match h {
                Handle::Reg(reg) => {
                    self.emit(Instr::Move { dst: reg, src: base });
                }
                h => self.store_handle(h, base),
            }
        } else {
            let base = self.temp();
            self.expr_into(receiver, base);
            if mutating {
                self.emit(Instr::MakeUnique { reg: base });
            }
            self.args_shared(args);
            self.emit(call(dst, base));
        }
    }

    fn struct_lit(&mut self, def: u32, fields: &'a [(u32, Expr)], update: Option<&'a Expr>, dst: Reg) {
        let sd = &self.program.structs[def as usize];
        let n = sd.fields.len();
        // Evaluate given fields in source order into scratch registers, then
        // lay them out in declaration order.
        let scratch = self.temps(fields.len());
        for (i, (_, e)) in fields.iter().enumerate() {
            self.expr_into_shared(e, scratch + i as u16);
        }
        let base_val = update.map(|u| self.expr_shared(u));
        let base = self.temps(n);
        for fi in 0..n {
            let r = base + fi as u16;
            if let Some(pos) = fields.iter().position(|(idx, _)| *idx as usize == fi) {
                self.emit(Instr::Move { dst: r, src: scratch + pos as u16 });
            } else if let Some(b) = base_val {
                let k = self.pool.str(&sd.fields[fi]) as u16;
                self.emit(Instr::GetField { dst: r, obj: b, name: k });
                self.emit(Instr::Share { reg: r });
            } else if let Some(d) = &sd.defaults[fi] {
                self.expr_into(d, r);
            } else {
                self.emit(Instr::LoadNil { dst: r });
            }
        }
        self.emit(Instr::NewStruct { dst, base, def: def as u16 });
    }

    /// `v?`: `None` and `Err(e)` return from the function, `Some(x)` and
    /// `Ok(x)` give `x`, and any other value is passed through unchanged —
    /// so Rust's `s.parse::<i64>()?` works where `parse` gives a plain int
    /// (a failed parse is a run-time error, §6).
    fn question(&mut self, v: &'a Expr, dst: Reg) {
        let s = self.expr_any(v);
        let t = self.temp();
        let test = |this: &mut Self, def: hir::EnumId, variant: u32| {
            this.emit(Instr::IsVariant { dst: t, src: s, def: def as u16, variant: variant as u8 });
            this.emit(Instr::JmpIf { cond: t, off: 0 })
        };
        let early = [test(self, hir::OPTION_ENUM, hir::VARIANT_NONE), test(self, hir::RESULT_ENUM, hir::VARIANT_ERR)];
        let unwrap = [test(self, hir::OPTION_ENUM, hir::VARIANT_SOME), test(self, hir::RESULT_ENUM, hir::VARIANT_OK)];
        if s != dst {
            self.emit(Instr::Move { dst, src: s });
        }
        let plain = self.emit(Instr::Jmp { off: 0 });
        for j in unwrap {
            self.jump_here(j);
        }
        self.emit(Instr::GetPayload { dst, src: s, idx: 0 });
        let done = self.emit(Instr::Jmp { off: 0 });
        for j in early {
            self.jump_here(j);
        }
        self.emit_return(s);
        self.jump_here(plain);
        self.jump_here(done);
    }

    fn emit_return(&mut self, r: Reg) {
        self.unwind_tries(0);
        self.emit(Instr::Return { src: r });
    }

    /// Before leaving try regions by break/continue/return: pop their
    /// handlers and run their `finally` blocks, innermost first.
    fn unwind_tries(&mut self, to_depth: usize) {
        let saved: Vec<(Option<&'a Expr>, bool)> = self.tries[to_depth..].iter().rev().map(|t| (t.finally, t.handler_active)).collect();
        let all = std::mem::take(&mut self.tries);
        let mut remaining = all.len();
        for (fin, active) in saved {
            remaining -= 1;
            if active {
                self.emit(Instr::PopHandler);
            }
            if let Some(f) = fin {
                // The finally block runs outside its own try region.
                self.tries = all[..remaining].iter().map(|t| TryCtx { finally: t.finally, handler_active: t.handler_active }).collect();
                let t = self.temp();
                self.expr_into(f, t);
            }
        }
        self.tries = all;
    }

    // ----- loops --------------------------------------------------------

    fn loop_body(&mut self, body: &'a Expr, _start: usize, result: Option<Reg>) {
        self.body_of_loop(body, result);
        self.jump_back(_start);
    }

    /// Opens a loop context, compiles the body and lands its `continue`s
    /// right after it, where the caller emits the back-edge. The caller
    /// pops the context (`finish_loop`) once the exit is known.
    fn body_of_loop(&mut self, body: &'a Expr, result: Option<Reg>) {
        self.loops.push(LoopCtx { breaks: vec![], continues: vec![], result, try_depth: self.tries.len() });
        let mark = self.next_temp;
        let t = self.temp();
        self.expr_into(body, t);
        self.next_temp = mark;
        let conts = std::mem::take(&mut self.loops.last_mut().unwrap().continues);
        for c in conts {
            self.jump_here(c);
        }
    }

    /// `while a < b { body }` on ints, laid out as
    /// `if !(a < b) goto exit; top: body; cont: LoopIfLtI a b top; exit:` —
    /// one instruction per iteration less than testing at the top and
    /// jumping back. The bottom test is also the loop's GC safepoint.
    fn inverted_while(&mut self, cond: &'a Expr, body: &'a Expr, dst: Reg) {
        let exit = self.cond_jump(cond);
        let top = self.code.len();
        let mark = self.next_temp;
        self.body_of_loop(body, None);
        self.loop_test(cond, top);
        self.next_temp = mark;
        self.jump_here(exit);
        let l = self.loops.pop().unwrap();
        self.finish_loop(l, top);
        self.emit(Instr::LoadNil { dst });
    }

    /// Emits the bottom test of `inverted_while`: jump to `top` when `cond`
    /// (accepted by `int_loop_test`) holds.
    fn loop_test(&mut self, cond: &'a Expr, top: usize) {
        let E::Binary(op, a, b) = &cond.kind else { unreachable!("checked by int_loop_test") };
        let ins = if let Some(k) = small_int(b) {
            let a = self.expr_any(a);
            match op {
                BinOp::Lt => Instr::LoopIfLtIK { a, k, off: 0 },
                BinOp::Le => Instr::LoopIfLeIK { a, k, off: 0 },
                BinOp::Gt => Instr::LoopIfGtIK { a, k, off: 0 },
                _ => Instr::LoopIfGeIK { a, k, off: 0 },
            }
        } else if let Some(k) = small_int(a) {
            // `k < b` is `b > k`, and so on.
            let a = self.expr_any(b);
            match op {
                BinOp::Lt => Instr::LoopIfGtIK { a, k, off: 0 },
                BinOp::Le => Instr::LoopIfGeIK { a, k, off: 0 },
                BinOp::Gt => Instr::LoopIfLtIK { a, k, off: 0 },
                _ => Instr::LoopIfLeIK { a, k, off: 0 },
            }
        } else {
            let (ra, rb) = (self.expr_any(a), self.expr_any(b));
            match op {
                BinOp::Lt => Instr::LoopIfLtI { a: ra, b: rb, off: 0 },
                BinOp::Le => Instr::LoopIfLeI { a: ra, b: rb, off: 0 },
                BinOp::Gt => Instr::LoopIfLtI { a: rb, b: ra, off: 0 },
                _ => Instr::LoopIfLeI { a: rb, b: ra, off: 0 },
            }
        };
        let at = self.emit(ins);
        if !self.code[at].set_jump_target(at, top) {
            self.short_jump_overflow = true;
        }
    }

    fn finish_loop(&mut self, l: LoopCtx, _start: usize) {
        for b in l.breaks {
            self.jump_here(b);
        }
    }

    /// `for x in s..e { body }`: no iterator object, and the counter is the
    /// loop variable's own register when the body never assigns it:
    /// `if !(i < end) goto exit; top: body; cont: ForStepLt i end top; exit:`.
    fn range_loop(&mut self, pat: &'a hir::Pat, s: &'a Expr, e: &'a Expr, inclusive: bool, body: &'a Expr, dst: Reg) {
        let direct = match pat.kind {
            PatKind::Bind(id, None) if !self.captured(id) && !writes_local(body, id) => Some(self.local_reg[id as usize]),
            _ => None,
        };
        let i = direct.unwrap_or_else(|| self.temp());
        let end = self.temp();
        self.expr_into(s, i);
        self.expr_into(e, end);
        let exit = self.emit(if inclusive { Instr::JmpIfNotLe { a: i, b: end, off: 0 } } else { Instr::JmpIfNotLt { a: i, b: end, off: 0 } });
        let top = self.code.len();
        if direct.is_none() {
            self.bind_irrefutable(pat, i);
        }
        self.body_of_loop(body, None);
        let at = self.emit(if inclusive { Instr::ForStepLe { i, end, off: 0 } } else { Instr::ForStepLt { i, end, off: 0 } });
        if !self.code[at].set_jump_target(at, top) {
            self.short_jump_overflow = true;
        }
        self.jump_here(exit);
        let l = self.loops.pop().unwrap();
        self.finish_loop(l, top);
        self.emit(Instr::LoadNil { dst });
    }

    fn for_loop(&mut self, pat: &'a hir::Pat, iter: &'a Expr, body: &'a Expr, dst: Reg) {
        // Counting loop over an integer range: no iterator object.
        if let (E::Range { start: Some(s), end: Some(e), inclusive }, false) = (&iter.kind, self.long_jumps) {
            self.range_loop(pat, s, e, *inclusive, body, dst);
            return;
        }
        if let E::Range { start: Some(s), end: Some(e), inclusive } = &iter.kind {
            let i = self.temp();
            let end = self.temp();
            self.expr_into(s, i);
            self.expr_into(e, end);
            let top = self.code.len();
            let exit = if self.long_jumps {
                let t = self.temp();
                self.emit(if *inclusive { Instr::Le { dst: t, a: i, b: end } } else { Instr::Lt { dst: t, a: i, b: end } });
                self.emit(Instr::JmpIfNot { cond: t, off: 0 })
            } else {
                self.emit(if *inclusive { Instr::JmpIfNotLe { a: i, b: end, off: 0 } } else { Instr::JmpIfNotLt { a: i, b: end, off: 0 } })
            };
            self.bind_irrefutable(pat, i);
            self.body_of_loop(body, None);
            self.emit(Instr::AddIK { dst: i, a: i, k: 1 });
            self.jump_back(top);
            self.jump_here(exit);
            let l = self.loops.pop().unwrap();
            self.finish_loop(l, top);
            self.emit(Instr::LoadNil { dst });
            return;
        }
        let src = self.expr_any(iter);
        let it = self.temps(2);
        self.emit(Instr::IterInit { iter: it, src });
        let top = self.code.len();
        let x = self.temp();
        let next = if self.long_jumps {
            // IterNext's offset is 16 bits: hop over a 32-bit exit jump.
            self.emit(Instr::IterNext { iter: it, dst: x, off: 1 });
            self.emit(Instr::Jmp { off: 1 });
            self.emit(Instr::Jmp { off: 0 })
        } else {
            self.emit(Instr::IterNext { iter: it, dst: x, off: 0 })
        };
        let mut fails = vec![];
        self.pattern(pat, x, &mut fails);
        self.let_fail_on(fails);
        self.loop_body(body, top, None);
        self.jump_here(next);
        let l = self.loops.pop().unwrap();
        self.finish_loop(l, top);
        self.emit(Instr::LoadNil { dst });
    }

    // ----- match and patterns ---------------------------------------------

    fn match_expr(&mut self, scrutinee: &'a Expr, arms: &'a [hir::Arm], exhaustive_error: bool, dst: Reg) {
        let s = self.temp();
        self.expr_into(scrutinee, s);
        let mut ends = vec![];
        for arm in arms {
            let mark = self.next_temp;
            let mut fails = vec![];
            self.pattern(&arm.pat, s, &mut fails);
            if let Some(g) = &arm.guard {
                fails.push(self.cond_jump(g));
            }
            self.expr_into(&arm.body, dst);
            ends.push(self.emit(Instr::Jmp { off: 0 }));
            for f in fails {
                self.jump_here(f);
            }
            self.next_temp = mark;
        }
        if exhaustive_error {
            self.emit(Instr::MatchFail);
        } else {
            self.emit(Instr::LoadNil { dst });
        }
        for e in ends {
            self.jump_here(e);
        }
    }

    /// Emits tests of `pat` against the value in `v`, binding its names.
    /// Every emitted jump in `fails` must be patched to the failure path.
    /// Instructions after it keep the enclosing span: a failed `let` or
    /// `match` reports the statement or expression, as the wasm tier does,
    /// not the last sub-pattern tested.
    fn pattern(&mut self, pat: &'a hir::Pat, v: Reg, fails: &mut Vec<usize>) {
        let saved_span = self.cur_span;
        self.pattern_tests(pat, v, fails);
        self.cur_span = saved_span;
    }

    fn pattern_tests(&mut self, pat: &'a hir::Pat, v: Reg, fails: &mut Vec<usize>) {
        self.cur_span = pat.span.start;
        match &pat.kind {
            PatKind::Wild => {}
            PatKind::Bind(id, sub) => {
                if let Some(sub) = sub {
                    self.pattern(sub, v, fails);
                }
                self.emit(Instr::Share { reg: v });
                self.store_local(*id, v);
            }
            PatKind::Const(c) => {
                let t = self.temp();
                self.konst(c, t);
                self.emit(Instr::Eq { dst: t, a: v, b: t });
                fails.push(self.emit(Instr::JmpIfNot { cond: t, off: 0 }));
            }
            PatKind::Range { lo, hi, inclusive } => {
                let t = self.temp();
                if let Some(lo) = lo {
                    self.konst(lo, t);
                    fails.push(self.emit(Instr::JmpIfNotLe { a: t, b: v, off: 0 }));
                }
                if let Some(hi) = hi {
                    self.konst(hi, t);
                    fails.push(self.emit(if *inclusive { Instr::JmpIfNotLe { a: v, b: t, off: 0 } } else { Instr::JmpIfNotLt { a: v, b: t, off: 0 } }));
                }
            }
            PatKind::Tuple(ps) => {
                let t = self.temp();
                self.emit(Instr::IsTupleLen { dst: t, src: v, n: ps.len() as u16 });
                fails.push(self.emit(Instr::JmpIfNot { cond: t, off: 0 }));
                self.sub_patterns(ps.iter().enumerate().map(|(i, p)| (i as i32, p)), v, fails, false);
            }
            PatKind::Array { before, rest, after } => {
                let t = self.temp();
                let n = (before.len() + after.len()) as u16;
                self.emit(Instr::IsLen { dst: t, src: v, n, at_least: rest.is_some() });
                fails.push(self.emit(Instr::JmpIfNot { cond: t, off: 0 }));
                self.sub_patterns(before.iter().enumerate().map(|(i, p)| (i as i32, p)), v, fails, true);
                let k = after.len() as i32;
                self.sub_patterns(after.iter().enumerate().map(|(i, p)| (i as i32 - k, p)), v, fails, true);
                if let Some(Some(id)) = rest {
                    let r = self.temp();
                    self.emit(Instr::SliceRest { dst: r, src: v, start: before.len() as u8, from_end: after.len() as u8 });
                    self.store_local(*id, r);
                }
            }
            PatKind::Variant { def, variant, args } => {
                let t = self.temp();
                self.emit(Instr::IsVariant { dst: t, src: v, def: *def as u16, variant: *variant as u8 });
                fails.push(self.emit(Instr::JmpIfNot { cond: t, off: 0 }));
                self.sub_patterns(args.iter().enumerate().map(|(i, p)| (i as i32, p)), v, fails, false);
            }
            PatKind::Struct { def, fields } => {
                let t = self.temp();
                self.emit(Instr::IsStruct { dst: t, src: v, def: *def as u16 });
                fails.push(self.emit(Instr::JmpIfNot { cond: t, off: 0 }));
                self.sub_patterns(fields.iter().map(|(i, p)| (*i as i32, p)), v, fails, false);
            }
            PatKind::Or(alts) => {
                let mut oks = vec![];
                for (i, alt) in alts.iter().enumerate() {
                    let mut alt_fails = vec![];
                    self.pattern(alt, v, &mut alt_fails);
                    if i + 1 == alts.len() {
                        fails.extend(alt_fails);
                    } else {
                        oks.push(self.emit(Instr::Jmp { off: 0 }));
                        for f in alt_fails {
                            self.jump_here(f);
                        }
                    }
                }
                for o in oks {
                    self.jump_here(o);
                }
            }
        }
    }

    fn sub_patterns(&mut self, items: impl Iterator<Item = (i32, &'a hir::Pat)>, v: Reg, fails: &mut Vec<usize>, array: bool) {
        for (i, p) in items {
            if matches!(p.kind, PatKind::Wild) {
                continue;
            }
            let t = self.temp();
            if array {
                self.emit(Instr::GetIndexK { dst: t, src: v, idx: i as i16 });
            } else {
                self.emit(Instr::GetPayload { dst: t, src: v, idx: i as u16 });
            }
            self.pattern(p, t, fails);
        }
    }

    // ----- exceptions ---------------------------------------------------

    fn try_expr(&mut self, body: &'a Expr, catch: Option<&'a (hir::Pat, Box<Expr>)>, finally: Option<&'a Expr>, dst: Reg) {
        // Each handler stores the exception in two registers (`Rethrow`).
        let exc = self.temps(2);
        let h = self.emit(Instr::PushHandler { reg: exc, off: 0 });
        self.tries.push(TryCtx { finally, handler_active: true });
        self.expr_into(body, dst);
        self.tries.pop();
        self.emit(Instr::PopHandler);
        let mut to_normal_finally = vec![self.emit(Instr::Jmp { off: 0 })];
        self.jump_here(h);
        let exc2 = self.temps(2);
        if let Some((pat, cbody)) = catch {
            let h2 = finally.map(|_| self.emit(Instr::PushHandler { reg: exc2, off: 0 }));
            self.tries.push(TryCtx { finally, handler_active: h2.is_some() });
            self.bind_irrefutable(pat, exc);
            self.expr_into(cbody, dst);
            self.tries.pop();
            if let Some(h2) = h2 {
                self.emit(Instr::PopHandler);
                to_normal_finally.push(self.emit(Instr::Jmp { off: 0 }));
                self.jump_here(h2);
            } else {
                to_normal_finally.push(self.emit(Instr::Jmp { off: 0 }));
            }
        } else {
            self.emit(Instr::Move { dst: exc2, src: exc });
            self.emit(Instr::Move { dst: exc2 + 1, src: exc + 1 });
        }
        if let Some(f) = finally {
            // Exceptional path: run finally, then re-raise as it came.
            let t = self.temp();
            self.expr_into(f, t);
            self.emit(Instr::Rethrow { src: exc2 });
        }
        for j in to_normal_finally {
            self.jump_here(j);
        }
        if let Some(f) = finally {
            let t = self.temp();
            self.expr_into(f, t);
        }
    }

    // ----- formatting ---------------------------------------------------

    fn fstring(&mut self, parts: &'a [hir::FPart], dst: Reg) {
        let base = self.temps(parts.len());
        for (i, p) in parts.iter().enumerate() {
            let r = base + i as u16;
            match p {
                hir::FPart::Lit(s) => self.konst(&Const::Str(s.clone()), r),
                hir::FPart::Hole { expr, spec } => {
                    let v = self.expr_any(expr);
                    let spec = self.pool.spec(spec);
                    self.emit(Instr::FmtFString { dst: r, src: v, spec });
                }
            }
        }
        self.emit(Instr::Concat { dst, base, count: parts.len() as u16 });
    }

    fn format(&mut self, action: hir::Builtin, segments: &'a [hir::FmtSeg], args: &'a [Expr], dst: Reg) {
        let abase = self.temps(args.len());
        for (i, a) in args.iter().enumerate() {
            self.expr_into(a, abase + i as u16);
        }
        let base = self.temps(segments.len());
        for (i, s) in segments.iter().enumerate() {
            let r = base + i as u16;
            match s {
                hir::FmtSeg::Lit(text) => self.konst(&Const::Str(text.clone()), r),
                hir::FmtSeg::Hole { arg, spec } => {
                    let spec = self.pool.spec(spec);
                    self.emit(Instr::FmtRust { dst: r, src: abase + *arg as u16, spec });
                }
            }
        }
        let s = self.temp();
        self.emit(Instr::Concat { dst: s, base, count: segments.len() as u16 });
        if action == hir::Builtin::FormatFmt {
            self.emit(Instr::Move { dst, src: s });
        } else {
            self.emit(Instr::CallBuiltin { dst, base: s, argc: 1, builtin: builtin_index::of(action) });
        }
    }
}

/// Registers of a function's locals: parameters in `0..n`, then the other
/// locals in order (temporaries come after).
fn assign_registers(f: &hir::Function) -> Vec<Reg> {
    let mut local_reg = vec![u16::MAX; f.locals.len()];
    for (i, &p) in f.params.iter().enumerate() {
        local_reg[p as usize] = i as u16;
    }
    let mut next = f.params.len() as u16;
    for r in local_reg.iter_mut() {
        if *r == u16::MAX {
            *r = next;
            next += 1;
        }
    }
    local_reg
}

/// Closure protos need their capture sources expressed as registers of the
/// creating function; this runs after all functions are compiled.
pub fn resolve_captures(program: &hir::Program, module: &mut Module) {
    let regs: Vec<Vec<Reg>> = program.funcs.iter().map(assign_registers).collect();
    // Which function creates each closure: scan for Closure instructions.
    for (creator, proto) in module.protos.clone().iter().enumerate() {
        for ins in &proto.code {
            if let Instr::Closure { proto: target, .. } = ins {
                let target = *target as usize;
                let caps = &program.funcs[target].captures;
                module.protos[target].captures = caps
                    .iter()
                    .map(|c| match c {
                        hir::Capture::Local(id) => CaptureFrom::Reg(regs[creator][*id as usize]),
                        hir::Capture::Outer(i) => CaptureFrom::Upval(*i as u16),
                    })
                    .collect();
            }
        }
    }
}
