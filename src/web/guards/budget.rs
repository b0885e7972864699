//! Who a heavy request counts against in the [`crate::budget::Budget`]: the
//! member when logged in, otherwise the client's IP address; and where a
//! trace page is rendered, by its size.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};

use crate::budget::Kind;
use crate::web::download::{AcceptsGzip, Encoded};
use crate::web::guards::session::{ClientAddr, MaybeMember};
use crate::web::{AppError, AppState, blocking};

/// Spans above which a trace page (simulated, uploaded or received) is heavy
/// work that passes the budget. At this size a page takes a few
/// milliseconds; at the largest sizes (50,000 generated spans, 100,000
/// received) it takes hundreds.
pub const LARGE_TRACE_SPANS: usize = 2_000;

/// The budget key of a request: `member:ID`, `ip:ADDR`, or `anonymous`
/// when the address is unknown (requests built in tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(member) = MaybeMember::from_request_parts(parts, state).await?.0 {
            return Ok(Client(format!("member:{}", member.id)));
        }
        Ok(
            match ClientAddr::from_request_parts(parts, state).await?.0 {
                Some(ip) => Client(format!("ip:{ip}")),
                None => Client("anonymous".into()),
            },
        )
    }
}

/// Renders a trace page of `spans` spans off the async workers and answers
/// it as HTML. Up to [`LARGE_TRACE_SPANS`] it runs on tokio's blocking pool
/// at once, so that ordinary trace pages never wait behind a lab run. Past
/// that it is [`Kind::Page`] work under the budget (a share per client, a
/// deadline, idle priority), and the page is compressed there when the
/// client accepts gzip, rather than by the response compression layer on an
/// async worker.
///
/// Errors: `render`'s own, or the budget's refusal (429 or 503 with
/// `Retry-After`).
pub async fn trace_page<F>(
    state: &AppState,
    client: &Client,
    spans: usize,
    gzip: AcceptsGzip,
    render: F,
) -> Result<Response, AppError>
where
    F: FnOnce() -> Result<String, AppError> + Send + 'static,
{
    if spans <= LARGE_TRACE_SPANS {
        let html = blocking(render).await??;
        return Ok(Html(html).into_response());
    }
    let page = state
        .budget
        .run(Kind::Page, &client.0, None, move || {
            render().map(|html| Encoded::new(html, gzip))
        })
        .await??;
    Ok(page.html())
}
