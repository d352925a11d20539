//! Fractional max pooling (issue 14): PyTorch's values and indices from its samples, seeded
//! runs reproducible serial or split, and typed errors.

use simdpool::{FractionalMaxPool2d, FractionalMaxPool3d, PoolError};

#[test]
fn fractional_matches_pytorch() {
    let counts = crate::common::fractional::fixtures_match(true).unwrap();
    eprintln!("[matched, rejected, empty] = {counts:?}");
    // 92 cases: pooled bit for bit with PyTorch's indices, or refused as PyTorch refuses
    // them (windows that do not fit; 3-D's rule is strict), or (a ratio giving an output
    // size of 0) empty in PyTorch and refused here.
    assert_eq!(counts, [67, 24, 1]);
}

/// The README's example by hand: 7×7 values 0..49, 2×2 windows, 3×3 outputs, samples
/// (w 0.3, h 0.7): alpha = (7 − 2)/(3 − 1) = 2.5, so rows start at 0, int(1.7·2.5) −
/// int(0.7·2.5) = 3, and 5; columns at 0, int(1.3·2.5) − int(0.3·2.5) = 3, and 5.
#[test]
fn intervals_by_hand() {
    let x: Vec<f32> = (0..49).map(|v| v as f32).collect();
    let pool = FractionalMaxPool2d::new(2).output_size(3);
    let (mut y, mut ix) = ([0.0f32; 9], [0i64; 9]);
    pool.forward_with_samples(&x, [1, 1, 7, 7], &[0.3, 0.7], &mut y, &mut ix)
        .unwrap();
    assert_eq!(ix, [8, 11, 13, 29, 32, 34, 43, 46, 48]);
    assert_eq!(y, ix.map(|i| i as f32));
}

#[test]
fn seeded_runs_are_reproducible() {
    let shape = [2, 5, 17, 19];
    let x: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|v| ((v * 7919) % 1013) as f32)
        .collect();
    let pool = FractionalMaxPool2d::new([2, 3]).output_ratio([0.6, 0.5]);
    let out = pool.output_shape(shape).unwrap();
    let n: usize = out.iter().product();
    let run = |p: &FractionalMaxPool2d, seed| {
        let (mut y, mut ix) = (vec![0.0f32; n], vec![0i64; n]);
        p.forward_seeded(seed, &x, shape, &mut y, &mut ix).unwrap();
        (y, ix)
    };
    let a = run(&pool, 42);
    assert_eq!(a, run(&pool.clone().parallel(false), 42));
    assert_eq!(a, run(&pool, 42));
    assert_ne!(a.1, run(&pool, 43).1, "another seed, other windows");
    // The seeded call is the sampled call with its samples, all in [0, 1).
    let s = FractionalMaxPool2d::seeded_samples(42, shape);
    assert_eq!(s.len(), 2 * 5 * 2);
    assert!(s.iter().all(|v| (0.0..1.0).contains(v)));
    let (mut y, mut ix) = (vec![0.0f32; n], vec![0i64; n]);
    pool.forward_with_samples(&x, shape, &s, &mut y, &mut ix)
        .unwrap();
    assert_eq!((y, ix), a);
}

#[test]
fn bad_calls_are_typed_errors() {
    let x = [0.0f32; 49];
    let (mut y, mut ix) = ([7.0f32; 9], [7i64; 9]);
    let s = [0.5f32, 0.5];
    let p = FractionalMaxPool2d::new(2);
    let cases = [
        (PoolError::FractionalTarget { ratio: None }, p.clone()),
        (
            PoolError::FractionalTarget {
                ratio: Some("1".into()),
            },
            p.clone().output_ratio([0.5, 1.0]),
        ),
        (
            PoolError::FractionalTooLarge {
                axis: "width",
                kernel: 2,
                input: 7,
                output: 7,
            },
            p.clone().output_size([3, 7]),
        ),
        (
            PoolError::ZeroParam {
                name: "kernel_size",
                value: vec![0, 2],
            },
            FractionalMaxPool2d::new([0, 2]).output_size(3),
        ),
    ];
    for (want, layer) in cases {
        assert_eq!(
            layer.forward_with_samples(&x, [1, 1, 7, 7], &s, &mut y, &mut ix),
            Err(want)
        );
    }
    let p = p.output_size(3);
    assert_eq!(
        p.forward_with_samples(&x, [1, 1, 7, 7], &s[..1], &mut y, &mut ix),
        Err(PoolError::SamplesLength {
            expected: 2,
            actual: 1
        })
    );
    for bad in [1.0f32, -0.1, f32::NAN] {
        let e = p.forward_with_samples(&x, [1, 1, 7, 7], &[0.2, bad], &mut y, &mut ix);
        assert!(
            matches!(e, Err(PoolError::SampleOutOfRange { position: 1, .. })),
            "{e:?}"
        );
    }
    assert_eq!(
        p.forward_seeded(1, &x[..48], [1, 1, 7, 7], &mut y, &mut ix),
        Err(PoolError::InputLength {
            shape: vec![1, 1, 7, 7],
            expected: 49,
            actual: 48
        })
    );
    // 3-D is strict: out + k − 1 must stay below the input.
    let p3 = FractionalMaxPool3d::new(1).output_size([2, 2, 2]);
    assert!(matches!(
        p3.output_shape([1, 1, 2, 3, 3]),
        Err(PoolError::FractionalTooLarge { axis: "time", .. })
    ));
    assert!(
        y.iter().all(|&v| v == 7.0) && ix.iter().all(|&v| v == 7),
        "written on error"
    );
}

/// Channels-last pools every channel of an output pixel in one pass, split by output rows:
/// the same values and indices as channels-first on the same logical tensor, serial and
/// split, 2-D and 3-D, with NaNs and ties.
#[test]
fn channels_last_rows_match_channels_first() {
    use simdpool::{FractionalMaxPool3d, Layout};
    fn check<const S: usize>(
        shape: [usize; S],
        run: impl Fn(Layout, bool, &[f32], &mut [f32], &mut [i64]),
        out_len: usize,
    ) {
        let n: usize = shape.iter().product();
        let x: Vec<f32> = (0..n)
            .map(|v| match v % 53 {
                0 => f32::NAN,
                r => (r % 7) as f32,
            })
            .collect();
        let x_last = crate::common::relayout(&x, &shape, true);
        let (mut y, mut ix) = (vec![0.0f32; out_len], vec![0i64; out_len]);
        run(Layout::ChannelsFirst, true, &x, &mut y, &mut ix);
        for parallel in [false, true] {
            let (mut yl, mut il) = (vec![0.0f32; out_len], vec![0i64; out_len]);
            run(Layout::ChannelsLast, parallel, &x_last, &mut yl, &mut il);
            // Back to channels-first order: pixel-major with `c` channels.
            let (b, c) = (shape[0], shape[1]);
            let per = out_len / (b * c);
            for img in 0..b {
                for ch in 0..c {
                    for p in 0..per {
                        let first = (img * c + ch) * per + p;
                        let last = (img * per + p) * c + ch;
                        assert!(
                            yl[last].to_bits() == y[first].to_bits()
                                || (yl[last].is_nan() && y[first].is_nan()),
                            "value {first}"
                        );
                        assert_eq!(il[last], ix[first], "index {first}");
                    }
                }
            }
        }
    }
    let shape = [2, 7, 40, 44];
    let pool = FractionalMaxPool2d::new([2, 3]).output_ratio([0.6, 0.5]);
    let out_len: usize = pool.output_shape(shape).unwrap().iter().product();
    check(
        shape,
        |l, par, x, y, i| {
            let p = pool.clone().layout(l).parallel(par);
            p.forward_seeded(9, x, shape, y, i).unwrap();
        },
        out_len,
    );
    let shape = [1, 5, 12, 14, 16];
    let pool = FractionalMaxPool3d::new(2).output_size([5, 6, 7]);
    let out_len: usize = pool.output_shape(shape).unwrap().iter().product();
    check(
        shape,
        |l, par, x, y, i| {
            let p = pool.clone().layout(l).parallel(par);
            p.forward_seeded(3, x, shape, y, i).unwrap();
        },
        out_len,
    );
}
