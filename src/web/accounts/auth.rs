//! Joining and signing in: `/setup`, `/register`, `/login`, `/logout`.

use crate::web::guards::extract::Query;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::accounts;
use crate::clock::{self, now};
use crate::store::{invites, sessions, throttle, users};
use crate::web::guards::extract::Form;
use crate::web::guards::session::{self, ClientAddr, MaybeMember, safe_next};
use crate::web::layout::{Ctx, render};
use crate::web::{AppError, AppState, Invalid, blocking};

/// Failed logins allowed per username or client address in the window.
pub const MAX_FAILURES: i64 = 5;
/// The throttling window.
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;

/// Routes for joining and signing in.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/setup", get(setup_form).post(setup))
        .route("/register", get(register_form).post(register))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(
    ctx: Ctx,
    MaybeMember(member): MaybeMember,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref());
    if member.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(render(&LoginPage {
        ctx,
        next,
        username: String::new(),
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    ctx: Ctx,
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(form.next.as_deref());
    let username = form.username.trim().to_ascii_lowercase();
    let mut keys = vec![format!(
        "user:{}",
        username.chars().take(64).collect::<String>()
    )];
    if let Some(ip) = addr {
        keys.push(format!("ip:{ip}"));
    }
    // Check and count the attempt in one transaction, before the password
    // is checked: parallel guesses each see the ones before them.
    let check_keys = keys.clone();
    let (blocked_for, attempt) = state
        .store
        .call(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now = now();
            let mut wait = 0;
            for key in &check_keys {
                let (failures, oldest) =
                    throttle::failures_since(&tx, key, now - FAILURE_WINDOW_SECONDS)?;
                if failures >= MAX_FAILURES {
                    let until = oldest.unwrap_or(now) + FAILURE_WINDOW_SECONDS;
                    wait = wait.max(until - now).max(1);
                }
            }
            let attempt = if wait == 0 {
                throttle::record_failure(&tx, &check_keys, now, now - FAILURE_WINDOW_SECONDS)?
            } else {
                Vec::new()
            };
            tx.commit()?;
            Ok((wait, attempt))
        })
        .await?;
    if blocked_for > 0 {
        let minutes = (blocked_for + 59) / 60;
        return Err(AppError::TooManyRequests {
            message: format!(
                "Too many failed logins for this account or from this address. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
            retry_after: blocked_for,
        });
    }
    let lookup = username.clone();
    let found = state
        .store
        .call(move |c| users::with_hash(c, &lookup))
        .await?;
    let password = form.password;
    let (user_id, ok) = blocking(move || match found {
        Some((user, hash)) => (Some(user.id), accounts::verify_password(&password, &hash)),
        None => {
            accounts::verify_dummy(&password);
            (None, false)
        }
    })
    .await?;
    match (user_id, ok) {
        (Some(id), true) => {
            let user_key = keys[0].clone();
            state
                .store
                .call(move |c| throttle::forget_success(c, &attempt, &user_key))
                .await?;
            let cookie = session::start(&state, id).await?;
            Ok((session::changed(&state, cookie), Redirect::to(&next)).into_response())
        }
        _ => {
            let page = LoginPage {
                ctx,
                next,
                username: form.username.chars().take(64).collect(),
                error: Some("Wrong username or password.".into()),
            };
            Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response())
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    MaybeMember(member): MaybeMember,
) -> Result<Response, AppError> {
    if let Some(member) = member {
        state
            .store
            .call(move |c| sessions::delete(c, &member.session_hash))
            .await?;
    }
    Ok((
        session::changed(&state, session::clear_cookie(&state)),
        Redirect::to("/"),
    )
        .into_response())
}

/// The fields shared by the setup and registration forms.
#[derive(Deserialize, Default)]
struct AccountFields {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
    /// The browser's IANA zone, filled in by script; blank without it.
    #[serde(default)]
    time_zone: String,
}

/// Validated account fields, ready to store.
struct NewAccount {
    username: String,
    display_name: String,
    password_hash: String,
    /// The browser's zone if known, else UTC (a hidden field: nothing to correct).
    time_zone: String,
}

/// Validates the fields and hashes the password off the async workers.
/// The inner error is the problem to show on the form; the outer one is ours.
async fn validate_account(fields: &AccountFields) -> Result<Result<NewAccount, Invalid>, AppError> {
    let invalid = |msg: &str| Ok(Err(Invalid(msg.into())));
    let username = match accounts::normalize_username(&fields.username) {
        Ok(u) => u,
        Err(msg) => return invalid(msg),
    };
    let display_name = match accounts::normalize_display_name(&fields.display_name, &username) {
        Ok(d) => d,
        Err(msg) => return invalid(msg),
    };
    if let Err(msg) = accounts::check_new_password(&fields.password, &fields.confirm) {
        return invalid(msg);
    }
    let password = fields.password.clone();
    let password_hash = blocking(move || accounts::hash_password(&password)).await??;
    let time_zone = clock::parse_time_zone(&fields.time_zone)
        .map_or_else(|_| "UTC".into(), |z| clock::time_zone_name(&z).into());
    Ok(Ok(NewAccount {
        username,
        display_name,
        password_hash,
        time_zone,
    }))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    ctx: Ctx,
    token: String,
    username: String,
    display_name: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

fn invalid_setup_link() -> AppError {
    AppError::BadRequest(
        "This setup link is not valid: it was already used, or a newer one was printed. \
         Run `spandojo user add NAME --admin` on the server, or restart it with an empty database."
            .into(),
    )
}

async fn setup_form(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let token = q.token.unwrap_or_default();
    let hash = accounts::token_hash(&token);
    if !state
        .store
        .call(move |c| users::setup_token_valid(c, &hash))
        .await?
    {
        return Err(invalid_setup_link());
    }
    Ok(render(&SetupPage {
        ctx,
        token,
        username: String::new(),
        display_name: String::new(),
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    #[serde(flatten)]
    fields: AccountFields,
}

async fn setup(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    let hash = accounts::token_hash(&form.token);
    let check = hash.clone();
    if !state
        .store
        .call(move |c| users::setup_token_valid(c, &check))
        .await?
    {
        return Err(invalid_setup_link());
    }
    let account = match validate_account(&form.fields).await? {
        Ok(a) => a,
        Err(Invalid(error)) => {
            let page = SetupPage {
                ctx,
                token: form.token,
                username: form.fields.username,
                display_name: form.fields.display_name,
                error: Some(error),
            };
            return Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response());
        }
    };
    let id = state
        .store
        .call(move |c| {
            users::create_first_admin(
                c,
                &hash,
                &account.username,
                &account.display_name,
                &account.password_hash,
                &account.time_zone,
                now(),
            )
        })
        .await?
        .ok_or_else(invalid_setup_link)?;
    let cookie = session::start(&state, id).await?;
    Ok((session::changed(&state, cookie), Redirect::to("/admin")).into_response())
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: Ctx,
    code: String,
    username: String,
    display_name: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

async fn register_form(
    ctx: Ctx,
    MaybeMember(member): MaybeMember,
    Query(q): Query<CodeQuery>,
) -> Result<Response, AppError> {
    if member.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let code = q.code.unwrap_or_default().chars().take(64).collect();
    Ok(render(&RegisterPage {
        ctx,
        code,
        username: String::new(),
        display_name: String::new(),
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(default)]
    code: String,
    #[serde(flatten)]
    fields: AccountFields,
}

/// What registration ran into.
enum Registered {
    Ok(i64),
    Invite(invites::InviteProblem),
    Taken,
}

async fn register(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    let code = form.code.trim().to_ascii_lowercase();
    let fail = |ctx: Ctx,
                form: RegisterForm,
                status: StatusCode,
                error: String|
     -> Result<Response, AppError> {
        let page = RegisterPage {
            ctx,
            code: form.code.chars().take(64).collect(),
            username: form.fields.username.chars().take(64).collect(),
            display_name: form.fields.display_name.chars().take(100).collect(),
            error: Some(error),
        };
        Ok((status, render(&page)?).into_response())
    };
    if code.is_empty() || code.len() > 64 {
        return fail(
            ctx,
            form,
            StatusCode::BAD_REQUEST,
            "Enter the invite code you were given.".into(),
        );
    }
    // The invite code first, before any hashing and before anything about
    // usernames: redeemed in a transaction that is rolled back (dropped).
    let check_code = code.clone();
    let invite_problem = state
        .store
        .call(move |c| {
            let tx = c.transaction()?;
            Ok(invites::redeem(&tx, &check_code, now())?.err())
        })
        .await?;
    if let Some(problem) = invite_problem {
        return fail(ctx, form, StatusCode::BAD_REQUEST, problem.message().into());
    }
    let account = match validate_account(&form.fields).await? {
        Ok(a) => a,
        Err(Invalid(error)) => return fail(ctx, form, StatusCode::BAD_REQUEST, error),
    };
    let outcome = state
        .store
        .call(move |c| {
            let tx = c.transaction()?;
            if let Err(problem) = invites::redeem(&tx, &code, now())? {
                return Ok(Registered::Invite(problem));
            }
            if users::username_taken(&tx, &account.username)? {
                return Ok(Registered::Taken);
            }
            let Some(id) = users::create(
                &tx,
                &account.username,
                &account.display_name,
                &account.password_hash,
                false,
                now(),
            )?
            else {
                return Ok(Registered::Taken);
            };
            users::set_time_zone(&tx, id, &account.time_zone)?;
            tx.commit()?;
            Ok(Registered::Ok(id))
        })
        .await?;
    match outcome {
        Registered::Ok(id) => {
            let cookie = session::start(&state, id).await?;
            Ok((session::changed(&state, cookie), Redirect::to("/")).into_response())
        }
        Registered::Taken => fail(
            ctx,
            form,
            StatusCode::CONFLICT,
            "That username is taken. Choose another.".into(),
        ),
        Registered::Invite(problem) => {
            fail(ctx, form, StatusCode::BAD_REQUEST, problem.message().into())
        }
    }
}
