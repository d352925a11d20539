//! ONNX's 53 pooling node tests (MaxUnpool's 2 in `onnx::unpool_nodes`) (converted by tools/gen_onnx_fixtures.py from the installed
//! `onnx` package) and our own asymmetric-pads / auto_pad / storage_order cases from ONNX's
//! reference evaluator, on every ISA, serial and split.
mod common;

#[test]
fn onnx_node_tests_pass_on_every_isa() {
    for isa in common::isas() {
        for parallel in [false, true] {
            let (nodes, own, unsupported) = common::onnx::on(isa, parallel).unwrap();
            eprintln!(
                "{isa} parallel={parallel}: {nodes} of 53 node tests pass, {own} own cases pass, \
                 {} unsupported:\n  {}",
                unsupported.len(),
                unsupported.join("\n  ")
            );
            // Every node test: MaxPool (f32 and uint8), AveragePool, GlobalAveragePool,
            // GlobalMaxPool, LpPool, and the 2 MaxUnpool ones (below).
            assert_eq!((nodes, unsupported.len()), (51, 0));
            assert_eq!(own, 25);
            assert_eq!(common::onnx::unpool_nodes(parallel), Ok(2));
        }
    }
}
