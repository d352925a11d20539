//! The oracle: the obvious loops, one output and one tap at a time, bounds-checked per tap.
//! Written independently of the kernels (it shares only parameter validation and the plain
//! parameters a [`Geometry`] holds), it is what every test and fuzz target compares against,
//! and it follows PyTorch's CPU loops step for step.

use simdpool_kernels::{Divisor, Geometry};

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
    let Some(g) = plan.geom else {
        return Ok((Vec::new(), Vec::new()));
    };
    Ok(planes(&g, pool.kind, shape[0] * shape[1], input))
}

/// The taps of one window along one axis: kernel tap `k` reads input position
/// `start + k·d`.
struct Axis {
    start: i64,
    k: usize,
    d: i64,
    n: i64,
    p: i64,
}

impl Axis {
    fn new(o: usize, k: usize, s: usize, p: usize, d: usize, n: usize) -> Axis {
        Axis {
            start: o as i64 * s as i64 - p as i64,
            k,
            d: d as i64,
            n: n as i64,
            p: p as i64,
        }
    }
    /// Positions inside the input, in order: from the first tap at or after 0 (windows start
    /// at `-p` or later, and `p` may be huge next to `n`), to the last before `n`.
    fn inside(&self) -> impl Iterator<Item = i64> + '_ {
        let first = if self.start < 0 {
            (-self.start + self.d - 1) / self.d
        } else {
            0
        };
        (first.min(self.k as i64)..self.k as i64)
            .map(|t| self.start + t * self.d)
            .take_while(|&x| x < self.n)
    }
    /// PyTorch's first index: step the window's first tap by the dilation until it is not
    /// negative (it may then lie past the last tap, or past the input, when no tap is in).
    fn first(&self) -> i64 {
        if self.start >= 0 {
            self.start
        } else {
            self.start + (-self.start + self.d - 1) / self.d * self.d
        }
    }
    /// Taps inside the input plus its padding, `[-p, n + p)`: every tap from the first (a
    /// window starts at `-p` or later) up to the last below `n + p`, counted rather than
    /// enumerated (`k` and `p` may be astronomically large in ceil mode).
    fn padded(&self) -> usize {
        let room = self.n + self.p - self.start;
        if room <= 0 {
            0
        } else {
            ((room + self.d - 1) / self.d).min(self.k as i64) as usize
        }
    }
}

/// Pools `count` consecutive planes of `input` with geometry `g`, whatever its output size
/// (the kernels accept any): max keeps the first maximum and the last NaN, starting from
/// `-inf` at PyTorch's first index; average sums the taps inside the input in row-major order
/// from `0.0` and divides by the geometry's divisor (`0/0` is NaN for a window with nothing
/// to count). Returns the values and, for max, the indices.
pub fn planes(g: &Geometry, kind: Kind, count: usize, input: &[f32]) -> (Vec<f32>, Vec<i64>) {
    let [h, w] = g.input();
    let [oh, ow] = g.output();
    let (k, s, p, d) = (g.kernel(), g.stride(), g.padding(), g.dilation());
    let mut out = Vec::with_capacity(count * oh * ow);
    let mut idx = Vec::new();
    for plane in 0..count {
        let src = &input[plane * h * w..][..h * w];
        for oy in 0..oh {
            let ay = Axis::new(oy, k[0], s[0], p[0], d[0], h);
            for ox in 0..ow {
                let ax = Axis::new(ox, k[1], s[1], p[1], d[1], w);
                let taps = || {
                    ay.inside()
                        .flat_map(|y| ax.inside().map(move |x| (y * w as i64 + x) as usize))
                };
                match kind {
                    Kind::Max => {
                        let (mut best, mut at) =
                            (f32::NEG_INFINITY, ay.first() * w as i64 + ax.first());
                        for i in taps() {
                            let v = src[i];
                            if v > best || v.is_nan() {
                                (best, at) = (v, i as i64);
                            }
                        }
                        out.push(best);
                        idx.push(at);
                    }
                    Kind::Avg => {
                        let (mut sum, mut inside) = (0.0f32, 0usize);
                        for i in taps() {
                            sum += src[i];
                            inside += 1;
                        }
                        let divisor = match g.divisor() {
                            Divisor::Override(v) => v as f32,
                            Divisor::ExcludePad => inside as f32,
                            Divisor::IncludePad => (ay.padded() * ax.padded()) as f32,
                        };
                        out.push(sum / divisor);
                    }
                }
            }
        }
    }
    (out, idx)
}
