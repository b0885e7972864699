//! The command line's subcommands beyond `serve` and `check`.

pub mod lab;
pub mod members;
pub mod send;
pub mod sim;
