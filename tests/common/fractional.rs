//! Fractional max pooling: PyTorch 2.15's answers with its `_random_samples`
//! (`fixtures/torch_fractional.txt`), bit for bit with indices, in both layouts, serial
//! and split.

use std::collections::HashMap;

use simdpool::{bf16, f16, Element, FractionalMaxPool2d, FractionalMaxPool3d, Layout, PoolError};

use super::{blocks, floats, relayout};

fn list(v: &str) -> Vec<usize> {
    v.split_whitespace().map(|t| t.parse().unwrap()).collect()
}

type Pooled = (Vec<f32>, Vec<i64>);

fn run<E: Element>(
    f: &HashMap<&str, &str>,
    last: bool,
    parallel: bool,
) -> Result<Pooled, PoolError> {
    let shape = list(f["shape"]);
    let k = list(f["kernel"]);
    let x: Vec<E> = floats(f["input"]).iter().map(|&v| E::from_f32(v)).collect();
    let x = if last { relayout(&x, &shape, true) } else { x };
    let samples = floats(f["samples"]);
    let layout = if last {
        Layout::ChannelsLast
    } else {
        Layout::ChannelsFirst
    };
    macro_rules! go {
        ($t:ident, $r:literal, $s:literal) => {{
            let a = |v: &[usize]| -> [usize; $r] { v.try_into().unwrap() };
            let mut l = $t::new(a(&k)).layout(layout).parallel(parallel);
            l = match f.get("out") {
                Some(o) => l.output_size(a(&list(o))),
                None => {
                    let r: Vec<f64> = f["ratio"]
                        .split_whitespace()
                        .map(|t| t.parse().unwrap())
                        .collect();
                    l.output_ratio(r.try_into().unwrap())
                }
            };
            let shape: [usize; $s] = shape.clone().try_into().unwrap();
            let o = l.output_shape(shape)?;
            let n: usize = o.iter().product();
            let (mut y, mut ix) = (vec![E::from_f32(f32::NAN); n], vec![-1i64; n]);
            l.forward_with_samples(&x, shape, &samples, &mut y, &mut ix)?;
            (o.to_vec(), y, ix)
        }};
    }
    let (o, y, ix) = match shape.len() {
        4 => go!(FractionalMaxPool2d, 2, 4),
        _ => go!(FractionalMaxPool3d, 3, 5),
    };
    let (y, ix) = if last {
        (relayout(&y, &o, false), relayout(&ix, &o, false))
    } else {
        (y, ix)
    };
    Ok((y.iter().map(|v| v.to_f32()).collect(), ix))
}

/// Every case, both layouts, serially and (when `split`) split: `[matched, rejected,
/// empty in PyTorch and refused here]`.
pub fn fixtures_match(split: bool) -> Result<[usize; 3], String> {
    let mut counts = [0; 3];
    for f in blocks(include_str!("../../fixtures/torch_fractional.txt")) {
        let name = f["case"];
        for (last, parallel) in [(false, false), (true, false), (false, true), (true, true)] {
            if parallel && !split {
                continue;
            }
            let got = match f["dtype"] {
                "f16" => run::<f16>(&f, last, parallel),
                "bf16" => run::<bf16>(&f, last, parallel),
                _ => run::<f32>(&f, last, parallel),
            };
            match (f.get("reject"), got) {
                (Some(_), Err(_)) => {}
                (Some(why), Ok(_)) => return Err(format!("{name}: PyTorch rejects ({why})")),
                // An output size of 0 (a small ratio): PyTorch returns an empty tensor, we
                // refuse it, as we refuse adaptive output sizes of 0.
                (None, Err(PoolError::FractionalTooLarge { output: 0, .. }))
                    if floats(f["output"]).is_empty() => {}
                (None, Err(e)) => return Err(format!("{name}: {e}")),
                (None, Ok((y, ix))) => {
                    let (want, want_ix) = (floats(f["output"]), &f["indices"]);
                    let want_ix: Vec<i64> = want_ix
                        .split_whitespace()
                        .map(|t| t.parse().unwrap())
                        .collect();
                    if y.len() != want.len() {
                        return Err(format!(
                            "{name}: {} outputs, PyTorch {}",
                            y.len(),
                            want.len()
                        ));
                    }
                    let bad = (0..want.len()).find(|&i| {
                        y[i].to_bits() != want[i].to_bits() && !(y[i].is_nan() && want[i].is_nan())
                            || ix[i] != want_ix[i]
                    });
                    if let Some(i) = bad {
                        return Err(format!(
                            "{name} (last {last}, parallel {parallel}): output {i}: {:?}@{}, \
                             PyTorch {:?}@{}",
                            y[i], ix[i], want[i], want_ix[i]
                        ));
                    }
                }
            }
        }
        let empty = !f.contains_key("reject") && floats(f["output"]).is_empty();
        counts[if empty {
            2
        } else {
            f.contains_key("reject") as usize
        }] += 1;
    }
    Ok(counts)
}
