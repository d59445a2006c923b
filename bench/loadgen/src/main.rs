//! `passmint-bench`: the load generator behind `make bench`.
//!
//! Closed-loop load: `--connections` workers, each with one HTTP/1.1 keep-alive
//! connection of its own, send a request, wait for the whole response, and send
//! the next, for a warm-up and then a measured window of fixed length. Every
//! latency of the measured window is kept (microseconds) and sorted at the end, so
//! the percentiles are exact. The result is one JSON line on stdout and one human
//! line on stderr.
//!
//! Every loop is bounded: by the deadline, by `--max-requests`, by a per-request
//! timeout, and by a cap on consecutive transport errors.

mod client;
mod load;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "passmint-bench",
    about = "Load generator for the passmint benchmarks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print a free TCP port on 127.0.0.1.
    FreePort,
    /// Wait until GET {base}/readyz answers 200.
    WaitReady {
        #[arg(long)]
        base: String,
        #[arg(long, default_value_t = 60)]
        timeout_secs: u64,
    },
    /// POST /v1/passes load, one unique Idempotency-Key per request.
    Issue {
        #[command(flatten)]
        load: LoadArgs,
        /// Template to issue from (tmpl_…).
        #[arg(long)]
        template: String,
        /// Write the id of every issued pass here, one a line.
        #[arg(long)]
        ids_out: Option<PathBuf>,
        /// Write the `download_url` of every issued pass here, one a line.
        #[arg(long)]
        urls_out: Option<PathBuf>,
    },
    /// GET /v1/passes/:id load over the ids in a file.
    Retrieve {
        #[command(flatten)]
        load: LoadArgs,
        /// Pass ids, one a line (as written by `issue --ids-out`).
        #[arg(long)]
        ids_in: PathBuf,
    },
    /// Time one GET path sequentially over a single keep-alive connection.
    Probe {
        #[arg(long)]
        base: String,
        #[arg(long)]
        key: String,
        /// Path and query, e.g. "/v1/passes?limit=50".
        #[arg(long)]
        path: String,
        #[arg(long, default_value_t = 20)]
        repeat: u32,
        #[arg(long, default_value = "probe")]
        label: String,
    },
}

#[derive(Args, Debug, Clone)]
struct LoadArgs {
    /// Server base URL, http://host:port.
    #[arg(long)]
    base: String,
    /// API key (Bearer).
    #[arg(long)]
    key: String,
    /// Concurrent workers, one keep-alive connection each.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Unmeasured warm-up, seconds.
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    /// Measured window, seconds.
    #[arg(long, default_value_t = 15.0)]
    seconds: f64,
    /// Threads of the load generator's runtime (1 keeps it to one core).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Per-request timeout, milliseconds.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Hard cap on requests sent, warm-up included.
    #[arg(long, default_value_t = 2_000_000)]
    max_requests: u64,
    /// Name of the run in the output.
    #[arg(long)]
    label: Option<String>,
}

fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, String> {
    let mut b = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    };
    b.enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn check_bounds(load: &LoadArgs) -> Result<(), String> {
    if !(1..=4096).contains(&load.connections) {
        return Err("--connections must be 1 to 4096".into());
    }
    if !(0.0..=3600.0).contains(&load.warmup) || !(0.1..=3600.0).contains(&load.seconds) {
        return Err("--warmup must be 0 to 3600 and --seconds 0.1 to 3600".into());
    }
    Ok(())
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::FreePort => {
            let l = std::net::TcpListener::bind("127.0.0.1:0")
                .map_err(|e| format!("cannot bind 127.0.0.1:0: {e}"))?;
            let port = l.local_addr().map_err(|e| e.to_string())?.port();
            println!("{port}");
            Ok(())
        }
        Command::WaitReady { base, timeout_secs } => {
            let target = client::Target::parse(&base)?;
            runtime(1)?.block_on(client::wait_ready(
                &target,
                Duration::from_secs(timeout_secs.min(600)),
            ))
        }
        Command::Issue {
            load,
            template,
            ids_out,
            urls_out,
        } => {
            check_bounds(&load)?;
            let job = load::Job::Issue { template };
            let out = runtime(load.threads)?.block_on(load::run(&load, job))?;
            for (path, lines) in [(ids_out, &out.ids), (urls_out, &out.urls)] {
                if let Some(path) = path {
                    let mut text = lines.join("\n");
                    text.push('\n');
                    std::fs::write(&path, text)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                }
            }
            out.print(load.label.as_deref().unwrap_or("issue"), &load);
            Ok(())
        }
        Command::Retrieve { load, ids_in } => {
            check_bounds(&load)?;
            let text = std::fs::read_to_string(&ids_in)
                .map_err(|e| format!("cannot read {}: {e}", ids_in.display()))?;
            let ids: Vec<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            if ids.is_empty() {
                return Err(format!("{} holds no ids", ids_in.display()));
            }
            let job = load::Job::Retrieve {
                ids: std::sync::Arc::new(ids),
            };
            let out = runtime(load.threads)?.block_on(load::run(&load, job))?;
            out.print(load.label.as_deref().unwrap_or("retrieve"), &load);
            Ok(())
        }
        Command::Probe {
            base,
            key,
            path,
            repeat,
            label,
        } => {
            let target = client::Target::parse(&base)?;
            let repeat = repeat.clamp(1, 10_000);
            runtime(1)?.block_on(load::probe(&target, &key, &path, repeat, &label))
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("passmint-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
