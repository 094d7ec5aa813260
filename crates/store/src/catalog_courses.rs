//! Course templates (C3) with their ordered outlines, and organizations' activations of
//! courses (C4). A course in use by a project cannot be deleted or deactivated.

use crate::audit::paginate;
use crate::catalog::{Products as P, match_terms, title_key};
use crate::orgs::bad_cursor;
use crate::rows::{R, i, s, ts};
use crate::schema::Projects as PJ;
use crate::{SqlStore, db_err, exec, fetch_all};
use portico_domain::catalog::ProductStatus;
use portico_domain::ids::{CourseId, OrgId, ProductId};
use portico_domain::page::{Page, PageRequest};
use portico_services::StoreError;
use portico_services::catalog::*;
use portico_services::records::{AuditCtx, AuditDraft};
use sea_query::{Cond, Expr, ExprTrait, Iden, Order, Query};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::HashMap;

#[derive(Iden, Clone, Copy)]
#[iden = "catalog_courses"]
pub(crate) enum Courses {
    Table,
    Id,
    Title,
    TitleKey,
    Description,
    Language,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(Iden, Clone, Copy)]
#[iden = "catalog_course_items"]
pub(crate) enum CourseItems {
    Table,
    CourseId,
    Position,
    ProductId,
}

#[derive(Iden, Clone, Copy)]
#[iden = "organization_courses"]
pub(crate) enum OrgCourses {
    Table,
    OrgId,
    CourseId,
    ActivatedAt,
}

use CourseItems as CI;
use Courses as C;

const COLUMNS: [Courses; 8] = [
    C::Id,
    C::Title,
    C::TitleKey,
    C::Description,
    C::Language,
    C::CreatedAt,
    C::UpdatedAt,
    C::Version,
];

fn course(r: &AnyRow) -> R<CourseRecord> {
    Ok(CourseRecord {
        id: CourseId::parse(&s(r, "id")?)
            .map_err(|e| StoreError::Backend(format!("corrupt id: {e}")))?,
        title: s(r, "title")?,
        description: s(r, "description")?,
        language: s(r, "language")?,
        outline: Vec::new(),
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
        version: i(r, "version")?,
    })
}

impl SqlStore {
    /// Fills in the outlines of `courses`, in one query.
    async fn with_outlines(
        &self,
        conn: &mut AnyConnection,
        mut courses: Vec<CourseRecord>,
    ) -> R<Vec<CourseRecord>> {
        if courses.is_empty() {
            return Ok(courses);
        }
        let ids: Vec<String> = courses.iter().map(|c| c.id.to_string()).collect();
        let rows = fetch_all(
            conn,
            self.build(
                &Query::select()
                    .column((CI::Table, CI::CourseId))
                    .columns([
                        (P::Table, P::Id),
                        (P::Table, P::Title),
                        (P::Table, P::ProductType),
                        (P::Table, P::Status),
                    ])
                    .from(CI::Table)
                    .inner_join(
                        P::Table,
                        Expr::col((P::Table, P::Id)).equals((CI::Table, CI::ProductId)),
                    )
                    .and_where(Expr::col((CI::Table, CI::CourseId)).is_in(ids))
                    .order_by((CI::Table, CI::CourseId), Order::Asc)
                    .order_by((CI::Table, CI::Position), Order::Asc)
                    .to_owned(),
            ),
        )
        .await?;
        let mut by_course: HashMap<String, Vec<ProductBrief>> = HashMap::new();
        for r in &rows {
            let bad =
                |e: &dyn std::fmt::Display| StoreError::Backend(format!("corrupt outline: {e}"));
            by_course
                .entry(s(r, "course_id")?)
                .or_default()
                .push(ProductBrief {
                    id: ProductId::parse(&s(r, "id")?).map_err(|e| bad(&e))?,
                    product_type: s(r, "product_type")?,
                    title: s(r, "title")?,
                    status: ProductStatus::parse(&s(r, "status")?).ok_or_else(|| bad(&"status"))?,
                });
        }
        for c in &mut courses {
            c.outline = by_course.remove(&c.id.to_string()).unwrap_or_default();
        }
        Ok(courses)
    }

    pub(crate) async fn course_in(
        &self,
        conn: &mut AnyConnection,
        id: CourseId,
    ) -> R<Option<CourseRecord>> {
        let rows = fetch_all(
            conn,
            self.build(
                &Query::select()
                    .columns(COLUMNS)
                    .from(C::Table)
                    .and_where(Expr::col(C::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        let courses = rows.iter().map(course).collect::<R<Vec<_>>>()?;
        Ok(self.with_outlines(conn, courses).await?.pop())
    }

    async fn require_course(&self, conn: &mut AnyConnection, id: CourseId) -> R<CourseRecord> {
        self.course_in(conn, id)
            .await?
            .ok_or(StoreError::NotFound("course"))
    }

    /// Replaces a course's outline; every product must exist (else a rule error on
    /// `outline`).
    async fn write_outline(
        &self,
        conn: &mut AnyConnection,
        id: CourseId,
        outline: &[ProductId],
    ) -> R<()> {
        self.delete_where(conn, CI::Table, Expr::col(CI::CourseId).eq(id.to_string()))
            .await?;
        for (pos, p) in outline.iter().enumerate() {
            if self.product_in(conn, *p).await?.is_none() {
                return Err(StoreError::Rule(portico_domain::ValidationError::new(
                    "outline",
                    format!("no product {p}"),
                )));
            }
            exec(
                conn,
                self.build(
                    &Query::insert()
                        .into_table(CI::Table)
                        .columns([CI::CourseId, CI::Position, CI::ProductId])
                        .values_panic([
                            id.to_string().into(),
                            (pos as i64).into(),
                            p.to_string().into(),
                        ])
                        .to_owned(),
                ),
            )
            .await?;
        }
        Ok(())
    }

    pub(crate) async fn list_courses_q(
        &self,
        f: &CourseFilter,
        page: &PageRequest,
    ) -> R<Page<CourseRecord>> {
        let mut q = Query::select();
        q.columns(COLUMNS.map(|c| (C::Table, c)))
            .from(C::Table)
            .order_by((C::Table, C::TitleKey), Order::Asc)
            .order_by((C::Table, C::Id), Order::Asc)
            .limit(page.limit as u64 + 1);
        match_terms(&mut q, (C::Table, C::TitleKey), &f.terms);
        if let Some(l) = &f.language {
            q.and_where(Expr::col((C::Table, C::Language)).eq(l.as_str()));
        }
        if let Some(org) = f.activated_in {
            q.inner_join(
                OrgCourses::Table,
                Expr::col((OrgCourses::Table, OrgCourses::CourseId))
                    .equals((C::Table, C::Id))
                    .and(Expr::col((OrgCourses::Table, OrgCourses::OrgId)).eq(org.to_string())),
            );
        }
        if let Some(org) = f.not_activated_in {
            q.and_where(
                Expr::col((C::Table, C::Id)).not_in_subquery(
                    Query::select()
                        .column(OrgCourses::CourseId)
                        .from(OrgCourses::Table)
                        .and_where(Expr::col(OrgCourses::OrgId).eq(org.to_string()))
                        .to_owned(),
                ),
            );
        }
        if let Some(after) = &page.after {
            let (key, id) = after.split_once('\u{1f}').ok_or_else(bad_cursor)?;
            q.cond_where(
                Cond::any()
                    .add(Expr::col((C::Table, C::TitleKey)).gt(key))
                    .add(
                        Expr::col((C::Table, C::TitleKey))
                            .eq(key)
                            .and(Expr::col((C::Table, C::Id)).gt(id)),
                    ),
            );
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        let items = rows.iter().map(course).collect::<R<Vec<_>>>()?;
        let items = self.with_outlines(&mut conn, items).await?;
        Ok(paginate(items, page.limit, |c| {
            format!("{}\u{1f}{}", title_key(&c.title), c.id)
        }))
    }

    pub(crate) async fn get_course_q(&self, id: CourseId) -> R<Option<CourseRecord>> {
        let mut conn = self.conn().await?;
        self.course_in(&mut conn, id).await
    }

    pub(crate) async fn create_course_q(&self, ctx: &AuditCtx, n: NewCourse) -> R<CourseRecord> {
        let mut tx = self.begin_write().await?;
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(C::Table)
                    .columns([
                        C::Id,
                        C::Title,
                        C::TitleKey,
                        C::Description,
                        C::Language,
                        C::CreatedAt,
                        C::UpdatedAt,
                        C::Version,
                    ])
                    .values_panic([
                        n.id.to_string().into(),
                        n.title.clone().into(),
                        title_key(&n.title).into(),
                        n.description.clone().into(),
                        n.language.clone().into(),
                        ctx.at.millis().into(),
                        ctx.at.millis().into(),
                        1i64.into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        self.write_outline(&mut tx, n.id, &n.outline).await?;
        let outline: Vec<String> = n.outline.iter().map(|p| p.to_string()).collect();
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.course.create")
                .target("course", n.id)
                .changes(json!({ "title": n.title, "language": n.language, "outline": outline })),
        )
        .await?;
        let c = self.require_course(&mut tx, n.id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(c)
    }

    pub(crate) async fn update_course_q(
        &self,
        ctx: &AuditCtx,
        id: CourseId,
        expected: Option<i64>,
        p: CoursePatch,
    ) -> R<CourseRecord> {
        let mut tx = self.begin_write().await?;
        let before = self.require_course(&mut tx, id).await?;
        if expected.is_some_and(|v| v != before.version) {
            return Err(StoreError::Stale);
        }
        let mut q = Query::update();
        q.table(C::Table)
            .value(C::UpdatedAt, ctx.at.millis())
            .value(C::Version, before.version + 1)
            .and_where(Expr::col(C::Id).eq(id.to_string()));
        let mut changes = serde_json::Map::new();
        let mut note = |k: &str, b: serde_json::Value, a: serde_json::Value| {
            if a != b {
                changes.insert(k.into(), json!({ "before": b, "after": a }));
            }
        };
        if let Some(v) = &p.title {
            q.value(C::Title, v.clone())
                .value(C::TitleKey, title_key(v));
            note("title", json!(before.title), json!(v));
        }
        if let Some(v) = &p.description {
            q.value(C::Description, v.clone());
            note("description", json!(before.description), json!(v));
        }
        if let Some(v) = &p.language {
            q.value(C::Language, v.clone());
            note("language", json!(before.language), json!(v));
        }
        if let Some(o) = &p.outline {
            let b: Vec<String> = before.outline.iter().map(|x| x.id.to_string()).collect();
            let a: Vec<String> = o.iter().map(|x| x.to_string()).collect();
            note("outline", json!(b), json!(a));
        }
        exec(&mut tx, self.build(&q)).await?;
        if let Some(o) = &p.outline {
            self.write_outline(&mut tx, id, o).await?;
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.course.update")
                .target("course", id)
                .changes(serde_json::Value::Object(changes)),
        )
        .await?;
        let after = self.require_course(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    /// The projects (of `org`, or of any organization) that follow the course.
    async fn projects_using(
        &self,
        conn: &mut AnyConnection,
        id: CourseId,
        org: Option<OrgId>,
    ) -> R<Vec<String>> {
        let mut q = Query::select();
        q.columns([PJ::Id, PJ::Name])
            .from(PJ::Table)
            .and_where(Expr::col(PJ::CourseTemplateId).eq(id.to_string()))
            .order_by(PJ::Name, Order::Asc)
            .limit(20);
        if let Some(o) = org {
            q.and_where(Expr::col(PJ::OrganizationId).eq(o.to_string()));
        }
        let rows = fetch_all(conn, self.build(&q)).await?;
        rows.iter()
            .map(|r| Ok(format!("{} ({})", s(r, "name")?, s(r, "id")?)))
            .collect()
    }

    pub(crate) async fn delete_course_q(&self, ctx: &AuditCtx, id: CourseId) -> R<CourseRecord> {
        let mut tx = self.begin_write().await?;
        let before = self.require_course(&mut tx, id).await?;
        let using = self.projects_using(&mut tx, id, None).await?;
        if !using.is_empty() {
            return Err(StoreError::Conflict {
                kind: "course-in-use",
                message: format!("projects follow this course: {}", using.join(", ")),
            });
        }
        let activations = self
            .delete_where(
                &mut tx,
                OrgCourses::Table,
                Expr::col(OrgCourses::CourseId).eq(id.to_string()),
            )
            .await?;
        self.delete_where(&mut tx, C::Table, Expr::col(C::Id).eq(id.to_string()))
            .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.course.delete")
                .target("course", id)
                .changes(json!({ "title": before.title, "activations": activations })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(before)
    }

    /// Whether the organization has activated the course (PR1 checks it in the project's
    /// transaction).
    pub(crate) async fn course_activated_in(
        &self,
        conn: &mut AnyConnection,
        org: OrgId,
        id: CourseId,
    ) -> R<bool> {
        self.exists_in(
            conn,
            OrgCourses::Table,
            Expr::col(OrgCourses::OrgId)
                .eq(org.to_string())
                .and(Expr::col(OrgCourses::CourseId).eq(id.to_string())),
        )
        .await
    }

    pub(crate) async fn activate_course_q(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        id: CourseId,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        self.require_org(&mut tx, org).await?;
        let c = self.require_course(&mut tx, id).await?;
        if self.course_activated_in(&mut tx, org, id).await? {
            return Err(StoreError::Conflict {
                kind: "already-activated",
                message: "the course is already activated for this organization".into(),
            });
        }
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(OrgCourses::Table)
                    .columns([
                        OrgCourses::OrgId,
                        OrgCourses::CourseId,
                        OrgCourses::ActivatedAt,
                    ])
                    .values_panic([
                        org.to_string().into(),
                        id.to_string().into(),
                        ctx.at.millis().into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.course.activate")
                .target("course", id)
                .org(org)
                .changes(json!({ "title": c.title })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    pub(crate) async fn deactivate_course_q(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        id: CourseId,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        if !self.course_activated_in(&mut tx, org, id).await? {
            return Err(StoreError::NotFound("activated course"));
        }
        let using = self.projects_using(&mut tx, id, Some(org)).await?;
        if !using.is_empty() {
            return Err(StoreError::Conflict {
                kind: "course-in-use",
                message: format!(
                    "projects of this organization follow this course: {}",
                    using.join(", ")
                ),
            });
        }
        self.delete_where(
            &mut tx,
            OrgCourses::Table,
            Expr::col(OrgCourses::OrgId)
                .eq(org.to_string())
                .and(Expr::col(OrgCourses::CourseId).eq(id.to_string())),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.course.deactivate")
                .target("course", id)
                .org(org),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}
