//! Registering, editing and closing stations, one at a time or from CSV.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use yibao_domain::station::{FieldError, StationInput};
use yibao_domain::{RegionCode, StationLevel, StationRecord};
use yibao_store::{PageRequest, Station, StationFilter, StationStatus, Store};

use super::Actor;
use crate::error::{ApiError, ProblemField};

/// Columns of the station CSV, in order.
pub const CSV_HEADER: [&str; 12] = [
    "code",
    "name",
    "level",
    "region_code",
    "host_type",
    "parent_code",
    "lon",
    "lat",
    "address",
    "windows",
    "phone",
    "opening_hours",
];

/// Checks what only the database can tell: the region exists and is in scope, and the parent
/// is an open station of a higher level whose region contains this one.
async fn check_placement(
    store: &Store,
    actor: &Actor,
    record: &StationRecord,
) -> Result<(), ApiError> {
    actor.ensure_in_scope(&record.region)?;
    if store.get_region(&record.region).await?.is_none() {
        return Err(field_error(
            "region_code",
            format!("行政区划“{}”不存在，请先导入区划", record.region),
        ));
    }
    if let Some(parent_code) = &record.parent {
        if parent_code == &record.code {
            return Err(field_error("parent_code", "上级站点不能是本站".to_owned()));
        }
        let parent = store
            .get_station(parent_code.as_str())
            .await?
            .ok_or_else(|| field_error("parent_code", format!("上级站点“{parent_code}”不存在")))?;
        if parent.status == StationStatus::Closed {
            return Err(field_error(
                "parent_code",
                format!("上级站点“{parent_code}”已撤销"),
            ));
        }
        record
            .check_parent(parent.level, &parent.region_code)
            .map_err(|e| ApiError::from(vec![e]))?;
    }
    Ok(())
}

fn field_error(field: &'static str, message: String) -> ApiError {
    ApiError::from(vec![FieldError { field, message }])
}

pub async fn create(
    store: &Store,
    actor: &Actor,
    input: &StationInput,
) -> Result<Station, ApiError> {
    actor.require_network_manager()?;
    let record = input.parse()?;
    check_placement(store, actor, &record).await?;
    if store.get_station(record.code.as_str()).await?.is_some() {
        return Err(ApiError::conflict(
            "duplicate",
            format!("站点编码“{}”已存在", record.code),
        ));
    }
    let audit = actor
        .audit("station.create", "station", record.code.as_str())
        .region(record.region.as_str())
        .detail(json!({ "name": record.name, "level": record.level.as_str(), "parent": record.parent.as_ref().map(|p| p.as_str()) }));
    Ok(store.insert_station(&record, false, &audit).await?)
}

pub async fn update(
    store: &Store,
    actor: &Actor,
    code: &str,
    input: &StationInput,
    expected_version: i64,
) -> Result<Station, ApiError> {
    actor.require_network_manager()?;
    let existing = get(store, actor, code).await?;
    if input.code.trim() != code {
        return Err(field_error("code", "站点编码不可修改".to_owned()));
    }
    if existing.status == StationStatus::Closed {
        return Err(ApiError::conflict(
            "station_closed",
            format!("站点“{code}”已撤销，不能修改"),
        ));
    }
    let record = input.parse()?;
    check_placement(store, actor, &record).await?;
    let audit = actor
        .audit("station.update", "station", code)
        .region(record.region.as_str())
        .detail(json!({ "version": expected_version }));
    Ok(store
        .update_station(&record, expected_version, &audit)
        .await?)
}

pub async fn close(
    store: &Store,
    actor: &Actor,
    code: &str,
    reason: &str,
    expected_version: i64,
) -> Result<Station, ApiError> {
    actor.require_network_manager()?;
    let station = get(store, actor, code).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(field_error("reason", "撤销站点须填写原因".to_owned()));
    }
    if station.status == StationStatus::Closed {
        return Err(ApiError::conflict(
            "station_closed",
            format!("站点“{code}”已撤销"),
        ));
    }
    let open_children: Vec<_> = store
        .child_stations(code)
        .await?
        .into_iter()
        .filter(|child| child.status == StationStatus::Open)
        .map(|child| child.code.to_string())
        .collect();
    if !open_children.is_empty() {
        return Err(ApiError::conflict(
            "station_has_children",
            format!(
                "下级站点 {} 仍把本站作为上级（转办去向），请先调整其上级站点",
                open_children.join("、")
            ),
        ));
    }
    let audit = actor
        .audit("station.close", "station", code)
        .region(station.region_code.as_str())
        .detail(json!({ "reason": reason }));
    Ok(store
        .close_station(code, reason, expected_version, &audit)
        .await?)
}

/// A station the actor may see.
pub async fn get(store: &Store, actor: &Actor, code: &str) -> Result<Station, ApiError> {
    let station = store
        .get_station(code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("站点“{code}”不存在")))?;
    actor.ensure_in_scope(&station.region_code)?;
    Ok(station)
}

/// Every station of the filter, page by page, for exports.
pub async fn all(store: &Store, filter: &StationFilter) -> Result<Vec<Station>, ApiError> {
    let mut stations = Vec::new();
    let mut page = PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE));
    loop {
        let batch = store.list_stations(filter, page).await?;
        let done = batch.items.len() < page.per_page as usize;
        stations.extend(batch.items);
        if done {
            return Ok(stations);
        }
        page.page += 1;
    }
}

pub fn to_csv(stations: &[Station]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER).expect("write to memory");
    for station in stations {
        writer
            .write_record([
                station.code.to_string(),
                station.name.clone(),
                station.level.as_str().to_owned(),
                station.region_code.to_string(),
                station.host_type.as_str().to_owned(),
                station
                    .parent_code
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                station
                    .location
                    .map(|p| format!("{:.6}", p.lon()))
                    .unwrap_or_default(),
                station
                    .location
                    .map(|p| format!("{:.6}", p.lat()))
                    .unwrap_or_default(),
                station.address.clone(),
                station.windows.to_string(),
                station.phone.clone(),
                station.opening_hours.to_compact(),
            ])
            .expect("write to memory");
    }
    String::from_utf8(writer.into_inner().expect("flush")).expect("utf-8")
}

/// Outcome of a CSV import.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub imported: u64,
}

/// Imports stations from CSV: every bad row is reported with its line number, and nothing is
/// imported unless every row is good.
pub async fn import_csv(
    store: &Store,
    actor: &Actor,
    text: &str,
) -> Result<ImportReport, ApiError> {
    actor.require_network_manager()?;
    let text = yibao_domain::csv_text::spreadsheet_csv(text);
    let mut reader = yibao_domain::csv_text::flexible_reader(&text);
    let header_ok = reader
        .headers()
        .map(|header| header.iter().map(str::trim).eq(CSV_HEADER))
        .unwrap_or(false);
    if !header_ok {
        return Err(ApiError::validation(
            format!("CSV 表头应为：{}", CSV_HEADER.join(",")),
            vec![ProblemField {
                field: "header".into(),
                message: "表头不正确".into(),
                line: Some(1),
            }],
        ));
    }
    let mut errors: Vec<ProblemField> = Vec::new();
    let mut rows: Vec<(usize, StationRecord)> = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| p.line() as usize);
                errors.push(ProblemField {
                    field: "row".into(),
                    message: format!("无法读取该行：{error}"),
                    line,
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.len() != CSV_HEADER.len() {
            errors.push(ProblemField {
                field: "row".into(),
                message: format!("应有 {} 列，实有 {} 列", CSV_HEADER.len(), record.len()),
                line: Some(line),
            });
            continue;
        }
        match row_input(&record).and_then(|input| input.parse()) {
            Ok(parsed) => rows.push((line, parsed)),
            Err(field_errors) => errors.extend(field_errors.into_iter().map(|e| ProblemField {
                field: e.field.to_owned(),
                message: e.message,
                line: Some(line),
            })),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(ApiError::validation("CSV 中没有数据行", Vec::new()));
    }
    check_rows_against_database(store, actor, &rows, &mut errors).await?;
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        let lines: Vec<String> = errors
            .iter()
            .filter_map(|e| e.line)
            .map(|l| l.to_string())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        return Err(ApiError::validation(
            format!(
                "CSV 有 {} 处错误（涉及 {} 行），未导入任何站点",
                errors.len(),
                lines.len()
            ),
            errors,
        ));
    }
    // Parents first, so each row's parent exists when it is inserted.
    let mut records: Vec<(StationRecord, bool)> =
        rows.into_iter().map(|(_, r)| (r, false)).collect();
    records.sort_by_key(|(record, _)| record.level.rank());
    let audit = actor
        .audit("station.import", "station", "csv")
        .detail(json!({ "rows": records.len(), "codes": records.iter().take(50).map(|(r, _)| r.code.as_str()).collect::<Vec<_>>() }));
    let imported = store.insert_stations(&records, &audit).await?;
    store.analyze().await?;
    Ok(ImportReport { imported })
}

fn row_input(record: &csv::StringRecord) -> Result<StationInput, Vec<FieldError>> {
    let field = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
    let optional = |i: usize| Some(field(i)).filter(|text| !text.is_empty());
    let mut errors = Vec::new();
    let mut number = |i: usize, name: &'static str, label: &str| -> Option<f64> {
        let text = optional(i)?;
        match text.parse::<f64>() {
            Ok(value) => Some(value),
            Err(_) => {
                errors.push(FieldError {
                    field: name,
                    message: format!("{label}“{text}”不是数字"),
                });
                None
            }
        }
    };
    let lon = number(6, "lon", "经度");
    let lat = number(7, "lat", "纬度");
    let windows = match optional(9) {
        None => None,
        Some(text) => match text.parse::<u16>() {
            Ok(count) => Some(count),
            Err(_) => {
                errors.push(FieldError {
                    field: "windows",
                    message: format!("窗口数“{text}”不是非负整数"),
                });
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(StationInput {
        code: field(0),
        name: field(1),
        level: field(2),
        region_code: field(3),
        host_type: field(4),
        parent_code: optional(5),
        lon,
        lat,
        address: optional(8),
        windows,
        phone: optional(10),
        opening_hours: optional(11),
    })
}

async fn check_rows_against_database(
    store: &Store,
    actor: &Actor,
    rows: &[(usize, StationRecord)],
    errors: &mut Vec<ProblemField>,
) -> Result<(), ApiError> {
    let mut push = |line: usize, field: &str, message: String| {
        errors.push(ProblemField {
            field: field.to_owned(),
            message,
            line: Some(line),
        });
    };
    // Duplicates inside the file.
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    for (line, record) in rows {
        if let Some(previous) = first_line.insert(record.code.as_str(), *line) {
            push(
                *line,
                "code",
                format!("站点编码“{}”与第 {previous} 行重复", record.code),
            );
        }
    }
    // Duplicates against the database, and parents that already exist there.
    let mut codes: Vec<String> = rows.iter().map(|(_, r)| r.code.to_string()).collect();
    codes.extend(
        rows.iter()
            .filter_map(|(_, r)| r.parent.as_ref().map(|p| p.to_string())),
    );
    codes.sort();
    codes.dedup();
    let existing: HashMap<String, Station> = store
        .stations_by_codes(&codes)
        .await?
        .into_iter()
        .map(|s| (s.code.to_string(), s))
        .collect();
    let region_codes: Vec<String> = rows
        .iter()
        .map(|(_, r)| r.region.to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let regions = store.existing_regions(&region_codes).await?;
    let in_file: HashMap<&str, &StationRecord> =
        rows.iter().map(|(_, r)| (r.code.as_str(), r)).collect();
    for (line, record) in rows {
        if existing.contains_key(record.code.as_str()) {
            push(
                *line,
                "code",
                format!("站点编码“{}”已存在于系统中", record.code),
            );
        }
        if let Err(error) = actor.ensure_in_scope(&record.region) {
            push(*line, "region_code", error.message);
        } else if !regions.contains(record.region.as_str()) {
            push(
                *line,
                "region_code",
                format!("行政区划“{}”不存在", record.region),
            );
        }
        let Some(parent_code) = &record.parent else {
            continue;
        };
        let parent: Option<(StationLevel, RegionCode)> = match (
            existing.get(parent_code.as_str()),
            in_file.get(parent_code.as_str()),
        ) {
            (Some(station), _) if station.status == StationStatus::Closed => {
                push(
                    *line,
                    "parent_code",
                    format!("上级站点“{parent_code}”已撤销"),
                );
                continue;
            }
            (Some(station), _) => Some((station.level, station.region_code.clone())),
            (None, Some(row)) => Some((row.level, row.region.clone())),
            (None, None) => None,
        };
        match parent {
            None => push(
                *line,
                "parent_code",
                format!("上级站点“{parent_code}”既不在系统中也不在本文件中"),
            ),
            Some((level, region)) => {
                if let Err(error) = record.check_parent(level, &region) {
                    push(*line, error.field, error.message);
                }
            }
        }
    }
    Ok(())
}

/// A listing filter narrowed to the actor's scope.
pub fn scoped_filter(actor: &Actor, mut filter: StationFilter) -> StationFilter {
    filter.scope = actor.scope.clone();
    filter
}
