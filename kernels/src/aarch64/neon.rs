//! NEON: 4-lane `float32x4_t`; stride 2 uses the structure load `vld2q_f32`.
//! Compare + select rather than `vmaxq_f32`: FMAX returns +0 for (−0, +0) in either order and
//! the first NaN operand, where PyTorch keeps the earlier zero and the later NaN.

use core::arch::aarch64::*;

use crate::vector::F32Vec;

// SAFETY (every block in this impl): NEON is mandatory on aarch64 targets.
impl F32Vec for float32x4_t {
    const LANES: usize = 4;
    type Mask = uint32x4_t;
    type Half = float32x4_t;

    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_f32(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: p[0..4] readable (caller); see the impl comment.
        unsafe { vld1q_f32(p) }
    }
    #[inline(always)]
    unsafe fn load_even(p: *const f32) -> Self {
        // SAFETY: p[0..8] readable (caller); see the impl comment.
        unsafe { vld2q_f32(p).0 }
    }
    #[inline(always)]
    unsafe fn load_pair(p: *const f32) -> (Self, Self) {
        // SAFETY: p[0..8] readable (caller); see the impl comment.
        let pair = unsafe { vld2q_f32(p) };
        (pair.0, pair.1)
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: p[0..4] writable (caller); see the impl comment.
        unsafe { vst1q_f32(p, self) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { vaddq_f32(self, o) }
    }
    #[inline(always)]
    fn abs(self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { vabsq_f32(self) }
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { vmulq_f32(self, o) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { vdivq_f32(self, o) }
    }
    #[inline(always)]
    fn max_any(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { vmaxq_f32(self, o) }
    }
    #[inline(always)]
    fn max_first(self, v: Self) -> Self {
        // Not FMAX: it orders -0.0 below +0.0, where PyTorch keeps the earlier of the two.
        Self::select(self.beats(v), v, self)
    }
    #[inline(always)]
    fn beats(self, v: Self) -> uint32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vcgtq_f32(v, self) }
    }
    #[inline(always)]
    fn max_step(self, v: Self) -> Self {
        Self::select(self.takes(v), v, self)
    }
    #[inline(always)]
    fn takes(self, v: Self) -> uint32x4_t {
        // v > m, or not (v == v): ORN folds the NaN test in.
        // SAFETY: see the impl comment.
        unsafe { vornq_u32(vcgtq_f32(v, self), vceqq_f32(v, v)) }
    }
    #[inline(always)]
    fn select(m: uint32x4_t, a: Self, b: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { vbslq_f32(m, a, b) }
    }
}

crate::table::entry_points!(float32x4_t, f32);
