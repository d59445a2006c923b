//! The landing page `GET /p/{short_id}` (docs/api.md §6): over HTTP on every
//! engine, and in a real headless Chromium (Debian's package) that renders it:
//! the preview shows the pass, the button links to the download, the QR code in
//! the screenshot decodes to the page URL, a voided pass shows the notice; and a
//! bundle's page (docs/api.md §12): its "Add all" button, each pass listed and
//! linked, in accessible markup. The screenshots are kept under
//! `target/screenshots/` (a CI artifact).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, PUBLIC_URL, TestServer, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

async fn issue(s: &TestServer) -> (Value, Value) {
    let key = s.test_key.clone();
    let template = s.template(&key).await;
    let r = s
        .send(
            Method::POST,
            "/v1/passes",
            Some(&key),
            Some(&json!({
                "template_id": template["id"],
                "holder_name": "Alice <Johnson>",
                "field_values": {"seatNumber": "A12"}
            })),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (template, r.body)
}

async fn landing_page_over_http(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (_, pass) = issue(&s).await;
    let url = pass["url"].as_str().unwrap();
    let r = s.fetch_public(url, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.header("content-security-policy").is_some());
    let html = r.text();
    assert!(
        html.contains("Alice &lt;Johnson&gt;"),
        "holder name, escaped"
    );
    assert!(html.contains(">A12<"), "the field value");
    assert!(html.contains("Summer Jam"));
    assert!(
        html.contains("background:rgb(17, 34, 51)"),
        "the template colours"
    );
    assert!(html.contains(&format!(
        r#"id="add-to-wallet" class="add" href="{}""#,
        pass["download_url"].as_str().unwrap()
    )));
    assert!(html.contains("<svg"), "the QR code");
    assert!(!html.contains("voided-notice"));
    let r = s
        .send_as(
            Method::GET,
            &format!("/v1/passes/{}/events", pass["id"].as_str().unwrap()),
            &s.test_key.clone(),
        )
        .await;
    assert_eq!(r.body["data"][0]["type"], "url_viewed");

    s.delete(&format!("/v1/passes/{}", pass["id"].as_str().unwrap()))
        .await;
    let html = s.fetch_public(url, &[]).await.text();
    assert!(html.contains(r#"id="voided-notice""#));

    for unknown in ["UnknownShort1", "bad-id!", "x"] {
        let r = s
            .fetch_public(&format!("{PUBLIC_URL}/p/{unknown}"), &[])
            .await;
        assert_eq!(r.status, 404, "{unknown}");
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(r.text().contains("Pass not found"));
    }
    let r = s
        .anonymous(Method::POST, TestServer::public_path(url), None)
        .await;
    assert_eq!(r.status, 405, "other methods get the JSON envelope");
    r.assert_error(405, "invalid_request_error", None);
}

engine_tests!(landing_page_over_http);

// ----- the real browser ------------------------------------------------------

const INSTALL: &str = "apt-get install -y chromium";

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(name).output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!(
        "the landing page is tested in a headless Chromium, which is not installed: \
         run `{INSTALL}` (Debian/Ubuntu; .ci/run does it when it is missing)"
    );
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `url` with `extra` flags (bounded by `timeout`).
fn run_chromium(url: &str, extra: &[&str]) -> std::process::Output {
    // A profile of its own per run: the browser tests run at once.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let profile = std::env::temp_dir().join(format!(
        "passmint-chromium-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let browser = chromium();
    let mut args: Vec<String> = vec![
        "90".into(),
        browser.display().to_string(),
        "--headless".into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--hide-scrollbars".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.push(url.to_owned());
    let out = Command::new("timeout")
        .args(&args)
        .output()
        .expect("run chromium under timeout");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        out.status.success(),
        "chromium failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn dump_dom(url: &str) -> String {
    String::from_utf8(run_chromium(url, &["--dump-dom"]).stdout).unwrap()
}

/// [`dump_dom`] on a blocking thread.
async fn dom_of(url: &str) -> String {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || dump_dom(&url))
        .await
        .unwrap()
}

fn screenshot(url: &str, name: &str, size: &str) -> PathBuf {
    let path = screenshots_dir().join(name);
    let _ = std::fs::remove_file(&path);
    run_chromium(
        url,
        &[
            &format!("--screenshot={}", path.display()),
            &format!("--window-size={size}"),
        ],
    );
    assert!(
        path.exists(),
        "chromium wrote no screenshot at {}",
        path.display()
    );
    path
}

/// Every QR code in the PNG, decoded.
fn decode_qr(png: &Path) -> Vec<String> {
    let image = image::open(png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        image.width() as usize,
        image.height() as usize,
        |x, y| image.get_pixel(x as u32, y as u32).0[0],
    );
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// Screenshots of the page at `local` (`{name}.png` on a computer's screen,
/// `{name}-phone.png` on a phone's): the first shows a QR code of `page_url`,
/// the second none.
async fn qr_code_on_computers_only(local: &str, page_url: &str, name: &str) {
    let shot = tokio::task::spawn_blocking({
        let (local, name) = (local.to_owned(), format!("{name}.png"));
        move || screenshot(&local, &name, "1280,900")
    })
    .await
    .unwrap();
    assert_eq!(
        decode_qr(&shot),
        vec![page_url.to_owned()],
        "the QR code in {} is the page URL",
        shot.display()
    );
    let phone = tokio::task::spawn_blocking({
        let (local, name) = (local.to_owned(), format!("{name}-phone.png"));
        move || screenshot(&local, &name, "390,844")
    })
    .await
    .unwrap();
    assert!(decode_qr(&phone).is_empty(), "phones get no QR code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_page_in_a_real_browser() {
    chromium();
    let s = TestServer::start(Engine::Sqlite).await;
    let (_, pass) = issue(&s).await;
    let page_url = pass["url"].as_str().unwrap();
    let local = s.url(TestServer::public_path(page_url));

    let dom = dom_of(&local).await;
    assert!(
        dom.contains("Alice &lt;Johnson&gt;"),
        "the holder in the preview: {dom}"
    );
    assert!(dom.contains(">A12<"), "the field value in the preview");
    assert!(dom.contains("Summer Jam"));
    assert!(
        dom.contains(&format!(
            r#"href="{}""#,
            pass["download_url"].as_str().unwrap()
        )),
        "the button links to the download"
    );
    assert!(!dom.contains("voided-notice"));
    assert_accessible(&dom);

    qr_code_on_computers_only(&local, page_url, "landing").await;

    s.delete(&format!("/v1/passes/{}", pass["id"].as_str().unwrap()))
        .await;
    let dom = dom_of(&local).await;
    assert!(dom.contains(r#"id="voided-notice""#), "the voided notice");
    assert!(dom.contains("This pass has been voided"));
    tokio::task::spawn_blocking(move || screenshot(&local, "landing-voided.png", "1280,900"))
        .await
        .unwrap();
}

/// What a screen reader needs of a page: its language, a title, text on every
/// link, an alternative on every image, and no markup left unclosed by Chromium's
/// parser moving it (the list and its items as written).
fn assert_accessible(dom: &str) {
    assert!(dom.contains(r#"<html lang="en">"#), "the page's language");
    assert!(dom.contains("<title>") && !dom.contains("<title></title>"));
    for link in dom.split("<a ").skip(1) {
        let text = link
            .split_once('>')
            .and_then(|(_, rest)| rest.split_once("</a>"))
            .map(|(text, _)| text.trim())
            .unwrap_or_default();
        assert!(!text.is_empty(), "a link without text: <a {link}");
    }
    for img in dom.split("<img ").skip(1) {
        assert!(
            img.split_once('>').unwrap().0.contains("alt="),
            "an image without alt: <img {img}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundle_page_in_a_real_browser() {
    chromium();
    let s = TestServer::start(Engine::Sqlite).await;
    let (template, first) = issue(&s).await;
    let key = s.test_key.clone();
    let second = s.pass(&key, template["id"].as_str().unwrap()).await;
    let r = s
        .send(
            Method::POST,
            "/v1/bundles",
            Some(&key),
            Some(&json!({"pass_ids": [first["id"], second["id"]]})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let page_url = r.body["url"].as_str().unwrap().to_owned();
    let download_url = r.body["download_url"].as_str().unwrap().to_owned();
    let local = s.url(TestServer::public_path(&page_url));

    let dom = dom_of(&local).await;
    assert!(
        dom.contains(&format!(
            r#"<a id="add-all-to-wallet" class="add" href="{download_url}">Add all to Apple Wallet</a>"#
        )),
        "one button to the bundle's download: {dom}"
    );
    assert_eq!(dom.matches("<a id=").count(), 1, "a single button");
    assert!(
        dom.contains(
            r#"<ul id="bundle-passes" class="passes" aria-label="Passes in this bundle">"#
        )
    );
    assert_eq!(dom.matches(r#"<li class="bundle-pass""#).count(), 2);
    for pass in [&first, &second] {
        assert!(
            dom.contains(&format!(
                r#"data-pass-id="{}"><a href="{}">Passmint Live — VIP concert ticket</a>"#,
                pass["id"].as_str().unwrap(),
                pass["url"].as_str().unwrap()
            )),
            "{} listed and linked to its page",
            pass["id"]
        );
    }
    assert!(dom.contains("Alice &lt;Johnson&gt;"), "the holder, escaped");
    assert_accessible(&dom);

    qr_code_on_computers_only(&local, &page_url, "bundle").await;
}
