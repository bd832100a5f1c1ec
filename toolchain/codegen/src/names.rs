//! What the output module says about itself besides code and data: the
//! name section and the producers section.
//!
//! Runtime functions arrive with mangled Rust symbols
//! (`_ZN13ruchy_runtime2io6Output5print17h…E`); they get their demangled
//! path without the hash (`ruchy_runtime::io::Output::print`), which reads
//! better in an engine's backtrace and takes fewer bytes. The program's
//! functions keep their `ruchy:` names. The module is named after the
//! program. rustc's `producers` and `target_features` sections describe the
//! runtime's build, not this module, and are replaced by ours.

use walrus::Module;

pub fn name_module(module: &mut Module, program: &str) {
    module.name = Some(program.to_string());
    for f in module.funcs.iter_mut() {
        if let Some(name) = &f.name {
            if !name.starts_with("ruchy:") {
                f.name = Some(readable(name));
            }
        }
    }
    module.customs.remove_raw("target_features");
    module.producers.clear();
    module.producers.add_language("Ruchy", "");
    module.producers.add_processed_by("ruchy-wasm", env!("CARGO_PKG_VERSION"));
}

/// A Rust symbol's path without its hash; other names unchanged.
fn readable(symbol: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(symbol))
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn rust_symbols_lose_their_mangling_and_hash() {
        assert_eq!(readable("_ZN13ruchy_runtime2io6Output5print17heb5a926edb110557E"), "ruchy_runtime::io::Output::print");
        assert_eq!(readable("_RNvNtCsgXGp5Oqx2Ny_4core9panicking9panic_fmt"), "core::panicking::panic_fmt");
        assert_eq!(readable("rt_print"), "rt_print");
    }
}
