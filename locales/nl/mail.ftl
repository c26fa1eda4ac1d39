# Transactionele e-mails (portal-web/src/mail).

mail-greeting = Beste { $name },
mail-greeting-anonymous = Beste klant,
mail-signoff = Met vriendelijke groet,
mail-footer = U ontvangt deze e-mail omdat u klant bent van { $tenant }. Stuur ons nooit uw kaartgegevens per e-mail.

# A fact or a link in the text part.
mail-text-line = { $label }: { $value }
mail-fact-number = Nummer
mail-fact-amount = Bedrag
mail-fact-amount-paid = Betaald bedrag
mail-fact-amount-due = Openstaand bedrag
mail-fact-due-date = Vervaldatum
mail-fact-debit-date = Incassodatum

mail-action-view = Naar uw account
mail-action-update-method = Betaalmethode bijwerken
mail-action-pay = Nu betalen
mail-action-manage = Abonnement beheren
mail-action-sign-in = Inloggen

mail-invoice-issued-subject = Factuur { $number } van { $tenant }
mail-invoice-issued-heading = Uw nieuwe factuur
mail-invoice-issued-body = Uw factuur { $number } van { $amount } is bij deze e-mail gevoegd. Gelieve deze vóór { $due } te betalen.

mail-payment-receipt-subject = Betalingsbewijs voor factuur { $number }
mail-payment-receipt-heading = Bedankt voor uw betaling
mail-payment-receipt-body = We hebben { $amount } ontvangen voor factuur { $number }. De factuur is nu betaald.

mail-payment-failed-subject = Betaling van factuur { $number } mislukt
mail-payment-failed-heading = Uw betaling is niet gelukt
mail-payment-failed-body = We konden { $amount } voor factuur { $number } niet innen.
mail-payment-failed-retry = We proberen het opnieuw op { $date }. U kunt uw betaalmethode ook nu al bijwerken.
mail-payment-failed-update = Voeg een nieuwe betaalmethode toe zodat we het bedrag kunnen innen.

mail-dunning-step-subject = Herinnering: factuur { $number } is vervallen
mail-dunning-step-heading = Uw factuur is vervallen
mail-dunning-step-body = Factuur { $number } van { $amount } verviel op { $due } en is nog niet betaald. Gelieve deze zo snel mogelijk te betalen.

mail-card-expiring-subject = Uw kaart eindigend op { $last4 } verloopt binnenkort
mail-card-expiring-heading = Uw kaart verloopt binnenkort
mail-card-expiring-body = De kaart eindigend op { $last4 } waarmee u { $tenant } betaalt, verloopt op { $date }. Voeg een nieuwe kaart toe zodat uw dienst zonder onderbreking doorloopt.

mail-trial-ending-subject = Uw proefperiode eindigt op { $date }
mail-trial-ending-heading = Uw proefperiode eindigt binnenkort
mail-trial-ending-body = Uw proefperiode bij { $tenant } eindigt op { $date }. Daarna loopt uw abonnement door en wordt het via uw betaalmethode afgerekend.

mail-renewal-notice-subject = Uw abonnement wordt verlengd op { $date }
mail-renewal-notice-heading = Uw abonnement wordt binnenkort verlengd
mail-renewal-notice-body = Uw abonnement bij { $tenant } wordt verlengd op { $date }. Als u het wilt houden, hoeft u niets te doen.

mail-debit-notice-subject = Aankondiging van een incasso van { $amount }
mail-debit-notice-heading = Vooraankondiging SEPA-incasso
mail-debit-notice-body = Op { $date } schrijven we { $amount } voor factuur { $number } af van uw bankrekening. Zorg voor voldoende saldo op de rekening.

mail-subscription-changed-subject = Uw abonnement is gewijzigd
mail-subscription-changed-heading = Uw abonnement is gewijzigd
mail-subscription-changed-body = Uw abonnement bij { $tenant } is gewijzigd. Uw volgende factuur houdt rekening met de wijziging.

mail-subscription-canceled-subject = Uw abonnement is opgezegd
mail-subscription-canceled-heading = Uw abonnement is opgezegd
mail-subscription-canceled-body = Uw abonnement bij { $tenant } is opgezegd en eindigt op { $date }. Jammer dat u vertrekt.

mail-credit-note-issued-subject = Creditnota { $number } van { $tenant }
mail-credit-note-issued-heading = Een creditnota voor u
mail-credit-note-issued-body = We hebben creditnota { $number } van { $amount } uitgereikt. U vindt deze als bijlage bij deze e-mail.

mail-sign-in-link-subject = Uw inloglink voor { $tenant }
mail-sign-in-link-heading = Log in op uw account
mail-sign-in-link-body = Gebruik de knop hieronder om in te loggen op uw account bij { $tenant }. De link werkt één keer en verloopt op { $expires }.
mail-sign-in-link-ignore = Heeft u deze link niet aangevraagd, dan kunt u deze e-mail negeren.

# The command line.
mail-cli-run = E-mails: { $sent } verzonden, { $retried } opnieuw te proberen, { $failed } mislukt, { $suppressed } geblokkeerd ({ $where }).
mail-cli-demo-folder = De demo verstuurt geen e-mails: elke e-mail wordt als .eml-bestand opgeslagen in { $folder }

# billing jobs list
jobs-list-none = Nog geen jobruns vastgelegd.
jobs-list-running = bezig
jobs-list-ok = ok
jobs-list-failed = mislukt: { $error }
jobs-list-line = { $started }  { $job }  handelaar { $tenant }  ({ $trigger })  gedaan { $done }, mislukt { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = Aanmaningen: { $invoices } facturen in aanmaning, { $retried } opnieuw geïncasseerd ({ $recovered } betaald), { $skipped } pogingen overgeslagen (definitieve weigering of 15 pogingen in 30 dagen op de kaart), { $emails } herinneringen in de wachtrij, { $uncollectible } als oninbaar gemarkeerd, { $failed } mislukt.
dunning-cli-locked = Een andere aanmaningsrun heeft de vergrendeling; er is niets gedaan.

mail-billing-question-reply-subject = Je factuurvraag: { $tenant } heeft geantwoord
mail-billing-question-reply-heading = We hebben je vraag beantwoord
mail-billing-question-reply-body = { $tenant } heeft je vraag over je facturering beantwoord. Dit is het antwoord:
mail-action-view-question = Gesprek bekijken

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = Betalingsherinnering: factuur { $number }
mail-dunning-payment-reminder-heading = Betalingsherinnering
mail-dunning-payment-reminder-body = Het is u waarschijnlijk ontgaan: factuur { $number } van { $amount } verviel op { $due } en is nog niet betaald. Wij verzoeken u het openstaande bedrag binnen enkele dagen te voldoen. Hebt u al betaald, dan kunt u deze brief als niet verzonden beschouwen.
mail-dunning-first-notice-subject = Eerste aanmaning: factuur { $number }
mail-dunning-first-notice-heading = Eerste aanmaning
mail-dunning-first-notice-body = Ondanks onze betalingsherinnering is factuur { $number } van { $amount }, vervallen op { $due }, niet betaald. U bent daarmee in verzuim (§ 286 BGB). Wij verzoeken u het openstaande bedrag onmiddellijk te betalen.
mail-dunning-second-notice-subject = Tweede aanmaning: factuur { $number }
mail-dunning-second-notice-heading = Tweede aanmaning
mail-dunning-second-notice-body = Ondanks onze eerste aanmaning is factuur { $number } van { $amount }, vervallen op { $due }, nog steeds niet betaald. Wij sommeren u het openstaande bedrag inclusief de kosten van het verzuim onverwijld te betalen.
mail-dunning-final-notice-subject = Laatste aanmaning: factuur { $number }
mail-dunning-final-notice-heading = Laatste aanmaning
mail-dunning-final-notice-body = Dit is onze laatste aanmaning: factuur { $number } van { $amount }, vervallen op { $due }, is ondanks herhaalde aanmaning niet betaald. Betaal het openstaande bedrag inclusief de kosten van het verzuim onmiddellijk. Blijft betaling uit, dan nemen wij zonder verdere aankondiging juridische stappen.
mail-dunning-late-fee-subject = Aanmaningskosten op factuur { $number }
mail-dunning-late-fee-heading = Aanmaningskosten
mail-dunning-late-fee-body = Factuur { $number } van { $amount }, vervallen op { $due }, is nog niet betaald. Volgens onze voorwaarden brengen wij hiervoor aanmaningskosten in rekening.
mail-dunning-restrict-subject = Uw account bij { $tenant } is beperkt
mail-dunning-restrict-heading = Uw account is beperkt
mail-dunning-restrict-body = Omdat factuur { $number } van { $amount }, vervallen op { $due }, niet is betaald, kunt u tot de betaling is ontvangen uw abonnement niet wijzigen en geen abonnementen toevoegen. De beperking wordt automatisch opgeheven zodra de achterstallige facturen zijn betaald.
mail-dunning-pause-subscriptions-subject = Uw abonnementen bij { $tenant } zijn gepauzeerd
mail-dunning-pause-subscriptions-heading = Uw abonnementen zijn gepauzeerd
mail-dunning-pause-subscriptions-body = Omdat factuur { $number } van { $amount }, vervallen op { $due }, niet is betaald, hebben wij uw abonnementen gepauzeerd. Betaal alstublieft het openstaande bedrag.
mail-dunning-cancel-subscriptions-subject = Uw abonnementen bij { $tenant } zijn beëindigd
mail-dunning-cancel-subscriptions-heading = Uw abonnementen zijn beëindigd
mail-dunning-cancel-subscriptions-body = Omdat factuur { $number } van { $amount }, vervallen op { $due }, ondanks onze aanmaningen niet is betaald, hebben wij uw abonnementen met onmiddellijke ingang beëindigd. Het openstaande bedrag blijft verschuldigd.
mail-dunning-charges-explained = Voor de betalingsachterstand brengen wij de hieronder vermelde kosten in rekening. Dit is schadevergoeding en daarom niet onderworpen aan btw; wij factureren ze apart.
mail-fact-interest = Vertragingsrente { $rate } per jaar, { $from } – { $to } (rentedagen: { $days })
mail-fact-flat-fee = Forfaitaire vergoeding voor te late betaling (§ 288 lid 5 BGB)
mail-fact-late-fee = Aanmaningskosten
mail-fact-charges-invoice = Factuur voor de kosten van het verzuim
mail-fact-total-owed = Totaal te betalen
dunning-cli-actions = Aanmaningsacties: { $notices } aanmaningen verstuurd, { $charged } keer kosten gefactureerd, { $restricted } accounts beperkt, { $paused } keer abonnementen gepauzeerd, { $canceled } keer abonnementen beëindigd.

mail-sepa-fact-mandate-reference = Kenmerk machtiging
mail-sepa-fact-creditor-id = Incassant-ID
mail-welcome-subject = Welkom bij { $tenant }
mail-welcome-heading = Welkom
mail-welcome-body = Bedankt voor uw aanmelding bij { $tenant }. Uw abonnement is gestart.
mail-welcome-portal = In uw account ziet u uw abonnement en facturen en kunt u op elk moment van abonnement wisselen en uw betaalmethode wijzigen. Om in te loggen vraagt u een inloglink aan met dit e-mailadres.
mail-welcome-action = Uw account openen

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = De e-mail is geen afleverstatusmelding (RFC 3464) en geen feedbackrapport (RFC 5965): het moet multipart/report zijn met report-type delivery-status of feedback-report.
mail-report-error-no-status = Het rapport bevat geen ontvangerstatus en geen feedbacktype.
mail-report-error-no-message-id = Het rapport noemt geen Message-ID van de oorspronkelijke e-mail; geef de handelaar op (--tenant) om het via het adres te koppelen.
mail-report-cli-suppressed = { $address } is nu geblokkeerd voor { $tenant } ({ $reason }): { $detail }
mail-report-cli-already = { $address } was al geblokkeerd voor { $tenant }: { $detail }
mail-report-cli-ignored = Er verandert niets voor { $address } ({ $tenant }): { $detail }
mail-report-cli-no-mail = Geen e-mail past bij het rapport ({ $id }).

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = Factuur { $number } is vervallen: betaal per overschrijving of in het portaal
dunning-due-heading = Uw factuur is vervallen
dunning-due-body = Factuur { $number } van { $amount } moest op { $due } betaald zijn en we hebben uw betaling nog niet ontvangen.
dunning-due-transfer = Maak { $amount } over naar de rekening hieronder met het factuurnummer als kenmerk, of betaal in het portaal. Hebt u al betaald, dan kunt u deze herinnering negeren.
dunning-due-portal = Betaal de factuur in het portaal. Hebt u al betaald, dan kunt u deze herinnering negeren.
dunning-due-fact-holder = Rekeninghouder
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = Kenmerk
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = Uw SEPA-incassomachtiging { $reference } is ingetrokken
portal-mandate-end-revoked-heading = Uw incassomachtiging is beëindigd
portal-mandate-end-revoked-body = De SEPA-incassomachtiging { $reference } voor de rekening eindigend op { $last4 } is op { $date } ingetrokken. { $tenant } schrijft niet meer van deze rekening af. Voeg een andere betaalmethode toe zodat uw dienst zonder onderbreking doorloopt.
portal-mandate-end-expired-subject = Uw SEPA-incassomachtiging { $reference } is verlopen
portal-mandate-end-expired-heading = Uw incassomachtiging is verlopen
portal-mandate-end-expired-body = De SEPA-incassomachtiging { $reference } voor de rekening eindigend op { $last4 } is op { $date } verlopen omdat ze 36 maanden niet is gebruikt. { $tenant } schrijft niet meer van deze rekening af. Voeg een betaalmethode toe zodat uw dienst zonder onderbreking doorloopt.
portal-mandate-end-fact-iban = Rekening
portal-mandate-end-fact-date = Beëindigd op
