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
