//! Window reducers behind `simdpool`: one algorithm per reducer, written once over a small
//! vector trait (`vector.rs`), stamped out per instruction set.
//!
//! Layout (the pipeline's last stage):
//! - [`Geometry`]: the per-shape plan the kernels read (taps, interior columns, divisor).
//! - `element.rs`: the element types ([`Element`], [`DType`]); `vector.rs`: the `F32Vec`
//!   vocabulary, whose loads and stores convert them; `byte_vector.rs`: `ByteVec`, for
//!   integer max in the bytes; `scalar.rs`, `portable.rs`, `x86_64/`, `aarch64/` implement
//!   them per ISA.
//! - `generic/`: the algorithms: `strategy.rs` chooses per plane among global, flat
//!   (`flat.rs`), separable tiles (`sep.rs`) and rows (`rows.rs`), all over the reducers
//!   (`max.rs`, `avg.rs`) and the shared vocabulary of `reduce.rs`; channels-last pixels
//!   (`pixels.rs`, any element type; `bytes.rs`, integer max); element conversion
//!   (`convert.rs`); channel blocks (`channel_block.rs`: 16 channels-first planes to and
//!   from one channels-last image, so that small planes take the pixel kernels).
//! - `table.rs`: the one list of (ISA, kernel) entry points, behind [`Kernels`].
//!
//! This crate does no CPU detection (it is `no_std`); the caller proves an ISA is present
//! before building its [`Kernels`] table (see [`Kernels::for_isa_unchecked`]).
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks, missing_docs)]

#[cfg(test)]
extern crate std;

mod byte_vector;
mod element;
mod generic;
mod geometry;
mod isa;
mod portable;
mod scalar;
mod table;
mod vector;

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(target_arch = "x86_64")]
mod x86_64;

pub use element::{DType, Element};
pub use generic::channel_block::{BlockImage, BLOCK};
pub use generic::{strategy_counts, Strategy, Window};
pub use geometry::{Axis, Divisor, Geometry, RowTaps};
pub use isa::Isa;
pub use table::{CheckedWindows, Kernels, PixelOp};
