//! `{{name}}` placeholders: the grammar, a strict parser (for validation) and a
//! one-pass renderer.
//!
//! - A placeholder is `{{`, a name of one or more ASCII letters, digits, `_`, `-`
//!   or `.`, then `}}`. No spaces inside the braces.
//! - [`placeholders`] lists the names and refuses an unclosed `{{` or a malformed
//!   name; lone `{`, `}` or `}}` are plain text.
//! - [`render_placeholders`] looks each placeholder up once with the caller's
//!   function; its value is inserted verbatim and **never scanned again**, so a
//!   value containing `{{other}}` stays as typed (no re-expansion, no injection).
//!   A placeholder whose name the function does not know (`None`) is left as is,
//!   braces included, so the mistake stays visible. Anything that is not a
//!   placeholder (a lone `{`, `}}`, `{{ spaced }}`, an unclosed `{{`) is copied
//!   unchanged; scanning resumes right after a `{{` that did not start a
//!   placeholder, so `{{ {{name}}` still renders `{{name}}`.

/// A placeholder name character (also a field key character): ASCII letters,
/// digits, `_`, `-`, `.`.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Why [`placeholders`] refused a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceholderError<'a> {
    /// A `{{` with no `}}` after it.
    Unclosed,
    /// `{{...}}` whose inside (given) is empty or not a name.
    Malformed(&'a str),
}

/// The names of the `{{name}}` placeholders in `s`, in order (repeats included).
pub fn placeholders(s: &str) -> Result<Vec<&str>, PlaceholderError<'_>> {
    let mut names = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(PlaceholderError::Unclosed);
        };
        let name = &after[..close];
        if name.is_empty() || !name.chars().all(is_name_char) {
            return Err(PlaceholderError::Malformed(name));
        }
        names.push(name);
        rest = &after[close + 2..];
    }
    Ok(names)
}

/// Replaces every `{{name}}` in `template` with `values(name)`, in one pass (see
/// the module docs for the exact rules).
///
/// ```
/// use passmint_apple::render_placeholders;
///
/// let values = |name: &str| match name {
///     "holder_name" => Some("Ada {{serial_number}}".to_owned()),
///     "serial_number" => Some("SN-1".to_owned()),
///     _ => None,
/// };
/// assert_eq!(
///     render_placeholders("Hi {{holder_name}} ({{serial_number}}) {{nope}}", &values),
///     "Hi Ada {{serial_number}} (SN-1) {{nope}}"
/// );
/// ```
pub fn render_placeholders(template: &str, values: &impl Fn(&str) -> Option<String>) -> String {
    render_placeholders_within(template, values, usize::MAX).unwrap_or_default()
}

/// [`render_placeholders`], giving up as soon as the output would be longer than
/// `max_bytes`: `None` then, without building the rest. A text with many
/// placeholders standing for long values thus costs at most `max_bytes` to render.
///
/// ```
/// use passmint_apple::render_placeholders_within;
///
/// let values = |_: &str| Some("0123456789".to_owned());
/// assert_eq!(render_placeholders_within("{{a}}{{a}}", &values, 20).as_deref(), Some("01234567890123456789"));
/// assert_eq!(render_placeholders_within("{{a}}{{a}}!", &values, 20), None);
/// ```
pub fn render_placeholders_within(
    template: &str,
    values: &impl Fn(&str) -> Option<String>,
    max_bytes: usize,
) -> Option<String> {
    let mut out = String::with_capacity(template.len().min(max_bytes));
    let push = |out: &mut String, s: &str| {
        if out.len().saturating_add(s.len()) > max_bytes {
            return None;
        }
        out.push_str(s);
        Some(())
    };
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        push(&mut out, &rest[..open])?;
        let after = &rest[open + 2..];
        let name_len = after
            .bytes()
            .take_while(|b| is_name_char(char::from(*b)))
            .count();
        let name = &after[..name_len];
        if name_len > 0 && after[name_len..].starts_with("}}") {
            match values(name) {
                Some(value) => push(&mut out, &value)?,
                None => {
                    push(&mut out, "{{")?;
                    push(&mut out, name)?;
                    push(&mut out, "}}")?;
                }
            }
            rest = &after[name_len + 2..];
        } else {
            push(&mut out, "{{")?;
            rest = after;
        }
    }
    push(&mut out, rest)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(name: &str) -> Option<String> {
        match name {
            "a" => Some("A".to_owned()),
            "b.c" => Some("{{a}}".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn replaces_known_names_once() {
        assert_eq!(render_placeholders("{{a}}-{{b.c}}", &known), "A-{{a}}");
    }

    #[test]
    fn leaves_malformed_text_alone() {
        for s in ["{{", "}}", "{{ a }}", "{a}", "{{a}", "{{}}", "x{{a"] {
            assert_eq!(render_placeholders(s, &known), s);
        }
        assert_eq!(render_placeholders("{{{a}}}", &known), "{{{a}}}");
        assert_eq!(render_placeholders("{{ {{a}}", &known), "{{ A");
    }

    #[test]
    fn stops_at_the_byte_limit() {
        let long = |_: &str| Some("x".repeat(1000));
        let many = "{{a}}".repeat(1000);
        assert_eq!(render_placeholders_within(&many, &long, 4096), None);
        let rendered = render_placeholders_within("{{a}}{{a}}", &long, 2000);
        assert_eq!(rendered.map(|s| s.len()), Some(2000));
        assert_eq!(render_placeholders_within("abc", &long, 2), None);
        assert_eq!(render_placeholders_within("{{ab", &long, 3), None);
    }

    #[test]
    fn keeps_multibyte_text() {
        assert_eq!(render_placeholders("é{{a}}ü", &known), "éAü");
    }

    #[test]
    fn parses_names_and_refuses_malformed_ones() {
        assert_eq!(
            placeholders("a {{x}} b {{y.z}} {{x}}"),
            Ok(vec!["x", "y.z", "x"])
        );
        assert_eq!(placeholders("{ } }} plain"), Ok(vec![]));
        assert_eq!(placeholders("{{x"), Err(PlaceholderError::Unclosed));
        assert_eq!(
            placeholders("{{ x }}"),
            Err(PlaceholderError::Malformed(" x "))
        );
        assert_eq!(placeholders("{{}}"), Err(PlaceholderError::Malformed("")));
    }

    #[test]
    fn every_parsed_name_renders() {
        let s = "{{a}}{{b.c}}";
        for name in placeholders(s).unwrap_or_default() {
            assert!(known(name).is_some());
        }
        assert_eq!(render_placeholders(s, &known), "A{{a}}");
    }
}
