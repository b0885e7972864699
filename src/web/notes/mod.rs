//! Personal learning notes: the list and reading a note ([`read`]), the
//! editor ([`edit`]), trash, sharing, history and search ([`manage`]), and
//! export and import ([`io`]).

pub mod edit;
pub mod io;
pub mod manage;
pub mod read;

pub use read::router;
