//! `Pool2d` with mostly valid, small parameters: forward and forward_with_indices on an ISA
//! the CPU has, serial and parallel, against the reference (values, indices, nothing written
//! past the output); a call the reference rejects must be rejected alike, writing nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simdpool::{reference, Pool2d};
use simdpool_fuzz::{common, Bytes};

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let k = (b.range(1, 9), b.range(1, 9));
    let mut pool = if b.u8() & 1 == 0 {
        Pool2d::max(k)
    } else {
        Pool2d::avg(k)
    };
    if b.u8() & 1 == 0 {
        pool = pool.stride((b.range(1, 5), b.range(1, 5)));
    }
    // Up to one past PyTorch's limit (k / 2), to reach the rejection too.
    pool = pool
        .padding((b.range(0, k.0 / 2 + 1), b.range(0, k.1 / 2 + 1)))
        .dilation((b.range(1, 3), b.range(1, 3)))
        .ceil_mode(b.u8() & 1 == 0);
    match b.u8() % 4 {
        1 => pool = pool.count_include_pad(false),
        2 => pool = pool.divisor_override(b.range(0, 30)),
        _ => {}
    }
    let isas = simdpool::supported_isas();
    let isa = isas[b.range(0, isas.len() - 1)];
    let parallel = b.u8() & 1 == 0;
    let shape = [b.range(0, 2), b.range(1, 3), b.range(1, 24), b.range(1, 48)];
    let input = b.floats(shape.iter().product());
    match reference::forward(&pool, &input, shape) {
        Ok(_) => {
            if let Err(e) = common::check_reference(isa, &pool, shape, &input, parallel) {
                panic!("{e}");
            }
        }
        Err(want) => {
            let mut out = vec![common::GUARD; 64];
            let mut idx = vec![-7i64; 64];
            let p = pool.isa(isa);
            assert_eq!(p.forward(&input, shape, &mut out), Err(want.clone()));
            if p.kind() == simdpool::Kind::Max {
                let got = p.forward_with_indices(&input, shape, &mut out, &mut idx);
                assert_eq!(got, Err(want));
            }
            assert!(out.iter().all(|v| v.to_bits() == common::GUARD.to_bits()));
            assert!(idx.iter().all(|&i| i == -7));
        }
    }
});
