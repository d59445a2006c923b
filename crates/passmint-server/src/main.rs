//! The `passmint` binary.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = passmint_server::cli::Cli::parse();
    passmint_server::cli::init_tracing();
    let rt = match actix_web::rt::System::new().block_on(passmint_server::cli::run(cli)) {
        Ok(()) => return std::process::ExitCode::SUCCESS,
        Err(e) => e,
    };
    eprintln!("passmint: {rt}");
    std::process::ExitCode::FAILURE
}
