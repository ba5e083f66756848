//! A generator of realistic ticket days for a town station's hall in the payment season: five
//! categories (缴费, 参保登记, 异地就医备案, 零星报销, 咨询) whose mix shifts at mid-day (payment
//! crowds in the morning, reimbursements and off-site filings in the afternoon), a weekday
//! pattern, and a season that multiplies payments from September to December. A peak Monday
//! in December issues more than 1,000 tickets. Same seed, same tickets.
//!
//! Arrivals are a non-homogeneous Poisson process per category (sampled by thinning), handling
//! times log-normal, patience exponential; green-channel tickets are a fixed share.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::history::{History, TicketRecord};
use crate::planner::Window;
use crate::rng::Rng;
use crate::simulate::CategorySet;

/// One business category of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryModel {
    pub name: String,
    pub mean_service_min: f64,
    /// Coefficient of variation of the handling time.
    pub service_cv: f64,
    /// Tickets on an ordinary Tuesday outside the season.
    pub base_daily: f64,
    /// Relative intensity over the day: (hour of day, weight) knots, linear in between.
    pub profile: Vec<(f64, f64)>,
    /// Season multiplier per month (January first).
    pub season: [f64; 12],
}

/// A hall: its categories, hours and people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HallModel {
    pub categories: Vec<CategoryModel>,
    pub open_min: u32,
    pub close_min: u32,
    /// Multiplier per weekday, Monday first (0: closed).
    pub weekday_factor: [f64; 7],
    pub mean_patience_min: f64,
    pub priority_share: f64,
}

impl HallModel {
    /// The payment-season town hall of the benchmarks, open 08:30–17:00 without a noon break.
    pub fn payment_season_hall() -> HallModel {
        let flat = [1.0; 12];
        let mut payment_season = flat;
        payment_season[8] = 1.3; // September
        payment_season[9] = 1.8;
        payment_season[10] = 2.2;
        payment_season[11] = 2.4; // December
        let mut enrolment_season = flat;
        enrolment_season[10] = 1.2;
        enrolment_season[11] = 1.3;
        let category =
            |name: &str, service: f64, cv: f64, daily: f64, profile: &[(f64, f64)], season| {
                CategoryModel {
                    name: name.to_owned(),
                    mean_service_min: service,
                    service_cv: cv,
                    base_daily: daily,
                    profile: profile.to_vec(),
                    season,
                }
            };
        HallModel {
            categories: vec![
                category(
                    "缴费",
                    3.0,
                    0.5,
                    200.0,
                    &[
                        (8.5, 1.8),
                        (9.5, 2.2),
                        (11.0, 1.2),
                        (12.0, 0.5),
                        (13.5, 0.4),
                        (15.0, 0.3),
                        (17.0, 0.2),
                    ],
                    payment_season,
                ),
                category(
                    "参保登记",
                    8.0,
                    0.6,
                    100.0,
                    &[
                        (8.5, 1.0),
                        (10.0, 1.3),
                        (12.0, 0.7),
                        (14.0, 1.0),
                        (17.0, 0.6),
                    ],
                    enrolment_season,
                ),
                category(
                    "异地就医备案",
                    6.0,
                    0.5,
                    90.0,
                    &[
                        (8.5, 0.4),
                        (12.0, 0.7),
                        (14.0, 1.5),
                        (16.0, 1.7),
                        (17.0, 1.0),
                    ],
                    flat,
                ),
                category(
                    "零星报销",
                    12.0,
                    0.7,
                    100.0,
                    &[
                        (8.5, 0.3),
                        (11.0, 0.6),
                        (13.5, 1.6),
                        (15.5, 1.9),
                        (17.0, 0.8),
                    ],
                    flat,
                ),
                category(
                    "咨询",
                    4.0,
                    0.8,
                    130.0,
                    &[
                        (8.5, 1.0),
                        (10.0, 1.3),
                        (12.0, 0.8),
                        (15.0, 1.0),
                        (17.0, 0.6),
                    ],
                    flat,
                ),
            ],
            open_min: 8 * 60 + 30,
            close_min: 17 * 60,
            weekday_factor: [1.15, 1.0, 1.0, 0.95, 0.9, 0.35, 0.0],
            mean_patience_min: 60.0,
            priority_share: 0.08,
        }
    }

    /// The hall's twelve windows: four comprehensive (综合) windows, four for payment,
    /// enrolment and enquiries, four for off-site filing, reimbursement and enquiries.
    pub fn payment_season_windows(&self) -> Vec<Window> {
        let index = |name: &str| {
            self.categories
                .iter()
                .position(|c| c.name == name)
                .expect("category of the model")
        };
        let set = |names: &[&str]| {
            names
                .iter()
                .fold(CategorySet::EMPTY, |set, name| set.with(index(name)))
        };
        let all = CategorySet::all(self.categories.len());
        let front = set(&["缴费", "参保登记", "咨询"]);
        let back = set(&["异地就医备案", "零星报销", "咨询"]);
        (1..=12)
            .map(|number| Window {
                name: format!("{number} 号窗口"),
                skills: match number {
                    1..=4 => all,
                    5..=8 => front,
                    _ => back,
                },
            })
            .collect()
    }

    fn weight(profile: &[(f64, f64)], hour: f64) -> f64 {
        match profile.iter().position(|&(h, _)| h >= hour) {
            Some(0) => profile[0].1,
            Some(i) => {
                let (h0, w0) = profile[i - 1];
                let (h1, w1) = profile[i];
                w0 + (w1 - w0) * (hour - h0) / (h1 - h0)
            }
            None => profile.last().map_or(0.0, |p| p.1),
        }
    }

    /// Expected tickets of `category` on `date`.
    pub fn expected_daily(&self, category: usize, date: NaiveDate) -> f64 {
        let model = &self.categories[category];
        model.base_daily
            * model.season[date.month0() as usize]
            * self.weekday_factor[date.weekday().num_days_from_monday() as usize]
    }

    /// Σ of the profile weight over the open minutes (the normaliser of `rate`).
    fn profile_mass(&self, category: usize) -> f64 {
        let model = &self.categories[category];
        (self.open_min..self.close_min)
            .map(|m| Self::weight(&model.profile, (f64::from(m) + 0.5) / 60.0))
            .sum::<f64>()
    }

    /// Arrival rate per minute of `category` on `date` at `minute` of the day.
    pub fn rate(&self, category: usize, date: NaiveDate, minute: f64) -> f64 {
        let model = &self.categories[category];
        self.expected_daily(category, date) * Self::weight(&model.profile, minute / 60.0)
            / self.profile_mass(category)
    }

    /// One day's tickets, sorted by time.
    pub fn generate_day(&self, date: NaiveDate, rng: &mut Rng) -> Vec<TicketRecord> {
        let mut tickets = Vec::new();
        let open = f64::from(self.open_min);
        let close = f64::from(self.close_min);
        for (category, model) in self.categories.iter().enumerate() {
            let scale = self.expected_daily(category, date) / self.profile_mass(category);
            let rates: Vec<f64> = (self.open_min..self.close_min)
                .map(|m| scale * Self::weight(&model.profile, (f64::from(m) + 0.5) / 60.0))
                .collect();
            let peak = rates.iter().copied().fold(0.0, f64::max);
            if peak <= 0.0 {
                continue;
            }
            // Thinning with the piecewise-constant per-minute rate.
            let mut now = open;
            loop {
                now += rng.exponential(1.0 / peak);
                if now >= close {
                    break;
                }
                let rate = rates[((now - open) as usize).min(rates.len() - 1)];
                if rng.chance(rate / peak) {
                    tickets.push(TicketRecord {
                        date,
                        minute_of_day: now,
                        category,
                        service_min: Some(rng.lognormal(model.mean_service_min, model.service_cv)),
                        priority: rng.chance(self.priority_share),
                    });
                }
            }
        }
        tickets.sort_by(|a, b| a.minute_of_day.total_cmp(&b.minute_of_day));
        tickets
    }

    /// History of every day in `from..=to` (closed days have no tickets).
    pub fn generate_history(&self, from: NaiveDate, to: NaiveDate, seed: u64) -> History {
        let mut rng = Rng::new(seed);
        let mut history = History {
            categories: self.categories.iter().map(|c| c.name.clone()).collect(),
            tickets: Vec::new(),
        };
        let mut date = from;
        while date <= to {
            history.tickets.extend(self.generate_day(date, &mut rng));
            date = date.succ_opt().expect("date in range");
        }
        history
    }
}

/// The benchmark's peak day: Monday 2026-12-14, the payment season's height.
pub fn peak_day_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 14).expect("valid date")
}

/// Eight weeks of history before the peak day and the peak day itself, from one seed: the
/// planner learns from the history and is judged on the day.
pub fn peak_day_scenario(seed: u64) -> (History, History) {
    let hall = HallModel::payment_season_hall();
    let day = peak_day_date();
    let from = day - chrono::Days::new(56);
    let history = hall.generate_history(from, day.pred_opt().expect("valid"), seed);
    let mut rng = Rng::new(seed ^ 0x5EED_DA7E);
    let peak = History {
        categories: history.categories.clone(),
        tickets: hall.generate_day(day, &mut rng),
    };
    (history, peak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_day_has_over_a_thousand_tickets_and_a_mid_day_shift_in_the_mix() {
        let (history, peak) = peak_day_scenario(42);
        assert!(peak.tickets.len() > 1000, "{}", peak.tickets.len());
        let share = |from: f64, to: f64, name: &str| {
            let index = peak.categories.iter().position(|c| c == name).unwrap();
            let group: Vec<_> = peak
                .tickets
                .iter()
                .filter(|t| t.minute_of_day >= from && t.minute_of_day < to)
                .collect();
            group.iter().filter(|t| t.category == index).count() as f64 / group.len() as f64
        };
        // Payment dominates the morning; reimbursement grows in the afternoon.
        assert!(share(510.0, 690.0, "缴费") > 0.5);
        assert!(share(840.0, 1020.0, "缴费") < 0.3);
        assert!(share(840.0, 1020.0, "零星报销") > 2.0 * share(510.0, 690.0, "零星报销"));
        // Sundays are closed; eight weeks of history.
        assert!(
            history
                .tickets
                .iter()
                .all(|t| t.date.weekday() != chrono::Weekday::Sun)
        );
        assert!(history.tickets.len() > 20_000);
        // Same seed, same day.
        assert_eq!(peak_day_scenario(42).1, peak);
        assert_ne!(peak_day_scenario(43).1, peak);
    }

    #[test]
    fn the_expected_volume_integrates_the_rate() {
        let hall = HallModel::payment_season_hall();
        let day = peak_day_date();
        for category in 0..hall.categories.len() {
            let integral: f64 = (hall.open_min..hall.close_min)
                .map(|m| hall.rate(category, day, f64::from(m) + 0.5))
                .sum();
            let expected = hall.expected_daily(category, day);
            assert!((integral - expected).abs() < 1e-6 * expected);
        }
        let windows = hall.payment_season_windows();
        assert_eq!(windows.len(), 12);
        assert!(windows.iter().all(|w| w.skills.contains(4)));
    }
}
