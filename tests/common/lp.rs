//! LP pooling: PyTorch 2.15's answers (`fixtures/torch_lp.txt`) in both layouts, serial and
//! split. PyTorch's vectorized `pow` and our `powf` may differ in the last bit, so values
//! compare within 1e-5 relative (f32) or one unit in the type's last place (f16, bf16);
//! NaN must be NaN.

use std::collections::HashMap;

use simdpool::{bf16, f16, Element, Layout, Pool1d, Pool2d, Pool3d, PoolError};

use super::{blocks, floats, relayout};

fn list(v: &str) -> Vec<usize> {
    v.split_whitespace().map(|t| t.parse().unwrap()).collect()
}

/// Pools logical-order `x` with the case's LP layer in layout `last` and type `E`; the
/// output in logical order, widened.
fn run<E: Element>(
    f: &HashMap<&str, &str>,
    last: bool,
    parallel: bool,
    x: &[f32],
) -> Result<Vec<f32>, PoolError> {
    let shape = list(f["shape"]);
    let p = floats(f["norm"])[0];
    let (k, s) = (list(f["kernel"]), list(f["stride"]));
    let layout = if last {
        Layout::ChannelsLast
    } else {
        Layout::ChannelsFirst
    };
    let xe: Vec<E> = x.iter().map(|&v| E::from_f32(v)).collect();
    let xe = if last {
        relayout(&xe, &shape, true)
    } else {
        xe
    };
    macro_rules! go {
        ($t:ident, $r:literal, $s:literal) => {{
            let a = |v: &[usize]| -> [usize; $r] { v.try_into().unwrap() };
            let l = $t::lp(p, a(&k))
                .stride(a(&s))
                .ceil_mode(f["ceil"] == "1")
                .layout(layout)
                .parallel(parallel);
            let shape: [usize; $s] = shape.clone().try_into().unwrap();
            let o = l.output_shape(shape)?;
            let mut y = vec![E::from_f32(f32::NAN); o.iter().product()];
            l.forward(&xe, shape, &mut y)?;
            (o.to_vec(), y)
        }};
    }
    let (o, y) = match shape.len() {
        3 => go!(Pool1d, 1, 3),
        4 => go!(Pool2d, 2, 4),
        _ => go!(Pool3d, 3, 5),
    };
    let y = if last { relayout(&y, &o, false) } else { y };
    Ok(y.iter().map(|v| v.to_f32()).collect())
}

fn close<E: Element>(got: f32, want: f32) -> bool {
    if got.is_nan() || want.is_nan() {
        return got.is_nan() && want.is_nan();
    }
    if got == want {
        return true;
    }
    match E::DTYPE {
        simdpool::DType::F32 => (got - want).abs() <= 1e-5 * want.abs(),
        // One unit in the last place of the type, either side.
        _ => {
            let (a, b) = (E::from_f32(got), E::from_f32(want));
            // The type's unit in the last place at `v`, in f32 bits.
            let shift = if E::DTYPE == simdpool::DType::F16 {
                13
            } else {
                16
            };
            let step = |v: E| {
                let bits = v.to_f32().to_bits();
                (f32::from_bits(bits + (1 << shift)) - v.to_f32()).abs()
            };
            (a.to_f32() - b.to_f32()).abs() <= step(b).max(f32::MIN_POSITIVE)
        }
    }
}

fn one<E: Element>(f: &HashMap<&str, &str>, split: bool) -> Result<&'static str, String> {
    let x = floats(f["input"]);
    for (last, parallel) in [(false, false), (true, false), (false, true), (true, true)] {
        if parallel && !split {
            continue;
        }
        let got = run::<E>(f, last, parallel, &x);
        match (f.get("reject"), got) {
            (Some(why), Ok(_)) if why.contains("not implemented for") => return Ok("beyond"),
            (Some(why), _) => return Err(format!("PyTorch rejects: {why}")),
            (None, Err(e)) => return Err(e.to_string()),
            (None, Ok(y)) => {
                let want = floats(f["output"]);
                if y.len() != want.len() {
                    return Err(format!("{} values, PyTorch {}", y.len(), want.len()));
                }
                if let Some(i) = (0..y.len()).find(|&i| !close::<E>(y[i], want[i])) {
                    return Err(format!(
                        "last {last} parallel {parallel}: output[{i}] {:?}, PyTorch {:?}",
                        y[i], want[i]
                    ));
                }
            }
        }
    }
    Ok("matched")
}

/// Every case (split too when `split`): `[matched, computed where PyTorch has no kernel]`.
pub fn fixtures_match(split: bool) -> Result<[usize; 2], String> {
    let mut counts = [0; 2];
    for f in blocks(include_str!("../../fixtures/torch_lp.txt")) {
        let r = match f["dtype"] {
            "f16" => one::<f16>(&f, split),
            "bf16" => one::<bf16>(&f, split),
            _ => one::<f32>(&f, split),
        }
        .map_err(|e| format!("{}: {e}", f["case"]))?;
        counts[(r == "beyond") as usize] += 1;
    }
    Ok(counts)
}
