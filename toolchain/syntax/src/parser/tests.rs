//! Parser tests: precedence, newline rules, literals vs blocks, patterns,
//! error recovery, the conformance corpus and robustness on mangled input.

use super::parse;
use crate::ast_dump::dump_program;
use expect_test::{expect, Expect};

/// Parses `src` and dumps the program followed by any diagnostics.
fn check(src: &str, expected: Expect) {
    let (program, diags) = parse(src);
    let mut out = dump_program(&program);
    for d in diags {
        out.push_str(&format!("error {}..{}: {}\n", d.span.start, d.span.end, d.message));
    }
    expected.assert_eq(&out);
}

/// Parses and checks there are no diagnostics; returns the dump.
fn ok(src: &str) -> String {
    let (program, diags) = parse(src);
    assert!(diags.is_empty(), "unexpected diagnostics for {src:?}: {diags:?}");
    dump_program(&program)
}

fn error_messages(src: &str) -> Vec<String> {
    parse(src).1.into_iter().map(|d| d.message).collect()
}

#[test]
fn precedence_from_the_reference() {
    check(
        "1 + 1..5; 0..n*2; 6 & 3 == 2; -2 ** 2; 2 ** 3 ** 2; 2 ** -1; xs |> len + 1\n1 + 2 * 3 - 4; a || b && c ?? d; !a == b; -x.abs()",
        expect![[r#"
            (.. (+ 1 1) 5);
            (.. 0 (* n 2));
            (& 6 (== 3 2));
            (** (- 2) 2);
            (** 2 (** 3 2));
            (** 2 (- 1));
            (call (+ len 1) xs)
            (- (+ 1 (* 2 3)) 4);
            (|| a (?? (&& b c) d));
            (== (! a) b);
            (- (.abs x))
        "#]],
    );
}

#[test]
fn assignment_ranges_and_casts() {
    check(
        "a = b = c\nx += 1 << 2\ns[1..]\ns[..2]\ns[..]\nr = 0..=n\nx as i64 < y\n(t.0).1\nt.0.1\nc ? a : b\nf()?\nx |> f(a) |> g",
        expect![[r#"
            (= a (= b c))
            (+= x (<< 1 2))
            (index s (.. 1 _))
            (index s (.. _ 2))
            (index s (.. _ _))
            (= r (..= 0 n))
            (< (as x i64) y)
            (. (. t 0) 1)
            (. (. t 0) 1)
            (?: c a b)
            (? (call f))
            (call g (call f x a))
        "#]],
    );
}

#[test]
fn postfix_forms_and_paths() {
    check(
        "s.parse::<i32>()\nVec::<i32>::new()\nHashMap::new()\nColor::Red\nPoint::new(1, 2)\nx.field.m(1)[0]\nvec![1, 2]\nvec![0; n]\nprintln!(\"{}\", x); &mut x; *y",
        expect![[r#"
            (.parse::<i32> s)
            (call Vec::new)
            (call HashMap::new)
            Color::Red
            (call Point::new 1 2)
            (index (.m (. x field) 1) 0)
            [1, 2]
            [0; n]
            (println! "{}" x);
            x;
            y
        "#]],
    );
}

#[test]
fn newline_rules() {
    check(
        "let d = a\n  - 1\nlet r = xs\n  .map(|x| x)\nlet c = a +\n  b\nf\n(1, 2)\nlet v = w\n[0]",
        expect![[r#"
            (let d (- a 1))
            (let r (.map xs (|x| x)))
            (let c (+ a b))
            f
            (tuple 1 2)
            (let v (index w 0))
        "#]],
    );
}

#[test]
fn block_like_statement_ends_at_brace() {
    check(
        "if c { 1 } else { 2 }\n[1, 2]\nwhile x { }\n-1\nlet v = match x { _ => 1 }\n[0]\nmatch x { _ => 1 }.len()",
        expect![[r#"
            (if c {1} else {2})
            [1, 2]
            (while x {})
            (- 1)
            (let v (index (match x
              _ => 1) 0))
            (.len (match x
              _ => 1))
        "#]],
    );
}

#[test]
fn struct_literals_blocks_and_dicts() {
    check(
        "let p = Point { x: 1, y }\nif x == Y { 1 }\nlet d = {}\nlet e = {\"k\": 1, k2: 2}\nlet b = { let y = 1; y }\nfun f() {}\nlet o = E::V { a: 1, ..base }\nfor i in xs { }\nlet c = || {}",
        expect![[r#"
            (let p (new Point {x: 1, y}))
            (if (== x Y) {1})
            (let d (dict {}))
            (let e (dict {"k": 1, "k2": 2}))
            (let b {(let y 1) y})
            (fun f () {})
            (let o (new E::V {a: 1, ..base}))
            (for i xs {})
            (let c (|| {}))
        "#]],
    );
}

#[test]
fn match_arms_and_patterns() {
    check(
        r#"match v {
    0 => "zero",
    1 | 2 => "small"
    3..=9 => "digit"
    -5 => "neg"
    'a'..='z' => "letter",
    n if n < 0 => "negative",
    k @ 10..=99 => f"{k}",
    (a, (b, _)) => a,
    [first, ..rest] => first,
    [.., last] => last,
    [a, mid @ .., z] => mid,
    Shape::Circle(r) => r,
    Some(x) | None => x,
    P { x: 0, y, .. } => y,
    E::V { a } => a,
    &x => x,
    ref y => y,
    mut z => z,
    nil => 0,
    _ => { big() }
    [1] => 2
}"#,
        expect![[r#"
            (match v
              0 => "zero"
              1 | 2 => "small"
              3..=9 => "digit"
              -5 => "neg"
              "a"..="z" => "letter"
              n if (< n 0) => "negative"
              k @ 10..=99 => (f {k})
              (a, (b, _)) => a
              [first, ..rest] => first
              [.., last] => last
              [a, ..mid, z] => mid
              Shape::Circle(r) => r
              Some(x) | None => x
              P {x: 0, y: y, ..} => y
              E::V {a: a} => a
              x => x
              y => y
              z => z
              nil => 0
              _ => {(call big)}
              [1] => 2)
        "#]],
    );
}

#[test]
fn declarations() {
    check(
        r#"#[derive(Debug, Clone)]
pub struct Pair<T: Clone> { a: T, b: i32 = 100, fun sum(&self) -> i32 { self.a + self.b } }
struct P(i32, i32);
struct U;
class Counter { let count: i32 = 0, fun inc(&mut self) { self.count += 1 } }
enum E<T> { A, B(i32, f64), C { x: i32 }, D = 10, Neg = -1 }
impl<T> Pair<T> { pub fn new(a: T) -> Pair<T> where T: Clone { Pair { a, b: 1 } } }
impl Display for P { fn fmt(&self) -> String { "p" } }
trait Shape { fun area(&self) -> f64; fun name(&self) -> String { "shape" } }
mod m { pub fun f(x = 1, sep = ": ") -> Option<Vec<(i32, String)>> { nil } }
use std::collections::{HashMap, HashSet};
import math
const N: usize = 10
async fun main() { let (a, b): (i32, &str) = (1, "x") }
type Alias = Vec<i32>
fun apply(f: impl Fn(i32) -> i32, g: Box<dyn Fn(i32) -> i32>, h: fn(i32) -> i32, xs: &mut [i32; 3]) {}"#,
        expect![[r#"
            (struct Pair<T> {a: T, b: i32 = 100}
              (fun sum (self) -> i32 {(+ (. self a) (. self b))}))
            (struct P (0: i32, 1: i32))
            (struct U {})
            (class Counter {count: i32 = 0}
              (fun inc (self) {(+= (. self count) 1)}))
            (enum E<T> A B(2) C {x} D = 10 Neg = -1)
            (impl Pair
              (fun new (a: T) -> Pair<T> {(new Pair {a, b: 1})}))
            (impl Display for P
              (fun fmt (self) -> String {"p"}))
            (trait Shape
              (fun name (self) -> String {"shape"}))
            (mod m
              (fun f (x = 1, sep = ": ") -> Option<Vec<(i32, String)>> {nil}))
            (use std::collections)
            (use math)
            (const N: usize 10)
            (fun main () {(let (a, b): (i32, str) (tuple 1 "x"))})
            (fun apply (f: fn(i32) -> i32, g: Box<fn(i32) -> i32>, h: fn(i32) -> i32, xs: [i32]) {})
        "#]],
    );
}

#[test]
fn closures_and_control_flow() {
    check(
        r#"let f = |x| x + 1
let g = |a, b| { a + b }
let h = || 0
let k = |x: i32| -> i32 { x }
let t = |(a, b)| a + b
let m = move |x| x
let an = fun(x) { x * 2 }
let ar = xs.map(x => x * 2)
'outer: for i in 0..3 { for j in 0..3 { if j > i { continue 'outer } break 'outer } }
@lbl: loop { break @lbl }
let v = loop { break 5 }
if let Some(x) = o { x } else if y { 1 } else { 2 }
while let Some(t) = s.pop() { }
let r = try { throw "bad" } catch e { e } finally { done() }
try { 1 } catch (e) { 2 }
fun early() { if x { return }
}"#,
        expect![[r#"
            (let f (|x| (+ x 1)))
            (let g (|a, b| {(+ a b)}))
            (let h (|| 0))
            (let k (|x: i32| {x}))
            (let t (|(a, b)| (+ a b)))
            (let m (|x| x))
            (let an (|x| {(* x 2)}))
            (let ar (.map xs (|x| (* x 2))))
            ('outer: for i (.. 0 3) {(for j (.. 0 3) {(if (> j i) {(continue 'outer)}) (break 'outer)})})
            ('lbl: loop {(break 'lbl)})
            (let v (loop {(break 5)}))
            (if-let Some(x) o {x} else (if y {1} else {2}))
            (while-let Some(t) (.pop s) {})
            (let r (try {(throw "bad")} catch e {e} finally {(call done)}))
            (try {1} catch e {2})
            (fun early () {(if x {(return)})})
        "#]],
    );
}

#[test]
fn fstrings_with_holes_and_specs() {
    check(
        r#"f"x={x} y={f(y):.2} {{lit}} {Color::Red} {m::f(a):>8} {'s'} {v:?} {n:+08.3e}""#,
        expect![[r#"
            (f "x=" {x} " y=" {(call f y):.2} " {lit} " {Color::Red} " " {(call m::f a):>8} " " {"s"} " " {v:?} " " {n:+08.3e})
        "#]],
    );
    // Spans of hole expressions point into the file.
    let (program, _) = parse("let s = f\"ab{xy}\"");
    let crate::ast::StmtKind::Let { init: Some(init), .. } = &program.stmts[0].kind else { panic!() };
    let crate::ast::ExprKind::FString(parts) = &init.kind else { panic!() };
    let crate::ast::FPart::Expr { expr, .. } = &parts[1] else { panic!() };
    assert_eq!(expr.span, crate::Span::new(13, 15));
}

#[test]
fn fstring_errors_are_reported_in_place() {
    check(
        "f\"{}\"\nf\"{x:zz}\"\nf\"{a b}\"",
        expect![[r#"
            (f {nil})
            (f {x})
            (f {nil})
            error 2..4: empty expression in f-string hole
            error 11..13: invalid format spec `zz`
            error 21..22: expected '}' after the f-string expression, found identifier `b`
        "#]],
    );
}

#[test]
fn error_recovery_reports_independent_errors() {
    check(
        "let a = (1 + \nlet b = 2\nlet c = [1, 2\nfun f( { }\nlet d = 3 +\nprintln(d)\n}\nlet e = if { }",
        expect![[r#"
            (let b 2)
            (let d (+ 3 (call println d)))
            error 14..17: expected expression, found 'let'
            error 38..41: expected ']' to close '[' opened at 3:9, found 'fun'
            error 45..46: expected a pattern, found '{'
            error 72..73: unexpected '}' with no matching '{'
            error 88..88: expected '{', found end of file
        "#]],
    );
}

#[test]
fn error_messages_are_specific() {
    assert_eq!(error_messages("f(1, 2"), vec!["expected ')' to close '(' opened at 1:2, found end of file"]);
    assert_eq!(error_messages("let x = else"), vec!["expected expression, found 'else'"]);
    assert_eq!(error_messages("match x { 1 2 }"), vec!["expected '=>' after the match pattern, found integer 2"]);
}

#[test]
fn nesting_too_deep_is_a_diagnostic() {
    for open in ["(", "[", "-", "{", "if x {", "|x| ", "f(", "!"] {
        let src = open.repeat(5000);
        let msgs = error_messages(&src);
        assert!(msgs.iter().any(|m| m == "nesting too deep"), "{open}: {msgs:?}");
    }
    let deep_ok = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    ok(&deep_ok);
}

#[test]
fn types_close_nested_generics() {
    let out =
        ok("let x: Option<Vec<(i32, String)>> = nil\nlet y: HashMap<String, Vec<Vec<i32>>>= m\nlet z: &'a str = s");
    expect![[r#"
        (let x: Option<Vec<(i32, String)>> nil)
        (let y: HashMap<String, Vec<Vec<i32>>> m)
        (let z: str s)
    "#]]
    .assert_eq(&out);
}

fn conformance_files() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "ruchy"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let src = std::fs::read_to_string(&p).expect("read conformance file");
            (p.file_name().unwrap().to_string_lossy().into_owned(), src)
        })
        .collect()
}

#[test]
fn conformance_corpus_parses_without_errors() {
    let files = conformance_files();
    assert!(files.len() > 50, "corpus not found");
    let mut failures = String::new();
    for (name, src) in &files {
        let (_, diags) = parse(src);
        if !diags.is_empty() {
            failures.push_str(&crate::diag::render(name, src, &diags));
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// `RUCHY_DUMP=path cargo test -p ruchy-syntax dump_file -- --ignored --nocapture`
/// prints the AST of any file (a debugging aid).
#[test]
#[ignore]
fn dump_file() {
    let path = std::env::var("RUCHY_DUMP").expect("set RUCHY_DUMP");
    let src = std::fs::read_to_string(&path).expect("read file");
    let (program, diags) = parse(&src);
    println!("{}", dump_program(&program));
    print!("{}", crate::diag::render(&path, &src, &diags));
}

/// Parses `src` and fails with the offending input if the parser panics.
fn must_not_panic(src: &str) {
    let result = std::panic::catch_unwind(|| parse(src));
    assert!(result.is_ok(), "parser panicked on input:\n{src:?}");
}

#[test]
fn truncated_conformance_files_do_not_panic() {
    for (_, src) in conformance_files() {
        let boundaries: Vec<usize> = src.char_indices().map(|(i, _)| i).collect();
        let step = (boundaries.len() / 60).max(1);
        for &cut in boundaries.iter().step_by(step) {
            must_not_panic(&src[..cut]);
        }
    }
}

/// A tiny deterministic PRNG (xorshift64*), so the test needs no crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Characters that are most likely to confuse a parser.
const NOISE: &[char] = &[
    '(', ')', '{', '}', '[', ']', '"', '\'', '|', ':', ';', ',', '.', '=', '<', '>', '-', '+', '!', '?', '#', '/',
    '\\', '*', '&', '@', '\n', ' ', 'f', 'r', '0', '9', 'x', 'é',
];

fn mutate(src: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = src.chars().collect();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(chars.len() + 1);
        let noise = NOISE[rng.below(NOISE.len())];
        match rng.below(3) {
            0 if at < chars.len() => chars[at] = noise,
            1 if at < chars.len() => {
                chars.remove(at);
            }
            _ => chars.insert(at, noise),
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_conformance_files_do_not_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (_, src) in conformance_files() {
        for _ in 0..25 {
            must_not_panic(&mutate(&src, &mut rng));
        }
    }
    for _ in 0..2000 {
        let len = rng.below(40);
        let src: String = (0..len).map(|_| NOISE[rng.below(NOISE.len())]).collect();
        must_not_panic(&src);
    }
}

/// A longer fuzzing run: `cargo test -p ruchy-syntax fuzz_long -- --ignored`.
#[test]
#[ignore]
fn fuzz_long() {
    const WORDS: &[&str] = &[
        "let ", "fun ", "if ", "else ", "match ", "=> ", "for ", "in ", "while ", "loop ", "struct ", "enum ", "impl ",
        "trait ", "class ", "try ", "catch ", "finally ", "return ", "break ", "'a ", "'a'", "f\"{", "}\"", "r#\"",
        "\"#", "vec![", "x!", "|x| ", "|| ", "::", "..", "..=", "**", "|>", "? ", "as ", "&mut ", "mut ", "Some(",
        "None", "_ ", "@l: ", "#[a]", "/*", "*/", "//", "\n", "x", "P { ", "1.5", "0x", "<", ">>", "-> ", "where ",
        "self", "&self",
    ];
    let mut rng = Rng(42);
    let files = conformance_files();
    for round in 0..20_000 {
        let src = if round % 2 == 0 {
            let (_, base) = &files[rng.below(files.len())];
            mutate(base, &mut rng)
        } else {
            let n = rng.below(60);
            (0..n).map(|_| WORDS[rng.below(WORDS.len())]).collect()
        };
        let started = std::time::Instant::now();
        must_not_panic(&src);
        assert!(started.elapsed().as_secs() < 2, "slow input: {src:?}");
    }
}
