//! Golden PyTorch cases (fixtures/torch_pool2d.txt) under the reference and every ISA.
mod common;

#[test]
fn reference_matches_pytorch() {
    let n = common::reference_matches_fixtures().unwrap();
    assert!(n > 300, "only {n} fixture cases");
}

#[test]
fn every_isa_matches_pytorch() {
    for isa in common::isas() {
        let (ok, rejected) = common::fixtures_on(isa, true).unwrap();
        eprintln!("{isa}: {ok} PyTorch cases match, {rejected} rejected like PyTorch");
        assert!(ok > 300 && rejected >= 10);
    }
}
