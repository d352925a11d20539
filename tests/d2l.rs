//! d2l.ai §7.5 "Pooling": the worked examples, computed by the crate, on every ISA.
mod common;

use simdpool::{Isa, Pool2d};

fn run(pool: Pool2d, x: &[f32], shape: [usize; 4], isa: Isa) -> ([usize; 4], Vec<f32>) {
    let out_shape = pool.output_shape(shape).unwrap();
    let mut y = vec![0.0; out_shape.iter().product()];
    assert_eq!(pool.isa(isa).forward(x, shape, &mut y), Ok(out_shape));
    (out_shape, y)
}

#[test]
fn worked_examples() {
    let x33: Vec<f32> = (0..9).map(|v| v as f32).collect();
    let x44: Vec<f32> = (0..16).map(|v| v as f32).collect();
    for isa in common::isas() {
        let s33 = [1, 1, 3, 3];
        let s44 = [1, 1, 4, 4];
        // pool2d(X, (2, 2)) with stride 1, as in the book's from-scratch function.
        assert_eq!(
            run(Pool2d::max(2).stride(1), &x33, s33, isa).1,
            [4.0, 5.0, 7.0, 8.0]
        );
        assert_eq!(
            run(Pool2d::avg(2).stride(1), &x33, s33, isa).1,
            [2.0, 3.0, 5.0, 6.0]
        );
        // nn.MaxPool2d(3): stride defaults to the window.
        assert_eq!(
            run(Pool2d::max(3), &x44, s44, isa),
            ([1, 1, 1, 1], vec![10.0])
        );
        // nn.MaxPool2d(3, padding=1, stride=2).
        assert_eq!(
            run(Pool2d::max(3).padding(1).stride(2), &x44, s44, isa).1,
            [5.0, 7.0, 13.0, 15.0]
        );
        // nn.MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1)).
        let p = Pool2d::max((2, 3)).stride((2, 3)).padding((0, 1));
        assert_eq!(run(p, &x44, s44, isa).1, [5.0, 7.0, 13.0, 15.0]);
        // Multiple channels: X and X + 1 stacked, pooled per channel.
        let x2: Vec<f32> = x44
            .iter()
            .copied()
            .chain(x44.iter().map(|v| v + 1.0))
            .collect();
        let (s, y) = run(Pool2d::max(3).padding(1).stride(2), &x2, [1, 2, 4, 4], isa);
        assert_eq!(s, [1, 2, 2, 2]);
        assert_eq!(y, [5.0, 7.0, 13.0, 15.0, 6.0, 8.0, 14.0, 16.0]);
    }
}
