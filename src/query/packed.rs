//! A page read as one result row ([`super::sql::select_packed`]): its values,
//! packed one after another as typed, length-delimited text, are read back
//! here into the rows a row-by-row read returns (the same value types: a blob
//! becomes its bytes as text, lossily, as [`super::exec::decode`] does).

use crate::store::SqlValue;

/// Packed text that is not what [`super::sql::select_packed`] writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a packed page is malformed at byte {at}: {what}")]
pub struct Malformed {
    pub at: usize,
    pub what: &'static str,
}

/// `rows` rows of `columns` values from `packed`; `None` when a value is a
/// real (written `R`, as its text form would not be exact): the caller then
/// reads the page row by row.
pub fn unpack(
    packed: &[u8],
    rows: usize,
    columns: usize,
) -> Result<Option<Vec<Vec<SqlValue>>>, Malformed> {
    let mut r = Reader { packed, at: 0 };
    let mut out = Vec::with_capacity(rows);
    for _ in 0..rows {
        let mut row = Vec::with_capacity(columns);
        for _ in 0..columns {
            match r.value()? {
                Some(v) => row.push(v),
                None => return Ok(None),
            }
        }
        out.push(row);
    }
    if r.at != packed.len() {
        return Err(r.malformed("bytes after the last row"));
    }
    Ok(Some(out))
}

struct Reader<'a> {
    packed: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn malformed(&self, what: &'static str) -> Malformed {
        Malformed { at: self.at, what }
    }

    /// The next value (`None` for a real).
    fn value(&mut self) -> Result<Option<SqlValue>, Malformed> {
        let tag = *self
            .packed
            .get(self.at)
            .ok_or_else(|| self.malformed("fewer values than rows × columns"))?;
        self.at += 1;
        Ok(Some(match tag {
            b'N' => SqlValue::Null,
            b'I' => {
                let digits = self.until(b';')?;
                let int = std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.parse::<i64>().ok())
                    .ok_or_else(|| self.malformed("not an integer"))?;
                SqlValue::Int(int)
            }
            b'T' => {
                let len = std::str::from_utf8(self.until(b':')?)
                    .ok()
                    .and_then(|d| d.parse::<usize>().ok())
                    .ok_or_else(|| self.malformed("not a length"))?;
                let end = self
                    .at
                    .checked_add(len)
                    .filter(|end| *end <= self.packed.len())
                    .ok_or_else(|| self.malformed("text past the end"))?;
                let text = std::str::from_utf8(&self.packed[self.at..end])
                    .map_err(|_| self.malformed("text that is not UTF-8"))?;
                self.at = end;
                SqlValue::Text(text.to_string())
            }
            b'B' => {
                let hex = self.until(b';')?;
                let bytes = unhex(hex).ok_or_else(|| self.malformed("not hex"))?;
                SqlValue::Text(String::from_utf8_lossy(&bytes).into_owned())
            }
            b'R' => return Ok(None),
            _ => return Err(self.malformed("an unknown type tag")),
        }))
    }

    /// The bytes up to `end` (excluded), moving past it.
    fn until(&mut self, end: u8) -> Result<&'a [u8], Malformed> {
        let rest = &self.packed[self.at..];
        let n = rest
            .iter()
            .position(|b| *b == end)
            .ok_or_else(|| self.malformed("an unterminated value"))?;
        self.at += n + 1;
        Ok(&rest[..n])
    }
}

fn unhex(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    hex.chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
#[path = "packed_tests.rs"]
mod db_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> SqlValue {
        SqlValue::Text(s.into())
    }

    #[test]
    fn values_read_back_by_type() {
        let packed = "T3:a;bNI-42;T0:B41FF;T6:é:\"\u{0}x".as_bytes();
        let rows = unpack(packed, 2, 3).unwrap().unwrap();
        assert_eq!(
            rows,
            vec![
                vec![text("a;b"), SqlValue::Null, SqlValue::Int(-42)],
                vec![text(""), text("A\u{FFFD}"), text("é:\"\u{0}x")],
            ]
        );
        assert_eq!(unpack(b"", 0, 3).unwrap(), Some(vec![]));
        assert_eq!(unpack(b"", 2, 0).unwrap(), Some(vec![vec![], vec![]]));
    }

    #[test]
    fn a_real_means_row_by_row() {
        assert_eq!(unpack(b"I1;R", 1, 2).unwrap(), None);
    }

    #[test]
    fn malformed_text_is_an_error_not_a_panic() {
        for (packed, rows) in [
            (&b"T9:abc"[..], 1),
            (b"T3:abcN", 1),
            (b"I1", 1),
            (b"Ix;", 1),
            (b"B4;", 1),
            (b"Q", 1),
            (b"N", 2),
            (b"T1:\xff", 1),
            (b"T99999999999999999999999:", 1),
        ] {
            assert!(unpack(packed, rows, 1).is_err(), "{packed:?}");
        }
    }
}
