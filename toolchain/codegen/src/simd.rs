//! The SIMD intrinsics `lower/simd.rs` calls (`ruchy_lir::rt::INTRINSICS`),
//! built as wasm functions on demand: a loop that handles two 8-byte slots
//! per step with 128-bit vectors, then a scalar step for an odd last
//! element. Each lane does exactly the scalar operation, so results are
//! bit-identical to the element-by-element loop.

use walrus::ir::{BinaryOp as W, LoadKind, MemArg, StoreKind, UnaryOp as U};
use walrus::{FunctionBuilder, FunctionId, InstrSeqBuilder, LocalId, MemoryId, Module, ValType};

fn arg(align: u32) -> MemArg {
    MemArg { align, offset: 0 }
}

/// The right-hand operand of a map: another array, or a float (splatted).
#[derive(Clone, Copy)]
enum Operand {
    Array,
    Scalar { left: bool },
}

fn parse(name: &str) -> Option<(W, W, Operand)> {
    let rest = name.strip_prefix("simd_f64_")?;
    let (scalar_left, rest) = match rest.strip_prefix("k_") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let (op_name, scalar_right) = match rest.strip_suffix("_k") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let (vector, scalar) = match op_name {
        "add" => (W::F64x2Add, W::F64Add),
        "sub" => (W::F64x2Sub, W::F64Sub),
        "mul" => (W::F64x2Mul, W::F64Mul),
        "div" => (W::F64x2Div, W::F64Div),
        _ => return None,
    };
    let operand = if scalar_left || scalar_right { Operand::Scalar { left: scalar_left } } else { Operand::Array };
    Some((vector, scalar, operand))
}

/// `dst + i * 8` on the stack.
fn slot_addr(b: &mut InstrSeqBuilder, base: LocalId, i: LocalId) {
    b.local_get(base).local_get(i).i32_const(3).binop(W::I32Shl).binop(W::I32Add);
}

/// Builds the intrinsic `name`; `None` if it is not one.
pub fn build(module: &mut Module, memory: MemoryId, name: &str) -> Option<FunctionId> {
    if name == "simd_fill64" {
        return Some(build_fill(module, memory));
    }
    let (vector, scalar, operand) = parse(name)?;
    let second = match operand {
        Operand::Array => ValType::I32,
        Operand::Scalar { .. } => ValType::F64,
    };
    let params = [ValType::I32, ValType::I32, second, ValType::I32];
    let mut fb = FunctionBuilder::new(&mut module.types, &params, &[]);
    let (dst, a, b, count) = (module.locals.add(ValType::I32), module.locals.add(ValType::I32), module.locals.add(second), module.locals.add(ValType::I32));
    let i = module.locals.add(ValType::I32);
    let mut body = fb.func_body();
    let operands = |s: &mut InstrSeqBuilder, lane_load: &dyn Fn(&mut InstrSeqBuilder, LocalId), splat: Option<U>| {
        let other = |s: &mut InstrSeqBuilder| match (operand, splat) {
            (Operand::Array, _) => lane_load(s, b),
            (Operand::Scalar { .. }, Some(u)) => {
                s.local_get(b).unop(u);
            }
            (Operand::Scalar { .. }, None) => {
                s.local_get(b);
            }
        };
        match operand {
            Operand::Scalar { left: true } => {
                other(s);
                lane_load(s, a);
            }
            _ => {
                lane_load(s, a);
                other(s);
            }
        }
    };
    body.block(None, |done| {
        let done_id = done.id();
        done.loop_(None, |top| {
            let top_id = top.id();
            top.local_get(i).i32_const(2).binop(W::I32Add).local_get(count).binop(W::I32GtS).br_if(done_id);
            slot_addr(top, dst, i);
            let load = |s: &mut InstrSeqBuilder, base: LocalId| {
                slot_addr(s, base, i);
                s.load(memory, LoadKind::V128, arg(3));
            };
            operands(top, &load, Some(U::F64x2Splat));
            top.binop(vector).store(memory, StoreKind::V128, arg(3));
            top.local_get(i).i32_const(2).binop(W::I32Add).local_set(i).br(top_id);
        });
    });
    body.local_get(i).local_get(count).binop(W::I32LtS);
    body.if_else(None, |tail| {
        slot_addr(tail, dst, i);
        let load = |s: &mut InstrSeqBuilder, base: LocalId| {
            slot_addr(s, base, i);
            s.load(memory, LoadKind::F64, arg(3));
        };
        operands(tail, &load, None);
        tail.binop(scalar).store(memory, StoreKind::F64, arg(3));
    }, |_| {});
    fb.name(format!("ruchy:{name}"));
    Some(fb.finish(vec![dst, a, b, count], &mut module.funcs))
}

/// `simd_fill64(dst, bits, count)`.
fn build_fill(module: &mut Module, memory: MemoryId) -> FunctionId {
    let mut fb = FunctionBuilder::new(&mut module.types, &[ValType::I32, ValType::I64, ValType::I32], &[]);
    let (dst, bits, count) = (module.locals.add(ValType::I32), module.locals.add(ValType::I64), module.locals.add(ValType::I32));
    let (i, pair) = (module.locals.add(ValType::I32), module.locals.add(ValType::V128));
    let mut body = fb.func_body();
    body.local_get(bits).unop(U::I64x2Splat).local_set(pair);
    body.block(None, |done| {
        let done_id = done.id();
        done.loop_(None, |top| {
            let top_id = top.id();
            top.local_get(i).i32_const(2).binop(W::I32Add).local_get(count).binop(W::I32GtS).br_if(done_id);
            slot_addr(top, dst, i);
            top.local_get(pair).store(memory, StoreKind::V128, arg(3));
            top.local_get(i).i32_const(2).binop(W::I32Add).local_set(i).br(top_id);
        });
    });
    body.local_get(i).local_get(count).binop(W::I32LtS);
    body.if_else(None, |tail| {
        slot_addr(tail, dst, i);
        tail.local_get(bits).store(memory, StoreKind::I64 { atomic: false }, arg(3));
    }, |_| {});
    fb.name("ruchy:simd_fill64".into());
    fb.finish(vec![dst, bits, count], &mut module.funcs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intrinsic_names_parse() {
        assert!(matches!(parse("simd_f64_add"), Some((W::F64x2Add, W::F64Add, Operand::Array))));
        assert!(matches!(parse("simd_f64_mul_k"), Some((W::F64x2Mul, W::F64Mul, Operand::Scalar { left: false }))));
        assert!(matches!(parse("simd_f64_k_div"), Some((W::F64x2Div, W::F64Div, Operand::Scalar { left: true }))));
        assert!(parse("simd_f64_pow").is_none());
        for sig in ruchy_lir::rt::INTRINSICS {
            assert!(sig.name == "simd_fill64" || parse(sig.name).is_some(), "{} has no builder", sig.name);
        }
    }
}
