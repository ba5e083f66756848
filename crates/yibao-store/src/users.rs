//! Staff accounts, their roles and region scope, and login sessions.
//!
//! Passwords arrive here already hashed (argon2, in the web crate); session tokens are stored
//! only as SHA-256 hashes so a copy of the database does not hand out live sessions.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yibao_domain::RegionCode;

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{AuditEntry, Result, Store, StoreError, now, on_pool, prefix_end};

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 医保局管理员: everything in scope, catalog edits, level overrides, accounts.
    BureauAdmin,
    /// 县级经办人员
    County,
    /// 镇街服务站人员
    TownStation,
    /// 村社区服务点人员
    VillagePoint,
    /// 网格员
    GridWorker,
    /// 志愿者
    Volunteer,
    /// 审核人员
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::BureauAdmin,
        Role::County,
        Role::TownStation,
        Role::VillagePoint,
        Role::GridWorker,
        Role::Volunteer,
        Role::Reviewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::BureauAdmin => "bureau_admin",
            Role::County => "county",
            Role::TownStation => "town_station",
            Role::VillagePoint => "village_point",
            Role::GridWorker => "grid_worker",
            Role::Volunteer => "volunteer",
            Role::Reviewer => "reviewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::BureauAdmin => "医保局管理员",
            Role::County => "县级经办",
            Role::TownStation => "镇街服务站",
            Role::VillagePoint => "村社区服务点",
            Role::GridWorker => "网格员",
            Role::Volunteer => "志愿者",
            Role::Reviewer => "审核人员",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text.trim() || role.label() == text.trim())
    }

    /// May register, edit and close stations and set their delegation.
    pub fn manages_network(self) -> bool {
        matches!(self, Role::BureauAdmin | Role::County)
    }

    /// May edit the catalog, override level rules and manage accounts.
    pub fn is_admin(self) -> bool {
        self == Role::BureauAdmin
    }
}

/// A staff account (without its password hash).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Region the account may see; `None` = the whole country (national administrators).
    pub region_scope: Option<RegionCode>,
    pub station_code: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_scope: Option<RegionCode>,
    pub station_code: Option<String>,
    pub password_hash: String,
}

/// How long a process trusts a session it has read through `Store::session_user_recent`: a
/// sign-out in this process ends the session at once, one in another server process within
/// this time. Only live sessions are kept, never an unknown token.
pub(crate) const SESSIONS_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(5);
pub(crate) const SESSIONS_MAX_ENTRIES: usize = 10_000;

/// The account behind a live session, with the session's CSRF token.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    region_scope: Option<String>,
    station_code: Option<String>,
    active: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<User> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("账号 {}：{what}", row.username));
        Ok(User {
            role: Role::parse(&row.role).ok_or_else(|| corrupt("角色"))?,
            region_scope: row
                .region_scope
                .as_deref()
                .map(RegionCode::parse)
                .transpose()
                .map_err(|_| corrupt("管辖区划"))?,
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            station_code: row.station_code,
            active: row.active,
            created_at: row.created_at,
        })
    }
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.region_scope, u.station_code, u.active, u.created_at";

impl Store {
    pub async fn create_user(&self, new: &NewUser, audit: &AuditEntry) -> Result<User> {
        let at = now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            sqlx::query(
                "INSERT INTO users (username, display_name, role, region_scope, station_code, password_hash, active, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7)",
            )
            .bind(&new.username)
            .bind(&new.display_name)
            .bind(new.role.as_str())
            .bind(new.region_scope.as_ref().map(|c| c.as_str().to_owned()))
            .bind(&new.station_code)
            .bind(&new.password_hash)
            .bind(at)
            .execute(&mut *tx)
            .await.map(|done| done.rows_affected())
            .map_err(|e| StoreError::from_write(e, &format!("用户名 {}", new.username)))?;
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        self.user_with_hash(&new.username)
            .await?
            .map(|(user, _)| user)
            .ok_or(StoreError::NotFound)
    }

    /// The account and its password hash, for login.
    pub async fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1"
            )))
            .bind(username)
            .fetch_optional(pool)
            .await
        })?;
        row.map(|row| Ok((User::try_from(row.user)?, row.password_hash)))
            .transpose()
    }

    /// Accounts whose scope lies inside `scope` (all of them for a national scope).
    pub async fn list_users(&self, scope: Option<&RegionCode>) -> Result<Vec<User>> {
        let scope = scope.map(|c| c.as_str().to_owned());
        let end = scope.as_deref().map(prefix_end);
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE $1 IS NULL OR (u.region_scope >= $1 AND u.region_scope < $2) ORDER BY u.username"
            )))
            .bind(&scope)
            .bind(&end)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(User::try_from).collect()
    }

    pub async fn count_users(&self) -> Result<i64> {
        let count = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)?;
        Ok(count)
    }

    pub async fn insert_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash)
                .bind(user_id)
                .bind(csrf_token)
                .bind(at)
                .bind(expires_at)
                .execute(pool)
                .await.map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The live session for a token hash; expired sessions and inactive accounts give `None`.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<SessionUser>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            csrf_token: String,
            expires_at: DateTime<Utc>,
        }
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active"
            )))
            .bind(token_hash)
            .bind(now())
            .fetch_optional(pool)
            .await
        })?;
        row.map(|row| {
            Ok(SessionUser {
                user: User::try_from(row.user)?,
                csrf_token: row.csrf_token,
                expires_at: row.expires_at,
            })
        })
        .transpose()
    }

    /// `session_user` through a short-lived copy in memory (see `SESSIONS_MAX_AGE`), for the
    /// authentication of every request. Expiry is checked on each use.
    pub async fn session_user_recent(&self, token_hash: &str) -> Result<Option<SessionUser>> {
        // An unknown token is an error inside the memo, so that it is not kept.
        let read = async {
            self.session_user(token_hash)
                .await?
                .ok_or(StoreError::NotFound)
        };
        match self.sessions.get_or_load(token_hash.to_owned(), read).await {
            Ok(session) if session.expires_at > now() => Ok(Some(session)),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await.map(|done| done.rows_affected()))?;
        self.sessions.changed();
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_sessions(&self) -> Result<u64> {
        let done = on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now()).execute(pool).await.map(|done| done.rows_affected()))?;
        self.sessions.changed();
        Ok(done)
    }
}
