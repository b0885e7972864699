//! Portable randomness: a seeded generator ([`rng`]), latency distributions
//! ([`dist`]) and the bit-exact math they use ([`math`]), so that generation
//! gives the same trace on every platform.

pub mod dist;
pub(crate) mod math;
pub(crate) mod rng;
pub mod version;
pub(crate) mod ziggurat;

pub use version::GeneratorVersion;
