//! Tail sampling: a model of the Collector's `tail_sampling` processor on
//! the simulated clock (see [`processor`]), fed by [`flight`].

pub mod cache;
pub mod decide;
pub mod flight;
pub mod policy;
pub mod predicates;
pub mod processor;
pub mod records;
pub mod view;

pub use flight::Flight;
