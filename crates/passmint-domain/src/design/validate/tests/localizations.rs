use super::*;
use crate::design::Localization;

// --- localizations ----------------------------------------------------------

fn strings(pairs: &[(&str, &str)]) -> Localization {
    Localization {
        strings: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Localization::default()
    }
}

fn localized(entries: Vec<(&str, Localization)>) -> Design {
    let mut d = minimal(AppleStyle::Generic);
    for (tag, l) in entries {
        d.localizations.insert(tag.to_owned(), l);
    }
    d
}

#[test]
fn localizations_with_strings_and_images_are_accepted() {
    let mut fr = strings(&[("GATE", "Porte"), ("say \"hi\"\n", "dis \"salut\"\\")]);
    fr.images.insert("logo".into(), b64png(160, 50));
    fr.images.insert("icon@2x".into(), b64png(58, 58));
    let images_only = Localization {
        images: [("logo".to_owned(), b64png(100, 40))].into(),
        ..Localization::default()
    };
    let d = localized(vec![
        ("fr", fr),
        ("pt-BR", strings(&[("GATE", "Portão")])),
        ("zh-Hans", strings(&[("GATE", "登机口")])),
        ("en_GB", images_only),
    ]);
    ok(AppleStyle::Generic, &d);
}

#[test]
fn a_tag_that_is_not_a_language_is_refused() {
    for tag in ["french", "fr.lproj", "../fr", "en-GBR", ""] {
        let d = localized(vec![(tag, strings(&[("A", "B")]))]);
        refused(
            AppleStyle::Generic,
            &d,
            &format!("localizations.{tag}"),
            &["is not a language tag", "pt-BR"],
        );
    }
}

#[test]
fn tags_differing_only_by_case_are_refused() {
    let d = localized(vec![
        ("pt-BR", strings(&[("A", "B")])),
        ("pt-br", strings(&[("A", "C")])),
    ]);
    refused(
        AppleStyle::Generic,
        &d,
        "localizations.pt-br",
        &["'pt-BR' and 'pt-br'", "keep one"],
    );
}

#[test]
fn a_language_without_strings_or_images_is_refused() {
    let d = localized(vec![("fr", Localization::default())]);
    refused(
        AppleStyle::Generic,
        &d,
        "localizations.fr",
        &["neither strings nor images"],
    );
}

#[test]
fn too_many_languages_are_refused() {
    let tags: Vec<String> = (0..=MAX_LOCALIZATIONS)
        .map(|i| {
            format!(
                "{}{}",
                (b'a' + (i / 26) as u8) as char,
                (b'a' + (i % 26) as u8) as char
            )
        })
        .collect();
    let d = localized(
        tags.iter()
            .map(|t| (t.as_str(), strings(&[("A", "B")])))
            .collect(),
    );
    refused(AppleStyle::Generic, &d, "localizations", &["at most 50"]);
}

#[test]
fn an_empty_string_key_is_refused() {
    let d = localized(vec![("fr", strings(&[(" ", "Porte")]))]);
    refused(
        AppleStyle::Generic,
        &d,
        "localizations.fr.strings",
        &["empty key"],
    );
}

#[test]
fn too_many_strings_are_refused() {
    let keys: Vec<String> = (0..=MAX_LOCALIZED_STRINGS)
        .map(|i| format!("K{i}"))
        .collect();
    let pairs: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
    let d = localized(vec![("fr", strings(&pairs))]);
    refused(
        AppleStyle::Generic,
        &d,
        "localizations.fr.strings",
        &["at most 200"],
    );
}

#[test]
fn a_long_key_or_text_is_refused_at_its_key() {
    let key = "K".repeat(MAX_LOCALIZED_KEY_LEN + 1);
    let d = localized(vec![("fr", strings(&[(&key, "v")]))]);
    refused(
        AppleStyle::Generic,
        &d,
        &format!("localizations.fr.strings.{key}"),
        &["longer than 200"],
    );
    let text = "t".repeat(MAX_LOCALIZED_TEXT_LEN + 1);
    let d = localized(vec![("fr", strings(&[("GATE", &text)]))]);
    refused(
        AppleStyle::Generic,
        &d,
        "localizations.fr.strings.GATE",
        &["at most 2000 characters"],
    );
    let d = localized(vec![("fr", strings(&[("GATE", &text[1..])]))]);
    ok(AppleStyle::Generic, &d);
}

#[test]
fn localized_images_follow_the_rules_of_images() {
    let with = |key: &str, value: String| {
        localized(vec![(
            "fr",
            Localization {
                images: [(key.to_owned(), value)].into(),
                ..Localization::default()
            },
        )])
    };
    refused(
        AppleStyle::Generic,
        &with("banner", b64png(10, 10)),
        "localizations.fr.images.banner",
        &["not an image name"],
    );
    refused(
        AppleStyle::Coupon,
        &localized(vec![(
            "fr",
            Localization {
                images: [("footer".to_owned(), b64png(10, 10))].into(),
                ..Localization::default()
            },
        )]),
        "localizations.fr.images.footer",
        &["do not show a footer image"],
    );
    refused(
        AppleStyle::Generic,
        &with("logo", b64png(200, 60)),
        "localizations.fr.images.logo",
        &["200x60 pixels"],
    );
    refused(
        AppleStyle::Generic,
        &with("logo", "not base64!".into()),
        "localizations.fr.images.logo",
        &["not valid base64"],
    );
}

#[test]
fn localized_images_have_a_cap_in_all() {
    let image = STANDARD.encode(padded_png(160, 50, MAX_IMAGE_BYTES));
    let tags = ["de", "es", "fr", "it", "nl"];
    let d = localized(
        tags.iter()
            .map(|t| {
                (
                    *t,
                    Localization {
                        images: [("logo".to_owned(), image.clone())].into(),
                        ..Localization::default()
                    },
                )
            })
            .collect(),
    );
    refused(
        AppleStyle::Generic,
        &d,
        "localizations.nl.images",
        &["at most 2 MiB in all"],
    );
}
