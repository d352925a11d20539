//! Validation and planning: everything about a call that can be decided before any output is
//! touched, for every rank. A `Plan` exists only for a call that will succeed.
//!
//! Every rank is planned as three spatial axes (depth, height, width), the missing leading
//! ones trivial (size 1, one tap). This is also the one place that decides how a call is
//! carried out above the plane level ([`Work`]); within a plane the kernels choose.

use simdpool_kernels::{Axis, Divisor, Geometry};

use crate::params::{AdaptiveSpec, AutoPad, Kind, Padding, Spec};
use crate::PoolError;

/// How a call is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Work {
    /// Batch 0: nothing to compute.
    Nothing,
    /// Every `(n, c)` volume is `per_volume` consecutive planes of `g`: 1-D and 2-D pools,
    /// 3-D pools with one undilated, unpadded, stride-1 depth tap (each depth slice on its
    /// own), and global pools (the whole volume one window over a `[d·h, w]` plane).
    Planes { g: Geometry, per_volume: usize },
    /// 3-D: `g` pools each depth slice (average: sums, divisor `Override(1)`), and the
    /// slices' results merge in depth order along `depth`.
    Depth { g: Geometry, depth: Axis },
    /// Adaptive windows of unequal sizes on some axis: `(input, output)` per axis.
    Adaptive { axes: [(usize, usize); 3] },
}

/// A checked call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) kind: Kind,
    /// Spatial input and output sizes, `[d, h, w]` (leading ones 1 below rank 3).
    pub(crate) input: [usize; 3],
    pub(crate) output: [usize; 3],
    /// `n·c`.
    pub(crate) volumes: usize,
    pub(crate) in_len: usize,
    pub(crate) out_len: usize,
    /// The average divisor rule (the true one, also for [`Work::Depth`]).
    pub(crate) divisor: Divisor,
    /// The regular windows per axis (trivial ones for [`Work::Adaptive`]).
    pub(crate) axes: [Axis; 3],
    pub(crate) work: Work,
}

impl Plan {
    /// Elements of one input volume.
    pub(crate) fn in_volume(&self) -> usize {
        self.input.iter().product()
    }
    /// Elements of one output volume.
    pub(crate) fn out_volume(&self) -> usize {
        self.output.iter().product()
    }
}

/// PyTorch's `pooling_output_shape`, with ONNX's separate begin and end padding: floor (or
/// ceil) division, then in ceil mode drop a last window that would start past the input and
/// its leading padding. `None` if the window's reach overflows (it then does not fit).
fn output_size(
    n: usize,
    k: usize,
    s: usize,
    pb: usize,
    pe: usize,
    d: usize,
    ceil: bool,
) -> Option<i128> {
    let (n, k, s, pb, pe, d) = (
        n as i128, k as i128, s as i128, pb as i128, pe as i128, d as i128,
    );
    let reach = d.checked_mul(k - 1)?;
    let num = n + pb + pe - reach - 1 + if ceil { s - 1 } else { 0 };
    let mut o = num.div_euclid(s) + 1;
    if ceil && (o - 1) * s >= n + pb {
        o -= 1;
    }
    Some(o)
}

/// ONNX `SAME_*` padding: output `ceil(n / s)`, padded just enough for the last window.
/// Returns `(output, begin, end)`.
fn same_padding(
    n: usize,
    k: usize,
    s: usize,
    d: usize,
    upper: bool,
) -> Option<(usize, usize, usize)> {
    let out = n.div_ceil(s);
    let need = (out - 1)
        .checked_mul(s)?
        .checked_add((k - 1).checked_mul(d)?)?
        .checked_add(1)?
        .saturating_sub(n);
    let (small, large) = (need / 2, need - need / 2);
    Some(if upper {
        (out, small, large)
    } else {
        (out, large, small)
    })
}

/// A spatial shape checked for zeros and padded to three axes.
fn spatial<const R: usize>(shape: &[usize]) -> Result<[usize; 3], PoolError> {
    if shape[1..].contains(&0) {
        return Err(PoolError::EmptyInput {
            shape: shape.to_vec(),
        });
    }
    let mut s = [1; 3];
    s[3 - R..].copy_from_slice(&shape[2..]);
    Ok(s)
}

/// Three axes from `R` given ones, the leading ones trivial.
fn pad3<const R: usize>(axes: [Axis; R]) -> [Axis; 3] {
    let mut all = [Axis::symmetric(1, 1, 1, 1, 0, 1); 3];
    all[3 - R..].copy_from_slice(&axes);
    all
}

impl<const R: usize> Spec<R> {
    /// The parameter checks PyTorch (and for `pads`, ONNX Runtime) make before looking at
    /// the input. Returns the stride.
    fn check_params(&self) -> Result<[usize; R], PoolError> {
        let stride = self.stride.unwrap_or(self.kernel);
        for (name, value) in [
            ("kernel_size", self.kernel),
            ("stride", stride),
            ("dilation", self.dilation),
        ] {
            if value.contains(&0) {
                return Err(PoolError::ZeroParam {
                    name,
                    value: value.to_vec(),
                });
            }
        }
        match self.padding {
            Padding::Torch(p) => {
                if (0..R).any(|i| p[i] > self.kernel[i] / 2) {
                    return Err(PoolError::PaddingTooLarge {
                        padding: p.to_vec(),
                        kernel: self.kernel.to_vec(),
                    });
                }
            }
            Padding::Onnx { begin, end } => {
                for axis in 0..R {
                    let k = self.kernel[axis];
                    if begin[axis] >= k || end[axis] >= k {
                        return Err(PoolError::PadsTooLarge {
                            axis,
                            begin: begin[axis],
                            end: end[axis],
                            kernel: k,
                        });
                    }
                }
            }
        }
        if self.ceil_mode && self.auto_pad != AutoPad::NotSet {
            return Err(PoolError::CeilModeWithAutoPad);
        }
        match self.kind {
            Kind::Max if self.count_include_pad.is_some() => Err(PoolError::AvgOnly {
                name: "count_include_pad",
            }),
            Kind::Max if self.divisor_override.is_some() => Err(PoolError::AvgOnly {
                name: "divisor_override",
            }),
            Kind::Avg if self.divisor_override == Some(0) => Err(PoolError::ZeroDivisor),
            _ => Ok(stride),
        }
    }

    /// Plans a call on an input of shape `shape` (`[n, c, spatial...]`, `R + 2` entries).
    pub(crate) fn plan(&self, shape: &[usize]) -> Result<Plan, PoolError> {
        debug_assert_eq!(shape.len(), R + 2);
        let stride = self.check_params()?;
        let input = spatial::<R>(shape)?;
        let sizes = &shape[2..];
        let mut axes = [Axis::symmetric(1, 1, 1, 1, 0, 1); R];
        let mut outs = [0i128; R];
        for i in 0..R {
            // A one-tap kernel has no spacing: its dilation would only overflow the tap
            // arithmetic (the nd fuzz target found dilation usize::MAX on a 3-D depth axis).
            let d = if self.kernel[i] == 1 {
                1
            } else {
                self.dilation[i]
            };
            let (n, k, s) = (sizes[i], self.kernel[i], stride[i]);
            let (out, pb, pe) = match (self.auto_pad, self.padding) {
                (AutoPad::SameUpper | AutoPad::SameLower, _) => {
                    let upper = self.auto_pad == AutoPad::SameUpper;
                    let (o, pb, pe) =
                        same_padding(n, k, s, d, upper).ok_or(PoolError::Overflow {
                            shape: shape.to_vec(),
                        })?;
                    (o as i128, pb, pe)
                }
                (AutoPad::Valid, _) => (
                    output_size(n, k, s, 0, 0, d, false).unwrap_or(i128::MIN),
                    0,
                    0,
                ),
                (AutoPad::NotSet, Padding::Torch(p)) => (
                    output_size(n, k, s, p[i], p[i], d, self.ceil_mode).unwrap_or(i128::MIN),
                    p[i],
                    p[i],
                ),
                (AutoPad::NotSet, Padding::Onnx { begin, end }) => (
                    output_size(n, k, s, begin[i], end[i], d, self.ceil_mode).unwrap_or(i128::MIN),
                    begin[i],
                    end[i],
                ),
            };
            outs[i] = out;
            axes[i] = Axis {
                size: n,
                out: usize::try_from(out).unwrap_or(0),
                kernel: k,
                stride: s,
                pad_begin: pb,
                pad_end: pe,
                dilation: d,
            };
        }
        if outs.iter().any(|&o| o < 1) {
            let shown = |o: i128| if o == i128::MIN { -1 } else { o };
            return Err(PoolError::OutputTooSmall {
                shape: shape.to_vec(),
                output: outs.iter().map(|&o| shown(o)).collect(),
            });
        }
        // avg_pool3d refuses an input smaller than the kernel, padding or not (PyTorch's
        // `pool3d_shape_check` with `check_input_size`); ONNX pads do not.
        if R == 3
            && self.kind == Kind::Avg
            && matches!(self.padding, Padding::Torch(_))
            && self.auto_pad == AutoPad::NotSet
            && (0..R).any(|i| sizes[i] < self.kernel[i])
        {
            return Err(PoolError::InputSmallerThanKernel {
                shape: shape.to_vec(),
                kernel: self.kernel.to_vec(),
            });
        }
        let divisor = match (self.divisor_override, self.count_include_pad) {
            (Some(d), _) => Divisor::Override(d as u64),
            (None, Some(false)) => Divisor::ExcludePad,
            (None, _) => Divisor::IncludePad,
        };
        finish(self.kind, divisor, shape, input, pad3(axes))
    }
}

impl<const R: usize> AdaptiveSpec<R> {
    /// Plans an adaptive call: axes whose windows are all equal (`out` divides the input)
    /// become regular ones; if every axis does, the regular machinery runs it.
    pub(crate) fn plan(&self, shape: &[usize]) -> Result<Plan, PoolError> {
        debug_assert_eq!(shape.len(), R + 2);
        if self.out.contains(&0) {
            return Err(PoolError::ZeroOutputSize {
                output: self.out.to_vec(),
            });
        }
        let input = spatial::<R>(shape)?;
        let mut out = [1; 3];
        out[3 - R..].copy_from_slice(&self.out);
        if (0..3).all(|i| input[i] % out[i] == 0) {
            let axes = [0, 1, 2].map(|i| {
                let k = input[i] / out[i];
                Axis::symmetric(input[i], out[i], k, k, 0, 1)
            });
            return finish(self.kind, Divisor::IncludePad, shape, input, axes);
        }
        let (in_len, out_len) = lengths(shape, out)?;
        let volumes = shape[0] * shape[1];
        Ok(Plan {
            kind: self.kind,
            input,
            output: out,
            volumes,
            in_len,
            out_len,
            divisor: Divisor::IncludePad,
            axes: [Axis::symmetric(1, 1, 1, 1, 0, 1); 3],
            work: if volumes == 0 {
                Work::Nothing
            } else {
                Work::Adaptive {
                    axes: [0, 1, 2].map(|i| (input[i], out[i])),
                }
            },
        })
    }
}

/// Input and output lengths, checked against `usize` and slice limits.
fn lengths(shape: &[usize], out: [usize; 3]) -> Result<(usize, usize), PoolError> {
    let overflow = || PoolError::Overflow {
        shape: shape.to_vec(),
    };
    let in_len = shape
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .ok_or_else(overflow)?;
    let out_len = out
        .iter()
        .try_fold(
            shape[0].checked_mul(shape[1]).ok_or_else(overflow)?,
            |a, &b| a.checked_mul(b),
        )
        .ok_or_else(overflow)?;
    // The same without the batch: a zero batch must not hide a volume that overflows (the
    // index arithmetic runs on volumes; the nd fuzz target found an adaptive output of
    // usize::MAX accepted with batch 0).
    let per_batch = |dims: &[usize]| dims.iter().try_fold(shape[1], |a, &b| a.checked_mul(b));
    let in_one = per_batch(&shape[2..]).ok_or_else(overflow)?;
    let out_one = per_batch(&out).ok_or_else(overflow)?;
    // Sizes beyond isize::MAX bytes cannot be slices (of f32 or i64).
    let limit = isize::MAX as usize / 8;
    if in_len.max(out_len).max(in_one).max(out_one) > limit {
        return Err(overflow());
    }
    Ok((in_len, out_len))
}

/// Whether an axis's index arithmetic (window starts, reaches, padding) fits in `isize`.
fn axis_fits(a: &Axis) -> bool {
    let reach = (a.out - 1)
        .checked_mul(a.stride)
        .zip((a.kernel - 1).checked_mul(a.dilation))
        .and_then(|(x, y)| x.checked_add(y));
    reach
        .and_then(|r| r.checked_add(a.size))
        .and_then(|r| r.checked_add(a.pad_begin))
        .and_then(|r| r.checked_add(a.pad_end))
        .is_some_and(|r| r <= isize::MAX as usize / 4)
}

/// Chooses the [`Work`] for three checked axes.
fn finish(
    kind: Kind,
    divisor: Divisor,
    shape: &[usize],
    input: [usize; 3],
    axes: [Axis; 3],
) -> Result<Plan, PoolError> {
    let overflow = || PoolError::Overflow {
        shape: shape.to_vec(),
    };
    let output = axes.map(|a| a.out);
    let (in_len, out_len) = lengths(shape, output)?;
    if !axes.iter().all(axis_fits) {
        return Err(overflow());
    }
    let [z, y, x] = axes;
    let full = |a: &Axis| {
        a.kernel == a.size
            && a.out == 1
            && a.pad_begin == 0
            && a.pad_end == 0
            && (a.dilation == 1 || a.kernel == 1)
    };
    let work = if full(&z) && full(&y) && full(&x) {
        // Global: one window over the whole volume, read as one `[d·h, w]` plane.
        let rows = z.size * y.size;
        let g = Geometry::from_axes(
            [
                Axis::symmetric(rows, 1, rows, 1, 0, 1),
                Axis::symmetric(x.size, 1, x.size, 1, 0, 1),
            ],
            divisor,
        );
        Work::Planes {
            g: g.ok_or_else(overflow)?,
            per_volume: 1,
        }
    } else if z.kernel == 1 && z.stride == 1 && z.pad_begin == 0 && z.out == z.size {
        // Each depth slice on its own (2-D and 1-D pools, and 3-D ones with kd = 1).
        let g = Geometry::from_axes([y, x], divisor).ok_or_else(overflow)?;
        Work::Planes {
            g,
            per_volume: z.size,
        }
    } else {
        let sums = match kind {
            Kind::Max => divisor,
            Kind::Avg => Divisor::Override(1),
        };
        Work::Depth {
            g: Geometry::from_axes([y, x], sums).ok_or_else(overflow)?,
            depth: z,
        }
    };
    let volumes = shape[0] * shape[1];
    Ok(Plan {
        kind,
        input,
        output,
        volumes,
        in_len,
        out_len,
        divisor,
        axes,
        work: if volumes == 0 { Work::Nothing } else { work },
    })
}

#[cfg(test)]
mod tests {
    use super::{output_size, same_padding};

    #[test]
    fn output_size_matches_pytorch_formula() {
        // d2l 4x4, window 3, pad 1, stride 2: floor((4+2-2-1)/2)+1 = 2.
        assert_eq!(output_size(4, 3, 2, 1, 1, 1, false), Some(2));
        // 112, k3 s2 p1 -> 56; ceil mode on 112 without pad: floor((112-3+1)/2)+1 = 56.
        assert_eq!(output_size(112, 3, 2, 1, 1, 1, false), Some(56));
        assert_eq!(output_size(112, 3, 2, 0, 0, 1, true), Some(56));
        // Ceil mode drops a window starting at or past n + p - p = n: n=5, k=2, s=2, p=1
        // gives ceil((5+2-2)/2)+1 = 4 windows starting at -1, 1, 3, 5; the last goes.
        assert_eq!(output_size(5, 2, 2, 1, 1, 1, true), Some(3));
        // n=4, k=2, s=3, p=1: (4+2-2+2)/3+1 = 3; last start 2*3=6 >= 4+1 -> 2.
        assert_eq!(output_size(4, 2, 3, 1, 1, 1, true), Some(2));
        assert_eq!(output_size(2, usize::MAX, 1, 0, 0, usize::MAX, false), None);
        // ONNX pads (1, 2) on 5 with k=3 s=2: floor((5+3-3)/2)+1 = 3.
        assert_eq!(output_size(5, 3, 2, 1, 2, 1, false), Some(3));
    }

    #[test]
    fn same_padding_splits_like_onnx() {
        // n=5, k=3, s=2: out 3, need (3-1)*2+3-5 = 2 -> 1 and 1.
        assert_eq!(same_padding(5, 3, 2, 1, true), Some((3, 1, 1)));
        // n=4, k=2, s=1: out 4, need 1: upper puts it at the end, lower at the start.
        assert_eq!(same_padding(4, 2, 1, 1, true), Some((4, 0, 1)));
        assert_eq!(same_padding(4, 2, 1, 1, false), Some((4, 1, 0)));
    }
}
