//! Surveys in the portal (docs/adr/0029): the NPS question on the overview, CSAT and CES after a
//! completed self-service action, each one form (a radio group in a fieldset with its legend)
//! that can be answered or dismissed. Which survey is asked, and when, is
//! `billing_core::survey`'s rule; storing goes through `service::surveys`.

use axum::extract::Form;
use axum::response::Response;
use billing_core::service::surveys::{self, Answer};
use billing_core::survey::{Offer, SurveyKind};
use serde::Deserialize;
use sqlx::PgConnection;

use super::ctx::Portal;
use super::once;
use crate::web::error::{PageError, PageResult};
use crate::web::session::form_nonce;

/// A survey form as the page shows it.
pub struct SurveyView {
    pub kind: &'static str,
    pub legend: String,
    pub hint: String,
    pub scores: Vec<i16>,
    pub context_event: Option<i64>,
    /// The NPS asks for a comment too.
    pub comment: bool,
    /// The page to come back to (below the portal's root).
    pub back: String,
    pub nonce: String,
}

fn view(ctx: &Portal, o: &Offer) -> SurveyView {
    let (lo, hi) = o.kind.scale();
    let legend = match (o.kind, o.context_action.as_deref()) {
        (SurveyKind::Nps, _) => ctx.chrome.t1("portal-nps-question", "tenant", &ctx.tenant.name),
        (SurveyKind::Ces, _) => ctx.t("portal-ces-question"),
        (SurveyKind::Csat, Some(action)) => ctx.t(&format!("portal-csat-{}", action.replace('_', "-"))),
        (SurveyKind::Csat, None) => ctx.t("portal-csat-change-plan"),
    };
    let hint = ctx.t(match o.kind {
        SurveyKind::Nps => "portal-nps-scale",
        SurveyKind::Csat => "portal-csat-scale",
        SurveyKind::Ces => "portal-ces-scale",
    });
    SurveyView {
        kind: o.kind.as_str(),
        legend,
        hint,
        scores: (lo..=hi).collect(),
        context_event: o.context_event,
        comment: o.kind == SurveyKind::Nps,
        back: ctx.chrome.path.clone(),
        nonce: form_nonce(),
    }
}

/// The survey of the overview: an action's survey, else the NPS question when it is due.
pub async fn overview_survey(ctx: &Portal, conn: &mut PgConnection) -> PageResult<Option<SurveyView>> {
    survey(ctx, conn, true).await
}

/// The survey of the other pages: only an action's survey.
pub async fn action_survey(ctx: &Portal, conn: &mut PgConnection) -> PageResult<Option<SurveyView>> {
    survey(ctx, conn, false).await
}

async fn survey(ctx: &Portal, conn: &mut PgConnection, nps_here: bool) -> PageResult<Option<SurveyView>> {
    let Some(customer) = ctx.customer.as_ref() else { return Ok(None) };
    // A merchant's single flow shows no survey: the customer goes back to the app.
    if ctx.chrome.flow.is_some() {
        return Ok(None);
    }
    let offer = surveys::offer(conn, ctx.tenant.id, customer.id, nps_here, ctx.now).await?;
    Ok(offer.map(|o| view(ctx, &o)))
}

#[derive(Deserialize)]
pub struct SurveyForm {
    csrf: Option<String>,
    nonce: Option<String>,
    kind: Option<String>,
    score: Option<String>,
    comment: Option<String>,
    event: Option<i64>,
    back: Option<String>,
    /// `answer` or `dismiss`.
    action: Option<String>,
}

/// A page path the form may return to: the portal's own, never another site.
fn safe_back(back: Option<&str>) -> &str {
    match back {
        Some(b)
            if b.starts_with('/')
                && !b.starts_with("//")
                && b.len() <= 200
                && b.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-')) =>
        {
            b
        }
        _ => "/",
    }
}

/// `POST /surveys`: an answer or a dismissal, once. A form for a survey that is not being asked
/// (already answered, the waiting period not over) changes nothing.
pub async fn submit(ctx: Portal, Form(form): Form<SurveyForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let kind = form.kind.as_deref().and_then(SurveyKind::parse).ok_or_else(PageError::not_found)?;
        let dismiss = form.action.as_deref() == Some("dismiss");
        let score = if dismiss {
            None
        } else {
            let s = form.score.as_deref().and_then(|s| s.trim().parse::<i16>().ok());
            match s {
                Some(s) if kind.accepts(s) => Some(s),
                _ => return Err(PageError::bad_request("portal-survey-score-missing")),
            }
        };
        let answer = Answer { kind, score, comment: form.comment.clone(), context_event: form.event };
        let back = safe_back(form.back.as_deref());
        let to = format!("{}?done=survey", ctx.chrome.href(back));
        let (tenant, now) = (ctx.tenant.id, ctx.now);
        once(&ctx, form.nonce.as_deref(), to, move |conn| {
            Box::pin(async move {
                surveys::answer(conn, tenant, customer, &answer, now).await?;
                Ok(())
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}

#[cfg(test)]
mod tests {
    use super::safe_back;

    #[test]
    fn the_form_returns_only_to_a_page_of_the_portal() {
        assert_eq!(safe_back(Some("/payment-methods")), "/payment-methods");
        assert_eq!(safe_back(Some("/invoices/in_0ABC")), "/invoices/in_0ABC");
        assert_eq!(safe_back(Some("//evil.example")), "/");
        assert_eq!(safe_back(Some("https://evil.example")), "/");
        assert_eq!(safe_back(Some("/x?y=1")), "/");
        assert_eq!(safe_back(None), "/");
    }
}
