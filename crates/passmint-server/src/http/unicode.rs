//! Text a JSON body cannot carry (docs/api.md §1, §10): NUL, lone surrogates and
//! invalid UTF-8 are refused with the `param` of the field that holds them.
//!
//! A body holding a lone surrogate escape (`"\ud800"`) or bytes that are not UTF-8
//! does not parse at all, so the parser cannot say where they are. [`mark_unreadable`]
//! writes `\u0000` in their place; the marked body then parses, and the NUL rule
//! (`passmint_domain::storable`) names the field, as for a NUL sent as such.

/// `body` with every lone surrogate escape and every invalid UTF-8 sequence
/// replaced by the escape `\u0000`, or `None` when it holds neither.
pub fn mark_unreadable(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut marked = false;
    for chunk in body.utf8_chunks() {
        marked |= mark_lone_surrogates(chunk.valid().as_bytes(), &mut out);
        if !chunk.invalid().is_empty() {
            out.extend_from_slice(br"\u0000");
            marked = true;
        }
    }
    marked.then_some(out)
}

/// Copies `text` to `out`, escapes of lone surrogates replaced; true when any was.
fn mark_lone_surrogates(text: &[u8], out: &mut Vec<u8>) -> bool {
    let mut marked = false;
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let len = match escaped_unit(text, i) {
            Some(0xD800..=0xDBFF) => match escaped_unit(text, i + 6) {
                // A pair: both halves kept.
                Some(0xDC00..=0xDFFF) => 12,
                _ => 0,
            },
            Some(0xDC00..=0xDFFF) => 0,
            Some(_) => 6,
            // Another escape (`\"`, `\\`, …) or a truncated one.
            None => 2,
        };
        if len == 0 {
            out.extend_from_slice(br"\u0000");
            marked = true;
            i += 6;
        } else {
            let end = (i + len).min(text.len());
            out.extend_from_slice(&text[i..end]);
            i = end;
        }
    }
    marked
}

/// The UTF-16 unit of the `\uXXXX` escape at `at`, if there is one.
fn escaped_unit(text: &[u8], at: usize) -> Option<u16> {
    let escape = text.get(at..at + 6)?;
    if escape[0] != b'\\' || escape[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&escape[2..]).ok()?;
    u16::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn marked(body: &[u8]) -> Option<String> {
        mark_unreadable(body).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn lone_surrogates_and_invalid_utf8_become_nul_escapes() {
        assert_eq!(
            marked(br#"{"a":"x\ud800y"}"#).as_deref(),
            Some(r#"{"a":"x\u0000y"}"#)
        );
        assert_eq!(
            marked(br#"{"a":"\udc00","b":"\ud83d"}"#).as_deref(),
            Some(r#"{"a":"\u0000","b":"\u0000"}"#)
        );
        assert_eq!(
            marked(b"{\"a\":\"x\xff\xfey\"}").as_deref(),
            Some(r#"{"a":"x\u0000\u0000y"}"#)
        );
        assert_eq!(
            marked(b"{\"k\xc3\":1}").as_deref(),
            Some(r#"{"k\u0000":1}"#)
        );
    }

    #[test]
    fn readable_text_is_left_alone() {
        for body in [
            br#"{"a":"\ud83d\ude00 \\ud800 \u00e9 \n"}"#.as_slice(),
            "{\"a\":\"é 😀\"}".as_bytes(),
            br#"{"a":"\u"}"#,
        ] {
            assert_eq!(marked(body), None, "{}", String::from_utf8_lossy(body));
        }
    }
}
