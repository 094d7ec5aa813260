//! C5, S4: operators' overrides of the platform's email and notification templates, and the
//! edit counter per key and language that `If-Match` is checked against
//! (`platform_template_versions`, migration 0015). The counter is kept when an override is
//! reset, so a tag read before a reset never matches after it; a stale tag changes nothing.

use crate::rows::{R, i, s, ts};
use crate::templates::changed_parts;
use crate::{SqlStore, db_err, exec, fetch_all, fetch_opt};
use portico_services::StoreError;
use portico_services::records::{AuditCtx, AuditDraft};
use portico_services::templates::platform::{
    PlatformKind, PlatformOverride, PlatformTemplateVersion,
};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

#[derive(Iden, Clone, Copy)]
enum PlatformTemplateOverrides {
    Table,
    Kind,
    TemplateKey,
    Language,
    Subject,
    HtmlBody,
    TextBody,
    UpdatedAt,
}
use PlatformTemplateOverrides as PO;

const COLUMNS: [PO; 7] = [
    PO::Kind,
    PO::TemplateKey,
    PO::Language,
    PO::Subject,
    PO::HtmlBody,
    PO::TextBody,
    PO::UpdatedAt,
];

fn platform_override(r: &AnyRow) -> R<PlatformOverride> {
    Ok(PlatformOverride {
        kind: PlatformKind::parse(&s(r, "kind")?)
            .ok_or_else(|| StoreError::Backend("column kind: unknown".into()))?,
        key: s(r, "template_key")?,
        language: s(r, "language")?,
        subject: s(r, "subject")?,
        html: s(r, "html_body")?,
        text: s(r, "text_body")?,
        updated_at: ts(r, "updated_at")?,
    })
}

impl SqlStore {
    async fn override_in(
        &self,
        conn: &mut AnyConnection,
        kind: PlatformKind,
        key: &str,
        language: &str,
    ) -> R<Option<PlatformOverride>> {
        let row = fetch_opt(
            conn,
            self.build(
                &Query::select()
                    .columns(COLUMNS)
                    .from(PO::Table)
                    .and_where(Expr::col(PO::Kind).eq(kind.as_str()))
                    .and_where(Expr::col(PO::TemplateKey).eq(key))
                    .and_where(Expr::col(PO::Language).eq(language))
                    .to_owned(),
            ),
        )
        .await?;
        row.as_ref().map(platform_override).transpose()
    }

    /// The edit counter of (kind, key, language); 0 when never edited.
    async fn version_in(
        &self,
        conn: &mut AnyConnection,
        kind: PlatformKind,
        key: &str,
        language: &str,
    ) -> R<i64> {
        let r = fetch_opt(
            conn,
            self.raw(
                "SELECT version FROM platform_template_versions \
                 WHERE kind = ? AND template_key = ? AND language = ?",
                vec![kind.as_str().into(), key.into(), language.into()],
            ),
        )
        .await?;
        Ok(r.map(|r| i(&r, "version")).transpose()?.unwrap_or(0))
    }

    /// Checks `expected` against the counter and moves it on; the new version.
    async fn next_version_in(
        &self,
        conn: &mut AnyConnection,
        kind: PlatformKind,
        key: &str,
        language: &str,
        expected: Option<i64>,
    ) -> R<i64> {
        let current = self.version_in(conn, kind, key, language).await?;
        if expected.is_some_and(|v| v != current) {
            return Err(StoreError::Stale);
        }
        let values = vec![kind.as_str().into(), key.into(), language.into()];
        exec(
            conn,
            self.raw(
                "DELETE FROM platform_template_versions \
                 WHERE kind = ? AND template_key = ? AND language = ?",
                values.clone(),
            ),
        )
        .await?;
        let mut values = values;
        values.push((current + 1).into());
        exec(
            conn,
            self.raw(
                "INSERT INTO platform_template_versions (kind, template_key, language, version) \
                 VALUES (?, ?, ?, ?)",
                values,
            ),
        )
        .await?;
        Ok(current + 1)
    }

    pub(crate) async fn platform_overrides_q(
        &self,
        kind: PlatformKind,
        key: Option<&str>,
    ) -> R<Vec<PlatformOverride>> {
        let mut q = Query::select();
        q.columns(COLUMNS)
            .from(PO::Table)
            .and_where(Expr::col(PO::Kind).eq(kind.as_str()))
            .order_by(PO::TemplateKey, Order::Asc)
            .order_by(PO::Language, Order::Asc);
        if let Some(k) = key {
            q.and_where(Expr::col(PO::TemplateKey).eq(k));
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.build(&q)).await?;
        rows.iter().map(platform_override).collect()
    }

    pub(crate) async fn platform_template_versions_q(
        &self,
        kind: PlatformKind,
        key: Option<&str>,
    ) -> R<Vec<PlatformTemplateVersion>> {
        let mut sql = "SELECT template_key, language, version FROM platform_template_versions \
                       WHERE kind = ?"
            .to_string();
        let mut values = vec![kind.as_str().into()];
        if let Some(k) = key {
            sql.push_str(" AND template_key = ?");
            values.push(k.into());
        }
        let mut conn = self.conn().await?;
        let rows = fetch_all(&mut conn, self.raw(&sql, values)).await?;
        rows.iter()
            .map(|r| {
                Ok(PlatformTemplateVersion {
                    key: s(r, "template_key")?,
                    language: s(r, "language")?,
                    version: i(r, "version")?,
                })
            })
            .collect()
    }

    pub(crate) async fn put_platform_override_q(
        &self,
        ctx: &AuditCtx,
        o: PlatformOverride,
        expected: Option<i64>,
    ) -> R<i64> {
        let mut tx = self.begin_write().await?;
        let version = self
            .next_version_in(&mut tx, o.kind, &o.key, &o.language, expected)
            .await?;
        let before = self
            .override_in(&mut tx, o.kind, &o.key, &o.language)
            .await?;
        let cond = Expr::col(PO::Kind)
            .eq(o.kind.as_str())
            .and(Expr::col(PO::TemplateKey).eq(o.key.clone()))
            .and(Expr::col(PO::Language).eq(o.language.clone()));
        self.delete_where(&mut tx, PO::Table, cond).await?;
        exec(
            &mut tx,
            self.build(
                &Query::insert()
                    .into_table(PO::Table)
                    .columns(COLUMNS)
                    .values_panic([
                        o.kind.as_str().into(),
                        o.key.clone().into(),
                        o.language.clone().into(),
                        o.subject.clone().into(),
                        o.html.clone().into(),
                        o.text.clone().into(),
                        o.updated_at.millis().into(),
                    ])
                    .to_owned(),
            ),
        )
        .await?;
        let parts = changed_parts(
            before
                .as_ref()
                .map(|b| (b.subject.as_str(), b.html.as_str(), b.text.as_str())),
            (&o.subject, &o.html, &o.text),
        );
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new(match o.kind {
                PlatformKind::Email => "settings.email_template.update",
                PlatformKind::Notification => "settings.notification_template.update",
            })
            .target("template", format!("{}.{}", o.key, o.language))
            .changes(json!({
                "key": o.key,
                "language": o.language,
                "overridden": { "before": before.is_some(), "after": true },
                "parts_changed": parts,
                "version": version,
            })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(version)
    }

    /// The new version, or `None` when there was no override (nothing changed).
    pub(crate) async fn delete_platform_override_q(
        &self,
        ctx: &AuditCtx,
        kind: PlatformKind,
        key: &str,
        language: &str,
        expected: Option<i64>,
    ) -> R<Option<i64>> {
        let mut tx = self.begin_write().await?;
        if self
            .override_in(&mut tx, kind, key, language)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let version = self
            .next_version_in(&mut tx, kind, key, language, expected)
            .await?;
        let cond = Expr::col(PO::Kind)
            .eq(kind.as_str())
            .and(Expr::col(PO::TemplateKey).eq(key))
            .and(Expr::col(PO::Language).eq(language));
        self.delete_where(&mut tx, PO::Table, cond).await?;
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new(match kind {
                PlatformKind::Email => "settings.email_template.reset",
                PlatformKind::Notification => "settings.notification_template.reset",
            })
            .target("template", format!("{key}.{language}"))
            .changes(json!({
                "key": key,
                "language": language,
                "overridden": { "before": true, "after": false },
                "version": version,
            })),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(version))
    }
}
