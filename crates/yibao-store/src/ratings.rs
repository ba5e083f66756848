//! Ratings (好差评): one per completed case, rolled up per station.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{AuditEntry, Result, Store, StoreError, now, on_pool, prefix_end};

/// A resident's rating of one case.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Rating {
    pub case_id: i64,
    pub station_code: String,
    pub score: i16,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

/// Ratings of one station.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StationRating {
    pub station_code: String,
    pub station_name: String,
    pub count: i64,
    pub average: f64,
    /// Ratings of 1 or 2 (差评).
    pub poor: i64,
}

impl Store {
    /// Records the rating of a case; a second rating of the same case is `Duplicate`.
    pub async fn rate_case(
        &self,
        case_id: i64,
        station_code: &str,
        score: i16,
        comment: &str,
        audit: &AuditEntry,
    ) -> Result<Rating> {
        let at = now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            sqlx::query(
                "INSERT INTO case_ratings (case_id, station_code, score, comment, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(case_id)
            .bind(station_code)
            .bind(score)
            .bind(comment)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "本件的评价"))?;
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(Rating {
            case_id,
            station_code: station_code.to_owned(),
            score,
            comment: comment.to_owned(),
            created_at: at,
        })
    }

    pub async fn case_rating(&self, case_id: i64) -> Result<Option<Rating>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Rating>(
                "SELECT case_id, station_code, score, comment, created_at FROM case_ratings WHERE case_id = $1",
            )
            .bind(case_id)
            .fetch_optional(pool)
            .await
        })?)
    }

    /// Ratings per station inside a region (all when `None`), best average first.
    pub async fn station_ratings(&self, scope: Option<&str>) -> Result<Vec<StationRating>> {
        let end = scope.map(prefix_end);
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, StationRating>(
                "SELECT r.station_code, s.name AS station_name, COUNT(*) AS count, \
                 CAST(AVG(r.score) AS DOUBLE PRECISION) AS average, \
                 COALESCE(SUM(CASE WHEN r.score <= 2 THEN 1 ELSE 0 END), 0) AS poor \
                 FROM case_ratings r JOIN stations s ON s.code = r.station_code \
                 WHERE $1 IS NULL OR (s.region_code >= $1 AND s.region_code < $2) \
                 GROUP BY r.station_code, s.name ORDER BY average DESC, r.station_code",
            )
            .bind(scope)
            .bind(&end)
            .fetch_all(pool)
            .await
        })?)
    }
}
