//! Every forced ISA against the reference over the tails-by-construction grid.
mod common;

use simdpool::Isa;

fn run(isa: Isa) {
    if !common::isas().contains(&isa) {
        return; // `isas` printed the skip.
    }
    let n = common::grid(isa, 0x5eed ^ isa as u64, false).unwrap();
    eprintln!("{isa}: {n} grid cases match the reference");
    assert!(n > 3_000);
}

#[test]
fn grid_scalar() {
    run(Isa::Scalar);
}
#[test]
fn grid_portable() {
    run(Isa::Portable);
}
#[test]
fn grid_avx2() {
    run(Isa::Avx2);
}
#[test]
fn grid_avx512() {
    run(Isa::Avx512);
}
#[test]
fn grid_neon() {
    run(Isa::Neon);
}

#[test]
fn average_overflow_follows_pytorch_order() {
    for isa in common::isas() {
        common::overflow_order(isa).unwrap();
    }
}

#[test]
fn forced_isa_is_the_one_that_runs() {
    for isa in common::isas() {
        assert_eq!(simdpool::Pool2d::max(2).isa(isa).resolved_isa(), Ok(isa));
    }
}

#[test]
fn arbitrary_geometries_on_the_kernels_api() {
    for isa in common::isas() {
        let n = common::geometries(isa, 0x6e0 ^ isa as u64, 3000).unwrap();
        eprintln!("{isa}: {n} arbitrary geometries match the reference");
    }
}

#[test]
fn channels_last_grid() {
    for isa in common::isas() {
        let n = common::last::grid(isa, 0xc1 ^ isa as u64, 12, false).unwrap();
        eprintln!("{isa}: {n} channels-last cases match the reference in both layouts");
        assert!(n > 200);
    }
}
