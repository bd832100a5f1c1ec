//! `rt_str_append` (`s += t` on strings; see `crate::strings::append`).

use super::with_heap;

#[no_mangle]
pub extern "C" fn rt_str_append(s: u32, t: u32) -> u32 {
    with_heap(|h| crate::strings::append(h, s, t))
}
