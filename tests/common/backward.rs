//! Backward passes: PyTorch 2.15's gradients (`fixtures/torch_backward.txt`: autograd's, in
//! f32, f16 and bf16, both layouts), and what must hold beyond them: channels-last equals
//! channels-first on the same logical tensor, split equals serial, every index style names
//! the same gradient, and nothing is written on error.

use std::fmt::Debug;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use simdpool::{bf16, f16, Element, IndexStyle, Kind, Layer, Layout, Pool2d, Pool3d, PoolError};

use super::last::draw;
use super::nd::{layer_of, with_layer, AnyLayer};
use super::{blocks, floats, relayout};

/// One PyTorch gradient case (values in logical `[n, c, ...]` order).
pub struct GradCase {
    pub name: String,
    pub layer: AnyLayer,
    pub shape: Vec<usize>,
    pub last: bool,
    pub dtype: String,
    pub reject: Option<String>,
    pub grad_output: Vec<f32>,
    pub indices: Vec<i64>,
    pub grad_input: Vec<f32>,
}

/// Every case of `fixtures/torch_backward.txt`.
pub fn fixtures() -> Vec<GradCase> {
    let text = include_str!("../../fixtures/torch_backward.txt");
    blocks(text)
        .iter()
        .map(|f| {
            let get = |k: &str| f.get(k).copied().unwrap_or("");
            GradCase {
                name: f["case"].to_string(),
                layer: layer_of(f),
                shape: f["shape"]
                    .split_whitespace()
                    .map(|t| t.parse().unwrap())
                    .collect(),
                last: f["layout"] == "last",
                dtype: f["dtype"].to_string(),
                reject: f.get("reject").map(|s| s.to_string()),
                grad_output: floats(get("grad_output")),
                indices: get("indices")
                    .split_whitespace()
                    .map(|t| t.parse().unwrap())
                    .collect(),
                grad_input: floats(get("grad_input")),
            }
        })
        .collect()
}

/// The backward pass of `l` in type `E` on logical-order `grad_output` (and `indices`,
/// plane style), laid out as `last` says; the gradient back in logical order, widened.
/// `grad_input` starts as NaN, so an element left unwritten shows.
pub fn run<L: Layer, E: Element>(
    l: &L,
    shape: L::Shape,
    last: bool,
    grad_output: &[f32],
    indices: &[i64],
) -> Result<Vec<f32>, PoolError> {
    let out_shape = l.output_shape(shape)?;
    let go: Vec<E> = grad_output.iter().map(|&v| E::from_f32(v)).collect();
    let (go, ix) = if last && !indices.is_empty() {
        let o = out_shape.as_ref();
        (relayout(&go, o, true), relayout(indices, o, true))
    } else if last {
        (relayout(&go, out_shape.as_ref(), true), Vec::new())
    } else {
        (go, indices.to_vec())
    };
    let len: usize = shape.as_ref().iter().product();
    let mut gi = vec![E::from_f32(f32::NAN); len];
    match l.kind() {
        Kind::Avg => l.backward(&go, shape, &mut gi)?,
        Kind::Max => l.backward_from_indices(&go, &ix, shape, &mut gi)?,
    }
    Ok(back(&gi, shape.as_ref(), last))
}

/// `gi` (laid out as `last` says) in logical order, widened.
fn back<E: Element>(gi: &[E], shape: &[usize], last: bool) -> Vec<f32> {
    let logical = if last {
        relayout(gi, shape, false)
    } else {
        gi.to_vec()
    };
    logical.iter().map(|v| v.to_f32()).collect()
}

/// Logical-order `x` laid out channels-last when `last`.
fn to<T: Copy>(x: &[T], shape: &[usize], last: bool) -> Vec<T> {
    if last {
        relayout(x, shape, true)
    } else {
        x.to_vec()
    }
}

fn layered<L: Layer + Clone>(l: &L, last: bool, parallel: bool) -> L {
    let layout = if last {
        Layout::ChannelsLast
    } else {
        Layout::ChannelsFirst
    };
    l.clone().layout(layout).parallel(parallel)
}

fn fixture<L: Layer + Clone + Debug>(
    l: &L,
    shape: L::Shape,
    c: &GradCase,
    parallel: bool,
) -> Result<&'static str, String> {
    let l = layered(l, c.last, parallel);
    let zeros;
    let (go, ix) = match (&c.reject, l.output_shape(shape)) {
        // Rejected calls carry no gradients: zeros of the output's size, if it has one.
        (Some(_), Ok(o)) => {
            let n = o.as_ref().iter().product();
            zeros = (vec![0.0; n], vec![0; n]);
            (&zeros.0, &zeros.1)
        }
        _ => (&c.grad_output, &c.indices),
    };
    let ix: &[i64] = if l.kind() == Kind::Max { ix } else { &[] };
    let got = match c.dtype.as_str() {
        "f32" => run::<L, f32>(&l, shape, c.last, go, ix),
        "f16" => run::<L, f16>(&l, shape, c.last, go, ix),
        "bf16" => run::<L, bf16>(&l, shape, c.last, go, ix),
        t => return Err(format!("unknown dtype {t}")),
    };
    match (&c.reject, got) {
        // PyTorch 2.15 has no f16/bf16 avg_pool3d; we compute it (as the forward does).
        (Some(why), Ok(_)) if why.contains("not implemented for") => Ok("beyond"),
        (Some(why), Ok(_)) => Err(format!("PyTorch rejects ({why}), we accept")),
        (Some(_), Err(_)) => Ok("rejected"),
        (None, Err(e)) => Err(format!("rejected: {e}")),
        (None, Ok(got)) => {
            if got.len() != c.grad_input.len() {
                return Err(format!(
                    "{} values, PyTorch {}",
                    got.len(),
                    c.grad_input.len()
                ));
            }
            match (0..got.len()).find(|&i| got[i].to_bits() != c.grad_input[i].to_bits()) {
                Some(i) => Err(format!(
                    "grad_input[{i}] = {:?}, PyTorch {:?}",
                    got[i], c.grad_input[i]
                )),
                None => Ok("matched"),
            }
        }
    }
}

/// Every fixture, serially and split: counts of (matched bit for bit, rejected as PyTorch
/// rejects, computed where PyTorch has no kernel).
pub fn fixtures_match(parallel: bool) -> Result<[usize; 3], String> {
    let mut counts = [0; 3];
    for c in fixtures() {
        let r = with_layer!(&c.layer, &c.shape, fixture(&c, parallel))
            .map_err(|e| format!("{} ({}): {e}", c.name, c.dtype))?;
        counts[["matched", "rejected", "beyond"]
            .iter()
            .position(|&k| k == r)
            .unwrap()] += 1;
    }
    Ok(counts)
}

/// `l`'s gradient on random data: the transpose of the forward pass (see inside), and
/// channels-first serial is the yardstick that channels-last and split runs must equal bit
/// for bit. Returns whether the call was accepted.
fn consistent<L: Layer + Clone + Debug>(
    l: &L,
    shape: L::Shape,
    rng: &mut StdRng,
) -> Result<bool, String> {
    let Ok(out_shape) = l.output_shape(shape) else {
        return Ok(false);
    };
    let len: usize = shape.as_ref().iter().product();
    let out_len: usize = out_shape.as_ref().iter().product();
    let x: Vec<f32> = (0..len).map(|_| rng.gen_range(-3..=3) as f32).collect();
    let go: Vec<f32> = (0..out_len).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let (mut y, mut idx) = (vec![0.0; out_len], vec![0i64; out_len]);
    match l.kind() {
        Kind::Max => l.forward_with_indices(&x, shape, &mut y, &mut idx),
        Kind::Avg => l.forward(&x, shape, &mut y),
    }
    .map_err(|e| e.to_string())?;
    let want = run::<L, f32>(&layered(l, false, false), shape, false, &go, &idx)
        .map_err(|e| e.to_string())?;
    // Pooling is linear in its input (max: given its indices), and the backward pass is its
    // transpose: <forward(x), go> = <x, backward(go)>, up to f32 rounding. This holds the
    // windows and divisors to the forward's, dilated averages and every divisor rule too.
    let dot = |a: &[f32], b: &[f32]| -> (f64, f64) {
        a.iter().zip(b).fold((0.0, 0.0), |(s, m), (&p, &q)| {
            let t = p as f64 * q as f64;
            (s + t, m + t.abs())
        })
    };
    let ((lhs, ml), (rhs, mr)) = (dot(&y, &go), dot(&x, &want));
    if (lhs - rhs).abs() > 1e-5 * (ml + mr) + 1e-9 {
        return Err(format!(
            "<forward(x), go> = {lhs}, <x, backward(go)> = {rhs}"
        ));
    }
    for (last, parallel) in [(false, true), (true, false), (true, true)] {
        let got = run::<L, f32>(&layered(l, last, parallel), shape, last, &go, &idx)
            .map_err(|e| e.to_string())?;
        if let Some(i) = (0..len).find(|&i| got[i].to_bits() != want[i].to_bits()) {
            return Err(format!(
                "last {last} parallel {parallel}: grad_input[{i}] {:?}, channels-first {:?}",
                got[i], want[i]
            ));
        }
    }
    Ok(true)
}

/// [`consistent`] for one layer and shape (which must be accepted).
pub fn transpose_holds<L: Layer + Clone + Debug>(
    l: &L,
    shape: L::Shape,
    seed: u64,
) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(seed);
    match consistent(l, shape, &mut rng)? {
        true => Ok(()),
        false => Err("rejected".into()),
    }
}

/// [`consistent`] over `count` random layers and shapes; returns the number accepted.
pub fn grid(seed: u64, count: usize) -> Result<usize, String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut n = 0;
    for _ in 0..count {
        let c = rng.gen_range(1..=19);
        let (layer, shape) = draw(&mut rng, c);
        let ok = with_layer!(&layer, &shape, consistent(&mut rng))
            .map_err(|e| format!("{layer:?} on {shape:?}: {e}"))?;
        n += ok as usize;
    }
    Ok(n)
}

/// Max's gradient from indices in every style and layout equals the plane style's, and a
/// rank-2 and rank-3 layer with overlapping windows hit the same element many times.
pub fn index_styles() -> Result<usize, String> {
    fn one<L: Layer + Clone + Debug>(
        l: &L,
        shape: L::Shape,
        style_of: impl Fn(IndexStyle) -> L,
    ) -> Result<usize, String> {
        let len: usize = shape.as_ref().iter().product();
        let out_len: usize = l.output_shape(shape).unwrap().as_ref().iter().product();
        let mut rng = StdRng::seed_from_u64(len as u64);
        let x: Vec<f32> = (0..len).map(|_| rng.gen_range(-2..=2) as f32).collect();
        let go: Vec<f32> = (0..out_len).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let mut n = 0;
        for last in [false, true] {
            let mut want: Option<Vec<f32>> = None;
            for style in [
                IndexStyle::Plane,
                IndexStyle::Tensor,
                IndexStyle::TensorColumnMajor,
            ] {
                let layer = layered(&style_of(style), last, true);
                let xl = to(&x, shape.as_ref(), last);
                let (mut y, mut idx) = (vec![0.0; out_len], vec![0; out_len]);
                layer
                    .forward_with_indices(&xl, shape, &mut y, &mut idx)
                    .map_err(|e| e.to_string())?;
                let mut gi = vec![f32::NAN; len];
                let gol = to(&go, l.output_shape(shape).unwrap().as_ref(), last);
                layer
                    .backward_from_indices(&gol, &idx, shape, &mut gi)
                    .map_err(|e| e.to_string())?;
                let gi = back(&gi, shape.as_ref(), last);
                match &want {
                    None => want = Some(gi),
                    Some(w) if w.iter().zip(&gi).all(|(a, b)| a.to_bits() == b.to_bits()) => {}
                    Some(_) => return Err(format!("{style:?} (last {last}) differs")),
                }
                n += 1;
            }
        }
        Ok(n)
    }
    let p2 = Pool2d::max(3).stride(1).padding(1);
    let p3 = Pool3d::max([2, 3, 3]).stride([1, 2, 1]).padding([1, 1, 0]);
    Ok(one(&p2, [2, 3, 5, 7], |s| p2.clone().index_style(s))?
        + one(&p3, [1, 2, 3, 5, 4], |s| p3.clone().index_style(s))?)
}
