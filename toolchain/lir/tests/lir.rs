//! Tests of the LIR stages: lowering (snapshot), the verifier, liveness and
//! GC root placement.

use expect_test::expect;
use ruchy_lir::ir::*;
use ruchy_lir::{liveness, print, roots, verify};

fn lower(src: &str) -> Module {
    let (ast, diags) = ruchy_syntax::parse(src);
    assert!(diags.is_empty(), "{diags:?}");
    let hir = ruchy_hir::check(&ast).expect("checks");
    ruchy_lir::compile(&hir, src, "t.ruchy").expect("lowers")
}

fn func(vars: &[Ty], params: &[VarId], ret: Ty, body: Vec<Inst>) -> Func {
    Func {
        name: "f".into(),
        params: params.to_vec(),
        ret,
        vars: vars.iter().map(|&ty| Var { ty, name: None }).collect(),
        body,
        frame_slots: 0,
        catchable: false,
    }
}

fn module(funcs: Vec<Func>) -> Module {
    Module { funcs, globals: vec![], statics: vec![Static::Str("x".into())], entry: 0, main: None, file: "t".into(), structs: vec![], enums: vec![], table: vec![], uncaught: None, pending: None }
}

#[test]
fn lowering_listing_of_a_recursive_function() {
    let m = lower("fun fib(n: i64) -> i64 { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }\nprintln(fib(10))\n");
    let fib = m.funcs.iter().position(|f| f.name == "fib").unwrap();
    let mut out = String::new();
    print::print_func(&mut out, fib as FuncId, &m.funcs[fib]);
    expect![[r#"
        fn #1 fib(v0:i64 (n)) -> i64  [frame 0]
          v2:i64 = 2
          v3:i32 = i64lt v0, v2
          if v3 {
            v1:i64 = v0
          } else {
            v4:i64 = 1
            v5:i64 = i64sub v0, v4
            v6:i64 = call #1(v5)  @1:48
            v7:i64 = 2
            v8:i64 = i64sub v0, v7
            v9:i64 = call #1(v8)  @1:61
            v10:i64 = i64addchk v6, v9  @1:48
            v1:i64 = v10
          }
          return v1
    "#]]
    .assert_eq(&out);
}

#[test]
fn unsupported_constructs_are_compile_errors_with_locations() {
    let src = "let f = Some\nprintln(f(1))\n";
    let (ast, _) = ruchy_syntax::parse(src);
    let hir = ruchy_hir::check(&ast).unwrap();
    let errs = ruchy_lir::compile(&hir, src, "t.ruchy").unwrap_err();
    assert!(errs[0].message.contains("does not support enum-variant expressions"), "{errs:?}");
    assert_eq!(errs[0].span.start, 8);
}

#[test]
fn verifier_accepts_lowered_programs() {
    let m = lower("let mut s = \"\"\nfor i in 0..3 { s = s + f\"{i},\" }\nprintln(s)\n");
    verify::verify(&m).unwrap();
}

#[test]
fn verifier_rejects_use_before_definition() {
    let f = func(&[Ty::I64, Ty::I64], &[], Ty::I64, vec![Inst::Copy { dst: 0, src: 1 }, Inst::Return(Some(0))]);
    let e = verify::verify(&module(vec![f])).unwrap_err();
    assert!(e.contains("v1 is used before it is defined"), "{e}");
}

#[test]
fn verifier_rejects_type_mismatches() {
    let f = func(
        &[Ty::I64, Ty::F64],
        &[0, 1],
        Ty::I64,
        vec![Inst::Binary { dst: 0, op: BinOp::I64Add, a: 0, b: 1, loc: Loc::default() }, Inst::Return(Some(0))],
    );
    let e = verify::verify(&module(vec![f])).unwrap_err();
    assert!(e.contains("v1 is f64 but i64 is required"), "{e}");
}

#[test]
fn verifier_rejects_branches_out_of_range() {
    let f = func(&[Ty::I64], &[0], Ty::I64, vec![Inst::Block(vec![Inst::Br(1)]), Inst::Return(Some(0))]);
    let e = verify::verify(&module(vec![f])).unwrap_err();
    assert!(e.contains("branch depth 1 but only 1 enclosing labels"), "{e}");
}

#[test]
fn verifier_accepts_values_defined_on_both_arms() {
    let f = func(
        &[Ty::I32, Ty::I64],
        &[0],
        Ty::I64,
        vec![
            Inst::If { cond: 0, then: vec![Inst::Const { dst: 1, lit: Lit::I64(1) }], else_: vec![Inst::Const { dst: 1, lit: Lit::I64(2) }] },
            Inst::Return(Some(1)),
        ],
    );
    verify::verify(&module(vec![f])).unwrap();
    // Defined on one arm only: rejected.
    let g = func(
        &[Ty::I32, Ty::I64],
        &[0],
        Ty::I64,
        vec![Inst::If { cond: 0, then: vec![Inst::Const { dst: 1, lit: Lit::I64(1) }], else_: vec![] }, Inst::Return(Some(1))],
    );
    assert!(verify::verify(&module(vec![g])).is_err());
}

#[test]
fn liveness_carries_values_around_loop_back_edges() {
    // v1 = 0; loop { v2 = v1 + v0; v1 = v2; br_if v3 0 }; return v1
    let body = vec![
        Inst::Const { dst: 1, lit: Lit::I64(0) },
        Inst::Loop(vec![
            Inst::Binary { dst: 2, op: BinOp::I64Add, a: 1, b: 0, loc: Loc::default() },
            Inst::Copy { dst: 1, src: 2 },
            Inst::BrIf { cond: 3, depth: 0 },
        ]),
        Inst::Return(Some(1)),
    ];
    let f = func(&[Ty::I64, Ty::I64, Ty::I64, Ty::I32], &[0, 3], Ty::I64, body);
    let mut after_add = None;
    liveness::for_each_live_after(&f, &mut |i, live| {
        if matches!(i, Inst::Binary { .. }) {
            after_add = Some(live.iter().collect::<Vec<_>>());
        }
    });
    // After the add: v2 (copied next), v0 and v3 (used again next iteration).
    assert_eq!(after_add.unwrap(), vec![0, 2, 3]);
}

#[test]
fn references_live_across_calls_get_roots_and_scalars_do_not() {
    let m = lower("fun f(n: i64) -> String { let s = \"a\" + f\"{n}\"; let t = s + \"b\"; t + f\"{n}\" }\nprintln(f(1))\n");
    let f = m.funcs.iter().find(|f| f.name == "f").unwrap();
    let mut rooted = vec![];
    walk(&f.body, &mut |i| {
        if let Inst::Root { var, .. } = i {
            rooted.push(*var);
        }
    });
    assert!(!rooted.is_empty());
    assert!(rooted.iter().all(|&v| f.ty(v) == Ty::Ref));
    // `s`'s and `t`'s lifetimes do not overlap across a call: slots are reused.
    assert!(f.frame_slots < rooted.len() as u32, "frame {} for {} rooted values", f.frame_slots, rooted.len());
}

#[test]
fn roots_pass_is_idempotent_on_root_free_functions() {
    let mut m = lower("fun add(a: i64, b: i64) -> i64 { a + b }\nprintln(add(1, 2))\n");
    let before = m.funcs[1].clone();
    roots::insert_roots(&mut m);
    assert_eq!(m.funcs[1], before);
    assert_eq!(before.frame_slots, 0);
}
