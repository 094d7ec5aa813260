//! Organizations and memberships.

use crate::audit::paginate;
use crate::rows::{self, R};
use crate::schema::{ApiKeys, Memberships as M, ORG_COLUMNS, Organizations as O, Users as U};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::Timestamp;
use portico_domain::ids::OrgId;
use portico_domain::org::check_no_cycle;
use portico_domain::page::{Page, PageRequest};
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SimpleExpr};
use serde_json::json;
use sqlx::AnyConnection;

pub(crate) fn org_values(o: &NewOrg, at: Timestamp) -> Vec<SimpleExpr> {
    vec![
        o.id.to_string().into(),
        o.name.clone().into(),
        o.name.to_lowercase().into(),
        o.slug.clone().into(),
        o.parent_id.map(|p| p.to_string()).into(),
        "active".into(),
        serde_json::to_string(&o.tags).unwrap_or_default().into(),
        serde_json::to_string(&o.attributes)
            .unwrap_or_default()
            .into(),
        at.millis().into(),
        at.millis().into(),
        1i64.into(),
    ]
}

const SUBTREE_SQL: &str = "WITH RECURSIVE sub(id) AS (\
    SELECT id FROM organizations WHERE id = ? \
    UNION ALL SELECT o.id FROM organizations o JOIN sub ON o.parent_id = sub.id) \
    SELECT o.id, o.name, o.slug FROM organizations o JOIN sub ON o.id = sub.id";

const ANCESTORS_SQL: &str = "WITH RECURSIVE anc(id, parent_id, depth) AS (\
    SELECT id, parent_id, 0 FROM organizations WHERE id = ? \
    UNION ALL SELECT o.id, o.parent_id, anc.depth + 1 FROM organizations o \
    JOIN anc ON o.id = anc.parent_id WHERE anc.depth < 1000) \
    SELECT o.id, o.name, o.slug, anc.depth FROM anc JOIN organizations o ON o.id = anc.id \
    ORDER BY anc.depth";

impl SqlStore {
    /// The one organization matching `cond`, if any.
    pub(crate) async fn org_where(
        &self,
        conn: &mut AnyConnection,
        cond: SimpleExpr,
    ) -> R<Option<OrgRecord>> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .columns(ORG_COLUMNS)
                    .from(O::Table)
                    .and_where(cond)
                    .to_owned(),
            ),
        )
        .await?;
        row.as_ref().map(rows::org).transpose()
    }

    pub(crate) async fn org_in(&self, conn: &mut AnyConnection, id: OrgId) -> R<Option<OrgRecord>> {
        self.org_where(conn, Expr::col(O::Id).eq(id.to_string()))
            .await
    }

    pub(crate) async fn get_org_q(&self, id: OrgId) -> R<Option<OrgRecord>> {
        let mut conn = self.conn().await?;
        self.org_in(&mut conn, id).await
    }

    pub(crate) async fn get_org_by_slug_q(&self, slug: &str) -> R<Option<OrgRecord>> {
        let mut conn = self.conn().await?;
        self.org_where(&mut conn, Expr::col(O::Slug).eq(slug)).await
    }

    pub(crate) async fn create_org_q(&self, ctx: &AuditCtx, new: NewOrg) -> R<OrgRecord> {
        let mut tx = self.begin_write().await?;
        if let Some(p) = new.parent_id
            && self.org_in(&mut tx, p).await?.is_none()
        {
            return Err(StoreError::NotFound("parent organization"));
        }
        let mut q = Query::insert();
        q.into_table(O::Table)
            .columns([
                O::Id,
                O::Name,
                O::NameKey,
                O::Slug,
                O::ParentId,
                O::Status,
                O::Tags,
                O::Attributes,
                O::CreatedAt,
                O::UpdatedAt,
                O::Version,
            ])
            .values_panic(org_values(&new, ctx.at));
        exec(&mut tx, self.build(&q)).await?;
        // A1, A2: the default application and the auto-assigned ones.
        let applications = self.assign_defaults_in(&mut tx, new.id, ctx.at).await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("organization.create")
                .target("organization", new.id)
                .org(new.id)
                .changes(json!({
                    "name": new.name, "slug": new.slug,
                    "parent_id": new.parent_id.map(|p| p.to_string()),
                    "tags": new.tags, "attributes": new.attributes,
                    "applications_assigned": applications,
                })),
        )
        .await?;
        let org = self
            .org_in(&mut tx, new.id)
            .await?
            .ok_or(StoreError::NotFound("organization"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(org)
    }

    async fn ancestors_in(&self, conn: &mut AnyConnection, id: OrgId) -> R<Vec<OrgBrief>> {
        let rows = fetch_all(conn, self.raw(ANCESTORS_SQL, vec![id.to_string().into()])).await?;
        rows.iter().map(rows::org_brief).collect()
    }

    pub(crate) async fn org_ancestors_q(&self, id: OrgId) -> R<Vec<OrgBrief>> {
        let mut conn = self.conn().await?;
        let mut all = self.ancestors_in(&mut conn, id).await?;
        if !all.is_empty() {
            all.remove(0);
        }
        Ok(all)
    }

    pub(crate) async fn list_orgs_q(
        &self,
        f: &OrgFilter,
        page: &PageRequest,
        reach: &Reach,
    ) -> R<Page<OrgRecord>> {
        let mut q = Query::select();
        match reach {
            Reach::All => {}
            Reach::Orgs(ids) if ids.is_empty() => {
                return Ok(Page {
                    items: vec![],
                    next: None,
                });
            }
            Reach::Orgs(ids) => {
                q.and_where(Expr::col(O::Id).is_in(ids.iter().map(|o| o.to_string())));
            }
        }
        q.columns(ORG_COLUMNS)
            .from(O::Table)
            .order_by(O::NameKey, Order::Asc)
            .order_by(O::Id, Order::Asc)
            .limit(page.limit as u64 + 1);
        if let Some(qs) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // Prefix match as an index range on the name or the slug.
            let k = qs.to_lowercase();
            let hi = format!("{k}\u{10FFFF}");
            q.cond_where(
                Cond::any()
                    .add(
                        Expr::col(O::NameKey)
                            .gte(k.clone())
                            .and(Expr::col(O::NameKey).lt(hi.clone())),
                    )
                    .add(Expr::col(O::Slug).gte(k).and(Expr::col(O::Slug).lt(hi))),
            );
        }
        match f.parent {
            None => {}
            Some(None) => {
                q.and_where(Expr::col(O::ParentId).is_null());
            }
            Some(Some(p)) => {
                q.and_where(Expr::col(O::ParentId).eq(p.to_string()));
            }
        }
        if let Some(after) = &page.after {
            let (name, id) = after.split_once('\u{1f}').ok_or_else(bad_cursor)?;
            q.cond_where(
                Cond::any()
                    .add(Expr::col(O::NameKey).gt(name))
                    .add(Expr::col(O::NameKey).eq(name).and(Expr::col(O::Id).gt(id))),
            );
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        let items = rows.iter().map(rows::org).collect::<R<Vec<_>>>()?;
        Ok(paginate(items, page.limit, |o| {
            format!("{}\u{1f}{}", o.name.to_lowercase(), o.id)
        }))
    }

    pub(crate) async fn update_org_q(
        &self,
        ctx: &AuditCtx,
        id: OrgId,
        expected: Option<i64>,
        p: OrgPatch,
    ) -> R<OrgRecord> {
        let mut tx = self.begin_write().await?;
        let before = self
            .org_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("organization"))?;
        if expected.is_some_and(|v| v != before.version) {
            return Err(StoreError::Stale);
        }
        if let Some(Some(parent)) = p.parent_id {
            let chain: Vec<OrgId> = self
                .ancestors_in(&mut tx, parent)
                .await?
                .into_iter()
                .map(|b| b.id)
                .collect();
            if chain.is_empty() {
                return Err(StoreError::NotFound("parent organization"));
            }
            check_no_cycle(&id, &chain)?;
        }
        let mut q = Query::update();
        q.table(O::Table)
            .value(O::UpdatedAt, ctx.at.millis())
            .value(O::Version, before.version + 1)
            .and_where(Expr::col(O::Id).eq(id.to_string()));
        let mut changes = serde_json::Map::new();
        let mut change = |k: &str, b: serde_json::Value, a: serde_json::Value| {
            if a != b {
                changes.insert(k.into(), json!({ "before": b, "after": a }));
            }
        };
        if let Some(v) = &p.name {
            q.value(O::Name, v.clone())
                .value(O::NameKey, v.to_lowercase());
            change("name", json!(before.name), json!(v));
        }
        if let Some(v) = &p.slug {
            q.value(O::Slug, v.clone());
            change("slug", json!(before.slug), json!(v));
        }
        if let Some(v) = &p.parent_id {
            q.value(O::ParentId, v.map(|p| p.to_string()));
            change(
                "parent_id",
                json!(before.parent_id.map(|p| p.to_string())),
                json!(v.map(|p| p.to_string())),
            );
        }
        if let Some(v) = p.status {
            q.value(O::Status, v.as_str());
            change("status", json!(before.status.as_str()), json!(v.as_str()));
        }
        if let Some(v) = &p.tags {
            q.value(O::Tags, serde_json::to_string(v).unwrap_or_default());
            change("tags", json!(before.tags), json!(v));
        }
        if let Some(v) = &p.attributes {
            q.value(O::Attributes, serde_json::to_string(v).unwrap_or_default());
            change("attributes", json!(before.attributes), json!(v));
        }
        exec(&mut tx, self.build(&q)).await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("organization.update")
                .target("organization", id)
                .org(id)
                .changes(serde_json::Value::Object(changes)),
        )
        .await?;
        let after = self
            .org_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("organization"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    async fn count_in(&self, conn: &mut AnyConnection, q: sea_query::SelectStatement) -> R<i64> {
        let r = fetch_opt(conn, self.build(&q)).await?;
        Ok(r.map(|r| rows::i(&r, "n")).transpose()?.unwrap_or(0))
    }

    pub(crate) async fn org_overview_q(&self, id: OrgId) -> R<OrgOverview> {
        let mut conn = self.conn().await?;
        let ids = id.to_string();
        let members = self
            .count_in(
                &mut conn,
                Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), "n")
                    .from(M::Table)
                    .and_where(Expr::col(M::OrgId).eq(ids.clone()))
                    .to_owned(),
            )
            .await?;
        let internal = self
            .count_in(
                &mut conn,
                Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), "n")
                    .from(M::Table)
                    .and_where(Expr::col(M::OrgId).eq(ids.clone()))
                    .and_where(Expr::col(M::Kind).eq("internal"))
                    .to_owned(),
            )
            .await?;
        let subs = self
            .count_in(
                &mut conn,
                Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), "n")
                    .from(O::Table)
                    .and_where(Expr::col(O::ParentId).eq(ids))
                    .to_owned(),
            )
            .await?;
        Ok(OrgOverview {
            members,
            internal_members: internal,
            sub_organizations: subs,
        })
    }

    async fn delete_preview_in(
        &self,
        conn: &mut AnyConnection,
        id: OrgId,
    ) -> R<(OrgDeletePreview, Vec<String>)> {
        let org = self
            .org_in(conn, id)
            .await?
            .ok_or(StoreError::NotFound("organization"))?;
        let subtree = fetch_all(conn, self.raw(SUBTREE_SQL, vec![id.to_string().into()])).await?;
        let briefs = subtree.iter().map(rows::org_brief).collect::<R<Vec<_>>>()?;
        let ids: Vec<String> = briefs.iter().map(|b| b.id.to_string()).collect();
        let memberships = self
            .count_in(
                conn,
                Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), "n")
                    .from(M::Table)
                    .and_where(Expr::col(M::OrgId).is_in(ids.clone()))
                    .to_owned(),
            )
            .await?;
        let internal = self
            .count_in(
                conn,
                Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), "n")
                    .from(U::Table)
                    .and_where(Expr::col(U::HomeOrgId).is_in(ids.clone()))
                    .to_owned(),
            )
            .await?;
        let projects = self
            .count_in(
                conn,
                Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), "n")
                    .from(crate::schema::Projects::Table)
                    .and_where(
                        Expr::col(crate::schema::Projects::OrganizationId).is_in(ids.clone()),
                    )
                    .to_owned(),
            )
            .await?;
        let subs = briefs.into_iter().filter(|b| b.id != id).collect();
        Ok((
            OrgDeletePreview {
                organization: org,
                sub_organizations: subs,
                memberships,
                projects,
                internal_users_deleted: internal,
            },
            ids,
        ))
    }

    pub(crate) async fn org_delete_preview_q(&self, id: OrgId) -> R<OrgDeletePreview> {
        let mut conn = self.conn().await?;
        Ok(self.delete_preview_in(&mut conn, id).await?.0)
    }

    pub(crate) async fn delete_org_q(&self, ctx: &AuditCtx, id: OrgId) -> R<OrgDeletePreview> {
        let mut tx = self.begin_write().await?;
        let (preview, ids) = self.delete_preview_in(&mut tx, id).await?;
        // U4: internal users of the deleted organizations leave the whole system.
        let internal = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .column(U::Id)
                    .from(U::Table)
                    .and_where(Expr::col(U::HomeOrgId).is_in(ids.clone()))
                    .to_owned(),
            ),
        )
        .await?;
        for r in &internal {
            let uid = rows::s(r, "id")?;
            self.delete_user_in(&mut tx, &uid).await?;
        }
        // A2, A3: members' application access and the assignments go with the organizations.
        self.delete_where(
            &mut tx,
            crate::schema::MembershipApplications::Table,
            Expr::col(crate::schema::MembershipApplications::OrgId).is_in(ids.clone()),
        )
        .await?;
        self.delete_where(
            &mut tx,
            crate::schema::OrganizationApplications::Table,
            Expr::col(crate::schema::OrganizationApplications::OrgId).is_in(ids.clone()),
        )
        .await?;
        self.delete_where(&mut tx, M::Table, Expr::col(M::OrgId).is_in(ids.clone()))
            .await?;
        // Keys limited to a deleted organization can reach nothing any more (S5).
        exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(ApiKeys::Table)
                    .value(ApiKeys::RevokedAt, ctx.at.millis())
                    .and_where(Expr::col(ApiKeys::OrgId).is_in(ids.clone()))
                    .and_where(Expr::col(ApiKeys::RevokedAt).is_null())
                    .to_owned(),
            ),
        )
        .await?;
        // Role assignments, overrides and relationships at these organizations go with them
        // (ON DELETE CASCADE).
        self.delete_where(&mut tx, O::Table, Expr::col(O::Id).is_in(ids.clone()))
            .await?;
        self.bump_access(&mut tx).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("organization.delete")
                .target("organization", id)
                .org(id)
                .changes(json!({
                    "name": preview.organization.name,
                    "slug": preview.organization.slug,
                    "sub_organizations": ids.len() - 1,
                    "memberships": preview.memberships,
                    "projects": preview.projects,
                    "internal_users_deleted": preview.internal_users_deleted,
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(preview)
    }
}

pub(crate) fn bad_cursor() -> StoreError {
    StoreError::Rule(portico_domain::ValidationError::new(
        "cursor",
        "this cursor is not valid: start from the first page",
    ))
}
