//! Cross-cutting guards every request passes: sessions and cookies, CSRF,
//! security headers and body limits, extractors that reject bad input with a
//! readable page, and the one [`AppError`](error::AppError).

pub mod access_log;
pub mod budget;
pub mod cookies;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod host;
pub mod security;
pub mod session;
