//! Max-unpooling (PyTorch `MaxUnpool1d/2d/3d`, ONNX `MaxUnpool`): each value written at
//! its index in a zeroed output, the inverse of max pooling's scatter of choices.
//!
//! PyTorch's rules: the default output size is `(in − 1)·stride + kernel − 2·padding` per
//! axis (ONNX: `− pad_begin − pad_end`); an explicit one must lie strictly between
//! `default − stride` and `default + stride`; indices are flat within each `(n, c)` plane of
//! the *output*; where indices repeat, the last value in order wins (PyTorch's CPU loop);
//! an index outside its plane is `Found an invalid max index` (checked before anything is
//! written, where PyTorch writes up to it).

use crate::params::{Axes, IndexStyle, Layout, Padding};
use crate::scatter::Scatter;
use crate::threading::Restyle;
use crate::{dispatch, Element, Isa, PoolError};

/// A max-unpooling layer of rank `R`, as the user built it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UnpoolSpec<const R: usize> {
    kernel: [usize; R],
    stride: Option<[usize; R]>,
    padding: Padding<R>,
    index_style: IndexStyle,
    layout: Layout,
    parallel: bool,
    isa: Option<Isa>,
    /// ONNX's `output_shape` rule: scatter into the default size, then embed that at the
    /// origin of the (not smaller) requested size.
    onnx: bool,
}

/// A validated call: spatial sizes of values and output, padded to 3 axes.
struct Plan {
    input: [usize; 3],
    output: [usize; 3],
    /// The default output size (the indices' frame in ONNX mode).
    default: [usize; 3],
    in_len: usize,
    out_len: usize,
}

impl<const R: usize> UnpoolSpec<R> {
    fn new(kernel: [usize; R]) -> Self {
        UnpoolSpec {
            kernel,
            stride: None,
            padding: Padding::Torch([0; R]),
            index_style: IndexStyle::Plane,
            layout: Layout::ChannelsFirst,
            parallel: true,
            isa: None,
            onnx: false,
        }
    }

    /// Checks parameters, shape and output size; `shape` is the values' `[n, c, spatial..]`.
    fn plan(&self, shape: &[usize], out: Option<[usize; R]>) -> Result<Plan, PoolError> {
        let stride = self.stride.unwrap_or(self.kernel);
        PoolError::check_nonzero("kernel_size", &self.kernel)?;
        PoolError::check_nonzero("stride", &stride)?;
        PoolError::check_nonempty(shape)?;
        let (begin, end) = match self.padding {
            Padding::Torch(p) => (p, p),
            Padding::Onnx { begin, end } => (begin, end),
        };
        // i128 holds every term, but not every product of two usizes: checked.
        let overflow = || PoolError::Overflow {
            shape: shape.to_vec(),
        };
        let mut default = [0i128; R];
        for (i, d) in default.iter_mut().enumerate() {
            *d = (shape[2 + i] as i128 - 1)
                .checked_mul(stride[i] as i128)
                .and_then(|v| v.checked_add(self.kernel[i] as i128))
                .filter(|&v| v <= isize::MAX as i128)
                .ok_or_else(overflow)?
                - begin[i] as i128
                - end[i] as i128;
        }
        if default.iter().any(|&d| d < 1) {
            return Err(PoolError::OutputTooSmall {
                shape: shape.to_vec(),
                output: default.to_vec(),
            });
        }
        let size = match out {
            None => default.map(|d| d as usize),
            Some(o) if self.onnx => {
                // ONNX pads the default-sized result: no axis may shrink.
                if let Some(axis) = (0..R).find(|&a| (o[a] as i128) < default[a]) {
                    return Err(PoolError::UnpoolOutputSize {
                        output: o.to_vec(),
                        axis,
                        min: default[axis] - 1,
                        max: i128::from(u64::MAX),
                    });
                }
                o
            }
            Some(o) => {
                for axis in 0..R {
                    let (lo, hi) = (
                        default[axis] - stride[axis] as i128,
                        default[axis] + stride[axis] as i128,
                    );
                    if !(lo < o[axis] as i128 && (o[axis] as i128) < hi) {
                        return Err(PoolError::UnpoolOutputSize {
                            output: o.to_vec(),
                            axis,
                            min: lo,
                            max: hi,
                        });
                    }
                }
                o
            }
        };
        let mut input = [1; 3];
        let mut output = [1; 3];
        let mut frame = [1; 3];
        input[3 - R..].copy_from_slice(&shape[2..]);
        output[3 - R..].copy_from_slice(&size);
        for (f, d) in frame[3 - R..].iter_mut().zip(default) {
            *f = d as usize;
        }
        let planes = shape[0].checked_mul(shape[1]).ok_or_else(overflow)?;
        let len = |s: [usize; 3]| {
            s.iter()
                .try_fold(planes, |a, &b| a.checked_mul(b))
                .filter(|&l| l <= isize::MAX as usize / 8)
                .ok_or_else(overflow)
        };
        Ok(Plan {
            in_len: len(input)?,
            out_len: len(output)?,
            default: if self.onnx { frame } else { output },
            input,
            output,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn forward<E: Element>(
        &self,
        source: &'static str,
        values: &[E],
        indices: &[i64],
        shape: &[usize],
        out: Option<[usize; R]>,
        output: &mut [E],
    ) -> Result<[usize; 3], PoolError> {
        let plan = self.plan(shape, out)?;
        dispatch::resolve(self.isa, source)?;
        PoolError::check_input(shape, plan.in_len, values.len())?;
        if indices.len() < plan.in_len {
            return Err(PoolError::IndicesLength {
                needed: plan.in_len,
                actual: indices.len(),
            });
        }
        PoolError::check_output(plan.out_len, output.len())?;
        // Indices name elements of planes of the frame (the output, or ONNX's default
        // size), checked there, then moved to the output's planes if they differ.
        let restyle = Restyle::of_dims(plan.default, self.index_style, R);
        let check = Scatter {
            layout: self.layout,
            c: shape[1],
            per_plane: plan.input.iter().product(),
            plane: plan.default.iter().product(),
            restyle: &restyle,
            parallel: self.parallel,
        };
        let mut ix = check.plane_indices(&indices[..plan.in_len])?;
        if plan.default != plan.output {
            let ([_, fh, fw], [_, oh, ow]) = (plan.default, plan.output);
            let (fh, fw, oh, ow) = (fh as i64, fw as i64, oh as i64, ow as i64);
            for p in ix.to_mut().iter_mut() {
                let (z, y, x) = (*p / (fh * fw), *p / fw % fh, *p % fw);
                *p = (z * oh + y) * ow + x;
            }
        }
        let scatter = Scatter {
            plane: plan.output.iter().product(),
            ..check
        };
        scatter.run(&mut output[..plan.out_len], values, &ix, |e, v| *e = v);
        Ok(plan.output)
    }
}

/// Stamps a max-unpooling builder of rank `$r` (shape arrays of `$s` = `$r + 2`).
macro_rules! unpool_builder {
    ($name:ident, $r:literal, $s:literal, $module:literal, $one:literal, $cells:literal) => {
        #[doc = concat!("A ", $r, "-D max-unpooling layer (`nn.", $module, "`, ONNX \
            `MaxUnpool`): writes each value at its max-pool index in a zeroed output.")]
        ///
        /// One value unpooled into its window's last element:
        ///
        /// ```
        #[doc = concat!("use simdpool::", stringify!($name), ";")]
        #[doc = concat!("let unpool = ", stringify!($name), "::new(2);")]
        #[doc = concat!("let shape = ", $one, ";")]
        #[doc = concat!("let mut out = [0.0f32; ", $cells, "];")]
        #[doc = concat!("let last = ", $cells, " - 1;")]
        /// unpool.forward(&[5.0f32], &[last as i64], shape, None, &mut out)?;
        /// assert_eq!(out[last], 5.0);
        /// assert!(out[..last].iter().all(|&v| v == 0.0));
        /// # Ok::<(), simdpool::PoolError>(())
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(UnpoolSpec<$r>);

        impl $name {
            /// Unpooling the windows of size `kernel` (stride defaults to the window).
            pub fn new(kernel: impl Axes<$r>) -> $name {
                $name(UnpoolSpec::new(kernel.axes()))
            }

            /// The pool's stride (default: the kernel size).
            pub fn stride(mut self, stride: impl Axes<$r>) -> $name {
                self.0.stride = Some(stride.axes());
                self
            }

            /// The pool's symmetric padding (PyTorch's `padding`). Replaces any `.pads()`.
            pub fn padding(mut self, padding: impl Axes<$r>) -> $name {
                self.0.padding = Padding::Torch(padding.axes());
                self
            }

            /// ONNX's `pads`: `begin` and `end` per axis. Replaces any `.padding()`.
            pub fn pads(mut self, begin: impl Axes<$r>, end: impl Axes<$r>) -> $name {
                self.0.padding = Padding::Onnx {
                    begin: begin.axes(),
                    end: end.axes(),
                };
                self
            }

            /// How the indices number elements (default [`IndexStyle::Plane`], PyTorch's);
            /// [`IndexStyle::Tensor`] takes ONNX's flat indices over the whole output,
            /// each of which must still lie in its value's own `(n, c)` plane.
            pub fn index_style(mut self, style: IndexStyle) -> $name {
                self.0.index_style = style;
                self
            }

            /// ONNX `MaxUnpool`'s semantics: indices flat over the whole tensor of the
            /// default size (`IndexStyle::Tensor` over that frame: each must still lie in
            /// its value's own plane), and an explicit output size at least the default on
            /// every axis, which pads the default-sized result at the end of each axis
            /// (ONNX's `output_shape` input). Note that ONNX's `strides` default to 1, not
            /// to the kernel: pass them.
            pub fn onnx(mut self, onnx: bool) -> $name {
                self.0.onnx = onnx;
                if onnx {
                    self.0.index_style = IndexStyle::Tensor;
                }
                self
            }

            /// The memory layout of values, indices and output (default
            /// [`Layout::ChannelsFirst`]); shapes stay in logical order.
            pub fn layout(mut self, layout: Layout) -> $name {
                self.0.layout = layout;
                self
            }

            /// Split the work over the current rayon pool (default `true`).
            pub fn parallel(mut self, parallel: bool) -> $name {
                self.0.parallel = parallel;
                self
            }

            /// Force an ISA (unpooling is a scatter without vector kernels; a forced ISA
            /// the CPU lacks is still an error, as for every layer).
            pub fn isa(mut self, isa: Isa) -> $name {
                self.0.isa = Some(isa);
                self
            }

            /// The output shape for values of shape `input_shape` (the pooled tensor's),
            /// with the output's spatial size `out` (PyTorch's `output_size`) or the default.
            pub fn output_shape(
                &self,
                input_shape: [usize; $s],
                out: Option<[usize; $r]>,
            ) -> Result<[usize; $s], PoolError> {
                let plan = self.0.plan(&input_shape, out)?;
                Ok(shape_of(input_shape, plan.output))
            }

            /// Writes each of `values` (shape `input_shape`) at its index in `indices` (as
            /// `forward_with_indices` of the matching max pool wrote them) into `output`,
            /// zeroed first; returns the output shape. Nothing is written on error.
            pub fn forward<E: Element>(
                &self,
                values: &[E],
                indices: &[i64],
                input_shape: [usize; $s],
                out: Option<[usize; $r]>,
                output: &mut [E],
            ) -> Result<[usize; $s], PoolError> {
                let source = concat!(stringify!($name), "::isa");
                let o = self
                    .0
                    .forward(source, values, indices, &input_shape, out, output)?;
                Ok(shape_of(input_shape, o))
            }
        }
    };
}

/// `[n, c, ...]` of `shape` with the spatial sizes of `out` (padded to 3 axes).
fn shape_of<const S: usize>(shape: [usize; S], out: [usize; 3]) -> [usize; S] {
    let mut s = shape;
    s[2..].copy_from_slice(&out[5 - S..]);
    s
}

unpool_builder!(MaxUnpool1d, 1, 3, "MaxUnpool1d", "[1, 1, 1]", "2");
unpool_builder!(MaxUnpool2d, 2, 4, "MaxUnpool2d", "[1, 1, 1, 1]", "4");
unpool_builder!(MaxUnpool3d, 3, 5, "MaxUnpool3d", "[1, 1, 1, 1, 1]", "8");
