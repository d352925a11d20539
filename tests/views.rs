//! Strided views (`forward_strided`, `backward_strided`) and, with the `ndarray` feature,
//! `ndarray` views: every route gives exactly what the packed call gives on the same
//! logical tensor, writes nothing outside the view, and takes the route it should.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simdpool::{
    packed_strides, AdaptivePool2d, Layout, Pool1d, Pool2d, Pool3d, PoolError, Strided, StridedMut,
    StridedRoute,
};

const SENTINEL: f32 = -777.0;

/// Element `at` (logical index) of a view.
fn offset(at: &[usize], strides: &[usize]) -> usize {
    at.iter().zip(strides).map(|(a, s)| a * s).sum()
}

/// Every logical index of `shape`, row-major.
fn indices_of(shape: &[usize]) -> Vec<Vec<usize>> {
    let mut all = vec![vec![]];
    for &n in shape {
        all = all
            .into_iter()
            .flat_map(|p| {
                (0..n).map(move |i| {
                    let mut q = p.clone();
                    q.push(i);
                    q
                })
            })
            .collect();
    }
    all
}

/// A view of `shape` inside a parent buffer: how the parent is laid out and which part of
/// it the view is.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// Packed in a layout.
    Packed(Layout),
    /// Channels `lo..lo + c` of a parent with `extra` more channels, in a layout.
    ChannelSlice(Layout, usize, usize),
    /// Every other image of a batch twice as large, packed in a layout.
    EveryOtherImage(Layout),
    /// Channels `lo..lo + c` of every other image of a channels-last parent.
    SliceOfEveryOther(usize, usize),
    /// The last two axes swapped in memory (a transposed view).
    Transposed,
}

/// Strides and parent length for `shape` placed as `place`, starting at `start`.
fn place<const S: usize>(shape: [usize; S], p: Place) -> ([usize; S], usize, usize) {
    match p {
        Place::Packed(l) => {
            let s = packed_strides(shape, l).unwrap();
            (s, 0, shape.iter().product())
        }
        Place::ChannelSlice(l, lo, extra) => {
            let mut parent = shape;
            parent[1] += extra;
            let s = packed_strides(parent, l).unwrap();
            (s, lo * s[1], parent.iter().product())
        }
        Place::EveryOtherImage(l) => {
            let mut s = packed_strides(shape, l).unwrap();
            s[0] *= 2;
            (s, 0, 2 * shape.iter().product::<usize>())
        }
        Place::SliceOfEveryOther(lo, extra) => {
            let mut parent = shape;
            parent[1] += extra;
            let mut s = packed_strides(parent, Layout::ChannelsLast).unwrap();
            s[0] *= 2;
            (s, lo, 2 * parent.iter().product::<usize>())
        }
        Place::Transposed => {
            let mut swapped = shape;
            swapped.swap(S - 1, S - 2);
            let mut s = packed_strides(swapped, Layout::ChannelsFirst).unwrap();
            s.swap(S - 1, S - 2);
            (s, 0, shape.iter().product())
        }
    }
}

fn logical<const S: usize>(shape: [usize; S], rng: &mut StdRng) -> Vec<f32> {
    (0..shape.iter().product::<usize>())
        .map(|_| {
            let v: f32 = rng.gen_range(-8..8) as f32;
            if rng.gen_ratio(1, 40) {
                f32::NAN
            } else {
                v
            }
        })
        .collect()
}

fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Pools `x` (logical, row-major channels-first) through views placed as `pin`/`pout`
/// and checks values, indices, untouched parent elements and the route.
fn check<const S: usize>(
    name: &str,
    pool: &impl Fn(Layout) -> Box<dyn Views<S>>,
    shape: [usize; S],
    x: &[f32],
    pin: Place,
    pout: Place,
    route: Option<StridedRoute>,
) {
    let packed = pool(Layout::ChannelsFirst);
    let out = packed.out_shape(shape);
    let len: usize = out.iter().product();
    let (mut want, mut want_i) = (vec![0.0; len], vec![0i64; len]);
    packed.packed(x, shape, &mut want, &mut want_i);

    let (si, start_i, parent_i) = place(shape, pin);
    let mut input = vec![f32::NAN; parent_i];
    for (k, at) in indices_of(&shape).iter().enumerate() {
        input[start_i + offset(at, &si)] = x[k];
    }
    let (so, start_o, parent_o) = place(out, pout);
    let mut output = vec![SENTINEL; parent_o];
    let mut idx = vec![-1i64; parent_o];
    let layer = pool(Layout::ChannelsFirst);
    let got = layer.strided(
        Strided::new(&input[start_i..], shape, si).unwrap(),
        StridedMut::new(&mut output[start_o..], out, so).unwrap(),
        StridedMut::new(&mut idx[start_o..], out, so).unwrap(),
    );
    if let Some(route) = route {
        assert_eq!(got, route, "{name}: {pin:?} → {pout:?}");
    }
    let mut inside = vec![false; parent_o];
    for (k, at) in indices_of(&out).iter().enumerate() {
        let o = start_o + offset(at, &so);
        inside[o] = true;
        assert!(
            same(output[o], want[k]),
            "{name} {at:?}: {} vs {}",
            output[o],
            want[k]
        );
        if layer.argmax() {
            assert_eq!(idx[o], want_i[k], "{name} index {at:?}");
        }
    }
    for (o, &v) in output.iter().enumerate() {
        if !inside[o] {
            assert_eq!(v, SENTINEL, "{name}: wrote outside the view at {o}");
        }
    }
}

/// A layer of any rank, as these tests drive it.
trait Views<const S: usize> {
    fn out_shape(&self, shape: [usize; S]) -> [usize; S];
    fn argmax(&self) -> bool;
    fn packed(&self, x: &[f32], shape: [usize; S], y: &mut [f32], i: &mut [i64]);
    fn strided(
        &self,
        x: Strided<'_, f32, S>,
        y: StridedMut<'_, f32, S>,
        i: StridedMut<'_, i64, S>,
    ) -> StridedRoute;
}

macro_rules! views {
    ($t:ty, $s:literal) => {
        impl Views<$s> for ($t, bool) {
            fn out_shape(&self, shape: [usize; $s]) -> [usize; $s] {
                self.0.output_shape(shape).unwrap()
            }
            fn argmax(&self) -> bool {
                self.1
            }
            fn packed(&self, x: &[f32], shape: [usize; $s], y: &mut [f32], i: &mut [i64]) {
                if self.1 {
                    self.0.forward_with_indices(x, shape, y, i).unwrap();
                } else {
                    self.0.forward(x, shape, y).unwrap();
                }
            }
            fn strided(
                &self,
                x: Strided<'_, f32, $s>,
                y: StridedMut<'_, f32, $s>,
                i: StridedMut<'_, i64, $s>,
            ) -> StridedRoute {
                let r = if self.1 {
                    self.0.forward_strided_with_indices(x, y, i)
                } else {
                    self.0.forward_strided(x, y)
                };
                r.unwrap().1
            }
        }
    };
}
views!(Pool1d, 3);
views!(Pool2d, 4);
views!(Pool3d, 5);

fn places(layout: Layout) -> [Place; 3] {
    [
        Place::Packed(layout),
        Place::ChannelSlice(layout, 2, 5),
        Place::EveryOtherImage(layout),
    ]
}

/// The route a pair of placements must take in a channels-first layer.
fn expected(pin: Place, pout: Place) -> StridedRoute {
    use Place::*;
    let layout = |p: Place| match p {
        Packed(l) | ChannelSlice(l, ..) | EveryOtherImage(l) => Some(l),
        SliceOfEveryOther(..) => Some(Layout::ChannelsLast),
        Transposed => None,
    };
    match (layout(pin), layout(pout)) {
        (Some(a), Some(b)) if a == b => match (pin, pout) {
            (Packed(_), Packed(_)) => StridedRoute::Packed(a),
            // A channels-last channel slice leaves each pixel's channels apart: the pixel
            // kernels read and write such views in place.
            (ChannelSlice(Layout::ChannelsLast, ..) | SliceOfEveryOther(..), _)
            | (_, ChannelSlice(Layout::ChannelsLast, ..) | SliceOfEveryOther(..)) => {
                StridedRoute::Pixels
            }
            _ => StridedRoute::PerImage(a),
        },
        _ => StridedRoute::Copied,
    }
}

#[test]
fn every_placement_matches_the_packed_call() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut runs = 0;
    for argmax in [false, true] {
        let p2 = move |l: Layout| -> Box<dyn Views<4>> {
            let base = if argmax {
                Pool2d::max(3).stride(2).padding(1)
            } else {
                Pool2d::avg(3)
                    .stride((1, 2))
                    .padding(1)
                    .count_include_pad(false)
            };
            Box::new((base.layout(l), argmax))
        };
        let shape = [2, 3, 7, 9];
        let x = logical(shape, &mut rng);
        let mut all: Vec<Place> = places(Layout::ChannelsFirst).to_vec();
        all.extend(places(Layout::ChannelsLast));
        all.push(Place::SliceOfEveryOther(1, 4));
        all.push(Place::Transposed);
        for &pin in &all {
            for &pout in &all {
                check("2d", &p2, shape, &x, pin, pout, Some(expected(pin, pout)));
                runs += 1;
            }
        }
        let p1 = move |l: Layout| -> Box<dyn Views<3>> {
            let base = if argmax {
                Pool1d::max(2).dilation(2)
            } else {
                Pool1d::avg(3).stride(1)
            };
            Box::new((base.layout(l), argmax))
        };
        let p3 = move |l: Layout| -> Box<dyn Views<5>> {
            let base = if argmax {
                Pool3d::max(2).ceil_mode(true)
            } else {
                Pool3d::avg(2).stride(1)
            };
            Box::new((base.layout(l), argmax))
        };
        let (s1, s3) = ([3, 4, 11], [2, 3, 3, 4, 5]);
        let (x1, x3) = (logical(s1, &mut rng), logical(s3, &mut rng));
        for l in [Layout::ChannelsFirst, Layout::ChannelsLast] {
            for pin in places(l) {
                for pout in places(l) {
                    check("1d", &p1, s1, &x1, pin, pout, Some(expected(pin, pout)));
                    check("3d", &p3, s3, &x3, pin, pout, Some(expected(pin, pout)));
                    runs += 2;
                }
            }
        }
    }
    assert_eq!(runs, 2 * (64 + 36));
}

views!(AdaptivePool2d, 4);

#[test]
fn adaptive_and_global_take_every_route() {
    let mut rng = StdRng::seed_from_u64(12);
    let shape = [2, 5, 7, 9];
    let x = logical(shape, &mut rng);
    let mut all: Vec<Place> = places(Layout::ChannelsFirst).to_vec();
    all.extend(places(Layout::ChannelsLast));
    all.push(Place::SliceOfEveryOther(2, 3));
    for argmax in [false, true] {
        let layers = [
            AdaptivePool2d::avg(1),
            AdaptivePool2d::max((2, 3)),
            AdaptivePool2d::avg((3, 4)),
        ];
        for layer in layers {
            if argmax && layer.kind() == simdpool::Kind::Avg {
                continue;
            }
            let pool =
                |l: Layout| -> Box<dyn Views<4>> { Box::new((layer.clone().layout(l), argmax)) };
            for &pin in &all {
                for &pout in &all {
                    // A 1×1 output is packed in both layouts at once: no one route to expect.
                    let route = (layer.output_shape(shape).unwrap()[2..] != [1, 1])
                        .then(|| expected(pin, pout));
                    check("adaptive", &pool, shape, &x, pin, pout, route);
                }
            }
        }
    }
}

#[test]
fn broadcast_input_is_read_not_copied_wrongly() {
    // One plane broadcast over 3 channels (channel stride 0): every channel pools alike.
    let plane: Vec<f32> = (0..16).map(|v| v as f32).collect();
    let x = Strided::new(&plane, [1, 3, 4, 4], [0, 0, 4, 1]).unwrap();
    let mut y = vec![0.0; 12];
    let pool = Pool2d::max(2);
    let (shape, route) = pool
        .forward_strided(
            x,
            StridedMut::packed(&mut y, [1, 3, 2, 2], Layout::ChannelsFirst).unwrap(),
        )
        .unwrap();
    assert_eq!(shape, [1, 3, 2, 2]);
    assert_eq!(route, StridedRoute::Copied);
    assert_eq!(y, [5.0, 7.0, 13.0, 15.0].repeat(3));
}

#[test]
fn bad_views_are_refused_and_nothing_is_written() {
    let x = vec![1.0f32; 64];
    // Reaches past the slice: 1 + 3·16 + 3·4 + 3 = 64 elements needed of 63.
    assert_eq!(
        Strided::new(&x[1..], [1, 4, 4, 4], [64, 16, 4, 1]).unwrap_err(),
        PoolError::ViewOutOfBounds {
            shape: vec![1, 4, 4, 4],
            strides: vec![64, 16, 4, 1],
            needed: Some(64),
            actual: 63
        }
    );
    assert!(matches!(
        Strided::new(&x, [2, 1, 1, usize::MAX], [1, 1, 1, 2]),
        Err(PoolError::ViewOutOfBounds { needed: None, .. })
    ));
    let mut y = vec![SENTINEL; 16];
    assert_eq!(
        StridedMut::new(&mut y, [1, 4, 2, 2], [16, 2, 2, 1]).unwrap_err(),
        PoolError::ViewOverlaps {
            shape: vec![1, 4, 2, 2],
            strides: vec![16, 2, 2, 1]
        }
    );
    let xin = Strided::packed(&x, [1, 4, 4, 4], Layout::ChannelsFirst).unwrap();
    let wrong = StridedMut::packed(&mut y, [1, 4, 2, 1], Layout::ChannelsFirst).unwrap();
    assert_eq!(
        Pool2d::max(2).forward_strided(xin, wrong).unwrap_err(),
        PoolError::ViewShape {
            tensor: "output",
            expected: vec![1, 4, 2, 2],
            actual: vec![1, 4, 2, 1]
        }
    );
    let out = StridedMut::packed(&mut y, [1, 4, 2, 2], Layout::ChannelsFirst).unwrap();
    let mut i = vec![0i64; 16];
    let iv = StridedMut::packed(&mut i, [1, 4, 2, 2], Layout::ChannelsFirst).unwrap();
    assert_eq!(
        Pool2d::avg(2)
            .forward_strided_with_indices(xin, out, iv)
            .unwrap_err(),
        PoolError::IndicesOnAvg
    );
    assert!(y.iter().all(|&v| v == SENTINEL));
}

#[test]
fn strided_backward_matches_the_packed_gradient() {
    let mut rng = StdRng::seed_from_u64(5);
    let shape = [2, 3, 6, 7];
    let x = logical(shape, &mut rng);
    let pool = Pool2d::max(3).stride(2).padding(1);
    let out = pool.output_shape(shape).unwrap();
    let len: usize = out.iter().product();
    let (mut y, mut i) = (vec![0.0; len], vec![0; len]);
    pool.forward_with_indices(&x, shape, &mut y, &mut i)
        .unwrap();
    let g: Vec<f32> = (0..len).map(|k| (k % 7) as f32 - 3.0).collect();
    let mut want = vec![0.0; x.len()];
    pool.backward_from_indices(&g, &i, shape, &mut want)
        .unwrap();
    let avg = Pool2d::avg(3).stride(2).padding(1);
    let mut want_avg = vec![0.0; x.len()];
    avg.backward(&g, shape, &mut want_avg).unwrap();

    // grad_input into channels 1..4 of a 5-channel channels-last parent (copied route).
    let (si, start, parent) = place(shape, Place::ChannelSlice(Layout::ChannelsLast, 1, 2));
    for (layer_is_max, want) in [(true, &want), (false, &want_avg)] {
        let mut gi = vec![SENTINEL; parent];
        let gv = Strided::packed(&g, out, Layout::ChannelsFirst).unwrap();
        let giv = StridedMut::new(&mut gi[start..], shape, si).unwrap();
        let route = if layer_is_max {
            let iv = Strided::packed(&i, out, Layout::ChannelsFirst).unwrap();
            pool.backward_strided_from_indices(gv, iv, giv).unwrap()
        } else {
            avg.backward_strided(gv, giv).unwrap()
        };
        assert_eq!(route, StridedRoute::Copied);
        for (k, at) in indices_of(&shape).iter().enumerate() {
            assert_eq!(gi[start + offset(at, &si)], want[k], "{at:?}");
        }
        assert_eq!(
            gi.iter().filter(|&&v| v == SENTINEL).count(),
            parent - x.len()
        );
    }
    // A bad index: refused, nothing written.
    let mut bad = i.clone();
    bad[len - 1] = 1000;
    let mut gi = vec![SENTINEL; x.len()];
    let err = pool
        .backward_strided_from_indices(
            Strided::packed(&g, out, Layout::ChannelsFirst).unwrap(),
            Strided::packed(&bad, out, Layout::ChannelsFirst).unwrap(),
            StridedMut::packed(&mut gi, shape, Layout::ChannelsFirst).unwrap(),
        )
        .unwrap_err();
    assert!(
        matches!(err, PoolError::IndexOutOfRange { index: 1000, .. }),
        "{err}"
    );
    assert!(gi.iter().all(|&v| v == SENTINEL));
}

/// `forward_view` on ndarray views of every kind this module's docs name.
#[cfg(feature = "ndarray")]
mod ndarray_views {
    use super::*;
    use ndarray::{s, Array4, ArrayView4, ArrayViewMut4};

    /// The packed call on the view's logical contents: values and indices.
    fn expected(pool: &Pool2d, x: &ArrayView4<f32>) -> (Vec<f32>, Vec<i64>) {
        let shape: [usize; 4] = x.shape().try_into().unwrap();
        let packed = x.as_standard_layout();
        let out = pool.output_shape(shape).unwrap();
        let len = out.iter().product();
        let (mut y, mut i) = (vec![0.0; len], vec![0; len]);
        pool.forward_with_indices(packed.as_slice().unwrap(), shape, &mut y, &mut i)
            .unwrap();
        (y, i)
    }

    fn run(x: ArrayView4<f32>, mut y: ArrayViewMut4<f32>, mut i: ArrayViewMut4<i64>) {
        let pool = Pool2d::max(3).stride(2).padding(1);
        let (want, want_i) = expected(&pool, &x);
        let out = pool
            .forward_view_with_indices(x.view(), y.view_mut(), i.view_mut())
            .unwrap();
        assert_eq!(out, <[usize; 4]>::try_from(y.shape()).unwrap());
        for ((g, w), (gi, wi)) in y.iter().zip(&want).zip(i.iter().zip(&want_i)) {
            assert!(same(*g, *w), "{g} vs {w}");
            assert_eq!(gi, wi);
        }
        // The average through the plain forward_view, on the same views.
        let avg = Pool2d::avg(3).stride(2).padding(1);
        let packed = x.as_standard_layout();
        let shape: [usize; 4] = x.shape().try_into().unwrap();
        let mut want = vec![0.0; y.len()];
        avg.forward(packed.as_slice().unwrap(), shape, &mut want)
            .unwrap();
        avg.forward_view(x, y.view_mut()).unwrap();
        for (g, w) in y.iter().zip(&want) {
            assert!(same(*g, *w), "{g} vs {w}");
        }
    }

    fn tensor(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f32> {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = shape.0 * shape.1 * shape.2 * shape.3;
        Array4::from_shape_vec(shape, logical([n], &mut rng)).unwrap()
    }

    #[test]
    fn standard_permuted_sliced_reversed() {
        // Standard NCHW.
        let x = tensor((2, 3, 7, 8), 1);
        let mut y = Array4::<f32>::zeros((2, 3, 4, 4));
        let mut i = Array4::<i64>::zeros((2, 3, 4, 4));
        run(x.view(), y.view_mut(), i.view_mut());

        // Channels-last memory seen as NCHW (a permuted view, contiguous).
        let x = tensor((2, 7, 8, 5), 2);
        let xv = x.view().permuted_axes([0, 3, 1, 2]);
        let mut y = Array4::<f32>::zeros((2, 4, 4, 5));
        let mut i = Array4::<i64>::zeros((2, 4, 4, 5));
        let yv = y.view_mut().permuted_axes([0, 3, 1, 2]);
        let iv = i.view_mut().permuted_axes([0, 3, 1, 2]);
        run(xv, yv, iv);

        // Channel slices of NCHW tensors, into a channel slice of the output: per image.
        let x = tensor((2, 7, 7, 8), 3);
        let mut y = Array4::<f32>::from_elem((2, 6, 4, 4), SENTINEL);
        let mut i = Array4::<i64>::from_elem((2, 6, 4, 4), -1);
        run(
            x.slice(s![.., 2..5, .., ..]),
            y.slice_mut(s![.., 1..4, .., ..]),
            i.slice_mut(s![.., 1..4, .., ..]),
        );
        assert!(y.slice(s![.., 4.., .., ..]).iter().all(|&v| v == SENTINEL));
        assert!(i.slice(s![.., ..1, .., ..]).iter().all(|&v| v == -1));

        // A channel slice of NHWC (no image contiguous) and a reversed axis: copied.
        let x = tensor((2, 7, 8, 6), 4);
        let xv = x.slice(s![.., .., ..;-1, 1..4]).permuted_axes([0, 3, 1, 2]);
        let mut y = Array4::<f32>::from_elem((2, 4, 4, 6), SENTINEL);
        let mut i = Array4::<i64>::zeros((2, 4, 4, 6));
        let yv = y
            .slice_mut(s![.., .., .., 2..5])
            .permuted_axes([0, 3, 1, 2]);
        let iv = i
            .slice_mut(s![.., .., .., 2..5])
            .permuted_axes([0, 3, 1, 2]);
        run(xv, yv, iv);
        assert!(y.slice(s![.., .., .., ..2]).iter().all(|&v| v == SENTINEL));
    }

    #[test]
    fn wrong_output_shape_is_refused_untouched() {
        let x = tensor((1, 2, 6, 6), 5);
        let mut y = Array4::<f32>::from_elem((1, 2, 3, 2), SENTINEL);
        let err = Pool2d::max(2)
            .forward_view(x.view(), y.view_mut())
            .unwrap_err();
        assert_eq!(
            err,
            PoolError::ViewShape {
                tensor: "output",
                expected: vec![1, 2, 3, 3],
                actual: vec![1, 2, 3, 2]
            }
        );
        assert!(y.iter().all(|&v| v == SENTINEL));
    }
}

/// The pixel kernels on channel slices of NHWC tensors, forced onto every ISA this CPU
/// runs, serial and split over rayon (row blocks, and channel blocks for a global pool):
/// output pixels further apart than their channels, so no vector may spill into the
/// neighbours' channels.
#[test]
fn nhwc_channel_slices_on_every_isa_serial_and_parallel() {
    let mut rng = StdRng::seed_from_u64(13);
    let cases: [(&str, [usize; 4], Pool2d); 3] = [
        (
            "images",
            [2, 3, 96, 96],
            Pool2d::max(3).stride(1).padding(1),
        ),
        ("wide", [2, 40, 64, 64], Pool2d::max(3).stride(2)),
        ("avg", [1, 17, 80, 80], Pool2d::avg(3).stride(2).padding(1)),
    ];
    let mut ran = 0;
    for isa in simdpool::supported_isas() {
        for parallel in [false, true] {
            for (name, shape, layer) in &cases {
                let x = logical(*shape, &mut rng);
                let argmax = layer.kind() == simdpool::Kind::Max;
                let pool = |l: Layout| -> Box<dyn Views<4>> {
                    Box::new((layer.clone().isa(isa).parallel(parallel).layout(l), argmax))
                };
                let (pin, pout) = (
                    Place::ChannelSlice(Layout::ChannelsLast, 1, 3),
                    Place::SliceOfEveryOther(2, 5),
                );
                let route = Some(StridedRoute::Pixels);
                check(name, &pool, *shape, &x, pin, pout, route);
                let pout = Place::ChannelSlice(Layout::ChannelsLast, 2, 5);
                check(name, &pool, *shape, &x, pin, pout, route);
                ran += 2;
            }
            // Global average of one image, 64 channels: split by channel blocks.
            let shape = [1, 64, 40, 40];
            let x = logical(shape, &mut rng);
            let global = simdpool::AdaptivePool2d::avg(1);
            let pool = |l: Layout| -> Box<dyn Views<4>> {
                Box::new((global.clone().isa(isa).parallel(parallel).layout(l), false))
            };
            let (pin, pout) = (
                Place::ChannelSlice(Layout::ChannelsLast, 2, 2),
                Place::SliceOfEveryOther(1, 1),
            );
            check(
                "global",
                &pool,
                shape,
                &x,
                pin,
                pout,
                Some(StridedRoute::Pixels),
            );
            ran += 1;
        }
    }
    assert!(ran >= 2 * 7 * 2, "every ISA ran: {ran}");
}
