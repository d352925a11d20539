//! Tensors in the caller's memory with strides (a channel slice of a concatenated tensor, a
//! batch slice, a permuted view): the C ABI's and `ndarray`'s way in. A call takes the first
//! of these that applies, so only truly scattered tensors pay for a copy:
//! 1. every tensor packed in one layout (either): the slices themselves;
//! 2. every image packed in one layout (channel slices of NCHW, batch slices): one call per
//!    image on its slice, no copy;
//! 3. channels-last views whose channels are contiguous (a channel slice of NHWC, a crop):
//!    the pixel kernels read any pixel, row and image strides and write pixels any step
//!    apart, in place;
//! 4. otherwise the tensors are gathered into packed buffers in the layer's layout, pooled,
//!    and the results scattered into place once the call has succeeded.

use crate::channels_last::Memory;
use crate::{Element, Layer, Layout, PixelRoute, PoolError};

/// A read-only tensor view: element `[i0, i1, ..]` (logical order `[n, c, spatial...]`, as
/// every shape in this crate) is `data[i0·strides[0] + i1·strides[1] + ..]`.
///
/// ```
/// use simdpool::{Layout, Pool2d, Strided, StridedMut, StridedRoute};
/// // Channels 1..3 of a 1×4×2×2 NHWC tensor, pooled into a packed NHWC output in place.
/// let x: Vec<f32> = (0..16).map(|v| v as f32).collect();
/// let view = Strided::new(&x[1..], [1, 2, 2, 2], [16, 1, 8, 4])?;
/// let mut y = [0.0; 2];
/// let out = StridedMut::packed(&mut y, [1, 2, 1, 1], Layout::ChannelsLast)?;
/// let (shape, route) = Pool2d::max(2).forward_strided(view, out)?;
/// assert_eq!((shape, route), ([1, 2, 1, 1], StridedRoute::Pixels));
/// assert_eq!(y, [13.0, 14.0]); // the last pixel's channels 1 and 2
/// # Ok::<(), simdpool::PoolError>(())
/// ```
#[derive(Debug)]
pub struct Strided<'a, T, const S: usize> {
    data: &'a [T],
    shape: [usize; S],
    strides: [usize; S],
}

impl<T, const S: usize> Clone for Strided<'_, T, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const S: usize> Copy for Strided<'_, T, S> {}

/// A writable tensor view, as [`Strided`]; no two of its elements may share memory.
#[derive(Debug)]
pub struct StridedMut<'a, T, const S: usize> {
    data: &'a mut [T],
    shape: [usize; S],
    strides: [usize; S],
}

impl<'a, T, const S: usize> Strided<'a, T, S> {
    /// A view of `shape` with element `strides` (in elements, logical order) into `data`;
    /// an error if it reaches past the slice ([`PoolError::ViewOutOfBounds`]). A zero stride
    /// (broadcast) is fine for a read-only view.
    pub fn new(data: &'a [T], shape: [usize; S], strides: [usize; S]) -> Result<Self, PoolError> {
        check_span(&shape, &strides, data.len())?;
        Ok(Strided {
            data,
            shape,
            strides,
        })
    }

    /// The packed tensor `data` of `shape` in `layout`, as a view.
    pub fn packed(data: &'a [T], shape: [usize; S], layout: Layout) -> Result<Self, PoolError> {
        Strided::new(data, shape, packed_strides(shape, layout)?)
    }

    /// The logical shape.
    pub fn shape(&self) -> [usize; S] {
        self.shape
    }

    /// The strides, in elements.
    pub fn strides(&self) -> [usize; S] {
        self.strides
    }
}

impl<'a, T, const S: usize> StridedMut<'a, T, S> {
    /// A writable view of `shape` with `strides` into `data`; an error if it reaches past
    /// the slice ([`PoolError::ViewOutOfBounds`]) or two of its elements would share memory
    /// ([`PoolError::ViewOverlaps`]).
    pub fn new(
        data: &'a mut [T],
        shape: [usize; S],
        strides: [usize; S],
    ) -> Result<Self, PoolError> {
        check_span(&shape, &strides, data.len())?;
        if !distinct(&shape, &strides) {
            return Err(PoolError::ViewOverlaps {
                shape: shape.to_vec(),
                strides: strides.to_vec(),
            });
        }
        Ok(StridedMut {
            data,
            shape,
            strides,
        })
    }

    /// The packed tensor `data` of `shape` in `layout`, as a writable view.
    pub fn packed(data: &'a mut [T], shape: [usize; S], layout: Layout) -> Result<Self, PoolError> {
        StridedMut::new(data, shape, packed_strides(shape, layout)?)
    }

    /// The logical shape.
    pub fn shape(&self) -> [usize; S] {
        self.shape
    }

    /// The strides, in elements.
    pub fn strides(&self) -> [usize; S] {
        self.strides
    }

    fn reborrow(&mut self) -> StridedMut<'_, T, S> {
        StridedMut {
            data: self.data,
            shape: self.shape,
            strides: self.strides,
        }
    }
}

/// Elements from the first to one past the last element of the view (0 when empty).
fn span(shape: &[usize], strides: &[usize]) -> Option<usize> {
    if shape.contains(&0) {
        return Some(0);
    }
    shape.iter().zip(strides).try_fold(1usize, |acc, (&n, &s)| {
        (n - 1).checked_mul(s).and_then(|v| v.checked_add(acc))
    })
}

fn check_span(shape: &[usize], strides: &[usize], len: usize) -> Result<(), PoolError> {
    match span(shape, strides) {
        Some(needed) if needed <= len => Ok(()),
        needed => Err(PoolError::ViewOutOfBounds {
            shape: shape.to_vec(),
            strides: strides.to_vec(),
            needed,
            actual: len,
        }),
    }
}

/// Whether no two elements share an offset: taken by increasing stride, each axis's step
/// clears everything the axes before it reach (sufficient, and what packed, sliced and
/// permuted tensors satisfy).
fn distinct(shape: &[usize], strides: &[usize]) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut axes: Vec<(usize, usize)> = strides
        .iter()
        .zip(shape)
        .filter(|(_, &n)| n > 1)
        .map(|(&s, &n)| (s, n))
        .collect();
    axes.sort_unstable();
    let mut reach = 0usize;
    for (s, n) in axes {
        if s <= reach {
            return false;
        }
        // span() succeeded, so this cannot overflow.
        reach += s * (n - 1);
    }
    true
}

/// Axes from outermost to innermost in memory for `layout`.
fn order<const S: usize>(layout: Layout) -> [usize; S] {
    let mut o: [usize; S] = std::array::from_fn(|i| i);
    if layout == Layout::ChannelsLast {
        o[1..].rotate_left(1);
    }
    o
}

/// The strides of a packed tensor of `shape` in `layout`.
pub fn packed_strides<const S: usize>(
    shape: [usize; S],
    layout: Layout,
) -> Result<[usize; S], PoolError> {
    let mut strides = [0; S];
    let mut step = 1usize;
    for &a in order::<S>(layout).iter().rev() {
        strides[a] = step;
        step = step
            .checked_mul(shape[a])
            .ok_or_else(|| PoolError::Overflow {
                shape: shape.to_vec(),
            })?;
    }
    Ok(strides)
}

/// Whether the view is packed in `layout`, leaving out the batch axis when `per_image`.
fn packed_in<const S: usize>(
    shape: &[usize; S],
    strides: &[usize; S],
    layout: Layout,
    per_image: bool,
) -> bool {
    let mut step = 1usize;
    for &a in order::<S>(layout).iter().rev() {
        if per_image && a == 0 {
            continue;
        }
        if shape[a] != 1 && strides[a] != step {
            return false;
        }
        step = step.saturating_mul(shape[a]);
    }
    true
}

fn other(layout: Layout) -> Layout {
    match layout {
        Layout::ChannelsFirst => Layout::ChannelsLast,
        Layout::ChannelsLast => Layout::ChannelsFirst,
    }
}

fn check_shape(
    tensor: &'static str,
    expected: &[usize],
    actual: &[usize],
) -> Result<(), PoolError> {
    if expected == actual {
        return Ok(());
    }
    Err(PoolError::ViewShape {
        tensor,
        expected: expected.to_vec(),
        actual: actual.to_vec(),
    })
}

/// How a strided call runs (see the module's documentation); tests assert which one ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StridedRoute {
    /// Every tensor packed in this layout: the slices themselves.
    Packed(Layout),
    /// Every image packed in this layout: one call per image, no copy.
    PerImage(Layout),
    /// Channels contiguous: the channels-last pixel kernels on the views themselves.
    Pixels,
    /// Gathered into packed buffers in the layer's layout and scattered back.
    Copied,
}

/// The route for tensors `(shape, strides)`, all packed alike or not at all.
fn route<const S: usize>(mine: Layout, tensors: &[(&[usize; S], &[usize; S])]) -> StridedRoute {
    for per_image in [false, true] {
        for l in [mine, other(mine)] {
            if tensors.iter().all(|(s, t)| packed_in(s, t, l, per_image)) {
                return if per_image {
                    StridedRoute::PerImage(l)
                } else {
                    StridedRoute::Packed(l)
                };
            }
        }
    }
    StridedRoute::Copied
}

/// The step between output pixels if the view's pixels (images too when `batch`) lie in
/// channels-last order at one step, each pixel's channels contiguous; `None` otherwise.
fn pixel_step<const S: usize>(
    shape: &[usize; S],
    strides: &[usize; S],
    batch: bool,
) -> Option<usize> {
    let c = shape[1];
    if c > 1 && strides[1] != 1 {
        return None;
    }
    // Innermost first: columns, rows, depth, then the batch.
    let mut axes: Vec<usize> = (2..S).rev().collect();
    if batch {
        axes.push(0);
    }
    let mut step = None;
    let mut inner = 1usize;
    for &a in &axes {
        if shape[a] > 1 {
            let p = *step.get_or_insert(strides[a] / inner.max(1));
            if p < c || p.checked_mul(inner)? != strides[a] {
                return None;
            }
        }
        inner = inner.checked_mul(shape[a])?;
    }
    Some(step.unwrap_or(c))
}

/// The input's memory for the pixel kernels: image, depth, row and column strides.
fn input_memory<const S: usize>(strides: &[usize; S]) -> [usize; 4] {
    let mut m = [0; 4];
    m[0] = strides[0];
    m[4 - (S - 2)..].copy_from_slice(&strides[2..]);
    m
}

/// The offset of every innermost run of the view, in memory order of `layout`, with the
/// run's length and stride: `f(offset, len, stride)`.
fn runs<const S: usize>(
    shape: &[usize; S],
    strides: &[usize; S],
    layout: Layout,
    mut f: impl FnMut(usize, usize, usize),
) {
    if shape.contains(&0) {
        return;
    }
    let o = order::<S>(layout);
    let inner = o[S - 1];
    let mut at = [0usize; S];
    loop {
        let base: usize = o[..S - 1].iter().map(|&a| at[a] * strides[a]).sum();
        f(base, shape[inner], strides[inner]);
        // The odometer over the outer axes, innermost first.
        let mut k = S - 1;
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            let a = o[k];
            at[a] += 1;
            if at[a] < shape[a] {
                break;
            }
            at[a] = 0;
        }
    }
}

/// The view's elements, packed in `layout`.
fn gather<T: Copy, const S: usize>(v: Strided<'_, T, S>, layout: Layout) -> Vec<T> {
    let mut out = Vec::with_capacity(v.shape.iter().product());
    runs(&v.shape, &v.strides, layout, |at, n, step| {
        if step == 1 {
            out.extend_from_slice(&v.data[at..at + n]);
        } else {
            out.extend((0..n).map(|i| v.data[at + i * step]));
        }
    });
    out
}

/// Writes `packed` (in `layout`) into the view.
fn scatter<T: Copy, const S: usize>(packed: &[T], v: StridedMut<'_, T, S>, layout: Layout) {
    let mut from = 0;
    runs(&v.shape, &v.strides, layout, |at, n, step| {
        let src = &packed[from..from + n];
        if step == 1 {
            v.data[at..at + n].copy_from_slice(src);
        } else {
            for (i, &x) in src.iter().enumerate() {
                v.data[at + i * step] = x;
            }
        }
        from += n;
    });
}

/// `shape` with the batch set to one.
fn image<const S: usize>(mut shape: [usize; S]) -> [usize; S] {
    shape[0] = shape[0].min(1);
    shape
}

/// The packed prefix of a view whose layout is packed (route `Packed`).
fn whole<'a, T, const S: usize>(v: &Strided<'a, T, S>) -> &'a [T] {
    &v.data[..v.shape.iter().product()]
}

/// Image `n` of a view whose images are packed (route `PerImage`).
fn nth<'a, T, const S: usize>(v: &Strided<'a, T, S>, n: usize) -> &'a [T] {
    let len: usize = v.shape[1..].iter().product();
    &v.data[n * v.strides[0]..][..len]
}

fn nth_mut<'v, T, const S: usize>(v: &'v mut StridedMut<'_, T, S>, n: usize) -> &'v mut [T] {
    let len: usize = v.shape[1..].iter().product();
    let at = n * v.strides[0];
    &mut v.data[at..at + len]
}

/// Forward on views: `indices` for argmax. Returns the output shape and the route taken.
pub(crate) fn forward<L, E, const S: usize>(
    layer: &L,
    x: Strided<'_, E, S>,
    mut y: StridedMut<'_, E, S>,
    mut ix: Option<StridedMut<'_, i64, S>>,
) -> Result<([usize; S], StridedRoute), PoolError>
where
    L: Layer<Shape = [usize; S]> + PixelRoute<S> + Clone,
    E: Element,
{
    let out = layer.output_shape(x.shape)?;
    check_shape("output", &out, &y.shape)?;
    if let Some(ix) = &ix {
        check_shape("indices", &out, &ix.shape)?;
    }
    let mine = layer.layout_of();
    let mut tensors = vec![(&x.shape, &x.strides), (&y.shape, &y.strides)];
    if let Some(ix) = &ix {
        tensors.push((&ix.shape, &ix.strides));
    }
    let mut route = route(mine, &tensors);
    if route == StridedRoute::Copied && pixels(layer, &x, &mut y, ix.as_mut())? {
        route = StridedRoute::Pixels;
    }
    let run = |l: Layout, xs: &[E], shape, ys: &mut [E], is: Option<&mut [i64]>| {
        let layer = layer.clone().layout(l);
        match is {
            Some(is) => layer.forward_with_indices(xs, shape, ys, is),
            None => layer.forward(xs, shape, ys),
        }
    };
    match route {
        StridedRoute::Packed(l) => {
            let len = out.iter().product();
            let is = ix.as_mut().map(|v| &mut v.data[..len]);
            run(l, whole(&x), x.shape, &mut y.data[..len], is)?;
        }
        StridedRoute::PerImage(l) => {
            for n in 0..x.shape[0] {
                let is = ix.as_mut().map(|v| nth_mut(v, n));
                run(l, nth(&x, n), image(x.shape), nth_mut(&mut y, n), is)?;
            }
        }
        StridedRoute::Pixels => {}
        StridedRoute::Copied => {
            let xs = gather(x, mine);
            let len = out.iter().product();
            let mut ys = vec![E::from_f32(0.0); len];
            let mut is = ix.as_ref().map(|_| vec![0i64; len]);
            run(mine, &xs, x.shape, &mut ys, is.as_deref_mut())?;
            scatter(&ys, y.reborrow(), mine);
            if let (Some(is), Some(v)) = (is, ix) {
                scatter(&is, v, mine);
            }
        }
    }
    Ok((out, route))
}

/// Route 3: pools through the pixel kernels if the views lie as they read and write and
/// the layer takes them; `Ok(false)` (nothing written) if not.
fn pixels<L, E, const S: usize>(
    layer: &L,
    x: &Strided<'_, E, S>,
    y: &mut StridedMut<'_, E, S>,
    mut ix: Option<&mut StridedMut<'_, i64, S>>,
) -> Result<bool, PoolError>
where
    L: PixelRoute<S>,
    E: Element,
{
    let c = x.shape[1];
    if c < 2 || x.strides[1] != 1 || ix.as_ref().is_some_and(|i| i.strides != y.strides) {
        return Ok(false);
    }
    let whole = pixel_step(&y.shape, &y.strides, true);
    let Some(step) = whole.or_else(|| pixel_step(&y.shape, &y.strides, false)) else {
        return Ok(false);
    };
    let memory = Memory {
        input: input_memory(&x.strides),
        pixel: step,
    };
    let indices = ix.is_some();
    // Output elements from the first pixel to the last one's last channel.
    let span = |images: usize| {
        let pixels = images * y.shape[2..].iter().product::<usize>();
        (pixels * step).saturating_sub(step - c)
    };
    if whole.is_some() {
        let n = span(y.shape[0]);
        let is = match ix {
            Some(v) => &mut v.data[..n],
            None => &mut [],
        };
        return layer.pixel_route(indices, x.data, x.shape, memory, &mut y.data[..n], is);
    }
    // Images apart: one call each (alike, so only the first can fail, before any write).
    let n = span(1);
    let (image_x, image_y) = (image(x.shape), y.strides[0]);
    for b in 0..x.shape[0] {
        let xs = &x.data[b * x.strides[0]..];
        let ys = &mut y.data[b * image_y..][..n];
        let is = match ix.as_mut() {
            Some(v) => &mut v.data[b * image_y..][..n],
            None => &mut [],
        };
        if !layer.pixel_route(indices, xs, image_x, memory, ys, is)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Backward on views (average when `indices` is `None`, else max): never per image, so
/// that an index found wrong in a later image cannot leave earlier ones written.
pub(crate) fn backward<L, E, const S: usize>(
    layer: &L,
    grad_output: Strided<'_, E, S>,
    indices: Option<Strided<'_, i64, S>>,
    grad_input: StridedMut<'_, E, S>,
) -> Result<StridedRoute, PoolError>
where
    L: Layer<Shape = [usize; S]> + Clone,
    E: Element,
{
    let shape = grad_input.shape;
    let out = layer.output_shape(shape)?;
    check_shape("grad_output", &out, &grad_output.shape)?;
    if let Some(ix) = &indices {
        check_shape("indices", &out, &ix.shape)?;
    }
    let mine = layer.layout_of();
    let mut tensors = vec![
        (&grad_output.shape, &grad_output.strides),
        (&grad_input.shape, &grad_input.strides),
    ];
    if let Some(ix) = &indices {
        tensors.push((&ix.shape, &ix.strides));
    }
    let run = |l: Layout, g: &[E], is: Option<&[i64]>, gi: &mut [E]| {
        let layer = layer.clone().layout(l);
        match is {
            Some(is) => layer.backward_from_indices(g, is, shape, gi),
            None => layer.backward(g, shape, gi),
        }
    };
    match route(mine, &tensors) {
        StridedRoute::Packed(l) => {
            let len = shape.iter().product();
            run(
                l,
                whole(&grad_output),
                indices.as_ref().map(whole),
                &mut grad_input.data[..len],
            )?;
            Ok(StridedRoute::Packed(l))
        }
        StridedRoute::PerImage(_) | StridedRoute::Pixels | StridedRoute::Copied => {
            let g = gather(grad_output, mine);
            let is = indices.map(|v| gather(v, mine));
            let mut gi = vec![E::from_f32(0.0); shape.iter().product()];
            run(mine, &g, is.as_deref(), &mut gi)?;
            scatter(&gi, grad_input, mine);
            Ok(StridedRoute::Copied)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_strides_and_order() {
        let s = [2, 3, 4, 5];
        assert_eq!(
            packed_strides(s, Layout::ChannelsFirst).unwrap(),
            [60, 20, 5, 1]
        );
        assert_eq!(
            packed_strides(s, Layout::ChannelsLast).unwrap(),
            [60, 1, 15, 3]
        );
        assert!(packed_strides([usize::MAX, 2, 1], Layout::ChannelsFirst).is_err());
    }

    #[test]
    fn overlap_rule() {
        assert!(distinct(&[2, 3], &[3, 1]));
        assert!(distinct(&[2, 3], &[1, 2])); // column-major
        assert!(!distinct(&[2, 3], &[2, 1])); // rows overlap by one
        assert!(!distinct(&[2, 3], &[0, 1])); // broadcast
        assert!(distinct(&[1, 3], &[0, 1])); // a size-1 axis has no step
    }

    #[test]
    fn runs_visit_memory_order() {
        // A channel slice (channels 1..3 of 4) of a 1×4×2×2 NHWC tensor.
        let (shape, strides) = ([1, 2, 2, 2], [16, 1, 8, 4]);
        let mut seen = Vec::new();
        runs(&shape, &strides, Layout::ChannelsLast, |at, n, s| {
            seen.push((at, n, s))
        });
        assert_eq!(seen, [(0, 2, 1), (4, 2, 1), (8, 2, 1), (12, 2, 1)]);
        let data: Vec<i32> = (0..16).collect();
        let v = Strided::new(&data[1..], shape, strides).unwrap();
        assert_eq!(
            gather(v, Layout::ChannelsFirst),
            [1, 5, 9, 13, 2, 6, 10, 14]
        );
    }
}
