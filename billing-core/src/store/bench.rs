//! The SQL of the benchmark harness (`billing bench`, docs/performance.md): a database of its
//! own, a set-based loader (customers, subscriptions, payment methods, usage in a few statements
//! of `generate_series`), counts of what a run wrote, and the floor tables the harness copies the
//! run's rows into.
//!
//! Nothing here runs outside the harness: it creates and drops databases and tables.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{InvoiceRunId, TenantId};

/// A database name the harness made (letters, digits and underscores only: it is spliced into
/// DDL, which takes no parameters).
fn checked(name: &str) -> Result<&str> {
    if name.is_empty() || name.len() > 63 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::invalid("database", "letters, digits and underscores, at most 63"));
    }
    Ok(name)
}

pub async fn create_database(admin: &mut PgConnection, name: &str) -> Result<()> {
    sqlx::query(&format!("CREATE DATABASE {}", checked(name)?)).execute(admin).await?;
    Ok(())
}

pub async fn drop_database(admin: &mut PgConnection, name: &str) -> Result<()> {
    sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", checked(name)?)).execute(admin).await?;
    Ok(())
}

/// One price the loader hands out: a plan in one currency with the pricing the subscription
/// copies (`pricing` exactly as `subscriptions.pricing` stores it) and its quantity rule.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub plan_id: Uuid,
    pub currency: String,
    pub unit_amount: i64,
    pub pricing: serde_json::Value,
    /// `month` or `year`.
    pub interval_unit: String,
    /// Subscriptions get quantity `1 + i % max_quantity` (1 for a flat or metered plan).
    pub max_quantity: i32,
    /// Billed in arrears from usage.
    pub metered: bool,
}

/// What the loader spreads over the customers: per country its currency and (for businesses)
/// a VAT id, or none.
#[derive(Debug, Clone)]
pub struct LoadCountry {
    pub country: String,
    pub currency: String,
    pub vat_id: Option<String>,
}

/// A time-ordered (version 7 layout) UUID made in SQL from the row number `i` and a kind
/// nibble, so the ids of loaded rows sort by creation like the engine's own `Uuid::now_v7`.
const V7: &str = "(lpad(to_hex($ms::bigint + i), 12, '0') || '7' || $kind || '8' || lpad(to_hex(i), 15, '0'))::uuid";

fn v7(kind: &str) -> String {
    V7.replace("$kind", &format!("'{kind}'"))
}

/// Loads `n` customers: countries round-robin, every third a business (with the country's VAT
/// id if it has one, and a company name), four in five with an address. Returns how many.
pub async fn load_customers(
    conn: &mut PgConnection,
    tenant: TenantId,
    n: i64,
    countries: &[LoadCountry],
    vat_status: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<u64> {
    let codes: Vec<&str> = countries.iter().map(|c| c.country.as_str()).collect();
    let currencies: Vec<&str> = countries.iter().map(|c| c.currency.as_str()).collect();
    let vat_ids: Vec<Option<&str>> = countries.iter().map(|c| c.vat_id.as_deref()).collect();
    let ms = now.timestamp_millis() - n;
    let sql = format!(
        "INSERT INTO customers (tenant_id, id, email, name, country, currency, locale, created_at, kind, vat_id,
             vat_id_status, company_name, address_line1, address_postal_code, address_city)
         SELECT $1, {id}, 'customer' || c.i || '@example.com', 'Customer ' || c.i, c.country, c.currency, 'en', $5,
             CASE WHEN c.i % 3 = 0 THEN 'business' ELSE 'consumer' END,
             CASE WHEN i % 3 = 0 THEN c.vat_id END,
             CASE WHEN i % 3 = 0 AND c.vat_id IS NOT NULL THEN $6::jsonb END,
             CASE WHEN i % 3 = 0 THEN 'Company ' || i || ' Ltd' END,
             CASE WHEN i % 5 <> 0 THEN 'Street ' || (i % 200 + 1) END,
             CASE WHEN i % 5 <> 0 THEN lpad((i % 90000 + 10000)::text, 5, '0') END,
             CASE WHEN i % 5 <> 0 THEN 'City ' || (i % 50) END
         FROM (SELECT i, ($2::text[])[i % cardinality($2::text[]) + 1] AS country,
                      ($3::text[])[i % cardinality($2::text[]) + 1] AS currency,
                      ($4::text[])[i % cardinality($2::text[]) + 1] AS vat_id
               FROM generate_series(1, $7::bigint) AS i) c",
        id = v7("001").replace("$ms", &ms.to_string()),
    );
    Ok(sqlx::query(&sql)
        .bind(tenant)
        .bind(&codes)
        .bind(&currencies)
        .bind(&vat_ids)
        .bind(now)
        .bind(vat_status)
        .bind(n)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Loads one subscription per customer: plan `i % plans` among those in the customer's currency,
/// anchored on day `i % 28` so that every subscription has exactly one period due on `as_of`
/// (a month's start plus 27 days) except one in twenty, whose next period starts after it.
/// Monthly plans in advance are in their 13th period, metered ones close their 12th, yearly ones
/// start their 3rd.
pub async fn load_subscriptions(
    conn: &mut PgConnection,
    tenant: TenantId,
    n: i64,
    month: NaiveDate,
    plans: &[LoadPlan],
    now: DateTime<Utc>,
) -> Result<u64> {
    let ids: Vec<Uuid> = plans.iter().map(|p| p.plan_id).collect();
    let currencies: Vec<&str> = plans.iter().map(|p| p.currency.as_str()).collect();
    let amounts: Vec<i64> = plans.iter().map(|p| p.unit_amount).collect();
    let pricings: Vec<&serde_json::Value> = plans.iter().map(|p| &p.pricing).collect();
    let units: Vec<&str> = plans.iter().map(|p| p.interval_unit.as_str()).collect();
    let quantities: Vec<i32> = plans.iter().map(|p| p.max_quantity).collect();
    let metered: Vec<bool> = plans.iter().map(|p| p.metered).collect();
    let ms = now.timestamp_millis() - n;
    // `k` numbers the plans of one currency 0.. so each customer picks among its currency's.
    let sql = format!(
        "WITH p AS (
             SELECT u.*, (row_number() OVER (PARTITION BY u.currency ORDER BY u.ord) - 1)::int AS k,
                    count(*) OVER (PARTITION BY u.currency)::int AS of
             FROM UNNEST($2::uuid[], $3::text[], $4::bigint[], $5::jsonb[], $6::text[], $7::int[], $8::bool[])
                  WITH ORDINALITY AS u(plan_id, currency, amount, pricing, unit, max_q, metered, ord)),
         s AS (
             SELECT i, {sub} AS id, {cust} AS customer_id, c.currency,
                    -- One in twenty is not due yet: its next period starts next month.
                    CASE WHEN i % 20 = 7 THEN 1 ELSE 0 END AS later,
                    ($9::date + (i % 28)::int) AS day
             FROM generate_series(1, $10::bigint) AS i
             JOIN customers c ON c.tenant_id = $1 AND c.id = {cust})
         INSERT INTO subscriptions (tenant_id, id, customer_id, plan_id, status, currency, unit_amount, pricing, quantity,
             start_date, anchor_date, interval_unit, interval_count, next_period_index, next_billing_date, created_at,
             updated_at, next_period_start)
         SELECT $1, s.id, s.customer_id, p.plan_id, 'active', s.currency, p.amount, p.pricing,
             CASE WHEN p.max_q > 1 THEN (1 + (s.i / 7) % p.max_q)::int ELSE 1 END,
             a.anchor, a.anchor, p.unit, 1, a.idx,
             CASE WHEN p.metered THEN (a.anchor + make_interval(months => a.idx + 1))::date ELSE a.start END,
             $11, $11, a.start
         FROM s
         JOIN p ON p.currency = s.currency AND p.k = s.i % p.of
         CROSS JOIN LATERAL (
             SELECT anchor, idx, (anchor + CASE WHEN p.unit = 'year' THEN make_interval(years => idx)
                                                  ELSE make_interval(months => idx) END)::date AS start
             FROM (SELECT CASE WHEN p.unit = 'year' THEN (s.day - interval '2 years')::date
                               ELSE (s.day - interval '1 year')::date END AS anchor,
                          CASE WHEN p.unit = 'year' THEN 2 + s.later
                               WHEN p.metered THEN 11 + s.later ELSE 12 + s.later END AS idx) x) a",
        sub = v7("002").replace("$ms", &ms.to_string()),
        cust = v7("001").replace("$ms", &ms.to_string()),
    );
    Ok(sqlx::query(&sql)
        .bind(tenant)
        .bind(&ids)
        .bind(&currencies)
        .bind(&amounts)
        .bind(&pricings)
        .bind(&units)
        .bind(&quantities)
        .bind(&metered)
        .bind(month)
        .bind(n)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected())
}

/// A default card for seven customers in ten (the others make the run's
/// `payment_method_missing` warnings when the merchant collects automatically).
pub async fn load_payment_methods(conn: &mut PgConnection, tenant: TenantId, now: DateTime<Utc>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO payment_methods (tenant_id, id, customer_id, gateway, provider_customer, provider_method, kind,
             last4, is_default, created_at)
         SELECT c.tenant_id, c.id, c.id, 'sandbox', 'cus_' || left(md5(c.id::text), 12),
             'pm_' || left(md5(c.id::text), 16), 'card', '4242', true, $2
         FROM customers c WHERE c.tenant_id = $1 AND ('x' || right(c.id::text, 4))::bit(16)::int % 10 < 7",
    )
    .bind(tenant)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Five usage events inside the due period of every metered subscription (the period that
/// ends on its next billing date), at noon in `timezone`.
pub async fn load_usage(conn: &mut PgConnection, tenant: TenantId, timezone: &str, now: DateTime<Utc>) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO usage_events (tenant_id, subscription_id, event_id, occurred_at, value, received_at)
         SELECT s.tenant_id, s.id, 'ev' || e, ((s.next_billing_date - 1 - e * 3) + time '12:00') AT TIME ZONE $2,
             (e * 7 + 3)::numeric, $3
         FROM subscriptions s JOIN plans p ON p.tenant_id = s.tenant_id AND p.id = s.plan_id
         CROSS JOIN generate_series(0, 4) AS e
         WHERE s.tenant_id = $1 AND p.usage_metric IS NOT NULL",
    )
    .bind(tenant)
    .bind(timezone)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Refreshes the planner's statistics after the load (as autovacuum would, in time).
pub async fn analyze(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("ANALYZE").execute(conn).await?;
    Ok(())
}

/// What one run wrote, per table, and the statement that selects exactly those rows in the
/// table's column order (for the floors).
#[derive(Debug, Clone)]
pub struct Written {
    pub table: &'static str,
    pub rows: i64,
}

/// The tables a run writes to, in the order their foreign keys need.
pub const RUN_TABLES: [&str; 6] =
    ["invoice_runs", "subscriptions", "invoices", "invoice_lines", "outbox", "invoice_run_exceptions"];

/// The rows of `table` the run wrote (subscriptions: the ones it advanced, which it rewrote).
fn run_rows(table: &str, tenant: TenantId, run: InvoiceRunId) -> Result<String> {
    let (t, r) = (tenant.as_uuid(), run.as_uuid());
    Ok(match table {
        "invoice_runs" => format!("SELECT * FROM public.invoice_runs WHERE tenant_id = '{t}' AND id = '{r}'"),
        "subscriptions" => format!(
            "SELECT s.* FROM public.subscriptions s WHERE s.tenant_id = '{t}' AND s.id IN
                 (SELECT subscription_id FROM public.invoices WHERE tenant_id = '{t}' AND invoice_run_id = '{r}')"
        ),
        "invoices" => format!("SELECT * FROM public.invoices WHERE tenant_id = '{t}' AND invoice_run_id = '{r}'"),
        "invoice_lines" => format!(
            "SELECT l.* FROM public.invoice_lines l JOIN public.invoices i ON i.tenant_id = l.tenant_id AND i.id = l.invoice_id
             WHERE i.tenant_id = '{t}' AND i.invoice_run_id = '{r}'"
        ),
        // The harness's database holds no other announcements of finalized invoices.
        "outbox" => format!("SELECT * FROM public.outbox WHERE tenant_id = '{t}' AND topic = 'invoice.finalized'"),
        "invoice_run_exceptions" => {
            format!("SELECT * FROM public.invoice_run_exceptions WHERE tenant_id = '{t}' AND run_id = '{r}'")
        }
        other => return Err(Error::invalid("table", other.to_string())),
    })
}

/// How many rows of each table the run wrote.
pub async fn written(conn: &mut PgConnection, tenant: TenantId, run: InvoiceRunId) -> Result<Vec<Written>> {
    let mut out = Vec::new();
    for table in RUN_TABLES {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM ({}) x", run_rows(table, tenant, run)?))
            .fetch_one(&mut *conn)
            .await?;
        out.push(Written { table, rows });
    }
    Ok(out)
}

/// `COPY (the run's rows of table) TO STDOUT (FORMAT binary)`.
pub fn copy_out_statement(table: &str, tenant: TenantId, run: InvoiceRunId) -> Result<String> {
    Ok(format!("COPY ({}) TO STDOUT (FORMAT binary)", run_rows(table, tenant, run)?))
}

/// `COPY schema.table FROM STDIN (FORMAT binary)`.
pub fn copy_in_statement(schema: &str, table: &str) -> Result<String> {
    Ok(format!("COPY {}.{} FROM STDIN (FORMAT binary)", checked(schema)?, checked(table)?))
}

/// Makes the floor tables in `schema` (dropped first): `lean` copies of the run's tables have
/// the same columns (and NOT NULLs) and only the primary key; `full` copies have every index,
/// check, default and foreign key of the real table (foreign keys between the copied tables point
/// at the copies, the others at the real parents), so COPY into them costs what COPY into the
/// real tables costs.
pub async fn create_floor_tables(conn: &mut PgConnection, schema: &str, full: bool) -> Result<()> {
    let schema = checked(schema)?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut *conn).await?;
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut *conn).await?;
    for table in RUN_TABLES {
        if full {
            sqlx::query(&format!("CREATE TABLE {schema}.{table} (LIKE public.{table} INCLUDING ALL)"))
                .execute(&mut *conn)
                .await?;
        } else {
            sqlx::query(&format!("CREATE TABLE {schema}.{table} (LIKE public.{table} INCLUDING DEFAULTS)"))
                .execute(&mut *conn)
                .await?;
            let pk: String = sqlx::query_scalar(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ('public.' || $1)::regclass AND contype = 'p'",
            )
            .bind(table)
            .fetch_one(&mut *conn)
            .await?;
            sqlx::query(&format!("ALTER TABLE {schema}.{table} ADD {pk}")).execute(&mut *conn).await?;
        }
    }
    if full {
        // The definitions name their targets unqualified while `schema` comes first on the path:
        // the copied tables resolve to the copies, the rest to public.
        sqlx::query(&format!("SET search_path = {schema}, public")).execute(&mut *conn).await?;
        for table in RUN_TABLES {
            let fks: Vec<(String, String)> = sqlx::query_as(
                "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE conrelid = ('public.' || $1)::regclass AND contype = 'f'",
            )
            .bind(table)
            .fetch_all(&mut *conn)
            .await?;
            for (name, def) in fks {
                let def = def.replace("public.", "");
                sqlx::query(&format!("ALTER TABLE {schema}.{table} ADD CONSTRAINT {name} {def}"))
                    .execute(&mut *conn)
                    .await?;
            }
        }
        sqlx::query("SET search_path = public").execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn drop_schema(conn: &mut PgConnection, schema: &str) -> Result<()> {
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {} CASCADE", checked(schema)?)).execute(conn).await?;
    Ok(())
}

/// A checkpoint, so that one floor's dirty pages are not the next one's cost.
pub async fn checkpoint(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("CHECKPOINT").execute(conn).await?;
    Ok(())
}

/// A transaction id to compare rows' `xmin` with: every row inserted or updated after this
/// call has a newer one.
pub async fn xid_now(conn: &mut PgConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT txid_current()").fetch_one(conn).await?)
}

/// Rows of the run's tables, the run records aside, inserted or rewritten after `xid` (a
/// fresh database: no wraparound to worry about).
pub async fn rows_written_since(conn: &mut PgConnection, xid: i64) -> Result<i64> {
    let mut total = 0;
    for table in RUN_TABLES.iter().filter(|t| **t != "invoice_runs") {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM public.{table} WHERE xmin::text::bigint >= ($1::bigint % 4294967296)"
        ))
        .bind(xid)
        .fetch_one(&mut *conn)
        .await?;
        total += n;
    }
    Ok(total)
}

/// The PostgreSQL settings that matter for the figures, as `name = value` lines, in the server's
/// own units (`128MB`; `setting` and `unit` side by side would read `16384` and `8kB`).
pub async fn settings(conn: &mut PgConnection) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT name, current_setting(name) FROM pg_settings
         WHERE name IN ('server_version', 'shared_buffers', 'max_wal_size', 'synchronous_commit', 'fsync',
                        'wal_level', 'checkpoint_timeout', 'autovacuum', 'work_mem', 'maintenance_work_mem',
                        'effective_io_concurrency', 'full_page_writes', 'wal_compression')
         ORDER BY name",
    )
    .fetch_all(conn)
    .await?)
}

/// The metered subscriptions of the tenant with an instant inside their open (not yet invoiced)
/// period, where the usage benchmark's events go: noon, two days before the period closes.
pub async fn usage_targets(
    conn: &mut PgConnection,
    tenant: TenantId,
    timezone: &str,
) -> Result<Vec<(Uuid, DateTime<Utc>)>> {
    Ok(sqlx::query_as(
        "SELECT s.id, ((s.next_billing_date - 2) + time '12:00') AT TIME ZONE $2
         FROM subscriptions s JOIN plans p ON p.tenant_id = s.tenant_id AND p.id = s.plan_id
         WHERE s.tenant_id = $1 AND p.usage_metric IS NOT NULL ORDER BY s.id",
    )
    .bind(tenant)
    .bind(timezone)
    .fetch_all(conn)
    .await?)
}

/// Text COPY into the real `usage_events` table (its keys, index and foreign key): the floor of
/// the usage benchmark.
pub const USAGE_COPY: &str =
    "COPY usage_events (tenant_id, subscription_id, event_id, occurred_at, value, received_at) FROM STDIN";

/// Usage events of the tenant whose id starts with `prefix`.
pub async fn count_usage(conn: &mut PgConnection, tenant: TenantId, prefix: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM usage_events WHERE tenant_id = $1 AND starts_with(event_id, $2)")
        .bind(tenant)
        .bind(prefix)
        .fetch_one(conn)
        .await?)
}

/// Up to `n` of the tenant's customers in random order.
pub async fn sample_customers(
    conn: &mut PgConnection,
    tenant: TenantId,
    n: i64,
) -> Result<Vec<crate::ids::CustomerId>> {
    let ids: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM customers WHERE tenant_id = $1 ORDER BY random() LIMIT $2")
            .bind(tenant)
            .bind(n)
            .fetch_all(conn)
            .await?;
    Ok(ids.into_iter().map(crate::ids::CustomerId).collect())
}
