//! `rt_retype` (see `crate::retype`).

use super::WasmEnv;

/// `v` conformed to the layout descriptor `desc` (a static `STR`).
#[no_mangle]
pub extern "C" fn rt_retype(v: u32, desc: u32) -> u32 {
    // SAFETY: descriptors are static strings codegen placed in the data
    // segment; reading them allocates nothing.
    let d = unsafe { crate::strings::bytes(desc) };
    match crate::retype::retype(&mut WasmEnv, v, d) {
        Ok(out) => out,
        Err(e) => super::fatal(e.0.as_bytes(), None),
    }
}
