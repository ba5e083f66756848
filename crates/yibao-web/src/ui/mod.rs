//! The server-rendered console (Chinese): network tree with an SVG map, station pages with
//! their delegation, the catalog with its guides, and the residents' "哪里能办" page.

use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
