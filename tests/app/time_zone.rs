//! Members' time zones: the account setting, the browser's zone at joining,
//! and days (streaks, the heatmap, dates) that follow the member's zone.

use axum::http::StatusCode;
use spandojo::clock;
use spandojo::store::practice::{self, Mode, NewAttempt};

use crate::common::{Client, PASSWORD, TestApp};

/// The stored time zone of `username`.
async fn stored_zone(app: &TestApp, username: &'static str) -> String {
    app.store
        .call(move |c| {
            Ok(c.query_row(
                "SELECT time_zone FROM users WHERE username = ?1",
                [username],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap()
}

async fn set_zone(client: &mut Client<'_>, zone: &str) -> crate::common::Reply {
    client
        .post("/account/time-zone", &[("time_zone", zone)])
        .await
}

#[tokio::test]
async fn the_account_page_sets_the_time_zone() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    let page = ada.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"time_zone\" value=\"UTC\""));
    assert!(
        page.body.contains("<option value=\"Asia/Kolkata\">"),
        "names are suggested"
    );

    let r = set_zone(&mut ada, " asia/KOLKATA ").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/account?done=time-zone");
    assert_eq!(
        stored_zone(&app, "ada").await,
        "Asia/Kolkata",
        "canonical name"
    );
    let page = ada.get("/account?done=time-zone").await;
    assert!(page.body.contains("Time zone saved."));
    assert!(
        page.body
            .contains("name=\"time_zone\" value=\"Asia/Kolkata\"")
    );
}

#[tokio::test]
async fn an_unknown_time_zone_gets_the_page_again_with_a_message() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    set_zone(&mut ada, "Europe/Paris").await;
    let long = "Europe/".repeat(20);
    for bad in ["Mars/Olympus_Mons", "", "Etc/Unknown", long.as_str()] {
        let r = set_zone(&mut ada, bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert!(r.body.contains("Your account"), "the account page");
        assert!(r.body.contains("role=\"alert\""), "{}", r.body);
    }
    let r = set_zone(&mut ada, "Mars/Olympus_Mons").await;
    assert!(
        r.body
            .contains("“Mars/Olympus_Mons” is not a time zone we know")
    );
    assert_eq!(stored_zone(&app, "ada").await, "Europe/Paris", "unchanged");

    let r = ada
        .post_raw("/account/time-zone", "time_zone=Asia%2FTokyo".into(), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(stored_zone(&app, "ada").await, "Europe/Paris");
}

#[tokio::test]
async fn new_members_start_in_the_zone_their_browser_sent() {
    let app = TestApp::new();
    let token = spandojo::web::issue_setup_token(&app.store)
        .unwrap()
        .unwrap();
    let mut host = app.client();
    let form = host.get(&format!("/setup?token={token}")).await;
    assert!(
        form.body
            .contains("name=\"time_zone\" value=\"\" data-browser-zone")
    );
    let r = host
        .post(
            "/setup",
            &[
                ("token", &token),
                ("username", "host"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
                ("time_zone", "America/Los_Angeles"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(stored_zone(&app, "host").await, "America/Los_Angeles");

    let code = spandojo::accounts::new_invite_code();
    let c = code.clone();
    app.store
        .call(move |conn| spandojo::store::invites::create(conn, &c, 5, None, None, 0))
        .await
        .unwrap();
    for (name, sent, kept) in [
        ("kolkata", Some("Asia/Kolkata"), "Asia/Kolkata"),
        ("unknown", Some("Not/A_Zone"), "UTC"),
        ("nojs", None, "UTC"),
    ] {
        let mut fields = vec![
            ("code", code.as_str()),
            ("username", name),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ];
        fields.extend(sent.map(|z| ("time_zone", z)));
        let r = app.client().post("/register", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        assert_eq!(stored_zone(&app, name).await, kept, "{name}");
    }
}

/// Records answers for `username` at the given Unix times.
async fn answers_at(app: &TestApp, username: &'static str, times: Vec<i64>) {
    app.store
        .call(move |c| {
            let user: i64 = c.query_row(
                "SELECT id FROM users WHERE username = ?1",
                [username],
                |r| r.get(0),
            )?;
            let ids = vec!["q".to_string(); times.len()];
            let session = practice::create_session(c, user, Mode::Practice, None, None, &ids, 0)?;
            for (position, now) in times.into_iter().enumerate() {
                practice::answer(
                    c,
                    &NewAttempt {
                        user_id: user,
                        session_id: session,
                        position: position as i64,
                        question_id: "q",
                        level: "beginner",
                        answer: "",
                        correct: Some(true),
                        rating: None,
                        seed: None,
                        generator: 2,
                        now,
                    },
                    false,
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_streak_follows_the_members_day_across_a_utc_midnight() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    // Two answers either side of a UTC midnight a month ago: 23:00 and 01:00
    // UTC, the same afternoon in Los Angeles (UTC-8 or UTC-7).
    let midnight = (clock::now() / 86_400 - 30) * 86_400;
    answers_at(&app, "ada", vec![midnight - 3600, midnight + 3600]).await;
    let utc_day = clock::day_label(midnight / 86_400);
    let la_day = clock::day_label(midnight / 86_400 - 1);

    let page = ada.get("/progress").await;
    assert!(page.body.contains("2 answers on 2 days."), "{}", page.body);
    assert!(page.body.contains("longest: 2."));
    assert!(page.body.contains(&format!("{utc_day}: 1 answer<")));
    assert!(page.body.contains(&format!("{la_day}: 1 answer<")));
    let group = ada.get("/group").await;
    assert!(group.body.contains("(best 2)"), "{}", group.body);

    set_zone(&mut ada, "America/Los_Angeles").await;
    let page = ada.get("/progress").await;
    assert!(page.body.contains("2 answers on 1 day."), "{}", page.body);
    assert!(page.body.contains("longest: 1."));
    assert!(page.body.contains(&format!("{la_day}: 2 answers<")));
    assert!(page.body.contains(&format!("{utc_day}: 0 answers<")));
    let group = ada.get("/group").await;
    assert!(group.body.contains("(best 1)"), "{}", group.body);
}

#[tokio::test]
async fn dates_shown_follow_the_members_zone() {
    let app = TestApp::new();
    let mut ada = app.member("ada", false).await;
    // Members made by the helper joined at 1_700_000_000: 2023-11-14 22:13 UTC,
    // already 2023-11-15 in Kolkata.
    assert!(
        ada.get("/account")
            .await
            .body
            .contains("member since 2023-11-14")
    );
    set_zone(&mut ada, "Asia/Kolkata").await;
    assert!(
        ada.get("/account")
            .await
            .body
            .contains("member since 2023-11-15")
    );
    assert!(ada.get("/group").await.body.contains("<td>2023-11-15</td>"));
}
