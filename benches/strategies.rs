//! `cargo bench --bench strategies`: one shape per kernel strategy (the ones
//! `tests/strategy.rs` asserts each shape takes), per ISA this CPU has, serial, so that a
//! regression in one strategy shows up on its own line. Max also runs with a NaN in every
//! plane, which turns off the NaN-free steps (`nan` in the name).
//!
//! `SIMDPOOL_BENCH_QUICK=1` shortens the measurement; `cargo bench --bench strategies --
//! --test` runs each once.
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use simdpool::Pool2d;

fn bench(c: &mut Criterion) {
    let quick = std::env::var_os("SIMDPOOL_BENCH_QUICK").is_some();
    let cases: [(&str, Pool2d, [usize; 4]); 6] = [
        ("global_avg7", Pool2d::avg(7), [1, 512, 7, 7]),
        (
            "flat_max3_s1",
            Pool2d::max(3).stride(1).padding(1),
            [1, 256, 28, 28],
        ),
        (
            "tiles_avg3_s1x2",
            Pool2d::avg(3).stride((1, 2)).padding(1),
            [1, 64, 56, 56],
        ),
        (
            "rows_max3_s2",
            Pool2d::max(3).stride(2).padding(1),
            [1, 64, 56, 56],
        ),
        ("rows_stacked_max2_14", Pool2d::max(2), [1, 512, 14, 14]),
        ("blocks_max4", Pool2d::max(4), [1, 256, 28, 28]),
    ];
    for (name, pool, shape) in cases {
        let mut g = c.benchmark_group(format!("strategy/{name}"));
        let n: usize = shape.iter().product();
        let out: usize = pool.output_shape(shape).unwrap().iter().product();
        g.throughput(Throughput::Bytes(4 * (n + out) as u64));
        g.warm_up_time(Duration::from_millis(if quick { 50 } else { 300 }));
        g.measurement_time(Duration::from_millis(if quick { 100 } else { 1000 }));
        g.sample_size(10);
        let clean: Vec<f32> = (0..n).map(|i| ((i * 7919) % 1000) as f32 * 0.01).collect();
        let mut nan = clean.clone();
        let plane = shape[2] * shape[3];
        nan.iter_mut().step_by(plane).for_each(|v| *v = f32::NAN);
        let mut y = vec![0.0f32; out];
        for isa in simdpool::supported_isas() {
            let p = pool.clone().isa(isa).parallel(false);
            let inputs: &[(&str, &Vec<f32>)] = if p.kind() == simdpool::Kind::Max {
                &[("", &clean), ("+nan", &nan)]
            } else {
                &[("", &clean)]
            };
            for &(tag, x) in inputs {
                let id = BenchmarkId::new(format!("{isa}{tag}"), "t1");
                g.bench_function(id, |b| b.iter(|| p.forward(x, shape, &mut y).unwrap()));
            }
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
