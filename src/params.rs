//! The `Pool2d` builder: parameters as the user gives them, checked by `plan`.

use crate::Isa;

/// A size given as one number for both dimensions, or `(vertical, horizontal)`.
pub trait Pair {
    /// `[vertical, horizontal]`.
    fn pair(self) -> [usize; 2];
}
impl Pair for usize {
    fn pair(self) -> [usize; 2] {
        [self, self]
    }
}
impl Pair for (usize, usize) {
    fn pair(self) -> [usize; 2] {
        [self.0, self.1]
    }
}
impl Pair for [usize; 2] {
    fn pair(self) -> [usize; 2] {
        self
    }
}

/// Which reduction a [`Pool2d`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `nn.MaxPool2d`.
    Max,
    /// `nn.AvgPool2d` (with dilation too, as ONNX's `AveragePool` allows).
    Avg,
}

/// A 2-D pooling layer over NCHW `f32` tensors, with PyTorch's parameters and defaults.
///
/// ```
/// use simdpool::Pool2d;
/// let x: Vec<f32> = (0..9).map(|v| v as f32).collect();
/// let mut y = [0.0; 4];
/// let shape = Pool2d::max(2).stride(1).forward(&x, [1, 1, 3, 3], &mut y)?;
/// assert_eq!((shape, y), ([1, 1, 2, 2], [4.0, 5.0, 7.0, 8.0]));
/// # Ok::<(), simdpool::PoolError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool2d {
    pub(crate) kind: Kind,
    pub(crate) kernel: [usize; 2],
    pub(crate) stride: Option<[usize; 2]>,
    pub(crate) padding: [usize; 2],
    pub(crate) dilation: [usize; 2],
    pub(crate) ceil_mode: bool,
    pub(crate) count_include_pad: Option<bool>,
    pub(crate) divisor_override: Option<usize>,
    pub(crate) parallel: bool,
    pub(crate) isa: Option<Isa>,
}

impl Pool2d {
    fn new(kind: Kind, kernel: [usize; 2]) -> Pool2d {
        Pool2d {
            kind,
            kernel,
            stride: None,
            padding: [0, 0],
            dilation: [1, 1],
            ceil_mode: false,
            count_include_pad: None,
            divisor_override: None,
            parallel: true,
            isa: None,
        }
    }

    /// Max pooling with window `kernel` (stride defaults to the window).
    pub fn max(kernel: impl Pair) -> Pool2d {
        Pool2d::new(Kind::Max, kernel.pair())
    }

    /// Average pooling with window `kernel` (stride defaults to the window,
    /// `count_include_pad` to `true`).
    pub fn avg(kernel: impl Pair) -> Pool2d {
        Pool2d::new(Kind::Avg, kernel.pair())
    }

    /// Step between windows (default: the kernel size).
    pub fn stride(mut self, stride: impl Pair) -> Pool2d {
        self.stride = Some(stride.pair());
        self
    }

    /// Implicit padding on both sides: `-inf` for max (never chosen), zeros for average.
    pub fn padding(mut self, padding: impl Pair) -> Pool2d {
        self.padding = padding.pair();
        self
    }

    /// Spacing between window taps (default 1).
    pub fn dilation(mut self, dilation: impl Pair) -> Pool2d {
        self.dilation = dilation.pair();
        self
    }

    /// Round the output size up rather than down (windows must still start inside the
    /// input or its left/top padding).
    pub fn ceil_mode(mut self, ceil: bool) -> Pool2d {
        self.ceil_mode = ceil;
        self
    }

    /// Average only: count padding taps in the divisor (default `true`).
    pub fn count_include_pad(mut self, include: bool) -> Pool2d {
        self.count_include_pad = Some(include);
        self
    }

    /// Average only: divide every window by this instead.
    pub fn divisor_override(mut self, divisor: usize) -> Pool2d {
        self.divisor_override = Some(divisor);
        self
    }

    /// Split the work over the current rayon pool (default `true`). With `false` the call runs
    /// on the calling thread and never touches rayon.
    pub fn parallel(mut self, parallel: bool) -> Pool2d {
        self.parallel = parallel;
        self
    }

    /// Force an ISA for this layer (tests and benchmarks). An ISA the CPU lacks makes every
    /// call return [`PoolError::IsaUnavailable`](crate::PoolError::IsaUnavailable).
    pub fn isa(mut self, isa: Isa) -> Pool2d {
        self.isa = Some(isa);
        self
    }

    /// The reduction.
    pub fn kind(&self) -> Kind {
        self.kind
    }
}
