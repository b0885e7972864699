//! Who is asking: the session middleware, the `Member`/`Admin` extractors,
//! and starting or ending sessions.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{AppendHeaders, IntoResponse, Response};

use crate::accounts;
use crate::clock::{self, TimeZone};
use crate::store::{sessions, users::User};
use crate::web::guards::cookies;
use crate::web::{AppError, AppState};

/// A session lasts this long after its last renewal (sliding).
pub const SESSION_SECONDS: i64 = 30 * 24 * 3600;
/// A session is renewed at most this often, to spare the database a write per request.
const RENEW_AFTER_SECONDS: i64 = 3600;

/// The logged-in member, if any; put in request extensions by [`load`].
#[derive(Debug, Clone, Default)]
pub struct MaybeMember(pub Option<Member>);

/// A logged-in member. As an extractor it requires a login (redirecting to
/// `/login?next=…` otherwise).
#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    /// The member's time zone, which decides their days (streaks, the
    /// heatmap, the dates they are shown); UTC when their stored name is
    /// not in the time zone database.
    pub time_zone: TimeZone,
    /// Hash of this session's token, to end it or keep it.
    pub session_hash: Vec<u8>,
    /// Review cards due now, for the navigation.
    pub due_reviews: i64,
}

/// A logged-in admin; anyone else gets 403.
#[derive(Debug, Clone)]
pub struct Admin(pub Member);

/// Paths anyone may open even with `--private`.
fn always_public(path: &str) -> bool {
    matches!(
        path,
        "/login" | "/register" | "/setup" | "/healthz" | "/logout"
    ) || path.starts_with("/static/")
}

/// The middleware: resolves the session cookie to a member, slides the
/// session's expiry, and enforces `--private`.
pub async fn load(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/static/") || path == "/healthz" {
        return next.run(request).await;
    }
    let mut renewed: Option<HeaderValue> = None;
    let member = match cookies::token(request.headers(), cookies::SESSION) {
        Some(token) => {
            let hash = accounts::token_hash(&token);
            match resolve(&state, hash).await {
                Ok(Some((member, renew))) => {
                    if renew {
                        renewed = Some(session_cookie(&state, &token, SESSION_SECONDS));
                    }
                    Some(member)
                }
                Ok(None) => None,
                Err(err) => return AppError::Internal(err).into_response(),
            }
        }
        None => None,
    };
    if state.config.private && member.is_none() && !always_public(&path) {
        return AppError::LoginRequired(path_and_query(request.uri())).into_response();
    }
    request.extensions_mut().insert(MaybeMember(member));
    let mut response = next.run(request).await;
    if let Some(cookie) = renewed {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

async fn resolve(state: &AppState, hash: Vec<u8>) -> anyhow::Result<Option<(Member, bool)>> {
    state
        .store
        .call(move |c| {
            let now = clock::now();
            let Some(session) = sessions::lookup(c, &hash, now)? else {
                return Ok(None);
            };
            // A renewal that cannot be written (read-only directory, full
            // disk) waits for the next request; this one is still served.
            let renew = now - session.renewed_at >= RENEW_AFTER_SECONDS
                && sessions::renew(c, &hash, now, now + SESSION_SECONDS).is_ok();
            let due = crate::store::cards::due_count(c, session.user.id, now)?;
            Ok(Some((member_from(session.user, hash, due), renew)))
        })
        .await
}

fn member_from(user: User, session_hash: Vec<u8>, due_reviews: i64) -> Member {
    Member {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        is_admin: user.is_admin,
        time_zone: clock::time_zone_or_utc(&user.time_zone),
        session_hash,
        due_reviews,
    }
}

fn path_and_query(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into())
}

/// The `Set-Cookie` value for a session token.
pub fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    cookies::set(
        cookies::SESSION,
        token,
        max_age,
        state.config.cookies_secure(),
        "Lax",
    )
}

/// Starts a new session for `user_id` (a fresh token at every login) and
/// returns the cookie to set.
pub async fn start(state: &AppState, user_id: i64) -> Result<HeaderValue, AppError> {
    let token = accounts::new_token();
    let hash = accounts::token_hash(&token);
    state
        .store
        .call(move |c| {
            let now = clock::now();
            sessions::purge_expired(c, now)?;
            sessions::create(c, &hash, user_id, now, now + SESSION_SECONDS)?;
            crate::store::users::touch(c, user_id, now)
        })
        .await?;
    Ok(session_cookie(state, &token, SESSION_SECONDS))
}

/// The cookies of a session change (login, logout): `session_cookie` and a
/// fresh CSRF token ([`crate::web::guards::csrf::rotated_cookie`]).
pub fn changed(
    state: &AppState,
    session_cookie: HeaderValue,
) -> AppendHeaders<[(HeaderName, HeaderValue); 2]> {
    AppendHeaders([
        (header::SET_COOKIE, session_cookie),
        (
            header::SET_COOKIE,
            crate::web::guards::csrf::rotated_cookie(state),
        ),
    ])
}

/// A cookie that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    session_cookie(state, "", 0)
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeMember {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<MaybeMember>()
            .cloned()
            .unwrap_or_default())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Member {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match MaybeMember::from_request_parts(parts, state).await?.0 {
            Some(member) => Ok(member),
            None => Err(AppError::LoginRequired(path_and_query(&parts.uri))),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let member = Member::from_request_parts(parts, state).await?;
        if member.is_admin {
            Ok(Admin(member))
        } else {
            Err(AppError::Forbidden(
                "Only admins can open this page.".into(),
            ))
        }
    }
}

/// The client's IP address, when the server knows it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

/// A local path to go to after login: never another site (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\')
                && n.len() <= 2000 =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_local() {
        assert_eq!(
            safe_next(Some("/lessons/sampling?x=1")),
            "/lessons/sampling?x=1"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
