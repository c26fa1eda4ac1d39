//! `billing staff add`: a merchant's console staff from the command line (docs/console.md).

use super::{Ctx, StaffCommand, t};

pub async fn run(ctx: &Ctx, command: StaffCommand) -> anyhow::Result<()> {
    let lang = ctx.lang;
    match command {
        StaffCommand::Add { tenant, email, role, password_stdin } => {
            let tenant = super::tenant::by_slug(ctx, &tenant).await?;
            let role: billing_core::staff::Role = role.parse()?;
            let password = if password_stdin {
                let bytes = ctx.read_input(std::path::Path::new("-"))?;
                let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("the password is not UTF-8"))?;
                Some(text.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let mut conn = ctx.db().pool.acquire().await?;
            let actor = format!("cli:{}", ctx.user);
            let added =
                crate::ops::staff::add(&mut conn, tenant.id, &email, role, password, (&actor, None), ctx.clock().now())
                    .await?;
            ctx.out.line(t(
                lang,
                "console-cli-staff-added",
                &[
                    ("email", added.staff.email.clone()),
                    ("role", role.as_str().to_string()),
                    ("tenant", tenant.name.clone()),
                ],
            ));
            if let Some(token) = added.invite_token {
                let server =
                    ctx.config().portal.public_url.clone().map(|u| u.trim_end_matches('/').to_string()).unwrap_or_else(
                        || format!("http://{}", ctx.config().server.bind.replace("0.0.0.0", "127.0.0.1")),
                    );
                let url = format!("{server}/c/{}/invite?token={token}", tenant.slug);
                ctx.out.line(t(lang, "console-cli-staff-invite", &[("url", url)]));
            }
        }
    }
    Ok(())
}
