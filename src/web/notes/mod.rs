//! Personal learning notes: the list and reading a note ([`read`]), the
//! editor ([`edit`]), trash, sharing, history and search ([`manage`]), and
//! export and import ([`io`]).

pub mod edit;
pub mod io;
pub mod manage;
pub mod read;

pub use read::router;

use crate::budget::Kind;
use crate::notes::render::{CleanHtml, markdown};
use crate::web::{AppError, AppState, blocking};

/// Bytes of Markdown above which rendering is heavy work under the budget.
/// Below it a note renders in well under a millisecond.
pub const LARGE_NOTE_BYTES: usize = 16 * 1024;

/// Renders a member's Markdown to sanitised HTML off the async workers: a
/// body up to [`LARGE_NOTE_BYTES`] on tokio's blocking pool at once, a
/// larger one as [`Kind::Markdown`] work under the budget (the member's
/// share, a deadline, idle priority). Returns the HTML and the body.
///
/// Errors: the budget's refusal (429 or 503 with `Retry-After`).
pub async fn render_markdown(
    state: &AppState,
    member_id: i64,
    body: String,
) -> Result<(CleanHtml, String), AppError> {
    let small = body.len() <= LARGE_NOTE_BYTES;
    let render = move || (markdown(&body), body);
    if small {
        return blocking(render).await;
    }
    Ok(state
        .budget
        .run(Kind::Markdown, &format!("member:{member_id}"), None, render)
        .await?)
}
