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
//! - `relevant_dates` and `nfc.message` expand like the barcode texts. Each rendered
//!   date must be an RFC 3339 date-time (an interval ending after it starts), and
//!   the NFC message must not be empty nor longer than
//!   [`passmint_apple::MAX_NFC_MESSAGE_BYTES`] bytes.
//! - The strings of `semantics` expand like the barcode texts too; once rendered
//!   each must still be of its tag's type (not empty, a date still an RFC 3339
//!   date-time, an amount still a decimal number) and at most
//!   [`MAX_RENDERED_SEMANTIC_BYTES`] bytes. The tags are written with Apple's names.
//! - Rendering gives up at these bounds, so a hostile text costs at most
//!   [`MAX_PASS_JSON_BYTES`] to render whatever its placeholders stand for.

use super::validate::{MAX_BARCODE_MESSAGE_LEN, is_decimal_amount, parse_date};
use super::{DateSpan, Design, Field};
use crate::error::DomainError;
use crate::pass::Pass;
use passmint_apple::MAX_NFC_MESSAGE_BYTES;
use passmint_apple::render_placeholders_within;
use passmint_apple::semantics::{SubKey, object_keys};
use passmint_apple::{TagType, semantic_tag};
use serde_json::{Map, Value};
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
/// Allowance for one entry of `relevantDates` (its keys and two dates, written
/// with whole seconds).
const RELEVANT_DATE_OVERHEAD: usize = 128;
/// Allowance for `nfc`'s keys and flag, besides its message and key.
const NFC_OVERHEAD: usize = 128;
/// The longest rendered relevant date, in bytes: longer is no date-time.
const MAX_RENDERED_DATE_BYTES: usize = 64;
/// The longest string of a semantic tag once rendered, in bytes.
pub const MAX_RENDERED_SEMANTIC_BYTES: usize = 2048;
/// Allowance for the `semantics` key, besides the tags as written.
const SEMANTICS_OVERHEAD: usize = 32;

/// A relevant date as rendered for a pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenderedDate {
    Interval { start: String, end: String },
    Date(String),
}

/// The texts of a pass that depend on the pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedTexts {
    /// Every field's value, by key.
    pub fields: BTreeMap<String, String>,
    /// The barcode's message, when the design has a barcode.
    pub barcode_message: Option<String>,
    /// The barcode's alternative text, when the design has one.
    pub barcode_alt_text: Option<String>,
    /// The design's relevant dates, rendered, in order (each an RFC 3339
    /// date-time unless a problem is reported).
    pub relevant_dates: Vec<RenderedDate>,
    /// `nfc.message`, when the design has NFC.
    pub nfc_message: Option<String>,
    /// The semantic tags, rendered, by Apple's names with Apple's keys in their
    /// objects (pass.json's `semantics`); empty when the design has none.
    pub semantics: Map<String, Value>,
}

/// Why a rendered string of a semantic tag is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemanticIssue {
    /// Empty or only spaces.
    Empty,
    /// Longer than [`MAX_RENDERED_SEMANTIC_BYTES`] bytes.
    TooLong,
    /// A date tag that is not an RFC 3339 date-time.
    NotDate,
    /// A `CurrencyAmount.amount` that is not a decimal number.
    NotAmount,
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
    /// A relevant date that is not an RFC 3339 date-time once rendered (`value`),
    /// or an interval that does not end after it starts (`order`). `at` is its
    /// place in the design (`relevant_dates[0].start_date`).
    RelevantDate {
        at: String,
        param: Option<String>,
        value: String,
        order: bool,
    },
    /// `nfc.message` empty (`empty`) or longer than
    /// [`passmint_apple::MAX_NFC_MESSAGE_BYTES`] bytes once rendered.
    NfcMessage { param: Option<String>, empty: bool },
    /// A string of `semantics` that is no longer of its tag's type once rendered.
    /// `at` is its place in the design (`semantics.seats[0].seat_number`).
    Semantic {
        at: String,
        param: Option<String>,
        value: String,
        issue: SemanticIssue,
    },
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
    total += RELEVANT_DATE_OVERHEAD * design.relevant_dates.len();
    if let Some(nfc) = &design.nfc {
        total += NFC_OVERHEAD
            + texts.nfc_message.as_deref().map_or(2, json_len)
            + opt(&nfc.encryption_public_key);
    }
    if !texts.semantics.is_empty() {
        total += SEMANTICS_OVERHEAD
            + serde_json::to_string(&texts.semantics).map_or(MAX_PASS_JSON_BYTES, |s| s.len());
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

/// The input of the pass that fills the first placeholder of `template` a pass
/// gives a value to (not `serial_number` nor `pass_id`).
fn first_input(template: &str) -> Option<String> {
    passmint_apple::placeholders(template)
        .unwrap_or_default()
        .into_iter()
        .find(|name| !matches!(*name, "serial_number" | "pass_id"))
        .map(param_of)
}

/// One relevant date rendered: the text, and whether it is a date-time.
fn render_date(design: &Design, pass: &Pass, template: &str) -> (String, bool) {
    let own = Renderer::new(design, pass);
    let value = own.barcode_text(template, MAX_RENDERED_DATE_BYTES);
    let valid = !own.overflow.get() && parse_date(&value).is_some();
    (value, valid)
}

/// The design's relevant dates for `pass`, and the first that does not render.
fn render_dates(design: &Design, pass: &Pass) -> (Vec<RenderedDate>, Option<RenderProblem>) {
    let mut problem = None;
    let mut out = Vec::with_capacity(design.relevant_dates.len());
    for (i, entry) in design.relevant_dates.iter().enumerate() {
        let bad =
            |name: &str, template: &str, value: &str, order: bool| RenderProblem::RelevantDate {
                at: format!("relevant_dates[{i}].{name}"),
                param: first_input(template),
                value: value.to_owned(),
                order,
            };
        match entry.span() {
            Some(DateSpan::Date(template)) => {
                let (value, valid) = render_date(design, pass, template);
                if !valid {
                    problem = problem.or_else(|| Some(bad("date", template, &value, false)));
                }
                out.push(RenderedDate::Date(value));
            }
            Some(DateSpan::Interval { start, end }) => {
                let (start_value, start_valid) = render_date(design, pass, start);
                let (end_value, end_valid) = render_date(design, pass, end);
                if !start_valid {
                    problem =
                        problem.or_else(|| Some(bad("start_date", start, &start_value, false)));
                } else if !end_valid {
                    problem = problem.or_else(|| Some(bad("end_date", end, &end_value, false)));
                } else if let (Some(s), Some(e)) =
                    (parse_date(&start_value), parse_date(&end_value))
                    && e <= s
                {
                    let template = if first_input(end).is_some() {
                        end
                    } else {
                        start
                    };
                    problem = problem.or_else(|| Some(bad("end_date", template, &end_value, true)));
                }
                out.push(RenderedDate::Interval {
                    start: start_value,
                    end: end_value,
                });
            }
            None => {}
        }
    }
    (out, problem)
}

/// `nfc.message` for `pass`, and why it cannot be sent.
fn render_nfc(design: &Design, pass: &Pass) -> (Option<String>, Option<RenderProblem>) {
    let Some(nfc) = &design.nfc else {
        return (None, None);
    };
    let own = Renderer::new(design, pass);
    let message = own.barcode_text(&nfc.message, MAX_NFC_MESSAGE_BYTES);
    if own.overflow.get() {
        let problem = RenderProblem::NfcMessage {
            param: own.culprit().or_else(|| first_input(&nfc.message)),
            empty: false,
        };
        return (Some(String::new()), Some(problem));
    }
    if message.is_empty() {
        let problem = RenderProblem::NfcMessage {
            param: first_input(&nfc.message),
            empty: true,
        };
        return (Some(message), Some(problem));
    }
    (Some(message), None)
}

/// What a rendered string of a semantic tag must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Text,
    Date,
    Amount,
}

/// Renders the semantic tags of a design for a pass, noting the first problem.
struct SemanticsRenderer<'a> {
    design: &'a Design,
    pass: &'a Pass,
    problem: Option<RenderProblem>,
}

impl SemanticsRenderer<'_> {
    fn string(&mut self, at: &str, template: &str, expect: Expect) -> Value {
        let own = Renderer::new(self.design, self.pass);
        let value = own.barcode_text(template, MAX_RENDERED_SEMANTIC_BYTES);
        let issue = if own.overflow.get() {
            Some(SemanticIssue::TooLong)
        } else if value.trim().is_empty() {
            Some(SemanticIssue::Empty)
        } else if expect == Expect::Date && parse_date(&value).is_none() {
            Some(SemanticIssue::NotDate)
        } else if expect == Expect::Amount && !is_decimal_amount(&value) {
            Some(SemanticIssue::NotAmount)
        } else {
            None
        };
        if let Some(issue) = issue
            && self.problem.is_none()
        {
            let param = if issue == SemanticIssue::TooLong {
                own.culprit().or_else(|| first_input(template))
            } else {
                first_input(template)
            };
            self.problem = Some(RenderProblem::Semantic {
                at: at.to_owned(),
                param,
                value: value.clone(),
                issue,
            });
        }
        Value::String(value)
    }

    /// An object of a nested type, with Apple's keys; its strings rendered.
    fn object(&mut self, at: &str, value: &Value, keys: &[SubKey], amount: bool) -> Value {
        let mut out = Map::new();
        for (key, v) in value.as_object().into_iter().flatten() {
            let Some((_, apple)) = keys.iter().find(|k| k.0 == key) else {
                continue;
            };
            let rendered = match v {
                Value::String(s) => {
                    let expect = if amount && key == "amount" {
                        Expect::Amount
                    } else {
                        Expect::Text
                    };
                    self.string(&format!("{at}.{key}"), s, expect)
                }
                other => other.clone(),
            };
            out.insert((*apple).to_owned(), rendered);
        }
        Value::Object(out)
    }

    fn value(&mut self, at: &str, kind: TagType, value: &Value) -> Value {
        match (kind, value) {
            (TagType::Text, Value::String(s)) => self.string(at, s, Expect::Text),
            (TagType::Date, Value::String(s)) => self.string(at, s, Expect::Date),
            (TagType::TextList, Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Value::String(s) => self.string(&format!("{at}[{i}]"), s, Expect::Text),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            (TagType::Seats | TagType::WifiNetworks, Value::Array(items)) => {
                let keys = object_keys(kind).unwrap_or_default();
                Value::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| self.object(&format!("{at}[{i}]"), item, keys, false))
                        .collect(),
                )
            }
            (TagType::Location | TagType::CurrencyAmount | TagType::PersonName, _) => {
                let keys = object_keys(kind).unwrap_or_default();
                self.object(at, value, keys, kind == TagType::CurrencyAmount)
            }
            _ => value.clone(),
        }
    }
}

/// The design's semantic tags for `pass`, by Apple's names, and the first string
/// that does not render to its type.
fn render_semantics(design: &Design, pass: &Pass) -> (Map<String, Value>, Option<RenderProblem>) {
    let mut renderer = SemanticsRenderer {
        design,
        pass,
        problem: None,
    };
    let mut out = Map::new();
    for (key, value) in &design.semantics {
        let Some(tag) = semantic_tag(key) else {
            continue;
        };
        let rendered = renderer.value(&format!("semantics.{key}"), tag.kind, value);
        out.insert(tag.apple.to_owned(), rendered);
    }
    (out, renderer.problem)
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
    let (dates, date_problem) = render_dates(design, pass);
    texts.relevant_dates = dates;
    problem = problem.or(date_problem);
    let (nfc_message, nfc_problem) = render_nfc(design, pass);
    texts.nfc_message = nfc_message;
    problem = problem.or(nfc_problem);
    let (semantics, semantics_problem) = render_semantics(design, pass);
    texts.semantics = semantics;
    problem = problem.or(semantics_problem);
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
            RenderProblem::RelevantDate {
                at,
                param,
                value,
                order,
            } => {
                let param = param.clone().unwrap_or_else(|| "template_id".to_owned());
                let value = clip(value);
                let message = if *order {
                    format!(
                        "the template's {at} renders to '{value}' for this pass, not later \
                         than the interval's start: give {param} a later date-time"
                    )
                } else {
                    format!(
                        "the template's {at} renders to '{value}' for this pass, which is \
                         not an RFC 3339 date-time: give {param} a value like \
                         '2025-06-01T18:30:00Z'"
                    )
                };
                DomainError::invalid(param, message)
            }
            RenderProblem::NfcMessage { param, empty } => {
                let param = param.clone().unwrap_or_else(|| "template_id".to_owned());
                let message = if *empty {
                    format!(
                        "the template's nfc.message renders empty for this pass: give \
                         {param} a value"
                    )
                } else {
                    format!(
                        "the template's nfc.message would be longer than \
                         {MAX_NFC_MESSAGE_BYTES} bytes for this pass once rendered (Apple's \
                         limit): shorten {param}"
                    )
                };
                DomainError::invalid(param, message)
            }
            RenderProblem::Semantic {
                at,
                param,
                value,
                issue,
            } => {
                let param = param.clone().unwrap_or_else(|| "template_id".to_owned());
                let value = clip(value);
                let message = match issue {
                    SemanticIssue::Empty => format!(
                        "the template's {at} renders empty for this pass: give {param} a \
                         value"
                    ),
                    SemanticIssue::TooLong => format!(
                        "the template's {at} would be longer than \
                         {MAX_RENDERED_SEMANTIC_BYTES} bytes for this pass once rendered: \
                         shorten {param}"
                    ),
                    SemanticIssue::NotDate => format!(
                        "the template's {at} renders to '{value}' for this pass, which is \
                         not an RFC 3339 date-time: give {param} a value like \
                         '2025-06-01T18:30:00Z'"
                    ),
                    SemanticIssue::NotAmount => format!(
                        "the template's {at} renders to '{value}' for this pass, which is \
                         not a decimal amount: give {param} a value like '12.50'"
                    ),
                };
                DomainError::invalid(param, message)
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
            RenderProblem::RelevantDate {
                at, value, order, ..
            } => {
                let value = clip(value);
                let why = if *order {
                    "which is not later than the interval's start"
                } else {
                    "which is not an RFC 3339 date-time"
                };
                DomainError::invalid(
                    format!("design.{at}"),
                    format!(
                        "design.{at} renders to '{value}' for pass {id} of this template, \
                         {why}: change the pass's value first, or the date"
                    ),
                )
            }
            RenderProblem::NfcMessage { empty, .. } => DomainError::invalid(
                "design.nfc.message",
                if *empty {
                    format!(
                        "design.nfc.message renders empty for pass {id} of this template: \
                         give the pass a value first, or change the message"
                    )
                } else {
                    format!(
                        "design.nfc.message would be longer than {MAX_NFC_MESSAGE_BYTES} \
                         bytes for pass {id} of this template: shorten it"
                    )
                },
            ),
            RenderProblem::Semantic {
                at, value, issue, ..
            } => {
                let value = clip(value);
                let why = match issue {
                    SemanticIssue::Empty => "renders empty".to_owned(),
                    SemanticIssue::TooLong => {
                        format!("would be longer than {MAX_RENDERED_SEMANTIC_BYTES} bytes")
                    }
                    SemanticIssue::NotDate => {
                        format!("renders to '{value}', which is not an RFC 3339 date-time")
                    }
                    SemanticIssue::NotAmount => {
                        format!("renders to '{value}', which is not a decimal amount")
                    }
                };
                DomainError::invalid(
                    format!("design.{at}"),
                    format!(
                        "design.{at} {why} for pass {id} of this template: change the \
                         pass's value first, or the tag"
                    ),
                )
            }
        }
    }
}

/// A rendered value echoed in a message, cut to a readable length.
fn clip(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        format!("{}...", s.chars().take(MAX).collect::<String>())
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

    fn dated(dates: Vec<crate::design::RelevantDate>) -> Design {
        let mut d = design(None);
        d.relevant_dates = dates;
        d
    }

    fn param(e: DomainError) -> Option<String> {
        match e {
            DomainError::Invalid { param, .. } => param,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn relevant_dates_render_from_the_pass_and_must_be_dates() {
        use crate::design::RelevantDate;
        let d = dated(vec![
            RelevantDate {
                date: Some("{{note}}".into()),
                ..RelevantDate::default()
            },
            RelevantDate {
                start_date: Some("2026-05-01T18:00:00Z".into()),
                end_date: Some("{{note}}".into()),
                date: None,
            },
        ]);
        let (texts, problem) =
            render_pass(&d, &pass(None, &[("note", "2026-05-01T22:00:00+02:00")]));
        assert_eq!(problem, None);
        assert_eq!(
            texts.relevant_dates,
            [
                RenderedDate::Date("2026-05-01T22:00:00+02:00".into()),
                RenderedDate::Interval {
                    start: "2026-05-01T18:00:00Z".into(),
                    end: "2026-05-01T22:00:00+02:00".into()
                }
            ]
        );

        // Not a date-time: the pass's value is blamed, the design's place named.
        let p = pass(None, &[("note", "tomorrow")]);
        let problem = render_pass(&d, &p).1.unwrap();
        assert_eq!(
            problem,
            RenderProblem::RelevantDate {
                at: "relevant_dates[0].date".into(),
                param: Some("field_values.note".into()),
                value: "tomorrow".into(),
                order: false,
            }
        );
        assert_eq!(
            param(problem.for_pass()).as_deref(),
            Some("field_values.note")
        );
        assert_eq!(
            param(problem.for_design(&p)).as_deref(),
            Some("design.relevant_dates[0].date")
        );
        // Without a value the default ("") renders: no date either.
        assert!(render_pass(&d, &pass(None, &[])).1.is_some());

        // A date-time that ends the interval at its start (18:00 UTC both).
        let d = dated(vec![RelevantDate {
            start_date: Some("2026-05-01T18:00:00Z".into()),
            end_date: Some("{{note}}".into()),
            date: None,
        }]);
        let problem = render_pass(&d, &pass(None, &[("note", "2026-05-01T20:00:00+02:00")])).1;
        assert!(
            matches!(&problem, Some(RenderProblem::RelevantDate { at, order: true, param: Some(p), .. })
                if at == "relevant_dates[0].end_date" && p == "field_values.note"),
            "{problem:?}"
        );
        // A value longer than any date-time stops rendering early.
        let long = "9".repeat(10_000);
        assert!(render_pass(&d, &pass(None, &[("note", &long)])).1.is_some());
    }

    #[test]
    fn semantics_render_from_the_pass_under_apple_s_names() {
        let mut d = design(None);
        d.semantics = serde_json::from_value(serde_json::json!({
            "event_name": "Concert",
            "attendee_name": "{{holder_name}}",
            "event_start_date": "{{note}}",
            "duration": 7200,
            "seats": [{"seat_number": "{{seat}}", "seat_row": "3"}],
            "total_price": {"amount": "12.50", "currency_code": "EUR"},
        }))
        .unwrap();
        let (texts, problem) = render_pass(
            &d,
            &pass(Some("Ada"), &[("note", "2026-05-01T19:30:00+02:00")]),
        );
        assert_eq!(problem, None);
        assert_eq!(
            Value::Object(texts.semantics),
            serde_json::json!({
                "eventName": "Concert",
                "attendeeName": "Ada",
                "eventStartDate": "2026-05-01T19:30:00+02:00",
                "duration": 7200,
                "seats": [{"seatNumber": "GA for Ada", "seatRow": "3"}],
                "totalPrice": {"amount": "12.50", "currencyCode": "EUR"},
            })
        );

        // A date no longer a date: the pass's value is blamed, the tag named.
        let p = pass(Some("Ada"), &[("note", "soon")]);
        let problem = render_pass(&d, &p).1.unwrap();
        assert_eq!(
            problem,
            RenderProblem::Semantic {
                at: "semantics.event_start_date".into(),
                param: Some("field_values.note".into()),
                value: "soon".into(),
                issue: SemanticIssue::NotDate,
            }
        );
        assert_eq!(
            param(problem.for_pass()).as_deref(),
            Some("field_values.note")
        );
        assert_eq!(
            param(problem.for_design(&p)).as_deref(),
            Some("design.semantics.event_start_date")
        );

        // An empty name: the holder's name is blamed.
        let p = pass(None, &[("note", "2026-05-01T19:30:00Z")]);
        let problem = render_pass(&d, &p).1.unwrap();
        assert!(
            matches!(&problem, RenderProblem::Semantic { at, param: Some(p), issue: SemanticIssue::Empty, .. }
                if at == "semantics.attendee_name" && p == "holder_name"),
            "{problem:?}"
        );

        // An amount no longer an amount; a string past the cap.
        d.semantics = serde_json::from_value(serde_json::json!({
            "balance": {"amount": "{{note}}", "currency_code": "EUR"},
        }))
        .unwrap();
        let problem = render_pass(&d, &pass(None, &[("note", "ten")])).1;
        assert!(
            matches!(&problem, Some(RenderProblem::Semantic { at, issue: SemanticIssue::NotAmount, .. })
                if at == "semantics.balance.amount"),
            "{problem:?}"
        );
        let long = "9".repeat(MAX_RENDERED_SEMANTIC_BYTES + 1);
        let problem = render_pass(&d, &pass(None, &[("note", &long)])).1;
        assert!(
            matches!(&problem, Some(RenderProblem::Semantic { param: Some(p), issue: SemanticIssue::TooLong, .. })
                if p == "field_values.note"),
            "{problem:?}"
        );
    }

    #[test]
    fn the_nfc_message_renders_within_64_bytes() {
        let mut d = design(None);
        d.nfc = Some(crate::design::Nfc {
            message: "m:{{holder_name}}".into(),
            ..Default::default()
        });
        let (texts, problem) = render_pass(&d, &pass(Some(&"a".repeat(62)), &[]));
        assert_eq!(problem, None);
        assert_eq!(texts.nfc_message.unwrap().len(), 64);
        let problem = render_pass(&d, &pass(Some(&"a".repeat(63)), &[]))
            .1
            .unwrap();
        assert_eq!(
            problem,
            RenderProblem::NfcMessage {
                param: Some("holder_name".into()),
                empty: false
            }
        );
        assert_eq!(param(problem.for_pass()).as_deref(), Some("holder_name"));
        d.nfc = Some(crate::design::Nfc {
            message: "{{holder_name}}".into(),
            ..Default::default()
        });
        let problem = render_pass(&d, &pass(None, &[])).1.unwrap();
        assert_eq!(
            problem,
            RenderProblem::NfcMessage {
                param: Some("holder_name".into()),
                empty: true
            }
        );
        assert_eq!(
            param(problem.for_design(&pass(None, &[]))).as_deref(),
            Some("design.nfc.message")
        );
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
