//! Which ISA runs: detected once, optionally forced by `SIMDPOOL_ISA` or a builder's `isa`, and
//! resolved to a kernel table before any work is split across threads.

use std::sync::OnceLock;

use simdpool_kernels::Kernels;

use crate::{Isa, PoolError};

/// Whether this CPU (and build) can run `isa`.
fn cpu_has(isa: Isa) -> bool {
    match isa {
        Isa::Scalar | Isa::Portable => true,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => {
            is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("f16c")
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => {
            is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("f16c")
        }
        #[cfg(not(target_arch = "x86_64"))]
        Isa::Avx2 | Isa::Avx512 => false,
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => std::arch::is_aarch64_feature_detected!("neon"),
        #[cfg(not(target_arch = "aarch64"))]
        Isa::Neon => false,
    }
}

/// Every ISA this CPU can run, least capable first.
pub fn supported_isas() -> Vec<Isa> {
    Isa::ALL.into_iter().filter(|&i| cpu_has(i)).collect()
}

/// The kernel table for `isa`, if this CPU can run it.
pub(crate) fn kernels_for(isa: Isa, source: &'static str) -> Result<Kernels, PoolError> {
    if !cpu_has(isa) {
        return Err(PoolError::IsaUnavailable { isa, source });
    }
    // SAFETY: cpu_has just confirmed the features `for_isa_unchecked` requires for `isa`.
    unsafe { Kernels::for_isa_unchecked(isa) }.ok_or(PoolError::IsaUnavailable { isa, source })
}

/// The process-wide choice: `SIMDPOOL_ISA` if set, else the best ISA detected.
fn process_choice() -> &'static (Isa, Result<Kernels, PoolError>) {
    static CHOICE: OnceLock<(Isa, Result<Kernels, PoolError>)> = OnceLock::new();
    CHOICE.get_or_init(|| {
        let best = supported_isas().last().copied().unwrap_or(Isa::Scalar);
        match std::env::var("SIMDPOOL_ISA") {
            Ok(v) if !v.trim().is_empty() => match Isa::from_name(&v) {
                Some(isa) => (isa, kernels_for(isa, "SIMDPOOL_ISA")),
                None => (best, Err(PoolError::UnknownIsa { value: v })),
            },
            _ => (best, kernels_for(best, "detection")),
        }
    })
}

/// The ISA `forward` uses when the layer forces none: the one `SIMDPOOL_ISA` names, else the
/// best this CPU supports. When `SIMDPOOL_ISA` cannot be honoured (unknown name, or an ISA the
/// CPU lacks), this still reports the request (or, for an unknown name, the best ISA), and
/// every such `forward` returns the error rather than falling back.
pub fn selected_isa() -> Isa {
    process_choice().0
}

/// The kernels for a call: the layer's forced ISA, else the process-wide choice.
/// `source` names the builder method that forced it, for the error.
pub(crate) fn resolve(forced: Option<Isa>, source: &'static str) -> Result<Kernels, PoolError> {
    match forced {
        Some(isa) => kernels_for(isa, source),
        None => process_choice().1.clone(),
    }
}
