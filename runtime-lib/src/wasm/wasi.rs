//! The WASI preview-1 imports the runtime needs, and the [`Sink`] that
//! writes through them.

use crate::io::Sink;
use alloc::vec::Vec;

/// A WASI `ciovec`: one buffer of a gather write.
#[repr(C)]
struct Ciovec {
    buf: *const u8,
    len: usize,
}

/// A WASI `iovec`: one buffer of a scatter read.
#[repr(C)]
struct Iovec {
    buf: *mut u8,
    len: usize,
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn fd_write(fd: i32, iovs: *const Ciovec, iovs_len: i32, nwritten: *mut i32) -> i32;
    fn fd_read(fd: i32, iovs: *const Iovec, iovs_len: i32, nread: *mut i32) -> i32;
    fn clock_time_get(id: i32, precision: i64, time: *mut u64) -> i32;
    fn proc_exit(code: i32) -> !;
}

/// Milliseconds since the Unix epoch (`timestamp()`), 0 if the clock is
/// unavailable.
pub fn now_ms() -> i64 {
    let mut ns = 0u64;
    // SAFETY: `ns` is a valid out slot; clock 0 is the realtime clock.
    let err = unsafe { clock_time_get(0, 1_000_000, &mut ns) };
    if err != 0 {
        return 0;
    }
    (ns / 1_000_000) as i64
}

/// Nanoseconds of the monotonic clock (GC pause times), 0 if unavailable.
pub fn now_ns() -> u64 {
    let mut ns = 0u64;
    // SAFETY: `ns` is a valid out slot; clock 1 is the monotonic clock.
    let err = unsafe { clock_time_get(1, 1, &mut ns) };
    if err != 0 {
        return 0;
    }
    ns
}

/// Bytes read from stdin and not yet consumed by `read_line`.
struct Stdin {
    buf: [u8; 4096],
    pos: usize,
    len: usize,
    eof: bool,
}

static mut STDIN: Stdin = Stdin { buf: [0; 4096], pos: 0, len: 0, eof: false };

/// One line of stdin including its `\n` (none at end of input; empty once
/// the input is exhausted), read in 4 KiB blocks.
pub fn read_line() -> Vec<u8> {
    let input = &raw mut STDIN;
    // SAFETY: single-threaded; the only reference to `STDIN`.
    let input = unsafe { &mut *input };
    let mut line = Vec::new();
    loop {
        if input.pos == input.len {
            if input.eof {
                return line;
            }
            let iov = Iovec { buf: input.buf.as_mut_ptr(), len: input.buf.len() };
            let mut n = 0i32;
            // SAFETY: `iov` describes `input.buf`; `n` is a valid out slot.
            let err = unsafe { fd_read(0, &iov, 1, &mut n) };
            if err != 0 || n <= 0 {
                input.eof = true;
                return line;
            }
            input.pos = 0;
            input.len = n as usize;
        }
        let chunk = &input.buf[input.pos..input.len];
        match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => {
                line.extend_from_slice(&chunk[..=i]);
                input.pos += i + 1;
                return line;
            }
            None => {
                line.extend_from_slice(chunk);
                input.pos = input.len;
            }
        }
    }
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
