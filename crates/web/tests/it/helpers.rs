//! One-line scenarios: `TestApp::spawn(Backend::Sqlite)` gives a running server with a super
//! admin and an API key; helpers create organizations and members.

use portico_domain::Timestamp;
use portico_services::{ManualClock, ServiceConfig, Services, Store};
use portico_store::SqlStore;
use portico_web::WebConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

pub const ADMIN_PASSWORD: &str = "correct horse battery staple lamp";

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub services: Services,
    pub store: Arc<SqlStore>,
    pub clock: Arc<ManualClock>,
    pub admin_key: String,
    pub http: reqwest::Client,
    /// The database's URL, for a second server on the same database.
    pub db_url: String,
    /// The email delivery worker, when started with [`TestApp::spawn_with_smtp`].
    pub mail: Option<MailWorker>,
    _dir: Option<tempfile::TempDir>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Runs a test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite)
                    .await
                    .expect("sqlite app");
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) =
                    $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await
                else {
                    return;
                };
                ($body)(app).await;
            }
        }
    };
}

/// Each PostgreSQL test makes its own database and leaves it (tests may fail half-way). Once
/// per test process, the ones older than an hour, left by earlier runs (no test lasts that
/// long), are dropped, so a developer's own cluster does not fill up: a full run leaves about
/// 180 of them. Best effort: without the rights to see their age, nothing is dropped.
async fn sweep_old_databases(admin_url: &str) {
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            let Ok(pool) = sqlx::PgPool::connect(admin_url).await else {
                return;
            };
            let old: Vec<String> = sqlx::query_scalar(
                "SELECT datname::text FROM pg_database WHERE datname LIKE 'portico\\_t\\_%' \
                 AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification \
                 < now() - interval '1 hour'",
            )
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
            for name in old {
                let drop = format!("DROP DATABASE IF EXISTS \"{name}\"");
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                    .execute(&pool)
                    .await;
            }
            pool.close().await;
        })
        .await;
}

async fn open_store(backend: Backend) -> Option<(SqlStore, Option<tempfile::TempDir>, String)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = SqlStore::open_sqlite_dir(dir.path())
                .await
                .expect("open sqlite");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("portico.db").display()
            );
            Some((store, Some(dir), url))
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("PORTICO_TEST_POSTGRES_URL") else {
                if std::env::var("PORTICO_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                    panic!(
                        "PORTICO_TEST_REQUIRE_POSTGRES=1 but PORTICO_TEST_POSTGRES_URL is not set"
                    );
                }
                eprintln!("skipping the PostgreSQL run: PORTICO_TEST_POSTGRES_URL is not set");
                return None;
            };
            sweep_old_databases(&admin_url).await;
            let name = format!("portico_t_{}", ulid::Ulid::new().to_string().to_lowercase());
            let admin = SqlStore::connect(&admin_url, 1)
                .await
                .expect("connect admin");
            admin
                .execute_raw(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            admin.close().await;
            let (prefix, _) = admin_url.rsplit_once('/').expect("url with a database");
            let url = format!("{prefix}/{name}");
            let store = SqlStore::connect(&url, 10)
                .await
                .expect("connect test database");
            Some((store, None, url))
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, WebConfig::default()).await
    }

    pub async fn spawn_with(backend: Backend, web: WebConfig) -> Option<TestApp> {
        Self::spawn_configured(backend, web, ServiceConfig::default()).await
    }

    /// A server whose email goes to the SMTP server at `smtp_url` (e.g. a
    /// [`crate::smtp::SmtpServer`]), through the real lettre transport, with the delivery
    /// worker running (`app.mail`).
    pub async fn spawn_with_smtp(backend: Backend, smtp_url: &str) -> Option<TestApp> {
        let config = ServiceConfig {
            email_delivery: true,
            ..ServiceConfig::default()
        };
        let mut app = Self::spawn_configured(backend, WebConfig::default(), config).await?;
        app.mail = Some(MailWorker::start(&app.services, smtp_url));
        Some(app)
    }

    pub async fn spawn_configured(
        backend: Backend,
        web: WebConfig,
        config: ServiceConfig,
    ) -> Option<TestApp> {
        let (store, dir, db_url) = open_store(backend).await?;
        store.migrate().await.expect("migrate");
        let store = Arc::new(store);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let clock = Arc::new(ManualClock::new(Timestamp(now)));
        let services = Services::new(store.clone() as Arc<dyn Store>, clock.clone(), config);
        let init = services
            .init_super_admin("admin", "admin@example.com", Some(ADMIN_PASSWORD), "basic")
            .await
            .expect("init");
        let bo = services
            .back_office(services.cli_principal().await.unwrap())
            .await
            .unwrap();
        let key = services
            .create_api_key(
                &bo,
                portico_services::api_keys::KeyInput {
                    name: "tests".into(),
                    owner: Some(init.user.id),
                    ..Default::default()
                },
            )
            .await
            .expect("key");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let svc = services.clone();
        tokio::spawn(async move {
            portico_web::serve(listener, svc, web, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Some(TestApp {
            base: format!("http://{addr}"),
            services,
            store,
            clock,
            admin_key: key.token,
            db_url,
            mail: None,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _dir: dir,
            _shutdown: tx,
        })
    }

    /// A second server (its own services, cache and connection pool) on the same database:
    /// what another `portico serve` process is. Shares the clock.
    pub async fn second_server(&self) -> TestApp {
        self.second_server_with(ServiceConfig::default()).await
    }

    /// A second server on the same database with other settings (a stricter policy, …).
    pub async fn second_server_with(&self, config: ServiceConfig) -> TestApp {
        let store = Arc::new(
            SqlStore::connect(&self.db_url, 4)
                .await
                .expect("second pool"),
        );
        let services = Services::new(store.clone() as Arc<dyn Store>, self.clock.clone(), config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let svc = services.clone();
        tokio::spawn(async move {
            portico_web::serve(listener, svc, WebConfig::default(), async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestApp {
            base: format!("http://{addr}"),
            services,
            store,
            clock: self.clock.clone(),
            admin_key: self.admin_key.clone(),
            http: self.http.clone(),
            db_url: self.db_url.clone(),
            mail: None,
            _dir: None,
            _shutdown: tx,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request as the super admin's API key.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.api_as(&self.admin_key, method, path, body).await
    }

    pub async fn api_as(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self.http.request(method, self.url(path)).bearer_auth(key);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let res = rb.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> Value {
        let (s, v) = self.api(Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
        v
    }

    /// Creates an organization, optionally under a parent slug; returns its JSON.
    pub async fn org(&self, name: &str, parent: Option<&Value>) -> Value {
        let mut body = json!({ "name": name });
        if let Some(p) = parent {
            body["parent_id"] = p["id"].clone();
        }
        let (s, v) = self
            .api(Method::POST, "/api/v1/organizations", Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "create org {name}: {v}");
        v
    }

    /// Adds a member by email; returns (status, body).
    pub async fn add_member(
        &self,
        org: &Value,
        email: &str,
        first: &str,
        last: &str,
    ) -> (StatusCode, Value) {
        self.api(
            Method::POST,
            &format!(
                "/api/v1/organizations/{}/members",
                org["id"].as_str().unwrap()
            ),
            Some(json!({ "email": email, "first_name": first, "last_name": last })),
        )
        .await
    }

    /// A platform administrator with a password and an API key of their own.
    pub async fn platform_admin(&self, username: &str) -> (Value, String) {
        let bo = self
            .services
            .back_office(self.services.cli_principal().await.unwrap())
            .await
            .unwrap();
        let u = self
            .services
            .create_platform_user(
                &bo,
                username,
                &format!("{username}@example.com"),
                ADMIN_PASSWORD,
                Some("basic.admin"),
            )
            .await
            .expect("platform admin");
        let k = self
            .services
            .create_api_key(
                &bo,
                portico_services::api_keys::KeyInput {
                    name: "k".into(),
                    owner: Some(u.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        (serde_json::to_value(&u).unwrap(), k.token)
    }

    /// The id of the role with this key (`lms.organization_administrator`, …).
    pub async fn role_id(&self, key: &str) -> String {
        let roles = self.get("/api/v1/roles").await;
        roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("no role {key}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Imports a preset's roles (as the super admin).
    pub async fn import_preset(&self, preset: &str) {
        let (s, v) = self
            .api(
                Method::POST,
                "/api/v1/roles/import",
                Some(json!({ "preset": preset })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "import {preset}: {v}");
    }

    /// A members CSV for the import endpoint of the organization `org_id`, with `key`: the
    /// request, for the caller to add a query or headers to and send.
    pub fn import_request(&self, key: &str, org_id: &str, csv: &str) -> reqwest::RequestBuilder {
        self.http
            .post(self.url(&format!("/api/v1/organizations/{org_id}/members/import")))
            .bearer_auth(key)
            .header("content-type", "text/csv")
            .body(csv.to_string())
    }

    /// `GET path` with `key` and `Accept: text/csv`: the status and the body.
    pub async fn csv_as(&self, key: &str, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(key)
            .header(reqwest::header::ACCEPT, "text/csv")
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// `DELETE path` as the super admin, which must succeed.
    pub async fn delete_ok(&self, path: &str) {
        let (s, v) = self.api(Method::DELETE, path, None).await;
        assert!(s.is_success(), "DELETE {path}: {s} {v}");
    }

    /// U9: an IP allowlist of `*` (no restriction), which a role or grant needs first.
    pub async fn allow_all(&self, user: &Value) {
        let (s, v) = self
            .api(
                Method::PUT,
                &format!(
                    "/api/v1/users/{}/ip-allowlist",
                    user["id"].as_str().unwrap()
                ),
                Some(json!({ "ip_allowlist": "*" })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }

    /// Assigns a role (by key) at `scope` (`None` = the platform), as the super admin.
    pub async fn assign(&self, user: &Value, role_key: &str, scope: Option<&Value>) -> Value {
        let role = self.role_id(role_key).await;
        let mut body = json!({ "role_id": role });
        if let Some(o) = scope {
            body["scope"] = o["id"].clone();
        }
        let (s, v) = self
            .api(
                Method::POST,
                &format!(
                    "/api/v1/users/{}/role-assignments",
                    user["id"].as_str().unwrap()
                ),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "assign {role_key}: {v}");
        v
    }

    /// A back-office person with a role at a scope and an API key of their own: a member
    /// internal to `home` (made active, allowlist `*`) or, without a home, platform staff.
    pub async fn staff(
        &self,
        username: &str,
        role_key: &str,
        home: Option<&Value>,
        scope: Option<&Value>,
    ) -> (Value, String) {
        let user = match home {
            Some(org) => {
                let (s, v) = self
                    .add_member(org, &format!("{username}@example.com"), username, "Staff")
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{v}");
                self.activate(&v["user"]).await;
                v["user"].clone()
            }
            None => {
                let bo = self
                    .services
                    .back_office(self.services.cli_principal().await.unwrap())
                    .await
                    .unwrap();
                let u = self
                    .services
                    .create_platform_user(
                        &bo,
                        username,
                        &format!("{username}@example.com"),
                        ADMIN_PASSWORD,
                        None,
                    )
                    .await
                    .expect("platform user");
                serde_json::to_value(&u).unwrap()
            }
        };
        self.allow_all(&user).await;
        self.assign(&user, role_key, scope).await;
        let id = user["id"].as_str().unwrap();
        let bo = self
            .services
            .back_office(self.services.cli_principal().await.unwrap())
            .await
            .unwrap();
        let k = self
            .services
            .create_api_key(
                &bo,
                portico_services::api_keys::KeyInput {
                    name: "k".into(),
                    owner: Some(id.parse().unwrap()),
                    ..Default::default()
                },
            )
            .await
            .expect("key");
        (user, k.token)
    }

    /// Makes an invited member active with the test password (the welcome email comes with
    /// issue 4).
    pub async fn activate(&self, user: &Value) {
        let hash = self.services.hash_password(ADMIN_PASSWORD).await.unwrap();
        self.sql(&format!(
            "UPDATE users SET status = 'active', password_hash = '{hash}' WHERE id = '{}'",
            user["id"].as_str().unwrap()
        ))
        .await;
    }

    /// The newest audit sequence number: unchanged means nothing was written.
    pub async fn audit_seq(&self) -> i64 {
        let v = self.get("/api/v1/audit-events?limit=1").await;
        v["items"][0]["seq"].as_i64().unwrap_or(0)
    }

    /// Logs in through the API with a cookie-keeping client; returns it and the CSRF token.
    pub async fn login(&self, login: &str, password: &str) -> (reqwest::Client, String) {
        let c = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let r = c
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        (c, v["csrf_token"].as_str().unwrap().to_string())
    }

    /// Runs SQL directly against the database (tampering tests).
    pub async fn sql(&self, sql: &str) {
        self.store.execute_raw(sql).await.expect("raw sql");
    }
}

/// A running email delivery worker (`Services::run_email_worker` with the real SMTP mailer);
/// polls every 50 ms so that retries made due by moving the clock go out promptly.
pub struct MailWorker {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl MailWorker {
    pub fn start(services: &Services, smtp_url: &str) -> Self {
        Self::start_with(services, smtp_url, Default::default())
    }

    /// As [`MailWorker::start`] with other delivery options (the poll interval stays 50 ms).
    pub fn start_with(
        services: &Services,
        smtp_url: &str,
        opts: portico_services::email::DeliveryOptions,
    ) -> Self {
        let mailer = portico_mail::SmtpMailer::new(
            smtp_url,
            &services.config().email_from,
            std::time::Duration::from_secs(10),
        )
        .expect("SMTP mailer");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let opts = portico_services::email::DeliveryOptions {
            poll_interval: std::time::Duration::from_millis(50),
            ..opts
        };
        let svc = services.clone();
        let task = tokio::spawn(async move {
            svc.run_email_worker(Arc::new(mailer), opts, async {
                let _ = stopped.await;
            })
            .await;
        });
        Self {
            stop: Some(stop),
            task,
        }
    }

    /// Stops between messages, as `portico serve` does on shutdown.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Kills the worker wherever it is (a process that dies mid-delivery).
    pub async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}
