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
        unsafe {
            let v = *x.add(i);
            if v > *acc.add(i) || v.is_nan() {
                *acc.add(i) = v;
            }
        }
        i += 1;
    }
}
