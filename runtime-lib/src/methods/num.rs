//! Methods of ints and floats (VM `number_method`).

use super::{int_arg, num_arg, ordering_int, Args};
use crate::env::{self, Env};
use crate::error::{bail, Res};
use crate::math;
use crate::ops::{self, type_name, Outcome};
use crate::value::Val;
use core::cmp::Ordering;

/// `recv.name(args…)` for a number `recv`.
pub fn method<E: Env>(env: &mut E, recv: Val, name: &str, args: &Args) -> Res<u32> {
    let f = match recv {
        Val::Int(n) => n as f64,
        Val::Float(f) => f,
        _ => f64::NAN,
    };
    let arg = |i: usize| args.val(i);
    let v = match (name, recv) {
        ("abs", Val::Int(n)) => match n.checked_abs() {
            Some(a) => Val::Int(a),
            None => bail!("Runtime error: Integer overflow in abs"),
        },
        ("abs", _) => Val::Float(math::abs(f)),
        ("pow", Val::Int(_)) => match ops::pow(recv, arg(0))? {
            Outcome::Value(v) => v,
            _ => Val::Nil,
        },
        ("pow" | "powf", _) => Val::Float(math::powf(f, num_arg(arg(0), name)?)),
        ("powi", _) => Val::Float(math::powi(f, int_arg(arg(0))? as i32)),
        ("sqrt", _) => Val::Float(math::sqrt(f)),
        ("sin", _) => Val::Float(math::sin(f)),
        ("cos", _) => Val::Float(math::cos(f)),
        ("tan", _) => Val::Float(math::tan(f)),
        ("atan", _) => Val::Float(math::atan(f)),
        ("atan2", _) => Val::Float(math::atan2(f, num_arg(arg(0), name)?)),
        ("exp", _) => Val::Float(math::exp(f)),
        ("ln", _) => Val::Float(math::ln(f)),
        ("log", _) => Val::Float(if args.is_empty() { math::ln(f) } else { math::log_base(f, num_arg(arg(0), name)?) }),
        ("log10", _) => Val::Float(math::log10(f)),
        ("log2", _) => Val::Float(math::log2(f)),
        ("round", Val::Float(x)) => Val::Float(math::round(x)),
        ("floor", Val::Float(x)) => Val::Float(math::floor(x)),
        ("ceil", Val::Float(x)) => Val::Float(math::ceil(x)),
        ("trunc", Val::Float(x)) => Val::Float(math::trunc(x)),
        ("fract", Val::Float(x)) => Val::Float(math::fract(x)),
        ("round" | "floor" | "ceil" | "trunc", Val::Int(n)) => Val::Int(n),
        ("to_int" | "as_int", _) => match recv {
            Val::Int(n) => Val::Int(n),
            _ => Val::Int(f as i64),
        },
        ("to_float" | "as_float", _) => Val::Float(f),
        ("is_nan", _) => Val::Bool(f.is_nan()),
        ("is_finite", _) => Val::Bool(f.is_finite()),
        ("signum", Val::Int(n)) => Val::Int(n.signum()),
        ("signum", _) => Val::Float(math::signum(f)),
        ("min" | "max", _) => {
            let o = args.get(0);
            let ord = ops::compare(recv, arg(0))?;
            let first = if name == "min" { ord != Some(Ordering::Greater) } else { ord != Some(Ordering::Less) };
            if !first {
                return Ok(o);
            }
            recv
        }
        ("clamp", _) => {
            if ops::compare(recv, arg(0))? == Some(Ordering::Less) {
                return Ok(args.get(0));
            } else if ops::compare(recv, arg(1))? == Some(Ordering::Greater) {
                return Ok(args.get(1));
            }
            recv
        }
        ("cmp" | "partial_cmp", _) => Val::Int(ordering_int(ops::compare(recv, arg(0))?)),
        ("checked_add" | "checked_sub" | "checked_mul" | "checked_div", Val::Int(a)) => {
            let b = int_arg(arg(0))?;
            let r = match name {
                "checked_add" => a.checked_add(b),
                "checked_sub" => a.checked_sub(b),
                "checked_mul" => a.checked_mul(b),
                _ => a.checked_div(b),
            };
            return Ok(match r {
                Some(n) => {
                    let b = env::box_val(env, Val::Int(n));
                    env::some(env, b)
                }
                None => env::none(env),
            });
        }
        ("wrapping_add", Val::Int(a)) => Val::Int(a.wrapping_add(int_arg(arg(0))?)),
        ("wrapping_mul", Val::Int(a)) => Val::Int(a.wrapping_mul(int_arg(arg(0))?)),
        ("is_positive", Val::Int(a)) => Val::Bool(a > 0),
        ("is_negative", Val::Int(a)) => Val::Bool(a < 0),
        _ => bail!("Unknown {} method: {name}", type_name(recv)),
    };
    Ok(env::box_val(env, v))
}

#[cfg(test)]
mod tests {
    use crate::env::test::TestEnv;
    use crate::methods::tests::call;

    #[test]
    fn number_methods() {
        extern crate std;
        let mut t = TestEnv::new();
        let five = t.int(-5);
        let x = t.float(2.5);
        let two = t.int(2);
        assert_eq!(call(&mut t, five, "abs", &[]), "5");
        assert_eq!(call(&mut t, x, "round", &[]), "3.0");
        assert_eq!(call(&mut t, x, "floor", &[]), "2.0");
        assert_eq!(call(&mut t, five, "floor", &[]), "-5");
        assert_eq!(call(&mut t, two, "pow", &[two]), "4");
        assert_eq!(call(&mut t, x, "powi", &[two]), "6.25");
        assert_eq!(call(&mut t, x, "to_int", &[]), "2");
        assert_eq!(call(&mut t, two, "max", &[five]), "2");
        assert_eq!(call(&mut t, five, "max", &[x]), "2.5");
        assert_eq!(call(&mut t, two, "cmp", &[five]), "1");
        let big = t.int(i64::MAX);
        assert_eq!(call(&mut t, big, "checked_add", &[two]), "None");
        assert_eq!(call(&mut t, two, "checked_mul", &[two]), "Some(4)");
        assert_eq!(call(&mut t, big, "wrapping_add", &[two]), "-9223372036854775807");
        assert_eq!(call(&mut t, five, "signum", &[]), "-1");
        assert_eq!(call(&mut t, x, "log", &[]), std::format!("{}", 2.5f64.ln()));
        assert_eq!(call(&mut t, x, "fract", &[]), "0.5");
        let min = t.int(i64::MIN);
        assert_eq!(call(&mut t, min, "abs", &[]), "error: Runtime error: Integer overflow in abs");
        assert_eq!(call(&mut t, five, "fract", &[]), "error: Unknown integer method: fract");
        assert_eq!(call(&mut t, x, "checked_add", &[two]), "error: Unknown float method: checked_add");
        let s = t.str("a");
        assert_eq!(call(&mut t, x, "powf", &[s]), "error: Type error: powf expects a number, got string");
        assert_eq!(call(&mut t, x, "powi", &[x]), "error: Type error: expected an integer, got float");
        assert_eq!(call(&mut t, two, "clamp", &[five, five]), "-5");
    }
}
