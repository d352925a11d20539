//! The element types a tensor can hold. Every kernel computes in `f32` lanes; an element
//! type only says how a lane is loaded (widened, exactly) and stored (narrowed, rounded to
//! nearest, ties to even, saturating for integers).

use half::{bf16, f16};

/// A tensor's element type, for byte-level APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// `f32`.
    F32,
    /// IEEE half precision (`half::f16`).
    F16,
    /// bfloat16 (`half::bf16`).
    Bf16,
    /// `i8`.
    I8,
    /// `u8`.
    U8,
}

impl DType {
    /// Every type, in table order.
    pub const ALL: [DType; 5] = [DType::F32, DType::F16, DType::Bf16, DType::I8, DType::U8];

    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            DType::F32 => 4,
            DType::F16 | DType::Bf16 => 2,
            DType::I8 | DType::U8 => 1,
        }
    }

    /// PyTorch's short name (`float32`, `float16`, `bfloat16`, `int8`, `uint8`).
    pub const fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F16 => "float16",
            DType::Bf16 => "bfloat16",
            DType::I8 => "int8",
            DType::U8 => "uint8",
        }
    }

    /// Whether the type is an integer (quantized) type.
    pub const fn is_integer(self) -> bool {
        matches!(self, DType::I8 | DType::U8)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An element type pooling runs on: `f32`, `half::f16`, `half::bf16`, `i8`, `u8`. Sealed:
/// the kernels rely on [`Element::DTYPE`] naming the type's exact layout.
pub trait Element:
    Copy + Send + Sync + PartialEq + core::fmt::Debug + 'static + sealed::Sealed
{
    /// The type's tag.
    const DTYPE: DType;

    /// The value as `f32` (exact for every element type).
    fn to_f32(self) -> f32;

    /// `v` rounded to this type: to nearest, ties to even; integers saturate (and a NaN,
    /// which no integer input can produce, gives the type's minimum, as the vector
    /// conversions do); floats overflow to infinity and keep a NaN a (quiet) NaN.
    fn from_f32(v: f32) -> Self;

    /// The slice as `f32`s when `Self` is `f32` (the path with no conversion).
    #[doc(hidden)]
    fn as_f32(s: &[Self]) -> Option<&[f32]> {
        let _ = s;
        None
    }

    /// As [`Element::as_f32`], mutably.
    #[doc(hidden)]
    fn as_f32_mut(s: &mut [Self]) -> Option<&mut [f32]> {
        let _ = s;
        None
    }
}

impl sealed::Sealed for f32 {}
impl Element for f32 {
    const DTYPE: DType = DType::F32;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn from_f32(v: f32) -> f32 {
        v
    }
    fn as_f32(s: &[f32]) -> Option<&[f32]> {
        Some(s)
    }
    fn as_f32_mut(s: &mut [f32]) -> Option<&mut [f32]> {
        Some(s)
    }
}

impl sealed::Sealed for f16 {}
impl Element for f16 {
    const DTYPE: DType = DType::F16;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    #[inline(always)]
    fn from_f32(v: f32) -> f16 {
        f16::from_f32(v)
    }
}

impl sealed::Sealed for bf16 {}
impl Element for bf16 {
    const DTYPE: DType = DType::Bf16;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        bf16::to_f32(self)
    }
    #[inline(always)]
    fn from_f32(v: f32) -> bf16 {
        bf16::from_f32(v)
    }
}

/// Saturate to `lo..=hi` (NaN: `lo`), then round half to even.
#[inline(always)]
fn saturate(v: f32, lo: f32, hi: f32) -> f32 {
    if v.is_nan() {
        return lo;
    }
    round_ties_even(v.clamp(lo, hi))
}

/// `f32::round_ties_even`, which `core` lacks: the magic-number trick is exact for
/// |v| < 2^23 (larger values are already integers).
#[inline(always)]
fn round_ties_even(v: f32) -> f32 {
    const M: f32 = 8_388_608.0; // 2^23
    if v.abs() >= M {
        return v;
    }
    // v ± 2^23 lands where the spacing of f32 is 1: the add itself rounds, ties to even
    // (2^23 is even, so the parity is v's).
    if v >= 0.0 {
        (v + M) - M
    } else {
        (v - M) + M
    }
}

impl sealed::Sealed for i8 {}
impl Element for i8 {
    const DTYPE: DType = DType::I8;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn from_f32(v: f32) -> i8 {
        saturate(v, -128.0, 127.0) as i8
    }
}

impl sealed::Sealed for u8 {}
impl Element for u8 {
    const DTYPE: DType = DType::U8;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn from_f32(v: f32) -> u8 {
        saturate(v, 0.0, 255.0) as u8
    }
}
