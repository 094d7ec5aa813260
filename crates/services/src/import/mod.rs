//! Bulk import of members from CSV: the same rules as one `add_member` (U3, A3, L1–L3, P6),
//! applied to a whole file, all or nothing.
//!
//! Everything is parsed and checked in memory first (with batched look-ups of the emails and
//! usernames already known), every bad row is reported with its line and field, and only a
//! clean file is written: by the store, in one transaction, with multi-row inserts, while a
//! thread of its own plans the rows (new ids, search documents, welcome links and emails)
//! chunk by chunk just ahead of it. New users get a welcome email with a set-password link
//! (no password hashing).

pub mod csv_rows;
pub mod export;
mod parallel;
mod plan;

use crate::Services;
use crate::access::guard::check_gain_to;
use crate::auth::OrgScope;
use crate::error::{ServiceError, StoreError};
use crate::records::*;
use async_trait::async_trait;
use csv_rows::{CsvMember, RowError};
use portico_domain::Username;
use portico_domain::access::Level;
use portico_domain::ids::{AppId, OrgId, RoleId, UserId};
use portico_domain::user::MembershipKind;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// How many rows a preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// A user already known by one of the file's emails.
#[derive(Debug, Clone)]
pub struct KnownUser {
    pub id: UserId,
    pub username: String,
    /// Already a member of the importing organization (a conflict, U3).
    pub member: bool,
    /// U9: has an IP allowlist (needed before a role).
    pub has_allowlist: bool,
}

/// What the store knows about the file's emails and usernames.
#[derive(Debug, Clone, Default)]
pub struct ImportLookup {
    /// By email comparison key.
    pub users: HashMap<String, KnownUser>,
    /// Username comparison keys already taken.
    pub taken_usernames: HashSet<String>,
}

/// One membership to write.
#[derive(Debug, Clone)]
pub struct ImportMember {
    pub user: UserId,
    pub kind: MembershipKind,
    pub applications: Vec<AppId>,
    pub assignment: Option<(AssignmentRecord, String)>,
}

/// Part of the rows to write, in file order: its memberships, and the new users among them
/// (with their welcome link and email) in the same order.
#[derive(Debug, Clone, Default)]
pub struct ImportChunk {
    pub new_users: Vec<(NewUser, WelcomeRows)>,
    pub members: Vec<ImportMember>,
}

/// A checked file, ready for one transaction.
pub struct ImportWrite {
    pub org: OrgId,
    /// The rows, chunk by chunk; the service plans them on a thread of their own while the
    /// store writes the earlier ones.
    pub chunks: Box<dyn Iterator<Item = ImportChunk> + Send>,
    /// How many memberships the chunks hold in all: the store refuses to commit fewer.
    pub rows: u64,
    /// Seats the import takes (checked again inside the transaction, L2).
    pub app_seats: i64,
    pub office_seats: i64,
    /// The import's own audit entry's changes.
    pub summary: serde_json::Value,
}

/// The store side of the import (`Store` extends it).
#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Batched look-ups: which emails and usernames are known.
    async fn import_lookup(
        &self,
        org: OrgId,
        email_keys: &[String],
        username_keys: &[String],
    ) -> Result<ImportLookup, StoreError>;
    /// Writes everything in one transaction, calling `progress` with the rows written so far.
    async fn import_members(
        &self,
        ctx: &AuditCtx,
        write: ImportWrite,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(), StoreError>;
}

/// One row as it would be (or was) imported.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewRow {
    pub line: u64,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    /// `create` (a new internal user) or `add_external` (a known email).
    pub outcome: &'static str,
    pub role: Option<String>,
    pub applications: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub organization: String,
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub added_external: usize,
    pub welcome_emails: usize,
    pub roles_assigned: usize,
    pub application_seats: i64,
    pub back_office_seats: i64,
    /// The first rows (at most [`PREVIEW_ROWS`]).
    pub preview: Vec<PreviewRow>,
}

/// A row after checking: the user it names and what to give them.
struct Planned {
    row: CsvMember,
    known: Option<UserId>,
    username: Username,
    apps: Vec<(AppId, String)>,
    role: Option<(RoleId, String)>,
}

impl Services {
    /// Checks a members CSV and, unless `dry_run`, imports it in one transaction. Any bad
    /// row refuses the whole file with `ServiceError::ImportRows`. `progress(done, total)`
    /// is called while writing (first with `done = 0`).
    pub async fn import_members(
        &self,
        scope: &OrgScope,
        csv: &[u8],
        dry_run: bool,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportReport, ServiceError> {
        scope.require("members.add")?;
        let (rows, mut errors) = csv_rows::parse(csv);
        if rows.iter().any(|r| r.applications.is_some()) {
            scope.require("applications.manage")?;
        }
        if rows.iter().any(|r| r.role.is_some()) {
            scope.require("role_assignments.manage")?;
        }
        let rows = self.check_rows(scope, rows, &mut errors).await?;
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(ServiceError::ImportRows(errors));
        }
        let app_seats = rows.iter().filter(|p| !p.apps.is_empty()).count() as i64;
        let office_seats = rows.iter().filter(|p| p.role.is_some()).count() as i64;
        let usage = self.store.licenses(scope.org_id(), self.now()).await?;
        for (need, seats, label) in [
            (app_seats, &usage.application, "application"),
            (office_seats, &usage.back_office, "back-office"),
        ] {
            if let Some(limit) = seats.limit
                && seats.used + need > limit
            {
                return Err(ServiceError::Limit {
                    kind: "seat-limit-reached",
                    message: format!(
                        "the import needs {need} {label} seats but only {} of {limit} are free in {}",
                        (limit - seats.used).max(0),
                        scope.org().name
                    ),
                    limit,
                    used: seats.used,
                });
            }
        }
        let mut report = ImportReport {
            organization: scope.org().slug.clone(),
            dry_run,
            rows: rows.len(),
            created: rows.iter().filter(|p| p.known.is_none()).count(),
            added_external: rows.iter().filter(|p| p.known.is_some()).count(),
            welcome_emails: 0,
            roles_assigned: office_seats as usize,
            application_seats: app_seats,
            back_office_seats: office_seats,
            preview: rows.iter().take(PREVIEW_ROWS).map(preview).collect(),
        };
        if dry_run {
            return Ok(report);
        }
        report.welcome_emails = report.created;
        let write = self.plan_write(scope, rows, &report);
        let total = write.rows;
        progress(0, total);
        self.store
            .import_members(&scope.actor().principal().audit_ctx(self), write, &|done| {
                progress(done, total)
            })
            .await?;
        if report.welcome_emails > 0 {
            self.email_queued();
        }
        Ok(report)
    }

    /// Resolves applications, roles, known emails and usernames; pushes every problem.
    async fn check_rows(
        &self,
        scope: &OrgScope,
        rows: Vec<CsvMember>,
        errors: &mut Vec<RowError>,
    ) -> Result<Vec<Planned>, ServiceError> {
        // Duplicates inside the file: both lines named.
        let mut emails: HashMap<String, u64> = HashMap::with_capacity(rows.len());
        let mut names: HashMap<String, u64> = HashMap::new();
        let mut dup = HashSet::new();
        for r in &rows {
            if let Some(first) = emails.insert(r.email.key().to_string(), r.line) {
                emails.insert(r.email.key().to_string(), first);
                errors.push(RowError::new(
                    r.line,
                    "email",
                    format!(
                        "{} appears twice in the file (lines {first} and {})",
                        r.email.as_str(),
                        r.line
                    ),
                ));
                dup.insert(r.line);
            }
            if let Some(u) = &r.username
                && let Some(first) = names.insert(u.key(), r.line)
            {
                names.insert(u.key(), first);
                errors.push(RowError::new(
                    r.line,
                    "username",
                    format!(
                        "{} appears twice in the file (lines {first} and {})",
                        u.as_str(),
                        r.line
                    ),
                ));
                dup.insert(r.line);
            }
        }
        // A3: only applications assigned to the organization.
        let assigned = self.store.org_apps(scope.org_id()).await?;
        let by_slug: HashMap<&str, &AppRecordRef> = assigned
            .iter()
            .map(|a| (a.app.slug.as_str(), &a.app))
            .collect();
        let auto: Vec<(AppId, String)> = assigned
            .iter()
            .filter(|a| a.app.auto_assigned)
            .map(|a| (a.app.id, a.app.slug.clone()))
            .collect();
        // Known emails and usernames, in batches.
        let email_keys: Vec<String> = emails.keys().cloned().collect();
        let mut username_keys: Vec<String> = names.keys().cloned().collect();
        username_keys.extend(
            rows.iter()
                .filter(|r| r.username.is_none())
                .map(|r| Username::suggest_from_email(&r.email).key()),
        );
        let mut lookup = self
            .store
            .import_lookup(scope.org_id(), &email_keys, &username_keys)
            .await?;
        let mut claimed: HashSet<String> = names.keys().cloned().collect();
        let mut roles: HashMap<String, Result<(RoleId, String), String>> = HashMap::new();
        let mut planned = Vec::with_capacity(rows.len());
        let mut needs_suffix = Vec::new();
        for row in rows {
            if dup.contains(&row.line) {
                continue;
            }
            let line = row.line;
            let mut ok = true;
            let apps = match &row.applications {
                None => auto.clone(),
                Some(list) => {
                    let mut out = Vec::new();
                    for slug in list {
                        match by_slug.get(slug.as_str()) {
                            Some(a) => out.push((a.id, a.slug.clone())),
                            None => {
                                ok = false;
                                errors.push(RowError::new(
                                    line,
                                    "applications",
                                    format!(
                                        "{slug} is not an application assigned to {}",
                                        scope.org().name
                                    ),
                                ));
                            }
                        }
                    }
                    out
                }
            };
            let known = lookup.users.get(row.email.key()).cloned();
            let role = match &row.role {
                None => None,
                Some(name) => {
                    let target = known.as_ref().map(|k| k.id);
                    let r = match target {
                        Some(t) => self.role_for_import(scope, name, t),
                        None => roles
                            .entry(name.to_ascii_lowercase())
                            .or_insert_with(|| {
                                self.role_for_import(scope, name, UserId::generate())
                            })
                            .clone(),
                    };
                    // U9: a back-office user needs an IP allowlist first, as for a single
                    // assignment (a known user's own; a new user's from the file).
                    let allowlisted = match &known {
                        Some(k) => k.has_allowlist,
                        None => row.ip_allowlist.is_some(),
                    };
                    match r {
                        Ok(_) if !allowlisted => {
                            ok = false;
                            errors.push(RowError::new(
                                line,
                                "ip_allowlist",
                                "a back-office user needs an IP allowlist: fill in ip_allowlist (`*` for no restriction)",
                            ));
                            None
                        }
                        Ok(r) => Some(r),
                        Err(m) => {
                            ok = false;
                            errors.push(RowError::new(line, "role", m));
                            None
                        }
                    }
                }
            };
            let username = match (&known, &row.username) {
                (Some(k), _) => {
                    if k.member {
                        ok = false;
                        errors.push(RowError::new(
                            line,
                            "email",
                            format!(
                                "{} is already a member of {}",
                                row.email.as_str(),
                                scope.org().name
                            ),
                        ));
                    }
                    Username::parse(&k.username)
                        .unwrap_or_else(|_| Username::suggest_from_email(&row.email))
                }
                (None, Some(u)) => {
                    if lookup.taken_usernames.contains(&u.key()) {
                        ok = false;
                        errors.push(RowError::new(
                            line,
                            "username",
                            format!("the username {} is taken", u.as_str()),
                        ));
                    }
                    u.clone()
                }
                (None, None) => {
                    let u = Username::suggest_from_email(&row.email);
                    if lookup.taken_usernames.contains(&u.key()) || !claimed.insert(u.key()) {
                        needs_suffix.push(planned.len());
                    }
                    u
                }
            };
            if ok {
                planned.push(Planned {
                    row,
                    known: known.map(|k| k.id),
                    username,
                    apps,
                    role,
                });
            } else if needs_suffix.last() == Some(&planned.len()) {
                needs_suffix.pop();
            }
        }
        // Suggested usernames already taken get the first free suffix, as a single add does.
        if !needs_suffix.is_empty() {
            let keys: Vec<String> = needs_suffix
                .iter()
                .flat_map(|&i| (1..=20).map(move |n| (i, n)))
                .map(|(i, n)| planned[i].username.with_suffix(n).key())
                .collect();
            let more = self.store.import_lookup(scope.org_id(), &[], &keys).await?;
            lookup.taken_usernames.extend(more.taken_usernames);
            for &i in &needs_suffix {
                let base = planned[i].username.clone();
                let free = (1..=20).map(|n| base.with_suffix(n)).find(|u| {
                    !lookup.taken_usernames.contains(&u.key()) && !claimed.contains(&u.key())
                });
                match free {
                    Some(u) => {
                        claimed.insert(u.key());
                        planned[i].username = u;
                    }
                    None => errors.push(RowError::new(
                        planned[i].row.line,
                        "username",
                        format!(
                            "{} and its suffixed forms are taken: give a username",
                            base.as_str()
                        ),
                    )),
                }
            }
        }
        Ok(planned)
    }

    /// P3 + P6: an organization-level role the caller may give here, or why not.
    fn role_for_import(
        &self,
        scope: &OrgScope,
        name: &str,
        target: UserId,
    ) -> Result<(RoleId, String), String> {
        let actor = scope.actor();
        let access = actor.access();
        let role = access
            .roles()
            .iter()
            .find(|r| r.key.eq_ignore_ascii_case(name) || r.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("no role named {name}"))?;
        if role.level != Level::Organization {
            return Err(format!(
                "{} is a {}-level role: only organization roles can be given by an import",
                role.name, role.level
            ));
        }
        check_gain_to(
            actor,
            target,
            scope.scope(),
            &access.role_set(role.id).unwrap_or_default(),
        )
        .map_err(|e| e.to_string())?;
        Ok((role.id, role.key.clone()))
    }
}

type AppRecordRef = crate::app_records::AppRecord;

fn preview(p: &Planned) -> PreviewRow {
    PreviewRow {
        line: p.row.line,
        email: p.row.email.as_str().to_string(),
        username: p.username.as_str().to_string(),
        first_name: p.row.first_name.as_str().to_string(),
        last_name: p.row.last_name.as_str().to_string(),
        outcome: if p.known.is_some() {
            "add_external"
        } else {
            "create"
        },
        role: p.role.as_ref().map(|(_, k)| k.clone()),
        applications: p.apps.iter().map(|(_, s)| s.clone()).collect(),
    }
}
