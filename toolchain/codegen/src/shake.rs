//! Tree-shaking: the last step before the module is written. Only the
//! functions, data and table slots that `_start` and the host-facing exports
//! can reach stay in the module.
//!
//! walrus's `gc` pass removes every function, global and type nothing
//! reachable uses, but it sees the runtime's data segment and its table's
//! element segment as indivisible: one live byte keeps all ~58 KB of
//! Unicode and float-formatting tables, one live slot keeps every function
//! the runtime ever takes the address of (the whole formatter). So before
//! running it, this pass prunes those two segments with the linker's own
//! record of references ([`crate::relocs`]):
//!
//! 1. Reachability from the exports and the program's own table entries,
//!    following calls in the walrus IR and, for runtime functions, their
//!    relocations: a `MEMORY_ADDR` relocation makes a data symbol live, a
//!    `TABLE_INDEX` relocation makes a table slot (and its function) live.
//!    A live data symbol's own relocations (pointers inside statics,
//!    vtables) do the same. The runtime statics codegen addresses directly
//!    are roots.
//! 2. The runtime's data segments are replaced by segments holding only the
//!    non-zero bytes of live symbols; its element segments by segments
//!    holding only live slots.
//!
//! Why it is sound: wasm-ld records every address of a static and every
//! table index it writes into code or data as a relocation, so code can
//! only reach a static through a relocation of live code or of live data,
//! and can only call through a slot whose index came from one. Bytes left
//! out of the new segments read as zero, which is what they would be
//! anyway when they were zero; the others are unreachable. Slots left out
//! stay null and are never called.

use crate::relocs::{self, LinkInfo};
use std::collections::{BTreeSet, HashMap, HashSet};
use walrus::ir::Value;
use walrus::{ConstExpr, DataId, DataKind, ElementId, ElementItems, ElementKind, ExportItem, FunctionId, FunctionKind, Module};

/// Zero bytes between two live runs that are cheaper to emit than a new
/// segment header (flags, `i32.const` address, `end`, length).
const MERGE_GAP: u32 = 8;

/// The runtime's own parts of the module, recorded when it is loaded
/// (before the program's functions, data and table entries are added).
pub struct RuntimeParts {
    /// walrus ids in function-index order (imports first), so relocations'
    /// function indices map onto them.
    funcs: Vec<FunctionId>,
    data: Vec<DataId>,
    elements: Vec<ElementId>,
}

impl RuntimeParts {
    pub fn of(module: &Module) -> RuntimeParts {
        RuntimeParts { funcs: module.funcs.iter().map(|f| f.id()).collect(), data: module.data.iter().map(|d| d.id()).collect(), elements: module.elements.iter().map(|e| e.id()).collect() }
    }
}

/// What one shaking removed from the runtime's segments, for reports and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shaken {
    pub data_bytes_before: usize,
    pub data_bytes_after: usize,
    pub table_slots_before: usize,
    pub table_slots_after: usize,
}

/// Keeps only `exports` (plus the memory) exported, prunes the runtime's
/// segments when its link information is known, then lets walrus remove
/// everything unreachable.
pub fn shake(module: &mut Module, parts: &RuntimeParts, link: Option<&LinkInfo>, static_addrs: &[u32], exports: &[(&str, FunctionId)]) -> Result<Shaken, String> {
    for name in relocs::LINK_SECTIONS {
        module.customs.remove_raw(name);
    }
    let old: Vec<_> = module.exports.iter().filter(|e| !matches!(e.item, ExportItem::Memory(_))).map(|e| e.id()).collect();
    for e in old {
        module.exports.delete(e);
    }
    for (name, f) in exports {
        module.exports.add(name, *f);
    }
    let mut shaken = Shaken::default();
    if let Some(link) = link {
        if parts.funcs.len() != link.code.len() {
            return Err(format!("the runtime has {} functions but its link information describes {}", parts.funcs.len(), link.code.len()));
        }
        let live = Live::compute(module, parts, link, static_addrs);
        shaken.data_bytes_before = link.segments.iter().map(|s| s.bytes.len()).sum();
        shaken.data_bytes_after = rewrite_data(module, parts, link, &live.symbols);
        (shaken.table_slots_before, shaken.table_slots_after) = rewrite_elements(module, parts, &live.slots)?;
    }
    walrus::passes::gc::run(module);
    Ok(shaken)
}

/// The result of the reachability walk.
struct Live {
    symbols: Vec<bool>,
    /// Functions whose table slot is reachable.
    slots: HashSet<FunctionId>,
}

impl Live {
    fn compute(module: &Module, parts: &RuntimeParts, link: &LinkInfo, static_addrs: &[u32]) -> Live {
        let index: HashMap<FunctionId, usize> = parts.funcs.iter().enumerate().map(|(i, &f)| (f, i)).collect();
        let mut walk = Walk { funcs: HashSet::new(), func_stack: vec![], symbols: vec![false; link.symbols.len()], symbol_stack: vec![], slots: HashSet::new() };
        for e in module.exports.iter() {
            if let ExportItem::Function(f) = e.item {
                walk.func_stack.push(f);
            }
        }
        walk.func_stack.extend(module.start);
        // The program's own table entries (closure entry points) stay.
        for e in module.elements.iter().filter(|e| !parts.elements.contains(&e.id())) {
            if let ElementItems::Functions(fs) = &e.items {
                walk.func_stack.extend(fs.iter().copied());
            }
        }
        for &addr in static_addrs {
            for s in link.symbols_at(addr) {
                walk.symbol(s);
            }
        }
        loop {
            if let Some(f) = walk.func_stack.pop() {
                if !walk.funcs.insert(f) {
                    continue;
                }
                if let FunctionKind::Local(body) = &module.funcs.get(f).kind {
                    walrus::ir::dfs_in_order(&mut Callees(&mut walk.func_stack), body, body.entry_block());
                }
                if let Some(&i) = index.get(&f) {
                    walk.refs(&link.code[i], parts);
                }
            } else if let Some(s) = walk.symbol_stack.pop() {
                walk.refs(&link.data[s as usize], parts);
            } else {
                break;
            }
        }
        Live { symbols: walk.symbols, slots: walk.slots }
    }
}

struct Walk {
    funcs: HashSet<FunctionId>,
    func_stack: Vec<FunctionId>,
    symbols: Vec<bool>,
    symbol_stack: Vec<u32>,
    slots: HashSet<FunctionId>,
}

impl Walk {
    fn symbol(&mut self, s: u32) {
        if !std::mem::replace(&mut self.symbols[s as usize], true) {
            self.symbol_stack.push(s);
        }
    }

    fn refs(&mut self, refs: &relocs::Refs, parts: &RuntimeParts) {
        for &s in &refs.data {
            self.symbol(s);
        }
        for &f in &refs.table {
            let id = parts.funcs[f as usize];
            self.slots.insert(id);
            self.func_stack.push(id);
        }
    }
}

/// Collects every function a body names (calls, `ref.func`).
struct Callees<'a>(&'a mut Vec<FunctionId>);

impl<'instr> walrus::ir::Visitor<'instr> for Callees<'_> {
    fn visit_function_id(&mut self, f: &FunctionId) {
        self.0.push(*f);
    }
}

/// Replaces the runtime's data segments with the non-zero runs of live
/// symbols; returns the bytes kept.
fn rewrite_data(module: &mut Module, parts: &RuntimeParts, link: &LinkInfo, live: &[bool]) -> usize {
    let memory = parts.data.iter().find_map(|&d| match module.data.get(d).kind {
        DataKind::Active { memory, .. } => Some(memory),
        DataKind::Passive => None,
    });
    for &d in &parts.data {
        module.data.delete(d);
        for m in module.memories.iter_mut() {
            m.data_segments.remove(&d);
        }
    }
    let Some(memory) = memory else { return 0 };
    let mut kept = 0;
    for (addr, bytes) in live_runs(link, live) {
        kept += bytes.len();
        let id = module.data.add(DataKind::Active { memory, offset: ConstExpr::Value(Value::I32(addr as i32)) }, bytes);
        module.memories.get_mut(memory).data_segments.insert(id);
    }
    kept
}

/// The bytes to keep: every live symbol's range, merged, cut into runs of
/// non-zero bytes (joined across gaps shorter than [`MERGE_GAP`]).
fn live_runs(link: &LinkInfo, live: &[bool]) -> Vec<(u32, Vec<u8>)> {
    let ranges: BTreeSet<(u32, u32)> = link.symbols.iter().zip(live).filter(|(_, &l)| l).map(|(s, _)| (s.addr, s.addr + s.size)).collect();
    let mut runs: Vec<(u32, Vec<u8>)> = vec![];
    for (start, end) in ranges {
        let Some(seg) = link.segments.iter().find(|s| s.addr <= start && end <= s.addr + s.bytes.len() as u32) else { continue };
        for addr in start..end {
            let byte = seg.bytes[(addr - seg.addr) as usize];
            if byte == 0 {
                continue;
            }
            match runs.last_mut() {
                Some((at, bytes)) if addr < *at + bytes.len() as u32 => {}
                Some((at, bytes)) if addr <= *at + bytes.len() as u32 + MERGE_GAP => {
                    let from = *at + bytes.len() as u32;
                    bytes.extend((from..=addr).map(|a| byte_at(link, a)));
                }
                _ => runs.push((addr, vec![byte])),
            }
        }
    }
    runs
}

fn byte_at(link: &LinkInfo, addr: u32) -> u8 {
    link.segments.iter().find(|s| s.addr <= addr && addr < s.addr + s.bytes.len() as u32).map_or(0, |s| s.bytes[(addr - s.addr) as usize])
}

/// Replaces the runtime's element segments with runs of live slots;
/// returns (slots before, slots after).
fn rewrite_elements(module: &mut Module, parts: &RuntimeParts, live: &HashSet<FunctionId>) -> Result<(usize, usize), String> {
    let (mut before, mut after) = (0, 0);
    for &e in &parts.elements {
        let seg = module.elements.get(e);
        let (ElementKind::Active { table, offset: ConstExpr::Value(Value::I32(base)) }, ElementItems::Functions(items)) = (&seg.kind, &seg.items) else {
            return Err("the runtime has an element segment that is not a list of functions at a constant offset".into());
        };
        let (table, base, items) = (*table, *base as u32, items.clone());
        before += items.len();
        module.elements.delete(e);
        module.tables.get_mut(table).elem_segments.remove(&e);
        let mut i = 0;
        while i < items.len() {
            if !live.contains(&items[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < items.len() && live.contains(&items[i]) {
                i += 1;
            }
            after += i - start;
            let offset = ConstExpr::Value(Value::I32((base + start as u32) as i32));
            let id = module.elements.add(ElementKind::Active { table, offset }, ElementItems::Functions(items[start..i].to_vec()));
            module.tables.get_mut(table).elem_segments.insert(id);
        }
    }
    Ok((before, after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relocs::{DataSymbol, Refs, Segment};

    fn link(bytes: Vec<u8>, symbols: &[(u32, u32)]) -> LinkInfo {
        LinkInfo {
            symbols: symbols.iter().map(|&(addr, size)| DataSymbol { addr, size }).collect(),
            code: vec![],
            data: vec![Refs::default(); symbols.len()],
            segments: vec![Segment { addr: 100, bytes }],
        }
    }

    #[test]
    fn only_non_zero_bytes_of_live_symbols_are_kept() {
        // Three symbols: [100,104) live, [104,108) dead, [120,124) live.
        let mut bytes = vec![0u8; 32];
        bytes[..4].copy_from_slice(&[1, 2, 0, 0]);
        bytes[4..8].copy_from_slice(&[9, 9, 9, 9]);
        bytes[20..24].copy_from_slice(&[0, 0, 7, 8]);
        let l = link(bytes, &[(100, 4), (104, 4), (120, 4)]);
        let runs = live_runs(&l, &[true, false, true]);
        assert_eq!(runs, vec![(100, vec![1, 2]), (122, vec![7, 8])]);
    }

    #[test]
    fn runs_separated_by_a_few_zeros_share_a_segment() {
        let mut bytes = vec![0u8; 16];
        bytes[0] = 1;
        bytes[5] = 2;
        let l = link(bytes, &[(100, 16)]);
        // The gap of four zero bytes costs less than a segment header.
        assert_eq!(live_runs(&l, &[true]), vec![(100, vec![1, 0, 0, 0, 0, 2])]);
    }

    #[test]
    fn overlapping_symbols_emit_their_bytes_once() {
        let l = link(vec![5, 6, 7, 8], &[(100, 4), (102, 2)]);
        assert_eq!(live_runs(&l, &[true, true]), vec![(100, vec![5, 6, 7, 8])]);
    }
}
