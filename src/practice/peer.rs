//! Peer review of a shared interview: the rating a group member gives one
//! answer, and the rules a comment must follow. Pure logic; stored by
//! [`crate::store::peer`].

/// Longest peer comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// A reviewer's verdict on one answer, stored as 1..=4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerRating {
    NeedsWork = 1,
    Partial = 2,
    Solid = 3,
    Excellent = 4,
}

impl PeerRating {
    /// All verdicts, weakest first.
    pub const ALL: [PeerRating; 4] = [
        PeerRating::NeedsWork,
        PeerRating::Partial,
        PeerRating::Solid,
        PeerRating::Excellent,
    ];

    /// From the stored number 1..=4.
    pub fn from_number(n: i64) -> Option<PeerRating> {
        PeerRating::ALL.into_iter().find(|r| *r as i64 == n)
    }

    /// The stored number 1..=4.
    pub fn number(self) -> i64 {
        self as i64
    }

    /// What the reviewer reads on the form and the author on the summary.
    pub fn label(self) -> &'static str {
        match self {
            PeerRating::NeedsWork => "Needs work",
            PeerRating::Partial => "Partly there",
            PeerRating::Solid => "Solid",
            PeerRating::Excellent => "Excellent",
        }
    }
}

/// A comment as sent: trimmed text and an optional verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentInput {
    pub body: String,
    pub rating: Option<PeerRating>,
}

/// Checks a comment form: `body` (any text, trimmed, at most
/// [`MAX_COMMENT_CHARS`]) and `rating` (empty, or `1`..=`4`); at least one
/// of the two must be given. Errors are sentences for the member.
pub fn check_comment(body: &str, rating: &str) -> Result<CommentInput, String> {
    let body = body.trim();
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(format!(
            "A comment holds at most {MAX_COMMENT_CHARS} characters."
        ));
    }
    let rating = match rating.trim() {
        "" => None,
        r => Some(
            r.parse::<i64>()
                .ok()
                .and_then(PeerRating::from_number)
                .ok_or("Choose a rating from the list, or none.")?,
        ),
    };
    if body.is_empty() && rating.is_none() {
        return Err("Write a comment or choose a rating.".into());
    }
    Ok(CommentInput {
        body: body.to_string(),
        rating,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_round_trip() {
        for r in PeerRating::ALL {
            assert_eq!(PeerRating::from_number(r.number()), Some(r));
        }
        assert_eq!(PeerRating::from_number(0), None);
        assert_eq!(PeerRating::from_number(5), None);
    }

    #[test]
    fn comments_need_text_or_a_rating() {
        assert!(check_comment("  ", "").is_err());
        assert_eq!(
            check_comment(" good point ", ""),
            Ok(CommentInput {
                body: "good point".into(),
                rating: None
            })
        );
        assert_eq!(
            check_comment("", "3").map(|c| c.rating),
            Ok(Some(PeerRating::Solid))
        );
        assert!(check_comment("x", "9").is_err());
        assert!(check_comment("x", "abc").is_err());
        assert!(check_comment(&"é".repeat(MAX_COMMENT_CHARS + 1), "").is_err());
        assert!(check_comment(&"é".repeat(MAX_COMMENT_CHARS), "").is_ok());
    }
}
