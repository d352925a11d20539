//! Every builder beyond 2-D PyTorch pooling: `Pool1d`/`Pool3d` (PyTorch padding, ONNX pads,
//! auto_pad, index styles) and `AdaptivePool1d/2d/3d`, mostly small and valid, sometimes
//! with sizes that overflow: on an ISA the CPU has, serial or split, every accepted call
//! matches the oracle (values, PyTorch indices, nothing written past the output) and the
//! index styles renumber those indices exactly, and the call in another element type and
//! layout is the f32 call on the widened input; a rejected call writes nothing.
#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use simdpool::{
    bf16, f16, reference, AdaptivePool1d, AdaptivePool2d, AdaptivePool3d, AutoPad, Element,
    IndexStyle, Kind, Layer, Layout, Pool1d, Pool2d, Pool3d,
};
use simdpool_fuzz::{common, Bytes};

/// A per-axis value: small, or now and then one that stresses arithmetic.
fn axis<const R: usize>(b: &mut Bytes, lo: usize, hi: usize) -> [usize; R] {
    [0; R].map(|_| {
        if b.u8() == 0 {
            b.size()
        } else {
            b.range(lo, hi)
        }
    })
}

/// `l` numbers indices as PyTorch does; `styled` is the same layer with index style `style`.
fn check<L: Layer + Clone + Debug>(
    b: &mut Bytes,
    l: L,
    styled: L,
    shape: L::Shape,
    style: IndexStyle,
) {
    let isas = simdpool::supported_isas();
    let isa = isas[b.range(0, isas.len() - 1)];
    let parallel = b.u8() & 1 == 0;
    let l = l.isa(isa).parallel(parallel);
    let styled = styled.isa(isa).parallel(parallel);
    let Ok(out_shape) = l.output_shape(shape) else {
        // Rejected: nothing written.
        let mut out = [7.0f32; 8];
        let mut idx = [7i64; 8];
        let _ = l.forward(&[0.0; 8], shape, &mut out);
        let _ = l.forward_with_indices(&[0.0; 8], shape, &mut out, &mut idx);
        assert!(out.iter().all(|&v| v == 7.0) && idx.iter().all(|&i| i == 7));
        return;
    };
    let n_in = shape
        .as_ref()
        .iter()
        .try_fold(1usize, |a, &v| a.checked_mul(v));
    let n_out = out_shape
        .as_ref()
        .iter()
        .try_fold(1usize, |a, &v| a.checked_mul(v));
    let (Some(n_in), Some(n_out)) = (n_in, n_out) else {
        panic!("accepted an overflowing shape {shape:?}");
    };
    if n_in > 4096 || n_out > 4096 {
        return;
    }
    let input = b.floats(n_in);
    if let Err(e) = common::check_reference(isa, &l, shape, &input, parallel) {
        panic!("{e}");
    }
    // The same call in another element type and either layout: the f32 call on the widened
    // input, narrowed.
    let layout = [Layout::ChannelsFirst, Layout::ChannelsLast][b.range(0, 1)];
    match b.u8() % 4 {
        0 => typed::<f16, _>(&l, shape, &input, isa, layout, parallel),
        1 => typed::<bf16, _>(&l, shape, &input, isa, layout, parallel),
        2 => typed::<i8, _>(&l, shape, &input, isa, layout, parallel),
        _ => typed::<u8, _>(&l, shape, &input, isa, layout, parallel),
    }
    if l.kind() == Kind::Max && style != IndexStyle::Plane {
        let (_, plane) = reference::forward(&l, &input, shape).unwrap();
        let mut out = vec![0.0; n_out];
        let mut idx = vec![0; n_out];
        styled
            .forward_with_indices(&input, shape, &mut out, &mut idx)
            .unwrap();
        let s = shape.as_ref();
        let sp = &s[2..];
        let vol: usize = sp.iter().product();
        let per = n_out / (s[0] * s[1]).max(1);
        for (i, (&got, &p)) in idx.iter().zip(&plane).enumerate() {
            let base = (i / per * vol) as i64;
            let want = match style {
                IndexStyle::Tensor => base + p,
                _ => {
                    // Column-major within the volume: first spatial axis fastest; the
                    // outermost axis takes an index past the volume (an empty window's).
                    let mut rest = p as usize;
                    let mut coords = vec![0; sp.len()];
                    for a in (1..sp.len()).rev() {
                        coords[a] = rest % sp[a];
                        rest /= sp[a];
                    }
                    coords[0] = rest;
                    let (mut at, mut stride) = (0, 1);
                    for a in 0..sp.len() {
                        at += coords[a] * stride;
                        stride *= sp[a];
                    }
                    base + at as i64
                }
            };
            assert_eq!(got, want, "index {i} in style {style:?}");
        }
    }
}

/// [`common::types::typed`] on `input` rounded to `E` (integers: scaled to their range).
fn typed<E: Element, L: Layer + Clone + Debug>(
    l: &L,
    shape: L::Shape,
    input: &[f32],
    isa: simdpool::Isa,
    layout: Layout,
    parallel: bool,
) {
    let scale = if E::DTYPE.is_integer() { 40.0 } else { 1.0 };
    let x: Vec<E> = input.iter().map(|&v| E::from_f32(v * scale)).collect();
    if let Some(Err(e)) = common::types::typed(l, shape, &x, isa, layout, parallel) {
        panic!("{e}");
    }
}

macro_rules! regular {
    ($b:expr, $t:ident, $r:literal, $shape:expr) => {{
        let b = $b;
        let k: [usize; $r] = axis(b, 1, 6);
        let mut p = if b.u8() & 1 == 0 {
            $t::max(k)
        } else {
            $t::avg(k)
        };
        if b.u8() & 1 == 0 {
            p = p.stride(axis::<$r>(b, 1, 4));
        }
        p = match b.u8() % 3 {
            0 => p.padding(axis::<$r>(b, 0, 4)),
            1 => p.pads(axis::<$r>(b, 0, 6), axis::<$r>(b, 0, 6)),
            _ => p,
        };
        p = match b.u8() % 8 {
            0 => p.auto_pad(AutoPad::Valid),
            1 => p.auto_pad(AutoPad::SameUpper),
            2 => p.auto_pad(AutoPad::SameLower),
            _ => p,
        };
        p = p.dilation(axis::<$r>(b, 1, 3)).ceil_mode(b.u8() & 1 == 0);
        match b.u8() % 4 {
            1 => p = p.count_include_pad(false),
            2 => p = p.divisor_override(b.range(0, 30)),
            _ => {}
        }
        let style = [
            IndexStyle::Plane,
            IndexStyle::Tensor,
            IndexStyle::TensorColumnMajor,
        ][b.range(0, 2)];
        let styled = p.clone().index_style(style);
        check(b, p, styled, $shape, style);
    }};
}

macro_rules! adaptive {
    ($b:expr, $t:ident, $r:literal, $shape:expr) => {{
        let b = $b;
        let out: [usize; $r] = axis(b, 0, 9);
        let p = if b.u8() & 1 == 0 {
            $t::max(out)
        } else {
            $t::avg(out)
        };
        check(b, p.clone(), p, $shape, IndexStyle::Plane);
    }};
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let which = b.u8() % 6;
    let (n, c) = (b.range(0, 2), b.range(1, 3));
    match which {
        0 => {
            let s = [n, c, b.range(1, 80)];
            regular!(&mut b, Pool1d, 1, s)
        }
        1 => {
            let s = [n, c, b.range(1, 7), b.range(1, 8), b.range(1, 24)];
            regular!(&mut b, Pool3d, 3, s)
        }
        2 => {
            let s = [n, c, b.range(1, 9), b.range(1, 30)];
            regular!(&mut b, Pool2d, 2, s)
        }
        3 => {
            let s = [n, c, b.range(1, 60)];
            adaptive!(&mut b, AdaptivePool1d, 1, s)
        }
        4 => {
            let s = [n, c, b.range(1, 12), b.range(1, 30)];
            adaptive!(&mut b, AdaptivePool2d, 2, s)
        }
        _ => {
            let s = [n, c, b.range(1, 7), b.range(1, 8), b.range(1, 12)];
            adaptive!(&mut b, AdaptivePool3d, 3, s)
        }
    }
});
