//! Max-unpooling (issue 14): PyTorch's outputs bit for bit, the round trip through max
//! pooling, and typed errors with nothing written.

use simdpool::{IndexStyle, MaxUnpool2d, Pool2d, PoolError};

#[test]
fn unpooling_matches_pytorch() {
    let [matched, rejected] = crate::common::unpool::fixtures_match(true).unwrap();
    eprintln!("{matched} matched, {rejected} rejected");
    // 144 cases from tools/gen_fixtures_unpool.py: 4 refused by PyTorch (index past the
    // plane, negative index, output sizes below and above the range).
    assert_eq!([matched, rejected], [140, 4]);
}

/// d2l.ai §7.5.1's input max-pooled 2×2 with stride 1 and unpooled: each maximum back at
/// its place, everything else zero; in ONNX's flat indices too.
#[test]
fn d2l_round_trip() {
    let x: Vec<f32> = (0..9).map(|v| v as f32).collect();
    let pool = Pool2d::max(2).stride(1);
    let (mut y, mut idx) = ([0.0; 4], [0i64; 4]);
    pool.forward_with_indices(&x, [1, 1, 3, 3], &mut y, &mut idx)
        .unwrap();
    let unpool = MaxUnpool2d::new(2).stride(1);
    let mut back = [f32::NAN; 9];
    let shape = unpool
        .forward(&y, &idx, [1, 1, 2, 2], Some([3, 3]), &mut back)
        .unwrap();
    assert_eq!(shape, [1, 1, 3, 3]);
    assert_eq!(back, [0.0, 0.0, 0.0, 0.0, 4.0, 5.0, 0.0, 7.0, 8.0]);
    // Two planes, ONNX's indices flat over the tensor.
    let x2: Vec<f32> = (0..18).map(|v| v as f32).collect();
    let pool = pool.index_style(IndexStyle::Tensor);
    let (mut y, mut idx) = ([0.0; 8], [0i64; 8]);
    pool.forward_with_indices(&x2, [1, 2, 3, 3], &mut y, &mut idx)
        .unwrap();
    assert_eq!(idx, [4, 5, 7, 8, 13, 14, 16, 17]);
    let mut back = [f32::NAN; 18];
    let unpool = unpool.index_style(IndexStyle::Tensor);
    unpool
        .forward(&y, &idx, [1, 2, 2, 2], Some([3, 3]), &mut back)
        .unwrap();
    let want: Vec<f32> = (0..18)
        .map(|i| if idx.contains(&i) { i as f32 } else { 0.0 })
        .collect();
    assert_eq!(back.to_vec(), want);
}

#[test]
fn bad_calls_are_typed_errors_and_write_nothing() {
    let u = MaxUnpool2d::new(2);
    let v = [1.0f32; 4];
    let ix = [0i64, 1, 2, 3];
    let mut out = [7.0f32; 16];
    let s = [1, 1, 2, 2];
    let cases: Vec<(PoolError, Result<[usize; 4], PoolError>)> = vec![
        (
            PoolError::ZeroParam {
                name: "stride",
                value: vec![0, 2],
            },
            u.clone().stride([0, 2]).forward(&v, &ix, s, None, &mut out),
        ),
        (
            PoolError::InputLength {
                shape: s.to_vec(),
                expected: 4,
                actual: 3,
            },
            u.forward(&v[..3], &ix, s, None, &mut out),
        ),
        (
            PoolError::IndicesLength {
                needed: 4,
                actual: 3,
            },
            u.forward(&v, &ix[..3], s, None, &mut out),
        ),
        (
            PoolError::OutputLength {
                needed: 16,
                actual: 15,
            },
            u.forward(&v, &ix, s, None, &mut out[..15]),
        ),
        (
            PoolError::IndexOutOfRange {
                position: 3,
                index: 16,
                volume: 16,
            },
            u.forward(&v, &[0, 1, 2, 16], s, None, &mut out),
        ),
        (
            PoolError::UnpoolOutputSize {
                output: vec![4, 6],
                axis: 1,
                min: 2,
                max: 6,
            },
            u.forward(&v, &ix, s, Some([4, 6]), &mut out),
        ),
        (
            PoolError::OutputTooSmall {
                shape: s.to_vec(),
                output: vec![0, 0],
            },
            u.clone().padding(2).forward(&v, &ix, s, None, &mut out),
        ),
        (
            PoolError::EmptyInput {
                shape: vec![1, 0, 2, 2],
            },
            u.forward(&v[..0], &ix[..0], [1, 0, 2, 2], None, &mut out),
        ),
    ];
    for (want, got) in cases {
        assert_eq!(got, Err(want.clone()));
        assert!(!want.to_string().is_empty());
    }
    assert!(out.iter().all(|&v| v == 7.0), "written on error");
    // Absurd parameters are errors, never a panic or a wrapped size.
    for (k, st, p) in [
        (usize::MAX, usize::MAX, 0),
        (3, usize::MAX / 2, 0),
        (2, 2, usize::MAX),
    ] {
        let u = MaxUnpool2d::new(k).stride(st).padding(p);
        assert!(u
            .forward(&[1.0f32; 9], &[0; 9], [1, 1, 3, 3], None, &mut out)
            .is_err());
        assert!(u.output_shape([1, 1, 3, 3], Some([4, 4])).is_err());
    }
    // A zero batch is an empty success.
    assert_eq!(
        u.forward::<f32>(&[], &[], [0, 1, 2, 2], None, &mut []),
        Ok([0, 1, 4, 4])
    );
    // Integer types unpool too (PyTorch 2.15 has no integer max_unpool; it is a plain copy).
    let mut o8 = [9u8; 16];
    u.forward(&[1u8, 2, 3, 4], &[0, 5, 10, 15], s, None, &mut o8)
        .unwrap();
    assert_eq!(o8, [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4]);
}

/// ONNX's `output_shape` pads the default-sized result; a smaller one is refused.
#[test]
fn onnx_output_shape_pads_the_default_result() {
    let u = MaxUnpool2d::new(2).onnx(true);
    let mut y = [f32::NAN; 25];
    u.forward(
        &[5.0f32, 6.0, 7.0, 8.0],
        &[5, 7, 13, 15],
        [1, 1, 2, 2],
        Some([5, 5]),
        &mut y,
    )
    .unwrap();
    // Indices 5, 7, 13, 15 of the default 4×4 plane: (1,1), (1,3), (3,1), (3,3).
    let at = |y: usize, x: usize| y * 5 + x;
    for (i, v) in y.iter().enumerate() {
        let want = [
            (at(1, 1), 5.0),
            (at(1, 3), 6.0),
            (at(3, 1), 7.0),
            (at(3, 3), 8.0),
        ]
        .iter()
        .find(|(p, _)| *p == i)
        .map_or(0.0, |&(_, v)| v);
        assert_eq!(*v, want, "element {i}");
    }
    let e = u.forward(
        &[1.0f32; 4],
        &[0, 1, 2, 3],
        [1, 1, 2, 2],
        Some([3, 5]),
        &mut y,
    );
    assert!(
        matches!(
            e,
            Err(PoolError::UnpoolOutputSize {
                axis: 0,
                min: 3,
                ..
            })
        ),
        "{e:?}"
    );
}

/// Arbitrary indices, output sizes and lengths, both layouts and styles: never a panic;
/// a refused call writes nothing; an accepted one writes exactly the output.
#[test]
fn arbitrary_calls_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x09);
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..3000 {
        let shape = [
            rng.gen_range(0..3),
            rng.gen_range(1..4),
            rng.gen_range(1..5),
            rng.gen_range(1..5),
        ];
        let mut u = MaxUnpool2d::new(rng.gen_range(1..4))
            .stride(rng.gen_range(1..4))
            .padding(rng.gen_range(0..2))
            .onnx(rng.gen_bool(0.2));
        if rng.gen_bool(0.5) {
            u = u.layout(simdpool::Layout::ChannelsLast);
        }
        if rng.gen_bool(0.3) {
            u = u.index_style(IndexStyle::Tensor);
        }
        let out = rng
            .gen_bool(0.3)
            .then(|| [rng.gen_range(1..12), rng.gen_range(1..12)]);
        let len: usize = shape.iter().product();
        let ix: Vec<i64> = (0..len)
            .map(|_| match rng.gen_range(0..30) {
                0 => rng.gen(),
                1 => -1,
                _ => rng.gen_range(0..40),
            })
            .collect();
        let v = vec![1.0f32; len];
        let mut y = vec![f32::NAN; 600];
        match u.forward(&v, &ix, shape, out, &mut y) {
            Ok(s) => {
                let n: usize = s.iter().product();
                assert!(y[..n].iter().all(|v| !v.is_nan()) && y[n..].iter().all(|v| v.is_nan()));
                accepted += 1;
            }
            Err(_) => {
                assert!(y.iter().all(|v| v.is_nan()));
                refused += 1;
            }
        }
    }
    eprintln!("{accepted} accepted, {refused} refused");
    assert!(accepted > 300 && refused > 300);
}
