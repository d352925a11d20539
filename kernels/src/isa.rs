//! The instruction sets a kernel table can be built for.

use core::fmt;

/// An instruction set with its own kernel table. Which ones a CPU can run is decided by the
/// caller (the `simdpool` crate detects them at run time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Isa {
    /// One lane of plain `f32`: the same generic algorithm with no vectors.
    Scalar,
    /// `wide`'s 8-lane vectors, whose instructions are fixed at compile time.
    Portable,
    /// x86-64 AVX2 + FMA, 8 lanes (`__m256`, `__m128` for tails).
    Avx2,
    /// x86-64 AVX-512F, 16 lanes (`__m512`, `__m256` for tails).
    Avx512,
    /// aarch64 NEON (Advanced SIMD), 4 lanes (`float32x4_t`).
    Neon,
}

impl Isa {
    /// Every ISA, in order of preference from least to most capable.
    pub const ALL: [Isa; 5] = [
        Isa::Scalar,
        Isa::Portable,
        Isa::Neon,
        Isa::Avx2,
        Isa::Avx512,
    ];

    /// The lower-case name used by `SIMDPOOL_ISA` and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }

    /// Parses a name as printed by [`Isa::name`] (ASCII case-insensitive).
    pub fn from_name(s: &str) -> Option<Isa> {
        Isa::ALL
            .into_iter()
            .find(|i| i.name().eq_ignore_ascii_case(s.trim()))
    }

    /// f32 lanes of the widest vector the ISA's kernels use.
    pub const fn lanes(self) -> usize {
        match self {
            Isa::Scalar => 1,
            Isa::Portable | Isa::Avx2 => 8,
            Isa::Avx512 => 16,
            Isa::Neon => 4,
        }
    }

    /// Whether this build contains kernels for the ISA (the target architecture matches).
    pub const fn compiled(self) -> bool {
        match self {
            Isa::Scalar | Isa::Portable => true,
            Isa::Avx2 | Isa::Avx512 => cfg!(target_arch = "x86_64"),
            Isa::Neon => cfg!(target_arch = "aarch64"),
        }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
