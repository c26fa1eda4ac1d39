# Messages de la ligne de commande `billing`.
cli-run-header = Facturation au { $date }
cli-run-header-dry = Facturation au { $date } (simulation : rien n’est enregistré)
cli-run-tenant = Marchand { $tenant } : { $subscriptions } abonnements à facturer, { $invoices } factures
cli-run-currency = { $currency } : { $count } factures, HT { $net }, TVA { $vat }, total { $total }
cli-run-total = Au total : { $invoices } factures pour { $subscriptions } abonnements.
cli-run-nothing = Rien à facturer.
cli-run-progress = facturation
cli-demo-seeded = Données de démonstration créées : marchand « { $tenant } » avec { $customers } clients et { $subscriptions } abonnements.
cli-demo-reused = Données de démonstration trouvées : marchand « { $tenant } » avec { $customers } clients ; rien n’a été ajouté.
cli-demo-serving = Billing fonctionne à l’adresse { $url }
cli-demo-api-key = Clé d’API de démonstration : { $key }
cli-demo-try = Essayez : curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = Appuyez sur Ctrl-C pour arrêter.
cli-serve-listening = À l’écoute sur { $url }
cli-migrated = Base de données migrée.
cli-tenant-created = Marchand « { $tenant } » créé avec l’identifiant { $id }.
cli-api-key-created = Nouvelle clé d’API (affichée une seule fois, conservez-la maintenant) : { $key }
cli-sim-header = Simulation du { $start } au { $end } (rien n’est enregistré)
cli-sim-kind-subscription = facture
cli-sim-kind-proration = prorata
cli-sim-kind-credit-note = avoir
cli-sim-total = { $count } documents, total { $total } ; statut de l’abonnement à la fin : { $status }.
cli-fx-imported = { $rates } cours BCE importés pour { $days } jours (du { $first } au { $last }). Non importés (devises inconnues) : { $skipped }
cli-job-done = Tâche { $name } terminée : { $count } factures.
cli-vies-rechecked = VIES : { $checked } numéros de TVA vérifiés : { $valid } valides, { $invalid } invalides, { $unverified } toujours non confirmés.
cli-run-rates = Par taux de TVA :
cli-run-rate = { $currency } { $category } { $rate } % : { $count } factures, HT { $net }, TVA { $vat }, total { $total }
cli-run-id = Exécution { $id } ({ $status })
cli-run-resumed = Cette exécution reprend une exécution interrompue (reprise { $count } fois).
cli-run-skipped = Non facturés à cause d’une exception : { $count } abonnements.
cli-run-exceptions = Exceptions ({ $count }) :
cli-run-exception-blocking = non facturé
cli-run-exception-warning = avertissement
cli-run-exception-price-missing = { $customer } : le plan « { $plan } » n’a pas de prix en { $currency } ; non facturé.
cli-run-exception-tax-undeterminable = { $customer } : la TVA pour { $country } ne peut pas être déterminée ({ $reason }) ; non facturé.
cli-run-exception-vat-id-missing = { $customer } : entreprise en { $country } sans numéro de TVA confirmé ; TVA facturée comme à un consommateur.
cli-run-exception-payment-method-missing = { $customer } : aucun moyen de paiement par défaut ; le prélèvement automatique échouera.
cli-run-exception-tax-behavior-mixed = { $customer } : les périodes dues de « { $plan } » sont tarifées en partie TTC et en partie HT ; une facture est l’un ou l’autre. Facturez d’abord jusqu’à la veille du changement de prix ; non facturé.
cli-runs-none = Aucune exécution de facturation pour l’instant.
cli-runs-dry = simulation
cli-runs-real = exécution réelle
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  { $invoices } factures, { $exceptions } exceptions  { $started }  { $by }
cli-runs-detail = { $kind } au { $date }, lancée le { $started } par { $by }, terminée le { $finished }, { $ms } ms de travail ; { $subscriptions } abonnements examinés.
cli-runs-not-found = Aucune exécution de facturation { $id }.
cli-runs-report-written = Rapport de l’exécution { $id } écrit dans { $file } ({ $rows } lignes).
cli-tenant-collection-set = Le marchand « { $tenant } » encaisse désormais : { $method }.
cli-collect-summary = Encaissement au { $as_of } : { $collected } payées, { $failed } non payées, { $redriven } tentatives en attente reprises, { $rechecked } paiements en attente réglés d’après le prestataire, { $skipped } ignorées, { $refunds } remboursements restés sans réponse finalisés.
cli-collect-locked = Un autre encaissement détient le verrou ; rien n’a été fait.
cli-bank-imported = Relevé bancaire { $id } importé : { $entries } écritures, { $matched } rapprochées, { $unmatched } non rapprochées, { $ambiguous } ambiguës.

# La base de données intégrée (un seul processus billing possède un dossier de données ; docs/adr/0018)
cli-embedded-serving = Un processus billing (pid { $pid }) sert déjà ce dossier de données à l’adresse { $url }. Utilisez-le ou arrêtez-le d’abord.
cli-embedded-busy = Le dossier de données { $dir } est utilisé par un autre processus billing (pid { $pid }) qui ne l’a pas libéré à temps. Réessayez lorsqu’il aura terminé.
cli-embedded-waiting = En attente qu’un autre processus billing ait fini d’utiliser { $dir } …
cli-run-date-in-future = La date d’exécution { $as_of } est postérieure à aujourd’hui ({ $today }) dans le fuseau horaire du marchand : les factures seraient émises à une date future. Utilisez --dry-run pour anticiper, ou --allow-future si c’est voulu.
cli-run-exception-fx-rate-missing = { $customer } : aucun taux BCE pour { $currency } le { $date } ni dans les { $days } jours précédents, la TVA ne peut donc pas être indiquée en { $national } (art. 230 de la directive TVA) ; importez les taux avec billing fx-import ; non facturé.

# E-invoices: the invoice run's exception and the CLI export.
cli-run-exception-einvoice-data-missing = { $customer } : il manque { $missing } pour la facture électronique { $format } de ce client.
cli-einvoice-exported = { $files } factures électroniques ({ $format }, émises du { $from } au { $to }) exportées vers { $file }.
cli-einvoice-skipped = Pas de facture électronique pour { $number } : { $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench a besoin de DATABASE_URL : il crée sa propre base de données sur ce serveur PostgreSQL.
cli-bench-subscriptions-range = --subscriptions doit être compris entre 1 et 10000000.
cli-bench-kept = Base de données { $database } conservée.
cli-bench-loading = Chargement de { $count } clients et abonnements…
cli-bench-running = Facturation de { $count } abonnements échus…
cli-bench-floors = Mesure des planchers (COPY des mêmes lignes)…
cli-bench-run = Facturation : { $subscriptions } abonnements, { $invoices } factures en { $seconds } s ({ $us } µs par abonnement)
cli-bench-rss = Mémoire maximale : { $mib } Mio
cli-bench-rows = Lignes écrites : { $rows }
cli-bench-lean = Plancher COPY dans des tables minimales : { $seconds } s ; la facturation prend { $ratio } fois plus de temps
cli-bench-real = COPY dans les vraies tables : { $seconds } s ; la facturation prend { $ratio } fois plus de temps
cli-bench-rerun = Nouvelle exécution : { $seconds } s ({ $percent } % de la facturation), lignes écrites : { $rows }
cli-bench-phases = Où passe le temps de la facturation :
cli-bench-usage-range = --events doit être entre 1 et 10000000, --batch entre 1 et 1000 et --concurrency entre 1 et 256.
cli-bench-usage-sending = Envoi de { $count } événements d’usage par l’API…
cli-bench-usage-batch = Lots : { $events } événements par lots de { $batch } sur { $concurrency } connexions : { $rate } événements/s (p50 { $p50 } ms, p99 { $p99 } ms par requête)
cli-bench-usage-single = Événements isolés : { $events } : { $rate } événements/s (p50 { $p50 } ms, p99 { $p99 } ms)
cli-bench-usage-copy = COPY dans usage_events : { $rate } lignes/s ; l’ingestion par lots en atteint { $ratio }
cli-webhooks-run = Webhooks : { $events } événements distribués, { $sent } livraisons envoyées, { $retried } à réessayer, { $failed } en échec définitif, { $disabled } points de terminaison désactivés.
cli-request-log-pruned = Journal des requêtes : { $count } entrées de plus de { $days } jours supprimées.

# dunning-retries
predunning-cli-locked = Une autre exécution de pré-relance détient le verrou ; rien n'a été fait.
predunning-cli-summary = Pré-relance : { $cards } avis de carte expirante, { $trials } avis de fin d'essai, { $renewals } avis de renouvellement, { $debits } pré-notifications de prélèvement mis en file.
purge-outbox-cli-summary = Purge de l'outbox : { $events } événements, { $mails } e-mails et { $deliveries } livraisons de webhooks de plus de { $days } jours supprimés.
bench-api-range = --customers et --requests doivent être entre 1 et 10000000, --concurrency entre 1 et 256.
bench-api-measuring = Mesure de { $scenario }…
bench-api-setup = { $customers } clients, { $invoices } factures ; { $requests } requêtes par scénario sur { $concurrency } connexions
bench-api-scenario = { $scenario } : { $rate } requêtes/s (p50 { $p50 } ms, p99 { $p99 } ms) ; { $ratio } du débit plancher, p99 { $p99ratio } fois celui du plancher
bench-api-during-run = La facturation a duré { $seconds } s ; { $requests } requêtes ont reçu leur réponse pendant qu'elle tournait{ $ended ->
    [yes] .
   *[no] , et elle s'est terminée avant la mesure (utilisez plus de clients).
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = HORLOGE SIMULÉE : ce serveur exécute toutes les tâches et l’API à l’heure écrite dans { $file } (maintenant { $now }), et non à l’heure réelle. Réservé aux tests et à la préproduction.
jobs-invoice-run-tenant = Facturation pour { $tenant } au { $as_of } : { $invoices } factures, { $skipped } abonnements ignorés.
jobs-invoice-run-done-already = Facturation pour { $tenant } au { $as_of } : déjà effectuée.
jobs-invoice-run-busy = Facturation pour { $tenant } : un autre processus l’exécute ; rien n’a été fait.
jobs-invoice-run-failed = Échec de la facturation pour { $tenant } au { $as_of } : { $error }
jobs-invoice-run-some-failed = { $count } facturations ont échoué.
jobs-fx-not-configured = Rien à importer : définissez [fx] url ou [fx] folder.
jobs-metrics-snapshot-done = Instantané des indicateurs : { $rows } lignes écrites pour { $tenants } marchands.
