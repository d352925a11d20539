//! d2l.ai §7.5 "Pooling", computed by simdpool; then the ISA it picked and a quick timing of a
//! ResNet-sized max pool against the scalar reference.
//!
//!     cargo run --release --example demo
use std::time::Instant;

use simdpool::{reference, Pool2d, PoolError};

fn show(title: &str, pool: &Pool2d, x: &[f32], shape: [usize; 4]) -> Result<(), PoolError> {
    let out = pool.output_shape(shape)?;
    let mut y = vec![0.0; out.iter().product()];
    pool.forward(x, shape, &mut y)?;
    println!("{title}  ->  shape {out:?}");
    let [_, c, oh, ow] = out;
    for ch in 0..c {
        let rows: Vec<String> = (0..oh)
            .map(|r| format!("{:?}", &y[(ch * oh + r) * ow..(ch * oh + r + 1) * ow]))
            .collect();
        println!("    channel {ch}: [{}]", rows.join(", "));
    }
    Ok(())
}

fn median_us(mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..15)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() -> Result<(), PoolError> {
    let x33: Vec<f32> = (0..9).map(|v| v as f32).collect();
    let x44: Vec<f32> = (0..16).map(|v| v as f32).collect();
    println!("X = 0..9 as 3x3; X4 = 0..16 as 4x4 (d2l.ai 7.5)\n");
    show(
        "max 2x2, stride 1 on X",
        &Pool2d::max(2).stride(1),
        &x33,
        [1, 1, 3, 3],
    )?;
    show(
        "avg 2x2, stride 1 on X",
        &Pool2d::avg(2).stride(1),
        &x33,
        [1, 1, 3, 3],
    )?;
    show("MaxPool2d(3) on X4", &Pool2d::max(3), &x44, [1, 1, 4, 4])?;
    show(
        "MaxPool2d(3, padding=1, stride=2) on X4",
        &Pool2d::max(3).padding(1).stride(2),
        &x44,
        [1, 1, 4, 4],
    )?;
    let rect = Pool2d::max((2, 3)).stride((2, 3)).padding((0, 1));
    show(
        "MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1)) on X4",
        &rect,
        &x44,
        [1, 1, 4, 4],
    )?;
    let x2: Vec<f32> = x44
        .iter()
        .copied()
        .chain(x44.iter().map(|v| v + 1.0))
        .collect();
    show(
        "MaxPool2d(3, padding=1, stride=2) on X4 ‖ X4+1 (2 channels)",
        &Pool2d::max(3).padding(1).stride(2),
        &x2,
        [1, 2, 4, 4],
    )?;

    println!("\n{}", simdpool::build_info());
    let shape = [1, 64, 112, 112];
    let pool = Pool2d::max(3).stride(2).padding(1);
    let x: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|i| ((i * 7919) % 1000) as f32)
        .collect();
    let mut y = vec![0.0; pool.output_shape(shape)?.iter().product()];
    let (want, _) = reference::forward(&pool, &x, shape)?;
    let ours = median_us(|| {
        pool.forward(&x, shape, &mut y).unwrap();
    });
    let one = pool.clone().parallel(false);
    let ours1 = median_us(|| {
        one.forward(&x, shape, &mut y).unwrap();
    });
    assert!(y.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()));
    let slow = median_us(|| {
        reference::forward(&pool, &x, shape).unwrap();
    });
    println!("max 3x3 s2 p1 on {shape:?} (median of 15):");
    println!(
        "    simdpool, {} threads: {ours:9.1} us",
        rayon::current_num_threads()
    );
    println!("    simdpool, 1 thread:   {ours1:9.1} us");
    println!(
        "    scalar reference:     {slow:9.1} us  ({:.0}x slower than 1 thread)",
        slow / ours1
    );
    Ok(())
}
