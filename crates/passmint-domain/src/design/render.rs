//! A pass's texts as its template's design renders them (docs/api.md §6), and the
//! checks that keep every stored pass renderable: the domain refuses to issue or
//! change a pass (or a design) whose rendering would fail, so the .pkpass of an
//! issued pass can always be built.
//!
//! - Placeholders expand only in the design's own texts: field default values,
//!   `barcode.message` and `barcode.alt_text`. A pass's `field_values` and holder
//!   name and email are inserted as given and never scanned again.
//! - A field's value is the pass's override, taken literally, else the design's
//!   default with the built-in placeholders (`serial_number`, `pass_id`,
//!   `holder_name`, `holder_email`) filled. In the barcode texts `{{<field key>}}`
//!   inserts that value.
//! - Every placeholder of `barcode.message` must have a non-empty value (a barcode
//!   needs a definite message), and the rendered message is at most
//!   [`MAX_RENDERED_BARCODE_MESSAGE_LEN`] characters.
//! - The pass.json the texts make is at most [`MAX_PASS_JSON_BYTES`]; its size is
//!   counted from above by [`pass_json_bound`] (each text JSON-escaped, a fixed
//!   allowance per field, barcode and location, and [`RESERVED_PASS_JSON_BYTES`]
//!   for the identifiers, keys, colours, dates, web service URL and token).
//! - Rendering gives up at these bounds, so a hostile text costs at most
//!   [`MAX_PASS_JSON_BYTES`] to render whatever its placeholders stand for.

use super::validate::MAX_BARCODE_MESSAGE_LEN;
use super::{Design, Field};
use crate::error::DomainError;
use crate::pass::Pass;
use passmint_apple::render_placeholders_within;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};

pub use passmint_apple::MAX_PASS_JSON_BYTES;

/// The longest barcode message once rendered, in characters (the limit of the
/// design's own `barcode.message`).
pub const MAX_RENDERED_BARCODE_MESSAGE_LEN: usize = MAX_BARCODE_MESSAGE_LEN;

/// Bytes of pass.json set aside for what the texts of the design and the pass do
/// not count: keys, identifiers, serial number, colours, dates, the web service URL
/// and the authentication token.
pub const RESERVED_PASS_JSON_BYTES: usize = 4096;
/// Allowance for a field's keys and enumerations in pass.json, besides its texts.
const FIELD_OVERHEAD: usize = 192;
/// Allowance for a barcode's keys and format, besides its texts (written twice:
/// `barcodes` and the legacy `barcode`).
const BARCODE_OVERHEAD: usize = 128;
/// Allowance for a location's keys and coordinates, besides its relevant text.
const LOCATION_OVERHEAD: usize = 128;

/// The texts of a pass that depend on the pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedTexts {
    /// Every field's value, by key.
    pub fields: BTreeMap<String, String>,
    /// The barcode's message, when the design has a barcode.
    pub barcode_message: Option<String>,
    /// The barcode's alternative text, when the design has one.
    pub barcode_alt_text: Option<String>,
}

/// Why a pass cannot be rendered. `param` names the pass's input to blame
/// (`holder_name`, `holder_email`, `field_values.<key>`), `None` when the design
/// alone is at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenderProblem {
    /// A placeholder of `barcode.message` (given by name) has no value.
    MissingValue { placeholder: String, param: String },
    /// The barcode message would be longer than
    /// [`MAX_RENDERED_BARCODE_MESSAGE_LEN`] characters.
    BarcodeTooLong { param: Option<String> },
    /// pass.json would be larger than [`MAX_PASS_JSON_BYTES`].
    TooLarge { param: Option<String> },
}

/// The length of `s` as a JSON string (quotes and escapes included), as
/// `serde_json` writes it.
pub fn json_len(s: &str) -> usize {
    let body: usize = s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if u32::from(c) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum();
    body + 2
}

/// An upper bound of the size of the pass.json that `design` makes with `texts`.
pub fn pass_json_bound(design: &Design, texts: &RenderedTexts) -> usize {
    let opt = |s: &Option<String>| s.as_deref().map_or(0, json_len);
    let mut total = RESERVED_PASS_JSON_BYTES
        + json_len(&design.organization_name)
        + json_len(&design.description)
        + opt(&design.logo_text);
    for (_, field) in design.fields.iter() {
        let value = texts.fields.get(&field.key).map_or(2, |v| json_len(v));
        total += FIELD_OVERHEAD
            + json_len(&field.key)
            + opt(&field.label)
            + value
            + opt(&field.change_message);
    }
    if design.barcode.is_some() {
        total +=
            2 * (BARCODE_OVERHEAD + opt(&texts.barcode_message) + opt(&texts.barcode_alt_text));
    }
    for location in &design.locations {
        total += LOCATION_OVERHEAD + opt(&location.relevant_text);
    }
    total
}

/// Renders one pass, counting the bytes each input of the pass contributes so
/// that an overflow can name the one to shorten.
struct Renderer<'a> {
    design: &'a Design,
    pass: &'a Pass,
    contributions: RefCell<HashMap<String, usize>>,
    overflow: Cell<bool>,
}

impl<'a> Renderer<'a> {
    fn new(design: &'a Design, pass: &'a Pass) -> Self {
        Renderer {
            design,
            pass,
            contributions: RefCell::default(),
            overflow: Cell::new(false),
        }
    }

    fn count(&self, param: &str, value: &str) {
        *self
            .contributions
            .borrow_mut()
            .entry(param.to_owned())
            .or_default() += value.len();
    }

    /// The input of the pass that contributed the most bytes, if any did.
    fn culprit(&self) -> Option<String> {
        self.contributions
            .borrow()
            .iter()
            .filter(|(_, n)| **n > 0)
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(p, _)| p.clone())
    }

    fn builtin(&self, name: &str) -> Option<String> {
        let holder = |param: &str, value: &Option<String>| {
            let value = value.clone().unwrap_or_default();
            self.count(param, &value);
            value
        };
        match name {
            "serial_number" => Some(self.pass.serial_number.clone()),
            "pass_id" => Some(self.pass.id.as_str().to_owned()),
            "holder_name" => Some(holder("holder_name", &self.pass.holder_name)),
            "holder_email" => Some(holder("holder_email", &self.pass.holder_email)),
            _ => None,
        }
    }

    /// The value of a field: the pass's override as given, else the default with
    /// the built-in placeholders filled ("" past the size cap, noted).
    fn field_value(&self, field: &Field) -> String {
        if let Some(value) = self.pass.field_values.get(&field.key) {
            self.count(&format!("field_values.{}", field.key), value);
            return value.clone();
        }
        let default = field.value.as_deref().unwrap_or("");
        self.text(default, &|name| self.builtin(name), MAX_PASS_JSON_BYTES)
    }

    fn text(
        &self,
        template: &str,
        values: &impl Fn(&str) -> Option<String>,
        max_bytes: usize,
    ) -> String {
        render_placeholders_within(template, values, max_bytes).unwrap_or_else(|| {
            self.overflow.set(true);
            String::new()
        })
    }

    /// A barcode text: built-in placeholders and field keys.
    fn barcode_text(&self, template: &str, max_bytes: usize) -> String {
        let values = |name: &str| {
            self.builtin(name).or_else(|| {
                self.design
                    .fields
                    .find(name)
                    .map(|field| self.field_value(field))
            })
        };
        self.text(template, &values, max_bytes)
    }
}

/// Which input of the pass gives `{{name}}` its value, as a request param.
fn param_of(name: &str) -> String {
    match name {
        "holder_name" | "holder_email" => name.to_owned(),
        key => format!("field_values.{key}"),
    }
}

/// The pass's texts, and the first problem found. The texts are always bounded:
/// a text past a cap renders as empty, so that a pass stored before these rules
/// still shows on its landing page; its .pkpass is refused.
pub fn render_pass(design: &Design, pass: &Pass) -> (RenderedTexts, Option<RenderProblem>) {
    let mut problem = None;
    let mut texts = RenderedTexts::default();
    let all = Renderer::new(design, pass);
    for (_, field) in design.fields.iter() {
        texts
            .fields
            .insert(field.key.clone(), all.field_value(field));
    }
    if let Some(barcode) = &design.barcode {
        let message = barcode.message();
        let own = Renderer::new(design, pass);
        let max_bytes = 4 * MAX_RENDERED_BARCODE_MESSAGE_LEN;
        let rendered = own.barcode_text(message, max_bytes);
        all.barcode_text(message, max_bytes);
        if own.overflow.get() || rendered.chars().count() > MAX_RENDERED_BARCODE_MESSAGE_LEN {
            problem = Some(RenderProblem::BarcodeTooLong {
                param: own.culprit(),
            });
            texts.barcode_message = Some(String::new());
        } else {
            texts.barcode_message = Some(rendered);
        }
        if problem.is_none() {
            problem = missing_value(&own, message);
        }
        texts.barcode_alt_text = barcode
            .alt_text
            .as_deref()
            .map(|t| all.barcode_text(t, MAX_PASS_JSON_BYTES));
    }
    if problem.is_none()
        && (all.overflow.get() || pass_json_bound(design, &texts) > MAX_PASS_JSON_BYTES)
    {
        problem = Some(RenderProblem::TooLarge {
            param: all.culprit(),
        });
    }
    (texts, problem)
}

/// The first placeholder of the barcode message whose value is empty.
fn missing_value(renderer: &Renderer<'_>, message: &str) -> Option<RenderProblem> {
    let names = passmint_apple::placeholders(message).unwrap_or_default();
    names.into_iter().find_map(|name| {
        let value = renderer.builtin(name).or_else(|| {
            renderer
                .design
                .fields
                .find(name)
                .map(|f| renderer.field_value(f))
        })?;
        value.is_empty().then(|| RenderProblem::MissingValue {
            placeholder: name.to_owned(),
            param: param_of(name),
        })
    })
}

impl RenderProblem {
    /// The 400 answered to a request issuing or changing `pass` (its params are the
    /// request's: `holder_name`, `field_values.<key>`; `template_id` when the
    /// design alone is at fault).
    pub fn for_pass(&self) -> DomainError {
        let max_kib = MAX_PASS_JSON_BYTES / 1024;
        match self {
            RenderProblem::MissingValue { placeholder, param } => DomainError::invalid(
                param,
                format!(
                    "the template's barcode message uses {{{{{placeholder}}}}}, so {param} \
                     must be given and not empty: give it, or change the template's \
                     barcode.message"
                ),
            ),
            RenderProblem::BarcodeTooLong { param } => {
                let (param, fix) = blame(param);
                DomainError::invalid(
                    param,
                    format!(
                        "the barcode message would be longer than \
                         {MAX_RENDERED_BARCODE_MESSAGE_LEN} characters once rendered: {fix}"
                    ),
                )
            }
            RenderProblem::TooLarge { param } => {
                let (param, fix) = blame(param);
                DomainError::invalid(
                    param,
                    format!(
                        "this pass would render to a pass.json larger than {max_kib} KiB: \
                         {fix}"
                    ),
                )
            }
        }
    }

    /// The 400 answered to a design change that one of the template's passes
    /// (`pass`) could not be rendered with; params point into the design.
    pub fn for_design(&self, pass: &Pass) -> DomainError {
        let id = &pass.id;
        let max_kib = MAX_PASS_JSON_BYTES / 1024;
        match self {
            RenderProblem::MissingValue { placeholder, param } => DomainError::invalid(
                "design.barcode.message",
                format!(
                    "design.barcode.message uses {{{{{placeholder}}}}}, but pass {id} of this \
                     template has no {param}: give the pass a value first, or leave the \
                     placeholder out"
                ),
            ),
            RenderProblem::BarcodeTooLong { .. } => DomainError::invalid(
                "design.barcode.message",
                format!(
                    "design.barcode.message would render to more than \
                     {MAX_RENDERED_BARCODE_MESSAGE_LEN} characters for pass {id} of this \
                     template: shorten it"
                ),
            ),
            RenderProblem::TooLarge { .. } => DomainError::invalid(
                "design",
                format!(
                    "the design would render pass {id} of this template to a pass.json \
                     larger than {max_kib} KiB: shorten its texts"
                ),
            ),
        }
    }
}

fn blame(param: &Option<String>) -> (String, String) {
    match param {
        Some(p) => (p.clone(), format!("shorten {p}")),
        None => (
            "template_id".to_owned(),
            "the template's design alone is too long: shorten its texts".to_owned(),
        ),
    }
}

/// Whether `pass` renders with `design`: the 400 of [`RenderProblem::for_pass`]
/// otherwise.
pub fn check_pass_renders(design: &Design, pass: &Pass) -> Result<(), DomainError> {
    match render_pass(design, pass).1 {
        None => Ok(()),
        Some(problem) => Err(problem.for_pass()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::design::{Barcode, BarcodeFormat, Fields};
    use crate::ids::{AccountId, PassId, TemplateId};
    use crate::mode::Mode;
    use time::OffsetDateTime;

    fn design(barcode: Option<&str>) -> Design {
        Design {
            organization_name: "Org".into(),
            description: "Desc".into(),
            fields: Fields {
                primary: vec![Field {
                    key: "seat".into(),
                    value: Some("GA for {{holder_name}}".into()),
                    ..Field::default()
                }],
                back: vec![Field {
                    key: "note".into(),
                    ..Field::default()
                }],
                ..Fields::default()
            },
            barcode: barcode.map(|m| Barcode {
                format: BarcodeFormat::Qr,
                message: Some(m.to_owned()),
                alt_text: None,
            }),
            ..Design::default()
        }
    }

    fn pass(holder_name: Option<&str>, values: &[(&str, &str)]) -> Pass {
        let now = OffsetDateTime::UNIX_EPOCH;
        Pass {
            id: PassId::from_body("p1"),
            account_id: AccountId::from_body("a1"),
            mode: Mode::Test,
            template_id: TemplateId::from_body("t1"),
            short_id: "short".into(),
            serial_number: "SERIAL".into(),
            auth_token: "token".into(),
            holder_email: None,
            holder_name: holder_name.map(str::to_owned),
            field_values: values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            metadata: Default::default(),
            voided_at: None,
            created_via_api: true,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn values_of_the_pass_are_never_expanded() {
        let d = design(Some("{{seat}}|{{note}}"));
        let p = pass(
            Some("Ada"),
            &[("note", "{{holder_name}} {{serial_number}}")],
        );
        let (texts, problem) = render_pass(&d, &p);
        assert_eq!(problem, None);
        assert_eq!(
            texts.fields["seat"], "GA for Ada",
            "the design's default expands"
        );
        assert_eq!(texts.fields["note"], "{{holder_name}} {{serial_number}}");
        assert_eq!(
            texts.barcode_message.as_deref(),
            Some("GA for Ada|{{holder_name}} {{serial_number}}")
        );
        // The holder's name is inserted as given too.
        let p = pass(Some("{{serial_number}}"), &[("note", "n")]);
        assert_eq!(
            render_pass(&d, &p).0.fields["seat"],
            "GA for {{serial_number}}"
        );
    }

    #[test]
    fn a_barcode_placeholder_needs_a_value() {
        let d = design(Some("{{holder_name}}"));
        let problem = render_pass(&d, &pass(None, &[])).1.unwrap();
        assert_eq!(
            problem,
            RenderProblem::MissingValue {
                placeholder: "holder_name".into(),
                param: "holder_name".into()
            }
        );
        match problem.for_pass() {
            DomainError::Invalid { param, .. } => assert_eq!(param.as_deref(), Some("holder_name")),
            other => panic!("{other:?}"),
        }
        assert_eq!(render_pass(&d, &pass(Some("Ada"), &[])).1, None);
        // A field without a value: its override is the param.
        let d = design(Some("x{{note}}"));
        let problem = render_pass(&d, &pass(Some("Ada"), &[("note", "")])).1;
        assert!(
            matches!(&problem, Some(RenderProblem::MissingValue { param, .. }) if param == "field_values.note"),
            "{problem:?}"
        );
        // Field values and alt texts may render empty.
        let mut d = design(None);
        d.fields.primary[0].value = Some("{{holder_name}}".into());
        assert_eq!(render_pass(&d, &pass(None, &[])).1, None);
    }

    #[test]
    fn the_barcode_message_is_capped_once_rendered() {
        let d = design(Some(&"{{note}}".repeat(250)));
        let fits = "n".repeat(MAX_RENDERED_BARCODE_MESSAGE_LEN / 250);
        assert_eq!(render_pass(&d, &pass(None, &[("note", &fits)])).1, None);
        let longer = format!("{fits}n");
        let (texts, problem) = render_pass(&d, &pass(None, &[("note", &longer)]));
        assert_eq!(
            problem,
            Some(RenderProblem::BarcodeTooLong {
                param: Some("field_values.note".into())
            })
        );
        assert_eq!(texts.barcode_message.as_deref(), Some(""));
    }

    #[test]
    fn pass_json_is_capped_and_the_largest_input_blamed() {
        let mut d = design(Some("{{seat}}"));
        for i in 0..20 {
            d.fields.back.push(Field {
                key: format!("b{i}"),
                value: Some("{{holder_name}}".repeat(100)),
                ..Field::default()
            });
        }
        let small = pass(Some("Ada"), &[]);
        assert_eq!(render_pass(&d, &small).1, None);
        assert!(pass_json_bound(&d, &render_pass(&d, &small).0) < MAX_PASS_JSON_BYTES);
        // 20 fields x 100 x 200 characters: 400,000 bytes of name.
        let long_name = "N".repeat(200);
        let problem = render_pass(&d, &pass(Some(&long_name), &[])).1;
        assert_eq!(
            problem,
            Some(RenderProblem::TooLarge {
                param: Some("holder_name".into())
            })
        );
        // Escapes count: 2,000 control characters are 12,000 bytes of JSON.
        assert_eq!(json_len("\u{1}\"é"), 2 + 6 + 2 + 2);
    }

    #[test]
    fn rendering_a_hostile_design_stops_at_the_cap() {
        // 2,000 characters of {{seat}} where seat's default is 2,000 characters of
        // {{holder_name}}: gigabytes if expanded, refused after at most the cap.
        let mut d = design(Some(&"{{seat}}".repeat(250)));
        d.fields.primary[0].value = Some("{{holder_name}}".repeat(133));
        let problem = render_pass(&d, &pass(Some(&"N".repeat(200)), &[])).1;
        assert!(
            matches!(problem, Some(RenderProblem::BarcodeTooLong { .. })),
            "{problem:?}"
        );
    }
}
