//! Integration tests: the real server on port 0 with a fresh database, on SQLite and on
//! PostgreSQL (when `PORTICO_TEST_POSTGRES_URL` is set; required when
//! `PORTICO_TEST_REQUIRE_POSTGRES=1`, as in CI).

mod helpers;

mod access_filters;
mod access_isolation;
mod access_model;
mod access_reach;
mod access_rules;
mod access_sessions;
mod api_auth;
mod api_keys_scope;
mod api_orgs;
mod api_users;
mod applications;
mod audit;
mod audit_export;
mod browser;
mod browser_access;
mod browser_catalog;
mod browser_import;
mod calendar;
mod catalog;
mod console_access;
mod console_api_keys;
mod console_catalog;
mod console_catalog_courses;
mod console_credentials;
mod console_forms;
mod console_import_progress;
mod console_relations;
mod credentials;
mod email;
mod enrollments;
mod import;
mod license_warnings;
mod licenses;
mod projects;
mod reports;
mod reports_pages;
mod security_policy;
mod smtp;
mod super_admin_privacy;
mod templates;
mod templates_console;
mod templates_etag;
mod totp_lockout;
mod user_language;
mod welcome;
