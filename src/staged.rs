//! Element types other than `f32`, where no kernel loads the type itself (channels-first
//! calls; channels-last ones with one channel, or argmax past 2^24 elements; the others run
//! the pixel kernels in the type, see [`execute`]): the call is cut into blocks (groups of
//! whole volumes or channels-last images that fit in L2; one large one whole),
//! and each block is widened into `f32` scratch by the ISA's converting loads, pooled there
//! by the `f32` pipeline, and narrowed back by its converting stores. Max is exact under
//! that round trip (widening is exact, and the maximum is one of the inputs); average sums
//! in `f32` and rounds once to the type, as PyTorch's CPU kernels do for `f16`/`bf16`.
//!
//! Integer average is PyTorch's quantized average (scale 1, zero point 0):
//! `rint(f32(sum) · f32(1/divisor))`, ties to even, saturated. The pipeline's `f32` average
//! of integers is `sum / divisor` rounded once (or per axis, adaptive), from which the exact
//! integer sum comes back as `round(average · divisor)` while the sum stays below 2^24 / 6
//! (every window up to 10,000 `u8` taps); then PyTorch's product is formed. Adaptive
//! pooling to one output per volume is a mean in PyTorch, quantized too: the quotient,
//! rounded, which the narrowing of the pipeline's average already is.
//!
//! Indices come out of each block in PyTorch's plane numbering; the caller renumbers them
//! for the whole call, as it does for `f32`.

use std::cell::Cell;

use rayon::prelude::*;
use simdpool_kernels::{Element, Kernels};

use crate::channels_last::{self, Axes, Route};
use crate::params::{IndexStyle, Layout};
use crate::plan::{Plan, Work};
use crate::threading::{self, Op, Restyle, TASKS_PER_THREAD};

/// `f32` elements of input per block (128 KiB): the block, its output and the typed input
/// stay in L2 while the block is pooled.
const BLOCK: usize = 1 << 15;
/// Scratch kept per thread between calls, in `f32`s (16 MiB): a large image's scratch is
/// reused rather than faulted in again on every call.
const KEEP: usize = 1 << 22;

thread_local! {
    /// Scratch kept between calls. Taken out while in use, so a call that re-enters on the
    /// same thread (rayon work stealing) finds it empty and allocates its own.
    static SCRATCH: Cell<(Vec<f32>, Vec<i64>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

/// What a typed call is, besides its plan and buffers.
pub(crate) struct Call {
    pub(crate) op: Op,
    pub(crate) layout: Layout,
    /// Channels.
    pub(crate) c: usize,
    /// Adaptive to one output per volume (PyTorch's mean).
    pub(crate) mean: bool,
    pub(crate) parallel: bool,
}

/// Runs a call on `E` data: as [`threading::execute`] / [`channels_last::execute`];
/// indices in PyTorch's plane numbering.
pub(crate) fn execute<E: Element>(
    k: &Kernels,
    call: &Call,
    plan: &Plan,
    src: &[E],
    dst: &mut [E],
    idx: &mut [i64],
) {
    let &Call {
        op,
        layout,
        c,
        mean,
        parallel,
    } = call;
    if plan.work == Work::Nothing {
        return;
    }
    let (unit_in, unit_out, units) = match layout {
        // One channel: the memory is the channels-first layout's.
        Layout::ChannelsLast if c > 1 => (
            plan.in_volume() * c,
            plan.out_volume() * c,
            plan.volumes / c,
        ),
        _ => (plan.in_volume(), plan.out_volume(), plan.volumes),
    };
    let last = layout == Layout::ChannelsLast && c > 1;
    let integer_avg = op == Op::Avg && E::DTYPE.is_integer() && !mean;
    if last && channels_last::route(plan, op, c, channels_last::F32_EXACT) == Route::Pixels {
        // The pixel kernels load and store the type themselves.
        return channels_last::pixels(k, op, plan, c, src, dst, idx, parallel, integer_avg);
    }
    let quantized = integer_avg.then(|| divisors(plan));
    let q = quantized.as_deref();
    // Groups of whole units, enough of them to feed every thread.
    let threads = threading::threads_for(plan, parallel);
    let mut group = (BLOCK / unit_in.max(1)).max(1);
    if threads > 1 {
        group = group.min(units.div_ceil(threads * TASKS_PER_THREAD)).max(1);
    }
    let blocks = units.div_ceil(group);
    // A lone block splits over threads inside the pipeline; many split among themselves.
    let inner = parallel && blocks == 1;
    let run = |b: usize, d: &mut [E], i: &mut [i64]| {
        let count = d.len() / unit_out.max(1);
        let s = &src[b * group * unit_in..(b * group + count) * unit_in];
        let volumes = if last { count * c } else { count };
        whole(
            k,
            op,
            plan,
            volumes,
            if last { c } else { 1 },
            s,
            d,
            i,
            q,
            inner,
        );
    };
    let chunk = group * unit_out;
    if threads == 1 || blocks == 1 {
        if op == Op::ArgMax {
            for (b, (d, i)) in dst.chunks_mut(chunk).zip(idx.chunks_mut(chunk)).enumerate() {
                run(b, d, i);
            }
        } else {
            for (b, d) in dst.chunks_mut(chunk).enumerate() {
                run(b, d, &mut []);
            }
        }
    } else if op == Op::ArgMax {
        dst.par_chunks_mut(chunk)
            .zip(idx.par_chunks_mut(chunk))
            .enumerate()
            .for_each(|(b, (d, i))| run(b, d, i));
    } else {
        dst.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(b, d)| run(b, d, &mut []));
    }
}

/// `plan` restricted to `volumes` of its volumes.
fn part(plan: &Plan, volumes: usize) -> Plan {
    Plan {
        volumes,
        in_len: volumes * plan.in_volume(),
        out_len: volumes * plan.out_volume(),
        ..*plan
    }
}

/// Pools `volumes` whole volumes (`c` channels interleaved when `c > 1`, else one after
/// another) from `src` into `dst`/`idx` through `f32` scratch.
#[allow(clippy::too_many_arguments)]
fn whole<E: Element>(
    k: &Kernels,
    op: Op,
    plan: &Plan,
    volumes: usize,
    c: usize,
    src: &[E],
    dst: &mut [E],
    idx: &mut [i64],
    quantized: Option<&[(f64, f32)]>,
    parallel: bool,
) {
    let sub = part(plan, volumes);
    with_scratch(src.len(), dst.len(), 0, |wide, out, _| {
        k.widen(src, src.len(), wide, src.len(), 1, src.len());
        if c > 1 {
            let keep = Restyle::new(&sub, IndexStyle::Plane, 3);
            let exact = channels_last::F32_EXACT;
            channels_last::execute(k, op, &sub, c, wide, out, idx, keep, parallel, exact);
        } else {
            threading::execute(k, op, &sub, wide, out, idx, parallel);
        }
        if let Some(d) = quantized {
            requantize(d, c, out);
        }
        k.narrow(out, out.len(), dst, dst.len(), 1, out.len());
    });
}

/// Per output position of a volume: its divisor, and PyTorch's multiplier `1 / divisor`
/// (computed in double, then rounded to float).
fn divisors(plan: &Plan) -> Vec<(f64, f32)> {
    let axes = Axes::of(plan, 1);
    let [od, oh, ow] = plan.output;
    let mut v = Vec::with_capacity(od * oh * ow);
    for z in 0..od {
        for y in 0..oh {
            for x in 0..ow {
                let d = axes.divisor(z, y, x);
                v.push((d, (1.0 / d) as f32));
            }
        }
    }
    v
}

/// Turns `f32` averages of integers into PyTorch's quantized averages (see the module
/// comment), still in `f32`; the narrowing rounds and saturates. `out` holds whole output
/// volumes, `c` channels interleaved (1: channels-first), `d` the [`divisors`].
fn requantize(d: &[(f64, f32)], c: usize, out: &mut [f32]) {
    for (i, px) in out.chunks_mut(c).enumerate() {
        let (div, mul) = d[i % d.len()];
        for v in px {
            // The exact integer sum (the cast truncates: round half away from zero first).
            let t = *v as f64 * div;
            let sum = if t >= 0.0 {
                (t + 0.5) as i64
            } else {
                (t - 0.5) as i64
            };
            *v = sum as f32 * mul;
        }
    }
}

/// Runs `f` on `f32` scratch of `a` and `b` elements and `i64` scratch of `n`, reusing the
/// thread's buffers when they are free.
fn with_scratch(a: usize, b: usize, n: usize, f: impl FnOnce(&mut [f32], &mut [f32], &mut [i64])) {
    let (mut v, mut ix) = SCRATCH.with(|s| s.take());
    v.resize(v.len().max(a + b), 0.0);
    ix.resize(ix.len().max(n), 0);
    let (wide, rest) = v.split_at_mut(a);
    f(wide, &mut rest[..b], &mut ix[..n]);
    // Beyond `KEEP`, a lone huge volume's scratch would pin its memory.
    if v.len() <= KEEP && ix.len() <= KEEP {
        SCRATCH.with(|s| s.set((v, ix)));
    }
}
