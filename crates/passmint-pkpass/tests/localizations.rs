//! Localized passes: `<lang>.lproj/pass.strings` (UTF-16 with a byte order mark,
//! escaped), localized images, both in the manifest and under the signature
//! (checked with `openssl cms -verify`), and the lint's refusals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{identity, png, sample_spec, verify_pkpass};
use passmint_pkpass::{LintRule, Localization, PassImage, PassSpec, PassStyle, build_pkpass, lint};
use std::collections::BTreeMap;

fn strings(pairs: &[(&str, &str)]) -> Localization {
    Localization {
        strings: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        images: BTreeMap::new(),
    }
}

/// A pass whose labels are keys of French and Brazilian Portuguese strings, with
/// a French logo.
fn localized_spec() -> PassSpec {
    let mut spec = sample_spec(PassStyle::Generic);
    let mut fr = strings(&[
        ("GATE", "Porte"),
        ("QUOTE", "Il a dit \"bonjour\"\\\nà demain"),
    ]);
    fr.images
        .insert("logo.png".to_owned(), PassImage::from(png(150, 40, 11)));
    fr.images
        .insert("logo@2x.png".to_owned(), PassImage::from(png(300, 80, 12)));
    spec.localizations.insert("fr".to_owned(), fr);
    spec.localizations
        .insert("pt-BR".to_owned(), strings(&[("GATE", "Portão 登")]));
    spec
}

/// The text of a pass.strings file: its byte order mark and then UTF-16 LE.
fn utf16_text(bytes: &[u8]) -> String {
    assert_eq!(
        &bytes[..2],
        &[0xFF, 0xFE],
        "pass.strings starts with its BOM"
    );
    assert_eq!(bytes.len() % 2, 0, "whole UTF-16 code units");
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).expect("valid UTF-16")
}

#[test]
fn strings_are_utf16_with_a_bom_and_escaped() {
    let pkpass = build_pkpass(&localized_spec(), identity()).unwrap();
    let verified = verify_pkpass(&pkpass, identity());
    let fr = &verified.files["fr.lproj/pass.strings"];
    assert_eq!(
        utf16_text(fr),
        "\"GATE\" = \"Porte\";\n\"QUOTE\" = \"Il a dit \\\"bonjour\\\"\\\\\\nà demain\";\n"
    );
    // The exact bytes of the first line: BOM, then '"', 'G' as little-endian units.
    assert_eq!(&fr[..6], &[0xFF, 0xFE, b'"', 0, b'G', 0]);
    let pt = &verified.files["pt-BR.lproj/pass.strings"];
    assert_eq!(utf16_text(pt), "\"GATE\" = \"Portão 登\";\n");
    assert!(
        pt.windows(2).any(|w| w == [0xE3, 0x00]),
        "ã as one UTF-16 unit"
    );
}

#[test]
fn localized_files_are_in_the_manifest_and_signed() {
    let spec = localized_spec();
    let pkpass = build_pkpass(&spec, identity()).unwrap();
    // verify_pkpass checks that manifest.json lists every file with its SHA-1 and
    // that `openssl cms -verify` accepts the signature over it.
    let verified = verify_pkpass(&pkpass, identity());
    let manifest: BTreeMap<String, String> =
        serde_json::from_slice(&verified.files["manifest.json"]).unwrap();
    for name in [
        "fr.lproj/pass.strings",
        "fr.lproj/logo.png",
        "fr.lproj/logo@2x.png",
        "pt-BR.lproj/pass.strings",
    ] {
        assert!(manifest.contains_key(name), "{name} not in manifest.json");
    }
    assert_eq!(
        verified.files["fr.lproj/logo.png"],
        spec.localizations["fr"].images["logo.png"].as_bytes()
    );
    assert!(!verified.files.contains_key("pt-BR.lproj/logo.png"));
    // pass.json carries the keys, not the translations.
    assert!(!String::from_utf8_lossy(&verified.files["pass.json"]).contains("Porte"));
}

#[test]
fn a_changed_localized_file_breaks_the_manifest() {
    let spec = localized_spec();
    let mut other = spec.clone();
    other
        .localizations
        .get_mut("fr")
        .unwrap()
        .strings
        .insert("GATE".into(), "Embarquement".into());
    let files = |spec: &PassSpec| {
        let pkpass = build_pkpass(spec, identity()).unwrap();
        let m: BTreeMap<String, String> =
            serde_json::from_slice(&common::unzip(&pkpass)["manifest.json"]).unwrap();
        m
    };
    let (a, b) = (files(&spec), files(&other));
    assert_ne!(a["fr.lproj/pass.strings"], b["fr.lproj/pass.strings"]);
    assert_eq!(a["pt-BR.lproj/pass.strings"], b["pt-BR.lproj/pass.strings"]);
}

/// [`common::refused`], and `build_pkpass` refuses the spec too.
fn refused(spec: &PassSpec, rule: LintRule, path: &str, says: &[&str]) {
    common::refused(spec, rule, path, says);
    assert!(build_pkpass(spec, identity()).is_err());
}

#[test]
fn the_localized_sample_passes_the_lint() {
    assert_eq!(lint(&localized_spec()), Ok(()));
}

#[test]
fn a_language_tag_must_name_an_lproj_directory() {
    for tag in ["french", "fr.lproj", "../fr", "fr/x", ""] {
        let mut spec = sample_spec(PassStyle::Generic);
        spec.localizations
            .insert(tag.to_owned(), strings(&[("A", "B")]));
        refused(
            &spec,
            LintRule::LocalizationLanguage,
            &format!("localizations.{tag}"),
            &["not a language tag"],
        );
    }
}

#[test]
fn languages_differing_only_by_case_are_refused() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.localizations
        .insert("pt-BR".to_owned(), strings(&[("A", "B")]));
    spec.localizations
        .insert("pt_br".to_owned(), strings(&[("A", "C")]));
    refused(
        &spec,
        LintRule::LocalizationLanguage,
        "localizations.pt_br",
        &["'pt-BR' and 'pt_br'"],
    );
}

#[test]
fn a_language_without_strings_or_images_is_refused() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.localizations
        .insert("fr".to_owned(), Localization::default());
    refused(
        &spec,
        LintRule::LocalizationEmpty,
        "localizations.fr",
        &["neither strings nor images"],
    );
}

#[test]
fn an_empty_string_key_is_refused() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.localizations
        .insert("fr".to_owned(), strings(&[("", "Porte")]));
    refused(
        &spec,
        LintRule::LocalizationStringKey,
        "localizations.fr.strings",
        &["empty key"],
    );
}

#[test]
fn localized_images_follow_the_image_rules() {
    let with = |style: PassStyle, name: &str, bytes: Vec<u8>| {
        let mut spec = sample_spec(style);
        let mut fr = Localization::default();
        fr.images.insert(name.to_owned(), PassImage::from(bytes));
        spec.localizations.insert("fr".to_owned(), fr);
        spec
    };
    refused(
        &with(PassStyle::Generic, "banner.png", png(10, 10, 1)),
        LintRule::UnknownImage,
        "localizations.fr.images.banner.png",
        &["not an Apple pass image"],
    );
    refused(
        &with(PassStyle::Coupon, "footer.png", png(10, 10, 1)),
        LintRule::ImageNotShown,
        "localizations.fr.images.footer.png",
        &["do not show a footer image"],
    );
    refused(
        &with(PassStyle::Generic, "logo.png", b"GIF89a".to_vec()),
        LintRule::ImageNotPng,
        "localizations.fr.images.logo.png",
        &["not a PNG"],
    );
    refused(
        &with(PassStyle::Generic, "logo.png", png(200, 60, 1)),
        LintRule::ImageSize,
        "localizations.fr.images.logo.png",
        &["200x60"],
    );
}
