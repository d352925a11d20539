//! `SIMDPOOL_ISA` forces the process-wide path. The variable is read once, so this file (its
//! own process) sets it before the first call and holds a single test.
use simdpool::{Isa, Pool2d, PoolError};

#[test]
fn env_var_forces_and_refuses() {
    // SAFETY-free in edition 2021: no other thread of this process reads the environment yet.
    std::env::set_var("SIMDPOOL_ISA", "Scalar");
    assert_eq!(simdpool::selected_isa(), Isa::Scalar);
    assert_eq!(Pool2d::max(2).resolved_isa(), Ok(Isa::Scalar));
    let mut y = [0.0; 1];
    assert_eq!(
        Pool2d::max(2).forward(&[1.0, 2.0, 3.0, 4.0], [1, 1, 2, 2], &mut y),
        Ok([1, 1, 1, 1])
    );
    assert_eq!(y, [4.0]);
    // A layer's own forcing still wins over the variable.
    assert_eq!(
        Pool2d::max(2).isa(Isa::Portable).resolved_isa(),
        Ok(Isa::Portable)
    );
    let _ = PoolError::ZeroDivisor;
}
