//! Static objects in the module's data segment: string literals, unit enum
//! variants, encoded format specs, error messages and the type table. They
//! sit between the runtime's own data and the start of its heap, so the
//! collector never marks or frees them (`runtime-lib/ABI.md`).

use ruchy_lir::ir::Static;
use ruchy_runtime_layout as l;
use std::collections::HashMap;

/// The data image being laid out from `base` upward.
pub struct Data {
    pub base: u32,
    pub bytes: Vec<u8>,
    strings: HashMap<String, u32>,
}

impl Data {
    pub fn new(base: u32) -> Data {
        Data { base, bytes: vec![], strings: HashMap::new() }
    }

    fn align(&mut self) {
        while self.bytes.len() % l::OBJECT_ALIGN as usize != 0 {
            self.bytes.push(0);
        }
    }

    fn here(&self) -> u32 {
        self.base + self.bytes.len() as u32
    }

    fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// A static `STR` object; identical strings share one object.
    pub fn str(&mut self, s: &str) -> u32 {
        if let Some(&a) = self.strings.get(s) {
            return a;
        }
        self.align();
        let at = self.here();
        self.u32(l::meta(l::STR, 0));
        self.u32(s.len() as u32);
        self.bytes.extend_from_slice(s.as_bytes());
        self.strings.insert(s.to_string(), at);
        at
    }

    /// A payload-less enum variant object.
    pub fn unit_variant(&mut self, enum_id: u32, variant: u32) -> u32 {
        self.align();
        let at = self.here();
        self.u32(l::meta(l::VARIANT, enum_id));
        self.u32(0);
        self.u32(variant);
        self.u32(0);
        self.bytes.extend_from_slice(&0u64.to_le_bytes());
        at
    }

    /// An encoded format spec (`ABI.md`).
    pub fn spec(&mut self, s: &ruchy_syntax::ast::FormatSpec) -> u32 {
        self.align();
        let at = self.here();
        let byte = |c: Option<char>| c.map_or(0, |c| c as u8);
        self.u32(s.fill.map_or(0, |c| c as u32));
        self.bytes.extend_from_slice(&[byte(s.align), byte(s.sign), s.alternate as u8, s.zero as u8]);
        let opt = |v: Option<usize>| v.map_or(-1, |n| n.min(i32::MAX as usize) as i32);
        self.bytes.extend_from_slice(&opt(s.width).to_le_bytes());
        self.bytes.extend_from_slice(&opt(s.precision).to_le_bytes());
        self.u32(s.kind.map_or(0, |c| c as u32));
        at
    }

    pub fn add_static(&mut self, s: &Static, table: &crate::TableLayout) -> u32 {
        match s {
            Static::Str(t) => self.str(t),
            Static::UnitVariant { enum_id, variant } => self.unit_variant(*enum_id, *variant),
            Static::Spec(spec) => self.spec(spec),
            Static::Closure { func } => self.closure(table.index(*func)),
            Static::Layout(d) => self.str(std::str::from_utf8(d).expect("layout descriptors are ASCII")),
        }
    }

    /// A closure object without captures whose entry point is at `index`.
    fn closure(&mut self, index: u32) -> u32 {
        self.align();
        let at = self.here();
        self.u32(l::meta(l::CLOSURE, 0));
        self.u32(0);
        self.u32(index);
        self.u32(0);
        self.bytes.extend_from_slice(&0u64.to_le_bytes());
        at
    }

    /// The type table `rt_set_types` reads: names of structs and their
    /// fields, of enums and their variants.
    pub fn type_table(&mut self, structs: &[(String, Vec<String>)], enums: &[(String, Vec<String>)]) -> u32 {
        let structs = self.descriptors(structs);
        let enums = self.descriptors(enums);
        self.align();
        let at = self.here();
        for (n, table) in [structs, enums] {
            self.u32(n);
            self.u32(table);
        }
        at
    }

    /// `{name, count, names}` descriptors; returns (count, address).
    fn descriptors(&mut self, items: &[(String, Vec<String>)]) -> (u32, u32) {
        let mut resolved = vec![];
        for (name, members) in items {
            let name = self.str(name);
            let members: Vec<u32> = members.iter().map(|m| self.str(m)).collect();
            self.align();
            let list = self.here();
            for m in &members {
                self.u32(*m);
            }
            resolved.push((name, members.len() as u32, list));
        }
        self.align();
        let at = self.here();
        for (name, n, list) in resolved {
            self.u32(name);
            self.u32(n);
            self.u32(list);
        }
        (items.len() as u32, at)
    }

    /// Bytes the image needs in memory, from `base`.
    pub fn end(&self) -> u32 {
        self.here()
    }
}
