//! The scan for secrets in what the server answers and logs: API keys and their
//! hashes (docs/api.md §1), webhook secrets (shown only in the answers to a webhook's
//! creation and to `rotate_secret`, docs/api.md §8), pass authentication tokens
//! (only as pass.json's `authenticationToken` inside a .pkpass, docs/api.md §6, §7)
//! and private keys (docs/api.md §6). The harness records the answers
//! ([`Transcript`]) and this test process's log lines ([`capture_logs`]); [`scan`]
//! lists every place a secret shows where it may not.

use reqwest::header::HeaderMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// One answer of the server, as the harness's client got it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// A webhook's creation or rotation that succeeded (a replay too): the answers
    /// that may show a webhook secret.
    fn shows_webhook_secret(&self) -> bool {
        let path = self.path.split('?').next().unwrap_or_default();
        self.method == "POST"
            && self.status == 200
            && (path == "/v1/webhooks"
                || (path.starts_with("/v1/webhooks/") && path.ends_with("/rotate_secret")))
    }

    fn is_pkpass(&self) -> bool {
        self.status == 200
            && self
                .header("content-type")
                .is_some_and(|v| v.starts_with(b"application/vnd.apple.pkpass"))
    }
}

/// The answers the harness's client got while recording was on (off by default:
/// most tests need no transcript).
#[derive(Clone, Default)]
pub struct Transcript {
    on: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<Recorded>>>,
}

impl Transcript {
    /// Records every answer from now on.
    pub fn start(&self) {
        self.on.store(true, Ordering::SeqCst);
    }

    pub fn record(&self, method: &str, path: &str, status: u16, headers: &HeaderMap, body: &[u8]) {
        if !self.on.load(Ordering::SeqCst) {
            return;
        }
        let headers = headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect();
        self.answers.lock().unwrap().push(Recorded {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
            headers,
            body: body.to_vec(),
        });
    }

    pub fn answers(&self) -> Vec<Recorded> {
        self.answers.lock().unwrap().clone()
    }
}

/// Every log line of this test process (the test servers run in it), from the first
/// call on: passmint's crates at TRACE, everything else at DEBUG, formatted as
/// `passmint serve` formats them.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs the process's log capture (once) and answers it.
pub fn capture_logs() -> Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let filter = tracing_subscriber::EnvFilter::new(
            "debug,passmint_server=trace,passmint_domain=trace,passmint_webhooks=trace,\
             passmint_apns=trace,passmint_pkpass=trace,passmint_store_postgres=trace,\
             passmint_store_sqlite=trace,passmint_store_sql=trace",
        );
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(logs.clone())
            .try_init()
            .expect("no other log subscriber in this test process");
        logs
    })
    .clone()
}

/// The secrets known by value, each with what it is.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    known: Vec<(String, Vec<u8>)>,
}

impl Secrets {
    /// Adds a secret (values under 8 bytes would match by chance and are refused).
    pub fn add(&mut self, what: &str, value: impl AsRef<[u8]>) {
        let value = value.as_ref();
        assert!(value.len() >= 8, "{what} is too short to scan for");
        if !self.known.iter().any(|(_, v)| v == value) {
            self.known.push((what.to_owned(), value.to_vec()));
        }
    }

    /// An API key: its secret part (after `pmk_test_`/`pmk_live_`) and its hash.
    pub fn api_key(&mut self, key: &str) {
        self.add("an API key", &key[key.len().min(9)..]);
        self.add("an API key's hash", passmint_domain::account::hash_key(key));
    }

    /// A private key (PEM): every line of its base64 body, its DER encodings and the
    /// bytes of its private exponent or scalar.
    pub fn private_key(&mut self, what: &str, pem: &str) {
        for line in pem
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        {
            self.add(what, line);
        }
        let key = openssl::pkey::PKey::private_key_from_pem(pem.as_bytes()).expect("a PEM key");
        self.add(what, key.private_key_to_der().expect("DER"));
        self.add(what, key.private_key_to_pkcs8().expect("PKCS#8"));
        if let Ok(rsa) = key.rsa() {
            self.add(what, rsa.d().to_vec());
        }
        if let Ok(ec) = key.ec_key() {
            self.add(what, ec.private_key().to_vec());
        }
    }

    /// Learns the secrets the transcript shows where they may show: the webhook
    /// secrets of creations and rotations, and the authentication tokens of the
    /// passes downloaded.
    pub fn learn(&mut self, answers: &[Recorded]) {
        for a in answers {
            if a.shows_webhook_secret() {
                let body: serde_json::Value = serde_json::from_slice(&a.body).unwrap_or_default();
                if let Some(secret) = body["secret"].as_str() {
                    self.add("a webhook secret", secret);
                }
            }
            if a.is_pkpass() {
                let files = crate::verify::unzip(&a.body);
                let pass: serde_json::Value =
                    serde_json::from_slice(&files["pass.json"]).unwrap_or_default();
                if let Some(token) = pass["authenticationToken"].as_str() {
                    self.add("a pass authentication token", token);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

/// Every place in `answers` and `logs` where a secret shows and may not, as
/// `place: what` lines (empty when there is none). Besides the known secrets, it
/// finds any API key (`pmk_test_`/`pmk_live_` and 32 or more base62 characters),
/// any webhook secret (`whsec_` and 40 or more base64 characters) and any PEM block,
/// except in the OpenAPI document (its examples have these shapes).
pub fn scan(answers: &[Recorded], logs: &[u8], secrets: &Secrets) -> Vec<String> {
    let mut found = Vec::new();
    let mut check_as = |place: String, bytes: &[u8], patterns: bool| {
        for what in find(bytes, secrets, patterns) {
            found.push(format!("{place}: {what}"));
        }
    };
    for (i, a) in answers.iter().enumerate() {
        let place = format!("answer {i} ({} {} {})", a.method, a.path, a.status);
        for (name, value) in &a.headers {
            check_as(format!("{place}, header {name}"), value, true);
        }
        if a.is_pkpass() {
            for (name, mut bytes) in crate::verify::unzip(&a.body) {
                if name == "pass.json" {
                    bytes = without_key(&bytes, "authenticationToken");
                }
                check_as(format!("{place}, .pkpass entry {name}"), &bytes, true);
            }
        } else if a.shows_webhook_secret() {
            let rest = without_key(&a.body, "secret");
            check_as(format!("{place}, body (without its secret)"), &rest, true);
        } else {
            // The OpenAPI document shows example keys and secrets: only real ones
            // count there.
            let examples = a.path == "/v1/openapi.json";
            check_as(format!("{place}, body"), &a.body, !examples);
        }
    }
    for (n, line) in logs.split(|b| *b == b'\n').enumerate() {
        check_as(format!("log line {}", n + 1), line, true);
    }
    found
}

/// A JSON object's bytes without one top-level key (the bytes unchanged when they
/// are not a JSON object).
fn without_key(bytes: &[u8], key: &str) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(mut o)) => {
            o.remove(key);
            serde_json::to_vec(&o).unwrap_or_default()
        }
        _ => bytes.to_vec(),
    }
}

/// What secrets `bytes` hold, each named once: the known ones, and with `patterns`
/// anything shaped like an API key, a webhook secret or a PEM block.
fn find(bytes: &[u8], secrets: &Secrets, patterns: bool) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut note = |what: &str| {
        if !found.iter().any(|f| f == what) {
            found.push(what.to_owned());
        }
    };
    for (what, value) in &secrets.known {
        if contains(bytes, value) {
            note(what);
        }
    }
    if !patterns {
        return found;
    }
    let base62 = |b: &u8| b.is_ascii_alphanumeric();
    let base64 = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
    for (prefix, alphabet, min, what) in [
        (
            &b"pmk_test_"[..],
            &base62 as &dyn Fn(&u8) -> bool,
            32,
            "an API key",
        ),
        (b"pmk_live_", &base62, 32, "an API key"),
        (b"whsec_", &base64, 40, "a webhook secret"),
        (b"-----BEGIN", &|_: &u8| true, 0, "PEM material"),
    ] {
        let mut at = 0;
        while let Some(i) = position(&bytes[at..], prefix) {
            let start = at + i + prefix.len();
            let run = bytes[start..].iter().take_while(|b| alphabet(b)).count();
            if run >= min {
                note(what);
                break;
            }
            at = start;
        }
    }
    found
}

fn position(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    position(hay, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "pmk_live_0123456789abcdefghijABCDEFGHIJxyz";
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=";
    const TOKEN: &str = "tok3nTOKENtok3nTOKENtok3nTOKEN12";

    fn answer(method: &str, path: &str, content_type: &str, body: &[u8]) -> Recorded {
        Recorded {
            method: method.into(),
            path: path.into(),
            status: 200,
            headers: vec![("content-type".into(), content_type.as_bytes().to_vec())],
            body: body.to_vec(),
        }
    }

    fn json(method: &str, path: &str, body: serde_json::Value) -> Recorded {
        answer(
            method,
            path,
            "application/json",
            body.to_string().as_bytes(),
        )
    }

    fn pkpass(pass_json: serde_json::Value, other: &[u8]) -> Recorded {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("pass.json", stored).unwrap();
        zip.write_all(pass_json.to_string().as_bytes()).unwrap();
        zip.start_file("logo.png", stored).unwrap();
        zip.write_all(other).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        answer(
            "GET",
            "/p/abc/download",
            "application/vnd.apple.pkpass",
            &bytes,
        )
    }

    fn secrets() -> Secrets {
        let mut s = Secrets::default();
        s.api_key(KEY);
        s
    }

    /// A clean transcript, where every secret shows only where it may.
    fn clean() -> Vec<Recorded> {
        vec![
            json(
                "POST",
                "/v1/webhooks",
                serde_json::json!({"id": "whk_1", "secret": SECRET}),
            ),
            json(
                "POST",
                "/v1/webhooks/whk_1/rotate_secret",
                serde_json::json!({"id": "whk_1", "secret": SECRET.replace('M', "N")}),
            ),
            pkpass(
                serde_json::json!({"serialNumber": "s1", "authenticationToken": TOKEN}),
                b"\x89PNG",
            ),
            json(
                "GET",
                "/v1/passes",
                serde_json::json!({"data": [], "prefix": "pmk_live_0123"}),
            ),
            json(
                "GET",
                "/v1/openapi.json",
                serde_json::json!({"example": "whsec_c2VjcmV0IGV4YW1wbGUgb2YgdGhlIGRvY3VtZW50Lg=="}),
            ),
        ]
    }

    #[test]
    fn a_clean_transcript_passes_and_teaches_its_secrets() {
        let answers = clean();
        let mut s = secrets();
        s.learn(&answers);
        assert_eq!(s.len(), 2 + 3, "key, hash, two webhook secrets, a token");
        assert_eq!(
            scan(&answers, b"INFO request finished status=200\n", &s),
            Vec::<String>::new()
        );
    }

    /// Each planted secret is found, where it is planted.
    #[test]
    fn planted_secrets_are_found() {
        let hash = passmint_domain::account::hash_key(KEY);
        let cases: Vec<(Recorded, &str)> = vec![
            (
                json(
                    "GET",
                    "/v1/openapi.json",
                    serde_json::json!({"example": KEY}),
                ),
                "an API key",
            ),
            (
                json("GET", "/v1/passes/x", serde_json::json!({"k": KEY})),
                "an API key",
            ),
            (
                json("GET", "/v1/passes/x", serde_json::json!({"k": hash})),
                "an API key's hash",
            ),
            (
                json(
                    "GET",
                    "/v1/webhooks/whk_1",
                    serde_json::json!({"secret": SECRET}),
                ),
                "a webhook secret",
            ),
            (
                json(
                    "POST",
                    "/v1/webhooks",
                    serde_json::json!({"secret": SECRET, "description": SECRET}),
                ),
                "a webhook secret",
            ),
            (
                json(
                    "POST",
                    "/v1/webhooks",
                    serde_json::json!({"error": {"message": KEY}}),
                ),
                "an API key",
            ),
            (
                answer(
                    "GET",
                    "/p/abc",
                    "text/html",
                    format!("<p>{TOKEN}</p>").as_bytes(),
                ),
                "a pass authentication token",
            ),
            (
                pkpass(
                    serde_json::json!({"authenticationToken": TOKEN, "barcode": TOKEN}),
                    b"",
                ),
                "a pass authentication token",
            ),
            (
                pkpass(
                    serde_json::json!({"authenticationToken": TOKEN}),
                    TOKEN.as_bytes(),
                ),
                "a pass authentication token",
            ),
            (
                json(
                    "GET",
                    "/x",
                    serde_json::json!({"k": "pmk_test_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}),
                ),
                "an API key",
            ),
            (
                json(
                    "GET",
                    "/x",
                    serde_json::json!({"k": "-----BEGIN PRIVATE KEY-----"}),
                ),
                "PEM material",
            ),
        ];
        for (i, (planted, what)) in cases.into_iter().enumerate() {
            let mut answers = clean();
            answers.push(planted);
            let mut s = secrets();
            s.learn(&answers);
            let found = scan(&answers, b"", &s);
            assert!(
                found
                    .iter()
                    .any(|f| f.starts_with(&format!("answer {}", answers.len() - 1))
                        && f.ends_with(what)),
                "case {i}: {what} not found: {found:?}"
            );
            assert!(
                found
                    .iter()
                    .all(|f| f.starts_with(&format!("answer {}", answers.len() - 1))),
                "case {i}: only the planted answer: {found:?}"
            );
        }

        // In a header, and in the logs.
        let mut answers = clean();
        answers[3]
            .headers
            .push(("x-debug".into(), KEY.as_bytes().to_vec()));
        let mut s = secrets();
        s.learn(&answers);
        let logs = format!("INFO ok\nWARN web service error token={TOKEN} secret={SECRET}\n");
        let found = scan(&answers, logs.as_bytes(), &s);
        assert_eq!(
            found,
            [
                "answer 3 (GET /v1/passes 200), header x-debug: an API key",
                "log line 2: a webhook secret",
                "log line 2: a pass authentication token",
            ],
        );
    }

    /// A private key is found by its PEM lines, its DER and its raw private bytes.
    #[test]
    fn private_key_material_is_found() {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let key = openssl::pkey::PKey::from_rsa(rsa.clone()).unwrap();
        let pem = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let mut s = Secrets::default();
        s.private_key("a private key", &pem);
        let line = pem.lines().nth(3).unwrap();
        for body in [
            line.as_bytes().to_vec(),
            key.private_key_to_der().unwrap(),
            [b"\x00\x01".to_vec(), rsa.d().to_vec(), b"\x02".to_vec()].concat(),
        ] {
            let found = scan(
                &[answer("GET", "/x", "application/octet-stream", &body)],
                b"",
                &s,
            );
            assert_eq!(found, ["answer 0 (GET /x 200), body: a private key"]);
        }
    }
}
