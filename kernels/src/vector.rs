//! The vocabulary every kernel is written in: a vector of `f32` lanes.
//!
//! Values of an implementing type only come out of its `unsafe` constructors (`splat`,
//! `load*`), whose callers vouch that the CPU has the ISA. That is why the arithmetic
//! methods can be safe: holding a value is the proof. Every method is `#[inline(always)]`
//! so that it melts into the `#[target_feature]` entry point that instantiates the kernel.

use half::{bf16, f16};

use crate::element::{DType, Element};

/// A vector of `LANES` `f32` values.
pub(crate) trait F32Vec: Copy {
    /// Number of `f32` lanes.
    const LANES: usize;
    /// A lane mask as the ISA's compares produce it.
    type Mask: Copy;
    /// The next narrower vector of the same ISA (`Self` when there is none): the last rung
    /// of the ladder a narrow row walks down before any scalar code.
    type Half: F32Vec;

    /// Every lane `x`.
    ///
    /// # Safety
    /// The CPU must support the ISA of `Self`.
    unsafe fn splat(x: f32) -> Self;

    /// Lanes `p[0..LANES]`.
    ///
    /// # Safety
    /// As [`F32Vec::splat`], and `p[0..LANES]` must be readable.
    unsafe fn load(p: *const f32) -> Self;

    /// The even elements `p[0], p[2], …, p[2·LANES − 2]` (stride-2 windows).
    ///
    /// # Safety
    /// As [`F32Vec::splat`], and `p[0..2·LANES]` must be readable (the last, odd element is
    /// loaded and dropped by the de-interleave).
    unsafe fn load_even(p: *const f32) -> Self;

    /// Both halves of a stride-2 pair: (`p[0], p[2], …`, `p[1], p[3], …`), for two
    /// neighbouring taps from one pair of loads.
    ///
    /// # Safety
    /// As [`F32Vec::load_even`].
    unsafe fn load_pair(p: *const f32) -> (Self, Self);

    /// The even and odd lanes of `a` followed by `b`: (`a[0], a[2], …, b[0], b[2], …`,
    /// `a[1], a[3], …, b[1], b[3], …`), the de-interleave of two registers (the rounds of
    /// the channel-block transpose). The default goes through the stack.
    ///
    /// # Safety
    /// As [`F32Vec::splat`].
    #[inline(always)]
    unsafe fn unzip(a: Self, b: Self) -> (Self, Self) {
        let mut buf = [0.0f32; 2 * MAX_LANES];
        // SAFETY: 2·LANES <= 2·MAX_LANES elements of a local array; the ISA is the caller's.
        unsafe {
            a.store(buf.as_mut_ptr());
            b.store(buf.as_mut_ptr().add(Self::LANES));
            Self::load_pair(buf.as_ptr())
        }
    }

    /// Transposes the `LANES × LANES` tile `r[..LANES]` in place: row `i` (vector `r[i]`)
    /// becomes column `i` (lane `i` of every vector). The default runs `log2(LANES)` rounds
    /// of [`F32Vec::unzip`]; that network reverses the bits of each element's (vector, lane)
    /// position, so rows go in, and columns come out, in bit-reversed order.
    ///
    /// # Safety
    /// As [`F32Vec::splat`].
    #[inline(always)]
    unsafe fn transpose(r: &mut [Self; MAX_LANES]) {
        let l = Self::LANES;
        let rev = |i: usize| match l {
            1 => 0,
            _ => i.reverse_bits() >> (usize::BITS - l.trailing_zeros()),
        };
        let mut t = *r;
        for i in 0..l {
            t[i] = r[rev(i)];
        }
        // A constant number of rounds (LANES is a constant): the loop unrolls and the tile
        // stays in registers.
        // SAFETY: the caller's ISA.
        unsafe {
            for round in [2, 4, 8, 16] {
                if l >= round {
                    unzip_round(&mut t);
                }
            }
        }
        for i in 0..l {
            r[i] = t[rev(i)];
        }
    }

    /// Lanes `p[0], p[s], …, p[(LANES − 1)·s]` for any stride.
    ///
    /// # Safety
    /// As [`F32Vec::splat`], and every `p[i·s]` for `i < LANES` must be readable.
    #[inline(always)]
    unsafe fn load_strided(p: *const f32, s: usize) -> Self {
        let mut lanes = [0.0f32; 16];
        for (i, lane) in lanes.iter_mut().take(Self::LANES).enumerate() {
            // SAFETY: the caller guarantees p[i*s] is readable for i < LANES.
            *lane = unsafe { *p.add(i * s) };
        }
        // SAFETY: LANES <= 16 elements of a local array; the ISA is vouched for by the caller.
        unsafe { Self::load(lanes.as_ptr()) }
    }

    /// Lanes `lo..hi` read `p[l·s]`; the others are `fill`. For windows that hang into the
    /// padding: `p` itself may point outside the input, so it is only offset with wrapping
    /// arithmetic and only the lanes in `lo..hi` are read.
    ///
    /// # Safety
    /// As [`F32Vec::splat`]; `p.wrapping_add(l·s)` readable for `l` in `lo..hi`, `hi <= LANES`.
    #[inline(always)]
    unsafe fn load_clipped(p: *const f32, s: usize, lo: usize, hi: usize, fill: f32) -> Self {
        let mut lanes = [fill; 16];
        for (l, lane) in lanes.iter_mut().enumerate().take(hi).skip(lo) {
            // SAFETY: the caller guarantees lane l (in lo..hi) is readable.
            *lane = unsafe { *p.wrapping_add(l * s) };
        }
        // SAFETY: LANES <= 16 elements of a local array; the ISA is vouched for by the caller.
        unsafe { Self::load(lanes.as_ptr()) }
    }

    /// Writes the lanes to `p[0..LANES]`.
    ///
    /// # Safety
    /// `p[0..LANES]` must be writable.
    unsafe fn store(self, p: *mut f32);

    /// Argmax's index store: `idx[l] = origin + l·step + lane l`, the lanes holding whole
    /// numbers of magnitude at most 2^24 (exact in `f32`).
    ///
    /// # Safety
    /// `idx[0..LANES]` must be writable.
    #[inline(always)]
    unsafe fn store_index(self, origin: isize, step: usize, idx: *mut i64) {
        // SAFETY: forwarded from the caller.
        unsafe { store_index_lanes(self, origin, step, idx) }
    }

    /// Lanes widened from `p[0..LANES]` of element type `E` (exact).
    ///
    /// # Safety
    /// As [`F32Vec::splat`], and `p[0..LANES]` must be readable.
    #[inline(always)]
    unsafe fn load_elem<E: Element>(p: *const E) -> Self {
        // SAFETY: `E::DTYPE` names `E` itself (the trait is sealed), so each cast keeps the
        // element type; readability is the caller's.
        unsafe {
            match E::DTYPE {
                DType::F32 => Self::load(p.cast()),
                DType::F16 => Self::load_f16(p.cast()),
                DType::Bf16 => Self::load_bf16(p.cast()),
                DType::I8 => Self::load_i8(p.cast()),
                DType::U8 => Self::load_u8(p.cast()),
            }
        }
    }

    /// Writes the lanes to `p[0..LANES]` narrowed to `E` (as [`Element::from_f32`]).
    ///
    /// # Safety
    /// `p[0..LANES]` must be writable.
    #[inline(always)]
    unsafe fn store_elem<E: Element>(self, p: *mut E) {
        // SAFETY: as in `load_elem`; writability is the caller's.
        unsafe {
            match E::DTYPE {
                DType::F32 => self.store(p.cast()),
                DType::F16 => self.store_f16(p.cast()),
                DType::Bf16 => self.store_bf16(p.cast()),
                DType::I8 => self.store_i8(p.cast()),
                DType::U8 => self.store_u8(p.cast()),
            }
        }
    }

    /// [`F32Vec::load_elem`] for `f16` (lane by lane unless the ISA converts).
    ///
    /// # Safety
    /// As [`F32Vec::load_elem`].
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { load_lanes(p) }
    }
    /// [`F32Vec::store_elem`] for `f16`.
    ///
    /// # Safety
    /// As [`F32Vec::store_elem`].
    #[inline(always)]
    unsafe fn store_f16(self, p: *mut f16) {
        // SAFETY: forwarded from the caller.
        unsafe { store_lanes(self, p) }
    }
    /// [`F32Vec::load_elem`] for `bf16`.
    ///
    /// # Safety
    /// As [`F32Vec::load_elem`].
    #[inline(always)]
    unsafe fn load_bf16(p: *const bf16) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { load_lanes(p) }
    }
    /// [`F32Vec::store_elem`] for `bf16`.
    ///
    /// # Safety
    /// As [`F32Vec::store_elem`].
    #[inline(always)]
    unsafe fn store_bf16(self, p: *mut bf16) {
        // SAFETY: forwarded from the caller.
        unsafe { store_lanes(self, p) }
    }
    /// [`F32Vec::load_elem`] for `i8`.
    ///
    /// # Safety
    /// As [`F32Vec::load_elem`].
    #[inline(always)]
    unsafe fn load_i8(p: *const i8) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { load_lanes(p) }
    }
    /// [`F32Vec::store_elem`] for `i8`.
    ///
    /// # Safety
    /// As [`F32Vec::store_elem`].
    #[inline(always)]
    unsafe fn store_i8(self, p: *mut i8) {
        // SAFETY: forwarded from the caller.
        unsafe { store_lanes(self, p) }
    }
    /// [`F32Vec::load_elem`] for `u8`.
    ///
    /// # Safety
    /// As [`F32Vec::load_elem`].
    #[inline(always)]
    unsafe fn load_u8(p: *const u8) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { load_lanes(p) }
    }
    /// [`F32Vec::store_elem`] for `u8`.
    ///
    /// # Safety
    /// As [`F32Vec::store_elem`].
    #[inline(always)]
    unsafe fn store_u8(self, p: *mut u8) {
        // SAFETY: forwarded from the caller.
        unsafe { store_lanes(self, p) }
    }

    /// Lane-wise sum.
    fn add(self, o: Self) -> Self;
    /// Lane-wise magnitude (sign bit cleared).
    fn abs(self) -> Self;
    /// Lane-wise product.
    fn mul(self, o: Self) -> Self;
    /// Lane-wise quotient.
    fn div(self, o: Self) -> Self;
    /// Some lane-wise maximum, the cheapest the ISA has: lanes where either side is NaN
    /// are unspecified (for magnitude scans whose NaNs are caught elsewhere).
    fn max_any(self, o: Self) -> Self;
    /// [`F32Vec::max_step`] for NaN-free lanes: `v` where `v > self`, else `self` (ties keep
    /// `self`, so `-0.0` and `+0.0` stay in order); lanes holding a NaN are unspecified.
    /// One instruction on x86 (`maxps` returns its second operand on ties).
    fn max_first(self, v: Self) -> Self;
    /// [`F32Vec::takes`] for NaN-free lanes: where `v > self`.
    fn beats(self, v: Self) -> Self::Mask;
    /// PyTorch's max step, lane-wise: `v` replaces `self` where `v > self` or `v` is NaN.
    /// (So ties keep the earlier value and the last NaN wins.)
    fn max_step(self, v: Self) -> Self;
    /// Where [`F32Vec::max_step`] would take `v`.
    fn takes(self, v: Self) -> Self::Mask;
    /// `a` where `m` is set, else `b`.
    fn select(m: Self::Mask, a: Self, b: Self) -> Self;
}

/// [`F32Vec::store_index`] lane by lane (the default, and the fallback of vector versions).
///
/// # Safety
/// As [`F32Vec::store_index`].
#[inline(always)]
pub(crate) unsafe fn store_index_lanes<V: F32Vec>(v: V, origin: isize, step: usize, idx: *mut i64) {
    let mut offs = [0.0f32; MAX_LANES];
    // SAFETY: LANES <= MAX_LANES elements of a local array.
    unsafe { v.store(offs.as_mut_ptr()) };
    for (l, off) in offs[..V::LANES].iter().enumerate() {
        // SAFETY: the caller guarantees idx[0..LANES] is writable.
        unsafe { *idx.add(l) = (origin + (l * step) as isize + *off as isize) as i64 };
    }
}

/// [`F32Vec::load_elem`] lane by lane (the default).
///
/// # Safety
/// As [`F32Vec::load_elem`].
#[inline(always)]
pub(crate) unsafe fn load_lanes<V: F32Vec, E: Element>(p: *const E) -> V {
    let mut a = [0.0f32; MAX_LANES];
    for (l, x) in a[..V::LANES].iter_mut().enumerate() {
        // SAFETY: the caller guarantees p[0..LANES] is readable.
        *x = unsafe { *p.add(l) }.to_f32();
    }
    // SAFETY: LANES <= MAX_LANES elements of a local array; the ISA is the caller's.
    unsafe { V::load(a.as_ptr()) }
}

/// [`F32Vec::store_elem`] lane by lane (the default).
///
/// # Safety
/// As [`F32Vec::store_elem`].
#[inline(always)]
pub(crate) unsafe fn store_lanes<V: F32Vec, E: Element>(v: V, p: *mut E) {
    let mut a = [0.0f32; MAX_LANES];
    // SAFETY: LANES <= MAX_LANES elements of a local array.
    unsafe { v.store(a.as_mut_ptr()) };
    for (l, x) in a[..V::LANES].iter().enumerate() {
        // SAFETY: the caller guarantees p[0..LANES] is writable.
        unsafe { *p.add(l) = E::from_f32(*x) };
    }
}

/// One round of [`F32Vec::transpose`]'s network: vectors `i` and `i + LANES/2` unzipped
/// into `2i` and `2i + 1`.
///
/// # Safety
/// As [`F32Vec::splat`].
#[inline(always)]
unsafe fn unzip_round<V: F32Vec>(r: &mut [V; MAX_LANES]) {
    let half = V::LANES / 2;
    let mut t = *r;
    for i in 0..half {
        // SAFETY: the caller's ISA.
        let (even, odd) = unsafe { V::unzip(r[i], r[i + half]) };
        t[2 * i] = even;
        t[2 * i + 1] = odd;
    }
    *r = t;
}

/// Largest `LANES` of any implementation (bounds the scratch arrays).
pub(crate) const MAX_LANES: usize = 16;
