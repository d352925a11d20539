//! AVX-512F: 16-lane `__m512` with `__mmask16` compares; `__m256` for narrow interiors.

use core::arch::x86_64::*;

use crate::vector::F32Vec;

// SAFETY (every block in this impl): a `__m512` value only comes from the unsafe
// constructors, whose callers vouched for AVX-512F.
impl F32Vec for __m512 {
    const LANES: usize = 16;
    type Mask = __mmask16;

    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: p[0..16] readable (caller); see the impl comment.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn load_even(p: *const f32) -> Self {
        // SAFETY: p[0..32] readable (caller); see the impl comment.
        unsafe {
            let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p.add(16)))
        }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: p[0..16] writable (caller); see the impl comment.
        unsafe { _mm512_storeu_ps(p, self) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_add_ps(self, o) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_div_ps(self, o) }
    }
    #[inline(always)]
    fn max_step(self, v: Self) -> Self {
        // maxps(v, m) is `v > m ? v : m` (NaN or equal: m); then a NaN v must still win.
        // SAFETY: see the impl comment.
        unsafe {
            let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(v, v);
            _mm512_mask_mov_ps(_mm512_max_ps(v, self), nan, v)
        }
    }
    #[inline(always)]
    fn takes(self, v: Self) -> __mmask16 {
        // SAFETY: see the impl comment.
        unsafe {
            _mm512_cmp_ps_mask::<_CMP_GT_OQ>(v, self) | _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(v, v)
        }
    }
    #[inline(always)]
    fn select(m: __mmask16, a: Self, b: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_mask_blend_ps(m, b, a) }
    }
}

crate::table::entry_points!(__m512, __m256, "avx512f,avx2,fma");
