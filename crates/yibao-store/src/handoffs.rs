//! Chain of custody for paper originals (材料流转): handoff batches packed at one station,
//! sent, and checked item by item at the receiving station.
//!
//! A case's `originals_batch` names the batch its originals are packed in; packing claims a
//! case with a conditional update (held at the sending station, in no other batch), so two
//! clerks can never pack the same originals twice. Every step writes the cases' timeline rows
//! and its audit row in the same transaction; custody changes send no SMS (they do not change
//! what the applicant must do).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{
    AuditEntry, Bind, Conditions, Page, PageRequest, Result, Store, StoreError, fetch_page, now,
    on_pool,
};

/// Where a handoff batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    /// 已装袋待发出: packed, can still be sent.
    Packed,
    /// 流转途中.
    InTransit,
    /// 已签收: every item arrived, nothing unexpected.
    Received,
    /// 签收有差异: items missing or unexpected items found.
    Discrepancy,
}

impl BatchStatus {
    pub const ALL: [BatchStatus; 4] = [
        BatchStatus::Packed,
        BatchStatus::InTransit,
        BatchStatus::Received,
        BatchStatus::Discrepancy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Packed => "packed",
            BatchStatus::InTransit => "in_transit",
            BatchStatus::Received => "received",
            BatchStatus::Discrepancy => "discrepancy",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BatchStatus::Packed => "已装袋待发出",
            BatchStatus::InTransit => "流转途中",
            BatchStatus::Received => "已签收",
            BatchStatus::Discrepancy => "签收有差异",
        }
    }

    pub fn parse(text: &str) -> Option<BatchStatus> {
        BatchStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
    }
}

/// How one packed item was checked at the receiving station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// 待签收.
    Packed,
    /// 已签收.
    Received,
    /// 缺失: listed but not in the batch.
    Missing,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Packed => "packed",
            ItemStatus::Received => "received",
            ItemStatus::Missing => "missing",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Packed => "待签收",
            ItemStatus::Received => "已签收",
            ItemStatus::Missing => "缺失",
        }
    }

    fn parse(text: &str) -> Option<ItemStatus> {
        [
            ItemStatus::Packed,
            ItemStatus::Received,
            ItemStatus::Missing,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A handoff batch with its stations' names and regions.
#[derive(Debug, Clone, Serialize)]
pub struct HandoffBatch {
    pub id: i64,
    pub number: String,
    pub from_station: String,
    pub from_name: String,
    pub from_region: String,
    pub to_station: String,
    pub to_name: String,
    pub to_region: String,
    pub status: BatchStatus,
    pub items: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub sent_by: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub received_by: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct BatchRow {
    id: i64,
    number: String,
    from_station: String,
    from_name: String,
    from_region: String,
    to_station: String,
    to_name: String,
    to_region: String,
    status: String,
    items: i64,
    created_by: String,
    created_at: DateTime<Utc>,
    sent_by: Option<String>,
    sent_at: Option<DateTime<Utc>>,
    received_by: Option<String>,
    received_at: Option<DateTime<Utc>>,
    version: i64,
}

impl TryFrom<BatchRow> for HandoffBatch {
    type Error = StoreError;
    fn try_from(row: BatchRow) -> Result<HandoffBatch> {
        Ok(HandoffBatch {
            status: BatchStatus::parse(&row.status).ok_or_else(|| {
                StoreError::Corrupt(format!("交接批次 {}：状态 {}", row.number, row.status))
            })?,
            id: row.id,
            number: row.number,
            from_station: row.from_station,
            from_name: row.from_name,
            from_region: row.from_region,
            to_station: row.to_station,
            to_name: row.to_name,
            to_region: row.to_region,
            items: row.items,
            created_by: row.created_by,
            created_at: row.created_at,
            sent_by: row.sent_by,
            sent_at: row.sent_at,
            received_by: row.received_by,
            received_at: row.received_at,
            version: row.version,
        })
    }
}

const BATCH_COLUMNS: &str = "b.id, b.number, b.from_station, f.name AS from_name, f.region_code AS from_region, \
     b.to_station, t.name AS to_name, t.region_code AS to_region, b.status, \
     (SELECT COUNT(*) FROM handoff_items i WHERE i.batch_id = b.id) AS items, \
     b.created_by, b.created_at, b.sent_by, b.sent_at, b.received_by, b.received_at, b.version";

const BATCH_FROM: &str = "handoff_batches b JOIN stations f ON f.code = b.from_station \
     JOIN stations t ON t.code = b.to_station";

/// One case in a batch.
#[derive(Debug, Clone, Serialize)]
pub struct HandoffItem {
    pub case_id: i64,
    pub case_number: String,
    pub item_name: String,
    pub applicant_name: String,
    pub status: ItemStatus,
    pub checked_at: Option<DateTime<Utc>>,
}

/// Something that arrived in a batch without being listed in it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UnexpectedItem {
    pub description: String,
    /// The case it belongs to, when the description is a known case number.
    pub case_number: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// Which batches a list shows.
#[derive(Debug, Clone, Default)]
pub struct BatchFilter {
    /// Batches sent from or addressed to this station.
    pub station: Option<String>,
    pub status: Option<BatchStatus>,
    /// Only batches whose sending or receiving station is inside this region.
    pub scope: Option<String>,
}

/// The receipt check of a batch.
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    /// Case ids found in the batch.
    pub received: Vec<i64>,
    /// Case ids listed but not found.
    pub missing: Vec<i64>,
    /// Unlisted items found: a description and the case it names, if any.
    pub unexpected: Vec<(String, Option<i64>)>,
}

const INSERT_CUSTODY_EVENT: &str = "INSERT INTO case_events (case_id, at, actor, station_code, kind, description, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// A batch number: `JJ` + the Shanghai date + the row id, e.g. `JJ20261130000007`.
pub fn batch_number(at: DateTime<Utc>, id: i64) -> String {
    let date = yibao_domain::calendar::shanghai_date(at);
    format!("JJ{}{id:06}", date.format("%Y%m%d"))
}

impl Store {
    /// Packs the paper originals of `cases` (id, number) held at `from` into a new batch
    /// addressed to `to`. A case whose originals are no longer held at `from` outside any
    /// batch (another clerk was faster) makes the whole batch `StaleVersion`.
    pub async fn create_handoff_batch(
        &self,
        from: &str,
        to: &str,
        cases: &[(i64, String)],
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<String> {
        let at = now();
        let provisional = crate::cases::provisional_number();
        let written: std::result::Result<String, StoreError> = on_pool!(self, pool => async {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO handoff_batches (number, from_station, to_station, status, created_by, created_at, version) \
                 VALUES ($1, $2, $3, 'packed', $4, $5, 1) RETURNING id",
            )
            .bind(&provisional)
            .bind(from)
            .bind(to)
            .bind(actor)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            let number = batch_number(at, id);
            sqlx::query("UPDATE handoff_batches SET number = $1 WHERE id = $2")
                .bind(&number)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for (case_id, _) in cases {
                let claimed = sqlx::query(
                    "UPDATE cases SET originals_batch = $1 WHERE id = $2 AND originals_status = 'held' \
                     AND originals_station = $3 AND originals_batch IS NULL",
                )
                .bind(&number)
                .bind(case_id)
                .bind(from)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if claimed == 0 {
                    return Err(StoreError::StaleVersion);
                }
                sqlx::query("INSERT INTO handoff_items (batch_id, case_id, status) VALUES ($1, $2, 'packed')")
                    .bind(id)
                    .bind(case_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(INSERT_CUSTODY_EVENT)
                    .bind(case_id)
                    .bind(at)
                    .bind(actor)
                    .bind(from)
                    .bind("originals_packed")
                    .bind(format!("纸质原件装入交接批次 {number}，待送交 {to}"))
                    .bind(serde_json::json!({ "batch": number, "to": to }).to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            let mut entry = audit.clone();
            entry.entity_id = number.clone();
            audit_in_tx!(&mut *tx, &entry)?;
            tx.commit().await?;
            Ok(number)
        }.await);
        written.map_err(|error| match error {
            StoreError::Database(error) => StoreError::from_write(error, "交接批次"),
            other => other,
        })
    }

    /// Sends a packed batch: its cases' originals are in transit from then on.
    pub async fn send_handoff_batch(
        &self,
        batch: &HandoffBatch,
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let changed = sqlx::query(
                "UPDATE handoff_batches SET status = 'in_transit', sent_by = $1, sent_at = $2, version = version + 1 \
                 WHERE id = $3 AND status = 'packed' AND version = $4",
            )
            .bind(actor)
            .bind(at)
            .bind(batch.id)
            .bind(batch.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::StaleVersion);
            }
            sqlx::query("UPDATE cases SET originals_status = 'in_transit' WHERE originals_batch = $1")
                .bind(&batch.number)
                .execute(&mut *tx)
                .await?;
            let case_ids: Vec<i64> = sqlx::query_scalar("SELECT case_id FROM handoff_items WHERE batch_id = $1 ORDER BY case_id")
                .bind(batch.id)
                .fetch_all(&mut *tx)
                .await?;
            for case_id in case_ids {
                sqlx::query(INSERT_CUSTODY_EVENT)
                    .bind(case_id)
                    .bind(at)
                    .bind(actor)
                    .bind(&batch.from_station)
                    .bind("originals_sent")
                    .bind(format!("纸质原件随交接批次 {} 送出，送交 {}", batch.number, batch.to_name))
                    .bind(serde_json::json!({ "batch": batch.number, "to": batch.to_station }).to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records the receipt check of a batch in transit: received originals are held at the
    /// receiving station, missing ones are flagged, unexpected items are recorded. The batch
    /// is `received` when everything matched, else `discrepancy`.
    pub async fn receive_handoff_batch(
        &self,
        batch: &HandoffBatch,
        receipt: &Receipt,
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<BatchStatus> {
        let at = now();
        let status = if receipt.missing.is_empty() && receipt.unexpected.is_empty() {
            BatchStatus::Received
        } else {
            BatchStatus::Discrepancy
        };
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let changed = sqlx::query(
                "UPDATE handoff_batches SET status = $1, received_by = $2, received_at = $3, version = version + 1 \
                 WHERE id = $4 AND status = 'in_transit' AND version = $5",
            )
            .bind(status.as_str())
            .bind(actor)
            .bind(at)
            .bind(batch.id)
            .bind(batch.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::StaleVersion);
            }
            for (case_ids, item_status) in [(&receipt.received, ItemStatus::Received), (&receipt.missing, ItemStatus::Missing)] {
                for case_id in case_ids {
                    sqlx::query("UPDATE handoff_items SET status = $1, checked_at = $2 WHERE batch_id = $3 AND case_id = $4")
                        .bind(item_status.as_str())
                        .bind(at)
                        .bind(batch.id)
                        .bind(case_id)
                        .execute(&mut *tx)
                        .await?;
                    let (update, kind, description) = if item_status == ItemStatus::Received {
                        (
                            "UPDATE cases SET originals_status = 'held', originals_station = $1, originals_batch = NULL \
                             WHERE id = $2 AND originals_batch = $3",
                            "originals_received",
                            format!("纸质原件已由 {} 签收（交接批次 {}）", batch.to_name, batch.number),
                        )
                    } else {
                        (
                            "UPDATE cases SET originals_status = 'missing', originals_station = $1 \
                             WHERE id = $2 AND originals_batch = $3",
                            "originals_missing",
                            format!("签收交接批次 {} 时未见本件纸质原件，已标记缺失待查", batch.number),
                        )
                    };
                    let station = if item_status == ItemStatus::Received { &batch.to_station } else { &batch.from_station };
                    sqlx::query(update)
                        .bind(station)
                        .bind(case_id)
                        .bind(&batch.number)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(INSERT_CUSTODY_EVENT)
                        .bind(case_id)
                        .bind(at)
                        .bind(actor)
                        .bind(&batch.to_station)
                        .bind(kind)
                        .bind(description)
                        .bind(serde_json::json!({ "batch": batch.number }).to_string())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for (description, case_id) in &receipt.unexpected {
                sqlx::query(
                    "INSERT INTO handoff_unexpected (batch_id, description, case_id, recorded_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(batch.id)
                .bind(description)
                .bind(case_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if let Some(case_id) = case_id {
                    sqlx::query(INSERT_CUSTODY_EVENT)
                        .bind(case_id)
                        .bind(at)
                        .bind(actor)
                        .bind(&batch.to_station)
                        .bind("originals_unexpected")
                        .bind(format!("签收交接批次 {} 时发现本件材料（未列入清单），请核实", batch.number))
                        .bind(serde_json::json!({ "batch": batch.number }).to_string())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(status)
    }

    pub async fn get_handoff_batch(&self, number: &str) -> Result<Option<HandoffBatch>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, BatchRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {BATCH_COLUMNS} FROM {BATCH_FROM} WHERE b.number = $1"
            )))
            .bind(number)
            .fetch_optional(pool)
            .await
        })?;
        row.map(HandoffBatch::try_from).transpose()
    }

    /// The cases of a batch, in case-number order.
    pub async fn handoff_items(&self, batch_id: i64) -> Result<Vec<HandoffItem>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            case_id: i64,
            number: String,
            item_name: String,
            applicant_name: String,
            status: String,
            checked_at: Option<DateTime<Utc>>,
        }
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, Row>(
                "SELECT i.case_id, c.number, c.item_name, c.applicant_name, i.status, i.checked_at \
                 FROM handoff_items i JOIN cases c ON c.id = i.case_id WHERE i.batch_id = $1 ORDER BY c.number",
            )
            .bind(batch_id)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(HandoffItem {
                    status: ItemStatus::parse(&row.status).ok_or_else(|| {
                        StoreError::Corrupt(format!("交接条目 {}：{}", row.number, row.status))
                    })?,
                    case_id: row.case_id,
                    case_number: row.number,
                    item_name: row.item_name,
                    applicant_name: row.applicant_name,
                    checked_at: row.checked_at,
                })
            })
            .collect()
    }

    /// Unlisted items recorded at a batch's receipt.
    pub async fn handoff_unexpected(&self, batch_id: i64) -> Result<Vec<UnexpectedItem>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, UnexpectedItem>(
                "SELECT u.description, c.number AS case_number, u.recorded_at FROM handoff_unexpected u \
                 LEFT JOIN cases c ON c.id = u.case_id WHERE u.batch_id = $1 ORDER BY u.id",
            )
            .bind(batch_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// One page of batches, newest first.
    pub async fn list_handoff_batches(
        &self,
        filter: &BatchFilter,
        page: PageRequest,
    ) -> Result<Page<HandoffBatch>> {
        let mut conditions = Conditions::default();
        if let Some(station) = &filter.station {
            conditions.add(
                "(b.from_station = ? OR b.to_station = ?)",
                [Bind::Text(station.clone()), Bind::Text(station.clone())],
            );
        }
        if let Some(status) = filter.status {
            conditions.add("b.status = ?", [Bind::Text(status.as_str().to_owned())]);
        }
        if let Some(scope) = &filter.scope {
            let end = crate::prefix_end(scope);
            conditions.add(
                "((f.region_code >= ? AND f.region_code < ?) OR (t.region_code >= ? AND t.region_code < ?))",
                [
                    Bind::Text(scope.clone()),
                    Bind::Text(end.clone()),
                    Bind::Text(scope.clone()),
                    Bind::Text(end),
                ],
            );
        }
        let (rows, total) = fetch_page!(self, BatchRow, columns: BATCH_COLUMNS, from: BATCH_FROM,
            order: "b.id DESC", conditions, page);
        Ok(Page {
            items: rows
                .into_iter()
                .map(HandoffBatch::try_from)
                .collect::<Result<_>>()?,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }
}
