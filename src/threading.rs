//! Splitting a call over rayon: planes, and row blocks of each plane when planes are too few
//! to feed every thread; for 3-D and adaptive work, volumes and blocks of output depths.
//! The serial path runs the very same per-block function.

use rayon::prelude::*;
use simdpool_kernels::{Geometry, Kernels};

use crate::params::IndexStyle;
use crate::plan::{Plan, Work};
use crate::{adaptive, blocked, depth, reference};

/// Which kernel of the table a call runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Max,
    ArgMax,
    Avg,
}

/// Below this many window taps in a call, splitting costs more than it saves.
pub(crate) const MIN_PARALLEL_TAPS: usize = 1 << 17;
/// Aim for this many tasks per thread, to even out uneven cores.
pub(crate) const TASKS_PER_THREAD: usize = 4;

/// Threads a call on `plan` splits over: all of rayon's when `parallel` and its window
/// taps (outputs × kernel volume) reach [`MIN_PARALLEL_TAPS`], else one.
pub(crate) fn threads_for(plan: &Plan, parallel: bool) -> usize {
    let taps = plan
        .axes
        .iter()
        .fold(plan.out_len, |a, x| a.saturating_mul(x.kernel));
    if parallel && taps >= MIN_PARALLEL_TAPS {
        rayon::current_num_threads()
    } else {
        1
    }
}

/// Runs `op` as `plan` says; `idx` is empty unless `op` is `ArgMax`. Indices come out in
/// PyTorch's numbering (see [`restyle`]).
pub(crate) fn execute(
    k: &Kernels,
    op: Op,
    plan: &Plan,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    parallel: bool,
) {
    if blocked::chosen(k, plan, op) {
        return blocked::execute(k, op, plan, src, dst, idx, parallel);
    }
    match plan.work {
        Work::Nothing => {}
        Work::Planes { g, per_volume } => {
            planes(k, op, &g, src, dst, idx, parallel);
            if op == Op::ArgMax && per_volume > 1 {
                // Depth slices pooled as planes: add each slice's offset in its volume.
                let (hw, ohw) = (g.plane_len() as i64, g.out_len());
                let per = ohw * per_volume;
                for vol in idx.chunks_mut(per) {
                    for (z, s) in vol.chunks_mut(ohw).enumerate() {
                        s.iter_mut().for_each(|i| *i += z as i64 * hw);
                    }
                }
            }
        }
        Work::Depth { g, depth } => {
            let taps = plan
                .axes
                .iter()
                .fold(1usize, |a, x| a.saturating_mul(x.kernel));
            let desc = reference::Description::of(plan);
            let block = |v: usize, ods: std::ops::Range<usize>, d: &mut [f32], i: &mut [i64]| {
                let s = &src[v * plan.in_volume()..(v + 1) * plan.in_volume()];
                // Only the slices this block reads, right before its kernel reads them again
                // (in cache): a scan of the whole volume per block was half of a 3-D average.
                let read = depth::slices_read(&depth, ods.clone());
                let hw = g.plane_len();
                if op == Op::Avg && !depth::sums_regroup(&s[read.start * hw..read.end * hw], taps) {
                    // Values this large could overflow in our grouping: PyTorch's order.
                    let (o, _) = reference::block(&desc, s, ods);
                    d.copy_from_slice(&o);
                    return;
                }
                depth::block(k, op, &g, &depth, plan.divisor, s, d, i, ods)
            };
            volumes(plan, op, dst, idx, parallel, depth.out, &block);
        }
        Work::Adaptive { axes } => {
            let block = |v: usize, ods: std::ops::Range<usize>, d: &mut [f32], i: &mut [i64]| {
                let s = &src[v * plan.in_volume()..(v + 1) * plan.in_volume()];
                adaptive::block(op, axes, s, d, i, ods)
            };
            volumes(plan, op, dst, idx, parallel, axes[0].1, &block);
        }
    }
}

/// Pools output depths of one volume: `(volume, depths, dst, idx)`.
type VolumeBlock<'a> = dyn Fn(usize, std::ops::Range<usize>, &mut [f32], &mut [i64]) + Sync + 'a;

/// Runs `block(volume, output depths, dst, idx)` over every volume, split into blocks of
/// output depths when volumes are too few to feed every thread.
fn volumes(
    plan: &Plan,
    op: Op,
    dst: &mut [f32],
    idx: &mut [i64],
    parallel: bool,
    depths: usize,
    block: &VolumeBlock,
) {
    let vol = plan.out_volume();
    let slice = vol / depths;
    let threads = threads_for(plan, parallel);
    if threads == 1 {
        for v in 0..plan.volumes {
            let i = if op == Op::ArgMax {
                &mut idx[v * vol..(v + 1) * vol]
            } else {
                &mut []
            };
            block(v, 0..depths, &mut dst[v * vol..(v + 1) * vol], i);
        }
        return;
    }
    let per = (threads * TASKS_PER_THREAD)
        .div_ceil(plan.volumes)
        .clamp(1, depths);
    let rows = depths.div_ceil(per);
    let chunk = rows * slice;
    let one = |(v, d): (usize, &mut [f32]), i: &mut [i64]| {
        if op == Op::ArgMax {
            d.par_chunks_mut(chunk)
                .zip(i.par_chunks_mut(chunk))
                .enumerate()
                .for_each(|(b, (d, i))| block(v, b * rows..(b * rows + rows).min(depths), d, i));
        } else {
            d.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(b, d)| block(v, b * rows..(b * rows + rows).min(depths), d, &mut []));
        }
    };
    if op == Op::ArgMax {
        dst.par_chunks_mut(vol)
            .zip(idx.par_chunks_mut(vol))
            .enumerate()
            .for_each(|(v, (d, i))| one((v, d), i));
    } else {
        dst.par_chunks_mut(vol)
            .enumerate()
            .for_each(|vd| one(vd, &mut []));
    }
}

/// Renumbers PyTorch's indices (flat within a volume, row-major) as `style` says.
/// `rank` is the layer's number of spatial axes: the outermost one takes whatever lies past
/// the volume (PyTorch's index of a window with no tap inside may), so such an index
/// renumbers as if that axis were longer.
#[derive(Clone, Copy)]
pub(crate) struct Restyle {
    style: IndexStyle,
    rank: usize,
    vol_in: i64,
    dims: [i64; 3],
}

impl Restyle {
    pub(crate) fn new(plan: &Plan, style: IndexStyle, rank: usize) -> Restyle {
        Restyle::of_dims(plan.input, style, rank)
    }

    /// Indices into volumes of spatial size `dims` (`[d, h, w]`, leading ones 1).
    pub(crate) fn of_dims(dims: [usize; 3], style: IndexStyle, rank: usize) -> Restyle {
        Restyle {
            style,
            rank,
            vol_in: dims.iter().product::<usize>() as i64,
            dims: dims.map(|v| v as i64),
        }
    }

    /// Whether every index stays as it is.
    pub(crate) fn is_identity(&self) -> bool {
        self.style == IndexStyle::Plane
    }

    /// Index `i` of volume `v` (`n·c + channel`).
    #[inline]
    pub(crate) fn apply(&self, v: usize, i: i64) -> i64 {
        let [d, h, w] = self.dims;
        let base = v as i64 * self.vol_in;
        match self.style {
            IndexStyle::Plane => i,
            IndexStyle::Tensor => base + i,
            IndexStyle::TensorColumnMajor => match self.rank {
                1 => base + i,
                2 => base + i / w + (i % w) * h,
                _ => {
                    let (z, y, x) = (i / (h * w), i / w % h, i % w);
                    base + z + y * d + x * d * h
                }
            },
        }
    }
}

impl Restyle {
    /// The inverse of [`apply`](Self::apply): the plane index of volume `v` that index `i`
    /// names, or `None` when `i` lies outside that volume.
    #[inline]
    pub(crate) fn plane_index(&self, v: usize, i: i64) -> Option<i64> {
        let [d, h, w] = self.dims;
        let q = match self.style {
            IndexStyle::Plane => i,
            IndexStyle::Tensor | IndexStyle::TensorColumnMajor => {
                i.checked_sub((v as i64).checked_mul(self.vol_in)?)?
            }
        };
        if !(0..self.vol_in).contains(&q) {
            return None;
        }
        Some(match (self.style, self.rank) {
            (IndexStyle::TensorColumnMajor, 2) => q % h * w + q / h,
            (IndexStyle::TensorColumnMajor, 3) => (q % d * h + q / d % h) * w + q / (d * h),
            _ => q,
        })
    }
}

/// [`Restyle`] over channels-first indices: volume after volume.
pub(crate) fn restyle(
    plan: &Plan,
    idx: &mut [i64],
    style: IndexStyle,
    rank: usize,
    parallel: bool,
) {
    let r = Restyle::new(plan, style, rank);
    let vol_out = plan.out_volume();
    if r.is_identity() || vol_out == 0 {
        return;
    }
    let fix = |(v, chunk): (usize, &mut [i64])| chunk.iter_mut().for_each(|i| *i = r.apply(v, *i));
    if parallel && idx.len() >= MIN_PARALLEL_TAPS {
        idx.par_chunks_mut(vol_out).enumerate().for_each(fix);
    } else {
        idx.chunks_mut(vol_out).enumerate().for_each(fix);
    }
}

/// Runs `op` over every plane of `g`; `idx` is empty unless `op` is `ArgMax`.
fn planes(
    k: &Kernels,
    op: Op,
    g: &Geometry,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    parallel: bool,
) {
    let (hw, ohw) = (g.plane_len(), g.out_len());
    let [oh, ow] = g.output();
    let planes = dst.len() / ohw;
    // `n` planes from plane `p`, rows `rows` of each; `d`/`i` hold exactly those rows.
    let block = |p: usize, n: usize, rows: std::ops::Range<usize>, d: &mut [f32], i: &mut [i64]| {
        let s = &src[p * hw..(p + n) * hw];
        match op {
            Op::Max => k.max(g, n, s, d, rows),
            Op::ArgMax => k.argmax(g, n, s, d, i, rows),
            Op::Avg => k.avg(g, n, s, d, rows),
        }
    };
    let [kh, kw] = g.kernel();
    let taps = dst.len().saturating_mul(kh.saturating_mul(kw));
    let threads = if parallel && taps >= MIN_PARALLEL_TAPS {
        rayon::current_num_threads()
    } else {
        1
    };
    if threads == 1 {
        block(0, planes, 0..oh, dst, idx);
        return;
    }
    // Enough tasks for every thread: groups of whole planes if there are many, else row
    // blocks of each plane.
    let want = threads * TASKS_PER_THREAD;
    let blocks = want.div_ceil(planes).clamp(1, oh);
    if blocks == 1 {
        let group = planes.div_ceil(want);
        let chunk = group * ohw;
        if op == Op::ArgMax {
            dst.par_chunks_mut(chunk)
                .zip(idx.par_chunks_mut(chunk))
                .enumerate()
                .for_each(|(t, (d, i))| block(t * group, d.len() / ohw, 0..oh, d, i));
        } else {
            dst.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(t, d)| block(t * group, d.len() / ohw, 0..oh, d, &mut []));
        }
        return;
    }
    let rows = oh.div_ceil(blocks);
    let chunk = rows * ow;
    let one_plane = |(p, d): (usize, &mut [f32]), i: &mut [i64]| {
        if op == Op::ArgMax {
            d.par_chunks_mut(chunk)
                .zip(i.par_chunks_mut(chunk))
                .enumerate()
                .for_each(|(b, (d, i))| block(p, 1, b * rows..(b * rows + rows).min(oh), d, i));
        } else {
            d.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(b, d)| block(p, 1, b * rows..(b * rows + rows).min(oh), d, &mut []));
        }
    };
    if op == Op::ArgMax {
        dst.par_chunks_mut(ohw)
            .zip(idx.par_chunks_mut(ohw))
            .enumerate()
            .for_each(|(p, (d, i))| one_plane((p, d), i));
    } else {
        dst.par_chunks_mut(ohw)
            .enumerate()
            .for_each(|pd| one_plane(pd, &mut []));
    }
}
