//! Machine-readable timings for `bench/compare.py`: a small server that times one request per
//! stdin line, so the script can interleave simdpool with PyTorch and ONNX Runtime.
//!
//!     cargo run --release --example timings            # then type requests:
//!     resnet_stem 1 best 0 20      # case, threads, isa (or best|reference|copy), indices, reps
//!     resnet_stem 1 best 0 20 last # the same in channels-last memory (NHWC)
//!     resnet_stem 1 best 0 20 first f16  # the same in another element type
//!                                  # (f32, f16, bf16, i8, u8: `suite::typed_input`)
//!
//!     resnet_stem 1 backward 0 20 last # its gradient (f32; max from the forward's indices)
//!     resnet_stem 1 unpool 0 20 last   # max-unpooling its output back (f32)
//!     resnet_stem 1 lp 0 20            # LP pooling (p = 2) with its kernel and stride
//!     resnet_stem 1 fractional 0 20    # fractional max pooling, kernel 2, ratio 0.5
//!
//! A case name of the form `spec:NAME:op:k:s:p:d:ceil:incl:n:c:h:w` defines a case inline.
//! Each answer is one JSON line: {"case", "threads", "isa", "indices", "median_us", "min_us"}.
//! `copy` copies the case's input bytes to another buffer (the bandwidth yardstick).
#[path = "../bench/suite.rs"]
mod suite;

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::time::Instant;

use rayon::prelude::*;
use simdpool::{Isa, Kind, Layout};

/// Per case and type: input, output, indices, and the copy target (bytes of the type, in
/// `u32` storage so that every type is aligned).
struct Buffers {
    x: Vec<u32>,
    y: Vec<u32>,
    idx: Vec<i64>,
    copy: Vec<u32>,
    /// Bytes of input and output.
    xb: usize,
    yb: usize,
}

fn time(reps: usize, mut f: impl FnMut()) -> (f64, f64) {
    f(); // warm caches and pages
    let mut t: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[t.len() / 2], t[0])
}

fn main() {
    let mut cases: HashMap<String, suite::Case> = suite::suite()
        .into_iter()
        .map(|c| (c.name.clone(), c))
        .collect();
    let mut pools: HashMap<usize, rayon::ThreadPool> = HashMap::new();
    let mut buffers: HashMap<String, Buffers> = HashMap::new();
    eprintln!("timings: {}", simdpool::build_info());
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let f: Vec<&str> = line.split_whitespace().collect();
        if !(5..=7).contains(&f.len()) {
            continue;
        }
        let Some(dtype) = suite::dtype_named(f.get(6).copied().unwrap_or("f32")) else {
            writeln!(out, "{{\"error\": \"unknown type {}\"}}", f[6]).ok();
            continue;
        };
        let layout = match f.get(5) {
            Some(&"last") => Layout::ChannelsLast,
            _ => Layout::ChannelsFirst,
        };
        if let Some(spec) = f[0].strip_prefix("spec:") {
            if let Some(c) = suite::parse(spec) {
                cases.insert(
                    f[0].to_string(),
                    suite::Case {
                        name: f[0].to_string(),
                        ..c
                    },
                );
            }
        }
        let Some(case) = cases.get(f[0]) else {
            writeln!(out, "{{\"error\": \"unknown case {}\"}}", f[0]).ok();
            continue;
        };
        let threads: usize = f[1].parse().unwrap_or(1);
        let reps: usize = f[4].parse().unwrap_or(10);
        let indices = f[3] == "1";
        let tp = pools.entry(threads).or_insert_with(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
        });
        let key = format!("{} {dtype:?}", case.name);
        let b = buffers.entry(key).or_insert_with(|| {
            let x = suite::typed_input(&case.input(), dtype);
            let yb = case.out_len() * dtype.size();
            Buffers {
                copy: vec![0; x.len()],
                xb: case.shape.iter().product::<usize>() * dtype.size(),
                x,
                y: vec![0; yb.div_ceil(4)],
                idx: vec![0; case.out_len()],
                yb,
            }
        });
        let x: &[u8] = &bytemuck::cast_slice(&b.x)[..b.xb];
        let y: &mut [u8] = &mut bytemuck::cast_slice_mut(&mut b.y)[..b.yb];
        let copy: &mut [u8] = &mut bytemuck::cast_slice_mut(&mut b.copy)[..b.xb];
        let idx = &mut b.idx;
        let (median, min) = match f[2] {
            "copy" => tp.install(|| {
                let chunk = x.len().div_ceil(threads * 4).max(4096);
                time(reps, || {
                    copy.par_chunks_mut(chunk)
                        .zip(x.par_chunks(chunk))
                        .for_each(|(d, s)| d.copy_from_slice(s))
                })
            }),
            "backward" => {
                // The forward's indices (max) and an output gradient of ones, then the
                // backward pass alone, timed.
                let p = case.pool.clone().layout(layout);
                let x = case.input();
                let mut yf = vec![0.0f32; case.out_len()];
                let mut ix = vec![
                    0i64;
                    if p.kind() == Kind::Max {
                        case.out_len()
                    } else {
                        0
                    }
                ];
                if p.kind() == Kind::Max {
                    p.forward_with_indices(&x, &case.shape, &mut yf, &mut ix)
                        .unwrap();
                }
                let go = vec![1.0f32; case.out_len()];
                let mut gi = vec![0.0f32; x.len()];
                tp.install(|| time(reps, || p.backward(&go, &ix, &case.shape, &mut gi).unwrap()))
            }
            "unpool" => {
                let p = case.pool.clone().layout(layout);
                let x = case.input();
                let (mut yf, mut ix) = (vec![0.0f32; case.out_len()], vec![0i64; case.out_len()]);
                p.forward_with_indices(&x, &case.shape, &mut yf, &mut ix)
                    .unwrap();
                let mut back = vec![0.0f32; x.len()];
                tp.install(|| time(reps, || case.unpool(layout, &yf, &ix, &mut back).unwrap()))
            }
            "lp" | "fractional" => {
                let x = case.input();
                let (mut yf, mut ix) = (vec![0.0f32; case.out_len()], Vec::new());
                let run = |yf: &mut Vec<f32>, ix: &mut Vec<i64>| match f[2] {
                    "lp" => case.lp(layout, &x, yf),
                    _ => case.fractional(layout, &x, yf, ix),
                };
                match run(&mut yf, &mut ix) {
                    Some(Ok(())) => {}
                    other => {
                        let why = other.map_or("not for this case".into(), |e| format!("{e:?}"));
                        writeln!(out, "{{\"error\": \"{}\"}}", why.replace('"', "'")).ok();
                        out.flush().ok();
                        continue;
                    }
                }
                tp.install(|| {
                    time(reps, || {
                        run(&mut yf, &mut ix);
                    })
                })
            }
            "reference" => {
                let x = case.input();
                time(reps, || {
                    std::hint::black_box(case.pool.reference(&x, &case.shape).unwrap());
                })
            }
            name => {
                let isa = if name == "best" {
                    simdpool::selected_isa()
                } else {
                    Isa::from_name(name).unwrap_or(Isa::Scalar)
                };
                let p = case.pool.clone().isa(isa).layout(layout);
                if let Err(e) = p.resolved_isa() {
                    writeln!(out, "{{\"error\": \"{e}\"}}").ok();
                    out.flush().ok();
                    continue;
                }
                tp.install(|| {
                    if indices {
                        time(reps, || {
                            p.forward_bytes_with_indices(dtype, x, &case.shape, y, idx)
                                .unwrap();
                        })
                    } else {
                        time(reps, || {
                            p.forward_bytes(dtype, x, &case.shape, y).unwrap();
                        })
                    }
                })
            }
        };
        writeln!(
            out,
            "{{\"case\": \"{}\", \"threads\": {threads}, \"isa\": \"{}\", \"indices\": {indices}, \"median_us\": {median:.3}, \"min_us\": {min:.3}}}",
            case.name, f[2]
        )
        .ok();
        out.flush().ok();
    }
}
