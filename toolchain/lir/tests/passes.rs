//! The optimiser on real programs: every conformance program the wasm back
//! end lowers goes through the -O2 pipeline with the verifier run after every
//! pass, and the instruction counts before and after are reported.
//!
//! Every pass must also keep behaviour: programs (the conformance programs,
//! a bank of snippets, and random structured functions) run in a reference
//! interpreter before and after must give the same trace of runtime calls
//! and the same outcome.
//!
//! Also: the pass manager's options (levels, `print_after`, statistics) and
//! the verifier's definite-assignment rules that optimised code relies on.

mod support;

use ruchy_lir::ir::*;
use ruchy_lir::passes::{self, Census, OptLevel, Options};
use std::path::{Path, PathBuf};

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance")
}

/// Lowers `src`; `None` when the front end rejects it or the wasm back end
/// does not support it yet.
fn try_lower(src: &str, file: &str) -> Option<Module> {
    let (ast, diags) = ruchy_syntax::parse(src);
    if !diags.is_empty() {
        return None;
    }
    let hir = ruchy_hir::check(&ast).ok()?;
    ruchy_lir::lower::lower(&hir, src, file, true).ok()
}

fn lower(src: &str) -> Module {
    try_lower(src, "t.ruchy").expect("lowers")
}

fn verifying(level: OptLevel) -> Options {
    Options { verify_each_pass: true, ..Options::at(level) }
}

fn conformance_modules() -> (usize, Vec<(PathBuf, Module)>) {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(conformance_dir())
        .expect("tests/conformance")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ruchy"))
        .collect();
    paths.sort();
    let total = paths.len();
    let lowered = paths
        .into_iter()
        .filter_map(|p| {
            let src = std::fs::read_to_string(&p).unwrap();
            try_lower(&src, &p.display().to_string()).map(|m| (p, m))
        })
        .collect();
    (total, lowered)
}

#[test]
fn o2_keeps_every_lowerable_conformance_program_valid() {
    let (total, modules) = conformance_modules();
    assert!(!modules.is_empty(), "no conformance program lowers");
    let mut after_o2 = 0;
    for level in [OptLevel::O2, OptLevel::O3, OptLevel::Os] {
        let (mut before, mut after) = (Census::default(), Census::default());
        let mut per_pass: Vec<(&'static str, Census)> = vec![];
        for (path, m) in &modules {
            let mut m = m.clone();
            // Panics, naming the pass and printing the listing, if any pass
            // leaves the module invalid.
            let report = passes::optimize(&mut m, &verifying(level));
            before = before.add(report.census_before, 1);
            after = after.add(report.census_after, 1);
            for (pass, removed) in report.census_per_pass() {
                match per_pass.iter_mut().find(|(n, _)| *n == pass) {
                    Some((_, c)) => *c = c.add(removed, 1),
                    None => per_pass.push((pass, removed)),
                }
            }
            ruchy_lir::roots::insert_roots(&mut m);
            ruchy_lir::verify::verify(&m).unwrap_or_else(|e| panic!("{}: after roots: {e}", path.display()));
        }
        println!(
            "-{}: {} of {total} conformance programs lower; instructions {} -> {} ({:+.1}%); in loops {} -> {}; computations {} -> {}; \
             direct calls {} -> {}; overflow checks {} -> {}; bounds checks {} -> {}",
            level.name(),
            modules.len(),
            before.insts,
            after.insts,
            100.0 * (after.insts - before.insts) as f64 / before.insts as f64,
            before.in_loops,
            after.in_loops,
            before.computations,
            after.computations,
            before.calls,
            after.calls,
            before.overflow_checks,
            after.overflow_checks,
            before.bounds_checks,
            after.bounds_checks
        );
        println!("  what each pass removed itself over all rounds (negative: added)");
        println!("  {:<12} {:>12} {:>9} {:>12} {:>14} {:>15} {:>13}", "pass", "instructions", "in loops", "computations", "calls inlined", "overflow checks", "bounds checks");
        for (pass, r) in &per_pass {
            println!("  {pass:<12} {:>12} {:>9} {:>12} {:>14} {:>15} {:>13}", r.insts, r.in_loops, r.computations, r.calls, r.overflow_checks, r.bounds_checks);
        }
        if level == OptLevel::O2 {
            after_o2 = after.insts;
            assert!(after.insts < before.insts, "-O2 removed nothing");
        }
        if level == OptLevel::Os {
            assert!(after.insts <= after_o2, "-Os is larger than -O2");
        }
    }
    println!("-O2 without one pass (the others' work it enables counts too):");
    for skip in passes::PASSES {
        let kept: Vec<&passes::Pass> = passes::PASSES.iter().filter(|p| p.name != skip.name).collect();
        let without: i64 = modules.iter().map(|(_, m)| passes::run_pipeline(&mut m.clone(), &kept, 4, &verifying(OptLevel::O2)).insts_after as i64).sum();
        println!("  without {:<12} {without} instructions ({:+} compared with -O2)", skip.name, without - after_o2);
    }
}

#[test]
fn inlining_at_os_never_makes_a_conformance_program_larger() {
    let (_, modules) = conformance_modules();
    let os = OptLevel::Os.passes();
    let without_inline: Vec<&passes::Pass> = os.iter().copied().filter(|p| p.name != "inline").collect();
    for (path, m) in &modules {
        let with = passes::run_pipeline(&mut m.clone(), &os, OptLevel::Os.max_rounds(), &verifying(OptLevel::Os)).insts_after;
        let without = passes::run_pipeline(&mut m.clone(), &without_inline, OptLevel::Os.max_rounds(), &verifying(OptLevel::Os)).insts_after;
        assert!(with <= without, "{}: -Os inlining grew the program from {without} to {with} instructions", path.display());
    }
}

/// Loop back-edges the interpreter may take per run.
const FUEL: u64 = 200;

fn assert_same_behaviour(original: &Module, before: &support::interp::Run, optimised: &Module, what: &str) {
    let after = support::interp::run(optimised, FUEL);
    if *before != after {
        panic!(
            "{what}: behaviour changed\nbefore: {before:?}\nafter:  {after:?}\n--- original\n{}--- optimised\n{}",
            ruchy_lir::print::print(original),
            ruchy_lir::print::print(optimised)
        );
    }
}

/// Each pass alone, and the whole pipeline of each level that runs them
/// all, keep `m` valid and its behaviour unchanged. Returns the passes that
/// changed `m` when run alone.
fn check_passes_keep_behaviour(m: &Module, what: &str) -> Vec<&'static str> {
    let before = support::interp::run(m, FUEL);
    let mut changed = vec![];
    for pass in passes::PASSES {
        let mut p = m.clone();
        if passes::run_on_module(&mut p, pass) {
            changed.push(pass.name);
        }
        if let Err(e) = ruchy_lir::verify::verify(&p) {
            panic!("{what}: after {}: {e}\n--- original\n{}--- after\n{}", pass.name, ruchy_lir::print::print(m), ruchy_lir::print::print(&p));
        }
        assert_same_behaviour(m, &before, &p, &format!("{what}: {}", pass.name));
    }
    for level in [OptLevel::O2, OptLevel::O3, OptLevel::Os] {
        let mut o = m.clone();
        passes::optimize(&mut o, &verifying(level));
        assert_same_behaviour(m, &before, &o, &format!("{what}: -{}", level.name()));
    }
    changed
}

#[test]
fn conformance_programs_behave_the_same_at_o2() {
    let (_, modules) = conformance_modules();
    for (path, m) in &modules {
        check_passes_keep_behaviour(m, &path.display().to_string());
    }
}

/// Snippets covering what lowering produces: loops of every kind with
/// `break`/`continue`/`break value`, short-circuit logic, recursion, early
/// returns, globals, floats, strings, dynamic values, constant conditions;
/// and for the interprocedural and loop passes: small functions (with early
/// returns, throws caught by the caller, inside loops), typed array loops
/// (in bounds, out of bounds, negative indices, arrays changed inside the
/// loop), counters near the `i64` limits, loop-invariant arithmetic.
const SNIPPETS: &[&str] = &[
    "let mut t = 0\nfor i in 0..10 { if i % 3 == 0 { continue }\n if i > 7 { break }\n t += i }\nprintln(t)\n",
    "let mut n = 0\nfor i in 1..=5 { for j in 0..i { if j == 2 { break }\n n += j } }\nprintln(n)\n",
    "fun f() -> i64 { let x = loop { break 5 }\n x }\nprintln(f())\n",
    "let mut i = 0\nlet r = loop { i += 1\n if i == 4 { break i * 10 } }\nprintln(r)\n",
    "let mut i = 10\nwhile i > 0 { i -= 3 }\nprintln(i)\n",
    "while false { println(\"never\") }\nprintln(\"done\")\n",
    "let a = true\nlet b = false\nprintln(a && b, a || b, !a)\nif a && !b { println(\"yes\") }\n",
    "fun fact(n: i64) -> i64 { if n <= 1 { return 1 }\n n * fact(n - 1) }\nprintln(fact(10))\n",
    "fun g(x: f64) -> f64 { let y = x * 2.0\n if y > 3.0 { y - 0.5 } else { -y } }\nprintln(g(1.0), g(2.5), 7.0 / 2.0, 1.0 / 0.0)\n",
    "let s = \"a\"\nlet mut t = s + \"b\"\nfor i in 0..3 { t = t + f\"{i}\" }\nprintln(t, t == \"ab012\")\n",
    "let x = 6 * 7\nlet y = x / 5\nlet z = x % 5\nprintln(x, y, z, -x, x << 2, x >> 1, x & 3, x | 8, x ^ 5, ~x)\n",
    "let big = 9223372036854775807\nprintln(big - 1)\nprintln(big + 1)\n",
    "let zero = 0\nprintln(10 / zero)\n",
    "fun main() { let mut k = 0\n while true { k += 2\n if k > 6 { break } }\n println(k) }\n",
    "let d = if 3 > 2 { 1 } else { \"two\" }\nprintln(d)\n",
    "let mut total = 0.0\nfor i in 0..4 { total += i as f64 * 0.5 }\nprintln(total, total as i64)\n",
    "fun sign(x: i64) -> i64 { if x < 0 { return -1 }\n if x == 0 { return 0 }\n 1 }\nlet mut t = 0\nfor i in -3..3 { t += sign(i) * 10 + sign(-i) }\nprintln(t)\n",
    "fun sq(x: i64) -> i64 { x * x }\nfun sum_sq(n: i64) -> i64 { let mut s = 0\n for i in 0..n { s += sq(i) }\n s }\nprintln(sum_sq(10), sq(3037000500))\n",
    "fun check(x: i64) -> i64 { if x > 3 { throw \"big\" }\n x + 1 }\nfun main() { for i in 2..6 { try { println(check(i)) } catch e { println(\"caught\", e) } } }\n",
    "fun inner(x: i64) -> i64 { if x == 2 { throw \"two\" }\n x }\nfun outer(x: i64) -> i64 { inner(x) * 2 }\nfun main() { try { println(outer(1))\n println(outer(2)) } catch e { println(e) } }\n",
    "fun total(a: [i64]) -> i64 { let mut t = 0\n for i in 0..a.len() { t += a[i] }\n t }\nprintln(total([1, 2, 3]), total([]))\n",
    "let xs = [10, 20, 30]\nlet mut t = 0\nfor i in 0..xs.len() + 1 { t += xs[i] }\nprintln(t)\n",
    "let xs = [10, 20, 30]\nfor i in 0..xs.len() { println(xs[-i - 1], xs[i]) }\n",
    "let mut xs = [1, 2, 3, 4]\nfor i in 0..xs.len() { xs[i] += i * 2\n xs[i] *= 3 }\nprintln(xs)\n",
    "let mut xs = [1, 2, 3, 4]\nlet n = xs.len()\nfor i in 0..n { xs.pop()\n println(xs[i]) }\n",
    "fun f(a: [i64], n: i64) -> i64 { let mut s = 0\n let mut i = 0\n while i < n { s += a[i] * (n * 2 + 1)\n i += 1 }\n s }\nprintln(f([1, 2, 3], 3))\nprintln(f([1, 2, 3], 4))\n",
    "let mut i = 9223372036854775805\nwhile i < 9223372036854775807 { i += 1 }\nprintln(i)\nlet mut j = 9223372036854775805\nwhile j <= 9223372036854775807 { j += 1 }\nprintln(j)\n",
    "let lo = -9223372036854775807 - 1\nlet mut k = -9223372036854775806\nwhile k > lo { k -= 1 }\nprintln(k)\nprintln(k - 1)\n",
    "let n = 6\nlet mut s = 0\nfor i in 0..n { for j in 0..n { s += (n * n + 1) * j + i * i } }\nprintln(s)\n",
    "fun grid(n: i64) -> [[i64]] { let mut g = []\n for i in 0..n { let mut row = []\n for j in 0..n { row.push(i * n + j) }\n g.push(row) }\n g }\nlet g = grid(3)\nlet mut d = 0\nfor i in 0..g.len() { d += g[i][i] }\nprintln(d)\n",
];

#[test]
fn snippets_behave_the_same_after_every_pass() {
    for src in SNIPPETS {
        let m = try_lower(src, "t.ruchy").unwrap_or_else(|| panic!("snippet does not lower:\n{src}"));
        check_passes_keep_behaviour(&m, src);
    }
}

#[test]
fn random_programs_behave_the_same_after_every_pass() {
    let (mut tested, mut shrunk, mut removed) = (0, 0, 0i64);
    let mut outcomes = std::collections::BTreeMap::new();
    let mut changed_by: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let mut effects = Census::default();
    for seed in 0..6000 {
        let m = support::gen::module(&mut support::gen::Rng::new(seed));
        if ruchy_lir::verify::verify(&m).is_err() {
            continue;
        }
        tested += 1;
        for pass in check_passes_keep_behaviour(&m, &format!("random program {seed}")) {
            *changed_by.entry(pass).or_insert(0) += 1;
        }
        let mut o = m.clone();
        let r = passes::optimize(&mut o, &verifying(OptLevel::O2));
        shrunk += (r.insts_after < r.insts_before) as usize;
        removed += r.insts_before as i64 - r.insts_after as i64;
        effects = effects.add(r.census_before.add(r.census_after, -1), 1);
        let outcome = format!("{:?}", support::interp::run(&m, FUEL).outcome);
        *outcomes.entry(outcome.split('(').next().unwrap().to_string()).or_insert(0) += 1;
    }
    println!("{tested} random programs verify; -O2 shrank {shrunk} of them by {removed} instructions in all; outcomes {outcomes:?}");
    println!("programs each pass changed when run alone: {changed_by:?}");
    println!("-O2 removed in all: {effects:?}");
    assert!(tested > 500, "only {tested} random programs verify");
    assert!(shrunk * 2 > tested, "-O2 shrank only {shrunk} of {tested}");
    // The generator exercises every pass.
    for pass in passes::PASSES {
        let n = changed_by.get(pass.name).copied().unwrap_or(0);
        assert!(n * 20 > tested, "{} changed only {n} of {tested} random programs", pass.name);
    }
}

#[test]
fn o0_changes_nothing_and_o1_runs_one_round_of_the_cheap_passes() {
    let src = "fun f(a: i64) -> i64 { let b = a; let c = b + 1 * 2; c }\nprintln(f(1))\n";
    let m0 = lower(src);
    let mut m = m0.clone();
    let r = passes::optimize(&mut m, &verifying(OptLevel::O0));
    assert_eq!(m, m0);
    assert!(r.runs.is_empty());
    let r = passes::optimize(&mut m, &verifying(OptLevel::O1));
    let names: Vec<&str> = r.runs.iter().map(|x| x.pass).collect();
    assert_eq!(names, ["copy_prop", "dce"]);
    assert!(r.insts_after < r.insts_before);
}

#[test]
fn o2_iterates_until_a_round_changes_nothing() {
    let mut m = lower("fun f(a: i64) -> i64 { let b = 2 * 3; if b > 5 { a + b } else { a - b } }\nprintln(f(1))\n");
    let r = passes::optimize(&mut m, &verifying(OptLevel::O2));
    let last_round = r.runs.last().unwrap().round;
    assert!(last_round >= 2, "{r:?}");
    assert!(r.runs.iter().filter(|x| x.round == last_round).all(|x| !x.changed), "{r:?}");
    assert_eq!(r.insts_after, r.runs.last().unwrap().insts_after);
    let f = m.funcs.iter().find(|f| f.name == "f").unwrap();
    let mut out = String::new();
    ruchy_lir::print::print_func(&mut out, 1, f);
    expect_test::expect![[r#"
        fn #1 f(v0:i64 (a)) -> i64  [frame 0]
          v2:i64 (b) = 6
          v6:i64 = i64addchk v0, v2  @1:50
          return v6
    "#]]
    .assert_eq(&out);
}

#[test]
fn print_after_captures_the_listing_after_each_run_of_the_pass() {
    let src = "fun f(a: i64) -> i64 { let b = 2 * 3; a + b }\nprintln(f(1))\n";
    let (ast, _) = ruchy_syntax::parse(src);
    let hir = ruchy_hir::check(&ast).unwrap();
    let opts = Options { print_after: Some("const_fold".into()), ..verifying(OptLevel::O2) };
    let (m, report) = ruchy_lir::compile_with(&hir, src, "t.ruchy", &opts).unwrap();
    assert!(report.printed.starts_with(";; after const_fold (round 1)\n"), "{}", report.printed);
    assert!(report.printed.contains("v2:i64 (b) = 6"), "{}", report.printed);
    assert_eq!(report.printed.matches(";; after const_fold").count(), report.runs.iter().filter(|r| r.pass == "const_fold").count());
    ruchy_lir::verify::verify(&m).unwrap();
    for name in ["lower", "roots"] {
        let opts = Options { print_after: Some(name.into()), ..verifying(OptLevel::O2) };
        let (_, report) = ruchy_lir::compile_with(&hir, src, "t.ruchy", &opts).unwrap();
        assert!(report.printed.starts_with(&format!(";; after {name}\n")), "{}", report.printed);
    }
    assert_eq!(passes::print_after_names(), ["lower", "inline", "const_fold", "copy_prop", "licm", "cse", "range", "peephole", "dce", "roots"]);
}

#[test]
fn report_summarises_each_pass() {
    let mut m = lower("fun f(a: i64) -> i64 { let b = a; let c = b + 1 * 2; c }\nprintln(f(1))\n");
    let r = passes::optimize(&mut m, &verifying(OptLevel::O2));
    let total: i64 = r.removed_per_pass().iter().map(|(_, n)| n).sum();
    assert_eq!(total, r.insts_before as i64 - r.insts_after as i64);
    let s = r.summary();
    assert!(s.starts_with(&format!("instructions: {} -> {}\n", r.insts_before, r.insts_after)), "{s}");
    assert!(s.contains("const_fold") && s.contains("copy_prop") && s.contains("dce"), "{s}");
}

#[test]
fn opt_levels_parse() {
    assert_eq!(OptLevel::parse("2"), Some(OptLevel::O2));
    assert_eq!(OptLevel::parse("-O3"), Some(OptLevel::O3));
    assert_eq!(OptLevel::parse("Os"), Some(OptLevel::Os));
    assert_eq!(OptLevel::parse("0"), Some(OptLevel::O0));
    assert_eq!(OptLevel::parse("4"), None);
    assert_eq!(Options::default().opt_level, OptLevel::O2);
}

// ----- the verifier's definite-assignment rules ---------------------------------

fn func(vars: &[Ty], params: &[VarId], body: Vec<Inst>) -> Module {
    let f = Func { name: "f".into(), params: params.to_vec(), ret: Ty::I64, vars: vars.iter().map(|&ty| Var { ty, name: None }).collect(), body, frame_slots: 0, catchable: false };
    support::gen::module_of(f, vec![])
}

fn c64(dst: VarId, n: i64) -> Inst {
    Inst::Const { dst, lit: Lit::I64(n) }
}

#[test]
fn verifier_accepts_a_value_assigned_before_every_branch_out_of_a_block() {
    // block { v1 = 1; br_if v0 0; v1 = 2 }; return v1 — no definition
    // before the block is needed.
    let m = func(&[Ty::I32, Ty::I64], &[0], vec![Inst::Block(vec![c64(1, 1), Inst::BrIf { cond: 0, depth: 0 }, c64(1, 2)]), Inst::Return(Some(1))]);
    ruchy_lir::verify::verify(&m).unwrap();
}

#[test]
fn verifier_rejects_a_branch_out_that_skips_the_definition() {
    let m = func(&[Ty::I32, Ty::I64], &[0], vec![Inst::Block(vec![Inst::BrIf { cond: 0, depth: 0 }, c64(1, 2)]), Inst::Return(Some(1))]);
    let e = ruchy_lir::verify::verify(&m).unwrap_err();
    assert!(e.contains("v1 is used before it is defined"), "{e}");
    // The same through an `if` arm's branch to the `if`'s own end.
    let m = func(
        &[Ty::I32, Ty::I64],
        &[0],
        vec![Inst::If { cond: 0, then: vec![Inst::Br(0)], else_: vec![c64(1, 1)] }, Inst::Return(Some(1))],
    );
    assert!(ruchy_lir::verify::verify(&m).is_err());
}

#[test]
fn verifier_accepts_a_value_assigned_in_a_loop_before_its_exit() {
    // block { loop { v1 = 1; br_if v0 1; br 0 } }; return v1
    let m = func(
        &[Ty::I32, Ty::I64],
        &[0],
        vec![Inst::Block(vec![Inst::Loop(vec![c64(1, 1), Inst::BrIf { cond: 0, depth: 1 }, Inst::Br(0)])]), Inst::Return(Some(1))],
    );
    ruchy_lir::verify::verify(&m).unwrap();
}

#[test]
fn verifier_does_not_check_unreachable_code_for_definitions() {
    let m = func(&[Ty::I64, Ty::I64], &[0], vec![Inst::Return(Some(0)), Inst::Return(Some(1))]);
    ruchy_lir::verify::verify(&m).unwrap();
}
