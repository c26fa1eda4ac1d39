# Messages de la ligne de commande `billing`.
cli-run-header = Facturation au { $date }
cli-run-header-dry = Facturation au { $date } (simulation : rien n’est enregistré)
cli-run-tenant = Marchand { $tenant } : { $subscriptions } abonnements à facturer, { $invoices } factures
cli-run-currency = { $currency } : { $count } factures, total { $total }
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
