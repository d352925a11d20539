//! LP pooling (issue 14): PyTorch's `lp_pool*d` and ONNX's `LpPool` (whose 8 node tests run
//! in `onnx_nodes.rs`), and its errors.

use simdpool::{Pool1d, Pool2d, PoolError};

#[test]
fn lp_pooling_matches_pytorch() {
    let [matched, beyond] = crate::common::lp::fixtures_match(true).unwrap();
    eprintln!("{matched} matched, {beyond} beyond PyTorch");
    // 110 cases; 6 are f16/bf16 3-D, which PyTorch 2.15 lacks (avg_pool3d) and we compute.
    assert_eq!([matched, beyond], [104, 6]);
}

/// d2l.ai-sized by hand: windows [−1, 2], [−3, 4], then 5 alone (ceil mode).
#[test]
fn lp_formulas() {
    let x = [-1.0f32, 2.0, -3.0, 4.0, 5.0];
    let mut y = [0.0f32; 3];
    // PyTorch, p = 2: sqrt(avg(x²)·2) = sqrt(Σx²) on full windows; the ceil-mode window
    // holds one tap but is still multiplied by the kernel's 2 (PyTorch's formula):
    // sqrt(25/1·2).
    Pool1d::lp(2.0, 2)
        .ceil_mode(true)
        .forward(&x, [1, 1, 5], &mut y)
        .unwrap();
    assert_eq!(y, [5f32.sqrt(), 5.0, 50f32.sqrt()]);
    // p = 3 on a negative sum (−1 + 8 = 7 is fine; −27 + 64 = 37 too); p = 1.5 of a
    // negative tap is NaN at once.
    let mut z = [0.0f32; 2];
    Pool1d::lp(1.5, 2)
        .forward(&x[..4], [1, 1, 4], &mut z)
        .unwrap();
    assert!(z.iter().all(|v| v.is_nan()));
    // ONNX: (Σ|x|^p)^(1/p) over in-bounds taps.
    Pool1d::lp(1.0, 2)
        .lp_abs(true)
        .ceil_mode(true)
        .forward(&x, [1, 1, 5], &mut y)
        .unwrap();
    assert_eq!(y, [3.0, 7.0, 5.0]);
}

#[test]
fn lp_errors() {
    let x = [1.0f32; 16];
    let mut y = [7.0f32; 4];
    let l = Pool2d::lp(2.0, 2);
    let mut idx = [0i64; 4];
    let cases = [
        (
            PoolError::NotForLp {
                name: "count_include_pad",
            },
            l.clone()
                .count_include_pad(false)
                .forward(&x, [1, 1, 4, 4], &mut y)
                .map(|_| ()),
        ),
        (
            PoolError::NotForLp {
                name: "divisor_override",
            },
            l.clone()
                .divisor_override(3)
                .forward(&x, [1, 1, 4, 4], &mut y)
                .map(|_| ()),
        ),
        (
            PoolError::IndicesOnAvg,
            l.forward_with_indices(&x, [1, 1, 4, 4], &mut y, &mut idx)
                .map(|_| ()),
        ),
        (
            PoolError::TypeUnsupported {
                op: "LP pooling",
                dtype: simdpool::DType::U8,
            },
            l.forward(&[1u8; 16], [1, 1, 4, 4], &mut [0u8; 4])
                .map(|_| ()),
        ),
        (
            PoolError::NotForLp { name: "backward" },
            l.backward(&[1.0f32; 4], [1, 1, 4, 4], &mut [0.0; 16]),
        ),
        (
            PoolError::OutputLength {
                needed: 4,
                actual: 3,
            },
            l.forward(&x, [1, 1, 4, 4], &mut y[..3]).map(|_| ()),
        ),
    ];
    for (want, got) in cases {
        assert_eq!(got, Err(want.clone()));
    }
    assert!(y.iter().all(|&v| v == 7.0), "written on error");
}

/// Inputs large enough for the element-wise passes to split over rayon: every special
/// exponent and both formulas give the serial call's bits, and each output is its window's
/// formula computed here in PyTorch's order.
#[test]
fn lp_split_passes_match_serial() {
    let shape = [1, 8, 96, 96]; // 73,728 elements: two tasks and more
    let n: usize = shape.iter().product();
    let x: Vec<f32> = (0..n)
        .map(|i| ((i * 7919) % 97) as f32 * 0.1 - 4.0)
        .collect();
    for p in [1.0f32, 2.0, 3.0, 0.5, 2.5] {
        for abs in [false, true] {
            let layer = Pool2d::lp(p, 2).lp_abs(abs);
            let out = layer.output_shape(shape).unwrap();
            let len: usize = out.iter().product();
            let (mut a, mut b) = (vec![0.0f32; len], vec![0.0f32; len]);
            layer
                .clone()
                .parallel(true)
                .forward(&x, shape, &mut a)
                .unwrap();
            layer.parallel(false).forward(&x, shape, &mut b).unwrap();
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "p = {p}, abs = {abs}");
            // Output (0, 0, 0, 1): taps x[2], x[3], x[98], x[99] for p = 2 without abs:
            // sqrt(avg(x²)·4), PyTorch's steps.
            if p == 2.0 && !abs {
                let t = [x[2], x[3], x[98], x[99]];
                let avg = t.iter().map(|v| v * v).fold(0.0f32, |s, v| s + v) / 4.0;
                assert_eq!(a[1], (avg * 4.0).sqrt());
            }
        }
    }
}
