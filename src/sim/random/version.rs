//! Generator versions. A seed names a trace only together with the version
//! of the generator that drew it: when the way random numbers become
//! timings changes, the version goes up, and every earlier version stays
//! available so that stored seeds (simulator question attempts) reopen the
//! trace they showed.

use std::fmt;

/// How random draws become timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum GeneratorVersion {
    /// The first generator: one standard normal per polar-method draw,
    /// e^x by a 13-term series with a division per term.
    V1,
    /// Both normals of each polar-method draw are used; e^x by a table of
    /// 2^(j/64) and a degree-5 polynomial. The same trace id (drawn before
    /// any normal); the stream shifts after the first normal, so span ids,
    /// structure and timings differ from version 1.
    V2,
    /// Normals by the ziggurat method (one 64-bit draw for about 99% of
    /// them), e^x as in version 2 but with its reduction rounded by two
    /// additions and its polynomial in Estrin's form, and a latency rounded
    /// to whole nanoseconds by adding ½ and truncating; the random stream is
    /// xoshiro256++ instead of ChaCha8. The same seed gives other ids,
    /// structure and timings than version 2.
    #[default]
    V3,
}

impl GeneratorVersion {
    /// The version new traces use.
    pub const CURRENT: GeneratorVersion = GeneratorVersion::V3;

    /// The version's number (1, 2, …), as stored and written in URLs.
    pub fn number(self) -> u32 {
        match self {
            GeneratorVersion::V1 => 1,
            GeneratorVersion::V2 => 2,
            GeneratorVersion::V3 => 3,
        }
    }

    /// The version numbered `n`, if there is one.
    pub fn from_number(n: i64) -> Option<GeneratorVersion> {
        match n {
            1 => Some(GeneratorVersion::V1),
            2 => Some(GeneratorVersion::V2),
            3 => Some(GeneratorVersion::V3),
            _ => None,
        }
    }
}

impl fmt::Display for GeneratorVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}
