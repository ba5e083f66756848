//! Reading digitised archive files: a text file (header lines `字段：值`, a blank line, then
//! the OCR'd text) or a JSON file (one object or an array of objects). Every problem is a
//! Chinese reason so the importer can report the file and skip it.

use serde::Deserialize;
use yibao_domain::{IdNumber, RegionCode};

/// A parsed record, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedArchive {
    pub person_name: String,
    pub id_number: Option<String>,
    pub region_code: String,
    pub record_type: String,
    pub year: i32,
    pub station: String,
    pub title: String,
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonArchive {
    #[serde(alias = "name")]
    person_name: Option<String>,
    id_number: Option<String>,
    #[serde(alias = "region")]
    region_code: Option<String>,
    #[serde(alias = "type")]
    record_type: Option<String>,
    year: Option<serde_json::Value>,
    station: Option<String>,
    title: Option<String>,
    #[serde(alias = "ocr_text")]
    text: Option<String>,
}

const FIELDS: [(&str, &str); 8] = [
    ("姓名", "person_name"),
    ("身份证号", "id_number"),
    ("区划", "region_code"),
    ("类型", "record_type"),
    ("年份", "year"),
    ("站点", "station"),
    ("标题", "title"),
    ("正文", "text"),
];

fn label(field: &str) -> &str {
    FIELDS
        .iter()
        .find(|(_, name)| *name == field)
        .map(|(label, _)| *label)
        .unwrap_or(field)
}

fn required(value: Option<String>, field: &str) -> Result<String, String> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("缺少“{}”", label(field)))
}

/// Field values as found, before checking.
#[derive(Default)]
struct Raw {
    person_name: Option<String>,
    id_number: Option<String>,
    region_code: Option<String>,
    record_type: Option<String>,
    year: Option<String>,
    station: Option<String>,
    title: Option<String>,
    text: Option<String>,
}

fn build(raw: Raw) -> Result<ParsedArchive, String> {
    let Raw {
        person_name,
        id_number,
        region_code,
        record_type,
        year,
        station,
        title,
        text,
    } = raw;
    let person_name = required(person_name, "person_name")?;
    if person_name.chars().count() > 40 {
        return Err("“姓名”过长".to_owned());
    }
    let id_number = match id_number
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(text) => Some(
            IdNumber::parse(&text)
                .map_err(|_| "“身份证号”不是有效的居民身份证号码".to_owned())?
                .expose()
                .to_owned(),
        ),
    };
    let region = required(region_code, "region_code")?;
    let region_code = RegionCode::parse(&region)
        .map_err(|_| format!("“区划”不是有效的行政区划代码：{region}"))?
        .as_str()
        .to_owned();
    let year_text = required(year, "year")?;
    let year: i32 = year_text
        .trim_end_matches('年')
        .parse()
        .ok()
        .filter(|y| (1949..=2100).contains(y))
        .ok_or_else(|| format!("“年份”应为 1949～2100 的年份：{year_text}"))?;
    Ok(ParsedArchive {
        person_name,
        id_number,
        region_code,
        record_type: required(record_type, "record_type")?,
        year,
        station: required(station, "station")?,
        title: required(title, "title")?,
        text: required(text, "text")?,
    })
}

/// Parses the text form.
pub fn parse_text(text: &str) -> Result<ParsedArchive, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut values: std::collections::HashMap<&str, String> = Default::default();
    let mut lines = text.lines();
    for line in lines.by_ref() {
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once('：').or_else(|| line.split_once(':')) else {
            return Err(format!("文件头的行应为“字段：值”：{line}"));
        };
        let key = key.trim();
        let Some((_, field)) = FIELDS.iter().find(|(label, _)| *label == key) else {
            return Err(format!("未知字段“{key}”"));
        };
        values.insert(field, value.trim().to_owned());
    }
    let body: Vec<&str> = lines.collect();
    let body = body.join("\n").trim().to_owned();
    let mut take = |field: &str| values.remove(field);
    build(Raw {
        person_name: take("person_name"),
        id_number: take("id_number"),
        region_code: take("region_code"),
        record_type: take("record_type"),
        year: take("year"),
        station: take("station"),
        title: take("title"),
        text: Some(body)
            .filter(|b| !b.is_empty())
            .or_else(|| take("text")),
    })
}

/// Parses the JSON form; each record of an array is checked, the first bad one named.
pub fn parse_json(text: &str) -> Result<Vec<ParsedArchive>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("JSON 格式错误：{e}"))?;
    let values = match value {
        serde_json::Value::Array(values) => values,
        other => vec![other],
    };
    if values.is_empty() {
        return Err("JSON 中没有档案".to_owned());
    }
    values
        .into_iter()
        .enumerate()
        .map(|(n, value)| {
            let record: JsonArchive = serde_json::from_value(value)
                .map_err(|e| format!("第 {} 条档案格式错误：{e}", n + 1))?;
            let year = record.year.map(|y| match y {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
            build(Raw {
                person_name: record.person_name,
                id_number: record.id_number,
                region_code: record.region_code,
                record_type: record.record_type,
                year,
                station: record.station,
                title: record.title,
                text: record.text,
            })
            .map_err(|why| format!("第 {} 条档案：{why}", n + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "姓名：王秀英\n身份证号：11010519491231002X\n区划：370211001001\n类型：零星报销\n年份：2021\n站点：长江路街道医保工作站\n标题：住院费用零星报销审批表\n\n参保人在市外住院……\n共 3 页";

    #[test]
    fn a_text_file_is_read_with_its_body() {
        let record = parse_text(GOOD).unwrap();
        assert_eq!(record.year, 2021);
        assert_eq!(record.id_number.as_deref(), Some("11010519491231002X"));
        assert_eq!(record.text, "参保人在市外住院……\n共 3 页");
    }

    #[test]
    fn bad_files_give_readable_reasons() {
        assert_eq!(
            parse_text(&GOOD.replace("年份：2021", "年份：二〇二一")).unwrap_err(),
            "“年份”应为 1949～2100 的年份：二〇二一"
        );
        assert_eq!(
            parse_text(&GOOD.replace("11010519491231002X", "110105194912310021")).unwrap_err(),
            "“身份证号”不是有效的居民身份证号码"
        );
        assert_eq!(
            parse_text(&GOOD.replace("站点：长江路街道医保工作站\n", "")).unwrap_err(),
            "缺少“站点”"
        );
        assert_eq!(parse_json("[]").unwrap_err(), "JSON 中没有档案");
        let error = parse_json(r#"[{"name":"李四","region":"320903","type":"参保登记","year":2020,"station":"s","title":"t","text":"x"},{"name":"张三"}]"#).unwrap_err();
        assert_eq!(error, "第 2 条档案：缺少“区划”");
    }
}
