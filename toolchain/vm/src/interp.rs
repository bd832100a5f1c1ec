//! The interpreter: a `match`-dispatched loop over fixed-width register
//! instructions, with its own frame stack (Ruchy recursion never recurses
//! on the native stack, so deep recursion is a clean `Stack overflow`).

use crate::bytecode::*;
use crate::format::{float_short, Formatter, Mode};
use crate::heap::{Heap, Obj};
use crate::value::{ObjRef, Value};
use std::io::Write;

/// Ruchy frames allowed before `Stack overflow` (§10 asks for ≥ 10,000).
pub const MAX_FRAMES: usize = 200_000;
/// Register slots of all frames together (frame offsets are kept in `u32`).
const MAX_STACK_SLOTS: usize = 1 << 26;
/// Nesting of native → Ruchy callbacks (`map`, `sort_by`, …).
const MAX_NATIVE_DEPTH: u32 = 200;

/// Why execution stopped abnormally.
#[derive(Debug, Clone)]
pub enum Fail {
    /// A runtime error with its message (§8) and source offset.
    Error { msg: String, at: Option<u32> },
    /// A `throw`n value that nothing caught.
    Thrown { value: Value, at: Option<u32> },
}

impl Fail {
    pub fn msg(m: impl Into<String>) -> Fail {
        Fail::Error { msg: m.into(), at: None }
    }
}

/// How an exception was raised, as the int a handler stores next to its
/// value: the source offset plus one (0 when unknown) shifted left, and 1
/// in the low bit for a runtime error.
fn raised_how(error: bool, at: Option<u32>) -> Value {
    Value::Int((at.map_or(0, |a| a as i64 + 1) << 1) | error as i64)
}

pub type VmResult<T> = Result<T, Fail>;

/// One activation. Kept to 24 bytes: calls and returns write and read it,
/// and the dispatch loop keeps the running frame's pc and base in locals.
#[derive(Debug, Clone, Copy)]
struct Frame {
    proto: u32,
    /// Resume point while a callee runs (saved before calls and errors).
    pc: u32,
    /// Stack slot of register 0.
    base: u32,
    /// Absolute stack slot receiving the return value.
    ret: u32,
    /// The running closure object, or `NO_CLOSURE` for a plain function.
    closure: ObjRef,
    argc: u8,
    /// `run` returns when this frame returns (entry of a nested run).
    stop: bool,
}

const NO_CLOSURE: ObjRef = ObjRef::MAX;

/// Arguments copied off the register stack for a native callee (which may
/// grow the stack while it runs); up to eight stay off the allocator.
#[derive(Default)]
enum ArgBuf {
    #[default]
    Empty,
    Inline([Value; 8]),
    Heap(Vec<Value>),
}

impl ArgBuf {
    fn copy_from(&mut self, src: &[Value]) -> &[Value] {
        if src.len() <= 8 {
            let mut a = [Value::Nil; 8];
            a[..src.len()].copy_from_slice(src);
            *self = ArgBuf::Inline(a);
            match self {
                ArgBuf::Inline(a) => &a[..src.len()],
                _ => unreachable!(),
            }
        } else {
            *self = ArgBuf::Heap(src.to_vec());
            match self {
                ArgBuf::Heap(v) => v,
                _ => unreachable!(),
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Handler {
    frame: usize,
    pc: usize,
    reg: usize,
}

pub struct Vm<'m> {
    pub module: &'m Module,
    pub heap: Heap,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    pub globals: Vec<Value>,
    consts: Vec<Value>,
    handlers: Vec<Handler>,
    /// Values native code holds while it calls back into Ruchy code.
    pub temp_roots: Vec<Value>,
    pub out: Box<dyn Write + 'm>,
    native_depth: u32,
    /// Pattern/call-site method-name cache: const index → string.
    pub(crate) rng_state: u64,
    /// Per constant: the intrinsic a method call with that name may take.
    intrinsics: Vec<Intrinsic>,
    /// One shared object per unit enum variant (`None`, `Color::Red`):
    /// they are immutable, so every use can share it instead of allocating.
    unit_variants: Vec<Vec<Option<Value>>>,
}

/// Method names with an inline fast path in `CallMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intrinsic {
    None,
    Sqrt,
    Abs,
    Floor,
    Ceil,
    Round,
    Sin,
    Cos,
    Len,
    ToString,
    Push,
    ContainsKey,
}

impl Intrinsic {
    fn of(c: &Constant) -> Intrinsic {
        match c {
            Constant::Str(s) => match s.as_str() {
                "sqrt" => Intrinsic::Sqrt,
                "abs" => Intrinsic::Abs,
                "floor" => Intrinsic::Floor,
                "ceil" => Intrinsic::Ceil,
                "round" => Intrinsic::Round,
                "sin" => Intrinsic::Sin,
                "cos" => Intrinsic::Cos,
                "len" => Intrinsic::Len,
                "to_string" => Intrinsic::ToString,
                "push" => Intrinsic::Push,
                "contains_key" => Intrinsic::ContainsKey,
                _ => Intrinsic::None,
            },
            _ => Intrinsic::None,
        }
    }
}

/// Copies stack slot `from` to stack slot `to` with `value::copy_value`
/// (tag byte and payload word separately: see there why). Both slots must be
/// in bounds — registers of a live frame, as the verifier guarantees.
macro_rules! copy_slot {
    ($vm:expr, $from:expr, $to:expr) => {{
        let p = $vm.stack.as_mut_ptr();
        // SAFETY: both slots are in bounds (the caller's contract).
        unsafe { crate::value::copy_value(p.add($from), p.add($to)) }
    }};
}

/// Register `r` of the frame at `base`, without a bounds check.
///
/// Sound because `verify::check_module` proves every register operand of
/// every instruction is below its proto's `frame_size`, and `push_frame`
/// makes `stack.len() > base + frame_size` before a frame runs.
macro_rules! reg {
    ($vm:expr, $base:expr, $r:expr) => {
        (*unsafe { $vm.stack.get_unchecked_mut($base + $r as usize) })
    };
}

/// A shared reference to register `r` (same soundness argument as `reg!`).
macro_rules! rref {
    ($vm:expr, $base:expr, $r:expr) => {
        unsafe { $vm.stack.get_unchecked($base + $r as usize) }
    };
}


impl<'m> Vm<'m> {
    /// Panics if `module` fails the bytecode verifier: that is a compiler
    /// bug, and running such code would not be memory-safe.
    pub fn new(module: &'m Module, out: Box<dyn Write + 'm>) -> Vm<'m> {
        if let Err(e) = crate::verify::check_module(module) {
            panic!("internal compiler error: {e}");
        }
        let mut heap = Heap::new();
        let consts = module
            .consts
            .iter()
            .map(|c| match c {
                Constant::Int(n) => Value::Int(*n),
                Constant::Float(f) => Value::Float(*f),
                Constant::Str(s) => {
                    let v = heap.str(s.clone());
                    // Constants are shared by every use: never mutate them in place.
                    heap.share(v);
                    v
                }
            })
            .collect();
        Vm {
            module,
            heap,
            stack: vec![Value::Nil; 1024],
            frames: Vec::with_capacity(256),
            globals: vec![Value::Nil; module.globals.len()],
            consts,
            handlers: vec![],
            temp_roots: vec![],
            out,
            native_depth: 0,
            rng_state: 0x2545_F491_4F6C_DD1D,
            intrinsics: module.consts.iter().map(Intrinsic::of).collect(),
            unit_variants: module.enums.iter().map(|e| vec![None; e.variants.len()]).collect(),
        }
    }

    pub fn fmt(&self) -> Formatter<'_> {
        Formatter { heap: &self.heap, module: self.module }
    }

    /// Runs the program's top-level code (and `main`).
    pub fn run_main(&mut self) -> VmResult<()> {
        let entry = self.module.entry;
        self.push_frame(entry, 0, 0, Value::Nil, 0, true)?;
        let r = self.run();
        let _ = self.out.flush();
        r.map(|_| ())
    }

    /// Source offset of the instruction being executed in the top frame.
    pub fn current_offset(&self) -> Option<u32> {
        let f = self.frames.last()?;
        self.module.protos[f.proto as usize].spans.get((f.pc as usize).saturating_sub(1)).copied()
    }

    #[inline]
    fn push_frame(&mut self, proto: u32, base: usize, ret: usize, closure: Value, argc: u8, stop: bool) -> VmResult<()> {
        if self.frames.len() >= MAX_FRAMES {
            return Err(Fail::msg("Stack overflow"));
        }
        let p = &self.module.protos[proto as usize];
        // `required` and `params` both count `self` for methods.
        if (argc as u16) < p.required || argc as u16 > p.params {
            let explicit = u16::from(p.has_self);
            return Err(Fail::msg(format!(
                "Function expects {}-{} arguments, got {}",
                p.required.saturating_sub(explicit),
                p.params - explicit,
                (argc as u16).saturating_sub(explicit)
            )));
        }
        let need = base + p.frame_size as usize + 1;
        if self.stack.len() < need {
            if need > MAX_STACK_SLOTS {
                return Err(Fail::msg("Stack overflow"));
            }
            let new_len = (need * 2).clamp(1024, MAX_STACK_SLOTS);
            self.stack.resize(new_len, Value::Nil);
        }
        if p.clear_regs {
            self.stack[base + argc as usize..base + p.frame_size as usize].fill(Value::Nil);
        }
        let closure = match closure {
            Value::Obj(r) => r,
            _ => NO_CLOSURE,
        };
        self.frames.push(Frame { proto, pc: 0, base: base as u32, ret: ret as u32, closure, argc, stop });
        Ok(())
    }

    /// Calls a callable value from native code and returns its result.
    pub fn call_value(&mut self, f: Value, args: &[Value]) -> VmResult<Value> {
        if self.native_depth >= MAX_NATIVE_DEPTH {
            return Err(Fail::msg("Stack overflow"));
        }
        let top = self.stack_top();
        let need = top + args.len() + 2;
        if self.stack.len() < need {
            self.stack.resize(need * 2, Value::Nil);
        }
        self.stack[top] = f;
        for (i, a) in args.iter().enumerate() {
            self.stack[top + 1 + i] = *a;
        }
        match self.prepare_call_value(top, args.len() as u8, top, true)? {
            Some(v) => Ok(v),
            None => {
                self.native_depth += 1;
                let r = self.run();
                self.native_depth -= 1;
                r
            }
        }
    }

    fn stack_top(&self) -> usize {
        match self.frames.last() {
            Some(f) => f.base as usize + self.module.protos[f.proto as usize].frame_size as usize + 1,
            None => 0,
        }
    }

    /// Sets up a call of the value in `slot` with `argc` arguments after it.
    /// Returns `Some(result)` when the callee was native (already done).
    fn prepare_call_value(&mut self, slot: usize, argc: u8, ret: usize, stop: bool) -> VmResult<Option<Value>> {
        let f = self.stack[slot];
        match f {
            Value::Func(p) => {
                self.push_frame(p, slot + 1, ret, Value::Nil, argc, stop)?;
                Ok(None)
            }
            Value::Obj(r) => match self.heap.get(r) {
                Obj::Closure { proto, .. } => {
                    let p = *proto;
                    self.push_frame(p, slot + 1, ret, f, argc, stop)?;
                    Ok(None)
                }
                _ => Err(Fail::msg(format!("Type error: Cannot call non-function value: {}", self.type_name(f)))),
            },
            Value::Ctor(def, variant) => {
                let payload = self.stack[slot + 1..slot + 1 + argc as usize].to_vec();
                Ok(Some(self.heap.alloc(Obj::Enum { def, variant, payload })))
            }
            Value::Builtin(b) => {
                let args = self.stack[slot + 1..slot + 1 + argc as usize].to_vec();
                crate::builtins::call_builtin(self, b, &args).map(Some)
            }
            _ => Err(Fail::msg(format!("Type error: Cannot call non-function value: {}", self.type_name(f)))),
        }
    }

    pub fn type_name(&self, v: Value) -> &'static str {
        match v {
            Value::Nil => "nil",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Func(_) | Value::Ctor(..) | Value::Builtin(_) => "function",
            Value::Obj(r) => match self.heap.get(r) {
                Obj::Str(_) => "string",
                Obj::Array(_) => "array",
                Obj::Tuple(_) => "tuple",
                Obj::Dict(_) => "object",
                Obj::Struct { .. } => "struct",
                Obj::Enum { .. } => "enum_variant",
                Obj::Closure { .. } => "function",
                Obj::Range { .. } => "range",
                Obj::Cell(_) | Obj::Iter { .. } | Obj::Free => "internal",
            },
        }
    }

    fn maybe_collect(&mut self) {
        if self.heap.should_collect() {
            self.collect_garbage();
        }
    }

    pub fn collect_garbage(&mut self) {
        let top = self.stack_top();
        let frames_closures: Vec<Value> = self.frames.iter().filter(|f| f.closure != NO_CLOSURE).map(|f| Value::Obj(f.closure)).collect();
        let roots = self.stack[..top.min(self.stack.len())]
            .iter()
            .chain(self.globals.iter())
            .chain(self.consts.iter())
            .chain(self.temp_roots.iter())
            .chain(self.unit_variants.iter().flatten().flatten())
            .chain(frames_closures.iter());
        self.heap.collect(roots);
    }

    pub fn str_of(&self, v: Value) -> Option<&str> {
        match v {
            Value::Obj(r) => match self.heap.get(r) {
                Obj::Str(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    // ----- error handling -----------------------------------------------

    /// Routes a failure to the innermost handler of this `run` invocation.
    /// Returns Err when no handler in range catches it.
    fn throw(&mut self, fail: Fail, floor: usize) -> VmResult<()> {
        let fail = match fail {
            Fail::Error { msg, at: None } => Fail::Error { msg, at: self.current_offset() },
            Fail::Thrown { value, at: None } => Fail::Thrown { value, at: self.current_offset() },
            f => f,
        };
        let Some(h) = self.handlers.last().copied() else { return Err(fail) };
        if h.frame < floor {
            return Err(fail);
        }
        self.handlers.pop();
        self.frames.truncate(h.frame + 1);
        let (value, how) = match fail {
            Fail::Thrown { value, at } => (value, raised_how(false, at)),
            Fail::Error { msg, at } => (self.heap.str(msg), raised_how(true, at)),
        };
        self.stack[h.reg] = value;
        self.stack[h.reg + 1] = how;
        self.frames.last_mut().unwrap().pc = h.pc as u32;
        Ok(())
    }

    /// The failure a handler's `(value, how)` pair describes (see
    /// [`raised_how`]).
    fn reraised(&self, value: Value, how: Value) -> Fail {
        let Value::Int(how) = how else { unreachable!("a handler stores how an exception was raised as an int") };
        let at = (how >> 1 > 0).then(|| ((how >> 1) - 1) as u32);
        if how & 1 == 1 {
            Fail::Error { msg: self.str_of(value).unwrap_or_default().to_string(), at }
        } else {
            Fail::Thrown { value, at }
        }
    }

    // ----- the dispatch loop ------------------------------------------------

    /// Executes until the frame marked `stop` returns.
    fn run(&mut self) -> VmResult<Value> {
        let floor = self.frames.len() - 1;
        loop {
            match self.run_inner() {
                Ok(v) => return Ok(v),
                Err(fail) => {
                    // Drop handlers that belong to frames that are gone.
                    self.throw(fail, floor)?;
                }
            }
        }
    }

    #[allow(clippy::cognitive_complexity)]
    fn run_inner(&mut self) -> VmResult<Value> {
        let module = self.module;
        let top = *self.frames.last().unwrap();
        let mut code: &[Instr] = &module.protos[top.proto as usize].code;
        let mut base = top.base as usize;
        let mut pc = top.pc as usize;
        macro_rules! save_pc {
            () => {
                self.frames.last_mut().unwrap().pc = pc as u32;
            };
        }
        // The running frame's fields that are not kept in locals.
        macro_rules! frame {
            () => {
                self.frames.last().unwrap()
            };
        }
        macro_rules! tryv {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => {
                        save_pc!();
                        return Err(e);
                    }
                }
            };
        }
        // `dst = a OP b` with int and float fast paths. Results are written
        // straight into the register in each arm: building a `Value` (or a
        // `Result<Value>`) in a temporary and copying it as a whole makes the
        // copy's 16-byte load wait on the temporary's partial stores.
        macro_rules! arith {
            ($dst:expr, $a:expr, $b:expr, $checked:ident, $fop:tt, $overflow:expr, |$x:ident, $y:ident| $slow:expr) => {
                match (rref!(self, base, $a), rref!(self, base, $b)) {
                    (Value::Int(x), Value::Int(y)) => match x.$checked(*y) {
                        Some(r) => reg!(self, base, $dst) = Value::Int(r),
                        None => tryv!(Err(Fail::msg($overflow))),
                    },
                    (Value::Float(x), Value::Float(y)) => {
                        let r = *x $fop *y;
                        reg!(self, base, $dst) = Value::Float(r);
                    }
                    // Mixed numbers compute in floats, as `ops::arith` does.
                    (Value::Int(x), Value::Float(y)) => {
                        let r = *x as f64 $fop *y;
                        reg!(self, base, $dst) = Value::Float(r);
                    }
                    (Value::Float(x), Value::Int(y)) => {
                        let r = *x $fop *y as f64;
                        reg!(self, base, $dst) = Value::Float(r);
                    }
                    _ => {
                        let ($x, $y) = (reg!(self, base, $a), reg!(self, base, $b));
                        let v = tryv!($slow);
                        reg!(self, base, $dst) = v;
                    }
                }
            };
        }
        // A GC safepoint (loop back-edges): every live value is in a register.
        macro_rules! safepoint {
            () => {
                if self.heap.should_collect() {
                    save_pc!();
                    self.collect_garbage();
                }
            };
        }
        // `ra < rb` (`<=` unless strict) for the loop tests: ints inline,
        // anything else through `ops::compare`.
        macro_rules! less {
            ($a:expr, $b:expr, $strict:expr) => {
                match (rref!(self, base, $a), rref!(self, base, $b)) {
                    (Value::Int(x), Value::Int(y)) => if $strict { x < y } else { x <= y },
                    (x, y) => {
                        let (x, y) = (*x, *y);
                        tryv!(self.less(x, y, $strict))
                    }
                }
            };
        }
        // Switches the locals to the frame now on top (after a call or return).
        macro_rules! reload {
            () => {
                let f = self.frames.last().unwrap();
                code = &module.protos[f.proto as usize].code;
                base = f.base as usize;
                pc = f.pc as usize;
            };
        }
        loop {
            // In bounds: the verifier proves every jump target is inside the code
            // and that the code ends in an instruction that does not fall through.
            let ins = *unsafe { code.get_unchecked(pc) };
            pc += 1;
            match ins {
                Instr::Nop => {}
                // Both slots are inside the frame (verifier), as `copy_slot!` needs.
                Instr::Move { dst, src } => copy_slot!(self, base + src as usize, base + dst as usize),
                Instr::LoadK { dst, k } => reg!(self, base, dst) = self.consts[k as usize],
                Instr::LoadInt { dst, v } => reg!(self, base, dst) = Value::Int(v as i64),
                Instr::LoadNil { dst } => reg!(self, base, dst) = Value::Nil,
                Instr::LoadBool { dst, v } => reg!(self, base, dst) = Value::Bool(v),
                Instr::GetGlobal { dst, g } => reg!(self, base, dst) = self.globals[g as usize],
                Instr::SetGlobal { g, src } => self.globals[g as usize] = reg!(self, base, src),
                Instr::GetGlobalIndex { dst, g, index } => {
                    let array = &self.globals[g as usize];
                    match self.heap.array_elem(array, rref!(self, base, index)) {
                        // SAFETY: `dst` is a register of this frame (verifier).
                        Some(v) => unsafe { crate::value::copy_value(v, self.stack.as_mut_ptr().add(base + dst as usize)) },
                        None => {
                            let (o, i) = (self.globals[g as usize], reg!(self, base, index));
                            let v = tryv!(crate::ops::get_index(self, o, i));
                            reg!(self, base, dst) = v;
                        }
                    }
                }
                Instr::SetGlobalIndex { g, index, src } => {
                    let mut array = self.globals[g as usize];
                    if matches!(array, Value::Obj(r) if self.heap.is_shared(r)) {
                        array = self.heap.make_unique(array);
                        self.globals[g as usize] = array;
                    }
                    let from: *const Value = rref!(self, base, src);
                    match self.heap.array_elem_mut(&array, rref!(self, base, index)) {
                        // SAFETY: `from` is a register; the heap is not the stack.
                        Some(slot) => unsafe { crate::value::copy_value(from, slot) },
                        None => {
                            let (i, v) = (reg!(self, base, index), reg!(self, base, src));
                            tryv!(crate::ops::set_index(self, array, i, v));
                        }
                    }
                }
                Instr::GetGlobalMut { dst, g } => {
                    let mut v = self.globals[g as usize];
                    if matches!(v, Value::Obj(r) if self.heap.is_shared(r)) {
                        v = self.heap.make_unique(v);
                        self.globals[g as usize] = v;
                    }
                    reg!(self, base, dst) = v;
                }
                Instr::GetUpval { dst, idx } => {
                    let cell = self.upval_cell(frame!().closure, idx);
                    reg!(self, base, dst) = match self.heap.get(cell) {
                        Obj::Cell(v) => *v,
                        _ => Value::Nil,
                    };
                }
                Instr::SetUpval { idx, src } => {
                    let cell = self.upval_cell(frame!().closure, idx);
                    *self.heap.get_mut(cell) = Obj::Cell(reg!(self, base, src));
                }
                Instr::NewCell { dst, src } => {
                    let v = reg!(self, base, src);
                    reg!(self, base, dst) = self.heap.alloc(Obj::Cell(v));
                }
                Instr::GetCell { dst, cell } => {
                    if let Value::Obj(c) = reg!(self, base, cell) {
                        if let Obj::Cell(v) = self.heap.get(c) {
                            reg!(self, base, dst) = *v;
                        }
                    }
                }
                Instr::SetCell { cell, src } => {
                    if let Value::Obj(c) = reg!(self, base, cell) {
                        let v = reg!(self, base, src);
                        *self.heap.get_mut(c) = Obj::Cell(v);
                    }
                }
                Instr::Share { reg } => {
                    let v = reg!(self, base, reg);
                    self.heap.share(v);
                }
                Instr::MakeUnique { reg } => {
                    // Only a shared object needs work (a copy).
                    if let Value::Obj(r) = *rref!(self, base, reg) {
                        if self.heap.is_shared(r) {
                            let v = reg!(self, base, reg);
                            reg!(self, base, reg) = self.heap.make_unique(v);
                        }
                    }
                }
                Instr::AddI { dst, a, b } | Instr::Add { dst, a, b } | Instr::AddF { dst, a, b } => {
                    arith!(dst, a, b, checked_add, +, "Runtime error: Integer overflow in addition", |x, y| crate::ops::add(self, x, y));
                }
                Instr::SubI { dst, a, b } | Instr::Sub { dst, a, b } | Instr::SubF { dst, a, b } => {
                    arith!(dst, a, b, checked_sub, -, "Runtime error: Integer overflow in subtraction", |x, y| crate::ops::arith(
                        self,
                        crate::ops::Arith::Sub,
                        x,
                        y
                    ));
                }
                Instr::MulI { dst, a, b } | Instr::Mul { dst, a, b } | Instr::MulF { dst, a, b } => {
                    arith!(dst, a, b, checked_mul, *, "Runtime error: Integer overflow in multiplication", |x, y| crate::ops::mul(self, x, y));
                }
                Instr::AddIK { dst, a, k } => match *rref!(self, base, a) {
                    Value::Int(x) => match x.checked_add(k as i64) {
                        Some(r) => reg!(self, base, dst) = Value::Int(r),
                        None => tryv!(Err(Fail::msg(if k < 0 {
                            "Runtime error: Integer overflow in subtraction"
                        } else {
                            "Runtime error: Integer overflow in addition"
                        }))),
                    },
                    Value::Float(f) => reg!(self, base, dst) = Value::Float(f + k as f64),
                    x => {
                        let v = tryv!(crate::ops::add(self, x, Value::Int(k as i64)));
                        reg!(self, base, dst) = v;
                    }
                },
                Instr::MulIK { dst, a, k } => match *rref!(self, base, a) {
                    Value::Int(x) => match x.checked_mul(k as i64) {
                        Some(r) => reg!(self, base, dst) = Value::Int(r),
                        None => tryv!(Err(Fail::msg("Runtime error: Integer overflow in multiplication"))),
                    },
                    Value::Float(f) => reg!(self, base, dst) = Value::Float(f * k as f64),
                    x => {
                        let v = tryv!(crate::ops::mul(self, x, Value::Int(k as i64)));
                        reg!(self, base, dst) = v;
                    }
                },
                Instr::DivF { dst, a, b } | Instr::Div { dst, a, b } => match (rref!(self, base, a), rref!(self, base, b)) {
                    (Value::Float(x), Value::Float(y)) => reg!(self, base, dst) = Value::Float(*x / *y),
                    // Zero and -1 divisors (division by zero, MIN / -1) take the generic path.
                    (Value::Int(x), Value::Int(y)) if *y != 0 && *y != -1 => reg!(self, base, dst) = Value::Int(*x / *y),
                    (x, y) => {
                        let (x, y) = (*x, *y);
                        let v = tryv!(crate::ops::arith(self, crate::ops::Arith::Div, x, y));
                        reg!(self, base, dst) = v;
                    }
                },
                Instr::DivIK { dst, a, k } => match *rref!(self, base, a) {
                    // k is neither 0 nor -1: no trap, no overflow.
                    Value::Int(x) => reg!(self, base, dst) = Value::Int(x / k as i64),
                    x => {
                        let v = tryv!(crate::ops::arith(self, crate::ops::Arith::Div, x, Value::Int(k as i64)));
                        reg!(self, base, dst) = v;
                    }
                },
                Instr::Rem { dst, a, b } => match (rref!(self, base, a), rref!(self, base, b)) {
                    (Value::Int(x), Value::Int(y)) if *y != 0 => reg!(self, base, dst) = Value::Int(x.wrapping_rem(*y)),
                    (x, y) => {
                        let (x, y) = (*x, *y);
                        let v = tryv!(crate::ops::arith(self, crate::ops::Arith::Rem, x, y));
                        reg!(self, base, dst) = v;
                    }
                },
                Instr::RemIK { dst, a, k } => match *rref!(self, base, a) {
                    // k != 0; wrapping_rem also covers i64::MIN % -1.
                    Value::Int(x) => reg!(self, base, dst) = Value::Int(x.wrapping_rem(k as i64)),
                    x => {
                        let v = tryv!(crate::ops::arith(self, crate::ops::Arith::Rem, x, Value::Int(k as i64)));
                        reg!(self, base, dst) = v;
                    }
                },
                Instr::Pow { dst, a, b } => {
                    let (x, y) = (reg!(self, base, a), reg!(self, base, b));
                    reg!(self, base, dst) = tryv!(crate::ops::pow(self, x, y));
                }
                Instr::EqI { dst, a, b } | Instr::Eq { dst, a, b } => {
                    let (rx, ry) = (rref!(self, base, a), rref!(self, base, b));
                    reg!(self, base, dst) = Value::Bool(match (rx, ry) {
                        (Value::Int(x), Value::Int(y)) => x == y,
                        _ => {
                            let (x, y) = (*rx, *ry);
                            crate::ops::equal(&self.heap, x, y)
                        }
                    });
                }
                Instr::Ne { dst, a, b } => {
                    let (x, y) = (reg!(self, base, a), reg!(self, base, b));
                    reg!(self, base, dst) = Value::Bool(!crate::ops::equal(&self.heap, x, y));
                }
                Instr::LtI { dst, a, b } | Instr::Lt { dst, a, b } => {
                    let (rx, ry) = (rref!(self, base, a), rref!(self, base, b));
                    reg!(self, base, dst) = Value::Bool(match (rx, ry) {
                        (Value::Int(x), Value::Int(y)) => x < y,
                        _ => {
                            let (x, y) = (*rx, *ry);
                            tryv!(crate::ops::compare(self, x, y)) == Some(std::cmp::Ordering::Less)
                        }
                    });
                }
                Instr::LeI { dst, a, b } | Instr::Le { dst, a, b } => {
                    let (rx, ry) = (rref!(self, base, a), rref!(self, base, b));
                    reg!(self, base, dst) = Value::Bool(match (rx, ry) {
                        (Value::Int(x), Value::Int(y)) => x <= y,
                        _ => {
                            let (x, y) = (*rx, *ry);
                            matches!(tryv!(crate::ops::compare(self, x, y)), Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal))
                        }
                    });
                }
                Instr::Gt { dst, a, b } => {
                    let (x, y) = (reg!(self, base, a), reg!(self, base, b));
                    reg!(self, base, dst) = Value::Bool(tryv!(crate::ops::compare(self, x, y)) == Some(std::cmp::Ordering::Greater));
                }
                Instr::Ge { dst, a, b } => {
                    let (x, y) = (reg!(self, base, a), reg!(self, base, b));
                    reg!(self, base, dst) =
                        Value::Bool(matches!(tryv!(crate::ops::compare(self, x, y)), Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)));
                }
                Instr::BitXor { dst, a, b } => {
                    let (rx, ry) = (rref!(self, base, a), rref!(self, base, b));
                    reg!(self, base, dst) = match (rx, ry) {
                        (Value::Int(x), Value::Int(y)) => Value::Int(x ^ y),
                        _ => {
                            let (x, y) = (*rx, *ry);
                            tryv!(crate::ops::bitwise(self, ins, x, y))
                        }
                    };
                }
                Instr::BitAnd { dst, a, b } => {
                    let (rx, ry) = (rref!(self, base, a), rref!(self, base, b));
                    reg!(self, base, dst) = match (rx, ry) {
                        (Value::Int(x), Value::Int(y)) => Value::Int(x & y),
                        _ => {
                            let (x, y) = (*rx, *ry);
                            tryv!(crate::ops::bitwise(self, ins, x, y))
                        }
                    };
                }
                Instr::BitOr { dst, a, b } | Instr::Shl { dst, a, b } | Instr::Shr { dst, a, b } => {
                    let (x, y) = (reg!(self, base, a), reg!(self, base, b));
                    reg!(self, base, dst) = tryv!(crate::ops::bitwise(self, ins, x, y));
                }
                Instr::Neg { dst, src } => {
                    let x = reg!(self, base, src);
                    reg!(self, base, dst) = match rref!(self, base, src) {
                        Value::Int(n) => match n.checked_neg() {
                            Some(r) => Value::Int(r),
                            None => tryv!(Err(Fail::msg("Runtime error: Integer overflow in negation"))),
                        },
                        Value::Float(f) => Value::Float(-f),
                        _ => tryv!(Err(Fail::msg(format!("Type error: Cannot negate {}", self.type_name(x))))),
                    };
                }
                Instr::Not { dst, src } => {
                    let x = reg!(self, base, src);
                    reg!(self, base, dst) = Value::Bool(!x.truthy());
                }
                Instr::BitNot { dst, src } => {
                    let x = reg!(self, base, src);
                    reg!(self, base, dst) = match rref!(self, base, src) {
                        Value::Int(n) => Value::Int(!n),
                        _ => tryv!(Err(Fail::msg(format!("Type error: Cannot apply ~ to {}", self.type_name(x))))),
                    };
                }
                // `+=` on a target that may be a string: numbers (a dynamic
                // accumulator) still take the inline paths of `Add`.
                Instr::AppendStr { dst, src } => arith!(dst, dst, src, checked_add, +, "Runtime error: Integer overflow in addition", |x, y| {
                    crate::ops::append_in_place(self, x, y)
                }),
                Instr::Jmp { off } => pc = (pc as i64 + off as i64) as usize,
                Instr::JmpIf { cond, off } => {
                    if rref!(self, base, cond).truthy() {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNot { cond, off } => {
                    if !rref!(self, base, cond).truthy() {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNil { src, off } => {
                    if matches!(rref!(self, base, src), Value::Nil) {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNotLt { a, b, off } | Instr::JmpIfNotLtI { a, b, off } => {
                    let lt = match (rref!(self, base, a), rref!(self, base, b)) {
                        (Value::Int(x), Value::Int(y)) => x < y,
                        (Value::Float(x), Value::Float(y)) => x < y,
                        (x, y) => {
                            let (x, y) = (*x, *y);
                            tryv!(crate::ops::compare(self, x, y)) == Some(std::cmp::Ordering::Less)
                        }
                    };
                    if !lt {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNotLe { a, b, off } | Instr::JmpIfNotLeI { a, b, off } => {
                    let le = match (rref!(self, base, a), rref!(self, base, b)) {
                        (Value::Int(x), Value::Int(y)) => x <= y,
                        (Value::Float(x), Value::Float(y)) => x <= y,
                        (x, y) => {
                            let (x, y) = (*x, *y);
                            matches!(tryv!(crate::ops::compare(self, x, y)), Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal))
                        }
                    };
                    if !le {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpBack { off } => {
                    safepoint!();
                    pc = (pc as i64 + off as i64) as usize;
                }
                Instr::DictGetOr { dst, base: b, off } => {
                    if let Value::Obj(r) = *rref!(self, base, b) {
                        if matches!(self.heap.get(r), Obj::Dict(_)) {
                            let key = reg!(self, base, b + 1);
                            match tryv!(crate::ops::dict_lookup(self, r, key)) {
                                Some(v) => {
                                    // As `get` does for the value it wraps in `Some`.
                                    self.heap.share(v);
                                    reg!(self, base, dst) = v;
                                }
                                None => reg!(self, base, dst) = reg!(self, base, b + 2),
                            }
                            pc = (pc as i64 + off as i64) as usize;
                        }
                    }
                }
                Instr::LoopIfLtI { a, b, off } | Instr::LoopIfLeI { a, b, off } => {
                    safepoint!();
                    let strict = matches!(ins, Instr::LoopIfLtI { .. });
                    let holds = less!(a, b, strict);
                    if holds {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::LoopIfLtIK { a, k, off } | Instr::LoopIfLeIK { a, k, off } | Instr::LoopIfGtIK { a, k, off } | Instr::LoopIfGeIK { a, k, off } => {
                    safepoint!();
                    let ord = match rref!(self, base, a) {
                        Value::Int(x) => Some(x.cmp(&(k as i64))),
                        &x => tryv!(crate::ops::compare(self, x, Value::Int(k as i64))),
                    };
                    use std::cmp::Ordering::*;
                    let holds = match ins {
                        Instr::LoopIfLtIK { .. } => ord == Some(Less),
                        Instr::LoopIfLeIK { .. } => matches!(ord, Some(Less | Equal)),
                        Instr::LoopIfGtIK { .. } => ord == Some(Greater),
                        _ => matches!(ord, Some(Greater | Equal)),
                    };
                    if holds {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::ForStepLt { i, end, off } | Instr::ForStepLe { i, end, off } => {
                    let strict = matches!(ins, Instr::ForStepLt { .. });
                    let next = match rref!(self, base, i) {
                        Value::Int(x) => match x.checked_add(1) {
                            Some(n) => Value::Int(n),
                            None => tryv!(Err(Fail::msg("Runtime error: Integer overflow in addition"))),
                        },
                        &x => tryv!(crate::ops::add(self, x, Value::Int(1))),
                    };
                    reg!(self, base, i) = next;
                    safepoint!();
                    let holds = less!(i, end, strict);
                    if holds {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNotNil { src, off } => {
                    if !matches!(rref!(self, base, src), Value::Nil) {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNotLtIK { a, k, off } => {
                    let holds = match rref!(self, base, a) {
                        Value::Int(x) => *x < k as i64,
                        &x => tryv!(crate::ops::compare(self, x, Value::Int(k as i64))) == Some(std::cmp::Ordering::Less),
                    };
                    if !holds {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNotLeIK { a, k, off } => {
                    let holds = match rref!(self, base, a) {
                        Value::Int(x) => *x <= k as i64,
                        &x => matches!(
                            tryv!(crate::ops::compare(self, x, Value::Int(k as i64))),
                            Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                        ),
                    };
                    if !holds {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNotGtIK { a, k, off } => {
                    let holds = match rref!(self, base, a) {
                        Value::Int(x) => *x > k as i64,
                        &x => tryv!(crate::ops::compare(self, x, Value::Int(k as i64))) == Some(std::cmp::Ordering::Greater),
                    };
                    if !holds {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNotGeIK { a, k, off } => {
                    let holds = match rref!(self, base, a) {
                        Value::Int(x) => *x >= k as i64,
                        &x => matches!(
                            tryv!(crate::ops::compare(self, x, Value::Int(k as i64))),
                            Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                        ),
                    };
                    if !holds {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNotEqIK { a, k, off } | Instr::JmpIfEqIK { a, k, off } => {
                    let eq = match rref!(self, base, a) {
                        Value::Int(x) => *x == k as i64,
                        &x => crate::ops::equal(&self.heap, x, Value::Int(k as i64)),
                    };
                    if eq == matches!(ins, Instr::JmpIfEqIK { .. }) {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfNotEq { a, b, off } | Instr::JmpIfEq { a, b, off } => {
                    let (rx, ry) = (rref!(self, base, a), rref!(self, base, b));
                    let eq = match (rx, ry) {
                        (Value::Int(x), Value::Int(y)) => x == y,
                        _ => {
                            let (x, y) = (*rx, *ry);
                            crate::ops::equal(&self.heap, x, y)
                        }
                    };
                    if eq == matches!(ins, Instr::JmpIfEq { .. }) {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::JmpIfArgGiven { idx, off } => {
                    if idx < u16::from(frame!().argc) {
                        pc = (pc as i64 + off as i64) as usize;
                    }
                }
                Instr::Call { dst, base: b, argc, proto } => {
                    save_pc!();
                    let p = &module.protos[proto as usize];
                    let callee_base = base + b as usize;
                    let callee_top = callee_base + p.frame_size as usize;
                    let fast = self.frames.len() < MAX_FRAMES
                        && callee_top < self.stack.len()
                        && (p.required..=p.params).contains(&u16::from(argc))
                        && !self.heap.should_collect();
                    if fast {
                        // The common case of `push_frame`, without re-reading the frame.
                        if p.clear_regs {
                            self.stack[callee_base + argc as usize..callee_top].fill(Value::Nil);
                        }
                        let ret = (base + dst as usize) as u32;
                        self.frames.push(Frame { proto: proto as u32, pc: 0, base: callee_base as u32, ret, closure: NO_CLOSURE, argc, stop: false });
                        code = &p.code;
                        base = callee_base;
                        pc = 0;
                    } else {
                        self.maybe_collect();
                        tryv!(self.push_frame(proto as u32, callee_base, base + dst as usize, Value::Nil, argc, false));
                        reload!();
                    }
                }
                Instr::CallValue { dst, base: b, argc } => {
                    save_pc!();
                    self.maybe_collect();
                    if let Some(v) = tryv!(self.prepare_call_value(base + b as usize, argc, base + dst as usize, false)) {
                        reg!(self, base, dst) = v;
                    } else {
                        reload!();
                    }
                }
                Instr::CallMethod { dst, base: b, argc, name } => {
                    save_pc!();
                    self.maybe_collect();
                    let recv_slot = base + b as usize;
                    let recv = self.stack[recv_slot];
                    let intrinsic = self.intrinsics[name as usize];
                    if argc == 0 {
                        if let Some(v) = self.intrinsic_method(intrinsic, recv) {
                            reg!(self, base, dst) = v;
                            continue;
                        }
                    } else if argc == 1 && intrinsic != Intrinsic::None {
                        let arg = self.stack[recv_slot + 1];
                        if let Some(v) = tryv!(self.intrinsic_method1(intrinsic, recv, arg)) {
                            reg!(self, base, dst) = v;
                            continue;
                        }
                    }
                    match self.user_method(recv, name) {
                        Some(proto) => {
                            tryv!(self.push_frame(proto, recv_slot, base + dst as usize, Value::Nil, argc + 1, false));
                            reload!();
                        }
                        None => {
                            let mut buf = ArgBuf::default();
                            let args = buf.copy_from(&self.stack[recv_slot + 1..recv_slot + 1 + argc as usize]);
                            let mname = match &module.consts[name as usize] {
                                Constant::Str(s) => s.as_str(),
                                _ => "",
                            };
                            let v = tryv!(crate::builtins::call_method(self, recv_slot, mname, args));
                            // A nested run may have grown (reallocated) the stack.
                            self.stack[base + dst as usize] = v;
                        }
                    }
                }
                Instr::CallBuiltin { dst, base: b, argc, builtin } => {
                    save_pc!();
                    let s = base + b as usize;
                    let mut buf = ArgBuf::default();
                    let args = buf.copy_from(&self.stack[s..s + argc as usize]);
                    let v = tryv!(crate::builtins::call_builtin(self, builtin, args));
                    self.stack[base + dst as usize] = v;
                }
                Instr::Return { src } => {
                    let done = self.frames.pop().unwrap();
                    if !self.handlers.is_empty() {
                        while self.handlers.last().is_some_and(|h| h.frame >= self.frames.len()) {
                            self.handlers.pop();
                        }
                    }
                    if done.stop {
                        return Ok(reg!(self, base, src));
                    }
                    // `ret` is a register of the caller's frame: below this one.
                    copy_slot!(self, base + src as usize, done.ret as usize);
                    reload!();
                }
                Instr::NewArray { dst, base: b, count } => {
                    let s = base + b as usize;
                    let items = self.stack[s..s + count as usize].to_vec();
                    reg!(self, base, dst) = self.heap.alloc(Obj::Array(items.into()));
                }
                Instr::NewTuple { dst, base: b, count } => {
                    let s = base + b as usize;
                    let items = self.stack[s..s + count as usize].to_vec();
                    reg!(self, base, dst) = self.heap.alloc(Obj::Tuple(items.into()));
                }
                Instr::NewDict { dst, base: b, count } => {
                    let s = base + b as usize;
                    let mut d = crate::dict::Dict::default();
                    for i in 0..count as usize {
                        let k = self.stack[s + 2 * i];
                        let key = tryv!(crate::ops::dict_key(self, k));
                        d.insert(&key, self.stack[s + 2 * i + 1]);
                    }
                    reg!(self, base, dst) = self.heap.alloc(Obj::Dict(d));
                }
                Instr::NewStruct { dst, base: b, def } => {
                    let n = module.structs[def as usize].fields.len();
                    let s = base + b as usize;
                    let fields = self.stack[s..s + n].to_vec();
                    reg!(self, base, dst) = self.heap.alloc(Obj::Struct { def: def as u32, fields });
                }
                Instr::NewVariant { dst, def, variant, .. } if module.enums[def as usize].variants[variant as usize].1 == 0 => {
                    reg!(self, base, dst) = self.unit_variant(def as u32, variant as u32);
                }
                Instr::NewVariant { dst, base: b, def, variant } => {
                    let n = module.enums[def as usize].variants[variant as usize].1;
                    let s = base + b as usize;
                    let payload = self.stack[s..s + n].to_vec();
                    reg!(self, base, dst) = self.heap.alloc(Obj::Enum { def: def as u32, variant: variant as u32, payload });
                }
                Instr::ArrayRepeat { dst, value, count } => {
                    let (v, n) = (reg!(self, base, value), reg!(self, base, count));
                    let n = match n {
                        Value::Int(n) if n >= 0 => n as usize,
                        _ => tryv!(Err(Fail::msg("Runtime error: array repeat count must be a non-negative integer"))),
                    };
                    let items = tryv!(crate::ops::repeat_value(self, v, n));
                    reg!(self, base, dst) = self.heap.alloc(Obj::Array(items.into()));
                }
                Instr::MakeRange { dst, start, end, inclusive } => {
                    let (s, e) = (reg!(self, base, start), reg!(self, base, end));
                    reg!(self, base, dst) = self.heap.alloc(Obj::Range { start: s, end: e, inclusive });
                }
                Instr::Closure { dst, proto } => {
                    let p = &module.protos[proto as usize];
                    reg!(self, base, dst) = if p.captures.is_empty() {
                        Value::Func(proto as u32)
                    } else {
                        let caps: Vec<ObjRef> = p
                            .captures
                            .iter()
                            .map(|c| match c {
                                CaptureFrom::Reg(r) => match reg!(self, base, *r) {
                                    Value::Obj(o) => o,
                                    _ => unreachable!("captured locals hold cells"),
                                },
                                CaptureFrom::Upval(i) => self.upval_cell(frame!().closure, *i),
                            })
                            .collect();
                        self.heap.alloc(Obj::Closure { proto: proto as u32, captures: caps })
                    };
                }
                Instr::GetField { dst, obj, name } => {
                    let o = reg!(self, base, obj);
                    reg!(self, base, dst) = tryv!(crate::ops::get_field(self, o, name));
                }
                Instr::SetField { obj, name, src } => {
                    let (o, v) = (reg!(self, base, obj), reg!(self, base, src));
                    tryv!(crate::ops::set_field(self, o, name, v));
                }
                Instr::GetFieldK { dst, obj, slot } => {
                    let fs = module.field_slots[slot as usize];
                    match self.heap.struct_field(rref!(self, base, obj), fs.def, fs.idx) {
                        // SAFETY: `dst` is a register of this frame (verifier).
                        Some(v) => unsafe { crate::value::copy_value(v, self.stack.as_mut_ptr().add(base + dst as usize)) },
                        None => {
                            let o = reg!(self, base, obj);
                            let v = tryv!(crate::ops::get_field(self, o, fs.name));
                            reg!(self, base, dst) = v;
                        }
                    }
                }
                Instr::SetFieldK { obj, slot, src } => {
                    let fs = module.field_slots[slot as usize];
                    let from: *const Value = rref!(self, base, src);
                    match self.heap.struct_field_mut(rref!(self, base, obj), fs.def, fs.idx) {
                        // SAFETY: `from` is a register; the heap is not the stack.
                        Some(field) => unsafe { crate::value::copy_value(from, field) },
                        None => {
                            let (o, v) = (reg!(self, base, obj), reg!(self, base, src));
                            tryv!(crate::ops::set_field(self, o, fs.name, v));
                        }
                    }
                }
                Instr::GetIndex { dst, obj, index } => {
                    match self.heap.array_elem(rref!(self, base, obj), rref!(self, base, index)) {
                        // SAFETY: `dst` is a register of this frame (verifier).
                        Some(v) => unsafe { crate::value::copy_value(v, self.stack.as_mut_ptr().add(base + dst as usize)) },
                        None => {
                            let (o, i) = (reg!(self, base, obj), reg!(self, base, index));
                            let v = tryv!(crate::ops::get_index(self, o, i));
                            reg!(self, base, dst) = v;
                        }
                    }
                }
                Instr::SetIndex { obj, index, src } => {
                    let from: *const Value = rref!(self, base, src);
                    match self.heap.array_elem_mut(rref!(self, base, obj), rref!(self, base, index)) {
                        // SAFETY: `from` is a register; the heap is not the stack.
                        Some(slot) => unsafe { crate::value::copy_value(from, slot) },
                        None => {
                            let (o, i, v) = (reg!(self, base, obj), reg!(self, base, index), reg!(self, base, src));
                            tryv!(crate::ops::set_index(self, o, i, v));
                        }
                    }
                }
                Instr::GetTupleIdx { dst, obj, idx } => {
                    let o = reg!(self, base, obj);
                    reg!(self, base, dst) = tryv!(crate::ops::tuple_get(self, o, idx as usize));
                }
                Instr::SetTupleIdx { obj, idx, src } => {
                    let (o, v) = (reg!(self, base, obj), reg!(self, base, src));
                    tryv!(crate::ops::tuple_set(self, o, idx as usize, v));
                }
                Instr::IterInit { iter, src } => {
                    let v = reg!(self, base, src);
                    let (a, b) = tryv!(crate::ops::iter_init(self, v));
                    reg!(self, base, iter) = a;
                    reg!(self, base, iter + 1) = b;
                }
                Instr::IterNext { iter, dst, off } => {
                    let (state, pos) = (reg!(self, base, iter), reg!(self, base, iter + 1));
                    match crate::ops::iter_next(self, state, pos) {
                        Some((v, next)) => {
                            reg!(self, base, dst) = v;
                            reg!(self, base, iter + 1) = next;
                        }
                        None => pc = (pc as i64 + off as i64) as usize,
                    }
                }
                Instr::PushHandler { reg, off } => {
                    let h = Handler { frame: self.frames.len() - 1, pc: (pc as i64 + off as i64) as usize, reg: base + reg as usize };
                    self.handlers.push(h);
                }
                Instr::PopHandler => {
                    self.handlers.pop();
                }
                Instr::Throw { src } => {
                    let v = reg!(self, base, src);
                    save_pc!();
                    return Err(Fail::Thrown { value: v, at: None });
                }
                Instr::Rethrow { src } => {
                    let v = reg!(self, base, src);
                    let how = reg!(self, base, src + 1);
                    save_pc!();
                    return Err(self.reraised(v, how));
                }
                Instr::MatchFail => tryv!(Err(Fail::msg("Runtime error: No match arm matched the value"))),
                Instr::LetFail => tryv!(Err(Fail::msg("Runtime error: pattern in `let` did not match the value"))),
                Instr::IsVariant { dst, src, def, variant } => {
                    let v = reg!(self, base, src);
                    reg!(self, base, dst) = Value::Bool(match v {
                        Value::Obj(r) => matches!(self.heap.get(r), Obj::Enum { def: d, variant: w, .. } if *d == def as u32 && *w == variant as u32),
                        _ => false,
                    });
                }
                Instr::IsStruct { dst, src, def } => {
                    let v = reg!(self, base, src);
                    reg!(self, base, dst) = Value::Bool(match v {
                        Value::Obj(r) => matches!(self.heap.get(r), Obj::Struct { def: d, .. } if *d == def as u32),
                        _ => false,
                    });
                }
                Instr::IsLen { dst, src, n, at_least } => {
                    let v = reg!(self, base, src);
                    reg!(self, base, dst) = Value::Bool(match v {
                        Value::Obj(r) => match self.heap.get(r) {
                            Obj::Array(a) => if at_least { a.len() >= n as usize } else { a.len() == n as usize },
                            _ => false,
                        },
                        _ => false,
                    });
                }
                Instr::IsTupleLen { dst, src, n } => {
                    let v = reg!(self, base, src);
                    reg!(self, base, dst) = Value::Bool(match v {
                        Value::Obj(r) => matches!(self.heap.get(r), Obj::Tuple(t) if t.len() == n as usize),
                        _ => false,
                    });
                }
                Instr::GetPayload { dst, src, idx } => {
                    let v = reg!(self, base, src);
                    reg!(self, base, dst) = tryv!(crate::ops::payload(self, v, idx as usize));
                }
                Instr::GetIndexK { dst, src, idx } => {
                    // A negative `idx` (from the end) takes the generic path.
                    let element = usize::try_from(idx).ok().and_then(|i| self.heap.array_elem_at(rref!(self, base, src), i));
                    match element {
                        // SAFETY: `dst` is a register of this frame (verifier).
                        Some(v) => unsafe { crate::value::copy_value(v, self.stack.as_mut_ptr().add(base + dst as usize)) },
                        None => {
                            let v = reg!(self, base, src);
                            let v = tryv!(crate::ops::get_index(self, v, Value::Int(idx as i64)));
                            reg!(self, base, dst) = v;
                        }
                    }
                }
                Instr::SliceRest { dst, src, start, from_end } => {
                    let v = reg!(self, base, src);
                    let items = match v {
                        Value::Obj(r) => match self.heap.get(r) {
                            Obj::Array(a) => a[start as usize..a.len() - from_end as usize].to_vec(),
                            _ => vec![],
                        },
                        _ => vec![],
                    };
                    for it in &items {
                        self.heap.share(*it);
                    }
                    reg!(self, base, dst) = self.heap.alloc(Obj::Array(items.into()));
                }
                Instr::FmtFString { dst, src, spec } => {
                    let v = reg!(self, base, src);
                    let s = self.fmt().fstring_hole(v, &module.specs[spec as usize]);
                    reg!(self, base, dst) = self.heap.str(s);
                }
                Instr::FmtRust { dst, src, spec } => {
                    let v = reg!(self, base, src);
                    let s = self.fmt().rust_hole(v, &module.specs[spec as usize]);
                    reg!(self, base, dst) = self.heap.str(s);
                }
                Instr::Concat { dst, base: b, count } => {
                    let mut s = String::new();
                    for i in 0..count as usize {
                        let v = self.stack[base + b as usize + i];
                        match self.str_of(v) {
                            Some(t) => s.push_str(t),
                            None => s.push_str(&self.fmt().to_string(v, Mode::Raw)),
                        }
                    }
                    reg!(self, base, dst) = self.heap.str(s);
                }
                Instr::Cast { dst, src, kind } => {
                    let v = reg!(self, base, src);
                    reg!(self, base, dst) = tryv!(crate::ops::cast(self, v, CastKind::from_u8(kind)));
                }
            }
        }
    }

    fn upval_cell(&self, closure: ObjRef, idx: u16) -> ObjRef {
        match self.heap.get(closure) {
            Obj::Closure { captures, .. } => captures[idx as usize],
            _ => unreachable!("upvalue access outside a closure"),
        }
    }

    /// Built-in methods with an inline fast path for common receivers; the
    /// result must equal what `builtins::call_method` computes.
    fn intrinsic_method(&mut self, m: Intrinsic, recv: Value) -> Option<Value> {
        match (m, recv) {
            (Intrinsic::None, _) => None,
            // Same text as the Display form `builtins` produces for ints.
            (Intrinsic::ToString, Value::Int(n)) => Some(self.heap.alloc(Obj::Str(compact_str::ToCompactString::to_compact_string(&n)))),
            (Intrinsic::Sqrt, Value::Float(f)) => Some(Value::Float(f.sqrt())),
            (Intrinsic::Abs, Value::Float(f)) => Some(Value::Float(f.abs())),
            (Intrinsic::Floor, Value::Float(f)) => Some(Value::Float(f.floor())),
            (Intrinsic::Ceil, Value::Float(f)) => Some(Value::Float(f.ceil())),
            (Intrinsic::Round, Value::Float(f)) => Some(Value::Float(f.round())),
            (Intrinsic::Sin, Value::Float(f)) => Some(Value::Float(libm::sin(f))),
            (Intrinsic::Cos, Value::Float(f)) => Some(Value::Float(libm::cos(f))),
            (Intrinsic::Len, Value::Obj(r)) => match self.heap.get(r) {
                Obj::Array(a) => Some(Value::Int(a.len() as i64)),
                // Byte length, as `string_method` computes it.
                Obj::Str(s) => Some(Value::Int(s.len() as i64)),
                _ => None,
            },
            _ => None,
        }
    }

    /// One-argument built-in methods with an inline fast path (same results
    /// as `builtins::call_method`).
    fn intrinsic_method1(&mut self, m: Intrinsic, recv: Value, arg: Value) -> VmResult<Option<Value>> {
        let Value::Obj(r) = recv else { return Ok(None) };
        match (m, self.heap.get(r)) {
            // The compiler made the receiver unique (`push` is a mutator);
            // a shared one takes the generic path, which copies.
            (Intrinsic::Push, Obj::Array(_)) if !self.heap.is_shared(r) => {
                self.heap.note_growth(16);
                if let Obj::Array(a) = self.heap.get_mut(r) {
                    a.push(arg);
                }
                Ok(Some(Value::Nil))
            }
            (Intrinsic::ContainsKey, Obj::Dict(_)) => Ok(Some(Value::Bool(crate::ops::dict_lookup(self, r, arg)?.is_some()))),
            _ => Ok(None),
        }
    }

    /// `x < y` (`x <= y` unless `strict`) for any comparable values.
    fn less(&mut self, x: Value, y: Value, strict: bool) -> VmResult<bool> {
        let ord = crate::ops::compare(self, x, y)?;
        Ok(ord == Some(std::cmp::Ordering::Less) || (!strict && ord == Some(std::cmp::Ordering::Equal)))
    }

    /// The shared object of a unit variant, allocated on first use.
    pub fn unit_variant(&mut self, def: u32, variant: u32) -> Value {
        if let Some(v) = self.unit_variants[def as usize][variant as usize] {
            return v;
        }
        let v = self.heap.alloc(Obj::Enum { def, variant, payload: vec![] });
        self.heap.share(v);
        self.unit_variants[def as usize][variant as usize] = Some(v);
        v
    }

    /// The user method `name` (a constant index) of the receiver's type.
    fn user_method(&self, recv: Value, name: u16) -> Option<u32> {
        let Value::Obj(r) = recv else { return None };
        let key = match self.heap.get(r) {
            Obj::Struct { def, .. } => TypeKey::Struct(*def),
            Obj::Enum { def, .. } => TypeKey::Enum(*def),
            _ => return None,
        };
        self.module.methods.get(&(key, name as u32)).copied()
    }

    pub fn slot(&self, i: usize) -> Value {
        self.stack[i]
    }

    pub fn set_slot(&mut self, i: usize, v: Value) {
        self.stack[i] = v;
    }

    pub fn float_short(&self, f: f64) -> String {
        float_short(f)
    }
}
