//! simdpool pooling candle tensors in place (contiguous, a narrowed channel slice, a
//! channels-last permuted view), checked against candle's own `max_pool2d` /
//! `avg_pool2d`, and timed beside them.
//!
//! Run: `cargo run --release --manifest-path examples/candle/Cargo.toml`

use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use simdpool::{Pool2d, Strided, StridedMut, StridedRoute};

/// Pools a CPU `f32` candle tensor of logical shape `[n, c, h, w]`, in whatever strides
/// candle holds it, into a new tensor in the same memory order (channels-last memory in,
/// channels-last memory out).
fn pool(layer: &Pool2d, t: &Tensor) -> candle_core::Result<(Tensor, StridedRoute)> {
    let shape: [usize; 4] = t.dims().try_into().map_err(candle_core::Error::wrap)?;
    let (storage, layout) = t.storage_and_layout();
    let data = match &*storage {
        candle_core::Storage::Cpu(cpu) => cpu.as_slice::<f32>()?,
        _ => candle_core::bail!("simdpool pools CPU tensors"),
    };
    let strides: [usize; 4] = layout
        .stride()
        .try_into()
        .map_err(candle_core::Error::wrap)?;
    let input = Strided::new(&data[layout.start_offset()..], shape, strides)
        .map_err(candle_core::Error::wrap)?;
    let out = layer
        .output_shape(shape)
        .map_err(candle_core::Error::wrap)?;
    let last = strides[1] == 1 && shape[1] > 1;
    let memory = if last {
        simdpool::Layout::ChannelsLast
    } else {
        simdpool::Layout::ChannelsFirst
    };
    let mut y = vec![0f32; out.iter().product()];
    let output = StridedMut::packed(&mut y, out, memory).map_err(candle_core::Error::wrap)?;
    let (_, route) = layer
        .forward_strided(input, output)
        .map_err(candle_core::Error::wrap)?;
    let [n, c, h, w] = out;
    let t = if last {
        Tensor::from_vec(y, (n, h, w, c), &Device::Cpu)?.permute((0, 3, 1, 2))?
    } else {
        Tensor::from_vec(y, (n, c, h, w), &Device::Cpu)?
    };
    Ok((t, route))
}

/// The largest |a − b| of two tensors of one shape.
fn max_diff(a: &Tensor, b: &Tensor) -> candle_core::Result<f32> {
    (a - b)?.abs()?.flatten_all()?.max(0)?.to_scalar::<f32>()
}

fn main() -> candle_core::Result<()> {
    let dev = Device::Cpu;
    let x = Tensor::randn(0f32, 1.0, (2, 16, 56, 56), &dev)?;
    let views = [
        ("contiguous NCHW", x.clone()),
        ("channels 4..12 (narrow)", x.narrow(1, 4, 8)?),
        (
            "channels-last memory, NCHW view",
            x.permute((0, 2, 3, 1))?
                .contiguous()?
                .permute((0, 3, 1, 2))?,
        ),
    ];
    for (name, t) in &views {
        for (k, s) in [(2, 2), (3, 2), (3, 1)] {
            let (ours, route) = pool(&Pool2d::max(k).stride(s), t)?;
            let theirs = t.max_pool2d_with_stride(k, s)?;
            let dm = max_diff(&ours, &theirs)?;
            let (ours_avg, _) = pool(&Pool2d::avg(k).stride(s), t)?;
            let theirs_avg = t.avg_pool2d_with_stride(k, s)?;
            let da = max_diff(&ours_avg, &theirs_avg)?;
            println!("{name:32} k{k} s{s}: max diff {dm:e}, avg diff {da:e} ({route:?})");
            assert_eq!(dm, 0.0, "max pooling is exact");
            // Averages agree to summation-order rounding: k·k taps of |x| < 6.
            assert!(da <= 1e-5, "avg differs by {da}");
        }
    }

    // Time the ResNet stem's pool (max 3×3 stride 2; candle has no padding) on one batch.
    let x = Tensor::randn(0f32, 1.0, (8, 64, 112, 112), &dev)?.to_dtype(DType::F32)?;
    let layer = Pool2d::max(3).stride(2);
    let time = |f: &dyn Fn() -> candle_core::Result<Tensor>| -> candle_core::Result<f64> {
        f()?;
        let start = Instant::now();
        for _ in 0..10 {
            f()?;
        }
        Ok(start.elapsed().as_secs_f64() / 10.0 * 1e3)
    };
    let ours = time(&|| pool(&layer, &x).map(|r| r.0))?;
    let theirs = time(&|| x.max_pool2d_with_stride(3, 2))?;
    println!(
        "max 3x3 s2 on 8x64x112x112: simdpool {ours:.2} ms, candle {theirs:.2} ms ({:.1}x), {}",
        theirs / ours,
        simdpool::build_info()
    );
    Ok(())
}
