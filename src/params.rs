//! The builders: parameters as the user gives them, one struct per rank, checked by `plan`.
//!
//! `Pool1d`/`Pool2d`/`Pool3d` and `AdaptivePool1d/2d/3d` are stamped by one macro each over
//! a rank-generic spec ([`Spec`], [`AdaptiveSpec`]), so every rank has every method.

use crate::Isa;

/// A per-axis size: one number for every axis, or one value per axis (`[usize; R]`, and for
/// two and three axes a tuple).
pub trait Axes<const R: usize> {
    /// One value per axis, outermost first.
    fn axes(self) -> [usize; R];
}
impl<const R: usize> Axes<R> for usize {
    fn axes(self) -> [usize; R] {
        [self; R]
    }
}
impl<const R: usize> Axes<R> for [usize; R] {
    fn axes(self) -> [usize; R] {
        self
    }
}
impl Axes<2> for (usize, usize) {
    fn axes(self) -> [usize; 2] {
        [self.0, self.1]
    }
}
impl Axes<3> for (usize, usize, usize) {
    fn axes(self) -> [usize; 3] {
        [self.0, self.1, self.2]
    }
}

/// A size for both axes of a 2-D layer (what `Pool2d` took before [`Axes`]; kept so code
/// that names it still compiles).
pub trait Pair: Axes<2> {
    /// `[vertical, horizontal]`.
    fn pair(self) -> [usize; 2]
    where
        Self: Sized,
    {
        self.axes()
    }
}
impl<T: Axes<2>> Pair for T {}

/// Which reduction a layer computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `nn.MaxPool*d`, `nn.AdaptiveMaxPool*d`, ONNX `MaxPool`, `GlobalMaxPool`.
    Max,
    /// `nn.AvgPool*d`, `nn.AdaptiveAvgPool*d`, ONNX `AveragePool` (dilation too),
    /// `GlobalAveragePool`.
    Avg,
}

/// ONNX's `auto_pad`: padding computed from the input size instead of given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AutoPad {
    /// Use the explicit padding (`.padding()` or `.pads()`).
    #[default]
    NotSet,
    /// No padding; windows must fit inside the input.
    Valid,
    /// Output `ceil(n / stride)`, the odd padding element at the end.
    SameUpper,
    /// Output `ceil(n / stride)`, the odd padding element at the start.
    SameLower,
}

/// How `forward_with_indices` numbers the chosen elements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IndexStyle {
    /// PyTorch: flat within one `(n, c)` plane or volume, row-major (`z·H·W + y·W + x`).
    #[default]
    Plane,
    /// ONNX `storage_order = 0`: flat over the whole tensor, row-major.
    Tensor,
    /// ONNX `storage_order = 1`: the `(n, c)` volume's offset plus a column-major index
    /// within it (first spatial axis fastest: `z + y·D + x·D·H`).
    TensorColumnMajor,
}

/// How a tensor's elements lie in memory. Shapes are always given and returned in
/// PyTorch's logical order (`[n, c, spatial...]`, as `tensor.shape` reports for a
/// `channels_last` tensor too); the output and indices are written in the input's layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// NCL / NCHW / NCDHW: each channel's spatial plane or volume contiguous.
    #[default]
    ChannelsFirst,
    /// NLC / NHWC / NDHWC (PyTorch's `channels_last`, `channels_last_3d`): the channels of
    /// each pixel contiguous.
    ChannelsLast,
}

/// Padding as PyTorch gives it (the same on both sides) or as ONNX does (begin and end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Padding<const R: usize> {
    Torch([usize; R]),
    Onnx { begin: [usize; R], end: [usize; R] },
}

/// A regular pooling layer of rank `R`, as the user built it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spec<const R: usize> {
    pub(crate) kind: Kind,
    pub(crate) kernel: [usize; R],
    pub(crate) stride: Option<[usize; R]>,
    pub(crate) padding: Padding<R>,
    pub(crate) auto_pad: AutoPad,
    pub(crate) dilation: [usize; R],
    pub(crate) ceil_mode: bool,
    pub(crate) count_include_pad: Option<bool>,
    pub(crate) divisor_override: Option<usize>,
    pub(crate) index_style: IndexStyle,
    pub(crate) layout: Layout,
    pub(crate) parallel: bool,
    pub(crate) isa: Option<Isa>,
    /// LP pooling (an average pool of powers, see `lp.rs`).
    pub(crate) lp: Option<Lp>,
}

/// LP pooling's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lp {
    /// The norm's `p`, as bits (so that layers compare with `Eq`).
    pub(crate) p_bits: u32,
    /// ONNX's formula (`(Σ|x|^p)^(1/p)` over the in-bounds taps) instead of PyTorch's.
    pub(crate) abs: bool,
}

impl<const R: usize> Spec<R> {
    pub(crate) fn new(kind: Kind, kernel: [usize; R]) -> Spec<R> {
        Spec {
            kind,
            kernel,
            stride: None,
            padding: Padding::Torch([0; R]),
            auto_pad: AutoPad::NotSet,
            dilation: [1; R],
            ceil_mode: false,
            count_include_pad: None,
            divisor_override: None,
            index_style: IndexStyle::Plane,
            layout: Layout::ChannelsFirst,
            parallel: true,
            isa: None,
            lp: None,
        }
    }
}

/// An adaptive pooling layer of rank `R`: output size fixed, windows from the input size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AdaptiveSpec<const R: usize> {
    pub(crate) kind: Kind,
    pub(crate) out: [usize; R],
    pub(crate) layout: Layout,
    pub(crate) parallel: bool,
    pub(crate) isa: Option<Isa>,
}

/// Stamps a regular pooling builder of rank `$r` (shape arrays of `$s` = `$r + 2`).
macro_rules! pool_builder {
    ($name:ident, $r:literal, $s:literal, $module:literal, $doc_shape:literal, $shape:literal, $cells:literal) => {
        #[doc = concat!("A ", $r, "-D pooling layer over ", $doc_shape, " `f32` tensors, with \
            PyTorch's parameters and defaults (`nn.", $module, "`), and ONNX's padding \
            attributes.")]
        ///
        /// Per-axis values (`kernel`, `stride`, `padding`, `dilation`) take one `usize` for
        /// every axis or one value per axis ([`Axes`]).
        ///
        /// One window of 2 per axis over `0, 1, ..`:
        ///
        /// ```
        #[doc = concat!("use simdpool::", stringify!($name), ";")]
        #[doc = concat!("let x: Vec<f32> = (0..", $cells, ").map(|v| v as f32).collect();")]
        #[doc = concat!("let shape = ", $shape, ";")]
        /// let mut y = [0.0f32];
        #[doc = concat!(stringify!($name), "::max(2).forward(&x, shape, &mut y)?;")]
        #[doc = concat!("assert_eq!(y[0], (", $cells, " - 1) as f32);")]
        #[doc = concat!(stringify!($name), "::avg(2).forward(&x, shape, &mut y)?;")]
        #[doc = concat!("assert_eq!(y[0], (", $cells, " - 1) as f32 / 2.0);")]
        /// # Ok::<(), simdpool::PoolError>(())
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(pub(crate) Spec<$r>);

        impl $name {
            /// Max pooling with window `kernel` (stride defaults to the window).
            pub fn max(kernel: impl Axes<$r>) -> $name {
                $name(Spec::new(Kind::Max, kernel.axes()))
            }

            /// Average pooling with window `kernel` (stride defaults to the window,
            /// `count_include_pad` to `true`).
            pub fn avg(kernel: impl Axes<$r>) -> $name {
                $name(Spec::new(Kind::Avg, kernel.axes()))
            }

            /// LP pooling with window `kernel` (PyTorch's `nn.LPPool*d(norm_type, kernel)`,
            /// ONNX `LpPool` with [`lp_abs`](Self::lp_abs)): `(Σ x^p)^(1/p)` over each
            /// window, computed PyTorch's way (`avg_pool(x^p) · taps`, then `^(1/p)`: a
            /// negative sum under a fractional `1/p` gives NaN, as in PyTorch). `p` must be
            /// finite and not zero; `f32`, `f16` and `bf16` only.
            pub fn lp(norm_type: f32, kernel: impl Axes<$r>) -> $name {
                let mut s = Spec::new(Kind::Avg, kernel.axes());
                s.lp = Some(crate::params::Lp {
                    p_bits: norm_type.to_bits(),
                    abs: false,
                });
                $name(s)
            }

            /// LP pooling only: ONNX `LpPool`'s formula, `(Σ |x|^p)^(1/p)` over the taps
            /// inside the input (padding adds nothing), instead of PyTorch's.
            pub fn lp_abs(mut self, abs: bool) -> $name {
                if let Some(lp) = &mut self.0.lp {
                    lp.abs = abs;
                }
                self
            }

            /// Step between windows (default: the kernel size).
            pub fn stride(mut self, stride: impl Axes<$r>) -> $name {
                self.0.stride = Some(stride.axes());
                self
            }

            /// PyTorch's implicit padding on both sides (at most half the kernel): `-inf`
            /// for max (never chosen), zeros for average. Replaces any `.pads()`.
            pub fn padding(mut self, padding: impl Axes<$r>) -> $name {
                self.0.padding = Padding::Torch(padding.axes());
                self
            }

            /// ONNX's `pads`: `begin` before and `end` after the input on each axis, each
            /// smaller than the kernel on its axis (ONNX Runtime's rule). Replaces any
            /// `.padding()`.
            pub fn pads(mut self, begin: impl Axes<$r>, end: impl Axes<$r>) -> $name {
                self.0.padding = Padding::Onnx {
                    begin: begin.axes(),
                    end: end.axes(),
                };
                self
            }

            /// ONNX's `auto_pad` (default [`AutoPad::NotSet`]: the explicit padding).
            pub fn auto_pad(mut self, auto_pad: AutoPad) -> $name {
                self.0.auto_pad = auto_pad;
                self
            }

            /// Spacing between window taps (default 1).
            pub fn dilation(mut self, dilation: impl Axes<$r>) -> $name {
                self.0.dilation = dilation.axes();
                self
            }

            /// Round the output size up rather than down (windows must still start inside
            /// the input or its leading padding).
            pub fn ceil_mode(mut self, ceil: bool) -> $name {
                self.0.ceil_mode = ceil;
                self
            }

            /// Average only: count padding taps in the divisor (default `true`).
            pub fn count_include_pad(mut self, include: bool) -> $name {
                self.0.count_include_pad = Some(include);
                self
            }

            /// Average only: divide every window by this instead.
            pub fn divisor_override(mut self, divisor: usize) -> $name {
                self.0.divisor_override = Some(divisor);
                self
            }

            /// How `forward_with_indices` numbers elements (default [`IndexStyle::Plane`],
            /// PyTorch's).
            pub fn index_style(mut self, style: IndexStyle) -> $name {
                self.0.index_style = style;
                self
            }

            /// The memory layout of input, output and indices (default
            /// [`Layout::ChannelsFirst`]); shapes stay in logical `[n, c, spatial...]` order.
            pub fn layout(mut self, layout: Layout) -> $name {
                self.0.layout = layout;
                self
            }

            /// Split the work over the current rayon pool (default `true`). With `false` the
            /// call runs on the calling thread and never touches rayon.
            pub fn parallel(mut self, parallel: bool) -> $name {
                self.0.parallel = parallel;
                self
            }

            /// Force an ISA for this layer (tests and benchmarks). An ISA the CPU lacks makes
            /// every call return [`PoolError::IsaUnavailable`](crate::PoolError::IsaUnavailable).
            pub fn isa(mut self, isa: Isa) -> $name {
                self.0.isa = Some(isa);
                self
            }

            /// The reduction.
            pub fn kind(&self) -> Kind {
                self.0.kind
            }
        }
    };
}

/// Stamps an adaptive pooling builder of rank `$r`.
macro_rules! adaptive_builder {
    ($name:ident, $r:literal, $doc_shape:literal, $shape:literal, $cells:literal) => {
        #[doc = concat!("A ", $r, "-D adaptive pooling layer over ", $doc_shape, " `f32` \
            tensors (`nn.AdaptiveAvgPool", $r, "d` / `nn.AdaptiveMaxPool", $r, "d`): the \
            output size is fixed and output `i` pools input `[floor(i·n/out), \
            ceil((i+1)·n/out))` on each axis. Output size 1 on every axis is global pooling \
            (ONNX `GlobalAveragePool` / `GlobalMaxPool`).")]
        ///
        /// Global pooling of `0, 1, ..`:
        ///
        /// ```
        #[doc = concat!("use simdpool::{", stringify!($name), ", Kind};")]
        #[doc = concat!("let x: Vec<f32> = (0..", $cells, ").map(|v| v as f32).collect();")]
        #[doc = concat!("let shape = ", $shape, ";")]
        /// let mut y = [0.0f32];
        #[doc = concat!(stringify!($name), "::global(Kind::Max).forward(&x, shape, &mut y)?;")]
        #[doc = concat!("assert_eq!(y[0], (", $cells, " - 1) as f32);")]
        #[doc = concat!(stringify!($name), "::avg(1).forward(&x, shape, &mut y)?;")]
        #[doc = concat!("assert_eq!(y[0], (", $cells, " - 1) as f32 / 2.0);")]
        /// # Ok::<(), simdpool::PoolError>(())
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(pub(crate) AdaptiveSpec<$r>);

        impl $name {
            /// Adaptive max pooling to output size `out`.
            pub fn max(out: impl Axes<$r>) -> $name {
                $name(AdaptiveSpec {
                    kind: Kind::Max,
                    out: out.axes(),
                    layout: Layout::ChannelsFirst,
                    parallel: true,
                    isa: None,
                })
            }

            /// Adaptive average pooling to output size `out`.
            pub fn avg(out: impl Axes<$r>) -> $name {
                $name(AdaptiveSpec {
                    kind: Kind::Avg,
                    out: out.axes(),
                    layout: Layout::ChannelsFirst,
                    parallel: true,
                    isa: None,
                })
            }

            /// Global pooling: adaptive with output size 1 on every axis.
            pub fn global(kind: Kind) -> $name {
                match kind {
                    Kind::Max => $name::max(1),
                    Kind::Avg => $name::avg(1),
                }
            }

            /// The memory layout of input, output and indices (default
            /// [`Layout::ChannelsFirst`]); shapes stay in logical `[n, c, spatial...]` order.
            pub fn layout(mut self, layout: Layout) -> $name {
                self.0.layout = layout;
                self
            }

            /// Split the work over the current rayon pool (default `true`).
            pub fn parallel(mut self, parallel: bool) -> $name {
                self.0.parallel = parallel;
                self
            }

            /// Force an ISA for this layer (tests and benchmarks).
            pub fn isa(mut self, isa: Isa) -> $name {
                self.0.isa = Some(isa);
                self
            }

            /// The reduction.
            pub fn kind(&self) -> Kind {
                self.0.kind
            }
        }
    };
}

pool_builder!(
    Pool1d,
    1,
    3,
    "MaxPool1d` / `nn.AvgPool1d",
    "NCL (or NLC)",
    "[1, 1, 2]",
    "2"
);
pool_builder!(
    Pool2d,
    2,
    4,
    "MaxPool2d` / `nn.AvgPool2d",
    "NCHW (or NHWC)",
    "[1, 1, 2, 2]",
    "4"
);
pool_builder!(
    Pool3d,
    3,
    5,
    "MaxPool3d` / `nn.AvgPool3d",
    "NCDHW (or NDHWC)",
    "[1, 1, 2, 2, 2]",
    "8"
);
adaptive_builder!(AdaptivePool1d, 1, "NCL (or NLC)", "[1, 1, 2]", "2");
adaptive_builder!(AdaptivePool2d, 2, "NCHW (or NHWC)", "[1, 1, 2, 2]", "4");
adaptive_builder!(
    AdaptivePool3d,
    3,
    "NCDHW (or NDHWC)",
    "[1, 1, 2, 2, 2]",
    "8"
);
