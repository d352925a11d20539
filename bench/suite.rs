//! The benchmark suite (`bench/suite.txt`), shared by the criterion bench and the timing
//! server example through `#[path]`.
#![allow(dead_code)]

use simdpool::Pool2d;

/// One benchmark case.
pub struct Case {
    pub name: String,
    pub pool: Pool2d,
    pub shape: [usize; 4],
}

impl Case {
    /// Input plus output bytes: what a memory-bound kernel must move.
    pub fn bytes(&self) -> usize {
        let out = self.pool.output_shape(self.shape).unwrap();
        4 * (self.shape.iter().product::<usize>() + out.iter().product::<usize>())
    }
    pub fn out_len(&self) -> usize {
        self.pool.output_shape(self.shape).unwrap().iter().product()
    }
    pub fn input(&self) -> Vec<f32> {
        // Deterministic, unsorted, no NaN: the common case of a real activation.
        let n: usize = self.shape.iter().product();
        (0..n)
            .map(|i| ((i.wrapping_mul(2_654_435_761) >> 7) % 2000) as f32 * 0.001 - 1.0)
            .collect()
    }
}

pub fn suite() -> Vec<Case> {
    include_str!("suite.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let v: Vec<usize> = f[2..].iter().map(|t| t.parse().unwrap()).collect();
            let base = if f[1] == "max" {
                Pool2d::max(v[0])
            } else {
                Pool2d::avg(v[0])
            };
            let mut pool = base
                .stride(v[1])
                .padding(v[2])
                .dilation(v[3])
                .ceil_mode(v[4] == 1);
            if f[1] == "avg" {
                pool = pool.count_include_pad(v[5] == 1);
            }
            Case {
                name: f[0].to_string(),
                pool,
                shape: [v[6], v[7], v[8], v[9]],
            }
        })
        .collect()
}
