use portico_domain::password::PasswordPolicy;

/// The rules that operators tune. Built by the binary from flags, environment and file.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub password_policy: PasswordPolicy,
    /// Absolute session lifetime.
    pub session_lifetime_secs: i64,
    /// A session unused this long ends.
    pub session_idle_secs: i64,
    /// Failed logins per account within the window before the account is locked out.
    pub login_max_failures_per_account: i64,
    /// Failed logins per client address within the window before the address is refused.
    pub login_max_failures_per_ip: i64,
    pub login_window_secs: i64,
    /// Argon2id cost: memory in KiB, iterations, lanes.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// P9: the longest an impersonation may last.
    pub impersonation_max_minutes: i64,
    /// The console's base URL, for links in emails (`https://portico.example.com`).
    pub public_url: String,
    /// The language of an email when the recipient's has no template.
    pub default_language: String,
    /// The `From` header of every email.
    pub email_from: String,
    /// The platform's name in emails.
    pub platform_name: String,
    /// An SMTP server is configured: new messages are `queued` for delivery instead of
    /// `held` in the outbox.
    pub email_delivery: bool,
    /// U8: how long a welcome (set-password) link works.
    pub welcome_link_hours: i64,
    /// U8: how long a password-reset link works.
    pub reset_link_hours: i64,
    /// S6: back-office users must set up a second factor before using the back office.
    pub mfa_required_for_back_office: bool,
    /// C1: the largest product file accepted, in bytes.
    pub catalog_max_upload_bytes: u64,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            password_policy: PasswordPolicy::default(),
            session_lifetime_secs: 12 * 3600,
            session_idle_secs: 30 * 60,
            login_max_failures_per_account: 5,
            login_max_failures_per_ip: 100,
            login_window_secs: 15 * 60,
            // OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane.
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            impersonation_max_minutes: 30,
            public_url: "http://127.0.0.1:8080".into(),
            default_language: "en".into(),
            email_from: "Portico <portico@localhost>".into(),
            platform_name: "Portico".into(),
            email_delivery: false,
            welcome_link_hours: 72,
            reset_link_hours: 2,
            mfa_required_for_back_office: false,
            catalog_max_upload_bytes: 10 * 1024 * 1024,
        }
    }
}
