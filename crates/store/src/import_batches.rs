//! The bulk import's statements: built chunk by chunk on a blocking thread while the import's
//! transaction runs the ones before (`import.rs`), with the same rows a single `add_member`
//! writes and one audit entry per row, chained in memory (`audit::Chain`); a plain value that
//! every row of a statement shares is a constant in its SQL instead of a parameter bound on
//! every row (`multi_insert`).

use crate::audit::{ALL_COLUMNS, Chain};
use crate::multi_insert::{CHUNK, multi_insert};
use crate::schema::{
    ASSIGNMENT_COLUMNS, AuditEvents as A, CredentialTokens as T, MembershipApplications as MA,
    Memberships as M, RoleAssignments as RA, Users as U,
};
use crate::users::{INSERT_USER_COLUMNS, user_values};
use crate::{Backend, rows::R};
use portico_domain::ids::OrgId;
use portico_domain::user::MembershipKind;
use portico_services::StoreError;
use portico_services::import::{ImportMember, ImportWrite};
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Query};
use sea_query_sqlx::SqlxValues;
use serde_json::json;
use sqlx::IntoArguments;
use sqlx::any::AnyArguments;

/// Renders one of the import's INSERTs. On SQLite as `INSERT OR FAIL`: a violated constraint
/// stops the statement where it is instead of undoing that statement alone, so SQLite keeps no
/// statement journal (it would otherwise copy every page a multi-row INSERT touches). The
/// import is all or nothing anyway: the error ends it and the whole transaction is rolled back.
/// (Not `OR ROLLBACK`: SQLite would end the transaction under sqlx's feet.)
pub(crate) fn insert<S: sea_query_sqlx::SqlxBinder>(
    backend: Backend,
    q: &S,
) -> (String, SqlxValues) {
    let (sql, values) = backend.build(q);
    match backend {
        Backend::Sqlite => (
            sql.replacen("INSERT INTO", "INSERT OR FAIL INTO", 1),
            values,
        ),
        Backend::Postgres => (sql, values),
    }
}

/// One chunk's statements, and how many rows are written once they have run.
struct Batch {
    statements: Vec<(String, SqlxValues)>,
    done: u64,
}

impl Batch {
    /// Binds the values here, on the building thread, so the writer only sends them.
    fn bind(self) -> (Vec<(String, AnyArguments)>, u64) {
        let statements = self
            .statements
            .into_iter()
            .map(|(sql, values)| (sql, IntoArguments::<sqlx::Any>::into_arguments(values)))
            .collect();
        (statements, self.done)
    }
}

/// Builds every statement of the import, chunk by chunk, and hands them to the writer. New
/// users get one `user.create` entry (their membership and applications in its changes, their
/// personal data in its erasable payload); known users one `member.add`; roles one
/// `assignment.add` each; the import one `member.import`.
pub(crate) fn build_batches(
    backend: Backend,
    ctx: &AuditCtx,
    w: ImportWrite,
    mut chain: Chain,
    send: &tokio::sync::mpsc::Sender<(Vec<(String, AnyArguments)>, u64)>,
) -> R<Chain> {
    let org = w.org;
    let mut done = 0u64;
    let mut access_bumped = false;
    for planned in w.chunks {
        let mut new_users = planned.new_users.iter();
        for chunk in planned.members.chunks(CHUNK) {
            let statements = chunk_statements(
                backend,
                ctx,
                org,
                chunk,
                &mut new_users,
                &mut chain,
                &mut access_bumped,
            )?;
            done += chunk.len() as u64;
            if send
                .blocking_send(Batch { statements, done }.bind())
                .is_err()
            {
                // The writer stopped (its error is the one reported); nothing more to build.
                return Ok(chain);
            }
        }
    }
    if done != w.rows {
        // The planning thread ended early (it panicked): nothing may be committed.
        return Err(StoreError::Backend(format!(
            "import: {done} of {} rows were planned",
            w.rows
        )));
    }
    let summary = AuditDraft::new("member.import")
        .target("organization", org)
        .org(org)
        .changes(w.summary.clone());
    let statements = chain
        .append(ctx, &[summary])
        .into_iter()
        .map(|rows| insert(backend, &multi_insert(A::Table, ALL_COLUMNS, rows)))
        .collect();
    let _ = send.blocking_send(Batch { statements, done }.bind());
    Ok(chain)
}

/// The statements of one chunk of at most [`CHUNK`] memberships, taking its new users from
/// `new_users` (in the same order) and chaining its audit entries.
fn chunk_statements<'a>(
    backend: Backend,
    ctx: &AuditCtx,
    org: OrgId,
    chunk: &[ImportMember],
    new_users: &mut impl Iterator<Item = &'a (NewUser, WelcomeRows)>,
    chain: &mut Chain,
    access_bumped: &mut bool,
) -> R<Vec<(String, SqlxValues)>> {
    let org_s = org.to_string();
    let at = ctx.at.millis();
    let mut statements = Vec::with_capacity(8);
    let created: Vec<_> = new_users
        .take(
            chunk
                .iter()
                .filter(|m| m.kind == MembershipKind::Internal)
                .count(),
        )
        .collect();
    if !created.is_empty() {
        let rows = created
            .iter()
            .map(|(u, _)| user_values(u, Some(org), ctx.at))
            .collect();
        let q = multi_insert(U::Table, INSERT_USER_COLUMNS, rows);
        statements.push(insert(backend, &q));
        let rows = created
            .iter()
            .map(|(_, wl)| {
                let t = &wl.token;
                vec![
                    t.token_hash.clone().into(),
                    t.user_id.to_string().into(),
                    t.purpose.as_str().into(),
                    t.created_at.millis().into(),
                    t.expires_at.millis().into(),
                ]
            })
            .collect();
        let columns = [
            T::TokenHash,
            T::UserId,
            T::Purpose,
            T::CreatedAt,
            T::ExpiresAt,
        ];
        statements.push(insert(backend, &multi_insert(T::Table, columns, rows)));
        let rows = created
            .iter()
            .map(|(_, wl)| crate::outbox::insert_values(&wl.email).to_vec())
            .collect();
        let q = multi_insert(
            crate::outbox::EmailOutbox::Table,
            crate::outbox::COLUMNS[1..].iter().copied(),
            rows,
        );
        statements.push(insert(backend, &q));
    }
    // Memberships, with each user's sequence number read by the statement itself.
    for kind in [MembershipKind::Internal, MembershipKind::External] {
        let ids: Vec<String> = chunk
            .iter()
            .filter(|m| m.kind == kind)
            .map(|m| m.user.to_string())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let q = Query::insert()
            .into_table(M::Table)
            .columns([M::OrgId, M::UserId, M::UserSeq, M::Kind, M::CreatedAt])
            .select_from(
                Query::select()
                    .expr(Expr::val(org_s.clone()))
                    .columns([U::Id, U::Seq])
                    .expr(Expr::val(kind.as_str()))
                    .expr(Expr::val(at))
                    .from(U::Table)
                    .and_where(Expr::col(U::Id).is_in(ids))
                    .to_owned(),
            )
            .map_err(|e| StoreError::Backend(e.to_string()))?
            .to_owned();
        statements.push(insert(backend, &q));
    }
    let grants: Vec<_> = chunk
        .iter()
        .flat_map(|m| m.applications.iter().map(move |a| (m.user, *a)))
        .collect();
    for g in grants.chunks(CHUNK) {
        let rows = g
            .iter()
            .map(|(u, a)| {
                vec![
                    org_s.clone().into(),
                    u.to_string().into(),
                    a.to_string().into(),
                    at.into(),
                ]
            })
            .collect();
        let columns = [MA::OrgId, MA::UserId, MA::AppId, MA::GrantedAt];
        statements.push(insert(backend, &multi_insert(MA::Table, columns, rows)));
    }
    let assignments: Vec<_> = chunk.iter().filter_map(|m| m.assignment.as_ref()).collect();
    if !assignments.is_empty() {
        if !*access_bumped {
            // Roles change what the access engine is built from: every server rebuilds it.
            statements.push(backend.build(&crate::access::bump_access_statement()));
            *access_bumped = true;
        }
        let rows = assignments
            .iter()
            .map(|(a, _)| {
                crate::grants::assignment_values(a, Some(org))
                    .into_iter()
                    .collect()
            })
            .collect();
        let q = multi_insert(RA::Table, ASSIGNMENT_COLUMNS, rows);
        statements.push(insert(backend, &q));
    }
    let mut audit = Vec::with_capacity(chunk.len());
    let mut created = created.iter();
    for m in chunk {
        let applications: Vec<String> = m.applications.iter().map(|a| a.to_string()).collect();
        if m.kind == MembershipKind::Internal {
            let (u, _) = created
                .next()
                .ok_or_else(|| StoreError::Backend("import: a new user is missing".into()))?;
            audit.push(
                AuditDraft::new("user.create")
                    .target("user", u.id)
                    .org(org)
                    .subject(u.id)
                    .changes(json!({
                        "status": u.status.as_str(), "home_org_id": org_s,
                        "kind": "internal", "outcome": AddOutcome::Created,
                        "applications": applications, "import": true,
                    }))
                    .pii(json!({
                        "username": u.username, "email": u.email,
                        "first_name": u.first_name, "last_name": u.last_name,
                    })),
            );
        } else {
            audit.push(
                AuditDraft::new("member.add")
                    .target("user", m.user)
                    .org(org)
                    .subject(m.user)
                    .changes(json!({
                        "kind": m.kind.as_str(), "outcome": AddOutcome::AddedExternal,
                        "import": true, "applications": applications,
                    })),
            );
        }
        if let Some((a, key)) = &m.assignment {
            audit.push(
                AuditDraft::new("assignment.add")
                    .target("role_assignment", a.id)
                    .org(org)
                    .subject(a.user_id)
                    .changes(json!({
                        "role_id": a.role_id.to_string(),
                        "role": key,
                        "scope": a.scope,
                        "expires_at": null,
                    })),
            );
        }
    }
    statements.extend(
        chain
            .append(ctx, &audit)
            .into_iter()
            .map(|rows| insert(backend, &multi_insert(A::Table, ALL_COLUMNS, rows))),
    );
    Ok(statements)
}
