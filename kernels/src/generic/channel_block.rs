//! Channel blocks: up to [`BLOCK`] channels-first planes to and from one channels-last image
//! of `BLOCK` channels (oneDNN's blocked layout), so that small planes can be pooled by the
//! pixel kernels, which have no per-row or per-plane costs. Each `LANES × LANES` tile of
//! planes × pixels is transposed in registers ([`F32Vec::transpose`]).

use crate::vector::{F32Vec, MAX_LANES};

/// Channels of a block's pixels (the widest vector's lanes).
pub const BLOCK: usize = 16;

/// Where pixel `p` of a channels-first image goes in a (possibly padded) block image: the
/// image's rows are `w` pixels and its slices `h` rows; the block's are `pw` and `ph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockImage {
    /// Input rows per slice and pixels per row.
    pub h: usize,
    /// Input pixels per row.
    pub w: usize,
    /// Block rows per slice (`>= h`).
    pub ph: usize,
    /// Block pixels per row (`>= w`).
    pub pw: usize,
}

impl BlockImage {
    /// No padding: pixel `p` at block pixel `p`.
    pub fn packed(len: usize) -> BlockImage {
        BlockImage {
            h: 1,
            w: len.max(1),
            ph: 1,
            pw: len.max(1),
        }
    }

    /// The block pixel of image pixel `p` (may overflow for sizes the caller did not check).
    pub fn at(&self, p: usize) -> usize {
        let (zy, x) = (p / self.w, p % self.w);
        ((zy / self.h) * self.ph + zy % self.h) * self.pw + x
    }
}

/// Pixels of `len` elements of planes `src + q·stride` (`q < planes`) into `dst`, `BLOCK`
/// channels a pixel, image pixel `p` at block pixel `img.at(p)`; channels past `planes`
/// repeat the last plane.
///
/// # Safety
/// The CPU must support `V`'s ISA; `1 <= planes <= BLOCK`; `src[q·stride..q·stride + len]`
/// readable for `q < planes`; `dst[..(img.at(len - 1) + 1)·BLOCK]` writable and not
/// overlapping them; `img.w, img.h > 0`, `img.pw >= img.w`, `img.ph >= img.h`.
#[inline(always)]
pub(crate) unsafe fn to_pixels<V: F32Vec>(
    src: *const f32,
    stride: usize,
    planes: usize,
    len: usize,
    dst: *mut f32,
    img: BlockImage,
) {
    let l = V::LANES;
    let plane = |q: usize| src.wrapping_add(q.min(planes - 1) * stride);
    for g in (0..BLOCK).step_by(l) {
        if len < l {
            for p in 0..len {
                for q in 0..l {
                    // SAFETY: `p < len` of a present plane; `dst` as the caller says.
                    unsafe { *dst.add(img.at(p) * BLOCK + g + q) = *plane(g + q).add(p) };
                }
            }
            continue;
        }
        let mut at = 0;
        loop {
            // The last tile ends at `len`, rewriting a few pixels with the same values.
            let p = at.min(len - l);
            // SAFETY: the caller's ISA.
            let mut r = [unsafe { V::splat(0.0) }; MAX_LANES];
            for (q, r) in r[..l].iter_mut().enumerate() {
                // SAFETY: `p + l <= len` of a present plane.
                *r = unsafe { V::load(plane(g + q).add(p)) };
            }
            // SAFETY: the caller's ISA.
            unsafe { V::transpose(&mut r) };
            // Block pixel of `p`, then stepped pixel by pixel (a division per tile only).
            let (zy, mut x) = (p / img.w, p % img.w);
            let (mut z, mut y) = (zy / img.h, zy % img.h);
            for r in &r[..l] {
                let to = (z * img.ph + y) * img.pw + x;
                // SAFETY: image pixel `< len`, placed as the caller says; channels `g..g + l`.
                unsafe { r.store(dst.add(to * BLOCK + g)) };
                x += 1;
                if x == img.w {
                    x = 0;
                    y += 1;
                    if y == img.h {
                        y = 0;
                        z += 1;
                    }
                }
            }
            if p + l == len {
                break;
            }
            at += l;
        }
    }
}

/// The way back: `len` pixels of `BLOCK` channels at `src` into planes `dst + q·stride` for
/// `q < planes` (the other channels are dropped).
///
/// # Safety
/// The CPU must support `V`'s ISA; `planes <= BLOCK`; `src[..len·BLOCK]` readable;
/// `dst[q·stride..q·stride + len]` writable for `q < planes` and not overlapping `src`.
#[inline(always)]
pub(crate) unsafe fn from_pixels<V: F32Vec>(
    src: *const f32,
    len: usize,
    dst: *mut f32,
    stride: usize,
    planes: usize,
) {
    let l = V::LANES;
    for g in (0..planes).step_by(l) {
        let present = (planes - g).min(l);
        if len < l {
            for p in 0..len {
                for q in 0..present {
                    // SAFETY: plane `g + q < planes`, `p < len`; the channel within `BLOCK`.
                    unsafe { *dst.add((g + q) * stride + p) = *src.add(p * BLOCK + g + q) };
                }
            }
            continue;
        }
        let mut at = 0;
        loop {
            let p = at.min(len - l);
            // SAFETY: the caller's ISA.
            let mut r = [unsafe { V::splat(0.0) }; MAX_LANES];
            for (x, r) in r[..l].iter_mut().enumerate() {
                // SAFETY: pixel `p + x < len`, channels `g..g + l` of `BLOCK`.
                *r = unsafe { V::load(src.add((p + x) * BLOCK + g)) };
            }
            // SAFETY: the caller's ISA.
            unsafe { V::transpose(&mut r) };
            for (q, r) in r[..l].iter().enumerate() {
                // Tested against `l` (not a loop to `present`), so the tile stays in registers.
                if q < present {
                    // SAFETY: plane `g + q < planes`, elements `p..p + l` with `p + l <= len`.
                    unsafe { r.store(dst.add((g + q) * stride + p)) };
                }
            }
            if p + l == len {
                break;
            }
            at += l;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every vector type this CPU runs transposes exactly, and the blocks round-trip.
    #[test]
    fn tiles_transpose_and_blocks_round_trip() {
        fn check<V: F32Vec>() {
            let l = V::LANES;
            let tile: [f32; 256] = core::array::from_fn(|i| i as f32);
            // SAFETY: only called for vectors the CPU supports (below).
            unsafe {
                let mut r = [V::splat(0.0); MAX_LANES];
                for (i, r) in r[..l].iter_mut().enumerate() {
                    *r = V::load(tile.as_ptr().add(i * l));
                }
                V::transpose(&mut r);
                let mut out = [0.0f32; 256];
                for (j, r) in r[..l].iter().enumerate() {
                    r.store(out.as_mut_ptr().add(j * l));
                }
                for j in 0..l {
                    for i in 0..l {
                        assert_eq!(out[j * l + i], tile[i * l + j], "{l} lanes: ({i}, {j})");
                    }
                }
            }
            for (planes, len) in [
                (1, 1),
                (3, 5),
                (16, 16),
                (16, 48),
                (16, 49),
                (9, 289),
                (5, 3),
                (2, 6),
            ] {
                let stride = len + 3;
                let src: [f32; 16 * 300] = core::array::from_fn(|i| i as f32);
                let mut block = [f32::NAN; 16 * 300];
                let mut back = [-1.0f32; 16 * 300];
                // SAFETY: sizes as the functions require; the CPU supports V (below).
                unsafe {
                    let img = BlockImage::packed(len);
                    to_pixels::<V>(src.as_ptr(), stride, planes, len, block.as_mut_ptr(), img);
                    from_pixels::<V>(block.as_ptr(), len, back.as_mut_ptr(), stride, planes);
                }
                for q in 0..BLOCK {
                    for p in 0..len {
                        let want = src[q.min(planes - 1) * stride + p];
                        assert_eq!(block[p * BLOCK + q], want, "{l}: block ({p}, {q})");
                    }
                }
                for q in 0..planes {
                    for p in 0..stride {
                        let want = if p < len { src[q * stride + p] } else { -1.0 };
                        assert_eq!(back[q * stride + p], want, "{l}: back ({q}, {p})");
                    }
                }
                // Padded: 2 slices of rows of 3 (len 6·k) into rows of 5, slices of 4 rows.
                if len % 6 == 0 {
                    let img = BlockImage {
                        h: 2,
                        w: 3,
                        ph: 4,
                        pw: 5,
                    };
                    let mut padded = [f32::NAN; 16 * 300];
                    // SAFETY: as above; the last pixel lands at img.at(len - 1) < 300.
                    unsafe {
                        to_pixels::<V>(src.as_ptr(), stride, planes, len, padded.as_mut_ptr(), img);
                    }
                    for p in 0..len {
                        let (z, y, x) = (p / 6, p / 3 % 2, p % 3);
                        let to = (z * 4 + y) * 5 + x;
                        assert_eq!(img.at(p), to);
                        for q in 0..BLOCK {
                            let want = src[q.min(planes - 1) * stride + p];
                            assert_eq!(padded[to * BLOCK + q], want, "{l}: padded ({p}, {q})");
                        }
                    }
                }
            }
        }
        check::<f32>();
        check::<wide::f32x4>();
        check::<wide::f32x8>();
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{__m128, __m256, __m512};
            check::<__m128>();
            if std::is_x86_feature_detected!("avx2") {
                check::<__m256>();
            }
            if std::is_x86_feature_detected!("avx512f") {
                check::<__m512>();
            }
        }
        #[cfg(target_arch = "aarch64")]
        check::<core::arch::aarch64::float32x4_t>();
    }
}
