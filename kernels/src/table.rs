//! The one list of kernels: every (ISA, reducer) entry point, stamped by one macro per ISA
//! module and gathered into a [`Kernels`] table by one exhaustive `match`.

use core::ops::Range;

use crate::{Geometry, Isa};

/// Stamps the three `#[target_feature]` entry points of an ISA module: the only place the
/// feature string appears. `$v` is the main vector, `$t` the narrower tail vector.
macro_rules! entry_points {
    ($v:ty, $t:ty $(, $feat:literal)?) => {
        $crate::table::entry_point!(max, Max, $v, $t $(, $feat)?);
        $crate::table::entry_point!(argmax, ArgMax, $v, $t $(, $feat)?);
        $crate::table::entry_point!(avg, Avg, $v, $t $(, $feat)?);
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
pub(crate) use entry_point;
pub(crate) use entry_points;

type PlaneFn = unsafe fn(&Geometry, &[f32], &mut [f32], &mut [i64], Range<usize>, usize);

/// The entry points of one ISA. Holding one is the proof that its ISA runs on this CPU.
#[derive(Clone, Copy)]
pub struct Kernels {
    isa: Isa,
    max: PlaneFn,
    argmax: PlaneFn,
    avg: PlaneFn,
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
        }
    }};
}

impl Kernels {
    /// The kernels for `isa`, or `None` if this build has none for it (another target).
    ///
    /// # Safety
    /// The CPU must support `isa`: AVX2 needs `avx2` and `fma`; AVX-512 needs `avx512f` and
    /// `avx2`; NEON, portable and scalar need nothing beyond their target.
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
