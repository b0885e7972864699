//! The message line shared by the account and admin pages. Both re-render
//! themselves after a form: with a notice once a change went through (the
//! handler redirects to `?done=<what>`), or with an error and the status
//! the page is served with. `templates/notice.html` shows it.

use axum::http::StatusCode;
use serde::Deserialize;

/// The query of a page reached by a redirect after a successful form.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    /// Which change went through, e.g. `profile`; unknown values show nothing.
    pub done: Option<String>,
}

/// What a page says above its forms, and the status it is served with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// 200 for a plain or confirmed view, 4xx with an error.
    pub status: StatusCode,
    /// The confirmation of a change that went through.
    pub done: Option<&'static str>,
    /// Why the form was refused.
    pub error: Option<String>,
}

impl Notice {
    /// 200, with the sentence that `sentences` pairs with `done` (nothing
    /// when `done` is missing or not a key of `sentences`).
    pub fn done(done: Option<&str>, sentences: &[(&str, &'static str)]) -> Notice {
        Notice {
            status: StatusCode::OK,
            done: done.and_then(|d| sentences.iter().find(|(k, _)| *k == d).map(|(_, s)| *s)),
            error: None,
        }
    }

    /// 400 with `message`: the form's input was refused.
    pub fn bad_request(message: impl Into<String>) -> Notice {
        Notice::error(StatusCode::BAD_REQUEST, message)
    }

    /// 409 with `message`: the change would break a rule of the group
    /// (such as keeping one admin).
    pub fn conflict(message: impl Into<String>) -> Notice {
        Notice::error(StatusCode::CONFLICT, message)
    }

    fn error(status: StatusCode, message: impl Into<String>) -> Notice {
        Notice {
            status,
            done: None,
            error: Some(message.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENTENCES: &[(&str, &str)] = &[("saved", "Saved."), ("gone", "Removed.")];

    #[test]
    fn done_looks_up_its_sentence() {
        assert_eq!(Notice::done(Some("gone"), SENTENCES).done, Some("Removed."));
        assert_eq!(Notice::done(Some("other"), SENTENCES).done, None);
        let plain = Notice::done(None, SENTENCES);
        assert_eq!(
            (plain.status, plain.done, plain.error),
            (StatusCode::OK, None, None)
        );
    }

    #[test]
    fn errors_carry_their_status() {
        let n = Notice::bad_request("No.");
        assert_eq!(n.status, StatusCode::BAD_REQUEST);
        assert_eq!(n.error.as_deref(), Some("No."));
        assert_eq!(Notice::conflict("Last admin.").status, StatusCode::CONFLICT);
    }
}
