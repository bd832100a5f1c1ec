//! The wasm tier's back end: turns a verified LIR module into a WASI
//! command module.
//!
//! Steps: load the embedded runtime module ([`runtime`]); lay out the
//! program's static objects after the runtime's data ([`data`]); declare
//! every function (so calls can name functions not yet built), then build
//! their bodies ([`emit`]); add `_start`; drop the runtime's exports so
//! that walrus's reachability pass keeps only what `_start` can reach
//! ([`shake`], tree-shaking); write the binary.

#[cfg(feature = "binaryen")]
pub mod binaryen;
pub mod bundle;
pub mod data;
pub mod emit;
pub mod names;
pub mod runtime;
pub mod relocs;
pub mod shake;
pub mod simd;

use data::Data;
use emit::{Cx, FnCx, GlobalHome, Messages};
use ruchy_lir::ir::{self, Callee, Inst, Ty};
use runtime::{wasm_ty, Runtime, RUNTIME_WASM};
use walrus::ir::{LoadKind, StoreKind};
use walrus::{ConstExpr, FunctionBuilder, FunctionId, FunctionKind, InstrSeqBuilder, Module, ValType};

const PAGE: u64 = 65536;

/// Measurements of one compilation, for the build summary and reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// User functions (and closure entry points) emitted.
    pub functions: usize,
    /// LIR virtual registers across those functions.
    pub virtual_registers: usize,
    /// Wasm locals they were allocated to (parameters included).
    pub locals: usize,
    /// What tree-shaking removed from the runtime's data and table.
    pub shaken: shake::Shaken,
}

/// Compiles a LIR module to the bytes of a WASI preview-1 command module.
pub fn emit_module(m: &ir::Module) -> Result<Vec<u8>, String> {
    emit_module_with_stats(m).map(|(bytes, _)| bytes)
}

pub fn emit_module_with_stats(m: &ir::Module) -> Result<(Vec<u8>, Stats), String> {
    let mut module = walrus::ModuleConfig::new().generate_name_section(true).parse(RUNTIME_WASM).map_err(|e| format!("cannot load the runtime module: {e}"))?;
    let rt = Runtime::link(&module)?;
    let parts = shake::RuntimeParts::of(&module);
    rt.check_calls(&module, m)?;

    let table = place_table(&mut module, m)?;
    let mut data = Data::new((module.memories.get(rt.memory).initial * PAGE) as u32);
    let statics: Vec<u32> = m.statics.iter().map(|s| data.add_static(s, &table)).collect();
    let msgs = messages(m, &mut data);
    let file = data.str(&m.file);
    let types = data.type_table(&m.structs, &m.enums);
    place_data(&mut module, &rt, &data);

    let globals = declare_globals(&mut module, &rt, m)?;
    let depth = module.globals.add_local(ValType::I32, true, false, ConstExpr::Value(walrus::ir::Value::I32(0)));
    let mul_checked = emit::build_mul_checked(&mut module, &rt, msgs.mul);
    let funcs = declare_funcs(&mut module, m);
    let intrinsics = build_intrinsics(&mut module, &rt, m)?;
    let guards: Vec<bool> = m.funcs.iter().map(|f| calls_user_function(&f.body)).collect();
    let cx = Cx { rt: &rt, funcs: &funcs, globals: &globals, statics: &statics, msgs: &msgs, depth, guards: &guards, mul_checked, table: &table, intrinsics: &intrinsics };
    let mut stats = Stats { functions: m.funcs.len(), ..Stats::default() };
    for (i, f) in m.funcs.iter().enumerate() {
        let locals = build_func(&mut module, &cx, funcs[i], f);
        stats.virtual_registers += f.vars.len();
        stats.locals += locals as usize;
    }
    fill_table(&mut module, &table, &funcs);
    let start = build_start(&mut module, &cx, m, file, types);

    // Hosts read the collector's record through `ruchy_gc_log` after a run
    // (benchmarks' GC pauses). Hosts whose native stack runs out before the
    // depth guard (a browser, Node) report it through
    // `ruchy_stack_overflow`, as the VM would (`Stack overflow`); a program
    // whose functions never call functions cannot nest that deep.
    let mut exports = vec![("_start", start), ("ruchy_gc_log", rt.func("rt_gc_log"))];
    if may_nest_calls(m) {
        exports.push(("ruchy_stack_overflow", rt.func("rt_shadow_overflow")));
    }
    let static_addrs: Vec<u32> = rt.statics.values().copied().collect();
    stats.shaken = shake::shake(&mut module, &parts, runtime::link_info()?, &static_addrs, &exports)?;
    names::name_module(&mut module, &program_name(&m.file));
    Ok((module.emit_wasm(), stats))
}

/// The program's file stem (`hello` for `src/hello.ruchy`).
fn program_name(file: &str) -> String {
    std::path::Path::new(file).file_stem().map_or_else(|| "program".to_string(), |s| s.to_string_lossy().into_owned())
}

/// Places the messages of the checked operators the module uses (the
/// others stay 0 and are never read).
fn messages(m: &ir::Module, data: &mut Data) -> Messages {
    use ir::BinOp::*;
    let mut ops = vec![];
    let mut negates = false;
    for f in &m.funcs {
        ir::walk(&f.body, &mut |i| match i {
            Inst::Binary { op, .. } if op.can_fail() && !ops.contains(op) => ops.push(*op),
            Inst::Unary { op: ir::UnOp::I64NegChk, .. } => negates = true,
            _ => {}
        });
    }
    let mut msg = |used: bool, text: &str| if used { data.str(text) } else { 0 };
    Messages {
        add: msg(ops.contains(&I64AddChk), "Runtime error: Integer overflow in addition"),
        sub: msg(ops.contains(&I64SubChk), "Runtime error: Integer overflow in subtraction"),
        mul: msg(ops.contains(&I64MulChk), "Runtime error: Integer overflow in multiplication"),
        div: msg(ops.contains(&I64DivChk), "Runtime error: Integer overflow in division"),
        neg: msg(negates, "Runtime error: Integer overflow in negation"),
        div_zero: msg(ops.contains(&I64DivChk) || ops.contains(&I64RemChk), "Division by zero"),
        overflow: msg(may_nest_calls(m), "Stack overflow"),
    }
}

/// Builds the SIMD intrinsics the module calls.
fn build_intrinsics(module: &mut Module, rt: &Runtime, m: &ir::Module) -> Result<std::collections::HashMap<&'static str, FunctionId>, String> {
    let mut used = std::collections::BTreeSet::new();
    for f in &m.funcs {
        ir::walk(&f.body, &mut |i| {
            if let Inst::Call { callee: Callee::Runtime(n), .. } = i {
                if ruchy_lir::rt::is_intrinsic(n) {
                    used.insert(*n);
                }
            }
        });
    }
    let mut built = std::collections::HashMap::new();
    for name in used {
        let id = simd::build(module, rt.memory, name).ok_or_else(|| format!("no builder for the intrinsic {name}"))?;
        built.insert(name, id);
    }
    Ok(built)
}

/// Where closure entry points sit in the function table.
pub struct TableLayout {
    pub id: walrus::TableId,
    /// Table index of the first entry point.
    pub base: u32,
    /// LIR functions placed in the table, in order.
    pub funcs: Vec<ir::FuncId>,
}

impl TableLayout {
    /// The table index of LIR function `f` (an entry point).
    pub fn index(&self, f: ir::FuncId) -> u32 {
        let pos = self.funcs.iter().position(|&x| x == f).expect("entry points are listed in Module::table");
        self.base + pos as u32
    }
}

/// Reserves table slots after the runtime's own entries (the runtime calls
/// closures through the same table, as function pointers).
fn place_table(module: &mut Module, m: &ir::Module) -> Result<TableLayout, String> {
    let id = match module.tables.main_function_table().map_err(|e| e.to_string())? {
        Some(t) => t,
        None => module.tables.add_local(false, 0, None, walrus::RefType::FUNCREF),
    };
    let t = module.tables.get_mut(id);
    // Index 0 stays unused so that 0 is never a valid entry point.
    let base = (t.initial as u32).max(1);
    t.initial = u64::from(base) + m.table.len() as u64;
    if let Some(max) = t.maximum {
        t.maximum = Some(max.max(t.initial));
    }
    Ok(TableLayout { id, base, funcs: m.table.clone() })
}

fn fill_table(module: &mut Module, table: &TableLayout, funcs: &[FunctionId]) {
    if table.funcs.is_empty() {
        return;
    }
    let items = table.funcs.iter().map(|&f| funcs[f as usize]).collect();
    let offset = ConstExpr::Value(walrus::ir::Value::I32(table.base as i32));
    let elem = module.elements.add(walrus::ElementKind::Active { table: table.id, offset }, walrus::ElementItems::Functions(items));
    // walrus keeps an element segment only if its table lists it.
    module.tables.get_mut(table.id).elem_segments.insert(elem);
}

/// Adds the static image as an active data segment and grows the initial
/// memory to cover it; the runtime's heap starts above it.
fn place_data(module: &mut Module, rt: &Runtime, data: &Data) {
    if data.bytes.is_empty() {
        return;
    }
    let offset = ConstExpr::Value(walrus::ir::Value::I32(data.base as i32));
    module.data.add(walrus::DataKind::Active { memory: rt.memory, offset }, data.bytes.clone());
    let mem = module.memories.get_mut(rt.memory);
    mem.initial = (data.end() as u64).div_ceil(PAGE).max(mem.initial);
    if let Some(max) = mem.maximum {
        mem.maximum = Some(max.max(mem.initial));
    }
}

/// Scalar globals become wasm globals; reference globals get the bottom
/// slots of the shadow stack, where the collector sees them (`_start`
/// reserves them before anything runs).
/// Scalar globals become wasm globals; reference globals get the bottom
/// slots of the shadow stack, where the collector sees them (`_start`
/// reserves them before anything runs): the thrown exception value first
/// (slot 0, `ABI.md`), then the program's reference globals. The other
/// exception state lives in runtime statics.
fn declare_globals(module: &mut Module, rt: &Runtime, m: &ir::Module) -> Result<Vec<GlobalHome>, String> {
    let mut next_slot = 1;
    m.globals
        .iter()
        .map(|g| {
            Ok(match (g.kind, g.ty) {
                (ir::GlobalKind::RuntimeStatic("RT_EXC_VALUE"), _) => GlobalHome::Slot(rt.shadow_base),
                (ir::GlobalKind::RuntimeStatic(name), _) => GlobalHome::Slot(rt.static_addr(name)?),
                (_, Ty::Ref) => {
                    next_slot += 1;
                    GlobalHome::Slot(rt.shadow_base + 4 * (next_slot - 1))
                }
                (_, t) => {
                    let zero = match t {
                        Ty::I64 => walrus::ir::Value::I64(0),
                        Ty::F64 => walrus::ir::Value::F64(0.0),
                        _ => walrus::ir::Value::I32(0),
                    };
                    GlobalHome::Wasm(module.globals.add_local(wasm_ty(t), true, false, ConstExpr::Value(zero)))
                }
            })
        })
        .collect()
}

/// Shadow slots `_start` reserves: slot 0 (the exception value) and one
/// per reference global.
fn reserved_slots(m: &ir::Module) -> u32 {
    1 + m.globals.iter().filter(|g| g.ty == Ty::Ref && g.kind == ir::GlobalKind::Program).count() as u32
}

/// Creates every function with a placeholder body so calls can refer to
/// functions defined later; [`build_func`] replaces the bodies.
fn declare_funcs(module: &mut Module, m: &ir::Module) -> Vec<FunctionId> {
    m.funcs
        .iter()
        .map(|f| {
            let params: Vec<ValType> = f.params.iter().map(|&p| wasm_ty(f.ty(p))).collect();
            let mut fb = FunctionBuilder::new(&mut module.types, &params, &[wasm_ty(f.ret)]);
            fb.func_body().unreachable();
            let args = params.iter().map(|&t| module.locals.add(t)).collect();
            fb.finish(args, &mut module.funcs)
        })
        .collect()
}

/// True when some function calls a user function or a closure (closures
/// are called through the runtime), so calls can nest without bound.
fn may_nest_calls(m: &ir::Module) -> bool {
    !m.table.is_empty() || m.funcs.iter().any(|f| calls_user_function(&f.body))
}

fn calls_user_function(body: &[Inst]) -> bool {
    let mut found = false;
    ir::walk(body, &mut |i| found |= matches!(i, Inst::Call { callee: Callee::Func(_), .. }));
    found
}

/// Builds `f`'s body into `id`; returns how many wasm locals its variables use.
fn build_func(module: &mut Module, cx: &Cx, id: FunctionId, f: &ir::Func) -> u32 {
    let params: Vec<ValType> = f.params.iter().map(|&p| wasm_ty(f.ty(p))).collect();
    let mut fb = FunctionBuilder::new(&mut module.types, &params, &[wasm_ty(f.ret)]);
    let alloc = ruchy_lir::regalloc::allocate(f);
    let (locals, args) = emit::declare_locals(&mut module.locals, f, &alloc);
    let fp = (f.frame_slots > 0).then(|| module.locals.add(ValType::I32));
    let t64 = [module.locals.add(ValType::I64), module.locals.add(ValType::I64), module.locals.add(ValType::I64)];
    let fcx = FnCx { cx, f, locals, fp, guards_depth: calls_user_function(&f.body), t64 };
    let mut body = fb.func_body();
    fcx.prologue(&mut body);
    let mut labels = vec![];
    fcx.body(&mut body, &f.body, &mut labels);
    // Every LIR body ends in a terminator; this satisfies the validator.
    body.unreachable();
    let func = module.funcs.get_mut(id);
    func.kind = FunctionKind::Local(fb.local_func(args));
    func.name = Some(format!("ruchy:{}", f.name));
    alloc.total()
}

/// `_start`: reserve the reference globals' slots, run the top-level code,
/// then `main`, then flush and exit 0. The heap initialises itself on first
/// use (nothing else grows memory before), so a program that never
/// allocates links no heap code.
fn build_start(module: &mut Module, cx: &Cx, m: &ir::Module, file: u32, types: u32) -> FunctionId {
    let mut fb = FunctionBuilder::new(&mut module.types, &[], &[]);
    fb.name("_start".into());
    let mut b = fb.func_body();
    let rt = cx.rt;
    reserve_global_slots(&mut b, rt, reserved_slots(m));
    b.i32_const(file as i32).call(rt.func("rt_set_file"));
    b.i32_const(types as i32).call(rt.func("rt_set_types"));
    for f in std::iter::once(m.entry).chain(m.main) {
        b.call(cx.funcs[f as usize]).drop();
        if let (Some(pending), Some(uncaught)) = (m.pending, m.uncaught) {
            let GlobalHome::Slot(addr) = cx.globals[pending as usize] else { unreachable!("the pending flag is a runtime static") };
            let arg = walrus::ir::MemArg { align: 2, offset: 0 };
            b.i32_const(addr as i32).load(rt.memory, LoadKind::I32 { atomic: false }, arg);
            b.if_else(None, |t| {
                t.call(cx.funcs[uncaught as usize]).drop();
            }, |_| {});
        }
    }
    b.i32_const(0).call(rt.func("rt_exit"));
    fb.finish(vec![], &mut module.funcs)
}

fn reserve_global_slots(b: &mut InstrSeqBuilder, rt: &Runtime, n: u32) {
    if n == 0 {
        return;
    }
    let arg = |offset| walrus::ir::MemArg { align: 2, offset };
    b.i32_const(rt.shadow_sp as i32);
    b.i32_const(rt.shadow_sp as i32).load(rt.memory, LoadKind::I32 { atomic: false }, arg(0));
    b.i32_const(4 * n as i32).binop(walrus::ir::BinaryOp::I32Add);
    b.store(rt.memory, StoreKind::I32 { atomic: false }, arg(0));
}
