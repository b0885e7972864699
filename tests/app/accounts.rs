//! Accounts: setup, invites, registration, login, throttling and CSRF.
//! Sessions, the admin pages and the group are in `members`.

use crate::common::{PASSWORD, TestApp};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};

async fn invite(app: &TestApp, uses: i64, expires_at: Option<i64>) -> String {
    let code = spandojo::accounts::new_invite_code();
    let c = code.clone();
    app.store
        .call(move |conn| {
            spandojo::store::invites::create(conn, &c, uses, expires_at, None, 1_700_000_000)
        })
        .await
        .unwrap();
    code
}

#[tokio::test]
async fn setup_link_creates_the_admin_once() {
    let app = TestApp::new();
    let token = spandojo::web::issue_setup_token(&app.store)
        .unwrap()
        .expect("no users yet");
    let mut client = app.client();
    let r = client.get(&format!("/setup?token={token}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Create the admin account"));

    let bad = client.get("/setup?token=nope").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let fields = [
        ("token", token.as_str()),
        ("username", "Host"),
        ("display_name", "The Host"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let r = client.post("/setup", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/admin");
    let admin = client.get("/admin").await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(admin.body.contains("The Host"));

    let mut other = app.client();
    let again = other
        .post(
            "/setup",
            &[
                ("token", token.as_str()),
                ("username", "mallory"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "the link works once");
    assert_eq!(app.query_i64("SELECT count(*) FROM users").await, 1);
    assert!(
        spandojo::web::issue_setup_token(&app.store)
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn setup_form_errors_keep_fields() {
    let app = TestApp::new();
    let token = spandojo::web::issue_setup_token(&app.store)
        .unwrap()
        .unwrap();
    let mut client = app.client();
    let r = client
        .post(
            "/setup",
            &[
                ("token", &token),
                ("username", "hosty"),
                ("display_name", "Hosty McHost"),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("at least 10 characters"));
    assert!(r.body.contains("value=\"hosty\"") && r.body.contains("Hosty McHost"));
}

#[tokio::test]
async fn register_needs_a_valid_invite() {
    let app = TestApp::new();
    let code = invite(&app, 1, None).await;
    let mut client = app.client();
    let fields = |code: &'static str| -> Vec<(&'static str, &'static str)> {
        vec![
            ("code", code),
            ("username", "ada"),
            ("display_name", "Ada"),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ]
    };

    let r = client.post("/register", &fields("wrong-code")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("not valid"));
    assert!(r.body.contains("value=\"ada\""), "username kept");

    let code: &'static str = Box::leak(code.into_boxed_str());
    let r = client.post("/register", &fields(code)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = client.get("/").await;
    assert!(home.body.contains("Ada"), "logged in after joining");

    let mut second = app.client();
    let mut f = fields(code);
    f[1] = ("username", "bob");
    let r = second.post("/register", &f).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("used up"), "{}", r.body);
}

#[tokio::test]
async fn register_rejects_expired_revoked_taken_and_weak() {
    let app = TestApp::new();
    let expired = invite(&app, 5, Some(1_000)).await;
    let good = invite(&app, 5, None).await;
    let mut client = app.client();
    let r = client
        .post(
            "/register",
            &[
                ("code", &expired),
                ("username", "ada"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert!(r.body.contains("expired"), "{}", r.body);

    app.member("taken", false).await;
    let r = client
        .post(
            "/register",
            &[
                ("code", &good),
                ("username", "TAKEN"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("taken"));

    let r = client
        .post(
            "/register",
            &[
                ("code", &good),
                ("username", "newbie"),
                ("password", PASSWORD),
                ("confirm", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("do not match"));

    let long = "x".repeat(40);
    let r = client
        .post(
            "/register",
            &[
                ("code", &good),
                ("username", &long),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("3 to 32"));

    let r = client.post("/register", &[("code", &good)]).await;
    assert!(
        r.status.is_client_error(),
        "missing fields are a 4xx: {}",
        r.status
    );
    assert_eq!(
        app.query_i64("SELECT uses_left FROM invites WHERE max_uses = 5 AND expires_at IS NULL")
            .await,
        5,
        "failed joins use nothing"
    );

    let id = app
        .query_i64("SELECT id FROM invites WHERE expires_at IS NULL")
        .await;
    let mut admin = app.member("boss", true).await;
    let r = admin
        .post(&format!("/admin/invites/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = client
        .post(
            "/register",
            &[
                ("code", &good),
                ("username", "newbie"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert!(r.body.contains("revoked"), "{}", r.body);
}

#[tokio::test]
async fn login_logout_and_cookie_flags() {
    let app = TestApp::new();
    let mut client = app.member("ada", false).await;
    let session = client
        .cookies
        .get("sd_session")
        .cloned()
        .expect("session cookie");
    assert_eq!(session.len(), 64, "256-bit token");
    let r = client.get("/account").await;
    assert_eq!(r.status, StatusCode::OK);

    let mut fresh = app.client();
    let r = fresh.login("ada", PASSWORD).await;
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("sd_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Max-Age=2592000"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "no Secure over plain http");
    assert_ne!(
        fresh.cookies["sd_session"], session,
        "a new session id at each login"
    );

    let r = client.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = client.get("/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "logged out");
    assert!(r.location().starts_with("/login?next="));
}

#[tokio::test]
async fn secure_cookies_when_configured() {
    let app = TestApp::with(|c| c.public_url = Some("https://dojo.example.org".into()));
    let mut client = app.member("ada", false).await;
    let r = client.login("ada", PASSWORD).await;
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("sd_session=") && c.contains("; Secure"))
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = TestApp::new();
    app.member("ada", false).await;
    let mut client = app.client();
    let wrong = client.login("ada", "not the password").await;
    let unknown = client.login("nobody", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong username or password"));
    assert!(unknown.body.contains("Wrong username or password"));
}

#[tokio::test]
async fn passwords_are_never_stored_in_plain_text() {
    let app = TestApp::new();
    app.member("ada", false).await;
    let hash: String = app
        .store
        .call(|c| Ok(c.query_row("SELECT password_hash FROM users", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
    let raw = std::fs::read(app.dir.path().join("data/spandojo.db")).unwrap();
    let wal = std::fs::read(app.dir.path().join("data/spandojo.db-wal")).unwrap_or_default();
    let needle = PASSWORD.as_bytes();
    for bytes in [raw, wal] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the password is nowhere in the files"
        );
    }
    let tokens = app
        .query_i64("SELECT count(*) FROM sessions WHERE length(token_hash) = 32")
        .await;
    assert_eq!(tokens, 1, "sessions store a 32-byte hash, not the token");
}

#[tokio::test]
async fn throttling_by_username_returns_429_and_success_resets() {
    let app = TestApp::new();
    app.member("ada", false).await;
    let mut client = app.client();
    for _ in 0..4 {
        assert_eq!(
            client.login("ada", "wrong password!").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = client.login("ada", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "success before the limit works and resets"
    );
    for _ in 0..5 {
        client.login("ada", "wrong password!").await;
    }
    let r = client.login("ada", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("Try again in 15 minutes"), "{}", r.body);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn throttling_by_client_address() {
    let app = TestApp::new();
    let mut client = app.client();
    let csrf = client.csrf().await;
    let addr: std::net::SocketAddr = "10.0.0.7:5555".parse().unwrap();
    let mut last = StatusCode::OK;
    for i in 0..6 {
        let mut request = Request::post("/login")
            .header(header::HOST, "localhost")
            .header(header::COOKIE, format!("sd_csrf={csrf}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "csrf={csrf}&username=user{i}&password=whatever123"
            )))
            .unwrap();
        request.extensions_mut().insert(ConnectInfo(addr));
        last = app.send(request).await.status;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "six usernames from one address"
    );
}

#[tokio::test]
async fn cross_origin_and_tokenless_posts_are_refused() {
    let app = TestApp::new();
    let mut client = app.member("ada", false).await;
    let csrf = client.csrf().await;
    let body = format!("csrf={csrf}&display_name=Evil");
    let r = client
        .post_raw(
            "/account/profile",
            body.clone(),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = client
        .post_raw(
            "/account/profile",
            body.clone(),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = client
        .post_raw("/account/profile", "display_name=Evil".into(), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
    let r = client
        .post_raw(
            "/account/profile",
            format!("csrf={}&display_name=Evil", "0".repeat(64)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "wrong token");
    let unchanged: String = app
        .store
        .call(|c| Ok(c.query_row("SELECT display_name FROM users", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(unchanged, "ada");
    let r = client
        .post_raw(
            "/account/profile",
            body,
            &[
                ("origin", "http://localhost"),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "same origin with the token works"
    );
}

#[tokio::test]
async fn next_redirects_stay_local() {
    let app = TestApp::new();
    app.member("ada", false).await;
    let mut client = app.client();
    for (next, expected) in [
        ("/lessons/sampling", "/lessons/sampling"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
    ] {
        let r = client
            .post(
                "/login",
                &[("username", "ada"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), expected, "next={next}");
    }
    let r = app.get("/account").await;
    assert_eq!(r.location(), "/login?next=/account");
}
