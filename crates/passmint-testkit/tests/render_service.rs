//! The use cases keep every pass renderable (docs/api.md §6): issuing, updating a
//! pass and changing a design are refused with a 400 when the pass would not
//! render, over the in-memory fakes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use passmint_domain::DomainError;
use passmint_domain::design::render::{MAX_PASS_JSON_BYTES, render_pass};
use passmint_domain::design::{Barcode, BarcodeFormat, Design, Field};
use passmint_domain::service::{
    ClaimedIssue, NewPass, PassPatch, Passmint, Principal, TemplatePatch,
};
use passmint_domain::template::Template;
use passmint_testkit::memory_passmint;
use serde_json::Map;
use std::collections::BTreeMap;
use support::{id_renderer, new_template};

/// The fixture design with a barcode encoding `message` and a back field `note`.
fn design_with_barcode(message: &str) -> Design {
    let mut design = new_template().design;
    design.barcode = Some(Barcode {
        format: BarcodeFormat::Qr,
        message: Some(message.to_owned()),
        alt_text: None,
    });
    design.fields.back.push(Field {
        key: "note".into(),
        ..Field::default()
    });
    design
}

async fn set_up(design: Design) -> (Passmint, Principal, Template) {
    let (pm, _, _) = memory_passmint();
    let (_, test, _) = pm.create_account("Acme", None).await.unwrap();
    let who = pm.authenticate(&test.key).await.unwrap();
    let mut new = new_template();
    new.design = design;
    let template = pm.create_template(&who, new, None).await.unwrap();
    (pm, who, template)
}

fn new_pass(template: &Template, holder_name: Option<&str>, values: &[(&str, &str)]) -> NewPass {
    NewPass {
        template_id: template.id.to_string(),
        holder_email: None,
        holder_name: holder_name.map(str::to_owned),
        field_values: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        metadata: Map::new(),
    }
}

#[track_caller]
fn assert_param(result: Result<impl std::fmt::Debug, DomainError>, expected: &str) -> String {
    match result {
        Err(DomainError::Invalid {
            param: Some(param),
            message,
            ..
        }) => {
            assert_eq!(param, expected, "{message}");
            message
        }
        other => panic!("expected a 400 on {expected}, got {other:?}"),
    }
}

fn patch_values(values: &[(&str, Option<&str>)]) -> PassPatch {
    PassPatch {
        field_values: Some(
            values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
                .collect::<BTreeMap<_, _>>(),
        ),
        metadata: None,
    }
}

#[tokio::test]
async fn a_value_with_a_placeholder_is_kept_and_rendered_literally() {
    let (pm, who, template) = set_up(design_with_barcode("{{note}}")).await;
    let pass = pm
        .issue_pass(
            &who,
            new_pass(&template, Some("Ada"), &[("note", "{{holder_name}}")]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(pass.field_values["note"], "{{holder_name}}");
    let (texts, problem) = render_pass(&template.design, &pass);
    assert_eq!(problem, None);
    assert_eq!(texts.fields["note"], "{{holder_name}}");
    assert_eq!(texts.barcode_message.as_deref(), Some("{{holder_name}}"));
}

#[tokio::test]
async fn a_barcode_needing_a_missing_holder_name_is_refused_at_issue() {
    let (pm, who, template) = set_up(design_with_barcode("M-{{holder_name}}")).await;
    let message = assert_param(
        pm.issue_pass(&who, new_pass(&template, None, &[]), None)
            .await,
        "holder_name",
    );
    assert!(message.contains("{{holder_name}}"), "{message}");
    // The idempotent shortcut writes nothing and lets the usual way answer.
    let render = id_renderer();
    let claimed = pm
        .issue_pass_claiming(
            &who,
            new_pass(&template, None, &[]),
            "k1",
            "fp".into(),
            &render,
        )
        .await
        .unwrap();
    assert!(matches!(claimed, ClaimedIssue::Fallback), "{claimed:?}");
    // With a name it issues, and a field the barcode needs must not be emptied.
    let (pm, who, template) = set_up(design_with_barcode("{{note}}")).await;
    assert_param(
        pm.issue_pass(&who, new_pass(&template, Some("Ada"), &[]), None)
            .await,
        "field_values.note",
    );
    let pass = pm
        .issue_pass(&who, new_pass(&template, None, &[("note", "n")]), None)
        .await
        .unwrap();
    assert_param(
        pm.update_pass(
            &who,
            pass.id.as_str(),
            patch_values(&[("note", None)]),
            None,
        )
        .await,
        "field_values.note",
    );
    assert_eq!(
        pm.get_pass(&who, pass.id.as_str()).await.unwrap().version,
        1
    );
}

#[tokio::test]
async fn a_pass_json_over_the_cap_is_refused_at_issue_and_update() {
    // Twenty back fields repeating {{holder_name}}: a long name multiplies.
    let mut design = design_with_barcode("{{serial_number}}");
    for i in 0..19 {
        design.fields.back.push(Field {
            key: format!("b{i}"),
            value: Some("{{holder_name}} ".repeat(100)),
            ..Field::default()
        });
    }
    let (pm, who, template) = set_up(design).await;
    let long_name = "N".repeat(200);
    let message = assert_param(
        pm.issue_pass(&who, new_pass(&template, Some(&long_name), &[]), None)
            .await,
        "holder_name",
    );
    assert!(message.contains("64 KiB"), "{message}");
    assert_eq!(MAX_PASS_JSON_BYTES, 64 * 1024);

    // Field values at their longest: fine alone, refused when they pass the cap.
    let mut design = design_with_barcode("{{serial_number}}");
    design.fields.back.clear();
    for i in 0..20 {
        design.fields.back.push(Field {
            key: format!("b{i}"),
            ..Field::default()
        });
    }
    let (pm, who, template) = set_up(design).await;
    let long = "é".repeat(2000);
    let values: Vec<(String, &str)> = (0..10).map(|i| (format!("b{i}"), long.as_str())).collect();
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let pass = pm
        .issue_pass(&who, new_pass(&template, None, &values), None)
        .await
        .unwrap();
    let more: Vec<(String, Option<&str>)> = (10..20)
        .map(|i| (format!("b{i}"), Some(long.as_str())))
        .collect();
    let more: Vec<(&str, Option<&str>)> = more.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let param = match pm
        .update_pass(&who, pass.id.as_str(), patch_values(&more), None)
        .await
    {
        Err(DomainError::Invalid { param: Some(p), .. }) => p,
        other => panic!("expected a 400, got {other:?}"),
    };
    assert!(param.starts_with("field_values.b"), "{param}");
    assert_eq!(
        pm.get_pass(&who, pass.id.as_str()).await.unwrap().version,
        1
    );
}

#[tokio::test]
async fn a_design_change_that_would_break_a_pass_is_refused() {
    let (pm, who, template) = set_up(design_with_barcode("{{serial_number}}")).await;
    let anonymous = pm
        .issue_pass(&who, new_pass(&template, None, &[]), None)
        .await
        .unwrap();
    pm.void_pass(&who, anonymous.id.as_str()).await.unwrap();
    let patch = |message: &str| TemplatePatch {
        design: Some(design_with_barcode(message)),
        ..TemplatePatch::default()
    };
    let message = assert_param(
        pm.update_template(&who, template.id.as_str(), patch("{{holder_name}}"), None)
            .await,
        "design.barcode.message",
    );
    assert!(
        message.contains(anonymous.id.as_str()),
        "voided passes count too: {message}"
    );
    let unchanged = pm.get_template(&who, template.id.as_str()).await.unwrap();
    assert_eq!(unchanged.design, template.design);
    // A design every pass renders with is taken.
    pm.update_template(&who, template.id.as_str(), patch("{{pass_id}}"), None)
        .await
        .unwrap();
}
