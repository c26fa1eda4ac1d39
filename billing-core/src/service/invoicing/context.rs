//! What every chunk of one tenant's run shares: the seller, the number series, the dates, the
//! rates for the Art. 230 statement and the Art. 59c turnover, loaded once per run.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::invoice::{NumberFormat, document_vat};
use crate::rounding::RoundingPolicy;
use crate::store;

/// What every chunk of one tenant's run shares.
pub(super) struct TenantContext {
    pub(super) tenant_id: TenantId,
    pub(super) timezone: chrono_tz::Tz,
    pub(super) seller: crate::tax::SellerProfile,
    pub(super) trust_check_digits: bool,
    /// The seller's national currency (EU sellers) and the ECB rates from the earliest due
    /// period's start (less the Art. 230 window) up to the as-of date.
    pub(super) national: Option<(crate::currency::Currency, crate::fx::RateTable)>,
    pub(super) format: NumberFormat,
    pub(super) series: String,
    pub(super) issue_date: NaiveDate,
    pub(super) due_date: NaiveDate,
    pub(super) policy: RoundingPolicy,
    /// The merchant charges payment methods automatically: a customer without one is an exception.
    pub(super) collects_automatically: bool,
    /// For a seller using the Art. 59c threshold: its cross-border B2C turnover so far (this run's
    /// invoices are added as they are decided) and the rates that convert it to EUR.
    pub(super) art59c: Option<(std::sync::Mutex<crate::tax::art59c::Turnover>, crate::fx::RateTable)>,
    /// Invoices stay drafts this long (one-off lines can be added) before the finalize-drafts job
    /// numbers them; 0 finalizes them at once.
    pub(super) draft_hours: i32,
    /// The seller as its e-invoices will show it, to warn about customers whose chosen
    /// e-invoice format lacks data (`ExceptionCode::EInvoiceDataMissing`).
    pub(super) einvoice_seller: (crate::party::SellerSnapshot, crate::einvoice::SellerFacts),
}

impl TenantContext {
    pub(super) async fn load(conn: &mut PgConnection, tenant_id: TenantId, as_of: NaiveDate) -> Result<Self> {
        let tenant =
            store::tenants::get(conn, tenant_id).await?.ok_or_else(|| Error::not_found("tenant", tenant_id))?;
        let format = NumberFormat::parse(&tenant.invoice_number_format)?;
        let series = format.series(as_of);
        let national = match tenant.country.eu_national_currency().map(crate::currency::Currency::from_code) {
            Some(Ok(currency)) => {
                // Each invoice's VAT is stated at the rate of its own supply date, which for a
                // subscription catching up on past periods lies before the as-of date.
                let earliest = store::subscriptions::earliest_due_start(conn, tenant_id, as_of).await?;
                let from = earliest.unwrap_or(as_of).min(as_of);
                let window = Duration::days(crate::fx::ART230_RATE_WINDOW_DAYS);
                Some((currency, store::fx::table_between(conn, from - window, as_of).await?))
            }
            _ => None,
        };
        let (_, draft_hours) = store::tenants::draft_hours(conn, tenant_id).await?;
        let art59c = if tenant.tax.b2c_threshold_opt {
            let (turnover, rates) = crate::service::invoices::threshold::load(conn, tenant_id, as_of).await?;
            Some((std::sync::Mutex::new(turnover), rates))
        } else {
            None
        };
        let einvoice_seller =
            (crate::party::SellerSnapshot::of(&tenant), store::einvoice::seller_facts(conn, tenant_id).await?);
        Ok(Self {
            einvoice_seller,
            draft_hours,
            art59c,
            national,
            tenant_id,
            timezone: tenant.timezone,
            seller: tenant.seller_profile(),
            trust_check_digits: tenant.tax.trust_check_digits,
            format,
            series,
            issue_date: as_of,
            due_date: as_of + Duration::days(i64::from(tenant.payment_terms_days)),
            policy: RoundingPolicy::default(),
            collects_automatically: store::runs::collects_automatically(conn, tenant_id).await?,
        })
    }
}

impl TenantContext {
    /// Art. 230 Directive 2006/112/EC: the VAT of an invoice in another currency, converted into
    /// the seller's national currency with the ECB rate of the day the VAT is decided for (the
    /// supply date), or the last publication before it within `fx::ART230_RATE_WINDOW_DAYS`.
    /// `Ok(None)` when not needed (same currency, no VAT, seller outside the EU); the national
    /// currency as the error when no such rate has been imported (`billing fx-import`): the
    /// invoice is then held, never issued without its statement.
    pub(super) fn vat_in_national_currency(
        &self,
        tax: crate::money::Money,
        supply_date: NaiveDate,
    ) -> std::result::Result<Option<crate::fx::Conversion>, crate::currency::Currency> {
        let Some((national, table)) = self.national.as_ref() else { return Ok(None) };
        if tax.currency() == *national || tax.is_zero() {
            return Ok(None);
        }
        crate::fx::vat_in_national_currency(tax, *national, supply_date, table, self.policy).map(Some).map_err(|e| {
            tracing::warn!(error = %e, currency = %tax.currency(), "no ECB rate for the Art. 230 VAT statement");
            *national
        })
    }

    /// The VAT of one period's invoice. With the Art. 59c threshold in use, a cross-border B2C
    /// supply is taxed at destination once this run's invoices, with the year's earlier ones,
    /// exceed it, and every such supply is added to the running turnover. (A chunk that fails and
    /// is retried adds its supplies twice: the error is toward destination taxation, which the
    /// seller may always choose, never toward home taxation past the threshold.)
    pub(super) fn vat(
        &self,
        customer: &crate::tax::CustomerProfile,
        category: crate::tax::TaxCategory,
        supply_date: NaiveDate,
        amount: crate::money::Money,
        behavior: crate::catalog::TaxBehavior,
    ) -> Result<(crate::tax::TaxDecision, crate::tax::TaxSummary)> {
        use crate::service::invoices::threshold::to_eur;
        use crate::tax::art59c;
        let (decision, summary) =
            document_vat(&self.seller, customer, category, supply_date, &[amount], behavior, self.policy)?;
        let Some((turnover, rates)) = &self.art59c else { return Ok((decision, summary)) };
        if !art59c::counts(decision.rule) {
            return Ok((decision, summary));
        }
        let mut turnover = turnover.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (decision, summary) = if art59c::kept_at_home(&decision)
            && turnover.exceeded_with(to_eur(rates, summary.net_total, supply_date)?.minor())
        {
            crate::invoice::document_vat_with(
                &self.seller,
                customer,
                category,
                supply_date,
                &[amount],
                behavior,
                self.policy,
                true,
            )?
        } else {
            (decision, summary)
        };
        turnover.add(to_eur(rates, summary.net_total, supply_date)?);
        Ok((decision, summary))
    }

    /// Midnight at the start of `day` in the tenant's time zone, as an instant.
    pub(super) fn start_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        crate::tenant::start_of_day(self.timezone, day)
    }
}

impl TenantContext {
    /// The context of the upcoming-invoice preview (`chunk::preview_one`): only what deciding an
    /// invoice's amount and VAT reads (time zone, seller, rounding, the Art. 59c turnover when the
    /// seller uses the threshold), from a tenant the caller has already read. Numbering, drafts,
    /// the Art. 230 rates, collection and e-invoice facts are left empty: the preview writes and
    /// states none of them. The portal's overview page saves six statements per view with it
    /// (issue 15, docs/adr/0043).
    pub(super) async fn for_preview(
        conn: &mut PgConnection,
        tenant: &crate::tenant::Tenant,
        as_of: NaiveDate,
    ) -> Result<Self> {
        let format = NumberFormat::parse(&tenant.invoice_number_format)?;
        let art59c = if tenant.tax.b2c_threshold_opt {
            let (turnover, rates) = crate::service::invoices::threshold::load(conn, tenant.id, as_of).await?;
            Some((std::sync::Mutex::new(turnover), rates))
        } else {
            None
        };
        Ok(Self {
            einvoice_seller: (crate::party::SellerSnapshot::of(tenant), crate::einvoice::SellerFacts::default()),
            draft_hours: 0,
            art59c,
            national: None,
            tenant_id: tenant.id,
            timezone: tenant.timezone,
            seller: tenant.seller_profile(),
            trust_check_digits: tenant.tax.trust_check_digits,
            series: format.series(as_of),
            format,
            issue_date: as_of,
            due_date: as_of + Duration::days(i64::from(tenant.payment_terms_days)),
            policy: RoundingPolicy::default(),
            collects_automatically: false,
        })
    }
}
