//! # simdpool-capi
//!
//! simdpool for C and C++ engines: a plain-C layer descriptor ([`simdpool_pool_desc`]),
//! strided tensors ([`simdpool_tensor`]: a channel slice of a concatenated tensor is pooled
//! in place) and status codes. Every entry point checks everything before writing anything,
//! and catches panics: nothing unwinds or aborts across the boundary. The header is
//! `include/simdpool.h`, generated from this crate by cbindgen.
//!
//! The entry points are one per call kind, whatever the op (regular, LP or adaptive, any
//! rank): `simdpool_output_shape`, `simdpool_forward`, `simdpool_forward_with_indices`,
//! `simdpool_backward` (average) and `simdpool_backward_from_indices` (max).
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks, missing_docs)]

mod desc;
mod ops;
mod status;
mod tensor;
mod threads;

use std::ffi::c_char;

pub use desc::*;
pub use status::*;
pub use tensor::{simdpool_tensor, SIMDPOOL_MAX_DIMS};
pub use threads::simdpool_set_num_threads;

/// The output shape (`rank + 2` entries) of `desc` on an input of shape `input_shape`
/// (`rank + 2` entries), into `output_shape`.
///
/// # Safety
/// Each pointer is null or valid for `rank + 2` elements (read, resp. written).
#[no_mangle]
pub unsafe extern "C" fn simdpool_output_shape(
    desc: *const simdpool_pool_desc,
    input_shape: *const i64,
    output_shape: *mut i64,
) -> i32 {
    guard(|| {
        // SAFETY: the caller's promise, passed on.
        unsafe { ops::output_shape(desc, input_shape, output_shape) }
    })
}

/// Pools `input` into `output` (its shape must be the output shape).
///
/// # Safety
/// `desc` and the tensors are null or valid; each tensor's data is valid for the elements
/// its shape and strides reach, in `desc->dtype`; nothing else writes them meanwhile.
#[no_mangle]
pub unsafe extern "C" fn simdpool_forward(
    desc: *const simdpool_pool_desc,
    input: *const simdpool_tensor,
    output: *const simdpool_tensor,
) -> i32 {
    // SAFETY: the caller's promise, passed on.
    guard(|| unsafe { ops::forward(desc, input, output, None) })
}

/// Max pooling that also writes each maximum's index (`int64_t`, in `desc->index_style`)
/// into `indices`, of the output's shape.
///
/// # Safety
/// As [`simdpool_forward`]; `indices` holds `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn simdpool_forward_with_indices(
    desc: *const simdpool_pool_desc,
    input: *const simdpool_tensor,
    output: *const simdpool_tensor,
    indices: *const simdpool_tensor,
) -> i32 {
    // SAFETY: the caller's promise, passed on.
    guard(|| unsafe { ops::forward(desc, input, output, Some(indices)) })
}

/// The gradient of an average (or adaptive average) pool: `grad_input` (the input's
/// shape) from `grad_output` (the output's), overwritten.
///
/// # Safety
/// As [`simdpool_forward`].
#[no_mangle]
pub unsafe extern "C" fn simdpool_backward(
    desc: *const simdpool_pool_desc,
    grad_output: *const simdpool_tensor,
    grad_input: *const simdpool_tensor,
) -> i32 {
    // SAFETY: the caller's promise, passed on.
    guard(|| unsafe { ops::backward(desc, grad_output, None, grad_input) })
}

/// The gradient of a max (or adaptive max) pool from the indices its forward wrote.
///
/// # Safety
/// As [`simdpool_forward`]; `indices` holds `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn simdpool_backward_from_indices(
    desc: *const simdpool_pool_desc,
    grad_output: *const simdpool_tensor,
    indices: *const simdpool_tensor,
    grad_input: *const simdpool_tensor,
) -> i32 {
    // SAFETY: the caller's promise, passed on.
    guard(|| unsafe { ops::backward(desc, grad_output, Some(indices), grad_input) })
}

/// Fills `strides` (`rank + 2` entries) with a packed tensor's strides for `shape` in
/// `layout` (`SIMDPOOL_LAYOUT_*`).
///
/// # Safety
/// `shape` and `strides` are null or valid for `rank + 2` elements.
#[no_mangle]
pub unsafe extern "C" fn simdpool_packed_strides(
    rank: u32,
    shape: *const i64,
    layout: u32,
    strides: *mut i64,
) -> i32 {
    // SAFETY: the caller's promise, passed on.
    guard(|| unsafe { ops::packed_strides(rank, shape, layout, strides) })
}

/// The ISA calls without a forced one run on this CPU (`"avx512"`, `"avx2"`, `"neon"`,
/// `"portable"`, `"scalar"`); a static string.
#[no_mangle]
pub extern "C" fn simdpool_selected_isa() -> *const c_char {
    let isa = std::panic::catch_unwind(simdpool::selected_isa).unwrap_or(simdpool::Isa::Scalar);
    match isa {
        simdpool::Isa::Scalar => c"scalar",
        simdpool::Isa::Portable => c"portable",
        simdpool::Isa::Avx2 => c"avx2",
        simdpool::Isa::Avx512 => c"avx512",
        simdpool::Isa::Neon => c"neon",
    }
    .as_ptr()
}

/// This library's version (`"0.1.0"`); a static string.
#[no_mangle]
pub extern "C" fn simdpool_version() -> *const c_char {
    const V: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    V.as_ptr().cast()
}
