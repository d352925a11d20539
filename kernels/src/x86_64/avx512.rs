//! AVX-512F: 16-lane `__m512` with `__mmask16` compares; `__m256` for narrow interiors.

use core::arch::x86_64::*;

use half::{bf16, f16};

use crate::vector::{store_index_lanes, F32Vec, MAX_LANES};

// SAFETY (every block in this impl): a `__m512` value only comes from the unsafe
// constructors, whose callers vouched for AVX-512F.
impl F32Vec for __m512 {
    const LANES: usize = 16;
    type Mask = __mmask16;
    type Half = __m256;

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
    unsafe fn load_pair(p: *const f32) -> (Self, Self) {
        // SAFETY: p[0..32] readable (caller); see the impl comment.
        unsafe {
            let (a, b) = (_mm512_loadu_ps(p), _mm512_loadu_ps(p.add(16)));
            let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            (
                _mm512_permutex2var_ps(a, even, b),
                _mm512_permutex2var_ps(a, odd, b),
            )
        }
    }
    #[inline(always)]
    unsafe fn load_clipped(p: *const f32, s: usize, lo: usize, hi: usize, fill: f32) -> Self {
        let mask = ((1u32 << hi) - (1u32 << lo)) as __mmask16;
        // SAFETY: masked-off lanes are neither read nor faulted on; lanes lo..hi are readable
        // (caller); see the impl comment.
        unsafe {
            if s == 1 {
                return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), mask, p);
            }
            let idx = _mm512_mullo_epi32(
                _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                _mm512_set1_epi32(s as i32),
            );
            _mm512_mask_i32gather_ps::<4>(_mm512_set1_ps(fill), mask, idx, p)
        }
    }
    #[inline(always)]
    unsafe fn unzip(a: Self, b: Self) -> (Self, Self) {
        // SAFETY: see the impl comment.
        unsafe {
            let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            (
                _mm512_permutex2var_ps(a, even, b),
                _mm512_permutex2var_ps(a, odd, b),
            )
        }
    }
    #[inline(always)]
    unsafe fn transpose(r: &mut [Self; MAX_LANES]) {
        // In-lane unpacks, then 128-bit block shuffles: cheaper than `unzip`'s two-source
        // permutes (a 16 × 16 tile ran 4× faster on AMD Zen 4).
        // SAFETY: see the impl comment.
        unsafe {
            let mut t = *r;
            for i in 0..8 {
                t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
                t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
            }
            for i in 0..4 {
                for j in 0..2 {
                    let (a, b) = (
                        _mm512_castps_pd(t[4 * i + j]),
                        _mm512_castps_pd(t[4 * i + 2 + j]),
                    );
                    r[4 * i + 2 * j] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
                    r[4 * i + 2 * j + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
                }
            }
            for i in 0..2 {
                for j in 0..4 {
                    let (a, b) = (r[8 * i + j], r[8 * i + 4 + j]);
                    t[8 * i + j] = _mm512_shuffle_f32x4::<0b10_00_10_00>(a, b);
                    t[8 * i + 4 + j] = _mm512_shuffle_f32x4::<0b11_01_11_01>(a, b);
                }
            }
            for j in 0..8 {
                r[j] = _mm512_shuffle_f32x4::<0b10_00_10_00>(t[j], t[8 + j]);
                r[8 + j] = _mm512_shuffle_f32x4::<0b11_01_11_01>(t[j], t[8 + j]);
            }
        }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: p[0..16] writable (caller); see the impl comment.
        unsafe { _mm512_storeu_ps(p, self) }
    }
    #[inline(always)]
    unsafe fn store_index(self, origin: isize, step: usize, idx: *mut i64) {
        if step > 1 << 20 {
            // Lane offsets past i32: the generic loop.
            // SAFETY: forwarded from the caller.
            return unsafe { store_index_lanes(self, origin, step, idx) };
        }
        // SAFETY: idx[0..16] writable (caller); offsets and l·step fit in i32 (2^24 and
        // 15·2^20); see the impl comment.
        unsafe {
            let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            let at = _mm512_add_epi32(
                _mm512_cvttps_epi32(self),
                _mm512_mullo_epi32(lanes, _mm512_set1_epi32(step as i32)),
            );
            let o = _mm512_set1_epi64(origin as i64);
            let lo = _mm512_add_epi64(o, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(at)));
            let hi = _mm512_add_epi64(o, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64::<1>(at)));
            _mm512_storeu_si512(idx.cast(), lo);
            _mm512_storeu_si512(idx.add(8).cast(), hi);
        }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: p[0..16] readable (caller); see the impl comment.
        unsafe { _mm512_cvtph_ps(_mm256_loadu_si256(p.cast())) }
    }
    #[inline(always)]
    unsafe fn store_f16(self, p: *mut f16) {
        // SAFETY: p[0..16] writable (caller); see the impl comment.
        unsafe { _mm256_storeu_si256(p.cast(), _mm512_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(self)) }
    }
    #[inline(always)]
    unsafe fn load_bf16(p: *const bf16) -> Self {
        // SAFETY: p[0..16] readable (caller); see the impl comment.
        unsafe {
            let w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(p.cast()));
            _mm512_castsi512_ps(_mm512_slli_epi32::<16>(w))
        }
    }
    #[inline(always)]
    unsafe fn store_bf16(self, p: *mut bf16) {
        // Round to nearest even in the integer domain; a NaN keeps its top payload, quieted.
        // SAFETY: p[0..16] writable (caller); see the impl comment.
        unsafe {
            let b = _mm512_castps_si512(self);
            let lsb = _mm512_and_si512(_mm512_srli_epi32::<16>(b), _mm512_set1_epi32(1));
            let rounded = _mm512_add_epi32(b, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), lsb));
            let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(self, self);
            let quiet = _mm512_or_si512(b, _mm512_set1_epi32(0x0040_0000));
            let w = _mm512_srli_epi32::<16>(_mm512_mask_blend_epi32(nan, rounded, quiet));
            _mm256_storeu_si256(p.cast(), _mm512_cvtepi32_epi16(w));
        }
    }
    #[inline(always)]
    unsafe fn load_i8(p: *const i8) -> Self {
        // SAFETY: p[0..16] readable (caller); see the impl comment.
        unsafe { _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(p.cast()))) }
    }
    #[inline(always)]
    unsafe fn store_i8(self, p: *mut i8) {
        // SAFETY: p[0..16] writable (caller); see the impl comment.
        unsafe { _mm_storeu_si128(p.cast(), _mm512_cvtepi32_epi8(ints(self, -128.0, 127.0))) }
    }
    #[inline(always)]
    unsafe fn load_u8(p: *const u8) -> Self {
        // SAFETY: p[0..16] readable (caller); see the impl comment.
        unsafe { _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(p.cast()))) }
    }
    #[inline(always)]
    unsafe fn store_u8(self, p: *mut u8) {
        // SAFETY: p[0..16] writable (caller); see the impl comment.
        unsafe { _mm_storeu_si128(p.cast(), _mm512_cvtepi32_epi8(ints(self, 0.0, 255.0))) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_add_ps(self, o) }
    }
    #[inline(always)]
    fn abs(self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_abs_ps(self) }
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_mul_ps(self, o) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_div_ps(self, o) }
    }
    #[inline(always)]
    fn max_any(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_max_ps(self, o) }
    }
    #[inline(always)]
    fn max_first(self, v: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm512_max_ps(v, self) }
    }
    #[inline(always)]
    fn beats(self, v: Self) -> __mmask16 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(v, self) }
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

/// The lanes clamped to `lo..=hi` (NaN: `lo`, as `vmaxps` returns its second operand) and
/// rounded to nearest even (MXCSR's default) as `i32`s, which then truncate losslessly.
#[inline(always)]
fn ints(v: __m512, lo: f32, hi: f32) -> __m512i {
    // SAFETY: `v` exists, so the CPU has AVX-512F (see the impl comment).
    unsafe {
        let c = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
        _mm512_cvtps_epi32(c)
    }
}

crate::table::entry_points!(__m512, __m256, "avx512f,avx2,fma,f16c");

// Byte max on 256-bit vectors: 512-bit byte compares need AVX-512BW, which the AVX-512 table
// does not require.
crate::table::byte_entries!(__m256i, __m128i, "avx512f,avx2,fma,f16c");
