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

/// Parses one suite line: `name op k s p d ceil incl n c h w` (separated by spaces or `:`).
pub fn parse(line: &str) -> Option<Case> {
    let f: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ':')
        .filter(|t| !t.is_empty())
        .collect();
    let v: Vec<usize> = f
        .get(2..)?
        .iter()
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    if v.len() != 10 {
        return None;
    }
    let base = match f[1] {
        "max" => Pool2d::max(v[0]),
        "avg" => Pool2d::avg(v[0]),
        _ => return None,
    };
    let mut pool = base
        .stride(v[1])
        .padding(v[2])
        .dilation(v[3])
        .ceil_mode(v[4] == 1);
    if f[1] == "avg" {
        pool = pool.count_include_pad(v[5] == 1);
    }
    let case = Case {
        name: f[0].to_string(),
        pool,
        shape: [v[6], v[7], v[8], v[9]],
    };
    case.pool.output_shape(case.shape).ok().map(|_| case)
}

pub fn suite() -> Vec<Case> {
    include_str!("suite.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| parse(l).expect("bench/suite.txt: bad line"))
        .collect()
}
