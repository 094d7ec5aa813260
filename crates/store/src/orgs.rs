//! Organizations and memberships.

use crate::audit::paginate;
use crate::rows::{self, R};
use crate::schema::{Memberships as M, ORG_COLUMNS, Organizations as O, USER_COLUMNS, Users as U};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::Timestamp;
use portico_domain::ids::{OrgId, UserId};
use portico_domain::org::check_no_cycle;
use portico_domain::page::{Page, PageRequest};
use portico_domain::user::MembershipKind;
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
    ) -> R<Page<OrgRecord>> {
        let mut q = Query::select();
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
        let subs = briefs.into_iter().filter(|b| b.id != id).collect();
        Ok((
            OrgDeletePreview {
                organization: org,
                sub_organizations: subs,
                memberships,
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
        self.delete_where(&mut tx, M::Table, Expr::col(M::OrgId).is_in(ids.clone()))
            .await?;
        self.delete_where(&mut tx, O::Table, Expr::col(O::Id).is_in(ids.clone()))
            .await?;
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
                    "internal_users_deleted": preview.internal_users_deleted,
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(preview)
    }

    // --- memberships ---------------------------------------------------------------------

    pub(crate) async fn add_member_q(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        member: NewMember,
    ) -> R<(UserRecord, AddOutcome)> {
        let mut tx = self.begin_write().await?;
        self.org_in(&mut tx, org)
            .await?
            .ok_or(StoreError::NotFound("organization"))?;
        let existing = self
            .user_where(
                &mut tx,
                Expr::col(U::EmailKey).eq(member.user.email_key.clone()),
            )
            .await?;
        let (user, outcome, kind) = match existing {
            Some(u) => (u, AddOutcome::AddedExternal, MembershipKind::External),
            None => {
                let mut new = member.user.clone();
                // A suggested username may be taken: try the fallbacks in order.
                let taken = |k: String| {
                    self.build(
                        &Query::select()
                            .expr_as(Expr::cust("COUNT(*)"), "n")
                            .from(U::Table)
                            .and_where(Expr::col(U::UsernameKey).eq(k))
                            .to_owned(),
                    )
                };
                let mut candidates =
                    std::iter::once((new.username.clone(), new.username_key.clone()))
                        .chain(member.username_fallbacks.iter().cloned());
                loop {
                    let Some((name, key)) = candidates.next() else {
                        return Err(StoreError::Unique("users_username_key".into()));
                    };
                    let r = fetch_opt(&mut tx, taken(key.clone())).await?;
                    if r.map(|r| rows::i(&r, "n")).transpose()?.unwrap_or(0) == 0 {
                        new.username = name;
                        new.username_key = key;
                        break;
                    }
                }
                new.search_document = portico_domain::search::user_document(
                    &new.username,
                    &new.first_name,
                    &new.last_name,
                    &new.email,
                );
                let u = self
                    .insert_user_in(&mut tx, &new, Some(org), ctx.at)
                    .await?;
                self.append_in(
                    &mut tx,
                    ctx,
                    AuditDraft::new("user.create")
                        .target("user", u.id)
                        .org(org)
                        .subject(u.id)
                        .changes(
                            json!({ "status": u.status.as_str(), "home_org_id": org.to_string() }),
                        )
                        .pii(json!({
                            "username": u.username, "email": u.email,
                            "first_name": u.first_name, "last_name": u.last_name,
                        })),
                )
                .await?;
                (u, AddOutcome::Created, MembershipKind::Internal)
            }
        };
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(M::Table)
                    .columns([M::OrgId, M::UserId, M::UserSeq, M::Kind, M::CreatedAt])
                    .values_panic([
                        org.to_string().into(),
                        user.id.to_string().into(),
                        crate::users::seq_of(user.id),
                        kind.as_str().into(),
                        ctx.at.millis().into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("member.add")
                .target("user", user.id)
                .org(org)
                .subject(user.id)
                .changes(json!({ "kind": kind.as_str(), "outcome": outcome })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok((user, outcome))
    }

    pub(crate) async fn list_members_q(
        &self,
        org: OrgId,
        terms: Option<&[String]>,
        page: &PageRequest,
    ) -> R<Page<MemberRow>> {
        let mut q = Query::select();
        q.columns(USER_COLUMNS.map(|c| (U::Table, c)))
            .expr_as(Expr::col((M::Table, M::Kind)), "m_kind")
            .expr_as(Expr::col((M::Table, M::CreatedAt)), "m_created_at")
            .from(M::Table)
            .inner_join(
                U::Table,
                Expr::col((U::Table, U::Seq)).equals((M::Table, M::UserSeq)),
            )
            .and_where(Expr::col((M::Table, M::OrgId)).eq(org.to_string()))
            .order_by((M::Table, M::UserSeq), Order::Desc)
            .limit(page.limit as u64 + 1);
        if let Some(after) = &page.after {
            let seq: i64 = after.parse().map_err(|_| bad_cursor())?;
            q.and_where(Expr::col((M::Table, M::UserSeq)).lt(seq));
        }
        // Within one organization's members, word prefixes are matched on the search
        // document directly: the scan is bounded by the organization's index range.
        for t in terms.unwrap_or(&[]) {
            q.and_where(Expr::cust("(' ' || users.search_document)").like(format!("% {t}%")));
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut seqs = Vec::with_capacity(rows.len());
        for r in &rows {
            seqs.push(rows::i(r, "seq")?);
            items.push(MemberRow {
                user: rows::user(r)?,
                kind: rows::kind(r, "m_kind")?,
                joined_at: rows::ts(r, "m_created_at")?,
            });
        }
        let more = items.len() > page.limit as usize;
        items.truncate(page.limit as usize);
        let next = if more {
            seqs.get(items.len() - 1).map(|s| s.to_string())
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn removal_preview_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        user: UserId,
    ) -> R<RemovalPreview> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .column(M::Kind)
                    .from(M::Table)
                    .and_where(Expr::col(M::OrgId).eq(org.to_string()))
                    .and_where(Expr::col(M::UserId).eq(user.to_string()))
                    .to_owned(),
            ),
        )
        .await?
        .ok_or(StoreError::NotFound("member"))?;
        let kind = rows::kind(&row, "kind")?;
        let u = self
            .user_in(conn, user)
            .await?
            .ok_or(StoreError::NotFound("member"))?;
        let others = if kind == MembershipKind::Internal {
            let rows = fetch_all(
                conn,
                self.build(
                    &Query::select()
                        .columns([(O::Table, O::Id), (O::Table, O::Name), (O::Table, O::Slug)])
                        .from(M::Table)
                        .inner_join(
                            O::Table,
                            Expr::col((O::Table, O::Id)).equals((M::Table, M::OrgId)),
                        )
                        .and_where(Expr::col((M::Table, M::UserId)).eq(user.to_string()))
                        .and_where(Expr::col((M::Table, M::OrgId)).ne(org.to_string()))
                        .order_by((O::Table, O::NameKey), Order::Asc)
                        .to_owned(),
                ),
            )
            .await?;
            rows.iter().map(rows::org_brief).collect::<R<Vec<_>>>()?
        } else {
            vec![]
        };
        Ok(RemovalPreview {
            user: u,
            kind,
            other_organizations: others,
            deletes_user: kind == MembershipKind::Internal,
        })
    }

    pub(crate) async fn removal_preview_q(&self, org: OrgId, user: UserId) -> R<RemovalPreview> {
        let mut conn = self.conn().await?;
        self.removal_preview_in(&mut conn, org, user).await
    }

    pub(crate) async fn remove_member_q(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        user: UserId,
    ) -> R<RemovalPreview> {
        let mut tx = self.begin_write().await?;
        let p = self.removal_preview_in(&mut tx, org, user).await?;
        if p.deletes_user {
            self.delete_user_in(&mut tx, &user.to_string()).await?;
        } else {
            self.delete_where(
                &mut tx,
                M::Table,
                Expr::col(M::OrgId)
                    .eq(org.to_string())
                    .and(Expr::col(M::UserId).eq(user.to_string())),
            )
            .await?;
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new(if p.deletes_user { "member.remove_and_delete" } else { "member.remove" })
                .target("user", user)
                .org(org)
                .subject(user)
                .changes(json!({
                    "kind": p.kind.as_str(),
                    "user_deleted": p.deletes_user,
                    "other_organizations": p.other_organizations.iter().map(|o| o.id.to_string()).collect::<Vec<_>>(),
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(p)
    }
}

pub(crate) fn bad_cursor() -> StoreError {
    StoreError::Rule(portico_domain::ValidationError::new(
        "cursor",
        "this cursor is not valid: start from the first page",
    ))
}
