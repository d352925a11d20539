//! Splitting a call over rayon: planes, and row blocks of each plane when planes are too few
//! to feed every thread. The serial path runs the very same per-block function.

use rayon::prelude::*;
use simdpool_kernels::{Geometry, Kernels};

/// Which kernel of the table a call runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Max,
    ArgMax,
    Avg,
}

/// Below this many window taps in a call, splitting costs more than it saves.
const MIN_PARALLEL_TAPS: usize = 1 << 17;
/// Aim for this many tasks per thread, to even out uneven cores.
const TASKS_PER_THREAD: usize = 4;

/// Runs `op` over every plane; `idx` is empty unless `op` is `ArgMax`.
pub(crate) fn run(
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
    let block = |plane: usize, rows: std::ops::Range<usize>, d: &mut [f32], i: &mut [i64]| {
        let s = &src[plane * hw..(plane + 1) * hw];
        match op {
            Op::Max => k.max(g, s, d, rows),
            Op::ArgMax => k.argmax(g, s, d, i, rows),
            Op::Avg => k.avg(g, s, d, rows),
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
        for (p, d) in dst.chunks_mut(ohw).enumerate() {
            let i = if op == Op::ArgMax {
                &mut idx[p * ohw..(p + 1) * ohw]
            } else {
                &mut []
            };
            block(p, 0..oh, d, i);
        }
        return;
    }
    // Enough tasks for every thread: whole planes if there are many, else row blocks.
    let want = threads * TASKS_PER_THREAD;
    let blocks = want.div_ceil(planes).clamp(1, oh);
    let rows = oh.div_ceil(blocks);
    // Group tiny planes so a task does at least a parallel threshold's worth of work.
    let per_plane = ohw.saturating_mul(kh).saturating_mul(kw).max(1);
    let min_planes = (MIN_PARALLEL_TAPS / 8 / per_plane).clamp(1, planes.div_ceil(want).max(1));
    let one_plane = |(p, d): (usize, &mut [f32]), i: &mut [i64]| {
        if blocks == 1 {
            block(p, 0..oh, d, i);
            return;
        }
        let chunk = rows * ow;
        if op == Op::ArgMax {
            d.par_chunks_mut(chunk)
                .zip(i.par_chunks_mut(chunk))
                .enumerate()
                .for_each(|(b, (d, i))| block(p, b * rows..(b * rows + rows).min(oh), d, i));
        } else {
            d.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(b, d)| block(p, b * rows..(b * rows + rows).min(oh), d, &mut []));
        }
    };
    if op == Op::ArgMax {
        dst.par_chunks_mut(ohw)
            .zip(idx.par_chunks_mut(ohw))
            .enumerate()
            .with_min_len(min_planes)
            .for_each(|(p, (d, i))| one_plane((p, d), i));
    } else {
        dst.par_chunks_mut(ohw)
            .enumerate()
            .with_min_len(min_planes)
            .for_each(|pd| one_plane(pd, &mut []));
    }
}
