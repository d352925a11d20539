//! The oracle: the obvious loops, one output and one tap at a time, bounds-checked per tap.
//! Written independently of the kernels (it shares only parameter validation), it is what
//! every test compares against, and it matches PyTorch's CPU loops step for step.

use crate::params::{Kind, Pool2d};
use crate::PoolError;

/// Pools `input` (NCHW, `shape`) the slow, obvious way. Returns the output (NCHW) and, for
/// max pools, the flat per-plane index (`y·w + x`) of each maximum (empty for average).
pub fn forward(
    pool: &Pool2d,
    input: &[f32],
    shape: [usize; 4],
) -> Result<(Vec<f32>, Vec<i64>), PoolError> {
    let plan = pool.plan(shape)?;
    if input.len() != plan.in_len {
        return Err(PoolError::InputLength {
            shape,
            expected: plan.in_len,
            actual: input.len(),
        });
    }
    let [n, c, h, w] = shape;
    let [_, _, oh, ow] = plan.out;
    let [kh, kw] = pool.kernel;
    let [sh, sw] = pool.stride.unwrap_or(pool.kernel);
    let [ph, pw] = pool.padding;
    let [dh, dw] = pool.dilation;
    let (h, w) = (h as i64, w as i64);
    let mut out = Vec::with_capacity(plan.out_len);
    let mut idx = Vec::new();
    for plane in 0..n * c {
        let src = &input[plane * (h * w) as usize..][..(h * w) as usize];
        for oy in 0..oh {
            for ox in 0..ow {
                let y0 = (oy * sh) as i64 - ph as i64;
                let x0 = (ox * sw) as i64 - pw as i64;
                let tap_y = |ky: usize| y0 + (ky * dh) as i64;
                let tap_x = |kx: usize| x0 + (kx * dw) as i64;
                match pool.kind {
                    Kind::Max => {
                        // PyTorch starts from -inf at the first in-bounds tap.
                        let first_y = (0..kh).map(tap_y).find(|&y| y >= 0).unwrap_or(y0);
                        let first_x = (0..kw).map(tap_x).find(|&x| x >= 0).unwrap_or(x0);
                        let (mut best, mut at) = (f32::NEG_INFINITY, first_y * w + first_x);
                        // Taps increase, so stop at the first past the input (ceil mode
                        // with a huge stride accepts kernels far larger than the input).
                        let ys = (0..kh)
                            .map(tap_y)
                            .take_while(|&y| y < h)
                            .filter(|&y| y >= 0);
                        for y in ys {
                            for x in (0..kw)
                                .map(tap_x)
                                .take_while(|&x| x < w)
                                .filter(|&x| x >= 0)
                            {
                                let v = src[(y * w + x) as usize];
                                if v > best || v.is_nan() {
                                    best = v;
                                    at = y * w + x;
                                }
                            }
                        }
                        out.push(best);
                        idx.push(at);
                    }
                    Kind::Avg => {
                        let mut sum = 0.0f32;
                        let (mut inside, mut padded_y) = (0usize, 0usize);
                        // Windows start at or after -p, so counting taps below n + p counts
                        // the taps inside input plus padding.
                        let padded_x = (0..kw)
                            .map(tap_x)
                            .take_while(|&x| x < w + pw as i64)
                            .count();
                        for y in (0..kh).map(tap_y).take_while(|&y| y < h + ph as i64) {
                            padded_y += 1;
                            for x in (0..kw).map(tap_x).take_while(|&x| x < w) {
                                if (0..h).contains(&y) && x >= 0 {
                                    sum += src[(y * w + x) as usize];
                                    inside += 1;
                                }
                            }
                        }
                        let divisor = match (pool.divisor_override, pool.count_include_pad) {
                            (Some(d), _) => d as f32,
                            (None, Some(false)) => inside as f32,
                            (None, _) => (padded_y * padded_x) as f32,
                        };
                        out.push(sum / divisor);
                    }
                }
            }
        }
    }
    Ok((out, idx))
}
