//! Max-unpooling: PyTorch 2.15's answers (`fixtures/torch_unpool.txt`), in both layouts,
//! serial and split.

use std::collections::HashMap;

use simdpool::{bf16, f16, Element, Layout, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, PoolError};

use super::{blocks, floats, relayout};

fn list(v: &str) -> Vec<usize> {
    v.split_whitespace().map(|t| t.parse().unwrap()).collect()
}

/// One case's fields, by key.
pub struct UnpoolCase<'a>(HashMap<&'a str, &'a str>);

impl UnpoolCase<'_> {
    pub fn name(&self) -> &str {
        self.0["case"]
    }
}

/// Every case of `fixtures/torch_unpool.txt`.
pub fn fixtures() -> Vec<UnpoolCase<'static>> {
    blocks(include_str!("../../fixtures/torch_unpool.txt"))
        .into_iter()
        .map(UnpoolCase)
        .collect()
}

/// Unpools `values`/`indices` (logical order) of `shape` in layout `last` and type `E`;
/// the output in logical order, widened.
fn unpool<E: Element>(
    c: &UnpoolCase,
    last: bool,
    parallel: bool,
    values: &[f32],
    indices: &[i64],
) -> Result<Vec<f32>, PoolError> {
    let shape = list(c.0["shape"]);
    let (k, s, p) = (
        list(c.0["kernel"]),
        list(c.0["stride"]),
        list(c.0["padding"]),
    );
    let out = c.0.get("out_size").map(|v| list(v));
    let layout = if last {
        Layout::ChannelsLast
    } else {
        Layout::ChannelsFirst
    };
    let v: Vec<E> = values.iter().map(|&x| E::from_f32(x)).collect();
    let (v, ix) = if last {
        (relayout(&v, &shape, true), relayout(indices, &shape, true))
    } else {
        (v, indices.to_vec())
    };
    let mut y = vec![E::from_f32(f32::NAN); 1 << 16];
    macro_rules! run {
        ($t:ident, $r:literal, $s:literal) => {{
            let a = |v: &[usize]| -> [usize; $r] { v.try_into().unwrap() };
            let u = $t::new(a(&k))
                .stride(a(&s))
                .padding(a(&p))
                .layout(layout)
                .parallel(parallel);
            let shape: [usize; $s] = shape.clone().try_into().unwrap();
            u.forward(&v, &ix, shape, out.as_deref().map(a), &mut y)?
                .to_vec()
        }};
    }
    let out_shape = match shape.len() {
        3 => run!(MaxUnpool1d, 1, 3),
        4 => run!(MaxUnpool2d, 2, 4),
        _ => run!(MaxUnpool3d, 3, 5),
    };
    let n: usize = out_shape.iter().product();
    assert!(
        y[n..].iter().all(|e| e.to_f32().is_nan()),
        "written past the output"
    );
    let y = if last {
        relayout(&y[..n], &out_shape, false)
    } else {
        y[..n].to_vec()
    };
    Ok(y.iter().map(|e| e.to_f32()).collect())
}

/// Every case in both layouts where PyTorch has them (its layout, and the other: the
/// values do not depend on it), serial, and split when `split`: `[matched, rejected]`.
pub fn fixtures_match(split: bool) -> Result<[usize; 2], String> {
    let mut counts = [0; 2];
    for c in fixtures() {
        let values = floats(c.0["values"]);
        let indices: Vec<i64> = c.0["indices"]
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        for (last, parallel) in [(false, false), (true, false), (false, true), (true, true)] {
            if parallel && !split {
                continue;
            }
            let got = match c.0["dtype"] {
                "f32" => unpool::<f32>(&c, last, parallel, &values, &indices),
                "f16" => unpool::<f16>(&c, last, parallel, &values, &indices),
                "bf16" => unpool::<bf16>(&c, last, parallel, &values, &indices),
                t => return Err(format!("unknown dtype {t}")),
            };
            let name = format!("{} (last {last}, parallel {parallel})", c.name());
            match (c.0.get("reject"), got) {
                (Some(why), Ok(_)) => return Err(format!("{name}: PyTorch rejects ({why})")),
                (Some(why), Err(e)) => {
                    // The same complaint: PyTorch's message starts ours.
                    let key = &why[..why.find(':').or(why.find('"')).unwrap_or(why.len())];
                    if !e.to_string().starts_with(key.trim()) {
                        return Err(format!("{name}: PyTorch says {why}, we say {e}"));
                    }
                }
                (None, Err(e)) => return Err(format!("{name}: {e}")),
                (None, Ok(y)) => {
                    let want = floats(c.0["output"]);
                    if y.len() != want.len() {
                        return Err(format!(
                            "{name}: {} values, PyTorch {}",
                            y.len(),
                            want.len()
                        ));
                    }
                    if let Some(i) = (0..y.len()).find(|&i| y[i].to_bits() != want[i].to_bits()) {
                        return Err(format!(
                            "{name}: output[{i}] {:?}, PyTorch {:?}",
                            y[i], want[i]
                        ));
                    }
                }
            }
        }
        counts[c.0.contains_key("reject") as usize] += 1;
    }
    Ok(counts)
}
