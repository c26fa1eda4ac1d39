# Messages of the `billing` command line.
cli-run-header = Invoice run as of { $date }
cli-run-header-dry = Invoice run as of { $date } (dry run: nothing is written)
cli-run-tenant = Merchant { $tenant }: { $subscriptions } subscriptions due, { $invoices } invoices
cli-run-currency = { $currency }: { $count } invoices, total { $total }
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
