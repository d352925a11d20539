//! Channels-last calls (NLC, NHWC, NDHWC). The one place their strategy is chosen
//! ([`Route`]): one channel is the channels-first layout already; everything else is pooled
//! by the pixel kernels, one vector of channels per output pixel, split over rayon by output
//! rows (and by channel blocks when rows are too few to feed every thread: global pooling
//! of one image). Only argmax over volumes past 2^24 elements (where the kernels' `f32`
//! index offsets would round) goes through the channels-first kernels on a transposed copy.
//! Other element types take the same route; on [`Route::Pixels`] the kernels load and store
//! the type themselves ([`pixels`], which `staged` calls), elsewhere `staged` widens.

use std::ops::Range;

use rayon::prelude::*;
use simdpool_kernels::{Divisor, Element, Kernels, PixelOp, Window};

use crate::plan::{Plan, Work};
use crate::reference::{Description, Taps, Windows};
use crate::threading::{self, Op, Restyle, MIN_PARALLEL_TAPS, TASKS_PER_THREAD};

/// Output pixels per kernel call at most (their windows live on the stack).
const PIECE: usize = 64;
/// Argmax offsets ride in `f32` lanes: exact below this.
pub(crate) const F32_EXACT: usize = 1 << 24;

/// How a channels-last call is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// One channel: the memory is the channels-first layout's.
    AsChannelsFirst,
    /// Transposed to channels-first scratch, pooled there, transposed back (argmax over
    /// volumes past 2^24 elements).
    Transposed,
    /// The pixel kernels.
    Pixels,
}

/// The route for `plan` with `c` channels; `exact` is the volume up to which argmax offsets
/// are exact in the kernels (`F32_EXACT`; smaller in unit tests, to reach every route).
pub(crate) fn route(plan: &Plan, op: Op, c: usize, exact: usize) -> Route {
    if c == 1 {
        Route::AsChannelsFirst
    } else if op == Op::ArgMax && plan.in_volume() > exact {
        Route::Transposed
    } else {
        Route::Pixels
    }
}

/// Runs a channels-last call: `src`, `dst` and `idx` in NDHWC order, `c` channels; indices
/// renumbered by `restyle`. `exact` is [`F32_EXACT`] (tests pass less, to reach every route).
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
    exact: usize,
) {
    if plan.work == Work::Nothing {
        return;
    }
    match route(plan, op, c, exact) {
        Route::AsChannelsFirst => {
            threading::execute(k, op, plan, src, dst, idx, parallel);
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
        }
        Route::Pixels => pixels(k, op, plan, c, src, dst, idx, parallel, false),
    }
    // Every route leaves PyTorch's plane indices in channels-last order.
    fix_indices(plan, c, idx, restyle, parallel);
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
pub(crate) fn fix_indices(plan: &Plan, c: usize, idx: &mut [i64], r: Restyle, parallel: bool) {
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

/// One axis's part of a window, in the units of the channels-last image: what each output
/// position along the axis adds to its pixels' windows.
#[derive(Clone, Copy, Debug)]
struct Part {
    /// Element offset of the first tap (0 when no tap is inside).
    offset: usize,
    count: usize,
    /// Element step between taps.
    step: usize,
    /// PyTorch's first index along the axis, times the axis's index stride.
    index: i64,
    index_step: usize,
    /// Taps inside the input or its padding.
    padded: usize,
}

/// The taps of window `o` of axis `a`: regular windows with the kernels' own arithmetic
/// (no division for dilation 1; the oracle's 128-bit version was most of a long 1-D call),
/// adaptive ones with the oracle's.
fn taps(a: &Windows, o: usize) -> Taps {
    match a {
        Windows::Regular(axis) => {
            let (lo, hi, padded) = axis.taps(o);
            let first = axis.start(o) as i64 + (lo * axis.dilation) as i64;
            Taps {
                at: first,
                step: axis.dilation as i64,
                count: hi.saturating_sub(lo),
                first,
                padded,
            }
        }
        Windows::Adaptive { .. } => a.taps(o),
    }
}

/// The per-axis windows of a call, and how each pixel's window is divided.
pub(crate) struct Axes {
    /// Depth, height, width: the part of every output position.
    parts: [Vec<Part>; 3],
    divisor: Divisor,
    /// Divide by each axis's taps in turn (PyTorch's adaptive kernels).
    per_axis: bool,
    /// Whether windows need their divisors (average).
    divides: bool,
    /// Multiply by `1 / divisor` instead of dividing (PyTorch's quantized average).
    pub(crate) quantized: bool,
}

impl Axes {
    pub(crate) fn of(plan: &Plan, c: usize) -> Axes {
        Axes::in_memory(plan, Memory::packed(plan, c).input)
    }

    /// The windows of an input whose depth, rows and columns lie `memory[1..]` elements
    /// apart (channels contiguous).
    fn in_memory(plan: &Plan, memory: [usize; 4]) -> Axes {
        let d = Description::of(plan);
        let adaptive = matches!(d.axes[0], Windows::Adaptive { .. });
        let global = d.axes.iter().all(|a| a.out() == 1);
        let [_, h, w] = plan.input;
        // Index strides of depth, rows and columns within the spatial volume.
        let strides = [h * w, w, 1];
        let parts = [0, 1, 2].map(|i| {
            let a = d.axes[i];
            let unit = strides[i];
            let apart = memory[i + 1];
            (0..a.out())
                .map(|o| {
                    let t = taps(&a, o);
                    // Saturating: a step only matters with two taps on its axis, and then
                    // it lies inside the volume.
                    let index_step = (t.step as usize).saturating_mul(unit);
                    Part {
                        offset: if t.count == 0 {
                            0
                        } else {
                            t.at as usize * apart
                        },
                        count: t.count,
                        step: (t.step as usize).saturating_mul(apart),
                        index: t.first * unit as i64,
                        index_step,
                        padded: t.padded,
                    }
                })
                .collect()
        });
        Axes {
            parts,
            divisor: plan.divisor,
            per_axis: adaptive && !global,
            divides: plan.kind == crate::Kind::Avg,
            quantized: false,
        }
    }

    /// The windows of columns `xs` of output row `(z, y)` into `out` (offsets in elements of
    /// one image, plus `shift`).
    pub(crate) fn row(
        &self,
        z: usize,
        y: usize,
        xs: Range<usize>,
        shift: usize,
        out: &mut [Window],
    ) {
        let [pz, py] = [&self.parts[0][z], &self.parts[1][y]];
        let zy_empty = pz.count == 0 || py.count == 0;
        let (offset, index) = (pz.offset + py.offset + shift, pz.index + py.index);
        for (w, px) in out.iter_mut().zip(&self.parts[2][xs]) {
            let count = [pz.count, py.count, px.count];
            *w = Window {
                offset: if zy_empty || px.count == 0 {
                    shift
                } else {
                    offset + px.offset
                },
                count,
                step: [pz.step, py.step, px.step],
                index: index + px.index,
                index_step: [pz.index_step, py.index_step, px.index_step],
                divide: [1.0; 3],
                scale: 1.0,
            };
            if self.divides {
                w.divide = self.divide(count, [pz.padded, py.padded, px.padded]);
                if self.quantized {
                    // PyTorch's multiplier: 1 / divisor in double, then float.
                    let d: f64 = w.divide.iter().map(|&v| v as f64).product();
                    w.divide = [1.0; 3];
                    w.scale = (1.0 / d) as f32;
                }
            }
        }
    }

    /// The whole divisor of output pixel `(z, y, x)`: the product of what each axis divides
    /// by (an average call's).
    pub(crate) fn divisor(&self, z: usize, y: usize, x: usize) -> f64 {
        let p = [&self.parts[0][z], &self.parts[1][y], &self.parts[2][x]];
        let d = self.divide(p.map(|p| p.count), p.map(|p| p.padded));
        d.iter().map(|&v| v as f64).product()
    }

    /// PyTorch's divisors for a window of `count` taps inside the input and `padded`
    /// inside input plus padding, per axis.
    fn divide(&self, count: [usize; 3], padded: [usize; 3]) -> [f32; 3] {
        if self.per_axis {
            return count.map(|n| n as f32);
        }
        let d = match self.divisor {
            Divisor::Override(v) => v as f32,
            Divisor::ExcludePad => (count[0] * count[1] * count[2]) as f32,
            Divisor::IncludePad => {
                let [a, b, c] = padded.map(|v| v as u64);
                match a.checked_mul(b).and_then(|v| v.checked_mul(c)) {
                    Some(v) => v as f32,
                    // Saturating: a window deep in ONNX padding can pass even u128.
                    None => (a as u128)
                        .saturating_mul(b as u128)
                        .saturating_mul(c as u128) as f32,
                }
            }
        };
        [d, 1.0, 1.0]
    }
}

/// Where a channels-last call's tensors lie, in elements: the input's images, depth, rows
/// and columns `input` apart (channels contiguous), the output's pixels `pixel` apart with
/// its rows and images packed at that step (indices alike). Packed tensors have `pixel = c`;
/// a channel slice of a wider tensor, more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Memory {
    pub(crate) input: [usize; 4],
    pub(crate) pixel: usize,
}

impl Memory {
    pub(crate) fn packed(plan: &Plan, c: usize) -> Memory {
        let [_, h, w] = plan.input;
        Memory {
            input: [plan.in_volume() * c, h * w * c, w * c, c],
            pixel: c,
        }
    }
}

/// The pixel kernels over the whole call, in any element type; `quantized`: an integer
/// average as PyTorch's quantized one (the sum times `1 / divisor`, see [`Window::scale`]).
/// Indices come out in PyTorch's plane numbering.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pixels<E: Element>(
    k: &Kernels,
    op: Op,
    plan: &Plan,
    c: usize,
    src: &[E],
    dst: &mut [E],
    idx: &mut [i64],
    parallel: bool,
    quantized: bool,
) {
    let memory = Memory::packed(plan, c);
    pixels_in(k, op, plan, c, memory, src, dst, idx, parallel, quantized)
}

/// [`pixels`] on tensors lying as `memory` says; `dst` and `idx` hold the output's pixels
/// up to the last one's channels.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pixels_in<E: Element>(
    k: &Kernels,
    op: Op,
    plan: &Plan,
    c: usize,
    memory: Memory,
    src: &[E],
    dst: &mut [E],
    idx: &mut [i64],
    parallel: bool,
    quantized: bool,
) {
    let pop = match op {
        Op::Max => PixelOp::Max,
        Op::ArgMax => PixelOp::ArgMax,
        Op::Avg => PixelOp::Avg,
    };
    let mut axes = Axes::in_memory(plan, memory.input);
    axes.quantized = quantized;
    let [od, oh, ow] = plan.output;
    let in_image = memory.input[0];
    let pixels = plan.volumes / c * od * oh * ow;
    let po = memory.pixel;
    // Output pixels `p0..` (image-major) of channels `ch`, into `d`/`i` laid out `ld` apart
    // (the last pixel may end at its last channel), in pieces of at most `PIECE` pixels of
    // one row (windows on the stack: a long 1-D row's windows on the heap cost more in page
    // faults than the pooling).
    let run = |p0: usize, ch: std::ops::Range<usize>, ld: usize, d: &mut [E], i: &mut [i64]| {
        let mut windows = [Window::default(); PIECE];
        let count = d.len().div_ceil(ld);
        let mut done = 0;
        while done < count {
            let p = p0 + done;
            let (r, x) = (p / ow, p % ow);
            let n = (ow - x).min(PIECE).min(count - done);
            let (img, zy) = (r / (od * oh), r % (od * oh));
            axes.row(zy / oh, zy % oh, x..x + n, ch.start, &mut windows[..n]);
            let s = &src[img * in_image..];
            let span = done * ld..((done + n) * ld).min(d.len());
            let i = if op == Op::ArgMax {
                &mut i[span.clone()]
            } else {
                &mut []
            };
            k.pixels(pop, &windows[..n], ch.len(), ld, s, &mut d[span], i);
            done += n;
        }
    };
    let threads = threading::threads_for(plan, parallel);
    if threads == 1 {
        return run(0, 0..c, po, dst, idx);
    }
    let want = threads * TASKS_PER_THREAD;
    if pixels >= want || c < 32 {
        // Blocks of output pixels (rows, or pieces of long rows), whole pixels each.
        let per = pixels.div_ceil(want);
        let chunk = per * po;
        if op == Op::ArgMax {
            dst.par_chunks_mut(chunk)
                .zip(idx.par_chunks_mut(chunk))
                .enumerate()
                .for_each(|(t, (d, i))| run(t * per, 0..c, po, d, i));
        } else {
            dst.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(t, d)| run(t * per, 0..c, po, d, &mut []));
        }
        return;
    }
    // Few pixels (global pooling of one image): blocks of channels, each pooled into its own
    // buffer (the output is small next to the input here), then copied into place.
    let blocks = want.div_ceil(pixels);
    let width = c.div_ceil(blocks).next_multiple_of(16).min(c);
    let parts: Vec<(Vec<E>, Vec<i64>)> = (0..c.div_ceil(width))
        .into_par_iter()
        .map(|b| {
            let ch = b * width..(b * width + width).min(c);
            let n = pixels * ch.len();
            let mut d = vec![E::from_f32(0.0); n];
            let mut i = vec![0; if op == Op::ArgMax { n } else { 0 }];
            run(0, ch.clone(), ch.len(), &mut d, &mut i);
            (d, i)
        })
        .collect();
    for (b, (d, i)) in parts.iter().enumerate() {
        let w = d.len() / pixels;
        for p in 0..pixels {
            let at = p * po + b * width;
            dst[at..at + w].copy_from_slice(&d[p * w..(p + 1) * w]);
            if op == Op::ArgMax {
                idx[at..at + w].copy_from_slice(&i[p * w..(p + 1) * w]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::kernels_for;
    use crate::{IndexStyle, Isa, Pool3d};

    /// Every route gives the same values and indices (the transposed one is otherwise taken
    /// only by argmax over volumes past 2^24 elements, too large for a test).
    #[test]
    fn every_route_agrees() {
        let shape = [2, 5, 3, 7, 6];
        let n: usize = shape.iter().product();
        let x: Vec<f32> = (0..n).map(|i| ((i * 7919) % 23) as f32 - 11.0).collect();
        let layer = Pool3d::max(2).stride((1, 2, 2)).padding(1).ceil_mode(true);
        let plan = layer.0.plan(&shape).unwrap();
        assert_eq!(route(&plan, Op::ArgMax, 5, F32_EXACT), Route::Pixels);
        assert_eq!(route(&plan, Op::ArgMax, 5, 8), Route::Transposed);
        assert_eq!(route(&plan, Op::Max, 5, 8), Route::Pixels);
        assert_eq!(route(&plan, Op::ArgMax, 1, 8), Route::AsChannelsFirst);
        let k = kernels_for(Isa::Portable, "test").unwrap();
        for style in [
            IndexStyle::Plane,
            IndexStyle::Tensor,
            IndexStyle::TensorColumnMajor,
        ] {
            let mut got = Vec::new();
            for exact in [F32_EXACT, 8] {
                let (mut y, mut i) = (vec![0.0f32; plan.out_len], vec![0; plan.out_len]);
                let restyle = Restyle::new(&plan, style, 3);
                let op = Op::ArgMax;
                execute(&k, op, &plan, 5, &x, &mut y, &mut i, restyle, false, exact);
                got.push((y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), i));
            }
            assert_eq!(got[0], got[1], "{style:?}");
        }
    }
}
