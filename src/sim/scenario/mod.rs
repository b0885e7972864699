//! Scenarios: the topology model parsed from TOML ([`topology`], [`raw`]),
//! its compilation into a call graph ready for generation ([`build`]),
//! generated estates ([`estate`]) and the [`catalog`] of parsed scenarios.

pub(crate) mod build;
pub mod catalog;
pub(crate) mod estate;
pub(crate) mod raw;
pub mod topology;
