//! Arbitrary `Geometry` values on the kernels crate's safe API (output sizes, padding and
//! windows PyTorch would never produce): every kernel of every ISA the CPU has, on exactly
//! sized slices (a sanitizer sees any stray access) and guarded ones, against the reference.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simdpool_fuzz::{common, Bytes};
use simdpool_kernels::{Divisor, Geometry};

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let [h, w] = [b.range(1, 40), b.range(1, 70)];
    let k = [b.range(1, 12), b.range(1, 12)];
    let s = [b.range(1, 5), b.range(1, 5)];
    let d = [b.range(1, 4), b.range(1, 4)];
    let mut p = [b.range(0, 14), b.range(0, 14)];
    let mut o = [b.range(1, 40), b.range(1, 80)];
    // Steer toward same-width stride-1 rows (the flat path) with near-miss padding.
    if b.u8() % 4 == 0 {
        o[1] = w;
        p[1] = ((k[1] - 1) * d[1] / 2 + b.range(0, 2)).saturating_sub(1);
    }
    let divisor = match b.u8() % 3 {
        0 => Divisor::IncludePad,
        1 => Divisor::ExcludePad,
        _ => Divisor::Override(b.range(1, 200) as u64),
    };
    let Some(g) = Geometry::new([h, w], o, k, s, p, d, divisor) else {
        return;
    };
    let planes = b.range(1, 3);
    let start = b.range(0, o[0] - 1);
    let end = b.range(start + 1, o[0]);
    let input = b.floats(planes * h * w);
    for isa in simdpool::supported_isas() {
        if let Err(e) = common::check_geometry(isa, &g, planes, start..end, &input) {
            panic!("{e}");
        }
    }
});
