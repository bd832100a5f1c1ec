//! Methods of `Option` and `Result` values (VM `option_method`). The caller
//! shares the result (it is often the payload the receiver still holds).

use super::Args;
use crate::env::{self, box_val, root, scope, Callee, Env};
use crate::error::{bail, Res};
use crate::format::Mode;
use crate::layout::{type_id_of, OPTION_ENUM, RESULT_ENUM, VARIANT_ERR, VARIANT_OK, VARIANT_SOME};
use crate::value::{aux, field, len, meta, Val};

/// `recv.name(args…)` for an `Option`/`Result` variant `r`.
pub fn method<E: Env>(env: &mut E, r: u32, name: &str, args: &Args, loc: u32) -> Res<u32> {
    let def = type_id_of(meta(r));
    let variant = aux(r);
    let is_option = def == OPTION_ENUM;
    // "good" = Some / Ok.
    let good = if is_option { variant == VARIANT_SOME } else { variant == VARIANT_OK };
    let inner = if len(r) > 0 { field(r, 0) } else { Val::Nil };
    let inner_dyn = |env: &mut E| box_val(env, inner);
    Ok(match name {
        "is_some" | "is_ok" => box_val(env, Val::Bool(good)),
        "is_none" | "is_err" => box_val(env, Val::Bool(!good)),
        "unwrap" => {
            if good {
                inner_dyn(env)
            } else if is_option {
                bail!("Runtime error: called unwrap on None");
            } else {
                let d = env::printer(env).to_string(inner, Mode::Display);
                bail!("Runtime error: called unwrap on Err({d})");
            }
        }
        "expect" => {
            if good {
                inner_dyn(env)
            } else {
                let m = env::printer(env).to_string(args.val(0), Mode::Raw);
                return Err(m.into());
            }
        }
        "unwrap_err" | "expect_err" => {
            if !good && !is_option {
                inner_dyn(env)
            } else {
                bail!("Runtime error: called unwrap_err on Ok");
            }
        }
        "unwrap_or" => {
            if good {
                inner_dyn(env)
            } else {
                args.get(0)
            }
        }
        "unwrap_or_default" => {
            if good {
                inner_dyn(env)
            } else {
                box_val(env, Val::Int(0))
            }
        }
        "unwrap_or_else" => {
            if good {
                inner_dyn(env)
            } else {
                scope(env, |env| {
                    let f = Callee::new(env, args.get(0), loc);
                    if is_option {
                        f.call(env, &[])
                    } else {
                        f.call(env, &[inner])
                    }
                })?
            }
        }
        "map" | "map_err" | "and_then" => {
            let applies = if name == "map_err" { !good } else { good };
            if !applies {
                r
            } else {
                let out = scope(env, |env| Callee::new(env, args.get(0), loc).call(env, &[inner]))?;
                if name == "and_then" {
                    out
                } else {
                    env::variant(env, def, variant, out)
                }
            }
        }
        "ok_or" => {
            if good {
                let v = inner_dyn(env);
                env::variant(env, RESULT_ENUM, VARIANT_OK, v)
            } else {
                env::variant(env, RESULT_ENUM, VARIANT_ERR, args.get(0))
            }
        }
        "ok" | "err" => {
            if good == (name == "ok") {
                scope(env, |env| {
                    let v = inner_dyn(env);
                    root(env, v);
                    env::some(env, v)
                })
            } else {
                env::none(env)
            }
        }
        "or" => {
            if good {
                r
            } else {
                args.get(0)
            }
        }
        _ => bail!("Unknown {} method: {name}", if is_option { "option" } else { "result" }),
    })
}

#[cfg(test)]
mod tests {
    use crate::env::test::TestEnv;
    use crate::env::{self, box_val};
    use crate::layout::{RESULT_ENUM, VARIANT_ERR, VARIANT_OK};
    use crate::methods::tests::call;
    use crate::value::{decode_ptr, Val};

    #[test]
    fn option_and_result_methods() {
        let mut t = TestEnv::new();
        let five = t.int(5);
        let some = env::some(&mut t, five);
        let some = t.keep(some);
        let none = env::none(&mut t);
        let msg = t.str("bad");
        let err = env::variant(&mut t, RESULT_ENUM, VARIANT_ERR, msg);
        let err = t.keep(err);
        let ok = env::variant(&mut t, RESULT_ENUM, VARIANT_OK, five);
        let ok = t.keep(ok);
        let zero = t.int(0);
        assert_eq!(call(&mut t, some, "unwrap", &[]), "5");
        assert_eq!(call(&mut t, none, "unwrap", &[]), "error: Runtime error: called unwrap on None");
        assert_eq!(call(&mut t, err, "unwrap", &[]), "error: Runtime error: called unwrap on Err(\"bad\")");
        assert_eq!(call(&mut t, none, "expect", &[msg]), "error: bad");
        assert_eq!(call(&mut t, none, "unwrap_or", &[zero]), "0");
        assert_eq!(call(&mut t, none, "unwrap_or_default", &[]), "0");
        assert_eq!(call(&mut t, err, "unwrap_err", &[]), "\"bad\"");
        assert_eq!(call(&mut t, ok, "unwrap_err", &[]), "error: Runtime error: called unwrap_err on Ok");
        assert_eq!(call(&mut t, some, "is_some", &[]), "true");
        assert_eq!(call(&mut t, err, "is_ok", &[]), "false");
        assert_eq!(call(&mut t, some, "ok_or", &[msg]), "Ok(5)");
        assert_eq!(call(&mut t, none, "ok_or", &[msg]), "Err(\"bad\")");
        assert_eq!(call(&mut t, ok, "ok", &[]), "Some(5)");
        assert_eq!(call(&mut t, ok, "err", &[]), "None");
        assert_eq!(call(&mut t, none, "or", &[some]), "Some(5)");
        let inc = t.closure(|t, args| {
            let Val::Int(n) = decode_ptr(args[0]) else { panic!() };
            box_val(t, Val::Int(n + 1))
        });
        let seven = t.closure(|t, _| box_val(t, Val::Int(7)));
        assert_eq!(call(&mut t, some, "map", &[inc]), "Some(6)");
        assert_eq!(call(&mut t, none, "map", &[inc]), "None");
        assert_eq!(call(&mut t, err, "map", &[inc]), "Err(\"bad\")");
        assert_eq!(call(&mut t, ok, "and_then", &[inc]), "6");
        assert_eq!(call(&mut t, none, "unwrap_or_else", &[seven]), "7");
        assert_eq!(call(&mut t, some, "frob", &[]), "error: Unknown option method: frob");
        assert_eq!(call(&mut t, ok, "frob", &[]), "error: Unknown result method: frob");
    }
}
