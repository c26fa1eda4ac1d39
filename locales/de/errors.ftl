# API-Fehlermeldungen. Der stabile maschinenlesbare Code steht neben jeder Meldung.
error-unknown-currency = „{ $value }“ ist keine bekannte Währung. Verwenden Sie einen ISO-4217-Code wie EUR.
error-currency-mismatch = Beträge in { $left } und { $right } können nicht verrechnet werden.
error-amount-overflow = Der Betrag ist zu groß.
error-amount-too-precise = Beträge in { $currency } haben höchstens { $exponent } Nachkommastellen.
error-amount-invalid = „{ $value }“ ist kein gültiger Betrag. Schreiben Sie ihn wie 12.34.
error-negative-amount = Der Betrag darf nicht negativ sein.
error-invalid-email = „{ $value }“ ist keine gültige E-Mail-Adresse.
error-invalid-country = „{ $value }“ ist kein Ländercode. Verwenden Sie einen ISO-3166-Code wie DE.
error-invalid-interval = Das Abrechnungsintervall ist ungültig: { $detail }
error-invalid-id = „{ $value }“ ist keine gültige ID dieser Art (erwartet wird eine, die mit { $prefix }_ beginnt).
error-invalid-field = Der Wert von „{ $field }“ ist ungültig: { $detail }
error-invalid-quantity = Die Menge muss eine ganze Zahl von 1 bis { $max } sein.
error-not-found = { $resource ->
    [customer] Es gibt keinen Kunden
    [plan] Es gibt keinen Tarif
    [subscription] Es gibt kein Abonnement
    [invoice] Es gibt keine Rechnung
    [coupon] Es gibt keinen Gutschein
    [tenant] Es gibt keinen Händler
   *[other] Es gibt nichts
} mit der ID „{ $id }“.
error-plan-not-priced = Der Tarif „{ $plan }“ wird nicht in { $currency } angeboten.
error-plan-inactive = Der Tarif „{ $plan }“ wird nicht mehr angeboten.
error-duplicate = „{ $code }“ ist bereits vergeben.
error-invalid-number-format = Das Format der Rechnungsnummer ist ungültig: { $detail }
error-internal = Bei uns ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut.
error-api-key-missing = Senden Sie Ihren API-Schlüssel im Header „Authorization: Bearer sk_…“.
error-api-key-invalid = Dieser API-Schlüssel ist ungültig oder wurde widerrufen.
error-invalid-body = Der Inhalt der Anfrage ist für diesen Endpunkt ungültig: { $detail }
error-invalid-query = Die Abfrageparameter sind ungültig: { $detail }
error-idempotency-key-reused = Dieser Idempotency-Key wurde bereits für eine andere Anfrage verwendet.
error-idempotency-key-in-use = Eine Anfrage mit diesem Idempotency-Key wird noch bearbeitet. Bitte gleich mit demselben Schlüssel erneut versuchen.
error-idempotency-key-invalid = Ein Idempotency-Key muss aus 1 bis 255 sichtbaren Zeichen bestehen.
error-route-not-found = Diesen Endpunkt gibt es nicht.
error-method-not-allowed = Dieser Endpunkt akzeptiert diese Methode nicht.
error-payload-too-large = Der Inhalt der Anfrage ist zu groß.
error-proration = Die Änderung kann nicht anteilig berechnet werden: { $detail }
error-subscription-state = Das Abonnement ist { $status ->
    [active] aktiv
    [paused] pausiert
   *[canceled] gekündigt
}, daher ist das nicht möglich ({ $action }).
error-invalid-pricing = Die Preisgestaltung ist ungültig: { $detail }
error-coupon-expired = Dieser Gutschein ist abgelaufen.
error-coupon-exhausted = Dieser Gutschein ist bereits aufgebraucht.
error-coupon-currency = Dieser Gutschein gilt nicht für Beträge in { $currency }.
error-invalid-coupon = Der Gutschein ist ungültig: { $detail }
error-not-metered = Das Abonnement { $subscription } hat keinen nutzungsbasierten Tarif.
error-usage-period-closed = Das Nutzungsereignis { $event_id } fällt in einen bereits abgerechneten Zeitraum.
error-vat-id-prefix = „{ $country }“ ist kein bekanntes Länderkürzel für USt-IdNrn. Beginnen Sie mit dem Ländercode, z. B. DE oder FR.
error-vat-id-format = Das ist nicht das Format einer USt-IdNr. aus { $country }.
error-vat-id-check-digits = Die Prüfziffer dieser USt-IdNr. aus { $country } stimmt nicht. Bitte prüfen Sie auf Tippfehler.
error-tax = Die Umsatzsteuer für diesen Verkauf lässt sich nicht bestimmen: { $detail }
error-no-payment-method = Für den Kunden ist keine Zahlungsmethode hinterlegt. Bitte zuerst eine hinzufügen.
error-payment-in-progress = Für diese Rechnung läuft bereits eine Zahlung. Bitte deren Ergebnis abwarten, statt erneut zu zahlen.
error-card-declined = Die Karte wurde abgelehnt ({ $code }).
error-setup-pending = Der Kunde hat die Bestätigung dieser Zahlungsmethode bei seiner Bank noch nicht abgeschlossen. Bitte danach erneut versuchen.
error-setup-authentication-failed = Die Bank konnte diese Zahlungsmethode nicht bestätigen ({ $code }). Sie wurde nicht gespeichert; bitte erneut hinzufügen oder eine andere verwenden.
error-gateway-unavailable = Der Zahlungsdienstleister hat nicht geantwortet. Es wurde nichts doppelt belastet; bitte später erneut versuchen.
error-invoice-not-payable = Diese Rechnung ist { $status }: es gibt nichts einzuziehen.
error-addon-not-compatible = Die Zusatzoption „{ $addon }“ passt nicht zum Tarif „{ $plan }“.
error-insufficient-balance = Das Guthaben des Kunden reicht nicht aus (verfügbar: { $available } kleinste Einheiten { $currency }).
error-refund-too-large = Für diese Rechnung können höchstens { $refundable } kleinste Einheiten { $currency } erstattet werden.
error-refund-failed = Der Zahlungsdienstleister hat die Erstattung abgelehnt; es wurde nichts erstattet. Grund: { $reason }
error-invoice-state = Die Rechnung ist im Status „{ $status }“: { $action } ist so nicht möglich.
error-credit-exceeds-invoice = Auf dieser Rechnung können höchstens noch { $creditable } kleinste Einheiten { $currency } gutgeschrieben werden.
error-invoice-has-payments = Für diese Rechnung ist bereits Geld eingegangen; sie kann nicht storniert werden. Erstellen Sie stattdessen eine Gutschrift oder eine Erstattung.
error-invoice-empty = Die Rechnung hat keine Positionen. Fügen Sie vor dem Abschließen mindestens eine Position hinzu.
error-no-gateway-route = Kein Zahlungsanbieter-Konto kann diese Zahlung annehmen: { $reason }
error-invalid-gateway-config = Die Konfiguration des Zahlungsanbieters ist ungültig: { $detail }
error-webhook-rejected = Der Webhook wurde abgelehnt: Die Signatur fehlt, ist falsch oder zu alt.
error-webhook-unverifiable = Die Zustellung kann gerade nicht beim Zahlungsanbieter geprüft werden. Bitte später erneut zustellen.
error-invalid-iban = „{ $value }“ ist keine gültige IBAN: Bitte Ländercode, Länge und die beiden Prüfziffern prüfen.
error-invalid-bic = „{ $value }“ ist keine gültige BIC: Sie besteht aus 8 oder 11 Buchstaben und Ziffern.
error-bank-account-missing = Für Überweisungen ist noch kein Bankkonto hinterlegt: bitte mit PUT /api/v1/bank_account festlegen.
error-invalid-statement = Der Kontoauszug konnte nicht gelesen werden ({ $location }): { $detail }
error-statement-format-unknown = Bitte den Kontoauszug als camt.053-XML (Content-Type application/xml) oder CSV (text/csv) senden oder das Format mit ?format=camt053 bzw. ?format=csv angeben.
error-statement-layout-unknown = Ein CSV-Layout „{ $value }“ gibt es nicht. Bitte german oder english angeben oder weglassen, dann wird das Layout an der Kopfzeile erkannt.
error-statement-entry-settled = Dieser Umsatz ist { $outcome } und kann keiner Rechnung zugeordnet werden; nur nicht zugeordnete oder mehrdeutige Gutschriften können das.
error-epc-qr-unavailable = Für diese Rechnung gibt es keinen EPC-QR-Code: Sie lautet nicht auf Euro oder es ist nichts mehr offen.
error-invalid-tax-behavior = „{ $value }“ ist keine Steuerbehandlung. Verwenden Sie „exclusive“ (die Umsatzsteuer kommt zum Preis hinzu) oder „inclusive“ (der Preis enthält die Umsatzsteuer).
error-tax-behavior-mixed = Eine Rechnung ist entweder ganz brutto oder ganz netto bepreist. Diese Beträge würden Preise inklusive und exklusive Umsatzsteuer mischen; stellen Sie sie auf getrennten Belegen aus.
error-run-date-in-future = Das Stichtagsdatum { $as_of } liegt nach dem heutigen Tag ({ $today }) in Ihrer Zeitzone: Die Rechnungen trügen ein Datum in der Zukunft. Schauen Sie mit einem Probelauf voraus oder erlauben Sie es ausdrücklich (allow_future).
error-fx-rate-missing = Für { $currency } gibt es am { $date } und in den { $days } Tagen davor keinen EZB-Referenzkurs, daher kann die Umsatzsteuer nicht, wie Art. 230 der MwSt-Richtlinie verlangt, in { $national } angegeben werden. Importieren Sie die EZB-Kurse (billing fx-import) und schließen Sie die Rechnung erneut ab.
error-invalid-text = Das Feld { $field } enthält ein Steuerzeichen ({ $char }). Entfernen Sie es; erlaubt sind nur Tabulatoren und Zeilenumbrüche.
error-text-too-long = Das Feld { $field } ist länger als { $max } Zeichen.
error-amount-out-of-bounds = Der Betrag liegt außerhalb des zulässigen Bereichs: höchstens { $max } kleinste Währungseinheiten, positiv oder negativ.
error-request-timeout = Der Inhalt der Anfrage ist nicht rechtzeitig angekommen.
error-rate-limited = Zu viele fehlgeschlagene Anmeldeversuche von Ihrer Adresse. Versuchen Sie es in { $seconds } Sekunden erneut.
error-bad-request = Die Anfrage ist ungültig: { $detail }
error-service-unavailable = Der Dienst ist gerade nicht verfügbar. Versuchen Sie es später erneut.

# E-Rechnungen (XRechnung, ZUGFeRD): API-Fehler, fehlende Angaben, die Ausnahme im
# Rechnungslauf und der Export über die Kommandozeile.
error-einvoice-data-missing = Die { $format }-E-Rechnung kann nicht erstellt werden: es fehlt { $missing }.
error-einvoice-not-finalized = Nur abgeschlossene Rechnungen und Gutschriften haben eine E-Rechnung. Schließen Sie den Entwurf zuerst ab.
einvoice-missing-seller-address = die Postanschrift des Verkäufers (POST /api/v1/tenant)
einvoice-missing-seller-tax-id = die USt-IdNr. oder Steuernummer des Verkäufers (für innergemeinschaftliche Lieferungen und Ausfuhren die USt-IdNr.)
einvoice-missing-seller-tax-number = die Steuernummer des Verkäufers (ein nicht steuerbarer Beleg darf keine USt-IdNr. zeigen)
einvoice-missing-seller-contact-name = der Name der Kontaktperson des Verkäufers (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-phone = die Telefonnummer der Kontaktperson des Verkäufers (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-email = die E-Mail-Adresse der Kontaktperson des Verkäufers (POST /api/v1/tenant/einvoice)
einvoice-missing-buyer-address = die Rechnungsanschrift des Kunden mit Postleitzahl und Ort
einvoice-missing-buyer-reference = die Leitweg-ID des Kunden als Käuferreferenz (öffentlicher Auftraggeber; POST /api/v1/customers/…/einvoice)
einvoice-missing-payment-means = eine Zahlungsanweisung: ein Bankkonto des Verkäufers oder eine hinterlegte Karte des Kunden
einvoice-missing-currency-precision = eine Währung mit höchstens zwei Nachkommastellen (EN-16931-Beträge haben zwei)
einvoice-missing-mixed-not-subject-to-vat = getrennte Belege für nicht steuerbare und andere Leistungen

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = An „{ $url }“ können keine Webhooks gehen: Verwenden Sie eine https://-Adresse (http:// nur für 127.0.0.1 oder localhost, zum Testen), ohne Benutzernamen, Passwort oder #Fragment.
error-webhook-endpoint-disabled = Dieser Webhook-Endpunkt ist deaktiviert. Aktivieren Sie ihn (Status „enabled“), bevor Sie Ereignisse erneut an ihn senden.
error-insufficient-scope = Dieser API-Schlüssel darf das nicht: Er braucht den Geltungsbereich „{ $scope }“.

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = Die Mahngebühr ist ungültig: { $detail }
error-account-restricted = Ihr Konto ist eingeschränkt, weil Rechnungen überfällig sind: Tarifänderungen und neue Abonnements sind erst nach Zahlung wieder möglich.
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = Dieser API-Schlüssel oder Ihr Konto hat in dieser Minute mehr als { $limit } Anfragen gestellt. Versuchen Sie es in { $seconds } Sekunden erneut.
sepa-period-invalid = Die SEPA-Vorabankündigungsfrist muss eine ganze Zahl von Kalendertagen zwischen { $min } und { $max } sein, oder null für die 14 Tage des SEPA-Regelwerks. Es wurde nichts geändert.
