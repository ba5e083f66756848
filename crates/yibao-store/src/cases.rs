//! Cases (业务件): intake with an idempotency key, transitions under optimistic versions,
//! the timeline, worklists and the resident's lookup.
//!
//! Every status change commits in one transaction with its timeline rows, its SMS rows in the
//! notification outbox (the transactional outbox) and its audit row, so a case never changes
//! without the applicant being told and the change being audited.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yibao_domain::case::{
    CaseEvent, CaseState, CaseStatus, ChecklistLine, IntakeChannel, Proxy, Transition,
};
use yibao_domain::{HandlingMode, IdNumber, RegionCode, StationLevel};

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{AuditEntry, Page, PageRequest, Result, Store, StoreError, now, on_pool, prefix_end};

/// Where a case's paper originals are (chain of custody).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginalsStatus {
    /// No paper: everything came as e-certificates.
    NoPaper,
    /// At `originals_station`.
    Held,
    /// Packed in a handoff batch on its way.
    InTransit,
    /// Flagged missing at a receipt check.
    Missing,
}

impl OriginalsStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OriginalsStatus::NoPaper => "no_paper",
            OriginalsStatus::Held => "held",
            OriginalsStatus::InTransit => "in_transit",
            OriginalsStatus::Missing => "missing",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OriginalsStatus::NoPaper => "无纸质材料",
            OriginalsStatus::Held => "在站保管",
            OriginalsStatus::InTransit => "流转途中",
            OriginalsStatus::Missing => "缺失待查",
        }
    }

    fn parse(text: &str) -> Option<OriginalsStatus> {
        [
            OriginalsStatus::NoPaper,
            OriginalsStatus::Held,
            OriginalsStatus::InTransit,
            OriginalsStatus::Missing,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A case as stored.
#[derive(Debug, Clone)]
pub struct StoredCase {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub channel: IntakeChannel,
    pub applicant_name: String,
    pub applicant_id: IdNumber,
    pub applicant_phone: String,
    pub proxy: Option<Proxy>,
    /// The intake station's region: the case is in the scope of staff over it.
    pub region_code: RegionCode,
    pub state: CaseState,
    pub checklist: Vec<ChecklistLine>,
    pub originals_station: Option<String>,
    pub originals_status: OriginalsStatus,
    /// The handoff batch the originals are packed in (or went missing from).
    pub originals_batch: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl StoredCase {
    /// Phones to text about this case: the applicant's and the proxy's.
    pub fn phones(&self) -> Vec<String> {
        let mut phones = vec![self.applicant_phone.clone()];
        if let Some(phone) = self.proxy.as_ref().and_then(|p| p.phone.clone())
            && !phones.contains(&phone)
        {
            phones.push(phone);
        }
        phones
    }
}

/// A case about to be taken in.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub item_code: String,
    pub item_name: String,
    pub channel: IntakeChannel,
    pub applicant_name: String,
    pub applicant_id: IdNumber,
    pub applicant_phone: String,
    pub proxy: Option<Proxy>,
    pub region_code: RegionCode,
    pub state: CaseState,
    pub checklist: Vec<ChecklistLine>,
    pub has_paper: bool,
    pub created_by: String,
    /// The intake's timeline entry.
    pub event: CaseEvent,
}

/// An `Idempotency-Key` sent with an intake: the same key from the same account returns the
/// case the first request created.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub actor: String,
    pub key: String,
    /// A digest of the request body, so a key reused for a different request is refused.
    pub request_hash: String,
}

/// The intake event of a new case as `insert_cases` writes it.
fn intake_event_record(new: &NewCase, id: i64, at: DateTime<Utc>) -> CaseEventRecord {
    CaseEventRecord {
        id,
        at,
        actor: new.created_by.clone(),
        station_code: new.event.station().as_str().to_owned(),
        kind: new.event.kind().to_owned(),
        description: new.event.describe(),
        detail: serde_json::to_value(&new.event).expect("events serialise"),
    }
}

/// What an intake did.
#[derive(Debug, Clone)]
pub enum IntakeOutcome {
    /// A new case, with the intake event its timeline starts with (as written, so the answer
    /// needs no read-back).
    Created(StoredCase, CaseEventRecord),
    /// The key was seen before with the same request: nothing new was created.
    Replayed(StoredCase),
    /// The key was used before for a different request.
    KeyReused,
}

/// One timeline entry.
#[derive(Debug, Clone, Serialize)]
pub struct CaseEventRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub station_code: String,
    pub kind: String,
    pub description: String,
    pub detail: serde_json::Value,
}

/// Which cases a list shows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Cases whose worklist is at this station now.
    pub current_station: Option<String>,
    /// Cases taken in at this station.
    pub intake_station: Option<String>,
    pub statuses: Vec<CaseStatus>,
    /// Deadline on or after this date.
    pub deadline_from: Option<NaiveDate>,
    /// Deadline on or before this date.
    pub deadline_to: Option<NaiveDate>,
    /// Only cases inside this region (the caller's scope).
    pub scope: Option<RegionCode>,
    /// Case number or item name contains this text.
    pub query: Option<String>,
    pub item_code: Option<String>,
    /// Only cases whose paper originals are held at this station and packed in no batch.
    pub originals_held_at: Option<String>,
}

/// A row of a case list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseSummary {
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub applicant_name: String,
    pub status: String,
    pub intake_station: String,
    pub completing_station: String,
    pub current_station: String,
    pub deadline: NaiveDate,
    pub originals_status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    number: String,
    item_code: String,
    item_name: String,
    channel: String,
    applicant_name: String,
    applicant_id: String,
    applicant_phone: String,
    proxy_name: Option<String>,
    proxy_id: Option<String>,
    proxy_phone: Option<String>,
    proxy_relation: Option<String>,
    proxy_authorisation: Option<String>,
    region_code: String,
    state: String,
    checklist: String,
    originals_station: Option<String>,
    originals_status: String,
    originals_batch: Option<String>,
    version: i64,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
}

const CASE_COLUMNS: &str = "id, number, item_code, item_name, channel, applicant_name, applicant_id, applicant_phone, \
     proxy_name, proxy_id, proxy_phone, proxy_relation, proxy_authorisation, region_code, state, checklist, \
     originals_station, originals_status, originals_batch, version, created_by, created_at, updated_at, completed_at";

const SUMMARY_COLUMNS: &str = "number, item_code, item_name, applicant_name, status, intake_station, completing_station, \
     current_station, deadline, originals_status, created_at, updated_at";

impl TryFrom<CaseRow> for StoredCase {
    type Error = StoreError;
    fn try_from(row: CaseRow) -> Result<StoredCase> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("业务件 {}：{what}", row.number));
        let proxy = match (
            row.proxy_name,
            row.proxy_id,
            row.proxy_relation,
            row.proxy_authorisation,
        ) {
            (Some(name), Some(id), Some(relation), Some(authorisation)) => Some(Proxy {
                name,
                id_number: IdNumber::parse(&id).map_err(|_| corrupt("代办人身份证号"))?,
                phone: row.proxy_phone,
                relation: relation.parse().map_err(|_| corrupt("代办关系"))?,
                authorisation,
            }),
            _ => None,
        };
        Ok(StoredCase {
            channel: row.channel.parse().map_err(|_| corrupt("渠道"))?,
            applicant_id: IdNumber::parse(&row.applicant_id).map_err(|_| corrupt("身份证号"))?,
            region_code: RegionCode::parse(&row.region_code).map_err(|_| corrupt("区划"))?,
            state: serde_json::from_str(&row.state).map_err(|_| corrupt("状态"))?,
            checklist: serde_json::from_str(&row.checklist).map_err(|_| corrupt("材料清单"))?,
            originals_status: OriginalsStatus::parse(&row.originals_status)
                .ok_or_else(|| corrupt("原件状态"))?,
            proxy,
            id: row.id,
            number: row.number,
            item_code: row.item_code,
            item_name: row.item_name,
            applicant_name: row.applicant_name,
            applicant_phone: row.applicant_phone,
            originals_station: row.originals_station,
            originals_batch: row.originals_batch,
            version: row.version,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            completed_at: row.completed_at,
        })
    }
}

/// A placeholder number unique across processes until the row's id gives the real one.
pub(crate) fn provisional_number() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "tmp-{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

/// `YB` + the Shanghai date of intake + the row id, e.g. `YB20261130000042`.
pub fn case_number(at: DateTime<Utc>, id: i64) -> String {
    let date = yibao_domain::calendar::shanghai_date(at);
    format!("YB{}{id:06}", date.format("%Y%m%d"))
}

const INSERT_EVENT: &str = "INSERT INTO case_events (case_id, at, actor, station_code, kind, description, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const INSERT_OUTBOX: &str = "INSERT INTO notification_outbox (case_id, phone, body, created_at, attempts, next_attempt_at) \
     VALUES ($1, $2, $3, $4, 0, $4)";

/// Writes timeline rows and outbox rows for `events` on an open transaction.
macro_rules! record_events {
    ($tx:expr, $case_id:expr, $number:expr, $item_name:expr, $phones:expr, $events:expr, $actor:expr, $at:expr) => {{
        let events: &[CaseEvent] = $events;
        let phones: &[String] = $phones;
        for event in events {
            let detail = serde_json::to_string(event).expect("events serialise");
            sqlx::query(INSERT_EVENT)
                .bind($case_id)
                .bind($at)
                .bind($actor)
                .bind(event.station().as_str())
                .bind(event.kind())
                .bind(event.describe())
                .bind(detail)
                .execute(&mut *$tx)
                .await?;
            if let Some(body) = event.sms($number, $item_name) {
                for phone in phones {
                    sqlx::query(INSERT_OUTBOX)
                        .bind($case_id)
                        .bind(phone)
                        .bind(&body)
                        .bind($at)
                        .execute(&mut *$tx)
                        .await?;
                }
            }
        }
    }};
}

/// `($k+1, $k+2, …), (…), …`: placeholders for `rows` rows of `columns` values each, numbered
/// on from `offset` (bumped past them).
fn value_rows(offset: &mut usize, rows: usize, columns: usize) -> String {
    let text = (0..rows)
        .map(|row| {
            let values: Vec<String> = (1..=columns)
                .map(|column| format!("${}", *offset + row * columns + column))
                .collect();
            format!("({})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ");
    *offset += rows * columns;
    text
}

/// One intake to write: the case, its idempotency key, its audit row.
type Intake<'a> = (&'a NewCase, Option<&'a IdempotencyKey>, &'a AuditEntry);

/// The ids a group's rows get, chosen before they are written, so every row of the group —
/// case, number, key, intake event, SMS, audit — goes in one statement with no read-back.
struct GroupIds {
    cases: Vec<i64>,
    events: Vec<i64>,
}

/// SQLite, inside the write transaction (the only writer): the next ids are the largest plus
/// one, as SQLite itself would give them.
const SQLITE_LAST_IDS: &str = "SELECT COALESCE((SELECT max(id) FROM cases), 0), \
     COALESCE((SELECT max(id) FROM case_events), 0)";
/// PostgreSQL: ids drawn from the identity sequences, safe with several server processes.
/// (The identity columns' sequences, named by PostgreSQL's rule `table_column_seq`; resolved
/// once when the statement is prepared.)
const POSTGRES_NEXT_IDS: &str = "SELECT nextval('cases_id_seq'), nextval('case_events_id_seq') \
     FROM generate_series(1, $1)";

/// The one statement that writes a group: an INSERT per table, all with explicit ids. SQLite
/// runs them as consecutive statements (in a transaction of the caller's, or between their own
/// BEGIN IMMEDIATE and COMMIT); PostgreSQL as one statement of data-modifying CTEs, atomic on
/// its own (foreign keys are checked at its end).
fn group_sql(form: GroupForm, cases: usize, keys: usize, messages: usize) -> String {
    let postgres = form == GroupForm::Postgres;
    let overriding = if postgres {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let mut offset = 0;
    let mut inserts = vec![format!(
        "INSERT INTO cases (id, number, item_code, item_name, channel, applicant_name, applicant_id, \
         applicant_phone, proxy_name, proxy_id, proxy_phone, proxy_relation, proxy_authorisation, \
         region_code, intake_station, completing_station, current_station, status, deadline, state, \
         checklist, originals_station, originals_status, version, created_by, created_at, updated_at)\
         {overriding} VALUES {}",
        value_rows(&mut offset, cases, 27)
    )];
    if keys > 0 {
        inserts.push(format!(
            "INSERT INTO idempotency_keys (actor, key, request_hash, case_id, created_at) VALUES {}",
            value_rows(&mut offset, keys, 5)
        ));
    }
    inserts.push(format!(
        "INSERT INTO case_events (id, case_id, at, actor, station_code, kind, description, detail)\
         {overriding} VALUES {}",
        value_rows(&mut offset, cases, 8)
    ));
    if messages > 0 {
        inserts.push(format!(
            "INSERT INTO notification_outbox (case_id, phone, body, created_at, attempts, \
             next_attempt_at) VALUES {}",
            value_rows(&mut offset, messages, 6)
        ));
    }
    inserts.push(format!(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, region_code, detail, ip) \
         VALUES {}",
        value_rows(&mut offset, cases, 8)
    ));
    if postgres {
        let last = inserts.pop().expect("an audit insert");
        let ctes: Vec<String> = inserts
            .iter()
            .enumerate()
            .map(|(i, insert)| format!("w{i} AS ({insert})"))
            .collect();
        format!("WITH {} {last}", ctes.join(", "))
    } else if form == GroupForm::SqliteWholeTransaction {
        // The transaction's BEGIN and COMMIT travel with the inserts: one hand-off to the
        // connection's worker thread for the whole group.
        format!("BEGIN IMMEDIATE;\n{};\nCOMMIT", inserts.join(";\n"))
    } else {
        inserts.join(";\n")
    }
}

/// How `group_sql` shapes a group's statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupForm {
    /// One statement of data-modifying CTEs.
    Postgres,
    /// The INSERTs, inside a transaction the caller opened.
    SqliteInTransaction,
    /// `BEGIN IMMEDIATE`, the INSERTs and `COMMIT`.
    SqliteWholeTransaction,
}

/// Binds a group's values to `$query` (from `group_sql`) in its placeholder order and evaluates
/// to the query. The SMS texts and audit rows name each case by its number, known up front.
macro_rules! bind_group {
    ($query:expr, $group:expr, $rows:expr, $ids:expr, $numbers:expr, $keyed:expr, $messages:expr, $at:expr) => {{
        let group: &[Intake<'_>] = $group;
        let rows: &[CaseRowValues] = $rows;
        let ids: &GroupIds = $ids;
        let numbers: &[String] = $numbers;
        let keyed: &[(&IdempotencyKey, i64)] = $keyed;
        let messages: &[(i64, &str, String)] = $messages;
        let at: DateTime<Utc> = $at;
        let mut query = $query;
        for (((intake, row), id), number) in group.iter().zip(rows).zip(&ids.cases).zip(numbers) {
            let new = intake.0;
            let proxy = new.proxy.as_ref();
            query = query
                .bind(*id)
                .bind(number)
                .bind(&new.item_code)
                .bind(&new.item_name)
                .bind(new.channel.as_str())
                .bind(&new.applicant_name)
                .bind(new.applicant_id.expose())
                .bind(&new.applicant_phone)
                .bind(proxy.map(|p| p.name.clone()))
                .bind(proxy.map(|p| p.id_number.expose().to_owned()))
                .bind(proxy.and_then(|p| p.phone.clone()))
                .bind(proxy.map(|p| p.relation.as_str()))
                .bind(proxy.map(|p| p.authorisation.clone()))
                .bind(new.region_code.as_str())
                .bind(new.state.intake_station.as_str())
                .bind(new.state.completing_station.as_str())
                .bind(new.state.current_station.as_str())
                .bind(new.state.status.as_str())
                .bind(new.state.deadline)
                .bind(&row.state_json)
                .bind(&row.checklist_json)
                .bind(&row.originals_station)
                .bind(row.originals_status.as_str())
                .bind(1i64)
                .bind(&new.created_by)
                .bind(at)
                .bind(at);
        }
        for (key, id) in keyed {
            query = query
                .bind(&key.actor)
                .bind(&key.key)
                .bind(&key.request_hash)
                .bind(*id)
                .bind(at);
        }
        for ((intake, id), event_id) in group.iter().zip(&ids.cases).zip(&ids.events) {
            let event = &intake.0.event;
            query = query
                .bind(*event_id)
                .bind(*id)
                .bind(at)
                .bind(&intake.0.created_by)
                .bind(event.station().as_str())
                .bind(event.kind())
                .bind(event.describe())
                .bind(serde_json::to_string(event).expect("events serialise"));
        }
        for (id, phone, body) in messages {
            query = query
                .bind(*id)
                .bind(*phone)
                .bind(body)
                .bind(at)
                .bind(0i32)
                .bind(at);
        }
        for (intake, number) in group.iter().zip(numbers) {
            let entry = intake.2;
            query = query
                .bind(at)
                .bind(&entry.actor)
                .bind(&entry.action)
                .bind(&entry.entity)
                .bind(number)
                .bind(&entry.region_code)
                .bind(entry.detail.to_string())
                .bind(&entry.ip);
        }
        query
    }};
}

impl Store {
    /// Writes a group of cases — rows, numbers, idempotency keys, intake events, SMS rows and
    /// audit rows — atomically with one statement, and returns each case's (id, number,
    /// intake event id) in the group's order. SQLite: one hand-off to the writer's connection
    /// when the slot remembers the last ids, else four (begin, last ids, the inserts, commit);
    /// PostgreSQL: two round trips on a kept connection (the ids, then the statement).
    async fn insert_group(
        &self,
        group: &[Intake<'_>],
        rows: &[CaseRowValues],
        at: DateTime<Utc>,
    ) -> std::result::Result<Vec<(i64, String, i64)>, sqlx::Error> {
        let n = group.len();
        // Everything but the ids is ready before the database is touched.
        let write = |ids: &GroupIds| {
            let numbers: Vec<String> = ids.cases.iter().map(|id| case_number(at, *id)).collect();
            let keyed: Vec<(&IdempotencyKey, i64)> = group
                .iter()
                .zip(&ids.cases)
                .filter_map(|(intake, id)| intake.1.map(|key| (key, *id)))
                .collect();
            let mut messages: Vec<(i64, &str, String)> = Vec::new();
            for (((intake, row), id), number) in
                group.iter().zip(rows).zip(&ids.cases).zip(&numbers)
            {
                if let Some(body) = intake.0.event.sms(number, &intake.0.item_name) {
                    for phone in &row.phones {
                        messages.push((*id, phone.as_str(), body.clone()));
                    }
                }
            }
            (numbers, keyed, messages)
        };
        // The group's statement for these ids, executed on `$connection`; evaluates to the
        // cases' numbers.
        macro_rules! write_group {
            ($connection:expr, $ids:expr, $form:expr) => {{
                let ids: &GroupIds = $ids;
                let (numbers, keyed, messages) = write(ids);
                let sql = group_sql($form, n, keyed.len(), messages.len());
                let done = bind_group!(
                    sqlx::query(sqlx::AssertSqlSafe(sql)),
                    group,
                    rows,
                    ids,
                    &numbers,
                    &keyed,
                    &messages,
                    at
                )
                .execute($connection)
                .await;
                done.map(|_| numbers)
            }};
        }
        let (ids, numbers) = match &self.pool {
            crate::Pool::Sqlite(pool) => {
                let mut turn = crate::sqlite_turn_keeping_ids(pool, &self.writer).await?;
                let after = |(cases, events): (i64, i64)| GroupIds {
                    cases: (1..=n as i64).map(|k| cases + k).collect(),
                    events: (1..=n as i64).map(|k| events + k).collect(),
                };
                let next = |ids: &GroupIds| {
                    (
                        *ids.cases.last().expect("a group has cases"),
                        *ids.events.last().expect("a group has cases"),
                    )
                };
                // The last ids remembered from the previous group (nothing else was written
                // since in this process): the whole transaction in one hand-off.
                if let Some(last) = turn.intake_ids().take() {
                    let ids = after(last);
                    let connection = turn.connection()?;
                    match write_group!(&mut *connection, &ids, GroupForm::SqliteWholeTransaction) {
                        Ok(numbers) => {
                            *turn.intake_ids() = Some(next(&ids));
                            return Ok(numbered(ids, numbers));
                        }
                        Err(_) => {
                            // Undo what ran before the failing statement. Another process may
                            // have taken these ids; write the group again below with ids read
                            // inside the transaction (an idempotency key seen before fails
                            // there again, as it should).
                            // A connection that cannot even roll back is replaced at the
                            // next turn.
                            if sqlx::query("ROLLBACK")
                                .execute(&mut *connection)
                                .await
                                .is_err()
                            {
                                turn.mark_broken();
                            }
                        }
                    }
                }
                let mut tx = turn.begin().await?;
                let last: (i64, i64) = sqlx::query_as(SQLITE_LAST_IDS).fetch_one(&mut *tx).await?;
                let ids = after(last);
                let numbers = write_group!(&mut *tx, &ids, GroupForm::SqliteInTransaction)?;
                tx.commit().await?;
                *turn.intake_ids() = Some(next(&ids));
                (ids, numbers)
            }
            crate::Pool::Postgres(pool) => {
                let kept = self
                    .intakes
                    .postgres
                    .lock()
                    .expect("connections poisoned")
                    .pop();
                let mut connection = match kept {
                    Some(connection) => connection,
                    None => pool.acquire().await?,
                };
                let written = async {
                    let drawn: Vec<(i64, i64)> = sqlx::query_as(POSTGRES_NEXT_IDS)
                        .bind(n as i64)
                        .fetch_all(&mut *connection)
                        .await?;
                    let ids = GroupIds {
                        cases: drawn.iter().map(|(case, _)| *case).collect(),
                        events: drawn.iter().map(|(_, event)| *event).collect(),
                    };
                    let numbers = write_group!(&mut *connection, &ids, GroupForm::Postgres)?;
                    Ok::<(GroupIds, Vec<String>), sqlx::Error>((ids, numbers))
                }
                .await;
                if matches!(written, Ok(_) | Err(sqlx::Error::Database(_))) {
                    self.intakes
                        .postgres
                        .lock()
                        .expect("connections poisoned")
                        .push(connection);
                }
                written?
            }
        };
        Ok(numbered(ids, numbers))
    }
}

/// (id, number, intake event id) per case of a written group.
fn numbered(ids: GroupIds, numbers: Vec<String>) -> Vec<(i64, String, i64)> {
    ids.cases
        .into_iter()
        .zip(numbers)
        .zip(ids.events)
        .map(|((id, number), event)| (id, number, event))
        .collect()
}

/// The values of a new case's row that are derived from it.
struct CaseRowValues {
    state_json: String,
    checklist_json: String,
    originals_station: Option<String>,
    originals_status: OriginalsStatus,
    /// The applicant's phone and the proxy's, if different: both get the SMS.
    phones: Vec<String>,
}

impl CaseRowValues {
    fn of(new: &NewCase) -> CaseRowValues {
        let (originals_station, originals_status) = if new.has_paper {
            (
                Some(new.state.intake_station.as_str().to_owned()),
                OriginalsStatus::Held,
            )
        } else {
            (None, OriginalsStatus::NoPaper)
        };
        let mut phones = vec![new.applicant_phone.clone()];
        if let Some(phone) = new.proxy.as_ref().and_then(|p| p.phone.clone())
            && !phones.contains(&phone)
        {
            phones.push(phone);
        }
        CaseRowValues {
            state_json: serde_json::to_string(&new.state).expect("state serialises"),
            checklist_json: serde_json::to_string(&new.checklist).expect("checklist serialises"),
            originals_station,
            originals_status,
            phones,
        }
    }

    /// The case as it reads back right after its insert.
    fn into_stored(self, new: &NewCase, id: i64, number: String, at: DateTime<Utc>) -> StoredCase {
        StoredCase {
            id,
            number,
            item_code: new.item_code.clone(),
            item_name: new.item_name.clone(),
            channel: new.channel,
            applicant_name: new.applicant_name.clone(),
            applicant_id: new.applicant_id.clone(),
            applicant_phone: new.applicant_phone.clone(),
            proxy: new.proxy.clone(),
            region_code: new.region_code.clone(),
            state: new.state.clone(),
            checklist: new.checklist.clone(),
            originals_station: self.originals_station,
            originals_status: self.originals_status,
            originals_batch: None,
            version: 1,
            created_by: new.created_by.clone(),
            created_at: at,
            updated_at: at,
            completed_at: None,
        }
    }
}

/// Group commit for intakes. Intakes queue here for a committer task, which takes everything
/// waiting (up to 64) and writes it in one transaction — one flush to disk for the group
/// instead of one each — then answers each intake, and at once takes what queued meanwhile.
/// Each intake gets its answer only after the transaction holding it has committed. A group
/// that fails as a whole (a duplicate idempotency key from a concurrent retry, say) is written
/// again one intake per transaction, so one bad intake fails alone.
///
/// The committers are tasks of their own, so a request dropped mid-way (a client hanging up)
/// cannot cut short the others' commit, and one group follows the other without handing a
/// turn from task to task. They start with the first intake and end after a second without
/// work (the next intake starts them again), so a store that is dropped is not kept alive by
/// them. SQLite has one committer (one writer at a time anyway); PostgreSQL two: while one
/// group waits for its commit to reach the disk, the next is already being written by
/// another server process, so both cores work.
pub(crate) struct IntakeGroup {
    committers: usize,
    /// Where intakes queue; `None` while no committer runs.
    queue: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<PendingIntake>>>,
    /// PostgreSQL: the connections group commits run on, kept from one group to the next
    /// (a pool connection is pinged on its way back to the pool: a round trip per group);
    /// one is dropped after an error that is not the database refusing a row.
    postgres: std::sync::Mutex<Vec<sqlx::pool::PoolConnection<sqlx::Postgres>>>,
}

type IntakeQueue =
    std::sync::Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<PendingIntake>>>;

/// How long a committer waits for work before it ends.
const COMMITTER_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

impl IntakeGroup {
    pub(crate) fn new(committers: usize) -> IntakeGroup {
        IntakeGroup {
            committers: committers.max(1),
            queue: Default::default(),
            postgres: Default::default(),
        }
    }
}

/// The most intakes one group commit writes.
const MAX_GROUP: usize = 64;

struct PendingIntake {
    new: NewCase,
    key: Option<IdempotencyKey>,
    audit: AuditEntry,
    answer: tokio::sync::oneshot::Sender<Result<IntakeOutcome>>,
}

impl Store {
    /// Takes a case in: the row, its number, the intake event, the SMS and the audit row in
    /// one transaction (shared with concurrent intakes: see `IntakeGroup`); with an
    /// idempotency key, a repeat of the same request returns the first case and creates
    /// nothing.
    pub async fn create_case(
        &self,
        new: &NewCase,
        idempotency: Option<&IdempotencyKey>,
        audit: &AuditEntry,
    ) -> Result<IntakeOutcome> {
        // A key seen before is not looked up first: its row makes the group's insert fail on
        // the unique index, the group is written again one intake per transaction, and there
        // the violation turns into a replay (or a refused reuse). So a first request — nearly
        // all of them — costs no read.
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.queue_intake(PendingIntake {
            new: new.clone(),
            key: idempotency.cloned(),
            audit: audit.clone(),
            answer,
        });
        answered
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?
    }

    /// Hands an intake to the committers, starting them if none runs.
    fn queue_intake(&self, intake: PendingIntake) {
        let mut queue = self.intakes.queue.lock().expect("intake queue poisoned");
        let intake = match queue.as_ref() {
            Some(sender) => match sender.send(intake) {
                Ok(()) => return,
                // The committers are gone (their runtime ended): start new ones.
                Err(tokio::sync::mpsc::error::SendError(intake)) => intake,
            },
            None => intake,
        };
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        let receiver: IntakeQueue = std::sync::Arc::new(tokio::sync::Mutex::new(receiver));
        for _ in 0..self.intakes.committers {
            tokio::spawn(self.clone().run_committer(receiver.clone()));
        }
        let _ = sender.send(intake);
        *queue = Some(sender);
    }

    /// One committer: takes what is waiting, writes it, answers, again; ends after a second
    /// without work.
    async fn run_committer(self, receiver: IntakeQueue) {
        let mut group = Vec::with_capacity(MAX_GROUP);
        loop {
            {
                let mut waiting = receiver.lock().await;
                match tokio::time::timeout(COMMITTER_IDLE, waiting.recv_many(&mut group, MAX_GROUP))
                    .await
                {
                    Ok(0) => return, // every sender is gone
                    Ok(_) => {}
                    Err(_) => {
                        // Idle: end, unless an intake slipped in meanwhile. The queue's lock
                        // keeps new intakes out while this is decided.
                        let mut queue = self.intakes.queue.lock().expect("intake queue poisoned");
                        match waiting.try_recv() {
                            Ok(intake) => group.push(intake),
                            Err(_) => {
                                *queue = None;
                                return;
                            }
                        }
                    }
                }
            }
            self.commit_group(std::mem::take(&mut group)).await;
        }
    }

    /// Writes a group of intakes in one transaction, or one by one if that fails; answers each.
    async fn commit_group(&self, group: Vec<PendingIntake>) {
        if group.len() > 1 {
            let at = now();
            let rows: Vec<CaseRowValues> =
                group.iter().map(|i| CaseRowValues::of(&i.new)).collect();
            let intakes: Vec<Intake<'_>> = group
                .iter()
                .map(|i| (&i.new, i.key.as_ref(), &i.audit))
                .collect();
            let written = self.insert_group(&intakes, &rows, at).await;
            if let Ok(written) = written {
                for ((intake, row), (id, number, event_id)) in
                    group.into_iter().zip(rows).zip(written)
                {
                    let event = intake_event_record(&intake.new, event_id, at);
                    let case = row.into_stored(&intake.new, id, number, at);
                    let _ = intake.answer.send(Ok(IntakeOutcome::Created(case, event)));
                }
                return;
            }
        }
        for intake in group {
            let outcome = self
                .write_case(&intake.new, intake.key.as_ref(), &intake.audit)
                .await;
            let _ = intake.answer.send(outcome);
        }
    }

    /// Writes one intake in its own transaction.
    async fn write_case(
        &self,
        new: &NewCase,
        idempotency: Option<&IdempotencyKey>,
        audit: &AuditEntry,
    ) -> Result<IntakeOutcome> {
        let at = now();
        let row = CaseRowValues::of(new);
        let written = self
            .insert_group(&[(new, idempotency, audit)], std::slice::from_ref(&row), at)
            .await
            .map(|written| written.into_iter().next().expect("one case written"));
        let (id, number, event_id) = match written {
            Ok(done) => done,
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() && idempotency.is_some() => {
                // A concurrent request with the same key committed first.
                let key = idempotency.expect("checked above");
                return self.replay(key).await?.ok_or(StoreError::NotFound);
            }
            Err(error) => {
                return Err(StoreError::from_write(
                    error,
                    &format!("事项 {} 或站点", new.item_code),
                ));
            }
        };
        Ok(IntakeOutcome::Created(
            row.into_stored(new, id, number, at),
            intake_event_record(new, event_id, at),
        ))
    }

    async fn replay(&self, key: &IdempotencyKey) -> Result<Option<IntakeOutcome>> {
        let found: Option<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT case_id, request_hash FROM idempotency_keys WHERE actor = $1 AND key = $2")
                .bind(&key.actor)
                .bind(&key.key)
                .fetch_optional(pool)
                .await
        })?;
        let Some((case_id, hash)) = found else {
            return Ok(None);
        };
        if hash != key.request_hash {
            return Ok(Some(IntakeOutcome::KeyReused));
        }
        let case = self
            .case_by_id(case_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Some(IntakeOutcome::Replayed(case)))
    }

    async fn case_by_id(&self, id: i64) -> Result<Option<StoredCase>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        row.map(StoredCase::try_from).transpose()
    }

    pub async fn get_case(&self, number: &str) -> Result<Option<StoredCase>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1")))
                .bind(number)
                .fetch_optional(pool)
                .await
        })?;
        row.map(StoredCase::try_from).transpose()
    }

    /// The resident's lookup: the case only when the number and the full ID number match.
    pub async fn find_case_for_resident(
        &self,
        number: &str,
        id_number: &IdNumber,
    ) -> Result<Option<StoredCase>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE number = $1 AND applicant_id = $2"
            )))
            .bind(number)
            .bind(id_number.expose())
            .fetch_optional(pool)
            .await
        })?;
        row.map(StoredCase::try_from).transpose()
    }

    /// Applies a transition if nobody changed the case since `expected_version` was read:
    /// the row, the timeline, the SMS and the audit row in one transaction.
    pub async fn apply_case_transition(
        &self,
        case: &StoredCase,
        expected_version: i64,
        transition: &Transition,
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<StoredCase> {
        let at = now();
        let state = &transition.state;
        let state_json = serde_json::to_string(state).expect("state serialises");
        let completed_at = state.status.is_final().then_some(at);
        let phones = case.phones();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let changed = sqlx::query(
                "UPDATE cases SET status = $1, current_station = $2, deadline = $3, state = $4, \
                 version = version + 1, updated_at = $5, completed_at = $6 WHERE id = $7 AND version = $8",
            )
            .bind(state.status.as_str())
            .bind(state.current_station.as_str())
            .bind(state.deadline)
            .bind(&state_json)
            .bind(at)
            .bind(completed_at)
            .bind(case.id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::StaleVersion);
            }
            record_events!(tx, case.id, &case.number, &case.item_name, &phones, &transition.events, actor, at);
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        let mut updated = case.clone();
        updated.state = state.clone();
        updated.version = expected_version + 1;
        updated.updated_at = at;
        updated.completed_at = completed_at;
        Ok(updated)
    }

    /// The timeline of a case, oldest first.
    pub async fn case_events(&self, case_id: i64) -> Result<Vec<CaseEventRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            at: DateTime<Utc>,
            actor: String,
            station_code: String,
            kind: String,
            description: String,
            detail: String,
        }
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, Row>(
                "SELECT id, at, actor, station_code, kind, description, detail FROM case_events \
                 WHERE case_id = $1 ORDER BY id",
            )
            .bind(case_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| CaseEventRecord {
                id: row.id,
                at: row.at,
                actor: row.actor,
                station_code: row.station_code,
                kind: row.kind,
                description: row.description,
                detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }

    /// One page of cases matching `filter`, most urgent deadline first.
    pub async fn list_cases(
        &self,
        filter: &CaseFilter,
        page: PageRequest,
    ) -> Result<Page<CaseSummary>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut binds: Vec<CaseBind> = Vec::new();
        let mut add = |clause: &str, values: Vec<CaseBind>| {
            let mut text = String::new();
            for (i, part) in clause.split('?').enumerate() {
                if i > 0 {
                    text.push_str(&format!("${}", binds.len() + i));
                }
                text.push_str(part);
            }
            binds.extend(values);
            clauses.push(text);
        };
        if let Some(station) = &filter.current_station {
            add("current_station = ?", vec![CaseBind::Text(station.clone())]);
        }
        if let Some(station) = &filter.intake_station {
            add("intake_station = ?", vec![CaseBind::Text(station.clone())]);
        }
        if !filter.statuses.is_empty() {
            let marks = vec!["?"; filter.statuses.len()].join(", ");
            add(
                &format!("status IN ({marks})"),
                filter
                    .statuses
                    .iter()
                    .map(|s| CaseBind::Text(s.as_str().to_owned()))
                    .collect(),
            );
        }
        if let Some(from) = filter.deadline_from {
            add("deadline >= ?", vec![CaseBind::Date(from)]);
        }
        if let Some(to) = filter.deadline_to {
            add("deadline <= ?", vec![CaseBind::Date(to)]);
        }
        if let Some(scope) = &filter.scope {
            add(
                "region_code >= ? AND region_code < ?",
                vec![
                    CaseBind::Text(scope.as_str().to_owned()),
                    CaseBind::Text(prefix_end(scope.as_str())),
                ],
            );
        }
        if let Some(station) = &filter.originals_held_at {
            add(
                "originals_status = 'held' AND originals_batch IS NULL AND originals_station = ?",
                vec![CaseBind::Text(station.clone())],
            );
        }
        if let Some(item) = &filter.item_code {
            add("item_code = ?", vec![CaseBind::Text(item.clone())]);
        }
        if let Some(query) = filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
        {
            let pattern = format!("%{query}%");
            add(
                "(number LIKE ? OR item_name LIKE ? OR applicant_name LIKE ?)",
                vec![
                    CaseBind::Text(pattern.clone()),
                    CaseBind::Text(pattern.clone()),
                    CaseBind::Text(pattern),
                ],
            );
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let next = binds.len() + 1;
        let select = format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases{where_sql} ORDER BY deadline, id LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let count = format!("SELECT COUNT(*) FROM cases{where_sql}");
        let items: Vec<CaseSummary> = on_pool!(self, pool => {
            let mut query = sqlx::query_as::<_, CaseSummary>(sqlx::AssertSqlSafe(select.clone()));
            for bind in &binds {
                query = match bind {
                    CaseBind::Text(text) => query.bind(text.clone()),
                    CaseBind::Date(date) => query.bind(*date),
                };
            }
            query.bind(page.limit()).bind(page.offset()).fetch_all(pool).await
        })?;
        let total: i64 = on_pool!(self, pool => {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()));
            for bind in &binds {
                query = match bind {
                    CaseBind::Text(text) => query.bind(text.clone()),
                    CaseBind::Date(date) => query.bind(*date),
                };
            }
            query.fetch_one(pool).await
        })?;
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// What an intake routes on: the item, the chain of stations up from `station_code` with
    /// how each handles the item, and the county hall of the intake station's county — from
    /// memory when this process read
    /// them less than `REFERENCE_MAX_AGE` ago and changed no item, station or delegation since.
    pub async fn intake_reference(
        &self,
        station_code: &str,
        item_code: &str,
    ) -> Result<IntakeReference> {
        let key = (station_code.to_owned(), item_code.to_owned());
        self.reference
            .get_or_load(key, self.read_intake_reference(station_code, item_code))
            .await
    }

    async fn read_intake_reference(
        &self,
        station_code: &str,
        item_code: &str,
    ) -> Result<IntakeReference> {
        let item = self.get_item(item_code).await?;
        let chain = self.station_chain(station_code, item_code).await?;
        let county = chain.first().and_then(|intake| {
            intake
                .region_code
                .ancestor_at(yibao_domain::RegionLevel::County)
        });
        let county_hall = match county {
            Some(county) => self.county_hall(county.as_str()).await?,
            None => None,
        };
        Ok(IntakeReference {
            item,
            chain,
            county_hall,
        })
    }

    /// The intake station and its ancestors up to the root, each with its status and how it
    /// handles `item_code` (`None` when it does not), intake station first.
    pub async fn station_chain(
        &self,
        station_code: &str,
        item_code: &str,
    ) -> Result<Vec<ChainStation>> {
        let rows: Vec<(String, String, String, String, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "WITH RECURSIVE chain(code, depth) AS ( \
                   SELECT code, 0 FROM stations WHERE code = $1 \
                   UNION ALL \
                   SELECT s.parent_code, c.depth + 1 FROM chain c JOIN stations s ON s.code = c.code \
                   WHERE s.parent_code IS NOT NULL AND c.depth < 10) \
                 SELECT s.code, s.level, s.status, s.region_code, d.mode FROM chain c \
                 JOIN stations s ON s.code = c.code \
                 LEFT JOIN delegations d ON d.station_code = s.code AND d.item_code = $2 \
                 ORDER BY c.depth",
            )
            .bind(station_code)
            .bind(item_code)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(code, level, status, region, mode)| {
                let corrupt = |what: &str| StoreError::Corrupt(format!("站点 {code}：{what}"));
                Ok(ChainStation {
                    level: level.parse().map_err(|_| corrupt("层级"))?,
                    open: status == "open",
                    region_code: RegionCode::parse(&region).map_err(|_| corrupt("区划"))?,
                    mode: match mode {
                        Some(mode) => mode.parse().map_err(|_| corrupt("办理方式"))?,
                        None => HandlingMode::None,
                    },
                    code,
                })
            })
            .collect()
    }

    /// The open county-level station (县级服务大厅) of a county region, if any.
    pub async fn county_hall(&self, county_region: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, String>(
                "SELECT code FROM stations WHERE level = 'county' AND status = 'open' AND region_code = $1 \
                 ORDER BY code LIMIT 1",
            )
            .bind(county_region)
            .fetch_optional(pool)
            .await
        })?)
    }

    /// Number of cases, for benchmarks and the durability check.
    pub async fn count_cases(&self) -> Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM cases").fetch_one(pool).await
        })?)
    }

    /// Every case number with how many rows carry it, for the durability check.
    pub async fn case_numbers(&self) -> Result<Vec<String>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, String>("SELECT number FROM cases ORDER BY id").fetch_all(pool).await
        })?)
    }
}

/// What an intake routes on (see `Store::intake_reference`).
#[derive(Debug, Clone)]
pub struct IntakeReference {
    pub item: Option<crate::StoredItem>,
    pub chain: Vec<ChainStation>,
    pub county_hall: Option<String>,
}

/// How long a process trusts its copy of routing data: edits made by this process drop it at
/// once; edits by another process (a CLI import next to a running server) show after this.
pub(crate) const REFERENCE_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(5);
pub(crate) const REFERENCE_MAX_ENTRIES: usize = 10_000;

/// A station on the way up from an intake station.
#[derive(Debug, Clone)]
pub struct ChainStation {
    pub code: String,
    pub level: StationLevel,
    pub open: bool,
    pub region_code: RegionCode,
    pub mode: HandlingMode,
}

#[derive(Debug, Clone)]
enum CaseBind {
    Text(String),
    Date(NaiveDate),
}
