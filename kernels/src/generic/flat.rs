//! Same-size stride-1 planes, pooled as flat runs: 3×3 s1 p1, 5×5 s1 p2, the SPP windows.
//!
//! When both strides are 1 and the padding keeps the width (`ow == w`), input column `x` and
//! output column `x` line up, and so do whole rows: output position `y·w + x` reads input
//! positions `(y - ph + ky·dh)·w + (x - pw + kx·dw)`, a fixed offset per tap. Both separable
//! passes can then run over the plane as one flat array instead of row by row, so a 17-wide
//! row costs two vectors and a bit, not three vectors and the per-row setup, and the work per
//! plane shrinks to about one vector per eight outputs per pass.
//!
//! Offsets that wrap into the neighbouring row are wrong only in the border columns
//! (`x < pw` or `x ≥ w - pw`), which are recomputed exactly afterwards, a few taps each. The
//! vertical pass runs over runs of output rows with the same vertical taps: the interior
//! rows as one run, each border row as its own. Exactness is as in [`super::sep`].

use core::mem::MaybeUninit;
use core::ops::Range;

use crate::geometry::Geometry;
use crate::vector::{F32Vec, MAX_LANES};

use super::reduce::{cols, Reduce};

/// Scratch floats for the horizontal pass (halved between values and offsets for argmax).
const SCRATCH: usize = 4096;
/// Border columns handled (`2·pw` of them, fewer in narrow rows).
const EDGES: usize = 16;

/// The starts of `l`-wide chunks covering `0..n` (`n >= l`), the last one placed to end at
/// `n`. An iterator, not a function taking a closure: a closure's body is a function of its
/// own, which neither inherits `#[inline(always)]` nor the entry point's target features,
/// and out of line its intrinsics become calls (seen with rustc 1.95).
pub(super) struct Chunks {
    next: usize,
    n: usize,
    l: usize,
}

impl Chunks {
    #[inline(always)]
    pub(super) fn new(n: usize, l: usize) -> Chunks {
        debug_assert!(n >= l, "fewer values than one chunk");
        Chunks { next: 0, n, l }
    }
}

impl Iterator for Chunks {
    type Item = usize;
    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if self.next >= self.n {
            return None;
        }
        let at = self.next.min(self.n - self.l);
        self.next = at + self.l;
        Some(at)
    }
}

/// Pools output rows `rows` of a same-size stride-1 plane as flat runs. Returns `false`
/// (writing nothing) when the plane is not one, or its rows do not fit the scratch.
///
/// # Safety
/// As `strategy::plane`; for argmax, `g.offsets_fit_f32()`.
#[inline(always)]
pub(super) unsafe fn flat<V: F32Vec, T: F32Vec, R: Reduce, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
) -> bool {
    let [h, w] = g.input();
    let [kh, kw] = g.kernel();
    let kw = if KW > 0 { KW } else { kw };
    let [dh, dw] = g.dilation();
    let [ph, pw] = g.padding();
    let cap = if R::INDICES { SCRATCH / 2 } else { SCRATCH };
    // The flat taps of position x reach x - pw .. x + pw: in bounds and aligned with the
    // input only when the window's reach is exactly both paddings (PyTorch's same-size
    // shapes; a hand-made geometry may pair `ow == w` with any padding).
    let same = g.stride() == [1, 1]
        && g.output()[1] == w
        && (kw - 1) * dw == 2 * pw
        && g.pad_end()[1] == pw;
    if !same || rows.is_empty() || kh.max(kw) >= 1 << 24 {
        return false;
    }
    // Input rows read: every row's taps lie in [oy - ph, oy - ph + (kh - 1)·dh], clipped.
    let y0 = rows.start.saturating_sub(ph);
    let y1 = (rows.end - 1 + (kh - 1) * dh).saturating_sub(ph).min(h - 1) + 1;
    // Output rows below the input (a hand-made geometry's `oh`) read nothing.
    if y0 >= y1 {
        return false;
    }
    let m = (y1 - y0) * w;
    // Border columns: 0..left and right..w.
    let left = pw.min(w);
    let right = w.saturating_sub(pw).max(left);
    let ne = left + (w - right);
    if m > cap || ne > EDGES {
        return false;
    }
    let read = &src[y0 * w..y1 * w];
    // SAFETY: the caller vouches for V's ISA; `read` holds the rows.
    if !unsafe { R::regroups::<V>(read.as_ptr(), m, kh.saturating_mul(kw)) } {
        return false;
    }
    let mut buf = [MaybeUninit::<f32>::uninit(); SCRATCH];
    let hv = buf.as_mut_ptr().cast::<f32>();
    // SAFETY: cap <= SCRATCH / 2 when offsets are parked, so both halves fit in `buf`.
    let ha = unsafe { hv.add(if R::INDICES { cap } else { 0 }) };

    // Horizontal pass over positions pw..m - pw, whose taps all lie inside `read`.
    let base = read.as_ptr();
    let n = m.saturating_sub(2 * pw);
    // SAFETY: chunk `at` reads base[at .. at + LANES + 2·pw] (2·pw = (kw - 1)·dw), inside
    // `read` as at + LANES <= n = m - 2·pw; it parks positions < m <= cap; the ISAs are
    // vouched for by the caller.
    unsafe {
        if n >= V::LANES {
            for at in Chunks::new(n, V::LANES) {
                hrun::<V, R, KW>(base, kw, dw, at, pw, hv, ha);
            }
        } else if n >= T::LANES {
            for at in Chunks::new(n, T::LANES) {
                hrun::<T, R, KW>(base, kw, dw, at, pw, hv, ha);
            }
        } else {
            // A closure on purpose (one lane: no intrinsics to lose): out of line, it leaves
            // the vector loops better optimized; as loops, inception_avg ran 25% slower.
            (0..n).for_each(|at| hrun::<f32, R, KW>(base, kw, dw, at, pw, hv, ha));
        }
    }
    // Border columns, exactly: their wrapped taps above read the neighbouring rows.
    // Per border column: its column, first tap's input column, taps inside the row.
    let mut spans = [(0u32, 0u32, 0u32, 0u32); EDGES];
    for (e, x) in (0..left).chain(right..w).enumerate() {
        let (x0, lo, hi, _) = cols(g, x);
        let at = (x0 + (lo * dw) as isize) as u32;
        spans[e] = (x as u32, at, lo as u32, hi as u32);
    }
    let spans = &spans[..ne];
    // Column by column, so each column's tap count is fixed over its rows: the common
    // counts (one to four taps) get unrolled loops (the row-outer loop with a variable tap
    // loop was a quarter of inception_avg's time).
    for &(x, at, lo, hi) in spans {
        let (x, at, lo, hi) = (x as usize, at as usize, lo as usize, hi as usize);
        let fix = Edge {
            base,
            w,
            dw,
            lo,
            hv: hv.wrapping_add(x),
            ha: ha.wrapping_add(x),
            at,
        };
        let n = y1 - y0;
        // SAFETY: taps lo..hi of column x are inside the row (`cols`), at input column
        // `at + (kx - lo)·dw` < w of each row r < y1 - y0; position r·w + x < m.
        unsafe {
            match hi.saturating_sub(lo) {
                1 => fix.column::<R, 1>(n, 1),
                2 => fix.column::<R, 2>(n, 2),
                3 => fix.column::<R, 3>(n, 3),
                4 => fix.column::<R, 4>(n, 4),
                t => fix.column::<R, 0>(n, t),
            }
        }
    }

    // Vertical pass: runs of output rows with the same vertical taps.
    let cx = g.col_factor(kw, kw);
    // Average whose border columns divide by other column factors: a table of each
    // column's factor, repeated past the row end so that any `LANES` flat positions read
    // theirs with one load (a scalar pass over the border columns cost 15 % of
    // inception_avg).
    let mut colf = [MaybeUninit::<f32>::uninit(); SCRATCH + MAX_LANES];
    let mut cols_at: *const f32 = core::ptr::null();
    if R::DIVIDES {
        let f = colf.as_mut_ptr().cast::<f32>();
        let mut uniform = true;
        // SAFETY: w <= m <= SCRATCH, so every write below is inside `colf`.
        unsafe {
            for x in 0..w {
                *f.add(x) = cx;
            }
            for &(x, _, lo, hi) in spans {
                let (_, _, _, incl) = cols(g, x as usize);
                let fx = g.col_factor((hi - lo) as usize, incl);
                uniform &= fx == cx;
                *f.add(x as usize) = fx;
            }
            for x in w..w + MAX_LANES {
                *f.add(x) = *f.add(x % w);
            }
        }
        if !uniform {
            cols_at = f;
        }
    }
    // Rows whose taps are all inside the input form one run; each other row is its own.
    let inner = ph..(h + ph).saturating_sub((kh - 1) * dh);
    let mut a = rows.start;
    while a < rows.end {
        let t = g.row(a);
        let mut b = a + 1;
        // A row with no taps inside the input (possible only in corner cases of dilation).
        if t.ky_lo >= t.ky_hi {
            for x in 0..w {
                // SAFETY: `src` holds the plane; the row's outputs are in dst (and idx).
                let (v, i) = unsafe { R::one(g, src, &t, x) };
                dst[(a - rows.start) * w + x] = v;
                if R::INDICES {
                    idx[(a - rows.start) * w + x] = i;
                }
            }
            a = b;
            continue;
        }
        if inner.contains(&a) {
            b = inner.end.min(rows.end);
        }
        let run = Run {
            hv,
            ha,
            first: (t.iy0 + (t.ky_lo * dh) as isize) as usize - y0,
            taps: t.ky_lo..t.ky_hi,
            step: dh * w,
            origin: t.iy0 * w as isize - pw as isize,
            fy: g.row_factor(t.ky_hi - t.ky_lo, t.incl),
            cols: cols_at,
            w,
        };
        let at = (a - rows.start) * w;
        let n = (b - a) * w;
        let out = dst[at..at + n].as_mut_ptr();
        let ix = if R::INDICES {
            idx[at..at + n].as_mut_ptr()
        } else {
            core::ptr::null_mut()
        };
        // SAFETY: the run's scratch rows were parked above (first + (ny - 1)·dh < y1 - y0
        // rows of w); out/ix hold n values; the ISAs are vouched for by the caller.
        unsafe {
            let w0 = run.first * w;
            if n >= V::LANES {
                for j in Chunks::new(n, V::LANES) {
                    run.vrun::<V, R>(w0 + j, j, cx, out, ix);
                }
            } else if n >= T::LANES {
                for j in Chunks::new(n, T::LANES) {
                    run.vrun::<T, R>(w0 + j, j, cx, out, ix);
                }
            } else {
                // A closure on purpose, as in the horizontal pass.
                (0..n).for_each(|j| run.vrun::<f32, R>(w0 + j, j, cx, out, ix));
            }
        }
        a = b;
    }
    true
}

/// `V::LANES` horizontal reductions for flat positions `x0 + pw ..`, whose taps are at
/// `x0 + kx·dw ..`.
///
/// # Safety
/// `base[x0 + kx·dw .. + LANES]` readable for every tap; `hv`/`ha` writable at
/// `x0 + pw .. + LANES`; the CPU supports `V`'s ISA.
#[inline(always)]
unsafe fn hrun<V: F32Vec, R: Reduce, const KW: usize>(
    base: *const f32,
    kw: usize,
    dw: usize,
    x0: usize,
    pw: usize,
    hv: *mut f32,
    ha: *mut f32,
) {
    let kw = if KW > 0 { KW } else { kw };
    // SAFETY: as the function's contract.
    unsafe {
        let mut st = R::start::<V>(V::splat(0.0));
        for kx in 0..kw {
            st = R::step(st, V::load(base.add(x0 + kx * dw)), (kx * dw) as f32);
        }
        R::park(st, hv.add(x0 + pw), ha.add(x0 + pw));
    }
}

/// One border column of the horizontal pass, recomputed with only its taps inside the row.
struct Edge {
    base: *const f32,
    w: usize,
    dw: usize,
    /// First tap inside the row.
    lo: usize,
    /// Scratch (values, offsets) at the column in row 0.
    hv: *mut f32,
    ha: *mut f32,
    /// Input column of tap `lo`.
    at: usize,
}

impl Edge {
    /// The column in rows `0..n`, each from its `taps` taps (`N` when not 0).
    ///
    /// # Safety
    /// Every row's taps `lo .. lo + taps` inside the input read by the pass; the scratch
    /// writable at the column in every row.
    #[inline(always)]
    unsafe fn column<R: Reduce, const N: usize>(&self, n: usize, taps: usize) {
        let taps = if N > 0 { N } else { taps };
        for r in 0..n {
            // A column may have no tap inside the row (kernel 2, dilation 2 on a 1-wide
            // plane): `p` is then never read, so it is formed with wrapping arithmetic.
            let p = self.base.wrapping_add(r * self.w + self.at);
            // SAFETY: as the function's contract; one-lane `f32` needs no ISA.
            unsafe {
                let mut st = R::start::<f32>((self.lo * self.dw) as f32);
                for k in 0..taps {
                    let off = ((self.lo + k) * self.dw) as f32;
                    st = R::step(st, *p.add(k * self.dw), off);
                }
                R::park(st, self.hv.add(r * self.w), self.ha.add(r * self.w));
            }
        }
    }
}

/// A run of output rows with the same vertical taps, over the parked horizontal pass.
struct Run {
    hv: *const f32,
    ha: *const f32,
    /// Scratch row of the run's first row's first tap.
    first: usize,
    taps: Range<usize>,
    /// Scratch floats between consecutive taps (`dh·w`).
    step: usize,
    /// Flat window origin of the run's position 0 (argmax).
    origin: isize,
    /// Row factor of the divisor.
    fy: f32,
    /// Column factors by column, repeated for `MAX_LANES` past `w` (null: all `fx`).
    cols: *const f32,
    w: usize,
}

impl Run {
    /// `V::LANES` outputs at run position `j`, whose first tap is parked at scratch position
    /// `s`; `fx` is the column factor of the divisor unless the run has a column table.
    ///
    /// # Safety
    /// The run's scratch parked at `s + k·step .. + LANES` for every tap `k`; `out` (and `ix`
    /// for argmax) writable at `j..j + LANES`; the CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn vrun<V: F32Vec, R: Reduce>(
        &self,
        s: usize,
        j: usize,
        fx: f32,
        out: *mut f32,
        ix: *mut i64,
    ) {
        let off = |k: usize| ((self.taps.start + k) * self.step) as f32;
        // SAFETY: as the function's contract.
        unsafe {
            let mut st = R::unpark::<V>(self.hv.add(s), self.ha.add(s), off(0));
            for k in 1..self.taps.len() {
                let p = s + k * self.step;
                st = R::merge(st, R::unpark::<V>(self.hv.add(p), self.ha.add(p), off(k)));
            }
            let div = if R::DIVIDES && !self.cols.is_null() {
                // Exact: both factors are integers whose product is below 2^24.
                V::load(self.cols.add(j % self.w)).mul(V::splat(self.fy))
            } else if R::DIVIDES {
                V::splat(self.fy * fx)
            } else {
                V::splat(1.0)
            };
            let origin = self.origin + j as isize;
            R::finish(st, div, out.add(j), ix.wrapping_add(j), origin, 1);
        }
    }
}
