//! # simdpool
//!
//! 2-D max and average pooling over NCHW `f32` tensors with exactly PyTorch's semantics
//! (output sizes, values, argmax indices, NaN handling, rejected parameters), vectorized by
//! hand for AVX-512, AVX2 and NEON, chosen at run time, and split over rayon.
//!
//! ```
//! use simdpool::{Pool2d, PoolError};
//! let pool = Pool2d::max(3).stride(2).padding(1);
//! let (n, c, h, w) = (1, 2, 8, 8);
//! let input = vec![1.0f32; n * c * h * w];
//! let shape = pool.output_shape([n, c, h, w])?;
//! let mut output = vec![0.0; shape.iter().product()];
//! assert_eq!(pool.forward(&input, [n, c, h, w], &mut output)?, [1, 2, 4, 4]);
//! # Ok::<(), PoolError>(())
//! ```
//!
//! The pipeline, one module each: [`Pool2d`] (parameters) → `plan` (validation, geometry) →
//! `dispatch` (ISA) → `threading` (planes, row blocks) → `simdpool_kernels` (per-ISA kernels).
//! [`reference`] is the scalar oracle the tests hold every path to.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks, missing_docs)]

mod dispatch;
mod error;
mod params;
mod plan;
pub mod reference;
mod threading;

pub use dispatch::{selected_isa, supported_isas};
pub use error::PoolError;
pub use params::{Kind, Pair, Pool2d};
pub use simdpool_kernels::Isa;

use threading::Op;

/// How this library was built, for benchmark and bug-report headers: target triple,
/// compiler version and the ISAs this CPU can run.
pub fn build_info() -> String {
    let isas: Vec<&str> = supported_isas().iter().map(|i| i.name()).collect();
    format!(
        "target {}, {}, ISAs on this CPU: {} (selected: {})",
        env!("SIMDPOOL_TARGET"),
        env!("SIMDPOOL_RUSTC"),
        isas.join(", "),
        selected_isa()
    )
}

impl Pool2d {
    /// Pools `input` (NCHW, `shape`) into the start of `output`; returns the output shape.
    ///
    /// Everything is checked before anything is written: on error `output` is untouched.
    pub fn forward(
        &self,
        input: &[f32],
        shape: [usize; 4],
        output: &mut [f32],
    ) -> Result<[usize; 4], PoolError> {
        let op = match self.kind {
            Kind::Max => Op::Max,
            Kind::Avg => Op::Avg,
        };
        self.run(op, input, shape, output, &mut [])
    }

    /// Max pooling that also writes, per output, the flat index within its plane (`y·w + x`)
    /// of the chosen element, as `MaxPool2d(return_indices=True)` does.
    pub fn forward_with_indices(
        &self,
        input: &[f32],
        shape: [usize; 4],
        output: &mut [f32],
        indices: &mut [i64],
    ) -> Result<[usize; 4], PoolError> {
        if self.kind == Kind::Avg {
            return Err(PoolError::IndicesOnAvg);
        }
        self.run(Op::ArgMax, input, shape, output, indices)
    }

    /// The ISA this layer's `forward` runs: its forced one, else [`selected_isa`]'s; or why
    /// that ISA cannot run here.
    pub fn resolved_isa(&self) -> Result<Isa, PoolError> {
        dispatch::resolve(self.isa).map(|k| k.isa())
    }

    fn run(
        &self,
        op: Op,
        input: &[f32],
        shape: [usize; 4],
        output: &mut [f32],
        indices: &mut [i64],
    ) -> Result<[usize; 4], PoolError> {
        let plan = self.plan(shape)?;
        if input.len() != plan.in_len {
            return Err(PoolError::InputLength {
                shape,
                expected: plan.in_len,
                actual: input.len(),
            });
        }
        if output.len() < plan.out_len {
            return Err(PoolError::OutputLength {
                needed: plan.out_len,
                actual: output.len(),
            });
        }
        if op == Op::ArgMax && indices.len() < plan.out_len {
            return Err(PoolError::IndicesLength {
                needed: plan.out_len,
                actual: indices.len(),
            });
        }
        let kernels = dispatch::resolve(self.isa)?;
        if let Some(g) = &plan.geom {
            let idx = if op == Op::ArgMax {
                &mut indices[..plan.out_len]
            } else {
                &mut []
            };
            threading::run(
                &kernels,
                op,
                g,
                input,
                &mut output[..plan.out_len],
                idx,
                self.parallel,
            );
        }
        Ok(plan.out)
    }
}
