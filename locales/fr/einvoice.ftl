# Factures électroniques (XRechnung, ZUGFeRD) : erreurs de l’API, données manquantes,
# l’exception du cycle de facturation et l’export en ligne de commande.
error-einvoice-data-missing = La facture électronique { $format } ne peut pas être produite : il manque { $missing }.
error-einvoice-not-finalized = Seules les factures et les avoirs finalisés ont une facture électronique. Finalisez d’abord le brouillon.
einvoice-missing-seller-address = l’adresse postale du vendeur (POST /api/v1/tenant)
einvoice-missing-seller-tax-id = le numéro de TVA ou le numéro fiscal du vendeur (le numéro de TVA pour les livraisons intracommunautaires et les exportations)
einvoice-missing-seller-tax-number = le numéro fiscal du vendeur (un document hors champ de la TVA ne peut pas indiquer de numéro de TVA)
einvoice-missing-seller-contact-name = le nom du contact du vendeur (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-phone = le numéro de téléphone du contact du vendeur (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-email = l’adresse e-mail du contact du vendeur (POST /api/v1/tenant/einvoice)
einvoice-missing-buyer-address = l’adresse de facturation du client avec code postal et ville
einvoice-missing-buyer-reference = le Leitweg-ID du client comme référence acheteur (acheteur public ; POST /api/v1/customers/…/einvoice)
einvoice-missing-payment-means = des instructions de paiement : un compte bancaire du vendeur ou une carte enregistrée du client
einvoice-missing-currency-precision = une devise à deux décimales au plus (les montants EN 16931 en ont deux)
einvoice-missing-mixed-not-subject-to-vat = des documents distincts pour les opérations hors champ de la TVA et les autres
cli-run-exception-einvoice-data-missing = { $customer } : il manque { $missing } pour la facture électronique { $format } de ce client.
cli-einvoice-exported = { $files } factures électroniques ({ $format }, émises du { $from } au { $to }) exportées vers { $file }.
cli-einvoice-skipped = Pas de facture électronique pour { $number } : { $reason }
