//! The pooling algorithms, written once over [`F32Vec`](crate::vector::F32Vec).
//!
//! # How a plane is pooled
//!
//! Pooling an NCHW plane is a reduction of a `kh × kw` window (dilated, strided, padded) for
//! every output `(oy, ox)`. We vectorize along the output width: one vector holds `LANES`
//! neighbouring outputs of one row, and each tap `(ky, kx)` of the window is one vector load
//! that fetches that tap for all of them at once — contiguous for stride 1, the even half of
//! two de-interleaved vectors for stride 2, a small gather otherwise.
//!
//! Padding is never materialized. Per output row, [`RowTaps`](crate::RowTaps) says which
//! kernel rows fall inside the input, so rows are clipped before the loop, not per tap. Per
//! plane, the plan ([`Geometry`](crate::Geometry)) splits the columns once into a left border,
//! an interior where every horizontal tap is inside the row, and a right border. The interior
//! runs full vectors with no bounds checks; when it is not a multiple of `LANES`, the last
//! vector is placed to end exactly at the interior's end, recomputing a few outputs rather
//! than falling to scalar code. Interiors narrower than one vector use the ISA's narrower
//! tail vector, then that vector's half (AVX-512: 16, 8, then 4 lanes). Border columns
//! (usually one or two per side) use an exact scalar loop; rows too narrow for an interior
//! vector use *clipped* vectors instead, whose lanes outside the
//! row read the reducer's identity (`-inf` for max, `+0.0` for a sum that starts at `+0.0`),
//! which leaves every result bit-identical to skipping those taps. (Clipped vectors for the
//! borders of wide rows were measured slower than the scalar loop on this project's
//! machine, so they are not used there.)
//!
//! Stride-2 taps come from de-interleaving two vectors; two neighbouring taps share one
//! de-interleave (the even and odd halves). Windows with vertical stride 1 are pooled by
//! separable tiles (`sep.rs`): each input row is reduced horizontally once into a scratch row
//! on the stack, output rows reduce those rows vertically, and only the horizontal pass meets
//! the padding (a border column costs `kw` scalar taps, not `kh × kw`). When both strides
//! are 1 and the output is as wide as the input, both passes run over the plane as one flat
//! array (`flat.rs`), the border columns recomputed afterwards: no per-row work at all.
//!
//! # Matching PyTorch bit for bit
//!
//! Taps are visited in PyTorch's order (row-major within the window), and each reducer uses
//! PyTorch's step: max takes `v` when `v > m` or `v` is NaN (ties keep the first, the last
//! NaN wins, a window of `-inf` keeps its first in-bounds index). That step gives the same
//! result under any grouping that keeps the order (reduce each row, then the rows), so
//! separable tiles stay bit-exact for max and argmax. Average sums from `0.0` in PyTorch's
//! order and divides (not multiplies by a reciprocal), so per lane the sum and quotient are
//! PyTorch's very operations — except in separable tiles, which add row sums: rounding only,
//! well inside 1e-5 relative, because tiles are used only when no partial sum can overflow
//! in any order (a pre-scan of the rows' largest magnitude; else the exact row-by-row path).
//!
//! Argmax keeps, per lane, the tap's offset from the window origin as an `f32` (exact up to
//! 2^24, so vectors are used only when the largest offset, `(kh - 1)·dh·w + (kw - 1)·dw`, is
//! at most that; it can exceed the plane size) and blends it with the same mask as the
//! value; the flat index `origin + offset` is formed at the store.
//!
//! # Before the planes
//!
//! Planes whose windows step from one plane straight into the next (no vertical padding,
//! `h = oh·sh`, windows that do not overlap vertically: VGG's 2×2 stride 2, adaptive 28 → 7)
//! are pooled as one tall plane, so small planes pay their setup once per call; argmax
//! indices are renumbered per plane afterwards. Max with many taps per input (stride 1)
//! first scans each cache-sized block of input for NaN; where there is none, each tap is
//! one plain `max` (x86's `maxps` keeps its second operand on ties, so `-0.0`/`+0.0` keep
//! PyTorch's order) instead of max, NaN test and blend.
//!
//! A window that is the first `kh` full rows of the plane (global pooling, one output) is a
//! contiguous run: it is reduced with plain vector loads and a final lane fold. For max this
//! is exact unless the result is zero or NaN (where equal-comparing values differ in bits),
//! and those cases are redone in order. For average the lane-wise order differs from
//! PyTorch's by rounding only (well inside 1e-5 relative).

mod avg;
mod blocks;
pub(crate) mod bytes;
pub(crate) mod channel_block;
pub(crate) mod convert;
mod flat;
mod max;
pub(crate) mod merge;
mod pixels;
mod reduce;
mod rows;
mod sep;
mod strategy;

pub(crate) use avg::Avg;
use max::nan_free;
pub(crate) use max::{ArgMax, Max};
pub(crate) use pixels::pixels;
pub use pixels::Window;
pub(crate) use reduce::Reduce;
pub(crate) use strategy::{plane, planes};
pub use strategy::{strategy_counts, Strategy};
