//! LP pooling (PyTorch `LPPool1d/2d/3d`, ONNX `LpPool`), built on the average pool:
//!
//! - PyTorch: `avg_pool(x^p)` (count_include_pad, no padding in PyTorch itself), times the
//!   kernel's tap count, then `^(1/p)`, step for step as `torch.nn.functional.lp_pool*d`
//!   (its `sign(a)·relu(|a|)` is `a`, with `−0` as `+0`); `x^p` and `^(1/p)` take PyTorch's
//!   special cases (squares and cubes multiplied, `^0.5` a square root), other powers
//!   `powf`, whose last bit may differ from PyTorch's vectorized `pow`.
//! - ONNX (`lp_abs`): `Σ |x|^p` over the taps inside the input (an average pool with
//!   divisor 1: padding adds nothing), then `^(1/p)`.
//!
//! The powers are taken into a scratch copy of the input, pooled by the `f32` pipeline
//! (every ISA, layout and thread split), and finished into the output, each step rounded to
//! the element type as PyTorch's `Half`/`BFloat16` arithmetic rounds it.

use std::mem::MaybeUninit;

use crate::params::{Lp, Spec};
use crate::{DType, Element, IndexStyle, PoolError};

/// `x^e` as PyTorch's `pow(tensor, scalar)` computes it for `float`.
fn pow(x: f32, e: f32) -> f32 {
    match e {
        1.0 => x,
        2.0 => x * x,
        3.0 => x * x * x,
        0.5 => x.sqrt(),
        -0.5 => 1.0 / x.sqrt(),
        -1.0 => 1.0 / x,
        -2.0 => 1.0 / (x * x),
        _ => x.powf(e),
    }
}

/// The average-pool layer an LP layer pools its powers with, after checking `lp`'s own rules
/// (any `p` is accepted, as PyTorch accepts it: 0, ±inf and NaN give what its formula gives).
pub(crate) fn avg_spec<const R: usize>(spec: &Spec<R>, lp: Lp) -> Result<Spec<R>, PoolError> {
    if spec.count_include_pad.is_some() {
        return Err(PoolError::NotForLp {
            name: "count_include_pad",
        });
    }
    if spec.divisor_override.is_some() {
        return Err(PoolError::NotForLp {
            name: "divisor_override",
        });
    }
    let mut a = *spec;
    a.lp = None;
    a.index_style = IndexStyle::Plane;
    if lp.abs {
        a.divisor_override = Some(1);
    } else {
        a.count_include_pad = Some(true);
    }
    Ok(a)
}

/// The finishing step of one output: `a` is the pooled power (average, or ONNX's sum).
#[inline]
fn finish<E: Element>(a: f32, lp: Lp, taps: f32, inv: f32) -> E {
    let r = |v: f32| E::from_f32(v).to_f32();
    let v = if lp.abs {
        a
    } else {
        // sign(a)·relu(|a|)·taps: `a` itself, but −0 becomes +0 (PyTorch's sign(−0) is 0).
        r((a + 0.0) * taps)
    };
    E::from_f32(pow(v, inv))
}

/// Runs the LP layer `spec` (whose `lp` is set): powers, the average pool `pool` (which runs
/// an `f32` call of the average layer it is given), then the finishing step. Everything is
/// checked before the output is written.
pub(crate) fn forward<E: Element, const R: usize>(
    spec: &Spec<R>,
    input: &[E],
    shape: &[usize],
    output: &mut [E],
    pool: impl FnOnce(&Spec<R>, &[f32], &mut [f32]) -> Result<(), PoolError>,
) -> Result<(), PoolError> {
    let lp = spec.lp.expect("an LP layer");
    let avg = avg_spec(spec, lp)?;
    if !matches!(E::DTYPE, DType::F32 | DType::F16 | DType::Bf16) {
        return Err(PoolError::TypeUnsupported {
            op: "LP pooling",
            dtype: E::DTYPE,
        });
    }
    let plan = avg.plan(shape)?;
    PoolError::check_input(shape, plan.in_len, input.len())?;
    PoolError::check_output(plan.out_len, output.len())?;
    let p = f32::from_bits(lp.p_bits);
    let inv = (1.0 / p as f64) as f32;
    let r = |v: f32| E::from_f32(v).to_f32();
    // Written once, never zeroed first: a zeroing pass over a large scratch costs as much
    // as the powers.
    let mut powers: Vec<f32> = Vec::with_capacity(input.len());
    let scratch = &mut powers.spare_capacity_mut()[..input.len()];
    let parallel = spec.parallel;
    // One loop per special case, so that each is a plain (vectorizable) map.
    match (lp.abs, p) {
        (false, 1.0) => map(input, scratch, parallel, r),
        (false, 2.0) => map(input, scratch, parallel, |x| r(x * x)),
        (true, 2.0) => map(input, scratch, parallel, |x| r(x.abs() * x.abs())),
        (true, 1.0) => map(input, scratch, parallel, |x| r(x.abs())),
        (false, _) => map(input, scratch, parallel, |x| r(pow(x, p))),
        (true, _) => map(input, scratch, parallel, |x| r(pow(x.abs(), p))),
    }
    // SAFETY: `map` wrote all `input.len()` elements of the spare capacity (it zips the
    // two slices, of equal length).
    unsafe { powers.set_len(input.len()) };
    let mut pooled = vec![0.0f32; plan.out_len];
    pool(&avg, &powers, &mut pooled)?;
    // PyTorch multiplies by the Python integer kw·kh, converted to float: exact in f64.
    let taps = spec.kernel.iter().map(|&k| k as f64).product::<f64>() as f32;
    let output = &mut output[..plan.out_len];
    map_into(&pooled, output, parallel, |a| {
        finish::<E>(r(a), lp, taps, inv)
    });
    Ok(())
}

/// Elements per task of the element-wise passes (below two of them, one thread).
const CHUNK: usize = 1 << 15;

/// `out[i] = f(input[i])` as `f32`, split over rayon for large inputs when `parallel`.
fn map<E: Element>(
    input: &[E],
    out: &mut [MaybeUninit<f32>],
    parallel: bool,
    f: impl Fn(f32) -> f32 + Sync,
) {
    map_into(input, out, parallel, |x: E| MaybeUninit::new(f(x.to_f32())))
}

fn map_into<A: Copy + Sync, B: Send>(
    input: &[A],
    out: &mut [B],
    parallel: bool,
    f: impl Fn(A) -> B + Sync,
) {
    let run = |(o, i): (&mut [B], &[A])| {
        for (o, &x) in o.iter_mut().zip(i) {
            *o = f(x);
        }
    };
    if parallel && input.len() >= 2 * CHUNK {
        use rayon::prelude::*;
        out.par_chunks_mut(CHUNK)
            .zip(input.par_chunks(CHUNK))
            .for_each(run);
    } else {
        run((out, input));
    }
}
