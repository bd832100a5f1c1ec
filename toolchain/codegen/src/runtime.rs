//! The embedded runtime module and what codegen needs to know about it:
//! its exported functions (checked against `ruchy_lir::rt::RUNTIME`), its
//! memory, and the addresses of the shadow-stack statics.

use ruchy_lir::ir::Ty;
use std::collections::HashMap;
use walrus::{ConstExpr, ExportItem, FunctionId, GlobalKind, MemoryId, Module, ValType};

/// `runtime-lib` built for `wasm32-unknown-unknown` by `build.rs`.
pub const RUNTIME_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/runtime.wasm"));

/// The embedded runtime's link information ([`crate::relocs`]), read once.
pub fn link_info() -> Result<Option<&'static crate::relocs::LinkInfo>, String> {
    static INFO: std::sync::OnceLock<Result<Option<crate::relocs::LinkInfo>, String>> = std::sync::OnceLock::new();
    INFO.get_or_init(|| crate::relocs::read(RUNTIME_WASM)).as_ref().map(Option::as_ref).map_err(Clone::clone)
}

pub struct Runtime {
    pub funcs: HashMap<String, FunctionId>,
    pub memory: MemoryId,
    /// Address of `RT_SHADOW_SP` (holds the next free shadow slot's address).
    pub shadow_sp: u32,
    /// Address of the shadow region's first slot.
    pub shadow_base: u32,
    /// Address of `RT_SHADOW_LIMIT` (holds the region's end).
    pub shadow_limit: u32,
    /// Every exported static, by name.
    pub statics: HashMap<String, u32>,
}

pub fn wasm_ty(t: Ty) -> ValType {
    match t {
        Ty::I32 | Ty::Ref => ValType::I32,
        Ty::I64 => ValType::I64,
        Ty::F64 => ValType::F64,
    }
}

impl Runtime {
    /// Reads the runtime's exports; fails if a function codegen itself calls
    /// is missing or has another signature (the two halves of the ABI drifted).
    pub fn link(module: &Module) -> Result<Runtime, String> {
        let mut funcs = HashMap::new();
        let mut statics = HashMap::new();
        let mut memory = None;
        for e in module.exports.iter() {
            match e.item {
                ExportItem::Function(f) => {
                    funcs.insert(e.name.clone(), f);
                }
                ExportItem::Global(g) => {
                    if let GlobalKind::Local(ConstExpr::Value(walrus::ir::Value::I32(addr))) = module.globals.get(g).kind {
                        statics.insert(e.name.clone(), addr as u32);
                    }
                }
                ExportItem::Memory(m) => memory = Some(m),
                _ => {}
            }
        }
        for sig in CODEGEN_CALLS {
            check_signature(module, &funcs, sig)?;
        }
        let addr = |name: &str| statics.get(name).copied().ok_or_else(|| format!("the runtime does not export the static {name}"));
        Ok(Runtime {
            memory: memory.ok_or("the runtime exports no memory")?,
            shadow_sp: addr("RT_SHADOW_SP")?,
            shadow_base: addr("RT_SHADOW")?,
            shadow_limit: addr("RT_SHADOW_LIMIT")?,
            funcs,
            statics,
        })
    }

    /// Checks that every runtime function `m` calls exists with the
    /// signature `ruchy_lir::rt` gives it.
    pub fn check_calls(&self, module: &Module, m: &ruchy_lir::ir::Module) -> Result<(), String> {
        let mut names = std::collections::BTreeSet::new();
        for f in &m.funcs {
            ruchy_lir::ir::walk(&f.body, &mut |i| {
                if let ruchy_lir::ir::Inst::Call { callee: ruchy_lir::ir::Callee::Runtime(n), .. } = i {
                    names.insert(*n);
                }
            });
        }
        for n in names.into_iter().filter(|n| !ruchy_lir::rt::is_intrinsic(n)) {
            let sig = ruchy_lir::rt::lookup(n).ok_or_else(|| format!("{n} is not in ruchy_lir::rt::RUNTIME"))?;
            check_signature(module, &self.funcs, sig)?;
        }
        Ok(())
    }

    /// The address of an exported runtime static.
    pub fn static_addr(&self, name: &str) -> Result<u32, String> {
        self.statics.get(name).copied().ok_or_else(|| format!("the runtime does not export the static {name}"))
    }

    pub fn func(&self, name: &str) -> FunctionId {
        self.funcs[name]
    }
}

fn check_signature(module: &Module, funcs: &HashMap<String, FunctionId>, sig: &ruchy_lir::rt::RtSig) -> Result<(), String> {
    let f = funcs.get(sig.name).ok_or_else(|| format!("the runtime does not export {}", sig.name))?;
    let ty = module.types.get(module.funcs.get(*f).ty());
    let params: Vec<ValType> = sig.params.iter().map(|&t| wasm_ty(t)).collect();
    let results: Vec<ValType> = sig.ret.iter().map(|&t| wasm_ty(t)).collect();
    if ty.params() != params.as_slice() || ty.results() != results.as_slice() {
        return Err(format!("runtime function {} has type {:?} -> {:?}, the compiler expects {params:?} -> {results:?}", sig.name, ty.params(), ty.results()));
    }
    Ok(())
}

/// Runtime functions codegen itself calls (prologues, checked arithmetic,
/// `_start`), beyond those LIR code names.
pub const CODEGEN_CALLS: &[ruchy_lir::rt::RtSig] = &[
    ruchy_lir::rt::RtSig { name: "rt_set_file", params: &[Ty::Ref], ret: None, allocates: false, fails: false },
    ruchy_lir::rt::RtSig { name: "rt_set_types", params: &[Ty::I32], ret: None, allocates: false, fails: false },
    ruchy_lir::rt::RtSig { name: "rt_error", params: &[Ty::Ref, Ty::I32, Ty::I32], ret: None, allocates: false, fails: true },
    ruchy_lir::rt::RtSig { name: "rt_exit", params: &[Ty::I32], ret: None, allocates: false, fails: false },
    ruchy_lir::rt::RtSig { name: "rt_shadow_overflow", params: &[], ret: None, allocates: false, fails: false },
    ruchy_lir::rt::RtSig { name: "rt_gc_log", params: &[], ret: Some(Ty::I32), allocates: false, fails: false },
];
