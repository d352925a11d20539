//! Channels-last calls (NLC, NHWC, NDHWC). The one place their strategy is chosen
//! ([`Route`]): one channel is the channels-first layout already; fewer channels than the
//! narrowest vector go through the channels-first kernels on a transposed copy; everything
//! else is pooled by the pixel kernels, one vector of channels per output pixel, split over
//! rayon by output rows (and by channel blocks when rows are too few to feed every thread:
//! global pooling of one image).

use rayon::prelude::*;
use simdpool_kernels::{Divisor, Kernels, PixelOp, Window};

use crate::plan::{Plan, Work};
use crate::reference::{Description, Taps, Windows};
use crate::threading::{self, Op, Restyle, MIN_PARALLEL_TAPS, TASKS_PER_THREAD};

/// Below this many channels a vector of channels is mostly empty (AVX-512's narrowest rung
/// is 4 lanes): such calls transpose instead.
const MIN_CHANNELS: usize = 4;
/// Argmax offsets ride in `f32` lanes: exact below this.
const F32_EXACT: usize = 1 << 24;

/// How a channels-last call is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// One channel: the memory is the channels-first layout's.
    AsChannelsFirst,
    /// Transposed to channels-first scratch, pooled there, transposed back.
    Transposed,
    /// The pixel kernels.
    Pixels,
}

/// The route for `plan` with `c` channels.
pub(crate) fn route(plan: &Plan, op: Op, c: usize) -> Route {
    if c == 1 {
        Route::AsChannelsFirst
    } else if c < MIN_CHANNELS || (op == Op::ArgMax && plan.in_volume() > F32_EXACT) {
        Route::Transposed
    } else {
        Route::Pixels
    }
}

/// Runs a channels-last call: `src`, `dst` and `idx` in NDHWC order, `c` channels; indices
/// renumbered by `restyle`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn execute(
    k: &Kernels,
    op: Op,
    plan: &Plan,
    c: usize,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    restyle: Restyle,
    parallel: bool,
) {
    if plan.work == Work::Nothing {
        return;
    }
    match route(plan, op, c) {
        Route::AsChannelsFirst => {
            threading::execute(k, op, plan, src, dst, idx, parallel);
            fix_indices(plan, c, idx, restyle, parallel);
        }
        Route::Transposed => {
            let n = plan.volumes / c;
            let mut first = vec![0.0; src.len()];
            transpose(src, &mut first, n, plan.in_volume(), c, true);
            let mut out = vec![0.0; dst.len()];
            let mut ix = vec![0; idx.len()];
            threading::execute(k, op, plan, &first, &mut out, &mut ix, parallel);
            transpose(&out, dst, n, plan.out_volume(), c, false);
            transpose(&ix, idx, n, plan.out_volume(), c, false);
            fix_indices(plan, c, idx, restyle, parallel);
        }
        Route::Pixels => {
            pixels(k, op, plan, c, src, dst, idx, parallel);
            fix_indices(plan, c, idx, restyle, parallel);
        }
    }
}

/// Copies `n` images of `vol` pixels × `c` channels between layouts: channels-last `from` to
/// channels-first `to` when `to_first`, else channels-first `from` to channels-last `to`.
fn transpose<T: Copy>(from: &[T], to: &mut [T], n: usize, vol: usize, c: usize, to_first: bool) {
    let per = vol * c;
    for (a, b) in from.chunks(per).zip(to.chunks_mut(per)).take(n) {
        for p in 0..vol {
            for ch in 0..c {
                if to_first {
                    b[ch * vol + p] = a[p * c + ch];
                } else {
                    b[p * c + ch] = a[ch * vol + p];
                }
            }
        }
    }
}

/// Renumbers channels-last indices as the layer's style says (volume `n·c + channel`).
fn fix_indices(plan: &Plan, c: usize, idx: &mut [i64], r: Restyle, parallel: bool) {
    if r.is_identity() || idx.is_empty() {
        return;
    }
    let per = plan.out_volume() * c;
    let fix = |(n, image): (usize, &mut [i64])| {
        for (at, i) in image.iter_mut().enumerate() {
            *i = r.apply(n * c + at % c, *i);
        }
    };
    if parallel && idx.len() >= MIN_PARALLEL_TAPS {
        idx.par_chunks_mut(per).enumerate().for_each(fix);
    } else {
        idx.chunks_mut(per).enumerate().for_each(fix);
    }
}

/// The per-axis windows of a call, and how each pixel's window is divided.
struct Axes {
    /// Depth, height, width: the taps of every output position.
    taps: [Vec<Taps>; 3],
    /// Spatial input sizes.
    input: [usize; 3],
    divisor: Divisor,
    /// Divide by each axis's taps in turn (PyTorch's adaptive kernels).
    per_axis: bool,
}

impl Axes {
    fn of(plan: &Plan) -> Axes {
        let d = Description::of(plan);
        let adaptive = matches!(d.axes[0], Windows::Adaptive { .. });
        let global = d.axes.iter().all(|a| a.out() == 1);
        Axes {
            taps: d.axes.map(|a| (0..a.out()).map(|o| a.taps(o)).collect()),
            input: plan.input,
            divisor: plan.divisor,
            per_axis: adaptive && !global,
        }
    }

    /// The window of output pixel `(z, y, x)` for `c` channels (offsets in elements of
    /// one image).
    fn window(&self, z: usize, y: usize, x: usize, c: usize) -> Window {
        let [h, w] = [self.input[1], self.input[2]];
        let [tz, ty, tx] = [&self.taps[0][z], &self.taps[1][y], &self.taps[2][x]];
        let count = [tz.count, ty.count, tx.count];
        let empty = count.contains(&0);
        let at = |t: &Taps| t.at as usize;
        let pixel = if empty {
            0
        } else {
            (at(tz) * h + at(ty)) * w + at(tx)
        };
        // Saturating: a step only matters with two taps on its axis, and then it lies
        // inside the volume.
        let index_step = [
            (tz.step as usize).saturating_mul(h * w),
            (ty.step as usize).saturating_mul(w),
            tx.step as usize,
        ];
        let divide = if self.per_axis {
            count.map(|n| n as f32)
        } else {
            let d = match self.divisor {
                Divisor::Override(v) => v as f32,
                Divisor::ExcludePad => count.iter().product::<usize>() as f32,
                // Saturating: a window deep in ONNX padding can pass even u128.
                Divisor::IncludePad => (tz.padded as u128)
                    .saturating_mul(ty.padded as u128)
                    .saturating_mul(tx.padded as u128)
                    as f32,
            };
            [d, 1.0, 1.0]
        };
        Window {
            offset: pixel * c,
            count,
            step: index_step.map(|s| s.saturating_mul(c)),
            index: (tz.first * h as i64 + ty.first) * w as i64 + tx.first,
            index_step,
            divide,
        }
    }
}

/// The pixel kernels over the whole call.
#[allow(clippy::too_many_arguments)]
fn pixels(
    k: &Kernels,
    op: Op,
    plan: &Plan,
    c: usize,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    parallel: bool,
) {
    let pop = match op {
        Op::Max => PixelOp::Max,
        Op::ArgMax => PixelOp::ArgMax,
        Op::Avg => PixelOp::Avg,
    };
    let axes = Axes::of(plan);
    let [od, oh, ow] = plan.output;
    let (in_image, row) = (plan.in_volume() * c, ow * c);
    let rows = plan.volumes / c * od * oh;
    // Output rows `r0..` (image-major) of channels `ch`, into `d`/`i` laid out `ld` apart.
    let run = |r0: usize, ch: std::ops::Range<usize>, ld: usize, d: &mut [f32], i: &mut [i64]| {
        let mut windows = vec![Window::default(); ow];
        let per = ow * ld;
        for (j, d) in d.chunks_mut(per).enumerate() {
            let r = r0 + j;
            let (n, zy) = (r / (od * oh), r % (od * oh));
            for (x, w) in windows.iter_mut().enumerate() {
                *w = axes.window(zy / oh, zy % oh, x, c);
                w.offset += ch.start;
            }
            let s = &src[n * in_image..(n + 1) * in_image];
            let i = if op == Op::ArgMax {
                &mut i[j * per..(j + 1) * per]
            } else {
                &mut []
            };
            k.pixels(pop, &windows, ch.len(), ld, s, d, i);
        }
    };
    let taps = plan
        .axes
        .iter()
        .fold(1usize, |a, x| a.saturating_mul(x.kernel));
    let threads = if parallel && plan.out_len.saturating_mul(taps) >= MIN_PARALLEL_TAPS {
        rayon::current_num_threads()
    } else {
        1
    };
    if threads == 1 {
        return run(0, 0..c, c, dst, idx);
    }
    let want = threads * TASKS_PER_THREAD;
    if rows >= want || c < 32 {
        let per = rows.div_ceil(want);
        let chunk = per * row;
        if op == Op::ArgMax {
            dst.par_chunks_mut(chunk)
                .zip(idx.par_chunks_mut(chunk))
                .enumerate()
                .for_each(|(t, (d, i))| run(t * per, 0..c, c, d, i));
        } else {
            dst.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(t, d)| run(t * per, 0..c, c, d, &mut []));
        }
        return;
    }
    // Few rows (global pooling of one image): blocks of channels, each pooled into its own
    // buffer (the output is small next to the input here), then copied into place.
    let blocks = want.div_ceil(rows);
    let width = c.div_ceil(blocks).next_multiple_of(16).min(c);
    let parts: Vec<(Vec<f32>, Vec<i64>)> = (0..c.div_ceil(width))
        .into_par_iter()
        .map(|b| {
            let ch = b * width..(b * width + width).min(c);
            let n = rows * ow * ch.len();
            let mut d = vec![0.0; n];
            let mut i = vec![0; if op == Op::ArgMax { n } else { 0 }];
            run(0, ch.clone(), ch.len(), &mut d, &mut i);
            (d, i)
        })
        .collect();
    for (b, (d, i)) in parts.iter().enumerate() {
        let w = d.len() / (rows * ow);
        for p in 0..rows * ow {
            let at = p * c + b * width;
            dst[at..at + w].copy_from_slice(&d[p * w..(p + 1) * w]);
            if op == Op::ArgMax {
                idx[at..at + w].copy_from_slice(&i[p * w..(p + 1) * w]);
            }
        }
    }
}
