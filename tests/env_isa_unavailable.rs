//! `SIMDPOOL_ISA` naming an ISA this CPU lacks: every call errors, none falls back.
use simdpool::{Isa, Pool2d, PoolError};

#[test]
fn unavailable_env_isa_is_an_error_not_a_fallback() {
    let missing = Isa::ALL
        .into_iter()
        .find(|i| !simdpool::supported_isas().contains(i))
        .expect("some ISA is missing");
    std::env::set_var("SIMDPOOL_ISA", missing.name());
    assert_eq!(simdpool::selected_isa(), missing);
    let mut y = [-1.0; 1];
    let e = Pool2d::max(2)
        .forward(&[1.0; 4], [1, 1, 2, 2], &mut y)
        .unwrap_err();
    assert_eq!(
        e,
        PoolError::IsaUnavailable {
            isa: missing,
            source: "SIMDPOOL_ISA"
        }
    );
    assert_eq!(y, [-1.0]);
    assert!(e.to_string().contains("SIMDPOOL_ISA"), "{e}");
}
