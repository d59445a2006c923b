//! Apple's bundle of passes (`application/vnd.apple.pkpasses`): a zip whose
//! entries are signed .pkpass files, which Wallet offers to add all at once.

use crate::builder::stored_zip;
use crate::error::PkpassError;

/// Zips signed .pkpass files (`name`, bytes) into one .pkpasses file, stored
/// without compression (a .pkpass is a zip already). Names should end in
/// `.pkpass` and differ.
pub fn build_pkpasses(passes: &[(String, &[u8])]) -> Result<Vec<u8>, PkpassError> {
    let capacity = passes
        .iter()
        .map(|(name, data)| data.len() + 2 * name.len() + 100)
        .sum::<usize>()
        + 22;
    stored_zip(
        capacity,
        passes.iter().map(|(name, data)| (name.as_str(), *data)),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::{Cursor, Read};
    use zip::CompressionMethod;

    #[test]
    fn each_pass_is_an_entry_byte_for_byte() {
        let a = b"PK first".to_vec();
        let b = b"PK second".to_vec();
        let zipped = build_pkpasses(&[
            ("a.pkpass".to_owned(), a.as_slice()),
            ("b.pkpass".to_owned(), b.as_slice()),
        ])
        .unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(zipped)).unwrap();
        assert_eq!(archive.len(), 2);
        for (name, want) in [("a.pkpass", &a), ("b.pkpass", &b)] {
            let mut entry = archive.by_name(name).unwrap();
            assert_eq!(entry.compression(), CompressionMethod::Stored);
            let mut got = Vec::new();
            entry.read_to_end(&mut got).unwrap();
            assert_eq!(&got, want, "{name}");
        }
    }
}
