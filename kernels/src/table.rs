//! The one list of kernels: every (ISA, reducer) entry point, stamped by one macro per ISA
//! module and gathered into a [`Kernels`] table by one exhaustive `match`.

use core::ops::Range;

use crate::generic::channel_block::{BlockImage, BLOCK};
use crate::{Element, Geometry, Isa, Window};

/// Stamps the three `#[target_feature]` entry points of an ISA module: the only place the
/// feature string appears. `$v` is the main vector, `$t` the narrower tail vector.
macro_rules! entry_points {
    ($v:ty, $t:ty $(, $feat:literal)?) => {
        $crate::table::entry_point!(max, Max, $v, $t $(, $feat)?);
        $crate::table::entry_point!(argmax, ArgMax, $v, $t $(, $feat)?);
        $crate::table::entry_point!(avg, Avg, $v, $t $(, $feat)?);
        $crate::table::pixel_entries!(pixels_max_f32, pixels_argmax_f32, pixels_avg_f32, f32, $v, $t $(, $feat)?);
        $crate::table::pixel_entries!(pixels_max_f16, pixels_argmax_f16, pixels_avg_f16, half::f16, $v, $t $(, $feat)?);
        $crate::table::pixel_entries!(pixels_max_bf16, pixels_argmax_bf16, pixels_avg_bf16, half::bf16, $v, $t $(, $feat)?);
        $crate::table::pixel_entries!(pixels_max_i8, pixels_argmax_i8, pixels_avg_i8, i8, $v, $t $(, $feat)?);
        $crate::table::pixel_entries!(pixels_max_u8, pixels_argmax_u8, pixels_avg_u8, u8, $v, $t $(, $feat)?);
        $crate::table::convert_entries!($v $(, $feat)?);
        $crate::table::block_entries!($v $(, $feat)?);

        /// Element-wise max step of `n` values of `x` into `acc`.
        ///
        /// # Safety
        /// The CPU must support this module's ISA; pointers as `generic::merge::max_into`
        /// says.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn merge_max(acc: *mut f32, x: *const f32, n: usize) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::generic::merge::max_into::<$v>(acc, x, n) }
        }

        /// Element-wise max step of `n` values of `b` over `a`, into `out`.
        ///
        /// # Safety
        /// The CPU must support this module's ISA; pointers as `generic::merge::max_of`
        /// says.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn max_of(out: *mut f32, a: *const f32, b: *const f32, n: usize) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::generic::merge::max_of::<$v>(out, a, b, n) }
        }
    };
}

/// The channel-block transposes of an ISA (`generic::channel_block`) on its main vector.
macro_rules! block_entries {
    ($v:ty $(, $feat:literal)?) => {
        /// Planes into a channel block.
        ///
        /// # Safety
        /// The CPU must support this module's ISA; pointers and sizes as
        /// `generic::channel_block::to_pixels` says.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn to_block(
            src: *const f32, stride: usize, planes: usize, len: usize, dst: *mut f32,
            img: $crate::BlockImage,
        ) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::generic::channel_block::to_pixels::<$v>(src, stride, planes, len, dst, img) }
        }

        /// A channel block back into planes.
        ///
        /// # Safety
        /// The CPU must support this module's ISA; pointers and sizes as
        /// `generic::channel_block::from_pixels` says.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn from_block(
            src: *const f32, len: usize, dst: *mut f32, stride: usize, planes: usize,
        ) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::generic::channel_block::from_pixels::<$v>(src, len, dst, stride, planes) }
        }
    };
}

/// The element-type conversions of an ISA: `widen_<type>` and `narrow_<type>` for every
/// [`DType`](crate::DType), type-erased to byte pointers so that one table slot per type
/// holds them.
macro_rules! convert_entries {
    ($v:ty $(, $feat:literal)?) => {
        $crate::table::convert_entry!(widen_f32, narrow_f32, f32, $v $(, $feat)?);
        $crate::table::convert_entry!(widen_f16, narrow_f16, half::f16, $v $(, $feat)?);
        $crate::table::convert_entry!(widen_bf16, narrow_bf16, half::bf16, $v $(, $feat)?);
        $crate::table::convert_entry!(widen_i8, narrow_i8, i8, $v $(, $feat)?);
        $crate::table::convert_entry!(widen_u8, narrow_u8, u8, $v $(, $feat)?);
    };
}

/// The widening and narrowing of one element type `$e`.
macro_rules! convert_entry {
    ($widen:ident, $narrow:ident, $e:ty, $v:ty $(, $feat:literal)?) => {
        /// Widens rows of the element type (at `src`) to `f32`.
        ///
        /// # Safety
        /// The CPU must support this module's ISA; `src` points to elements of the type;
        /// pointers and sizes as `generic::convert::widen` says.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn $widen(
            src: *const u8, sld: usize, dst: *mut f32, dld: usize, rows: usize, cols: usize,
        ) {
            // SAFETY: forwarded from this function's contract.
            unsafe {
                $crate::generic::convert::widen::<$v, $e>(src.cast(), sld, dst, dld, rows, cols)
            }
        }

        /// Narrows rows of `f32` to the element type (at `dst`).
        ///
        /// # Safety
        /// As the widening, with the roles swapped.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn $narrow(
            src: *const f32, sld: usize, dst: *mut u8, dld: usize, rows: usize, cols: usize,
        ) {
            // SAFETY: forwarded from this function's contract.
            unsafe {
                $crate::generic::convert::narrow::<$v, $e>(src, sld, dst.cast(), dld, rows, cols)
            }
        }
    };
}

/// The byte kernels of an ISA: channels-last max of `i8` and `u8` on byte vectors `$b`
/// (`$t` for fewer channels), type-erased as the pixel entry points.
macro_rules! byte_entries {
    ($b:ty, $t:ty $(, $feat:literal)?) => {
        $crate::table::byte_entry!(bytes_max_i8, true, $b, $t $(, $feat)?);
        $crate::table::byte_entry!(bytes_max_u8, false, $b, $t $(, $feat)?);
    };
}

/// One byte kernel (`$signed`: the bytes are `i8`).
macro_rules! byte_entry {
    ($name:ident, $signed:literal, $b:ty, $t:ty $(, $feat:literal)?) => {
        /// Channels-last integer max pooling in the bytes.
        ///
        /// # Safety
        /// The CPU must support this module's ISA; `src`/`dst` point to `src_len`/`dst_len`
        /// bytes (`dst` not overlapping `src`); sizes as `generic::bytes::max_pixels` says.
        $(#[target_feature(enable = $feat)])?
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe fn $name(
            windows: &[$crate::Window], c: usize, ld: usize, _slack: usize, _uniform: bool,
            src: *const u8,
            src_len: usize, dst: *mut u8, dst_len: usize, _idx: &mut [i64],
        ) {
            // SAFETY: forwarded from this function's contract.
            unsafe {
                let src = core::slice::from_raw_parts(src, src_len);
                let dst = core::slice::from_raw_parts_mut(dst, dst_len);
                $crate::generic::bytes::max_pixels::<$b, $t, $signed>(windows, c, ld, src, dst)
            }
        }
    };
}

/// The channels-last entry points of one element type `$e`: max, argmax, average.
macro_rules! pixel_entries {
    ($max:ident, $argmax:ident, $avg:ident, $e:ty, $v:ty, $t:ty $(, $feat:literal)?) => {
        $crate::table::pixel_entry!($max, Max, $e, $v, $t $(, $feat)?);
        $crate::table::pixel_entry!($argmax, ArgMax, $e, $v, $t $(, $feat)?);
        $crate::table::pixel_entry!($avg, Avg, $e, $v, $t $(, $feat)?);
    };
}

/// One channels-last entry point: reducer `$r` over output pixels of element type `$e`,
/// its slices type-erased to pointer and length.
macro_rules! pixel_entry {
    ($name:ident, $r:ident, $e:ty, $v:ty, $t:ty $(, $feat:literal)?) => {
        /// The reducer over channels-last output pixels.
        ///
        /// # Safety
        /// The CPU must support this module's ISA; `src`/`dst` point to `src_len`/`dst_len`
        /// elements of the type (`dst` not overlapping `src`); sizes as `generic::pixels`
        /// says.
        $(#[target_feature(enable = $feat)])?
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe fn $name(
            windows: &[$crate::Window], c: usize, ld: usize, slack: usize, uniform: bool,
            src: *const u8,
            src_len: usize, dst: *mut u8, dst_len: usize, idx: &mut [i64],
        ) {
            // SAFETY: forwarded from this function's contract.
            unsafe {
                let src = core::slice::from_raw_parts(src.cast::<$e>(), src_len);
                let dst = core::slice::from_raw_parts_mut(dst.cast::<$e>(), dst_len);
                $crate::generic::pixels::<$v, $t, $crate::generic::$r, $e>(
                    windows, c, ld, slack, uniform, src, dst, idx,
                )
            }
        }
    };
}

/// One entry point: reducer `$r` over rows of consecutive planes.
macro_rules! entry_point {
    ($name:ident, $r:ident, $v:ty, $t:ty $(, $feat:literal)?) => {
        /// The reducer over rows of consecutive planes.
        ///
        /// # Safety
        /// The CPU must support this module's ISA; slices sized as `generic::planes` says.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn $name(
            g: &$crate::Geometry, src: &[f32], dst: &mut [f32], idx: &mut [i64],
            rows: core::ops::Range<usize>, planes: usize,
        ) {
            /// One plane, out of line: inlined into the plane loop, its many pointer offsets
            /// became loop variables spilled to the stack (measured: ~75 instructions a plane).
            ///
            /// # Safety
            /// As the entry point, for one plane.
            $(#[target_feature(enable = $feat)])?
            #[inline(never)]
            unsafe fn one(
                g: &$crate::Geometry, src: &[f32], dst: &mut [f32], idx: &mut [i64],
                rows: core::ops::Range<usize>,
            ) {
                // SAFETY: forwarded from this function's contract.
                unsafe { $crate::generic::plane::<$v, $t, $crate::generic::$r>(g, src, dst, idx, rows) }
            }
            /// [`one`] for inputs without NaN.
            ///
            /// # Safety
            /// As the entry point, for one plane.
            $(#[target_feature(enable = $feat)])?
            #[inline(never)]
            unsafe fn nan_free(
                g: &$crate::Geometry, src: &[f32], dst: &mut [f32], idx: &mut [i64],
                rows: core::ops::Range<usize>,
            ) {
                type R = <$crate::generic::$r as $crate::generic::Reduce>::NanFree;
                // SAFETY: forwarded from this function's contract.
                unsafe { $crate::generic::plane::<$v, $t, R>(g, src, dst, idx, rows) }
            }
            // SAFETY: forwarded from this function's contract.
            unsafe {
                $crate::generic::planes::<$v, $t, $crate::generic::$r>(
                    g, src, dst, idx, rows, planes, one, nan_free,
                )
            }
        }
    };
}
pub(crate) use block_entries;
pub(crate) use byte_entries;
pub(crate) use byte_entry;
pub(crate) use convert_entries;
pub(crate) use convert_entry;
pub(crate) use entry_point;
pub(crate) use entry_points;
pub(crate) use pixel_entries;
pub(crate) use pixel_entry;

type PlaneFn = unsafe fn(&Geometry, &[f32], &mut [f32], &mut [i64], Range<usize>, usize);
/// Channels from which integer max runs in the bytes (every ISA's narrowest byte vector).
const BYTE_CHANNELS: usize = 16;

type PixelFn =
    unsafe fn(&[Window], usize, usize, usize, bool, *const u8, usize, *mut u8, usize, &mut [i64]);
type WidenFn = unsafe fn(*const u8, usize, *mut f32, usize, usize, usize);
type NarrowFn = unsafe fn(*const f32, usize, *mut u8, usize, usize, usize);
type ToBlockFn = unsafe fn(*const f32, usize, usize, usize, *mut f32, BlockImage);
type FromBlockFn = unsafe fn(*const f32, usize, *mut f32, usize, usize);
type MergeFn = unsafe fn(*mut f32, *const f32, usize);
type MaxOfFn = unsafe fn(*mut f32, *const f32, *const f32, usize);

/// The entry points of one ISA. Holding one is the proof that its ISA runs on this CPU.
#[derive(Clone, Copy)]
pub struct Kernels {
    isa: Isa,
    max: PlaneFn,
    argmax: PlaneFn,
    avg: PlaneFn,
    /// Per [`DType`](crate::DType) (in [`DType::ALL`](crate::DType::ALL)'s order): max,
    /// argmax, average.
    pixels: [[PixelFn; 3]; 5],
    /// Integer max in the bytes (`i8`, `u8`), for [`BYTE_CHANNELS`] channels or more.
    bytes: [PixelFn; 2],
    /// Per [`DType`](crate::DType), in [`DType::ALL`](crate::DType::ALL)'s order.
    widen: [WidenFn; 5],
    narrow: [NarrowFn; 5],
    /// Channel blocks: planes in, planes out.
    to_block: ToBlockFn,
    from_block: FromBlockFn,
    merge_max: MergeFn,
    max_of: MaxOfFn,
}

impl core::fmt::Debug for Kernels {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Kernels").field("isa", &self.isa).finish()
    }
}

macro_rules! table {
    ($isa:expr, $m:path) => {{
        use $m as m;
        Kernels {
            isa: $isa,
            max: m::max,
            argmax: m::argmax,
            avg: m::avg,
            pixels: [
                [m::pixels_max_f32, m::pixels_argmax_f32, m::pixels_avg_f32],
                [m::pixels_max_f16, m::pixels_argmax_f16, m::pixels_avg_f16],
                [
                    m::pixels_max_bf16,
                    m::pixels_argmax_bf16,
                    m::pixels_avg_bf16,
                ],
                [m::pixels_max_i8, m::pixels_argmax_i8, m::pixels_avg_i8],
                [m::pixels_max_u8, m::pixels_argmax_u8, m::pixels_avg_u8],
            ],
            bytes: [m::bytes_max_i8, m::bytes_max_u8],
            widen: [
                m::widen_f32,
                m::widen_f16,
                m::widen_bf16,
                m::widen_i8,
                m::widen_u8,
            ],
            narrow: [
                m::narrow_f32,
                m::narrow_f16,
                m::narrow_bf16,
                m::narrow_i8,
                m::narrow_u8,
            ],
            to_block: m::to_block,
            from_block: m::from_block,
            merge_max: m::merge_max,
            max_of: m::max_of,
        }
    }};
}

impl Kernels {
    /// The kernels for `isa`, or `None` if this build has none for it (another target).
    ///
    /// # Safety
    /// The CPU must support `isa`: AVX2 needs `avx2`, `fma` and `f16c`; AVX-512 needs
    /// `avx512f`, `avx2`, `fma` and `f16c`; NEON, portable and scalar need nothing beyond their target.
    pub unsafe fn for_isa_unchecked(isa: Isa) -> Option<Kernels> {
        match isa {
            Isa::Scalar => Some(table!(Isa::Scalar, crate::scalar)),
            Isa::Portable => Some(table!(Isa::Portable, crate::portable)),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => Some(table!(Isa::Avx2, crate::x86_64::avx2)),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Some(table!(Isa::Avx512, crate::x86_64::avx512)),
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx2 | Isa::Avx512 => None,
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => Some(table!(Isa::Neon, crate::aarch64::neon)),
            #[cfg(not(target_arch = "aarch64"))]
            Isa::Neon => None,
        }
    }

    /// The ISA these kernels were built for.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Max pooling of output rows `rows` of `planes` consecutive planes: `src` holds the whole
    /// `h × w` input planes, `dst` receives exactly those rows of each plane, one plane after
    /// another (`planes · rows.len() · ow` values). Looping over planes here, inside the
    /// kernel, keeps per-plane costs low for small planes.
    ///
    /// # Panics
    /// If a slice is shorter than `g` requires or `rows` runs past the output.
    pub fn max(
        &self,
        g: &Geometry,
        planes: usize,
        src: &[f32],
        dst: &mut [f32],
        rows: Range<usize>,
    ) {
        check(g, planes, src, dst.len(), None, &rows);
        // SAFETY: a table exists only for an ISA its builder vouched for; sizes checked.
        unsafe { (self.max)(g, src, dst, &mut [], rows, planes) }
    }

    /// As [`Kernels::max`], also writing each maximum's flat index (`y · w + x`) to `idx`.
    ///
    /// # Panics
    /// As [`Kernels::max`], also for a short `idx`.
    pub fn argmax(
        &self,
        g: &Geometry,
        planes: usize,
        src: &[f32],
        dst: &mut [f32],
        idx: &mut [i64],
        rows: Range<usize>,
    ) {
        check(g, planes, src, dst.len(), Some(idx.len()), &rows);
        // SAFETY: as in `max`.
        unsafe { (self.argmax)(g, src, dst, idx, rows, planes) }
    }

    /// Average pooling; arguments as [`Kernels::max`].
    ///
    /// # Panics
    /// As [`Kernels::max`].
    pub fn avg(
        &self,
        g: &Geometry,
        planes: usize,
        src: &[f32],
        dst: &mut [f32],
        rows: Range<usize>,
    ) {
        check(g, planes, src, dst.len(), None, &rows);
        // SAFETY: as in `max`.
        unsafe { (self.avg)(g, src, dst, &mut [], rows, planes) }
    }
}

/// The channels-last reducers: output pixel `p` of `c` channels pools `windows[p]` of the
/// channels-last `src` into `dst[p·ld..p·ld + c]` (and for argmax each channel's index,
/// flat within the spatial volume, into `idx` alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelOp {
    /// Max pooling.
    Max,
    /// Max pooling with indices.
    ArgMax,
    /// Average pooling (the windows' divisors).
    Avg,
}

impl Kernels {
    /// Pools one channels-last output pixel per window (see [`Window`]) with `op`, in any
    /// element type (widened to `f32` lanes per tap, narrowed at the store): `c`
    /// channels from each tap, into `dst[p·ld..p·ld + c]` for window `p` (so a block of
    /// channels can be pooled on its own); `idx` is written only for [`PixelOp::ArgMax`].
    ///
    /// # Panics
    /// If a window reads past `src`, `dst` (or `idx` for argmax) is too short for the last
    /// pixel, `ld < c`, or an argmax window's index reach exceeds 2^24 (the offsets ride in
    /// `f32` lanes).
    #[allow(clippy::too_many_arguments)]
    pub fn pixels<E: Element>(
        &self,
        op: PixelOp,
        windows: &[Window],
        c: usize,
        ld: usize,
        src: &[E],
        dst: &mut [E],
        idx: &mut [i64],
    ) {
        self.pixels_checked(op, &CheckedWindows::new(windows, c), ld, src, dst, idx);
    }

    /// [`Kernels::pixels`] over windows checked once ([`CheckedWindows`]), for callers that
    /// pool many images with the same windows (checking them was 15 % of a small block).
    ///
    /// # Panics
    /// As [`Kernels::pixels`].
    pub fn pixels_checked<E: Element>(
        &self,
        op: PixelOp,
        w: &CheckedWindows<'_>,
        ld: usize,
        src: &[E],
        dst: &mut [E],
        idx: &mut [i64],
    ) {
        let (windows, c) = (w.windows, w.c);
        assert!(ld >= c, "pixel stride {ld} < {c} channels");
        let need = match windows.len() {
            0 => 0,
            n => (n - 1)
                .checked_mul(ld)
                .and_then(|v| v.checked_add(c))
                .expect("output size overflows"),
        };
        assert!(dst.len() >= need, "output pixels: {} < {need}", dst.len());
        assert!(w.reach <= src.len(), "a window reads past the input");
        let [max, argmax, avg] = self.pixels[E::DTYPE as usize];
        let f = match op {
            // Integers: in the bytes when a byte vector fills; fewer channels take the
            // `f32` lanes, whose narrow vectors spill into the next pixel (c = 3 images).
            PixelOp::Max if E::DTYPE.is_integer() && c >= BYTE_CHANNELS => {
                self.bytes[(E::DTYPE == crate::DType::U8) as usize]
            }
            PixelOp::Max => max,
            PixelOp::Avg => avg,
            PixelOp::ArgMax => {
                assert!(idx.len() >= need, "index pixels: {} < {need}", idx.len());
                assert!(w.indices_exact, "a window's index offsets pass 2^24");
                argmax
            }
        };
        let slack = src.len() - w.reach;
        let (s, d) = (src.as_ptr().cast::<u8>(), dst.as_mut_ptr().cast::<u8>());
        // SAFETY: a table exists only for an ISA its builder vouched for; sizes checked;
        // slot `E::DTYPE` holds `E`'s kernels, given `E`'s slices (a `&mut` overlaps no `&`).
        unsafe {
            f(
                windows,
                c,
                ld,
                slack,
                w.uniform,
                s,
                src.len(),
                d,
                dst.len(),
                idx,
            )
        }
    }
}

/// Windows of `c` channels with what [`Kernels::pixels_checked`] needs to know about them,
/// computed once: how far they read, and whether argmax's offsets stay exact.
#[derive(Clone, Copy, Debug)]
pub struct CheckedWindows<'a> {
    windows: &'a [Window],
    c: usize,
    /// One past the largest element any window reads.
    reach: usize,
    /// Every window's index reach is at most 2^24.
    indices_exact: bool,
    /// All windows share their tap counts and steps (and index steps): the kernels can pool
    /// neighbours together without comparing them.
    uniform: bool,
}

impl<'a> CheckedWindows<'a> {
    /// Checks `windows` for `c` channels a pixel.
    ///
    /// # Panics
    /// If a window's reach overflows `usize`.
    pub fn new(windows: &'a [Window], c: usize) -> CheckedWindows<'a> {
        let mut reach = 0;
        let mut indices_exact = true;
        let mut uniform = true;
        for w in windows {
            reach = reach.max(w.reach(c).expect("window reach overflows"));
            indices_exact &= w.index_reach().is_some_and(|r| r <= 1 << 24);
            uniform &= w.same_shape(&windows[0]);
        }
        CheckedWindows {
            windows,
            c,
            reach,
            indices_exact,
            uniform,
        }
    }
}

impl Kernels {
    /// Widens `rows` rows of `cols` elements: row `r` of `src` starts at `r · sld`, its
    /// `f32` values go to `dst` from `r · dld`. Exact for every type.
    ///
    /// # Panics
    /// If a row is longer than its stride (with more than one row) or runs past its slice.
    pub fn widen<E: Element>(
        &self,
        src: &[E],
        sld: usize,
        dst: &mut [f32],
        dld: usize,
        rows: usize,
        cols: usize,
    ) {
        check_rows(src.len(), sld, rows, cols, "source");
        check_rows(dst.len(), dld, rows, cols, "destination");
        let f = self.widen[E::DTYPE as usize];
        // SAFETY: slot `E::DTYPE` holds the widening of `E` (the table lists DType::ALL's order);
        // both spans were just checked; a `&mut` cannot overlap the `&`.
        unsafe { f(src.as_ptr().cast(), sld, dst.as_mut_ptr(), dld, rows, cols) }
    }

    /// Narrows rows of `f32` to `E` (to nearest, ties to even; integers saturate), laid out
    /// as [`Kernels::widen`] says.
    ///
    /// # Panics
    /// As [`Kernels::widen`].
    pub fn narrow<E: Element>(
        &self,
        src: &[f32],
        sld: usize,
        dst: &mut [E],
        dld: usize,
        rows: usize,
        cols: usize,
    ) {
        check_rows(src.len(), sld, rows, cols, "source");
        check_rows(dst.len(), dld, rows, cols, "destination");
        let f = self.narrow[E::DTYPE as usize];
        // SAFETY: as in `widen`.
        unsafe { f(src.as_ptr(), sld, dst.as_mut_ptr().cast(), dld, rows, cols) }
    }
}

/// Channel blocks: up to [`BLOCK`] channels-first planes as one channels-last image of
/// [`BLOCK`] channels (channel `q` is plane `q`), for the pixel kernels (see
/// [`Kernels::pixels`]).
impl Kernels {
    /// Writes `len` pixels of [`BLOCK`] channels to `dst` from the planes
    /// `src[q · stride..q · stride + len]`, `q < planes`, pixel `p` at `img.at(p)` (a padded
    /// block image; [`BlockImage::packed`]: at `p`); channels past `planes` repeat the last
    /// plane. Other block pixels are left as they are.
    ///
    /// # Panics
    /// If `planes` is not in `1..=BLOCK`, planes overlap (`stride < len`), `img` is not
    /// a padding of rows and slices, or a slice is too short.
    pub fn to_channel_block(
        &self,
        src: &[f32],
        stride: usize,
        planes: usize,
        len: usize,
        dst: &mut [f32],
        img: BlockImage,
    ) {
        assert!((1..=BLOCK).contains(&planes), "{planes} planes in a block");
        assert!(
            img.w > 0 && img.h > 0 && img.pw >= img.w && img.ph >= img.h,
            "{img:?} does not pad its image"
        );
        check_rows(src.len(), stride, planes, len, "planes");
        if len > 0 {
            // The last pixel lands furthest (rows and slices only grow).
            let (zy, x) = ((len - 1) / img.w, (len - 1) % img.w);
            let end = (zy / img.h)
                .checked_mul(img.ph)
                .and_then(|v| v.checked_add(zy % img.h))
                .and_then(|v| v.checked_mul(img.pw))
                .and_then(|v| v.checked_add(x + 1))
                .and_then(|v| v.checked_mul(BLOCK))
                .expect("block size");
            assert!(dst.len() >= end, "block: {} < {end}", dst.len());
        }
        // SAFETY: a table exists only for an ISA its builder vouched for; sizes checked; a
        // `&mut` overlaps no `&`.
        unsafe { (self.to_block)(src.as_ptr(), stride, planes, len, dst.as_mut_ptr(), img) }
    }

    /// The way back: `len` pixels of [`BLOCK`] channels from `src` into the planes
    /// `dst[q · stride..q · stride + len]`, `q < planes` (the other channels are dropped).
    ///
    /// # Panics
    /// If `planes > BLOCK`, planes overlap (`stride < len`), or a slice is too short.
    pub fn from_channel_block(
        &self,
        src: &[f32],
        len: usize,
        dst: &mut [f32],
        stride: usize,
        planes: usize,
    ) {
        assert!(planes <= BLOCK, "{planes} planes in a block");
        assert!(
            planes <= 1 || stride >= len,
            "planes overlap: {stride} < {len}"
        );
        check_rows(
            src.len(),
            0,
            1,
            len.checked_mul(BLOCK).expect("block size"),
            "block",
        );
        check_rows(dst.len(), stride, planes, len, "planes");
        // SAFETY: as in `to_channel_block`.
        unsafe { (self.from_block)(src.as_ptr(), len, dst.as_mut_ptr(), stride, planes) }
    }
}

impl Kernels {
    /// PyTorch's max step element-wise: `acc[i]` takes `x[i]` where `x[i] > acc[i]` or
    /// `x[i]` is NaN (so merging slices in order keeps the last NaN; ties keep `acc`).
    ///
    /// # Panics
    /// If the slices differ in length.
    pub fn merge_max(&self, acc: &mut [f32], x: &[f32]) {
        assert_eq!(acc.len(), x.len(), "merged slices differ in length");
        // SAFETY: a table exists only for an ISA its builder vouched for; lengths equal; a
        // `&mut` overlaps no `&`.
        unsafe { (self.merge_max)(acc.as_mut_ptr(), x.as_ptr(), x.len()) }
    }

    /// [`Kernels::merge_max`] of `b` into a copy of `a`, written to `out` (one pass).
    ///
    /// # Panics
    /// If the slices differ in length.
    pub fn max_of(&self, out: &mut [f32], a: &[f32], b: &[f32]) {
        assert!(
            out.len() == a.len() && a.len() == b.len(),
            "merged slices differ in length"
        );
        // SAFETY: as in `merge_max`.
        unsafe { (self.max_of)(out.as_mut_ptr(), a.as_ptr(), b.as_ptr(), out.len()) }
    }
}

/// Panics unless `rows` rows of `cols` at stride `ld` fit in `len` elements.
fn check_rows(len: usize, ld: usize, rows: usize, cols: usize, what: &str) {
    if rows == 0 {
        return;
    }
    assert!(
        rows == 1 || cols <= ld,
        "{what}: rows of {cols} at stride {ld}"
    );
    let span = (rows - 1)
        .checked_mul(ld)
        .and_then(|v| v.checked_add(cols))
        .expect("row span overflows");
    assert!(span <= len, "{what}: {span} elements > {len}");
}

fn check(
    g: &Geometry,
    planes: usize,
    src: &[f32],
    dst: usize,
    idx: Option<usize>,
    rows: &Range<usize>,
) {
    let need = planes.saturating_mul(rows.len() * g.output()[1]);
    let input = planes.saturating_mul(g.plane_len());
    assert!(src.len() >= input, "input planes: {} < {input}", src.len());
    assert!(
        rows.start <= rows.end && rows.end <= g.output()[0],
        "rows {rows:?} past the output"
    );
    assert!(dst >= need, "output rows: {dst} < {need}");
    assert!(
        idx.is_none_or(|n| n >= need),
        "index rows: {idx:?} < {need}"
    );
}
