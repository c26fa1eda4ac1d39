# Transaktionale E-Mails (portal-web/src/mail).

mail-greeting = Hallo { $name },
mail-greeting-anonymous = Hallo,
mail-signoff = Mit freundlichen Grüßen
mail-footer = Sie erhalten diese E-Mail, weil Sie Kunde von { $tenant } sind. Bitte senden Sie uns niemals Kartendaten per E-Mail.

# A fact or a link in the text part.
mail-text-line = { $label }: { $value }
mail-fact-number = Nummer
mail-fact-amount = Betrag
mail-fact-amount-paid = Bezahlter Betrag
mail-fact-amount-due = Offener Betrag
mail-fact-due-date = Fällig am
mail-fact-debit-date = Abbuchungsdatum

mail-action-view = Zu Ihrem Konto
mail-action-update-method = Zahlungsmethode aktualisieren
mail-action-pay = Jetzt bezahlen
mail-action-manage = Abonnement verwalten
mail-action-sign-in = Anmelden

mail-invoice-issued-subject = Rechnung { $number } von { $tenant }
mail-invoice-issued-heading = Ihre neue Rechnung
mail-invoice-issued-body = Ihre Rechnung { $number } über { $amount } finden Sie im Anhang. Bitte bezahlen Sie sie bis zum { $due }.

mail-payment-receipt-subject = Zahlungsbestätigung für Rechnung { $number }
mail-payment-receipt-heading = Vielen Dank für Ihre Zahlung
mail-payment-receipt-body = Wir haben { $amount } für Rechnung { $number } erhalten. Die Rechnung ist damit bezahlt.

mail-payment-failed-subject = Zahlung für Rechnung { $number } fehlgeschlagen
mail-payment-failed-heading = Ihre Zahlung ist nicht durchgegangen
mail-payment-failed-body = Wir konnten { $amount } für Rechnung { $number } nicht einziehen.
mail-payment-failed-retry = Wir versuchen es am { $date } erneut. Sie können Ihre Zahlungsmethode auch jetzt schon aktualisieren.
mail-payment-failed-update = Bitte hinterlegen Sie eine neue Zahlungsmethode, damit wir den Betrag einziehen können.

mail-dunning-step-subject = Zahlungserinnerung: Rechnung { $number } ist überfällig
mail-dunning-step-heading = Ihre Rechnung ist überfällig
mail-dunning-step-body = Die Rechnung { $number } über { $amount } war am { $due } fällig und ist noch nicht bezahlt. Bitte begleichen Sie sie so bald wie möglich.

mail-card-expiring-subject = Ihre Karte mit der Endung { $last4 } läuft bald ab
mail-card-expiring-heading = Ihre Karte läuft bald ab
mail-card-expiring-body = Die Karte mit der Endung { $last4 }, mit der Sie bei { $tenant } bezahlen, läuft am { $date } ab. Bitte hinterlegen Sie eine neue Karte, damit Ihr Dienst ohne Unterbrechung weiterläuft.

mail-trial-ending-subject = Ihr Testzeitraum endet am { $date }
mail-trial-ending-heading = Ihr Testzeitraum endet bald
mail-trial-ending-body = Ihr Testzeitraum bei { $tenant } endet am { $date }. Danach läuft Ihr Abonnement weiter und wird über Ihre Zahlungsmethode abgerechnet.

mail-renewal-notice-subject = Ihr Abonnement verlängert sich am { $date }
mail-renewal-notice-heading = Ihr Abonnement verlängert sich bald
mail-renewal-notice-body = Ihr Abonnement bei { $tenant } verlängert sich am { $date }. Wenn Sie es behalten möchten, müssen Sie nichts tun.

mail-debit-notice-subject = Ankündigung einer Lastschrift über { $amount }
mail-debit-notice-heading = Vorabankündigung einer SEPA-Lastschrift
mail-debit-notice-body = Wir ziehen { $amount } für Rechnung { $number } am { $date } von Ihrem Bankkonto ein. Bitte sorgen Sie für ausreichende Deckung.

mail-subscription-changed-subject = Ihr Abonnement wurde geändert
mail-subscription-changed-heading = Ihr Abonnement wurde geändert
mail-subscription-changed-body = Ihr Abonnement bei { $tenant } wurde geändert. Ihre nächste Rechnung berücksichtigt die Änderung.

mail-subscription-canceled-subject = Ihr Abonnement wurde gekündigt
mail-subscription-canceled-heading = Ihr Abonnement wurde gekündigt
mail-subscription-canceled-body = Ihr Abonnement bei { $tenant } wurde gekündigt und endet am { $date }. Schade, dass Sie gehen.

mail-credit-note-issued-subject = Gutschrift { $number } von { $tenant }
mail-credit-note-issued-heading = Eine Gutschrift für Sie
mail-credit-note-issued-body = Wir haben die Gutschrift { $number } über { $amount } ausgestellt. Sie finden sie im Anhang dieser E-Mail.

mail-sign-in-link-subject = Ihr Anmeldelink für { $tenant }
mail-sign-in-link-heading = Bei Ihrem Konto anmelden
mail-sign-in-link-body = Mit der Schaltfläche unten melden Sie sich bei Ihrem Konto bei { $tenant } an. Der Link ist einmal verwendbar und läuft am { $expires } ab.
mail-sign-in-link-ignore = Wenn Sie diesen Link nicht angefordert haben, können Sie diese E-Mail ignorieren.

# The command line.
mail-cli-run = E-Mails: { $sent } gesendet, { $retried } werden erneut versucht, { $failed } fehlgeschlagen, { $suppressed } unterdrückt ({ $where }).
mail-cli-demo-folder = In der Demo werden keine E-Mails verschickt: Jede wird als .eml-Datei in { $folder } abgelegt.

# billing jobs list
jobs-list-none = Noch keine Jobläufe aufgezeichnet.
jobs-list-running = läuft
jobs-list-ok = ok
jobs-list-failed = fehlgeschlagen: { $error }
jobs-list-line = { $started }  { $job }  Händler { $tenant }  ({ $trigger })  erledigt { $done }, fehlgeschlagen { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = Mahnlauf: { $invoices } Rechnungen im Mahnverfahren, { $retried } erneut eingezogen ({ $recovered } bezahlt), { $skipped } Wiederholungen übersprungen (endgültige Ablehnung oder 15 Versuche in 30 Tagen mit der Karte), { $emails } Mahnungen eingereiht, { $uncollectible } als uneinbringlich markiert, { $failed } fehlgeschlagen.
dunning-cli-locked = Ein anderer Mahnlauf hält die Sperre; es wurde nichts getan.

mail-billing-question-reply-subject = Ihre Frage zur Abrechnung: { $tenant } hat geantwortet
mail-billing-question-reply-heading = Wir haben Ihre Frage beantwortet
mail-billing-question-reply-body = { $tenant } hat Ihre Frage zur Abrechnung beantwortet. Hier ist die Antwort:
mail-action-view-question = Unterhaltung ansehen

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = Zahlungserinnerung: Rechnung { $number }
mail-dunning-payment-reminder-heading = Zahlungserinnerung
mail-dunning-payment-reminder-body = Sicherlich ist es Ihrer Aufmerksamkeit entgangen: Die Rechnung { $number } über { $amount } war am { $due } fällig und ist bei uns noch nicht bezahlt. Bitte begleichen Sie den offenen Betrag in den nächsten Tagen. Sollten Sie bereits gezahlt haben, betrachten Sie dieses Schreiben bitte als gegenstandslos.
mail-dunning-first-notice-subject = 1. Mahnung: Rechnung { $number }
mail-dunning-first-notice-heading = 1. Mahnung
mail-dunning-first-notice-body = Trotz unserer Zahlungserinnerung ist die Rechnung { $number } über { $amount }, fällig am { $due }, noch nicht bezahlt. Sie befinden sich damit in Zahlungsverzug (§ 286 BGB). Bitte zahlen Sie den offenen Betrag umgehend.
mail-dunning-second-notice-subject = 2. Mahnung: Rechnung { $number }
mail-dunning-second-notice-heading = 2. Mahnung
mail-dunning-second-notice-body = Die Rechnung { $number } über { $amount }, fällig am { $due }, ist trotz unserer 1. Mahnung weiterhin nicht bezahlt. Wir fordern Sie auf, den offenen Betrag einschließlich der Verzugskosten unverzüglich zu zahlen.
mail-dunning-final-notice-subject = Letzte Mahnung: Rechnung { $number }
mail-dunning-final-notice-heading = Letzte Mahnung
mail-dunning-final-notice-body = Dies ist unsere letzte Mahnung: Die Rechnung { $number } über { $amount }, fällig am { $due }, ist trotz mehrfacher Mahnung nicht bezahlt. Bitte zahlen Sie den offenen Betrag einschließlich der Verzugskosten umgehend. Geht die Zahlung nicht ein, werden wir ohne weitere Ankündigung rechtliche Schritte einleiten.
mail-dunning-late-fee-subject = Mahngebühr zu Rechnung { $number }
mail-dunning-late-fee-heading = Mahngebühr
mail-dunning-late-fee-body = Die Rechnung { $number } über { $amount }, fällig am { $due }, ist noch nicht bezahlt. Gemäß unseren Bedingungen berechnen wir dafür eine Mahngebühr.
mail-dunning-restrict-subject = Ihr Konto bei { $tenant } ist eingeschränkt
mail-dunning-restrict-heading = Ihr Konto ist eingeschränkt
mail-dunning-restrict-body = Da die Rechnung { $number } über { $amount }, fällig am { $due }, noch nicht bezahlt ist, können Sie bis zum Zahlungseingang weder Ihren Tarif ändern noch Abonnements hinzufügen. Sobald die überfälligen Rechnungen bezahlt sind, wird die Einschränkung automatisch aufgehoben.
mail-dunning-pause-subscriptions-subject = Ihre Abonnements bei { $tenant } sind pausiert
mail-dunning-pause-subscriptions-heading = Ihre Abonnements sind pausiert
mail-dunning-pause-subscriptions-body = Da die Rechnung { $number } über { $amount }, fällig am { $due }, noch nicht bezahlt ist, haben wir Ihre Abonnements pausiert. Bitte zahlen Sie den offenen Betrag.
mail-dunning-cancel-subscriptions-subject = Ihre Abonnements bei { $tenant } wurden beendet
mail-dunning-cancel-subscriptions-heading = Ihre Abonnements wurden beendet
mail-dunning-cancel-subscriptions-body = Da die Rechnung { $number } über { $amount }, fällig am { $due }, trotz Mahnung nicht bezahlt wurde, haben wir Ihre Abonnements mit sofortiger Wirkung beendet. Der offene Betrag bleibt zur Zahlung fällig.
mail-dunning-charges-explained = Für den Zahlungsverzug berechnen wir die unten aufgeführten Kosten. Sie sind Schadensersatz und daher nicht umsatzsteuerbar; wir stellen sie in einer eigenen Rechnung.
mail-fact-interest = Verzugszinsen { $rate } p. a., { $from } – { $to } (Zinstage: { $days })
mail-fact-flat-fee = Verzugspauschale (§ 288 Abs. 5 BGB)
mail-fact-late-fee = Mahngebühr
mail-fact-charges-invoice = Rechnung über die Verzugskosten
mail-fact-total-owed = Insgesamt zu zahlen
dunning-cli-actions = Mahnstufen: { $notices } Mahnungen versandt, { $charged }-mal Kosten berechnet, { $restricted } Konten eingeschränkt, { $paused }-mal Abonnements pausiert, { $canceled }-mal Abonnements beendet.

mail-sepa-fact-mandate-reference = Mandatsreferenz
mail-sepa-fact-creditor-id = Gläubiger-Identifikationsnummer
mail-welcome-subject = Willkommen bei { $tenant }
mail-welcome-heading = Herzlich willkommen
mail-welcome-body = Vielen Dank für Ihre Anmeldung bei { $tenant }. Ihr Abonnement hat begonnen.
mail-welcome-portal = In Ihrem Kundenkonto sehen Sie Ihr Abonnement und Ihre Rechnungen und können jederzeit Ihren Tarif wechseln und Ihre Zahlungsart ändern. Zum Anmelden fordern Sie einen Anmeldelink an diese E-Mail-Adresse an.
mail-welcome-action = Kundenkonto öffnen

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = Die E-Mail ist weder ein Zustellstatusbericht (RFC 3464) noch ein Feedback-Bericht (RFC 5965): Sie muss multipart/report mit report-type delivery-status oder feedback-report sein.
mail-report-error-no-status = Der Bericht enthält keinen Empfängerstatus und keinen Feedback-Typ.
mail-report-error-no-message-id = Der Bericht nennt keine Message-ID der ursprünglichen E-Mail; geben Sie den Händler an (--tenant), um ihn über die Adresse zuzuordnen.
mail-report-cli-suppressed = { $address } wird für { $tenant } ab jetzt nicht mehr angeschrieben ({ $reason }): { $detail }
mail-report-cli-already = { $address } war für { $tenant } bereits gesperrt: { $detail }
mail-report-cli-ignored = Für { $address } ({ $tenant }) ändert sich nichts: { $detail }
mail-report-cli-no-mail = Keine E-Mail passt zu dem Bericht ({ $id }).

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = Rechnung { $number } ist überfällig: bitte überweisen oder im Portal bezahlen
dunning-due-heading = Ihre Rechnung ist überfällig
dunning-due-body = Rechnung { $number } über { $amount } war am { $due } fällig, und Ihre Zahlung ist noch nicht eingegangen.
dunning-due-transfer = Bitte überweisen Sie { $amount } auf das unten genannte Konto mit der Rechnungsnummer als Verwendungszweck, oder bezahlen Sie im Portal. Falls Sie bereits bezahlt haben, betrachten Sie diese Erinnerung bitte als gegenstandslos.
dunning-due-portal = Bitte bezahlen Sie die Rechnung im Portal. Falls Sie bereits bezahlt haben, betrachten Sie diese Erinnerung bitte als gegenstandslos.
dunning-due-fact-holder = Kontoinhaber
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = Verwendungszweck
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = Ihr SEPA-Lastschriftmandat { $reference } wurde widerrufen
portal-mandate-end-revoked-heading = Ihr Lastschriftmandat ist beendet
portal-mandate-end-revoked-body = Das SEPA-Lastschriftmandat { $reference } für das Konto mit der Endung { $last4 } wurde am { $date } widerrufen. { $tenant } wird dieses Konto nicht mehr belasten. Bitte hinterlegen Sie eine andere Zahlungsart, damit Ihr Dienst ohne Unterbrechung weiterläuft.
portal-mandate-end-expired-subject = Ihr SEPA-Lastschriftmandat { $reference } ist erloschen
portal-mandate-end-expired-heading = Ihr Lastschriftmandat ist erloschen
portal-mandate-end-expired-body = Das SEPA-Lastschriftmandat { $reference } für das Konto mit der Endung { $last4 } ist am { $date } erloschen, weil es 36 Monate lang nicht genutzt wurde. { $tenant } wird dieses Konto nicht mehr belasten. Bitte hinterlegen Sie eine Zahlungsart, damit Ihr Dienst ohne Unterbrechung weiterläuft.
portal-mandate-end-fact-iban = Konto
portal-mandate-end-fact-date = Beendet am
