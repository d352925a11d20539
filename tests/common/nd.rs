//! The PyTorch fixtures of every rank beyond 2-D regular pooling (`fixtures/torch_nd.txt`:
//! 1-D and 3-D pools, 1/2/3-D adaptive ones), and running any builder generically.

use std::collections::HashMap;
use std::fmt::Debug;

use simdpool::{
    reference, AdaptivePool1d, AdaptivePool2d, AdaptivePool3d, Isa, Kind, Layer, Pool1d, Pool2d,
    Pool3d, PoolError,
};

use super::{check, floats, Want};

/// A builder of any rank.
#[derive(Clone, Debug)]
pub enum AnyLayer {
    P1(Pool1d),
    P2(Pool2d),
    P3(Pool3d),
    A1(AdaptivePool1d),
    A2(AdaptivePool2d),
    A3(AdaptivePool3d),
}

/// Calls `$f::<L>(layer, shape array, $args..)` for whichever builder `$l` holds.
macro_rules! with_layer {
    ($l:expr, $shape:expr, $f:ident ( $($arg:expr),* )) => {{
        use $crate::common::nd::AnyLayer::*;
        let s: &[usize] = $shape;
        match $l {
            P1(p) => $f(p, <[usize; 3]>::try_from(s).unwrap() $(, $arg)*),
            P2(p) => $f(p, <[usize; 4]>::try_from(s).unwrap() $(, $arg)*),
            P3(p) => $f(p, <[usize; 5]>::try_from(s).unwrap() $(, $arg)*),
            A1(p) => $f(p, <[usize; 3]>::try_from(s).unwrap() $(, $arg)*),
            A2(p) => $f(p, <[usize; 4]>::try_from(s).unwrap() $(, $arg)*),
            A3(p) => $f(p, <[usize; 5]>::try_from(s).unwrap() $(, $arg)*),
        }
    }};
}
#[allow(unused_imports)]
pub(crate) use with_layer;

impl AnyLayer {
    pub fn kind(&self) -> Kind {
        match self {
            AnyLayer::P1(p) => p.kind(),
            AnyLayer::P2(p) => p.kind(),
            AnyLayer::P3(p) => p.kind(),
            AnyLayer::A1(p) => p.kind(),
            AnyLayer::A2(p) => p.kind(),
            AnyLayer::A3(p) => p.kind(),
        }
    }
}

/// One PyTorch case.
pub struct NdCase {
    pub name: String,
    pub layer: AnyLayer,
    pub shape: Vec<usize>,
    pub reject: Option<String>,
    pub input: Vec<f32>,
    pub output: Vec<f32>,
    pub indices: Vec<i64>,
}

fn list(v: &str) -> Vec<usize> {
    v.split_whitespace().map(|t| t.parse().unwrap()).collect()
}

macro_rules! regular {
    ($t:ident, $r:literal, $f:expr, $kind:expr) => {{
        let arr = |key: &str| -> [usize; $r] { list($f[key]).try_into().unwrap() };
        let mut p = if $kind == "max" {
            $t::max(arr("kernel"))
        } else {
            $t::avg(arr("kernel"))
        };
        p = p.stride(arr("stride")).padding(arr("padding"));
        if $kind == "max" {
            p = p.dilation(arr("dilation"));
        } else {
            p = p.count_include_pad($f["include_pad"] == "1");
            let d: usize = $f["divisor"].parse().unwrap();
            if d > 0 {
                p = p.divisor_override(d);
            }
        }
        p.ceil_mode($f["ceil"] == "1")
    }};
}

macro_rules! adaptive {
    ($t:ident, $r:literal, $f:expr, $kind:expr) => {{
        let out: [usize; $r] = list($f["out"]).try_into().unwrap();
        if $kind == "adaptive_max" {
            $t::max(out)
        } else {
            $t::avg(out)
        }
    }};
}

/// The builder a case's fields (`op`, `shape`, the window's parameters) describe.
pub fn layer_of(f: &HashMap<&str, &str>) -> AnyLayer {
    let op = f["op"];
    match (op, list(f["shape"]).len()) {
        ("max" | "avg", 3) => AnyLayer::P1(regular!(Pool1d, 1, f, op)),
        ("max" | "avg", 4) => AnyLayer::P2(regular!(Pool2d, 2, f, op)),
        ("max" | "avg", 5) => AnyLayer::P3(regular!(Pool3d, 3, f, op)),
        (_, 3) => AnyLayer::A1(adaptive!(AdaptivePool1d, 1, f, op)),
        (_, 4) => AnyLayer::A2(adaptive!(AdaptivePool2d, 2, f, op)),
        (_, 5) => AnyLayer::A3(adaptive!(AdaptivePool3d, 3, f, op)),
        other => panic!("bad case {other:?}"),
    }
}

/// Every case of `fixtures/torch_nd.txt`.
pub fn fixtures() -> Vec<NdCase> {
    parse(include_str!("../../fixtures/torch_nd.txt"))
}

/// The cases of a fixture file in `torch_nd.txt`'s format.
pub fn parse(text: &str) -> Vec<NdCase> {
    let mut cases = Vec::new();
    let mut f: HashMap<&str, &str> = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (key, val) = line.split_once(' ').unwrap_or((line, ""));
        if key != "end" {
            f.insert(key, val);
            continue;
        }
        let shape = list(f["shape"]);
        let layer = layer_of(&f);
        let get = |k: &str| f.get(k).copied().unwrap_or("");
        cases.push(NdCase {
            name: f["case"].to_string(),
            layer,
            reject: f.get("reject").map(|s| s.to_string()),
            input: floats(get("input")),
            output: floats(get("output")),
            indices: get("indices")
                .split_whitespace()
                .map(|t| t.parse().unwrap())
                .collect(),
            shape,
        });
        f.clear();
    }
    cases
}

/// Values, indices and per-output average scales.
type Oracle = (Vec<f32>, Vec<i64>, Vec<f32>);

/// The oracle on `input`, and for average the per-output scale of [`super::same`].
pub fn oracle<L: Layer>(l: &L, shape: L::Shape, input: &[f32]) -> Result<Oracle, PoolError> {
    let (out, idx) = reference::forward(l, input, shape)?;
    let scale = if l.kind() == Kind::Avg {
        let abs: Vec<f32> = input.iter().map(|v| v.abs()).collect();
        reference::forward(l, &abs, shape)?.0
    } else {
        vec![0.0; out.len()]
    };
    Ok((out, idx, scale))
}

pub fn rejects<L: Layer>(l: &L, shape: L::Shape, input: &[f32]) -> Result<PoolError, String> {
    let mut out = vec![0.0; 4096];
    let mut idx = vec![0; 4096];
    let e = l.forward(input, shape, &mut out).err().ok_or("accepted")?;
    if l.kind() == Kind::Max {
        let e2 = l
            .forward_with_indices(input, shape, &mut out, &mut idx)
            .err()
            .ok_or("accepted with indices")?;
        if e2 != e {
            return Err(format!("{e} / {e2}"));
        }
    }
    Ok(e)
}

fn on_isa<L: Layer + Clone + Debug>(
    l: &L,
    shape: L::Shape,
    c: &NdCase,
    isa: Isa,
    parallel: bool,
) -> Result<(), String> {
    let (_, _, scale) = oracle(l, shape, &c.input).map_err(|e| e.to_string())?;
    let want = Want {
        out: &c.output,
        idx: &c.indices,
        scale: &scale,
    };
    check(isa, l, shape, &c.input, want, parallel)
}

fn oracle_exact<L: Layer>(l: &L, shape: L::Shape, c: &NdCase) -> Result<(), String> {
    let (out, idx, scale) = oracle(l, shape, &c.input).map_err(|e| e.to_string())?;
    if out.len() != c.output.len() {
        return Err(format!("{} outputs, PyTorch {}", out.len(), c.output.len()));
    }
    // PyTorch's global average is `mean`, whose blocked summation order no loop follows:
    // summation-order rounding there, bit-exact everywhere else.
    let global = matches!(c.layer, AnyLayer::A1(_) | AnyLayer::A2(_) | AnyLayer::A3(_))
        && shape.as_ref().len() == c.shape.len()
        && c.output.len() == shape.as_ref()[0] * shape.as_ref()[1];
    for i in 0..out.len() {
        let same = out[i].to_bits() == c.output[i].to_bits()
            || (l.kind() == Kind::Avg && out[i].is_nan() && c.output[i].is_nan())
            || (global && super::same(Kind::Avg, out[i], c.output[i], scale[i]));
        if !same || (l.kind() == Kind::Max && idx[i] != c.indices[i]) {
            return Err(format!(
                "output {i}: {:?}@{:?}, PyTorch {:?}@{:?}",
                out[i],
                idx.get(i),
                c.output[i],
                c.indices.get(i)
            ));
        }
    }
    Ok(())
}

/// The oracle reproduces every accepted case bit for bit (values and indices); returns the
/// number of cases.
pub fn oracle_matches() -> Result<usize, String> {
    let mut n = 0;
    for c in fixtures().iter().filter(|c| c.reject.is_none()) {
        with_layer!(&c.layer, &c.shape, oracle_exact(c)).map_err(|e| format!("{}: {e}", c.name))?;
        n += 1;
    }
    Ok(n)
}

/// Every case on `isa` (serially, and also split when `parallel`): accepted ones match
/// PyTorch (max bit-exact with indices, average within summation-order rounding), rejected
/// ones are rejected. Returns (matched, rejected).
pub fn on(isa: Isa, parallel: bool) -> Result<(usize, usize), String> {
    let (mut ok, mut rejected) = (0, 0);
    for c in fixtures() {
        let layer = match &c.layer {
            AnyLayer::P1(p) => AnyLayer::P1(p.clone().isa(isa)),
            AnyLayer::P2(p) => AnyLayer::P2(p.clone().isa(isa)),
            AnyLayer::P3(p) => AnyLayer::P3(p.clone().isa(isa)),
            AnyLayer::A1(p) => AnyLayer::A1(p.clone().isa(isa)),
            AnyLayer::A2(p) => AnyLayer::A2(p.clone().isa(isa)),
            AnyLayer::A3(p) => AnyLayer::A3(p.clone().isa(isa)),
        };
        if let Some(why) = &c.reject {
            with_layer!(&layer, &c.shape, rejects(&c.input))
                .map_err(|e| format!("{}: PyTorch rejects ({why}), we: {e}", c.name))?;
            rejected += 1;
            continue;
        }
        with_layer!(&layer, &c.shape, on_isa(&c, isa, parallel))
            .map_err(|e| format!("{}: {e}", c.name))?;
        ok += 1;
    }
    Ok((ok, rejected))
}
