//! x86-64 kernels: AVX2 (`__m256`, with `__m128` tails) and AVX-512F (`__m512`, with
//! `__m256` tails). Each file implements `F32Vec` for its vector and stamps its entry points.

pub(crate) mod avx2;
pub(crate) mod avx512;
mod sse;
