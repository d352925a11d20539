//! Row blocks for stride-1 windows: `BLOCK` output rows at once, each input row reduced
//! horizontally once and merged into every output row that covers it. Max stays exact (its
//! step keeps the earliest maximum and the last NaN under any grouping); average sums row
//! sums, which is PyTorch's order up to rounding.

use core::ops::Range;

use crate::geometry::Geometry;
use crate::vector::F32Vec;

use super::walk::{clip, load, Dims, Reduce, Row};

/// Output rows per row block.
pub(super) const BLOCK: usize = 4;

/// Output rows `oy..oy + BLOCK` (stride 1, every vertical tap inside the input): borders as in
/// `lanes`, the interior by [`chunk_rows`]. Returns `false` (writing nothing) when the
/// interior is narrower than `V`.
///
/// # Safety
/// As [`walk`]; the block's rows are vertically inside the input.
#[inline(always)]
pub(super) unsafe fn block<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    oy: usize,
    outs: [&mut &mut [f32]; BLOCK],
    span: Range<usize>,
) -> bool {
    let l = V::LANES;
    if span.len() < l || l == 1 {
        return false;
    }
    let kw = g.kernel()[1];
    let ow = g.output()[1];
    let [o0, o1, o2, o3] = outs;
    for (j, out) in [&mut *o0, &mut *o1, &mut *o2, &mut *o3]
        .into_iter()
        .enumerate()
    {
        let t = g.row(oy + j);
        let mut row = Row {
            t,
            div: g.divide_by(t.ky_hi - t.ky_lo, kw, t.incl, kw),
            out,
            ix: &mut [],
        };
        // SAFETY: forwarded from this function's contract.
        unsafe {
            clip::<V, R, S, KW>(g, src, &mut row, 0..span.start);
            clip::<V, R, S, KW>(g, src, &mut row, span.end..ow);
        }
    }
    let mut ox = span.start;
    loop {
        let at = ox.min(span.end - l);
        // SAFETY: forwarded; [at, at + LANES) is inside the span.
        unsafe {
            chunk_rows::<V, R, S, KW>(g, src, oy, [&mut *o0, &mut *o1, &mut *o2, &mut *o3], at)
        };
        ox = at + l;
        if ox >= span.end {
            return true;
        }
    }
}

/// `V::LANES` interior outputs of `BLOCK` stacked rows: every input row the block covers is
/// reduced horizontally once and merged into each output row that covers it, in row order.
///
/// # Safety
/// As [`block`]; `[ox, ox + LANES)` inside the stride-adjusted interior.
#[inline(always)]
unsafe fn chunk_rows<V: F32Vec, R: Reduce, const S: usize, const KW: usize>(
    g: &Geometry,
    src: &[f32],
    oy: usize,
    outs: [&mut &mut [f32]; BLOCK],
    ox: usize,
) {
    let Dims { w, dw, kw, sw, .. } = Dims::of::<S, KW>(g);
    let kh = g.kernel()[0];
    let y0 = g.row(oy).iy0 as usize;
    let x0 = g.col0(ox) as usize;
    let base = src.as_ptr();
    // SAFETY: the caller vouches for V's ISA.
    let fresh = || unsafe { R::start::<V>(V::splat(0.0)) };
    let mut st = [fresh(); BLOCK];
    for y in y0..y0 + kh + BLOCK - 1 {
        let mut h = fresh();
        for kx in 0..kw {
            // SAFETY: row y is inside the plane (the block is vertically inside) and every
            // lane's tap is inside the row (interior, with the stride-2 spare element).
            h = unsafe { R::step(h, load::<V, S>(base.add(y * w + x0 + kx * dw), sw), 0.0) };
        }
        for (j, s) in st.iter_mut().enumerate() {
            if (y0 + j..y0 + j + kh).contains(&y) {
                // SAFETY: ISA vouched for by the caller.
                *s = unsafe { R::merge(*s, h) };
            }
        }
    }
    let div = g.divide_by(kh, kw, kh, kw);
    for (s, out) in st.into_iter().zip(outs) {
        // SAFETY: out[ox..ox + LANES] is inside the row (interior); no indices here.
        unsafe {
            R::finish(
                s,
                V::splat(div),
                out[ox..ox + V::LANES].as_mut_ptr(),
                core::ptr::null_mut(),
                0,
                sw,
            )
        };
    }
}
