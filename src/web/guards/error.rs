//! The one error type handlers return, rendered as a readable HTML page.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::budget::{Refused, RunError};
use crate::store::fault::fault_of;

/// `Retry-After` seconds of a 503 for a storage fault.
pub const STORAGE_RETRY_AFTER: i64 = 60;
use crate::web::guards::csrf::CsrfToken;
use crate::web::guards::session::MaybeMember;
use crate::web::layout::Ctx;

/// What went wrong while answering a request.
#[derive(Debug)]
pub enum AppError {
    /// The page or item does not exist (or is not yours).
    NotFound,
    /// The request itself is wrong; the message says how.
    BadRequest(String),
    /// The request is not allowed.
    Forbidden(String),
    /// The address exists, but not for this method (a link to a form action).
    MethodNotAllowed,
    /// The body is larger than allowed.
    PayloadTooLarge,
    /// The page needs a login; carries the path to return to.
    LoginRequired(String),
    /// Too many attempts; the message says when to try again.
    TooManyRequests { message: String, retry_after: i64 },
    /// The client already has heavy work running ([`Refused::Busy`]), or
    /// starts it too often ([`Refused::TooOften`]): a 429 with `Retry-After`
    /// seconds, under `heading`.
    Busy {
        heading: &'static str,
        message: String,
        retry_after: i64,
    },
    /// Heavy work was refused or stopped ([`crate::budget::Refused`]): a
    /// 503 with `Retry-After` seconds.
    Unavailable { message: String, retry_after: i64 },
    /// Our fault: logged with its cause, shown as a generic 500; or, when
    /// its cause is a storage fault ([`crate::store::fault`]), a 503 that
    /// says the database cannot be written, with `Retry-After`.
    Internal(anyhow::Error),
}

/// Any error that converts into `anyhow::Error` (database, template, I/O,
/// a failed blocking task) is our fault: `?` turns it into
/// [`AppError::Internal`]. This is axum's `anyhow-error-response` pattern;
/// it requires that `AppError` itself does not implement
/// `std::error::Error`.
impl<E: Into<anyhow::Error>> From<E> for AppError {
    fn from(err: E) -> Self {
        AppError::Internal(err.into())
    }
}

/// Input the person must correct; the message says how, in words fit to show
/// them next to the form they sent. Where there is no form to show it in,
/// `?` turns it into [`AppError::BadRequest`] with the same message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl From<Invalid> for AppError {
    fn from(err: Invalid) -> Self {
        AppError::BadRequest(err.0)
    }
}

/// Runs blocking or CPU-heavy work (password hashing, parsing, rendering a
/// large page) on tokio's blocking pool, so the async workers stay free.
/// Database work uses [`crate::store::Store::call`], which runs on the same
/// pool. Errors: a task that panicked is [`AppError::Internal`].
pub async fn blocking<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    Ok(tokio::task::spawn_blocking(f).await?)
}

/// A refusal by the budget is a 429 (the client's own share is used) or a
/// 503 (the server is busy, or the work ran past its deadline), both with
/// `Retry-After`; a panicked task is [`AppError::Internal`].
impl From<RunError> for AppError {
    fn from(err: RunError) -> Self {
        match err {
            RunError::Refused(refused @ Refused::Busy(_)) => AppError::Busy {
                heading: "One at a time",
                message: refused.message(),
                retry_after: refused.retry_after(),
            },
            RunError::Refused(refused @ Refused::TooOften(_)) => AppError::Busy {
                heading: "Slow down",
                message: refused.message(),
                retry_after: refused.retry_after(),
            },
            RunError::Refused(refused) => AppError::Unavailable {
                message: refused.message(),
                retry_after: refused.retry_after(),
            },
            RunError::Failed(msg) => AppError::Internal(anyhow::anyhow!(msg)),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: Ctx,
    status: u16,
    heading: &'a str,
    message: &'a str,
}

/// What an error page said, kept on the response so that [`with_member`]
/// can draw it again with the visitor's navigation.
#[derive(Clone, Debug)]
struct Shown {
    heading: &'static str,
    message: String,
}

/// Middleware (inside the session layer): draws error pages with the
/// logged-in member's navigation and form token, as every other page has.
pub async fn with_member(request: Request, next: Next) -> Response {
    let member = request
        .extensions()
        .get::<MaybeMember>()
        .and_then(|m| m.0.clone());
    let csrf = request
        .extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let mut response = next.run(request).await;
    let Some(member) = member else {
        return response;
    };
    let Some(shown) = response.extensions_mut().remove::<Shown>() else {
        return response;
    };
    let page = ErrorPage {
        ctx: Ctx {
            user: Some(member),
            csrf,
            ..Ctx::new()
        },
        status: response.status().as_u16(),
        heading: shown.heading,
        message: &shown.message,
    };
    if let Ok(html) = page.render() {
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Html(html).into_response().into_body());
    }
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::LoginRequired(next) = &self {
            return Redirect::to(&format!(
                "/login?next={}",
                crate::web::guards::extract::urlencode(
                    &crate::web::guards::access_log::without_secrets(next)
                )
            ))
            .into_response();
        }
        let retry_after = match &self {
            AppError::TooManyRequests { retry_after, .. }
            | AppError::Busy { retry_after, .. }
            | AppError::Unavailable { retry_after, .. } => Some(*retry_after),
            AppError::Internal(err) if fault_of(err).is_some() => Some(STORAGE_RETRY_AFTER),
            _ => None,
        };
        let (status, heading, message) = match &self {
            AppError::LoginRequired(_) => (StatusCode::UNAUTHORIZED, "Please log in", String::new()),
            AppError::TooManyRequests { message, .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "Too many attempts", message.clone())
            }
            AppError::Busy {
                heading, message, ..
            } => (StatusCode::TOO_MANY_REQUESTS, *heading, message.clone()),
            AppError::Unavailable { message, .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy right now",
                message.clone(),
            ),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address. Check the link, or start again from the lessons.".to_string(),
            ),
            AppError::BadRequest(msg) => (StatusCode::BAD_REQUEST, "That request didn't work", msg.clone()),
            AppError::Forbidden(msg) => (StatusCode::FORBIDDEN, "Not allowed", msg.clone()),
            AppError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Not available this way",
                "This address only answers a form submission. Go back to the page with the form and use it there.".to_string(),
            ),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much data",
                "The request is larger than this server accepts. Send less at once.".to_string(),
            ),
            AppError::Internal(err) if let Some(fault) = fault_of(err) => {
                tracing::error!(error = format!("{err:#}"), "storage fault");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Not saved",
                    format!("{} Nothing was changed. Go back, keep a copy of what you typed, and try again later.", fault.message()),
                )
            }
            AppError::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                    "The error has been logged. Try again in a moment.".to_string(),
                )
            }
        };
        let page = ErrorPage {
            ctx: Ctx::new(),
            status: status.as_u16(),
            heading,
            message: &message,
        };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message.clone()).into_response(),
        };
        response.extensions_mut().insert(Shown { heading, message });
        if let Some(seconds) = retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
