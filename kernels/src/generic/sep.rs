//! Separable tiles: every input row is reduced horizontally once, into a scratch row on the
//! stack, and each output row then reduces the scratch rows its window covers.
//!
//! A `kh × kw` window is the `kh`-row reduction of `kw`-tap row reductions, so output rows
//! whose windows share input rows (any window taller than its stride: 3×3 s1 shares two of
//! three) share those rows' horizontal work. The horizontal pass is also the only one that
//! meets horizontal padding: a border column reduces its few clipped taps (`kw` at most)
//! instead of a whole clipped window, and the vertical pass has no borders at all, since a
//! row's vertical taps are a range of scratch rows. Small planes, where borders are a large
//! share of the outputs, gain the most.
//!
//! Exactness: max's step keeps the first maximum and the last NaN under any grouping that
//! keeps the order, and row-major order is rows in order, each in order; so values and argmax
//! indices are PyTorch's bit for bit (argmax parks each row's offsets and shifts them by the
//! row's offset in the window). Average adds row sums: PyTorch's order up to rounding.
//!
//! A tile is a strip of output columns and as many output rows as keep the scratch rows they
//! read within [`SCRATCH`] floats (16 KiB, so they stay in L1 beside the input rows).

use core::mem::MaybeUninit;
use core::ops::Range;

use crate::geometry::{Geometry, RowTaps};
use crate::vector::F32Vec;

use super::reduce::{cols, load, Dims, Reduce};

/// Scratch floats for parked rows (halved between values and offsets for argmax).
const SCRATCH: usize = 4096;

/// Input rows `[first, end)` that output row `t` reads, or `None` if it reads none.
#[inline(always)]
fn reads(t: &RowTaps, dh: usize) -> Option<(usize, usize)> {
    (t.ky_lo < t.ky_hi).then(|| {
        let y = |ky: usize| (t.iy0 + (ky * dh) as isize) as usize;
        (y(t.ky_lo), y(t.ky_hi - 1) + 1)
    })
}

/// Pools output rows `rows` by separable tiles; `span` is the stride-adjusted interior.
/// Returns `false` (writing nothing) when the window is one row tall, or too tall for a
/// vector-wide strip of scratch rows.
///
/// # Safety
/// As `strategy::plane`; for argmax, `g.offsets_fit_f32()`.
#[inline(always)]
pub(super) unsafe fn tiles<V: F32Vec, T: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
    span: Range<usize>,
) -> bool {
    let [kh, kw] = g.kernel();
    let dh = g.dilation()[0];
    let ow = g.output()[1];
    let cap = if R::INDICES { SCRATCH / 2 } else { SCRATCH };
    let reach = (kh - 1) * dh + 1;
    if rows.is_empty() {
        return true;
    }
    // Rows narrower than a vector with no border columns are cheaper row by row (measured).
    // Divisor factors are exact below 2^24 (see `Geometry::row_factor`).
    let narrow = ow < V::LANES && span == (0..ow);
    if kh == 1 || narrow || kh.max(kw) >= 1 << 24 || reach > cap / ow.min(V::LANES) {
        return false;
    }
    // Every input row these output rows may read: output row oy reads rows from oy - ph to
    // oy - ph + (kh - 1)·dh, clipped. (Not the first row's first and the last row's last
    // read: with dilation, clipping can put the first row's first read below the last
    // row's last one, and the regroup scan then missed rows; found by the shapes fuzzer.)
    let [h, w] = g.input();
    let ph = g.padding()[0];
    let y0 = rows.start.saturating_sub(ph).min(h);
    let y1 = (rows.end + (kh - 1) * dh).saturating_sub(ph).min(h).max(y0);
    let (read, taps) = (&src[y0 * w..y1 * w], kh.saturating_mul(kw));
    // SAFETY: the caller vouches for V's ISA; `read` holds the rows.
    if !unsafe { R::regroups::<V>(read.as_ptr(), read.len(), taps) } {
        return false;
    }
    // Strips of equal width, as wide as one output row's scratch rows allow.
    let strips = ow.div_ceil(ow.min(cap / reach));
    let cw = ow.div_ceil(strips);
    let room = cap / cw;
    let mut buf = [MaybeUninit::<f32>::uninit(); SCRATCH];
    let mut cx = [MaybeUninit::<f32>::uninit(); SCRATCH / 2];
    let hv = buf.as_mut_ptr().cast::<f32>();
    // SAFETY: cap <= SCRATCH / 2 when offsets are parked, so both halves fit in `buf`.
    let ha = unsafe { hv.add(if R::INDICES { cap } else { 0 }) };
    let cxp = cx.as_mut_ptr().cast::<f32>();
    let mut oy = rows.start;
    while oy < rows.end {
        // The tile: output rows [oy, end) reading input rows [ylo, yhi), yhi - ylo <= room.
        let (mut ylo, mut yhi) = (usize::MAX, 0);
        let mut end = oy;
        while end < rows.end {
            if let Some((a, b)) = reads(&g.row(end), dh) {
                let (lo, hi) = (ylo.min(a), yhi.max(b));
                if hi - lo > room {
                    break;
                }
                (ylo, yhi) = (lo, hi);
            }
            end += 1;
        }
        let mut c0 = 0;
        while c0 < ow {
            let c1 = (c0 + cw).min(ow);
            let n = c1 - c0;
            if R::DIVIDES {
                for j in 0..n {
                    let (_, lo, hi, incl) = cols(g, c0 + j);
                    // SAFETY: j < n <= cw <= SCRATCH / 2 (reach >= 2).
                    unsafe { *cxp.add(j) = g.col_factor(hi.saturating_sub(lo), incl) };
                }
            }
            let edges = Edges::of(g, c0..c1, &span);
            for y in ylo..yhi {
                let r = (y - ylo) * n;
                // SAFETY: forwarded; y < h (rows read by some output row); scratch row r
                // holds n values (and n offsets) within `cap`, as yhi - ylo <= room.
                unsafe {
                    hrow::<V, T, R, S, KW>(g, src, y, c0..c1, &span, &edges, hv.add(r), ha.add(r))
                };
            }
            for o in oy..end {
                let t = g.row(o);
                let at = (o - rows.start) * ow + c0;
                let out = dst[at..at + n].as_mut_ptr();
                let ix = if R::INDICES {
                    idx[at..at + n].as_mut_ptr()
                } else {
                    core::ptr::null_mut()
                };
                let Some((first, _)) = reads(&t, dh) else {
                    for j in 0..n {
                        // SAFETY: `src` holds the plane; out/ix hold n values.
                        unsafe {
                            let (v, i) = R::one(g, src, &t, c0 + j);
                            *out.add(j) = v;
                            if R::INDICES {
                                *ix.add(j) = i;
                            }
                        }
                    }
                    continue;
                };
                let p = Park {
                    hv,
                    ha,
                    cx: cxp,
                    n,
                    first: first - ylo,
                };
                // SAFETY: the row's scratch rows were just parked, n values each; out/ix hold
                // n values; the ISAs are vouched for by the caller.
                unsafe {
                    if n >= V::LANES {
                        vrow::<V, R>(g, &t, &p, c0, out, ix);
                    } else if n >= T::LANES {
                        vrow::<T, R>(g, &t, &p, c0, out, ix);
                    } else {
                        vrow::<f32, R>(g, &t, &p, c0, out, ix);
                    }
                }
            }
            c0 = c1;
        }
        oy = end;
    }
    true
}

/// Parks the horizontal reductions of input row `y` for output columns `cols` at `hv`
/// (offsets at `ha`): vectors over the interior `span`, exact taps elsewhere.
///
/// # Safety
/// As [`tiles`]; `y < h`; `hv`/`ha` writable for `cols.len()` values; `edges` made for
/// `cols` and `span`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn hrow<V: F32Vec, T: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    y: usize,
    cols: Range<usize>,
    span: &Range<usize>,
    edges: &Edges,
    hv: *mut f32,
    ha: *mut f32,
) {
    let a = span.start.clamp(cols.start, cols.end);
    let b = span.end.clamp(a, cols.end);
    let row = &src[y * g.input()[1]..(y + 1) * g.input()[1]];
    let c0 = cols.start;
    // SAFETY: columns stay within `cols`, so the parked lanes stay within the n values at
    // hv/ha; vector columns lie in the interior; the ISAs are vouched for by the caller.
    unsafe {
        if edges.n <= EDGES {
            let dw = g.dilation()[1];
            for &(c, at, lo, taps) in &edges.e[..edges.n] {
                let mut st = R::start::<f32>((lo * dw) as f32);
                for k in 0..taps {
                    st = R::step(st, row[at + k * dw], ((lo + k) * dw) as f32);
                }
                R::park(st, hv.add(c - c0), ha.add(c - c0));
            }
        } else {
            for c in (c0..a).chain(b..cols.end) {
                hone::<R>(g, row, c, hv.add(c - c0), ha.add(c - c0));
            }
        }
        if b - a >= V::LANES {
            hspan::<V, R, S, KW>(g, row, a..b, hv.add(a - c0), ha.add(a - c0));
        } else if b - a >= T::LANES {
            hspan::<T, R, S, KW>(g, row, a..b, hv.add(a - c0), ha.add(a - c0));
        } else {
            for c in a..b {
                hone::<R>(g, row, c, hv.add(c - c0), ha.add(c - c0));
            }
        }
    }
}

/// Border columns held in an [`Edges`] table; more are computed row by row.
const EDGES: usize = 16;

/// A strip's border columns, computed once per strip instead of once per row (their clipped
/// taps cost divisions with dilation): per column, (column, input column of its first tap
/// inside the row, that tap's index, taps inside the row).
struct Edges {
    /// How many; above [`EDGES`]: too many, not computed.
    n: usize,
    e: [(usize, usize, usize, usize); EDGES],
}

impl Edges {
    #[inline(always)]
    fn of(g: &Geometry, strip: Range<usize>, span: &Range<usize>) -> Edges {
        let a = span.start.clamp(strip.start, strip.end);
        let b = span.end.clamp(a, strip.end);
        let n = (a - strip.start) + (strip.end - b);
        let mut e = [(0, 0, 0, 0); EDGES];
        if n <= EDGES {
            let dw = g.dilation()[1];
            for (i, c) in (strip.start..a).chain(b..strip.end).enumerate() {
                let (x0, lo, hi, _) = cols(g, c);
                let taps = hi.saturating_sub(lo);
                // A column with no tap inside the row reads nothing: its start is unused.
                let at = if taps > 0 { x0 + (lo * dw) as isize } else { 0 };
                e[i] = (c, at as usize, lo, taps);
            }
        }
        Edges { n, e }
    }
}

/// One column's horizontal taps, exactly, clipped to the row.
///
/// # Safety
/// `hv`/`ha` writable for one value.
#[inline(always)]
unsafe fn hone<R: Reduce>(g: &Geometry, row: &[f32], c: usize, hv: *mut f32, ha: *mut f32) {
    let dw = g.dilation()[1];
    let (x0, lo, hi, _) = cols(g, c);
    // SAFETY: one-lane `f32` needs no ISA.
    let mut st = unsafe { R::start::<f32>((lo * dw) as f32) };
    for kx in lo..hi {
        let v = row[(x0 + (kx * dw) as isize) as usize];
        // SAFETY: as above.
        st = unsafe { R::step(st, v, (kx * dw) as f32) };
    }
    // SAFETY: forwarded from the caller.
    unsafe { R::park(st, hv, ha) };
}

/// Vectors over interior columns `span` (at least `V::LANES` of them), the last one placed
/// to end exactly at `span.end`.
///
/// # Safety
/// As [`hrow`], with `hv`/`ha` at column `span.start`.
#[inline(always)]
unsafe fn hspan<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    row: &[f32],
    span: Range<usize>,
    hv: *mut f32,
    ha: *mut f32,
) {
    let Dims { dw, kw, sw, .. } = Dims::of::<S, KW>(g);
    let l = V::LANES;
    let base = row.as_ptr();
    let mut c = span.start;
    loop {
        let at = c.min(span.end - l);
        let x0 = g.col0(at) as usize;
        // SAFETY: the caller vouches for V's ISA.
        let mut st = unsafe { R::start::<V>(V::splat(0.0)) };
        if S == 2 && dw == 1 {
            let mut kx = 0;
            while kx < kw {
                debug_assert!(x0 + kx + 2 * l <= row.len(), "pair past the row");
                // SAFETY: interior columns of the stride-adjusted span: taps kx and kx + 1 of
                // every lane, and one spare element after an odd kw's last, are in the row.
                let (even, odd) = unsafe { V::load_pair(base.add(x0 + kx)) };
                // SAFETY: ISA vouched for by the caller.
                st = unsafe { R::step(st, even, kx as f32) };
                if kx + 1 < kw {
                    // SAFETY: as above.
                    st = unsafe { R::step(st, odd, (kx + 1) as f32) };
                }
                kx += 2;
            }
        } else {
            for kx in 0..kw {
                // SAFETY: every lane's tap (and the stride-2 spare element) is in the row.
                st = unsafe {
                    let v = load::<V, S>(base.add(x0 + kx * dw), sw);
                    R::step(st, v, (kx * dw) as f32)
                };
            }
        }
        // SAFETY: [at, at + LANES) lies in the span, whose values the caller's hv/ha hold.
        unsafe { R::park(st, hv.add(at - span.start), ha.add(at - span.start)) };
        c = at + l;
        if c >= span.end {
            return;
        }
    }
}

/// Where a tile's parked rows are: values `hv`, offsets `ha`, `n` per row; `first` is the
/// scratch row of the current output row's first tap; `cx` the strip's column factors.
struct Park {
    hv: *const f32,
    ha: *const f32,
    cx: *const f32,
    n: usize,
    first: usize,
}

/// One output row of a strip: the vertical reduction of its parked rows, `V::LANES`
/// columns at a time, the last vector placed to end at the strip's end.
///
/// # Safety
/// As [`tiles`]; `p.n >= V::LANES`; the row's scratch rows parked; `out` (and `ix` for argmax)
/// writable for `p.n` values.
#[inline(always)]
unsafe fn vrow<V: F32Vec, R: Reduce>(
    g: &Geometry,
    t: &RowTaps,
    p: &Park,
    c0: usize,
    out: *mut f32,
    ix: *mut i64,
) {
    let w = g.input()[1];
    let dh = g.dilation()[0];
    let sw = g.stride()[1];
    let l = V::LANES;
    let ny = t.ky_hi - t.ky_lo;
    let fy = g.row_factor(ny, t.incl);
    let step = dh * p.n;
    // Exact: offsets below 2^24 (argmax's vectors are used only then).
    let row_off = (dh * w) as f32;
    let mut j = 0;
    loop {
        let at = j.min(p.n - l);
        // SAFETY: the scratch rows first..first + (ny - 1)·dh were parked (n values each,
        // at + LANES <= n); the ISA is vouched for by the caller.
        unsafe {
            // Pointers stepped by a scratch-row stride (index arithmetic per tap compiled
            // to two multiplies a tap).
            let r0 = p.first * p.n + at;
            let (mut v, mut a) = (p.hv.add(r0), p.ha.add(r0));
            let mut off = (t.ky_lo * dh * w) as f32;
            let mut s = R::unpark::<V>(v, a, off);
            for _ in 1..ny {
                v = v.add(step);
                a = a.wrapping_add(step);
                off += row_off;
                s = R::merge(s, R::unpark::<V>(v, a, off));
            }
            let div = if R::DIVIDES {
                V::splat(fy).mul(V::load(p.cx.add(at)))
            } else {
                V::splat(1.0)
            };
            let origin = t.iy0 * w as isize + g.col0(c0 + at);
            R::finish(s, div, out.add(at), ix.wrapping_add(at), origin, sw);
        }
        j = at + l;
        if j >= p.n {
            return;
        }
    }
}
