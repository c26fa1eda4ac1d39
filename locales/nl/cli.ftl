# Meldingen van de opdrachtregel `billing`.
cli-run-header = Facturatierun per { $date }
cli-run-header-dry = Facturatierun per { $date } (proefrun: er wordt niets opgeslagen)
cli-run-tenant = Handelaar { $tenant }: { $subscriptions } abonnementen te factureren, { $invoices } facturen
cli-run-currency = { $currency }: { $count } facturen, netto { $net }, btw { $vat }, totaal { $total }
cli-run-total = In totaal: { $invoices } facturen voor { $subscriptions } abonnementen.
cli-run-nothing = Niets te factureren.
cli-run-progress = factureren
cli-demo-seeded = Demogegevens aangemaakt: handelaar ‘{ $tenant }’ met { $customers } klanten en { $subscriptions } abonnementen.
cli-demo-reused = Demogegevens gevonden: handelaar ‘{ $tenant }’ met { $customers } klanten; er is niets toegevoegd.
cli-demo-serving = Billing draait op { $url }
cli-demo-api-key = Demo-API-sleutel: { $key }
cli-demo-try = Probeer: curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = Druk op Ctrl-C om te stoppen.
cli-serve-listening = Luistert op { $url }
cli-migrated = Database gemigreerd.
cli-tenant-created = Handelaar ‘{ $tenant }’ aangemaakt met id { $id }.
cli-api-key-created = Nieuwe API-sleutel (wordt één keer getoond, bewaar hem nu): { $key }
cli-sim-header = Simulatie van { $start } tot { $end } (er wordt niets opgeslagen)
cli-sim-kind-subscription = factuur
cli-sim-kind-proration = verrekening naar rato
cli-sim-kind-credit-note = creditnota
cli-sim-total = { $count } documenten, totaal { $total }; aan het einde van de simulatie is het abonnement { $status }.
cli-fx-imported = { $rates } ECB-koersen geïmporteerd voor { $days } dagen ({ $first } tot { $last }). Niet geïmporteerd (onbekende valuta): { $skipped }
cli-job-done = Taak { $name } klaar: { $count } facturen.
cli-vies-rechecked = VIES: { $checked } btw-identificatienummers gecontroleerd: { $valid } geldig, { $invalid } ongeldig, { $unverified } nog onbevestigd.
cli-run-rates = Per btw-tarief:
cli-run-rate = { $currency } { $category } { $rate } %: { $count } facturen, netto { $net }, btw { $vat }, totaal { $total }
cli-run-id = Run { $id } ({ $status })
cli-run-resumed = Deze run zet een gestopte run voort ({ $count } keer hervat).
cli-run-skipped = Niet gefactureerd vanwege een uitzondering: { $count } abonnementen.
cli-run-exceptions = Uitzonderingen ({ $count }):
cli-run-exception-blocking = niet gefactureerd
cli-run-exception-warning = waarschuwing
cli-run-exception-price-missing = { $customer }: de abonnementsvorm ‘{ $plan }’ heeft geen prijs in { $currency }; niet gefactureerd.
cli-run-exception-tax-undeterminable = { $customer }: de btw voor { $country } kan niet worden bepaald ({ $reason }); niet gefactureerd.
cli-run-exception-vat-id-missing = { $customer }: een onderneming in { $country } zonder bevestigd btw-identificatienummer; btw berekend als voor een consument.
cli-run-exception-payment-method-missing = { $customer }: geen standaardbetaalmethode; automatische incasso zal mislukken.
cli-run-exception-tax-behavior-mixed = { $customer }: de te factureren periodes van ‘{ $plan }’ zijn deels inclusief en deels exclusief btw geprijsd; een factuur is het een of het ander. Factureer eerst tot de dag vóór de prijswijziging; niet gefactureerd.
cli-runs-none = Nog geen facturatieruns.
cli-runs-dry = proefrun
cli-runs-real = echte run
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  { $invoices } facturen, { $exceptions } uitzonderingen  { $started }  { $by }
cli-runs-detail = { $kind } per { $date }, gestart { $started } door { $by }, klaar { $finished }, { $ms } ms werk; { $subscriptions } abonnementen bekeken.
cli-runs-not-found = Geen facturatierun { $id }.
cli-runs-report-written = Rapport van run { $id } geschreven naar { $file } ({ $rows } regels).
cli-tenant-collection-set = Handelaar ‘{ $tenant }’ int nu via: { $method }.
cli-collect-summary = Inning per { $as_of }: { $collected } betaald, { $failed } niet betaald, { $redriven } openstaande pogingen opnieuw gestart, { $rechecked } wachtende betalingen volgens de dienstverlener afgewikkeld, { $skipped } overgeslagen, { $refunds } onbeantwoorde terugbetalingen afgerond.
cli-collect-locked = Een andere inningsrun heeft de vergrendeling; er is niets gedaan.
cli-bank-imported = Rekeningafschrift { $id } geïmporteerd: { $entries } posten, { $matched } gekoppeld, { $unmatched } niet gekoppeld, { $ambiguous } dubbelzinnig.

cli-embedded-serving = Een billing-proces (pid { $pid }) bedient deze gegevensmap al op { $url }. Gebruik het, of stop het eerst.
cli-embedded-busy = De gegevensmap { $dir } is in gebruik door een ander billing-proces (pid { $pid }) dat haar niet op tijd vrijgaf. Probeer het opnieuw als het klaar is.
cli-embedded-waiting = Wachten tot een ander billing-proces klaar is met { $dir } …
cli-run-date-in-future = De rundatum { $as_of } ligt na vandaag ({ $today }) in de tijdzone van de verkoper: de facturen zouden met een toekomstige datum worden uitgegeven. Gebruik --dry-run om vooruit te kijken, of --allow-future als u het echt wilt.
cli-run-exception-fx-rate-missing = { $customer }: geen ECB-koers voor { $currency } op { $date } of in de { $days } dagen ervoor, dus de btw kan niet in { $national } worden vermeld (art. 230 btw-richtlijn); importeer de koersen met billing fx-import; niet gefactureerd.
cli-run-exception-einvoice-data-missing = { $customer }: de e-factuur { $format } die deze klant ontvangt heeft { $missing } nodig.
cli-einvoice-exported = { $files } e-facturen geëxporteerd ({ $format }, uitgegeven van { $from } tot { $to }) naar { $file }.
cli-einvoice-skipped = Geen e-factuur voor { $number }: { $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench heeft DATABASE_URL nodig: het maakt op die PostgreSQL-server een eigen database aan.
cli-bench-subscriptions-range = --subscriptions moet tussen 1 en 10000000 liggen.
cli-bench-kept = Database { $database } bewaard.
cli-bench-loading = { $count } klanten en abonnementen laden…
cli-bench-running = Factuurrun over { $count } verschuldigde abonnementen…
cli-bench-floors = De ondergrenzen meten (COPY van dezelfde rijen)…
cli-bench-run = Factuurrun: { $subscriptions } abonnementen, { $invoices } facturen in { $seconds } s ({ $us } µs per abonnement)
cli-bench-rss = Piekgeheugen: { $mib } MiB
cli-bench-rows = Geschreven rijen: { $rows }
cli-bench-lean = Ondergrens COPY in kale tabellen: { $seconds } s; de run duurt { $ratio } keer zo lang
cli-bench-real = COPY in de echte tabellen: { $seconds } s; de run duurt { $ratio } keer zo lang
cli-bench-rerun = Herhaling: { $seconds } s ({ $percent } % van de run), geschreven rijen: { $rows }
cli-bench-phases = Waar de tijd van de run heen gaat:
cli-bench-usage-range = --events moet tussen 1 en 10000000 liggen, --batch tussen 1 en 1000 en --concurrency tussen 1 en 256.
cli-bench-usage-sending = { $count } gebruiksgebeurtenissen via de API versturen…
cli-bench-usage-batch = Batches: { $events } gebeurtenissen in batches van { $batch } over { $concurrency } verbindingen: { $rate } gebeurtenissen/s (p50 { $p50 } ms, p99 { $p99 } ms per verzoek)
cli-bench-usage-single = Losse gebeurtenissen: { $events }: { $rate } gebeurtenissen/s (p50 { $p50 } ms, p99 { $p99 } ms)
cli-bench-usage-copy = COPY in usage_events: { $rate } rijen/s; batchopname haalt daar { $ratio } van
cli-webhooks-run = Webhooks: { $events } gebeurtenissen verdeeld, { $sent } afleveringen verzonden, { $retried } opnieuw te proberen, { $failed } definitief mislukt, { $disabled } endpoints uitgeschakeld.
cli-request-log-pruned = Verzoekenlogboek: { $count } vermeldingen ouder dan { $days } dagen verwijderd.

# dunning-retries
predunning-cli-locked = Een andere vooraankondigingsrun heeft de vergrendeling; er is niets gedaan.
predunning-cli-summary = Vooraankondigingen: { $cards } over verlopende kaarten, { $trials } over het einde van de proefperiode, { $renewals } over verlengingen en { $debits } vooraankondigingen van incasso's in de wachtrij.
purge-outbox-cli-summary = Outbox opgeschoond: { $events } gebeurtenissen, { $mails } e-mails en { $deliveries } webhookleveringen ouder dan { $days } dagen verwijderd.
bench-api-range = --customers en --requests moeten tussen 1 en 10000000 liggen en --concurrency tussen 1 en 256.
bench-api-measuring = { $scenario } meten…
bench-api-setup = { $customers } klanten, { $invoices } facturen; { $requests } verzoeken per scenario over { $concurrency } verbindingen
bench-api-scenario = { $scenario }: { $rate } verzoeken/s (p50 { $p50 } ms, p99 { $p99 } ms); { $ratio } van de doorvoer van de ondergrens, p99 { $p99ratio } keer die van de ondergrens
bench-api-during-run = De factuurrun duurde { $seconds } s; { $requests } verzoeken werden beantwoord terwijl hij liep{ $ended ->
    [yes] .
   *[no] , en hij eindigde vóór de meting (gebruik meer klanten).
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = GESIMULEERDE KLOK: deze server voert alle taken en de API uit op de tijd in { $file } (nu { $now }), niet op de echte tijd. Alleen voor tests en staging.
jobs-invoice-run-tenant = Factuurrun voor { $tenant } per { $as_of }: { $invoices } facturen, { $skipped } abonnementen overgeslagen.
jobs-invoice-run-done-already = Factuurrun voor { $tenant } per { $as_of }: al gedaan.
jobs-invoice-run-busy = Factuurrun voor { $tenant }: een ander proces voert hem uit; niets gedaan.
jobs-invoice-run-failed = Factuurrun voor { $tenant } per { $as_of } mislukt: { $error }
jobs-invoice-run-some-failed = { $count } factuurruns mislukt.
jobs-fx-not-configured = Niets te importeren: stel [fx] url of [fx] folder in.
jobs-metrics-snapshot-done = Metrics-momentopname: { $rows } rijen geschreven voor { $tenants } handelaren.
