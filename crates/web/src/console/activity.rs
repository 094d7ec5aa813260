//! "Recent activity" (O2): the latest audit entries about one organization, in words.

use super::view::Cx;
use crate::AppState;
use portico_domain::ids::{OrgId, UserId};
use portico_domain::page::PageRequest;
use portico_services::records::{AuditFilter, AuditRow};
use serde::Serialize;
use std::collections::HashMap;

const RECENT: usize = 6;

#[derive(Debug, Serialize)]
pub struct ActivityView {
    pub at: i64,
    pub what: String,
    /// `success`, `danger` or `neutral`: the colour of the dot.
    pub tone: &'static str,
    pub actor: Option<Person>,
    pub subject: Option<Person>,
}

#[derive(Debug, Serialize, Clone)]
pub struct Person {
    pub name: String,
    /// `None` once the person is deleted.
    pub href: Option<String>,
}

fn describe(row: &AuditRow) -> (String, &'static str) {
    let kind = row
        .changes
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("");
    match row.action.as_str() {
        "organization.create" => ("created the organization".into(), "success"),
        "organization.update" => {
            let fields: Vec<&str> = row
                .changes
                .as_object()
                .map(|m| {
                    m.keys()
                        .map(String::as_str)
                        .filter(|k| *k != "version")
                        .collect()
                })
                .unwrap_or_default();
            if fields.is_empty() {
                ("updated the organization".into(), "neutral")
            } else {
                (
                    format!(
                        "changed {}",
                        fields.join(", ").replace("_id", "").replace('_', " ")
                    ),
                    "neutral",
                )
            }
        }
        "member.add" if kind == "internal" => ("added a new internal member".into(), "success"),
        "member.add" => ("added an external member".into(), "success"),
        "member.remove" => ("removed a member".into(), "danger"),
        "member.remove_and_delete" => ("removed and deleted an internal member".into(), "danger"),
        "user.create" => ("created a user".into(), "success"),
        other => (other.replace(['.', '_'], " "), "neutral"),
    }
}

/// The latest entries, newest first, with people's names where they still exist.
pub async fn recent(st: &AppState, cx: &Cx, org: OrgId) -> Vec<ActivityView> {
    let filter = AuditFilter {
        org: Some(org),
        ..Default::default()
    };
    let page = PageRequest::first(RECENT as u32 * 2);
    let rows = match st.services.list_audit(&cx.admin, filter, page).await {
        // A new internal member is also a `user.create` entry; the `member.add` says it all.
        Ok(p) => p
            .items
            .into_iter()
            .filter(|r| r.action != "user.create")
            .take(RECENT)
            .collect::<Vec<_>>(),
        Err(e) => {
            tracing::warn!(error = %e, "recent activity unavailable");
            return Vec::new();
        }
    };
    let mut names = Names::default();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let actor = names.person(st, cx, row.actor_user_id.as_deref()).await;
        let subject = names.person(st, cx, row.subject_user_id.as_deref()).await;
        let (what, tone) = describe(row);
        out.push(ActivityView {
            at: row.at.millis(),
            what,
            tone,
            actor,
            subject,
        });
    }
    out
}

/// Display names of the people and organizations audit entries refer to, looked up once per
/// id; ids of deleted ones stay readable ("a deleted user").
#[derive(Default)]
pub struct Names {
    people: HashMap<String, Person>,
    orgs: HashMap<String, Person>,
}

impl Names {
    pub async fn person(&mut self, st: &AppState, cx: &Cx, id: Option<&str>) -> Option<Person> {
        let id = id?;
        if let Some(p) = self.people.get(id) {
            return Some(p.clone());
        }
        let p = match UserId::parse(id) {
            Ok(uid) => match st.services.user_detail(&cx.admin, uid).await {
                Ok(d) => Person {
                    name: d.user.display_name(),
                    href: Some(format!("/users/{uid}")),
                },
                Err(_) => Person {
                    name: "a deleted user".into(),
                    href: None,
                },
            },
            Err(_) => return None,
        };
        self.people.insert(id.to_string(), p.clone());
        Some(p)
    }

    pub async fn org(&mut self, st: &AppState, cx: &Cx, id: Option<&str>) -> Option<Person> {
        let id = id?;
        if let Some(o) = self.orgs.get(id) {
            return Some(o.clone());
        }
        let o = match OrgId::parse(id) {
            Ok(oid) => match st.services.org_scope(&cx.admin, oid).await {
                Ok(s) => Person {
                    name: s.org().name.clone(),
                    href: Some(super::view::org_href(&s.org().slug)),
                },
                Err(_) => Person {
                    name: "a deleted organization".into(),
                    href: None,
                },
            },
            Err(_) => return None,
        };
        self.orgs.insert(id.to_string(), o.clone());
        Some(o)
    }
}
