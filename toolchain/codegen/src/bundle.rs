//! The files `ruchy-wasm build` writes: the module, an ES-module loader for
//! Node and browsers, and a manifest describing them.

use sha2::{Digest, Sha256};

/// Which loaders to write next to the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The `.wasm` alone (a WASI command for `wasmtime` and other runtimes).
    Wasi,
    Node,
    Web,
}

pub struct File {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The bundle for a module called `name`. Node and browsers share one
/// loader (`NAME.mjs`), which detects where it runs.
pub fn bundle(name: &str, wasm: Vec<u8>, targets: &[Target], flags: &[String]) -> Vec<File> {
    let manifest = manifest(name, &wasm, targets, flags);
    let mut files = vec![File { name: format!("{name}.wasm"), bytes: wasm }];
    if targets.iter().any(|t| matches!(t, Target::Node | Target::Web)) {
        files.push(File { name: format!("{name}.mjs"), bytes: loader(name).into_bytes() });
    }
    files.push(File { name: "manifest.json".into(), bytes: manifest.into_bytes() });
    files
}

pub fn loader(name: &str) -> String {
    include_str!("loader.mjs").replace("__NAME__", name)
}

fn manifest(name: &str, wasm: &[u8], targets: &[Target], flags: &[String]) -> String {
    let sha: String = Sha256::digest(wasm).iter().map(|b| format!("{b:02x}")).collect();
    let (imports, exports) = interface(wasm);
    let targets: Vec<&str> = targets
        .iter()
        .map(|t| match t {
            Target::Wasi => "wasi",
            Target::Node => "node",
            Target::Web => "web",
        })
        .collect();
    let m = serde_json::json!({
        "name": name,
        "version": "0.1.0",
        "module": format!("{name}.wasm"),
        "sha256": sha,
        "size": wasm.len(),
        "imports": imports,
        "exports": exports,
        "targets": targets,
        "compiler": format!("ruchy-wasm {}", env!("CARGO_PKG_VERSION")),
        "flags": flags,
    });
    serde_json::to_string_pretty(&m).expect("a JSON value always serialises") + "\n"
}

/// The module's imports (`module.name`) and exports, read back from the binary.
fn interface(wasm: &[u8]) -> (Vec<String>, Vec<String>) {
    let mut imports = vec![];
    let mut exports = vec![];
    for payload in wasmparser::Parser::new(0).parse_all(wasm).flatten() {
        match payload {
            wasmparser::Payload::ImportSection(r) => {
                for i in r.into_imports().flatten() {
                    imports.push(format!("{}.{}", i.module, i.name));
                }
            }
            wasmparser::Payload::ExportSection(r) => {
                for e in r.into_iter().flatten() {
                    exports.push(e.name.to_string());
                }
            }
            _ => {}
        }
    }
    (imports, exports)
}
