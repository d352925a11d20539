//! Shared by the fuzz targets: a reader that turns libFuzzer's bytes into parameters, and
//! the test suite's oracle checks (`tests/common`), so a fuzz finding and a test failure
//! mean the same thing.

#[path = "../../tests/common/mod.rs"]
pub mod common;

/// Reads parameters from the fuzzer's bytes; past the end every read is zero, so any input
/// decodes to some call.
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    /// One byte.
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A value in `lo..=hi` (small ranges only: one byte of entropy).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.u8() as usize % (hi - lo + 1)
    }

    /// A size from a mix of small values and the ones that stress arithmetic: 0, 1, powers
    /// of two and their neighbours, and values near `usize::MAX`.
    pub fn size(&mut self) -> usize {
        let b = self.u8();
        let pick = self.u8() as u32;
        match b % 16 {
            0 => 0,
            1 => usize::MAX - (pick as usize % 4),
            2 => usize::MAX / 2 + (pick as usize % 4) - 1,
            3 => (1usize << (pick % 64))
                .wrapping_add((self.u8() % 3) as usize)
                .wrapping_sub(1),
            4 => u32::MAX as usize + (pick as usize % 3) - 1,
            _ => 1 + (pick as usize % 12),
        }
    }

    /// `len` floats: the remaining bytes, four at a time, as little-endian bits, with some
    /// bytes steering toward ties, NaNs and infinities; zeros once the bytes run out.
    pub fn floats(&mut self, len: usize) -> Vec<f32> {
        const SPECIAL: [f32; 8] = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.0,
            -0.0,
            f32::MAX,
            -f32::MAX,
            1.0,
        ];
        (0..len)
            .map(|_| match self.u8() {
                t @ 0..=15 => SPECIAL[t as usize % 8],
                16..=127 => (self.u8() as i8 / 16) as f32 * 0.5,
                _ => f32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()]),
            })
            .collect()
    }
}
