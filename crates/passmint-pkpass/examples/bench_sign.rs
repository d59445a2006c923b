//! Single-thread throughput of building and signing passes, against OpenSSL's own
//! RSA-2048 signing speed measured in the same run.
//!
//! ```text
//! cargo run --release -p passmint-pkpass --example bench_sign [-- SECONDS]
//! ```
//!
//! Builds a realistic event ticket (fields in every area, a QR barcode, icon and
//! logo images at several scales, a location, dates and a web service) again and
//! again on one thread for SECONDS (default 5), each pass with its own serial
//! number, then runs `openssl speed -seconds SECONDS -mr rsa2048` and compares
//! passes/s with its sign/s. Every pass costs one RSA-2048 signature, so the ratio
//! shows how little the rest (lint, JSON, hashing, CMS, zip) costs: the target is
//! at least 0.85. The images are shared between passes as a server shares a
//! template's images (`PassImage` clones, hashed once); a last, informational run
//! copies and re-hashes them for every pass.
//!
//! Timing: `openssl speed` divides the operations done in SECONDS of wall-clock
//! time by the *user CPU time* they took (its default; `-elapsed` would use wall
//! time), which makes it immune to other processes competing for the CPU. To
//! compare like with like, passes/s here are also per second of user CPU time,
//! read from `/proc/self/stat` (wall-clock figures are printed too). Where `/proc`
//! is missing (not Linux), both sides fall back to wall-clock time
//! (`openssl speed -elapsed`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/png.rs"]
mod png_support;

use passmint_pkpass::{
    Barcode, BarcodeFormat, DateStyle, Location, PassField, PassImage, PassSpec, PassStyle, Rgb,
    SigningIdentity, TextAlignment, build_pkpass,
};
use png_support::icons_and_logos;
use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

/// User and system CPU time of this process in seconds, from `/proc/self/stat`
/// (Linux).
fn cpu_seconds(ticks_per_second: f64) -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start with field 3;
    // utime and stime are fields 14 and 15, in clock ticks.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime / ticks_per_second, stime / ticks_per_second))
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 on Linux).
fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// What a timed run did.
struct Measured {
    passes: u64,
    wall: f64,
    /// User CPU seconds.
    cpu: Option<f64>,
    /// System CPU seconds.
    system: Option<f64>,
}

impl Measured {
    /// Passes per second of user CPU time, or of wall time without `/proc`.
    fn rate(&self) -> f64 {
        self.passes as f64 / self.cpu.unwrap_or(self.wall)
    }
}

const TARGET: f64 = 0.85;

fn realistic_spec() -> PassSpec {
    let mut spec = PassSpec::new(
        "pass.dev.passmint.bench",
        "BENCH12345",
        "SN-000000",
        "Passmint Concerts",
        "Concert ticket",
        PassStyle::EventTicket,
    );
    spec.logo_text = Some("Passmint Concerts".to_owned());
    spec.fields.header = vec![
        PassField::new("date", "2025-06-01T20:00:00+02:00")
            .with_label("DATE")
            .with_date_styles(DateStyle::Medium, DateStyle::Short),
    ];
    spec.fields.primary = vec![PassField::new("event", "Symphony No. 9").with_label("EVENT")];
    spec.fields.secondary = vec![
        PassField::new("holder", "Ada Lovelace").with_label("NAME"),
        PassField::new("venue", "Philharmonie, Hall A").with_label("VENUE"),
    ];
    spec.fields.auxiliary = vec![
        PassField::new("row", "12").with_label("ROW"),
        PassField::new("seat", "34")
            .with_label("SEAT")
            .with_change_message("Your seat is now %@")
            .with_text_alignment(TextAlignment::Right),
    ];
    spec.fields.back = vec![
        PassField::new(
            "terms",
            "Tickets are non-refundable. Doors open one hour before.",
        )
        .with_label("Terms and conditions"),
        PassField::new("contact", "help@example.com").with_label("Contact"),
    ];
    spec.barcode = Some(Barcode::new(BarcodeFormat::Qr, "SN-000000").with_alt_text("SN-000000"));
    spec.colors.background = Some(Rgb::new(24, 40, 72));
    spec.colors.foreground = Some(Rgb::new(255, 255, 255));
    spec.colors.label = Some(Rgb::new(180, 200, 230));
    for (name, bytes) in icons_and_logos() {
        spec.images.insert(name.to_owned(), bytes.into());
    }
    spec.locations = vec![Location {
        relevant_text: Some("Welcome to the Philharmonie".to_owned()),
        ..Location::new(52.5097, 13.3699)
    }];
    spec.relevant_date = Some(time::macros::datetime!(2025-06-01 20:00:00 +02:00));
    spec.web_service_url = Some("https://passes.example.com/wallet".to_owned());
    spec.authentication_token = Some("0123456789abcdefghijklmnopqrstuv".to_owned());
    spec
}

/// Builds passes for `duration` of wall time. With `fresh_images`, every pass gets
/// new copies of the images, so each is hashed again (as when a caller rebuilds
/// its images per pass instead of sharing `PassImage`s).
fn run(
    spec: &mut PassSpec,
    identity: &SigningIdentity,
    duration: Duration,
    fresh_images: bool,
    ticks: f64,
) -> Measured {
    let cpu_start = cpu_seconds(ticks);
    let start = Instant::now();
    let mut passes = 0u64;
    while start.elapsed() < duration {
        for _ in 0..16 {
            spec.serial_number.clear();
            spec.serial_number.push_str(&format!("SN-{passes:06}"));
            if fresh_images {
                for image in spec.images.values_mut() {
                    *image = PassImage::from(image.as_bytes());
                }
            }
            black_box(build_pkpass(black_box(spec), identity).unwrap());
            passes += 1;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let used = cpu_start
        .zip(cpu_seconds(ticks))
        .map(|(start, end)| (end.0 - start.0, end.1 - start.1))
        .filter(|(user, _)| *user > 0.0);
    Measured {
        passes,
        wall,
        cpu: used.map(|u| u.0),
        system: used.map(|u| u.1),
    }
}

/// `openssl speed`'s RSA-2048 signatures per second (per CPU second, or per wall
/// second with `elapsed`).
fn openssl_sign_per_second(seconds: u64, elapsed: bool) -> f64 {
    let seconds = seconds.to_string();
    let mut args = vec!["speed", "-seconds", &seconds, "-mr"];
    if elapsed {
        args.push("-elapsed");
    }
    args.push("rsa2048");
    let output = Command::new("openssl")
        .args(&args)
        .output()
        .expect("running `openssl speed` (install the openssl command line)");
    let text = String::from_utf8_lossy(&output.stdout);
    // Machine-readable: "+F2:<n>:2048:<sign/s>:<verify/s>".
    let mr = text.lines().find_map(|line| {
        let fields: Vec<&str> = line.strip_prefix("+F2:")?.split(':').collect();
        (fields.get(1) == Some(&"2048")).then(|| fields.get(2)?.parse::<f64>().ok())?
    });
    // Human-readable fallback: "rsa 2048 bits 0.000776s 0.000021s 1288.3 46528.6".
    let human = || {
        text.lines().find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.first() == Some(&"rsa") && fields.get(1) == Some(&"2048"))
                .then(|| fields.get(5)?.parse::<f64>().ok())?
        })
    };
    mr.or_else(human)
        .unwrap_or_else(|| panic!("no rsa2048 sign/s in `openssl speed` output:\n{text}"))
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("SECONDS must be a whole number"))
        .unwrap_or(5);
    let ticks = ticks_per_second();
    let cpu_clock = cpu_seconds(ticks).is_some();
    let per = if cpu_clock {
        "per CPU second"
    } else {
        "per wall second"
    };
    let identity =
        SigningIdentity::generate_development("pass.dev.passmint.bench", "BENCH12345").unwrap();
    let mut spec = realistic_spec();
    let size = build_pkpass(&spec, &identity).unwrap().len();
    let images: usize = spec.images.values().map(|i| i.len()).sum();
    println!(
        "pass: eventTicket, {} fields, QR barcode, {} images ({} bytes), .pkpass {} bytes",
        spec.fields.iter().count(),
        spec.images.len(),
        images,
        size
    );

    run(&mut spec, &identity, Duration::from_secs(1), false, ticks); // warm-up
    let ours = run(
        &mut spec,
        &identity,
        Duration::from_secs(seconds),
        false,
        ticks,
    );
    let rate = ours.rate();
    println!(
        "passmint-pkpass: {} passes in {:.2} s wall{} on one thread = {rate:.1} passes {per} \
         ({:.1} µs per pass; {:.1} passes per wall second; template images shared as \
         PassImage, hashed once)",
        ours.passes,
        ours.wall,
        ours.cpu
            .zip(ours.system)
            .map(|(c, s)| format!(", {c:.2} s user CPU (+{s:.2} s system)"))
            .unwrap_or_default(),
        1e6 / rate,
        ours.passes as f64 / ours.wall,
    );

    let sign = openssl_sign_per_second(seconds, !cpu_clock);
    let flags = if cpu_clock { "" } else { " -elapsed" };
    println!(
        "openssl speed -seconds {seconds} -mr{flags} rsa2048: {sign:.1} sign/s {per} ({:.1} µs \
         per signature)",
        1e6 / sign
    );
    let ratio = rate / sign;
    println!(
        "ratio: {ratio:.3} (overhead beyond the RSA signature: {:.1} µs per pass) -> {} \
         (target >= {TARGET})",
        1e6 / rate - 1e6 / sign,
        if ratio >= TARGET { "PASS" } else { "MISS" }
    );

    // For information: the same with every image copied and hashed again per pass.
    let fresh = run(
        &mut spec,
        &identity,
        Duration::from_secs(seconds),
        true,
        ticks,
    );
    println!(
        "informational, images copied and hashed per pass: {:.1} passes {per}, ratio {:.3}",
        fresh.rate(),
        fresh.rate() / sign
    );
}
