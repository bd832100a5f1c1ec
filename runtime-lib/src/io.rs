//! Output: buffered stdout, unbuffered stderr, and the runtime error report.
//!
//! Stdout is buffered because generated programs print a line at a time and
//! each WASI `fd_write` is a host call. The buffer is flushed when full, on
//! exit, before anything is written to stderr (so interleaving matches the
//! VM's) and before an error is reported. The logic here is target-neutral;
//! the wasm layer supplies a [`Sink`] that calls `fd_write`.

/// File descriptor of standard output.
pub const STDOUT: u32 = 1;
/// File descriptor of standard error.
pub const STDERR: u32 = 2;
/// Size of the stdout buffer.
pub const BUF_SIZE: usize = 8192;

/// Where bytes finally go.
pub trait Sink {
    /// Writes the concatenation of `parts` to `fd`, ignoring errors (a
    /// closed pipe must not turn into a second failure).
    fn write_all(&mut self, fd: u32, parts: &[&[u8]]);
}

/// The stdout buffer.
pub struct Output {
    buf: [u8; BUF_SIZE],
    len: usize,
}

impl Output {
    pub const fn new() -> Output {
        Output { buf: [0; BUF_SIZE], len: 0 }
    }

    /// Writes `bytes` to `fd`: stderr directly (after flushing stdout),
    /// anything else to buffered stdout.
    pub fn print(&mut self, sink: &mut impl Sink, fd: u32, bytes: &[u8]) {
        if fd == STDERR {
            self.flush(sink);
            sink.write_all(STDERR, &[bytes]);
            return;
        }
        if bytes.len() > BUF_SIZE - self.len {
            self.flush(sink);
            if bytes.len() >= BUF_SIZE {
                sink.write_all(STDOUT, &[bytes]);
                return;
            }
        }
        // `get_mut` rather than indexing: the test above already keeps the
        // range in bounds, and a panic path here would be linked into
        // every module that prints.
        if let Some(room) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            room.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    /// Writes out whatever stdout holds.
    pub fn flush(&mut self, sink: &mut impl Sink) {
        if let Some(pending) = self.buf.get(..self.len).filter(|p| !p.is_empty()) {
            sink.write_all(STDOUT, &[pending]);
            self.len = 0;
        }
    }
}

impl Default for Output {
    fn default() -> Output {
        Output::new()
    }
}

/// Where a runtime error happened.
#[derive(Clone, Copy, Debug)]
pub struct Location<'a> {
    pub file: &'a [u8],
    pub line: u32,
    pub col: u32,
}

/// Writes the VM's report of a runtime error to stderr:
/// `Error: Evaluation error: {msg}` and, when known, `  at {file}:{line}:{col}`.
/// Allocation-free, so it works when memory is exhausted or after a panic.
pub fn report_error(sink: &mut impl Sink, msg: &[u8], at: Option<Location>) {
    let head: [&[u8]; 3] = [b"Error: Evaluation error: ", msg, b"\n"];
    let Some(at) = at else {
        sink.write_all(STDERR, &head);
        return;
    };
    let (mut line_buf, mut col_buf) = ([0u8; 10], [0u8; 10]);
    let line = decimal(at.line, &mut line_buf);
    let col = decimal(at.col, &mut col_buf);
    sink.write_all(STDERR, &[head[0], head[1], head[2], b"  at ", at.file, b":", line, b":", col, b"\n"]);
}

/// `n` in decimal, written into the end of `buf`.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// A fatal runtime error without a source location (out of memory, stack
/// overflow): reported like `rt_error`, exit code 1. Natively (tests) it
/// panics with the message.
#[cold]
pub fn die(msg: &[u8]) -> ! {
    #[cfg(target_arch = "wasm32")]
    {
        crate::wasm::fatal(msg, None)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        panic!("runtime error: {}", alloc::string::String::from_utf8_lossy(msg))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// Records every write as (fd, bytes).
    #[derive(Default)]
    struct Log(Vec<(u32, Vec<u8>)>);

    impl Sink for Log {
        fn write_all(&mut self, fd: u32, parts: &[&[u8]]) {
            self.0.push((fd, parts.concat()));
        }
    }

    #[test]
    fn stdout_is_buffered_until_stderr_or_flush() {
        let (mut out, mut log) = (Output::new(), Log::default());
        out.print(&mut log, STDOUT, b"a\n");
        out.print(&mut log, STDOUT, b"b\n");
        assert!(log.0.is_empty());
        out.print(&mut log, STDERR, b"e\n");
        assert_eq!(log.0, [(STDOUT, b"a\nb\n".to_vec()), (STDERR, b"e\n".to_vec())]);
        out.print(&mut log, STDOUT, b"c");
        out.flush(&mut log);
        out.flush(&mut log);
        assert_eq!(log.0.len(), 3);
    }

    #[test]
    fn a_full_buffer_is_flushed_and_big_writes_go_straight_out() {
        let (mut out, mut log) = (Output::new(), Log::default());
        let chunk = [b'x'; 3000];
        for _ in 0..3 {
            out.print(&mut log, STDOUT, &chunk);
        }
        assert_eq!(log.0.len(), 1);
        assert_eq!(log.0[0].1.len(), 6000);
        let big = std::vec![b'y'; BUF_SIZE * 2];
        out.print(&mut log, STDOUT, &big);
        out.flush(&mut log);
        let all: Vec<u8> = log.0.iter().flat_map(|(_, b)| b.clone()).collect();
        assert_eq!(all.len(), 9000 + 2 * BUF_SIZE);
        assert!(all[..9000].iter().all(|b| *b == b'x'), "order is kept");
    }

    #[test]
    fn errors_print_like_the_vm() {
        let mut log = Log::default();
        let at = Location { file: b"t.ruchy", line: 3, col: 10 };
        report_error(&mut log, b"Division by zero", Some(at));
        report_error(&mut log, b"Stack overflow", None);
        assert_eq!(log.0[0], (STDERR, b"Error: Evaluation error: Division by zero\n  at t.ruchy:3:10\n".to_vec()));
        assert_eq!(log.0[1], (STDERR, b"Error: Evaluation error: Stack overflow\n".to_vec()));
        let mut buf = [0; 10];
        assert_eq!(decimal(u32::MAX, &mut buf), b"4294967295");
        assert_eq!(decimal(0, &mut buf), b"0");
    }
}
