//! One lane of plain `f32`: the generic algorithms with no vector at all. It is both the
//! `Scalar` ISA and the narrowest tail vector of the others.

use crate::vector::F32Vec;

impl F32Vec for f32 {
    const LANES: usize = 1;
    type Mask = bool;
    type Half = f32;

    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        x
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees p[0] is readable.
        unsafe { *p }
    }
    #[inline(always)]
    unsafe fn load_even(p: *const f32) -> Self {
        // SAFETY: as load.
        unsafe { *p }
    }
    #[inline(always)]
    unsafe fn load_pair(p: *const f32) -> (Self, Self) {
        // SAFETY: the caller guarantees p[0..2] is readable.
        unsafe { (*p, *p.add(1)) }
    }
    #[inline(always)]
    unsafe fn load_strided(p: *const f32, _s: usize) -> Self {
        // SAFETY: as load.
        unsafe { *p }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees p[0] is writable.
        unsafe { *p = self }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f32::abs(self)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self * o
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        self / o
    }
    #[inline(always)]
    fn max_any(self, o: Self) -> Self {
        f32::max(self, o)
    }
    #[inline(always)]
    fn max_first(self, v: Self) -> Self {
        if v > self {
            v
        } else {
            self
        }
    }
    #[inline(always)]
    fn beats(self, v: Self) -> bool {
        v > self
    }
    #[inline(always)]
    fn max_step(self, v: Self) -> Self {
        if v > self || v.is_nan() {
            v
        } else {
            self
        }
    }
    #[inline(always)]
    fn takes(self, v: Self) -> bool {
        v > self || v.is_nan()
    }
    #[inline(always)]
    fn select(m: bool, a: Self, b: Self) -> Self {
        if m {
            a
        } else {
            b
        }
    }
}

crate::table::entry_points!(f32, f32);
crate::table::byte_entries!(u8, u8);
