//! `cargo bench`: the real-network suite (bench/suite.txt), per ISA this CPU has (forced), at
//! 1 thread and at all threads (separate rayon pools), in both layouts (`nchw` and
//! channels-last `nhwc`, which also stands for NLC and NDHWC), max with and without indices,
//! and the scalar reference; throughput is input + output bytes. Then each other element
//! type (`f16`, `bf16`, `i8`, `u8`) on the ISA `forward` selects, both layouts (`f16/nchw/t1`
//! …). Then the gradient (`backward/nchw/t1`: average, or max from the forward's indices)
//! and, for max pools, max-unpooling of the output back to the input's size (`unpool/…`).
//!
//! `SIMDPOOL_BENCH_QUICK=1` shortens the measurement for smoke runs; `cargo bench -- --test`
//! runs every benchmark once.
#[path = "../bench/suite.rs"]
mod suite;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use simdpool::{DType, Kind, Layout};

fn bench(c: &mut Criterion) {
    let quick = std::env::var_os("SIMDPOOL_BENCH_QUICK").is_some();
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut counts = vec![1];
    if all > 1 {
        counts.push(all);
    }
    let pools: Vec<(usize, rayon::ThreadPool)> = counts
        .into_iter()
        .map(|t| {
            (
                t,
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap(),
            )
        })
        .collect();
    eprintln!(
        "{}; thread counts {:?}",
        simdpool::build_info(),
        pools.iter().map(|p| p.0).collect::<Vec<_>>()
    );
    for case in suite::suite() {
        let mut g = c.benchmark_group(&case.name);
        g.throughput(Throughput::Bytes(case.bytes() as u64));
        g.warm_up_time(Duration::from_millis(if quick { 50 } else { 300 }));
        g.measurement_time(Duration::from_millis(if quick { 100 } else { 1200 }));
        g.sample_size(10);
        let x = case.input();
        let mut y = vec![0.0f32; case.out_len()];
        let mut idx = vec![0i64; case.out_len()];
        for &(threads, ref tp) in &pools {
            for (layout, tag) in [
                (Layout::ChannelsFirst, "nchw"),
                (Layout::ChannelsLast, "nhwc"),
            ] {
                for isa in simdpool::supported_isas() {
                    let p = case.pool.clone().isa(isa).layout(layout);
                    let at = format!("{tag}/t{threads}");
                    g.bench_function(BenchmarkId::new(isa.name(), &at), |b| {
                        tp.install(|| b.iter(|| p.forward(&x, &case.shape, &mut y).unwrap()))
                    });
                    if p.kind() == Kind::Max {
                        g.bench_function(BenchmarkId::new(format!("{isa}+indices"), &at), |b| {
                            tp.install(|| {
                                b.iter(|| {
                                    p.forward_with_indices(&x, &case.shape, &mut y, &mut idx)
                                        .unwrap()
                                })
                            })
                        });
                    }
                }
            }
        }
        for dtype in [DType::F16, DType::Bf16, DType::I8, DType::U8] {
            let xb = suite::typed_input(&x, dtype);
            let xb: &[u8] = &bytemuck::cast_slice(&xb)[..x.len() * dtype.size()];
            let mut yb = vec![0u32; (y.len() * dtype.size()).div_ceil(4)];
            let yb: &mut [u8] = &mut bytemuck::cast_slice_mut(&mut yb)[..y.len() * dtype.size()];
            let name = format!("{dtype:?}").to_lowercase();
            for &(threads, ref tp) in &pools {
                for (layout, tag) in [
                    (Layout::ChannelsFirst, "nchw"),
                    (Layout::ChannelsLast, "nhwc"),
                ] {
                    let p = case.pool.clone().layout(layout);
                    let at = format!("{tag}/t{threads}");
                    g.bench_function(BenchmarkId::new(&name, &at), |b| {
                        tp.install(|| {
                            b.iter(|| p.forward_bytes(dtype, xb, &case.shape, yb).unwrap())
                        })
                    });
                }
            }
        }
        // Issue 14: the gradient (max from the forward's indices) and max-unpooling, f32.
        let _ = case
            .pool
            .forward_with_indices(&x, &case.shape, &mut y, &mut idx);
        let go = vec![1.0f32; case.out_len()];
        let mut gi = vec![0.0f32; x.len()];
        for &(threads, ref tp) in &pools {
            for (layout, tag) in [
                (Layout::ChannelsFirst, "nchw"),
                (Layout::ChannelsLast, "nhwc"),
            ] {
                let p = case.pool.clone().layout(layout);
                let at = format!("{tag}/t{threads}");
                g.bench_function(BenchmarkId::new("backward", &at), |b| {
                    tp.install(|| b.iter(|| p.backward(&go, &idx, &case.shape, &mut gi).unwrap()))
                });
                // Dilated pools do not unpool back to the input's size.
                if p.kind() == Kind::Max && case.unpool(layout, &y, &idx, &mut gi).is_ok() {
                    g.bench_function(BenchmarkId::new("unpool", &at), |b| {
                        tp.install(|| b.iter(|| case.unpool(layout, &y, &idx, &mut gi).unwrap()))
                    });
                }
            }
        }
        g.bench_function(BenchmarkId::new("reference", "t1"), |b| {
            b.iter(|| case.pool.reference(&x, &case.shape).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
