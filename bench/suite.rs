//! The benchmark suite (`bench/suite.txt`), shared by the criterion bench and the timing
//! server example through `#[path]`.
#![allow(dead_code)]

use simdpool::{
    bf16, f16, reference, AdaptivePool1d, AdaptivePool2d, AdaptivePool3d, DType,
    FractionalMaxPool2d, FractionalMaxPool3d, Isa, Kind, Layer, Layout, MaxUnpool1d, MaxUnpool2d,
    MaxUnpool3d, Pool1d, Pool2d, Pool3d, PoolError,
};

/// A layer of any rank, with the calls the bench and the timing server make.
#[derive(Clone, Debug)]
pub enum AnyPool {
    P1(Pool1d),
    P2(Pool2d),
    P3(Pool3d),
    A1(AdaptivePool1d),
    A2(AdaptivePool2d),
    A3(AdaptivePool3d),
}

/// `$body` with `$p` bound to the layer and `$s` to the shape as its array type.
macro_rules! each {
    ($self:expr, $shape:expr, |$p:ident, $s:ident| $body:expr) => {{
        let shape: &[usize] = $shape;
        match $self {
            AnyPool::P1($p) => {
                let $s: [usize; 3] = shape.try_into().unwrap();
                $body.map(|o| o.to_vec())
            }
            AnyPool::P2($p) => {
                let $s: [usize; 4] = shape.try_into().unwrap();
                $body.map(|o| o.to_vec())
            }
            AnyPool::P3($p) => {
                let $s: [usize; 5] = shape.try_into().unwrap();
                $body.map(|o| o.to_vec())
            }
            AnyPool::A1($p) => {
                let $s: [usize; 3] = shape.try_into().unwrap();
                $body.map(|o| o.to_vec())
            }
            AnyPool::A2($p) => {
                let $s: [usize; 4] = shape.try_into().unwrap();
                $body.map(|o| o.to_vec())
            }
            AnyPool::A3($p) => {
                let $s: [usize; 5] = shape.try_into().unwrap();
                $body.map(|o| o.to_vec())
            }
        }
    }};
}

macro_rules! map {
    ($self:expr, |$p:ident| $body:expr) => {
        match $self {
            AnyPool::P1($p) => AnyPool::P1($body),
            AnyPool::P2($p) => AnyPool::P2($body),
            AnyPool::P3($p) => AnyPool::P3($body),
            AnyPool::A1($p) => AnyPool::A1($body),
            AnyPool::A2($p) => AnyPool::A2($body),
            AnyPool::A3($p) => AnyPool::A3($body),
        }
    };
}

impl AnyPool {
    pub fn isa(self, isa: Isa) -> AnyPool {
        map!(self, |p| Layer::isa(p, isa))
    }
    pub fn parallel(self, parallel: bool) -> AnyPool {
        map!(self, |p| Layer::parallel(p, parallel))
    }
    pub fn layout(self, layout: Layout) -> AnyPool {
        map!(self, |p| Layer::layout(p, layout))
    }
    pub fn kind(&self) -> Kind {
        match self {
            AnyPool::P1(p) => p.kind(),
            AnyPool::P2(p) => p.kind(),
            AnyPool::P3(p) => p.kind(),
            AnyPool::A1(p) => p.kind(),
            AnyPool::A2(p) => p.kind(),
            AnyPool::A3(p) => p.kind(),
        }
    }
    pub fn resolved_isa(&self) -> Result<Isa, PoolError> {
        match self {
            AnyPool::P1(p) => p.resolved_isa(),
            AnyPool::P2(p) => p.resolved_isa(),
            AnyPool::P3(p) => p.resolved_isa(),
            AnyPool::A1(p) => p.resolved_isa(),
            AnyPool::A2(p) => p.resolved_isa(),
            AnyPool::A3(p) => p.resolved_isa(),
        }
    }
    pub fn output_shape(&self, shape: &[usize]) -> Result<Vec<usize>, PoolError> {
        each!(self, shape, |p, s| p.output_shape(s))
    }
    pub fn forward(
        &self,
        x: &[f32],
        shape: &[usize],
        y: &mut [f32],
    ) -> Result<Vec<usize>, PoolError> {
        each!(self, shape, |p, s| p.forward(x, s, y))
    }
    pub fn forward_with_indices(
        &self,
        x: &[f32],
        shape: &[usize],
        y: &mut [f32],
        idx: &mut [i64],
    ) -> Result<Vec<usize>, PoolError> {
        each!(self, shape, |p, s| p.forward_with_indices(x, s, y, idx))
    }
    pub fn forward_bytes(
        &self,
        dtype: DType,
        x: &[u8],
        shape: &[usize],
        y: &mut [u8],
    ) -> Result<Vec<usize>, PoolError> {
        each!(self, shape, |p, s| p.forward_bytes(dtype, x, s, y))
    }
    pub fn forward_bytes_with_indices(
        &self,
        dtype: DType,
        x: &[u8],
        shape: &[usize],
        y: &mut [u8],
        idx: &mut [i64],
    ) -> Result<Vec<usize>, PoolError> {
        each!(self, shape, |p, s| p
            .forward_bytes_with_indices(dtype, x, s, y, idx))
    }
    /// The gradient (f32): average pools from `go` alone, max pools from `go` and `idx`.
    pub fn backward(
        &self,
        go: &[f32],
        idx: &[i64],
        shape: &[usize],
        gi: &mut [f32],
    ) -> Result<(), PoolError> {
        fn one<L: Layer>(
            p: &L,
            go: &[f32],
            idx: &[i64],
            s: L::Shape,
            gi: &mut [f32],
        ) -> Result<(), PoolError> {
            match p.kind() {
                Kind::Avg => p.backward(go, s, gi),
                Kind::Max => p.backward_from_indices(go, idx, s, gi),
            }
        }
        match self {
            AnyPool::P1(p) => one(p, go, idx, shape.try_into().unwrap(), gi),
            AnyPool::P2(p) => one(p, go, idx, shape.try_into().unwrap(), gi),
            AnyPool::P3(p) => one(p, go, idx, shape.try_into().unwrap(), gi),
            AnyPool::A1(p) => one(p, go, idx, shape.try_into().unwrap(), gi),
            AnyPool::A2(p) => one(p, go, idx, shape.try_into().unwrap(), gi),
            AnyPool::A3(p) => one(p, go, idx, shape.try_into().unwrap(), gi),
        }
    }
    /// The oracle's output.
    pub fn reference(&self, x: &[f32], shape: &[usize]) -> Result<Vec<f32>, PoolError> {
        each!(self, shape, |p, s| reference::forward(p, x, s)
            .map(|(o, _)| o))
    }
}

/// One benchmark case.
pub struct Case {
    pub name: String,
    pub pool: AnyPool,
    pub shape: Vec<usize>,
    /// Kernel, stride and padding (regular pools; for max-unpooling).
    pub window: [usize; 3],
}

impl Case {
    /// The LP pool (p = 2) with the case's kernel and stride (no padding: PyTorch's LP has
    /// none) on `x` into `y`; `None` for adaptive cases.
    pub fn lp(&self, layout: Layout, x: &[f32], y: &mut [f32]) -> Option<Result<(), PoolError>> {
        let [k, s, _] = self.window;
        macro_rules! go {
            ($t:ident, $n:literal) => {{
                let l = $t::lp(2.0, k).stride(s).layout(layout);
                let shape: [usize; $n] = self.shape.clone().try_into().unwrap();
                Some(l.forward(x, shape, y).map(|_| ()))
            }};
        }
        match (&self.pool, self.shape.len()) {
            (AnyPool::A1(_) | AnyPool::A2(_) | AnyPool::A3(_), _) => None,
            (_, 3) => go!(Pool1d, 3),
            (_, 4) => go!(Pool2d, 4),
            _ => go!(Pool3d, 5),
        }
    }

    /// Fractional max pooling with a 2-wide kernel to half the input's size (2-D and 3-D
    /// cases; `None` otherwise), samples from `seed`; writes `y` and `idx`.
    pub fn fractional(
        &self,
        layout: Layout,
        x: &[f32],
        y: &mut Vec<f32>,
        idx: &mut Vec<i64>,
    ) -> Option<Result<(), PoolError>> {
        macro_rules! go {
            ($t:ident, $r:literal, $n:literal) => {{
                let l = $t::new(2).output_ratio([0.5; $r]).layout(layout);
                let shape: [usize; $n] = self.shape.clone().try_into().unwrap();
                let n = match l.output_shape(shape) {
                    Ok(o) => o.iter().product(),
                    Err(e) => return Some(Err(e)),
                };
                y.resize(n, 0.0);
                idx.resize(n, 0);
                Some(l.forward_seeded(1, x, shape, y, idx).map(|_| ()))
            }};
        }
        match self.shape.len() {
            4 => go!(FractionalMaxPool2d, 2, 4),
            5 => go!(FractionalMaxPool3d, 3, 5),
            _ => None,
        }
    }

    /// Max-unpools `y` (the max pool's output, laid out as `layout`) at `idx` back into
    /// `out`, of the input's size.
    pub fn unpool(
        &self,
        layout: Layout,
        y: &[f32],
        idx: &[i64],
        out: &mut [f32],
    ) -> Result<(), PoolError> {
        let [k, s, p] = self.window;
        let ys = self.pool.output_shape(&self.shape)?;
        let sp = &self.shape[2..];
        macro_rules! go {
            ($t:ident, $r:literal) => {{
                let u = $t::new(k).stride(s).padding(p).layout(layout);
                let o: [usize; $r] = sp.try_into().unwrap();
                u.forward(y, idx, ys.clone().try_into().unwrap(), Some(o), out)
                    .map(|_| ())
            }};
        }
        match sp.len() {
            1 => go!(MaxUnpool1d, 1),
            2 => go!(MaxUnpool2d, 2),
            _ => go!(MaxUnpool3d, 3),
        }
    }

    /// Input plus output bytes: what a memory-bound kernel must move.
    pub fn bytes(&self) -> usize {
        4 * (self.shape.iter().product::<usize>() + self.out_len())
    }
    pub fn out_len(&self) -> usize {
        self.pool
            .output_shape(&self.shape)
            .unwrap()
            .iter()
            .product()
    }
    pub fn input(&self) -> Vec<f32> {
        // Deterministic, unsorted, no NaN: the common case of a real activation.
        let n: usize = self.shape.iter().product();
        (0..n)
            .map(|i| ((i.wrapping_mul(2_654_435_761) >> 7) % 2000) as f32 * 0.001 - 1.0)
            .collect()
    }
}

/// `x` (the suite's values, in [-1, 1)) as `dtype` elements, in `u32` storage (aligned for
/// every type) of which the first `x.len() · dtype.size()` bytes are the tensor: rounded for
/// the 16-bit floats, scaled to the integer range (`i8`: ×127; `u8`: ×127 + 128).
pub fn typed_input(x: &[f32], dtype: DType) -> Vec<u32> {
    let mut buf = vec![0u32; (x.len() * dtype.size()).div_ceil(4)];
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut buf);
    for (i, &v) in x.iter().enumerate() {
        match dtype {
            DType::F32 => bytes[4 * i..4 * i + 4].copy_from_slice(&v.to_ne_bytes()),
            DType::F16 => bytes[2 * i..2 * i + 2].copy_from_slice(&f16::from_f32(v).to_ne_bytes()),
            DType::Bf16 => {
                bytes[2 * i..2 * i + 2].copy_from_slice(&bf16::from_f32(v).to_ne_bytes())
            }
            DType::I8 => bytes[i] = ((v * 127.0).round() as i8) as u8,
            DType::U8 => bytes[i] = (v * 127.0 + 128.0).round() as u8,
        }
    }
    buf
}

/// A type's name as `bench/compare_types.py` and the timing server spell it.
pub fn dtype_named(name: &str) -> Option<DType> {
    DType::ALL.into_iter().find(|d| match d {
        DType::F32 => name == "f32",
        DType::F16 => name == "f16",
        DType::Bf16 => name == "bf16",
        DType::I8 => name == "i8",
        DType::U8 => name == "u8",
    })
}

macro_rules! regular {
    ($t:ident, $op:expr, $v:expr) => {{
        let v = $v;
        let base = if $op == "max" {
            $t::max(v[0])
        } else {
            $t::avg(v[0])
        };
        let mut pool = base
            .stride(v[1])
            .padding(v[2])
            .dilation(v[3])
            .ceil_mode(v[4] == 1);
        if $op == "avg" {
            pool = pool.count_include_pad(v[5] == 1);
        }
        pool
    }};
}

/// Parses one suite line: `name op k s p d ceil incl n c spatial..` (separated by spaces or
/// `:`), one to three spatial sizes. Ops `max`, `avg`, and adaptive `amax`, `aavg` (whose
/// `k` is the output size on every axis; the other window fields are ignored).
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
    if !(9..=11).contains(&v.len()) {
        return None;
    }
    let rank = v.len() - 8;
    let op = f[1];
    let pool = match (op, rank) {
        ("max" | "avg", 1) => AnyPool::P1(regular!(Pool1d, op, &v)),
        ("max" | "avg", 2) => AnyPool::P2(regular!(Pool2d, op, &v)),
        ("max" | "avg", 3) => AnyPool::P3(regular!(Pool3d, op, &v)),
        ("amax", 1) => AnyPool::A1(AdaptivePool1d::max(v[0])),
        ("aavg", 1) => AnyPool::A1(AdaptivePool1d::avg(v[0])),
        ("amax", 2) => AnyPool::A2(AdaptivePool2d::max(v[0])),
        ("aavg", 2) => AnyPool::A2(AdaptivePool2d::avg(v[0])),
        ("amax", 3) => AnyPool::A3(AdaptivePool3d::max(v[0])),
        ("aavg", 3) => AnyPool::A3(AdaptivePool3d::avg(v[0])),
        _ => return None,
    };
    let case = Case {
        name: f[0].to_string(),
        pool,
        shape: v[6..].to_vec(),
        window: [v[0], v[1], v[2]],
    };
    case.pool.output_shape(&case.shape).ok().map(|_| case)
}

pub fn suite() -> Vec<Case> {
    include_str!("suite.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| parse(l).expect("bench/suite.txt: bad line"))
        .collect()
}
