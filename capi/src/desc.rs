//! `simdpool_pool_desc`: the layer as plain C fields, checked field by field into one of
//! the crate's builders.

use simdpool::{
    AdaptivePool1d, AdaptivePool2d, AdaptivePool3d, AutoPad, DType, IndexStyle, Isa, Layout,
    Pool1d, Pool2d, Pool3d,
};

use crate::status::{Fail, SIMDPOOL_ERROR_INVALID_ARGUMENT, SIMDPOOL_ERROR_SIZE};

/// `nn.MaxPool*d`, ONNX `MaxPool`.
pub const SIMDPOOL_OP_MAX: u32 = 0;
/// `nn.AvgPool*d`, ONNX `AveragePool`.
pub const SIMDPOOL_OP_AVG: u32 = 1;
/// `nn.LPPool*d`, ONNX `LpPool` (with `lp_abs`).
pub const SIMDPOOL_OP_LP: u32 = 2;
/// `nn.AdaptiveMaxPool*d`; output size 1 everywhere is ONNX `GlobalMaxPool`.
pub const SIMDPOOL_OP_ADAPTIVE_MAX: u32 = 3;
/// `nn.AdaptiveAvgPool*d`; output size 1 everywhere is ONNX `GlobalAveragePool`.
pub const SIMDPOOL_OP_ADAPTIVE_AVG: u32 = 4;

/// NCL / NCHW / NCDHW.
pub const SIMDPOOL_LAYOUT_CHANNELS_FIRST: u32 = 0;
/// NLC / NHWC / NDHWC (PyTorch's `channels_last`).
pub const SIMDPOOL_LAYOUT_CHANNELS_LAST: u32 = 1;

/// `float`.
pub const SIMDPOOL_DTYPE_F32: u32 = 0;
/// IEEE half (`_Float16`, `torch.float16`), as its 16 bits.
pub const SIMDPOOL_DTYPE_F16: u32 = 1;
/// bfloat16, as its 16 bits.
pub const SIMDPOOL_DTYPE_BF16: u32 = 2;
/// `int8_t`.
pub const SIMDPOOL_DTYPE_I8: u32 = 3;
/// `uint8_t`.
pub const SIMDPOOL_DTYPE_U8: u32 = 4;

/// PyTorch's indices: flat within each `(n, c)` plane or volume.
pub const SIMDPOOL_INDEX_PLANE: u32 = 0;
/// ONNX `storage_order = 0`: flat over the whole tensor.
pub const SIMDPOOL_INDEX_TENSOR: u32 = 1;
/// ONNX `storage_order = 1`: column-major within each volume, plus its offset.
pub const SIMDPOOL_INDEX_TENSOR_COLUMN_MAJOR: u32 = 2;

/// ONNX `auto_pad = NOTSET`: the explicit pads.
pub const SIMDPOOL_AUTO_PAD_NOTSET: u32 = 0;
/// ONNX `VALID`.
pub const SIMDPOOL_AUTO_PAD_VALID: u32 = 1;
/// ONNX `SAME_UPPER`.
pub const SIMDPOOL_AUTO_PAD_SAME_UPPER: u32 = 2;
/// ONNX `SAME_LOWER`.
pub const SIMDPOOL_AUTO_PAD_SAME_LOWER: u32 = 3;

/// The best ISA this CPU has (or `SIMDPOOL_ISA`'s).
pub const SIMDPOOL_ISA_AUTO: u32 = 0;
/// Forced: one lane of plain `f32`.
pub const SIMDPOOL_ISA_SCALAR: u32 = 1;
/// Forced: the portable (`wide`) vectors.
pub const SIMDPOOL_ISA_PORTABLE: u32 = 2;
/// Forced: AVX2.
pub const SIMDPOOL_ISA_AVX2: u32 = 3;
/// Forced: AVX-512F.
pub const SIMDPOOL_ISA_AVX512: u32 = 4;
/// Forced: NEON.
pub const SIMDPOOL_ISA_NEON: u32 = 5;

/// A pooling layer. Start from `simdpool_pool_desc_default(op, rank)` and set what differs.
/// Per-axis arrays use their first `rank` entries, outermost axis first.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(non_camel_case_types)]
pub struct simdpool_pool_desc {
    /// `SIMDPOOL_OP_*`.
    pub op: u32,
    /// Spatial axes: 1, 2 or 3.
    pub rank: u32,
    /// Window per axis (regular ops).
    pub kernel: [i64; 3],
    /// Step per axis; all zero: the kernel (PyTorch's `stride=None`).
    pub stride: [i64; 3],
    /// Spacing between taps (default 1).
    pub dilation: [i64; 3],
    /// Padding before each axis.
    pub pads_begin: [i64; 3],
    /// Padding after each axis: must equal `pads_begin` unless `onnx_pads`.
    pub pads_end: [i64; 3],
    /// 0: PyTorch's symmetric `padding` (at most half the kernel); 1: ONNX's `pads`.
    pub onnx_pads: u8,
    /// `SIMDPOOL_AUTO_PAD_*` (ONNX).
    pub auto_pad: u32,
    /// 0 or 1.
    pub ceil_mode: u8,
    /// Average only (default 1); ignored by other ops.
    pub count_include_pad: u8,
    /// Average only: 0 for none, else every window's divisor.
    pub divisor_override: i64,
    /// Adaptive ops: the output size per axis.
    pub output_size: [i64; 3],
    /// LP only: the norm's `p`.
    pub lp_norm: f32,
    /// LP only: 1 for ONNX `LpPool`'s `(Σ|x|^p)^(1/p)`, 0 for PyTorch's formula.
    pub lp_abs: u8,
    /// `SIMDPOOL_LAYOUT_*`: the layout strides are compared with to take the fastest route,
    /// and the one copies are made in; results do not depend on it.
    pub layout: u32,
    /// `SIMDPOOL_DTYPE_*`: the element type of every tensor but indices (`int64_t`).
    pub dtype: u32,
    /// `SIMDPOOL_INDEX_*`.
    pub index_style: u32,
    /// 1: run on the calling thread only (engines with their own thread pool).
    pub serial: u8,
    /// `SIMDPOOL_ISA_*` (default `SIMDPOOL_ISA_AUTO`).
    pub isa: u32,
}

/// The descriptor of `op` over `rank` spatial axes with PyTorch's defaults: kernel 1,
/// stride = kernel, dilation 1, no padding, `count_include_pad`, channels-first `float`,
/// PyTorch's indices, parallel, best ISA. Fields are checked when it is used, not here.
#[no_mangle]
pub extern "C" fn simdpool_pool_desc_default(op: u32, rank: u32) -> simdpool_pool_desc {
    simdpool_pool_desc {
        op,
        rank,
        kernel: [1; 3],
        stride: [0; 3],
        dilation: [1; 3],
        pads_begin: [0; 3],
        pads_end: [0; 3],
        onnx_pads: 0,
        auto_pad: SIMDPOOL_AUTO_PAD_NOTSET,
        ceil_mode: 0,
        count_include_pad: 1,
        divisor_override: 0,
        output_size: [1; 3],
        lp_norm: 2.0,
        lp_abs: 0,
        layout: SIMDPOOL_LAYOUT_CHANNELS_FIRST,
        dtype: SIMDPOOL_DTYPE_F32,
        index_style: SIMDPOOL_INDEX_PLANE,
        serial: 0,
        isa: SIMDPOOL_ISA_AUTO,
    }
}

/// A checked descriptor: one of the crate's builders, and the element type.
pub(crate) enum Layer {
    P1(Pool1d),
    P2(Pool2d),
    P3(Pool3d),
    A1(AdaptivePool1d),
    A2(AdaptivePool2d),
    A3(AdaptivePool3d),
}

fn invalid(field: &str, value: impl std::fmt::Display) -> Fail {
    Fail::new(
        SIMDPOOL_ERROR_INVALID_ARGUMENT,
        format!("desc.{field} = {value} is not one of its values"),
    )
}

fn flag(field: &str, v: u8) -> Result<bool, Fail> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(invalid(field, v)),
    }
}

/// The first `R` entries of a per-axis field, none negative.
fn axes<const R: usize>(field: &str, v: &[i64; 3]) -> Result<[usize; R], Fail> {
    crate::tensor::sizes::<R>("desc", field, v)
}

pub(crate) fn dtype(d: &simdpool_pool_desc) -> Result<DType, Fail> {
    Ok(match d.dtype {
        SIMDPOOL_DTYPE_F32 => DType::F32,
        SIMDPOOL_DTYPE_F16 => DType::F16,
        SIMDPOOL_DTYPE_BF16 => DType::Bf16,
        SIMDPOOL_DTYPE_I8 => DType::I8,
        SIMDPOOL_DTYPE_U8 => DType::U8,
        v => return Err(invalid("dtype", v)),
    })
}

struct Common {
    layout: Layout,
    parallel: bool,
    isa: Option<Isa>,
}

fn common(d: &simdpool_pool_desc) -> Result<Common, Fail> {
    let layout = match d.layout {
        SIMDPOOL_LAYOUT_CHANNELS_FIRST => Layout::ChannelsFirst,
        SIMDPOOL_LAYOUT_CHANNELS_LAST => Layout::ChannelsLast,
        v => return Err(invalid("layout", v)),
    };
    let isa = match d.isa {
        SIMDPOOL_ISA_AUTO => None,
        SIMDPOOL_ISA_SCALAR => Some(Isa::Scalar),
        SIMDPOOL_ISA_PORTABLE => Some(Isa::Portable),
        SIMDPOOL_ISA_AVX2 => Some(Isa::Avx2),
        SIMDPOOL_ISA_AVX512 => Some(Isa::Avx512),
        SIMDPOOL_ISA_NEON => Some(Isa::Neon),
        v => return Err(invalid("isa", v)),
    };
    // Fields the op ignores are checked too: a value outside its set is a caller's bug.
    for (field, v) in [
        ("onnx_pads", d.onnx_pads),
        ("ceil_mode", d.ceil_mode),
        ("count_include_pad", d.count_include_pad),
        ("lp_abs", d.lp_abs),
    ] {
        flag(field, v)?;
    }
    if d.auto_pad > SIMDPOOL_AUTO_PAD_SAME_LOWER {
        return Err(invalid("auto_pad", d.auto_pad));
    }
    if d.index_style > SIMDPOOL_INDEX_TENSOR_COLUMN_MAJOR {
        return Err(invalid("index_style", d.index_style));
    }
    Ok(Common {
        layout,
        parallel: !flag("serial", d.serial)?,
        isa,
    })
}

/// Stamps the regular-layer conversion for one rank.
macro_rules! regular {
    ($name:ident, $t:ident, $r:literal) => {
        fn $name(d: &simdpool_pool_desc, c: &Common) -> Result<$t, Fail> {
            let k = axes::<$r>("kernel", &d.kernel)?;
            let mut p = match d.op {
                SIMDPOOL_OP_MAX => $t::max(k),
                SIMDPOOL_OP_AVG => {
                    $t::avg(k).count_include_pad(flag("count_include_pad", d.count_include_pad)?)
                }
                _ => $t::lp(d.lp_norm, k).lp_abs(flag("lp_abs", d.lp_abs)?),
            };
            let stride = axes::<$r>("stride", &d.stride)?;
            if stride != [0; $r] {
                p = p.stride(stride);
            }
            let (begin, end) = (
                axes::<$r>("pads_begin", &d.pads_begin)?,
                axes::<$r>("pads_end", &d.pads_end)?,
            );
            p = if flag("onnx_pads", d.onnx_pads)? {
                p.pads(begin, end)
            } else if begin == end {
                p.padding(begin)
            } else {
                return Err(Fail::new(
                    SIMDPOOL_ERROR_INVALID_ARGUMENT,
                    format!(
                        "desc.pads_begin {begin:?} differs from pads_end {end:?}: PyTorch's \
                         padding is symmetric (set onnx_pads = 1 for ONNX's pads)"
                    ),
                ));
            };
            if d.divisor_override != 0 {
                let v = usize::try_from(d.divisor_override).map_err(|_| {
                    Fail::new(
                        SIMDPOOL_ERROR_SIZE,
                        format!("desc.divisor_override = {} is negative", d.divisor_override),
                    )
                })?;
                p = p.divisor_override(v);
            }
            let auto_pad = match d.auto_pad {
                SIMDPOOL_AUTO_PAD_NOTSET => AutoPad::NotSet,
                SIMDPOOL_AUTO_PAD_VALID => AutoPad::Valid,
                SIMDPOOL_AUTO_PAD_SAME_UPPER => AutoPad::SameUpper,
                SIMDPOOL_AUTO_PAD_SAME_LOWER => AutoPad::SameLower,
                v => return Err(invalid("auto_pad", v)),
            };
            let style = match d.index_style {
                SIMDPOOL_INDEX_PLANE => IndexStyle::Plane,
                SIMDPOOL_INDEX_TENSOR => IndexStyle::Tensor,
                SIMDPOOL_INDEX_TENSOR_COLUMN_MAJOR => IndexStyle::TensorColumnMajor,
                v => return Err(invalid("index_style", v)),
            };
            p = p
                .auto_pad(auto_pad)
                .dilation(axes::<$r>("dilation", &d.dilation)?)
                .ceil_mode(flag("ceil_mode", d.ceil_mode)?)
                .index_style(style)
                .layout(c.layout)
                .parallel(c.parallel);
            Ok(match c.isa {
                Some(isa) => p.isa(isa),
                None => p,
            })
        }
    };
}
regular!(pool1, Pool1d, 1);
regular!(pool2, Pool2d, 2);
regular!(pool3, Pool3d, 3);

/// Stamps the adaptive-layer conversion for one rank.
macro_rules! adaptive {
    ($name:ident, $t:ident, $r:literal) => {
        fn $name(d: &simdpool_pool_desc, c: &Common) -> Result<$t, Fail> {
            let out = axes::<$r>("output_size", &d.output_size)?;
            let p = match d.op {
                SIMDPOOL_OP_ADAPTIVE_MAX => $t::max(out),
                _ => $t::avg(out),
            };
            let p = p.layout(c.layout).parallel(c.parallel);
            Ok(match c.isa {
                Some(isa) => p.isa(isa),
                None => p,
            })
        }
    };
}
adaptive!(adaptive1, AdaptivePool1d, 1);
adaptive!(adaptive2, AdaptivePool2d, 2);
adaptive!(adaptive3, AdaptivePool3d, 3);

/// The layer a descriptor describes, or the first field that is wrong.
pub(crate) fn layer(d: &simdpool_pool_desc) -> Result<Layer, Fail> {
    let c = common(d)?;
    dtype(d)?;
    let regular = match d.op {
        SIMDPOOL_OP_MAX | SIMDPOOL_OP_AVG | SIMDPOOL_OP_LP => true,
        SIMDPOOL_OP_ADAPTIVE_MAX | SIMDPOOL_OP_ADAPTIVE_AVG => false,
        v => return Err(invalid("op", v)),
    };
    Ok(match (regular, d.rank) {
        (true, 1) => Layer::P1(pool1(d, &c)?),
        (true, 2) => Layer::P2(pool2(d, &c)?),
        (true, 3) => Layer::P3(pool3(d, &c)?),
        (false, 1) => Layer::A1(adaptive1(d, &c)?),
        (false, 2) => Layer::A2(adaptive2(d, &c)?),
        (false, 3) => Layer::A3(adaptive3(d, &c)?),
        (_, v) => return Err(invalid("rank", v)),
    })
}
