//! A catalog product's file (C1): the bytes in `catalog_product_files` (BLOB / BYTEA), the
//! name, media type and size on the product's row, written in the transaction of the change
//! that brings the file.

use crate::catalog::{Files, Products as P};
use crate::rows::R;
use crate::{SqlStore, db_err, exec, fetch_opt};
use portico_domain::ids::ProductId;
use portico_services::StoreError;
use portico_services::catalog::*;
use portico_services::records::{AuditCtx, AuditDraft};
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// What the audit records of a file: never its bytes.
pub(crate) fn file_audit(meta: &FileMeta) -> serde_json::Value {
    json!({ "name": meta.name, "media_type": meta.media_type, "size": meta.size })
}

impl SqlStore {
    /// Stores `data` as the product's file (replacing any) and its description on the row.
    pub(crate) async fn write_file_in(
        &self,
        conn: &mut AnyConnection,
        id: ProductId,
        meta: &FileMeta,
        data: Vec<u8>,
    ) -> R<()> {
        self.delete_where(
            conn,
            Files::Table,
            Expr::col(Files::ProductId).eq(id.to_string()),
        )
        .await?;
        exec(
            conn,
            self.build(
                &Query::insert()
                    .into_table(Files::Table)
                    .columns([Files::ProductId, Files::Data])
                    .values_panic([id.to_string().into(), data.into()])
                    .to_owned(),
            ),
        )
        .await?;
        exec(
            conn,
            self.build(
                &Query::update()
                    .table(P::Table)
                    .value(P::FileName, meta.name.clone())
                    .value(P::FileMediaType, meta.media_type.clone())
                    .value(P::FileSize, meta.size)
                    .and_where(Expr::col(P::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn put_product_file_q(
        &self,
        ctx: &AuditCtx,
        id: ProductId,
        expected: Option<i64>,
        meta: FileMeta,
        data: Vec<u8>,
    ) -> R<ProductRecord> {
        let mut tx = self.begin_write().await?;
        let before = self.require_product(&mut tx, id).await?;
        if expected.is_some_and(|v| v != before.version) {
            return Err(StoreError::Stale);
        }
        self.write_file_in(&mut tx, id, &meta, data).await?;
        exec(
            &mut tx,
            self.build(
                &Query::update()
                    .table(P::Table)
                    .value(P::UpdatedAt, ctx.at.millis())
                    .value(P::Version, before.version + 1)
                    .and_where(Expr::col(P::Id).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        let mut changes = file_audit(&meta);
        changes["replaced"] = json!(before.file.is_some());
        self.append_in(
            &mut tx,
            ctx,
            AuditDraft::new("catalog.product.file")
                .target("product", id)
                .changes(changes),
        )
        .await?;
        let after = self.require_product(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(after)
    }

    pub(crate) async fn product_file_q(&self, id: ProductId) -> R<Option<(FileMeta, Vec<u8>)>> {
        let mut conn = self.conn().await?;
        let Some(p) = self.product_in(&mut conn, id).await? else {
            return Ok(None);
        };
        let Some(meta) = p.file else {
            return Ok(None);
        };
        let row = fetch_opt(
            &mut conn,
            self.build(
                &Query::select()
                    .column(Files::Data)
                    .from(Files::Table)
                    .and_where(Expr::col(Files::ProductId).eq(id.to_string()))
                    .to_owned(),
            ),
        )
        .await?;
        match row {
            Some(r) => Ok(Some((
                meta,
                r.try_get::<Vec<u8>, _>("data").map_err(db_err)?,
            ))),
            None => Ok(None),
        }
    }
}
