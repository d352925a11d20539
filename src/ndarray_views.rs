//! `ndarray` views in and out (feature `ndarray`), through the strided calls: a view whose
//! memory is one contiguous block (standard, or a permuted channels-last view) is pooled in
//! place; otherwise each image is, where its memory is contiguous (a batch slice, a channel
//! slice of NCHW); other images are copied into a standard-layout array and back.

use ndarray::{ArrayView, ArrayViewMut, Dimension, IxDyn, RemoveAxis};

use crate::strided::{self, Strided, StridedMut};
use crate::{Element, Layer, PixelRoute, PoolError};

/// Shape and non-negative strides of a view, with a batch of one in front for an image.
fn parts<const S: usize>(shape: &[usize], strides: &[isize]) -> Option<([usize; S], [usize; S])> {
    let lead = S - shape.len();
    let mut sh = [1; S];
    let mut st = [0; S];
    for (k, (&n, &s)) in shape.iter().zip(strides).enumerate() {
        sh[lead + k] = n;
        st[lead + k] = usize::try_from(s).ok()?;
    }
    Some((sh, st))
}

fn read<'a, E, D: Dimension, const S: usize>(v: &ArrayView<'a, E, D>) -> Option<Strided<'a, E, S>> {
    let (shape, strides) = parts::<S>(v.shape(), v.strides())?;
    // A view with a negative stride starts its memory block elsewhere than at [0, ..].
    let data = v.to_slice_memory_order()?;
    Strided::new(data, shape, strides).ok()
}

fn write<'a, E, D: Dimension, const S: usize>(
    v: &'a mut ArrayViewMut<'_, E, D>,
) -> Option<StridedMut<'a, E, S>> {
    let (shape, strides) = parts::<S>(v.shape(), v.strides())?;
    let data = v.as_slice_memory_order_mut()?;
    StridedMut::new(data, shape, strides).ok()
}

fn check_shape(tensor: &'static str, want: &[usize], got: &[usize]) -> Result<(), PoolError> {
    if want == got {
        return Ok(());
    }
    Err(PoolError::ViewShape {
        tensor,
        expected: want.to_vec(),
        actual: got.to_vec(),
    })
}

/// `layer` over `x` into `y` (and argmax indices into `i`).
pub(crate) fn forward<L, E, D, const S: usize>(
    layer: &L,
    x: ArrayView<'_, E, D>,
    mut y: ArrayViewMut<'_, E, D>,
    mut i: Option<ArrayViewMut<'_, i64, D>>,
) -> Result<[usize; S], PoolError>
where
    L: Layer<Shape = [usize; S]> + PixelRoute<S> + Clone,
    E: Element,
    D: Dimension + RemoveAxis,
{
    let shape: [usize; S] = x.shape().try_into().map_err(|_| PoolError::ViewShape {
        tensor: "input",
        expected: vec![0; S],
        actual: x.shape().to_vec(),
    })?;
    let out = layer.output_shape(shape)?;
    check_shape("output", &out, y.shape())?;
    if let Some(i) = &i {
        check_shape("indices", &out, i.shape())?;
    }
    if let Some(xs) = read::<E, D, S>(&x) {
        if let Some(ys) = write::<E, D, S>(&mut y) {
            match i.as_mut().map(|i| write::<i64, D, S>(i)) {
                None => return strided::forward(layer, xs, ys, None).map(|r| r.0),
                Some(Some(is)) => return strided::forward(layer, xs, ys, Some(is)).map(|r| r.0),
                Some(None) => {}
            }
        }
    }
    // Image by image: the shape checks above make every image's call alike, so an error
    // can only come from the first, before anything is written.
    for n in 0..shape[0] {
        let xn = x.index_axis(ndarray::Axis(0), n);
        let mut yn = y.index_axis_mut(ndarray::Axis(0), n);
        let mut inn = i.as_mut().map(|i| i.index_axis_mut(ndarray::Axis(0), n));
        let copy_x;
        let xs = match read::<E, _, S>(&xn) {
            Some(v) => v,
            None => {
                copy_x = xn.as_standard_layout();
                read::<E, _, S>(&copy_x.view()).ok_or(PoolError::Overflow {
                    shape: shape.to_vec(),
                })?
            }
        };
        let len: usize = out[1..].iter().product();
        let mut ybuf = Vec::new();
        let mut ibuf = Vec::new();
        let ys = match write::<E, _, S>(&mut yn) {
            Some(v) => Some(v),
            None => {
                ybuf = vec![E::from_f32(0.0); len];
                None
            }
        };
        let ys = match ys {
            Some(v) => v,
            None => StridedMut::packed(&mut ybuf, image_out(out), crate::Layout::ChannelsFirst)?,
        };
        let is = match inn.as_mut() {
            None => None,
            Some(v) => Some(match write::<i64, _, S>(v) {
                Some(v) => v,
                None => {
                    ibuf = vec![0i64; len];
                    StridedMut::packed(&mut ibuf, image_out(out), crate::Layout::ChannelsFirst)?
                }
            }),
        };
        strided::forward(layer, xs, ys, is)?;
        if !ybuf.is_empty() {
            yn.assign(&view_of(&ybuf, &out)?);
        }
        if let (false, Some(v)) = (ibuf.is_empty(), inn.as_mut()) {
            v.assign(&view_of(&ibuf, &out)?);
        }
    }
    Ok(out)
}

fn image_out<const S: usize>(mut out: [usize; S]) -> [usize; S] {
    out[0] = 1;
    out
}

/// A packed channels-first image of the output `out` as a view (without the batch axis).
fn view_of<'a, T>(data: &'a [T], out: &[usize]) -> Result<ArrayView<'a, T, IxDyn>, PoolError> {
    // Cannot fail: the buffer was made with the product of these sizes.
    ArrayView::from_shape(IxDyn(&out[1..]), data).map_err(|_| PoolError::Overflow {
        shape: out.to_vec(),
    })
}
