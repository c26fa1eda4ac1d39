//! The `billing` binary.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let cli = portal_web::cli::Cli::parse_from(&args);
    match portal_web::cli::run(cli, args.into_iter().skip(1).collect()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
