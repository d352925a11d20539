//! Fractional max pooling (Graham, 2014; PyTorch `FractionalMaxPool2d/3d`): windows of a
//! fixed size at pseudo-random, increasing starts, so that the output shrinks by a
//! non-integer ratio. Per `(n, c)` plane and axis, one sample `u` in `[0, 1)` places the
//! windows as PyTorch's `generate_intervals` does:
//!
//! `alpha = (in − k) / (out − 1)`, `start[i] = int((i + u)·alpha) − int(u·alpha)` for
//! `i < out − 1`, and `start[out − 1] = in − k`,
//!
//! in the element type's arithmetic (PyTorch computes it in `scalar_t`: `f16` rounds every
//! step; integer types, which PyTorch lacks, use `f32`). Each window's maximum and its flat
//! plane index follow max pooling's rules (first maximum, last NaN). Samples are PyTorch's
//! `_random_samples`, `N·C·rank` values, per plane in PyTorch's order: `[w, h]` for 2-D,
//! `[t, h, w]` for 3-D.

use crate::params::{Axes, Layout};
use rayon::prelude::*;

use crate::per_plane::{splitmix, stream, Planes, MIN_PARALLEL};
use crate::{dispatch, DType, Element, Isa, PoolError};

/// The output size: given, or a ratio of the input's.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target<const R: usize> {
    Unset,
    Size([usize; R]),
    Ratio([f64; R]),
}

/// A fractional max-pooling layer of rank `R` (2 or 3), as the user built it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct FracSpec<const R: usize> {
    kernel: [usize; R],
    target: Target<R>,
    layout: Layout,
    parallel: bool,
    isa: Option<Isa>,
}

impl<const R: usize> FracSpec<R> {
    fn new(kernel: [usize; R]) -> Self {
        FracSpec {
            kernel,
            target: Target::Unset,
            layout: Layout::ChannelsFirst,
            parallel: true,
            isa: None,
        }
    }

    /// The axis names PyTorch's messages use.
    fn axis_name(axis: usize) -> &'static str {
        let names: &[&str] = if R == 3 {
            &["time", "height", "width"]
        } else {
            &["height", "width"]
        };
        names[axis]
    }

    /// Checks the layer against `shape`; returns the output's spatial sizes.
    fn plan(&self, shape: &[usize]) -> Result<[usize; R], PoolError> {
        PoolError::check_nonzero("kernel_size", &self.kernel)?;
        PoolError::check_nonempty(shape)?;
        let input: [usize; R] = std::array::from_fn(|i| shape[2 + i]);
        let out = match self.target {
            Target::Unset => return Err(PoolError::FractionalTarget { ratio: None }),
            Target::Size(o) => o,
            Target::Ratio(r) => {
                if let Some(&bad) = r.iter().find(|&&v| !(v > 0.0 && v < 1.0)) {
                    return Err(PoolError::FractionalTarget {
                        ratio: Some(bad.to_string()),
                    });
                }
                // PyTorch: int(input_size · ratio), in double.
                std::array::from_fn(|i| (input[i] as f64 * r[i]) as usize)
            }
        };
        for axis in 0..R {
            let (o, k, n) = (out[axis], self.kernel[axis], input[axis]);
            // PyTorch: `out + k − 1 <= in` in 2-D, but `< in` in 3-D.
            let room = if R == 3 { n.saturating_sub(1) } else { n };
            if o == 0 || o.checked_add(k).is_none_or(|e| e - 1 > room) {
                return Err(PoolError::FractionalTooLarge {
                    axis: Self::axis_name(axis),
                    kernel: k,
                    input: n,
                    output: o,
                });
            }
        }
        Ok(out)
    }

    /// Pools every plane of `input` with its `samples`; `idx` gets the flat plane indices.
    #[allow(clippy::too_many_arguments)]
    fn forward<E: Element>(
        &self,
        source: &'static str,
        input: &[E],
        shape: &[usize],
        samples: &[f32],
        output: &mut [E],
        idx: &mut [i64],
    ) -> Result<[usize; R], PoolError> {
        let out = self.plan(shape)?;
        dispatch::resolve(self.isa, source)?;
        let overflow = || PoolError::Overflow {
            shape: shape.to_vec(),
        };
        let planes = shape[0].checked_mul(shape[1]).ok_or_else(overflow)?;
        let in_vol = shape[2..].iter().try_fold(1usize, |a, &b| a.checked_mul(b));
        let in_len = in_vol
            .and_then(|v| v.checked_mul(planes))
            .ok_or_else(overflow)?;
        let out_vol: usize = out.iter().product(); // out ≤ input on every axis
        let out_len = out_vol * planes;
        PoolError::check_input(shape, in_len, input.len())?;
        if samples.len() != planes * R {
            return Err(PoolError::SamplesLength {
                expected: planes * R,
                actual: samples.len(),
            });
        }
        if let Some((position, v)) =
            (samples.iter().enumerate()).find(|(_, v)| !(**v >= 0.0 && **v < 1.0))
        {
            return Err(PoolError::SampleOutOfRange {
                position,
                value: v.to_string(),
            });
        }
        PoolError::check_output(out_len, output.len())?;
        if idx.len() < out_len {
            return Err(PoolError::IndicesLength {
                needed: out_len,
                actual: idx.len(),
            });
        }
        let in_vol = in_len / planes.max(1);
        let c = shape[1];
        let input_dims: [usize; R] = std::array::from_fn(|i| shape[2 + i]);
        // PyTorch's sample order per plane: [w, h] (2-D), [t, h, w] (3-D).
        let sample_of = |plane: usize, axis: usize| {
            let k = if R == 2 { 1 - axis } else { axis };
            samples[plane * R + k]
        };
        let starts = |plane: usize| -> [Vec<usize>; R] {
            std::array::from_fn(|a| {
                intervals::<E>(sample_of(plane, a), input_dims[a], out[a], self.kernel[a])
            })
        };
        let dims3 = |d: [usize; R]| -> [usize; 3] {
            let mut v = [1; 3];
            v[3 - R..].copy_from_slice(&d);
            v
        };
        let (ind, outd, k3) = (dims3(input_dims), dims3(out), dims3(self.kernel));
        // One plane: `src` element `i` of the plane is at `src[i * step]`, likewise outputs.
        let pool = |plane: usize, src: &[E], dst: &mut [E], ix: &mut [i64], step: usize| {
            let s = starts(plane);
            let s3: [&[usize]; 3] = std::array::from_fn(|a| {
                if a < 3 - R {
                    &[0usize][..]
                } else {
                    &s[a - (3 - R)][..]
                }
            });
            let mut o = 0;
            for &z0 in s3[0] {
                for &y0 in s3[1] {
                    for &x0 in s3[2] {
                        let mut best = f32::NEG_INFINITY;
                        let mut at = ((z0 * ind[1] + y0) * ind[2] + x0) as i64;
                        for z in z0..z0 + k3[0] {
                            for y in y0..y0 + k3[1] {
                                for x in x0..x0 + k3[2] {
                                    let i = (z * ind[1] + y) * ind[2] + x;
                                    let v = src[i * step].to_f32();
                                    if v > best || v.is_nan() {
                                        (best, at) = (v, i as i64);
                                    }
                                }
                            }
                        }
                        dst[o * step] = src[at as usize * step];
                        ix[o * step] = at;
                        o += 1;
                    }
                }
            }
            debug_assert_eq!(o, outd.iter().product::<usize>());
        };
        if self.layout == Layout::ChannelsLast && c > 1 {
            // Every channel of an output pixel in one pass: the channels' windows differ
            // (each plane has its own samples) but lie close together, so a pixel's taps
            // share cache lines, where one plane at a time would sweep the whole image once
            // per channel. Split by output rows, so one image feeds every thread.
            // Window starts per axis as `[image][output position][channel]`, so that the
            // channel loop reads them in order.
            let mut table: [Vec<usize>; 3] = std::array::from_fn(|a| vec![0; planes * outd[a]]);
            for p in 0..planes {
                let s = starts(p);
                let (n, ch) = (p / c, p % c);
                for (a, axis) in s.iter().enumerate() {
                    let a3 = a + 3 - R;
                    for (o, &v) in axis.iter().enumerate() {
                        table[a3][(n * outd[a3] + o) * c + ch] = v;
                    }
                }
            }
            let row = outd[2] * c;
            let rows = outd[0] * outd[1];
            let task = |r: usize, dst: &mut [E], ix: &mut [i64]| {
                let (n, zy) = (r / rows, r % rows);
                let (oz, oy) = (zy / outd[1], zy % outd[1]);
                let src = &input[n * in_vol * c..][..in_vol * c];
                let zs = &table[0][(n * outd[0] + oz) * c..][..c];
                let ys = &table[1][(n * outd[1] + oy) * c..][..c];
                for ox in 0..outd[2] {
                    let xs = &table[2][(n * outd[2] + ox) * c..][..c];
                    for ch in 0..c {
                        let (z0, y0, x0) = (zs[ch], ys[ch], xs[ch]);
                        let mut best = f32::NEG_INFINITY;
                        let mut at = (z0 * ind[1] + y0) * ind[2] + x0;
                        for z in z0..z0 + k3[0] {
                            for y in y0..y0 + k3[1] {
                                for x in x0..x0 + k3[2] {
                                    let i = (z * ind[1] + y) * ind[2] + x;
                                    let v = src[i * c + ch].to_f32();
                                    if v > best || v.is_nan() {
                                        (best, at) = (v, i);
                                    }
                                }
                            }
                        }
                        dst[ox * c + ch] = src[at * c + ch];
                        ix[ox * c + ch] = at as i64;
                    }
                }
            };
            let (dst, ix) = (&mut output[..out_len], &mut idx[..out_len]);
            if self.parallel && in_len >= MIN_PARALLEL {
                dst.par_chunks_mut(row)
                    .zip(ix.par_chunks_mut(row))
                    .enumerate()
                    .for_each(|(r, (d, i))| task(r, d, i));
            } else {
                for (r, (d, i)) in dst.chunks_mut(row).zip(ix.chunks_mut(row)).enumerate() {
                    task(r, d, i);
                }
            }
            return Ok(out);
        }
        let planes = Planes {
            layout: self.layout,
            c,
            in_vol,
            out_vol,
            parallel: self.parallel,
        };
        planes.run(
            input,
            &mut output[..out_len],
            Some(&mut idx[..out_len]),
            pool,
        );
        Ok(out)
    }

    /// Samples for every plane of `shape` from `seed`: plane `p`'s stream is SplitMix64
    /// seeded with `seed ^ p·φ`, `R` draws of 24 bits each, in the samples' order.
    fn samples(seed: u64, shape: &[usize]) -> Vec<f32> {
        let planes = shape[0].saturating_mul(shape[1]);
        let mut out = Vec::with_capacity(planes.saturating_mul(R));
        for p in 0..planes {
            let mut state = stream(seed, p);
            for _ in 0..R {
                out.push((splitmix(&mut state) >> 40) as f32 / (1u32 << 24) as f32);
            }
        }
        out
    }
}

/// PyTorch's `generate_intervals` in `E`'s arithmetic (`f32` for integer types).
fn intervals<E: Element>(u: f32, input: usize, out: usize, k: usize) -> Vec<usize> {
    let r = |v: f32| match E::DTYPE {
        DType::F16 | DType::Bf16 => E::from_f32(v).to_f32(),
        _ => v,
    };
    let mut s = vec![0; out];
    if out > 1 {
        let alpha = r(r((input - k) as f32) / r((out - 1) as f32));
        let base = r(r(u) * alpha) as i64;
        for (i, v) in s.iter_mut().enumerate().take(out - 1) {
            let t = r(r(i as f32 + r(u)) * alpha) as i64 - base;
            // Inside [0, in − k] for a sample in [0, 1): clamped against rounding only.
            *v = t.clamp(0, (input - k) as i64) as usize;
        }
    }
    s[out - 1] = input - k;
    s
}

/// Stamps a fractional max-pooling builder of rank `$r` (shapes of `$s` = `$r + 2`).
macro_rules! fractional_builder {
    ($name:ident, $r:literal, $s:literal, $module:literal, $shape:literal, $cells:literal) => {
        #[doc = concat!("Fractional max pooling (`nn.", $module, "`): windows of size `kernel` \
            at pseudo-random increasing starts, `output_size` (or `output_ratio` of the \
            input) outputs per axis. See the README for the interval formula.")]
        ///
        /// One 2-wide window per axis somewhere in an input of 3, seeded:
        ///
        /// ```
        #[doc = concat!("use simdpool::", stringify!($name), ";")]
        #[doc = concat!("let x: Vec<f32> = (0..", $cells, ").map(|v| v as f32).collect();")]
        #[doc = concat!("let pool = ", stringify!($name), "::new(2).output_size(1);")]
        /// let (mut y, mut ix) = ([0.0f32], [0i64]);
        #[doc = concat!("pool.forward_seeded(42, &x, ", $shape, ", &mut y, &mut ix)?;")]
        /// assert_eq!(y[0], x[ix[0] as usize]); // the window's maximum, and where it was
        /// # Ok::<(), simdpool::PoolError>(())
        /// ```
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name(FracSpec<$r>);

        impl $name {
            /// Windows of size `kernel`; set [`output_size`](Self::output_size) or
            /// [`output_ratio`](Self::output_ratio) before calling.
            pub fn new(kernel: impl Axes<$r>) -> $name {
                $name(FracSpec::new(kernel.axes()))
            }

            /// The output's spatial size.
            pub fn output_size(mut self, size: impl Axes<$r>) -> $name {
                self.0.target = Target::Size(size.axes());
                self
            }

            /// The output's size as a ratio of the input's, in `(0, 1)` per axis
            /// (PyTorch: `int(input · ratio)` in double precision, as Python's floats).
            pub fn output_ratio(mut self, ratio: [f64; $r]) -> $name {
                self.0.target = Target::Ratio(ratio);
                self
            }

            /// The memory layout of input, output and indices (samples are per plane in
            /// either).
            pub fn layout(mut self, layout: Layout) -> $name {
                self.0.layout = layout;
                self
            }

            /// Split the planes over the current rayon pool (default `true`).
            pub fn parallel(mut self, parallel: bool) -> $name {
                self.0.parallel = parallel;
                self
            }

            /// Force an ISA (the windows are irregular: a scalar loop runs on every ISA;
            /// a forced ISA the CPU lacks is still an error).
            pub fn isa(mut self, isa: Isa) -> $name {
                self.0.isa = Some(isa);
                self
            }

            /// The output shape for an input of shape `shape`.
            pub fn output_shape(&self, shape: [usize; $s]) -> Result<[usize; $s], PoolError> {
                let o = self.0.plan(&shape)?;
                let mut s = shape;
                s[2..].copy_from_slice(&o);
                Ok(s)
            }

            /// Pools with PyTorch's `_random_samples`: `n·c·rank` values in `[0, 1)`, per
            /// plane in PyTorch's order (2-D: `[w, h]`; 3-D: `[t, h, w]`). Writes each
            /// window's maximum and its flat plane index, as PyTorch does.
            pub fn forward_with_samples<E: Element>(
                &self,
                input: &[E],
                shape: [usize; $s],
                samples: &[f32],
                output: &mut [E],
                indices: &mut [i64],
            ) -> Result<[usize; $s], PoolError> {
                let source = concat!(stringify!($name), "::isa");
                self.0
                    .forward(source, input, &shape, samples, output, indices)?;
                self.output_shape(shape)
            }

            /// Pools with samples drawn from `seed`: one stream per `(n, c)` plane, so the
            /// result depends on the seed alone, serial or split. The same as
            /// [`forward_with_samples`](Self::forward_with_samples) with
            /// [`seeded_samples`](Self::seeded_samples).
            pub fn forward_seeded<E: Element>(
                &self,
                seed: u64,
                input: &[E],
                shape: [usize; $s],
                output: &mut [E],
                indices: &mut [i64],
            ) -> Result<[usize; $s], PoolError> {
                self.0.plan(&shape)?;
                // The input's length first: the samples are sized by the shape.
                let len = shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
                let len = len.ok_or(PoolError::Overflow {
                    shape: shape.to_vec(),
                })?;
                PoolError::check_input(&shape, len, input.len())?;
                let samples = Self::seeded_samples(seed, shape);
                self.forward_with_samples(input, shape, &samples, output, indices)
            }

            /// The samples [`forward_seeded`](Self::forward_seeded) draws for `shape`.
            pub fn seeded_samples(seed: u64, shape: [usize; $s]) -> Vec<f32> {
                FracSpec::<$r>::samples(seed, &shape)
            }
        }
    };
}

fractional_builder!(
    FractionalMaxPool2d,
    2,
    4,
    "FractionalMaxPool2d",
    "[1, 1, 3, 3]",
    "9"
);
fractional_builder!(
    FractionalMaxPool3d,
    3,
    5,
    "FractionalMaxPool3d",
    "[1, 1, 3, 3, 3]",
    "27"
);
