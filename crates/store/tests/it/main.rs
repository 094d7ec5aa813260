//! The store's access-control layer on SQLite and, with `PORTICO_TEST_POSTGRES_URL`, on
//! PostgreSQL: every scenario runs on both.

mod helpers;

mod access;
mod credentials;
mod grants;
mod import;
mod projects;
mod reach;
mod sqlite_file;
mod users;
