//! The append-only audit log: every write and every read of personal data leaves a row.
//!
//! Writes record their row inside their own transaction (`audit_in_tx!`); reads record it with
//! `Store::append_audit`. The database refuses UPDATE and DELETE on the table (triggers in the
//! migrations), so the application cannot rewrite history either.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Page, PageRequest, Result, Store, on_pool, prefix_end};

/// What is about to be recorded.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Username, or `system` for the CLI and demo seeder.
    pub actor: String,
    /// A stable verb such as `station.create` or `user.read`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The region the entity belongs to, so auditors see only their own area.
    pub region_code: Option<String>,
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

impl AuditEntry {
    pub fn new(actor: &str, action: &str, entity: &str, entity_id: &str) -> AuditEntry {
        AuditEntry {
            actor: actor.to_owned(),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: entity_id.to_owned(),
            region_code: None,
            detail: serde_json::Value::Null,
            ip: None,
        }
    }

    pub fn region(mut self, region_code: impl Into<String>) -> AuditEntry {
        self.region_code = Some(region_code.into());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> AuditEntry {
        self.detail = detail;
        self
    }

    pub fn ip(mut self, ip: Option<String>) -> AuditEntry {
        self.ip = ip;
        self
    }
}

/// A recorded audit row.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub region_code: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
}

/// Filters for the audit viewer.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub scope: Option<String>,
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}

pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_log (at, actor, action, entity, entity_id, region_code, detail, ip) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Inserts an audit row on an open transaction (or any executor).
macro_rules! audit_in_tx {
    ($executor:expr, $entry:expr) => {{
        let entry: &$crate::AuditEntry = $entry;
        sqlx::query($crate::audit::INSERT_AUDIT)
            .bind($crate::now())
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.entity)
            .bind(&entry.entity_id)
            .bind(&entry.region_code)
            .bind(entry.detail.to_string())
            .bind(&entry.ip)
            .execute($executor)
            .await
            .map(|done| done.rows_affected())
    }};
}
pub(crate) use audit_in_tx;

impl Store {
    /// Records a read (or any event without its own transaction).
    pub async fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        on_pool!(self, pool => audit_in_tx!(pool, entry))?;
        Ok(())
    }

    pub async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>> {
        const WHERE: &str = " WHERE ($1 IS NULL OR (region_code >= $1 AND region_code < $2)) \
            AND ($3 IS NULL OR actor = $3) AND ($4 IS NULL OR entity = $4) AND ($5 IS NULL OR entity_id = $5)";
        let end = filter.scope.as_deref().map(prefix_end);
        let items = on_pool!(self, pool => {
            sqlx::query_as::<_, AuditRecord>(sqlx::AssertSqlSafe(format!(
                "SELECT id, at, actor, action, entity, entity_id, region_code, detail, ip FROM audit_log{WHERE} \
                 ORDER BY id DESC LIMIT $6 OFFSET $7"
            )))
            .bind(&filter.scope)
            .bind(&end)
            .bind(&filter.actor)
            .bind(&filter.entity)
            .bind(&filter.entity_id)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(pool)
            .await
        })?;
        let total: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM audit_log{WHERE}")))
                .bind(&filter.scope)
                .bind(&end)
                .bind(&filter.actor)
                .bind(&filter.entity)
                .bind(&filter.entity_id)
                .fetch_one(pool)
                .await
        })?;
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// Tries to rewrite an audit row; exists so tests can prove the database refuses it.
    pub async fn try_tamper_with_audit(&self) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE audit_log SET actor = 'nobody'").execute(pool).await.map(|done| done.rows_affected()))?;
        on_pool!(self, pool => sqlx::query("DELETE FROM audit_log").execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}
