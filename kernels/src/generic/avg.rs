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
    unsafe fn park<V: F32Vec>(s: V, v: *mut f32, _at: *mut f32) {
        // SAFETY: v[0..LANES] writable (caller).
        unsafe { s.store(v) }
    }
    #[inline(always)]
    unsafe fn unpark<V: F32Vec>(v: *const f32, _at: *const f32, _off: f32) -> V {
        // SAFETY: v[0..LANES] readable (caller), who vouches for the ISA.
        unsafe { V::load(v) }
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
    unsafe fn regroups<V: F32Vec>(src: *const f32, n: usize, taps: usize) -> bool {
        // Another grouping only rounds differently, unless a partial sum overflows in one
        // order and not the other (PyTorch's MAX + MAX - MAX is inf). No partial sum of any
        // order can exceed taps * max|x| * e (rounding growth, taps < 2^24), so regroup only
        // below a quarter of f32::MAX; a NaN or inf input fails the test too.
        // SAFETY: forwarded from the caller.
        let (mut m, neg) = unsafe { (V::splat(0.0), V::splat(-1.0)) };
        let mut i = 0;
        while i + V::LANES <= n {
            // SAFETY: src[i..i + LANES] is inside src[..n].
            let v = unsafe { V::load(src.add(i)) };
            m = m.max_step(v.max_step(v.mul(neg)));
            i += V::LANES;
        }
        let mut lanes = [0.0f32; MAX_LANES];
        // SAFETY: LANES <= MAX_LANES.
        unsafe { m.store(lanes.as_mut_ptr()) };
        let tail = (i..n).map(|j| {
            // SAFETY: j < n.
            unsafe { *src.add(j) }.abs()
        });
        let big = lanes[..V::LANES]
            .iter()
            .copied()
            .chain(tail)
            .fold(0.0f32, f32::max_step);
        (big as f64) * (taps as f64) < f32::MAX as f64 / 4.0
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
        // Lane order moves overflow around (inf + -inf = NaN where PyTorch's order gives inf,
        // or finite where PyTorch's partial sum overflows): redo those in PyTorch's order.
        // SAFETY: forwarded from the caller.
        if !sum.is_finite() || !unsafe { Self::regroups::<V>(src, n, n) } {
            sum = 0.0;
            for j in 0..n {
                // SAFETY: j < n.
                sum += unsafe { *src.add(j) };
            }
        }
        Some(sum / div)
    }
}
