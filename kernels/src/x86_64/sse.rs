//! `__m128` (SSE4.1 blends, VEX-encoded inside AVX2 entry points): the AVX2 tail vector; and
//! `__m128i`, the byte kernel's tail vector.

use core::arch::x86_64::*;

use half::{bf16, f16};

use crate::vector::F32Vec;

// SAFETY (every block in this impl): a `__m128` value only comes from the unsafe
// constructors, whose callers vouched for SSE4.1 and F16C (the AVX2 and AVX-512 tables,
// its only users, require both).
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
    unsafe fn unzip(a: Self, b: Self) -> (Self, Self) {
        // SAFETY: see the impl comment.
        unsafe {
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
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: p[0..4] readable (caller); see the impl comment.
        unsafe { _mm_cvtph_ps(_mm_loadl_epi64(p.cast())) }
    }
    #[inline(always)]
    unsafe fn store_f16(self, p: *mut f16) {
        // SAFETY: p[0..4] writable (caller); see the impl comment.
        unsafe { _mm_storel_epi64(p.cast(), _mm_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(self)) }
    }
    #[inline(always)]
    unsafe fn load_bf16(p: *const bf16) -> Self {
        // SAFETY: p[0..4] readable (caller); see the impl comment.
        unsafe {
            _mm_castsi128_ps(_mm_slli_epi32::<16>(_mm_cvtepu16_epi32(_mm_loadl_epi64(
                p.cast(),
            ))))
        }
    }
    #[inline(always)]
    unsafe fn store_bf16(self, p: *mut bf16) {
        // Round to nearest even in the integer domain; a NaN keeps its top payload, quieted.
        // SAFETY: p[0..4] writable (caller); see the impl comment.
        unsafe {
            let b = _mm_castps_si128(self);
            let lsb = _mm_and_si128(_mm_srli_epi32::<16>(b), _mm_set1_epi32(1));
            let rounded = _mm_add_epi32(b, _mm_add_epi32(_mm_set1_epi32(0x7fff), lsb));
            let nan = _mm_castps_si128(_mm_cmpunord_ps(self, self));
            let quiet = _mm_or_si128(b, _mm_set1_epi32(0x0040_0000));
            let w = _mm_srli_epi32::<16>(_mm_blendv_epi8(rounded, quiet, nan));
            _mm_storel_epi64(p.cast(), _mm_packus_epi32(w, w));
        }
    }
    #[inline(always)]
    unsafe fn load_i8(p: *const i8) -> Self {
        // SAFETY: p[0..4] readable (caller), as one unaligned u32; see the impl comment.
        unsafe {
            let b = _mm_cvtsi32_si128(p.cast::<i32>().read_unaligned());
            _mm_cvtepi32_ps(_mm_cvtepi8_epi32(b))
        }
    }
    #[inline(always)]
    unsafe fn store_i8(self, p: *mut i8) {
        // SAFETY: p[0..4] writable (caller), as one unaligned u32; see the impl comment.
        unsafe {
            let w = _mm_packs_epi32(ints(self, -128.0, 127.0), _mm_setzero_si128());
            p.cast::<i32>()
                .write_unaligned(_mm_cvtsi128_si32(_mm_packs_epi16(w, w)));
        }
    }
    #[inline(always)]
    unsafe fn load_u8(p: *const u8) -> Self {
        // SAFETY: as load_i8.
        unsafe {
            let b = _mm_cvtsi32_si128(p.cast::<i32>().read_unaligned());
            _mm_cvtepi32_ps(_mm_cvtepu8_epi32(b))
        }
    }
    #[inline(always)]
    unsafe fn store_u8(self, p: *mut u8) {
        // SAFETY: as store_i8.
        unsafe {
            let w = _mm_packs_epi32(ints(self, 0.0, 255.0), _mm_setzero_si128());
            p.cast::<i32>()
                .write_unaligned(_mm_cvtsi128_si32(_mm_packus_epi16(w, w)));
        }
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

/// The lanes clamped to `lo..=hi` (NaN: `lo`, as `maxps` returns its second operand) and
/// rounded to nearest even (MXCSR's default) as `i32`s.
#[inline(always)]
fn ints(v: __m128, lo: f32, hi: f32) -> __m128i {
    // SAFETY: `v` exists, so the CPU has SSE4.1 (see the impl comment above).
    unsafe { _mm_cvtps_epi32(_mm_min_ps(_mm_max_ps(v, _mm_set1_ps(lo)), _mm_set1_ps(hi))) }
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
