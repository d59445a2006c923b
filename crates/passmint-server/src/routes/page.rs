//! The HTML of the public pages: the landing page of a pass and the 404 page.
//!
//! Server-rendered, self-contained (inline CSS, the logo as a data URI, the QR
//! code as inline SVG), no JavaScript. Phones get the preview and the "Add to
//! Apple Wallet" button; wider screens also get a QR code of the page, to open it
//! on a phone.

use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::template::Template;
use passmint_pkpass::{PassField, PassSpec, Rgb};
use std::fmt::Write;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A QR code of `text` as an inline `<svg>` (black on white, with its quiet zone).
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Drop the XML declaration: the SVG is inlined in HTML.
    let start = svg.find("<svg")?;
    Some(svg[start..].to_owned())
}

fn css(c: Option<Rgb>, default: &str) -> String {
    c.map_or_else(
        || default.to_owned(),
        |c| format!("rgb({}, {}, {})", c.r, c.g, c.b),
    )
}

fn field_html(out: &mut String, class: &str, f: &PassField) {
    let _ = write!(
        out,
        r#"<div class="field {class}" data-key="{}"><div class="label">{}</div><div class="value">{}</div></div>"#,
        escape(&f.key),
        escape(f.label.as_deref().unwrap_or("")),
        escape(&f.value)
    );
}

fn row(out: &mut String, class: &str, fields: &[PassField]) {
    if fields.is_empty() {
        return;
    }
    let _ = write!(out, r#"<div class="row {class}">"#);
    for f in fields {
        field_html(out, class, f);
    }
    out.push_str("</div>");
}

/// The logo for the preview: the design's best logo image as a data URI.
fn logo_src(template: &Template) -> Option<String> {
    ["logo@2x", "logo", "logo@3x"]
        .iter()
        .find_map(|k| template.design.images.get(*k))
        .map(|b64| format!("data:image/png;base64,{}", b64.trim()))
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#f2f2f7;color:#1c1c1e}
main{max-width:980px;margin:0 auto;padding:24px 16px;display:flex;flex-wrap:wrap;gap:32px;justify-content:center;align-items:flex-start}
.left{flex:1 1 340px;max-width:420px}
.pass{border-radius:14px;padding:16px 18px;box-shadow:0 8px 24px rgba(0,0,0,.18);overflow-wrap:anywhere}
.top{display:flex;align-items:center;gap:10px;min-height:36px}
.top img{max-height:40px;max-width:140px}
.logo-text{font-weight:600;font-size:17px;flex:1}
.row{display:flex;flex-wrap:wrap;gap:16px;margin-top:14px}
.field{flex:1 1 0;min-width:70px}
.label{font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.value{font-size:16px;margin-top:2px}
.primary .value{font-size:30px;font-weight:300}
.holder{margin-top:16px;font-size:14px}
.badge{display:inline-block;font-size:11px;font-weight:700;padding:2px 6px;border-radius:4px;background:#ff9f0a;color:#000}
.voided{background:#ffe5e5;color:#8a0000;border:2px solid #d70015;border-radius:10px;padding:12px 14px;margin:16px 0 0;font-weight:600}
.pass.is-voided{opacity:.55;filter:grayscale(.6)}
.add{display:block;margin:20px 0 0;padding:14px;border-radius:12px;background:#000;color:#fff;text-align:center;text-decoration:none;font-size:17px;font-weight:600}
.desc{color:#3a3a3c;font-size:14px;margin-top:12px}
details{margin-top:16px;font-size:14px}
.right{flex:0 0 280px;text-align:center;background:#fff;border-radius:14px;padding:20px}
.right svg{width:240px;height:240px}
.right p{font-size:14px;color:#3a3a3c}
@media (max-width:700px){.right{display:none}main{padding:16px 12px}}
"#;

/// The landing page of a pass. `spec` is the pass rendered for the builder (field
/// values with placeholders filled, colours parsed); `qr_svg` the page URL's QR
/// code ([`qr_svg`]).
pub fn landing(
    pass: &Pass,
    template: &Template,
    spec: &PassSpec,
    qr_svg: Option<&str>,
    download_url: &str,
) -> String {
    let bg = css(spec.colors.background, "rgb(255, 255, 255)");
    let fg = css(spec.colors.foreground, "rgb(0, 0, 0)");
    let label = css(spec.colors.label, &fg);
    let title = format!("{} — {}", spec.organization_name, spec.description);
    let mut body = String::with_capacity(8 * 1024);
    let _ = write!(
        body,
        r#"<div class="left"><section id="pass-preview" class="pass{}" style="background:{bg};color:{fg}"><div class="top">"#,
        if pass.voided() { " is-voided" } else { "" }
    );
    if let Some(src) = logo_src(template) {
        let _ = write!(body, r#"<img src="{}" alt="">"#, escape(&src));
    }
    let _ = write!(
        body,
        r#"<span class="logo-text">{}</span>"#,
        escape(spec.logo_text.as_deref().unwrap_or(&spec.organization_name))
    );
    if pass.mode == Mode::Test {
        body.push_str(r#"<span class="badge">TEST</span>"#);
    }
    body.push_str("</div>");
    row(&mut body, "header", &spec.fields.header);
    row(&mut body, "primary", &spec.fields.primary);
    row(&mut body, "secondary", &spec.fields.secondary);
    row(&mut body, "auxiliary", &spec.fields.auxiliary);
    if let Some(name) = pass.holder_name.as_deref().filter(|n| !n.is_empty()) {
        let _ = write!(
            body,
            r#"<div class="holder" id="holder-name">{}</div>"#,
            escape(name)
        );
    }
    body.push_str("</section>");
    if pass.voided() {
        body.push_str(
            r#"<p id="voided-notice" class="voided" role="alert">This pass has been voided: it is no longer valid.</p>"#,
        );
    }
    let _ = write!(
        body,
        r#"<a id="add-to-wallet" class="add" href="{}">Add to Apple Wallet</a><p class="desc">{}</p>"#,
        escape(download_url),
        escape(&spec.description)
    );
    if !spec.fields.back.is_empty() {
        body.push_str("<details><summary>Details</summary>");
        for f in &spec.fields.back {
            field_html(&mut body, "back", f);
        }
        body.push_str("</details>");
    }
    body.push_str("</div>");
    if let Some(svg) = qr_svg {
        let _ = write!(
            body,
            r#"<aside class="right" id="qr-code"><p>On a computer? Scan this code with your iPhone to add the pass to Apple Wallet.</p>{svg}</aside>"#
        );
    }
    page(
        &title,
        &format!("{STYLE}.pass .label{{color:{label}}}"),
        &body,
    )
}

/// One pass of a bundle's landing page, with its own landing page's URL.
pub struct BundleItem<'a> {
    pub pass: &'a Pass,
    pub template: &'a Template,
    pub url: String,
}

const BUNDLE_STYLE: &str = r#"
.passes{list-style:none;margin:16px 0 0;padding:0}
.passes li{background:#fff;border-radius:12px;padding:12px 14px;margin-top:10px}
.passes a{color:#0040dd;font-weight:600;font-size:16px}
.passes .holder{margin-top:4px;color:#3a3a3c}
.passes .voided{display:inline-block;padding:2px 6px;margin:6px 0 0;font-size:12px}
"#;

/// The landing page of a bundle (docs/api.md §12): the "Add all to Apple Wallet"
/// button, then each pass with a link to its own landing page.
pub fn bundle_landing(
    items: &[BundleItem<'_>],
    mode: Mode,
    qr_svg: Option<&str>,
    download_url: &str,
) -> String {
    let title = match items.len() {
        1 => "1 pass".to_owned(),
        n => format!("{n} passes"),
    };
    let mut body = String::with_capacity(4 * 1024);
    let _ = write!(body, r#"<div class="left"><h1 id="bundle-title">{title}"#);
    if mode == Mode::Test {
        body.push_str(r#" <span class="badge">TEST</span>"#);
    }
    let _ = write!(
        body,
        r#"</h1><a id="add-all-to-wallet" class="add" href="{}">Add all to Apple Wallet</a><ul id="bundle-passes" class="passes" aria-label="Passes in this bundle">"#,
        escape(download_url)
    );
    for item in items {
        let design = &item.template.design;
        let _ = write!(
            body,
            r#"<li class="bundle-pass" data-pass-id="{}"><a href="{}">{} — {}</a>"#,
            escape(item.pass.id.as_str()),
            escape(&item.url),
            escape(&design.organization_name),
            escape(&design.description)
        );
        if let Some(name) = item.pass.holder_name.as_deref().filter(|n| !n.is_empty()) {
            let _ = write!(body, r#"<div class="holder">{}</div>"#, escape(name));
        }
        if item.pass.voided() {
            body.push_str(r#"<p class="voided">Voided: no longer valid.</p>"#);
        }
        body.push_str("</li>");
    }
    body.push_str(r#"</ul><p class="desc">Adds every pass above to Apple Wallet in one step; each can also be added alone from its own page.</p></div>"#);
    if let Some(svg) = qr_svg {
        let _ = write!(
            body,
            r#"<aside class="right" id="qr-code"><p>On a computer? Scan this code with your iPhone to add the passes to Apple Wallet.</p>{svg}</aside>"#
        );
    }
    page(&title, &format!("{STYLE}{BUNDLE_STYLE}"), &body)
}

/// The page for an unknown bundle short id.
pub fn bundle_not_found() -> String {
    page(
        "Passes not found",
        STYLE,
        r#"<div class="left"><h1>Passes not found</h1><p class="desc">This link does not lead to any passes. Check the link you were sent, or ask its sender for a new one.</p></div>"#,
    )
}

/// The page for an unknown short id.
pub fn not_found() -> String {
    page(
        "Pass not found",
        STYLE,
        r#"<div class="left"><h1>Pass not found</h1><p class="desc">This link does not lead to a pass. Check the link you were sent, or ask its sender for a new one.</p></div>"#,
    )
}

/// The page for a pass that could not be built (logged with its cause).
pub fn unavailable() -> String {
    page(
        "Pass unavailable",
        STYLE,
        r#"<div class="left"><h1>This pass is unavailable right now</h1><p class="desc">Try again in a few minutes.</p></div>"#,
    )
}

fn page(title: &str, style: &str, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>{}</title><style>{style}</style></head><body><main>{body}</main></body></html>"#,
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn qr_is_inline_svg() {
        let svg = qr_svg("https://passes.example.com/p/abc").unwrap_or_default();
        assert!(svg.starts_with("<svg"), "{svg}");
    }
}
