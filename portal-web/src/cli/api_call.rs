//! `billing api --tenant SLUG METHOD PATH`: one REST operation as a merchant, through the real
//! router, in-process.

use std::path::Path;

use anyhow::Context;
use tower::ServiceExt;

use super::Ctx;
use crate::app::router_with;

/// Runs one request with the merchant set by the operator; prints the answer and returns the
/// status code.
pub async fn run(
    ctx: &Ctx,
    slug: &str,
    method: &str,
    path: &str,
    data: Option<&str>,
    output: Option<&Path>,
) -> anyhow::Result<u16> {
    let tenant = super::tenant::by_slug(ctx, slug).await?;
    let body = match data {
        Some(d) if d.starts_with('@') => String::from_utf8(ctx.read_input(Path::new(&d[1..]))?)
            .with_context(|| format!("{} is not UTF-8 text", &d[1..]))?,
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
    let app = router_with(ctx.app_state(), &ctx.config().http_options());
    let response = app.oneshot(request).await.context("calling the API")?;
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.context("reading the answer")?;
    if let Some(file) = output.filter(|_| (200..300).contains(&status)) {
        let file = ctx.path(file);
        std::fs::write(&file, &bytes).with_context(|| format!("writing {}", file.display()))?;
        return Ok(status);
    }
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(v) => ctx.out.line(serde_json::to_string_pretty(&v)?),
        // A binary answer (a PDF) goes to standard output unchanged, so `> file.pdf` works.
        Err(_) => ctx.out.write(&bytes),
    }
    Ok(status)
}
