//! Methods of dicts (VM `dict_method`). Keys are looked up by their text
//! (`places::dict_key`); the ordered views are in sorted key order.

use super::Args;
use crate::dict;
use crate::env::{self, box_val, Env};
use crate::error::{bail, Res};
use crate::places::{dict_insert, dict_items, dict_key};
use crate::value::{len, Val};

/// `recv.name(args…)` for a dict `d`.
pub fn method<E: Env>(env: &mut E, d: u32, name: &str, args: &Args) -> Res<u32> {
    let lookup = |i: usize| -> Res<Option<u32>> {
        let k = dict_key(args.val(i))?;
        Ok(dict::get(d, k.bytes()))
    };
    Ok(match name {
        "len" => box_val(env, Val::Int(len(d) as i64)),
        "is_empty" => box_val(env, Val::Bool(len(d) == 0)),
        "get" => {
            let v = lookup(0)?;
            env::option(env, v)
        }
        "contains_key" | "has" => {
            let found = lookup(0)?.is_some();
            box_val(env, Val::Bool(found))
        }
        "insert" | "set" => {
            let k = dict_key(args.val(0))?;
            let old = dict_insert(env, d, &k, args.get(1));
            env::option(env, old)
        }
        "remove" => {
            let k = dict_key(args.val(0))?;
            let old = dict::remove(d, k.bytes());
            // The removed value is no longer reachable through `d`.
            env::scope(env, |env| {
                if let Some(v) = old {
                    env::root(env, v);
                }
                env::option(env, old)
            })
        }
        "clear" => {
            dict::clear(d);
            0
        }
        "keys" | "values" => {
            let entries = dict::sorted(d);
            let items: alloc::vec::Vec<u32> = entries.iter().map(|&(k, v)| if name == "keys" { k } else { v }).collect();
            env::array_of(env, &items)
        }
        "items" | "entries" => dict_items(env, d),
        "get_or" | "get_or_default" => lookup(0)?.unwrap_or(args.get(1)),
        _ => bail!("Unknown dict method: {name}"),
    })
}

#[cfg(test)]
mod tests {
    use crate::env::test::TestEnv;
    use crate::methods::tests::call;

    #[test]
    fn dict_methods() {
        let mut t = TestEnv::new();
        let d = t.dict();
        let (b, a, one, two) = (t.str("b"), t.str("a"), t.int(1), t.int(2));
        assert_eq!(call(&mut t, d, "insert", &[b, one]), "None");
        assert_eq!(call(&mut t, d, "insert", &[a, two]), "None");
        assert_eq!(call(&mut t, d, "insert", &[b, two]), "Some(1)");
        let seven = t.int(7);
        assert_eq!(call(&mut t, d, "insert", &[seven, seven]), "None");
        assert_eq!(t.show(d), "{7: 7, a: 2, b: 2}");
        assert_eq!(call(&mut t, d, "keys", &[]), "[\"7\", \"a\", \"b\"]");
        assert_eq!(call(&mut t, d, "values", &[]), "[7, 2, 2]");
        assert_eq!(call(&mut t, d, "items", &[]), "[(\"7\", 7), (\"a\", 2), (\"b\", 2)]");
        assert_eq!(call(&mut t, d, "get", &[seven]), "Some(7)");
        let z = t.str("z");
        assert_eq!(call(&mut t, d, "get", &[z]), "None");
        assert_eq!(call(&mut t, d, "get_or", &[z, one]), "1");
        assert_eq!(call(&mut t, d, "contains_key", &[a]), "true");
        assert_eq!(call(&mut t, d, "remove", &[a]), "Some(2)");
        assert_eq!(call(&mut t, d, "len", &[]), "2");
        let arr = t.array(&[]);
        assert_eq!(call(&mut t, d, "get", &[arr]), "error: Type error: dict keys must be strings, got array");
        assert_eq!(call(&mut t, d, "frob", &[]), "error: Unknown dict method: frob");
        assert_eq!(call(&mut t, d, "clear", &[]), "nil");
        assert_eq!(t.show(d), "{}");
    }
}
