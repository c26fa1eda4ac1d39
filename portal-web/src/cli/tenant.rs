//! `billing tenant create | collection`: merchants from the command line.

use billing_core::tenant::Tenant;

use super::{Ctx, TenantCommand, t};

/// The merchant with `slug`, or a clear error.
pub async fn by_slug(ctx: &Ctx, slug: &str) -> anyhow::Result<Tenant> {
    let mut conn = ctx.db().pool.acquire().await?;
    billing_core::store::tenants::get_by_slug(&mut conn, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no merchant with slug `{slug}`"))
}

pub async fn run(ctx: &Ctx, command: TenantCommand) -> anyhow::Result<()> {
    let lang = ctx.lang;
    match command {
        TenantCommand::Collection { slug, method } => {
            let tenant = by_slug(ctx, &slug).await?;
            let mut conn = ctx.db().pool.acquire().await?;
            billing_core::store::runs::set_collection_method(&mut conn, tenant.id, &method).await?;
            ctx.out.line(t(lang, "cli-tenant-collection-set", &[("tenant", tenant.name), ("method", method)]));
        }
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
        } => {
            let mut conn = ctx.db().pool.acquire().await?;
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
            let now = ctx.clock().now();
            let tenant = billing_core::service::tenants::create(&mut conn, &input, now).await?;
            let key = billing_core::service::tenants::create_api_key(&mut conn, tenant.id, "initial", now).await?;
            ctx.out.line(t(
                lang,
                "cli-tenant-created",
                &[("tenant", tenant.name.clone()), ("id", tenant.id.to_string())],
            ));
            ctx.out.line(t(lang, "cli-api-key-created", &[("key", key.secret)]));
        }
    }
    Ok(())
}
