use portico_domain::ValidationError;

/// What the storage layer can report. A database failure is never "not found".
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; names the constraint.
    #[error("unique constraint {0} violated")]
    Unique(String),
    /// The row the operation works on does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An optimistic-concurrency check failed (If-Match).
    #[error("stale version")]
    Stale,
    /// The write conflicts with the current state (a role still assigned, …).
    #[error("{message}")]
    Conflict { kind: &'static str, message: String },
    /// A rule checked inside the transaction refused the write.
    #[error(transparent)]
    Rule(#[from] ValidationError),
    /// L1–L3: a seat limit refused the write (`seat-limit-reached`) or a limit was set below
    /// what is in use (`limit-below-usage`).
    #[error("{message}")]
    Limit {
        kind: &'static str,
        message: String,
        limit: i64,
        used: i64,
    },
    /// Anything else from the database: logged, never shown.
    #[error("database error: {0}")]
    Backend(String),
}

/// The domain-level error every use case returns. No HTTP here: the web crate maps it once.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { kind: &'static str, message: String },
    #[error("authentication required")]
    Unauthenticated,
    /// Login refused: the same for an unknown user, a wrong password and a locked account.
    #[error("invalid username or password")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    /// U9: the request comes from an address outside the user's (or key's) IP allowlist.
    #[error("access from this address is not allowed for this account")]
    AddressNotAllowed,
    /// U8: the password was right and the account has a second factor: send the code with
    /// this challenge (single use, short-lived).
    #[error("a second-factor code is required")]
    MfaRequired { challenge: String },
    /// S6: the security policy requires a second factor for back-office users, and this one
    /// has none yet; only setting it up is allowed.
    #[error("set up a second factor before using the back office")]
    MfaEnrollmentRequired,
    #[error("the resource was changed by someone else; reload and try again")]
    PreconditionFailed,
    #[error("internal error")]
    Internal(String),
    /// L1–L3: a seat limit; the problem carries `limit` and `used`.
    #[error("{message}")]
    Limit {
        kind: &'static str,
        message: String,
        limit: i64,
        used: i64,
    },
    /// C2, C5: a template that does not compile, uses an undeclared variable or a tag the
    /// sandbox does not allow, or fails with its sample values.
    #[error("{0}")]
    Template(crate::templates::TemplateError),
    /// C1: an upload larger than `catalog_max_upload_bytes`.
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// A bulk import refused: every bad row with its line and field; nothing was written.
    #[error("{} rows of the file have errors: nothing was imported", .0.len())]
    ImportRows(Vec<crate::import::csv_rows::RowError>),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(c) => {
                let (kind, message) = describe_unique(&c);
                ServiceError::Conflict { kind, message }
            }
            StoreError::NotFound(what) => ServiceError::NotFound(what),
            StoreError::Stale => ServiceError::PreconditionFailed,
            StoreError::Conflict { kind, message } => ServiceError::Conflict { kind, message },
            StoreError::Rule(v) => ServiceError::Invalid(v),
            StoreError::Limit {
                kind,
                message,
                limit,
                used,
            } => ServiceError::Limit {
                kind,
                message,
                limit,
                used,
            },
            StoreError::Backend(m) => ServiceError::Internal(m),
        }
    }
}

fn describe_unique(constraint: &str) -> (&'static str, String) {
    let c = constraint.to_ascii_lowercase();
    if c.contains("catalog_email_templates") {
        (
            "email-template-exists",
            "an email template with this key and language already exists".into(),
        )
    } else if c.contains("applications_slug") {
        (
            "app-slug-taken",
            "an application with this slug already exists".into(),
        )
    } else if c.contains("applications_one_default") {
        (
            "default-app-exists",
            "another application is the default already".into(),
        )
    } else if c.contains("organization_applications") {
        (
            "app-already-assigned",
            "this application is already assigned to the organization".into(),
        )
    } else if c.contains("application_permissions") {
        (
            "permission-exists",
            "this permission is registered already".into(),
        )
    } else if c.contains("slug") {
        (
            "slug-taken",
            "an organization with this slug already exists".into(),
        )
    } else if c.contains("email") {
        (
            "email-taken",
            "a user with this email already exists".into(),
        )
    } else if c.contains("username") {
        ("username-taken", "this username is taken".into())
    } else if c.contains("membership") {
        (
            "already-member",
            "this person is already a member of the organization".into(),
        )
    } else if c.contains("role_assignments") {
        (
            "already-assigned",
            "the user already holds this role at this scope".into(),
        )
    } else if c.contains("permission_overrides") {
        (
            "override-exists",
            "the user already has this grant or denial at this scope".into(),
        )
    } else if c.contains("roles_key") || c.contains("roles_name") {
        (
            "role-name-taken",
            "a role with this name already exists at this level".into(),
        )
    } else if c.contains("relationships") {
        (
            "relationship-exists",
            "this relationship already exists".into(),
        )
    } else if c.contains("super") {
        ("super-admin-exists", "a super admin already exists".into())
    } else {
        ("conflict", "this would duplicate an existing record".into())
    }
}

impl ServiceError {
    pub fn conflict(kind: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            kind,
            message: message.into(),
        }
    }
}
