//! Scattering values to indices, for max pooling's gradient (values added) and max-unpooling
//! (values assigned): every index is checked against its own plane before anything is
//! written, then each plane (channels-first) or image (channels-last) of the target is
//! zeroed and its values applied in order, planes or images split over rayon.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::threading::Restyle;
use crate::{Element, Layout, PoolError};

/// Targets of at least this many elements are split over rayon.
pub(crate) const MIN_PARALLEL: usize = 1 << 14;

/// How the source values and the target lie.
pub(crate) struct Scatter<'a> {
    pub(crate) layout: Layout,
    /// Channels.
    pub(crate) c: usize,
    /// Source values per plane (`n·c` planes).
    pub(crate) per_plane: usize,
    /// Target elements per plane.
    pub(crate) plane: usize,
    /// The indices' style, over target planes.
    pub(crate) restyle: &'a Restyle,
    pub(crate) parallel: bool,
}

impl Scatter<'_> {
    fn split(&self, len: usize) -> bool {
        self.parallel && len >= MIN_PARALLEL
    }

    /// `indices` as plane indices (borrowed when they already are), each checked to lie in
    /// its value's own target plane; the first that does not is the error.
    pub(crate) fn plane_indices<'i>(
        &self,
        indices: &'i [i64],
    ) -> Result<Cow<'i, [i64]>, PoolError> {
        let (plane, per, c) = (self.plane, self.per_plane.max(1), self.c);
        let bad = |position: usize| PoolError::IndexOutOfRange {
            position,
            index: indices[position],
            volume: plane,
        };
        if self.restyle.is_identity() {
            // One unsigned compare per index; split, as it reads 8 bytes a value.
            let outside = |i: &i64| *i as u64 >= plane as u64;
            const CHUNK: usize = 1 << 14;
            let first = if self.split(indices.len()) {
                indices
                    .par_chunks(CHUNK)
                    .enumerate()
                    .find_first(|(_, ix)| ix.iter().any(outside))
                    .map(|(k, ix)| k * CHUNK + ix.iter().position(outside).unwrap_or(0))
            } else {
                indices.iter().position(outside)
            };
            return match first {
                Some(p) => Err(bad(p)),
                None => Ok(Cow::Borrowed(indices)),
            };
        }
        // Other styles: each index converted with its plane (n·c + channel).
        let of = |at: usize| match self.layout {
            Layout::ChannelsFirst => at / per,
            Layout::ChannelsLast => at / (per * c) * c + at % c,
        };
        let mut out = Vec::with_capacity(indices.len());
        for (at, &i) in indices.iter().enumerate() {
            out.push(self.restyle.plane_index(of(at), i).ok_or_else(|| bad(at))?);
        }
        Ok(Cow::Owned(out))
    }

    /// Zeroes `target` and applies `put(element, value)` for every value of `src` at its
    /// plane index in `ix` (from [`plane_indices`](Self::plane_indices)), in order.
    pub(crate) fn run<E: Element>(
        &self,
        target: &mut [E],
        src: &[E],
        ix: &[i64],
        put: impl Fn(&mut E, E) + Sync + Send,
    ) {
        let zero = E::from_f32(0.0);
        let c = self.c;
        let (tc, sc) = match self.layout {
            Layout::ChannelsFirst => (self.plane, self.per_plane),
            Layout::ChannelsLast => (self.plane * c, self.per_plane * c),
        };
        if tc == 0 {
            return;
        }
        let sc = sc.max(1);
        let first = |((t, s), ix): ((&mut [E], &[E]), &[i64])| {
            t.fill(zero);
            for (&v, &i) in s.iter().zip(ix) {
                put(&mut t[i as usize], v);
            }
        };
        let last = |((t, s), ix): ((&mut [E], &[E]), &[i64])| {
            t.fill(zero);
            for (s, ix) in s.chunks_exact(c).zip(ix.chunks_exact(c)) {
                for (ch, (&v, &i)) in s.iter().zip(ix).enumerate() {
                    put(&mut t[i as usize * c + ch], v);
                }
            }
        };
        let split = self.split(target.len());
        macro_rules! go {
            ($f:expr) => {
                if split {
                    target
                        .par_chunks_mut(tc)
                        .zip(src.par_chunks(sc))
                        .zip(ix.par_chunks(sc))
                        .for_each($f)
                } else {
                    target
                        .chunks_mut(tc)
                        .zip(src.chunks(sc))
                        .zip(ix.chunks(sc))
                        .for_each($f)
                }
            };
        }
        match self.layout {
            Layout::ChannelsFirst => go!(first),
            Layout::ChannelsLast => go!(last),
        }
    }
}
