//! Validation and planning: everything about a call that can be decided before any output is
//! touched. A `Plan` exists only for a call that will succeed.

use simdpool_kernels::{Divisor, Geometry};

use crate::params::{Kind, Pool2d};
use crate::PoolError;

/// A checked call: shapes, and the geometry every plane shares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) out: [usize; 4],
    /// `None` when there is nothing to compute (batch 0).
    pub(crate) geom: Option<Geometry>,
    pub(crate) in_len: usize,
    pub(crate) out_len: usize,
}

/// PyTorch's `pooling_output_shape`: floor (or ceil) division, then in ceil mode drop a last
/// window that would start past the input and its leading padding. `None` if the window's
/// reach overflows (it then certainly does not fit).
fn output_size(n: usize, k: usize, s: usize, p: usize, d: usize, ceil: bool) -> Option<i128> {
    let (n, k, s, p, d) = (n as i128, k as i128, s as i128, p as i128, d as i128);
    let reach = d.checked_mul(k - 1)?;
    let num = n + 2 * p - reach - 1 + if ceil { s - 1 } else { 0 };
    let mut o = num.div_euclid(s) + 1;
    if ceil && (o - 1) * s >= n + p {
        o -= 1;
    }
    Some(o)
}

impl Pool2d {
    /// The parameter checks PyTorch makes before looking at the input.
    fn check_params(&self) -> Result<[usize; 2], PoolError> {
        let stride = self.stride.unwrap_or(self.kernel);
        for (name, value) in [
            ("kernel_size", self.kernel),
            ("stride", stride),
            ("dilation", self.dilation),
        ] {
            if value.contains(&0) {
                return Err(PoolError::ZeroParam { name, value });
            }
        }
        if self.padding[0] > self.kernel[0] / 2 || self.padding[1] > self.kernel[1] / 2 {
            return Err(PoolError::PaddingTooLarge {
                padding: self.padding,
                kernel: self.kernel,
            });
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

    /// The output shape `[n, c, oh, ow]` for an input of shape `[n, c, h, w]`, or why the
    /// parameters and shape are rejected.
    pub fn output_shape(&self, shape: [usize; 4]) -> Result<[usize; 4], PoolError> {
        self.plan(shape).map(|p| p.out)
    }

    pub(crate) fn plan(&self, shape: [usize; 4]) -> Result<Plan, PoolError> {
        let stride = self.check_params()?;
        let [n, c, h, w] = shape;
        if c == 0 || h == 0 || w == 0 {
            return Err(PoolError::EmptyInput { shape });
        }
        let size = |i: usize, len: usize| {
            let (k, p, d) = (self.kernel[i], self.padding[i], self.dilation[i]);
            output_size(len, k, stride[i], p, d, self.ceil_mode).unwrap_or(i128::MIN)
        };
        let (oh, ow) = (size(0, h), size(1, w));
        if oh < 1 || ow < 1 {
            let shown = |o: i128| if o == i128::MIN { -1 } else { o };
            return Err(PoolError::OutputTooSmall {
                shape,
                output: [shown(oh), shown(ow)],
            });
        }
        let overflow = PoolError::Overflow { shape };
        let (Ok(oh), Ok(ow)) = (usize::try_from(oh), usize::try_from(ow)) else {
            return Err(overflow);
        };
        let in_len = n
            .checked_mul(c)
            .and_then(|v| v.checked_mul(h))
            .and_then(|v| v.checked_mul(w));
        let out_len = n
            .checked_mul(c)
            .and_then(|v| v.checked_mul(oh))
            .and_then(|v| v.checked_mul(ow));
        let (Some(in_len), Some(out_len)) = (in_len, out_len) else {
            return Err(overflow);
        };
        let divisor = match (self.divisor_override, self.count_include_pad) {
            (Some(d), _) => Divisor::Override(d as u64),
            (None, Some(false)) => Divisor::ExcludePad,
            (None, _) => Divisor::IncludePad,
        };
        let geom = Geometry::new(
            [h, w],
            [oh, ow],
            self.kernel,
            stride,
            self.padding,
            self.dilation,
            divisor,
        )
        .ok_or(overflow)?;
        // Sizes beyond isize::MAX bytes cannot be slices; the geometry check covers the plane.
        if in_len > isize::MAX as usize / 8 || out_len > isize::MAX as usize / 8 {
            return Err(PoolError::Overflow { shape });
        }
        Ok(Plan {
            out: [n, c, oh, ow],
            geom: (n > 0).then_some(geom),
            in_len,
            out_len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::output_size;

    #[test]
    fn output_size_matches_pytorch_formula() {
        // d2l 4x4, window 3, pad 1, stride 2: floor((4+2-2-1)/2)+1 = 2.
        assert_eq!(output_size(4, 3, 2, 1, 1, false), Some(2));
        // 112, k3 s2 p1 -> 56; ceil mode on 112 without pad: floor((112-3+1)/2)+1 = 56.
        assert_eq!(output_size(112, 3, 2, 1, 1, false), Some(56));
        assert_eq!(output_size(112, 3, 2, 0, 1, true), Some(56));
        // Ceil mode drops a window starting at or past n + p - p = n: n=5, k=2, s=2, p=1
        // gives ceil((5+2-2)/2)+1 = 4 windows starting at -1, 1, 3, 5; the last goes.
        assert_eq!(output_size(5, 2, 2, 1, 1, true), Some(3));
        // n=4, k=2, s=3, p=1: (4+2-2+2)/3+1 = 3; last start 2*3=6 >= 4+1 -> 2.
        assert_eq!(output_size(4, 2, 3, 1, 1, true), Some(2));
        assert_eq!(output_size(2, usize::MAX, 1, 0, usize::MAX, false), None);
    }
}
