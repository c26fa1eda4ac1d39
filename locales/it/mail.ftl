# E-mail transazionali (portal-web/src/mail).

mail-greeting = Gentile { $name },
mail-greeting-anonymous = Gentile cliente,
mail-signoff = Cordiali saluti,
mail-footer = Ricevi questa e-mail perché sei cliente di { $tenant }. Non inviarci mai i dati della tua carta via e-mail.

# A fact or a link in the text part.
mail-text-line = { $label }: { $value }
mail-fact-number = Numero
mail-fact-amount = Importo
mail-fact-amount-paid = Importo pagato
mail-fact-amount-due = Importo dovuto
mail-fact-due-date = Scadenza
mail-fact-debit-date = Data di addebito

mail-action-view = Vai al tuo account
mail-action-update-method = Aggiorna il metodo di pagamento
mail-action-pay = Paga ora
mail-action-manage = Gestisci l’abbonamento
mail-action-sign-in = Accedi

mail-invoice-issued-subject = Fattura { $number } da { $tenant }
mail-invoice-issued-heading = La tua nuova fattura
mail-invoice-issued-body = In allegato trovi la fattura { $number } di { $amount }. Ti preghiamo di pagarla entro il { $due }.

mail-payment-receipt-subject = Ricevuta per la fattura { $number }
mail-payment-receipt-heading = Grazie per il tuo pagamento
mail-payment-receipt-body = Abbiamo ricevuto { $amount } per la fattura { $number }. La fattura risulta ora pagata.

mail-payment-failed-subject = Pagamento della fattura { $number } non riuscito
mail-payment-failed-heading = Il tuo pagamento non è andato a buon fine
mail-payment-failed-body = Non siamo riusciti ad addebitare { $amount } per la fattura { $number }.
mail-payment-failed-retry = Riproveremo il { $date }. Puoi anche aggiornare subito il tuo metodo di pagamento.
mail-payment-failed-update = Aggiungi un nuovo metodo di pagamento così che possiamo incassare l’importo.

mail-dunning-step-subject = Promemoria: la fattura { $number } è scaduta
mail-dunning-step-heading = La tua fattura è scaduta
mail-dunning-step-body = La fattura { $number } di { $amount } era in scadenza il { $due } e non è ancora stata pagata. Ti preghiamo di saldarla il prima possibile.

mail-card-expiring-subject = La tua carta che termina con { $last4 } sta per scadere
mail-card-expiring-heading = La tua carta sta per scadere
mail-card-expiring-body = La carta che termina con { $last4 }, con cui paghi { $tenant }, scade il { $date }. Aggiungi una nuova carta affinché il servizio continui senza interruzioni.

mail-trial-ending-subject = Il tuo periodo di prova termina il { $date }
mail-trial-ending-heading = Il tuo periodo di prova sta per terminare
mail-trial-ending-body = Il tuo periodo di prova con { $tenant } termina il { $date }. Dopo, l’abbonamento prosegue e viene addebitato sul tuo metodo di pagamento.

mail-renewal-notice-subject = Il tuo abbonamento si rinnova il { $date }
mail-renewal-notice-heading = Il tuo abbonamento si rinnova a breve
mail-renewal-notice-body = Il tuo abbonamento con { $tenant } si rinnova il { $date }. Se vuoi mantenerlo, non devi fare nulla.

mail-debit-notice-subject = Addebito diretto in arrivo di { $amount }
mail-debit-notice-heading = Preavviso di addebito SEPA
mail-debit-notice-body = Il { $date } addebiteremo { $amount } per la fattura { $number } sul tuo conto bancario. Assicurati che il conto abbia fondi sufficienti.

mail-subscription-changed-subject = Il tuo abbonamento è stato modificato
mail-subscription-changed-heading = Il tuo abbonamento è stato modificato
mail-subscription-changed-body = Il tuo abbonamento con { $tenant } è stato modificato. La prossima fattura terrà conto della modifica.

mail-subscription-canceled-subject = Il tuo abbonamento è stato disdetto
mail-subscription-canceled-heading = Il tuo abbonamento è stato disdetto
mail-subscription-canceled-body = Il tuo abbonamento con { $tenant } è stato disdetto e termina il { $date }. Ci dispiace vederti andare via.

mail-credit-note-issued-subject = Nota di credito { $number } da { $tenant }
mail-credit-note-issued-heading = Una nota di credito per te
mail-credit-note-issued-body = Abbiamo emesso la nota di credito { $number } di { $amount }. La trovi in allegato a questa e-mail.

mail-sign-in-link-subject = Il tuo link di accesso a { $tenant }
mail-sign-in-link-heading = Accedi al tuo account
mail-sign-in-link-body = Usa il pulsante qui sotto per accedere al tuo account { $tenant }. Il link si può usare una sola volta e scade il { $expires }.
mail-sign-in-link-ignore = Se non hai richiesto questo link, puoi ignorare questa e-mail.

# The command line.
mail-cli-run = E-mail: { $sent } inviate, { $retried } da ritentare, { $failed } non riuscite, { $suppressed } bloccate ({ $where }).
mail-cli-demo-folder = La demo non invia e-mail: ognuna viene scritta come file .eml in { $folder }

# billing jobs list
jobs-list-none = Nessuna esecuzione di job registrata.
jobs-list-running = in corso
jobs-list-ok = ok
jobs-list-failed = non riuscito: { $error }
jobs-list-line = { $started }  { $job }  esercente { $tenant }  ({ $trigger })  completati { $done }, non riusciti { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = Solleciti: { $invoices } fatture in sollecito, { $retried } riaddebitate ({ $recovered } pagate), { $skipped } tentativi saltati (rifiuto definitivo o 15 tentativi in 30 giorni sulla carta), { $emails } promemoria in coda, { $uncollectible } segnate come inesigibili, { $failed } non riuscite.
dunning-cli-locked = Un'altra esecuzione dei solleciti detiene il blocco; non è stato fatto nulla.

mail-billing-question-reply-subject = La tua domanda sulla fatturazione: { $tenant } ha risposto
mail-billing-question-reply-heading = Abbiamo risposto alla tua domanda
mail-billing-question-reply-body = { $tenant } ha risposto alla tua domanda sulla fatturazione. Ecco la risposta:
mail-action-view-question = Vedi la conversazione

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = Promemoria di pagamento: fattura { $number }
mail-dunning-payment-reminder-heading = Promemoria di pagamento
mail-dunning-payment-reminder-body = Probabilmente le è sfuggito: la fattura { $number } di { $amount } era in scadenza il { $due } e non è ancora stata pagata. La preghiamo di saldare l’importo dovuto nei prossimi giorni. Se ha già pagato, non tenga conto di questa comunicazione.
mail-dunning-first-notice-subject = Primo sollecito: fattura { $number }
mail-dunning-first-notice-heading = Primo sollecito
mail-dunning-first-notice-body = Nonostante il nostro promemoria, la fattura { $number } di { $amount }, scaduta il { $due }, non è stata pagata. Lei è pertanto in mora (§ 286 BGB). La preghiamo di pagare immediatamente l’importo dovuto.
mail-dunning-second-notice-subject = Secondo sollecito: fattura { $number }
mail-dunning-second-notice-heading = Secondo sollecito
mail-dunning-second-notice-body = Nonostante il nostro primo sollecito, la fattura { $number } di { $amount }, scaduta il { $due }, risulta ancora non pagata. La invitiamo a pagare senza indugio l’importo dovuto, comprese le spese di mora.
mail-dunning-final-notice-subject = Ultimo sollecito: fattura { $number }
mail-dunning-final-notice-heading = Ultimo sollecito
mail-dunning-final-notice-body = Questo è il nostro ultimo sollecito: la fattura { $number } di { $amount }, scaduta il { $due }, non è stata pagata nonostante diversi solleciti. La preghiamo di pagare immediatamente l’importo dovuto, comprese le spese di mora. In mancanza di pagamento intraprenderemo azioni legali senza ulteriore preavviso.
mail-dunning-late-fee-subject = Spese di sollecito sulla fattura { $number }
mail-dunning-late-fee-heading = Spese di sollecito
mail-dunning-late-fee-body = La fattura { $number } di { $amount }, scaduta il { $due }, non è ancora stata pagata. In base alle nostre condizioni addebitiamo spese di sollecito.
mail-dunning-restrict-subject = Il suo account presso { $tenant } è limitato
mail-dunning-restrict-heading = Il suo account è limitato
mail-dunning-restrict-body = Poiché la fattura { $number } di { $amount }, scaduta il { $due }, non è stata pagata, fino al ricevimento del pagamento non potrà cambiare piano né aggiungere abbonamenti. La limitazione viene rimossa automaticamente non appena le fatture scadute sono pagate.
mail-dunning-pause-subscriptions-subject = I suoi abbonamenti presso { $tenant } sono sospesi
mail-dunning-pause-subscriptions-heading = I suoi abbonamenti sono sospesi
mail-dunning-pause-subscriptions-body = Poiché la fattura { $number } di { $amount }, scaduta il { $due }, non è stata pagata, abbiamo sospeso i suoi abbonamenti. La preghiamo di pagare l’importo dovuto.
mail-dunning-cancel-subscriptions-subject = I suoi abbonamenti presso { $tenant } sono terminati
mail-dunning-cancel-subscriptions-heading = I suoi abbonamenti sono terminati
mail-dunning-cancel-subscriptions-body = Poiché la fattura { $number } di { $amount }, scaduta il { $due }, non è stata pagata nonostante i nostri solleciti, abbiamo terminato i suoi abbonamenti con effetto immediato. L’importo dovuto resta esigibile.
mail-dunning-charges-explained = Per il ritardo nel pagamento addebitiamo i costi indicati qui sotto. Si tratta di risarcimento del danno, quindi non soggetto a IVA; li fatturiamo separatamente.
mail-fact-interest = Interessi di mora { $rate } annuo, { $from } – { $to } (giorni di interesse: { $days })
mail-fact-flat-fee = Importo forfettario per ritardato pagamento (§ 288, c. 5 BGB)
mail-fact-late-fee = Spese di sollecito
mail-fact-charges-invoice = Fattura delle spese di mora
mail-fact-total-owed = Totale da pagare
dunning-cli-actions = Azioni di sollecito: { $notices } solleciti inviati, { $charged } volte spese addebitate, { $restricted } account limitati, { $paused } volte abbonamenti sospesi, { $canceled } volte abbonamenti terminati.

mail-sepa-fact-mandate-reference = Riferimento del mandato
mail-sepa-fact-creditor-id = Identificativo del creditore
mail-welcome-subject = Benvenuto in { $tenant }
mail-welcome-heading = Benvenuto
mail-welcome-body = Grazie per esserti registrato con { $tenant }. Il tuo abbonamento è iniziato.
mail-welcome-portal = Nel tuo account puoi vedere l'abbonamento e le fatture, cambiare piano e aggiornare il metodo di pagamento in qualsiasi momento. Per accedere, richiedi un link di accesso con questo indirizzo email.
mail-welcome-action = Apri il tuo account

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = L’e-mail non è una notifica dello stato di consegna (RFC 3464) né un rapporto di feedback (RFC 5965): deve essere multipart/report con report-type delivery-status o feedback-report.
mail-report-error-no-status = Il rapporto non contiene alcuno stato del destinatario né un tipo di feedback.
mail-report-error-no-message-id = Il rapporto non indica il Message-ID dell’e-mail originale; indica l’esercente (--tenant) per abbinarlo tramite l’indirizzo.
mail-report-cli-suppressed = { $address } è ora bloccato per { $tenant } ({ $reason }): { $detail }
mail-report-cli-already = { $address } era già bloccato per { $tenant }: { $detail }
mail-report-cli-ignored = Nulla cambia per { $address } ({ $tenant }): { $detail }
mail-report-cli-no-mail = Nessuna e-mail corrisponde al rapporto ({ $id }).

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = La fattura { $number } è scaduta: paghi con bonifico o nel portale
dunning-due-heading = La sua fattura è scaduta
dunning-due-body = La fattura { $number } di { $amount } era in scadenza il { $due } e non abbiamo ancora ricevuto il suo pagamento.
dunning-due-transfer = Effettui un bonifico di { $amount } sul conto indicato sotto con il numero della fattura come causale, oppure paghi nel portale. Se ha già pagato, ignori questo promemoria.
dunning-due-portal = La paghi nel portale. Se ha già pagato, ignori questo promemoria.
dunning-due-fact-holder = Intestatario del conto
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = Causale
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = Il tuo mandato di addebito diretto SEPA { $reference } è stato revocato
portal-mandate-end-revoked-heading = Il tuo mandato di addebito è terminato
portal-mandate-end-revoked-body = Il mandato di addebito diretto SEPA { $reference } per il conto che termina con { $last4 } è stato revocato il { $date }. { $tenant } non addebiterà più questo conto. Aggiungi un altro metodo di pagamento affinché il servizio continui senza interruzioni.
portal-mandate-end-expired-subject = Il tuo mandato di addebito diretto SEPA { $reference } è scaduto
portal-mandate-end-expired-heading = Il tuo mandato di addebito è scaduto
portal-mandate-end-expired-body = Il mandato di addebito diretto SEPA { $reference } per il conto che termina con { $last4 } è scaduto il { $date } perché non è stato usato per 36 mesi. { $tenant } non addebiterà più questo conto. Aggiungi un metodo di pagamento affinché il servizio continui senza interruzioni.
portal-mandate-end-fact-iban = Conto
portal-mandate-end-fact-date = Terminato il
