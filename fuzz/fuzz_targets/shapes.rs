//! Shape arithmetic near `usize::MAX`: every parameter and dimension drawn from values that
//! overflow naive products and sums. `output_shape`, `forward` (with small slices) and the
//! kernels' `Geometry::new` must return, never panic; an accepted small call must match the
//! reference, and a geometry's plan must stay within its output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simdpool::{reference, Pool2d};
use simdpool_fuzz::{common, Bytes};
use simdpool_kernels::{Divisor, Geometry};

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let k = [b.size(), b.size()];
    let s = [b.size(), b.size()];
    let p = [b.size(), b.size()];
    let d = [b.size(), b.size()];
    let shape = [b.size(), b.size(), b.size(), b.size()];
    let ceil = b.u8() & 1 == 0;
    let avg = b.u8() & 1 == 0;
    let divisor = match b.u8() % 3 {
        0 => Divisor::IncludePad,
        1 => Divisor::ExcludePad,
        _ => Divisor::Override(b.size() as u64),
    };

    // The kernels' plan with the same raw values.
    if let Some(g) = Geometry::new(
        [shape[2], shape[3]],
        [b.size(), b.size()],
        k,
        s,
        p,
        d,
        divisor,
    ) {
        let r = g.interior();
        assert!(r.start <= r.end && r.end <= g.output()[1], "{g:?}");
        let _ = (g.plane_len(), g.out_len(), g.row(g.output()[0] - 1));
    }

    let base = if avg { Pool2d::avg(k) } else { Pool2d::max(k) };
    let pool = base
        .stride(s)
        .padding(p)
        .dilation(d)
        .ceil_mode(ceil)
        .parallel(false);
    let Ok(out_shape) = pool.output_shape(shape) else {
        return;
    };
    let (n_in, n_out) = (
        shape.iter().try_fold(1usize, |a, &v| a.checked_mul(v)),
        out_shape.iter().try_fold(1usize, |a, &v| a.checked_mul(v)),
    );
    assert!(
        n_in.is_some() && n_out.is_some(),
        "accepted an overflowing shape {shape:?}"
    );
    let (n_in, n_out) = (n_in.unwrap(), n_out.unwrap());
    if n_in > 4096 || n_out > 4096 {
        // Too big to allocate here: a short slice must be refused, not read.
        let mut out = vec![0.0f32; 16];
        assert!(pool.forward(&[0.0; 16], shape, &mut out).is_err() || n_in == 16);
        return;
    }
    let input = b.floats(n_in);
    let isas = simdpool::supported_isas();
    let isa = isas[b.range(0, isas.len() - 1)];
    reference::forward(&pool, &input, shape).expect("reference accepts what output_shape does");
    if let Err(e) = common::check_reference(isa, &pool, shape, &input, false) {
        panic!("{e}");
    }
});
