//! AVX2: 8-lane `__m256`, `__m128` for interiors narrower than 8.

use core::arch::x86_64::*;

use crate::vector::F32Vec;

// SAFETY (every block in this impl): a `__m256` value only comes from the unsafe
// constructors, whose callers vouched for AVX2.
impl F32Vec for __m256 {
    const LANES: usize = 8;
    type Mask = __m256;

    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: p[0..8] readable (caller); see the impl comment.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn load_even(p: *const f32) -> Self {
        // SAFETY: p[0..16] readable (caller); see the impl comment.
        unsafe {
            // Per 128-bit half: [a0 a2 b0 b2 | a4 a6 b4 b6]; then 64-bit lanes 0,2,1,3.
            let s =
                _mm256_shuffle_ps::<0b10_00_10_00>(_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8)));
            _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(s)))
        }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: p[0..8] writable (caller); see the impl comment.
        unsafe { _mm256_storeu_ps(p, self) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_add_ps(self, o) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_div_ps(self, o) }
    }
    #[inline(always)]
    fn max_step(self, v: Self) -> Self {
        // maxps(v, m) is `v > m ? v : m` (NaN or equal: m); then a NaN v must still win.
        // SAFETY: see the impl comment.
        unsafe {
            let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(v, v);
            _mm256_blendv_ps(_mm256_max_ps(v, self), v, nan)
        }
    }
    #[inline(always)]
    fn takes(self, v: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe {
            _mm256_or_ps(
                _mm256_cmp_ps::<_CMP_GT_OQ>(v, self),
                _mm256_cmp_ps::<_CMP_UNORD_Q>(v, v),
            )
        }
    }
    #[inline(always)]
    fn select(m: Self, a: Self, b: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_blendv_ps(b, a, m) }
    }
}

crate::table::entry_points!(__m256, __m128, "avx2,fma");
