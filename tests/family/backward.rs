//! Backward passes (issue 14): PyTorch's gradients bit for bit, the same gradient in every
//! layout, thread split and index style, and typed errors with nothing written.

use simdpool::{AdaptivePool2d, Pool1d, Pool2d, PoolError};

#[test]
fn gradients_match_pytorch_bit_for_bit() {
    for parallel in [false, true] {
        let [matched, rejected, beyond] =
            crate::common::backward::fixtures_match(parallel).unwrap();
        eprintln!(
            "parallel {parallel}: {matched} matched, {rejected} rejected, {beyond} beyond PyTorch"
        );
        // 298 cases: 287 accepted; 8 rejected (avg_pool3d's input smaller than the kernel);
        // 3 f16/bf16 avg_pool3d, which PyTorch lacks and we compute.
        assert_eq!([matched, rejected, beyond], [287, 8, 3]);
    }
}

#[test]
fn every_layout_split_and_index_style_gives_the_same_gradient() {
    let n = crate::common::backward::grid(0xb4c, 400).unwrap();
    eprintln!("{n} random layers consistent");
    assert!(n > 200, "only {n} of 400 draws accepted");
    let n = crate::common::backward::index_styles().unwrap();
    assert_eq!(n, 12);
}

/// ONNX-only windows (no PyTorch gradient to pin): dilated averages, begin/end pads,
/// auto_pad. Their gradients must still be the forward's transpose, in both layouts.
#[test]
fn onnx_windows_gradients_are_the_forward_transpose() {
    use crate::common::backward::transpose_holds as t;
    use simdpool::{AutoPad, Pool1d, Pool3d};
    t(&Pool2d::avg(3).dilation(2), [1, 3, 9, 11], 1).unwrap();
    t(
        &Pool2d::avg([2, 3]).dilation([3, 2]).pads([1, 0], [0, 2]),
        [2, 2, 8, 9],
        2,
    )
    .unwrap();
    let incl = Pool2d::avg(3)
        .stride(2)
        .pads([0, 2], [2, 1])
        .count_include_pad(true);
    t(&incl, [1, 4, 7, 6], 3).unwrap();
    t(
        &Pool2d::max(3).stride(2).auto_pad(AutoPad::SameLower),
        [1, 5, 8, 7],
        4,
    )
    .unwrap();
    t(&Pool1d::avg(4).dilation(3).pads(2, 3), [2, 3, 17], 5).unwrap();
    t(
        &Pool3d::avg(2)
            .dilation([1, 2, 2])
            .auto_pad(AutoPad::SameUpper),
        [1, 2, 4, 6, 5],
        6,
    )
    .unwrap();
}

/// d2l.ai §7.5.1's 3×3 input `0..9` under a 2×2 pool of stride 1: the windows' maxima are
/// 4, 5, 7 and 8, so each window's gradient lands there; an average spreads a quarter of
/// each window's gradient over its four elements (the centre is in all four windows, the
/// edges' middles in two, the corners in one).
#[test]
fn d2l_example_gradients() {
    let x: Vec<f32> = (0..9).map(|v| v as f32).collect();
    let pool = Pool2d::max(2).stride(1);
    let (mut y, mut idx) = ([0.0; 4], [0i64; 4]);
    pool.forward_with_indices(&x, [1, 1, 3, 3], &mut y, &mut idx)
        .unwrap();
    assert_eq!(idx, [4, 5, 7, 8]);
    let mut gi = [f32::NAN; 9];
    pool.backward_from_indices(&[1.0, 2.0, 3.0, 4.0], &idx, [1, 1, 3, 3], &mut gi)
        .unwrap();
    assert_eq!(gi, [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 3.0, 4.0]);
    // Average: the centre is in all four windows (1 of each 4), corners in one.
    let mut gi = [f32::NAN; 9];
    Pool2d::avg(2)
        .stride(1)
        .backward(&[4.0; 4], [1, 1, 3, 3], &mut gi)
        .unwrap();
    assert_eq!(gi, [1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]);
}

#[test]
fn bad_calls_are_typed_errors_and_write_nothing() {
    let shape = [1, 2, 4, 4];
    let go = [1.0f32; 8];
    let mut gi = [7.0f32; 32];
    let max = Pool2d::max(2);
    let avg = Pool2d::avg(2);
    let idx = [0i64; 8];
    let cases: Vec<(PoolError, Result<(), PoolError>)> = vec![
        (
            PoolError::KindMismatch {
                method: "backward",
                needs: simdpool::Kind::Avg,
            },
            max.backward(&go, shape, &mut gi),
        ),
        (
            PoolError::KindMismatch {
                method: "backward_from_indices",
                needs: simdpool::Kind::Max,
            },
            avg.backward_from_indices(&go, &idx, shape, &mut gi),
        ),
        (
            PoolError::GradOutputLength {
                expected: 8,
                actual: 7,
            },
            avg.backward(&go[..7], shape, &mut gi),
        ),
        (
            PoolError::GradInputLength {
                needed: 32,
                actual: 31,
            },
            avg.backward(&go, shape, &mut gi[..31]),
        ),
        (
            PoolError::IndicesLength {
                needed: 8,
                actual: 7,
            },
            max.backward_from_indices(&go, &idx[..7], shape, &mut gi),
        ),
        (
            PoolError::IndexOutOfRange {
                position: 5,
                index: 16,
                volume: 16,
            },
            max.backward_from_indices(&go, &[0, 1, 2, 3, 4, 16, 0, 0], shape, &mut gi),
        ),
        (
            PoolError::IndexOutOfRange {
                position: 0,
                index: -1,
                volume: 16,
            },
            max.backward_from_indices(&go, &[-1; 8], shape, &mut gi),
        ),
        (
            // Flat over the tensor: plane 1's outputs must name plane 1's elements.
            PoolError::IndexOutOfRange {
                position: 4,
                index: 3,
                volume: 16,
            },
            max.clone()
                .index_style(simdpool::IndexStyle::Tensor)
                .backward_from_indices(&go, &[0, 1, 2, 3, 3, 17, 18, 19], shape, &mut gi),
        ),
        (
            PoolError::NotDifferentiable {
                dtype: simdpool::DType::U8,
            },
            avg.backward(&[1u8; 8], shape, &mut [0u8; 32]),
        ),
        (
            PoolError::NotDifferentiable {
                dtype: simdpool::DType::I8,
            },
            max.backward_from_indices(&[1i8; 8], &idx, shape, &mut [0i8; 32]),
        ),
        (
            PoolError::EmptyInput {
                shape: vec![1, 0, 4, 4],
            },
            avg.backward(&go[..0], [1, 0, 4, 4], &mut gi),
        ),
    ];
    for (want, got) in cases {
        assert_eq!(got, Err(want.clone()));
        assert!(!want.to_string().is_empty());
    }
    assert!(gi.iter().all(|&v| v == 7.0), "written on error");
}

#[test]
fn adaptive_and_1d_gradients() {
    // Global average: PyTorch's mean, each element gets grad / count.
    let mut gi = [0.0f32; 6];
    AdaptivePool2d::avg(1)
        .backward(&[6.0f32], [1, 1, 2, 3], &mut gi)
        .unwrap();
    assert_eq!(gi, [1.0; 6]);
    // 1-D max with overlapping windows: gradients add at a shared maximum.
    let x = [0.0f32, 5.0, 1.0, 2.0];
    let pool = Pool1d::max(2).stride(1);
    let (mut y, mut idx) = ([0.0; 3], [0i64; 3]);
    pool.forward_with_indices(&x, [1, 1, 4], &mut y, &mut idx)
        .unwrap();
    let mut gi = [f32::NAN; 4];
    pool.backward_from_indices(&[1.0, 2.0, 4.0], &idx, [1, 1, 4], &mut gi)
        .unwrap();
    assert_eq!(gi, [0.0, 3.0, 0.0, 4.0]);
}

/// Arbitrary indices and slice lengths (the fuzzing of `fuzz_api.rs`, for the backward
/// calls): never a panic; an accepted call wrote every element, a refused one none.
#[test]
fn arbitrary_indices_and_lengths_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x14);
    let styles = [
        simdpool::IndexStyle::Plane,
        simdpool::IndexStyle::Tensor,
        simdpool::IndexStyle::TensorColumnMajor,
    ];
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..3000 {
        let shape = [
            rng.gen_range(0..3),
            rng.gen_range(1..4),
            rng.gen_range(1..7),
            rng.gen_range(1..7),
        ];
        let k = rng.gen_range(1..4);
        let layout = if rng.gen_bool(0.5) {
            simdpool::Layout::ChannelsLast
        } else {
            simdpool::Layout::ChannelsFirst
        };
        let pool = Pool2d::max(k)
            .stride(rng.gen_range(1..3))
            .index_style(styles[rng.gen_range(0..3)])
            .layout(layout);
        let len: usize = shape.iter().product();
        let out = pool
            .output_shape(shape)
            .map_or(0, |s| s.iter().product::<usize>());
        let go_len = if rng.gen_bool(0.9) {
            out
        } else {
            rng.gen_range(0..out + 2)
        };
        let go = vec![1.0f32; go_len];
        let vol = (shape[2] * shape[3]) as i64;
        let idx: Vec<i64> = (0..out)
            .map(|_| match rng.gen_range(0..20) {
                0 => rng.gen(),
                1 => -rng.gen_range(1..3),
                2 => vol * (shape[0] * shape[1]) as i64 + rng.gen_range(0..2),
                _ => rng.gen_range(0..vol),
            })
            .collect();
        let mut gi = vec![f32::NAN; len + rng.gen_range(0..2)];
        match pool.backward_from_indices(&go, &idx, shape, &mut gi) {
            Ok(()) => {
                assert!(gi[..len].iter().all(|v| v.is_finite()));
                accepted += 1;
            }
            Err(e) => {
                assert!(gi.iter().all(|v| v.is_nan()), "{e}: written on error");
                refused += 1;
            }
        }
    }
    eprintln!("{accepted} accepted, {refused} refused");
    assert!(accepted > 300 && refused > 300);
}
