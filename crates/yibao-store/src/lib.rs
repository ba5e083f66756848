//! Storage for Yibao Circle on SQLite (one file, the default) or PostgreSQL.
//!
//! One `Store` wraps either native sqlx pool; every query is one small function whose SQL is
//! written once with `$n` placeholders, which both backends accept, and run on whichever pool
//! is configured through the `on_pool!` macro. Migrations live per backend under
//! `migrations/`. Every write that changes shared state writes its audit row in the same
//! transaction, so an accepted write and its audit trail are committed together or not at all.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use thiserror::Error;

mod archives;
mod audit;
mod cases;
mod catalog;
mod counter;
mod delegations;
mod handoffs;
mod holidays;
mod kb;
mod memo;
mod outbox;
mod ratings;
mod regions;
mod stations;
mod ticket_history;
mod users;

pub use archives::{
    ArchiveStamp, FileImport, NewArchive, StoredArchive, UnansweredQuestion, record_number,
};
pub use audit::{AuditEntry, AuditFilter, AuditRecord};
pub use cases::{
    CaseEventRecord, CaseFilter, CaseSummary, ChainStation, IdempotencyKey, IntakeOutcome,
    IntakeReference, NewCase, OriginalsStatus, StoredCase, case_number,
};
pub use catalog::{ItemHistoryEntry, StoredItem};
pub use counter::{
    BookingOutcome, CallRecord, Claim, CounterCategory, CounterWindow, NewAppointment, NewTicket,
    StoredAppointment, StoredCalendar, StoredTicket, TicketMove,
};
pub use delegations::{Delegation, DelegationChange, StationHandling};
pub use handoffs::{
    BatchFilter, BatchStatus, HandoffBatch, HandoffItem, ItemStatus, Receipt, UnexpectedItem,
    batch_number,
};
pub use kb::StoredKbEntry;
pub use outbox::{
    DeliveryReport, LEASE_SECONDS, MAX_ATTEMPTS, OutboxMessage, SendOutcome, backoff,
};
pub use ratings::{Rating, StationRating};
pub use regions::{PopulationRow, Region, RegionFilter, RegionRow, RegionSummary};
pub use stations::{Station, StationFilter, StationSort, StationStatus};
pub use ticket_history::{ImportedTicket, IssuedTicketHistory};
pub use users::{NewUser, Role, SessionUser, User};

/// Storage failures, mapped by the web layer to problem responses.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("记录不存在")]
    NotFound,
    #[error("记录已存在：{0}")]
    Duplicate(String),
    #[error("记录已被他人修改，请刷新后重试")]
    StaleVersion,
    #[error("引用的记录不存在：{0}")]
    MissingReference(String),
    #[error("数据库中的数据无法解析：{0}")]
    Corrupt(String),
    #[error("数据库错误：{0}")]
    Database(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Classifies constraint violations so callers can answer 409 instead of 500.
    fn from_write(error: sqlx::Error, what: &str) -> StoreError {
        if let sqlx::Error::Database(db) = &error {
            if db.is_unique_violation() {
                return StoreError::Duplicate(what.to_owned());
            }
            if db.is_foreign_key_violation() {
                return StoreError::MissingReference(what.to_owned());
            }
        }
        StoreError::Database(error)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database, whichever backend it is.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    /// Where write transactions begin (see `Writer`).
    pub(crate) writer: Writer,
    /// Intakes waiting for their group commit.
    pub(crate) intakes: std::sync::Arc<cases::IntakeGroup>,
    /// The working-day calendar, read once and kept.
    pub(crate) calendar: std::sync::Arc<memo::Memo<(), yibao_domain::calendar::WorkingCalendar>>,
    /// Items, station chains and county halls as intakes route them, kept briefly.
    pub(crate) reference: std::sync::Arc<memo::Memo<(String, String), IntakeReference>>,
    /// Each station's counter categories, read by every ticket issued, called or moved.
    pub(crate) categories: std::sync::Arc<memo::Memo<String, Vec<counter::CounterCategory>>>,
    /// Stations by code for the hot paths that read one per request (the counter).
    pub(crate) stations: std::sync::Arc<memo::Memo<String, Station>>,
    /// Live sessions by token hash, read by every authenticated request.
    pub(crate) sessions: std::sync::Arc<memo::Memo<String, users::SessionUser>>,
}

/// How write transactions get their turn and their connection.
///
/// SQLite allows one writer at a time: write transactions queue on `slot`, in order, instead
/// of colliding on the database lock and backing off in SQLite's busy handler. The slot holds
/// the writers' own connection, kept out of any pool:
/// - Its page cache stays valid from one write to the next. Spread over the read pool's
///   connections, every write found the pages the previous write (made on another
///   connection) invalid and read them again: about 15 page reads per intake.
/// - A pooled connection is pinged on its way back to the pool, one more round trip to its
///   worker thread that the next writer had to wait for.
///
/// A writer connection found broken (see `SqliteTurn::begin`) is replaced at the next turn.
///
/// An in-memory database exists only within the pool that made it, so there the slot is
/// empty and writers take a pool connection in their turn. PostgreSQL uses neither: its
/// writers run concurrently on pool connections.
#[derive(Clone, Default)]
pub(crate) struct Writer {
    slot: std::sync::Arc<tokio::sync::Mutex<WriterSlot>>,
}

/// What the SQLite writer slot holds.
#[derive(Default)]
pub(crate) struct WriterSlot {
    connection: Option<sqlx::SqliteConnection>,
    /// How to open the writer connection again when it is found broken (see
    /// `SqliteTurn::begin`); `None` for an in-memory database and after `Store::close`.
    reopen: Option<SqliteConnectOptions>,
    /// Set when the connection failed in a way that may leave it unusable.
    broken: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The last case id and case-event id an intake group wrote, kept only while no other
    /// write has run since (any write turn but an intake group's clears it), so the next group
    /// need not read them.
    pub(crate) intake_ids: Option<(i64, i64)>,
}

/// A writer's turn on SQLite: the slot, and a pool connection when the slot has none. Begin
/// the transaction from it with `begin` and keep it until the transaction ends.
pub(crate) struct SqliteTurn {
    slot: tokio::sync::OwnedMutexGuard<WriterSlot>,
    pooled: Option<sqlx::pool::PoolConnection<sqlx::Sqlite>>,
}

impl SqliteTurn {
    /// `BEGIN IMMEDIATE`: the database's write lock is taken at once, so no transaction fails
    /// upgrading from read to write. When the writer connection cannot begin for any reason
    /// but a busy database (it was left inside a transaction by a write whose task ended
    /// half-way, say, or its thread is gone), it is marked broken and the next turn opens a
    /// new one: one broken connection fails one write, not every write until a restart.
    pub(crate) async fn begin(
        &mut self,
    ) -> std::result::Result<sqlx::Transaction<'_, sqlx::Sqlite>, sqlx::Error> {
        use sqlx::Connection;
        let broken = self.slot.broken.clone();
        let own = self.pooled.is_none();
        self.connection()?
            .begin_with("BEGIN IMMEDIATE")
            .await
            .inspect_err(|error| {
                if own && !is_busy(error) {
                    broken.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            })
    }

    /// Marks the writer connection broken: the next turn replaces it.
    pub(crate) fn mark_broken(&self) {
        self.slot
            .broken
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The connection of this turn.
    pub(crate) fn connection(
        &mut self,
    ) -> std::result::Result<&mut sqlx::SqliteConnection, sqlx::Error> {
        match (&mut self.pooled, &mut self.slot.connection) {
            (Some(pooled), _) => Ok(pooled),
            (None, Some(own)) => Ok(own),
            (None, None) => Err(sqlx::Error::PoolClosed),
        }
    }

    /// The slot's memory of the last intake ids (see `WriterSlot`).
    pub(crate) fn intake_ids(&mut self) -> &mut Option<(i64, i64)> {
        &mut self.slot.intake_ids
    }
}

/// SQLite's "database is locked" (SQLITE_BUSY and its extended codes).
fn is_busy(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(|code| code & 0xff == 5),
        _ => false,
    }
}

/// A turn on SQLite that leaves the slot's memory of the last intake ids as it is: the
/// intake group's own (`write_turn`, for every other write, clears it).
pub(crate) async fn sqlite_turn_keeping_ids(
    pool: &sqlx::SqlitePool,
    writer: &Writer,
) -> std::result::Result<SqliteTurn, sqlx::Error> {
    let mut slot = writer.slot.clone().lock_owned().await;
    if slot
        .broken
        .swap(false, std::sync::atomic::Ordering::Relaxed)
        && let Some(options) = slot.reopen.clone()
    {
        use sqlx::ConnectOptions;
        tracing::warn!("SQLite writer connection reopened after a failed write");
        slot.intake_ids = None;
        slot.connection = None;
        match options.connect().await {
            Ok(connection) => slot.connection = Some(connection),
            Err(error) => {
                slot.broken
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                return Err(error);
            }
        }
    }
    let pooled = match slot.connection {
        Some(_) => None,
        None => Some(pool.acquire().await?),
    };
    Ok(SqliteTurn { slot, pooled })
}

/// A writer's connection on PostgreSQL (any pool connection).
pub(crate) struct PostgresTurn(sqlx::pool::PoolConnection<sqlx::Postgres>);

impl PostgresTurn {
    pub(crate) async fn begin(
        &mut self,
    ) -> std::result::Result<sqlx::Transaction<'_, sqlx::Postgres>, sqlx::Error> {
        use sqlx::Connection;
        self.0.begin().await
    }
}

/// How a store function gets the connection for a write transaction on either backend:
/// `let mut turn = pool.write_turn(&self.writer).await?; let mut tx = turn.begin().await?;`.
pub(crate) trait BeginWrite {
    type Turn;
    async fn write_turn(&self, writer: &Writer) -> std::result::Result<Self::Turn, sqlx::Error>;
    /// A turn for a write that inserts no case and no case event (the outbox's claims and
    /// records): on SQLite it leaves the slot's memory of the last intake ids, so intake groups
    /// between outbox batches keep their one-hand-off write.
    async fn write_turn_without_cases(
        &self,
        writer: &Writer,
    ) -> std::result::Result<Self::Turn, sqlx::Error>;
}

impl BeginWrite for sqlx::SqlitePool {
    type Turn = SqliteTurn;
    async fn write_turn(&self, writer: &Writer) -> std::result::Result<SqliteTurn, sqlx::Error> {
        let mut turn = sqlite_turn_keeping_ids(self, writer).await?;
        *turn.intake_ids() = None;
        Ok(turn)
    }
    async fn write_turn_without_cases(
        &self,
        writer: &Writer,
    ) -> std::result::Result<SqliteTurn, sqlx::Error> {
        sqlite_turn_keeping_ids(self, writer).await
    }
}

impl BeginWrite for sqlx::PgPool {
    type Turn = PostgresTurn;
    async fn write_turn(&self, _writer: &Writer) -> std::result::Result<PostgresTurn, sqlx::Error> {
        Ok(PostgresTurn(self.acquire().await?))
    }
    async fn write_turn_without_cases(
        &self,
        writer: &Writer,
    ) -> std::result::Result<PostgresTurn, sqlx::Error> {
        self.write_turn(writer).await
    }
}

/// Runs the same expression against whichever pool the store holds; `$pool` is bound to the
/// concrete pool so the expression type-checks once per backend.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// One page of a list, with the total count for the pager.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Page number (from 1) and size, clamped to sane bounds.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u32 = 500;

    pub fn new(page: Option<u32>, per_page: Option<u32>) -> PageRequest {
        PageRequest {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(50).clamp(1, Self::MAX_PER_PAGE),
        }
    }

    pub(crate) fn limit(self) -> i64 {
        i64::from(self.per_page)
    }

    pub(crate) fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// The upper bound of a prefix range over digit codes: every code starting with `prefix` is
/// `>= prefix` and `< prefix~` ('~' sorts after every digit), which both backends answer from
/// the primary-key index.
pub(crate) fn prefix_end(prefix: &str) -> String {
    format!("{prefix}~")
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`: `sqlite:` paths or
    /// `postgres://` URLs.
    pub async fn connect(url: &str) -> Result<Store> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            Store::connect_postgres(options).await?
        } else {
            let options = SqliteConnectOptions::from_str(url)?;
            Store::connect_sqlite(options).await?
        };
        store.migrate().await?;
        Ok(store)
    }

    /// SQLite with WAL, full synchronous commits (a committed write survives a crash) and
    /// foreign keys on.
    pub async fn connect_sqlite(options: SqliteConnectOptions) -> Result<Store> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // An in-process connection cannot hang up, so no ping before each use: with sqlx's
        // worker thread per connection the ping cost a thread round trip per query.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        // The writers' own connection (see `Writer`); an in-memory database exists only
        // within the pool that made it, so there the writers share the read pool.
        let filename = options.get_filename().to_string_lossy().into_owned();
        let in_memory = filename == ":memory:" || filename.contains("mode=memory");
        let store = Store::with_pool(Pool::Sqlite(pool));
        if !in_memory {
            use sqlx::ConnectOptions;
            // Every kind of write runs here, an intake group's statement in up to 64 sizes
            // among them: room for all their prepared statements.
            let writer_options = options.statement_cache_capacity(512);
            let own = writer_options.connect().await?;
            let mut slot = store.writer.slot.lock().await;
            slot.connection = Some(own);
            slot.reopen = Some(writer_options);
        }
        Ok(store)
    }

    pub async fn connect_postgres(options: PgConnectOptions) -> Result<Store> {
        // Ping a connection before use only when it sat idle for a while (the server may have
        // restarted since): a ping on every checkout cost a network round trip per query.
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for >= Duration::from_secs(10) {
                        sqlx::Connection::ping(connection).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store::with_pool(Pool::Postgres(pool)))
    }

    /// A store on `pool` with empty write queues and caches.
    fn with_pool(pool: Pool) -> Store {
        use memo::Memo;
        use std::sync::Arc;
        let committers = match pool {
            Pool::Sqlite(_) => 1,
            Pool::Postgres(_) => 2,
        };
        Store {
            pool,
            writer: Writer::default(),
            intakes: Arc::new(cases::IntakeGroup::new(committers)),
            calendar: Arc::new(Memo::new(holidays::CALENDAR_MAX_AGE, 1)),
            reference: Arc::new(Memo::new(
                cases::REFERENCE_MAX_AGE,
                cases::REFERENCE_MAX_ENTRIES,
            )),
            categories: Arc::new(Memo::new(
                counter::CATEGORIES_MAX_AGE,
                counter::CATEGORIES_MAX_ENTRIES,
            )),
            stations: Arc::new(Memo::new(
                stations::STATIONS_MAX_AGE,
                stations::STATIONS_MAX_ENTRIES,
            )),
            sessions: Arc::new(Memo::new(
                users::SESSIONS_MAX_AGE,
                users::SESSIONS_MAX_ENTRIES,
            )),
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Pool::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Refreshes the planner's statistics after a bulk load, so the first queries after an
    /// import already use the indexes well (PostgreSQL otherwise waits for autovacuum).
    pub async fn analyze(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::query("PRAGMA optimize")
                .execute(pool)
                .await
                .map(|_| ())?,
            Pool::Postgres(pool) => sqlx::query("ANALYZE regions, stations, delegations")
                .execute(pool)
                .await
                .map(|_| ())?,
        }
        Ok(())
    }

    /// A trivial round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Tests only: leaves the SQLite writer connection inside an open transaction, as a write
    /// whose task ended half-way would (see `SqliteTurn::begin`).
    #[doc(hidden)]
    pub async fn leave_writer_in_transaction_for_tests(&self) {
        let mut slot = self.writer.slot.lock().await;
        if let Some(connection) = slot.connection.as_mut() {
            sqlx::query("BEGIN")
                .execute(connection)
                .await
                .expect("BEGIN on the writer connection");
        }
    }

    pub async fn close(&self) {
        let mut slot = self.writer.slot.lock().await;
        slot.reopen = None;
        if let Some(writer) = slot.connection.take() {
            use sqlx::Connection;
            let _ = writer.close().await;
        }
        on_pool!(self, pool => pool.close().await)
    }
}

/// The current time, truncated to microseconds so it survives a round trip through either
/// backend unchanged.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// PostgreSQL database administration for tests and benchmarks: a fresh database per run.
pub mod admin {
    use std::str::FromStr;

    use sqlx::Connection;
    use sqlx::postgres::{PgConnectOptions, PgConnection};

    use crate::Result;

    /// Creates database `name` on the server of `admin_url` (dropping it first if present) and
    /// returns a URL for it.
    pub async fn recreate_postgres_database(admin_url: &str, name: &str) -> Result<String> {
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "plain database names only"
        );
        let options = PgConnectOptions::from_str(admin_url)?;
        let mut connection = PgConnection::connect_with(&options).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut connection)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut connection)
            .await?;
        connection.close().await?;
        let (base, _) = admin_url.rsplit_once('/').unwrap_or((admin_url, ""));
        Ok(format!("{base}/{name}"))
    }

    /// Drops every database whose name starts with `prefix` (leftovers of earlier runs).
    pub async fn drop_postgres_databases(admin_url: &str, prefix: &str) -> Result<usize> {
        assert!(
            prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "plain prefixes only"
        );
        let options = PgConnectOptions::from_str(admin_url)?;
        let mut connection = PgConnection::connect_with(&options).await?;
        let names: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
                .bind(prefix)
                .fetch_all(&mut connection)
                .await?;
        for name in &names {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut connection)
            .await?;
        }
        connection.close().await?;
        Ok(names.len())
    }
}

/// A value bound to a dynamically assembled condition.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Small(i16),
}

/// WHERE clauses assembled from the filters actually given, so that each backend plans the
/// query with only the conditions that apply (a `$1 IS NULL OR …` form would defeat the
/// indexes on prepared statements). Placeholders are numbered in order.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    pub(crate) binds: Vec<Bind>,
}

impl Conditions {
    /// Adds a clause whose `?` marks are replaced by the next placeholders.
    pub(crate) fn add(&mut self, clause: &str, values: impl IntoIterator<Item = Bind>) {
        let mut text = String::new();
        for (i, part) in clause.split('?').enumerate() {
            if i > 0 {
                text.push_str(&format!("${}", self.binds.len() + i));
            }
            text.push_str(part);
        }
        self.binds.extend(values);
        self.clauses.push(text);
    }

    /// A region prefix range: every code that starts with `prefix`.
    pub(crate) fn within(&mut self, column: &str, prefix: &str) {
        self.add(
            &format!("{column} >= ? AND {column} < ?"),
            [
                Bind::Text(prefix.to_owned()),
                Bind::Text(prefix_end(prefix)),
            ],
        );
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The number the next placeholder gets.
    pub(crate) fn next(&self) -> usize {
        self.binds.len() + 1
    }
}

/// Binds `Conditions` values (and then anything else) onto a query.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                $crate::Bind::Text(text) => query.bind(text.clone()),
                $crate::Bind::Small(value) => query.bind(*value),
            };
        }
        query
    }};
}
pub(crate) use bind_all;

/// One page of rows and the total count for `SELECT <columns> FROM <from> <conditions>
/// ORDER BY <order>`, with the page's LIMIT and OFFSET as the last two placeholders.
macro_rules! fetch_page {
    ($store:expr, $row:ty, columns: $columns:expr, from: $from:expr, order: $order:expr, $conditions:expr, $page:expr) => {{
        let conditions: &$crate::Conditions = &$conditions;
        let page: $crate::PageRequest = $page;
        let where_sql = conditions.sql();
        let (limit, offset) = (conditions.next(), conditions.next() + 1);
        let select =
            format!("SELECT {} FROM {}{where_sql} ORDER BY {} LIMIT ${limit} OFFSET ${offset}", $columns, $from, $order);
        let count = format!("SELECT COUNT(*) FROM {}{where_sql}", $from);
        let rows: Vec<$row> = $crate::on_pool!($store, pool => {
            $crate::bind_all!(sqlx::query_as::<_, $row>(sqlx::AssertSqlSafe(select.clone())), &conditions.binds)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(pool)
                .await
        })?;
        let total: i64 = $crate::on_pool!($store, pool => {
            $crate::bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())), &conditions.binds).fetch_one(pool).await
        })?;
        (rows, total)
    }};
}
pub(crate) use fetch_page;
