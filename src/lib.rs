//! # simdpool
//!
//! Max and average pooling (1-D, 2-D and 3-D, regular, adaptive and global) over
//! channels-first or channels-last tensors of `f32`, [`f16`](struct@f16), [`bf16`], `i8` or `u8`
//! ([`Element`]; or bytes plus a [`DType`]) with exactly PyTorch's semantics (output
//! sizes, values, argmax indices, NaN handling, rejected parameters) and ONNX's padding
//! attributes, vectorized by hand for AVX-512, AVX2 and NEON, chosen at run time, and split
//! over rayon.
//!
//! ```
//! use simdpool::{Pool2d, PoolError};
//! let pool = Pool2d::max(3).stride(2).padding(1);
//! let (n, c, h, w) = (1, 2, 8, 8);
//! let input = vec![1.0f32; n * c * h * w];
//! let shape = pool.output_shape([n, c, h, w])?;
//! let mut output = vec![0.0; shape.iter().product()];
//! assert_eq!(pool.forward(&input, [n, c, h, w], &mut output)?, [1, 2, 4, 4]);
//! # Ok::<(), PoolError>(())
//! ```
//!
//! The same builder exists for every rank, and adaptive pooling beside it:
//!
//! ```
//! use simdpool::{AdaptivePool2d, Pool1d, Pool3d};
//! let x: Vec<f32> = (0..8).map(|v| v as f32).collect();
//! let mut y = [0.0; 4];
//! assert_eq!(Pool1d::max(2).forward(&x, [1, 1, 8], &mut y)?, [1, 1, 4]);
//! assert_eq!(y, [1.0, 3.0, 5.0, 7.0]);
//! let mut z = [0.0; 1];
//! Pool3d::avg(2).forward(&x, [1, 1, 2, 2, 2], &mut z)?;
//! assert_eq!(z, [3.5]);
//! let mut g = [0.0; 2];
//! AdaptivePool2d::avg(1).forward(&x, [1, 2, 2, 2], &mut g)?; // global average
//! assert_eq!(g, [1.5, 5.5]);
//! # Ok::<(), simdpool::PoolError>(())
//! ```
//!
//! Channels-last tensors (PyTorch's `channels_last`: NHWC in memory, and NLC, NDHWC) take
//! the same builders with [`Layout::ChannelsLast`]; shapes stay in logical order:
//!
//! ```
//! use simdpool::{Layout, Pool2d};
//! // One 2×2 image, two channels, NHWC: pixel (y, x) holds [c0, c1].
//! let x = [1.0, -1.0, 4.0, -4.0, 2.0, -2.0, 3.0, -3.0];
//! let mut y = [0.0; 2];
//! let pool = Pool2d::max(2).layout(Layout::ChannelsLast);
//! assert_eq!(pool.forward(&x, [1, 2, 2, 2], &mut y)?, [1, 2, 1, 1]);
//! assert_eq!(y, [4.0, -1.0]);
//! # Ok::<(), simdpool::PoolError>(())
//! ```
//!
//! Other element types than `f32` (max exact; `f16`/`bf16` average accumulated in `f32` and
//! rounded once; `i8`/`u8` average as PyTorch's quantized average) take the same builders:
//!
//! ```
//! use simdpool::{f16, DType, Pool2d};
//! let x: Vec<f16> = (0..16).map(|v| f16::from_f32(v as f32)).collect();
//! let mut y = [f16::ZERO; 4];
//! Pool2d::max(2).forward(&x, [1, 1, 4, 4], &mut y)?;
//! assert_eq!(y.map(f16::to_f32), [5.0, 7.0, 13.0, 15.0]);
//! let bytes: Vec<u8> = (0..16).collect(); // u8 tensors as bytes plus a tag
//! let mut out = [0u8; 4];
//! Pool2d::avg(2).forward_bytes(DType::U8, &bytes, [1, 1, 4, 4], &mut out)?;
//! assert_eq!(out, [2, 4, 10, 12]); // 2.5 → 2, 4.5 → 4: ties to even
//! # Ok::<(), simdpool::PoolError>(())
//! ```
//!
//! | PyTorch | ONNX | simdpool |
//! |---|---|---|
//! | `nn.MaxPool1d/2d/3d` | `MaxPool` | [`Pool1d::max`], [`Pool2d::max`], [`Pool3d::max`] (`forward_with_indices` for `return_indices`; [`IndexStyle`] for `storage_order`) |
//! | `nn.AvgPool1d/2d/3d` | `AveragePool` | [`Pool2d::avg`] (and 1-D, 3-D) |
//! | `nn.LPPool1d/2d/3d` | `LpPool` | [`Pool2d::lp`] (and 1-D, 3-D; `lp_abs` for ONNX) |
//! | `nn.AdaptiveMaxPool*d`, `nn.AdaptiveAvgPool*d` | `GlobalMaxPool`, `GlobalAveragePool` | [`AdaptivePool2d::max`], [`AdaptivePool2d::avg`], [`AdaptivePool2d::global`] (and 1-D, 3-D) |
//! | `nn.MaxUnpool1d/2d/3d` | `MaxUnpool` | [`MaxUnpool2d`] (and 1-D, 3-D) |
//! | `nn.FractionalMaxPool2d/3d` | — | [`FractionalMaxPool2d`], [`FractionalMaxPool3d`] |
//! | autograd of the above | — | `backward`, `backward_from_indices` on each builder |
//! | — (Zeiler & Fergus 2013) | — | [`StochasticPool2d`] |
//!
//! Tensors in other memory than a packed slice (a channel slice of a concatenated tensor, a
//! permuted view) go through [`Strided`] views (`forward_strided` on every builder), or
//! with the `ndarray` feature ndarray views (`forward_view`); C and C++ engines use the
//! `simdpool-capi` crate's header over the same calls.
//!
//! The pipeline, one module each: `params` (the builders) → `plan` (validation, the choice
//! of `Work`) → `dispatch` (ISA) → `threading` (volumes, planes, row blocks;
//! `depth` for 3-D, `adaptive` for unequal windows; `channels_last` for that layout;
//! `staged` for other element types where no kernel loads them) → `simdpool_kernels`
//! (per-ISA kernels).
//! [`reference`](mod@reference) is the scalar oracle the tests hold every path to.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks, missing_docs)]

/// The README's Rust examples, compiled and run as doctests (with every feature: one of
/// them needs `ndarray`).
#[cfg(all(doctest, feature = "ndarray"))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

mod adaptive;
mod backward;
mod blocked;
mod bytes;
mod channels_last;
mod depth;
mod dispatch;
mod error;
mod fractional;
mod lp;
#[cfg(feature = "ndarray")]
mod ndarray_views;
mod params;
mod per_plane;
mod plan;
pub mod reference;
mod scatter;
mod staged;
mod stochastic;
mod strided;
mod threading;
mod unpool;

pub use dispatch::{selected_isa, supported_isas};
pub use error::{ErrorKind, PoolError};
pub use fractional::{FractionalMaxPool2d, FractionalMaxPool3d};
pub use half::{bf16, f16};
pub use params::{
    AdaptivePool1d, AdaptivePool2d, AdaptivePool3d, AutoPad, Axes, IndexStyle, Kind, Layout, Pair,
    Pool1d, Pool2d, Pool3d,
};
pub use simdpool_kernels::{DType, Element, Isa};
pub use stochastic::StochasticPool2d;
pub use strided::{packed_strides, Strided, StridedMut, StridedRoute};
pub use unpool::{MaxUnpool1d, MaxUnpool2d, MaxUnpool3d};

use params::{AdaptiveSpec, Spec};
use plan::Plan;
use threading::Op;

/// How this library was built, for benchmark and bug-report headers: target triple,
/// compiler version and the ISAs this CPU can run.
pub fn build_info() -> String {
    let isas: Vec<&str> = supported_isas().iter().map(|i| i.name()).collect();
    format!(
        "target {}, {}, ISAs on this CPU: {} (selected: {})",
        env!("SIMDPOOL_TARGET"),
        env!("SIMDPOOL_RUSTC"),
        isas.join(", "),
        selected_isa()
    )
}

mod sealed {
    pub trait Sealed {}
}

/// What every pooling builder can do, for code generic over rank and kind (tests, benches,
/// the oracle). Each builder also has these as inherent methods.
pub trait Layer: sealed::Sealed {
    /// The shape array: `[n, c, spatial...]`.
    type Shape: Copy + AsRef<[usize]> + std::fmt::Debug + PartialEq;

    /// The output shape for an input of shape `shape`, or why they are rejected.
    fn output_shape(&self, shape: Self::Shape) -> Result<Self::Shape, PoolError>;

    /// Pools `input` (logical shape `shape`, in the layer's layout) into the start of
    /// `output`; returns the output shape. On error nothing is written.
    fn forward<E: Element>(
        &self,
        input: &[E],
        shape: Self::Shape,
        output: &mut [E],
    ) -> Result<Self::Shape, PoolError>;

    /// Max pooling that also writes each maximum's index (as the layer's index style says;
    /// PyTorch's by default). An average pool returns [`PoolError::IndicesOnAvg`].
    fn forward_with_indices<E: Element>(
        &self,
        input: &[E],
        shape: Self::Shape,
        output: &mut [E],
        indices: &mut [i64],
    ) -> Result<Self::Shape, PoolError>;

    /// [`Layer::forward`] on byte buffers holding `dtype` elements (native endianness).
    fn forward_bytes(
        &self,
        dtype: DType,
        input: &[u8],
        shape: Self::Shape,
        output: &mut [u8],
    ) -> Result<Self::Shape, PoolError>;

    /// [`Layer::forward_with_indices`] on byte buffers holding `dtype` elements.
    fn forward_bytes_with_indices(
        &self,
        dtype: DType,
        input: &[u8],
        shape: Self::Shape,
        output: &mut [u8],
        indices: &mut [i64],
    ) -> Result<Self::Shape, PoolError>;

    /// The gradient of an average pool: `grad_input` (the input's shape and layout) from
    /// `grad_output` (the forward output's). Overwrites `grad_input`.
    fn backward<E: Element>(
        &self,
        grad_output: &[E],
        input_shape: Self::Shape,
        grad_input: &mut [E],
    ) -> Result<(), PoolError>;

    /// The gradient of a max pool, from the indices its `forward_with_indices` wrote.
    /// Overwrites `grad_input`.
    fn backward_from_indices<E: Element>(
        &self,
        grad_output: &[E],
        indices: &[i64],
        input_shape: Self::Shape,
        grad_input: &mut [E],
    ) -> Result<(), PoolError>;

    /// The reduction.
    fn kind(&self) -> Kind;

    /// The layer with its ISA forced (see the builders' `isa`).
    fn isa(self, isa: Isa) -> Self
    where
        Self: Sized;

    /// The layer run serially or split over rayon (see the builders' `parallel`).
    fn parallel(self, parallel: bool) -> Self
    where
        Self: Sized;

    /// The layer with its memory layout set (see the builders' `layout`).
    fn layout(self, layout: Layout) -> Self
    where
        Self: Sized;

    /// The layer's memory layout.
    fn layout_of(&self) -> Layout;

    /// The call as the oracle sees it (for [`reference`]).
    #[doc(hidden)]
    fn describe(&self, shape: Self::Shape) -> Result<reference::Description, PoolError>;
}

/// The settings a call carries besides its plan.
struct Call {
    op: Op,
    isa: Option<Isa>,
    source: &'static str,
    parallel: bool,
    style: IndexStyle,
    /// Spatial axes of the layer.
    rank: usize,
    layout: Layout,
    /// An adaptive pool (its one-output-per-volume average is a mean in PyTorch).
    adaptive: bool,
}

impl Call {
    fn new(
        kind: Kind,
        indices: bool,
        isa: Option<Isa>,
        source: &'static str,
    ) -> Result<Call, PoolError> {
        let op = match (kind, indices) {
            (Kind::Avg, true) => return Err(PoolError::IndicesOnAvg),
            (Kind::Max, true) => Op::ArgMax,
            (Kind::Max, false) => Op::Max,
            (Kind::Avg, false) => Op::Avg,
        };
        Ok(Call {
            op,
            isa,
            source,
            parallel: true,
            style: IndexStyle::Plane,
            rank: 2,
            layout: Layout::ChannelsFirst,
            adaptive: false,
        })
    }

    /// Checks the slices against `plan`, then runs it. Nothing is written on error.
    fn run<E: Element>(
        &self,
        plan: &Plan,
        input: &[E],
        shape: &[usize],
        output: &mut [E],
        indices: &mut [i64],
    ) -> Result<(), PoolError> {
        PoolError::check_input(shape, plan.in_len, input.len())?;
        PoolError::check_output(plan.out_len, output.len())?;
        if self.op == Op::ArgMax && indices.len() < plan.out_len {
            return Err(PoolError::IndicesLength {
                needed: plan.out_len,
                actual: indices.len(),
            });
        }
        let kernels = dispatch::resolve(self.isa, self.source)?;
        let idx = if self.op == Op::ArgMax {
            &mut indices[..plan.out_len]
        } else {
            &mut []
        };
        let output = &mut output[..plan.out_len];
        let (input, output) = match (E::as_f32(input), E::as_f32_mut(output)) {
            (Some(i), Some(o)) => (i, o),
            _ => {
                let c = shape[1];
                let mean = self.adaptive && plan.output == [1, 1, 1];
                let call = staged::Call {
                    op: self.op,
                    layout: self.layout,
                    c,
                    mean,
                    parallel: self.parallel,
                };
                staged::execute(&kernels, &call, plan, input, output, idx);
                if self.op == Op::ArgMax {
                    let restyle = threading::Restyle::new(plan, self.style, self.rank);
                    match self.layout {
                        Layout::ChannelsFirst => {
                            threading::restyle(plan, idx, self.style, self.rank, self.parallel)
                        }
                        Layout::ChannelsLast => {
                            channels_last::fix_indices(plan, c, idx, restyle, self.parallel)
                        }
                    }
                }
                return Ok(());
            }
        };
        match self.layout {
            Layout::ChannelsFirst => {
                threading::execute(&kernels, self.op, plan, input, output, idx, self.parallel);
                if self.op == Op::ArgMax {
                    threading::restyle(plan, idx, self.style, self.rank, self.parallel);
                }
            }
            Layout::ChannelsLast => {
                let restyle = threading::Restyle::new(plan, self.style, self.rank);
                let c = shape[1];
                channels_last::execute(
                    &kernels,
                    self.op,
                    plan,
                    c,
                    input,
                    output,
                    idx,
                    restyle,
                    self.parallel,
                    channels_last::F32_EXACT,
                );
            }
        }
        Ok(())
    }
}

impl Call {
    /// A channels-last call on views lying as `memory` says (channels contiguous), straight
    /// to the pixel kernels; the caller checked the views and the route.
    #[allow(clippy::too_many_arguments)]
    fn run_pixels<E: Element>(
        &self,
        plan: &Plan,
        c: usize,
        memory: channels_last::Memory,
        input: &[E],
        output: &mut [E],
        indices: &mut [i64],
    ) -> Result<(), PoolError> {
        let kernels = dispatch::resolve(self.isa, self.source)?;
        if plan.work == plan::Work::Nothing {
            return Ok(());
        }
        // As `staged`: integer averages are PyTorch's quantized ones, but for the mean.
        let mean = self.adaptive && plan.output == [1, 1, 1];
        let quantized = self.op == Op::Avg && E::DTYPE.is_integer() && !mean;
        let parallel = self.parallel;
        channels_last::pixels_in(
            &kernels, self.op, plan, c, memory, input, output, indices, parallel, quantized,
        );
        Ok(())
    }
}

/// The strided calls' way into the pixel kernels (see `strided.rs`).
pub(crate) trait PixelRoute<const S: usize> {
    /// Pools channels-last views lying as `memory` says through the pixel kernels, if this
    /// layer and shape take them (`Ok(false)` if not: LP, one channel, argmax indices in
    /// another style than PyTorch's or past the kernels' exact range).
    #[allow(clippy::too_many_arguments)]
    fn pixel_route<E: Element>(
        &self,
        indices: bool,
        input: &[E],
        shape: [usize; S],
        memory: channels_last::Memory,
        output: &mut [E],
        idx: &mut [i64],
    ) -> Result<bool, PoolError>;
}

/// LP pooling's hook into the builders: regular layers may be LP layers, adaptive ones never.
trait MaybeLp {
    fn is_lp(&self) -> bool;
    /// The LP forward call, if this is an LP layer.
    fn lp_forward<E: Element>(
        &self,
        indices: bool,
        input: &[E],
        shape: &[usize],
        output: &mut [E],
        source: &'static str,
    ) -> Option<Result<(), PoolError>>;
}

impl<const R: usize> MaybeLp for Spec<R> {
    fn is_lp(&self) -> bool {
        self.lp.is_some()
    }
    fn lp_forward<E: Element>(
        &self,
        indices: bool,
        input: &[E],
        shape: &[usize],
        output: &mut [E],
        source: &'static str,
    ) -> Option<Result<(), PoolError>> {
        self.lp?;
        if indices {
            return Some(Err(PoolError::IndicesOnAvg));
        }
        // The average pool of the powers: an f32 call like any other.
        let pool = |avg: &Spec<R>, x: &[f32], y: &mut [f32]| {
            let plan = avg.plan(shape)?;
            let mut call = Call::new(Kind::Avg, false, avg.isa, source)?;
            call.parallel = avg.parallel;
            call.rank = R;
            call.layout = avg.layout;
            call.run(&plan, x, shape, y, &mut [])
        };
        Some(lp::forward(self, input, shape, output, pool))
    }
}

impl<const R: usize> MaybeLp for AdaptiveSpec<R> {
    fn is_lp(&self) -> bool {
        false
    }
    fn lp_forward<E: Element>(
        &self,
        _: bool,
        _: &[E],
        _: &[usize],
        _: &mut [E],
        _: &'static str,
    ) -> Option<Result<(), PoolError>> {
        None
    }
}

/// The output shape array from the input's `[n, c, ..]` and the plan's spatial sizes.
fn out_shape<const S: usize>(shape: [usize; S], plan: &Plan) -> [usize; S] {
    let mut out = shape;
    out[2..].copy_from_slice(&plan.output[5 - S..]);
    out
}

/// Stamps `forward`, `forward_with_indices`, `output_shape`, `resolved_isa` and [`Layer`]
/// on a builder whose spec plans `[usize; $s]` shapes.
macro_rules! layer {
    ($name:ident, $s:literal, $style:expr, $adaptive:literal) => {
        impl sealed::Sealed for $name {}

        impl $name {
            /// The output shape for an input of shape `shape`, or why the parameters and
            /// shape are rejected.
            pub fn output_shape(&self, shape: [usize; $s]) -> Result<[usize; $s], PoolError> {
                let plan = self.0.plan(&shape)?;
                Ok(out_shape(shape, &plan))
            }

            /// Pools `input` (of logical shape `shape`, laid out as the layer's
            /// [`Layout`] says) into the start of `output`, in the same layout; returns the
            /// output shape.
            ///
            /// Everything is checked before anything is written: on error `output` is
            /// untouched.
            ///
            /// `E` is the element type: `f32`, [`f16`](struct@f16), [`bf16`], `i8` or `u8` (see the
            /// crate's documentation for what each computes).
            pub fn forward<E: Element>(
                &self,
                input: &[E],
                shape: [usize; $s],
                output: &mut [E],
            ) -> Result<[usize; $s], PoolError> {
                self.call(false, input, shape, output, &mut [])
            }

            /// Max pooling that also writes, per output, the index of the chosen element:
            /// by default flat within its `(n, c)` plane or volume (`z·h·w + y·w + x`), as
            /// PyTorch's `return_indices=True` does.
            pub fn forward_with_indices<E: Element>(
                &self,
                input: &[E],
                shape: [usize; $s],
                output: &mut [E],
                indices: &mut [i64],
            ) -> Result<[usize; $s], PoolError> {
                self.call(true, input, shape, output, indices)
            }

            /// [`forward`](Self::forward) on byte buffers of `dtype` elements (native
            /// endianness), for engines that hold tensors as bytes and a type tag. A length
            /// that is not a whole number of elements, or a buffer not aligned for the type,
            /// is an error.
            pub fn forward_bytes(
                &self,
                dtype: DType,
                input: &[u8],
                shape: [usize; $s],
                output: &mut [u8],
            ) -> Result<[usize; $s], PoolError> {
                self.bytes(false, dtype, input, shape, output, &mut [])
            }

            /// [`forward_with_indices`](Self::forward_with_indices) on byte buffers, as
            /// [`forward_bytes`](Self::forward_bytes).
            pub fn forward_bytes_with_indices(
                &self,
                dtype: DType,
                input: &[u8],
                shape: [usize; $s],
                output: &mut [u8],
                indices: &mut [i64],
            ) -> Result<[usize; $s], PoolError> {
                self.bytes(true, dtype, input, shape, output, indices)
            }

            fn bytes(
                &self,
                indices: bool,
                dtype: DType,
                input: &[u8],
                shape: [usize; $s],
                output: &mut [u8],
                idx: &mut [i64],
            ) -> Result<[usize; $s], PoolError> {
                struct Go<'a> {
                    layer: &'a $name,
                    shape: [usize; $s],
                    indices: bool,
                }
                impl bytes::Run for Go<'_> {
                    type Out = [usize; $s];
                    fn go<E: Element>(
                        self,
                        i: &[E],
                        o: &mut [E],
                        x: &mut [i64],
                    ) -> Result<[usize; $s], PoolError> {
                        self.layer.call(self.indices, i, self.shape, o, x)
                    }
                }
                bytes::dispatch(
                    dtype,
                    input,
                    output,
                    idx,
                    Go {
                        layer: self,
                        shape,
                        indices,
                    },
                )
            }

            /// The gradient of this average pool (PyTorch's `avg_pool*d_backward`,
            /// `adaptive_avg_pool*d_backward`): writes `grad_input`, of the input's shape
            /// and layout, from `grad_output`, of the forward output's. `grad_input` is
            /// overwritten, not accumulated into. Bit-exact with PyTorch in every supported
            /// type (`f32`, [`f16`](struct@f16), [`bf16`]: each division and addition rounded to the
            /// type, as PyTorch's CPU kernels do); on error nothing is written.
            pub fn backward<E: Element>(
                &self,
                grad_output: &[E],
                input_shape: [usize; $s],
                grad_input: &mut [E],
            ) -> Result<(), PoolError> {
                let (call, plan) = self.backward_call(Kind::Avg, "backward", &input_shape)?;
                backward::avg(&call, &plan, grad_output, grad_input)
            }

            /// The gradient of this max pool (PyTorch's `max_pool*d_with_indices_backward`,
            /// `adaptive_max_pool*d_backward`): adds each output's gradient at the index
            /// [`forward_with_indices`](Self::forward_with_indices) wrote for it (in this
            /// layer's index style and layout), in output order, into a zeroed `grad_input`.
            /// An index outside its own plane is an error; nothing is written on error.
            pub fn backward_from_indices<E: Element>(
                &self,
                grad_output: &[E],
                indices: &[i64],
                input_shape: [usize; $s],
                grad_input: &mut [E],
            ) -> Result<(), PoolError> {
                let (call, plan) =
                    self.backward_call(Kind::Max, "backward_from_indices", &input_shape)?;
                let restyle = threading::Restyle::new(&plan, $style(&self.0), $s - 2);
                backward::max(&call, &plan, &restyle, grad_output, indices, grad_input)
            }

            fn backward_call(
                &self,
                needs: Kind,
                method: &'static str,
                shape: &[usize; $s],
            ) -> Result<(backward::Call, Plan), PoolError> {
                if self.0.is_lp() {
                    return Err(PoolError::NotForLp { name: method });
                }
                if self.0.kind != needs {
                    return Err(PoolError::KindMismatch { method, needs });
                }
                let plan = self.0.plan(shape)?;
                let call = backward::Call {
                    desc: self.0.describe(shape)?,
                    layout: self.0.layout,
                    c: shape[1],
                    parallel: self.0.parallel,
                    adaptive: $adaptive,
                };
                Ok((call, plan))
            }

            /// [`forward`](Self::forward) on strided views (a channel or batch slice of a
            /// larger tensor, a permuted view), logical shapes `[n, c, spatial...]`;
            /// `output`'s shape must be the output shape. Tensors packed in either layout,
            /// or whose every image is, are pooled in place; other views are gathered into
            /// packed buffers first (a copy). Returns the output shape and how it ran.
            pub fn forward_strided<E: Element>(
                &self,
                input: Strided<'_, E, $s>,
                output: StridedMut<'_, E, $s>,
            ) -> Result<([usize; $s], StridedRoute), PoolError> {
                strided::forward(self, input, output, None)
            }

            /// [`forward_with_indices`](Self::forward_with_indices) on strided views, as
            /// [`forward_strided`](Self::forward_strided).
            pub fn forward_strided_with_indices<E: Element>(
                &self,
                input: Strided<'_, E, $s>,
                output: StridedMut<'_, E, $s>,
                indices: StridedMut<'_, i64, $s>,
            ) -> Result<([usize; $s], StridedRoute), PoolError> {
                if self.0.kind == Kind::Avg {
                    return Err(PoolError::IndicesOnAvg);
                }
                strided::forward(self, input, output, Some(indices))
            }

            /// [`forward`](Self::forward) on `ndarray` views (feature `ndarray`), logical
            /// shape `[n, c, spatial...]` in any memory order ndarray can describe: a
            /// contiguous view (standard, or permuted channels-last) is pooled in place,
            /// otherwise each image is where its memory is contiguous, and copied where
            /// not. `output`'s shape must be the output shape.
            #[cfg(feature = "ndarray")]
            pub fn forward_view<E: Element>(
                &self,
                input: ndarray::ArrayView<'_, E, ndarray::Dim<[usize; $s]>>,
                output: ndarray::ArrayViewMut<'_, E, ndarray::Dim<[usize; $s]>>,
            ) -> Result<[usize; $s], PoolError> {
                ndarray_views::forward(self, input, output, None)
            }

            /// [`forward_with_indices`](Self::forward_with_indices) on `ndarray` views, as
            /// [`forward_view`](Self::forward_view).
            #[cfg(feature = "ndarray")]
            pub fn forward_view_with_indices<E: Element>(
                &self,
                input: ndarray::ArrayView<'_, E, ndarray::Dim<[usize; $s]>>,
                output: ndarray::ArrayViewMut<'_, E, ndarray::Dim<[usize; $s]>>,
                indices: ndarray::ArrayViewMut<'_, i64, ndarray::Dim<[usize; $s]>>,
            ) -> Result<[usize; $s], PoolError> {
                if self.0.kind == Kind::Avg {
                    return Err(PoolError::IndicesOnAvg);
                }
                ndarray_views::forward(self, input, output, Some(indices))
            }

            /// [`backward`](Self::backward) on strided views; `grad_input`'s shape is the
            /// input's. Views not packed in one layout are copied.
            pub fn backward_strided<E: Element>(
                &self,
                grad_output: Strided<'_, E, $s>,
                grad_input: StridedMut<'_, E, $s>,
            ) -> Result<StridedRoute, PoolError> {
                strided::backward(self, grad_output, None, grad_input)
            }

            /// [`backward_from_indices`](Self::backward_from_indices) on strided views, as
            /// [`backward_strided`](Self::backward_strided).
            pub fn backward_strided_from_indices<E: Element>(
                &self,
                grad_output: Strided<'_, E, $s>,
                indices: Strided<'_, i64, $s>,
                grad_input: StridedMut<'_, E, $s>,
            ) -> Result<StridedRoute, PoolError> {
                strided::backward(self, grad_output, Some(indices), grad_input)
            }

            /// The ISA this layer's `forward` runs: its forced one, else
            /// [`selected_isa`]'s; or why that ISA cannot run here.
            pub fn resolved_isa(&self) -> Result<Isa, PoolError> {
                dispatch::resolve(self.0.isa, concat!(stringify!($name), "::isa")).map(|k| k.isa())
            }

            fn call<E: Element>(
                &self,
                indices: bool,
                input: &[E],
                shape: [usize; $s],
                output: &mut [E],
                idx: &mut [i64],
            ) -> Result<[usize; $s], PoolError> {
                let source = concat!(stringify!($name), "::isa");
                if let Some(done) = self.0.lp_forward(indices, input, &shape, output, source) {
                    done?;
                    return self.output_shape(shape);
                }
                let plan = self.0.plan(&shape)?;
                let mut call = Call::new(
                    self.0.kind,
                    indices,
                    self.0.isa,
                    concat!(stringify!($name), "::isa"),
                )?;
                call.parallel = self.0.parallel;
                call.style = $style(&self.0);
                call.rank = $s - 2;
                call.layout = self.0.layout;
                call.adaptive = $adaptive;
                call.run(&plan, input, &shape, output, idx)?;
                Ok(out_shape(shape, &plan))
            }
        }

        impl PixelRoute<$s> for $name {
            fn pixel_route<E: Element>(
                &self,
                indices: bool,
                input: &[E],
                shape: [usize; $s],
                memory: channels_last::Memory,
                output: &mut [E],
                idx: &mut [i64],
            ) -> Result<bool, PoolError> {
                let style = $style(&self.0);
                if self.0.is_lp() || shape[1] < 2 || (indices && style != IndexStyle::Plane) {
                    return Ok(false);
                }
                let plan = self.0.plan(&shape)?;
                let source = concat!(stringify!($name), "::isa");
                let mut call = Call::new(self.0.kind, indices, self.0.isa, source)?;
                let exact = channels_last::F32_EXACT;
                if channels_last::route(&plan, call.op, shape[1], exact)
                    != channels_last::Route::Pixels
                {
                    return Ok(false);
                }
                call.parallel = self.0.parallel;
                call.adaptive = $adaptive;
                call.run_pixels(&plan, shape[1], memory, input, output, idx)?;
                Ok(true)
            }
        }

        impl Layer for $name {
            type Shape = [usize; $s];
            fn output_shape(&self, shape: [usize; $s]) -> Result<[usize; $s], PoolError> {
                $name::output_shape(self, shape)
            }
            fn forward<E: Element>(
                &self,
                input: &[E],
                shape: [usize; $s],
                output: &mut [E],
            ) -> Result<[usize; $s], PoolError> {
                $name::forward(self, input, shape, output)
            }
            fn forward_with_indices<E: Element>(
                &self,
                input: &[E],
                shape: [usize; $s],
                output: &mut [E],
                indices: &mut [i64],
            ) -> Result<[usize; $s], PoolError> {
                $name::forward_with_indices(self, input, shape, output, indices)
            }
            fn forward_bytes(
                &self,
                dtype: DType,
                input: &[u8],
                shape: [usize; $s],
                output: &mut [u8],
            ) -> Result<[usize; $s], PoolError> {
                $name::forward_bytes(self, dtype, input, shape, output)
            }
            fn forward_bytes_with_indices(
                &self,
                dtype: DType,
                input: &[u8],
                shape: [usize; $s],
                output: &mut [u8],
                indices: &mut [i64],
            ) -> Result<[usize; $s], PoolError> {
                $name::forward_bytes_with_indices(self, dtype, input, shape, output, indices)
            }
            fn backward<E: Element>(
                &self,
                grad_output: &[E],
                input_shape: [usize; $s],
                grad_input: &mut [E],
            ) -> Result<(), PoolError> {
                $name::backward(self, grad_output, input_shape, grad_input)
            }
            fn backward_from_indices<E: Element>(
                &self,
                grad_output: &[E],
                indices: &[i64],
                input_shape: [usize; $s],
                grad_input: &mut [E],
            ) -> Result<(), PoolError> {
                $name::backward_from_indices(self, grad_output, indices, input_shape, grad_input)
            }
            fn kind(&self) -> Kind {
                self.0.kind
            }
            fn isa(self, isa: Isa) -> $name {
                $name::isa(self, isa)
            }
            fn parallel(self, parallel: bool) -> $name {
                $name::parallel(self, parallel)
            }
            fn layout(self, layout: Layout) -> $name {
                $name::layout(self, layout)
            }
            fn layout_of(&self) -> Layout {
                self.0.layout
            }
            fn describe(&self, shape: [usize; $s]) -> Result<reference::Description, PoolError> {
                self.0.describe(&shape)
            }
        }
    };
}

fn regular_style<const R: usize>(s: &Spec<R>) -> IndexStyle {
    s.index_style
}
fn adaptive_style<const R: usize>(_: &AdaptiveSpec<R>) -> IndexStyle {
    IndexStyle::Plane
}

layer!(Pool1d, 3, regular_style, false);
layer!(Pool2d, 4, regular_style, false);
layer!(Pool3d, 5, regular_style, false);
layer!(AdaptivePool1d, 3, adaptive_style, true);
layer!(AdaptivePool2d, 4, adaptive_style, true);
layer!(AdaptivePool3d, 5, adaptive_style, true);
