//! Backward passes: the gradient of average pooling (each output's gradient spread over its
//! window) and of max pooling (each output's gradient added at its index), as PyTorch's
//! CPU kernels compute them, in their order, so that results are bit-exact:
//!
//! - outputs in order, each adding to its window's elements in window order (an element
//!   covered by several windows sums their gradients in output order, from `0`);
//! - average: `grad / divisor`, the divisor converted to the element type first (PyTorch's
//!   `scalar_t / int64_t`); adaptive windows divide by each axis's taps in turn, and global
//!   adaptive average is PyTorch's `mean`, one division by the count in `f32`;
//! - `f16`/`bf16`: every division and addition rounded to the type (c10's `Half` and
//!   `BFloat16` operators compute in `f32` and round the result), probed and pinned in
//!   `fixtures/torch_backward.txt`.
//!
//! Channels-last tensors take the same order per element, the channels innermost.

use rayon::prelude::*;

use crate::params::Kind;
use crate::plan::Plan;
use crate::reference::{Description, Taps, Windows};
use crate::scatter::{Scatter, MIN_PARALLEL};
use crate::threading::Restyle;
use crate::{DType, Element, Layout, PoolError};

/// A backward call: the windows and how the tensors lie.
pub(crate) struct Call {
    pub(crate) desc: Description,
    pub(crate) layout: Layout,
    /// Channels (`shape[1]`).
    pub(crate) c: usize,
    pub(crate) parallel: bool,
    /// Whether the windows are adaptive (their average divides axis by axis).
    pub(crate) adaptive: bool,
}

/// The per-axis taps of every output position.
struct Windows3 {
    taps: [Vec<Taps>; 3],
    /// Input `[d, h, w]`.
    input: [usize; 3],
}

impl Windows3 {
    fn new(d: &Description) -> Windows3 {
        Windows3 {
            taps: d
                .axes
                .map(|a: Windows| (0..a.out()).map(|o| a.taps(o)).collect()),
            input: d.axes.map(|a| a.size()),
        }
    }

    /// Calls `f(o, tz, ty, tx)` for every output `o` of a volume in order, with its taps
    /// along each axis.
    #[inline(always)]
    fn each(&self, mut f: impl FnMut(usize, &Taps, &Taps, &Taps)) {
        let mut o = 0;
        for tz in &self.taps[0] {
            for ty in &self.taps[1] {
                for tx in &self.taps[2] {
                    f(o, tz, ty, tx);
                    o += 1;
                }
            }
        }
    }

    /// The flat input index of tap `(a, b)` (depth, row) of window rows `tz`, `ty`, at the
    /// first width tap `tx.at`.
    #[inline(always)]
    fn row(&self, tz: &Taps, ty: &Taps, tx: &Taps, a: usize, b: usize) -> usize {
        let [_, h, w] = self.input;
        let z = (tz.at + a as i64 * tz.step) as usize;
        let y = (ty.at + b as i64 * ty.step) as usize;
        (z * h + y) * w + tx.at as usize
    }
}

/// The checks every backward call shares: a differentiable type and the gradients' lengths.
fn check<E: Element>(plan: &Plan, grad_output: &[E], grad_input: &[E]) -> Result<(), PoolError> {
    if !matches!(E::DTYPE, DType::F32 | DType::F16 | DType::Bf16) {
        return Err(PoolError::NotDifferentiable { dtype: E::DTYPE });
    }
    if grad_output.len() != plan.out_len {
        return Err(PoolError::GradOutputLength {
            expected: plan.out_len,
            actual: grad_output.len(),
        });
    }
    if grad_input.len() < plan.in_len {
        return Err(PoolError::GradInputLength {
            needed: plan.in_len,
            actual: grad_input.len(),
        });
    }
    Ok(())
}

/// `a + b` in `E`'s arithmetic.
#[inline(always)]
fn add<E: Element>(a: E, b: f32) -> E {
    E::from_f32(a.to_f32() + b)
}

/// `a / b` in `E`'s arithmetic, `b` converted to `E` first (PyTorch's `scalar_t / int64_t`).
#[inline(always)]
fn div<E: Element>(a: f32, b: f32) -> f32 {
    E::from_f32(a / E::from_f32(b).to_f32()).to_f32()
}

/// How an output's gradient is divided among its window, as PyTorch divides it.
#[derive(Clone, Copy)]
enum Share {
    /// `g / d` in `E`, `d` converted to `E` first.
    By(f32),
    /// Adaptive windows: `g / kd / kh / kw`, each step in `E`.
    Axes([f32; 3]),
    /// PyTorch's `mean` (global adaptive average): `g / n` in `f32`, rounded once.
    Mean(f32),
}

impl Share {
    #[inline(always)]
    fn of<E: Element>(self, g: f32) -> f32 {
        match self {
            Share::By(d) => div::<E>(g, d),
            Share::Axes([a, b, c]) => div::<E>(div::<E>(div::<E>(g, a), b), c),
            Share::Mean(n) => E::from_f32(g / n).to_f32(),
        }
    }
}

/// The gradient of average pooling. `plan` is the forward's (kind average).
pub(crate) fn avg<E: Element>(
    call: &Call,
    plan: &Plan,
    grad_output: &[E],
    grad_input: &mut [E],
) -> Result<(), PoolError> {
    check(plan, grad_output, grad_input)?;
    debug_assert_eq!(plan.kind, Kind::Avg);
    let win = Windows3::new(&call.desc);
    let global = call.adaptive && plan.output == [1, 1, 1];
    let divisor = call.desc.divisor;
    let share = |tz: &Taps, ty: &Taps, tx: &Taps| -> Share {
        // In-bounds taps of a window fit in memory: no overflow.
        let inside = (tz.count * ty.count * tx.count) as f32;
        if global {
            return Share::Mean(inside);
        }
        if call.adaptive {
            return Share::Axes([tz.count, ty.count, tx.count].map(|n| n as f32));
        }
        Share::By(match divisor {
            simdpool_kernels::Divisor::Override(v) => v as f32,
            simdpool_kernels::Divisor::ExcludePad => inside,
            simdpool_kernels::Divisor::IncludePad => {
                // Saturating: a window deep in padding can pass even u128 (as the oracle).
                (tz.padded as u128)
                    .saturating_mul(ty.padded as u128)
                    .saturating_mul(tx.padded as u128) as f32
            }
        })
    };
    let grad_input = &mut grad_input[..plan.in_len];
    let (in_vol, out_vol) = (plan.in_volume(), plan.out_volume());
    let zero = E::from_f32(0.0);
    match call.layout {
        Layout::ChannelsFirst => {
            let volume = |(gi, go): (&mut [E], &[E])| {
                gi.fill(zero);
                win.each(|o, tz, ty, tx| {
                    let g = share(tz, ty, tx).of::<E>(go[o].to_f32());
                    for a in 0..tz.count {
                        for b in 0..ty.count {
                            let at = win.row(tz, ty, tx, a, b);
                            if tx.step == 1 {
                                for e in &mut gi[at..at + tx.count] {
                                    *e = add(*e, g);
                                }
                            } else {
                                // ONNX's dilated average.
                                let row = gi[at..].iter_mut().step_by(tx.step as usize);
                                for e in row.take(tx.count) {
                                    *e = add(*e, g);
                                }
                            }
                        }
                    }
                });
            };
            split(call, grad_input, in_vol, grad_output, out_vol, volume);
        }
        Layout::ChannelsLast => {
            let c = call.c;
            let image = |(gi, go): (&mut [E], &[E])| {
                gi.fill(zero);
                let mut g = vec![0.0f32; c];
                win.each(|o, tz, ty, tx| {
                    let sh = share(tz, ty, tx);
                    for (s, v) in g.iter_mut().zip(&go[o * c..(o + 1) * c]) {
                        *s = sh.of::<E>(v.to_f32());
                    }
                    for a in 0..tz.count {
                        for b in 0..ty.count {
                            let at = win.row(tz, ty, tx, a, b);
                            let step = tx.step as usize;
                            for t in 0..tx.count {
                                let px = &mut gi[(at + t * step) * c..][..c];
                                for (e, s) in px.iter_mut().zip(&g) {
                                    *e = add(*e, *s);
                                }
                            }
                        }
                    }
                });
            };
            split(
                call,
                grad_input,
                in_vol * c,
                grad_output,
                out_vol * c,
                image,
            );
        }
    }
    Ok(())
}

/// The gradient of max pooling, from the forward's indices (in the layer's index style,
/// laid out as the layer's layout). Every index is checked before anything is written.
pub(crate) fn max<E: Element>(
    call: &Call,
    plan: &Plan,
    restyle: &Restyle,
    grad_output: &[E],
    indices: &[i64],
    grad_input: &mut [E],
) -> Result<(), PoolError> {
    check(plan, grad_output, grad_input)?;
    debug_assert_eq!(plan.kind, Kind::Max);
    if indices.len() < plan.out_len {
        return Err(PoolError::IndicesLength {
            needed: plan.out_len,
            actual: indices.len(),
        });
    }
    let scatter = Scatter {
        layout: call.layout,
        c: call.c,
        per_plane: plan.out_volume(),
        plane: plan.in_volume(),
        restyle,
        parallel: call.parallel,
    };
    let plane = scatter.plane_indices(&indices[..plan.out_len])?;
    let sum = |e: &mut E, g: E| *e = add(*e, g.to_f32());
    scatter.run(&mut grad_input[..plan.in_len], grad_output, &plane, sum);
    Ok(())
}

fn go_parallel(call: &Call, len: usize) -> bool {
    call.parallel && len >= MIN_PARALLEL
}

/// Runs `f` on each pair of `grad_input` chunks of `ic` and `grad_output` chunks of `oc`
/// elements (a volume, or a channels-last image), over rayon when the call allows.
fn split<E: Element>(
    call: &Call,
    grad_input: &mut [E],
    ic: usize,
    grad_output: &[E],
    oc: usize,
    f: impl Fn((&mut [E], &[E])) + Sync + Send,
) {
    if ic == 0 {
        return;
    }
    let oc = oc.max(1);
    if go_parallel(call, grad_input.len()) {
        grad_input
            .par_chunks_mut(ic)
            .zip(grad_output.par_chunks(oc))
            .for_each(f);
    } else {
        grad_input
            .chunks_mut(ic)
            .zip(grad_output.chunks(oc))
            .for_each(f);
    }
}
