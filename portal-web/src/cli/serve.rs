//! `billing serve` and `billing demo`: serve the HTTP API with the scheduled jobs until a signal.

use anyhow::Context;

use super::{Ctx, t};
use crate::app::{metrics_router, router_with, serve_with};

/// `billing demo`: seed the demo merchant once, then serve (unless `--no-serve`).
pub async fn demo(ctx: &Ctx, no_serve: bool) -> anyhow::Result<()> {
    let lang = ctx.lang;
    let history = crate::demo_history::enabled();
    let outcome = crate::demo::seed_with(&ctx.db().pool, ctx.clock().now(), history).await?;
    crate::demo::seed_console_staff(&ctx.db().pool, ctx.clock().now()).await?;
    if outcome.created {
        ctx.out.line(t(
            lang,
            "cli-demo-seeded",
            &[
                ("tenant", outcome.tenant_name.clone()),
                ("customers", outcome.customers.to_string()),
                ("subscriptions", outcome.subscriptions.to_string()),
            ],
        ));
    } else {
        ctx.out.line(t(
            lang,
            "cli-demo-reused",
            &[("tenant", outcome.tenant_name.clone()), ("customers", outcome.customers.to_string())],
        ));
    }
    if !no_serve {
        serve(ctx, Some(crate::demo::DEMO_API_KEY)).await?;
    }
    Ok(())
}

/// Serves until SIGINT/SIGTERM; with `demo_key`, prints how to try the demo.
pub async fn serve(ctx: &Ctx, demo_key: Option<&str>) -> anyhow::Result<()> {
    let (config, lang) = (ctx.config(), ctx.lang);
    let listener = tokio::net::TcpListener::bind(config.bind_addr())
        .await
        .with_context(|| format!("binding {}", config.server.bind))?;
    let url = format!("http://{}", listener.local_addr()?);
    match demo_key {
        Some(key) => {
            ctx.out.line(t(lang, "cli-demo-serving", &[("url", url.clone())]));
            ctx.out.line(t(lang, "cli-demo-api-key", &[("key", key.to_string())]));
            ctx.out.line(t(lang, "cli-demo-try", &[("key", key.to_string()), ("url", url.clone())]));
            let portal = format!("{}/p/{}/sign-in", url.replace("0.0.0.0", "127.0.0.1"), crate::demo::DEMO_SLUG);
            ctx.out.line(t(lang, "portal-cli-demo-portal", &[("url", portal)]));
            ctx.out.line(t(lang, "portal-cli-demo-sign-in", &[("email", crate::demo::DEMO_PORTAL_EMAIL.to_string())]));
            let console = format!("{}/c/{}/sign-in", url.replace("0.0.0.0", "127.0.0.1"), crate::demo::DEMO_SLUG);
            ctx.out.line(t(lang, "console-cli-demo-console", &[("url", console)]));
            for (email, role, password) in crate::demo::DEMO_STAFF {
                let args =
                    [("email", email.to_string()), ("password", password.to_string()), ("role", role.to_string())];
                ctx.out.line(t(lang, "console-cli-demo-staff", &args));
            }
            if config.mail.host.is_empty() {
                let folder = config.mail.folder_or(&config.database.embedded_dir);
                ctx.out.line(t(lang, "mail-cli-demo-folder", &[("folder", folder.display().to_string())]));
            }
            ctx.out.line(t(lang, "cli-demo-stop", &[]));
        }
        None => ctx.out.line(t(lang, "cli-serve-listening", &[("url", url.clone())])),
    }
    let simulated = config.clock.simulated_file.trim();
    if !simulated.is_empty() {
        // Loud: a server on a simulated clock invoices, collects and mails by a time that is not
        // today's. Only for tests and staging.
        let now = ctx.clock().now().to_rfc3339();
        tracing::warn!(file = simulated, now = %now, "SIMULATED CLOCK: every job and the API run on the time in this file");
        eprintln!("{}", t(lang, "jobs-simulated-clock", &[("file", simulated.to_string()), ("now", now)]));
    }
    let pool = ctx.db().pool.clone();
    let mut state = super::new_app_state(config, ctx.db(), ctx.clock());
    if demo_key.is_some() {
        // The demo is served over plain http on this machine: cookies without `Secure`, links to
        // the address it listens on.
        state = state.with_portal(crate::config::PortalConfig {
            public_url: Some(url.replace("0.0.0.0", "127.0.0.1")),
            secure_cookies: false,
            ..config.portal.clone()
        });
    }
    // API keys from memory; a listener empties the cache on every change to `api_keys`. The
    // embedded database has no connection to spare for it: the cache follows the version counter.
    let cache = std::sync::Arc::new(crate::api_key_cache::ApiKeyCache::default());
    let _api_key_listener = match ctx.db().mode {
        crate::db::DatabaseMode::Server => Some(crate::api_key_cache::spawn_listener(pool.clone(), cache.clone())),
        crate::db::DatabaseMode::Embedded { .. } => None,
    };
    state = state.with_api_key_cache(cache);
    ctx.shared.serving(&url, &state)?;
    // Kept alive until the server stops; dropping it stops the scheduled jobs.
    let _scheduler = crate::scheduler::start(config, pool, ctx.clock(), state.gateways.clone()).await?;
    // The sandbox "provider" reports 3-D Secure results and disputes by webhook, like a real one.
    let _sandbox_webhooks = crate::sandbox_webhooks::spawn(state.gateways.clone(), url.replace("0.0.0.0", "127.0.0.1"));
    // `/metrics` on its own address when configured: off the public port.
    let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    let metrics_server = if config.metrics.bind.is_empty() {
        None
    } else {
        let listener = tokio::net::TcpListener::bind(&config.metrics.bind)
            .await
            .with_context(|| format!("binding metrics.bind {}", config.metrics.bind))?;
        Some(tokio::spawn(serve_with(
            listener,
            metrics_router(state.clone()),
            config.serve_limits(),
            None,
            async move {
                let _ = metrics_stopped.await;
            },
        )))
    };
    let metrics = state.metrics.clone();
    serve_with(
        listener,
        router_with(state, &config.http_options()),
        config.serve_limits(),
        Some(metrics),
        shutdown_signal(),
    )
    .await?;
    let _ = stop_metrics.send(());
    if let Some(server) = metrics_server {
        let _ = server.await;
    }
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
