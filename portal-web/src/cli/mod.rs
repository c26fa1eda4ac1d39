//! The `billing` command line.

pub mod bank_import;
pub mod einvoice;
pub mod invoice_run;
pub mod runs;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use billing_core::clock::{Clock, SystemClock};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::app::{AppState, router, serve};
use crate::config::Config;
use crate::db::Database;
use crate::i18n::I18n;

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
        /// The run date (YYYY-MM-DD); today in UTC when absent.
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Compute and report everything, write nothing.
        #[arg(long)]
        dry_run: bool,
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
    /// The recorded invoice runs (dry and real): list, show, CSV report.
    Runs {
        #[command(subcommand)]
        command: RunsCommand,
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
pub enum JobsCommand {
    /// Run one job now.
    Run {
        #[command(subcommand)]
        job: Job,
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
    /// Finalize the drafts whose grace period is over.
    FinalizeDrafts,
    /// Let customers' credit balances pay their open invoices.
    ApplyCredit,
    /// Check the EU VAT IDs that VIES has not confirmed or refuted yet.
    ViesRecheck,
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

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_process_env(cli.config.as_deref())?;
    init_tracing(&config);
    let lang = cli_language(cli.lang.as_deref());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let db = Database::open(&config.database).await?;
    let result = dispatch(cli.command, &config, &db, clock, lang).await;
    db.close().await;
    result
}

async fn dispatch(
    command: Command,
    config: &Config,
    db: &Database,
    clock: Arc<dyn Clock>,
    lang: &'static str,
) -> anyhow::Result<()> {
    match command {
        Command::Migrate => {
            db.migrate().await?;
            println!("{}", t(lang, "cli-migrated", &[]));
        }
        Command::Serve => {
            db.migrate().await?;
            serve_until_signal(config, db, clock, lang, None).await?;
        }
        Command::Demo { no_serve } => {
            db.migrate().await?;
            let outcome = crate::demo::seed(&db.pool, clock.now()).await?;
            if outcome.created {
                println!(
                    "{}",
                    t(
                        lang,
                        "cli-demo-seeded",
                        &[
                            ("tenant", outcome.tenant_name.clone()),
                            ("customers", outcome.customers.to_string()),
                            ("subscriptions", outcome.subscriptions.to_string()),
                        ]
                    )
                );
            } else {
                println!(
                    "{}",
                    t(
                        lang,
                        "cli-demo-reused",
                        &[("tenant", outcome.tenant_name.clone()), ("customers", outcome.customers.to_string())]
                    )
                );
            }
            if !no_serve {
                serve_until_signal(config, db, clock, lang, Some(crate::demo::DEMO_API_KEY)).await?;
            }
        }
        Command::InvoiceRun { as_of, dry_run, tenant, json } => {
            db.migrate().await?;
            invoice_run::run(db, config, clock.as_ref(), lang, invoice_run::Args { as_of, dry_run, tenant, json })
                .await?;
        }
        Command::Jobs { command: JobsCommand::Run { job: Job::Collect { as_of } } } => {
            db.migrate().await?;
            let gateways = gateway_adapters::directory::Directory::new();
            let summary =
                billing_core::jobs::collection::run_collection(&db.pool, &gateways, clock.now(), as_of).await?;
            if !summary.ran {
                println!("{}", t(lang, "cli-collect-locked", &[]));
            } else {
                let as_of = as_of.unwrap_or_else(|| clock.now().date_naive()).to_string();
                println!(
                    "{}",
                    t(
                        lang,
                        "cli-collect-summary",
                        &[
                            ("as_of", as_of),
                            ("collected", summary.collected.to_string()),
                            ("failed", summary.failed.to_string()),
                            ("redriven", summary.redriven.to_string()),
                            ("rechecked", summary.rechecked.to_string()),
                            ("skipped", summary.skipped.to_string()),
                        ]
                    )
                );
            }
        }
        Command::Api { tenant, method, path, data, output } => {
            db.migrate().await?;
            let code = api_call(config, db, clock, &tenant, &method, &path, data.as_deref(), output.as_deref()).await?;
            if !(200..300).contains(&code) {
                anyhow::bail!("HTTP {code}");
            }
        }
        Command::Jobs { command: JobsCommand::Run { job: job @ (Job::FinalizeDrafts | Job::ApplyCredit) } } => {
            db.migrate().await?;
            let now = clock.now();
            let (name, count) = match job {
                Job::FinalizeDrafts => {
                    ("finalize-drafts", billing_core::service::invoices::finalize_due_drafts(&db.pool, now).await?)
                }
                _ => (
                    "apply-credit",
                    billing_core::service::invoices::apply_balances_to_open_invoices(&db.pool, now).await?,
                ),
            };
            println!("{}", t(lang, "cli-job-done", &[("name", name.to_string()), ("count", count.to_string())]));
        }
        Command::Jobs { command: JobsCommand::Run { job: Job::ViesRecheck } } => {
            db.migrate().await?;
            let vies = crate::vies::HttpVies::new(&config.vies);
            let s = billing_core::service::vat_check::recheck_unverified(&db.pool, &vies, clock.now(), 1000).await?;
            println!(
                "{}",
                t(
                    lang,
                    "cli-vies-rechecked",
                    &[
                        ("checked", s.checked.to_string()),
                        ("valid", s.valid.to_string()),
                        ("invalid", s.invalid.to_string()),
                        ("unverified", s.still_unverified.to_string()),
                    ]
                )
            );
        }
        Command::FxImport { file, url } => {
            db.migrate().await?;
            let (bytes, source, csv) = match (&file, &url) {
                (_, Some(url)) => {
                    let resp = reqwest::Client::builder()
                        .timeout(std::time::Duration::from_secs(60))
                        .build()?
                        .get(url)
                        .send()
                        .await
                        .with_context(|| format!("downloading {url}"))?
                        .error_for_status()
                        .with_context(|| format!("downloading {url}"))?;
                    let bytes = resp.bytes().await.with_context(|| format!("downloading {url}"))?.to_vec();
                    (bytes, url.clone(), url.to_ascii_lowercase().ends_with(".csv"))
                }
                (Some(file), None) if file.as_os_str() == "-" => {
                    let mut buf = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
                    (buf, "-".to_string(), false)
                }
                (Some(file), None) => (
                    std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
                    file.display().to_string(),
                    file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")),
                ),
                (None, None) => anyhow::bail!("give --file or --url"),
            };
            let parsed = if csv {
                billing_core::fx::parse_ecb_csv(&String::from_utf8_lossy(&bytes))
            } else {
                billing_core::fx::parse_ecb_xml(&bytes)
            }
            .with_context(|| format!("{source} is not an ECB reference-rate file"))?;
            let mut conn = db.pool.acquire().await?;
            let written = billing_core::store::fx::upsert(&mut conn, &parsed.rates, clock.now()).await?;
            let days: std::collections::BTreeSet<_> = parsed.rates.iter().map(|r| r.date).collect();
            println!(
                "{}",
                t(
                    lang,
                    "cli-fx-imported",
                    &[
                        ("rates", written.to_string()),
                        ("days", days.len().to_string()),
                        ("first", days.first().map(|d| d.to_string()).unwrap_or_default()),
                        ("last", days.last().map(|d| d.to_string()).unwrap_or_default()),
                        ("skipped", parsed.skipped.join(", ")),
                    ]
                )
            );
        }
        Command::BankImport { tenant, file, format, layout, json } => {
            db.migrate().await?;
            let options = bank_import::Options { format: format.as_deref(), layout: layout.as_deref(), json };
            bank_import::run(db, clock.as_ref(), lang, &tenant, &file, options).await?;
        }
        Command::Einvoice { command: EinvoiceCommand::Export { tenant, from, to, format, output } } => {
            db.migrate().await?;
            einvoice::export(db, lang, &tenant, from, to, &format, &output).await?;
        }
        Command::Simulate { tenant, file, json } => {
            db.migrate().await?;
            simulate(db, &tenant, &file, json, lang).await?;
        }
        Command::Runs { command } => {
            db.migrate().await?;
            match command {
                RunsCommand::List { tenant, limit, json } => {
                    runs::list(db, tenant.as_deref(), limit, json, lang).await?;
                }
                RunsCommand::Show { id, json } => runs::show(db, &id, json, lang).await?,
                RunsCommand::Report { id, output } => runs::report(db, &id, &output, lang).await?,
            }
        }
        Command::Tenant { command: TenantCommand::Collection { slug, method } } => {
            db.migrate().await?;
            let mut conn = db.pool.acquire().await?;
            let tenant = billing_core::store::tenants::get_by_slug(&mut conn, &slug)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no merchant with slug `{slug}`"))?;
            billing_core::store::runs::set_collection_method(&mut conn, tenant.id, &method).await?;
            println!("{}", t(lang, "cli-tenant-collection-set", &[("tenant", tenant.name), ("method", method)]));
        }
        Command::Tenant {
            command:
                TenantCommand::Create {
                    slug,
                    name,
                    country,
                    timezone,
                    locale,
                    number_format,
                    vat_id,
                    prorate_by_second,
                    profile,
                },
        } => {
            db.migrate().await?;
            let mut conn = db.pool.acquire().await?;
            let input = billing_core::service::tenants::NewTenantInput {
                slug,
                name,
                country,
                timezone,
                default_locale: locale,
                invoice_number_format: number_format,
                vat_id,
                prorate_by_second,
                payment_terms_days: 14,
                profile: profile.into_input(),
            };
            let now = clock.now();
            let tenant = billing_core::service::tenants::create(&mut conn, &input, now).await?;
            let key = billing_core::service::tenants::create_api_key(&mut conn, tenant.id, "initial", now).await?;
            println!(
                "{}",
                t(lang, "cli-tenant-created", &[("tenant", tenant.name.clone()), ("id", tenant.id.to_string())])
            );
            println!("{}", t(lang, "cli-api-key-created", &[("key", key.secret)]));
        }
    }
    Ok(())
}

/// Runs one request through the real router with the merchant set by the operator; prints the
/// JSON answer and returns the status code.
// One argument per part of the HTTP request the operator typed; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
async fn api_call(
    config: &Config,
    db: &Database,
    clock: Arc<dyn Clock>,
    slug: &str,
    method: &str,
    path: &str,
    data: Option<&str>,
    output: Option<&std::path::Path>,
) -> anyhow::Result<u16> {
    use tower::ServiceExt;
    let mut conn = db.pool.acquire().await?;
    let tenant = billing_core::store::tenants::get_by_slug(&mut conn, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no merchant with slug `{slug}`"))?;
    drop(conn);
    let body = match data {
        Some(d) if d.starts_with('@') => {
            std::fs::read_to_string(&d[1..]).with_context(|| format!("reading {}", &d[1..]))?
        }
        Some(d) => d.to_string(),
        None => String::new(),
    };
    let method: axum::http::Method = method.to_ascii_uppercase().parse().context("not an HTTP method")?;
    let mut request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body))
        .context("building the request")?;
    request.extensions_mut().insert(crate::api::extract::OperatorTenant(tenant.id));
    let state =
        AppState::new(db.pool.clone(), clock).with_vat_verifier(Arc::new(crate::vies::HttpVies::new(&config.vies)));
    let response = router(state, config.server.max_body_bytes).oneshot(request).await.context("calling the API")?;
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.context("reading the answer")?;
    if let Some(file) = output.filter(|_| (200..300).contains(&status)) {
        std::fs::write(file, &bytes).with_context(|| format!("writing {}", file.display()))?;
        return Ok(status);
    }
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(v) => println!("{}", serde_json::to_string_pretty(&v)?),
        // A binary answer (a PDF) goes to standard output unchanged, so `> file.pdf` works.
        Err(_) => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(status)
}

async fn simulate(db: &Database, slug: &str, file: &std::path::Path, json: bool, lang: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?
    };
    let scenario: billing_core::service::simulation::Scenario =
        serde_json::from_str(&text).with_context(|| format!("{} is not a valid scenario", file.display()))?;
    let mut conn = db.pool.acquire().await?;
    let tenant = billing_core::store::tenants::get_by_slug(&mut conn, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no merchant with slug `{slug}`"))?;
    let mut tx = conn.begin().await?;
    let result = billing_core::service::simulation::simulate(&mut tx, tenant.id, &scenario).await;
    tx.rollback().await?;
    let result = result?;
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(());
    }
    println!(
        "{}",
        t(lang, "cli-sim-header", &[("start", result.start_date.to_string()), ("end", result.end_date.to_string())])
    );
    for inv in &result.invoices {
        let period = match (inv.period_start, inv.period_end) {
            (Some(a), Some(b)) => format!("{a} – {b}"),
            _ => inv
                .lines
                .first()
                .and_then(|l| l.period_start.zip(l.period_end))
                .map(|(a, b)| format!("{a} – {b}"))
                .unwrap_or_default(),
        };
        println!(
            "  {}  {:<12} {:<25} {:>14}{}",
            inv.issue_date.map(|d| d.to_string()).unwrap_or_default(),
            t(lang, &format!("cli-sim-kind-{}", inv.kind.replace('_', "-")), &[]),
            period,
            inv.total.to_string(),
            if inv.discount.is_zero() { String::new() } else { format!("  (-{})", inv.discount) }
        );
    }
    println!(
        "{}",
        t(
            lang,
            "cli-sim-total",
            &[
                ("count", result.invoices.len().to_string()),
                ("total", result.total.to_string()),
                ("status", result.final_status.to_string())
            ]
        )
    );
    Ok(())
}

async fn serve_until_signal(
    config: &Config,
    db: &Database,
    clock: Arc<dyn Clock>,
    lang: &str,
    demo_key: Option<&str>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.bind_addr())
        .await
        .with_context(|| format!("binding {}", config.server.bind))?;
    let url = format!("http://{}", listener.local_addr()?);
    match demo_key {
        Some(key) => {
            println!("{}", t(lang, "cli-demo-serving", &[("url", url.clone())]));
            println!("{}", t(lang, "cli-demo-api-key", &[("key", key.to_string())]));
            println!("{}", t(lang, "cli-demo-try", &[("key", key.to_string()), ("url", url.clone())]));
            println!("{}", t(lang, "cli-demo-stop", &[]));
        }
        None => println!("{}", t(lang, "cli-serve-listening", &[("url", url.clone())])),
    }
    // Kept alive until the server stops; dropping it stops the scheduled jobs.
    let state = AppState::new(db.pool.clone(), clock.clone())
        .with_vat_verifier(Arc::new(crate::vies::HttpVies::new(&config.vies)));
    let _scheduler = crate::scheduler::start(config, db.pool.clone(), clock, state.gateways.clone()).await?;
    // The sandbox "provider" reports 3-D Secure results and disputes by webhook, like a real one.
    let _sandbox_webhooks = crate::sandbox_webhooks::spawn(state.gateways.clone(), url.replace("0.0.0.0", "127.0.0.1"));
    serve(listener, router(state, config.server.max_body_bytes), shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

fn init_tracing(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("BILLING_LOG").unwrap_or_else(|_| EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if config.log.format == "json" { builder.json().try_init() } else { builder.try_init() };
}
