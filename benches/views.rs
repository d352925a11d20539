//! `cargo bench --bench views`: what strided views cost next to packed tensors, one run
//! side by side (default ISA, serial and on every thread). Each case pools a tensor
//! packed, then the same logical tensor as a view: a channel slice of a concatenation twice
//! as wide (NCHW: one call per image; NHWC: the pixel kernels in place), and a transposed
//! NCHW view (gathered and scattered). Throughput counts the pooled view's bytes only.
//!
//! `SIMDPOOL_BENCH_QUICK=1` shortens the measurement.
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use simdpool::{packed_strides, Layout, Pool2d, Strided, StridedMut, StridedRoute};

/// Strides of `shape` as channels `0..c` of a parent with twice the channels.
fn slice_of_double(shape: [usize; 4], layout: Layout) -> [usize; 4] {
    let mut parent = shape;
    parent[1] *= 2;
    packed_strides(parent, layout).unwrap()
}

fn bench(c: &mut Criterion) {
    let quick = std::env::var_os("SIMDPOOL_BENCH_QUICK").is_some();
    let cases: [(&str, Pool2d, [usize; 4]); 3] = [
        (
            "resnet_stem",
            Pool2d::max(3).stride(2).padding(1),
            [1, 64, 112, 112],
        ),
        ("densenet_avg", Pool2d::avg(2), [1, 256, 28, 28]),
        (
            "googlenet_s1",
            Pool2d::max(3).stride(1).padding(1),
            [1, 480, 14, 14],
        ),
    ];
    for (name, pool, shape) in cases {
        let mut g = c.benchmark_group(format!("views/{name}"));
        let n: usize = shape.iter().product();
        let out_shape = pool.output_shape(shape).unwrap();
        let out: usize = out_shape.iter().product();
        g.throughput(Throughput::Bytes(4 * (n + out) as u64));
        g.warm_up_time(Duration::from_millis(if quick { 50 } else { 300 }));
        g.measurement_time(Duration::from_millis(if quick { 100 } else { 1500 }));
        g.sample_size(10);
        let x: Vec<f32> = (0..2 * n)
            .map(|i| ((i * 7919) % 1000) as f32 * 0.01)
            .collect();
        let mut y = vec![0.0f32; 2 * out];
        for parallel in [false, true] {
            let threads = if parallel { "all" } else { "t1" };
            for layout in [Layout::ChannelsFirst, Layout::ChannelsLast] {
                let p = pool.clone().layout(layout).parallel(parallel);
                let tag = match layout {
                    Layout::ChannelsFirst => "nchw",
                    Layout::ChannelsLast => "nhwc",
                };
                let id = BenchmarkId::new(format!("{tag}/packed"), threads);
                g.bench_function(id, |b| {
                    b.iter(|| p.forward(&x[..n], shape, &mut y[..out]).unwrap())
                });
                let (si, so) = (
                    slice_of_double(shape, layout),
                    slice_of_double(out_shape, layout),
                );
                let id = BenchmarkId::new(format!("{tag}/channel_slice"), threads);
                g.bench_function(id, |b| {
                    b.iter(|| {
                        let xv = Strided::new(&x, shape, si).unwrap();
                        let yv = StridedMut::new(&mut y, out_shape, so).unwrap();
                        let (_, route) = p.forward_strided(xv, yv).unwrap();
                        assert_ne!(route, StridedRoute::Copied);
                    })
                });
            }
            // The last two axes swapped in memory: no route but the copy.
            let p = pool.clone().parallel(parallel);
            let mut st = packed_strides(
                [shape[0], shape[1], shape[3], shape[2]],
                Layout::ChannelsFirst,
            )
            .unwrap();
            st.swap(2, 3);
            let so = packed_strides(out_shape, Layout::ChannelsFirst).unwrap();
            let id = BenchmarkId::new("nchw/transposed", threads);
            g.bench_function(id, |b| {
                b.iter(|| {
                    let xv = Strided::new(&x[..n], shape, st).unwrap();
                    let yv = StridedMut::new(&mut y[..out], out_shape, so).unwrap();
                    let (_, route) = p.forward_strided(xv, yv).unwrap();
                    assert_eq!(route, StridedRoute::Copied);
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
