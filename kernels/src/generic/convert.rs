//! Element-type conversion: rows of `E` widened to `f32` lanes and `f32` narrowed back to
//! `E`, one vector of `LANES` elements per step through the vector's converting loads and
//! stores (`F32Vec::load_elem`/`store_elem`).

use crate::element::Element;
use crate::vector::F32Vec;

/// Widens `rows × cols` elements: row `r` of `src` (at `r · sld`) into row `r` of `dst`
/// (at `r · dld`).
///
/// # Safety
/// The CPU must support `V`'s ISA; for every `r < rows`, `src[r·sld..r·sld + cols]` readable
/// and `dst[r·dld..r·dld + cols]` writable, not overlapping `src`.
#[inline(always)]
pub(crate) unsafe fn widen<V: F32Vec, E: Element>(
    src: *const E,
    sld: usize,
    dst: *mut f32,
    dld: usize,
    rows: usize,
    cols: usize,
) {
    for r in 0..rows {
        // SAFETY: row r's ranges are in bounds (caller); each step reads and writes LANES
        // elements inside them (`steps` keeps every start at most cols - LANES).
        unsafe {
            let (s, d) = (src.add(r * sld), dst.add(r * dld));
            match steps::<V>(cols) {
                Some(last) => {
                    let mut i = 0;
                    while i < last {
                        V::load_elem(s.add(i)).store(d.add(i));
                        i += V::LANES;
                    }
                    // The last vector ends at `cols`, overlapping its neighbour.
                    V::load_elem(s.add(last)).store(d.add(last));
                }
                None => {
                    for i in 0..cols {
                        *d.add(i) = (*s.add(i)).to_f32();
                    }
                }
            }
        }
    }
}

/// Narrows `rows × cols` values, as [`widen`] with the roles swapped.
///
/// # Safety
/// As [`widen`], with `src` of `f32` and `dst` of `E`.
#[inline(always)]
pub(crate) unsafe fn narrow<V: F32Vec, E: Element>(
    src: *const f32,
    sld: usize,
    dst: *mut E,
    dld: usize,
    rows: usize,
    cols: usize,
) {
    for r in 0..rows {
        // SAFETY: as in `widen`.
        unsafe {
            let (s, d) = (src.add(r * sld), dst.add(r * dld));
            match steps::<V>(cols) {
                Some(last) => {
                    let mut i = 0;
                    while i < last {
                        V::load(s.add(i)).store_elem(d.add(i));
                        i += V::LANES;
                    }
                    V::load(s.add(last)).store_elem(d.add(last));
                }
                None => {
                    for i in 0..cols {
                        *d.add(i) = E::from_f32(*s.add(i));
                    }
                }
            }
        }
    }
}

/// The start of the last full vector of a row of `cols` (`cols - LANES`), or `None` when
/// the row is narrower than one vector (then it is converted element by element).
#[inline(always)]
fn steps<V: F32Vec>(cols: usize) -> Option<usize> {
    cols.checked_sub(V::LANES)
}
