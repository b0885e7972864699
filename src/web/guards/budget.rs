//! Who a heavy request counts against in the [`crate::budget::Budget`]: the
//! member when logged in, otherwise the client's IP address.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::web::AppError;
use crate::web::guards::session::{ClientAddr, MaybeMember};

/// The budget key of a request: `member:ID`, `ip:ADDR`, or `anonymous`
/// when the address is unknown (requests built in tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(member) = MaybeMember::from_request_parts(parts, state).await?.0 {
            return Ok(Client(format!("member:{}", member.id)));
        }
        Ok(
            match ClientAddr::from_request_parts(parts, state).await?.0 {
                Some(ip) => Client(format!("ip:{ip}")),
                None => Client("anonymous".into()),
            },
        )
    }
}
