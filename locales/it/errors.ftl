# Messaggi di errore dell'API. Il codice stabile, leggibile dalle macchine, accompagna ogni messaggio.
error-unknown-currency = «{ $value }» non è una valuta conosciuta. Usa un codice ISO 4217, ad esempio EUR.
error-currency-mismatch = Non è possibile combinare importi in { $left } e in { $right }.
error-amount-overflow = L'importo è troppo grande.
error-amount-too-precise = Gli importi in { $currency } hanno al massimo { $exponent } decimali.
error-amount-invalid = «{ $value }» non è un importo valido. Scrivilo come 12.34.
error-negative-amount = L'importo non può essere negativo.
error-invalid-email = «{ $value }» non è un indirizzo e-mail valido.
error-invalid-country = «{ $value }» non è un codice paese. Usa un codice ISO 3166, ad esempio IT.
error-invalid-interval = L'intervallo di fatturazione non è valido: { $detail }
error-invalid-id = «{ $value }» non è un identificativo valido di questo tipo (deve iniziare con { $prefix }_).
error-invalid-field = Il valore di «{ $field }» non è valido: { $detail }
error-invalid-quantity = La quantità deve essere un numero intero da 1 a { $max }.
error-not-found = { $resource ->
    [customer] Non esiste alcun cliente
    [plan] Non esiste alcun piano
    [subscription] Non esiste alcun abbonamento
    [invoice] Non esiste alcuna fattura
    [coupon] Non esiste alcun coupon
    [tenant] Non esiste alcun esercente
   *[other] Non esiste nulla
} con l'identificativo «{ $id }».
error-plan-not-priced = Il piano «{ $plan }» non è offerto in { $currency }.
error-plan-inactive = Il piano «{ $plan }» non è più offerto.
error-duplicate = «{ $code }» è già in uso.
error-invalid-number-format = Il formato del numero di fattura non è valido: { $detail }
error-internal = Si è verificato un errore da parte nostra. Riprova più tardi.
error-api-key-missing = Invia la tua chiave API nell'intestazione «Authorization: Bearer sk_…».
error-api-key-invalid = Questa chiave API non è valida o è stata revocata.
error-invalid-body = Il corpo della richiesta non è valido per questo endpoint: { $detail }
error-invalid-query = I parametri della query non sono validi: { $detail }
error-idempotency-key-reused = Questa Idempotency-Key è già stata usata per una richiesta diversa.
error-idempotency-key-invalid = Una Idempotency-Key deve avere da 1 a 255 caratteri visibili.
error-route-not-found = Questo endpoint non esiste.
error-method-not-allowed = Questo endpoint non accetta questo metodo.
error-payload-too-large = Il corpo della richiesta è troppo grande.
error-proration = La modifica non può essere calcolata pro rata: { $detail }
error-subscription-state = L'abbonamento è { $status ->
    [active] attivo
    [paused] in pausa
   *[canceled] disdetto
}, quindi non è possibile ({ $action }).
error-invalid-pricing = Il prezzo non è valido: { $detail }
error-coupon-expired = Questo coupon è scaduto.
error-coupon-exhausted = Questo coupon è esaurito.
error-coupon-currency = Questo coupon non può essere usato per importi in { $currency }.
error-invalid-coupon = Il coupon non è valido: { $detail }
error-not-metered = L'abbonamento { $subscription } non ha un piano a consumo.
error-usage-period-closed = L'evento di consumo { $event_id } cade in un periodo già fatturato.
error-vat-id-prefix = «{ $country }» non è un prefisso di partita IVA che conosciamo. Inizia la partita IVA con il codice del paese, ad esempio IT o DE.
error-vat-id-format = Questo non è il formato di una partita IVA di { $country }.
error-vat-id-check-digits = Le cifre di controllo di questa partita IVA di { $country } non corrispondono. Verifica che non ci siano errori di battitura.
error-tax = Non è possibile determinare l'IVA di questa vendita: { $detail }
error-no-payment-method = Il cliente non ha alcun metodo di pagamento registrato. Aggiungine prima uno.
error-card-declined = La carta è stata rifiutata ({ $code }).
error-setup-pending = Il cliente non ha ancora finito di confermare questo metodo di pagamento con la propria banca. Riprova quando lo avrà fatto.
error-setup-authentication-failed = La banca non ha potuto confermare questo metodo di pagamento ({ $code }). Non è stato salvato; aggiungilo di nuovo o usane un altro.
error-gateway-unavailable = Il fornitore dei pagamenti non ha risposto. Nulla è stato addebitato due volte; riprova più tardi.
error-invoice-not-payable = Questa fattura è { $status }: non c'è nulla da incassare.
error-addon-not-compatible = Il componente aggiuntivo «{ $addon }» non può essere aggiunto al piano «{ $plan }».
error-insufficient-balance = Il credito del cliente è insufficiente ({ $available } unità minori di { $currency } disponibili).
error-refund-too-large = Su questa fattura si possono rimborsare al massimo { $refundable } unità minori di { $currency }.
error-invoice-state = La fattura è { $status }: in questo stato non è possibile { $action }.
error-credit-exceeds-invoice = Su questa fattura si possono ancora accreditare al massimo { $creditable } unità minori di { $currency }.
error-invoice-has-payments = Per questa fattura è stato ricevuto denaro, quindi non può essere annullata. Emetti invece una nota di credito o un rimborso.
error-invoice-empty = La fattura non ha righe. Aggiungi almeno una riga prima di emetterla.
error-no-gateway-route = Nessun conto di un fornitore di pagamenti può accettare questo pagamento: { $reason }
error-invalid-gateway-config = La configurazione del fornitore di pagamenti non è valida: { $detail }
error-webhook-rejected = Il webhook è stato rifiutato: la firma manca, è errata o è troppo vecchia.
error-webhook-unverifiable = Al momento non è possibile verificare l'invio presso il fornitore di pagamenti. Invialo di nuovo più tardi.
error-invalid-iban = «{ $value }» non è un IBAN valido: controlla il codice paese, la lunghezza e le due cifre di controllo.
error-invalid-bic = «{ $value }» non è un BIC valido: ha 8 o 11 lettere e cifre.
error-bank-account-missing = Non è ancora configurato alcun conto bancario per i bonifici: impostalo con PUT /api/v1/bank_account.
error-invalid-statement = Non è stato possibile leggere l'estratto conto ({ $location }): { $detail }
error-statement-format-unknown = Invia l'estratto conto come XML camt.053 (Content-Type application/xml) o come CSV (text/csv), oppure indica il formato con ?format=camt053 o ?format=csv.
error-statement-layout-unknown = Non esiste un formato CSV chiamato «{ $value }». Usa german o english, oppure omettilo per far riconoscere il formato dalla riga di intestazione.
error-statement-entry-settled = Questo movimento dell'estratto conto è { $outcome } e non può essere assegnato a una fattura; possono esserlo solo gli accrediti non abbinati o ambigui.
error-epc-qr-unavailable = Questa fattura non ha un codice QR EPC: non è in euro oppure non c'è nulla da pagare.
error-invalid-tax-behavior = «{ $value }» non è un trattamento IVA. Usa «exclusive» (l'IVA si aggiunge al prezzo) o «inclusive» (il prezzo include l'IVA).
error-tax-behavior-mixed = Una fattura ha tutti i prezzi IVA inclusa o tutti IVA esclusa. Questi importi mescolerebbero prezzi con IVA inclusa e prezzi senza IVA; emettili su documenti separati.

error-idempotency-key-in-use = Una richiesta con questa Idempotency-Key è ancora in elaborazione. Riprova tra un momento con la stessa chiave.
error-payment-in-progress = È già in corso un pagamento di questa fattura. Attendi il suo esito invece di pagare di nuovo.
error-refund-failed = Il fornitore dei pagamenti ha rifiutato il rimborso; non è stato rimborsato nulla. Motivo: { $reason }
error-run-date-in-future = La data di esecuzione { $as_of } è successiva a oggi ({ $today }) nel tuo fuso orario: le fatture verrebbero emesse con una data futura. Guarda avanti con un'esecuzione di prova oppure consentilo esplicitamente (allow_future).
error-fx-rate-missing = Non esiste un tasso di riferimento BCE per { $currency } il { $date } né nei { $days } giorni precedenti, quindi l'IVA non può essere indicata in { $national } come richiede l'art. 230 della direttiva IVA. Importa i tassi BCE (billing fx-import) e finalizza di nuovo.
error-invalid-text = Il campo { $field } contiene un carattere di controllo ({ $char }). Rimuovilo; sono ammessi solo tabulazioni e a capo.
error-text-too-long = Il campo { $field } supera i { $max } caratteri.
error-amount-out-of-bounds = L'importo è fuori intervallo: gli importi possono essere al massimo di { $max } unità minori, positivi o negativi.
error-request-timeout = Il corpo della richiesta non è arrivato in tempo.
error-rate-limited = Troppi tentativi di autenticazione falliti dal tuo indirizzo. Riprova tra { $seconds } secondi.
error-bad-request = La richiesta non è valida: { $detail }
error-service-unavailable = Il servizio non è disponibile al momento. Riprova più tardi.
error-einvoice-data-missing = Impossibile generare la fattura elettronica { $format }: serve { $missing }.
error-einvoice-not-finalized = Solo le fatture e le note di credito finalizzate hanno una fattura elettronica. Finalizza prima la bozza.
einvoice-missing-seller-address = l'indirizzo postale del venditore (POST /api/v1/tenant)
einvoice-missing-seller-tax-id = la partita IVA o il codice fiscale del venditore (una partita IVA per le cessioni intracomunitarie e le esportazioni)
einvoice-missing-seller-tax-number = il codice fiscale del venditore (un documento non soggetto a IVA non può riportare una partita IVA)
einvoice-missing-seller-contact-name = il nome del referente del venditore (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-phone = il telefono del referente del venditore (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-email = l'indirizzo e-mail del referente del venditore (POST /api/v1/tenant/einvoice)
einvoice-missing-buyer-address = l'indirizzo di fatturazione del cliente con CAP e città
einvoice-missing-buyer-reference = il Leitweg-ID del cliente come riferimento dell'acquirente (acquirente pubblico; POST /api/v1/customers/…/einvoice)
einvoice-missing-payment-means = istruzioni di pagamento: un conto bancario del venditore o una carta registrata del cliente
einvoice-missing-currency-precision = una valuta con al massimo due decimali (gli importi EN 16931 ne hanno due)
einvoice-missing-mixed-not-subject-to-vat = documenti separati per le cessioni non soggette a IVA e le altre

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = «{ $url }» non può ricevere webhook: usi un indirizzo https:// (http:// è accettato solo per 127.0.0.1 o localhost, per i test), senza nome utente, password o #frammento.
error-webhook-endpoint-disabled = Questo endpoint webhook è disattivato. Lo attivi (stato «enabled») prima di inviargli di nuovo degli eventi.
error-insufficient-scope = Questa chiave API non può farlo: serve l’ambito «{ $scope }».

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = Le spese di sollecito non sono valide: { $detail }
error-account-restricted = Il suo account è limitato perché ci sono fatture scadute: cambi di piano e nuovi abbonamenti saranno di nuovo possibili dopo il pagamento.
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = Questa chiave API o il tuo account ha fatto più di { $limit } richieste in questo minuto. Riprova tra { $seconds } secondi.
sepa-period-invalid = Il termine di preavviso SEPA deve essere un numero intero di giorni di calendario tra { $min } e { $max }, oppure null per i 14 giorni delle regole SEPA. Non è stato modificato nulla.
