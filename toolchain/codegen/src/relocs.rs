//! What the linker recorded about the runtime module: its data symbols and
//! the references (relocations) from each function's code and from each
//! data symbol to data symbols and to function-table slots.
//!
//! `build.rs` links the runtime with `--emit-relocs`, so wasm-ld leaves a
//! `linking` section (the symbol table) and `reloc.CODE`/`reloc.DATA`
//! sections (every relocated constant) in the module. This reads them once
//! into [`LinkInfo`], which [`crate::shake`] uses to keep only the data and
//! table slots live code can reach. A module without them (a prebuilt
//! `RUCHY_RUNTIME_WASM`) gives `None`, and nothing is pruned.

use std::collections::HashMap;
use std::ops::Range;
use wasmparser::{DataKind, KnownCustom, Linking, Operator, Parser, Payload, RelocationType, SymbolInfo};

/// The custom sections the link information lives in; codegen removes them
/// from the output (their offsets describe the runtime alone).
pub const LINK_SECTIONS: &[&str] = &["linking", "reloc.CODE", "reloc.DATA"];

/// One defined data symbol: where it sits in linear memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSymbol {
    pub addr: u32,
    pub size: u32,
}

/// What a function's code or a data symbol's bytes refer to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refs {
    /// Indices into [`LinkInfo::symbols`].
    pub data: Vec<u32>,
    /// Function indices whose table slot is taken (`TABLE_INDEX` relocations).
    pub table: Vec<u32>,
}

impl Refs {
    fn add(&mut self, r: Ref) {
        match r {
            Ref::Data(s) if !self.data.contains(&s) => self.data.push(s),
            Ref::Table(f) if !self.table.contains(&f) => self.table.push(f),
            _ => {}
        }
    }
}

#[derive(Clone, Copy)]
enum Ref {
    Data(u32),
    Table(u32),
}

/// One active data segment of the runtime as linked.
#[derive(Debug, Clone)]
pub struct Segment {
    pub addr: u32,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct LinkInfo {
    /// Defined data symbols, in symbol-table order of first appearance.
    pub symbols: Vec<DataSymbol>,
    /// Per function index (imports included, so imports have no refs).
    pub code: Vec<Refs>,
    /// Per entry of `symbols`.
    pub data: Vec<Refs>,
    /// The runtime's active data segments, in module order.
    pub segments: Vec<Segment>,
}

impl LinkInfo {
    /// The data symbols whose bytes contain `addr`.
    pub fn symbols_at(&self, addr: u32) -> impl Iterator<Item = u32> + '_ {
        symbols_at(&self.symbols, addr)
    }
}

/// Reads the link information of `wasm`; `Ok(None)` when it has none.
pub fn read(wasm: &[u8]) -> Result<Option<LinkInfo>, String> {
    read_sections(wasm).map_err(|e| format!("cannot read the runtime's link information: {e}"))
}

struct Raw<'a> {
    imported_funcs: u32,
    bodies: Vec<Range<usize>>,
    code_start: usize,
    data_start: usize,
    /// (file position of the bytes, address, bytes)
    segments: Vec<(usize, u32, &'a [u8])>,
    symbols: Vec<SymbolInfo<'a>>,
    code_relocs: Vec<wasmparser::RelocationEntry>,
    data_relocs: Vec<wasmparser::RelocationEntry>,
    has_linking: bool,
}

fn read_sections(wasm: &[u8]) -> Result<Option<LinkInfo>, Box<dyn std::error::Error>> {
    let mut raw = Raw { imported_funcs: 0, bodies: vec![], code_start: 0, data_start: 0, segments: vec![], symbols: vec![], code_relocs: vec![], data_relocs: vec![], has_linking: false };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports_with_offsets() {
                    let (_, import) = import?;
                    raw.imported_funcs += matches!(import.ty, wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_)) as u32;
                }
            }
            Payload::CodeSectionStart { range, .. } => raw.code_start = range.start,
            Payload::CodeSectionEntry(body) => raw.bodies.push(body.range()),
            Payload::DataSection(reader) => {
                raw.data_start = reader.range().start;
                for d in reader {
                    let d = d?;
                    if let DataKind::Active { offset_expr, .. } = d.kind {
                        let pos = d.data.as_ptr() as usize - wasm.as_ptr() as usize;
                        raw.segments.push((pos, const_address(offset_expr)?, d.data));
                    }
                }
            }
            Payload::CustomSection(c) => match c.as_known() {
                KnownCustom::Linking(reader) => {
                    raw.has_linking = true;
                    for sub in reader.subsections() {
                        if let Linking::SymbolTable(map) = sub? {
                            for s in map {
                                raw.symbols.push(s?);
                            }
                        }
                    }
                }
                KnownCustom::Reloc(reader) => {
                    let entries: Result<Vec<_>, _> = reader.entries().into_iter().collect();
                    match c.name() {
                        "reloc.CODE" => raw.code_relocs = entries?,
                        "reloc.DATA" => raw.data_relocs = entries?,
                        _ => {}
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    if !raw.has_linking {
        return Ok(None);
    }
    resolve(raw).map(Some)
}

fn symbols_at(symbols: &[DataSymbol], addr: u32) -> impl Iterator<Item = u32> + '_ {
    symbols.iter().enumerate().filter(move |(_, s)| s.addr <= addr && addr < s.addr + s.size).map(|(i, _)| i as u32)
}

fn const_address(expr: wasmparser::ConstExpr) -> Result<u32, Box<dyn std::error::Error>> {
    match expr.get_operators_reader().read()? {
        Operator::I32Const { value } => Ok(value as u32),
        other => Err(format!("unexpected data segment offset {other:?}").into()),
    }
}

/// Turns symbol-indexed relocations into references between functions,
/// data symbols and table slots.
fn resolve(raw: Raw) -> Result<LinkInfo, Box<dyn std::error::Error>> {
    // Symbol-table index → data symbol index, or function index.
    let mut data_index = HashMap::new();
    let mut func_index = HashMap::new();
    let mut symbols = vec![];
    for (i, s) in raw.symbols.iter().enumerate() {
        match *s {
            SymbolInfo::Data { symbol: Some(d), .. } => {
                let (_, base, _) = raw.segments.get(d.index as usize).ok_or("a data symbol names a segment the module does not have")?;
                data_index.insert(i as u32, symbols.len() as u32);
                symbols.push(DataSymbol { addr: base + d.offset, size: d.size });
            }
            SymbolInfo::Func { index, .. } => {
                func_index.insert(i as u32, index);
            }
            _ => {}
        }
    }
    let target = |r: &wasmparser::RelocationEntry| -> Result<Option<Ref>, String> {
        use RelocationType::*;
        Ok(match r.ty {
            MemoryAddrLeb | MemoryAddrSleb | MemoryAddrI32 | MemoryAddrRelSleb | MemoryAddrLeb64 | MemoryAddrSleb64 | MemoryAddrI64 | MemoryAddrRelSleb64 | MemoryAddrLocrelI32 => {
                // Undefined data symbols (none in a linked module) refer to nothing kept here.
                data_index.get(&r.index).map(|&s| Ref::Data(s))
            }
            TableIndexSleb | TableIndexI32 | TableIndexRelSleb | TableIndexSleb64 | TableIndexI64 | TableIndexRelSleb64 => {
                Some(Ref::Table(*func_index.get(&r.index).ok_or("a table-index relocation names no function symbol")?))
            }
            MemoryAddrTlsSleb | MemoryAddrTlsSleb64 => return Err("the runtime uses thread-local data".into()),
            _ => None,
        })
    };
    let mut code = vec![Refs::default(); raw.imported_funcs as usize + raw.bodies.len()];
    for r in &raw.code_relocs {
        let pos = raw.code_start + r.offset as usize;
        let body = raw.bodies.iter().position(|b| b.contains(&pos)).ok_or("a code relocation lies outside every function body")?;
        if let Some(t) = target(r)? {
            code[raw.imported_funcs as usize + body].add(t);
        }
    }
    let mut data = vec![Refs::default(); symbols.len()];
    for r in &raw.data_relocs {
        let pos = raw.data_start + r.offset as usize;
        let (start, base, _) = raw.segments.iter().find(|(start, _, bytes)| (*start..start + bytes.len()).contains(&pos)).ok_or("a data relocation lies outside every data segment")?;
        let addr = base + (pos - start) as u32;
        let Some(t) = target(r)? else { continue };
        let holders: Vec<u32> = symbols_at(&symbols, addr).collect();
        if holders.is_empty() {
            return Err(format!("a pointer at {addr:#x} lies in no data symbol").into());
        }
        for h in holders {
            data[h as usize].add(t);
        }
    }
    let segments = raw.segments.iter().map(|&(_, addr, bytes)| Segment { addr, bytes: bytes.to_vec() }).collect();
    Ok(LinkInfo { symbols, code, data, segments })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_runtime_carries_its_link_information() {
        let info = read(crate::runtime::RUNTIME_WASM).unwrap().expect("build.rs links the runtime with --emit-relocs");
        assert!(info.symbols.len() > 100, "{} data symbols", info.symbols.len());
        // Runtime functions print through static strings and call through the table.
        assert!(info.code.iter().filter(|r| !r.data.is_empty()).count() > 50);
        assert!(info.code.iter().any(|r| !r.table.is_empty()) || info.data.iter().any(|r| !r.table.is_empty()));
        for s in &info.symbols {
            assert!(info.segments.iter().any(|seg| seg.addr <= s.addr && s.addr + s.size <= seg.addr + seg.bytes.len() as u32), "{s:?} outside every segment");
        }
    }

    #[test]
    fn a_module_without_a_linking_section_has_no_link_information() {
        let plain = wat_module();
        assert!(read(&plain).unwrap().is_none());
    }

    /// `(module (memory 1) (data (i32.const 8) "hi"))`, hand-encoded.
    fn wat_module() -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend_from_slice(&[5, 3, 1, 0, 1]); // memory section: one memory, min 1
        m.extend_from_slice(&[11, 8, 1, 0, 0x41, 8, 0x0b, 2, b'h', b'i']); // data section
        m
    }
}
