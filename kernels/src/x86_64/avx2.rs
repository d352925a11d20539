//! AVX2: 8-lane `__m256`, `__m128` for interiors narrower than 8.

use core::arch::x86_64::*;

use half::{bf16, f16};

use crate::vector::{store_index_lanes, F32Vec, MAX_LANES};

// SAFETY (every block in this impl): a `__m256` value only comes from the unsafe
// constructors, whose callers vouched for AVX2.
impl F32Vec for __m256 {
    const LANES: usize = 8;
    type Mask = __m256;
    type Half = __m128;

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
    unsafe fn load_pair(p: *const f32) -> (Self, Self) {
        // SAFETY: p[0..16] readable (caller); see the impl comment.
        unsafe {
            let (a, b) = (_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8)));
            let even = _mm256_castps_pd(_mm256_shuffle_ps::<0b10_00_10_00>(a, b));
            let odd = _mm256_castps_pd(_mm256_shuffle_ps::<0b11_01_11_01>(a, b));
            (
                _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(even)),
                _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(odd)),
            )
        }
    }
    #[inline(always)]
    unsafe fn load_clipped(p: *const f32, s: usize, lo: usize, hi: usize, fill: f32) -> Self {
        if s != 1 {
            let mut lanes = [fill; 8];
            for (l, lane) in lanes.iter_mut().enumerate().take(hi).skip(lo) {
                // SAFETY: the caller guarantees lane l (in lo..hi) is readable.
                *lane = unsafe { *p.wrapping_add(l * s) };
            }
            // SAFETY: 8 elements of a local array; see the impl comment.
            return unsafe { _mm256_loadu_ps(lanes.as_ptr()) };
        }
        // SAFETY: VMASKMOVPS reads only the lanes whose mask is set (lo..hi, readable per the
        // caller) and never faults on the others; see the impl comment.
        unsafe {
            let iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            let above = _mm256_cmpgt_epi32(iota, _mm256_set1_epi32(lo as i32 - 1));
            let below = _mm256_cmpgt_epi32(_mm256_set1_epi32(hi as i32), iota);
            let mask = _mm256_and_si256(above, below);
            let v = _mm256_maskload_ps(p, mask);
            _mm256_blendv_ps(_mm256_set1_ps(fill), v, _mm256_castsi256_ps(mask))
        }
    }
    #[inline(always)]
    unsafe fn unzip(a: Self, b: Self) -> (Self, Self) {
        // SAFETY: see the impl comment.
        unsafe {
            let even = _mm256_castps_pd(_mm256_shuffle_ps::<0b10_00_10_00>(a, b));
            let odd = _mm256_castps_pd(_mm256_shuffle_ps::<0b11_01_11_01>(a, b));
            (
                _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(even)),
                _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(odd)),
            )
        }
    }
    #[inline(always)]
    unsafe fn transpose(r: &mut [Self; MAX_LANES]) {
        // In-lane unpacks and shuffles, then 128-bit halves exchanged.
        // SAFETY: see the impl comment.
        unsafe {
            let mut t = *r;
            for i in 0..4 {
                t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
                t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
            }
            for i in 0..2 {
                for j in 0..2 {
                    let (a, b) = (t[4 * i + j], t[4 * i + 2 + j]);
                    r[4 * i + 2 * j] = _mm256_shuffle_ps::<0b01_00_01_00>(a, b);
                    r[4 * i + 2 * j + 1] = _mm256_shuffle_ps::<0b11_10_11_10>(a, b);
                }
            }
            for j in 0..4 {
                t[j] = _mm256_permute2f128_ps::<0x20>(r[j], r[4 + j]);
                t[4 + j] = _mm256_permute2f128_ps::<0x31>(r[j], r[4 + j]);
            }
            *r = t;
        }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: p[0..8] writable (caller); see the impl comment.
        unsafe { _mm256_storeu_ps(p, self) }
    }
    #[inline(always)]
    unsafe fn store_index(self, origin: isize, step: usize, idx: *mut i64) {
        if step > 1 << 20 {
            // Lane offsets past i32: the generic loop.
            // SAFETY: forwarded from the caller.
            return unsafe { store_index_lanes(self, origin, step, idx) };
        }
        // SAFETY: idx[0..8] writable (caller); offsets and l·step fit in i32 (2^24 and
        // 7·2^20); see the impl comment.
        unsafe {
            let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            let at = _mm256_add_epi32(
                _mm256_cvttps_epi32(self),
                _mm256_mullo_epi32(lanes, _mm256_set1_epi32(step as i32)),
            );
            let o = _mm256_set1_epi64x(origin as i64);
            let lo = _mm256_add_epi64(o, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(at)));
            let hi = _mm256_add_epi64(o, _mm256_cvtepi32_epi64(_mm256_extracti128_si256::<1>(at)));
            _mm256_storeu_si256(idx.cast(), lo);
            _mm256_storeu_si256(idx.add(4).cast(), hi);
        }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: p[0..8] readable (caller); F16C is part of this table's features; see the
        // impl comment.
        unsafe { _mm256_cvtph_ps(_mm_loadu_si128(p.cast())) }
    }
    #[inline(always)]
    unsafe fn store_f16(self, p: *mut f16) {
        // SAFETY: p[0..8] writable (caller); as load_f16.
        unsafe { _mm_storeu_si128(p.cast(), _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(self)) }
    }
    #[inline(always)]
    unsafe fn load_bf16(p: *const bf16) -> Self {
        // SAFETY: p[0..8] readable (caller); see the impl comment.
        unsafe {
            let w = _mm256_cvtepu16_epi32(_mm_loadu_si128(p.cast()));
            _mm256_castsi256_ps(_mm256_slli_epi32::<16>(w))
        }
    }
    #[inline(always)]
    unsafe fn store_bf16(self, p: *mut bf16) {
        // SAFETY: p[0..8] writable (caller); see the impl comment.
        unsafe {
            let w = bf16_bits(self);
            // packus per 128-bit half gives [w0..w3 w0..w3 | w4..w7 w4..w7]; 64-bit lanes 0, 2.
            let packed = _mm256_packus_epi32(w, w);
            let ordered = _mm256_permute4x64_epi64::<0b00_00_10_00>(packed);
            _mm_storeu_si128(p.cast(), _mm256_castsi256_si128(ordered));
        }
    }
    #[inline(always)]
    unsafe fn load_i8(p: *const i8) -> Self {
        // SAFETY: p[0..8] readable (caller); see the impl comment.
        unsafe { _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(p.cast()))) }
    }
    #[inline(always)]
    unsafe fn store_i8(self, p: *mut i8) {
        // SAFETY: p[0..8] writable (caller); see the impl comment.
        unsafe {
            let w = _mm256_packs_epi32(ints(self, -128.0, 127.0), _mm256_setzero_si256());
            store_bytes(_mm256_packs_epi16(w, w), p.cast());
        }
    }
    #[inline(always)]
    unsafe fn load_u8(p: *const u8) -> Self {
        // SAFETY: p[0..8] readable (caller); see the impl comment.
        unsafe { _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(p.cast()))) }
    }
    #[inline(always)]
    unsafe fn store_u8(self, p: *mut u8) {
        // SAFETY: p[0..8] writable (caller); see the impl comment.
        unsafe {
            let w = _mm256_packs_epi32(ints(self, 0.0, 255.0), _mm256_setzero_si256());
            store_bytes(_mm256_packus_epi16(w, w), p);
        }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_add_ps(self, o) }
    }
    #[inline(always)]
    fn abs(self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_andnot_ps(_mm256_set1_ps(-0.0), self) }
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_mul_ps(self, o) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_div_ps(self, o) }
    }
    #[inline(always)]
    fn max_any(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_max_ps(self, o) }
    }
    #[inline(always)]
    fn max_first(self, v: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_max_ps(v, self) }
    }
    #[inline(always)]
    fn beats(self, v: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(v, self) }
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

/// Each lane's bfloat16 bits (round to nearest even; a NaN stays a quiet NaN) in the low
/// half of its 32 bits, the high half zero.
#[inline(always)]
fn bf16_bits(v: __m256) -> __m256i {
    // SAFETY: `v` exists, so the CPU has AVX2 (see the impl comment).
    unsafe {
        let b = _mm256_castps_si256(v);
        let lsb = _mm256_and_si256(_mm256_srli_epi32::<16>(b), _mm256_set1_epi32(1));
        let rounded = _mm256_add_epi32(b, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), lsb));
        let nan = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_UNORD_Q>(v, v));
        let quiet = _mm256_or_si256(b, _mm256_set1_epi32(0x0040_0000));
        _mm256_srli_epi32::<16>(_mm256_blendv_epi8(rounded, quiet, nan))
    }
}

/// The lanes clamped to `lo..=hi` (NaN: `lo`, as `maxps` returns its second operand) and
/// rounded to nearest even (MXCSR's default) as `i32`s.
#[inline(always)]
fn ints(v: __m256, lo: f32, hi: f32) -> __m256i {
    // SAFETY: as in bf16_bits.
    unsafe {
        let c = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(lo)), _mm256_set1_ps(hi));
        _mm256_cvtps_epi32(c)
    }
}

/// Stores bytes 0..4 of each 128-bit half of `b` (eight lanes after two packs) to `p[0..8]`.
///
/// # Safety
/// AVX2, and `p[0..8]` writable.
#[inline(always)]
unsafe fn store_bytes(b: __m256i, p: *mut u8) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let v = _mm_unpacklo_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256::<1>(b));
        _mm_storel_epi64(p.cast(), v);
    }
}

crate::table::entry_points!(__m256, __m128, "avx2,fma,f16c");

// SAFETY (every block in this impl): a `__m256i` value only comes from the unsafe
// constructors, whose callers vouched for AVX2.
impl crate::byte_vector::ByteVec for __m256i {
    const LANES: usize = 32;
    #[inline(always)]
    unsafe fn splat(x: u8) -> Self {
        // SAFETY: see the impl comment.
        unsafe { _mm256_set1_epi8(x as i8) }
    }
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        // SAFETY: p[0..32] readable (caller); see the impl comment.
        unsafe { _mm256_loadu_si256(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut u8) {
        // SAFETY: p[0..32] writable (caller); see the impl comment.
        unsafe { _mm256_storeu_si256(p.cast(), self) }
    }
    #[inline(always)]
    fn max<const SIGNED: bool>(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe {
            if SIGNED {
                _mm256_max_epi8(self, o)
            } else {
                _mm256_max_epu8(self, o)
            }
        }
    }
}

crate::table::byte_entries!(__m256i, __m128i, "avx2,fma,f16c");
