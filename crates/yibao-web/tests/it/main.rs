//! Integration tests of the web crate: the real server on port 0 with a fresh database, on
//! SQLite and on PostgreSQL (the contract suite), driven over HTTP.

/// Runs each named scenario `async fn(&TestApp)` of the calling module once on SQLite and once
/// on PostgreSQL (skipped with a notice when PostgreSQL is absent and not required).
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await.expect("sqlite always runs");
                    super::$scenario(&app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await else { return };
                    super::$scenario(&app).await;
                }
            )*
        }
    };
}

mod archives;
mod case_console;
mod cases;
mod console;
mod contract;
mod counter;
mod counter_console;
mod counter_plan;
mod coverage;
mod handoffs;
mod helpers;
