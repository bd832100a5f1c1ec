//! Bytecode peephole optimiser, run on each function after compilation.
//!
//! The compiler evaluates every expression into a destination register and
//! then moves it where it belongs, and gives every statement a (usually
//! unused) nil result. This pass removes what that leaves behind:
//!
//! * **jump threading** — a `Jmp` to a `Return` becomes that `Return`; a
//!   jump to a `Jmp` goes straight to the final target; a jump to the next
//!   instruction is deleted;
//! * **dead definitions** — a side-effect-free load or move whose register
//!   is not live afterwards is deleted;
//! * **move coalescing** — `X → t; Move r ← t` with `t` dead afterwards
//!   becomes `X → r` (X reads its operands before writing, so `r` may be one
//!   of them), also across the `Share t` of a copied place value;
//! * **return forwarding** — `Move t ← s; Return t` becomes `Return s`;
//! * **global element reads** — `GetGlobal t; GetIndex d ← t[i]` with `t`
//!   dead afterwards becomes one `GetGlobalIndex`.
//!
//! Soundness rests on register liveness computed over the control-flow
//! graph (fallthrough plus every jump target). Functions that install an
//! exception handler are left alone: a runtime error can transfer control
//! from almost any instruction to the handler, which the graph does not
//! model. Rewrites that merge two instructions never apply across a jump
//! target, so no other path can observe the intermediate state.

use crate::bytecode::{Access, Instr, Module, Proto, Reg};

/// Optimises every function of `m` in place.
pub fn optimize_module(m: &mut Module) {
    for i in 0..m.protos.len() {
        let mut proto = std::mem::replace(&mut m.protos[i], empty_proto());
        optimize(m, &mut proto);
        m.protos[i] = proto;
    }
}

fn empty_proto() -> Proto {
    Proto { name: String::new(), params: 0, required: 0, has_self: false, frame_size: 0, code: vec![], spans: vec![], captures: vec![], clear_regs: true }
}

pub fn optimize(m: &Module, p: &mut Proto) {
    if p.code.iter().any(|i| matches!(i, Instr::PushHandler { .. })) {
        return;
    }
    thread_jumps(p);
    for _ in 0..4 {
        let (_, live_out) = liveness(m, p);
        let mut deleted = vec![false; p.code.len()];
        let before = p.code.clone();
        if !rewrite(p, &live_out, &mut deleted) {
            break;
        }
        if !compact(p, &deleted) {
            // Cannot happen (deleting code only shortens jumps), but never
            // keep half of a rewrite.
            p.code = before;
            break;
        }
    }
    // Does any path read a non-parameter register before writing it?
    let (live_in, _) = liveness(m, p);
    p.clear_regs = live_in.first().is_some_and(|entry| (p.params..=p.frame_size).any(|r| entry.has(r)));
}

fn thread_jumps(p: &mut Proto) {
    for pc in 0..p.code.len() {
        if let Instr::Jmp { .. } = p.code[pc] {
            let mut target = p.code[pc].jump_target(pc).expect("a jump");
            // Follow chains of plain jumps (bounded, in case of a cycle).
            for _ in 0..8 {
                match p.code.get(target) {
                    Some(j @ Instr::Jmp { .. }) => target = j.jump_target(target).expect("a jump"),
                    _ => break,
                }
            }
            match p.code.get(target) {
                Some(ret @ Instr::Return { .. }) => p.code[pc] = *ret,
                _ => {
                    let mut j = p.code[pc];
                    if j.set_jump_target(pc, target) {
                        p.code[pc] = j;
                    }
                }
            }
        }
    }
}

/// A register set over one frame.
#[derive(Clone, PartialEq)]
struct RegSet(Vec<u64>);

impl RegSet {
    fn new(n: usize) -> RegSet {
        RegSet(vec![0; n.div_ceil(64)])
    }
    fn has(&self, r: Reg) -> bool {
        self.0.get(r as usize / 64).is_some_and(|w| w >> (r % 64) & 1 == 1)
    }
    fn insert(&mut self, r: Reg) {
        if let Some(w) = self.0.get_mut(r as usize / 64) {
            *w |= 1 << (r % 64);
        }
    }
    fn remove(&mut self, r: Reg) {
        if let Some(w) = self.0.get_mut(r as usize / 64) {
            *w &= !(1 << (r % 64));
        }
    }
    fn union_with(&mut self, o: &RegSet) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= b;
        }
    }
}

fn successors(p: &Proto, pc: usize) -> impl Iterator<Item = usize> + '_ {
    let ins = &p.code[pc];
    let fall = (!ins.ends_block() && pc + 1 < p.code.len()).then_some(pc + 1);
    fall.into_iter().chain(ins.jump_target(pc).filter(|t| *t < p.code.len()))
}

/// Registers live before and after each instruction.
fn liveness(m: &Module, p: &Proto) -> (Vec<RegSet>, Vec<RegSet>) {
    let n = p.code.len();
    let regs = p.frame_size as usize + 1;
    let mut live_in = vec![RegSet::new(regs); n];
    let mut live_out = vec![RegSet::new(regs); n];
    let mut changed = true;
    while changed {
        changed = false;
        for pc in (0..n).rev() {
            let mut out = RegSet::new(regs);
            for s in successors(p, pc) {
                out.union_with(&live_in[s]);
            }
            let mut inn = out.clone();
            let (mut reads, mut writes) = (vec![], vec![]);
            p.code[pc].for_each_operand(m, &mut |r, a| match a {
                Access::Read | Access::ReadWrite => reads.push(r),
                Access::Write => writes.push(r),
            });
            for r in writes {
                inn.remove(r);
            }
            for r in reads {
                inn.insert(r);
            }
            if inn != live_in[pc] {
                live_in[pc] = inn;
                changed = true;
            }
            live_out[pc] = out;
        }
    }
    (live_in, live_out)
}

/// The register written by an instruction with no effect other than that
/// write (so it can be deleted when the register is dead).
fn pure_def(i: &Instr) -> Option<Reg> {
    match *i {
        Instr::LoadNil { dst } | Instr::LoadInt { dst, .. } | Instr::LoadK { dst, .. } | Instr::LoadBool { dst, .. } | Instr::Move { dst, .. } | Instr::GetGlobal { dst, .. } => {
            Some(dst)
        }
        _ => None,
    }
}

/// `Some(dst)` when the instruction's only effect on its frame is writing
/// `dst` after reading its operands, so `dst` may be renamed.
fn dst_mut(i: &mut Instr) -> Option<&mut Reg> {
    match i {
        Instr::Move { dst, .. }
        | Instr::LoadK { dst, .. }
        | Instr::LoadInt { dst, .. }
        | Instr::LoadNil { dst }
        | Instr::LoadBool { dst, .. }
        | Instr::GetGlobal { dst, .. }
        | Instr::GetGlobalMut { dst, .. }
        | Instr::GetGlobalIndex { dst, .. }
        | Instr::GetUpval { dst, .. }
        | Instr::GetCell { dst, .. }
        | Instr::Add { dst, .. }
        | Instr::Sub { dst, .. }
        | Instr::Mul { dst, .. }
        | Instr::Div { dst, .. }
        | Instr::Rem { dst, .. }
        | Instr::Pow { dst, .. }
        | Instr::Eq { dst, .. }
        | Instr::Ne { dst, .. }
        | Instr::Lt { dst, .. }
        | Instr::Le { dst, .. }
        | Instr::Gt { dst, .. }
        | Instr::Ge { dst, .. }
        | Instr::BitAnd { dst, .. }
        | Instr::BitOr { dst, .. }
        | Instr::BitXor { dst, .. }
        | Instr::Shl { dst, .. }
        | Instr::Shr { dst, .. }
        | Instr::Neg { dst, .. }
        | Instr::Not { dst, .. }
        | Instr::BitNot { dst, .. }
        | Instr::AddI { dst, .. }
        | Instr::SubI { dst, .. }
        | Instr::MulI { dst, .. }
        | Instr::AddIK { dst, .. }
        | Instr::MulIK { dst, .. }
        | Instr::RemIK { dst, .. }
        | Instr::DivIK { dst, .. }
        | Instr::LtI { dst, .. }
        | Instr::LeI { dst, .. }
        | Instr::EqI { dst, .. }
        | Instr::AddF { dst, .. }
        | Instr::SubF { dst, .. }
        | Instr::MulF { dst, .. }
        | Instr::DivF { dst, .. }
        | Instr::Call { dst, .. }
        | Instr::CallBuiltin { dst, .. }
        | Instr::NewArray { dst, .. }
        | Instr::NewTuple { dst, .. }
        | Instr::NewDict { dst, .. }
        | Instr::NewStruct { dst, .. }
        | Instr::NewVariant { dst, .. }
        | Instr::ArrayRepeat { dst, .. }
        | Instr::MakeRange { dst, .. }
        | Instr::GetField { dst, .. }
        | Instr::GetFieldK { dst, .. }
        | Instr::GetIndex { dst, .. }
        | Instr::GetTupleIdx { dst, .. }
        | Instr::GetPayload { dst, .. }
        | Instr::GetIndexK { dst, .. }
        | Instr::FmtFString { dst, .. }
        | Instr::FmtRust { dst, .. }
        | Instr::Concat { dst, .. }
        | Instr::Cast { dst, .. } => Some(dst),
        _ => None,
    }
}

fn rewrite(p: &mut Proto, live_out: &[RegSet], deleted: &mut [bool]) -> bool {
    let n = p.code.len();
    let mut is_target = vec![false; n + 1];
    for (pc, ins) in p.code.iter().enumerate() {
        if let Some(t) = ins.jump_target(pc) {
            is_target[t.min(n)] = true;
        }
    }
    let mut changed = false;
    let mut pc = 0;
    while pc < n {
        // A jump to the next instruction does nothing.
        if matches!(p.code[pc], Instr::Jmp { off: 0 }) {
            deleted[pc] = true;
            changed = true;
            pc += 1;
            continue;
        }
        if let Some(d) = pure_def(&p.code[pc]) {
            if !live_out[pc].has(d) {
                deleted[pc] = true;
                changed = true;
                pc += 1;
                continue;
            }
        }
        if pc + 1 < n && !is_target[pc + 1] {
            // X → t; Move r ← t   ⇒   X → r
            if let Instr::Move { dst: r, src: t } = p.code[pc + 1] {
                let mut x = p.code[pc];
                if let Some(d) = dst_mut(&mut x) {
                    if *d == t && !live_out[pc + 1].has(t) {
                        *d = r;
                        p.code[pc] = x;
                        deleted[pc + 1] = true;
                        changed = true;
                        pc += 2;
                        continue;
                    }
                }
            }
            // GetGlobal t ← g; GetIndex d ← t[i]   ⇒   GetGlobalIndex d ← g[i]
            if let (Instr::GetGlobal { dst: t, g }, Instr::GetIndex { dst: d, obj, index }) = (p.code[pc], p.code[pc + 1]) {
                if let (true, Ok(g)) = (obj == t && index != t && !live_out[pc + 1].has(t), u16::try_from(g)) {
                    p.code[pc] = Instr::GetGlobalIndex { dst: d, g, index };
                    deleted[pc + 1] = true;
                    changed = true;
                    pc += 2;
                    continue;
                }
            }
            // X → t; Share t; Move r ← t   ⇒   X → r; Share r
            if pc + 2 < n && !is_target[pc + 2] {
                if let (Instr::Share { reg: t }, Instr::Move { dst: r, src }) = (p.code[pc + 1], p.code[pc + 2]) {
                    let mut x = p.code[pc];
                    if let Some(d) = dst_mut(&mut x) {
                        if *d == t && src == t && !live_out[pc + 2].has(t) {
                            *d = r;
                            p.code[pc] = x;
                            p.code[pc + 1] = Instr::Share { reg: r };
                            deleted[pc + 2] = true;
                            changed = true;
                            pc += 3;
                            continue;
                        }
                    }
                }
            }
            // Move t ← s; Return t   ⇒   Return s
            if let (Instr::Move { dst: t, src: s }, Instr::Return { src }) = (p.code[pc], p.code[pc + 1]) {
                if src == t {
                    p.code[pc + 1] = Instr::Return { src: s };
                    deleted[pc] = true;
                    changed = true;
                    pc += 2;
                    continue;
                }
            }
        }
        pc += 1;
    }
    changed
}

/// Removes deleted instructions and re-targets jumps. Returns false (and
/// leaves `p` unchanged) if some jump offset would no longer fit.
fn compact(p: &mut Proto, deleted: &[bool]) -> bool {
    let n = p.code.len();
    // new_index[i]: where instruction i (or, if deleted, the next kept one) lands.
    let mut new_index = vec![0usize; n + 1];
    let mut k = 0;
    for i in 0..n {
        new_index[i] = k;
        if !deleted[i] {
            k += 1;
        }
    }
    new_index[n] = k;
    let mut code = Vec::with_capacity(k);
    let mut spans = Vec::with_capacity(k);
    for i in 0..n {
        if deleted[i] {
            continue;
        }
        let mut ins = p.code[i];
        if let Some(t) = ins.jump_target(i) {
            if !ins.set_jump_target(new_index[i], new_index[t.min(n)]) {
                return false;
            }
        }
        code.push(ins);
        spans.push(p.spans[i]);
    }
    p.code = code;
    p.spans = spans;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(src: &str) -> Module {
        let (ast, diags) = ruchy_syntax::parse(src);
        assert!(diags.is_empty());
        crate::compile(&ruchy_hir::check(&ast).expect("checks"))
    }

    fn body(m: &Module, name: &str) -> Vec<Instr> {
        m.protos.iter().find(|p| p.name == name).expect("function").code.clone()
    }

    #[test]
    fn unused_statement_results_are_not_materialised() {
        let m = compile("fun f(n) { let mut i = 0\n while i < n { i += 1 }\n i }");
        let code = body(&m, "f");
        assert!(!code.iter().any(|i| matches!(i, Instr::LoadNil { .. })), "{code:?}");
    }

    #[test]
    fn results_are_computed_into_their_variable() {
        let m = compile("fun f(a, b) { let c = a * b\n c + 1 }");
        let code = body(&m, "f");
        assert!(!code.iter().any(|i| matches!(i, Instr::Move { .. })), "{code:?}");
    }

    #[test]
    fn branches_return_directly() {
        let m = compile("fun f(n) { if n < 2 { n } else { n - 1 } }\nprintln(f(5))");
        let code = body(&m, "f");
        assert_eq!(code.iter().filter(|i| matches!(i, Instr::Return { .. })).count(), 2, "{code:?}");
        assert!(!code.iter().any(|i| matches!(i, Instr::Jmp { .. })), "{code:?}");
    }

    #[test]
    fn copied_place_values_are_loaded_straight_into_their_variable() {
        let m = compile("fun f(t) { let l = t[0]\n if l == nil { 1 } else { 2 } }\nprintln(f([[1]]))");
        let code = body(&m, "f");
        assert!(matches!(code[0], Instr::GetIndexK { .. }) && matches!(code[1], Instr::Share { .. }), "{code:?}");
        assert!(!code.iter().any(|i| matches!(i, Instr::Move { .. })), "{code:?}");
    }

    #[test]
    fn global_array_reads_are_one_instruction() {
        let m = compile("let xs = [1.5, 2.5]\nfun f(i) { xs[i] * 2.0 }\nprintln(f(1))");
        let code = body(&m, "f");
        assert!(matches!(code[0], Instr::GetGlobalIndex { .. }), "{code:?}");
        assert!(!code.iter().any(|i| matches!(i, Instr::GetGlobal { .. } | Instr::GetIndex { .. })), "{code:?}");
    }

    #[test]
    fn functions_with_handlers_are_left_alone() {
        let m = compile("fun f() { let x = 1\n try { x } catch e { 0 } }");
        let code = body(&m, "f");
        assert!(code.iter().any(|i| matches!(i, Instr::PushHandler { .. })));
    }
}

/// Snapshot of the whole pipeline's output (compiler + this pass) for a
/// small program: instruction selection, immediates, fused branches, loop
/// layout and register use are all visible here.
#[cfg(test)]
mod snapshot {
    use expect_test::expect;

    #[test]
    fn bytecode_listing() {
        let src = "fun fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }\nfun main() {\n  let mut i = 0\n  let mut acc = 0\n  while i < 100 { acc = (acc + i * i) % 1000003\n i += 1 }\n  for k in 0..3 { acc += k }\n  println(fib(10), acc)\n}";
        let (ast, diags) = ruchy_syntax::parse(src);
        assert!(diags.is_empty());
        let m = crate::compile(&ruchy_hir::check(&ast).expect("checks"));
        expect![[r#"
            fn #0 <top-level> (params 0, registers 3):
                 0  Call r1 = main(r1..+0)
                 1  LoadNil { dst: 0 }
                 2  Return { src: 0 }
            fn #1 fib (params 1, registers 6):
                 0  JmpIfNotLtIK r0 2 -> 2
                 1  Return { src: 0 }
                 2  AddIK { dst: 3, a: 0, k: -1 }
                 3  Call r2 = fib(r3..+1)
                 4  AddIK { dst: 4, a: 0, k: -2 }
                 5  Call r3 = fib(r4..+1)
                 6  AddI { dst: 1, a: 2, b: 3 }
                 7  Return { src: 1 }
            fn #2 main (params 0, registers 11):
                 0  LoadInt { dst: 3, v: 1000003 }
                 1  LoadInt { dst: 0, v: 0 }
                 2  LoadInt { dst: 1, v: 0 }
                 3  JmpIfNotLtIK r0 100 -> 9
                 4  MulI { dst: 9, a: 0, b: 0 }
                 5  AddI { dst: 8, a: 1, b: 9 }
                 6  Rem { dst: 1, a: 8, b: 3 }
                 7  AddIK { dst: 0, a: 0, k: 1 }
                 8  LoopIfLtIK r0 100 -> 4
                 9  LoadInt { dst: 2, v: 0 }
                10  LoadInt { dst: 6, v: 3 }
                11  JmpIfNotLt r2 r6 -> 14
                12  AddI { dst: 1, a: 1, b: 2 }
                13  ForStepLt r2 < r6 -> 12
                14  LoadInt { dst: 7, v: 10 }
                15  Call r5 = fib(r7..+1)
                16  Move { dst: 6, src: 1 }
                17  CallBuiltin r4 = println(r5..+2)
                18  Return { src: 4 }
        "#]].assert_eq(&crate::bytecode::disassemble(&m));
    }
}
