//! Memberships: adding people to an organization (U3), listing and removing them (U4).

use crate::orgs::bad_cursor;
use crate::rows::{self, R};
use crate::schema::{Memberships as M, Organizations as O, USER_COLUMNS, Users as U};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::ids::{OrgId, UserId};
use portico_domain::page::{Page, PageRequest};
use portico_domain::user::MembershipKind;
use portico_services::StoreError;
use portico_services::records::*;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::json;
use sqlx::AnyConnection;

impl SqlStore {
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
                // U8: the welcome link and its email commit with the new user.
                if let Some(w) = &member.welcome {
                    self.insert_token_in(&mut tx, &w.token).await?;
                    let email = w
                        .email_for_fallback
                        .iter()
                        .find(|(name, _)| *name == u.username)
                        .map_or(&w.email, |(_, e)| e);
                    crate::outbox::insert_in(&mut tx, self, email).await?;
                }
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
        // A3, L1: the membership's applications (asked for, or the auto-assigned ones), a
        // seat counted in this transaction.
        let apps = self
            .grant_new_member_in(&mut tx, org, user.id, member.applications.as_deref(), ctx)
            .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("member.add")
                .target("user", user.id)
                .org(org)
                .subject(user.id)
                .changes(json!({
                    "kind": kind.as_str(), "outcome": outcome,
                    "applications": apps.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                })),
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
                applications: Vec::new(),
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
        self.bump_access(&mut tx).await?;
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
