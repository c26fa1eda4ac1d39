# Messages d’erreur de l’API. Le code stable, lisible par machine, accompagne chaque message.
error-unknown-currency = « { $value } » n’est pas une devise connue. Utilisez un code ISO 4217 comme EUR.
error-currency-mismatch = Des montants en { $left } et en { $right } ne peuvent pas être combinés.
error-amount-overflow = Le montant est trop élevé.
error-amount-too-precise = Les montants en { $currency } ont au plus { $exponent } décimales.
error-amount-invalid = « { $value } » n’est pas un montant valide. Écrivez-le comme 12.34.
error-negative-amount = Le montant ne doit pas être négatif.
error-invalid-email = « { $value } » n’est pas une adresse e-mail valide.
error-invalid-country = « { $value } » n’est pas un code pays. Utilisez un code ISO 3166 comme FR.
error-invalid-interval = L’intervalle de facturation n’est pas valide : { $detail }
error-invalid-id = « { $value } » n’est pas un identifiant valide de ce type (il doit commencer par { $prefix }_).
error-invalid-field = La valeur de « { $field } » n’est pas valide : { $detail }
error-invalid-quantity = La quantité doit être un nombre entier de 1 à { $max }.
error-not-found = { $resource ->
    [customer] Aucun client
    [plan] Aucune offre
    [subscription] Aucun abonnement
    [invoice] Aucune facture
    [coupon] Aucun code promo
    [tenant] Aucun marchand
   *[other] Rien
} n’existe avec l’identifiant « { $id } ».
error-plan-not-priced = L’offre « { $plan } » n’est pas proposée en { $currency }.
error-plan-inactive = L’offre « { $plan } » n’est plus proposée.
error-duplicate = « { $code } » est déjà utilisé.
error-invalid-number-format = Le format du numéro de facture n’est pas valide : { $detail }
error-internal = Une erreur s’est produite de notre côté. Veuillez réessayer plus tard.
error-api-key-missing = Envoyez votre clé d’API dans l’en-tête « Authorization: Bearer sk_… ».
error-api-key-invalid = Cette clé d’API n’est pas valide ou a été révoquée.
error-invalid-body = Le corps de la requête n’est pas valide pour ce point d’accès : { $detail }
error-invalid-query = Les paramètres de la requête ne sont pas valides : { $detail }
error-idempotency-key-reused = Cette Idempotency-Key a déjà servi pour une autre requête.
error-idempotency-key-in-use = Une requête portant cette Idempotency-Key est encore en cours de traitement. Réessayez dans un instant avec la même clé.
error-idempotency-key-invalid = Une Idempotency-Key doit compter de 1 à 255 caractères visibles.
error-route-not-found = Ce point d’accès n’existe pas.
error-method-not-allowed = Ce point d’accès n’accepte pas cette méthode.
error-payload-too-large = Le corps de la requête est trop volumineux.
error-proration = La modification ne peut pas être calculée au prorata : { $detail }
error-subscription-state = L’abonnement est { $status ->
    [active] actif
    [paused] en pause
   *[canceled] résilié
}, ce n’est donc pas possible ({ $action }).
error-invalid-pricing = La tarification n’est pas valide : { $detail }
error-coupon-expired = Ce code promo a expiré.
error-coupon-exhausted = Ce code promo a déjà été utilisé le nombre maximal de fois.
error-coupon-currency = Ce code promo ne s’applique pas aux montants en { $currency }.
error-invalid-coupon = Le code promo n’est pas valide : { $detail }
error-not-metered = L’abonnement { $subscription } n’a pas d’offre à l’usage.
error-usage-period-closed = L’événement d’usage { $event_id } tombe dans une période déjà facturée.
error-vat-id-prefix = « { $country } » n’est pas un préfixe de numéro de TVA connu. Commencez par le code pays, p. ex. FR ou DE.
error-vat-id-format = Ce n’est pas le format d’un numéro de TVA de { $country }.
error-vat-id-check-digits = La clé de contrôle de ce numéro de TVA de { $country } ne correspond pas. Vérifiez s’il y a une faute de frappe.
error-tax = La TVA de cette vente ne peut pas être déterminée : { $detail }
error-no-payment-method = Le client n’a aucun moyen de paiement enregistré. Ajoutez-en un d’abord.
error-payment-in-progress = Un paiement de cette facture est déjà en cours. Attendez son résultat au lieu de payer à nouveau.
error-card-declined = La carte a été refusée ({ $code }).
error-setup-pending = Le client n’a pas encore terminé la confirmation de ce moyen de paiement auprès de sa banque. Réessayez ensuite.
error-setup-authentication-failed = La banque n’a pas pu confirmer ce moyen de paiement ({ $code }). Il n’a pas été enregistré ; ajoutez-le à nouveau ou utilisez-en un autre.
error-gateway-unavailable = Le prestataire de paiement n’a pas répondu. Rien n’a été débité deux fois ; veuillez réessayer plus tard.
error-invoice-not-payable = Cette facture est { $status } : il n’y a rien à encaisser.
error-addon-not-compatible = L’option « { $addon } » ne peut pas être ajoutée à l’offre « { $plan } ».
error-insufficient-balance = Le solde créditeur du client est insuffisant ({ $available } unités mineures de { $currency } disponibles).
error-refund-too-large = Au plus { $refundable } unités mineures de { $currency } peuvent être remboursées sur cette facture.
error-refund-failed = Le prestataire de paiement a refusé le remboursement ; rien n’a été remboursé. Motif : { $reason }
error-invoice-state = La facture est { $status } : impossible de { $action } dans cet état.
error-credit-exceeds-invoice = Au plus { $creditable } unités mineures de { $currency } peuvent encore être créditées sur cette facture.
error-invoice-has-payments = Un paiement a été reçu pour cette facture, elle ne peut donc pas être annulée. Émettez plutôt un avoir ou un remboursement.
error-invoice-empty = La facture n’a aucune ligne. Ajoutez au moins une ligne avant de la finaliser.
error-no-gateway-route = Aucun compte de prestataire de paiement ne peut prendre ce paiement : { $reason }
error-invalid-gateway-config = La configuration du prestataire de paiement n’est pas valide : { $detail }
error-webhook-rejected = Le webhook a été refusé : sa signature est absente, fausse ou trop ancienne.
error-webhook-unverifiable = La notification ne peut pas être vérifiée auprès du prestataire de paiement pour le moment. Renvoyez-la plus tard.
error-invalid-iban = « { $value } » n’est pas un IBAN valide : vérifiez le code pays, la longueur et les deux chiffres de contrôle.
error-invalid-bic = « { $value } » n’est pas un BIC valide : il compte 8 ou 11 lettres et chiffres.
error-bank-account-missing = Aucun compte bancaire n’est encore configuré pour les virements : définissez-le avec PUT /api/v1/bank_account.
error-invalid-statement = Le relevé bancaire n’a pas pu être lu ({ $location }) : { $detail }
error-statement-format-unknown = Envoyez le relevé en XML camt.053 (Content-Type application/xml) ou en CSV (text/csv), ou indiquez le format avec ?format=camt053 ou ?format=csv.
error-statement-layout-unknown = Il n’existe pas de format CSV « { $value } ». Utilisez german ou english, ou omettez-le pour que le format soit reconnu à sa ligne d’en-tête.
error-statement-entry-settled = Cette écriture est { $outcome } et ne peut pas être affectée à une facture ; seuls les crédits non rapprochés ou ambigus peuvent l’être.
error-epc-qr-unavailable = Cette facture n’a pas de code QR EPC : elle n’est pas en euros ou plus rien n’est dû.
error-invalid-tax-behavior = « { $value } » n’est pas un traitement de la TVA. Utilisez « exclusive » (la TVA s’ajoute au prix) ou « inclusive » (le prix inclut la TVA).
error-tax-behavior-mixed = Une facture est soit entièrement TTC, soit entièrement HT. Ces montants mélangeraient des prix TTC et des prix HT ; émettez-les sur des documents séparés.
error-run-date-in-future = La date d’exécution { $as_of } est postérieure à aujourd’hui ({ $today }) dans votre fuseau horaire : les factures seraient émises à une date future. Anticipez avec une simulation (dry run) ou autorisez-le explicitement (allow_future).
error-fx-rate-missing = Il n’existe aucun taux de référence BCE pour { $currency } le { $date } ni dans les { $days } jours précédents ; la TVA ne peut donc pas être indiquée en { $national } comme l’exige l’article 230 de la directive TVA. Importez les taux BCE (billing fx-import) puis finalisez à nouveau.
error-invalid-text = Le champ { $field } contient un caractère de contrôle ({ $char }). Supprimez-le ; seuls les tabulations et les sauts de ligne sont admis.
error-text-too-long = Le champ { $field } dépasse { $max } caractères.
error-amount-out-of-bounds = Le montant est hors limites : au plus { $max } unités monétaires mineures, en positif comme en négatif.
error-request-timeout = Le corps de la requête n’est pas arrivé à temps.
error-rate-limited = Trop d’échecs d’authentification depuis votre adresse. Réessayez dans { $seconds } secondes.
error-bad-request = La requête n’est pas valide : { $detail }
error-service-unavailable = Le service n’est pas disponible pour le moment. Réessayez plus tard.

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

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = « { $url } » ne peut pas recevoir de webhooks : utilisez une adresse https:// (http:// n’est accepté que pour 127.0.0.1 ou localhost, pour les tests), sans nom d’utilisateur, mot de passe ni #fragment.
error-webhook-endpoint-disabled = Ce point de terminaison de webhooks est désactivé. Activez-le (statut « enabled ») avant de lui renvoyer des événements.
error-insufficient-scope = Cette clé d’API ne peut pas faire cela : il lui faut la portée « { $scope } ».

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = Les frais de relance ne sont pas valides : { $detail }
error-account-restricted = Votre compte est restreint car des factures sont en retard : les changements de formule et les nouveaux abonnements seront de nouveau possibles après leur paiement.
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = Cette clé d’API ou votre compte a envoyé plus de { $limit } requêtes cette minute. Réessayez dans { $seconds } secondes.
sepa-period-invalid = Le délai de pré-notification SEPA doit être un nombre entier de jours calendaires entre { $min } et { $max }, ou null pour les 14 jours du règlement SEPA. Rien n’a été modifié.
