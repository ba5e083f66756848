//! Ticket history: the records the forecast learns from, and their CSV form
//! `date,time,category[,service_min][,priority]` (one issued ticket per row), parsed all or
//! nothing with a Chinese message and the line number for every bad row.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::simulate::MAX_CATEGORIES;

/// One issued ticket of the past.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TicketRecord {
    pub date: NaiveDate,
    /// Minutes since midnight when the ticket was issued.
    pub minute_of_day: f64,
    /// Index into `History::categories`.
    pub category: usize,
    /// Handling time once called, minutes, when recorded.
    pub service_min: Option<f64>,
    pub priority: bool,
}

/// A station's ticket history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Business category names (e.g. 缴费), in order of first appearance.
    pub categories: Vec<String>,
    pub tickets: Vec<TicketRecord>,
}

/// A refused CSV row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} 行：{}", self.line, self.message)
    }
}

impl History {
    /// The index of `name`, adding it if new.
    pub fn category_index(&mut self, name: &str) -> Option<usize> {
        if let Some(index) = self.categories.iter().position(|c| c == name) {
            return Some(index);
        }
        if self.categories.len() >= MAX_CATEGORIES {
            return None;
        }
        self.categories.push(name.to_owned());
        Some(self.categories.len() - 1)
    }

    /// Parses the CSV form. The header names the columns; `date`, `time` and `category` are
    /// required, `service_min` and `priority` optional.
    pub fn from_csv(text: &str) -> Result<History, Vec<RowError>> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = match reader.headers() {
            Ok(header) => header.clone(),
            Err(error) => {
                return Err(vec![RowError {
                    line: 1,
                    message: format!("无法读取表头：{error}"),
                }]);
            }
        };
        let columns: HashMap<&str, usize> = header
            .iter()
            .enumerate()
            .map(|(index, name)| (name.trim_start_matches('\u{feff}'), index))
            .collect();
        let mut errors = Vec::new();
        for required in ["date", "time", "category"] {
            if !columns.contains_key(required) {
                errors.push(RowError {
                    line: 1,
                    message: format!(
                        "表头缺少“{required}”列（应为 date,time,category[,service_min][,priority]）"
                    ),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut history = History::default();
        for (index, record) in reader.records().enumerate() {
            let line = record
                .as_ref()
                .ok()
                .and_then(|r| r.position())
                .map_or(index + 2, |p| p.line() as usize);
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    errors.push(RowError {
                        line,
                        message: format!("无法解析：{error}"),
                    });
                    continue;
                }
            };
            let field = |name: &str| columns.get(name).and_then(|&i| record.get(i)).unwrap_or("");
            let mut fail = |message: String| errors.push(RowError { line, message });
            let date = match NaiveDate::parse_from_str(field("date"), "%Y-%m-%d") {
                Ok(date) => date,
                Err(_) => {
                    fail(format!("日期“{}”无效（应为 YYYY-MM-DD）", field("date")));
                    continue;
                }
            };
            let time = field("time");
            let parsed = NaiveTime::parse_from_str(time, "%H:%M:%S")
                .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"));
            let minute_of_day = match parsed {
                Ok(t) => f64::from(t.num_seconds_from_midnight()) / 60.0,
                Err(_) => {
                    fail(format!("时间“{time}”无效（应为 HH:MM 或 HH:MM:SS）"));
                    continue;
                }
            };
            let name = field("category");
            if name.is_empty() {
                fail("业务类别为空".to_owned());
                continue;
            }
            let service_min = match field("service_min") {
                "" => None,
                text => match text.parse::<f64>() {
                    Ok(value) if value.is_finite() && value > 0.0 && value <= 480.0 => Some(value),
                    _ => {
                        fail(format!(
                            "办理时长“{text}”无效（应为 0 到 480 之间的分钟数）"
                        ));
                        continue;
                    }
                },
            };
            let priority = match field("priority") {
                "" | "0" | "false" | "否" => false,
                "1" | "true" | "是" => true,
                other => {
                    fail(format!(
                        "优先标记“{other}”无效（应为 0/1、true/false 或 是/否）"
                    ));
                    continue;
                }
            };
            let Some(category) = history.category_index(name) else {
                fail(format!("业务类别超过 {MAX_CATEGORIES} 种"));
                continue;
            };
            history.tickets.push(TicketRecord {
                date,
                minute_of_day,
                category,
                service_min,
                priority,
            });
        }
        if errors.is_empty() && history.tickets.is_empty() {
            errors.push(RowError {
                line: 1,
                message: "文件中没有任何取号记录".to_owned(),
            });
        }
        if errors.is_empty() {
            Ok(history)
        } else {
            Err(errors)
        }
    }

    /// The CSV form (service times and priority included).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("date,time,category,service_min,priority\n");
        for ticket in &self.tickets {
            let seconds = (ticket.minute_of_day * 60.0).round() as u32;
            out.push_str(&format!(
                "{},{:02}:{:02}:{:02},{},{},{}\n",
                ticket.date,
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60,
                self.categories[ticket.category],
                ticket
                    .service_min
                    .map(|s| format!("{s:.2}"))
                    .unwrap_or_default(),
                u8::from(ticket.priority)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_round_trips_through_csv() {
        let text = "date,time,category,service_min,priority\n\
                    2026-12-14,08:31:05,缴费,3.20,0\n\
                    2026-12-14,08:32,报销,,1\n";
        let history = History::from_csv(text).unwrap();
        assert_eq!(history.categories, vec!["缴费", "报销"]);
        assert_eq!(
            history.tickets[0].minute_of_day,
            8.0 * 60.0 + 31.0 + 5.0 / 60.0
        );
        assert_eq!(history.tickets[1].service_min, None);
        assert!(history.tickets[1].priority);
        let again = History::from_csv(&history.to_csv()).unwrap();
        assert_eq!(again.tickets[0].category, 0);
        assert_eq!(again.tickets.len(), 2);
    }

    #[test]
    fn bad_rows_are_refused_with_their_line_numbers() {
        let text = "date,time,category,service_min\n\
                    2026-12-14,08:31,缴费,3\n\
                    2026-13-01,08:31,缴费,3\n\
                    2026-12-14,25:00,缴费,3\n\
                    2026-12-14,09:00,,3\n\
                    2026-12-14,09:00,缴费,-2\n";
        let errors = History::from_csv(text).unwrap_err();
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "第 3 行：日期“2026-13-01”无效（应为 YYYY-MM-DD）",
                "第 4 行：时间“25:00”无效（应为 HH:MM 或 HH:MM:SS）",
                "第 5 行：业务类别为空",
                "第 6 行：办理时长“-2”无效（应为 0 到 480 之间的分钟数）",
            ]
        );
        let missing = History::from_csv("day,time\n2026-12-14,08:00\n").unwrap_err();
        assert!(missing[0].message.contains("缺少“date”列"));
        assert!(
            History::from_csv("date,time,category\n").unwrap_err()[0]
                .message
                .contains("没有任何取号记录")
        );
    }
}
