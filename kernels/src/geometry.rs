//! The per-shape plan every kernel reads: sizes, taps, and the split of each output row into
//! left border, interior and right border, computed once per call rather than per row.

/// What an average window is divided by (PyTorch's `count_include_pad`/`divisor_override`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Divisor {
    /// Taps inside the input or its padding, `[-p, n + p)` per dimension.
    IncludePad,
    /// Taps inside the input only.
    ExcludePad,
    /// A fixed divisor for every window.
    Override(u64),
}

/// The geometry of one pooling call over a single `h × w` plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
    k: [usize; 2],
    s: [usize; 2],
    /// Leading padding (where window 0 starts: `-p`).
    p: [usize; 2],
    /// Trailing padding: bounds only what [`Divisor::IncludePad`] counts.
    pe: [usize; 2],
    d: [usize; 2],
    divisor: Divisor,
    /// Output columns `[ox_lo, ox_hi)` have every horizontal tap inside the row.
    ox_lo: usize,
    ox_hi: usize,
    /// Like `ox_hi`, with one more readable element after the last tap: what a stride-2
    /// load (two vectors, de-interleaved) needs.
    ox_hi_even: usize,
}

/// The vertical taps of one output row: which kernel rows land inside the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowTaps {
    /// Input row of kernel row 0 (negative inside the top padding).
    pub iy0: isize,
    /// Kernel rows `[ky_lo, ky_hi)` are inside the input.
    pub ky_lo: usize,
    /// See `ky_lo`.
    pub ky_hi: usize,
    /// Kernel rows inside the input or its padding (for [`Divisor::IncludePad`]).
    pub incl: usize,
}

/// Taps `[lo, hi)` of a window starting at `start` (stride-free, dilation `d`, `k` taps)
/// that fall in `[0, n)`, and how many fall in `[start, n + p)` (windows start inside the
/// leading padding, so that is every tap inside the input or its padding, `p` being the
/// trailing padding). `lo` may exceed `hi` (no tap
/// inside); `lo` still names the first tap at or after 0, which is where PyTorch starts.
#[inline(always)]
pub(crate) fn taps(start: isize, k: usize, d: usize, n: usize, p: usize) -> (usize, usize, usize) {
    let (k, d, n, p) = (k as isize, d as isize, n as isize, p as isize);
    if d == 1 {
        // No divisions: this runs per row and per border column.
        let hi = (n - start).clamp(0, k);
        return (
            (-start).max(0) as usize,
            hi as usize,
            (n + p - start).clamp(0, k) as usize,
        );
    }
    let lo = if start < 0 { (-start + d - 1) / d } else { 0 };
    let hi = if start >= n {
        0
    } else {
        k.min((n - start + d - 1) / d)
    };
    // start >= -p always (it is o*s - p), so every tap before the first past n + p counts.
    let incl = k.min((n + p - start + d - 1) / d).max(0);
    (lo as usize, hi as usize, incl as usize)
}

/// One spatial axis of a pooling window: the sizes and window parameters along it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    /// Input length.
    pub size: usize,
    /// Output length (the caller's choice; any value is memory-safe).
    pub out: usize,
    /// Window taps.
    pub kernel: usize,
    /// Step between windows.
    pub stride: usize,
    /// Padding before the input: window `o` starts at `o·stride - pad_begin`.
    pub pad_begin: usize,
    /// Padding after the input (counted by [`Divisor::IncludePad`] only).
    pub pad_end: usize,
    /// Spacing between taps.
    pub dilation: usize,
}

impl Axis {
    /// An axis with PyTorch's symmetric padding `pad`.
    pub fn symmetric(
        size: usize,
        out: usize,
        kernel: usize,
        stride: usize,
        pad: usize,
        dilation: usize,
    ) -> Axis {
        Axis {
            size,
            out,
            kernel,
            stride,
            pad_begin: pad,
            pad_end: pad,
            dilation,
        }
    }

    /// Where window `o` starts (negative inside the leading padding).
    #[inline(always)]
    pub fn start(&self, o: usize) -> isize {
        (o * self.stride) as isize - self.pad_begin as isize
    }

    /// The taps of window `o`: `[lo, hi)` inside the input (`lo` may exceed `hi`: none;
    /// `lo` is still the first tap at or after 0, where PyTorch starts), and how many lie
    /// inside the input or its padding.
    #[inline(always)]
    pub fn taps(&self, o: usize) -> (usize, usize, usize) {
        taps(
            self.start(o),
            self.kernel,
            self.dilation,
            self.size,
            self.pad_end,
        )
    }
}

impl Geometry {
    /// Builds the plan for an `h × w` plane pooled to `oh × ow` with kernel `k`, stride `s`,
    /// symmetric padding `p` and dilation `d` (each `[vertical, horizontal]`).
    ///
    /// Returns `None` when a size is zero or the index arithmetic would not fit in `isize`.
    /// Output sizes are the caller's choice: any value is memory-safe (taps are clipped to the
    /// input), and the PyTorch rules for them live in `simdpool`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        [h, w]: [usize; 2],
        [oh, ow]: [usize; 2],
        k: [usize; 2],
        s: [usize; 2],
        p: [usize; 2],
        d: [usize; 2],
        divisor: Divisor,
    ) -> Option<Geometry> {
        Geometry::from_axes(
            [
                Axis::symmetric(h, oh, k[0], s[0], p[0], d[0]),
                Axis::symmetric(w, ow, k[1], s[1], p[1], d[1]),
            ],
            divisor,
        )
    }

    /// Builds the plan from its `[vertical, horizontal]` axes, which may pad each side
    /// differently (ONNX `pads`). `None` as for [`Geometry::new`].
    pub fn from_axes([y, x]: [Axis; 2], divisor: Divisor) -> Option<Geometry> {
        let ([h, w], [oh, ow]) = ([y.size, x.size], [y.out, x.out]);
        let (k, s) = ([y.kernel, x.kernel], [y.stride, x.stride]);
        let (p, pe) = ([y.pad_begin, x.pad_begin], [y.pad_end, x.pad_end]);
        // A one-tap kernel has no spacing: drop its dilation so every bound below covers it.
        let d = [
            if k[0] == 1 { 1 } else { y.dilation },
            if k[1] == 1 { 1 } else { x.dilation },
        ];
        let all = [h, w, oh, ow, k[0], k[1], s[0], s[1], d[0], d[1]];
        if all.contains(&0) || matches!(divisor, Divisor::Override(0)) {
            return None;
        }
        // Every index computed below stays under this bound (plus small constants).
        let span = |n: usize, o: usize, i: usize| -> Option<usize> {
            let last_start = (o - 1).checked_mul(s[i])?;
            let reach = (k[i] - 1).checked_mul(d[i])?;
            last_start
                .checked_add(reach)?
                .checked_add(n)?
                .checked_add(p[i])?
                .checked_add(pe[i])?
                .checked_add(2)
        };
        // Flat offsets `y·w + x` of any tap within any window's reach must fit too.
        let rows = span(h, oh, 0)?;
        let bound = rows.checked_mul(span(w, ow, 1)?)?;
        if bound > isize::MAX as usize / 2 {
            return None;
        }
        let reach = (k[1] - 1) * d[1];
        let ox_lo = p[1].div_ceil(s[1]).min(ow);
        // Last ox with ox*s - p + reach + extra <= w - 1.
        let hi = |extra: usize| -> usize {
            let room = (w + p[1]) as isize - 1 - (reach + extra) as isize;
            if room < 0 {
                ox_lo
            } else {
                (room as usize / s[1] + 1).min(ow).max(ox_lo)
            }
        };
        Some(Geometry {
            h,
            w,
            oh,
            ow,
            k,
            s,
            p,
            pe,
            d,
            divisor,
            ox_lo,
            ox_hi: hi(0),
            ox_hi_even: hi(1),
        })
    }

    /// The `[vertical, horizontal]` axes this plan was built from (dilation 1 on a one-tap
    /// axis).
    pub fn axes(&self) -> [Axis; 2] {
        [0, 1].map(|i| Axis {
            size: [self.h, self.w][i],
            out: [self.oh, self.ow][i],
            kernel: self.k[i],
            stride: self.s[i],
            pad_begin: self.p[i],
            pad_end: self.pe[i],
            dilation: self.d[i],
        })
    }

    /// Input plane `[h, w]`.
    pub fn input(&self) -> [usize; 2] {
        [self.h, self.w]
    }
    /// Output plane `[oh, ow]`.
    pub fn output(&self) -> [usize; 2] {
        [self.oh, self.ow]
    }
    /// Kernel `[kh, kw]`.
    pub fn kernel(&self) -> [usize; 2] {
        self.k
    }
    /// Stride `[sh, sw]`.
    pub fn stride(&self) -> [usize; 2] {
        self.s
    }
    /// Leading padding `[ph, pw]` (the padding on both sides unless built with
    /// [`Geometry::from_axes`]).
    pub fn padding(&self) -> [usize; 2] {
        self.p
    }
    /// Trailing padding `[ph, pw]`.
    pub fn pad_end(&self) -> [usize; 2] {
        self.pe
    }
    /// Dilation `[dh, dw]`.
    pub fn dilation(&self) -> [usize; 2] {
        self.d
    }
    /// The average divisor rule.
    pub fn divisor(&self) -> Divisor {
        self.divisor
    }
    /// Elements in one input plane.
    pub fn plane_len(&self) -> usize {
        self.h * self.w
    }
    /// Elements in one output plane.
    pub fn out_len(&self) -> usize {
        self.oh * self.ow
    }
    /// Output columns whose every tap lies inside the row.
    pub fn interior(&self) -> core::ops::Range<usize> {
        self.ox_lo..self.ox_hi
    }
    pub(crate) fn interior_end_even(&self) -> usize {
        self.ox_hi_even
    }
    /// Output rows whose every vertical tap lies inside the plane.
    pub(crate) fn inner_rows(&self) -> core::ops::Range<usize> {
        let reach = (self.k[0] - 1) * self.d[0];
        let lo = self.p[0].div_ceil(self.s[0]).min(self.oh);
        // Last oy with oy·s - p + reach <= h - 1.
        let room = (self.h + self.p[0]) as isize - 1 - reach as isize;
        let hi = if room < 0 {
            lo
        } else {
            (room as usize / self.s[0] + 1).min(self.oh).max(lo)
        };
        lo..hi
    }

    /// Whether every tap's offset from its window origin, `ky·dh·w + kx·dw`, is an integer
    /// an `f32` holds exactly (at most 2^24): what argmax's vector lanes carry. The bound is
    /// on the offsets, not the plane: a window hanging into the padding reaches past it.
    pub(crate) fn offsets_fit_f32(&self) -> bool {
        // No overflow: both terms are below the span `new` checked.
        let last = (self.k[0] - 1) * self.d[0] * self.w + (self.k[1] - 1) * self.d[1];
        last <= 1 << 24
    }

    /// Vertical taps of output row `oy`.
    #[inline(always)]
    pub fn row(&self, oy: usize) -> RowTaps {
        let iy0 = (oy * self.s[0]) as isize - self.p[0] as isize;
        let (ky_lo, ky_hi, incl) = taps(iy0, self.k[0], self.d[0], self.h, self.pe[0]);
        RowTaps {
            iy0,
            ky_lo,
            ky_hi,
            incl,
        }
    }

    /// Input column of kernel column 0 for output column `ox` (negative in the left padding).
    #[inline(always)]
    pub(crate) fn col0(&self, ox: usize) -> isize {
        (ox * self.s[1]) as isize - self.p[1] as isize
    }

    /// The divisor of a window with `ny` × `nx` taps inside the input and `iy` × `ix` inside
    /// input plus padding.
    #[inline(always)]
    pub(crate) fn divide_by(&self, ny: usize, nx: usize, iy: usize, ix: usize) -> f32 {
        match self.divisor {
            Divisor::IncludePad => (iy * ix) as f32,
            Divisor::ExcludePad => (ny * nx) as f32,
            Divisor::Override(d) => d as f32,
        }
    }

    /// The divisor as a product of a per-row and a per-column factor (separable windows):
    /// the row factor of a row with `ny` taps inside the input and `iy` inside input plus
    /// padding. Exact: both factors are integers below 2^24 (checked by the caller), so their
    /// f32 product is the integer product rounded once, as [`Geometry::divide_by`] rounds it.
    #[inline(always)]
    pub(crate) fn row_factor(&self, ny: usize, iy: usize) -> f32 {
        match self.divisor {
            Divisor::IncludePad => iy as f32,
            Divisor::ExcludePad => ny as f32,
            Divisor::Override(_) => 1.0,
        }
    }
    /// The column factor matching [`Geometry::row_factor`].
    #[inline(always)]
    pub(crate) fn col_factor(&self, nx: usize, ix: usize) -> f32 {
        match self.divisor {
            Divisor::IncludePad => ix as f32,
            Divisor::ExcludePad => nx as f32,
            Divisor::Override(d) => d as f32,
        }
    }

    /// The geometry of `n` of these planes stacked into one `n·h`-row plane, when that
    /// pools them exactly as one at a time: no vertical padding and windows that step
    /// exactly from one plane into the next (`h = oh·sh`, every window inside its plane).
    /// Small planes (VGG's 14×14, DenseNet's 28×28 transitions) then pay their per-plane
    /// and per-row setup once per call. `None` when the planes do not stack.
    pub(crate) fn stacked(&self, n: usize) -> Option<Geometry> {
        let [y, x] = self.axes();
        let tiles = y.pad_begin == 0
            && y.pad_end == 0
            && self.oh.checked_mul(self.s[0]) == Some(self.h)
            && (self.k[0] - 1) * self.d[0] < self.s[0];
        if !tiles || n < 2 {
            return None;
        }
        let y = Axis {
            size: self.h.checked_mul(n)?,
            out: self.oh.checked_mul(n)?,
            ..y
        };
        Geometry::from_axes([y, x], self.divisor)
    }

    /// Whether the whole window is the plane's first `kh` rows, read as one contiguous run:
    /// one output, no padding, undilated rows, full-width columns.
    pub(crate) fn is_contiguous_global(&self) -> bool {
        self.oh == 1
            && self.ow == 1
            && self.p == [0, 0]
            && self.pe == [0, 0]
            && self.d == [1, 1]
            && self.k[1] == self.w
            && self.k[0] <= self.h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_clip_to_input_and_padding() {
        // Window at -1 with 3 taps over 4 elements, padding 1: taps -1,0,1 -> inside 1..3.
        assert_eq!(taps(-1, 3, 1, 4, 1), (1, 3, 3));
        // Dilation 2 from -1: taps -1, 1, 3 -> first inside is tap 1.
        assert_eq!(taps(-1, 3, 2, 4, 1), (1, 3, 3));
        // Hanging past the right padding (ceil mode): start 3 in n=4, p=1: taps 3,4,5;
        // inside [0,4): just 3; inside [-1,5): 3 and 4.
        assert_eq!(taps(3, 3, 1, 4, 1), (0, 1, 2));
    }

    #[test]
    fn interior_columns() {
        // w=8, k=3, s=2, p=1: ox=0 starts at -1 (border); ox*2-1+2 <= 7 -> ox <= 3.
        let g = Geometry::new(
            [8, 8],
            [4, 4],
            [3, 3],
            [2, 2],
            [1, 1],
            [1, 1],
            Divisor::ExcludePad,
        )
        .unwrap();
        assert_eq!(g.interior(), 1..4);
        // One spare element: ox*2-1+3 <= 7 -> ox <= 2.
        assert_eq!(g.interior_end_even(), 3);
    }

    #[test]
    fn rejects_zero_and_overflow() {
        let d = Divisor::IncludePad;
        assert!(Geometry::new([0, 4], [1, 1], [1, 1], [1, 1], [0, 0], [1, 1], d).is_none());
        let big = usize::MAX / 2;
        assert!(Geometry::new([4, 4], [big, 1], [1, 1], [big, 1], [0, 0], [1, 1], d).is_none());
    }
}
