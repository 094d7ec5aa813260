//! Catalog products (C1) and their files. A file's bytes live in `catalog_product_files`,
//! so lists never read them; a product's row carries the file's name, media type and size.

use crate::audit::paginate;
use crate::orgs::bad_cursor;
use crate::rows::{R, i, os, s, ts};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_domain::catalog::{ProductStatus, ProductType};
use portico_domain::ids::ProductId;
use portico_domain::page::{Page, PageRequest};
use portico_services::StoreError;
use portico_services::catalog::*;
use portico_services::records::{AuditCtx, AuditDraft};
use sea_query::{Cond, Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

#[derive(Iden, Clone, Copy)]
#[iden = "catalog_products"]
pub(crate) enum Products {
    Table,
    Id,
    ProductType,
    Title,
    TitleKey,
    Description,
    Language,
    Status,
    Content,
    FileName,
    FileMediaType,
    FileSize,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(Iden, Clone, Copy)]
#[iden = "catalog_product_files"]
pub(crate) enum Files {
    Table,
    ProductId,
    Data,
}

#[derive(Iden, Clone, Copy)]
#[iden = "organization_products"]
pub(crate) enum OrgProducts {
    Table,
    OrgId,
    ProductId,
    ActivatedAt,
}

use crate::catalog_courses::{CourseItems as CI, Courses as C};
use crate::catalog_files::file_audit;
use Products as P;

const COLUMNS: [Products; 14] = [
    P::Id,
    P::ProductType,
    P::Title,
    P::Description,
    P::Language,
    P::Status,
    P::Content,
    P::FileName,
    P::FileMediaType,
    P::FileSize,
    P::CreatedAt,
    P::UpdatedAt,
    P::Version,
    P::TitleKey,
];

/// The sort and search key of a title: its words, lower-cased and accent-folded, each
/// preceded by a space (so `LIKE '% term%'` is a word-prefix match).
pub(crate) fn title_key(title: &str) -> String {
    let mut k = String::new();
    for t in portico_domain::search::tokens(title) {
        k.push(' ');
        k.push_str(&t);
    }
    k
}

/// Adds "every term starts a word of the title" to a query.
pub(crate) fn match_terms(
    q: &mut SelectStatement,
    col: impl sea_query::IntoColumnRef + Copy,
    terms: &Option<Vec<String>>,
) {
    for t in terms.iter().flatten() {
        q.and_where(Expr::col(col).like(format!("% {t}%")));
    }
}

pub(crate) fn product(r: &AnyRow) -> R<ProductRecord> {
    let corrupt =
        |c: &str, e: &dyn std::fmt::Display| StoreError::Backend(format!("corrupt {c}: {e}"));
    let file = match os(r, "file_name")? {
        Some(name) => Some(FileMeta {
            name,
            media_type: os(r, "file_media_type")?.unwrap_or_default(),
            size: crate::rows::oi(r, "file_size")?.unwrap_or(0),
        }),
        None => None,
    };
    Ok(ProductRecord {
        id: ProductId::parse(&s(r, "id")?).map_err(|e| corrupt("id", &e))?,
        product_type: ProductType::parse(&s(r, "product_type")?)
            .map_err(|e| corrupt("type", &e))?,
        title: s(r, "title")?,
        description: s(r, "description")?,
        language: s(r, "language")?,
        status: ProductStatus::parse(&s(r, "status")?)
            .ok_or_else(|| corrupt("status", &"unknown"))?,
        content: os(r, "content")?
            .map(|c| serde_json::from_str(&c))
            .transpose()
            .map_err(|e| corrupt("content", &e))?,
        file,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
        version: i(r, "version")?,
    })
}

impl SqlStore {
    pub(crate) async fn product_in(
        &self,
        conn: &mut AnyConnection,
        id: ProductId,
    ) -> R<Option<ProductRecord>> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .columns(COLUMNS)
                    .from(P::Table)
                    .and_where(Expr::col(P::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        row.as_ref().map(product).transpose()
    }

    pub(crate) async fn require_product(
        &self,
        conn: &mut AnyConnection,
        id: ProductId,
    ) -> R<ProductRecord> {
        self.product_in(conn, id)
            .await?
            .ok_or(StoreError::NotFound("product"))
    }

    pub(crate) async fn list_products_q(
        &self,
        f: &ProductFilter,
        page: &PageRequest,
    ) -> R<Page<ProductRecord>> {
        let mut q = Query::select();
        q.columns(COLUMNS.map(|c| (P::Table, c)))
            .from(P::Table)
            .order_by((P::Table, P::TitleKey), Order::Asc)
            .order_by((P::Table, P::Id), Order::Asc)
            .limit(page.limit as u64 + 1);
        match_terms(&mut q, (P::Table, P::TitleKey), &f.terms);
        if let Some(st) = f.status {
            q.and_where(Expr::col((P::Table, P::Status)).eq(st.as_str()));
        }
        if let Some(t) = &f.product_type {
            q.and_where(Expr::col((P::Table, P::ProductType)).eq(t.as_str()));
        }
        if let Some(l) = &f.language {
            q.and_where(Expr::col((P::Table, P::Language)).eq(l.as_str()));
        }
        if let Some(org) = f.activated_in {
            q.inner_join(
                OrgProducts::Table,
                Expr::col((OrgProducts::Table, OrgProducts::ProductId))
                    .equals((P::Table, P::Id))
                    .and(Expr::col((OrgProducts::Table, OrgProducts::OrgId)).eq(org.to_string())),
            );
        }
        if let Some(org) = f.not_activated_in {
            q.and_where(
                Expr::col((P::Table, P::Id)).not_in_subquery(
                    Query::select()
                        .column(OrgProducts::ProductId)
                        .from(OrgProducts::Table)
                        .and_where(Expr::col(OrgProducts::OrgId).eq(org.to_string()))
                        .to_owned(),
                ),
            );
        }
        if let Some(after) = &page.after {
            let (key, id) = after.split_once('\u{1f}').ok_or_else(bad_cursor)?;
            q.cond_where(
                Cond::any()
                    .add(Expr::col((P::Table, P::TitleKey)).gt(key))
                    .add(
                        Expr::col((P::Table, P::TitleKey))
                            .eq(key)
                            .and(Expr::col((P::Table, P::Id)).gt(id)),
                    ),
            );
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        let items = rows.iter().map(product).collect::<R<Vec<_>>>()?;
        Ok(paginate(items, page.limit, |p| {
            format!("{}\u{1f}{}", title_key(&p.title), p.id)
        }))
    }

    pub(crate) async fn get_product_q(&self, id: ProductId) -> R<Option<ProductRecord>> {
        let mut conn = self.conn().await?;
        self.product_in(&mut conn, id).await
    }

    pub(crate) async fn create_product_q(&self, ctx: &AuditCtx, n: NewProduct) -> R<ProductRecord> {
        let mut tx = self.begin_write().await?;
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(P::Table)
                    .columns([
                        P::Id,
                        P::ProductType,
                        P::Title,
                        P::TitleKey,
                        P::Description,
                        P::Language,
                        P::Status,
                        P::Content,
                        P::CreatedAt,
                        P::UpdatedAt,
                        P::Version,
                    ])
                    .values_panic([
                        n.id.to_string().into(),
                        n.product_type.as_str().into(),
                        n.title.clone().into(),
                        title_key(&n.title).into(),
                        n.description.clone().into(),
                        n.language.clone().into(),
                        n.status.as_str().into(),
                        n.content.as_ref().map(|c| c.to_string()).into(),
                        ctx.at.millis().into(),
                        ctx.at.millis().into(),
                        1i64.into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        let mut changes = json!({
            "type": n.product_type.as_str(),
            "title": n.title,
            "language": n.language,
            "status": n.status.as_str(),
        });
        if let Some(f) = n.file {
            self.write_file_in(&mut tx, n.id, &f.meta, f.data).await?;
            changes["file"] = file_audit(&f.meta);
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.product.create")
                .target("product", n.id)
                .changes(changes),
        )
        .await?;
        let p = self.require_product(&mut tx, n.id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(p)
    }

    pub(crate) async fn update_product_q(
        &self,
        ctx: &AuditCtx,
        id: ProductId,
        expected: Option<i64>,
        p: ProductPatch,
    ) -> R<ProductRecord> {
        let mut tx = self.begin_write().await?;
        let before = self.require_product(&mut tx, id).await?;
        if expected.is_some_and(|v| v != before.version) {
            return Err(StoreError::Stale);
        }
        let mut q = Query::update();
        q.table(P::Table)
            .value(P::UpdatedAt, ctx.at.millis())
            .value(P::Version, before.version + 1)
            .and_where(Expr::col(P::Id).eq(id.to_string()));
        let mut changes = serde_json::Map::new();
        let mut note = |k: &str, b: serde_json::Value, a: serde_json::Value| {
            if a != b {
                changes.insert(k.into(), json!({ "before": b, "after": a }));
            }
        };
        if let Some(v) = &p.product_type {
            q.value(P::ProductType, v.as_str());
            note(
                "type",
                json!(before.product_type.as_str()),
                json!(v.as_str()),
            );
        }
        if let Some(v) = &p.title {
            q.value(P::Title, v.clone())
                .value(P::TitleKey, title_key(v));
            note("title", json!(before.title), json!(v));
        }
        if let Some(v) = &p.description {
            q.value(P::Description, v.clone());
            note("description", json!(before.description), json!(v));
        }
        if let Some(v) = &p.language {
            q.value(P::Language, v.clone());
            note("language", json!(before.language), json!(v));
        }
        if let Some(v) = p.status {
            q.value(P::Status, v.as_str());
            note("status", json!(before.status.as_str()), json!(v.as_str()));
        }
        if let Some(v) = &p.content {
            q.value(P::Content, v.as_ref().map(|c| c.to_string()));
            if *v != before.content {
                changes.insert("content".into(), json!("changed"));
            }
        }
        exec(&mut tx, self.build(&q)).await?;
        if let Some(f) = p.file {
            self.write_file_in(&mut tx, id, &f.meta, f.data).await?;
            let mut entry = file_audit(&f.meta);
            entry["replaced"] = json!(before.file.is_some());
            changes.insert("file".into(), entry);
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.product.update")
                .target("product", id)
                .changes(serde_json::Value::Object(changes)),
        )
        .await?;
        let after = self.require_product(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    pub(crate) async fn delete_product_q(&self, ctx: &AuditCtx, id: ProductId) -> R<ProductRecord> {
        let mut tx = self.begin_write().await?;
        let before = self.require_product(&mut tx, id).await?;
        let rows = fetch_all(
            &mut tx,
            self.build(
                &Query::select()
                    .distinct()
                    .columns([(C::Table, C::Id), (C::Table, C::Title)])
                    .from(CI::Table)
                    .inner_join(
                        C::Table,
                        Expr::col((C::Table, C::Id)).equals((CI::Table, CI::CourseId)),
                    )
                    .and_where(Expr::col((CI::Table, CI::ProductId)).eq(id.to_string()))
                    .order_by((C::Table, C::Title), Order::Asc)
                    .to_owned(),
            ),
        )
        .await?;
        if !rows.is_empty() {
            let names = rows
                .iter()
                .map(|r| Ok(format!("{} ({})", s(r, "title")?, s(r, "id")?)))
                .collect::<R<Vec<_>>>()?;
            return Err(StoreError::Conflict {
                kind: "product-in-use",
                message: format!(
                    "the product is in the outline of: {}; take it out of those courses first",
                    names.join(", ")
                ),
            });
        }
        let activations = self
            .delete_where(
                &mut tx,
                OrgProducts::Table,
                Expr::col(OrgProducts::ProductId).eq(id.to_string()),
            )
            .await?;
        self.delete_where(&mut tx, P::Table, Expr::col(P::Id).eq(id.to_string()))
            .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.product.delete")
                .target("product", id)
                .changes(json!({ "title": before.title, "activations": activations })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(before)
    }

    pub(crate) async fn activate_product_q(
        &self,
        ctx: &AuditCtx,
        org: portico_domain::ids::OrgId,
        id: ProductId,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        self.require_org(&mut tx, org).await?;
        let p = self.require_product(&mut tx, id).await?;
        if p.status != ProductStatus::Published {
            return Err(StoreError::Conflict {
                kind: "product-not-published",
                message: "only a published product can be activated".into(),
            });
        }
        let done = exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(OrgProducts::Table)
                    .columns([
                        OrgProducts::OrgId,
                        OrgProducts::ProductId,
                        OrgProducts::ActivatedAt,
                    ])
                    .values_panic([
                        org.to_string().into(),
                        id.to_string().into(),
                        ctx.at.millis().into(),
                    ])
                    .on_conflict(
                        sea_query::OnConflict::columns([
                            OrgProducts::OrgId,
                            OrgProducts::ProductId,
                        ])
                        .do_nothing()
                        .to_owned(),
                    )
                    .to_owned(),
            ),
        )
        .await?;
        if done == 0 {
            return Err(StoreError::Conflict {
                kind: "already-activated",
                message: "the product is already activated for this organization".into(),
            });
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.product.activate")
                .target("product", id)
                .org(org)
                .changes(json!({ "title": p.title })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    pub(crate) async fn deactivate_product_q(
        &self,
        ctx: &AuditCtx,
        org: portico_domain::ids::OrgId,
        id: ProductId,
    ) -> R<()> {
        let mut tx = self.begin_write().await?;
        let gone = self
            .delete_where(
                &mut tx,
                OrgProducts::Table,
                Expr::col(OrgProducts::OrgId)
                    .eq(org.to_string())
                    .and(Expr::col(OrgProducts::ProductId).eq(id.to_string())),
            )
            .await?;
        if gone == 0 {
            return Err(StoreError::NotFound("activated product"));
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.product.deactivate")
                .target("product", id)
                .org(org),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}
