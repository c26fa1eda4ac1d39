//! The admin's API keys page (issue 16: keys "created and revoked through the API and the
//! console"): every key with its scopes, prefix, creation, last use and state; creating a key
//! with scopes, rotating it with an overlap and revoking it, each through a confirm step with a
//! once-only nonce and a line in the staff audit log. A secret is shown once, on the page that
//! answers the creation or rotation, and never again (a resubmission is sent to the list).

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::api_keys::{FULL, READ_ONLY, RESOURCES};
use billing_core::ids::ApiKeyId;
use billing_core::service::api_keys;
use billing_core::store::api_keys::ApiKeyRow;
use serde::Deserialize;
use sqlx::Connection;

use super::ctx::{Chrome, Console};
use super::developers::{ConfirmPage, NumberField, PERMISSION, claim, problem_text, texts, when};
use crate::web::error::{PageError, PageResult};
use crate::web::layout::redirect;

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub active: bool,
    /// Until when the secret before the last rotation still works.
    pub overlap: Option<String>,
}

pub struct ScopeOption {
    /// The checkbox's element id.
    pub id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "console/api_keys.html")]
struct KeysPage<'a> {
    c: &'a Chrome,
    rows: Vec<KeyRow>,
    wide: Vec<ScopeOption>,
    resources: Vec<(String, Vec<ScopeOption>)>,
    name: String,
    error: Option<String>,
    secret: Option<String>,
    done: Option<String>,
}

fn row(ctx: &Console, k: &ApiKeyRow) -> KeyRow {
    KeyRow {
        id: k.id.to_string(),
        name: k.name.clone(),
        scopes: k.scopes.join(", "),
        prefix: k.prefix.clone(),
        created: when(ctx, k.created_at),
        last_used: k.last_used_at.map_or_else(|| ctx.t("console-api-key-never"), |t| when(ctx, t)),
        active: k.revoked_at.is_none(),
        overlap: k.previous_expires_at.filter(|t| *t > ctx.now && k.revoked_at.is_none()).map(|t| when(ctx, t)),
    }
}

/// The audit log's picture of a key: never its secret.
fn key_json(k: &ApiKeyRow) -> serde_json::Value {
    serde_json::json!({
        "id": k.id.to_string(),
        "name": k.name,
        "scopes": k.scopes,
        "prefix": k.prefix,
        "revoked_at": k.revoked_at,
        "previous_secret_expires_at": k.previous_expires_at,
    })
}

#[allow(clippy::too_many_arguments)]
async fn render(
    ctx: &Console,
    name: String,
    chosen: &[String],
    error: Option<String>,
    secret: Option<String>,
    done: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let mut conn = ctx.state.pool.acquire().await?;
    let keys = api_keys::list(&mut conn, ctx.tenant.id).await?;
    drop(conn);
    let rows = keys.iter().map(|k| row(ctx, k)).collect();
    let option = |value: String, label: String| ScopeOption {
        id: format!("scope-{}", value.replace(':', "-")),
        checked: chosen.contains(&value),
        value,
        label,
    };
    let wide = vec![
        option(FULL.into(), ctx.t("console-api-key-scope-full")),
        option(READ_ONLY.into(), ctx.t("console-api-key-scope-read-only")),
    ];
    let resources = RESOURCES
        .iter()
        .filter(|(r, _)| *r != "api_keys")
        .map(|(r, _)| {
            let both = ["read", "write"]
                .into_iter()
                .map(|a| option(format!("{r}:{a}"), ctx.t(&format!("console-api-key-access-{a}"))))
                .collect();
            (r.to_string(), both)
        })
        .collect();
    let c = ctx.chrome("console-api-keys-title", "api-keys");
    Ok(ctx.page_with(status, &KeysPage { c: &c, rows, wide, resources, name, error, secret, done }))
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The message of a finished action (`?done=`), from a fixed list.
fn done_text(ctx: &Console, done: Option<&str>) -> Option<String> {
    match done? {
        "revoke" => Some(ctx.t("console-api-key-revoked-done")),
        _ => None,
    }
}

/// `GET /api-keys` (admins).
pub async fn list(ctx: Console, Query(q): Query<DoneQuery>) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "api_key.list", None, None).await?;
        render(&ctx, String::new(), &[], None, None, done_text(&ctx, q.done.as_deref()), StatusCode::OK).await
    })
    .await;
    ctx.finish(result)
}

/// The fields of the create form; `scopes` repeats, so the form comes as pairs.
struct CreateForm {
    csrf: Option<String>,
    nonce: String,
    step: String,
    name: String,
    scopes: Vec<String>,
}

impl CreateForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f =
            CreateForm { csrf: None, nonce: String::new(), step: String::new(), name: String::new(), scopes: vec![] };
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = Some(v),
                "nonce" => f.nonce = v,
                "step" => f.step = v,
                "name" => f.name = v.trim().to_string(),
                "scopes" => f.scopes.push(v),
                _ => {}
            }
        }
        f
    }
}

/// `POST /api-keys`: `step=review` shows the key to be made; `step=confirm` makes it once and
/// shows its secret this once.
pub async fn create(ctx: Console, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "api_key.create", None, None).await?;
        let form = CreateForm::from_pairs(pairs);
        ctx.check_csrf(form.csrf.as_deref())?;
        let problem = if form.name.is_empty() {
            Some(ctx.t("console-api-key-name-required"))
        } else if form.scopes.is_empty() {
            Some(ctx.t("console-api-key-scopes-required"))
        } else {
            billing_core::catalog::validate_name("name", &form.name)
                .and_then(|_| billing_core::api_keys::parse_scopes(&form.scopes))
                .err()
                .map(|e| problem_text(&ctx, e))
        };
        if let Some(error) = problem {
            return render(&ctx, form.name, &form.scopes, Some(error), None, None, StatusCode::BAD_REQUEST).await;
        }
        if form.step != "confirm" {
            let c = ctx.chrome("console-api-key-review-create", "api-keys");
            let mut hidden = vec![("step", "confirm".to_string()), ("name", form.name.clone())];
            hidden.extend(form.scopes.iter().map(|s| ("scopes", s.clone())));
            return Ok(ctx.page(&ConfirmPage {
                c: &c,
                back_href: ctx.chrome.href("/api-keys"),
                back_label: ctx.t("console-cancel-button"),
                warning: Some(ctx.t("console-api-key-secret-warning")),
                facts: vec![
                    (ctx.t("console-api-key-name"), form.name.clone()),
                    (ctx.t("console-api-key-scopes"), form.scopes.join(", ")),
                ],
                hidden,
                number: None,
                nonce: ctx.chrome.nonce(),
                danger: false,
            }));
        }
        let outcome = ctx.chrome.href("/api-keys");
        let mut conn = ctx.state.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        if let Some(previous) = claim(&ctx, &mut tx, &form.nonce, &outcome).await? {
            return Ok(redirect(&previous));
        }
        let issued = api_keys::create(&mut tx, ctx.tenant.id, &form.name, &form.scopes, ctx.now).await?;
        let target = Some(format!("api_key:{}", issued.key.id));
        ctx.audit(&mut tx, "api_key.create", "done", target, None, None, None, Some(key_json(&issued.key))).await?;
        tx.commit().await?;
        drop(conn);
        let done = ctx.chrome.t1("console-api-key-created-done", "name", &issued.key.name);
        render(&ctx, String::new(), &[], None, Some(issued.secret), Some(done), StatusCode::OK).await
    })
    .await;
    ctx.finish(result)
}

/// The key `id` of this merchant; another merchant's or an unknown one is not found.
async fn find(ctx: &Console, id: &str) -> PageResult<ApiKeyRow> {
    let id: ApiKeyId = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = ctx.state.pool.acquire().await?;
    let keys = api_keys::list(&mut conn, ctx.tenant.id).await?;
    keys.into_iter().find(|k| k.id == id && k.revoked_at.is_none()).ok_or_else(PageError::not_found)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Rotate,
    Revoke,
}

impl Verb {
    fn parse(s: &str) -> PageResult<Self> {
        match s {
            "rotate" => Ok(Verb::Rotate),
            "revoke" => Ok(Verb::Revoke),
            _ => Err(PageError::not_found()),
        }
    }

    fn audit_name(self) -> &'static str {
        match self {
            Verb::Rotate => "api_key.rotate",
            Verb::Revoke => "api_key.revoke",
        }
    }
}

/// `GET /api-keys/{id}/rotate|revoke`: what will happen, with the confirm button.
pub async fn action_page(ctx: Console, Path(super::Ids { id, verb, .. }): Path<super::Ids>) -> Response {
    let result = super::page(async {
        let v = Verb::parse(&verb)?;
        ctx.require(PERMISSION, v.audit_name(), Some(format!("api_key:{id}")), None).await?;
        let key = find(&ctx, &id).await?;
        let title = match v {
            Verb::Rotate => "console-api-key-review-rotate",
            Verb::Revoke => "console-api-key-review-revoke",
        };
        let c = ctx.chrome(title, "api-keys");
        let number = (v == Verb::Rotate).then(|| NumberField {
            name: "overlap_hours",
            label: ctx.t("console-api-key-overlap"),
            hint: ctx.t("console-api-key-overlap-hint"),
            value: 24,
            min: 0,
            max: 720,
        });
        let warning = match v {
            Verb::Rotate => ctx.t("console-api-key-secret-warning"),
            Verb::Revoke => ctx.t("console-api-key-revoke-warning"),
        };
        Ok(ctx.page(&ConfirmPage {
            c: &c,
            back_href: ctx.chrome.href("/api-keys"),
            back_label: ctx.t("console-cancel-button"),
            warning: Some(warning),
            facts: vec![
                (ctx.t("console-api-key-name"), key.name.clone()),
                (ctx.t("console-api-key-prefix"), key.prefix.clone()),
                (ctx.t("console-api-key-scopes"), key.scopes.join(", ")),
            ],
            hidden: vec![("step", "confirm".to_string())],
            number,
            nonce: ctx.chrome.nonce(),
            danger: v == Verb::Revoke,
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

/// `POST /api-keys/{id}/rotate|revoke`: done once; a rotation shows the new secret this once.
pub async fn action(
    ctx: Console,
    Path(super::Ids { id, verb, .. }): Path<super::Ids>,
    Form(form): Form<ActionForm>,
) -> Response {
    let result = super::page(async {
        let v = Verb::parse(&verb)?;
        ctx.require(PERMISSION, v.audit_name(), Some(format!("api_key:{id}")), None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let key = find(&ctx, &id).await?;
        let overlap = match (v, form.overlap_hours.as_deref().map(str::trim)) {
            (Verb::Rotate, Some(h)) if !h.is_empty() => Some(
                h.parse::<i64>()
                    .ok()
                    .filter(|h| (0..=720).contains(h))
                    .ok_or_else(|| PageError::bad_request("console-api-key-overlap-invalid"))?,
            ),
            _ => None,
        };
        let outcome = match v {
            Verb::Rotate => ctx.chrome.href("/api-keys"),
            Verb::Revoke => ctx.chrome.href("/api-keys?done=revoke"),
        };
        let mut conn = ctx.state.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        if let Some(previous) = claim(&ctx, &mut tx, form.nonce.as_deref().unwrap_or_default(), &outcome).await? {
            return Ok(redirect(&previous));
        }
        let target = Some(format!("api_key:{}", key.id));
        let (after, secret) = match v {
            Verb::Rotate => {
                let issued = api_keys::rotate(&mut tx, ctx.tenant.id, key.id, overlap, ctx.now).await?;
                (issued.key, Some(issued.secret))
            }
            Verb::Revoke => (api_keys::revoke(&mut tx, ctx.tenant.id, key.id, ctx.now).await?, None),
        };
        ctx.audit(&mut tx, v.audit_name(), "done", target, None, None, Some(key_json(&key)), Some(key_json(&after)))
            .await?;
        tx.commit().await?;
        drop(conn);
        // This process forgets the key at once (the others hear of it from PostgreSQL).
        if let Some(cache) = &ctx.state.api_keys {
            cache.invalidate();
        }
        match secret {
            Some(secret) => {
                let until = after.previous_expires_at.map_or_else(String::new, |t| when(&ctx, t));
                let done = texts(
                    &ctx,
                    "console-api-key-rotated-done",
                    &[("name", after.name.as_str()), ("until", until.as_str())],
                );
                render(&ctx, String::new(), &[], None, Some(secret), Some(done), StatusCode::OK).await
            }
            None => Ok(redirect(&outcome)),
        }
    })
    .await;
    ctx.finish(result)
}
