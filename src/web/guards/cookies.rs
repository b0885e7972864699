//! Reading and writing the two cookies spandojo uses.

use axum::http::{HeaderMap, HeaderValue, header};

/// The session cookie: a random token whose hash is stored in SQLite.
pub const SESSION: &str = "sd_session";
/// The CSRF cookie: a random token every form must echo.
pub const CSRF: &str = "sd_csrf";

/// The value of cookie `name` in the request headers.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value: HttpOnly, `SameSite`, path `/`, optional `Secure`;
/// `max_age` 0 deletes the cookie.
pub fn set(name: &str, value: &str, max_age: i64, secure: bool, same_site: &str) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A token from a cookie, if it has the shape of one we issued (64 hex digits).
pub fn token(headers: &HeaderMap, name: &str) -> Option<String> {
    get(headers, name)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sd_session=abc ; b=2"),
        );
        assert_eq!(get(&h, "sd_session"), Some("abc"));
        assert_eq!(get(&h, "c"), None);
    }

    #[test]
    fn writes_flags() {
        let c = set(SESSION, "t", 60, true, "Lax");
        assert_eq!(
            c,
            "sd_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
