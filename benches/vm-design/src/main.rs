//! Bench driver: runs every variant RUNS times (default 7, plus one discarded warm-up round),
//! interleaved round-robin in one process, and prints Markdown tables to stdout.

mod dispatch;
mod isa;
mod value;

use dispatch::Dispatch;
use isa::Program;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};
use value::{Heap, NanBox, Tagged, Val};

const INT_N: i64 = 3_000_000;
const FIB_N: i64 = 27;
const STEPS: i64 = 20_000;
const ARR_N: i64 = 1_000_000;

#[derive(Clone, Copy)]
enum Want { I(i64), F(f64) }

type Bench = Box<dyn FnMut() -> Duration>;

struct Row {
    program: &'static str,
    variant: String,
    base: usize,        // row index of the baseline this row is compared with
    cmp: Option<usize>, // row index of the tagged-enum row with the same dispatch (experiment 2)
    f: Bench,
    t: Vec<f64>,
}

fn heap_empty<V: Val>() -> Heap<V> {
    Heap::default()
}

fn heap_nbody<V: Val>() -> Heap<V> {
    let mut h = heap_empty();
    h.arrays = isa::NBODY_INIT.iter().map(|a| a.iter().map(|&f| V::float(f)).collect()).collect();
    h
}

fn heap_array<V: Val>() -> Heap<V> {
    let mut h = heap_empty();
    let arr = (0..ARR_N).map(|k| V::int(isa::array_elem(k), &mut h)).collect();
    h.arrays.push(arr);
    h
}

fn check<V: Val>(v: V, h: &Heap<V>, want: Want) {
    match want {
        Want::I(x) => assert_eq!(v.as_int(h), Some(x), "{}", V::NAME),
        Want::F(x) => assert_eq!(v.as_float().map(f64::to_bits), Some(x.to_bits()), "{}", V::NAME),
    }
}

/// One VM run per call; heap (re)construction and the result check are outside the timed region.
/// Decoding (for threaded/closures) is inside it — it is a few microseconds for these programs.
fn vm_case<V: Val>(p: &Program, mk: fn() -> Heap<V>, rebuild: bool, d: Dispatch, want: Want) -> Bench {
    let (p, run, mut heap) = (p.clone(), d.runner::<V>(), mk());
    Box::new(move || {
        if rebuild {
            heap = mk();
        }
        (heap.bigs, heap.allocated, heap.threshold) = (Vec::new(), 0, 4 << 20);
        let t = Instant::now();
        let v = run(black_box(&p), &mut heap).expect("VM trapped");
        let el = t.elapsed();
        check(black_box(v), &heap, want);
        el
    })
}

/// Plain Rust loop over `Vec<V>`: isolates the memory traffic of the representation.
fn native_sum<V: Val>(want: i64) -> Bench {
    let heap = heap_array::<V>();
    Box::new(move || {
        let t = Instant::now();
        let mut s = 0i64;
        for v in black_box(&heap.arrays[0]) {
            s = s.checked_add(v.as_int(&heap).expect("int")).expect("overflow");
        }
        let el = t.elapsed();
        assert_eq!(black_box(s), want);
        el
    })
}

fn measure(rows: &mut [Row], runs: usize) {
    for round in 0..=runs {
        for r in rows.iter_mut() {
            let d = (r.f)();
            if round > 0 {
                r.t.push(d.as_secs_f64() * 1e3);
            }
        }
    }
}

fn median(t: &[f64]) -> f64 {
    let mut v = t.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn min(t: &[f64]) -> f64 {
    t.iter().copied().fold(f64::INFINITY, f64::min)
}

fn table(rows: &[Row]) -> String {
    let with_cmp = rows.iter().any(|r| r.cmp.is_some());
    let mut s = String::from("| program | variant | median ms | min ms | × baseline (median) | × baseline (min) |");
    s += if with_cmp { " NaN-box ÷ tagged, same dispatch (median) |\n" } else { "\n" };
    s += if with_cmp { "|---|---|---:|---:|---:|---:|---:|\n" } else { "|---|---|---:|---:|---:|---:|\n" };
    for r in rows {
        let b = &rows[r.base];
        let (md, mn) = (median(&r.t), min(&r.t));
        let _ = write!(s, "| {} | {} | {md:.2} | {mn:.2} | {:.2} | {:.2} |", r.program, r.variant, md / median(&b.t), mn / min(&b.t));
        match (with_cmp, r.cmp) {
            (true, Some(c)) => {
                let _ = write!(s, " {:.2} |", md / median(&rows[c].t));
            }
            (true, None) => s += " |",
            _ => {}
        }
        s += "\n";
    }
    s
}

fn main() {
    let runs: usize = std::env::var("RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    let (int_n, fib_n, steps, arr_n) = black_box((INT_N, FIB_N, STEPS, ARR_N));
    println!("## Setup\n");
    println!("{runs} timed runs per variant (after one warm-up round), interleaved round-robin in one process.");
    println!("Sizes: `Instr` {} B, tagged `Value` {} B, NaN-boxed value {} B, threaded entry (fn ptr + operands) {} B.\n",
        std::mem::size_of::<isa::Instr>(), std::mem::size_of::<Tagged>(), std::mem::size_of::<NanBox>(),
        std::mem::size_of::<dispatch::TOp<Tagged>>());

    // ---- Experiment 1: dispatch (tagged enum everywhere) ----
    let exp1 = [
        ("int loop (3M iters)", isa::int_loop(int_n), Want::I(isa::int_loop_ref(int_n))),
        ("fib(27)", isa::fib(fib_n), Want::I(isa::fib_ref(fib_n))),
    ];
    let mut rows = vec![];
    for (program, p, want) in &exp1 {
        let base = rows.len();
        for d in Dispatch::ALL {
            let f = vm_case::<Tagged>(p, heap_empty, false, d, *want);
            rows.push(Row { program, variant: d.name().into(), base, cmp: None, f, t: vec![] });
        }
    }
    measure(&mut rows, runs);
    println!("## Experiment 1 — dispatch (value = 16-byte tagged enum; baseline = match + checked registers)\n");
    println!("{}", table(&rows));
    // Best dispatch = lowest geometric mean of median ratios over the two programs.
    let n = Dispatch::ALL.len();
    let score = |k: usize| {
        let logs: f64 = (0..exp1.len()).map(|b| (median(&rows[b * n + k].t) / median(&rows[b * n].t)).ln()).sum();
        (logs / exp1.len() as f64).exp()
    };
    let best = (0..n).min_by(|&a, &b| score(a).total_cmp(&score(b))).unwrap();
    let best_d = Dispatch::ALL[best];
    for k in 0..n {
        println!("- geometric-mean ratio, {}: {:.2}", Dispatch::ALL[k].name(), score(k));
    }
    println!("\nBest dispatch: **{}** — used for experiment 2.\n", best_d.name());

    // ---- Experiment 2: value representation ----
    // (program, bytecode, expected result, heap kind: 0 empty, 1 nbody arrays rebuilt per run, 2 big array)
    let exp2: [(&'static str, Program, Want, usize); 4] = [
        ("int loop (3M iters)", isa::int_loop(int_n), Want::I(isa::int_loop_ref(int_n)), 0),
        ("wide-int loop (3M iters, ints > 2^47)", isa::wide_int_loop(int_n), Want::I(isa::wide_int_loop_ref(int_n)), 0),
        ("float loop (nbody-like, 20k steps)", isa::float_loop(steps), Want::F(isa::float_loop_ref(steps)), 1),
        ("array sum in VM (1M elems)", isa::array_sum(arr_n), Want::I((0..arr_n).map(isa::array_elem).sum()), 2),
    ];
    let mut rows = vec![];
    let mut dispatches = vec![Dispatch::MatchChecked];
    if best_d != Dispatch::MatchChecked {
        dispatches.push(best_d);
    }
    for (program, p, want, kind) in &exp2 {
        let base = rows.len();
        for &d in &dispatches {
            let t = rows.len();
            let f = vm_case::<Tagged>(p, [heap_empty, heap_nbody, heap_array][*kind], *kind == 1, d, *want);
            rows.push(Row { program, variant: format!("{} + {}", d.name(), Tagged::NAME), base, cmp: None, f, t: vec![] });
            let f = vm_case::<NanBox>(p, [heap_empty, heap_nbody, heap_array][*kind], *kind == 1, d, *want);
            rows.push(Row { program, variant: format!("{} + {}", d.name(), NanBox::NAME), base, cmp: Some(t), f, t: vec![] });
        }
    }
    let want: i64 = (0..arr_n).map(isa::array_elem).sum();
    let base = rows.len();
    let program = "array sum, native Rust loop (1M elems)";
    rows.push(Row { program, variant: format!("Vec<{}>", Tagged::NAME), base, cmp: None, f: native_sum::<Tagged>(want), t: vec![] });
    rows.push(Row { program, variant: format!("Vec<{}>", NanBox::NAME), base, cmp: Some(base), f: native_sum::<NanBox>(want), t: vec![] });
    measure(&mut rows, runs);
    println!("## Experiment 2 — value representation (baseline = match + checked registers + tagged enum)\n");
    println!("{}", table(&rows));
}
