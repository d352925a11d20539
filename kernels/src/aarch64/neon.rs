//! NEON: 4-lane `float32x4_t`; stride 2 uses the structure load `vld2q_f32`.
//! Compare + select rather than `vmaxq_f32`: FMAX returns +0 for (−0, +0) in either order and
//! the first NaN operand, where PyTorch keeps the earlier zero and the later NaN.

use core::arch::aarch64::*;

use half::bf16;

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
    unsafe fn unzip(a: Self, b: Self) -> (Self, Self) {
        // SAFETY: see the impl comment.
        unsafe { (vuzp1q_f32(a, b), vuzp2q_f32(a, b)) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: p[0..4] writable (caller); see the impl comment.
        unsafe { vst1q_f32(p, self) }
    }
    // f16 converts lane by lane: the FCVTL intrinsics take `float16x4_t`, not stable Rust.
    #[inline(always)]
    unsafe fn load_bf16(p: *const bf16) -> Self {
        // SAFETY: p[0..4] readable (caller); see the impl comment.
        unsafe { vreinterpretq_f32_u32(vshll_n_u16::<16>(vld1_u16(p.cast()))) }
    }
    #[inline(always)]
    unsafe fn store_bf16(self, p: *mut bf16) {
        // Round to nearest even in the integer domain; a NaN keeps its top payload, quieted.
        // SAFETY: p[0..4] writable (caller); see the impl comment.
        unsafe {
            let b = vreinterpretq_u32_f32(self);
            let lsb = vandq_u32(vshrq_n_u32::<16>(b), vdupq_n_u32(1));
            let rounded = vaddq_u32(b, vaddq_u32(vdupq_n_u32(0x7fff), lsb));
            let quiet = vorrq_u32(b, vdupq_n_u32(0x0040_0000));
            let w = vbslq_u32(vceqq_f32(self, self), rounded, quiet);
            vst1_u16(p.cast(), vshrn_n_u32::<16>(w));
        }
    }
    #[inline(always)]
    unsafe fn load_i8(p: *const i8) -> Self {
        // SAFETY: p[0..4] readable (caller), as one unaligned u32; see the impl comment.
        unsafe {
            let b = vreinterpret_s8_u32(vdup_n_u32(p.cast::<u32>().read_unaligned()));
            vcvtq_f32_s32(vmovl_s16(vget_low_s16(vmovl_s8(b))))
        }
    }
    #[inline(always)]
    unsafe fn store_i8(self, p: *mut i8) {
        // SAFETY: p[0..4] writable (caller), as one unaligned u32; see the impl comment.
        unsafe {
            let x = vmovn_s32(ints(self, -128.0, 127.0));
            let b = vmovn_s16(vcombine_s16(x, x));
            p.cast::<u32>()
                .write_unaligned(vget_lane_u32::<0>(vreinterpret_u32_s8(b)));
        }
    }
    #[inline(always)]
    unsafe fn load_u8(p: *const u8) -> Self {
        // SAFETY: as load_i8.
        unsafe {
            let b = vreinterpret_u8_u32(vdup_n_u32(p.cast::<u32>().read_unaligned()));
            vcvtq_f32_u32(vmovl_u16(vget_low_u16(vmovl_u8(b))))
        }
    }
    #[inline(always)]
    unsafe fn store_u8(self, p: *mut u8) {
        // SAFETY: as store_i8 (the clamp makes every lane fit an unsigned byte).
        unsafe {
            let x = vreinterpret_u16_s16(vmovn_s32(ints(self, 0.0, 255.0)));
            let b = vmovn_u16(vcombine_u16(x, x));
            p.cast::<u32>()
                .write_unaligned(vget_lane_u32::<0>(vreinterpret_u32_u8(b)));
        }
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

/// The lanes clamped to `lo..=hi` (NaN: `lo`, as FMAXNM returns the number) and rounded to
/// nearest even as `i32`s.
#[inline(always)]
fn ints(v: float32x4_t, lo: f32, hi: f32) -> int32x4_t {
    // SAFETY: NEON is mandatory on aarch64 targets.
    unsafe { vcvtnq_s32_f32(vminq_f32(vmaxnmq_f32(v, vdupq_n_f32(lo)), vdupq_n_f32(hi))) }
}

crate::table::entry_points!(float32x4_t, f32);

// SAFETY (every block in this impl): NEON is mandatory on aarch64 targets.
impl crate::byte_vector::ByteVec for uint8x16_t {
    const LANES: usize = 16;
    #[inline(always)]
    unsafe fn splat(x: u8) -> Self {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_u8(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        // SAFETY: p[0..16] readable (caller); see the impl comment.
        unsafe { vld1q_u8(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut u8) {
        // SAFETY: p[0..16] writable (caller); see the impl comment.
        unsafe { vst1q_u8(p, self) }
    }
    #[inline(always)]
    fn max<const SIGNED: bool>(self, o: Self) -> Self {
        // SAFETY: see the impl comment.
        unsafe {
            if SIGNED {
                vreinterpretq_u8_s8(vmaxq_s8(vreinterpretq_s8_u8(self), vreinterpretq_s8_u8(o)))
            } else {
                vmaxq_u8(self, o)
            }
        }
    }
}

crate::table::byte_entries!(uint8x16_t, u8);
