//! The driver of the irregular ops (fractional and stochastic pooling): a scalar function
//! per `(n, c)` plane, over channels-first planes or the channels of channels-last images,
//! split over rayon by planes or images.

use rayon::prelude::*;

use crate::{Element, Layout};

/// SplitMix64 (Steele, Lea, Flood 2014): the random streams of the seeded ops, one per
/// plane (see [`stream`]), so that a seeded call gives the same result however it is split
/// (and whatever version of `rand`).
pub(crate) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The starting state of plane `plane`'s stream for `seed`: `seed ^ plane·φ`.
pub(crate) fn stream(seed: u64, plane: usize) -> u64 {
    seed ^ (plane as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Planes of at least this many input elements in all are split over rayon.
pub(crate) const MIN_PARALLEL: usize = 1 << 14;

/// One plane's (or image's) input, output and indices, numbered.
type Chunk<'a, E> = (usize, ((&'a [E], &'a mut [E]), &'a mut [i64]));

/// How the planes lie.
pub(crate) struct Planes {
    pub(crate) layout: Layout,
    /// Channels.
    pub(crate) c: usize,
    /// Input and output elements per plane.
    pub(crate) in_vol: usize,
    pub(crate) out_vol: usize,
    pub(crate) parallel: bool,
}

impl Planes {
    /// Calls `f(plane, src, dst, idx, step)` for every plane, where the plane's element `i`
    /// is `src[i · step]` and its output `o` is `dst[o · step]` (and `idx[o · step]` when
    /// `idx` is given; `f` then gets an empty slice).
    pub(crate) fn run<E: Element>(
        &self,
        input: &[E],
        output: &mut [E],
        idx: Option<&mut [i64]>,
        f: impl Fn(usize, &[E], &mut [E], &mut [i64], usize) + Sync + Send,
    ) {
        let (c, split) = (self.c, self.parallel && input.len() >= MIN_PARALLEL);
        let (ic, oc, step) = match self.layout {
            Layout::ChannelsFirst => (self.in_vol, self.out_vol, 1),
            Layout::ChannelsLast => (self.in_vol * c, self.out_vol * c, c),
        };
        if ic == 0 || oc == 0 {
            return;
        }
        // A chunk is a plane (step 1) or an image of `c` interleaved planes.
        let chunk = |(k, ((s, d), x)): Chunk<E>| {
            if step == 1 {
                return f(k, s, d, x, 1);
            }
            for ch in 0..c {
                let x: &mut [i64] = if x.is_empty() { x } else { &mut x[ch..] };
                f(k * c + ch, &s[ch..], &mut d[ch..], x, c);
            }
        };
        let mut none: Vec<i64> = Vec::new();
        let (idx, ixc) = match idx {
            Some(i) => (i, oc),
            None => (&mut none[..], 0),
        };
        // Without indices every chunk gets an empty slice.
        let with_idx = ixc > 0;
        if split {
            let base = input.par_chunks(ic).zip(output.par_chunks_mut(oc));
            if with_idx {
                base.zip(idx.par_chunks_mut(ixc))
                    .enumerate()
                    .for_each(chunk);
            } else {
                base.map(|p| (p, &mut [][..])).enumerate().for_each(chunk);
            }
        } else {
            let base = input.chunks(ic).zip(output.chunks_mut(oc));
            if with_idx {
                base.zip(idx.chunks_mut(ixc)).enumerate().for_each(chunk);
            } else {
                base.map(|p| (p, &mut [][..])).enumerate().for_each(chunk);
            }
        }
    }
}
