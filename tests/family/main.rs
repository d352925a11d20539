//! The rest of the pooling family (issue 14), one test binary: backward passes, max-unpooling,
//! LP, fractional and stochastic pooling (a binary per file would compile the shared test
//! helpers five more times, in every CI build).
#[path = "../common/mod.rs"]
mod common;

mod backward;
mod fractional;
mod lp;
mod stochastic;
mod unpool;
