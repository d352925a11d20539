//! The one error type: every rejected input, named with its value.

use std::fmt;

use crate::Isa;

/// Why a pooling call was refused. Nothing is written to any output when one is returned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolError {
    /// `kernel_size`, `stride` or `dilation` has a zero entry.
    ZeroParam {
        /// The parameter's name (`kernel_size`, `stride`, `dilation`).
        name: &'static str,
        /// Its `[vertical, horizontal]` value.
        value: [usize; 2],
    },
    /// Padding larger than half the (undilated) kernel, as PyTorch forbids.
    PaddingTooLarge {
        /// `[ph, pw]`.
        padding: [usize; 2],
        /// `[kh, kw]`.
        kernel: [usize; 2],
    },
    /// `divisor_override` of zero.
    ZeroDivisor,
    /// An average-only setting on a max pool.
    AvgOnly {
        /// The setting (`count_include_pad`, `divisor_override`).
        name: &'static str,
    },
    /// A zero channel, height or width (only the batch may be zero).
    EmptyInput {
        /// The input shape `[n, c, h, w]`.
        shape: [usize; 4],
    },
    /// The window does not fit: an output dimension would be smaller than 1.
    OutputTooSmall {
        /// The input shape `[n, c, h, w]`.
        shape: [usize; 4],
        /// The computed `[oh, ow]` (either may be below 1).
        output: [i128; 2],
    },
    /// A size or index does not fit in `usize`/`isize`.
    Overflow {
        /// The input shape `[n, c, h, w]`.
        shape: [usize; 4],
    },
    /// The input slice's length is not the product of the shape.
    InputLength {
        /// The input shape `[n, c, h, w]`.
        shape: [usize; 4],
        /// `n·c·h·w`.
        expected: usize,
        /// The slice's length.
        actual: usize,
    },
    /// The output slice is too short.
    OutputLength {
        /// Elements needed.
        needed: usize,
        /// The slice's length.
        actual: usize,
    },
    /// The indices slice is too short.
    IndicesLength {
        /// Elements needed.
        needed: usize,
        /// The slice's length.
        actual: usize,
    },
    /// `forward_with_indices` on an average pool.
    IndicesOnAvg,
    /// A forced ISA this CPU (or this build) cannot run.
    IsaUnavailable {
        /// The ISA asked for.
        isa: Isa,
        /// Who asked (`SIMDPOOL_ISA` or `Pool2d::isa`).
        source: &'static str,
    },
    /// `SIMDPOOL_ISA` names no ISA.
    UnknownIsa {
        /// The variable's value.
        value: String,
    },
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::ZeroParam { name, value: [a, b] } => {
                write!(f, "{name} must be greater than zero, but got {name}=({a}, {b})")
            }
            PoolError::PaddingTooLarge { padding: [ph, pw], kernel: [kh, kw] } => write!(
                f,
                "pad should be smaller than or equal to half of kernel size, but got \
                 padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}"
            ),
            PoolError::ZeroDivisor => f.write_str("divisor_override must be not zero"),
            PoolError::AvgOnly { name } => {
                write!(f, "{name} applies to average pooling only, but this is a max pool")
            }
            PoolError::EmptyInput { shape } => write!(
                f,
                "expected an input with non-zero channels, height and width, but got shape {shape:?}"
            ),
            PoolError::OutputTooSmall { shape: [_, c, h, w], output: [oh, ow] } => write!(
                f,
                "Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{oh}x{ow}). \
                 Output size is too small"
            ),
            PoolError::Overflow { shape } => {
                write!(f, "shape {shape:?} overflows usize/isize index arithmetic")
            }
            PoolError::InputLength { shape, expected, actual } => write!(
                f,
                "input has {actual} elements, but shape {shape:?} needs {expected}"
            ),
            PoolError::OutputLength { needed, actual } => {
                write!(f, "output slice has {actual} elements, needs at least {needed}")
            }
            PoolError::IndicesLength { needed, actual } => {
                write!(f, "indices slice has {actual} elements, needs at least {needed}")
            }
            PoolError::IndicesOnAvg => {
                f.write_str("forward_with_indices needs a max pool; this is an average pool")
            }
            PoolError::IsaUnavailable { isa, source } => write!(
                f,
                "{source} asks for ISA {isa}, which this CPU or build cannot run (supported: {})",
                crate::dispatch::supported_isas()
                    .iter()
                    .map(|i| i.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PoolError::UnknownIsa { value } => write!(
                f,
                "SIMDPOOL_ISA={value:?} is not one of scalar, portable, avx2, avx512, neon"
            ),
        }
    }
}

impl std::error::Error for PoolError {}
