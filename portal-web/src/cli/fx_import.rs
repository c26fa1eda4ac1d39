//! `billing fx-import`: ECB euro reference rates from a file, standard input or a URL (the
//! parsing and upsert are `billing_core::service::fx_import`, shared with the `fx-import` job).

use std::path::Path;

use billing_core::service::fx_import::{self, FxImport};

use super::{Ctx, t};

pub async fn run(ctx: &Ctx, file: Option<&Path>, url: Option<&str>) -> anyhow::Result<()> {
    let fetched = match (file, url) {
        (_, Some(url)) => crate::fx_source::download(url).await?,
        (Some(file), None) => {
            crate::fx_source::Fetched { bytes: ctx.read_input(file)?, name: file.display().to_string() }
        }
        (None, None) => anyhow::bail!("give --file or --url"),
    };
    let mut conn = ctx.db().pool.acquire().await?;
    let csv = fx_import::is_csv(&fetched.name);
    let done = fx_import::import(&mut conn, &fetched.bytes, csv, &fetched.name, ctx.clock().now()).await?;
    print_summary(ctx, &done);
    Ok(())
}

/// The one-line summary of an import.
pub fn print_summary(ctx: &Ctx, done: &FxImport) {
    ctx.out.line(t(
        ctx.lang,
        "cli-fx-imported",
        &[
            ("rates", done.rates.to_string()),
            ("days", done.days.to_string()),
            ("first", done.first.map(|d| d.to_string()).unwrap_or_default()),
            ("last", done.last.map(|d| d.to_string()).unwrap_or_default()),
            ("skipped", done.skipped.join(", ")),
        ],
    ));
}
