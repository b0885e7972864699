//! Static assets (CSS, JS, icons) embedded in the binary, served under
//! content-hashed URLs.
//!
//! Pages link `/static/h/{hash}/{path}`, where `hash` is the first 16 hex
//! digits of the SHA-256 of the embedded bytes, computed once at start
//! ([`url`]). Such a URL never changes meaning, so it is served with
//! `Cache-Control: public, max-age=31536000, immutable`; after an upgrade the
//! pages link new URLs. A stale hash is 404. The plain `/static/{path}` stays
//! available with a one-day cache, for links from outside.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::web::guards::extract::Path;
use crate::web::{AppError, AppState};

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// Cache header of a content-hashed URL.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache header of a plain `/static/` URL.
pub const ONE_DAY: &str = "public, max-age=86400";

/// Asset path → its hash (16 hex digits of SHA-256), computed once.
static HASHES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Assets::iter()
        .filter_map(|path| {
            let file = Assets::get(&path)?;
            let digest = Sha256::digest(&file.data);
            let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            Some((path.into_owned(), hex))
        })
        .collect()
});

/// Hashes every embedded asset now, so that the first page pays nothing.
pub fn init() {
    LazyLock::force(&HASHES);
}

/// The content-hashed URL of an embedded asset, e.g.
/// `url("style.css")` → `/static/h/3f2a…/style.css`; the plain
/// `/static/{path}` when there is no such asset.
pub fn url(path: &str) -> String {
    match HASHES.get(path) {
        Some(hash) => format!("/static/h/{hash}/{path}"),
        None => format!("/static/{path}"),
    }
}

/// Routes under `/static/`.
pub fn router() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(asset))
}

async fn asset(Path(path): Path<String>) -> Result<Response, AppError> {
    let (path, cache) = match path.strip_prefix("h/").and_then(|p| p.split_once('/')) {
        Some((hash, rest)) => {
            if HASHES.get(rest).is_none_or(|h| h != hash) {
                return Err(AppError::NotFound);
            }
            (rest.to_string(), IMMUTABLE)
        }
        None => (path, ONE_DAY),
    };
    let file = Assets::get(&path).ok_or(AppError::NotFound)?;
    let mime = match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    let mut response = file.data.into_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_hash_of_the_bytes() {
        let u = url("style.css");
        let hash = u
            .strip_prefix("/static/h/")
            .and_then(|r| r.strip_suffix("/style.css"))
            .expect("a hashed URL");
        assert_eq!(hash.len(), 16);
        let bytes = Assets::get("style.css").expect("embedded").data;
        let digest = Sha256::digest(&bytes);
        assert!(hash.starts_with(&format!("{:02x}", digest[0])));
        assert_eq!(url("nope.css"), "/static/nope.css");
    }
}
