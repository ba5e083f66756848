//! Arrival forecast per category per slot for one day, from ticket history.
//!
//! Method (multiplicative: daily volume × intraday profile):
//! 1. **Daily volume** of each category: the mean count of the most recent `weeks` open days
//!    with the target's weekday (a day with no ticket at all counts as closed). With fewer than
//!    two such days, the mean of the last 20 open days times a day-of-week factor (mean total on
//!    that weekday ÷ mean total of all open days, 1 when unknown).
//! 2. **Season**: when the history reaches back a year, the volume is multiplied by the ratio
//!    of last year's counts around the target date (±7 days, shifted by 364 days to keep the
//!    weekday) to last year's counts over the span of the days used in step 1 (each mean + 1 to
//!    damp small counts); needs at least three open days in each window, else 1.
//! 3. **Level factor**: a multiplier the user sets (e.g. 1.3 when the payment season is
//!    announced to start), default 1.
//! 4. **Intraday profile**: the share of a category's tickets in each slot, pooled over the
//!    most recent `profile_weeks` same-weekday open days and shrunk toward the pooled profile
//!    of all recent open days with a weight of two days, so that a weekday seen once is not
//!    taken at face value.
//!
//! The rate of a slot is volume × share ÷ slot length. Tickets issued before opening count in
//! the first slot, after closing in the last one.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::QueueingError;
use crate::history::History;

/// What to forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastConfig {
    pub date: NaiveDate,
    /// Opening and closing time, minutes since midnight.
    pub open_min: u32,
    pub close_min: u32,
    /// 15 or 30 (any divisor of the open span works).
    pub slot_min: u32,
    /// Same-weekday days averaged for the volume.
    pub weeks: usize,
    /// Same-weekday days pooled for the profile.
    pub profile_weeks: usize,
    pub level_factor: f64,
    /// Handling time for a category whose history records none, minutes.
    pub default_service_min: f64,
}

impl ForecastConfig {
    /// 08:30–17:00 in 15-minute slots, four weeks of volume, eight of profile.
    pub fn for_date(date: NaiveDate) -> ForecastConfig {
        ForecastConfig {
            date,
            open_min: 8 * 60 + 30,
            close_min: 17 * 60,
            slot_min: 15,
            weeks: 4,
            profile_weeks: 8,
            level_factor: 1.0,
            default_service_min: 6.0,
        }
    }

    pub fn slots(&self) -> usize {
        ((self.close_min - self.open_min) / self.slot_min) as usize
    }

    fn validate(&self) -> Result<(), QueueingError> {
        if self.slot_min == 0 || self.close_min <= self.open_min {
            return Err(QueueingError::Invalid(
                "营业时间无效：关门时间须晚于开门时间，时段长度须大于 0".to_owned(),
            ));
        }
        if !(self.close_min - self.open_min).is_multiple_of(self.slot_min) {
            return Err(QueueingError::Invalid(format!(
                "营业时长 {} 分钟不能被时段长度 {} 分钟整除",
                self.close_min - self.open_min,
                self.slot_min
            )));
        }
        if !(self.level_factor.is_finite() && self.level_factor > 0.0) {
            return Err(QueueingError::Invalid("水平系数须为正数".to_owned()));
        }
        Ok(())
    }
}

/// Expected arrivals of one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub date: NaiveDate,
    pub open_min: u32,
    pub close_min: u32,
    pub slot_min: u32,
    pub categories: Vec<String>,
    /// Expected tickets of the day per category.
    pub daily: Vec<f64>,
    /// `rates[category][slot]`, arrivals per minute.
    pub rates: Vec<Vec<f64>>,
    /// Mean handling time per category, minutes.
    pub mean_service_min: Vec<f64>,
    /// Share of green-channel tickets in the history.
    pub priority_share: f64,
    /// The same-weekday days the volume was averaged over (empty: fallback used).
    pub volume_days: Vec<NaiveDate>,
    /// The year-over-year season ratio applied per category.
    pub season_ratio: Vec<f64>,
}

impl Forecast {
    pub fn slots(&self) -> usize {
        self.rates.first().map_or(0, Vec::len)
    }
}

struct DayCounts {
    date: NaiveDate,
    /// `[category][slot]`
    slots: Vec<Vec<f64>>,
}

impl DayCounts {
    fn category_total(&self, category: usize) -> f64 {
        self.slots[category].iter().sum()
    }

    fn total(&self) -> f64 {
        (0..self.slots.len()).map(|c| self.category_total(c)).sum()
    }
}

/// Forecasts `config.date` from `history` (only days before the target date are used).
pub fn forecast(history: &History, config: &ForecastConfig) -> Result<Forecast, QueueingError> {
    config.validate()?;
    let categories = history.categories.len();
    let slots = config.slots();
    let slot_of = |minute: f64| {
        let offset = (minute - f64::from(config.open_min)) / f64::from(config.slot_min);
        (offset.floor().max(0.0) as usize).min(slots - 1)
    };
    // Per-day counts, in date order.
    let mut days: Vec<DayCounts> = Vec::new();
    let mut sorted: Vec<_> = history
        .tickets
        .iter()
        .filter(|t| t.date < config.date)
        .collect();
    sorted.sort_by_key(|t| t.date);
    for ticket in sorted {
        if days.last().is_none_or(|d| d.date != ticket.date) {
            days.push(DayCounts {
                date: ticket.date,
                slots: vec![vec![0.0; slots]; categories],
            });
        }
        let day = days.last_mut().expect("pushed");
        day.slots[ticket.category][slot_of(ticket.minute_of_day)] += 1.0;
    }
    if days.is_empty() {
        return Err(QueueingError::Invalid(format!(
            "{} 之前没有任何取号记录，无法预测",
            config.date
        )));
    }
    let weekday = config.date.weekday();
    let same_weekday: Vec<&DayCounts> = days
        .iter()
        .rev()
        .filter(|d| d.date.weekday() == weekday)
        .collect();
    let mean_of = |group: &[&DayCounts], category: usize| {
        group
            .iter()
            .map(|d| d.category_total(category))
            .sum::<f64>()
            / group.len() as f64
    };

    // 1. Daily volume.
    let volume_group: Vec<&DayCounts> = same_weekday.iter().take(config.weeks).copied().collect();
    let (mut daily, volume_days): (Vec<f64>, Vec<NaiveDate>) = if volume_group.len() >= 2 {
        (
            (0..categories).map(|c| mean_of(&volume_group, c)).collect(),
            volume_group.iter().map(|d| d.date).collect(),
        )
    } else {
        let recent: Vec<&DayCounts> = days.iter().rev().take(20).collect();
        let all_mean = days.iter().map(DayCounts::total).sum::<f64>() / days.len() as f64;
        let dow = if same_weekday.is_empty() || all_mean == 0.0 {
            1.0
        } else {
            same_weekday.iter().map(|d| d.total()).sum::<f64>()
                / same_weekday.len() as f64
                / all_mean
        };
        (
            (0..categories).map(|c| mean_of(&recent, c) * dow).collect(),
            Vec::new(),
        )
    };

    // 2. Season, year over year.
    let window = |from: NaiveDate, to: NaiveDate| -> Vec<&DayCounts> {
        days.iter()
            .filter(|d| d.date >= from && d.date <= to)
            .collect()
    };
    let shift = |date: NaiveDate, back: u64| date.checked_sub_days(Days::new(back));
    let used_span = if volume_days.is_empty() {
        (
            days.iter().rev().take(20).next_back().map(|d| d.date),
            days.last().map(|d| d.date),
        )
    } else {
        (volume_days.last().copied(), volume_days.first().copied())
    };
    let season_ratio: Vec<f64> = match (
        shift(config.date, 364 + 7),
        shift(config.date, 364 - 7),
        used_span.0.and_then(|d| shift(d, 364)),
        used_span.1.and_then(|d| shift(d, 364)),
    ) {
        (Some(a), Some(b), Some(c), Some(d)) => {
            let target_window = window(a, b);
            // The base ends before the target window starts, so no day counts in both.
            let base_window = window(c, d.min(a.pred_opt().unwrap_or(a)));
            if target_window.len() >= 3 && base_window.len() >= 3 {
                (0..categories)
                    .map(|cat| {
                        (mean_of(&target_window, cat) + 1.0) / (mean_of(&base_window, cat) + 1.0)
                    })
                    .collect()
            } else {
                vec![1.0; categories]
            }
        }
        _ => vec![1.0; categories],
    };
    for (volume, ratio) in daily.iter_mut().zip(&season_ratio) {
        *volume *= ratio * config.level_factor;
    }

    // 4. Profile.
    let profile_group: Vec<&DayCounts> = same_weekday
        .iter()
        .take(config.profile_weeks)
        .copied()
        .collect();
    let all_group: Vec<&DayCounts> = days.iter().rev().take(config.profile_weeks * 6).collect();
    let pooled = |group: &[&DayCounts], category: usize| -> Vec<f64> {
        let mut counts = vec![0.0; slots];
        for day in group {
            for (slot, count) in day.slots[category].iter().enumerate() {
                counts[slot] += count;
            }
        }
        let total: f64 = counts.iter().sum();
        if total > 0.0 {
            counts.iter().map(|c| c / total).collect()
        } else {
            vec![1.0 / slots as f64; slots]
        }
    };
    const SHRINK_DAYS: f64 = 2.0;
    let slot_len = f64::from(config.slot_min);
    let rates: Vec<Vec<f64>> = (0..categories)
        .map(|category| {
            let all = pooled(&all_group, category);
            let own_days = profile_group.len() as f64;
            let own = if profile_group.is_empty() {
                all.clone()
            } else {
                pooled(&profile_group, category)
            };
            (0..slots)
                .map(|slot| {
                    let share =
                        (own_days * own[slot] + SHRINK_DAYS * all[slot]) / (own_days + SHRINK_DAYS);
                    daily[category] * share / slot_len
                })
                .collect()
        })
        .collect();

    // Handling times and priority share.
    let mut service = vec![(0.0, 0usize); categories];
    for ticket in &history.tickets {
        if let Some(minutes) = ticket.service_min {
            service[ticket.category].0 += minutes;
            service[ticket.category].1 += 1;
        }
    }
    let priority = history.tickets.iter().filter(|t| t.priority).count();
    Ok(Forecast {
        date: config.date,
        open_min: config.open_min,
        close_min: config.close_min,
        slot_min: config.slot_min,
        categories: history.categories.clone(),
        daily,
        rates,
        mean_service_min: service
            .iter()
            .map(|(sum, count)| {
                if *count == 0 {
                    config.default_service_min
                } else {
                    sum / *count as f64
                }
            })
            .collect(),
        priority_share: priority as f64 / history.tickets.len().max(1) as f64,
        volume_days,
        season_ratio,
    })
}

#[cfg(test)]
mod tests;
