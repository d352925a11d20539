//! The row driver shared by every reducer: interior vectors, clipped border vectors, tails.

use core::ops::Range;

use crate::geometry::{taps, Geometry, RowTaps};
use crate::vector::{F32Vec, MAX_LANES};

use super::flat::flat;
use super::sep::tiles;

/// One reduction (max, argmax, average) in the vocabulary of [`F32Vec`].
pub(crate) trait Reduce {
    /// Whether the reducer writes indices.
    const INDICES: bool;
    /// A tap value that leaves the result bit-identical to skipping the tap (padding lanes).
    const FILL: f32;
    /// Whether [`Reduce::finish`] reads its divisor.
    const DIVIDES: bool;
    /// Per-window state held in `V`'s lanes.
    type State<V: F32Vec>: Copy;

    /// The state before the first tap; `first` holds, per lane, the offset of the first
    /// in-bounds tap from the window origin (argmax's index when nothing beats `-inf`).
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    unsafe fn start<V: F32Vec>(first: V) -> Self::State<V>;

    /// Folds in tap `v`, found at offset `off` from the window origin.
    ///
    /// # Safety
    /// As [`Reduce::start`].
    unsafe fn step<V: F32Vec>(s: Self::State<V>, v: V, off: f32) -> Self::State<V>;

    /// Folds a partial reduction `h` (of later taps) into `s`: for separable tiles, where each
    /// input row is reduced once and merged into every output row it belongs to.
    ///
    /// # Safety
    /// As [`Reduce::start`].
    unsafe fn merge<V: F32Vec>(s: Self::State<V>, h: Self::State<V>) -> Self::State<V>;

    /// Parks a partial state in scratch rows: its values at `v[0..LANES]` and, for argmax,
    /// its offsets at `at[0..LANES]` (`at` is unused otherwise).
    ///
    /// # Safety
    /// As [`Reduce::start`]; the pointers writable as described.
    unsafe fn park<V: F32Vec>(s: Self::State<V>, v: *mut f32, at: *mut f32);

    /// Reads back a state parked by [`Reduce::park`], adding `off` to argmax offsets (the
    /// scratch row's offset within the window).
    ///
    /// # Safety
    /// As [`Reduce::start`]; the pointers readable as in `park`, and parked there.
    unsafe fn unpark<V: F32Vec>(v: *const f32, at: *const f32, off: f32) -> Self::State<V>;

    /// Writes `LANES` results, dividing by `div` (average); lane `l`'s window origin is
    /// `origin + l·sw` (argmax).
    ///
    /// # Safety
    /// `out[0..LANES]` must be writable, and `idx[0..LANES]` when [`Reduce::INDICES`].
    unsafe fn finish<V: F32Vec>(
        s: Self::State<V>,
        div: V,
        out: *mut f32,
        idx: *mut i64,
        origin: isize,
        sw: usize,
    );

    /// One output, exactly, one tap at a time (borders and fallbacks). Returns the value and
    /// (for argmax) the flat index.
    ///
    /// # Safety
    /// `src.len() >= g.plane_len()`.
    unsafe fn one(g: &Geometry, src: &[f32], t: &RowTaps, ox: usize) -> (f32, i64);

    /// Whether windows of `taps` taps within the rows `src[..n]` may be reduced in another
    /// grouping than PyTorch's (row results first) and still match it.
    ///
    /// # Safety
    /// As [`Reduce::contiguous`].
    #[inline(always)]
    unsafe fn regroups<V: F32Vec>(_src: *const f32, _n: usize, _taps: usize) -> bool {
        true
    }

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
        g.pad_end()[1],
    );
    (x0, lo, hi, incl)
}

/// Calls `f(flat index, value)` for every in-bounds tap of output `(t, ox)` in PyTorch's
/// (row-major) order; returns the horizontal taps inside the input and inside input plus
/// padding.
///
/// # Safety
/// `src.len() >= g.plane_len()`.
#[inline(always)]
pub(crate) unsafe fn each_tap(
    g: &Geometry,
    src: &[f32],
    t: &RowTaps,
    ox: usize,
    mut f: impl FnMut(usize, f32),
) -> (usize, usize) {
    let w = g.input()[1];
    let [dh, dw] = g.dilation();
    let (x0, kx_lo, kx_hi, incl_x) = cols(g, ox);
    debug_assert!(src.len() >= g.plane_len(), "input plane too short");
    for ky in t.ky_lo..t.ky_hi {
        let y = (t.iy0 + (ky * dh) as isize) as usize;
        for kx in kx_lo..kx_hi {
            let i = y * w + (x0 + (kx * dw) as isize) as usize;
            // SAFETY: ky and kx range over the taps inside the h × w plane, which `src` holds.
            f(i, unsafe { *src.get_unchecked(i) });
        }
    }
    (kx_hi.saturating_sub(kx_lo), incl_x)
}

/// One instance of [`plane`], as a function pointer.
pub(crate) type OnePlane = unsafe fn(&Geometry, &[f32], &mut [f32], &mut [i64], Range<usize>);

/// `one` (a [`plane`] instance) over `n` consecutive planes: `src` holds `n` input planes,
/// `dst` (and `idx` when `R::INDICES`) `n` blocks of `rows.len() · ow` values.
///
/// # Safety
/// As [`plane`], for every plane, and `one` must be `plane` for `R`.
#[inline(always)]
pub(crate) unsafe fn planes<R: Reduce>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
    n: usize,
    one: OnePlane,
) {
    let hw = g.plane_len();
    let per = rows.len() * g.output()[1];
    for p in 0..n {
        let i = if R::INDICES {
            &mut idx[p * per..(p + 1) * per]
        } else {
            &mut []
        };
        let (s, d) = (&src[p * hw..(p + 1) * hw], &mut dst[p * per..(p + 1) * per]);
        // SAFETY: forwarded; each plane's slices are sized as `plane` needs.
        unsafe { one(g, s, d, i, rows.clone()) };
    }
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

/// One output row's context.
pub(super) struct Row<'a> {
    pub(super) t: RowTaps,
    /// Interior divisor (every horizontal tap inside the row).
    pub(super) div: f32,
    pub(super) out: &'a mut [f32],
    pub(super) ix: &'a mut [i64],
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
    // Stride-2 loads read one element past the last tap, except pairs of taps (undilated,
    // even width), whose de-interleaved halves use every element they read.
    let pairs = S == 2 && g.dilation()[1] == 1 && kw.is_multiple_of(2);
    let end = if S == 2 && !pairs {
        g.interior_end_even()
    } else {
        interior.end
    };
    let span = interior.start..end.max(interior.start);
    // Argmax carries offsets in f32 lanes: exact only up to 2^24.
    let vectors = !R::INDICES || g.offsets_fit_f32();
    // Same-size stride-1 planes as flat runs (both passes), else separable tiles.
    // SAFETY: forwarded from this function's contract (argmax offsets fit an f32).
    if vectors && S == 1 && unsafe { flat::<V, T, R, KW>(g, src, dst, idx, rows.clone()) } {
        return;
    }
    // Separable tiles where neighbouring output rows share input rows: vertical stride 1
    // (measured slower than row by row for stride 2, which shares a third of the rows).
    if vectors && g.stride()[0] == 1 {
        // SAFETY: forwarded from this function's contract (argmax offsets fit an f32).
        let done = unsafe { tiles::<V, T, R, S, KW>(g, src, dst, idx, rows.clone(), span.clone()) };
        if done {
            return;
        }
    }
    let mut r = 0;
    while r < rows.len() {
        let oy = rows.start + r;
        r += 1;
        let t = g.row(oy);
        let mut row = Row {
            t,
            div: g.divide_by(t.ky_hi.saturating_sub(t.ky_lo), kw, t.incl, kw),
            out: &mut dst[(r - 1) * ow..r * ow],
            ix: if R::INDICES {
                &mut idx[(r - 1) * ow..r * ow]
            } else {
                &mut []
            },
        };
        // SAFETY: the ISAs are vouched for by the caller; `span` is the stride-adjusted
        // interior; the row slices hold `ow` outputs.
        let done = vectors
            && unsafe {
                lanes::<V, R, S, KW>(g, src, &mut row, span.clone())
                    || lanes::<T, R, S, KW>(g, src, &mut row, span.clone())
            };
        if !done {
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
}

/// Covers a whole output row with `V` vectors: full-speed ones over the interior `span`,
/// clipped ones over the borders. Returns `false` (writing nothing) if the row or, for
/// one-lane `V`, the interior is too narrow for `V`.
///
/// # Safety
/// As [`walk`].
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
/// As [`walk`]; `ow >= LANES`.
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

/// Loads tap `at` for every lane of an interior vector.
///
/// # Safety
/// As [`chunk`].
#[inline(always)]
pub(super) unsafe fn load<V: F32Vec, const S: usize>(p: *const f32, sw: usize) -> V {
    // SAFETY: the caller guarantees every lane's tap (and for S == 2 the spare element) is
    // readable.
    unsafe {
        match S {
            1 => V::load(p),
            2 => V::load_even(p),
            _ => V::load_strided(p, sw),
        }
    }
}

/// What every vector kernel reads from the geometry, with `S` and `KW` fixed where known
/// (0: read from `g`), so the tap loops see compile-time constants.
pub(super) struct Dims {
    pub(super) w: usize,
    pub(super) dh: usize,
    pub(super) dw: usize,
    pub(super) kw: usize,
    pub(super) sw: usize,
}

impl Dims {
    #[inline(always)]
    pub(super) fn of<const S: usize, const KW: usize>(g: &Geometry) -> Dims {
        Dims {
            w: g.input()[1],
            dh: g.dilation()[0],
            dw: g.dilation()[1],
            kw: if KW == 0 { g.kernel()[1] } else { KW },
            sw: if S == 0 { g.stride()[1] } else { S },
        }
    }
}

/// `V::LANES` outputs starting at interior column `ox`.
///
/// # Safety
/// As [`walk`]; `[ox, ox + LANES)` inside the stride-adjusted interior.
#[inline(always)]
unsafe fn chunk<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    row: &mut Row,
    ox: usize,
) {
    let Dims { w, dh, dw, kw, sw } = Dims::of::<S, KW>(g);
    let t = row.t;
    let x0 = g.col0(ox);
    debug_assert!(
        x0 >= 0 && ox + V::LANES <= row.out.len(),
        "chunk outside the interior"
    );
    let base = src.as_ptr();
    // SAFETY: the caller vouches for V's ISA.
    let mut st = unsafe { R::start::<V>(V::splat((t.ky_lo * dh * w) as f32)) };
    for ky in t.ky_lo..t.ky_hi {
        let y = (t.iy0 + (ky * dh) as isize) as usize;
        let yoff = ky * dh * w;
        let at = y * w + x0 as usize;
        if S == 2 && dw == 1 {
            // Neighbouring taps are the even and odd halves of one de-interleaved pair.
            let mut kx = 0;
            while kx < kw {
                debug_assert!(at + kx + 2 * V::LANES <= (y + 1) * w, "pair past the row");
                // SAFETY: row y is inside the plane (ky in the row's taps); taps kx and
                // kx + 1 read p[0..2·LANES] from the tap's column, inside the stride-adjusted
                // interior (one spare element after the last tap covers an odd kw).
                let (even, odd) = unsafe { V::load_pair(base.add(at + kx)) };
                // SAFETY: ISA vouched for by the caller.
                st = unsafe { R::step(st, even, (yoff + kx) as f32) };
                if kx + 1 < kw {
                    // SAFETY: as above.
                    st = unsafe { R::step(st, odd, (yoff + kx + 1) as f32) };
                }
                kx += 2;
            }
            continue;
        }
        for kx in 0..kw {
            // SAFETY: row y is inside the plane and every lane's tap is inside the row
            // (interior), with the spare element for S == 2; ISA vouched for by the caller.
            st = unsafe {
                let v = load::<V, S>(base.add(at + kx * dw), sw);
                R::step(st, v, (yoff + kx * dw) as f32)
            };
        }
    }
    let origin = t.iy0 * w as isize + x0;
    let ip = if R::INDICES {
        row.ix[ox..ox + V::LANES].as_mut_ptr()
    } else {
        core::ptr::null_mut()
    };
    // SAFETY: out[ox..ox + LANES] is in bounds (asserted above), idx likewise when used.
    unsafe {
        R::finish(
            st,
            V::splat(row.div),
            row.out[ox..ox + V::LANES].as_mut_ptr(),
            ip,
            origin,
            sw,
        )
    };
}

/// `V::LANES` outputs from column `ox` whose windows may hang into the padding: each tap
/// reads only the lanes inside the row and fills the rest with `R::FILL`.
///
/// # Safety
/// As [`walk`]; `ox + LANES <= ow`.
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
    // SAFETY: the caller vouches for V's ISA; `first` holds LANES elements.
    let mut st = unsafe { R::start::<V>(V::load(first.as_ptr())) };
    for ky in t.ky_lo..t.ky_hi {
        let y = (t.iy0 + (ky * dh) as isize) as usize;
        let yoff = ky * dh * w;
        for kx in 0..kw {
            let xs = x0 + (kx * dw) as isize;
            // Lanes whose tap is inside the row: (lo, hi).
            let (lo, hi, _) = taps(xs, l, sw, w, 0);
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
