//! Windows that tile the plane: kernel = stride ≥ 3 on the row, no padding, no dilation,
//! every window inside the input. Adaptive pooling with equal windows lands here (28 → 7 is
//! 4×4 stride 4), where the row walk would gather each stride-4 tap lane by lane.
//!
//! Each output row first reduces its `kh` input rows lane by lane over the `ow·kw` columns
//! the windows cover (contiguous vectors), then each output reduces its `kw` neighbours in
//! that scratch row: four-wide windows (adaptive 28 → 7) by reducing neighbouring pairs
//! twice, de-interleaved, so no window start is wasted; other widths from every start.
//! Values only: argmax keeps PyTorch's order on the row walk. The order is column-first,
//! so: average differs by rounding (used only when no partial sum can overflow in any
//! order); max differs only where equal-comparing values differ in bits (±0, NaN
//! payloads), so outputs that come out 0 or NaN are redone in PyTorch's order.

use core::mem::MaybeUninit;
use core::ops::Range;

use crate::geometry::Geometry;
use crate::vector::F32Vec;

use super::flat::Chunks;
use super::reduce::Reduce;

/// Columns of one scratch row.
const SCRATCH: usize = 2048;

/// Pools output rows `rows` of a tiling plane. Returns `false` (writing nothing) when the
/// plane is not one, the reducer writes indices, or an average's partial sums could
/// overflow in this order.
///
/// # Safety
/// As `strategy::plane`.
#[inline(always)]
pub(super) unsafe fn blocks<V: F32Vec, T: F32Vec, R: Reduce>(
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    rows: Range<usize>,
) -> bool {
    let [h, w] = g.input();
    let [oh, ow] = g.output();
    let [kh, kw] = g.kernel();
    let tiles = g.stride() == [kh, kw]
        && g.padding() == [0, 0]
        && g.pad_end() == [0, 0]
        && g.dilation() == [1, 1];
    let n = ow * kw;
    if R::INDICES || !tiles || kw < 3 || oh * kh > h || n > w || n > SCRATCH || rows.is_empty() {
        return false;
    }
    let read = &src[rows.start * kh * w..rows.end * kh * w];
    // SAFETY: the caller vouches for V's ISA; `read` holds the rows.
    if !unsafe { R::regroups::<V>(read.as_ptr(), read.len(), kh * kw) } {
        return false;
    }
    let div = g.divide_by(kh, kw, kh, kw);
    let mut buf = [MaybeUninit::<f32>::uninit(); SCRATCH];
    let mut win = [MaybeUninit::<f32>::uninit(); SCRATCH];
    let (b, v) = (
        buf.as_mut_ptr().cast::<f32>(),
        win.as_mut_ptr().cast::<f32>(),
    );
    // Output rows in groups whose scratch rows fit, every group's column pass before its
    // window pass: the window pass reads the scratch at odd offsets, and reading vectors
    // just stored (still in the store buffer) stalls on forwarding (measured: most of the
    // time when the passes alternated row by row).
    let group = SCRATCH / n;
    let mut oy0 = rows.start;
    while oy0 < rows.end {
        let oy1 = (oy0 + group).min(rows.end);
        let m = (oy1 - oy0) * n;
        // The window starting at x reduces b[x .. x + kw]; starts that cross from one
        // scratch row into the next are computed and never read.
        let starts = m - kw + 1;
        // Four-wide windows with a vector of pairs to halve: see `pairs`.
        let halves = kw == 4 && m / 2 >= V::LANES;
        // SAFETY: columns 0..n of each output row's kh input rows are inside the plane
        // (oh·kh <= h, n <= w); b and v hold m <= SCRATCH values; the window pass reads
        // b[..starts + kw - 1] = b[..m]; the caller vouches for the ISAs.
        unsafe {
            for oy in oy0..oy1 {
                let base = src.as_ptr().add(oy * kh * w);
                let row = b.add((oy - oy0) * n);
                if n >= V::LANES {
                    for x in Chunks::new(n, V::LANES) {
                        column::<V, R>(base, w, kh, x, row);
                    }
                } else if n >= T::LANES {
                    for x in Chunks::new(n, T::LANES) {
                        column::<T, R>(base, w, kh, x, row);
                    }
                } else {
                    for x in 0..n {
                        column::<f32, R>(base, w, kh, x, row);
                    }
                }
            }
            if halves {
                // Four-wide windows by halving twice: pairs, then pairs of pairs (every
                // window start at a multiple of 4, none wasted), straight into `dst`.
                for x in Chunks::new(m / 2, V::LANES) {
                    pairs::<V, R>(b, x, 1.0, false, v);
                }
                let out = dst[(oy0 - rows.start) * ow..(oy1 - rows.start) * ow].as_mut_ptr();
                if m / 4 >= V::LANES {
                    for x in Chunks::new(m / 4, V::LANES) {
                        pairs::<V, R>(v, x, div, true, out);
                    }
                } else if m / 4 >= T::LANES {
                    for x in Chunks::new(m / 4, T::LANES) {
                        pairs::<T, R>(v, x, div, true, out);
                    }
                } else {
                    for x in 0..m / 4 {
                        pairs::<f32, R>(v, x, div, true, out);
                    }
                }
            } else if starts >= V::LANES {
                for x in Chunks::new(starts, V::LANES) {
                    windows::<V, R>(b, kw, div, x, v);
                }
            } else if starts >= T::LANES {
                for x in Chunks::new(starts, T::LANES) {
                    windows::<T, R>(b, kw, div, x, v);
                }
            } else {
                for x in 0..starts {
                    windows::<f32, R>(b, kw, div, x, v);
                }
            }
        }
        for oy in oy0..oy1 {
            let r = oy - rows.start;
            let out = &mut dst[r * ow..(r + 1) * ow];
            if !halves {
                for (ox, o) in out.iter_mut().enumerate() {
                    // SAFETY: (oy - oy0)·n + ox·kw < starts, written just above.
                    *o = unsafe { *v.add((oy - oy0) * n + ox * kw) };
                }
            }
            if !R::DIVIDES {
                let t = g.row(oy);
                for (ox, o) in out.iter_mut().enumerate() {
                    if *o == 0.0 || o.is_nan() {
                        // SAFETY: `src` holds the plane (this function's contract).
                        *o = unsafe { R::one(g, src, &t, ox) }.0;
                    }
                }
            }
        }
        oy0 = oy1;
    }
    true
}

/// `LANES` reductions of neighbouring pairs, `buf[2x], buf[2x + 1]` onwards, into
/// `dst[x ..]`: parked when not `last`, finished (divided by `div`) when `last`.
///
/// # Safety
/// `buf[2x .. 2x + 2·LANES]` readable, `dst[x .. x + LANES]` writable (and distinct from
/// what the pass reads); the CPU supports `V`'s ISA.
#[inline(always)]
unsafe fn pairs<V: F32Vec, R: Reduce>(
    buf: *const f32,
    x: usize,
    div: f32,
    last: bool,
    dst: *mut f32,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let (even, odd) = V::load_pair(buf.add(2 * x));
        let st = R::step(R::step(R::start::<V>(V::splat(0.0)), even, 0.0), odd, 0.0);
        if last {
            R::finish(st, V::splat(div), dst.add(x), core::ptr::null_mut(), 0, 0);
        } else {
            R::park(st, dst.add(x), dst.add(x));
        }
    }
}

/// The `kw`-wide reductions starting at positions `x .. x + LANES` of `buf`, finished
/// (divided, for average) into `win[x ..]`.
///
/// # Safety
/// `buf[x .. x + LANES + kw - 1]` readable, `win[x .. x + LANES]` writable; the CPU supports
/// `V`'s ISA.
#[inline(always)]
unsafe fn windows<V: F32Vec, R: Reduce>(
    buf: *const f32,
    kw: usize,
    div: f32,
    x: usize,
    win: *mut f32,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let mut st = R::start::<V>(V::splat(0.0));
        for kx in 0..kw {
            st = R::step(st, V::load(buf.add(x + kx)), 0.0);
        }
        R::finish(st, V::splat(div), win.add(x), core::ptr::null_mut(), 0, 0);
    }
}

/// Reduces columns `x .. x + LANES` of the `kh` rows from `base` (row stride `w`) into
/// `buf[x ..]`.
///
/// # Safety
/// The rows' columns and `buf[x .. x + LANES]` in bounds; the CPU supports `V`'s ISA.
#[inline(always)]
unsafe fn column<V: F32Vec, R: Reduce>(
    base: *const f32,
    w: usize,
    kh: usize,
    x: usize,
    buf: *mut f32,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let mut st = R::start::<V>(V::splat(0.0));
        for ky in 0..kh {
            st = R::step(st, V::load(base.add(ky * w + x)), 0.0);
        }
        R::park(st, buf.add(x), buf.add(x));
    }
}
