//! Average pooling: sum in PyTorch's order from 0.0, then divide.

use crate::geometry::{Geometry, RowTaps};
use crate::vector::{F32Vec, MAX_LANES};

use super::reduce::{each_tap, tree, Reduce};

/// Average with the geometry's divisor rule.
pub(crate) struct Avg;

impl Reduce for Avg {
    const INDICES: bool = false;
    // Adding +0.0 is exact here: the sum starts at +0.0, so it is never -0.0.
    const DIVIDES: bool = true;
    const SCANS_NAN: bool = false;
    const FILL: f32 = 0.0;
    type State<V: F32Vec> = V;
    type NanFree = Avg;

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
        // SAFETY: forwarded from the caller.
        let (sum, peak) = unsafe { sum_and_magnitude::<V, false>(src, n) };
        sum.is_finite() && small(peak, taps)
    }
    #[inline(always)]
    unsafe fn contiguous<V: F32Vec>(src: *const f32, n: usize, div: f32) -> Option<f32> {
        // SAFETY: forwarded from the caller.
        let (sum, mass) = unsafe { sum_and_magnitude::<V, true>(src, n) };
        // Lane order moves overflow around (inf + -inf = NaN where PyTorch's order gives inf,
        // or finite where PyTorch's partial sum overflows): redo those in PyTorch's order,
        // out of line (if-converted, the redo's select cost a third of a 7×7 global average
        // on AVX-512).
        // No partial sum in any order exceeds the sum of magnitudes, up to rounding: below
        // 2^24 terms every float sum is within a factor e of the exact one, so the computed
        // mass is at least the exact one / e and partial sums at most e times the exact one
        // (e² / 8 < 1); a NaN or infinite input fails the test.
        if !(mass < f32::MAX / 8.0 && n < 1 << 24) {
            // SAFETY: forwarded from the caller.
            return Some(unsafe { in_order(src, n) } / div);
        }
        Some(sum / div)
    }
    #[inline(always)]
    unsafe fn contiguous_lanes<V: F32Vec>(
        src: *const f32,
        stride: usize,
        n: usize,
        div: f32,
        out: *mut f32,
    ) -> bool {
        // Each run summed in vector lanes, then one transpose folds the lanes of all of them
        // (a fold per run was most of ResNet's 7×7 head: 2048 runs of 49 values).
        let l = V::LANES;
        let full = n / l * l;
        // SAFETY: the caller vouches for the ISA.
        let zero = unsafe { V::splat(0.0) };
        let mut sums = [zero; MAX_LANES];
        let mut tails = [0.0f32; MAX_LANES];
        let (mut peak, mut tail_peak) = (zero, 0.0f32);
        for p in 0..l {
            let run = src.wrapping_add(p * stride);
            // Two chains (a loop-carried add waits out its latency per vector).
            let (mut a0, mut a1, mut m0, mut m1) = (zero, zero, zero, zero);
            let mut i = 0;
            while i + 2 * l <= full {
                // SAFETY: run[i..i + 2l] lies inside the run (i + 2l <= full <= n).
                let (v0, v1) = unsafe { (V::load(run.add(i)), V::load(run.add(i + l))) };
                (a0, m0) = (a0.add(v0), m0.max_any(v0.abs()));
                (a1, m1) = (a1.add(v1), m1.max_any(v1.abs()));
                i += 2 * l;
            }
            if i < full {
                // SAFETY: run[i..i + l] lies inside the run (i + l <= full).
                let v0 = unsafe { V::load(run.add(i)) };
                (a0, m0) = (a0.add(v0), m0.max_any(v0.abs()));
            }
            sums[p] = a0.add(a1);
            peak = peak.max_any(m0.max_any(m1));
            for j in full..n {
                // SAFETY: j < n.
                let v = unsafe { *run.add(j) };
                tails[p] += v;
                tail_peak = tail_peak.max(v.abs());
            }
        }
        // SAFETY: the ISA is the caller's; `tails` and `top` hold LANES values.
        let (sum, peak) = unsafe {
            V::transpose(&mut sums);
            let mut s = V::load(tails.as_ptr());
            for row in &sums[..l] {
                s = s.add(*row);
            }
            let mut top = [0.0f32; MAX_LANES];
            peak.store(top.as_mut_ptr());
            (
                s.div(V::splat(div)),
                tree(&mut top, l, f32::max).max(tail_peak),
            )
        };
        // Every finite sum of values below this bound matches PyTorch's order up to
        // rounding (no partial sum of any order overflows); NaN and infinite inputs make the
        // sum non-finite, and those runs are redone in PyTorch's order.
        if !small(peak, n) {
            return false;
        }
        // SAFETY: out[..LANES] writable (caller).
        unsafe { sum.store(out) };
        for p in 0..l {
            // SAFETY: lane p written just above; run p readable (caller).
            unsafe {
                if !(*out.add(p)).is_finite() {
                    *out.add(p) = in_order(src.wrapping_add(p * stride), n) / div;
                }
            }
        }
        true
    }
}

/// The sum of `src[..n]` in PyTorch's order.
///
/// # Safety
/// `src[..n]` readable.
#[cold]
#[inline(never)]
unsafe fn in_order(src: *const f32, n: usize) -> f32 {
    let mut sum = 0.0;
    for j in 0..n {
        // SAFETY: j < n.
        sum += unsafe { *src.add(j) };
    }
    sum
}

/// The sum of `src[..n]` in vector lanes, and of its magnitudes: their sum when `MASS`
/// (an add per vector, what a contiguous window's overflow test needs), else the largest
/// (the ISA's plain max; meaningless when the sum is not finite: a NaN input makes the sum
/// NaN).
///
/// # Safety
/// The CPU must support `V`'s ISA; `src[..n]` readable.
#[inline(always)]
unsafe fn sum_and_magnitude<V: F32Vec, const MASS: bool>(src: *const f32, n: usize) -> (f32, f32) {
    let l = V::LANES;
    // SAFETY: forwarded from the caller.
    let zero = unsafe { V::splat(0.0) };
    // Two independent chains each (a loop-carried add waits out its latency per vector).
    let (mut acc, mut mag) = ([zero; 2], [zero; 2]);
    let mut i = 0;
    while i + 2 * l <= n {
        for k in 0..2 {
            // SAFETY: src[i + k·l .. i + (k + 1)·l] is inside src[..n].
            let v = unsafe { V::load(src.add(i + k * l)) };
            (acc[k], mag[k]) = (acc[k].add(v), grow::<V, MASS>(mag[k], v));
        }
        i += 2 * l;
    }
    if i + l <= n {
        // SAFETY: src[i..i + l] is inside src[..n].
        let v = unsafe { V::load(src.add(i)) };
        (acc[0], mag[0]) = (acc[0].add(v), grow::<V, MASS>(mag[0], v));
        i += l;
    }
    let (mut a, mut b) = ([0.0f32; MAX_LANES], [0.0f32; MAX_LANES]);
    // SAFETY: LANES <= MAX_LANES.
    unsafe {
        acc[0].add(acc[1]).store(a.as_mut_ptr());
        let both = if MASS {
            mag[0].add(mag[1])
        } else {
            mag[0].max_any(mag[1])
        };
        both.store(b.as_mut_ptr());
    }
    let mut sum = tree(&mut a, l, |x, y| x + y);
    let mut top = tree(&mut b, l, if MASS { |x, y| x + y } else { f32::max });
    for j in i..n {
        // SAFETY: j < n.
        let v = unsafe { *src.add(j) };
        sum += v;
        top = if MASS {
            top + v.abs()
        } else {
            top.max(v.abs())
        };
    }
    (sum, top)
}

/// Folds `|v|` into the magnitude accumulator `m` of [`sum_and_magnitude`] (a function, not
/// a closure: closures do not inherit `#[inline(always)]`, and out of line the intrinsics
/// lose their target features).
#[inline(always)]
fn grow<V: F32Vec, const MASS: bool>(m: V, v: V) -> V {
    if MASS {
        m.add(v.abs())
    } else {
        m.max_any(v.abs())
    }
}

/// Whether windows of `taps` values of magnitude at most `peak` can be summed in any grouping
/// without a partial sum overflowing: any partial sum of any order stays below
/// `taps · peak · (1 + 2^-24)^taps`, at most `e · taps · peak` below 2^24 taps. An infinite
/// `peak` fails.
#[inline(always)]
fn small(peak: f32, taps: usize) -> bool {
    taps < 1 << 24 && (peak as f64) * (taps as f64) < f32::MAX as f64 / 4.0
}
