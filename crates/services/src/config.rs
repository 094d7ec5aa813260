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
        }
    }
}
