//! The one place a plane's strategy is chosen: global (one contiguous window), blocks
//! (windows tiling the plane at stride ≥ 3), flat runs (same-size stride-1 planes),
//! separable tiles (vertical stride 1), or row by row. Each
//! strategy lives in its own module; every test build counts which ones ran, so tests can
//! assert that a shape took the path it should (a disabled fast path fails them).

use core::ops::Range;

use crate::geometry::Geometry;
use crate::vector::F32Vec;

use super::blocks::blocks;
use super::flat::flat;
use super::nan_free;
use super::reduce::Reduce;
use super::rows::rows as by_rows;
use super::sep::tiles;

/// How a plane was pooled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// One window over the plane's first rows, reduced as one contiguous run.
    Global,
    /// Same-size stride-1 planes: both separable passes over the plane as one flat array.
    Flat,
    /// Separable tiles: input rows reduced horizontally once, then vertically.
    Tiles,
    /// Row by row: interior, clipped and exact border vectors.
    Rows,
    /// Windows tiling the plane (kernel = stride ≥ 3, no padding): rows reduced lane by
    /// lane, then each output's neighbours.
    Blocks,
    /// Channels-last: one vector of channels per output pixel (counted per pixel).
    Pixels,
}

impl Strategy {
    /// Every strategy, in the order of [`strategy_counts`].
    pub const ALL: [Strategy; 6] = [
        Strategy::Global,
        Strategy::Flat,
        Strategy::Tiles,
        Strategy::Rows,
        Strategy::Blocks,
        Strategy::Pixels,
    ];
}

#[cfg(debug_assertions)]
static RAN: [core::sync::atomic::AtomicUsize; Strategy::ALL.len()] =
    [const { core::sync::atomic::AtomicUsize::new(0) }; Strategy::ALL.len()];

/// Counts a plane (or block of rows) pooled by `s`; nothing in release builds.
#[inline(always)]
fn ran(s: Strategy) {
    ran_n(s, 1);
}

/// Counts `n` planes pooled by `s`.
#[inline(always)]
pub(super) fn ran_n(s: Strategy, n: usize) {
    #[cfg(debug_assertions)]
    RAN[s as usize].fetch_add(n, core::sync::atomic::Ordering::Relaxed);
    #[cfg(not(debug_assertions))]
    let _ = (s, n);
}

/// How many planes (or row blocks) each strategy (in [`Strategy::ALL`] order) pooled since
/// the last call, process-wide; resets the counts. `None` in builds without debug
/// assertions, which do not count. For tests: run one call at a time.
pub fn strategy_counts() -> Option<[usize; Strategy::ALL.len()]> {
    #[cfg(debug_assertions)]
    return Some(core::array::from_fn(|i| {
        RAN[i].swap(0, core::sync::atomic::Ordering::Relaxed)
    }));
    #[cfg(not(debug_assertions))]
    None
}

/// One instance of [`plane`], as a function pointer.
pub(crate) type OnePlane = unsafe fn(&Geometry, &[f32], &mut [f32], &mut [i64], Range<usize>);

/// `one` (a [`plane`] instance) over `n` consecutive planes: `src` holds `n` input planes,
/// `dst` (and `idx` when `R::INDICES`) `n` blocks of `rows.len() · ow` values. When the
/// rows read hold no NaN, `no_nan` (the instance for `R::NanFree`) runs instead.
///
/// # Safety
/// As [`plane`], for every plane; `one` and `no_nan` must be `plane` for `V`, `T` and
/// `R`, `R::NanFree`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn planes<V: F32Vec, T: F32Vec, R: Reduce>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
    n: usize,
    one: OnePlane,
    no_nan: OnePlane,
) {
    let n_planes = n;
    let hw = g.plane_len();
    let per = rows.len() * g.output()[1];
    if g.is_contiguous_global() && !R::INDICES && !rows.is_empty() {
        // Global pooling: the planes' runs back to back, no per-plane call (ResNet's head
        // is 2048 planes of 49 values: per-plane setup was a third of the time).
        let [kh, kw] = g.kernel();
        let div = g.divide_by(kh, kw, kh, kw);
        // Runs shorter than four vectors fold fewer lanes with the narrower vector
        // (measured on AVX-512 with 49 values: 21 µs with 16 lanes, 14 with 8).
        let narrow = kh * kw < 4 * V::LANES;
        let mut done = 0;
        'runs: while done < n {
            // Runs a vector long or more, a vector of them at a time where the reducer can.
            let v = kh * kw >= V::LANES && done + V::LANES <= n;
            let t = kh * kw >= T::LANES && done + T::LANES <= n;
            let (at, out) = (src[done * hw..].as_ptr(), dst[done..].as_mut_ptr());
            // SAFETY: the caller vouches for the ISAs; the group's planes are in `src` (hw
            // values apart, kh·kw read from each), its outputs in `dst`.
            let (took, group) = unsafe {
                if v {
                    (
                        R::contiguous_lanes::<V>(at, hw, kh * kw, div, out),
                        V::LANES,
                    )
                } else if t {
                    (
                        R::contiguous_lanes::<T>(at, hw, kh * kw, div, out),
                        T::LANES,
                    )
                } else {
                    (false, 1)
                }
            };
            if took {
                done += group;
                continue;
            }
            // The group's planes one at a time (a group that could not: huge values).
            for _ in 0..group {
                let at = src[done * hw..].as_ptr();
                // SAFETY: the caller vouches for the ISAs; plane `done` holds kh·kw values.
                let v = unsafe {
                    if narrow {
                        R::contiguous::<T>(at, kh * kw, div)
                    } else {
                        R::contiguous::<V>(at, kh * kw, div)
                    }
                };
                match v {
                    Some(v) => dst[done] = v,
                    None => break 'runs,
                }
                done += 1;
            }
        }
        if done == n {
            ran_n(Strategy::Global, n);
            return;
        }
    }
    // Planes that stack into one tall plane are pooled as one: per-plane and per-row setup
    // once per call (VGG's 14×14 planes: 94 µs for 512 of them, 24 as one).
    let full = rows == (0..g.output()[0]);
    let tall = if full { g.stacked(n) } else { None };
    let (g, n, rows, per) = match &tall {
        Some(t) => (t, 1, 0..t.output()[0], n * per),
        None => (g, n, rows, per),
    };
    let hw = g.plane_len();
    // The NaN scan pays where taps outnumber inputs (stride 1: googlenet_s1 and yolo_spp5
    // ran 1.4× faster); with about one tap per input, a max is memory-bound and the scan's
    // extra pass only cost time (vgg_224 and the ResNet stem ran 10–35 % slower).
    let [kh, kw] = g.kernel();
    let [sh, sw] = g.stride();
    let dense = kh.saturating_mul(kw) >= sh.saturating_mul(sw).saturating_mul(4);
    if !R::SCANS_NAN || !dense {
        // SAFETY: forwarded from this function's contract.
        unsafe { each::<R>(one, g, src, dst, idx, rows.clone(), 0..n, per) };
    } else if rows.len() == g.output()[0] && hw <= SCAN_BLOCK {
        // Max: whole small planes, scanned for NaN a group at a time (the group still in
        // cache when pooled; a scan of the whole input first cost a memory pass).
        let group = (SCAN_BLOCK / hw).max(1);
        let mut p0 = 0;
        while p0 < n {
            let p1 = (p0 + group).min(n);
            let at = src[p0 * hw..p1 * hw].as_ptr();
            // SAFETY: the caller vouches for V's ISA; planes p0..p1 are in `src`.
            let f = if unsafe { nan_free::<V>(at, (p1 - p0) * hw) } {
                no_nan
            } else {
                one
            };
            // SAFETY: forwarded from this function's contract.
            unsafe { each::<R>(f, g, src, dst, idx, rows.clone(), p0..p1, per) };
            p0 = p1;
        }
    } else {
        // Max on large planes: bands of output rows whose input rows fit the block.
        let ow = g.output()[1];
        let [sh, w] = [g.stride()[0], g.input()[1]];
        let band = (SCAN_BLOCK / w.saturating_mul(sh).max(1)).max(1);
        for p in 0..n {
            let plane = &src[p * hw..(p + 1) * hw];
            let mut r0 = rows.start;
            while r0 < rows.end {
                let r1 = (r0 + band).min(rows.end);
                let (a, b) = ((r0 - rows.start) * ow, (r1 - rows.start) * ow);
                let i = if R::INDICES {
                    &mut idx[p * per + a..p * per + b]
                } else {
                    &mut []
                };
                let d = &mut dst[p * per + a..p * per + b];
                // SAFETY: the caller vouches for V's ISA; `plane` is one input plane.
                let f = if unsafe { scan::<V>(g, plane, r0..r1) } {
                    no_nan
                } else {
                    one
                };
                // SAFETY: forwarded; the slices hold exactly rows r0..r1.
                unsafe { f(g, plane, d, i, r0..r1) };
                r0 = r1;
            }
        }
    }
    if tall.is_some() && R::INDICES {
        // The tall plane numbers its rows on through the stack: back to per plane.
        let (hw, per) = (hw / n_planes, per / n_planes);
        for (p, ix) in idx[..n_planes * per]
            .chunks_exact_mut(per)
            .enumerate()
            .skip(1)
        {
            let shift = (p * hw) as i64;
            ix.iter_mut().for_each(|i| *i -= shift);
        }
    }
}

/// `f` (a [`plane`] instance) on output rows `rows` of planes `ps`, whose outputs are
/// `per` values apart.
///
/// # Safety
/// As [`planes`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn each<R: Reduce>(
    f: OnePlane,
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
    ps: Range<usize>,
    per: usize,
) {
    let hw = g.plane_len();
    for p in ps {
        let i = if R::INDICES {
            &mut idx[p * per..(p + 1) * per]
        } else {
            &mut []
        };
        let (s, d) = (&src[p * hw..(p + 1) * hw], &mut dst[p * per..(p + 1) * per]);
        // SAFETY: forwarded; each plane's slices are sized as `plane` needs.
        unsafe { f(g, s, d, i, rows.clone()) };
    }
}

/// Input floats scanned for NaN, then pooled, at a time: small enough to stay in L2.
const SCAN_BLOCK: usize = 16 * 1024;

/// Whether the input rows that output rows `rows` of the plane `src` read hold no NaN.
///
/// # Safety
/// The CPU must support `V`'s ISA; `src` holds the plane.
#[inline(always)]
unsafe fn scan<V: F32Vec>(g: &Geometry, src: &[f32], rows: Range<usize>) -> bool {
    let [h, w] = g.input();
    if rows.is_empty() {
        return true;
    }
    // Windows move down with the row: every row read lies between the first window's
    // start and the last window's end (not its first tap: dilation skips rows).
    let reach = ((g.kernel()[0] - 1) * g.dilation()[0]) as isize;
    let y0 = g.row(rows.start).iy0.clamp(0, h as isize) as usize;
    let y1 = (g.row(rows.end - 1).iy0 + reach + 1).clamp(0, h as isize) as usize;
    let at = src[(y0 * w).min(src.len())..].as_ptr();
    // SAFETY: rows y0..y1 are inside the plane.
    unsafe { nan_free::<V>(at, y1.saturating_sub(y0) * w) }
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
            ran(Strategy::Global);
            return;
        }
    }
    // Monomorphize the shapes that dominate real networks, so their tap loops unroll.
    // SAFETY: every arm forwards this function's contract.
    unsafe {
        match (g.stride()[1], g.kernel()[1]) {
            (1, 2) => choose::<V, T, R, 1, 2>(g, src, dst, idx, rows),
            (1, 3) => choose::<V, T, R, 1, 3>(g, src, dst, idx, rows),
            (2, 2) => choose::<V, T, R, 2, 2>(g, src, dst, idx, rows),
            (2, 3) => choose::<V, T, R, 2, 3>(g, src, dst, idx, rows),
            (1, _) => choose::<V, T, R, 1, 0>(g, src, dst, idx, rows),
            (2, _) => choose::<V, T, R, 2, 0>(g, src, dst, idx, rows),
            (_, _) => choose::<V, T, R, 0, 0>(g, src, dst, idx, rows),
        }
    }
}

/// [`plane`] with the horizontal stride `S` and kernel width `KW` fixed (0: read from `g`).
///
/// # Safety
/// As [`plane`].
#[inline(always)]
unsafe fn choose<V: F32Vec, T: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    rows: Range<usize>,
) {
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
    // Windows tiling the plane at a stride the row walk would gather: scratch rows.
    // SAFETY: forwarded from this function's contract.
    if S == 0 && unsafe { blocks::<V, T, R>(g, src, dst, rows.clone()) } {
        ran(Strategy::Blocks);
        return;
    }
    // Same-size stride-1 planes as flat runs (both passes), else separable tiles.
    // SAFETY: forwarded from this function's contract (argmax offsets fit an f32).
    if vectors && S == 1 && unsafe { flat::<V, T, R, KW>(g, src, dst, idx, rows.clone()) } {
        ran(Strategy::Flat);
        return;
    }
    // Separable tiles where neighbouring output rows share input rows: vertical stride 1
    // (measured slower than row by row for stride 2, which shares a third of the rows).
    if vectors && g.stride()[0] == 1 {
        // SAFETY: forwarded from this function's contract (argmax offsets fit an f32).
        let done = unsafe { tiles::<V, T, R, S, KW>(g, src, dst, idx, rows.clone(), span.clone()) };
        if done {
            ran(Strategy::Tiles);
            return;
        }
    }
    ran(Strategy::Rows);
    // SAFETY: forwarded from this function's contract; `span` is the stride-adjusted
    // interior.
    unsafe { by_rows::<V, T, R, S, KW>(g, src, dst, idx, rows, span, vectors) }
}
