//! PyTorch 2.15's answers for `f16`, `bf16`, `i8` and `u8` (`fixtures/torch_types.txt`,
//! made by `tools/gen_fixtures_types.py`), on every ISA, both layouts, serial and split.
mod common;

#[test]
fn typed_pytorch_fixtures_on_every_isa() {
    for isa in common::isas() {
        let (ok, rejected, diverging) = common::types::fixtures_on(isa, true).unwrap();
        eprintln!("{isa}: {ok} typed PyTorch cases match, {rejected} rejections, {diverging} documented divergences");
        assert!(ok > 300, "{ok}");
    }
}
