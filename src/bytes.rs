//! `forward_bytes`: byte buffers plus a type tag, checked (length, alignment) and viewed as
//! typed slices without copying, then the typed call.

use bytemuck::PodCastError;
use half::slice::HalfBitsSliceExt;
use half::{bf16, f16};

use crate::{DType, Element, PoolError};

/// A typed call, generic over the element type the tag names.
pub(crate) trait Run {
    /// What the call returns.
    type Out;
    /// The call on typed slices.
    fn go<E: Element>(
        self,
        input: &[E],
        output: &mut [E],
        indices: &mut [i64],
    ) -> Result<Self::Out, PoolError>;
}

/// Views `input` and `output` as `dtype` elements and runs `run` on them.
pub(crate) fn dispatch<R: Run>(
    dtype: DType,
    input: &[u8],
    output: &mut [u8],
    indices: &mut [i64],
    run: R,
) -> Result<R::Out, PoolError> {
    match dtype {
        DType::F32 => run.go(
            cast::<f32>(input, "input", dtype)?,
            cast_mut::<f32>(output, "output", dtype)?,
            indices,
        ),
        DType::F16 => run.go(
            cast::<u16>(input, "input", dtype)?.reinterpret_cast::<f16>(),
            cast_mut::<u16>(output, "output", dtype)?.reinterpret_cast_mut::<f16>(),
            indices,
        ),
        DType::Bf16 => run.go(
            cast::<u16>(input, "input", dtype)?.reinterpret_cast::<bf16>(),
            cast_mut::<u16>(output, "output", dtype)?.reinterpret_cast_mut::<bf16>(),
            indices,
        ),
        DType::I8 => run.go(
            cast::<i8>(input, "input", dtype)?,
            cast_mut::<i8>(output, "output", dtype)?,
            indices,
        ),
        DType::U8 => run.go(input, output, indices),
    }
}

fn cast<'a, T: bytemuck::Pod>(
    b: &'a [u8],
    buffer: &'static str,
    dtype: DType,
) -> Result<&'a [T], PoolError> {
    if b.is_empty() {
        // An empty slice's dangling pointer says nothing about the engine's alignment.
        return Ok(&[]);
    }
    bytemuck::try_cast_slice(b).map_err(|e| error(e, buffer, dtype, b.len()))
}

fn cast_mut<'a, T: bytemuck::Pod>(
    b: &'a mut [u8],
    buffer: &'static str,
    dtype: DType,
) -> Result<&'a mut [T], PoolError> {
    let len = b.len();
    if len == 0 {
        return Ok(&mut []);
    }
    bytemuck::try_cast_slice_mut(b).map_err(|e| error(e, buffer, dtype, len))
}

fn error(e: PodCastError, buffer: &'static str, dtype: DType, bytes: usize) -> PoolError {
    match e {
        PodCastError::TargetAlignmentGreaterAndInputNotAligned
        | PodCastError::AlignmentMismatch => PoolError::Misaligned {
            buffer,
            dtype,
            align: dtype.size(),
        },
        PodCastError::OutputSliceWouldHaveSlop | PodCastError::SizeMismatch => {
            PoolError::ByteLength {
                buffer,
                dtype,
                bytes,
            }
        }
    }
}
