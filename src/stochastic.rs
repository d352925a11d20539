//! Stochastic pooling (Zeiler & Fergus, "Stochastic Pooling for Regularization of Deep
//! Convolutional Neural Networks", ICLR 2013). Within each window, element `i` has the
//! probability `p_i = w_i / Σ_j w_j` with weights `w_i = max(a_i, 0)` (the paper pools
//! non-negative activations; negative ones weigh nothing):
//!
//! - training samples one element per window with those probabilities and outputs it (and
//!   its flat plane index); a window whose weights are all 0 samples uniformly;
//! - evaluation outputs the probability-weighted average `Σ_i p_i·a_i = Σ w_i·a_i / Σ w_j`
//!   (`Σ a_i² / Σ a_j` for non-negative inputs), 0 for a window whose weights are all 0;
//! - a window holding NaN outputs NaN (training: the first NaN's index).
//!
//! Training draws from SplitMix64, one stream per `(n, c)` plane seeded from the call's seed
//! and the plane, one draw per output in order: the result depends on the seed alone, serial
//! or split.

use crate::params::{Axes, Layout};
use crate::per_plane::{splitmix, stream, Planes};
use crate::{dispatch, Element, Isa, PoolError};

/// A stochastic pooling layer, as the user built it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct StochSpec {
    kernel: [usize; 2],
    stride: Option<[usize; 2]>,
    layout: Layout,
    parallel: bool,
    isa: Option<Isa>,
}

/// A uniform draw in `[0, 1)` with 53 bits.
fn uniform(state: &mut u64) -> f64 {
    (splitmix(state) >> 11) as f64 / (1u64 << 53) as f64
}

/// Stochastic pooling over 2-D windows (`[n, c, h, w]` tensors): see the module's
/// documentation in the README for the formulas.
///
/// ```
/// use simdpool::StochasticPool2d;
/// let pool = StochasticPool2d::new(2);
/// let x = [0.0f32, 1.0, 1.0, 2.0]; // one window: p = 0, 1/4, 1/4, 1/2
/// let mut y = [0.0f32];
/// pool.forward_eval(&x, [1, 1, 2, 2], &mut y)?;
/// assert_eq!(y[0], 1.5); // (1 + 1 + 4) / 4
/// let mut ix = [0i64];
/// pool.forward_train(7, &x, [1, 1, 2, 2], &mut y, &mut ix)?;
/// assert!(ix[0] != 0 && y[0] == x[ix[0] as usize]); // never the zero
/// # Ok::<(), simdpool::PoolError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StochasticPool2d(StochSpec);

impl StochasticPool2d {
    /// Windows of size `kernel`, no padding (stride defaults to the window).
    pub fn new(kernel: impl Axes<2>) -> StochasticPool2d {
        StochasticPool2d(StochSpec {
            kernel: kernel.axes(),
            stride: None,
            layout: Layout::ChannelsFirst,
            parallel: true,
            isa: None,
        })
    }

    /// Step between windows (default: the kernel size).
    pub fn stride(mut self, stride: impl Axes<2>) -> StochasticPool2d {
        self.0.stride = Some(stride.axes());
        self
    }

    /// The memory layout of input, output and indices.
    pub fn layout(mut self, layout: Layout) -> StochasticPool2d {
        self.0.layout = layout;
        self
    }

    /// Split the planes over the current rayon pool (default `true`).
    pub fn parallel(mut self, parallel: bool) -> StochasticPool2d {
        self.0.parallel = parallel;
        self
    }

    /// Force an ISA (a scalar loop runs on every ISA; a forced ISA the CPU lacks is still
    /// an error).
    pub fn isa(mut self, isa: Isa) -> StochasticPool2d {
        self.0.isa = Some(isa);
        self
    }

    /// The output shape: `floor((in − k) / s) + 1` per axis.
    pub fn output_shape(&self, shape: [usize; 4]) -> Result<[usize; 4], PoolError> {
        let stride = self.0.stride.unwrap_or(self.0.kernel);
        PoolError::check_nonzero("kernel_size", &self.0.kernel)?;
        PoolError::check_nonzero("stride", &stride)?;
        PoolError::check_nonempty(&shape)?;
        if (0..2).any(|a| self.0.kernel[a] > shape[2 + a]) {
            let output = (0..2)
                .map(|a| (shape[2 + a] as i128 - self.0.kernel[a] as i128) / stride[a] as i128 + 1)
                .collect();
            return Err(PoolError::OutputTooSmall {
                shape: shape.to_vec(),
                output,
            });
        }
        let mut out = shape;
        for a in 0..2 {
            out[2 + a] = (shape[2 + a] - self.0.kernel[a]) / stride[a] + 1;
        }
        Ok(out)
    }

    /// Training: one element per window, drawn with probability `w_i / Σ w_j`, and its flat
    /// plane index; reproducible from `seed`.
    pub fn forward_train<E: Element>(
        &self,
        seed: u64,
        input: &[E],
        shape: [usize; 4],
        output: &mut [E],
        indices: &mut [i64],
    ) -> Result<[usize; 4], PoolError> {
        self.run(Some(seed), input, shape, output, Some(indices))
    }

    /// Evaluation: the probability-weighted average `Σ w_i·a_i / Σ w_j` of each window.
    pub fn forward_eval<E: Element>(
        &self,
        input: &[E],
        shape: [usize; 4],
        output: &mut [E],
    ) -> Result<[usize; 4], PoolError> {
        self.run(None, input, shape, output, None)
    }

    fn run<E: Element>(
        &self,
        seed: Option<u64>,
        input: &[E],
        shape: [usize; 4],
        output: &mut [E],
        indices: Option<&mut [i64]>,
    ) -> Result<[usize; 4], PoolError> {
        let out = self.output_shape(shape)?;
        dispatch::resolve(self.0.isa, "StochasticPool2d::isa")?;
        let overflow = || PoolError::Overflow {
            shape: shape.to_vec(),
        };
        let in_len = shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
        let in_len = in_len.ok_or_else(overflow)?;
        let out_len: usize = out.iter().product(); // out ≤ in on every axis
        PoolError::check_input(&shape, in_len, input.len())?;
        PoolError::check_output(out_len, output.len())?;
        let indices = match indices {
            Some(ix) if ix.len() < out_len => {
                return Err(PoolError::IndicesLength {
                    needed: out_len,
                    actual: ix.len(),
                })
            }
            Some(ix) => Some(&mut ix[..out_len]),
            None => None,
        };
        let [h, w] = [shape[2], shape[3]];
        let [oh, ow] = [out[2], out[3]];
        let [kh, kw] = self.0.kernel;
        let [sh, sw] = self.0.stride.unwrap_or(self.0.kernel);
        let plane = |p: usize, src: &[E], dst: &mut [E], ix: &mut [i64], step: usize| {
            let mut state = seed.map(|s| stream(s, p));
            for oy in 0..oh {
                for ox in 0..ow {
                    let o = oy * ow + ox;
                    let taps = (0..kh).flat_map(|ky| {
                        let row = (oy * sh + ky) * w + ox * sw;
                        (0..kw).map(move |kx| row + kx)
                    });
                    let value = |i: usize| src[i * step].to_f32();
                    // Σ w and the first NaN, in window order (f64: the weights' sum must
                    // not round a small weight away).
                    let (mut total, mut weighted, mut nan) = (0.0f64, 0.0f64, None);
                    for i in taps.clone() {
                        let a = value(i);
                        if a.is_nan() {
                            nan = nan.or(Some(i));
                        } else if a > 0.0 {
                            total += a as f64;
                            weighted += a as f64 * a as f64;
                        }
                    }
                    let Some(state) = state.as_mut() else {
                        let v = match nan {
                            Some(_) => f32::NAN,
                            None if total > 0.0 => (weighted / total) as f32,
                            None => 0.0,
                        };
                        dst[o * step] = E::from_f32(v);
                        continue;
                    };
                    let u = uniform(state);
                    let pick = if let Some(i) = nan {
                        i
                    } else if total > 0.0 {
                        // The first tap whose running weight passes u·Σw (zero weights
                        // are never picked); the last weighted tap against rounding.
                        let target = u * total;
                        let mut run = 0.0f64;
                        let mut pick = None;
                        for i in taps.clone() {
                            let a = value(i);
                            if a > 0.0 {
                                run += a as f64;
                                pick = Some(i);
                                if run > target {
                                    break;
                                }
                            }
                        }
                        pick.unwrap_or(0)
                    } else {
                        // No weight: uniform over the window.
                        let n = kh * kw;
                        let t = ((u * n as f64) as usize).min(n - 1);
                        (oy * sh + t / kw) * w + ox * sw + t % kw
                    };
                    dst[o * step] = src[pick * step];
                    ix[o * step] = pick as i64;
                }
            }
        };
        let planes = Planes {
            layout: self.0.layout,
            c: shape[1],
            in_vol: h * w,
            out_vol: oh * ow,
            parallel: self.0.parallel,
        };
        planes.run(input, &mut output[..out_len], indices, plane);
        Ok(out)
    }
}
