//! Bytecode verifier: the checks the interpreter's unchecked fast paths
//! rely on.
//!
//! For every proto: every register operand is below `frame_size`, every
//! jump lands inside the code, the code cannot run off its end, and every
//! call names an existing proto. The compiler guarantees all of this; the
//! verifier turns a compiler bug into a clear error instead of memory
//! unsafety, and `Vm::new` refuses a module that fails it.

use crate::bytecode::{Instr, Module, Proto};

pub fn check_module(m: &Module) -> Result<(), String> {
    for (i, p) in m.protos.iter().enumerate() {
        check_proto(m, p).map_err(|e| format!("bytecode verifier: fn #{i} {}: {e}", p.name))?;
    }
    if m.protos.get(m.entry as usize).is_none() {
        return Err("bytecode verifier: no entry function".into());
    }
    Ok(())
}

fn check_proto(m: &Module, p: &Proto) -> Result<(), String> {
    match p.code.last() {
        Some(last) if last.ends_block() => {}
        _ => return Err("code can run off its end".into()),
    }
    if p.spans.len() != p.code.len() {
        return Err("span table length differs from code length".into());
    }
    for (pc, ins) in p.code.iter().enumerate() {
        let mut bad = None;
        ins.for_each_operand(m, &mut |r, _| {
            if r >= p.frame_size {
                bad = Some(r);
            }
        });
        if let Some(r) = bad {
            return Err(format!("instruction {pc} ({ins:?}) uses r{r}, frame has {} registers", p.frame_size));
        }
        if let Some(t) = ins.jump_target(pc) {
            if t >= p.code.len() {
                return Err(format!("instruction {pc} jumps to {t}, outside the code"));
            }
        }
        match *ins {
            Instr::Call { proto, .. } | Instr::Closure { proto, .. } if m.protos.get(proto as usize).is_none() => {
                return Err(format!("instruction {pc} names missing fn #{proto}"));
            }
            Instr::LoadK { k, .. } if m.consts.get(k as usize).is_none() => return Err(format!("instruction {pc} names missing constant {k}")),
            Instr::GetFieldK { slot, .. } | Instr::SetFieldK { slot, .. } => match m.field_slots.get(slot as usize) {
                Some(f) if m.structs.get(f.def as usize).is_some_and(|s| (f.idx as usize) < s.fields.len()) => {}
                _ => return Err(format!("instruction {pc} names a bad field slot {slot}")),
            },
            _ => {}
        }
    }
    Ok(())
}
