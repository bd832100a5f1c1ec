//! Peephole strength reduction of checked arithmetic by constants.
//!
//! Ruchy's `/`, `%` and `*` are checked operators (`i64divchk`, …): wasm's
//! `i64.div_s` costs tens of cycles, and the checks branch. When the right
//! operand is a variable whose only definition is a constant
//! ([`constant_vars`]: its one definition reaches every use, since the
//! verifier requires a definition on every path), some of them need
//! neither:
//! * `x / 2^k` and `x % 2^k` (`k` in 1..=62) become shifts and masks:
//!   `bias = (x >>s 63) & (2^k - 1)` is `2^k - 1` for negative `x` and 0
//!   otherwise, `(x + bias) >>s k` is the quotient truncated towards zero,
//!   and `x - ((x + bias) & -2^k)` the remainder with the dividend's sign.
//!   `x + bias` cannot overflow (the bias is only added to negatives) and
//!   neither can the subtraction (its result lies strictly between `-2^k`
//!   and `2^k`), so the plain wrapping operators compute exact results.
//! * `x / 1` is `x`; `x % 1` and `x % -1` are 0; `x * 1` is `x`; `x * 0`
//!   is 0.
//!
//! Sound because none of these can fail — the divisor is neither 0 nor -1,
//! and a product with 0 or 1 cannot overflow — so dropping the check
//! changes no run, and each replacement computes the same value for every
//! `x` (the `x % -1` case is 0 for `i64::MIN` too, as `i64.rem_s` gives).
//! Division by other constants keeps its checks and `i64.div_s`.

use super::util::{bodies_mut, constant_vars};
use super::{ModuleView, Pass};
use crate::ir::*;

pub const PASS: Pass = Pass { name: "peephole", run };

pub fn run(f: &mut Func, _m: &ModuleView) -> bool {
    let consts = constant_vars(f);
    rewrite(&mut f.body, &consts, &mut f.vars)
}

fn rewrite(body: &mut Vec<Inst>, consts: &[Option<Lit>], vars: &mut Vec<Var>) -> bool {
    let mut changed = false;
    let mut out = Vec::with_capacity(body.len());
    for mut i in body.drain(..) {
        for b in bodies_mut(&mut i) {
            changed |= rewrite(b, consts, vars);
        }
        match reduce(&i, consts, vars) {
            Some(seq) => {
                out.extend(seq);
                changed = true;
            }
            None => out.push(i),
        }
    }
    *body = out;
    changed
}

/// The replacement of `i`, if it is a checked operator by a constant this
/// pass reduces.
fn reduce(i: &Inst, consts: &[Option<Lit>], vars: &mut Vec<Var>) -> Option<Vec<Inst>> {
    let Inst::Binary { dst, op, a, b, loc } = *i else { return None };
    let Some(Lit::I64(d)) = consts[b as usize] else { return None };
    let copy = Inst::Copy { dst, src: a };
    let zero = Inst::Const { dst, lit: Lit::I64(0) };
    match (op, d) {
        (BinOp::I64DivChk | BinOp::I64MulChk, 1) => Some(vec![copy]),
        (BinOp::I64RemChk, 1 | -1) | (BinOp::I64MulChk, 0) => Some(vec![zero]),
        (BinOp::I64DivChk | BinOp::I64RemChk, _) if d > 1 && d.count_ones() == 1 => Some(by_power_of_two(op, dst, a, d, loc, vars)),
        _ => None,
    }
}

/// `dst = a / d` or `a % d` for `d = 2^k`, `k` in 1..=62 (see the module
/// comment). `dst` is written last, so it may be `a`.
fn by_power_of_two(op: BinOp, dst: VarId, a: VarId, d: i64, loc: Loc, vars: &mut Vec<Var>) -> Vec<Inst> {
    let mut new = |ty| {
        vars.push(Var { ty, name: None });
        (vars.len() - 1) as VarId
    };
    let (c63, sign, mask, bias, t) = (new(Ty::I64), new(Ty::I64), new(Ty::I64), new(Ty::I64), new(Ty::I64));
    let bin = |dst, op, a, b| Inst::Binary { dst, op, a, b, loc };
    let mut seq = vec![
        Inst::Const { dst: c63, lit: Lit::I64(63) },
        bin(sign, BinOp::I64ShrS, a, c63),
        Inst::Const { dst: mask, lit: Lit::I64(d - 1) },
        bin(bias, BinOp::I64And, sign, mask),
        bin(t, BinOp::I64Add, a, bias),
    ];
    if op == BinOp::I64DivChk {
        let k = new(Ty::I64);
        seq.push(Inst::Const { dst: k, lit: Lit::I64(i64::from(d.trailing_zeros())) });
        seq.push(bin(dst, BinOp::I64ShrS, t, k));
    } else {
        let (low_cleared, q) = (new(Ty::I64), new(Ty::I64));
        seq.push(Inst::Const { dst: low_cleared, lit: Lit::I64(-d) });
        seq.push(bin(q, BinOp::I64And, t, low_cleared));
        seq.push(bin(dst, BinOp::I64Sub, a, q));
    }
    seq
}

#[cfg(test)]
mod tests {
    use super::super::eval;
    use super::super::util::testing::*;
    use super::*;
    use expect_test::expect;

    fn reduce_div(op: BinOp, d: i64) -> String {
        let f = func(&[Ty::I64; 3], &[0], Ty::I64, vec![c64(1, d), bin(2, op, 0, 1), Inst::Return(Some(2))]);
        let mut m = module(vec![f]);
        run_pass(&mut m, &PASS, "f")
    }

    #[test]
    fn division_by_a_power_of_two_becomes_shifts() {
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = 8
              v3:i64 = 63
              v4:i64 = i64shrs v0, v3
              v5:i64 = 7
              v6:i64 = i64and v4, v5
              v7:i64 = i64add v0, v6
              v8:i64 = 3
              v2:i64 = i64shrs v7, v8
              return v2
        "#]]
        .assert_eq(&reduce_div(BinOp::I64DivChk, 8));
        expect![[r#"
            fn #0 f(v0:i64) -> i64  [frame 0]
              v1:i64 = 16
              v3:i64 = 63
              v4:i64 = i64shrs v0, v3
              v5:i64 = 15
              v6:i64 = i64and v4, v5
              v7:i64 = i64add v0, v6
              v8:i64 = -16
              v9:i64 = i64and v7, v8
              v2:i64 = i64sub v0, v9
              return v2
        "#]]
        .assert_eq(&reduce_div(BinOp::I64RemChk, 16));
    }

    #[test]
    fn other_divisors_keep_their_checks() {
        for d in [0, -1, 3, -8, 6] {
            let out = reduce_div(BinOp::I64DivChk, d);
            assert!(out.contains("i64divchk"), "{d}: {out}");
        }
        assert!(reduce_div(BinOp::I64RemChk, 0).contains("i64remchk"));
        assert!(reduce_div(BinOp::I64MulChk, 2).contains("i64mulchk"));
    }

    #[test]
    fn identities_by_one_and_zero() {
        assert!(reduce_div(BinOp::I64DivChk, 1).contains("v2:i64 = v0"));
        assert!(reduce_div(BinOp::I64MulChk, 1).contains("v2:i64 = v0"));
        assert!(reduce_div(BinOp::I64MulChk, 0).contains("v2:i64 = 0"));
        assert!(reduce_div(BinOp::I64RemChk, -1).contains("v2:i64 = 0"));
    }

    /// The shift sequences compute what the checked operators compute, for
    /// every power of two and dividends at the edges.
    #[test]
    fn shift_sequences_agree_with_the_checked_operators() {
        let xs = [0, 1, -1, 2, -2, 7, -7, 8, -8, 9, -9, 1 << 40, -(1 << 40) - 3, i64::MAX, i64::MIN, i64::MIN + 1, 123_456_789, -987_654_321];
        for k in 1..=62 {
            let d = 1i64 << k;
            for op in [BinOp::I64DivChk, BinOp::I64RemChk] {
                let mut vars = vec![Var { ty: Ty::I64, name: None }; 2];
                let seq = by_power_of_two(op, 1, 0, d, Loc::default(), &mut vars);
                for &x in &xs {
                    let mut env = vec![None; vars.len()];
                    env[0] = Some(Lit::I64(x));
                    for i in &seq {
                        match *i {
                            Inst::Const { dst, lit } => env[dst as usize] = Some(lit),
                            Inst::Binary { dst, op, a, b, .. } => {
                                env[dst as usize] = eval::binary(op, env[a as usize].unwrap(), env[b as usize].unwrap());
                            }
                            _ => unreachable!(),
                        }
                    }
                    let want = eval::binary(op, Lit::I64(x), Lit::I64(d));
                    assert_eq!(env[1], want, "{x} {op:?} {d}");
                }
            }
        }
    }
}
