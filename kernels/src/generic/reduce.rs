//! The bottom layer every strategy shares: the [`Reduce`] vocabulary a reducer implements,
//! the per-column tap arithmetic, exact one-tap-at-a-time windows, and vector tap loads.

use crate::geometry::{taps, Geometry, RowTaps};
use crate::vector::{F32Vec, MAX_LANES};

/// One reduction (max, argmax, average) in the vocabulary of [`F32Vec`].
pub(crate) trait Reduce {
    /// Whether the reducer writes indices.
    const INDICES: bool;
    /// A tap value that leaves the result bit-identical to skipping the tap (padding lanes).
    const FILL: f32;
    /// Whether [`Reduce::finish`] reads its divisor.
    const DIVIDES: bool;
    /// Whether inputs are scanned for NaN first, to run [`Reduce::NanFree`] when there is
    /// none.
    const SCANS_NAN: bool;
    /// Per-window state held in `V`'s lanes.
    type State<V: F32Vec>: Copy;
    /// The same reduction for inputs known to hold no NaN (cheaper steps), bit for bit.
    type NanFree: Reduce;

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

    /// [`Reduce::contiguous`] for `LANES` runs at once, `src[p·stride ..][..n]` for lane `p`,
    /// into `out[..LANES]`: whether this reducer has such a path (else nothing is written).
    ///
    /// # Safety
    /// As [`Reduce::start`]; every run readable, `out[..LANES]` writable; `n >= LANES`.
    #[inline(always)]
    unsafe fn contiguous_lanes<V: F32Vec>(
        _src: *const f32,
        _stride: usize,
        _n: usize,
        _div: f32,
        _out: *mut f32,
    ) -> bool {
        false
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
#[derive(Clone, Copy)]
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

/// Folds the first `lanes` values of `a` pairwise (`a[i] = f(a[i], a[i + half])`, halving),
/// so a lane reduction costs log2(lanes) dependent steps rather than `lanes` (measured:
/// the sequential fold was most of a 7×7 global average). `lanes` is a power of two.
#[inline(always)]
pub(super) fn tree(a: &mut [f32; MAX_LANES], lanes: usize, f: fn(f32, f32) -> f32) -> f32 {
    let mut half = lanes / 2;
    while half > 0 {
        for i in 0..half {
            a[i] = f(a[i], a[i + half]);
        }
        half /= 2;
    }
    a[0]
}
