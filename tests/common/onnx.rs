//! ONNX's pooling node tests and our own reference-evaluator cases
//! (`fixtures/onnx_pool.txt` + `.f32`, written by `tools/gen_onnx_fixtures.py`).

use std::collections::HashMap;
use std::fmt::Debug;

use simdpool::{
    AdaptivePool1d, AdaptivePool2d, AdaptivePool3d, AutoPad, IndexStyle, Isa, Kind, Layer, Pool1d,
    Pool2d, Pool3d,
};

use super::nd::{with_layer, AnyLayer};

/// One ONNX case: a layer to run, or why it is out of scope here.
pub struct OnnxCase {
    pub name: String,
    pub layer: Result<AnyLayer, String>,
    pub shape: Vec<usize>,
    pub input: Vec<f32>,
    pub output: Vec<f32>,
    pub indices: Option<Vec<i64>>,
    /// The node's element type when not `f32` (`uint8`); values are exact in `f32`.
    pub dtype: Option<String>,
}

fn list(v: &str) -> Vec<usize> {
    v.split_whitespace().map(|t| t.parse().unwrap()).collect()
}

fn blob(reference: &str) -> Vec<f32> {
    const DATA: &[u8] = include_bytes!("../../fixtures/onnx_pool.f32");
    let (at, n) = reference
        .strip_prefix('@')
        .and_then(|r| r.split_once(' '))
        .expect("@offset count");
    let (at, n): (usize, usize) = (at.parse().unwrap(), n.parse().unwrap());
    DATA[at * 4..(at + n) * 4]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

macro_rules! node {
    ($t:ident, $r:literal, $f:expr) => {{
        let arr = |key: &str| -> [usize; $r] { list($f[key]).try_into().unwrap() };
        let pads = list($f["pads"]);
        let (begin, end): ([usize; $r], [usize; $r]) = (
            pads[..$r].try_into().unwrap(),
            pads[$r..].try_into().unwrap(),
        );
        let k = arr("kernel");
        let mut p = if $f["op"] == "LpPool" {
            // ONNX's `p` is an integer attribute.
            $t::lp($f["p"].parse::<f32>().unwrap(), k).lp_abs(true)
        } else if $f["op"] == "MaxPool" {
            $t::max(k).index_style(if $f["storage_order"] == "1" {
                IndexStyle::TensorColumnMajor
            } else {
                IndexStyle::Tensor
            })
        } else {
            $t::avg(k).count_include_pad($f["count_include_pad"] == "1")
        };
        p = p.stride(arr("strides")).dilation(arr("dilations"));
        p = match $f["auto_pad"] {
            "NOTSET" => p.pads(begin, end),
            "VALID" => p.auto_pad(AutoPad::Valid),
            "SAME_UPPER" => p.auto_pad(AutoPad::SameUpper),
            "SAME_LOWER" => p.auto_pad(AutoPad::SameLower),
            other => panic!("auto_pad {other}"),
        };
        p.ceil_mode($f["ceil"] == "1")
    }};
}

/// Every case of the ONNX fixture.
pub fn cases() -> Vec<OnnxCase> {
    let text = include_str!("../../fixtures/onnx_pool.txt");
    let mut out = Vec::new();
    let mut f: HashMap<&str, &str> = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (key, val) = line.split_once(' ').unwrap_or((line, ""));
        if key != "end" {
            f.insert(key, val);
            continue;
        }
        let name = f["case"].to_string();
        if f.get("op") == Some(&"MaxUnpool") {
            f.clear(); // `unpool_nodes` runs these
            continue;
        }
        if let Some(why) = f.get("unsupported") {
            out.push(OnnxCase {
                name,
                layer: Err(why.to_string()),
                shape: Vec::new(),
                input: Vec::new(),
                output: Vec::new(),
                indices: None,
                dtype: None,
            });
            f.clear();
            continue;
        }
        let shape = list(f["shape"]);
        let global = |kind| match shape.len() {
            3 => AnyLayer::A1(AdaptivePool1d::global(kind)),
            4 => AnyLayer::A2(AdaptivePool2d::global(kind)),
            _ => AnyLayer::A3(AdaptivePool3d::global(kind)),
        };
        let layer = match (f["op"], shape.len()) {
            ("GlobalMaxPool", _) => global(Kind::Max),
            ("GlobalAveragePool", _) => global(Kind::Avg),
            (_, 3) => AnyLayer::P1(node!(Pool1d, 1, f)),
            (_, 4) => AnyLayer::P2(node!(Pool2d, 2, f)),
            (_, 5) => AnyLayer::P3(node!(Pool3d, 3, f)),
            other => panic!("{other:?}"),
        };
        out.push(OnnxCase {
            name,
            layer: Ok(layer),
            input: blob(f["input"]),
            output: blob(f["output"]),
            indices: f
                .get("indices")
                .map(|v| v.split_whitespace().map(|t| t.parse().unwrap()).collect()),
            dtype: f.get("dtype").map(|s| s.to_string()),
            shape,
        });
        f.clear();
    }
    out
}

/// ONNX's backend-test tolerance (`rtol = 1e-3, atol = 1e-7`): several node tests' expected
/// averages were rounded by hand.
fn close(got: f32, want: f32) -> bool {
    got.to_bits() == want.to_bits() || (got - want).abs() <= 1e-7 + 1e-3 * want.abs()
}

fn run<L: Layer + Clone + Debug>(
    l: &L,
    shape: L::Shape,
    c: &OnnxCase,
    isa: Isa,
    parallel: bool,
) -> Result<(), String> {
    let l = l.clone().isa(isa).parallel(parallel);
    let want_shape = l.output_shape(shape).map_err(|e| e.to_string())?;
    let n: usize = want_shape.as_ref().iter().product();
    if n != c.output.len() {
        return Err(format!("{n} outputs, ONNX {}", c.output.len()));
    }
    let mut out = vec![f32::NAN; n];
    if c.dtype.as_deref() == Some("uint8") {
        // ONNX's uint8 MaxPool: the typed call, exactly.
        let x: Vec<u8> = c.input.iter().map(|&v| v as u8).collect();
        let mut y = vec![0u8; n];
        l.forward(&x, shape, &mut y).map_err(|e| e.to_string())?;
        out = y.iter().map(|&v| v as f32).collect();
    } else if let Some(t) = &c.dtype {
        return Err(format!("element type {t}"));
    } else {
        match (&c.indices, l.kind()) {
            (Some(want_idx), _) => {
                let mut idx = vec![-1; n];
                l.forward_with_indices(&c.input, shape, &mut out, &mut idx)
                    .map_err(|e| e.to_string())?;
                if let Some(i) = (0..n).find(|&i| idx[i] != want_idx[i]) {
                    return Err(format!("index {i}: {}, ONNX {}", idx[i], want_idx[i]));
                }
            }
            (None, _) => {
                l.forward(&c.input, shape, &mut out)
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    let exact = l.kind() == Kind::Max;
    let bad = (0..n).find(|&i| {
        if exact {
            out[i].to_bits() != c.output[i].to_bits()
        } else {
            !close(out[i], c.output[i])
        }
    });
    match bad {
        Some(i) => Err(format!("output {i}: {:?}, ONNX {:?}", out[i], c.output[i])),
        None => Ok(()),
    }
}

/// Runs every supported case on `isa`; returns (node tests passed, own cases passed, the
/// unsupported node tests with why).
pub fn on(isa: Isa, parallel: bool) -> Result<(usize, usize, Vec<String>), String> {
    let (mut nodes, mut own, mut unsupported) = (0, 0, Vec::new());
    for c in cases() {
        let layer = match &c.layer {
            Ok(l) => l,
            Err(why) => {
                unsupported.push(format!("{}: {why}", c.name));
                continue;
            }
        };
        with_layer!(layer, &c.shape, run(&c, isa, parallel))
            .map_err(|e| format!("[{isa} parallel={parallel}] {}: {e}", c.name))?;
        if c.name.starts_with("own_") {
            own += 1;
        } else {
            nodes += 1;
        }
    }
    Ok((nodes, own, unsupported))
}

/// ONNX's `MaxUnpool` node tests: `MaxUnpoolNd::onnx(true)` (flat indices over the
/// default-sized tensor, the node's optional output shape padding it) with the node's pads;
/// exact. Returns how many ran.
pub fn unpool_nodes(parallel: bool) -> Result<usize, String> {
    use simdpool::{MaxUnpool1d, MaxUnpool2d, MaxUnpool3d};
    let text = include_str!("../../fixtures/onnx_pool.txt");
    let mut f: HashMap<&str, &str> = HashMap::new();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (key, val) = line.split_once(' ').unwrap_or((line, ""));
        if key != "end" {
            f.insert(key, val);
            continue;
        }
        if f.get("op") != Some(&"MaxUnpool") {
            f.clear();
            continue;
        }
        let (k, s, pads, shape) = (
            list(f["kernel"]),
            list(f["strides"]),
            list(f["pads"]),
            list(f["shape"]),
        );
        let r = k.len();
        let out = f.get("output_shape").map(|v| list(v)[2..].to_vec());
        let (x, want) = (blob(f["input"]), blob(f["output"]));
        let ix: Vec<i64> = f["indices"]
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        let mut y = vec![f32::NAN; want.len()];
        let res = match r {
            1 => MaxUnpool1d::new([k[0]])
                .stride([s[0]])
                .pads([pads[0]], [pads[1]])
                .onnx(true)
                .parallel(parallel)
                .forward(
                    &x,
                    &ix,
                    [shape[0], shape[1], shape[2]],
                    out.as_ref().map(|o| [o[0]]),
                    &mut y,
                )
                .map(|s| s.to_vec()),
            2 => MaxUnpool2d::new([k[0], k[1]])
                .stride([s[0], s[1]])
                .pads([pads[0], pads[1]], [pads[2], pads[3]])
                .onnx(true)
                .parallel(parallel)
                .forward(
                    &x,
                    &ix,
                    [shape[0], shape[1], shape[2], shape[3]],
                    out.as_ref().map(|o| [o[0], o[1]]),
                    &mut y,
                )
                .map(|s| s.to_vec()),
            _ => MaxUnpool3d::new([k[0], k[1], k[2]])
                .stride([s[0], s[1], s[2]])
                .pads([pads[0], pads[1], pads[2]], [pads[3], pads[4], pads[5]])
                .onnx(true)
                .parallel(parallel)
                .forward(
                    &x,
                    &ix,
                    [shape[0], shape[1], shape[2], shape[3], shape[4]],
                    out.as_ref().map(|o| [o[0], o[1], o[2]]),
                    &mut y,
                )
                .map(|s| s.to_vec()),
        };
        let name = f["case"];
        res.map_err(|e| format!("{name}: {e}"))?;
        if let Some(i) = (0..y.len()).find(|&i| y[i].to_bits() != want[i].to_bits()) {
            return Err(format!(
                "{name}: output {i}: {:?}, ONNX {:?}",
                y[i], want[i]
            ));
        }
        n += 1;
        f.clear();
    }
    Ok(n)
}
