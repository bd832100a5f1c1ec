//! The LIR optimiser: a pass manager and its passes.
//!
//! A pass rewrites one function at a time ([`Pass::run`]) and reports
//! whether it changed anything. An [`OptLevel`] is a list of passes run in
//! order, repeated (at -O2 and above) until a whole round changes nothing or
//! a round limit is reached. The manager verifies the module after every
//! pass when asked to (the default in debug builds and tests), so a pass
//! that breaks an invariant is named at once, with the listing; it can also
//! capture the listing after a named pass (`--print-after`), and records a
//! [`Census`] (instructions, instructions in loops, calls, overflow and
//! bounds checks…) before and after every pass run for reports.
//!
//! The passes run before GC root placement ([`crate::roots`]), which must
//! come last so that root stores follow the optimised code.

pub mod const_fold;
pub mod copy_prop;
pub mod cse;
pub mod dce;
pub mod eval;
pub mod inline;
pub mod licm;
pub mod peephole;
pub mod range;
pub mod util;

use crate::ir::{Func, Global, Module, Static, Ty};
pub use util::Census;
use std::fmt::Write;

/// The parts of the module a pass may read while it rewrites one function.
pub struct ModuleView<'a> {
    pub globals: &'a [Global],
    pub statics: &'a [Static],
    /// `(parameter types, result type)` of every function, by id.
    pub sigs: &'a [(Vec<Ty>, Ty)],
    /// Every function as it was when the pass started on the module (the
    /// inliner reads callee bodies here, unaffected by its own rewrites).
    pub funcs: &'a [Func],
}

/// An optimisation pass.
pub struct Pass {
    /// The name `--print-after` and reports use.
    pub name: &'static str,
    /// Rewrites a function; returns true when it changed anything.
    pub run: fn(&mut Func, &ModuleView) -> bool,
}

/// Every pass, in the order -O2 runs them: inlining first (it exposes the
/// callee's code to everything else); folding exposes dead code and copies
/// of constants; copy propagation makes copies dead; loop-invariant code
/// motion moves invariant computations before their loops;
/// common-subexpression elimination turns recomputations (such as an
/// array's length reloaded in a loop that cannot change it) into copies;
/// range analysis then removes the overflow and bounds checks the facts
/// decide; the peephole pass turns checked division and remainder by
/// constant powers of two into shifts; dead-code elimination removes what
/// the others left unused.
pub const PASSES: &[Pass] = &[inline::PASS, const_fold::PASS, copy_prop::PASS, licm::PASS, cse::PASS, range::PASS, peephole::PASS, dce::PASS];

/// The names accepted by `--print-after`: every pass, plus `lower` (before
/// optimisation) and `roots` (the final code).
pub fn print_after_names() -> Vec<&'static str> {
    let mut names = vec!["lower"];
    names.extend(PASSES.iter().map(|p| p.name));
    names.push("roots");
    names
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptLevel {
    /// No optimisation.
    O0,
    /// One round of the cheap passes.
    O1,
    /// Every pass, repeated until nothing changes (at most 4 rounds);
    /// inlines callees of up to [`inline::BUDGET_O2`] instructions.
    O2,
    /// Like -O2 with a higher round limit and inlining budget
    /// ([`inline::BUDGET_O3`]).
    O3,
    /// Optimise for size: like -O2, but inlining only callees no larger than
    /// the call ([`inline::BUDGET_OS`]); every other pass never adds
    /// instructions.
    Os,
}

impl OptLevel {
    /// Parses `0`–`3` or `s`, with or without an `O`/`-O` prefix.
    pub fn parse(s: &str) -> Option<OptLevel> {
        let s = s.trim_start_matches('-').trim_start_matches('O');
        Some(match s {
            "0" => OptLevel::O0,
            "1" => OptLevel::O1,
            "2" => OptLevel::O2,
            "3" => OptLevel::O3,
            "s" => OptLevel::Os,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            OptLevel::O0 => "O0",
            OptLevel::O1 => "O1",
            OptLevel::O2 => "O2",
            OptLevel::O3 => "O3",
            OptLevel::Os => "Os",
        }
    }

    /// The passes of one round, in order.
    pub fn passes(self) -> Vec<&'static Pass> {
        let by_name = |n: &str| PASSES.iter().find(|p| p.name == n).expect("a registered pass");
        let with_inliner = |inliner: &'static Pass| PASSES.iter().map(|p| if p.name == inline::PASS.name { inliner } else { p }).collect();
        match self {
            OptLevel::O0 => vec![],
            OptLevel::O1 => vec![by_name("copy_prop"), by_name("dce")],
            OptLevel::O2 => PASSES.iter().collect(),
            OptLevel::O3 => with_inliner(&inline::PASS_O3),
            OptLevel::Os => with_inliner(&inline::PASS_OS),
        }
    }

    /// How many rounds may run; later rounds only run while the previous
    /// one changed something.
    pub fn max_rounds(self) -> u32 {
        match self {
            OptLevel::O0 => 0,
            OptLevel::O1 => 1,
            OptLevel::O2 | OptLevel::Os => 4,
            OptLevel::O3 => 10,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub opt_level: OptLevel,
    /// Capture the module listing after every run of this pass (or after
    /// `lower`/`roots`; see [`print_after_names`]) into
    /// [`OptReport::printed`].
    pub print_after: Option<String>,
    /// Verify the module after every pass (panicking with the pass name and
    /// the listing on failure). Defaults to on in debug builds.
    pub verify_each_pass: bool,
    /// Vectorise element-wise float loops and fills (`--no-simd` turns it off).
    pub simd: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { opt_level: OptLevel::O2, print_after: None, verify_each_pass: cfg!(debug_assertions), simd: true }
    }
}

impl Options {
    /// Level `opt_level`; SIMD except at -O0 and -Os (vector loops keep a
    /// scalar fallback, so they cost size).
    pub fn at(opt_level: OptLevel) -> Options {
        let simd = !matches!(opt_level, OptLevel::O0 | OptLevel::Os);
        Options { opt_level, simd, ..Options::default() }
    }
}

/// One run of one pass over the whole module.
#[derive(Debug, Clone, PartialEq)]
pub struct PassRun {
    pub pass: &'static str,
    /// 1-based round number.
    pub round: u32,
    pub insts_before: usize,
    pub insts_after: usize,
    /// What the pass is meant to reduce, before and after.
    pub census_before: Census,
    pub census_after: Census,
    pub changed: bool,
}

/// What the optimiser did.
#[derive(Debug, Clone, Default)]
pub struct OptReport {
    pub insts_before: usize,
    pub insts_after: usize,
    pub census_before: Census,
    pub census_after: Census,
    pub runs: Vec<PassRun>,
    /// Listings captured for [`Options::print_after`], each headed by a
    /// `;; after PASS` line.
    pub printed: String,
}

impl OptReport {
    /// Instructions each pass removed over all its runs, in pipeline order
    /// (negative if it added some).
    pub fn removed_per_pass(&self) -> Vec<(&'static str, i64)> {
        let mut out: Vec<(&'static str, i64)> = vec![];
        for r in &self.runs {
            let delta = r.insts_before as i64 - r.insts_after as i64;
            match out.iter_mut().find(|(n, _)| *n == r.pass) {
                Some((_, d)) => *d += delta,
                None => out.push((r.pass, delta)),
            }
        }
        out
    }

    /// What each pass removed from the [`Census`] over all its runs, in
    /// pipeline order (negative counts: what it added).
    pub fn census_per_pass(&self) -> Vec<(&'static str, Census)> {
        let mut out: Vec<(&'static str, Census)> = vec![];
        for r in &self.runs {
            let removed = r.census_before.add(r.census_after, -1);
            match out.iter_mut().find(|(n, _)| *n == r.pass) {
                Some((_, c)) => *c = c.add(removed, 1),
                None => out.push((r.pass, removed)),
            }
        }
        out
    }

    /// A readable table of the effect of each pass: the change in the
    /// instruction count it made over all its runs, and what else it did.
    pub fn summary(&self) -> String {
        let mut s = format!("instructions: {} -> {}\n", self.insts_before, self.insts_after);
        for (pass, c) in self.census_per_pass() {
            let mut notes = vec![];
            for (n, what) in [
                (c.calls, "calls inlined"),
                (c.in_loops, "instructions out of loops"),
                (c.computations, "computations removed"),
                (c.overflow_checks, "overflow checks removed"),
                (c.bounds_checks, "bounds checks removed"),
                (c.divisions, "checked divisions removed"),
            ] {
                if n > 0 {
                    notes.push(format!("{n} {what}"));
                }
            }
            let notes = if notes.is_empty() { String::new() } else { format!("  ({})", notes.join(", ")) };
            let _ = writeln!(s, "  {pass:<12} {:+}{notes}", -c.insts);
        }
        s
    }
}

/// Appends the listing of `m` to `out`, headed `;; after NAME` (with the
/// round for passes), when `after` is the stage `opts.print_after` names.
pub fn capture(out: &mut String, opts: &Options, after: &str, round: Option<u32>, m: &Module) {
    if opts.print_after.as_deref() != Some(after) {
        return;
    }
    match round {
        Some(r) => {
            let _ = writeln!(out, ";; after {after} (round {r})");
        }
        None => {
            let _ = writeln!(out, ";; after {after}");
        }
    }
    out.push_str(&crate::print::print(m));
}

/// Runs the passes of `opts.opt_level` over `m`.
pub fn optimize(m: &mut Module, opts: &Options) -> OptReport {
    run_pipeline(m, &opts.opt_level.passes(), opts.opt_level.max_rounds(), opts)
}

/// Runs rounds of `passes` in order until a round changes nothing or
/// `max_rounds` have run (for experiments such as leaving one pass out;
/// `opts.opt_level` is ignored).
pub fn run_pipeline(m: &mut Module, passes: &[&Pass], max_rounds: u32, opts: &Options) -> OptReport {
    let start = Census::of(m);
    let mut report = OptReport { insts_before: start.insts as usize, insts_after: start.insts as usize, census_before: start, census_after: start, ..OptReport::default() };
    for round in 1..=max_rounds {
        let mut changed = false;
        for pass in passes {
            changed |= run_and_record(m, pass, round, opts, &mut report);
        }
        if !changed {
            break;
        }
    }
    report.census_after = Census::of(m);
    report.insts_after = report.census_after.insts as usize;
    report
}

fn run_and_record(m: &mut Module, pass: &Pass, round: u32, opts: &Options, report: &mut OptReport) -> bool {
    let census_before = Census::of(m);
    let changed = run_on_module(m, pass);
    if opts.verify_each_pass {
        if let Err(e) = crate::verify::verify(m) {
            panic!("after pass {} (round {round}): {e}\n{}", pass.name, crate::print::print(m));
        }
    }
    let census_after = Census::of(m);
    report.runs.push(PassRun {
        pass: pass.name,
        round,
        insts_before: census_before.insts as usize,
        insts_after: census_after.insts as usize,
        census_before,
        census_after,
        changed,
    });
    capture(&mut report.printed, opts, pass.name, Some(round), m);
    changed
}

/// Runs one pass on every function; true when any changed.
pub fn run_on_module(m: &mut Module, pass: &Pass) -> bool {
    let sigs: Vec<(Vec<Ty>, Ty)> = m.funcs.iter().map(|f| (f.params.iter().map(|&p| f.ty(p)).collect(), f.ret)).collect();
    let funcs = m.funcs.clone();
    let view = ModuleView { globals: &m.globals, statics: &m.statics, sigs: &sigs, funcs: &funcs };
    let mut changed = false;
    for f in &mut m.funcs {
        changed |= (pass.run)(f, &view);
    }
    changed
}
