//! Accounts under attack: guesses are counted before the password is
//! checked, a success forgets only its own username's failures, and the
//! invite code is checked before anything else.

use crate::common::{PASSWORD, TestApp};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};

async fn login_from(
    app: &TestApp,
    csrf: &str,
    addr: &str,
    user: &str,
    password: &str,
) -> StatusCode {
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    let mut request = Request::post("/login")
        .header(header::HOST, "localhost")
        .header(header::COOKIE, format!("sd_csrf={csrf}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={csrf}&username={user}&password={password}"
        )))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(addr));
    app.send(request).await.status
}

#[tokio::test]
async fn parallel_guesses_cannot_all_get_through() {
    let app = TestApp::new();
    app.member("ada", false).await;
    let csrf = app.client().csrf().await;
    let guess = |i: u16| {
        let csrf = csrf.clone();
        let app = &app;
        async move {
            let addr = format!("10.0.1.{}:1000", i + 1);
            login_from(app, &csrf, &addr, "ada", "wrong password!").await
        }
    };
    let all = tokio::join!(
        guess(0),
        guess(1),
        guess(2),
        guess(3),
        guess(4),
        guess(5),
        guess(6),
        guess(7)
    );
    let all = [all.0, all.1, all.2, all.3, all.4, all.5, all.6, all.7];
    let checked = all
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = all
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 3), "{all:?}");
}

#[tokio::test]
async fn a_success_keeps_other_usernames_failures_from_the_address() {
    let app = TestApp::new();
    app.member("ada", false).await;
    let csrf = app.client().csrf().await;
    let addr = "10.0.2.9:4000";
    for i in 0..4 {
        let user = format!("user{i}");
        let s = login_from(&app, &csrf, addr, &user, "whatever123").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let s = login_from(&app, &csrf, addr, "ada", &PASSWORD.replace(' ', "+")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let s = login_from(&app, &csrf, addr, "user4", "whatever123").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let s = login_from(&app, &csrf, addr, "user5", "whatever123").await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "five failures still count"
    );
}

#[tokio::test]
async fn a_bad_invite_says_nothing_about_usernames() {
    let app = TestApp::new();
    app.member("taken", false).await;
    let mut client = app.client();
    let r = client
        .post(
            "/register",
            &[
                ("code", "not-a-real-code"),
                ("username", "taken"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("invite code is not valid"), "{}", r.body);
    assert!(!r.body.contains("taken."), "{}", r.body);
}
