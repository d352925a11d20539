//! Status codes, the thread's last error message, and the guard every entry point runs in:
//! nothing panics or unwinds across the boundary.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use simdpool::{ErrorKind, PoolError};

/// The call succeeded.
pub const SIMDPOOL_OK: i32 = 0;
/// A pointer argument (descriptor, tensor, shape, data) is null.
pub const SIMDPOOL_ERROR_NULL_POINTER: i32 = 1;
/// A descriptor field outside its values (op, rank, layout, dtype, a 0/1 flag...).
pub const SIMDPOOL_ERROR_INVALID_ARGUMENT: i32 = 2;
/// A negative size, stride or parameter, or a size whose bytes overflow.
pub const SIMDPOOL_ERROR_SIZE: i32 = 3;
/// An output buffer overlaps another tensor of the call.
pub const SIMDPOOL_ERROR_OVERLAP: i32 = 4;
/// A pooling parameter PyTorch or ONNX rejects (kernel, stride, padding, divisor...).
pub const SIMDPOOL_ERROR_PARAMETER: i32 = 5;
/// A shape the layer cannot pool (empty, too small for the window).
pub const SIMDPOOL_ERROR_SHAPE: i32 = 6;
/// A tensor that does not match the call (shape, strides, alignment).
pub const SIMDPOOL_ERROR_BUFFER: i32 = 7;
/// An op the layer or element type does not have (indices of an average pool...).
pub const SIMDPOOL_ERROR_UNSUPPORTED: i32 = 8;
/// A forced ISA this CPU cannot run, or an unknown `SIMDPOOL_ISA`.
pub const SIMDPOOL_ERROR_ISA: i32 = 9;
/// A max-pool index outside its plane (backward).
pub const SIMDPOOL_ERROR_INDEX: i32 = 10;
/// The thread pool could not be built.
pub const SIMDPOOL_ERROR_THREADS: i32 = 11;
/// A bug in simdpool: it panicked, the panic was caught. Please report it.
pub const SIMDPOOL_ERROR_PANIC: i32 = 12;

/// Why a call failed: its status code and a message naming the offending value.
pub(crate) struct Fail {
    pub(crate) code: i32,
    pub(crate) message: String,
}

impl Fail {
    pub(crate) fn new(code: i32, message: impl Into<String>) -> Fail {
        Fail {
            code,
            message: message.into(),
        }
    }
}

impl From<PoolError> for Fail {
    fn from(e: PoolError) -> Fail {
        let code = match e.kind() {
            ErrorKind::Parameter => SIMDPOOL_ERROR_PARAMETER,
            ErrorKind::Shape => SIMDPOOL_ERROR_SHAPE,
            ErrorKind::Buffer => SIMDPOOL_ERROR_BUFFER,
            ErrorKind::Unsupported => SIMDPOOL_ERROR_UNSUPPORTED,
            ErrorKind::Isa => SIMDPOOL_ERROR_ISA,
            ErrorKind::Index => SIMDPOOL_ERROR_INDEX,
        };
        Fail::new(code, e.to_string())
    }
}

thread_local! {
    static LAST: RefCell<CString> = RefCell::new(CString::default());
}

/// Runs an entry point's body: its status, with the message kept for
/// `simdpool_last_error_message`; a panic becomes `SIMDPOOL_ERROR_PANIC`.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Fail>) -> i32 {
    let fail = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return SIMDPOOL_OK,
        Ok(Err(fail)) => fail,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Fail::new(SIMDPOOL_ERROR_PANIC, format!("simdpool panicked: {what}"))
        }
    };
    let text = CString::new(fail.message.replace('\0', " ")).unwrap_or_default();
    // Never panics: the message outlives nothing but this thread's next failing call.
    let _ = LAST.try_with(|l| *l.borrow_mut() = text);
    fail.code
}

/// The message of this thread's last failed call (naming the offending value), or `""`.
/// Valid until this thread's next failing call.
#[no_mangle]
pub extern "C" fn simdpool_last_error_message() -> *const c_char {
    catch_unwind(|| LAST.with(|l| l.borrow().as_ptr())).unwrap_or(c"".as_ptr())
}

/// A short, static description of a status code (`"unknown status"` for other values).
#[no_mangle]
pub extern "C" fn simdpool_error_message(status: i32) -> *const c_char {
    let s = match status {
        SIMDPOOL_OK => c"ok",
        SIMDPOOL_ERROR_NULL_POINTER => c"null pointer",
        SIMDPOOL_ERROR_INVALID_ARGUMENT => c"descriptor field outside its values",
        SIMDPOOL_ERROR_SIZE => c"negative or overflowing size",
        SIMDPOOL_ERROR_OVERLAP => c"output overlaps another tensor",
        SIMDPOOL_ERROR_PARAMETER => c"invalid pooling parameter",
        SIMDPOOL_ERROR_SHAPE => c"shape cannot be pooled",
        SIMDPOOL_ERROR_BUFFER => c"tensor does not match the call",
        SIMDPOOL_ERROR_UNSUPPORTED => c"op not supported for this layer or type",
        SIMDPOOL_ERROR_ISA => c"ISA unavailable",
        SIMDPOOL_ERROR_INDEX => c"index out of range",
        SIMDPOOL_ERROR_THREADS => c"thread pool could not be built",
        SIMDPOOL_ERROR_PANIC => c"internal panic (a simdpool bug)",
        _ => c"unknown status",
    };
    s.as_ptr()
}
