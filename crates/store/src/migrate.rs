//! Per-backend migration folders, embedded in the binary and applied in order, each in its
//! own transaction. PostgreSQL takes an advisory lock so that several `portico serve`
//! processes starting at once migrate once.

use crate::{Backend, SqlStore, db_err};
use portico_services::StoreError;
use sqlx::{Acquire, AssertSqlSafe, Row};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "users_status_index",
        sqlite: include_str!("../migrations/sqlite/0002_users_status_index.sql"),
        postgres: include_str!("../migrations/postgres/0002_users_status_index.sql"),
    },
    Migration {
        version: 3,
        name: "access_control",
        sqlite: include_str!("../migrations/sqlite/0003_access_control.sql"),
        postgres: include_str!("../migrations/postgres/0003_access_control.sql"),
    },
    Migration {
        version: 4,
        name: "projects",
        sqlite: include_str!("../migrations/sqlite/0004_projects.sql"),
        postgres: include_str!("../migrations/postgres/0004_projects.sql"),
    },
    Migration {
        version: 5,
        name: "applications_licenses",
        sqlite: include_str!("../migrations/sqlite/0005_applications_licenses.sql"),
        postgres: include_str!("../migrations/postgres/0005_applications_licenses.sql"),
    },
    Migration {
        version: 6,
        name: "email",
        sqlite: include_str!("../migrations/sqlite/0006_email.sql"),
        postgres: include_str!("../migrations/postgres/0006_email.sql"),
    },
    Migration {
        version: 7,
        name: "credentials",
        sqlite: include_str!("../migrations/sqlite/0007_credentials.sql"),
        postgres: include_str!("../migrations/postgres/0007_credentials.sql"),
    },
    Migration {
        version: 8,
        name: "catalog",
        sqlite: include_str!("../migrations/sqlite/0008_catalog.sql"),
        postgres: include_str!("../migrations/postgres/0008_catalog.sql"),
    },
    Migration {
        version: 9,
        name: "templates",
        sqlite: include_str!("../migrations/sqlite/0009_templates.sql"),
        postgres: include_str!("../migrations/postgres/0009_templates.sql"),
    },
    Migration {
        version: 10,
        name: "reports",
        sqlite: include_str!("../migrations/sqlite/0010_reports.sql"),
        postgres: include_str!("../migrations/postgres/0010_reports.sql"),
    },
    Migration {
        version: 12,
        name: "security_policy",
        sqlite: include_str!("../migrations/sqlite/0012_security_policy.sql"),
        postgres: include_str!("../migrations/postgres/0012_security_policy.sql"),
    },
    Migration {
        version: 13,
        name: "outbox_deferred",
        sqlite: include_str!("../migrations/sqlite/0013_outbox_deferred.sql"),
        postgres: include_str!("../migrations/postgres/0013_outbox_deferred.sql"),
    },
    Migration {
        version: 14,
        name: "license_warnings",
        sqlite: include_str!("../migrations/sqlite/0014_license_warnings.sql"),
        postgres: include_str!("../migrations/postgres/0014_license_warnings.sql"),
    },
    Migration {
        version: 15,
        name: "template_versions",
        sqlite: include_str!("../migrations/sqlite/0015_template_versions.sql"),
        postgres: include_str!("../migrations/postgres/0015_template_versions.sql"),
    },
    Migration {
        version: 16,
        name: "drop_redundant_membership_index",
        sqlite: include_str!("../migrations/sqlite/0016_drop_redundant_membership_index.sql"),
        postgres: include_str!("../migrations/postgres/0016_drop_redundant_membership_index.sql"),
    },
    Migration {
        version: 17,
        name: "login_events_user_seq",
        sqlite: include_str!("../migrations/sqlite/0017_login_events_user_seq.sql"),
        postgres: include_str!("../migrations/postgres/0017_login_events_user_seq.sql"),
    },
    Migration {
        version: 18,
        name: "project_schedule",
        sqlite: include_str!("../migrations/sqlite/0018_project_schedule.sql"),
        postgres: include_str!("../migrations/postgres/0018_project_schedule.sql"),
    },
    Migration {
        version: 19,
        name: "project_enrollment_count",
        sqlite: include_str!("../migrations/sqlite/0019_project_enrollment_count.sql"),
        postgres: include_str!("../migrations/postgres/0019_project_enrollment_count.sql"),
    },
    Migration {
        version: 20,
        name: "user_language",
        sqlite: include_str!("../migrations/sqlite/0020_user_language.sql"),
        postgres: include_str!("../migrations/postgres/0020_user_language.sql"),
    },
    Migration {
        version: 21,
        name: "search_index_deferral",
        sqlite: include_str!("../migrations/sqlite/0021_search_index_deferral.sql"),
        postgres: include_str!("../migrations/postgres/0021_search_index_deferral.sql"),
    },
];

pub(crate) async fn run(store: &SqlStore) -> Result<Vec<String>, StoreError> {
    let mut conn = store.conn().await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        let mut tx = match store.backend {
            Backend::Sqlite => sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE")
                .await
                .map_err(db_err)?,
            Backend::Postgres => {
                let mut tx = conn.begin().await.map_err(db_err)?;
                sqlx::raw_sql("SELECT pg_advisory_xact_lock(7402711)")
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                tx
            }
        };
        let done: i64 = sqlx::query(AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM schema_migrations WHERE version = {}",
            m.version
        )))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?
        .try_get("n")
        .map_err(db_err)?;
        if done > 0 {
            tx.rollback().await.map_err(db_err)?;
            continue;
        }
        let sql = match store.backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Backend(format!("migration {} {}: {e}", m.version, m.name)))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        sqlx::raw_sql(AssertSqlSafe(format!(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ({}, '{}', {now})",
            m.version, m.name
        )))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        applied.push(format!("{:04}_{}", m.version, m.name));
    }
    Ok(applied)
}
