//! The `billing` command line: the commands, the context they run in, and where they run (in
//! this process, or, on an embedded data folder another process owns, in that process).

pub mod api_call;
pub mod bank_import;
pub mod bench;
pub mod bench_api;
pub mod bench_usage;
pub mod einvoice;
pub mod fx_import;
pub mod invoice_run;
pub mod jobs;
pub mod mail_report;
pub mod output;
pub mod remote;
pub mod runs;
pub mod serve;
pub mod simulate;
pub mod staff;
pub mod tenant;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use billing_core::clock::Clock;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::Database;
use crate::db::embedded::{self, OwnerLock, ServerInfo};
use crate::i18n::I18n;
use crate::state::AppState;
use output::Out;

#[derive(Debug, Parser)]
#[command(name = "billing", version, about = "Subscription billing engine with customer self-service")]
pub struct Cli {
    /// Configuration file (TOML). Default: ./billing.toml if it exists.
    #[arg(long, global = true, env = "BILLING_CONFIG")]
    pub config: Option<PathBuf>,
    /// Language of messages: en, de, fr or zh-CN (default: from LANG).
    #[arg(long, global = true)]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
// Parsed once at start-up: the size of the tenant-create variant does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Serve the HTTP API.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Migrate, seed the demo merchant (once) and serve.
    Demo {
        /// Seed and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Invoice every subscription whose billing period has started by the as-of date.
    InvoiceRun {
        /// The run date (YYYY-MM-DD); when absent, today in the merchant's time zone (for all
        /// merchants: the earliest of their todays).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Compute and report everything, write nothing (may look ahead of today).
        #[arg(long)]
        dry_run: bool,
        /// Let a real run invoice for a date after the merchant's today (invoices dated in the
        /// future); refused otherwise.
        #[arg(long)]
        allow_future: bool,
        /// Only this merchant (by slug).
        #[arg(long)]
        tenant: Option<String>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Simulate a subscription scenario over months; prints the invoices it would produce and
    /// stores nothing.
    Simulate {
        /// The merchant (slug).
        #[arg(long)]
        tenant: String,
        /// Scenario as JSON (same shape as POST /api/v1/simulations), or `-` for standard input.
        #[arg(long)]
        file: PathBuf,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Call any REST API operation as a merchant, in-process, e.g.
    /// `billing api --tenant demo POST /api/v1/plans --data @plan.json`.
    Api {
        /// The merchant (slug).
        #[arg(long)]
        tenant: String,
        /// GET, POST, …
        method: String,
        /// The path, e.g. /api/v1/subscriptions/sub_…/change/preview
        path: String,
        /// The JSON body, or @file to read it from a file.
        #[arg(long)]
        data: Option<String>,
        /// Write the answer's body to this file as it is (e.g. an invoice PDF).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Import ECB euro reference rates (eurofxref daily/90-day/history XML, or the history CSV).
    FxImport {
        /// The ECB file (.xml or .csv), or `-` for standard input (XML).
        #[arg(long, required_unless_present = "url", conflicts_with = "url")]
        file: Option<PathBuf>,
        /// Download the rates instead, e.g.
        /// https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml (XML, or CSV when the
        /// URL ends in .csv).
        #[arg(long)]
        url: Option<String>,
    },
    /// Import a bank statement (camt.053 XML or CSV) and reconcile it against open invoices.
    BankImport {
        /// The merchant (slug).
        #[arg(long)]
        tenant: String,
        /// The statement file.
        #[arg(long)]
        file: PathBuf,
        /// camt053 or csv; by default from the file extension.
        #[arg(long)]
        format: Option<String>,
        /// The CSV layout: german or english; by default recognized from the header row.
        #[arg(long)]
        layout: Option<String>,
        /// Print every entry's outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A merchant's console staff, e.g.
    /// `billing staff add --tenant demo --email anna@example.com --role finance --password-stdin`.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Manage merchants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Run a scheduled job once, now (what the scheduler runs; safe to re-run), e.g.
    /// `billing jobs run collect --as-of 2026-03-15` or `billing jobs run finalize-drafts`.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Mail reports, e.g. `billing mail report --file bounce.eml`: a bounce (RFC 3464) or a spam
    /// complaint (RFC 5965) that came back as a mail suppresses the address it is about.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// The recorded invoice runs (dry and real): list, show, CSV report.
    Runs {
        #[command(subcommand)]
        command: RunsCommand,
    },
    /// Benchmarks against floors measured on the same database (docs/performance.md), e.g.
    /// `DATABASE_URL=postgres://… billing bench invoice-run --subscriptions 100000`.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// E-invoices (XRechnung, ZUGFeRD), e.g.
    /// `billing einvoice export --tenant demo --from 2026-03-01 --to 2026-03-31 --format xrechnung-ubl --output march.zip`.
    Einvoice {
        #[command(subcommand)]
        command: EinvoiceCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum EinvoiceCommand {
    /// Every invoice and credit note issued in a period as one ZIP, with manifest.csv.
    Export {
        /// The merchant (slug).
        #[arg(long)]
        tenant: String,
        /// First issue date (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// Last issue date (YYYY-MM-DD), inclusive.
        #[arg(long)]
        to: NaiveDate,
        /// xrechnung-cii, xrechnung-ubl or zugferd (hybrid PDFs).
        #[arg(long)]
        format: String,
        /// The ZIP file to write.
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Load N subscriptions into a fresh database on DATABASE_URL's server, run the real invoice
    /// run, re-run it, and compare with COPY of the same rows (lean tables and real tables).
    InvoiceRun {
        #[arg(long)]
        subscriptions: i64,
        /// The run's chunk size (default: `invoice_run.chunk_size`).
        #[arg(long)]
        chunk_size: Option<u32>,
        /// Connections the run uses at once (default: `invoice_run.workers`).
        #[arg(long)]
        workers: Option<u32>,
        /// Print the report as JSON (one object on the last line).
        #[arg(long)]
        json: bool,
        /// Keep the database instead of dropping it.
        #[arg(long)]
        keep: bool,
    },
    /// Load the benchmark merchant into a fresh database on DATABASE_URL's server, serve the real
    /// API in this process and send N usage events in batches and one by one, compared with a
    /// COPY of as many events into the same table (`bench usage` is the same command).
    #[command(name = "ingest", visible_alias = "usage")]
    Usage {
        #[arg(long, default_value_t = 100_000)]
        events: usize,
        /// Events per batch request (1 to 1000).
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Client connections sending at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Print the report as JSON (one object on the last line).
        #[arg(long)]
        json: bool,
        /// Keep the database instead of dropping it.
        #[arg(long)]
        keep: bool,
    },
    /// Load N customers with invoices into a fresh database on DATABASE_URL's server, serve the
    /// real API and portal and a bare axum + sqlx primary-key lookup (the floor) in this process,
    /// and compare reads of a customer, a customer's invoices and the portal's overview page with it.
    Api {
        #[arg(long, default_value_t = 10_000)]
        customers: i64,
        /// Requests per scenario.
        #[arg(long, default_value_t = 5_000)]
        requests: usize,
        /// Client connections sending at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Print the report as JSON (one object on the last line).
        #[arg(long)]
        json: bool,
        /// Keep the database instead of dropping it.
        #[arg(long)]
        keep: bool,
        /// Also measure the floor and the portal's overview page while the invoice run runs.
        #[arg(long)]
        during_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run one job now.
    Run {
        #[command(subcommand)]
        job: Job,
    },
    /// The recorded job runs (scheduled and by hand), newest first.
    List {
        /// Only this job (e.g. `mail`).
        #[arg(long)]
        job: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Read a delivery status notification or a feedback report and suppress the address the
    /// original mail (found by its Message-ID) went to.
    #[command(visible_alias = "bounce")]
    Report {
        /// The report mail as received (.eml), or `-` for standard input.
        #[arg(long)]
        file: PathBuf,
        /// The merchant (slug): needed only for a report that returns no Message-ID, which is
        /// then matched to the merchant's latest mail to the reported address.
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a staff member with a role (admin, finance, support, analyst). Without
    /// `--password-stdin` it prints a one-time link where they set their password.
    Add {
        /// The merchant (slug).
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        /// Read the password (at least 12 characters) from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// The latest runs, newest first.
    List {
        /// Only this merchant (by slug).
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// One run: who, when, counts, totals per currency and VAT rate, exceptions.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Write the run's CSV report (columns in docs/operations.md); `-` for standard output.
    Report {
        id: String,
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum Job {
    /// Collect every open invoice due with a payment method; re-drive pending attempts.
    Collect {
        /// Collect invoices due on or before this date (YYYY-MM-DD); today in UTC when absent.
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Take the due dunning steps of every invoice whose collection failed (retry, mail, write-off).
    Dunning {
        /// Count the days of the policy up to this date (YYYY-MM-DD); today in UTC when absent.
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Finalize the drafts whose grace period is over.
    FinalizeDrafts,
    /// Let customers' credit balances pay their open invoices.
    ApplyCredit,
    /// Check the EU VAT IDs that VIES has not confirmed or refuted yet.
    ViesRecheck,
    /// Turn outbox messages into mails and send the mails that are due (`[mail]`).
    Mail,
    /// Fan the outbox out to merchants' webhook endpoints and send the deliveries that are due.
    Webhooks,
    /// Delete API request log entries older than `[api] request_log_days`.
    PruneRequestLog,
    /// Queue the pre-dunning notices due (card expiring, trial ending, annual renewal, SEPA
    /// pre-notification), each once.
    Predunning {
        /// Count the notice periods from this date (YYYY-MM-DD); today in UTC when absent.
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Delete finished outbox rows (events, mails, webhook deliveries) older than `[outbox] retention_days`.
    PurgeOutbox,
    /// Run each merchant's invoice run for its day (`[jobs] invoice_run_hour`), under a lease per
    /// merchant, recorded per merchant.
    InvoiceRun {
        /// Invoice for this date (YYYY-MM-DD); each merchant's due day when absent.
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Only this merchant (its slug).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Import the ECB's daily reference rates from `[fx] url` or the newest file in `[fx] folder`.
    FxImport,
    /// Keep each merchant's MRR, active subscriptions and customers per currency for a day.
    MetricsSnapshot {
        /// The day to take (YYYY-MM-DD); each merchant's yesterday when absent.
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
// `Create` carries the whole seller profile; the enum is parsed once per process.
#[allow(clippy::large_enum_variant)]
pub enum TenantCommand {
    /// Create a merchant and print its first API key.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "DE")]
        country: String,
        #[arg(long, default_value = "Europe/Berlin")]
        timezone: String,
        #[arg(long, default_value = "en")]
        locale: String,
        #[arg(long, default_value = "INV-{YYYY}-{seq:06}")]
        number_format: String,
        /// The merchant's VAT ID (checked).
        #[arg(long)]
        vat_id: Option<String>,
        /// Prorate mid-period changes by the second instead of by the day.
        #[arg(long)]
        prorate_by_second: bool,
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Set how a merchant collects: `charge_automatically` (invoice runs then flag customers
    /// without a default payment method) or `send_invoice`.
    Collection {
        #[arg(long)]
        slug: String,
        method: String,
    },
}

/// The seller profile printed on invoices (all optional; `POST /api/v1/tenant` changes it later).
#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    /// Full legal name, e.g. "Muster Software GmbH".
    #[arg(long)]
    legal_name: Option<String>,
    /// Street and number.
    #[arg(long)]
    address_line1: Option<String>,
    #[arg(long)]
    address_line2: Option<String>,
    #[arg(long)]
    postal_code: Option<String>,
    #[arg(long)]
    city: Option<String>,
    /// German Steuernummer (for sellers without a VAT ID).
    #[arg(long)]
    tax_number: Option<String>,
    #[arg(long)]
    account_holder: Option<String>,
    #[arg(long)]
    iban: Option<String>,
    #[arg(long)]
    bic: Option<String>,
    /// Brand colour for documents, e.g. #1f4e79.
    #[arg(long)]
    brand_color: Option<String>,
}

impl ProfileArgs {
    fn into_input(self) -> billing_core::party::SellerProfileInput {
        let address = (self.address_line1.is_some() || self.postal_code.is_some() || self.city.is_some()).then_some(
            billing_core::party::AddressInput {
                line1: self.address_line1,
                line2: self.address_line2,
                postal_code: self.postal_code,
                city: self.city,
            },
        );
        billing_core::party::SellerProfileInput {
            legal_name: self.legal_name,
            address,
            tax_number: self.tax_number,
            bank_account_holder: self.account_holder,
            iban: self.iban,
            bic: self.bic,
            brand_color: self.brand_color,
            logo_url: None,
        }
    }
}

/// The language for terminal output: `--lang`, else LC_ALL / LC_MESSAGES / LANG, else English.
pub fn cli_language(flag: Option<&str>) -> &'static str {
    let from_env =
        ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    flag.map(str::to_string)
        .or(from_env)
        .and_then(|tag| crate::i18n::negotiate_tag(tag.split('.').next().unwrap_or_default()))
        .unwrap_or("en")
}

pub fn t(lang: &str, id: &str, args: &[(&str, String)]) -> String {
    I18n::global().message(lang, id, args)
}

/// What every command of one process shares: configuration, database, clock, and, while this
/// process serves, the app state (so commands run on behalf of other processes use the same
/// gateway directory as the server).
pub struct Shared {
    pub config: Config,
    pub db: Database,
    pub clock: Arc<dyn Clock>,
    app: RwLock<Option<AppState>>,
    owner: Option<Owner>,
}

/// This process's ownership of an embedded data folder and what it published about itself.
struct Owner {
    lock: OwnerLock,
    info: Mutex<ServerInfo>,
}

impl Shared {
    /// Called by `serve`/`demo` once they listen: other processes learn the URL, and commands run
    /// for them use `state`.
    pub fn serving(&self, url: &str, state: &AppState) -> anyhow::Result<()> {
        if let Ok(mut app) = self.app.write() {
            *app = Some(state.clone());
        }
        if let Some(owner) = &self.owner {
            let mut info = owner.info.lock().map_err(|_| anyhow::anyhow!("server info poisoned"))?;
            info.serving_url = Some(url.to_string());
            owner.lock.publish(&info)?;
        }
        Ok(())
    }
}

/// One command's context: the process's shared parts, the language and output of this
/// command, and the working directory and standard input of the process that typed it.
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub lang: &'static str,
    pub out: Out,
    pub cwd: PathBuf,
    /// Standard input sent by a remote caller; `None` reads this process's own.
    pub stdin: Option<Vec<u8>>,
    /// The operating-system user who typed the command.
    pub user: String,
}

impl Ctx {
    fn local(shared: Arc<Shared>, lang: &'static str) -> anyhow::Result<Self> {
        Ok(Self { shared, lang, out: Out::local(), cwd: std::env::current_dir()?, stdin: None, user: os_user() })
    }

    pub fn db(&self) -> &Database {
        &self.shared.db
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.shared.clock.clone()
    }

    /// `path` as the caller meant it: relative to the caller's working directory.
    pub fn path(&self, path: &Path) -> PathBuf {
        if path.is_absolute() { path.to_path_buf() } else { self.cwd.join(path) }
    }

    /// The bytes of a file named on the command line, or standard input for `-`.
    pub fn read_input(&self, path: &Path) -> anyhow::Result<Vec<u8>> {
        if path.as_os_str() == "-" {
            return match &self.stdin {
                Some(bytes) => Ok(bytes.clone()),
                None => {
                    let mut buf = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
                    Ok(buf)
                }
            };
        }
        let full = self.path(path);
        std::fs::read(&full).with_context(|| format!("reading {}", full.display()))
    }

    /// The serving app's state, or a fresh one over this process's database.
    pub fn app_state(&self) -> AppState {
        if let Some(state) = self.shared.app.read().ok().and_then(|a| a.clone()) {
            return state;
        }
        new_app_state(&self.shared.config, &self.shared.db, self.clock())
    }
}

impl Command {
    /// Whether the command reads standard input (`--file -`), which a remote run must send along.
    fn reads_stdin(&self) -> bool {
        match self {
            Command::Simulate { file, .. } => file.as_os_str() == "-",
            Command::FxImport { file: Some(file), .. } => file.as_os_str() == "-",
            Command::Mail { command: MailCommand::Report { file, .. } } => file.as_os_str() == "-",
            Command::Api { data: Some(d), .. } => d == "@-",
            Command::Staff { command: StaffCommand::Add { password_stdin, .. } } => *password_stdin,
            _ => false,
        }
    }

    /// `serve` and `demo` (unless `--no-serve`) serve HTTP: they must own the database.
    fn serves(&self) -> bool {
        matches!(self, Command::Serve | Command::Demo { no_serve: false })
    }
}

/// Runs the command line `args` (without the program name), parsed as `cli`.
pub async fn run(cli: Cli, args: Vec<String>) -> anyhow::Result<()> {
    let config = Config::from_process_env(cli.config.as_deref())?;
    // Held until the command returns: dropping it writes out the log lines still queued.
    let _log_writer = init_tracing(&config);
    let lang = cli_language(cli.lang.as_deref());
    if let Command::Bench { command } = cli.command {
        return run_bench(&config, lang, command).await;
    }
    let (clock, _) = crate::sim_clock::from_config(&config)?;
    if let Some(url) = config.database.url.clone() {
        let db = Database::open_server(&config.database, url.expose()).await?;
        let shared = Arc::new(Shared { config, db, clock, app: RwLock::new(None), owner: None });
        let result = dispatch(cli.command, &Ctx::local(shared.clone(), lang)?).await;
        shared.db.close().await;
        return result;
    }
    run_embedded(cli, args, config, clock, lang).await
}

/// `billing bench`: on a database of its own, never the configured one (nor an embedded folder).
async fn run_bench(config: &Config, lang: &'static str, command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::InvoiceRun { subscriptions, chunk_size, workers, json, keep } => {
            let args = bench::InvoiceRunArgs { subscriptions, json, keep, chunk_size, workers };
            let report = bench::invoice_run(config, lang, args).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", bench::render(&report, lang));
            }
        }
        BenchCommand::Usage { events, batch, concurrency, json, keep } => {
            let args = bench_usage::UsageArgs { events, batch, concurrency, json, keep };
            let report = bench_usage::usage(config, lang, args).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", bench_usage::render(&report, lang));
            }
        }
        BenchCommand::Api { customers, requests, concurrency, json, keep, during_run } => {
            let args = bench_api::ApiArgs { customers, requests, concurrency, json, keep, during_run };
            let report = bench_api::api(config, lang, args).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", bench_api::render(&report, lang));
            }
        }
    }
    Ok(())
}

/// On an embedded data folder: own it and run here, or send the command to its owner. Every
/// wait is bounded (`database.embedded_wait_secs`): a command never hangs on a busy folder.
async fn run_embedded(
    cli: Cli,
    args: Vec<String>,
    config: Config,
    clock: Arc<dyn Clock>,
    lang: &'static str,
) -> anyhow::Result<()> {
    let dir = config.database.embedded_dir.clone();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(config.database.embedded_wait_secs);
    let mut request = None;
    let mut told_waiting = false;
    loop {
        if let Some(lock) = embedded::try_own(&dir)? {
            return run_as_owner(lock, cli.command, config, clock, lang).await;
        }
        let info = embedded::read_info(&dir);
        match &info {
            Some(ServerInfo { serving_url: Some(url), pid, .. }) if cli.command.serves() => {
                anyhow::bail!("{}", t(lang, "cli-embedded-serving", &[("url", url.clone()), ("pid", pid.to_string())]));
            }
            Some(info) if !cli.command.serves() => {
                let request = match &mut request {
                    Some(r) => r,
                    None => request.insert(remote::RemoteRequest {
                        args: args.clone(),
                        cwd: std::env::current_dir()?,
                        stdin: if cli.command.reads_stdin() {
                            let mut buf = Vec::new();
                            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
                            Some(buf)
                        } else {
                            None
                        },
                        lang: lang.to_string(),
                        user: os_user(),
                    }),
                };
                if let remote::Outcome::Ran(result) = remote::call(info, request).await? {
                    return result;
                }
            }
            _ => {}
        }
        // The owner is starting, stopping, or runs a command of its own that serving must wait for.
        if Instant::now() >= deadline {
            let pid = info.map(|i| i.pid.to_string()).unwrap_or_else(|| "?".into());
            anyhow::bail!("{}", t(lang, "cli-embedded-busy", &[("dir", dir.display().to_string()), ("pid", pid)]));
        }
        if !told_waiting && started.elapsed() > Duration::from_secs(2) {
            told_waiting = true;
            eprintln!("{}", t(lang, "cli-embedded-waiting", &[("dir", dir.display().to_string())]));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// This process owns the folder: it runs the embedded server, takes other processes' commands
/// while it runs its own, and lets go only when those are done.
async fn run_as_owner(
    lock: OwnerLock,
    command: Command,
    config: Config,
    clock: Arc<dyn Clock>,
    lang: &'static str,
) -> anyhow::Result<()> {
    let db = Database::open_embedded(&lock, &config.database).await?;
    let info = ServerInfo { pid: std::process::id(), ops_url: String::new(), token: String::new(), serving_url: None };
    let owner = Owner { lock, info: Mutex::new(info) };
    let shared = Arc::new(Shared { config, db, clock, app: RwLock::new(None), owner: Some(owner) });
    let (ops, ops_url, token) = remote::OpsServer::start(shared.clone()).await?;
    if let Some(owner) = &shared.owner {
        let mut info = owner.info.lock().map_err(|_| anyhow::anyhow!("server info poisoned"))?;
        info.ops_url = ops_url;
        info.token = token;
        owner.lock.publish(&info)?;
    }
    let result = dispatch(command, &Ctx::local(shared.clone(), lang)?).await;
    if let Some(owner) = &shared.owner {
        owner.lock.withdraw();
    }
    tracing::debug!("owner: draining the commands of other processes");
    ops.drain().await;
    tracing::debug!("owner: closing the database");
    shared.db.close().await;
    tracing::debug!("owner: done");
    result
}

/// Runs one command in this process.
async fn dispatch(command: Command, ctx: &Ctx) -> anyhow::Result<()> {
    let (db, lang) = (ctx.db(), ctx.lang);
    db.migrate().await?;
    match command {
        Command::Migrate => ctx.out.line(t(lang, "cli-migrated", &[])),
        Command::Serve => serve::serve(ctx, None).await?,
        Command::Demo { no_serve } => serve::demo(ctx, no_serve).await?,
        Command::InvoiceRun { as_of, dry_run, allow_future, tenant, json } => {
            invoice_run::run(ctx, invoice_run::Args { as_of, dry_run, allow_future, tenant, json }).await?;
        }
        Command::Jobs { command: JobsCommand::Run { job } } => jobs::run(ctx, job).await?,
        Command::Jobs { command: JobsCommand::List { job, limit, json } } => {
            jobs::list(ctx, job.as_deref(), limit, json).await?
        }
        Command::Api { tenant, method, path, data, output } => {
            let code = api_call::run(ctx, &tenant, &method, &path, data.as_deref(), output.as_deref()).await?;
            if !(200..300).contains(&code) {
                anyhow::bail!("HTTP {code}");
            }
        }
        Command::FxImport { file, url } => fx_import::run(ctx, file.as_deref(), url.as_deref()).await?,
        Command::BankImport { tenant, file, format, layout, json } => {
            let options = bank_import::Options { format: format.as_deref(), layout: layout.as_deref(), json };
            bank_import::run(ctx, &tenant, &file, options).await?;
        }
        Command::Simulate { tenant, file, json } => simulate::run(ctx, &tenant, &file, json).await?,
        Command::Runs { command } => match command {
            RunsCommand::List { tenant, limit, json } => runs::list(ctx, tenant.as_deref(), limit, json).await?,
            RunsCommand::Show { id, json } => runs::show(ctx, &id, json).await?,
            RunsCommand::Report { id, output } => runs::report(ctx, &id, &output).await?,
        },
        Command::Mail { command: MailCommand::Report { file, tenant } } => {
            mail_report::run(ctx, &file, tenant.as_deref()).await?;
        }
        Command::Tenant { command } => tenant::run(ctx, command).await?,
        Command::Staff { command } => staff::run(ctx, command).await?,
        // Runs before any database is opened (`run_bench`), never here.
        Command::Bench { .. } => anyhow::bail!("{}", t(lang, "cli-bench-needs-server", &[])),
        Command::Einvoice { command: EinvoiceCommand::Export { tenant, from, to, format, output } } => {
            einvoice::export(ctx, &tenant, from, to, &format, &output).await?;
        }
    }
    Ok(())
}

/// The app's state as configured: VIES client, gateway directory with the secrets key (loaded
/// when first needed), auth limits.
fn new_app_state(config: &Config, db: &Database, clock: Arc<dyn Clock>) -> AppState {
    let gateways = crate::state::gateways_with_key(&db.pool, config.secret_key_loader());
    AppState::new(db.pool.clone(), clock)
        .with_vat_verifier(Arc::new(crate::vies::HttpVies::new(&config.vies)))
        .with_gateways(Arc::new(gateways))
        .with_auth_limits(config.auth_limits())
        .with_rate_limits(config.api.rate_limits())
        .with_portal(config.portal.clone())
}

fn os_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into())
}

/// The log goes to standard error through one writer thread (ADR 0057): a request formats its
/// line and queues it; the thread writes whatever queued since its last write in one system call.
/// Before, every request's line was a write of its own under the standard-error lock, 10-15 % of
/// a read's cost (docs/performance.md). Nothing is dropped: a full queue (128,000 lines) makes
/// the logging thread wait, as a blocked standard error did before. `None` when a subscriber was
/// installed already (a second `run` in one process, which the binary never makes).
fn init_tracing(config: &Config) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::EnvFilter;
    if tracing::dispatcher::has_been_set() {
        return None;
    }
    let filter = EnvFilter::try_from_env("BILLING_LOG").unwrap_or_else(|_| EnvFilter::new(&config.log.level));
    // Colour codes only on a terminal: a log file or a pipe gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("billing-log")
        .finish(std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr()));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(ansi);
    let installed = if config.log.format == "json" { builder.json().try_init() } else { builder.try_init() };
    installed.is_ok().then_some(guard)
}
