//! The `Host` check: with `--public-url` set, requests must name that host.
//!
//! A request for another host (DNS rebinding, a mistyped proxy) gets a
//! readable 400 before any session or database work. Without
//! `--public-url` ([`crate::Config::check_host`] false) every host is served.
//! `/healthz` is always answered, for probes that use an address.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::web::{AppError, AppState};

/// The middleware.
pub async fn check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let config = &state.config;
    if !config.check_host || request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let Some(public) = config.public_url.as_deref() else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    if given.is_some_and(|h| host_matches(public, h)) {
        return next.run(request).await;
    }
    let expected = authority(public).unwrap_or(public);
    AppError::BadRequest(format!(
        "This server answers only to {expected}, and this request was for {}. Open {public}/ instead.",
        given.unwrap_or("no host")
    ))
    .into_response()
}

/// The `host[:port]` part of a URL such as `https://dojo.example.org:8443/x`.
fn authority(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().filter(|a| !a.is_empty())
}

/// Whether `host` (a `Host` header) names the host of `public_url`: the
/// same name, ASCII case ignored, and the same port, where a missing port
/// is the scheme's default (80 for http, 443 for https).
pub fn host_matches(public_url: &str, host: &str) -> bool {
    let default_port = if public_url.starts_with("https://") {
        "443"
    } else {
        "80"
    };
    let split = |a: &str| -> (String, String) {
        let a = a.trim().to_ascii_lowercase();
        // An IPv6 literal keeps its brackets; the port follows `]:`.
        let (name, port) = match a.rfind(':') {
            Some(i) if !a[i..].contains(']') => (a[..i].to_string(), a[i + 1..].to_string()),
            _ => (a.clone(), String::new()),
        };
        let port = if port.is_empty() {
            default_port.to_string()
        } else {
            port
        };
        (name.trim_end_matches('.').to_string(), port)
    };
    match authority(public_url) {
        Some(expected) => split(expected) == split(host),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::host_matches;

    #[test]
    fn hosts_compare_by_name_and_port() {
        let url = "https://Dojo.example.org";
        assert!(host_matches(url, "dojo.example.org"));
        assert!(host_matches(url, "DOJO.example.org:443"));
        assert!(!host_matches(url, "dojo.example.org:8443"));
        assert!(!host_matches(url, "evil.example"));
        assert!(!host_matches(url, "dojo.example.org.evil.example"));
        let url = "http://127.0.0.1:8080/";
        assert!(host_matches(url, "127.0.0.1:8080"));
        assert!(!host_matches(url, "127.0.0.1"));
        assert!(!host_matches(url, "localhost:8080"));
        assert!(host_matches("http://[::1]:8080", "[::1]:8080"));
        assert!(host_matches("http://[::1]", "[::1]"));
    }
}
