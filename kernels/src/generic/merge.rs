//! Element-wise max of whole slices, for 3-D max pooling that merges its depth taps before
//! pooling each merged slice once (`simdpool`'s `depth.rs`).

use crate::vector::F32Vec;

/// `acc[i]` takes `x[i]` where PyTorch's max step would (`x > acc` or `x` is NaN), for
/// `i < n`.
///
/// # Safety
/// The CPU must support `V`'s ISA; `acc[..n]` writable, `x[..n]` readable, not overlapping.
#[inline(always)]
pub(crate) unsafe fn max_into<V: F32Vec>(acc: *mut f32, x: *const f32, n: usize) {
    let l = V::LANES;
    let mut i = 0;
    while i + l <= n {
        // SAFETY: `i + l <= n` within both; the caller's ISA.
        unsafe {
            let a = V::load(acc.add(i));
            a.max_step(V::load(x.add(i))).store(acc.add(i));
        }
        i += l;
    }
    while i < n {
        // SAFETY: `i < n` within both.
        unsafe { *acc.add(i) = (*acc.add(i)).max_step(*x.add(i)) };
        i += 1;
    }
}

/// `out[i]` is `b[i]` where PyTorch's max step from `a[i]` would take it, else `a[i]`, for
/// `i < n` (the first merge of two slices, without copying one first).
///
/// # Safety
/// The CPU must support `V`'s ISA; `out[..n]` writable, `a[..n]` and `b[..n]` readable,
/// `out` overlapping neither.
#[inline(always)]
pub(crate) unsafe fn max_of<V: F32Vec>(out: *mut f32, a: *const f32, b: *const f32, n: usize) {
    let l = V::LANES;
    let mut i = 0;
    while i + l <= n {
        // SAFETY: `i + l <= n` within all three; the caller's ISA.
        unsafe {
            let v = V::load(a.add(i)).max_step(V::load(b.add(i)));
            v.store(out.add(i));
        }
        i += l;
    }
    while i < n {
        // SAFETY: `i < n` within all three.
        unsafe { *out.add(i) = (*a.add(i)).max_step(*b.add(i)) };
        i += 1;
    }
}
