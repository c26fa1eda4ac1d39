# Messaggi della riga di comando `billing`.
cli-run-header = Fatturazione al { $date }
cli-run-header-dry = Fatturazione al { $date } (simulazione: non viene salvato nulla)
cli-run-tenant = Esercente { $tenant }: { $subscriptions } abbonamenti da fatturare, { $invoices } fatture
cli-run-currency = { $currency }: { $count } fatture, imponibile { $net }, IVA { $vat }, totale { $total }
cli-run-total = In tutto: { $invoices } fatture per { $subscriptions } abbonamenti.
cli-run-nothing = Niente da fatturare.
cli-run-progress = fatturazione
cli-demo-seeded = Dati dimostrativi creati: esercente «{ $tenant }» con { $customers } clienti e { $subscriptions } abbonamenti.
cli-demo-reused = Dati dimostrativi trovati: esercente «{ $tenant }» con { $customers } clienti; non è stato aggiunto nulla.
cli-demo-serving = Billing è in esecuzione su { $url }
cli-demo-api-key = Chiave API dimostrativa: { $key }
cli-demo-try = Prova: curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = Premi Ctrl-C per fermarlo.
cli-serve-listening = In ascolto su { $url }
cli-migrated = Database migrato.
cli-tenant-created = Esercente «{ $tenant }» creato con l'identificativo { $id }.
cli-api-key-created = Nuova chiave API (mostrata una sola volta, salvala ora): { $key }
cli-sim-header = Simulazione dal { $start } al { $end } (non viene salvato nulla)
cli-sim-kind-subscription = fattura
cli-sim-kind-proration = pro rata
cli-sim-kind-credit-note = nota di credito
cli-sim-total = { $count } documenti, totale { $total }; alla fine della simulazione l'abbonamento è { $status }.
cli-fx-imported = Importati { $rates } tassi BCE per { $days } giorni (dal { $first } al { $last }). Non importati (valute sconosciute): { $skipped }
cli-job-done = Attività { $name } completata: { $count } fatture.
cli-vies-rechecked = VIES: { $checked } partite IVA verificate: { $valid } valide, { $invalid } non valide, { $unverified } ancora non confermate.
cli-run-rates = Per aliquota IVA:
cli-run-rate = { $currency } { $category } { $rate } %: { $count } fatture, imponibile { $net }, IVA { $vat }, totale { $total }
cli-run-id = Esecuzione { $id } ({ $status })
cli-run-resumed = Questa esecuzione continua una che si era interrotta (ripresa { $count } volte).
cli-run-skipped = Non fatturati a causa di un'eccezione: { $count } abbonamenti.
cli-run-exceptions = Eccezioni ({ $count }):
cli-run-exception-blocking = non fatturato
cli-run-exception-warning = avviso
cli-run-exception-price-missing = { $customer }: il piano «{ $plan }» non ha un prezzo in { $currency }; non fatturato.
cli-run-exception-tax-undeterminable = { $customer }: non è possibile determinare l'IVA per { $country } ({ $reason }); non fatturato.
cli-run-exception-vat-id-missing = { $customer }: impresa in { $country } senza partita IVA confermata; IVA addebitata come a un consumatore.
cli-run-exception-payment-method-missing = { $customer }: nessun metodo di pagamento predefinito; l'incasso automatico non riuscirà.
cli-run-exception-tax-behavior-mixed = { $customer }: i periodi dovuti su «{ $plan }» hanno prezzi in parte IVA inclusa e in parte IVA esclusa; una fattura è l'una o l'altra cosa. Fattura prima fino al giorno precedente la variazione di prezzo; non fatturato.
cli-runs-none = Ancora nessuna esecuzione di fatturazione.
cli-runs-dry = simulazione
cli-runs-real = esecuzione reale
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  { $invoices } fatture, { $exceptions } eccezioni  { $started }  { $by }
cli-runs-detail = { $kind } al { $date }, avviata il { $started } da { $by }, terminata il { $finished }, { $ms } ms di lavoro; { $subscriptions } abbonamenti considerati.
cli-runs-not-found = Nessuna esecuzione di fatturazione { $id }.
cli-runs-report-written = Report dell'esecuzione { $id } scritto in { $file } ({ $rows } righe).
cli-tenant-collection-set = L'esercente «{ $tenant }» ora incassa tramite: { $method }.
cli-collect-summary = Incasso al { $as_of }: { $collected } pagate, { $failed } non pagate, { $redriven } tentativi in sospeso rilanciati, { $rechecked } pagamenti in attesa regolati secondo il fornitore, { $skipped } saltate, { $refunds } rimborsi senza risposta conclusi.
cli-collect-locked = Un'altra esecuzione di incasso detiene il blocco; non è stato fatto nulla.
cli-bank-imported = Estratto conto { $id } importato: { $entries } movimenti, { $matched } abbinati, { $unmatched } non abbinati, { $ambiguous } ambigui.

cli-embedded-serving = Un processo billing (pid { $pid }) serve già questa cartella dati all'indirizzo { $url }. Usalo oppure fermalo prima.
cli-embedded-busy = La cartella dati { $dir } è in uso da un altro processo billing (pid { $pid }) che non l'ha rilasciata in tempo. Riprova quando avrà finito.
cli-embedded-waiting = In attesa che un altro processo billing finisca con { $dir } …
cli-run-date-in-future = La data di esecuzione { $as_of } è successiva a oggi ({ $today }) nel fuso orario del commerciante: le fatture verrebbero emesse con una data futura. Usa --dry-run per guardare avanti, oppure --allow-future se lo vuoi davvero.
cli-run-exception-fx-rate-missing = { $customer }: nessun tasso BCE per { $currency } il { $date } né nei { $days } giorni precedenti, quindi l'IVA non può essere indicata in { $national } (art. 230 direttiva IVA); importa i tassi con billing fx-import; non fatturato.
cli-run-exception-einvoice-data-missing = { $customer }: la fattura elettronica { $format } che riceve questo cliente richiede { $missing }.
cli-einvoice-exported = Esportate { $files } fatture elettroniche ({ $format }, emesse dal { $from } al { $to }) in { $file }.
cli-einvoice-skipped = Nessuna fattura elettronica per { $number }: { $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench richiede DATABASE_URL: crea un proprio database su quel server PostgreSQL.
cli-bench-subscriptions-range = --subscriptions deve essere compreso tra 1 e 10000000.
cli-bench-kept = Database { $database } conservato.
cli-bench-loading = Caricamento di { $count } clienti e abbonamenti…
cli-bench-running = Fatturazione di { $count } abbonamenti in scadenza…
cli-bench-floors = Misurazione dei limiti inferiori (COPY delle stesse righe)…
cli-bench-run = Fatturazione: { $subscriptions } abbonamenti, { $invoices } fatture in { $seconds } s ({ $us } µs per abbonamento)
cli-bench-rss = Memoria massima: { $mib } MiB
cli-bench-rows = Righe scritte: { $rows }
cli-bench-lean = Limite COPY in tabelle essenziali: { $seconds } s; la fatturazione impiega { $ratio } volte tanto
cli-bench-real = COPY nelle tabelle reali: { $seconds } s; la fatturazione impiega { $ratio } volte tanto
cli-bench-rerun = Ripetizione: { $seconds } s ({ $percent } % della fatturazione), righe scritte: { $rows }
cli-bench-phases = Dove va il tempo della fatturazione:
cli-bench-usage-range = --events deve essere tra 1 e 10000000, --batch tra 1 e 1000 e --concurrency tra 1 e 256.
cli-bench-usage-sending = Invio di { $count } eventi di utilizzo tramite l’API…
cli-bench-usage-batch = Lotti: { $events } eventi in lotti da { $batch } da { $concurrency } connessioni: { $rate } eventi/s (p50 { $p50 } ms, p99 { $p99 } ms per richiesta)
cli-bench-usage-single = Eventi singoli: { $events }: { $rate } eventi/s (p50 { $p50 } ms, p99 { $p99 } ms)
cli-bench-usage-copy = COPY in usage_events: { $rate } righe/s; l’acquisizione a lotti ne raggiunge { $ratio }
cli-webhooks-run = Webhook: { $events } eventi distribuiti, { $sent } consegne inviate, { $retried } da ritentare, { $failed } fallite definitivamente, { $disabled } endpoint disattivati.
cli-request-log-pruned = Registro delle richieste: { $count } voci più vecchie di { $days } giorni eliminate.

# dunning-retries
predunning-cli-locked = Un'altra esecuzione di preavviso detiene il blocco; non è stato fatto nulla.
predunning-cli-summary = Preavvisi: { $cards } avvisi di carta in scadenza, { $trials } di fine prova, { $renewals } di rinnovo e { $debits } prenotifiche di addebito in coda.
purge-outbox-cli-summary = Pulizia dell'outbox: { $events } eventi, { $mails } e-mail e { $deliveries } consegne webhook più vecchi di { $days } giorni eliminati.
bench-api-range = --customers e --requests devono essere tra 1 e 10000000 e --concurrency tra 1 e 256.
bench-api-measuring = Misurazione di { $scenario }…
bench-api-setup = { $customers } clienti, { $invoices } fatture; { $requests } richieste per scenario da { $concurrency } connessioni
bench-api-scenario = { $scenario }: { $rate } richieste/s (p50 { $p50 } ms, p99 { $p99 } ms); { $ratio } del throughput minimo, p99 { $p99ratio } volte quello minimo
bench-api-during-run = La fatturazione è durata { $seconds } s; { $requests } richieste hanno avuto risposta mentre era in corso{ $ended ->
    [yes] .
   *[no] , ed è terminata prima della misurazione (usare più clienti).
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = OROLOGIO SIMULATO: questo server esegue tutti i job e l’API all’ora scritta in { $file } (ora { $now }), non all’ora reale. Solo per test e staging.
jobs-invoice-run-tenant = Fatturazione per { $tenant } al { $as_of }: { $invoices } fatture, { $skipped } abbonamenti saltati.
jobs-invoice-run-done-already = Fatturazione per { $tenant } al { $as_of }: già eseguita.
jobs-invoice-run-busy = Fatturazione per { $tenant }: un altro processo la sta eseguendo; nulla è stato fatto.
jobs-invoice-run-failed = Fatturazione per { $tenant } al { $as_of } non riuscita: { $error }
jobs-invoice-run-some-failed = { $count } fatturazioni non riuscite.
jobs-fx-not-configured = Niente da importare: impostare [fx] url o [fx] folder.
jobs-metrics-snapshot-done = Istantanea delle metriche: { $rows } righe scritte per { $tenants } esercenti.
