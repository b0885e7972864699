//! The command line's subcommands beyond `serve` and `check`.

pub mod lab;
pub mod members;
pub mod sim;
