//! spandojo: a self-hosted trainer for distributed tracing.
//!
//! The crate is a library plus a thin binary (`main.rs`). Dependencies point
//! downward only: `web` wires requests to `content`, `store` and `sim`.

pub mod accounts;
pub mod budget;
pub mod clock;
pub mod config;
pub mod content;
pub mod notes;
pub mod otlp;
pub mod practice;
pub mod send;
pub mod sim;
pub mod store;
pub mod web;

pub use config::Config;
pub use web::build_app;
