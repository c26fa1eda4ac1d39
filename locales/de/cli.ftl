# Meldungen der Kommandozeile `billing`.
cli-run-header = Rechnungslauf zum { $date }
cli-run-header-dry = Rechnungslauf zum { $date } (Probelauf: es wird nichts gespeichert)
cli-run-tenant = Händler { $tenant }: { $subscriptions } fällige Abonnements, { $invoices } Rechnungen
cli-run-currency = { $currency }: { $count } Rechnungen, Summe { $total }
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
