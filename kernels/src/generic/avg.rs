//! Average pooling: sum in PyTorch's order from 0.0, then divide.

use crate::geometry::{Geometry, RowTaps};
use crate::vector::{F32Vec, MAX_LANES};

use super::walk::{cols, Reduce};

/// Average with the geometry's divisor rule.
pub(crate) struct Avg;

impl Reduce for Avg {
    const INDICES: bool = false;
    type State<V: F32Vec> = V;

    #[inline(always)]
    unsafe fn start<V: F32Vec>(_first: f32) -> V {
        // SAFETY: forwarded from the caller.
        unsafe { V::splat(0.0) }
    }
    #[inline(always)]
    unsafe fn step<V: F32Vec>(s: V, v: V, _off: f32) -> V {
        s.add(v)
    }
    #[inline(always)]
    unsafe fn finish<V: F32Vec>(s: V, div: f32, out: *mut f32, _: *mut i64, _: isize, _: usize) {
        // SAFETY: ISA vouched by the caller; out[0..LANES] writable.
        unsafe { s.div(V::splat(div)).store(out) }
    }
    #[inline(always)]
    fn one(g: &Geometry, src: &[f32], t: &RowTaps, ox: usize) -> (f32, i64) {
        let w = g.input()[1];
        let [dh, dw] = g.dilation();
        let (x0, kx_lo, kx_hi, incl_x) = cols(g, ox);
        let mut sum = 0.0f32;
        for ky in t.ky_lo..t.ky_hi {
            let y = (t.iy0 + (ky * dh) as isize) as usize;
            for kx in kx_lo..kx_hi {
                sum += src[y * w + (x0 + (kx * dw) as isize) as usize];
            }
        }
        let ny = t.ky_hi.saturating_sub(t.ky_lo);
        let nx = kx_hi.saturating_sub(kx_lo);
        (sum / g.divide_by(ny, nx, t.incl, incl_x), 0)
    }
    #[inline(always)]
    unsafe fn contiguous<V: F32Vec>(src: *const f32, n: usize, div: f32) -> Option<f32> {
        // SAFETY: forwarded from the caller.
        let mut acc = unsafe { V::splat(0.0) };
        let mut i = 0;
        while i + V::LANES <= n {
            // SAFETY: src[i..i + LANES] is inside src[..n].
            acc = acc.add(unsafe { V::load(src.add(i)) });
            i += V::LANES;
        }
        let mut lanes = [0.0f32; MAX_LANES];
        // SAFETY: LANES <= MAX_LANES.
        unsafe { acc.store(lanes.as_mut_ptr()) };
        let mut sum: f32 = lanes[..V::LANES].iter().sum();
        for j in i..n {
            // SAFETY: j < n.
            sum += unsafe { *src.add(j) };
        }
        Some(sum / div)
    }
}
