//! The admin's webhook endpoints (issue 16, issue 14's Settings): the list, adding an endpoint
//! (URL and events), and per endpoint its recent deliveries with a retry, a new signing secret
//! (shown once) and disabling or enabling it. Every change goes through a confirm step with a
//! once-only nonce and a line in the staff audit log.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::ids::{WebhookDeliveryId, WebhookEndpointId};
use billing_core::service::webhook_endpoints::{self as service, EndpointUpdate, NewEndpointInput, WebhookEndpoint};
use billing_core::store::PageRequest;
use serde::Deserialize;
use sqlx::Connection;

use super::ctx::{Chrome, Console};
use super::developers::{ConfirmPage, NumberField, PERMISSION, claim, problem_text, texts, when};
use crate::web::error::{PageError, PageResult};
use crate::web::layout::redirect;

pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub events: String,
    pub description: String,
    pub enabled: bool,
    pub status: String,
    pub secret_hint: String,
    pub created: String,
    /// Why and when the webhook job disabled the endpoint, when it did (docs/adr/0048).
    pub notice: Option<String>,
}

fn endpoint_row(ctx: &Console, e: &WebhookEndpoint) -> EndpointRow {
    let enabled = e.status == "enabled";
    let status = match (enabled, e.disabled_reason.as_deref()) {
        (true, _) => ctx.t("console-webhook-enabled"),
        (false, Some("failing")) => ctx.t("console-webhook-disabled-failing"),
        (false, Some("consecutive_failures")) => ctx.t("webhook-disabled-status-failures"),
        (false, _) => ctx.t("console-webhook-disabled"),
    };
    let notice = match (enabled, e.disabled_reason.as_deref(), e.disabled_at) {
        (false, Some(reason @ ("failing" | "consecutive_failures")), Some(at)) => {
            let key = if reason == "failing" {
                "webhook-disabled-notice-failing"
            } else {
                "webhook-disabled-notice-failures"
            };
            let date = when(ctx, at);
            Some(texts(ctx, key, &[("date", date.as_str())]))
        }
        _ => None,
    };
    EndpointRow {
        id: e.id.to_string(),
        url: e.url.clone(),
        events: e.enabled_events.join(", "),
        description: e.description.clone().unwrap_or_default(),
        enabled,
        status,
        secret_hint: e.secret_hint.clone().unwrap_or_default(),
        created: when(ctx, e.created_at),
        notice,
    }
}

/// The audit log's picture of an endpoint: never its secret.
fn endpoint_json(e: &WebhookEndpoint) -> serde_json::Value {
    serde_json::json!({
        "id": e.id.to_string(),
        "url": e.url,
        "enabled_events": e.enabled_events,
        "status": e.status,
        "secret_hint": e.secret_hint,
        "previous_secret_expires_at": e.previous_secret_expires_at,
    })
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct EndpointsPage<'a> {
    c: &'a Chrome,
    rows: Vec<EndpointRow>,
    url: String,
    events: String,
    description: String,
    error: Option<String>,
    secret: Option<String>,
    done: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    ctx: &Console,
    form: &AddForm,
    error: Option<String>,
    secret: Option<String>,
    done: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let mut conn = ctx.state.pool.acquire().await?;
    let found = service::list(&mut conn, ctx.tenant.id, PageRequest::new(Some(100), None)?).await?;
    drop(conn);
    let rows = found.items.iter().map(|e| endpoint_row(ctx, e)).collect();
    let c = ctx.chrome("console-webhooks-title", "webhooks");
    let page = EndpointsPage {
        c: &c,
        rows,
        url: form.url.clone().unwrap_or_default(),
        events: form.events.clone().unwrap_or_else(|| "*".into()),
        description: form.description.clone().unwrap_or_default(),
        error,
        secret,
        done,
    };
    Ok(ctx.page_with(status, &page))
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /webhooks` (admins).
pub async fn list(ctx: Console) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "webhook_endpoint.list", None, None).await?;
        render_list(&ctx, &AddForm::default(), None, None, None, StatusCode::OK).await
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize, Default)]
pub struct AddForm {
    csrf: Option<String>,
    nonce: Option<String>,
    step: Option<String>,
    url: Option<String>,
    events: Option<String>,
    description: Option<String>,
}

/// The events field: entries separated by commas or spaces.
fn events_of(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// `POST /webhooks`: `step=review` shows the endpoint to be added; `step=confirm` adds it once and
/// shows its signing secret this once.
pub async fn add(ctx: Console, Form(form): Form<AddForm>) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "webhook_endpoint.create", None, None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let url = form.url.as_deref().unwrap_or_default().trim().to_string();
        let events = events_of(form.events.as_deref().unwrap_or_default());
        let description = form.description.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned);
        let problem = if url.is_empty() {
            Some(ctx.t("console-webhook-url-required"))
        } else {
            billing_core::webhook_endpoint::validate_url(&url)
                .and_then(|_| billing_core::events::parse_filters(&events))
                .and_then(|_| billing_core::webhook_endpoint::validate_description(description.as_deref()))
                .err()
                .map(|e| problem_text(&ctx, e))
        };
        if let Some(error) = problem {
            return render_list(&ctx, &form, Some(error), None, None, StatusCode::BAD_REQUEST).await;
        }
        if form.step.as_deref() != Some("confirm") {
            let c = ctx.chrome("console-webhook-review-add", "webhooks");
            let mut facts =
                vec![(ctx.t("console-webhook-url"), url.clone()), (ctx.t("console-webhook-events"), events.join(", "))];
            if let Some(d) = &description {
                facts.push((ctx.t("console-webhook-description"), d.clone()));
            }
            return Ok(ctx.page(&ConfirmPage {
                c: &c,
                back_href: ctx.chrome.href("/webhooks"),
                back_label: ctx.t("console-cancel-button"),
                warning: Some(ctx.t("console-webhook-secret-warning")),
                facts,
                hidden: vec![
                    ("step", "confirm".to_string()),
                    ("url", url.clone()),
                    ("events", events.join(", ")),
                    ("description", description.clone().unwrap_or_default()),
                ],
                number: None,
                nonce: ctx.chrome.nonce(),
                danger: false,
            }));
        }
        let key = secrets_key(&ctx)?;
        let outcome = ctx.chrome.href("/webhooks");
        let mut conn = ctx.state.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        if let Some(previous) = claim(&ctx, &mut tx, form.nonce.as_deref().unwrap_or_default(), &outcome).await? {
            return Ok(redirect(&previous));
        }
        let input = NewEndpointInput { url, enabled_events: events, description };
        let (endpoint, secret) = service::create(&mut tx, ctx.tenant.id, key, &input, ctx.now).await?;
        let target = Some(format!("webhook_endpoint:{}", endpoint.id));
        ctx.audit(&mut tx, "webhook_endpoint.create", "done", target, None, None, None, Some(endpoint_json(&endpoint)))
            .await?;
        tx.commit().await?;
        drop(conn);
        let done = ctx.t("console-webhook-added-done");
        render_list(&ctx, &AddForm::default(), None, Some(secret), Some(done), StatusCode::OK).await
    })
    .await;
    ctx.finish(result)
}

/// The operator's key that seals the endpoints' secrets.
fn secrets_key(ctx: &Console) -> PageResult<&billing_core::secrets::SecretBox> {
    ctx.state.gateways.secrets().map_err(|e| {
        tracing::error!(error = %e, "webhook endpoint secrets: no secrets key");
        PageError::Problem(Box::new(crate::api::error::ApiError::internal()))
    })
}

async fn find(ctx: &Console, id: &str) -> PageResult<WebhookEndpoint> {
    let id: WebhookEndpointId = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = ctx.state.pool.acquire().await?;
    Ok(service::get(&mut conn, ctx.tenant.id, id).await?)
}

pub struct DeliveryRow {
    pub id: String,
    pub event: String,
    pub status: String,
    pub attempts: i32,
    pub response: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "console/webhook.html")]
struct EndpointPage<'a> {
    c: &'a Chrome,
    e: EndpointRow,
    deliveries: Vec<DeliveryRow>,
    secret: Option<String>,
    done: Option<String>,
}

/// How many of the newest deliveries the page lists.
const RECENT: usize = 20;

async fn render_endpoint(
    ctx: &Console,
    endpoint: &WebhookEndpoint,
    secret: Option<String>,
    done: Option<String>,
) -> PageResult<Response> {
    let mut conn = ctx.state.pool.acquire().await?;
    // Oldest first, a page at a time: the newest are on the last page (at most 50 pages read).
    let mut recent = Vec::new();
    let mut after = None;
    for _ in 0..50 {
        let page =
            service::deliveries(&mut conn, ctx.tenant.id, endpoint.id, PageRequest::new(Some(100), after)?).await?;
        after = page.items.last().map(|d| d.id.as_uuid());
        recent.extend(page.items);
        recent.drain(..recent.len().saturating_sub(RECENT));
        if !page.has_more {
            break;
        }
    }
    drop(conn);
    let deliveries = recent
        .iter()
        .rev()
        .map(|d| DeliveryRow {
            id: d.id.to_string(),
            event: d.event_type.clone(),
            status: ctx.t(&format!("console-webhook-delivery-{}", d.status)),
            attempts: d.attempt_count,
            response: match (d.last_response_status, &d.last_error) {
                (Some(s), _) => format!("HTTP {s}"),
                (None, Some(e)) => e.chars().take(120).collect(),
                (None, None) => String::new(),
            },
            created: when(ctx, d.created_at),
        })
        .collect();
    let c = ctx.chrome("console-webhook-title", "webhooks");
    Ok(ctx.page(&EndpointPage { c: &c, e: endpoint_row(ctx, endpoint), deliveries, secret, done }))
}

/// The message of a finished action (`?done=`), from a fixed list.
fn done_text(ctx: &Console, done: Option<&str>) -> Option<String> {
    match done? {
        "disable" => Some(ctx.t("console-webhook-disabled-done")),
        "enable" => Some(ctx.t("console-webhook-enabled-done")),
        "retry" => Some(ctx.t("console-webhook-retried-done")),
        _ => None,
    }
}

/// `GET /webhooks/{id}`: the endpoint with its recent deliveries.
pub async fn detail(
    ctx: Console,
    Path(super::Ids { id, .. }): Path<super::Ids>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "webhook_endpoint.view", Some(format!("webhook_endpoint:{id}")), None).await?;
        let endpoint = find(&ctx, &id).await?;
        render_endpoint(&ctx, &endpoint, None, done_text(&ctx, q.done.as_deref())).await
    })
    .await;
    ctx.finish(result)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Rotate,
    Disable,
    Enable,
}

impl Verb {
    fn parse(s: &str) -> PageResult<Self> {
        match s {
            "rotate" => Ok(Verb::Rotate),
            "disable" => Ok(Verb::Disable),
            "enable" => Ok(Verb::Enable),
            _ => Err(PageError::not_found()),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Verb::Rotate => "rotate",
            Verb::Disable => "disable",
            Verb::Enable => "enable",
        }
    }
}

/// `GET /webhooks/{id}/rotate|disable|enable`: what will happen, with the confirm button.
pub async fn action_page(ctx: Console, Path(super::Ids { id, verb, .. }): Path<super::Ids>) -> Response {
    let result = super::page(async {
        let v = Verb::parse(&verb)?;
        let audit = format!("webhook_endpoint.{}", v.as_str());
        ctx.require(PERMISSION, &audit, Some(format!("webhook_endpoint:{id}")), None).await?;
        let endpoint = find(&ctx, &id).await?;
        let c = ctx.chrome(&format!("console-webhook-review-{}", v.as_str()), "webhooks");
        let number = (v == Verb::Rotate).then(|| NumberField {
            name: "overlap_hours",
            label: ctx.t("console-webhook-overlap"),
            hint: ctx.t("console-webhook-overlap-hint"),
            value: billing_core::webhook_endpoint::DEFAULT_ROTATION_OVERLAP_HOURS,
            min: 0,
            max: billing_core::webhook_endpoint::MAX_ROTATION_OVERLAP_HOURS,
        });
        let warning = match v {
            Verb::Rotate => Some(ctx.t("console-webhook-secret-warning")),
            Verb::Disable => Some(ctx.t("console-webhook-disable-warning")),
            Verb::Enable => None,
        };
        Ok(ctx.page(&ConfirmPage {
            c: &c,
            back_href: ctx.chrome.href(&format!("/webhooks/{}", endpoint.id)),
            back_label: ctx.t("console-cancel-button"),
            warning,
            facts: vec![
                (ctx.t("console-webhook-url"), endpoint.url.clone()),
                (ctx.t("console-webhook-events"), endpoint.enabled_events.join(", ")),
            ],
            hidden: vec![("step", "confirm".to_string())],
            number,
            nonce: ctx.chrome.nonce(),
            danger: v == Verb::Disable,
        }))
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf: Option<String>,
    nonce: Option<String>,
    overlap_hours: Option<String>,
}

/// `POST /webhooks/{id}/rotate|disable|enable`: done once; a rotation shows the new secret once.
pub async fn action(
    ctx: Console,
    Path(super::Ids { id, verb, .. }): Path<super::Ids>,
    Form(form): Form<ActionForm>,
) -> Response {
    let result = super::page(async {
        let v = Verb::parse(&verb)?;
        let audit = format!("webhook_endpoint.{}", v.as_str());
        ctx.require(PERMISSION, &audit, Some(format!("webhook_endpoint:{id}")), None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let before = find(&ctx, &id).await?;
        let overlap = match (v, form.overlap_hours.as_deref().map(str::trim)) {
            (Verb::Rotate, Some(h)) if !h.is_empty() => Some(
                h.parse::<i64>()
                    .ok()
                    .filter(|h| (0..=billing_core::webhook_endpoint::MAX_ROTATION_OVERLAP_HOURS).contains(h))
                    .ok_or_else(|| PageError::bad_request("console-webhook-overlap-invalid"))?,
            ),
            _ => None,
        };
        let base = format!("/webhooks/{}", before.id);
        let outcome = match v {
            Verb::Rotate => ctx.chrome.href(&base),
            _ => ctx.chrome.href(&format!("{base}?done={}", v.as_str())),
        };
        let key = if v == Verb::Rotate { Some(secrets_key(&ctx)?) } else { None };
        let mut conn = ctx.state.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        if let Some(previous) = claim(&ctx, &mut tx, form.nonce.as_deref().unwrap_or_default(), &outcome).await? {
            return Ok(redirect(&previous));
        }
        let (after, secret) = match (v, key) {
            (Verb::Rotate, Some(key)) => {
                // The wall clock: a simulated business clock must not keep an old secret alive.
                let r =
                    service::rotate_secret(&mut tx, ctx.tenant.id, key, before.id, overlap, chrono::Utc::now()).await?;
                let until = when(&ctx, r.previous_secret_expires_at);
                (r.endpoint, Some((r.secret, until)))
            }
            (Verb::Rotate, None) => return Err(PageError::not_found()),
            (Verb::Disable | Verb::Enable, _) => {
                let status = if v == Verb::Disable { "disabled" } else { "enabled" };
                let change = EndpointUpdate { status: Some(status.into()), ..EndpointUpdate::default() };
                (service::update(&mut tx, ctx.tenant.id, before.id, &change, ctx.now).await?, None)
            }
        };
        let target = Some(format!("webhook_endpoint:{}", before.id));
        let (b, a) = (endpoint_json(&before), endpoint_json(&after));
        ctx.audit(&mut tx, &audit, "done", target, None, None, Some(b), Some(a)).await?;
        tx.commit().await?;
        drop(conn);
        match secret {
            Some((secret, until)) => {
                let done = texts(&ctx, "console-webhook-rotated-done", &[("until", until.as_str())]);
                render_endpoint(&ctx, &after, Some(secret), Some(done)).await
            }
            None => Ok(redirect(&outcome)),
        }
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct RetryForm {
    csrf: Option<String>,
    nonce: Option<String>,
}

/// `POST /webhooks/{id}/deliveries/{delivery}/retry`: the delivery is sent again by the next
/// delivery run; once per form.
pub async fn retry(
    ctx: Console,
    Path(super::Ids { id, action: delivery, .. }): Path<super::Ids>,
    Form(form): Form<RetryForm>,
) -> Response {
    let result = super::page(async {
        let target = Some(format!("webhook_delivery:{delivery}"));
        ctx.require(PERMISSION, "webhook_delivery.retry", target.clone(), None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let endpoint = find(&ctx, &id).await?;
        let delivery: WebhookDeliveryId = delivery.parse().map_err(|_| PageError::not_found())?;
        let outcome = ctx.chrome.href(&format!("/webhooks/{}?done=retry", endpoint.id));
        let mut conn = ctx.state.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        if let Some(previous) = claim(&ctx, &mut tx, form.nonce.as_deref().unwrap_or_default(), &outcome).await? {
            return Ok(redirect(&previous));
        }
        let d = match service::redeliver(&mut tx, ctx.tenant.id, delivery, ctx.now).await {
            Ok(d) if d.endpoint == endpoint.id => d,
            Ok(_) => return Err(PageError::not_found()),
            Err(billing_core::Error::WebhookEndpointDisabled) => {
                return Err(PageError::bad_request("console-webhook-retry-disabled"));
            }
            Err(e) => return Err(e.into()),
        };
        let after = serde_json::json!({ "event_type": d.event_type, "status": d.status });
        ctx.audit(&mut tx, "webhook_delivery.retry", "done", target, None, None, None, Some(after)).await?;
        tx.commit().await?;
        Ok(redirect(&outcome))
    })
    .await;
    ctx.finish(result)
}
