//! The admin page: members, invites, admin rights.

use crate::web::guards::extract::{Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::accounts;
use crate::clock::{self, now};
use crate::store::users::UserChangeError;
use crate::store::{flags, invites, users};
use crate::web::accounts::notice::{DoneQuery, Notice};
use crate::web::guards::extract::{Form, flag};
use crate::web::guards::session::Admin;
use crate::web::layout::{Ctx, render};
use crate::web::{AppError, AppState, Invalid};

/// Most uses one invite may have.
pub const MAX_INVITE_USES: i64 = 500;
/// Longest invite lifetime, in days.
pub const MAX_INVITE_DAYS: i64 = 365;

/// Routes under `/admin`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(show))
        .route("/admin/invites", post(create_invite))
        .route("/admin/invites/{id}/revoke", post(revoke_invite))
        .route("/admin/members/{id}/remove", post(remove_member))
        .route("/admin/members/{id}/admin", post(set_admin))
        .route("/admin/flags/{id}/resolve", post(resolve_flag))
}

struct MemberRow {
    id: i64,
    username: String,
    display_name: String,
    is_admin: bool,
    joined: String,
    last_seen: String,
}

struct FlagRow {
    id: i64,
    question_id: String,
    question_title: String,
    reason: String,
    reporter: String,
    date: String,
}

struct InviteRow {
    id: i64,
    code: String,
    /// The join link: absolute when the public URL is known.
    link: String,
    created_by: String,
    created: String,
    expires: String,
    uses: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    ctx: Ctx,
    flags: Vec<FlagRow>,
    members: Vec<MemberRow>,
    invites: Vec<InviteRow>,
    notice: Notice,
}

/// The confirmation for each `?done=` value.
const DONE: &[(&str, &str)] = &[
    (
        "invite",
        "Invite created: share the code (or the join link) with the new member.",
    ),
    ("revoked", "Invite revoked."),
    ("removed", "Member removed."),
    ("admin", "Admin rights updated."),
    ("flag", "Report marked as resolved."),
];

async fn page(ctx: Ctx, state: &AppState, notice: Notice) -> Result<Response, AppError> {
    let (members, invites, open_flags) = state
        .store
        .call(|c| Ok((users::list(c)?, invites::list(c)?, flags::open(c)?)))
        .await?;
    let now = now();
    let zone = ctx.time_zone();
    let page = AdminPage {
        ctx,
        flags: open_flags
            .into_iter()
            .map(|f| FlagRow {
                id: f.id,
                question_title: state
                    .content
                    .question(&f.question_id)
                    .map(|q| q.title.clone())
                    .unwrap_or_else(|| "(no longer in the bank)".into()),
                question_id: f.question_id,
                reason: f.reason,
                reporter: f.reporter.unwrap_or_else(|| "(removed)".into()),
                date: clock::date(f.created_at, &zone),
            })
            .collect(),
        members: members
            .into_iter()
            .map(|u| MemberRow {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                is_admin: u.is_admin,
                joined: clock::date(u.created_at, &zone),
                last_seen: u
                    .last_seen_at
                    .map(|t| clock::date_time(t, &zone))
                    .unwrap_or_else(|| "never".into()),
            })
            .collect(),
        invites: invites
            .into_iter()
            .map(|i| InviteRow {
                id: i.id,
                state: if i.revoked {
                    "revoked"
                } else if i.expires_at.is_some_and(|e| e <= now) {
                    "expired"
                } else if i.uses_left == 0 {
                    "used up"
                } else {
                    "active"
                },
                link: format!(
                    "{}/register?code={}",
                    state
                        .config
                        .public_url
                        .as_deref()
                        .unwrap_or("")
                        .trim_end_matches('/'),
                    i.code
                ),
                code: i.code,
                created_by: i.created_by.unwrap_or_else(|| "(removed)".into()),
                created: clock::date(i.created_at, &zone),
                expires: i
                    .expires_at
                    .map(|t| clock::date_time(t, &zone))
                    .unwrap_or_else(|| "never".into()),
                uses: format!("{} of {} left", i.uses_left, i.max_uses),
            })
            .collect(),
        notice,
    };
    Ok((page.notice.status, render(&page)?).into_response())
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    _admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    page(ctx, &state, Notice::done(q.done.as_deref(), DONE)).await
}

#[derive(Deserialize)]
struct InviteForm {
    uses: String,
    expires_days: String,
}

/// Parses a whole number within `range`, or says what is wrong.
fn bounded(value: &str, what: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, Invalid> {
    match value.trim().parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(Invalid(format!(
            "{what} must be a whole number from {} to {}.",
            range.start(),
            range.end()
        ))),
    }
}

async fn create_invite(
    ctx: Ctx,
    State(state): State<AppState>,
    Admin(admin): Admin,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    let parsed = bounded(&form.uses, "Uses", 1..=MAX_INVITE_USES).and_then(|uses| {
        Ok((
            uses,
            bounded(
                &form.expires_days,
                "Days until it expires",
                0..=MAX_INVITE_DAYS,
            )?,
        ))
    });
    let (uses, days) = match parsed {
        Ok(v) => v,
        Err(Invalid(msg)) => return page(ctx, &state, Notice::bad_request(msg)).await,
    };
    let by = admin.id;
    state
        .store
        .call(move |c| {
            let now = now();
            let expires = (days > 0).then_some(now + days * 86_400);
            invites::create(
                c,
                &accounts::new_invite_code(),
                uses,
                expires,
                Some(by),
                now,
            )
        })
        .await?;
    Ok(Redirect::to("/admin?done=invite").into_response())
}

async fn revoke_invite(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !state.store.call(move |c| invites::revoke(c, id)).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin?done=revoked").into_response())
}

/// The removal form: the member's username typed again, as a confirmation.
#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    confirm_username: String,
}

async fn remove_member(
    ctx: Ctx,
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, AppError> {
    let user = state
        .store
        .call(move |c| users::by_id(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    if form.confirm_username.trim().to_ascii_lowercase() != user.username {
        let msg = format!(
            "Nobody was removed. To remove {}, type their username ({}) in the box beside Remove.",
            user.display_name, user.username
        );
        return page(ctx, &state, Notice::bad_request(msg)).await;
    }
    match state.store.call(move |c| users::delete(c, id)).await? {
        Ok(()) => Ok(Redirect::to("/admin?done=removed").into_response()),
        Err(UserChangeError::NotFound) => Err(AppError::NotFound),
        Err(UserChangeError::LastAdmin) => {
            let msg = "That is the last admin; make someone else admin first.";
            page(ctx, &state, Notice::conflict(msg)).await
        }
    }
}

#[derive(Deserialize)]
struct AdminForm {
    admin: String,
}

async fn set_admin(
    ctx: Ctx,
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
    Form(form): Form<AdminForm>,
) -> Result<Response, AppError> {
    let make_admin = flag(&form.admin, "admin")?;
    match state
        .store
        .call(move |c| users::set_admin(c, id, make_admin))
        .await?
    {
        Ok(()) => Ok(Redirect::to("/admin?done=admin").into_response()),
        Err(UserChangeError::NotFound) => Err(AppError::NotFound),
        Err(UserChangeError::LastAdmin) => {
            let msg = "The group needs at least one admin; make someone else admin first.";
            page(ctx, &state, Notice::conflict(msg)).await
        }
    }
}

async fn resolve_flag(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !state
        .store
        .call(move |c| flags::resolve(c, id, now()))
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin?done=flag").into_response())
}
