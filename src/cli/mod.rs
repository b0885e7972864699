//! The command line's subcommands beyond `serve` and `check`.

pub mod lab;
pub mod members;
pub mod otlp;
pub mod send;
pub mod sim;
pub mod token;
