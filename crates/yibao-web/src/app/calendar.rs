//! The working-day calendar: public holidays and make-up workdays that deadlines are counted
//! on. Everyone signed in may read it; only bureau administrators edit it, one audited day
//! at a time.

use chrono::{Datelike, NaiveDate};
use yibao_domain::calendar::{CalendarDay, DayKind};
use yibao_store::Store;

use crate::app::Actor;
use crate::error::{ApiError, ProblemField};

fn field_error(field: &str, message: String) -> ApiError {
    ApiError::validation(
        message.clone(),
        vec![ProblemField {
            field: field.to_owned(),
            message,
            line: None,
        }],
    )
}

fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|date| (2000..=2100).contains(&date.year()))
        .ok_or_else(|| {
            field_error(
                "date",
                format!(
                    "日期“{}”无效：应为 2000～2100 年间的 YYYY-MM-DD",
                    text.trim()
                ),
            )
        })
}

/// The edited days, optionally of one year, in date order.
pub async fn list(store: &Store, year: Option<i32>) -> Result<Vec<CalendarDay>, ApiError> {
    let days = store.calendar_days().await?;
    Ok(days
        .into_iter()
        .filter(|day| year.is_none_or(|year| day.date.year() == year))
        .collect())
}

/// Sets (adds or replaces) one day.
pub async fn set(
    store: &Store,
    actor: &Actor,
    date: &str,
    kind: &str,
    name: &str,
) -> Result<CalendarDay, ApiError> {
    actor.require_admin()?;
    let date = parse_date(date)?;
    let kind: DayKind = kind
        .parse()
        .map_err(|e: yibao_domain::ParseError| field_error("kind", e.to_string()))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(field_error(
            "name",
            "请填写节日名称，如“国庆节”或“春节调休”".to_owned(),
        ));
    }
    if name.chars().count() > 20 {
        return Err(field_error(
            "name",
            "节日名称过长（最多 20 个字）".to_owned(),
        ));
    }
    let day = CalendarDay {
        date,
        kind,
        name: name.to_owned(),
    };
    let audit = actor
        .audit("calendar.set", "calendar", &date.to_string())
        .detail(serde_json::json!({ "kind": kind.as_str(), "name": name }));
    store
        .edit_calendar(std::slice::from_ref(&day), &[], &actor.username, &audit)
        .await?;
    Ok(day)
}

/// Removes one day; an absent day is 404.
pub async fn remove(store: &Store, actor: &Actor, date: &str) -> Result<(), ApiError> {
    actor.require_admin()?;
    let date = parse_date(date)?;
    let existing = store.calendar_days().await?;
    let Some(day) = existing.iter().find(|day| day.date == date) else {
        return Err(ApiError::not_found(format!(
            "日历中没有 {date} 这一天的安排"
        )));
    };
    let audit = actor
        .audit("calendar.remove", "calendar", &date.to_string())
        .detail(serde_json::json!({ "kind": day.kind.as_str(), "name": day.name }));
    store
        .edit_calendar(&[], &[date], &actor.username, &audit)
        .await?;
    Ok(())
}
