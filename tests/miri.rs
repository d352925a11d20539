//! A reduced set for Miri (`cargo +nightly miri test --test miri`): one shape per kernel
//! strategy (flat runs, separable tiles, the row walk with stride 1, 2 and 3, the contiguous
//! global run, clipped border vectors; channels-last pixels, which `check` runs for every
//! shape) and a few arbitrary geometries, on every ISA Miri's
//! target offers (scalar and portable: Miri runs no AVX), serially. Miri checks every
//! pointer access of those paths against the slices' bounds and provenance; the normal
//! suite runs this file too, as a quick smoke test.
mod common;

use simdpool::Pool2d;

#[test]
fn one_shape_per_strategy() {
    let cases = [
        // Flat runs: same-size stride 1.
        (Pool2d::max(3).stride(1).padding(1), [1, 2, 5, 11]),
        (
            Pool2d::avg(3).stride(1).padding(1).count_include_pad(false),
            [1, 1, 4, 9],
        ),
        // Separable tiles: vertical stride 1, horizontal stride 2.
        (Pool2d::max(3).stride((1, 2)).padding(1), [1, 1, 6, 19]),
        // Row walk, pairs of taps (2x2 s2) and the general stride.
        (Pool2d::max(2), [2, 1, 4, 18]),
        (Pool2d::avg(3).stride(3).ceil_mode(true), [1, 1, 7, 20]),
        (
            Pool2d::max(3).stride(2).padding(1).dilation(2),
            [1, 1, 9, 21],
        ),
        // Contiguous global window.
        (Pool2d::avg((3, 13)), [1, 2, 3, 13]),
        (Pool2d::max((3, 13)), [1, 1, 3, 13]),
        // Borders wide enough for clipped vectors (padding 4).
        (Pool2d::max((1, 9)).stride(1).padding((0, 4)), [1, 1, 2, 20]),
        // Channels-last (every check also runs it): vectors spilling into the next pixel
        // (5 channels), full vectors plus an overlapped tail (17).
        (Pool2d::max(3).stride(2).padding(1), [1, 5, 6, 7]),
        (Pool2d::avg(2).ceil_mode(true), [1, 17, 5, 4]),
    ];
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
    for isa in common::isas() {
        for (pool, shape) in &cases {
            let input = common::nasty(&mut rng, shape.iter().product());
            common::check_reference(isa, pool, *shape, &input, false).unwrap();
        }
        common::geometries(isa, 0x313 ^ isa as u64, 12).unwrap();
    }
}

/// Typed calls (conversion kernels, scratch blocks) for every element type, on shapes with
/// vector tails.
#[test]
fn element_types() {
    use simdpool::{bf16, f16, Element, Layout};
    fn each<E: Element>(rng: &mut rand::rngs::StdRng, isa: simdpool::Isa) {
        let cases = [
            (Pool2d::max(3).stride(2).padding(1), [1, 5, 6, 7]),
            (Pool2d::avg(2).ceil_mode(true), [1, 17, 5, 4]),
        ];
        // One layout each (Miri's time is CI's): the conversions do not depend on it.
        let layouts = [Layout::ChannelsFirst, Layout::ChannelsLast];
        for ((pool, shape), layout) in cases.iter().zip(layouts) {
            let x = common::types::values::<E>(rng, shape.iter().product());
            common::types::typed(pool, *shape, &x, isa, layout, false)
                .expect("accepted")
                .unwrap();
        }
    }
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(9);
    for isa in common::isas() {
        each::<f16>(&mut rng, isa);
        each::<bf16>(&mut rng, isa);
        each::<i8>(&mut rng, isa);
        each::<u8>(&mut rng, isa);
    }
}
