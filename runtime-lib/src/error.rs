//! Runtime errors of the aggregate, method and built-in operations.
//!
//! Every runtime error ends the program (`rt_error`'s report, exit 1), but
//! the operations return them as values so the native tests can check the
//! exact message; the wasm exports turn an `Err` into the report at the
//! operation's source location. Messages are the VM's, byte for byte.

use crate::ops::OpError;
use alloc::string::String;

/// A runtime error with the VM's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

pub type Res<T> = Result<T, Error>;

/// The message of [`Error::thrown`]: not a runtime error but a Ruchy
/// exception propagating out of a closure the runtime called.
const THROWN: &str = "\0exception pending";

impl Error {
    /// A closure the runtime called has thrown (`RT_EXC_PENDING` is set):
    /// the operation stops, and its export returns at once for the
    /// generated caller to propagate the exception (ABI.md, "Exceptions").
    pub fn thrown() -> Error {
        Error(THROWN.into())
    }

    pub fn is_thrown(&self) -> bool {
        self.0 == THROWN
    }
}

impl From<OpError> for Error {
    fn from(e: OpError) -> Error {
        Error(e.message())
    }
}

impl From<String> for Error {
    fn from(s: String) -> Error {
        Error(s)
    }
}

impl From<&str> for Error {
    fn from(s: &str) -> Error {
        Error(s.into())
    }
}

/// `Err` with a formatted message: `bail!("Unknown {kind} method: {name}")`.
macro_rules! bail {
    ($($t:tt)*) => {
        return Err($crate::error::Error(alloc::format!($($t)*)))
    };
}
pub(crate) use bail;
