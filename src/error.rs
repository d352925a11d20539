//! The one error type: every rejected input, named with its value.

use std::fmt;

use crate::{DType, Isa, Kind};

/// Why a pooling call was refused. Nothing is written to any output when one is returned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolError {
    /// `kernel_size`, `stride` or `dilation` has a zero entry.
    ZeroParam {
        /// The parameter's name (`kernel_size`, `stride`, `dilation`).
        name: &'static str,
        /// Its value, one entry per spatial axis.
        value: Vec<usize>,
    },
    /// PyTorch padding larger than half the (undilated) kernel, as PyTorch forbids.
    PaddingTooLarge {
        /// The padding, per axis.
        padding: Vec<usize>,
        /// The kernel, per axis.
        kernel: Vec<usize>,
    },
    /// An ONNX `pads` entry not smaller than the kernel on its axis (ONNX Runtime's rule).
    PadsTooLarge {
        /// The spatial axis (0 = outermost).
        axis: usize,
        /// Its begin padding.
        begin: usize,
        /// Its end padding.
        end: usize,
        /// Its kernel size.
        kernel: usize,
    },
    /// `ceil_mode` together with an `auto_pad` other than `NotSet` (ONNX leaves the
    /// combination undefined).
    CeilModeWithAutoPad,
    /// `divisor_override` of zero.
    ZeroDivisor,
    /// An average-only setting on a max pool.
    AvgOnly {
        /// The setting (`count_include_pad`, `divisor_override`).
        name: &'static str,
    },
    /// A zero channel or spatial size (only the batch may be zero).
    EmptyInput {
        /// The input shape.
        shape: Vec<usize>,
    },
    /// The window does not fit: an output size would be smaller than 1.
    OutputTooSmall {
        /// The input shape.
        shape: Vec<usize>,
        /// The computed spatial output sizes (some below 1).
        output: Vec<i128>,
    },
    /// `avg_pool3d`'s rule: an input smaller than the kernel on some axis, padding or not.
    InputSmallerThanKernel {
        /// The input shape.
        shape: Vec<usize>,
        /// The kernel, per axis.
        kernel: Vec<usize>,
    },
    /// An adaptive output size of 0 on some axis.
    ZeroOutputSize {
        /// The requested output size, per axis.
        output: Vec<usize>,
    },
    /// A size or index does not fit in `usize`/`isize`.
    Overflow {
        /// The input shape.
        shape: Vec<usize>,
    },
    /// The input slice's length is not the product of the shape.
    InputLength {
        /// The input shape.
        shape: Vec<usize>,
        /// The product of the shape.
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
        /// Who asked (`SIMDPOOL_ISA`, or the builder's `isa`, e.g. `Pool2d::isa`).
        source: &'static str,
    },
    /// `SIMDPOOL_ISA` names no ISA.
    UnknownIsa {
        /// The variable's value.
        value: String,
    },
    /// A byte buffer (`forward_bytes`) whose length is not a whole number of elements.
    ByteLength {
        /// Which buffer (`input`, `output`).
        buffer: &'static str,
        /// Its element type.
        dtype: DType,
        /// Its length in bytes.
        bytes: usize,
    },
    /// A byte buffer (`forward_bytes`) not aligned for its element type.
    Misaligned {
        /// Which buffer (`input`, `output`).
        buffer: &'static str,
        /// Its element type.
        dtype: DType,
        /// The alignment the type needs, in bytes.
        align: usize,
    },
    /// A backward method for the other kind of pool: `backward` on a max pool (whose
    /// gradient needs the forward's indices) or `backward_from_indices` on an average pool.
    KindMismatch {
        /// The method called.
        method: &'static str,
        /// The kind of pool it needs.
        needs: Kind,
    },
    /// A backward pass in an element type without gradients (`i8`, `u8`: PyTorch's autograd
    /// takes floating-point tensors only).
    NotDifferentiable {
        /// The element type.
        dtype: DType,
    },
    /// The output gradient's length is not the forward output's.
    GradOutputLength {
        /// Elements of the forward's output.
        expected: usize,
        /// The slice's length.
        actual: usize,
    },
    /// The input gradient's slice is shorter than the input.
    GradInputLength {
        /// Elements needed.
        needed: usize,
        /// The slice's length.
        actual: usize,
    },
    /// An unpooling output size outside PyTorch's range for its axis: strictly between
    /// `default − stride` and `default + stride`.
    UnpoolOutputSize {
        /// The requested spatial output size.
        output: Vec<usize>,
        /// The first axis out of range.
        axis: usize,
        /// The bounds (both excluded).
        min: i128,
        /// See `min`.
        max: i128,
    },
    /// A setting or method LP pooling does not take (`count_include_pad`,
    /// `divisor_override`: its divisor is its formula's; `backward`).
    NotForLp {
        /// The setting.
        name: &'static str,
    },
    /// An op the element type does not support (LP pooling on `i8`/`u8`: PyTorch has no
    /// integer average pooling to build it on).
    TypeUnsupported {
        /// The op.
        op: &'static str,
        /// The element type.
        dtype: DType,
    },
    /// Fractional max pooling without an output size or ratio (`ratio: None`), or with a
    /// ratio outside `(0, 1)`.
    FractionalTarget {
        /// The offending ratio, printed.
        ratio: Option<String>,
    },
    /// Fractional max pooling whose windows do not fit on an axis: PyTorch's
    /// `output + kernel − 1 <= input` (2-D) or `< input` (3-D) fails, or the output is 0.
    FractionalTooLarge {
        /// The axis (`time`, `height`, `width`).
        axis: &'static str,
        /// Its kernel size.
        kernel: usize,
        /// Its input size.
        input: usize,
        /// Its output size.
        output: usize,
    },
    /// Fractional max pooling's samples are not `n·c·rank` values.
    SamplesLength {
        /// Values needed.
        expected: usize,
        /// The slice's length.
        actual: usize,
    },
    /// A fractional max-pooling sample outside `[0, 1)` (or NaN), which would place windows
    /// outside the input.
    SampleOutOfRange {
        /// Where in the samples it is.
        position: usize,
        /// Its value, printed.
        value: String,
    },
    /// A max-pool index that names no element of its output's own plane or volume.
    IndexOutOfRange {
        /// Where in the indices slice it is.
        position: usize,
        /// Its value (in the layer's index style).
        index: i64,
        /// Elements of one plane or volume.
        volume: usize,
    },
    /// A strided view that reaches past its slice (or whose extent overflows).
    ViewOutOfBounds {
        /// The view's shape.
        shape: Vec<usize>,
        /// Its strides, in elements.
        strides: Vec<usize>,
        /// Elements it spans (`None`: more than `usize` holds).
        needed: Option<usize>,
        /// The slice's length.
        actual: usize,
    },
    /// A writable strided view two of whose elements share memory.
    ViewOverlaps {
        /// The view's shape.
        shape: Vec<usize>,
        /// Its strides, in elements.
        strides: Vec<usize>,
    },
    /// A strided view whose shape is not the one the call needs.
    ViewShape {
        /// Which tensor (`output`, `indices`, `grad_output`).
        tensor: &'static str,
        /// The shape the call needs.
        expected: Vec<usize>,
        /// The view's shape.
        actual: Vec<usize>,
    },
}

/// What kind of mistake a [`PoolError`] reports: the C ABI's status codes, one per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A layer parameter PyTorch or ONNX rejects (kernel, stride, padding, divisor, ratio...).
    Parameter,
    /// A shape the layer cannot pool (empty, too small for the window, overflowing).
    Shape,
    /// A buffer or view that does not match the call (length, alignment, strides, shape).
    Buffer,
    /// An op this layer or element type does not have.
    Unsupported,
    /// An ISA that cannot run here, or an unknown `SIMDPOOL_ISA`.
    Isa,
    /// A max-pool index, or a fractional sample, outside its range.
    Index,
}

impl PoolError {
    /// The kind of mistake this error reports.
    pub fn kind(&self) -> ErrorKind {
        use PoolError as E;
        match self {
            E::ZeroParam { .. }
            | E::PaddingTooLarge { .. }
            | E::PadsTooLarge { .. }
            | E::CeilModeWithAutoPad
            | E::ZeroDivisor
            | E::AvgOnly { .. }
            | E::ZeroOutputSize { .. }
            | E::UnpoolOutputSize { .. }
            | E::NotForLp { .. }
            | E::FractionalTarget { .. } => ErrorKind::Parameter,
            E::EmptyInput { .. }
            | E::OutputTooSmall { .. }
            | E::InputSmallerThanKernel { .. }
            | E::Overflow { .. }
            | E::FractionalTooLarge { .. } => ErrorKind::Shape,
            E::InputLength { .. }
            | E::OutputLength { .. }
            | E::IndicesLength { .. }
            | E::ByteLength { .. }
            | E::Misaligned { .. }
            | E::GradOutputLength { .. }
            | E::GradInputLength { .. }
            | E::SamplesLength { .. }
            | E::ViewOutOfBounds { .. }
            | E::ViewOverlaps { .. }
            | E::ViewShape { .. } => ErrorKind::Buffer,
            E::IndicesOnAvg
            | E::KindMismatch { .. }
            | E::NotDifferentiable { .. }
            | E::TypeUnsupported { .. } => ErrorKind::Unsupported,
            E::IsaUnavailable { .. } | E::UnknownIsa { .. } => ErrorKind::Isa,
            E::SampleOutOfRange { .. } | E::IndexOutOfRange { .. } => ErrorKind::Index,
        }
    }
}

impl PoolError {
    /// `InputLength` unless the input slice holds exactly `expected` elements.
    pub(crate) fn check_input(shape: &[usize], expected: usize, actual: usize) -> Result<(), Self> {
        if actual == expected {
            return Ok(());
        }
        Err(PoolError::InputLength {
            shape: shape.to_vec(),
            expected,
            actual,
        })
    }

    /// `ZeroParam` if the per-axis parameter `value` (named `name`) has a zero entry.
    pub(crate) fn check_nonzero(name: &'static str, value: &[usize]) -> Result<(), Self> {
        if !value.contains(&0) {
            return Ok(());
        }
        Err(PoolError::ZeroParam {
            name,
            value: value.to_vec(),
        })
    }

    /// `EmptyInput` if a channel or spatial size of `shape` is zero (a zero batch is fine).
    pub(crate) fn check_nonempty(shape: &[usize]) -> Result<(), Self> {
        if !shape[1..].contains(&0) {
            return Ok(());
        }
        Err(PoolError::EmptyInput {
            shape: shape.to_vec(),
        })
    }

    /// `OutputLength` unless the output slice holds at least `needed` elements.
    pub(crate) fn check_output(needed: usize, actual: usize) -> Result<(), Self> {
        if actual >= needed {
            return Ok(());
        }
        Err(PoolError::OutputLength { needed, actual })
    }
}

/// `(a, b, c)`, as PyTorch prints sizes.
fn tuple<T: fmt::Display>(v: &[T]) -> String {
    let parts: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    format!("({})", parts.join(", "))
}

/// `axb...`, as PyTorch prints a tensor size in pooling errors.
fn by<T: fmt::Display>(v: &[T]) -> String {
    let parts: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    parts.join("x")
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::ZeroParam { name, value } => {
                write!(f, "{name} must be greater than zero, but got {name}={}", tuple(value))
            }
            PoolError::PaddingTooLarge { padding, kernel } if padding.len() == 2 => write!(
                f,
                "pad should be smaller than or equal to half of kernel size, but got \
                 padW = {}, padH = {}, kW = {}, kH = {}",
                padding[1],
                padding[0],
                kernel[1],
                kernel[0]
            ),
            PoolError::PaddingTooLarge { padding, kernel } => write!(
                f,
                "pad should be smaller than or equal to half of kernel size, but got \
                 padding = {}, kernel_size = {}",
                tuple(padding),
                tuple(kernel)
            ),
            PoolError::PadsTooLarge { axis, begin, end, kernel } => write!(
                f,
                "pads on axis {axis} must each be smaller than the kernel ({kernel}), \
                 but got begin {begin}, end {end}"
            ),
            PoolError::CeilModeWithAutoPad => {
                f.write_str("ceil_mode is not supported together with auto_pad")
            }
            PoolError::ZeroDivisor => f.write_str("divisor_override must be not zero"),
            PoolError::AvgOnly { name } => {
                write!(f, "{name} applies to average pooling only, but this is a max pool")
            }
            PoolError::EmptyInput { shape } => write!(
                f,
                "expected an input with non-zero channels and spatial sizes, but got shape {shape:?}"
            ),
            PoolError::OutputTooSmall { shape, output } => {
                let c = shape.get(1).copied().unwrap_or(0);
                write!(
                    f,
                    "Given input size: ({c}x{}). Calculated output size: ({c}x{}). \
                     Output size is too small",
                    by(&shape[2.min(shape.len())..]),
                    by(output)
                )
            }
            PoolError::InputSmallerThanKernel { shape, kernel } => write!(
                f,
                "input image {} smaller than kernel size {}",
                tuple(&shape[2.min(shape.len())..]),
                tuple(kernel)
            ),
            PoolError::ZeroOutputSize { output } => write!(
                f,
                "adaptive output size must be at least 1 on every axis, but got {}",
                tuple(output)
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
            PoolError::ByteLength { buffer, dtype, bytes } => write!(
                f,
                "{buffer} has {bytes} bytes, not a whole number of {} ({}-byte) elements",
                dtype.name(),
                dtype.size()
            ),
            PoolError::Misaligned { buffer, dtype, align } => write!(
                f,
                "{buffer} is not aligned to {align} bytes, as {} elements need",
                dtype.name()
            ),
            PoolError::KindMismatch { method, needs } => {
                let kind = match needs {
                    Kind::Max => "a max",
                    Kind::Avg => "an average",
                };
                write!(f, "{method} needs {kind} pool")
            }
            PoolError::NotDifferentiable { dtype } => write!(
                f,
                "backward passes take f32, f16 or bf16 gradients, not {}",
                dtype.name()
            ),
            PoolError::GradOutputLength { expected, actual } => write!(
                f,
                "grad_output has {actual} elements, but the forward output has {expected}"
            ),
            PoolError::GradInputLength { needed, actual } => {
                write!(f, "grad_input slice has {actual} elements, needs at least {needed}")
            }
            PoolError::UnpoolOutputSize { output, axis, min, max } => write!(
                f,
                "invalid output_size \"{}\" (dim {axis} must be between {min} and {max})",
                tuple(output)
            ),
            PoolError::FractionalTarget { ratio: None } => f.write_str(
                "fractional max pooling requires specifying either an output size, or a \
                 pooling ratio",
            ),
            PoolError::FractionalTarget { ratio: Some(r) } => {
                write!(f, "output_ratio must be between 0 and 1 (got {r})")
            }
            PoolError::FractionalTooLarge { axis, kernel, input, output } => write!(
                f,
                "fractional max pooling: pool {axis} {kernel} too large relative to input \
                 {axis} {input} (output {output})"
            ),
            PoolError::SamplesLength { expected, actual } => write!(
                f,
                "samples has {actual} values, needs n·c·rank = {expected}"
            ),
            PoolError::SampleOutOfRange { position, value } => {
                write!(f, "sample {position} is {value}, outside [0, 1)")
            }
            PoolError::NotForLp { name } => write!(f, "{name} does not apply to LP pooling"),
            PoolError::TypeUnsupported { op, dtype } => {
                write!(f, "{op} is not implemented for {}", dtype.name())
            }
            PoolError::IndexOutOfRange { position, index, volume } => write!(
                f,
                "Found an invalid max index: {index} (at position {position}) is outside its \
                 plane of {volume} elements"
            ),
            PoolError::ViewOutOfBounds { shape, strides, needed, actual } => match needed {
                Some(n) => write!(
                    f,
                    "a view of shape {shape:?} with strides {strides:?} spans {n} elements, \
                     but its slice has {actual}"
                ),
                None => write!(
                    f,
                    "a view of shape {shape:?} with strides {strides:?} spans more elements \
                     than usize holds"
                ),
            },
            PoolError::ViewOverlaps { shape, strides } => write!(
                f,
                "a writable view of shape {shape:?} with strides {strides:?} has elements \
                 that share memory"
            ),
            PoolError::ViewShape { tensor, expected, actual } => {
                write!(f, "{tensor} has shape {actual:?}, but the call needs {expected:?}")
            }
        }
    }
}

impl std::error::Error for PoolError {}
