//! The member's own account: display name, time zone, password, sessions,
//! deletion.

use crate::web::guards::extract::Query;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::accounts;
use crate::clock::{self, now};
use crate::store::users::UserChangeError;
use crate::store::{progress, sessions, users};
use crate::web::accounts::notice::{DoneQuery, Notice};
use crate::web::guards::extract::{Form, flag};
use crate::web::guards::session::{self, Member};
use crate::web::layout::{Ctx, render};
use crate::web::{AppError, AppState, blocking};

/// Routes under `/account`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/profile", post(profile))
        .route("/account/time-zone", post(time_zone))
        .route("/account/password", post(password))
        .route("/account/sign-out-everywhere", post(sign_out_everywhere))
        .route("/account/delete", post(delete))
        .route("/account/leaderboard", post(leaderboard))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    display_name: String,
    /// The member's IANA time zone name, and the names to suggest.
    time_zone: String,
    time_zones: &'static [String],
    joined: String,
    other_sessions: i64,
    on_leaderboard: bool,
    notice: Notice,
}

/// The confirmation for each `?done=` value.
const DONE: &[(&str, &str)] = &[
    ("profile", "Display name saved."),
    ("time-zone", "Time zone saved. Your days now follow it."),
    (
        "password",
        "Password changed. Your other sessions were signed out.",
    ),
    ("leaderboard", "Leaderboard preference saved."),
];

async fn page(
    ctx: Ctx,
    state: &AppState,
    member: &Member,
    notice: Notice,
) -> Result<Response, AppError> {
    let id = member.id;
    let (user, sessions_count, on_leaderboard) = state
        .store
        .call(move |c| {
            let user = users::by_id(c, id)?;
            let count = sessions::count_for_user(c, id, now())?;
            Ok((user, count, progress::on_leaderboard(c, id)?))
        })
        .await?;
    let user = user.ok_or(AppError::NotFound)?;
    let page = AccountPage {
        ctx,
        display_name: user.display_name,
        time_zone: user.time_zone,
        time_zones: clock::time_zone_names(),
        joined: clock::date(user.created_at, &member.time_zone),
        other_sessions: (sessions_count - 1).max(0),
        on_leaderboard,
        notice,
    };
    Ok((page.notice.status, render(&page)?).into_response())
}

async fn show(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    page(ctx, &state, &member, Notice::done(q.done.as_deref(), DONE)).await
}

#[derive(Deserialize)]
struct ProfileForm {
    display_name: String,
}

async fn profile(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let name = match accounts::normalize_display_name(&form.display_name, &member.username) {
        Ok(n) => n,
        Err(msg) => return page(ctx, &state, &member, Notice::bad_request(msg)).await,
    };
    let id = member.id;
    state
        .store
        .call(move |c| users::set_display_name(c, id, &name))
        .await?;
    Ok(Redirect::to("/account?done=profile").into_response())
}

#[derive(Deserialize)]
struct TimeZoneForm {
    time_zone: String,
}

/// Saves the member's time zone; a name the database does not know gets
/// the account page again with a message (400).
async fn time_zone(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<TimeZoneForm>,
) -> Result<Response, AppError> {
    let zone = match clock::parse_time_zone(&form.time_zone) {
        Ok(zone) => zone,
        Err(msg) => return page(ctx, &state, &member, Notice::bad_request(msg)).await,
    };
    let (id, name) = (member.id, clock::time_zone_name(&zone).to_string());
    state
        .store
        .call(move |c| users::set_time_zone(c, id, &name))
        .await?;
    Ok(Redirect::to("/account?done=time-zone").into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    password: String,
    confirm: String,
}

async fn password(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    if let Err(msg) = accounts::check_new_password(&form.password, &form.confirm) {
        return page(ctx, &state, &member, Notice::bad_request(msg)).await;
    }
    let id = member.id;
    let stored = state
        .store
        .call(move |c| users::password_hash(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let (current, new) = (form.current, form.password);
    let hashed = blocking(move || -> anyhow::Result<Option<String>> {
        if !accounts::verify_password(&current, &stored) {
            return Ok(None);
        }
        Ok(Some(accounts::hash_password(&new)?))
    })
    .await??;
    let Some(hash) = hashed else {
        let msg = "Your current password is not right.";
        return page(ctx, &state, &member, Notice::bad_request(msg)).await;
    };
    let keep = member.session_hash.clone();
    state
        .store
        .call(move |c| {
            let tx = c.transaction()?;
            users::set_password_hash(&tx, id, &hash)?;
            sessions::delete_for_user(&tx, id, Some(&keep))?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(Redirect::to("/account?done=password").into_response())
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    member: Member,
) -> Result<Response, AppError> {
    let id = member.id;
    state
        .store
        .call(move |c| sessions::delete_for_user(c, id, None))
        .await?;
    Ok((
        session::changed(&state, session::clear_cookie(&state)),
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Deserialize)]
struct DeleteForm {
    confirm_username: String,
}

async fn delete(
    ctx: Ctx,
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    if form.confirm_username.trim().to_ascii_lowercase() != member.username {
        let msg = format!(
            "To delete your account, type your username ({}) exactly.",
            member.username
        );
        return page(ctx, &state, &member, Notice::bad_request(msg)).await;
    }
    let id = member.id;
    match state.store.call(move |c| users::delete(c, id)).await? {
        Ok(()) => Ok((
            session::changed(&state, session::clear_cookie(&state)),
            Redirect::to("/"),
        )
            .into_response()),
        Err(UserChangeError::LastAdmin) => {
            let msg = "You are the only admin. Make another member admin first, then delete your account.";
            page(ctx, &state, &member, Notice::conflict(msg)).await
        }
        Err(UserChangeError::NotFound) => Err(AppError::NotFound),
    }
}

#[derive(Deserialize)]
struct LeaderboardForm {
    on: String,
}

async fn leaderboard(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<LeaderboardForm>,
) -> Result<Response, AppError> {
    let on = flag(&form.on, "on")?;
    let id = member.id;
    state
        .store
        .call(move |c| progress::set_on_leaderboard(c, id, on))
        .await?;
    Ok(Redirect::to("/account?done=leaderboard").into_response())
}
