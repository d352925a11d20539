//! The oracle: the obvious loops, one output and one tap at a time, bounds-checked per tap.
//! Written independently of the kernels (it shares only parameter validation and the plain
//! per-axis parameters), it is what every test and fuzz target compares against, and it
//! follows PyTorch's CPU loops step for step, for every rank: taps in depth-major,
//! row-major order; max keeps the first maximum and the last NaN, starting from `-inf` at
//! PyTorch's first index; average sums from `0.0` and divides once.

use simdpool_kernels::{Axis, Divisor, Geometry};

use crate::params::Kind;
use crate::plan::{Plan, Work};
use crate::{Layer, PoolError};

/// The windows of one spatial axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Windows {
    /// Regular windows: kernel, stride, padding, dilation.
    Regular(Axis),
    /// Adaptive windows: `[floor(o·size/out), ceil((o+1)·size/out))`.
    Adaptive {
        /// Input length.
        size: usize,
        /// Output length.
        out: usize,
    },
}

/// The taps of one window along one axis: input positions `at + t·step` for `t < count`,
/// PyTorch's first index, and the taps inside input plus padding. (The channels-last path
/// builds its windows from these too; the channels-first kernels' own arithmetic, held to
/// this oracle by every test, cross-checks them.)
#[derive(Clone, Copy, Debug)]
pub(crate) struct Taps {
    pub(crate) at: i64,
    pub(crate) step: i64,
    pub(crate) count: usize,
    pub(crate) first: i64,
    pub(crate) padded: usize,
}

impl Windows {
    pub(crate) fn size(&self) -> usize {
        match *self {
            Windows::Regular(a) => a.size,
            Windows::Adaptive { size, .. } => size,
        }
    }
    pub(crate) fn out(&self) -> usize {
        match *self {
            Windows::Regular(a) => a.out,
            Windows::Adaptive { out, .. } => out,
        }
    }
    pub(crate) fn taps(&self, o: usize) -> Taps {
        match *self {
            Windows::Adaptive { size, out } => {
                let (o, n, out) = (o as u128, size as u128, out as u128);
                let start = (o * n / out) as i64;
                let end = ((o + 1) * n).div_ceil(out) as i64;
                let count = (end - start) as usize;
                Taps {
                    at: start,
                    step: 1,
                    count,
                    first: start,
                    padded: count,
                }
            }
            Windows::Regular(a) => {
                let (k, d, n) = (a.kernel as i128, a.dilation as i128, a.size as i128);
                let start = o as i128 * a.stride as i128 - a.pad_begin as i128;
                // The first tap at or after 0 (PyTorch steps the start by the dilation until
                // it is not negative: it may then lie past the last tap, or the input).
                let t0 = if start < 0 { (-start + d - 1) / d } else { 0 };
                let first = start + t0 * d;
                // Taps t0.. while inside the input and the window.
                let inside = if first >= n || t0 >= k {
                    0
                } else {
                    ((n - first + d - 1) / d).min(k - t0)
                };
                // Every tap from the start (at or after -pad_begin) below size + pad_end,
                // counted rather than enumerated (k may be astronomically large).
                let room = n + a.pad_end as i128 - start;
                let padded = if room <= 0 {
                    0
                } else {
                    ((room + d - 1) / d).min(k)
                };
                Taps {
                    at: first as i64,
                    step: d as i64,
                    count: inside as usize,
                    first: first as i64,
                    padded: padded as usize,
                }
            }
        }
    }
}

/// A call as the oracle sees it: three spatial axes (leading ones trivial below rank 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Description {
    /// The reduction.
    pub kind: Kind,
    /// The average divisor rule.
    pub divisor: Divisor,
    /// Depth, height and width windows.
    pub axes: [Windows; 3],
    /// `n·c`.
    pub volumes: usize,
}

impl Description {
    pub(crate) fn of(plan: &Plan) -> Description {
        let axes = match plan.work {
            Work::Adaptive { axes } => axes.map(|(size, out)| Windows::Adaptive { size, out }),
            Work::Nothing | Work::Planes { .. } | Work::Depth { .. } => {
                plan.axes.map(Windows::Regular)
            }
        };
        Description {
            kind: plan.kind,
            divisor: plan.divisor,
            axes,
            volumes: plan.volumes,
        }
    }
}

impl<const R: usize> crate::params::Spec<R> {
    pub(crate) fn describe(&self, shape: &[usize]) -> Result<Description, PoolError> {
        self.plan(shape).map(|p| Description::of(&p))
    }
}

impl<const R: usize> crate::params::AdaptiveSpec<R> {
    /// Adaptive windows on every axis, whichever path the plan takes.
    pub(crate) fn describe(&self, shape: &[usize]) -> Result<Description, PoolError> {
        let plan = self.plan(shape)?;
        Ok(Description {
            kind: plan.kind,
            divisor: plan.divisor,
            axes: [0, 1, 2].map(|i| Windows::Adaptive {
                size: plan.input[i],
                out: plan.output[i],
            }),
            volumes: plan.volumes,
        })
    }
}

/// Pools `input` the slow, obvious way with `layer`'s parameters. Returns the output and,
/// for max pools, the index of each maximum, flat within its `(n, c)` volume (PyTorch's
/// numbering, whatever the layer's index style); empty for average.
pub fn forward<L: Layer>(
    layer: &L,
    input: &[f32],
    shape: L::Shape,
) -> Result<(Vec<f32>, Vec<i64>), PoolError> {
    let d = layer.describe(shape)?;
    let need: usize = d.volumes * d.axes.iter().map(|a| a.size()).product::<usize>();
    if input.len() != need {
        return Err(PoolError::InputLength {
            shape: shape.as_ref().to_vec(),
            expected: need,
            actual: input.len(),
        });
    }
    Ok(volumes(&d, input))
}

/// Pools every volume of `input` as `d` describes.
pub fn volumes(d: &Description, input: &[f32]) -> (Vec<f32>, Vec<i64>) {
    let vol: usize = d.axes.iter().map(|a| a.size()).product();
    let od = d.axes[0].out();
    let (mut out, mut idx) = (Vec::new(), Vec::new());
    for v in 0..d.volumes {
        let (o, i) = block(d, &input[v * vol..(v + 1) * vol], 0..od);
        out.extend(o);
        idx.extend(i);
    }
    (out, idx)
}

/// Output depths `ods` of one volume `src`.
pub(crate) fn block(
    d: &Description,
    src: &[f32],
    ods: std::ops::Range<usize>,
) -> (Vec<f32>, Vec<i64>) {
    let [az, ay, ax] = d.axes;
    let (h, w) = (ay.size() as i64, ax.size() as i64);
    let adaptive = matches!(az, Windows::Adaptive { .. });
    let global = d.axes.iter().all(|a| a.out() == 1);
    let (mut out, mut idx) = (Vec::new(), Vec::new());
    for oz in ods {
        let tz = az.taps(oz);
        for oy in 0..ay.out() {
            let ty = ay.taps(oy);
            for ox in 0..ax.out() {
                let tx = ax.taps(ox);
                let each = |f: &mut dyn FnMut(i64)| {
                    for a in 0..tz.count as i64 {
                        let z = tz.at + a * tz.step;
                        for b in 0..ty.count as i64 {
                            let y = ty.at + b * ty.step;
                            for c in 0..tx.count as i64 {
                                f((z * h + y) * w + tx.at + c * tx.step);
                            }
                        }
                    }
                };
                match d.kind {
                    Kind::Max => {
                        let mut best = f32::NEG_INFINITY;
                        let mut at = (tz.first * h + ty.first) * w + tx.first;
                        each(&mut |i| {
                            let v = src[i as usize];
                            if v > best || v.is_nan() {
                                (best, at) = (v, i);
                            }
                        });
                        out.push(best);
                        idx.push(at);
                    }
                    Kind::Avg => {
                        let (mut sum, mut inside) = (0.0f32, 0u128);
                        each(&mut |i| {
                            sum += src[i as usize];
                            inside += 1;
                        });
                        if adaptive && !global {
                            // PyTorch's adaptive kernels divide by each axis's taps in turn
                            // (global pooling is its `mean`: one division, below).
                            out.push(sum / tz.count as f32 / ty.count as f32 / tx.count as f32);
                            continue;
                        }
                        // Saturating: a window deep in padding can pass even u128.
                        let padded = (tz.padded as u128)
                            .saturating_mul(ty.padded as u128)
                            .saturating_mul(tx.padded as u128);
                        let divisor = match d.divisor {
                            Divisor::Override(v) => v as f32,
                            Divisor::ExcludePad => inside as f32,
                            Divisor::IncludePad => padded as f32,
                        };
                        out.push(sum / divisor);
                    }
                }
            }
        }
    }
    (out, idx)
}

/// Pools `count` consecutive planes of `input` with the 2-D geometry `g`, whatever its
/// output size (the kernels accept any). Returns the values and, for max, the indices.
pub fn planes(g: &Geometry, kind: Kind, count: usize, input: &[f32]) -> (Vec<f32>, Vec<i64>) {
    let [y, x] = g.axes();
    let d = Description {
        kind,
        divisor: g.divisor(),
        axes: [
            Windows::Regular(Axis::symmetric(1, 1, 1, 1, 0, 1)),
            Windows::Regular(y),
            Windows::Regular(x),
        ],
        volumes: count,
    };
    volumes(&d, input)
}
