//! The vocabulary of integer max pooling: a vector of `LANES` bytes, compared as `i8` or `u8`.
//! The maximum of integers has no NaN rule and no order to keep (it is exact in any
//! grouping), so load, store, splat and max are all the byte kernel needs.

/// A vector of `LANES` bytes. Values only come out of the unsafe constructors, whose callers
/// vouch for the ISA (as for [`F32Vec`](crate::vector::F32Vec)).
pub(crate) trait ByteVec: Copy {
    /// Number of byte lanes.
    const LANES: usize;

    /// Every lane `x`.
    ///
    /// # Safety
    /// The CPU must support the ISA of `Self`.
    unsafe fn splat(x: u8) -> Self;

    /// Lanes `p[0..LANES]`.
    ///
    /// # Safety
    /// As [`ByteVec::splat`], and `p[0..LANES]` must be readable.
    unsafe fn load(p: *const u8) -> Self;

    /// Writes the lanes to `p[0..LANES]`.
    ///
    /// # Safety
    /// `p[0..LANES]` must be writable.
    unsafe fn store(self, p: *mut u8);

    /// Lane-wise maximum, of the lanes as `i8` when `SIGNED`, else as `u8`.
    fn max<const SIGNED: bool>(self, o: Self) -> Self;
}

/// One byte: the scalar ISA, and every ISA's last rung.
impl ByteVec for u8 {
    const LANES: usize = 1;
    #[inline(always)]
    unsafe fn splat(x: u8) -> Self {
        x
    }
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        // SAFETY: the caller guarantees p[0] is readable.
        unsafe { *p }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut u8) {
        // SAFETY: the caller guarantees p[0] is writable.
        unsafe { *p = self }
    }
    #[inline(always)]
    fn max<const SIGNED: bool>(self, o: Self) -> Self {
        if SIGNED {
            Ord::max(self as i8, o as i8) as u8
        } else {
            Ord::max(self, o)
        }
    }
}
