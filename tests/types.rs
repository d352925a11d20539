//! Element types: conversion kernels, the typed pipeline against the `f32` one, byte
//! buffers. (PyTorch's own typed answers: `type_fixtures.rs`.)
mod common;

use simdpool::{bf16, f16, DType, Layer, Pool2d, PoolError};

#[test]
fn conversion_kernels_match_the_scalar_conversions() {
    for isa in common::isas() {
        let n = common::types::conversions(isa, 0x5eed ^ isa as u64).unwrap();
        eprintln!("{isa}: {n} conversions");
    }
}

#[test]
fn typed_calls_are_the_f32_call_on_widened_input() {
    for isa in common::isas() {
        let n = common::types::grid(isa, 0x7e ^ isa as u64, 4, true).unwrap();
        eprintln!("{isa}: {n} typed calls");
    }
}

#[test]
fn typed_calls_cut_into_blocks() {
    for isa in common::isas() {
        let n = common::types::blocks(isa, true).unwrap();
        eprintln!("{isa}: {n} blocked calls");
    }
}

/// d2l.ai's first example (§7.5.1) in every type: the same maxima and (integer-valued)
/// averages, which every type holds exactly.
#[test]
fn d2l_example_in_every_type() {
    fn run<E: simdpool::Element>() {
        let x: Vec<E> = (0..9).map(|v| E::from_f32(v as f32)).collect();
        let mut y = vec![E::from_f32(0.0); 4];
        Pool2d::max(2)
            .stride(1)
            .forward(&x, [1, 1, 3, 3], &mut y)
            .unwrap();
        assert_eq!(
            y.iter().map(|v| v.to_f32()).collect::<Vec<_>>(),
            [4.0, 5.0, 7.0, 8.0]
        );
        Pool2d::avg(2)
            .stride(1)
            .forward(&x, [1, 1, 3, 3], &mut y)
            .unwrap();
        assert_eq!(
            y.iter().map(|v| v.to_f32()).collect::<Vec<_>>(),
            [2.0, 3.0, 5.0, 6.0]
        );
    }
    run::<f32>();
    run::<f16>();
    run::<bf16>();
    run::<i8>();
    run::<u8>();
}

#[test]
fn forward_bytes_is_the_typed_call() {
    let pool = Pool2d::max(2);
    let x: Vec<f16> = (0..32)
        .map(|v| f16::from_f32(v as f32 * 0.5 - 3.0))
        .collect();
    let mut want = vec![f16::ZERO; 8];
    pool.forward(&x, [1, 2, 4, 4], &mut want).unwrap();
    // Byte views of u16 storage, so that alignment is known.
    let mut bits: Vec<u16> = x.iter().map(|v| v.to_bits()).collect();
    let mut out = vec![0u16; 9];
    let shape = pool
        .forward_bytes(
            DType::F16,
            bytemuck::cast_slice(&bits),
            [1, 2, 4, 4],
            bytemuck::cast_slice_mut(&mut out[..8]),
        )
        .unwrap();
    assert_eq!(shape, [1, 2, 2, 2]);
    let want_bits: Vec<u16> = want.iter().map(|v| v.to_bits()).collect();
    assert_eq!(&out[..8], want_bits.as_slice());
    // With indices, u8 (no alignment to speak of).
    let xu: Vec<u8> = (0..32u8).map(|v| v.wrapping_mul(37)).collect();
    let (mut yu, mut iu) = (vec![0u8; 8], vec![0i64; 8]);
    let (mut yt, mut it) = (vec![0u8; 8], vec![0i64; 8]);
    pool.forward_bytes_with_indices(DType::U8, &xu, [1, 2, 4, 4], &mut yu, &mut iu)
        .unwrap();
    pool.forward_with_indices(&xu, [1, 2, 4, 4], &mut yt, &mut it)
        .unwrap();
    assert_eq!((yu, iu), (yt, it));
    // A byte count that is no whole number of elements, misaligned views: typed errors, and
    // nothing written.
    out.fill(0x5a5a);
    let before = out.clone();
    bits.push(0);
    let input: &[u8] = bytemuck::cast_slice(&bits);
    let out_bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut out);
    let err = pool.forward_bytes(DType::F16, &input[..63], [1, 2, 4, 4], &mut out_bytes[..16]);
    assert!(
        matches!(
            err,
            Err(PoolError::ByteLength {
                buffer: "input",
                dtype: DType::F16,
                bytes: 63
            })
        ),
        "{err:?}"
    );
    let err = pool.forward_bytes(
        DType::F16,
        &input[1..65],
        [1, 2, 4, 4],
        &mut out_bytes[..16],
    );
    assert!(
        matches!(
            err,
            Err(PoolError::Misaligned {
                buffer: "input",
                dtype: DType::F16,
                align: 2
            })
        ),
        "{err:?}"
    );
    let err = pool.forward_bytes(
        DType::F16,
        &input[..64],
        [1, 2, 4, 4],
        &mut out_bytes[1..17],
    );
    assert!(
        matches!(
            err,
            Err(PoolError::Misaligned {
                buffer: "output",
                ..
            })
        ),
        "{err:?}"
    );
    let err = pool.forward_bytes(DType::F16, &input[..64], [1, 2, 4, 4], &mut out_bytes[..15]);
    assert!(
        matches!(
            err,
            Err(PoolError::ByteLength {
                buffer: "output",
                bytes: 15,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(out, before);
    // A wrong element count is the typed call's error, in elements.
    let err = pool.forward_bytes(DType::F32, &[], [1, 2, 4, 4], &mut []);
    assert!(
        matches!(
            err,
            Err(PoolError::InputLength {
                expected: 32,
                actual: 0,
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn layer_trait_is_generic_over_the_type() {
    fn through<L: Layer>(l: &L, shape: L::Shape, x: &[bf16], y: &mut [bf16]) -> L::Shape {
        l.forward(x, shape, y).unwrap()
    }
    let x: Vec<bf16> = (0..8).map(|v| bf16::from_f32(v as f32)).collect();
    let mut y = vec![bf16::ZERO; 4];
    assert_eq!(
        through(&simdpool::Pool1d::avg(2), [1, 1, 8], &x, &mut y),
        [1, 1, 4]
    );
    assert_eq!(
        y.iter().map(|v| v.to_f32()).collect::<Vec<_>>(),
        [0.5, 2.5, 4.5, 6.5]
    );
}
