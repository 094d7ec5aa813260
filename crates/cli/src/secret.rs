//! Secrets in configuration. A database URL carries a password: it is shown (by `Debug`,
//! `Display`, logs and `portico config`) only with the password replaced.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: String) -> Self {
        Self(url.trim().to_string())
    }

    /// The real URL, for connecting. Never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// The URL with the password of its user part and any `password=` parameter replaced.
    pub fn redacted(&self) -> String {
        let url = &self.0;
        let mut out = match url.find("://") {
            None => url.clone(),
            Some(i) => {
                let (scheme, rest) = url.split_at(i + 3);
                let end = rest.find(['/', '?']).unwrap_or(rest.len());
                let (authority, tail) = rest.split_at(end);
                match authority.rsplit_once('@') {
                    Some((userinfo, host)) => {
                        let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                        let masked = if userinfo.contains(':') {
                            format!("{user}:***")
                        } else {
                            user.to_string()
                        };
                        format!("{scheme}{masked}@{host}{tail}")
                    }
                    None => url.clone(),
                }
            }
        };
        if let Some(q) = out.find('?') {
            let (head, query) = out.split_at(q + 1);
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            out = format!("{head}{}", query.join("&"));
        }
        out
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Another URL with a password in it (the SMTP server's), redacted the same way.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(DatabaseUrl);

impl SecretUrl {
    pub fn new(url: String) -> Self {
        Self(DatabaseUrl::new(url))
    }

    /// The real URL, for connecting. Never print it.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({:?})", self.0.redacted())
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let u = DatabaseUrl::new(
            "postgres://portico:s3cr%40t@db.internal:5432/portico?sslmode=require".into(),
        );
        assert_eq!(
            u.redacted(),
            "postgres://portico:***@db.internal:5432/portico?sslmode=require"
        );
        assert!(!format!("{u:?}").contains("s3cr"));
        assert!(!format!("{u}").contains("s3cr"));
        let q = DatabaseUrl::new("postgres://db/portico?user=p&password=hunter2hunter2".into());
        assert_eq!(q.redacted(), "postgres://db/portico?user=p&password=***");
        let plain = DatabaseUrl::new("postgres://portico@localhost/portico".into());
        assert_eq!(plain.redacted(), "postgres://portico@localhost/portico");
        let at_in_password = DatabaseUrl::new("postgres://u:p@ss@h/db".into());
        assert_eq!(at_in_password.redacted(), "postgres://u:***@h/db");
        assert!(u.is_postgres());
        assert!(!DatabaseUrl::new("sqlite:/tmp/x.db".into()).is_postgres());
    }
}
