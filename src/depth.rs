//! 3-D pooling on the 2-D kernels: each input depth slice a block needs is pooled once as a
//! plane (all of them in one kernel call), then output depth `od` merges the results of its
//! depth taps in order.
//!
//! Merging whole-slice results in depth order keeps PyTorch's tap order (depth-major,
//! then row-major within each slice), so max and argmax stay bit-exact: the max step
//! (`v > m || v is NaN`) gives the same value and index under any grouping that keeps the
//! order. (Reducing over depth first, then the plane, would not: ties and NaN payloads would
//! be picked in another order.) Average adds per-slice sums: summation-order rounding only,
//! used when no partial sum can overflow in any order; else the call takes the oracle's
//! exact loop.
//!
//! Max without indices goes depth first instead (`merged_max`): each output depth's input
//! slices are merged element-wise, then pooled once, which halves the 2-D work at depth
//! stride 2. Only a zero or NaN maximum depends on the order of its taps; a block with one
//! is pooled again slice by slice.

use std::ops::Range;

use simdpool_kernels::{Axis, Divisor, Geometry, Kernels};

use crate::threading::Op;

/// One block: output depths `ods` of one volume. `src` is the whole input volume, `dst`
/// (and `idx` for argmax) hold exactly those output slices.
#[allow(clippy::too_many_arguments)]
pub(crate) fn block(
    k: &Kernels,
    op: Op,
    g: &Geometry,
    depth: &Axis,
    divisor: Divisor,
    src: &[f32],
    dst: &mut [f32],
    idx: &mut [i64],
    ods: Range<usize>,
) {
    let (hw, ohw) = (g.plane_len(), g.out_len());
    let Range {
        start: z_lo,
        end: z_hi,
    } = slices_read(depth, ods.clone());
    let slices = z_hi - z_lo;
    if op == Op::Max && merged_max(k, g, depth, src, dst, ods.clone()) {
        return;
    }
    let mut vals = vec![0.0f32; slices * ohw];
    let mut ids = vec![0i64; if op == Op::ArgMax { slices * ohw } else { 0 }];
    if slices > 0 {
        let s = &src[z_lo * hw..z_hi * hw];
        let [oh, _] = g.output();
        match op {
            Op::Max => k.max(g, slices, s, &mut vals, 0..oh),
            Op::ArgMax => k.argmax(g, slices, s, &mut vals, &mut ids, 0..oh),
            Op::Avg => k.avg(g, slices, s, &mut vals, 0..oh),
        }
    }
    let counts = (op == Op::Avg).then(|| Counts::new(g, divisor));
    let mut tables = Vec::new();
    for od in ods.clone() {
        let at = (od - ods.start) * ohw;
        let out = &mut dst[at..at + ohw];
        let (lo, hi, incl) = depth.taps(od);
        let z = |t: usize| (depth.start(od) + (t * depth.dilation) as isize) as usize;
        if lo >= hi {
            // No depth tap inside the input: PyTorch's -inf at its first index, or 0 / divisor.
            match op {
                Op::Avg => {
                    let c = counts.as_ref().expect("avg has counts");
                    c.divide(&mut tables, out, 0, incl, true);
                }
                _ => {
                    out.fill(f32::NEG_INFINITY);
                    if op == Op::ArgMax {
                        let zf = z(lo) as i64 * hw as i64;
                        first_indices(g, &mut idx[at..at + ohw], zf);
                    }
                }
            }
            continue;
        }
        let slice = |t: usize| (z(t) - z_lo) * ohw;
        out.copy_from_slice(&vals[slice(lo)..slice(lo) + ohw]);
        if op == Op::ArgMax {
            let zf = z(lo) as i64 * hw as i64;
            for (o, &i) in idx[at..at + ohw]
                .iter_mut()
                .zip(&ids[slice(lo)..slice(lo) + ohw])
            {
                *o = i + zf;
            }
        }
        for t in lo + 1..hi {
            let v = &vals[slice(t)..slice(t) + ohw];
            match op {
                Op::Max => merge_max(out, v),
                Op::ArgMax => {
                    let zf = z(t) as i64 * hw as i64;
                    let i = &ids[slice(t)..slice(t) + ohw];
                    for (((m, mi), &x), &xi) in
                        out.iter_mut().zip(&mut idx[at..at + ohw]).zip(v).zip(i)
                    {
                        if x > *m || x.is_nan() {
                            *m = x;
                            *mi = xi + zf;
                        }
                    }
                }
                Op::Avg => {
                    for (s, &x) in out.iter_mut().zip(v) {
                        *s += x;
                    }
                }
            }
        }
        if op == Op::Avg {
            let c = counts.as_ref().expect("avg has counts");
            c.divide(&mut tables, out, hi - lo, incl, false);
        }
    }
}

/// Max without indices, depth first: each output depth's input slices are merged
/// element-wise (PyTorch's max step, in depth order), then the merged slices are pooled
/// as planes in one kernel call: half the 2-D work of pooling every input slice at stride
/// 2. The maximum's value does not depend on the order of its taps unless it is a zero
/// (`-0.0` and `+0.0` tie) or NaN (payloads): returns `false`, and the caller pools slice
/// by slice in PyTorch's order, when any output is one of those.
fn merged_max(
    k: &Kernels,
    g: &Geometry,
    depth: &Axis,
    src: &[f32],
    dst: &mut [f32],
    ods: Range<usize>,
) -> bool {
    let hw = g.plane_len();
    MERGED.with_borrow_mut(|merged| {
        // Reused per thread: a fresh buffer cost a memset of its size per block.
        merged.resize(ods.len() * hw, 0.0);
        let merged = &mut merged[..ods.len() * hw];
        for (m, od) in merged.chunks_mut(hw).zip(ods.clone()) {
            let (lo, hi, _) = depth.taps(od);
            let slice = |t: usize| {
                let z = (depth.start(od) + (t * depth.dilation) as isize) as usize;
                &src[z * hw..(z + 1) * hw]
            };
            match hi.saturating_sub(lo) {
                // No depth tap inside: PyTorch's -inf.
                0 => m.fill(f32::NEG_INFINITY),
                // The max step from -inf takes every value.
                1 => m.copy_from_slice(slice(lo)),
                _ => {
                    k.max_of(m, slice(lo), slice(lo + 1));
                    for t in lo + 2..hi {
                        k.merge_max(m, slice(t));
                    }
                }
            }
        }
        let [oh, _] = g.output();
        k.max(g, ods.len(), merged, dst, 0..oh);
    });
    // Without an early exit, so that the scan vectorizes.
    !dst.iter().fold(false, |a, v| a | (*v == 0.0) | v.is_nan())
}

thread_local! {
    /// [`merged_max`]'s merged slices.
    static MERGED: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The input depth slices that output depths `ods` read (empty if none).
pub(crate) fn slices_read(depth: &Axis, ods: Range<usize>) -> Range<usize> {
    let mut z_lo = usize::MAX;
    let mut z_hi = 0;
    for od in ods {
        let (lo, hi, _) = depth.taps(od);
        if lo < hi {
            let first = depth.start(od) + (lo * depth.dilation) as isize;
            let last = depth.start(od) + ((hi - 1) * depth.dilation) as isize;
            z_lo = z_lo.min(first as usize);
            z_hi = z_hi.max(last as usize + 1);
        }
    }
    if z_lo >= z_hi {
        0..0
    } else {
        z_lo..z_hi
    }
}

/// The max step, lane by lane: take `x` when it is larger or NaN (later taps' NaN wins).
fn merge_max(out: &mut [f32], v: &[f32]) {
    for (m, &x) in out.iter_mut().zip(v) {
        if x > *m || x.is_nan() {
            *m = x;
        }
    }
}

/// PyTorch's index for a window with no tap inside the input: the first tap at or after 0
/// on each axis, plus the depth offset `zf`.
fn first_indices(g: &Geometry, idx: &mut [i64], zf: i64) {
    let [ay, ax] = g.axes();
    let w = ax.size as i64;
    let first = |a: &Axis, o: usize| {
        let (lo, _, _) = a.taps(o);
        a.start(o) as i64 + (lo * a.dilation) as i64
    };
    let ow = ax.out;
    for (r, row) in idx.chunks_mut(ow).enumerate() {
        let y = first(&ay, r);
        for (c, i) in row.iter_mut().enumerate() {
            *i = zf + y * w + first(&ax, c);
        }
    }
}

/// The per-row and per-column factors of the 3-D divisor.
struct Counts {
    divisor: Divisor,
    /// Per output row and column: (taps inside the input, taps inside input plus padding).
    rows: Vec<(u64, u64)>,
    cols: Vec<(u64, u64)>,
}

impl Counts {
    fn new(g: &Geometry, divisor: Divisor) -> Counts {
        let [ay, ax] = g.axes();
        let factors = |a: &Axis| {
            (0..a.out)
                .map(|o| {
                    let (lo, hi, incl) = a.taps(o);
                    (hi.saturating_sub(lo) as u64, incl as u64)
                })
                .collect()
        };
        Counts {
            divisor,
            rows: factors(&ay),
            cols: factors(&ax),
        }
    }

    /// Divides the sums in `out` (one output slice) by each window's divisor, given the
    /// window's depth taps inside the input (`nz`) and inside input plus padding (`iz`);
    /// `empty` writes `0 / divisor` instead. The slice's divisors are computed once per
    /// `(nz, iz)` and kept in `tables` (their `u128` products were a third of a 3-D average).
    fn divide(
        &self,
        tables: &mut Vec<(usize, usize, Vec<f32>)>,
        out: &mut [f32],
        nz: usize,
        iz: usize,
        empty: bool,
    ) {
        let at = match tables.iter().position(|t| t.0 == nz && t.1 == iz) {
            Some(at) => at,
            None => {
                tables.push((nz, iz, self.table(nz, iz)));
                tables.len() - 1
            }
        };
        let d = &tables[at].2;
        if empty {
            for (v, &d) in out.iter_mut().zip(d) {
                *v = 0.0 / d;
            }
        } else {
            for (v, &d) in out.iter_mut().zip(d) {
                *v /= d;
            }
        }
    }

    /// The divisors of one output slice for depth taps `nz` (inside the input) and `iz`
    /// (inside input plus padding).
    fn table(&self, nz: usize, iz: usize) -> Vec<f32> {
        // One rounding of the exact integer product, as PyTorch's int64 divisor; saturating
        // past u128 (a window deep in ONNX padding can count more than 2^64 padded taps), as
        // the reference does.
        let prod = |a: usize, b: u64, c: u64| match (a as u64).checked_mul(b) {
            Some(ab) => match ab.checked_mul(c) {
                Some(abc) => abc as f32,
                None => (ab as u128 * c as u128) as f32,
            },
            None => (a as u128)
                .saturating_mul(b as u128)
                .saturating_mul(c as u128) as f32,
        };
        let mut t = Vec::with_capacity(self.rows.len() * self.cols.len());
        for &(ny, iy) in &self.rows {
            for &(nx, ix) in &self.cols {
                t.push(match self.divisor {
                    Divisor::Override(d) => d as f32,
                    Divisor::IncludePad => prod(iz, iy, ix),
                    Divisor::ExcludePad => prod(nz, ny, nx),
                });
            }
        }
        t
    }
}

/// Whether per-slice sums may be added in another grouping than PyTorch's: no partial sum
/// of `taps` finite values can overflow (infinities and NaN give the same result in any
/// order).
pub(crate) fn sums_regroup(src: &[f32], taps: usize) -> bool {
    // The largest finite magnitude (NaN and infinities skipped), in 16 independent lanes:
    // lane-wise compare-and-select vectorizes on any x86-64 or Arm baseline, where a
    // sequential fold stays scalar (measured: 3 ms of a 3.7 ms 3-D average).
    let mut acc = [0.0f32; 16];
    let chunks = src.chunks_exact(16);
    let tail = chunks.remainder();
    for c in chunks {
        for (m, &v) in acc.iter_mut().zip(c) {
            let a = v.abs();
            *m = if a > *m && a < f32::INFINITY { a } else { *m };
        }
    }
    for (m, &v) in acc.iter_mut().zip(tail) {
        let a = v.abs();
        *m = if a > *m && a < f32::INFINITY { a } else { *m };
    }
    let big = acc.iter().fold(0.0f32, |a, &b| a.max(b));
    (big as f64) * (taps as f64) < f32::MAX as f64 / 2.0
}

#[cfg(test)]
mod tests {
    use crate::{reference, Pool3d};

    /// Depth first is exact except for zeros and NaN: a window whose maximum is a zero
    /// found as `+0.0` first in PyTorch's order (depth 0, row 1) but as `-0.0` first in
    /// the merged slice (row 0, depth 1), and NaNs of two payloads, must come out as
    /// PyTorch's; other volumes of the same call keep the merged path's (equal) values.
    #[test]
    fn merged_depths_keep_pytorch_zeros_and_nans() {
        // Volumes of 2 × 2 × 2 (depth, rows, columns); windows of 2 × 2 × 1, so the plan
        // merges depths (one window per column: not global).
        let shape = [1, 3, 2, 2, 2];
        let at = |v: usize, z: usize, y: usize| v * 8 + (z * 2 + y) * 2;
        let mut x = vec![-1.0f32; 24];
        // Volume 0: (z, y) = (1, 0) is -0.0, (0, 1) is +0.0.
        x[at(0, 1, 0)] = -0.0;
        x[at(0, 0, 1)] = 0.0;
        // Volume 1: NaNs of two payloads at (1, 0) and (0, 1): PyTorch keeps the last.
        x[at(1, 1, 0)] = f32::from_bits(0x7fc0_0001);
        x[at(1, 0, 1)] = f32::from_bits(0x7fc0_0002);
        // Volume 2: no zero, no NaN.
        for (i, v) in x[16..].iter_mut().enumerate() {
            *v = i as f32 - 3.5;
        }
        let layer = Pool3d::max((2, 2, 1)).parallel(false);
        let (want, _) = reference::forward(&layer, &x, shape).unwrap();
        for isa in crate::supported_isas() {
            let mut y = vec![0.0f32; 6];
            layer.clone().isa(isa).forward(&x, shape, &mut y).unwrap();
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&y), bits(&want), "{isa}");
            assert_eq!(
                y[0].to_bits(),
                0,
                "{isa}: +0.0 comes first in PyTorch's order"
            );
        }
    }
}
