//! The one list of kernels: every (ISA, reducer) entry point, stamped by one macro per ISA
//! module and gathered into a [`Kernels`] table by one exhaustive `match`.

use core::ops::Range;

use crate::{Geometry, Isa};

/// Stamps the three `#[target_feature]` entry points of an ISA module: the only place the
/// feature string appears. `$v` is the main vector, `$t` the narrower tail vector.
macro_rules! entry_points {
    ($v:ty, $t:ty $(, $feat:literal)?) => {
        /// Max over rows of one plane.
        ///
        /// # Safety
        /// The CPU must support this module's ISA; slices sized as `generic::plane` says.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn max(
            g: &$crate::Geometry, src: &[f32], dst: &mut [f32], idx: &mut [i64],
            rows: core::ops::Range<usize>,
        ) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::generic::plane::<$v, $t, $crate::generic::Max>(g, src, dst, idx, rows) }
        }
        /// Max and argmax over rows of one plane.
        ///
        /// # Safety
        /// As `max`.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn argmax(
            g: &$crate::Geometry, src: &[f32], dst: &mut [f32], idx: &mut [i64],
            rows: core::ops::Range<usize>,
        ) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::generic::plane::<$v, $t, $crate::generic::ArgMax>(g, src, dst, idx, rows) }
        }
        /// Average over rows of one plane.
        ///
        /// # Safety
        /// As `max`.
        $(#[target_feature(enable = $feat)])?
        pub(crate) unsafe fn avg(
            g: &$crate::Geometry, src: &[f32], dst: &mut [f32], idx: &mut [i64],
            rows: core::ops::Range<usize>,
        ) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::generic::plane::<$v, $t, $crate::generic::Avg>(g, src, dst, idx, rows) }
        }
    };
}
pub(crate) use entry_points;

type PlaneFn = unsafe fn(&Geometry, &[f32], &mut [f32], &mut [i64], Range<usize>);

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

    /// Max pooling of output rows `rows` of one plane: `src` is the whole `h × w` input plane,
    /// `dst` receives exactly those rows (`rows.len() · ow` values).
    ///
    /// # Panics
    /// If a slice is shorter than `g` requires or `rows` runs past the output.
    pub fn max(&self, g: &Geometry, src: &[f32], dst: &mut [f32], rows: Range<usize>) {
        check(g, src, dst.len(), None, &rows);
        // SAFETY: a table exists only for an ISA its builder vouched for; sizes checked.
        unsafe { (self.max)(g, src, dst, &mut [], rows) }
    }

    /// As [`Kernels::max`], also writing each maximum's flat index (`y · w + x`) to `idx`.
    ///
    /// # Panics
    /// As [`Kernels::max`], also for a short `idx`.
    pub fn argmax(
        &self,
        g: &Geometry,
        src: &[f32],
        dst: &mut [f32],
        idx: &mut [i64],
        rows: Range<usize>,
    ) {
        check(g, src, dst.len(), Some(idx.len()), &rows);
        // SAFETY: as in `max`.
        unsafe { (self.argmax)(g, src, dst, idx, rows) }
    }

    /// Average pooling; arguments as [`Kernels::max`].
    ///
    /// # Panics
    /// As [`Kernels::max`].
    pub fn avg(&self, g: &Geometry, src: &[f32], dst: &mut [f32], rows: Range<usize>) {
        check(g, src, dst.len(), None, &rows);
        // SAFETY: as in `max`.
        unsafe { (self.avg)(g, src, dst, &mut [], rows) }
    }
}

fn check(g: &Geometry, src: &[f32], dst: usize, idx: Option<usize>, rows: &Range<usize>) {
    let need = rows.len() * g.output()[1];
    assert!(
        src.len() >= g.plane_len(),
        "input plane: {} < {}",
        src.len(),
        g.plane_len()
    );
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
