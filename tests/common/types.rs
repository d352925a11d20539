//! Element types other than `f32` (`f16`, `bf16`, `i8`, `u8`).
//!
//! - The conversion kernels of an ISA against the scalar conversions (`Element::to_f32`,
//!   `from_f32`): every bit pattern widened, and narrowing of halfway points, specials and
//!   random bits; rows of every width around the vector's, strided, guards untouched.
//! - The typed pipeline: by design a typed call is the `f32` call on the widened input,
//!   narrowed (see `src/staged.rs`), so it must equal exactly that, bit for bit, with the
//!   same indices, in both layouts, serial and split, on shapes that cut it into many blocks
//!   (integer average: up to its rounding of halves, which PyTorch's fixtures pin).
//! - PyTorch 2.15's typed answers (`fixtures/torch_types.txt`).

use std::fmt::Debug;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use simdpool::{bf16, f16, DType, Element, IndexStyle, Isa, Kind, Layer, Layout, Pool2d, Pool3d};
use simdpool_kernels::Kernels;

use super::last::draw;
use super::nd::{parse, with_layer, NdCase};
use super::{nasty, GUARDS};

/// The kernels of `isa`, which this CPU runs.
fn kernels(isa: Isa) -> Result<Kernels, String> {
    assert!(simdpool::supported_isas().contains(&isa));
    // SAFETY: the CPU runs `isa` (asserted above).
    unsafe { Kernels::for_isa_unchecked(isa) }.ok_or_else(|| format!("no kernels for {isa}"))
}

/// Same bits after widening (NaN payloads included: both conversions keep them).
fn same_bits<E: Element>(a: E, b: E) -> bool {
    a.to_f32().to_bits() == b.to_f32().to_bits()
}

/// Every value of `E` (every bit pattern for the 16-bit floats).
fn every<E: Element>() -> Vec<E> {
    match E::DTYPE {
        DType::F16 => (0..=u16::MAX)
            .map(|b| E::from_f32(f16::from_bits(b).to_f32()))
            .collect(),
        DType::Bf16 => (0..=u16::MAX)
            .map(|b| E::from_f32(bf16::from_bits(b).to_f32()))
            .collect(),
        DType::I8 => (-128i32..=127).map(|v| E::from_f32(v as f32)).collect(),
        DType::U8 => (0..=255).map(|v| E::from_f32(v as f32)).collect(),
        DType::F32 => unreachable!("f32 needs no conversion"),
    }
}

/// `f32` values whose narrowing is delicate for `E`: halfway between neighbours (ties to
/// even), just around them, specials (NaN payloads, signalling NaN, infinities, zeros,
/// overflow and subnormal boundaries), out-of-range integers; then random bit patterns.
fn narrowing_inputs<E: Element>(rng: &mut StdRng) -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::from_bits(0x7fc0_1234),
        f32::from_bits(0xffa0_0001),
        f32::from_bits(0x7f80_0001),
        65504.0,
        65519.99,
        65520.0,
        -65520.0,
        5.96e-8,
        2.98e-8,
        1e-40,
        3.4e38,
        1e10,
        -1e10,
        300.0,
        -300.0,
    ];
    match E::DTYPE {
        DType::F16 | DType::Bf16 => {
            let all = every::<E>();
            for w in all.windows(2).step_by(7) {
                let (a, b) = (w[0].to_f32(), w[1].to_f32());
                if a.is_finite() && b.is_finite() && a.signum() == b.signum() {
                    let mid = ((a as f64 + b as f64) / 2.0) as f32;
                    v.extend([
                        mid,
                        f32::from_bits(mid.to_bits() + 1),
                        f32::from_bits(mid.to_bits() - 1),
                    ]);
                }
            }
        }
        _ => {
            for k in -140..270 {
                v.extend([k as f32 + 0.5, k as f32 + 0.49999997, k as f32 - 0.25]);
            }
        }
    }
    let finite_only = E::DTYPE == DType::I8 || E::DTYPE == DType::U8;
    for _ in 0..20_000 {
        let x = f32::from_bits(rng.gen());
        if !(finite_only && x.is_nan()) {
            v.push(x);
        }
    }
    if finite_only {
        // Integers never see a NaN (no integer input makes one); its narrowing is only
        // defined to be the type's minimum, which the lane test below does not pin.
        v.retain(|x| !x.is_nan());
    }
    v
}

/// `isa`'s widening and narrowing of `E` against the scalar conversions, as one long row
/// and as strided rows of every width `1..=3·lanes + 3` (guards around each row).
fn conversions_of<E: Element>(k: &Kernels, isa: Isa, rng: &mut StdRng) -> Result<usize, String> {
    let tag = format!("[isa={isa} {:?}]", E::DTYPE);
    let all = every::<E>();
    let mut wide = vec![0.0f32; all.len()];
    k.widen(&all, all.len(), &mut wide, all.len(), 1, all.len());
    if let Some(i) = (0..all.len()).find(|&i| wide[i].to_bits() != all[i].to_f32().to_bits()) {
        return Err(format!(
            "{tag} widen {:?}: got {:?}, want {:?}",
            all[i],
            wide[i],
            all[i].to_f32()
        ));
    }
    let inputs = narrowing_inputs::<E>(rng);
    let mut narrow = vec![E::from_f32(0.0); inputs.len()];
    k.narrow(
        &inputs,
        inputs.len(),
        &mut narrow,
        inputs.len(),
        1,
        inputs.len(),
    );
    for (x, got) in inputs.iter().zip(&narrow) {
        if !same_bits(*got, E::from_f32(*x)) {
            return Err(format!(
                "{tag} narrow {x:e} ({:#x}): got {got:?}, want {:?}",
                x.to_bits(),
                E::from_f32(*x)
            ));
        }
    }
    let mut count = all.len() + inputs.len();
    // Strided rows: three rows of `cols`, source stride `cols + 3`, destination `cols + 1`.
    let guard = f32::from_bits(0x7fc0_dead);
    for cols in 1..=3 * isa.lanes().max(4) + 3 {
        let (rows, sld, dld) = (3, cols + 3, cols + 1);
        let src: Vec<E> = (0..rows * sld)
            .map(|i| all[(i * 97 + cols) % all.len()])
            .collect();
        let mut dst = vec![guard; rows * dld + GUARDS];
        k.widen(&src, sld, &mut dst, dld, rows, cols);
        for r in 0..rows {
            for j in 0..dld {
                let got = dst[r * dld + j];
                let want = if j < cols {
                    src[r * sld + j].to_f32()
                } else {
                    guard
                };
                if got.to_bits() != want.to_bits() {
                    return Err(format!(
                        "{tag} widen rows of {cols}: row {r} col {j}: got {got:?}, want {want:?}"
                    ));
                }
            }
        }
        let fl: Vec<f32> = (0..rows * sld)
            .map(|i| inputs[(i * 31 + cols) % inputs.len()])
            .collect();
        let marker = E::from_f32(7.0);
        let mut out = vec![marker; rows * dld + GUARDS];
        k.narrow(&fl, sld, &mut out, dld, rows, cols);
        for r in 0..rows {
            for j in 0..dld {
                let got = out[r * dld + j];
                let want = if j < cols {
                    E::from_f32(fl[r * sld + j])
                } else {
                    marker
                };
                if !same_bits(got, want) {
                    return Err(format!(
                        "{tag} narrow rows of {cols}: row {r} col {j}: got {got:?}, want {want:?}"
                    ));
                }
            }
        }
        if out[rows * dld..].iter().any(|v| !same_bits(*v, marker))
            || dst[rows * dld..]
                .iter()
                .any(|v| v.to_bits() != guard.to_bits())
        {
            return Err(format!("{tag} rows of {cols}: wrote past the rows"));
        }
        count += 2 * rows * cols;
    }
    Ok(count)
}

/// [`conversions_of`] for every type on `isa`: the number of values checked.
pub fn conversions(isa: Isa, seed: u64) -> Result<usize, String> {
    let k = kernels(isa)?;
    let mut rng = StdRng::seed_from_u64(seed);
    Ok(conversions_of::<f16>(&k, isa, &mut rng)?
        + conversions_of::<bf16>(&k, isa, &mut rng)?
        + conversions_of::<i8>(&k, isa, &mut rng)?
        + conversions_of::<u8>(&k, isa, &mut rng)?)
}

/// Values for `E`: `nasty`'s (NaNs, infinities, signed zeros, ties) rounded to the float
/// types; for integers the whole range with many ties and both extremes.
pub fn values<E: Element>(rng: &mut StdRng, len: usize) -> Vec<E> {
    match E::DTYPE {
        DType::I8 | DType::U8 => {
            let (lo, hi) = if E::DTYPE == DType::I8 {
                (-128, 127)
            } else {
                (0, 255)
            };
            let narrow = rng.gen_bool(0.5);
            (0..len)
                .map(|_| {
                    let v = if narrow {
                        rng.gen_range(lo..lo + 4)
                    } else {
                        rng.gen_range(lo..=hi)
                    };
                    E::from_f32(if rng.gen_bool(0.05) {
                        hi as f32
                    } else {
                        v as f32
                    })
                })
                .collect()
        }
        _ => {
            let scale = if rng.gen_bool(0.3) { 1000.0 } else { 1.0 };
            nasty(rng, len)
                .into_iter()
                .map(|v| E::from_f32(v * scale))
                .collect()
        }
    }
}

/// Checks one typed call of `l` on `x` (memory in `layout`) against the `f32` call on the
/// widened `x`, narrowed: values bit for bit, indices equal, guards untouched; serial, and
/// split when `parallel`. `None` when the layer rejects the shape.
pub fn typed<E: Element, L: Layer + Clone + Debug>(
    l: &L,
    shape: L::Shape,
    x: &[E],
    isa: Isa,
    layout: Layout,
    parallel: bool,
) -> Option<Result<(), String>> {
    let out_shape = l.output_shape(shape).ok()?;
    let n: usize = out_shape.as_ref().iter().product();
    let wide: Vec<f32> = x.iter().map(|v| v.to_f32()).collect();
    let modes: &[bool] = if parallel { &[false, true] } else { &[false] };
    let marker = E::from_f32(3.0);
    for &par in modes {
        let p = l.clone().isa(isa).parallel(par).layout(layout);
        let tag = format!(
            "[isa={isa} {:?} parallel={par} {layout:?}] {l:?} {shape:?}",
            E::DTYPE
        );
        let mut want = vec![0.0f32; n];
        if let Err(e) = p.forward(&wide, shape, &mut want) {
            return Some(Err(format!("{tag}: f32 call: {e}")));
        }
        let mut got = vec![marker; n + GUARDS];
        if let Err(e) = p.forward(x, shape, &mut got[..n]) {
            return Some(Err(format!("{tag}: {e}")));
        }
        if got[n..].iter().any(|v| !same_bits(*v, marker)) {
            return Some(Err(format!("{tag}: wrote past the output")));
        }
        // Integer average is PyTorch's quantized one, `rint(sum · f32(1/divisor))`: where the
        // quotient is a half, that product may round either way (the fixtures pin which).
        let half = |v: f32| {
            E::DTYPE.is_integer() && l.kind() == Kind::Avg && (v - v.floor() - 0.5).abs() < 1e-4
        };
        // An average's NaN is arithmetic, whose payload Rust leaves unspecified (Miri
        // varies it): a NaN there only has to be a NaN.
        let nan = |g: E, w: f32| l.kind() == Kind::Avg && g.to_f32().is_nan() && w.is_nan();
        let fine = |g: E, w: f32| {
            same_bits(g, E::from_f32(w))
                || nan(g, w)
                || (half(w) && (g.to_f32() == w.floor() || g.to_f32() == w.ceil()))
        };
        if let Some(i) = (0..n).find(|&i| !fine(got[i], want[i])) {
            return Some(Err(format!(
                "{tag}: output {i}: got {:?}, want {:?} (f32 {:?})",
                got[i],
                E::from_f32(want[i]),
                want[i]
            )));
        }
        if l.kind() == Kind::Max {
            let (mut wi, mut gi) = (vec![0i64; n], vec![-7i64; n + GUARDS]);
            let mut w = vec![0.0f32; n];
            let mut g = vec![marker; n];
            if let Err(e) = p.forward_with_indices(&wide, shape, &mut w, &mut wi) {
                return Some(Err(format!("{tag}: f32 call with indices: {e}")));
            }
            if let Err(e) = p.forward_with_indices(x, shape, &mut g, &mut gi[..n]) {
                return Some(Err(format!("{tag}: with indices: {e}")));
            }
            if gi[n..].iter().any(|&i| i != -7) {
                return Some(Err(format!("{tag}: indices written past the output")));
            }
            if let Some(i) = (0..n).find(|&i| gi[i] != wi[i] || !same_bits(g[i], E::from_f32(w[i])))
            {
                return Some(Err(format!(
                    "{tag}: with indices, output {i}: got {:?}@{}, want {:?}@{}",
                    g[i],
                    gi[i],
                    E::from_f32(w[i]),
                    wi[i]
                )));
            }
        }
    }
    Some(Ok(()))
}

/// Random layers (every rank, regular and adaptive, both layouts) for each type, with
/// channel counts around the vector widths: the number of typed calls checked.
pub fn grid(isa: Isa, seed: u64, per_count: usize, parallel: bool) -> Result<usize, String> {
    fn one<E: Element>(
        isa: Isa,
        rng: &mut StdRng,
        per_count: usize,
        parallel: bool,
    ) -> Result<usize, String> {
        let mut count = 0;
        for c in [1, 2, 3, 5, 16, 17, 33] {
            let mut done = 0;
            let mut tries = 0;
            while done < per_count && tries < 20 * per_count {
                tries += 1;
                let (layer, shape) = draw(rng, c);
                let x = values::<E>(rng, shape.iter().product());
                let layout = if rng.gen_bool(0.5) {
                    Layout::ChannelsLast
                } else {
                    Layout::ChannelsFirst
                };
                match with_layer!(&layer, &shape, typed(&x, isa, layout, parallel)) {
                    None => continue,
                    Some(r) => r?,
                }
                done += 1;
            }
            count += done;
        }
        Ok(count)
    }
    let mut rng = StdRng::seed_from_u64(seed);
    Ok(one::<f16>(isa, &mut rng, per_count, parallel)?
        + one::<bf16>(isa, &mut rng, per_count, parallel)?
        + one::<i8>(isa, &mut rng, per_count, parallel)?
        + one::<u8>(isa, &mut rng, per_count, parallel)?)
}

/// Shapes that cut a typed call into many blocks: many small volumes (groups), one volume
/// past a block, a channels-last image past a block with channels in blocks of 16 and a
/// tail, ONNX index numbering across blocks; for every type. Returns the calls checked.
pub fn blocks(isa: Isa, parallel: bool) -> Result<usize, String> {
    fn one<E: Element>(isa: Isa, parallel: bool) -> Result<usize, String> {
        let mut rng = StdRng::seed_from_u64(0xb10c ^ E::DTYPE as u64);
        let mut count = 0;
        let cases: [(Pool2d, [usize; 4]); 5] = [
            (Pool2d::max(3).stride(2).padding(1), [2, 40, 30, 30]),
            (
                Pool2d::avg(3).stride(1).padding(1).count_include_pad(false),
                [1, 2, 190, 190],
            ),
            (Pool2d::max(2), [1, 37, 40, 41]),
            (Pool2d::avg(7), [3, 40, 7, 7]),
            (
                Pool2d::max([3, 2]).index_style(IndexStyle::Tensor),
                [2, 35, 36, 36],
            ),
        ];
        for (l, shape) in cases {
            let x = values::<E>(&mut rng, shape.iter().product());
            for layout in [Layout::ChannelsFirst, Layout::ChannelsLast] {
                typed(&l, shape, &x, isa, layout, parallel).expect("shape accepted")?;
                count += 1;
            }
        }
        let l = Pool3d::max([2, 3, 3])
            .stride([1, 2, 2])
            .index_style(IndexStyle::TensorColumnMajor);
        let shape = [2, 20, 6, 20, 20];
        let x = values::<E>(&mut rng, shape.iter().product());
        for layout in [Layout::ChannelsFirst, Layout::ChannelsLast] {
            typed(&l, shape, &x, isa, layout, parallel).expect("shape accepted")?;
            count += 1;
        }
        Ok(count)
    }
    Ok(one::<f16>(isa, parallel)?
        + one::<bf16>(isa, parallel)?
        + one::<i8>(isa, parallel)?
        + one::<u8>(isa, parallel)?)
}

/// One PyTorch case of `fixtures/torch_types.txt`: an [`NdCase`] (tensors in memory order,
/// values widened exactly to `f32`) with its type and layout.
pub struct TypedCase {
    pub case: NdCase,
    pub dtype: DType,
    pub layout: Layout,
}

/// Every case of `fixtures/torch_types.txt`.
pub fn fixtures() -> Vec<TypedCase> {
    let text = include_str!("../../fixtures/torch_types.txt");
    let mut tags = Vec::new();
    let (mut dtype, mut layout) = (None, None);
    for line in text.lines() {
        match line.split_once(' ') {
            Some(("dtype", v)) => {
                dtype = Some(match v {
                    "f16" => DType::F16,
                    "bf16" => DType::Bf16,
                    "i8" => DType::I8,
                    "u8" => DType::U8,
                    other => panic!("unknown dtype {other}"),
                })
            }
            Some(("layout", v)) => {
                layout = Some(if v == "last" {
                    Layout::ChannelsLast
                } else {
                    Layout::ChannelsFirst
                })
            }
            _ if line == "end" => tags.push((dtype.take().unwrap(), layout.take().unwrap())),
            _ => {}
        }
    }
    let cases = parse(text);
    assert_eq!(cases.len(), tags.len());
    cases
        .into_iter()
        .zip(tags)
        .map(|(case, (dtype, layout))| TypedCase {
            case,
            dtype,
            layout,
        })
        .collect()
}

/// How a fixture case went.
pub enum Outcome {
    Matched,
    Rejected,
    /// PyTorch's `f16`/`bf16` `adaptive_avg_pool3d` sums in the type itself (rounding after
    /// every add) and divides per axis in it; we accumulate in `f32` as every other average
    /// does (README): its values are not compared.
    Diverges,
}

/// Runs every typed PyTorch case on `isa` (serially, and split when `parallel`): values
/// bit for bit (a NaN as a NaN: PyTorch's own NaN bits for `f16`/`bf16` vary with its
/// kernel), indices exactly, rejections as rejections. Returns (matched, rejected,
/// diverging) counts.
pub fn fixtures_on(isa: Isa, parallel: bool) -> Result<(usize, usize, usize), String> {
    let mut counts = (0, 0, 0);
    for t in fixtures() {
        let r = with_layer!(
            &t.case.layer,
            &t.case.shape,
            fixture_case(&t, isa, parallel)
        );
        match r.map_err(|e| format!("{}: {e}", t.case.name))? {
            Outcome::Matched => counts.0 += 1,
            Outcome::Rejected => counts.1 += 1,
            Outcome::Diverges => counts.2 += 1,
        }
    }
    Ok(counts)
}

fn fixture_case<L: Layer + Clone + Debug>(
    l: &L,
    shape: L::Shape,
    t: &TypedCase,
    isa: Isa,
    parallel: bool,
) -> Result<Outcome, String> {
    match t.dtype {
        DType::F16 => typed_fixture::<f16, L>(l, shape, t, isa, parallel),
        DType::Bf16 => typed_fixture::<bf16, L>(l, shape, t, isa, parallel),
        DType::I8 => typed_fixture::<i8, L>(l, shape, t, isa, parallel),
        DType::U8 => typed_fixture::<u8, L>(l, shape, t, isa, parallel),
        DType::F32 => Err("f32 cases live in the other fixture files".into()),
    }
}

fn typed_fixture<E: Element, L: Layer + Clone + Debug>(
    l: &L,
    shape: L::Shape,
    t: &TypedCase,
    isa: Isa,
    parallel: bool,
) -> Result<Outcome, String> {
    let c = &t.case;
    let x: Vec<E> = c.input.iter().map(|&v| E::from_f32(v)).collect();
    if x.iter()
        .zip(&c.input)
        .any(|(e, v)| e.to_f32().to_bits() != v.to_bits() && !v.is_nan())
    {
        return Err("input not exact in its type".into());
    }
    if c.reject.is_some() {
        let l = l.clone().isa(isa).layout(t.layout);
        let mut out = vec![E::from_f32(0.0); 4096];
        let mut idx = vec![0; 4096];
        l.forward(&x, shape, &mut out).err().ok_or("accepted")?;
        if l.kind() == Kind::Max {
            l.forward_with_indices(&x, shape, &mut out, &mut idx)
                .err()
                .ok_or("accepted with indices")?;
        }
        return Ok(Outcome::Rejected);
    }
    let floats = matches!(E::DTYPE, DType::F16 | DType::Bf16);
    let diverges = floats
        && l.kind() == Kind::Avg
        && matches!(c.layer, super::nd::AnyLayer::A3(_))
        && c.output.len() != shape.as_ref()[..2].iter().product::<usize>();
    let n = c.output.len();
    let modes: &[bool] = if parallel { &[false, true] } else { &[false] };
    for &par in modes {
        let p = l.clone().isa(isa).parallel(par).layout(t.layout);
        let tag = format!("[isa={isa} {:?} parallel={par} {:?}]", t.dtype, t.layout);
        let mut y = vec![E::from_f32(0.0); n];
        p.forward(&x, shape, &mut y)
            .map_err(|e| format!("{tag} {e}"))?;
        if diverges {
            continue;
        }
        let same = |got: E, want: f32| {
            got.to_f32().to_bits() == want.to_bits()
                || (floats && got.to_f32().is_nan() && want.is_nan())
        };
        if let Some(i) = (0..n).find(|&i| !same(y[i], c.output[i])) {
            return Err(format!(
                "{tag} output {i}: got {:?}, want {:?}",
                y[i].to_f32(),
                c.output[i]
            ));
        }
        if l.kind() == Kind::Max {
            let mut idx = vec![0; n];
            p.forward_with_indices(&x, shape, &mut y, &mut idx)
                .map_err(|e| format!("{tag} {e}"))?;
            if let Some(i) = (0..n).find(|&i| !same(y[i], c.output[i]) || idx[i] != c.indices[i]) {
                return Err(format!(
                    "{tag} with indices, output {i}: got {:?}@{}, want {:?}@{}",
                    y[i].to_f32(),
                    idx[i],
                    c.output[i],
                    c.indices[i]
                ));
            }
        }
    }
    Ok(if diverges {
        Outcome::Diverges
    } else {
        Outcome::Matched
    })
}
