//! The WASI preview-1 imports the runtime needs, and the [`Sink`] that
//! writes through them.

use crate::io::Sink;

/// A WASI `ciovec`: one buffer of a gather write.
#[repr(C)]
struct Ciovec {
    buf: *const u8,
    len: usize,
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn fd_write(fd: i32, iovs: *const Ciovec, iovs_len: i32, nwritten: *mut i32) -> i32;
    fn proc_exit(code: i32) -> !;
}

/// Ends the process with `code`.
pub fn exit(code: i32) -> ! {
    // SAFETY: a plain WASI call; it does not return.
    unsafe { proc_exit(code) }
}

/// Writes to file descriptors with `fd_write`.
pub struct WasiSink;

impl Sink for WasiSink {
    fn write_all(&mut self, fd: u32, parts: &[&[u8]]) {
        for part in parts {
            write_fully(fd, part);
        }
    }
}

/// Writes all of `bytes`, continuing after short writes; gives up on an
/// error (such as a closed pipe), since there is nowhere to report it.
fn write_fully(fd: u32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let iov = Ciovec { buf: bytes.as_ptr(), len: bytes.len() };
        let mut written = 0i32;
        // SAFETY: `iov` describes live memory; `written` is a valid out slot.
        let err = unsafe { fd_write(fd as i32, &iov, 1, &mut written) };
        if err != 0 || written <= 0 {
            return;
        }
        bytes = &bytes[(written as usize).min(bytes.len())..];
    }
}
