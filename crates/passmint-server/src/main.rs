//! The `passmint` binary.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = passmint_server::cli::Cli::parse();
    let log_guard = passmint_server::cli::init_tracing();
    let result = actix_web::rt::System::new().block_on(passmint_server::cli::run(cli));
    drop(log_guard);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("passmint: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
