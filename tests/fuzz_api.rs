//! Hammers the public API with random and absurd parameters, shapes and slices (seeded):
//! every call must return an error (writing nothing) or agree with the reference (values,
//! indices, nothing written past the output), and never panic.
mod common;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simdpool::{reference, Kind, Pool2d};

fn size(rng: &mut StdRng) -> usize {
    match rng.gen_range(0..24) {
        0 => 0,
        1 => usize::MAX,
        2 => usize::MAX / 2 + rng.gen_range(0..3),
        3 => 1 << rng.gen_range(20..63),
        _ => rng.gen_range(1..9),
    }
}

#[test]
fn random_calls_error_or_match_the_reference() {
    let mut rng = StdRng::seed_from_u64(0xf022);
    let isas = common::isas();
    let (mut ok, mut rejected) = (0, 0);
    for _ in 0..20_000 {
        let (kh, kw) = (size(&mut rng), size(&mut rng));
        let mut pool = if rng.gen_bool(0.5) {
            Pool2d::max((kh, kw))
        } else {
            Pool2d::avg((kh, kw))
        };
        if rng.gen_bool(0.7) {
            pool = pool.stride((size(&mut rng), size(&mut rng)));
        }
        if rng.gen_bool(0.5) {
            pool = pool.padding((size(&mut rng) % 4, size(&mut rng) % 4));
        }
        if rng.gen_bool(0.3) {
            pool = pool.dilation((size(&mut rng), size(&mut rng)));
        }
        if rng.gen_bool(0.1) {
            pool = pool.divisor_override(size(&mut rng));
        }
        if rng.gen_bool(0.1) {
            pool = pool.count_include_pad(rng.gen());
        }
        pool = pool
            .ceil_mode(rng.gen())
            .isa(isas[rng.gen_range(0..isas.len())]);
        let shape = [
            size(&mut rng),
            size(&mut rng),
            size(&mut rng),
            size(&mut rng),
        ];
        // Slices of plausible or wrong length; never allocate an absurd one.
        let exact = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .filter(|&n| n <= 4096);
        let in_len = match (exact, rng.gen_range(0..4)) {
            (Some(n), 0..=2) => n,
            (Some(n), _) => n.saturating_sub(1),
            (None, _) => rng.gen_range(0..64),
        };
        let input = common::nasty(&mut rng, in_len);
        let want = pool
            .output_shape(shape)
            .ok()
            .map(|s| s.iter().product::<usize>());
        let out_len = want
            .filter(|&n| n <= 4096)
            .map(|n| n - usize::from(rng.gen_bool(0.1) && n > 0))
            .unwrap_or(8);
        // Guard elements after each slice: nothing may be written there, nor anywhere on
        // error.
        let mut out_buf = vec![common::GUARD; out_len + common::GUARDS];
        let mut idx_buf = vec![-7i64; out_len + common::GUARDS];
        let with_idx = pool.kind() == Kind::Max && rng.gen_bool(0.5);
        let call = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let (out, idx) = (&mut out_buf[..out_len], &mut idx_buf[..out_len]);
            if with_idx {
                pool.forward_with_indices(&input, shape, out, idx)
            } else {
                pool.forward(&input, shape, out)
            }
        }));
        let Ok(r) = call else {
            panic!(
                "panicked: {pool:?} shape {shape:?} input {} output {out_len} indices {with_idx}",
                input.len()
            );
        };
        let (out, tail) = out_buf.split_at(out_len);
        let (idx, idx_tail) = idx_buf.split_at(out_len);
        assert!(
            tail.iter().all(|v| v.to_bits() == common::GUARD.to_bits())
                && idx_tail.iter().all(|&i| i == -7),
            "{pool:?} {shape:?}: wrote past the output"
        );
        match r {
            Err(e) => {
                assert!(!e.to_string().is_empty());
                assert!(
                    out.iter().all(|v| v.to_bits() == common::GUARD.to_bits())
                        && idx.iter().all(|&i| i == -7),
                    "{pool:?} {shape:?}: output written on error {e}"
                );
                rejected += 1;
            }
            Ok(s) => {
                assert_eq!(pool.output_shape(shape), Ok(s));
                let n = s.iter().product::<usize>();
                let (want, want_idx) =
                    reference::forward(&pool, &input, shape).expect("reference agrees it is valid");
                assert_eq!(want.len(), n);
                // The summation-order bound: any order of the same taps is within
                // (taps - 1) · eps · Σ|x| of another, so within taps · eps · (the average of
                // |x| with the same divisor) once divided; plus 1e-5 relative.
                let mag = if pool.kind() == Kind::Avg {
                    let abs: Vec<f32> = input.iter().map(|v| v.abs()).collect();
                    reference::forward(&pool, &abs, shape).unwrap().0
                } else {
                    Vec::new()
                };
                let taps = (kh.min(64) * kw.min(64)) as f32;
                for i in 0..n {
                    let (g, w) = (out[i], want[i]);
                    let ok = match pool.kind() {
                        Kind::Max => g.to_bits() == w.to_bits(),
                        Kind::Avg => {
                            let tol = taps * f32::EPSILON * mag[i] + 1e-5 * w.abs();
                            g.to_bits() == w.to_bits()
                                || (g.is_nan() && w.is_nan())
                                || (g - w).abs() <= tol
                        }
                    };
                    assert!(ok, "{pool:?} {shape:?} at {i}: got {g:?}, want {w:?}");
                    if with_idx {
                        assert_eq!(idx[i], want_idx[i], "{pool:?} {shape:?}: index at {i}");
                    }
                }
                ok += 1;
            }
        }
    }
    eprintln!("fuzz: {ok} accepted and matched, {rejected} rejected, 0 panics");
    assert!(
        ok > 1_000 && rejected > 1_000,
        "{ok} accepted, {rejected} rejected"
    );
}
