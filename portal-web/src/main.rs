//! The `billing` binary.

use clap::Parser;

/// mimalloc instead of the C library's allocator: a server's requests allocate and free many
/// small, short-lived values (headers, JSON, rows) across Tokio's worker threads, where glibc's
/// malloc and free were an eighth of all samples; measured in docs/performance.md, chosen in
/// docs/adr/0054. The binary's only: a program that links the library (the test binaries among
/// them) keeps the system allocator; the tests that run `billing` run it with mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
