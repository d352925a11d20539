//! `SIMDPOOL_ISA` naming no ISA at all is an error too.
use simdpool::{Pool2d, PoolError};

#[test]
fn unknown_env_isa_is_an_error() {
    std::env::set_var("SIMDPOOL_ISA", "sse9");
    let e = Pool2d::avg(2)
        .forward(&[1.0; 4], [1, 1, 2, 2], &mut [0.0])
        .unwrap_err();
    assert_eq!(
        e,
        PoolError::UnknownIsa {
            value: "sse9".into()
        }
    );
}
