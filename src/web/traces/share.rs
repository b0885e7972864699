//! Sharing a received trace read-only with the group: the owner's toggle
//! (`POST /traces/{trace_id}/share`) and the view other members open from
//! the group page (`GET /group/traces/{row_id}`).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::store::traces::{read, share};
use crate::web::download::AcceptsGzip;
use crate::web::guards::budget::Client;
use crate::web::guards::extract::{Form, Path};
use crate::web::guards::session::Member;
use crate::web::layout::Ctx;
use crate::web::traces::pages::{Received, received_page, trace_id};
use crate::web::{AppError, AppState};

/// The toggle's form: `share=on` shares, `share=off` stops.
#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    share: String,
}

/// `POST /traces/{trace_id}/share`: the owner shares the trace with the
/// group, or stops; anyone else gets 404.
pub async fn toggle(
    member: Member,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<ShareForm>,
) -> Result<Response, AppError> {
    let id = trace_id(&id)?;
    let shared = match form.share.as_str() {
        "on" => true,
        "off" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Sharing is on or off: send share=on or share=off.".into(),
            ));
        }
    };
    let user = member.id;
    let done = state
        .store
        .call(move |c| share::set_shared(c, user, &id, shared, crate::clock::now()))
        .await?;
    if !done {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/traces/{}", crate::accounts::hex(&id))).into_response())
}

/// `GET /group/traces/{row_id}`: a trace shared with the group, read-only,
/// for any member; 404 when it is not (or no longer) shared.
pub async fn view(
    ctx: Ctx,
    _member: Member,
    client: Client,
    gzip: AcceptsGzip,
    State(state): State<AppState>,
    Path(row_id): Path<i64>,
) -> Result<Response, AppError> {
    let loaded = state
        .store
        .call(move |c| {
            let Some((owner, id, author)) = share::shared_trace(c, row_id)? else {
                return Ok(None);
            };
            let summary = read::summary(c, owner, &id)?;
            let imported = read::load(c, owner, &id)?;
            Ok(summary.zip(imported).map(|(s, i)| (s, i, author)))
        })
        .await?;
    let Some((summary, imported, author)) = loaded else {
        return Err(AppError::NotFound);
    };
    let received = Received {
        summary,
        imported,
        shared: true,
        shared_by: Some(author),
    };
    received_page(&state, &client, gzip, ctx, received).await
}
