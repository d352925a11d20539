//! Stochastic pooling (issue 14; Zeiler & Fergus 2013, no PyTorch reference): sampling
//! frequencies against the probabilities, the evaluation formula, the special windows
//! (negative, all zero, NaN), reproducibility in every layout and split, and errors.

use simdpool::{Layout, PoolError, StochasticPool2d};

/// `planes` copies of one 2×3 window, each plane drawing once from its own stream: the
/// count of each tap across planes.
fn draws(window: [f32; 6], planes: usize, seed: u64) -> [usize; 6] {
    let x: Vec<f32> = (0..planes).flat_map(|_| window).collect();
    let (mut y, mut ix) = (vec![0.0f32; planes], vec![0i64; planes]);
    StochasticPool2d::new([2, 3])
        .forward_train(seed, &x, [1, planes, 2, 3], &mut y, &mut ix)
        .unwrap();
    let mut counts = [0; 6];
    for (v, i) in y.iter().zip(&ix) {
        assert_eq!(*v, window[*i as usize], "output is the picked element");
        counts[*i as usize] += 1;
    }
    counts
}

/// Frequencies within 5 standard deviations of `p` (a binomial's), and exactly 0 where
/// `p` is 0.
fn frequencies_match(counts: [usize; 6], p: [f64; 6]) {
    let n: usize = counts.iter().sum();
    for (k, (&c, &p)) in counts.iter().zip(&p).enumerate() {
        let f = c as f64 / n as f64;
        let sigma = (p * (1.0 - p) / n as f64).sqrt();
        assert!(
            (f - p).abs() <= 5.0 * sigma,
            "tap {k}: frequency {f}, probability {p}"
        );
        if p == 0.0 {
            assert_eq!(c, 0, "tap {k} has no weight");
        }
    }
}

#[test]
fn sampling_frequencies_follow_the_probabilities() {
    // Weights 0, 1, 2, 3, 4, 0 (the negative weighs nothing): p = w / 10.
    let window = [0.0, 1.0, 2.0, 3.0, 4.0, -5.0];
    let mut counts = [0; 6];
    for seed in 0..4 {
        let c = draws(window, 10_000, seed);
        (0..6).for_each(|k| counts[k] += c[k]);
    }
    frequencies_match(counts, [0.0, 0.1, 0.2, 0.3, 0.4, 0.0]);
    // No weight anywhere: uniform over the window.
    let c = draws([0.0, -1.0, 0.0, -2.0, 0.0, 0.0], 30_000, 9);
    frequencies_match(c, [1.0 / 6.0; 6]);
}

#[test]
fn evaluation_is_the_probability_weighted_average() {
    let pool = StochasticPool2d::new(2);
    let mut y = [0.0f32; 4];
    let x = [
        1.0,
        3.0,
        0.0,
        0.0, //
        2.0,
        4.0,
        0.0,
        0.0, //
        -1.0,
        -2.0,
        5.0,
        f32::NAN, //
        3.0,
        0.0,
        1.0,
        1.0,
    ];
    pool.forward_eval(&x, [1, 1, 4, 4], &mut y).unwrap();
    // (1 + 9 + 4 + 16) / 10; all zero: 0; negatives weigh nothing: 9 / 3; NaN: NaN.
    assert_eq!(y[..3], [3.0, 0.0, 3.0]);
    assert!(y[3].is_nan());
    let mut ix = [0i64; 4];
    pool.forward_train(1, &x, [1, 1, 4, 4], &mut y, &mut ix)
        .unwrap();
    assert_eq!(ix[2], 12, "the only weighted tap, the 3");
    assert_eq!(ix[3], 11, "the first NaN");
    assert!(y[3].is_nan());
}

#[test]
fn training_is_reproducible_in_every_layout_and_split() {
    let shape = [2, 7, 9, 11];
    let n: usize = shape.iter().product();
    let x: Vec<f32> = (0..n).map(|v| ((v * 7919) % 23) as f32 - 5.0).collect();
    let pool = StochasticPool2d::new([3, 2]).stride([2, 2]);
    let out = pool.output_shape(shape).unwrap();
    let m: usize = out.iter().product();
    let run = |p: &StochasticPool2d, last: bool, seed: u64| {
        let (mut y, mut ix) = (vec![0.0f32; m], vec![0i64; m]);
        let xl = if last {
            crate::common::relayout(&x, &shape, true)
        } else {
            x.clone()
        };
        let p = p.clone().layout(if last {
            Layout::ChannelsLast
        } else {
            Layout::ChannelsFirst
        });
        p.forward_train(seed, &xl, shape, &mut y, &mut ix).unwrap();
        if last {
            (
                crate::common::relayout(&y, &out, false),
                crate::common::relayout(&ix, &out, false),
            )
        } else {
            (y, ix)
        }
    };
    let a = run(&pool, false, 5);
    assert_eq!(a, run(&pool.clone().parallel(false), false, 5));
    assert_eq!(a, run(&pool, true, 5));
    assert_eq!(a, run(&pool.clone().parallel(false), true, 5));
    assert_ne!(a.1, run(&pool, false, 6).1, "another seed, other picks");
    let mut e1 = vec![0.0f32; m];
    pool.forward_eval(&x, shape, &mut e1).unwrap();
    let mut e2 = vec![0.0f32; m];
    let xl = crate::common::relayout(&x, &shape, true);
    pool.clone()
        .layout(Layout::ChannelsLast)
        .forward_eval(&xl, shape, &mut e2)
        .unwrap();
    assert_eq!(e1, crate::common::relayout(&e2, &out, false));
}

#[test]
fn bad_calls_are_typed_errors() {
    let x = [1.0f32; 16];
    let (mut y, mut ix) = ([7.0f32; 4], [7i64; 4]);
    let p = StochasticPool2d::new(2);
    assert_eq!(
        p.forward_train(1, &x[..15], [1, 1, 4, 4], &mut y, &mut ix),
        Err(PoolError::InputLength {
            shape: vec![1, 1, 4, 4],
            expected: 16,
            actual: 15
        })
    );
    assert_eq!(
        p.forward_train(1, &x, [1, 1, 4, 4], &mut y, &mut ix[..3]),
        Err(PoolError::IndicesLength {
            needed: 4,
            actual: 3
        })
    );
    assert_eq!(
        p.forward_eval(&x, [1, 1, 4, 4], &mut y[..3]),
        Err(PoolError::OutputLength {
            needed: 4,
            actual: 3
        })
    );
    assert!(matches!(
        StochasticPool2d::new(5).forward_eval(&x, [1, 1, 4, 4], &mut y),
        Err(PoolError::OutputTooSmall { .. })
    ));
    assert!(matches!(
        StochasticPool2d::new(2)
            .stride(0)
            .forward_eval(&x, [1, 1, 4, 4], &mut y),
        Err(PoolError::ZeroParam { name: "stride", .. })
    ));
    assert!(
        y.iter().all(|&v| v == 7.0) && ix.iter().all(|&v| v == 7),
        "written on error"
    );
}
