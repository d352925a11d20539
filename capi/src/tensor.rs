//! `simdpool_tensor`: a pointer, a shape and element strides, checked (null, negative,
//! overflowing, misaligned, overlapping) before any slice is made of it.

use std::ffi::c_void;

use crate::status::{
    Fail, SIMDPOOL_ERROR_BUFFER, SIMDPOOL_ERROR_NULL_POINTER, SIMDPOOL_ERROR_OVERLAP,
    SIMDPOOL_ERROR_SIZE,
};

/// The most axes a tensor has: batch, channels and three spatial axes.
pub const SIMDPOOL_MAX_DIMS: usize = 5;

/// A tensor in the caller's memory: element `[i0, i1, ..]` is at
/// `data + (i0·strides[0] + i1·strides[1] + ..)·element_size`. Shapes and strides are in
/// logical order `[n, c, spatial...]` whatever the layout (a channels-last tensor has the
/// smallest stride on axis 1); the first `rank + 2` entries are used. Strides are in
/// elements, not negative; an output must not overlap itself or any other tensor of the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(non_camel_case_types)]
pub struct simdpool_tensor {
    /// The element at index `[0, 0, ..]`.
    pub data: *mut c_void,
    /// Sizes, logical order.
    pub shape: [i64; SIMDPOOL_MAX_DIMS],
    /// Element strides, logical order.
    pub strides: [i64; SIMDPOOL_MAX_DIMS],
}

/// A checked tensor: its fields as sizes, and the bytes it spans.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Raw<const S: usize> {
    pub(crate) name: &'static str,
    data: *mut c_void,
    /// Elements spanned.
    span: usize,
    size: usize,
    pub(crate) shape: [usize; S],
    pub(crate) strides: [usize; S],
}

/// `v`'s first `S` entries as sizes.
pub(crate) fn sizes<const S: usize>(name: &str, what: &str, v: &[i64]) -> Result<[usize; S], Fail> {
    let mut out = [0; S];
    for (i, o) in out.iter_mut().enumerate() {
        *o = usize::try_from(v[i]).map_err(|_| {
            Fail::new(
                SIMDPOOL_ERROR_SIZE,
                format!("{name}.{what}[{i}] = {} is negative", v[i]),
            )
        })?;
    }
    Ok(out)
}

/// Checks tensor `t` (named `name`) of elements of `size` bytes (aligned to `size`).
///
/// # Safety
/// `t` is null or points to a readable `simdpool_tensor`.
pub(crate) unsafe fn check<const S: usize>(
    t: *const simdpool_tensor,
    name: &'static str,
    size: usize,
) -> Result<Raw<S>, Fail> {
    let null = || Fail::new(SIMDPOOL_ERROR_NULL_POINTER, format!("{name} is null"));
    // SAFETY: the caller promises `t` is null or valid; null is refused here.
    let t = unsafe { t.as_ref() }.ok_or_else(null)?;
    if t.data.is_null() {
        return Err(Fail::new(
            SIMDPOOL_ERROR_NULL_POINTER,
            format!("{name}.data is null"),
        ));
    }
    let shape = sizes::<S>(name, "shape", &t.shape)?;
    let strides = sizes::<S>(name, "strides", &t.strides)?;
    let span = if shape.contains(&0) {
        Some(0)
    } else {
        shape
            .iter()
            .zip(&strides)
            .try_fold(1usize, |acc, (&n, &s)| {
                (n - 1).checked_mul(s).and_then(|v| v.checked_add(acc))
            })
    };
    let bytes = span.and_then(|s| s.checked_mul(size));
    let addr = t.data.addr();
    let span = match (span, bytes) {
        (Some(s), Some(b)) if b <= isize::MAX as usize && addr.checked_add(b).is_some() => s,
        _ => {
            return Err(Fail::new(
                SIMDPOOL_ERROR_SIZE,
                format!(
                    "{name} of shape {shape:?} and strides {strides:?} spans more bytes than \
                     an allocation can hold"
                ),
            ))
        }
    };
    if !addr.is_multiple_of(size) {
        return Err(Fail::new(
            SIMDPOOL_ERROR_BUFFER,
            format!("{name}.data = {addr:#x} is not aligned to {size} bytes"),
        ));
    }
    Ok(Raw {
        name,
        data: t.data,
        span,
        size,
        shape,
        strides,
    })
}

impl<const S: usize> Raw<S> {
    fn bytes(&self) -> std::ops::Range<usize> {
        let addr = self.data.addr();
        addr..addr + self.span * self.size
    }

    /// The elements the tensor spans.
    ///
    /// # Safety
    /// The caller's memory behind `data` is readable for the span, holds valid `E`s, and
    /// is not written while the slice lives (no written tensor overlaps it: [`disjoint`]).
    pub(crate) unsafe fn slice<'a, E>(&self) -> &'a [E] {
        debug_assert_eq!(std::mem::size_of::<E>(), self.size);
        // SAFETY: non-null, aligned, and the span's bytes fit in isize (checked in
        // `check`); validity and exclusivity are the caller's promise.
        unsafe { std::slice::from_raw_parts(self.data.cast::<E>(), self.span) }
    }

    /// The elements the tensor spans, writable.
    ///
    /// # Safety
    /// As [`Raw::slice`], writable, and no other slice of the call overlaps it.
    pub(crate) unsafe fn slice_mut<'a, E>(&self) -> &'a mut [E] {
        debug_assert_eq!(std::mem::size_of::<E>(), self.size);
        // SAFETY: as in `slice`; exclusivity is the caller's promise (see `disjoint`).
        unsafe { std::slice::from_raw_parts_mut(self.data.cast::<E>(), self.span) }
    }
}

/// Refuses a call whose written tensors overlap any other tensor of it (read tensors may
/// share memory with each other).
pub(crate) fn disjoint<const S: usize>(written: &[&Raw<S>], read: &[&Raw<S>]) -> Result<(), Fail> {
    for (k, w) in written.iter().enumerate() {
        let others = written[k + 1..].iter().chain(read);
        for o in others {
            let (a, b) = (w.bytes(), o.bytes());
            if a.start < b.end && b.start < a.end {
                return Err(Fail::new(
                    SIMDPOOL_ERROR_OVERLAP,
                    format!(
                        "{} (bytes {:#x}..{:#x}) overlaps {} (bytes {:#x}..{:#x})",
                        w.name, a.start, a.end, o.name, b.start, b.end
                    ),
                ));
            }
        }
    }
    Ok(())
}
