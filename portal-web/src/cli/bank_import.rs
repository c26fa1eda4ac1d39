//! `billing bank-import`: reconcile a bank statement file (camt.053 XML or CSV) for one merchant,
//! exactly as `POST /api/v1/bank_statements` does.

use std::path::Path;

use super::{Ctx, t};
use crate::i18n::I18n;
use crate::ops::bank_import::{self, ImportError, StatementFormat};

/// How to read the file and what to print.
pub struct Options<'a> {
    /// camt053 or csv; by default from the file extension.
    pub format: Option<&'a str>,
    /// The CSV layout (german, english); by default recognized from the header row.
    pub layout: Option<&'a str>,
    /// Print every entry's outcome as JSON.
    pub json: bool,
}

pub async fn run(ctx: &Ctx, slug: &str, file: &Path, options: Options<'_>) -> anyhow::Result<()> {
    let lang = ctx.lang;
    let Options { format, layout, json } = options;
    // An input problem in the language asked for, as the API words it; an engine error as the
    // other commands show theirs.
    let message = |e: ImportError| match (e.problem(), e) {
        (Some(p), _) => anyhow::anyhow!("{}", I18n::global().message(lang, p.message_id, &p.args)),
        (None, ImportError::Core { error, .. }) => anyhow::Error::from(error),
        (None, other) => anyhow::anyhow!("{other:?}"),
    };
    let layout = bank_import::csv_layout(layout).map_err(message)?;
    let bytes = ctx.read_input(file)?;
    // Without --format the file's extension decides: .csv is CSV, anything else camt.053 XML.
    let format = match format {
        Some(f) => StatementFormat::parse(f).ok_or_else(|| anyhow::anyhow!("unknown format `{f}`"))?,
        None if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) => StatementFormat::Csv,
        None => StatementFormat::Camt053,
    };
    let tenant = super::tenant::by_slug(ctx, slug).await?;
    let result = bank_import::import(&ctx.db().pool, tenant.id, &bytes, format, layout.as_ref(), ctx.clock().now())
        .await
        .map_err(message)?;
    if json {
        ctx.out.line(serde_json::to_string_pretty(&result)?);
    } else {
        ctx.out.line(t(
            lang,
            "cli-bank-imported",
            &[
                ("id", result.id.to_string()),
                ("entries", result.entries.len().to_string()),
                ("matched", result.matched.to_string()),
                ("unmatched", result.unmatched.to_string()),
                ("ambiguous", result.ambiguous.to_string()),
            ],
        ));
    }
    Ok(())
}
