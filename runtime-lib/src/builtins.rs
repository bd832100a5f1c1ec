//! Free built-in functions (`rt_builtin`, VM `builtins::call_builtin`).
//!
//! `id` is the declaration index of `ruchy_hir::Builtin` (the VM's `ALL`
//! table): [`Builtin`] lists them in that order.

use crate::env::{self, box_val, printer, truthy, Env, RNG_SEED};
use crate::equality::equal;
use crate::error::{bail, Error, Res};
use crate::format::Mode;
use crate::layout::K_PTR;
use crate::math;
use crate::methods::{self, int_arg, num_arg, Args};
use crate::ops::{self, type_name, Outcome};
use crate::strings;
use crate::value::{kind, Val};
use alloc::string::String;
use core::cmp::Ordering;

/// The built-ins in `ruchy_hir::Builtin` declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Builtin {
    Println,
    Print,
    Eprintln,
    Eprint,
    PrintlnFmt,
    PrintFmt,
    EprintlnFmt,
    EprintFmt,
    FormatFmt,
    PanicFmt,
    Assert,
    AssertEq,
    AssertNe,
    TypeOf,
    Len,
    Str,
    Int,
    Float,
    Range,
    Min,
    Max,
    Abs,
    Pow,
    Sqrt,
    Floor,
    Ceil,
    Round,
    Sin,
    Cos,
    Tan,
    Log,
    Log10,
    Exp,
    Input,
    Random,
    Timestamp,
    DictNew,
    VecNew,
    StringNew,
    StringFrom,
}

impl Builtin {
    const ALL: [Builtin; 40] = {
        use Builtin::*;
        [
            Println, Print, Eprintln, Eprint, PrintlnFmt, PrintFmt, EprintlnFmt, EprintFmt, FormatFmt, PanicFmt, Assert,
            AssertEq, AssertNe, TypeOf, Len, Str, Int, Float, Range, Min, Max, Abs, Pow, Sqrt, Floor, Ceil, Round, Sin,
            Cos, Tan, Log, Log10, Exp, Input, Random, Timestamp, DictNew, VecNew, StringNew, StringFrom,
        ]
    };

    /// The built-in with declaration index `id`.
    pub fn from_id(id: u32) -> Option<Builtin> {
        Builtin::ALL.get(id as usize).copied()
    }
}

/// The text of a string value, if it is one.
fn str_of<'a>(v: Val) -> Option<&'a str> {
    match v {
        // SAFETY: arguments are rooted by the caller for the whole call.
        Val::Obj(o) if kind(o) == crate::layout::STR => Some(unsafe { strings::as_str(o) }),
        _ => None,
    }
}

/// `floor`/`ceil`/`round` as free functions: an int result.
fn rounding(v: Val, f: fn(f64) -> f64) -> Res<Val> {
    match v {
        Val::Int(n) => Ok(Val::Int(n)),
        Val::Float(x) => Ok(Val::Int(f(x) as i64)),
        _ => bail!("Type error: expected a number, got {}", type_name(v)),
    }
}

/// The next number of `random()`: xorshift64*, from the VM's seed.
pub fn next_random(state: &mut u64) -> f64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    (x.wrapping_mul(RNG_SEED) >> 11) as f64 / (1u64 << 53) as f64
}

/// A method call on a built-in's argument (`len(x)` = `x.len()`).
fn method_of<E: Env>(env: &mut E, recv: u32, name: &str, loc: u32) -> Res<u32> {
    methods::call_method(env, recv, name, &Args::new(0), loc).map(|o| o.value)
}

/// `builtin(args…)` (`rt_builtin`).
pub fn call_builtin<E: Env>(env: &mut E, id: u32, args: &Args, loc: u32) -> Res<u32> {
    let Some(b) = Builtin::from_id(id) else { return Err(Error("internal runtime error".into())) };
    let arg = |i: usize| args.val(i);
    use Builtin::*;
    let v: Val = match b {
        Println | Print | Eprintln | Eprint => {
            let p = printer(env);
            let mut s = String::new();
            for i in 0..args.len() {
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(&p.to_string(arg(i), Mode::Raw));
            }
            if matches!(b, Println | Eprintln) {
                s.push('\n');
            }
            env.write(if matches!(b, Eprintln | Eprint) { 2 } else { 1 }, s.as_bytes());
            Val::Nil
        }
        PrintlnFmt | PrintFmt | EprintlnFmt | EprintFmt => {
            let mut s = String::from(str_of(arg(0)).unwrap_or(""));
            if matches!(b, PrintlnFmt | EprintlnFmt) {
                s.push('\n');
            }
            env.write(if matches!(b, EprintlnFmt | EprintFmt) { 2 } else { 1 }, s.as_bytes());
            Val::Nil
        }
        FormatFmt => return Ok(args.get(0)),
        PanicFmt => bail!("panicked: {}", str_of(arg(0)).unwrap_or("explicit panic")),
        Assert => {
            if !truthy(args.get(0)) {
                let m = if args.len() > 1 { printer(env).to_string(arg(1), Mode::Display) } else { "\"assertion failed\"".into() };
                bail!("Assertion failed: {m}");
            }
            Val::Nil
        }
        AssertEq | AssertNe => {
            let same = equal(arg(0), arg(1));
            if same != (b == AssertEq) {
                let p = printer(env);
                let (l, r) = (p.to_string(arg(0), Mode::Display), p.to_string(arg(1), Mode::Display));
                let extra = if args.len() > 2 { alloc::format!(": {}", p.to_string(arg(2), Mode::Raw)) } else { String::new() };
                let op = if b == AssertEq { "==" } else { "!=" };
                bail!("Assertion failed: {l} {op} {r}{extra}");
            }
            Val::Nil
        }
        TypeOf => return Ok(env::new_str(env, type_name(arg(0)).as_bytes())),
        Len => return method_of(env, args.get(0), "len", loc),
        Str => {
            if let Some(_s) = str_of(arg(0)) {
                return Ok(args.get(0));
            }
            let s = printer(env).to_string(arg(0), Mode::Raw);
            return Ok(env::new_str(env, s.as_bytes()));
        }
        Int => return method_of(env, args.get(0), "to_int", loc),
        Float => match arg(0) {
            Val::Int(n) => Val::Float(n as f64),
            Val::Float(f) => Val::Float(f),
            v => match str_of(v).and_then(|s| s.trim().parse::<f64>().ok()) {
                Some(f) => Val::Float(f),
                None => bail!("Failed to parse '{}' as float", printer(env).to_string(v, Mode::Raw)),
            },
        },
        Range => {
            let (s, e, step) = match args.len() {
                1 => (0, int_arg(arg(0))?, 1),
                2 => (int_arg(arg(0))?, int_arg(arg(1))?, 1),
                _ => (int_arg(arg(0))?, int_arg(arg(1))?, int_arg(arg(2))?),
            };
            if step == 0 {
                bail!("Runtime error: range step cannot be zero");
            }
            return Ok(env::scope(env, |env| {
                let out = env::new_array(env, K_PTR, 0);
                env::root(env, out);
                let mut i = s;
                while (step > 0 && i < e) || (step < 0 && i > e) {
                    env::push_val(env, out, Val::Int(i));
                    match i.checked_add(step) {
                        Some(n) => i = n,
                        None => break,
                    }
                }
                out
            }));
        }
        Min | Max => {
            let ord = ops::compare(arg(0), arg(1))?;
            let first = match b {
                Min => ord != Some(Ordering::Greater),
                _ => ord != Some(Ordering::Less),
            };
            // The caller still holds both arguments.
            let v = args.get(if first { 0 } else { 1 });
            env::share(env, v);
            return Ok(v);
        }
        Abs => return method_of(env, args.get(0), "abs", loc),
        Pow => match ops::pow(arg(0), arg(1))? {
            Outcome::Value(v) => v,
            _ => Val::Nil,
        },
        Sqrt => Val::Float(math::sqrt(num_arg(arg(0), "sqrt")?)),
        Floor => rounding(arg(0), math::floor)?,
        Ceil => rounding(arg(0), math::ceil)?,
        Round => rounding(arg(0), math::round)?,
        Sin => Val::Float(math::sin(num_arg(arg(0), "sin")?)),
        Cos => Val::Float(math::cos(num_arg(arg(0), "cos")?)),
        Tan => Val::Float(math::tan(num_arg(arg(0), "tan")?)),
        Log => {
            let x = num_arg(arg(0), "log")?;
            Val::Float(if args.len() > 1 { math::log_base(x, num_arg(arg(1), "log")?) } else { math::ln(x) })
        }
        Log10 => Val::Float(math::log10(num_arg(arg(0), "log10")?)),
        Exp => Val::Float(math::exp(num_arg(arg(0), "exp")?)),
        Input => {
            if !args.is_empty() {
                let s = printer(env).to_string(arg(0), Mode::Raw);
                env.write(1, s.as_bytes());
                env.flush();
            }
            let line = env.read_line();
            let mut end = line.len();
            while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
                end -= 1;
            }
            // Invalid UTF-8 from stdin becomes U+FFFD, as `read_line` would
            // refuse it; strings must stay valid UTF-8.
            let text = String::from_utf8_lossy(&line[..end]).into_owned();
            return Ok(env::new_str(env, text.as_bytes()));
        }
        Random => Val::Float(next_random(env.rng_state())),
        Timestamp => Val::Int(env.now_ms()),
        DictNew => return Ok(env.heap(crate::dict::new)),
        VecNew => return Ok(env::new_array(env, K_PTR, 0)),
        StringNew => return Ok(env::new_str(env, b"")),
        StringFrom => {
            if str_of(arg(0)).is_some() {
                return Ok(args.get(0));
            }
            let s = ops::concat_text(&printer(env), arg(0));
            return Ok(env::new_str(env, s.as_bytes()));
        }
    };
    Ok(box_val(env, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::test::TestEnv;

    fn run(t: &mut TestEnv, b: Builtin, args: &[u32]) -> std::string::String {
        extern crate std;
        let argv = t.array(args);
        match call_builtin(t, b as u32, &Args::new(argv), 0) {
            Ok(v) => t.show(v),
            Err(e) => std::format!("error: {}", e.0),
        }
    }

    #[test]
    fn ids_follow_the_hir_declaration_order() {
        assert_eq!(Builtin::from_id(0), Some(Builtin::Println));
        assert_eq!(Builtin::from_id(14), Some(Builtin::Len));
        assert_eq!(Builtin::from_id(33), Some(Builtin::Input));
        assert_eq!(Builtin::from_id(39), Some(Builtin::StringFrom));
        assert_eq!(Builtin::from_id(40), None);
    }

    #[test]
    fn builtins() {
        extern crate std;
        let mut t = TestEnv::new();
        let (s, two, ten, x) = (t.str("héllo"), t.int(2), t.int(10), t.float(2.7));
        let neg3 = t.int(-3);
        assert_eq!(run(&mut t, Builtin::Len, &[s]), "6");
        assert_eq!(run(&mut t, Builtin::TypeOf, &[x]), "\"float\"");
        assert_eq!(run(&mut t, Builtin::Range, &[ten, two, neg3]), "[10, 7, 4]");
        let zero = t.int(0);
        assert_eq!(run(&mut t, Builtin::Range, &[two, ten, zero]), "error: Runtime error: range step cannot be zero");
        assert_eq!(run(&mut t, Builtin::Range, &[x]), "error: Type error: expected an integer, got float");
        assert_eq!(run(&mut t, Builtin::Max, &[two, x]), "2.7");
        assert_eq!(run(&mut t, Builtin::Min, &[two, s]), "error: Type error: Cannot compare integer and string for ordering");
        assert_eq!(run(&mut t, Builtin::Floor, &[x]), "2");
        assert_eq!(run(&mut t, Builtin::Round, &[x]), "3");
        assert_eq!(run(&mut t, Builtin::Round, &[s]), "error: Type error: expected a number, got string");
        assert_eq!(run(&mut t, Builtin::Sqrt, &[s]), "error: Type error: sqrt expects a number, got string");
        assert_eq!(run(&mut t, Builtin::Pow, &[two, ten]), "1024");
        assert_eq!(run(&mut t, Builtin::Int, &[x]), "2");
        assert_eq!(run(&mut t, Builtin::Float, &[s]), "error: Failed to parse 'héllo' as float");
        assert_eq!(run(&mut t, Builtin::Str, &[x]), "\"2.7\"");
        assert_eq!(run(&mut t, Builtin::StringFrom, &[ten]), "\"10\"");
        assert_eq!(run(&mut t, Builtin::Abs, &[neg3]), "3");
        assert_eq!(run(&mut t, Builtin::Assert, &[zero]), "nil");
        let f = t.bool(false);
        assert_eq!(run(&mut t, Builtin::Assert, &[f]), "error: Assertion failed: \"assertion failed\"");
        assert_eq!(run(&mut t, Builtin::Assert, &[f, s]), "error: Assertion failed: \"héllo\"");
        assert_eq!(run(&mut t, Builtin::AssertEq, &[two, ten, s]), "error: Assertion failed: 2 == 10: héllo");
        assert_eq!(run(&mut t, Builtin::AssertNe, &[two, two]), "error: Assertion failed: 2 != 2");
        let fmt = t.str("p!");
        assert_eq!(run(&mut t, Builtin::PanicFmt, &[fmt]), "error: panicked: p!");
        assert_eq!(run(&mut t, Builtin::Println, &[s, two, x]), "nil");
        assert_eq!(run(&mut t, Builtin::EprintFmt, &[fmt]), "nil");
        assert_eq!(std::string::String::from_utf8(t.out.clone()).unwrap(), "héllo 2 2.7\n");
        assert_eq!(t.err, b"p!");
        assert_eq!(run(&mut t, Builtin::DictNew, &[]), "{}");
        assert_eq!(run(&mut t, Builtin::VecNew, &[]), "[]");
        t.input = b"line one\r\nrest".to_vec();
        let prompt = t.str("> ");
        assert_eq!(run(&mut t, Builtin::Input, &[prompt]), "\"line one\"");
        assert_eq!(run(&mut t, Builtin::Input, &[]), "\"rest\"");
        assert_eq!(run(&mut t, Builtin::Input, &[]), "\"\"");
        let r1 = run(&mut t, Builtin::Random, &[]);
        let mut state = RNG_SEED;
        assert_eq!(r1, crate::format::Printer::new(0).to_string(Val::Float(next_random(&mut state)), Mode::Display));
    }
}

#[cfg(test)]
mod gc_tests {
    extern crate std;
    use super::*;
    use crate::env::test::TestEnv;
    use crate::methods::{call_method, Args};

    /// `range(n).map(|i| str(i))` then `range(n).map(|i| i % 2)` with the
    /// ordinary collection schedule (large data blocks grow and are freed).
    #[test]
    fn ranges_mapped_under_normal_collections() {
        let mut t = TestEnv::new();
        t.heap.stress = false;
        for round in 0..3 {
            let n = t.int(30000);
            let argv = t.array(&[n]);
            let r = call_builtin(&mut t, Builtin::Range as u32, &Args::new(argv), 0).unwrap();
            let r = t.keep(r);
            let to_str = t.closure(|t, args| {
                let argv = crate::env::array_of(t, args);
                let argv = t.keep(argv);
                call_builtin(t, Builtin::Str as u32, &Args::new(argv), 0).unwrap()
            });
            let fargs = t.array(&[to_str]);
            let out = call_method(&mut t, r, "map", &Args::new(fargs), 0).unwrap().value;
            let out = t.keep(out);
            assert_eq!(crate::value::len(out), 30000, "round {round}");
            let last = t.int(-1);
            let v = crate::places::index(&mut t, out, last).unwrap();
            assert_eq!(t.text(v), "29999");
        }
        assert!(t.heap.stats().collections > 0);
    }
}
