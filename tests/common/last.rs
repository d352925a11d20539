//! The channels-last grid: every rank, regular and adaptive, with channel counts around each
//! vector width of the ISA (the pixel kernels' tails: four vectors, two, one, an overlapped
//! last one, the narrower rungs), checked in both layouts against the reference.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use simdpool::{
    reference, AdaptivePool1d, AdaptivePool2d, AdaptivePool3d, Isa, Kind, Layer, Layout, Pool1d,
    Pool2d, Pool3d,
};

use super::nd::{parse, rejects, with_layer, AnyLayer, NdCase};
use super::{check_reference, nasty, relayout, same};

/// Channel counts that put a tail at every rung of `isa`'s vectors: 1–3 (the transposed
/// route), then around 4, 8 and 16 lanes and their multiples up to five vectors.
pub fn channel_counts(isa: Isa) -> Vec<usize> {
    let l = isa.lanes().max(4);
    let mut c = vec![1, 2, 3, 4, 5, 7, 8, 9, 12];
    for m in [1, 2, 3, 4, 5] {
        c.extend([m * l - 1, m * l, m * l + 1]);
    }
    c.sort_unstable();
    c.dedup();
    c
}

/// A random layer of random rank (regular or adaptive) and an input shape for it with
/// `c` channels; `None` when the draw gives a rejected combination.
pub fn draw(rng: &mut StdRng, c: usize) -> (AnyLayer, Vec<usize>) {
    let rank = rng.gen_range(1..=3usize);
    let n = rng.gen_range(1..=2usize);
    let size = |rng: &mut StdRng| rng.gen_range(1..=if rank == 3 { 6 } else { 9usize });
    let spatial: Vec<usize> = (0..rank).map(|_| size(rng)).collect();
    let mut shape = vec![n, c];
    shape.extend(&spatial);
    if rng.gen_bool(0.25) {
        let out: Vec<usize> = spatial.iter().map(|&s| rng.gen_range(1..=s + 1)).collect();
        let max = rng.gen_bool(0.5);
        let layer = match rank {
            1 => {
                let o = [out[0]];
                AnyLayer::A1(if max {
                    AdaptivePool1d::max(o)
                } else {
                    AdaptivePool1d::avg(o)
                })
            }
            2 => {
                let o = [out[0], out[1]];
                AnyLayer::A2(if max {
                    AdaptivePool2d::max(o)
                } else {
                    AdaptivePool2d::avg(o)
                })
            }
            _ => {
                let o = [out[0], out[1], out[2]];
                AnyLayer::A3(if max {
                    AdaptivePool3d::max(o)
                } else {
                    AdaptivePool3d::avg(o)
                })
            }
        };
        return (layer, shape);
    }
    let k: Vec<usize> = (0..rank).map(|_| rng.gen_range(1..=4usize)).collect();
    let s: Vec<usize> = (0..rank).map(|_| rng.gen_range(1..=3usize)).collect();
    let d: Vec<usize> = (0..rank).map(|_| rng.gen_range(1..=2usize)).collect();
    let p: Vec<usize> = k.iter().map(|&k| rng.gen_range(0..=k / 2)).collect();
    let ceil = rng.gen_bool(0.3);
    let max = rng.gen_bool(0.5);
    let include = rng.gen_bool(0.5);
    let divisor = rng.gen_bool(0.15).then(|| rng.gen_range(1..=9usize));
    macro_rules! build {
        ($t:ident, $arr:expr) => {{
            let a = $arr;
            let mut l = if max { $t::max(a(&k)) } else { $t::avg(a(&k)) }
                .stride(a(&s))
                .padding(a(&p))
                .ceil_mode(ceil);
            if max {
                l = l.dilation(a(&d));
            } else {
                l = l.count_include_pad(include);
                if let Some(v) = divisor {
                    l = l.divisor_override(v);
                }
            }
            l
        }};
    }
    let layer = match rank {
        1 => AnyLayer::P1(build!(Pool1d, |v: &[usize]| [v[0]])),
        2 => AnyLayer::P2(build!(Pool2d, |v: &[usize]| [v[0], v[1]])),
        _ => AnyLayer::P3(build!(Pool3d, |v: &[usize]| [v[0], v[1], v[2]])),
    };
    (layer, shape)
}

/// `per_count` random layers for every channel count of `isa`, each checked in both layouts
/// (serially, and in parallel when `parallel`). Returns the number of accepted cases.
pub fn grid(isa: Isa, seed: u64, per_count: usize, parallel: bool) -> Result<usize, String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut count = 0;
    for c in channel_counts(isa) {
        let mut done = 0;
        let mut tries = 0;
        while done < per_count && tries < 20 * per_count {
            tries += 1;
            let (layer, shape) = draw(&mut rng, c);
            let input = nasty(&mut rng, shape.iter().product());
            let r = with_layer!(&layer, &shape, run(&input, isa, parallel));
            match r {
                None => continue,
                Some(r) => r?,
            }
            done += 1;
        }
        count += done;
    }
    Ok(count)
}

/// Checks one layer, or `None` if PyTorch's rules reject it.
fn run<L: Layer + Clone + std::fmt::Debug>(
    l: &L,
    shape: L::Shape,
    input: &[f32],
    isa: Isa,
    parallel: bool,
) -> Option<Result<(), String>> {
    l.output_shape(shape).ok()?;
    Some(check_reference(isa, l, shape, input, parallel))
}

/// The PyTorch channels-last cases (`fixtures/torch_last.txt`, tensors in memory order).
pub fn fixtures() -> Vec<NdCase> {
    parse(include_str!("../../fixtures/torch_last.txt"))
}

/// Every channels-last PyTorch case on `isa` (serially, and split when `parallel`), fed and
/// compared in memory order: max bit-exact with indices, regular average bit-exact (PyTorch's
/// channels-last kernel sums each channel in window order and divides, as we do), adaptive
/// average within summation-order rounding (PyTorch's own layouts differ there). Returns
/// (matched, of which average bit-exact, rejected).
pub fn fixtures_on(isa: Isa, parallel: bool) -> Result<(usize, usize, usize), String> {
    let (mut ok, mut exact, mut rejected) = (0, 0, 0);
    for c in fixtures() {
        let layer = match &c.layer {
            AnyLayer::P1(p) => AnyLayer::P1(p.clone().isa(isa).layout(Layout::ChannelsLast)),
            AnyLayer::P2(p) => AnyLayer::P2(p.clone().isa(isa).layout(Layout::ChannelsLast)),
            AnyLayer::P3(p) => AnyLayer::P3(p.clone().isa(isa).layout(Layout::ChannelsLast)),
            AnyLayer::A1(p) => AnyLayer::A1(p.clone().isa(isa).layout(Layout::ChannelsLast)),
            AnyLayer::A2(p) => AnyLayer::A2(p.clone().isa(isa).layout(Layout::ChannelsLast)),
            AnyLayer::A3(p) => AnyLayer::A3(p.clone().isa(isa).layout(Layout::ChannelsLast)),
        };
        if let Some(why) = &c.reject {
            with_layer!(&layer, &c.shape, rejects(&c.input))
                .map_err(|e| format!("{}: PyTorch rejects ({why}), we: {e}", c.name))?;
            rejected += 1;
            continue;
        }
        let adaptive = matches!(layer, AnyLayer::A1(_) | AnyLayer::A2(_) | AnyLayer::A3(_));
        let e = with_layer!(&layer, &c.shape, memory_order(&c, adaptive, parallel))
            .map_err(|e| format!("{isa} {}: {e}", c.name))?;
        ok += 1;
        exact += usize::from(e);
    }
    Ok((ok, exact, rejected))
}

/// One case in memory order; returns whether it was an average matched bit for bit.
fn memory_order<L: Layer + Clone + std::fmt::Debug>(
    l: &L,
    shape: L::Shape,
    c: &NdCase,
    adaptive: bool,
    parallel: bool,
) -> Result<bool, String> {
    let n = c.output.len();
    let out_shape = l.output_shape(shape).map_err(|e| e.to_string())?;
    // The summation-order bound, from the oracle on the logical tensor's magnitudes.
    let first: Vec<f32> = relayout(&c.input, shape.as_ref(), false);
    let abs: Vec<f32> = first.iter().map(|v| v.abs()).collect();
    let scale = match l.kind() {
        Kind::Avg => {
            let s = reference::forward(l, &abs, shape)
                .map_err(|e| e.to_string())?
                .0;
            relayout(&s, out_shape.as_ref(), true)
        }
        Kind::Max => vec![0.0; n],
    };
    let modes: &[bool] = if parallel { &[false, true] } else { &[false] };
    for &par in modes {
        let l = l.clone().parallel(par);
        let mut out = vec![0.0; n];
        l.forward(&c.input, shape, &mut out)
            .map_err(|e| e.to_string())?;
        for i in 0..n {
            let (got, want) = (out[i], c.output[i]);
            let ok = match l.kind() {
                Kind::Max => got.to_bits() == want.to_bits(),
                Kind::Avg if adaptive => same(Kind::Avg, got, want, scale[i]),
                Kind::Avg => got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
            };
            if !ok {
                return Err(format!(
                    "parallel={par} memory offset {i}: got {got:?}, PyTorch {want:?}"
                ));
            }
        }
        if l.kind() == Kind::Max {
            let mut idx = vec![0; n];
            l.forward_with_indices(&c.input, shape, &mut out, &mut idx)
                .map_err(|e| e.to_string())?;
            if let Some(i) = (0..n)
                .find(|&i| out[i].to_bits() != c.output[i].to_bits() || idx[i] != c.indices[i])
            {
                return Err(format!(
                    "parallel={par} with indices, memory offset {i}: got {:?}@{}, PyTorch {:?}@{}",
                    out[i], idx[i], c.output[i], c.indices[i]
                ));
            }
        }
    }
    Ok(l.kind() == Kind::Avg && !adaptive)
}
