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
cli-run-exception-einvoice-data-missing = { $customer }: für die { $format }-E-Rechnung dieses Kunden fehlt { $missing }.
cli-einvoice-exported = { $files } E-Rechnungen ({ $format }, ausgestellt vom { $from } bis { $to }) nach { $file } exportiert.
cli-einvoice-skipped = Keine E-Rechnung für { $number }: { $reason }
