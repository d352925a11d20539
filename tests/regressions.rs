//! Reproduced bugs, pinned (issue 9). The small forms run on every ISA in the normal suite
//! (and under qemu through `serial_grid`); the original 4096² reproductions are ignored by
//! default (64 MiB inputs): `cargo test --release --test regressions -- --ignored`.
mod common;

use simdpool::Pool2d;

#[test]
fn issue9_small_forms() {
    for isa in common::isas() {
        common::issue9_regressions(isa).unwrap();
    }
}

/// Row 4095 of a 4096² plane alternating 1, 2, zeros elsewhere: the reported shapes.
#[test]
#[ignore = "64 MiB input; run with --ignored"]
fn issue9_argmax_4096_squared() {
    let n = 4096usize;
    let mut x = vec![0.0f32; n * n];
    for (i, v) in x[(n - 1) * n..].iter_mut().enumerate() {
        *v = 1.0 + (i % 2) as f32;
    }
    let shape = [1, 1, n, n];
    for pool in [
        Pool2d::max((n + 1, 3)).padding(1).stride(1),
        Pool2d::max(3).padding(1).dilation((2048, 2041)),
    ] {
        // Every window reaching row 4095 picks its first 2 there; the reference says where.
        let (want, want_idx) = simdpool::reference::forward(&pool, &x, shape).unwrap();
        for isa in common::isas() {
            let mut out = vec![0.0; want.len()];
            let mut idx = vec![0i64; want.len()];
            pool.clone()
                .isa(isa)
                .forward_with_indices(&x, shape, &mut out, &mut idx)
                .unwrap();
            let bad = (0..want.len()).filter(|&i| idx[i] != want_idx[i]).count();
            assert_eq!(
                bad,
                0,
                "[{isa}] {pool:?}: {bad} of {} indices differ",
                want.len()
            );
            assert!(out
                .iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }
}

/// Found by the nd fuzz target: ONNX SAME padding with a huge dilation or kernel puts
/// windows far into the padding. Clipped border vectors shifted a lane mask by the far-left
/// tap's lane count (AVX-512: shift overflow) and looped over all 2^32 taps of the kernel
/// (timeouts); now they clamp the lanes and visit only taps near the row.
#[test]
fn same_padding_with_huge_windows() {
    use simdpool::{AutoPad, Pool1d};
    let x: Vec<f32> = (0..2 * 3 * 63).map(|i| (i % 11) as f32 - 5.0).collect();
    let y: Vec<f32> = (0..3 * 9 * 8).map(|i| (i % 7) as f32).collect();
    let z: Vec<f32> = (0..2 * 2 * 9 * 18).map(|i| (i % 5) as f32).collect();
    let huge_dilation = Pool1d::avg(6)
        .stride(2)
        .dilation(u32::MAX as usize)
        .auto_pad(AutoPad::SameLower);
    let huge_kernel = Pool2d::avg((3, u32::MAX as usize - 1))
        .stride((3, 1))
        .dilation(3)
        .auto_pad(AutoPad::SameLower);
    let huge_kernel_upper = Pool2d::avg((1, 1usize << 32))
        .stride(2)
        .dilation(3)
        .auto_pad(AutoPad::SameUpper);
    for isa in common::isas() {
        for par in [false, true] {
            common::check_reference(isa, &huge_dilation, [2, 3, 63], &x, par).unwrap();
            common::check_reference(isa, &huge_kernel, [1, 3, 9, 8], &y, par).unwrap();
            common::check_reference(isa, &huge_kernel_upper, [2, 2, 9, 18], &z, par).unwrap();
        }
    }
}

/// Found by the nd fuzz target: a 3-D average whose window reaches far into (ONNX) padding
/// counts more than 2^64 padded taps (here 2^22 per axis: 2^66); the depth path multiplied
/// them in `u64` (debug: overflow panic). Both it and the reference now form the product
/// in saturating `u128`, rounded once to `f32`.
#[test]
fn include_pad_divisor_past_u64() {
    use simdpool::Pool3d;
    let k = 1usize << 22;
    let pool = Pool3d::avg(k).stride(1).pads([k / 2; 3], [k / 2; 3]);
    let shape = [1, 2, 2, 1, 1];
    let x = [3.0f32, -5.0, 0.5, 7.0];
    for isa in common::isas() {
        common::check_reference(isa, &pool, shape, &x, true).unwrap_or_else(|e| panic!("{e}"));
    }
}
