//! The access log's request span, with secrets kept out of it.
//!
//! tower-http's `DefaultMakeSpan` records the whole URI, query included, so
//! a `?csrf=…` pasted into an address, a one-time `/setup?token=…` link or an
//! invite `?code=…` would land in the log. [`make_span`] records the method,
//! the path and the query with the value of every [`SECRET_PARAMS`] key
//! replaced by [`REDACTED`].

use axum::http::{Request, Uri};
use tracing::Span;

/// Query parameters whose values are secrets: the CSRF token, the setup
/// token and invite codes.
pub const SECRET_PARAMS: &[&str] = &["csrf", "token", "code"];

/// What a secret value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The span tower-http's `TraceLayer` opens for each request (at INFO, as
/// `DefaultMakeSpan::new().level(Level::INFO)` did): `method`, `uri` without
/// secrets, `version`.
pub fn make_span<B>(request: &Request<B>) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %loggable_uri(request.uri()),
        version = ?request.version(),
    )
}

/// The path and query of `uri`, with the values of [`SECRET_PARAMS`]
/// replaced by [`REDACTED`] (keys compared after percent-decoding, so
/// `%63srf` counts as `csrf`).
pub fn loggable_uri(uri: &Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return path.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            if is_secret(key) {
                format!("{key}={REDACTED}")
            } else {
                pair.to_string()
            }
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

fn is_secret(raw_key: &str) -> bool {
    let key: String = form_urlencoded::parse(raw_key.as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default();
    SECRET_PARAMS.iter().any(|s| key.eq_ignore_ascii_case(s))
}

/// `path_and_query` without the [`SECRET_PARAMS`] pairs: for a URL that
/// must not carry a secret onward, such as the `next` of a login redirect.
pub fn without_secrets(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| !is_secret(pair.split_once('=').map_or(pair, |(k, _)| k)))
        .collect();
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_the_rest_kept() {
        let uri: Uri = "/notes/import?csrf=abc123&x=1".parse().unwrap();
        assert_eq!(loggable_uri(&uri), "/notes/import?csrf=[redacted]&x=1");
        let uri: Uri = "/setup?token=deadbeef".parse().unwrap();
        assert_eq!(loggable_uri(&uri), "/setup?token=[redacted]");
        let uri: Uri = "/register?CODE=k&%63srf=v".parse().unwrap();
        assert_eq!(
            loggable_uri(&uri),
            "/register?CODE=[redacted]&%63srf=[redacted]"
        );
        let uri: Uri = "/notes/search?q=a".parse().unwrap();
        assert_eq!(loggable_uri(&uri), "/notes/search?q=a");
        let uri: Uri = "/lessons".parse().unwrap();
        assert_eq!(loggable_uri(&uri), "/lessons");
    }

    #[test]
    fn onward_urls_lose_their_secrets() {
        assert_eq!(without_secrets("/notes/import?csrf=abc"), "/notes/import");
        assert_eq!(
            without_secrets("/sim/upload?a=1&csrf=abc&b=2"),
            "/sim/upload?a=1&b=2"
        );
        assert_eq!(without_secrets("/notes?tag=x"), "/notes?tag=x");
        assert_eq!(without_secrets("/notes"), "/notes");
    }
}
