//! `make bench`, retention part: does removing a million old events hurt the API?
//! The release `passmint serve` on the database `DATABASE_URL` names (PostgreSQL or
//! SQLite). Run by `bench/retention.sh`, which builds it and gives it
//! (environment):
//!
//! - `PASSMINT_BIN`, `DATABASE_URL` (a fresh database), `BENCH_OUT`;
//! - `BENCH_RETENTION_ROWS` (1000000), `BENCH_RETENTION_SECONDS` (30),
//!   `BENCH_RETENTION_CONNECTIONS` (4), `BENCH_RETENTION_LIMIT` (900, the longest
//!   the removal may take, in seconds).
//!
//! Steps: an account issues a pass; `BENCH_RETENTION_ROWS` events of that pass,
//! 400 days old, are inserted with one bulk statement (`psql` or `sqlite3`, no
//! `ANALYZE` or `VACUUM`). The API client retrieves the pass
//! (`GET /v1/passes/:id`) for `BENCH_RETENTION_SECONDS` with retention idle (the
//! server without `PASSMINT_EVENT_RETENTION`: the same-run baseline); then the
//! server restarts with `PASSMINT_EVENT_RETENTION=30d` and the client retrieves
//! the pass until the retention worker logs its pass over `pass_events`. Printed:
//! both p50 and p99, the ratio of the p99s (`MISS` above 2), how long the removal
//! took (the worker's own figure and the client's wall clock) and the events left.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::bench::{BenchEnv, Report, api_load, env_num, issue_pass, ms};
use passmint_e2e::process::{READYZ, Server, create_account, serve_command};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The event rows the bulk statement inserts: `pass_events` of `migrations/<engine>`.
const PG_LOAD: &str = "INSERT INTO pass_events \
     (id, account_id, mode, pass_id, kind, metadata, created_at) \
     SELECT 'evt_' || lpad(g::text, 24, '0'), :'account', 'test', :'pass', 'url_viewed', \
     '{}'::jsonb, now() - interval '400 days' + g * interval '1 millisecond' \
     FROM generate_series(1, :rows) g";
const SQLITE_LOAD: &str = "INSERT INTO pass_events \
     (id, account_id, mode, pass_id, kind, metadata, created_at) \
     WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {rows}) \
     SELECT 'evt_' || printf('%024d', n), '{account}', 'test', '{pass}', 'url_viewed', '{}', \
     (CAST(strftime('%s', 'now') AS INTEGER) - 400 * 86400) * 1000000 + n * 1000 FROM g";

/// The engine's command line client over `db`, running `sql` (its output).
fn sql(db: &str, sql: &str, vars: &[(&str, &str)]) -> String {
    let out = if let Some(path) = db.strip_prefix("sqlite://") {
        let mut text = sql.to_owned();
        for (k, v) in vars {
            text = text.replace(&format!("{{{k}}}"), v);
        }
        Command::new("sqlite3")
            .args(["-cmd", ".timeout 30000", path, &text])
            .output()
            .expect("sqlite3")
    } else {
        let mut cmd = Command::new("psql");
        cmd.args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db]);
        for (k, v) in vars {
            cmd.args(["-v", &format!("{k}={v}")]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("psql");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{sql};\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The worker's `elapsed_ms` of its `pass_events` pass, once the log has it.
fn removal_logged(log: &str) -> Option<u64> {
    let raw = std::fs::read_to_string(log).ok()?;
    // Without the terminal colours the log may carry (`ESC [ … m`).
    let mut text = String::with_capacity(raw.len());
    let mut in_escape = false;
    for c in raw.chars() {
        match (in_escape, c) {
            (false, '\u{1b}') => in_escape = true,
            (false, c) => text.push(c),
            (true, 'm') => in_escape = false,
            (true, _) => {}
        }
    }
    let line = text
        .lines()
        .find(|l| l.contains("retention pass") && l.contains("pass_events"))?;
    let at = line.find("elapsed_ms=")? + "elapsed_ms=".len();
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let BenchEnv { bin, db, out } = BenchEnv::from_env();
    let rows = env_num("BENCH_RETENTION_ROWS", 1_000_000);
    let secs = env_num("BENCH_RETENTION_SECONDS", 30) as u64;
    let conns = env_num("BENCH_RETENTION_CONNECTIONS", 4);
    let limit = Duration::from_secs(env_num("BENCH_RETENTION_LIMIT", 900) as u64);
    let engine = if db.starts_with("sqlite://") {
        "sqlite"
    } else {
        "postgres"
    };
    let mut report = Report::create(&out, &format!("retention-{engine}"));
    report.say(&format!(
        "== retention benchmark, {engine} ({} cores, a machine shared with other work): API p99 while {rows} old events go",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));

    let account = create_account(&bin, &db, "Retention");
    let key = account["test_key"].as_str().unwrap().to_owned();
    let port = passmint_e2e::process::free_port();
    let idle = Server::spawn(serve_command(&bin, &db, port), port, &READYZ).await;
    let client = reqwest::Client::new();
    let pass = issue_pass(&client, &idle.base, &key).await;
    let pass_id = pass["id"].as_str().unwrap().to_owned();
    let api_url = format!("{}/v1/passes/{pass_id}", idle.base);

    let t = Instant::now();
    let rows_text = rows.to_string();
    let vars = [
        ("account", account["account_id"].as_str().unwrap()),
        ("pass", pass_id.as_str()),
        ("rows", rows_text.as_str()),
    ];
    let load = if engine == "sqlite" {
        SQLITE_LOAD
    } else {
        PG_LOAD
    };
    sql(&db, load, &vars);
    report.say(&format!(
        "loaded {rows} events 400 days old in {:.1} s (one bulk statement)",
        t.elapsed().as_secs_f64()
    ));

    let retrieve = async |for_: Duration| {
        api_load(&client, &api_url, &key, conns, Instant::now() + for_).await
    };
    retrieve(Duration::from_secs(1)).await;
    let quiet = retrieve(Duration::from_secs(secs)).await;
    let (q50, q99) = report.latencies(
        &format!("retention idle: GET /v1/passes/:id, {conns} connections, {secs} s"),
        &quiet,
    );
    drop(idle);

    let log = format!("{out}/retention-{engine}-server.log");
    let mut cmd = serve_command(&bin, &db, port);
    cmd.env("PASSMINT_EVENT_RETENTION", "30d")
        .env("RUST_LOG", "warn,passmint_server::workers::retention=info")
        .stderr(std::fs::File::create(&log).map_or(Stdio::null(), Stdio::from));
    let started = Instant::now();
    let _busy = Server::spawn(cmd, port, &READYZ).await;
    let mut busy = Vec::new();
    let worker_ms = loop {
        busy.extend(retrieve(Duration::from_secs(1)).await);
        if let Some(ms) = removal_logged(&log) {
            break Some(ms);
        }
        if started.elapsed() > limit {
            break None;
        }
    };
    let wall = started.elapsed();
    busy.sort();
    let (b50, b99) = report.latencies(
        "retention removing: the same client until the removal ended",
        &busy,
    );
    let left = sql(
        &db,
        "SELECT count(*) FROM pass_events WHERE kind = 'url_viewed'",
        &[],
    );
    match worker_ms {
        Some(w) => report.say(&format!(
            "removal: {:.1} s by the worker's log, {:.1} s from the restart to its log line seen; {left} of the loaded events left",
            w as f64 / 1000.0,
            wall.as_secs_f64()
        )),
        None => report.say(&format!(
            "removal: not finished within {} s; {left} of the loaded events left",
            limit.as_secs()
        )),
    }
    let ratio = ms(b99) / ms(q99).max(0.001);
    report.say(&format!(
        "ratio: p99 removing / p99 idle = {ratio:.2} (target <= 2.00: {}); p50 ratio {:.2}",
        if ratio <= 2.0 && worker_ms.is_some() {
            "PASS"
        } else {
            "MISS"
        },
        ms(b50) / ms(q50).max(0.001)
    ));
}
