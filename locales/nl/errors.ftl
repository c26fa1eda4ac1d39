# Foutmeldingen van de API. De vaste, machineleesbare code staat naast elke melding.
error-unknown-currency = ‘{ $value }’ is geen bekende valuta. Gebruik een ISO 4217-code zoals EUR.
error-currency-mismatch = Bedragen in { $left } en { $right } kunnen niet worden gecombineerd.
error-amount-overflow = Het bedrag is te groot.
error-amount-too-precise = Bedragen in { $currency } hebben hoogstens { $exponent } decimalen.
error-amount-invalid = ‘{ $value }’ is geen geldig bedrag. Schrijf het als 12.34.
error-negative-amount = Het bedrag mag niet negatief zijn.
error-invalid-email = ‘{ $value }’ is geen geldig e-mailadres.
error-invalid-country = ‘{ $value }’ is geen landcode. Gebruik een ISO 3166-code zoals NL.
error-invalid-interval = De factureringsperiode is niet geldig: { $detail }
error-invalid-id = ‘{ $value }’ is geen geldige id van deze soort (verwacht werd een id die begint met { $prefix }_).
error-invalid-field = De waarde van ‘{ $field }’ is niet geldig: { $detail }
error-invalid-quantity = Het aantal moet een geheel getal van 1 tot en met { $max } zijn.
error-not-found = { $resource ->
    [customer] Er bestaat geen klant
    [plan] Er bestaat geen abonnementsvorm
    [subscription] Er bestaat geen abonnement
    [invoice] Er bestaat geen factuur
    [coupon] Er bestaat geen kortingscode
    [tenant] Er bestaat geen handelaar
   *[other] Er bestaat niets
} met de id ‘{ $id }’.
error-plan-not-priced = De abonnementsvorm ‘{ $plan }’ wordt niet aangeboden in { $currency }.
error-plan-inactive = De abonnementsvorm ‘{ $plan }’ wordt niet meer aangeboden.
error-duplicate = ‘{ $code }’ is al in gebruik.
error-invalid-number-format = Het formaat van het factuurnummer is niet geldig: { $detail }
error-internal = Er is aan onze kant iets misgegaan. Probeer het later opnieuw.
error-api-key-missing = Stuur uw API-sleutel mee in de header ‘Authorization: Bearer sk_…’.
error-api-key-invalid = Deze API-sleutel is niet geldig of is ingetrokken.
error-invalid-body = De body van het verzoek is niet geldig voor dit endpoint: { $detail }
error-invalid-query = De queryparameters zijn niet geldig: { $detail }
error-idempotency-key-reused = Deze Idempotency-Key is al gebruikt voor een ander verzoek.
error-idempotency-key-invalid = Een Idempotency-Key moet 1 tot 255 zichtbare tekens lang zijn.
error-route-not-found = Dit endpoint bestaat niet.
error-method-not-allowed = Dit endpoint accepteert die methode niet.
error-payload-too-large = De body van het verzoek is te groot.
error-proration = De wijziging kan niet naar rato worden berekend: { $detail }
error-subscription-state = Het abonnement is { $status ->
    [active] actief
    [paused] gepauzeerd
   *[canceled] opgezegd
}, dus dit is niet mogelijk ({ $action }).
error-invalid-pricing = De prijsstelling is niet geldig: { $detail }
error-coupon-expired = Deze kortingscode is verlopen.
error-coupon-exhausted = Deze kortingscode is opgebruikt.
error-coupon-currency = Deze kortingscode kan niet worden gebruikt voor bedragen in { $currency }.
error-invalid-coupon = De kortingscode is niet geldig: { $detail }
error-not-metered = Het abonnement { $subscription } heeft geen verbruiksafhankelijke abonnementsvorm.
error-usage-period-closed = De verbruiksgebeurtenis { $event_id } valt in een periode die al is gefactureerd.
error-vat-id-prefix = ‘{ $country }’ is geen ons bekend voorvoegsel van een btw-identificatienummer. Begin het btw-identificatienummer met de landcode, bijvoorbeeld NL of DE.
error-vat-id-format = Dit is niet het formaat van een btw-identificatienummer uit { $country }.
error-vat-id-check-digits = De controlecijfers van dit btw-identificatienummer uit { $country } kloppen niet. Controleer het op een typefout.
error-tax = De btw voor deze verkoop kan niet worden bepaald: { $detail }
error-no-payment-method = De klant heeft geen betaalmethode opgeslagen. Voeg er eerst een toe.
error-card-declined = De kaart is geweigerd ({ $code }).
error-setup-pending = De klant heeft deze betaalmethode nog niet bij de bank bevestigd. Probeer het opnieuw zodra dat is gebeurd.
error-setup-authentication-failed = De bank kon deze betaalmethode niet bevestigen ({ $code }). Ze is niet opgeslagen; voeg haar opnieuw toe of gebruik een andere.
error-gateway-unavailable = De betaaldienstverlener heeft niet geantwoord. Er is niets dubbel afgeschreven; probeer het later opnieuw.
error-invoice-not-payable = Deze factuur is { $status }: er valt niets te innen.
error-addon-not-compatible = De uitbreiding ‘{ $addon }’ kan niet aan de abonnementsvorm ‘{ $plan }’ worden toegevoegd.
error-insufficient-balance = Het tegoed van de klant is te klein ({ $available } kleinste eenheden { $currency } beschikbaar).
error-refund-too-large = Op deze factuur kunnen hoogstens { $refundable } kleinste eenheden { $currency } worden terugbetaald.
error-invoice-state = De factuur is { $status }: in die status kan ze niet { $action }.
error-credit-exceeds-invoice = Op deze factuur kunnen nog hoogstens { $creditable } kleinste eenheden { $currency } worden gecrediteerd.
error-invoice-has-payments = Voor deze factuur is geld ontvangen, dus ze kan niet ongeldig worden gemaakt. Maak in plaats daarvan een creditnota of een terugbetaling.
error-invoice-empty = De factuur heeft geen regels. Voeg ten minste één regel toe voordat u haar definitief maakt.
error-no-gateway-route = Geen enkele rekening bij een betaaldienstverlener kan deze betaling aannemen: { $reason }
error-invalid-gateway-config = De configuratie van de betaaldienstverlener is niet geldig: { $detail }
error-webhook-rejected = De webhook is geweigerd: de handtekening ontbreekt, is onjuist of is te oud.
error-webhook-unverifiable = De levering kan op dit moment niet bij de betaaldienstverlener worden gecontroleerd. Lever haar later opnieuw af.
error-invalid-iban = ‘{ $value }’ is geen geldig IBAN: controleer de landcode, de lengte en de twee controlecijfers.
error-invalid-bic = ‘{ $value }’ is geen geldige BIC: die bestaat uit 8 of 11 letters en cijfers.
error-bank-account-missing = Er is nog geen bankrekening ingesteld voor overschrijvingen: stel er een in met PUT /api/v1/bank_account.
error-invalid-statement = Het rekeningafschrift kon niet worden gelezen ({ $location }): { $detail }
error-statement-format-unknown = Stuur het afschrift als camt.053-XML (Content-Type application/xml) of als CSV (text/csv), of noem het formaat met ?format=camt053 of ?format=csv.
error-statement-layout-unknown = Er bestaat geen CSV-indeling ‘{ $value }’. Gebruik german of english, of laat het weg om de indeling aan de kopregel te laten herkennen.
error-statement-entry-settled = Deze post op het afschrift is { $outcome } en kan niet aan een factuur worden toegewezen; alleen niet-gekoppelde of dubbelzinnige bijschrijvingen kunnen dat.
error-epc-qr-unavailable = Deze factuur heeft geen EPC-QR-code: ze is niet in euro of er staat niets meer open.
error-invalid-tax-behavior = ‘{ $value }’ is geen btw-behandeling. Gebruik ‘exclusive’ (de btw komt bij de prijs) of ‘inclusive’ (de prijs is inclusief btw).
error-tax-behavior-mixed = Een factuur is geheel inclusief of geheel exclusief btw. Deze bedragen zouden prijzen inclusief en exclusief btw mengen; zet ze op afzonderlijke documenten.

error-idempotency-key-in-use = Een verzoek met deze Idempotency-Key wordt nog verwerkt. Probeer het zo opnieuw met dezelfde sleutel.
error-payment-in-progress = Er loopt al een betaling van deze factuur. Wacht op het resultaat in plaats van opnieuw te betalen.
error-refund-failed = De betaalprovider heeft de terugbetaling geweigerd; er is niets terugbetaald. Reden: { $reason }
error-run-date-in-future = De rundatum { $as_of } ligt na vandaag ({ $today }) in uw tijdzone: de facturen zouden met een toekomstige datum worden uitgegeven. Kijk vooruit met een proefrun, of sta het uitdrukkelijk toe (allow_future).
error-fx-rate-missing = Er is geen ECB-referentiekoers voor { $currency } op { $date } of in de { $days } dagen ervoor, dus de btw kan niet in { $national } worden vermeld zoals artikel 230 van de btw-richtlijn vereist. Importeer de ECB-koersen (billing fx-import) en definitief maken opnieuw.
error-invalid-text = Het veld { $field } bevat een stuurteken ({ $char }). Verwijder het; alleen tabs en regeleinden zijn toegestaan.
error-text-too-long = Het veld { $field } is langer dan { $max } tekens.
error-amount-out-of-bounds = Het bedrag valt buiten het bereik: bedragen mogen hoogstens { $max } kleinste eenheden zijn, positief of negatief.
error-request-timeout = De inhoud van het verzoek is niet op tijd aangekomen.
error-rate-limited = Te veel mislukte authenticatiepogingen vanaf uw adres. Probeer het over { $seconds } seconden opnieuw.
error-bad-request = Het verzoek is ongeldig: { $detail }
error-service-unavailable = De dienst is op dit moment niet beschikbaar. Probeer het later opnieuw.
error-einvoice-data-missing = De e-factuur { $format } kan niet worden gemaakt: er ontbreekt { $missing }.
error-einvoice-not-finalized = Alleen definitieve facturen en creditnota's hebben een e-factuur. Maak het concept eerst definitief.
einvoice-missing-seller-address = het postadres van de verkoper (POST /api/v1/tenant)
einvoice-missing-seller-tax-id = het btw-id of fiscaal nummer van de verkoper (een btw-id voor intracommunautaire leveringen en uitvoer)
einvoice-missing-seller-tax-number = het fiscale nummer van de verkoper (een document zonder btw mag geen btw-id tonen)
einvoice-missing-seller-contact-name = de naam van de contactpersoon van de verkoper (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-phone = het telefoonnummer van de contactpersoon van de verkoper (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-email = het e-mailadres van de contactpersoon van de verkoper (POST /api/v1/tenant/einvoice)
einvoice-missing-buyer-address = het factuuradres van de klant met postcode en plaats
einvoice-missing-buyer-reference = het Leitweg-ID van de klant als kopersreferentie (publieke koper; POST /api/v1/customers/…/einvoice)
einvoice-missing-payment-means = betalingsinstructies: een bankrekening van de verkoper of een opgeslagen kaart van de klant
einvoice-missing-currency-precision = een valuta met hoogstens twee decimalen (EN 16931-bedragen hebben er twee)
einvoice-missing-mixed-not-subject-to-vat = aparte documenten voor leveringen zonder btw en andere leveringen

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = ‘{ $url }’ kan geen webhooks ontvangen: gebruik een https://-adres (http:// alleen voor 127.0.0.1 of localhost, om te testen), zonder gebruikersnaam, wachtwoord of #fragment.
error-webhook-endpoint-disabled = Dit webhook-endpoint is uitgeschakeld. Schakel het in (status ‘enabled’) voordat u er gebeurtenissen opnieuw naartoe stuurt.
error-insufficient-scope = Deze API-sleutel mag dit niet: daarvoor is het bereik ‘{ $scope }’ nodig.

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = De aanmaningskosten zijn niet geldig: { $detail }
error-account-restricted = Uw account is beperkt omdat er facturen achterstallig zijn: wijzigingen van uw abonnement en nieuwe abonnementen zijn weer mogelijk zodra ze zijn betaald.
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = Deze API-sleutel of uw account heeft deze minuut meer dan { $limit } verzoeken gedaan. Probeer het over { $seconds } seconden opnieuw.
sepa-period-invalid = De SEPA-vooraankondigingstermijn moet een geheel aantal kalenderdagen van { $min } tot { $max } zijn, of null voor de 14 dagen van de SEPA-regels. Er is niets gewijzigd.
