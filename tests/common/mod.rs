//! Test support shared by every test target (including the single-threaded `serial_grid`,
//! which runs under qemu for aarch64): the PyTorch fixtures, the oracle comparison and the
//! parameter grid.
#![allow(dead_code)]

pub mod backward;
pub mod fractional;
pub mod last;
pub mod lp;
pub mod nd;
pub mod onnx;
pub mod types;
pub mod unpool;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Debug;

use simdpool::{reference, Isa, Kind, Layer, Layout, Pool2d, PoolError};
use simdpool_kernels::{Divisor, Geometry, Kernels};

/// One PyTorch case from `fixtures/torch_pool2d.txt`.
pub struct Case {
    pub name: String,
    pub pool: Pool2d,
    pub shape: [usize; 4],
    pub reject: Option<String>,
    pub input: Vec<f32>,
    pub output: Vec<f32>,
    pub indices: Vec<i64>,
}

fn nums<const N: usize>(v: &str) -> [usize; N] {
    let parts: Vec<usize> = v.split_whitespace().map(|t| t.parse().unwrap()).collect();
    parts.try_into().unwrap()
}

/// The cases of a fixture file in the `key value` format: one map per case, up to each
/// `end` line; `#` lines skipped.
pub fn blocks(text: &str) -> Vec<std::collections::HashMap<&str, &str>> {
    let mut cases = Vec::new();
    let mut f = std::collections::HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (key, val) = line.split_once(' ').unwrap_or((line, ""));
        if key == "end" {
            cases.push(std::mem::take(&mut f));
        } else {
            f.insert(key, val);
        }
    }
    cases
}

pub(crate) fn floats(v: &str) -> Vec<f32> {
    v.split_whitespace()
        .map(|t| f32::from_bits(u32::from_str_radix(t, 16).unwrap()))
        .collect()
}

/// Every fixture case, parsed.
pub fn fixtures() -> Vec<Case> {
    let text = include_str!("../../fixtures/torch_pool2d.txt");
    let mut cases = Vec::new();
    let mut f = std::collections::HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (key, val) = line.split_once(' ').unwrap_or((line, ""));
        if key != "end" {
            f.insert(key, val);
            continue;
        }
        let [kh, kw] = nums(f["kernel"]);
        let mut pool = if f["op"] == "max" {
            Pool2d::max((kh, kw))
        } else {
            Pool2d::avg((kh, kw))
        };
        pool = pool
            .stride(nums::<2>(f["stride"]))
            .padding(nums::<2>(f["padding"]))
            .dilation(nums::<2>(f["dilation"]))
            .ceil_mode(f["ceil"] == "1");
        if f["op"] == "avg" {
            pool = pool.count_include_pad(f["include_pad"] == "1");
            let [d] = nums(f["divisor"]);
            if d != 0 {
                pool = pool.divisor_override(d);
            }
        }
        cases.push(Case {
            name: f["case"].to_string(),
            pool,
            shape: nums(f["shape"]),
            reject: f.get("reject").map(|s| s.to_string()),
            input: f.get("input").map(|s| floats(s)).unwrap_or_default(),
            output: f.get("output").map(|s| floats(s)).unwrap_or_default(),
            indices: f
                .get("indices")
                .map(|s| s.split_whitespace().map(|t| t.parse().unwrap()).collect())
                .unwrap_or_default(),
        });
        f.clear();
    }
    cases
}

/// The ISAs this CPU can run; prints, loudly, the ones it must skip. `SIMDPOOL_TEST_ISAS`
/// (comma-separated names) narrows the list, and then every ISA it names must run here: the
/// emulated AVX-512 run (`tools/avx512-emu`) relies on that to fail, not skip, if the
/// emulator stops offering AVX-512.
pub fn isas() -> Vec<Isa> {
    let supported = simdpool::supported_isas();
    if let Ok(list) = std::env::var("SIMDPOOL_TEST_ISAS") {
        return list
            .split(',')
            .map(|name| {
                let isa = Isa::from_name(name)
                    .unwrap_or_else(|| panic!("SIMDPOOL_TEST_ISAS: unknown ISA {name:?}"));
                assert!(
                    supported.contains(&isa),
                    "SIMDPOOL_TEST_ISAS names {isa}, which this CPU/build cannot run"
                );
                isa
            })
            .collect();
    }
    for isa in Isa::ALL {
        if !supported.contains(&isa) {
            eprintln!("SKIPPED: ISA {isa} is not available on this CPU/build; its kernels are untested here");
        }
    }
    supported
}

/// Max: bit-exact. Average: within 1e-5 of max(|expected|, mean |x| over the window) — the
/// bound for summing the same numbers in another order (`scale` is that mean).
pub fn same(kind: Kind, got: f32, want: f32, scale: f32) -> bool {
    match kind {
        Kind::Max => got.to_bits() == want.to_bits(),
        Kind::Avg => {
            got.to_bits() == want.to_bits()
                || (got.is_nan() && want.is_nan())
                || (got - want).abs() <= 1e-5 * want.abs().max(scale)
        }
    }
}

fn describe<L: Layer + Debug>(pool: &L, shape: L::Shape, out: L::Shape, i: usize) -> String {
    // The output coordinates of flat index i, outermost first.
    let mut at = Vec::new();
    let mut rest = i;
    for &d in out.as_ref().iter().rev() {
        at.push(rest % d.max(1));
        rest /= d.max(1);
    }
    at.reverse();
    format!("{pool:?} input {shape:?}: first difference at output {at:?} of {out:?}")
}

/// What a call must produce: values, indices (max), and per output the `scale` of [`same`].
pub struct Want<'a> {
    pub out: &'a [f32],
    pub idx: &'a [i64],
    pub scale: &'a [f32],
}

/// Channels-first `x` of logical shape `shape` (`[n, c, spatial...]`) in channels-last
/// order (`to_last`), or back.
pub fn relayout<T: Copy>(x: &[T], shape: &[usize], to_last: bool) -> Vec<T> {
    let (n, c) = (shape[0], shape[1]);
    let vol: usize = shape[2..].iter().product();
    let mut y = x.to_vec();
    for b in 0..n {
        for ch in 0..c {
            for p in 0..vol {
                let (first, last) = ((b * c + ch) * vol + p, (b * vol + p) * c + ch);
                if to_last {
                    y[last] = x[first];
                } else {
                    y[first] = x[last];
                }
            }
        }
    }
    y
}

/// Runs `pool` on `isa` (serially, and in parallel when `parallel`), with and without
/// indices, in both layouts (channels-last on the transposed input, its output transposed
/// back), and compares with `want`.
pub fn check<L: Layer + Clone + Debug>(
    isa: Isa,
    pool: &L,
    shape: L::Shape,
    input: &[f32],
    want: Want,
    parallel: bool,
) -> Result<(), String> {
    let Want {
        out: want,
        idx: want_idx,
        scale,
    } = want;
    let modes: &[bool] = if parallel { &[false, true] } else { &[false] };
    let last_input = relayout(input, shape.as_ref(), true);
    for layout in [Layout::ChannelsFirst, Layout::ChannelsLast] {
        let cl = layout == Layout::ChannelsLast;
        let input = if cl { &last_input[..] } else { input };
        for &par in modes {
            let p = pool.clone().isa(isa).parallel(par).layout(layout);
            let tag = format!("[isa={isa} parallel={par} {layout:?}]");
            let n = want.len();
            let mut out = vec![GUARD; n + GUARDS];
            let os = p
                .forward(input, shape, &mut out[..n])
                .map_err(|e| format!("{tag} {e}"))?;
            if out[n..].iter().any(|v| v.to_bits() != GUARD.to_bits()) {
                return Err(format!("{tag} {pool:?} {shape:?}: wrote past the output"));
            }
            let back = |v: &[f32]| {
                if cl {
                    relayout(v, os.as_ref(), false)
                } else {
                    v.to_vec()
                }
            };
            let out = back(&out[..n]);
            if let Some(i) =
                (0..want.len()).find(|&i| !same(pool.kind(), out[i], want[i], scale[i]))
            {
                return Err(format!(
                    "{tag} {}: got {:?}, want {:?}",
                    describe(pool, shape, os, i),
                    out[i],
                    want[i]
                ));
            }
            if pool.kind() == Kind::Max {
                let mut out = vec![GUARD; n + GUARDS];
                let mut idx = vec![-7; n + GUARDS];
                p.forward_with_indices(input, shape, &mut out[..n], &mut idx[..n])
                    .map_err(|e| format!("{tag} {e}"))?;
                if out[n..].iter().any(|v| v.to_bits() != GUARD.to_bits())
                    || idx[n..].iter().any(|&i| i != -7)
                {
                    return Err(format!("{tag} {pool:?} {shape:?}: wrote past the output"));
                }
                let out = back(&out[..n]);
                let idx = if cl {
                    relayout(&idx[..n], os.as_ref(), false)
                } else {
                    idx[..n].to_vec()
                };
                let bad = (0..n)
                    .find(|&i| out[i].to_bits() != want[i].to_bits() || idx[i] != want_idx[i]);
                if let Some(i) = bad {
                    return Err(format!(
                        "{tag} with indices {}: got {:?}@{}, want {:?}@{}",
                        describe(pool, shape, os, i),
                        out[i],
                        idx[i],
                        want[i],
                        want_idx[i]
                    ));
                }
            }
        }
    }
    Ok(())
}

/// [`check`] against the reference oracle.
pub fn check_reference<L: Layer + Clone + Debug>(
    isa: Isa,
    pool: &L,
    shape: L::Shape,
    input: &[f32],
    parallel: bool,
) -> Result<(), String> {
    let (want, idx) =
        reference::forward(pool, input, shape).map_err(|e| format!("reference: {e}"))?;
    let scale = if pool.kind() == Kind::Avg {
        let abs: Vec<f32> = input.iter().map(|v| v.abs()).collect();
        reference::forward(pool, &abs, shape).unwrap().0
    } else {
        vec![0.0; want.len()]
    };
    check(
        isa,
        pool,
        shape,
        input,
        Want {
            out: &want,
            idx: &idx,
            scale: &scale,
        },
        parallel,
    )
}

/// Values with everything PyTorch's rules care about: NaNs (two payloads), infinities,
/// signed zeros, ties, huge and tiny magnitudes.
pub fn nasty(rng: &mut StdRng, len: usize) -> Vec<f32> {
    let special = [
        f32::NAN,
        f32::from_bits(0x7fc0_0001),
        f32::from_bits(0xffc0_0123),
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        3e38,
        -3e38,
        1e-40,
    ];
    let style = rng.gen_range(0..4);
    (0..len)
        .map(|_| match style {
            0 => rng.gen_range(-1.0f32..1.0),
            1 => rng.gen_range(-2i32..3) as f32,
            2 if rng.gen_bool(0.2) => special[rng.gen_range(0..special.len())],
            _ => rng.gen_range(-3i32..4) as f32 * 0.5,
        })
        .collect()
}

/// Tails by construction: for one ISA, every kernel width 1..=7, stride 1..=4, legal padding,
/// dilation 1..=3 and ceil mode, over widths 1..=3·lanes+1; the vertical parameters and the
/// data are drawn from a seeded generator. Returns the number of (shape, op) cases checked.
pub fn grid(isa: Isa, seed: u64, parallel: bool) -> Result<usize, String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let lanes = isa.lanes().max(4);
    let mut count = 0;
    for kw in 1..=7usize {
        for sw in 1..=4usize {
            for pw in 0..=kw / 2 {
                for dw in 1..=3usize {
                    for ceil in [false, true] {
                        for w in 1..=3 * lanes + 1 {
                            let kh = rng.gen_range(1..=7usize);
                            let (sh, ph, dh) = (
                                rng.gen_range(1..=4),
                                rng.gen_range(0..=kh / 2),
                                rng.gen_range(1..=3),
                            );
                            let h = rng.gen_range(1..=6);
                            let shape = [1, rng.gen_range(1..=2), h, w];
                            let base = |p: Pool2d| {
                                p.stride((sh, sw))
                                    .padding((ph, pw))
                                    .dilation((dh, dw))
                                    .ceil_mode(ceil)
                            };
                            let include = rng.gen_bool(0.5);
                            let pools = [
                                base(Pool2d::max((kh, kw))),
                                base(Pool2d::avg((kh, kw))).count_include_pad(include),
                            ];
                            for pool in pools {
                                if pool.output_shape(shape).is_err() {
                                    continue;
                                }
                                let input = nasty(&mut rng, shape.iter().product());
                                check_reference(isa, &pool, shape, &input, parallel)?;
                                count += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    // Borders at least CLIP_MIN (4) outputs wide, so wide rows use clipped border vectors:
    // padding 4-5 needs kernels of 9-11.
    for kw in [9usize, 11] {
        for sw in 1..=2usize {
            for ceil in [false, true] {
                for w in 1..=3 * lanes + 1 + kw {
                    let (kh, pw) = (rng.gen_range(1..=3usize), kw / 2);
                    let shape = [1, 1, rng.gen_range(1..=4), w];
                    let base = |p: Pool2d| p.stride((1, sw)).padding((kh / 2, pw)).ceil_mode(ceil);
                    let pools = [
                        base(Pool2d::max((kh, kw))),
                        base(Pool2d::avg((kh, kw))).count_include_pad(rng.gen_bool(0.5)),
                    ];
                    for pool in pools {
                        if pool.output_shape(shape).is_ok() {
                            let input = nasty(&mut rng, shape.iter().product());
                            check_reference(isa, &pool, shape, &input, parallel)?;
                            count += 1;
                        }
                    }
                }
            }
        }
    }
    // Global windows (the contiguous-run path): the whole plane or its first rows, with
    // and without the conditions that path needs (dilation, padding).
    for w in 1..=3 * lanes + 1 {
        for h in 1..=4usize {
            let shape = [1, 2, h, w];
            let input = nasty(&mut rng, shape.iter().product());
            for pool in [
                Pool2d::max((h, w)),
                Pool2d::avg((h, w)),
                Pool2d::max((h.div_ceil(2), w)).stride(h),
                Pool2d::avg((h.div_ceil(2), w))
                    .stride(h)
                    .divisor_override(3),
                Pool2d::max((h, w))
                    .dilation((1, 2))
                    .ceil_mode(true)
                    .stride(64),
                Pool2d::avg((h, w)).padding((0, w / 2)).stride((h, 64)),
            ] {
                if pool.output_shape(shape).is_ok() {
                    check_reference(isa, &pool, shape, &input, parallel)?;
                    count += 1;
                }
            }
        }
    }
    // Channel blocks (AVX2, AVX-512): at least 8 small planes with short output rows, a
    // partial last block, padded (max, average) and clipped (argmax) block images.
    for planes in [8usize, 17, 35] {
        for _ in 0..12 {
            let (kh, kw) = (rng.gen_range(1..=4usize), rng.gen_range(1..=4usize));
            let (sh, sw) = (rng.gen_range(1..=3), rng.gen_range(1..=3));
            let (ph, pw) = (rng.gen_range(0..=kh / 2), rng.gen_range(0..=kw / 2));
            let (dh, dw) = (rng.gen_range(1..=2), rng.gen_range(1..=2));
            let ceil = rng.gen_bool(0.5);
            let (h, w) = (rng.gen_range(1..=16), rng.gen_range(1..=16));
            let shape = [planes / 8 + 1, planes / (planes / 8 + 1), h, w];
            let base = |p: Pool2d| {
                p.stride((sh, sw))
                    .padding((ph, pw))
                    .dilation((dh, dw))
                    .ceil_mode(ceil)
            };
            for pool in [
                base(Pool2d::max((kh, kw))),
                base(Pool2d::avg((kh, kw))).count_include_pad(rng.gen_bool(0.5)),
            ] {
                if pool.output_shape(shape).is_ok() {
                    let input = nasty(&mut rng, shape.iter().product());
                    check_reference(isa, &pool, shape, &input, parallel)?;
                    count += 1;
                }
            }
        }
    }
    // Separable tiles (16 KiB of scratch rows): rows wide enough to split into strips
    // (3 rows × 1500 > 4096), tall windows that leave room for few rows per tile, and
    // dilated ones; huge values in `nasty` also take average's exact fallback.
    for (shape, k, s, p, d) in [
        ([1, 1, 23, 1500], (3, 3), (1, 1), (1, 1), (1, 1)),
        ([1, 1, 70, 3 * lanes + 5], (33, 3), (1, 1), (16, 1), (2, 1)),
        ([1, 2, 40, 130], (9, 2), (1, 2), (4, 1), (3, 2)),
    ] {
        for ceil in [false, true] {
            let input = nasty(&mut rng, shape.iter().product());
            let base = |p2: Pool2d| p2.stride(s).padding(p).dilation(d).ceil_mode(ceil);
            for pool in [base(Pool2d::max(k)), base(Pool2d::avg(k)).dilation(1)] {
                check_reference(isa, &pool, shape, &input, parallel)?;
                count += 1;
            }
        }
    }
    Ok(count)
}

/// Average sums whose overflow depends on the order: PyTorch adds row-major from 0.0, so
/// `MAX + 0 + MAX - MAX` is `inf`, while row sums give `MAX + 0 = MAX` and `MAX - MAX = 0`.
/// Both the separable path and the global (lane-sum) path must give PyTorch's answer.
pub fn overflow_order(isa: Isa) -> Result<(), String> {
    let max = f32::MAX;
    // 2 × 20: row 0 is MAX, 0, MAX, 0, …; row 1 is MAX, -MAX, MAX, -MAX, …
    let rows: Vec<f32> = (0..2 * 20)
        .map(|i| match (i / 20, i % 2) {
            (0, 0) | (1, 0) => max,
            (0, _) => 0.0,
            _ => -max,
        })
        .collect();
    let mut out = vec![0.0; 19];
    Pool2d::avg(2)
        .stride(1)
        .isa(isa)
        .forward(&rows, [1, 1, 2, 20], &mut out)
        .map_err(|e| e.to_string())?;
    for (x, &v) in out.iter().enumerate() {
        // Even x: MAX + 0 = MAX, + MAX = inf, - MAX = inf. Odd x: 0 + MAX - MAX + MAX = MAX.
        let want = if x % 2 == 0 { f32::INFINITY } else { max / 4.0 };
        if v != want {
            return Err(format!("[{isa}] 2x2 s1 at x={x}: got {v}, want {want}"));
        }
    }
    // One global window of 32: MAX, MAX first (inf in order), -MAX, -MAX at 16 and 17, which
    // cancel them in every lane sum of 4, 8 or 16 lanes.
    let mut run = vec![0.0f32; 32];
    (run[0], run[1], run[16], run[17]) = (max, max, -max, -max);
    let mut one = [0.0f32];
    Pool2d::avg((1, 32))
        .isa(isa)
        .forward(&run, [1, 1, 1, 32], &mut one)
        .map_err(|e| e.to_string())?;
    if one[0] != f32::INFINITY {
        return Err(format!("[{isa}] global 1x32: got {}, want inf", one[0]));
    }
    // 40 global windows of 7×7, summed a vector of windows at a time (groups of 16, 8 or
    // 4 planes): that pattern in plane 3 (its group falls back to single runs), a NaN in
    // plane 20 (its group's lane sums stand, that lane is redone in order), an infinity in
    // plane 35 (a group of its own on every ISA: falls back), the rest ordinary values.
    let mut x: Vec<f32> = (0..40 * 49)
        .map(|i| ((i * 37) % 101) as f32 - 50.5)
        .collect();
    x[3 * 49..3 * 49 + 49].fill(0.0);
    (x[3 * 49], x[3 * 49 + 1], x[3 * 49 + 16], x[3 * 49 + 17]) = (max, max, -max, -max);
    x[20 * 49 + 48] = f32::NAN;
    x[35 * 49 + 5] = f32::NEG_INFINITY;
    let mut out = vec![0.0f32; 40];
    Pool2d::avg(7)
        .isa(isa)
        .parallel(false)
        .forward(&x, [2, 20, 7, 7], &mut out)
        .map_err(|e| e.to_string())?;
    for (p, &v) in out.iter().enumerate() {
        // Each plane's sum in PyTorch's order, up to the rounding of another order.
        let run = &x[p * 49..(p + 1) * 49];
        let want = run.iter().fold(0.0f32, |s, &v| s + v) / 49.0;
        let scale = run.iter().map(|v| v.abs()).sum::<f32>() / 49.0;
        if !same(Kind::Avg, v, want, scale) {
            return Err(format!(
                "[{isa}] 40 planes of 7x7, plane {p}: got {v}, want {want}"
            ));
        }
    }
    Ok(())
}

/// Every fixture through `isa`; rejected ones must be rejected. Returns (checked, rejected).
pub fn fixtures_on(isa: Isa, parallel: bool) -> Result<(usize, usize), String> {
    let (mut ok, mut rejected) = (0, 0);
    for case in fixtures() {
        let pool = case.pool.clone().isa(isa);
        if let Some(why) = &case.reject {
            let mut out = vec![0.0; 64];
            let got = pool.forward(&case.input, case.shape, &mut out);
            if got.is_ok() {
                return Err(format!(
                    "{}: PyTorch rejects ({why}) but we accepted",
                    case.name
                ));
            }
            rejected += 1;
            continue;
        }
        let scale = if pool.kind() == Kind::Avg {
            let abs: Vec<f32> = case.input.iter().map(|v| v.abs()).collect();
            reference::forward(&case.pool, &abs, case.shape)
                .map_err(|e| e.to_string())?
                .0
        } else {
            vec![0.0; case.output.len()]
        };
        let want = Want {
            out: &case.output,
            idx: &case.indices,
            scale: &scale,
        };
        check(isa, &pool, case.shape, &case.input, want, parallel)
            .map_err(|e| format!("{}: {e}", case.name))?;
        ok += 1;
    }
    Ok((ok, rejected))
}

/// The reference itself against PyTorch.
pub fn reference_matches_fixtures() -> Result<usize, String> {
    let mut n = 0;
    for case in fixtures().into_iter().filter(|c| c.reject.is_none()) {
        let (out, idx) = reference::forward(&case.pool, &case.input, case.shape)
            .map_err(|e| format!("{}: {e}", case.name))?;
        let kind = case.pool.kind();
        let bad = (0..out.len()).find(|&i| {
            !same(kind, out[i], case.output[i], 0.0)
                || (kind == Kind::Max && idx[i] != case.indices[i])
        });
        if out.len() != case.output.len() || bad.is_some() {
            return Err(format!(
                "{}: reference differs from PyTorch at {bad:?}",
                case.name
            ));
        }
        n += 1;
    }
    Ok(n)
}

/// Keep the error type in scope for callers matching on it.
pub type Err = PoolError;

/// A NaN whose payload marks memory outside the slices a kernel was given: reading it
/// poisons a max (NaN wins) or a sum, so an out-of-bounds read shows up as a wrong value.
pub const GUARD: f32 = f32::from_bits(0x7fc0_dead);

/// How many guard elements surround every slice handed to a kernel.
pub const GUARDS: usize = 64;

/// One arbitrary geometry: sizes and parameters drawn with no regard for PyTorch's rules
/// (output sizes too large or small for the input, padding past the kernel, windows wholly
/// in the padding), as the public `Geometry::new` accepts them.
pub fn arbitrary_geometry(rng: &mut StdRng, lanes: usize) -> Option<Geometry> {
    let small = |rng: &mut StdRng, hi: usize| rng.gen_range(1..=hi);
    let w = small(rng, 3 * lanes + 2);
    let h = small(rng, 9);
    let k = [small(rng, 7), small(rng, 7)];
    let s = [small(rng, 4), small(rng, 4)];
    let d = [small(rng, 3), small(rng, 3)];
    let mut p = [rng.gen_range(0..=k[0]), rng.gen_range(0..=k[1])];
    // Same-size stride-1 rows (the flat path's shape) with the padding off by a little.
    let mut ow = small(rng, 3 * lanes + 4);
    if rng.gen_bool(0.3) {
        ow = w;
        p[1] = ((k[1] - 1) * d[1] / 2).saturating_add_signed(rng.gen_range(-1..=1));
    }
    let oh = small(rng, 12);
    let divisor = match rng.gen_range(0..3) {
        0 => Divisor::IncludePad,
        1 => Divisor::ExcludePad,
        _ => Divisor::Override(rng.gen_range(1..50)),
    };
    Geometry::new([h, w], [oh, ow], k, s, p, d, divisor)
}

/// Runs every kernel of `isa` over `g` (rows `rows` of `planes` planes) with each slice
/// exactly sized inside guard elements, and compares with the reference: values (average
/// within summation-order rounding), indices exactly, guards untouched.
pub fn check_geometry(
    isa: Isa,
    g: &Geometry,
    planes: usize,
    rows: std::ops::Range<usize>,
    input: &[f32],
) -> Result<(), String> {
    assert!(simdpool::supported_isas().contains(&isa));
    // SAFETY: the CPU runs `isa` (asserted above).
    let k = unsafe { Kernels::for_isa_unchecked(isa) }.ok_or("no kernels")?;
    let [oh, ow] = g.output();
    let per = rows.len() * ow;
    let n = planes * per;
    let guarded = |v: &[f32]| {
        let mut b = vec![GUARD; GUARDS];
        b.extend_from_slice(v);
        b.extend(std::iter::repeat_n(GUARD, GUARDS));
        b
    };
    let src = guarded(input);
    let src = &src[GUARDS..GUARDS + input.len()];
    for kind in [Kind::Max, Kind::Avg] {
        let (all, all_idx) = reference::planes(g, kind, planes, input);
        let abs: Vec<f32> = input.iter().map(|v| v.abs()).collect();
        let (mag, _) = reference::planes(g, Kind::Avg, planes, &abs);
        let pick = |v: &[f32], p: usize, j: usize| v[p * oh * ow + rows.start * ow + j];
        let modes: &[bool] = if kind == Kind::Max {
            &[false, true]
        } else {
            &[false]
        };
        for &with_idx in modes {
            let mut dst = guarded(&vec![0.0; n]);
            let mut idx = vec![-7i64; n + GUARDS];
            let out = &mut dst[GUARDS..GUARDS + n];
            let run = |src: &[f32], out: &mut [f32], idx: &mut [i64]| match (kind, with_idx) {
                (Kind::Max, false) => k.max(g, planes, src, out, rows.clone()),
                (Kind::Max, true) => k.argmax(g, planes, src, out, idx, rows.clone()),
                (Kind::Avg, _) => k.avg(g, planes, src, out, rows.clone()),
            };
            run(src, out, &mut idx[..n]);
            let tag = format!(
                "[isa={isa}] {kind:?} indices={with_idx} {g:?} planes {planes} rows {rows:?}"
            );
            // Again with every slice its own exactly sized allocation, where a sanitizer sees
            // any read or write past it; the results must be the same bits.
            let (exact_in, mut exact_out, mut exact_idx) =
                (input.to_vec(), vec![0.0; n], vec![0; n]);
            run(&exact_in, &mut exact_out, &mut exact_idx);
            // (NaN payloads from arithmetic are unspecified: Miri varies them run to run.)
            let same_bits = exact_out
                .iter()
                .zip(&dst[GUARDS..GUARDS + n])
                .all(|(a, b)| {
                    a.to_bits() == b.to_bits() || (kind == Kind::Avg && a.is_nan() && b.is_nan())
                });
            if !same_bits || (with_idx && exact_idx[..] != idx[..n]) {
                return Err(format!(
                    "{tag}: exact slices give other results than guarded ones"
                ));
            }
            if dst[..GUARDS]
                .iter()
                .chain(&dst[GUARDS + n..])
                .any(|v| v.to_bits() != GUARD.to_bits())
                || idx[n..].iter().any(|&i| i != -7)
            {
                return Err(format!("{tag}: wrote outside its output"));
            }
            for p in 0..planes {
                for j in 0..per {
                    let got = dst[GUARDS + p * per + j];
                    let want = pick(&all, p, j);
                    // Average: taps·eps·(mean |x|) covers any summation order (the divisor
                    // is at least 1 for a window with taps, and 0/0 gives NaN either way).
                    let taps = (g.kernel()[0] * g.kernel()[1]) as f32;
                    let scale = pick(&mag, p, j).abs().max(want.abs()) * taps;
                    let value_ok = match kind {
                        Kind::Max => got.to_bits() == want.to_bits(),
                        Kind::Avg => same(kind, got, want, scale),
                    };
                    let idx_ok =
                        !with_idx || idx[p * per + j] == all_idx[p * oh * ow + rows.start * ow + j];
                    if !value_ok || !idx_ok {
                        let i = with_idx.then(|| {
                            (idx[p * per + j], all_idx[p * oh * ow + rows.start * ow + j])
                        });
                        return Err(format!(
                            "{tag}: plane {p}, output ({}, {}): got {got:?}, want {want:?} (indices got/want {i:?})",
                            rows.start + j / ow,
                            j % ow
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// `count` arbitrary geometries (see [`arbitrary_geometry`]) through every kernel of `isa`,
/// over random row ranges of 1–3 planes. Returns how many were checked.
pub fn geometries(isa: Isa, seed: u64, count: usize) -> Result<usize, String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut checked = 0;
    while checked < count {
        let Some(g) = arbitrary_geometry(&mut rng, isa.lanes().max(4)) else {
            continue;
        };
        let oh = g.output()[0];
        let a = rng.gen_range(0..oh);
        let b = rng.gen_range(a + 1..=oh);
        let planes = rng.gen_range(1..=3);
        let input = nasty(&mut rng, planes * g.plane_len());
        check_geometry(isa, &g, planes, a..b, &input)?;
        checked += 1;
    }
    Ok(checked)
}

/// The two bugs of issue 9, small enough for every run (NEON under qemu included):
/// 1. a same-width stride-1 geometry whose padding is not half the window's reach (the flat
///    path once read past the input and wrapped windows into the next row);
/// 2. argmax offsets above 2^24 in a tiny plane: a window origin deep in the top padding
///    (`ph·w = 2^24`) puts row 0's taps at offsets `2^24 + kx`, whose odd ones an `f32`
///    rounds down (indices were one too low while vectors were allowed by the plane size).
///
/// 3. (found by the `shapes` fuzz target) [`dilated_avg_regroup`].
///
/// Returns how many checks ran.
pub fn issue9_regressions(isa: Isa) -> Result<usize, String> {
    let g = Geometry::new(
        [4, 8],
        [4, 8],
        [1, 3],
        [1, 1],
        [0, 0],
        [1, 1],
        Divisor::IncludePad,
    )
    .expect("valid geometry");
    let mut rng = StdRng::seed_from_u64(9);
    let input = nasty(&mut rng, 32);
    check_geometry(isa, &g, 1, 0..4, &input)?;
    // 1 × 32 plane, row 0 alternating 1, 2; kernel (2^20 + 1, 3), padding (2^19, 1): one
    // output row whose windows start 2^19 rows above the plane.
    let (w, ph) = (32usize, 1usize << 19);
    let pool = Pool2d::max((2 * ph + 1, 3)).padding((ph, 1)).stride((1, 1));
    let x: Vec<f32> = (0..w).map(|i| 1.0 + (i % 2) as f32).collect();
    check_reference(isa, &pool, [1, 1, 1, w], &x, false)?;
    // And by reasoning: output x's window is columns x-1..=x+1, and 2s sit at odd columns;
    // the first is x itself for odd x, x - 1 for even x > 0, and column 1 for x = 0.
    let mut out = vec![0.0; w];
    let mut idx = vec![0i64; w];
    // Serial: this window is huge enough to start rayon, which hangs under qemu-user.
    pool.clone()
        .isa(isa)
        .parallel(false)
        .forward_with_indices(&x, [1, 1, 1, w], &mut out, &mut idx)
        .map_err(|e| e.to_string())?;
    let want: Vec<i64> = (0..w as i64)
        .map(|x| if x % 2 == 1 { x } else { (x - 1).max(1) })
        .collect();
    if idx != want || out.iter().any(|&v| v != 2.0) {
        return Err(format!(
            "[{isa}] argmax past 2^24: got {idx:?}, want {want:?}"
        ));
    }
    dilated_avg_regroup(isa)?;
    Ok(4)
}

/// A finding of the `shapes` fuzz target: average with vertical dilation, where separable
/// tiles once scanned too few rows before regrouping sums. 8 × 7 plane, rows 0–4 `-inf`,
/// rows 5–7 `f32::MAX`; kernel (2, 4), padding (1, 2), dilation (6, 2), stride 1. Output row
/// 2 adds row 1 (`-inf`) then row 7 (`MAX`s): `-inf` in PyTorch's order, but row 7's own sum
/// overflows to `+inf`, so regrouped it is NaN. The reference must win.
pub fn dilated_avg_regroup(isa: Isa) -> Result<(), String> {
    let (h, w) = (8usize, 7usize);
    let x: Vec<f32> = (0..h * w)
        .map(|i| {
            if i / w < 5 {
                f32::NEG_INFINITY
            } else {
                f32::MAX
            }
        })
        .collect();
    let pool = Pool2d::avg((2, 4))
        .stride(1)
        .padding((1, 2))
        .dilation((6, 2));
    check_reference(isa, &pool, [1, 1, h, w], &x, false)
}

/// Signed zeros and ±1: ties between equal-comparing values everywhere, all finite (so
/// the scan lets the cheap step run).
fn ties(rng: &mut StdRng, len: usize) -> Vec<f32> {
    let vals = [0.0, -0.0, -0.0, -1.0];
    (0..len)
        .map(|_| vals[rng.gen_range(0..vals.len())])
        .collect()
}

/// Max on inputs whose NaNs (and infinities) sit in one plane or one band only, with
/// signed-zero ties everywhere, against the reference (see `tests/nan_free.rs`). Returns
/// the number of (input, pool) cases checked.
pub fn nan_free_cases(isa: Isa, parallel: bool) -> Result<usize, String> {
    let mut rng = StdRng::seed_from_u64(11);
    // Small planes scanned in groups; a large plane (over 16 Ki floats) scanned in bands.
    let shapes = [[1, 40, 9, 13], [2, 3, 17, 17], [1, 1, 300, 70]];
    let pools = [
        Pool2d::max(3).stride(1).padding(1),
        Pool2d::max(5).stride(1).padding(2),
        Pool2d::max(3).stride(1).dilation(2),
        Pool2d::max((2, 4)).stride(1).padding((1, 2)),
    ];
    let mut checked = 0;
    for shape in shapes {
        let len: usize = shape.iter().product();
        let clean = ties(&mut rng, len);
        // A NaN in the last plane (or, for one plane, in the last rows).
        let mut late = clean.clone();
        late[len - 5] = f32::NAN;
        // Two NaN payloads in one early spot, the last of which must win.
        let mut early = clean.clone();
        early[3] = f32::from_bits(0x7fc0_0001);
        early[4] = f32::from_bits(0xffc0_0123);
        // Infinities only (no NaN): the scan cannot tell, so the NaN-aware path runs.
        let mut inf = clean.clone();
        inf[len / 2] = f32::INFINITY;
        inf[len / 3] = f32::NEG_INFINITY;
        for pool in &pools {
            for x in [&clean, &late, &early, &inf] {
                check_reference(isa, pool, shape, x, parallel)?;
                checked += 1;
            }
        }
    }
    Ok(checked)
}

/// The channel-block transposes and the slice merges of `isa`'s kernels against plain
/// loops: planes × lengths around every vector width, a padded block image, and merges
/// with NaNs of two payloads and signed zeros. Returns the number of calls checked.
pub fn channel_blocks(isa: Isa) -> Result<usize, String> {
    use simdpool_kernels::{BlockImage, BLOCK};
    if !simdpool::supported_isas().contains(&isa) {
        return Ok(0);
    }
    // SAFETY: `supported_isas` just confirmed this CPU runs `isa`.
    let k = unsafe { Kernels::for_isa_unchecked(isa) }.ok_or("no kernels")?;
    let mut rng = StdRng::seed_from_u64(0xb10c ^ isa as u64);
    let mut count = 0;
    for planes in [1, 3, 8, 15, 16] {
        for len in [1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 49, 64, 196] {
            let stride = len + rng.gen_range(0..3);
            let src = nasty(&mut rng, planes * stride);
            let img = if len % 4 == 0 {
                BlockImage {
                    h: 2,
                    w: len / 4,
                    ph: 3,
                    pw: len / 4 + 2,
                }
            } else {
                BlockImage::packed(len)
            };
            let pixels = (len - 1) / img.w / img.h * img.ph * img.pw + img.ph * img.pw;
            let mut block = vec![7.0f32; pixels * BLOCK];
            k.to_channel_block(&src, stride, planes, len, &mut block, img);
            for p in 0..len {
                for q in 0..BLOCK {
                    let want = src[q.min(planes - 1) * stride + p];
                    let got = block[img.at(p) * BLOCK + q];
                    if got.to_bits() != want.to_bits() {
                        return Err(format!("{isa}: block {planes}x{len} pixel {p} plane {q}"));
                    }
                }
            }
            let packed: Vec<f32> = (0..len * BLOCK).map(|i| i as f32).collect();
            let mut back = vec![-1.0f32; planes * stride];
            k.from_channel_block(&packed, len, &mut back, stride, planes);
            for q in 0..planes {
                for p in 0..stride {
                    let want = if p < len {
                        (p * BLOCK + q) as f32
                    } else {
                        -1.0
                    };
                    if back[q * stride + p] != want {
                        return Err(format!("{isa}: back {planes}x{len} plane {q} at {p}"));
                    }
                }
            }
            count += 2;
        }
    }
    // PyTorch's max step: the later value where larger or NaN (the last NaN wins; ties,
    // +0.0 after -0.0 among them, keep the earlier).
    let step = |m: f32, v: f32| if v > m || v.is_nan() { v } else { m };
    for n in [1, 4, 15, 16, 17, 33, 100] {
        let (a, b) = (nasty(&mut rng, n), nasty(&mut rng, n));
        let mut acc = a.clone();
        k.merge_max(&mut acc, &b);
        let mut of = vec![0.0f32; n];
        k.max_of(&mut of, &a, &b);
        for i in 0..n {
            let want = step(a[i], b[i]).to_bits();
            if acc[i].to_bits() != want || of[i].to_bits() != want {
                return Err(format!("{isa}: merge of {} and {} at {i}", a[i], b[i]));
            }
        }
        count += 2;
    }
    Ok(count)
}
