# Meldungen der Kommandozeile `billing`.
cli-run-header = Rechnungslauf zum { $date }
cli-run-header-dry = Rechnungslauf zum { $date } (Probelauf: es wird nichts gespeichert)
cli-run-tenant = Händler { $tenant }: { $subscriptions } fällige Abonnements, { $invoices } Rechnungen
cli-run-currency = { $currency }: { $count } Rechnungen, netto { $net }, USt { $vat }, Summe { $total }
cli-run-total = Insgesamt: { $invoices } Rechnungen für { $subscriptions } Abonnements.
cli-run-nothing = Nichts abzurechnen.
cli-run-progress = Abrechnung
cli-demo-seeded = Demodaten angelegt: Händler „{ $tenant }“ mit { $customers } Kunden und { $subscriptions } Abonnements.
cli-demo-reused = Demodaten gefunden: Händler „{ $tenant }“ mit { $customers } Kunden; nichts wurde hinzugefügt.
cli-demo-serving = Billing läuft unter { $url }
cli-demo-api-key = Demo-API-Schlüssel: { $key }
cli-demo-try = Probieren Sie: curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = Mit Strg-C beenden.
cli-serve-listening = Wartet auf Anfragen unter { $url }
cli-migrated = Datenbank migriert.
cli-tenant-created = Händler „{ $tenant }“ mit der ID { $id } angelegt.
cli-api-key-created = Neuer API-Schlüssel (wird nur einmal angezeigt, jetzt sichern): { $key }
cli-sim-header = Simulation vom { $start } bis { $end } (es wird nichts gespeichert)
cli-sim-kind-subscription = Rechnung
cli-sim-kind-proration = Anteilig
cli-sim-kind-credit-note = Gutschrift
cli-sim-total = { $count } Belege, Summe { $total }; Status des Abonnements am Ende: { $status }.
cli-fx-imported = { $rates } EZB-Kurse für { $days } Tage importiert ({ $first } bis { $last }). Nicht importiert (unbekannte Währungen): { $skipped }
cli-job-done = Job { $name } erledigt: { $count } Rechnungen.
cli-vies-rechecked = VIES: { $checked } USt-IdNr. geprüft: { $valid } gültig, { $invalid } ungültig, { $unverified } weiterhin unbestätigt.
cli-run-rates = Je Steuersatz:
cli-run-rate = { $currency } { $category } { $rate } %: { $count } Rechnungen, netto { $net }, USt { $vat }, Summe { $total }
cli-run-id = Lauf { $id } ({ $status })
cli-run-resumed = Dieser Lauf setzt einen abgebrochenen fort ({ $count }-mal wieder aufgenommen).
cli-run-skipped = Wegen einer Ausnahme nicht abgerechnet: { $count } Abonnements.
cli-run-exceptions = Ausnahmen ({ $count }):
cli-run-exception-blocking = nicht abgerechnet
cli-run-exception-warning = Warnung
cli-run-exception-price-missing = { $customer }: Der Tarif „{ $plan }“ hat keinen Preis in { $currency }; nicht abgerechnet.
cli-run-exception-tax-undeterminable = { $customer }: Die Umsatzsteuer für { $country } ist nicht bestimmbar ({ $reason }); nicht abgerechnet.
cli-run-exception-vat-id-missing = { $customer }: Unternehmen in { $country } ohne bestätigte USt-IdNr.; wie ein Verbraucher mit USt belastet.
cli-run-exception-payment-method-missing = { $customer }: keine Standard-Zahlungsart; der automatische Einzug wird scheitern.
cli-run-exception-tax-behavior-mixed = { $customer }: Die fälligen Zeiträume von „{ $plan }“ sind teils brutto, teils netto bepreist; eine Rechnung ist entweder das eine oder das andere. Rechnen Sie zuerst bis zum Tag vor der Preisänderung ab; nicht abgerechnet.
cli-runs-none = Noch keine Rechnungsläufe.
cli-runs-dry = Probelauf
cli-runs-real = Echtlauf
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  { $invoices } Rechnungen, { $exceptions } Ausnahmen  { $started }  { $by }
cli-runs-detail = { $kind } zum { $date }, gestartet { $started } von { $by }, beendet { $finished }, { $ms } ms Arbeit; { $subscriptions } Abonnements geprüft.
cli-runs-not-found = Kein Rechnungslauf { $id }.
cli-runs-report-written = Bericht des Laufs { $id } nach { $file } geschrieben ({ $rows } Zeilen).
cli-tenant-collection-set = Händler „{ $tenant }“ zieht jetzt so ein: { $method }.
cli-collect-summary = Einzug zum { $as_of }: { $collected } bezahlt, { $failed } nicht bezahlt, { $redriven } offene Versuche wieder aufgenommen, { $rechecked } wartende Zahlungen beim Anbieter abgeglichen, { $skipped } übersprungen, { $refunds } unbeantwortete Erstattungen abgeschlossen.
cli-collect-locked = Ein anderer Einzugslauf hält die Sperre; es wurde nichts getan.
cli-bank-imported = Kontoauszug { $id } importiert: { $entries } Buchungen, { $matched } zugeordnet, { $unmatched } nicht zugeordnet, { $ambiguous } mehrdeutig.

# Die eingebettete Datenbank (ein billing-Prozess besitzt einen Datenordner; docs/adr/0018)
cli-embedded-serving = Ein billing-Prozess (PID { $pid }) bedient diesen Datenordner bereits unter { $url }. Nutzen Sie ihn oder beenden Sie ihn zuerst.
cli-embedded-busy = Der Datenordner { $dir } wird von einem anderen billing-Prozess (PID { $pid }) benutzt, der ihn nicht rechtzeitig freigegeben hat. Versuchen Sie es erneut, wenn er fertig ist.
cli-embedded-waiting = Warte, bis ein anderer billing-Prozess mit { $dir } fertig ist …
cli-run-date-in-future = Das Stichtagsdatum { $as_of } liegt nach dem heutigen Tag ({ $today }) in der Zeitzone des Händlers: Die Rechnungen trügen ein Datum in der Zukunft. Mit --dry-run schauen Sie voraus; --allow-future erlaubt es ausdrücklich.
cli-run-exception-fx-rate-missing = { $customer }: kein EZB-Kurs für { $currency } am { $date } oder in den { $days } Tagen davor, daher kann die Umsatzsteuer nicht in { $national } angegeben werden (Art. 230 MwSt-Richtlinie); Kurse mit billing fx-import importieren; nicht abgerechnet.

# E-invoices: the invoice run's exception and the CLI export.
cli-run-exception-einvoice-data-missing = { $customer }: für die { $format }-E-Rechnung dieses Kunden fehlt { $missing }.
cli-einvoice-exported = { $files } E-Rechnungen ({ $format }, ausgestellt vom { $from } bis { $to }) nach { $file } exportiert.
cli-einvoice-skipped = Keine E-Rechnung für { $number }: { $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench braucht DATABASE_URL: Es legt auf diesem PostgreSQL-Server eine eigene Datenbank an.
cli-bench-subscriptions-range = --subscriptions muss zwischen 1 und 10000000 liegen.
cli-bench-kept = Datenbank { $database } bleibt erhalten.
cli-bench-loading = Lade { $count } Kunden und Abonnements …
cli-bench-running = Rechnungslauf über { $count } fällige Abonnements …
cli-bench-floors = Messe die Untergrenzen (COPY derselben Zeilen) …
cli-bench-run = Rechnungslauf: { $subscriptions } Abonnements, { $invoices } Rechnungen in { $seconds } s ({ $us } µs je Abonnement)
cli-bench-rss = Höchster Speicherbedarf: { $mib } MiB
cli-bench-rows = Geschriebene Zeilen: { $rows }
cli-bench-lean = Untergrenze COPY in schlanke Tabellen: { $seconds } s; der Lauf braucht das { $ratio }-Fache
cli-bench-real = COPY in die echten Tabellen: { $seconds } s; der Lauf braucht das { $ratio }-Fache
cli-bench-rerun = Wiederholung: { $seconds } s ({ $percent } % des Laufs), geschriebene Zeilen: { $rows }
cli-bench-phases = Wofür der Lauf seine Zeit braucht:
cli-bench-usage-range = --events muss zwischen 1 und 10000000 liegen, --batch zwischen 1 und 1000 und --concurrency zwischen 1 und 256.
cli-bench-usage-sending = Sende { $count } Nutzungsereignisse über die API…
cli-bench-usage-batch = Stapel: { $events } Ereignisse in Stapeln zu { $batch } über { $concurrency } Verbindungen: { $rate } Ereignisse/s (p50 { $p50 } ms, p99 { $p99 } ms je Anfrage)
cli-bench-usage-single = Einzelne Ereignisse: { $events }: { $rate } Ereignisse/s (p50 { $p50 } ms, p99 { $p99 } ms)
cli-bench-usage-copy = COPY in usage_events: { $rate } Zeilen/s; die Stapelaufnahme erreicht { $ratio } davon
cli-webhooks-run = Webhooks: { $events } Ereignisse verteilt, { $sent } Zustellungen gesendet, { $retried } zum erneuten Versuch, { $failed } endgültig fehlgeschlagen, { $disabled } Endpunkte deaktiviert.
cli-request-log-pruned = Anfrageprotokoll: { $count } Einträge älter als { $days } Tage gelöscht.

# dunning-retries
predunning-cli-locked = Ein anderer Vorab-Mahnlauf hält die Sperre; es wurde nichts getan.
predunning-cli-summary = Vorab-Hinweise: { $cards } zu ablaufenden Karten, { $trials } zum Ende der Testphase, { $renewals } zur Verlängerung, { $debits } Lastschrift-Vorankündigungen eingereiht.
purge-outbox-cli-summary = Outbox bereinigt: { $events } Ereignisse, { $mails } E-Mails und { $deliveries } Webhook-Zustellungen älter als { $days } Tage gelöscht.
bench-api-range = --customers und --requests müssen zwischen 1 und 10000000 liegen, --concurrency zwischen 1 und 256.
bench-api-measuring = Messe { $scenario }…
bench-api-setup = { $customers } Kunden, { $invoices } Rechnungen; { $requests } Anfragen je Szenario über { $concurrency } Verbindungen
bench-api-scenario = { $scenario }: { $rate } Anfragen/s (p50 { $p50 } ms, p99 { $p99 } ms); { $ratio } des Durchsatzes der Untergrenze, p99 { $p99ratio }-mal so lang
bench-api-during-run = Der Rechnungslauf dauerte { $seconds } s; { $requests } Anfragen wurden während des Laufs beantwortet{ $ended ->
    [yes] .
   *[no] , und er endete vor der Messung (mehr Kunden verwenden).
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = SIMULIERTE UHR: Dieser Server führt alle Jobs und die API zu der Zeit aus, die in { $file } steht (jetzt { $now }), nicht zur echten Zeit. Nur für Tests und Staging.
jobs-invoice-run-tenant = Rechnungslauf für { $tenant } zum { $as_of }: { $invoices } Rechnungen, { $skipped } Abonnements übersprungen.
jobs-invoice-run-done-already = Rechnungslauf für { $tenant } zum { $as_of }: bereits erledigt.
jobs-invoice-run-busy = Rechnungslauf für { $tenant }: Ein anderer Prozess führt ihn gerade aus; nichts getan.
jobs-invoice-run-failed = Rechnungslauf für { $tenant } zum { $as_of } fehlgeschlagen: { $error }
jobs-invoice-run-some-failed = { $count } Rechnungsläufe fehlgeschlagen.
jobs-fx-not-configured = Nichts zu importieren: Setzen Sie [fx] url oder [fx] folder.
jobs-metrics-snapshot-done = Kennzahlen-Snapshot: { $rows } Zeilen für { $tenants } Händler geschrieben.
