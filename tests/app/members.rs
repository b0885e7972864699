//! Members once logged in: password changes and sessions, account deletion,
//! the admin pages, the group page and private/public mode.

use crate::common::{PASSWORD, TestApp};
use axum::http::StatusCode;

#[tokio::test]
async fn changing_password_ends_other_sessions() {
    let app = TestApp::new();
    let mut laptop = app.member("ada", false).await;
    let mut phone = app.client();
    assert_eq!(
        phone.login("ada", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let new = "another long password";
    let r = laptop
        .post(
            "/account/password",
            &[
                ("current", "wrong current pw"),
                ("password", new),
                ("confirm", new),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body
            .contains(r#"<p class="alert" role="alert">Your current password is not right.</p>"#),
        "{}",
        r.body
    );
    let r = laptop
        .post(
            "/account/password",
            &[("current", PASSWORD), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account?done=password");
    let page = laptop.get("/account?done=password").await;
    assert!(
        page.body
            .contains(r#"<p class="notice" role="status">Password changed."#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("class=\"alert\""));
    assert_eq!(
        laptop.get("/account").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        phone.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    let mut again = app.client();
    assert_eq!(
        again.login("ada", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(again.login("ada", new).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_out_everywhere_and_delete_account() {
    let app = TestApp::new();
    let mut a = app.member("ada", false).await;
    let mut b = app.client();
    b.login("ada", PASSWORD).await;
    a.post("/account/sign-out-everywhere", &[]).await;
    assert_eq!(b.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(a.get("/account").await.status, StatusCode::SEE_OTHER);

    a.login("ada", PASSWORD).await;
    let r = a
        .post("/account/delete", &[("confirm_username", "not-ada")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = a
        .post("/account/delete", &[("confirm_username", "ada")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.query_i64("SELECT count(*) FROM users").await, 0);
    assert_eq!(
        app.query_i64("SELECT count(*) FROM sessions").await,
        0,
        "sessions removed with the member"
    );
}

#[tokio::test]
async fn members_cannot_use_admin_pages() {
    let app = TestApp::new();
    let mut member = app.member("ada", false).await;
    let r = member.get("/admin").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = member
        .post("/admin/invites", &[("uses", "3"), ("expires_days", "7")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.query_i64("SELECT count(*) FROM invites").await, 0);
    assert!(
        !member.get("/").await.body.contains("href=\"/admin\""),
        "no admin link in the nav"
    );
}

#[tokio::test]
async fn admin_manages_invites_and_members() {
    let app = TestApp::new();
    let mut admin = app.member("boss", true).await;
    let r = admin
        .post("/admin/invites", &[("uses", "3"), ("expires_days", "7")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin?done=invite");
    let page = admin.get("/admin?done=invite").await;
    assert!(page.body.contains("3 of 3 left"), "{}", page.body);
    assert!(
        page.body
            .contains(r#"<p class="notice" role="status">Invite created:"#)
    );
    assert!(
        !admin
            .get("/admin?done=nonsense")
            .await
            .body
            .contains("class=\"notice\"")
    );
    for (uses, days) in [
        ("0", "7"),
        ("501", "7"),
        ("x", "7"),
        ("1", "-1"),
        ("1", "9999"),
    ] {
        let r = admin
            .post("/admin/invites", &[("uses", uses), ("expires_days", days)])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "uses={uses} days={days}");
    }

    app.member("ada", false).await;
    let ada = app
        .query_i64("SELECT id FROM users WHERE username = 'ada'")
        .await;
    let boss = app
        .query_i64("SELECT id FROM users WHERE username = 'boss'")
        .await;
    let r = admin
        .post(&format!("/admin/members/{boss}/admin"), &[("admin", "0")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "never remove the last admin"
    );
    let r = admin
        .post(
            &format!("/admin/members/{boss}/remove"),
            &[("confirm_username", "boss")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains(
        r#"<p class="alert" role="alert">That is the last admin; make someone else admin first.</p>"#
    ));
    let r = admin
        .post(&format!("/admin/members/{ada}/admin"), &[("admin", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = admin
        .post(&format!("/admin/members/{ada}/admin"), &[("admin", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = admin
        .post(&format!("/admin/members/{ada}/remove"), &[])
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "removal needs a confirmation"
    );
    assert!(r.body.contains("Nobody was removed"), "{}", r.body);
    let r = admin
        .post(
            &format!("/admin/members/{ada}/remove"),
            &[("confirm_username", "boss")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "the wrong name removes nobody"
    );
    assert_eq!(app.query_i64("SELECT count(*) FROM users").await, 2);
    let r = admin
        .post(
            &format!("/admin/members/{ada}/remove"),
            &[("confirm_username", "ada")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.query_i64("SELECT count(*) FROM users").await, 1);
    let r = admin.post("/admin/members/99999/remove", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn group_page_needs_a_login_and_lists_members() {
    let app = TestApp::new();
    assert_eq!(app.get("/group").await.status, StatusCode::SEE_OTHER);
    let mut ada = app.member("ada", false).await;
    app.member("grace", false).await;
    let r = ada.get("/group").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("@ada") && r.body.contains("@grace"));
    assert!(
        r.body.contains("<title>Your group · spandojo</title>"),
        "a plain title"
    );
}

#[tokio::test]
async fn private_mode_requires_login_except_for_the_door() {
    let app = TestApp::with(|c| c.private = true);
    for path in ["/", "/lessons", "/lessons/why-tracing"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.location().starts_with("/login?next="), "{path}");
    }
    for path in ["/login", "/register", "/healthz", "/static/style.css"] {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
    let mut ada = app.member("ada", false).await;
    assert_eq!(ada.get("/lessons").await.status, StatusCode::OK);
}

#[tokio::test]
async fn public_mode_serves_lessons_without_login() {
    let app = TestApp::new();
    assert_eq!(app.get("/lessons").await.status, StatusCode::OK);
    assert_eq!(
        app.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "personal pages always need a login"
    );
}

#[tokio::test]
async fn join_links_are_full_urls_from_the_public_url() {
    let app = TestApp::with(|c| c.public_url = Some("https://dojo.example/".into()));
    let mut boss = app.member("boss", true).await;
    let r = boss
        .post("/admin/invites", &[("uses", "1"), ("expires_days", "7")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = boss.get("/admin").await;
    assert!(
        page.body
            .contains(r#"<a href="https://dojo.example/register?code="#),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-copy="), "a copy button");
}
