//! Where the ECB's reference rates come from for `billing fx-import` and the `fx-import` job:
//! a URL (the ECB's daily file) or the newest `.xml`/`.csv` file in a folder (docs/adr/0037).
//! The parsing and the upsert are `billing_core::service::fx_import`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use billing_core::service::fx_import::{self, FxImport};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::config::FxConfig;

/// A file's bytes and the name it is known by (for messages; its extension says CSV or XML).
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub name: String,
}

/// Downloads `url` (a minute at most).
pub async fn download(url: &str) -> anyhow::Result<Fetched> {
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
    Ok(Fetched { bytes, name: url.to_string() })
}

/// The newest (last modified; by name on a tie) `.xml` or `.csv` file in `folder`.
pub fn newest_in(folder: &Path) -> anyhow::Result<PathBuf> {
    let mut best: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(folder).with_context(|| format!("reading fx.folder {}", folder.display()))? {
        let path = entry?.path();
        let rates_file = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("xml") || e.eq_ignore_ascii_case("csv"));
        if !rates_file || !path.is_file() {
            continue;
        }
        let modified = std::fs::metadata(&path)?.modified()?;
        if best.as_ref().is_none_or(|(m, p)| (modified, &path) > (*m, p)) {
            best = Some((modified, path));
        }
    }
    best.map(|(_, p)| p).with_context(|| format!("fx.folder {} holds no .xml or .csv file", folder.display()))
}

/// The configured source's file; `None` when `[fx]` names none.
pub async fn fetch(config: &FxConfig) -> anyhow::Result<Option<Fetched>> {
    let (url, folder) = (config.url.trim(), config.folder.trim());
    if !url.is_empty() {
        return download(url).await.map(Some);
    }
    if !folder.is_empty() {
        let path = newest_in(Path::new(folder))?;
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        return Ok(Some(Fetched { bytes, name: path.display().to_string() }));
    }
    Ok(None)
}

/// The `fx-import` job: the configured file imported; `None` when `[fx]` names no source.
pub async fn run(pool: &PgPool, config: &FxConfig, now: DateTime<Utc>) -> anyhow::Result<Option<FxImport>> {
    let Some(file) = fetch(config).await? else { return Ok(None) };
    let mut conn = pool.acquire().await?;
    let csv = fx_import::is_csv(&file.name);
    Ok(Some(fx_import::import(&mut conn, &file.bytes, csv, &file.name, now).await?))
}
