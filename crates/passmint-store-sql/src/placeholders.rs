//! Statement text with numbered placeholders (`$1`, `$2`, … as psql reads them).
//! Each adapter's statement walks the pieces, sending the text as is and each
//! placeholder as its engine's parameter (`$n` in order for PostgreSQL, `?` for
//! SQLite); a placeholder may appear several times, each occurrence its own
//! parameter carrying the same value.

/// A piece of statement text.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'s> {
    /// Text to send as is.
    Sql(&'s str),
    /// The digits of a placeholder (`"2"` for `$2`).
    Placeholder(&'s str),
}

/// `sql` cut at its placeholders: text, placeholder, text, …, text.
pub fn pieces(sql: &str) -> Pieces<'_> {
    Pieces {
        rest: Some(sql),
        pending: None,
    }
}

pub struct Pieces<'s> {
    rest: Option<&'s str>,
    pending: Option<&'s str>,
}

impl<'s> Iterator for Pieces<'s> {
    type Item = Piece<'s>;

    fn next(&mut self) -> Option<Piece<'s>> {
        if let Some(digits) = self.pending.take() {
            return Some(Piece::Placeholder(digits));
        }
        let rest = self.rest?;
        match rest.find('$') {
            Some(at) => {
                let after = &rest[at + 1..];
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                self.pending = Some(&after[..digits]);
                self.rest = Some(&after[digits..]);
                Some(Piece::Sql(&rest[..at]))
            }
            None => {
                self.rest = None;
                Some(Piece::Sql(rest))
            }
        }
    }
}

/// The bind a placeholder's digits name (`$1` is the first), or why there is none.
pub fn bind_at<'b, B>(binds: &'b [B], digits: &str) -> Result<&'b B, String> {
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| binds.get(i))
        .ok_or_else(|| format!("placeholder ${digits} has no bind"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_placeholders_alternate() {
        let got: Vec<Piece<'_>> = pieces("SELECT $2, $10 WHERE $2").collect();
        assert_eq!(
            got,
            vec![
                Piece::Sql("SELECT "),
                Piece::Placeholder("2"),
                Piece::Sql(", "),
                Piece::Placeholder("10"),
                Piece::Sql(" WHERE "),
                Piece::Placeholder("2"),
                Piece::Sql(""),
            ]
        );
        assert_eq!(
            pieces("SELECT 1").collect::<Vec<_>>(),
            [Piece::Sql("SELECT 1")]
        );
    }

    #[test]
    fn placeholders_name_binds_from_one() {
        let binds = ["a", "b"];
        assert_eq!(bind_at(&binds, "2"), Ok(&"b"));
        assert_eq!(
            bind_at(&binds, "3"),
            Err("placeholder $3 has no bind".to_owned())
        );
        assert!(bind_at(&binds, "0").is_err());
        assert!(bind_at(&binds, "").is_err());
    }
}
