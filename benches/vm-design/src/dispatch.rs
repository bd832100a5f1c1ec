//! Four dispatch strategies over the same bytecode and the same instruction semantics.

use crate::isa::{Instr, Program};
use crate::value::{self as ops, add_k, get_index, lt, safepoint, set_index, sqrt, Bin, Heap, Trap, Val};

pub const MAX_FRAMES: usize = 200_000;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dispatch { MatchChecked, MatchUnchecked, Threaded, Closures }

impl Dispatch {
    pub const ALL: [Dispatch; 4] = [Dispatch::MatchChecked, Dispatch::MatchUnchecked, Dispatch::Threaded, Dispatch::Closures];
    pub fn name(self) -> &'static str {
        ["match, checked regs", "match, raw-pointer regs", "fn-pointer table", "boxed closures"][self as usize]
    }
    pub fn runner<V: Val>(self) -> fn(&Program, &mut Heap<V>) -> Result<V, Trap> {
        match self {
            Dispatch::MatchChecked => run_match::<V, false>,
            Dispatch::MatchUnchecked => run_match::<V, true>,
            Dispatch::Threaded => run_threaded::<V>,
            Dispatch::Closures => run_closures::<V>,
        }
    }
}

fn load_consts<V: Val>(p: &Program, h: &mut Heap<V>) -> Vec<V> {
    use crate::isa::K;
    p.consts.iter().map(|k| match *k { K::I(i) => V::int(i, h), K::F(f) => V::float(f), K::O(o) => V::obj(o) }).collect()
}

#[derive(Clone, Copy)]
struct Frame { proto: usize, pc: usize, base: usize, ret: usize }

/// (1)/(2): the structure of `Vm::run_inner` today — `loop { match code[pc] }`, per-function code
/// slices, frames on a Vec, registers `stack[base + r]`. With `RAW`, registers are read and written
/// through a raw pointer to the frame base instead (no bounds check); everything else is identical.
pub fn run_match<V: Val, const RAW: bool>(p: &Program, heap: &mut Heap<V>) -> Result<V, Trap> {
    let consts = load_consts(p, heap);
    let mut stack = vec![V::NIL; 1024];
    let mut frames = vec![Frame { proto: 0, pc: 0, base: 0, ret: 0 }];
    let mut code: &[Instr] = &p.protos[0].code;
    let (mut base, mut pc) = (0usize, 0usize);
    let mut fp: *mut V = stack.as_mut_ptr();
    macro_rules! r {
        ($i:expr) => {
            // SAFETY (RAW): every register of a program is < its proto's frame_size, and a call
            // makes sure `base + frame_size < stack.len()` before `fp` is recomputed.
            *(if RAW { unsafe { &mut *fp.add($i as usize) } } else { &mut stack[base + $i as usize] })
        };
    }
    macro_rules! jump {
        ($off:expr) => {
            pc = (pc as i64 + $off as i64) as usize
        };
    }
    loop {
        let ins = code[pc];
        pc += 1;
        match ins {
            Instr::LoadInt { dst, v } => r!(dst) = V::int(v as i64, heap),
            Instr::LoadK { dst, k } => r!(dst) = consts[k as usize],
            Instr::AddI { dst, a, b } => r!(dst) = ops::AddI::f(r!(a), r!(b), heap)?,
            Instr::MulI { dst, a, b } => r!(dst) = ops::MulI::f(r!(a), r!(b), heap)?,
            Instr::RemI { dst, a, b } => r!(dst) = ops::RemI::f(r!(a), r!(b), heap)?,
            Instr::XorI { dst, a, b } => r!(dst) = ops::XorI::f(r!(a), r!(b), heap)?,
            Instr::AddF { dst, a, b } => r!(dst) = ops::AddF::f(r!(a), r!(b), heap)?,
            Instr::SubF { dst, a, b } => r!(dst) = ops::SubF::f(r!(a), r!(b), heap)?,
            Instr::MulF { dst, a, b } => r!(dst) = ops::MulF::f(r!(a), r!(b), heap)?,
            Instr::DivF { dst, a, b } => r!(dst) = ops::DivF::f(r!(a), r!(b), heap)?,
            Instr::AddIK { dst, a, k } => r!(dst) = add_k(r!(a), k as i64, heap)?,
            Instr::SqrtF { dst, src } => r!(dst) = sqrt(r!(src))?,
            Instr::GetIndex { dst, obj, idx } => r!(dst) = get_index(r!(obj), r!(idx), heap)?,
            Instr::SetIndex { obj, idx, src } => set_index(r!(obj), r!(idx), r!(src), heap)?,
            Instr::Jmp { off } => jump!(off),
            Instr::JmpIfNotLtI { a, b, off } => {
                if !lt(r!(a), r!(b), heap)? {
                    jump!(off)
                }
            }
            Instr::Safepoint => safepoint(heap),
            Instr::Call { dst, base: b, argc, proto } => {
                if frames.len() >= MAX_FRAMES {
                    return Err(Trap::StackOverflow);
                }
                safepoint(heap);
                frames.last_mut().unwrap().pc = pc;
                let (nb, fs) = (base + b as usize, p.protos[proto as usize].frame_size as usize);
                if stack.len() < nb + fs + 1 {
                    stack.resize((nb + fs + 1) * 2, V::NIL);
                }
                stack[nb + argc as usize..nb + fs].fill(V::NIL);
                frames.push(Frame { proto: proto as usize, pc: 0, base: nb, ret: base + dst as usize });
                (code, base, pc) = (&p.protos[proto as usize].code, nb, 0);
                fp = unsafe { stack.as_mut_ptr().add(base) };
            }
            Instr::Return { src } => {
                let v = r!(src);
                let done = frames.pop().unwrap();
                let Some(&f) = frames.last() else { return Ok(v) };
                stack[done.ret] = v;
                (code, base, pc) = (&p.protos[f.proto].code, f.base, f.pc);
                fp = unsafe { stack.as_mut_ptr().add(base) };
            }
        }
    }
}

// ---- (3)/(4): pre-decoded code. All functions are flattened into one array, jump targets and
// call entries become absolute indices, registers are accessed through the raw frame pointer. ----

/// Decoded operands (16 bytes).
#[derive(Clone, Copy)]
pub struct Op { a: u16, b: u16, c: u16, x: i64 }

pub struct St<V> {
    fp: *mut V,
    base: usize,
    stack: Vec<V>,
    frames: Vec<(usize, usize, usize)>, // (return pc, caller base, result slot)
    heap: Heap<V>,
    consts: Vec<V>,
    protos: Vec<(usize, usize)>, // (entry pc, frame size)
    out: Option<Result<V, Trap>>,
}

const HALT: usize = usize::MAX;

impl<V: Val> St<V> {
    // SAFETY: registers are < frame_size and h_call keeps `base + frame_size < stack.len()`.
    #[inline(always)]
    fn r(&self, i: u16) -> V {
        unsafe { *self.fp.add(i as usize) }
    }
    #[inline(always)]
    fn w(&mut self, i: u16, v: V) {
        unsafe { *self.fp.add(i as usize) = v }
    }
    #[cold]
    fn trap(&mut self, e: Trap) -> usize {
        self.out = Some(Err(e));
        HALT
    }
}

/// Handler: executes one instruction, returns the next pc (or HALT).
type H<V> = fn(&mut St<V>, &Op, usize) -> usize;

macro_rules! ok {
    ($s:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return $s.trap(e),
        }
    };
}

macro_rules! handlers {
    ($($name:ident $(<$B:ident>)? ($s:ident, $o:ident, $pc:ident) $body:block)*) => {$(
        #[inline(always)]
        #[allow(unused_variables)]
        fn $name<V: Val $(, $B: Bin)?>($s: &mut St<V>, $o: &Op, $pc: usize) -> usize $body
    )*};
}

handlers! {
    h_bin<B>(s, o, pc) { let v = ok!(s, B::f(s.r(o.b), s.r(o.c), &mut s.heap)); s.w(o.a, v); pc + 1 }
    h_load_int(s, o, pc) { let v = V::int(o.x, &mut s.heap); s.w(o.a, v); pc + 1 }
    h_load_k(s, o, pc) { s.w(o.a, s.consts[o.x as usize]); pc + 1 }
    h_add_k(s, o, pc) { let v = ok!(s, add_k(s.r(o.b), o.x, &mut s.heap)); s.w(o.a, v); pc + 1 }
    h_sqrt(s, o, pc) { let v = ok!(s, sqrt(s.r(o.b))); s.w(o.a, v); pc + 1 }
    h_get_index(s, o, pc) { let v = ok!(s, get_index(s.r(o.b), s.r(o.c), &s.heap)); s.w(o.a, v); pc + 1 }
    h_set_index(s, o, pc) { ok!(s, set_index(s.r(o.a), s.r(o.b), s.r(o.c), &mut s.heap)); pc + 1 }
    h_jmp(s, o, pc) { o.x as usize }
    h_jmp_not_lt(s, o, pc) { if ok!(s, lt(s.r(o.a), s.r(o.b), &s.heap)) { pc + 1 } else { o.x as usize } }
    h_safepoint(s, o, pc) { safepoint(&mut s.heap); pc + 1 }
    h_call(s, o, pc) {
        if s.frames.len() >= MAX_FRAMES {
            return s.trap(Trap::StackOverflow);
        }
        safepoint(&mut s.heap);
        let ((entry, fs), nb) = (s.protos[o.x as usize], s.base + o.b as usize);
        if s.stack.len() < nb + fs + 1 {
            s.stack.resize((nb + fs + 1) * 2, V::NIL);
        }
        s.stack[nb + o.c as usize..nb + fs].fill(V::NIL);
        s.frames.push((pc + 1, s.base, s.base + o.a as usize));
        s.base = nb;
        s.fp = unsafe { s.stack.as_mut_ptr().add(nb) };
        entry
    }
    h_return(s, o, pc) {
        let v = s.r(o.a);
        let Some((ret_pc, caller, slot)) = s.frames.pop() else {
            s.out = Some(Ok(v));
            return HALT;
        };
        s.stack[slot] = v;
        s.base = caller;
        s.fp = unsafe { s.stack.as_mut_ptr().add(caller) };
        ret_pc
    }
}

/// Flattens the program, calling `$mk(handler, a, b, c, x)` for every instruction. `handler` is a
/// distinct fn item per instruction kind, so each closure (4) gets its handler inlined.
macro_rules! decode {
    ($p:expr, $mk:ident, $V:ty) => {{
        let (mut entries, mut at) = (vec![], 0usize);
        for pr in &$p.protos {
            entries.push((at, pr.frame_size as usize));
            at += pr.code.len();
        }
        let mut out = vec![];
        for (pr, &(entry, _)) in $p.protos.iter().zip(&entries) {
            for (i, ins) in pr.code.iter().enumerate() {
                let tgt = |off: i64| (entry as i64 + i as i64 + 1 + off);
                out.push(match *ins {
                    Instr::LoadInt { dst, v } => $mk(h_load_int::<$V>, dst, 0, 0, v as i64),
                    Instr::LoadK { dst, k } => $mk(h_load_k::<$V>, dst, 0, 0, k as i64),
                    Instr::AddI { dst, a, b } => $mk(h_bin::<$V, ops::AddI>, dst, a, b, 0),
                    Instr::MulI { dst, a, b } => $mk(h_bin::<$V, ops::MulI>, dst, a, b, 0),
                    Instr::RemI { dst, a, b } => $mk(h_bin::<$V, ops::RemI>, dst, a, b, 0),
                    Instr::XorI { dst, a, b } => $mk(h_bin::<$V, ops::XorI>, dst, a, b, 0),
                    Instr::AddF { dst, a, b } => $mk(h_bin::<$V, ops::AddF>, dst, a, b, 0),
                    Instr::SubF { dst, a, b } => $mk(h_bin::<$V, ops::SubF>, dst, a, b, 0),
                    Instr::MulF { dst, a, b } => $mk(h_bin::<$V, ops::MulF>, dst, a, b, 0),
                    Instr::DivF { dst, a, b } => $mk(h_bin::<$V, ops::DivF>, dst, a, b, 0),
                    Instr::AddIK { dst, a, k } => $mk(h_add_k::<$V>, dst, a, 0, k as i64),
                    Instr::SqrtF { dst, src } => $mk(h_sqrt::<$V>, dst, src, 0, 0),
                    Instr::GetIndex { dst, obj, idx } => $mk(h_get_index::<$V>, dst, obj, idx, 0),
                    Instr::SetIndex { obj, idx, src } => $mk(h_set_index::<$V>, obj, idx, src, 0),
                    Instr::Jmp { off } => $mk(h_jmp::<$V>, 0, 0, 0, tgt(off as i64)),
                    Instr::JmpIfNotLtI { a, b, off } => $mk(h_jmp_not_lt::<$V>, a, b, 0, tgt(off as i64)),
                    Instr::Safepoint => $mk(h_safepoint::<$V>, 0, 0, 0, 0),
                    Instr::Call { dst, base, argc, proto } => $mk(h_call::<$V>, dst, base, argc as u16, proto as i64),
                    Instr::Return { src } => $mk(h_return::<$V>, src, 0, 0, 0),
                });
            }
        }
        (out, entries)
    }};
}

fn new_state<V: Val>(p: &Program, heap: &mut Heap<V>, protos: Vec<(usize, usize)>) -> St<V> {
    let mut heap = std::mem::take(heap);
    let consts = load_consts(p, &mut heap);
    let mut stack = vec![V::NIL; 1024];
    let fp = stack.as_mut_ptr();
    St { fp, base: 0, stack, frames: vec![], heap, consts, protos, out: None }
}

fn finish<V: Val>(s: St<V>, heap: &mut Heap<V>) -> Result<V, Trap> {
    *heap = s.heap;
    s.out.unwrap()
}

pub struct TOp<V> { h: H<V>, o: Op }

/// (3) "Threaded" code: each instruction is decoded once into (handler fn pointer, operands); the
/// loop is `pc = (ops[pc].h)(state, &ops[pc].o, pc)`.
pub fn run_threaded<V: Val>(p: &Program, heap: &mut Heap<V>) -> Result<V, Trap> {
    fn mk<V: Val>(h: H<V>, a: u16, b: u16, c: u16, x: i64) -> TOp<V> {
        TOp { h, o: Op { a, b, c, x } }
    }
    let (ops, protos): (Vec<TOp<V>>, _) = decode!(p, mk, V);
    let mut s = new_state(p, heap, protos);
    let mut pc = 0;
    while pc != HALT {
        let t = &ops[pc];
        pc = (t.h)(&mut s, &t.o, pc);
    }
    finish(s, heap)
}

pub type Clo<V> = Box<dyn Fn(&mut St<V>, usize) -> usize>;

/// (4) Closure compilation: each instruction becomes a boxed closure capturing its operands, with
/// the instruction's code inlined into the closure body; the loop calls `code[pc](state, pc)`.
pub fn run_closures<V: Val>(p: &Program, heap: &mut Heap<V>) -> Result<V, Trap> {
    fn mk<V: Val, F: Fn(&mut St<V>, &Op, usize) -> usize + 'static>(f: F, a: u16, b: u16, c: u16, x: i64) -> Clo<V> {
        let o = Op { a, b, c, x };
        Box::new(move |s, pc| f(s, &o, pc))
    }
    let (code, protos): (Vec<Clo<V>>, _) = decode!(p, mk, V);
    let mut s = new_state(p, heap, protos);
    let mut pc = 0;
    while pc != HALT {
        pc = code[pc](&mut s, pc);
    }
    finish(s, heap)
}
