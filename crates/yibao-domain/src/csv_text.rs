//! CSV text as spreadsheets save it: a byte-order mark and CRLF line ends. The csv reader
//! counts line numbers right only for LF, and users are told line numbers, so every CSV
//! importer reads through `spreadsheet_csv`.

/// Drops a leading byte-order mark and turns CRLF into LF.
pub fn spreadsheet_csv(text: &str) -> String {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n")
}

/// A flexible csv reader (rows may have the wrong number of fields; callers report them)
/// over text already passed through `spreadsheet_csv`.
pub fn flexible_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bom_and_crlf_are_normalised() {
        assert_eq!(
            super::spreadsheet_csv("\u{feff}a,b\r\n1,2\r\n"),
            "a,b\n1,2\n"
        );
        assert_eq!(super::spreadsheet_csv("a,b\n"), "a,b\n");
    }
}
