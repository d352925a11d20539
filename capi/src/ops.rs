//! The entry points' bodies: descriptor → layer, tensors → views in the descriptor's
//! element type, then the crate's strided calls in the chosen thread pool.

use simdpool::{
    bf16, f16, AdaptivePool1d, AdaptivePool2d, AdaptivePool3d, DType, Element, Layout, Pool1d,
    Pool2d, Pool3d, PoolError, Strided, StridedMut,
};

use crate::desc::{self, simdpool_pool_desc, Layer};
use crate::status::{Fail, SIMDPOOL_ERROR_INVALID_ARGUMENT, SIMDPOOL_ERROR_NULL_POINTER};
use crate::tensor::{self, disjoint, simdpool_tensor, Raw};
use crate::threads::install;

/// One builder's calls at its shape length `S`.
trait Ops<const S: usize>: Sync {
    fn out(&self, shape: [usize; S]) -> Result<[usize; S], PoolError>;
    fn fwd<E: Element>(
        &self,
        x: Strided<'_, E, S>,
        y: StridedMut<'_, E, S>,
        i: Option<StridedMut<'_, i64, S>>,
    ) -> Result<(), PoolError>;
    fn bwd<E: Element>(
        &self,
        g: Strided<'_, E, S>,
        i: Option<Strided<'_, i64, S>>,
        gi: StridedMut<'_, E, S>,
    ) -> Result<(), PoolError>;
}

macro_rules! ops {
    ($t:ty, $s:literal) => {
        impl Ops<$s> for $t {
            fn out(&self, shape: [usize; $s]) -> Result<[usize; $s], PoolError> {
                self.output_shape(shape)
            }
            fn fwd<E: Element>(
                &self,
                x: Strided<'_, E, $s>,
                y: StridedMut<'_, E, $s>,
                i: Option<StridedMut<'_, i64, $s>>,
            ) -> Result<(), PoolError> {
                match i {
                    Some(i) => self.forward_strided_with_indices(x, y, i),
                    None => self.forward_strided(x, y),
                }
                .map(|_| ())
            }
            fn bwd<E: Element>(
                &self,
                g: Strided<'_, E, $s>,
                i: Option<Strided<'_, i64, $s>>,
                gi: StridedMut<'_, E, $s>,
            ) -> Result<(), PoolError> {
                match i {
                    Some(i) => self.backward_strided_from_indices(g, i, gi),
                    None => self.backward_strided(g, gi),
                }
                .map(|_| ())
            }
        }
    };
}
ops!(Pool1d, 3);
ops!(Pool2d, 4);
ops!(Pool3d, 5);
ops!(AdaptivePool1d, 3);
ops!(AdaptivePool2d, 4);
ops!(AdaptivePool3d, 5);

/// A call generic over the element type `desc->dtype` names.
trait Typed {
    fn go<E: Element>(self) -> Result<(), Fail>;
}

fn typed(dtype: DType, t: impl Typed) -> Result<(), Fail> {
    match dtype {
        DType::F32 => t.go::<f32>(),
        DType::F16 => t.go::<f16>(),
        DType::Bf16 => t.go::<bf16>(),
        DType::I8 => t.go::<i8>(),
        DType::U8 => t.go::<u8>(),
    }
}

/// The checked descriptor.
///
/// # Safety
/// `d` is null or valid.
unsafe fn described(d: *const simdpool_pool_desc) -> Result<(simdpool_pool_desc, Layer), Fail> {
    // SAFETY: the caller's promise; null is refused.
    let d = *unsafe { d.as_ref() }
        .ok_or_else(|| Fail::new(SIMDPOOL_ERROR_NULL_POINTER, "desc is null"))?;
    let layer = desc::layer(&d)?;
    Ok((d, layer))
}

/// Runs `$body` with `$l` bound to the layer and `$s` to its shape length.
macro_rules! with_layer {
    ($layer:expr, |$l:ident, $s:ident| $body:expr) => {
        match $layer {
            Layer::P1($l) => {
                const $s: usize = 3;
                $body
            }
            Layer::P2($l) => {
                const $s: usize = 4;
                $body
            }
            Layer::P3($l) => {
                const $s: usize = 5;
                $body
            }
            Layer::A1($l) => {
                const $s: usize = 3;
                $body
            }
            Layer::A2($l) => {
                const $s: usize = 4;
                $body
            }
            Layer::A3($l) => {
                const $s: usize = 5;
                $body
            }
        }
    };
}

/// # Safety
/// As `simdpool_output_shape`.
pub(crate) unsafe fn output_shape(
    d: *const simdpool_pool_desc,
    input: *const i64,
    output: *mut i64,
) -> Result<(), Fail> {
    // SAFETY: passed on.
    let (_, layer) = unsafe { described(d) }?;
    if input.is_null() || output.is_null() {
        return Err(Fail::new(
            SIMDPOOL_ERROR_NULL_POINTER,
            "input_shape or output_shape is null",
        ));
    }
    with_layer!(layer, |l, S| {
        // SAFETY: the caller's promise: `rank + 2` readable elements.
        let given = unsafe { std::slice::from_raw_parts(input, S) };
        let out = l.out(tensor::sizes::<S>("input", "shape", given)?)?;
        // SAFETY: the caller's promise: `rank + 2` writable elements.
        let dst = unsafe { std::slice::from_raw_parts_mut(output, S) };
        for (d, o) in dst.iter_mut().zip(out) {
            *d = o as i64;
        }
        Ok(())
    })
}

/// The optional `int64_t` indices tensor, checked.
///
/// # Safety
/// As [`tensor::check`]: the pointer, if given, is null or valid.
unsafe fn checked_indices<const S: usize>(
    indices: Option<*const simdpool_tensor>,
) -> Result<Option<Raw<S>>, Fail> {
    indices
        // SAFETY: the caller's promise, passed on.
        .map(|p| unsafe { tensor::check::<S>(p, "indices", 8) })
        .transpose()
}

struct Fwd<'a, L, const S: usize> {
    layer: &'a L,
    x: Raw<S>,
    y: Raw<S>,
    i: Option<Raw<S>>,
}

impl<L: Ops<S>, const S: usize> Typed for Fwd<'_, L, S> {
    fn go<E: Element>(self) -> Result<(), Fail> {
        // SAFETY: `forward` checked the tensors and their disjointness; validity of the
        // memory is the C caller's promise.
        let (xs, ys) = unsafe { (self.x.slice::<E>(), self.y.slice_mut::<E>()) };
        let x = Strided::new(xs, self.x.shape, self.x.strides)?;
        let y = StridedMut::new(ys, self.y.shape, self.y.strides)?;
        let i = match &self.i {
            Some(r) => {
                // SAFETY: as above; indices are `int64_t`.
                let is = unsafe { r.slice_mut::<i64>() };
                Some(StridedMut::new(is, r.shape, r.strides)?)
            }
            None => None,
        };
        let layer = self.layer;
        install(move || layer.fwd(x, y, i))?;
        Ok(())
    }
}

/// # Safety
/// As `simdpool_forward`.
pub(crate) unsafe fn forward(
    d: *const simdpool_pool_desc,
    input: *const simdpool_tensor,
    output: *const simdpool_tensor,
    indices: Option<*const simdpool_tensor>,
) -> Result<(), Fail> {
    // SAFETY: passed on.
    let (d, layer) = unsafe { described(d) }?;
    let dtype = desc::dtype(&d)?;
    with_layer!(layer, |l, S| {
        let size = dtype.size();
        // SAFETY: the caller's promise: each pointer null or valid.
        let (x, y) = unsafe {
            (
                tensor::check::<S>(input, "input", size)?,
                tensor::check::<S>(output, "output", size)?,
            )
        };
        // SAFETY: as above.
        let i = unsafe { checked_indices::<S>(indices) }?;
        match &i {
            Some(i) => disjoint(&[&y, i], &[&x])?,
            None => disjoint(&[&y], &[&x])?,
        }
        typed(dtype, Fwd { layer: &l, x, y, i })
    })
}

struct Bwd<'a, L, const S: usize> {
    layer: &'a L,
    g: Raw<S>,
    i: Option<Raw<S>>,
    gi: Raw<S>,
}

impl<L: Ops<S>, const S: usize> Typed for Bwd<'_, L, S> {
    fn go<E: Element>(self) -> Result<(), Fail> {
        // SAFETY: `backward` checked the tensors and their disjointness; validity of the
        // memory is the C caller's promise.
        let (gs, gis) = unsafe { (self.g.slice::<E>(), self.gi.slice_mut::<E>()) };
        let g = Strided::new(gs, self.g.shape, self.g.strides)?;
        let gi = StridedMut::new(gis, self.gi.shape, self.gi.strides)?;
        let i = match &self.i {
            // SAFETY: as above; indices are `int64_t`.
            Some(r) => Some(Strided::new(
                unsafe { r.slice::<i64>() },
                r.shape,
                r.strides,
            )?),
            None => None,
        };
        let layer = self.layer;
        install(move || layer.bwd(g, i, gi))?;
        Ok(())
    }
}

/// # Safety
/// As `simdpool_backward`.
pub(crate) unsafe fn backward(
    d: *const simdpool_pool_desc,
    grad_output: *const simdpool_tensor,
    indices: Option<*const simdpool_tensor>,
    grad_input: *const simdpool_tensor,
) -> Result<(), Fail> {
    // SAFETY: passed on.
    let (d, layer) = unsafe { described(d) }?;
    let dtype = desc::dtype(&d)?;
    with_layer!(layer, |l, S| {
        let size = dtype.size();
        // SAFETY: the caller's promise: each pointer null or valid.
        let (g, gi) = unsafe {
            (
                tensor::check::<S>(grad_output, "grad_output", size)?,
                tensor::check::<S>(grad_input, "grad_input", size)?,
            )
        };
        // SAFETY: as above.
        let i = unsafe { checked_indices::<S>(indices) }?;
        match &i {
            Some(i) => disjoint(&[&gi], &[&g, i])?,
            None => disjoint(&[&gi], &[&g])?,
        }
        typed(
            dtype,
            Bwd {
                layer: &l,
                g,
                i,
                gi,
            },
        )
    })
}

/// # Safety
/// As `simdpool_packed_strides`.
pub(crate) unsafe fn packed_strides(
    rank: u32,
    shape: *const i64,
    layout: u32,
    strides: *mut i64,
) -> Result<(), Fail> {
    if shape.is_null() || strides.is_null() {
        return Err(Fail::new(
            SIMDPOOL_ERROR_NULL_POINTER,
            "shape or strides is null",
        ));
    }
    let layout = match layout {
        desc::SIMDPOOL_LAYOUT_CHANNELS_FIRST => Layout::ChannelsFirst,
        desc::SIMDPOOL_LAYOUT_CHANNELS_LAST => Layout::ChannelsLast,
        v => {
            return Err(Fail::new(
                SIMDPOOL_ERROR_INVALID_ARGUMENT,
                format!("layout = {v} is not one of its values"),
            ))
        }
    };
    macro_rules! at {
        ($s:literal) => {{
            // SAFETY: the caller's promise: `rank + 2` readable elements.
            let given = unsafe { std::slice::from_raw_parts(shape, $s) };
            let s =
                simdpool::packed_strides(tensor::sizes::<$s>("tensor", "shape", given)?, layout)?;
            // SAFETY: the caller's promise: `rank + 2` writable elements.
            let dst = unsafe { std::slice::from_raw_parts_mut(strides, $s) };
            for (d, v) in dst.iter_mut().zip(s) {
                *d = i64::try_from(v).map_err(|_| PoolError::Overflow { shape: vec![] })?;
            }
            Ok(())
        }};
    }
    match rank {
        1 => at!(3),
        2 => at!(4),
        3 => at!(5),
        v => Err(Fail::new(
            SIMDPOOL_ERROR_INVALID_ARGUMENT,
            format!("rank = {v} is not 1, 2 or 3"),
        )),
    }
}
