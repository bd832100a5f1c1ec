//! Helpers the passes share: instruction counts, operand rewriting, and the
//! label-depth bookkeeping that removing a structured instruction needs.
//!
//! Branch depths are relative: `br n` inside `k` nested structured
//! instructions of a body targets that body's own label when `n == k`, and a
//! label outside it when `n > k`. Removing the label of a body (flattening a
//! `block` into its parent) therefore means decrementing exactly the depths
//! with `n > k`, and is only possible when no branch has `n == k`.

use crate::ir::*;

/// Number of instructions in a body, nested ones included.
pub fn count(body: &[Inst]) -> usize {
    let mut n = 0;
    walk(body, &mut |_| n += 1);
    n
}

/// Number of instructions in all functions of a module.
pub fn count_module(m: &Module) -> usize {
    m.funcs.iter().map(|f| count(&f.body)).sum()
}

/// Calls `f` on every variable an instruction reads (not those of nested
/// bodies), allowing it to be replaced. Agrees with [`crate::ir::uses`].
pub fn for_each_use_mut(i: &mut Inst, f: &mut impl FnMut(&mut VarId)) {
    match i {
        Inst::Const { .. } | Inst::GlobalGet { .. } | Inst::Block(_) | Inst::Loop(_) | Inst::Br(_) | Inst::Fail { .. } => {}
        Inst::Copy { src, .. } | Inst::Unary { src, .. } => f(src),
        Inst::Binary { a, b, .. } => {
            f(a);
            f(b);
        }
        Inst::Select { cond, a, b, .. } => {
            f(cond);
            f(a);
            f(b);
        }
        Inst::Call { args, .. } => args.iter_mut().for_each(f),
        Inst::Load { addr, .. } => f(addr),
        Inst::Store { addr, value, .. } => {
            f(addr);
            f(value);
        }
        Inst::GlobalSet { value, .. } => f(value),
        Inst::If { cond, .. } | Inst::BrIf { cond, .. } => f(cond),
        Inst::Return(v) => v.iter_mut().for_each(f),
        Inst::Root { var, .. } => f(var),
    }
}

/// The nested bodies of a structured instruction (none for the others).
pub fn bodies_mut(i: &mut Inst) -> Vec<&mut Vec<Inst>> {
    match i {
        Inst::Block(b) | Inst::Loop(b) => vec![b],
        Inst::If { then, else_, .. } => vec![then, else_],
        _ => vec![],
    }
}

/// True when some branch in `body` targets the label whose body it is.
pub fn targets_own_label(body: &[Inst]) -> bool {
    targets_level(body, 0)
}

fn targets_level(body: &[Inst], level: u32) -> bool {
    body.iter().any(|i| match i {
        Inst::Br(d) | Inst::BrIf { depth: d, .. } => *d == level,
        Inst::Block(b) | Inst::Loop(b) => targets_level(b, level + 1),
        Inst::If { then, else_, .. } => targets_level(then, level + 1) || targets_level(else_, level + 1),
        _ => false,
    })
}

/// Prepares the body of a label that is going away (its contents will be
/// spliced into the enclosing body): branches past the label lose one level.
/// The caller has checked [`targets_own_label`] is false.
pub fn remove_own_label(body: &mut [Inst]) {
    shift_level(body, 0);
}

fn shift_level(body: &mut [Inst], level: u32) {
    for i in body {
        match i {
            Inst::Br(d) | Inst::BrIf { depth: d, .. } => {
                debug_assert_ne!(*d, level, "branch to a label being removed");
                if *d > level {
                    *d -= 1;
                }
            }
            Inst::Block(b) | Inst::Loop(b) => shift_level(b, level + 1),
            Inst::If { then, else_, .. } => {
                shift_level(then, level + 1);
                shift_level(else_, level + 1);
            }
            _ => {}
        }
    }
}

/// Literal equality as wasm sees it: floats compare by bit pattern, so
/// `0.0` and `-0.0` differ and a NaN equals itself.
pub fn same_lit(a: Lit, b: Lit) -> bool {
    match (a, b) {
        (Lit::F64(x), Lit::F64(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

#[cfg(test)]
pub mod testing {
    //! Builders for hand-written fixture functions.

    use crate::ir::*;

    pub fn func(vars: &[Ty], params: &[VarId], ret: Ty, body: Vec<Inst>) -> Func {
        Func { name: "f".into(), params: params.to_vec(), ret, vars: vars.iter().map(|&ty| Var { ty, name: None }).collect(), body, frame_slots: 0 }
    }

    /// A module of `funcs` (entry: the first) with one static string. The
    /// other fields come from lowering an empty program, so that fixtures
    /// need no change when the module grows a field.
    pub fn module(funcs: Vec<Func>) -> Module {
        let mut m = lower("");
        m.funcs = funcs;
        m.globals = vec![];
        m.statics = vec![Static::Str("x".into())];
        m.entry = 0;
        m.main = None;
        m
    }

    /// Lowers Ruchy source (not optimised, no roots).
    pub fn lower(src: &str) -> Module {
        let (ast, diags) = ruchy_syntax::parse(src);
        assert!(diags.is_empty(), "{diags:?}");
        let hir = ruchy_hir::check(&ast).expect("checks");
        crate::lower::lower(&hir, src, "t.ruchy").expect("lowers")
    }

    /// Runs one pass on every function of `m`, verifies, and returns the
    /// listing of the function named `name`.
    pub fn run_pass(m: &mut Module, pass: &super::super::Pass, name: &str) -> String {
        super::super::run_on_module(m, pass);
        crate::verify::verify(m).unwrap_or_else(|e| panic!("{e}\n{}", crate::print::print(m)));
        listing(m, name)
    }

    pub fn listing(m: &Module, name: &str) -> String {
        let id = m.funcs.iter().position(|f| f.name == name).unwrap_or_else(|| panic!("no function {name}"));
        let mut out = String::new();
        crate::print::print_func(&mut out, id as FuncId, &m.funcs[id]);
        out
    }

    pub fn c64(dst: VarId, n: i64) -> Inst {
        Inst::Const { dst, lit: Lit::I64(n) }
    }

    pub fn c32(dst: VarId, n: i32) -> Inst {
        Inst::Const { dst, lit: Lit::I32(n) }
    }

    pub fn bin(dst: VarId, op: BinOp, a: VarId, b: VarId) -> Inst {
        Inst::Binary { dst, op, a, b, loc: Loc { line: 1, col: 1 } }
    }

    pub fn copy(dst: VarId, src: VarId) -> Inst {
        Inst::Copy { dst, src }
    }
}
