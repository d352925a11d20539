//! Adaptive windows of unequal sizes (an output size that does not divide the input): exact
//! loops in PyTorch's order, one window at a time. (Adaptive axes whose windows are all
//! equal are regular ones, and `plan` sends calls whose every axis is so to the vector
//! kernels: the common 7×7 from 28×28, 14×14, 56×56 and global pooling.)

use std::ops::Range;

use crate::threading::Op;

/// PyTorch's adaptive window `[floor(o·n/out), ceil((o+1)·n/out))`.
fn window(o: usize, n: usize, out: usize) -> Range<usize> {
    let (o, n, out) = (o as u128, n as u128, out as u128);
    (o * n / out) as usize..((o + 1) * n).div_ceil(out) as usize
}

/// Output depths `ods` of one volume: `src` is the input volume, `axes` the `(input,
/// output)` sizes of depth, height and width; `dst` (and `idx` for argmax) hold exactly
/// those output slices.
pub(crate) fn block(
    op: Op,
    axes: [(usize, usize); 3],
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    ods: Range<usize>,
) {
    let [(_, _), (h, oh), (w, ow)] = axes;
    let rows: Vec<Range<usize>> = (0..oh).map(|o| window(o, h, oh)).collect();
    let cols: Vec<Range<usize>> = (0..ow).map(|o| window(o, w, ow)).collect();
    let mut at = 0;
    for od in ods {
        let zs = window(od, axes[0].0, axes[0].1);
        for ys in &rows {
            for xs in &cols {
                match op {
                    Op::Max | Op::ArgMax => {
                        let mut best = f32::NEG_INFINITY;
                        let mut pick = (zs.start * h + ys.start) * w + xs.start;
                        for z in zs.clone() {
                            for y in ys.clone() {
                                let row = (z * h + y) * w;
                                for (x, &v) in src[row + xs.start..row + xs.end].iter().enumerate()
                                {
                                    if v > best || v.is_nan() {
                                        best = v;
                                        pick = row + xs.start + x;
                                    }
                                }
                            }
                        }
                        dst[at] = best;
                        if op == Op::ArgMax {
                            idx[at] = pick as i64;
                        }
                    }
                    Op::Avg => {
                        let mut sum = 0.0f32;
                        for z in zs.clone() {
                            for y in ys.clone() {
                                let row = (z * h + y) * w;
                                for &v in &src[row + xs.start..row + xs.end] {
                                    sum += v;
                                }
                            }
                        }
                        // PyTorch divides by each axis's taps in turn.
                        dst[at] = sum / zs.len() as f32 / ys.len() as f32 / xs.len() as f32;
                    }
                }
                at += 1;
            }
        }
    }
}
