//! The C ABI called from Rust through raw pointers, small enough for Miri (`.ci/run` runs
//! it there, on the scalar ISA and serial): the pointer checks, the slices made from C
//! memory, and the strided routes behind them, with nothing written on error.

use std::ptr;

use simdpool_capi::*;

fn tensor<T>(data: *mut T, shape: [i64; 4], strides: [i64; 4]) -> simdpool_tensor {
    let mut t = simdpool_tensor {
        data: data.cast(),
        shape: [1; SIMDPOOL_MAX_DIMS],
        strides: [0; SIMDPOOL_MAX_DIMS],
    };
    t.shape[..4].copy_from_slice(&shape);
    t.strides[..4].copy_from_slice(&strides);
    t
}

fn desc(op: u32) -> simdpool_pool_desc {
    let mut d = simdpool_pool_desc_default(op, 2);
    d.kernel = [2, 2, 1];
    d.serial = 1;
    d.isa = SIMDPOOL_ISA_SCALAR;
    d
}

/// Channels 1..3 of a 1×4×4×4 NHWC tensor (values 0..64 in memory order) pooled 2×2 into
/// channels 0..2 of a 1×3×2×2 NHWC output, in place.
#[test]
fn nhwc_channel_slice_in_place() {
    let mut x: Vec<f32> = (0..64).map(|v| v as f32).collect();
    let mut y = vec![-1.0f32; 12];
    let mut i = vec![-1i64; 12];
    let d = desc(SIMDPOOL_OP_MAX);
    // Logical [n, c, h, w] strides of NHWC with 4 channels: [64, 1, 16, 4].
    let tx = tensor(x[1..].as_mut_ptr(), [1, 2, 4, 4], [64, 1, 16, 4]);
    let ty = tensor(y.as_mut_ptr(), [1, 2, 2, 2], [12, 1, 6, 3]);
    let ti = tensor(i.as_mut_ptr(), [1, 2, 2, 2], [12, 1, 6, 3]);
    // SAFETY: every tensor points into a live Vec that covers its span.
    let s = unsafe { simdpool_forward_with_indices(&d, &tx, &ty, &ti) };
    assert_eq!(s, SIMDPOOL_OK);
    // Output pixel (py, px), channel k: the window's last pixel (2py+1, 2px+1) wins, whose
    // element is 16·(2py+1) + 4·(2px+1) + 1 + k; its plane index (2py+1)·4 + 2px+1.
    for py in 0..2 {
        for px in 0..2 {
            for k in 0..3 {
                let at = py * 6 + px * 3 + k;
                if k == 2 {
                    assert_eq!((y[at], i[at]), (-1.0, -1), "channel 2 is not in the view");
                    continue;
                }
                let (r, c) = (2 * py + 1, 2 * px + 1);
                assert_eq!(y[at], (16 * r + 4 * c + 1 + k) as f32);
                assert_eq!(i[at], (r * 4 + c) as i64);
            }
        }
    }
}

#[test]
fn refusals_write_nothing() {
    let mut x = vec![1.0f32; 16];
    let mut y = vec![-1.0f32; 4];
    let d = desc(SIMDPOOL_OP_AVG);
    let tx = tensor(x.as_mut_ptr(), [1, 1, 4, 4], [16, 16, 4, 1]);
    let ty = tensor(y.as_mut_ptr(), [1, 1, 2, 2], [4, 4, 2, 1]);
    // SAFETY (each call): the pointers are null or point into live Vecs covering the spans.
    unsafe {
        assert_eq!(
            simdpool_forward(ptr::null(), &tx, &ty),
            SIMDPOOL_ERROR_NULL_POINTER
        );
        assert_eq!(
            simdpool_forward(&d, &tx, ptr::null()),
            SIMDPOOL_ERROR_NULL_POINTER
        );
        let over = tensor(x[4..].as_mut_ptr(), [1, 1, 2, 2], [4, 4, 2, 1]);
        assert_eq!(simdpool_forward(&d, &tx, &over), SIMDPOOL_ERROR_OVERLAP);
        let odd = tensor(
            x.as_mut_ptr().cast::<u8>().add(2),
            [1, 1, 2, 2],
            [4, 4, 2, 1],
        );
        assert_eq!(simdpool_forward(&d, &odd, &ty), SIMDPOOL_ERROR_BUFFER);
        let huge = tensor(x.as_mut_ptr(), [3, 1, 4, 4], [i64::MAX, 16, 4, 1]);
        assert_eq!(simdpool_forward(&d, &huge, &ty), SIMDPOOL_ERROR_SIZE);
        let mut ignored = desc(SIMDPOOL_OP_ADAPTIVE_AVG);
        ignored.index_style = 3; // not used by an adaptive average, still checked
        assert_eq!(
            simdpool_forward(&ignored, &tx, &ty),
            SIMDPOOL_ERROR_INVALID_ARGUMENT
        );
        let mut bad = d;
        bad.dtype = 9;
        assert_eq!(
            simdpool_forward(&bad, &tx, &ty),
            SIMDPOOL_ERROR_INVALID_ARGUMENT
        );
        let msg = std::ffi::CStr::from_ptr(simdpool_last_error_message());
        assert_eq!(
            msg.to_str().unwrap(),
            "desc.dtype = 9 is not one of its values"
        );
        let mut out = [0i64; 4];
        let shape = [1i64, 1, 4, 4];
        assert_eq!(
            simdpool_output_shape(&d, shape.as_ptr(), out.as_mut_ptr()),
            SIMDPOOL_OK
        );
        assert_eq!(out, [1, 1, 2, 2]);
    }
    assert!(y.iter().all(|&v| v == -1.0));
}

/// The average's gradient into a channel slice (the copied route), from C memory.
#[test]
fn backward_into_a_slice() {
    let mut g = vec![4.0f32; 4];
    let mut gi = [-1.0f32; 32];
    let d = desc(SIMDPOOL_OP_AVG);
    let tg = tensor(g.as_mut_ptr(), [1, 1, 2, 2], [4, 4, 2, 1]);
    // Channel 1 of a 2-channel NHWC 4×4 tensor.
    let tgi = tensor(gi[1..].as_mut_ptr(), [1, 1, 4, 4], [32, 1, 8, 2]);
    // SAFETY: both tensors point into live Vecs covering their spans.
    assert_eq!(unsafe { simdpool_backward(&d, &tg, &tgi) }, SIMDPOOL_OK);
    for (k, v) in gi.iter().enumerate() {
        assert_eq!(*v, if k % 2 == 1 { 1.0 } else { -1.0 });
    }
}
