//! aarch64 kernels: NEON is part of the baseline target, so they need no detection.

pub(crate) mod neon;
