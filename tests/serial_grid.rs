//! The fixtures and the grid, single-threaded and without libtest, for every ISA this CPU
//! runs: the target `../shared/tools/aarch64-test --test serial_grid` runs under qemu-user
//! (which cannot start threads), so this is how NEON is tested.
mod common;

fn main() {
    let n = common::reference_matches_fixtures().expect("reference vs PyTorch");
    println!("reference: {n} PyTorch cases match");
    let n = common::nd::oracle_matches().expect("reference vs PyTorch, 1-D/3-D/adaptive");
    println!("reference: {n} PyTorch 1-D/3-D/adaptive cases match");
    // Issue 14's ops on the ISA `forward` selects (LP pools through the average kernels;
    // the rest is plain Rust), serially: small enough that nothing starts rayon.
    let [g, _, _] = common::backward::fixtures_match(false).expect("gradients vs PyTorch");
    let [u, _] = common::unpool::fixtures_match(false).expect("unpooling vs PyTorch");
    let [l, _] = common::lp::fixtures_match(false).expect("LP pooling vs PyTorch");
    let [fr, _, _] = common::fractional::fixtures_match(false).expect("fractional vs PyTorch");
    println!("family: {g} gradients, {u} unpoolings, {l} LP pools, {fr} fractional pools match");
    let mut failed = 0;
    for isa in common::isas() {
        let r = common::fixtures_on(isa, false).and_then(|(ok, rej)| {
            let (nd, nd_rej) = common::nd::on(isa, false)?;
            let (nodes, own, _) = common::onnx::on(isa, false)?;
            let g = common::grid(isa, 0xa11 ^ isa as u64, false)?;
            common::overflow_order(isa)?;
            let a = common::geometries(isa, 0x6e0 ^ isa as u64, 1500)?;
            let r = common::issue9_regressions(isa)?;
            let nf = common::nan_free_cases(isa, false)?;
            let cl = common::last::grid(isa, 0xc1a ^ isa as u64, 8, false)?;
            let (clf, _, _) = common::last::fixtures_on(isa, false)?;
            let conv = common::types::conversions(isa, 0x5eed ^ isa as u64)?;
            let tg = common::types::grid(isa, 0x7e ^ isa as u64, 3, false)?;
            let tb = common::types::blocks(isa, false)?;
            let (tf, _, tdiv) = common::types::fixtures_on(isa, false)?;
            let cb = common::channel_blocks(isa)?;
            Ok(format!(
                "{ok} PyTorch cases, {rej} rejections, {nd} 1-D/3-D/adaptive PyTorch cases, \
                 {nd_rej} rejections, {nodes} ONNX node tests, {own} own ONNX cases, {g} grid cases, {a} arbitrary geometries, {r} regressions, {nf} NaN-scan cases, {cl} channels-last grid cases, {clf} channels-last PyTorch cases, \
                 {conv} conversions, {tg} typed grid calls, {tb} blocked typed calls, {tf} typed PyTorch cases ({tdiv} documented divergences), \
                 {cb} channel-block and merge calls"
            ))
        });
        match r {
            Ok(msg) => println!("{isa}: ok: {msg}"),
            Err(e) => {
                failed += 1;
                println!("{isa}: FAILED: {e}");
            }
        }
    }
    let total = common::isas().len();
    println!("serial_grid: {} passed, {failed} failed", total - failed);
    if failed > 0 {
        std::process::exit(1);
    }
}
