//! The simulator's pages: the gallery ([`gallery`]), one generated trace and
//! its downloads ([`viewer`], drawn by [`page`]), uploads ([`upload`], [`upload_list`], [`upload_state`]), the
//! sampling lab ([`lab`], [`lab_form`], [`lab_chart`], and over a member's own traces
//! [`lab_mine`]) and the header tools ([`tools`]).

use axum::Router;

use crate::web::AppState;

pub mod gallery;
pub mod lab;
pub mod lab_chart;
pub mod lab_form;
pub mod lab_mine;
pub mod page;
pub mod tools;
pub mod upload;
pub mod upload_list;
pub mod upload_state;
pub mod viewer;

/// The simulator area's routes, except the upload: it has its own body
/// limit, so `web::router` merges [`upload::router`] after the default one.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(viewer::router())
        .merge(lab::router())
        .merge(tools::router())
}
