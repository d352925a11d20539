//! `wide`'s vectors: SIMD chosen at compile time (SSE2 on a default x86-64 build, NEON on
//! aarch64), so this path needs no detection and runs everywhere.

use wide::{f32x4, f32x8, CmpGt};

use crate::vector::F32Vec;

macro_rules! wide_vec {
    ($ty:ident, $half:ident, $n:literal) => {
        impl F32Vec for $ty {
            const LANES: usize = $n;
            type Mask = $ty;
            type Half = $half;

            #[inline(always)]
            unsafe fn splat(x: f32) -> Self {
                $ty::new([x; $n])
            }
            #[inline(always)]
            unsafe fn load(p: *const f32) -> Self {
                // SAFETY: the caller guarantees p[0..LANES] is readable.
                $ty::new(unsafe { p.cast::<[f32; $n]>().read_unaligned() })
            }
            #[inline(always)]
            unsafe fn load_even(p: *const f32) -> Self {
                let mut even = [0.0f32; $n];
                for (i, e) in even.iter_mut().enumerate() {
                    // SAFETY: the caller guarantees p[0..2·LANES] is readable.
                    *e = unsafe { *p.add(2 * i) };
                }
                $ty::new(even)
            }
            #[inline(always)]
            unsafe fn load_pair(p: *const f32) -> (Self, Self) {
                let (mut even, mut odd) = ([0.0f32; $n], [0.0f32; $n]);
                for i in 0..$n {
                    // SAFETY: the caller guarantees p[0..2·LANES] is readable.
                    unsafe {
                        even[i] = *p.add(2 * i);
                        odd[i] = *p.add(2 * i + 1);
                    }
                }
                ($ty::new(even), $ty::new(odd))
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut f32) {
                // SAFETY: the caller guarantees p[0..LANES] is writable.
                unsafe { p.cast::<[f32; $n]>().write_unaligned(self.to_array()) }
            }
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline(always)]
            fn abs(self) -> Self {
                $ty::abs(self)
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
                self.fast_max(o)
            }
            #[inline(always)]
            fn max_first(self, v: Self) -> Self {
                // Not `fast_max`: on NEON it orders -0.0 below +0.0.
                Self::select(self.beats(v), v, self)
            }
            #[inline(always)]
            fn beats(self, v: Self) -> Self {
                v.cmp_gt(self)
            }
            #[inline(always)]
            fn max_step(self, v: Self) -> Self {
                Self::select(self.takes(v), v, self)
            }
            #[inline(always)]
            fn takes(self, v: Self) -> Self {
                v.cmp_gt(self) | v.is_nan()
            }
            #[inline(always)]
            fn select(m: Self, a: Self, b: Self) -> Self {
                m.blend(a, b)
            }
        }
    };
}

wide_vec!(f32x8, f32x4, 8);
wide_vec!(f32x4, f32x4, 4);

crate::table::entry_points!(f32x8, f32x4);

/// Sixteen bytes in `wide`'s `u8x16`; signed max by flipping the sign bits around an
/// unsigned one (`wide` builds have no runtime ISA, so one type serves both).
#[derive(Clone, Copy)]
pub(crate) struct Bytes16(wide::u8x16);

impl crate::byte_vector::ByteVec for Bytes16 {
    const LANES: usize = 16;
    #[inline(always)]
    unsafe fn splat(x: u8) -> Self {
        Bytes16(wide::u8x16::splat(x))
    }
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        // SAFETY: the caller guarantees p[0..16] is readable.
        Bytes16(wide::u8x16::new(unsafe {
            p.cast::<[u8; 16]>().read_unaligned()
        }))
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut u8) {
        // SAFETY: the caller guarantees p[0..16] is writable.
        unsafe { p.cast::<[u8; 16]>().write_unaligned(self.0.to_array()) }
    }
    #[inline(always)]
    fn max<const SIGNED: bool>(self, o: Self) -> Self {
        if SIGNED {
            let flip = wide::u8x16::splat(0x80);
            Bytes16(((self.0 ^ flip).max(o.0 ^ flip)) ^ flip)
        } else {
            Bytes16(self.0.max(o.0))
        }
    }
}

crate::table::byte_entries!(Bytes16, u8);
