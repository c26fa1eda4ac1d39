# Messages of the `billing` command line.
cli-run-header = Invoice run as of { $date }
cli-run-header-dry = Invoice run as of { $date } (dry run: nothing is written)
cli-run-tenant = Merchant { $tenant }: { $subscriptions } subscriptions due, { $invoices } invoices
cli-run-currency = { $currency }: { $count } invoices, net { $net }, VAT { $vat }, total { $total }
cli-run-total = In all: { $invoices } invoices for { $subscriptions } subscriptions.
cli-run-nothing = Nothing to invoice.
cli-run-progress = invoicing
cli-demo-seeded = Demo data created: merchant “{ $tenant }” with { $customers } customers and { $subscriptions } subscriptions.
cli-demo-reused = Demo data found: merchant “{ $tenant }” with { $customers } customers; nothing was added.
cli-demo-serving = Billing is running at { $url }
cli-demo-api-key = Demo API key: { $key }
cli-demo-try = Try: curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = Press Ctrl-C to stop.
cli-serve-listening = Listening on { $url }
cli-migrated = Database migrated.
cli-tenant-created = Merchant “{ $tenant }” created with id { $id }.
cli-api-key-created = New API key (shown once, store it now): { $key }
cli-sim-header = Simulation from { $start } to { $end } (nothing is stored)
cli-sim-kind-subscription = invoice
cli-sim-kind-proration = proration
cli-sim-kind-credit-note = credit note
cli-sim-total = { $count } documents, total { $total }; the subscription ends the simulation { $status }.
cli-fx-imported = Imported { $rates } ECB rates for { $days } days ({ $first } to { $last }). Not imported (unknown currencies): { $skipped }
cli-job-done = Job { $name } done: { $count } invoices.
cli-vies-rechecked = VIES: { $checked } VAT IDs checked: { $valid } valid, { $invalid } invalid, { $unverified } still unverified.
cli-run-rates = Per VAT rate:
cli-run-rate = { $currency } { $category } { $rate } %: { $count } invoices, net { $net }, VAT { $vat }, total { $total }
cli-run-id = Run { $id } ({ $status })
cli-run-resumed = This run continues one that had stopped (resumed { $count } times).
cli-run-skipped = Not invoiced because of an exception: { $count } subscriptions.
cli-run-exceptions = Exceptions ({ $count }):
cli-run-exception-blocking = not invoiced
cli-run-exception-warning = warning
cli-run-exception-price-missing = { $customer }: the plan “{ $plan }” has no price in { $currency }; not invoiced.
cli-run-exception-tax-undeterminable = { $customer }: the VAT for { $country } cannot be determined ({ $reason }); not invoiced.
cli-run-exception-vat-id-missing = { $customer }: a business in { $country } without a confirmed VAT ID; charged VAT as a consumer.
cli-run-exception-payment-method-missing = { $customer }: no default payment method; automatic collection will fail.
cli-run-exception-tax-behavior-mixed = { $customer }: the periods due on “{ $plan }” are priced partly with VAT included and partly without; an invoice is one or the other. Invoice up to the day before the price change first; not invoiced.
cli-runs-none = No invoice runs yet.
cli-runs-dry = dry run
cli-runs-real = real run
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  { $invoices } invoices, { $exceptions } exceptions  { $started }  { $by }
cli-runs-detail = { $kind } as of { $date }, started { $started } by { $by }, finished { $finished }, { $ms } ms of work; { $subscriptions } subscriptions considered.
cli-runs-not-found = No invoice run { $id }.
cli-runs-report-written = Report of run { $id } written to { $file } ({ $rows } rows).
cli-tenant-collection-set = Merchant “{ $tenant }” now collects: { $method }.
cli-collect-summary = Collection as of { $as_of }: { $collected } paid, { $failed } not paid, { $redriven } pending attempts re-driven, { $rechecked } waiting payments settled from the provider, { $skipped } skipped, { $refunds } unanswered refunds finished.
cli-collect-locked = Another collection run holds the lock; nothing was done.
cli-bank-imported = Imported bank statement { $id }: { $entries } entries, { $matched } matched, { $unmatched } unmatched, { $ambiguous } ambiguous.

# The embedded database (one billing process owns a data folder; docs/adr/0018)
cli-embedded-serving = A billing process (pid { $pid }) already serves this data folder at { $url }. Use it, or stop it first.
cli-embedded-busy = The data folder { $dir } is in use by another billing process (pid { $pid }) that did not let go in time. Try again when it has finished.
cli-embedded-waiting = Waiting for another billing process to finish with { $dir } …
cli-run-date-in-future = The run date { $as_of } is after today ({ $today }) in the merchant’s time zone: the invoices would be issued with a future date. Use --dry-run to look ahead, or --allow-future if you really mean it.
cli-run-exception-fx-rate-missing = { $customer }: no ECB rate for { $currency } on { $date } or in the { $days } days before, so the VAT cannot be stated in { $national } (Art. 230 VAT Directive); import the rates with billing fx-import; not invoiced.

# E-invoices: the invoice run's exception and the CLI export.
cli-run-exception-einvoice-data-missing = { $customer }: the { $format } e-invoice this customer receives needs { $missing }.
cli-einvoice-exported = Exported { $files } e-invoices ({ $format }, issued { $from } to { $to }) to { $file }.
cli-einvoice-skipped = No e-invoice for { $number }: { $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench needs DATABASE_URL: it creates a database of its own on that PostgreSQL server.
cli-bench-subscriptions-range = --subscriptions must be from 1 to 10000000.
cli-bench-kept = Database { $database } kept.
cli-bench-loading = Loading { $count } customers and subscriptions…
cli-bench-running = Invoice run over { $count } due subscriptions…
cli-bench-floors = Measuring the floors (COPY of the same rows)…
cli-bench-run = Invoice run: { $subscriptions } subscriptions, { $invoices } invoices in { $seconds } s ({ $us } µs per subscription)
cli-bench-rss = Peak memory: { $mib } MiB
cli-bench-rows = Rows written: { $rows }
cli-bench-lean = Lean COPY floor: { $seconds } s; the run takes { $ratio } times as long
cli-bench-real = COPY into the real tables: { $seconds } s; the run takes { $ratio } times as long
cli-bench-rerun = Re-run: { $seconds } s ({ $percent } % of the run), rows written: { $rows }
cli-bench-phases = Where the run's time goes:
cli-bench-usage-range = --events must be from 1 to 10000000, --batch from 1 to 1000 and --concurrency from 1 to 256.
cli-bench-usage-sending = Sending { $count } usage events through the API…
cli-bench-usage-batch = Batches: { $events } events in batches of { $batch } from { $concurrency } connections: { $rate } events/s (p50 { $p50 } ms, p99 { $p99 } ms per request)
cli-bench-usage-single = Single events: { $events }: { $rate } events/s (p50 { $p50 } ms, p99 { $p99 } ms)
cli-bench-usage-copy = COPY into usage_events: { $rate } rows/s; batch ingestion reaches { $ratio } of it
cli-webhooks-run = Webhooks: { $events } events fanned out, { $sent } deliveries sent, { $retried } to retry, { $failed } failed for good, { $disabled } endpoints disabled.
cli-request-log-pruned = Request log: { $count } entries older than { $days } days deleted.

# dunning-retries
predunning-cli-locked = Another pre-dunning run holds the lock; nothing was done.
predunning-cli-summary = Pre-dunning: { $cards } card-expiry notices, { $trials } trial-ending notices, { $renewals } renewal notices, { $debits } direct-debit pre-notifications queued.
purge-outbox-cli-summary = Outbox purge: { $events } events, { $mails } mails and { $deliveries } webhook deliveries older than { $days } days deleted.
bench-api-range = --customers and --requests must be from 1 to 10000000 and --concurrency from 1 to 256.
bench-api-measuring = Measuring { $scenario }…
bench-api-setup = { $customers } customers, { $invoices } invoices; { $requests } requests per scenario from { $concurrency } connections
bench-api-scenario = { $scenario }: { $rate } requests/s (p50 { $p50 } ms, p99 { $p99 } ms); { $ratio } of the floor's throughput, p99 { $p99ratio } times the floor's
bench-api-during-run = The invoice run took { $seconds } s; { $requests } requests were answered while it ran{ $ended ->
    [yes] .
   *[no] , and it ended before the measurement did (use more customers).
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = SIMULATED CLOCK: this server runs every job and the API on the time written in { $file } (now { $now }), not on the real time. For tests and staging only.
jobs-invoice-run-tenant = Invoice run for { $tenant } as of { $as_of }: { $invoices } invoices, { $skipped } subscriptions skipped.
jobs-invoice-run-done-already = Invoice run for { $tenant } as of { $as_of }: already done.
jobs-invoice-run-busy = Invoice run for { $tenant }: another process is running it; nothing done.
jobs-invoice-run-failed = Invoice run for { $tenant } as of { $as_of } failed: { $error }
jobs-invoice-run-some-failed = { $count } invoice runs failed.
jobs-fx-not-configured = Nothing to import: set [fx] url or [fx] folder.
jobs-metrics-snapshot-done = Metrics snapshot: { $rows } rows written for { $tenants } merchants.
