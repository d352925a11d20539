//! Every rejected input returns its typed error, and leaves the output untouched.
use simdpool::{Isa, Pool2d, PoolError};

const SENTINEL: f32 = -12345.0;

/// Calls `forward` (and `forward_with_indices` for max) and returns the error, asserting
/// that neither output nor indices were written.
fn err(pool: &Pool2d, input: &[f32], shape: [usize; 4], out_len: usize) -> PoolError {
    let mut out = vec![SENTINEL; out_len];
    let e = pool
        .forward(input, shape, &mut out)
        .expect_err("must be rejected");
    assert!(
        out.iter().all(|&v| v == SENTINEL),
        "output written on error {e}"
    );
    if pool.kind() == simdpool::Kind::Max {
        let mut idx = vec![-1i64; out_len];
        let e2 = pool
            .forward_with_indices(input, shape, &mut out, &mut idx)
            .expect_err("rejected");
        assert_eq!(e, e2);
        assert!(out.iter().all(|&v| v == SENTINEL) && idx.iter().all(|&i| i == -1));
    }
    e
}

#[test]
fn zero_parameters() {
    let x = vec![0.0; 16];
    let s = [1, 1, 4, 4];
    assert_eq!(
        err(&Pool2d::max((0, 2)), &x, s, 16),
        PoolError::ZeroParam {
            name: "kernel_size",
            value: [0, 2].to_vec()
        }
    );
    assert_eq!(
        err(&Pool2d::max(2).stride((1, 0)), &x, s, 16),
        PoolError::ZeroParam {
            name: "stride",
            value: [1, 0].to_vec()
        }
    );
    assert_eq!(
        err(&Pool2d::max(2).dilation(0), &x, s, 16),
        PoolError::ZeroParam {
            name: "dilation",
            value: [0, 0].to_vec()
        }
    );
    assert_eq!(
        err(&Pool2d::avg(2).divisor_override(0), &x, s, 16),
        PoolError::ZeroDivisor
    );
}

#[test]
fn padding_more_than_half_the_kernel() {
    let x = vec![0.0; 64];
    let e = err(&Pool2d::max(3).padding((2, 1)), &x, [1, 1, 8, 8], 64);
    assert_eq!(
        e,
        PoolError::PaddingTooLarge {
            padding: [2, 1].to_vec(),
            kernel: [3, 3].to_vec()
        }
    );
    assert!(e.to_string().contains("padH = 2"), "{e}");
    // Dilation does not widen the limit (PyTorch checks the plain kernel).
    let e = err(&Pool2d::max(2).padding(2).dilation(3), &x, [1, 1, 8, 8], 64);
    assert!(matches!(e, PoolError::PaddingTooLarge { .. }));
}

#[test]
fn output_too_small_and_empty_input() {
    let e = err(&Pool2d::max(3), &[0.0; 4], [1, 1, 2, 2], 4);
    assert_eq!(
        e,
        PoolError::OutputTooSmall {
            shape: [1, 1, 2, 2].to_vec(),
            output: [0, 0].to_vec()
        }
    );
    assert_eq!(
        e.to_string(),
        "Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small"
    );
    assert_eq!(
        err(&Pool2d::max(1), &[], [1, 0, 4, 4], 4),
        PoolError::EmptyInput {
            shape: [1, 0, 4, 4].to_vec()
        }
    );
    assert_eq!(
        err(&Pool2d::max(1), &[], [1, 1, 4, 0], 4),
        PoolError::EmptyInput {
            shape: [1, 1, 4, 0].to_vec()
        }
    );
    // A window whose dilated reach overflows simply does not fit.
    let e = err(
        &Pool2d::max(2).dilation(usize::MAX),
        &[0.0; 4],
        [1, 1, 2, 2],
        4,
    );
    assert!(matches!(e, PoolError::OutputTooSmall { .. }), "{e}");
}

#[test]
fn batch_zero_is_an_empty_success() {
    let mut out = [SENTINEL; 4];
    assert_eq!(
        Pool2d::max(2).forward(&[], [0, 3, 4, 4], &mut out),
        Ok([0, 3, 2, 2])
    );
    assert_eq!(out, [SENTINEL; 4]);
}

#[test]
fn slice_lengths() {
    let x = vec![1.0; 32];
    let e = err(&Pool2d::max(2), &x[..31], [2, 1, 4, 4], 8);
    assert_eq!(
        e,
        PoolError::InputLength {
            shape: [2, 1, 4, 4].to_vec(),
            expected: 32,
            actual: 31
        }
    );
    let e = err(&Pool2d::max(2), &x, [2, 1, 4, 4], 7);
    assert_eq!(
        e,
        PoolError::OutputLength {
            needed: 8,
            actual: 7
        }
    );
    assert!(e.to_string().contains("needs at least 8"));
    let mut out = [SENTINEL; 8];
    let mut idx = [-1i64; 7];
    let e = Pool2d::max(2)
        .forward_with_indices(&x, [2, 1, 4, 4], &mut out, &mut idx)
        .unwrap_err();
    assert_eq!(
        e,
        PoolError::IndicesLength {
            needed: 8,
            actual: 7
        }
    );
    assert!(out.iter().all(|&v| v == SENTINEL));
    // A longer output is fine: only the prefix is written.
    let mut out = [SENTINEL; 9];
    assert_eq!(
        Pool2d::max(2).forward(&x, [2, 1, 4, 4], &mut out),
        Ok([2, 1, 2, 2])
    );
    assert_eq!(out[8], SENTINEL);
    assert_eq!(out[0], 1.0);
}

#[test]
fn overflowing_shapes() {
    let big = usize::MAX / 2;
    let e = err(&Pool2d::max(1), &[0.0; 4], [big, big, 1, 1], 4);
    assert_eq!(
        e,
        PoolError::Overflow {
            shape: [big, big, 1, 1].to_vec()
        }
    );
    let e = err(&Pool2d::max(1), &[0.0; 4], [1, 1, big, big], 4);
    assert_eq!(
        e,
        PoolError::Overflow {
            shape: [1, 1, big, big].to_vec()
        }
    );
}

#[test]
fn indices_and_avg_only_settings() {
    let x = vec![0.0; 16];
    let mut out = [SENTINEL; 4];
    let mut idx = [0i64; 4];
    let e = Pool2d::avg(2).forward_with_indices(&x, [1, 1, 4, 4], &mut out, &mut idx);
    assert_eq!(e, Err(PoolError::IndicesOnAvg));
    assert_eq!(
        err(&Pool2d::max(2).divisor_override(3), &x, [1, 1, 4, 4], 4),
        PoolError::AvgOnly {
            name: "divisor_override"
        }
    );
    assert_eq!(
        err(
            &Pool2d::max(2).count_include_pad(false),
            &x,
            [1, 1, 4, 4],
            4
        ),
        PoolError::AvgOnly {
            name: "count_include_pad"
        }
    );
}

#[test]
fn forced_isa_the_cpu_lacks() {
    let supported = simdpool::supported_isas();
    let missing: Vec<Isa> = Isa::ALL
        .into_iter()
        .filter(|i| !supported.contains(i))
        .collect();
    assert!(
        !missing.is_empty(),
        "no CPU has every ISA (NEON and AVX2 exclude each other)"
    );
    for isa in missing {
        let e = err(&Pool2d::max(2).isa(isa), &[0.0; 16], [1, 1, 4, 4], 4);
        assert_eq!(
            e,
            PoolError::IsaUnavailable {
                isa,
                source: "Pool2d::isa"
            }
        );
        assert!(e.to_string().contains(isa.name()), "{e}");
        assert_eq!(Pool2d::max(2).isa(isa).resolved_isa(), Err(e));
    }
}

#[test]
fn error_is_std_error() {
    let e: Box<dyn std::error::Error> = Box::new(PoolError::ZeroDivisor);
    assert_eq!(e.to_string(), "divisor_override must be not zero");
}

/// As [`err`], for any builder (the rank-generic errors).
fn err_any<L: simdpool::Layer>(l: &L, input: &[f32], shape: L::Shape) -> PoolError {
    let mut out = vec![SENTINEL; 64];
    let e = l
        .forward(input, shape, &mut out)
        .expect_err("must be rejected");
    assert!(out.iter().all(|&v| v == SENTINEL), "output written on {e}");
    // Shapes do not depend on the ISA: output_shape refuses all else alike.
    if !matches!(e, PoolError::IsaUnavailable { .. }) {
        assert_eq!(l.output_shape(shape), Err(e.clone()));
    }
    e
}

#[test]
fn errors_of_other_ranks_and_onnx_attributes() {
    use simdpool::{AdaptivePool2d, AdaptivePool3d, AutoPad, Pool1d, Pool3d};
    let x = vec![0.0; 64];
    // avg_pool3d's own rule: an input smaller than the kernel, even with padding.
    let e = err_any(&Pool3d::avg(3).padding(1), &x[..32], [1, 1, 2, 4, 4]);
    assert_eq!(
        e,
        PoolError::InputSmallerThanKernel {
            shape: vec![1, 1, 2, 4, 4],
            kernel: vec![3, 3, 3]
        }
    );
    // ...which max_pool3d does not have: a padded window fits there (stride 3:
    // floor((2 + 2 - 3) / 3) + 1 = 1 deep, floor((4 + 2 - 3) / 3) + 1 = 2 high and wide).
    let mut out = [0.0; 64];
    assert_eq!(
        Pool3d::max(3)
            .padding(1)
            .forward(&x[..32], [1, 1, 2, 4, 4], &mut out),
        Ok([1, 1, 1, 2, 2])
    );
    // ONNX pads must each be smaller than the kernel; PyTorch's padding at most half.
    let e = err_any(&Pool1d::max(3).pads(1, 3), &x[..8], [1, 1, 8]);
    assert_eq!(
        e,
        PoolError::PadsTooLarge {
            axis: 0,
            begin: 1,
            end: 3,
            kernel: 3
        }
    );
    assert!(matches!(
        err_any(&Pool3d::max(3).padding((1, 2, 1)), &x, [1, 1, 4, 4, 4]),
        PoolError::PaddingTooLarge { .. }
    ));
    assert_eq!(
        err_any(
            &Pool1d::max(2).auto_pad(AutoPad::SameUpper).ceil_mode(true),
            &x[..8],
            [1, 1, 8]
        ),
        PoolError::CeilModeWithAutoPad
    );
    // VALID pads nothing: a window wider than the input does not fit.
    assert!(matches!(
        err_any(&Pool1d::max(9).auto_pad(AutoPad::Valid), &x[..8], [1, 1, 8]),
        PoolError::OutputTooSmall { .. }
    ));
    assert_eq!(
        err_any(&AdaptivePool2d::avg((0, 3)), &x[..16], [1, 1, 4, 4]),
        PoolError::ZeroOutputSize { output: vec![0, 3] }
    );
    assert_eq!(
        err_any(&AdaptivePool3d::max(1), &[], [1, 1, 0, 4, 4]),
        PoolError::EmptyInput {
            shape: vec![1, 1, 0, 4, 4]
        }
    );
    let mut idx = [0i64; 4];
    assert_eq!(
        AdaptivePool2d::avg(2).forward_with_indices(&x[..16], [1, 1, 4, 4], &mut out, &mut idx),
        Err(PoolError::IndicesOnAvg)
    );
    // The forced-ISA error names the builder that forced it.
    let missing = Isa::ALL
        .into_iter()
        .find(|i| !simdpool::supported_isas().contains(i))
        .expect("no CPU has every ISA");
    assert_eq!(
        err_any(&Pool3d::max(2).isa(missing), &x, [1, 1, 4, 4, 4]),
        PoolError::IsaUnavailable {
            isa: missing,
            source: "Pool3d::isa"
        }
    );
    // A zero batch does not hide an output volume that overflows (found by the nd fuzz
    // target: adaptive output [4, usize::MAX] was accepted for batch 0, then its volume
    // overflowed while renumbering indices).
    assert!(matches!(
        err_any(&AdaptivePool2d::max([4, usize::MAX]), &[], [0, 3, 10, 6]),
        PoolError::Overflow { .. }
    ));
    // A one-tap depth kernel ignores its dilation, however large (found by the nd fuzz
    // target: dilation usize::MAX overflowed the depth taps' arithmetic).
    let x105: Vec<f32> = (0..3 * 7 * 2 * 7).map(|i| i as f32).collect();
    let mut y = [0.0; 64];
    let pool = Pool3d::max(1).stride(3).dilation([usize::MAX, 4, 1]);
    assert_eq!(
        pool.auto_pad(AutoPad::Valid)
            .forward(&x105, [1, 3, 7, 2, 7], &mut y),
        Ok([1, 3, 3, 1, 3])
    );
    assert_eq!(&y[..3], &[0.0, 3.0, 6.0]);
    // Overflowing 3-D shapes are refused, not wrapped.
    let big = usize::MAX / 4;
    assert!(matches!(
        err_any(&Pool3d::max(1), &x, [1, 1, big, big, 4]),
        PoolError::Overflow { .. }
    ));
}
