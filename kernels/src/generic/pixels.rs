//! Channels-last pooling (NLC, NHWC, NDHWC): one vector holds `LANES` channels of one output
//! pixel and each tap of the window is one contiguous load. No de-interleaving and no border
//! cases: the caller's [`Window`] lists only the taps inside the input, in PyTorch's order
//! (depth, then row, then column), so every reducer sees exactly PyTorch's sequence of taps
//! per channel (max and argmax bit-exact, average summed from `0.0` in window order).
//!
//! Channel tails: full vectors, then one last vector placed to end at the last channel
//! (a few channels recomputed, same results). Fewer channels than the widest vector use the
//! narrowest vector that holds them, spilling into the next pixel (see [`pixels`]); where
//! that cannot be done (the last pixel of a call, the end of the input) they walk down the
//! ISA's narrower vectors, and only fewer channels than the narrowest vector reach the
//! plain `f32` loop.
//!
//! Any element type: each tap is widened to `f32` lanes by the vector's converting load, and
//! the result narrowed by its converting store (through a stack vector, after the reducer's
//! own store), so the reduction itself is the `f32` one.

use crate::element::{DType, Element};
use crate::vector::{F32Vec, MAX_LANES};

use super::reduce::Reduce;

/// The taps of one output pixel inside a channels-last input: element offsets
/// `offset + a·step[0] + b·step[1] + t·step[2]` for `a < count[0]`, `b < count[1]`,
/// `t < count[2]`, each the first of the pixel's channels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    /// Element offset of the first tap.
    pub offset: usize,
    /// Taps per axis (depth, height, width); a zero leaves the window empty.
    pub count: [usize; 3],
    /// Element step between taps per axis.
    pub step: [usize; 3],
    /// Argmax: the index (flat within the spatial volume) of the first tap, or of PyTorch's
    /// first index when the window is empty.
    pub index: i64,
    /// Argmax: the index step between taps per axis.
    pub index_step: [usize; 3],
    /// Average: the sum is divided by each of these in turn (PyTorch's adaptive kernels
    /// divide by each axis's taps; regular windows divide once and leave `1.0`, exact).
    pub divide: [f32; 3],
    /// Average: then multiplied by this (`1.0`: not at all). PyTorch's quantized average
    /// multiplies the sum by `1 / divisor` instead of dividing.
    pub scale: f32,
}

impl Window {
    /// One past the largest element offset the window reads for `c` channels (`0` if empty).
    pub fn reach(&self, c: usize) -> Option<usize> {
        if self.count.contains(&0) {
            return Some(0);
        }
        (0..3).try_fold(self.offset.checked_add(c)?, |a, i| {
            a.checked_add((self.count[i] - 1).checked_mul(self.step[i])?)
        })
    }

    /// Whether `o` has the same tap counts, steps and index steps (so the two can be pooled
    /// in one tap loop).
    pub fn same_shape(&self, o: &Window) -> bool {
        self.count == o.count && self.step == o.step && self.index_step == o.index_step
    }

    /// The largest index offset from [`Window::index`] (argmax keeps it in an `f32` lane).
    pub fn index_reach(&self) -> Option<usize> {
        if self.count.contains(&0) {
            return Some(0);
        }
        (0..3).try_fold(0usize, |a, i| {
            a.checked_add((self.count[i] - 1).checked_mul(self.index_step[i])?)
        })
    }
}

/// `K` vectors of channels `at..at + K·LANES` of window `w`.
///
/// # Safety
/// The CPU must support `V`'s ISA; `src` readable up to `w.reach` for those channels, `dst`
/// (and `idx` when `R::INDICES`) writable for them; index offsets at most 2^24.
#[inline(always)]
unsafe fn block<V: F32Vec, R: Reduce, E: Element, const K: usize>(
    w: &Window,
    src: *const E,
    dst: *mut E,
    idx: *mut i64,
    at: usize,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let [s] = gather::<V, R, E, K, 1>(core::slice::from_ref(w), src, at);
        emit::<V, R, E, K>(w, s, dst, idx, at);
    }
}

/// The states of `K` vectors of channels `at..` of each of the `P` windows `ws`, which
/// share their tap counts and steps (one tap loop, `P·K` independent chains).
///
/// # Safety
/// As [`block`], for every window; `ws.len() == P`, all with `ws[0]`'s count, step and
/// index step.
#[inline(always)]
unsafe fn gather<V: F32Vec, R: Reduce, E: Element, const K: usize, const P: usize>(
    ws: &[Window],
    src: *const E,
    at: usize,
) -> [[R::State<V>; K]; P] {
    // SAFETY: the caller vouches for the ISA.
    let zero = unsafe { V::splat(0.0) };
    // SAFETY: as above.
    let mut s = [[unsafe { R::start(zero) }; K]; P];
    let w = &ws[0];
    let [nz, ny, nx] = w.count;
    let [sz, sy, sx] = w.step;
    let [iz, iy, ix] = w.index_step;
    let base: [*const E; P] = core::array::from_fn(|q| src.wrapping_add(ws[q].offset + at));
    for a in 0..nz {
        for b in 0..ny {
            let row = a * sz + b * sy;
            // Wrapping: index offsets are only read by argmax, whose reach was checked.
            let off = a.wrapping_mul(iz).wrapping_add(b.wrapping_mul(iy));
            for t in 0..nx {
                let tap = row + t * sx;
                let o = off.wrapping_add(t.wrapping_mul(ix)) as f32;
                for (s, base) in s.iter_mut().zip(base) {
                    let p = base.wrapping_add(tap);
                    for (k, s) in s.iter_mut().enumerate() {
                        // SAFETY: tap (a, b, t) lies inside the window, whose reach the
                        // caller vouches for, at channels at + k·LANES.. within the pixel.
                        *s = unsafe { R::step(*s, V::load_elem(p.add(k * V::LANES)), o) };
                    }
                }
            }
        }
    }
    s
}

/// Writes window `w`'s `K` vectors of states `s` (channels `at..`): divided as the window
/// says, narrowed to `E`.
///
/// # Safety
/// As [`block`].
#[inline(always)]
unsafe fn emit<V: F32Vec, R: Reduce, E: Element, const K: usize>(
    w: &Window,
    s: [R::State<V>; K],
    dst: *mut E,
    idx: *mut i64,
    at: usize,
) {
    // SAFETY: the caller vouches for the ISA.
    let div = unsafe { V::splat(w.divide[0]) };
    let again = R::DIVIDES && (w.divide[1] != 1.0 || w.divide[2] != 1.0);
    let scaled = R::DIVIDES && w.scale != 1.0;
    for (k, s) in s.into_iter().enumerate() {
        let out = dst.wrapping_add(at + k * V::LANES);
        let idx = idx.wrapping_add(at + k * V::LANES);
        let origin = w.index as isize;
        // SAFETY: out and idx hold these lanes (caller); `tmp` holds LANES values.
        unsafe {
            if E::DTYPE == DType::F32 && !again && !scaled {
                // `E` is `f32` (the tag names the type).
                R::finish(s, div, out.cast::<f32>(), idx, origin, 0);
                continue;
            }
            let mut tmp = [0.0f32; MAX_LANES];
            R::finish(s, div, tmp.as_mut_ptr(), idx, origin, 0);
            let mut v = V::load(tmp.as_ptr());
            if again {
                v = v.div(V::splat(w.divide[1])).div(V::splat(w.divide[2]));
            }
            if scaled {
                v = v.mul(V::splat(w.scale));
            }
            v.store_elem(out);
        }
    }
}

/// Output pixels of `c = K·LANES` channels (one or two vectors), up to `P` at a time where
/// neighbouring windows share their shape: one vector per pixel leaves a single dependent
/// chain of taps (latency-bound), `P` pixels run `P·K` chains. Channel blocks
/// (`channel_block.rs`) pool every small-plane call this way.
///
/// # Safety
/// As [`pixels`], with `c == K·V::LANES`; `P` is 8, 4 or 2; `uniform` only if every
/// window has the first one's shape ([`Window::same_shape`]).
#[inline(always)]
unsafe fn narrow<V: F32Vec, R: Reduce, E: Element, const K: usize, const P: usize>(
    windows: &[Window],
    uniform: bool,
    ld: usize,
    src: *const E,
    dst: *mut E,
    idx: *mut i64,
) {
    let mut p = 0;
    while p < windows.len() {
        let ws = &windows[p..];
        let run = if uniform {
            ws.len()
        } else {
            1 + ws[1..ws.len().min(P)]
                .iter()
                .take_while(|w| w.same_shape(&ws[0]))
                .count()
        };
        let (d, i) = (dst.wrapping_add(p * ld), idx.wrapping_add(p * ld));
        // SAFETY: forwarded from the caller, for the `run` pixels from `p`.
        p += unsafe {
            if P >= 8 && run >= 8 {
                group::<V, R, E, K, 8>(ws, ld, src, d, i)
            } else if P >= 4 && run >= 4 {
                group::<V, R, E, K, 4>(ws, ld, src, d, i)
            } else if run >= 2 {
                group::<V, R, E, K, 2>(ws, ld, src, d, i)
            } else {
                group::<V, R, E, K, 1>(ws, ld, src, d, i)
            }
        };
    }
}

/// The first `P` windows of `ws` (one shape) into pixels `ld` apart from `dst`; returns `P`.
///
/// # Safety
/// As [`narrow`], for those pixels.
#[inline(always)]
unsafe fn group<V: F32Vec, R: Reduce, E: Element, const K: usize, const P: usize>(
    ws: &[Window],
    ld: usize,
    src: *const E,
    dst: *mut E,
    idx: *mut i64,
) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe {
        let s = gather::<V, R, E, K, P>(&ws[..P], src, 0);
        for (q, s) in s.into_iter().enumerate() {
            let at = q * ld;
            emit::<V, R, E, K>(&ws[q], s, dst.wrapping_add(at), idx.wrapping_add(at), 0);
        }
    }
    P
}

/// Every channel of `w` with vectors `V`: eight at a time (independent chains: an average of
/// four was latency-bound), then four, two, one, then one last vector ending at channel `c`
/// (so `c >= LANES`).
///
/// # Safety
/// As [`block`], for all `c` channels, `c >= V::LANES`.
#[inline(always)]
unsafe fn walk<V: F32Vec, R: Reduce, E: Element>(
    w: &Window,
    c: usize,
    src: *const E,
    dst: *mut E,
    idx: *mut i64,
) {
    let l = V::LANES;
    let mut at = 0;
    // SAFETY: every call reads and writes channels at.. below c, which the caller vouches for.
    unsafe {
        while at + 8 * l <= c {
            block::<V, R, E, 8>(w, src, dst, idx, at);
            at += 8 * l;
        }
        if at + 4 * l <= c {
            block::<V, R, E, 4>(w, src, dst, idx, at);
            at += 4 * l;
        }
        if at + 2 * l <= c {
            block::<V, R, E, 2>(w, src, dst, idx, at);
            at += 2 * l;
        }
        if at + l <= c {
            block::<V, R, E, 1>(w, src, dst, idx, at);
            at += l;
        }
        if at < c {
            block::<V, R, E, 1>(w, src, dst, idx, c - l);
        }
    }
}

/// Pools `windows.len()` output pixels of `c` channels each from a channels-last `src` into
/// `dst` (pixel `p` at `dst[p·ld..p·ld + c]`), indices into `idx` for argmax.
///
/// # Safety
/// The CPU must support `V`'s and `T`'s ISAs; every window's [`Window::reach`] plus `slack`
/// within `src`; `dst` (and `idx` when `R::INDICES`) hold every pixel so placed; argmax
/// index reaches at most 2^24; `uniform` only if every window has the first one's shape.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn pixels<V: F32Vec, T: F32Vec, R: Reduce, E: Element>(
    windows: &[Window],
    c: usize,
    ld: usize,
    slack: usize,
    uniform: bool,
    src: &[E],
    dst: &mut [E],
    idx: &mut [i64],
) {
    let (s, d, i) = (src.as_ptr(), dst.as_mut_ptr(), idx.as_mut_ptr());
    let h = <T::Half as F32Vec>::LANES;
    // Fewer channels than the widest vector: the narrowest vector that holds them all, its
    // extra lanes spilling into the next pixel (read: the next pixel's first channels,
    // inside the input; written: overwritten by the next pixel's own store). One vector
    // per tap instead of a lane-by-lane loop for images (c = 3) or two overlapped vectors.
    let spill = ld == c && c < V::LANES && c != h && c != T::LANES;
    if V::LANES > 1 && c == V::LANES {
        // SAFETY: forwarded from the caller; c is one vector.
        unsafe { narrow::<V, R, E, 1, 8>(windows, uniform, ld, s, d, i) };
        super::strategy::ran_n(super::Strategy::Pixels, windows.len());
        return;
    }
    if V::LANES > 1 && c == 2 * V::LANES {
        // SAFETY: forwarded from the caller; c is two vectors.
        unsafe { narrow::<V, R, E, 2, 4>(windows, uniform, ld, s, d, i) };
        super::strategy::ran_n(super::Strategy::Pixels, windows.len());
        return;
    }
    let last = windows.len().saturating_sub(1);
    for (p, w) in windows.iter().enumerate() {
        let (d, i) = (d.wrapping_add(p * ld), i.wrapping_add(p * ld));
        // Spilling needs a next pixel to overwrite the extra lanes and input to read them.
        let room = |lanes: usize| p < last && lanes - c <= slack;
        // SAFETY: forwarded from the caller; each rung is used only for c >= its lanes, or
        // (spilling) where `room` checked the extra lanes' reads and a next pixel's writes.
        unsafe {
            if spill && c <= h && h > 1 && room(h) {
                block::<T::Half, R, E, 1>(w, s, d, i, 0);
            } else if spill && c <= T::LANES && T::LANES > 1 && room(T::LANES) {
                block::<T, R, E, 1>(w, s, d, i, 0);
            } else if spill && room(V::LANES) {
                block::<V, R, E, 1>(w, s, d, i, 0);
            } else if c >= V::LANES {
                walk::<V, R, E>(w, c, s, d, i);
            } else if c >= T::LANES {
                walk::<T, R, E>(w, c, s, d, i);
            } else if c >= h {
                walk::<T::Half, R, E>(w, c, s, d, i);
            } else {
                walk::<f32, R, E>(w, c, s, d, i);
            }
        }
    }
    super::strategy::ran_n(super::Strategy::Pixels, windows.len());
}
