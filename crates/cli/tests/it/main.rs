//! The `portico` binary, run for real against a fresh data directory per test.

mod access;
mod admin;
mod apps;
mod audit;
mod demo;
mod email;
mod helpers;
mod import;
mod orgs_users;
mod postgres;
mod report;
mod serve;
mod two_servers;
