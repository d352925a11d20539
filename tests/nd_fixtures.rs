//! Golden PyTorch cases beyond 2-D regular pooling (fixtures/torch_nd.txt: 1-D, 3-D and
//! adaptive pooling of every rank) under the oracle and every ISA, serial and split.
mod common;

use common::nd;

#[test]
fn oracle_matches_pytorch_bit_for_bit() {
    let n = nd::oracle_matches().unwrap();
    assert!(n > 250, "only {n} cases");
}

#[test]
fn every_isa_matches_pytorch() {
    for isa in common::isas() {
        let (ok, rejected) = nd::on(isa, true).unwrap();
        eprintln!("{isa}: {ok} PyTorch cases match, {rejected} rejected like PyTorch");
        assert!(ok > 250 && rejected >= 20);
    }
}
