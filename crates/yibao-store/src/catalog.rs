//! The item catalog: items stored as JSON bodies with a version and a full edit history.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yibao_domain::{CatalogInfo, ServiceItem};

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{AuditEntry, Result, Store, StoreError, now, on_pool};

/// An item with its revision.
#[derive(Debug, Clone, Serialize)]
pub struct StoredItem {
    pub item: ServiceItem,
    pub catalog_code: String,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// One revision of an item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemHistoryEntry {
    pub version: i64,
    pub item: ServiceItem,
    pub note: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    catalog_code: String,
    body: String,
    version: i64,
    updated_by: String,
    updated_at: DateTime<Utc>,
}

fn parse_body(body: &str) -> Result<ServiceItem> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("事项内容：{e}")))
}

impl TryFrom<ItemRow> for StoredItem {
    type Error = StoreError;
    fn try_from(row: ItemRow) -> Result<StoredItem> {
        Ok(StoredItem {
            item: parse_body(&row.body)?,
            catalog_code: row.catalog_code,
            version: row.version,
            updated_by: row.updated_by,
            updated_at: row.updated_at,
        })
    }
}

const UPSERT_ITEM: &str = "INSERT INTO service_items (code, catalog_code, position, name, category, lowest_level, body, version, updated_by, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9) \
     ON CONFLICT (code) DO UPDATE SET catalog_code = excluded.catalog_code, position = excluded.position, \
       name = excluded.name, category = excluded.category, lowest_level = excluded.lowest_level, body = excluded.body, \
       version = service_items.version + 1, updated_by = excluded.updated_by, updated_at = excluded.updated_at";

const INSERT_HISTORY: &str = "INSERT INTO service_item_history (item_code, version, body, note, changed_by, changed_at) \
     SELECT code, version, body, $2, updated_by, updated_at FROM service_items WHERE code = $1";

impl Store {
    /// Imports a whole catalog: items are inserted or replaced (unchanged ones are left alone)
    /// and every change gets a history row. Returns how many items changed.
    pub async fn import_catalog(
        &self,
        info: &CatalogInfo,
        items: &[ServiceItem],
        actor: &str,
        note: &str,
    ) -> Result<usize> {
        let at = now();
        let existing = self.list_items().await?;
        let mut changed = 0;
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            sqlx::query(
                "INSERT INTO catalogs (code, name, issuer, published, source) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, issuer = excluded.issuer, \
                 published = excluded.published, source = excluded.source",
            )
            .bind(&info.code).bind(&info.name).bind(&info.issuer).bind(&info.published).bind(&info.source)
            .execute(&mut *tx)
            .await.map(|done| done.rows_affected())?;
            for (position, item) in items.iter().enumerate() {
                if existing.iter().any(|stored| stored.item == *item) {
                    continue;
                }
                changed += 1;
                let body = serde_json::to_string(item).expect("items serialise");
                sqlx::query(UPSERT_ITEM)
                    .bind(&item.code)
                    .bind(&info.code)
                    .bind(position as i64)
                    .bind(&item.name)
                    .bind(&item.category)
                    .bind(i16::from(item.lowest_level().depth()))
                    .bind(&body)
                    .bind(actor)
                    .bind(at)
                    .execute(&mut *tx)
                    .await.map(|done| done.rows_affected())?;
                sqlx::query(INSERT_HISTORY).bind(&item.code).bind(note).execute(&mut *tx).await.map(|done| done.rows_affected())?;
            }
            let audit = AuditEntry::new(actor, "catalog.import", "catalog", &info.code)
                .detail(serde_json::json!({ "items": items.len(), "changed": changed, "note": note }));
            audit_in_tx!(&mut *tx, &audit)?;
            tx.commit().await?;
            self.reference.changed();
        });
        Ok(changed)
    }

    pub async fn catalog_info(&self) -> Result<Vec<CatalogInfo>> {
        let rows: Vec<(String, String, String, String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT code, name, issuer, published, source FROM catalogs ORDER BY code").fetch_all(pool).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(code, name, issuer, published, source)| CatalogInfo {
                code,
                name,
                issuer,
                published,
                source,
            })
            .collect())
    }

    /// All items in catalog order.
    pub async fn list_items(&self) -> Result<Vec<StoredItem>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, ItemRow>(
                "SELECT catalog_code, body, version, updated_by, updated_at FROM service_items ORDER BY catalog_code, position, code",
            )
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(StoredItem::try_from).collect()
    }

    pub async fn get_item(&self, code: &str) -> Result<Option<StoredItem>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, ItemRow>("SELECT catalog_code, body, version, updated_by, updated_at FROM service_items WHERE code = $1")
                .bind(code)
                .fetch_optional(pool)
                .await
        })?;
        row.map(StoredItem::try_from).transpose()
    }

    /// Replaces an item's guide if nobody changed it since `expected_version`; writes history.
    pub async fn update_item(
        &self,
        item: &ServiceItem,
        expected_version: i64,
        note: &str,
        audit: &AuditEntry,
    ) -> Result<StoredItem> {
        let at = now();
        let body = serde_json::to_string(item).expect("items serialise");
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let done = sqlx::query(
                "UPDATE service_items SET name = $2, category = $3, lowest_level = $4, body = $5, version = version + 1, \
                 updated_by = $6, updated_at = $7 WHERE code = $1 AND version = $8",
            )
            .bind(&item.code)
            .bind(&item.name)
            .bind(&item.category)
            .bind(i16::from(item.lowest_level().depth()))
            .bind(&body)
            .bind(&audit.actor)
            .bind(at)
            .bind(expected_version)
            .execute(&mut *tx)
            .await.map(|done| done.rows_affected())?;
            if done == 0 {
                return Err(StoreError::StaleVersion);
            }
            sqlx::query(INSERT_HISTORY).bind(&item.code).bind(note).execute(&mut *tx).await.map(|done| done.rows_affected())?;
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
            self.reference.changed();
        });
        self.get_item(&item.code).await?.ok_or(StoreError::NotFound)
    }

    /// Every revision of an item, newest first.
    pub async fn item_history(&self, code: &str) -> Result<Vec<ItemHistoryEntry>> {
        let rows: Vec<(i64, String, String, String, DateTime<Utc>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT version, body, note, changed_by, changed_at FROM service_item_history WHERE item_code = $1 ORDER BY version DESC, id DESC",
            )
            .bind(code)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(version, body, note, changed_by, changed_at)| {
                Ok(ItemHistoryEntry {
                    version,
                    item: parse_body(&body)?,
                    note,
                    changed_by,
                    changed_at,
                })
            })
            .collect()
    }
}
