//! The row-by-row strategy: each output row covered by interior vectors, clipped border
//! vectors and exact border columns; the fallback for every shape the others do not take.

use core::ops::Range;

use crate::geometry::{taps, Geometry, RowTaps};
use crate::vector::{F32Vec, MAX_LANES};

use super::reduce::{cols, load, Dims, Reduce};

/// One output row's context.
pub(super) struct Row<'a> {
    pub(super) t: RowTaps,
    /// Interior divisor (every horizontal tap inside the row).
    pub(super) div: f32,
    pub(super) out: &'a mut [f32],
    pub(super) ix: &'a mut [i64],
}

/// Pools output rows `rows` one at a time: vectors over each row's `span` (the
/// stride-adjusted interior) when `vectors`, else the exact scalar loop.
///
/// # Safety
/// As `strategy::plane`; `span` within the interior that stride `S` loads allow.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn rows<V: F32Vec, T: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
    span: Range<usize>,
    vectors: bool,
) {
    let ow = g.output()[1];
    // The vector width depends on the row's width only: chosen once per call, so that each
    // row loop holds one width's code.
    // SAFETY: each arm forwards this function's contract.
    unsafe {
        if vectors && fits::<V>(ow, &span) {
            width::<V, R, S, KW>(g, src, dst, idx, rows, span, true);
        } else if vectors && fits::<T>(ow, &span) {
            width::<T, R, S, KW>(g, src, dst, idx, rows, span, true);
        } else if vectors && T::Half::LANES < T::LANES && fits::<T::Half>(ow, &span) {
            width::<T::Half, R, S, KW>(g, src, dst, idx, rows, span, true);
        } else {
            width::<T, R, S, KW>(g, src, dst, idx, rows, span, false);
        }
    }
}

/// Whether [`lanes`] can cover a row of `ow` outputs with `V` vectors.
#[inline(always)]
fn fits<V: F32Vec>(ow: usize, span: &Range<usize>) -> bool {
    ow >= V::LANES && !(V::LANES == 1 && span.is_empty())
}

/// [`rows`] with the vector width chosen: `V` vectors when `vectors` (`V` then fits the
/// row), else the exact scalar loop.
///
/// # Safety
/// As [`rows`].
#[inline(always)]
unsafe fn width<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
    span: Range<usize>,
    vectors: bool,
) {
    let ow = g.output()[1];
    let [kh, kw] = g.kernel();
    // Rows whose windows lie inside the plane across the whole row (a stacked plane's rows
    // without padding) share one divisor and plan: their loop carries only pointers
    // (DenseNet's 14-wide rows spent 137 instructions a row on setup, their vectors 48).
    let inside = if vectors && span == (0..ow) {
        g.inner_rows()
    } else {
        0..0
    };
    let (lo, hi) = (
        inside.start.clamp(rows.start, rows.end),
        inside.end.clamp(rows.start, rows.end),
    );
    let (lo, hi) = (lo, hi.max(lo));
    // SAFETY: both forward this function's contract, each on its own rows.
    unsafe {
        each_row::<V, R, S, KW>(
            g,
            src,
            dst,
            idx,
            rows.start..lo,
            rows.start,
            span.clone(),
            vectors,
        );
        each_row::<V, R, S, KW>(g, src, dst, idx, hi..rows.end, rows.start, span, vectors);
    }
    if lo == hi {
        return;
    }
    let d = Dims::of::<S, KW>(g);
    // SAFETY: the caller vouches for V's ISA.
    let div = unsafe { V::splat(g.divide_by(kh, kw, kh, kw)) };
    let x0 = g.col0(0);
    let out = &mut dst[(lo - rows.start) * ow..(hi - rows.start) * ow];
    let ix = if R::INDICES {
        &mut idx[(lo - rows.start) * ow..(hi - rows.start) * ow]
    } else {
        &mut []
    };
    for r in 0..hi - lo {
        // Not a running sum: a single row's stride times the width need not fit.
        let origin = g.row(lo + r).iy0 * d.w as isize + x0;
        let ip = if R::INDICES {
            ix[r * ow..].as_mut_ptr()
        } else {
            core::ptr::null_mut()
        };
        // SAFETY: every window of the row lies inside the plane (all kh rows, interior
        // columns `0..ow`), `V` fits the row, and the row's outputs (and indices) are `ow`
        // long.
        unsafe {
            inner::<V, R, S, KW>(src, &d, kh, origin, out[r * ow..].as_mut_ptr(), ip, ow, div)
        };
    }
}

/// Output rows `rows` one at a time, their outputs from `dst[(oy - first)·ow]`: `V` vectors
/// when `vectors` (`V` then fits the row), else the exact scalar loop.
///
/// # Safety
/// As [`rows`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn each_row<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
    first: usize,
    span: Range<usize>,
    vectors: bool,
) {
    let ow = g.output()[1];
    let kw = g.kernel()[1];
    for oy in rows {
        let r = oy - first;
        let t = g.row(oy);
        let mut row = Row {
            t,
            div: g.divide_by(t.ky_hi.saturating_sub(t.ky_lo), kw, t.incl, kw),
            out: &mut dst[r * ow..(r + 1) * ow],
            ix: if R::INDICES {
                &mut idx[r * ow..(r + 1) * ow]
            } else {
                &mut []
            },
        };
        if vectors {
            // SAFETY: the ISAs are vouched for by the caller; `span` is the stride-adjusted
            // interior; the row slices hold `ow` outputs; `V` fits the row.
            unsafe { lanes::<V, R, S, KW>(g, src, &mut row, span.clone()) };
            continue;
        }
        for ox in 0..ow {
            // SAFETY: `src` holds the plane (this function's contract).
            let (v, i) = unsafe { R::one(g, src, &row.t, ox) };
            row.out[ox] = v;
            if R::INDICES {
                row.ix[ox] = i;
            }
        }
    }
}

/// One output row of `ow` outputs whose windows all lie inside the plane, window 0's origin
/// at `src[origin]`: `V` vectors at 0, `LANES`, … and the last one overlapping.
///
/// # Safety
/// The CPU must support `V`'s ISA; `ow >= LANES`; every tap of the row's windows (and the
/// stride-2 spare element) inside `src`; `out[..ow]` writable, `ix[..ow]` too when
/// `R::INDICES`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn inner<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    src: &[f32],
    d: &Dims,
    kh: usize,
    origin: isize,
    out: *mut f32,
    ix: *mut i64,
    ow: usize,
    div: V,
) {
    let l = V::LANES;
    let mut ox = 0;
    while ox < ow {
        let at = ox.min(ow - l);
        let o = origin + (at * d.sw) as isize;
        let ip = if R::INDICES { ix.wrapping_add(at) } else { ix };
        // SAFETY: the windows of outputs at..at + LANES lie inside the plane and
        // out[at..at + LANES] inside the row (the caller's contract).
        unsafe {
            let st = window::<V, R, S, KW>(src.as_ptr().wrapping_offset(o), d, 0..kh);
            R::finish(st, div, out.add(at), ip, o, d.sw);
        }
        ox = at + l;
    }
}

/// Covers a whole output row with `V` vectors: full-speed ones over the interior `span`,
/// clipped ones over the borders. Returns `false` (writing nothing) if the row or, for
/// one-lane `V`, the interior is too narrow for `V`.
///
/// # Safety
/// As [`rows`].
#[inline(always)]
unsafe fn lanes<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    row: &mut Row,
    span: Range<usize>,
) -> bool {
    let ow = row.out.len();
    let l = V::LANES;
    if ow < l || (l == 1 && span.is_empty()) {
        return false;
    }
    if span.len() < l {
        // SAFETY: forwarded from this function's contract.
        unsafe { clip::<V, R, S, KW>(g, src, row, 0..ow) };
        return true;
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { clip::<V, R, S, KW>(g, src, row, 0..span.start) };
    let mut ox = span.start;
    while ox + l <= span.end {
        // SAFETY: forwarded; [ox, ox + LANES) is inside the span.
        unsafe { chunk::<V, R, S, KW>(g, src, row, ox) };
        ox += l;
    }
    if ox < span.end {
        // Recompute a few outputs rather than leave a scalar tail.
        // SAFETY: as above, span.len() >= LANES.
        unsafe { chunk::<V, R, S, KW>(g, src, row, span.end - l) };
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { clip::<V, R, S, KW>(g, src, row, span.end..ow) };
    true
}

/// Covers border columns `cols` with vectors whose taps are clipped to the row, each placed
/// inside `[0, ow)` (a plain function, not a closure: closures do not inherit
/// `#[inline(always)]`, and out of line the intrinsics lose their target features).
///
/// # Safety
/// As [`rows`]; `ow >= LANES`.
#[inline(always)]
pub(super) unsafe fn clip<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    row: &mut Row,
    cols: Range<usize>,
) {
    let ow = row.out.len();
    let l = V::LANES;
    let mut ox = cols.start;
    while ox < cols.end {
        // A clipped vector costs about as much as a few exact scalar outputs (measured).
        if l == 1 || cols.end - ox < CLIP_MIN {
            // SAFETY: `src` holds the plane (this function's contract).
            let (v, i) = unsafe { R::one(g, src, &row.t, ox) };
            row.out[ox] = v;
            if R::INDICES {
                row.ix[ox] = i;
            }
            ox += 1;
            continue;
        }
        let at = ox.min(ow - l);
        // SAFETY: forwarded; [at, at + LANES) lies inside the row.
        unsafe { clipped::<V, R, S, KW>(g, src, row, at) };
        ox = at + l;
    }
}

/// Border columns below this width are computed by the exact scalar loop.
const CLIP_MIN: usize = 4;

/// `V::LANES` outputs starting at interior column `ox`.
///
/// # Safety
/// As [`rows`]; `[ox, ox + LANES)` inside the stride-adjusted interior.
#[inline(always)]
unsafe fn chunk<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    row: &mut Row,
    ox: usize,
) {
    let d = Dims::of::<S, KW>(g);
    let t = row.t;
    let x0 = g.col0(ox);
    debug_assert!(
        x0 >= 0 && ox + V::LANES <= row.out.len(),
        "chunk outside the interior"
    );
    let origin = t.iy0 * d.w as isize + x0;
    let ip = if R::INDICES {
        row.ix[ox..ox + V::LANES].as_mut_ptr()
    } else {
        core::ptr::null_mut()
    };
    // SAFETY: the caller vouches for V's ISA; rows ky_lo..ky_hi of the window are inside the
    // plane and every lane's taps inside the row (interior); out[ox..ox + LANES] is in
    // bounds (asserted above), idx likewise when used.
    unsafe {
        let st = window::<V, R, S, KW>(src.as_ptr().wrapping_offset(origin), &d, t.ky_lo..t.ky_hi);
        R::finish(
            st,
            V::splat(row.div),
            row.out[ox..ox + V::LANES].as_mut_ptr(),
            ip,
            origin,
            d.sw,
        )
    }
}

/// The state of `V::LANES` windows whose lane 0 starts at `p` (the window's origin, which
/// may lie above the plane), over kernel rows `ky`.
///
/// # Safety
/// The CPU must support `V`'s ISA; for every `ky` in the range, every lane's taps on row
/// `p + ky·dh·w` are readable, with the spare element after the last when `S == 2`.
#[inline(always)]
unsafe fn window<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    p: *const f32,
    d: &Dims,
    ky: Range<usize>,
) -> R::State<V> {
    let Dims { w, dh, dw, kw, sw } = *d;
    // SAFETY: the caller vouches for V's ISA.
    let mut st = unsafe { R::start::<V>(V::splat((ky.start * dh * w) as f32)) };
    for ky in ky {
        let yoff = ky * dh * w;
        let at = p.wrapping_add(yoff);
        if S == 2 && dw == 1 {
            // Neighbouring taps are the even and odd halves of one de-interleaved pair.
            let mut kx = 0;
            while kx < kw {
                // SAFETY: taps kx and kx + 1 read at[kx..kx + 2·LANES], inside the row (one
                // spare element after the last tap covers an odd kw): the caller's contract.
                let (even, odd) = unsafe { V::load_pair(at.add(kx)) };
                // SAFETY: ISA vouched for by the caller.
                st = unsafe { R::step(st, even, (yoff + kx) as f32) };
                if kx + 1 < kw {
                    // SAFETY: as above.
                    st = unsafe { R::step(st, odd, (yoff + kx + 1) as f32) };
                }
                kx += 2;
            }
        } else {
            for kx in 0..kw {
                // SAFETY: every lane's tap is inside the row, with the spare element for
                // S == 2 (the caller's contract); ISA vouched for by the caller.
                st = unsafe {
                    let v = load::<V, S>(at.add(kx * dw), sw);
                    R::step(st, v, (yoff + kx * dw) as f32)
                };
            }
        }
    }
    st
}

/// `V::LANES` outputs from column `ox` whose windows may hang into the padding: each tap
/// reads only the lanes inside the row and fills the rest with `R::FILL`.
///
/// # Safety
/// As [`rows`]; `ox + LANES <= ow`.
#[inline(always)]
unsafe fn clipped<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    row: &mut Row,
    ox: usize,
) {
    let Dims { w, dh, dw, kw, sw } = Dims::of::<S, KW>(g);
    let t = row.t;
    let x0 = g.col0(ox);
    let l = V::LANES;
    debug_assert!(ox + l <= row.out.len(), "clipped chunk past the row");
    // Per lane: the first in-bounds tap (argmax's start) and the divisor (average).
    let (mut first, mut div) = ([0.0f32; MAX_LANES], [0.0f32; MAX_LANES]);
    let ny = t.ky_hi.saturating_sub(t.ky_lo);
    if R::INDICES || R::DIVIDES {
        for lane in 0..l {
            let (_, lo, hi, incl) = cols(g, ox + lane);
            first[lane] = (t.ky_lo * dh * w + lo * dw) as f32;
            div[lane] = g.divide_by(ny, hi.saturating_sub(lo), t.incl, incl);
        }
    }
    let base = src.as_ptr();
    // Taps whose every lane lies outside the row would only add R::FILL: skip them, so a
    // window hanging far into (ONNX SAME) padding costs its taps near the row, not `kw`
    // (the nd fuzz target timed out on kernels of 2^32 taps). Tap kx covers columns
    // x0 + kx·dw + [0, (LANES − 1)·sw].
    let span = ((l - 1) * sw) as isize;
    let kx_lo = if x0 + span >= 0 {
        0
    } else {
        ((-(x0 + span)) as usize).div_ceil(dw).min(kw)
    };
    let kx_hi = if x0 >= w as isize {
        0
    } else {
        ((w as isize - x0) as usize).div_ceil(dw).min(kw)
    };
    // SAFETY: the caller vouches for V's ISA; `first` holds LANES elements.
    let mut st = unsafe { R::start::<V>(V::load(first.as_ptr())) };
    for ky in t.ky_lo..t.ky_hi {
        let y = (t.iy0 + (ky * dh) as isize) as usize;
        let yoff = ky * dh * w;
        for kx in kx_lo..kx_hi {
            let xs = x0 + (kx * dw) as isize;
            // Lanes whose tap is inside the row: (lo, hi), at most all of them (`lo` can
            // pass the last lane when the tap is far left).
            let (lo, hi, _) = taps(xs, l, sw, w, 0);
            let (lo, hi) = (lo.min(l), hi.min(l));
            let last = xs + ((l - 1) * sw) as isize;
            let spare = if S == 2 { 1 } else { 0 };
            let p = base.wrapping_offset((y * w) as isize + xs);
            // SAFETY: row y is inside the plane; a full load only when every lane's tap (and
            // the stride-2 spare element) is inside the row, else only lanes lo..hi are read.
            let v = unsafe {
                if lo == 0 && hi == l && last + spare < w as isize {
                    load::<V, S>(p, sw)
                } else {
                    V::load_clipped(p, sw, lo, hi.max(lo), R::FILL)
                }
            };
            // SAFETY: ISA vouched for by the caller.
            st = unsafe { R::step(st, v, (yoff + kx * dw) as f32) };
        }
    }
    let origin = t.iy0 * w as isize + x0;
    let ip = if R::INDICES {
        row.ix[ox..ox + l].as_mut_ptr()
    } else {
        core::ptr::null_mut()
    };
    // SAFETY: out[ox..ox + LANES] is in bounds (asserted above), idx likewise when used;
    // `div` holds LANES elements.
    unsafe {
        R::finish(
            st,
            V::load(div.as_ptr()),
            row.out[ox..ox + l].as_mut_ptr(),
            ip,
            origin,
            sw,
        )
    };
}
