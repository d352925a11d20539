//! The row driver shared by every reducer: borders, vector interior, tails.

use core::ops::Range;

use crate::geometry::{taps, Geometry, RowTaps};
use crate::vector::F32Vec;

/// One reduction (max, argmax, average) in the vocabulary of [`F32Vec`].
pub(crate) trait Reduce {
    /// Whether the reducer writes indices.
    const INDICES: bool;
    /// Per-window state held in `V`'s lanes.
    type State<V: F32Vec>: Copy;

    /// The state before the first tap; `first` is the offset of the first in-bounds tap
    /// from the window origin (for argmax).
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    unsafe fn start<V: F32Vec>(first: f32) -> Self::State<V>;

    /// Folds in tap `v`, found at offset `off` from the window origin.
    ///
    /// # Safety
    /// As [`Reduce::start`].
    unsafe fn step<V: F32Vec>(s: Self::State<V>, v: V, off: f32) -> Self::State<V>;

    /// Writes `LANES` results; lane `l`'s window origin is `origin + l·sw` (for argmax).
    ///
    /// # Safety
    /// `out[0..LANES]` must be writable, and `idx[0..LANES]` when [`Reduce::INDICES`].
    unsafe fn finish<V: F32Vec>(
        s: Self::State<V>,
        div: f32,
        out: *mut f32,
        idx: *mut i64,
        origin: isize,
        sw: usize,
    );

    /// One output, exactly, with every tap bounds-checked (borders and fallbacks).
    /// Returns the value and (for argmax) the flat index.
    fn one(g: &Geometry, src: &[f32], t: &RowTaps, ox: usize) -> (f32, i64);

    /// The reduction of the contiguous run `src[..n]` for global windows, if this reducer
    /// has such a path.
    ///
    /// # Safety
    /// As [`Reduce::start`], and `src[..n]` must be readable.
    #[inline(always)]
    unsafe fn contiguous<V: F32Vec>(_src: *const f32, _n: usize, _div: f32) -> Option<f32> {
        None
    }
}

/// The horizontal taps of output column `ox`: (first input column, taps inside `[lo, hi)`,
/// taps inside input plus padding).
#[inline(always)]
pub(crate) fn cols(g: &Geometry, ox: usize) -> (isize, usize, usize, usize) {
    let x0 = g.col0(ox);
    let (lo, hi, incl) = taps(
        x0,
        g.kernel()[1],
        g.dilation()[1],
        g.input()[1],
        g.padding()[1],
    );
    (x0, lo, hi, incl)
}

/// Pools output rows `rows` of one plane: `src` is the whole input plane, `dst` (and `idx`
/// when `R::INDICES`) hold exactly those rows.
///
/// # Safety
/// The CPU must support the ISAs of `V` and `T`; `T::LANES <= V::LANES`.
/// The slices must be sized for `g`: `src.len() >= g.plane_len()`,
/// `dst.len() >= rows.len() * ow`, likewise `idx` when `R::INDICES`, `rows.end <= oh`.
#[inline(always)]
pub(crate) unsafe fn plane<V: F32Vec, T: F32Vec, R: Reduce>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
) {
    let ow = g.output()[1];
    debug_assert!(src.len() >= g.plane_len(), "input plane too short");
    debug_assert!(dst.len() >= rows.len() * ow, "output rows too short");
    debug_assert!(
        !R::INDICES || idx.len() >= rows.len() * ow,
        "index rows too short"
    );
    debug_assert!(rows.end <= g.output()[0], "rows past the output");
    if g.is_contiguous_global() && !R::INDICES {
        let [kh, kw] = g.kernel();
        let div = g.divide_by(kh, kw, kh, kw);
        // SAFETY: the caller vouches for V's ISA; kh <= h so kh*w elements are in `src`.
        if let Some(v) = unsafe { R::contiguous::<V>(src.as_ptr(), kh * kw, div) } {
            dst[0] = v;
            return;
        }
    }
    // Monomorphize the shapes that dominate real networks, so their tap loops unroll.
    // SAFETY: every arm forwards this function's contract.
    unsafe {
        match (g.stride()[1], g.kernel()[1]) {
            (1, 2) => walk::<V, T, R, 1, 2>(g, src, dst, idx, rows),
            (1, 3) => walk::<V, T, R, 1, 3>(g, src, dst, idx, rows),
            (2, 2) => walk::<V, T, R, 2, 2>(g, src, dst, idx, rows),
            (2, 3) => walk::<V, T, R, 2, 3>(g, src, dst, idx, rows),
            (1, _) => walk::<V, T, R, 1, 0>(g, src, dst, idx, rows),
            (2, _) => walk::<V, T, R, 2, 0>(g, src, dst, idx, rows),
            (_, _) => walk::<V, T, R, 0, 0>(g, src, dst, idx, rows),
        }
    }
}

/// [`plane`] with the horizontal stride `S` and kernel width `KW` fixed (0: read from `g`).
///
/// # Safety
/// As [`plane`].
#[inline(always)]
unsafe fn walk<V: F32Vec, T: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
) {
    let ow = g.output()[1];
    let kw = g.kernel()[1];
    let interior = g.interior();
    // Stride-2 loads read one element past the last tap.
    let end = if S == 2 {
        g.interior_end_even()
    } else {
        interior.end
    };
    // Argmax carries offsets in f32 lanes: exact only below 2^24.
    let vectors = !R::INDICES || g.plane_len() <= 1 << 24;
    let span = if vectors { interior.start..end } else { 0..0 };
    for (r, oy) in rows.enumerate() {
        let t = g.row(oy);
        let out = &mut dst[r * ow..(r + 1) * ow];
        let ix: &mut [i64] = if R::INDICES {
            &mut idx[r * ow..(r + 1) * ow]
        } else {
            &mut []
        };
        let div = g.divide_by(t.ky_hi.saturating_sub(t.ky_lo), kw, t.incl, kw);
        let mut ox = 0;
        while ox < span.start {
            put::<R>(g, src, &t, ox, out, ix);
            ox += 1;
        }
        // SAFETY: [span) is inside the interior (every tap in the row, plus the spare
        // element for S == 2) and the row slices hold `ow` outputs; ISAs vouched by caller.
        unsafe {
            ox = run::<V, R, S, KW>(g, src, &t, span.clone(), div, out, ix);
            if ox == span.start {
                ox = run::<T, R, S, KW>(g, src, &t, span.clone(), div, out, ix);
            }
        }
        while ox < ow {
            put::<R>(g, src, &t, ox, out, ix);
            ox += 1;
        }
    }
}

#[inline(always)]
fn put<R: Reduce>(
    g: &Geometry,
    src: &[f32],
    t: &RowTaps,
    ox: usize,
    out: &mut [f32],
    ix: &mut [i64],
) {
    let (v, i) = R::one(g, src, t, ox);
    out[ox] = v;
    if R::INDICES {
        ix[ox] = i;
    }
}

/// Covers `span` with `V` vectors (the last one flush with the end); returns where the
/// covered part ends, or `span.start` if the span is narrower than one vector.
///
/// # Safety
/// As [`walk`]; `span` within the (stride-adjusted) interior.
#[inline(always)]
unsafe fn run<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    t: &RowTaps,
    span: Range<usize>,
    div: f32,
    out: &mut [f32],
    ix: &mut [i64],
) -> usize {
    if span.len() < V::LANES {
        return span.start;
    }
    let mut ox = span.start;
    while ox + V::LANES <= span.end {
        // SAFETY: forwarded; [ox, ox + LANES) is inside the span.
        unsafe { chunk::<V, R, S, KW>(g, src, t, ox, div, out, ix) };
        ox += V::LANES;
    }
    if ox < span.end {
        // Recompute a few outputs rather than leave a scalar tail.
        // SAFETY: as above, span.len() >= LANES.
        unsafe { chunk::<V, R, S, KW>(g, src, t, span.end - V::LANES, div, out, ix) };
    }
    span.end
}

/// `V::LANES` outputs starting at interior column `ox`.
///
/// # Safety
/// As [`run`]; `[ox, ox + LANES)` inside the span.
#[inline(always)]
unsafe fn chunk<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    t: &RowTaps,
    ox: usize,
    div: f32,
    out: &mut [f32],
    ix: &mut [i64],
) {
    let w = g.input()[1];
    let [dh, dw] = g.dilation();
    let kw = if KW == 0 { g.kernel()[1] } else { KW };
    let sw = if S == 0 { g.stride()[1] } else { S };
    let x0 = g.col0(ox);
    debug_assert!(
        x0 >= 0 && ox + V::LANES <= out.len(),
        "chunk outside the interior"
    );
    let base = src.as_ptr();
    // SAFETY: the caller vouches for V's ISA.
    let mut st = unsafe { R::start::<V>((t.ky_lo * dh * w) as f32) };
    for ky in t.ky_lo..t.ky_hi {
        let y = (t.iy0 + (ky * dh) as isize) as usize;
        let yoff = ky * dh * w;
        for kx in 0..kw {
            let at = y * w + x0 as usize + kx * dw;
            // SAFETY: row y is inside the plane (ky in the row's taps) and every lane's tap
            // is inside the row (interior); stride-2 loads also read the spare element the
            // stride-adjusted interior guarantees.
            let v = unsafe {
                let p = base.add(at);
                match S {
                    1 => V::load(p),
                    2 => V::load_even(p),
                    _ => V::load_strided(p, sw),
                }
            };
            // SAFETY: ISA vouched for by the caller.
            st = unsafe { R::step(st, v, (yoff + kx * dw) as f32) };
        }
    }
    let origin = t.iy0 * w as isize + x0;
    let ip = if R::INDICES {
        ix[ox..ox + V::LANES].as_mut_ptr()
    } else {
        core::ptr::null_mut()
    };
    // SAFETY: out[ox..ox + LANES] is in bounds (asserted above), idx likewise when used.
    unsafe { R::finish(st, div, out[ox..ox + V::LANES].as_mut_ptr(), ip, origin, sw) };
}
