//! Planning the checked rows beside the write: a thread of its own turns them into new users
//! (ids, search documents, welcome links and emails) and memberships, [`PLAN_CHUNK`] at a
//! time, a few chunks ahead of the store, which receives them as `ImportWrite::chunks`.

use super::{ImportChunk, ImportMember, ImportReport, ImportWrite, Planned};
use crate::Services;
use crate::auth::OrgScope;
use crate::records::*;
use portico_domain::ids::{AssignmentId, UserId};
use portico_domain::search::user_document;
use portico_domain::user::{MembershipKind, UserStatus};
use serde_json::json;

impl Services {
    /// The rows to insert — new users with their welcome link and email, and memberships —
    /// planned on a thread of their own, [`PLAN_CHUNK`] rows at a time, while the store writes
    /// the chunks before (ids, search documents, tokens and email variables cost about 5 µs a
    /// row, a tenth of the write, and were a phase of their own before it).
    pub(super) fn plan_write(
        &self,
        scope: &OrgScope,
        rows: Vec<Planned>,
        report: &ImportReport,
    ) -> ImportWrite {
        let planner = RowPlanner {
            services: self.clone(),
            scope: scope.scope(),
            actor: scope.actor().user().id,
            now: self.now(),
        };
        let total = rows.len() as u64;
        let (send, planned) = std::sync::mpsc::sync_channel(PLAN_AHEAD);
        std::thread::spawn(move || {
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let mut chunk = ImportChunk::default();
                for p in rows.by_ref().take(PLAN_CHUNK) {
                    let (new_user, member) = planner.plan_row(p);
                    chunk.new_users.extend(new_user);
                    chunk.members.push(member);
                }
                if send.send(chunk).is_err() {
                    // The store stopped (its error is the one reported).
                    return;
                }
            }
        });
        ImportWrite {
            org: scope.org_id(),
            chunks: Box::new(planned.into_iter()),
            rows: total,
            app_seats: report.application_seats,
            office_seats: report.back_office_seats,
            summary: json!({
                "rows": report.rows,
                "created": report.created,
                "added_external": report.added_external,
                "roles_assigned": report.roles_assigned,
            }),
        }
    }
}

/// Rows planned per chunk, and chunks planned ahead of the store.
const PLAN_CHUNK: usize = 1_000;
const PLAN_AHEAD: usize = 4;

/// What planning a row needs, owned, for the planning thread.
struct RowPlanner {
    services: Services,
    scope: ScopeRef,
    actor: UserId,
    now: portico_domain::Timestamp,
}

impl RowPlanner {
    /// One row's membership, and its new user with welcome link and email if it is new.
    fn plan_row(&self, p: Planned) -> (Option<(NewUser, WelcomeRows)>, ImportMember) {
        let mut new_user = None;
        let (user, kind) = match p.known {
            Some(id) => (id, MembershipKind::External),
            None => {
                let r = &p.row;
                let u = NewUser {
                    id: UserId::generate(),
                    username: p.username.as_str().to_string(),
                    username_key: p.username.key(),
                    search_document: user_document(
                        p.username.as_str(),
                        r.first_name.as_str(),
                        r.last_name.as_str(),
                        r.email.as_str(),
                    ),
                    email: r.email.as_str().to_string(),
                    email_key: r.email.key().to_string(),
                    first_name: r.first_name.as_str().to_string(),
                    last_name: r.last_name.as_str().to_string(),
                    description: String::new(),
                    status: UserStatus::Invited,
                    password_hash: None,
                    is_super_admin: false,
                    is_platform_admin: false,
                    ip_allowlist: r.ip_allowlist.as_ref().map(|a| a.to_string()),
                    language: r.language.clone(),
                };
                let welcome = self.services.welcome_rows_deferred(&u, &r.email);
                let id = u.id;
                new_user = Some((u, welcome));
                (id, MembershipKind::Internal)
            }
        };
        let member = ImportMember {
            user,
            kind,
            applications: p.apps.iter().map(|(a, _)| *a).collect(),
            assignment: p.role.map(|(role_id, key)| {
                (
                    AssignmentRecord {
                        id: AssignmentId::generate(),
                        user_id: user,
                        role_id,
                        scope: self.scope,
                        expires_at: None,
                        created_at: self.now,
                        created_by: Some(self.actor),
                    },
                    key,
                )
            }),
        };
        (new_user, member)
    }
}
