//! `render_placeholders`: one pass, no re-expansion, unknown names kept.

use passmint_pkpass::render_placeholders;
use std::collections::HashMap;

fn values() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("serial_number", "SN-1"),
        ("holder_name", "{{serial_number}}"),
        ("seat", "12A"),
        ("seat.row", "12"),
        ("empty", ""),
    ])
}

fn render(template: &str) -> String {
    let values = values();
    render_placeholders(template, &|name: &str| {
        values.get(name).map(|v| (*v).to_owned())
    })
}

#[test]
fn replaces_every_known_placeholder() {
    assert_eq!(render("Seat {{seat}} / {{seat}}"), "Seat 12A / 12A");
    assert_eq!(render("{{seat.row}}{{serial_number}}"), "12SN-1");
    assert_eq!(render("[{{empty}}]"), "[]");
    assert_eq!(render("no placeholders"), "no placeholders");
    assert_eq!(render(""), "");
}

#[test]
fn inserted_text_is_never_expanded_again() {
    assert_eq!(render("Hi {{holder_name}}"), "Hi {{serial_number}}");
}

#[test]
fn unknown_names_are_left_as_is() {
    assert_eq!(render("{{nope}} {{seat}}"), "{{nope}} 12A");
}

#[test]
fn malformed_placeholders_are_plain_text() {
    for s in [
        "{{ seat }}",
        "{{seat",
        "seat}}",
        "{seat}",
        "{{}}",
        "{{se at}}",
    ] {
        assert_eq!(render(s), s);
    }
    assert_eq!(render("{{ {{seat}}"), "{{ 12A");
}

#[test]
fn each_name_is_looked_up_once_per_occurrence() {
    let calls = std::cell::Cell::new(0);
    let out = render_placeholders("{{a}}{{b}}{{a}}", &|name: &str| {
        calls.set(calls.get() + 1);
        Some(name.to_uppercase())
    });
    assert_eq!(out, "ABA");
    assert_eq!(calls.get(), 3);
}
