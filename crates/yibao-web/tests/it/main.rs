//! Integration tests of the web crate: the real server on port 0 with a fresh database, on
//! SQLite and on PostgreSQL (the contract suite), driven over HTTP.

mod cases;
mod console;
mod contract;
mod counter;
mod coverage;
mod helpers;
