//! The SQLite file itself: a new database's page size, and an old one left as it was.

use crate::helpers::raw_pool;
use portico_store::{PAGE_SIZE, SqlStore};
use sqlx::Row;

async fn pragma(pool: &sqlx::AnyPool, name: &str) -> String {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT CAST({name} AS TEXT) AS v FROM pragma_{name}"
    )))
    .fetch_one(pool)
    .await
    .expect(name);
    row.get::<String, _>("v")
}

#[tokio::test]
async fn a_new_database_gets_larger_pages_and_wal() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_sqlite_dir(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let url = format!("sqlite://{}", dir.path().join("portico.db").display());
    let raw = raw_pool(&url).await;
    assert_eq!(pragma(&raw, "page_size").await, PAGE_SIZE.to_string());
    assert_ne!(
        PAGE_SIZE, 4096,
        "SQLite's default would make this test vacuous"
    );
    assert_eq!(pragma(&raw, "journal_mode").await, "wal");
}

#[tokio::test]
async fn an_existing_database_keeps_its_page_size() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("portico.db").display()
    );
    {
        // A database made before Portico chose its page size: SQLite's default, 4 KiB.
        let old = raw_pool(&url).await;
        sqlx::raw_sql("PRAGMA page_size = 4096; CREATE TABLE before_portico (x INTEGER)")
            .execute(&old)
            .await
            .unwrap();
        old.close().await;
    }
    let store = SqlStore::open_sqlite_dir(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let raw = raw_pool(&url).await;
    assert_eq!(pragma(&raw, "page_size").await, "4096");
    let tables: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM sqlite_schema WHERE name IN ('before_portico', 'users')",
    )
    .fetch_one(&raw)
    .await
    .unwrap()
    .get("n");
    assert_eq!(tables, 2, "the old table is kept and the migrations ran");
}
