//! Templates and texts (C2, C4, C5, S3, S4): platform template overrides, catalog email
//! templates, their per-organization switch and the support text. Every write is one
//! transaction with its audit entry; bodies are content, not secrets, but the audit records
//! only which template changed and which parts, not their text.

use crate::rows::{R, i, s, ts};
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use async_trait::async_trait;
use portico_domain::ids::{EmailTemplateId, OrgId};
use portico_services::StoreError;
use portico_services::records::{AuditCtx, AuditDraft};
use portico_services::templates::platform::{
    PlatformKind, PlatformOverride, PlatformTemplateVersion,
};
use portico_services::templates::records::*;
use portico_services::templates::store::TemplateStore;
use sea_query::{Expr, ExprTrait, Iden, Order, Query, SelectStatement};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

#[derive(Iden, Clone, Copy)]
enum CatalogEmailTemplates {
    Table,
    Id,
    TemplateKey,
    Language,
    Subject,
    HtmlBody,
    TextBody,
    Variables,
    CreatedAt,
    UpdatedAt,
    Version,
}
use CatalogEmailTemplates as CE;

const CE_COLUMNS: [CE; 10] = [
    CE::Id,
    CE::TemplateKey,
    CE::Language,
    CE::Subject,
    CE::HtmlBody,
    CE::TextBody,
    CE::Variables,
    CE::CreatedAt,
    CE::UpdatedAt,
    CE::Version,
];

#[derive(Iden, Clone, Copy)]
enum OrganizationEmailTemplates {
    Table,
    OrganizationId,
    TemplateId,
    EnabledAt,
}
use OrganizationEmailTemplates as OE;

#[derive(Iden, Clone, Copy)]
enum SupportText {
    Table,
    Id,
    Markdown,
    UpdatedAt,
}

fn corrupt(c: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("column {c}: {e}"))
}

fn catalog_email(r: &AnyRow) -> R<CatalogEmailTemplate> {
    Ok(CatalogEmailTemplate {
        id: EmailTemplateId::parse(&s(r, "id")?).map_err(|e| corrupt("id", e))?,
        key: s(r, "template_key")?,
        language: s(r, "language")?,
        subject: s(r, "subject")?,
        html: s(r, "html_body")?,
        text: s(r, "text_body")?,
        variables: serde_json::from_str(&s(r, "variables")?)
            .map_err(|e| corrupt("variables", e))?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
        version: i(r, "version")?,
    })
}

fn sorted(q: &mut SelectStatement, filter: &TemplateFilter) {
    if let Some(l) = &filter.language {
        q.and_where(Expr::col((CE::Table, CE::Language)).eq(l.clone()));
    }
    let (lang, key) = ((CE::Table, CE::Language), (CE::Table, CE::TemplateKey));
    match filter.sort {
        TemplateSort::Language => q.order_by(lang, Order::Asc).order_by(key, Order::Asc),
        TemplateSort::LanguageDesc => q.order_by(lang, Order::Desc).order_by(key, Order::Asc),
        TemplateSort::Key => q.order_by(key, Order::Asc).order_by(lang, Order::Asc),
    };
    q.order_by((CE::Table, CE::Id), Order::Asc);
}

/// The parts whose text differs, for the audit entry.
pub(crate) fn changed_parts(
    before: Option<(&str, &str, &str)>,
    after: (&str, &str, &str),
) -> Vec<&'static str> {
    let b = before.unwrap_or(("\u{0}", "\u{0}", "\u{0}"));
    [
        ("subject", b.0 != after.0),
        ("html_body", b.1 != after.1),
        ("text_body", b.2 != after.2),
    ]
    .into_iter()
    .filter(|(_, c)| *c)
    .map(|(n, _)| n)
    .collect()
}

impl SqlStore {
    async fn catalog_email_in(
        &self,
        conn: &mut AnyConnection,
        id: EmailTemplateId,
    ) -> R<Option<CatalogEmailTemplate>> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .columns(CE_COLUMNS)
                    .from(CE::Table)
                    .and_where(Expr::col(CE::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        row.as_ref().map(catalog_email).transpose()
    }

    async fn write_catalog_email(
        &self,
        ctx: &AuditCtx,
        id: EmailTemplateId,
        expected: Option<i64>,
        w: CatalogEmailWrite,
        create: bool,
    ) -> R<CatalogEmailTemplate> {
        let mut tx = self.begin_write().await?;
        let before = self.catalog_email_in(&mut tx, id).await?;
        let variables = serde_json::to_string(&w.variables).map_err(|e| corrupt("variables", e))?;
        let action;
        match (&before, create) {
            (None, true) => {
                action = "catalog.email_template.create";
                exec(
                    &mut tx,
                    self.build(
                        &Query::insert()
                            .into_table(CE::Table)
                            .columns(CE_COLUMNS)
                            .values_panic([
                                id.to_string().into(),
                                w.key.clone().into(),
                                w.language.clone().into(),
                                w.subject.clone().into(),
                                w.html.clone().into(),
                                w.text.clone().into(),
                                variables.into(),
                                ctx.at.millis().into(),
                                ctx.at.millis().into(),
                                1i64.into(),
                            ])
                            .to_owned(),
                    ),
                )
                .await?;
            }
            (Some(b), false) => {
                if expected.is_some_and(|v| v != b.version) {
                    return Err(StoreError::Stale);
                }
                action = "catalog.email_template.update";
                exec(
                    &mut tx,
                    self.build(
                        &Query::update()
                            .table(CE::Table)
                            .value(CE::TemplateKey, w.key.clone())
                            .value(CE::Language, w.language.clone())
                            .value(CE::Subject, w.subject.clone())
                            .value(CE::HtmlBody, w.html.clone())
                            .value(CE::TextBody, w.text.clone())
                            .value(CE::Variables, variables)
                            .value(CE::UpdatedAt, ctx.at.millis())
                            .value(CE::Version, b.version + 1)
                            .and_where(Expr::col(CE::Id).eq(id.to_string()))
                            .to_owned(),
                    ),
                )
                .await?;
            }
            (Some(_), true) => {
                return Err(StoreError::Unique("catalog_email_templates_pkey".into()));
            }
            (None, false) => return Err(StoreError::NotFound("email template")),
        }
        let parts = changed_parts(
            before
                .as_ref()
                .map(|b| (b.subject.as_str(), b.html.as_str(), b.text.as_str())),
            (&w.subject, &w.html, &w.text),
        );
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new(action)
                .target("email_template", id)
                .changes(json!({
                    "key": w.key,
                    "language": w.language,
                    "parts_changed": parts,
                    "variables": w.variables.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
                })),
        )
        .await?;
        let t = self
            .catalog_email_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("email template"))?;
        tx.commit().await.map_err(db_err)?;
        Ok(t)
    }
}

#[async_trait]
impl TemplateStore for SqlStore {
    async fn platform_overrides(
        &self,
        kind: PlatformKind,
        key: Option<&str>,
    ) -> R<Vec<PlatformOverride>> {
        self.platform_overrides_q(kind, key).await
    }

    async fn platform_template_versions(
        &self,
        kind: PlatformKind,
        key: Option<&str>,
    ) -> R<Vec<PlatformTemplateVersion>> {
        self.platform_template_versions_q(kind, key).await
    }

    async fn put_platform_override(
        &self,
        ctx: &AuditCtx,
        o: PlatformOverride,
        expected_version: Option<i64>,
    ) -> R<i64> {
        self.put_platform_override_q(ctx, o, expected_version).await
    }

    async fn delete_platform_override(
        &self,
        ctx: &AuditCtx,
        kind: PlatformKind,
        key: &str,
        language: &str,
        expected_version: Option<i64>,
    ) -> R<Option<i64>> {
        self.delete_platform_override_q(ctx, kind, key, language, expected_version)
            .await
    }

    async fn list_catalog_emails(&self, filter: &TemplateFilter) -> R<Vec<CatalogEmailTemplate>> {
        let mut q = Query::select();
        q.columns(CE_COLUMNS).from(CE::Table).limit(1000);
        sorted(&mut q, filter);
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        rows.iter().map(catalog_email).collect()
    }

    async fn get_catalog_email(&self, id: EmailTemplateId) -> R<Option<CatalogEmailTemplate>> {
        let mut conn = self.conn().await?;
        self.catalog_email_in(&mut conn, id).await
    }

    async fn create_catalog_email(
        &self,
        ctx: &AuditCtx,
        id: EmailTemplateId,
        w: CatalogEmailWrite,
    ) -> R<CatalogEmailTemplate> {
        self.write_catalog_email(ctx, id, None, w, true).await
    }

    async fn update_catalog_email(
        &self,
        ctx: &AuditCtx,
        id: EmailTemplateId,
        expected: Option<i64>,
        w: CatalogEmailWrite,
    ) -> R<CatalogEmailTemplate> {
        self.write_catalog_email(ctx, id, expected, w, false).await
    }

    async fn delete_catalog_email(&self, ctx: &AuditCtx, id: EmailTemplateId) -> R<()> {
        let mut tx = self.begin_write().await?;
        let t = self
            .catalog_email_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("email template"))?;
        let switched = self
            .delete_where(
                &mut tx,
                OE::Table,
                Expr::col(OE::TemplateId).eq(id.to_string()),
            )
            .await?;
        self.delete_where(&mut tx, CE::Table, Expr::col(CE::Id).eq(id.to_string()))
            .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.email_template.delete")
                .target("email_template", id)
                .changes(json!({
                    "key": t.key,
                    "language": t.language,
                    "organizations_switched_off": switched,
                })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn org_catalog_emails(
        &self,
        org: OrgId,
        filter: &TemplateFilter,
    ) -> R<Vec<OrgEmailTemplate>> {
        let mut conn = self.conn().await?;
        let on: std::collections::HashSet<String> = fetch_all(
            &mut conn,
            self.build(
                &Query::select()
                    .column(OE::TemplateId)
                    .from(OE::Table)
                    .and_where(Expr::col(OE::OrganizationId).eq(org.to_string()))
                    .to_owned(),
            ),
        )
        .await?
        .iter()
        .map(|r| s(r, "template_id"))
        .collect::<R<_>>()?;
        let mut q = Query::select();
        q.columns(CE_COLUMNS).from(CE::Table).limit(1000);
        sorted(&mut q, filter);
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        rows.iter()
            .map(|r| {
                let t = catalog_email(r)?;
                Ok(OrgEmailTemplate {
                    enabled: on.contains(&t.id.to_string()),
                    template: t,
                })
            })
            .collect()
    }

    async fn set_org_catalog_email(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        id: EmailTemplateId,
        enabled: bool,
    ) -> R<bool> {
        let mut tx = self.begin_write().await?;
        self.require_org(&mut tx, org).await?;
        let t = self
            .catalog_email_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("email template"))?;
        let cond = Expr::col(OE::OrganizationId)
            .eq(org.to_string())
            .and(Expr::col(OE::TemplateId).eq(id.to_string()));
        let was = fetch_opt(
            &mut tx,
            self.build(
                &Query::select()
                    .column(OE::TemplateId)
                    .from(OE::Table)
                    .and_where(cond.clone())
                    .to_owned(),
            ),
        )
        .await?
        .is_some();
        if was == enabled {
            return Ok(false);
        }
        if enabled {
            exec(
                &mut tx,
                self.build(
                    &Query::insert()
                        .into_table(OE::Table)
                        .columns([OE::OrganizationId, OE::TemplateId, OE::EnabledAt])
                        .values_panic([
                            org.to_string().into(),
                            id.to_string().into(),
                            ctx.at.millis().into(),
                        ])
                        .to_owned(),
                ),
            )
            .await?;
        } else {
            self.delete_where(&mut tx, OE::Table, cond).await?;
        }
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new(if enabled {
                "organization.email_template.enable"
            } else {
                "organization.email_template.disable"
            })
            .target("email_template", id)
            .org(org)
            .changes(json!({
                "key": t.key,
                "language": t.language,
                "enabled": { "before": was, "after": enabled },
            })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn support_text(&self) -> R<Option<SupportTextRecord>> {
        let mut conn = self.conn().await?;
        let row = fetch_opt(
            &mut conn,
            self.build(
                &Query::select()
                    .columns([SupportText::Markdown, SupportText::UpdatedAt])
                    .from(SupportText::Table)
                    .and_where(Expr::col(SupportText::Id).eq(1i64))
                    .to_owned(),
            ),
        )
        .await?;
        row.map(|r| {
            Ok(SupportTextRecord {
                markdown: s(&r, "markdown")?,
                updated_at: ts(&r, "updated_at")?,
            })
        })
        .transpose()
    }

    async fn set_support_text(&self, ctx: &AuditCtx, markdown: &str) -> R<()> {
        let mut tx = self.begin_write().await?;
        self.delete_where(
            &mut tx,
            SupportText::Table,
            Expr::col(SupportText::Id).eq(1i64),
        )
        .await?;
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(SupportText::Table)
                    .columns([
                        SupportText::Id,
                        SupportText::Markdown,
                        SupportText::UpdatedAt,
                    ])
                    .values_panic([1i64.into(), markdown.into(), ctx.at.millis().into()])
                    .to_owned(),
            ),
        )
        .await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("settings.support_text.update")
                .target("setting", "support_text")
                .changes(json!({ "length": markdown.chars().count() })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}
