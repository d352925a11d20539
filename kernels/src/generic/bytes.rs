//! Integer max pooling over channels-last pixels in the bytes themselves: one vector holds
//! `LANES` channels (32 on AVX2/AVX-512, 16 on NEON), each in-bounds tap is one load and one
//! `max`, up to four vectors in flight. (Fewer than 16 channels take the `f32` lanes instead,
//! see `Kernels::pixels`.) No NaN, no ties to keep apart, no widening: the `i8`/`u8`
//! path for max without indices (argmax and average widen to `f32` lanes in `pixels.rs`).
//! An empty window gives the type's lowest value, as PyTorch's integer max pooling does.

use crate::byte_vector::ByteVec;

use super::pixels::Window;

/// `K` vectors of channels `at..at + K·LANES` of window `w`.
///
/// # Safety
/// The CPU must support `V`'s ISA; `src` readable up to `w.reach` for those channels and
/// `out[at..at + K·LANES]` writable.
#[inline(always)]
unsafe fn block<V: ByteVec, const SIGNED: bool, const K: usize>(
    w: &Window,
    src: *const u8,
    out: *mut u8,
    at: usize,
) {
    let lowest = if SIGNED { 0x80 } else { 0 };
    // SAFETY: the caller vouches for the ISA.
    let mut acc = [unsafe { V::splat(lowest) }; K];
    let [nz, ny, nx] = w.count;
    let [sz, sy, sx] = w.step;
    let base = src.wrapping_add(w.offset + at);
    for a in 0..nz {
        for b in 0..ny {
            let row = base.wrapping_add(a * sz + b * sy);
            for t in 0..nx {
                let p = row.wrapping_add(t * sx);
                for (k, acc) in acc.iter_mut().enumerate() {
                    // SAFETY: tap (a, b, t) lies inside the window, whose reach the caller
                    // vouches for, at channels at + k·LANES.. within the pixel.
                    *acc = acc.max::<SIGNED>(unsafe { V::load(p.add(k * V::LANES)) });
                }
            }
        }
    }
    for (k, acc) in acc.into_iter().enumerate() {
        // SAFETY: out[at..at + K·LANES] writable (caller).
        unsafe { acc.store(out.add(at + k * V::LANES)) };
    }
}

/// Every channel `0..c` of `w` with vectors `V` (`c >= V::LANES`): four at a time, then two,
/// one, then one last vector ending at channel `c`.
///
/// # Safety
/// As [`block`], for all `c` channels.
#[inline(always)]
unsafe fn walk<V: ByteVec, const SIGNED: bool>(w: &Window, c: usize, src: *const u8, out: *mut u8) {
    let l = V::LANES;
    let mut at = 0;
    // SAFETY: every call reads and writes channels below c, which the caller vouches for.
    unsafe {
        while at + 4 * l <= c {
            block::<V, SIGNED, 4>(w, src, out, at);
            at += 4 * l;
        }
        if at + 2 * l <= c {
            block::<V, SIGNED, 2>(w, src, out, at);
            at += 2 * l;
        }
        if at + l <= c {
            block::<V, SIGNED, 1>(w, src, out, at);
            at += l;
        }
        if at < c {
            block::<V, SIGNED, 1>(w, src, out, c - l);
        }
    }
}

/// Max pooling of `windows.len()` output pixels of `c` channels each, bytes compared as `i8`
/// (`SIGNED`) or `u8`, from a channels-last `src` into `dst` (pixel `p` at
/// `dst[p·ld..p·ld + c]`).
///
/// # Safety
/// The CPU must support `V`'s and `T`'s ISAs; every window's [`Window::reach`] within `src`;
/// `dst` holds every pixel so placed.
#[inline(always)]
pub(crate) unsafe fn max_pixels<V: ByteVec, T: ByteVec, const SIGNED: bool>(
    windows: &[Window],
    c: usize,
    ld: usize,
    src: &[u8],
    dst: &mut [u8],
) {
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for (p, w) in windows.iter().enumerate() {
        let out = d.wrapping_add(p * ld);
        // SAFETY: forwarded from the caller; each rung is used only for c >= its lanes.
        unsafe {
            if c >= V::LANES {
                walk::<V, SIGNED>(w, c, s, out);
            } else if c >= T::LANES {
                walk::<T, SIGNED>(w, c, s, out);
            } else {
                walk::<u8, SIGNED>(w, c, s, out);
            }
        }
    }
    super::strategy::ran_n(super::Strategy::Pixels, windows.len());
}
