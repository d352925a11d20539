//! The rayon split (planes, and row blocks when planes are few) gives the serial answer.
mod common;

use rand::rngs::StdRng;
use rand::SeedableRng;
use simdpool::Pool2d;

#[test]
fn parallel_matches_reference_for_few_and_many_planes() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let shapes = [
        [1, 1, 301, 157],
        [1, 3, 128, 96],
        [2, 64, 20, 20],
        [1, 512, 7, 7],
        [3, 5, 61, 33],
    ];
    let layers = [
        Pool2d::max(3).stride(2).padding(1),
        Pool2d::max(2),
        Pool2d::max(3).stride(1).padding(1).ceil_mode(true),
        Pool2d::avg(3).stride(1).padding(1).count_include_pad(false),
        Pool2d::avg(7),
    ];
    pool.install(|| {
        for shape in shapes {
            let input = common::nasty(&mut rng, shape.iter().product());
            for layer in &layers {
                for isa in common::isas() {
                    common::check_reference(isa, layer, shape, &input, true).unwrap();
                }
            }
        }
    });
}

#[test]
fn channels_last_split_by_rows_and_by_channel_blocks() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let mut rng = StdRng::seed_from_u64(12);
    // Many rows (row split); one image globally pooled with many channels (channel blocks,
    // the last one narrower); few rows with few channels (row split regardless); three and
    // five channels, whose vectors spill into the next pixel except at the end of each
    // task's block (a spill there would write into another task's output).
    let cases: [([usize; 4], Pool2d); 6] = [
        ([2, 3, 64, 64], Pool2d::max(3).stride(1).padding(1)),
        ([2, 5, 100, 100], Pool2d::avg(3).stride(2).padding(1)),
        ([2, 40, 40, 40], Pool2d::max(3).stride(1).padding(1)),
        ([1, 200, 32, 32], Pool2d::avg(32)),
        ([1, 200, 32, 32], Pool2d::max(32)),
        ([1, 24, 80, 80], Pool2d::max(80).stride(1)),
    ];
    pool.install(|| {
        for (shape, layer) in &cases {
            let input = common::nasty(&mut rng, shape.iter().product());
            for isa in common::isas() {
                common::check_reference(isa, layer, *shape, &input, true).unwrap();
            }
        }
    });
}
