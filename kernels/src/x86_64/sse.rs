//! `__m128` (SSE4.1 blends, VEX-encoded inside AVX2 entry points): the AVX2 tail vector; and
//! `__m128i`, the byte kernel's tail vector.

use core::arch::x86_64::*;

use crate::vector::F32Vec;

// SAFETY (every block in this impl): a `__m128` value only comes from the unsafe
// constructors, whose callers vouched for SSE4.1 (implied by AVX2, the only user).
impl F32Vec for __m128 {
    const LANES: usize = 4;
    type Mask = __m128;
    type Half = __m128;

    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: p[0..4] readable (caller); see the impl comment.
        unsafe { _mm_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn load_even(p: *const f32) -> Self {
        // SAFETY: p[0..8] readable (caller); see the impl comment.
        unsafe { _mm_shuffle_ps::<0b10_00_10_00>(_mm_loadu_ps(p), _mm_loadu_ps(p.add(4))) }
    }
    #[inline(always)]
    unsafe fn load_pair(p: *const f32) -> (Self, Self) {
        // SAFETY: p[0..8] readable (caller); see the impl comment.
        unsafe {
            let (a, b) = (_mm_loadu_ps(p), _mm_loadu_ps(p.add(4)));
            (
                _mm_shuffle_ps::<0b10_00_10_00>(a, b),
                _mm_shuffle_ps::<0b11_01_11_01>(a, b),
            )
        }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: p[0..4] writable (caller); see the impl comment.
        unsafe { _mm_storeu_ps(p, self) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_add_ps(self, o) }
    }
    #[inline(always)]
    fn abs(self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_andnot_ps(_mm_set1_ps(-0.0), self) }
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_mul_ps(self, o) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_div_ps(self, o) }
    }
    #[inline(always)]
    fn max_any(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_max_ps(self, o) }
    }
    #[inline(always)]
    fn max_first(self, v: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_max_ps(v, self) }
    }
    #[inline(always)]
    fn beats(self, v: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_cmpgt_ps(v, self) }
    }
    #[inline(always)]
    fn max_step(self, v: Self) -> Self {
        // maxps(v, m) is `v > m ? v : m` (NaN or equal: m); then a NaN v must still win.
        // SAFETY: see the impl comment.
        unsafe { _mm_blendv_ps(_mm_max_ps(v, self), v, _mm_cmpunord_ps(v, v)) }
    }
    #[inline(always)]
    fn takes(self, v: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_or_ps(_mm_cmpgt_ps(v, self), _mm_cmpunord_ps(v, v)) }
    }
    #[inline(always)]
    fn select(m: Self, a: Self, b: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_blendv_ps(b, a, m) }
    }
}

// SAFETY (every block in this impl): a `__m128i` value only comes from the unsafe
// constructors, whose callers (the AVX2 and AVX-512 tables) vouched for SSE4.1.
impl crate::byte_vector::ByteVec for __m128i {
    const LANES: usize = 16;
    #[inline(always)]
    unsafe fn splat(x: u8) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm_set1_epi8(x as i8) }
    }
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        // SAFETY: p[0..16] readable (caller); see the impl comment.
        unsafe { _mm_loadu_si128(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut u8) {
        // SAFETY: p[0..16] writable (caller); see the impl comment.
        unsafe { _mm_storeu_si128(p.cast(), self) }
    }
    #[inline(always)]
    fn max<const SIGNED: bool>(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe {
            if SIGNED {
                _mm_max_epi8(self, o)
            } else {
                _mm_max_epu8(self, o)
            }
        }
    }
}
