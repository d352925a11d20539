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
