//! Golden PyTorch channels-last cases (fixtures/torch_last.txt, generated from
//! `x.contiguous(memory_format=torch.channels_last)` and its 1-D and 3-D kin) on every ISA,
//! serial and split, fed and compared in memory order.
mod common;

#[test]
fn every_isa_matches_pytorch_channels_last() {
    for isa in common::isas() {
        let (ok, exact, rejected) = common::last::fixtures_on(isa, true).unwrap();
        eprintln!(
            "{isa}: {ok} PyTorch channels-last cases match ({exact} averages bit for bit), \
             {rejected} rejected like PyTorch"
        );
        assert!(ok > 200 && exact > 30 && rejected >= 8);
    }
}
