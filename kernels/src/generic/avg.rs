//! Average pooling: sum in PyTorch's order from 0.0, then divide.

use crate::geometry::{Geometry, RowTaps};
use crate::vector::{F32Vec, MAX_LANES};

use super::walk::{each_tap, Reduce};

/// Average with the geometry's divisor rule.
pub(crate) struct Avg;

impl Reduce for Avg {
    const INDICES: bool = false;
    // Adding +0.0 is exact here: the sum starts at +0.0, so it is never -0.0.
    const DIVIDES: bool = true;
    const FILL: f32 = 0.0;
    type State<V: F32Vec> = V;

    #[inline(always)]
    unsafe fn start<V: F32Vec>(_first: V) -> V {
        // SAFETY: forwarded from the caller.
        unsafe { V::splat(0.0) }
    }
    #[inline(always)]
    unsafe fn step<V: F32Vec>(s: V, v: V, _off: f32) -> V {
        s.add(v)
    }
    #[inline(always)]
    unsafe fn merge<V: F32Vec>(s: V, h: V) -> V {
        // Row sums, then their sum: PyTorch's order up to rounding (within 1e-5 relative).
        s.add(h)
    }
    #[inline(always)]
    unsafe fn finish<V: F32Vec>(s: V, div: V, out: *mut f32, _: *mut i64, _: isize, _: usize) {
        // SAFETY: out[0..LANES] writable (caller).
        unsafe { s.div(div).store(out) }
    }
    #[inline(always)]
    unsafe fn one(g: &Geometry, src: &[f32], t: &RowTaps, ox: usize) -> (f32, i64) {
        let mut sum = 0.0f32;
        // SAFETY: forwarded from the caller.
        let (nx, incl_x) = unsafe { each_tap(g, src, t, ox, |_, v| sum += v) };
        let ny = t.ky_hi.saturating_sub(t.ky_lo);
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
        // Lane order moves overflow around (inf + -inf = NaN where PyTorch's order gives inf):
        // a non-finite sum is redone in PyTorch's order.
        if !sum.is_finite() {
            sum = 0.0;
            for j in 0..n {
                // SAFETY: j < n.
                sum += unsafe { *src.add(j) };
            }
        }
        Some(sum / div)
    }
}
