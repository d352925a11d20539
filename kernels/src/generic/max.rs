//! Max pooling, with and without argmax, in PyTorch's order.

use crate::geometry::{Geometry, RowTaps};
use crate::vector::{F32Vec, MAX_LANES};

use super::reduce::{cols, each_tap, tree, Reduce};

/// Max value only; `NAN`: inputs may hold NaN (PyTorch's step), else the input was
/// scanned and holds none (a plain `max` per tap: a third of the instructions on x86).
pub(crate) struct MaxOf<const NAN: bool>;
/// Max value and its flat index within the plane (`y·w + x`); `NAN` as for [`MaxOf`].
pub(crate) struct ArgMaxOf<const NAN: bool>;
/// Max over any input.
pub(crate) type Max = MaxOf<true>;
/// Argmax over any input.
pub(crate) type ArgMax = ArgMaxOf<true>;

/// The exact scalar window: PyTorch's loop, with the first in-bounds tap as the initial index.
///
/// # Safety
/// `src.len() >= g.plane_len()`.
#[inline(always)]
unsafe fn window(g: &Geometry, src: &[f32], t: &RowTaps, ox: usize) -> (f32, i64) {
    let w = g.input()[1];
    let [dh, dw] = g.dilation();
    let (x0, kx_lo, _, _) = cols(g, ox);
    let y0 = t.iy0 + (t.ky_lo * dh) as isize;
    let mut best = f32::NEG_INFINITY;
    let mut at = (y0 * w as isize + x0 + (kx_lo * dw) as isize) as i64;
    // SAFETY: forwarded from the caller.
    unsafe {
        each_tap(g, src, t, ox, |i, v| {
            if v > best || v.is_nan() {
                best = v;
                at = i as i64;
            }
        })
    };
    (best, at)
}

impl<const NAN: bool> Reduce for MaxOf<NAN> {
    const INDICES: bool = false;
    const DIVIDES: bool = false;
    const SCANS_NAN: bool = NAN;
    const FILL: f32 = f32::NEG_INFINITY;
    type State<V: F32Vec> = V;
    type NanFree = MaxOf<false>;

    #[inline(always)]
    unsafe fn start<V: F32Vec>(_first: V) -> V {
        // SAFETY: forwarded from the caller.
        unsafe { V::splat(f32::NEG_INFINITY) }
    }
    #[inline(always)]
    unsafe fn step<V: F32Vec>(s: V, v: V, _off: f32) -> V {
        if NAN {
            s.max_step(v)
        } else {
            s.max_first(v)
        }
    }
    #[inline(always)]
    unsafe fn merge<V: F32Vec>(s: V, h: V) -> V {
        // Exact: the step keeps the earliest maximum and the last NaN under any grouping.
        // SAFETY: forwarded from the caller.
        unsafe { Self::step(s, h, 0.0) }
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
    unsafe fn finish<V: F32Vec>(s: V, _div: V, out: *mut f32, _: *mut i64, _: isize, _: usize) {
        // SAFETY: the caller guarantees out[0..LANES] is writable.
        unsafe { s.store(out) }
    }
    #[inline(always)]
    unsafe fn one(g: &Geometry, src: &[f32], t: &RowTaps, ox: usize) -> (f32, i64) {
        // SAFETY: forwarded from the caller.
        unsafe { window(g, src, t, ox) }
    }
    #[inline(always)]
    unsafe fn contiguous<V: F32Vec>(src: *const f32, n: usize, _div: f32) -> Option<f32> {
        // SAFETY: forwarded from the caller.
        let l = V::LANES;
        // SAFETY: forwarded from the caller.
        let mut acc = [unsafe { V::splat(f32::NEG_INFINITY) }; 4];
        let mut i = 0;
        // Four independent chains: one would wait out each step's latency per vector.
        while i + 4 * l <= n {
            for (k, a) in acc.iter_mut().enumerate() {
                // SAFETY: src[i + k·l .. i + (k + 1)·l] is inside src[..n].
                *a = a.max_step(unsafe { V::load(src.add(i + k * l)) });
            }
            i += 4 * l;
        }
        while i + l <= n {
            // SAFETY: src[i..i + l] is inside src[..n].
            acc[0] = acc[0].max_step(unsafe { V::load(src.add(i)) });
            i += l;
        }
        let mut lanes = [0.0f32; MAX_LANES];
        let all = acc[0].max_step(acc[1]).max_step(acc[2].max_step(acc[3]));
        // SAFETY: LANES <= MAX_LANES.
        unsafe { all.store(lanes.as_mut_ptr()) };
        let mut best = tree(&mut lanes, l, |a, b| a.max_step(b));
        for j in i..n {
            // SAFETY: j < n, and src[..n] is readable.
            best = best.max_step(unsafe { *src.add(j) });
        }
        // Lanes lose the order between equal-comparing values with different bits (±0, NaN
        // payloads): only then does order matter, so redo those in order.
        if best == 0.0 || best.is_nan() {
            best = f32::NEG_INFINITY;
            for j in 0..n {
                // SAFETY: j < n.
                best = best.max_step(unsafe { *src.add(j) });
            }
        }
        Some(best)
    }
}

impl<const NAN: bool> Reduce for ArgMaxOf<NAN> {
    const INDICES: bool = true;
    const DIVIDES: bool = false;
    const SCANS_NAN: bool = NAN;
    const FILL: f32 = f32::NEG_INFINITY;
    type State<V: F32Vec> = (V, V);
    type NanFree = ArgMaxOf<false>;

    #[inline(always)]
    unsafe fn start<V: F32Vec>(first: V) -> (V, V) {
        // SAFETY: forwarded from the caller.
        unsafe { (V::splat(f32::NEG_INFINITY), first) }
    }
    #[inline(always)]
    unsafe fn step<V: F32Vec>((m, at): (V, V), v: V, off: f32) -> (V, V) {
        let take = if NAN { m.takes(v) } else { m.beats(v) };
        // SAFETY: forwarded from the caller.
        let off = unsafe { V::splat(off) };
        (V::select(take, v, m), V::select(take, off, at))
    }
    #[inline(always)]
    unsafe fn merge<V: F32Vec>((m, at): (V, V), (hm, hat): (V, V)) -> (V, V) {
        // Offsets in `h` must share the origin of `s`'s.
        let take = if NAN { m.takes(hm) } else { m.beats(hm) };
        (V::select(take, hm, m), V::select(take, hat, at))
    }
    #[inline(always)]
    unsafe fn park<V: F32Vec>((m, at): (V, V), v: *mut f32, a: *mut f32) {
        // SAFETY: v[0..LANES] and a[0..LANES] writable (caller).
        unsafe {
            m.store(v);
            at.store(a);
        }
    }
    #[inline(always)]
    unsafe fn unpark<V: F32Vec>(v: *const f32, a: *const f32, off: f32) -> (V, V) {
        // SAFETY: v[0..LANES] and a[0..LANES] readable (caller), who vouches for the ISA.
        unsafe { (V::load(v), V::load(a).add(V::splat(off))) }
    }
    #[inline(always)]
    unsafe fn finish<V: F32Vec>(
        (m, at): (V, V),
        _div: V,
        out: *mut f32,
        idx: *mut i64,
        origin: isize,
        sw: usize,
    ) {
        // SAFETY: out[0..LANES] and idx[0..LANES] writable (caller).
        unsafe {
            m.store(out);
            at.store_index(origin, sw, idx);
        }
    }
    #[inline(always)]
    unsafe fn one(g: &Geometry, src: &[f32], t: &RowTaps, ox: usize) -> (f32, i64) {
        // SAFETY: forwarded from the caller.
        unsafe { window(g, src, t, ox) }
    }
}

/// Whether `src[..n]` certainly holds no NaN (nor an infinity, nor values whose sum
/// overflows: those answer `false` too, and only cost the NaN-aware path). One add per
/// vector: much cheaper than the NaN test in every tap it saves.
///
/// # Safety
/// The CPU must support `V`'s ISA; `src[..n]` readable.
#[inline(always)]
pub(crate) unsafe fn nan_free<V: F32Vec>(src: *const f32, n: usize) -> bool {
    let l = V::LANES;
    // SAFETY: forwarded from the caller.
    let mut acc = [unsafe { V::splat(0.0) }; 4];
    let mut i = 0;
    // Four chains: one add's latency per vector would halve the scan's speed.
    while i + 4 * l <= n {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: src[i + k·l .. i + (k + 1)·l] is inside src[..n].
            *a = a.add(unsafe { V::load(src.add(i + k * l)) });
        }
        i += 4 * l;
    }
    while i + l <= n {
        // SAFETY: src[i..i + l] is inside src[..n].
        acc[0] = acc[0].add(unsafe { V::load(src.add(i)) });
        i += l;
    }
    let mut lanes = [0.0f32; MAX_LANES];
    // SAFETY: LANES <= MAX_LANES.
    unsafe {
        acc[0]
            .add(acc[1])
            .add(acc[2].add(acc[3]))
            .store(lanes.as_mut_ptr())
    };
    let mut sum = tree(&mut lanes, l, |a, b| a + b);
    for j in i..n {
        // SAFETY: j < n.
        sum += unsafe { *src.add(j) };
    }
    sum.is_finite()
}
