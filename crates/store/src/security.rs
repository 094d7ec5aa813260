//! S6: stored security policies (the platform's and the organizations' overrides). They are
//! part of what the access snapshot is built from, so a write bumps the access version.

use crate::rows::{self, R};
use crate::schema::SecurityPolicies as SP;
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::ids::UserId;
use portico_domain::security::PolicyOverride;
use portico_services::StoreError;
use portico_services::records::{AuditCtx, AuditDraft};
use portico_services::security::{PolicyRecord, PolicyWrite};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::json;
use sqlx::AnyConnection;

const COLUMNS: [SP; 5] = [
    SP::OrgId,
    SP::Policy,
    SP::UpdatedAt,
    SP::UpdatedBy,
    SP::Version,
];

fn row_id(org: Option<portico_domain::ids::OrgId>) -> String {
    org.map_or_else(|| "platform".to_string(), |o| o.to_string())
}

fn record(r: &sqlx::any::AnyRow) -> R<PolicyRecord> {
    let policy: PolicyOverride = serde_json::from_str(&rows::s(r, "policy")?)
        .map_err(|e| StoreError::Backend(format!("column policy: {e}")))?;
    let updated_by = rows::os(r, "updated_by")?
        .map(|u| UserId::parse(&u))
        .transpose()
        .map_err(|e| StoreError::Backend(format!("column updated_by: {e}")))?;
    Ok(PolicyRecord {
        org_id: rows::oorg_id(r, "org_id")?,
        policy,
        updated_at: rows::ts(r, "updated_at")?,
        updated_by,
        version: rows::i(r, "version")?,
    })
}

impl SqlStore {
    /// Every stored policy (read with the access snapshot).
    pub(crate) async fn policies_in(&self, conn: &mut AnyConnection) -> R<Vec<PolicyRecord>> {
        let rows = fetch_all(
            conn,
            self.build(
                &Query::select()
                    .columns(COLUMNS)
                    .from(SP::Table)
                    .order_by(SP::Id, Order::Asc)
                    .to_owned(),
            ),
        )
        .await?;
        rows.iter().map(record).collect()
    }

    /// Writes (or deletes) one policy with its audit entry, checking `If-Match`.
    pub(crate) async fn write_policy_q(&self, ctx: &AuditCtx, w: PolicyWrite) -> R<()> {
        let mut tx = self.begin_write().await?;
        let id = row_id(w.org_id);
        if let Some(org) = w.org_id {
            // The organization may have been deleted since the caller looked.
            if !self
                .exists_in(
                    &mut tx,
                    crate::schema::Organizations::Table,
                    Expr::col(crate::schema::Organizations::Id).eq(org.to_string()),
                )
                .await?
            {
                return Err(StoreError::NotFound("organization"));
            }
        }
        let current = fetch_opt(
            &mut tx,
            self.build(
                &Query::select()
                    .columns(COLUMNS)
                    .from(SP::Table)
                    .and_where(Expr::col(SP::Id).eq(id.clone()))
                    .to_owned(),
            ),
        )
        .await?
        .as_ref()
        .map(record)
        .transpose()?;
        let current_version = current.as_ref().map_or(0, |c| c.version);
        if w.expected_version.is_some_and(|v| v != current_version) {
            return Err(StoreError::Stale);
        }
        exec(
            &mut tx,
            self.build(
                &Query::delete()
                    .from_table(SP::Table)
                    .and_where(Expr::col(SP::Id).eq(id.clone()))
                    .to_owned(),
            ),
        )
        .await?;
        if let Some(policy) = &w.policy {
            let text = serde_json::to_string(policy)
                .map_err(|e| StoreError::Backend(format!("policy: {e}")))?;
            exec(
                &mut tx,
                self.build(
                    &Query::insert()
                        .into_table(SP::Table)
                        .columns([
                            SP::Id,
                            SP::OrgId,
                            SP::Policy,
                            SP::UpdatedAt,
                            SP::UpdatedBy,
                            SP::Version,
                        ])
                        .values_panic([
                            id.into(),
                            w.org_id.map(|o| o.to_string()).into(),
                            text.into(),
                            ctx.at.millis().into(),
                            ctx.actor.map(|u| u.to_string()).into(),
                            (current_version + 1).into(),
                        ])
                        .to_owned(),
                ),
            )
            .await?;
        }
        let before = serde_json::to_value(w.before).unwrap_or_default();
        let after = serde_json::to_value(w.after).unwrap_or_default();
        let mut changes = serde_json::Map::new();
        if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
            for (k, av) in a {
                let bv = b.get(k).cloned().unwrap_or_default();
                if bv != *av {
                    changes.insert(k.clone(), json!({ "before": bv, "after": av }));
                }
            }
        }
        let action = match (w.org_id, w.policy.is_some()) {
            (None, true) => "security_policy.update",
            (None, false) => "security_policy.reset",
            (Some(_), true) => "security_policy.override",
            (Some(_), false) => "security_policy.inherit",
        };
        let mut d = AuditDraft::new(action)
            .target("security_policy", row_id(w.org_id))
            .changes(serde_json::Value::Object(changes));
        if let Some(o) = w.org_id {
            d = d.org(o);
        }
        self.append_in(&mut tx, ctx, d).await?;
        self.bump_access(&mut tx).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}
