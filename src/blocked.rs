//! Channels-first calls with small planes, pooled by the channels-last pixel kernels:
//! [`BLOCK`] planes at a time are transposed into one image of `BLOCK` channels (scratch
//! that stays in cache), pooled there one vector per output pixel, and transposed back
//! (oneDNN pools NCHW on AVX-512 this way). The planes' own kernels pay per-plane and
//! per-row costs that a row of a few outputs cannot amortize; the pixel kernels pay none.
//! The two transposes cost about a quarter of a shuffle per element each way, which is why
//! larger planes keep the planes' kernels. Which calls go this way is decided in [`chosen`]
//! alone.
//!
//! Values and indices are the pixel kernels': PyTorch's tap order per output, so max and
//! argmax are bit-exact and average sums in PyTorch's order (exact, where the planes'
//! separable sums round differently).

use rayon::prelude::*;
use simdpool_kernels::{BlockImage, CheckedWindows, Isa, Kernels, PixelOp, Window, BLOCK};

use crate::channels_last::Axes;
use crate::plan::{Plan, Work};
use crate::threading::{self, Op, TASKS_PER_THREAD};

/// Planes of at most this many input pixels go through channel blocks (Inception's 17 × 17
/// grid is 289): measured on AMD EPYC with AVX-512, 7 × 7 to 17 × 17 planes ran 1.1–6×
/// faster than on the planes' kernels; 28 × 28 planes ran 5–20 % slower (the transposes
/// cost more than the planes' per-row work there).
pub(crate) const MAX_PLANE: usize = 300;
/// Output rows narrower than this take channel blocks for every op; wider rows fill the
/// planes' vectors, and only average gains there (Inception's 17-wide rows 11 %), while
/// max's same-size stride-1 path (a NaN scan, then one `max` per tap) stays ahead (17 × 17
/// max 3 s1 p1: 30 µs against 37; argmax 51 against 120).
pub(crate) const MAX_ROW: usize = 8;

/// Whether `plan` is pooled through channel blocks by `op` with kernels `k`: small planes,
/// at least half a block of them (fewer would transpose mostly repeated planes), not global
/// pooling (one contiguous run per plane already), short output rows or an average. Only
/// where the transposes run in registers and were measured faster: AVX2 and AVX-512; NEON
/// (not timed: qemu only), `portable` (its de-interleave goes through memory, 1.7× slower
/// on a 14 × 14 max) and scalar keep the planes' kernels.
pub(crate) fn chosen(k: &Kernels, plan: &Plan, op: Op) -> bool {
    let isa = match k.isa() {
        Isa::Avx2 | Isa::Avx512 => true,
        Isa::Neon | Isa::Portable | Isa::Scalar => false,
    };
    isa && applies(plan, op)
}

/// The shape part of [`chosen`].
fn applies(plan: &Plan, op: Op) -> bool {
    !matches!(plan.work, Work::Nothing)
        && plan.volumes >= BLOCK / 2
        && plan.in_volume() <= MAX_PLANE
        && (plan.output[2] < MAX_ROW || op == Op::Avg)
        && plan.out_volume() > 1
}

/// Runs `op` over every volume of `plan` through channel blocks; indices in PyTorch's plane
/// numbering, as [`crate::threading::execute`] leaves them.
pub(crate) fn execute(
    k: &Kernels,
    op: Op,
    plan: &Plan,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    parallel: bool,
) {
    let layout = Layout::of(plan, op);
    let windows = layout.windows(plan);
    let windows = CheckedWindows::new(&windows, BLOCK);
    let (vol, ovol) = (plan.in_volume(), plan.out_volume());
    let pop = match op {
        Op::Max => PixelOp::Max,
        Op::ArgMax => PixelOp::ArgMax,
        Op::Avg => PixelOp::Avg,
    };
    let indices = op == Op::ArgMax;
    // One block: planes `b·BLOCK..`, into `d` (and `i`) with the scratch `s`.
    let block = |s: &mut Scratch, b: usize, d: &mut [f32], i: &mut [i64]| {
        let planes = d.len() / ovol;
        let at = b * BLOCK * vol;
        let image = &mut s.input[layout.base..];
        k.to_channel_block(&src[at..], vol, planes, vol, image, layout.image);
        k.pixels_checked(pop, &windows, BLOCK, &s.input, &mut s.output, &mut s.idx);
        k.from_channel_block(&s.output, ovol, d, ovol, planes);
        if indices {
            for (q, i) in i.chunks_mut(ovol).enumerate() {
                for (p, v) in i.iter_mut().enumerate() {
                    *v = s.idx[p * BLOCK + q];
                }
            }
        }
    };
    // Tasks of whole blocks, about TASKS_PER_THREAD per thread (one task when serial),
    // one scratch per task.
    let blocks = plan.volumes.div_ceil(BLOCK);
    let per = match threading::threads_for(plan, parallel) {
        1 => blocks,
        threads => blocks.div_ceil(threads * TASKS_PER_THREAD),
    };
    let chunk = BLOCK * ovol;
    let task = |t: usize, d: &mut [f32], i: &mut [i64]| {
        let mut s = Scratch::new(&layout, ovol, indices, op == Op::Max);
        for (b, d) in d.chunks_mut(chunk).enumerate() {
            let i = if indices {
                &mut i[b * chunk..b * chunk + d.len()]
            } else {
                &mut []
            };
            block(&mut s, t * per + b, d, i);
        }
    };
    if per >= blocks {
        task(0, dst, idx);
    } else if indices {
        dst.par_chunks_mut(per * chunk)
            .zip(idx.par_chunks_mut(per * chunk))
            .enumerate()
            .for_each(|(t, (d, i))| task(t, d, i));
    } else {
        dst.par_chunks_mut(per * chunk)
            .enumerate()
            .for_each(|(t, d)| task(t, d, &mut []));
    }
}

/// One task's channel-block buffers.
struct Scratch {
    input: Vec<f32>,
    output: Vec<f32>,
    idx: Vec<i64>,
}

impl Scratch {
    /// Buffers for `layout`; the input's padding holds the identity of max (`-inf`) or of
    /// a sum (`+0.0`), never overwritten.
    fn new(layout: &Layout, ovol: usize, indices: bool, max: bool) -> Scratch {
        let fill = if max { f32::NEG_INFINITY } else { 0.0 };
        Scratch {
            input: vec![fill; layout.pixels * BLOCK],
            output: vec![0.0; ovol * BLOCK],
            idx: vec![0; if indices { ovol * BLOCK } else { 0 }],
        }
    }
}

/// The block image of a call: padded with the reducer's identity where that makes every
/// window the whole kernel (regular windows, max and average), so that neighbouring output
/// pixels share one shape and the pixel kernels pool eight at a time; else the input as it
/// is, windows clipped to it (argmax, whose index of an all `-inf` window must be the first
/// tap inside; adaptive windows, whose sizes vary anyway).
struct Layout {
    image: BlockImage,
    /// Pixels of the block image, and the offset (in elements) of the input's first.
    pixels: usize,
    base: usize,
    /// Padding before the input per axis (depth, rows, columns), when padded.
    padded: Option<[usize; 3]>,
}

impl Layout {
    fn of(plan: &Plan, op: Op) -> Layout {
        let vol = plan.in_volume();
        let packed = Layout {
            image: BlockImage::packed(vol),
            pixels: vol,
            base: 0,
            padded: None,
        };
        if op == Op::ArgMax || matches!(plan.work, Work::Adaptive { .. }) {
            return packed;
        }
        let mut lo = [0; 3];
        let mut size = [0; 3];
        for (i, a) in plan.axes.iter().enumerate() {
            if a.out == 0 || a.size == 0 {
                return packed;
            }
            let first = a.start(0);
            let last = a.start(a.out - 1) + ((a.kernel - 1) * a.dilation) as isize;
            lo[i] = (-first).max(0) as usize;
            let hi = (last - (a.size as isize - 1)).max(0) as usize;
            size[i] = lo[i] + a.size + hi;
        }
        let pixels = size[0] * size[1] * size[2];
        // Padding that outgrows the image (dilated or ONNX-padded windows) costs more to
        // fill and skip than it saves.
        if pixels > 2 * vol + 64 {
            return packed;
        }
        let [_, h, w] = plan.input;
        Layout {
            image: BlockImage {
                h,
                w,
                ph: size[1],
                pw: size[2],
            },
            pixels,
            base: ((lo[0] * size[1] + lo[1]) * size[2] + lo[2]) * BLOCK,
            padded: Some(lo),
        }
    }

    /// The windows of one volume's output pixels in the block image.
    fn windows(&self, plan: &Plan) -> Vec<Window> {
        let axes = Axes::of(plan, BLOCK);
        let [od, oh, ow] = plan.output;
        let mut ws = vec![Window::default(); od * oh * ow];
        for z in 0..od {
            for y in 0..oh {
                let at = (z * oh + y) * ow;
                axes.row(z, y, 0..ow, 0, &mut ws[at..at + ow]);
            }
        }
        let Some(lo) = self.padded else {
            return ws;
        };
        // Whole kernels in the padded image; divisors stay the clipped windows'.
        let [ad, ah, aw] = &plan.axes;
        let (ph, pw) = (self.image.ph, self.image.pw);
        let apart = [ph * pw * BLOCK, pw * BLOCK, BLOCK];
        let mut at = 0;
        for z in 0..od {
            for y in 0..oh {
                for x in 0..ow {
                    let start = [ad.start(z), ah.start(y), aw.start(x)];
                    let w = &mut ws[at];
                    w.offset = (0..3)
                        .map(|i| (start[i] + lo[i] as isize) as usize * apart[i])
                        .sum();
                    w.count = [ad.kernel, ah.kernel, aw.kernel];
                    w.step = [
                        ad.dilation * apart[0],
                        ah.dilation * apart[1],
                        aw.dilation * apart[2],
                    ];
                    at += 1;
                }
            }
        }
        ws
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::kernels_for;
    use crate::reference::{self, Description};
    use crate::{AdaptivePool2d, AdaptivePool3d, Pool1d, Pool2d, Pool3d};

    /// Values PyTorch's rules care about: NaN, infinities, signed zeros, ties.
    fn values(n: usize, seed: usize) -> Vec<f32> {
        let special = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0];
        (0..n)
            .map(|i| {
                let h = (i * 7919 + seed * 104_729) % 1009;
                if seed.is_multiple_of(3) && h.is_multiple_of(13) {
                    special[h % special.len()]
                } else if seed % 3 == 1 {
                    f32::NEG_INFINITY
                } else {
                    (h % 23) as f32 * 0.25 - 2.0
                }
            })
            .collect()
    }

    /// Forced onto every ISA this CPU has (the route itself is chosen only on AVX2 and
    /// AVX-512), every layer kind and a partial last block: the same bits as the oracle,
    /// padded and clipped block images alike.
    #[test]
    fn blocks_match_the_oracle_on_every_isa() {
        let plans = [
            Pool2d::max(2).0.plan(&[2, 9, 14, 14]),
            Pool2d::max(3).stride(2).padding(1).0.plan(&[1, 20, 14, 13]),
            Pool2d::max(3)
                .stride(2)
                .ceil_mode(true)
                .0
                .plan(&[1, 16, 7, 7]),
            Pool2d::max(3).dilation(2).padding(1).0.plan(&[3, 5, 9, 8]),
            Pool2d::avg(3)
                .padding(1)
                .count_include_pad(false)
                .0
                .plan(&[1, 17, 7, 7]),
            Pool2d::avg(3).stride(2).padding(1).0.plan(&[1, 33, 14, 14]),
            Pool2d::avg((2, 3))
                .ceil_mode(true)
                .divisor_override(5)
                .0
                .plan(&[1, 8, 5, 11]),
            Pool1d::max(3).stride(2).padding(1).0.plan(&[4, 5, 13]),
            Pool1d::avg(4).stride(3).0.plan(&[2, 9, 20]),
            Pool3d::max(3)
                .stride(2)
                .padding(1)
                .0
                .plan(&[1, 16, 5, 6, 7]),
            Pool3d::avg(2).0.plan(&[2, 7, 4, 6, 6]),
            AdaptivePool2d::max(3).0.plan(&[1, 18, 7, 10]),
            AdaptivePool2d::avg((2, 5)).0.plan(&[1, 16, 9, 13]),
            AdaptivePool3d::avg(2).0.plan(&[1, 12, 3, 5, 5]),
        ];
        let mut checked = 0;
        for isa in Isa::ALL {
            let Ok(k) = kernels_for(isa, "test") else {
                continue;
            };
            for (n, plan) in plans.iter().enumerate() {
                let plan = plan.as_ref().expect("a valid layer");
                let d = Description::of(plan);
                for seed in 0..3 {
                    let x = values(plan.in_len, seed + n);
                    let (want, want_idx) = reference::volumes(&d, &x);
                    for op in [Op::Max, Op::ArgMax, Op::Avg] {
                        if (op == Op::Avg) != (plan.kind == crate::Kind::Avg) {
                            continue;
                        }
                        for parallel in [false, true] {
                            let mut y = vec![1.5f32; plan.out_len];
                            let mut i =
                                vec![-7i64; if op == Op::ArgMax { plan.out_len } else { 0 }];
                            execute(&k, op, plan, &x, &mut y, &mut i, parallel);
                            // Bits, except that a NaN an average makes (inf - inf) has no
                            // sign Rust promises: any NaN there.
                            let bits = |v: &[f32]| {
                                v.iter()
                                    .map(|f| match op {
                                        Op::Avg if f.is_nan() => u32::MAX,
                                        _ => f.to_bits(),
                                    })
                                    .collect::<Vec<_>>()
                            };
                            assert_eq!(bits(&y), bits(&want), "{isa} plan {n} {op:?} seed {seed}");
                            if op == Op::ArgMax {
                                assert_eq!(i, want_idx, "{isa} plan {n} indices seed {seed}");
                            }
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked >= 2 * 3 * 2 * 14, "{checked} checks");
    }

    /// The rule: small planes, short output rows (or an average), enough planes, not
    /// global, AVX2 or AVX-512 only.
    #[test]
    fn chosen_for_small_planes_on_avx2_and_avx512() {
        let plan = |l: Pool2d, s: [usize; 4]| l.0.plan(&s).expect("valid");
        let vgg = plan(Pool2d::max(2), [1, 512, 14, 14]);
        assert!(applies(&vgg, Op::Max) && applies(&vgg, Op::ArgMax));
        let few = plan(Pool2d::max(2), [1, 4, 14, 14]);
        assert!(!applies(&few, Op::Max), "too few planes");
        let large = plan(Pool2d::avg(2), [1, 64, 28, 28]);
        assert!(!applies(&large, Op::Avg), "plane too large");
        let wide = |l: Pool2d| plan(l.stride(1).padding(1), [1, 64, 17, 17]);
        assert!(!applies(&wide(Pool2d::max(3)), Op::Max), "wide rows, max");
        assert!(
            applies(&wide(Pool2d::avg(3)), Op::Avg),
            "wide rows, average"
        );
        let global = plan(Pool2d::avg(7), [1, 64, 7, 7]);
        assert!(!applies(&global, Op::Avg), "global");
        for isa in Isa::ALL {
            if let Ok(k) = kernels_for(isa, "test") {
                assert_eq!(
                    chosen(&k, &vgg, Op::Max),
                    matches!(isa, Isa::Avx2 | Isa::Avx512),
                    "{isa}"
                );
            }
        }
    }
}
