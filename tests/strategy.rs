//! Which strategy each shape takes, on every ISA: the fast paths are asserted to run, so
//! disabling one fails here even when every value test stays green. One test function: the
//! counts are process-wide (kept only in builds with debug assertions, as tests are).
mod common;

use simdpool::{AdaptivePool2d, AdaptivePool3d, Layer, Layout, Pool1d, Pool2d, Pool3d};
use simdpool_kernels::{strategy_counts, Strategy};

/// Runs `l` serially and returns how many planes each strategy pooled.
fn ran<L: Layer>(l: L, shape: L::Shape) -> [usize; Strategy::ALL.len()] {
    let l = l.parallel(false);
    let n: usize = shape.as_ref().iter().product();
    let x: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
    let out_len: usize = l.output_shape(shape).unwrap().as_ref().iter().product();
    let mut y = vec![0.0; out_len];
    strategy_counts();
    l.forward(&x, shape, &mut y).unwrap();
    strategy_counts().expect("tests count strategies")
}

/// As [`ran`], with indices.
fn ran_idx<L: Layer>(l: L, shape: L::Shape) -> [usize; Strategy::ALL.len()] {
    let l = l.parallel(false);
    let n: usize = shape.as_ref().iter().product();
    let x: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
    let out_len: usize = l.output_shape(shape).unwrap().as_ref().iter().product();
    let (mut y, mut i) = (vec![0.0; out_len], vec![0; out_len]);
    strategy_counts();
    l.forward_with_indices(&x, shape, &mut y, &mut i).unwrap();
    strategy_counts().expect("tests count strategies")
}

/// Counts with `n` planes for `s` and none for the others.
fn only(s: Strategy, n: usize) -> [usize; Strategy::ALL.len()] {
    Strategy::ALL.map(|t| if t == s { n } else { 0 })
}

#[test]
fn every_shape_takes_its_strategy_on_every_isa() {
    use Strategy::*;
    for isa in common::isas() {
        let check =
            |got: [usize; Strategy::ALL.len()], want: [usize; Strategy::ALL.len()], what: &str| {
                assert_eq!(
                    got,
                    want,
                    "{isa}: {what}: counts in order {:?}",
                    Strategy::ALL
                );
            };
        // ResNet head and ONNX GlobalAveragePool: one contiguous run per plane.
        check(
            ran(Pool2d::avg(7).isa(isa), [1, 6, 7, 7]),
            only(Global, 6),
            "avg 7 on 7x7",
        );
        check(
            ran(AdaptivePool2d::max(1).isa(isa), [2, 3, 5, 9]),
            only(Global, 6),
            "global max",
        );
        // 3-D global: the volume read as one [d·h, w] plane.
        check(
            ran(AdaptivePool3d::avg(1).isa(isa), [1, 2, 3, 4, 5]),
            only(Global, 2),
            "3-D global",
        );
        // Many small planes with short output rows (VGG's last pool): channel blocks of 16
        // planes through the pixel kernels (counted per output pixel of a block) on AVX2
        // and AVX-512; the planes' kernels (one tall plane) elsewhere.
        let blocks = matches!(isa, simdpool::Isa::Avx2 | simdpool::Isa::Avx512);
        let planes_or = |got: [usize; Strategy::ALL.len()], pixels: usize, what: &str| {
            if blocks {
                check(got, only(Pixels, pixels), what);
            } else {
                let others: usize = got[..Pixels as usize].iter().sum();
                assert!(
                    got[Pixels as usize] == 0 && others > 0,
                    "{isa}: {what}: {got:?}"
                );
            }
        };
        planes_or(
            ran(Pool2d::max(2).isa(isa), [1, 20, 14, 14]),
            2 * 49,
            "max 2 on 20 planes of 14x14",
        );
        planes_or(
            ran_idx(Pool2d::max(3).stride(2).isa(isa), [2, 4, 7, 7]),
            9,
            "argmax 3 s2 on 8 planes of 7x7",
        );
        // Same-size stride 1 (googlenet, yolo SPP): flat runs; 1-D rows too.
        let s1 = Pool2d::max(3).stride(1).padding(1);
        check(
            ran(s1.isa(isa), [1, 3, 17, 17]),
            only(Flat, 3),
            "max 3 s1 p1",
        );
        check(
            // Both 1-D rows stacked as one two-row plane.
            ran(Pool1d::max(5).stride(1).padding(2).isa(isa), [1, 2, 300]),
            only(Flat, 1),
            "1-D max 5 s1 p2",
        );
        // Vertical stride 1, narrower output: separable tiles.
        let tiles = Pool2d::avg(3).stride((1, 2)).padding(1);
        check(
            ran(tiles.isa(isa), [1, 2, 16, 40]),
            only(Tiles, 2),
            "avg 3 s(1,2) p1",
        );
        // VGG's small planes (2x2 stride 2, no padding) stack into one tall plane: five
        // planes, one call of the row walk.
        check(
            ran(Pool2d::max(2).isa(isa), [1, 5, 14, 14]),
            only(Rows, 1),
            "max 2 s2 on 14x14",
        );
        check(
            ran_idx(Pool2d::max(2).isa(isa), [1, 5, 14, 14]),
            only(Rows, 1),
            "argmax 2 s2 on 14x14",
        );
        // Stride 2 (ResNet stem): row by row.
        let stem = Pool2d::max(3).stride(2).padding(1);
        check(
            ran(stem.isa(isa), [1, 2, 16, 40]),
            only(Rows, 2),
            "max 3 s2 p1",
        );
        // 3-D max: each output depth's input slices merged, then pooled once as a plane
        // (3 output depths, 2 volumes); with indices, every input slice a block reads is
        // pooled once (5 slices, 2 volumes).
        let stem3 = Pool3d::max(3).stride(2).padding(1);
        check(
            ran(stem3.clone().isa(isa), [1, 2, 5, 16, 40]),
            only(Rows, 6),
            "3-D max 3 s2 p1",
        );
        check(
            ran_idx(stem3.isa(isa), [1, 2, 5, 16, 40]),
            only(Rows, 10),
            "3-D argmax 3 s2 p1",
        );
        // A one-tap depth kernel pools each depth slice on its own (3 slices, 2 volumes).
        let k1 = Pool3d::max((1, 3, 3)).stride(1).padding((0, 1, 1));
        check(
            ran(k1.isa(isa), [1, 2, 3, 17, 17]),
            only(Flat, 6),
            "3-D max (1,3,3) s1",
        );
        // Adaptive with equal windows is regular pooling (28 -> 7: 4x4 stride 4), whose
        // windows tile the plane: blocks for values; argmax keeps to the row walk. Tiling
        // windows step from one plane into the next, so the two planes run as one.
        let a7 = [1, 2, 28, 28];
        check(
            ran(AdaptivePool2d::max(7).isa(isa), a7),
            only(Blocks, 1),
            "adaptive max 7 of 28",
        );
        check(
            ran(AdaptivePool2d::avg(7).isa(isa), a7),
            only(Blocks, 1),
            "adaptive avg 7 of 28",
        );
        check(
            ran_idx(AdaptivePool2d::max(7).isa(isa), a7),
            only(Rows, 1),
            "argmax 7 of 28",
        );
        // Unequal adaptive windows take the exact loop, outside the plane kernels.
        check(
            ran(AdaptivePool2d::avg(7).isa(isa), [1, 2, 10, 10]),
            [0; Strategy::ALL.len()],
            "adaptive 7 of 10",
        );
        // Channels-last: the pixel kernels, one count per output pixel, for every rank and
        // adaptive, three channels too; one channel is the channels-first layout.
        let last = Layout::ChannelsLast;
        check(
            ran(Pool2d::max(3).stride(2).isa(isa).layout(last), [2, 8, 9, 9]),
            only(Pixels, 2 * 16),
            "NHWC max 3 s2",
        );
        check(
            ran_idx(Pool3d::max(2).isa(isa).layout(last), [1, 5, 4, 4, 4]),
            only(Pixels, 8),
            "NDHWC argmax 2",
        );
        check(
            ran(Pool1d::avg(3).stride(1).isa(isa).layout(last), [1, 17, 10]),
            only(Pixels, 8),
            "NLC avg 3 s1",
        );
        check(
            ran(
                AdaptivePool2d::avg(3).isa(isa).layout(last),
                [1, 64, 10, 10],
            ),
            only(Pixels, 9),
            "NHWC adaptive 3 of 10",
        );
        check(
            ran(Pool2d::avg(7).isa(isa).layout(last), [1, 1, 7, 7]),
            only(Global, 1),
            "NHWC with one channel",
        );
        check(
            ran(Pool2d::max(2).isa(isa).layout(last), [1, 3, 8, 8]),
            only(Pixels, 16),
            "NHWC with three channels",
        );
    }
}
